/* Frame parsing, ARP replies, and the DHCP server: golden exchanges, every
 * NAK case, and malformed packets each rejected with its reason. */
#include <criterion/criterion.h>

#include "proto/dhcp.h"
#include "proto/pkt.h"
#include "testutil.h"

/* vm5 of the article (8a:14:11:f1:3d:c9, 192.168.5.1) asks who has the
 * gateway 192.168.5.253. */
#define ARP_REQUEST \
    "ffffffffffff" "8a1411f13dc9" "0806" \
    "0001" "0800" "06" "04" "0001" "8a1411f13dc9" "c0a80501" "000000000000" "c0a805fd"

/* The reply: from the router MAC 00:bb:cc:dd:ee:00 to vm5, every field set
 * (RFC 826), padded to 60 bytes. */
#define ARP_REPLY \
    "8a1411f13dc9" "00bbccddee00" "0806" \
    "0001" "0800" "06" "04" "0002" "00bbccddee00" "c0a805fd" "8a1411f13dc9" "c0a80501" \
    "000000000000000000000000000000000000"

Test(arp, golden_reply)
{
    size_t size;
    uint8_t *req = hex_to_bytes(ARP_REQUEST, &size);
    struct pkt_info pi;
    uint8_t router[6] = { 0x00, 0xbb, 0xcc, 0xdd, 0xee, 0x00 };
    struct vxbuf b = VXBUF_INITIALIZER;

    cr_assert_eq(pkt_parse(req, size, &pi), PKT_OK);
    cr_assert_eq(pi.eth_type, ETHERTYPE_ARP);
    cr_assert_eq(pi.arp.op, ARPOP_REQUEST);
    cr_assert_eq(pi.arp.spa, 0xc0a80501);
    cr_assert_eq(pi.arp.tpa, 0xc0a805fd);
    memset(vxbuf_put_uninit(&b, 64), 0xa5, 64);     /* the reply must write every byte */
    vxbuf_clear(&b);
    pkt_put_arp_reply(&b, &pi, router);
    char *hex = buf_to_hex(&b);
    cr_assert_str_eq(hex, ARP_REPLY);
    free(hex);
    vxbuf_uninit(&b);
    free(req);
}

Test(arp, vlan_tagged_request)
{
    size_t size;
    uint8_t *req = hex_to_bytes("ffffffffffff" "8a1411f13dc9" "8100" "0064" "0806"
                                "0001080006040001" "8a1411f13dc9" "c0a80501" "000000000000" "c0a805fd",
                                &size);
    struct pkt_info pi;
    struct vxbuf b = VXBUF_INITIALIZER;
    uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

    cr_assert_eq(pkt_parse(req, size, &pi), PKT_OK);
    cr_assert(pi.has_vlan);
    cr_assert_eq(pi.vlan_tci, 100);
    cr_assert_eq(pi.arp.tpa, 0xc0a805fd);
    /* Into memory that held other bytes: the reply must write every one. */
    memset(vxbuf_put_uninit(&b, 64), 0xa5, 64);
    vxbuf_clear(&b);
    pkt_put_arp_reply(&b, &pi, mac);
    cr_assert_eq(b.size, 60, "padded to the Ethernet minimum");
    cr_assert_eq(get_be16(vxbuf_at(&b, 12)), ETHERTYPE_VLAN, "the reply keeps the tag");
    cr_assert_eq(get_be16(vxbuf_at(&b, 14)), 100);
    cr_assert_eq(get_be16(vxbuf_at(&b, 16)), ETHERTYPE_ARP);
    cr_assert_eq(get_be16(vxbuf_at(&b, 18 + 6)), ARPOP_REPLY);
    cr_assert_eq(get_be32(vxbuf_at(&b, 18 + 14)), 0xc0a805fd, "the sender is the target asked for");
    cr_assert_eq(get_be32(vxbuf_at(&b, 18 + 24)), 0xc0a80501, "the target is the asker");
    for (size_t i = 18 + 28; i < 60; i++) {
        cr_assert_eq(*(uint8_t *)vxbuf_at(&b, i), 0, "padding byte %zu", i);
    }
    vxbuf_uninit(&b);
    free(req);
}

