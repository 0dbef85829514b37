#include "workers/pktin.h"

#include <string.h>

#include "core/log.h"
#include "core/timeval.h"
#include "model/answers.h"
#include "model/model.h"
#include "proto/dhcp.h"
#include "proto/ofp_packet.h"
#include "proto/pkt.h"
#include "workers/conn.h"
#include "workers/gateway.h"
#include "workers/pktcache.h"
#include "workers/worker.h"

#define VLOG_MODULE "pktin"

/* Takes a token for 'port'.  Returns false if the port is over its rate.
 * O(1) and bounded: buckets are indexed by port number modulo
 * CONN_MAX_BUCKETS.  OVS numbers ports from 1, so up to that many ports
 * each have their own bucket; beyond, ports share one, and a port that
 * takes over a bucket inherits its tokens, never a fresh burst.  However
 * many ports a switch reports, it gets at most CONN_MAX_BUCKETS times the
 * per-port rate. */
static bool rate_ok__(struct conn *c, uint32_t port, uint64_t now_ms)
{
    const struct worker_params *cfg = &c->worker->params;
    struct pktin_bucket *b = &c->buckets[port % CONN_MAX_BUCKETS];

    if (!b->used) {
        b->used = true;
        b->tokens = cfg->pktin_burst;
        b->refill_ms = now_ms;
    }
    if (now_ms > b->refill_ms) {
        uint64_t add = (now_ms - b->refill_ms) * (uint64_t)cfg->pktin_rate / 1000;
        if (add) {
            b->tokens = (uint32_t)MIN((uint64_t)cfg->pktin_burst, b->tokens + add);
            b->refill_ms = now_ms;
        }
    }
    if (!b->tokens) {
        return false;
    }
    b->tokens--;
    return true;
}

/* Starts a PACKET_OUT of one frame back out of 'in_port' (the frame
 * follows); returns where it starts, for send_frame_out__(). */
static size_t start_frame_out__(struct conn *c, uint32_t in_port)
{
    return ofp_start_packet_out(&c->obuf, conn_xid(c), OFPP_CONTROLLER, in_port);
}

/* Completes the PACKET_OUT at 'start', schedules the flush and counts the
 * answer under 'id'. */
static void send_frame_out__(struct conn *c, size_t start, enum vx_counter_id id)
{
    ofp_msg_finish(&c->obuf, start);
    conn_want_flush(c);
    counter_inc(conn_counters(c), id);
}

/* Who answers ARP for 'tpa' in network 'vni' (answers_arp_target), from
 * the worker's cache or, on a miss, the model under generation 'gen'. */
static bool arp_target__(struct conn *c, uint64_t gen, uint32_t vni, uint32_t tpa,
                         uint8_t mac[6])
{
    struct pktcache *pc = &c->worker->cache;
    bool known;

    if (!pktcache_target(pc, gen, vni, tpa, &known, mac)) {
        counter_inc(conn_counters(c), VXC_arp_target_misses);
        memset(mac, 0, 6);
        known = answers_arp_target(vni, tpa, mac);
        pktcache_target_fill(pc, gen, vni, tpa, known, mac);
    }
    return known;
}

/* RFC 826: the reply, built in place from the request (no zero-filling
 * but the Ethernet padding). */
static void handle_arp__(struct conn *c, uint64_t gen, const struct vx_host *src,
                         uint32_t in_port, const struct pkt_info *pi)
{
    static const enum vx_counter_id counters[] = {
        [ANSWERS_ARP_REPLY] = VXC_arp_replies,
        [ANSWERS_ARP_NOT_REQUEST] = VXC_arp_not_request,
        [ANSWERS_ARP_BAD_SENDER] = VXC_arp_bad_sender,
        [ANSWERS_ARP_GRATUITOUS] = VXC_arp_gratuitous,
        [ANSWERS_ARP_OWN_PROBE] = VXC_arp_own_probe,
        [ANSWERS_ARP_UNKNOWN_TARGET] = VXC_arp_unknown_target,
    };
    const struct pkt_arp *arp = &pi->arp;
    uint8_t answer[6];
    enum answers_arp_verdict v = answers_arp_request(src, arp->op, arp->spa, arp->tpa);

    if (v == ANSWERS_ARP_REPLY && !arp_target__(c, gen, src->cfg.vni, arp->tpa, answer)) {
        v = ANSWERS_ARP_UNKNOWN_TARGET;
    }
    if (v != ANSWERS_ARP_REPLY) {
        counter_inc(conn_counters(c), counters[v]);
        return;
    }
    uint8_t *frame = ofp_put_packet_out_frame(&c->obuf, conn_xid(c), OFPP_CONTROLLER, in_port,
                                              PKT_ARP_REPLY_SIZE);
    pkt_write_arp_reply(frame, pi, answer);
    conn_want_flush(c);
    counter_inc(conn_counters(c), VXC_arp_replies);
}

