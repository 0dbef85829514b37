#include "model/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "model/answers.h"
#include "model/model.h"
#include "proto/ofp_wire.h"
#include "proto/pkt.h"

/* The longest path of the overlay crosses two bridges (source, then the
 * destination's); more means a loop in the desired flows. */
#define TRACE_MAX_BRIDGES 4

void trace_packet_init(struct trace_packet *p)
{
    p->present = 0;
    p->ttl = 64;
    trace_packet_set(p, OFF_IN_PORT, 0);
    trace_packet_set(p, OFF_METADATA, 0);
    trace_packet_set(p, OFF_TUN_ID, 0);
}

void trace_packet_set(struct trace_packet *p, enum of_field f, uint64_t value)
{
    p->present |= 1u << f;
    p->f[f] = value;
}

static const char *const verdict_texts__[] = { TRACE_VERDICTS(VX_X_TEXT) };
static const char *const reason_texts__[] = { TRACE_REASONS(VX_X_TEXT) };
static const char *const reason_names__[] = { TRACE_REASONS(VX_X_NAME) };

const char *trace_verdict_name(enum trace_verdict v)
{
    return vx_name_at(verdict_texts__, ARRAY_SIZE(verdict_texts__), v);
}

const char *trace_reason_text(enum trace_reason r)
{
    return vx_name_at(reason_texts__, ARRAY_SIZE(reason_texts__), r);
}

const char *trace_reason_name(enum trace_reason r)
{
    static char lower[ARRAY_SIZE(reason_names__)][40];
    if ((size_t)r >= ARRAY_SIZE(reason_names__)) {
        return "?";
    }
    if (!lower[r][0]) {     /* writer thread only: no race */
        const char *s = reason_names__[r] + strlen("TRACE_R_");
        size_t i = 0;
        for (; s[i] && i < sizeof lower[r] - 1; i++) {
            lower[r][i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        }
        lower[r][i] = '\0';
    }
    return lower[r];
}

const char *trace_install_name(enum trace_install i)
{
    static const char *const names[] = { "unknown", "installed", "missing", "rejected", "differs" };
    return (size_t)i < ARRAY_SIZE(names) ? names[i] : "?";
}

/* --- naming model objects --- */

static const char *bridge_name__(uint64_t dpid, char *buf, size_t size)
{
    const struct vx_bridge *b = model_bridge(dpid);
    if (b && b->cfg.name[0]) {
        snprintf(buf, size, "%s", b->cfg.name);
    } else {
        snprintf(buf, size, "%#llx", (unsigned long long)dpid);
    }
    return buf;
}

static void describe_host__(const struct vx_host_cfg *h, char *out, size_t size)
{
    char mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN], br[40];
    snprintf(out, size, "host %s (%s) of network %u on %s", eth_addr_to_str(h->mac, mac),
             ip_to_str(h->ip, ip), h->vni, bridge_name__(h->dpid, br, sizeof br));
}

/* The first host of the model with MAC 'mac' (hosts of overlapping
 * networks may share one), and how many there are. */
static const struct vx_host_cfg *host_by_mac__(const uint8_t mac[6], size_t *n)
{
    const struct vx_config *cfg = model_config();
    const struct vx_host_cfg *first = NULL;

    *n = 0;
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (!memcmp(cfg->hosts[i].mac, mac, 6)) {
            first = first ? first : &cfg->hosts[i];
            ++*n;
        }
    }
    return first;
}

static bool describe_host_cookie__(uint64_t id, char *out, size_t size)
{
    uint8_t mac[6];
    size_t n;

    mac_from_u64(id, mac);
    const struct vx_host_cfg *h = host_by_mac__(mac, &n);
    if (!h) {
        return false;
    }
    describe_host__(h, out, size);
    if (n > 1) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, " (and %zu more with this MAC)", n - 1);
    }
    return true;
}

