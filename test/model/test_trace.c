/* The tracer (#19) on the article's fabric (conf/vxfabric.conf): every
 * table's decision, every verdict and every drop reason, and the
 * installed-against-desired warnings. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu-qsbr.h>

#include "core/util.h"
#include "model/model.h"
#include "model/trace.h"
#include "model/vxconf.h"
#include "proto/ofp_wire.h"
#include "proto/pkt.h"

#define HV1 UINT64_C(0x32d1f6ddc94f)
#define HV2 UINT64_C(0x4e7879903e4c)

/* The lab's port numbers: VMs by ofport_request, vtun1 added last. */
static const struct of_port hv1_ports[] = {
    { .port_no = 1, .name = "hv1-vm1" }, { .port_no = 2, .name = "hv1-vm2" },
    { .port_no = 3, .name = "hv1-vm3" }, { .port_no = 4, .name = "hv1-vm4" },
    { .port_no = 5, .name = "hv1-vm5" }, { .port_no = 6, .name = "hv1-vm6" },
    { .port_no = 7, .name = "vtun1" },
};
static const struct of_port hv2_ports[] = {
    { .port_no = 1, .name = "hv2-vm1" }, { .port_no = 2, .name = "hv2-vm2" },
    { .port_no = 3, .name = "vtun1" }, { .port_no = 4, .name = "hv2-vm4" },
    { .port_no = 5, .name = "hv2-vm5" }, { .port_no = 6, .name = "hv2-vm6" },
    { .port_no = 7, .name = "hv2-vm7" },
};

/* What each test lets the tracer know of the bridges. */
static struct {
    bool hv2_known;
    bool hv1_without_tunnel;
    const struct flow_set *hv1_installed;
    const struct flow_set *hv1_rejected;
} env;

static bool bridges(void *aux, uint64_t dpid, struct trace_bridge *tb)
{
    (void)aux;
    memset(tb, 0, sizeof *tb);
    if (dpid == HV1) {
        tb->ports = hv1_ports;
        tb->n_ports = ARRAY_SIZE(hv1_ports) - env.hv1_without_tunnel;
        tb->installed = env.hv1_installed;
        tb->rejected = env.hv1_rejected;
        tb->connected = env.hv1_installed != NULL;
        return true;
    }
    if (dpid == HV2 && env.hv2_known) {
        tb->ports = hv2_ports;
        tb->n_ports = ARRAY_SIZE(hv2_ports);
        return true;
    }
    return false;
}

/* The article's fabric with the fabric-wide ARP responder 'mode' and, if
 * 'gateway', an external gateway on hv1 for its router (#16). */
static void load_article(enum vx_arp_responder mode, bool gateway)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };

    memset(&env, 0, sizeof env);
    env.hv2_known = true;
    rcu_register_thread();
    model_init();
    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL));
    cfg.arp_responder = (uint8_t)mode;
    if (gateway) {
        cfg.routers[0].gateway = (struct vx_gateway_cfg) { HV1, "uplink", 0xcb00710a, 24, 0xcb007101 };
    }
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);
}

static void load(enum vx_arp_responder mode)
{
    load_article(mode, false);
}

static void load_controller(void) { load(VX_ARP_CONTROLLER); }
static void load_datapath(void) { load(VX_ARP_DATAPATH); }

static uint64_t mac__(const char *s)
{
    uint8_t mac[6];
    cr_assert(eth_addr_from_str(s, mac), "%s", s);
    return mac_to_u64(mac);
}

static uint64_t ip__(const char *s)
{
    uint32_t ip;
    cr_assert(ip_from_str(s, &ip), "%s", s);
    return ip;
}

