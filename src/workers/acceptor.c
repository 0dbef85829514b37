#include "workers/acceptor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ck_pr.h>
#include <urcu/list.h>

#include "core/log.h"
#include "core/timeval.h"
#include "proto/ofp_msgs.h"
#include "workers/tls.h"
#include "workers/worker.h"

#define VLOG_MODULE "acceptor"
#define HS_BUF_SIZE (OFP_MAX_MSG_SIZE + 1024)

enum hs_state { HS_TLS, HS_WAIT_HELLO, HS_WAIT_FEATURES };

struct pending {
    int fd;
    SSL *ssl;                   /* NULL: plain TCP */
    enum hs_state state;
    uint64_t deadline_ms;
    char peer[48];
    uint32_t features_xid;
    size_t n;                   /* bytes in buf */
    struct cds_list_head node;  /* in acceptor.pending */
    uint8_t buf[HS_BUF_SIZE];
};

bool acceptor_parse_listen(const char *s, char *ip, size_t ip_size, unsigned int *port)
{
    return acceptor_parse_scheme(s, "tcp", ip, ip_size, port);
}

bool acceptor_parse_scheme(const char *s, const char *scheme, char *ip, size_t ip_size,
                           unsigned int *port)
{
    const char *colon;
    char *end;
    struct in_addr a;
    size_t n = strlen(scheme);

    if (strncmp(s, scheme, n) || s[n] != ':') {
        return false;
    }
    s += n + 1;
    colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= ip_size || !colon[1]) {
        return false;
    }
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = '\0';
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || p > 65535 || inet_pton(AF_INET, ip, &a) != 1) {
        return false;
    }
    *port = (unsigned int)p;
    return true;
}

/* A non-blocking listening socket on 'addr' ("SCHEME:IP:PORT"), or -1
 * with a message in 'err' (naming the setting 'what'). */
static int listen_on__(const char *addr, const char *scheme, const char *what, char *err,
                       size_t err_size)
{
    char ip[64];
    unsigned int port;
    struct sockaddr_in sin = { .sin_family = AF_INET };
    int one = 1;

    if (!acceptor_parse_scheme(addr, scheme, ip, sizeof ip, &port)) {
        snprintf(err, err_size, "%s address '%s' is not %s:IPv4:PORT", what, addr, scheme);
        return -1;
    }
    inet_pton(AF_INET, ip, &sin.sin_addr);
    sin.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 4096)) {
        snprintf(err, err_size, "cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

bool acceptor_init(struct acceptor *a, const char *listen_s, unsigned int max_pending,
                   struct worker *workers, int n_workers, char *err, size_t err_size)
{
    memset(a, 0, sizeof *a);
    a->workers = workers;
    a->n_workers = n_workers;
    a->handshake_timeout_ms = 10000;
    a->max_pending = max_pending;
    CDS_INIT_LIST_HEAD(&a->pending);
    a->listen_fd = a->ssl_listen_fd = a->epfd = a->stop_efd = -1;
    if ((a->listen_fd = listen_on__(listen_s, "tcp", "listen", err, err_size)) < 0) {
        return false;
    }
    a->epfd = epoll_create1(EPOLL_CLOEXEC);
    a->stop_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->listen_fd, &ev);
    ev.data.ptr = &a->stop_efd;
    epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->stop_efd, &ev);
    return true;
}

static void pending_free__(struct acceptor *a, struct pending *p, bool close_fd)
{
    epoll_ctl(a->epfd, EPOLL_CTL_DEL, p->fd, NULL);
    if (close_fd) {
        tls_free(p->ssl);       /* its close_notify goes out on the fd: before close */
        close(p->fd);
    }
    cds_list_del(&p->node);
    a->n_pending--;
    free(p);
}

/* Closes a handshake, counting it under 'why'.  Log lines are rate-limited
 * per reason, so that a flood of one kind (a storm of clients giving up,
 * say) cannot hide a different kind of failure. */