Test(pkt, malformed_frames)
{
    struct { const char *name; const char *hex; enum pkt_err err; } cases[] = {
        { "13-byte frame", "ffffffffffff8a1411f13dc908", PKT_ERR_TRUNC_ETH },
        { "VLAN tag cut", "ffffffffffff8a1411f13dc9" "8100" "00", PKT_ERR_TRUNC_ETH },
        { "ARP cut", "ffffffffffff8a1411f13dc90806" "00010800060400", PKT_ERR_TRUNC_ARP },
        { "ARP for IPv6", "ffffffffffff8a1411f13dc90806" "000186dd06100001" "8a1411f13dc9c0a80501000000000000c0a805fd", PKT_ERR_BAD_ARP },
        { "IPv4 cut", "ffffffffffff8a1411f13dc90800" "4500", PKT_ERR_TRUNC_IP },
        { "IPv4 IHL 4", "ffffffffffff8a1411f13dc90800" "44000014000000004011000000000000ffffffff", PKT_ERR_BAD_IP },
        { "IPv4 total length past frame", "ffffffffffff8a1411f13dc90800" "450000ff000000004011000000000000ffffffff", PKT_ERR_BAD_IP },
        { "IPv4 version 6", "ffffffffffff8a1411f13dc90800" "650000140000000040110000" "00000000ffffffff", PKT_ERR_BAD_IP },
        { "fragment", "ffffffffffff8a1411f13dc90800" "4500001c00002001401100000000000" "0ffffffff00440043000800" "00", PKT_ERR_IP_FRAGMENT },
        { "UDP cut", "ffffffffffff8a1411f13dc90800" "45000018000000004011000000000000ffffffff" "00440043", PKT_ERR_TRUNC_UDP },
        { "UDP length 4", "ffffffffffff8a1411f13dc90800" "4500001c000000004011000000000000ffffffff" "0044004300040000", PKT_ERR_BAD_UDP_LEN },
        { "UDP length past IP", "ffffffffffff8a1411f13dc90800" "4500001c000000004011000000000000ffffffff" "0044004300200000", PKT_ERR_BAD_UDP_LEN },
        { "ICMP cut", "ffffffffffff8a1411f13dc90800" "45000018000000004001000000000000ffffffff" "08000000", PKT_ERR_TRUNC_ICMP },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        uint8_t *f = hex_to_bytes(cases[k].hex, &size);
        struct pkt_info pi;
        enum pkt_err err = pkt_parse(f, size, &pi);
        cr_assert_eq(err, cases[k].err, "%s: got '%s'", cases[k].name, pkt_err_to_string(err));
        free(f);
    }
}

/* --- DHCP --- */

/* Builds a client message (as the UDP payload) with the given options. */
static size_t build_dhcp(uint8_t *p, uint8_t type, uint32_t ciaddr, uint16_t flags,
                         const uint8_t *opts, size_t opts_size)
{
    memset(p, 0, 600);
    p[0] = 1; p[1] = 1; p[2] = 6;
    put_be32(p + 4, 0x3903f326);
    put_be16(p + 10, flags);
    put_be32(p + 12, ciaddr);
    memcpy(p + 28, "\x8a\x14\x11\xf1\x3d\xc9", 6);
    put_be32(p + 236, DHCP_MAGIC);
    size_t n = 240;
    p[n++] = DHO_MSG_TYPE; p[n++] = 1; p[n++] = type;
    if (opts_size) {
        memcpy(p + n, opts, opts_size);
    }
    n += opts_size;
    p[n++] = DHO_END;
    return n;
}

static const struct dhcp_lease lease5 = {
    .ip = 0xc0a80501, .mask = 0xffffff00, .server_id = 0xc0a805fd, .router = 0xc0a805fd,
    .n_dns = 1, .dns = { 0xc0a805f9 }, .domain = NULL, .mtu = 1450, .lease_time = 86400,
    .server_mac = { 0x00, 0xbb, 0xcc, 0xdd, 0xee, 0x00 },
};

#define IP(a, b, c, d) (uint8_t)(a), (uint8_t)(b), (uint8_t)(c), (uint8_t)(d)