/* An IPv4 packet of 'proto' from (port, MAC, IP) to (MAC, IP). */
static struct trace_packet ipv4(uint32_t port, const char *src_mac, const char *src_ip,
                                const char *dst_mac, const char *dst_ip, uint8_t proto)
{
    struct trace_packet p;
    trace_packet_init(&p);
    trace_packet_set(&p, OFF_IN_PORT, port);
    trace_packet_set(&p, OFF_ETH_SRC, mac__(src_mac));
    trace_packet_set(&p, OFF_ETH_DST, mac__(dst_mac));
    trace_packet_set(&p, OFF_ETH_TYPE, ETHERTYPE_IP);
    trace_packet_set(&p, OFF_IPV4_SRC, ip__(src_ip));
    trace_packet_set(&p, OFF_IPV4_DST, ip__(dst_ip));
    trace_packet_set(&p, OFF_IP_PROTO, proto);
    if (proto == IPPROTO_ICMP) {
        trace_packet_set(&p, OFF_ICMPV4_TYPE, ICMP_ECHO);
        trace_packet_set(&p, OFF_ICMPV4_CODE, 0);
    } else if (proto == IPPROTO_UDP) {
        trace_packet_set(&p, OFF_UDP_SRC, 68);
        trace_packet_set(&p, OFF_UDP_DST, 67);
    }
    return p;
}

static struct trace_packet arp(uint32_t port, const char *src_mac, uint16_t op,
                               const char *spa, const char *tpa)
{
    struct trace_packet p;
    trace_packet_init(&p);
    trace_packet_set(&p, OFF_IN_PORT, port);
    trace_packet_set(&p, OFF_ETH_SRC, mac__(src_mac));
    trace_packet_set(&p, OFF_ETH_DST, mac__("ff:ff:ff:ff:ff:ff"));
    trace_packet_set(&p, OFF_ETH_TYPE, ETHERTYPE_ARP);
    trace_packet_set(&p, OFF_ARP_OP, op);
    trace_packet_set(&p, OFF_ARP_SHA, mac__(src_mac));
    trace_packet_set(&p, OFF_ARP_THA, 0);
    trace_packet_set(&p, OFF_ARP_SPA, ip__(spa));
    trace_packet_set(&p, OFF_ARP_TPA, ip__(tpa));
    return p;
}

static struct trace_result run(uint64_t dpid, struct trace_packet p)
{
    struct trace_result r;
    trace_run(dpid, &p, bridges, NULL, &r);
    return r;
}

/* The tables the trace went through, e.g. "0123/13" (a '/' per tunnel). */
static const char *tables(const struct trace_result *r)
{
    static char s[64];
    size_t n = 0;
    for (size_t i = 0; i < r->n_steps && n < sizeof s - 2; i++) {
        if (i && r->steps[i].dpid != r->steps[i - 1].dpid) {
            s[n++] = '/';
        }
        s[n++] = (char)('0' + r->steps[i].table);
    }
    s[n] = '\0';
    return s;
}

static void assert_dropped(const struct trace_result *r, enum trace_reason why, uint8_t table)
{
    cr_assert_eq(r->verdict, TRACE_DROPPED, "verdict %s (%s)", trace_verdict_name(r->verdict),
                 r->detail);
    cr_assert_eq(r->reason, why, "reason %s, not %s (%s)", trace_reason_name(r->reason),
                 trace_reason_name(why), r->detail);
    cr_assert_eq(r->table, table, "dropped at table %u, not %u", r->table, table);
}

/* --- verdicts --- */

/* 'p' from 'dpid' goes up at 'table' and the controller's answer
 * contains 'answer'. */
static void to_controller(uint64_t dpid, struct trace_packet p, uint8_t table, const char *answer)
{
    struct trace_result r = run(dpid, p);
    cr_assert_eq(r.verdict, TRACE_CONTROLLER, "%s", r.detail);
    cr_assert_eq(r.table, table);
    cr_assert(strstr(r.answer, answer), "'%s' does not say '%s'", r.answer, answer);
    trace_result_free(&r);
}

/* 'p' from 'dpid' is answered by flows, as 'detail' says. */
static void replied(uint64_t dpid, struct trace_packet p, const char *detail)
{
    struct trace_result r = run(dpid, p);
    cr_assert_eq(r.verdict, TRACE_REPLIED, "%s", r.detail);
    cr_assert_str_eq(tables(&r), "012");
    cr_assert_str_eq(r.detail, detail);
    trace_result_free(&r);
}

/* 'p' from 'dpid' crosses 'path' (tables, '/' per tunnel) to port 'port'
 * of bridge 'to'; the result is the caller's to check further and free. */
