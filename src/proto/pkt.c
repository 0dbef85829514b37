#include "proto/pkt.h"

#include <string.h>

#include "core/util.h"

static const char *const err_names[PKT_N_ERRS] = {
    [PKT_OK] = "ok",
    [PKT_ERR_TRUNC_ETH] = "truncated Ethernet header",
    [PKT_ERR_TRUNC_ARP] = "truncated ARP",
    [PKT_ERR_BAD_ARP] = "ARP not Ethernet/IPv4",
    [PKT_ERR_TRUNC_IP] = "truncated IPv4 header",
    [PKT_ERR_BAD_IP] = "bad IPv4 header",
    [PKT_ERR_IP_FRAGMENT] = "IPv4 fragment",
    [PKT_ERR_TRUNC_UDP] = "truncated UDP header",
    [PKT_ERR_BAD_UDP_LEN] = "bad UDP length",
    [PKT_ERR_TRUNC_ICMP] = "truncated ICMP header",
};

const char *pkt_err_to_string(enum pkt_err e)
{
    return e < PKT_N_ERRS ? err_names[e] : "?";
}

static enum pkt_err parse_arp__(struct vxcur *c, struct pkt_info *pi)
{
    const uint8_t *a = vxcur_pull(c, 28);

    if (!a) {
        return PKT_ERR_TRUNC_ARP;
    }
    /* RFC 826: htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4. */
    if (get_be16(a) != 1 || get_be16(a + 2) != ETH_TYPE_IP || a[4] != 6 || a[5] != 4) {
        return PKT_ERR_BAD_ARP;
    }
    pi->arp.op = get_be16(a + 6);
    memcpy(pi->arp.sha, a + 8, 6);
    pi->arp.spa = get_be32(a + 14);
    memcpy(pi->arp.tha, a + 18, 6);
    pi->arp.tpa = get_be32(a + 24);
    return PKT_OK;
}

static enum pkt_err parse_ipv4__(struct vxcur *c, struct pkt_info *pi)
{
    const uint8_t *ip = c->p;
    size_t hlen, total;

    if (c->left < 20) {
        return PKT_ERR_TRUNC_IP;
    }
    hlen = (size_t)(ip[0] & 0x0f) * 4;
    total = get_be16(ip + 2);
    if (ip[0] >> 4 != 4 || hlen < 20 || total < hlen || total > c->left) {
        return PKT_ERR_BAD_IP;
    }
    /* More-fragments set or a non-zero offset: not a whole datagram. */
    if (get_be16(ip + 6) & 0x3fff) {
        return PKT_ERR_IP_FRAGMENT;
    }
    pi->ip = ip;
    pi->ip_size = total;        /* drops Ethernet padding */
    pi->ip_hlen = hlen;
    pi->ip_ttl = ip[8];
    pi->ip_proto = ip[9];
    pi->ip_id = get_be16(ip + 4);
    pi->ip_src = get_be32(ip + 12);
    pi->ip_dst = get_be32(ip + 16);
    pi->l4 = ip + hlen;
    pi->l4_size = total - hlen;

    if (pi->ip_proto == IPPROTO_UDP_) {
        if (pi->l4_size < 8) {
            return PKT_ERR_TRUNC_UDP;
        }
        uint16_t ulen = get_be16(pi->l4 + 4);
        if (ulen < 8 || ulen > pi->l4_size) {
            return PKT_ERR_BAD_UDP_LEN;
        }
        pi->udp_src = get_be16(pi->l4);
        pi->udp_dst = get_be16(pi->l4 + 2);
        pi->payload = pi->l4 + 8;
        pi->payload_size = ulen - 8u;
    } else if (pi->ip_proto == IPPROTO_ICMP_) {
        if (pi->l4_size < 8) {
            return PKT_ERR_TRUNC_ICMP;
        }
        pi->icmp_type = pi->l4[0];
        pi->icmp_code = pi->l4[1];
        pi->payload = pi->l4 + 8;
        pi->payload_size = pi->l4_size - 8;
    }
    return PKT_OK;
}

