/* A client of etcd v3 through its JSON gateway (etcd 3.4 serves /v3/... as
 * JSON over HTTP on the client port), with libcurl and jansson: no C
 * client is packaged in Debian.  Keys and values travel in base64, int64
 * fields as JSON strings, and fields at their default value are omitted
 * (a missing "kvs" is none, a missing "succeeded" is false).
 *
 * Unary calls (put, range, txn, lease grant) block the calling thread for
 * at most one timeout per endpoint, trying the endpoints in turn from the
 * last one that answered.  Streams (watch, lease keep-alive) never block:
 * their sockets join the owner's poll() through etcd_pollfds() and
 * etcd_run(), and each JSON object of the reply is handed over as soon as
 * it is complete.
 *
 * Contract: one thread (vxfabricd's main thread) owns a struct etcd and
 * everything made from it. */
#ifndef VX_ETCD_H
#define VX_ETCD_H 1

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct etcd;
struct etcd_stream;

/* A client of the comma-separated 'endpoints' ("http://127.0.0.1:2379,...").
 * Returns NULL and writes 'err' if there is none. */
struct etcd *etcd_new(const char *endpoints, char *err, size_t err_size);
/* Stops every stream and frees the client. */
void etcd_free(struct etcd *);

/* POSTs 'req' (the reference is taken) to 'path' ("/v3/kv/range").
 * Returns the reply object (the caller's reference) or NULL with 'err'. */
json_t *etcd_call(struct etcd *, const char *path, json_t *req, int timeout_ms,
                  char *err, size_t err_size);

/* One object of a stream's reply; the object is borrowed for the call. */
typedef void etcd_object_fn(void *aux, json_t *obj);
/* The stream ended: 'why' says how ("closed" when the server ended it). */
typedef void etcd_end_fn(void *aux, const char *why);

/* Starts a streaming POST of 'req' (taken) to 'path'.  The callbacks run
 * from etcd_run(); after 'end', the stream is freed by the client. */
struct etcd_stream *etcd_stream_start(struct etcd *, const char *path, json_t *req,
                                      etcd_object_fn *, etcd_end_fn *, void *aux);
/* Stops 's' without calling its 'end'. */
void etcd_stream_stop(struct etcd *, struct etcd_stream *s);

/* The sockets to poll for the streams: fills up to 'max' entries of 'fds'
 * and returns how many. */
int etcd_pollfds(struct etcd *, struct pollfd *fds, int max);
/* How long poll() may wait for the streams' sake (-1: no limit). */
int etcd_timeout_ms(struct etcd *);
/* Moves the streams on after poll() returned ('fds', 'n' as filled, with
 * revents). */
void etcd_run(struct etcd *, const struct pollfd *fds, int n);

/* Hands each complete JSON object at the head of 'buf' (whitespace
 * between them) to 'fn', until '*stop' (may be NULL) becomes true or an
 * object is incomplete.  Returns the bytes consumed.  A stream that never
 * completes an object is bounded by its caller's buffer cap. */
size_t etcd_split(const char *buf, size_t len, etcd_object_fn *fn, void *aux, const bool *stop);

/* Base64 of 'n' bytes of 's' as a JSON string, and back (NULL if
 * malformed; the caller frees).  'out_n' may be NULL. */
json_t *etcd_b64(const char *s, size_t n);
char *etcd_unb64(const char *b64, size_t *out_n);
/* The key just past every key starting with 'prefix' (its range_end). */
json_t *etcd_prefix_end(const char *prefix);
/* An int64 field that etcd sends as a string ("revision": "42"); 0 if
 * absent. */
long long etcd_int(const json_t *obj, const char *key);

#endif
