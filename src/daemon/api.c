#include "daemon/api.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
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
#include "daemon/api_json.h"
#include "daemon/ha.h"
#include "daemon/api_trace.h"
#include "model/alloc.h"
#include "model/binding.h"
#include "daemon/store.h"
#include "model/edit.h"
#include "model/mastership.h"
#include "workers/acceptor.h"
#include "workers/worker.h"

#define VLOG_MODULE "api"
#define API_MAX_BODY 65536

struct api {
    struct MHD_Daemon *mhd;
    struct store *store;             /* NULL: changes are not persisted */
    char *token;
    api_changed_fn *changed;
    void *aux;
    struct acceptor *acceptor;
    struct worker *workers;
    int n_workers;
    bool client_certs;              /* HTTPS clients must present a certificate */
    /* Zero-touch attachment (#17). */
    uint8_t mac_prefix[3];
    uint64_t quarantine_ms;
    struct alloc_quarantine quarantine;     /* released addresses */
    struct ha *ha;                  /* store = "etcd" (#15): writes go through etcd */
};

#define API_MAX_IMPORT (16u << 20)     /* POST /v1/import: a whole configuration file */

/* Per-request state: the body as it arrives, up to 'limit' bytes. */
struct request {
    size_t size, limit;
    bool too_big;
    char *body;
};

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

/* Applies a validated, sorted config (api_json_change's result, taken)
 * and tells the affected workers. */
static void apply_config__(struct api *api, struct vx_config *cfg)
{
    struct dpid_set affected = { 0, 0, NULL };

    model_apply(cfg, &affected, NULL);
    api->changed(api->aux, &affected);
    dpid_set_clear(&affected);
}

static enum MHD_Result reply_api_error__(struct MHD_Connection *conn, const struct api_error *e)
{
    return reply_error__(conn, e->status, e->field, "%s", e->msg);
}

/* The host rules of edit_validate(), checked against the model's
 * indices instead of a copy of the whole configuration: O(hosts of the
 * bridge), not O(fabric).  'h' has passed api_json_parse_object (its network
 * and bridge exist). */
static bool host_valid__(const struct vx_config *cur, const struct vx_host_cfg *h,
                         struct api_error *e)
{
    const struct vx_network_cfg *n = vxconf_find_network(cur, h->vni);
    char ip[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN], why[160];
    struct cds_lfht_iter it;
    const struct vx_host *o;

    ip_to_str(h->ip, ip);
    eth_addr_to_str(h->mac, mac);
    if (!edit_host_ip_ok(n, h->ip, why, sizeof why)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "ip", "host %s: %s", mac, why);
    }
    o = model_host_by_ip(h->vni, h->ip);
    if (o && memcmp(o->cfg.mac, h->mac, 6)) {
        return api_error_set(e, MHD_HTTP_CONFLICT, "ip", "host %s: duplicate (network, IP): %s is taken", mac, ip);
    }
    for (o = model_hosts_on_bridge(h->dpid, &it); o; o = model_next_on_bridge(h->dpid, &it)) {
        bool same_host = o->cfg.vni == h->vni && !memcmp(o->cfg.mac, h->mac, 6);
        bool same_port = vxconf_host_on_port(&o->cfg, h->port_no,
                                             h->port_no ? NULL : h->port_name);
        if (!same_host && same_port) {
            return api_error_set(e, MHD_HTTP_CONFLICT, "port", "host %s: duplicate (bridge, port)", mac);
        }
    }
    return true;
}

/* A host that a floating IP names cannot be deleted (#16): the router
 * would name no host, which edit_validate() refuses at the next start.
 * O(routers). */
static bool host_deletable__(const struct vx_config *cur, const struct vx_host_cfg *h,
                             struct api_error *e)
{
    char mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN], rmac[ETH_ADDR_STRLEN];

    for (size_t i = 0; i < cur->n_routers; i++) {
        const struct vx_router_cfg *r = &cur->routers[i];
        bool member = false;
        for (int k = 0; k < r->n_networks; k++) {
            member |= r->networks[k] == h->vni;
        }
        for (int k = 0; member && k < r->n_floating; k++) {
            if (!memcmp(r->floating[k].host, h->mac, 6)) {
                return api_error_set(e, MHD_HTTP_CONFLICT, "floating_ips",
                                     "host %s has floating IP %s on router %s: remove it first",
                                     eth_addr_to_str(h->mac, mac), ip_to_str(r->floating[k].ip, ip),
                                     eth_addr_to_str(r->mac, rmac));
            }
        }
    }
    return true;
}

