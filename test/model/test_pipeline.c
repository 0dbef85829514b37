/* The pipeline: the golden desired-flow set of each bridge of the
 * article's topology (conf/vxfabric.conf), in ovs-ofctl syntax. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu-qsbr.h>

#include "model/binding.h"
#include "model/edit.h"
#include "model/model.h"
#include "model/neighbor.h"
#include "model/pipeline.h"
#include "model/vxconf.h"

/* The tunnel port numbers OVS gave vtun1 in the lab (it was added after
 * the VMs without ofport_request): 7 on hv1, 3 on hv2. */
static bool ports_hv1(const void *aux, const char *name, uint32_t *port)
{
    (void)aux;
    if (!strcmp(name, "vtun1")) { *port = 7; return true; }
    return false;
}

static bool ports_hv2(const void *aux, const char *name, uint32_t *port)
{
    (void)aux;
    if (!strcmp(name, "vtun1")) { *port = 3; return true; }
    return false;
}

static bool no_ports(const void *aux, const char *name, uint32_t *port)
{
    (void)aux; (void)name; (void)port;
    return false;
}

/* Loads the article's fabric, with the fabric's arp_responder 'fabric'
 * and, if 'net1' is not VX_ARP_DEFAULT, network 1's. */
/* Starts the model and reads the article's fabric into 'cfg'. */
static void read_article(struct vx_config *cfg)
{
    struct vx_errors errs = { 0, 0, NULL };

    rcu_register_thread();
    model_init();
    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", cfg, &errs, NULL));
}

static void load_with(enum vx_arp_responder fabric, enum vx_arp_responder net1)
{
    struct vx_config cfg;
    struct dpid_set aff = { 0, 0, NULL };

    read_article(&cfg);
    cfg.arp_responder = (uint8_t)fabric;
    cfg.networks[0].arp_responder = (uint8_t)net1;
    cr_assert_eq(cfg.networks[0].vni, 1);
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);
}

static void load_article(void)
{
    load_with(VX_ARP_DEFAULT, VX_ARP_DEFAULT);
}

static void load_article_datapath(void)
{
    load_with(VX_ARP_DATAPATH, VX_ARP_DEFAULT);
}

/* The fabric answers by packet-in, network 1 overrides it. */
static void load_article_net1_datapath(void)
{
    load_with(VX_ARP_CONTROLLER, VX_ARP_DATAPATH);
}

static char *render(uint64_t dpid, pipeline_port_fn *fn)
{
    struct flow_set fs;
    struct vxbuf text = VXBUF_INITIALIZER;

    flow_set_init(&fs);
    rcu_read_lock();
    pipeline_compute(dpid, fn, NULL, &fs);
    rcu_read_unlock();
    for (size_t i = 0; i < fs.n; i++) {
        flow_format(&fs, &fs.flows[i], &text);
    }
    vxbuf_put(&text, "", 1);
    char *s = strdup((const char *)vxbuf_data(&text));
    vxbuf_uninit(&text);
    flow_set_destroy(&fs);
    return s;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

static void assert_golden(uint64_t dpid, pipeline_port_fn *fn, const char *file)
{
    char *got = render(dpid, fn);
    if (getenv("VX_GOLDEN_WRITE")) {    /* for a new golden file: review it before committing */
        FILE *f = fopen(file, "w");
        cr_assert_not_null(f, "%s", file);
        fputs(got, f);
        fclose(f);
    }
    char *want = read_file(file);
    if (strcmp(got, want)) {
        fprintf(stderr, "---- got ----\n%s---- want (%s) ----\n%s", got, file, want);
    }
    cr_assert_str_eq(got, want, "desired flows of %#llx differ from %s",
                     (unsigned long long)dpid, file);
    free(got);
    free(want);
}

Test(pipeline, article_hv1, .init = load_article)
{
    assert_golden(0x32d1f6ddc94fULL, ports_hv1, SOURCE_DIR "/test/model/golden/article-hv1.flows");
}

Test(pipeline, article_hv2, .init = load_article)
{
    assert_golden(0x4e7879903e4cULL, ports_hv2, SOURCE_DIR "/test/model/golden/article-hv2.flows");
}

/* #20: arp_responder = "datapath": ARP leaves table 0, is validated in
 * table 1 (in_port, eth_src, arp_sha, arp_spa) and answered in table 2
 * for every host of each local network and its gateway. */
Test(pipeline, article_hv1_arp_datapath, .init = load_article_datapath)
{
    assert_golden(0x32d1f6ddc94fULL, ports_hv1,
                  SOURCE_DIR "/test/model/golden/article-hv1-arp-datapath.flows");
}

Test(pipeline, article_hv2_arp_datapath, .init = load_article_datapath)
{
    assert_golden(0x4e7879903e4cULL, ports_hv2,
                  SOURCE_DIR "/test/model/golden/article-hv2-arp-datapath.flows");
}

/* A network's own setting overrides the fabric's: only network 1 changes. */
Test(pipeline, network_overrides_fabric, .init = load_article_net1_datapath)
{
    assert_golden(0x32d1f6ddc94fULL, ports_hv1,
                  SOURCE_DIR "/test/model/golden/article-hv1-arp-net1-datapath.flows");
}

Test(pipeline, invariants, .init = load_article)
{
    char *s = render(0x32d1f6ddc94fULL, ports_hv1);
    /* Every table-3 host flow matches tun_id (the article's leak). */
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "table=3, priority=100")) {
            cr_assert(strstr(line, "tun_id=0x"), "table-3 flow without tun_id: %s", line);
        }
        cr_assert_null(strstr(line, "65279"), "no assumed tunnel port number: %s", line);
    }
    free(s);
}

