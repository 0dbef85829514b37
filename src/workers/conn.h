/* A switch connection, owned by exactly one worker thread for its whole
 * life: its socket, buffers, transaction ids, ports and flow state are
 * touched by no other thread (house style 6). */
#ifndef VX_CONN_H
#define VX_CONN_H 1

#include <stdbool.h>
#include <stdint.h>

#include <urcu/list.h>

#include "core/buf.h"
#include "core/counters.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_port.h"
#include "workers/tls.h"
#include "workers/flowdiff.h"
#include "workers/pktin.h"

struct worker;

/* Memory per connection is bounded whatever the load (#12):
 *  - input: each read, at most CONN_RBUF_SIZE, lands in the worker's one
 *    scratch buffer, so each readable connection gets at most this much
 *    per loop iteration; the connection keeps only the incomplete message
 *    left over (less than the largest OpenFlow message, 65535 bytes), in
 *    a buffer of CONN_RBUF_KEPT bytes at rest;
 *  - output: the replies to a read are built in the worker's one write
 *    buffer and written at once; the connection keeps only what its
 *    socket did not take.  Reading stops while the unsent output is above the
 *    watermark (of the order of a socket buffer) or while the worker's
 *    whole unsent output is over its budget, and resumes once it drains;
 *    an emptied output buffer larger than CONN_OBUF_KEEP is given back. */
#define CONN_RBUF_SIZE (65 * 1024)         /* one read: 65535 + the handshake's leftover */
#define CONN_RBUF_KEPT 512                 /* a connection's own input buffer, at rest */
#define CONN_OBUF_WATERMARK (128 * 1024)   /* stop reading above this */
#define CONN_OBUF_KEEP (256 * 1024)        /* shrink an empty buffer above this */
#define CONN_OBUF_MAX (16 * 1024 * 1024)   /* disconnect above this */
#define CONN_MAX_PORTS 4096
#define CONN_MAX_BUCKETS 256
#define CONN_MAX_DECODE_ERRORS 64   /* malformed messages before we give up */

struct conn {
    struct worker *worker;
    int fd;
    uint64_t dpid;
    char name[40];              /* "dpid 0x..." for logs */
    struct of_features features;

    struct vxbuf rbuf;
    struct vxbuf obuf;
    size_t obuf_counted;        /* head bytes of obuf already counted by type */
    bool epollout;              /* EPOLLOUT armed */
    SSL *ssl;                   /* NULL: plain TCP (#18) */
    bool tls_more;              /* OpenSSL holds input epoll cannot announce */
    bool paused;                /* EPOLLIN disarmed: output not draining */
    size_t obuf_accounted;      /* c->obuf.size as counted in worker->obuf_bytes */
    bool flush_pending;         /* on the worker's flush list */
    struct cds_list_head flush_node;   /* in worker.flush_list, if flush_pending */
    struct cds_list_head node;         /* in worker.conns */

    uint32_t next_xid;
    uint64_t connected_ms;
    uint64_t last_rx_ms;
    uint64_t echo_sent_ms;      /* 0: none outstanding */
    const char *close_reason;   /* set when the connection must close */
    unsigned int n_decode_errors;

    /* Ports, sorted by number, from PORT_DESC and PORT_STATUS. */
    bool ports_read;
    bool ports_unreported;      /* the main thread's mailbox was full: retry */
    uint32_t port_desc_xid;
    size_t n_ports;
    struct of_port *ports;
    uint32_t port_epoch;        /* new whenever the ports change (workers/pktcache.h) */

    struct pktin_bucket buckets[CONN_MAX_BUCKETS];  /* by port_no % size */

    /* The OpenFlow role (workers/role.h): what was last requested (enum
     * mastership_role, with its generation and xid) and what the switch
     * confirmed.  MASTERSHIP_ALONE (0) without HA. */
    uint8_t role_sent;
    uint8_t role_now;
    uint64_t role_gen_sent;
    uint32_t role_xid;

    /* The external gateway (workers/gateway.h): when to probe next hops
     * next, when to re-probe resolved ones, and what was announced. */
    uint64_t gw_next_probe_ms;
    uint64_t gw_refresh_ms;
    uint64_t gw_announced;      /* signature of the addresses announced; 0: none */

    struct flowdiff flows;
};

/* A fresh transaction id for a request on 'c'. */
static inline uint32_t conn_xid(struct conn *c)
{
    return c->next_xid++;
}

/* Everything below runs in the worker thread that owns the connection.
 * The counters of 'c''s worker (its only writer is that thread). */
struct vx_counters *conn_counters(const struct conn *);
/* The port numbered 'port_no', or NULL. */
const struct of_port *conn_port(const struct conn *, uint32_t port_no);
/* Tells the main thread the connection's ports (worker_report); on
 * a full mailbox, sets ports_unreported for the worker's tick to retry. */
void conn_report_ports(struct conn *);
/* pipeline_port_fn over the connection's ports. */
bool conn_port_by_name(const void *conn, const char *name, uint32_t *port_no);
/* Schedules the output buffer for the end-of-iteration flush (the
 * replies to a read are written right after it, worker.c
 * reply_from_scratch__, and the schedule is then dropped). */
void conn_want_flush(struct conn *);
/* Marks 'c' for closing with 'reason' (a constant string); the worker
 * closes it at the end of the iteration. */
void conn_close_soon(struct conn *, const char *reason);

/* Processes every complete message in the read buffer. */
void conn_process_input(struct conn *, uint64_t now_ms);
/* Sends the post-handshake requests (SET_CONFIG, SET_ASYNC, DESC,
 * PORT_DESC, FLOW). */
void conn_start(struct conn *, uint64_t now_ms);

#endif
