/* Fuzz target: a whole switch connection.  The input is what a switch
 * sends after the handshake; it goes through the worker's real input path
 * (framing, validation, every handler, the packet-in services with RCU
 * model lookups on the article's topology, and the flow-diff engine).
 * Oracle (check_invariants__), after every input: what the controller
 * wrote is well framed; and the connection is either closing with a reason
 * or consistent: no whole message left unread, buffers and tables within
 * their bounds, ports and installed flows sorted, the flow-diff engine's
 * counts coherent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_wire.h"
#include "workers/conn.h"
#include "workers/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct worker worker;

static void init_once(void)
{
    static bool done;
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };

    if (done) {
        return;
    }
    done = true;
    /* VX_FUZZ_LOG=1 shows what an input exercised (for corpus review). */
    vlog_set_level(getenv("VX_FUZZ_LOG") ? VLL_DBG : VLL_ERR);
    rcu_register_thread();
    model_init();
    if (!vxconf_load(VX_SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL)) {
        abort();
    }
    CDS_INIT_LIST_HEAD(&worker.conns);
    CDS_INIT_LIST_HEAD(&worker.flush_list);
    worker.params = WORKER_PARAMS_DEFAULT;
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);
}

#define CHECK(COND) do {                                                      \
        if (!(COND)) {                                                        \
            fprintf(stderr, "fuzz_conn invariant broken: %s\n", #COND);       \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* Every message the controller wrote has a sane length, and they tile
 * the output buffer exactly. */
static void check_output__(const struct conn *c)
{
    const uint8_t *p = vxbuf_data(&c->obuf);
    size_t left = c->obuf.size;

    while (left) {
        int n = ofp_msg_frame(p, left);
        CHECK(n >= OFP_HEADER_SIZE);
        CHECK(p[0] == OFP13_VERSION);
        p += n;
        left -= (size_t)n;
    }
}

static void check_flows__(const struct conn *c)
{
    const struct flowdiff *fd = &c->flows;

    CHECK(fd->state == FLOWDIFF_SYNC || fd->state == FLOWDIFF_IDLE
          || fd->state == FLOWDIFF_PUSHING);
    CHECK(fd->reading.n <= worker.params.max_stats_flows);
    CHECK(fd->n_batches >= 0 && fd->n_batches <= FLOWDIFF_MAX_INFLIGHT);
    CHECK(fd->n_sent <= fd->op_flows.n);
    CHECK(fd->n_failed <= fd->op_flows.n);
    for (size_t i = 1; i < fd->installed.n; i++) {
        CHECK(flow_identity_cmp(&fd->installed, &fd->installed.flows[i - 1],
                                &fd->installed, &fd->installed.flows[i]) < 0);
    }
}

static void check_invariants__(const struct conn *c)
{
    check_output__(c);
    if (c->close_reason) {
        CHECK(c->close_reason[0]);
        return;
    }
    CHECK(ofp_msg_frame(vxbuf_data(&c->rbuf), c->rbuf.size) == 0);
    CHECK(c->rbuf.size < 65536);
    CHECK(c->n_ports <= CONN_MAX_PORTS);
    for (size_t i = 1; i < c->n_ports; i++) {
        CHECK(c->ports[i - 1].port_no < c->ports[i].port_no);
    }
    check_flows__(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conn *c;

    init_once();
    c = calloc(1, sizeof *c);
    c->worker = &worker;
    c->fd = -1;
    c->dpid = 0x32d1f6ddc94fULL;
    c->next_xid = 0x1000;       /* as the worker does: the seeds answer these xids */
    strcpy(c->name, "fuzz");
    vxbuf_init(&c->rbuf, 1024);
    vxbuf_init(&c->obuf, 1024);
    flowdiff_init(&c->flows);
    conn_start(c, 1000);
    vxbuf_put(&c->rbuf, data, size);
    conn_process_input(c, 2000);
    flowdiff_run(c, 3000);
    check_invariants__(c);

    if (getenv("VX_FUZZ_LOG")) {
        for (int i = 0; i < VXC_N; i++) {
            if (worker.counters.c[i]) {
                fprintf(stderr, "  %s=%llu\n", counter_name(i),
                        (unsigned long long)worker.counters.c[i]);
            }
        }
    }
    CDS_INIT_LIST_HEAD(&worker.flush_list);
    flowdiff_destroy(&c->flows);
    vxbuf_uninit(&c->rbuf);
    vxbuf_uninit(&c->obuf);
    free(c->ports);
    free(c);
    model_quiescent();
    return 0;
}
