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
};

/* --- the change store (SQLite, WAL) ---
 *
 * One row per acknowledged API write, in order.  A row is committed
 * (synchronous=FULL: on disk) before the change is applied and the reply
 * sent, so a crash at any moment loses no acknowledged change, and a
 * change is either a whole row or absent: never half-applied. */

static sqlite3 *open__(const char *path, char *err, size_t err_size)
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
    return ok;
}

struct store *store_open(const char *path, char *err, size_t err_size)
{
    sqlite3 *db = open__(path, err, err_size);
    if (!db) {
        return NULL;
    }
    struct store *store = xzalloc(sizeof *store);
    store->db = db;
    return store;
}

void store_close(struct store *store)
{
    if (store) {
        sqlite3_close(store->db);
        free(store);
    }
}

bool store_replay(const char *path, struct vx_config *cfg, size_t *n_applied,
                      size_t *n_skipped, char *err, size_t err_size)
{
    sqlite3 *db = open__(path, err, err_size);
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
        union edit_object key, obj;
        struct vx_config next;
        struct api_error e;
        bool existed;
        enum edit_kind k;
        const char *rest;

        if (!url || !api_json_route(url, &k, &rest) || !api_json_parse_key(k, rest, &key)
            || !method || (strcmp(method, "PUT") && strcmp(method, "DELETE"))) {
            VLOG_WARN("api_store: change %lld is malformed; skipped", seq);
            (*n_skipped)++;
            continue;
        }
        if (!api_json_change(cfg, k, &key, strcmp(method, "PUT") ? NULL : body ? body : "",
                      &next, &existed, &obj, &e)) {
            /* The file changed under it (e.g. its network is gone). */
            VLOG_WARN("api_store: change %lld (%s %s) no longer applies: %s; skipped",
                      seq, method, url, e.msg);
            (*n_skipped)++;
            continue;
        }
        vxconf_free(cfg);
        *cfg = next;            /* sorted by api_json_change */
        (*n_applied)++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return true;
}

