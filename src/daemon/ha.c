#include "daemon/ha.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeval.h"
#include "core/util.h"
#include "daemon/api.h"
#include "daemon/api_json.h"
#include "daemon/etcd.h"
#include "daemon/store.h"
#include "model/edit.h"
#include "model/mastership.h"

#define VLOG_MODULE "ha"

#define CALL_TIMEOUT_MS 1000        /* one unary call, per endpoint */
#define RETRY_MS 1000               /* joining, or re-listing, again */
#define WATCH_RETRY_MS 200
#define APPLY_WAIT_MS 5000          /* a write waits this long to be applied here */
#define TXN_MAX_OPS 128             /* etcd's default --max-txn-ops */

struct ha {
    struct etcd *etcd;
    char prefix[128];
    char name[MASTERSHIP_NAME_MAX];
    char advertise[128];
    unsigned int ttl_s;
    ha_changed_fn *changed;
    bool (*ready)(void *aux);
    void *aux;
    uint64_t warmup_until_ms;   /* join by then, ready or not */
    bool listed;                /* listed, and watching since */

    /* Membership. */
    long long lease;            /* 0: none */
    bool live;                  /* holding a lease we kept alive in time */
    uint64_t lease_deadline_ms; /* when the lease runs out unless renewed */
    uint64_t next_keepalive_ms;
    uint64_t keepalive_sent_ms;
    struct etcd_stream *keepalive;
    uint64_t next_join_ms;      /* 0: joined (listed and watching) */
    json_t *members;            /* name -> true */
    long long generation;       /* revision of the last membership change */

    /* The model's revision. */
    struct etcd_stream *watch;
    uint64_t watch_restart_ms;  /* 0: none scheduled */
    long long applied;          /* every event up to this revision is applied */
    long long seen;             /* the highest revision etcd reported */
    json_t *modrevs;            /* object tail -> mod_revision (etcd's state) */

    /* Counters. */
    unsigned long long n_member_changes, n_lease_lost, n_refused, n_conflicts;
};

/* --- keys --- */

/* The key "P/kind/rest", in base64. */
static json_t *key_json__(const struct ha *ha, const char *kind, const char *rest)
{
    char *k = xasprintf("%s/%s/%s", ha->prefix, kind, rest);
    json_t *j = etcd_b64(k, strlen(k));
    free(k);
    return j;
}

/* The part of 'key' after "P/kind/", or NULL if it is not under it. */
static const char *under__(const struct ha *ha, const char *key, const char *kind)
{
    size_t p = strlen(ha->prefix), k = strlen(kind);
    if (strncmp(key, ha->prefix, p) || key[p] != '/' || strncmp(key + p + 1, kind, k)
        || key[p + 1 + k] != '/') {
        return NULL;
    }
    return key + p + 2 + k;
}

/* Sets 'req''s key and range_end to every key under the prefix. */
static json_t *prefix_range__(const struct ha *ha, json_t *req)
{
    char *p = xasprintf("%s/", ha->prefix);

    json_object_set_new(req, "key", etcd_b64(p, strlen(p)));
    json_object_set_new(req, "range_end", etcd_prefix_end(p));
    free(p);
    return req;
}

static void seen__(struct ha *ha, const json_t *reply)
{
    long long rev = etcd_int(json_object_get(reply, "header"), "revision");
    if (rev > ha->seen) {
        ha->seen = rev;
    }
}

/* --- membership --- */

static void publish__(struct ha *ha)
{
    size_t n = json_object_size(ha->members), i = 0;
    const char **names = xcalloc(n + 1, sizeof *names);
    const char *name;
    json_t *v;

    json_object_foreach(ha->members, name, v) {
        names[i++] = name;
    }
    mastership_publish(names, n, ha->name, ha->live && !ha->next_join_ms,
                       (uint64_t)ha->generation);
    free(names);
}

/* How long this instance counts on its lease after a renewal it sent:
 * a quarter of the TTL less than etcd grants, so that it demotes itself
 * before etcd can expire the lease and another instance take over (etcd
 * counts from when it renewed, which is after we sent; the quarter covers
 * this loop's tick and a slow turn).  Keep-alives go every TTL/3, so one
 * may fail without a demotion. */
static uint64_t safe_ttl_ms__(const struct ha *ha)
{
    return ha->ttl_s * 1000ull - ha->ttl_s * 1000ull / 4;
}

/* An int64 as etcd's JSON wants it: a string. */
static json_t *int64_json__(long long v)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", v);
    return json_string(s);
}

