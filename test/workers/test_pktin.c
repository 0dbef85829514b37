/* The packet-in services on the worker's real input path, with the
 * article's model: which ARP requests are answered and with what, which
 * are refused and counted; DHCP through the worker; the per-port rate
 * limit. */
#include "connharness.h"
#include "proto/dhcp.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_packet.h"
#include "proto/pkt.h"

TestSuite(pktin, .init = harness_setup);

static const uint8_t VM1[6] = { 0xda, 0x1d, 0x64, 0xe8, 0xe6, 0x86 };   /* net 1, port 1, 10.0.0.1 */
static const uint8_t VM2[6] = { 0xba, 0xce, 0xa6, 0x08, 0xb6, 0x67 };   /* net 1, port 2, 10.0.0.2 */
static const uint8_t VM3[6] = { 0x3e, 0xd4, 0x89, 0xc5, 0xd5, 0xec };   /* net 2, port 3, 10.0.0.1 */
static const uint8_t VM4[6] = { 0xb2, 0x5b, 0x4e, 0x49, 0x85, 0x59 };   /* net 2, port 4, 10.0.0.2 */
static const uint8_t ROUTER[6] = { 0x00, 0xbb, 0xcc, 0xdd, 0xee, 0x00 };

static void packet_in(uint32_t port, const struct vxbuf *frame)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_PACKET_IN, 0, sizeof(struct ofp_packet_in));
    struct ofp_packet_in *pi = vxbuf_at(&b, start);
    put_be32(pi->buffer_id, OFP_NO_BUFFER);
    put_be16(pi->total_len, (uint16_t)frame->size);
    pi->reason = OFPR_ACTION;
    struct of_match m;
    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, port);
    of_match_put(&b, &m);
    vxbuf_put_zeros(&b, 2);
    vxbuf_put(&b, vxbuf_data(frame), frame->size);
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

static void arp(uint32_t port, const uint8_t mac[6], uint16_t op, uint32_t spa, uint32_t tpa)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t zero[6];
    struct vxbuf f = VXBUF_INITIALIZER;
    pkt_put_arp(&f, bcast, false, 0, op, mac, spa, zero, tpa);
    packet_in(port, &f);
    vxbuf_uninit(&f);
}

/* The PACKET_OUTs the controller wrote: how many, and the last one's
 * output port and parsed frame. */
struct outs { int n; uint32_t port; struct pkt_info pi; uint8_t frame[1500]; size_t size; };

static struct outs take(void)
{
    struct outs o;
    memset(&o, 0, sizeof o);
    uint8_t *p = vxbuf_data(&c->obuf);
    size_t left = c->obuf.size;
    int n;
    while ((n = ofp_msg_frame(p, left)) > 0) {
        if (p[1] == OFPT_PACKET_OUT) {
            const struct ofp_packet_out *po = (const void *)p;
            size_t alen = get_be16(po->actions_len);
            o.n++;
            o.port = get_be32(p + sizeof *po + 4);
            o.size = (size_t)n - sizeof *po - alen;
            memcpy(o.frame, p + sizeof *po + alen, o.size);
            cr_assert_eq(pkt_parse(o.frame, o.size, &o.pi), PKT_OK, "replies are well formed");
        }
        p += n;
        left -= (size_t)n;
    }
    harness_clear_output();
    return o;
}

static uint64_t counter(enum vx_counter_id id)
{
    return counter_read(&worker.counters, id);
}

/* A DHCP request frame from vm1 (broadcast, xid 'xid') with 'n' bytes of
 * options 'opts'. */
static void dhcp_from_vm1(struct vxbuf *f, uint32_t xid, const uint8_t *opts, size_t n)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    struct pkt_ipv4_frame fr = pkt_start_ipv4(f, bcast, VM1, false, 0, 0, 0xffffffff,
                                              IPPROTO_UDP, 64);
    pkt_put_udp(f, 68, 67);
    uint8_t *p = vxbuf_put_zeros(f, DHCP_FIXED_SIZE + 4);
    p[0] = 1; p[1] = 1; p[2] = 6;
    put_be32(p + 4, xid);
    memcpy(p + 28, VM1, 6);
    put_be32(p + DHCP_FIXED_SIZE, DHCP_MAGIC);
    vxbuf_put(f, opts, n);
    pkt_finish_ipv4(f, fr);
}

