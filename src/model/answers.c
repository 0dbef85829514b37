#include "model/answers.h"

#include <string.h>

#include "core/util.h"
#include "proto/pkt.h"

static const char *const arp_texts__[] = { ANSWERS_ARP_VERDICTS(VX_X_TEXT) };

const char *answers_arp_verdict_text(enum answers_arp_verdict v)
{
    return vx_name_at(arp_texts__, ARRAY_SIZE(arp_texts__), v);
}

enum answers_arp_verdict answers_arp_request(const struct vx_host *src, uint16_t op,
                                             uint32_t spa, uint32_t tpa)
{
    if (op != ARPOP_REQUEST) {
        return ANSWERS_ARP_NOT_REQUEST;
    }
    /* RFC 5227: sender 0.0.0.0 is a probe; otherwise the sender must be the
     * host's own address (anti-spoofing of the neighbour caches). */
    if (spa && spa != src->cfg.ip) {
        return ANSWERS_ARP_BAD_SENDER;
    }
    if (spa && spa == tpa) {
        return ANSWERS_ARP_GRATUITOUS;
    }
    if (!spa && tpa == src->cfg.ip) {
        /* Duplicate address detection for its own address: must see no
         * answer, or it would think its address taken. */
        return ANSWERS_ARP_OWN_PROBE;
    }
    return ANSWERS_ARP_REPLY;
}

bool answers_arp_target(uint32_t vni, uint32_t tpa, uint8_t mac[6])
{
    const struct vx_network *net = model_network(vni);
    if (net && net->cfg.gateway && tpa == net->cfg.gateway) {
        model_gateway_mac(vni, mac);
        return true;
    }
    const struct vx_host *target = model_host_by_ip(vni, tpa);
    if (!target) {
        return false;
    }
    memcpy(mac, target->cfg.mac, 6);
    return true;
}

enum answers_arp_verdict answers_arp(const struct vx_host *src, uint16_t op, uint32_t spa,
                                     uint32_t tpa, uint8_t mac[6])
{
    enum answers_arp_verdict v = answers_arp_request(src, op, spa, tpa);

    if (v == ANSWERS_ARP_REPLY && !answers_arp_target(src->cfg.vni, tpa, mac)) {
        return ANSWERS_ARP_UNKNOWN_TARGET;
    }
    return v;
}

bool answers_dhcp_lease(const struct vx_host *src, struct dhcp_lease *lease)
{
    if (!answers_dhcp_network(src->cfg.vni, lease)) {
        return false;
    }
    lease->ip = src->cfg.ip;
    return true;
}

bool answers_dhcp_network(uint32_t vni, struct dhcp_lease *lease)
{
    const struct vx_network *net = model_network(vni);

    if (!net) {
        return false;
    }
    *lease = (struct dhcp_lease) {
        .mask = prefix_to_mask(net->cfg.prefix),
        .server_id = net->cfg.gateway,
        .router = net->cfg.gateway,
        .n_dns = net->cfg.n_dns,
        .domain = net->cfg.domain,
        .mtu = net->cfg.mtu,
        .lease_time = net->cfg.lease_time,
    };
    memcpy(lease->dns, net->cfg.dns, sizeof lease->dns);
    model_gateway_mac(vni, lease->server_mac);
    if (!lease->server_id) {
        /* A network without a gateway still needs a server identifier
         * (RFC 2131 4.3.1): the last usable address of the subnet. */
        lease->server_id = (net->cfg.subnet | ~lease->mask) - 1;
    }
    return true;
}

bool answers_gateway_echo(const struct vx_host *src, uint32_t ip_src, uint32_t ip_dst,
                          uint8_t icmp_type, uint8_t gw_mac[6])
{
    const struct vx_network *net = model_network(src->cfg.vni);
    bool for_gateway = net && net->cfg.gateway && ip_dst == net->cfg.gateway;

    if (!for_gateway || ip_src != src->cfg.ip || icmp_type != ICMP_ECHO) {
        return false;
    }
    model_gateway_mac(src->cfg.vni, gw_mac);
    return true;
}

bool answers_time_exceeded(const struct vx_host *src, uint32_t ip_src, uint8_t ip_proto,
                           uint8_t icmp_type, uint32_t *gw_ip, uint8_t gw_mac[6])
{
    const struct vx_network *net = model_network(src->cfg.vni);

    if (!net || !net->cfg.gateway || ip_src != src->cfg.ip
        || (ip_proto == IPPROTO_ICMP && icmp_type != ICMP_ECHO)) {
        return false;
    }
    *gw_ip = net->cfg.gateway;
    model_gateway_mac(src->cfg.vni, gw_mac);
    return true;
}

static bool on_uplink__(const struct vx_router *r, const char *port_name)
{
    return port_name && !strcmp(r->cfg.gateway.uplink, port_name);
}

const struct vx_router *answers_uplink_owner(uint64_t dpid, const char *port_name, uint32_t ip)
{
    struct cds_lfht_iter it;
    const struct vx_router *r;

    for (r = model_gateways_on_bridge(dpid, &it); r; r = model_next_gateway_on_bridge(dpid, &it)) {
        if (!on_uplink__(r, port_name)) {
            continue;
        }
        if (r->cfg.gateway.external_ip == ip) {
            return r;
        }
        for (int k = 0; k < r->cfg.n_floating; k++) {
            if (r->cfg.floating[k].ip == ip && model_floating_host(r, &r->cfg.floating[k])) {
                return r;
            }
        }
    }
    return NULL;
}

bool answers_uplink_next_hop(uint64_t dpid, const char *port_name, uint32_t ip)
{
    struct cds_lfht_iter it;
    const struct vx_router *r;

    for (r = model_gateways_on_bridge(dpid, &it); r; r = model_next_gateway_on_bridge(dpid, &it)) {
        if (on_uplink__(r, port_name) && r->cfg.gateway.next_hop == ip) {
            return true;
        }
    }
    return false;
}

bool answers_is_uplink(uint64_t dpid, const char *port_name)
{
    struct cds_lfht_iter it;
    const struct vx_router *r;

    for (r = model_gateways_on_bridge(dpid, &it); r; r = model_next_gateway_on_bridge(dpid, &it)) {
        if (on_uplink__(r, port_name)) {
            return true;
        }
    }
    return false;
}
