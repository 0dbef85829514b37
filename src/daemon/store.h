/* The change store: every API write the daemon acknowledged, in order, in
 * an SQLite database (WAL, synchronous=FULL).  A change is committed
 * before it is applied and acknowledged, so a crash at any moment loses no
 * acknowledged change, and a change is a whole row or absent.  At start
 * and on reload the changes are replayed over the configuration file.
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

#endif