/* Host 'src''s lease: its network's part from the worker's cache or, on
 * a miss, from the model under generation 'gen'; then its address. */
static bool lease__(struct conn *c, uint64_t gen, const struct vx_host *src,
                    struct dhcp_lease *lease)
{
    struct pktcache *pc = &c->worker->cache;

    if (!pktcache_network(pc, gen, src->cfg.vni, lease)) {
        if (!answers_dhcp_network(src->cfg.vni, lease)) {
            return false;
        }
        pktcache_network_fill(pc, gen, src->cfg.vni, lease);
    }
    lease->ip = src->cfg.ip;
    return true;
}

/* The options of a reply of type 'reply' to 'req' from network 'vni':
 * from the worker's cache, or built (and kept when they can be, else in
 * 'scratch'). */
static const struct dhcp_options *reply_options__(struct conn *c, uint64_t gen, uint32_t vni,
                                                  const struct dhcp_msg *req,
                                                  const struct dhcp_lease *lease, uint8_t reply,
                                                  struct dhcp_options *scratch)
{
    struct pktcache *pc = &c->worker->cache;
    const struct dhcp_options *o = pktcache_options(pc, gen, vni, reply, req);

    if (o) {
        return o;
    }
    struct dhcp_options *slot = pktcache_options_slot(pc, gen, vni, reply, req);
    dhcp_reply_options(req, lease, reply, slot ? slot : scratch);
    return slot ? slot : scratch;
}

/* Counts and logs verdict 'v' on 'req' from 'src'; returns the counter
 * of the reply it sends, if it sends one. */
static enum vx_counter_id account_dhcp__(struct conn *c, const struct vx_host *src,
                                         const struct dhcp_msg *req, enum dhcp_verdict v)
{
    struct vx_counters *cs = conn_counters(c);
    char mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN];
    enum vx_counter_id sent = VXC_dhcp_naks;

    switch (v) {
    case DHCP_V_OFFER: sent = VXC_dhcp_offers; break;
    case DHCP_V_ACK: case DHCP_V_ACK_INFORM: sent = VXC_dhcp_acks; break;
    case DHCP_V_NAK_WRONG_IP: case DHCP_V_NAK_WRONG_SERVER:
        VLOG_RL(VLL_INFO, "%s: DHCPNAK to %s (%s)", c->name,
                eth_addr_to_str(src->cfg.mac, mac), dhcp_verdict_to_string(v));
        break;
    case DHCP_V_RELEASE:
        counter_inc(cs, VXC_dhcp_releases);
        VLOG_RL(VLL_INFO, "%s: DHCPRELEASE of %s by %s", c->name,
                ip_to_str(req->ciaddr, ip), eth_addr_to_str(src->cfg.mac, mac));
        break;
    case DHCP_V_DECLINE:
        counter_inc(cs, VXC_dhcp_declines);
        VLOG_RL(VLL_WARN, "%s: DHCPDECLINE of %s by %s: address in use on its segment?",
                c->name, ip_to_str(req->has_requested_ip ? req->requested_ip : req->ciaddr, ip),
                eth_addr_to_str(src->cfg.mac, mac));
        break;
    default:
        counter_inc(cs, VXC_dhcp_ignored);
        break;
    }
    return sent;
}