/* Takes a lease and puts the member key on it. */
static bool join__(struct ha *ha)
{
    char err[256];
    json_t *r = etcd_call(ha->etcd, "/v3/lease/grant",
                          json_pack("{s:I}", "TTL", (json_int_t)ha->ttl_s), CALL_TIMEOUT_MS,
                          err, sizeof err);
    if (!r) {
        return false;
    }
    ha->lease = etcd_int(r, "ID");
    json_decref(r);
    char *value = xasprintf("{\"name\":\"%s\",\"api\":\"%s\"}", ha->name, ha->advertise);
    json_t *req = json_pack("{s:o,s:o,s:o}", "key", key_json__(ha, "members", ha->name),
                            "value", etcd_b64(value, strlen(value)), "lease", int64_json__(ha->lease));
    free(value);
    r = etcd_call(ha->etcd, "/v3/kv/put", req, CALL_TIMEOUT_MS, err, sizeof err);
    if (!r) {
        return false;
    }
    json_decref(r);
    uint64_t now = time_msec();
    ha->live = true;
    ha->lease_deadline_ms = now + safe_ttl_ms__(ha);
    ha->next_keepalive_ms = now + ha->ttl_s * 1000ull / 3;
    VLOG_INFO("joined as %s (lease %llx, TTL %u s)", ha->name, (unsigned long long)ha->lease,
              ha->ttl_s);
    return true;
}

/* --- applying etcd's objects to the model --- */

/* One change of 'kv' (an etcd key-value, 'deleted' for a DELETE event)
 * as a store change, if it is an object; strings owned by 'keep'. */
static bool change_of__(struct ha *ha, const json_t *kv, bool deleted, struct store_change *ch,
                        json_t *keep)
{
    char *key = etcd_unb64(json_string_value(json_object_get(kv, "key")) ?: "", NULL);
    const char *tail = key ? under__(ha, key, "objects") : NULL;
    char *url = tail ? xasprintf("/v1/%s", tail) : NULL;
    char *body = url && !deleted
                 ? etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", NULL) : NULL;
    /* Kept as JSON strings: bytes that are not UTF-8 make them NULL, and
     * such a key or value is no object of ours. */
    json_t *u = url ? json_string(url) : NULL;
    json_t *b = body ? json_string(body) : NULL;
    bool ok = u && (deleted || b);

    if (ok) {
        *ch = (struct store_change) {
            .seq = etcd_int(kv, "mod_revision"),
            .method = deleted ? "DELETE" : "PUT",
            .url = json_string_value(u),
            .body = b ? json_string_value(b) : NULL,
        };
        json_array_append(keep, u);
        if (b) {
            json_array_append(keep, b);
        }
        if (deleted) {
            json_object_del(ha->modrevs, tail);
        } else {
            json_object_set_new(ha->modrevs, tail, json_integer(ch->seq));
        }
    }
    json_decref(u);
    json_decref(b);
    free(url);
    free(body);
    free(key);
    return ok;
}

/* Applies 'n' changes onto a copy of the model's config: as one batch if
 * the result is valid, else one by one, each validated (those that no
 * longer apply are skipped, as every instance skips them).  Then the model
 * follows, and the changed bridges are pushed. */
static void apply_changes__(struct ha *ha, struct vx_config *base, const struct store_change *ch,
                            size_t n)
{
    struct vx_config cfg;
    struct dpid_set affected = { 0, 0, NULL };
    size_t applied = 0, skipped = 0;

    if (base) {
        cfg = *base;
    } else {
        edit_copy(model_config(), &cfg);
    }
    if (n && !store_apply_batch(&cfg, ch, n, &applied, &skipped)) {
        for (size_t i = 0; i < n; i++) {
            if (store_apply_change(&cfg, &ch[i])) {
                applied++;
            } else {
                skipped++;
            }
        }
    }
    if (skipped) {
        ha->n_refused += skipped;
        VLOG_WARN("%zu change%s from etcd refused by validation (see above)", skipped,
                  skipped == 1 ? "" : "s");
    }
    model_apply(&cfg, &affected, NULL);
    ha->changed(ha->aux, &affected);
    dpid_set_clear(&affected);
}

/* One host change, by the API's fast path (api_apply_host_change). */
static void apply_host__(struct ha *ha, const struct store_change *ch)
{
    struct dpid_set affected = { 0, 0, NULL };

    if (api_apply_host_change(ch->url, ch->body, &affected)) {
        ha->changed(ha->aux, &affected);
    } else {
        ha->n_refused++;
    }
    dpid_set_clear(&affected);
}

