/* OpenFlow 1.3 wire formats (OpenFlow Switch Specification 1.3.5, appendix A).
 *
 * Every struct here is exactly the on-the-wire layout, big-endian, with no
 * bitfields; a _Static_assert after each pins its size.  Multi-byte fields
 * are byte arrays read through get_be*() so that unaligned access is never an
 * issue.  Decoded, host-order forms live in the of_*.h headers under the
 * "of_" prefix; "ofp_" is always the wire.
 *
 * Contract: declarations only (wire layouts, constants); no code. */
#ifndef VX_OFP_WIRE_H
#define VX_OFP_WIRE_H 1

#include <stdint.h>

#define OFP13_VERSION 0x04
#define OFP_HEADER_SIZE 8
#define OFP_MAX_MSG_SIZE 65535
#define OFP_TCP_PORT 6653

/* A.1 */
enum ofp_type {
    OFPT_HELLO = 0,
    OFPT_ERROR = 1,
    OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3,
    OFPT_EXPERIMENTER = 4,
    OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6,
    OFPT_GET_CONFIG_REQUEST = 7,
    OFPT_GET_CONFIG_REPLY = 8,
    OFPT_SET_CONFIG = 9,
    OFPT_PACKET_IN = 10,
    OFPT_FLOW_REMOVED = 11,
    OFPT_PORT_STATUS = 12,
    OFPT_PACKET_OUT = 13,
    OFPT_FLOW_MOD = 14,
    OFPT_GROUP_MOD = 15,
    OFPT_PORT_MOD = 16,
    OFPT_TABLE_MOD = 17,
    OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19,
    OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21,
    OFPT_QUEUE_GET_CONFIG_REQUEST = 22,
    OFPT_QUEUE_GET_CONFIG_REPLY = 23,
    OFPT_ROLE_REQUEST = 24,
    OFPT_ROLE_REPLY = 25,
    OFPT_GET_ASYNC_REQUEST = 26,
    OFPT_GET_ASYNC_REPLY = 27,
    OFPT_SET_ASYNC = 28,
    OFPT_METER_MOD = 29,
    OFPT_N_TYPES = 30
};

struct ofp_header {
    uint8_t version;
    uint8_t type;
    uint8_t length[2];
    uint8_t xid[4];
};
_Static_assert(sizeof(struct ofp_header) == 8, "ofp_header");

/* A.5.1 Hello elements. */
#define OFPHET_VERSIONBITMAP 1
struct ofp_hello_elem_header { uint8_t type[2], length[2]; };
_Static_assert(sizeof(struct ofp_hello_elem_header) == 4, "hello_elem");

/* A.4.4 */
struct ofp_error_msg {
    struct ofp_header header;
    uint8_t type[2], code[2];
    /* followed by at least 64 bytes of the offending request */
};
_Static_assert(sizeof(struct ofp_error_msg) == 12, "ofp_error_msg");

/* A.3.1 */
struct ofp_switch_features {
    struct ofp_header header;
    uint8_t datapath_id[8];
    uint8_t n_buffers[4];
    uint8_t n_tables;
    uint8_t auxiliary_id;
    uint8_t pad[2];
    uint8_t capabilities[4];
    uint8_t reserved[4];
};
_Static_assert(sizeof(struct ofp_switch_features) == 32, "switch_features");

/* A.3.2 */
struct ofp_switch_config {
    struct ofp_header header;
    uint8_t flags[2], miss_send_len[2];
};
_Static_assert(sizeof(struct ofp_switch_config) == 12, "switch_config");

/* A.2.1 Ports. */
#define OFPP_MAX        0xffffff00u
#define OFPP_IN_PORT    0xfffffff8u
#define OFPP_TABLE      0xfffffff9u
#define OFPP_NORMAL     0xfffffffau
#define OFPP_FLOOD      0xfffffffbu
#define OFPP_ALL        0xfffffffcu
#define OFPP_CONTROLLER 0xfffffffdu
#define OFPP_LOCAL      0xfffffffeu
#define OFPP_ANY        0xffffffffu
#define OFPG_ANY        0xffffffffu
#define OFP_NO_BUFFER   0xffffffffu
#define OFPCML_NO_BUFFER 0xffff
#define OFP_MAX_PORT_NAME_LEN 16

