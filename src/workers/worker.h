/* Worker threads.  Each runs one epoll loop that owns a shard of the
 * switch connections (those whose datapath-id hashes to it), from the
 * handoff by the acceptor until the connection closes.
 *
 * Other threads talk to a worker only through its two SPSC mailboxes: one
 * fed by the acceptor (new connections), one by the main thread (model
 * changes, dump requests, stop).  Workers are QSBR readers of the model:
 * online while they run, offline while they sleep in epoll_wait, with a
 * quiescent state announced once per loop iteration. */
#ifndef VX_WORKER_H
#define VX_WORKER_H 1

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <urcu/list.h>

#include "core/counters.h"
#include "core/mailbox.h"
#include "model/binding.h"
#include "workers/pktcache.h"
#include "workers/tls.h"
#include "model/model.h"
#include "proto/flowset.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_port.h"

struct conn;

/* A connection that completed HELLO and FEATURES in the acceptor. */
struct worker_handoff {
    int fd;
    SSL *ssl;                   /* NULL: plain TCP; else owned by the receiver */
    struct of_features features;
    char peer[48];
    size_t n_leftover;          /* bytes read past FEATURES_REPLY */
    uint8_t leftover[];
};

enum worker_mail_type {
    WORKER_MAIL_MODEL_CHANGED,  /* 'dpids': bridges to recompute */
    WORKER_MAIL_DUMP,           /* write flows of every bridge to 'dir' */
    WORKER_MAIL_QUERY,          /* fill 'query' and post its semaphore */
    WORKER_MAIL_PARAMS,         /* 'params': settings changed by a reload */
    WORKER_MAIL_STOP,
};

/* The settings a worker runs with (docs/config.md). */
struct worker_params {
    unsigned int echo_interval_ms;  /* echo request after this much silence */
    unsigned int pktin_rate;        /* packet-ins per second per port */
    unsigned int pktin_burst;
    unsigned int max_flow_batch;    /* FLOW_MODs per barrier */
    unsigned int max_stats_flows;   /* flows in one FLOW stats reply */
    unsigned int max_stats_mib;     /* its encoded size, MiB */
    unsigned int output_budget_kib; /* this worker's share of unsent output (#12) */
};

/* The defaults of docs/config.md. */
#define WORKER_PARAMS_DEFAULT (struct worker_params) {                       \
    .echo_interval_ms = 5000, .pktin_rate = 2000, .pktin_burst = 500,          \
    .max_flow_batch = 4096, .max_stats_flows = 1000000, .max_stats_mib = 512,  \
    .output_budget_kib = 256 * 1024,                                           \
}

/* One connected bridge's state, as its worker sees it. */
struct worker_bridge_state {
    uint64_t dpid;
    int worker;
    const char *state;          /* "sync", "idle" or "pushing" */
    size_t installed;
    size_t desired;
    size_t pending;
    size_t failed;
    uint64_t flow_mods;
    uint64_t connected_ms;      /* monotonic time of connection */
    size_t output_bytes;        /* unsent output (#12) */
    bool reading_paused;        /* not read: its output is not draining */
    const char *role;           /* #15: "alone", "master" or "slave", as confirmed */
};

/* A request from another thread: the state of every bridge of the worker,
 * and, if 'flows_dpid' is one of them, its flows in ovs-ofctl syntax.
 *
 * Lifetime: reference-counted, one reference for the requester and one for
 * the worker while the mail is in flight.  The requester may give up at a
 * deadline (worker_query_wait) and drop its reference at once; a worker
 * that answers late writes into memory that is still its own, and the last
 * reference frees it.  Never free a query directly. */
struct worker_query {
    int refs;                   /* ck_pr atomics */
    sem_t done;
    uint64_t flows_dpid;        /* 0: none */
    size_t n;
    struct worker_bridge_state *bridges;
    char *flows;                /* NULL unless flows_dpid is connected here */
    /* With 'want_tables' (set by the requester before sending), instead of
     * 'flows': copies of flows_dpid's ports and of its installed and
     * rejected flows (model/trace.h's struct trace_bridge); 'found' says
     * whether the bridge is connected here. */
    bool want_tables;
    bool found;
    size_t n_ports;
    struct of_port *ports;
    struct flow_set installed, rejected;
};

