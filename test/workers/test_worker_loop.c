/* The worker loop, driven for real: a worker thread with its epoll loop
 * and mailboxes, switches played by the test over socketpairs.  Run under
 * ASan by the suite, where a use after free aborts the test. */
#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "core/util.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_wire.h"
#include "proto/pkt.h"
#include "workers/conn.h"
#include "workers/worker.h"

#define HV1 0x32d1f6ddc94fULL

static struct worker w;
static bool start_worker = true;    /* false: mail waits (setup_unstarted) */
static bool no_rate_limit;          /* setup_flood: packet-ins are not rate-limited */
static unsigned int budget_kib;     /* setup_budget: the worker's output budget */

static void setup(void)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    struct dpid_set aff = { 0, 0, NULL };
    struct worker_params params = WORKER_PARAMS_DEFAULT;
    if (no_rate_limit) {
        params.pktin_rate = params.pktin_burst = 1000000000;
    }
    if (budget_kib) {
        params.output_budget_kib = budget_kib;
    }

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

/* Every packet-in is answered: the output grows as fast as the input. */
static void setup_flood(void)
{
    no_rate_limit = true;
    setup();
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

/* Reads what the worker writes to 'fd' and calls 'on_msg' for each whole
 * message, until it returns true or after 'tries' attempts (1 ms apart
 * when nothing arrived).  Returns whether 'on_msg' said done. */
static bool read_messages(int fd, int tries, bool (*on_msg)(const uint8_t *msg, void *aux),
                          void *aux)
{
    struct vxbuf in = VXBUF_INITIALIZER;
    uint8_t buf[8192];
    bool done = false;

    for (int i = 0; i < tries && !done; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            vxbuf_put(&in, buf, (size_t)n);
        } else {
            usleep(1000);
        }
        int len;
        while (!done && (len = ofp_msg_frame(vxbuf_data(&in), in.size)) > 0) {
            done = on_msg(vxbuf_data(&in), aux);
            vxbuf_consume(&in, (size_t)len);
        }
    }
    vxbuf_uninit(&in);
    return done;
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

/* read_messages() callback: counts by type; done at the third MULTIPART_REQUEST. */
static bool count_type(const uint8_t *msg, void *seen_)
{
    uint64_t *seen = seen_;
    seen[msg[1] < VX_N_MSG_TYPES ? msg[1] : 0]++;
    return seen[OFPT_MULTIPART_REQUEST] >= 3;
}

/* #13 item 12: msgs_out counts what the worker wrote, by type.  Before the
 * fix every msgs_out counter stayed at zero.  The switch end reads what
 * arrived and the counters must agree with it. */
Test(worker_loop, msgs_out_counts_what_was_written, .init = setup, .fini = teardown)
{
    int sw = handoff(HV1);
    uint64_t seen[VX_N_MSG_TYPES] = { 0 };

    /* conn_start sends SET_CONFIG, SET_ASYNC and three multipart requests. */
    read_messages(sw, 2000, count_type, seen);
    cr_assert_eq(seen[OFPT_MULTIPART_REQUEST], 3);
    for (int t = 0; t < VX_N_MSG_TYPES; t++) {
        cr_assert_eq(ck_pr_load_64(&w.counters.msgs_out[t]), seen[t], "type %d", t);
    }
    close(sw);
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

/* --- #12: backpressure and fairness --- */

/* 'n' packet-ins of ARP requests from VM1 (hv1 port 1, 10.0.0.1) for
 * 10.0.0.2: each one is answered with a PACKET_OUT. */
static void arp_packet_ins(struct vxbuf *b, int n)
{
    static const uint8_t vm1[6] = { 0xda, 0x1d, 0x64, 0xe8, 0xe6, 0x86 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
    struct vxbuf f = VXBUF_INITIALIZER;

    pkt_put_arp(&f, bcast, false, 0, 1, vm1, 0x0a000001, zero, 0x0a000002);
    for (int i = 0; i < n; i++) {
        size_t start = ofp_msg_start(b, OFPT_PACKET_IN, (uint32_t)i, sizeof(struct ofp_packet_in));
        struct ofp_packet_in *pi = vxbuf_at(b, start);
        put_be32(pi->buffer_id, OFP_NO_BUFFER);
        put_be16(pi->total_len, (uint16_t)f.size);
        pi->reason = OFPR_ACTION;
        struct of_match m;
        of_match_init(&m);
        of_match_set(&m, OFF_IN_PORT, 1);
        of_match_put(b, &m);
        vxbuf_put_zeros(b, 2);
        vxbuf_put(b, vxbuf_data(&f), f.size);
        ofp_msg_finish(b, start);
    }
    vxbuf_uninit(&f);
}

/* Sends as much of 'b' as the socket takes now; returns how much. */
static size_t send_some(int fd, struct vxbuf *b)
{
    ssize_t n = send(fd, vxbuf_data(b), b->size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) {
        return 0;
    }
    vxbuf_consume(b, (size_t)n);
    return (size_t)n;
}

/* read_messages() callback: counts by type; done at 'want' PACKET_OUTs
 * and one ECHO_REPLY (seen[VX_N_MSG_TYPES] holds 'want'). */
static bool count_replies(const uint8_t *msg, void *seen_)
{
    uint64_t *seen = seen_;
    seen[msg[1] < VX_N_MSG_TYPES ? msg[1] : 0]++;
    return seen[OFPT_PACKET_OUT] >= seen[VX_N_MSG_TYPES] && seen[OFPT_ECHO_REPLY] >= 1;
}

/* msgs_out is added by runs of one type (worker.c count_output__); an
 * echo reply in the middle of packet-in replies ends a run.  The counters
 * must still agree, type by type, with what the switch end received. */
Test(worker_loop, msgs_out_counts_replies_in_runs, .init = setup_flood, .fini = teardown)
{
    int sw = handoff(HV1);
    uint64_t seen[VX_N_MSG_TYPES + 1] = { 0 };
    struct vxbuf b = VXBUF_INITIALIZER;

    arp_packet_ins(&b, 7);
    ofp_put_echo_request(&b, 99);
    arp_packet_ins(&b, 5);
    while (b.size) {
        if (!send_some(sw, &b)) {
            usleep(1000);
        }
    }
    seen[VX_N_MSG_TYPES] = 12;
    cr_assert(read_messages(sw, 5000, count_replies, seen), "12 PACKET_OUTs and an ECHO_REPLY");
    cr_assert_eq(seen[OFPT_PACKET_OUT], 12);
    for (int t = 0; t < VX_N_MSG_TYPES; t++) {
        cr_assert_eq(ck_pr_load_64(&w.counters.msgs_out[t]), seen[t], "type %d", t);
    }
    vxbuf_uninit(&b);
    close(sw);
}

/* The worker's view of bridge 'dpid'. */
static struct worker_bridge_state bridge_state(uint64_t dpid)
{
    struct worker_query *q = worker_query_new(0);
    struct worker_bridge_state st = { 0 };
    struct timespec deadline;

    cr_assert(worker_query_send(&w, q));
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    cr_assert(worker_query_wait(q, &deadline));
    for (size_t i = 0; i < q->n; i++) {
        if (q->bridges[i].dpid == dpid) {
            st = q->bridges[i];
        }
    }
    worker_query_unref(q);
    return st;
}

/* Floods 'sw' with packet-ins, never reading its replies, until the worker
 * stops reading it (the socket takes nothing for 50 tries in a row). */
static void flood_until_refused(int sw, struct vxbuf *pending)
{
    for (int idle = 0, rounds = 0; idle < 50 && rounds < 20000; rounds++) {
        if (pending->size < 65536) {
            arp_packet_ins(pending, 512);
        }
        idle = send_some(sw, pending) ? 0 : idle + 1;
        usleep(200);
    }
}

/* A switch whose output cannot drain is not read: its unsent output stays
 * near the watermark (not the 4 MiB it used to reach, times every
 * switch), and what it sends waits in its own socket. */
Test(worker_loop, connection_above_watermark_is_not_read, .init = setup_flood, .fini = teardown)
{
    int sw = handoff(HV1);
    struct vxbuf pending = VXBUF_INITIALIZER;

    flood_until_refused(sw, &pending);
    struct worker_bridge_state st = bridge_state(HV1);
    cr_assert(st.reading_paused, "paused with %zu bytes unsent", st.output_bytes);
    cr_assert_gt(st.output_bytes, CONN_OBUF_WATERMARK, "paused only above the watermark");
    cr_assert_leq(st.output_bytes, 512 * 1024,
                  "bounded by the watermark plus the replies to one read");
    cr_assert_geq(counter(VXC_conn_read_paused), 1);
    uint64_t rx = counter(VXC_rx_bytes);
    usleep(100 * 1000);
    cr_assert_eq(counter(VXC_rx_bytes), rx, "nothing read while paused");
    close(sw);
    vxbuf_uninit(&pending);
}

/* Over the worker's output budget, a switch with unsent output is not
 * read even below the watermark. */
static void setup_budget(void)
{
    budget_kib = 16;
    setup_flood();
}

Test(worker_loop, over_budget_stops_reading_below_the_watermark, .init = setup_budget,
     .fini = teardown)
{
    int sw = handoff(HV1);
    struct vxbuf pending = VXBUF_INITIALIZER;

    flood_until_refused(sw, &pending);
    struct worker_bridge_state st = bridge_state(HV1);
    cr_assert(st.reading_paused);
    cr_assert_lt(st.output_bytes, CONN_OBUF_WATERMARK, "paused by the budget, not the watermark");
    cr_assert_gt(st.output_bytes, 16 * 1024);
    cr_assert_geq(counter(VXC_output_over_budget), 1);
    close(sw);
    vxbuf_uninit(&pending);
}

/* Once its output drains, the switch is read again. */
Test(worker_loop, drained_connection_is_read_again, .init = setup_flood, .fini = teardown)
{
    int sw = handoff(HV1);
    struct vxbuf pending = VXBUF_INITIALIZER;
    uint8_t buf[65536];

    flood_until_refused(sw, &pending);
    cr_assert(bridge_state(HV1).reading_paused);
    uint64_t rx = counter(VXC_rx_bytes);
    /* The switch reads everything it was sent, and sends nothing more. */
    for (int i = 0; i < 5000; i++) {
        while (recv(sw, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
        if (counter(VXC_rx_bytes) > rx && !bridge_state(HV1).reading_paused) {
            break;
        }
        usleep(1000);
    }
    cr_assert_gt(counter(VXC_rx_bytes), rx, "what waited in the socket was read");
    for (int i = 0; i < 5000 && bridge_state(HV1).output_bytes; i++) {
        while (recv(sw, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
        usleep(1000);
    }
    struct worker_bridge_state st = bridge_state(HV1);
    cr_assert_not(st.reading_paused);
    cr_assert_eq(st.output_bytes, 0);
    close(sw);
    vxbuf_uninit(&pending);
}

/* Reads the replies of 'fd' until an ECHO_REPLY with 'xid' arrives.
 * Returns false if none did after 'tries' attempts. */
static bool is_echo_reply(const uint8_t *msg, void *xid)
{
    return msg[1] == OFPT_ECHO_REPLY && ofp_msg_xid(msg) == *(uint32_t *)xid;
}

static bool echo_reply_arrives(int fd, uint32_t xid, int tries)
{
    return read_messages(fd, tries, is_echo_reply, &xid);
}

/* One flooding switch does not starve another.  Before the worker starts,
 * hv1's socket is loaded with megabytes of packet-ins (its send buffer
 * enlarged) and hv2 sends one echo request.  The worker reads each
 * readable switch at most once per loop iteration, so hv2's echo is
 * answered while hv1 still has most of its backlog waiting (hv1 is also
 * paused soon: its tiny receive side makes its output pile up). */
static void setup_flood_unstarted(void)
{
    no_rate_limit = true;
    start_worker = false;
    setup();
}

Test(worker_loop, flooding_switch_does_not_starve_another, .init = setup_flood_unstarted,
     .fini = teardown)
{
    int sv[2], big = 4 << 20, small = 4096, outq = 0;
    struct vxbuf pending = VXBUF_INITIALIZER, echo = VXBUF_INITIALIZER;

    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    cr_assert_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big), 0);
    cr_assert_eq(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &small, sizeof small), 0);
    struct worker_handoff *h = xzalloc(sizeof *h);
    h->fd = sv[1];
    h->features.datapath_id = HV1;
    cr_assert(mailbox_send(&w.from_acceptor, h));
    int a = sv[0], b = handoff(0x4e7879903e4cULL);
    size_t queued = 0;
    for (int idle = 0; idle < 3;) {
        if (pending.size < 65536) {
            arp_packet_ins(&pending, 1024);
        }
        size_t n = send_some(a, &pending);
        queued += n;
        idle = n ? 0 : idle + 1;
    }
    cr_assert_gt(queued, 1u << 20, "megabytes of packet-ins wait for the worker");
    ofp_put_echo_request(&echo, 0xec40);
    size_t echo_size = echo.size;
    cr_assert_eq(send_some(b, &echo), echo_size);

    cr_assert(worker_start(&w));
    cr_assert(echo_reply_arrives(b, 0xec40, 5000), "hv2's echo request was answered");
    ioctl(a, SIOCOUTQ, &outq);
    cr_assert_gt(outq, (int)(queued / 2), "while most of hv1's backlog still waited (%d of %zu bytes)",
                 outq, queued);
    close(a);
    close(b);
    vxbuf_uninit(&pending);
    vxbuf_uninit(&echo);
}
