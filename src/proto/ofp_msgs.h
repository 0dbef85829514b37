/* OpenFlow 1.3 message framing, length validation and the encoders and
 * decoders of the switch-level messages (OF1.3.5 A.1, A.3.1-3, A.3.5-9, A.5).
 *
 * Decoding contract: a caller first frames a message with ofp_msg_frame(),
 * then calls ofp_msg_validate() once; only then may a type-specific decoder
 * run, and it may rely on the fixed part's length.  Decoders never assert on
 * peer input; they return an enum ofperr that the caller sends back.
 *
 * Encoding contract: every ofp_put_*() appends one complete message to a
 * vxbuf (zero-filled, length set at the end) and returns nothing; pointers
 * into the vxbuf are invalid after it grows.
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OFP_MSGS_H
#define VX_OFP_MSGS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/ofp_errors.h"
#include "proto/ofp_wire.h"

/* Returns the printable name of an OpenFlow message type ("PACKET_IN"). */
const char *ofp_type_name(uint8_t type);

/* Stream framing.  Looks at the 'avail' bytes at 'p'.  Returns:
 *   > 0: the size of one complete message at 'p';
 *   0: more data is needed (fewer than 8 bytes, or a partial message);
 *   < 0: the stream is unrecoverable (declared length < 8), which is
 *        -OFPERR_BAD_REQUEST_LEN. */
int ofp_msg_frame(const uint8_t *p, size_t avail);

/* Validates one framed message: version (which must be 'version', except for
 * HELLO and ERROR, which may carry any), then the length against the type's
 * table entry (exact, at least, or at least plus whole elements).  Returns 0
 * or BAD_REQUEST_VERSION, BAD_REQUEST_LEN or BAD_REQUEST_TYPE. */
enum ofperr ofp_msg_validate(const struct ofp_header *, size_t size, uint8_t version);

static inline uint8_t ofp_msg_type(const void *msg) { return ((const struct ofp_header *)msg)->type; }
static inline uint32_t ofp_msg_xid(const void *msg) { return get_be32(((const struct ofp_header *)msg)->xid); }

/* Starts a message of 'type' and fixed size 'size' at the tail of 'b'.
 * Returns its offset; ofp_msg_finish() sets the final length. */
size_t ofp_msg_start(struct vxbuf *b, uint8_t type, uint32_t xid, size_t size);
void ofp_msg_finish(struct vxbuf *b, size_t start);

/* --- HELLO (A.5.1, 6.3.1) --- */
/* HELLO with a version bitmap advertising OpenFlow 1.3 only. */
void ofp_put_hello(struct vxbuf *, uint32_t xid);
/* Negotiates the version from a received HELLO: with a version bitmap, the
 * highest common version; without, min(header version, ours).  Returns 0 and
 * sets '*version' (always OFP13_VERSION on success), or
 * OFPERR_HELLO_INCOMPATIBLE, or BAD_REQUEST_LEN for a malformed element. */
enum ofperr ofp_decode_hello(const void *msg, size_t size, uint8_t *version);

/* --- ERROR (A.4.4) --- */
/* ERROR for 'err', quoting up to 64 bytes of 'request' (may be NULL). */
void ofp_put_error(struct vxbuf *, enum ofperr err, const void *request, size_t request_size);
struct of_error {
    uint16_t type;
    uint16_t code;
    uint32_t xid;               /* xid of the error, = the failed request's */
    const uint8_t *data;        /* the quoted request, inside the message */
    size_t data_size;
};
enum ofperr ofp_decode_error(const void *msg, size_t size, struct of_error *);

/* --- ECHO (A.5.2-3) --- */
void ofp_put_echo_request(struct vxbuf *, uint32_t xid);
/* ECHO_REPLY carrying the request's xid and payload. */
void ofp_put_echo_reply(struct vxbuf *, const void *request, size_t size);

/* --- FEATURES (A.3.1) --- */
void ofp_put_features_request(struct vxbuf *, uint32_t xid);
struct of_features {
    uint64_t datapath_id;
    uint32_t n_buffers;
    uint8_t n_tables;
    uint8_t auxiliary_id;
    uint32_t capabilities;
};
enum ofperr ofp_decode_features_reply(const void *msg, size_t size, struct of_features *);

/* --- SET_CONFIG (A.3.2) --- */
void ofp_put_set_config(struct vxbuf *, uint32_t xid, uint16_t flags, uint16_t miss_send_len);

/* --- SET_ASYNC (A.3.10) --- */
/* Asks for packet-ins of the reasons in 'packet_in_mask' (bits 1 << OFPR_*)
 * and port status of every reason, as master or equal.  Open vSwitch sends
 * OFPR_INVALID_TTL packet-ins only when asked. */
void ofp_put_set_async(struct vxbuf *, uint32_t xid, uint32_t packet_in_mask);

/* --- BARRIER (A.3.8) --- */
void ofp_put_barrier_request(struct vxbuf *, uint32_t xid);

/* --- NXT_CT_FLUSH (Open vSwitch 3.1+, include/openflow/nicira-ext.h) ---
 * An experimenter message (OF1.3.5 A.5.4, vendor NX_VENDOR_ID, subtype
 * 32) asking the switch to delete the conntrack entries of 'zone' whose
 * original-direction destination ('reply' false) or reply-direction
 * destination ('reply' true) is 'ipv4', any protocol and ports: the
 * connections made to, or translated to, that address.  Its properties
 * (OF1.3.5 7.2.5 style TLVs, 8-byte aligned) are one nested tuple with
 * the address IPv4-mapped (::ffff:a.b.c.d), and the zone. */
void ofp_put_ct_flush(struct vxbuf *, uint32_t xid, uint16_t zone, bool reply, uint32_t ipv4);

/* --- ROLE (A.3.9) --- */
void ofp_put_role_request(struct vxbuf *, uint32_t xid, uint32_t role, uint64_t generation_id);
struct of_role {
    uint32_t role;
    uint64_t generation_id;
};
enum ofperr ofp_decode_role_reply(const void *msg, size_t size, struct of_role *);

/* --- MULTIPART (A.3.5) --- */
void ofp_put_desc_request(struct vxbuf *, uint32_t xid);
void ofp_put_port_desc_request(struct vxbuf *, uint32_t xid);
/* FLOW stats request for all tables, any out_port/out_group, and flows whose
 * cookie matches 'cookie' under 'cookie_mask' (A.3.5.2). */
void ofp_put_flow_stats_request(struct vxbuf *, uint32_t xid, uint64_t cookie, uint64_t cookie_mask);

struct of_multipart_reply {
    uint16_t type;              /* enum ofp_multipart_type */
    bool more;                  /* OFPMPF_REPLY_MORE: another part follows */
    const uint8_t *body;        /* inside the message */
    size_t body_size;
};
enum ofperr ofp_decode_multipart_reply(const void *msg, size_t size, struct of_multipart_reply *);

struct of_desc {
    char mfr_desc[DESC_STR_LEN];
    char hw_desc[DESC_STR_LEN];
    char sw_desc[DESC_STR_LEN];
    char serial_num[SERIAL_NUM_LEN];
    char dp_desc[DESC_STR_LEN];
};
/* Decodes a DESC reply body; every string is NUL-terminated on return. */
enum ofperr ofp_decode_desc(const struct of_multipart_reply *, struct of_desc *);

#endif