enum pkt_err pkt_parse(const uint8_t *frame, size_t size, struct pkt_info *pi)
{
    struct vxcur c = vxcur_make(frame, size);
    const uint8_t *eth = vxcur_pull(&c, 14);

    pi->has_vlan = false;
    pi->ip = NULL;
    pi->l4 = NULL;
    pi->payload = NULL;
    pi->payload_size = 0;
    if (!eth) {
        return PKT_ERR_TRUNC_ETH;
    }
    memcpy(pi->eth_dst, eth, 6);
    memcpy(pi->eth_src, eth + 6, 6);
    pi->eth_type = get_be16(eth + 12);
    if (pi->eth_type == ETH_TYPE_VLAN) {
        const uint8_t *tag = vxcur_pull(&c, 4);
        if (!tag) {
            return PKT_ERR_TRUNC_ETH;
        }
        pi->has_vlan = true;
        pi->vlan_tci = get_be16(tag);
        pi->eth_type = get_be16(tag + 2);
    }
    switch (pi->eth_type) {
    case ETH_TYPE_ARP:
        return parse_arp__(&c, pi);
    case ETH_TYPE_IP:
        return parse_ipv4__(&c, pi);
    default:
        return PKT_OK;
    }
}

/* RFC 1071 sums 16-bit words in ones' complement, i.e. modulo 2^16 - 1.
 * Since 2^16 = 1 modulo 2^16 - 1, a 32-bit big-endian word adds the same
 * as its two halves, so the bulk is summed 32 bits at a time into 64 bits
 * and folded at the end. */
uint32_t csum_add(uint32_t sum, const void *p_, size_t size)
{
    const uint8_t *p = p_;
    uint64_t acc = sum;

    while (size >= 8) {
        acc += (uint64_t)get_be32(p) + get_be32(p + 4);
        p += 8;
        size -= 8;
    }
    while (size > 1) {
        acc += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        size -= 2;
    }
    if (size) {
        acc += (uint32_t)p[0] << 8;
    }
    while (acc >> 32) {
        acc = (acc & 0xffffffff) + (acc >> 32);
    }
    return (uint32_t)acc;
}

