/* OpenFlow codec: golden encodings (cross-checked with ovs-ofctl), round
 * trips, and malformed input with its specific error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "proto/of_actions.h"
#include "proto/of_match.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_packet.h"
#include "proto/ofp_port.h"
#include "proto/ofp_wire.h"
#include "golden.h"
#include "testutil.h"

static const char *golden_hex(const char *name)
{
    for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++) {
        if (!strcmp(goldens[i].name, name)) {
            return goldens[i].hex;
        }
    }
    cr_assert_fail("no golden '%s'", name);
    return NULL;
}

static void assert_golden(struct vxbuf *b, const char *name)
{
    char *hex = buf_to_hex(b);
    if (getenv("VX_GOLDEN_PRINT")) {   /* for making a new golden: then check it with ovs-ofctl */
        fprintf(stderr, "GOLDEN %s %s\n", name, hex);
    }
    cr_assert_str_eq(hex, golden_hex(name), "encoder for %s", name);
    free(hex);
    vxbuf_clear(b);
}

Test(encode, switch_messages)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    uint8_t quoted[16] = { 4, 17, 0, 16, 0, 0, 0, 0x2a, 3, 0, 0, 0, 0, 0, 0, 3 };

    ofp_put_hello(&b, 1);                     assert_golden(&b, "hello");
    ofp_put_echo_request(&b, 7);              assert_golden(&b, "echo_request");
    ofp_put_features_request(&b, 2);          assert_golden(&b, "features_request");
    ofp_put_set_config(&b, 3, 0, 0xffff);     assert_golden(&b, "set_config");
    ofp_put_barrier_request(&b, 9);           assert_golden(&b, "barrier_request");
    ofp_put_set_async(&b, 18, 1u << OFPR_NO_MATCH | 1u << OFPR_ACTION | 1u << OFPR_INVALID_TTL);
    assert_golden(&b, "set_async");
    ofp_put_role_request(&b, 4, OFPCR_ROLE_MASTER, 5); assert_golden(&b, "role_request");
    ofp_put_desc_request(&b, 5);              assert_golden(&b, "desc_request");
    ofp_put_port_desc_request(&b, 6);         assert_golden(&b, "port_desc_request");
    ofp_put_flow_stats_request(&b, 8, 0x7678000000000000ULL, 0xffff000000000000ULL);
    assert_golden(&b, "flow_stats_request");
    ofp_put_error(&b, OFPERR_BAD_REQUEST_TYPE, quoted, sizeof quoted);
    assert_golden(&b, "error");
    ofp_put_ct_flush(&b, 9, 60928, false, 0xcb00710a); assert_golden(&b, "ct_flush_orig");
    ofp_put_ct_flush(&b, 10, 60928, true, 0xcb00710a); assert_golden(&b, "ct_flush_reply");
    vxbuf_uninit(&b);
}

/* The flows of the pipeline, one of each shape. */
static void remote_delivery(struct of_match *m, struct of_insts *i)
{
    of_match_init(m);
    of_match_set(m, OFF_ETH_TYPE, 0x0800);
    of_match_set(m, OFF_IPV4_DST, 0x0a000004);
    of_match_set(m, OFF_TUN_ID, 2);
    of_insts_init(i);
    of_insts_set_field(i, OFF_TUN_DST, 0xc0a80102);
    of_insts_output(i, 7, 0);
}

