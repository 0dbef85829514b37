#include "model/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/binding.h"
#include "model/model.h"
#include "model/neighbor.h"
#include "proto/ofp_wire.h"
#include "proto/pkt.h"

#define PRIO_FLOATING_DNAT 220          /* table 2, gateway: new connections to a floating IP */
#define PRIO_GATEWAY_ECHO 210           /* table 2, datapath mode: echo replies */
#define PRIO_ROUTED_IN 120              /* table 1, gateway: routed traffic from the tunnel */
#define PRIO_TO_NAT 110                 /* table 1, gateway: a VM's traffic to outside */
#define PRIO_FLOATING_SNAT 200          /* table 4: a floating IP's host first */
#define PRIO_TO_GATEWAY 50              /* table 2: no member subnet matched */
#define PRIO_GATEWAY 200
#define PRIO_ARP_ANSWER 200             /* table 2, datapath ARP responder */
#define PRIO_HOST 100
#define PRIO_ARP_REST 1                 /* table 2: other ARP, to the controller */
#define PRIO_MISS 0

/* A sorted, unique list of VNIs, or of router MACs as numbers. */
struct vni_set { size_t n, cap; uint32_t *v; };
struct u64_set { size_t n, cap; uint64_t *v; };

struct pipeline_ctx {
    uint64_t dpid;
    pipeline_port_fn *port_fn;
    const void *aux;
    struct flow_set *out;
    bool has_tunnel;
    uint32_t tunnel_port;
    struct u64_set routers;     /* routers whose routing flows this bridge holds */
    struct u64_set uplinks;     /* uplink ports whose ARP flow is added */
};

static void add__(struct pipeline_ctx *ctx, uint8_t table, uint16_t prio, uint64_t cookie,
                  const struct of_match *m, const struct of_insts *i)
{
    flow_set_add(ctx->out, table, prio, cookie, m, i);
}

static uint64_t host_cookie__(enum pipeline_role role, const struct vx_host *h)
{
    return pipeline_cookie(PIPELINE_K_HOST, role, mac_to_u64(h->cfg.mac));
}

static uint64_t net_cookie__(enum pipeline_role role, uint32_t vni)
{
    return pipeline_cookie(PIPELINE_K_NETWORK, role, vni);
}

static const char *const role_names__[] = { PIPELINE_ROLES(VX_X_NAME) };
static const char *const role_texts__[] = { PIPELINE_ROLES(VX_X_TEXT) };
static const char *const gw_role_names__[] = { PIPELINE_GW_ROLES(VX_X_NAME) };
static const char *const gw_role_texts__[] = { PIPELINE_GW_ROLES(VX_X_TEXT) };

struct pipeline_cookie_info pipeline_cookie_parse(uint64_t cookie)
{
    struct pipeline_cookie_info ci = {
        .kind = (enum pipeline_kind)(cookie >> 52 & 0xf),
        .role = (enum pipeline_role)(cookie >> 48 & 0xf),
        .id = cookie & UINT64_C(0xffffffffffff),
    };
    bool gw = ci.kind == PIPELINE_K_GATEWAY || ci.kind == PIPELINE_K_FLOATING;
    if (gw) {
        ci.role = (enum pipeline_role)(ci.role + PIPELINE_R_GW_FIRST);
    }
    ci.valid = (cookie & PIPELINE_COOKIE_MASK) == PIPELINE_COOKIE
               && ci.kind <= PIPELINE_K_FLOATING
               && (gw ? ci.role < PIPELINE_R_GW_END : ci.role < PIPELINE_N_ROLES);
    return ci;
}

const char *pipeline_kind_name(enum pipeline_kind k)
{
    static const char *const names[] = { "bridge", "host", "network", "router", "gateway",
                                         "floating_ip" };
    return vx_name_at(names, ARRAY_SIZE(names), k);
}

const char *pipeline_role_name(enum pipeline_role r)
{
    return r >= PIPELINE_R_GW_FIRST
           ? vx_name_at(gw_role_names__, ARRAY_SIZE(gw_role_names__), r - PIPELINE_R_GW_FIRST)
           : vx_name_at(role_names__, ARRAY_SIZE(role_names__), r);
}