Test(pktin, arp_answers_within_the_network)
{
    struct outs o;

    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    o = take();
    cr_assert_eq(o.n, 1);
    cr_assert_eq(o.port, 1, "back out of the ingress port");
    cr_assert_eq(memcmp(o.pi.arp.sha, VM2, 6), 0, "network 1's 10.0.0.2 is vm2");
    cr_assert_eq(memcmp(o.pi.eth_src, VM2, 6), 0, "Ethernet source is the answered MAC");
    cr_assert_eq(memcmp(o.pi.eth_dst, VM1, 6), 0);

    arp(3, VM3, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    o = take();
    cr_assert_eq(o.n, 1);
    cr_assert_eq(o.port, 3);
    cr_assert_eq(memcmp(o.pi.arp.sha, VM4, 6), 0, "network 2's 10.0.0.2 is vm4, not vm2");

    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a0000fe);
    o = take();
    cr_assert_eq(memcmp(o.pi.arp.sha, ROUTER, 6), 0, "network 1's gateway is the router");

    arp(3, VM3, ARPOP_REQUEST, 0x0a000001, 0x0a0000fd);
    o = take();
    uint8_t derived[6] = { 0x02, 0x76, 0x78, 0, 0, 2 };
    cr_assert_eq(memcmp(o.pi.arp.sha, derived, 6), 0, "network 2's gateway, on no router");

    arp(1, VM1, ARPOP_REQUEST, 0, 0x0a000002);
    cr_assert_eq(take().n, 1, "a probe for another host's address is answered (conflict)");
    cr_assert_eq(counter(VXC_arp_replies), 5);
}

Test(pktin, arp_refusals_are_counted)
{
    uint8_t stranger[6] = { 2, 0, 0, 0, 0, 0x99 };

    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000063);
    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0xc0a80501);   /* a host of network 3 */
    cr_assert_eq(counter(VXC_arp_unknown_target), 2);
    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000001);
    cr_assert_eq(counter(VXC_arp_gratuitous), 1);
    arp(1, VM1, ARPOP_REQUEST, 0, 0x0a000001);
    cr_assert_eq(counter(VXC_arp_own_probe), 1, "DAD for its own address gets no answer");
    arp(1, VM1, ARPOP_REQUEST, 0x0a000002, 0x0a000004);
    cr_assert_eq(counter(VXC_arp_bad_sender), 1, "vm1 claiming vm2's address");
    arp(1, stranger, ARPOP_REQUEST, 0x0a000009, 0x0a000002);
    arp(2, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);       /* vm1's MAC on vm2's port */
    cr_assert_eq(counter(VXC_pktin_unknown_source), 2);
    arp(1, VM1, ARPOP_REPLY, 0x0a000001, 0x0a000002);
    cr_assert_eq(counter(VXC_arp_not_request), 1);
    cr_assert_eq(take().n, 0, "none of these got a reply");
    cr_assert_eq(counter(VXC_arp_replies), 0);
}

Test(pktin, malformed_frames_dropped_and_counted)
{
    struct vxbuf f = VXBUF_INITIALIZER;
    vxbuf_put(&f, "\xff\xff\xff\xff\xff\xff\xda\x1d\x64\xe8\xe6\x86\x08\x06\x00\x01", 16);
    packet_in(1, &f);
    cr_assert_eq(counter(VXC_pktin_bad_packet), 1);
    cr_assert_eq(take().n, 0);
    vxbuf_uninit(&f);
}

