#include "model/model.h"

#include "model/binding.h"
#include "model/neighbor.h"

#include <ck_pr.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

/* The tables.  Written by the single writer, read by every worker. */
static struct cds_lfht *bridges;       /* struct vx_bridge by dpid */
static struct cds_lfht *networks;      /* struct vx_network by vni */
static struct cds_lfht *routers;       /* struct vx_router by mac */
static struct cds_lfht *router_ports;  /* struct vx_router_port by vni */
static struct cds_lfht *gateways;      /* struct vx_router by gateway dpid, duplicates */
static struct cds_lfht *hosts_by_net_ip;
static struct cds_lfht *hosts_by_bridge_mac;
static struct cds_lfht *hosts_by_bridge;
static struct cds_lfht *hosts_by_net;

int model_grace_token;
uint64_t model_generation__;

/* Brackets a change set (model_generation's contract): odd before the
 * first change, even after the last.  Full fences on both sides, so no
 * change is visible before the odd value, nor the even one before the
 * last change. */
static void generation_bump__(void)
{
    ck_pr_fence_memory();
    ck_pr_inc_64(&model_generation__);
    ck_pr_fence_memory();
}

/* The writer's copy of the config last applied (sorted). */
static struct vx_config current;
static uint8_t arp_default;             /* current.arp_responder, for readers (ck_pr) */

static struct cds_lfht *new_table__(void)
{
    struct cds_lfht *ht = cds_lfht_new(1024, 1024, 0,
                                       CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
    if (!ht) {
        abort();
    }
    return ht;
}

void model_init(void)
{
    bridges = new_table__();
    networks = new_table__();
    routers = new_table__();
    router_ports = new_table__();
    gateways = new_table__();
    hosts_by_net_ip = new_table__();
    hosts_by_bridge_mac = new_table__();
    hosts_by_bridge = new_table__();
    hosts_by_net = new_table__();
    vxconf_init(&current);
    binding_init();
    neighbor_init();
}

/* --- Keys, hashes and match functions --- */

static unsigned long hash_dpid__(uint64_t dpid) { return hash_u64(dpid ^ 0x9e3779b97f4a7c15ULL); }
static unsigned long hash_vni__(uint32_t vni) { return hash_u64((uint64_t)vni << 1 | 1); }
static unsigned long hash_mac__(const uint8_t m[6]) { return hash_u64(get_be_n(m, 6) << 3 | 5); }
static unsigned long hash_net_ip__(uint32_t vni, uint32_t ip) { return hash_u64((uint64_t)vni << 32 | ip); }
static unsigned long hash_bridge_mac__(uint64_t dpid, const uint8_t m[6])
{
    return hash_u64(dpid * 0xff51afd7ed558ccdULL ^ get_be_n(m, 6));
}

struct net_ip_key { uint32_t vni, ip; };
struct bridge_mac_key { uint64_t dpid; const uint8_t *mac; };

static int match_bridge__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_bridge, by_dpid)->cfg.dpid == *(const uint64_t *)key;
}

static int match_network__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_network, by_vni)->cfg.vni == *(const uint32_t *)key;
}

static int match_router__(struct cds_lfht_node *n, const void *key)
{
    return !memcmp(caa_container_of(n, struct vx_router, by_mac)->cfg.mac, key, 6);
}

static int match_router_port__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_router_port, by_vni)->vni == *(const uint32_t *)key;
}

static int match_host_net_ip__(struct cds_lfht_node *n, const void *key_)
{
    const struct vx_host *h = caa_container_of(n, struct vx_host, by_net_ip);
    const struct net_ip_key *key = key_;
    return h->cfg.vni == key->vni && h->cfg.ip == key->ip;
}

static int match_host_bridge_mac__(struct cds_lfht_node *n, const void *key_)
{
    const struct vx_host *h = caa_container_of(n, struct vx_host, by_bridge_mac);
    const struct bridge_mac_key *key = key_;
    return h->cfg.dpid == key->dpid && !memcmp(h->cfg.mac, key->mac, 6);
}

static int match_host_bridge__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_host, by_bridge)->cfg.dpid == *(const uint64_t *)key;
}

static int match_host_net__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_host, by_net)->cfg.vni == *(const uint32_t *)key;
}

/* --- Readers --- */

static struct cds_lfht_node *lookup__(struct cds_lfht *ht, unsigned long hash,
                                      cds_lfht_match_fct match, const void *key)
{
    struct cds_lfht_iter it;
    cds_lfht_lookup(ht, hash, match, key, &it);
    struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
    TSAN_ACQUIRE(n);
    return n;
}

/* The node at 'it', with its publication made visible to TSan. */
static struct cds_lfht_node *iter_node__(struct cds_lfht_iter *it)
{
    struct cds_lfht_node *n = cds_lfht_iter_get_node(it);
    TSAN_ACQUIRE(n);
    return n;
}