/* --- the watch --- */

static void watch_start__(struct ha *ha);

static void member_event__(struct ha *ha, const json_t *kv, bool deleted)
{
    char *key = etcd_unb64(json_string_value(json_object_get(kv, "key")) ?: "", NULL);
    const char *name = key ? under__(ha, key, "members") : NULL;

    if (name && *name) {
        if (deleted) {
            json_object_del(ha->members, name);
        } else {
            json_object_set_new(ha->members, name, json_true());
        }
        VLOG_INFO("member %s %s: %zu members", name, deleted ? "left" : "joined",
                  json_object_size(ha->members));
    }
    free(key);
}

/* One watch response: its events in order, the objects as one batch. */
static void on_watch__(void *aux, json_t *obj)
{
    struct ha *ha = aux;
    json_t *res = json_object_get(obj, "result");
    json_t *events = json_object_get(res, "events");
    long long rev = etcd_int(json_object_get(res, "header"), "revision");
    bool members_changed = false;

    seen__(ha, res);
    if (etcd_int(res, "compact_revision")) {
        VLOG_WARN("watch: revision %lld is compacted: re-listing", ha->applied + 1);
        if (ha->etcd) {
            etcd_stream_stop(ha->etcd, ha->watch);
        }
        ha->watch = NULL;
        ha->listed = false;                 /* the next tick lists and diffs */
        ha->next_join_ms = time_msec();
        return;
    }
    size_t n = json_array_size(events);
    struct store_change *ch = xcalloc(n + 1, sizeof *ch);
    json_t *keep = json_array();
    size_t n_ch = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_array_get(events, i);
        json_t *kv = json_object_get(ev, "kv");
        bool deleted = !strcmp(json_string_value(json_object_get(ev, "type")) ?: "", "DELETE");
        if (change_of__(ha, kv, deleted, &ch[n_ch], keep)) {
            n_ch++;
        } else {
            size_t before = json_object_size(ha->members);
            member_event__(ha, kv, deleted);
            members_changed |= before != json_object_size(ha->members);
        }
    }
    if (n_ch == 1 && !strncmp(ch[0].url, "/v1/hosts/", 10)) {
        apply_host__(ha, &ch[0]);       /* the common write: O(bridge) */
    } else if (n_ch) {
        apply_changes__(ha, NULL, ch, n_ch);
    }
    free(ch);
    json_decref(keep);
    if (rev > ha->applied) {
        ha->applied = rev;
    }
    if (members_changed) {
        ha->generation = rev;
        ha->n_member_changes++;
        publish__(ha);
    }
}

static void on_watch_end__(void *aux, const char *why)
{
    struct ha *ha = aux;
    VLOG_WARN("watch ended (%s): resuming from revision %lld", why, ha->applied + 1);
    ha->watch = NULL;
    ha->watch_restart_ms = time_msec() + WATCH_RETRY_MS;
}

static void watch_start__(struct ha *ha)
{
    json_t *create = prefix_range__(ha, json_pack("{s:o}", "start_revision",
                                                  int64_json__(ha->applied + 1)));
    json_t *req = json_pack("{s:o}", "create_request", create);

    ha->watch = etcd_stream_start(ha->etcd, "/v3/watch", req, on_watch__, on_watch_end__, ha);
    ha->watch_restart_ms = 0;
}

/* --- listing --- */

/* Lists the prefix: the model becomes its objects (one batch, then one
 * diff), the members its member keys; then watches from the next
 * revision.  Returns false if etcd did not answer. */
static bool list__(struct ha *ha)
{
    char err[256];
    json_t *r = etcd_call(ha->etcd, "/v3/kv/range", prefix_range__(ha, json_object()),
                          CALL_TIMEOUT_MS * 5, err, sizeof err);
    if (!r) {
        return false;
    }
    json_t *kvs = json_object_get(r, "kvs"), *keep = json_array();
    size_t n = json_array_size(kvs), n_ch = 0;
    struct store_change *ch = xcalloc(n + 1, sizeof *ch);
    struct vx_config empty;

    json_object_clear(ha->members);
    json_object_clear(ha->modrevs);
    for (size_t i = 0; i < n; i++) {
        json_t *kv = json_array_get(kvs, i);
        if (change_of__(ha, kv, false, &ch[n_ch], keep)) {
            n_ch++;
        } else {
            member_event__(ha, kv, false);
        }
    }
    vxconf_init(&empty);
    apply_changes__(ha, &empty, ch, n_ch);
    free(ch);
    json_decref(keep);
    seen__(ha, r);
    ha->applied = ha->generation = etcd_int(json_object_get(r, "header"), "revision");
    json_decref(r);
    VLOG_INFO("etcd revision %lld: %zu objects, %zu members", ha->applied, n_ch,
              json_object_size(ha->members));
    if (ha->watch) {
        etcd_stream_stop(ha->etcd, ha->watch);
    }
    watch_start__(ha);
    return true;
}

