#include "proto/ofp_msgs.h"

#include <string.h>

#include "core/util.h"

static const char *const type_names[OFPT_N_TYPES] = {
    "HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "EXPERIMENTER",
    "FEATURES_REQUEST", "FEATURES_REPLY", "GET_CONFIG_REQUEST",
    "GET_CONFIG_REPLY", "SET_CONFIG", "PACKET_IN", "FLOW_REMOVED",
    "PORT_STATUS", "PACKET_OUT", "FLOW_MOD", "GROUP_MOD", "PORT_MOD",
    "TABLE_MOD", "MULTIPART_REQUEST", "MULTIPART_REPLY", "BARRIER_REQUEST",
    "BARRIER_REPLY", "QUEUE_GET_CONFIG_REQUEST", "QUEUE_GET_CONFIG_REPLY",
    "ROLE_REQUEST", "ROLE_REPLY", "GET_ASYNC_REQUEST", "GET_ASYNC_REPLY",
    "SET_ASYNC", "METER_MOD",
};

const char *ofp_type_name(uint8_t type)
{
    return type < OFPT_N_TYPES ? type_names[type] : "UNKNOWN";
}

int ofp_msg_frame(const uint8_t *p, size_t avail)
{
    if (avail < OFP_HEADER_SIZE) {
        return 0;
    }
    uint16_t length = get_be16(p + 2);
    if (length < OFP_HEADER_SIZE) {
        return -(int)OFPERR_BAD_REQUEST_LEN;
    }
    return length <= avail ? length : 0;
}

/* How a message type's length is checked (the house style's one table). */
enum len_rule { LEN_UNSUPPORTED, LEN_EXACT, LEN_AT_LEAST };
struct len_check {
    enum len_rule rule;
    uint16_t size;
};

static const struct len_check len_checks[OFPT_N_TYPES] = {
    [OFPT_HELLO]            = { LEN_AT_LEAST, 8 },
    [OFPT_ERROR]            = { LEN_AT_LEAST, sizeof(struct ofp_error_msg) },
    [OFPT_ECHO_REQUEST]     = { LEN_AT_LEAST, 8 },
    [OFPT_ECHO_REPLY]       = { LEN_AT_LEAST, 8 },
    [OFPT_EXPERIMENTER]     = { LEN_AT_LEAST, 16 },
    [OFPT_FEATURES_REQUEST] = { LEN_EXACT, 8 },
    [OFPT_FEATURES_REPLY]   = { LEN_EXACT, sizeof(struct ofp_switch_features) },
    [OFPT_GET_CONFIG_REQUEST] = { LEN_EXACT, 8 },
    [OFPT_GET_CONFIG_REPLY] = { LEN_EXACT, sizeof(struct ofp_switch_config) },
    [OFPT_SET_CONFIG]       = { LEN_EXACT, sizeof(struct ofp_switch_config) },
    /* fixed part + minimal match (8) + 2 bytes of padding */
    [OFPT_PACKET_IN]        = { LEN_AT_LEAST, sizeof(struct ofp_packet_in) + 8 + 2 },
    [OFPT_FLOW_REMOVED]     = { LEN_AT_LEAST, sizeof(struct ofp_flow_removed) + 8 },
    [OFPT_PORT_STATUS]      = { LEN_EXACT, sizeof(struct ofp_port_status) },
    [OFPT_PACKET_OUT]       = { LEN_AT_LEAST, sizeof(struct ofp_packet_out) },
    [OFPT_FLOW_MOD]         = { LEN_AT_LEAST, sizeof(struct ofp_flow_mod) + 8 },
    [OFPT_MULTIPART_REQUEST] = { LEN_AT_LEAST, sizeof(struct ofp_multipart) },
    [OFPT_MULTIPART_REPLY]  = { LEN_AT_LEAST, sizeof(struct ofp_multipart) },
    [OFPT_BARRIER_REQUEST]  = { LEN_EXACT, 8 },
    [OFPT_BARRIER_REPLY]    = { LEN_EXACT, 8 },
    [OFPT_ROLE_REQUEST]     = { LEN_EXACT, sizeof(struct ofp_role_request) },
    [OFPT_ROLE_REPLY]       = { LEN_EXACT, sizeof(struct ofp_role_request) },
};

