#include "workers/flowdiff.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "model/pipeline.h"
#include "proto/ofp_flow.h"
#include "workers/conn.h"
#include "workers/role.h"
#include "workers/worker.h"

#define VLOG_MODULE "flowdiff"
#define RETRY_DELAY_MS 5000

void flowdiff_init(struct flowdiff *fd)
{
    memset(fd, 0, sizeof *fd);
    flow_set_init(&fd->installed);
    flow_set_init(&fd->reading);
    flow_set_init(&fd->op_flows);
    flow_set_init(&fd->rejected);
}

void flowdiff_destroy(struct flowdiff *fd)
{
    flow_set_destroy(&fd->installed);
    flow_set_destroy(&fd->reading);
    flow_set_destroy(&fd->op_flows);
    flow_set_destroy(&fd->rejected);
    free(fd->ops);
    fd->ops = NULL;
}

void flowdiff_start(struct conn *c)
{
    struct flowdiff *fd = &c->flows;

    fd->state = FLOWDIFF_SYNC;
    fd->flows_read = false;
    fd->n_batches = 0;
    flow_set_clear(&fd->reading);
    fd->stats_xid = conn_xid(c);
    fd->sync_start_ms = c->worker->now_ms;
    ofp_put_flow_stats_request(&c->obuf, fd->stats_xid, PIPELINE_COOKIE, PIPELINE_COOKIE_MASK);
    conn_want_flush(c);
}

void flowdiff_mark_dirty(struct conn *c)
{
    c->flows.dirty = true;
}

/* Whether adding an entry of 'entry_size' wire bytes keeps the reply being
 * read within the configured caps (docs/config.md: max_flow_stats,
 * max_flow_stats_mib).  The encoded form of an entry is never larger than
 * its wire form, so the arena stays within the byte cap. */
static bool within_caps__(const struct conn *c, size_t entry_size)
{
    const struct flowdiff *fd = &c->flows;
    const struct worker_params *p = &c->worker->params;

    return fd->reading.n < p->max_stats_flows
           && fd->reading.arena.size + entry_size <= (size_t)p->max_stats_mib << 20;
}

/* Takes the entries of one FLOW stats part into 'reading'.  An entry whose
 * contents cannot be decoded (e.g. write-actions: not written by us) is
 * skipped and counted; its framing is sound, so the rest of the part is
 * still read.  A framing error loses the rest of the part: those flows
 * look missing and are re-added, never wrongly deleted.  Returns false if
 * the reply broke its cap and the connection is being closed. */
static bool read_flow_stats__(struct conn *c, struct vxcur *cur)
{
    struct flowdiff *fd = &c->flows;

    while (cur->left) {
        struct of_flow_stats fs;
        size_t before = cur->left;
        enum ofperr err = ofp_pull_flow_stats(cur, &fs);
        if (err) {
            bool framed = cur->left != before;
            counter_inc(conn_counters(c), framed ? VXC_flow_stats_skipped : VXC_decode_errors);
            VLOG_RL(VLL_WARN, "%s: undecodable flow stats entry (%s): %s", c->name,
                    ofperr_to_string(err), framed ? "skipped" : "rest of the part dropped");
            if (!framed) {
                return true;
            }
            continue;
        }
        if (!within_caps__(c, before - cur->left)) {
            counter_inc(conn_counters(c), VXC_conn_stats_overflow);
            VLOG_RL(VLL_WARN, "%s: FLOW stats reply exceeds %u flows or %u MiB; closing",
                    c->name, c->worker->params.max_stats_flows, c->worker->params.max_stats_mib);
            conn_close_soon(c, "FLOW stats reply over its cap (max_flow_stats)");
            flow_set_destroy(&fd->reading);
            return false;
        }
        if (!flow_set_add(&fd->reading, fs.table_id, fs.priority, fs.cookie,
                          &fs.match, &fs.insts)) {
            VLOG_RL(VLL_WARN, "%s: flow in table %u with too many unknown fields",
                    c->name, fs.table_id);
        }
    }
    return true;
}

/* The whole reply has been read: the switch's table becomes the installed
 * state. */
static void finish_read__(struct conn *c)
{
    struct flowdiff *fd = &c->flows;
    struct flow_set tmp = fd->installed;

    fd->installed = fd->reading;
    fd->reading = tmp;
    flow_set_clear(&fd->reading);
    size_t dups = flow_set_sort(&fd->installed);
    if (dups) {
        VLOG_WARN("%s: %zu duplicate flows in the switch's reply", c->name, dups);
    }
    fd->flows_read = true;
    fd->dirty = true;
    VLOG_INFO("%s: switch holds %zu of our flows", c->name, fd->installed.n);
}

