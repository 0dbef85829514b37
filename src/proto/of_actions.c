#include "proto/of_actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/ofp_wire.h"

static struct of_action *add_action__(struct of_insts *i)
{
    if (i->n_actions >= OF_MAX_ACTIONS) {
        abort();
    }
    i->has_apply = true;
    struct of_action *a = &i->actions[i->n_actions++];
    memset(a, 0, sizeof *a);
    return a;
}

void of_insts_goto(struct of_insts *i, uint8_t table)
{
    i->has_goto = true;
    i->goto_table = table;
}

void of_insts_write_metadata(struct of_insts *i, uint64_t metadata, uint64_t mask)
{
    i->has_write_metadata = true;
    i->metadata = metadata;
    i->metadata_mask = mask;
}

void of_insts_output(struct of_insts *i, uint32_t port, uint16_t max_len)
{
    struct of_action *a = add_action__(i);
    a->type = OFA_OUTPUT;
    a->port = port;
    a->max_len = port == OFPP_CONTROLLER ? max_len : 0;
}

void of_insts_set_field(struct of_insts *i, enum of_field f, uint64_t value)
{
    struct of_action *a = add_action__(i);
    a->type = OFA_SET_FIELD;
    a->field = (uint8_t)f;
    a->value = value;
}

void of_insts_dec_nw_ttl(struct of_insts *i)
{
    add_action__(i)->type = OFA_DEC_NW_TTL;
}

void of_insts_move(struct of_insts *i, enum of_field src, enum of_field dst)
{
    struct of_action *a = add_action__(i);
    a->type = OFA_MOVE;
    a->src_field = (uint8_t)src;
    a->field = (uint8_t)dst;
}

void of_insts_ct(struct of_insts *i, bool commit, uint16_t zone, uint8_t table, enum of_nat nat,
                 uint32_t nat_ip)
{
    struct of_action *a = add_action__(i);
    a->type = OFA_CT;
    a->ct_commit = commit;
    a->ct_zone = zone;
    a->ct_table = table;
    a->nat = (uint8_t)nat;
    a->nat_ip = nat == OF_NAT_SRC || nat == OF_NAT_DST ? nat_ip : 0;
}

/* OF1.3.5 A.2.4 and A.2.5: instructions and actions share one framing, a
 * 16-bit type and a 16-bit length that counts the header, padded to 8. */
static const struct vxtlv_format of_tlv__ = {
    .hdr_size = 4, .len_ofs = 2, .len_size = 2, .len_includes_hdr = true, .align = 8,
};

struct ofp_write_metadata {     /* A.2.4 OFPIT_WRITE_METADATA */
    struct ofp_tlv_header hdr;
    uint8_t pad[4];
    uint8_t metadata[8];
    uint8_t metadata_mask[8];
};
_Static_assert(sizeof(struct ofp_write_metadata) == 24, "write_metadata");

/* Decodes one SET_FIELD action's OXM (A.2.5: header, one unmasked OXM, zero
 * padding) into 'a'. */
static enum ofperr set_field_pull__(const struct vxtlv *t, struct of_action *a)
{
    uint32_t h = get_be32(t->value);
    enum of_field f;

    if (!of_field_from_oxm((uint16_t)OXM_CLASS(h), (uint8_t)OXM_FIELD(h), &f)) {
        return OFPERR_BAD_ACTION_SET_TYPE;
    }
    const struct of_field_desc *fd = of_field_get(f);
    if (OXM_HASMASK(h) || OXM_LENGTH(h) != fd->size || 4u + fd->size > t->value_len) {
        return OFPERR_BAD_ACTION_SET_LEN;
    }
    a->type = OFA_SET_FIELD;
    a->field = (uint8_t)f;
    a->value = get_be_n(t->value + 4, fd->size);
    return 0;
}

/* The NXM (class, field) of the fields a move may name: Open vSwitch
 * writes a move's fields back with these headers in FLOW stats even when
 * it was given OXM ones (ovs-fields(7)), so both must decode alike. */
static const struct { uint16_t cls; uint8_t field; uint8_t f; } nxm_aliases__[] = {
    { OFPXMC_NXM_0, 1, OFF_ETH_DST }, { OFPXMC_NXM_0, 2, OFF_ETH_SRC },
    { OFPXMC_NXM_0, 7, OFF_IPV4_SRC }, { OFPXMC_NXM_0, 8, OFF_IPV4_DST },
    { OFPXMC_NXM_0, 16, OFF_ARP_SPA }, { OFPXMC_NXM_0, 17, OFF_ARP_TPA },
    { OFPXMC_NXM_1, 17, OFF_ARP_SHA }, { OFPXMC_NXM_1, 18, OFF_ARP_THA },
};

