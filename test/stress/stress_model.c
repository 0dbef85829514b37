/* Concurrency stress test of the RCU model, run under ThreadSanitizer (a
 * plain main(): Criterion aborts under TSan).
 *
 * One writer applies thousands of change sets that add, renumber, move and
 * remove hosts, networks and a router.  Readers, registered QSBR threads
 * like the workers, look up hosts and iterate bridges all the while and
 * check each object they see is whole: a host's fields always satisfy the
 * invariant the writer built it with (a torn read would break it), and
 * every object found is still readable (ASan/TSan report a use after a
 * premature free).  The readers also keep host pointers across quiescent
 * states in a worker's packet-in cache (workers/pktcache.h), under the
 * model generation's contract: a kept pointer is used only while the
 * generation it was found under holds, and is whole when used.  Exits
 * non-zero on a broken invariant. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/util.h"
#include "model/edit.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "workers/pktcache.h"

#define N_READERS 3
#define N_CHANGESETS 3000
#define N_HOSTS 64

static atomic_bool stop, persistent_ready;
static atomic_ulong n_lookups, n_found, n_broken, n_net_gone, n_missed, n_cache_hits;

/* Network 4's hosts are in every change set, and every change set moves
 * them between two ports: a reader must find each of them every time it
 * looks (a changed host is replaced in place, never unpublished first). */
#define PERSISTENT_VNI 4u
#define N_PERSISTENT 16u

/* Every host the writer makes has ip = 10.V.0.X and mac[5] = X, mac[4] = V
 * and port = X + 1000 * V, where V is its VNI: one check catches a host
 * whose fields come from two different versions. */
static bool host_whole(const struct vx_host *h)
{
    uint32_t v = h->cfg.vni, x = h->cfg.ip & 0xff;
    uint32_t port = h->cfg.port_no % 100000;   /* network 4 moves by 100000 */
    return h->cfg.ip == (0x0a000000u | v << 16 | x)
           && h->cfg.mac[5] == x && h->cfg.mac[4] == v
           && port == x + 1000 * v
           && h->cfg.dpid == 1 + (x % 4);
}

/* Host 'x' of network 'v' (1..3) through 'pc' as the packet-in path
 * finds a sender: the cached pointer while the generation holds, else the
 * model's (then kept); NULL if it does not exist now. */
static const struct vx_host *cached_host(struct pktcache *pc, uint32_t v, uint32_t x)
{
    uint64_t gen = model_generation();
    uint8_t mac[6] = { 2, 0, 0, 0, (uint8_t)v, (uint8_t)x };
    const struct vx_host *h = pktcache_source(pc, gen, 1 + (x % 4), 1, x + 1000 * v, mac);

    if (h) {
        atomic_fetch_add(&n_cache_hits, 1);
        return h;
    }
    h = model_host_by_ip(v, 0x0a000000u | v << 16 | x);
    if (h) {
        pktcache_source_fill(pc, gen, h->cfg.dpid, 1, h->cfg.port_no, h->cfg.mac, h);
    }
    return h;
}

static void *reader(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;
    struct pktcache pc;

    pktcache_init(&pc);
    rcu_register_thread();
    while (!atomic_load(&stop)) {
        for (uint32_t x = 1; atomic_load(&persistent_ready) && x <= N_PERSISTENT; x++) {
            uint32_t v = PERSISTENT_VNI;
            const struct vx_host *h = model_host_by_ip(v, 0x0a000000u | v << 16 | x);
            atomic_fetch_add(&n_lookups, 1);
            if (!h) {
                atomic_fetch_add(&n_missed, 1);
            } else if (!host_whole(h)) {
                atomic_fetch_add(&n_broken, 1);
            }
        }
        for (int k = 0; k < 100; k++) {
            uint32_t vni = 1 + (uint32_t)(rand_r(&seed) % 3);
            uint32_t x = 1 + (uint32_t)(rand_r(&seed) % N_HOSTS);
            const struct vx_host *h = model_host_by_ip(vni, 0x0a000000u | vni << 16 | x);
            atomic_fetch_add(&n_lookups, 1);
            if (h) {
                atomic_fetch_add(&n_found, 1);
                if (!host_whole(h)) {
                    atomic_fetch_add(&n_broken, 1);
                }
                /* The network it names may have been removed since the
                 * host was found (a legitimate race, see model.h): counted
                 * for information, not an error. */
                if (!model_network(h->cfg.vni)) {
                    atomic_fetch_add(&n_net_gone, 1);
                }
            }
            struct cds_lfht_iter it;
            uint64_t dpid = 1 + (uint64_t)(rand_r(&seed) % 4);
            for (h = model_hosts_on_bridge(dpid, &it); h; h = model_next_on_bridge(dpid, &it)) {
                if (!host_whole(h) || h->cfg.dpid != dpid) {
                    atomic_fetch_add(&n_broken, 1);
                }
            }
            uint8_t mac[6];
            model_gateway_mac(vni, mac);
            h = cached_host(&pc, vni, x);
            if (h && !host_whole(h)) {
                atomic_fetch_add(&n_broken, 1);
            }
        }
        model_quiescent();
    }
    pktcache_uninit(&pc);
    rcu_unregister_thread();
    return NULL;
}

/* Change set 'gen': which hosts exist depends on gen, so consecutive sets
 * add some, remove some and change others. */
