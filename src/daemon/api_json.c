#include "daemon/api_json.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

bool api_error_set(struct api_error *e, unsigned int status, const char *field,
                   const char *fmt, ...)
{
    va_list args;

    e->status = status;
    e->field = field;
    va_start(args, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, args);
    va_end(args);
    return false;
}

/* Splits "/v1/KIND[/KEY]" into the kind and the key text ("" if none). */
bool api_json_route(const char *url, enum edit_kind *k, const char **rest)
{
    if (strncmp(url, "/v1/", 4)) {
        return false;
    }
    for (int i = 0; i < EDIT_N_KINDS; i++) {
        size_t n = strlen(edit_kind_name(i));
        if (!strncmp(url + 4, edit_kind_name(i), n) && (url[4 + n] == '\0' || url[4 + n] == '/')) {
            *k = (enum edit_kind)i;
            *rest = url[4 + n] ? url + 5 + n : "";
            return true;
        }
    }
    return false;
}

/* Parses the key in a URL ("/v1/KIND/KEY" after the kind's prefix). */
bool api_json_parse_key(enum edit_kind k, const char *rest, union edit_object *key)
{
    char *end;
    unsigned long long v;

    memset(key, 0, sizeof *key);
    switch (k) {
    case EDIT_BRIDGE:
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 16);
        key->bridge.dpid = v;
        return end != rest && !*end && v;
    case EDIT_NETWORK:
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 10);
        key->network.vni = (uint32_t)v;
        return end != rest && !*end && v >= 1 && v <= VX_VNI_MAX;
    case EDIT_ROUTER:
        return eth_addr_from_str(rest, key->router.mac);
    case EDIT_HOST: {
        char mac[32];
        if (rest[0] == '-' || rest[0] == '+') return false;
        v = strtoull(rest, &end, 10);
        if (end == rest || *end != '/' || v < 1 || v > VX_VNI_MAX || strlen(end + 1) >= sizeof mac) {
            return false;
        }
        snprintf(mac, sizeof mac, "%s", end + 1);
        key->host.vni = (uint32_t)v;
        return eth_addr_from_str(mac, key->host.mac);
    }
    default:
        return false;
    }
}

void api_json_key_url(enum edit_kind k, const union edit_object *key, char *buf, size_t size)
{
    char mac[ETH_ADDR_STRLEN];
    const char *kind = edit_kind_name(k);

    switch (k) {
    case EDIT_BRIDGE:
        snprintf(buf, size, "/v1/%s/%#" PRIx64, kind, key->bridge.dpid);
        break;
    case EDIT_NETWORK:
        snprintf(buf, size, "/v1/%s/%" PRIu32, kind, key->network.vni);
        break;
    case EDIT_ROUTER:
        snprintf(buf, size, "/v1/%s/%s", kind, eth_addr_to_str(key->router.mac, mac));
        break;
    default:
        snprintf(buf, size, "/v1/%s/%" PRIu32 "/%s", kind, key->host.vni,
                 eth_addr_to_str(key->host.mac, mac));
        break;
    }
}

/* --- JSON forms of the model's objects --- */

static json_t *host_json__(const struct vx_host_cfg *h)
{
    char mac[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN], dpid[24];
    snprintf(dpid, sizeof dpid, "%#" PRIx64, h->dpid);
    json_t *j = json_pack("{s:s,s:I,s:s,s:s}", "mac", eth_addr_to_str(h->mac, mac),
                          "network", (json_int_t)h->vni, "bridge", dpid,
                          "ip", ip_to_str(h->ip, ip));
    json_object_set_new(j, "port", h->port_no ? json_integer(h->port_no) : json_string(h->port_name));
    return j;
}

