/* Per-thread counters.
 *
 * Each worker owns one struct vx_counters and is its only writer; it
 * increments with plain relaxed stores (no atomic RMW on the hot path).
 * Any thread may read them at any time with relaxed loads: a reader sees
 * each 64-bit counter whole, if not all counters at the same instant.
 * They are published as Prometheus text by counters_write_prometheus()
 * (on SIGUSR2, see docs/operations.md). */
#ifndef VX_COUNTERS_H
#define VX_COUNTERS_H 1

#include <stdint.h>
#include <stdio.h>

#include <ck_pr.h>

#include "core/util.h"

/* X(name, help) */
#define VX_COUNTERS(X)                                                        \
    X(hs_accepted, "TCP connections accepted (acceptor)")                    \
    X(hs_completed, "handshakes completed and handed to a worker")           \
    X(hs_timeout, "handshakes abandoned: too slow")                          \
    X(hs_incompatible, "handshakes refused: no common OpenFlow version")     \
    X(hs_protocol_error, "handshakes refused: malformed or unexpected data") \
    X(hs_peer_closed, "handshakes abandoned by the peer (closed or reset)")  \
    X(tls_no_cert, "TLS handshakes refused: the client sent no certificate") \
    X(tls_bad_cert, "TLS handshakes refused: a certificate from another CA") \
    X(tls_not_tls, "TLS handshakes refused: plaintext on the TLS port")     \
    X(tls_failed, "TLS handshakes failed for another reason")                 \
    X(tls_accepted, "TLS handshakes completed")                               \
    X(hs_over_limit, "connections refused: max_handshakes in progress")    \
    X(accept_paused, "accept paused: out of file descriptors or memory")    \
    X(conn_accepted, "switch connections handed to this worker")             \
    X(conn_closed, "switch connections closed")                              \
    X(conn_replaced, "connections closed because the datapath reconnected")  \
    X(conn_echo_timeout, "connections closed: no reply to echo requests")    \
    X(conn_obuf_overflow, "connections closed: peer stopped reading")        \
    X(conn_read_paused, "times a switch was not read: its output was not draining") \
    X(output_over_budget, "times a worker's unsent output went over its budget") \
    X(conn_bad_framing, "connections closed: unrecoverable framing")         \
    X(conn_io_error, "connections closed: socket error or EOF")              \
    X(conn_stats_overflow, "connections closed: FLOW stats reply over its cap") \
    X(rx_bytes, "bytes read from switches")                                  \
    X(tx_bytes, "bytes written to switches")                                 \
    X(rx_syscalls, "read system calls")                                      \
    X(tx_syscalls, "write system calls")                                     \
    X(decode_errors, "messages rejected by a decoder (ERROR sent back)")     \
    X(switch_errors, "ERROR messages received from switches")                \
    X(flow_mods, "FLOW_MOD messages sent")                                   \
    X(flow_mod_errors, "FLOW_MODs the switch rejected")                      \
    X(flow_batches, "FLOW_MOD batches confirmed by a barrier")               \
    X(flow_syncs, "reconciliations (desired vs installed)")                  \
    X(ct_flushes, "floating IPs removed or moved: conntrack entries flushed") \
    X(flow_stats_skipped, "FLOW stats entries skipped: undecodable")         \
    X(flow_removed, "FLOW_REMOVED of one of our flows (re-added)")           \
    X(flow_removed_unknown, "FLOW_REMOVED of a flow we do not hold")         \
    X(pktin, "PACKET_INs received")                                          \
    X(pktin_rate_limited, "PACKET_INs dropped by the per-port rate limit")  \
    X(pktin_bad_packet, "PACKET_INs whose frame failed to parse")            \
    X(pktin_unknown_source, "PACKET_INs from no configured host")            \
    X(pktin_other, "PACKET_INs that are neither ARP nor DHCP")               \
    X(pktin_source_misses, "PACKET_INs whose sender was not in the worker's cache (model lookup)") \
    X(arp_target_misses, "ARP targets not in the worker's cache (model lookup)") \
    X(arp_replies, "ARP replies sent")                                       \
    X(arp_unknown_target, "ARP requests for an unknown target")              \
    X(arp_gratuitous, "gratuitous ARPs (no reply)")                          \
    X(arp_bad_sender, "ARP requests whose sender IP is not the host's")      \
    X(arp_own_probe, "ARP probes for the host's own address (no reply)")     \
    X(arp_not_request, "ARP packets that are not requests")                  \
    X(dhcp_bad_packet, "DHCP messages that failed to parse")                 \
    X(dhcp_offers, "DHCPOFFERs sent")                                        \
    X(dhcp_acks, "DHCPACKs sent")                                            \
    X(dhcp_naks, "DHCPNAKs sent")                                            \
    X(dhcp_releases, "DHCPRELEASEs recorded")                                \
    X(dhcp_declines, "DHCPDECLINEs recorded")                                \
    X(dhcp_ignored, "DHCP messages ignored (another server, bad type)")      \
    X(icmp_echo_replies, "pings of a gateway answered")                      \
    X(icmp_time_exceeded, "ICMP time exceeded sent for expired TTLs")        \
    X(role_promotions, "bridges this instance became master of (#15)")     \
    X(role_demotions, "bridges this instance gave up mastership of")         \
    X(role_stale, "role requests the switch refused as stale (fencing)")     \
    X(gw_arp_replies, "ARP replies for external and floating IPs on uplinks") \
    X(gw_arp_ignored, "ARP on uplinks for no address of ours, or from no next hop") \
    X(gw_next_hop_learned, "next-hop MACs learned or changed on uplinks")    \
    X(gw_next_hop_probes, "ARP requests sent to next hops")                  \
    X(gw_garps, "gratuitous ARPs sent for external and floating IPs")        \
    X(icmp_ignored, "ICMP packet-ins not answered")                          \
    X(echo_requests, "echo requests sent")

enum vx_counter_id {
#define X(NAME, HELP) VXC_##NAME,
    VX_COUNTERS(X)
#undef X
    VXC_N
};

#define VX_N_MSG_TYPES 32

struct vx_counters {
    uint64_t c[VXC_N];
    uint64_t msgs_in[VX_N_MSG_TYPES];
    uint64_t msgs_out[VX_N_MSG_TYPES];
} __attribute__((aligned(CACHE_LINE_SIZE)));

/* Owner thread only. */
static inline void counter_add(struct vx_counters *cs, enum vx_counter_id id, uint64_t n)
{
    ck_pr_store_64(&cs->c[id], cs->c[id] + n);
}
static inline void counter_inc(struct vx_counters *cs, enum vx_counter_id id)
{
    counter_add(cs, id, 1);
}
static inline void counter_msg_add(uint64_t *slot, uint64_t n)
{
    ck_pr_store_64(slot, *slot + n);
}
static inline void counter_msg(uint64_t *slot)
{
    counter_msg_add(slot, 1);
}

/* Any thread. */
static inline uint64_t counter_read(const struct vx_counters *cs, enum vx_counter_id id)
{
    return ck_pr_load_64((uint64_t *)&cs->c[id]);
}

const char *counter_name(enum vx_counter_id);

/* Names message type 't' for the msgs_in/msgs_out labels (the protocol
 * layer's ofp_type_name: core knows no protocol). */
typedef const char *counters_msg_name_fn(uint8_t t);

/* Writes every counter of the 'n' sets as Prometheus text, labelled by
 * worker index, summed where a total helps.  Any thread. */
void counters_write_prometheus(FILE *, struct vx_counters *const *sets, int n,
                               counters_msg_name_fn *msg_name);

#endif
