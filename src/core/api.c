#include "core/api.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/counters.h"
#include "core/log.h"
#include "core/util.h"
#include "model/vxconf.h"
#include "workers/acceptor.h"
#include "workers/worker.h"

#define VLOG_MODULE "api"
#define API_MAX_BODY 65536

struct api {
    struct MHD_Daemon *mhd;
    sqlite3 *store;             /* NULL: changes are not persisted */
    char *token;
    api_changed_fn *changed;
    void *aux;
    struct acceptor *acceptor;
    struct worker *workers;
    int n_workers;
};

/* Per-request state: the body as it arrives. */
struct request {
    size_t size;
    bool too_big;
    char body[API_MAX_BODY + 1];
};

/* --- the change store (SQLite, WAL) ---
 *
 * One row per acknowledged API write, in order.  A row is committed
 * (synchronous=FULL: on disk) before the change is applied and the reply
 * sent, so a crash at any moment loses no acknowledged change, and a
 * change is either a whole row or absent: never half-applied. */

static sqlite3 *store_open__(const char *path, char *err, size_t err_size)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    if (sqlite3_open(path, &db) != SQLITE_OK
        || sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            "CREATE TABLE IF NOT EXISTS changes ("
                            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                            " method TEXT NOT NULL, url TEXT NOT NULL, body TEXT);",
                        NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, err_size, "api_store %s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static bool store_append__(struct api *api, const char *method, const char *url, const char *body)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(api->store,
                                 "INSERT INTO changes (method, url, body) VALUES (?, ?, ?)",
                                 -1, &st, NULL) == SQLITE_OK
              && sqlite3_bind_text(st, 1, method, -1, SQLITE_STATIC) == SQLITE_OK
              && sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC) == SQLITE_OK
              && (body ? sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(st, 3)) == SQLITE_OK
              && sqlite3_step(st) == SQLITE_DONE;     /* autocommit: one transaction */
    if (!ok) {
        VLOG_RL(VLL_ERR, "api_store: %s", sqlite3_errmsg(api->store));
    }
    sqlite3_finalize(st);
    return ok;
}