static json_t *network_json__(const struct vx_network_cfg *n)
{
    char subnet[IP_ADDR_STRLEN + 4], ip[IP_ADDR_STRLEN];
    snprintf(subnet, sizeof subnet, "%s/%u", ip_to_str(n->subnet, ip), n->prefix);
    json_t *dns = json_array();
    for (int i = 0; i < n->n_dns; i++) {
        json_array_append_new(dns, json_string(ip_to_str(n->dns[i], ip)));
    }
    json_t *j = json_pack("{s:I,s:s,s:o,s:I,s:I}", "id", (json_int_t)n->vni, "subnet", subnet,
                          "dns", dns, "mtu", (json_int_t)n->mtu,
                          "lease_time", (json_int_t)n->lease_time);
    if (n->gateway) {
        json_object_set_new(j, "gateway", json_string(ip_to_str(n->gateway, ip)));
    }
    if (n->domain[0]) {
        json_object_set_new(j, "domain", json_string(n->domain));
    }
    if (n->reserved_lo) {
        char lo[IP_ADDR_STRLEN], hi[IP_ADDR_STRLEN], range[2 * IP_ADDR_STRLEN];
        snprintf(range, sizeof range, "%s-%s", ip_to_str(n->reserved_lo, lo),
                 ip_to_str(n->reserved_hi, hi));
        json_object_set_new(j, "reserved", json_string(range));
    }
    if (n->no_snat) {                               /* absent: true */
        json_object_set_new(j, "snat", json_false());
    }
    if (n->arp_responder != VX_ARP_DEFAULT) {       /* absent: the fabric's */
        json_object_set_new(j, "arp_responder",
                            json_string(vxconf_arp_responder_name(n->arp_responder)));
    }
    return j;
}

static json_t *bridge_json__(const struct vx_bridge_cfg *b)
{
    char dpid[24], ip[IP_ADDR_STRLEN];
    snprintf(dpid, sizeof dpid, "%#" PRIx64, b->dpid);
    return json_pack("{s:s,s:s,s:s,s:s}", "dpid", dpid, "name", b->name,
                     "endpoint", ip_to_str(b->tun_ip, ip), "tunnel_port", b->tun_port);
}

/* A router's gateway and floating IPs (#16), in the file's form. */
static void router_gateway_json__(const struct vx_router_cfg *r, json_t *j)
{
    const struct vx_gateway_cfg *g = &r->gateway;
    char dpid[24], ext[IP_ADDR_STRLEN + 4], ip[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];

    if (g->dpid) {
        snprintf(dpid, sizeof dpid, "%#" PRIx64, g->dpid);
        snprintf(ext, sizeof ext, "%s/%u", ip_to_str(g->external_ip, ip), g->prefix);
        json_object_set_new(j, "gateway", json_pack("{s:s,s:s,s:s,s:s}", "bridge", dpid,
                                                    "uplink_port", g->uplink, "external_ip", ext,
                                                    "next_hop", ip_to_str(g->next_hop, ip)));
    }
    if (r->n_floating) {
        json_t *fl = json_array();
        for (int k = 0; k < r->n_floating; k++) {
            json_array_append_new(fl, json_pack("{s:s,s:s}",
                                                "ip", ip_to_str(r->floating[k].ip, ip),
                                                "host", eth_addr_to_str(r->floating[k].host, mac)));
        }
        json_object_set_new(j, "floating_ips", fl);
    }
}

static json_t *router_json__(const struct vx_router_cfg *r)
{
    char mac[ETH_ADDR_STRLEN];
    json_t *nets = json_array();
    for (int i = 0; i < r->n_networks; i++) {
        json_array_append_new(nets, json_integer(r->networks[i]));
    }
    json_t *j = json_pack("{s:s,s:o}", "mac", eth_addr_to_str(r->mac, mac), "networks", nets);
    router_gateway_json__(r, j);
    return j;
}

/* Rejects members of 'j' not in 'known'. */
static bool known_fields__(json_t *j, const char *const *known, struct api_error *e)
{
    static char field[64];
    const char *k;
    json_t *v;

    json_object_foreach(j, k, v) {
        bool ok = false;
        for (int i = 0; known[i]; i++) {
            ok |= !strcmp(k, known[i]);
        }
        if (!ok) {
            snprintf(field, sizeof field, "%s", k);    /* 'k' lives in 'j' */
            return api_error_set(e, MHD_HTTP_BAD_REQUEST, field, "unknown field '%s'", field);
        }
    }
    return true;
}

static bool get_ip__(json_t *j, const char *name, bool required, uint32_t *ip, struct api_error *e)
{
    json_t *v = json_object_get(j, name);
    if (!v && !required) {
        return true;
    }
    if (!json_is_string(v) || !ip_from_str(json_string_value(v), ip)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, name, "'%s' must be an IPv4 address", name);
    }
    return true;
}

