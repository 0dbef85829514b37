/* The RCU model: lookups on the hot paths, and reload diffs producing
 * exactly the expected affected-bridge sets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <urcu-qsbr.h>

#include "core/util.h"
#include "model/edit.h"
#include "model/model.h"
#include "model/vxconf.h"

static void setup(void)
{
    rcu_register_thread();
    model_init();
}

static void teardown(void)
{
    model_destroy();
    rcu_unregister_thread();
}

/* A config built in code: B bridges, networks, routers and hosts added
 * through the helpers below. */
static struct vx_config cfg;

static void cfg_reset(void)
{
    vxconf_init(&cfg);
    cfg.bridges = xcalloc(16, sizeof *cfg.bridges);
    cfg.networks = xcalloc(16, sizeof *cfg.networks);
    cfg.routers = xcalloc(16, sizeof *cfg.routers);
    cfg.hosts = xcalloc(64, sizeof *cfg.hosts);
}

static void add_bridge(uint64_t dpid, uint32_t tun_ip)
{
    struct vx_bridge_cfg *b = &cfg.bridges[cfg.n_bridges++];
    b->dpid = dpid;
    b->tun_ip = tun_ip;
    snprintf(b->tun_port, sizeof b->tun_port, "vtun1");
}

static void add_net(uint32_t vni, uint32_t subnet, uint32_t gw)
{
    struct vx_network_cfg *n = &cfg.networks[cfg.n_networks++];
    n->vni = vni;
    n->subnet = subnet;
    n->prefix = 24;
    n->gateway = gw;
    n->mtu = 1450;
    n->lease_time = 3600;
}

static void add_router(uint8_t last, int n, const uint32_t *vnis)
{
    struct vx_router_cfg *r = &cfg.routers[cfg.n_routers++];
    uint8_t mac[6] = { 0, 0xbb, 0xcc, 0xdd, 0xee, last };
    memcpy(r->mac, mac, 6);
    for (int i = 0; i < n; i++) {
        r->networks[r->n_networks++] = vnis[i];
    }
}

static void add_host(uint8_t id, uint32_t vni, uint64_t dpid, uint32_t port, uint32_t ip)
{
    struct vx_host_cfg *h = &cfg.hosts[cfg.n_hosts++];
    uint8_t mac[6] = { 2, 0, 0, 0, 0, id };
    memcpy(h->mac, mac, 6);
    h->vni = vni;
    h->dpid = dpid;
    h->port_no = port;
    h->ip = ip;
}

/* Three bridges: hv1 and hv2 as in the article (networks 1, 2, 3; router
 * joining 1 and 3) and hv3 with only network 4. */
static void three_bridges(void)
{
    static const uint32_t r13[] = { 1, 3 };
    cfg_reset();
    add_bridge(1, 0xc0000201);
    add_bridge(2, 0xc0000202);
    add_bridge(3, 0xc0000203);
    add_net(1, 0x0a000000, 0x0a0000fe);
    add_net(2, 0x0a000000, 0x0a0000fd);
    add_net(3, 0xc0a80500, 0xc0a805fd);
    add_net(4, 0xac1f0400, 0xac1f04fe);
    add_router(0, 2, r13);
    add_host(1, 1, 1, 1, 0x0a000001);
    add_host(3, 2, 1, 3, 0x0a000001);
    add_host(5, 3, 1, 5, 0xc0a80501);
    add_host(7, 1, 2, 1, 0x0a000004);
    add_host(9, 2, 2, 4, 0x0a000004);
    add_host(11, 3, 2, 6, 0xc0a80503);
    add_host(20, 4, 3, 1, 0xac1f0414);
}

/* Applies 'cfg' and returns the affected set as a string "1,2". */
static char affected_str[64];
static const char *apply(void)
{
    struct dpid_set aff = { 0, 0, NULL };
    struct vx_errors errs = { 0, 0, NULL };

    cr_assert(edit_validate(&cfg, "test", &errs), "%s", errs.n ? errs.msgs[0] : "");
    vxconf_sort(&cfg);
    model_apply(&cfg, &aff, NULL);
    affected_str[0] = '\0';
    for (size_t i = 0; i < aff.n; i++) {
        char s[24];
        snprintf(s, sizeof s, "%s%llu", i ? "," : "", (unsigned long long)aff.dpids[i]);
        strcat(affected_str, s);
    }
    dpid_set_clear(&aff);
    return affected_str;
}

TestSuite(model, .init = setup, .fini = teardown);