static enum MHD_Result reply__(struct MHD_Connection *conn, unsigned int status,
                               const char *content_type, const char *body, size_t size)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(size, (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", content_type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Replies with 'json' (a new reference, consumed). */
static enum MHD_Result reply_json__(struct MHD_Connection *conn, unsigned int status, json_t *json)
{
    char *s = json_dumps(json, JSON_COMPACT);
    enum MHD_Result ret = reply__(conn, status, "application/json", s, strlen(s));
    free(s);
    json_decref(json);
    return ret;
}

/* {"error": MESSAGE, "field": FIELD} */
static enum MHD_Result reply_error__(struct MHD_Connection *conn, unsigned int status,
                                     const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result reply_error__(struct MHD_Connection *conn, unsigned int status,
                                     const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    json_t *j = json_pack("{s:s}", "error", msg);
    if (field) {
        json_object_set_new(j, "field", json_string(field));
    }
    return reply_json__(conn, status, j);
}

/* --- JSON forms of the model's objects --- */

static json_t *host_json__(const struct vx_host_cfg *h)
{
    char mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN], dpid[24];
    snprintf(dpid, sizeof dpid, "%#" PRIx64, h->dpid);
    json_t *j = json_pack("{s:s,s:i,s:s,s:s}", "mac", eth_addr_to_str(h->mac, mac),
                          "network", (json_int_t)h->vni, "bridge", dpid,
                          "ip", ip_to_str(h->ip, ip));
    json_object_set_new(j, "port", h->port_no ? json_integer(h->port_no) : json_string(h->port_name));
    return j;
}

static json_t *network_json__(const struct vx_network_cfg *n)
{
    char subnet[IP_ADDR_STRLEN + 4], ip[IP_ADDR_STRLEN];
    snprintf(subnet, sizeof subnet, "%s/%u", ip_to_str(n->subnet, ip), n->prefix);
    json_t *dns = json_array();
    for (int i = 0; i < n->n_dns; i++) {
        json_array_append_new(dns, json_string(ip_to_str(n->dns[i], ip)));
    }
    json_t *j = json_pack("{s:i,s:s,s:o,s:i,s:i}", "id", (json_int_t)n->vni, "subnet", subnet,
                          "dns", dns, "mtu", (json_int_t)n->mtu,
                          "lease_time", (json_int_t)n->lease_time);
    if (n->gateway) {
        json_object_set_new(j, "gateway", json_string(ip_to_str(n->gateway, ip)));
    }
    if (n->domain[0]) {
        json_object_set_new(j, "domain", json_string(n->domain));
    }
    return j;
}

static json_t *bridge_json__(const struct vx_bridge_cfg *b)
{
    char dpid[24], ip[IP_ADDR_STRLEN];
    snprintf(dpid, sizeof dpid, "%#" PRIx64, b->dpid);
    return json_pack("{s:s,s:s,s:s,s:s}", "dpid", dpid, "name", b->name,
                     "endpoint", ip_to_str(b->tun_ip, ip), "tunnel_port", b->tun_port);
}

static json_t *router_json__(const struct vx_router_cfg *r)
{
    char mac[ETH_ADDR_STRLEN];
    json_t *nets = json_array();
    for (int i = 0; i < r->n_networks; i++) {
        json_array_append_new(nets, json_integer(r->networks[i]));
    }
    return json_pack("{s:s,s:o}", "mac", eth_addr_to_str(r->mac, mac), "networks", nets);
}

/* --- writes --- */

/* Copies 'cur' with host 'key' (vni, mac) removed and, if
 * 'put' is not NULL, 'put' added.  Sets '*found' if the key existed. */
static void config_with_host__(const struct vx_config *cur, struct vx_config *out,
                               const struct vx_host_cfg *key, const struct vx_host_cfg *put,
                               bool *found)
{
    *out = *cur;
    out->bridges = xmemdup(cur->bridges, cur->n_bridges * sizeof *cur->bridges);
    out->networks = xmemdup(cur->networks, cur->n_networks * sizeof *cur->networks);
    out->routers = xmemdup(cur->routers, cur->n_routers * sizeof *cur->routers);
    out->hosts = xcalloc(cur->n_hosts + 1, sizeof *cur->hosts);
    out->n_hosts = 0;
    *found = false;
    for (size_t i = 0; i < cur->n_hosts; i++) {
        if (!vxconf_host_cmp(&cur->hosts[i], key)) {
            *found = true;
            continue;
        }
        out->hosts[out->n_hosts++] = cur->hosts[i];
    }
    if (put) {
        out->hosts[out->n_hosts++] = *put;
    }
}

/* Maps a validation message to the HTTP status and the JSON field it is
 * about: conflicts with other objects are 409, the rest 400. */
static unsigned int classify__(const char *msg, const char **field)
{
    if (strstr(msg, "duplicate (network, IP)")) { *field = "ip"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "duplicate (bridge, port)")) { *field = "port"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "unknown bridge")) { *field = "bridge"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "IP ")) { *field = "ip"; return MHD_HTTP_BAD_REQUEST; }
    *field = NULL;
    return MHD_HTTP_BAD_REQUEST;
}

/* Applies a validated config (taking it) and tells the affected workers. */
static void apply_config__(struct api *api, struct vx_config *cfg)
{
    struct dpid_set affected = { 0, 0, NULL };

    vxconf_sort(cfg);
    model_apply(cfg, &affected, NULL);
    api->changed(api->aux, &affected);
    dpid_set_clear(&affected);
}

/* Parses "/v1/hosts/VNI/MAC". */
static bool parse_host_key__(const char *rest, struct vx_host_cfg *key)
{
    char mac[32];
    unsigned long vni;
    char *end;

    memset(key, 0, sizeof *key);
    vni = strtoul(rest, &end, 10);
    if (end == rest || *end != '/' || vni < 1 || vni > VX_VNI_MAX
        || strlen(end + 1) >= sizeof mac) {
        return false;
    }
    snprintf(mac, sizeof mac, "%s", end + 1);
    key->vni = (uint32_t)vni;
    return eth_addr_from_str(mac, key->mac);
}

/* What went wrong with a request, for the reply. */
struct api_error {
    unsigned int status;
    const char *field;          /* may point into the request's JSON */
    char msg[256];
};