Test(encode, flow_mods)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    struct of_match m;
    struct of_insts i;
    struct of_flow_mod fm = { .cookie = 0x7678000000000000ULL, .table_id = 3,
                              .command = OFPFC_ADD, .priority = 100 };
    uint8_t mac[6] = { 0xda, 0x1d, 0x64, 0xe8, 0xe6, 0x86 };

    remote_delivery(&m, &i);
    ofp_put_flow_mod(&b, 10, &fm, &m, &i);
    /* set_field tun_dst 192.168.1.2: a class-1 OXM, zero padded to 8
     * (shared/notes: OVS rejects non-zero padding). */
    char *hex = buf_to_hex(&b);
    cr_assert(strstr(hex, "00190010" "00014004" "c0a80102" "00000000"), "%s", hex);
    /* match tun_id 2: OXM_OF_TUNNEL_ID, header 0x80004c08 */
    cr_assert(strstr(hex, "80004c08" "0000000000000002"), "%s", hex);
    free(hex);
    assert_golden(&b, "flow_mod_add_remote");

    of_match_init(&m);
    of_match_set(&m, OFF_METADATA, 0xbbccddee00ULL);
    of_match_set(&m, OFF_ETH_DST, 0xbbccddee00ULL);
    of_match_set(&m, OFF_ETH_TYPE, 0x0800);
    of_match_set_masked(&m, OFF_IPV4_DST, 0xc0a80500, 0xffffff00);
    of_insts_init(&i);
    of_insts_set_field(&i, OFF_ETH_SRC, 0xbbccddee00ULL);
    of_insts_set_field(&i, OFF_TUN_ID, 3);
    of_insts_dec_nw_ttl(&i);
    of_insts_goto(&i, 3);
    fm.table_id = 2;
    ofp_put_flow_mod(&b, 11, &fm, &m, &i);
    assert_golden(&b, "flow_mod_add_route");

    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, 1);
    of_match_set_mac(&m, OFF_ETH_SRC, mac);
    of_match_set(&m, OFF_ETH_TYPE, 0x0800);
    of_match_set(&m, OFF_IPV4_SRC, 0x0a000001);
    of_insts_init(&i);
    of_insts_set_field(&i, OFF_TUN_ID, 1);
    of_insts_write_metadata(&i, 0xbbccddee00ULL, ~0ULL);
    of_insts_goto(&i, 2);
    fm.table_id = 1;
    ofp_put_flow_mod(&b, 12, &fm, &m, &i);
    assert_golden(&b, "flow_mod_add_source");

    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, 1);
    of_match_set_mac(&m, OFF_ETH_SRC, mac);
    of_match_set(&m, OFF_ETH_TYPE, 0x0806);
    of_match_set(&m, OFF_ARP_OP, 1);
    of_insts_init(&i);
    of_insts_output(&i, OFPP_CONTROLLER, 0xffff);
    fm.table_id = 0;
    ofp_put_flow_mod(&b, 13, &fm, &m, &i);
    assert_golden(&b, "flow_mod_add_arp");

    fm.command = OFPFC_MODIFY_STRICT;
    ofp_put_flow_mod(&b, 14, &fm, &m, &i);
    assert_golden(&b, "flow_mod_modify_strict");

    /* #20: the datapath ARP responder turns a request for 10.0.0.1 in
     * network 1 into the reply in place (NXAST_REG_MOVE and set_field on
     * the ARP fields) and sends it back out of its port. */
    {
        struct of_match rm;
        struct of_insts ri;
        of_match_init(&rm);
        of_match_set(&rm, OFF_ETH_TYPE, 0x0806);
        of_match_set(&rm, OFF_ARP_OP, 1);
        of_match_set(&rm, OFF_ARP_TPA, 0x0a000001);
        of_match_set(&rm, OFF_TUN_ID, 1);
        of_insts_init(&ri);
        of_insts_move(&ri, OFF_ETH_SRC, OFF_ETH_DST);
        of_insts_set_field(&ri, OFF_ETH_SRC, mac_to_u64(mac));
        of_insts_set_field(&ri, OFF_ARP_OP, 2);
        of_insts_move(&ri, OFF_ARP_SHA, OFF_ARP_THA);
        of_insts_move(&ri, OFF_ARP_SPA, OFF_ARP_TPA);
        of_insts_set_field(&ri, OFF_ARP_SHA, mac_to_u64(mac));
        of_insts_set_field(&ri, OFF_ARP_SPA, 0x0a000001);
        of_insts_output(&ri, OFPP_IN_PORT, 0);
        struct of_flow_mod rfm = { .cookie = 0x7678000000000000ULL, .table_id = 2,
                                   .command = OFPFC_ADD, .priority = 300 };
        ofp_put_flow_mod(&b, 15, &rfm, &rm, &ri);
        assert_golden(&b, "flow_mod_add_arp_responder");
    }

    /* #16: the gateway's conntrack flows (docs/gateway.md). */
    {
        struct of_match cm;
        struct of_insts ci;
        struct of_flow_mod cfm = { .cookie = 0x7640bbccddee00ULL, .table_id = 4,
                                   .command = OFPFC_ADD, .priority = 100 };

        of_match_init(&cm);
        of_match_set(&cm, OFF_METADATA, 0xbbccddee00ULL);
        of_match_set(&cm, OFF_ETH_TYPE, 0x0800);
        of_match_set(&cm, OFF_TUN_ID, 3);
        of_insts_init(&ci);
        of_insts_ct(&ci, true, 0xee00, 5, OF_NAT_SRC, 0xcb00710a);
        ofp_put_flow_mod(&b, 17, &cfm, &cm, &ci);
        assert_golden(&b, "flow_mod_add_snat");

        of_match_init(&cm);
        of_match_set(&cm, OFF_IN_PORT, 9);
        of_match_set(&cm, OFF_ETH_TYPE, 0x0800);
        of_match_set(&cm, OFF_IPV4_DST, 0xcb00710a);
        of_insts_init(&ci);
        of_insts_ct(&ci, false, 0xee00, 6, OF_NAT_REVERSE, 0);
        cfm.table_id = 1;
        ofp_put_flow_mod(&b, 18, &cfm, &cm, &ci);
        assert_golden(&b, "flow_mod_add_unnat");

        of_match_init(&cm);
        of_match_set_masked(&cm, OFF_CT_STATE, OF_CT_NEW | OF_CT_TRK, OF_CT_NEW | OF_CT_TRK);
        of_match_set(&cm, OFF_CT_ZONE, 0xee00);
        of_match_set(&cm, OFF_ETH_TYPE, 0x0800);
        of_match_set(&cm, OFF_IPV4_DST, 0xcb007114);
        of_insts_init(&ci);
        of_insts_ct(&ci, true, 0xee00, 6, OF_NAT_DST, 0xc0a80503);
        cfm.table_id = 6;
        ofp_put_flow_mod(&b, 19, &cfm, &cm, &ci);
        assert_golden(&b, "flow_mod_add_dnat");

        of_match_init(&cm);
        of_match_set_masked(&cm, OFF_CT_STATE, OF_CT_EST | OF_CT_TRK, OF_CT_NEW | OF_CT_EST | OF_CT_TRK);
        of_match_set(&cm, OFF_CT_ZONE, 0xee00);
        of_match_set(&cm, OFF_ETH_TYPE, 0x0800);
        of_insts_init(&ci);
        of_insts_ct(&ci, false, 1, OF_CT_NO_TABLE, OF_NAT_NONE, 0);
        of_insts_goto(&ci, 2);
        cfm.table_id = 1;
        ofp_put_flow_mod(&b, 20, &cfm, &cm, &ci);
        assert_golden(&b, "flow_mod_add_ct_established");
    }

    struct of_flow_mod del = { .cookie = 0x7678000000000000ULL,
                               .cookie_mask = 0xffff000000000000ULL,
                               .command = OFPFC_DELETE_STRICT, .priority = 100 };
    ofp_put_flow_mod(&b, 15, &del, &m, NULL);
    /* out_port and out_group ANY on deletes (shared/notes, seed bug 1). */
    const struct ofp_flow_mod *ofm = (const void *)vxbuf_data(&b);
    cr_assert_eq(get_be32(ofm->out_port), OFPP_ANY);
    cr_assert_eq(get_be32(ofm->out_group), OFPG_ANY);
    assert_golden(&b, "flow_mod_delete_strict");
    del.command = OFPFC_DELETE;
    del.table_id = OFPTT_ALL;
    of_match_init(&m);
    ofp_put_flow_mod(&b, 16, &del, &m, NULL);
    assert_golden(&b, "flow_mod_delete");
    vxbuf_uninit(&b);
}