const struct vx_bridge *model_bridge(uint64_t dpid)
{
    struct cds_lfht_node *n = lookup__(bridges, hash_dpid__(dpid), match_bridge__, &dpid);
    return n ? caa_container_of(n, struct vx_bridge, by_dpid) : NULL;
}

const struct vx_network *model_network(uint32_t vni)
{
    struct cds_lfht_node *n = lookup__(networks, hash_vni__(vni), match_network__, &vni);
    return n ? caa_container_of(n, struct vx_network, by_vni) : NULL;
}

const struct vx_router *model_router(const uint8_t mac[6])
{
    struct cds_lfht_node *n = lookup__(routers, hash_mac__(mac), match_router__, mac);
    return n ? caa_container_of(n, struct vx_router, by_mac) : NULL;
}

bool model_router_mac_of(uint32_t vni, uint8_t mac[6])
{
    struct cds_lfht_node *n = lookup__(router_ports, hash_vni__(vni), match_router_port__, &vni);
    if (!n) {
        return false;
    }
    memcpy(mac, caa_container_of(n, struct vx_router_port, by_vni)->router_mac, 6);
    return true;
}

void model_gateway_mac(uint32_t vni, uint8_t mac[6])
{
    if (!model_router_mac_of(vni, mac)) {
        mac[0] = 0x02;
        mac[1] = 0x76;
        mac[2] = 0x78;
        mac[3] = (uint8_t)(vni >> 16);
        mac[4] = (uint8_t)(vni >> 8);
        mac[5] = (uint8_t)vni;
    }
}

const struct vx_host *model_host_by_ip(uint32_t vni, uint32_t ip)
{
    struct net_ip_key key = { vni, ip };
    struct cds_lfht_node *n = lookup__(hosts_by_net_ip, hash_net_ip__(vni, ip),
                                       match_host_net_ip__, &key);
    return n ? caa_container_of(n, struct vx_host, by_net_ip) : NULL;
}

const struct vx_host *model_host_by_source(uint64_t dpid, const uint8_t mac[6],
                                           uint32_t port_no, const char *port_name)
{
    struct bridge_mac_key key = { dpid, mac };
    struct cds_lfht_iter it;

    /* The same MAC may sit on one bridge in several networks (on different
     * ports); the port decides. */
    cds_lfht_lookup(hosts_by_bridge_mac, hash_bridge_mac__(dpid, mac),
                    match_host_bridge_mac__, &key, &it);
    for (struct cds_lfht_node *n; (n = iter_node__(&it));
         cds_lfht_next_duplicate(hosts_by_bridge_mac, match_host_bridge_mac__, &key, &it)) {
        const struct vx_host *h = caa_container_of(n, struct vx_host, by_bridge_mac);
        if (vxconf_host_on_port(&h->cfg, port_no, port_name)) {
            return h;
        }
    }
    return NULL;
}

/* The host whose index node at 'node_ofs' the iterator stands on, or NULL
 * at the end of the duplicates. */
static const struct vx_host *host_at__(struct cds_lfht_iter *it, size_t node_ofs)
{
    struct cds_lfht_node *n = iter_node__(it);
    return n ? (const struct vx_host *)((const char *)n - node_ofs) : NULL;
}

const struct vx_host *model_hosts_on_bridge(uint64_t dpid, struct cds_lfht_iter *it)
{
    cds_lfht_lookup(hosts_by_bridge, hash_dpid__(dpid), match_host_bridge__, &dpid, it);
    return host_at__(it, offsetof(struct vx_host, by_bridge));
}

const struct vx_host *model_hosts_in_network(uint32_t vni, struct cds_lfht_iter *it)
{
    cds_lfht_lookup(hosts_by_net, hash_vni__(vni), match_host_net__, &vni, it);
    return host_at__(it, offsetof(struct vx_host, by_net));
}

const struct vx_host *model_next_on_bridge(uint64_t dpid, struct cds_lfht_iter *it)
{
    cds_lfht_next_duplicate(hosts_by_bridge, match_host_bridge__, &dpid, it);
    return host_at__(it, offsetof(struct vx_host, by_bridge));
}

const struct vx_host *model_next_in_network(uint32_t vni, struct cds_lfht_iter *it)
{
    cds_lfht_next_duplicate(hosts_by_net, match_host_net__, &vni, it);
    return host_at__(it, offsetof(struct vx_host, by_net));
}

bool model_arp_in_datapath(const struct vx_network *net)
{
    uint8_t a = net->cfg.arp_responder;
    return (a == VX_ARP_DEFAULT ? ck_pr_load_8(&arp_default) : a) == VX_ARP_DATAPATH;
}

const struct vx_config *model_config(void)
{
    return &current;
}

/* --- dpid sets --- */

