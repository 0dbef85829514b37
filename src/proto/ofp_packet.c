#include "proto/ofp_packet.h"

#include <string.h>

#include "proto/of_actions.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_wire.h"

/* The match Open vSwitch sends with a packet-in from a local port:
 * in_port alone (OXM, length 4 + 8, padded to 16).  Decoded without the
 * general OXM walk, to the same result; false for any other match. */
static bool pull_in_port_only__(struct vxcur *c, struct of_match *m)
{
    static const uint8_t form[8] = {
        0, OFPMT_OXM, 0, 12,
        OFPXMC_OPENFLOW_BASIC >> 8, OFPXMC_OPENFLOW_BASIC & 0xff, 0, 4,  /* OXM_OF_IN_PORT */
    };
    if (c->left < 16 || memcmp(c->p, form, sizeof form)) {
        return false;
    }
    of_match_init(m);
    of_match_set(m, OFF_IN_PORT, get_be32(c->p + sizeof form));
    vxcur_pull(c, 16);
    return true;
}

enum ofperr ofp_decode_packet_in(const void *msg, size_t size, struct of_packet_in *pi)
{
    const struct ofp_packet_in *opi = msg;
    struct vxcur c = vxcur_make((const uint8_t *)msg + sizeof *opi, size - sizeof *opi);
    enum ofperr err;

    pi->buffer_id = get_be32(opi->buffer_id);
    pi->total_len = get_be16(opi->total_len);
    pi->reason = opi->reason;
    pi->table_id = opi->table_id;
    pi->cookie = get_be64(opi->cookie);
    err = pull_in_port_only__(&c, &pi->match) ? 0 : of_match_pull(&c, &pi->match);
    if (err) {
        return err;
    }
    /* OF1.3.5 A.4.1: 2 bytes of padding precede the frame. */
    if (!vxcur_pull(&c, 2)) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    if (!of_match_has(&pi->match, OFF_IN_PORT)) {
        return OFPERR_BAD_REQUEST_PACKET;
    }
    pi->data = c.p;
    pi->data_size = c.left;
    return 0;
}

uint8_t *ofp_put_packet_out_frame(struct vxbuf *b, uint32_t xid, uint32_t in_port,
                                  uint32_t out_port, size_t frame_size)
{
    /* OF1.3.5 7.3.7: no buffer, one OUTPUT action (max_len unused for
     * ports other than the controller). */
    static const uint8_t template[sizeof(struct ofp_packet_out) + sizeof(struct ofp_action_output)] = {
        OFP13_VERSION, OFPT_PACKET_OUT, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, sizeof(struct ofp_action_output), 0, 0, 0, 0, 0, 0,
        0, OFPAT_OUTPUT, 0, sizeof(struct ofp_action_output), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    size_t size = sizeof template + frame_size;
    uint8_t *p = vxbuf_put_uninit(b, size);
    struct ofp_packet_out *po = (void *)p;
    struct ofp_action_output *ao = (void *)(po + 1);

    memcpy(p, template, sizeof template);
    put_be16(po->header.length, (uint16_t)size);
    put_be32(po->header.xid, xid);
    put_be32(po->in_port, in_port);
    put_be32(ao->port, out_port);
    return p + sizeof template;
}

size_t ofp_start_packet_out(struct vxbuf *b, uint32_t xid, uint32_t in_port, uint32_t out_port)
{
    size_t start = vxbuf_ofs(b);

    ofp_put_packet_out_frame(b, xid, in_port, out_port, 0);    /* ofp_msg_finish sets the length */
    return start;
}

void ofp_put_packet_out(struct vxbuf *b, uint32_t xid, uint32_t in_port,
                        uint32_t out_port, const void *frame, size_t frame_size)
{
    size_t start = ofp_start_packet_out(b, xid, in_port, out_port);
    vxbuf_put(b, frame, frame_size);
    ofp_msg_finish(b, start);
}
