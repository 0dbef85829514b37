#include "core/api.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <errno.h>
#include <semaphore.h>
#include <time.h>
#include <urcu-qsbr.h>
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

/* --- writes: one path for every kind of object --- */

enum kind { K_BRIDGE, K_NETWORK, K_ROUTER, K_HOST, K_N };

union object {
    struct vx_bridge_cfg bridge;
    struct vx_network_cfg network;
    struct vx_router_cfg router;
    struct vx_host_cfg host;
};

/* Where a kind lives in a struct vx_config, and how it is keyed. */
struct kind_desc {
    const char *name;           /* URL component */
    size_t array_ofs;           /* offsetof the array pointer */
    size_t n_ofs;               /* offsetof its count */
    size_t size;                /* of one element */
    int (*cmp)(const void *, const void *);
};

static const struct kind_desc kinds[K_N] = {
    [K_BRIDGE] = { "bridges", offsetof(struct vx_config, bridges), offsetof(struct vx_config, n_bridges),
                   sizeof(struct vx_bridge_cfg), vxconf_bridge_cmp },
    [K_NETWORK] = { "networks", offsetof(struct vx_config, networks), offsetof(struct vx_config, n_networks),
                    sizeof(struct vx_network_cfg), vxconf_network_cmp },
    [K_ROUTER] = { "routers", offsetof(struct vx_config, routers), offsetof(struct vx_config, n_routers),
                   sizeof(struct vx_router_cfg), vxconf_router_cmp },
    [K_HOST] = { "hosts", offsetof(struct vx_config, hosts), offsetof(struct vx_config, n_hosts),
                 sizeof(struct vx_host_cfg), vxconf_host_cmp },
};

static void **array_of__(const struct vx_config *c, enum kind k)
{
    return (void **)((char *)c + kinds[k].array_ofs);
}

static size_t *count_of__(const struct vx_config *c, enum kind k)
{
    return (size_t *)((char *)c + kinds[k].n_ofs);
}

/* Deep copy of 'cur' in which object 'key' of kind 'k' is removed and, if
 * 'put' is not NULL, 'put' added.  Sets '*found' if 'key' existed. */
static void config_with__(const struct vx_config *cur, struct vx_config *out, enum kind k,
                          const void *key, const void *put, bool *found)
{
    *out = *cur;
    out->bridges = xmemdup(cur->bridges, cur->n_bridges * sizeof *cur->bridges);
    out->networks = xmemdup(cur->networks, cur->n_networks * sizeof *cur->networks);
    out->routers = xmemdup(cur->routers, cur->n_routers * sizeof *cur->routers);
    out->hosts = xmemdup(cur->hosts, cur->n_hosts * sizeof *cur->hosts);

    const struct kind_desc *kd = &kinds[k];
    size_t n = *count_of__(cur, k), m = 0;
    char *src = *array_of__(cur, k);
    char *dst = xcalloc(n + 1, kd->size);
    *found = false;
    for (size_t i = 0; i < n; i++) {
        if (!kd->cmp(src + i * kd->size, key)) {
            *found = true;
            continue;
        }
        memcpy(dst + m++ * kd->size, src + i * kd->size, kd->size);
    }
    if (put) {
        memcpy(dst + m++ * kd->size, put, kd->size);
    }
    free(*array_of__(out, k));
    *array_of__(out, k) = dst;
    *count_of__(out, k) = m;
}

/* Maps a validation message to the HTTP status and the JSON field it is
 * about: conflicts with other objects are 409, the rest 400. */
static unsigned int classify__(const char *msg, bool deleting, const char **field)
{
    *field = NULL;
    if (deleting) {
        return MHD_HTTP_CONFLICT;       /* something still refers to it */
    }
    if (strstr(msg, "duplicate (network, IP)")) { *field = "ip"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "duplicate (bridge, port)")) { *field = "port"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "is already on router")) { *field = "networks"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "overlapping subnets")) { *field = "networks"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "unknown network") && strstr(msg, "router")) { *field = "networks"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "unknown bridge")) { *field = "bridge"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "IP ")) { *field = "ip"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "gateway")) { *field = "gateway"; return MHD_HTTP_BAD_REQUEST; }
    return MHD_HTTP_BAD_REQUEST;
}

