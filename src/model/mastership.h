/* Which instance masters which bridge, when several vxfabricd instances
 * share one fabric through etcd (#15, docs/ha.md).
 *
 * The main thread publishes the live member set it sees in etcd, its own
 * name, whether it holds its lease, and the generation of that member set
 * (the etcd revision of the last membership change, which only grows).
 * Every instance computes the same owner for a bridge by rendezvous
 * hashing of the datapath-id over the member names, so a join or a leave
 * moves only the bridges it must.  The workers ask for their bridges' role
 * and send ROLE_REQUEST accordingly; OVS refuses a generation lower than
 * the highest it has seen (OFPRRFC_STALE), which fences an old master.
 *
 * Without HA (the default single-host mode) nothing is published and every
 * bridge is MASTERSHIP_ALONE: programmed, and no role request is sent.
 *
 * Concurrency: one writer (the main thread); readers are online QSBR
 * threads.  A published view is immutable and freed after a grace
 * period. */
#ifndef VX_MASTERSHIP_H
#define VX_MASTERSHIP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mastership_role {
    MASTERSHIP_ALONE,           /* no HA: program the bridge, send no role request */
    MASTERSHIP_MASTER,
    MASTERSHIP_SLAVE,
};
const char *mastership_role_name(enum mastership_role);

#define MASTERSHIP_NAME_MAX 64

/* Writer: the members now (names, any order, 'n' of them), this instance's
 * name, whether it holds its lease ('live': false demotes it everywhere),
 * and the generation.  Copies everything. */
void mastership_publish(const char *const *members, size_t n, const char *self, bool live,
                        uint64_t generation);
/* Writer, at exit: frees the view (no reader may be running). */
void mastership_clear(void);

/* Reader: this instance's role for bridge 'dpid', and the generation to
 * send with it. */
enum mastership_role mastership_role(uint64_t dpid, uint64_t *generation);
/* Reader: the name of the member that owns 'dpid' ("" without HA or
 * members), into 'out'. */
void mastership_owner(uint64_t dpid, char out[MASTERSHIP_NAME_MAX]);
/* Reader: the number of live members (0 without HA). */
size_t mastership_members(void);

#endif
