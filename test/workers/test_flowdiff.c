/* The flow-diff engine against a scripted switch: what it sends for a
 * fresh switch, a switch that already holds our flows, stale and changed
 * flows; batching and pacing by barriers; errors matched by xid, left out
 * of the installed state and retried. */
#include <stdio.h>

#include "connharness.h"
#include "model/pipeline.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_port.h"

TestSuite(flowdiff, .init = harness_setup);

/* What the controller sent since the last call, by type. */
struct sent {
    int n_flow_mods, n_adds, n_modifies, n_deletes, n_barriers;
    uint32_t flow_mod_xids[256];
    uint32_t barrier_xids[64];
    uint32_t port_desc_xid, flow_stats_xid;
};

static struct sent drain(void)
{
    struct sent s;
    memset(&s, 0, sizeof s);
    uint8_t *p = vxbuf_data(&c->obuf);
    size_t left = c->obuf.size;
    while (left >= 8) {
        int n = ofp_msg_frame(p, left);
        cr_assert_gt(n, 0, "the controller's output is well framed");
        uint32_t xid = ofp_msg_xid(p);
        if (p[1] == OFPT_FLOW_MOD) {
            const struct ofp_flow_mod *fm = (const void *)p;
            if (s.n_flow_mods < 256) s.flow_mod_xids[s.n_flow_mods] = xid;
            s.n_flow_mods++;
            s.n_adds += fm->command == OFPFC_ADD;
            s.n_modifies += fm->command == OFPFC_MODIFY_STRICT;
            s.n_deletes += fm->command == OFPFC_DELETE_STRICT;
            if (fm->command == OFPFC_DELETE_STRICT) {
                cr_assert_eq(get_be64(fm->cookie_mask), PIPELINE_COOKIE_MASK,
                             "deletes are restricted to our cookie");
                cr_assert_eq(get_be32(fm->out_port), OFPP_ANY);
            }
        } else if (p[1] == OFPT_BARRIER_REQUEST) {
            s.barrier_xids[s.n_barriers++] = xid;
        } else if (p[1] == OFPT_MULTIPART_REQUEST) {
            uint16_t type = get_be16(p + 8);
            if (type == OFPMP_PORT_DESC) s.port_desc_xid = xid;
            if (type == OFPMP_FLOW) s.flow_stats_xid = xid;
        }
        p += n;
        left -= (size_t)n;
    }
    harness_clear_output();
    return s;
}



static void reply_ports(uint32_t xid)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
    put_be16(((struct ofp_multipart *)vxbuf_at(&b, start))->type, OFPMP_PORT_DESC);
    for (uint32_t n = 1; n <= 7; n++) {
        struct of_port p = { .port_no = n };
        snprintf(p.name, sizeof p.name, n == 7 ? "vtun1" : "vm%u-p", n);
        ofp_put_port(&b, &p);
    }
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

/* Appends flow 'f' of 'fs' as a FLOW stats entry (OF1.3.5 A.3.5.2). */
static void put_flow_entry(struct vxbuf *b, const struct flow_set *fs, const struct flow *f)
{
    size_t ofs = b->size;
    struct ofp_flow_stats *st = vxbuf_put_zeros(b, sizeof *st);
    st->table_id = f->table;
    put_be16(st->priority, f->priority);
    put_be64(st->cookie, f->cookie);
    vxbuf_put(b, flow_match(fs, f), f->match_size);
    vxbuf_put(b, flow_insts(fs, f), f->insts_size);
    put_be16(((struct ofp_flow_stats *)vxbuf_at(b, ofs))->length, (uint16_t)(b->size - ofs));
}

/* One FLOW stats reply part holding flows [from, to) of 'fs'. */
static void reply_flows_part(uint32_t xid, const struct flow_set *fs, size_t from, size_t to,
                             bool more)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
    struct ofp_multipart *mp = vxbuf_at(&b, start);
    put_be16(mp->type, OFPMP_FLOW);
    put_be16(mp->flags, more ? OFPMPF_REPLY_MORE : 0);
    for (size_t i = from; i < fs->n && i < to; i++) {
        put_flow_entry(&b, fs, &fs->flows[i]);
    }
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

/* FLOW stats reply holding 'fs' (in 'parts' messages, MORE on all but the
 * last). */
static void reply_flows(uint32_t xid, const struct flow_set *fs, int parts)
{
    size_t per = fs->n / (size_t)parts + 1;
    for (int part = 0; part < parts; part++) {
        reply_flows_part(xid, fs, part * per, (part + 1) * per, part < parts - 1);
    }
}

static void reply_barrier(uint32_t xid)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    ofp_msg_finish(&b, ofp_msg_start(&b, OFPT_BARRIER_REPLY, xid, 8));
    harness_feed(&b);
    vxbuf_uninit(&b);
}