static bool describe_network__(uint32_t vni, char *out, size_t size)
{
    const struct vx_network *net = model_network(vni);
    char subnet[IP_ADDR_STRLEN], gw[IP_ADDR_STRLEN];

    if (!net) {
        return false;
    }
    snprintf(out, size, "network %u (%s/%u%s%s)", vni, ip_to_str(net->cfg.subnet, subnet),
             net->cfg.prefix, net->cfg.gateway ? ", gateway " : "",
             net->cfg.gateway ? ip_to_str(net->cfg.gateway, gw) : "");
    return true;
}

static bool describe_router__(uint64_t id, char *out, size_t size)
{
    uint8_t mac[6];
    char text[ETH_ADDR_STRLEN];

    mac_from_u64(id, mac);
    const struct vx_router *r = model_router(mac);
    if (!r) {
        return false;
    }
    int n = snprintf(out, size, "router %s (networks", eth_addr_to_str(mac, text));
    for (int k = 0; k < r->cfg.n_networks && n > 0 && (size_t)n < size; k++) {
        n += snprintf(out + n, size - (size_t)n, "%s%u", k ? ", " : " ", r->cfg.networks[k]);
    }
    if (n > 0 && (size_t)n < size) {
        snprintf(out + n, size - (size_t)n, ")");
    }
    return true;
}

static bool describe_gateway__(uint64_t id, char *out, size_t size)
{
    uint8_t mac[6];
    char m[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN], br[40];

    if (!id) {
        snprintf(out, size, "the bridge's gateway uplinks");
        return true;
    }
    mac_from_u64(id, mac);
    const struct vx_router *r = model_router(mac);
    if (!r || !r->cfg.gateway.dpid) {
        return false;
    }
    snprintf(out, size, "gateway of router %s: %s/%u on %s port %s", eth_addr_to_str(mac, m),
             ip_to_str(r->cfg.gateway.external_ip, ip), r->cfg.gateway.prefix,
             bridge_name__(r->cfg.gateway.dpid, br, sizeof br), r->cfg.gateway.uplink);
    return true;
}

bool trace_describe_cookie(uint64_t cookie, char *out, size_t size)
{
    struct pipeline_cookie_info ci = pipeline_cookie_parse(cookie);

    if (!ci.valid) {
        return false;
    }
    switch (ci.kind) {
    case PIPELINE_K_BRIDGE:
        snprintf(out, size, "the bridge itself");
        return true;
    case PIPELINE_K_HOST:
        return describe_host_cookie__(ci.id, out, size);
    case PIPELINE_K_NETWORK:
        return describe_network__((uint32_t)ci.id, out, size);
    case PIPELINE_K_ROUTER:
        return describe_router__(ci.id, out, size);
    case PIPELINE_K_GATEWAY:
        return describe_gateway__(ci.id, out, size);
    case PIPELINE_K_FLOATING: {
        char ip[IP_ADDR_STRLEN];
        snprintf(out, size, "floating IP %s", ip_to_str((uint32_t)ci.id, ip));
        return true;
    }
    }
    return false;
}

/* --- one bridge's flows, decoded --- */

struct dflow {
    const struct flow_set *set;
    const struct flow *f;
    struct of_match m;
    struct of_insts i;
};

struct bridge_view {
    uint64_t dpid;
    const struct vx_bridge *b;
    struct trace_bridge tb;
    struct flow_set desired;
    size_t n_desired, n_installed;
    struct dflow *desired_d, *installed_d;
};

bool trace_bridge_port(const void *aux, const char *name, uint32_t *port_no)
{
    const struct trace_bridge *tb = aux;
    const struct of_port *p = of_port_by_name(tb->ports, tb->n_ports, name);
    if (p) {
        *port_no = p->port_no;
    }
    return p != NULL;
}

static const char *port_name__(const struct trace_bridge *tb, uint32_t port_no)
{
    const struct of_port *p = of_port_by_number(tb->ports, tb->n_ports, port_no);
    return p ? p->name : NULL;
}

/* Decodes every flow of 's' (our own canonical encodings, or what the
 * switch reported: a flow that does not decode is left out). */
static struct dflow *decode_set__(const struct flow_set *s, size_t *n)
{
    struct dflow *d = xcalloc(s->n + 1, sizeof *d);

