#include "daemon/api_trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/model.h"
#include "model/pipeline.h"
#include "proto/pkt.h"

/* --- the request --- */

struct proto_def {
    const char *name;
    uint16_t eth_type;
    uint8_t ip_proto;
};

static const struct proto_def protos__[] = {
    { "icmp", ETHERTYPE_IP, IPPROTO_ICMP }, { "tcp", ETHERTYPE_IP, IPPROTO_TCP },
    { "udp", ETHERTYPE_IP, IPPROTO_UDP }, { "dhcp", ETHERTYPE_IP, IPPROTO_UDP },
    { "arp", ETHERTYPE_ARP, 0 },
};

/* A number argument in 0..max (decimal or 0x hex), or 'dflt' if absent. */
static bool num_arg__(api_trace_arg_fn *arg, void *aux, const char *name, uint64_t max,
                      uint64_t dflt, uint64_t *out, struct api_error *e)
{
    const char *v = arg(aux, name);
    char *end;

    if (!v) {
        *out = dflt;
        return true;
    }
    unsigned long long n = strtoull(v, &end, 0);
    if (!*v || *end || *v == '-' || n > max) {
        return api_error_set(e, 400, name, "'%s' is not a number in 0..%" PRIu64, v, max);
    }
    *out = n;
    return true;
}

static bool ip_arg__(api_trace_arg_fn *arg, void *aux, const char *name, bool required,
                     uint32_t *out, struct api_error *e)
{
    const char *v = arg(aux, name);
    if (!v) {
        return !required || api_error_set(e, 400, name, "'%s' is required", name);
    }
    return ip_from_str(v, out) || api_error_set(e, 400, name, "'%s' is not an IPv4 address", v);
}

static bool mac_arg__(api_trace_arg_fn *arg, void *aux, const char *name, uint8_t mac[6],
                      struct api_error *e)
{
    const char *v = arg(aux, name);
    return !v || eth_addr_from_str(v, mac)
           || api_error_set(e, 400, name, "'%s' is not a MAC address", v);
}

/* The source host named by 'src' ("MAC" or "VNI/MAC"). */
static const struct vx_host_cfg *source_host__(const char *src, struct api_error *e)
{
    const struct vx_config *cfg = model_config();
    union edit_object key;
    uint8_t mac[6];

    if (strchr(src, '/')) {
        if (!api_json_parse_key(EDIT_HOST, src, &key)) {
            api_error_set(e, 400, "src", "'%s' is not a host key (VNI/MAC)", src);
            return NULL;
        }
        const struct vx_host_cfg *h = edit_find(cfg, EDIT_HOST, &key.host);
        if (!h) {
            api_error_set(e, 404, "src", "no host %s", src);
        }
        return h;
    }
    if (!eth_addr_from_str(src, mac)) {
        api_error_set(e, 400, "src", "'%s' is not a MAC address or a host key", src);
        return NULL;
    }
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        if (!memcmp(cfg->hosts[i].mac, mac, 6)) {
            return &cfg->hosts[i];
        }
    }
    api_error_set(e, 404, "src", "no host has MAC %s", src);
    return NULL;
}

/* Where the packet enters: a host's port, or bridge + in_port. */
static bool ingress__(api_trace_arg_fn *arg, void *aux, uint64_t *dpid, struct trace_packet *p,
                      const char **port_name, const struct vx_host_cfg **host,
                      struct api_error *e)
{
    const char *src = arg(aux, "src");
    uint64_t port;

    *host = NULL;
    *port_name = NULL;
    if (src) {
        if (!(*host = source_host__(src, e))) {
            return false;
        }
        *dpid = (*host)->dpid;
        trace_packet_set(p, OFF_IN_PORT, (*host)->port_no);
        trace_packet_set(p, OFF_ETH_SRC, mac_to_u64((*host)->mac));
        trace_packet_set(p, OFF_IPV4_SRC, (*host)->ip);
        *port_name = (*host)->port_no ? NULL : (*host)->port_name;
        return true;
    }
    const char *b = arg(aux, "bridge");
    union edit_object key;
    if (!b || !api_json_parse_key(EDIT_BRIDGE, b, &key)) {
        return api_error_set(e, 400, b ? "bridge" : "src",
                             b ? "'%s' is not a datapath id" : "'src' (a host) or 'bridge' is required",
                             b ? b : "");
    }
    *dpid = key.bridge.dpid;
    if (!num_arg__(arg, aux, "in_port", UINT32_MAX, 0, &port, e)) {
        return false;
    }
    trace_packet_set(p, OFF_IN_PORT, port);
    trace_packet_set(p, OFF_ETH_SRC, 0);
    trace_packet_set(p, OFF_IPV4_SRC, 0);
    return true;
}