static void reply_error(uint32_t xid)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_ERROR, xid, sizeof(struct ofp_error_msg));
    put_be16(((struct ofp_error_msg *)vxbuf_at(&b, start))->type, 5);   /* FLOW_MOD_FAILED */
    put_be16(((struct ofp_error_msg *)vxbuf_at(&b, start))->code, 0);
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

static void desired(struct flow_set *fs)
{
    flow_set_init(fs);
    pipeline_compute(HV1, conn_port_by_name, c, fs);
}

/* Connects; the switch answers with its ports and 'installed' flows. */
static struct sent connect_with(const struct flow_set *installed, int parts)
{
    conn_start(c, 1000);
    struct sent s = drain();
    cr_assert(s.port_desc_xid && s.flow_stats_xid, "asks for ports and flows on connect");
    reply_ports(s.port_desc_xid);
    struct flow_set empty;
    flow_set_init(&empty);
    reply_flows(s.flow_stats_xid, installed ? installed : &empty, parts);
    flow_set_destroy(&empty);
    flowdiff_run(c, 1000);
    return drain();
}

Test(flowdiff, fresh_switch_batches_and_commits)
{
    worker.params.max_flow_batch = 10;
    struct sent s = connect_with(NULL, 1);
    /* 40 flows in batches of 10: 4 batches, all in flight. */
    cr_assert_eq(s.n_adds, 40);
    cr_assert_eq(s.n_flow_mods, 40);
    cr_assert_eq(s.n_barriers, 4);
    cr_assert_eq(c->flows.state, FLOWDIFF_PUSHING);
    cr_assert_eq(c->flows.installed.n, 0, "nothing committed before a barrier reply");
    reply_barrier(s.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 10);
    for (int i = 1; i < 4; i++) {
        reply_barrier(s.barrier_xids[i]);
    }
    cr_assert_eq(c->flows.installed.n, 40);
    cr_assert_eq(c->flows.state, FLOWDIFF_IDLE);
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_batches), 4);
}

Test(flowdiff, pacing_waits_for_barriers)
{
    worker.params.max_flow_batch = 4;
    struct sent s = connect_with(NULL, 1);
    /* 40 flows in batches of 4 = 10 batches; only 4 may be in flight. */
    cr_assert_eq(s.n_barriers, FLOWDIFF_MAX_INFLIGHT);
    cr_assert_eq(s.n_flow_mods, 16);
    /* Saturated: running again writes nothing and must not ask for a
     * flush (the worker runs it after every flush; a request for another
     * flush with nothing new made its loop spin forever). */
    flowdiff_run(c, 1000);
    cr_assert_eq(c->obuf.size, 0);
    cr_assert_not(c->flush_pending, "no flush requested when nothing was written");
    reply_barrier(s.barrier_xids[0]);
    flowdiff_run(c, 1000);
    struct sent s2 = drain();
    cr_assert_eq(s2.n_barriers, 1, "one more batch per confirmed batch");
    cr_assert_eq(s2.n_flow_mods, 4);
}

Test(flowdiff, reconnect_with_same_flows_sends_nothing)
{
    struct flow_set fs;
    /* Learn the desired set once ports are known. */
    worker.params.max_flow_batch = 4096;
    conn_start(c, 1000);
    struct sent s = drain();
    reply_ports(s.port_desc_xid);
    desired(&fs);
    cr_assert_eq(fs.n, 40);
    /* The switch reports exactly those flows, split over 3 parts. */
    reply_flows(s.flow_stats_xid, &fs, 3);
    flowdiff_run(c, 1000);
    struct sent s2 = drain();
    cr_assert_eq(s2.n_flow_mods, 0, "unchanged tables: no FLOW_MOD at all");
    cr_assert_eq(s2.n_barriers, 0);
    cr_assert_eq(c->flows.state, FLOWDIFF_IDLE);
    cr_assert_eq(c->flows.installed.n, 40);
    flow_set_destroy(&fs);
}

