/* The fabric model: bridges, networks, routers and hosts in liburcu
 * lock-free hash tables (QSBR flavour).
 *
 * Concurrency contract
 *  - Readers are the worker threads.  They are registered QSBR threads and
 *    call the model_*() lookups while online ("RCU read-side"); returned
 *    pointers stay valid until the reader's next quiescent state.  Lookups
 *    never block and take no lock.
 *  - There is one writer (the main thread).  It applies a change set as a
 *    unit with model_apply(): removals first (dependents before what they
 *    depend on), then additions (dependencies first), so a lookup that
 *    starts after a change set is applied sees all of it, and a freshly
 *    added host's network is always findable.  A reader racing the writer
 *    may observe a change set partly applied: it may hold a host whose
 *    network (referred to by key) was removed after it found the host.
 *    Readers therefore check every lookup's result; they never see a torn
 *    object or freed memory (test/stress/stress_model.c checks both).
 *  - Objects are immutable once published.  A changed object is replaced by
 *    a new one; the old one is freed with call_rcu() after a grace period.
 *  - After applying, the writer reports which bridges the change affects,
 *    so only their workers recompute flows. */
#ifndef VX_MODEL_H
#define VX_MODEL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_pr.h>
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "core/tsan.h"
#include "model/vxconf.h"

struct vx_bridge {
    struct vx_bridge_cfg cfg;
    struct cds_lfht_node by_dpid;
    struct rcu_head rcu;
};

struct vx_network {
    struct vx_network_cfg cfg;
    struct cds_lfht_node by_vni;
    struct rcu_head rcu;
};

struct vx_router {
    struct vx_router_cfg cfg;
    struct cds_lfht_node by_mac;
    struct cds_lfht_node by_gateway;      /* gateway dpid, duplicates: if it has one */
    struct rcu_head rcu;
};

/* One (router, member network) pair, indexed by network: how table 2 and
 * gateway ARP find a network's router. */
struct vx_router_port {
    uint32_t vni;
    uint8_t router_mac[6];
    struct cds_lfht_node by_vni;
    struct rcu_head rcu;
};

struct vx_host {
    struct vx_host_cfg cfg;
    struct cds_lfht_node by_net_ip;       /* unique (vni, ip): ARP targets */
    struct cds_lfht_node by_bridge_mac;   /* (dpid, mac), duplicates: packet-in sources */
    struct cds_lfht_node by_bridge;       /* dpid, duplicates: local hosts */
    struct cds_lfht_node by_net;          /* vni, duplicates: a network's hosts */
    struct rcu_head rcu;
};

/* A reader's quiescent state (use instead of rcu_quiescent_state()), and
 * going offline/online around blocking waits: the same calls, plus the
 * annotations that let ThreadSanitizer see grace periods. */
extern int model_grace_token;
static inline void model_quiescent(void)
{
    TSAN_RELEASE(&model_grace_token);
    rcu_quiescent_state();
}
static inline void model_offline(void)
{
    TSAN_RELEASE(&model_grace_token);
    rcu_thread_offline();
}
static inline void model_online(void)
{
    rcu_thread_online();
}

/* The model's generation, for readers that keep what they looked up
 * (workers/pktcache.c).  It is even while no change set is being applied:
 * the writer makes it odd before it changes, unpublishes or frees
 * anything, and even again, a new value, once the change set is applied.
 * Contract: a model pointer or answer a reader took while the generation
 * was an even G stays valid -- across quiescent states too -- as long as
 * the generation is still G; a reader keeps nothing it looked up while the
 * generation was odd.  Any thread; one acquire load. */
extern uint64_t model_generation__;
static inline uint64_t model_generation(void)
{
    uint64_t g = ck_pr_load_64(&model_generation__);
    ck_pr_fence_load();
    return g;
}

/* Creates the tables.  Call once, before any reader starts. */
void model_init(void);
/* Frees every object (after a grace period).  No reader may be running. */
void model_destroy(void);

/* --- Reader side: call while an online QSBR reader (or the writer). ---
 * Every lookup is O(1), takes no lock and allocates nothing.  A returned
 * object belongs to the model: read-only, valid until the caller's next
 * quiescent state (a worker's next loop iteration), never to be freed. */

/* The bridge, network or router with that key, or NULL. */
const struct vx_bridge *model_bridge(uint64_t dpid);
const struct vx_network *model_network(uint32_t vni);
const struct vx_router *model_router(const uint8_t mac[6]);
/* Whether ARP requests for the addresses of 'net' are answered by flows in
 * the datapath (its arp_responder, or the fabric's). */