const char *pipeline_role_text(enum pipeline_role r)
{
    return r >= PIPELINE_R_GW_FIRST
           ? vx_name_at(gw_role_texts__, ARRAY_SIZE(gw_role_texts__), r - PIPELINE_R_GW_FIRST)
           : vx_name_at(role_texts__, ARRAY_SIZE(role_texts__), r);
}

static bool host_port__(const struct pipeline_ctx *ctx, const struct vx_host *h, uint32_t *port)
{
    if (h->cfg.port_no) {
        *port = h->cfg.port_no;
        return true;
    }
    return ctx->port_fn(ctx->aux, h->cfg.port_name, port);
}

/* Adds 'v' to 's'; returns false if it was there already.  Linear: these
 * sets hold a bridge's routers and uplinks, a handful. */
static bool u64_set_add__(struct u64_set *s, uint64_t v)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i] == v) {
            return false;
        }
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = v;
    return true;
}

static void vni_set_add__(struct vni_set *s, uint32_t vni)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i] == vni) {
            return;
        }
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = vni;
}

/* Whether network 'vni' answers ARP in the datapath. */
static bool arp_in_datapath__(uint32_t vni)
{
    const struct vx_network *net = model_network(vni);
    return net && model_arp_in_datapath(net);
}

/* Table 0: ARP requests and DHCP of a local host to the controller (ARP
 * only in controller mode: in datapath mode table 2 answers it). */
static void classify_flows__(struct pipeline_ctx *ctx, const struct vx_host *h, uint32_t port,
                             bool arp_datapath)
{
    struct of_match m;
    struct of_insts to_ctl;

    of_insts_init(&to_ctl);
    of_insts_output(&to_ctl, OFPP_CONTROLLER, OFPCML_NO_BUFFER);
    /* Only requests: the controller answers every one, so no host ever
     * needs to see (or send) a reply to another. */
    if (!arp_datapath) {
        of_match_init(&m);
        of_match_set(&m, OFF_IN_PORT, port);
        of_match_set_mac(&m, OFF_ETH_SRC, h->cfg.mac);
        of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_ARP);
        of_match_set(&m, OFF_ARP_OP, ARPOP_REQUEST);
        add__(ctx, PIPELINE_T_CLASSIFY, PRIO_HOST, host_cookie__(PIPELINE_R_ARP_TO_CTL, h),
              &m, &to_ctl);
    }
    /* DHCP to the server port, whatever the destination address, so
     * unicast RENEWING requests to the server identifier are caught too
     * (RFC 2131 4.4.5). */
    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, port);
    of_match_set_mac(&m, OFF_ETH_SRC, h->cfg.mac);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IP_PROTO, IPPROTO_UDP);
    of_match_set(&m, OFF_UDP_DST, 67);
    add__(ctx, PIPELINE_T_CLASSIFY, PRIO_HOST, host_cookie__(PIPELINE_R_DHCP_TO_CTL, h),
          &m, &to_ctl);
}

/* Table 1: source validation of IPv4 (in_port, eth_src, ipv4_src) and, in
 * datapath ARP mode, of ARP (in_port, eth_src, arp_sha, arp_spa): a
 * spoofed sender matches nothing and is dropped, so it is never answered. */
static void source_flows__(struct pipeline_ctx *ctx, const struct vx_host *h, uint32_t port,
                           bool arp_datapath)
{
    struct of_match m;
    struct of_insts i;
    uint8_t router_mac[6];

    of_insts_init(&i);
    of_insts_set_field(&i, OFF_TUN_ID, h->cfg.vni);
    if (model_router_mac_of(h->cfg.vni, router_mac)) {
        of_insts_write_metadata(&i, mac_to_u64(router_mac), UINT64_MAX);
    }
    of_insts_goto(&i, PIPELINE_T_ROUTE);

    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, port);
    of_match_set_mac(&m, OFF_ETH_SRC, h->cfg.mac);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IPV4_SRC, h->cfg.ip);
    add__(ctx, PIPELINE_T_SOURCE, PRIO_HOST, host_cookie__(PIPELINE_R_SOURCE_IP, h), &m, &i);
    if (arp_datapath) {
        of_match_init(&m);
        of_match_set(&m, OFF_IN_PORT, port);
        of_match_set_mac(&m, OFF_ETH_SRC, h->cfg.mac);
        of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_ARP);
        of_match_set(&m, OFF_ARP_SPA, h->cfg.ip);
        of_match_set_mac(&m, OFF_ARP_SHA, h->cfg.mac);
        add__(ctx, PIPELINE_T_SOURCE, PRIO_HOST, host_cookie__(PIPELINE_R_SOURCE_ARP, h),
              &m, &i);
    }
}