void dpid_set_add(struct dpid_set *s, uint64_t dpid)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->dpids = xrealloc(s->dpids, s->cap * sizeof *s->dpids);
    }
    s->dpids[s->n++] = dpid;
}

static int u64_cmp__(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *)a_, b = *(const uint64_t *)b_;
    return a < b ? -1 : a > b;
}

void dpid_set_normalize(struct dpid_set *s)
{
    size_t n = 0;

    if (s->n) {
        qsort(s->dpids, s->n, sizeof *s->dpids, u64_cmp__);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!n || s->dpids[n - 1] != s->dpids[i]) {
            s->dpids[n++] = s->dpids[i];
        }
    }
    s->n = n;
}

bool dpid_set_contains(const struct dpid_set *s, uint64_t dpid)
{
    return s->n && bsearch(&dpid, s->dpids, s->n, sizeof dpid, u64_cmp__) != NULL;
}

void dpid_set_clear(struct dpid_set *s)
{
    free(s->dpids);
    memset(s, 0, sizeof *s);
}

/* --- Writer --- */

/* call_rcu() callbacks: run after a grace period, when no reader can hold
 * the object any more. */
#define DEFINE_FREE(NAME, TYPE)                                   \
    static void NAME(struct rcu_head *h)                          \
    {                                                             \
        TSAN_ACQUIRE(&model_grace_token);                         \
        free(caa_container_of(h, TYPE, rcu));                     \
    }
DEFINE_FREE(free_bridge__, struct vx_bridge)
DEFINE_FREE(free_network__, struct vx_network)
DEFINE_FREE(free_router__, struct vx_router)
DEFINE_FREE(free_router_port__, struct vx_router_port)
DEFINE_FREE(free_host__, struct vx_host)

/* Equality of two config entries, ignoring the source line. */
#define CFG_EQUAL(A, B) cfg_equal__((A), (B), sizeof *(A), offsetof(__typeof__(*(A)), line))
static bool cfg_equal__(const void *a, const void *b, size_t size, size_t line_ofs)
{
    return !memcmp(a, b, line_ofs)
           && !memcmp((const char *)a + line_ofs + sizeof(int),
                      (const char *)b + line_ofs + sizeof(int),
                      size - line_ofs - sizeof(int));
}

/* How a table keyed by one field holds its objects, for publish__() and
 * remove__(): the object's size, its config entry (first member, 'cfg_size'
 * bytes), where its node and rcu_head sit, and the call_rcu() callback that
 * frees it. */
struct keyed_table {
    struct cds_lfht **table;
    cds_lfht_match_fct match;
    size_t obj_size;
    size_t cfg_size;
    size_t node_ofs;
    size_t rcu_ofs;
    void (*free)(struct rcu_head *);
};

#define KEYED_TABLE(TABLE, MATCH, TYPE, NODE, FREE) {                       \
    &(TABLE), (MATCH), sizeof(TYPE), sizeof(((TYPE *)0)->cfg),              \
    offsetof(TYPE, NODE), offsetof(TYPE, rcu), (FREE),                      \
}
static const struct keyed_table bridges_kt =
    KEYED_TABLE(bridges, match_bridge__, struct vx_bridge, by_dpid, free_bridge__);
static const struct keyed_table networks_kt =
    KEYED_TABLE(networks, match_network__, struct vx_network, by_vni, free_network__);

/* Frees the object holding 'node' once no reader can hold it. */
static void retire__(const struct keyed_table *kt, struct cds_lfht_node *node)
{
    char *obj = (char *)node - kt->node_ofs;
    call_rcu((struct rcu_head *)(obj + kt->rcu_ofs), kt->free);
}

/* Publishes a new object holding a copy of 'cfg' under 'key' (which points
 * into 'cfg'), atomically replacing the object that held the key before.
 * Main thread, outside any read-side section. */
static void publish__(const struct keyed_table *kt, unsigned long hash, const void *cfg,
                      const void *key)
{
    char *obj = xzalloc(kt->obj_size);
    struct cds_lfht_node *node = (struct cds_lfht_node *)(obj + kt->node_ofs);

    memcpy(obj, cfg, kt->cfg_size);
    key = obj + ((const char *)key - (const char *)cfg);
    cds_lfht_node_init(node);
    TSAN_RELEASE(node);
    struct cds_lfht_node *old = cds_lfht_add_replace(*kt->table, hash, kt->match, key, node);
    if (old) {
        retire__(kt, old);
    }
}

/* Unpublishes the object under 'key', if any.  Main thread. */
static void remove__(const struct keyed_table *kt, unsigned long hash, const void *key)
{
    struct cds_lfht_node *n = lookup__(*kt->table, hash, kt->match, key);
    if (n && !cds_lfht_del(*kt->table, n)) {
        retire__(kt, n);
    }
}

