#include "proto/pkt.h"

#include <string.h>

#include "core/util.h"

VX_DEFINE_NAMES(pkt_err_to_string, enum pkt_err, PKT_ERRS, PKT_N_ERRS)

/* Field offsets in the wire headers, from glibc's structs (pkt.h). */
#define ARP_(F) offsetof(struct ether_arp, F)
#define IP_(F) offsetof(struct iphdr, F)
#define UDP_(F) offsetof(struct udphdr, F)
#define ICMP_(F) offsetof(struct icmphdr, F)
#define IP_FRAG_MASK (IP_MF | IP_OFFMASK)

static enum pkt_err parse_arp__(struct vxcur *c, struct pkt_info *pi)
{
    const uint8_t *a = vxcur_pull(c, sizeof(struct ether_arp));

    if (!a) {
        return PKT_ERR_TRUNC_ARP;
    }
    /* RFC 826: Ethernet hardware, IPv4 protocol, address sizes 6 and 4. */
    if (get_be16(a + ARP_(arp_hrd)) != ARPHRD_ETHER || get_be16(a + ARP_(arp_pro)) != ETHERTYPE_IP
        || a[ARP_(arp_hln)] != ETH_ALEN || a[ARP_(arp_pln)] != 4) {
        return PKT_ERR_BAD_ARP;
    }
    pi->arp.op = get_be16(a + ARP_(arp_op));
    memcpy(pi->arp.sha, a + ARP_(arp_sha), ETH_ALEN);
    pi->arp.spa = get_be32(a + ARP_(arp_spa));
    memcpy(pi->arp.tha, a + ARP_(arp_tha), ETH_ALEN);
    pi->arp.tpa = get_be32(a + ARP_(arp_tpa));
    return PKT_OK;
}

/* UDP (RFC 768) or ICMP (RFC 792) after a whole IPv4 header. */
static enum pkt_err parse_l4__(struct pkt_info *pi)
{
    if (pi->ip_proto == IPPROTO_UDP) {
        if (pi->l4_size < sizeof(struct udphdr)) {
            return PKT_ERR_TRUNC_UDP;
        }
        uint16_t ulen = get_be16(pi->l4 + UDP_(len));
        if (ulen < sizeof(struct udphdr) || ulen > pi->l4_size) {
            return PKT_ERR_BAD_UDP_LEN;
        }
        pi->udp_src = get_be16(pi->l4 + UDP_(source));
        pi->udp_dst = get_be16(pi->l4 + UDP_(dest));
        pi->payload = pi->l4 + sizeof(struct udphdr);
        pi->payload_size = ulen - sizeof(struct udphdr);
    } else if (pi->ip_proto == IPPROTO_ICMP) {
        if (pi->l4_size < ICMP_MINLEN) {
            return PKT_ERR_TRUNC_ICMP;
        }
        pi->icmp_type = pi->l4[ICMP_(type)];
        pi->icmp_code = pi->l4[ICMP_(code)];
        pi->payload = pi->l4 + ICMP_MINLEN;
        pi->payload_size = pi->l4_size - ICMP_MINLEN;
    }
    return PKT_OK;
}

/* RFC 791. */
static enum pkt_err parse_ipv4__(struct vxcur *c, struct pkt_info *pi)
{
    const uint8_t *ip = c->p;
    size_t hlen, total;

    if (c->left < sizeof(struct iphdr)) {
        return PKT_ERR_TRUNC_IP;
    }
    hlen = (size_t)(ip[0] & 0x0f) * 4;          /* version and IHL share byte 0 */
    total = get_be16(ip + IP_(tot_len));
    if (ip[0] >> 4 != IPVERSION || hlen < sizeof(struct iphdr) || total < hlen
        || total > c->left) {
        return PKT_ERR_BAD_IP;
    }
    /* More-fragments set or a non-zero offset: not a whole datagram. */
    if (get_be16(ip + IP_(frag_off)) & IP_FRAG_MASK) {
        return PKT_ERR_IP_FRAGMENT;
    }
    pi->ip = ip;
    pi->ip_size = total;        /* drops Ethernet padding */
    pi->ip_hlen = hlen;
    pi->ip_ttl = ip[IP_(ttl)];
    pi->ip_proto = ip[IP_(protocol)];
    pi->ip_id = get_be16(ip + IP_(id));
    pi->ip_src = get_be32(ip + IP_(saddr));
    pi->ip_dst = get_be32(ip + IP_(daddr));
    pi->l4 = ip + hlen;
    pi->l4_size = total - hlen;
    return parse_l4__(pi);
}