static bool fail__(struct api_error *e, unsigned int status, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool fail__(struct api_error *e, unsigned int status, const char *field,
                   const char *fmt, ...)
{
    va_list args;

    e->status = status;
    e->field = field;
    va_start(args, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, args);
    va_end(args);
    return false;
}

/* Builds host 'key' (network, MAC from the URL) from JSON 'body' against
 * config 'cur'.  Field-level checks only; the whole-config rules run when
 * the result is validated.  Returns false with 'e' set. */
static bool host_from_json__(const struct vx_config *cur, const struct vx_host_cfg *key,
                             const char *body, struct vx_host_cfg *h, struct api_error *e)
{
    static char field[64];
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);

    *h = *key;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return fail__(e, MHD_HTTP_BAD_REQUEST, NULL, "body is not a JSON object: %s", jerr.text);
    }
    const char *known[] = { "bridge", "port", "ip", "mac", "network", NULL };
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        bool ok = false;
        for (int i = 0; known[i]; i++) {
            ok |= !strcmp(k, known[i]);
        }
        if (!ok) {
            snprintf(field, sizeof field, "%s", k);    /* 'k' lives in 'j' */
            json_decref(j);
            return fail__(e, MHD_HTTP_BAD_REQUEST, field, "unknown field '%s'", field);
        }
    }
    const char *ip = json_string_value(json_object_get(j, "ip"));
    if (!ip || !ip_from_str(ip, &h->ip)) {
        json_decref(j);
        return fail__(e, MHD_HTTP_BAD_REQUEST, "ip", "'ip' must be an IPv4 address");
    }
    const char *bridge = json_string_value(json_object_get(j, "bridge"));
    bool found = false;
    for (size_t i = 0; bridge && i < cur->n_bridges; i++) {
        char dpid[24];
        snprintf(dpid, sizeof dpid, "%#" PRIx64, cur->bridges[i].dpid);
        if (!strcmp(cur->bridges[i].name, bridge) || !strcasecmp(dpid, bridge)) {
            h->dpid = cur->bridges[i].dpid;
            found = true;
        }
    }
    if (!found) {
        json_decref(j);
        return fail__(e, MHD_HTTP_BAD_REQUEST, "bridge", "'bridge' must name a known bridge");
    }
    json_t *port = json_object_get(j, "port");
    if (json_is_integer(port) && json_integer_value(port) >= 1 && json_integer_value(port) <= 0xfeff) {
        h->port_no = (uint32_t)json_integer_value(port);
    } else if (json_is_string(port) && json_string_length(port) >= 1
               && json_string_length(port) <= VX_PORT_NAME_MAX) {
        snprintf(h->port_name, sizeof h->port_name, "%s", json_string_value(port));
    } else {
        json_decref(j);
        return fail__(e, MHD_HTTP_BAD_REQUEST, "port",
                      "'port' must be a number 1..65279 or an interface name of 1 to 16 characters");
    }
    json_decref(j);
    if (!vxconf_find_network(cur, h->vni)) {
        return fail__(e, MHD_HTTP_NOT_FOUND, "network", "network %u does not exist", h->vni);
    }
    return true;
}

/* Validates 'next'; on failure fills 'e' and frees 'next'. */
static bool validate__(struct vx_config *next, struct api_error *e)
{
    struct vx_errors errs = { 0, 0, NULL };

    if (vxconf_validate(next, "api", &errs)) {
        return true;
    }
    /* Messages look like "api:0: host MAC: what"; keep "what". */
    const char *msg = errs.msgs[0];
    const char *what = strstr(msg, ": ");
    what = what ? strstr(what + 2, ": ") : NULL;
    e->status = classify__(msg, &e->field);
    snprintf(e->msg, sizeof e->msg, "%s", what ? what + 2 : msg);
    vx_errors_clear(&errs);
    vxconf_free(next);
    return false;
}

/* Computes the config that a host change (PUT with 'body', or DELETE when
 * 'body' is NULL) makes of 'cur'.  Returns false with 'e' set if the
 * change is invalid; '*existed' tells whether the host was there. */
static bool host_change__(const struct vx_config *cur, const struct vx_host_cfg *key,
                          const char *body, struct vx_config *next, bool *existed,
                          struct vx_host_cfg *h, struct api_error *e)
{
    if (body && !host_from_json__(cur, key, body, h, e)) {
        return false;
    }
    config_with_host__(cur, next, key, body ? h : NULL, existed);
    if (!body && !*existed) {
        vxconf_free(next);
        return fail__(e, MHD_HTTP_NOT_FOUND, NULL, "no such host");
    }
    return validate__(next, e);
}

