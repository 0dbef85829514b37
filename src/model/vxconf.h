/* The vxfabric configuration file: daemon settings and the fabric's objects
 * (bridges, networks, routers, hosts), parsed with libconfig and validated
 * as a whole.  docs/config.md lists every key.
 *
 * A struct vx_config is a plain value owned by its creator; nothing here is
 * shared between threads.  Loading never half-succeeds: vxconf_load()
 * returns either a fully valid config or the complete list of errors. */
#ifndef VX_VXCONF_H
#define VX_VXCONF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"

#define VX_NAME_MAX 32
#define VX_PORT_NAME_MAX 16     /* OFP_MAX_PORT_NAME_LEN */
#define VX_MAX_DNS 4
#define VX_MAX_ROUTER_NETS 64
#define VX_DOMAIN_MAX 64
#define VX_VNI_MAX 0xffffffu    /* VXLAN carries 24 bits (RFC 7348 5) */

struct vx_bridge_cfg {
    uint64_t dpid;
    uint32_t tun_ip;            /* tunnel endpoint, host order */
    char name[VX_NAME_MAX];
    char tun_port[VX_PORT_NAME_MAX + 1];   /* the flow-based VXLAN port */
    int line;
};

struct vx_network_cfg {
    uint32_t vni;
    uint32_t subnet;            /* host order, host bits clear */
    uint8_t prefix;
    uint32_t gateway;           /* 0: none */
    uint8_t n_dns;
    uint32_t dns[VX_MAX_DNS];
    char domain[VX_DOMAIN_MAX];
    uint16_t mtu;
    uint32_t lease_time;
    int line;
};

struct vx_router_cfg {
    uint8_t mac[6];
    uint8_t n_networks;
    uint32_t networks[VX_MAX_ROUTER_NETS];  /* sorted VNIs */
    int line;
};

struct vx_host_cfg {
    uint8_t mac[6];
    uint32_t vni;
    uint64_t dpid;
    uint32_t port_no;           /* 0: identified by 'port_name' */
    char port_name[VX_PORT_NAME_MAX + 1];
    uint32_t ip;
    int line;
};

struct vx_daemon_cfg {
    char listen[128];           /* "tcp:IP:PORT" */
    int workers;                /* 0: one per core */
    enum vlog_level log_level;
    unsigned int echo_interval_ms;
    char state_dir[256];        /* counters and flow dumps (SIGUSR2) */
    unsigned int pktin_rate;    /* packet-ins per second per port */
    unsigned int pktin_burst;
    unsigned int max_flow_batch;   /* FLOW_MODs per barrier */
    char api_listen[128];       /* "tcp:IP:PORT"; empty: no API */
    char api_token[128];        /* bearer token; empty: none */
    char api_store[256];        /* SQLite file of API changes; empty: none */
};

struct vx_config {
    struct vx_daemon_cfg daemon;
    size_t n_bridges, n_networks, n_routers, n_hosts;
    struct vx_bridge_cfg *bridges;
    struct vx_network_cfg *networks;
    struct vx_router_cfg *routers;
    struct vx_host_cfg *hosts;
};

/* A list of error messages, each "FILE:LINE: OBJECT: what is wrong". */
struct vx_errors {
    size_t n;
    size_t cap;
    char **msgs;
};
void vx_errors_add(struct vx_errors *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vx_errors_clear(struct vx_errors *);

/* Defaults for every daemon setting; no objects. */
void vxconf_init(struct vx_config *);
void vxconf_free(struct vx_config *);

/* Reads and validates 'file'.  On success returns true and fills 'cfg'
 * (which the caller frees).  On failure returns false, leaves 'cfg' empty
 * and appends every error found to 'errs'. */
bool vxconf_load(const char *file, struct vx_config *cfg, struct vx_errors *errs);

/* Validates a config assembled by other means (the API), naming 'source'
 * in messages.  Returns true if it has no error; appends errors otherwise. */
bool vxconf_validate(const struct vx_config *, const char *source, struct vx_errors *);

/* Sorts the object arrays by key (dpid, vni, router MAC, (vni, MAC)), as
 * vxconf_load() leaves them; the model's diff relies on that order. */
void vxconf_sort(struct vx_config *);

int vxconf_bridge_cmp(const void *, const void *);
int vxconf_network_cmp(const void *, const void *);
int vxconf_router_cmp(const void *, const void *);
int vxconf_host_cmp(const void *, const void *);

/* Finds objects in a sorted config (binary search), or NULL. */
const struct vx_bridge_cfg *vxconf_find_bridge(const struct vx_config *, uint64_t dpid);
const struct vx_network_cfg *vxconf_find_network(const struct vx_config *, uint32_t vni);
/* Index of the first host not ordered before 'key' (by network, MAC) in a
 * sorted config: where 'key' is, or would be inserted. */
size_t vxconf_host_index(const struct vx_config *, const struct vx_host_cfg *key);
/* Sorts a router's networks, the order vxconf_load() leaves them in. */
void vxconf_router_sort(struct vx_router_cfg *);

/* Whether host 'h' is attached to the port numbered 'port_no', named
 * 'port_name' (NULL if unknown): a host configured by number matches by
 * number, one configured by name matches by name. */
static inline bool vxconf_host_on_port(const struct vx_host_cfg *h, uint32_t port_no,
                                       const char *port_name)
{
    return h->port_no ? h->port_no == port_no
                      : port_name && !strcmp(h->port_name, port_name);
}

#endif