static bool get_int__(json_t *j, const char *name, long long lo, long long hi, long long *out,
                      struct api_error *e)
{
    json_t *v = json_object_get(j, name);
    if (!v) {
        return true;            /* keeps the default in '*out' */
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, name, "'%s' must be an integer %lld..%lld", name, lo, hi);
    }
    *out = json_integer_value(v);
    return true;
}

static bool bridge_from_json__(json_t *j, struct vx_bridge_cfg *b, struct api_error *e)
{
    static const char *const known[] = { "endpoint", "name", "tunnel_port", "dpid", NULL };
    if (!known_fields__(j, known, e) || !get_ip__(j, "endpoint", true, &b->tun_ip, e)) {
        return false;
    }
    const char *name = json_string_value(json_object_get(j, "name"));
    if (json_object_get(j, "name") && (!name || !name[0] || strlen(name) >= sizeof b->name)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "name", "'name' must be 1 to %zu characters", sizeof b->name - 1);
    }
    snprintf(b->name, sizeof b->name, "%s", name ? name : "");
    if (!name) {
        snprintf(b->name, sizeof b->name, "%#" PRIx64, b->dpid);
    }
    const char *tp = json_string_value(json_object_get(j, "tunnel_port"));
    if (json_object_get(j, "tunnel_port") && (!tp || !tp[0] || strlen(tp) > VX_PORT_NAME_MAX)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "tunnel_port", "'tunnel_port' must be 1 to 16 characters");
    }
    snprintf(b->tun_port, sizeof b->tun_port, "%s", tp ? tp : "vtun1");
    return true;
}

static bool network_from_json__(json_t *j, struct vx_network_cfg *n, struct api_error *e)
{
    static const char *const known[] = {
        "subnet", "gateway", "dns", "domain", "mtu", "lease_time", "id", "arp_responder",
        "reserved", "snat", NULL
    };
    unsigned int prefix;
    long long mtu = VX_MTU_DEFAULT, lease = VX_LEASE_DEFAULT;

    if (!known_fields__(j, known, e)) {
        return false;
    }
    const char *subnet = json_string_value(json_object_get(j, "subnet"));
    if (!subnet || !cidr_from_str(subnet, &n->subnet, &prefix)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "subnet", "'subnet' must be a CIDR such as \"10.0.0.0/24\"");
    }
    n->prefix = (uint8_t)prefix;
    if (n->subnet & ~prefix_to_mask(prefix)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "subnet", "subnet '%s' has host bits set", subnet);
    }
    if (!get_ip__(j, "gateway", false, &n->gateway, e)) {
        return false;
    }
    json_t *dns = json_object_get(j, "dns");
    if (dns) {
        size_t i;
        json_t *d;
        if (!json_is_array(dns) || json_array_size(dns) > VX_MAX_DNS) {
            return api_error_set(e, MHD_HTTP_BAD_REQUEST, "dns", "'dns' must be a list of up to %d IPv4 addresses", VX_MAX_DNS);
        }
        json_array_foreach(dns, i, d) {
            if (!json_is_string(d) || !ip_from_str(json_string_value(d), &n->dns[n->n_dns++])) {
                return api_error_set(e, MHD_HTTP_BAD_REQUEST, "dns", "'dns' must be a list of up to %d IPv4 addresses", VX_MAX_DNS);
            }
        }
    }
    const char *domain = json_string_value(json_object_get(j, "domain"));
    if (json_object_get(j, "domain") && (!domain || strlen(domain) >= sizeof n->domain)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "domain", "'domain' must be a string under %zu characters", sizeof n->domain);
    }
    snprintf(n->domain, sizeof n->domain, "%s", domain ? domain : "");
    if (!get_int__(j, "mtu", VX_MTU_MIN, VX_MTU_MAX, &mtu, e) || !get_int__(j, "lease_time", VX_LEASE_MIN, VX_LEASE_MAX, &lease, e)) {
        return false;
    }
    json_t *arp = json_object_get(j, "arp_responder");
    enum vx_arp_responder mode = VX_ARP_DEFAULT;
    if (arp && (!json_is_string(arp) || !vxconf_arp_responder_from_string(json_string_value(arp), &mode))) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "arp_responder",
                             "'arp_responder' must be \"controller\" or \"datapath\"");
    }
    n->arp_responder = (uint8_t)mode;
    json_t *reserved = json_object_get(j, "reserved");
    if (reserved && (!json_is_string(reserved)
                     || !vxconf_range_from_str(json_string_value(reserved), &n->reserved_lo,
                                               &n->reserved_hi))) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "reserved",
                             "'reserved' must be a range such as \"10.0.0.200-10.0.0.249\"");
    }
    json_t *snat = json_object_get(j, "snat");
    if (snat && !json_is_boolean(snat)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "snat", "'snat' must be true or false");
    }
    n->no_snat = snat && json_is_false(snat);
    n->mtu = (uint16_t)mtu;
    n->lease_time = (uint32_t)lease;
    return true;
}

