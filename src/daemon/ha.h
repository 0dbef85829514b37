/* The model in etcd, shared by several vxfabricd instances (#15,
 * docs/ha.md).
 *
 * Keys, under the configured prefix P:
 *   P/objects/<kind>/<key>   one per object, its value the API's JSON of
 *                            it: P/objects/hosts/3/52:21:f7:11:a6:10
 *                            (the API's URL without "/v1/")
 *   P/members/<name>         one per live instance, attached to its lease
 *
 * At start an instance takes a lease and puts its member key, lists P and
 * applies what it found, then watches P from the next revision.  Every
 * change arrives as a watch event and goes through the same validation and
 * diff as a reload or an API write (an event the model refuses is skipped,
 * logged and counted: every instance refuses the same one).  A compacted
 * revision makes the instance re-list and diff.  The member keys give the
 * member set, published to the workers (model/mastership.h) with the
 * revision of its last change as the generation.  An instance whose lease
 * runs out demotes itself on every bridge until it has rejoined.
 *
 * An API write on any instance is validated there, then written by an
 * etcd transaction that compares the key's mod_revision with the one the
 * instance has applied (creation: with none): a concurrent write wins or
 * loses whole, and the loser answers 409.  The reply waits until the
 * instance has applied the write's revision, so a client reads its writes.
 *
 * Contract: the main thread (the model's single writer), online. */
#ifndef VX_HA_H
#define VX_HA_H 1

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>

#include "model/model.h"

struct ha;

struct ha_params {
    const char *endpoints;      /* etcd_endpoints */
    const char *prefix;         /* etcd_prefix */
    const char *name;           /* instance_name */
    unsigned int ttl_s;         /* etcd_lease_ttl */
    const char *advertise;      /* what the member key says (the API's address) */
    /* Warm-up: the instance lists and watches at once, but puts its member
     * key (and so takes bridges over) only once 'ready' says every bridge
     * of the model is connected to it, or after HA_WARMUP_MS: a restarted
     * instance must not own bridges whose switches have not reconnected
     * to it yet (OVS waits up to max_backoff between attempts). */
    bool (*ready)(void *aux);
};
#define HA_WARMUP_MS 10000

/* Called with the bridges a watch event changed (to push their flows). */
typedef void ha_changed_fn(void *aux, const struct dpid_set *affected);

/* Joins the fabric: lease, member key, list, watch.  If etcd does not
 * answer yet, keeps trying from ha_run(); meanwhile the instance is master
 * of nothing.  Returns NULL (with 'err') only for a bad configuration. */
struct ha *ha_start(const struct ha_params *, ha_changed_fn *, void *aux, char *err,
                    size_t err_size);
/* Revokes the lease (the others take over at once) and frees. */
void ha_stop(struct ha *);

/* Event loop: the sockets to poll, how long to wait at most, and the work
 * after poll() returned. */
int ha_pollfds(struct ha *, struct pollfd *fds, int max);
int ha_timeout_ms(struct ha *);
void ha_run(struct ha *, const struct pollfd *fds, int n);

/* Writes object 'tail' ("hosts/3/52:21:...", the canonical URL without
 * "/v1/") with JSON 'body', or deletes it ('body' NULL), and waits until
 * this instance applied it.  Returns 0, or the HTTP status of the failure
 * with 'err': 409 when another write changed the object first, 503 when
 * etcd is unreachable or the write was not applied in time. */
int ha_commit(struct ha *, const char *tail, const char *body, char *err, size_t err_size);

/* Puts every object of 'cfg' (vxctl import), in transactions of at most
 * 128 operations, and waits until they are applied.  Returns 0 or an HTTP
 * status with 'err'; '*n' objects were written. */
int ha_import(struct ha *, const struct vx_config *cfg, size_t *n, char *err, size_t err_size);

/* Without etcd, for the fuzz target: an instance whose watch responses
 * come from ha_feed() (one parsed {"result": ...} object each). */
struct ha *ha_detached(const char *prefix, ha_changed_fn *, void *aux);
void ha_feed(struct ha *, json_t *response);

/* Prometheus lines: members, lease, revisions, watch lag, failovers. */
void ha_write_prometheus(const struct ha *, FILE *);

#endif
