/* The acceptor thread: accepts switch connections, negotiates the OpenFlow
 * version (HELLO, OF1.3.5 6.3.1), learns the datapath-id (FEATURES) and
 * hands each connection to the worker that owns that datapath's shard.
 *
 * It accepts every pending connection per wakeup (accept4 until EAGAIN),
 * so a storm of simultaneous connects is drained, and it abandons any
 * handshake that is malformed or not done within the timeout. */
#ifndef VX_ACCEPTOR_H
#define VX_ACCEPTOR_H 1

#include <pthread.h>
#include <stdbool.h>

#include <urcu/list.h>

#include "core/counters.h"

struct worker;

struct tls_ctx;

struct acceptor {
    struct vx_counters counters;
    int listen_fd;
    int ssl_listen_fd;              /* -1: no TLS listener */
    struct tls_ctx *tls;            /* the acceptor thread's */
    struct tls_ctx *next_tls;       /* from acceptor_set_tls(), taken by the thread */
    int epfd;
    int stop_efd;               /* eventfd: written to stop the thread */
    pthread_t thread;
    struct worker *workers;
    int n_workers;
    unsigned int handshake_timeout_ms;
    struct cds_list_head pending;   /* struct pending: handshakes in progress */
    unsigned int n_pending;
    unsigned int max_pending;       /* beyond: refused at once */
    unsigned int accept_backoff_ms; /* after EMFILE/ENFILE; 0: none */
    uint64_t accept_resume_ms;      /* when to watch the listen socket again; 0: watching */
};

/* Parses "tcp:IP:PORT" or, with 'scheme' "ssl", "ssl:IP:PORT" (IPv4).
 * Returns false if malformed. */
bool acceptor_parse_scheme(const char *, const char *scheme, char *ip, size_t ip_size,
                           unsigned int *port);
/* Parses "tcp:IP:PORT" (IPv4).  Returns false if malformed. */
bool acceptor_parse_listen(const char *, char *ip, size_t ip_size, unsigned int *port);

/* Binds and listens on 'listen' ("tcp:IP:PORT"), with at most
 * 'max_pending' handshakes in progress at once.  On failure writes a
 * message into 'err' and returns false.  Main thread, before
 * acceptor_start(); the acceptor thread owns the struct until
 * acceptor_stop() returns, except its counters, which any thread reads. */
bool acceptor_init(struct acceptor *, const char *listen, unsigned int max_pending,
                   struct worker *workers, int n_workers, char *err, size_t err_size);
/* Adds a TLS listener on 'ssl_listen' ("ssl:IP:PORT"), whose peers are
 * authenticated with 'tls' (owned by the acceptor from now on).  Main
 * thread, after acceptor_init() and before acceptor_start().  Returns
 * false with a message in 'err'. */
bool acceptor_add_tls(struct acceptor *, const char *ssl_listen, struct tls_ctx *tls,
                      char *err, size_t err_size);
/* Replaces the TLS context for the connections accepted from now on (a
 * reload of the key and certificates).  Main thread, any time; the
 * acceptor thread takes it and frees the old one. */
void acceptor_set_tls(struct acceptor *, struct tls_ctx *tls);

/* Starts the acceptor thread; returns false if it cannot be created.
 * Main thread. */
bool acceptor_start(struct acceptor *);
/* Stops and joins the acceptor thread, closing the listener and every
 * handshake in progress.  Main thread. */
void acceptor_stop(struct acceptor *);

#endif