/* A router's "gateway" object: bridge (name or dpid), uplink_port,
 * external_ip (with its prefix), next_hop.  The rules are edit_validate()'s. */
static bool gateway_from_json__(const struct vx_config *cur, json_t *g, struct vx_gateway_cfg *gw,
                                struct api_error *e)
{
    static const char *const known[] = { "bridge", "uplink_port", "external_ip", "next_hop", NULL };
    const char *bridge = json_string_value(json_object_get(g, "bridge"));
    const char *uplink = json_string_value(json_object_get(g, "uplink_port"));
    const char *ext = json_string_value(json_object_get(g, "external_ip"));
    unsigned int prefix;

    if (!json_is_object(g) || !known_fields__(g, known, e)) {
        return json_is_object(g) ? false
               : api_error_set(e, MHD_HTTP_BAD_REQUEST, "gateway", "'gateway' must be an object");
    }
    const struct vx_bridge_cfg *b = bridge ? api_json_find_bridge(cur, bridge) : NULL;
    if (!b) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "gateway.bridge",
                             "'bridge' must name a bridge (its name or datapath-id)");
    }
    gw->dpid = b->dpid;
    if (!uplink || !uplink[0] || strlen(uplink) > VX_PORT_NAME_MAX) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "gateway.uplink_port",
                             "'uplink_port' must be a port name of 1 to 16 characters");
    }
    snprintf(gw->uplink, sizeof gw->uplink, "%s", uplink);
    if (!ext || !cidr_from_str(ext, &gw->external_ip, &prefix) || !prefix || prefix > 30) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "gateway.external_ip",
                             "'external_ip' must be an address with its prefix, such as \"203.0.113.10/24\"");
    }
    gw->prefix = (uint8_t)prefix;
    return get_ip__(g, "next_hop", true, &gw->next_hop, e);
}

/* A router's "floating_ips": a list of { ip, host (MAC) }. */
static bool floating_from_json__(json_t *l, struct vx_router_cfg *r, struct api_error *e)
{
    size_t i;
    json_t *f;

    if (!json_is_array(l) || json_array_size(l) > VX_MAX_FLOATING_IPS) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "floating_ips",
                             "'floating_ips' must be a list of up to %d { ip, host }", VX_MAX_FLOATING_IPS);
    }
    json_array_foreach(l, i, f) {
        struct vx_floating_ip *fi = &r->floating[r->n_floating];
        const char *ip = json_string_value(json_object_get(f, "ip"));
        const char *host = json_string_value(json_object_get(f, "host"));
        if (!ip || !host || !ip_from_str(ip, &fi->ip) || !eth_addr_from_str(host, fi->host)) {
            return api_error_set(e, MHD_HTTP_BAD_REQUEST, "floating_ips",
                                 "a floating IP is {\"ip\": \"203.0.113.20\", \"host\": \"<the host's MAC>\"}");
        }
        r->n_floating++;
    }
    vxconf_router_sort_floating(r);
    return true;
}

static bool router_from_json__(const struct vx_config *cur, json_t *j, struct vx_router_cfg *r,
                               struct api_error *e)
{
    static const char *const known[] = { "networks", "mac", "gateway", "floating_ips", NULL };
    json_t *gw = json_object_get(j, "gateway");
    json_t *fl = json_object_get(j, "floating_ips");
    json_t *nets = json_object_get(j, "networks");
    size_t i;
    json_t *v;

    if (!known_fields__(j, known, e)) {
        return false;
    }
    if (!json_is_array(nets) || json_array_size(nets) > VX_MAX_ROUTER_NETS) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "networks", "'networks' must be a list of up to %d network ids",
                      VX_MAX_ROUTER_NETS);
    }
    json_array_foreach(nets, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > VX_VNI_MAX) {
            return api_error_set(e, MHD_HTTP_BAD_REQUEST, "networks", "network ids must be 1..16777215");
        }
        r->networks[r->n_networks++] = (uint32_t)json_integer_value(v);
    }
    vxconf_router_sort(r);
    return (!gw || json_is_null(gw) || gateway_from_json__(cur, gw, &r->gateway, e))
           && (!fl || floating_from_json__(fl, r, e));
}

