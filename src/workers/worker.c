#include "workers/worker.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "core/log.h"
#include "core/timeval.h"
#include "workers/acceptor.h"
#include "workers/conn.h"
#include "workers/gateway.h"
#include "workers/role.h"

#define VLOG_MODULE "worker"
#define TICK_MS 100
#define MAX_EVENTS 256

bool worker_init(struct worker *w, int index, const struct worker_params *params)
{
    memset(w, 0, sizeof *w);
    w->index = index;
    w->params = *params;
    CDS_INIT_LIST_HEAD(&w->conns);
    CDS_INIT_LIST_HEAD(&w->flush_list);
    pktcache_init(&w->cache);
    vxbuf_init(&w->rscratch, 2 * CONN_RBUF_SIZE);
    vxbuf_init(&w->wscratch, 2 * CONN_RBUF_SIZE);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0 || !mailbox_init(&w->from_acceptor, 4096)
        || !mailbox_init(&w->from_main, 256) || !mailbox_init(&w->to_main, 1024)) {
        return false;
    }
    struct epoll_event ev = { .events = EPOLLIN };
    ev.data.ptr = &w->from_acceptor;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->from_acceptor.efd, &ev);
    ev.data.ptr = &w->from_main;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->from_main.efd, &ev);
    return true;
}

void conn_want_flush(struct conn *c)
{
    if (!c->flush_pending) {
        c->flush_pending = true;
        cds_list_add_tail(&c->flush_node, &c->worker->flush_list);
    }
}