Test(pipeline, without_tunnel_port_no_remote_flows, .init = load_article)
{
    char *s = render(0x32d1f6ddc94fULL, no_ports);
    cr_assert_null(strstr(s, "tun_dst"), "remote flows need the tunnel port");
    cr_assert_not_null(strstr(s, "output:1"), "local delivery still works");
    free(s);
}

Test(pipeline, unknown_bridge_gets_nothing, .init = load_article)
{
    char *s = render(0x99, ports_hv1);
    cr_assert_str_eq(s, "");
    free(s);
}

/* #19: every flow's cookie names an object of the model that exists, and
 * a role consistent with its table; cookies that are not ours, or from
 * before cookies named objects, do not parse. */
Test(pipeline, cookies_name_model_objects, .init = load_article_datapath)
{
    static const uint8_t table_of_role[PIPELINE_N_ROLES] = {
        [PIPELINE_R_TUNNEL_IN] = 1, [PIPELINE_R_ARP_TO_CTL] = 0, [PIPELINE_R_DHCP_TO_CTL] = 0,
        [PIPELINE_R_SOURCE_IP] = 1, [PIPELINE_R_SOURCE_ARP] = 1, [PIPELINE_R_ARP_ANSWER] = 2,
        [PIPELINE_R_ARP_REST] = 2, [PIPELINE_R_GATEWAY_ICMP] = 2, [PIPELINE_R_GATEWAY_ECHO] = 2,
        [PIPELINE_R_ROUTE] = 2, [PIPELINE_R_DELIVER_LOCAL] = 3, [PIPELINE_R_DELIVER_REMOTE] = 3,
    };
    struct flow_set fs;
    unsigned seen_kinds = 0, seen_roles = 0;

    flow_set_init(&fs);
    rcu_read_lock();
    pipeline_compute(0x32d1f6ddc94fULL, ports_hv1, NULL, &fs);
    for (size_t i = 0; i < fs.n; i++) {
        const struct flow *f = &fs.flows[i];
        struct pipeline_cookie_info ci = pipeline_cookie_parse(f->cookie);
        uint8_t mac[6];
        cr_assert(ci.valid, "cookie %#llx", (unsigned long long)f->cookie);
        seen_kinds |= 1u << ci.kind;
        seen_roles |= 1u << ci.role;
        if (ci.role != PIPELINE_R_MISS) {
            cr_assert_eq(f->table, table_of_role[ci.role], "%s in table %u",
                         pipeline_role_name(ci.role), f->table);
        }
        mac_from_u64(ci.id, mac);
        switch (ci.kind) {
        case PIPELINE_K_BRIDGE: cr_assert_eq(ci.id, 0); break;
        case PIPELINE_K_NETWORK: cr_assert_not_null(model_network((uint32_t)ci.id)); break;
        case PIPELINE_K_ROUTER: cr_assert_not_null(model_router(mac)); break;
        case PIPELINE_K_GATEWAY: case PIPELINE_K_FLOATING:
            cr_assert_fail("no gateway in the article's fabric");
            break;
        case PIPELINE_K_HOST: {
            struct cds_lfht_iter it;
            const struct vx_host *h;
            bool found = false;
            for (uint32_t vni = 1; vni <= 3 && !found; vni++) {
                for (h = model_hosts_in_network(vni, &it); h; h = model_next_in_network(vni, &it)) {
                    found |= !memcmp(h->cfg.mac, mac, 6);
                }
            }
            cr_assert(found, "no host %012llx", (unsigned long long)ci.id);
            break;
        }
        }
    }
    rcu_read_unlock();
    flow_set_destroy(&fs);
    cr_assert_eq(seen_kinds, 0xf, "bridge, host, network and router flows");
    /* datapath mode: every role but the controller's ARP classification. */
    cr_assert_eq(seen_roles, ((1u << PIPELINE_N_ROLES) - 1) & ~(1u << PIPELINE_R_ARP_TO_CTL));
    cr_assert_not(pipeline_cookie_parse(UINT64_C(0x7678000000000000)).valid, "pre-#19 cookie");
    cr_assert_not(pipeline_cookie_parse(0).valid, "not ours");
    cr_assert_not(pipeline_cookie_parse(UINT64_C(0x7660000000000000)).valid, "no such kind");
    cr_assert_not(pipeline_cookie_parse(UINT64_C(0x7649000000000000)).valid, "no such gateway role");
    cr_assert_not(pipeline_cookie_parse(UINT64_C(0x761f000000000000)).valid, "no such role");
}