/* Parses the key in a URL ("/v1/KIND/KEY" after the kind's prefix). */
static bool parse_key__(enum kind k, const char *rest, union object *key)
{
    char *end;
    unsigned long long v;

    memset(key, 0, sizeof *key);
    switch (k) {
    case K_BRIDGE:
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 16);
        key->bridge.dpid = v;
        return end != rest && !*end && v;
    case K_NETWORK:
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 10);
        key->network.vni = (uint32_t)v;
        return end != rest && !*end && v >= 1 && v <= VX_VNI_MAX;
    case K_ROUTER:
        return eth_addr_from_str(rest, key->router.mac);
    case K_HOST: {
        char mac[32];
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 10);
        if (end == rest || *end != '/' || v < 1 || v > VX_VNI_MAX || strlen(end + 1) >= sizeof mac) {
            return false;
        }
        snprintf(mac, sizeof mac, "%s", end + 1);
        key->host.vni = (uint32_t)v;
        return eth_addr_from_str(mac, key->host.mac);
    }
    default:
        return false;
    }
}

/* What went wrong with a request, for the reply. */
struct api_error {
    unsigned int status;
    const char *field;
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

/* Rejects members of 'j' not in 'known'. */
static bool known_fields__(json_t *j, const char *const *known, struct api_error *e)
{
    static char field[64];
    const char *k;
    json_t *v;

    json_object_foreach(j, k, v) {
        bool ok = false;
        for (int i = 0; known[i]; i++) {
            ok |= !strcmp(k, known[i]);
        }
        if (!ok) {
            snprintf(field, sizeof field, "%s", k);    /* 'k' lives in 'j' */
            return fail__(e, MHD_HTTP_BAD_REQUEST, field, "unknown field '%s'", field);
        }
    }
    return true;
}

static bool get_ip__(json_t *j, const char *name, bool required, uint32_t *ip, struct api_error *e)
{
    json_t *v = json_object_get(j, name);
    if (!v && !required) {
        return true;
    }
    if (!json_is_string(v) || !ip_from_str(json_string_value(v), ip)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, name, "'%s' must be an IPv4 address", name);
    }
    return true;
}

static bool get_int__(json_t *j, const char *name, long long lo, long long hi, long long *out,
                      struct api_error *e)
{
    json_t *v = json_object_get(j, name);
    if (!v) {
        return true;            /* keeps the default in '*out' */
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, name, "'%s' must be an integer %lld..%lld", name, lo, hi);
    }
    *out = json_integer_value(v);
    return true;
}

static bool bridge_from_json__(json_t *j, struct vx_bridge_cfg *b, struct api_error *e)
{
    static const char *const known[] = { "endpoint", "name", "tunnel_port", "dpid", NULL };
    if (!known_fields__(j, known, e) || !get_ip__(j, "endpoint", true, &b->tun_ip, e)) {
        return false;
    }
    const char *name = json_string_value(json_object_get(j, "name"));
    if (json_object_get(j, "name") && (!name || !name[0] || strlen(name) >= sizeof b->name)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "name", "'name' must be 1 to %zu characters", sizeof b->name - 1);
    }
    snprintf(b->name, sizeof b->name, "%s", name ? name : "");
    if (!name) {
        snprintf(b->name, sizeof b->name, "%#" PRIx64, b->dpid);
    }
    const char *tp = json_string_value(json_object_get(j, "tunnel_port"));
    if (json_object_get(j, "tunnel_port") && (!tp || !tp[0] || strlen(tp) > VX_PORT_NAME_MAX)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "tunnel_port", "'tunnel_port' must be 1 to 16 characters");
    }
    snprintf(b->tun_port, sizeof b->tun_port, "%s", tp ? tp : "vtun1");
    return true;
}