static void local_host_flows__(struct pipeline_ctx *ctx, const struct vx_host *h, uint32_t port)
{
    bool arp_datapath = arp_in_datapath__(h->cfg.vni);

    classify_flows__(ctx, h, port, arp_datapath);
    source_flows__(ctx, h, port, arp_datapath);
}

/* The start of a reply built in place from the request: back to the
 * sender (eth_dst = eth_src), from 'mac'. */
static void reply_start__(struct of_insts *i, const uint8_t mac[6])
{
    of_insts_init(i);
    of_insts_move(i, OFF_ETH_SRC, OFF_ETH_DST);
    of_insts_set_field(i, OFF_ETH_SRC, mac_to_u64(mac));
}

/* Sends the reply out of the port the request came in by. */
static void reply_add__(struct pipeline_ctx *ctx, uint16_t prio, uint64_t cookie,
                        const struct of_match *m, struct of_insts *i)
{
    of_insts_output(i, OFPP_IN_PORT, 0);
    add__(ctx, PIPELINE_T_ROUTE, prio, cookie, m, i);
}

/* Table 2, datapath ARP mode: a validated ARP request in network 'vni' for
 * 'ip' becomes, in place, the reply from 'mac', sent back out of its port:
 * eth_dst = eth_src, eth_src = mac, op = reply, tha/tpa = sha/spa,
 * sha/spa = mac/ip (RFC 826). */
static void arp_answer_flow__(struct pipeline_ctx *ctx, uint32_t vni, uint32_t ip,
                              const uint8_t mac[6], uint64_t cookie)
{
    struct of_match m;
    struct of_insts i;

    of_match_init(&m);
    of_match_set(&m, OFF_TUN_ID, vni);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_ARP);
    of_match_set(&m, OFF_ARP_OP, ARPOP_REQUEST);
    of_match_set(&m, OFF_ARP_TPA, ip);
    reply_start__(&i, mac);
    of_insts_set_field(&i, OFF_ARP_OP, ARPOP_REPLY);
    of_insts_move(&i, OFF_ARP_SHA, OFF_ARP_THA);
    of_insts_move(&i, OFF_ARP_SPA, OFF_ARP_TPA);
    of_insts_set_field(&i, OFF_ARP_SHA, mac_to_u64(mac));
    of_insts_set_field(&i, OFF_ARP_SPA, ip);
    reply_add__(ctx, PRIO_ARP_ANSWER, cookie, &m, &i);
}

/* The answers for local network 'vni' in datapath mode: every host of the
 * network, and its gateway. */
static void arp_answer_flows__(struct pipeline_ctx *ctx, uint32_t vni)
{
    const struct vx_network *net = model_network(vni);
    struct cds_lfht_iter it;
    const struct vx_host *h;

    if (!net) {
        return;
    }
    for (h = model_hosts_in_network(vni, &it); h; h = model_next_in_network(vni, &it)) {
        arp_answer_flow__(ctx, vni, h->cfg.ip, h->cfg.mac,
                          host_cookie__(PIPELINE_R_ARP_ANSWER, h));
    }
    if (net->cfg.gateway) {
        uint8_t gw_mac[6];
        model_gateway_mac(vni, gw_mac);
        arp_answer_flow__(ctx, vni, net->cfg.gateway, gw_mac,
                          net_cookie__(PIPELINE_R_ARP_ANSWER, vni));
    }
}

/* Table 2: validated ARP that no answer matched (an unknown target, a
 * reply, a gratuitous ARP) goes to the controller, which counts it and
 * answers what it can. */
static void arp_rest_flow__(struct pipeline_ctx *ctx)
{
    struct of_match m;
    struct of_insts i;

    of_match_init(&m);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_ARP);
    of_insts_init(&i);
    of_insts_output(&i, OFPP_CONTROLLER, OFPCML_NO_BUFFER);
    add__(ctx, PIPELINE_T_ROUTE, PRIO_ARP_REST,
          pipeline_cookie(PIPELINE_K_BRIDGE, PIPELINE_R_ARP_REST, 0), &m, &i);
}

