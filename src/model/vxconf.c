#include "model/vxconf.h"

#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* qsort() and bsearch() with a NULL base are undefined even for zero
 * elements; an empty config has NULL arrays. */
static void sort__(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n) {
        qsort(base, n, size, cmp);
    }
}

static void *find__(const void *key, const void *base, size_t n, size_t size,
                    int (*cmp)(const void *, const void *))
{
    return n ? bsearch(key, base, n, size, cmp) : NULL;
}

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
    snprintf(cfg->daemon.listen, sizeof cfg->daemon.listen, "tcp:127.0.0.1:6653");
    cfg->daemon.workers = 0;
    cfg->daemon.log_level = VLL_INFO;
    cfg->daemon.echo_interval_ms = 5000;
    cfg->daemon.pktin_rate = 2000;
    cfg->daemon.pktin_burst = 500;
    cfg->daemon.max_flow_batch = 4096;
}

void vxconf_free(struct vx_config *cfg)
{
    free(cfg->bridges);
    free(cfg->networks);
    free(cfg->routers);
    free(cfg->hosts);
    vxconf_init(cfg);
}

/* Parse context: the file name for messages and the error list. */
struct parse_ctx {
    const char *file;
    struct vx_errors *errs;
};

static bool get_string__(const config_setting_t *s, const char *key, const char **v)
{
    const config_setting_t *m = config_setting_get_member(s, key);
    if (!m || config_setting_type(m) != CONFIG_TYPE_STRING) {
        return false;
    }
    *v = config_setting_get_string(m);
    return true;
}

/* Reads an integer member 'key' into '*v'.  Returns 0 if absent, 1 if read,
 * -1 (error added) if present but not an integer. */
static int get_int__(struct parse_ctx *ctx, const config_setting_t *s,
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

/* Rejects members not in 'known' (a NULL-terminated list): a typo must not
 * silently drop a setting. */
static void check_keys__(struct parse_ctx *ctx, const config_setting_t *s,
                         const char *what, const char *const *known)
{
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned int)i);
        const char *name = config_setting_name(m);
        bool ok = false;
        for (const char *const *k = known; *k; k++) {
            if (name && !strcmp(name, *k)) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            vx_errors_add(ctx->errs, "%s:%d: %s: unknown key '%s'", ctx->file,
                          config_setting_source_line(m), what, name ? name : "?");
        }
    }
}

static bool parse_dpid__(const char *s, uint64_t *dpid)
{
    char *end;
    if (!s[0] || s[0] == '-' || s[0] == '+') {
        return false;
    }
    unsigned long long v = strtoull(s, &end, 16);
    if (*end || !v) {
        return false;
    }
    *dpid = v;
    return true;
}

static void parse_daemon__(struct parse_ctx *ctx, const config_t *lc, struct vx_daemon_cfg *d)
{
    const config_setting_t *root = config_root_setting(lc);
    const char *s;
    long long v;

    if (get_string__(root, "listen", &s)) {
        snprintf(d->listen, sizeof d->listen, "%s", s);
    }
    if (get_int__(ctx, root, "daemon", "workers", &v) > 0) {
        if (v < 0 || v > 256) {
            vx_errors_add(ctx->errs, "%s: workers: %lld is outside 0..256", ctx->file, v);
        } else {
            d->workers = (int)v;
        }
    }
    if (get_string__(root, "log_level", &s) && !vlog_level_from_string(s, &d->log_level)) {
        vx_errors_add(ctx->errs, "%s: log_level: '%s' is not err, warn, info or dbg",
                      ctx->file, s);
    }
    if (get_int__(ctx, root, "daemon", "echo_interval_ms", &v) > 0) {
        if (v < 100 || v > 600000) {
            vx_errors_add(ctx->errs, "%s: echo_interval_ms: %lld is outside 100..600000",
                          ctx->file, v);
        } else {
            d->echo_interval_ms = (unsigned int)v;
        }
    }
    if (get_string__(root, "state_dir", &s)) {
        snprintf(d->state_dir, sizeof d->state_dir, "%s", s);
    }
    if (get_string__(root, "api_listen", &s)) {
        snprintf(d->api_listen, sizeof d->api_listen, "%s", s);
    }
    if (get_string__(root, "api_store", &s)) {
        snprintf(d->api_store, sizeof d->api_store, "%s", s);
    }
    if (get_string__(root, "api_token", &s)) {
        snprintf(d->api_token, sizeof d->api_token, "%s", s);
    }
    if (get_int__(ctx, root, "daemon", "packet_in_rate", &v) > 0) {
        if (v < 1 || v > 1000000000) {
            vx_errors_add(ctx->errs, "%s: packet_in_rate: %lld is outside 1..1000000000",
                          ctx->file, v);
        } else {
            d->pktin_rate = (unsigned int)v;
        }
    }
    if (get_int__(ctx, root, "daemon", "packet_in_burst", &v) > 0) {
        if (v < 1 || v > 1000000000) {
            vx_errors_add(ctx->errs, "%s: packet_in_burst: %lld is outside 1..1000000000",
                          ctx->file, v);
        } else {
            d->pktin_burst = (unsigned int)v;
        }
    }
    if (get_int__(ctx, root, "daemon", "flow_batch", &v) > 0) {
        if (v < 1 || v > 65536) {
            vx_errors_add(ctx->errs, "%s: flow_batch: %lld is outside 1..65536", ctx->file, v);
        } else {
            d->max_flow_batch = (unsigned int)v;
        }
    }
}