/* --- the lease --- */

static void on_keepalive__(void *aux, json_t *obj)
{
    struct ha *ha = aux;
    json_t *res = json_object_get(obj, "result");

    seen__(ha, res);
    if (etcd_int(res, "TTL") > 0) {
        ha->lease_deadline_ms = ha->keepalive_sent_ms + safe_ttl_ms__(ha);
    } else {
        VLOG_WARN("lease %llx is gone (etcd let it expire)", (unsigned long long)ha->lease);
        ha->lease_deadline_ms = 0;      /* the next tick demotes */
    }
    etcd_stream_stop(ha->etcd, ha->keepalive);     /* one answer is all we ask */
    ha->keepalive = NULL;
}

static void on_keepalive_end__(void *aux, const char *why)
{
    struct ha *ha = aux;
    VLOG_RL(VLL_WARN, "lease keep-alive failed (%s)", why);
    ha->keepalive = NULL;
}

static void keepalive__(struct ha *ha, uint64_t now)
{
    if (ha->keepalive) {
        etcd_stream_stop(ha->etcd, ha->keepalive);     /* unanswered: ask again */
    }
    ha->keepalive_sent_ms = now;
    ha->next_keepalive_ms = now + MAX(ha->ttl_s * 1000ull / 3, 500);
    ha->keepalive = etcd_stream_start(ha->etcd, "/v3/lease/keepalive",
                                      json_pack("{s:o}", "ID", int64_json__(ha->lease)),
                                      on_keepalive__, on_keepalive_end__, ha);
}

/* The lease ran out (or etcd is unreachable): master of nothing until
 * joined again, so that this instance never programs a bridge from a
 * model that may be stale, while another one takes its bridges over. */
static void lost__(struct ha *ha, uint64_t now)
{
    VLOG_WARN("lost etcd: lease %llx not renewed in time; slave on every bridge until rejoined",
              (unsigned long long)ha->lease);
    ha->live = false;
    ha->listed = false;         /* the watch may have missed events: list again */
    ha->n_lease_lost++;
    ha->next_join_ms = now;
    if (ha->watch) {
        etcd_stream_stop(ha->etcd, ha->watch);
        ha->watch = NULL;
    }
    publish__(ha);
}

/* Lists (if needed), then joins once warmed up (if needed); retries every
 * RETRY_MS until both are done, checking readiness every tick. */
static void rejoin__(struct ha *ha, uint64_t now)
{
    if (!ha->listed) {
        if (!list__(ha)) {
            ha->next_join_ms = now + RETRY_MS;
            return;
        }
        ha->listed = true;
    }
    if (!ha->live) {
        if (now < ha->warmup_until_ms && !ha->ready(ha->aux)) {
            ha->next_join_ms = now + 100;       /* switches still reconnecting */
            return;
        }
        if (!join__(ha)) {
            ha->next_join_ms = now + RETRY_MS;
            return;
        }
    }
    ha->next_join_ms = 0;
    if (ha->n_lease_lost) {
        VLOG_INFO("rejoined at revision %lld", ha->applied);
    }
    publish__(ha);
}

static void tick__(struct ha *ha)
{
    uint64_t now = time_msec();

    if (ha->live && now >= ha->lease_deadline_ms) {
        lost__(ha, now);
    }
    if (ha->next_join_ms && now >= ha->next_join_ms) {
        rejoin__(ha, now);
    }
    if (ha->live && !ha->next_join_ms && now >= ha->next_keepalive_ms) {
        keepalive__(ha, now);
    }
    if (!ha->next_join_ms && ha->watch_restart_ms && now >= ha->watch_restart_ms) {
        watch_start__(ha);
    }
}

/* --- the event loop --- */

int ha_pollfds(struct ha *ha, struct pollfd *fds, int max)
{
    return etcd_pollfds(ha->etcd, fds, max);
}

int ha_timeout_ms(struct ha *ha)
{
    int t = etcd_timeout_ms(ha->etcd);
    int tick = 100;                 /* lease deadlines and retries */
    return t < 0 ? tick : MIN(t, tick);
}