static void update_epoll__(struct conn *c)
{
    struct epoll_event ev = { .events = (c->paused ? 0 : EPOLLIN) | (c->epollout ? EPOLLOUT : 0) };
    ev.data.ptr = c;
    epoll_ctl(c->worker->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Counts the messages appended since the last scan, by type.  Every
 * append to 'obuf' is a whole message, so the bytes past 'obuf_counted'
 * start on a message boundary.  A run of one type (hundreds of
 * PACKET_OUTs) is counted in a register and added once: incrementing the
 * counter in memory per message chains every message on the last store. */
static void count_output__(struct conn *c)
{
    struct vx_counters *cs = &c->worker->counters;
    size_t ofs = c->obuf_counted;
    uint8_t type = 0;
    uint64_t run = 0;

    while (ofs + OFP_HEADER_SIZE <= c->obuf.size) {
        const uint8_t *p = vxbuf_at(&c->obuf, ofs);
        uint8_t t = p[1] < VX_N_MSG_TYPES ? p[1] : 0;
        if (t != type && run) {
            counter_msg_add(&cs->msgs_out[type], run);
            run = 0;
        }
        type = t;
        run++;
        ofs += get_be16(p + 2);
    }
    if (run) {
        counter_msg_add(&cs->msgs_out[type], run);
    }
    c->obuf_counted = c->obuf.size;
}

/* Keeps worker->obuf_bytes, the sum of the connections' unsent output,
 * up to date with 'c''s. */
static void account_output__(struct conn *c)
{
    struct worker *w = c->worker;

    w->obuf_bytes += c->obuf.size;
    w->obuf_bytes -= c->obuf_accounted;
    c->obuf_accounted = c->obuf.size;
}

/* The backpressure rule (conn.h): 'c' is read only while its unsent output
 * is under the watermark and, when the worker is over its output budget,
 * only if it has nothing unsent.  Writes are wanted while output remains. */
static void update_reading__(struct conn *c)
{
    bool want_out = c->obuf.size > 0;
    bool pause = c->obuf.size > CONN_OBUF_WATERMARK || (c->worker->over_budget && c->obuf.size);

    if (want_out != c->epollout || pause != c->paused) {
        if (pause && !c->paused) {
            counter_inc(&c->worker->counters, VXC_conn_read_paused);
        }
        /* Resumed with decrypted input OpenSSL holds: epoll will not say
         * so, the next iteration must read it. */
        c->worker->tls_more |= !pause && c->paused && c->tls_more;
        c->epollout = want_out;
        c->paused = pause;
        update_epoll__(c);
    }
}

/* After a loop iteration's writes: whether the worker is over its output
 * budget now; when that changes, every connection's reading is decided
 * again (O(connections), only on the change). */
static void update_budget__(struct worker *w)
{
    bool over = w->obuf_bytes > (size_t)w->params.output_budget_kib * 1024;

    if (over != w->over_budget) {
        w->over_budget = over;
        if (over) {
            counter_inc(&w->counters, VXC_output_over_budget);
        }
        struct conn *c;
        cds_list_for_each_entry(c, &w->conns, node) {
            if (!c->close_reason) {
                update_reading__(c);
            }
        }
    }
}

static void conn_flush__(struct conn *c)
{
    struct vx_counters *cs = &c->worker->counters;

    count_output__(c);
    while (c->obuf.size) {
        ssize_t n = c->ssl ? tls_write(c->ssl, vxbuf_data(&c->obuf), c->obuf.size)
                           : write(c->fd, vxbuf_data(&c->obuf), c->obuf.size);
        counter_inc(cs, VXC_tx_syscalls);
        if (n > 0) {
            counter_add(cs, VXC_tx_bytes, (uint64_t)n);
            vxbuf_consume(&c->obuf, (size_t)n);
            c->obuf_counted -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        counter_inc(cs, VXC_conn_io_error);
        conn_close_soon(c, "write error");
        return;
    }
    if (c->obuf.size > CONN_OBUF_MAX) {
        counter_inc(cs, VXC_conn_obuf_overflow);
        conn_close_soon(c, "output buffer limit reached (peer not reading)");
    }
    if (!c->obuf.size) {
        vxbuf_shrink(&c->obuf, CONN_OBUF_KEEP);
    }
    account_output__(c);
    update_reading__(c);
}

/* Writes 'c''s output; once it drained, lets a paced flow push continue
 * (which queues the connection again only if it wrote more). */
static void flush_and_pace__(struct conn *c)
{
    conn_flush__(c);
    if (c->flows.state == FLOWDIFF_PUSHING && c->obuf.size < FLOWDIFF_OBUF_HIGH
        && c->flows.n_sent < c->flows.op_flows.n
        && c->flows.n_batches < FLOWDIFF_MAX_INFLIGHT) {
        flowdiff_run(c, c->worker->now_ms);
    }
}

static void conn_destroy__(struct worker *w, struct conn *c)
{
    if (c->flush_pending) {
        cds_list_del(&c->flush_node);
    }
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    tls_free(c->ssl);
    close(c->fd);
    w->obuf_bytes -= c->obuf_accounted;
    cds_list_del(&c->node);
    w->n_conns--;
    flowdiff_destroy(&c->flows);
    vxbuf_uninit(&c->rbuf);
    vxbuf_uninit(&c->obuf);
    free(c->ports);
    free(c);
}

static void conn_close__(struct worker *w, struct conn *c)
{
    counter_inc(&w->counters, VXC_conn_closed);
    VLOG_RL(VLL_INFO, "%s: disconnected: %s (up %llu ms, %zu bytes unread, %zu unsent)",
            c->name, c->close_reason, (unsigned long long)(w->now_ms - c->connected_ms),
            c->rbuf.size, c->obuf.size);
    conn_destroy__(w, c);
}

/* Processes 'in' (the worker's scratch buffer holding the connection's
 * input) as the connection's input, then keeps what is left, less than
 * one message, in the connection's own buffer; gives back a large one. */
static void process_scratch__(struct conn *c, struct vxbuf *in)
{
    struct vxbuf own = c->rbuf;

    vxbuf_clear(&own);
    c->rbuf = *in;
    conn_process_input(c, c->worker->now_ms);
    *in = c->rbuf;
    c->rbuf = own;
    vxbuf_put(&c->rbuf, vxbuf_data(in), in->size);
    if (!c->rbuf.size && c->rbuf.cap > CONN_RBUF_KEPT) {
        vxbuf_shrink(&c->rbuf, CONN_RBUF_KEPT);
    }
}

/* Processes 'in' like process_scratch__() for 'c', which has no unsent
 * output, with its replies appended to the worker's write scratch buffer
 * and written at once, while they are in the CPU cache: the baseline's
 * read, answer, write.  Only what the socket did not take is copied to
 * the connection's own output buffer.  (With 1,000 switches, an output
 * buffer each written later in the iteration cycles 64 MiB through the
 * caches.) */
static void reply_from_scratch__(struct conn *c, struct vxbuf *in)
{
    struct vxbuf own = c->obuf;

    c->obuf = c->worker->wscratch;
    process_scratch__(c, in);
    flowdiff_run(c, c->worker->now_ms);
    if (!c->close_reason) {
        if (c->flush_pending) {
            cds_list_del(&c->flush_node);
            c->flush_pending = false;
        }
        flush_and_pace__(c);
    }
    c->worker->wscratch = c->obuf;
    c->obuf = own;
    vxbuf_put(&c->obuf, vxbuf_data(&c->worker->wscratch), c->worker->wscratch.size);
    vxbuf_clear(&c->worker->wscratch);
}

/* One read, into the worker's scratch buffer after the bytes of an
 * incomplete message the connection kept: one buffer for all the
 * worker's connections stays in the CPU cache, where a buffer per
 * connection (1,000 x 64 KiB) would not, and a connection keeps only its
 * incomplete message (at most one OpenFlow message: bounded). */
static void conn_read__(struct conn *c)
{
    struct vx_counters *cs = &c->worker->counters;
    struct vxbuf *in = &c->worker->rscratch;

    vxbuf_clear(in);
    vxbuf_put(in, vxbuf_data(&c->rbuf), c->rbuf.size);
    vxbuf_reserve(in, CONN_RBUF_SIZE);
    ssize_t n = c->ssl ? tls_read(c->ssl, vxbuf_tail(in), CONN_RBUF_SIZE)
                       : read(c->fd, vxbuf_tail(in), CONN_RBUF_SIZE);
    counter_inc(cs, VXC_rx_syscalls);
    if (n > 0) {
        counter_add(cs, VXC_rx_bytes, (uint64_t)n);
        in->size += (size_t)n;
        if (c->obuf.size) {
            process_scratch__(c, in);
            flowdiff_run(c, c->worker->now_ms);
        } else {
            reply_from_scratch__(c, in);
        }
        /* Decrypted input epoll cannot see: read_tls_more__ reads it again. */
        c->tls_more = c->ssl && tls_pending(c->ssl);
        c->worker->tls_more |= c->tls_more;
    } else if (n == 0) {
        counter_inc(cs, VXC_conn_io_error);
        conn_close_soon(c, "connection closed by peer");
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        counter_inc(cs, VXC_conn_io_error);
        conn_close_soon(c, strerror(errno));
    }
}

/* The TLS connections whose input OpenSSL holds decrypted: one more read
 * each (O(connections), only in an iteration that follows one such). */
static void read_tls_more__(struct worker *w)
{
    struct conn *c;

    w->tls_more = false;
    cds_list_for_each_entry(c, &w->conns, node) {
        if (c->tls_more && !c->paused && !c->close_reason) {
            conn_read__(c);
        }
    }
}

static void adopt__(struct worker *w, struct worker_handoff *h)
{
    /* A datapath that reconnects replaces its old connection.  The old one
     * is only marked here: this runs in the middle of an epoll batch that
     * may still hold its events, so it is destroyed with the other closes
     * at the end of the iteration (its events are skipped meanwhile). */
    struct conn *old;
    cds_list_for_each_entry(old, &w->conns, node) {
        if (old->dpid == h->features.datapath_id && !old->close_reason) {
            counter_inc(&w->counters, VXC_conn_replaced);
            conn_close_soon(old, "replaced by a new connection from the same datapath");
            break;
        }
    }
    struct conn *c = xzalloc(sizeof *c);
    c->worker = w;
    c->port_epoch = ++w->port_epochs;
    c->fd = h->fd;
    c->ssl = h->ssl;
    c->tls_more = c->ssl && tls_pending(c->ssl);
    w->tls_more |= c->tls_more;
    c->dpid = h->features.datapath_id;
    c->features = h->features;
    c->next_xid = 0x1000;
    snprintf(c->name, sizeof c->name, "dpid %#"PRIx64, c->dpid);
    vxbuf_init(&c->rbuf, CONN_RBUF_KEPT);
    vxbuf_init(&c->obuf, 64 * 1024);
    vxbuf_put(&c->rbuf, h->leftover, h->n_leftover);
    flowdiff_init(&c->flows);
    cds_list_add(&c->node, &w->conns);
    w->n_conns++;

    struct epoll_event ev = { .events = EPOLLIN };
    ev.data.ptr = c;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
    counter_inc(&w->counters, VXC_conn_accepted);
    VLOG_INFO("%s: connected from %s (worker %d, %u tables)", c->name, h->peer,
              w->index, h->features.n_tables);
    conn_start(c, w->now_ms);
    role_sync(c);               /* HA: the role before anything is programmed */
    conn_process_input(c, w->now_ms);
    free(h);
}

static void dump_flows__(struct worker *w, const char *dir)
{
    struct conn *c;
    cds_list_for_each_entry(c, &w->conns, node) {
        char path[512], tmp[520];
        snprintf(path, sizeof path, "%s/flows-%016"PRIx64".txt", dir, c->dpid);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f) {
            VLOG_RL(VLL_WARN, "cannot write %s: %s", tmp, strerror(errno));
            continue;
        }
        flowdiff_dump(c, f);
        fclose(f);
        rename(tmp, path);
    }
}

/* The tracer's view of connection 'c': its ports and its flows. */
static void copy_tables__(const struct conn *c, struct worker_query *q)
{
    q->found = true;
    q->n_ports = c->n_ports;
    q->ports = c->n_ports ? xmemdup(c->ports, c->n_ports * sizeof *c->ports) : NULL;
    for (size_t k = 0; k < c->flows.installed.n; k++) {
        flow_set_add_copy(&q->installed, &c->flows.installed, &c->flows.installed.flows[k]);
    }
    for (size_t k = 0; k < c->flows.rejected.n; k++) {
        flow_set_add_copy(&q->rejected, &c->flows.rejected, &c->flows.rejected.flows[k]);
    }
}

static void answer_query__(struct worker *w, struct worker_query *q)
{
    static const char *const states[] = { "sync", "idle", "pushing" };
    size_t i = 0;

    q->bridges = xcalloc(w->n_conns + 1, sizeof *q->bridges);
    struct conn *c;
    cds_list_for_each_entry(c, &w->conns, node) {
        struct flowdiff *fd = &c->flows;
        q->bridges[i++] = (struct worker_bridge_state) {
            .dpid = c->dpid,
            .worker = w->index,
            .state = states[fd->state],
            .installed = fd->installed.n,
            .desired = fd->n_desired,
            .pending = fd->state == FLOWDIFF_PUSHING ? fd->op_flows.n - fd->n_sent : 0,
            .failed = fd->n_failed,
            .flow_mods = fd->flow_mods_total,
            .connected_ms = c->connected_ms,
            .output_bytes = c->obuf.size,
            .reading_paused = c->paused,
            .role = role_name(c),
        };
        if (c->dpid == q->flows_dpid && q->want_tables) {
            copy_tables__(c, q);
        } else if (c->dpid == q->flows_dpid) {
            char *text = NULL;
            size_t size = 0;
            FILE *f = open_memstream(&text, &size);
            flowdiff_dump(c, f);
            fclose(f);
            q->flows = text;
        }
    }
    q->n = i;
    sem_post(&q->done);
    worker_query_unref(q);
}

struct worker_query *worker_query_new(uint64_t flows_dpid)
{
    struct worker_query *q = xzalloc(sizeof *q);
    q->refs = 1;
    q->flows_dpid = flows_dpid;
    flow_set_init(&q->installed);
    flow_set_init(&q->rejected);
    sem_init(&q->done, 0, 0);
    return q;
}

bool worker_query_send(struct worker *w, struct worker_query *q)
{
    struct worker_mail *m = xzalloc(sizeof *m);

    m->type = WORKER_MAIL_QUERY;
    m->query = q;
    ck_pr_inc_int(&q->refs);
    if (!mailbox_send(&w->from_main, m)) {
        ck_pr_dec_int(&q->refs);
        free(m);
        return false;
    }
    return true;
}

bool worker_query_wait(struct worker_query *q, const struct timespec *deadline)
{
    int r;

    while ((r = sem_timedwait(&q->done, deadline)) && errno == EINTR) {
    }
    return !r;
}

void worker_query_unref(struct worker_query *q)
{
    bool zero;

    ck_pr_dec_int_zero(&q->refs, &zero);
    if (zero) {
        free(q->bridges);
        free(q->flows);
        free(q->ports);
        flow_set_destroy(&q->installed);
        flow_set_destroy(&q->rejected);
        sem_destroy(&q->done);
        free(q);
    }
}

static void drain_mail__(struct worker *w)
{
    struct worker_handoff *h;
    struct worker_mail *m;

    mailbox_ack(&w->from_acceptor);
    while ((h = mailbox_recv(&w->from_acceptor))) {
        adopt__(w, h);
    }
    mailbox_ack(&w->from_main);
    while ((m = mailbox_recv(&w->from_main))) {
        switch (m->type) {
        case WORKER_MAIL_MODEL_CHANGED: {
            struct conn *c;
            cds_list_for_each_entry(c, &w->conns, node) {
                if (dpid_set_contains(&m->dpids, c->dpid)) {
                    flowdiff_mark_dirty(c);
                    flowdiff_run(c, w->now_ms);
                }
            }
            break;
        }
        case WORKER_MAIL_DUMP:
            dump_flows__(w, m->dir);
            break;
        case WORKER_MAIL_QUERY:
            answer_query__(w, m->query);
            break;
        case WORKER_MAIL_PARAMS:
            w->params = m->params;
            break;
        case WORKER_MAIL_STOP:
            w->stop = true;
            break;
        }
        dpid_set_clear(&m->dpids);
        free(m);
    }
}

/* Keepalive (OF1.3.5 6.3.2): an echo request after one quiet interval; a
 * switch silent for three intervals is dead. */
static void tick__(struct worker *w)
{
    uint64_t interval = w->params.echo_interval_ms;

    struct conn *c;
    cds_list_for_each_entry(c, &w->conns, node) {
        uint64_t quiet = w->now_ms - c->last_rx_ms;
        if (c->ports_unreported) {
            conn_report_ports(c);
        }
        if (quiet >= 3 * interval) {
            if (c->paused) {
                counter_inc(&w->counters, VXC_conn_obuf_overflow);
                conn_close_soon(c, "peer stopped reading (output buffer full)");
            } else if (c->rbuf.size) {
                counter_inc(&w->counters, VXC_conn_echo_timeout);
                conn_close_soon(c, "stalled in the middle of a message");
            } else {
                counter_inc(&w->counters, VXC_conn_echo_timeout);
                conn_close_soon(c, "no reply to echo requests");
            }
        } else if (quiet >= interval && !c->echo_sent_ms) {
            c->echo_sent_ms = w->now_ms;
            ofp_put_echo_request(&c->obuf, conn_xid(c));
            counter_inc(&w->counters, VXC_echo_requests);
            conn_want_flush(c);
        }
        role_sync(c);
        gateway_tick(c);
        flowdiff_run(c, w->now_ms);
    }
}

static void *worker_main__(void *w_)
{
    struct worker *w = w_;
    struct epoll_event events[MAX_EVENTS];
    uint64_t next_tick = 0;
    char name[16];

    snprintf(name, sizeof name, "vx-worker%d", w->index);
    pthread_setname_np(pthread_self(), name);
    rcu_register_thread();
    while (!w->stop) {
        model_offline();
        int n = epoll_wait(w->epfd, events, MAX_EVENTS, w->tls_more ? 0 : TICK_MS);
        model_online();
        w->now_ms = time_msec();

        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &w->from_acceptor || p == &w->from_main) {
                drain_mail__(w);
                continue;
            }
            struct conn *c = p;
            if (c->close_reason) {
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                conn_want_flush(c);
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                conn_read__(c);
            }
        }
        if (w->tls_more) {
            read_tls_more__(w);
        }
        if (w->now_ms >= next_tick) {
            tick__(w);
            next_tick = w->now_ms + TICK_MS;
        }

        /* One batched write per connection per iteration. */
        while (!cds_list_empty(&w->flush_list)) {
            struct conn *c = cds_list_first_entry(&w->flush_list, struct conn, flush_node);
            cds_list_del(&c->flush_node);
            c->flush_pending = false;
            if (!c->close_reason) {
                flush_and_pace__(c);
            }
        }
        update_budget__(w);
        struct conn *c, *next;
        cds_list_for_each_entry_safe(c, next, &w->conns, node) {
            if (c->close_reason) {
                conn_close__(w, c);
            }
        }
        model_quiescent();
    }
    struct conn *c, *next;
    cds_list_for_each_entry_safe(c, next, &w->conns, node) {
        conn_close_soon(c, "shutting down");
        conn_destroy__(w, c);
    }
    rcu_unregister_thread();
    return NULL;
}