static void router_publish__(const struct vx_router_cfg *c)
{
    struct vx_router *r = xzalloc(sizeof *r);
    r->cfg = *c;
    cds_lfht_node_init(&r->by_mac);
    TSAN_RELEASE(&r->by_mac);
    cds_lfht_add(routers, hash_mac__(c->mac), &r->by_mac);
    if (c->gateway.dpid) {
        cds_lfht_node_init(&r->by_gateway);
        cds_lfht_add(gateways, hash_dpid__(c->gateway.dpid), &r->by_gateway);
    }
    for (int i = 0; i < c->n_networks; i++) {
        struct vx_router_port *rp = xzalloc(sizeof *rp);
        rp->vni = c->networks[i];
        memcpy(rp->router_mac, c->mac, 6);
        cds_lfht_node_init(&rp->by_vni);
        TSAN_RELEASE(&rp->by_vni);
        cds_lfht_add(router_ports, hash_vni__(rp->vni), &rp->by_vni);
    }
}

static int match_gateway__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct vx_router, by_gateway)->cfg.gateway.dpid
           == *(const uint64_t *)key;
}

const struct vx_router *model_gateways_on_bridge(uint64_t dpid, struct cds_lfht_iter *it)
{
    cds_lfht_lookup(gateways, hash_dpid__(dpid), match_gateway__, &dpid, it);
    struct cds_lfht_node *n = iter_node__(it);
    return n ? caa_container_of(n, struct vx_router, by_gateway) : NULL;
}

const struct vx_router *model_next_gateway_on_bridge(uint64_t dpid, struct cds_lfht_iter *it)
{
    cds_lfht_next_duplicate(gateways, match_gateway__, &dpid, it);
    struct cds_lfht_node *n = iter_node__(it);
    return n ? caa_container_of(n, struct vx_router, by_gateway) : NULL;
}

const struct vx_host *model_floating_host(const struct vx_router *r, const struct vx_floating_ip *f)
{
    for (int k = 0; k < r->cfg.n_networks; k++) {
        struct cds_lfht_iter it;
        uint32_t vni = r->cfg.networks[k];
        for (const struct vx_host *h = model_hosts_in_network(vni, &it); h;
             h = model_next_in_network(vni, &it)) {
            if (!memcmp(h->cfg.mac, f->host, 6)) {
                return h;
            }
        }
    }
    return NULL;
}

static void router_unpublish__(const struct vx_router_cfg *c)
{
    for (int i = 0; i < c->n_networks; i++) {
        uint32_t vni = c->networks[i];
        struct cds_lfht_iter it;
        cds_lfht_lookup(router_ports, hash_vni__(vni), match_router_port__, &vni, &it);
        for (struct cds_lfht_node *n; (n = cds_lfht_iter_get_node(&it));
             cds_lfht_next_duplicate(router_ports, match_router_port__, &vni, &it)) {
            struct vx_router_port *rp = caa_container_of(n, struct vx_router_port, by_vni);
            if (!memcmp(rp->router_mac, c->mac, 6) && !cds_lfht_del(router_ports, n)) {
                call_rcu(&rp->rcu, free_router_port__);
            }
        }
    }
    struct cds_lfht_node *n = lookup__(routers, hash_mac__(c->mac), match_router__, c->mac);
    struct vx_router *r = n ? caa_container_of(n, struct vx_router, by_mac) : NULL;
    if (r && c->gateway.dpid) {         /* 'c' is what 'r' was published from */
        cds_lfht_del(gateways, &r->by_gateway);
    }
    if (n && !cds_lfht_del(routers, n)) {
        call_rcu(&r->rcu, free_router__);
    }
}

/* A new, unpublished host object for 'c'. */
static struct vx_host *host_new__(const struct vx_host_cfg *c)
{
    struct vx_host *h = xzalloc(sizeof *h);
    h->cfg = *c;
    cds_lfht_node_init(&h->by_net_ip);
    cds_lfht_node_init(&h->by_bridge_mac);
    cds_lfht_node_init(&h->by_bridge);
    cds_lfht_node_init(&h->by_net);
    TSAN_RELEASE(&h->by_net_ip);
    TSAN_RELEASE(&h->by_bridge_mac);
    TSAN_RELEASE(&h->by_bridge);
    TSAN_RELEASE(&h->by_net);
    return h;
}

static void host_publish__(const struct vx_host_cfg *c)
{
    struct vx_host *h = host_new__(c);
    /* The (vni, ip) index last: a host is an ARP target only once it can
     * also be found as a source. */
    cds_lfht_add(hosts_by_bridge_mac, hash_bridge_mac__(c->dpid, c->mac), &h->by_bridge_mac);
    cds_lfht_add(hosts_by_bridge, hash_dpid__(c->dpid), &h->by_bridge);
    cds_lfht_add(hosts_by_net, hash_vni__(c->vni), &h->by_net);
    cds_lfht_add(hosts_by_net_ip, hash_net_ip__(c->vni, c->ip), &h->by_net_ip);
}

