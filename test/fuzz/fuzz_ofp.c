/* Fuzz target: the OpenFlow message decoders.  The input is a byte stream
 * from a switch: framed, validated once, then decoded by type.  Decoded
 * matches and instructions are re-encoded and decoded again, which must
 * give the same bytes (the canonical-encoding property the flow-diff
 * engine relies on). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/of_actions.h"
#include "proto/of_match.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_packet.h"
#include "proto/ofp_port.h"
#include "proto/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_match_roundtrip(const struct of_match *m)
{
    struct vxbuf a = VXBUF_INITIALIZER, b = VXBUF_INITIALIZER;
    struct of_match m2;

    if (of_match_put(&a, m)) {
        struct vxcur c = vxcur_make(vxbuf_data(&a), a.size);
        if (of_match_pull(&c, &m2) || !of_match_put(&b, &m2) || a.size != b.size
            || memcmp(vxbuf_data(&a), vxbuf_data(&b), a.size)) {
            abort();
        }
    }
    vxbuf_uninit(&a);
    vxbuf_uninit(&b);
}

static void decode_one(const uint8_t *msg, size_t size)
{
    const struct ofp_header *oh = (const void *)msg;

    if (ofp_msg_validate(oh, size, OFP13_VERSION) && oh->type != OFPT_HELLO) {
        return;
    }
    switch (oh->type) {
    case OFPT_HELLO: {
        uint8_t v;
        ofp_decode_hello(msg, size, &v);
        break;
    }
    case OFPT_ERROR: {
        struct of_error e;
        ofp_decode_error(msg, size, &e);
        break;
    }
    case OFPT_FEATURES_REPLY: {
        struct of_features f;
        ofp_decode_features_reply(msg, size, &f);
        break;
    }
    case OFPT_PACKET_IN: {
        struct of_packet_in pi;
        if (!ofp_decode_packet_in(msg, size, &pi)) {
            struct pkt_info info;
            check_match_roundtrip(&pi.match);
            pkt_parse(pi.data, pi.data_size, &info);
        }
        break;
    }
    case OFPT_PORT_STATUS: {
        struct of_port_status ps;
        ofp_decode_port_status(msg, size, &ps);
        break;
    }
    case OFPT_FLOW_REMOVED: {
        struct of_flow_removed fr;
        if (!ofp_decode_flow_removed(msg, size, &fr)) {
            check_match_roundtrip(&fr.match);
        }
        break;
    }
    case OFPT_ROLE_REPLY: {
        struct of_role r;
        ofp_decode_role_reply(msg, size, &r);
        break;
    }
    case OFPT_MULTIPART_REPLY: {
        struct of_multipart_reply r;
        ofp_decode_multipart_reply(msg, size, &r);
        struct vxcur c = vxcur_make(r.body, r.body_size);
        if (r.type == OFPMP_DESC) {
            struct of_desc d;
            ofp_decode_desc(&r, &d);
        } else if (r.type == OFPMP_PORT_DESC) {
            struct of_port p;
            while (c.left && !ofp_pull_port(&c, &p)) {
            }
        } else if (r.type == OFPMP_FLOW) {
            struct of_flow_stats fs;
            while (c.left && !ofp_pull_flow_stats(&c, &fs)) {
                struct vxbuf b = VXBUF_INITIALIZER;
                check_match_roundtrip(&fs.match);
                of_insts_put(&b, &fs.insts);
                struct vxcur ic = vxcur_make(vxbuf_data(&b), b.size);
                struct of_insts again;
                if (of_insts_pull(&ic, &again)) {
                    abort();    /* our own encoding must decode */
                }
                vxbuf_uninit(&b);
            }
        }
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so that ASan sees reads past the input as overflows. */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t ofs = 0;
    for (;;) {
        int n = ofp_msg_frame(buf + ofs, size - ofs);
        if (n <= 0) {
            break;
        }
        decode_one(buf + ofs, (size_t)n);
        ofs += (size_t)n;
    }
    free(buf);
    return 0;
}