    *n = 0;
    for (size_t k = 0; k < s->n; k++) {
        const struct flow *f = &s->flows[k];
        struct vxcur mc = vxcur_make(flow_match(s, f), f->match_size);
        struct vxcur ic = vxcur_make(flow_insts(s, f), f->insts_size);
        struct dflow *x = &d[*n];
        of_insts_init(&x->i);
        if (!of_match_pull(&mc, &x->m) && !of_insts_pull(&ic, &x->i)) {
            x->set = s;
            x->f = f;
            ++*n;
        }
    }
    return d;
}

static void view_init__(struct bridge_view *v, uint64_t dpid, trace_bridge_fn *fn, void *aux)
{
    memset(v, 0, sizeof *v);
    v->dpid = dpid;
    v->b = model_bridge(dpid);
    if (!fn(aux, dpid, &v->tb)) {
        memset(&v->tb, 0, sizeof v->tb);
    }
    flow_set_init(&v->desired);
    pipeline_compute(dpid, trace_bridge_port, &v->tb, &v->desired);
    v->desired_d = decode_set__(&v->desired, &v->n_desired);
    if (v->tb.installed) {
        v->installed_d = decode_set__(v->tb.installed, &v->n_installed);
    }
}

static void view_destroy__(struct bridge_view *v)
{
    free(v->desired_d);
    free(v->installed_d);
    flow_set_destroy(&v->desired);
}

/* --- matching (OF1.3.5 7.2.3: each present field, under its mask) --- */

static bool matches__(const struct of_match *m, const struct trace_packet *p)
{
    if (m->unknown_size) {
        return false;           /* a field we cannot evaluate: never assume it matches */
    }
    for (int f = 0; f < OFF_N_FIELDS; f++) {
        if (!of_match_has(m, (enum of_field)f)) {
            continue;
        }
        uint64_t mask = (m->masked >> f) & 1 ? m->mask[f] : UINT64_MAX;
        if (!trace_packet_has(p, (enum of_field)f) || ((p->f[f] ^ m->value[f]) & mask)) {
            return false;
        }
    }
    return true;
}

/* The highest-priority flow of 'table' that matches (OF1.3.5 5.3). */
static const struct dflow *lookup__(const struct dflow *d, size_t n, uint8_t table,
                                    const struct trace_packet *p)
{
    const struct dflow *best = NULL;

    for (size_t k = 0; k < n; k++) {
        if (d[k].f->table == table && (!best || d[k].f->priority > best->f->priority)
            && matches__(&d[k].m, p)) {
            best = &d[k];
        }
    }
    return best;
}

/* --- results --- */

static char *flow_text__(const struct flow_set *s, const struct flow *f)
{
    struct vxbuf text = VXBUF_INITIALIZER;

    flow_format(s, f, &text);
    if (text.size && ((char *)text.base)[text.size - 1] == '\n') {
        text.size--;
    }
    vxbuf_put(&text, "", 1);
    char *out = xstrdup((const char *)vxbuf_data(&text));
    vxbuf_uninit(&text);
    return out;
}

static struct trace_step *add_step__(struct trace_result *r)
{
    r->steps = xrealloc(r->steps, (r->n_steps + 1) * sizeof *r->steps);
    struct trace_step *s = &r->steps[r->n_steps++];
    memset(s, 0, sizeof *s);
    return s;
}

static bool in_set__(const struct flow_set *s, const struct flow_set *key_set,
                     const struct flow *key, const struct flow **found)
{
    for (size_t k = 0; s && k < s->n; k++) {
        if (!flow_identity_cmp(s, &s->flows[k], key_set, key)) {
            *found = &s->flows[k];
            return true;
        }
    }
    return false;
}

/* How desired flow 'd' stands on the switch, and whether another installed
 * flow ('inst', the switch's own best match) would take precedence. */
