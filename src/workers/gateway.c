#include "workers/gateway.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "model/answers.h"
#include "model/model.h"
#include "model/neighbor.h"
#include "proto/ofp_packet.h"
#include "workers/conn.h"
#include "workers/worker.h"

#define VLOG_MODULE "gateway"

static const uint8_t broadcast__[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac__[6];

/* Sends one ARP frame out of 'port' (a PACKET_OUT from the controller). */
static void send_arp__(struct conn *c, uint32_t port, const uint8_t eth_dst[6], uint16_t op,
                       const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    size_t start = ofp_start_packet_out(&c->obuf, conn_xid(c), OFPP_CONTROLLER, port);
    pkt_put_arp(&c->obuf, eth_dst, false, 0, op, sha, spa, tha, tpa);
    ofp_msg_finish(&c->obuf, start);
    conn_want_flush(c);
}

/* Tells the main thread that next hop 'ip' has MAC 'mac' on this bridge,
 * unless the model knows it already.  A full mailbox drops the report:
 * the next answer to a probe repeats it. */
static void report_neighbor__(struct conn *c, uint32_t ip, const uint8_t mac[6])
{
    uint8_t known[6];

    if (neighbor_lookup(c->dpid, ip, known) && !memcmp(known, mac, 6)) {
        return;
    }
    struct worker_report *r = xzalloc(sizeof *r);
    r->type = WORKER_REPORT_NEIGHBOR;
    r->dpid = c->dpid;
    r->ip = ip;
    memcpy(r->mac, mac, 6);
    if (!mailbox_send(&c->worker->to_main, r)) {
        free(r);
        return;
    }
    counter_inc(conn_counters(c), VXC_gw_next_hop_learned);
}

bool gateway_packet_in(struct conn *c, uint32_t in_port, const char *port_name,
                       const struct pkt_info *pi)
{
    if (!answers_is_uplink(c->dpid, port_name)) {
        return false;
    }
    const struct pkt_arp *arp = &pi->arp;
    bool used = false;
    if (pi->eth_type == ETHERTYPE_ARP && answers_uplink_next_hop(c->dpid, port_name, arp->spa)
        && !(arp->sha[0] & 1)) {
        report_neighbor__(c, arp->spa, arp->sha);      /* its request or its reply */
        used = true;
    }
    const struct vx_router *r = pi->eth_type == ETHERTYPE_ARP && arp->op == ARPOP_REQUEST
                                ? answers_uplink_owner(c->dpid, port_name, arp->tpa) : NULL;
    if (r) {
        size_t start = ofp_start_packet_out(&c->obuf, conn_xid(c), OFPP_CONTROLLER, in_port);
        pkt_put_arp_reply(&c->obuf, pi, r->cfg.mac);
        ofp_msg_finish(&c->obuf, start);
        conn_want_flush(c);
        counter_inc(conn_counters(c), VXC_gw_arp_replies);
    } else if (!used) {
        counter_inc(conn_counters(c), VXC_gw_arp_ignored);
    }
    return true;
}

/* Folds router 'r''s addresses on uplink 'port' into 'sig'. */
static uint64_t addresses_sig__(const struct vx_router *r, uint32_t port, uint64_t sig)
{
    sig = hash_u64(sig ^ mac_to_u64(r->cfg.mac) ^ (uint64_t)port << 48);
    sig = hash_u64(sig ^ r->cfg.gateway.external_ip);
    for (int k = 0; k < r->cfg.n_floating; k++) {
        sig = hash_u64(sig ^ r->cfg.floating[k].ip);
    }
    return sig;
}

/* RFC 5227 2.4 announcements: an ARP request from and for each address. */
static void announce__(struct conn *c, const struct vx_router *r, uint32_t port)
{
    send_arp__(c, port, broadcast__, ARPOP_REQUEST, r->cfg.mac, r->cfg.gateway.external_ip,
               zero_mac__, r->cfg.gateway.external_ip);
    counter_inc(conn_counters(c), VXC_gw_garps);
    for (int k = 0; k < r->cfg.n_floating; k++) {
        const struct vx_floating_ip *f = &r->cfg.floating[k];
        if (model_floating_host(r, f)) {
            send_arp__(c, port, broadcast__, ARPOP_REQUEST, r->cfg.mac, f->ip, zero_mac__, f->ip);
            counter_inc(conn_counters(c), VXC_gw_garps);
        }
    }
}

/* Asks for router 'r''s next hop if it is unknown, or if 'refresh'. */
static void probe__(struct conn *c, const struct vx_router *r, uint32_t port, bool refresh)
{
    uint8_t mac[6];

    if (refresh || !neighbor_lookup(c->dpid, r->cfg.gateway.next_hop, mac)) {
        send_arp__(c, port, broadcast__, ARPOP_REQUEST, r->cfg.mac, r->cfg.gateway.external_ip,
                   zero_mac__, r->cfg.gateway.next_hop);
        counter_inc(conn_counters(c), VXC_gw_next_hop_probes);
    }
}

/* The signature of the addresses on this bridge's uplinks, and probes
 * for the next hops if they are due ('probe'; all of them if 'refresh'). */
static uint64_t scan__(struct conn *c, bool probe, bool refresh)
{
    struct cds_lfht_iter it;
    const struct vx_router *r;
    uint64_t sig = 0;

    for (r = model_gateways_on_bridge(c->dpid, &it); r; r = model_next_gateway_on_bridge(c->dpid, &it)) {
        uint32_t port;
        if (conn_port_by_name(c, r->cfg.gateway.uplink, &port)) {
            sig = addresses_sig__(r, port, sig);
            if (probe) {
                probe__(c, r, port, refresh);
            }
        }
    }
    return sig;
}

/* Announces every address of every gateway on this bridge. */
static void announce_all__(struct conn *c)
{
    struct cds_lfht_iter it;
    const struct vx_router *r;

    for (r = model_gateways_on_bridge(c->dpid, &it); r; r = model_next_gateway_on_bridge(c->dpid, &it)) {
        uint32_t port;
        if (conn_port_by_name(c, r->cfg.gateway.uplink, &port)) {
            announce__(c, r, port);
        }
    }
}

void gateway_tick(struct conn *c)
{
    struct cds_lfht_iter it;
    uint64_t now = c->worker->now_ms;

    if (!c->ports_read || !model_gateways_on_bridge(c->dpid, &it)) {
        return;
    }
    bool probe = now >= c->gw_next_probe_ms, refresh = now >= c->gw_refresh_ms;
    uint64_t sig = scan__(c, probe, refresh);
    if (sig != c->gw_announced) {       /* at once: an address appeared */
        announce_all__(c);
        c->gw_announced = sig;
    }
    if (probe) {
        c->gw_next_probe_ms = now + NEIGHBOR_PROBE_MS;
    }
    if (refresh) {
        c->gw_refresh_ms = now + NEIGHBOR_REFRESH_MS;
    }
}