Test(pktin, dhcp_through_the_worker)
{
    static const uint8_t discover[] = { DHO_MSG_TYPE, 1, DHCPDISCOVER, DHO_END };
    static const uint8_t request[] = { DHO_MSG_TYPE, 1, DHCPREQUEST,
                                       DHO_REQUESTED_IP, 4, 10, 0, 0, 9, DHO_END };
    struct vxbuf f = VXBUF_INITIALIZER;

    dhcp_from_vm1(&f, 77, discover, sizeof discover);
    packet_in(1, &f);
    vxbuf_clear(&f);
    dhcp_from_vm1(&f, 77, request, sizeof request);
    packet_in(1, &f);
    vxbuf_uninit(&f);
    struct outs o = take();
    cr_assert_eq(o.n, 2);
    cr_assert_eq(counter(VXC_dhcp_offers), 1);
    cr_assert_eq(counter(VXC_dhcp_naks), 1, "INIT-REBOOT for 10.0.0.9: not vm1's reservation");
    cr_assert_eq(o.port, 1);
    cr_assert_eq(o.pi.udp_dst, 68);
    cr_assert_eq(get_be32(o.pi.payload + 16), 0, "a NAK carries no yiaddr");
}

Test(pktin, per_port_rate_limit)
{
    worker.params.pktin_rate = 10;
    worker.params.pktin_burst = 5;
    for (int i = 0; i < 20; i++) {
        arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    }
    cr_assert_eq(take().n, 5, "the burst passes, the rest is dropped");
    cr_assert_eq(counter(VXC_pktin_rate_limited), 15);
    /* Another port of the bridge is not starved by the flooding one. */
    arp(2, VM2, ARPOP_REQUEST, 0x0a000002, 0x0a000001);
    cr_assert_eq(take().n, 1);
    /* A second later, port 1 has 10 more tokens (its rate). */
    worker.now_ms += 1000;
    for (int i = 0; i < 20; i++) {
        arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    }
    cr_assert_eq(take().n, 5, "refilled up to the burst");
}

/* #13 item 6: a switch reporting packet-ins from ever new port numbers is
 * limited too.  Before the fix each port past the 256th reset the shared
 * last bucket to a full burst: 2,000 ports got 5 packets each through. */
Test(pktin, rate_limit_holds_past_256_ports)
{
    worker.params.pktin_rate = 10;
    worker.params.pktin_burst = 5;
    const uint64_t ports = 2000, per_port = 6;
    for (uint32_t port = 1; port <= ports; port++) {
        for (uint64_t i = 0; i < per_port; i++) {
            arp(port, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
        }
    }
    take();
    uint64_t passed = ports * per_port - counter(VXC_pktin_rate_limited);
    cr_assert_leq(passed, (uint64_t)CONN_MAX_BUCKETS * 5,
                  "%llu packet-ins passed the limiter", (unsigned long long)passed);
}

/* The worker's cache of senders and ARP targets (workers/pktcache.h) is
 * used, and no answer outlives the model it came from. */
static const struct vx_host_cfg *host_cfg(const uint8_t mac[6])
{
    const struct vx_config *cfg = model_config();
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (!memcmp(cfg->hosts[i].mac, mac, 6)) {
            return &cfg->hosts[i];
        }
    }
    return NULL;
}

static void apply_host(const struct vx_host_cfg *old, const struct vx_host_cfg *new)
{
    struct dpid_set aff = { 0, 0, NULL };
    model_apply_host(old, new, &aff);
    dpid_set_clear(&aff);
}

Test(pktin, cached_answers_follow_model_changes)
{
    static const uint8_t NEW[6] = { 0x02, 0, 0, 0, 0, 0x42 };
    struct outs o;

    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    o = take();
    cr_assert_eq(o.n, 2);
    cr_assert_eq(memcmp(o.pi.arp.sha, VM2, 6), 0);
    cr_assert_eq(counter(VXC_pktin_source_misses), 1, "the second request's sender was cached");
    cr_assert_eq(counter(VXC_arp_target_misses), 1, "and so was its target");

    /* vm2 changes its MAC: the cached target must not answer the old one. */
    struct vx_host_cfg vm2 = *host_cfg(VM2), moved = vm2;
    memcpy(moved.mac, NEW, 6);
    apply_host(&vm2, &moved);
    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    o = take();
    cr_assert_eq(o.n, 1);
    cr_assert_eq(memcmp(o.pi.arp.sha, NEW, 6), 0, "the new MAC, not the cached one");
    cr_assert_eq(counter(VXC_arp_target_misses), 2);

    /* vm1 is deleted: its cached entry must not let it be answered. */
    struct vx_host_cfg vm1 = *host_cfg(VM1);
    apply_host(&vm1, NULL);
    arp(1, VM1, ARPOP_REQUEST, 0x0a000001, 0x0a000002);
    cr_assert_eq(take().n, 0, "a deleted host is no sender");
    cr_assert_eq(counter(VXC_pktin_unknown_source), 1);
}