static void compare_installed__(const struct bridge_view *v, const struct dflow *d,
                                const struct dflow *inst, struct trace_step *s)
{
    const struct flow *same;

    if (!v->tb.installed) {
        s->install = TRACE_I_UNKNOWN;
        return;
    }
    if (!in_set__(v->tb.installed, &v->desired, d->f, &same)) {
        bool rejected = in_set__(v->tb.rejected, &v->desired, d->f, &same);
        s->install = rejected ? TRACE_I_REJECTED : TRACE_I_MISSING;
        s->warning = xstrdup(rejected ? "the switch rejected this flow with an error (see the log)"
                                      : "this flow is missing on the switch");
    } else if (!flow_insts_equal(v->tb.installed, same, &v->desired, d->f)) {
        s->install = TRACE_I_DIFFERS;
        char *text = flow_text__(v->tb.installed, same);
        s->warning = xasprintf("the switch holds other actions: %s", text);
        free(text);
    } else {
        s->install = TRACE_I_OK;
    }
    if (inst && flow_identity_cmp(inst->set, inst->f, &v->desired, d->f)
        && inst->f->priority >= d->f->priority && !s->warning) {
        char *text = flow_text__(inst->set, inst->f);
        s->warning = xasprintf("an extra flow on the switch takes precedence: %s", text);
        free(text);
    }
}

static void record_step__(const struct bridge_view *v, const struct dflow *d,
                          const struct dflow *inst, struct trace_result *r)
{
    struct trace_step *s = add_step__(r);
    struct pipeline_cookie_info ci = pipeline_cookie_parse(d->f->cookie);
    char object[160];

    s->dpid = v->dpid;
    s->table = d->f->table;
    s->priority = d->f->priority;
    s->cookie = d->f->cookie;
    s->flow = flow_text__(d->set, d->f);
    s->object = xstrdup(trace_describe_cookie(d->f->cookie, object, sizeof object) ? object : "?");
    s->role = xstrdup(ci.valid ? pipeline_role_text(ci.role) : "?");
    compare_installed__(v, d, inst, s);
    r->n_warnings += s->warning != NULL;
}

/* --- actions (OF1.3.5 5.10, 5.12; ovs-actions(7) for move and dec_ttl) --- */

enum step_outcome { STEP_GOTO, STEP_OUTPUT, STEP_DROP, STEP_TTL_EXPIRED, STEP_CONNTRACK };

/* Applies 'd''s instructions to 'p' in the specification's order.  Stops
 * at the first output (the pipeline's flows output last, and once). */
static enum step_outcome apply__(const struct dflow *d, struct trace_packet *p,
                                 uint32_t *out_port, uint8_t *next_table)
{
    for (int k = 0; k < d->i.n_actions; k++) {
        const struct of_action *a = &d->i.actions[k];
        switch ((enum of_action_type)a->type) {
        case OFA_SET_FIELD:
            trace_packet_set(p, (enum of_field)a->field, a->value);
            break;
        case OFA_MOVE:
            trace_packet_set(p, (enum of_field)a->field, p->f[a->src_field]);
            break;
        case OFA_DEC_NW_TTL:
            if (p->ttl <= 1) {
                return STEP_TTL_EXPIRED;
            }
            p->ttl--;
            break;
        case OFA_OUTPUT:
            *out_port = a->port;
            return STEP_OUTPUT;
        case OFA_CT:            /* conntrack state is the switch's: stop here */
            *next_table = a->ct_table;
            return STEP_CONNTRACK;
        }
    }
    if (d->i.has_write_metadata) {
        uint64_t mask = d->i.metadata_mask;
        p->f[OFF_METADATA] = (p->f[OFF_METADATA] & ~mask) | (d->i.metadata & mask);
    }
    if (d->i.has_goto) {
        *next_table = d->i.goto_table;
        return STEP_GOTO;
    }
    return STEP_DROP;
}

/* --- verdicts --- */

static void finish__(struct trace_result *r, enum trace_verdict v, enum trace_reason why,
                     uint64_t dpid, uint8_t table, char *detail)
{
    r->verdict = v;
    r->reason = why;
    r->dpid = dpid;
    r->table = table;
    r->detail = detail;
}