void ha_run(struct ha *ha, const struct pollfd *fds, int n)
{
    etcd_run(ha->etcd, fds, n);
    tick__(ha);
}

/* Runs the event loop for etcd alone until revision 'rev' is applied or
 * 'deadline' passes. */
static bool wait_applied__(struct ha *ha, long long rev, uint64_t deadline)
{
    struct pollfd fds[16];

    while (ha->applied < rev && time_msec() < deadline) {
        int n = ha_pollfds(ha, fds, 16);
        rcu_thread_offline();
        poll(fds, (nfds_t)n, MIN(ha_timeout_ms(ha), 50));
        rcu_thread_online();
        ha_run(ha, fds, n);
    }
    return ha->applied >= rev;
}

/* --- writes --- */

/* The compare of a write to 'tail': unchanged since we applied it. */
static json_t *compare__(struct ha *ha, const char *tail)
{
    long long mod = json_integer_value(json_object_get(ha->modrevs, tail));
    json_t *key = key_json__(ha, "objects", tail);

    return mod ? json_pack("{s:o,s:s,s:s,s:o}", "key", key, "target", "MOD", "result", "EQUAL",
                           "mod_revision", int64_json__(mod))
               : json_pack("{s:o,s:s,s:s,s:s}", "key", key, "target", "CREATE", "result", "EQUAL",
                           "create_revision", "0");
}

static json_t *put_op__(struct ha *ha, const char *tail, const char *body)
{
    return json_pack("{s:{s:o,s:o}}", "request_put", "key", key_json__(ha, "objects", tail),
                     "value", etcd_b64(body, strlen(body)));
}

/* Sends transaction 'txn' and waits for its revision here.  Returns 0 or
 * an HTTP status with 'err'. */
static int txn__(struct ha *ha, json_t *txn, char *err, size_t err_size)
{
    if (!ha->live || ha->next_join_ms) {
        json_decref(txn);
        snprintf(err, err_size, "this instance is not joined to etcd; try another");
        return 503;
    }
    json_t *r = etcd_call(ha->etcd, "/v3/kv/txn", txn, CALL_TIMEOUT_MS, err, err_size);
    if (!r) {
        return 503;
    }
    bool ok = json_is_true(json_object_get(r, "succeeded"));
    long long rev = etcd_int(json_object_get(r, "header"), "revision");
    seen__(ha, r);
    json_decref(r);
    if (!ok) {
        ha->n_conflicts++;
        snprintf(err, err_size, "changed concurrently through another instance: read it again and retry");
        return 409;
    }
    if (!wait_applied__(ha, rev, time_msec() + APPLY_WAIT_MS)) {
        snprintf(err, err_size, "written to etcd at revision %lld but not applied here within %d ms",
                 rev, APPLY_WAIT_MS);
        return 503;
    }
    return 0;
}

int ha_commit(struct ha *ha, const char *tail, const char *body, char *err, size_t err_size)
{
    json_t *op = body ? put_op__(ha, tail, body)
                      : json_pack("{s:{s:o}}", "request_delete_range",
                                  "key", key_json__(ha, "objects", tail));
    json_t *txn = json_pack("{s:[o],s:[o]}", "compare", compare__(ha, tail), "success", op);
    return txn__(ha, txn, err, err_size);
}

/* Writes the puts gathered in '*ops' (if any) as one transaction, counts
 * them into '*n' if it succeeded, and starts a new list. */
static int flush_puts__(struct ha *ha, json_t **ops, size_t *n, char *err, size_t err_size)
{
    size_t k = json_array_size(*ops);
    int rc = k ? txn__(ha, json_pack("{s:O}", "success", *ops), err, err_size) : 0;

    *n += rc ? 0 : k;
    json_decref(*ops);
    *ops = json_array();
    return rc;
}

int ha_import(struct ha *ha, const struct vx_config *cfg, size_t *n, char *err, size_t err_size)
{
    json_t *ops = json_array();
    int rc = 0;

    *n = 0;
    for (int k = 0; k < EDIT_N_KINDS && !rc; k++) {
        for (size_t i = 0; i < edit_count(cfg, k) && !rc; i++) {
            const void *o = edit_object_at(cfg, k, i);
            char url[128];
            api_json_key_url(k, o, url, sizeof url);
            json_t *j = api_json_object(k, o);
            char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            json_array_append_new(ops, put_op__(ha, url + 4, body));
            free(body);
            json_decref(j);
            if (json_array_size(ops) == TXN_MAX_OPS) {
                rc = flush_puts__(ha, &ops, n, err, err_size);
            }
        }
    }
    if (!rc) {
        rc = flush_puts__(ha, &ops, n, err, err_size);
    }
    json_decref(ops);
    return rc;
}