Test(encode, packet_out)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    uint8_t frame[60] = { 0xda, 0x1d, 0x64, 0xe8, 0xe6, 0x86, 0, 0xbb, 0xcc, 0xdd, 0xee, 0, 8, 6 };

    ofp_put_packet_out(&b, 17, OFPP_CONTROLLER, 1, frame, sizeof frame);
    assert_golden(&b, "packet_out");
    vxbuf_uninit(&b);
}

/* --- decoding --- */

static uint8_t *msg_from_hex(const char *hex, size_t *size)
{
    return hex_to_bytes(hex, size);
}

Test(decode, hello_negotiation)
{
    struct { const char *hex; int err; } cases[] = {
        /* Our own HELLO: bitmap with 1.3. */
        { "04000010000000010001000800000010", 0 },
        /* A HELLO offering 1.0, 1.3, 1.4 and 1.5 (bitmap 0x72). */
        { "06000010000000010001000800000072", 0 },
        /* No elements, version 1.3 in the header: min(4, 4). */
        { "0400000800000001", 0 },
        /* No elements, version 1.5: we speak 1.3, which the peer supports. */
        { "0600000800000001", 0 },
        /* OpenFlow 1.0 only, no bitmap. */
        { "0100000800000001", OFPERR_HELLO_INCOMPATIBLE },
        /* Bitmap offering 1.0 only. */
        { "04000010000000010001000800000002", OFPERR_HELLO_INCOMPATIBLE },
        /* Element length 2 (< 4). */
        { "04000010000000010001000200000010", OFPERR_BAD_REQUEST_LEN },
        /* Element length runs past the message. */
        { "04000010000000010001004000000010", OFPERR_BAD_REQUEST_LEN },
        /* Unknown element type is ignored; bitmap follows. */
        { "0400001800000001" "0063000400000000" "0001000800000010", 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        uint8_t *m = msg_from_hex(cases[k].hex, &size);
        uint8_t version = 0;
        cr_assert_eq(ofp_msg_frame(m, size), (int)size, "case %zu", k);
        int err = ofp_decode_hello(m, size, &version);
        cr_assert_eq(err, cases[k].err, "case %zu: got %s", k,
                     err ? ofperr_to_string(err) : "ok");
        if (!err) {
            cr_assert_eq(version, OFP13_VERSION);
        }
        free(m);
    }
}

Test(decode, validate_table)
{
    /* Each: a message and the verdict of the one validation step. */
    struct { const char *name; const char *hex; int err; } cases[] = {
        { "echo request", "0402000800000001", 0 },
        { "echo with payload", "0402000c00000001deadbeef", 0 },
        { "barrier reply", "0415000800000001", 0 },
        { "barrier reply over-length", "0415000c0000000100000000", OFPERR_BAD_REQUEST_LEN },
        { "features reply truncated", "0406001000000001" "0000000000000001", OFPERR_BAD_REQUEST_LEN },
        { "port status truncated", "040c001000000001" "0000000000000000", OFPERR_BAD_REQUEST_LEN },
        { "wrong version", "0102000800000001", OFPERR_BAD_REQUEST_VERSION },
        { "unknown type", "0463000800000001", OFPERR_BAD_REQUEST_TYPE },
        { "group mod (unsupported)", "040f000800000001", OFPERR_BAD_REQUEST_TYPE },
        { "packet-in too short", "040a001800000001" "ffffffff00000000" "0000000000000000", OFPERR_BAD_REQUEST_LEN },
        { "role reply", "041900180000000100000002000000000000000000000005", 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        uint8_t *m = hex_to_bytes(cases[k].hex, &size);
        int err = ofp_msg_validate((const void *)m, size, OFP13_VERSION);
        cr_assert_eq(err, cases[k].err, "%s: got %s", cases[k].name,
                     err ? ofperr_to_string(err) : "ok");
        free(m);
    }
}

Test(decode, framing)
{
    uint8_t hdr[8] = { 4, 2, 0, 16, 0, 0, 0, 1 };
    uint8_t bad[8] = { 4, 2, 0, 4, 0, 0, 0, 1 };
    uint8_t big[8] = { 4, 2, 0xff, 0xff, 0, 0, 0, 1 };

    cr_assert_eq(ofp_msg_frame(hdr, 7), 0, "partial header waits");
    cr_assert_eq(ofp_msg_frame(hdr, 8), 0, "partial body waits");
    cr_assert_eq(ofp_msg_frame(bad, 8), -(int)OFPERR_BAD_REQUEST_LEN, "length < 8 is fatal");
    cr_assert_eq(ofp_msg_frame(big, 8), 0, "a declared 64 KiB body waits");
}

Test(decode, features_reply)
{
    size_t size;
    uint8_t *m = hex_to_bytes("0406002000000002" "000032d1f6ddc94f" "00000100" "fe00" "0000"
                              "0000004f" "00000000", &size);
    struct of_features f;

    cr_assert_eq(ofp_msg_validate((const void *)m, size, 4), 0);
    cr_assert_eq(ofp_decode_features_reply(m, size, &f), 0);
    cr_assert_eq(f.datapath_id, 0x32d1f6ddc94fULL);
    cr_assert_eq(f.n_buffers, 256);
    cr_assert_eq(f.n_tables, 254);
    cr_assert_eq(f.capabilities, 0x4f);
    free(m);
}

Test(decode, error)
{
    size_t size;
    uint8_t *m = hex_to_bytes("0401001400000063" "0004" "0006" "040e000800000063", &size);
    struct of_error e;

    cr_assert_eq(ofp_decode_error(m, size, &e), 0);
    cr_assert_eq(e.type, 4);
    cr_assert_eq(e.code, 6);
    cr_assert_eq(e.xid, 0x63);
    cr_assert_eq(e.data_size, 8);
    free(m);
}

/* A PACKET_IN as OVS sends it for a VM's ARP request: reason action,
 * table 0, match in_port=5, no buffer, 42-byte frame. */
#define PKTIN_ARP \
    "040a005400000000" "ffffffff" "002a" "01" "00" "7678000000000000" \
    "0001000c" "80000004" "00000005" "00000000" "0000" \
    "ffffffffffff" "8a1411f13dc9" "0806" \
    "0001080006040001" "8a1411f13dc9" "c0a80501" "000000000000" "c0a805fd"

Test(decode, packet_in)
{
    size_t size;
    uint8_t *m = hex_to_bytes(PKTIN_ARP, &size);
    struct of_packet_in pi;

    cr_assert_eq(ofp_msg_frame(m, size), (int)size);
    cr_assert_eq(ofp_msg_validate((const void *)m, size, 4), 0);
    cr_assert_eq(ofp_decode_packet_in(m, size, &pi), 0);
    cr_assert_eq(pi.reason, OFPR_ACTION);
    cr_assert_eq(pi.total_len, 42);
    cr_assert_eq(pi.cookie, 0x7678000000000000ULL);
    cr_assert(of_match_has(&pi.match, OFF_IN_PORT));
    cr_assert_eq(pi.match.value[OFF_IN_PORT], 5);
    cr_assert_eq(pi.data_size, 42);
    cr_assert_eq(pi.data[12], 0x08);
    free(m);
}

Test(decode, packet_in_tunnel_match)
{
    /* From the tunnel: in_port, tun_id (basic class) and tun_src/tun_dst
     * as Nicira class-1 OXMs. */
    size_t size;
    uint8_t *m = hex_to_bytes("040a005000000000" "ffffffff" "000e" "00" "03" "0000000000000000"
                              "00010028"
                              "80000004" "00000007"
                              "80004c08" "0000000000000003"
                              "00013e04" "c0a80102"
                              "00014004" "c0a801d8"
                              "0000"
                              "0001020304050607080910111213", &size);
    struct of_packet_in pi;

    cr_assert_eq(ofp_msg_validate((const void *)m, size, 4), 0);
    cr_assert_eq(ofp_decode_packet_in(m, size, &pi), 0);
    cr_assert_eq(pi.match.value[OFF_IN_PORT], 7);
    cr_assert_eq(pi.match.value[OFF_TUN_ID], 3);
    cr_assert_eq(pi.match.value[OFF_TUN_SRC], 0xc0a80102);
    cr_assert_eq(pi.match.value[OFF_TUN_DST], 0xc0a801d8);
    cr_assert_eq(pi.data_size, 14);
    free(m);
}

Test(decode, oxm_keyed_by_class_and_field)
{
    /* NXM_NX_REG0 is class 0x0001 field 0: not in_port (class 0x8000,
     * field 0).  It is kept as an unknown OXM, and in_port stays absent. */
    size_t size;
    uint8_t *m = hex_to_bytes("0001000c" "00010004" "0000002a" "00000000", &size);
    struct vxcur c = vxcur_make(m, size);
    struct of_match match;

    cr_assert_eq(of_match_pull(&c, &match), 0);
    cr_assert_not(of_match_has(&match, OFF_IN_PORT));
    cr_assert_eq(match.unknown_size, 8);
    cr_assert_eq(c.left, 0);
    free(m);
}

Test(decode, malformed_matches)
{
    struct { const char *name; const char *hex; int err; } cases[] = {
        { "not OXM", "0000000800000000", OFPERR_BAD_MATCH_TYPE },
        { "length past data", "0001002080000004", OFPERR_BAD_MATCH_LEN },
        { "OXM length past match", "0001000c80000008" "00000001", OFPERR_BAD_MATCH_LEN },
        { "in_port of 2 bytes", "0001000a80000002" "00010000", OFPERR_BAD_MATCH_LEN },
        { "masked in_port", "0001001080000108" "00000001ffffffff", OFPERR_BAD_MATCH_FIELD },
        { "duplicate in_port", "0001001480000004" "0000000180000004" "0000000200000000", OFPERR_BAD_MATCH_DUP_FIELD },
        { "truncated OXM header", "0001000680000000", OFPERR_BAD_MATCH_LEN },
        { "match header only, 3 bytes", "000100", OFPERR_BAD_MATCH_LEN },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        uint8_t *m = hex_to_bytes(cases[k].hex, &size);
        struct vxcur c = vxcur_make(m, size);
        struct of_match match;
        int err = of_match_pull(&c, &match);
        cr_assert_eq(err, cases[k].err, "%s: got %s", cases[k].name,
                     err ? ofperr_to_string(err) : "ok");
        free(m);
    }
}

Test(decode, malformed_instructions)
{
    struct { const char *name; const char *hex; int err; } cases[] = {
        { "goto of length 4", "00010004", OFPERR_BAD_INSTRUCTION_LEN },
        { "unknown instruction", "0063000800000000", OFPERR_BAD_INSTRUCTION_UNKNOWN },
        { "apply with action past end", "0004001000000000" "0000001800000000", OFPERR_BAD_ACTION_LEN },
        { "unknown action", "0004001000000000" "0063000800000000", OFPERR_BAD_ACTION_TYPE },
        { "set_field of unknown OXM", "0004001800000000" "00190010ffff0004" "0000000000000000", OFPERR_BAD_ACTION_SET_TYPE },
        { "set_field masked", "0004001800000000" "0019001080004d10" "0000000000000000", OFPERR_BAD_ACTION_SET_LEN },
        { "two gotos", "0001000801000000" "0001000802000000", OFPERR_BAD_INSTRUCTION_LEN },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t size;
        uint8_t *m = hex_to_bytes(cases[k].hex, &size);
        struct vxcur c = vxcur_make(m, size);
        struct of_insts insts;
        int err = of_insts_pull(&c, &insts);
        cr_assert_eq(err, cases[k].err, "%s: got %s", cases[k].name,
                     err ? ofperr_to_string(err) : "ok");
        free(m);
    }
}

/* Decode -> encode gives the same bytes: the canonical encoding of every
 * flow shape the pipeline installs. */
Test(roundtrip, flow_mods)
{
    for (size_t k = 0; k < sizeof goldens / sizeof goldens[0]; k++) {
        if (strncmp(goldens[k].name, "flow_mod_add", 12)) {
            continue;
        }
        size_t size;
        uint8_t *m = hex_to_bytes(goldens[k].hex, &size);
        const struct ofp_flow_mod *ofm = (const void *)m;
        struct vxcur c = vxcur_make(m + sizeof *ofm, size - sizeof *ofm);
        struct of_match match;
        struct of_insts insts;

        cr_assert_eq(ofp_msg_validate((const void *)m, size, 4), 0);
        cr_assert_eq(of_match_pull(&c, &match), 0, "%s", goldens[k].name);
        cr_assert_eq(of_insts_pull(&c, &insts), 0, "%s", goldens[k].name);

        struct of_flow_mod fm = {
            .cookie = get_be64(ofm->cookie), .table_id = ofm->table_id,
            .command = ofm->command, .priority = get_be16(ofm->priority),
        };
        struct vxbuf b = VXBUF_INITIALIZER;
        ofp_put_flow_mod(&b, get_be32(ofm->header.xid), &fm, &match, &insts);
        cr_assert_eq(b.size, size, "%s", goldens[k].name);
        cr_assert_eq(memcmp(vxbuf_data(&b), m, size), 0, "%s", goldens[k].name);
        vxbuf_uninit(&b);
        free(m);
    }
}

Test(roundtrip, match_order_independent)
{
    /* The same fields in another order encode canonically to the same
     * bytes: the flow-diff engine compares installed flows by memcmp. */
    size_t s1, s2;
    uint8_t *a = hex_to_bytes("0001001e" "80000a020800" "80001804" "0a000004" "80004c08" "0000000000000002" "0000", &s1);
    uint8_t *b = hex_to_bytes("0001001e" "80004c08" "0000000000000002" "80001804" "0a000004" "80000a020800" "0000", &s2);
    struct vxcur ca = vxcur_make(a, s1), cb = vxcur_make(b, s2);
    struct of_match ma, mb;
    struct vxbuf ea = VXBUF_INITIALIZER, eb = VXBUF_INITIALIZER;

    cr_assert_eq(of_match_pull(&ca, &ma), 0);
    cr_assert_eq(of_match_pull(&cb, &mb), 0);
    of_match_put(&ea, &ma);
    of_match_put(&eb, &mb);
    cr_assert_eq(ea.size, eb.size);
    cr_assert_eq(memcmp(vxbuf_data(&ea), vxbuf_data(&eb), ea.size), 0);
    vxbuf_uninit(&ea);
    vxbuf_uninit(&eb);
    free(a);
    free(b);
}

Test(decode, multipart_more_flag_and_ports)
{
    /* PORT_DESC reply, MORE set, one port "vtun1" number 7. */
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_MULTIPART_REPLY, 6, sizeof(struct ofp_multipart));
    struct ofp_multipart *mp = vxbuf_at(&b, start);
    put_be16(mp->type, OFPMP_PORT_DESC);
    put_be16(mp->flags, OFPMPF_REPLY_MORE);
    struct of_port p = { .port_no = 7, .name = "vtun1", .state = 0 };
    ofp_put_port(&b, &p);
    ofp_msg_finish(&b, start);

    struct of_multipart_reply r;
    cr_assert_eq(ofp_msg_validate((const void *)vxbuf_data(&b), b.size, 4), 0);
    cr_assert_eq(ofp_decode_multipart_reply(vxbuf_data(&b), b.size, &r), 0);
    cr_assert(r.more);
    cr_assert_eq(r.type, OFPMP_PORT_DESC);
    struct vxcur c = vxcur_make(r.body, r.body_size);
    struct of_port got;
    cr_assert_eq(ofp_pull_port(&c, &got), 0);
    cr_assert_eq(got.port_no, 7);
    cr_assert_str_eq(got.name, "vtun1");
    cr_assert_eq(ofp_pull_port(&c, &got), OFPERR_BAD_REQUEST_LEN, "no second port");
    vxbuf_uninit(&b);
}

Test(decode, port_status_32bit_port)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_PORT_STATUS, 0, 16);
    ((uint8_t *)vxbuf_at(&b, start))[8] = OFPPR_ADD;
    struct of_port p = { .port_no = 0x12345, .name = "a-long-port-nam" };
    ofp_put_port(&b, &p);
    ofp_msg_finish(&b, start);

    struct of_port_status ps;
    cr_assert_eq(ofp_msg_validate((const void *)vxbuf_data(&b), b.size, 4), 0);
    cr_assert_eq(ofp_decode_port_status(vxbuf_data(&b), b.size, &ps), 0);
    cr_assert_eq(ps.desc.port_no, 0x12345, "32-bit port numbers are not truncated");
    cr_assert_str_eq(ps.desc.name, "a-long-port-nam");
    ((uint8_t *)vxbuf_data(&b))[8] = 9;
    cr_assert_eq(ofp_decode_port_status(vxbuf_data(&b), b.size, &ps), OFPERR_BAD_REQUEST_PACKET);
    vxbuf_uninit(&b);
}