/* The field an OXM or NXM header names, for a move: one of ours with an
 * NXM name, whole (no mask). */
static bool move_field__(uint32_t h, enum of_field *f)
{
    uint16_t cls = (uint16_t)OXM_CLASS(h);
    uint8_t field = (uint8_t)OXM_FIELD(h);
    bool known = of_field_from_oxm(cls, field, f);

    for (size_t i = 0; !known && i < ARRAY_SIZE(nxm_aliases__); i++) {
        if (nxm_aliases__[i].cls == cls && nxm_aliases__[i].field == field) {
            *f = (enum of_field)nxm_aliases__[i].f;
            known = true;
        }
    }
    return known && !OXM_HASMASK(h) && of_field_get(*f)->nxm
           && OXM_LENGTH(h) == of_field_get(*f)->size;
}

/* Decodes NXAST_NAT (with no range, or an IPv4 minimum only: the forms
 * of_insts_ct() writes) into 'a'. */
static enum ofperr nat_pull__(const struct vxtlv *t, struct of_action *a)
{
    const struct nx_action_nat *n = (const void *)t->hdr;
    uint16_t flags, range;

    if (t->size < sizeof *n || get_be32(n->vendor) != NX_VENDOR_ID
        || get_be16(n->subtype) != NXAST_NAT) {
        return OFPERR_BAD_ACTION_TYPE;
    }
    flags = get_be16(n->flags);
    range = get_be16(n->range_present);
    if (!flags && !range && t->size == sizeof *n) {
        a->nat = OF_NAT_REVERSE;
        return 0;
    }
    if ((flags != NX_NAT_F_SRC && flags != NX_NAT_F_DST) || range != NX_NAT_RANGE_IPV4_MIN) {
        return OFPERR_BAD_ACTION_ARGUMENT;
    }
    if (t->size != ROUND_UP(sizeof *n + 4, 8)) {
        return OFPERR_BAD_ACTION_LEN;
    }
    a->nat = flags == NX_NAT_F_SRC ? OF_NAT_SRC : OF_NAT_DST;
    a->nat_ip = get_be32(t->hdr + sizeof *n);
    return a->nat_ip ? 0 : OFPERR_BAD_ACTION_ARGUMENT;
}

/* Decodes NXAST_CT with an immediate zone, no ALG, only the commit flag
 * and at most one nested NXAST_NAT into 'a'. */
static enum ofperr ct_pull__(const struct vxtlv *t, struct of_action *a)
{
    const struct nx_action_conntrack *ct = (const void *)t->hdr;

    if (t->size < sizeof *ct) {
        return OFPERR_BAD_ACTION_LEN;
    }
    uint16_t flags = get_be16(ct->flags);
    if ((flags & ~NX_CT_F_COMMIT) || get_be32(ct->zone_src) || get_be16(ct->alg)) {
        return OFPERR_BAD_ACTION_ARGUMENT;
    }
    a->type = OFA_CT;
    a->ct_commit = flags & NX_CT_F_COMMIT;
    a->ct_zone = get_be16(ct->zone_imm);
    a->ct_table = ct->recirc_table;
    a->nat = OF_NAT_NONE;

    struct vxcur nested = vxcur_make(t->hdr + sizeof *ct, t->size - sizeof *ct);
    struct vxtlv n;
    if (!nested.left) {
        return 0;
    }
    if (!vxcur_pull_tlv(&nested, &of_tlv__, &n) || nested.left) {
        return OFPERR_BAD_ACTION_LEN;        /* malformed, or more than one */
    }
    if (get_be16(n.hdr) != OFPAT_EXPERIMENTER) {
        return OFPERR_BAD_ACTION_TYPE;
    }
    return nat_pull__(&n, a);
}

/* Decodes a Nicira experimenter action into 'a': NXAST_REG_MOVE of a
 * whole field (offsets 0, n_bits the field's size) or NXAST_CT. */
static enum ofperr experimenter_pull__(const struct vxtlv *t, struct of_action *a)
{
    const struct nx_action_reg_move *m = (const void *)t->hdr;
    enum of_field src, dst;

