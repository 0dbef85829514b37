/* Next hops' MACs (#16): what the controller learned by ARP on a gateway
 * bridge's uplink, keyed by (bridge, next-hop IP).  The pipeline puts the
 * MAC in the gateway's egress flow; until a next hop is resolved, the
 * gateway has no egress flow and outbound packets are dropped there.
 *
 * Entries are never aged out: a next hop that stops answering keeps its
 * last MAC (the switch keeps forwarding to it), and the workers re-probe
 * every resolved next hop (NEIGHBOR_REFRESH_MS), so a changed MAC is
 * learned within that time, or at once from a gratuitous ARP.
 *
 * Concurrency: the model's contract.  One writer (the main thread, fed by
 * the workers' reports); readers are online QSBR threads. */
#ifndef VX_NEIGHBOR_H
#define VX_NEIGHBOR_H 1

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

#define NEIGHBOR_PROBE_MS 1000          /* ARP for an unresolved next hop */
#define NEIGHBOR_REFRESH_MS 30000       /* ARP for a resolved one */

/* Called by model_init() and model_destroy(). */
void neighbor_init(void);
void neighbor_destroy(void);

/* Reader: the MAC of next hop 'ip' seen on bridge 'dpid', or false. */
bool neighbor_lookup(uint64_t dpid, uint32_t ip, uint8_t mac[6]);

/* Writer: next hop 'ip' on bridge 'dpid' has MAC 'mac' now.  Adds 'dpid'
 * to 'affected' if that changes what was known. */
void neighbor_learn(uint64_t dpid, uint32_t ip, const uint8_t mac[6], struct dpid_set *affected);

#endif