Test(decode, flow_stats_and_removed)
{
    /* One FLOW stats entry holding the golden remote-delivery flow. */
    struct vxbuf b = VXBUF_INITIALIZER;
    struct of_match m;
    struct of_insts i;
    remote_delivery(&m, &i);
    struct ofp_flow_stats *fs = vxbuf_put_zeros(&b, sizeof *fs);
    fs->table_id = 3;
    put_be16(fs->priority, 100);
    put_be64(fs->cookie, 0x7678000000000000ULL);
    put_be64(fs->packet_count, 12);
    of_match_put(&b, &m);
    of_insts_put(&b, &i);
    put_be16(((struct ofp_flow_stats *)vxbuf_data(&b))->length, (uint16_t)b.size);

    struct vxcur c = vxcur_make(vxbuf_data(&b), b.size);
    struct of_flow_stats st;
    cr_assert_eq(ofp_pull_flow_stats(&c, &st), 0);
    cr_assert_eq(st.table_id, 3);
    cr_assert_eq(st.priority, 100);
    cr_assert_eq(st.packet_count, 12);
    cr_assert_eq(st.match.value[OFF_TUN_ID], 2);
    cr_assert_eq(st.insts.n_actions, 2);
    cr_assert_eq(st.insts.actions[0].value, 0xc0a80102);
    cr_assert_eq(c.left, 0);

    /* An entry whose length runs past the body. */
    put_be16(((struct ofp_flow_stats *)vxbuf_data(&b))->length, (uint16_t)(b.size + 8));
    c = vxcur_make(vxbuf_data(&b), b.size);
    cr_assert_eq(ofp_pull_flow_stats(&c, &st), OFPERR_BAD_REQUEST_LEN);
    vxbuf_uninit(&b);

    /* FLOW_REMOVED with an empty match. */
    size_t size;
    uint8_t *fr = hex_to_bytes("040b003800000000" "7678000000000000" "0064" "00" "03"
                               "00000005" "00000000" "0000" "0000"
                               "0000000000000001" "0000000000000040" "0001000400000000", &size);
    struct of_flow_removed r;
    cr_assert_eq(ofp_msg_validate((const void *)fr, size, 4), 0);
    cr_assert_eq(ofp_decode_flow_removed(fr, size, &r), 0);
    cr_assert_eq(r.priority, 100);
    cr_assert_eq(r.table_id, 3);
    cr_assert_eq(r.byte_count, 64);
    free(fr);
}