Test(dhcp, parse_options_pad_overload)
{
    uint8_t p[600];
    /* pad, PRL {1,3,6,26}, max size 1500, requested IP, overload: sname. */
    uint8_t opts[] = { 0, 0, DHO_PARAM_REQ, 4, 1, 3, 6, 26, DHO_MAX_SIZE, 2, 0x05, 0xdc,
                       DHO_OVERLOAD, 1, 2 };
    size_t n = build_dhcp(p, DHCPREQUEST, 0, 0, opts, sizeof opts);
    /* In 'sname': the server identifier, then end (RFC 2132 9.3). */
    uint8_t sname[] = { DHO_SERVER_ID, 4, IP(192, 168, 5, 253), DHO_REQUESTED_IP, 4, IP(192, 168, 5, 1), DHO_END };
    memcpy(p + 44, sname, sizeof sname);
    struct dhcp_msg m;

    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    cr_assert_eq(m.msg_type, DHCPREQUEST);
    cr_assert_eq(m.n_params, 4);
    cr_assert_eq(m.params[3], 26);
    cr_assert_eq(m.max_size, 1500);
    cr_assert(m.has_server_id, "option found in the overloaded sname field");
    cr_assert_eq(m.server_id, 0xc0a805fd);
    cr_assert_eq(m.requested_ip, 0xc0a80501);
    cr_assert_eq(dhcp_decide(&m, &lease5), DHCP_V_ACK);
}

Test(dhcp, malformed)
{
    uint8_t p[600];
    struct dhcp_msg m;
    size_t n;

    n = build_dhcp(p, DHCPDISCOVER, 0, 0, NULL, 0);
    cr_assert_eq(dhcp_parse(p, 200, &m), DHCP_ERR_TRUNCATED, "truncated header");
    p[0] = 2;
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_NOT_REQUEST, "a BOOTREPLY from a client");
    p[0] = 1; p[2] = 16;
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_BAD_HTYPE, "hlen 16");
    p[2] = 6; p[236] = 0;
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_BAD_COOKIE, "bad cookie");

    uint8_t overrun[] = { DHO_HOSTNAME, 200, 'a' };
    n = build_dhcp(p, DHCPDISCOVER, 0, 0, overrun, sizeof overrun);
    cr_assert_eq(dhcp_parse(p, n - 1, &m), DHCP_ERR_OPT_OVERRUN, "option past the end");

    uint8_t len_cut[] = { DHO_HOSTNAME };
    n = build_dhcp(p, DHCPDISCOVER, 0, 0, len_cut, sizeof len_cut);
    cr_assert_eq(dhcp_parse(p, n - 1, &m), DHCP_ERR_OPT_OVERRUN, "length byte missing");

    n = build_dhcp(p, DHCPDISCOVER, 0, 0, NULL, 0);
    cr_assert_eq(dhcp_parse(p, n - 1, &m), DHCP_ERR_NO_END, "no end option");

    uint8_t bad_len[] = { DHO_REQUESTED_IP, 3, 1, 2, 3 };
    n = build_dhcp(p, DHCPREQUEST, 0, 0, bad_len, sizeof bad_len);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_BAD_OPT_LEN, "requested IP of 3 bytes");

    n = build_dhcp(p, 0, 0, 0, NULL, 0);
    p[240] = DHO_PAD; p[241] = DHO_PAD; p[242] = DHO_PAD;
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_NO_MSG_TYPE, "no message type");

    n = build_dhcp(p, 42, 0, 0, NULL, 0);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_BAD_MSG_TYPE, "type 42");

    uint8_t bad_overload[] = { DHO_OVERLOAD, 1, 1 };
    n = build_dhcp(p, DHCPDISCOVER, 0, 0, bad_overload, sizeof bad_overload);
    memset(p + 108, 0, 128);    /* 'file' holds only pads: no end */
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_ERR_NO_END, "overloaded file without end");
}

static enum dhcp_verdict decide(uint8_t type, uint32_t ciaddr, const uint8_t *opts, size_t size)
{
    uint8_t p[600];
    struct dhcp_msg m;
    size_t n = build_dhcp(p, type, ciaddr, 0, opts, size);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    return dhcp_decide(&m, &lease5);
}