/* RFC 2131: the reply to a DHCP message from host 'src', if any. */
static void handle_dhcp__(struct conn *c, uint64_t gen, const struct vx_host *src,
                          uint32_t in_port, const struct pkt_info *pi)
{
    struct vx_counters *cs = conn_counters(c);
    struct dhcp_msg req;
    enum dhcp_err err = dhcp_parse(pi->payload, pi->payload_size, &req);

    if (err) {
        counter_inc(cs, VXC_dhcp_bad_packet);
        VLOG_RL(VLL_WARN, "%s: port %u: bad DHCP message: %s", c->name, in_port,
                dhcp_err_to_string(err));
        return;
    }
    struct dhcp_lease lease;
    if (!lease__(c, gen, src, &lease)) {
        counter_inc(cs, VXC_dhcp_ignored);
        return;
    }
    enum dhcp_verdict v = dhcp_decide(&req, &lease);
    uint8_t reply = dhcp_verdict_reply_type(v);
    enum vx_counter_id sent = account_dhcp__(c, src, &req, v);
    if (!reply) {
        return;
    }
    struct dhcp_options scratch;
    const struct dhcp_options *opts = reply_options__(c, gen, src->cfg.vni, &req, &lease, reply,
                                                      &scratch);
    size_t start = start_frame_out__(c, in_port);
    dhcp_put_reply_with(&c->obuf, pi, &req, &lease, reply, opts);
    send_frame_out__(c, start, sent);
}

/* RFC 792: echo replies for the gateway of the sender's network. */
static void handle_gateway_ping__(struct conn *c, const struct vx_host *src, uint32_t in_port,
                                  const struct pkt_info *pi)
{
    uint8_t gw_mac[6];

    if (answers_gateway_echo(src, pi->ip_src, pi->ip_dst, pi->icmp_type, gw_mac)) {
        size_t start = start_frame_out__(c, in_port);
        pkt_put_icmp_echo_reply(&c->obuf, pi, gw_mac);
        send_frame_out__(c, start, VXC_icmp_echo_replies);
    } else {
        counter_inc(conn_counters(c), VXC_icmp_ignored);
    }
}

/* The router's dec_ttl found TTL <= 1 (OFPR_INVALID_TTL): time exceeded
 * from the sender's gateway, so traceroute shows the hop (RFC 1812 4.3.2.2:
 * never about another ICMP error). */
static void handle_ttl_expired__(struct conn *c, const struct vx_host *src, uint32_t in_port,
                                 const struct pkt_info *pi)
{
    uint32_t gw_ip;
    uint8_t gw_mac[6];

    if (!pi->ip || !answers_time_exceeded(src, pi->ip_src, pi->ip_proto, pi->icmp_type,
                                          &gw_ip, gw_mac)) {
        counter_inc(conn_counters(c), VXC_icmp_ignored);
        return;
    }
    size_t start = start_frame_out__(c, in_port);
    pkt_put_icmp_time_exceeded(&c->obuf, pi, gw_ip, gw_mac, src->cfg.mac);
    send_frame_out__(c, start, VXC_icmp_time_exceeded);
}

/* Table 2 rewrites eth_src to the router's MAC before dec_ttl, so an
 * expired packet arrives with the router as its Ethernet source.  Its
 * sender is then the host on this bridge and ingress port whose IP is the
 * packet's source (table 1 validated that pairing).  Runs only for
 * OFPR_INVALID_TTL packet-ins, already rate-limited per port; walks the
 * bridge's hosts. */
static const struct vx_host *ttl_expired_sender__(struct conn *c, uint32_t in_port,
                                                  const struct pkt_info *pi)
{
    struct cds_lfht_iter it;
    const struct vx_host *h;

    if (!model_router(pi->eth_src)) {
        return NULL;
    }
    const struct of_port *port = conn_port(c, in_port);
    const char *port_name = port ? port->name : NULL;
    for (h = model_hosts_on_bridge(c->dpid, &it); h; h = model_next_on_bridge(c->dpid, &it)) {
        if (vxconf_host_on_port(&h->cfg, in_port, port_name) && h->cfg.ip == pi->ip_src) {
            return h;
        }
    }
    return NULL;
}