/* NXAST_REG_MOVE: only whole-field moves between fields with NXM names
 * decode; anything else is the specific error. */
Test(decode, reg_move_refuses_partial_moves)
{
    size_t size;
    uint8_t *m = hex_to_bytes(golden_hex("flow_mod_add_arp_responder"), &size);
    const uint8_t nb[] = { 0x00, 0x30 };        /* n_bits 48 of the first move */
    uint8_t *p = memmem(m, size, "\xff\xff\x00\x18\x00\x00\x23\x20\x00\x06", 10);
    cr_assert_not_null(p);
    cr_assert_eq(memcmp(p + 10, nb, 2), 0);
    p[11] = 0x20;                                /* 32 of 48 bits */
    struct vxcur c = vxcur_make(m + sizeof(struct ofp_flow_mod), size - sizeof(struct ofp_flow_mod));
    struct of_match match;
    struct of_insts insts;
    cr_assert_eq(of_match_pull(&c, &match), 0);
    cr_assert_eq(of_insts_pull(&c, &insts), OFPERR_BAD_ACTION_LEN);
    free(m);
}

/* Open vSwitch returns a move's fields as NXM headers in FLOW stats (here
 * NXM_OF_ETH_SRC, class 0 field 2) even when given OXM ones: they must
 * decode to the same action, or every answer flow would look changed after
 * a restart and be re-added. */
