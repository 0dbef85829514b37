#include "model/neighbor.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* One learned next hop: an immutable RCU object, replaced whole. */
struct neighbor {
    uint64_t dpid;
    uint32_t ip;
    uint8_t mac[6];
    struct cds_lfht_node node;
    struct rcu_head rcu;
};

struct neighbor_key {
    uint64_t dpid;
    uint32_t ip;
};

static struct cds_lfht *neighbors;

void neighbor_init(void)
{
    neighbors = cds_lfht_new(16, 16, 0, CDS_LFHT_AUTO_RESIZE, NULL);
    if (!neighbors) {
        abort();
    }
}

static unsigned long hash__(uint64_t dpid, uint32_t ip)
{
    return hash_u64(dpid * 0x9e3779b97f4a7c15ULL ^ ip);
}

static int match__(struct cds_lfht_node *n, const void *key_)
{
    const struct neighbor *nb = caa_container_of(n, struct neighbor, node);
    const struct neighbor_key *key = key_;
    return nb->dpid == key->dpid && nb->ip == key->ip;
}

static void free__(struct rcu_head *h)
{
    free(caa_container_of(h, struct neighbor, rcu));
}

void neighbor_destroy(void)
{
    model_table_destroy(neighbors, offsetof(struct neighbor, node), offsetof(struct neighbor, rcu),
                        free__);
    neighbors = NULL;
}

static const struct neighbor *find__(uint64_t dpid, uint32_t ip)
{
    struct neighbor_key key = { dpid, ip };
    struct cds_lfht_iter it;

    cds_lfht_lookup(neighbors, hash__(dpid, ip), match__, &key, &it);
    struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
    TSAN_ACQUIRE(n);
    return n ? caa_container_of(n, struct neighbor, node) : NULL;
}

bool neighbor_lookup(uint64_t dpid, uint32_t ip, uint8_t mac[6])
{
    const struct neighbor *nb = find__(dpid, ip);

    if (nb) {
        memcpy(mac, nb->mac, 6);
    }
    return nb != NULL;
}

void neighbor_learn(uint64_t dpid, uint32_t ip, const uint8_t mac[6], struct dpid_set *affected)
{
    const struct neighbor *old = find__(dpid, ip);
    struct neighbor_key key = { dpid, ip };

    if (old && !memcmp(old->mac, mac, 6)) {
        return;
    }
    struct neighbor *nb = xzalloc(sizeof *nb);
    nb->dpid = dpid;
    nb->ip = ip;
    memcpy(nb->mac, mac, 6);
    TSAN_RELEASE(&nb->node);
    struct cds_lfht_node *replaced = cds_lfht_add_replace(neighbors, hash__(dpid, ip), match__,
                                                          &key, &nb->node);
    if (replaced) {
        call_rcu(&caa_container_of(replaced, struct neighbor, node)->rcu, free__);
    }
    dpid_set_add(affected, dpid);
}