/* #17: a host whose port its bridge no longer reports is unbound: no
 * bridge delivers to it any more, and it comes back with its port.  A
 * bridge that never reported leaves its hosts bound (unknown). */
Test(pipeline, unbound_host_gets_no_delivery_flows, .init = load_article)
{
    static const struct binding_port all[] = {
        { 1, "vm7" }, { 2, "vm8" }, { 3, "vtun1" }, { 4, "vm9" }, { 5, "vm10" }, { 6, "vm11" }, { 7, "vm12" },
    };
    const uint64_t hv1 = 0x32d1f6ddc94fULL, hv2 = 0x4e7879903e4cULL;
    struct dpid_set aff = { 0, 0, NULL };
    const struct vx_host *vm7;

    rcu_read_lock();
    vm7 = model_host_by_ip(1, 0x0a000004);
    cr_assert_eq(binding_host_state(&vm7->cfg), BINDING_UNKNOWN, "hv2 never reported");
    char *s = render(hv1, ports_hv1);
    cr_assert_not_null(strstr(s, "tun_id=0x1,nw_dst=10.0.0.4 actions"), "unknown counts as bound");
    free(s);

    binding_set_ports(hv2, all, 7, &aff);
    cr_assert_eq(aff.n, 0, "every host bound, as assumed: nothing to recompute");
    cr_assert_eq(binding_host_state(&vm7->cfg), BINDING_BOUND);

    binding_set_ports(hv2, all + 1, 6, &aff);           /* port 1 (vm7) gone */
    dpid_set_normalize(&aff);
    cr_assert(dpid_set_contains(&aff, hv1) && dpid_set_contains(&aff, hv2), "network 1's bridges");
    cr_assert_eq(binding_host_state(&vm7->cfg), BINDING_UNBOUND);
    s = render(hv1, ports_hv1);
    cr_assert_null(strstr(s, "tun_id=0x1,nw_dst=10.0.0.4 actions"), "no bridge delivers to an unbound host");
    cr_assert_not_null(strstr(s, "tun_id=0x2,nw_dst=10.0.0.4 actions"), "network 2's 10.0.0.4 is bound");
    free(s);
    dpid_set_clear(&aff);

    binding_set_ports(hv2, all, 7, &aff);
    cr_assert(aff.n > 0, "bound again");
    s = render(hv1, ports_hv1);
    cr_assert_not_null(strstr(s, "tun_id=0x1,nw_dst=10.0.0.4 actions"), "its flows are back");
    free(s);
    dpid_set_clear(&aff);
    rcu_read_unlock();
}

/* --- #16: external gateways --- */

static bool ports_gw(const void *aux, const char *name, uint32_t *port)
{
    if (!strcmp(name, "uplink")) { *port = 9; return true; }
    return ports_hv1(aux, name, port);
}

#define HV1 0x32d1f6ddc94fULL
#define HV2 0x4e7879903e4cULL

/* The article's fabric with an external gateway on hv1 for its router
 * (networks 1 and 3; network 1 does not SNAT), a floating IP for
 * 192.168.5.3 (on hv2), and a second router for network 2 behind the same
 * uplink: docs/gateway.md's example. */
