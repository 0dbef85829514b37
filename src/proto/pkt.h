/* Frame parsing and building: Ethernet (with an optional 802.1Q tag), ARP,
 * IPv4, UDP and ICMP.
 *
 * pkt_parse() reads only through bounds checks and never trusts a length
 * field beyond the bytes actually present; a malformed frame yields a
 * specific enum pkt_err for the drop counters, never a crash.  The builders
 * append complete frames with correct IPv4, UDP and ICMP checksums.
 * Thread-safe: no state. */
#ifndef VX_PKT_H
#define VX_PKT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol numbers and header layouts come from glibc: ETHERTYPE_* and
 * ETH_ZLEN (net/ethernet.h), ARPOP_* and struct ether_arp
 * (netinet/if_ether.h), IPPROTO_* and struct iphdr, struct udphdr,
 * ICMP_* (netinet/).  Frames are not aligned, so the structs give field
 * offsets (offsetof) for get_be*()/put_be*(), never pointers. */
#include <net/ethernet.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>

#include "core/buf.h"


/* X(NAME, text for logs and counters) */
#define PKT_ERRS(X) \
    X(PKT_OK, "ok") \
    X(PKT_ERR_TRUNC_ETH, "truncated Ethernet header") \
    X(PKT_ERR_TRUNC_ARP, "truncated ARP") \
    X(PKT_ERR_BAD_ARP, "ARP not Ethernet/IPv4")  /* not Ethernet/IPv4 ARP */ \
    X(PKT_ERR_TRUNC_IP, "truncated IPv4 header") \
    X(PKT_ERR_BAD_IP, "bad IPv4 header")  /* version, header length or total length */ \
    X(PKT_ERR_IP_FRAGMENT, "IPv4 fragment") \
    X(PKT_ERR_TRUNC_UDP, "truncated UDP header") \
    X(PKT_ERR_BAD_UDP_LEN, "bad UDP length") \
    X(PKT_ERR_TRUNC_ICMP, "truncated ICMP header")
enum pkt_err {
#define X(NAME, TEXT) NAME,
    PKT_ERRS(X)
#undef X
    PKT_N_ERRS
};
const char *pkt_err_to_string(enum pkt_err);

struct pkt_arp {
    uint16_t op;
    uint8_t sha[6];
    uint32_t spa;
    uint8_t tha[6];
    uint32_t tpa;
};

struct pkt_info {
    uint8_t eth_dst[6];
    uint8_t eth_src[6];
    bool has_vlan;
    uint16_t vlan_tci;
    uint16_t eth_type;

    struct pkt_arp arp;         /* eth_type == ETHERTYPE_ARP */

    /* eth_type == ETHERTYPE_IP */
    const uint8_t *ip;          /* the IPv4 header */
    size_t ip_size;             /* total length, trimmed of Ethernet padding */
    size_t ip_hlen;
    uint32_t ip_src, ip_dst;
    uint8_t ip_proto;
    uint8_t ip_ttl;
    uint16_t ip_id;

    const uint8_t *l4;          /* UDP or ICMP header */
    size_t l4_size;
    uint16_t udp_src, udp_dst;
    uint8_t icmp_type, icmp_code;
    const uint8_t *payload;     /* UDP or ICMP payload */
    size_t payload_size;
};

/* Parses 'frame'.  On PKT_OK, fields for the layers present are set and all
 * pointers point into 'frame'.  Only ARP and IPv4 are parsed past L2; the L4
 * of IPv4 is parsed for UDP and ICMP. */
enum pkt_err pkt_parse(const uint8_t *frame, size_t size, struct pkt_info *);

/* Internet checksum (RFC 1071) over 'size' bytes, starting from 'sum'. */
uint32_t csum_add(uint32_t sum, const void *, size_t size);
uint16_t csum_finish(uint32_t sum);
/* A 32-bit value's contribution to an RFC 1071 sum (its two 16-bit
 * words): for checksums summed from the values a builder writes. */
static inline uint32_t csum_u32(uint32_t v)
{
    return (v >> 16) + (v & 0xffff);
}

/* Writes an Ethernet header at 'p' (with the VLAN tag of 'vlan_tci' if
 * 'has_vlan'); returns the byte after it. */
uint8_t *pkt_write_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
                       bool has_vlan, uint16_t vlan_tci, uint16_t eth_type);
