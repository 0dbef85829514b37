/* PACKET_IN decoding and PACKET_OUT encoding (OF1.3.5 A.4.1, A.3.7).
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OFP_PACKET_H
#define VX_OFP_PACKET_H 1

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/of_match.h"
#include "proto/ofp_errors.h"

struct of_packet_in {
    uint32_t buffer_id;
    uint16_t total_len;
    uint8_t reason;             /* enum ofp_packet_in_reason */
    uint8_t table_id;
    uint64_t cookie;
    struct of_match match;      /* in_port, tun_id, tun_src... */
    const uint8_t *data;        /* the frame, inside the message */
    size_t data_size;
};

/* Decodes a validated PACKET_IN.  On success the match has in_port (OF1.3.5
 * 7.4.1 requires it; a PACKET_IN without it is OFPERR_BAD_REQUEST_PACKET) and
 * 'data' points into 'msg', valid as long as 'msg' is. */
enum ofperr ofp_decode_packet_in(const void *msg, size_t size, struct of_packet_in *);

/* Appends a PACKET_OUT (no buffer) that outputs 'frame' to 'out_port',
 * with 'in_port' as its ingress (OFPP_CONTROLLER when it has none). */
void ofp_put_packet_out(struct vxbuf *, uint32_t xid, uint32_t in_port,
                        uint32_t out_port, const void *frame, size_t frame_size);

/* Starts a PACKET_OUT to 'out_port' whose frame the caller appends at the
 * tail of 'b'; ofp_msg_finish(b, start) completes it.  Lets the packet-in
 * services build replies straight into a connection's output buffer. */
size_t ofp_start_packet_out(struct vxbuf *, uint32_t xid, uint32_t in_port, uint32_t out_port);

/* Appends a complete PACKET_OUT to 'out_port' with room for a frame of
 * 'frame_size' bytes, and returns the frame for the caller to write, all
 * of it (valid until 'b' next grows).  The headers are copied from a
 * template and patched: the packet-in path's replies, whose size is
 * known before they are built. */
uint8_t *ofp_put_packet_out_frame(struct vxbuf *, uint32_t xid, uint32_t in_port,
                                  uint32_t out_port, size_t frame_size);

#endif