bool model_arp_in_datapath(const struct vx_network *net);
/* The MAC of the router that network 'vni' belongs to, or false. */
bool model_router_mac_of(uint32_t vni, uint8_t mac[6]);
/* The host of network 'vni' with address 'ip', or NULL. */
const struct vx_host *model_host_by_ip(uint32_t vni, uint32_t ip);
/* The host with source MAC 'mac' on bridge 'dpid' attached to the port
 * numbered 'port_no', named 'port_name' (may be NULL if unknown).  A host
 * configured by port number matches by number, one configured by name
 * matches by name. */
const struct vx_host *model_host_by_source(uint64_t dpid, const uint8_t mac[6],
                                           uint32_t port_no, const char *port_name);

/* The MAC that answers for network 'vni''s gateway IP: its router's MAC, or,
 * for a network on no router, a locally administered MAC derived from the
 * VNI (02:76:78:VV:VV:VV), so DHCP renewals to the server identifier can
 * still be addressed. */
void model_gateway_mac(uint32_t vni, uint8_t mac[6]);

/* Iteration over duplicates: hosts of a bridge, hosts of a network; the
 * iterator is the caller's and valid in the same read-side section.
 * Usage: for (h = model_hosts_on_bridge(dpid, &it); h; h = model_next_on_bridge(dpid, &it)) */
const struct vx_host *model_hosts_on_bridge(uint64_t dpid, struct cds_lfht_iter *);
const struct vx_host *model_next_on_bridge(uint64_t dpid, struct cds_lfht_iter *);
const struct vx_host *model_hosts_in_network(uint32_t vni, struct cds_lfht_iter *);
const struct vx_host *model_next_in_network(uint32_t vni, struct cds_lfht_iter *);

/* The routers whose external gateway is on bridge 'dpid' (#16), iterated
 * like hosts: for (r = model_gateways_on_bridge(dpid, &it); r;
 * r = model_next_gateway_on_bridge(dpid, &it)). */
const struct vx_router *model_gateways_on_bridge(uint64_t dpid, struct cds_lfht_iter *);
const struct vx_router *model_next_gateway_on_bridge(uint64_t dpid, struct cds_lfht_iter *);
/* The host a floating IP of router 'r' names, or NULL. */
const struct vx_host *model_floating_host(const struct vx_router *r, const struct vx_floating_ip *);

/* --- Writer side: the main thread only, registered and online. --- */

/* Empties and destroys 'ht' (objects whose node is at 'node_ofs' and RCU
 * head at 'rcu_ofs', each freed by 'free_fn' after a grace period), then
 * waits for the frees.  For the model's side tables (binding, neighbor)
 * at model_destroy(). */
void model_table_destroy(struct cds_lfht *ht, size_t node_ofs, size_t rcu_ofs,
                         void (*free_fn)(struct rcu_head *));

/* A set of datapath-ids (sorted and unique after dpid_set_normalize).
 * A plain value owned by whoever holds it (any thread, one at a time):
 * add, normalize, test membership (binary search, normalized sets only),
 * clear (frees its array). */
struct dpid_set {
    size_t n;
    size_t cap;
    uint64_t *dpids;
};
void dpid_set_add(struct dpid_set *, uint64_t dpid);
void dpid_set_normalize(struct dpid_set *);   /* sort and dedupe */
bool dpid_set_contains(const struct dpid_set *, uint64_t dpid);
void dpid_set_clear(struct dpid_set *);

/* What model_apply() did. */
struct model_change_stats {
    size_t added, removed, changed;   /* objects of all kinds */
};

/* Makes the model equal to 'cfg' (a valid, sorted config) by applying the
 * difference from the config last applied, and takes ownership of 'cfg'
 * (its arrays become the writer's copy; 'cfg' is left empty).  Fills
 * 'affected' with every bridge whose desired flows may have changed:
 * bridges with a host in a changed network, in a network routed to one, or
 * hosting a changed host.  Cannot fail: 'cfg' was validated. */
void model_apply(struct vx_config *cfg, struct dpid_set *affected,
                 struct model_change_stats *);

/* The fast path for one host, the common API write: replaces the host
 * keyed (old->vni, old->mac) by 'new', adds 'new' if 'old' is NULL, or
 * removes 'old' if 'new' is NULL, in O(hosts of the networks concerned)
 * instead of O(fabric).  The caller has checked that the result is valid
 * (vxconf_validate's rules).  Fills 'affected' exactly as model_apply()
 * would for the same change. */
void model_apply_host(const struct vx_host_cfg *old, const struct vx_host_cfg *new,
                      struct dpid_set *affected);

/* Adds to 'affected' the bridges whose flows depend on network 'vni''s
 * hosts: bridges with a host in it or in a network routed with it. */
void model_affected_by_network(uint32_t vni, struct dpid_set *affected);

/* The config last applied (writer side only). */
const struct vx_config *model_config(void);

#endif
