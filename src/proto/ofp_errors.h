/* OpenFlow errors as one enum (OF1.3.5 A.4.4).
 *
 * Each value carries the OpenFlow error (type, code) that the controller
 * sends back for it, so a decoder's verdict maps directly to the ERROR
 * message.  Every value has bit 30 set, so it never collides with 0
 * (success) or with an errno value.
 *
 * Contract: constants and pure functions; any thread. */
#ifndef VX_OFP_ERRORS_H
#define VX_OFP_ERRORS_H 1

#include <stdint.h>

#define OFPERR_MAKE__(TYPE, CODE) (0x40000000 | (TYPE) << 16 | (CODE))

enum ofperr {
    OFPERR_HELLO_INCOMPATIBLE     = OFPERR_MAKE__(0, 0),
    OFPERR_BAD_REQUEST_VERSION    = OFPERR_MAKE__(1, 0),
    OFPERR_BAD_REQUEST_TYPE       = OFPERR_MAKE__(1, 1),
    OFPERR_BAD_REQUEST_MULTIPART  = OFPERR_MAKE__(1, 2),
    OFPERR_BAD_REQUEST_EXPERIMENTER = OFPERR_MAKE__(1, 3),
    OFPERR_BAD_REQUEST_LEN        = OFPERR_MAKE__(1, 6),
    OFPERR_BAD_REQUEST_PORT       = OFPERR_MAKE__(1, 11),
    OFPERR_BAD_REQUEST_PACKET     = OFPERR_MAKE__(1, 12),
    OFPERR_BAD_ACTION_TYPE        = OFPERR_MAKE__(2, 0),
    OFPERR_BAD_ACTION_LEN         = OFPERR_MAKE__(2, 1),
    OFPERR_BAD_ACTION_OUT_PORT    = OFPERR_MAKE__(2, 4),
    OFPERR_BAD_ACTION_ARGUMENT    = OFPERR_MAKE__(2, 5),
    OFPERR_BAD_ACTION_SET_TYPE    = OFPERR_MAKE__(2, 13),
    OFPERR_BAD_ACTION_SET_LEN     = OFPERR_MAKE__(2, 14),
    OFPERR_BAD_ACTION_SET_ARGUMENT = OFPERR_MAKE__(2, 15),
    OFPERR_BAD_INSTRUCTION_UNKNOWN = OFPERR_MAKE__(3, 0),
    OFPERR_BAD_INSTRUCTION_LEN    = OFPERR_MAKE__(3, 8),
    OFPERR_BAD_MATCH_TYPE         = OFPERR_MAKE__(4, 0),
    OFPERR_BAD_MATCH_LEN          = OFPERR_MAKE__(4, 1),
    OFPERR_BAD_MATCH_FIELD        = OFPERR_MAKE__(4, 6),
    OFPERR_BAD_MATCH_VALUE        = OFPERR_MAKE__(4, 7),
    OFPERR_BAD_MATCH_DUP_FIELD    = OFPERR_MAKE__(4, 10),
    OFPERR_FLOW_MOD_FAILED_UNKNOWN = OFPERR_MAKE__(5, 0),
};

static inline uint16_t ofperr_type(enum ofperr e) { return (uint16_t)((e >> 16) & 0x3fff); }
static inline uint16_t ofperr_code(enum ofperr e) { return (uint16_t)(e & 0xffff); }
static inline int ofperr_is_valid(int e) { return (e & 0x40000000) != 0; }

/* Returns a constant name such as "OFPBRC_BAD_LEN" for 'e'. */
const char *ofperr_to_string(enum ofperr e);
/* Names an OpenFlow (type, code) pair received from a switch, which need not
 * be one of the enum's values.  Writes into 'buf' (at least 48 bytes). */
const char *ofperr_pair_to_string(uint16_t type, uint16_t code, char *buf, int size);

#endif
