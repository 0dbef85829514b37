#include "workers/conn.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_packet.h"
#include "workers/worker.h"
#include "workers/role.h"

#define VLOG_MODULE "conn"

struct vx_counters *conn_counters(const struct conn *c)
{
    return &c->worker->counters;
}

const struct of_port *conn_port(const struct conn *c, uint32_t port_no)
{
    size_t lo = 0, hi = c->n_ports;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->ports[mid].port_no == port_no) {
            return &c->ports[mid];
        }
        if (c->ports[mid].port_no < port_no) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

bool conn_port_by_name(const void *c_, const char *name, uint32_t *port_no)
{
    const struct conn *c = c_;
    const struct of_port *p = of_port_by_name(c->ports, c->n_ports, name);

    if (p) {
        *port_no = p->port_no;
    }
    return p != NULL;
}

void conn_close_soon(struct conn *c, const char *reason)
{
    if (!c->close_reason) {
        c->close_reason = reason;
    }
}

/* Inserts, replaces or removes 'p' keeping 'ports' sorted by number.
 * Returns true if the port set changed in a way that matters to flows
 * (a port appeared, disappeared, or was renamed). */
static bool update_port_entry__(struct conn *c, const struct of_port *p, bool remove)
{
    size_t i = 0;

    while (i < c->n_ports && c->ports[i].port_no < p->port_no) {
        i++;
    }
    bool exists = i < c->n_ports && c->ports[i].port_no == p->port_no;
    if (remove) {
        if (!exists) {
            return false;
        }
        memmove(&c->ports[i], &c->ports[i + 1], (c->n_ports - i - 1) * sizeof *c->ports);
        c->n_ports--;
        return true;
    }
    if (exists) {
        bool renamed = strcmp(c->ports[i].name, p->name) != 0;
        c->ports[i] = *p;
        return renamed;
    }
    if (c->n_ports >= CONN_MAX_PORTS) {
        VLOG_RL(VLL_WARN, "%s: more than %d ports; ignoring port %u",
                c->name, CONN_MAX_PORTS, p->port_no);
        return false;
    }
    c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof *c->ports);
    memmove(&c->ports[i + 1], &c->ports[i], (c->n_ports - i) * sizeof *c->ports);
    c->ports[i] = *p;
    c->n_ports++;
    return true;
}

/* update_port_entry__(), and a new port epoch when the ports changed:
 * the worker's cached packet-in senders of this switch are stale. */
static bool update_port__(struct conn *c, const struct of_port *p, bool remove)
{
    bool changed = update_port_entry__(c, p, remove);

    if (changed) {
        c->port_epoch = ++c->worker->port_epochs;
    }
    return changed;
}

/* A port name may be reused by a port with another number (an interface
 * re-added): drop stale entries with the same name. */
static void drop_same_name__(struct conn *c, const struct of_port *p)
{
    for (size_t i = 0; i < c->n_ports; i++) {
        if (c->ports[i].port_no != p->port_no && !strcmp(c->ports[i].name, p->name)) {
            update_port__(c, &c->ports[i], true);
            return;
        }
    }
}

static void send_error__(struct conn *c, enum ofperr err, const void *msg, size_t size)
{
    counter_inc(conn_counters(c), VXC_decode_errors);
    VLOG_RL(VLL_WARN, "%s: rejected %s (xid %u, %zu bytes): %s", c->name,
            ofp_type_name(ofp_msg_type(msg)), ofp_msg_xid(msg), size, ofperr_to_string(err));
    ofp_put_error(&c->obuf, err, msg, size);
    conn_want_flush(c);
    /* After negotiation a header of another version means the stream has
     * lost its framing (every later "message" would be garbage); and a peer
     * that keeps sending malformed messages is not worth serving. */
    if (err == OFPERR_BAD_REQUEST_VERSION) {
        conn_close_soon(c, "wrong OpenFlow version after negotiation (stream desynchronised)");
    } else if (++c->n_decode_errors > CONN_MAX_DECODE_ERRORS) {
        conn_close_soon(c, "too many malformed messages");
    }
}

void conn_report_ports(struct conn *c)
{
    struct worker_report *r = xzalloc(sizeof *r);

    r->type = WORKER_REPORT_PORTS;
    r->dpid = c->dpid;
    r->n = c->n_ports;
    r->ports = xcalloc(c->n_ports + 1, sizeof *r->ports);
    for (size_t i = 0; i < c->n_ports; i++) {
        r->ports[i].port_no = c->ports[i].port_no;
        snprintf(r->ports[i].name, sizeof r->ports[i].name, "%s", c->ports[i].name);
    }
    c->ports_unreported = !mailbox_send(&c->worker->to_main, r);
    if (c->ports_unreported) {
        free(r->ports);
        free(r);
    }
}