/* A PORT_STATUS from the switch for port 'no' named 'name'. */
static void port_status(uint8_t reason, uint32_t no, const char *name)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_PORT_STATUS, 0, 16);
    ((uint8_t *)vxbuf_at(&b, start))[8] = reason;
    struct of_port p = { .port_no = no };
    snprintf(p.name, sizeof p.name, "%s", name);
    ofp_put_port(&b, &p);
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

Test(pktin, cached_senders_follow_port_changes)
{
    static const uint8_t VM9[6] = { 0x02, 0, 0, 0, 0, 0x09 };
    struct vx_host_cfg named = { .vni = 1, .dpid = HV1, .ip = 0x0a000009 };
    memcpy(named.mac, VM9, 6);
    snprintf(named.port_name, sizeof named.port_name, "tap9");
    apply_host(NULL, &named);

    port_status(OFPPR_ADD, 9, "tap9");
    arp(9, VM9, ARPOP_REQUEST, 0x0a000009, 0x0a000002);
    arp(9, VM9, ARPOP_REQUEST, 0x0a000009, 0x0a000002);
    cr_assert_eq(take().n, 2, "a host known by its port's name");
    cr_assert_eq(counter(VXC_pktin_source_misses), 1);

    /* Port 9 is renamed: the host is no longer behind it. */
    port_status(OFPPR_MODIFY, 9, "tap-other");
    arp(9, VM9, ARPOP_REQUEST, 0x0a000009, 0x0a000002);
    cr_assert_eq(take().n, 0, "the cached sender died with the old name");
    cr_assert_eq(counter(VXC_pktin_unknown_source), 1);

    /* Its port comes back as number 12. */
    port_status(OFPPR_ADD, 12, "tap9");
    arp(12, VM9, ARPOP_REQUEST, 0x0a000009, 0x0a000002);
    struct outs o = take();
    cr_assert_eq(o.n, 1);
    cr_assert_eq(o.port, 12);
}

/* A DISCOVER from vm1 asking for mask, router and DNS; returns the DNS
 * server of the OFFER (0 if none). */
static uint32_t offered_dns(void)
{
    static const uint8_t opts[] = { DHO_MSG_TYPE, 1, DHCPDISCOVER, DHO_PARAM_REQ, 3, 1, 3, 6,
                                    DHO_END };
    struct vxbuf f = VXBUF_INITIALIZER;
    dhcp_from_vm1(&f, 0, opts, sizeof opts);
    packet_in(1, &f);
    vxbuf_uninit(&f);

    struct outs o = take();
    cr_assert_eq(o.n, 1);
    const uint8_t *b = o.pi.payload;
    for (size_t i = DHCP_FIXED_SIZE + 4; i + 1 < o.pi.payload_size && b[i] != DHO_END;
         i += 2u + b[i + 1]) {
        if (b[i] == DHO_DNS && b[i + 1] >= 4) {
            return get_be32(b + i + 2);
        }
    }
    return 0;
}

/* The options of DHCP replies are kept per network and parameter list;
 * a change of the network's DNS servers must reach the next OFFER. */
Test(pktin, cached_dhcp_options_follow_network_changes)
{
    uint32_t before = offered_dns();
    cr_assert_eq(offered_dns(), before, "the same options the second time (from the cache)");

    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };
    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL));
    struct vx_network_cfg *net = (struct vx_network_cfg *)vxconf_find_network(&cfg, 1);
    net->dns[0] = 0x09090909;
    net->n_dns = 1;
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);

    cr_assert_eq(offered_dns(), 0x09090909, "the new DNS server, not the kept options");
    cr_assert_neq(before, 0x09090909);
}