static bool network_from_json__(json_t *j, struct vx_network_cfg *n, struct api_error *e)
{
    static const char *const known[] = { "subnet", "gateway", "dns", "domain", "mtu", "lease_time", "id", NULL };
    unsigned int prefix;
    long long mtu = 1450, lease = 86400;

    if (!known_fields__(j, known, e)) {
        return false;
    }
    const char *subnet = json_string_value(json_object_get(j, "subnet"));
    if (!subnet || !cidr_from_str(subnet, &n->subnet, &prefix)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "subnet", "'subnet' must be a CIDR such as \"10.0.0.0/24\"");
    }
    n->prefix = (uint8_t)prefix;
    if (n->subnet & ~prefix_to_mask(prefix)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "subnet", "subnet '%s' has host bits set", subnet);
    }
    if (!get_ip__(j, "gateway", false, &n->gateway, e)) {
        return false;
    }
    json_t *dns = json_object_get(j, "dns");
    if (dns) {
        size_t i;
        json_t *d;
        if (!json_is_array(dns) || json_array_size(dns) > VX_MAX_DNS) {
            return fail__(e, MHD_HTTP_BAD_REQUEST, "dns", "'dns' must be a list of up to %d IPv4 addresses", VX_MAX_DNS);
        }
        json_array_foreach(dns, i, d) {
            if (!json_is_string(d) || !ip_from_str(json_string_value(d), &n->dns[n->n_dns++])) {
                return fail__(e, MHD_HTTP_BAD_REQUEST, "dns", "'dns' must be a list of up to %d IPv4 addresses", VX_MAX_DNS);
            }
        }
    }
    const char *domain = json_string_value(json_object_get(j, "domain"));
    if (json_object_get(j, "domain") && (!domain || strlen(domain) >= sizeof n->domain)) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "domain", "'domain' must be a string under %zu characters", sizeof n->domain);
    }
    snprintf(n->domain, sizeof n->domain, "%s", domain ? domain : "");
    if (!get_int__(j, "mtu", 576, 9000, &mtu, e) || !get_int__(j, "lease_time", 60, 0x7fffffff, &lease, e)) {
        return false;
    }
    n->mtu = (uint16_t)mtu;
    n->lease_time = (uint32_t)lease;
    return true;
}

static bool router_from_json__(json_t *j, struct vx_router_cfg *r, struct api_error *e)
{
    static const char *const known[] = { "networks", "mac", NULL };
    json_t *nets = json_object_get(j, "networks");
    size_t i;
    json_t *v;

    if (!known_fields__(j, known, e)) {
        return false;
    }
    if (!json_is_array(nets) || json_array_size(nets) > VX_MAX_ROUTER_NETS) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "networks", "'networks' must be a list of up to %d network ids",
                      VX_MAX_ROUTER_NETS);
    }
    json_array_foreach(nets, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > VX_VNI_MAX) {
            return fail__(e, MHD_HTTP_BAD_REQUEST, "networks", "network ids must be 1..16777215");
        }
        r->networks[r->n_networks++] = (uint32_t)json_integer_value(v);
    }
    vxconf_router_sort(r);
    return true;
}

static bool host_from_json__(const struct vx_config *cur, json_t *j, struct vx_host_cfg *h,
                             struct api_error *e)
{
    static const char *const known[] = { "bridge", "port", "ip", "mac", "network", NULL };

    if (!known_fields__(j, known, e) || !get_ip__(j, "ip", true, &h->ip, e)) {
        return false;
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
        return fail__(e, MHD_HTTP_BAD_REQUEST, "bridge", "'bridge' must name a known bridge");
    }
    json_t *port = json_object_get(j, "port");
    if (json_is_integer(port) && json_integer_value(port) >= 1 && json_integer_value(port) <= 0xfeff) {
        h->port_no = (uint32_t)json_integer_value(port);
    } else if (json_is_string(port) && json_string_length(port) >= 1
               && json_string_length(port) <= VX_PORT_NAME_MAX) {
        snprintf(h->port_name, sizeof h->port_name, "%s", json_string_value(port));
    } else {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "port",
                      "'port' must be a number 1..65279 or an interface name of 1 to 16 characters");
    }
    if (!vxconf_find_network(cur, h->vni)) {
        return fail__(e, MHD_HTTP_NOT_FOUND, "network", "network %u does not exist", h->vni);
    }
    return true;
}

