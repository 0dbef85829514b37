/* Address allocation for zero-touch attachment (#17): a free IPv4 address
 * of a network's subnet, a free MAC under a locally administered prefix,
 * and the quarantine that keeps a released address from being handed out
 * again at once (a VM that was detached may still use it, and neighbours
 * may still cache its MAC).
 *
 * Pure functions over a configuration; the caller is the model's single
 * writer (the API), which allocates and applies in one step, so two
 * attaches never get the same address.  The quarantine is the caller's. */
#ifndef VX_ALLOC_H
#define VX_ALLOC_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/vxconf.h"

struct alloc_released {
    uint32_t vni;
    uint32_t ip;
    uint64_t until_ms;          /* reusable from then on */
};

struct alloc_quarantine {
    size_t n, cap;
    struct alloc_released *v;
};

/* Puts (vni, ip) in quarantine until 'until_ms'. */
void alloc_quarantine_add(struct alloc_quarantine *, uint32_t vni, uint32_t ip, uint64_t until_ms);
/* Forgets what is reusable at 'now_ms'. */
void alloc_quarantine_expire(struct alloc_quarantine *, uint64_t now_ms);
void alloc_quarantine_clear(struct alloc_quarantine *);

enum alloc_result {
    ALLOC_OK,
    ALLOC_NO_NETWORK,           /* no such network */
    ALLOC_TOO_SMALL,            /* a /31 or /32: no host addresses to hand out */
    ALLOC_EXHAUSTED,            /* every address is taken, reserved or in quarantine */
};

/* The lowest free address of network 'vni' of sorted 'cfg': not the
 * network or broadcast address, the gateway, a DNS server, in the
 * network's reserved range, held by a host of the network, or in 'q' at
 * 'now_ms'.  O(hosts + reserved). */
enum alloc_result alloc_ip(const struct vx_config *cfg, uint32_t vni,
                           const struct alloc_quarantine *q, uint64_t now_ms, uint32_t *ip);

/* The lowest MAC prefix:xx:xx:xx (xx:xx:xx from 00:00:01) that no host
 * and no router of 'cfg' has.  False if all 2^24 - 1 are taken. */
bool alloc_mac(const struct vx_config *cfg, const uint8_t prefix[3], uint8_t mac[6]);

/* Whether 'prefix' may prefix allocated MACs: locally administered
 * unicast (IEEE 802: bit 1 of the first octet set, bit 0 clear), and not
 * 02:76:78, which gateway MACs use (model_gateway_mac). */
bool alloc_mac_prefix_ok(const uint8_t prefix[3]);

#endif