static struct trace_result delivered(uint64_t dpid, struct trace_packet p, const char *path,
                                     uint64_t to, uint32_t port)
{
    struct trace_result r = run(dpid, p);
    cr_assert_eq(r.verdict, TRACE_DELIVERED, "%s", r.detail);
    cr_assert_str_eq(tables(&r), path);
    cr_assert_eq(r.dpid, to);
    cr_assert_eq(r.port, port);
    return r;
}

/* The article's first scenario: hv1 VM1 (net 1) to hv2's 10.0.0.4. */
Test(trace, same_network_across_hypervisors, .init = load_controller)
{
    struct trace_result r = delivered(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1",
                                                "7e:cc:09:63:aa:6f", "10.0.0.4", IPPROTO_ICMP),
                                      "0123/013", HV2, 1);
    cr_assert_str_eq(r.port_name, "hv2-vm1");
    cr_assert(strstr(r.steps[1].flow, "set_field:0x1->tun_id"), "%s", r.steps[1].flow);
    cr_assert(strstr(r.steps[3].flow, "192.168.1.2->tun_dst"), "%s", r.steps[3].flow);
    cr_assert(strstr(r.steps[3].object, "host 7e:cc:09:63:aa:6f (10.0.0.4) of network 1 on hv2"),
              "%s", r.steps[3].object);
    cr_assert_str_eq(r.steps[5].object, "the bridge itself", "tunnel ingress");
    cr_assert_eq(r.steps[0].install, TRACE_I_UNKNOWN, "nothing known of the switch");
    trace_result_free(&r);
}

Test(trace, local_delivery, .init = load_controller)
{
    struct trace_result r = delivered(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1",
                                                "ba:ce:a6:08:b6:67", "10.0.0.2", IPPROTO_TCP),
                                      "0123", HV1, 2);
    trace_result_free(&r);
}

/* Routing from network 1 to 3 through the router's MAC: eth_src becomes
 * the router's, TTL decremented, tun_id = 3. */
Test(trace, routing_between_networks, .init = load_controller)
{
    struct trace_packet p = ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "00:bb:cc:dd:ee:00",
                                 "192.168.5.3", IPPROTO_ICMP);
    struct trace_result r = delivered(HV1, p, "0123/013", HV2, 6);
    cr_assert(strstr(r.steps[2].object, "router 00:bb:cc:dd:ee:00 (networks 1, 3)"), "%s",
              r.steps[2].object);
    cr_assert(strstr(r.steps[2].flow, "dec_ttl"), "%s", r.steps[2].flow);
    trace_result_free(&r);
}

Test(trace, ttl_1_expires_in_the_router, .init = load_controller)
{
    struct trace_packet p = ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "00:bb:cc:dd:ee:00",
                                 "192.168.5.3", IPPROTO_ICMP);
    p.ttl = 1;
    struct trace_result r = run(HV1, p);
    cr_assert_eq(r.verdict, TRACE_CONTROLLER, "%s", r.detail);
    cr_assert_eq(r.reason, TRACE_R_TTL_EXPIRED);
    cr_assert_eq(r.table, 2);
    cr_assert_str_eq(r.answer, "ICMP time exceeded from the gateway 10.0.0.254");
    trace_result_free(&r);
}

Test(trace, ping_to_gateway_controller_mode, .init = load_controller)
{
    struct trace_result r = run(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1",
                                          "00:bb:cc:dd:ee:00", "10.0.0.254", IPPROTO_ICMP));
    cr_assert_eq(r.verdict, TRACE_CONTROLLER, "%s", r.detail);
    cr_assert_eq(r.reason, TRACE_R_PACKET_IN);
    cr_assert_str_eq(tables(&r), "012");
    cr_assert_str_eq(r.answer, "ICMP echo reply from the gateway 10.0.0.254 (00:bb:cc:dd:ee:00)");
    cr_assert(strstr(r.steps[2].object, "network 1 (10.0.0.0/24, gateway 10.0.0.254)"), "%s",
              r.steps[2].object);
    trace_result_free(&r);
}

/* Datapath mode: the echo reply is built by a table-2 flow. */
Test(trace, ping_to_gateway_datapath_mode, .init = load_datapath)
{
    replied(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "00:bb:cc:dd:ee:00", "10.0.0.254",
                      IPPROTO_ICMP), "ICMP echo reply from 10.0.0.254, back out of port 1 on hv1");
}