/* Builds the object of kind 'k' with 'key' from JSON 'body' against 'cur'.
 * Field-level checks only; the whole-config rules run on the result. */
static bool from_json__(const struct vx_config *cur, enum kind k, const union object *key,
                        const char *body, union object *out, struct api_error *e)
{
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    bool ok;

    *out = *key;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return fail__(e, MHD_HTTP_BAD_REQUEST, NULL, "body is not a JSON object: %s", jerr.text);
    }
    switch (k) {
    case K_BRIDGE: ok = bridge_from_json__(j, &out->bridge, e); break;
    case K_NETWORK: ok = network_from_json__(j, &out->network, e); break;
    case K_ROUTER: ok = router_from_json__(j, &out->router, e); break;
    default: ok = host_from_json__(cur, j, &out->host, e); break;
    }
    json_decref(j);
    return ok;
}

static json_t *object_json__(enum kind k, const void *o)
{
    switch (k) {
    case K_BRIDGE: return bridge_json__(o);
    case K_NETWORK: return network_json__(o);
    case K_ROUTER: return router_json__(o);
    default: return host_json__(o);
    }
}

/* Validates 'next'; on failure fills 'e' and frees 'next'. */
static bool validate__(struct vx_config *next, bool deleting, struct api_error *e)
{
    struct vx_errors errs = { 0, 0, NULL };

    if (vxconf_validate(next, "api", &errs)) {
        return true;
    }
    /* Messages look like "api:0: OBJECT: what"; keep "OBJECT: what". */
    const char *msg = errs.msgs[0];
    const char *what = strstr(msg, ": ");
    e->status = classify__(msg, deleting, &e->field);
    snprintf(e->msg, sizeof e->msg, "%s%s", deleting ? "still referred to: " : "",
             what ? what + 2 : msg);
    vx_errors_clear(&errs);
    vxconf_free(next);
    return false;
}

/* Computes the config that a change (PUT with 'body', or DELETE when
 * 'body' is NULL) of object 'key' of kind 'k' makes of 'cur'.  Returns
 * false with 'e' set if it is invalid; '*existed' tells whether the object
 * was there; 'out' gets the new object for a PUT. */
static bool change__(const struct vx_config *cur, enum kind k, const union object *key,
                     const char *body, struct vx_config *next, bool *existed,
                     union object *out, struct api_error *e)
{
    if (body && !from_json__(cur, k, key, body, out, e)) {
        return false;
    }
    config_with__(cur, next, k, key, body ? out : NULL, existed);
    if (!body && !*existed) {
        vxconf_free(next);
        return fail__(e, MHD_HTTP_NOT_FOUND, NULL, "no such %.*s", (int)strlen(kinds[k].name) - 1,
                      kinds[k].name);
    }
    return validate__(next, !body, e);
}

static enum MHD_Result reply_api_error__(struct MHD_Connection *conn, const struct api_error *e)
{
    return reply_error__(conn, e->status, e->field, "%s", e->msg);
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

/* The host rules of vxconf_validate(), checked against the model's
 * indices instead of a copy of the whole configuration: O(hosts of the
 * bridge), not O(fabric).  'h' has passed host_from_json__ (its network
 * and bridge exist). */
static bool host_valid__(const struct vx_config *cur, const struct vx_host_cfg *h,
                         struct api_error *e)
{
    const struct vx_network_cfg *n = vxconf_find_network(cur, h->vni);
    uint32_t mask = prefix_to_mask(n->prefix);
    char ip[IP_ADDR_STRLEN], sub[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];
    struct cds_lfht_iter it;
    const struct vx_host *o;

