/* The worker loop, driven for real: a worker thread with its epoll loop
 * and mailboxes, switches played by the test over socketpairs.  Run under
 * ASan by the suite, where a use after free aborts the test. */
#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "core/util.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "proto/ofp_msgs.h"
#include "workers/worker.h"

#define HV1 0x32d1f6ddc94fULL

static struct worker w;
static bool start_worker = true;    /* false: mail waits (setup_unstarted) */

static void setup(void)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };
    struct worker_params params = WORKER_PARAMS_DEFAULT;

    cpu_set_t one;

    /* The test and the worker share one CPU, so that the worker runs only
     * when the test blocks: what the test makes ready in between arrives
     * in one epoll batch, in the order it was made ready. */
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    vlog_set_level(VLL_ERR);
    signal(SIGPIPE, SIG_IGN);   /* as vxfabricd does: a closed peer is EPIPE */
    rcu_register_thread();
    model_init();
    cr_assert(vxconf_load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs, NULL));
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);
    cr_assert(worker_init(&w, 0, &params));
    if (start_worker) {
        cr_assert(worker_start(&w));
    }
    rcu_thread_offline();
}

/* The worker is initialised but its thread not started: mail waits. */
static void setup_unstarted(void)
{
    start_worker = false;
    setup();
}

static void teardown(void)
{
    struct worker_mail *m = xzalloc(sizeof *m);
    m->type = WORKER_MAIL_STOP;
    while (!mailbox_send(&w.from_main, m)) {
        usleep(1000);
    }
    worker_join(&w);
    rcu_thread_online();
    model_destroy();
    rcu_unregister_thread();
}

/* Hands the worker end of a new socketpair to the worker as datapath
 * 'dpid' (what the acceptor does after FEATURES); returns the switch end. */
static int handoff(uint64_t dpid)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    struct worker_handoff *h = xzalloc(sizeof *h);
    h->fd = sv[1];
    h->features.datapath_id = dpid;
    h->features.n_tables = 254;
    snprintf(h->peer, sizeof h->peer, "socketpair");
    while (!mailbox_send(&w.from_acceptor, h)) {
        usleep(100);
    }
    return sv[0];
}

static uint64_t counter(enum vx_counter_id id)
{
    return counter_read(&w.counters, id);
}

/* Hardening #13.1: a datapath that reconnects while its old connection has
 * input.  The replacement used to free the old connection at once, in the
 * middle of an epoll batch that could still hold its events.  This test
 * checks the loop's accounting (each connection accepted and closed once)
 * under ASan; it did not reproduce that use after free on the old code
 * here, so it is not a regression test for it. */
Test(worker_loop, reconnect_while_old_connection_has_input, .init = setup, .fini = teardown)
{
    struct vxbuf echo = VXBUF_INITIALIZER;
    const int rounds = 500;
    int old = handoff(HV1);

    ofp_put_echo_request(&echo, 7);
    for (int i = 0; i < rounds; i++) {
        int new = handoff(HV1);
        /* Right behind the mail: both are ready when the worker wakes. */
        /* (It may already be closed by the worker: no SIGPIPE.) */
        (void)!send(old, vxbuf_data(&echo), echo.size, MSG_NOSIGNAL);
        usleep(200);            /* the worker's turn: one batch, mail first */
        close(old);
        old = new;
    }
    close(old);
    vxbuf_uninit(&echo);
    for (int i = 0; i < 2000 && counter(VXC_conn_closed) < (uint64_t)rounds + 1; i++) {
        usleep(1000);
    }
    cr_assert_eq(counter(VXC_conn_accepted), (uint64_t)rounds + 1);
    cr_assert_eq(counter(VXC_conn_closed), (uint64_t)rounds + 1, "every connection closed once");
    cr_assert_gt(counter(VXC_conn_replaced), 0, "reconnects replaced live connections");
}

/* #13 item 12: msgs_out counts what the worker wrote, by type.  Before the
 * fix every msgs_out counter stayed at zero.  The switch end reads what
 * arrived and the counters must agree with it. */
Test(worker_loop, msgs_out_counts_what_was_written, .init = setup, .fini = teardown)
{
    int sw = handoff(HV1);
    uint64_t seen[VX_N_MSG_TYPES] = { 0 };
    struct vxbuf in = VXBUF_INITIALIZER;

    /* conn_start sends SET_CONFIG, SET_ASYNC and three multipart requests. */
    for (int i = 0; i < 2000 && seen[OFPT_MULTIPART_REQUEST] < 3; i++) {
        uint8_t buf[4096];
        ssize_t n = recv(sw, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            vxbuf_put(&in, buf, (size_t)n);
        } else {
            usleep(1000);
        }
        int len;
        while ((len = ofp_msg_frame(vxbuf_data(&in), in.size)) > 0) {
            uint8_t type = ((const uint8_t *)vxbuf_data(&in))[1];
            seen[type < VX_N_MSG_TYPES ? type : 0]++;
            vxbuf_consume(&in, (size_t)len);
        }
    }
    cr_assert_eq(seen[OFPT_MULTIPART_REQUEST], 3);
    for (int t = 0; t < VX_N_MSG_TYPES; t++) {
        cr_assert_eq(ck_pr_load_64(&w.counters.msgs_out[t]), seen[t], "type %d", t);
    }
    close(sw);
    vxbuf_uninit(&in);
}

/* #13 item 2: the requester gives up on a query at its deadline and drops
 * it; the worker answers later, into memory that is still alive, and frees
 * it.  Before the fix the API freed the query and destroyed its semaphore
 * while the worker could still write into it.  Run under ASan, this test
 * would report that write; it checks the new lifetime. */
Test(worker_loop, query_answered_after_the_requester_gave_up, .init = setup_unstarted,
     .fini = teardown)
{
    struct timespec now;
    struct worker_query *q = worker_query_new(HV1);

    cr_assert(worker_query_send(&w, q));
    clock_gettime(CLOCK_REALTIME, &now);
    cr_assert_not(worker_query_wait(q, &now), "no answer: the worker is not running");
    worker_query_unref(q);                      /* the requester gives up */

    cr_assert(worker_start(&w));                /* now it answers the late query */
    struct worker_query *q2 = worker_query_new(0);
    cr_assert(worker_query_send(&w, q2));
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    cr_assert(worker_query_wait(q2, &deadline), "a live worker answers");
    cr_assert_eq(q2->n, 0, "no bridge connected");
    worker_query_unref(q2);
}
