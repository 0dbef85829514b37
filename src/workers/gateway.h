/* The external gateway's control plane on a gateway bridge (#16,
 * docs/gateway.md): ARP on the uplink.  The controller answers for the
 * external and floating IPs with the router's MAC, learns the next hop's
 * MAC (reported to the main thread, model/neighbor.h), probes the next hop
 * (every NEIGHBOR_PROBE_MS until it answers, then every
 * NEIGHBOR_REFRESH_MS), and sends gratuitous ARP for every address when
 * the set of addresses on the uplink changes (a new floating IP, the
 * bridge connecting).
 *
 * Contract: the worker thread that owns the connection, online (RCU
 * read-side); output goes to the connection's buffer. */
#ifndef VX_GATEWAY_H
#define VX_GATEWAY_H 1

#include <stdbool.h>
#include <stdint.h>

#include "proto/pkt.h"

struct conn;

/* Handles packet-in 'pi' from port 'in_port' (named 'port_name', NULL if
 * unknown) if that port is a gateway's uplink; returns false otherwise. */
bool gateway_packet_in(struct conn *, uint32_t in_port, const char *port_name,
                       const struct pkt_info *pi);

/* The connection's periodic work: probes and announcements.  Cheap when
 * the bridge is no gateway (one lookup). */
void gateway_tick(struct conn *);

#endif