static void router_flows__(struct pipeline_ctx *ctx, const struct vx_router *r)
{
    uint64_t rmac = mac_to_u64(r->cfg.mac);

    for (int k = 0; k < r->cfg.n_networks; k++) {
        const struct vx_network *dst = model_network(r->cfg.networks[k]);
        struct of_match m;
        struct of_insts i;

        if (!dst) {
            continue;
        }
        of_match_init(&m);
        of_match_set(&m, OFF_METADATA, rmac);
        of_match_set(&m, OFF_ETH_DST, rmac);
        of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
        of_match_set_masked(&m, OFF_IPV4_DST, dst->cfg.subnet, prefix_to_mask(dst->cfg.prefix));
        of_insts_init(&i);
        of_insts_set_field(&i, OFF_ETH_SRC, rmac);
        of_insts_set_field(&i, OFF_TUN_ID, dst->cfg.vni);
        of_insts_dec_nw_ttl(&i);
        of_insts_goto(&i, PIPELINE_T_DELIVER);
        add__(ctx, PIPELINE_T_ROUTE, PRIO_HOST,
              pipeline_cookie(PIPELINE_K_ROUTER, PIPELINE_R_ROUTE, rmac), &m, &i);
    }
}

/* Table 2, datapath ARP mode: an echo request to the gateway of network
 * 'net' becomes, in place, the gateway's echo reply (RFC 792), so the
 * gateway answers pings while the controller is down, as it answers ARP.
 * OVS fixes the IP and ICMP checksums after set_field. */
static void gateway_echo_flow__(struct pipeline_ctx *ctx, const struct vx_network *net)
{
    struct of_match m;
    struct of_insts i;
    uint8_t gw_mac[6];

    model_gateway_mac(net->cfg.vni, gw_mac);
    of_match_init(&m);
    of_match_set(&m, OFF_TUN_ID, net->cfg.vni);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IP_PROTO, IPPROTO_ICMP);
    of_match_set(&m, OFF_IPV4_DST, net->cfg.gateway);
    of_match_set(&m, OFF_ICMPV4_TYPE, ICMP_ECHO);
    reply_start__(&i, gw_mac);
    of_insts_move(&i, OFF_IPV4_SRC, OFF_IPV4_DST);
    of_insts_set_field(&i, OFF_IPV4_SRC, net->cfg.gateway);
    of_insts_set_field(&i, OFF_ICMPV4_TYPE, ICMP_ECHOREPLY);
    reply_add__(ctx, PRIO_GATEWAY_ECHO, net_cookie__(PIPELINE_R_GATEWAY_ECHO, net->cfg.vni),
                &m, &i);
}

/* Table 2: ICMP to a local network's gateway goes to the controller, which
 * answers pings for it (in datapath mode, echo requests are answered by a
 * flow first).  Matching tun_id means the source was validated by table 1;
 * one flow per local network, whatever the gateway's MAC. */
static void gateway_flow__(struct pipeline_ctx *ctx, uint32_t vni)
{
    const struct vx_network *net = model_network(vni);
    struct of_match m;
    struct of_insts i;

    if (!net || !net->cfg.gateway) {
        return;
    }
    if (model_arp_in_datapath(net)) {
        gateway_echo_flow__(ctx, net);
    }
    of_match_init(&m);
    of_match_set(&m, OFF_TUN_ID, vni);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IP_PROTO, IPPROTO_ICMP);
    of_match_set(&m, OFF_IPV4_DST, net->cfg.gateway);
    of_insts_init(&i);
    of_insts_output(&i, OFPP_CONTROLLER, OFPCML_NO_BUFFER);
    add__(ctx, PIPELINE_T_ROUTE, PRIO_GATEWAY, net_cookie__(PIPELINE_R_GATEWAY_ICMP, vni),
          &m, &i);
}

/* --- the external gateway (#16) --- */

static uint64_t gw_cookie__(enum pipeline_role role, const struct vx_router *r)
{
    return pipeline_cookie(PIPELINE_K_GATEWAY, role, mac_to_u64(r->cfg.mac));
}

