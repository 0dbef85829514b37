#include "model/vxconf.h"

#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/edit.h"

void vx_errors_add(struct vx_errors *e, const char *fmt, ...)
{
    char msg[512];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->msgs = xrealloc(e->msgs, e->cap * sizeof *e->msgs);
    }
    e->msgs[e->n++] = xstrdup(msg);
}

void vx_errors_clear(struct vx_errors *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->msgs[i]);
    }
    free(e->msgs);
    memset(e, 0, sizeof *e);
}

void vxconf_init(struct vx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

void vxconf_free(struct vx_config *cfg)
{
    free(cfg->bridges);
    free(cfg->networks);
    free(cfg->routers);
    free(cfg->hosts);
    vxconf_init(cfg);
}

bool vxconf_get_string(const config_setting_t *s, const char *key, const char **v)
{
    const config_setting_t *m = config_setting_get_member(s, key);
    if (!m || config_setting_type(m) != CONFIG_TYPE_STRING) {
        return false;
    }
    *v = config_setting_get_string(m);
    return true;
}

int vxconf_get_int(struct vxconf_reader *ctx, const config_setting_t *s,
                     const char *what, const char *key, long long *v)
{
    const config_setting_t *m = config_setting_get_member(s, key);
    if (!m) {
        return 0;
    }
    int t = config_setting_type(m);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        vx_errors_add(ctx->errs, "%s:%d: %s: '%s' must be an integer",
                      ctx->file, config_setting_source_line(m), what, key);
        return -1;
    }
    *v = config_setting_get_int64(m);
    return 1;
}

static bool in_list__(const char *name, const char *const *list)
{
    for (const char *const *k = list; *k; k++) {
        if (!strcmp(name, *k)) {
            return true;
        }
    }
    return false;
}

/* Rejects members not in 'known' (a NULL-terminated list): a typo must not
 * silently drop a setting. */
static void check_keys__(struct vxconf_reader *ctx, const config_setting_t *s,
                         const char *what, const char *const *known)
{
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned int)i);
        const char *name = config_setting_name(m);
        if (!name || !in_list__(name, known)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: unknown key '%s'", ctx->file,
                          config_setting_source_line(m), what, name ? name : "?");
        }
    }
}

bool vxconf_get_ranged(struct vxconf_reader *ctx, const config_setting_t *s,
                       const char *key, long long lo, long long hi, long long *v)
{
    long long x;

    if (vxconf_get_int(ctx, s, "top level", key, &x) <= 0) {
        return false;
    }
    if (x < lo || x > hi) {
        vx_errors_add(ctx->errs, "%s:%d: %s: %lld is outside %lld..%lld", ctx->file,
                      config_setting_source_line(config_setting_get_member(s, key)), key, x, lo, hi);
        return false;
    }
    *v = x;
    return true;
}

static bool parse_dpid__(const char *s, uint64_t *dpid)
{
    char *end;
    if (!s[0] || s[0] == '-' || s[0] == '+') {
        return false;
    }
    *dpid = strtoull(s, &end, 16);
    return !*end && *dpid;      /* the whole string, and never 0 */
}

/* Each element parser fills one object from group 's' (named 'what' in
 * messages, which it may rename once it knows the object's key).  It
 * returns false, with errors added, if the object is unusable; the caller
 * then drops it, so a half-parsed object never reaches validation. */

static bool parse_bridge__(struct vxconf_reader *ctx, const config_setting_t *s, char *what,
                           struct vx_config *cfg, void *obj)
{
    struct vx_bridge_cfg *b = obj;
    const char *v;

    if (!vxconf_get_string(s, "dpid", &v) || !parse_dpid__(v, &b->dpid)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'dpid' must be a non-zero hex string such as \"0x32d1f6ddc94f\"",
                      ctx->file, ctx->line, what);
        return false;
    }
    snprintf(what, 64, "bridge %#"PRIx64, b->dpid);
    if (!vxconf_get_string(s, "endpoint", &v) || !ip_from_str(v, &b->tun_ip)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'endpoint' must be an IPv4 address",
                      ctx->file, ctx->line, what);
        return false;
    }
    if (vxconf_get_string(s, "name", &v)) {
        snprintf(b->name, sizeof b->name, "%s", v);
    } else {
        snprintf(b->name, sizeof b->name, "%#"PRIx64, b->dpid);
    }
    if (!vxconf_get_string(s, "tunnel_port", &v)) {
        v = "vtun1";
    }
    if (!v[0] || strlen(v) > VX_PORT_NAME_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'tunnel_port' must be 1 to 16 characters",
                      ctx->file, ctx->line, what);
        return false;
    }
    snprintf(b->tun_port, sizeof b->tun_port, "%s", v);
    return true;
}