const struct vx_bridge_cfg *api_json_find_bridge(const struct vx_config *cur, const char *text)
{
    const struct vx_bridge_cfg *found = NULL;

    for (size_t i = 0; i < cur->n_bridges; i++) {
        char dpid[24];
        snprintf(dpid, sizeof dpid, "%#" PRIx64, cur->bridges[i].dpid);
        if (!strcmp(cur->bridges[i].name, text) || !strcasecmp(dpid, text)) {
            found = &cur->bridges[i];   /* the last one, as names and dpids are unique */
        }
    }
    return found;
}

static bool host_from_json__(const struct vx_config *cur, json_t *j, struct vx_host_cfg *h,
                             struct api_error *e)
{
    static const char *const known[] = { "bridge", "port", "iface", "ip", "mac", "network", NULL };

    if (!known_fields__(j, known, e) || !get_ip__(j, "ip", true, &h->ip, e)) {
        return false;
    }
    const char *bridge = json_string_value(json_object_get(j, "bridge"));
    const struct vx_bridge_cfg *b = bridge ? api_json_find_bridge(cur, bridge) : NULL;
    if (!b) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "bridge", "'bridge' must name a known bridge");
    }
    h->dpid = b->dpid;
    json_t *port = json_object_get(j, "port"), *iface = json_object_get(j, "iface");
    if (port && iface) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "iface", "give 'port' or 'iface', not both");
    }
    port = port ? port : iface;
    if (iface && !json_is_string(iface)) {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "iface", "'iface' must be an interface name");
    }
    if (json_is_integer(port) && json_integer_value(port) >= 1 && json_integer_value(port) <= VX_PORT_NO_MAX) {
        h->port_no = (uint32_t)json_integer_value(port);
    } else if (json_is_string(port) && json_string_length(port) >= 1
               && json_string_length(port) <= VX_PORT_NAME_MAX) {
        snprintf(h->port_name, sizeof h->port_name, "%s", json_string_value(port));
    } else {
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, "port",
                      "'port' must be a number 1..65279 or an interface name of 1 to 16 characters");
    }
    if (!vxconf_find_network(cur, h->vni)) {
        return api_error_set(e, MHD_HTTP_NOT_FOUND, "network", "network %u does not exist", h->vni);
    }
    return true;
}

/* Builds the object of kind 'k' with 'key' from JSON 'body' against 'cur'.
 * Field-level checks only; the whole-config rules run on the result. */
bool api_json_parse_object(const struct vx_config *cur, enum edit_kind k, const union edit_object *key,
                        const char *body, union edit_object *out, struct api_error *e)
{
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    bool ok;

    *out = *key;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return api_error_set(e, MHD_HTTP_BAD_REQUEST, NULL, "body is not a JSON object: %s", jerr.text);
    }
    switch (k) {
    case EDIT_BRIDGE: ok = bridge_from_json__(j, &out->bridge, e); break;
    case EDIT_NETWORK: ok = network_from_json__(j, &out->network, e); break;
    case EDIT_ROUTER: ok = router_from_json__(cur, j, &out->router, e); break;
    default: ok = host_from_json__(cur, j, &out->host, e); break;
    }
    json_decref(j);
    return ok;
}

json_t *api_json_object(enum edit_kind k, const void *o)
{
    switch (k) {
    case EDIT_BRIDGE: return bridge_json__(o);
    case EDIT_NETWORK: return network_json__(o);
    case EDIT_ROUTER: return router_json__(o);
    default: return host_json__(o);
    }
}

/* Maps a validation message to the HTTP status and the JSON field it is
 * about: conflicts with other objects are 409, the rest 400. */