/* Commits a change to the store, if there is one: a PUT of the object
 * whose canonical JSON is 'obj' (the bridge as a dpid, so that replay never
 * depends on names resolved at acceptance time) or, when 'obj' is NULL, a
 * DELETE of 'key', under the object's canonical URL (so that compaction
 * keeps one row per object).  Returns false if it is not durably stored. */
static bool store__(struct api *api, enum edit_kind k, const union edit_object *key,
                    const json_t *obj)
{
    char url[128];

    if (!api->store) {
        return true;
    }
    api_json_key_url(k, key, url, sizeof url);
    if (!obj) {
        return store_append(api->store, "DELETE", url, NULL);
    }
    char *body = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    bool ok = body && store_append(api->store, "PUT", url, body);
    free(body);
    return ok;
}

/* The reply to an applied write: the object written ('obj', whose
 * reference it takes), or 204 for a DELETE ('obj' NULL). */
static enum MHD_Result reply_written__(struct MHD_Connection *conn, bool existed, json_t *obj)
{
    if (!obj) {
        return reply__(conn, MHD_HTTP_NO_CONTENT, "text/plain", "", 0);
    }
    return reply_json__(conn, existed ? MHD_HTTP_OK : MHD_HTTP_CREATED, obj);
}

static enum MHD_Result reply_not_stored__(struct MHD_Connection *conn, json_t *obj)
{
    json_decref(obj);
    return reply_error__(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                         "the change could not be stored; not applied");
}

/* A host write (JSON 'body', or NULL to delete 'old') checked with the
 * host rules against the model's indices: the parsed host in 'obj', or
 * false with 'e'. */
static bool host_change_ok__(const union edit_object *key, const struct vx_host_cfg *old,
                             const char *body, union edit_object *obj, struct api_error *e)
{
    const struct vx_config *cur = model_config();

    rcu_read_lock();
    bool ok = body ? api_json_parse_object(cur, EDIT_HOST, key, body, obj, e)
                     && host_valid__(cur, &obj->host, e)
                   : host_deletable__(cur, old, e);
    rcu_read_unlock();
    return ok;
}

/* Applies host 'new' (NULL: removes 'old') with model_apply_host(). */
static void host_apply__(const union edit_object *key, const struct vx_host_cfg *old,
                         const struct vx_host_cfg *new, struct dpid_set *affected)
{
    struct vx_host_cfg old_copy = old ? *old : key->host;   /* 'old' moves with the array */
    model_apply_host(old ? &old_copy : NULL, new, affected);
}

bool api_apply_host_change(const char *url, const char *body, struct dpid_set *affected)
{
    union edit_object key, obj;
    struct api_error e;
    enum edit_kind k;
    const char *rest;

    if (!api_json_route(url, &k, &rest) || k != EDIT_HOST || !api_json_parse_key(k, rest, &key)) {
        return false;
    }
    const struct vx_host_cfg *old = edit_find(model_config(), EDIT_HOST, &key.host);
    if (!body && !old) {
        return true;                    /* already gone */
    }
    if (!host_change_ok__(&key, old, body, &obj, &e)) {
        VLOG_WARN("%s %s refused: %s", body ? "PUT" : "DELETE", url, e.msg);
        return false;
    }
    host_apply__(&key, old, body ? &obj.host : NULL, affected);
    return true;
}

/* store = "etcd": writes object 'k' keyed 'key' ('obj' its JSON, whose
 * reference it takes; NULL: a DELETE) through etcd, and replies once this
 * instance has applied it (daemon/ha.h). */
static enum MHD_Result commit_ha__(struct api *api, struct MHD_Connection *conn, enum edit_kind k,
                                   const union edit_object *key, bool existed, json_t *obj)
{
    char url[128], err[256];
    char *body = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    api_json_key_url(k, key, url, sizeof url);
    int status = ha_commit(api->ha, url + 4, body, err, sizeof err);
    free(body);
    if (status) {
        json_decref(obj);
        return reply_error__(conn, (unsigned int)status, NULL, "%s", err);
    }
    return reply_written__(conn, existed, obj);
}

/* POST /v1/import (vxctl import FILE): the objects of a configuration
 * file, put into etcd. */
static enum MHD_Result import__(struct api *api, struct MHD_Connection *conn, const char *text)
{
    char path[] = "/tmp/vxfabric-import-XXXXXX", err[256];
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    size_t n = 0;