uint16_t csum_finish(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

size_t pkt_put_eth(struct vxbuf *b, const uint8_t dst[6], const uint8_t src[6],
                   bool has_vlan, uint16_t vlan_tci, uint16_t eth_type)
{
    size_t ofs = vxbuf_ofs(b);
    uint8_t *e = vxbuf_put_zeros(b, has_vlan ? 18 : 14);

    memcpy(e, dst, 6);
    memcpy(e + 6, src, 6);
    if (has_vlan) {
        put_be16(e + 12, ETH_TYPE_VLAN);
        put_be16(e + 14, vlan_tci);
        put_be16(e + 16, eth_type);
    } else {
        put_be16(e + 12, eth_type);
    }
    return ofs;
}

static void pad_frame__(struct vxbuf *b, size_t frame_ofs)
{
    size_t size = vxbuf_ofs(b) - frame_ofs;
    if (size < ETH_MIN_FRAME) {
        vxbuf_put_zeros(b, ETH_MIN_FRAME - size);
    }
}

void pkt_put_arp(struct vxbuf *b, const uint8_t eth_dst[6], bool has_vlan, uint16_t vlan_tci,
                 uint16_t op, const uint8_t sha[6], uint32_t spa,
                 const uint8_t tha[6], uint32_t tpa)
{
    size_t ofs = pkt_put_eth(b, eth_dst, sha, has_vlan, vlan_tci, ETH_TYPE_ARP);
    uint8_t *a = vxbuf_put_zeros(b, 28);

    put_be16(a, 1);             /* htype Ethernet */
    put_be16(a + 2, ETH_TYPE_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, op);
    memcpy(a + 8, sha, 6);
    put_be32(a + 14, spa);
    memcpy(a + 18, tha, 6);
    put_be32(a + 24, tpa);
    pad_frame__(b, ofs);
}

void pkt_put_arp_reply(struct vxbuf *b, const struct pkt_info *req, const uint8_t mac[6])
{
    pkt_put_arp(b, req->eth_src, req->has_vlan, req->vlan_tci, ARP_OP_REPLY,
                mac, req->arp.tpa, req->arp.sha, req->arp.spa);
}

struct pkt_ipv4_frame pkt_start_ipv4(struct vxbuf *b, const uint8_t eth_dst[6],
                                     const uint8_t eth_src[6], bool has_vlan,
                                     uint16_t vlan_tci, uint32_t ip_src, uint32_t ip_dst,
                                     uint8_t ip_proto, uint8_t ttl)
{
    size_t frame_ofs = pkt_put_eth(b, eth_dst, eth_src, has_vlan, vlan_tci, ETH_TYPE_IP);
    size_t ip_ofs = vxbuf_ofs(b);
    uint8_t *ip = vxbuf_put_zeros(b, 20);

    ip[0] = 0x45;
    ip[8] = ttl ? ttl : 64;
    ip[9] = ip_proto;
    put_be32(ip + 12, ip_src);
    put_be32(ip + 16, ip_dst);
    return (struct pkt_ipv4_frame) { frame_ofs, ip_ofs };
}

void pkt_put_udp(struct vxbuf *b, uint16_t src, uint16_t dst)
{
    uint8_t *u = vxbuf_put_zeros(b, 8);
    put_be16(u, src);
    put_be16(u + 2, dst);
}

void pkt_finish_ipv4(struct vxbuf *b, struct pkt_ipv4_frame f)
{
    uint8_t *ip = vxbuf_at(b, f.ip_ofs);
    size_t total = vxbuf_ofs(b) - f.ip_ofs;
    uint8_t *l4 = ip + 20;
    size_t l4_size = total - 20;

    put_be16(ip + 2, (uint16_t)total);
    put_be16(ip + 10, csum_finish(csum_add(0, ip, 20)));
    if (ip[9] == IPPROTO_UDP_) {
        /* RFC 768: pseudo-header of addresses, protocol and UDP length. */
        uint8_t pseudo[12];
        memcpy(pseudo, ip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = IPPROTO_UDP_;
        put_be16(pseudo + 10, (uint16_t)l4_size);
        put_be16(l4 + 4, (uint16_t)l4_size);
        put_be16(l4 + 6, 0);
        uint16_t sum = csum_finish(csum_add(csum_add(0, pseudo, 12), l4, l4_size));
        put_be16(l4 + 6, sum ? sum : 0xffff);     /* 0 means "no checksum" */
    } else if (ip[9] == IPPROTO_ICMP_) {
        put_be16(l4 + 2, 0);
        put_be16(l4 + 2, csum_finish(csum_add(0, l4, l4_size)));
    }
    pad_frame__(b, f.frame_ofs);
}

void pkt_put_icmp_echo_reply(struct vxbuf *b, const struct pkt_info *req,
                             const uint8_t src_mac[6])
{
    struct pkt_ipv4_frame f = pkt_start_ipv4(b, req->eth_src, src_mac, req->has_vlan,
                                             req->vlan_tci, req->ip_dst, req->ip_src,
                                             IPPROTO_ICMP_, 64);
    uint8_t *icmp = vxbuf_put(b, req->l4, req->l4_size);

    icmp[0] = ICMP_ECHO_REPLY;
    icmp[1] = 0;
    pkt_finish_ipv4(b, f);
}

void pkt_put_icmp_time_exceeded(struct vxbuf *b, const struct pkt_info *orig,
                                uint32_t src_ip, const uint8_t src_mac[6],
                                const uint8_t dst_mac[6])
{
    struct pkt_ipv4_frame f = pkt_start_ipv4(b, dst_mac, src_mac, orig->has_vlan,
                                             orig->vlan_tci, src_ip, orig->ip_src,
                                             IPPROTO_ICMP_, 64);
    uint8_t *icmp = vxbuf_put_zeros(b, 8);

    icmp[0] = ICMP_TIME_EXCEEDED;
    icmp[1] = 0;                /* TTL exceeded in transit */
    vxbuf_put(b, orig->ip, MIN(orig->ip_size, orig->ip_hlen + 8));
    pkt_finish_ipv4(b, f);
}
