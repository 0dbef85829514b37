/* OpenFlow over TLS (#18), with OpenSSL 3, the library Open vSwitch uses.
 *
 * A tls_ctx holds the controller's key and certificate and the CA that
 * signs the switches' certificates (the ovs-pki layout: switchca/cacert.pem).
 * Peers must present a certificate from that CA (mutual authentication),
 * over TLS 1.2 or later.  Connections are non-blocking: the acceptor runs
 * the TLS handshake as one more step of its handshake state machine, then
 * hands the SSL object to the worker with the socket.
 *
 * tls_read()/tls_write() behave like read()/write() on a non-blocking
 * socket: a positive count, 0 at the peer's close, or -1 with errno
 * (EAGAIN when OpenSSL wants more I/O in either direction).  OpenSSL may
 * hold decrypted bytes that epoll cannot see: tls_pending() says so.
 *
 * Thread contract: a tls_ctx is built by the main thread and then used
 * read-only by the acceptor (SSL_new takes its own reference); an SSL
 * object belongs to the thread that owns its connection. */
#ifndef VX_TLS_H
#define VX_TLS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/counters.h"

typedef struct ssl_st SSL;
struct tls_ctx;

/* Loads 'key', 'cert' and 'ca_cert' (PEM files).  Returns NULL with a
 * message in 'err' if any is unusable. */
struct tls_ctx *tls_ctx_new(const char *key, const char *cert, const char *ca_cert,
                            char *err, size_t err_size);
void tls_ctx_free(struct tls_ctx *);

/* A server-side SSL object on socket 'fd'. */
SSL *tls_new(struct tls_ctx *, int fd);
void tls_free(SSL *);

enum tls_accept {
    TLS_ACCEPT_DONE,
    TLS_ACCEPT_AGAIN,           /* wait for readability ('*want_write': writability) */
    TLS_ACCEPT_FAILED,          /* '*why' and 'reason' say why */
};

/* Advances the TLS handshake.  On failure, '*why' is the counter that
 * names the cause (no certificate, another CA, plaintext, other) and
 * 'reason' a sentence for the log. */
enum tls_accept tls_accept(SSL *, bool *want_write, enum vx_counter_id *why,
                           char *reason, size_t reason_size);
/* The peer certificate's subject, for the log. */
void tls_peer_subject(SSL *, char *buf, size_t size);

ssize_t tls_read(SSL *, void *buf, size_t n);
ssize_t tls_write(SSL *, const void *buf, size_t n);
bool tls_pending(SSL *);

#endif
