#include "proto/of_match.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "proto/ofp_wire.h"

#define B OFPXMC_OPENFLOW_BASIC
#define N1 OFPXMC_NXM_1
static const struct of_field_desc fields[OFF_N_FIELDS] = {
    [OFF_IN_PORT]     = { B, 0, 4, false, "in_port", NULL },
    [OFF_METADATA]    = { B, 2, 8, true, "metadata", NULL },
    [OFF_ETH_DST]     = { B, 3, 6, true, "dl_dst", "NXM_OF_ETH_DST" },
    [OFF_ETH_SRC]     = { B, 4, 6, true, "dl_src", "NXM_OF_ETH_SRC" },
    [OFF_ETH_TYPE]    = { B, 5, 2, false, "dl_type", NULL },
    [OFF_VLAN_VID]    = { B, 6, 2, true, "vlan_vid", NULL },
    [OFF_IP_PROTO]    = { B, 10, 1, false, "nw_proto", NULL },
    [OFF_IPV4_SRC]    = { B, 11, 4, true, "nw_src", "NXM_OF_IP_SRC" },
    [OFF_IPV4_DST]    = { B, 12, 4, true, "nw_dst", "NXM_OF_IP_DST" },
    [OFF_TCP_SRC]     = { B, 13, 2, false, "tcp_src", NULL },
    [OFF_TCP_DST]     = { B, 14, 2, false, "tcp_dst", NULL },
    [OFF_UDP_SRC]     = { B, 15, 2, false, "udp_src", NULL },
    [OFF_UDP_DST]     = { B, 16, 2, false, "tp_dst", NULL },
    [OFF_ICMPV4_TYPE] = { B, 19, 1, false, "icmp_type", NULL },
    [OFF_ICMPV4_CODE] = { B, 20, 1, false, "icmp_code", NULL },
    [OFF_ARP_OP]      = { B, 21, 2, false, "arp_op", NULL },
    [OFF_ARP_SPA]     = { B, 22, 4, true, "arp_spa", "NXM_OF_ARP_SPA" },
    [OFF_ARP_TPA]     = { B, 23, 4, true, "arp_tpa", "NXM_OF_ARP_TPA" },
    [OFF_ARP_SHA]     = { B, 24, 6, true, "arp_sha", "NXM_NX_ARP_SHA" },
    [OFF_ARP_THA]     = { B, 25, 6, true, "arp_tha", "NXM_NX_ARP_THA" },
    [OFF_TUN_ID]      = { B, 38, 8, true, "tun_id", NULL },
    [OFF_TUN_SRC]     = { N1, 31, 4, true, "tun_src", NULL },
    [OFF_TUN_DST]     = { N1, 32, 4, true, "tun_dst", NULL },
    [OFF_CT_STATE]    = { N1, 105, 4, true, "ct_state", NULL },
    [OFF_CT_ZONE]     = { N1, 106, 2, false, "ct_zone", NULL },
};
#undef B
#undef N1

const struct of_field_desc *of_field_get(enum of_field f)
{
    return &fields[f];
}

bool of_field_from_oxm(uint16_t oxm_class, uint8_t oxm_field, enum of_field *f)
{
    for (int i = 0; i < OFF_N_FIELDS; i++) {
        if (fields[i].oxm_class == oxm_class && fields[i].oxm_field == oxm_field) {
            *f = i;
            return true;
        }
    }
    return false;
}

uint64_t mac_to_u64(const uint8_t mac[6])
{
    return get_be_n(mac, 6);
}

void mac_from_u64(uint64_t v, uint8_t mac[6])
{
    put_be_n(mac, v, 6);
}

void of_match_set(struct of_match *m, enum of_field f, uint64_t value)
{
    m->present |= 1u << f;
    m->masked &= ~(1u << f);
    m->value[f] = value;
}

void of_match_set_masked(struct of_match *m, enum of_field f, uint64_t value,
                         uint64_t mask)
{
    uint64_t full = fields[f].size == 8 ? UINT64_MAX
                    : (UINT64_C(1) << (fields[f].size * 8)) - 1;

    if ((mask & full) == full) {
        of_match_set(m, f, value);
        return;
    }
    m->present |= 1u << f;
    m->masked |= 1u << f;
    m->value[f] = value & mask;
    m->mask[f] = mask & full;
}

void of_match_set_mac(struct of_match *m, enum of_field f, const uint8_t mac[6])
{
    of_match_set(m, f, mac_to_u64(mac));
}

/* OF1.3.5 A.2.3.2: a 32-bit OXM header whose low byte is the payload length. */
static const struct vxtlv_format oxm_tlv__ = {
    .hdr_size = 4, .len_ofs = 3, .len_size = 1, .len_includes_hdr = false, .align = 1,
};

/* Keeps an OXM this codec does not know, so that the match can still be
 * compared and printed; marks the match if there is no room left. */
