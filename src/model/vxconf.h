/* The fabric's objects (bridges, networks, routers, hosts) as plain values,
 * and their reading from the configuration file with libconfig.
 * docs/config.md lists every key.  The file's other top-level keys (the
 * daemon's settings) belong to the daemon layer, which hands its parser in
 * as a struct vxconf_extra.
 *
 * A struct vx_config is a plain value owned by its creator; nothing here is
 * shared between threads.  Loading never half-succeeds: vxconf_load()
 * returns either a fully valid config or the complete list of errors.  The
 * rules an object must satisfy are in model/edit.h, shared with the API. */
#ifndef VX_VXCONF_H
#define VX_VXCONF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>


#define VX_NAME_MAX 32
#define VX_PORT_NAME_MAX 16     /* OFP_MAX_PORT_NAME_LEN */
#define VX_MAX_DNS 4
#define VX_MAX_ROUTER_NETS 64
#define VX_DOMAIN_MAX 64
#define VX_VNI_MAX 0xffffffu    /* VXLAN carries 24 bits (RFC 7348 5) */

/* Field ranges, the same for the file and the API. */
#define VX_PORT_NO_MAX 0xfeffu  /* OFPP_MAX (OF1.3.5 7.2.1) */
#define VX_MTU_MIN 576          /* RFC 791: every host accepts 576 */
#define VX_MTU_MAX 9000
#define VX_MTU_DEFAULT 1450     /* 1500 less VXLAN's 50 bytes (RFC 7348 4.3) */
#define VX_LEASE_MIN 60
#define VX_LEASE_MAX 0x7fffffff
#define VX_LEASE_DEFAULT 86400

struct vx_bridge_cfg {
    uint64_t dpid;
    uint32_t tun_ip;            /* tunnel endpoint, host order */
    char name[VX_NAME_MAX];
    char tun_port[VX_PORT_NAME_MAX + 1];   /* the flow-based VXLAN port */
    int line;
};

/* Who answers ARP requests for a network's addresses (docs/config.md,
 * arp_responder): the controller by packet-in, or flows in the datapath.
 * A network's VX_ARP_DEFAULT takes the fabric's setting, whose own
 * VX_ARP_DEFAULT means the controller. */
enum vx_arp_responder { VX_ARP_DEFAULT, VX_ARP_CONTROLLER, VX_ARP_DATAPATH };
/* "controller"/"datapath" <-> the enum; the parser refuses anything else. */
const char *vxconf_arp_responder_name(enum vx_arp_responder);
bool vxconf_arp_responder_from_string(const char *, enum vx_arp_responder *);
/* An address range "A-B" (A <= B), as a network's 'reserved'. */
bool vxconf_range_from_str(const char *, uint32_t *lo, uint32_t *hi);

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
    uint8_t arp_responder;      /* enum vx_arp_responder */
    uint32_t reserved_lo, reserved_hi;  /* never allocated (#17); 0: none */
    bool no_snat;               /* "snat = false": outside only by a floating IP */
    int line;
};

/* A router's external gateway (#16, docs/gateway.md): on bridge 'dpid',
 * out of the port named 'uplink', as 'external_ip'/'prefix' towards
 * 'next_hop'.  Absent when 'dpid' is 0. */
struct vx_gateway_cfg {
    uint64_t dpid;
    char uplink[VX_PORT_NAME_MAX + 1];
    uint32_t external_ip;       /* host order */
    uint8_t prefix;
    uint32_t next_hop;
};

/* A floating IP: external address 'ip' stands for the host with MAC 'host'
 * on one of the router's networks, both ways. */
struct vx_floating_ip {
    uint32_t ip;                /* host order */
    uint8_t host[6];
};
#define VX_MAX_FLOATING_IPS 64

struct vx_router_cfg {
    uint8_t mac[6];
    uint8_t n_networks;
    uint32_t networks[VX_MAX_ROUTER_NETS];  /* sorted VNIs */
    struct vx_gateway_cfg gateway;
    uint8_t n_floating;
    struct vx_floating_ip floating[VX_MAX_FLOATING_IPS];    /* sorted by ip */
    int line;
};

/* The conntrack zone of a router's NAT: the low 16 bits of its MAC,
 * unique among routers with a gateway (edit_validate checks). */
static inline uint16_t vxconf_router_zone(const struct vx_router_cfg *r)
{
    return (uint16_t)(r->mac[4] << 8 | r->mac[5]);
}

struct vx_host_cfg {
    uint8_t mac[6];
    uint32_t vni;
    uint64_t dpid;
    uint32_t port_no;           /* 0: identified by 'port_name' */
    char port_name[VX_PORT_NAME_MAX + 1];
    uint32_t ip;
    int line;
};

struct vx_config {
    uint8_t arp_responder;      /* the fabric's default: enum vx_arp_responder */
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

/* An empty config (no objects). */
void vxconf_init(struct vx_config *);
/* Frees the arrays of 'cfg' (which the caller owns) and empties it. */
void vxconf_free(struct vx_config *);

/* --- reading the file (libconfig) --- */

struct config_setting_t;

/* Where a parser reports: the file name for messages and the error list. */
struct vxconf_reader {
    const char *file;
    struct vx_errors *errs;
    int line;                   /* of the list element being parsed */
};

/* Reads string member 'key' of 's' into '*v' (owned by libconfig, valid
 * until the file is closed).  Returns false if absent or not a string. */
bool vxconf_get_string(const struct config_setting_t *s, const char *key, const char **v);
/* Reads integer member 'key' of 's' (named 'what' in messages).  Returns
 * 0 if absent, 1 if read, -1 (error added) if present but not an integer. */
int vxconf_get_int(struct vxconf_reader *, const struct config_setting_t *s,
                   const char *what, const char *key, long long *v);
/* Reads an integer member in [lo, hi] into '*v'; adds an error naming the
 * range if it is out of it.  Returns true if '*v' was set. */
bool vxconf_get_ranged(struct vxconf_reader *, const struct config_setting_t *s,
                       const char *key, long long lo, long long hi, long long *v);

/* The file's top-level keys that the model does not own, and their parser:
 * the daemon's settings.  'parse' is called once with the root group. */
struct vxconf_extra {
    const char *const *keys;            /* NULL-terminated */
    void (*parse)(struct vxconf_reader *, const struct config_setting_t *root, void *aux);
    void *aux;
};

/* Reads and validates 'file'.  With 'extra', every top-level key must be an
 * object list or one of extra->keys; without it, other top-level keys are
 * ignored (tools that read only the objects).  On success returns true and
 * fills 'cfg' (which the caller frees).  On failure returns false, leaves
 * 'cfg' empty and appends every error found to 'errs'.  Main thread or a
 * tool's; no shared state. */
bool vxconf_load(const char *file, struct vx_config *cfg, struct vx_errors *errs,
                 const struct vxconf_extra *extra);

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
/* Sorts a router's networks, and its floating IPs, the orders
 * vxconf_load() leaves them in. */
void vxconf_router_sort(struct vx_router_cfg *);
void vxconf_router_sort_floating(struct vx_router_cfg *);

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