    ip_to_str(h->ip, ip);
    eth_addr_to_str(h->mac, mac);
    if ((h->ip & mask) != n->subnet) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "ip", "host %s: IP %s is outside network %u's subnet %s/%u",
                      mac, ip, n->vni, ip_to_str(n->subnet, sub), n->prefix);
    }
    if (h->ip == n->gateway) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "ip", "host %s: IP %s is network %u's gateway", mac, ip, n->vni);
    }
    if (n->prefix < 31 && (h->ip == n->subnet || h->ip == (n->subnet | ~mask))) {
        return fail__(e, MHD_HTTP_BAD_REQUEST, "ip",
                      "host %s: IP %s is network %u's network or broadcast address", mac, ip, n->vni);
    }
    o = model_host_by_ip(h->vni, h->ip);
    if (o && memcmp(o->cfg.mac, h->mac, 6)) {
        return fail__(e, MHD_HTTP_CONFLICT, "ip", "host %s: duplicate (network, IP): %s is taken", mac, ip);
    }
    for (o = model_hosts_on_bridge(h->dpid, &it); o; o = model_next_on_bridge(h->dpid, &it)) {
        bool same_host = o->cfg.vni == h->vni && !memcmp(o->cfg.mac, h->mac, 6);
        bool same_port = vxconf_host_on_port(&o->cfg, h->port_no,
                                             h->port_no ? NULL : h->port_name);
        if (!same_host && same_port) {
            return fail__(e, MHD_HTTP_CONFLICT, "port", "host %s: duplicate (bridge, port)", mac);
        }
    }
    return true;
}

/* Host writes: the fast path (one object, validated against the indices,
 * applied with model_apply_host). */
static enum MHD_Result write_host__(struct api *api, struct MHD_Connection *conn, const char *url,
                                    const union object *key, const char *body)
{
    const struct vx_config *cur = model_config();
    const struct vx_host_cfg *old = NULL;
    union object obj;
    struct api_error e;
    struct dpid_set affected = { 0, 0, NULL };
    size_t lo = vxconf_host_index(cur, &key->host);

    if (lo < cur->n_hosts && !vxconf_host_cmp(&cur->hosts[lo], &key->host)) {
        old = &cur->hosts[lo];
    }
    if (!body && !old) {
        return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such host");
    }
    rcu_read_lock();
    bool ok = !body || (from_json__(cur, K_HOST, key, body, &obj, &e) && host_valid__(cur, &obj.host, &e));
    rcu_read_unlock();
    if (!ok) {
        return reply_api_error__(conn, &e);
    }
    if (api->store && !store_append__(api, body ? "PUT" : "DELETE", url, body)) {
        return reply_error__(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                             "the change could not be stored; not applied");
    }
    bool existed = old != NULL;
    struct vx_host_cfg old_copy = old ? *old : key->host;   /* 'old' moves with the array */
    model_apply_host(existed ? &old_copy : NULL, body ? &obj.host : NULL, &affected);
    api->changed(api->aux, &affected);
    dpid_set_clear(&affected);
    if (!body) {
        return reply__(conn, MHD_HTTP_NO_CONTENT, "text/plain", "", 0);
    }
    return reply_json__(conn, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED, host_json__(&obj.host));
}

/* PUT (body) or DELETE (NULL): validate, persist, apply, reply. */
static enum MHD_Result write__(struct api *api, struct MHD_Connection *conn, const char *url,
                               enum kind k, const union object *key, const char *body)
{
    struct vx_config next;
    union object obj;
    struct api_error e;
    bool existed;