void workers_write_prometheus(FILE *f, const struct acceptor *acc, struct worker *workers, int n)
{
    struct vx_counters **sets = xcalloc((size_t)n + 1, sizeof *sets);

    sets[0] = (struct vx_counters *)&acc->counters;
    for (int i = 0; i < n; i++) {
        sets[i + 1] = &workers[i].counters;
    }
    fprintf(f, "# worker=\"0\" is the acceptor; workers are numbered from 1\n");
    counters_write_prometheus(f, sets, n + 1, ofp_type_name);
    free(sets);
}

bool worker_start(struct worker *w)
{
    return !pthread_create(&w->thread, NULL, worker_main__, w);
}

void worker_join(struct worker *w)
{
    struct worker_handoff *h;
    struct worker_mail *m;

    pthread_join(w->thread, NULL);
    while ((h = mailbox_recv(&w->from_acceptor))) {
        close(h->fd);
        free(h);
    }
    while ((m = mailbox_recv(&w->from_main))) {
        dpid_set_clear(&m->dpids);
        free(m);
    }
    mailbox_destroy(&w->from_acceptor);
    mailbox_destroy(&w->from_main);
    pktcache_uninit(&w->cache);
    vxbuf_uninit(&w->rscratch);
    vxbuf_uninit(&w->wscratch);
    struct worker_report *r;
    while ((r = mailbox_recv(&w->to_main))) {
        free(r->ports);
        free(r);
    }
    mailbox_destroy(&w->to_main);
    close(w->epfd);
}