enum ofperr ofp_msg_validate(const struct ofp_header *oh, size_t size, uint8_t version)
{
    if (size < OFP_HEADER_SIZE || get_be16(oh->length) != size) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    if (oh->type != OFPT_HELLO && oh->type != OFPT_ERROR && oh->version != version) {
        return OFPERR_BAD_REQUEST_VERSION;
    }
    if (oh->type >= OFPT_N_TYPES || len_checks[oh->type].rule == LEN_UNSUPPORTED) {
        return OFPERR_BAD_REQUEST_TYPE;
    }
    const struct len_check *lc = &len_checks[oh->type];
    if (lc->rule == LEN_EXACT ? size != lc->size : size < lc->size) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    return 0;
}

size_t ofp_msg_start(struct vxbuf *b, uint8_t type, uint32_t xid, size_t size)
{
    size_t start = vxbuf_ofs(b);
    struct ofp_header *oh = vxbuf_put_zeros(b, size);

    oh->version = OFP13_VERSION;
    oh->type = type;
    put_be32(oh->xid, xid);
    return start;
}

void ofp_msg_finish(struct vxbuf *b, size_t start)
{
    struct ofp_header *oh = vxbuf_at(b, start);
    put_be16(oh->length, (uint16_t)(vxbuf_ofs(b) - start));
}

/* Appends a whole message of fixed 'size' (header included) and returns it
 * for the caller to fill: valid until 'b' next grows. */
static void *put_fixed__(struct vxbuf *b, uint8_t type, uint32_t xid, size_t size)
{
    size_t start = ofp_msg_start(b, type, xid, size);
    ofp_msg_finish(b, start);
    return vxbuf_at(b, start);
}

static void put_simple__(struct vxbuf *b, uint8_t type, uint32_t xid)
{
    put_fixed__(b, type, xid, OFP_HEADER_SIZE);
}

void ofp_put_hello(struct vxbuf *b, uint32_t xid)
{
    size_t start = ofp_msg_start(b, OFPT_HELLO, xid, OFP_HEADER_SIZE);
    uint8_t *e = vxbuf_put_zeros(b, 8);

    put_be16(e, OFPHET_VERSIONBITMAP);
    put_be16(e + 2, 8);
    put_be32(e + 4, 1u << OFP13_VERSION);
    ofp_msg_finish(b, start);
}

enum ofperr ofp_decode_hello(const void *msg, size_t size, uint8_t *version)
{
    const struct ofp_header *oh = msg;
    struct vxcur c = vxcur_make((const uint8_t *)msg + OFP_HEADER_SIZE,
                                size - OFP_HEADER_SIZE);
    uint32_t bitmap = 0;
    bool have_bitmap = false;

    /* OF1.3.5 A.5.1: elements are padded to 8 bytes; unknown ones ignored. */
    while (c.left >= sizeof(struct ofp_hello_elem_header)) {
        uint16_t type = get_be16(c.p), len = get_be16(c.p + 2);
        if (len < 4 || len > c.left) {
            return OFPERR_BAD_REQUEST_LEN;
        }
        /* The last element's padding may be missing; accept that. */
        const uint8_t *p = vxcur_pull(&c, MIN(ROUND_UP((size_t)len, 8), c.left));
        if (type == OFPHET_VERSIONBITMAP) {
            if (len < 8) {
                return OFPERR_BAD_REQUEST_LEN;
            }
            bitmap = get_be32(p + 4);   /* versions 0..31: the first word */
            have_bitmap = true;
        }
    }
    if (have_bitmap ? !(bitmap & (1u << OFP13_VERSION))
                    : oh->version < OFP13_VERSION) {
        return OFPERR_HELLO_INCOMPATIBLE;
    }
    *version = OFP13_VERSION;
    return 0;
}

void ofp_put_error(struct vxbuf *b, enum ofperr err, const void *request,
                   size_t request_size)
{
    uint32_t xid = request && request_size >= OFP_HEADER_SIZE ? ofp_msg_xid(request) : 0;
    size_t start = ofp_msg_start(b, OFPT_ERROR, xid, sizeof(struct ofp_error_msg));
    struct ofp_error_msg *em = vxbuf_at(b, start);

    put_be16(em->type, ofperr_type(err));
    put_be16(em->code, ofperr_code(err));
    if (request) {
        vxbuf_put(b, request, MIN(request_size, 64));
    }
    ofp_msg_finish(b, start);
}