static uint64_t floating_cookie__(enum pipeline_role role, const struct vx_floating_ip *f)
{
    return pipeline_cookie(PIPELINE_K_FLOATING, role, f->ip);
}

/* Table 2, on a bridge with a host in network 'vni' of router 'r': IPv4
 * to the router's MAC that no member subnet matched goes to the gateway
 * bridge (table 4 there, through the tunnel; table 4 here if this is it).
 * Matching tun_id keeps traffic from outside (tun_id 0) from going back. */
/* IPv4 sent to router 'rmac' with fields 'f1' = 'v1' (which network: its
 * tun_id, or which external address) and 'f2' = 'v2' (where from:
 * metadata = the router in table 2, a port in table 1). */
static void to_router_match__(struct of_match *m, uint64_t rmac, enum of_field f1, uint64_t v1,
                              enum of_field f2, uint64_t v2)
{
    of_match_init(m);
    of_match_set(m, f2, v2);
    of_match_set(m, OFF_ETH_DST, rmac);
    of_match_set(m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(m, f1, v1);
}

static void to_gateway_flow__(struct pipeline_ctx *ctx, const struct vx_router *r, uint32_t vni)
{
    const struct vx_bridge *gb = model_bridge(r->cfg.gateway.dpid);
    uint64_t rmac = mac_to_u64(r->cfg.mac);
    struct of_match m;
    struct of_insts i;

    to_router_match__(&m, rmac, OFF_TUN_ID, vni, OFF_METADATA, rmac);
    of_insts_init(&i);
    if (r->cfg.gateway.dpid == ctx->dpid) {
        of_insts_goto(&i, PIPELINE_T_NAT);
    } else if (gb && ctx->has_tunnel) {
        of_insts_set_field(&i, OFF_TUN_DST, gb->cfg.tun_ip);
        of_insts_output(&i, ctx->tunnel_port, 0);
    } else {
        return;
    }
    add__(ctx, PIPELINE_T_ROUTE, PRIO_TO_GATEWAY, gw_cookie__(PIPELINE_R_TO_GATEWAY, r), &m, &i);
}

/* Table 1 on the gateway bridge, from the tunnel: routed traffic (source
 * MAC the router's) is delivered; a VM's traffic to the router (for no
 * member subnet, or its source bridge would have routed it) goes to NAT. */
static void gw_tunnel_flows__(struct pipeline_ctx *ctx, const struct vx_router *r)
{
    uint64_t rmac = mac_to_u64(r->cfg.mac);
    struct of_match m;
    struct of_insts i;

    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, ctx->tunnel_port);
    of_match_set(&m, OFF_ETH_SRC, rmac);
    of_insts_init(&i);
    of_insts_goto(&i, PIPELINE_T_DELIVER);
    add__(ctx, PIPELINE_T_SOURCE, PRIO_ROUTED_IN, gw_cookie__(PIPELINE_R_ROUTED_IN, r), &m, &i);
    for (int k = 0; k < r->cfg.n_networks; k++) {
        to_router_match__(&m, rmac, OFF_TUN_ID, r->cfg.networks[k], OFF_IN_PORT, ctx->tunnel_port);
        of_insts_init(&i);
        of_insts_write_metadata(&i, rmac, UINT64_MAX);
        of_insts_goto(&i, PIPELINE_T_NAT);
        add__(ctx, PIPELINE_T_SOURCE, PRIO_TO_NAT, gw_cookie__(PIPELINE_R_TO_GATEWAY, r), &m, &i);
    }
}

/* Table 1, from the uplink to external address 'ip' of router 'r': the
 * router in metadata, then conntrack in its zone with the NAT reversed,
 * continuing at table 2 (ct() recirculates; goto could not go back). */
static void gw_inbound_flow__(struct pipeline_ctx *ctx, const struct vx_router *r, uint32_t uplink,
                              uint32_t ip, uint64_t cookie)
{
    uint64_t rmac = mac_to_u64(r->cfg.mac);
    struct of_match m;
    struct of_insts i;

    to_router_match__(&m, rmac, OFF_IPV4_DST, ip, OFF_IN_PORT, uplink);
    of_insts_init(&i);
    of_insts_set_field(&i, OFF_METADATA, rmac);
    of_insts_ct(&i, false, vxconf_router_zone(&r->cfg), PIPELINE_T_ROUTE, OF_NAT_REVERSE, 0);
    add__(ctx, PIPELINE_T_SOURCE, PRIO_HOST, cookie, &m, &i);
}

