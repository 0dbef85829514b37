/* Golden OpenFlow messages: the bytes each encoder must produce, and what
 * `ovs-ofctl ofp-print` (Open vSwitch 3.1) prints for them.  The Criterion
 * tests check encoders against the bytes; test/proto/ofp_print_check.sh
 * decodes the same bytes with the real ovs-ofctl and checks the text.
 * Bytes were derived from OF1.3.5 appendix A and confirmed by that decoder. */
#ifndef VX_TEST_GOLDEN_H
#define VX_TEST_GOLDEN_H 1

struct golden {
    const char *name;
    const char *hex;
    const char *ofp_print;      /* a substring of ofp-print's output */
};

static const struct golden goldens[] = {
    { "hello",
      "04000010000000010001000800000010",
      "OFPT_HELLO (OF1.3) (xid=0x1):\n version bitmap: 0x04" },
    { "echo_request",
      "0402000800000007",
      "OFPT_ECHO_REQUEST (OF1.3) (xid=0x7): 0 bytes of payload" },
    { "features_request",
      "0405000800000002",
      "OFPT_FEATURES_REQUEST (OF1.3) (xid=0x2):" },
    { "set_config",
      "0409000c000000030000ffff",
      "OFPT_SET_CONFIG (OF1.3) (xid=0x3): frags=normal miss_send_len=65535" },
    { "set_async",
      "041c002000000012000000070000000000000007000000070000000f00000000",
      "OFPT_SET_ASYNC (OF1.3) (xid=0x12):\n primary:\n       PACKET_IN: no_match action invalid_ttl" },
    { "ct_flush_orig",
      "0404004000000009" "00002320" "00000020" "0000000000000000"
      "00000020" "00000000" "00010014" "00000000000000000000ffffcb00710a" "00000000"
      "00020006ee000000",
      "NXT_CT_FLUSH (OF1.3) (xid=0x9): zone=60928 'ct_nw_src=::,ct_nw_dst=203.0.113.10,ct_tp_src=0,ct_tp_dst=0,ct_nw_proto=0' 'ct_nw_src=::,ct_nw_dst=::,ct_tp_src=0,ct_tp_dst=0'" },
    { "ct_flush_reply",
      "040400400000000a" "00002320" "00000020" "0000000000000000"
      "00010020" "00000000" "00010014" "00000000000000000000ffffcb00710a" "00000000"
      "00020006ee000000",
      "NXT_CT_FLUSH (OF1.3) (xid=0xa): zone=60928 'ct_nw_src=::,ct_nw_dst=::,ct_tp_src=0,ct_tp_dst=0,ct_nw_proto=0' 'ct_nw_src=::,ct_nw_dst=203.0.113.10,ct_tp_src=0,ct_tp_dst=0'" },
    { "barrier_request",
      "0414000800000009",
      "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x9):" },
    { "role_request",
      "041800180000000400000002000000000000000000000005",
      "OFPT_ROLE_REQUEST (OF1.3) (xid=0x4): role=primary generation_id=5" },
    { "desc_request",
      "04120010000000050000000000000000",
      "OFPST_DESC request (OF1.3) (xid=0x5):" },
    { "port_desc_request",
      "0412001000000006000d000000000000",
      "OFPST_PORT_DESC request (OF1.3) (xid=0x6): port=ANY" },
    { "flow_stats_request",
      "04120038000000080001000000000000ff000000ffffffffffffffff000000007678000000000000ffff0000000000000001000400000000",
      "OFPST_FLOW request (OF1.3) (xid=0x8):" },
    { "error",
      "0401001c0000002a00010001041100100000002a0300000000000003",
      "OFPT_ERROR (OF1.3) (xid=0x2a): OFPBRC_BAD_TYPE" },
    { "flow_mod_add_remote",
      "040e00780000000a767800000000000000000000000000000300000000000064ffffffffffffffffffffffff000000000001001e80000a020800800018040a00000480004c080000000000000002000000040028000000000019001000014004c0a801020000000000000010000000070000000000000000",
      "ADD table:3 priority=100,ip,tun_id=0x2,nw_dst=10.0.0.4 cookie:0x7678000000000000 actions=set_field:192.168.1.2->tun_dst,output:7" },
    { "flow_mod_add_route",
      "040e00980000000b767800000000000000000000000000000200000000000064ffffffffffffffffffffffff000000000001002c80000408000000bbccddee008000060600bbccddee0080000a02080080001908c0a80500ffffff00000000000004003000000000001900108000080600bbccddee0000000019001080004c08000000000000000300180008000000000001000803000000",
      "ADD table:2 priority=100,ip,metadata=0xbbccddee00,dl_dst=00:bb:cc:dd:ee:00,nw_dst=192.168.5.0/24 cookie:0x7678000000000000 actions=set_field:00:bb:cc:dd:ee:00->eth_src,set_field:0x3->tun_id,dec_ttl,goto_table:3" },
    { "flow_mod_add_snat",
      "040e009000000011007640bbccddee0000000000000000000400000000000064ffffffffffffffffffffffff000000000001002280000408000000bbccddee0080000a02080080004c0800000000000000030000000000000004003800000000ffff0030000023200023000100000000ee00050000000000ffff0018000023200024000000010001cb00710a00000000",
      "ADD table:4 priority=100,ip,tun_id=0x3,metadata=0xbbccddee00 cookie:0x7640bbccddee00 actions=ct(commit,table=5,zone=60928,nat(src=203.0.113.10))" },
    { "flow_mod_add_unnat",
      "040e008000000012007640bbccddee0000000000000000000100000000000064ffffffffffffffffffffffff000000000001001a800000040000000980000a02080080001804cb00710a0000000000000004003000000000ffff0028000023200023000000000000ee00060000000000ffff0010000023200024000000000000",
      "ADD table:1 priority=100,ip,in_port=9,nw_dst=203.0.113.10 cookie:0x7640bbccddee00 actions=ct(table=6,zone=60928,nat)" },
    { "flow_mod_add_dnat",
      "040e009000000013007640bbccddee0000000000000000000600000000000064ffffffffffffffffffffffff000000000001002480000a02080080001804cb0071140001d30800000021000000210001d402ee00000000000004003800000000ffff0030000023200023000100000000ee00060000000000ffff0018000023200024000000020001c0a8050300000000",
      "ADD table:6 priority=100,ct_state=+new+trk,ct_zone=60928,ip,nw_dst=203.0.113.20 cookie:0x7640bbccddee00 actions=ct(commit,table=6,zone=60928,nat(dst=192.168.5.3))" },
    { "flow_mod_add_ct_established",
      "040e007800000014007640bbccddee0000000000000000000100000000000064ffffffffffffffffffffffff000000000001001c80000a0208000001d30800000022000000230001d402ee00000000000004002000000000ffff00180000232000230000000000000001ff00000000000001000802000000",
      "ADD table:1 priority=100,ct_state=-new+est+trk,ct_zone=60928,ip cookie:0x7640bbccddee00 actions=ct(zone=1),goto_table:2" },
    { "flow_mod_add_source",
      "040e00900000000c767800000000000000000000000000000100000000000064ffffffffffffffffffffffff0000000000010024800000040000000180000806da1d64e8e68680000a020800800016040a0000010000000000040018000000000019001080004c0800000000000000010002001800000000000000bbccddee00ffffffffffffffff0001000802000000",
      "ADD table:1 priority=100,ip,in_port=1,dl_src=da:1d:64:e8:e6:86,nw_src=10.0.0.1 cookie:0x7678000000000000 actions=set_field:0x1->tun_id,write_metadata:0xbbccddee00,goto_table:2" },
    { "flow_mod_add_arp",
      "040e00700000000d767800000000000000000000000000000000000000000064ffffffffffffffffffffffff0000000000010022800000040000000180000806da1d64e8e68680000a02080680002a020001000000000000000400180000000000000010fffffffdffff000000000000",
      "ADD priority=100,arp,in_port=1,dl_src=da:1d:64:e8:e6:86,arp_op=1 cookie:0x7678000000000000 actions=CONTROLLER:65535" },
    { "flow_mod_add_arp_responder",
      "040e00f80000000f76780000000000000000000000000000020000000000012cffffffff"
      "ffffffffffffffff000000000001002480000a02080680002a02000180002e040a000001"
      "80004c08000000000000000100000000000400a000000000ffff00180000232000060030"
      "0000000080000806800006060019001080000806da1d64e8e68600000019001080002a02"
      "0002000000000000ffff00180000232000060030000000008000300680003206ffff0018"
      "00002320000600200000000080002c0480002e040019001080003006da1d64e8e6860000"
      "0019001080002c040a0000010000000000000010fffffff80000000000000000",
      "ADD table:2 priority=300,arp,tun_id=0x1,arp_tpa=10.0.0.1,arp_op=1 cookie:0x7678000000000000 "
      "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:da:1d:64:e8:e6:86->eth_src,"
      "set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
      "set_field:da:1d:64:e8:e6:86->arp_sha,set_field:10.0.0.1->arp_spa,IN_PORT" },
    { "flow_mod_modify_strict",
      "040e00700000000e767800000000000000000000000000000002000000000064ffffffffffffffffffffffff0000000000010022800000040000000180000806da1d64e8e68680000a02080680002a020001000000000000000400180000000000000010fffffffdffff000000000000",
      "MOD_STRICT priority=100,arp,in_port=1,dl_src=da:1d:64:e8:e6:86,arp_op=1 actions=CONTROLLER:65535" },
    { "flow_mod_delete_strict",
      "040e00580000000f7678000000000000ffff0000000000000004000000000064ffffffffffffffffffffffff0000000000010022800000040000000180000806da1d64e8e68680000a02080680002a020001000000000000",
      "DEL_STRICT priority=100,arp,in_port=1,dl_src=da:1d:64:e8:e6:86,arp_op=1 cookie:0x7678000000000000/0xffff000000000000 actions=drop" },
    { "flow_mod_delete",
      "040e0038000000107678000000000000ffff000000000000ff03000000000064ffffffffffffffffffffffff000000000001000400000000",
      "DEL table:255 priority=100 cookie:0x7678000000000000/0xffff000000000000 actions=drop" },
    { "packet_out",
      "040d006400000011fffffffffffffffd001000000000000000000010000000010000000000000000da1d64e8e68600bbccddee00080600000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      "OFPT_PACKET_OUT (OF1.3) (xid=0x11): in_port=CONTROLLER actions=output:1 data_len=60" },
};

#endif