static const struct vx_host *source_host__(const struct bridge_view *v,
                                           const struct trace_packet *in)
{
    uint8_t mac[6];
    uint32_t port = (uint32_t)in->f[OFF_IN_PORT];

    mac_from_u64(in->f[OFF_ETH_SRC], mac);
    return model_host_by_source(v->dpid, mac, port, port_name__(&v->tb, port));
}

static void drop_at_source__(const struct bridge_view *v, const struct trace_packet *in,
                             struct trace_result *r)
{
    char mac[ETH_ADDR_STRLEN], claimed[IP_ADDR_STRLEN], br[40], desc[160];
    uint8_t src_mac[6];
    uint32_t port = (uint32_t)in->f[OFF_IN_PORT];
    uint64_t type = in->f[OFF_ETH_TYPE];
    const struct vx_host *h = source_host__(v, in);
    bool arp = type == ETHERTYPE_ARP;

    mac_from_u64(in->f[OFF_ETH_SRC], src_mac);
    bridge_name__(v->dpid, br, sizeof br);
    if (type != ETHERTYPE_IP && !arp) {
        finish__(r, TRACE_DROPPED, TRACE_R_NOT_IPV4, v->dpid, PIPELINE_T_SOURCE,
                 xasprintf("ethertype %#06llx is neither IPv4 nor ARP", (unsigned long long)type));
    } else if (!h) {
        finish__(r, TRACE_DROPPED, TRACE_R_UNKNOWN_SOURCE, v->dpid, PIPELINE_T_SOURCE,
                 xasprintf("no host has MAC %s on port %u of %s", eth_addr_to_str(src_mac, mac),
                           port, br));
    } else if (arp && !model_arp_in_datapath(model_network(h->cfg.vni))) {
        describe_host__(&h->cfg, desc, sizeof desc);
        finish__(r, TRACE_DROPPED, TRACE_R_ARP_NOT_FORWARDED, v->dpid, PIPELINE_T_SOURCE,
                 xasprintf("ARP operation %llu from %s is not forwarded",
                           (unsigned long long)in->f[OFF_ARP_OP], desc));
    } else {
        uint32_t said = (uint32_t)in->f[arp ? OFF_ARP_SPA : OFF_IPV4_SRC];
        describe_host__(&h->cfg, desc, sizeof desc);
        bool spoofed = said != h->cfg.ip
                       || (arp && in->f[OFF_ARP_SHA] != mac_to_u64(h->cfg.mac));
        finish__(r, TRACE_DROPPED, spoofed ? TRACE_R_SPOOFED_SOURCE : TRACE_R_NO_MATCH,
                 v->dpid, PIPELINE_T_SOURCE,
                 xasprintf("port %u carries %s; the packet says %s from %s", port, desc,
                           arp ? "ARP" : "IPv4", ip_to_str(said, claimed)));
    }
}

/* The host with IP 'ip' in a network other than 'vni', if any. */
static const struct vx_host_cfg *host_elsewhere__(uint32_t vni, uint32_t ip)
{
    const struct vx_config *cfg = model_config();
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (cfg->hosts[i].ip == ip && cfg->hosts[i].vni != vni) {
            return &cfg->hosts[i];
        }
    }
    return NULL;
}

static void drop_at_delivery__(const struct bridge_view *v, const struct trace_packet *p,
                               struct trace_result *r)
{
    uint32_t vni = (uint32_t)p->f[OFF_TUN_ID], dst = (uint32_t)p->f[OFF_IPV4_DST];
    char ip[IP_ADDR_STRLEN], desc[160];
    const struct vx_host *h = model_host_by_ip(vni, dst);
    const struct vx_host_cfg *other;