/* Table 4: source NAT of the router's traffic to outside (matched on the
 * router in metadata and the source network), committed in its zone,
 * then table 5. */
static void gw_snat_flow__(struct pipeline_ctx *ctx, const struct vx_router *r, uint16_t prio,
                           uint32_t vni, uint32_t src_ip, uint32_t to_ip, uint64_t cookie)
{
    struct of_match m;
    struct of_insts i;

    of_match_init(&m);
    of_match_set(&m, OFF_METADATA, mac_to_u64(r->cfg.mac));
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_TUN_ID, vni);
    if (src_ip) {
        of_match_set(&m, OFF_IPV4_SRC, src_ip);
    }
    of_insts_init(&i);
    of_insts_ct(&i, true, vxconf_router_zone(&r->cfg), PIPELINE_T_EMIT, OF_NAT_SRC, to_ip);
    add__(ctx, PIPELINE_T_NAT, prio, cookie, &m, &i);
}

/* A floating IP: in from the uplink (table 1), a new inbound connection
 * DNATed to its host (table 2), its host's traffic SNATed to it (table 4). */
static void gw_floating_flows__(struct pipeline_ctx *ctx, const struct vx_router *r,
                                const struct vx_floating_ip *f, bool has_uplink, uint32_t uplink)
{
    const struct vx_host *h = model_floating_host(r, f);
    uint16_t zone = vxconf_router_zone(&r->cfg);
    struct of_match m;
    struct of_insts i;

    if (!h) {
        return;                 /* its host was removed: the address is unused */
    }
    if (has_uplink) {
        gw_inbound_flow__(ctx, r, uplink, f->ip, floating_cookie__(PIPELINE_R_FLOATING_IN, f));
    }
    of_match_init(&m);
    of_match_set_masked(&m, OFF_CT_STATE, OF_CT_NEW | OF_CT_TRK, OF_CT_NEW | OF_CT_TRK);
    of_match_set(&m, OFF_CT_ZONE, zone);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IPV4_DST, f->ip);
    of_insts_init(&i);
    of_insts_ct(&i, true, zone, PIPELINE_T_ROUTE, OF_NAT_DST, h->cfg.ip);
    add__(ctx, PIPELINE_T_ROUTE, PRIO_FLOATING_DNAT,
          floating_cookie__(PIPELINE_R_FLOATING_DNAT, f), &m, &i);
    gw_snat_flow__(ctx, r, PRIO_FLOATING_SNAT, h->cfg.vni, h->cfg.ip, f->ip,
                   floating_cookie__(PIPELINE_R_FLOATING_SNAT, f));
}

/* Table 0: ARP on an uplink goes to the controller, which answers for the
 * external and floating IPs and learns the next hop; once per uplink. */
static void gw_uplink_arp_flow__(struct pipeline_ctx *ctx, uint32_t uplink)
{
    struct of_match m;
    struct of_insts i;

    if (!u64_set_add__(&ctx->uplinks, uplink)) {
        return;
    }
    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, uplink);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_ARP);
    of_insts_init(&i);
    of_insts_output(&i, OFPP_CONTROLLER, OFPCML_NO_BUFFER);
    /* id 0: routers may share an uplink, and a cookie naming one of them
     * would depend on which comes first. */
    add__(ctx, PIPELINE_T_CLASSIFY, PRIO_HOST,
          pipeline_cookie(PIPELINE_K_GATEWAY, PIPELINE_R_UPLINK_ARP, 0), &m, &i);
}

/* Table 5: after conntrack in the router's zone, out of the uplink from
 * the router's MAC to the next hop's, one hop further (RFC 1812 5.3.1).
 * None until the next hop's MAC is known. */