/* The published host whose config is 'c', or NULL. */
static struct vx_host *host_find__(const struct vx_host_cfg *c)
{
    struct net_ip_key key = { c->vni, c->ip };
    struct cds_lfht_node *n = lookup__(hosts_by_net_ip, hash_net_ip__(c->vni, c->ip),
                                       match_host_net_ip__, &key);
    return n ? caa_container_of(n, struct vx_host, by_net_ip) : NULL;
}

/* Unlinks 'h' from the indices other than (vni, ip), and frees it after a
 * grace period. */
static void host_retire__(struct vx_host *h)
{
    cds_lfht_del(hosts_by_bridge_mac, &h->by_bridge_mac);
    cds_lfht_del(hosts_by_bridge, &h->by_bridge);
    cds_lfht_del(hosts_by_net, &h->by_net);
    call_rcu(&h->rcu, free_host__);
}

static void host_unpublish__(const struct vx_host_cfg *c)
{
    struct vx_host *h = host_find__(c);
    if (h) {
        cds_lfht_del(hosts_by_net_ip, &h->by_net_ip);
        host_retire__(h);
    }
}

/* Replaces host 'old' (same network and MAC) by 'new' so that a reader
 * never misses it: the new object is linked into every index before the
 * old one is unlinked, and in the (vni, ip) index it takes the old one's
 * place atomically when the IP is unchanged (cds_lfht_add_replace).  A
 * reader sees the old host or the new one, never neither. */
static void host_replace__(const struct vx_host_cfg *old, const struct vx_host_cfg *new)
{
    struct vx_host *o = host_find__(old);
    struct net_ip_key key = { new->vni, new->ip };

    if (!o) {
        host_publish__(new);
        return;
    }
    struct vx_host *h = host_new__(new);
    cds_lfht_add(hosts_by_bridge_mac, hash_bridge_mac__(new->dpid, new->mac), &h->by_bridge_mac);
    cds_lfht_add(hosts_by_bridge, hash_dpid__(new->dpid), &h->by_bridge);
    cds_lfht_add(hosts_by_net, hash_vni__(new->vni), &h->by_net);
    if (!cds_lfht_add_replace(hosts_by_net_ip, hash_net_ip__(new->vni, new->ip),
                              match_host_net_ip__, &key, &h->by_net_ip)) {
        cds_lfht_del(hosts_by_net_ip, &o->by_net_ip);  /* the IP changed */
    }
    host_retire__(o);
}

/* --- Affected bridges --- */

/* (vni, dpid) pairs of a config: which bridges have hosts in which network,
 * sorted and unique; and (vni, peer vni) pairs from routers. */
struct pair { uint64_t a, b; };

static int pair_cmp__(const void *a_, const void *b_)
{
    const struct pair *a = a_, *b = b_;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

struct pairs { size_t n; struct pair *p; };

static void pairs_normalize__(struct pairs *ps)
{
    size_t n = 0;
    if (ps->n) {
        qsort(ps->p, ps->n, sizeof *ps->p, pair_cmp__);
    }
    for (size_t i = 0; i < ps->n; i++) {
        if (!n || pair_cmp__(&ps->p[n - 1], &ps->p[i])) {
            ps->p[n++] = ps->p[i];
        }
    }
    ps->n = n;
}

/* Calls 'cb' for each pair whose first member is 'a'. */
static const struct pair *pairs_find__(const struct pairs *ps, uint64_t a, size_t *count)
{
    size_t lo = 0, hi = ps->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ps->p[mid].a < a) lo = mid + 1; else hi = mid;
    }
    size_t end = lo;
    while (end < ps->n && ps->p[end].a == a) {
        end++;
    }
    *count = end - lo;
    return ps->p + lo;
}

struct topology_index {
    struct pairs net_bridges;   /* (vni, dpid) */
    struct pairs net_peers;     /* (vni, routed peer vni) */
    struct pairs bridge_nets;   /* (dpid, vni) */
};

/* A router's gateway bridge holds flows for every network of the router
 * (#16): in the topology it is a bridge of each. */
static void index_add_gateways__(const struct vx_config *c, struct topology_index *ix)
{
    for (size_t i = 0; i < c->n_routers; i++) {
        const struct vx_router_cfg *r = &c->routers[i];
        for (int k = 0; r->gateway.dpid && k < r->n_networks; k++) {
            ix->net_bridges.p[ix->net_bridges.n++] = (struct pair) { r->networks[k], r->gateway.dpid };
            ix->bridge_nets.p[ix->bridge_nets.n++] = (struct pair) { r->gateway.dpid, r->networks[k] };
        }
    }
}

