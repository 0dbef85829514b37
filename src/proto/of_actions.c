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

enum ofperr of_actions_pull(struct vxcur *c, struct of_insts *insts)
{
    while (c->left) {
        uint16_t type, len;

        if (c->left < sizeof(struct ofp_action_header)) {
            return OFPERR_BAD_ACTION_LEN;
        }
        type = get_be16(c->p);
        len = get_be16(c->p + 2);
        if (len < 8 || len % 8 || len > c->left) {
            return OFPERR_BAD_ACTION_LEN;
        }
        const uint8_t *p = vxcur_pull(c, len);
        if (insts->n_actions >= OF_MAX_ACTIONS) {
            return OFPERR_BAD_ACTION_LEN;
        }
        struct of_action *a;
        switch (type) {
        case OFPAT_OUTPUT:
            if (len != sizeof(struct ofp_action_output)) {
                return OFPERR_BAD_ACTION_LEN;
            }
            a = add_action__(insts);
            a->type = OFA_OUTPUT;
            a->port = get_be32(p + 4);
            a->max_len = a->port == OFPP_CONTROLLER ? get_be16(p + 8) : 0;
            break;
        case OFPAT_DEC_NW_TTL:
            if (len != sizeof(struct ofp_action_generic)) {
                return OFPERR_BAD_ACTION_LEN;
            }
            add_action__(insts)->type = OFA_DEC_NW_TTL;
            break;
        case OFPAT_SET_FIELD: {
            uint32_t h = get_be32(p + 4);
            enum of_field f;
            if (!of_field_from_oxm((uint16_t)OXM_CLASS(h), (uint8_t)OXM_FIELD(h), &f)) {
                return OFPERR_BAD_ACTION_SET_TYPE;
            }
            const struct of_field_desc *fd = of_field_get(f);
            if (OXM_HASMASK(h) || OXM_LENGTH(h) != fd->size
                || 8u + fd->size > len) {
                return OFPERR_BAD_ACTION_SET_LEN;
            }
            uint64_t v = 0;
            for (unsigned int k = 0; k < fd->size; k++) {
                v = v << 8 | p[8 + k];
            }
            a = add_action__(insts);
            a->type = OFA_SET_FIELD;
            a->field = (uint8_t)f;
            a->value = v;
            break;
        }
        default:
            return OFPERR_BAD_ACTION_TYPE;
        }
    }
    return 0;
}

enum ofperr of_insts_pull(struct vxcur *c, struct of_insts *insts)
{
    of_insts_init(insts);
    while (c->left) {
        uint16_t type, len;
        const uint8_t *p;

        if (c->left < sizeof(struct ofp_instruction)) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        type = get_be16(c->p);
        len = get_be16(c->p + 2);
        if (len < 8 || len % 8 || len > c->left) {
            return OFPERR_BAD_INSTRUCTION_LEN;
        }
        p = vxcur_pull(c, len);
        switch (type) {
        case OFPIT_GOTO_TABLE:
            if (len != sizeof(struct ofp_instruction_goto_table) || insts->has_goto) {
                return OFPERR_BAD_INSTRUCTION_LEN;
            }
            of_insts_goto(insts, p[4]);
            break;
        case OFPIT_WRITE_METADATA:
            if (len != 24 || insts->has_write_metadata) {
                return OFPERR_BAD_INSTRUCTION_LEN;
            }
            of_insts_write_metadata(insts, get_be64(p + 8), get_be64(p + 16));
            break;
        case OFPIT_APPLY_ACTIONS: {
            if (insts->has_apply) {
                return OFPERR_BAD_INSTRUCTION_LEN;
            }
            struct vxcur ac = vxcur_make(p + 8, len - 8u);
            enum ofperr err = of_actions_pull(&ac, insts);
            if (err) {
                return err;
            }
            insts->has_apply = true;
            break;
        }
        default:
            return OFPERR_BAD_INSTRUCTION_UNKNOWN;
        }
    }
    return 0;
}