/* A network's "dns": one address or a list of up to VX_MAX_DNS. */
static bool parse_dns__(struct vxconf_reader *ctx, const config_setting_t *s, const char *what,
                        struct vx_network_cfg *net)
{
    const config_setting_t *dns = config_setting_get_member(s, "dns");
    bool ok = true;

    if (!dns) {
        return true;
    }
    bool is_list = config_setting_is_array(dns) || config_setting_is_list(dns);
    int nd = is_list ? config_setting_length(dns) : 1;
    if (nd > VX_MAX_DNS) {
        vx_errors_add(ctx->errs, "%s:%d: %s: at most %d DNS servers",
                      ctx->file, net->line, what, VX_MAX_DNS);
        return false;
    }
    for (int k = 0; k < nd; k++) {
        const config_setting_t *e = is_list ? config_setting_get_elem(dns, (unsigned int)k) : dns;
        const char *ds = config_setting_type(e) == CONFIG_TYPE_STRING
                         ? config_setting_get_string(e) : NULL;
        if (!ds || !ip_from_str(ds, &net->dns[net->n_dns])) {
            vx_errors_add(ctx->errs, "%s:%d: %s: malformed DNS server IP '%s'",
                          ctx->file, net->line, what, ds ? ds : "?");
            ok = false;
        } else {
            net->n_dns++;
        }
    }
    return ok;
}

bool vxconf_range_from_str(const char *s, uint32_t *lo, uint32_t *hi)
{
    char a[IP_ADDR_STRLEN];
    const char *dash = strchr(s, '-');

    if (!dash || (size_t)(dash - s) >= sizeof a) {
        return false;
    }
    memcpy(a, s, (size_t)(dash - s));
    a[dash - s] = '\0';
    return ip_from_str(a, lo) && ip_from_str(dash + 1, hi) && *lo && *lo <= *hi;
}

/* A network's optional settings: domain, mtu, lease_time. */
const char *vxconf_arp_responder_name(enum vx_arp_responder a)
{
    return a == VX_ARP_DATAPATH ? "datapath" : "controller";
}

bool vxconf_arp_responder_from_string(const char *s, enum vx_arp_responder *a)
{
    if (!strcmp(s, "controller") || !strcmp(s, "datapath")) {
        *a = !strcmp(s, "datapath") ? VX_ARP_DATAPATH : VX_ARP_CONTROLLER;
        return true;
    }
    return false;
}

/* Reads "arp_responder" of 's' into '*a' if present.  Returns false, with
 * an error, if it is not "controller" or "datapath". */
static bool parse_arp_responder__(struct vxconf_reader *ctx, const config_setting_t *s,
                                  const char *what, uint8_t *a)
{
    const char *v;
    enum vx_arp_responder e;

    if (!vxconf_get_string(s, "arp_responder", &v)) {
        return true;
    }
    if (!vxconf_arp_responder_from_string(v, &e)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: arp_responder '%s' is not controller or datapath",
                      ctx->file, config_setting_source_line(config_setting_get_member(s, "arp_responder")),
                      what, v);
        return false;
    }
    *a = (uint8_t)e;
    return true;
}