static void keep_unknown__(struct of_match *m, const struct vxtlv *t)
{
    if (m->unknown_size + t->size > sizeof m->unknown) {
        m->unknown_overflow = true;
    } else {
        memcpy(m->unknown + m->unknown_size, t->hdr, t->size);
        m->unknown_size = (uint16_t)(m->unknown_size + t->size);
    }
}

enum ofperr of_match_pull(struct vxcur *c, struct of_match *m)
{
    const struct ofp_match_header *mh;
    struct vxcur oxms;
    uint16_t length;

    of_match_init(m);
    if (c->left < sizeof *mh) {
        return OFPERR_BAD_MATCH_LEN;
    }
    mh = (const void *)c->p;
    if (get_be16(mh->type) != OFPMT_OXM) {
        return OFPERR_BAD_MATCH_TYPE;
    }
    length = get_be16(mh->length);
    if (length < sizeof *mh || ROUND_UP((size_t)length, 8) > c->left) {
        return OFPERR_BAD_MATCH_LEN;
    }
    oxms = vxcur_make(c->p + sizeof *mh, length - sizeof *mh);
    vxcur_pull(c, ROUND_UP((size_t)length, 8));

    while (oxms.left) {
        struct vxtlv t;
        enum of_field f;

        if (!vxcur_pull_tlv(&oxms, &oxm_tlv__, &t)) {
            return OFPERR_BAD_MATCH_LEN;
        }
        uint32_t h = get_be32(t.hdr);
        const uint8_t *payload = t.value;
        if (!of_field_from_oxm((uint16_t)OXM_CLASS(h), (uint8_t)OXM_FIELD(h), &f)) {
            keep_unknown__(m, &t);
            continue;
        }
        const struct of_field_desc *fd = &fields[f];
        unsigned int want = fd->size * (OXM_HASMASK(h) ? 2u : 1u);
        if (OXM_LENGTH(h) != want) {
            return OFPERR_BAD_MATCH_LEN;
        }
        if (OXM_HASMASK(h) && !fd->maskable) {
            return OFPERR_BAD_MATCH_FIELD;
        }
        if (of_match_has(m, f)) {
            return OFPERR_BAD_MATCH_DUP_FIELD;
        }
        uint64_t v = get_be_n(payload, fd->size);
        if (OXM_HASMASK(h)) {
            of_match_set_masked(m, f, v, get_be_n(payload + fd->size, fd->size));
        } else {
            of_match_set(m, f, v);
        }
    }
    return 0;
}

bool of_match_put(struct vxbuf *b, const struct of_match *m)
{
    size_t start = vxbuf_ofs(b);

    if (m->unknown_overflow) {
        return false;
    }
    vxbuf_put_zeros(b, sizeof(struct ofp_match_header));
    for (int f = 0; f < OFF_N_FIELDS; f++) {
        if (!of_match_has(m, f)) {
            continue;
        }
        const struct of_field_desc *fd = &fields[f];
        bool hasmask = (m->masked >> f) & 1;
        unsigned int len = fd->size * (hasmask ? 2u : 1u);
        uint8_t *p = vxbuf_put_zeros(b, 4 + len);

        put_be32(p, OXM_HEADER(fd->oxm_class, fd->oxm_field, hasmask, len));
        put_be_n(p + 4, m->value[f], fd->size);
        if (hasmask) {
            put_be_n(p + 4 + fd->size, m->mask[f], fd->size);
        }
    }
    vxbuf_put(b, m->unknown, m->unknown_size);

    size_t length = vxbuf_ofs(b) - start;
    struct ofp_match_header *mh = vxbuf_at(b, start);
    put_be16(mh->type, OFPMT_OXM);
    put_be16(mh->length, (uint16_t)length);
    vxbuf_put_zeros(b, ROUND_UP(length, 8) - length);
    return true;
}

/* ovs-ofctl prints tunnel fields and metadata first, then L2, L3, L4;
 * following its order lets an operator diff our view against the switch's. */
static const uint8_t format_order[OFF_N_FIELDS - 2] = {
    OFF_TUN_ID, OFF_TUN_SRC, OFF_TUN_DST, OFF_METADATA, OFF_IN_PORT,
    OFF_VLAN_VID, OFF_ETH_SRC, OFF_ETH_DST, OFF_ETH_TYPE,
    OFF_IPV4_SRC, OFF_IPV4_DST, OFF_IP_PROTO,
    OFF_ARP_SPA, OFF_ARP_TPA, OFF_ARP_OP, OFF_ARP_SHA, OFF_ARP_THA,
    OFF_ICMPV4_TYPE, OFF_ICMPV4_CODE,
    OFF_TCP_SRC, OFF_TCP_DST, OFF_UDP_SRC, OFF_UDP_DST,
};

static bool is_ip_field__(enum of_field f)
{
    return f == OFF_IPV4_SRC || f == OFF_IPV4_DST || f == OFF_ARP_SPA
           || f == OFF_ARP_TPA || f == OFF_TUN_SRC || f == OFF_TUN_DST;
}