Test(trace, arp_to_controller, .init = load_controller)
{
    to_controller(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.1", "10.0.0.4"), 0,
                  "ARP reply: 10.0.0.4 is-at 7e:cc:09:63:aa:6f");
    /* A target no host has: the controller stays silent. */
    to_controller(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.1", "10.0.0.99"), 0,
                  "stays silent");
}

Test(trace, arp_in_datapath, .init = load_datapath)
{
    replied(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.1", "10.0.0.4"),
            "ARP reply 10.0.0.4 is-at 7e:cc:09:63:aa:6f, back out of port 1 on hv1");
    /* An unknown target: the catch-all sends it up, the controller is silent. */
    to_controller(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.1", "10.0.0.99"), 2,
                  "stays silent");
}

Test(trace, dhcp_to_controller, .init = load_controller)
{
    to_controller(HV2, ipv4(6, "5e:9f:86:77:6e:87", "0.0.0.0", "ff:ff:ff:ff:ff:ff",
                            "255.255.255.255", IPPROTO_UDP), 0,
                  "DHCP: leases 192.168.5.3/24, router 192.168.5.253, server 192.168.5.253");
}

/* --- drop reasons --- */

/* Traces 'p' from 'dpid' and checks that it is dropped at 'table' for
 * 'why', with a detail that contains 'says' (if not NULL). */
static void drop_case(uint64_t dpid, struct trace_packet p, enum trace_reason why, uint8_t table,
                      const char *says)
{
    struct trace_result r = run(dpid, p);
    assert_dropped(&r, why, table);
    if (says) {
        cr_assert(strstr(r.detail, says), "'%s' does not say '%s'", r.detail, says);
    }
    trace_result_free(&r);
}

Test(trace, isolation_between_networks_1_and_2, .init = load_controller)
{
    /* From network 1 to 10.0.0.3 through a MAC of network 2: no such host
     * in network 1. */
    drop_case(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "3e:d4:89:c5:d5:ec", "10.0.0.3",
                        IPPROTO_ICMP), TRACE_R_NO_HOST, 3, "no host has IP 10.0.0.3 in network 1");
    /* Network 2 has no router: 192.168.5.3 (network 3) is unreachable. */
    drop_case(HV1, ipv4(3, "3e:d4:89:c5:d5:ec", "10.0.0.1", "00:bb:cc:dd:ee:00", "192.168.5.3",
                        IPPROTO_ICMP), TRACE_R_OTHER_NETWORK, 3, "network 2 has no route to it");
}

Test(trace, unknown_source, .init = load_controller)
{
    drop_case(HV1, ipv4(1, "02:00:00:00:00:99", "10.0.0.1", "ba:ce:a6:08:b6:67", "10.0.0.2",
                        IPPROTO_ICMP), TRACE_R_UNKNOWN_SOURCE, 1,
              "no host has MAC 02:00:00:00:00:99 on port 1 of hv1");
    /* A known MAC on another port is just as unknown there. */
    drop_case(HV1, ipv4(2, "da:1d:64:e8:e6:86", "10.0.0.1", "ba:ce:a6:08:b6:67", "10.0.0.2",
                        IPPROTO_ICMP), TRACE_R_UNKNOWN_SOURCE, 1, NULL);
}

Test(trace, spoofed_source, .init = load_controller)
{
    drop_case(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.9", "ba:ce:a6:08:b6:67", "10.0.0.2",
                        IPPROTO_ICMP), TRACE_R_SPOOFED_SOURCE, 1, "the packet says IPv4 from 10.0.0.9");
}

Test(trace, spoofed_arp_sender_in_datapath_mode, .init = load_datapath)
{
    drop_case(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.2", "10.0.0.4"),
              TRACE_R_SPOOFED_SOURCE, 1, NULL);
}

Test(trace, arp_reply_not_forwarded, .init = load_controller)
{
    drop_case(HV1, arp(1, "da:1d:64:e8:e6:86", ARPOP_REPLY, "10.0.0.1", "10.0.0.2"),
              TRACE_R_ARP_NOT_FORWARDED, 1, NULL);
}

Test(trace, not_ipv4, .init = load_controller)
{
    struct trace_packet p = ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "ba:ce:a6:08:b6:67",
                                 "10.0.0.2", IPPROTO_ICMP);
    trace_packet_set(&p, OFF_ETH_TYPE, 0x86dd);
    drop_case(HV1, p, TRACE_R_NOT_IPV4, 1, "ethertype 0x86dd");
}