    if (h) {
        describe_host__(&h->cfg, desc, sizeof desc);
        finish__(r, TRACE_DROPPED, TRACE_R_DEST_UNREACHABLE, v->dpid, PIPELINE_T_DELIVER,
                 xasprintf("%s: %s", desc, h->cfg.dpid == v->dpid ? "its port is not on the bridge"
                                                                  : "no tunnel reaches its bridge"));
    } else if ((other = host_elsewhere__(vni, dst))) {
        describe_host__(other, desc, sizeof desc);
        finish__(r, TRACE_DROPPED, TRACE_R_OTHER_NETWORK, v->dpid, PIPELINE_T_DELIVER,
                 xasprintf("%s is %s; network %u has no route to it", ip_to_str(dst, ip), desc,
                           vni));
    } else {
        finish__(r, TRACE_DROPPED, TRACE_R_NO_HOST, v->dpid, PIPELINE_T_DELIVER,
                 xasprintf("no host has IP %s in network %u", ip_to_str(dst, ip), vni));
    }
}

static void drop__(const struct bridge_view *v, const struct trace_packet *in,
                   const struct trace_packet *p, uint8_t table, struct trace_result *r)
{
    if (table == PIPELINE_T_SOURCE) {
        drop_at_source__(v, in, r);
    } else if (table == PIPELINE_T_DELIVER && trace_packet_has(p, OFF_IPV4_DST)) {
        drop_at_delivery__(v, p, r);
    } else {
        finish__(r, TRACE_DROPPED, TRACE_R_NO_MATCH, v->dpid, table,
                 xasprintf("no flow of table %u matches", table));
    }
}

/* What the controller does with the packet-in (model/answers.h, as
 * workers/pktin.c does it). */
static char *controller_answer__(const struct bridge_view *v, const struct trace_packet *in,
                                 const struct trace_packet *p, bool ttl_expired)
{
    char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];
    uint8_t answer[6];
    uint32_t gw;
    const struct vx_host *src = source_host__(v, in);
    struct dhcp_lease lease;

    if (!src) {
        return xstrdup("ignores it: the source is no host of this port (pktin_unknown_source)");
    }
    if (ttl_expired) {
        return answers_time_exceeded(src, (uint32_t)p->f[OFF_IPV4_SRC], (uint8_t)p->f[OFF_IP_PROTO],
                                     (uint8_t)p->f[OFF_ICMPV4_TYPE], &gw, answer)
               ? xasprintf("ICMP time exceeded from the gateway %s", ip_to_str(gw, a))
               : xstrdup("ignores it: no time exceeded for this packet (RFC 1812 4.3.2.2)");
    }
    if (p->f[OFF_ETH_TYPE] == ETHERTYPE_ARP) {
        enum answers_arp_verdict av = answers_arp(src, (uint16_t)p->f[OFF_ARP_OP],
                                                  (uint32_t)p->f[OFF_ARP_SPA],
                                                  (uint32_t)p->f[OFF_ARP_TPA], answer);
        return av == ANSWERS_ARP_REPLY
               ? xasprintf("ARP reply: %s is-at %s", ip_to_str((uint32_t)p->f[OFF_ARP_TPA], a),
                           eth_addr_to_str(answer, mac))
               : xstrdup(answers_arp_verdict_text(av));
    }
    if (p->f[OFF_IP_PROTO] == IPPROTO_UDP && p->f[OFF_UDP_DST] == 67) {
        return answers_dhcp_lease(src, &lease)
               ? xasprintf("DHCP: leases %s/%u, router %s, server %s", ip_to_str(lease.ip, a),
                           32 - (unsigned)__builtin_popcount(~lease.mask),
                           lease.router ? ip_to_str(lease.router, b) : "none",
                           ip_to_str(lease.server_id, c))
               : xstrdup("ignores it: the host's network is gone");
    }
    if (p->f[OFF_IP_PROTO] == IPPROTO_ICMP
        && answers_gateway_echo(src, (uint32_t)p->f[OFF_IPV4_SRC], (uint32_t)p->f[OFF_IPV4_DST],
                                (uint8_t)p->f[OFF_ICMPV4_TYPE], answer)) {
        return xasprintf("ICMP echo reply from the gateway %s (%s)",
                         ip_to_str((uint32_t)p->f[OFF_IPV4_DST], a), eth_addr_to_str(answer, mac));
    }
    return xstrdup("ignores it: nothing it answers");
}