void flowdiff_on_flow_stats(struct conn *c, uint32_t xid, const struct of_multipart_reply *r)
{
    struct flowdiff *fd = &c->flows;
    struct vxcur cur = vxcur_make(r->body, r->body_size);

    if (fd->state != FLOWDIFF_SYNC || xid != fd->stats_xid || fd->flows_read) {
        return;                 /* a stale reply from an abandoned sync */
    }
    if (read_flow_stats__(c, &cur) && !r->more) {
        finish_read__(c);
    }
}

void flowdiff_on_flow_removed(struct conn *c, const struct of_flow_removed *fr)
{
    struct flowdiff *fd = &c->flows;
    struct flow_set key;
    struct of_insts none;

    if ((fr->cookie & PIPELINE_COOKIE_MASK) != PIPELINE_COOKIE) {
        return;                 /* not ours */
    }
    of_insts_init(&none);
    flow_set_init(&key);
    bool removed = flow_set_add(&key, fr->table_id, fr->priority, fr->cookie, &fr->match, &none)
                   && flow_set_remove(&fd->installed, &key, &key.flows[0]);
    flow_set_destroy(&key);
    if (!removed) {
        counter_inc(conn_counters(c), VXC_flow_removed_unknown);
        return;
    }
    /* Only that flow is now missing from 'installed': the next diff re-adds
     * it alone, with no FLOW stats read-back. */
    counter_inc(conn_counters(c), VXC_flow_removed);
    VLOG_RL(VLL_WARN, "%s: flow removed from table %u (reason %u); re-adding it",
            c->name, fr->table_id, fr->reason);
    fd->dirty = true;
}

/* Diff callback: records one operation. */
static void record_op__(void *fd_, enum flow_op_type type, const struct flow_set *from,
                        const struct flow *f)
{
    struct flowdiff *fd = fd_;
    size_t i = fd->op_flows.n;

    flow_set_add_copy(&fd->op_flows, from, f);
    fd->ops = xrealloc(fd->ops, fd->op_flows.n * sizeof *fd->ops);
    fd->ops[i] = (struct flowdiff_op) { (uint8_t)type, false };
}

static void start_push__(struct conn *c, uint64_t now_ms)
{
    struct flowdiff *fd = &c->flows;
    struct flow_set desired;

    flow_set_init(&desired);
    pipeline_compute(c->dpid, conn_port_by_name, c, &desired);
    fd->n_desired = desired.n;
    flow_set_clear(&fd->op_flows);
    fd->n_sent = 0;
    fd->n_failed = 0;
    flow_set_clear(&fd->rejected);
    fd->dirty = false;
    fd->retry_at_ms = 0;
    size_t n = flow_set_diff(&desired, &fd->installed, record_op__, fd);
    flow_set_destroy(&desired);
    counter_inc(conn_counters(c), VXC_flow_syncs);
    if (!n) {
        fd->state = FLOWDIFF_IDLE;
        fd->last_converged_ms = now_ms;
        VLOG_DBG("%s: in sync (%zu flows)", c->name, fd->n_desired);
        return;
    }
    VLOG_INFO("%s: %zu flow changes to push (%zu desired, %zu installed)",
              c->name, n, fd->n_desired, fd->installed.n);
    fd->state = FLOWDIFF_PUSHING;
}

/* The DNAT flow of a floating IP is deleted or changed when the address
 * is removed or moved to another host.  The conntrack entries of its
 * connections still hold the old translation: left, they would carry a
 * connection made to the address on to its old host, and a new host's
 * replies to an old peer back through the old mapping.  So they are
 * deleted from the router's zone: those made to the address and those
 * translated to it (NXT_CT_FLUSH, Open vSwitch 3.1+; an older switch
 * answers with an ERROR, which is logged). */
static void flush_floating_conntrack__(struct conn *c, const struct flow_set *set,
                                       const struct flow *f)
{
    struct pipeline_cookie_info ci = pipeline_cookie_parse(f->cookie);
    struct vxcur cur = vxcur_make(flow_match(set, f), f->match_size);
    struct of_match m;

    if (!ci.valid || ci.kind != PIPELINE_K_FLOATING || ci.role != PIPELINE_R_FLOATING_DNAT
        || of_match_pull(&cur, &m) || !of_match_has(&m, OFF_CT_ZONE)) {
        return;
    }
    uint16_t zone = (uint16_t)m.value[OFF_CT_ZONE];
    char ip[IP_ADDR_STRLEN];
    ofp_put_ct_flush(&c->obuf, conn_xid(c), zone, false, (uint32_t)ci.id);
    ofp_put_ct_flush(&c->obuf, conn_xid(c), zone, true, (uint32_t)ci.id);
    counter_inc(conn_counters(c), VXC_ct_flushes);
    VLOG_INFO("%s: floating IP %s removed or moved: its conntrack entries in zone %u flushed",
              c->name, ip_to_str((uint32_t)ci.id, ip), zone);
}

