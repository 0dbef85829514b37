#include "model/binding.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* One bridge's last report: an immutable RCU object, replaced whole. */
struct bridge_ports {
    uint64_t dpid;
    size_t n;
    struct binding_port *ports;
    struct cds_lfht_node node;
    struct rcu_head rcu;
};

static struct cds_lfht *reports;

const char *binding_state_name(enum binding_state s)
{
    static const char *const names[] = { "unknown", "bound", "unbound" };
    return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void binding_init(void)
{
    reports = cds_lfht_new(64, 64, 0, CDS_LFHT_AUTO_RESIZE, NULL);
    if (!reports) {
        abort();
    }
}

static unsigned long hash__(uint64_t dpid)
{
    return hash_u64(dpid ^ 0x62696e64ULL);
}

static int match__(struct cds_lfht_node *n, const void *key)
{
    return caa_container_of(n, struct bridge_ports, node)->dpid == *(const uint64_t *)key;
}

static void free__(struct rcu_head *h)
{
    struct bridge_ports *bp = caa_container_of(h, struct bridge_ports, rcu);
    free(bp->ports);
    free(bp);
}

void binding_destroy(void)
{
    model_table_destroy(reports, offsetof(struct bridge_ports, node),
                        offsetof(struct bridge_ports, rcu), free__);
    reports = NULL;
}

static const struct bridge_ports *find__(uint64_t dpid)
{
    struct cds_lfht_iter it;
    cds_lfht_lookup(reports, hash__(dpid), match__, &dpid, &it);
    struct cds_lfht_node *n = cds_lfht_iter_get_node(&it);
    TSAN_ACQUIRE(n);
    return n ? caa_container_of(n, struct bridge_ports, node) : NULL;
}

static enum binding_state state_in__(const struct bridge_ports *bp, const struct vx_host_cfg *h)
{
    if (!bp) {
        return BINDING_UNKNOWN;
    }
    for (size_t i = 0; i < bp->n; i++) {
        if (h->port_no ? bp->ports[i].port_no == h->port_no
                       : !strcmp(bp->ports[i].name, h->port_name)) {
            return BINDING_BOUND;
        }
    }
    return BINDING_UNBOUND;
}

enum binding_state binding_host_state(const struct vx_host_cfg *h)
{
    return state_in__(find__(h->dpid), h);
}

static bool same__(const struct bridge_ports *bp, const struct binding_port *ports, size_t n)
{
    return bp && bp->n == n && (!n || !memcmp(bp->ports, ports, n * sizeof *ports));
}

void binding_set_ports(uint64_t dpid, const struct binding_port *ports, size_t n,
                       struct dpid_set *affected)
{
    const struct bridge_ports *old = find__(dpid);
    struct cds_lfht_iter it;
    const struct vx_host *h;

    if (same__(old, ports, n)) {
        return;
    }
    struct bridge_ports *bp = xzalloc(sizeof *bp);
    bp->dpid = dpid;
    bp->n = n;
    bp->ports = n ? xmemdup(ports, n * sizeof *ports) : NULL;
    for (h = model_hosts_on_bridge(dpid, &it); h; h = model_next_on_bridge(dpid, &it)) {
        bool was = state_in__(old, &h->cfg) != BINDING_UNBOUND;
        bool is = state_in__(bp, &h->cfg) != BINDING_UNBOUND;
        if (was != is) {
            model_affected_by_network(h->cfg.vni, affected);
        }
    }
    TSAN_RELEASE(&bp->node);
    struct cds_lfht_node *replaced = cds_lfht_add_replace(reports, hash__(dpid), match__, &dpid,
                                                          &bp->node);
    if (replaced) {
        call_rcu(&caa_container_of(replaced, struct bridge_ports, node)->rcu, free__);
    }
}
