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

#include "core/counters.h"

struct worker;

struct acceptor {
    struct vx_counters counters;
    int listen_fd;
    int epfd;
    int stop_efd;               /* eventfd: written to stop the thread */
    pthread_t thread;
    struct worker *workers;
    int n_workers;
    unsigned int handshake_timeout_ms;
    struct pending *pending;    /* handshakes in progress */
};

/* Parses "tcp:IP:PORT" (IPv4).  Returns false if malformed. */
bool acceptor_parse_listen(const char *, char *ip, size_t ip_size, unsigned int *port);

/* Binds and listens on 'listen' ("tcp:IP:PORT").  On failure writes a
 * message into 'err' and returns false. */
bool acceptor_init(struct acceptor *, const char *listen, struct worker *workers,
                   int n_workers, char *err, size_t err_size);
bool acceptor_start(struct acceptor *);
void acceptor_stop(struct acceptor *);

#endif