static void gw_emit_flow__(struct pipeline_ctx *ctx, const struct vx_router *r, uint32_t uplink)
{
    uint8_t nh[6];
    struct of_match m;
    struct of_insts i;

    if (!neighbor_lookup(ctx->dpid, r->cfg.gateway.next_hop, nh)) {
        return;
    }
    of_match_init(&m);
    of_match_set(&m, OFF_CT_ZONE, vxconf_router_zone(&r->cfg));
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_insts_init(&i);
    of_insts_set_field(&i, OFF_ETH_SRC, mac_to_u64(r->cfg.mac));
    of_insts_set_field(&i, OFF_ETH_DST, mac_to_u64(nh));
    of_insts_dec_nw_ttl(&i);
    of_insts_output(&i, uplink, 0);
    add__(ctx, PIPELINE_T_EMIT, PRIO_HOST, gw_cookie__(PIPELINE_R_EMIT, r), &m, &i);
}

/* The flows of router 'r''s gateway on this, its gateway bridge. */
static void gateway_flows__(struct pipeline_ctx *ctx, const struct vx_router *r)
{
    const struct vx_gateway_cfg *g = &r->cfg.gateway;
    uint32_t uplink = 0;
    bool has_uplink = ctx->port_fn(ctx->aux, g->uplink, &uplink);

    if (ctx->has_tunnel) {
        gw_tunnel_flows__(ctx, r);
    }
    for (int k = 0; k < r->cfg.n_networks; k++) {
        const struct vx_network *n = model_network(r->cfg.networks[k]);
        to_gateway_flow__(ctx, r, r->cfg.networks[k]);
        if (n && !n->cfg.no_snat) {
            gw_snat_flow__(ctx, r, PRIO_HOST, n->cfg.vni, 0, g->external_ip,
                           gw_cookie__(PIPELINE_R_SNAT, r));
        }
    }
    for (int k = 0; k < r->cfg.n_floating; k++) {
        gw_floating_flows__(ctx, r, &r->cfg.floating[k], has_uplink, uplink);
    }
    if (has_uplink) {
        gw_uplink_arp_flow__(ctx, uplink);
        gw_inbound_flow__(ctx, r, uplink, g->external_ip, gw_cookie__(PIPELINE_R_UNNAT, r));
        gw_emit_flow__(ctx, r, uplink);
    }
}

static void delivery_flow__(struct pipeline_ctx *ctx, const struct vx_host *h)
{
    struct of_match m;
    struct of_insts i;
    uint32_t port;

    of_match_init(&m);
    of_match_set(&m, OFF_ETH_TYPE, ETHERTYPE_IP);
    of_match_set(&m, OFF_IPV4_DST, h->cfg.ip);
    of_match_set(&m, OFF_TUN_ID, h->cfg.vni);
    of_insts_init(&i);
    enum pipeline_role role = PIPELINE_R_DELIVER_LOCAL;
    if (h->cfg.dpid == ctx->dpid) {
        if (!host_port__(ctx, h, &port)) {
            return;
        }
        of_insts_set_field(&i, OFF_ETH_DST, mac_to_u64(h->cfg.mac));
        of_insts_output(&i, port, 0);
    } else {
        const struct vx_bridge *rb = model_bridge(h->cfg.dpid);
        if (!rb || !ctx->has_tunnel || binding_host_state(&h->cfg) == BINDING_UNBOUND) {
            return;             /* an unbound host gets no traffic (#17) */
        }
        of_insts_set_field(&i, OFF_TUN_DST, rb->cfg.tun_ip);
        of_insts_output(&i, ctx->tunnel_port, 0);
        role = PIPELINE_R_DELIVER_REMOTE;
    }
    add__(ctx, PIPELINE_T_DELIVER, PRIO_HOST, host_cookie__(role, h), &m, &i);
}

static void miss_flow__(struct pipeline_ctx *ctx, uint8_t table, int goto_table)
{
    struct of_match m;
    struct of_insts i;

    of_match_init(&m);
    of_insts_init(&i);
    if (goto_table >= 0) {
        of_insts_goto(&i, (uint8_t)goto_table);
    }
    add__(ctx, table, PRIO_MISS, pipeline_cookie(PIPELINE_K_BRIDGE, PIPELINE_R_MISS, 0), &m, &i);
}

