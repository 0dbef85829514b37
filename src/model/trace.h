/* The tracer: a packet's path through the fabric, as the controller's
 * desired pipelines say it goes (#19, `vxctl trace`, GET /v1/trace).
 *
 * It walks the ingress bridge's desired flows (pipeline_compute) table by
 * table as an OpenFlow 1.3 switch would (OF1.3.5 5.1: the highest-priority
 * matching entry of each table; 5.9: apply-actions, then write-metadata,
 * then goto-table), follows a tunnel output with its tun_id to the bridge
 * whose endpoint is the tun_dst, and walks that bridge too.  Each matched
 * flow is reported with the model object its cookie names.  It ends with
 * a verdict: delivered, answered in the datapath, sent to the controller
 * (with what the controller answers, from model/answers.h), or dropped at
 * a table, with the reason read from the model.
 *
 * Where a bridge's installed flows are known, each table's decision is
 * compared with them: a desired flow missing from the switch, rejected by
 * it, installed with other instructions, or an extra installed flow that
 * would take precedence is reported as a warning on that step.
 *
 * Contract: the model's writer thread (it reads model_config() to name
 * objects); no I/O.  The result owns its strings; trace_result_free(). */
#ifndef VX_TRACE_H
#define VX_TRACE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "model/pipeline.h"
#include "proto/flowset.h"
#include "proto/of_match.h"
#include "proto/ofp_port.h"

/* The packet: a value for each present field, as struct of_match holds
 * them (MACs as 48-bit numbers), plus the IPv4 TTL.  in_port, metadata and
 * tun_id are always present (0 unless set), as in Open vSwitch. */
struct trace_packet {
    uint32_t present;
    uint64_t f[OFF_N_FIELDS];
    uint8_t ttl;
};
void trace_packet_init(struct trace_packet *);
void trace_packet_set(struct trace_packet *, enum of_field, uint64_t value);
static inline bool trace_packet_has(const struct trace_packet *p, enum of_field f)
{
    return (p->present >> f) & 1;
}

/* What the tracer knows of one bridge beyond the model: its ports (from
 * PORT_DESC/PORT_STATUS) and, if it is connected, its installed flows
 * (sorted) and the flows it rejected.  Filled by the caller's callback;
 * the arrays stay the caller's and must outlive trace_run(). */
struct trace_bridge {
    bool connected;
    size_t n_ports;
    const struct of_port *ports;
    const struct flow_set *installed;   /* NULL: unknown */
    const struct flow_set *rejected;    /* NULL: none */
};
/* pipeline_port_fn over a struct trace_bridge ('aux'): its port 'name'. */
bool trace_bridge_port(const void *trace_bridge, const char *name, uint32_t *port_no);

/* Returns false if nothing is known of bridge 'dpid' (then it is traced
 * with no ports and no installed flows). */
typedef bool trace_bridge_fn(void *aux, uint64_t dpid, struct trace_bridge *);

/* X(NAME, text) */
#define TRACE_VERDICTS(X) \
    X(TRACE_DELIVERED, "delivered") \
    X(TRACE_REPLIED, "answered in the datapath") \
    X(TRACE_CONTROLLER, "sent to the controller") \
    X(TRACE_DROPPED, "dropped") \
    X(TRACE_CONNTRACK, "handed to conntrack")
enum trace_verdict { TRACE_VERDICTS(VX_X_ENUM) };

#define TRACE_REASONS(X) \
    X(TRACE_R_NONE, "") \
    X(TRACE_R_UNKNOWN_BRIDGE, "the bridge is not in the model") \
    X(TRACE_R_NOT_IPV4, "neither IPv4 nor ARP: the overlay carries only these") \
    X(TRACE_R_UNKNOWN_SOURCE, "no source binding: no host has this MAC on this port") \
    X(TRACE_R_SPOOFED_SOURCE, "spoofed source: the host bound to this port and MAC has another IP") \
    X(TRACE_R_ARP_NOT_FORWARDED, "ARP other than requests is not forwarded: the controller answers for every host") \
    X(TRACE_R_OTHER_NETWORK, "the destination is in another network, which no router joins to this one") \
    X(TRACE_R_NO_HOST, "no host has the destination address in this network") \
    X(TRACE_R_DEST_UNREACHABLE, "the destination host has no path: its port, its bridge or a tunnel port is missing") \
    X(TRACE_R_NO_MATCH, "no flow matched") \
    X(TRACE_R_TTL_EXPIRED, "TTL expired in the router (OFPR_INVALID_TTL)") \
    X(TRACE_R_PACKET_IN, "an output to the controller (OFPR_ACTION)") \
    X(TRACE_R_CONNTRACK, "the external gateway's NAT: what follows depends on the switch's connection state (ovs-appctl dpctl/dump-conntrack)")
enum trace_reason { TRACE_REASONS(VX_X_ENUM) };
const char *trace_verdict_name(enum trace_verdict);
const char *trace_reason_text(enum trace_reason);
/* The reason's name without "TRACE_R_", lower case (e.g. "spoofed_source"). */
const char *trace_reason_name(enum trace_reason);

/* How a step's flow stands on the switch. */
enum trace_install {
    TRACE_I_UNKNOWN,            /* the bridge is not connected */
    TRACE_I_OK,                 /* installed as desired */
    TRACE_I_MISSING,            /* desired, not installed */
    TRACE_I_REJECTED,           /* desired, rejected by the switch with an error */
    TRACE_I_DIFFERS,            /* installed with other instructions */
};
const char *trace_install_name(enum trace_install);

struct trace_step {
    uint64_t dpid;
    uint8_t table;
    uint16_t priority;
    uint64_t cookie;
    char *flow;                 /* ovs-ofctl syntax, no newline */
    char *object;               /* "host 10.0.0.1 (da:1d:...) of network 1", ... */
    char *role;                 /* what the flow is for */
    enum trace_install install;
    char *warning;              /* NULL, or what differs on the switch */
};

struct trace_result {
    size_t n_steps;
    struct trace_step *steps;
    enum trace_verdict verdict;
    enum trace_reason reason;
    uint64_t dpid;              /* where it ended */
    uint8_t table;              /* where it was dropped or sent up */
    uint32_t port;              /* TRACE_DELIVERED, TRACE_REPLIED: the output port */
    char *port_name;            /* its name, or NULL */
    char *detail;               /* the verdict in a sentence */
    char *answer;               /* TRACE_CONTROLLER: what it answers; NULL otherwise */
    size_t n_warnings;          /* steps with a warning */
};

/* Traces 'pkt' entering bridge 'dpid' (its in_port field says where). */
void trace_run(uint64_t dpid, const struct trace_packet *pkt, trace_bridge_fn *, void *aux,
               struct trace_result *);
void trace_result_free(struct trace_result *);

/* Names the object of a vxfabric cookie from the model, in 'out' (e.g.
 * "host da:1d:64:e8:e6:86 (10.0.0.1) of network 1"); false if the cookie
 * is not one of ours or its object is gone. */
bool trace_describe_cookie(uint64_t cookie, char *out, size_t size);

#endif