Test(flowdiff, stale_and_changed_flows)
{
    struct flow_set fs, installed;
    worker.params.max_flow_batch = 4096;
    conn_start(c, 1000);
    struct sent s = drain();
    reply_ports(s.port_desc_xid);
    desired(&fs);

    /* The switch holds all desired flows but the first, one with other
     * actions, and one stale flow of ours. */
    flow_set_init(&installed);
    for (size_t i = 1; i < fs.n; i++) {
        if (i == 5) {
            struct of_match m;
            struct of_insts ins;
            struct vxcur mc = vxcur_make(flow_match(&fs, &fs.flows[i]), fs.flows[i].match_size);
            of_match_pull(&mc, &m);
            of_insts_init(&ins);
            of_insts_goto(&ins, 3);        /* different actions */
            flow_set_add(&installed, fs.flows[i].table, fs.flows[i].priority, PIPELINE_COOKIE, &m, &ins);
        } else {
            flow_set_add_copy(&installed, &fs, &fs.flows[i]);
        }
    }
    struct of_match stale;
    struct of_insts drop;
    of_match_init(&stale);
    of_match_set(&stale, OFF_IN_PORT, 42);
    of_insts_init(&drop);
    flow_set_add(&installed, 1, 100, PIPELINE_COOKIE, &stale, &drop);
    flow_set_sort(&installed);

    reply_flows(s.flow_stats_xid, &installed, 1);
    flowdiff_run(c, 1000);
    struct sent s2 = drain();
    cr_assert_eq(s2.n_adds, 1);
    cr_assert_eq(s2.n_modifies, 1);
    cr_assert_eq(s2.n_deletes, 1);
    cr_assert_eq(s2.n_flow_mods, 3, "only the difference");
    cr_assert_eq(s2.n_barriers, 1);
    reply_barrier(s2.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 40);
    /* Installed now equals desired, flow by flow. */
    for (size_t i = 0; i < fs.n; i++) {
        cr_assert_eq(flow_identity_cmp(&fs, &fs.flows[i], &c->flows.installed,
                                       &c->flows.installed.flows[i]), 0);
        cr_assert(flow_insts_equal(&fs, &fs.flows[i], &c->flows.installed,
                                   &c->flows.installed.flows[i]));
    }
    flow_set_destroy(&fs);
    flow_set_destroy(&installed);
}

Test(flowdiff, error_matched_by_xid_then_retried)
{
    worker.params.max_flow_batch = 4096;
    struct sent s = connect_with(NULL, 1);
    cr_assert_eq(s.n_flow_mods, 40);
    /* The switch rejects the 3rd FLOW_MOD; errors precede the barrier
     * reply (OF1.3.5 6.2). */
    reply_error(s.flow_mod_xids[2]);
    reply_barrier(s.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 39, "the failed flow is not installed");
    cr_assert_eq(c->flows.n_failed, 1);
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_mod_errors), 1);
    cr_assert_eq(c->flows.state, FLOWDIFF_IDLE);

    worker.now_ms = 2000;
    flowdiff_run(c, worker.now_ms);
    cr_assert_eq(drain().n_flow_mods, 0, "no retry before the delay");
    worker.now_ms = 1000 + 5000;
    flowdiff_run(c, worker.now_ms);
    struct sent s2 = drain();
    cr_assert_eq(s2.n_flow_mods, 1, "retried: just the failed flow");
    cr_assert_eq(s2.n_adds, 1);
    reply_barrier(s2.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 40);
    cr_assert_eq(c->flows.n_failed, 0);
}

Test(flowdiff, port_status_recomputes)
{
    worker.params.max_flow_batch = 4096;
    struct sent s = connect_with(NULL, 1);
    reply_barrier(s.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 40);

    /* vtun1 is deleted: the tunnel flow and every remote flow go. */
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_PORT_STATUS, 0, 16);
    ((uint8_t *)vxbuf_at(&b, start))[8] = OFPPR_DELETE;
    struct of_port p = { .port_no = 7, .name = "vtun1" };
    ofp_put_port(&b, &p);
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
    flowdiff_run(c, 1000);
    struct sent s2 = drain();
    cr_assert_eq(s2.n_deletes, 7, "tunnel flow + 6 remote deliveries");
    cr_assert_eq(s2.n_flow_mods, 7);
}

/* #13 item 11: one entry the codec cannot decode (write-actions: never
 * written by us) is skipped and counted; the entries after it in the same
 * part are still read, so nothing is re-added.  Before the fix the rest of
 * the part was dropped and every later flow was added again. */