static unsigned int classify__(const char *msg, bool deleting, const char **field)
{
    *field = NULL;
    if (deleting) {
        return MHD_HTTP_CONFLICT;       /* something still refers to it */
    }
    if (strstr(msg, "duplicate (network, IP)")) { *field = "ip"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "duplicate (bridge, port)")) { *field = "port"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "is already on router")) { *field = "networks"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "overlapping subnets")) { *field = "networks"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "unknown network") && strstr(msg, "router")) { *field = "networks"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "unknown bridge")) { *field = "bridge"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "is already used by")) { *field = "floating_ips"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "conntrack zone")) { *field = "mac"; return MHD_HTTP_CONFLICT; }
    if (strstr(msg, "floating")) { *field = "floating_ips"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "external") || strstr(msg, "next_hop")) { *field = "gateway"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "IP ")) { *field = "ip"; return MHD_HTTP_BAD_REQUEST; }
    if (strstr(msg, "gateway")) { *field = "gateway"; return MHD_HTTP_BAD_REQUEST; }
    return MHD_HTTP_BAD_REQUEST;
}

/* Validates 'next'; on failure fills 'e' and frees 'next'. */
static bool validate__(struct vx_config *next, bool deleting, struct api_error *e)
{
    struct vx_errors errs = { 0, 0, NULL };

    if (edit_validate(next, "api", &errs)) {
        return true;
    }
    /* Messages look like "api:0: OBJECT: what"; keep "OBJECT: what". */
    const char *msg = errs.msgs[0];
    const char *what = strstr(msg, ": ");
    e->status = classify__(msg, deleting, &e->field);
    snprintf(e->msg, sizeof e->msg, "%s%s", deleting ? "still referred to: " : "",
             what ? what + 2 : msg);
    vx_errors_clear(&errs);
    vxconf_free(next);
    return false;
}

/* Computes the config that a change (PUT with 'body', or DELETE when
 * 'body' is NULL) of object 'key' of kind 'k' makes of 'cur'. */
bool api_json_change(const struct vx_config *cur, enum edit_kind k, const union edit_object *key,
                     const char *body, struct vx_config *next, bool *existed,
                     union edit_object *out, struct api_error *e)
{
    if (body && !api_json_parse_object(cur, k, key, body, out, e)) {
        return false;
    }
    *existed = edit_config_with(cur, k, key, body ? out : NULL, next);
    if (!body && !*existed) {
        vxconf_free(next);
        return api_error_set(e, MHD_HTTP_NOT_FOUND, NULL, "no such %.*s",
                             (int)strlen(edit_kind_name(k)) - 1, edit_kind_name(k));
    }
    if (!validate__(next, !body, e)) {
        return false;
    }
    vxconf_sort(next);
    return true;
}

bool api_json_parse_attach(const char *body, struct api_attach *a, struct api_error *e)
{
    static const char *const known[] = { "network", "bridge", "iface", "mac", "ip", NULL };
    json_t *j = json_loads(body, 0, NULL);
    bool ok = false;

    memset(a, 0, sizeof *a);
    if (!j || !json_is_object(j)) {
        api_error_set(e, MHD_HTTP_BAD_REQUEST, NULL, "the body must be {\"network\": VNI, "
                      "\"bridge\": NAME, \"iface\": NAME[, \"mac\": MAC][, \"ip\": IP]}");
    } else if (known_fields__(j, known, e)) {
        json_t *net = json_object_get(j, "network"), *mac = json_object_get(j, "mac");
        if (!json_is_integer(net) || json_integer_value(net) < 1 || json_integer_value(net) > VX_VNI_MAX) {
            api_error_set(e, MHD_HTTP_BAD_REQUEST, "network", "'network' must be a VNI 1..16777215");
        } else if (!json_is_string(json_object_get(j, "bridge"))) {
            api_error_set(e, MHD_HTTP_BAD_REQUEST, "bridge", "'bridge' (a name or a dpid) is required");
        } else if (!json_is_string(json_object_get(j, "iface"))) {
            api_error_set(e, MHD_HTTP_BAD_REQUEST, "iface", "'iface' (an interface name) is required");
        } else if (mac && (!json_is_string(mac) || !eth_addr_from_str(json_string_value(mac), a->mac))) {
            api_error_set(e, MHD_HTTP_BAD_REQUEST, "mac", "'mac' is not a MAC address");
        } else {
            a->vni = (uint32_t)json_integer_value(net);
            a->has_mac = mac != NULL;
            json_object_del(j, "network");
            json_object_del(j, "mac");
            a->host_body = json_dumps(j, JSON_COMPACT);
            ok = true;
        }
    }
    json_decref(j);
    return ok;
}
