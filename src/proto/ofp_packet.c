#include "proto/ofp_packet.h"

#include "proto/of_actions.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_wire.h"

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
    err = of_match_pull(&c, &pi->match);
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

size_t ofp_start_packet_out(struct vxbuf *b, uint32_t xid, uint32_t in_port, uint32_t out_port)
{
    size_t start = ofp_msg_start(b, OFPT_PACKET_OUT, xid, sizeof(struct ofp_packet_out));
    struct ofp_action_output *ao = vxbuf_put_zeros(b, sizeof *ao);
    struct ofp_packet_out *po = vxbuf_at(b, start);

    put_be32(po->buffer_id, OFP_NO_BUFFER);
    put_be32(po->in_port, in_port);
    put_be16(po->actions_len, sizeof *ao);
    put_be16(ao->hdr.type, OFPAT_OUTPUT);
    put_be16(ao->hdr.len, sizeof *ao);
    put_be32(ao->port, out_port);
    return start;
}

void ofp_put_packet_out(struct vxbuf *b, uint32_t xid, uint32_t in_port,
                        uint32_t out_port, const void *frame, size_t frame_size)
{
    size_t start = ofp_start_packet_out(b, xid, in_port, out_port);
    vxbuf_put(b, frame, frame_size);
    ofp_msg_finish(b, start);
}