/* What the source would put in eth_dst for 'dst' (see the header). */
static uint64_t resolve_eth_dst__(const struct vx_host_cfg *src, uint32_t dst)
{
    const struct vx_network *net = src ? model_network(src->vni) : NULL;
    uint8_t mac[6];

    if (!net) {
        return UINT64_C(0xffffffffffff);
    }
    uint32_t mask = prefix_to_mask(net->cfg.prefix);
    if ((dst & mask) != (net->cfg.subnet & mask) || dst == net->cfg.gateway) {
        model_gateway_mac(src->vni, mac);
        return mac_to_u64(mac);
    }
    const struct vx_host *h = model_host_by_ip(src->vni, dst);
    return h ? mac_to_u64(h->cfg.mac) : UINT64_C(0xffffffffffff);
}

/* Source overrides: eth_src, ip_src. */
static bool overrides__(api_trace_arg_fn *arg, void *aux, struct trace_packet *p,
                        struct api_error *e)
{
    uint8_t mac[6];
    uint32_t ip;

    if (arg(aux, "eth_src")) {
        if (!mac_arg__(arg, aux, "eth_src", mac, e)) {
            return false;
        }
        trace_packet_set(p, OFF_ETH_SRC, mac_to_u64(mac));
    }
    if (arg(aux, "ip_src")) {
        if (!ip_arg__(arg, aux, "ip_src", true, &ip, e)) {
            return false;
        }
        trace_packet_set(p, OFF_IPV4_SRC, ip);
    }
    return true;
}

static void arp_fields__(struct trace_packet *p, uint64_t op, uint32_t tpa)
{
    uint64_t sha = p->f[OFF_ETH_SRC];
    uint32_t spa = (uint32_t)p->f[OFF_IPV4_SRC];

    p->present &= ~(1u << OFF_IPV4_SRC);
    trace_packet_set(p, OFF_ETH_DST, UINT64_C(0xffffffffffff));
    trace_packet_set(p, OFF_ARP_OP, op);
    trace_packet_set(p, OFF_ARP_SHA, sha);
    trace_packet_set(p, OFF_ARP_SPA, spa);
    trace_packet_set(p, OFF_ARP_THA, 0);
    trace_packet_set(p, OFF_ARP_TPA, tpa);
}

/* The layer-4 fields of 'proto' (ports, ICMP type). */
static bool l4_fields__(api_trace_arg_fn *arg, void *aux, const struct proto_def *proto,
                        struct trace_packet *p, struct api_error *e)
{
    uint64_t sport, dport, type;
    bool dhcp = !strcmp(proto->name, "dhcp");

    if (proto->ip_proto == IPPROTO_ICMP) {
        if (!num_arg__(arg, aux, "icmp_type", 255, ICMP_ECHO, &type, e)) {
            return false;
        }
        trace_packet_set(p, OFF_ICMPV4_TYPE, type);
        trace_packet_set(p, OFF_ICMPV4_CODE, 0);
        return true;
    }
    if (!num_arg__(arg, aux, "src_port", 65535, dhcp ? 68 : 40000, &sport, e)
        || !num_arg__(arg, aux, "dst_port", 65535, dhcp ? 67 : 80, &dport, e)) {
        return false;
    }
    bool tcp = proto->ip_proto == IPPROTO_TCP;
    trace_packet_set(p, tcp ? OFF_TCP_SRC : OFF_UDP_SRC, sport);
    trace_packet_set(p, tcp ? OFF_TCP_DST : OFF_UDP_DST, dport);
    return true;
}

static bool ipv4_fields__(api_trace_arg_fn *arg, void *aux, const struct proto_def *proto,
                          const struct vx_host_cfg *host, struct trace_packet *p,
                          struct api_error *e)
{
    bool dhcp = !strcmp(proto->name, "dhcp");
    uint32_t dst = dhcp ? UINT32_MAX : 0;
    uint64_t ttl;
    uint8_t mac[6];

    if (!ip_arg__(arg, aux, "dst", !dhcp, &dst, e)
        || !num_arg__(arg, aux, "ttl", 255, 64, &ttl, e)
        || !l4_fields__(arg, aux, proto, p, e)) {
        return false;
    }
    if (dhcp && !arg(aux, "ip_src")) {
        trace_packet_set(p, OFF_IPV4_SRC, 0);
    }
    trace_packet_set(p, OFF_IPV4_DST, dst);
    trace_packet_set(p, OFF_IP_PROTO, proto->ip_proto);
    p->ttl = (uint8_t)ttl;
    trace_packet_set(p, OFF_ETH_DST, dhcp ? UINT64_C(0xffffffffffff) : resolve_eth_dst__(host, dst));
    if (arg(aux, "dst_mac")) {
        if (!mac_arg__(arg, aux, "dst_mac", mac, e)) {
            return false;
        }
        trace_packet_set(p, OFF_ETH_DST, mac_to_u64(mac));
    }
    return true;
}