Test(flowdiff, undecodable_entry_costs_only_itself)
{
    struct flow_set fs;
    conn_start(c, 1000);
    struct sent s = drain();
    reply_ports(s.port_desc_xid);
    desired(&fs);

    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_MULTIPART_REPLY, s.flow_stats_xid,
                                 sizeof(struct ofp_multipart));
    put_be16(((struct ofp_multipart *)vxbuf_at(&b, start))->type, OFPMP_FLOW);
    for (size_t i = 0; i < fs.n; i++) {
        if (i == 3) {
            static const uint8_t foreign[] = {
                0, 0, 0, 0, 0, 0, 0, 0,                 /* match: OXM, empty, pad */
                0, 3, 0, 8, 0, 0, 0, 0,                 /* WRITE_ACTIONS, none */
            };
            size_t ofs = b.size;
            struct ofp_flow_stats *st = vxbuf_put_zeros(&b, sizeof *st);
            st->table_id = 1;
            put_be16(st->priority, 7);
            put_be64(st->cookie, PIPELINE_COOKIE);
            uint8_t *m = vxbuf_put(&b, foreign, sizeof foreign);
            put_be16(m, OFPMT_OXM);
            put_be16(m + 2, 4);
            put_be16(((struct ofp_flow_stats *)vxbuf_at(&b, ofs))->length,
                     (uint16_t)(b.size - ofs));
        }
        put_flow_entry(&b, &fs, &fs.flows[i]);
    }
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
    flowdiff_run(c, 1000);

    struct sent s2 = drain();
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_stats_skipped), 1);
    cr_assert_eq(c->flows.installed.n, fs.n, "every decodable entry was read");
    cr_assert_eq(s2.n_adds, 0, "nothing re-added, no counters reset");
    flow_set_destroy(&fs);
}

/* #13 item 3: a switch that streams FLOW stats parts (REPLY_MORE) forever
 * is disconnected at the cap, with a counter; memory stops at the cap.
 * Before the fix the parts accumulated without limit. */
Test(flowdiff, endless_flow_stats_reply_hits_the_cap)
{
    struct flow_set fs;
    worker.params.max_stats_flows = 1000;
    conn_start(c, 1000);
    struct sent s = drain();
    reply_ports(s.port_desc_xid);
    desired(&fs);
    for (int part = 0; part < 100 && !c->close_reason; part++) {
        reply_flows_part(s.flow_stats_xid, &fs, 0, fs.n, true);
        cr_assert_leq(c->flows.reading.n, 1000);
    }
    cr_assert_not_null(c->close_reason, "disconnected at the cap");
    cr_assert_eq(counter_read(&worker.counters, VXC_conn_stats_overflow), 1);
    cr_assert_eq(c->flows.flows_read, false, "the partial reply never became the installed state");
    flow_set_destroy(&fs);
}

/* Feeds a FLOW_REMOVED (OF1.3.5 A.4.2) for flow 'f' of 'fs'. */
static void flow_removed(const struct flow_set *fs, const struct flow *f)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    size_t start = ofp_msg_start(&b, OFPT_FLOW_REMOVED, 0, sizeof(struct ofp_flow_removed));
    struct ofp_flow_removed *fr = vxbuf_at(&b, start);
    put_be64(fr->cookie, f->cookie);
    put_be16(fr->priority, f->priority);
    fr->reason = 2;                                 /* OFPRR_DELETE */
    fr->table_id = f->table;
    vxbuf_put(&b, flow_match(fs, f), f->match_size);
    ofp_msg_finish(&b, start);
    harness_feed(&b);
    vxbuf_uninit(&b);
}

/* #13 item 10: a FLOW_REMOVED of one of our flows re-adds that flow alone,
 * without reading the switch's whole table again.  Before the fix each one
 * triggered a full re-sync (a FLOW stats request and a diff). */
Test(flowdiff, flow_removed_readds_only_that_flow)
{
    struct flow_set fs;
    struct sent s = connect_with(NULL, 1);
    reply_barrier(s.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 40);
    desired(&fs);

    for (size_t i = 0; i < 3; i++) {
        flow_removed(&fs, &fs.flows[10 + i]);
    }
    flow_removed(&fs, &fs.flows[10]);               /* a repeat: already gone */
    cr_assert_eq(c->flows.installed.n, 37);
    flowdiff_run(c, 1000);
    struct sent s2 = drain();
    cr_assert_eq(s2.flow_stats_xid, 0, "no FLOW stats read-back");
    cr_assert_eq(s2.n_adds, 3);
    cr_assert_eq(s2.n_flow_mods, 3);
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_removed), 3);
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_removed_unknown), 1);
    reply_barrier(s2.barrier_xids[0]);
    cr_assert_eq(c->flows.installed.n, 40);
    flow_set_destroy(&fs);
}

/* #13 item 10: ERRORs map to operations by xid in any in-flight batch; an
 * xid that is not a FLOW_MOD of ours (a barrier, a repeat) maps to none. */
Test(flowdiff, errors_map_to_operations_in_every_batch)
{
    worker.params.max_flow_batch = 10;
    struct sent s = connect_with(NULL, 1);
    cr_assert_eq(s.n_barriers, 4);
    reply_error(s.flow_mod_xids[35]);               /* 4th batch, 6th op */
    reply_error(s.flow_mod_xids[35]);
    reply_error(s.barrier_xids[1]);
    cr_assert_eq(c->flows.n_failed, 1);
    cr_assert(c->flows.ops[35].failed);
    cr_assert_eq(counter_read(&worker.counters, VXC_flow_mod_errors), 1);
}