    if (!api->ha) {
        return reply_error__(conn, MHD_HTTP_CONFLICT, NULL,
                             "import loads objects into etcd: this instance has store = \"sqlite\"");
    }
    int fd = mkstemp(path);
    bool written = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (fd >= 0) {
        close(fd);
    }
    bool loaded = written && vxconf_load(path, &cfg, &errs, NULL);
    unlink(path);
    if (!loaded) {
        enum MHD_Result r = reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "%s",
                                          errs.n ? errs.msgs[0] : "cannot read the file");
        vx_errors_clear(&errs);
        return r;
    }
    int status = ha_import(api->ha, &cfg, &n, err, sizeof err);
    vxconf_free(&cfg);
    if (status) {
        return reply_error__(conn, (unsigned int)status, NULL, "%s (%zu objects written)", err, n);
    }
    return reply_json__(conn, MHD_HTTP_OK, json_pack("{s:I}", "imported", (json_int_t)n));
}

/* Host writes: the fast path (one object, validated against the indices,
 * applied with model_apply_host). */
static enum MHD_Result write_host_body__(struct api *api, struct MHD_Connection *conn,
                                         const union edit_object *key, const char *body)
{
    const struct vx_host_cfg *old = edit_find(model_config(), EDIT_HOST, &key->host);
    union edit_object obj;
    struct api_error e;
    struct dpid_set affected = { 0, 0, NULL };

    if (!body && !old) {
        return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such host");
    }
    if (!host_change_ok__(key, old, body, &obj, &e)) {
        return reply_api_error__(conn, &e);
    }
    json_t *j = body ? api_json_object(EDIT_HOST, &obj.host) : NULL;
    if (api->ha) {
        return commit_ha__(api, conn, EDIT_HOST, key, old != NULL, j);
    }
    if (!store__(api, EDIT_HOST, key, j)) {
        return reply_not_stored__(conn, j);
    }
    bool existed = old != NULL;
    host_apply__(key, old, body ? &obj.host : NULL, &affected);
    api->changed(api->aux, &affected);
    dpid_set_clear(&affected);
    return reply_written__(conn, existed, j);
}