Test(decode, reg_move_with_nxm_headers)
{
    size_t size;
    uint8_t *m = hex_to_bytes(golden_hex("flow_mod_add_arp_responder"), &size);
    uint8_t *p = memmem(m, size, "\x80\x00\x08\x06\x80\x00\x06\x06", 8);
    cr_assert_not_null(p, "the first move names OXM eth_src, eth_dst");
    memcpy(p, "\x00\x00\x04\x06\x00\x00\x02\x06", 8);
    struct vxcur c = vxcur_make(m + sizeof(struct ofp_flow_mod), size - sizeof(struct ofp_flow_mod));
    struct of_match match;
    struct of_insts insts;
    cr_assert_eq(of_match_pull(&c, &match), 0);
    cr_assert_eq(of_insts_pull(&c, &insts), 0);
    cr_assert_eq(insts.actions[0].type, OFA_MOVE);
    cr_assert_eq(insts.actions[0].src_field, OFF_ETH_SRC);
    cr_assert_eq(insts.actions[0].field, OFF_ETH_DST);
    free(m);
}

/* Decodes golden 'name''s match and instructions, after 'patch' (may be
 * NULL) has changed byte 'ofs' past the first NXAST_CT header to 'v'. */
static enum ofperr ct_decode__(const char *name, long ofs, uint8_t v, struct of_match *match,
                               struct of_insts *insts)
{
    size_t size;
    uint8_t *m = hex_to_bytes(golden_hex(name), &size);
    uint8_t *p = memmem(m, size, "\x00\x00\x23\x20\x00\x23", 6);   /* NX_VENDOR_ID, NXAST_CT */
    cr_assert_not_null(p);
    if (ofs >= 0) {
        p[ofs] = v;
    }
    struct vxcur c = vxcur_make(m + sizeof(struct ofp_flow_mod), size - sizeof(struct ofp_flow_mod));
    cr_assert_eq(of_match_pull(&c, match), 0);
    enum ofperr err = of_insts_pull(&c, insts);
    free(m);
    return err;
}

