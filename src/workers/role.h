/* A connection's OpenFlow role (#15, OF1.3.5 6.3.7, docs/ha.md).
 *
 * With several vxfabricd instances sharing the fabric, each bridge has one
 * master (model/mastership.h).  The worker sends ROLE_REQUEST with the
 * role and the generation the main thread published, whenever they change;
 * OVS answers ROLE_REPLY, or OFPRRFC_STALE for a generation lower than the
 * highest it has seen.  A connection programs its bridge only once OVS has
 * confirmed it MASTER (no FLOW_MOD before ROLE_REPLY: ONOS-2885), and a
 * new master first re-reads the switch's flows, so its diff runs against
 * what the switch holds, never after a wipe.  A demotion stops programming
 * at once, before the switch answers.  Without HA (MASTERSHIP_ALONE) no
 * request is sent and the connection programs its bridge as before.
 *
 * Contract: the worker thread that owns the connection, online. */
#ifndef VX_ROLE_H
#define VX_ROLE_H 1

#include <stdbool.h>

#include "proto/ofp_msgs.h"

struct conn;

/* Sends a ROLE_REQUEST if the wanted role or generation changed. */
void role_sync(struct conn *);
/* ROLE_REPLY: records the confirmed role; a confirmed promotion restarts
 * the flow sync. */
void role_on_reply(struct conn *, const struct of_role *);
/* Returns true if 'e' answers our ROLE_REQUEST (and handles it). */
bool role_on_error(struct conn *, const struct of_error *);
/* Whether the connection may send FLOW_MODs. */
bool role_may_program(const struct conn *);
/* "alone", "master" or "slave": the role the switch confirmed (a pending
 * promotion reads "slave"). */
const char *role_name(const struct conn *);

#endif