static bool parse_network_options__(struct vxconf_reader *ctx, const config_setting_t *s,
                                    const char *what, struct vx_network_cfg *net)
{
    const char *v;
    long long mtu = VX_MTU_DEFAULT, lease = VX_LEASE_DEFAULT;
    bool ok = true;

    if (vxconf_get_string(s, "domain", &v)) {
        if (strlen(v) >= sizeof net->domain) {
            vx_errors_add(ctx->errs, "%s:%d: %s: domain longer than %zu characters",
                          ctx->file, net->line, what, sizeof net->domain - 1);
            ok = false;
        } else {
            snprintf(net->domain, sizeof net->domain, "%s", v);
        }
    }
    if (vxconf_get_int(ctx, s, what, "mtu", &mtu) < 0 || mtu < VX_MTU_MIN || mtu > VX_MTU_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: mtu must be %d..%d", ctx->file, net->line, what,
                      VX_MTU_MIN, VX_MTU_MAX);
        ok = false;
    }
    if (vxconf_get_int(ctx, s, what, "lease_time", &lease) < 0
        || lease < VX_LEASE_MIN || lease > VX_LEASE_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: lease_time must be %d..%d seconds",
                      ctx->file, net->line, what, VX_LEASE_MIN, VX_LEASE_MAX);
        ok = false;
    }
    const config_setting_t *snat = config_setting_get_member(s, "snat");
    if (snat && config_setting_type(snat) != CONFIG_TYPE_BOOL) {
        vx_errors_add(ctx->errs, "%s:%d: %s: snat must be true or false", ctx->file, net->line, what);
        ok = false;
    }
    net->no_snat = snat && !config_setting_get_bool(snat);
    net->mtu = (uint16_t)mtu;
    net->lease_time = (uint32_t)lease;
    if (vxconf_get_string(s, "reserved", &v)
        && !vxconf_range_from_str(v, &net->reserved_lo, &net->reserved_hi)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: reserved '%s' is not a range such as \"10.0.0.200-10.0.0.249\"",
                      ctx->file, net->line, what, v);
        ok = false;
    }
    return parse_arp_responder__(ctx, s, what, &net->arp_responder) && ok;
}

static bool parse_network__(struct vxconf_reader *ctx, const config_setting_t *s, char *what,
                            struct vx_config *cfg, void *obj)
{
    struct vx_network_cfg *net = obj;
    const char *v;
    long long id;
    unsigned int prefix;
    bool ok = true;

    if (vxconf_get_int(ctx, s, what, "id", &id) != 1) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'id' (the VNI) is required", ctx->file, ctx->line, what);
        return false;
    }
    snprintf(what, 64, "network %lld", id);
    if (id < 1 || id > VX_VNI_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: VNI %lld is outside 1..16777215",
                      ctx->file, ctx->line, what, id);
        return false;
    }
    net->vni = (uint32_t)id;
    if (!vxconf_get_string(s, "subnet", &v) || !cidr_from_str(v, &net->subnet, &prefix)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'subnet' must be a CIDR such as \"10.0.0.0/24\"",
                      ctx->file, ctx->line, what);
        return false;
    }
    net->prefix = (uint8_t)prefix;
    if (net->subnet & ~prefix_to_mask(prefix)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: subnet '%s' has host bits set",
                      ctx->file, ctx->line, what, v);
        ok = false;
    }
    if (vxconf_get_string(s, "gateway", &v) && !ip_from_str(v, &net->gateway)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: malformed gateway IP '%s'",
                      ctx->file, ctx->line, what, v);
        ok = false;
    }
    ok &= parse_dns__(ctx, s, what, net);
    ok &= parse_network_options__(ctx, s, what, net);
    return ok;
}

static int u32_cmp__(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
    return a < b ? -1 : a > b;
}

/* A "bridge" member: a dpid ("0x...") or the name of a bridge read before. */
static bool parse_bridge_ref__(struct vxconf_reader *ctx, const char *v, const char *what,
                               const struct vx_config *cfg, uint64_t *dpid)
{
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && parse_dpid__(v, dpid)) {
        return true;
    }
    for (size_t k = 0; k < cfg->n_bridges; k++) {
        if (!strcmp(cfg->bridges[k].name, v)) {
            *dpid = cfg->bridges[k].dpid;
            return true;
        }
    }
    vx_errors_add(ctx->errs, "%s:%d: %s: unknown bridge '%s'", ctx->file, ctx->line, what, v);
    return false;
}

/* A router's "gateway" group: bridge, uplink_port, external_ip (CIDR),
 * next_hop.  The address rules are edit_validate()'s. */