    if (t->size < 16 || get_be32(m->vendor) != NX_VENDOR_ID) {
        return OFPERR_BAD_ACTION_TYPE;
    }
    if (get_be16(m->subtype) == NXAST_CT) {
        return ct_pull__(t, a);
    }
    if (get_be16(m->subtype) != NXAST_REG_MOVE) {
        return OFPERR_BAD_ACTION_TYPE;
    }
    if (t->size != sizeof *m || !move_field__(get_be32(m->src), &src)
        || !move_field__(get_be32(m->dst), &dst) || get_be16(m->src_ofs) || get_be16(m->dst_ofs)
        || of_field_get(src)->size != of_field_get(dst)->size
        || get_be16(m->n_bits) != of_field_get(src)->size * 8u) {
        return OFPERR_BAD_ACTION_LEN;
    }
    a->type = OFA_MOVE;
    a->src_field = (uint8_t)src;
    a->field = (uint8_t)dst;
    return 0;
}

/* Decodes one action element into 'a'. */
static enum ofperr action_pull__(const struct vxtlv *t, struct of_action *a)
{
    switch (get_be16(t->hdr)) {
    case OFPAT_OUTPUT: {
        const struct ofp_action_output *o = (const void *)t->hdr;
        if (t->size != sizeof *o) {
            return OFPERR_BAD_ACTION_LEN;
        }
        a->type = OFA_OUTPUT;
        a->port = get_be32(o->port);
        a->max_len = a->port == OFPP_CONTROLLER ? get_be16(o->max_len) : 0;
        return 0;
    }
    case OFPAT_DEC_NW_TTL:
        if (t->size != sizeof(struct ofp_action_generic)) {
            return OFPERR_BAD_ACTION_LEN;
        }
        a->type = OFA_DEC_NW_TTL;
        return 0;
    case OFPAT_SET_FIELD:
        return set_field_pull__(t, a);
    case OFPAT_EXPERIMENTER:
        return experimenter_pull__(t, a);
    default:
        return OFPERR_BAD_ACTION_TYPE;
    }
}

enum ofperr of_actions_pull(struct vxcur *c, struct of_insts *insts)
{
    while (c->left) {
        struct vxtlv t;

        if (!vxcur_pull_tlv(c, &of_tlv__, &t) || insts->n_actions >= OF_MAX_ACTIONS) {
            return OFPERR_BAD_ACTION_LEN;
        }
        struct of_action a = { 0 };
        enum ofperr err = action_pull__(&t, &a);
        if (err) {
            return err;
        }
        *add_action__(insts) = a;
    }
    return 0;
}

/* Decodes one instruction element into 'insts'; each kind at most once. */
static enum ofperr instruction_pull__(const struct vxtlv *t, struct of_insts *insts)
{
    switch (get_be16(t->hdr)) {
    case OFPIT_GOTO_TABLE: {
        const struct ofp_instruction_goto_table *g = (const void *)t->hdr;
        if (t->size != sizeof *g || insts->has_goto) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        of_insts_goto(insts, g->table_id);
        return 0;
    }
    case OFPIT_WRITE_METADATA: {
        const struct ofp_write_metadata *w = (const void *)t->hdr;
        if (t->size != sizeof *w || insts->has_write_metadata) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        of_insts_write_metadata(insts, get_be64(w->metadata), get_be64(w->metadata_mask));
        return 0;
    }
    case OFPIT_APPLY_ACTIONS: {
        if (insts->has_apply) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        struct vxcur ac = vxcur_make(t->value + 4, t->value_len - 4);
        enum ofperr err = of_actions_pull(&ac, insts);
        insts->has_apply = true;
        return err;
    }
    default:
        return OFPERR_BAD_INSTRUCTION_UNKNOWN;
    }
}

enum ofperr of_insts_pull(struct vxcur *c, struct of_insts *insts)
{
    of_insts_init(insts);
    while (c->left) {
        struct vxtlv t;

        if (!vxcur_pull_tlv(c, &of_tlv__, &t)) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        enum ofperr err = instruction_pull__(&t, insts);
        if (err) {
            return err;
        }
    }
    return 0;
}

/* Appends a zeroed element of 'size' bytes with its type and length set. */
static void *tlv_put__(struct vxbuf *b, uint16_t type, size_t size)
{
    uint8_t *p = vxbuf_put_zeros(b, size);
    put_be16(p, type);
    put_be16(p + 2, (uint16_t)size);
    return p;
}