/* Sends as many batches as pacing allows.  Schedules a flush only if it
 * wrote something: the worker calls this after every flush, and asking for
 * another flush with nothing new would spin its loop forever. */
static void send_batches__(struct conn *c)
{
    struct flowdiff *fd = &c->flows;
    unsigned int max_batch = c->worker->params.max_flow_batch;
    size_t before = c->obuf.size;

    while (fd->n_sent < fd->op_flows.n && fd->n_batches < FLOWDIFF_MAX_INFLIGHT
           && c->obuf.size < FLOWDIFF_OBUF_HIGH) {
        struct flowdiff_batch *b = &fd->batches[fd->n_batches++];
        b->first = fd->n_sent;
        b->n = 0;
        while (fd->n_sent < fd->op_flows.n && b->n < max_batch
               && c->obuf.size < FLOWDIFF_OBUF_HIGH) {
            const struct flow *f = &fd->op_flows.flows[fd->n_sent];
            struct flowdiff_op *op = &fd->ops[fd->n_sent];
            static const uint8_t commands[] = {
                [FLOW_OP_ADD] = OFPFC_ADD,
                [FLOW_OP_MODIFY] = OFPFC_MODIFY_STRICT,
                [FLOW_OP_DELETE] = OFPFC_DELETE_STRICT,
            };
            struct of_flow_mod fm = {
                .cookie = f->cookie,
                .table_id = f->table,
                .command = commands[op->type],
                .priority = f->priority,
            };
            if (op->type == FLOW_OP_DELETE) {
                /* Only our own flows, whatever else matches. */
                fm.cookie = PIPELINE_COOKIE;
                fm.cookie_mask = PIPELINE_COOKIE_MASK;
            }
            uint32_t xid = conn_xid(c);
            if (!b->n) {
                b->first_xid = xid;
            }
            ofp_put_flow_mod_raw(&c->obuf, xid, &fm, flow_match(&fd->op_flows, f),
                                 f->match_size, flow_insts(&fd->op_flows, f), f->insts_size);
            fd->n_sent++;
            b->n++;
        }
        b->barrier_xid = conn_xid(c);
        ofp_put_barrier_request(&c->obuf, b->barrier_xid);
        /* After the barrier: the FLOW_MODs' xids stay consecutive, and
         * the switch has stopped translating before it forgets. */
        for (size_t k = b->first; k < b->first + b->n; k++) {
            if (fd->ops[k].type != FLOW_OP_ADD) {
                flush_floating_conntrack__(c, &fd->op_flows, &fd->op_flows.flows[k]);
            }
        }
        counter_add(conn_counters(c), VXC_flow_mods, b->n);
        fd->flow_mods_total += b->n;
    }
    if (c->obuf.size != before) {
        conn_want_flush(c);
    }
}

/* Commits the successful operations of 'b' to the installed state: a merge
 * of two identity-sorted sequences. */
static void commit_batch__(struct flowdiff *fd, const struct flowdiff_batch *b)
{
    struct flow_set next;
    size_t i = 0, k = b->first, end = b->first + b->n;

    flow_set_init(&next);
    while (i < fd->installed.n || k < end) {
        if (k < end && fd->ops[k].failed) {
            k++;
            continue;
        }
        const struct flow *in = i < fd->installed.n ? &fd->installed.flows[i] : NULL;
        const struct flow *op = k < end ? &fd->op_flows.flows[k] : NULL;
        int cmp = !in ? 1 : !op ? -1 : flow_identity_cmp(&fd->installed, in, &fd->op_flows, op);
        if (cmp < 0) {
            flow_set_add_copy(&next, &fd->installed, in);
            i++;
            continue;
        }
        if (cmp == 0) {
            i++;                /* replaced or deleted by the operation */
        }
        if (fd->ops[k].type != FLOW_OP_DELETE) {
            flow_set_add_copy(&next, &fd->op_flows, op);
        }
        k++;
    }
    flow_set_destroy(&fd->installed);
    fd->installed = next;
}

bool flowdiff_on_barrier_reply(struct conn *c, uint32_t xid)
{
    struct flowdiff *fd = &c->flows;

    if (fd->state != FLOWDIFF_PUSHING || !fd->n_batches || fd->batches[0].barrier_xid != xid) {
        return false;
    }
    commit_batch__(fd, &fd->batches[0]);
    counter_inc(conn_counters(c), VXC_flow_batches);
    memmove(&fd->batches[0], &fd->batches[1], (size_t)(fd->n_batches - 1) * sizeof fd->batches[0]);
    fd->n_batches--;
    if (!fd->n_batches && fd->n_sent == fd->op_flows.n) {
        uint64_t now = c->worker->now_ms;
        fd->state = FLOWDIFF_IDLE;
        fd->last_converged_ms = now;
        if (fd->n_failed) {
            fd->retry_at_ms = now + RETRY_DELAY_MS;
        }
        VLOG_INFO("%s: converged: %zu flows installed, %zu failed, %llu ms since sync",
                  c->name, fd->installed.n, fd->n_failed,
                  (unsigned long long)(now - fd->sync_start_ms));
    }
    return true;
}