    if (k == K_HOST) {
        return write_host__(api, conn, url, key, body);
    }
    if (!change__(model_config(), k, key, body, &next, &existed, &obj, &e)) {
        return reply_api_error__(conn, &e);
    }
    /* Durable before applied and acknowledged. */
    if (api->store && !store_append__(api, body ? "PUT" : "DELETE", url, body)) {
        vxconf_free(&next);
        return reply_error__(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                             "the change could not be stored; not applied");
    }
    apply_config__(api, &next);
    if (!body) {
        return reply__(conn, MHD_HTTP_NO_CONTENT, "text/plain", "", 0);
    }
    return reply_json__(conn, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED, object_json__(k, &obj));
}

/* Splits "/v1/KIND[/KEY]" into the kind and the key text ("" if none). */
static bool route__(const char *url, enum kind *k, const char **rest)
{
    if (strncmp(url, "/v1/", 4)) {
        return false;
    }
    for (int i = 0; i < K_N; i++) {
        size_t n = strlen(kinds[i].name);
        if (!strncmp(url + 4, kinds[i].name, n) && (url[4 + n] == '\0' || url[4 + n] == '/')) {
            *k = (enum kind)i;
            *rest = url[4 + n] ? url + 5 + n : "";
            return true;
        }
    }
    return false;
}

/* Asks every worker for its bridges' state (and one bridge's flows); the
 * main thread waits at most 2 s per worker, offline for RCU meanwhile. */
static void query_workers__(struct api *api, uint64_t flows_dpid, struct worker_query *qs)
{
    for (int i = 0; i < api->n_workers; i++) {
        struct worker_query *q = &qs[i];
        memset(q, 0, sizeof *q);
        sem_init(&q->done, 0, 0);
        q->flows_dpid = flows_dpid;
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_QUERY;
        m->query = q;
        if (!mailbox_send(&api->workers[i].from_main, m)) {
            free(m);
            sem_post(&q->done);
        }
    }
    rcu_thread_offline();
    for (int i = 0; i < api->n_workers; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 2;
        while (sem_timedwait(&qs[i].done, &ts) && errno == EINTR) {
        }
    }
    rcu_thread_online();
}

static void query_free__(struct api *api, struct worker_query *qs)
{
    for (int i = 0; i < api->n_workers; i++) {
        free(qs[i].bridges);
        free(qs[i].flows);
        sem_destroy(&qs[i].done);
    }
    free(qs);
}

/* GET /v1/state: every configured bridge, connected or not. */
static enum MHD_Result state__(struct api *api, struct MHD_Connection *conn, uint64_t only)
{
    struct worker_query *qs = xcalloc((size_t)api->n_workers, sizeof *qs);
    const struct vx_config *cur = model_config();
    json_t *a = json_array();

    query_workers__(api, 0, qs);
    for (size_t b = 0; b < cur->n_bridges; b++) {
        uint64_t dpid = cur->bridges[b].dpid;
        char id[24];
        if (only && dpid != only) {
            continue;
        }
        snprintf(id, sizeof id, "%#" PRIx64, dpid);
        json_t *j = json_pack("{s:s,s:s,s:b}", "dpid", id, "name", cur->bridges[b].name,
                              "connected", 0);
        for (int i = 0; i < api->n_workers; i++) {
            for (size_t k = 0; k < qs[i].n; k++) {
                const struct worker_bridge_state *st = &qs[i].bridges[k];
                if (st->dpid != dpid) {
                    continue;
                }
                json_object_set_new(j, "connected", json_true());
                json_object_set_new(j, "worker", json_integer(st->worker));
                json_object_set_new(j, "state", json_string(st->state));
                json_object_set_new(j, "flows_installed", json_integer((json_int_t)st->installed));
                json_object_set_new(j, "flows_desired", json_integer((json_int_t)st->desired));
                json_object_set_new(j, "flows_pending", json_integer((json_int_t)st->pending));
                json_object_set_new(j, "flows_failed", json_integer((json_int_t)st->failed));
                json_object_set_new(j, "flow_mods_sent", json_integer((json_int_t)st->flow_mods));
            }
        }
        json_array_append_new(a, j);
    }
    query_free__(api, qs);
    if (only) {
        json_t *one = json_incref(json_array_get(a, 0));
        json_decref(a);
        return one ? reply_json__(conn, MHD_HTTP_OK, one)
                   : reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such bridge");
    }
    return reply_json__(conn, MHD_HTTP_OK, a);
}

