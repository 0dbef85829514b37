/* Decoded OpenFlow 1.3 matches (OXM, OF1.3.5 7.2.3) and their canonical
 * encoding.
 *
 * OXM TLVs are keyed by (class, field): NXM_NX_REG0 (class 0x0001, field 0)
 * is not in_port (class 0x8000, field 0).  Nicira fields travel as ordinary
 * OXMs of class 0x0001, as Open vSwitch sends and expects them.
 *
 * The canonical encoding emits fields in enum of_field order, so two matches
 * with the same content encode to the same bytes whatever order the switch
 * used.  The flow-diff engine relies on that to compare flows by memcmp.
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OF_MATCH_H
#define VX_OF_MATCH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/ofp_errors.h"

enum of_field {
    OFF_IN_PORT,
    OFF_METADATA,
    OFF_ETH_DST,
    OFF_ETH_SRC,
    OFF_ETH_TYPE,
    OFF_VLAN_VID,
    OFF_IP_PROTO,
    OFF_IPV4_SRC,
    OFF_IPV4_DST,
    OFF_TCP_SRC,
    OFF_TCP_DST,
    OFF_UDP_SRC,
    OFF_UDP_DST,
    OFF_ICMPV4_TYPE,
    OFF_ICMPV4_CODE,
    OFF_ARP_OP,
    OFF_ARP_SPA,
    OFF_ARP_TPA,
    OFF_ARP_SHA,
    OFF_ARP_THA,
    OFF_TUN_ID,
    OFF_TUN_SRC,
    OFF_TUN_DST,
    OFF_CT_STATE,               /* Nicira: conntrack state bits, OF_CT_* */
    OFF_CT_ZONE,                /* Nicira: the zone of the last ct() */
    OFF_N_FIELDS
};

/* ct_state bits (ovs-fields(7) "Connection Tracking Fields"). */
#define OF_CT_NEW 0x01
#define OF_CT_EST 0x02
#define OF_CT_REL 0x04
#define OF_CT_RPL 0x08
#define OF_CT_INV 0x10
#define OF_CT_TRK 0x20

struct of_field_desc {
    uint16_t oxm_class;
    uint8_t oxm_field;
    uint8_t size;               /* bytes of value on the wire */
    bool maskable;
    const char *name;           /* ovs-ofctl name in matches */
    const char *nxm;            /* ovs-ofctl name in move actions, or NULL */
};

/* Description of 'f'.  'f' must be < OFF_N_FIELDS. */
const struct of_field_desc *of_field_get(enum of_field f);
/* Finds the field with OXM (class, field), or returns false. */
bool of_field_from_oxm(uint16_t oxm_class, uint8_t oxm_field, enum of_field *);

#define OF_MATCH_UNKNOWN_MAX 96

/* A decoded match.  Only fields whose bit is set in 'present' have defined
 * 'value' (and 'mask', if set in 'masked'); of_match_init() does not clear
 * the arrays, so never memcmp two of_match structs: compare encodings. */
struct of_match {
    uint32_t present;
    uint32_t masked;
    uint64_t value[OFF_N_FIELDS];   /* big-endian numbers, MACs as 48 bits */
    uint64_t mask[OFF_N_FIELDS];
    /* OXMs this codec does not know, kept raw in received order so that a
     * flow carrying them can still be deleted exactly. */
    uint16_t unknown_size;
    bool unknown_overflow;          /* more unknown OXMs than fit */
    uint8_t unknown[OF_MATCH_UNKNOWN_MAX];
};

static inline void of_match_init(struct of_match *m)
{
    m->present = m->masked = 0;
    m->unknown_size = 0;
    m->unknown_overflow = false;
}

static inline bool of_match_has(const struct of_match *m, enum of_field f)
{
    return (m->present >> f) & 1;
}

void of_match_set(struct of_match *, enum of_field, uint64_t value);
void of_match_set_masked(struct of_match *, enum of_field, uint64_t value, uint64_t mask);
void of_match_set_mac(struct of_match *, enum of_field, const uint8_t mac[6]);

uint64_t mac_to_u64(const uint8_t mac[6]);
void mac_from_u64(uint64_t, uint8_t mac[6]);

/* Decodes the struct ofp_match at the cursor (header, OXMs and padding) into
 * 'm' and advances past it.  Returns 0 or the error to report: BAD_MATCH_TYPE
 * for a non-OXM match, BAD_MATCH_LEN for a length that runs past the data or
 * a field of the wrong size, BAD_MATCH_DUP_FIELD for a field seen twice. */
enum ofperr of_match_pull(struct vxcur *, struct of_match *m);

/* Appends the canonical struct ofp_match for 'm', padding included.  Returns
 * false (appending nothing) if 'm' has unknown OXMs that overflowed. */
bool of_match_put(struct vxbuf *, const struct of_match *m);

/* Appends "field=value,..." in ovs-ofctl syntax (no trailing comma). */
void of_match_format(const struct of_match *, struct vxbuf *out);

#endif