/* Appends NXAST_CT, and NXAST_NAT inside it, for 'a'. */
static void ct_put__(struct vxbuf *b, const struct of_action *a)
{
    size_t start = vxbuf_ofs(b);
    struct nx_action_conntrack *ct = tlv_put__(b, OFPAT_EXPERIMENTER, sizeof *ct);

    put_be32(ct->vendor, NX_VENDOR_ID);
    put_be16(ct->subtype, NXAST_CT);
    put_be16(ct->flags, a->ct_commit ? NX_CT_F_COMMIT : 0);
    put_be16(ct->zone_imm, a->ct_zone);
    ct->recirc_table = a->ct_table;
    if (a->nat != OF_NAT_NONE) {
        bool addr = a->nat == OF_NAT_SRC || a->nat == OF_NAT_DST;
        size_t size = ROUND_UP(sizeof(struct nx_action_nat) + (addr ? 4u : 0u), 8);
        struct nx_action_nat *n = tlv_put__(b, OFPAT_EXPERIMENTER, size);
        put_be32(n->vendor, NX_VENDOR_ID);
        put_be16(n->subtype, NXAST_NAT);
        if (addr) {
            put_be16(n->flags, a->nat == OF_NAT_SRC ? NX_NAT_F_SRC : NX_NAT_F_DST);
            put_be16(n->range_present, NX_NAT_RANGE_IPV4_MIN);
            put_be32((uint8_t *)n + sizeof *n, a->nat_ip);
        }
    }
    ct = vxbuf_at(b, start);
    put_be16(ct->hdr.len, (uint16_t)(vxbuf_ofs(b) - start));
}

void of_actions_put(struct vxbuf *b, const struct of_insts *insts)
{
    for (int k = 0; k < insts->n_actions; k++) {
        const struct of_action *a = &insts->actions[k];
        switch (a->type) {
        case OFA_OUTPUT: {
            struct ofp_action_output *o = tlv_put__(b, OFPAT_OUTPUT, sizeof *o);
            put_be32(o->port, a->port);
            put_be16(o->max_len, a->max_len);
            break;
        }
        case OFA_DEC_NW_TTL:
            tlv_put__(b, OFPAT_DEC_NW_TTL, sizeof(struct ofp_action_generic));
            break;
        case OFA_SET_FIELD: {
            /* OF1.3.5 A.2.5: header, one OXM, zero padding to 8 bytes.
             * OVS rejects non-zero padding with OFPBAC_BAD_SET_ARGUMENT. */
            const struct of_field_desc *fd = of_field_get(a->field);
            uint8_t *p = tlv_put__(b, OFPAT_SET_FIELD, ROUND_UP(8u + fd->size, 8));
            put_be32(p + 4, OXM_HEADER(fd->oxm_class, fd->oxm_field, 0, fd->size));
            put_be_n(p + 8, a->value, fd->size);
            break;
        }
        case OFA_MOVE: {
            const struct of_field_desc *src = of_field_get(a->src_field);
            const struct of_field_desc *dst = of_field_get(a->field);
            struct nx_action_reg_move *m = tlv_put__(b, OFPAT_EXPERIMENTER, sizeof *m);
            put_be32(m->vendor, NX_VENDOR_ID);
            put_be16(m->subtype, NXAST_REG_MOVE);
            put_be16(m->n_bits, (uint16_t)(src->size * 8u));
            put_be32(m->src, OXM_HEADER(src->oxm_class, src->oxm_field, 0, src->size));
            put_be32(m->dst, OXM_HEADER(dst->oxm_class, dst->oxm_field, 0, dst->size));
            break;
        }
        case OFA_CT:
            ct_put__(b, a);
            break;
        }
    }
}

void of_insts_put(struct vxbuf *b, const struct of_insts *insts)
{
    if (insts->has_apply) {
        size_t start = vxbuf_ofs(b);
        tlv_put__(b, OFPIT_APPLY_ACTIONS, sizeof(struct ofp_instruction_actions));
        of_actions_put(b, insts);
        struct ofp_instruction_actions *ia = vxbuf_at(b, start);
        put_be16(ia->hdr.len, (uint16_t)(vxbuf_ofs(b) - start));
    }
    if (insts->has_write_metadata) {
        struct ofp_write_metadata *w = tlv_put__(b, OFPIT_WRITE_METADATA, sizeof *w);
        put_be64(w->metadata, insts->metadata);
        put_be64(w->metadata_mask, insts->metadata_mask);
    }
    if (insts->has_goto) {
        struct ofp_instruction_goto_table *g =
            tlv_put__(b, OFPIT_GOTO_TABLE, sizeof *g);
        g->table_id = insts->goto_table;
    }
}