Test(model, lookups)
{
    uint8_t mac[6];

    three_bridges();
    cr_assert_str_eq(apply(), "1,2,3", "initial load affects every bridge with hosts");
    rcu_read_lock();
    /* The same IP in two overlapping networks resolves within each. */
    const struct vx_host *h = model_host_by_ip(1, 0x0a000004);
    cr_assert_not_null(h);
    cr_assert_eq(h->cfg.mac[5], 7);
    h = model_host_by_ip(2, 0x0a000004);
    cr_assert_not_null(h);
    cr_assert_eq(h->cfg.mac[5], 9);
    cr_assert_null(model_host_by_ip(3, 0x0a000004));
    /* Packet-in source: bridge, port and MAC must all match. */
    uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 };
    cr_assert_not_null(model_host_by_source(1, m1, 1, NULL));
    cr_assert_null(model_host_by_source(1, m1, 2, NULL), "wrong port");
    cr_assert_null(model_host_by_source(2, m1, 1, NULL), "wrong bridge");
    /* Gateways: the router's MAC, or the VNI-derived one. */
    cr_assert(model_router_mac_of(3, mac));
    cr_assert_eq(mac[1], 0xbb);
    cr_assert_not(model_router_mac_of(2, mac));
    model_gateway_mac(2, mac);
    uint8_t want[6] = { 0x02, 0x76, 0x78, 0, 0, 2 };
    cr_assert_eq(memcmp(mac, want, 6), 0);
    cr_assert_not_null(model_bridge(3));
    cr_assert_null(model_bridge(4));
    cr_assert_eq(model_network(4)->cfg.subnet, 0xac1f0400);
    rcu_read_unlock();
}

/* The fabric after the first 'step' changes, each cumulative. */
static void build(int step)
{
    three_bridges();
    if (step >= 1) {            /* network 1 gets a DNS server */
        cfg.networks[0].n_dns = 1;
        cfg.networks[0].dns[0] = 0x0a0000fa;
    }
    if (step >= 2) {            /* hv3's host moves to port 2 */
        cfg.hosts[6].port_no = 2;
    }
    if (step >= 3) {            /* hv2's tunnel endpoint moves */
        cfg.bridges[1].tun_ip = 0xc0000299;
    }
    if (step == 4) {            /* network 4 joins the router */
        cfg.routers[0].networks[2] = 4;
        cfg.routers[0].n_networks = 3;
    }
    if (step >= 5) {            /* the router goes */
        cfg.n_routers = 0;
    }
}

#define EXPECT_AFFECTED(WANT, WHY) \
    do { const char *got_ = apply(); \
         cr_assert_str_eq(got_, WANT, "%s: affected {%s}, want {%s}", WHY, got_, WANT); } while (0)

Test(model, reload_diffs_affected_bridges)
{
    build(0);
    apply();

    build(0);
    EXPECT_AFFECTED("", "an unchanged config touches nothing");

    build(0);
    add_host(21, 4, 3, 2, 0xac1f0415);
    EXPECT_AFFECTED("3", "a host added in network 4 concerns only hv3");

    build(0);
    EXPECT_AFFECTED("3", "removing it, too");

    build(0);
    add_host(22, 2, 1, 8, 0x0a000009);
    EXPECT_AFFECTED("1,2", "network 2 lives on hv1 and hv2");

    build(1);
    EXPECT_AFFECTED("1,2", "network 1 changed (and the network-2 host left)");

    build(2);
    EXPECT_AFFECTED("3", "a host moved to another port: its bridge only");

    build(3);
    EXPECT_AFFECTED("1,2", "hv2's endpoint moved: the bridges sharing its networks");

    build(4);
    EXPECT_AFFECTED("1,2,3", "network 4 joined the router: every member's bridges");

    build(5);
    EXPECT_AFFECTED("1,2,3", "the router went: bridges of networks 1, 3 and 4");
    rcu_read_lock();
    uint8_t mac[6];
    cr_assert_not(model_router_mac_of(1, mac), "router ports removed");
    rcu_read_unlock();
}

Test(model, changed_host_keys)
{
    three_bridges();
    apply();
    three_bridges();
    cfg.hosts[0].ip = 0x0a000063;     /* vm1 renumbered */
    cr_assert_str_eq(apply(), "1,2");
    rcu_read_lock();
    cr_assert_null(model_host_by_ip(1, 0x0a000001), "old key gone");
    cr_assert_not_null(model_host_by_ip(1, 0x0a000063), "new key present");
    rcu_read_unlock();
}