#define OFPPC_PORT_DOWN 1u
#define OFPPS_LINK_DOWN 1u

struct ofp_port {
    uint8_t port_no[4];
    uint8_t pad[4];
    uint8_t hw_addr[6];
    uint8_t pad2[2];
    char name[OFP_MAX_PORT_NAME_LEN];
    uint8_t config[4], state[4];
    uint8_t curr[4], advertised[4], supported[4], peer[4];   /* OFPPF_* */
    uint8_t curr_speed[4], max_speed[4];
};
_Static_assert(sizeof(struct ofp_port) == 64, "ofp_port");

/* A.4.3 */
enum ofp_port_reason { OFPPR_ADD = 0, OFPPR_DELETE = 1, OFPPR_MODIFY = 2 };
struct ofp_port_status {
    struct ofp_header header;
    uint8_t reason;
    uint8_t pad[7];
    struct ofp_port desc;
};
_Static_assert(sizeof(struct ofp_port_status) == 80, "port_status");

/* A.2.3 Flow match: header; OXM TLVs follow, then zero padding to 8. */
#define OFPMT_OXM 1
struct ofp_match_header {
    uint8_t type[2];
    uint8_t length[2];        /* excluding padding */
};
_Static_assert(sizeof(struct ofp_match_header) == 4, "match_header");

#define OXM_HEADER(CLASS, FIELD, HASMASK, LEN) \
    ((uint32_t)(CLASS) << 16 | (uint32_t)(FIELD) << 9 | (uint32_t)(HASMASK) << 8 | (LEN))
#define OXM_CLASS(H)   ((H) >> 16)
#define OXM_FIELD(H)   (((H) >> 9) & 0x7f)
#define OXM_HASMASK(H) (((H) >> 8) & 1)
#define OXM_LENGTH(H)  ((H) & 0xff)
#define OFPXMC_NXM_0          0x0000
#define OFPXMC_NXM_1          0x0001
#define OFPXMC_OPENFLOW_BASIC 0x8000
#define OFPXMC_EXPERIMENTER   0xffff

/* A.2.4 Instructions. */
enum ofp_instruction_type {
    OFPIT_GOTO_TABLE = 1, OFPIT_WRITE_METADATA = 2, OFPIT_WRITE_ACTIONS = 3,
    OFPIT_APPLY_ACTIONS = 4, OFPIT_CLEAR_ACTIONS = 5, OFPIT_METER = 6,
};
/* Instructions and actions share one header (A.2.4, A.2.5): a type and a
 * length that counts the header, padded to a multiple of 8. */
struct ofp_tlv_header {
    uint8_t type[2];
    uint8_t len[2];
};
_Static_assert(sizeof(struct ofp_tlv_header) == 4, "tlv_header");

struct ofp_instruction_goto_table {
    struct ofp_tlv_header hdr;
    uint8_t table_id;
    uint8_t pad[3];
};
_Static_assert(sizeof(struct ofp_instruction_goto_table) == 8, "goto_table");

struct ofp_instruction_actions {
    struct ofp_tlv_header hdr;
    uint8_t pad[4];
};
_Static_assert(sizeof(struct ofp_instruction_actions) == 8, "inst_actions");

/* A.2.5 Actions. */
enum ofp_action_type {
    OFPAT_OUTPUT = 0, OFPAT_DEC_NW_TTL = 24, OFPAT_SET_FIELD = 25,
    OFPAT_EXPERIMENTER = 0xffff,
};
struct ofp_action_output {
    struct ofp_tlv_header hdr;
    uint8_t port[4];
    uint8_t max_len[2];
    uint8_t pad[6];
};
_Static_assert(sizeof(struct ofp_action_output) == 16, "action_output");

struct ofp_action_generic {     /* DEC_NW_TTL and other field-less actions */
    struct ofp_tlv_header hdr;
    uint8_t pad[4];
};
_Static_assert(sizeof(struct ofp_action_generic) == 8, "action_generic");

