#include "daemon/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "daemon/api_json.h"

#define VLOG_MODULE "store"

struct store {
    sqlite3 *db;
    size_t log_rows;            /* rows in 'changes' since the last compaction */
};

/* --- the change store (SQLite, WAL) ---
 *
 * Two tables.  'changes' is the log: one row per acknowledged API write,
 * in order, committed (synchronous=FULL: on disk) before the change is
 * applied and the reply sent, so a crash at any moment loses no
 * acknowledged change, and a change is either a whole row or absent.
 * 'snapshot' holds, per object (its canonical URL), the last change the
 * log had for it when it was compacted.  Compaction folds the log into
 * the snapshot and empties it, in one transaction. */

static const char schema__[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS changes ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " method TEXT NOT NULL, url TEXT NOT NULL, body TEXT);"
    "CREATE TABLE IF NOT EXISTS snapshot ("
    " url TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " method TEXT NOT NULL, body TEXT);";

static sqlite3 *open__(const char *path, char *err, size_t err_size)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    if (sqlite3_open(path, &db) != SQLITE_OK
        || sqlite3_exec(db, schema__, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, err_size, "api_store %s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

bool store_compact(struct store *store)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store->db,
                          "BEGIN IMMEDIATE;"
                          "INSERT OR REPLACE INTO snapshot (url, seq, method, body)"
                          " SELECT url, seq, method, body FROM changes"
                          " WHERE seq IN (SELECT MAX(seq) FROM changes GROUP BY url);"
                          "DELETE FROM changes;"
                          "COMMIT;", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        VLOG_ERR("api_store: compaction failed: %s", msg ? msg : sqlite3_errmsg(store->db));
        sqlite3_free(msg);
        sqlite3_exec(store->db, "ROLLBACK;", NULL, NULL, NULL);
        return false;
    }
    VLOG_INFO("api_store: compacted %zu logged changes into the snapshot", store->log_rows);
    store->log_rows = 0;
    return true;
}

bool store_append(struct store *store, const char *method, const char *url, const char *body)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(store->db,
                                 "INSERT INTO changes (method, url, body) VALUES (?, ?, ?)",
                                 -1, &st, NULL) == SQLITE_OK
              && sqlite3_bind_text(st, 1, method, -1, SQLITE_STATIC) == SQLITE_OK
              && sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC) == SQLITE_OK
              && (body ? sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(st, 3)) == SQLITE_OK
              && sqlite3_step(st) == SQLITE_DONE;     /* autocommit: one transaction */
    if (!ok) {
        VLOG_RL(VLL_ERR, "api_store: %s", sqlite3_errmsg(store->db));
    }
    sqlite3_finalize(st);
    if (ok && ++store->log_rows >= STORE_COMPACT_ROWS) {
        store_compact(store);   /* the change is committed either way */
    }
    return ok;
}

