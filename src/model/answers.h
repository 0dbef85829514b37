/* What the controller answers, decided from the model: one pure function
 * per service, shared by the packet-in path (workers/pktin.c), which
 * sends the answer, and the tracer (model/trace.c), which explains it, so
 * the two can never disagree.
 *
 * Contract: an RCU read-side section (an online QSBR reader, or the
 * writer); no I/O, no allocation; results are the caller's. */
#ifndef VX_ANSWERS_H
#define VX_ANSWERS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "model/model.h"
#include "proto/dhcp.h"

/* X(NAME, what the controller does) */
#define ANSWERS_ARP_VERDICTS(X) \
    X(ANSWERS_ARP_REPLY, "answers") \
    X(ANSWERS_ARP_NOT_REQUEST, "ignores it: not a request (every host's requests are answered)") \
    X(ANSWERS_ARP_BAD_SENDER, "refuses it: the sender address is not the host's own") \
    X(ANSWERS_ARP_GRATUITOUS, "ignores it: a gratuitous ARP (the model knows every address)") \
    X(ANSWERS_ARP_OWN_PROBE, "stays silent: a probe for the host's own address (RFC 5227)") \
    /* Last, the target nobody has (RFC 826 has no negative answer). */ \
    X(ANSWERS_ARP_UNKNOWN_TARGET, \
      "stays silent: no host or gateway has the target address in this network")
enum answers_arp_verdict { ANSWERS_ARP_VERDICTS(VX_X_ENUM) };
const char *answers_arp_verdict_text(enum answers_arp_verdict);

/* RFC 826 and RFC 5227: the answer to ARP operation 'op' from host 'src'
 * with sender address 'spa' for target 'tpa'.  On ANSWERS_ARP_REPLY, 'mac'
 * is the MAC that answers: a host of src's network, or its gateway. */
enum answers_arp_verdict answers_arp(const struct vx_host *src, uint16_t op, uint32_t spa,
                                     uint32_t tpa, uint8_t mac[6]);

/* answers_arp() in its two steps, for a caller that caches the second
 * (workers/pktcache.h).  The checks of the request against its sender:
 * ANSWERS_ARP_REPLY means "answer if someone has the target". */
enum answers_arp_verdict answers_arp_request(const struct vx_host *src, uint16_t op,
                                             uint32_t spa, uint32_t tpa);
/* Who answers ARP for address 'tpa' of network 'vni': its gateway (the
 * router's MAC, or the network's own) or the host that has it, in 'mac'.
 * False if nobody has it. */
bool answers_arp_target(uint32_t vni, uint32_t tpa, uint8_t mac[6]);

/* The part of every lease of network 'vni' that is the network's (all of
 * it but 'ip'); false if there is no such network. */
bool answers_dhcp_network(uint32_t vni, struct dhcp_lease *);

/* The lease of host 'src' (its reservation, with its network's options).
 * Returns false if its network is gone (a reader racing the writer). */
bool answers_dhcp_lease(const struct vx_host *src, struct dhcp_lease *);

/* Whether an ICMP packet from 'src' (IPv4 source 'ip_src') to 'ip_dst' is
 * an echo request ('icmp_type') the controller answers for src's
 * network's gateway (RFC 792); 'gw_mac' is then the gateway's MAC. */
bool answers_gateway_echo(const struct vx_host *src, uint32_t ip_src, uint32_t ip_dst,
                          uint8_t icmp_type, uint8_t gw_mac[6]);

/* Whether a packet from 'src' whose TTL expired in the router gets an ICMP
 * time exceeded (RFC 1812 4.3.2.2: never about another ICMP error), and
 * from which gateway ('gw_ip', 'gw_mac'). */
bool answers_time_exceeded(const struct vx_host *src, uint32_t ip_src, uint8_t ip_proto,
                           uint8_t icmp_type, uint32_t *gw_ip, uint8_t gw_mac[6]);

/* #16, ARP on a gateway's uplink ('port_name' of bridge 'dpid').  The
 * router whose gateway has that uplink and external or floating address
 * 'ip' (its MAC answers for it), or NULL. */
const struct vx_router *answers_uplink_owner(uint64_t dpid, const char *port_name, uint32_t ip);
/* Whether some gateway on that uplink has next hop 'ip'. */
bool answers_uplink_next_hop(uint64_t dpid, const char *port_name, uint32_t ip);
/* Whether that port is the uplink of a gateway. */
bool answers_is_uplink(uint64_t dpid, const char *port_name);

#endif