/* Open vSwitch's Nicira extension actions (an experimenter action,
 * OF1.3.5 A.2.5): NXAST_REG_MOVE copies n_bits from one field to another,
 * both named by 32-bit OXM/NXM headers (OVS include/openflow/nicira-ext.h,
 * ovs-actions(7) "move"). */
#define NX_VENDOR_ID 0x00002320u
#define NXAST_REG_MOVE 6
struct nx_action_reg_move {
    struct ofp_tlv_header hdr;      /* OFPAT_EXPERIMENTER, 24 */
    uint8_t vendor[4];              /* NX_VENDOR_ID */
    uint8_t subtype[2];             /* NXAST_REG_MOVE */
    uint8_t n_bits[2];
    uint8_t src_ofs[2];
    uint8_t dst_ofs[2];
    uint8_t src[4];                 /* OXM header of the source field */
    uint8_t dst[4];                 /* OXM header of the destination */
};
_Static_assert(sizeof(struct nx_action_reg_move) == 24, "nx_action_reg_move");

/* Open vSwitch's connection tracking (ovs-actions(7) "ct", "nat"; OVS
 * include/openflow/nicira-ext.h): NXAST_CT sends the packet through
 * conntrack in a zone, optionally commits the connection and recirculates
 * it to a table; its nested actions may hold one NXAST_NAT.  The NAT
 * action's optional fields follow it in 'range_present' order, and the
 * whole action is zero-padded to 8 bytes. */
#define NXAST_CT 35
#define NXAST_NAT 36
#define NX_CT_F_COMMIT 0x0001
#define NX_CT_RECIRC_NONE 0xff
#define NX_NAT_F_SRC 0x0001
#define NX_NAT_F_DST 0x0002
#define NX_NAT_RANGE_IPV4_MIN 0x0001
struct nx_action_conntrack {
    struct ofp_tlv_header hdr;      /* OFPAT_EXPERIMENTER, 24 + nested actions */
    uint8_t vendor[4];              /* NX_VENDOR_ID */
    uint8_t subtype[2];             /* NXAST_CT */
    uint8_t flags[2];               /* NX_CT_F_* */
    uint8_t zone_src[4];            /* 0: the zone is 'zone_imm' */
    uint8_t zone_imm[2];
    uint8_t recirc_table;           /* NX_CT_RECIRC_NONE: no recirculation */
    uint8_t pad[3];
    uint8_t alg[2];                 /* 0: no application-layer gateway */
};
_Static_assert(sizeof(struct nx_action_conntrack) == 24, "nx_action_conntrack");
struct nx_action_nat {
    struct ofp_tlv_header hdr;      /* OFPAT_EXPERIMENTER, 16 + ranges, padded */
    uint8_t vendor[4];              /* NX_VENDOR_ID */
    uint8_t subtype[2];             /* NXAST_NAT */
    uint8_t pad[2];
    uint8_t flags[2];               /* NX_NAT_F_* */
    uint8_t range_present[2];       /* NX_NAT_RANGE_* */
};
_Static_assert(sizeof(struct nx_action_nat) == 16, "nx_action_nat");

/* A.3.4.1 */
enum ofp_flow_mod_command {
    OFPFC_ADD = 0, OFPFC_MODIFY = 1, OFPFC_MODIFY_STRICT = 2,
    OFPFC_DELETE = 3, OFPFC_DELETE_STRICT = 4,
};
#define OFPFF_SEND_FLOW_REM 1u
#define OFPFF_CHECK_OVERLAP 2u
#define OFPFF_RESET_COUNTS  4u
struct ofp_flow_mod {
    struct ofp_header header;
    uint8_t cookie[8], cookie_mask[8];
    uint8_t table_id;
    uint8_t command;
    uint8_t idle_timeout[2], hard_timeout[2];
    uint8_t priority[2];
    uint8_t buffer_id[4];
    uint8_t out_port[4], out_group[4];
    uint8_t flags[2];
    uint8_t pad[2];
    /* followed by struct ofp_match, then instructions */
};
_Static_assert(sizeof(struct ofp_flow_mod) == 48, "flow_mod");

#define OFPTT_ALL 0xff