Test(trace, destination_unreachable, .init = load_controller)
{
    struct trace_packet p = ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "7e:cc:09:63:aa:6f",
                                 "10.0.0.4", IPPROTO_ICMP);
    /* hv2 unknown (never connected): the tunnel leads nowhere. */
    env.hv2_known = false;
    struct trace_result r = run(HV1, p);
    assert_dropped(&r, TRACE_R_DEST_UNREACHABLE, 1);
    cr_assert_eq(r.dpid, HV2);
    trace_result_free(&r);
    /* hv1 without its tunnel port: no remote flow, dropped at table 3. */
    env.hv2_known = true;
    env.hv1_without_tunnel = true;
    drop_case(HV1, p, TRACE_R_DEST_UNREACHABLE, 3, "no tunnel reaches its bridge");
}

Test(trace, unknown_bridge, .init = load_controller)
{
    drop_case(0x99, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1", "ba:ce:a6:08:b6:67", "10.0.0.2",
                         IPPROTO_ICMP), TRACE_R_UNKNOWN_BRIDGE, 0, "is not in the model");
}

/* ARP arriving through the tunnel: table 1 sends it to table 3, which
 * delivers IPv4 only. */
Test(trace, no_match, .init = load_controller)
{
    struct trace_packet p = arp(3, "da:1d:64:e8:e6:86", ARPOP_REQUEST, "10.0.0.1", "10.0.0.4");
    trace_packet_set(&p, OFF_TUN_ID, 1);
    struct trace_result r = run(HV2, p);
    assert_dropped(&r, TRACE_R_NO_MATCH, 3);
    cr_assert_str_eq(tables(&r), "013");
    trace_result_free(&r);
}

/* --- installed against desired --- */

static bool hv1_port(const void *aux, const char *name, uint32_t *port)
{
    (void)aux;
    for (size_t i = 0; i < ARRAY_SIZE(hv1_ports); i++) {
        if (!strcmp(hv1_ports[i].name, name)) {
            *port = hv1_ports[i].port_no;
            return true;
        }
    }
    return false;
}

Test(trace, warnings_missing_rejected_differs_extra, .init = load_controller)
{
    struct flow_set desired, installed, rejected;
    flow_set_init(&desired);
    flow_set_init(&installed);
    flow_set_init(&rejected);
    rcu_read_lock();
    pipeline_compute(HV1, hv1_port, NULL, &desired);
    rcu_read_unlock();

    /* Installed: everything but VM1's table-1 flow (rejected) and VM2's
     * table-3 flow (missing); the table-2 miss with other actions; an
     * extra table-0 flow above VM1's. */
    for (size_t i = 0; i < desired.n; i++) {
        const struct flow *f = &desired.flows[i];
        struct pipeline_cookie_info ci = pipeline_cookie_parse(f->cookie);
        uint8_t mac[6];
        char text[ETH_ADDR_STRLEN];
        mac_from_u64(ci.id, mac);
        eth_addr_to_str(mac, text);
        if (ci.role == PIPELINE_R_SOURCE_IP && !strcmp(text, "da:1d:64:e8:e6:86")) {
            flow_set_add_copy(&rejected, &desired, f);
        } else if (ci.role == PIPELINE_R_DELIVER_LOCAL && !strcmp(text, "ba:ce:a6:08:b6:67")) {
            continue;
        } else if (f->table == 2 && ci.role == PIPELINE_R_MISS) {
            struct of_match m;
            struct of_insts ins;
            of_match_init(&m);
            of_insts_init(&ins);
            of_insts_goto(&ins, 3);
            of_insts_output(&ins, 9, 0);
            flow_set_add(&installed, 2, 0, f->cookie, &m, &ins);
        } else {
            flow_set_add_copy(&installed, &desired, f);
        }
    }
    struct of_match m;
    struct of_insts ins;
    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, 1);
    of_insts_init(&ins);
    flow_set_add(&installed, 0, 500, UINT64_C(0x7600000000000000), &m, &ins);
    flow_set_sort(&installed);
    env.hv1_installed = &installed;
    env.hv1_rejected = &rejected;

    struct trace_result r = run(HV1, ipv4(1, "da:1d:64:e8:e6:86", "10.0.0.1",
                                          "ba:ce:a6:08:b6:67", "10.0.0.2", IPPROTO_ICMP));
    cr_assert_eq(r.verdict, TRACE_DELIVERED, "the trace follows the desired flows");
    cr_assert_str_eq(tables(&r), "0123");
    cr_assert_eq(r.n_warnings, 4);
    cr_assert(strstr(r.steps[0].warning, "an extra flow on the switch takes precedence"), "%s",
              r.steps[0].warning);
    cr_assert_eq(r.steps[0].install, TRACE_I_OK);
    cr_assert_eq(r.steps[1].install, TRACE_I_REJECTED);
    cr_assert_eq(r.steps[2].install, TRACE_I_DIFFERS);
    cr_assert(strstr(r.steps[2].warning, "output:9"), "%s", r.steps[2].warning);
    cr_assert_eq(r.steps[3].install, TRACE_I_MISSING);
    trace_result_free(&r);

    /* The same path between hosts whose flows are all in place: no warning. */
    env.hv1_installed = &desired;
    env.hv1_rejected = NULL;
    r = run(HV1, ipv4(5, "8a:14:11:f1:3d:c9", "192.168.5.1", "8e:2b:b5:39:03:64", "192.168.5.2",
                      IPPROTO_ICMP));
    cr_assert_eq(r.verdict, TRACE_DELIVERED);
    cr_assert_eq(r.n_warnings, 0);
    for (size_t i = 0; i < r.n_steps; i++) {
        cr_assert_eq(r.steps[i].install, TRACE_I_OK);
    }
    trace_result_free(&r);
    flow_set_destroy(&desired);
    flow_set_destroy(&installed);
    flow_set_destroy(&rejected);
}