/* The prefix length of 'mask' if it is a CIDR mask, else -1. */
static int cidr_len__(uint32_t mask)
{
    int n = 0;
    while (n < 32 && (mask & (0x80000000u >> n))) {
        n++;
    }
    return (uint32_t)(mask << n) ? -1 : n;
}

static void format_value__(struct vxbuf *out, enum of_field f, uint64_t v)
{
    char s[32];

    switch (f) {
    case OFF_ETH_DST: case OFF_ETH_SRC: case OFF_ARP_SHA: case OFF_ARP_THA: {
        uint8_t mac[6];
        mac_from_u64(v, mac);
        eth_addr_to_str(mac, s);
        break;
    }
    case OFF_IPV4_SRC: case OFF_IPV4_DST: case OFF_ARP_SPA: case OFF_ARP_TPA:
    case OFF_TUN_SRC: case OFF_TUN_DST:
        ip_to_str((uint32_t)v, s);
        break;
    case OFF_ETH_TYPE: case OFF_TUN_ID: case OFF_METADATA:
        snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
        break;
    default:
        snprintf(s, sizeof s, "%llu", (unsigned long long)v);
        break;
    }
    vxbuf_put(out, s, strlen(s));
}

static void put_str__(struct vxbuf *out, const char *s)
{
    vxbuf_put(out, s, strlen(s));
}

/* ct_state as ovs-ofctl writes it: "+est+trk", one sign per masked bit,
 * in bit order (ovs-fields(7)). */
static void format_ct_state__(struct vxbuf *out, uint32_t value, uint32_t mask)
{
    static const char *const bits[] = { "new", "est", "rel", "rpl", "inv", "trk",
                                        "snat", "dnat" };
    for (size_t b = 0; b < ARRAY_SIZE(bits); b++) {
        if (mask >> b & 1) {
            put_str__(out, value >> b & 1 ? "+" : "-");
            put_str__(out, bits[b]);
        }
    }
}

/* The conntrack fields, which ovs-ofctl prints before everything else. */
static bool format_ct__(const struct of_match *m, struct vxbuf *out)
{
    bool any = false;

    if (of_match_has(m, OFF_CT_STATE)) {
        bool masked = (m->masked >> OFF_CT_STATE) & 1;
        put_str__(out, "ct_state=");
        format_ct_state__(out, (uint32_t)m->value[OFF_CT_STATE],
                          masked ? (uint32_t)m->mask[OFF_CT_STATE] : UINT32_MAX);
        any = true;
    }
    if (of_match_has(m, OFF_CT_ZONE)) {
        char s[24];
        snprintf(s, sizeof s, "%sct_zone=%u", any ? "," : "", (unsigned)m->value[OFF_CT_ZONE]);
        put_str__(out, s);
        any = true;
    }
    return any;
}

void of_match_format(const struct of_match *m, struct vxbuf *out)
{
    uint32_t shown = 0;
    bool first = !format_ct__(m, out);

    /* ovs-ofctl shorthands for the common eth_type/ip_proto pairs. */
    if (of_match_has(m, OFF_ETH_TYPE) && !((m->masked >> OFF_ETH_TYPE) & 1)) {
        uint64_t t = m->value[OFF_ETH_TYPE];
        const char *name = NULL;
        if (t == 0x0806) {
            name = "arp";
        } else if (t == 0x0800) {
            name = "ip";
            if (of_match_has(m, OFF_IP_PROTO)) {
                uint64_t p = m->value[OFF_IP_PROTO];
                name = p == 17 ? "udp" : p == 6 ? "tcp" : p == 1 ? "icmp" : "ip";
                if (p == 17 || p == 6 || p == 1) {
                    shown |= 1u << OFF_IP_PROTO;
                }
            }
        }
        if (name) {
            put_str__(out, first ? "" : ",");
            put_str__(out, name);
            shown |= 1u << OFF_ETH_TYPE;
            first = false;
        }
    }
    for (size_t k = 0; k < ARRAY_SIZE(format_order); k++) {
        enum of_field f = format_order[k];
        if (!of_match_has(m, f) || (shown >> f) & 1) {
            continue;
        }
        if (!first) {
            put_str__(out, ",");
        }
        first = false;
        put_str__(out, fields[f].name);
        put_str__(out, "=");
        format_value__(out, f, m->value[f]);
        if ((m->masked >> f) & 1) {
            int len = is_ip_field__(f) ? cidr_len__((uint32_t)m->mask[f]) : -1;
            put_str__(out, "/");
            if (len >= 0) {
                char s[12];
                snprintf(s, sizeof s, "%d", len);
                put_str__(out, s);
            } else {
                format_value__(out, f, m->mask[f]);
            }
        }
    }
    if (m->unknown_size) {
        char s[48];
        snprintf(s, sizeof s, "%s<%u bytes of unknown OXMs>",
                 first ? "" : ",", m->unknown_size);
        put_str__(out, s);
    }
}