static bool parse_gateway__(struct vxconf_reader *ctx, const config_setting_t *g,
                            const char *what, const struct vx_config *cfg,
                            struct vx_gateway_cfg *gw)
{
    const char *bridge, *uplink, *ext, *nh;
    unsigned int prefix;

    if (!config_setting_is_group(g) || !vxconf_get_string(g, "bridge", &bridge)
        || !vxconf_get_string(g, "uplink_port", &uplink) || !vxconf_get_string(g, "external_ip", &ext)
        || !vxconf_get_string(g, "next_hop", &nh)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'gateway' must be a group of bridge, uplink_port, "
                      "external_ip and next_hop", ctx->file, ctx->line, what);
        return false;
    }
    if (!uplink[0] || strlen(uplink) > VX_PORT_NAME_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: uplink_port must be a port name of 1 to 16 characters",
                      ctx->file, ctx->line, what);
        return false;
    }
    snprintf(gw->uplink, sizeof gw->uplink, "%s", uplink);
    if (!cidr_from_str(ext, &gw->external_ip, &prefix) || !prefix || prefix > 30) {
        vx_errors_add(ctx->errs, "%s:%d: %s: external_ip must be an address with its uplink's "
                      "prefix, such as \"203.0.113.10/24\"", ctx->file, ctx->line, what);
        return false;
    }
    gw->prefix = (uint8_t)prefix;
    if (!ip_from_str(nh, &gw->next_hop)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: malformed next_hop '%s'", ctx->file, ctx->line, what, nh);
        return false;
    }
    return parse_bridge_ref__(ctx, bridge, what, cfg, &gw->dpid);
}

static int floating_cmp__(const void *a_, const void *b_)
{
    const struct vx_floating_ip *a = a_, *b = b_;
    return a->ip < b->ip ? -1 : a->ip > b->ip;
}

void vxconf_router_sort_floating(struct vx_router_cfg *r)
{
    qsort(r->floating, r->n_floating, sizeof *r->floating, floating_cmp__);
}

/* A router's "floating_ips": a list of { ip, host (MAC) }. */
static bool parse_floating__(struct vxconf_reader *ctx, const config_setting_t *l,
                             const char *what, struct vx_router_cfg *r)
{
    int n = config_setting_length(l);

    if (!config_setting_is_list(l) || n > VX_MAX_FLOATING_IPS) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'floating_ips' must be a list of at most %d "
                      "{ ip, host }", ctx->file, ctx->line, what, VX_MAX_FLOATING_IPS);
        return false;
    }
    for (int k = 0; k < n; k++) {
        const config_setting_t *e = config_setting_get_elem(l, (unsigned int)k);
        struct vx_floating_ip *f = &r->floating[r->n_floating];
        const char *ip, *host;
        if (!config_setting_is_group(e) || !vxconf_get_string(e, "ip", &ip)
            || !vxconf_get_string(e, "host", &host) || !ip_from_str(ip, &f->ip)
            || !eth_addr_from_str(host, f->host)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: a floating IP is { ip = \"203.0.113.20\"; "
                          "host = \"<the host's MAC>\"; }", ctx->file, ctx->line, what);
            return false;
        }
        r->n_floating++;
    }
    vxconf_router_sort_floating(r);
    return true;
}

static bool parse_router__(struct vxconf_reader *ctx, const config_setting_t *s, char *what,
                           struct vx_config *cfg, void *obj)
{
    struct vx_router_cfg *r = obj;
    const char *v;
    bool ok = true;

