#include "workers/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/util.h"

struct tls_ctx {
    SSL_CTX *ctx;
};

static void ssl_error__(const char *what, const char *file, char *err, size_t size)
{
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    snprintf(err, size, "%s %s: %s", what, file, buf);
    ERR_clear_error();
}

struct tls_ctx *tls_ctx_new(const char *key, const char *cert, const char *ca_cert,
                            char *err, size_t err_size)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (!ctx) {
        ssl_error__("cannot create a TLS context", "", err, err_size);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ssl_error__("cannot load the certificate", cert, err, err_size);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ssl_error__("cannot load the private key", key, err, err_size);
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error__("the private key does not match the certificate", key, err, err_size);
    } else if (SSL_CTX_load_verify_locations(ctx, ca_cert, NULL) != 1) {
        ssl_error__("cannot load the switch CA certificate", ca_cert, err, err_size);
    } else {
        struct tls_ctx *t = xzalloc(sizeof *t);
        t->ctx = ctx;
        return t;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

void tls_ctx_free(struct tls_ctx *t)
{
    if (t) {
        SSL_CTX_free(t->ctx);       /* reference-counted: live SSLs keep it */
        free(t);
    }
}

SSL *tls_new(struct tls_ctx *t, int fd)
{
    SSL *ssl = SSL_new(t->ctx);
    if (ssl && SSL_set_fd(ssl, fd) == 1) {
        return ssl;
    }
    SSL_free(ssl);
    return NULL;
}

void tls_free(SSL *ssl)
{
    if (ssl) {
        SSL_shutdown(ssl);          /* one non-blocking close_notify, best effort */
        SSL_free(ssl);
        ERR_clear_error();
    }
}

/* The counter and sentence for a failed handshake. */
static enum vx_counter_id classify__(SSL *ssl, unsigned long e, char *reason, size_t size)
{
    int r = ERR_GET_REASON(e);
    char buf[200];

    ERR_error_string_n(e, buf, sizeof buf);
    if (r == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
        snprintf(reason, size, "the client sent no certificate");
        return VXC_tls_no_cert;
    }
    if (r == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        snprintf(reason, size, "the client's certificate is not from the switch CA (%s)",
                 X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
        return VXC_tls_bad_cert;
    }
    if (r == SSL_R_WRONG_VERSION_NUMBER || r == SSL_R_HTTP_REQUEST
        || r == SSL_R_UNSUPPORTED_PROTOCOL || r == SSL_R_PACKET_LENGTH_TOO_LONG) {
        snprintf(reason, size, "not TLS: plaintext on the TLS port (%s)", buf);
        return VXC_tls_not_tls;
    }
    snprintf(reason, size, "TLS handshake failed: %s", buf);
    return VXC_tls_failed;
}

enum tls_accept tls_accept(SSL *ssl, bool *want_write, enum vx_counter_id *why,
                           char *reason, size_t reason_size)
{
    int rc = SSL_accept(ssl);

    *want_write = false;
    if (rc == 1) {
        return TLS_ACCEPT_DONE;
    }
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        *want_write = e == SSL_ERROR_WANT_WRITE;
        return TLS_ACCEPT_AGAIN;
    }
    unsigned long err = ERR_get_error();
    if (err) {
        *why = classify__(ssl, err, reason, reason_size);
    } else {
        *why = VXC_tls_failed;
        snprintf(reason, reason_size, "TLS handshake failed: %s",
                 e == SSL_ERROR_SYSCALL && !errno ? "the peer closed the connection"
                                                  : strerror(errno));
    }
    ERR_clear_error();
    return TLS_ACCEPT_FAILED;
}

void tls_peer_subject(SSL *ssl, char *buf, size_t size)
{
    X509 *cert = SSL_get1_peer_certificate(ssl);

    snprintf(buf, size, "?");
    if (cert) {
        X509_NAME_oneline(X509_get_subject_name(cert), buf, (int)size);
        X509_free(cert);
    }
}

/* Maps an SSL_read/SSL_write result to read()/write() conventions. */
static ssize_t result__(SSL *ssl, int rc)
{
    if (rc > 0) {
        return rc;
    }
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;               /* close_notify */
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (!errno) {
            return 0;           /* EOF without close_notify */
        }
        return -1;
    default:
        ERR_clear_error();
        errno = EPROTO;
        return -1;
    }
}

ssize_t tls_read(SSL *ssl, void *buf, size_t n)
{
    errno = 0;
    return result__(ssl, SSL_read(ssl, buf, (int)MIN(n, (size_t)INT32_MAX)));
}

ssize_t tls_write(SSL *ssl, const void *buf, size_t n)
{
    errno = 0;
    return result__(ssl, SSL_write(ssl, buf, (int)MIN(n, (size_t)INT32_MAX)));
}

bool tls_pending(SSL *ssl)
{
    return SSL_pending(ssl) > 0;
}