bool api_trace_request(api_trace_arg_fn *arg, void *aux, uint64_t *dpid,
                       struct trace_packet *p, const char **port_name, struct api_error *e)
{
    const char *pname = arg(aux, "proto") ? arg(aux, "proto") : "icmp";
    const struct proto_def *proto = NULL;
    const struct vx_host_cfg *host;

    for (size_t i = 0; i < ARRAY_SIZE(protos__); i++) {
        proto = !strcmp(protos__[i].name, pname) ? &protos__[i] : proto;
    }
    if (!proto) {
        return api_error_set(e, 400, "proto", "'%s' is not icmp, tcp, udp, arp or dhcp", pname);
    }
    trace_packet_init(p);
    if (!ingress__(arg, aux, dpid, p, port_name, &host, e) || !overrides__(arg, aux, p, e)) {
        return false;
    }
    trace_packet_set(p, OFF_ETH_TYPE, proto->eth_type);
    if (proto->eth_type == ETHERTYPE_ARP) {
        uint64_t op;
        uint32_t tpa;
        if (!num_arg__(arg, aux, "arp_op", 65535, ARPOP_REQUEST, &op, e)
            || !ip_arg__(arg, aux, "dst", true, &tpa, e)) {
            return false;
        }
        arp_fields__(p, op, tpa);
        return true;
    }
    return ipv4_fields__(arg, aux, proto, host, p, e);
}

/* --- the answer --- */

static json_t *dpid_json__(uint64_t dpid)
{
    char s[24];
    snprintf(s, sizeof s, "%#" PRIx64, dpid);
    return json_string(s);
}

static json_t *bridge_json__(uint64_t dpid)
{
    const struct vx_bridge *b = model_bridge(dpid);
    return b ? json_string(b->cfg.name) : dpid_json__(dpid);
}

static json_t *step_json__(const struct trace_step *s)
{
    char cookie[24];

    snprintf(cookie, sizeof cookie, "%#" PRIx64, s->cookie);
    json_t *j = json_pack("{s:o,s:o,s:i,s:i,s:s,s:s,s:s,s:s,s:s}",
                          "bridge", bridge_json__(s->dpid), "dpid", dpid_json__(s->dpid),
                          "table", (int)s->table, "priority", (int)s->priority,
                          "cookie", cookie, "flow", s->flow, "object", s->object,
                          "role", s->role, "installed", trace_install_name(s->install));
    if (s->warning) {
        json_object_set_new(j, "warning", json_string(s->warning));
    }
    return j;
}

json_t *api_trace_result_json(const struct trace_result *r)
{
    json_t *steps = json_array();

    for (size_t i = 0; i < r->n_steps; i++) {
        json_array_append_new(steps, step_json__(&r->steps[i]));
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:I,s:o}",
                          "verdict", trace_verdict_name(r->verdict),
                          "reason", trace_reason_name(r->reason),
                          "detail", r->detail ? r->detail : "",
                          "bridge", bridge_json__(r->dpid), "dpid", dpid_json__(r->dpid),
                          "table", (int)r->table, "warnings", (json_int_t)r->n_warnings,
                          "steps", steps);
    if (r->reason != TRACE_R_NONE) {
        json_object_set_new(j, "why", json_string(trace_reason_text(r->reason)));
    }
    if (r->verdict == TRACE_DELIVERED || r->verdict == TRACE_REPLIED) {
        json_object_set_new(j, "port", json_integer(r->port));
        if (r->port_name) {
            json_object_set_new(j, "port_name", json_string(r->port_name));
        }
    }
    if (r->answer) {
        json_object_set_new(j, "controller_answer", json_string(r->answer));
    }
    return j;
}

json_t *api_trace_cookie_json(const char *text, struct api_error *e)
{
    char *end, object[160];
    uint64_t cookie = strtoull(text, &end, 16);

    if (!*text || *end) {
        api_error_set(e, 400, NULL, "'%s' is not a hexadecimal cookie", text);
        return NULL;
    }
    struct pipeline_cookie_info ci = pipeline_cookie_parse(cookie);
    char canon[24];
    snprintf(canon, sizeof canon, "%#" PRIx64, cookie);
    if (!ci.valid) {
        bool legacy = (cookie & PIPELINE_COOKIE_MASK) == PIPELINE_COOKIE;
        return json_pack("{s:s,s:b,s:s}", "cookie", canon, "vxfabric", legacy,
                         "object", legacy ? "a vxfabric flow from before cookies named objects"
                                          : "not a vxfabric flow");
    }
    bool found = trace_describe_cookie(cookie, object, sizeof object);
    return json_pack("{s:s,s:b,s:s,s:s,s:s,s:s,s:b}", "cookie", canon, "vxfabric", 1,
                     "kind", pipeline_kind_name(ci.kind), "role", pipeline_role_name(ci.role),
                     "role_text", pipeline_role_text(ci.role),
                     "object", found ? object : "an object no longer in the model",
                     "exists", found);
}
