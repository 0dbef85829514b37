/* A switch connection without a socket, for unit tests of the worker's
 * input path: the article's model is loaded, messages are fed to
 * conn_process_input(), and what the controller wrote is read back from
 * the connection's output buffer. */
#ifndef VX_CONNHARNESS_H
#define VX_CONNHARNESS_H 1

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "workers/conn.h"
#include "workers/worker.h"

#define HV1 0x32d1f6ddc94fULL

static struct worker worker;
static struct conn *c;

/* Loads conf/vxfabric.conf into the model and makes 'c', a connection of
 * hv1 owned by 'worker'. */
static void harness_setup(void)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };

    vlog_set_level(VLL_ERR);
    rcu_register_thread();
    model_init();
    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL));
    CDS_INIT_LIST_HEAD(&worker.conns);
    CDS_INIT_LIST_HEAD(&worker.flush_list);
    pktcache_init(&worker.cache);
    worker.params = WORKER_PARAMS_DEFAULT;
    worker.now_ms = 1000;
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);

    c = calloc(1, sizeof *c);
    c->worker = &worker;
    c->fd = -1;
    c->dpid = HV1;
    c->next_xid = 0x1000;
    strcpy(c->name, "test");
    vxbuf_init(&c->rbuf, 4096);
    vxbuf_init(&c->obuf, 4096);
    flowdiff_init(&c->flows);
}

/* Feeds one message from the switch. */
static void harness_feed(const struct vxbuf *msg)
{
    vxbuf_put(&c->rbuf, vxbuf_data(msg), msg->size);
    conn_process_input(c, worker.now_ms);
}

/* Forgets what the controller wrote so far. */
static void harness_clear_output(void)
{
    vxbuf_clear(&c->obuf);
    c->obuf_counted = 0;
    CDS_INIT_LIST_HEAD(&worker.flush_list);
    c->flush_pending = false;
}

#endif
