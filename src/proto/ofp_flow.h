/* FLOW_MOD encoding, FLOW stats and FLOW_REMOVED decoding (OF1.3.5 A.3.4.1,
 * A.3.5.2, A.4.2).
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OFP_FLOW_H
#define VX_OFP_FLOW_H 1

#include <stdint.h>

#include "core/buf.h"
#include "proto/of_actions.h"
#include "proto/of_match.h"
#include "proto/ofp_errors.h"

struct of_flow_mod {
    uint64_t cookie;
    uint64_t cookie_mask;
    uint8_t table_id;
    uint8_t command;            /* enum ofp_flow_mod_command */
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t priority;
    uint16_t flags;
};

/* Appends a FLOW_MOD whose match and instructions are given already encoded
 * (canonical struct ofp_match with padding, then instructions), as the
 * flow-diff engine stores them.  buffer_id is OFP_NO_BUFFER.  For deletes,
 * out_port and out_group are ANY (OF1.3.5 A.3.4.1: otherwise OVS deletes
 * only flows that output to port 0); for other commands they are ignored by
 * the switch and sent as ANY too.  Instructions are omitted for deletes. */
void ofp_put_flow_mod_raw(struct vxbuf *, uint32_t xid, const struct of_flow_mod *,
                          const void *match, size_t match_size,
                          const void *insts, size_t insts_size);
/* As above, from decoded forms.  'insts' may be NULL for deletes. */
void ofp_put_flow_mod(struct vxbuf *, uint32_t xid, const struct of_flow_mod *,
                      const struct of_match *, const struct of_insts *);

/* One entry of a FLOW stats reply. */
struct of_flow_stats {
    uint8_t table_id;
    uint16_t priority;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t flags;
    uint32_t duration_sec;
    uint64_t cookie;
    uint64_t packet_count;
    uint64_t byte_count;
    struct of_match match;
    struct of_insts insts;
};

/* Decodes the next entry of a FLOW multipart reply body at 'c' (OF1.3.5
 * A.3.5.2).  Returns 0, or the error for a malformed entry.  If the entry's
 * framing (its length) is sound, 'c' is past it even on error, so the caller
 * may skip it; if not, 'c' is unchanged and the rest of the body cannot be
 * trusted. */
enum ofperr ofp_pull_flow_stats(struct vxcur *c, struct of_flow_stats *);

struct of_flow_removed {
    uint64_t cookie;
    uint16_t priority;
    uint8_t reason;
    uint8_t table_id;
    uint32_t duration_sec;
    uint64_t packet_count;
    uint64_t byte_count;
    struct of_match match;
};
enum ofperr ofp_decode_flow_removed(const void *msg, size_t size, struct of_flow_removed *);

#endif