Test(trace, names, .init = load_controller)
{
    cr_assert_str_eq(trace_reason_name(TRACE_R_SPOOFED_SOURCE), "spoofed_source");
    cr_assert_str_eq(trace_verdict_name(TRACE_REPLIED), "answered in the datapath");
    char s[160];
    cr_assert(trace_describe_cookie(UINT64_C(0x7612da1d64e8e686), s, sizeof s));
    cr_assert_str_eq(s, "host da:1d:64:e8:e6:86 (10.0.0.1) of network 1 on hv1");
    cr_assert_not(trace_describe_cookie(UINT64_C(0x7612020000000001), s, sizeof s), "no such host");
    cr_assert_not(trace_describe_cookie(UINT64_C(0x7678000000000000), s, sizeof s), "legacy");
}

/* #16: with an external gateway on hv1, a VM's packet to outside crosses
 * to the gateway bridge and stops at its ct(): what follows is the
 * switch's connection state. */
static void load_gateway(void)
{
    load_article(VX_ARP_DEFAULT, true);
}

Test(trace, to_outside_stops_at_conntrack, .init = load_gateway)
{
    struct trace_packet p = ipv4(6, "5e:9f:86:77:6e:87", "192.168.5.3", "00:bb:cc:dd:ee:00",
                                 "198.51.100.5", IPPROTO_TCP);
    struct trace_result r = run(HV2, p);

    cr_assert_eq(r.verdict, TRACE_CONNTRACK, "%s: %s", trace_verdict_name(r.verdict), r.detail);
    cr_assert_eq(r.reason, TRACE_R_CONNTRACK);
    cr_assert_str_eq(tables(&r), "012/014");
    cr_assert_eq(r.dpid, HV1);
    cr_assert_eq(r.table, 4);
    cr_assert(strstr(r.steps[2].flow, "203.0.113") == NULL && strstr(r.steps[2].flow, "->tun_dst"),
              "%s", r.steps[2].flow);
    cr_assert(strstr(r.steps[5].flow, "nat(src=203.0.113.10)"), "%s", r.steps[5].flow);
    cr_assert_str_eq(r.steps[5].object, "gateway of router 00:bb:cc:dd:ee:00: 203.0.113.10/24 on hv1 port uplink");
    cr_assert(strstr(r.steps[5].role, "source NAT"), "%s", r.steps[5].role);
    trace_result_free(&r);
}