enum ofperr ofp_decode_error(const void *msg, size_t size, struct of_error *e)
{
    const struct ofp_error_msg *em = msg;

    e->type = get_be16(em->type);
    e->code = get_be16(em->code);
    e->xid = ofp_msg_xid(msg);
    e->data = (const uint8_t *)msg + sizeof *em;
    e->data_size = size - sizeof *em;
    return 0;
}

void ofp_put_echo_request(struct vxbuf *b, uint32_t xid)
{
    put_simple__(b, OFPT_ECHO_REQUEST, xid);
}

void ofp_put_echo_reply(struct vxbuf *b, const void *request, size_t size)
{
    size_t start = ofp_msg_start(b, OFPT_ECHO_REPLY, ofp_msg_xid(request), OFP_HEADER_SIZE);
    vxbuf_put(b, (const uint8_t *)request + OFP_HEADER_SIZE, size - OFP_HEADER_SIZE);
    ofp_msg_finish(b, start);
}

void ofp_put_features_request(struct vxbuf *b, uint32_t xid)
{
    put_simple__(b, OFPT_FEATURES_REQUEST, xid);
}

enum ofperr ofp_decode_features_reply(const void *msg, size_t size, struct of_features *f)
{
    const struct ofp_switch_features *sf = msg;

    (void)size;
    f->datapath_id = get_be64(sf->datapath_id);
    f->n_buffers = get_be32(sf->n_buffers);
    f->n_tables = sf->n_tables;
    f->auxiliary_id = sf->auxiliary_id;
    f->capabilities = get_be32(sf->capabilities);
    return 0;
}

void ofp_put_set_config(struct vxbuf *b, uint32_t xid, uint16_t flags, uint16_t miss_send_len)
{
    struct ofp_switch_config *sc = put_fixed__(b, OFPT_SET_CONFIG, xid, sizeof *sc);

    put_be16(sc->flags, flags);
    put_be16(sc->miss_send_len, miss_send_len);
}

void ofp_put_set_async(struct vxbuf *b, uint32_t xid, uint32_t packet_in_mask)
{
    struct ofp_async_config *ac = put_fixed__(b, OFPT_SET_ASYNC, xid, sizeof *ac);

    put_be32(ac->packet_in_mask[0], packet_in_mask);
    put_be32(ac->port_status_mask[0], 1u << OFPPR_ADD | 1u << OFPPR_DELETE | 1u << OFPPR_MODIFY);
    put_be32(ac->port_status_mask[1], 1u << OFPPR_ADD | 1u << OFPPR_DELETE | 1u << OFPPR_MODIFY);
    /* FLOW_REMOVED: idle, hard, delete, group delete (OF1.3.5 A.4.2). */
    put_be32(ac->flow_removed_mask[0], 0xf);
}

void ofp_put_barrier_request(struct vxbuf *b, uint32_t xid)
{
    put_simple__(b, OFPT_BARRIER_REQUEST, xid);
}

/* OVS include/openflow/nicira-ext.h: the message's subtype and its
 * properties' types. */
enum {
    NXT_CT_FLUSH = 32,
    NXT_CT_ORIG_TUPLE = 0,          /* nested tuple properties */
    NXT_CT_REPLY_TUPLE = 1,
    NXT_CT_ZONE_ID = 2,             /* be16 */
    NXT_CT_TUPLE_DST = 1,           /* in a tuple: a 16-byte address */
};

void ofp_put_ct_flush(struct vxbuf *b, uint32_t xid, uint16_t zone, bool reply, uint32_t ipv4)
{
    size_t start = ofp_msg_start(b, OFPT_EXPERIMENTER, xid, OFP_HEADER_SIZE);
    uint8_t *p = vxbuf_put_zeros(b, 8 + 8 + 8 + 24 + 8);

    put_be32(p, NX_VENDOR_ID);
    put_be32(p + 4, NXT_CT_FLUSH);
    /* struct nx_ct_flush: ip_proto 0 (any), 7 bytes of padding. */
    p += 16;
    /* The tuple: its header, padding to 8, then the destination. */
    put_be16(p, reply ? NXT_CT_REPLY_TUPLE : NXT_CT_ORIG_TUPLE);
    put_be16(p + 2, 8 + 24);
    put_be16(p + 8, NXT_CT_TUPLE_DST);
    put_be16(p + 10, 4 + 16);
    put_be16(p + 12 + 10, 0xffff);
    put_be32(p + 12 + 12, ipv4);
    p += 8 + 24;
    put_be16(p, NXT_CT_ZONE_ID);
    put_be16(p + 2, 4 + 2);
    put_be16(p + 4, zone);
    ofp_msg_finish(b, start);
}