/* #16: ct and nat decode to what was encoded, print as ovs-ofctl prints
 * them, and anything outside the forms vxfabric writes is refused. */
Test(decode, conntrack_and_nat)
{
    struct of_match m;
    struct of_insts i;
    struct vxbuf t = VXBUF_INITIALIZER;

    cr_assert_eq(ct_decode__("flow_mod_add_dnat", -1, 0, &m, &i), 0);
    cr_assert_eq(i.n_actions, 1);
    cr_assert_eq(i.actions[0].type, OFA_CT);
    cr_assert(i.actions[0].ct_commit);
    cr_assert_eq(i.actions[0].ct_zone, 0xee00);
    cr_assert_eq(i.actions[0].ct_table, 6);
    cr_assert_eq(i.actions[0].nat, OF_NAT_DST);
    cr_assert_eq(i.actions[0].nat_ip, 0xc0a80503u);
    of_match_format(&m, &t);
    vxbuf_put(&t, " ", 1);
    of_insts_format(&i, &t);
    vxbuf_put(&t, "", 1);
    cr_assert_str_eq((const char *)vxbuf_data(&t),
                     "ct_state=+new+trk,ct_zone=60928,ip,nw_dst=203.0.113.20 "
                     "ct(commit,table=6,zone=60928,nat(dst=192.168.5.3))");
    vxbuf_uninit(&t);

    cr_assert_eq(ct_decode__("flow_mod_add_unnat", -1, 0, &m, &i), 0);
    cr_assert_eq(i.actions[0].nat, OF_NAT_REVERSE);
    cr_assert_not(i.actions[0].ct_commit);
    cr_assert_eq(ct_decode__("flow_mod_add_ct_established", -1, 0, &m, &i), 0);
    cr_assert_eq(i.actions[0].nat, OF_NAT_NONE);
    cr_assert_eq(i.actions[0].ct_table, OF_CT_NO_TABLE);

    /* Offsets past the vendor id: 6-7 flags, 8-11 zone_src, 18-19 alg. */
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 7, 3, &m, &i), OFPERR_BAD_ACTION_ARGUMENT,
                 "force flag");
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 9, 1, &m, &i), OFPERR_BAD_ACTION_ARGUMENT,
                 "zone from a field");
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 19, 21, &m, &i), OFPERR_BAD_ACTION_ARGUMENT,
                 "FTP ALG");
    /* The nested nat starts at 20; its flags at 20 + 12, range at 20 + 14. */
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 33, 3, &m, &i), OFPERR_BAD_ACTION_ARGUMENT,
                 "src and dst");
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 35, 3, &m, &i), OFPERR_BAD_ACTION_ARGUMENT,
                 "an address range");
    cr_assert_eq(ct_decode__("flow_mod_add_snat", 23, 0x10, &m, &i), OFPERR_BAD_ACTION_LEN,
                 "nested length past the action");
}
