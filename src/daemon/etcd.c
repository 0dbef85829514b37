#include "daemon/etcd.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeval.h"
#include "core/util.h"

#define VLOG_MODULE "etcd"

#define ETCD_MAX_SOCKS 64
#define STREAM_MAX_BUFFER (16u << 20)   /* one reply object larger than this: drop the stream */
#define CONNECT_TIMEOUT_MS 500

struct etcd_stream {
    struct etcd *e;
    CURL *h;
    struct curl_slist *hdrs;
    char *body;
    struct vxbuf buf;           /* reply bytes not yet a whole object */
    etcd_object_fn *on_object;
    etcd_end_fn *on_end;
    void *aux;
    bool stopped;               /* no more callbacks; reaped by etcd_run */
    int endpoint;
    struct etcd_stream *next;
};

struct sock {
    curl_socket_t fd;
    int what;                   /* CURL_POLL_IN/OUT/INOUT */
};

struct etcd {
    char **urls;
    int n_urls;
    int cur;                    /* the endpoint that answered last */
    CURLM *multi;
    struct sock socks[ETCD_MAX_SOCKS];
    int n_socks;
    long long deadline_ms;      /* libcurl's timer; -1: none */
    struct etcd_stream *streams;
};

/* --- base64 and small JSON helpers --- */

json_t *etcd_b64(const char *s, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    json_t *j = json_string(out);
    free(out);
    return j;
}

char *etcd_unb64(const char *b64, size_t *out_n)
{
    size_t len = strlen(b64);
    if (len % 4) {
        return NULL;
    }
    char *out = xmalloc(len / 4 * 3 + 1);
    int n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)b64, (int)len);
    if (n < 0) {
        free(out);
        return NULL;
    }
    for (size_t k = len; k > 0 && b64[k - 1] == '='; k--) {
        n--;                    /* EVP_DecodeBlock counts the padding as bytes */
    }
    out[n] = '\0';
    if (out_n) {
        *out_n = (size_t)n;
    }
    return out;
}

json_t *etcd_prefix_end(const char *prefix)
{
    size_t n = strlen(prefix);
    char *end = xmemdup(prefix, n + 1);
    end[n - 1]++;               /* "/vx/" -> "/vx0": every key under the prefix sorts below */
    json_t *j = etcd_b64(end, n);
    free(end);
    return j;
}

long long etcd_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
           : json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* --- libcurl's event interface --- */

static int socket_cb__(CURL *h, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct etcd *e = userp;
    (void)h, (void)socketp;

    for (int i = 0; i < e->n_socks; i++) {
        if (e->socks[i].fd == fd) {
            if (what == CURL_POLL_REMOVE) {
                e->socks[i] = e->socks[--e->n_socks];
            } else {
                e->socks[i].what = what;
            }
            return 0;
        }
    }
    if (what != CURL_POLL_REMOVE && e->n_socks < ETCD_MAX_SOCKS) {
        e->socks[e->n_socks++] = (struct sock) { fd, what };
    }
    return 0;
}

static int timer_cb__(CURLM *m, long timeout_ms, void *userp)
{
    struct etcd *e = userp;
    (void)m;
    e->deadline_ms = timeout_ms < 0 ? -1 : (long long)time_msec() + timeout_ms;
    return 0;
}

struct etcd *etcd_new(const char *endpoints, char *err, size_t err_size)
{
    struct etcd *e = xzalloc(sizeof *e);
    char *copy = xstrdup(endpoints), *save = NULL;

    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        e->urls = xrealloc(e->urls, (size_t)(e->n_urls + 1) * sizeof *e->urls);
        e->urls[e->n_urls++] = xstrdup(t);
    }
    free(copy);
    if (!e->n_urls) {
        snprintf(err, err_size, "etcd_endpoints names no endpoint");
        free(e);
        return NULL;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    e->multi = curl_multi_init();
    e->deadline_ms = -1;
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, socket_cb__);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb__);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    return e;
}

