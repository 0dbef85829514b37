#include "model/edit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Where a kind lives in a struct vx_config, and how it is keyed. */
struct kind_desc {
    const char *name;
    size_t array_ofs;           /* offsetof the array pointer */
    size_t n_ofs;               /* offsetof its count */
    size_t size;                /* of one element */
    int (*cmp)(const void *, const void *);
};

#define KIND(NAME, FIELD, TYPE, CMP) \
    { NAME, offsetof(struct vx_config, FIELD), offsetof(struct vx_config, n_##FIELD), sizeof(TYPE), CMP }

static const struct kind_desc kinds[EDIT_N_KINDS] = {
    [EDIT_BRIDGE] = KIND("bridges", bridges, struct vx_bridge_cfg, vxconf_bridge_cmp),
    [EDIT_NETWORK] = KIND("networks", networks, struct vx_network_cfg, vxconf_network_cmp),
    [EDIT_ROUTER] = KIND("routers", routers, struct vx_router_cfg, vxconf_router_cmp),
    [EDIT_HOST] = KIND("hosts", hosts, struct vx_host_cfg, vxconf_host_cmp),
};

const char *edit_kind_name(enum edit_kind k)
{
    return kinds[k].name;
}

static void **array_of__(const struct vx_config *c, enum edit_kind k)
{
    return (void **)((char *)c + kinds[k].array_ofs);
}

static size_t *count_of__(const struct vx_config *c, enum edit_kind k)
{
    return (size_t *)((char *)c + kinds[k].n_ofs);
}

size_t edit_count(const struct vx_config *cfg, enum edit_kind k)
{
    return *count_of__(cfg, k);
}

const void *edit_object_at(const struct vx_config *cfg, enum edit_kind k, size_t i)
{
    return (const char *)*array_of__(cfg, k) + i * kinds[k].size;
}

const void *edit_find(const struct vx_config *cfg, enum edit_kind k, const void *key)
{
    return vx_bsearch(key, *array_of__(cfg, k), *count_of__(cfg, k), kinds[k].size, kinds[k].cmp);
}

/* A deep copy of 'cur', arrays and all. */
static void copy__(const struct vx_config *cur, struct vx_config *out)
{
    *out = *cur;
    for (int k = 0; k < EDIT_N_KINDS; k++) {
        *array_of__(out, k) = xmemdup(*array_of__(cur, k), *count_of__(cur, k) * kinds[k].size);
    }
}

void edit_copy(const struct vx_config *cur, struct vx_config *out)
{
    copy__(cur, out);
}

bool edit_config_with(const struct vx_config *cur, enum edit_kind k, const void *key,
                      const void *put, struct vx_config *out)
{
    const struct kind_desc *kd = &kinds[k];
    size_t n = *count_of__(cur, k), m = 0;
    const char *src = *array_of__(cur, k);
    char *dst = xcalloc(n + 1, kd->size);
    bool found = false;

    copy__(cur, out);
    for (size_t i = 0; i < n; i++) {
        if (!kd->cmp(src + i * kd->size, key)) {
            found = true;
            continue;
        }
        memcpy(dst + m++ * kd->size, src + i * kd->size, kd->size);
    }
    if (put) {
        memcpy(dst + m++ * kd->size, put, kd->size);
    }
    free(*array_of__(out, k));
    *array_of__(out, k) = dst;
    *count_of__(out, k) = m;
    return found;
}

/* qsort_r comparator over overrides of one kind ('kd_': its kind_desc):
 * by key, then by 'order'. */
static int override_cmp__(const void *a_, const void *b_, void *kd_)
{
    const struct kind_desc *kd = kd_;
    const struct edit_override *a = a_, *b = b_;
    int cmp = kd->cmp(&a->obj, &b->obj);
    return cmp ? cmp : a->order < b->order ? -1 : a->order > b->order;
}

void edit_apply_overrides(struct vx_config *cfg, enum edit_kind k, struct edit_override *ov,
                          size_t n)
{
    const struct kind_desc *kd = &kinds[k];
    size_t old_n = *count_of__(cfg, k), m = 0, i = 0, j = 0;
    const char *src = *array_of__(cfg, k);
    char *dst = xcalloc(old_n + n + 1, kd->size);

    if (n) {
        qsort_r(ov, n, sizeof *ov, override_cmp__, (void *)kd);
    }
    while (i < old_n || j < n) {
        /* The highest-ranked override of a key is the one that counts. */
        while (j + 1 < n && !kd->cmp(&ov[j].obj, &ov[j + 1].obj)) {
            j++;
        }
        int cmp = i >= old_n ? 1 : j >= n ? -1 : kd->cmp(src + i * kd->size, &ov[j].obj);
        if (cmp < 0) {
            memcpy(dst + m++ * kd->size, src + i++ * kd->size, kd->size);
            continue;
        }
        if (cmp == 0) {
            i++;                /* replaced or removed */
        }
        if (ov[j].present) {
            memcpy(dst + m++ * kd->size, &ov[j].obj, kd->size);
        }
        j++;
    }
    free(*array_of__(cfg, k));
    *array_of__(cfg, k) = dst;
    *count_of__(cfg, k) = m;
}

static bool in_subnet__(const struct vx_network_cfg *n, uint32_t ip)
{
    return (ip & prefix_to_mask(n->prefix)) == n->subnet;
}

bool edit_host_ip_ok(const struct vx_network_cfg *n, uint32_t ip, char *msg, size_t msg_size)
{
    char a[IP_ADDR_STRLEN], a2[IP_ADDR_STRLEN];
    uint32_t bcast = n->subnet | ~prefix_to_mask(n->prefix);

    ip_to_str(ip, a);
    if (!in_subnet__(n, ip)) {
        snprintf(msg, msg_size, "IP %s is outside network %u's subnet %s/%u",
                 a, n->vni, ip_to_str(n->subnet, a2), n->prefix);
    } else if (ip == n->gateway) {
        snprintf(msg, msg_size, "IP %s is network %u's gateway", a, n->vni);
    } else if (n->prefix < 31 && (ip == n->subnet || ip == bcast)) {
        snprintf(msg, msg_size, "IP %s is network %u's network or broadcast address", a, n->vni);
    } else {
        return true;
    }
    return false;
}

/* --- whole-config validation, one function per kind --- */

static void validate_bridges__(const struct vx_config *cfg, const char *source,
                               struct vx_errors *errs)
{
    for (size_t i = 1; i < cfg->n_bridges; i++) {
        const struct vx_bridge_cfg *b = &cfg->bridges[i];
        if (b->dpid == cfg->bridges[i - 1].dpid) {
            vx_errors_add(errs, "%s:%d: bridge %#"PRIx64": duplicate datapath-id (first at line %d)",
                          source, b->line, b->dpid, cfg->bridges[i - 1].line);
        }
    }
}

static void validate_networks__(const struct vx_config *cfg, const char *source,
                                struct vx_errors *errs)
{
    char a[IP_ADDR_STRLEN], a2[IP_ADDR_STRLEN], a3[IP_ADDR_STRLEN];

    for (size_t i = 0; i < cfg->n_networks; i++) {
        const struct vx_network_cfg *n = &cfg->networks[i];
        if (n->vni < 1 || n->vni > VX_VNI_MAX) {
            vx_errors_add(errs, "%s:%d: network %u: VNI is outside 1..16777215",
                          source, n->line, n->vni);
        }
        if (i && n->vni == cfg->networks[i - 1].vni) {
            vx_errors_add(errs, "%s:%d: network %u: duplicate id (first at line %d)",
                          source, n->line, n->vni, cfg->networks[i - 1].line);
        }
        if (n->gateway && !in_subnet__(n, n->gateway)) {
            vx_errors_add(errs, "%s:%d: network %u: gateway %s is outside subnet %s/%u",
                          source, n->line, n->vni, ip_to_str(n->gateway, a),
                          ip_to_str(n->subnet, a2), n->prefix);
        }
        if (n->reserved_lo && (!in_subnet__(n, n->reserved_lo) || !in_subnet__(n, n->reserved_hi))) {
            vx_errors_add(errs, "%s:%d: network %u: reserved range %s-%s is outside subnet %s/%u",
                          source, n->line, n->vni, ip_to_str(n->reserved_lo, a),
                          ip_to_str(n->reserved_hi, a2), ip_to_str(n->subnet, a3), n->prefix);
        }
    }
}

/* A number that a router holds and that must be unique among routers,
 * with the router: a member network (a network is on one router), an
 * external address, a conntrack zone.  Sorted by key, then by line. */
struct membership {
    uint32_t key;
    const struct vx_router_cfg *r;
};

static int membership_cmp__(const void *a_, const void *b_)
{
    const struct membership *a = a_, *b = b_;
    if (a->key != b->key) {
        return a->key < b->key ? -1 : 1;
    }
    return a->r->line - b->r->line;
}

/* The networks of router 'r' exist, appear once, and have disjoint
 * subnets (overlapping ones would make routing ambiguous).  Appends each
 * existing network to 'ms'. */
static void validate_router_networks__(const struct vx_config *cfg, const struct vx_router_cfg *r,
                                       const char *source, struct vx_errors *errs,
                                       struct membership *ms, size_t *n_ms)
{
    const struct vx_network_cfg *nets[VX_MAX_ROUTER_NETS];
    char m[ETH_ADDR_STRLEN];

    eth_addr_to_str(r->mac, m);
    for (int k = 0; k < r->n_networks; k++) {
        nets[k] = vxconf_find_network(cfg, r->networks[k]);
        if (k && r->networks[k] == r->networks[k - 1]) {
            vx_errors_add(errs, "%s:%d: router %s: network %u listed twice",
                          source, r->line, m, r->networks[k]);
            nets[k] = NULL;
            continue;
        }
        if (!nets[k]) {
            vx_errors_add(errs, "%s:%d: router %s: unknown network %u",
                          source, r->line, m, r->networks[k]);
            continue;
        }
        ms[(*n_ms)++] = (struct membership) { nets[k]->vni, r };
        for (int j = 0; j < k; j++) {
            if (!nets[j]) {
                continue;
            }
            unsigned int p = MIN(nets[j]->prefix, nets[k]->prefix);
            if ((nets[j]->subnet & prefix_to_mask(p)) == (nets[k]->subnet & prefix_to_mask(p))) {
                vx_errors_add(errs, "%s:%d: router %s: networks %u and %u have overlapping subnets (ambiguous routing)",
                              source, r->line, m, nets[j]->vni, nets[k]->vni);
            }
        }
    }
}

/* Routers: unique MACs, valid member networks, and a network on at most
 * one router (its gateway MAC must be unambiguous).  The last rule sorts
 * the memberships: O(M log M) for M memberships, not O(M^2). */
static void validate_routers__(const struct vx_config *cfg, const char *source,
                               struct vx_errors *errs)
{
    struct membership *ms = xcalloc(cfg->n_routers * VX_MAX_ROUTER_NETS + 1, sizeof *ms);
    size_t n_ms = 0;
    char m[ETH_ADDR_STRLEN];

    for (size_t i = 0; i < cfg->n_routers; i++) {
        const struct vx_router_cfg *r = &cfg->routers[i];
        if (i && !memcmp(r->mac, cfg->routers[i - 1].mac, 6)) {
            vx_errors_add(errs, "%s:%d: router %s: duplicate MAC (first at line %d)",
                          source, r->line, eth_addr_to_str(r->mac, m), cfg->routers[i - 1].line);
        }
        validate_router_networks__(cfg, r, source, errs, ms, &n_ms);
    }
    vx_sort(ms, n_ms, sizeof *ms, membership_cmp__);
    for (size_t i = 1; i < n_ms; i++) {
        if (ms[i].key == ms[i - 1].key) {
            vx_errors_add(errs, "%s:%d: router %s: network %u is already on router at line %d",
                          source, ms[i].r->line, eth_addr_to_str(ms[i].r->mac, m),
                          ms[i].key, ms[i - 1].r->line);
        }
    }
    free(ms);
}

/* --- external gateways (#16) --- */

/* Router 'r''s gateway: its bridge exists, its addresses are usable in
 * the uplink's subnet, and that subnet overlaps none of the networks
 * (return traffic would be ambiguous). */
static void validate_gateway__(const struct vx_config *cfg, const struct vx_router_cfg *r,
                               const char *source, struct vx_errors *errs)
{
    const struct vx_gateway_cfg *g = &r->gateway;
    uint32_t mask = prefix_to_mask(g->prefix), net = g->external_ip & mask;
    char m[ETH_ADDR_STRLEN], a[IP_ADDR_STRLEN], a2[IP_ADDR_STRLEN];

    eth_addr_to_str(r->mac, m);
    if (!vxconf_find_bridge(cfg, g->dpid)) {
        vx_errors_add(errs, "%s:%d: router %s: gateway bridge %#"PRIx64" is unknown",
                      source, r->line, m, g->dpid);
    }
    if (g->external_ip == net || g->external_ip == (net | ~mask)) {
        vx_errors_add(errs, "%s:%d: router %s: external_ip %s is its subnet's network or broadcast address",
                      source, r->line, m, ip_to_str(g->external_ip, a));
    }
    if ((g->next_hop & mask) != net || g->next_hop == g->external_ip) {
        vx_errors_add(errs, "%s:%d: router %s: next_hop %s must be another address of %s/%u",
                      source, r->line, m, ip_to_str(g->next_hop, a), ip_to_str(net, a2), g->prefix);
    }
    for (size_t i = 0; i < cfg->n_networks; i++) {
        const struct vx_network_cfg *n = &cfg->networks[i];
        uint32_t common = prefix_to_mask(MIN(n->prefix, g->prefix));
        if ((n->subnet & common) == (net & common)) {
            vx_errors_add(errs, "%s:%d: router %s: external subnet %s/%u overlaps network %u",
                          source, r->line, m, ip_to_str(net, a), g->prefix, n->vni);
        }
    }
}

/* The host a floating IP names: on one of the router's networks. */
static const struct vx_host_cfg *floating_host__(const struct vx_config *cfg,
                                                 const struct vx_router_cfg *r,
                                                 const struct vx_floating_ip *f)
{
    for (int k = 0; k < r->n_networks; k++) {
        struct vx_host_cfg key = { .vni = r->networks[k] };
        memcpy(key.mac, f->host, 6);
        size_t i = vxconf_host_index(cfg, &key);
        if (i < cfg->n_hosts && !vxconf_host_cmp(&cfg->hosts[i], &key)) {
            return &cfg->hosts[i];
        }
    }
    return NULL;
}

/* Router 'r''s floating IPs: a gateway to carry them, each in the uplink's
 * subnet and naming a host of the router's networks, one per host. */
static void validate_floating__(const struct vx_config *cfg, const struct vx_router_cfg *r,
                                const char *source, struct vx_errors *errs)
{
    const struct vx_gateway_cfg *g = &r->gateway;
    uint32_t mask = prefix_to_mask(g->prefix);
    char m[ETH_ADDR_STRLEN], a[IP_ADDR_STRLEN], hm[ETH_ADDR_STRLEN];

    eth_addr_to_str(r->mac, m);
    if (r->n_floating && !g->dpid) {
        vx_errors_add(errs, "%s:%d: router %s: floating_ips need a gateway", source, r->line, m);
        return;
    }
    for (int k = 0; k < r->n_floating; k++) {
        const struct vx_floating_ip *f = &r->floating[k];
        ip_to_str(f->ip, a);
        eth_addr_to_str(f->host, hm);
        if ((f->ip & mask) != (g->external_ip & mask) || f->ip == g->next_hop
            || f->ip == (g->external_ip & mask) || f->ip == ((g->external_ip & mask) | ~mask)) {
            vx_errors_add(errs, "%s:%d: router %s: floating IP %s is not a usable address of the uplink's subnet",
                          source, r->line, m, a);
        }
        if (!floating_host__(cfg, r, f)) {
            vx_errors_add(errs, "%s:%d: router %s: floating IP %s: no host %s on the router's networks",
                          source, r->line, m, a, hm);
        }
        for (int j = 0; j < k; j++) {
            if (!memcmp(r->floating[j].host, f->host, 6)) {
                vx_errors_add(errs, "%s:%d: router %s: host %s has two floating IPs",
                              source, r->line, m, hm);
            }
        }
    }
}

/* Gateways, floating IPs, and the fabric-wide rules: each external
 * address used once, one conntrack zone per router with a gateway. */
static void validate_gateways__(const struct vx_config *cfg, const char *source,
                                struct vx_errors *errs)
{
    struct membership *addrs = xcalloc(cfg->n_routers * (VX_MAX_FLOATING_IPS + 1) + 1, sizeof *addrs);
    struct membership *zones = xcalloc(cfg->n_routers + 1, sizeof *zones);
    size_t n_addrs = 0, n_zones = 0;
    char m[ETH_ADDR_STRLEN], a[IP_ADDR_STRLEN];

    for (size_t i = 0; i < cfg->n_routers; i++) {
        const struct vx_router_cfg *r = &cfg->routers[i];
        if (r->gateway.dpid) {
            validate_gateway__(cfg, r, source, errs);
            addrs[n_addrs++] = (struct membership) { r->gateway.external_ip, r };
            zones[n_zones++] = (struct membership) { vxconf_router_zone(r), r };
        }
        validate_floating__(cfg, r, source, errs);
        for (int k = 0; k < r->n_floating; k++) {
            addrs[n_addrs++] = (struct membership) { r->floating[k].ip, r };
        }
    }
    vx_sort(addrs, n_addrs, sizeof *addrs, membership_cmp__);
    for (size_t i = 1; i < n_addrs; i++) {
        if (addrs[i].key == addrs[i - 1].key) {
            vx_errors_add(errs, "%s:%d: router %s: external address %s is already used by the router at line %d",
                          source, addrs[i].r->line, eth_addr_to_str(addrs[i].r->mac, m),
                          ip_to_str(addrs[i].key, a), addrs[i - 1].r->line);
        }
    }
    vx_sort(zones, n_zones, sizeof *zones, membership_cmp__);
    for (size_t i = 1; i < n_zones; i++) {
        if (zones[i].key == zones[i - 1].key) {
            vx_errors_add(errs, "%s:%d: router %s: its conntrack zone (the MAC's last two bytes, %u) "
                          "is the zone of the router at line %d: give one of them another MAC",
                          source, zones[i].r->line, eth_addr_to_str(zones[i].r->mac, m),
                          zones[i].key, zones[i - 1].r->line);
        }
    }
    free(addrs);
    free(zones);
}

/* A host's secondary key, for duplicate detection: (network, IP) or
 * (bridge, port number or name). */
struct dup_key {
    uint64_t a;
    uint64_t b;
    char name[VX_PORT_NAME_MAX + 1];
    const struct vx_host_cfg *h;
};

static int dup_key_cmp__(const void *a_, const void *b_)
{
    const struct dup_key *a = a_, *b = b_;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    return a->h->line - b->h->line;
}

static void report_dups__(struct dup_key *keys, size_t n, const char *source,
                          struct vx_errors *errs, const char *what)
{
    vx_sort(keys, n, sizeof *keys, dup_key_cmp__);
    for (size_t i = 1; i < n; i++) {
        if (keys[i].a == keys[i - 1].a && keys[i].b == keys[i - 1].b
            && !strcmp(keys[i].name, keys[i - 1].name)) {
            char mac[ETH_ADDR_STRLEN];
            vx_errors_add(errs, "%s:%d: host %s: duplicate %s (first at line %d)",
                          source, keys[i].h->line, eth_addr_to_str(keys[i].h->mac, mac),
                          what, keys[i - 1].h->line);
        }
    }
}

/* No two hosts share (network, IP) or (bridge, port). */
static void validate_host_dups__(const struct vx_config *cfg, const char *source,
                                 struct vx_errors *errs)
{
    struct dup_key *keys = xcalloc(cfg->n_hosts + 1, sizeof *keys);

    for (size_t i = 0; i < cfg->n_hosts; i++) {
        keys[i] = (struct dup_key) { cfg->hosts[i].vni, cfg->hosts[i].ip, "", &cfg->hosts[i] };
    }
    report_dups__(keys, cfg->n_hosts, source, errs, "(network, IP)");
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        keys[i] = (struct dup_key) { cfg->hosts[i].dpid, cfg->hosts[i].port_no, "", &cfg->hosts[i] };
        memcpy(keys[i].name, cfg->hosts[i].port_name, sizeof keys[i].name);
    }
    report_dups__(keys, cfg->n_hosts, source, errs, "(bridge, port)");
    free(keys);
}

/* Hosts: unique (network, MAC), a known network and bridge, an address
 * the network allows (edit_host_ip_ok). */
static void validate_hosts__(const struct vx_config *cfg, const char *source,
                             struct vx_errors *errs)
{
    char m[ETH_ADDR_STRLEN], why[160];

    for (size_t i = 0; i < cfg->n_hosts; i++) {
        const struct vx_host_cfg *h = &cfg->hosts[i];
        const struct vx_network_cfg *n = vxconf_find_network(cfg, h->vni);
        eth_addr_to_str(h->mac, m);
        if (i && !vxconf_host_cmp(h, &cfg->hosts[i - 1])) {
            vx_errors_add(errs, "%s:%d: host %s: duplicate (network, MAC) (first at line %d)",
                          source, h->line, m, cfg->hosts[i - 1].line);
        }
        if (!n) {
            vx_errors_add(errs, "%s:%d: host %s: unknown network %u", source, h->line, m, h->vni);
        } else if (!edit_host_ip_ok(n, h->ip, why, sizeof why)) {
            vx_errors_add(errs, "%s:%d: host %s: %s", source, h->line, m, why);
        }
        if (!vxconf_find_bridge(cfg, h->dpid)) {
            vx_errors_add(errs, "%s:%d: host %s: unknown bridge %#"PRIx64, source, h->line, m, h->dpid);
        }
    }
    validate_host_dups__(cfg, source, errs);
}

bool edit_validate(const struct vx_config *cfg_, const char *source, struct vx_errors *errs)
{
    size_t n_before = errs->n;
    struct vx_config cfg;

    /* Work on a sorted copy so that lookups are binary searches. */
    copy__(cfg_, &cfg);
    vxconf_sort(&cfg);
    validate_bridges__(&cfg, source, errs);
    validate_networks__(&cfg, source, errs);
    validate_routers__(&cfg, source, errs);
    validate_gateways__(&cfg, source, errs);
    validate_hosts__(&cfg, source, errs);
    vxconf_free(&cfg);
    return errs->n == n_before;
}