static void parse_bridges__(struct parse_ctx *ctx, const config_setting_t *list,
                            struct vx_config *cfg)
{
    static const char *const keys[] = { "dpid", "endpoint", "name", "tunnel_port", NULL };
    unsigned int n = (unsigned int)config_setting_length(list);

    cfg->bridges = xcalloc(n, sizeof *cfg->bridges);
    for (unsigned int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, i);
        struct vx_bridge_cfg *b = &cfg->bridges[cfg->n_bridges];
        int line = config_setting_source_line(s);
        const char *v;
        char what[64];

        snprintf(what, sizeof what, "bridge #%u", i + 1);
        if (!config_setting_is_group(s)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: must be a group { ... }", ctx->file, line, what);
            continue;
        }
        check_keys__(ctx, s, what, keys);
        b->line = line;
        if (!get_string__(s, "dpid", &v) || !parse_dpid__(v, &b->dpid)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'dpid' must be a non-zero hex string such as \"0x32d1f6ddc94f\"",
                          ctx->file, line, what);
            continue;
        }
        snprintf(what, sizeof what, "bridge %#"PRIx64, b->dpid);
        if (!get_string__(s, "endpoint", &v) || !ip_from_str(v, &b->tun_ip)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'endpoint' must be an IPv4 address",
                          ctx->file, line, what);
            continue;
        }
        if (get_string__(s, "name", &v)) {
            snprintf(b->name, sizeof b->name, "%s", v);
        } else {
            snprintf(b->name, sizeof b->name, "%#"PRIx64, b->dpid);
        }
        if (!get_string__(s, "tunnel_port", &v)) {
            v = "vtun1";
        }
        if (!v[0] || strlen(v) > VX_PORT_NAME_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'tunnel_port' must be 1 to 16 characters",
                          ctx->file, line, what);
            continue;
        }
        snprintf(b->tun_port, sizeof b->tun_port, "%s", v);
        cfg->n_bridges++;
    }
}

static void parse_networks__(struct parse_ctx *ctx, const config_setting_t *list,
                             struct vx_config *cfg)
{
    static const char *const keys[] = {
        "id", "subnet", "gateway", "dns", "domain", "mtu", "lease_time", NULL
    };
    unsigned int n = (unsigned int)config_setting_length(list);

    cfg->networks = xcalloc(n, sizeof *cfg->networks);
    for (unsigned int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, i);
        struct vx_network_cfg *net = &cfg->networks[cfg->n_networks];
        int line = config_setting_source_line(s);
        const char *v;
        long long id;
        char what[64];
        unsigned int prefix;
        bool ok = true;