static void refuse__(struct acceptor *a, struct pending *p, enum vx_counter_id why,
                     const char *reason)
{
    static struct vlog_rl limits[VXC_N];
    struct vlog_rl *rl = &limits[why];

    if (!rl->burst) {
        *rl = (struct vlog_rl) VLOG_RL_INIT(5, 1000);
    }
    counter_inc(&a->counters, why);
    vlog_rl(rl, VLL_WARN, VLOG_MODULE, "%s: handshake refused: %s", p->peer, reason);
    pending_free__(a, p, true);
}

/* Best-effort small write during the handshake (a few dozen bytes into an
 * empty socket buffer: it either fits whole or the peer is broken). */
static bool send_small__(const struct pending *p, const struct vxbuf *b)
{
    ssize_t n = p->ssl ? tls_write(p->ssl, vxbuf_data(b), b->size)
                       : write(p->fd, vxbuf_data(b), b->size);
    return n == (ssize_t)b->size;
}

/* Out of file descriptors (or socket memory): stop watching the listen
 * socket, which is level-triggered and would wake this thread in a busy
 * loop, and try again after a backoff that doubles up to 1 s.  Pending
 * connections wait in the kernel's backlog meanwhile. */
static void accept_pause__(struct acceptor *a, uint64_t now)
{
    counter_inc(&a->counters, VXC_accept_paused);
    a->accept_backoff_ms = a->accept_backoff_ms ? MIN(a->accept_backoff_ms * 2, 1000) : 10;
    a->accept_resume_ms = now + a->accept_backoff_ms;
    epoll_ctl(a->epfd, EPOLL_CTL_DEL, a->listen_fd, NULL);
    if (a->ssl_listen_fd >= 0) {
        epoll_ctl(a->epfd, EPOLL_CTL_DEL, a->ssl_listen_fd, NULL);
    }
    VLOG_RL(VLL_ERR, "accept: %s; not accepting for %u ms", strerror(errno),
            a->accept_backoff_ms);
}

static void accept_resume__(struct acceptor *a)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

    a->accept_resume_ms = 0;
    epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->listen_fd, &ev);
    if (a->ssl_listen_fd >= 0) {
        ev.data.ptr = &a->ssl_listen_fd;
        epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->ssl_listen_fd, &ev);
    }
}

/* Sends our HELLO (OF1.3.5 6.3.1) and waits for the peer's.  Returns
 * false if 'p' was freed. */
static bool send_hello__(struct acceptor *a, struct pending *p)
{
    struct vxbuf b = VXBUF_INITIALIZER;

    p->state = HS_WAIT_HELLO;
    ofp_put_hello(&b, 1);
    bool ok = send_small__(p, &b);
    vxbuf_uninit(&b);
    if (!ok) {
        refuse__(a, p, VXC_hs_protocol_error, "cannot send HELLO");
    }
    return ok;
}

/* Starts the handshake of new connection 'fd', over TLS if 'tls': the TLS
 * handshake first (tls_step__), then HELLO and FEATURES, all within
 * handshake_timeout_ms. */
static void handshake_start__(struct acceptor *a, int fd, const struct sockaddr_in *sin,
                              bool tls, uint64_t now)
{
    struct pending *p = xmalloc(sizeof *p);
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    p->fd = fd;
    p->ssl = NULL;
    p->state = HS_TLS;
    p->deadline_ms = now + a->handshake_timeout_ms;
    p->n = 0;
    snprintf(p->peer, sizeof p->peer, "%s%s:%u", tls ? "ssl:" : "", inet_ntoa(sin->sin_addr),
             ntohs(sin->sin_port));
    cds_list_add(&p->node, &a->pending);
    a->n_pending++;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
    epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev);
    if (tls && !(p->ssl = tls_new(a->tls, fd))) {
        refuse__(a, p, VXC_tls_failed, "cannot create a TLS session");
    } else if (!tls) {
        send_hello__(a, p);
    }
}

/* One step of the TLS handshake.  Returns false if 'p' was freed or must
 * wait for more I/O. */