static void index_build__(const struct vx_config *c, struct topology_index *ix)
{
    size_t n_gw = 0;
    for (size_t i = 0; i < c->n_routers; i++) {
        n_gw += c->routers[i].gateway.dpid ? c->routers[i].n_networks : 0;
    }
    ix->net_bridges.p = xcalloc(c->n_hosts + n_gw + 1, sizeof(struct pair));
    ix->bridge_nets.p = xcalloc(c->n_hosts + n_gw + 1, sizeof(struct pair));
    ix->net_bridges.n = ix->bridge_nets.n = c->n_hosts;
    for (size_t i = 0; i < c->n_hosts; i++) {
        ix->net_bridges.p[i] = (struct pair) { c->hosts[i].vni, c->hosts[i].dpid };
        ix->bridge_nets.p[i] = (struct pair) { c->hosts[i].dpid, c->hosts[i].vni };
    }
    index_add_gateways__(c, ix);
    pairs_normalize__(&ix->net_bridges);
    pairs_normalize__(&ix->bridge_nets);

    size_t n = 0;
    for (size_t i = 0; i < c->n_routers; i++) {
        n += (size_t)c->routers[i].n_networks * c->routers[i].n_networks;
    }
    ix->net_peers.p = xcalloc(n + 1, sizeof(struct pair));
    ix->net_peers.n = 0;
    for (size_t i = 0; i < c->n_routers; i++) {
        const struct vx_router_cfg *r = &c->routers[i];
        for (int j = 0; j < r->n_networks; j++) {
            for (int k = 0; k < r->n_networks; k++) {
                ix->net_peers.p[ix->net_peers.n++] = (struct pair) { r->networks[j], r->networks[k] };
            }
        }
    }
    pairs_normalize__(&ix->net_peers);
}

static void index_free__(struct topology_index *ix)
{
    free(ix->net_bridges.p);
    free(ix->net_peers.p);
    free(ix->bridge_nets.p);
}

/* Adds to 'out' every bridge for which network 'vni' is relevant: bridges
 * with a host in 'vni' or in a network routed with it. */
static void add_bridges_of_net__(const struct topology_index *ix, uint32_t vni,
                                 struct dpid_set *out)
{
    size_t n, np;
    const struct pair *p = pairs_find__(&ix->net_bridges, vni, &n);
    for (size_t i = 0; i < n; i++) {
        dpid_set_add(out, p[i].b);
    }
    const struct pair *peers = pairs_find__(&ix->net_peers, vni, &np);
    for (size_t k = 0; k < np; k++) {
        p = pairs_find__(&ix->net_bridges, peers[k].b, &n);
        for (size_t i = 0; i < n; i++) {
            dpid_set_add(out, p[i].b);
        }
    }
}

/* Changed VNIs collected during the diff, resolved to bridges at the end in
 * both the old and the new topology. */
struct vni_list { size_t n, cap; uint32_t *v; };

static void vni_add__(struct vni_list *l, uint32_t vni)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = vni;
}

static void vni_add_bridge_nets__(struct vni_list *l, const struct topology_index *ix,
                                  uint64_t dpid)
{
    size_t n;
    const struct pair *p = pairs_find__(&ix->bridge_nets, dpid, &n);
    for (size_t i = 0; i < n; i++) {
        vni_add__(l, (uint32_t)p[i].b);
    }
}

/* Merge-walks two sorted arrays of 'size'-byte entries, calling 'fn' with
 * (old, new): (old, NULL) removed, (NULL, new) added, both when keyed equal. */
#define MERGE(OLD, N_OLD, NEW, N_NEW, CMP, BODY)                          \
    do {                                                                  \
        size_t i_ = 0, j_ = 0;                                            \
        while (i_ < (N_OLD) || j_ < (N_NEW)) {                            \
            __typeof__(&(OLD)[0]) o = NULL;                               \
            __typeof__(&(NEW)[0]) n = NULL;                               \
            int c_ = i_ >= (N_OLD) ? 1 : j_ >= (N_NEW) ? -1               \
                     : CMP(&(OLD)[i_], &(NEW)[j_]);                       \
            if (c_ <= 0) o = &(OLD)[i_++];                                \
            if (c_ >= 0) n = &(NEW)[j_++];                                \
            BODY                                                          \
        }                                                                 \
    } while (0)

/* One model_apply(): the configs, their topologies, and what changed. */
struct apply {
    struct vx_config *old, *cfg;
    const struct topology_index *old_ix, *new_ix;
    struct vni_list vnis;               /* networks whose bridges are affected */
    struct model_change_stats stats;
};

/* Phase 1: removals, dependents first (hosts, routers, networks, bridges).
 * Call with the RCU read lock held (the writer's lfht traversals). */
