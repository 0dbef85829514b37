/* The change store: every API write the daemon acknowledged, in an SQLite
 * database (WAL, synchronous=FULL).  A change is committed before it is
 * applied and acknowledged, so a crash at any moment loses no acknowledged
 * change, and a change is a whole row or absent.
 *
 * Snapshot plus log: new changes are appended to a log; compaction (at
 * open, and every STORE_COMPACT_ROWS changes) folds the log into a
 * snapshot that keeps only the last change of each object.  At start and
 * on reload the snapshot is applied over the configuration file in one
 * batch, then the log change by change, so replay costs O(objects touched
 * + recent changes), not O(every write ever made).
 *
 * Main thread only (the model's single writer). */
#ifndef VX_STORE_H
#define VX_STORE_H 1

#include <stdbool.h>
#include <stddef.h>

#include "model/vxconf.h"

struct store;

/* Opens (creating if needed) the store at 'path'.  Returns NULL and writes
 * 'err' on failure.  The caller closes it with store_close(). */
struct store *store_open(const char *path, char *err, size_t err_size);
void store_close(struct store *);

/* Log rows that trigger a compaction. */
#define STORE_COMPACT_ROWS 10000

/* Folds the log into the snapshot, in one transaction.  Returns false
 * (store unchanged) on failure. */
bool store_compact(struct store *);

/* Commits one change: 'method' "PUT" or "DELETE" of 'url' with 'body'
 * (NULL for a DELETE).  Returns false if it is not durably stored. */
bool store_append(struct store *, const char *method, const char *url, const char *body);

/* Replays the changes stored at 'path' onto 'cfg' (the configuration file,
 * valid), in order, each validated as when it was accepted; one that no
 * longer applies (the file changed under it) is skipped and logged.  'cfg'
 * stays valid and sorted.  Returns false (with 'err') if the store cannot
 * be read. */
bool store_replay(const char *path, struct vx_config *cfg, size_t *n_applied,
                  size_t *n_skipped, char *err, size_t err_size);

/* One stored change: a PUT of 'url' with 'body', or a DELETE (body NULL).
 * The strings belong to whoever made it. */
struct store_change {
    long long seq;
    const char *method;
    const char *url;
    const char *body;
};

/* Replays one stored change onto sorted 'cfg', validated as when it was
 * accepted.  Returns false (logged, 'cfg' unchanged) if it is malformed or
 * no longer applies. */
bool store_apply_change(struct vx_config *cfg, const struct store_change *);

/* Applies changes 'ch' (a snapshot: at most one per object that counts,
 * the highest seq) onto sorted 'cfg' in one batch: each kind merged in,
 * bridges first so later kinds resolve against them, then one validation.
 * Returns false, 'cfg' unchanged, if the result is invalid.  O(cfg + n log
 * n) per kind.  Pure: used by store_replay and the fuzz target. */
bool store_apply_batch(struct vx_config *cfg, const struct store_change *ch, size_t n,
                       size_t *n_applied, size_t *n_skipped);

#endif
