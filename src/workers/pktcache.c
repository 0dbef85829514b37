#include "workers/pktcache.h"

#include <string.h>

#include "core/util.h"

void pktcache_init(struct pktcache *pc)
{
    *pc = (struct pktcache) { NULL, NULL, NULL };
}

/* The arrays, allocated at the first fill: a worker that never sees a
 * packet-in (or a test's hand-made one) holds none. */
static void alloc__(struct pktcache *pc)
{
    if (!pc->sources) {
        pc->sources = xcalloc(PKTCACHE_SOURCES, sizeof *pc->sources);
        pc->targets = xcalloc(PKTCACHE_TARGETS, sizeof *pc->targets);
        pc->networks = xcalloc(PKTCACHE_NETWORKS, sizeof *pc->networks);
    }
}

void pktcache_uninit(struct pktcache *pc)
{
    free(pc->sources);
    free(pc->targets);
    free(pc->networks);
    pktcache_init(pc);
}

/* A MAC as a 64-bit key (the cache's own encoding, not a number). */
static inline uint64_t mac_key__(const uint8_t mac[6])
{
    uint64_t k = 0;
    memcpy(&k, mac, 6);
    return k;
}

static struct pktcache_source *source_slot__(const struct pktcache *pc, uint64_t dpid,
                                             uint32_t port, uint64_t mac)
{
    uint64_t h = hash_u64(dpid ^ hash_u64(mac ^ (uint64_t)port << 48));
    return &pc->sources[h % PKTCACHE_SOURCES];
}

static struct pktcache_target *target_slot__(const struct pktcache *pc, uint32_t vni, uint32_t ip)
{
    return &pc->targets[hash_u64((uint64_t)vni << 32 | ip) % PKTCACHE_TARGETS];
}

const struct vx_host *pktcache_source(const struct pktcache *pc, uint64_t gen, uint64_t dpid,
                                      uint32_t epoch, uint32_t port, const uint8_t mac6[6])
{
    uint64_t mac = mac_key__(mac6);
    if (!pc->sources) {
        return NULL;
    }
    const struct pktcache_source *e = source_slot__(pc, dpid, port, mac);

    if (e->gen == gen && pktcache_can_fill(gen) && e->dpid == dpid && e->mac == mac
        && e->port == port && e->epoch == epoch) {
        return e->host;
    }
    return NULL;
}

void pktcache_source_fill(struct pktcache *pc, uint64_t gen, uint64_t dpid, uint32_t epoch,
                          uint32_t port, const uint8_t mac6[6], const struct vx_host *host)
{
    uint64_t mac = mac_key__(mac6);

    if (pktcache_can_fill(gen)) {
        alloc__(pc);
        *source_slot__(pc, dpid, port, mac) = (struct pktcache_source) {
            .gen = gen, .dpid = dpid, .mac = mac, .port = port, .epoch = epoch, .host = host,
        };
    }
}

bool pktcache_target(const struct pktcache *pc, uint64_t gen, uint32_t vni, uint32_t ip,
                     bool *known, uint8_t mac[6])
{
    if (!pc->targets) {
        return false;
    }
    const struct pktcache_target *e = target_slot__(pc, vni, ip);

    if (e->gen != gen || !pktcache_can_fill(gen) || e->vni != vni || e->ip != ip) {
        return false;
    }
    *known = e->known;
    memcpy(mac, e->mac, 6);
    return true;
}

void pktcache_target_fill(struct pktcache *pc, uint64_t gen, uint32_t vni, uint32_t ip,
                          bool known, const uint8_t mac[6])
{
    if (pktcache_can_fill(gen)) {
        alloc__(pc);
        struct pktcache_target *e = target_slot__(pc, vni, ip);
        *e = (struct pktcache_target) { .gen = gen, .vni = vni, .ip = ip, .known = known };
        memcpy(e->mac, mac, 6);
    }
}

static struct pktcache_network *network_slot__(const struct pktcache *pc, uint32_t vni)
{
    return &pc->networks[hash_u64(vni) % PKTCACHE_NETWORKS];
}

bool pktcache_network(const struct pktcache *pc, uint64_t gen, uint32_t vni,
                      struct dhcp_lease *lease)
{
    if (!pc->networks) {
        return false;
    }
    const struct pktcache_network *e = network_slot__(pc, vni);
    if (e->gen != gen || !pktcache_can_fill(gen) || e->vni != vni) {
        return false;
    }
    *lease = e->lease;
    return true;
}

void pktcache_network_fill(struct pktcache *pc, uint64_t gen, uint32_t vni,
                           const struct dhcp_lease *lease)
{
    if (pktcache_can_fill(gen)) {
        alloc__(pc);
        *network_slot__(pc, vni) = (struct pktcache_network) { gen, vni, *lease };
    }
}
