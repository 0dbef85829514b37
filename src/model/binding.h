/* Host bindings (#17): which ports each bridge has now, as its switch
 * reports them (PORT_DESC, PORT_STATUS), so that every bridge knows
 * whether a host is bound.  A host is bound when its port (by name or by
 * number) is on its bridge, unbound when its bridge has reported its ports
 * and that port is not among them, and unknown before the bridge has ever
 * reported (after a restart, say): unknown counts as bound, so a bridge
 * that has not connected yet never makes the others drop a host's flows.
 * A bridge that disconnects keeps its last report: a hypervisor that goes
 * away changes no flow elsewhere.
 *
 * The pipeline installs no delivery flow towards an unbound host on any
 * bridge (its local flows already follow its port); ARP for it is still
 * answered, from the model.
 *
 * Concurrency: the model's contract.  One writer (the main thread, fed by
 * the workers' reports); readers are online QSBR threads. */
#ifndef VX_BINDING_H
#define VX_BINDING_H 1

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct binding_port {
    uint32_t port_no;
    char name[VX_PORT_NAME_MAX + 1];
};

enum binding_state { BINDING_UNKNOWN, BINDING_BOUND, BINDING_UNBOUND };
const char *binding_state_name(enum binding_state);

/* Called by model_init() and model_destroy(). */
void binding_init(void);
void binding_destroy(void);

/* Writer: bridge 'dpid' has exactly 'ports' now (copied).  Adds to
 * 'affected' the bridges whose flows change because a host of 'dpid'
 * became bound or unbound. */
void binding_set_ports(uint64_t dpid, const struct binding_port *ports, size_t n,
                       struct dpid_set *affected);

/* Reader: the state of host 'h'. */
enum binding_state binding_host_state(const struct vx_host_cfg *h);

#endif
