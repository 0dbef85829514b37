/* The packet-in path's caches of model lookups: an exact-match cache in
 * front of the RCU model, as Open vSwitch's EMC is in front of its
 * classifier.  A hit answers "which host sends from this port and MAC of
 * this switch" or "which MAC answers ARP for this address of this network"
 * in one probe of a flat array, instead of liburcu hash-table lookups
 * (about 100 instructions each) and a walk of the switch's ports.
 *
 * Contract
 *  - One per worker, used by its thread only: no lock, no atomic; the
 *    thread is an online QSBR reader while it uses one.
 *  - An entry is valid only under the model generation it was filled in
 *    (model_generation(): any change set invalidates every entry), and a
 *    source entry only under the switch connection's port epoch (a port
 *    added, removed or renamed invalidates that switch's).  Fill only under
 *    an even generation read before the lookup whose result is kept; the
 *    model's contract then keeps a cached host pointer valid for as long
 *    as its entry is.
 *  - Direct-mapped and of fixed size: its memory is bounded whatever the
 *    fabric or the load; a collision evicts.  Only positive source answers
 *    are kept (an unknown source is refused on the slow path, rate-limited
 *    like any packet-in), so spoofed MACs cannot fill it with junk beyond
 *    evicting entries. */
#ifndef VX_PKTCACHE_H
#define VX_PKTCACHE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "proto/dhcp.h"

#define PKTCACHE_SOURCE_BITS 14
#define PKTCACHE_TARGET_BITS 14
#define PKTCACHE_NETWORK_BITS 12
#define PKTCACHE_OPTIONS_BITS 10
#define PKTCACHE_PARAMS_MAX 32      /* longer parameter lists are not kept */
#define PKTCACHE_SOURCES (1u << PKTCACHE_SOURCE_BITS)    /* 40 bytes each: 640 KiB per worker */
#define PKTCACHE_TARGETS (1u << PKTCACHE_TARGET_BITS)    /* 24 bytes each: 384 KiB per worker */
#define PKTCACHE_NETWORKS (1u << PKTCACHE_NETWORK_BITS)  /* 88 bytes each: 352 KiB per worker */
#define PKTCACHE_OPTIONS (1u << PKTCACHE_OPTIONS_BITS)    /* 384 bytes each: 384 KiB per worker */

struct pktcache_source {
    uint64_t gen;                   /* model generation; 0: empty (generations start at 0, */
    uint64_t dpid;                  /* and fills need gen >= 2: see pktcache_can_fill) */
    uint64_t mac;                   /* the MAC's 6 bytes, as a key */
    uint32_t port;
    uint32_t epoch;                 /* the connection's port epoch */
    const struct vx_host *host;
};

struct pktcache_target {
    uint64_t gen;
    uint32_t vni;
    uint32_t ip;
    uint8_t mac[6];                 /* who answers for (vni, ip) */
    bool known;                     /* false: nobody has it (answered by silence) */
};

/* A network's part of its leases (answers_dhcp_network); its domain
 * points into the model, valid under the entry's generation. */
struct pktcache_network {
    uint64_t gen;
    uint32_t vni;
    struct dhcp_lease lease;
};

/* A DHCP reply's options, for one network, reply type, request kind
 * (INFORM or not) and parameter list (proto/dhcp.h, dhcp_reply_options). */
struct pktcache_options {
    uint64_t gen;
    uint32_t vni;
    uint8_t reply_type;
    bool inform;
    uint8_t n_params;
    uint8_t params[PKTCACHE_PARAMS_MAX];
    struct dhcp_options options;
};

struct pktcache {
    struct pktcache_source *sources;
    struct pktcache_target *targets;
    struct pktcache_network *networks;
    struct pktcache_options *options;
};

/* Empty; the arrays are allocated at the first fill.  A zeroed struct is
 * an empty cache too. */
void pktcache_init(struct pktcache *);
void pktcache_uninit(struct pktcache *);

/* Whether a lookup made under generation 'gen' may be kept. */
static inline bool pktcache_can_fill(uint64_t gen)
{
    return gen % 2 == 0 && gen >= 2;
}

/* The host cached for (dpid, port, mac) under 'gen' and 'epoch', or NULL. */
const struct vx_host *pktcache_source(const struct pktcache *, uint64_t gen, uint64_t dpid,
                                      uint32_t epoch, uint32_t port, const uint8_t mac[6]);
void pktcache_source_fill(struct pktcache *, uint64_t gen, uint64_t dpid, uint32_t epoch,
                          uint32_t port, const uint8_t mac[6], const struct vx_host *);

/* Whether (vni, ip) is cached under 'gen'; then '*known' says whether
 * someone has that address and 'mac' who. */
bool pktcache_target(const struct pktcache *, uint64_t gen, uint32_t vni, uint32_t ip,
                     bool *known, uint8_t mac[6]);
void pktcache_target_fill(struct pktcache *, uint64_t gen, uint32_t vni, uint32_t ip,
                          bool known, const uint8_t mac[6]);

/* The options of a reply of 'reply_type' to 'req' from network 'vni', if
 * cached under 'gen'. */
const struct dhcp_options *pktcache_options(const struct pktcache *, uint64_t gen, uint32_t vni,
                                            uint8_t reply_type, const struct dhcp_msg *req);
/* Where to build those options so that they are kept (the entry is
 * claimed for them), or NULL if they cannot be: a generation that does
 * not allow it, a parameter list longer than PKTCACHE_PARAMS_MAX, or
 * options that depend on the host (dhcp_options_per_host). */
struct dhcp_options *pktcache_options_slot(struct pktcache *, uint64_t gen, uint32_t vni,
                                           uint8_t reply_type, const struct dhcp_msg *req);

/* Network 'vni''s part of a lease, if cached under 'gen'. */
bool pktcache_network(const struct pktcache *, uint64_t gen, uint32_t vni, struct dhcp_lease *);
void pktcache_network_fill(struct pktcache *, uint64_t gen, uint32_t vni,
                           const struct dhcp_lease *);

#endif
