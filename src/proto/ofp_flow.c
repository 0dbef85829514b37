#include "proto/ofp_flow.h"

#include "proto/ofp_msgs.h"
#include "proto/ofp_wire.h"

static size_t put_flow_mod_header__(struct vxbuf *b, uint32_t xid,
                                    const struct of_flow_mod *fm)
{
    size_t start = ofp_msg_start(b, OFPT_FLOW_MOD, xid, sizeof(struct ofp_flow_mod));
    struct ofp_flow_mod *ofm = vxbuf_at(b, start);

    put_be64(ofm->cookie, fm->cookie);
    put_be64(ofm->cookie_mask, fm->cookie_mask);
    ofm->table_id = fm->table_id;
    ofm->command = fm->command;
    put_be16(ofm->idle_timeout, fm->idle_timeout);
    put_be16(ofm->hard_timeout, fm->hard_timeout);
    put_be16(ofm->priority, fm->priority);
    put_be32(ofm->buffer_id, OFP_NO_BUFFER);
    put_be32(ofm->out_port, OFPP_ANY);
    put_be32(ofm->out_group, OFPG_ANY);
    put_be16(ofm->flags, fm->flags);
    return start;
}

static bool is_delete__(uint8_t command)
{
    return command == OFPFC_DELETE || command == OFPFC_DELETE_STRICT;
}

void ofp_put_flow_mod_raw(struct vxbuf *b, uint32_t xid, const struct of_flow_mod *fm,
                          const void *match, size_t match_size,
                          const void *insts, size_t insts_size)
{
    size_t start = put_flow_mod_header__(b, xid, fm);

    vxbuf_put(b, match, match_size);
    if (!is_delete__(fm->command)) {
        vxbuf_put(b, insts, insts_size);
    }
    ofp_msg_finish(b, start);
}

void ofp_put_flow_mod(struct vxbuf *b, uint32_t xid, const struct of_flow_mod *fm,
                      const struct of_match *match, const struct of_insts *insts)
{
    size_t start = put_flow_mod_header__(b, xid, fm);

    of_match_put(b, match);
    if (insts && !is_delete__(fm->command)) {
        of_insts_put(b, insts);
    }
    ofp_msg_finish(b, start);
}

enum ofperr ofp_pull_flow_stats(struct vxcur *c, struct of_flow_stats *fs)
{
    const struct ofp_flow_stats *ofs;
    struct vxcur entry;
    uint16_t length;
    enum ofperr err;

    if (c->left < sizeof *ofs) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    ofs = (const void *)c->p;
    length = get_be16(ofs->length);
    if (length < sizeof *ofs + 8 || length > c->left || length % 8) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    entry = vxcur_make(c->p + sizeof *ofs, length - sizeof *ofs);
    vxcur_pull(c, length);

    fs->table_id = ofs->table_id;
    fs->priority = get_be16(ofs->priority);
    fs->idle_timeout = get_be16(ofs->idle_timeout);
    fs->hard_timeout = get_be16(ofs->hard_timeout);
    fs->flags = get_be16(ofs->flags);
    fs->duration_sec = get_be32(ofs->duration_sec);
    fs->cookie = get_be64(ofs->cookie);
    fs->packet_count = get_be64(ofs->packet_count);
    fs->byte_count = get_be64(ofs->byte_count);
    err = of_match_pull(&entry, &fs->match);
    if (err) {
        return err;
    }
    return of_insts_pull(&entry, &fs->insts);
}

enum ofperr ofp_decode_flow_removed(const void *msg, size_t size, struct of_flow_removed *fr)
{
    const struct ofp_flow_removed *ofr = msg;
    struct vxcur c = vxcur_make((const uint8_t *)msg + sizeof *ofr, size - sizeof *ofr);

    fr->cookie = get_be64(ofr->cookie);
    fr->priority = get_be16(ofr->priority);
    fr->reason = ofr->reason;
    fr->table_id = ofr->table_id;
    fr->duration_sec = get_be32(ofr->duration_sec);
    fr->packet_count = get_be64(ofr->packet_count);
    fr->byte_count = get_be64(ofr->byte_count);
    return of_match_pull(&c, &fr->match);
}