static void stream_free__(struct etcd_stream *s)
{
    curl_multi_remove_handle(s->e->multi, s->h);
    curl_easy_cleanup(s->h);
    curl_slist_free_all(s->hdrs);
    free(s->body);
    vxbuf_uninit(&s->buf);
    free(s);
}

void etcd_free(struct etcd *e)
{
    if (!e) {
        return;
    }
    while (e->streams) {
        struct etcd_stream *s = e->streams;
        e->streams = s->next;
        stream_free__(s);
    }
    curl_multi_cleanup(e->multi);
    for (int i = 0; i < e->n_urls; i++) {
        free(e->urls[i]);
    }
    free(e->urls);
    free(e);
}

/* --- requests --- */

/* Appends a reply's bytes to a struct vxbuf, up to STREAM_MAX_BUFFER. */
static size_t collect__(char *data, size_t size, size_t n, void *userp)
{
    struct vxbuf *b = userp;
    size_t add = size * n;

    if (b->size + add > STREAM_MAX_BUFFER) {
        return 0;               /* aborts the transfer */
    }
    vxbuf_put(b, data, add);
    return add;
}

/* A new handle POSTing JSON 'body' (kept by the caller for the transfer's
 * life) to 'path' of endpoint 'i', the reply going to 'write'('data').
 * '*hdrs' is the header list to free after the transfer. */
static CURL *easy_post__(const struct etcd *e, int i, const char *path, const char *body,
                         struct curl_slist **hdrs, curl_write_callback write, void *data)
{
    CURL *h = curl_easy_init();
    char url[512];

    *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s%s", e->urls[i], path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, data);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    return h;
}

/* One POST of 'body' to endpoint 'i'.  Returns the parsed reply or NULL
 * with 'err'. */
static json_t *post__(struct etcd *e, int i, const char *path, const char *body, int timeout_ms,
                      char *err, size_t err_size)
{
    struct vxbuf r = VXBUF_INITIALIZER;
    struct curl_slist *hdrs;
    CURL *h = easy_post__(e, i, path, body, &hdrs, collect__, &r);
    long status = 0;

    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)MIN(timeout_ms, CONNECT_TIMEOUT_MS));
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);

    json_t *j = NULL;
    if (rc != CURLE_OK) {
        snprintf(err, err_size, "%s: %s", e->urls[i], curl_easy_strerror(rc));
    } else if (!(j = r.size ? json_loadb((const char *)vxbuf_data(&r), r.size, 0, NULL) : NULL)
               || !json_is_object(j)) {
        snprintf(err, err_size, "%s: HTTP %ld, not a JSON object", e->urls[i], status);
        json_decref(j);
        j = NULL;
    } else if (status != 200) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        snprintf(err, err_size, "%s: HTTP %ld: %s", e->urls[i], status,
                 msg ? msg : json_string_value(json_object_get(j, "error")));
        json_decref(j);
        j = NULL;
    }
    vxbuf_uninit(&r);
    return j;
}

json_t *etcd_call(struct etcd *e, const char *path, json_t *req, int timeout_ms,
                  char *err, size_t err_size)
{
    char *body = json_dumps(req, JSON_COMPACT);
    json_t *reply = NULL;

    json_decref(req);
    for (int k = 0; k < e->n_urls && !reply; k++) {
        int i = (e->cur + k) % e->n_urls;
        reply = post__(e, i, path, body, timeout_ms, err, err_size);
        if (reply) {
            e->cur = i;
        } else {
            VLOG_RL(VLL_WARN, "%s%s", err, k + 1 < e->n_urls ? "; trying the next endpoint" : "");
        }
    }
    free(body);
    return reply;
}

/* --- streams --- */

size_t etcd_split(const char *buf, size_t len, etcd_object_fn *fn, void *aux, const bool *stop)
{
    size_t off = 0;

    while (!(stop && *stop)) {
        while (off < len && strchr(" \t\r\n", buf[off])) {
            off++;
        }
        if (off == len) {
            break;
        }
        json_error_t jerr;
        json_t *j = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
        if (!j || !jerr.position) {
            json_decref(j);
            break;              /* incomplete (or not JSON): wait for more */
        }
        off += (size_t)jerr.position;
        fn(aux, j);
        json_decref(j);
    }
    return off;
}