    if (!vxconf_get_string(s, "mac", &v) || !eth_addr_from_str(v, r->mac)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'mac' must be a MAC such as \"00:bb:cc:dd:ee:00\"",
                      ctx->file, ctx->line, what);
        return false;
    }
    snprintf(what, 64, "router %s", v);
    if (r->mac[0] & 1) {
        vx_errors_add(ctx->errs, "%s:%d: %s: MAC is multicast", ctx->file, ctx->line, what);
        ok = false;
    }
    const config_setting_t *nets = config_setting_get_member(s, "networks");
    if (!nets || !(config_setting_is_array(nets) || config_setting_is_list(nets))) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'networks' must be a list of network ids",
                      ctx->file, ctx->line, what);
        return false;
    }
    int nn = config_setting_length(nets);
    if (nn > VX_MAX_ROUTER_NETS) {
        vx_errors_add(ctx->errs, "%s:%d: %s: at most %d networks", ctx->file, ctx->line, what,
                      VX_MAX_ROUTER_NETS);
        return false;
    }
    for (int k = 0; k < nn; k++) {
        const config_setting_t *e = config_setting_get_elem(nets, (unsigned int)k);
        int t = config_setting_type(e);
        long long id = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64
                       ? config_setting_get_int64(e) : -1;
        if (id < 1 || id > VX_VNI_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: network id must be 1..16777215",
                          ctx->file, ctx->line, what);
            ok = false;
            continue;
        }
        r->networks[r->n_networks++] = (uint32_t)id;
    }
    vxconf_router_sort(r);
    const config_setting_t *gw = config_setting_get_member(s, "gateway");
    const config_setting_t *fl = config_setting_get_member(s, "floating_ips");
    ok &= !gw || parse_gateway__(ctx, gw, what, cfg, &r->gateway);
    ok &= !fl || parse_floating__(ctx, fl, what, r);
    return ok;
}

/* A host's "port": an OpenFlow port number or an interface name. */
static bool parse_host_port__(struct vxconf_reader *ctx, const config_setting_t *s,
                              const char *what, struct vx_host_cfg *h)
{
    const config_setting_t *port = config_setting_get_member(s, "port");
    const config_setting_t *iface = config_setting_get_member(s, "iface");
    if (port && iface) {
        vx_errors_add(ctx->errs, "%s:%d: %s: give 'port' or 'iface', not both",
                      ctx->file, h->line, what);
        return false;
    }
    if (iface && config_setting_type(iface) != CONFIG_TYPE_STRING) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'iface' must be an interface name",
                      ctx->file, h->line, what);
        return false;
    }
    port = port ? port : iface;         /* iface = "vnet7": bound by name (#17) */
    int pt = port ? config_setting_type(port) : CONFIG_TYPE_NONE;

    if (pt == CONFIG_TYPE_INT || pt == CONFIG_TYPE_INT64) {
        long long p = config_setting_get_int64(port);
        if (p < 1 || p > VX_PORT_NO_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: port number must be 1..65279",
                          ctx->file, h->line, what);
            return false;
        }
        h->port_no = (uint32_t)p;
    } else if (pt == CONFIG_TYPE_STRING) {
        const char *pn = config_setting_get_string(port);
        if (!pn[0] || strlen(pn) > VX_PORT_NAME_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: port name must be 1 to 16 characters",
                          ctx->file, h->line, what);
            return false;
        }
        snprintf(h->port_name, sizeof h->port_name, "%s", pn);
    } else {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'port' (number or interface name) is required",
                      ctx->file, h->line, what);
        return false;
    }
    return true;
}

static bool parse_host__(struct vxconf_reader *ctx, const config_setting_t *s, char *what,
                         struct vx_config *cfg, void *obj)
{
    struct vx_host_cfg *h = obj;
    const char *v;
    long long id;

    if (!vxconf_get_string(s, "mac", &v) || !eth_addr_from_str(v, h->mac)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: malformed or missing 'mac'", ctx->file, ctx->line, what);
        return false;
    }
    snprintf(what, 64, "host %s", v);
    if (h->mac[0] & 1) {
        vx_errors_add(ctx->errs, "%s:%d: %s: MAC is multicast", ctx->file, ctx->line, what);
        return false;
    }
    if (vxconf_get_int(ctx, s, what, "network", &id) != 1 || id < 1 || id > VX_VNI_MAX) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'network' must be a network id 1..16777215",
                      ctx->file, ctx->line, what);
        return false;
    }
    h->vni = (uint32_t)id;
    if (!vxconf_get_string(s, "ip", &v) || !ip_from_str(v, &h->ip)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: malformed or missing 'ip'", ctx->file, ctx->line, what);
        return false;
    }
    if (!vxconf_get_string(s, "bridge", &v)) {
        vx_errors_add(ctx->errs, "%s:%d: %s: 'bridge' (dpid or name) is required",
                      ctx->file, ctx->line, what);
        return false;
    }
    return parse_bridge_ref__(ctx, v, what, cfg, &h->dpid) && parse_host_port__(ctx, s, what, h);
}