        snprintf(what, sizeof what, "network #%u", i + 1);
        if (!config_setting_is_group(s)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: must be a group { ... }", ctx->file, line, what);
            continue;
        }
        check_keys__(ctx, s, what, keys);
        net->line = line;
        if (get_int__(ctx, s, what, "id", &id) != 1) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'id' (the VNI) is required", ctx->file, line, what);
            continue;
        }
        snprintf(what, sizeof what, "network %lld", id);
        if (id < 1 || id > VX_VNI_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: VNI %lld is outside 1..16777215",
                          ctx->file, line, what, id);
            continue;
        }
        net->vni = (uint32_t)id;
        if (!get_string__(s, "subnet", &v) || !cidr_from_str(v, &net->subnet, &prefix)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'subnet' must be a CIDR such as \"10.0.0.0/24\"",
                          ctx->file, line, what);
            continue;
        }
        net->prefix = (uint8_t)prefix;
        if (net->subnet & ~prefix_to_mask(prefix)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: subnet '%s' has host bits set",
                          ctx->file, line, what, v);
            ok = false;
        }
        if (get_string__(s, "gateway", &v) && !ip_from_str(v, &net->gateway)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: malformed gateway IP '%s'",
                          ctx->file, line, what, v);
            ok = false;
        }
        const config_setting_t *dns = config_setting_get_member(s, "dns");
        if (dns) {
            bool is_list = config_setting_is_array(dns) || config_setting_is_list(dns);
            int nd = is_list ? config_setting_length(dns) : 1;
            if (nd > VX_MAX_DNS) {
                vx_errors_add(ctx->errs, "%s:%d: %s: at most %d DNS servers",
                              ctx->file, line, what, VX_MAX_DNS);
                ok = false;
                nd = 0;
            }
            for (int k = 0; k < nd; k++) {
                const config_setting_t *e = is_list ? config_setting_get_elem(dns, (unsigned int)k) : dns;
                const char *ds = config_setting_type(e) == CONFIG_TYPE_STRING
                                 ? config_setting_get_string(e) : NULL;
                if (!ds || !ip_from_str(ds, &net->dns[net->n_dns])) {
                    vx_errors_add(ctx->errs, "%s:%d: %s: malformed DNS server IP '%s'",
                                  ctx->file, line, what, ds ? ds : "?");
                    ok = false;
                } else {
                    net->n_dns++;
                }
            }
        }
        if (get_string__(s, "domain", &v)) {
            if (strlen(v) >= sizeof net->domain) {
                vx_errors_add(ctx->errs, "%s:%d: %s: domain longer than %zu characters",
                              ctx->file, line, what, sizeof net->domain - 1);
                ok = false;
            } else {
                snprintf(net->domain, sizeof net->domain, "%s", v);
            }
        }
        long long mtu = 1450, lease = 86400;
        if (get_int__(ctx, s, what, "mtu", &mtu) < 0 || mtu < 576 || mtu > 9000) {
            vx_errors_add(ctx->errs, "%s:%d: %s: mtu must be 576..9000", ctx->file, line, what);
            ok = false;
        }
        if (get_int__(ctx, s, what, "lease_time", &lease) < 0 || lease < 60 || lease > 0x7fffffff) {
            vx_errors_add(ctx->errs, "%s:%d: %s: lease_time must be 60..2147483647 seconds",
                          ctx->file, line, what);
            ok = false;
        }
        net->mtu = (uint16_t)mtu;
        net->lease_time = (uint32_t)lease;
        if (ok) {
            cfg->n_networks++;
        }
    }
}

static int u32_cmp__(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
    return a < b ? -1 : a > b;
}

static void parse_routers__(struct parse_ctx *ctx, const config_setting_t *list,
                            struct vx_config *cfg)
{
    static const char *const keys[] = { "mac", "networks", NULL };
    unsigned int n = (unsigned int)config_setting_length(list);

    cfg->routers = xcalloc(n, sizeof *cfg->routers);
    for (unsigned int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, i);
        struct vx_router_cfg *r = &cfg->routers[cfg->n_routers];
        int line = config_setting_source_line(s);
        const char *v;
        char what[64];
        bool ok = true;