static void load_gateway(void)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };

    read_article(&cfg);
    struct vx_router_cfg *r = &cfg.routers[0];
    r->gateway = (struct vx_gateway_cfg) { HV1, "uplink", 0xcb00710a, 24, 0xcb007101 };
    r->floating[r->n_floating++] = (struct vx_floating_ip) {
        0xcb007114, { 0x5e, 0x9f, 0x86, 0x77, 0x6e, 0x87 } };
    cfg.networks[0].no_snat = true;
    cfg.routers = realloc(cfg.routers, 2 * sizeof *cfg.routers);
    struct vx_router_cfg r2 = { .mac = { 0, 0xbb, 0xcc, 0xdd, 0xee, 1 }, .n_networks = 1,
                                .networks = { 2 },
                                .gateway = { HV1, "uplink", 0xcb00710b, 24, 0xcb007101 } };
    cfg.routers[cfg.n_routers++] = r2;
    cr_assert(edit_validate(&cfg, "test", &errs), "%s", errs.n ? errs.msgs[0] : "");
    vxconf_sort(&cfg);
    model_apply(&cfg, &aff, NULL);
    cr_assert(dpid_set_contains(&aff, HV1));
    dpid_set_clear(&aff);
}

Test(gateway, before_the_next_hop_is_known, .init = load_gateway)
{
    assert_golden(HV1, ports_gw, SOURCE_DIR "/test/model/golden/gateway-hv1-unresolved.flows");
}

Test(gateway, gateway_bridge, .init = load_gateway)
{
    struct dpid_set aff = { 0, 0, NULL };
    const uint8_t nh[6] = { 0x02, 0x00, 0xcb, 0x00, 0x71, 0x01 };

    neighbor_learn(HV1, 0xcb007101, nh, &aff);
    cr_assert(dpid_set_contains(&aff, HV1));
    dpid_set_clear(&aff);
    neighbor_learn(HV1, 0xcb007101, nh, &aff);
    cr_assert_eq(aff.n, 0, "the same MAC again changes nothing");
    assert_golden(HV1, ports_gw, SOURCE_DIR "/test/model/golden/gateway-hv1.flows");
}

Test(gateway, source_bridge, .init = load_gateway)
{
    assert_golden(HV2, ports_hv2, SOURCE_DIR "/test/model/golden/gateway-hv2.flows");
}

/* The rules: an external subnet that overlaps a network, a floating IP
 * used twice, one outside the uplink's subnet, one naming a host of
 * another router's network, and two routers in one conntrack zone. */
Test(gateway, validation)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    const char *want[] = {
        "external subnet 192.168.5.0/24 overlaps network 3",
        "floating IP 203.0.113.99 is not a usable address",
        "floating IP 198.51.100.7: no host 74:4b:c6:95:18:73 on the router's networks",
        "external address 198.51.100.7 is already used",
        "its conntrack zone",
    };

    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL));
    cfg.routers = realloc(cfg.routers, 3 * sizeof *cfg.routers);
    struct vx_router_cfg *r = &cfg.routers[0];
    r->gateway = (struct vx_gateway_cfg) { HV1, "uplink", 0xc0a80564, 24, 0xc0a80501 };
    cfg.routers[1] = (struct vx_router_cfg) {
        .mac = { 2, 0, 0, 0, 0xee, 0 }, .n_networks = 1, .networks = { 2 },
        .gateway = { HV1, "uplink", 0xc6336405, 24, 0xc6336401 },
        .n_floating = 2,
        .floating = { { 0xc6336407, { 0x74, 0x4b, 0xc6, 0x95, 0x18, 0x73 } },
                      { 0xcb007163, { 0x74, 0x4b, 0xc6, 0x95, 0x18, 0x73 } } },
    };
    cfg.routers[2] = (struct vx_router_cfg) {
        .mac = { 2, 0, 0, 0, 0xee, 2 }, .n_networks = 0,
        .n_floating = 1,
        .floating = { { 0xc6336407, { 0x74, 0x4b, 0xc6, 0x95, 0x18, 0x73 } } },
        .gateway = { HV1, "uplink", 0xc6336406, 24, 0xc6336401 },
    };
    cfg.n_routers = 3;
    cr_assert_not(edit_validate(&cfg, "test", &errs));
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < errs.n; i++) {
            found |= strstr(errs.msgs[i], want[k]) != NULL;
        }
        cr_assert(found, "no error '%s'", want[k]);
    }
    vx_errors_clear(&errs);
    vxconf_free(&cfg);
}
