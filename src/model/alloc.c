#include "model/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/edit.h"
#include "proto/of_match.h"

void alloc_quarantine_add(struct alloc_quarantine *q, uint32_t vni, uint32_t ip, uint64_t until_ms)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->v = xrealloc(q->v, q->cap * sizeof *q->v);
    }
    q->v[q->n++] = (struct alloc_released) { vni, ip, until_ms };
}

void alloc_quarantine_expire(struct alloc_quarantine *q, uint64_t now_ms)
{
    size_t k = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].until_ms > now_ms) {
            q->v[k++] = q->v[i];
        }
    }
    q->n = k;
}

void alloc_quarantine_clear(struct alloc_quarantine *q)
{
    free(q->v);
    memset(q, 0, sizeof *q);
}

static int cmp_u32__(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64__(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The addresses of network 'net' that are not free, sorted (may repeat). */
static uint32_t *taken__(const struct vx_config *cfg, const struct vx_network_cfg *net,
                         const struct alloc_quarantine *q, uint64_t now_ms, size_t *n)
{
    size_t cap = cfg->n_hosts + q->n + VX_MAX_DNS + 1;
    uint32_t *v = xmalloc(cap * sizeof *v);

    *n = 0;
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (cfg->hosts[i].vni == net->vni) {
            v[(*n)++] = cfg->hosts[i].ip;
        }
    }
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].vni == net->vni && q->v[i].until_ms > now_ms) {
            v[(*n)++] = q->v[i].ip;
        }
    }
    for (int i = 0; i < net->n_dns; i++) {
        v[(*n)++] = net->dns[i];
    }
    if (net->gateway) {
        v[(*n)++] = net->gateway;
    }
    vx_sort(v, *n, sizeof *v, cmp_u32__);
    return v;
}

enum alloc_result alloc_ip(const struct vx_config *cfg, uint32_t vni,
                           const struct alloc_quarantine *q, uint64_t now_ms, uint32_t *ip)
{
    struct vx_network_cfg key = { .vni = vni };
    const struct vx_network_cfg *net = edit_find(cfg, EDIT_NETWORK, &key);
    size_t n, k = 0;

    if (!net) {
        return ALLOC_NO_NETWORK;
    }
    if (net->prefix >= 31) {
        return ALLOC_TOO_SMALL;
    }
    uint32_t *taken = taken__(cfg, net, q, now_ms, &n);
    uint32_t first = net->subnet + 1, last = (net->subnet | ~prefix_to_mask(net->prefix)) - 1;
    enum alloc_result r = ALLOC_EXHAUSTED;
    for (uint64_t a = first; a <= last; a++) {
        if (net->reserved_lo && a >= net->reserved_lo && a <= net->reserved_hi) {
            a = net->reserved_hi;       /* skip the range whole */
            continue;
        }
        while (k < n && taken[k] < a) {
            k++;
        }
        if (k == n || taken[k] != a) {
            *ip = (uint32_t)a;
            r = ALLOC_OK;
            break;
        }
    }
    free(taken);
    return r;
}

bool alloc_mac(const struct vx_config *cfg, const uint8_t prefix[3], uint8_t mac[6])
{
    uint8_t lo[6] = { prefix[0], prefix[1], prefix[2], 0, 0, 0 };
    uint64_t base = mac_to_u64(lo);
    uint64_t *taken = xmalloc((cfg->n_hosts + cfg->n_routers + 1) * sizeof *taken);
    size_t n = 0, k = 0;
    bool ok = false;

    for (size_t i = 0; i < cfg->n_hosts; i++) {
        taken[n++] = mac_to_u64(cfg->hosts[i].mac);
    }
    for (size_t i = 0; i < cfg->n_routers; i++) {
        taken[n++] = mac_to_u64(cfg->routers[i].mac);
    }
    vx_sort(taken, n, sizeof *taken, cmp_u64__);
    for (uint64_t m = base + 1; m <= base + 0xffffff; m++) {
        while (k < n && taken[k] < m) {
            k++;
        }
        if (k == n || taken[k] != m) {
            mac_from_u64(m, mac);
            ok = true;
            break;
        }
    }
    free(taken);
    return ok;
}

bool alloc_mac_prefix_ok(const uint8_t p[3])
{
    return (p[0] & 3) == 2 && !(p[0] == 0x02 && p[1] == 0x76 && p[2] == 0x78);
}
