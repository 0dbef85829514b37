/* Packet-in services: the ARP responder and the DHCP server.
 *
 * Run by the worker that owns the connection, on its hot path: the frame
 * is parsed in place, the model is read with RCU lookups (the worker is an
 * online QSBR reader), and the reply is built straight into the
 * connection's output buffer, which the loop flushes in batches.  No lock,
 * no allocation per packet (the output buffer only grows to its high-water
 * mark once).
 *
 * ARP (RFC 826): a request is answered only if it comes from a configured
 * host (bridge, in_port and source MAC), with that host's IP or 0.0.0.0 (a
 * probe, RFC 5227) as sender, and asks for a host of the same network or
 * the network's gateway.  The reply goes back out of the ingress port with
 * the answered MAC as Ethernet and ARP source.
 *
 * DHCP (RFC 2131): static reservations; see dhcp_decide().
 *
 * ICMP (RFC 792): echo requests to a network's gateway are answered from
 * the gateway; packets whose TTL expired in the router (OFPR_INVALID_TTL)
 * get a time exceeded from the sender's gateway. */
#ifndef VX_PKTIN_H
#define VX_PKTIN_H 1

#include <stdint.h>

#include <stdbool.h>

#include "proto/ofp_packet.h"

struct conn;

/* Token bucket per ingress port, so one flooding VM cannot starve the other
 * hosts of its bridge (limits from the config: packet_in_rate/burst). */
struct pktin_bucket {
    bool used;
    uint32_t tokens;
    uint64_t refill_ms;
};

/* Answers one decoded packet-in of 'c' (its frame borrowed for the call):
 * rate limit, parse, answer into c's output buffer.  The worker thread that
 * owns 'c', online for RCU. */
void pktin_handle(struct conn *, const struct of_packet_in *);

#endif