static bool tls_step__(struct acceptor *a, struct pending *p)
{
    enum vx_counter_id why;
    char reason[256], subject[256];
    bool want_write;

    switch (tls_accept(p->ssl, &want_write, &why, reason, sizeof reason)) {
    case TLS_ACCEPT_AGAIN: {
        struct epoll_event ev = { .events = want_write ? EPOLLOUT : EPOLLIN, .data.ptr = p };
        epoll_ctl(a->epfd, EPOLL_CTL_MOD, p->fd, &ev);
        return false;
    }
    case TLS_ACCEPT_FAILED:
        refuse__(a, p, why, reason);
        return false;
    case TLS_ACCEPT_DONE:
        break;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = p };
    epoll_ctl(a->epfd, EPOLL_CTL_MOD, p->fd, &ev);
    counter_inc(&a->counters, VXC_tls_accepted);
    tls_peer_subject(p->ssl, subject, sizeof subject);
    VLOG_INFO("%s: TLS peer %s", p->peer, subject);
    return send_hello__(a, p);
}

/* Accepts every connection the backlog holds (a connect storm drains in
 * one wakeup).  Beyond max_pending handshakes in progress, a connection is
 * closed at once: each costs a 66 KiB buffer, and a flood of idle peers
 * must not take the memory of the switches. */
static void accept_all__(struct acceptor *a, int listen_fd, bool tls, uint64_t now)
{
    for (;;) {
        struct sockaddr_in sin;
        socklen_t len = sizeof sin;
        int fd = accept4(listen_fd, (struct sockaddr *)&sin, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                accept_pause__(a, now);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                VLOG_RL(VLL_ERR, "accept: %s", strerror(errno));
            }
            return;
        }
        a->accept_backoff_ms = 0;
        counter_inc(&a->counters, VXC_hs_accepted);
        if (a->n_pending >= a->max_pending) {
            counter_inc(&a->counters, VXC_hs_over_limit);
            VLOG_RL(VLL_WARN, "%s:%u: refused: %u handshakes already in progress (max_handshakes)",
                    inet_ntoa(sin.sin_addr), ntohs(sin.sin_port), a->n_pending);
            close(fd);
            continue;
        }
        handshake_start__(a, fd, &sin, tls, now);
    }
}

/* The peer's HELLO: negotiate the version, then ask for FEATURES.
 * Returns false if 'p' was freed. */
static bool hello__(struct acceptor *a, struct pending *p, const uint8_t *msg, size_t size)
{
    const struct ofp_header *oh = (const void *)msg;
    struct vxbuf b = VXBUF_INITIALIZER;
    char reason[96];
    uint8_t version;

    if (oh->type != OFPT_HELLO) {
        snprintf(reason, sizeof reason, "expected HELLO, got %s (type %u, version %#x)",
                 ofp_type_name(oh->type), oh->type, oh->version);
        refuse__(a, p, VXC_hs_protocol_error, reason);
        return false;
    }
    enum ofperr err = ofp_decode_hello(msg, size, &version);
    if (err) {
        /* OF1.3.5 6.3.1: tell the peer why before closing. */
        ofp_put_error(&b, err, msg, size);
        send_small__(p, &b);
        vxbuf_uninit(&b);
        snprintf(reason, sizeof reason, "%s (peer HELLO version %#x)",
                 err == OFPERR_HELLO_INCOMPATIBLE ? "no common OpenFlow version"
                 : "malformed HELLO", oh->version);
        refuse__(a, p, err == OFPERR_HELLO_INCOMPATIBLE ? VXC_hs_incompatible
                                                        : VXC_hs_protocol_error, reason);
        return false;
    }
    p->state = HS_WAIT_FEATURES;
    p->features_xid = 2;
    ofp_put_features_request(&b, p->features_xid);
    bool ok = send_small__(p, &b);
    vxbuf_uninit(&b);
    if (!ok) {
        refuse__(a, p, VXC_hs_protocol_error, "cannot send FEATURES_REQUEST");
    }
    return ok;
}

/* The FEATURES_REPLY to our request: hands the connection, with whatever
 * followed the reply in the buffer, to the worker owning its datapath's
 * shard.  Frees 'p' either way. */