enum pkt_err pkt_parse(const uint8_t *frame, size_t size, struct pkt_info *pi)
{
    struct vxcur c = vxcur_make(frame, size);
    const uint8_t *eth = vxcur_pull(&c, ETH_HLEN);

    pi->has_vlan = false;
    pi->ip = NULL;
    pi->l4 = NULL;
    pi->payload = NULL;
    pi->payload_size = 0;
    if (!eth) {
        return PKT_ERR_TRUNC_ETH;
    }
    memcpy(pi->eth_dst, eth + offsetof(struct ether_header, ether_dhost), ETH_ALEN);
    memcpy(pi->eth_src, eth + offsetof(struct ether_header, ether_shost), ETH_ALEN);
    pi->eth_type = get_be16(eth + offsetof(struct ether_header, ether_type));
    if (pi->eth_type == ETHERTYPE_VLAN) {
        const uint8_t *tag = vxcur_pull(&c, 4);     /* 802.1Q: TCI, then the type */
        if (!tag) {
            return PKT_ERR_TRUNC_ETH;
        }
        pi->has_vlan = true;
        pi->vlan_tci = get_be16(tag);
        pi->eth_type = get_be16(tag + 2);
    }
    switch (pi->eth_type) {
    case ETHERTYPE_ARP:
        return parse_arp__(&c, pi);
    case ETHERTYPE_IP:
        return parse_ipv4__(&c, pi);
    default:
        return PKT_OK;
    }
}

/* RFC 1071 sums 16-bit words in ones' complement, i.e. modulo 2^16 - 1,
 * and (2(B)) that sum is independent of byte order: the bytes are added
 * as the machine loads them, 8 at a time into 64 bits, and the folded
 * 16-bit result is swapped to network order once. */
uint32_t csum_add(uint32_t sum, const void *p_, size_t size)
{
    const uint8_t *p = p_;
    uint64_t acc = 0;

    for (; size >= 8; p += 8, size -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        acc += (w & 0xffffffff) + (w >> 32);
    }
    if (size) {
        uint64_t w = 0;                     /* the tail, padded with zero bytes (RFC 1071) */
        memcpy(&w, p, size);
        acc += (w & 0xffffffff) + (w >> 32);
    }
    while (acc >> 16) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    uint8_t folded[2];
    memcpy(folded, &(uint16_t) { (uint16_t)acc }, 2);
    uint64_t total = (uint64_t)sum + get_be16(folded);
    return (uint32_t)((total & 0xffffffff) + (total >> 32));
}