void ofp_put_role_request(struct vxbuf *b, uint32_t xid, uint32_t role, uint64_t generation_id)
{
    struct ofp_role_request *rr = put_fixed__(b, OFPT_ROLE_REQUEST, xid, sizeof *rr);

    put_be32(rr->role, role);
    put_be64(rr->generation_id, generation_id);
}

enum ofperr ofp_decode_role_reply(const void *msg, size_t size, struct of_role *r)
{
    const struct ofp_role_request *rr = msg;

    (void)size;
    r->role = get_be32(rr->role);
    r->generation_id = get_be64(rr->generation_id);
    return r->role <= OFPCR_ROLE_SLAVE ? 0 : OFPERR_BAD_REQUEST_PACKET;
}

static size_t put_multipart_request__(struct vxbuf *b, uint32_t xid, uint16_t type)
{
    size_t start = ofp_msg_start(b, OFPT_MULTIPART_REQUEST, xid, sizeof(struct ofp_multipart));
    struct ofp_multipart *mp = vxbuf_at(b, start);

    put_be16(mp->type, type);
    return start;
}

void ofp_put_desc_request(struct vxbuf *b, uint32_t xid)
{
    ofp_msg_finish(b, put_multipart_request__(b, xid, OFPMP_DESC));
}

void ofp_put_port_desc_request(struct vxbuf *b, uint32_t xid)
{
    ofp_msg_finish(b, put_multipart_request__(b, xid, OFPMP_PORT_DESC));
}

void ofp_put_flow_stats_request(struct vxbuf *b, uint32_t xid, uint64_t cookie,
                                uint64_t cookie_mask)
{
    size_t start = put_multipart_request__(b, xid, OFPMP_FLOW);
    struct ofp_flow_stats_request *fsr = vxbuf_put_zeros(b, sizeof *fsr);

    fsr->table_id = OFPTT_ALL;
    put_be32(fsr->out_port, OFPP_ANY);
    put_be32(fsr->out_group, OFPG_ANY);
    put_be64(fsr->cookie, cookie);
    put_be64(fsr->cookie_mask, cookie_mask);
    /* Empty OXM match: header plus 4 bytes of padding. */
    uint8_t *m = vxbuf_put_zeros(b, 8);
    put_be16(m, OFPMT_OXM);
    put_be16(m + 2, 4);
    ofp_msg_finish(b, start);
}

enum ofperr ofp_decode_multipart_reply(const void *msg, size_t size,
                                       struct of_multipart_reply *r)
{
    const struct ofp_multipart *mp = msg;

    r->type = get_be16(mp->type);
    r->more = (get_be16(mp->flags) & OFPMPF_REPLY_MORE) != 0;
    r->body = (const uint8_t *)msg + sizeof *mp;
    r->body_size = size - sizeof *mp;
    return 0;
}

static void copy_str__(char *dst, const char *src, size_t size)
{
    memcpy(dst, src, size);
    dst[size - 1] = '\0';
}

enum ofperr ofp_decode_desc(const struct of_multipart_reply *r, struct of_desc *d)
{
    const struct ofp_desc *od = (const void *)r->body;

    if (r->type != OFPMP_DESC || r->body_size != sizeof *od) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    copy_str__(d->mfr_desc, od->mfr_desc, sizeof d->mfr_desc);
    copy_str__(d->hw_desc, od->hw_desc, sizeof d->hw_desc);
    copy_str__(d->sw_desc, od->sw_desc, sizeof d->sw_desc);
    copy_str__(d->serial_num, od->serial_num, sizeof d->serial_num);
    copy_str__(d->dp_desc, od->dp_desc, sizeof d->dp_desc);
    return 0;
}