        snprintf(what, sizeof what, "router #%u", i + 1);
        if (!config_setting_is_group(s)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: must be a group { ... }", ctx->file, line, what);
            continue;
        }
        check_keys__(ctx, s, what, keys);
        r->line = line;
        if (!get_string__(s, "mac", &v) || !eth_addr_from_str(v, r->mac)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'mac' must be a MAC such as \"00:bb:cc:dd:ee:00\"",
                          ctx->file, line, what);
            continue;
        }
        snprintf(what, sizeof what, "router %s", v);
        if (r->mac[0] & 1) {
            vx_errors_add(ctx->errs, "%s:%d: %s: MAC is multicast", ctx->file, line, what);
            ok = false;
        }
        const config_setting_t *nets = config_setting_get_member(s, "networks");
        if (!nets || !(config_setting_is_array(nets) || config_setting_is_list(nets))) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'networks' must be a list of network ids",
                          ctx->file, line, what);
            continue;
        }
        int nn = config_setting_length(nets);
        if (nn > VX_MAX_ROUTER_NETS) {
            vx_errors_add(ctx->errs, "%s:%d: %s: at most %d networks", ctx->file, line, what,
                          VX_MAX_ROUTER_NETS);
            continue;
        }
        for (int k = 0; k < nn; k++) {
            const config_setting_t *e = config_setting_get_elem(nets, (unsigned int)k);
            int t = config_setting_type(e);
            long long id = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64
                           ? config_setting_get_int64(e) : -1;
            if (id < 1 || id > VX_VNI_MAX) {
                vx_errors_add(ctx->errs, "%s:%d: %s: network id must be 1..16777215",
                              ctx->file, line, what);
                ok = false;
                continue;
            }
            r->networks[r->n_networks++] = (uint32_t)id;
        }
        vxconf_router_sort(r);
        if (ok) {
            cfg->n_routers++;
        }
    }
}

static void parse_hosts__(struct parse_ctx *ctx, const config_setting_t *list,
                          struct vx_config *cfg)
{
    static const char *const keys[] = { "mac", "network", "bridge", "port", "ip", "name", NULL };
    unsigned int n = (unsigned int)config_setting_length(list);

    cfg->hosts = xcalloc(n, sizeof *cfg->hosts);
    for (unsigned int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, i);
        struct vx_host_cfg *h = &cfg->hosts[cfg->n_hosts];
        int line = config_setting_source_line(s);
        const char *v;
        char what[64];
        long long id;

        snprintf(what, sizeof what, "host #%u", i + 1);
        if (!config_setting_is_group(s)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: must be a group { ... }", ctx->file, line, what);
            continue;
        }
        check_keys__(ctx, s, what, keys);
        h->line = line;
        if (!get_string__(s, "mac", &v) || !eth_addr_from_str(v, h->mac)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: malformed or missing 'mac'", ctx->file, line, what);
            continue;
        }
        snprintf(what, sizeof what, "host %s", v);
        if (h->mac[0] & 1) {
            vx_errors_add(ctx->errs, "%s:%d: %s: MAC is multicast", ctx->file, line, what);
            continue;
        }
        if (get_int__(ctx, s, what, "network", &id) != 1 || id < 1 || id > VX_VNI_MAX) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'network' must be a network id 1..16777215",
                          ctx->file, line, what);
            continue;
        }
        h->vni = (uint32_t)id;
        if (!get_string__(s, "ip", &v) || !ip_from_str(v, &h->ip)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: malformed or missing 'ip'", ctx->file, line, what);
            continue;
        }
        if (!get_string__(s, "bridge", &v)) {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'bridge' (dpid or name) is required",
                          ctx->file, line, what);
            continue;
        }
        /* A bridge is named by its dpid ("0x...") or its name; names are
         * resolved once all bridges are read. */
        if (!(v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && parse_dpid__(v, &h->dpid))) {
            const struct vx_bridge_cfg *b = NULL;
            for (size_t k = 0; k < cfg->n_bridges; k++) {
                if (!strcmp(cfg->bridges[k].name, v)) {
                    b = &cfg->bridges[k];
                    break;
                }
            }
            if (!b) {
                vx_errors_add(ctx->errs, "%s:%d: %s: unknown bridge '%s'", ctx->file, line, what, v);
                continue;
            }
            h->dpid = b->dpid;
        }
        const config_setting_t *port = config_setting_get_member(s, "port");
        int pt = port ? config_setting_type(port) : CONFIG_TYPE_NONE;
        if (pt == CONFIG_TYPE_INT || pt == CONFIG_TYPE_INT64) {
            long long p = config_setting_get_int64(port);
            if (p < 1 || p > 0xfeff) {
                vx_errors_add(ctx->errs, "%s:%d: %s: port number must be 1..65279",
                              ctx->file, line, what);
                continue;
            }
            h->port_no = (uint32_t)p;
        } else if (pt == CONFIG_TYPE_STRING) {
            const char *pn = config_setting_get_string(port);
            if (!pn[0] || strlen(pn) > VX_PORT_NAME_MAX) {
                vx_errors_add(ctx->errs, "%s:%d: %s: port name must be 1 to 16 characters",
                              ctx->file, line, what);
                continue;
            }
            snprintf(h->port_name, sizeof h->port_name, "%s", pn);
        } else {
            vx_errors_add(ctx->errs, "%s:%d: %s: 'port' (number or interface name) is required",
                          ctx->file, line, what);
            continue;
        }
        cfg->n_hosts++;
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
    sort__(cfg->bridges, cfg->n_bridges, sizeof *cfg->bridges, vxconf_bridge_cmp);
    sort__(cfg->networks, cfg->n_networks, sizeof *cfg->networks, vxconf_network_cmp);
    sort__(cfg->routers, cfg->n_routers, sizeof *cfg->routers, vxconf_router_cmp);
    sort__(cfg->hosts, cfg->n_hosts, sizeof *cfg->hosts, vxconf_host_cmp);
}