static void handle_port_desc__(struct conn *c, const struct of_multipart_reply *r)
{
    struct vxcur cur = vxcur_make(r->body, r->body_size);

    while (cur.left) {
        struct of_port p;
        if (ofp_pull_port(&cur, &p)) {
            VLOG_RL(VLL_WARN, "%s: PORT_DESC reply with a partial port (%zu bytes left)",
                    c->name, cur.left);
            counter_inc(conn_counters(c), VXC_decode_errors);
            break;
        }
        drop_same_name__(c, &p);
        update_port__(c, &p, false);
    }
    if (!r->more) {
        c->ports_read = true;
        VLOG_INFO("%s: %zu ports", c->name, c->n_ports);
        for (size_t i = 0; i < c->n_ports; i++) {
            VLOG_DBG("%s: port %u %s", c->name, c->ports[i].port_no, c->ports[i].name);
        }
        flowdiff_mark_dirty(c);
        conn_report_ports(c);
    }
}

static void handle_multipart_reply__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_multipart_reply r;
    uint32_t xid = ofp_msg_xid(msg);

    ofp_decode_multipart_reply(msg, size, &r);
    switch (r.type) {
    case OFPMP_DESC: {
        struct of_desc d;
        if (ofp_decode_desc(&r, &d)) {
            send_error__(c, OFPERR_BAD_REQUEST_LEN, msg, size);
        } else {
            VLOG_INFO("%s: %s %s %s", c->name, d.mfr_desc, d.hw_desc, d.sw_desc);
        }
        break;
    }
    case OFPMP_PORT_DESC:
        if (xid == c->port_desc_xid) {
            handle_port_desc__(c, &r);
        }
        break;
    case OFPMP_FLOW:
        flowdiff_on_flow_stats(c, xid, &r);
        break;
    default:
        VLOG_RL(VLL_WARN, "%s: unexpected multipart reply type %u", c->name, r.type);
        break;
    }
}

static void on_packet_in__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_packet_in pi;
    enum ofperr err = ofp_decode_packet_in(msg, size, &pi);

    counter_inc(conn_counters(c), VXC_pktin);
    if (err) {
        send_error__(c, err, msg, size);
    } else {
        pktin_handle(c, &pi);
    }
}

/* An ERROR from the switch: the flow-diff engine's if it answers one of
 * its operations (matched by xid), otherwise logged. */
static void on_error__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_error e;

    ofp_decode_error(msg, size, &e);
    counter_inc(conn_counters(c), VXC_switch_errors);
    if (!role_on_error(c, &e) && !flowdiff_on_error(c, &e)) {
        char s[64];
        VLOG_RL(VLL_WARN, "%s: switch reports %s for xid %u", c->name,
                ofperr_pair_to_string(e.type, e.code, s, sizeof s), e.xid);
    }
}

/* PORT_STATUS (OF1.3.5 7.4.3): ports are known by name, so a renumbered or
 * re-added port moves the flows of the hosts bound to it. */
static void on_port_status__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_port_status ps;
    enum ofperr err = ofp_decode_port_status(msg, size, &ps);

    if (err) {
        send_error__(c, err, msg, size);
        return;
    }
    if (ps.reason != OFPPR_DELETE) {
        drop_same_name__(c, &ps.desc);
    }
    if (update_port__(c, &ps.desc, ps.reason == OFPPR_DELETE)) {
        VLOG_INFO("%s: port %u (%s) %s", c->name, ps.desc.port_no, ps.desc.name,
                  ps.reason == OFPPR_ADD ? "added"
                  : ps.reason == OFPPR_DELETE ? "deleted" : "modified");
        flowdiff_mark_dirty(c);
        if (c->ports_read) {
            conn_report_ports(c);
        }
    }
}

/* FLOW_REMOVED (OF1.3.5 A.4.2): one of ours is re-added alone. */
static void on_flow_removed__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_flow_removed fr;
    enum ofperr err = ofp_decode_flow_removed(msg, size, &fr);

    if (!err) {
        flowdiff_on_flow_removed(c, &fr);
    } else {
        send_error__(c, err, msg, size);
    }
}

static void on_echo_request__(struct conn *c, const uint8_t *msg, size_t size)
{
    ofp_put_echo_reply(&c->obuf, msg, size);
    conn_want_flush(c);
}

static void on_echo_reply__(struct conn *c, const uint8_t *msg, size_t size)
{
    (void)msg, (void)size;
    c->echo_sent_ms = 0;
}

static void on_barrier_reply__(struct conn *c, const uint8_t *msg, size_t size)
{
    (void)size;
    if (!flowdiff_on_barrier_reply(c, ofp_msg_xid(msg))) {
        VLOG_RL(VLL_DBG, "%s: unsolicited barrier reply %u", c->name, ofp_msg_xid(msg));
    }
}

