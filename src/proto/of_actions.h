/* Decoded OpenFlow 1.3 instructions and actions (OF1.3.5 A.2.4, A.2.5).
 *
 * vxfabric's pipeline needs goto_table, write_metadata and apply_actions,
 * with output, set_field, dec_nw_ttl, Nicira's reg_move and Nicira's ct
 * with an optional nat inside (docs/gateway.md); anything else decodes to
 * an error, which is what a flow of ours carrying it would be.  Like matches, instructions have one
 * canonical encoding so that installed and desired flows compare by memcmp.
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OF_ACTIONS_H
#define VX_OF_ACTIONS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/of_match.h"
#include "proto/ofp_errors.h"

enum of_action_type {
    OFA_OUTPUT,
    OFA_SET_FIELD,
    OFA_DEC_NW_TTL,
    OFA_MOVE,                   /* NXAST_REG_MOVE of a whole field */
    OFA_CT,                     /* NXAST_CT, holding at most one NXAST_NAT */
};

/* The NXAST_NAT inside a ct action. */
enum of_nat {
    OF_NAT_NONE,                /* no nat action */
    OF_NAT_REVERSE,             /* "nat": apply the connection's translation */
    OF_NAT_SRC,                 /* "nat(src=IP)" */
    OF_NAT_DST,                 /* "nat(dst=IP)" */
};
#define OF_CT_NO_TABLE 0xff     /* ct without recirculation (NX_CT_RECIRC_NONE) */

struct of_action {
    uint8_t type;               /* enum of_action_type */
    uint8_t field;              /* OFA_SET_FIELD, OFA_MOVE (destination): enum of_field */
    uint8_t src_field;          /* OFA_MOVE: enum of_field */
    uint16_t max_len;           /* OFA_OUTPUT */
    uint32_t port;              /* OFA_OUTPUT */
    uint64_t value;             /* OFA_SET_FIELD */
    bool ct_commit;             /* OFA_CT: commit the connection */
    uint8_t ct_table;           /* OFA_CT: recirculation table, or OF_CT_NO_TABLE */
    uint8_t nat;                /* OFA_CT: enum of_nat */
    uint16_t ct_zone;           /* OFA_CT */
    uint32_t nat_ip;            /* OFA_CT with OF_NAT_SRC/DST, host order */
};

#define OF_MAX_ACTIONS 16

struct of_insts {
    bool has_goto;
    uint8_t goto_table;
    bool has_write_metadata;
    uint64_t metadata;
    uint64_t metadata_mask;
    bool has_apply;
    uint8_t n_actions;
    struct of_action actions[OF_MAX_ACTIONS];
};

static inline void of_insts_init(struct of_insts *i)
{
    i->has_goto = false;
    i->has_write_metadata = false;
    i->has_apply = false;
    i->n_actions = 0;
}

/* Builders.  Adding more than OF_MAX_ACTIONS actions is a programming error
 * (abort): the pipeline never needs more than four. */
void of_insts_goto(struct of_insts *, uint8_t table);
void of_insts_write_metadata(struct of_insts *, uint64_t metadata, uint64_t mask);
void of_insts_output(struct of_insts *, uint32_t port, uint16_t max_len);
void of_insts_set_field(struct of_insts *, enum of_field, uint64_t value);
void of_insts_dec_nw_ttl(struct of_insts *);
/* Copies all of field 'src' into field 'dst' (same size; both must have an
 * NXM name: Ethernet and ARP addresses). */
void of_insts_move(struct of_insts *, enum of_field src, enum of_field dst);

/* Sends the packet through conntrack zone 'zone' (ovs-actions(7) "ct"),
 * committing the connection if 'commit', with the NAT 'nat' (to 'nat_ip'
 * for OF_NAT_SRC/DST), then recirculates it to 'table' unless that is
 * OF_CT_NO_TABLE. */
void of_insts_ct(struct of_insts *, bool commit, uint16_t zone, uint8_t table, enum of_nat nat,
                 uint32_t nat_ip);

/* Decodes actions from 'c' (exactly c->left bytes of them) into 'insts'
 * (appending to insts->actions).  Returns 0 or the OpenFlow error. */
enum ofperr of_actions_pull(struct vxcur *c, struct of_insts *insts);
/* Decodes instructions from all of 'c'.  Returns 0 or the OpenFlow error. */
enum ofperr of_insts_pull(struct vxcur *c, struct of_insts *insts);

/* Appends the canonical encoding of 'insts' in the specification's
 * execution order (OF1.3.5 5.9): apply_actions, write_metadata, goto_table. */
void of_insts_put(struct vxbuf *, const struct of_insts *);
/* Appends the actions only (for PACKET_OUT). */
void of_actions_put(struct vxbuf *, const struct of_insts *);

/* Appends "actions=..." content in ovs-ofctl syntax, e.g.
 * "set_field:0x1->tun_id,goto_table:2", or "drop" when empty. */
void of_insts_format(const struct of_insts *, struct vxbuf *out);

#endif