Test(dhcp, every_request_state_and_nak)
{
    uint8_t sel_ok[] = { DHO_SERVER_ID, 4, IP(192, 168, 5, 253), DHO_REQUESTED_IP, 4, IP(192, 168, 5, 1) };
    uint8_t sel_wrong_ip[] = { DHO_SERVER_ID, 4, IP(192, 168, 5, 253), DHO_REQUESTED_IP, 4, IP(192, 168, 5, 9) };
    uint8_t sel_other[] = { DHO_SERVER_ID, 4, IP(10, 9, 9, 9), DHO_REQUESTED_IP, 4, IP(192, 168, 5, 1) };
    uint8_t sel_no_ip[] = { DHO_SERVER_ID, 4, IP(192, 168, 5, 253) };
    uint8_t reboot_ok[] = { DHO_REQUESTED_IP, 4, IP(192, 168, 5, 1) };
    uint8_t reboot_wrong[] = { DHO_REQUESTED_IP, 4, IP(192, 168, 5, 7) };

    cr_assert_eq(decide(DHCPDISCOVER, 0, NULL, 0), DHCP_V_OFFER);
    /* SELECTING (RFC 2131 4.3.2) */
    cr_assert_eq(decide(DHCPREQUEST, 0, sel_ok, sizeof sel_ok), DHCP_V_ACK);
    cr_assert_eq(decide(DHCPREQUEST, 0, sel_wrong_ip, sizeof sel_wrong_ip), DHCP_V_NAK_WRONG_IP);
    cr_assert_eq(decide(DHCPREQUEST, 0, sel_other, sizeof sel_other), DHCP_V_IGNORE_OTHER_SERVER);
    cr_assert_eq(decide(DHCPREQUEST, 0, sel_no_ip, sizeof sel_no_ip), DHCP_V_NAK_WRONG_SERVER);
    cr_assert_eq(decide(DHCPREQUEST, 0xc0a80501, sel_ok, sizeof sel_ok), DHCP_V_NAK_WRONG_SERVER,
                 "SELECTING with ciaddr set");
    /* INIT-REBOOT */
    cr_assert_eq(decide(DHCPREQUEST, 0, reboot_ok, sizeof reboot_ok), DHCP_V_ACK);
    cr_assert_eq(decide(DHCPREQUEST, 0, reboot_wrong, sizeof reboot_wrong), DHCP_V_NAK_WRONG_IP);
    cr_assert_eq(decide(DHCPREQUEST, 0xc0a80501, reboot_ok, sizeof reboot_ok), DHCP_V_NAK_WRONG_IP,
                 "INIT-REBOOT with ciaddr set");
    /* RENEWING / REBINDING */
    cr_assert_eq(decide(DHCPREQUEST, 0xc0a80501, NULL, 0), DHCP_V_ACK);
    cr_assert_eq(decide(DHCPREQUEST, 0xc0a80502, NULL, 0), DHCP_V_NAK_WRONG_IP);
    cr_assert_eq(decide(DHCPREQUEST, 0, NULL, 0), DHCP_V_NAK_WRONG_IP, "renewal without ciaddr");
    /* The rest */
    cr_assert_eq(decide(DHCPINFORM, 0xc0a80501, NULL, 0), DHCP_V_ACK_INFORM);
    cr_assert_eq(decide(DHCPRELEASE, 0xc0a80501, NULL, 0), DHCP_V_RELEASE);
    cr_assert_eq(decide(DHCPDECLINE, 0, reboot_ok, sizeof reboot_ok), DHCP_V_DECLINE);
    cr_assert_eq(decide(DHCPOFFER, 0, NULL, 0), DHCP_V_IGNORE_BAD_TYPE);
}

/* Verifies the IPv4 header checksum and the UDP checksum (with its
 * pseudo-header) of a frame, independently of the builder. */
