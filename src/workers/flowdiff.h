/* The flow-diff engine: keeps one bridge's flow table equal to the
 * pipeline's desired flows by sending only the difference.
 *
 * Owned by the worker that owns the connection; never touched by another
 * thread.  Time is the worker's loop time (worker->now_ms), one clock for
 * every decision.  Life of a connection:
 *   1. SYNC: the switch's flows carrying our cookie are read with a FLOW
 *      multipart request (all parts, OFPMPF_REPLY_MORE); together with the
 *      ports from PORT_DESC they form the installed state.
 *   2. PUSH: desired (pipeline_compute) is diffed against installed; the
 *      adds, strict modifies and strict deletes are written back to back in
 *      batches of at most 'flow_batch' FLOW_MODs, each followed by one
 *      BARRIER_REQUEST.  Nothing unchanged is touched, so counters and
 *      traffic survive a controller restart, and nothing is ever deleted
 *      wholesale.
 *   3. A batch is committed to the installed state when its BARRIER_REPLY
 *      arrives.  An ERROR whose xid is one of the batch's FLOW_MODs marks
 *      that operation failed: it is logged with the decoded flow, counted,
 *      left out of the installed state, and retried by a later sync.
 *      A FLOW_REMOVED of one of our flows drops it from the installed
 *      state, so that it alone is re-added.
 * Bounds: a FLOW stats reply is capped in flows and bytes (worker params
 * max_stats_flows, max_stats_mib); a switch beyond them is disconnected.
 *   4. IDLE until the model or a port changes (flowdiff_mark_dirty).
 * Pacing: no more than FLOWDIFF_MAX_INFLIGHT batches are outstanding and
 * batches are written only while the output buffer is under a watermark,
 * so echo replies are never stuck behind tens of thousands of FLOW_MODs. */
#ifndef VX_FLOWDIFF_H
#define VX_FLOWDIFF_H 1

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/flowset.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_msgs.h"

struct conn;

#define FLOWDIFF_MAX_INFLIGHT 4
#define FLOWDIFF_OBUF_HIGH (512 * 1024)

enum flowdiff_state {
    FLOWDIFF_SYNC,              /* waiting for the switch's flows and ports */
    FLOWDIFF_IDLE,
    FLOWDIFF_PUSHING,
};

struct flowdiff_op {
    uint8_t type;               /* enum flow_op_type */
    bool failed;
};

/* FLOW_MODs sent back to back and one barrier.  The FLOW_MODs' xids are
 * consecutive from 'first_xid'. */
struct flowdiff_batch {
    uint32_t first_xid;
    uint32_t barrier_xid;
    size_t first;               /* index in 'ops' */
    size_t n;
};

struct flowdiff {
    enum flowdiff_state state;
    bool flows_read;            /* the FLOW stats reply is complete */
    bool dirty;                 /* desired may differ from installed */
    uint32_t stats_xid;
    struct flow_set installed;
    struct flow_set reading;    /* FLOW stats parts received so far */

    struct flow_set op_flows;   /* flows of the current diff's operations */
    struct flowdiff_op *ops;
    size_t n_sent;              /* operations sent so far */
    struct flowdiff_batch batches[FLOWDIFF_MAX_INFLIGHT];
    int n_batches;

    size_t n_desired;           /* flows in the last desired set */
    size_t n_failed;            /* operations that failed in the last push */
    struct flow_set rejected;   /* the flows they would have added or changed */
    uint64_t retry_at_ms;       /* 0: no retry scheduled */
    uint64_t sync_start_ms;
    uint64_t last_converged_ms;
    uint64_t flow_mods_total;
};

/* Every function below runs in the worker thread that owns the connection,
 * which is an online QSBR reader: the desired flows are computed from the
 * model there.  The struct flowdiff is part of struct conn and owned by it;
 * init and destroy are its constructor and destructor. */
void flowdiff_init(struct flowdiff *);
void flowdiff_destroy(struct flowdiff *);

/* Sends the FLOW stats request that starts SYNC. */
void flowdiff_start(struct conn *);
/* Feeds one FLOW multipart reply part. */
void flowdiff_on_flow_stats(struct conn *, uint32_t xid, const struct of_multipart_reply *);
/* Returns true if 'xid' was one of our barriers (and commits its batch). */
bool flowdiff_on_barrier_reply(struct conn *, uint32_t xid);
/* A FLOW_REMOVED (OF1.3.5 A.4.2): if it is one of our installed flows, it
 * is dropped from the installed state so that the next diff re-adds that
 * flow alone. */
void flowdiff_on_flow_removed(struct conn *, const struct of_flow_removed *);
/* Returns true if the error refers to one of our FLOW_MODs. */
bool flowdiff_on_error(struct conn *, const struct of_error *);
/* The model or a port changed: recompute when possible. */
void flowdiff_mark_dirty(struct conn *);
/* Makes progress: starts a diff when ready and dirty, sends more batches
 * while pacing allows, retries failures when due.  'now_ms' is monotonic. */
void flowdiff_run(struct conn *, uint64_t now_ms);
/* Writes the desired and installed flows in ovs-ofctl syntax. */
void flowdiff_dump(struct conn *, FILE *);

#endif