static enum MHD_Result reply_api_error__(struct MHD_Connection *conn, const struct api_error *e)
{
    return reply_error__(conn, e->status, e->field, "%s", e->msg);
}

/* PUT (body) or DELETE (NULL) of a host: validate, persist, apply, reply. */
static enum MHD_Result write_host__(struct api *api, struct MHD_Connection *conn,
                                    const char *url, const struct vx_host_cfg *key,
                                    const char *body)
{
    struct vx_config next;
    struct vx_host_cfg h;
    struct api_error e;
    bool existed;

    if (!host_change__(model_config(), key, body, &next, &existed, &h, &e)) {
        return reply_api_error__(conn, &e);
    }
    /* Durable before acknowledged (and before applied). */
    if (api->store && !store_append__(api, body ? "PUT" : "DELETE", url, body)) {
        vxconf_free(&next);
        return reply_error__(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                             "the change could not be stored; not applied");
    }
    apply_config__(api, &next);
    if (!body) {
        return reply__(conn, MHD_HTTP_NO_CONTENT, "text/plain", "", 0);
    }
    return reply_json__(conn, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED, host_json__(&h));
}

static enum MHD_Result metrics__(struct api *api, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct vx_counters *sets[257];

    sets[0] = &api->acceptor->counters;
    for (int i = 0; i < api->n_workers; i++) {
        sets[i + 1] = &api->workers[i].counters;
    }
    counters_write_prometheus(f, sets, api->n_workers + 1);
    fclose(f);
    enum MHD_Result r = reply__(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", text, size);
    free(text);
    return r;
}

static enum MHD_Result handle__(struct api *api, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *body)
{
    const struct vx_config *cur = model_config();
    bool get = !strcmp(method, "GET");

    if (api->token) {
        const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        if (!auth || strncmp(auth, "Bearer ", 7) || strcmp(auth + 7, api->token)) {
            return reply_error__(conn, MHD_HTTP_UNAUTHORIZED, NULL, "a valid bearer token is required");
        }
    }
    if (get && !strcmp(url, "/metrics")) {
        return metrics__(api, conn);
    }
    if (get && !strcmp(url, "/v1/hosts")) {
        json_t *a = json_array();
        for (size_t i = 0; i < cur->n_hosts; i++) {
            json_array_append_new(a, host_json__(&cur->hosts[i]));
        }
        return reply_json__(conn, MHD_HTTP_OK, a);
    }
    if (get && !strcmp(url, "/v1/networks")) {
        json_t *a = json_array();
        for (size_t i = 0; i < cur->n_networks; i++) {
            json_array_append_new(a, network_json__(&cur->networks[i]));
        }
        return reply_json__(conn, MHD_HTTP_OK, a);
    }
    if (get && !strcmp(url, "/v1/bridges")) {
        json_t *a = json_array();
        for (size_t i = 0; i < cur->n_bridges; i++) {
            json_array_append_new(a, bridge_json__(&cur->bridges[i]));
        }
        return reply_json__(conn, MHD_HTTP_OK, a);
    }
    if (get && !strcmp(url, "/v1/routers")) {
        json_t *a = json_array();
        for (size_t i = 0; i < cur->n_routers; i++) {
            json_array_append_new(a, router_json__(&cur->routers[i]));
        }
        return reply_json__(conn, MHD_HTTP_OK, a);
    }
    if (!strncmp(url, "/v1/hosts/", 10)) {
        struct vx_host_cfg key;
        if (!parse_host_key__(url + 10, &key)) {
            return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL,
                                 "host URLs are /v1/hosts/NETWORK/MAC");
        }
        if (get) {
            for (size_t i = 0; i < cur->n_hosts; i++) {
                if (!vxconf_host_cmp(&cur->hosts[i], &key)) {
                    return reply_json__(conn, MHD_HTTP_OK, host_json__(&cur->hosts[i]));
                }
            }
            return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such host");
        }
        if (!strcmp(method, "PUT")) {
            return write_host__(api, conn, url, &key, body);
        }
        if (!strcmp(method, "DELETE")) {
            return write_host__(api, conn, url, &key, NULL);
        }
        return reply_error__(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method %s not allowed", method);
    }
    return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such resource: %s", url);
}

static enum MHD_Result access__(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct api *api = cls;
    struct request *req = *con_cls;

    (void)version;
    if (!req) {
        *con_cls = req = xzalloc(sizeof *req);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (req->size + *upload_data_size > API_MAX_BODY) {
            req->too_big = true;
        } else {
            memcpy(req->body + req->size, upload_data, *upload_data_size);
            req->size += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_big) {
        return reply_error__(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "body over %d bytes", API_MAX_BODY);
    }
    req->body[req->size] = '\0';
    return handle__(api, conn, url, method, req->body);
}

static void completed__(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)conn; (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

bool api_store_replay(const char *path, struct vx_config *cfg, size_t *n_applied,
                      size_t *n_skipped, char *err, size_t err_size)
{
    sqlite3 *db = store_open__(path, err, err_size);
    sqlite3_stmt *st = NULL;

    *n_applied = *n_skipped = 0;
    if (!db) {
        return false;
    }
    vxconf_sort(cfg);
    sqlite3_prepare_v2(db, "SELECT seq, method, url, body FROM changes ORDER BY seq", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        const char *method = (const char *)sqlite3_column_text(st, 1);
        const char *url = (const char *)sqlite3_column_text(st, 2);
        const char *body = (const char *)sqlite3_column_text(st, 3);
        struct vx_host_cfg key, h;
        struct vx_config next;
        struct api_error e;
        bool existed;

        if (!url || strncmp(url, "/v1/hosts/", 10) || !parse_host_key__(url + 10, &key)
            || !method || (strcmp(method, "PUT") && strcmp(method, "DELETE"))) {
            VLOG_WARN("api_store: change %lld is not a host change; skipped", seq);
            (*n_skipped)++;
            continue;
        }
        if (!host_change__(cfg, &key, strcmp(method, "PUT") ? NULL : body ? body : "",
                           &next, &existed, &h, &e)) {
            /* The file changed under it (e.g. its network is gone). */
            VLOG_WARN("api_store: change %lld (%s %s) no longer applies: %s; skipped",
                      seq, method, url, e.msg);
            (*n_skipped)++;
            continue;
        }
        vxconf_free(cfg);
        *cfg = next;
        vxconf_sort(cfg);
        (*n_applied)++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return true;
}

struct api *api_start(const char *listen, const char *token, const char *store,
                      api_changed_fn *changed, void *aux,
                      struct acceptor *acceptor, struct worker *workers, int n_workers,
                      char *err, size_t err_size)
{
    char ip[64];
    unsigned int port;
    struct sockaddr_in sin = { .sin_family = AF_INET };

    if (!acceptor_parse_listen(listen, ip, sizeof ip, &port)) {
        snprintf(err, err_size, "api_listen '%s' is not tcp:IPv4:PORT", listen);
        return NULL;
    }
    inet_pton(AF_INET, ip, &sin.sin_addr);
    sin.sin_port = htons((uint16_t)port);
    struct api *api = xzalloc(sizeof *api);
    if (store && store[0] && !(api->store = store_open__(store, err, err_size))) {
        free(api);
        return NULL;
    }
    api->token = token && token[0] ? xstrdup(token) : NULL;
    api->changed = changed;
    api->aux = aux;
    api->acceptor = acceptor;
    api->workers = workers;
    api->n_workers = n_workers;
    api->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
                                access__, api,
                                MHD_OPTION_SOCK_ADDR, &sin,
                                MHD_OPTION_NOTIFY_COMPLETED, completed__, NULL,
                                MHD_OPTION_CONNECTION_LIMIT, 256u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_END);
    if (!api->mhd) {
        snprintf(err, err_size, "cannot start the API on %s", listen);
        sqlite3_close(api->store);
        free(api->token);
        free(api);
        return NULL;
    }
    return api;
}

int api_fd(const struct api *api)
{
    return MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
}

int api_timeout_ms(const struct api *api)
{
    MHD_UNSIGNED_LONG_LONG t;
    return MHD_get_timeout(api->mhd, &t) == MHD_YES ? (int)MIN(t, 1000) : -1;
}

void api_run(struct api *api)
{
    MHD_run(api->mhd);
}

void api_stop(struct api *api)
{
    if (api) {
        MHD_stop_daemon(api->mhd);
        sqlite3_close(api->store);
        free(api->token);
        free(api);
    }
}