const struct vx_bridge_cfg *vxconf_find_bridge(const struct vx_config *cfg, uint64_t dpid)
{
    struct vx_bridge_cfg key = { .dpid = dpid };
    return find__(&key, cfg->bridges, cfg->n_bridges, sizeof key, vxconf_bridge_cmp);
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
    sort__(r->networks, r->n_networks, sizeof r->networks[0], u32_cmp__);
}

const struct vx_network_cfg *vxconf_find_network(const struct vx_config *cfg, uint32_t vni)
{
    struct vx_network_cfg key = { .vni = vni };
    return find__(&key, cfg->networks, cfg->n_networks, sizeof key, vxconf_network_cmp);
}

static bool in_subnet__(const struct vx_network_cfg *n, uint32_t ip)
{
    return (ip & prefix_to_mask(n->prefix)) == n->subnet;
}

/* Sort helpers for duplicate detection on secondary keys. */
struct dup_key {
    uint64_t a;
    uint64_t b;
    char name[VX_PORT_NAME_MAX + 1];
    const struct vx_host_cfg *h;
};

static int dup_key_cmp__(const void *a_, const void *b_)
{
    const struct dup_key *a = a_, *b = b_;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    return a->h->line - b->h->line;
}

static void report_dups__(struct dup_key *keys, size_t n, const char *source,
                          struct vx_errors *errs, const char *what)
{
    sort__(keys, n, sizeof *keys, dup_key_cmp__);
    for (size_t i = 1; i < n; i++) {
        if (keys[i].a == keys[i - 1].a && keys[i].b == keys[i - 1].b
            && !strcmp(keys[i].name, keys[i - 1].name)) {
            char mac[ETH_ADDR_STRLEN];
            vx_errors_add(errs, "%s:%d: host %s: duplicate %s (first at line %d)",
                          source, keys[i].h->line, eth_addr_to_str(keys[i].h->mac, mac),
                          what, keys[i - 1].h->line);
        }
    }
}

