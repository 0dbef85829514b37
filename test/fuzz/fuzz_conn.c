/* Fuzz target: a whole switch connection.  The input is what a switch
 * sends after the handshake; it goes through the worker's real input path
 * (framing, validation, every handler, the packet-in services with RCU
 * model lookups on the article's topology, and the flow-diff engine). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "model/model.h"
#include "model/vxconf.h"
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