/* How each object list of the file is read. */
struct list_desc {
    const char *name;                   /* top-level key: "bridges"... */
    const char *singular;               /* in messages: "bridge" */
    const char *const *keys;            /* allowed members, NULL-terminated */
    bool (*parse)(struct vxconf_reader *, const config_setting_t *, char *what,
                  struct vx_config *, void *obj);
    size_t size;
    size_t line_ofs;                    /* of 'line' in the object */
    size_t array_ofs, n_ofs;            /* in struct vx_config */
};

static const char *const bridge_keys[] = { "dpid", "endpoint", "name", "tunnel_port", NULL };
static const char *const network_keys[] = {
    "id", "subnet", "gateway", "dns", "domain", "mtu", "lease_time", "arp_responder", "reserved",
    "snat", NULL
};
static const char *const router_keys[] = { "mac", "networks", "gateway", "floating_ips", NULL };
static const char *const host_keys[] = { "mac", "network", "bridge", "port", "iface", "ip", "name",
                                         NULL };

#define LIST(NAME, SING, KEYS, PARSE, TYPE, FIELD) \
    { NAME, SING, KEYS, PARSE, sizeof(TYPE), offsetof(TYPE, line), offsetof(struct vx_config, FIELD), \
      offsetof(struct vx_config, n_##FIELD) }

/* In this order: a host may name a bridge read before it. */
static const struct list_desc lists[] = {
    LIST("bridges", "bridge", bridge_keys, parse_bridge__, struct vx_bridge_cfg, bridges),
    LIST("networks", "network", network_keys, parse_network__, struct vx_network_cfg, networks),
    LIST("routers", "router", router_keys, parse_router__, struct vx_router_cfg, routers),
    LIST("hosts", "host", host_keys, parse_host__, struct vx_host_cfg, hosts),
};

/* Reads every element of 'list' into a zeroed slot, and keeps it only if
 * its parser accepted it (a rejected element leaves nothing behind). */
static void parse_list__(struct vxconf_reader *ctx, const struct list_desc *d,
                         const config_setting_t *list, struct vx_config *cfg)
{
    unsigned int n = (unsigned int)config_setting_length(list);
    char *array = xcalloc(n + 1, d->size);
    size_t *count = (size_t *)((char *)cfg + d->n_ofs);

    *(void **)((char *)cfg + d->array_ofs) = array;
    for (unsigned int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, i);
        void *slot = array + *count * d->size;
        int line = config_setting_source_line(s);
        char what[64];

        snprintf(what, sizeof what, "%s #%u", d->singular, i + 1);
        if (!config_setting_is_group(s)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: must be a group { ... }", ctx->file, line, what);
            continue;
        }
        check_keys__(ctx, s, what, d->keys);
        memset(slot, 0, d->size);       /* nothing of a rejected element stays */
        *(int *)((char *)slot + d->line_ofs) = line;
        ctx->line = line;
        if (d->parse(ctx, s, what, cfg, slot)) {
            (*count)++;
        }
    }
}

int vxconf_bridge_cmp(const void *a_, const void *b_)
{
    const struct vx_bridge_cfg *a = a_, *b = b_;
    return a->dpid < b->dpid ? -1 : a->dpid > b->dpid;
}

int vxconf_network_cmp(const void *a_, const void *b_)
{
    const struct vx_network_cfg *a = a_, *b = b_;
    return a->vni < b->vni ? -1 : a->vni > b->vni;
}

int vxconf_router_cmp(const void *a_, const void *b_)
{
    const struct vx_router_cfg *a = a_, *b = b_;
    return memcmp(a->mac, b->mac, 6);
}

int vxconf_host_cmp(const void *a_, const void *b_)
{
    const struct vx_host_cfg *a = a_, *b = b_;
    if (a->vni != b->vni) {
        return a->vni < b->vni ? -1 : 1;
    }
    return memcmp(a->mac, b->mac, 6);
}

void vxconf_sort(struct vx_config *cfg)
{
    vx_sort(cfg->bridges, cfg->n_bridges, sizeof *cfg->bridges, vxconf_bridge_cmp);
    vx_sort(cfg->networks, cfg->n_networks, sizeof *cfg->networks, vxconf_network_cmp);
    vx_sort(cfg->routers, cfg->n_routers, sizeof *cfg->routers, vxconf_router_cmp);
    vx_sort(cfg->hosts, cfg->n_hosts, sizeof *cfg->hosts, vxconf_host_cmp);
}

const struct vx_bridge_cfg *vxconf_find_bridge(const struct vx_config *cfg, uint64_t dpid)
{
    struct vx_bridge_cfg key = { .dpid = dpid };
    return vx_bsearch(&key, cfg->bridges, cfg->n_bridges, sizeof key, vxconf_bridge_cmp);
}

size_t vxconf_host_index(const struct vx_config *cfg, const struct vx_host_cfg *key)
{
    size_t lo = 0, hi = cfg->n_hosts;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (vxconf_host_cmp(&cfg->hosts[mid], key) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
}

void vxconf_router_sort(struct vx_router_cfg *r)
{
    vx_sort(r->networks, r->n_networks, sizeof r->networks[0], u32_cmp__);
}

const struct vx_network_cfg *vxconf_find_network(const struct vx_config *cfg, uint32_t vni)
{
    struct vx_network_cfg key = { .vni = vni };
    return vx_bsearch(&key, cfg->networks, cfg->n_networks, sizeof key, vxconf_network_cmp);
}

/* Checks the top level: the object lists, plus the extra keys if any. */
static void check_root__(struct vxconf_reader *ctx, const config_setting_t *root,
                         const struct vxconf_extra *extra)
{
    static const char *const object_keys[] = {
        "bridges", "networks", "routers", "hosts", "arp_responder", NULL
    };
    int n = config_setting_length(root);

    for (int i = 0; extra && i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(root, (unsigned int)i);
        const char *name = config_setting_name(m);
        if (!name || !(in_list__(name, object_keys) || in_list__(name, extra->keys))) {
            vx_errors_add(ctx->errs, "%s:%d: top level: unknown key '%s'", ctx->file,
                          config_setting_source_line(m), name ? name : "?");
        }
    }
}

static bool read_file__(const char *file, config_t *lc, struct vx_errors *errs)
{
    config_init(lc);
    if (config_read_file(lc, file)) {
        return true;
    }
    if (config_error_type(lc) == CONFIG_ERR_FILE_IO) {
        vx_errors_add(errs, "%s: cannot read the file", file);
    } else {
        vx_errors_add(errs, "%s:%d: syntax error: %s", file,
                      config_error_line(lc), config_error_text(lc));
    }
    config_destroy(lc);
    return false;
}

bool vxconf_load(const char *file, struct vx_config *cfg, struct vx_errors *errs,
                 const struct vxconf_extra *extra)
{
    struct vxconf_reader ctx = { file, errs, 0 };
    size_t n_before = errs->n;
    config_t lc;

    vxconf_init(cfg);
    if (!read_file__(file, &lc, errs)) {
        return false;
    }
    check_root__(&ctx, config_root_setting(&lc), extra);
    parse_arp_responder__(&ctx, config_root_setting(&lc), "top level", &cfg->arp_responder);
    if (extra) {
        extra->parse(&ctx, config_root_setting(&lc), extra->aux);
    }
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        const config_setting_t *l = config_lookup(&lc, lists[i].name);
        if (!l) {
            continue;
        }
        if (!config_setting_is_list(l)) {
            vx_errors_add(errs, "%s:%d: '%s' must be a list ( {...}, {...} )", file,
                          config_setting_source_line(l), lists[i].name);
            continue;
        }
        parse_list__(&ctx, &lists[i], l, cfg);
    }
    config_destroy(&lc);

    /* Validate what did parse even after parse errors, so the operator
     * sees every problem in one pass. */
    edit_validate(cfg, file, errs);
    if (errs->n != n_before) {
        vxconf_free(cfg);
        return false;
    }
    vxconf_sort(cfg);
    return true;
}