void pipeline_compute(uint64_t dpid, pipeline_port_fn *port_fn, const void *aux,
                      struct flow_set *out)
{
    struct pipeline_ctx ctx = { dpid, port_fn, aux, out, false, 0, { 0, 0, NULL },
                                { 0, 0, NULL } };
    const struct vx_bridge *b = model_bridge(dpid);
    struct vni_set local = { 0, 0, NULL }, relevant = { 0, 0, NULL };
    struct cds_lfht_iter it;
    const struct vx_host *h;

    if (!b) {
        flow_set_sort(out);
        return;
    }
    ctx.has_tunnel = port_fn(aux, b->cfg.tun_port, &ctx.tunnel_port);

    miss_flow__(&ctx, PIPELINE_T_CLASSIFY, PIPELINE_T_SOURCE);
    miss_flow__(&ctx, PIPELINE_T_SOURCE, -1);
    miss_flow__(&ctx, PIPELINE_T_ROUTE, PIPELINE_T_DELIVER);
    miss_flow__(&ctx, PIPELINE_T_DELIVER, -1);
    if (ctx.has_tunnel) {
        struct of_match m;
        struct of_insts i;
        of_match_init(&m);
        of_match_set(&m, OFF_IN_PORT, ctx.tunnel_port);
        of_insts_init(&i);
        of_insts_goto(&i, PIPELINE_T_DELIVER);
        add__(&ctx, PIPELINE_T_SOURCE, PRIO_HOST,
              pipeline_cookie(PIPELINE_K_BRIDGE, PIPELINE_R_TUNNEL_IN, 0), &m, &i);
    }

    for (h = model_hosts_on_bridge(dpid, &it); h; h = model_next_on_bridge(dpid, &it)) {
        uint32_t port;
        vni_set_add__(&local, h->cfg.vni);
        if (host_port__(&ctx, h, &port)) {
            local_host_flows__(&ctx, h, port);
        }
    }

    /* Relevant networks: local ones, and those routed to from them. */
    bool any_arp_datapath = false;
    for (size_t i = 0; i < local.n; i++) {
        uint8_t rmac[6];
        vni_set_add__(&relevant, local.v[i]);
        gateway_flow__(&ctx, local.v[i]);
        if (arp_in_datapath__(local.v[i])) {
            arp_answer_flows__(&ctx, local.v[i]);
            any_arp_datapath = true;
        }
        if (!model_router_mac_of(local.v[i], rmac)) {
            continue;
        }
        const struct vx_router *r = model_router(rmac);
        if (!r) {
            continue;
        }
        for (int k = 0; k < r->cfg.n_networks; k++) {
            vni_set_add__(&relevant, r->cfg.networks[k]);
        }
        /* Each router once, however many of its networks are local. */
        if (u64_set_add__(&ctx.routers, mac_to_u64(rmac))) {
            router_flows__(&ctx, r);
        }
        if (r->cfg.gateway.dpid && r->cfg.gateway.dpid != dpid) {
            to_gateway_flow__(&ctx, r, local.v[i]);
        }
    }

    /* Gateway bridge: all of its routers' networks are relevant. */
    const struct vx_router *gr = model_gateways_on_bridge(dpid, &it);
    bool gateway = gr != NULL;
    for (; gr; gr = model_next_gateway_on_bridge(dpid, &it)) {
        for (int k = 0; k < gr->cfg.n_networks; k++) {
            vni_set_add__(&relevant, gr->cfg.networks[k]);
        }
        if (u64_set_add__(&ctx.routers, mac_to_u64(gr->cfg.mac))) {
            router_flows__(&ctx, gr);
        }
        gateway_flows__(&ctx, gr);
    }
    if (gateway) {
        miss_flow__(&ctx, PIPELINE_T_NAT, -1);
        miss_flow__(&ctx, PIPELINE_T_EMIT, -1);
    }

    if (any_arp_datapath) {
        arp_rest_flow__(&ctx);
    }
    for (size_t i = 0; i < relevant.n; i++) {
        uint32_t vni = relevant.v[i];
        for (h = model_hosts_in_network(vni, &it); h; h = model_next_in_network(vni, &it)) {
            delivery_flow__(&ctx, h);
        }
    }
    free(local.v);
    free(relevant.v);
    free(ctx.routers.v);
    free(ctx.uplinks.v);
    flow_set_sort(out);
}