static void on_role_reply__(struct conn *c, const uint8_t *msg, size_t size)
{
    struct of_role role;

    if (ofp_decode_role_reply(msg, size, &role)) {
        send_error__(c, OFPERR_BAD_REQUEST_PACKET, msg, size);
        return;
    }
    role_on_reply(c, &role);
}

/* Late or repeated handshake messages: harmless. */
static void on_ignored__(struct conn *c, const uint8_t *msg, size_t size)
{
    (void)c, (void)msg, (void)size;
}

/* The handler of each message type a controller receives (OF1.3.5 7.1);
 * any other type is a request a controller does not serve. */
typedef void conn_handler_fn(struct conn *, const uint8_t *msg, size_t size);
static conn_handler_fn *const handlers__[] = {
    /* Handshake leftovers and keepalive. */
    [OFPT_HELLO] = on_ignored__, [OFPT_FEATURES_REPLY] = on_ignored__,
    [OFPT_GET_CONFIG_REPLY] = on_ignored__,
    /* ONF ROLE_STATUS and other extensions: a demotion is also ours to
     * compute (model/mastership.h), so nothing depends on them. */
    [OFPT_EXPERIMENTER] = on_ignored__,
    [OFPT_ECHO_REQUEST] = on_echo_request__, [OFPT_ECHO_REPLY] = on_echo_reply__,
    /* Asynchronous messages (OF1.3.5 7.4). */
    [OFPT_PACKET_IN] = on_packet_in__, [OFPT_FLOW_REMOVED] = on_flow_removed__,
    [OFPT_PORT_STATUS] = on_port_status__, [OFPT_ERROR] = on_error__,
    /* Replies to our requests. */
    [OFPT_MULTIPART_REPLY] = handle_multipart_reply__,
    [OFPT_BARRIER_REPLY] = on_barrier_reply__, [OFPT_ROLE_REPLY] = on_role_reply__,
};

/* One validated message from the switch, dispatched by type. */
static void dispatch__(struct conn *c, const uint8_t *msg, size_t size)
{
    uint8_t type = ((const struct ofp_header *)(const void *)msg)->type;
    conn_handler_fn *h = type < ARRAY_SIZE(handlers__) ? handlers__[type] : NULL;

    if (h) {
        h(c, msg, size);
    } else {
        send_error__(c, OFPERR_BAD_REQUEST_TYPE, msg, size);
    }
}

/* Counts, validates (one length table, OF1.3.5 7.1) and dispatches one
 * message. */
static void handle_message__(struct conn *c, const uint8_t *msg, size_t size, uint64_t now_ms)
{
    const struct ofp_header *oh = (const void *)msg;
    struct vx_counters *cs = conn_counters(c);
    enum ofperr err;

    counter_msg(&cs->msgs_in[oh->type < VX_N_MSG_TYPES ? oh->type : 0]);
    err = ofp_msg_validate(oh, size, OFP13_VERSION);
    if (err) {
        send_error__(c, err, msg, size);
        return;
    }
    dispatch__(c, msg, size);
    (void)now_ms;
}

void conn_process_input(struct conn *c, uint64_t now_ms)
{
    uint8_t *p = vxbuf_data(&c->rbuf);
    size_t left = c->rbuf.size;
    bool any = false;

    while (!c->close_reason) {
        int n = ofp_msg_frame(p, left);
        if (n < 0) {
            counter_inc(conn_counters(c), VXC_conn_bad_framing);
            VLOG_RL(VLL_WARN, "%s: message length %u below the 8-byte header; closing",
                    c->name, get_be16(p + 2));
            conn_close_soon(c, "unrecoverable framing (length < 8)");
            break;
        }
        if (!n) {
            break;
        }
        handle_message__(c, p, (size_t)n, now_ms);
        p += n;
        left -= (size_t)n;
        any = true;
    }
    vxbuf_consume(&c->rbuf, c->rbuf.size - left);
    if (any) {
        c->last_rx_ms = now_ms;
        c->echo_sent_ms = 0;    /* any complete message proves liveness */
    }
}

void conn_start(struct conn *c, uint64_t now_ms)
{
    c->connected_ms = c->last_rx_ms = now_ms;
    /* Whole frames in packet-ins (OF1.3.5 A.3.2: miss_send_len). */
    ofp_put_set_config(&c->obuf, conn_xid(c), 0, OFPCML_NO_BUFFER);
    /* Expired TTLs from the router's dec_ttl must reach us (traceroute). */
    ofp_put_set_async(&c->obuf, conn_xid(c),
                      1u << OFPR_NO_MATCH | 1u << OFPR_ACTION | 1u << OFPR_INVALID_TTL);
    ofp_put_desc_request(&c->obuf, conn_xid(c));
    c->port_desc_xid = conn_xid(c);
    ofp_put_port_desc_request(&c->obuf, c->port_desc_xid);
    flowdiff_start(c);
    conn_want_flush(c);
}