/* The model's answer to "who sends 'pi' from 'in_port'": a host, or
 * NULL.  An ARP on a gateway's uplink is the gateway's, which handles it
 * ('*handled'). */
static const struct vx_host *source_from_model__(struct conn *c, uint32_t in_port,
                                                 const struct pkt_info *pi, bool is_arp,
                                                 bool *handled)
{
    const struct of_port *port = conn_port(c, in_port);
    const char *name = port ? port->name : NULL;

    if (is_arp && gateway_packet_in(c, in_port, name, pi)) {
        *handled = true;
        return NULL;
    }
    return model_host_by_source(c->dpid, pi->eth_src, in_port, name);
}

/* The host that sent 'pi' from 'in_port', from the worker's cache or, on
 * a miss, from the model under generation 'gen' (then cached: a host
 * found there is on a port that is no uplink, as long as the generation
 * and the port epoch hold). */
static const struct vx_host *source__(struct conn *c, uint64_t gen, uint32_t in_port,
                                      const struct pkt_info *pi, bool is_arp, bool *handled)
{
    struct pktcache *pc = &c->worker->cache;
    const struct vx_host *src = pktcache_source(pc, gen, c->dpid, c->port_epoch, in_port,
                                                pi->eth_src);
    if (src) {
        return src;
    }
    counter_inc(conn_counters(c), VXC_pktin_source_misses);
    src = source_from_model__(c, in_port, pi, is_arp, handled);
    if (src) {
        pktcache_source_fill(pc, gen, c->dpid, c->port_epoch, in_port, pi->eth_src, src);
    }
    return src;
}

void pktin_handle(struct conn *c, const struct of_packet_in *pin)
{
    struct vx_counters *cs = conn_counters(c);
    uint32_t in_port = (uint32_t)pin->match.value[OFF_IN_PORT];
    uint64_t gen = model_generation();
    struct pkt_info pi;
    enum pkt_err err;

    if (!rate_ok__(c, in_port, c->worker->now_ms)) {
        counter_inc(cs, VXC_pktin_rate_limited);
        return;
    }
    err = pkt_parse(pin->data, pin->data_size, &pi);
    if (err) {
        counter_inc(cs, VXC_pktin_bad_packet);
        VLOG_RL(VLL_WARN, "%s: port %u: dropped packet-in: %s", c->name, in_port,
                pkt_err_to_string(err));
        return;
    }
    bool is_arp = pi.eth_type == ETHERTYPE_ARP;
    bool is_ip = pi.eth_type == ETHERTYPE_IP && pi.ip;
    bool is_dhcp = is_ip && pi.ip_proto == IPPROTO_UDP && pi.udp_dst == DHCP_SERVER_PORT;
    bool is_ttl = is_ip && pin->reason == OFPR_INVALID_TTL;
    bool is_icmp = is_ip && pi.ip_proto == IPPROTO_ICMP && pi.l4;
    if (!is_arp && !is_dhcp && !is_ttl && !is_icmp) {
        counter_inc(cs, VXC_pktin_other);
        return;
    }
    bool handled = false;
    const struct vx_host *src = source__(c, gen, in_port, &pi, is_arp, &handled);
    if (handled) {
        return;
    }
    if (!src && is_ttl) {
        src = ttl_expired_sender__(c, in_port, &pi);
    }
    if (!src) {
        counter_inc(cs, VXC_pktin_unknown_source);
        char mac[ETH_ADDR_STRLEN];
        VLOG_RL(VLL_INFO, "%s: port %u: %s from unknown host %s", c->name, in_port,
                is_arp ? "ARP" : is_dhcp ? "DHCP" : "ICMP", eth_addr_to_str(pi.eth_src, mac));
        return;
    }
    if (is_arp) {
        handle_arp__(c, gen, src, in_port, &pi);
    } else if (is_ttl) {
        handle_ttl_expired__(c, src, in_port, &pi);
    } else if (is_dhcp) {
        handle_dhcp__(c, gen, src, in_port, &pi);
    } else {
        handle_gateway_ping__(c, src, in_port, &pi);
    }
}