/* GET /v1/bridges/DPID/flows: desired and installed flows, ovs-ofctl syntax. */
static enum MHD_Result flows__(struct api *api, struct MHD_Connection *conn, uint64_t dpid)
{
    struct worker_query *qs = xcalloc((size_t)api->n_workers, sizeof *qs);
    enum MHD_Result r;

    query_workers__(api, dpid, qs);
    const char *text = NULL;
    for (int i = 0; i < api->n_workers && !text; i++) {
        text = qs[i].flows;
    }
    r = text ? reply__(conn, MHD_HTTP_OK, "text/plain", text, strlen(text))
             : reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "bridge %#" PRIx64 " is not connected", dpid);
    query_free__(api, qs);
    return r;
}

static enum MHD_Result metrics__(struct api *api, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    workers_write_prometheus(f, api->acceptor, api->workers, api->n_workers);
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
    if (get && !strcmp(url, "/v1/state")) {
        return state__(api, conn, 0);
    }
    if (get && !strncmp(url, "/v1/bridges/", 12) && strchr(url + 12, '/')) {
        /* /v1/bridges/DPID/state or /v1/bridges/DPID/flows */
        char key[32];
        const char *slash = strchr(url + 12, '/');
        union object b;
        if ((size_t)(slash - (url + 12)) >= sizeof key) {
            return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "malformed bridge key");
        }
        memcpy(key, url + 12, (size_t)(slash - (url + 12)));
        key[slash - (url + 12)] = '\0';
        if (!parse_key__(K_BRIDGE, key, &b)) {
            return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "malformed bridge key '%s'", key);
        }
        if (!strcmp(slash, "/state")) {
            return state__(api, conn, b.bridge.dpid);
        }
        if (!strcmp(slash, "/flows")) {
            return flows__(api, conn, b.bridge.dpid);
        }
        return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such resource: %s", url);
    }
    enum kind k;
    const char *rest;
    if (route__(url, &k, &rest)) {
        union object key;
        if (!*rest) {
            if (!get) {
                return reply_error__(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method %s not allowed", method);
            }
            json_t *a = json_array();
            const char *arr = *array_of__(cur, k);
            for (size_t i = 0; i < *count_of__(cur, k); i++) {
                json_array_append_new(a, object_json__(k, arr + i * kinds[k].size));
            }
            return reply_json__(conn, MHD_HTTP_OK, a);
        }
        if (!parse_key__(k, rest, &key)) {
            return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "malformed %s key '%s'",
                                 kinds[k].name, rest);
        }
        if (get) {
            const char *arr = *array_of__(cur, k);
            for (size_t i = 0; i < *count_of__(cur, k); i++) {
                if (!kinds[k].cmp(arr + i * kinds[k].size, &key)) {
                    return reply_json__(conn, MHD_HTTP_OK, object_json__(k, arr + i * kinds[k].size));
                }
            }
            return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such object");
        }
        if (!strcmp(method, "PUT")) {
            return write__(api, conn, url, k, &key, body);
        }
        if (!strcmp(method, "DELETE")) {
            return write__(api, conn, url, k, &key, NULL);
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
        union object key, obj;
        struct vx_config next;
        struct api_error e;
        bool existed;
        enum kind k;
        const char *rest;

        if (!url || !route__(url, &k, &rest) || !parse_key__(k, rest, &key)
            || !method || (strcmp(method, "PUT") && strcmp(method, "DELETE"))) {
            VLOG_WARN("api_store: change %lld is malformed; skipped", seq);
            (*n_skipped)++;
            continue;
        }
        if (!change__(cfg, k, &key, strcmp(method, "PUT") ? NULL : body ? body : "",
                      &next, &existed, &obj, &e)) {
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