bool vxconf_validate(const struct vx_config *cfg_, const char *source, struct vx_errors *errs)
{
    size_t n_before = errs->n;
    struct vx_config cfg = *cfg_;
    char a[IP_ADDR_STRLEN], a2[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

    /* Work on sorted copies so lookups are binary searches. */
    cfg.bridges = xmemdup(cfg_->bridges, cfg.n_bridges * sizeof *cfg.bridges);
    cfg.networks = xmemdup(cfg_->networks, cfg.n_networks * sizeof *cfg.networks);
    cfg.routers = xmemdup(cfg_->routers, cfg.n_routers * sizeof *cfg.routers);
    cfg.hosts = xmemdup(cfg_->hosts, cfg.n_hosts * sizeof *cfg.hosts);
    vxconf_sort(&cfg);

    for (size_t i = 1; i < cfg.n_bridges; i++) {
        if (cfg.bridges[i].dpid == cfg.bridges[i - 1].dpid) {
            vx_errors_add(errs, "%s:%d: bridge %#"PRIx64": duplicate datapath-id (first at line %d)",
                          source, cfg.bridges[i].line, cfg.bridges[i].dpid, cfg.bridges[i - 1].line);
        }
    }
    for (size_t i = 0; i < cfg.n_networks; i++) {
        const struct vx_network_cfg *n = &cfg.networks[i];
        if (n->vni < 1 || n->vni > VX_VNI_MAX) {
            vx_errors_add(errs, "%s:%d: network %u: VNI is outside 1..16777215",
                          source, n->line, n->vni);
        }
        if (i && n->vni == cfg.networks[i - 1].vni) {
            vx_errors_add(errs, "%s:%d: network %u: duplicate id (first at line %d)",
                          source, n->line, n->vni, cfg.networks[i - 1].line);
        }
        if (n->gateway && !in_subnet__(n, n->gateway)) {
            vx_errors_add(errs, "%s:%d: network %u: gateway %s is outside subnet %s/%u",
                          source, n->line, n->vni, ip_to_str(n->gateway, a),
                          ip_to_str(n->subnet, a2), n->prefix);
        }
    }

    /* Routers: unique MACs, known networks, a network on at most one router
     * (its gateway MAC must be unambiguous), and no overlapping subnets
     * among a router's networks (ambiguous routing). */
    struct { uint32_t vni; const struct vx_router_cfg *r; } *membership =
        xcalloc(cfg.n_routers * VX_MAX_ROUTER_NETS + 1, sizeof *membership);
    size_t n_membership = 0;
    for (size_t i = 0; i < cfg.n_routers; i++) {
        const struct vx_router_cfg *r = &cfg.routers[i];
        eth_addr_to_str(r->mac, m);
        if (i && !memcmp(r->mac, cfg.routers[i - 1].mac, 6)) {
            vx_errors_add(errs, "%s:%d: router %s: duplicate MAC (first at line %d)",
                          source, r->line, m, cfg.routers[i - 1].line);
        }
        for (int k = 0; k < r->n_networks; k++) {
            const struct vx_network_cfg *nk = vxconf_find_network(&cfg, r->networks[k]);
            if (k && r->networks[k] == r->networks[k - 1]) {
                vx_errors_add(errs, "%s:%d: router %s: network %u listed twice",
                              source, r->line, m, r->networks[k]);
                continue;
            }
            if (!nk) {
                vx_errors_add(errs, "%s:%d: router %s: unknown network %u",
                              source, r->line, m, r->networks[k]);
                continue;
            }
            membership[n_membership].vni = nk->vni;
            membership[n_membership++].r = r;
            for (int j = 0; j < k; j++) {
                const struct vx_network_cfg *nj = vxconf_find_network(&cfg, r->networks[j]);
                if (!nj) {
                    continue;
                }
                unsigned int p = MIN(nj->prefix, nk->prefix);
                if ((nj->subnet & prefix_to_mask(p)) == (nk->subnet & prefix_to_mask(p))) {
                    vx_errors_add(errs, "%s:%d: router %s: networks %u and %u have overlapping subnets (ambiguous routing)",
                                  source, r->line, m, nj->vni, nk->vni);
                }
            }
        }
    }
    for (size_t i = 0; i < n_membership; i++) {
        for (size_t j = i + 1; j < n_membership; j++) {
            if (membership[i].vni == membership[j].vni) {
                vx_errors_add(errs, "%s:%d: router %s: network %u is already on router at line %d",
                              source, membership[j].r->line,
                              eth_addr_to_str(membership[j].r->mac, m),
                              membership[j].vni, membership[i].r->line);
            }
        }
    }
    free(membership);

    /* Hosts: known network and bridge, IP inside the subnet and not one of
     * its special addresses, no duplicate (network, MAC), (network, IP) or
     * (bridge, port). */
    struct dup_key *keys = xcalloc(cfg.n_hosts + 1, sizeof *keys);
    for (size_t i = 0; i < cfg.n_hosts; i++) {
        const struct vx_host_cfg *h = &cfg.hosts[i];
        const struct vx_network_cfg *n = vxconf_find_network(&cfg, h->vni);
        eth_addr_to_str(h->mac, m);
        if (i && !vxconf_host_cmp(h, &cfg.hosts[i - 1])) {
            vx_errors_add(errs, "%s:%d: host %s: duplicate (network, MAC) (first at line %d)",
                          source, h->line, m, cfg.hosts[i - 1].line);
        }
        if (!n) {
            vx_errors_add(errs, "%s:%d: host %s: unknown network %u", source, h->line, m, h->vni);
        } else if (!in_subnet__(n, h->ip)) {
            vx_errors_add(errs, "%s:%d: host %s: IP %s is outside network %u's subnet %s/%u",
                          source, h->line, m, ip_to_str(h->ip, a), n->vni,
                          ip_to_str(n->subnet, a2), n->prefix);
        } else if (h->ip == n->gateway) {
            vx_errors_add(errs, "%s:%d: host %s: IP %s is network %u's gateway",
                          source, h->line, m, ip_to_str(h->ip, a), n->vni);
        } else if (n->prefix < 31 && (h->ip == n->subnet || h->ip == (n->subnet | ~prefix_to_mask(n->prefix)))) {
            vx_errors_add(errs, "%s:%d: host %s: IP %s is network %u's network or broadcast address",
                          source, h->line, m, ip_to_str(h->ip, a), n->vni);
        }
        if (!vxconf_find_bridge(&cfg, h->dpid)) {
            vx_errors_add(errs, "%s:%d: host %s: unknown bridge %#"PRIx64, source, h->line, m, h->dpid);
        }
    }
    for (size_t i = 0; i < cfg.n_hosts; i++) {
        keys[i] = (struct dup_key) { cfg.hosts[i].vni, cfg.hosts[i].ip, "", &cfg.hosts[i] };
    }
    report_dups__(keys, cfg.n_hosts, source, errs, "(network, IP)");
    for (size_t i = 0; i < cfg.n_hosts; i++) {
        keys[i] = (struct dup_key) { cfg.hosts[i].dpid, cfg.hosts[i].port_no, "", &cfg.hosts[i] };
        memcpy(keys[i].name, cfg.hosts[i].port_name, sizeof keys[i].name);
    }
    report_dups__(keys, cfg.n_hosts, source, errs, "(bridge, port)");
    free(keys);

    free(cfg.bridges);
    free(cfg.networks);
    free(cfg.routers);
    free(cfg.hosts);
    return errs->n == n_before;
}

bool vxconf_load(const char *file, struct vx_config *cfg, struct vx_errors *errs)
{
    struct parse_ctx ctx = { file, errs };
    size_t n_before = errs->n;
    config_t lc;
    static const char *const root_keys[] = {
        "listen", "workers", "log_level", "echo_interval_ms", "state_dir",
        "packet_in_rate", "packet_in_burst", "flow_batch", "api_listen", "api_token", "api_store",
        "bridges", "networks", "routers", "hosts", NULL
    };

    vxconf_init(cfg);
    config_init(&lc);
    if (!config_read_file(&lc, file)) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
            vx_errors_add(errs, "%s: cannot read the file", file);
        } else {
            vx_errors_add(errs, "%s:%d: syntax error: %s", file,
                          config_error_line(&lc), config_error_text(&lc));
        }
        config_destroy(&lc);
        return false;
    }
    check_keys__(&ctx, config_root_setting(&lc), "top level", root_keys);
    parse_daemon__(&ctx, &lc, &cfg->daemon);

    static const char *const lists[] = { "bridges", "networks", "routers", "hosts" };
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        const config_setting_t *l = config_lookup(&lc, lists[i]);
        if (!l) {
            continue;
        }
        if (!config_setting_is_list(l)) {
            vx_errors_add(errs, "%s:%d: '%s' must be a list ( {...}, {...} )", file,
                          config_setting_source_line(l), lists[i]);
            continue;
        }
        switch (i) {
        case 0: parse_bridges__(&ctx, l, cfg); break;
        case 1: parse_networks__(&ctx, l, cfg); break;
        case 2: parse_routers__(&ctx, l, cfg); break;
        case 3: parse_hosts__(&ctx, l, cfg); break;
        }
    }
    config_destroy(&lc);

    /* Validate what did parse even after parse errors, so the operator
     * sees every problem in one pass. */
    vxconf_validate(cfg, file, errs);
    if (errs->n != n_before) {
        vxconf_free(cfg);
        return false;
    }
    vxconf_sort(cfg);
    return true;
}