/* Appends host 'x' of network 'v' on bridge 1 + x % 4, at 'port_no'. */
static void add_host(struct vx_config *cfg, uint32_t v, uint32_t x, uint32_t port_no)
{
    struct vx_host_cfg *h = &cfg->hosts[cfg->n_hosts++];
    uint8_t mac[6] = { 2, 0, 0, 0, (uint8_t)v, (uint8_t)x };

    memcpy(h->mac, mac, 6);
    h->vni = v;
    h->ip = 0x0a000000u | v << 16 | x;
    h->dpid = 1 + (x % 4);
    h->port_no = port_no;
}

static void build(struct vx_config *cfg, unsigned int gen)
{
    vxconf_init(cfg);
    cfg->bridges = xcalloc(4, sizeof *cfg->bridges);
    cfg->networks = xcalloc(4, sizeof *cfg->networks);
    cfg->routers = xcalloc(1, sizeof *cfg->routers);
    cfg->hosts = xcalloc(3 * N_HOSTS + N_PERSISTENT, sizeof *cfg->hosts);
    for (int b = 0; b < 4; b++) {
        cfg->bridges[cfg->n_bridges].dpid = (uint64_t)b + 1;
        cfg->bridges[cfg->n_bridges].tun_ip = 0xc0000200u + (gen % 7) + (uint32_t)b;
        strcpy(cfg->bridges[cfg->n_bridges++].tun_port, "vtun1");
    }
    for (uint32_t v = 1; v <= 3; v++) {
        if (v == 3 && gen % 5 == 0) {
            continue;           /* network 3 comes and goes */
        }
        struct vx_network_cfg *n = &cfg->networks[cfg->n_networks++];
        n->vni = v;
        n->subnet = 0x0a000000u | v << 16;
        n->prefix = 16;
        n->gateway = n->subnet | 0xfffe;
        n->mtu = 1450;
        n->lease_time = 60 + gen % 11;
    }
    struct vx_network_cfg *n4 = &cfg->networks[cfg->n_networks++];
    n4->vni = PERSISTENT_VNI;
    n4->subnet = 0x0a000000u | PERSISTENT_VNI << 16;
    n4->prefix = 16;
    n4->mtu = 1450;
    n4->lease_time = 60;
    for (uint32_t x = 1; x <= N_PERSISTENT; x++) {
        add_host(cfg, PERSISTENT_VNI, x, x + 1000 * PERSISTENT_VNI + (gen % 2) * 100000);
    }
    if (gen % 3) {
        struct vx_router_cfg *r = &cfg->routers[cfg->n_routers++];
        uint8_t mac[6] = { 0, 0xbb, 0, 0, 0, (uint8_t)(gen % 2) };
        memcpy(r->mac, mac, 6);
        r->networks[r->n_networks++] = 1;
        r->networks[r->n_networks++] = 2;
    }
    for (uint32_t v = 1; v <= 3; v++) {
        if (v == 3 && gen % 5 == 0) {
            continue;
        }
        for (uint32_t x = 1; x <= N_HOSTS; x++) {
            if ((x + gen) % 3 == 0) {
                continue;       /* a third of the hosts absent, rotating */
            }
            add_host(cfg, v, x, x + 1000 * v);
        }
    }
}

int main(void)
{
    pthread_t readers[N_READERS];
    struct dpid_set aff = { 0, 0, NULL };
    struct vx_errors errs = { 0, 0, NULL };

    rcu_register_thread();
    model_init();
    for (int i = 0; i < N_READERS; i++) {
        pthread_create(&readers[i], NULL, reader, (void *)(uintptr_t)(i + 1));
    }
    for (unsigned int gen = 0; gen < N_CHANGESETS; gen++) {
        struct vx_config cfg;
        build(&cfg, gen);
        if (!edit_validate(&cfg, "stress", &errs)) {
            fprintf(stderr, "stress: generated config %u invalid: %s\n", gen, errs.msgs[0]);
            return 2;
        }
        vxconf_sort(&cfg);
        model_apply(&cfg, &aff, NULL);
        dpid_set_clear(&aff);
        atomic_store(&persistent_ready, true);
        /* And one host moved alone, through the API's fast path. */
        const struct vx_host *h1 = model_host_by_ip(PERSISTENT_VNI, 0x0a000000u | PERSISTENT_VNI << 16 | 1);
        struct vx_host_cfg old = h1->cfg, moved = h1->cfg;
        moved.port_no = (old.port_no + 100000) % 200000;
        model_apply_host(&old, &moved, &aff);
        dpid_set_clear(&aff);
        model_quiescent();
    }
    atomic_store(&stop, true);
    for (int i = 0; i < N_READERS; i++) {
        pthread_join(readers[i], NULL);
    }
    model_destroy();
    rcu_unregister_thread();
    printf("stress_model: %d change sets, %lu lookups (%lu found), %lu broken invariants, "
           "%lu updated hosts missed, %lu kept pointers used, "
           "%lu hosts whose network was removed after they were found\n",
           N_CHANGESETS, atomic_load(&n_lookups), atomic_load(&n_found), atomic_load(&n_broken),
           atomic_load(&n_missed), atomic_load(&n_cache_hits), atomic_load(&n_net_gone));
    if (atomic_load(&n_broken) || atomic_load(&n_missed) || !atomic_load(&n_found)
        || !atomic_load(&n_cache_hits)) {
        printf("stress_model: 0 passed, 1 failed\n");
        return 1;
    }
    printf("stress_model: 1 passed, 0 failed\n");
    return 0;
}