static void apply_removals__(struct apply *a)
{
    /* A changed host stays published until phase 2 replaces it. */
    MERGE(a->old->hosts, a->old->n_hosts, a->cfg->hosts, a->cfg->n_hosts, vxconf_host_cmp, {
        if (o && !n) {
            host_unpublish__(o);
            vni_add__(&a->vnis, o->vni);
            a->stats.removed++;
        }
    });
    MERGE(a->old->routers, a->old->n_routers, a->cfg->routers, a->cfg->n_routers, vxconf_router_cmp, {
        if (o && (!n || !CFG_EQUAL(o, n))) {
            router_unpublish__(o);
            for (int k = 0; k < o->n_networks; k++) {
                vni_add__(&a->vnis, o->networks[k]);
            }
            if (!n) {
                a->stats.removed++;
            }
        }
    });
    MERGE(a->old->networks, a->old->n_networks, a->cfg->networks, a->cfg->n_networks, vxconf_network_cmp, {
        if (o && !n) {
            remove__(&networks_kt, hash_vni__(o->vni), &o->vni);
            vni_add__(&a->vnis, o->vni);
            a->stats.removed++;
        }
    });
    MERGE(a->old->bridges, a->old->n_bridges, a->cfg->bridges, a->cfg->n_bridges, vxconf_bridge_cmp, {
        if (o && !n) {
            remove__(&bridges_kt, hash_dpid__(o->dpid), &o->dpid);
            a->stats.removed++;
        }
    });

}

/* Phase 2: additions and replacements, dependencies first, so that a new
 * host's network is findable as soon as the host is.  Same context. */
static void apply_additions__(struct apply *a)
{
    MERGE(a->old->bridges, a->old->n_bridges, a->cfg->bridges, a->cfg->n_bridges, vxconf_bridge_cmp, {
        if (n && (!o || !CFG_EQUAL(o, n))) {
            publish__(&bridges_kt, hash_dpid__(n->dpid), n, &n->dpid);
            if (o) {
                /* A moved tunnel endpoint or renamed tunnel port changes
                 * every flow that reaches this bridge's hosts. */
                vni_add_bridge_nets__(&a->vnis, a->old_ix, o->dpid);
                vni_add_bridge_nets__(&a->vnis, a->new_ix, n->dpid);
                a->stats.changed++;
            } else {
                a->stats.added++;
            }
        }
    });
    MERGE(a->old->networks, a->old->n_networks, a->cfg->networks, a->cfg->n_networks, vxconf_network_cmp, {
        if (n && (!o || !CFG_EQUAL(o, n))) {
            publish__(&networks_kt, hash_vni__(n->vni), n, &n->vni);
            vni_add__(&a->vnis, n->vni);
            if (o) a->stats.changed++; else a->stats.added++;
        }
    });
    MERGE(a->old->routers, a->old->n_routers, a->cfg->routers, a->cfg->n_routers, vxconf_router_cmp, {
        if (n && (!o || !CFG_EQUAL(o, n))) {
            router_publish__(n);
            for (int k = 0; k < n->n_networks; k++) {
                vni_add__(&a->vnis, n->networks[k]);
            }
            if (o) a->stats.changed++; else a->stats.added++;
        }
    });
    MERGE(a->old->hosts, a->old->n_hosts, a->cfg->hosts, a->cfg->n_hosts, vxconf_host_cmp, {
        if (n && !o) {
            host_publish__(n);
            vni_add__(&a->vnis, n->vni);
            a->stats.added++;
        } else if (n && !CFG_EQUAL(o, n)) {
            host_replace__(o, n);
            vni_add__(&a->vnis, o->vni);
            a->stats.changed++;
        }
    });
}

/* A new fabric-wide arp_responder changes the flows of every network that
 * takes the fabric's setting. */
static void apply_arp_default__(struct apply *a)
{
    if (a->cfg->arp_responder == ck_pr_load_8(&arp_default)) {
        return;
    }
    ck_pr_store_8(&arp_default, a->cfg->arp_responder);
    for (size_t i = 0; i < a->cfg->n_networks; i++) {
        if (a->cfg->networks[i].arp_responder == VX_ARP_DEFAULT) {
            vni_add__(&a->vnis, a->cfg->networks[i].vni);
        }
    }
}

void model_apply(struct vx_config *cfg, struct dpid_set *affected,
                 struct model_change_stats *st)
{
    struct vx_config old = current;
    struct topology_index old_ix, new_ix;
    struct apply a = { &old, cfg, &old_ix, &new_ix, { 0, 0, NULL }, { 0, 0, 0 } };

    index_build__(&old, &old_ix);
    index_build__(cfg, &new_ix);
    generation_bump__();
    rcu_read_lock();
    apply_removals__(&a);
    apply_additions__(&a);
    rcu_read_unlock();
    apply_arp_default__(&a);
    generation_bump__();