struct worker_mail {
    enum worker_mail_type type;
    struct dpid_set dpids;
    char dir[256];
    struct worker_query *query;
    struct worker_params params;
};

/* To the main thread, owned by the receiver once sent:
 *  WORKER_REPORT_PORTS     bridge 'dpid''s ports now, after PORT_DESC and
 *                          each PORT_STATUS that changes them (#17,
 *                          model/binding.h);
 *  WORKER_REPORT_NEIGHBOR  next hop 'ip' answered on bridge 'dpid''s
 *                          uplink from 'mac' (#16, model/neighbor.h). */
enum worker_report_type { WORKER_REPORT_PORTS, WORKER_REPORT_NEIGHBOR };
struct worker_report {
    enum worker_report_type type;
    uint64_t dpid;
    size_t n;                       /* PORTS */
    struct binding_port *ports;     /* PORTS */
    uint32_t ip;                    /* NEIGHBOR */
    uint8_t mac[6];                 /* NEIGHBOR */
};

struct worker {
    struct vx_counters counters;    /* first: cache-line aligned */
    int index;
    pthread_t thread;
    int epfd;
    struct mailbox from_acceptor;   /* struct worker_handoff * */
    struct mailbox from_main;       /* struct worker_mail * */
    struct mailbox to_main;         /* struct worker_report * */
    struct worker_params params;
    uint64_t now_ms;                /* loop time, refreshed per iteration */
    size_t obuf_bytes;              /* unsent output of all its connections */
    bool over_budget;               /* obuf_bytes > params.output_budget_kib */
    bool tls_more;                  /* some connection has decrypted input waiting */
    struct cds_list_head conns;        /* struct conn, owned by this thread */
    size_t n_conns;
    struct cds_list_head flush_list;   /* connections with output to write */
    struct pktcache cache;          /* the packet-in path's lookups (workers/pktcache.h) */
    struct vxbuf rscratch;          /* every connection's reads land here (conn_read__) */
    struct vxbuf wscratch;          /* the replies to one read, until written (conn_read__) */
    uint32_t port_epochs;           /* the last port epoch handed to a connection */
    bool stop;
};

/* Initialises 'w' (index 'index') with settings 'params' (copied).
 * Returns false on failure (epoll or eventfd).  Main thread, before
 * worker_start(). */
bool worker_init(struct worker *, int index, const struct worker_params *params);
/* Starts the worker's thread. */
bool worker_start(struct worker *);
/* Joins the thread (after WORKER_MAIL_STOP) and frees everything. */
void worker_join(struct worker *);

struct acceptor;

/* Writes the counters of the acceptor (labelled worker="0") and of the 'n'
 * workers (numbered from 1) as Prometheus text.  Any thread. */
void workers_write_prometheus(FILE *, const struct acceptor *, struct worker *workers, int n);

/* Which of 'n' workers owns datapath 'dpid': stable across reconnects. */
static inline int worker_for_dpid(uint64_t dpid, int n)
{
    return (int)(hash_u64(dpid) % (uint64_t)n);
}

/* A new query for 'flows_dpid' (0: none), with the requester's reference. */
struct worker_query *worker_query_new(uint64_t flows_dpid);
/* Posts 'q' to 'w' (taking a reference for it).  Returns false if the
 * worker's mailbox is full: then only the requester holds 'q'.  Any thread
 * but 'w''s. */
bool worker_query_send(struct worker *w, struct worker_query *q);
/* Waits for the answer until 'deadline' (CLOCK_REALTIME).  Returns true if
 * the worker answered: then 'q''s results may be read. */
bool worker_query_wait(struct worker_query *q, const struct timespec *deadline);
/* Drops one reference; the last one frees 'q' and its results. */
void worker_query_unref(struct worker_query *q);

#endif
