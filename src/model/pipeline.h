/* The overlay pipeline: the flows a bridge must hold, computed from the
 * model.  A pure function of (bridge, its port numbers, the model): no I/O,
 * deterministic, testable without a switch.
 *
 *  table 0  ARP requests and DHCP (udp dst 67) from each local host, matched
 *           on (in_port, eth_src): to the controller.  Miss: goto 1.
 *  table 1  Source validation (anti-spoofing): (in_port, eth_src, ipv4_src)
 *           of each local host sets tun_id = its VNI, and metadata = its
 *           router's MAC when its network is routed, then goto 2.  The
 *           tunnel port: goto 3 (tun_id came from the VXLAN header).
 *           Miss: drop.
 *  table 2  Routing.  One flow per (router, member network D) on bridges
 *           with a host in a member network: (metadata = router MAC,
 *           eth_dst = router MAC, ipv4_dst in D's subnet) sets eth_src =
 *           router MAC, tun_id = D, decrements the TTL, goto 3.
 *           Matching the router in metadata rather than the source tun_id
 *           keeps this O(k) flows per router of k networks instead of
 *           O(k^2) (source x destination pairs), while a host of a network
 *           not on the router still cannot use it: its table-1 flow never
 *           writes that router's MAC.  Also, per local network with a
 *           gateway, ICMP to the gateway IP goes to the controller (which
 *           answers pings for it).  A TTL that dec_ttl finds expired makes
 *           the switch send an OFPR_INVALID_TTL packet-in, answered with
 *           ICMP time exceeded.  Miss: goto 3.
 *  table 3  Delivery, for every host of every network relevant to the
 *           bridge (networks with a local host, and networks routed to from
 *           one): (tun_id, ipv4_dst) sets eth_dst and outputs to the local
 *           port, or sets tun_dst to the remote bridge's endpoint and
 *           outputs to the tunnel port.  Every flow matches tun_id: the
 *           article's printed remote flows did not, which leaks between
 *           overlapping networks.  Miss: drop.
 *
 * With arp_responder = datapath (fabric-wide or per network; #20), ARP no
 * longer goes to the controller from table 0.  Table 1 validates it like
 * IPv4: (in_port, eth_src, arp_sha, arp_spa) of a local host sets tun_id
 * and goes to table 2, where one flow per (local network, address to
 * answer: its hosts and gateway) turns the request into the reply in place
 * (NXAST_REG_MOVE and set_field) and sends it back out of IN_PORT, and an
 * echo request to the gateway becomes its echo reply.  Any other validated
 * ARP goes to the controller (one table-2 flow).  ARP and gateway pings
 * then work while the controller is down; see docs/arp-responder.md.
 *
 * A router with an external gateway (#16, docs/gateway.md) adds, on every
 * bridge with a host in one of its networks, a table-2 flow per such
 * network that sends traffic for no member subnet towards the gateway
 * bridge (tun_dst, or table 4 on the gateway bridge itself).  The gateway
 * bridge holds the router's routing and delivery flows, and:
 *  table 0  ARP on the uplink to the controller;
 *  table 1  from the tunnel: routed traffic (eth_src = router) to table 3,
 *           a VM's traffic to the router to table 4 with metadata = router;
 *           from the uplink, to the external or a floating IP:
 *           metadata = router, ct(zone, nat, table=2), which reverses the
 *           NAT of established connections, so table 2 routes them;
 *  table 2  a new connection to a floating IP: ct(commit, nat(dst=host)),
 *           back to table 2;
 *  table 4  ct(commit, zone, nat(src=floating IP or external IP), table=5)
 *           per floating IP's host and per network that SNATs;
 *  table 5  after conntrack (ct_zone): eth_src = router, eth_dst = the next
 *           hop's MAC (learned by ARP, model/neighbor.h), dec_ttl, out of
 *           the uplink.
 * Anything else from the uplink misses table 1 and is dropped.
 *
 * Port numbers come from the switch (PORT_DESC/PORT_STATUS) by name; a host
 * configured by port number uses that number.  Hosts whose port is not
 * (yet) on the switch get no local flows; without the tunnel port, no
 * remote flows are installed.  Nor are remote delivery flows towards a host
 * its own bridge reports unbound (model/binding.h). */
#ifndef VX_PIPELINE_H
#define VX_PIPELINE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "proto/flowset.h"

/* Flow cookies (OF1.3.5 A.3.4.1: opaque to the switch) name the model
 * object each flow comes from and why, so that `ovs-ofctl dump-flows`
 * alone maps back to the model (GET /v1/cookies/C, vxctl explain-cookie):
 *
 *   bits 63-56  0x76 ('v'): a vxfabric flow; only these are read, diffed
 *               and deleted (PIPELINE_COOKIE under PIPELINE_COOKIE_MASK)
 *   bits 55-52  kind: enum pipeline_kind
 *   bits 51-48  role: enum pipeline_role
 *   bits 47-0   id: the host's or router's MAC, the network's VNI, 0 for
 *               the bridge's own flows
 *
 * The flow-diff engine compares flows by identity and instructions, never
 * by cookie, so flows written before cookies named objects (0x7678...,
 * still under the mask) are kept as they are, untouched, until they change. */
