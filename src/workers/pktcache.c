#include "workers/pktcache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"

void pktcache_init(struct pktcache *pc)
{
    *pc = (struct pktcache) { NULL, NULL, NULL, NULL };
}

/* The four arrays in one allocation of HUGE bytes, aligned to it and
 * advised as a transparent huge page: a probe anywhere in its 1.7 MiB of
 * entries then costs no TLB miss (with 4 KiB pages, the 640 KiB of
 * sources alone span 160 pages).  Without THP it is ordinary memory. */
#define HUGE (2u << 20)
_Static_assert(PKTCACHE_SOURCES * sizeof(struct pktcache_source)
               + PKTCACHE_TARGETS * sizeof(struct pktcache_target)
               + PKTCACHE_NETWORKS * sizeof(struct pktcache_network)
               + PKTCACHE_OPTIONS * sizeof(struct pktcache_options) <= HUGE,
               "the caches fit one huge page");

/* The arrays, allocated at the first fill: a worker that never sees a
 * packet-in (or a test's hand-made one) holds none. */
static void alloc__(struct pktcache *pc)
{
    if (!pc->sources) {
        uint8_t *p = xaligned_alloc(HUGE, HUGE);
        madvise(p, HUGE, MADV_HUGEPAGE);
        memset(p, 0, HUGE);
        pc->sources = (void *)p;
        pc->targets = (void *)(pc->sources + PKTCACHE_SOURCES);
        pc->networks = (void *)(pc->targets + PKTCACHE_TARGETS);
        pc->options = (void *)(pc->networks + PKTCACHE_NETWORKS);
    }
}

void pktcache_uninit(struct pktcache *pc)
{
    free(pc->sources);          /* the one allocation */
    pktcache_init(pc);
}

/* A MAC as a 64-bit key (the cache's own encoding, not a number), from
 * two loads: assembling it in memory would cost a failed store-to-load
 * forward on every packet-in. */
static inline uint64_t mac_key__(const uint8_t mac[6])
{
    uint32_t lo;
    uint16_t hi;
    memcpy(&lo, mac, 4);
    memcpy(&hi, mac + 4, 2);
    return lo | (uint64_t)hi << 32;
}

/* Slots by multiplicative hashing (Knuth 6.4): one multiply, the top
 * bits.  A key chosen to collide only evicts (the cache stays bounded and
 * correct), so no keyed hash is needed. */
#define GOLDEN 0x9e3779b97f4a7c15ULL
static inline size_t slot__(uint64_t key, unsigned int bits)
{
    return (size_t)((key * GOLDEN) >> (64 - bits));
}

static struct pktcache_source *source_slot__(const struct pktcache *pc, uint64_t dpid,
                                             uint32_t port, uint64_t mac)
{
    return &pc->sources[slot__((dpid * GOLDEN) ^ mac ^ (uint64_t)port << 48, PKTCACHE_SOURCE_BITS)];
}

static struct pktcache_target *target_slot__(const struct pktcache *pc, uint32_t vni, uint32_t ip)
{
    return &pc->targets[slot__((uint64_t)vni << 32 | ip, PKTCACHE_TARGET_BITS)];
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
    return &pc->networks[slot__(vni, PKTCACHE_NETWORK_BITS)];
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

static struct pktcache_options *options_slot__(const struct pktcache *pc, uint32_t vni,
                                               uint8_t reply_type, const struct dhcp_msg *req)
{
    uint64_t key = hash_bytes(req->params, req->n_params,
                              (uint64_t)vni << 16 | (uint64_t)reply_type << 8
                              | (req->msg_type == DHCPINFORM));
    return &pc->options[slot__(key, PKTCACHE_OPTIONS_BITS)];
}

static bool options_match__(const struct pktcache_options *e, uint64_t gen, uint32_t vni,
                            uint8_t reply_type, const struct dhcp_msg *req)
{
    return e->gen == gen && e->vni == vni && e->reply_type == reply_type
           && e->inform == (req->msg_type == DHCPINFORM) && e->n_params == req->n_params
           && !memcmp(e->params, req->params, req->n_params);
}

const struct dhcp_options *pktcache_options(const struct pktcache *pc, uint64_t gen, uint32_t vni,
                                            uint8_t reply_type, const struct dhcp_msg *req)
{
    if (!pc->options || !pktcache_can_fill(gen) || req->n_params > PKTCACHE_PARAMS_MAX) {
        return NULL;
    }
    const struct pktcache_options *e = options_slot__(pc, vni, reply_type, req);
    return options_match__(e, gen, vni, reply_type, req) ? &e->options : NULL;
}

struct dhcp_options *pktcache_options_slot(struct pktcache *pc, uint64_t gen, uint32_t vni,
                                           uint8_t reply_type, const struct dhcp_msg *req)
{
    if (!pktcache_can_fill(gen) || req->n_params > PKTCACHE_PARAMS_MAX
        || dhcp_options_per_host(req)) {
        return NULL;
    }
    alloc__(pc);
    struct pktcache_options *e = options_slot__(pc, vni, reply_type, req);
    e->gen = gen;
    e->vni = vni;
    e->reply_type = reply_type;
    e->inform = req->msg_type == DHCPINFORM;
    e->n_params = req->n_params;
    memcpy(e->params, req->params, req->n_params);
    return &e->options;
}