/* Deep copy of the writer's current config. */
static void copy_current(struct vx_config *out)
{
    const struct vx_config *c = model_config();
    *out = *c;
    out->bridges = xmemdup(c->bridges, c->n_bridges * sizeof *c->bridges);
    out->networks = xmemdup(c->networks, c->n_networks * sizeof *c->networks);
    out->routers = xmemdup(c->routers, c->n_routers * sizeof *c->routers);
    out->hosts = xmemdup(c->hosts, c->n_hosts * sizeof *c->hosts);
}

static bool configs_equal(const struct vx_config *a, const struct vx_config *b)
{
    if (a->n_hosts != b->n_hosts) {
        return false;
    }
    for (size_t i = 0; i < a->n_hosts; i++) {
        struct vx_host_cfg x = a->hosts[i], y = b->hosts[i];
        x.line = y.line = 0;
        if (memcmp(&x, &y, sizeof x)) {
            return false;
        }
    }
    return true;
}

static char set_str_buf[256];
static const char *set_str(const struct dpid_set *s)
{
    set_str_buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        char t[24];
        snprintf(t, sizeof t, "%s%llu", i ? "," : "", (unsigned long long)s->dpids[i]);
        strcat(set_str_buf, t);
    }
    return set_str_buf;
}

/* The one-host fast path must do exactly what the general path does: for
 * a random sequence of host adds, changes (moves between bridges, ports,
 * networks) and removals, apply each with model_apply_host(), then rewind
 * and apply the same change with model_apply(); the affected bridges and
 * the resulting model must be the same. */
Test(model, host_fast_path_matches_general_path)
{
    unsigned int seed = 12345;

    three_bridges();
    apply();
    for (int step = 0; step < 400; step++) {
        struct vx_config before, after_fast, again;
        struct dpid_set fast = { 0, 0, NULL }, general = { 0, 0, NULL };
        copy_current(&before);

        /* A random change among hosts 02:00:00:00:01:xx of networks 1..4. */
        struct vx_host_cfg h;
        memset(&h, 0, sizeof h);
        uint8_t id = (uint8_t)(1 + rand_r(&seed) % 12);
        uint8_t mac[6] = { 2, 0, 0, 0, 1, id };
        memcpy(h.mac, mac, 6);
        h.vni = 1 + (uint32_t)(id % 4);
        h.dpid = 1 + (uint64_t)(rand_r(&seed) % 3);
        h.port_no = 100 + id + 20 * (uint32_t)(rand_r(&seed) % 2);
        static const uint32_t subnets[] = { 0, 0x0a000000, 0x0a000000, 0xc0a80500, 0xac1f0400 };
        h.ip = subnets[h.vni] | (uint32_t)(50 + id);
        const struct vx_host_cfg *old = NULL;
        for (size_t i = 0; i < before.n_hosts; i++) {
            if (!vxconf_host_cmp(&before.hosts[i], &h)) {
                old = &before.hosts[i];
            }
        }
        int op = rand_r(&seed) % 4;             /* 0: delete, else put */
        if (op == 0 && !old) {
            op = 1;
        }
        if (op == 3 && old) {
            h = *old;                           /* an identical PUT: a no-op */
        }
        model_apply_host(old, op ? &h : NULL, &fast);
        copy_current(&after_fast);

        /* Rewind, then the general path from 'before' to 'after_fast'. */
        struct dpid_set scratch = { 0, 0, NULL };
        vxconf_sort(&before);
        model_apply(&before, &scratch, NULL);
        dpid_set_clear(&scratch);
        copy_current(&again);                   /* == before */
        struct vx_config target;
        copy_current(&target);
        free(target.hosts);
        target.hosts = xmemdup(after_fast.hosts, after_fast.n_hosts * sizeof *after_fast.hosts);
        target.n_hosts = after_fast.n_hosts;
        model_apply(&target, &general, NULL);

        char fs[256];
        snprintf(fs, sizeof fs, "%s", set_str(&fast));
        cr_assert_str_eq(fs, set_str(&general), "step %d (op %d, host %u): fast {%s} vs general {%s}",
                         step, op, id, fs, set_str(&general));
        cr_assert(configs_equal(&after_fast, model_config()), "step %d: same resulting config", step);
        rcu_read_lock();
        const struct vx_host *live = model_host_by_ip(h.vni, h.ip);
        cr_assert_eq(live != NULL, op != 0, "step %d: present exactly after a PUT", step);
        rcu_read_unlock();
        dpid_set_clear(&fast);
        dpid_set_clear(&general);
        vxconf_free(&after_fast);
        vxconf_free(&again);
    }
}
