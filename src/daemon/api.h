/* The HTTP/JSON API (libmicrohttpd + jansson), first slice: read the live
 * model, create/replace/delete hosts, and /metrics.
 *
 * Thread contract: the API runs in the main thread, the model's single
 * writer (libmicrohttpd in external-epoll mode, polled with the signal
 * fd), so API writes and SIGHUP reloads never race and need no lock.  A
 * write is validated exactly as the configuration file is, applied with
 * model_apply() as a change set, and only the affected bridges' workers
 * are told.  With a store, accepted changes survive restarts and crashes. */
#ifndef VX_API_H
#define VX_API_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct worker;
struct acceptor;

/* Called after each applied change with the bridges it affects. */
typedef void api_changed_fn(void *aux, const struct dpid_set *affected);

struct api;

/* HTTPS (#18): the server's key and certificate, and optionally the CA
 * whose client certificates are required (PEM text, not file names). */
struct api_tls {
    const char *key;
    const char *cert;
    const char *client_ca;      /* NULL: no client certificate asked for */
};

/* Listens on 'listen' ("tcp:IP:PORT"), over HTTPS if 'tls' is not NULL
 * (libmicrohttpd with GnuTLS).  'token', if not NULL or empty, is
 * required as "Authorization: Bearer TOKEN" on every request.  'store', if
 * not NULL or empty, is the SQLite database where every accepted change is
 * committed before it is applied and acknowledged.  Returns NULL and writes
 * 'err' on failure. */
struct api *api_start(const char *listen, const struct api_tls *tls, const char *token,
                      const char *store, api_changed_fn *, void *aux,
                      struct acceptor *, struct worker *workers, int n_workers,
                      char *err, size_t err_size);

/* The file descriptor to poll for readability. */
int api_fd(const struct api *);
/* How long the caller may sleep before calling api_run(), in ms (-1: no limit). */
int api_timeout_ms(const struct api *);
/* Handles whatever is ready.  Call from the main thread, RCU online. */
void api_run(struct api *);
void api_stop(struct api *);
/* Replaces the bearer token (empty or NULL: none), for a reload.  A NULL
 * 'api' is ignored. */
void api_set_token(struct api *, const char *token);
/* Sets what allocation uses (#17): the prefix of allocated MACs and how
 * long a released address stays in quarantine.  A NULL 'api' is ignored. */
void api_set_allocation(struct api *, const uint8_t mac_prefix[3], unsigned int quarantine_s);
/* Applies one host change ('url' /v1/hosts/VNI/MAC, its JSON 'body', or
 * NULL to delete) with the API's host rules and model_apply_host(): in
 * O(hosts of the bridge and networks concerned), not O(fabric).  Returns
 * false (logged, nothing changed) if the change is malformed or refused.
 * Main thread.  Used for etcd's host events (daemon/ha.h). */
bool api_apply_host_change(const char *url, const char *body, struct dpid_set *affected);

/* store = "etcd" (#15): object writes go through 'ha' (daemon/ha.h). */
struct ha;
void api_set_ha(struct api *, struct ha *);

#endif