static uint64_t now_ms__(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A host body without "ip" gets the lowest free address of its network
 * (model/alloc.h), decided here, in the single writer, just before the
 * write that takes it: two attaches never get the same address.  Returns
 * the body to use (the caller frees it), or NULL with 'e' set.  A body
 * that is not a JSON object is passed on for the normal path to refuse. */
static char *allocate_ip__(struct api *api, const union edit_object *key, const char *body,
                           struct api_error *e)
{
    json_t *j = json_loads(body, 0, NULL);
    char subnet[IP_ADDR_STRLEN];
    uint32_t ip;

    if (!j || !json_is_object(j) || json_object_get(j, "ip")) {
        json_decref(j);
        return xstrdup(body);
    }
    uint64_t now = now_ms__();
    alloc_quarantine_expire(&api->quarantine, now);
    enum alloc_result r = alloc_ip(model_config(), key->host.vni, &api->quarantine, now, &ip);
    const struct vx_network_cfg *net = vxconf_find_network(model_config(), key->host.vni);
    if (r != ALLOC_OK) {
        json_decref(j);
        if (r == ALLOC_NO_NETWORK) {
            api_error_set(e, MHD_HTTP_NOT_FOUND, "network", "network %u does not exist", key->host.vni);
        } else {
            ip_to_str(net->subnet, subnet);
            if (r == ALLOC_TOO_SMALL) {
                api_error_set(e, MHD_HTTP_CONFLICT, "ip", "network %u is %s/%u: it has no host "
                              "addresses to allocate; give 'ip'", key->host.vni, subnet, net->prefix);
            } else {
                api_error_set(e, MHD_HTTP_CONFLICT, "ip", "network %u has no free address: all of "
                              "%s/%u are taken, reserved or in quarantine", key->host.vni, subnet,
                              net->prefix);
            }
        }
        return NULL;
    }
    json_object_set_new(j, "ip", json_string(ip_to_str(ip, subnet)));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* A host write that may allocate its address, and that puts the address
 * it releases (a DELETE, or a PUT that changes it) in quarantine. */
static enum MHD_Result write_host__(struct api *api, struct MHD_Connection *conn,
                                    const union edit_object *key, const char *body)
{
    const struct vx_host_cfg *old = edit_find(model_config(), EDIT_HOST, &key->host);
    uint32_t old_ip = old ? old->ip : 0;
    char *owned = NULL;
    struct api_error e;

    if (body && !(body = owned = allocate_ip__(api, key, body, &e))) {
        return reply_api_error__(conn, &e);
    }
    enum MHD_Result r = write_host_body__(api, conn, key, body);
    free(owned);
    const struct vx_host_cfg *now = edit_find(model_config(), EDIT_HOST, &key->host);
    if (old_ip && (!now || now->ip != old_ip) && api->quarantine_ms) {
        alloc_quarantine_add(&api->quarantine, key->host.vni, old_ip, now_ms__() + api->quarantine_ms);
    }
    return r;
}

/* PUT (body) or DELETE (NULL): validate, persist, apply, reply. */
static enum MHD_Result write__(struct api *api, struct MHD_Connection *conn,
                               enum edit_kind k, const union edit_object *key, const char *body)
{
    struct vx_config next;
    union edit_object obj;
    struct api_error e;
    bool existed;

    if (k == EDIT_HOST) {
        return write_host__(api, conn, key, body);
    }
    if (!api_json_change(model_config(), k, key, body, &next, &existed, &obj, &e)) {
        return reply_api_error__(conn, &e);
    }
    /* Durable before applied and acknowledged. */
    json_t *j = body ? api_json_object(k, &obj) : NULL;
    if (api->ha) {
        vxconf_free(&next);             /* etcd's watch applies it, on every instance */
        return commit_ha__(api, conn, k, key, existed, j);
    }
    if (!store__(api, k, key, j)) {
        vxconf_free(&next);
        return reply_not_stored__(conn, j);
    }
    apply_config__(api, &next);
    return reply_written__(conn, existed, j);
}

/* How long an API request waits for all the workers together. */
#define QUERY_TIMEOUT_S 2

/* Asks every worker for its bridges' state (and one bridge's flows) and
 * waits for their answers until one deadline for all of them, offline for
 * RCU meanwhile.  qs[i] is NULL where worker i did not answer in time; a
 * late answer is freed by the worker (worker_query's contract). */
/* Waits for the answers to the 'n' queries sent to workers 'first'...
 * ('qs[i]' NULL: not sent) until one deadline for all, offline for RCU
 * meanwhile; drops those that did not come (qs[i] becomes NULL). */
static void await_queries__(struct worker_query **qs, int n, int first)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += QUERY_TIMEOUT_S;
    rcu_thread_offline();
    for (int i = 0; i < n; i++) {
        if (qs[i] && !worker_query_wait(qs[i], &deadline)) {
            VLOG_RL(VLL_WARN, "worker %d did not answer within %d s", first + i,
                    QUERY_TIMEOUT_S);
            worker_query_unref(qs[i]);
            qs[i] = NULL;
        }
    }
    rcu_thread_online();
}

/* Sends 'q' to worker 'w'; returns it, or NULL (freed) if the mailbox is full. */
static struct worker_query *send_query__(struct worker *w, struct worker_query *q)
{
    if (!worker_query_send(w, q)) {
        worker_query_unref(q);
        return NULL;
    }
    return q;
}

static void query_workers__(struct api *api, uint64_t flows_dpid, struct worker_query **qs)
{
    for (int i = 0; i < api->n_workers; i++) {
        qs[i] = send_query__(&api->workers[i], worker_query_new(flows_dpid));
    }
    await_queries__(qs, api->n_workers, 0);
}

static void query_free__(struct api *api, struct worker_query **qs)
{
    for (int i = 0; i < api->n_workers; i++) {
        if (qs[i]) {
            worker_query_unref(qs[i]);
        }
    }
    free(qs);
}

/* How many hosts of bridge 'dpid' are unbound (#17). */
static size_t unbound__(uint64_t dpid)
{
    struct cds_lfht_iter it;
    const struct vx_host *h;
    size_t n = 0;

    for (h = model_hosts_on_bridge(dpid, &it); h; h = model_next_on_bridge(dpid, &it)) {
        n += binding_host_state(&h->cfg) == BINDING_UNBOUND;
    }
    return n;
}

/* GET /v1/state: every configured bridge, connected or not. */
static enum MHD_Result state__(struct api *api, struct MHD_Connection *conn, uint64_t only)
{
    struct worker_query **qs = xcalloc((size_t)api->n_workers, sizeof *qs);
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
        json_t *j = json_pack("{s:s,s:s,s:b,s:I}", "dpid", id, "name", cur->bridges[b].name,
                              "connected", 0, "hosts_unbound", (json_int_t)unbound__(dpid));
        if (mastership_members()) {         /* HA (#15): the instance that masters it */
            char owner[MASTERSHIP_NAME_MAX];
            rcu_read_lock();
            mastership_owner(dpid, owner);
            rcu_read_unlock();
            json_object_set_new(j, "master", json_string(owner));
        }
        for (int i = 0; i < api->n_workers; i++) {
            for (size_t k = 0; qs[i] && k < qs[i]->n; k++) {
                const struct worker_bridge_state *st = &qs[i]->bridges[k];
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
                json_object_set_new(j, "output_buffered", json_integer((json_int_t)st->output_bytes));
                json_object_set_new(j, "reading_paused", json_boolean(st->reading_paused));
                json_object_set_new(j, "role", json_string(st->role));
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
    struct worker_query **qs = xcalloc((size_t)api->n_workers, sizeof *qs);
    enum MHD_Result r;

    query_workers__(api, dpid, qs);
    const char *text = NULL;
    for (int i = 0; i < api->n_workers && !text; i++) {
        text = qs[i] ? qs[i]->flows : NULL;
    }
    r = text ? reply__(conn, MHD_HTTP_OK, "text/plain", text, strlen(text))
             : reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "bridge %#" PRIx64 " is not connected", dpid);
    query_free__(api, qs);
    return r;
}

/* The bridges a trace has asked about: the tracer's view of each, copied
 * from the worker that owns it.  The walk itself must not block (it holds
 * model pointers, and waiting for a worker takes the main thread offline),
 * so a walk that meets a bridge not fetched yet notes it in 'wanted'; the
 * caller fetches it and walks again. */
#define TRACE_MAX_FETCH 4
struct trace_cache {
    struct api *api;
    int n;
    uint64_t dpids[TRACE_MAX_FETCH];
    struct worker_query *qs[TRACE_MAX_FETCH];   /* NULL: no answer */
    uint64_t wanted;
};

static bool trace_bridge__(void *aux, uint64_t dpid, struct trace_bridge *tb)
{
    struct trace_cache *tc = aux;

    for (int i = 0; i < tc->n; i++) {
        const struct worker_query *q = tc->qs[i];
        if (tc->dpids[i] != dpid) {
            continue;
        }
        if (!q || !q->found) {
            return false;
        }
        *tb = (struct trace_bridge) {
            .connected = true, .n_ports = q->n_ports, .ports = q->ports,
            .installed = &q->installed, .rejected = &q->rejected,
        };
        return true;
    }
    tc->wanted = tc->wanted ? tc->wanted : dpid;
    return false;
}

/* Asks the worker that owns 'dpid' for its ports and flows.  Blocks (the
 * main thread offline) for at most QUERY_TIMEOUT_S. */
static void trace_fetch__(struct trace_cache *tc, uint64_t dpid)
{
    struct api *api = tc->api;
    struct worker_query *q = worker_query_new(dpid);
    int w = worker_for_dpid(dpid, api->n_workers);

    q->want_tables = true;
    tc->dpids[tc->n] = dpid;
    tc->qs[tc->n] = send_query__(&api->workers[w], q);
    await_queries__(&tc->qs[tc->n], 1, w);
    tc->n++;
}

static void trace_cache_free__(struct trace_cache *tc)
{
    for (int i = 0; i < tc->n; i++) {
        if (tc->qs[i]) {
            worker_query_unref(tc->qs[i]);
        }
    }
}

static const char *query_arg__(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The source host's port, bound by name: its number on the bridge now. */
static bool resolve_in_port__(struct trace_cache *tc, const char *name, struct trace_packet *p)
{
    struct trace_bridge tb;
    uint32_t port;

    if (!trace_bridge__(tc, tc->dpids[0], &tb) || !trace_bridge_port(&tb, name, &port)) {
        return false;
    }
    trace_packet_set(p, OFF_IN_PORT, port);
    return true;
}

/* GET /v1/trace?src=...&dst=...: the packet's path (docs/api.md). */
static enum MHD_Result trace__(struct api *api, struct MHD_Connection *conn)
{
    struct trace_cache tc = { .api = api };
    struct trace_packet p;
    struct trace_result r;
    struct api_error e;
    const char *port_name;
    uint64_t dpid;

    if (!api_trace_request(query_arg__, conn, &dpid, &p, &port_name, &e)) {
        return reply_api_error__(conn, &e);
    }
    trace_fetch__(&tc, dpid);
    if (port_name && !resolve_in_port__(&tc, port_name, &p)) {
        trace_cache_free__(&tc);
        return reply_error__(conn, MHD_HTTP_CONFLICT, "src",
                             "the host's port %s is not on its bridge: it is unbound", port_name);
    }
    for (;;) {
        tc.wanted = 0;
        trace_run(dpid, &p, trace_bridge__, &tc, &r);
        if (!tc.wanted || tc.n == TRACE_MAX_FETCH) {
            break;
        }
        trace_result_free(&r);
        trace_fetch__(&tc, tc.wanted);
    }
    json_t *j = api_trace_result_json(&r);
    trace_result_free(&r);
    trace_cache_free__(&tc);
    return reply_json__(conn, MHD_HTTP_OK, j);
}

/* GET /v1/cookies/COOKIE: the model object a flow cookie names. */
static enum MHD_Result cookie__(struct MHD_Connection *conn, const char *text)
{
    struct api_error e;
    json_t *j = api_trace_cookie_json(text, &e);
    return j ? reply_json__(conn, MHD_HTTP_OK, j) : reply_api_error__(conn, &e);
}

/* HA (#15): this instance's role on each bridge connected to it. */
static void bridge_roles_prometheus__(struct api *api, FILE *f)
{
    struct worker_query **qs = xcalloc((size_t)api->n_workers, sizeof *qs);

    query_workers__(api, 0, qs);
    fprintf(f, "# HELP vxfabric_bridge_role this instance's role on each connected bridge\n"
               "# TYPE vxfabric_bridge_role gauge\n");
    for (int i = 0; i < api->n_workers; i++) {
        for (size_t k = 0; qs[i] && k < qs[i]->n; k++) {
            fprintf(f, "vxfabric_bridge_role{dpid=\"%#" PRIx64 "\",role=\"%s\"} 1\n",
                    qs[i]->bridges[k].dpid, qs[i]->bridges[k].role);
        }
    }
    query_free__(api, qs);
}

static enum MHD_Result metrics__(struct api *api, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    workers_write_prometheus(f, api->acceptor, api->workers, api->n_workers);
    if (api->ha) {
        ha_write_prometheus(api->ha, f);
        bridge_roles_prometheus__(api, f);
    }
    fclose(f);
    enum MHD_Result r = reply__(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", text, size);
    free(text);
    return r;
}

/* With client certificates required (api_tls_client_ca), whether the
 * client presented one that GnuTLS verified against that CA. */
static bool client_cert_ok__(const struct api *api, struct MHD_Connection *conn)
{
    if (!api->client_certs) {
        return true;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    unsigned int status, n = 0;
    if (!ci || !ci->tls_session) {
        return false;
    }
    gnutls_session_t session = ci->tls_session;
    return gnutls_certificate_get_peers(session, &n) && n
           && gnutls_certificate_verify_peers2(session, &status) == 0 && !status;
}

/* Whether the request has the client certificate asked for, and carries
 * the bearer token, compared in constant time so that the reply's timing
 * tells nothing of how much of a guess was right. */
static bool authorized__(const struct api *api, struct MHD_Connection *conn)
{
    if (!client_cert_ok__(api, conn)) {
        return false;
    }
    if (!api->token) {
        return true;
    }
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7)) {
        return false;
    }
    const char *given = auth + 7;
    size_t n = strlen(api->token), m = strlen(given);
    unsigned char diff = n != m;
    for (size_t i = 0; i < n; i++) {
        diff |= (unsigned char)(api->token[i] ^ given[i < m ? i : 0]);
    }
    return !diff;
}

/* GET /v1/bridges/DPID/state and /v1/bridges/DPID/flows. */
static enum MHD_Result bridge_resource__(struct api *api, struct MHD_Connection *conn,
                                         const char *url)
{
    const char *start = url + strlen("/v1/bridges/");
    const char *slash = strchr(start, '/');
    union edit_object b;
    char key[32];

    if ((size_t)(slash - start) >= sizeof key) {
        return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "malformed bridge key");
    }
    memcpy(key, start, (size_t)(slash - start));
    key[slash - start] = '\0';
    if (!api_json_parse_key(EDIT_BRIDGE, key, &b)) {
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

/* An object as GET shows it: its stored form, plus, for a host, whether
 * its port is on its bridge (#17: "bound", "unbound", or "unknown" before
 * the bridge has ever connected). */
static json_t *object_json__(enum edit_kind k, const void *o)
{
    json_t *j = api_json_object(k, o);
    if (k == EDIT_HOST) {
        json_object_set_new(j, "binding",
                            json_string(binding_state_name(binding_host_state(o))));
    }
    return j;
}

/* GET /v1/KIND: every object of the kind. */
static enum MHD_Result list__(struct MHD_Connection *conn, enum edit_kind k)
{
    const struct vx_config *cur = model_config();
    json_t *a = json_array();

    for (size_t i = 0; i < edit_count(cur, k); i++) {
        json_array_append_new(a, object_json__(k, edit_object_at(cur, k, i)));
    }
    return reply_json__(conn, MHD_HTTP_OK, a);
}

/* GET, PUT or DELETE /v1/KIND/KEY. */
static enum MHD_Result object__(struct api *api, struct MHD_Connection *conn, const char *url,
                                const char *method, enum edit_kind k, const char *key_text,
                                const char *body)
{
    union edit_object key;

    if (!api_json_parse_key(k, key_text, &key)) {
        return reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL, "malformed %s key '%s'",
                             edit_kind_name(k), key_text);
    }
    if (!strcmp(method, "GET")) {
        const void *o = edit_find(model_config(), k, &key);
        return o ? reply_json__(conn, MHD_HTTP_OK, object_json__(k, o))
                 : reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such object");
    }
    if (!strcmp(method, "PUT")) {
        return write__(api, conn, k, &key, body);
    }
    if (!strcmp(method, "DELETE")) {
        return write__(api, conn, k, &key, NULL);
    }
    return reply_error__(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method %s not allowed", method);
}

/* POST /v1/attach {"network", "bridge", "iface"[, "mac"][, "ip"]}: a host
 * bound to an interface by name, with its MAC and IP allocated when not
 * given (#17).  The reply is the host, as GET returns it. */
static enum MHD_Result attach__(struct api *api, struct MHD_Connection *conn, const char *body)
{
    struct api_attach a;
    struct api_error e;
    union edit_object key;
    char mac[ETH_ADDR_STRLEN];

    if (!api_json_parse_attach(body, &a, &e)) {
        return reply_api_error__(conn, &e);
    }
    memset(&key, 0, sizeof key);
    key.host.vni = a.vni;
    memcpy(key.host.mac, a.mac, 6);
    enum MHD_Result r;
    if (!a.has_mac && !alloc_mac(model_config(), api->mac_prefix, key.host.mac)) {
        r = reply_error__(conn, MHD_HTTP_CONFLICT, "mac", "no free MAC under mac_prefix");
    } else if (edit_find(model_config(), EDIT_HOST, &key.host)) {
        r = reply_error__(conn, MHD_HTTP_CONFLICT, "mac", "network %u already has host %s",
                          key.host.vni, eth_addr_to_str(key.host.mac, mac));
    } else {
        r = write_host__(api, conn, &key, a.host_body);
    }
    free(a.host_body);
    return r;
}

/* POST /v1/detach {"bridge", "iface"}: removes the host bound there. */
static enum MHD_Result detach__(struct api *api, struct MHD_Connection *conn, const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    const char *bridge = json_string_value(json_object_get(j, "bridge"));
    const char *iface = json_string_value(json_object_get(j, "iface"));
    const struct vx_config *cur = model_config();
    union edit_object key;

    const struct vx_bridge_cfg *b = bridge ? api_json_find_bridge(cur, bridge) : NULL;

    for (size_t i = 0; b && iface && i < cur->n_hosts; i++) {
        const struct vx_host_cfg *h = &cur->hosts[i];
        if (h->dpid == b->dpid && !strcmp(h->port_name, iface)) {
            key.host = *h;
            json_decref(j);
            return write_host__(api, conn, &key, NULL);
        }
    }
    enum MHD_Result r = bridge && iface
        ? reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no host is attached to %s on %s", iface, bridge)
        : reply_error__(conn, MHD_HTTP_BAD_REQUEST, NULL,
                        "the body must be {\"bridge\": NAME, \"iface\": NAME}");
    json_decref(j);             /* after the reply: 'bridge' and 'iface' point into it */
    return r;
}

void api_set_ha(struct api *api, struct ha *ha)
{
    api->ha = ha;
}

void api_set_allocation(struct api *api, const uint8_t mac_prefix[3], unsigned int quarantine_s)
{
    if (api) {
        memcpy(api->mac_prefix, mac_prefix, 3);
        api->quarantine_ms = (uint64_t)quarantine_s * 1000;
    }
}

/* Routes one whole request. */
static enum MHD_Result handle__(struct api *api, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *body)
{
    bool get = !strcmp(method, "GET");
    enum edit_kind k;
    const char *rest;

    if (!authorized__(api, conn)) {
        return reply_error__(conn, MHD_HTTP_UNAUTHORIZED, NULL, "a valid bearer token is required");
    }
    if (get && !strcmp(url, "/metrics")) {
        return metrics__(api, conn);
    }
    if (get && !strcmp(url, "/v1/state")) {
        return state__(api, conn, 0);
    }
    if (!strcmp(method, "POST") && !strcmp(url, "/v1/import")) {
        return import__(api, conn, body);
    }
    if (!strcmp(method, "POST") && !strcmp(url, "/v1/attach")) {
        return attach__(api, conn, body);
    }
    if (!strcmp(method, "POST") && !strcmp(url, "/v1/detach")) {
        return detach__(api, conn, body);
    }
    if (get && !strcmp(url, "/v1/trace")) {
        return trace__(api, conn);
    }
    if (get && !strncmp(url, "/v1/cookies/", 12)) {
        return cookie__(conn, url + 12);
    }
    if (get && !strncmp(url, "/v1/bridges/", 12) && strchr(url + 12, '/')) {
        return bridge_resource__(api, conn, url);
    }
    if (!api_json_route(url, &k, &rest)) {
        return reply_error__(conn, MHD_HTTP_NOT_FOUND, NULL, "no such resource: %s", url);
    }
    if (*rest) {
        return object__(api, conn, url, method, k, rest, body);
    }
    return get ? list__(conn, k)
               : reply_error__(conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method %s not allowed", method);
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
        req->limit = !strcmp(url, "/v1/import") ? API_MAX_IMPORT : API_MAX_BODY;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (req->size + *upload_data_size > req->limit) {
            req->too_big = true;
        } else {
            req->body = xrealloc(req->body, req->size + *upload_data_size + 1);
            memcpy(req->body + req->size, upload_data, *upload_data_size);
            req->size += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_big) {
        return reply_error__(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "body over %zu bytes", req->limit);
    }
    if (!req->body) {
        req->body = xzalloc(1);
    }
    req->body[req->size] = '\0';
    return handle__(api, conn, url, method, req->body);
}

static void completed__(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    struct request *req = *con_cls;
    (void)cls; (void)conn; (void)toe;
    if (req) {
        free(req->body);
        free(req);
    }
    *con_cls = NULL;
}

struct api *api_start(const char *listen, const struct api_tls *tls, const char *token,
                      const char *store, api_changed_fn *changed, void *aux,
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
    if (store && store[0] && !(api->store = store_open(store, err, err_size))) {
        free(api);
        return NULL;
    }
    api->token = token && token[0] ? xstrdup(token) : NULL;
    api->changed = changed;
    api->aux = aux;
    api->acceptor = acceptor;
    api->workers = workers;
    api->n_workers = n_workers;
    api->client_certs = tls && tls->client_ca;
    struct MHD_OptionItem https[] = {
        { tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, tls ? (void *)tls->key : NULL },
        { MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? (void *)tls->cert : NULL },
        /* TLS 1.2 or later, as for OpenFlow. */
        { MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
        { api->client_certs ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
          api->client_certs ? (void *)tls->client_ca : NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    api->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
                                (uint16_t)port, NULL, NULL, access__, api,
                                MHD_OPTION_SOCK_ADDR, &sin,
                                MHD_OPTION_NOTIFY_COMPLETED, completed__, NULL,
                                MHD_OPTION_CONNECTION_LIMIT, 256u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_ARRAY, https,
                                MHD_OPTION_END);
    if (!api->mhd) {
        snprintf(err, err_size, "cannot start the API on %s", listen);
        store_close(api->store);
        alloc_quarantine_clear(&api->quarantine);
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
        store_close(api->store);
        alloc_quarantine_clear(&api->quarantine);
        free(api->token);
        free(api);
    }
}

void api_set_token(struct api *api, const char *token)
{
    if (api) {
        free(api->token);
        api->token = token && token[0] ? xstrdup(token) : NULL;
    }
}