static void to_controller__(const struct bridge_view *v, const struct trace_packet *in,
                            const struct trace_packet *p, uint8_t table, bool ttl_expired,
                            struct trace_result *r)
{
    char br[40];

    finish__(r, TRACE_CONTROLLER, ttl_expired ? TRACE_R_TTL_EXPIRED : TRACE_R_PACKET_IN,
             v->dpid, table,
             xasprintf("packet-in from %s at table %u", bridge_name__(v->dpid, br, sizeof br),
                       table));
    r->answer = controller_answer__(v, in, p, ttl_expired);
}

static void conntrack__(const struct bridge_view *v, uint8_t table, uint8_t next,
                        struct trace_result *r)
{
    char br[40];

    finish__(r, TRACE_CONNTRACK, TRACE_R_CONNTRACK, v->dpid, table,
             xasprintf("ct() on %s at table %u, continuing at table %u after conntrack",
                       bridge_name__(v->dpid, br, sizeof br), table, next));
}

static void delivered__(const struct bridge_view *v, const struct trace_packet *in,
                        const struct trace_packet *p, uint32_t port, struct trace_result *r)
{
    char br[40], mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN];
    uint8_t dst[6];
    bool back = port == OFPP_IN_PORT;
    uint32_t out = back ? (uint32_t)in->f[OFF_IN_PORT] : port;
    const char *name = port_name__(&v->tb, out);

    bridge_name__(v->dpid, br, sizeof br);
    mac_from_u64(p->f[OFF_ETH_DST], dst);
    r->port = out;
    r->port_name = name ? xstrdup(name) : NULL;
    if (!back) {
        finish__(r, TRACE_DELIVERED, TRACE_R_NONE, v->dpid, 0,
                 xasprintf("to port %u (%s) on %s, eth_dst %s", out, name ? name : "?", br,
                           eth_addr_to_str(dst, mac)));
    } else if (p->f[OFF_ETH_TYPE] == ETHERTYPE_ARP) {
        uint8_t sha[6];
        mac_from_u64(p->f[OFF_ARP_SHA], sha);
        finish__(r, TRACE_REPLIED, TRACE_R_NONE, v->dpid, 0,
                 xasprintf("ARP reply %s is-at %s, back out of port %u on %s",
                           ip_to_str((uint32_t)p->f[OFF_ARP_SPA], ip), eth_addr_to_str(sha, mac),
                           out, br));
    } else {
        finish__(r, TRACE_REPLIED, TRACE_R_NONE, v->dpid, 0,
                 xasprintf("ICMP echo reply from %s, back out of port %u on %s",
                           ip_to_str((uint32_t)p->f[OFF_IPV4_SRC], ip), out, br));
    }
}

/* The bridge whose tunnel endpoint is 'ip', or 0. */
static uint64_t bridge_by_endpoint__(uint32_t ip)
{
    const struct vx_config *cfg = model_config();
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        if (cfg->bridges[i].tun_ip == ip) {
            return cfg->bridges[i].dpid;
        }
    }
    return 0;
}

/* Turns 'p' into the packet that comes out of the destination's tunnel
 * port: same frame and tun_id, tun_src/tun_dst the endpoints, metadata
 * cleared (it does not cross a tunnel).  Returns the destination bridge,
 * or 0 after a drop verdict. */
static uint64_t tunnel__(const struct bridge_view *v, struct trace_packet *p,
                         trace_bridge_fn *fn, void *aux, struct trace_result *r)
{
    char ip[IP_ADDR_STRLEN];
    uint32_t dst_ip = (uint32_t)p->f[OFF_TUN_DST];
    uint64_t dst = bridge_by_endpoint__(dst_ip);
    const struct vx_bridge *db = dst ? model_bridge(dst) : NULL;
    struct trace_bridge tb;
    uint32_t port;

    if (!db) {
        finish__(r, TRACE_DROPPED, TRACE_R_DEST_UNREACHABLE, v->dpid, PIPELINE_T_DELIVER,
                 xasprintf("no bridge has the tunnel endpoint %s", ip_to_str(dst_ip, ip)));
        return 0;
    }
    if (!fn(aux, dst, &tb) || !trace_bridge_port(&tb, db->cfg.tun_port, &port)) {
        finish__(r, TRACE_DROPPED, TRACE_R_DEST_UNREACHABLE, dst, PIPELINE_T_SOURCE,
                 xasprintf("bridge %s has no tunnel port %s (is it connected?)", db->cfg.name,
                           db->cfg.tun_port));
        return 0;
    }
    trace_packet_set(p, OFF_IN_PORT, port);
    trace_packet_set(p, OFF_METADATA, 0);
    trace_packet_set(p, OFF_TUN_SRC, v->b ? v->b->cfg.tun_ip : 0);
    return dst;
}