void of_actions_put(struct vxbuf *b, const struct of_insts *insts)
{
    for (int k = 0; k < insts->n_actions; k++) {
        const struct of_action *a = &insts->actions[k];
        switch (a->type) {
        case OFA_OUTPUT: {
            struct ofp_action_output *o = vxbuf_put_zeros(b, sizeof *o);
            put_be16(o->type, OFPAT_OUTPUT);
            put_be16(o->len, sizeof *o);
            put_be32(o->port, a->port);
            put_be16(o->max_len, a->max_len);
            break;
        }
        case OFA_DEC_NW_TTL: {
            struct ofp_action_generic *g = vxbuf_put_zeros(b, sizeof *g);
            put_be16(g->type, OFPAT_DEC_NW_TTL);
            put_be16(g->len, sizeof *g);
            break;
        }
        case OFA_SET_FIELD: {
            /* OF1.3.5 A.2.5: header, one OXM, zero padding to 8 bytes.
             * OVS rejects non-zero padding with OFPBAC_BAD_SET_ARGUMENT. */
            const struct of_field_desc *fd = of_field_get(a->field);
            size_t len = ROUND_UP(8u + fd->size, 8);
            uint8_t *p = vxbuf_put_zeros(b, len);
            put_be16(p, OFPAT_SET_FIELD);
            put_be16(p + 2, (uint16_t)len);
            put_be32(p + 4, OXM_HEADER(fd->oxm_class, fd->oxm_field, 0, fd->size));
            uint64_t v = a->value;
            for (int k2 = fd->size - 1; k2 >= 0; k2--) {
                p[8 + k2] = (uint8_t)v;
                v >>= 8;
            }
            break;
        }
        }
    }
}

void of_insts_put(struct vxbuf *b, const struct of_insts *insts)
{
    if (insts->has_apply) {
        size_t start = vxbuf_ofs(b);
        vxbuf_put_zeros(b, sizeof(struct ofp_instruction_actions));
        of_actions_put(b, insts);
        struct ofp_instruction_actions *ia = vxbuf_at(b, start);
        put_be16(ia->type, OFPIT_APPLY_ACTIONS);
        put_be16(ia->len, (uint16_t)(vxbuf_ofs(b) - start));
    }
    if (insts->has_write_metadata) {
        uint8_t *w = vxbuf_put_zeros(b, 24);
        put_be16(w, OFPIT_WRITE_METADATA);
        put_be16(w + 2, 24);
        put_be64(w + 8, insts->metadata);
        put_be64(w + 16, insts->metadata_mask);
    }
    if (insts->has_goto) {
        struct ofp_instruction_goto_table *g = vxbuf_put_zeros(b, sizeof *g);
        put_be16(g->type, OFPIT_GOTO_TABLE);
        put_be16(g->len, sizeof *g);
        g->table_id = insts->goto_table;
    }
}

static void puts__(struct vxbuf *out, const char *s)
{
    vxbuf_put(out, s, strlen(s));
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
        case OFA_SET_FIELD: {
            char v[32];
            switch (a->field) {
            case OFF_ETH_SRC: case OFF_ETH_DST: {
                uint8_t mac[6];
                mac_from_u64(a->value, mac);
                eth_addr_to_str(mac, v);
                break;
            }
            case OFF_TUN_DST: case OFF_TUN_SRC: case OFF_IPV4_SRC: case OFF_IPV4_DST:
                ip_to_str((uint32_t)a->value, v);
                break;
            default:
                snprintf(v, sizeof v, "0x%llx", (unsigned long long)a->value);
                break;
            }
            const char *name = of_field_get(a->field)->name;
            if (a->field == OFF_ETH_SRC) {
                name = "eth_src";
            } else if (a->field == OFF_ETH_DST) {
                name = "eth_dst";
            }
            snprintf(s, sizeof s, "set_field:%s->%s", v, name);
            break;
        }
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