    /* Resolve changed networks to bridges, in both topologies: a bridge
     * that lost its last host in a network must drop that network's flows. */
    for (size_t i = 0; i < a.vnis.n; i++) {
        add_bridges_of_net__(&old_ix, a.vnis.v[i], affected);
        add_bridges_of_net__(&new_ix, a.vnis.v[i], affected);
    }
    dpid_set_normalize(affected);
    free(a.vnis.v);
    index_free__(&old_ix);
    index_free__(&new_ix);

    vxconf_free(&old);
    current = *cfg;
    vxconf_init(cfg);
    if (st) {
        *st = a.stats;
    }
}

/* Adds the bridges for which network 'vni' is relevant, from the live
 * model: bridges with a host in 'vni' or in a network routed with it. */
static void add_bridges_of_net_live__(uint32_t vni, struct dpid_set *out)
{
    struct cds_lfht_iter it;
    uint8_t rmac[6];
    const struct vx_host *h;

    for (h = model_hosts_in_network(vni, &it); h; h = model_next_in_network(vni, &it)) {
        dpid_set_add(out, h->cfg.dpid);
    }
    if (!model_router_mac_of(vni, rmac)) {
        return;
    }
    const struct vx_router *r = model_router(rmac);
    if (r && r->cfg.gateway.dpid) {
        dpid_set_add(out, r->cfg.gateway.dpid);
    }
    for (int k = 0; r && k < r->cfg.n_networks; k++) {
        uint32_t peer = r->cfg.networks[k];
        for (h = model_hosts_in_network(peer, &it); h; h = model_next_in_network(peer, &it)) {
            dpid_set_add(out, h->cfg.dpid);
        }
    }
}

void model_affected_by_network(uint32_t vni, struct dpid_set *affected)
{
    add_bridges_of_net_live__(vni, affected);
}

void model_apply_host(const struct vx_host_cfg *old, const struct vx_host_cfg *new,
                      struct dpid_set *affected)
{
    const struct vx_host_cfg *key = old ? old : new;
    struct vx_host_cfg *hosts = current.hosts;
    size_t n = current.n_hosts;
    size_t lo = vxconf_host_index(&current, key);   /* its place in the sorted copy */
    bool present = lo < n && !vxconf_host_cmp(&hosts[lo], key);

    if (present && new && CFG_EQUAL(&hosts[lo], new)) {
        return;                 /* unchanged: nothing to do, no bridge affected */
    }
    generation_bump__();
    rcu_read_lock();
    /* Affected before (old topology) and after (new topology), as
     * model_apply() computes them from both. */
    if (present) {
        add_bridges_of_net_live__(hosts[lo].vni, affected);
    }
    if (present && new) {
        host_replace__(&hosts[lo], new);
    } else if (present) {
        host_unpublish__(&hosts[lo]);
    } else {
        host_publish__(new);
    }
    if (new) {
        add_bridges_of_net_live__(new->vni, affected);
    }
    rcu_read_unlock();
    generation_bump__();

    if (present && new) {
        hosts[lo] = *new;
    } else if (present) {
        memmove(&hosts[lo], &hosts[lo + 1], (n - lo - 1) * sizeof *hosts);
        current.n_hosts--;
    } else if (new) {
        current.hosts = hosts = xrealloc(hosts, (n + 1) * sizeof *hosts);
        memmove(&hosts[lo + 1], &hosts[lo], (n - lo) * sizeof *hosts);
        hosts[lo] = *new;
        current.n_hosts++;
    }
    dpid_set_normalize(affected);
}

void model_table_destroy(struct cds_lfht *ht, size_t node_ofs, size_t rcu_ofs,
                         void (*free_fn)(struct rcu_head *))
{
    struct cds_lfht_iter it;
    struct cds_lfht_node *n;

    /* Node by node: cds_lfht_for_each_entry computes container_of(NULL)
     * at the end, which UBSan rightly reports. */
    cds_lfht_first(ht, &it);
    while ((n = cds_lfht_iter_get_node(&it))) {
        cds_lfht_next(ht, &it);
        cds_lfht_del(ht, n);
        call_rcu((struct rcu_head *)((char *)n - node_ofs + rcu_ofs), free_fn);
    }
    rcu_barrier();
    /* The table's resize worker waits for a grace period, which an online
     * QSBR caller would never give it. */
    rcu_thread_offline();
    cds_lfht_destroy(ht, NULL);
    rcu_thread_online();
}

void model_destroy(void)
{
    struct vx_config empty;
    struct dpid_set affected = { 0, 0, NULL };

    vxconf_init(&empty);
    model_apply(&empty, &affected, NULL);
    dpid_set_clear(&affected);
    binding_destroy();
    neighbor_destroy();
    rcu_barrier();
}