/* Appends an Ethernet header (with the VLAN tag of 'vlan_tci' if 'has_vlan')
 * and returns its offset in 'b'. */
size_t pkt_put_eth(struct vxbuf *b, const uint8_t dst[6], const uint8_t src[6],
                   bool has_vlan, uint16_t vlan_tci, uint16_t eth_type);

/* Appends a complete Ethernet/IPv4 ARP frame (RFC 826) from 'sha' to
 * 'eth_dst', optionally VLAN-tagged, padded to the Ethernet minimum. */
void pkt_put_arp(struct vxbuf *b, const uint8_t eth_dst[6], bool has_vlan, uint16_t vlan_tci,
                 uint16_t op, const uint8_t sha[6], uint32_t spa,
                 const uint8_t tha[6], uint32_t tpa);

/* Appends a complete ARP reply frame answering 'req' (a parsed request):
 * Ethernet source and ARP sender hardware address are 'answer_mac', sender
 * protocol address is the requested IP, target is the requester (RFC 826).
 * Padded to the Ethernet minimum. */
void pkt_put_arp_reply(struct vxbuf *b, const struct pkt_info *req, const uint8_t answer_mac[6]);
/* The same reply written at 'p', PKT_ARP_REPLY_SIZE bytes, every one. */
#define PKT_ARP_REPLY_SIZE ETH_ZLEN
void pkt_write_arp_reply(uint8_t *p, const struct pkt_info *req, const uint8_t answer_mac[6]);

/* Where an IPv4 frame under construction starts, and its IPv4 header. */
struct pkt_ipv4_frame {
    size_t frame_ofs;
    size_t ip_ofs;
};

/* Starts an IPv4 frame: Ethernet + IPv4 header (TTL 64 unless 'ttl' != 0,
 * DF clear).  Returns the offsets to pass to pkt_finish_ipv4(), which
 * fills the lengths and checksums once the L4 header and payload follow,
 * including the UDP checksum (RFC 768) when 'ip_proto' is UDP and the ICMP
 * checksum (RFC 792) when it is ICMP.  Pads the frame to the Ethernet
 * minimum. */
struct pkt_ipv4_frame pkt_start_ipv4(struct vxbuf *b, const uint8_t eth_dst[6],
                                     const uint8_t eth_src[6], bool has_vlan,
                                     uint16_t vlan_tci, uint32_t ip_src, uint32_t ip_dst,
                                     uint8_t ip_proto, uint8_t ttl);
void pkt_finish_ipv4(struct vxbuf *b, struct pkt_ipv4_frame);
/* Writes at 'ip' an IPv4 header (TTL 64, DF clear) and a UDP header, with
 * their lengths and checksums, for a UDP payload of 'payload_size' bytes
 * that follows them and whose sum is 'payload_sum': csum_add() over the
 * payload's spans that are not all zeros, each at an even offset in it
 * (zero bytes add nothing to a one's complement sum, RFC 1071), so the
 * checksum costs the headers and those spans, not the whole payload. */
void pkt_write_ipv4_udp(uint8_t *ip, uint32_t src, uint32_t dst, uint16_t sport,
                        uint16_t dport, size_t payload_size, uint32_t payload_sum);

/* Appends a UDP header with the given ports; pkt_finish_ipv4() sets length
 * and checksum. */
void pkt_put_udp(struct vxbuf *b, uint16_t src, uint16_t dst);

/* Appends the echo reply (RFC 792) to the parsed echo request 'req', sent
 * from 'src_mac' and the request's destination IP back to its sender, with
 * the request's identifier, sequence number and data. */
void pkt_put_icmp_echo_reply(struct vxbuf *b, const struct pkt_info *req,
                             const uint8_t src_mac[6]);

/* Appends an ICMP time exceeded in transit (type 11, code 0; RFC 792) for
 * the parsed IPv4 packet 'orig', from 'src_ip'/'src_mac' to the packet's
 * IP sender at 'dst_mac' (not the packet's Ethernet source, which a router
 * may already have rewritten).  It quotes the original IP header and the
 * first 8 bytes of its payload, which is what traceroute matches on. */
void pkt_put_icmp_time_exceeded(struct vxbuf *b, const struct pkt_info *orig,
                                uint32_t src_ip, const uint8_t src_mac[6],
                                const uint8_t dst_mac[6]);

#endif