/* Collects a stream's bytes and hands every complete object over. */
static size_t stream_write__(char *data, size_t size, size_t n, void *userp)
{
    struct etcd_stream *s = userp;

    if (s->stopped || collect__(data, size, n, &s->buf) != size * n) {
        return 0;               /* aborts the transfer */
    }
    vxbuf_consume(&s->buf, etcd_split((const char *)vxbuf_data(&s->buf), s->buf.size,
                                      s->on_object, s->aux, &s->stopped));
    return size * n;
}

struct etcd_stream *etcd_stream_start(struct etcd *e, const char *path, json_t *req,
                                      etcd_object_fn *on_object, etcd_end_fn *on_end, void *aux)
{
    struct etcd_stream *s = xzalloc(sizeof *s);

    s->e = e;
    s->on_object = on_object;
    s->on_end = on_end;
    s->aux = aux;
    s->endpoint = e->cur;
    s->body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    s->h = easy_post__(e, s->endpoint, path, s->body, &s->hdrs, stream_write__, s);
    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
    /* A dead peer behind a live TCP connection: keepalive probes end it. */
    curl_easy_setopt(s->h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(s->h, CURLOPT_TCP_KEEPIDLE, 2L);
    curl_easy_setopt(s->h, CURLOPT_TCP_KEEPINTVL, 1L);
    curl_multi_add_handle(e->multi, s->h);
    s->next = e->streams;
    e->streams = s;
    return s;
}

void etcd_stream_stop(struct etcd *e, struct etcd_stream *s)
{
    (void)e;
    if (s) {
        s->stopped = true;      /* freed by the next etcd_run: never inside a callback */
    }
}

int etcd_pollfds(struct etcd *e, struct pollfd *fds, int max)
{
    int n = 0;
    for (int i = 0; i < e->n_socks && n < max; i++) {
        short ev = 0;
        ev |= (e->socks[i].what & CURL_POLL_IN) ? POLLIN : 0;
        ev |= (e->socks[i].what & CURL_POLL_OUT) ? POLLOUT : 0;
        fds[n++] = (struct pollfd) { .fd = e->socks[i].fd, .events = ev };
    }
    return n;
}

int etcd_timeout_ms(struct etcd *e)
{
    if (e->deadline_ms < 0) {
        return -1;
    }
    long long left = e->deadline_ms - (long long)time_msec();
    return left < 0 ? 0 : (int)MIN(left, 1000);
}

/* Frees the streams stopped by their owner. */
static void reap__(struct etcd *e)
{
    for (struct etcd_stream **p = &e->streams; *p;) {
        struct etcd_stream *s = *p;
        if (s->stopped) {
            *p = s->next;
            stream_free__(s);
        } else {
            p = &s->next;
        }
    }
}

/* Transfers that ended: their owners learn why, then they are freed. */
static void finish_done__(struct etcd *e)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(e->multi, &left))) {
        struct etcd_stream *s = NULL;
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        if (!s || s->stopped) {
            continue;
        }
        const char *why = msg->data.result == CURLE_OK ? "closed"
                                                       : curl_easy_strerror(msg->data.result);
        if (msg->data.result != CURLE_OK && s->endpoint == e->cur) {
            e->cur = (e->cur + 1) % e->n_urls;  /* the next stream tries the next endpoint */
        }
        s->stopped = true;
        s->on_end(s->aux, why);
    }
}

void etcd_run(struct etcd *e, const struct pollfd *fds, int n)
{
    int running;

    for (int i = 0; i < n; i++) {
        if (!fds[i].revents) {
            continue;
        }
        int flags = (fds[i].revents & POLLIN ? CURL_CSELECT_IN : 0)
                    | (fds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0)
                    | (fds[i].revents & (POLLERR | POLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(e->multi, fds[i].fd, flags, &running);
    }
    if (e->deadline_ms >= 0 && (long long)time_msec() >= e->deadline_ms) {
        e->deadline_ms = -1;
        curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    finish_done__(e);
    reap__(e);
}