static void features__(struct acceptor *a, struct pending *p, const uint8_t *msg, size_t size)
{
    const struct ofp_header *oh = (const void *)msg;
    struct of_features f;

    if (ofp_msg_xid(oh) != p->features_xid) {
        refuse__(a, p, VXC_hs_protocol_error, "FEATURES_REPLY answers no request of ours (xid)");
        return;
    }
    ofp_decode_features_reply(msg, size, &f);
    if (f.auxiliary_id) {
        refuse__(a, p, VXC_hs_protocol_error, "auxiliary connections are not supported");
        return;
    }
    size_t consumed = (size_t)(msg + size - p->buf);
    size_t rest = p->n - consumed;
    struct worker_handoff *h = xmalloc(sizeof *h + rest);
    h->fd = p->fd;
    h->ssl = p->ssl;            /* the worker owns it from now on */
    h->features = f;
    snprintf(h->peer, sizeof h->peer, "%s", p->peer);
    h->n_leftover = rest;
    memcpy(h->leftover, p->buf + consumed, rest);
    struct worker *w = &a->workers[worker_for_dpid(f.datapath_id, a->n_workers)];
    pending_free__(a, p, false);
    if (!mailbox_send(&w->from_acceptor, h)) {
        VLOG_RL(VLL_ERR, "worker %d mailbox full; dropping connection", w->index);
        tls_free(h->ssl);
        close(h->fd);
        free(h);
        return;
    }
    counter_inc(&a->counters, VXC_hs_completed);
}

/* Handles one complete message.  Returns false if 'p' was freed. */
static bool handshake_msg__(struct acceptor *a, struct pending *p, const uint8_t *msg,
                            size_t size)
{
    const struct ofp_header *oh = (const void *)msg;
    struct vxbuf b = VXBUF_INITIALIZER;
    char reason[96];

    if (p->state == HS_WAIT_HELLO) {
        return hello__(a, p, msg, size);
    }
    enum ofperr err = ofp_msg_validate(oh, size, OFP13_VERSION);
    if (err) {
        snprintf(reason, sizeof reason, "%s in %s during handshake",
                 ofperr_to_string(err), ofp_type_name(oh->type));
        refuse__(a, p, VXC_hs_protocol_error, reason);
        return false;
    }
    if (oh->type == OFPT_ECHO_REQUEST) {
        ofp_put_echo_reply(&b, msg, size);
        send_small__(p, &b);
        vxbuf_uninit(&b);
        return true;
    }
    if (oh->type != OFPT_FEATURES_REPLY) {
        return true;            /* e.g. an early PORT_STATUS: harmless */
    }
    features__(a, p, msg, size);
    return false;
}

/* Returns false if 'p' was freed or nothing more is to be read now. */
static bool handshake_read_once__(struct acceptor *a, struct pending *p)
{
    ssize_t n = p->ssl ? tls_read(p->ssl, p->buf + p->n, sizeof p->buf - p->n)
                       : read(p->fd, p->buf + p->n, sizeof p->buf - p->n);

    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return false;
        }
        refuse__(a, p, VXC_hs_peer_closed,
                 n ? strerror(errno) : "connection closed during handshake");
        return false;
    }
    p->n += (size_t)n;
    /* Judge the first header as soon as it is here: a peer that does not
     * open with HELLO (OF1.3.5 6.3.1) is not a switch, and waiting for the
     * body its garbage "length" announces would only waste the timeout. */
    if (p->state == HS_WAIT_HELLO && p->n >= OFP_HEADER_SIZE && p->buf[1] != OFPT_HELLO) {
        char reason[96];
        snprintf(reason, sizeof reason,
                 "garbage: first message is not HELLO (bytes %02x %02x %02x %02x)",
                 p->buf[0], p->buf[1], p->buf[2], p->buf[3]);
        refuse__(a, p, VXC_hs_protocol_error, reason);
        return false;
    }
    size_t ofs = 0;
    for (;;) {
        int len = ofp_msg_frame(p->buf + ofs, p->n - ofs);
        if (len < 0) {
            refuse__(a, p, VXC_hs_protocol_error, "garbage: message length below 8");
            return false;
        }
        if (!len) {
            break;
        }
        /* The buffer can hold any single message, so a complete message is
         * always whole here; move the remainder down after each. */
        if (!handshake_msg__(a, p, p->buf + ofs, (size_t)len)) {
            return false;
        }
        ofs += (size_t)len;
    }
    memmove(p->buf, p->buf + ofs, p->n - ofs);
    p->n -= ofs;
    return true;
}