static void assert_checksums(const uint8_t *f, size_t size)
{
    const uint8_t *ip = f + 14;
    size_t total = get_be16(ip + 2);
    uint32_t sum = 0;

    cr_assert(14 + total <= size);
    for (size_t i = 0; i < 20; i += 2) sum += get_be16(ip + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    cr_assert_eq(sum, 0xffff, "IPv4 header checksum");

    sum = get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) + get_be16(ip + 18)
          + 17 + (uint32_t)(total - 20);
    for (size_t i = 20; i < total; i += 2) {
        sum += i + 1 < total ? get_be16(ip + i) : (uint32_t)ip[i] << 8;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    cr_assert_eq(sum, 0xffff, "UDP checksum");
}

/* Finds option 'code' in a reply's options; returns its value or NULL. */
static const uint8_t *find_opt(const uint8_t *bootp, size_t size, uint8_t code, uint8_t *len)
{
    for (size_t i = 240; i < size && bootp[i] != DHO_END;) {
        if (bootp[i] == DHO_PAD) { i++; continue; }
        if (bootp[i] == code) { *len = bootp[i + 1]; return bootp + i + 2; }
        i += 2u + bootp[i + 1];
    }
    return NULL;
}

/* The whole exchange for udhcpc's usual DISCOVER (broadcast flag clear,
 * PRL 1,3,6,12,15,28,42): the OFFER's bytes. */
Test(dhcp, golden_offer)
{
    uint8_t p[600];
    uint8_t prl[] = { DHO_PARAM_REQ, 7, 1, 3, 6, 12, 15, 28, 42 };
    size_t n = build_dhcp(p, DHCPDISCOVER, 0, 0, prl, sizeof prl);
    struct vxbuf req = VXBUF_INITIALIZER, reply = VXBUF_INITIALIZER;
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint8_t src_mac[6] = { 0x8a, 0x14, 0x11, 0xf1, 0x3d, 0xc9 };

    /* The request frame, as the VM puts it on the wire. */
    struct pkt_ipv4_frame f = pkt_start_ipv4(&req, bcast, src_mac, false, 0, 0, 0xffffffff,
                                             IPPROTO_UDP, 64);
    pkt_put_udp(&req, DHCP_CLIENT_PORT, DHCP_SERVER_PORT);
    vxbuf_put(&req, p, n);
    pkt_finish_ipv4(&req, f);

    struct pkt_info pi;
    struct dhcp_msg m;
    cr_assert_eq(pkt_parse(vxbuf_data(&req), req.size, &pi), PKT_OK);
    cr_assert_eq(pi.udp_dst, 67);
    cr_assert_eq(dhcp_parse(pi.payload, pi.payload_size, &m), DHCP_OK);
    cr_assert_eq(dhcp_decide(&m, &lease5), DHCP_V_OFFER);
    dhcp_put_reply(&reply, &pi, &m, &lease5, DHCPOFFER);

    const uint8_t *r = vxbuf_data(&reply);
    /* Unicast to yiaddr and chaddr (RFC 2131 4.1: broadcast bit clear). */
    cr_assert_eq(memcmp(r, src_mac, 6), 0);
    cr_assert_eq(memcmp(r + 6, lease5.server_mac, 6), 0, "Ethernet source is the gateway MAC");
    cr_assert_eq(get_be32(r + 14 + 12), 0xc0a805fd, "from the server identifier");
    cr_assert_eq(get_be32(r + 14 + 16), 0xc0a80501, "to yiaddr");
    assert_checksums(r, reply.size);
    const uint8_t *bootp = r + 14 + 20 + 8;
    size_t bsize = reply.size - 42;
    cr_assert_eq(bootp[0], 2);
    cr_assert_eq(get_be32(bootp + 4), 0x3903f326, "xid echoed");
    cr_assert_eq(get_be32(bootp + 16), 0xc0a80501, "yiaddr is the reservation");

    /* Options, in order: type, server id, lease, T1, T2, then the PRL's
     * options we have in the client's order (1, 3, 6, 28; no hostname,
     * no domain, no NTP), then the unrequested essential MTU. */
    static const char *const want =
        "350102" "3604c0a805fd" "330400015180" "3a04" "0000a8c0" "3b04" "00012750"
        "0104ffffff00" "0304c0a805fd" "0604c0a805f9" "1c04c0a805ff" "1a0205aa" "ff";
    struct vxbuf opts = VXBUF_INITIALIZER;
    vxbuf_put(&opts, bootp + 240, strlen(want) / 2);
    char *hex = buf_to_hex(&opts);
    cr_assert_str_eq(hex, want);
    free(hex);
    cr_assert_geq(bsize, 300, "BOOTP minimum size");

    uint8_t len;
    const uint8_t *mtu = find_opt(bootp, bsize, DHO_MTU, &len);
    cr_assert(mtu && len == 2 && get_be16(mtu) == 1450, "MTU 1450 for VXLAN overlays");
    vxbuf_uninit(&opts);
    vxbuf_uninit(&req);
    vxbuf_uninit(&reply);
}

Test(dhcp, reply_addressing_and_nak)
{
    uint8_t p[600];
    struct pkt_info pi;
    struct dhcp_msg m;
    struct vxbuf reply = VXBUF_INITIALIZER;
    uint8_t wrong[] = { DHO_REQUESTED_IP, 4, IP(192, 168, 5, 9) };

    memset(&pi, 0, sizeof pi);

    /* Broadcast flag: reply to 255.255.255.255 and ff:ff:... */
    size_t n = build_dhcp(p, DHCPDISCOVER, 0, DHCP_FLAG_BROADCAST, NULL, 0);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    dhcp_put_reply(&reply, &pi, &m, &lease5, DHCPOFFER);
    cr_assert_eq(vxbuf_data(&reply)[0], 0xff);
    cr_assert_eq(get_be32(vxbuf_data(&reply) + 30), 0xffffffff);
    vxbuf_clear(&reply);

    /* RENEWING: unicast to ciaddr; ciaddr echoed. */
    n = build_dhcp(p, DHCPREQUEST, 0xc0a80501, 0, NULL, 0);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    dhcp_put_reply(&reply, &pi, &m, &lease5, DHCPACK);
    cr_assert_eq(get_be32(vxbuf_data(&reply) + 30), 0xc0a80501);
    cr_assert_eq(get_be32(vxbuf_data(&reply) + 42 + 12), 0xc0a80501);
    assert_checksums(vxbuf_data(&reply), reply.size);
    vxbuf_clear(&reply);

    /* NAK: always broadcast (RFC 2131 4.3.2), no yiaddr, no lease. */
    n = build_dhcp(p, DHCPREQUEST, 0, 0, wrong, sizeof wrong);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    cr_assert_eq(dhcp_decide(&m, &lease5), DHCP_V_NAK_WRONG_IP);
    dhcp_put_reply(&reply, &pi, &m, &lease5, DHCPNAK);
    const uint8_t *bootp = vxbuf_data(&reply) + 42;
    uint8_t len;
    cr_assert_eq(get_be32(vxbuf_data(&reply) + 30), 0xffffffff);
    cr_assert_eq(get_be32(bootp + 16), 0, "no yiaddr in a NAK");
    cr_assert_eq(*find_opt(bootp, reply.size - 42, DHO_MSG_TYPE, &len), DHCPNAK);
    cr_assert_null(find_opt(bootp, reply.size - 42, DHO_LEASE_TIME, &len));
    assert_checksums(vxbuf_data(&reply), reply.size);
    vxbuf_clear(&reply);

    /* INFORM: ACK without lease time, to ciaddr. */
    n = build_dhcp(p, DHCPINFORM, 0xc0a80501, 0, NULL, 0);
    cr_assert_eq(dhcp_parse(p, n, &m), DHCP_OK);
    dhcp_put_reply(&reply, &pi, &m, &lease5, DHCPACK);
    bootp = vxbuf_data(&reply) + 42;
    cr_assert_null(find_opt(bootp, reply.size - 42, DHO_LEASE_TIME, &len));
    cr_assert_eq(get_be32(bootp + 16), 0, "INFORM: no yiaddr");
    cr_assert_not_null(find_opt(bootp, reply.size - 42, DHO_DNS, &len));
    vxbuf_uninit(&reply);
}

/* --- ICMP from the gateway --- */

static void assert_ip_icmp_checksums(const uint8_t *f)
{
    const uint8_t *ip = f + 14;
    size_t total = get_be16(ip + 2);
    uint32_t sum = 0;

    for (size_t i = 0; i < 20; i += 2) sum += get_be16(ip + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    cr_assert_eq(sum, 0xffff, "IPv4 header checksum");
    sum = 0;
    for (size_t i = 20; i < total; i += 2) {
        sum += i + 1 < total ? get_be16(ip + i) : (uint32_t)ip[i] << 8;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    cr_assert_eq(sum, 0xffff, "ICMP checksum");
}

/* vm1 (10.0.0.1) pings its gateway 10.0.0.254: id 0x1234, seq 1, 4 bytes. */
#define PING_GW \
    "00bbccddee00" "da1d64e8e686" "0800" \
    "45000020" "abcd4000" "4001" "0000" "0a000001" "0a0000fe" \
    "0800" "0000" "1234" "0001" "61626364"

Test(icmp, echo_reply_from_gateway)
{
    size_t size;
    uint8_t *req = hex_to_bytes(PING_GW, &size);
    struct pkt_info pi;
    struct vxbuf b = VXBUF_INITIALIZER;
    uint8_t gw[6] = { 0x00, 0xbb, 0xcc, 0xdd, 0xee, 0x00 };

    cr_assert_eq(pkt_parse(req, size, &pi), PKT_OK);
    cr_assert_eq(pi.icmp_type, ICMP_ECHO);
    pkt_put_icmp_echo_reply(&b, &pi, gw);
    const uint8_t *r = vxbuf_data(&b);
    cr_assert_eq(memcmp(r, req + 6, 6), 0, "to the pinger's MAC");
    cr_assert_eq(memcmp(r + 6, gw, 6), 0, "from the gateway MAC");
    cr_assert_eq(get_be32(r + 26), 0x0a0000fe, "from the gateway IP");
    cr_assert_eq(get_be32(r + 30), 0x0a000001);
    cr_assert_eq(r[34], ICMP_ECHOREPLY);
    cr_assert_eq(get_be16(r + 38), 0x1234, "identifier kept");
    cr_assert_eq(get_be16(r + 40), 1, "sequence kept");
    cr_assert_eq(memcmp(r + 42, "abcd", 4), 0, "data kept");
    assert_ip_icmp_checksums(r);
    cr_assert_geq(b.size, 60);
    vxbuf_uninit(&b);
    free(req);
}

Test(icmp, time_exceeded_quotes_the_packet)
{
    /* A traceroute probe: UDP 10.0.0.1:33434 -> 192.168.5.3:33435, TTL 1. */
    size_t size;
    uint8_t *probe = hex_to_bytes("00bbccddee00" "da1d64e8e686" "0800"
                                  "45000024" "00010000" "0111" "0000" "0a000001" "c0a80503"
                                  "829a829b" "00100000" "0102030405060708", &size);
    struct pkt_info pi;
    struct vxbuf b = VXBUF_INITIALIZER;
    uint8_t gw[6] = { 0x00, 0xbb, 0xcc, 0xdd, 0xee, 0x00 };
    uint8_t vm1[6] = { 0xda, 0x1d, 0x64, 0xe8, 0xe6, 0x86 };

    /* As the router's dec_ttl leaves it: Ethernet source already the router. */
    memcpy(probe + 6, gw, 6);
    cr_assert_eq(pkt_parse(probe, size, &pi), PKT_OK);
    pkt_put_icmp_time_exceeded(&b, &pi, 0x0a0000fe, gw, vm1);
    const uint8_t *r = vxbuf_data(&b);
    cr_assert_eq(memcmp(r, vm1, 6), 0, "to the sender's own MAC, not the rewritten source");
    cr_assert_eq(get_be32(r + 26), 0x0a0000fe, "from the sender's gateway");
    cr_assert_eq(get_be32(r + 30), 0x0a000001, "to the sender");
    cr_assert_eq(r[34], ICMP_TIME_EXCEEDED);
    cr_assert_eq(r[35], 0, "code 0: TTL exceeded in transit");
    cr_assert_eq(get_be16(r + 16), 20 + 8 + 28, "quotes header + 8 bytes");
    cr_assert_eq(memcmp(r + 42, probe + 14, 28), 0, "the original header and UDP ports");
    assert_ip_icmp_checksums(r);
    vxbuf_uninit(&b);
    free(probe);
}

/* The word-at-a-time checksum equals the plain RFC 1071 16-bit sum, for
 * every length (odd ones included) and when chained as for pseudo-headers. */
static uint16_t csum_reference(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

Test(pkt, checksum_matches_reference)
{
    uint8_t buf[1600];
    unsigned int seed = 99;

    for (size_t n = 0; n < 1600; n += 1 + rand_r(&seed) % 7) {
        for (size_t i = 0; i < n; i++) {
            buf[i] = (uint8_t)rand_r(&seed);
        }
        if (n % 3 == 0) {
            memset(buf, 0xff, n);               /* worst case for carries */
        }
        cr_assert_eq(csum_finish(csum_add(0, buf, n)), csum_reference(buf, n, 0), "length %zu", n);
        size_t cut = n & ~(size_t)1;            /* chaining splits at even offsets */
        cut = cut ? (size_t)rand_r(&seed) % cut & ~(size_t)1 : 0;
        cr_assert_eq(csum_finish(csum_add(csum_add(0, buf, cut), buf + cut, n - cut)),
                     csum_reference(buf, n, 0), "length %zu split at %zu", n, cut);
    }
}