/* A.4.1 */
enum ofp_packet_in_reason { OFPR_NO_MATCH = 0, OFPR_ACTION = 1, OFPR_INVALID_TTL = 2 };
struct ofp_packet_in {
    struct ofp_header header;
    uint8_t buffer_id[4];
    uint8_t total_len[2];
    uint8_t reason;
    uint8_t table_id;
    uint8_t cookie[8];
    /* followed by struct ofp_match, 2 bytes of zero padding, then the frame */
};
_Static_assert(sizeof(struct ofp_packet_in) == 24, "packet_in");

/* A.3.7 */
struct ofp_packet_out {
    struct ofp_header header;
    uint8_t buffer_id[4];
    uint8_t in_port[4];
    uint8_t actions_len[2];
    uint8_t pad[6];
    /* followed by actions, then the frame */
};
_Static_assert(sizeof(struct ofp_packet_out) == 24, "packet_out");

/* A.4.2 */
struct ofp_flow_removed {
    struct ofp_header header;
    uint8_t cookie[8];
    uint8_t priority[2];
    uint8_t reason;
    uint8_t table_id;
    uint8_t duration_sec[4], duration_nsec[4];
    uint8_t idle_timeout[2], hard_timeout[2];
    uint8_t packet_count[8], byte_count[8];
    /* followed by struct ofp_match */
};
_Static_assert(sizeof(struct ofp_flow_removed) == 48, "flow_removed");

/* A.3.5 Multipart. */
enum ofp_multipart_type { OFPMP_DESC = 0, OFPMP_FLOW = 1, OFPMP_PORT_DESC = 13 };
#define OFPMPF_REQ_MORE 1u
#define OFPMPF_REPLY_MORE 1u
struct ofp_multipart {          /* request and reply share this header */
    struct ofp_header header;
    uint8_t type[2];
    uint8_t flags[2];
    uint8_t pad[4];
};
_Static_assert(sizeof(struct ofp_multipart) == 16, "multipart");

#define DESC_STR_LEN 256
#define SERIAL_NUM_LEN 32
struct ofp_desc {
    char mfr_desc[DESC_STR_LEN];
    char hw_desc[DESC_STR_LEN];
    char sw_desc[DESC_STR_LEN];
    char serial_num[SERIAL_NUM_LEN];
    char dp_desc[DESC_STR_LEN];
};
_Static_assert(sizeof(struct ofp_desc) == 1056, "desc");

struct ofp_flow_stats_request {
    uint8_t table_id;
    uint8_t pad[3];
    uint8_t out_port[4], out_group[4];
    uint8_t pad2[4];
    uint8_t cookie[8], cookie_mask[8];
    /* followed by struct ofp_match */
};
_Static_assert(sizeof(struct ofp_flow_stats_request) == 32, "flow_stats_request");

struct ofp_flow_stats {
    uint8_t length[2];
    uint8_t table_id;
    uint8_t pad;
    uint8_t duration_sec[4], duration_nsec[4];
    uint8_t priority[2];
    uint8_t idle_timeout[2], hard_timeout[2];
    uint8_t flags[2];
    uint8_t pad2[4];
    uint8_t cookie[8];
    uint8_t packet_count[8], byte_count[8];
    /* followed by struct ofp_match, then instructions */
};
_Static_assert(sizeof(struct ofp_flow_stats) == 48, "flow_stats");

/* A.3.10 Asynchronous message configuration. */
struct ofp_async_config {
    struct ofp_header header;
    uint8_t packet_in_mask[2][4];       /* [0]: master/equal, [1]: slave */
    uint8_t port_status_mask[2][4];
    uint8_t flow_removed_mask[2][4];
};
_Static_assert(sizeof(struct ofp_async_config) == 32, "async_config");

/* A.3.9 Role. */
enum ofp_controller_role {
    OFPCR_ROLE_NOCHANGE = 0, OFPCR_ROLE_EQUAL = 1,
    OFPCR_ROLE_MASTER = 2, OFPCR_ROLE_SLAVE = 3,
};
struct ofp_role_request {
    struct ofp_header header;
    uint8_t role[4];
    uint8_t pad[4];
    uint8_t generation_id[8];
};
_Static_assert(sizeof(struct ofp_role_request) == 24, "role_request");

#endif