/* Reads what the peer sent, and what OpenSSL still holds decrypted. */
static void handshake_read__(struct acceptor *a, struct pending *p)
{
    if (p->state == HS_TLS && !tls_step__(a, p)) {
        return;
    }
    do {
        if (!handshake_read_once__(a, p)) {
            return;
        }
    } while (p->ssl && tls_pending(p->ssl) && p->n < sizeof p->buf);
}


static void *acceptor_main__(void *a_)
{
    struct acceptor *a = a_;
    struct epoll_event events[256];
    bool stop = false;

    pthread_setname_np(pthread_self(), "vx-acceptor");
    while (!stop) {
        int n = epoll_wait(a->epfd, events, 256, a->accept_resume_ms ? 10 : 500);
        uint64_t now = time_msec();
        struct tls_ctx *reloaded = ck_pr_fas_ptr(&a->next_tls, NULL);
        if (reloaded) {
            tls_ctx_free(a->tls);       /* live sessions keep their own reference */
            a->tls = reloaded;
            VLOG_INFO("TLS key and certificates reloaded");
        }
        if (a->accept_resume_ms && now >= a->accept_resume_ms) {
            accept_resume__(a);
        }
        for (int i = 0; i < n; i++) {
            void *ptr = events[i].data.ptr;
            if (!ptr) {
                accept_all__(a, a->listen_fd, false, now);
            } else if (ptr == &a->ssl_listen_fd) {
                accept_all__(a, a->ssl_listen_fd, true, now);
            } else if (ptr == &a->stop_efd) {
                stop = true;
            } else {
                handshake_read__(a, ptr);
            }
        }
        struct pending *p, *next;
        cds_list_for_each_entry_safe(p, next, &a->pending, node) {
            if (now >= p->deadline_ms) {
                char reason[96];
                snprintf(reason, sizeof reason, "handshake not completed in %u ms (%s)",
                         a->handshake_timeout_ms,
                         p->state == HS_TLS ? "TLS handshake unfinished"
                         : p->state == HS_WAIT_HELLO ? "no HELLO" : "no FEATURES_REPLY");
                refuse__(a, p, VXC_hs_timeout, reason);
            }
        }
    }
    struct pending *p, *next;
    cds_list_for_each_entry_safe(p, next, &a->pending, node) {
        pending_free__(a, p, true);
    }
    return NULL;
}

bool acceptor_add_tls(struct acceptor *a, const char *ssl_listen, struct tls_ctx *tls,
                      char *err, size_t err_size)
{
    int fd = listen_on__(ssl_listen, "ssl", "ssl_listen", err, err_size);

    if (fd < 0) {
        return false;
    }
    a->ssl_listen_fd = fd;
    a->tls = tls;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &a->ssl_listen_fd };
    epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev);
    return true;
}

void acceptor_set_tls(struct acceptor *a, struct tls_ctx *tls)
{
    tls_ctx_free(ck_pr_fas_ptr(&a->next_tls, tls));    /* one not yet taken */
}

bool acceptor_start(struct acceptor *a)
{
    return !pthread_create(&a->thread, NULL, acceptor_main__, a);
}

void acceptor_stop(struct acceptor *a)
{
    uint64_t one = 1;
    ssize_t w = write(a->stop_efd, &one, sizeof one);
    (void)w;
    pthread_join(a->thread, NULL);
    close(a->listen_fd);
    if (a->ssl_listen_fd >= 0) {
        close(a->ssl_listen_fd);
    }
    tls_ctx_free(a->tls);
    tls_ctx_free(a->next_tls);
    close(a->epfd);
    close(a->stop_efd);
}