/* --- life --- */

struct ha *ha_start(const struct ha_params *p, ha_changed_fn *changed, void *aux, char *err,
                    size_t err_size)
{
    struct ha *ha = xzalloc(sizeof *ha);

    if (!(ha->etcd = etcd_new(p->endpoints, err, err_size))) {
        free(ha);
        return NULL;
    }
    snprintf(ha->prefix, sizeof ha->prefix, "%s", p->prefix);
    while (strlen(ha->prefix) > 1 && ha->prefix[strlen(ha->prefix) - 1] == '/') {
        ha->prefix[strlen(ha->prefix) - 1] = '\0';
    }
    snprintf(ha->name, sizeof ha->name, "%s", p->name);
    snprintf(ha->advertise, sizeof ha->advertise, "%s", p->advertise);
    ha->ttl_s = p->ttl_s;
    ha->changed = changed;
    ha->ready = p->ready;
    ha->aux = aux;
    ha->warmup_until_ms = time_msec() + HA_WARMUP_MS;
    ha->members = json_object();
    ha->modrevs = json_object();
    publish__(ha);                  /* master of nothing until joined */
    rejoin__(ha, time_msec());
    if (!ha->listed) {
        VLOG_WARN("etcd (%s) does not answer yet: retrying every %d ms; master of nothing meanwhile",
                  p->endpoints, RETRY_MS);
    } else if (!ha->live) {
        VLOG_INFO("waiting for the switches to connect (at most %d s) before taking bridges over",
                  HA_WARMUP_MS / 1000);
    }
    return ha;
}

struct ha *ha_detached(const char *prefix, ha_changed_fn *changed, void *aux)
{
    struct ha *ha = xzalloc(sizeof *ha);

    snprintf(ha->prefix, sizeof ha->prefix, "%s", prefix);
    snprintf(ha->name, sizeof ha->name, "detached");
    ha->changed = changed;
    ha->aux = aux;
    ha->members = json_object();
    ha->modrevs = json_object();
    ha->listed = true;
    return ha;
}

void ha_feed(struct ha *ha, json_t *response)
{
    on_watch__(ha, response);
}

void ha_stop(struct ha *ha)
{
    char err[256];

    if (!ha) {
        return;
    }
    if (ha->live && ha->lease) {
        json_t *r = etcd_call(ha->etcd, "/v3/lease/revoke",
                              json_pack("{s:o}", "ID", int64_json__(ha->lease)), CALL_TIMEOUT_MS,
                              err, sizeof err);
        json_decref(r);
    }
    etcd_free(ha->etcd);
    json_decref(ha->members);
    json_decref(ha->modrevs);
    free(ha);
}

/* One Prometheus metric without labels. */
static void metric__(FILE *f, const char *name, const char *type, const char *help,
                     long long value)
{
    fprintf(f, "# HELP vxfabric_%s %s\n# TYPE vxfabric_%s %s\nvxfabric_%s %lld\n",
            name, help, name, type, name, value);
}

void ha_write_prometheus(const struct ha *ha, FILE *f)
{
    metric__(f, "ha_members", "gauge", "live instances in etcd's member set",
             (long long)json_object_size(ha->members));
    metric__(f, "ha_joined", "gauge", "1 while this instance holds its lease and watches",
             ha->live && !ha->next_join_ms);
    metric__(f, "ha_revision_applied", "gauge", "etcd revision applied to the model", ha->applied);
    metric__(f, "ha_watch_lag", "gauge", "revisions etcd reported that are not applied yet",
             ha->seen > ha->applied ? ha->seen - ha->applied : 0);
    metric__(f, "ha_generation", "gauge",
             "the role generation (revision of the last membership change)", ha->generation);
    metric__(f, "ha_membership_changes", "counter", "failovers and joins seen",
             (long long)ha->n_member_changes);
    metric__(f, "ha_lease_lost", "counter", "times this instance lost etcd and demoted itself",
             (long long)ha->n_lease_lost);
    metric__(f, "ha_events_refused", "counter", "etcd changes the model refused",
             (long long)ha->n_refused);
    metric__(f, "ha_write_conflicts", "counter", "API writes that lost to a concurrent write (409)",
             (long long)ha->n_conflicts);
}