/* The operation whose FLOW_MOD carried 'xid', or SIZE_MAX.  A batch's
 * FLOW_MODs take consecutive xids (send_batches__ allocates nothing else
 * between them), so each in-flight batch maps an xid to its operation by
 * subtraction: O(FLOWDIFF_MAX_INFLIGHT) per ERROR, whatever the batch size. */
static size_t op_by_xid__(const struct flowdiff *fd, uint32_t xid)
{
    for (int bi = 0; bi < fd->n_batches; bi++) {
        const struct flowdiff_batch *b = &fd->batches[bi];
        uint32_t k = xid - b->first_xid;
        if (b->n && k < b->n) {
            return b->first + k;
        }
    }
    return SIZE_MAX;
}

static const char *op_name__(uint8_t type)
{
    return type == FLOW_OP_ADD ? "add" : type == FLOW_OP_MODIFY ? "modify" : "delete";
}

bool flowdiff_on_error(struct conn *c, const struct of_error *e)
{
    struct flowdiff *fd = &c->flows;
    size_t k = op_by_xid__(fd, e->xid);

    if (k == SIZE_MAX || fd->ops[k].failed) {
        return false;
    }
    struct vxbuf text = VXBUF_INITIALIZER;
    char s[64];
    fd->ops[k].failed = true;
    fd->n_failed++;
    if (fd->ops[k].type != FLOW_OP_DELETE) {
        flow_set_add_copy(&fd->rejected, &fd->op_flows, &fd->op_flows.flows[k]);
    }
    counter_inc(conn_counters(c), VXC_flow_mod_errors);
    flow_format(&fd->op_flows, &fd->op_flows.flows[k], &text);
    vxbuf_put(&text, "", 1);
    VLOG_RL(VLL_WARN, "%s: switch rejected FLOW_MOD %s (%s): %s", c->name,
            op_name__(fd->ops[k].type), ofperr_pair_to_string(e->type, e->code, s, sizeof s),
            (const char *)vxbuf_data(&text));
    vxbuf_uninit(&text);
    return true;
}

void flowdiff_run(struct conn *c, uint64_t now_ms)
{
    struct flowdiff *fd = &c->flows;

    if (!role_may_program(c)) {
        return;                 /* a slave, or a promotion not confirmed yet (#15) */
    }
    if (fd->retry_at_ms && now_ms >= fd->retry_at_ms && fd->state == FLOWDIFF_IDLE) {
        fd->retry_at_ms = 0;
        fd->dirty = true;
    }
    switch (fd->state) {
    case FLOWDIFF_SYNC:
        if (fd->flows_read && c->ports_read) {
            fd->state = FLOWDIFF_IDLE;
            fd->dirty = true;
        } else {
            break;
        }
        /* fall through */
    case FLOWDIFF_IDLE:
        if (fd->dirty) {
            start_push__(c, now_ms);
        }
        if (fd->state != FLOWDIFF_PUSHING) {
            break;
        }
        /* fall through */
    case FLOWDIFF_PUSHING:
        send_batches__(c);
        break;
    }
}

void flowdiff_dump(struct conn *c, FILE *f)
{
    struct flowdiff *fd = &c->flows;
    struct flow_set desired;
    struct vxbuf text = VXBUF_INITIALIZER;
    static const char *const states[] = { "sync", "idle", "pushing" };

    flow_set_init(&desired);
    pipeline_compute(c->dpid, conn_port_by_name, c, &desired);
    fprintf(f, "bridge %#llx state=%s installed=%zu desired=%zu pending=%zu failed=%zu flow_mods=%llu\n",
            (unsigned long long)c->dpid, states[fd->state], fd->installed.n, desired.n,
            fd->state == FLOWDIFF_PUSHING ? fd->op_flows.n - fd->n_sent : 0,
            fd->n_failed, (unsigned long long)fd->flow_mods_total);
    fputs("# desired\n", f);
    for (size_t i = 0; i < desired.n; i++) {
        flow_format(&desired, &desired.flows[i], &text);
    }
    fwrite(vxbuf_data(&text), 1, text.size, f);
    vxbuf_clear(&text);
    fputs("# installed\n", f);
    for (size_t i = 0; i < fd->installed.n; i++) {
        flow_format(&fd->installed, &fd->installed.flows[i], &text);
    }
    fwrite(vxbuf_data(&text), 1, text.size, f);
    vxbuf_uninit(&text);
    flow_set_destroy(&desired);
}