static void puts__(struct vxbuf *out, const char *s)
{
    vxbuf_put(out, s, strlen(s));
}

/* "ct(commit,table=5,zone=7,nat(src=203.0.113.10))", in ovs-ofctl's order. */
static void ct_format__(const struct of_action *a, char *s, size_t size)
{
    char tbl[16] = "", nat[48] = "", ip[IP_ADDR_STRLEN];

    if (a->ct_table != OF_CT_NO_TABLE) {
        snprintf(tbl, sizeof tbl, "table=%u,", a->ct_table);
    }
    if (a->nat == OF_NAT_REVERSE) {
        snprintf(nat, sizeof nat, ",nat");
    } else if (a->nat != OF_NAT_NONE) {
        snprintf(nat, sizeof nat, ",nat(%s=%s)", a->nat == OF_NAT_SRC ? "src" : "dst",
                 ip_to_str(a->nat_ip, ip));
    }
    snprintf(s, size, "ct(%s%szone=%u%s)", a->ct_commit ? "commit," : "", tbl, a->ct_zone, nat);
}

void of_insts_format(const struct of_insts *insts, struct vxbuf *out)
{
    char s[64];
    bool first = true;

    for (int k = 0; k < insts->n_actions; k++) {
        const struct of_action *a = &insts->actions[k];
        if (!first) {
            puts__(out, ",");
        }
        first = false;
        switch (a->type) {
        case OFA_OUTPUT:
            if (a->port == OFPP_CONTROLLER) {
                snprintf(s, sizeof s, "CONTROLLER:%u", a->max_len);
            } else if (a->port == OFPP_IN_PORT) {
                snprintf(s, sizeof s, "IN_PORT");
            } else {
                snprintf(s, sizeof s, "output:%u", a->port);
            }
            break;
        case OFA_DEC_NW_TTL:
            snprintf(s, sizeof s, "dec_ttl");
            break;
        case OFA_MOVE:
            snprintf(s, sizeof s, "move:%s[]->%s[]", of_field_get(a->src_field)->nxm,
                     of_field_get(a->field)->nxm);
            break;
        case OFA_SET_FIELD: {
            char v[32];
            switch (a->field) {
            case OFF_ETH_SRC: case OFF_ETH_DST: case OFF_ARP_SHA: case OFF_ARP_THA: {
                uint8_t mac[6];
                mac_from_u64(a->value, mac);
                eth_addr_to_str(mac, v);
                break;
            }
            case OFF_TUN_DST: case OFF_TUN_SRC: case OFF_IPV4_SRC: case OFF_IPV4_DST:
            case OFF_ARP_SPA: case OFF_ARP_TPA:
                ip_to_str((uint32_t)a->value, v);
                break;
            case OFF_ARP_OP: case OFF_ICMPV4_TYPE: case OFF_ICMPV4_CODE:
                snprintf(v, sizeof v, "%llu", (unsigned long long)a->value);
                break;
            default:
                snprintf(v, sizeof v, "0x%llx", (unsigned long long)a->value);
                break;
            }
            /* ovs-ofctl names some fields differently in set_field. */
            static const char *const set_names[OFF_N_FIELDS] = {
                [OFF_ETH_SRC] = "eth_src", [OFF_ETH_DST] = "eth_dst",
                [OFF_IPV4_SRC] = "ip_src", [OFF_IPV4_DST] = "ip_dst",
            };
            const char *name = set_names[a->field] ? set_names[a->field]
                                                   : of_field_get(a->field)->name;
            snprintf(s, sizeof s, "set_field:%s->%s", v, name);
            break;
        }
        case OFA_CT:
            ct_format__(a, s, sizeof s);
            break;
        default:
            snprintf(s, sizeof s, "?");
        }
        puts__(out, s);
    }
    if (insts->has_write_metadata) {
        snprintf(s, sizeof s, "%swrite_metadata:%#llx", first ? "" : ",",
                 (unsigned long long)insts->metadata);
        puts__(out, s);
        if (insts->metadata_mask != UINT64_MAX) {
            snprintf(s, sizeof s, "/%#llx", (unsigned long long)insts->metadata_mask);
            puts__(out, s);
        }
        first = false;
    }
    if (insts->has_goto) {
        snprintf(s, sizeof s, "%sgoto_table:%u", first ? "" : ",", insts->goto_table);
        puts__(out, s);
        first = false;
    }
    if (first) {
        puts__(out, "drop");
    }
}