#define PIPELINE_COOKIE      UINT64_C(0x7600000000000000)
#define PIPELINE_COOKIE_MASK UINT64_C(0xff00000000000000)

enum pipeline_kind {
    PIPELINE_K_BRIDGE = 0,      /* the bridge's own: table misses, tunnel ingress */
    PIPELINE_K_HOST = 1,
    PIPELINE_K_NETWORK = 2,
    PIPELINE_K_ROUTER = 3,
    PIPELINE_K_GATEWAY = 4,     /* a router's external gateway; id: the router's MAC,
                                 * 0 for the ARP flow of an uplink routers share */
    PIPELINE_K_FLOATING = 5,    /* a floating IP; id: the address */
};

#define PIPELINE_ROLES(X) \
    X(MISS, "table miss") \
    X(TUNNEL_IN, "tunnel ingress: tun_id comes from the VXLAN header") \
    X(ARP_TO_CTL, "ARP request to the controller") \
    X(DHCP_TO_CTL, "DHCP to the controller") \
    X(SOURCE_IP, "IPv4 source validation, tags tun_id") \
    X(SOURCE_ARP, "ARP source validation, tags tun_id") \
    X(ARP_ANSWER, "ARP reply built in the datapath") \
    X(ARP_REST, "other ARP to the controller") \
    X(GATEWAY_ICMP, "ICMP to the gateway, to the controller") \
    X(GATEWAY_ECHO, "echo reply from the gateway, in the datapath") \
    X(ROUTE, "routing through the router's MAC") \
    X(DELIVER_LOCAL, "delivery to a local port") \
    X(DELIVER_REMOTE, "delivery through the tunnel")
/* The gateway's roles (#16), for kinds GATEWAY and FLOATING: numbered
 * from PIPELINE_R_GW_FIRST, they take the same four cookie bits as the
 * other kinds' roles (the kind tells them apart). */
#define PIPELINE_GW_ROLES(X) \
    X(TO_GATEWAY, "to outside: towards the router's gateway bridge") \
    X(ROUTED_IN, "routed traffic from the tunnel: not for outside") \
    X(UPLINK_ARP, "ARP on the uplink, to the controller") \
    X(UNNAT, "from outside: conntrack reverses the NAT, then routing") \
    X(SNAT, "to outside: source NAT to the router's external IP") \
    X(EMIT, "to outside: out of the uplink to the next hop") \
    X(FLOATING_IN, "from outside to a floating IP: conntrack, then routing") \
    X(FLOATING_DNAT, "a new connection to a floating IP: destination NAT to its host") \
    X(FLOATING_SNAT, "from a floating IP's host to outside: source NAT to the floating IP")
#define PIPELINE_ROLE_ENUM(NAME, TEXT) PIPELINE_R_##NAME,
enum pipeline_role {
    PIPELINE_ROLES(PIPELINE_ROLE_ENUM)
    PIPELINE_N_ROLES,
    PIPELINE_R_GW_BEFORE = 15,
    PIPELINE_GW_ROLES(PIPELINE_ROLE_ENUM)
    PIPELINE_R_GW_END
};
#undef PIPELINE_ROLE_ENUM
#define PIPELINE_R_GW_FIRST (PIPELINE_R_GW_BEFORE + 1)

static inline uint64_t pipeline_cookie(enum pipeline_kind kind, enum pipeline_role role,
                                       uint64_t id)
{
    return PIPELINE_COOKIE | (uint64_t)kind << 52 | (uint64_t)(role & 0xf) << 48
           | (id & UINT64_C(0xffffffffffff));
}

/* A cookie taken apart.  'valid' is false for a cookie that is not
 * vxfabric's, or that names no kind and role (a flow written before
 * cookies named objects). */
struct pipeline_cookie_info {
    bool valid;
    enum pipeline_kind kind;
    enum pipeline_role role;
    uint64_t id;
};
struct pipeline_cookie_info pipeline_cookie_parse(uint64_t cookie);
/* "host", "network", "router" or "bridge"; the role's description. */
const char *pipeline_kind_name(enum pipeline_kind);
const char *pipeline_role_name(enum pipeline_role);
const char *pipeline_role_text(enum pipeline_role);

enum pipeline_table {
    PIPELINE_T_CLASSIFY = 0,
    PIPELINE_T_SOURCE = 1,
    PIPELINE_T_ROUTE = 2,
    PIPELINE_T_DELIVER = 3,
    PIPELINE_T_NAT = 4,         /* gateway bridges only: source NAT */
    PIPELINE_T_EMIT = 5,        /* gateway bridges only: out of the uplink */
};

/* Resolves an interface name on the bridge to its OpenFlow port number. */
typedef bool pipeline_port_fn(const void *aux, const char *name, uint32_t *port_no);

/* Appends to 'out' the desired flows of bridge 'dpid' and sorts it.  Call
 * in an RCU read-side section (an online QSBR thread).  A bridge unknown to
 * the model gets no flows. */
void pipeline_compute(uint64_t dpid, pipeline_port_fn *, const void *aux,
                      struct flow_set *out);

#endif