static bool is_tunnel_port__(const struct bridge_view *v, uint32_t port)
{
    uint32_t tun;
    return v->b && trace_bridge_port(&v->tb, v->b->cfg.tun_port, &tun) && tun == port;
}

/* Walks one bridge from table 0.  Returns the next bridge (the packet
 * left through the tunnel) or 0 when the trace ended here. */
static uint64_t walk_bridge__(const struct bridge_view *v, struct trace_packet *p,
                              trace_bridge_fn *fn, void *aux, struct trace_result *r)
{
    const struct trace_packet in = *p;
    uint8_t table = 0;

    for (;;) {
        const struct dflow *d = lookup__(v->desired_d, v->n_desired, table, p);
        const struct dflow *inst = lookup__(v->installed_d, v->n_installed, table, p);
        uint32_t port = 0;
        uint8_t next = 0;

        if (!d) {
            drop__(v, &in, p, table, r);
            return 0;
        }
        record_step__(v, d, inst, r);
        switch (apply__(d, p, &port, &next)) {
        case STEP_GOTO:
            if (next <= table) {
                drop__(v, &in, p, table, r);    /* OF1.3.5 5.1: goto only forward */
                return 0;
            }
            table = next;
            break;
        case STEP_DROP:
            drop__(v, &in, p, table, r);
            return 0;
        case STEP_TTL_EXPIRED:
            to_controller__(v, &in, p, table, true, r);
            return 0;
        case STEP_CONNTRACK:
            conntrack__(v, table, next, r);
            return 0;
        case STEP_OUTPUT:
            if (port == OFPP_CONTROLLER) {
                to_controller__(v, &in, p, table, false, r);
                return 0;
            }
            if (is_tunnel_port__(v, port)) {
                return tunnel__(v, p, fn, aux, r);
            }
            delivered__(v, &in, p, port, r);
            return 0;
        }
    }
}

void trace_run(uint64_t dpid, const struct trace_packet *pkt, trace_bridge_fn *fn, void *aux,
               struct trace_result *r)
{
    struct trace_packet p = *pkt;
    int hops = 0;

    memset(r, 0, sizeof *r);
    while (dpid) {
        struct bridge_view v;
        if (++hops > TRACE_MAX_BRIDGES) {
            finish__(r, TRACE_DROPPED, TRACE_R_NO_MATCH, dpid, 0,
                     xasprintf("a loop: the path crosses more than %d bridges",
                               TRACE_MAX_BRIDGES));
            return;
        }
        if (!model_bridge(dpid)) {
            finish__(r, TRACE_DROPPED, TRACE_R_UNKNOWN_BRIDGE, dpid, 0,
                     xasprintf("bridge %#llx is not in the model", (unsigned long long)dpid));
            return;
        }
        view_init__(&v, dpid, fn, aux);
        dpid = walk_bridge__(&v, &p, fn, aux, r);
        view_destroy__(&v);
    }
}

void trace_result_free(struct trace_result *r)
{
    for (size_t i = 0; i < r->n_steps; i++) {
        free(r->steps[i].flow);
        free(r->steps[i].object);
        free(r->steps[i].role);
        free(r->steps[i].warning);
    }
    free(r->steps);
    free(r->port_name);
    free(r->detail);
    free(r->answer);
    memset(r, 0, sizeof *r);
}