uint16_t csum_finish(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint8_t *pkt_write_eth(uint8_t *e, const uint8_t dst[6], const uint8_t src[6],
                       bool has_vlan, uint16_t vlan_tci, uint16_t eth_type)
{
    uint8_t *type = e + offsetof(struct ether_header, ether_type);

    memcpy(e + offsetof(struct ether_header, ether_dhost), dst, ETH_ALEN);
    memcpy(e + offsetof(struct ether_header, ether_shost), src, ETH_ALEN);
    if (has_vlan) {
        put_be16(type, ETHERTYPE_VLAN);
        put_be16(type + 2, vlan_tci);
        type += 4;
    }
    put_be16(type, eth_type);
    return type + 2;
}

size_t pkt_put_eth(struct vxbuf *b, const uint8_t dst[6], const uint8_t src[6],
                   bool has_vlan, uint16_t vlan_tci, uint16_t eth_type)
{
    size_t ofs = vxbuf_ofs(b);

    pkt_write_eth(vxbuf_put_uninit(b, has_vlan ? ETH_HLEN + 4 : ETH_HLEN), dst, src, has_vlan,
                  vlan_tci, eth_type);
    return ofs;
}

static void pad_frame__(struct vxbuf *b, size_t frame_ofs)
{
    size_t size = vxbuf_ofs(b) - frame_ofs;
    if (size < ETH_ZLEN) {
        vxbuf_put_zeros(b, ETH_ZLEN - size);
    }
}

void pkt_put_arp(struct vxbuf *b, const uint8_t eth_dst[6], bool has_vlan, uint16_t vlan_tci,
                 uint16_t op, const uint8_t sha[6], uint32_t spa,
                 const uint8_t tha[6], uint32_t tpa)
{
    size_t ofs = pkt_put_eth(b, eth_dst, sha, has_vlan, vlan_tci, ETHERTYPE_ARP);
    uint8_t *a = vxbuf_put_zeros(b, sizeof(struct ether_arp));

    put_be16(a + ARP_(arp_hrd), ARPHRD_ETHER);
    put_be16(a + ARP_(arp_pro), ETHERTYPE_IP);
    a[ARP_(arp_hln)] = ETH_ALEN;
    a[ARP_(arp_pln)] = 4;
    put_be16(a + ARP_(arp_op), op);
    memcpy(a + ARP_(arp_sha), sha, ETH_ALEN);
    put_be32(a + ARP_(arp_spa), spa);
    memcpy(a + ARP_(arp_tha), tha, ETH_ALEN);
    put_be32(a + ARP_(arp_tpa), tpa);
    pad_frame__(b, ofs);
}

void pkt_write_arp_reply(uint8_t *p, const struct pkt_info *req, const uint8_t mac[6])
{
    /* RFC 826 for Ethernet and IPv4, operation 2. */
    static const uint8_t arp_hdr[8] = { 0, ARPHRD_ETHER, 0x08, 0x00, ETH_ALEN, 4, 0, ARPOP_REPLY };
    uint8_t *a = pkt_write_eth(p, req->eth_src, mac, req->has_vlan, req->vlan_tci, ETHERTYPE_ARP);

    memcpy(a, arp_hdr, sizeof arp_hdr);
    memcpy(a + ARP_(arp_sha), mac, ETH_ALEN);
    put_be32(a + ARP_(arp_spa), req->arp.tpa);
    memcpy(a + ARP_(arp_tha), req->arp.sha, ETH_ALEN);
    put_be32(a + ARP_(arp_tpa), req->arp.spa);
    /* The Ethernet minimum, in constant sizes the compiler writes inline. */
    uint8_t *end = a + sizeof(struct ether_arp);
    if (req->has_vlan) {
        memset(end, 0, PKT_ARP_REPLY_SIZE - ETH_HLEN - 4 - sizeof(struct ether_arp));
    } else {
        memset(end, 0, PKT_ARP_REPLY_SIZE - ETH_HLEN - sizeof(struct ether_arp));
    }
}

void pkt_put_arp_reply(struct vxbuf *b, const struct pkt_info *req, const uint8_t mac[6])
{
    pkt_write_arp_reply(vxbuf_put_uninit(b, PKT_ARP_REPLY_SIZE), req, mac);
}

/* Writes every byte of an IPv4 header at 'ip' (no options, DF clear, id
 * 0), its checksum 0 for the caller to set; returns the sum (RFC 1071) of
 * what it wrote. */
static uint32_t write_ipv4_header__(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
                                    uint8_t ttl, uint16_t tot_len)
{
    uint16_t ver_ihl_tos = (IPVERSION << 4 | sizeof(struct iphdr) / 4) << 8;
    uint16_t ttl_proto = (uint16_t)(ttl << 8 | proto);

    put_be16(ip, ver_ihl_tos);
    put_be16(ip + IP_(tot_len), tot_len);
    put_be32(ip + IP_(id), 0);                  /* id, flags, fragment offset */
    put_be16(ip + IP_(ttl), ttl_proto);
    put_be16(ip + IP_(check), 0);
    put_be32(ip + IP_(saddr), src);
    put_be32(ip + IP_(daddr), dst);
    return ver_ihl_tos + tot_len + ttl_proto + csum_u32(src) + csum_u32(dst);
}

struct pkt_ipv4_frame pkt_start_ipv4(struct vxbuf *b, const uint8_t eth_dst[6],
                                     const uint8_t eth_src[6], bool has_vlan,
                                     uint16_t vlan_tci, uint32_t ip_src, uint32_t ip_dst,
                                     uint8_t ip_proto, uint8_t ttl)
{
    size_t frame_ofs = pkt_put_eth(b, eth_dst, eth_src, has_vlan, vlan_tci, ETHERTYPE_IP);
    size_t ip_ofs = vxbuf_ofs(b);

    write_ipv4_header__(vxbuf_put_uninit(b, sizeof(struct iphdr)), ip_src, ip_dst,
                        ip_proto, ttl ? ttl : IPDEFTTL, 0);
    return (struct pkt_ipv4_frame) { frame_ofs, ip_ofs };
}

void pkt_put_udp(struct vxbuf *b, uint16_t src, uint16_t dst)
{
    uint8_t *u = vxbuf_put_zeros(b, sizeof(struct udphdr));
    put_be16(u + UDP_(source), src);
    put_be16(u + UDP_(dest), dst);
}

/* RFC 768: the UDP checksum, summed from the values of the pseudo-header
 * (addresses, protocol, length) and of the header (ports, length), plus
 * 'payload_sum', the sum of the payload (csum_add()); 0 is sent as
 * 0xffff (0 means none). */
static uint16_t udp_check__(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                            size_t size, uint32_t payload_sum)
{
    uint32_t sum = csum_u32(payload_sum) + csum_u32(src) + csum_u32(dst) + IPPROTO_UDP
                   + 2 * (uint32_t)size + sport + dport;
    uint16_t check = csum_finish(sum);
    return check ? check : 0xffff;
}

static void finish_udp__(const uint8_t *ip, uint8_t *udp, size_t size, uint32_t payload_sum)
{
    put_be16(udp + UDP_(len), (uint16_t)size);
    put_be16(udp + UDP_(check),
             udp_check__(get_be32(ip + IP_(saddr)), get_be32(ip + IP_(daddr)),
                         get_be16(udp + UDP_(source)), get_be16(udp + UDP_(dest)), size,
                         payload_sum));
}

/* The IPv4 header's length and checksum; returns the header. */
static uint8_t *finish_ip_header__(struct vxbuf *b, struct pkt_ipv4_frame f)
{
    uint8_t *ip = vxbuf_at(b, f.ip_ofs);

    put_be16(ip + IP_(tot_len), (uint16_t)(vxbuf_ofs(b) - f.ip_ofs));
    put_be16(ip + IP_(check), csum_finish(csum_add(0, ip, sizeof(struct iphdr))));
    return ip;
}

void pkt_write_ipv4_udp(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t sport,
                        uint16_t dport, size_t payload_size, uint32_t payload_sum)
{
    size_t udp_size = sizeof(struct udphdr) + payload_size;
    uint8_t *udp = ip + sizeof(struct iphdr);

    /* Every byte written once; the checksums from the values written. */
    uint32_t ip_sum = write_ipv4_header__(ip, src, dst, IPPROTO_UDP, IPDEFTTL,
                                          (uint16_t)(sizeof(struct iphdr) + udp_size));
    put_be16(ip + IP_(check), csum_finish(ip_sum));
    put_be16(udp + UDP_(source), sport);
    put_be16(udp + UDP_(dest), dport);
    put_be16(udp + UDP_(len), (uint16_t)udp_size);
    put_be16(udp + UDP_(check), udp_check__(src, dst, sport, dport, udp_size, payload_sum));
}

void pkt_finish_ipv4(struct vxbuf *b, struct pkt_ipv4_frame f)
{
    uint8_t *ip = finish_ip_header__(b, f);
    uint8_t *l4 = ip + sizeof(struct iphdr);
    size_t l4_size = vxbuf_ofs(b) - f.ip_ofs - sizeof(struct iphdr);

    if (ip[IP_(protocol)] == IPPROTO_UDP) {
        const uint8_t *payload = l4 + sizeof(struct udphdr);
        finish_udp__(ip, l4, l4_size, csum_add(0, payload, l4_size - sizeof(struct udphdr)));
    } else if (ip[IP_(protocol)] == IPPROTO_ICMP) {
        put_be16(l4 + ICMP_(checksum), 0);
        put_be16(l4 + ICMP_(checksum), csum_finish(csum_add(0, l4, l4_size)));
    }
    pad_frame__(b, f.frame_ofs);
}

void pkt_put_icmp_echo_reply(struct vxbuf *b, const struct pkt_info *req,
                             const uint8_t src_mac[6])
{
    struct pkt_ipv4_frame f = pkt_start_ipv4(b, req->eth_src, src_mac, req->has_vlan,
                                             req->vlan_tci, req->ip_dst, req->ip_src,
                                             IPPROTO_ICMP, IPDEFTTL);
    uint8_t *icmp = vxbuf_put(b, req->l4, req->l4_size);

    icmp[ICMP_(type)] = ICMP_ECHOREPLY;
    icmp[ICMP_(code)] = 0;
    pkt_finish_ipv4(b, f);
}

void pkt_put_icmp_time_exceeded(struct vxbuf *b, const struct pkt_info *orig,
                                uint32_t src_ip, const uint8_t src_mac[6],
                                const uint8_t dst_mac[6])
{
    struct pkt_ipv4_frame f = pkt_start_ipv4(b, dst_mac, src_mac, orig->has_vlan,
                                             orig->vlan_tci, src_ip, orig->ip_src,
                                             IPPROTO_ICMP, IPDEFTTL);
    uint8_t *icmp = vxbuf_put_zeros(b, ICMP_MINLEN);

    icmp[ICMP_(type)] = ICMP_TIME_EXCEEDED;
    icmp[ICMP_(code)] = ICMP_EXC_TTL;
    vxbuf_put(b, orig->ip, MIN(orig->ip_size, orig->ip_hlen + 8));
    pkt_finish_ipv4(b, f);
}