/* The number of rows in the log. */
static size_t log_rows__(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM changes", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW) {
        n = (size_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

struct store *store_open(const char *path, char *err, size_t err_size)
{
    sqlite3 *db = open__(path, err, err_size);
    if (!db) {
        return NULL;
    }
    struct store *store = xzalloc(sizeof *store);
    store->db = db;
    store->log_rows = log_rows__(db);
    if (store->log_rows) {
        store_compact(store);   /* what start-up just replayed */
    }
    return store;
}

void store_close(struct store *store)
{
    if (store) {
        sqlite3_close(store->db);
        free(store);
    }
}

/* --- replay --- */

/* A stored change, parsed as far as its URL.  Its strings belong to the
 * caller. */
struct stored__ {
    long long seq;
    const char *method;
    const char *url;
    const char *body;           /* NULL for a DELETE */
    enum edit_kind kind;
    union edit_object key;
};

/* Parses the method and URL of 'c' (its strings set).  Returns false if
 * they are malformed.  A PUT's missing body reads as "", a DELETE's body
 * as NULL. */
static bool parse__(struct stored__ *c)
{
    const char *rest;

    if (!c->url || !c->method || !api_json_route(c->url, &c->kind, &rest)
        || !api_json_parse_key(c->kind, rest, &c->key)) {
        return false;
    }
    if (!strcmp(c->method, "DELETE")) {
        c->body = NULL;
        return true;
    }
    if (!c->body) {
        c->body = "";
    }
    return !strcmp(c->method, "PUT");
}

bool store_apply_change(struct vx_config *cfg, const struct store_change *ch)
{
    struct stored__ c = { ch->seq, ch->method, ch->url, ch->body, EDIT_BRIDGE, { { 0 } } };
    union edit_object obj;
    struct vx_config next;
    struct api_error e;
    bool existed;

    if (!parse__(&c)) {
        VLOG_WARN("api_store: change %lld is malformed; skipped", ch->seq);
        return false;
    }
    if (!api_json_change(cfg, c.kind, &c.key, c.body, &next, &existed, &obj, &e)) {
        /* The file changed under it (e.g. its network is gone). */
        VLOG_WARN("api_store: change %lld (%s %s) no longer applies: %s; skipped",
                  ch->seq, ch->method, ch->url, e.msg);
        return false;
    }
    vxconf_free(cfg);
    *cfg = next;                /* sorted by api_json_change */
    return true;
}

/* The changes of kind 'k' among 'ch' as overrides of 'cfg' (which holds
 * the kinds before 'k' already), into 'ov' (room for 'n').  Returns how
 * many; '*n_skipped' counts those that do not parse. */
static size_t overrides_of_kind__(const struct vx_config *cfg, enum edit_kind k,
                                  const struct store_change *ch, size_t n,
                                  struct edit_override *ov, size_t *n_skipped)
{
    size_t m = 0;
    struct api_error e;

    for (size_t i = 0; i < n; i++) {
        struct stored__ c = { ch[i].seq, ch[i].method, ch[i].url, ch[i].body, EDIT_BRIDGE,
                              { { 0 } } };
        bool ok = parse__(&c);
        if (!ok && k == EDIT_BRIDGE) {  /* counted in one pass of the four */
            VLOG_WARN("api_store: snapshot entry %lld is malformed; skipped", c.seq);
            (*n_skipped)++;
        }
        if (!ok || c.kind != k) {
            continue;
        }
        struct edit_override *o = &ov[m];
        o->present = c.body != NULL;
        o->order = (uint64_t)c.seq;
        o->obj = c.key;
        if (c.body && !api_json_parse_object(cfg, k, &c.key, c.body, &o->obj, &e)) {
            VLOG_WARN("api_store: snapshot entry %lld (%s) no longer parses: %s; skipped",
                      c.seq, c.url, e.msg);
            (*n_skipped)++;
            continue;
        }
        m++;
    }
    return m;
}

bool store_apply_batch(struct vx_config *cfg, const struct store_change *ch, size_t n,
                       size_t *n_applied, size_t *n_skipped)
{
    struct vx_config next;
    struct edit_override *ov = xcalloc(n + 1, sizeof *ov);
    struct vx_errors errs = { 0, 0, NULL };
    size_t applied = 0, skipped = 0;

    edit_copy(cfg, &next);
    for (int k = 0; k < EDIT_N_KINDS; k++) {
        size_t m = overrides_of_kind__(&next, (enum edit_kind)k, ch, n, ov, &skipped);
        edit_apply_overrides(&next, (enum edit_kind)k, ov, m);
        applied += m;
    }
    free(ov);
    if (!edit_validate(&next, "api_store", &errs)) {
        VLOG_WARN("api_store: the snapshot no longer applies as a whole (%s); "
                  "replaying it change by change", errs.msgs[0]);
        vx_errors_clear(&errs);
        vxconf_free(&next);
        return false;
    }
    vxconf_sort(&next);
    vxconf_free(cfg);
    *cfg = next;
    *n_applied += applied;
    *n_skipped += skipped;
    return true;
}

/* The rows of 'sql' (seq, method, url, body), copied into '*out' (the
 * caller frees with free_changes__()).  Returns how many. */
static size_t read_changes__(sqlite3 *db, const char *sql, struct store_change **out)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        const char *cols[3];
        for (int i = 0; i < 3; i++) {
            cols[i] = (const char *)sqlite3_column_text(st, i + 1);
        }
        (*out)[n++] = (struct store_change) {
            sqlite3_column_int64(st, 0),
            cols[0] ? xstrdup(cols[0]) : NULL,
            cols[1] ? xstrdup(cols[1]) : NULL,
            cols[2] ? xstrdup(cols[2]) : NULL,
        };
    }
    sqlite3_finalize(st);
    return n;
}

static void free_changes__(struct store_change *ch, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)ch[i].method);
        free((char *)ch[i].url);
        free((char *)ch[i].body);
    }
    free(ch);
}

/* Replays the rows of 'sql' one by one. */
static void replay_rows__(sqlite3 *db, const char *sql, struct vx_config *cfg,
                          size_t *n_applied, size_t *n_skipped)
{
    struct store_change *ch;
    size_t n = read_changes__(db, sql, &ch);

    for (size_t i = 0; i < n; i++) {
        (*(store_apply_change(cfg, &ch[i]) ? n_applied : n_skipped))++;
    }
    free_changes__(ch, n);
}

/* The snapshot, as one batch if it still validates as a whole.  If not,
 * entry by entry: removals first, from hosts up, then additions from
 * bridges down, each validated alone, so that whatever applies, applies. */
static void replay_snapshot__(sqlite3 *db, struct vx_config *cfg, size_t *n_applied,
                              size_t *n_skipped)
{
    struct store_change *ch;
    size_t n = read_changes__(db, "SELECT seq, method, url, body FROM snapshot ORDER BY seq", &ch);
    bool whole = store_apply_batch(cfg, ch, n, n_applied, n_skipped);

    free_changes__(ch, n);
    if (whole) {
        return;
    }
    replay_rows__(db, "SELECT seq, method, url, body FROM snapshot WHERE method = 'DELETE'"
                      " ORDER BY seq DESC", cfg, n_applied, n_skipped);
    replay_rows__(db, "SELECT seq, method, url, body FROM snapshot WHERE method <> 'DELETE'"
                      " ORDER BY CASE substr(url, 1, 8) WHEN '/v1/brid' THEN 0"
                      " WHEN '/v1/netw' THEN 1 WHEN '/v1/rout' THEN 2 ELSE 3 END, seq",
                  cfg, n_applied, n_skipped);
}

bool store_replay(const char *path, struct vx_config *cfg, size_t *n_applied,
                  size_t *n_skipped, char *err, size_t err_size)
{
    sqlite3 *db = open__(path, err, err_size);

    *n_applied = *n_skipped = 0;
    if (!db) {
        return false;
    }
    vxconf_sort(cfg);
    replay_snapshot__(db, cfg, n_applied, n_skipped);
    replay_rows__(db, "SELECT seq, method, url, body FROM changes ORDER BY seq", cfg,
                  n_applied, n_skipped);
    sqlite3_close(db);
    return true;
}
