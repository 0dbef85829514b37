/* vxbench: the cbench-style OpenFlow 1.3 packet-in generator for sizing a
 * vxfabric controller host.
 *
 * It emulates N switches taken from a vxfabric configuration file, each a
 * real TCP connection behaving like Open vSwitch: it completes the OF1.3
 * handshake, answers echo, DESC, PORT_DESC, FLOW stats, barrier and role
 * requests, and keeps FLOW_MODs in an in-memory table.  Then:
 *   --mode arp|dhcp|mix   drives ARP and DHCP packet-ins from configured
 *                         hosts and verifies every reply (an ARP reply's
 *                         MAC for the asked IP, a DHCP OFFER's/ACK's yiaddr
 *                         and options); wrong and missing replies are
 *                         reported, never ignored;
 *   --mode program        measures flow programming: all switches connect
 *                         at once, then reconnect with their tables kept.
 * One event loop, batched reads and writes.  See bench/README.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "benchutil.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeval.h"
#include "core/util.h"
#include "model/vxconf.h"
#include "proto/dhcp.h"
#include "proto/of_actions.h"
#include "proto/of_match.h"
#include "proto/ofp_flow.h"
#include "proto/ofp_msgs.h"
#include "proto/ofp_packet.h"
#include "proto/ofp_port.h"
#include "proto/pkt.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

enum mode { MODE_ARP, MODE_DHCP, MODE_MIX, MODE_PROGRAM, MODE_HOLD };

struct options {
    const char *config;
    const char *controller;
    enum mode mode;
    int switches;
    double duration, warmup;
    bool latency;               /* one outstanding request per switch */
    int window;                 /* outstanding requests per switch (throughput) */
    bool verify;
    int controller_pid;
    const char *label;
    const char *ssl_key, *ssl_cert, *ssl_ca;    /* --controller ssl:IP:PORT */
    int threads;                /* generator threads for the traffic */
    bool flood;                 /* keep 64 KiB of packet-ins queued, never read replies */
};

/* One configured host, with where it lives for the emulated switch. */
struct bhost {
    const struct vx_host_cfg *cfg;
    uint32_t port;
    uint32_t target_ip;         /* ARP target: another host of its network, or the gateway */
    uint32_t gateway;
    uint32_t mask;
};

/* A flow in an emulated switch's table, keyed by its identity. */
struct bflow {
    struct cds_lfht_node node;
    uint8_t table;
    uint16_t priority;
    uint64_t cookie;
    uint16_t match_size, insts_size;
    uint8_t bytes[];            /* match, then instructions */
};

/* A switch's requests, encoded once: 'n' packet-ins back to back (whole
 * cycles of its hosts' requests, TAPE_MIN bytes or more), written again
 * and again from where the last write stopped.  Sending costs a write(),
 * not an encoding; each reply is checked against exp[] of its request,
 * since a switch's replies come back in the order of its requests. */
struct tape {
    uint8_t *bytes;
    size_t size;
    uint32_t *len;              /* len[i]: bytes of request i */
    struct expect *exp;
    uint32_t n;
};

struct sw {
    int fd;
    SSL *ssl;                   /* with --controller ssl: */
    bool handshaking;           /* TLS handshake in progress */
    int idx;
    uint64_t dpid;
    bool connected;             /* FEATURES answered */
    bool synced;                /* the controller read our flows */
    struct vxbuf rbuf, obuf;
    struct bhost *hosts;
    size_t n_hosts;
    uint32_t tunnel_port;
    struct cds_lfht *table;
    uint64_t flow_mods, flow_mods_round;
    uint64_t last_program_ns;
    struct tape tape;
    uint32_t tx_req;            /* the tape's next request to commit */
    uint32_t rx_req;            /* the tape's oldest outstanding request */
    size_t wpos, pend;          /* committed bytes not yet written, from tape.bytes[wpos] */
    uint32_t ev_mask;           /* what epoll watches now */
    /* outstanding requests: send times, FIFO (replies come in order) */
    uint64_t *sent_ns;
    uint32_t head, n_out, cap;
    uint64_t connected_ns;
    uint64_t synced_ns;         /* when the controller asked for our flows */
    uint64_t n_correct;         /* correct replies counted for this switch (fairness) */
};

static struct options opt;
static struct vx_config cfg;
static struct sw *sws;
static int n_sws;
static SSL_CTX *tls_ctx;            /* NULL: plain TCP */
static uint64_t all_connected_ns;
static _Thread_local uint64_t now_ns;

/* One generator thread: its switches, its epoll set and its results,
 * summed by the main thread when the run is over.  The main thread's own
 * (handshakes, programming) is main_gen. */
struct gen {
    pthread_t thread;
    int epfd;
    struct sw **sws;
    int n_sws;
    uint64_t n_sent, n_correct, n_wrong, n_errors, flood_bytes;
    double cpu_s;               /* this thread's CPU over the counted window */
    atomic_bool drained;        /* sending stopped and no request of its switches is outstanding */
    uint64_t hist[HIST_N];
};
static struct gen main_gen;
static struct gen *gens;            /* the --threads generator threads */
static _Thread_local struct gen *G = &main_gen;

/* Set by the main thread, read by the generator threads. */
static atomic_bool counting;        /* replies to requests sent from count_start_ns count */
static atomic_bool sending = true;  /* false: no new request, replies still read */
static atomic_bool stopping;        /* generator threads return */
static uint64_t count_start_ns;     /* written before 'counting' is set */
static bool flooding;               /* --flood: written before the threads start */
static bool hold_ready;             /* MODE_HOLD: report barriers from now on */

static const char *mode_names[] = { "arp", "dhcp", "mix", "program", "hold" };

/* --- configuration lookups (vni, ip) -> mac --- */

struct ip_mac { uint64_t key; uint8_t mac[6]; };
static struct ip_mac *ipmac;
static size_t n_ipmac;

static int ipmac_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct ip_mac *)a)->key, y = ((const struct ip_mac *)b)->key;
    return x < y ? -1 : x > y;
}

static const uint8_t *mac_of(uint32_t vni, uint32_t ip)
{
    struct ip_mac k = { (uint64_t)vni << 32 | ip, { 0 } };
    struct ip_mac *r = bsearch(&k, ipmac, n_ipmac, sizeof k, ipmac_cmp);
    return r ? r->mac : NULL;
}

/* The MAC the controller must answer for a network's gateway. */
static void gateway_mac(uint32_t vni, uint8_t mac[6])
{
    for (size_t i = 0; i < cfg.n_routers; i++) {
        for (int k = 0; k < cfg.routers[i].n_networks; k++) {
            if (cfg.routers[i].networks[k] == vni) {
                memcpy(mac, cfg.routers[i].mac, 6);
                return;
            }
        }
    }
    uint8_t d[6] = { 0x02, 0x76, 0x78, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni };
    memcpy(mac, d, 6);
}

/* --- flow table --- */

static unsigned long flow_hash(uint8_t table, uint16_t prio, const uint8_t *m, size_t n)
{
    return (unsigned long)hash_bytes(m, n, (uint64_t)table << 16 | prio);
}

struct flow_key { uint8_t table; uint16_t prio; const uint8_t *m; size_t n; };

static int flow_match_fn(struct cds_lfht_node *node, const void *key_)
{
    const struct bflow *f = caa_container_of(node, struct bflow, node);
    const struct flow_key *k = key_;
    return f->table == k->table && f->priority == k->prio && f->match_size == k->n
           && !memcmp(f->bytes, k->m, k->n);
}

static void table_apply(struct sw *s, const uint8_t *msg, size_t size)
{
    const struct ofp_flow_mod *fm = (const void *)msg;
    struct vxcur c = vxcur_make(msg + sizeof *fm, size - sizeof *fm);
    struct of_match m;
    struct of_insts insts;
    struct vxbuf mb = VXBUF_INITIALIZER, ib = VXBUF_INITIALIZER;

    if (of_match_pull(&c, &m) || of_insts_pull(&c, &insts)) {
        G->n_errors++;
        return;
    }
    of_match_put(&mb, &m);
    of_insts_put(&ib, &insts);
    struct flow_key k = { fm->table_id, get_be16(fm->priority), vxbuf_data(&mb), mb.size };
    unsigned long h = flow_hash(k.table, k.prio, k.m, k.n);
    struct cds_lfht_iter it;
    cds_lfht_lookup(s->table, h, flow_match_fn, &k, &it);
    struct cds_lfht_node *old = cds_lfht_iter_get_node(&it);
    if (old) {
        cds_lfht_del(s->table, old);
        free(caa_container_of(old, struct bflow, node));
    }
    if (fm->command == OFPFC_ADD || fm->command == OFPFC_MODIFY_STRICT
        || fm->command == OFPFC_MODIFY) {
        struct bflow *f = xmalloc(sizeof *f + mb.size + ib.size);
        cds_lfht_node_init(&f->node);
        f->table = k.table;
        f->priority = k.prio;
        f->cookie = get_be64(fm->cookie);
        f->match_size = (uint16_t)mb.size;
        f->insts_size = (uint16_t)ib.size;
        if (mb.size) {
            memcpy(f->bytes, vxbuf_data(&mb), mb.size);
        }
        if (ib.size) {          /* a drop flow has no instructions (and no buffer) */
            memcpy(f->bytes + mb.size, vxbuf_data(&ib), ib.size);
        }
        cds_lfht_add(s->table, h, &f->node);
    }
    vxbuf_uninit(&mb);
    vxbuf_uninit(&ib);
}

/* FLOW stats reply with every flow whose cookie matches, split in parts. */
static void reply_flow_stats(struct sw *s, uint32_t xid, uint64_t cookie, uint64_t mask)
{
    struct cds_lfht_iter it;
    struct bflow *f;
    size_t start = 0;
    bool open = false;

    cds_lfht_for_each_entry(s->table, &it, f, node) {
        if ((f->cookie & mask) != (cookie & mask)) {
            continue;
        }
        if (open && s->obuf.size - start > 60000) {
            struct ofp_multipart *mp = vxbuf_at(&s->obuf, start);
            put_be16(mp->flags, OFPMPF_REPLY_MORE);
            ofp_msg_finish(&s->obuf, start);
            open = false;
        }
        if (!open) {
            start = ofp_msg_start(&s->obuf, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
            put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->type, OFPMP_FLOW);
            open = true;
        }
        size_t ofs = s->obuf.size;
        struct ofp_flow_stats *st = vxbuf_put_zeros(&s->obuf, sizeof *st);
        st->table_id = f->table;
        put_be16(st->priority, f->priority);
        put_be64(st->cookie, f->cookie);
        vxbuf_put(&s->obuf, f->bytes, (size_t)f->match_size + f->insts_size);
        put_be16(((struct ofp_flow_stats *)vxbuf_at(&s->obuf, ofs))->length,
                 (uint16_t)(s->obuf.size - ofs));
    }
    if (!open) {
        start = ofp_msg_start(&s->obuf, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
        put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->type, OFPMP_FLOW);
    }
    ofp_msg_finish(&s->obuf, start);
}

/* --- the request tape --- */

static ssize_t sw_write(struct sw *, const void *, size_t);

/* What the reply to one request must be. */
struct expect {
    uint32_t out_port;          /* back to the requester's port */
    bool dhcp;
    uint8_t arp[42];            /* ARP: the whole reply frame (RFC 826) */
    uint8_t type;               /* DHCP: OFFER to a DISCOVER, ACK to a REQUEST */
    uint32_t xid, yiaddr, server_id, mask;
    uint8_t chaddr[6];
};

enum req_kind { REQ_ARP, REQ_DISCOVER, REQ_REQUEST };

/* Appends to 'b' a PACKET_IN of 'frame' from 'port'. */
static void put_packet_in(struct vxbuf *b, uint32_t port, const struct vxbuf *frame)
{
    size_t start = ofp_msg_start(b, OFPT_PACKET_IN, 0, sizeof(struct ofp_packet_in));
    struct ofp_packet_in *pi = vxbuf_at(b, start);
    put_be32(pi->buffer_id, OFP_NO_BUFFER);
    put_be16(pi->total_len, (uint16_t)frame->size);
    pi->reason = OFPR_ACTION;
    put_be64(pi->cookie, 0x7678000000000000ULL);
    struct of_match m;
    of_match_init(&m);
    of_match_set(&m, OFF_IN_PORT, port);
    of_match_put(b, &m);
    vxbuf_put_zeros(b, 2);
    vxbuf_put(b, vxbuf_data(frame), frame->size);
    ofp_msg_finish(b, start);
}

/* An ARP request of host 'h' for its target, and its one right answer. */
static void put_arp_request(struct vxbuf *frame, const struct bhost *h, struct expect *e)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
    uint8_t want[6];
    const uint8_t *mac = mac_of(h->cfg->vni, h->target_ip);

    pkt_put_arp(frame, bcast, false, 0, ARPOP_REQUEST, h->cfg->mac, h->cfg->ip, zero,
                h->target_ip);
    if (mac) {
        memcpy(want, mac, 6);
    } else {
        gateway_mac(h->cfg->vni, want);
    }
    uint8_t *r = e->arp;
    memcpy(r, h->cfg->mac, 6);
    memcpy(r + 6, want, 6);
    static const uint8_t hdr[10] = { 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, ARPOP_REPLY };
    memcpy(r + 12, hdr, sizeof hdr);
    memcpy(r + 22, want, 6);
    put_be32(r + 28, h->target_ip);
    memcpy(r + 32, h->cfg->mac, 6);
    put_be32(r + 38, h->cfg->ip);
}

/* A DHCPDISCOVER, or a DHCPREQUEST in the SELECTING state (RFC 2131 4.3.2),
 * of host 'h' with 'xid', and what its OFFER or ACK must say. */
static void put_dhcp_request(struct vxbuf *frame, const struct bhost *h, bool request,
                             uint32_t xid, struct expect *e)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    struct pkt_ipv4_frame f = pkt_start_ipv4(frame, bcast, h->cfg->mac, false, 0, 0,
                                             0xffffffff, IPPROTO_UDP, 64);
    pkt_put_udp(frame, DHCP_CLIENT_PORT, DHCP_SERVER_PORT);
    uint8_t *p = vxbuf_put_zeros(frame, DHCP_FIXED_SIZE + 4);
    p[0] = 1; p[1] = 1; p[2] = 6;
    put_be32(p + 4, xid);
    memcpy(p + 28, h->cfg->mac, 6);
    put_be32(p + DHCP_FIXED_SIZE, DHCP_MAGIC);
    uint8_t opts[] = { DHO_MSG_TYPE, 1, request ? DHCPREQUEST : DHCPDISCOVER,
                       DHO_PARAM_REQ, 4, 1, 3, 6, 26 };
    vxbuf_put(frame, opts, sizeof opts);
    if (request) {
        uint8_t sid[6] = { DHO_SERVER_ID, 4 }, rip[6] = { DHO_REQUESTED_IP, 4 };
        put_be32(sid + 2, h->gateway);
        put_be32(rip + 2, h->cfg->ip);
        vxbuf_put(frame, sid, 6);
        vxbuf_put(frame, rip, 6);
    }
    uint8_t end = DHO_END;
    vxbuf_put(frame, &end, 1);
    pkt_finish_ipv4(frame, f);
    e->dhcp = true;
    e->type = request ? DHCPACK : DHCPOFFER;
    e->xid = xid;
    e->yiaddr = h->cfg->ip;
    e->server_id = h->gateway;
    e->mask = h->mask;
    memcpy(e->chaddr, h->cfg->mac, 6);
}

/* Request 'j' of a cycle of a switch's requests (the host it comes from
 * in '*host'): each host's ARP request; or each host's DISCOVER, then each
 * host's REQUEST; or (mix) the two interleaved. */
static enum req_kind cycle_request(size_t j, size_t n_hosts, size_t *host)
{
    switch (opt.mode) {
    case MODE_ARP:
        *host = j;
        return REQ_ARP;
    case MODE_DHCP:
        *host = j % n_hosts;
        return j < n_hosts ? REQ_DISCOVER : REQ_REQUEST;
    default:
        *host = (j / 2) % n_hosts;
        return j % 2 == 0 ? REQ_ARP : j < 2 * n_hosts ? REQ_DISCOVER : REQ_REQUEST;
    }
}

/* Encodes switch 's''s tape: whole cycles of its requests, TAPE_MIN bytes
 * or more, each with its expected reply. */
#define TAPE_MIN (16 * 1024)
static void build_tape(struct sw *s)
{
    struct vxbuf b = VXBUF_INITIALIZER, frame = VXBUF_INITIALIZER;
    size_t per_host = opt.mode == MODE_ARP ? 1 : opt.mode == MODE_DHCP ? 2 : 4;
    size_t cycle = per_host * s->n_hosts, cap = 0, n = 0;
    struct tape *t = &s->tape;

    for (size_t i = 0; b.size < TAPE_MIN || i % cycle; i++) {
        size_t host;
        enum req_kind kind = cycle_request(i % cycle, s->n_hosts, &host);
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            t->len = xrealloc(t->len, cap * sizeof *t->len);
            t->exp = xrealloc(t->exp, cap * sizeof *t->exp);
        }
        struct expect *e = memset(&t->exp[n], 0, sizeof *t->exp);
        const struct bhost *h = &s->hosts[host];
        vxbuf_clear(&frame);
        if (kind == REQ_ARP) {
            put_arp_request(&frame, h, e);
        } else {
            put_dhcp_request(&frame, h, kind == REQ_REQUEST, (uint32_t)s->idx << 16 | (uint32_t)n, e);
        }
        e->out_port = h->port;
        size_t before = b.size;
        put_packet_in(&b, h->port, &frame);
        t->len[n++] = (uint32_t)(b.size - before);
    }
    t->n = (uint32_t)n;
    t->size = b.size;
    t->bytes = xmalloc(b.size);
    memcpy(t->bytes, vxbuf_data(&b), b.size);
    vxbuf_uninit(&b);
    vxbuf_uninit(&frame);
}

static bool verify_dhcp(const uint8_t *frame, size_t fsize, const struct expect *e)
{
    struct pkt_info pi;
    if (pkt_parse(frame, fsize, &pi) != PKT_OK || pi.eth_type != ETHERTYPE_IP
        || pi.ip_proto != IPPROTO_UDP || pi.udp_src != 67 || pi.udp_dst != 68
        || pi.payload_size < DHCP_FIXED_SIZE + 4 || memcmp(pi.eth_dst, e->chaddr, 6)) {
        return false;
    }
    const uint8_t *b = pi.payload;
    if (b[0] != 2 || get_be32(b + 4) != e->xid || memcmp(b + 28, e->chaddr, 6)
        || get_be32(b + 16) != e->yiaddr || get_be32(b + DHCP_FIXED_SIZE) != DHCP_MAGIC) {
        return false;
    }
    uint8_t type = 0;
    uint32_t sid = 0, mask = 0;
    for (size_t i = DHCP_FIXED_SIZE + 4; i + 1 < pi.payload_size && b[i] != DHO_END;) {
        if (b[i] == DHO_PAD) { i++; continue; }
        uint8_t len = b[i + 1];
        if (i + 2 + len > pi.payload_size) return false;
        if (b[i] == DHO_MSG_TYPE && len == 1) type = b[i + 2];
        if (b[i] == DHO_SERVER_ID && len == 4) sid = get_be32(b + i + 2);
        if (b[i] == DHO_SUBNET_MASK && len == 4) mask = get_be32(b + i + 2);
        i += 2u + len;
    }
    return type == e->type && sid == e->server_id && mask == e->mask;
}

/* Checks a PACKET_OUT against the expected reply 'e'. */
static bool verify_reply(const uint8_t *msg, size_t size, const struct expect *e)
{
    const struct ofp_packet_out *po = (const void *)msg;
    uint16_t alen = get_be16(po->actions_len);
    if (sizeof *po + alen > size || alen < 16 || get_be16(msg + sizeof *po) != OFPAT_OUTPUT
        || get_be32(msg + sizeof *po + 4) != e->out_port) {
        return false;
    }
    const uint8_t *frame = msg + sizeof *po + alen;
    size_t fsize = size - sizeof *po - alen;
    if (e->dhcp) {
        return verify_dhcp(frame, fsize, e);
    }
    return fsize >= sizeof e->arp && !memcmp(frame, e->arp, sizeof e->arp);
}

/* Retires the oldest outstanding request; returns when it was sent. */
static uint64_t retire(struct sw *s)
{
    uint64_t sent = s->sent_ns[s->head];
    s->head = s->head + 1 == s->cap ? 0 : s->head + 1;
    s->n_out--;
    s->rx_req = s->rx_req + 1 == s->tape.n ? 0 : s->rx_req + 1;
    return sent;
}

enum reply_match { REPLY_RIGHT, REPLY_LATE, REPLY_WRONG };

/* A switch's replies come in the order of its requests, but a controller
 * may drop some (its rate limit): a reply that is not the oldest
 * request's is looked for among the next ones of the cycle, and the
 * requests it skips are missing.  A reply to none of them that is the
 * right answer to another request of the tape answers one given up
 * already (over a second late: counted missing then); any other is
 * wrong. */
static enum reply_match match_reply(struct sw *s, const uint8_t *msg, size_t size)
{
    if (!opt.verify || verify_reply(msg, size, &s->tape.exp[s->rx_req])) {
        return REPLY_RIGHT;
    }
    for (uint32_t k = 1; k < s->n_out && k < s->tape.n; k++) {
        if (verify_reply(msg, size, &s->tape.exp[(s->rx_req + k) % s->tape.n])) {
            while (k--) {
                retire(s);
            }
            return REPLY_RIGHT;
        }
    }
    for (uint32_t i = 0; i < s->tape.n; i++) {
        if (verify_reply(msg, size, &s->tape.exp[i])) {
            return REPLY_LATE;
        }
    }
    return REPLY_WRONG;
}

static void on_reply(struct sw *s, const uint8_t *msg, size_t size)
{
    if (!s->n_out) {
        return;                 /* the answer to a request already given up */
    }
    enum reply_match m = match_reply(s, msg, size);
    if (m == REPLY_LATE) {
        return;
    }
    bool ok = m == REPLY_RIGHT;
    uint64_t sent = retire(s);
    /* Replies to requests sent in the measured window only. */
    if (atomic_load_explicit(&counting, memory_order_acquire) && sent >= count_start_ns) {
        uint64_t lat_us = (now_ns - sent) / 1000;
        G->hist[hist_bucket(lat_us)]++;
        if (ok) {
            G->n_correct++;
            s->n_correct++;
        } else {
            G->n_wrong++;
        }
    }
}

/* Commits up to 'k' more requests of the tape to be written (flooding:
 * unstamped, never awaited). */
static void commit(struct sw *s, uint32_t k)
{
    bool stamp = !flooding;
    uint32_t tail = (s->head + s->n_out) % s->cap;
    for (uint32_t i = 0; i < k; i++) {
        s->pend += s->tape.len[s->tx_req];
        s->tx_req = s->tx_req + 1 == s->tape.n ? 0 : s->tx_req + 1;
        if (stamp) {
            s->sent_ns[tail] = now_ns;
            tail = tail + 1 == s->cap ? 0 : tail + 1;
        }
    }
    if (stamp) {
        s->n_out += k;
        /* Counted as on_reply() counts their replies: stamped in the window. */
        if (atomic_load_explicit(&counting, memory_order_acquire) && now_ns >= count_start_ns) {
            G->n_sent += k;
        }
    }
}

/* Writes what is committed of the tape, from where the last write
 * stopped, in one writev(); false if the connection failed. */
static bool tape_write(struct sw *s)
{
    const struct tape *t = &s->tape;
    while (s->pend) {
        struct iovec iov[8];
        int n = 0;
        size_t pos = s->wpos, left = s->pend;
        while (left && n < 8) {
            size_t k = MIN(left, t->size - pos);
            iov[n++] = (struct iovec) { t->bytes + pos, k };
            left -= k;
            pos = pos + k == t->size ? 0 : pos + k;
        }
        ssize_t w = s->ssl ? sw_write(s, iov[0].iov_base, iov[0].iov_len) : writev(s->fd, iov, n);
        if (w > 0) {
            s->wpos = (s->wpos + (size_t)w) % t->size;
            s->pend -= (size_t)w;
            G->flood_bytes += flooding ? (uint64_t)w : 0;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            return true;
        } else {
            return false;
        }
    }
    return true;
}

/* --- the switch side of OpenFlow --- */

static void handle(struct sw *s, const uint8_t *msg, size_t size)
{
    uint32_t xid = ofp_msg_xid(msg);

    switch (msg[1]) {
    case OFPT_FEATURES_REQUEST: {
        size_t start = ofp_msg_start(&s->obuf, OFPT_FEATURES_REPLY, xid,
                                     sizeof(struct ofp_switch_features));
        struct ofp_switch_features *f = vxbuf_at(&s->obuf, start);
        put_be64(f->datapath_id, s->dpid);
        f->n_tables = 254;
        ofp_msg_finish(&s->obuf, start);
        s->connected = true;
        s->connected_ns = now_ns;
        break;
    }
    case OFPT_ECHO_REQUEST:
        ofp_put_echo_reply(&s->obuf, msg, size);
        break;
    case OFPT_BARRIER_REQUEST:
        ofp_msg_finish(&s->obuf, ofp_msg_start(&s->obuf, OFPT_BARRIER_REPLY, xid, 8));
        s->last_program_ns = now_ns;
        if (hold_ready) {
            /* Every FLOW_MOD before it is in our table: flows installed. */
            printf("barrier %#" PRIx64 " %" PRIu64 "\n", s->dpid, now_ns);
            fflush(stdout);
        }
        break;
    case OFPT_ROLE_REQUEST: {
        size_t start = ofp_msg_start(&s->obuf, OFPT_ROLE_REPLY, xid, 8);
        vxbuf_put(&s->obuf, msg + 8, size - 8);
        ofp_msg_finish(&s->obuf, start);
        break;
    }
    case OFPT_FLOW_MOD:
        table_apply(s, msg, size);
        s->flow_mods++;
        s->flow_mods_round++;
        s->last_program_ns = now_ns;
        break;
    case OFPT_PACKET_OUT:
        on_reply(s, msg, size);
        break;
    case OFPT_ERROR:
        G->n_errors++;
        break;
    case OFPT_MULTIPART_REQUEST: {
        uint16_t type = get_be16(msg + 8);
        if (type == OFPMP_DESC) {
            size_t start = ofp_msg_start(&s->obuf, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
            put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->type, OFPMP_DESC);
            struct ofp_desc *d = vxbuf_put_zeros(&s->obuf, sizeof *d);
            strcpy(d->mfr_desc, "vxbench");
            strcpy(d->hw_desc, "emulated switch");
            strcpy(d->sw_desc, "vxbench");
            ofp_msg_finish(&s->obuf, start);
        } else if (type == OFPMP_PORT_DESC) {
            /* Split like a switch: a message holds at most 64 KiB, so many
             * ports take several parts, all but the last flagged MORE. */
            size_t start = ofp_msg_start(&s->obuf, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
            put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->type, OFPMP_PORT_DESC);
            for (size_t i = 0; i < s->n_hosts; i++) {
                if (s->obuf.size - start > 60000) {
                    put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->flags, OFPMPF_REPLY_MORE);
                    ofp_msg_finish(&s->obuf, start);
                    start = ofp_msg_start(&s->obuf, OFPT_MULTIPART_REPLY, xid, sizeof(struct ofp_multipart));
                    put_be16(((struct ofp_multipart *)vxbuf_at(&s->obuf, start))->type, OFPMP_PORT_DESC);
                }
                struct of_port p = { .port_no = s->hosts[i].port };
                if (s->hosts[i].cfg->port_no) {
                    snprintf(p.name, sizeof p.name, "p%u", s->hosts[i].port);
                } else {
                    snprintf(p.name, sizeof p.name, "%s", s->hosts[i].cfg->port_name);
                }
                ofp_put_port(&s->obuf, &p);
            }
            struct of_port t = { .port_no = s->tunnel_port, .name = "vtun1" };
            ofp_put_port(&s->obuf, &t);
            ofp_msg_finish(&s->obuf, start);
        } else if (type == OFPMP_FLOW && size >= 16 + 32) {
            const struct ofp_flow_stats_request *r = (const void *)(msg + 16);
            reply_flow_stats(s, xid, get_be64(r->cookie), get_be64(r->cookie_mask));
            s->synced = true;
            s->synced_ns = now_ns;
            s->last_program_ns = now_ns;
        }
        break;
    }
    default:
        break;
    }
}

/* --- connections --- */

static bool sw_connect(struct sw *s, const struct sockaddr_in *sin)
{
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s->fd, (const struct sockaddr *)sin, sizeof *sin) && errno != EINPROGRESS) {
        perror("connect");
        return false;
    }
    if (tls_ctx) {
        s->ssl = SSL_new(tls_ctx);
        SSL_set_fd(s->ssl, s->fd);
        SSL_set_connect_state(s->ssl);
        s->handshaking = true;
    }
    s->connected = s->synced = false;
    s->flow_mods_round = 0;
    s->n_out = s->head = 0;
    vxbuf_clear(&s->rbuf);
    vxbuf_clear(&s->obuf);
    ofp_put_hello(&s->obuf, 1);
    s->pend = s->wpos = 0;
    s->tx_req = s->rx_req = 0;
    s->ev_mask = EPOLLIN | EPOLLOUT;
    struct epoll_event ev = { .events = s->ev_mask, .data.ptr = s };
    epoll_ctl(G->epfd, EPOLL_CTL_ADD, s->fd, &ev);
    return true;
}

static void sw_close(struct sw *s)
{
    if (s->fd >= 0) {
        epoll_ctl(G->epfd, EPOLL_CTL_DEL, s->fd, NULL);
        if (s->ssl) {
            SSL_free(s->ssl);
            s->ssl = NULL;
        }
        close(s->fd);
        s->fd = -1;
    }
}

/* Watches 'mask' on the switch's socket (one epoll_ctl() when it changes). */
static void sw_watch(struct sw *s, uint32_t mask)
{
    if (mask != s->ev_mask) {
        struct epoll_event ev = { .events = mask, .data.ptr = s };
        epoll_ctl(G->epfd, EPOLL_CTL_MOD, s->fd, &ev);
        s->ev_mask = mask;
    }
}

/* read()/write() conventions over TLS: -1 with EAGAIN when OpenSSL wants
 * I/O in either direction. */
static ssize_t tls_result(SSL *ssl, int rc)
{
    if (rc > 0) {
        return rc;
    }
    int e = SSL_get_error(ssl, rc);
    errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? EAGAIN : EPROTO;
    return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static ssize_t sw_write(struct sw *s, const void *p, size_t n)
{
    return s->ssl ? tls_result(s->ssl, SSL_write(s->ssl, p, (int)n)) : write(s->fd, p, n);
}

static ssize_t sw_recv(struct sw *s, void *p, size_t n)
{
    return s->ssl ? tls_result(s->ssl, SSL_read(s->ssl, p, (int)n)) : read(s->fd, p, n);
}

/* Advances the TLS handshake; false if it failed. */
static bool sw_handshake(struct sw *s)
{
    int rc = SSL_do_handshake(s->ssl);
    if (rc == 1) {
        s->handshaking = false;
        return true;
    }
    int e = SSL_get_error(s->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        sw_watch(s, e == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
        return true;
    }
    ERR_print_errors_fp(stderr);
    return false;
}

/* Writes the tape's committed requests, then (at a message boundary)
 * the replies in obuf. */
static bool sw_flush(struct sw *s)
{
    if (s->handshaking) {
        return sw_handshake(s);
    }
    if (!tape_write(s)) {
        return false;
    }
    while (!s->pend && s->obuf.size) {
        ssize_t n = sw_write(s, vxbuf_data(&s->obuf), s->obuf.size);
        if (n > 0) {
            vxbuf_consume(&s->obuf, (size_t)n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        } else {
            return false;
        }
    }
    sw_watch(s, (flooding ? 0 : EPOLLIN) | (s->pend || s->obuf.size ? EPOLLOUT : 0));
    return true;
}

/* Commits the requests that keep the switch's window full (flooding:
 * 64 KiB unwritten), unless replies of ours wait in obuf, then writes. */
static bool sw_pump(struct sw *s)
{
    if (atomic_load_explicit(&sending, memory_order_relaxed) && s->tape.n && !s->obuf.size
        && !s->handshaking) {
        if (flooding) {
            while (s->pend < 64 * 1024) {
                commit(s, 1);
            }
        } else if ((int)s->n_out < opt.window) {
            commit(s, (uint32_t)opt.window - s->n_out);
        }
    }
    return sw_flush(s);
}

static bool sw_read_once(struct sw *s);

static bool sw_read(struct sw *s)
{
    if (s->handshaking) {
        return sw_handshake(s) && (s->handshaking || sw_flush(s));
    }
    do {
        if (!sw_read_once(s)) {
            return false;
        }
    } while (s->ssl && SSL_pending(s->ssl) > 0);
    return true;
}

static bool sw_read_once(struct sw *s)
{
    vxbuf_reserve(&s->rbuf, 256 * 1024);
    ssize_t n = sw_recv(s, vxbuf_tail(&s->rbuf), s->rbuf.cap - s->rbuf.head - s->rbuf.size);
    if (n <= 0) {
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
    s->rbuf.size += (size_t)n;
    uint8_t *p = vxbuf_data(&s->rbuf);
    size_t left = s->rbuf.size;
    int len;
    while ((len = ofp_msg_frame(p, left)) > 0) {
        handle(s, p, (size_t)len);
        p += len;
        left -= (size_t)len;
    }
    if (len < 0) {
        return false;
    }
    vxbuf_consume(&s->rbuf, s->rbuf.size - left);
    return true;
}

static bool sw_ready(const struct sw *s);

/* Every switch has had its FEATURES_REPLY answered (the handshake, TLS
 * included, is over); records when. */
static bool all_connected(void)
{
    for (int i = 0; i < n_sws; i++) {
        if (!sws[i].connected) {
            return false;
        }
    }
    all_connected_ns = all_connected_ns ? all_connected_ns : time_nsec();
    return true;
}

/* The switches' TLS client context: their key and certificate, and the
 * CA of the controller's (ovs-pki's controllerca). */
static SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!opt.ssl_key || !opt.ssl_cert || !opt.ssl_ca) {
        fprintf(stderr, "vxbench: ssl: needs --ssl-key, --ssl-cert and --ssl-ca\n");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_use_certificate_chain_file(ctx, opt.ssl_cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, opt.ssl_key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_load_verify_locations(ctx, opt.ssl_ca, NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return NULL;
    }
    return ctx;
}

/* The main thread's loop, before and without traffic (handshakes, flow
 * programming): for 'seconds', or until 'done' returns true. */
static void run_loop(double seconds, bool (*done)(void))
{
    struct epoll_event evs[512];
    uint64_t end = time_nsec() + (uint64_t)(seconds * 1e9);

    for (;;) {
        now_ns = time_nsec();
        if (now_ns >= end || (done && done())) {
            return;
        }
        for (int i = 0; i < n_sws; i++) {
            if (sws[i].fd >= 0 && sws[i].obuf.size && !sw_flush(&sws[i])) {
                sw_close(&sws[i]);
            }
        }
        int n = epoll_wait(G->epfd, evs, 512, 10);
        now_ns = time_nsec();
        for (int k = 0; k < n; k++) {
            struct sw *s = evs[k].data.ptr;
            if (s->handshaking && (evs[k].events & EPOLLOUT) && !sw_flush(s)) {
                sw_close(s);
                continue;
            }
            if ((evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !sw_read(s)) {
                fprintf(stderr, "vxbench: switch %#" PRIx64 " disconnected\n", s->dpid);
                sw_close(s);
            }
        }
    }
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every 10 ms: gives up requests unanswered for a second (missing), and
 * pumps every switch, so that one whose replies stopped sends again.
 * Once sending has stopped, says when every request has its answer. */
static void gen_sweep(void)
{
    bool waiting = false;

    for (int i = 0; i < G->n_sws; i++) {
        struct sw *s = G->sws[i];
        if (s->fd < 0) {
            continue;
        }
        while (s->n_out && now_ns - s->sent_ns[s->head] > 1000000000ULL) {
            retire(s);
        }
        if (!sw_pump(s)) {
            sw_close(s);
        }
        waiting |= s->fd >= 0 && s->n_out > 0;
    }
    if (!waiting && !atomic_load(&sending)) {
        atomic_store(&G->drained, true);
    }
}

/* Whether every generator thread has its answers (gen_sweep). */
static bool gens_drained(void)
{
    for (int t = 0; t < opt.threads; t++) {
        if (!atomic_load(&gens[t].drained)) {
            return false;
        }
    }
    return true;
}

/* A generator thread: its switches' replies drive their next requests
 * (each read is followed by a pump of the same switch). */
static void *gen_main(void *arg)
{
    struct epoll_event evs[512];
    uint64_t sweep_ns = 0;
    bool counted = false, sent = true;
    double cpu0 = 0;

    G = arg;
    rcu_register_thread();
    while (!atomic_load(&stopping)) {
        now_ns = time_nsec();
        if (now_ns >= sweep_ns) {
            gen_sweep();
            sweep_ns = now_ns + 10000000;
        }
        int n = epoll_wait(G->epfd, evs, 512, 10);
        now_ns = time_nsec();
        for (int k = 0; k < n; k++) {
            struct sw *s = evs[k].data.ptr;
            if ((evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !sw_read(s)) {
                fprintf(stderr, "vxbench: switch %#" PRIx64 " disconnected\n", s->dpid);
                sw_close(s);
            } else if (!sw_pump(s)) {
                sw_close(s);
            }
        }
        /* This thread's CPU over the counted window. */
        if (!counted && atomic_load(&counting)) {
            counted = true;
            cpu0 = thread_cpu_s();
        }
        if (counted && sent && !atomic_load(&sending)) {
            sent = false;
            G->cpu_s = thread_cpu_s() - cpu0;
        }
    }
    rcu_unregister_thread();
    return NULL;
}

/* Hands switch i to thread i % --threads, each with its own epoll set,
 * and starts them. */
static void gens_start(void)
{
    gens = xcalloc((size_t)opt.threads, sizeof *gens);
    for (int t = 0; t < opt.threads; t++) {
        gens[t].epfd = epoll_create1(EPOLL_CLOEXEC);
        gens[t].sws = xcalloc((size_t)n_sws / (size_t)opt.threads + 1, sizeof *gens[t].sws);
    }
    for (int i = 0; i < n_sws; i++) {
        struct gen *g = &gens[i % opt.threads];
        struct sw *s = &sws[i];
        g->sws[g->n_sws++] = s;
        if (s->fd >= 0) {
            epoll_ctl(main_gen.epfd, EPOLL_CTL_DEL, s->fd, NULL);
            struct epoll_event ev = { .events = s->ev_mask, .data.ptr = s };
            epoll_ctl(g->epfd, EPOLL_CTL_ADD, s->fd, &ev);
        }
    }
    for (int t = 0; t < opt.threads; t++) {
        pthread_create(&gens[t].thread, NULL, gen_main, &gens[t]);
    }
}

/* Stops the threads and adds their results to main_gen's. */
static double gens_stop(void)
{
    double busiest = 0;
    atomic_store(&stopping, true);
    for (int t = 0; t < opt.threads; t++) {
        struct gen *g = &gens[t];
        pthread_join(g->thread, NULL);
        main_gen.n_sent += g->n_sent;
        main_gen.n_correct += g->n_correct;
        main_gen.n_wrong += g->n_wrong;
        main_gen.n_errors += g->n_errors;
        main_gen.flood_bytes += g->flood_bytes;
        for (size_t i = 0; i < HIST_N; i++) {
            main_gen.hist[i] += g->hist[i];
        }
        busiest = MAX(busiest, g->cpu_s);
    }
    return busiest;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* Ready for traffic: FEATURES answered, and no FLOW_MOD or barrier for a
 * second: the controller has programmed us (vxfabricd reads our flows,
 * then sends the difference) or never does (the baseline, the os-ken
 * peer).  Traffic that starts while 1,000 switches are still being
 * programmed measures the programming, on both sides (this process
 * emulates every switch's flow table meanwhile), not the packet-in path;
 * bench/program_latency.sh measures the packet-in path during it. */
static bool sw_ready(const struct sw *s)
{
    return s->connected && now_ns - MAX(s->connected_ns, s->last_program_ns) > 1000000000ULL;
}

static bool all_synced(void)
{
    for (int i = 0; i < n_sws; i++) {
        if (!sws[i].synced) {
            return false;
        }
    }
    return true;
}

static bool all_ready(void)
{
    for (int i = 0; i < n_sws; i++) {
        if (!sw_ready(&sws[i])) {
            return false;
        }
    }
    return true;
}

/* Programmed: every switch synced and no FLOW_MOD or barrier for 1 s. */
static uint64_t quiet_since_ns;
/* This process's user + system CPU time, in seconds. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static bool programmed(void)
{
    uint64_t last = 0;
    if (!all_synced()) {
        return false;
    }
    for (int i = 0; i < n_sws; i++) {
        last = MAX(last, sws[i].last_program_ns);
    }
    quiet_since_ns = last;
    /* Quiet for 3 s: a controller busy computing 1,000 large flow sets can
     * pause its FLOW_MODs for over a second (1 s ended runs early).  The
     * time reported is to the last barrier reply, not to the end of this. */
    return now_ns - last > 3000000000ULL;
}

static long controller_rss_kib(void)
{
    return opt.controller_pid ? proc_rss_kib(opt.controller_pid) : -1;
}

static long controller_peak_kib(void)
{
    return opt.controller_pid ? proc_status_kib(opt.controller_pid, "VmHWM:") : -1;
}

static double controller_cpu_s(void)
{
    return opt.controller_pid ? proc_cpu_s(opt.controller_pid) : 0;
}

static uint64_t percentile_us(double p)
{
    uint64_t total = 0, acc = 0;
    for (size_t i = 0; i < HIST_N; i++) total += main_gen.hist[i];
    if (!total) return 0;
    uint64_t want = (uint64_t)(p * (double)total);
    for (size_t i = 0; i < HIST_N; i++) {
        acc += main_gen.hist[i];
        if (acc > want) return hist_value(i);
    }
    return hist_value(HIST_N - 1);
}

/* The slowest reply counted (its bucket's value). */
static uint64_t max_us(void)
{
    for (size_t i = HIST_N; i-- > 0;) {
        if (main_gen.hist[i]) return hist_value(i);
    }
    return 0;
}

/* --- setup --- */

static void build_switches(const struct sockaddr_in *sin)
{
    int n = opt.switches ? opt.switches : (int)cfg.n_bridges;
    if (n > (int)cfg.n_bridges) {
        fprintf(stderr, "vxbench: the config has only %zu bridges\n", cfg.n_bridges);
        exit(2);
    }
    n_ipmac = cfg.n_hosts;
    ipmac = xcalloc(n_ipmac + 1, sizeof *ipmac);
    for (size_t i = 0; i < cfg.n_hosts; i++) {
        ipmac[i].key = (uint64_t)cfg.hosts[i].vni << 32 | cfg.hosts[i].ip;
        memcpy(ipmac[i].mac, cfg.hosts[i].mac, 6);
    }
    qsort(ipmac, n_ipmac, sizeof *ipmac, ipmac_cmp);

    sws = xcalloc((size_t)n, sizeof *sws);
    n_sws = n;
    for (int i = 0; i < n; i++) {
        struct sw *s = &sws[i];
        s->idx = i;
        s->fd = -1;
        s->dpid = cfg.bridges[i].dpid;
        s->table = cds_lfht_new(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE, NULL);
        vxbuf_init(&s->rbuf, 256 * 1024);
        vxbuf_init(&s->obuf, 64 * 1024);
        uint32_t max_port = 0;
        for (size_t h = 0; h < cfg.n_hosts; h++) {
            if (cfg.hosts[h].dpid == s->dpid) {
                s->n_hosts++;
            }
        }
        s->hosts = xcalloc(s->n_hosts + 1, sizeof *s->hosts);
        size_t k = 0;
        for (size_t h = 0; h < cfg.n_hosts; h++) {
            const struct vx_host_cfg *hc = &cfg.hosts[h];
            if (hc->dpid != s->dpid) {
                continue;
            }
            struct bhost *bh = &s->hosts[k++];
            bh->cfg = hc;
            bh->port = hc->port_no ? hc->port_no : (uint32_t)(1000 + k);
            max_port = MAX(max_port, bh->port);
            const struct vx_network_cfg *net = vxconf_find_network(&cfg, hc->vni);
            bh->gateway = net->gateway;
            bh->mask = prefix_to_mask(net->prefix);
            /* ARP target: the next host of the same network, else the gateway. */
            bh->target_ip = net->gateway;
            for (size_t j = 1; j < cfg.n_hosts; j++) {
                const struct vx_host_cfg *o = &cfg.hosts[(h + j) % cfg.n_hosts];
                if (o->vni == hc->vni) {
                    bh->target_ip = o->ip;
                    break;
                }
            }
        }
        s->tunnel_port = max_port + 1;
        if (s->n_hosts) {
            build_tape(s);
        }
        if (!opt.window) {
            /* 64 KiB of requests in flight, like cbench -t. */
            opt.window = opt.latency ? 1 : s->n_hosts ? (int)MAX(1, 65536 * (uint64_t)s->tape.n / s->tape.size) : 1;
        }
        s->cap = (uint32_t)opt.window + 1;
        s->sent_ns = xcalloc(s->cap, sizeof *s->sent_ns);
        if (!sw_connect(s, sin)) {
            exit(1);
        }
    }
}

static void usage(void)
{
    printf("usage: vxbench --config FILE --controller tcp:IP:PORT [--mode arp|dhcp|mix|program|hold]\n"
           "               [--switches N] [--duration S] [--warmup S] [--throughput|--latency]\n"
           "               [--window W] [--no-verify] [--controller-pid PID] [--label NAME]\n"
           "               [--ssl-key F --ssl-cert F --ssl-ca F]   (with --controller ssl:IP:PORT)\n"
           "               [--flood]   (queue 64 KiB of packet-ins per switch, never read: memory)\n"
           "               [--threads N]   (generator threads; switch i is thread i %% N's)\n"
           "  --window W: requests outstanding per switch; by default 64 KiB of them\n"
           "  (cbench -t), 1 with --latency.\n");
}

/* --flood: queues packet-ins for --duration without reading a reply,
 * then reports the controller's peak and current RSS. */
static int flood_run(uint64_t t0)
{
    flooding = true;
    gens_start();
    sleep_s(opt.duration);
    gens_stop();
    uint64_t flood_bytes = main_gen.flood_bytes;
    long peak = controller_peak_kib();
    long rss = controller_rss_kib();
    printf("%-40s %12d\n", "switches flooding, never reading", n_sws);
    printf("%-40s %12.1f\n", "packet-ins queued (MiB)", (double)flood_bytes / (1 << 20));
    printf("%-40s %12ld\n", "controller peak RSS (KiB)", peak);
    printf("%-40s %12ld\n", "controller RSS at the end (KiB)", rss);
    printf("{\"bench\":\"flood\",\"label\":\"%s\",\"switches\":%d,\"duration_s\":%.1f,"
           "\"queued_mib\":%.1f,\"controller_peak_rss_kib\":%ld,\"controller_rss_kib\":%ld,"
           "\"elapsed_s\":%.1f}\n", opt.label, n_sws, opt.duration,
           (double)flood_bytes / (1 << 20), peak, rss, (double)(time_nsec() - t0) / 1e9);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "controller", required_argument, NULL, 'C' },
        { "mode", required_argument, NULL, 'm' },
        { "switches", required_argument, NULL, 's' },
        { "duration", required_argument, NULL, 'd' },
        { "warmup", required_argument, NULL, 'w' },
        { "throughput", no_argument, NULL, 't' },
        { "latency", no_argument, NULL, 'l' },
        { "window", required_argument, NULL, 'W' },
        { "no-verify", no_argument, NULL, 'n' },
        { "controller-pid", required_argument, NULL, 'p' },
        { "label", required_argument, NULL, 'L' },
        { "flood", no_argument, NULL, 'F' },
        { "threads", required_argument, NULL, 'T' },
        { "ssl-key", required_argument, NULL, 'K' },
        { "ssl-cert", required_argument, NULL, 'E' },
        { "ssl-ca", required_argument, NULL, 'A' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct vx_errors errs = { 0, 0, NULL };
    int o;

    opt = (struct options) { .mode = MODE_ARP, .duration = 5, .warmup = 1, .window = 0,
                             .verify = true, .label = "vxfabricd", .threads = 1 };
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (o) {
        case 'c': opt.config = optarg; break;
        case 'C': opt.controller = optarg; break;
        case 'm':
            for (int i = 0; i < 5; i++) {
                if (!strcmp(optarg, mode_names[i])) opt.mode = (enum mode)i;
            }
            break;
        case 's': opt.switches = atoi(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'w': opt.warmup = atof(optarg); break;
        case 't': opt.latency = false; break;
        case 'l': opt.latency = true; opt.window = 1; break;
        case 'W': opt.window = atoi(optarg); break;
        case 'n': opt.verify = false; break;
        case 'p': opt.controller_pid = atoi(optarg); break;
        case 'L': opt.label = optarg; break;
        case 'F': opt.flood = true; break;
        case 'T': opt.threads = atoi(optarg); break;
        case 'K': opt.ssl_key = optarg; break;
        case 'E': opt.ssl_cert = optarg; break;
        case 'A': opt.ssl_ca = optarg; break;
        default: usage(); return o == 'h' ? 0 : 2;
        }
    }
    if (!opt.config || !opt.controller || opt.switches < 0 || opt.switches > 5000
        || opt.window < 0 || opt.window > 100000 || opt.threads < 1 || opt.threads > 64) {
        usage();
        return 2;
    }
    vlog_set_level(VLL_ERR);
    signal(SIGPIPE, SIG_IGN);
    if (!vxconf_load(opt.config, &cfg, &errs, NULL)) {
        fprintf(stderr, "vxbench: %s\n", errs.n ? errs.msgs[0] : opt.config);
        return 2;
    }
    char ip[64];
    unsigned int port;
    struct sockaddr_in sin = { .sin_family = AF_INET };
    bool tls = !strncmp(opt.controller, "ssl:", 4);
    if (tls && !(tls_ctx = client_ctx())) {
        return 2;
    }
    const char *hostport = opt.controller + (strncmp(opt.controller, "tcp:", 4) && !tls ? 0 : 4);
    if (sscanf(hostport, "%63[^:]:%u", ip, &port) != 2 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
        fprintf(stderr, "vxbench: --controller must be tcp:IP:PORT\n");
        return 2;
    }
    sin.sin_port = htons((uint16_t)port);
    rcu_register_thread();
    main_gen.epfd = epoll_create1(EPOLL_CLOEXEC);

    uint64_t t0 = time_nsec();
    build_switches(&sin);

    if (opt.mode == MODE_HOLD) {
        /* Program everything, then stay connected for --duration and log
         * each barrier with its CLOCK_MONOTONIC time (bench/api_latency.py). */
        run_loop(120, programmed);
        printf("ready %d\n", n_sws);
        fflush(stdout);
        hold_ready = true;
        run_loop(opt.duration, NULL);
        return 0;
    }
    if (opt.mode == MODE_PROGRAM) {
        run_loop(120, programmed);
        double converge_s = (double)(quiet_since_ns - t0) / 1e9;
        uint64_t mods1 = 0;
        for (int i = 0; i < n_sws; i++) {
            mods1 += sws[i].flow_mods_round;
        }
        long rss = controller_rss_kib();
        /* Round 2: every switch reconnects at once with its table kept. */
        for (int i = 0; i < n_sws; i++) {
            sw_close(&sws[i]);
        }
        uint64_t t1 = time_nsec();
        for (int i = 0; i < n_sws; i++) {
            sw_connect(&sws[i], &sin);
        }
        run_loop(120, programmed);
        /* Until the controller has read every table, plus any FLOW_MOD it
         * sent after that. */
        uint64_t last = 0;
        for (int i = 0; i < n_sws; i++) {
            last = MAX(last, MAX(sws[i].synced_ns, sws[i].flow_mods_round ? sws[i].last_program_ns : 0));
        }
        double resync_s = last > t1 ? (double)(last - t1) / 1e9 : 0;
        uint64_t mods2 = 0;
        for (int i = 0; i < n_sws; i++) {
            mods2 += sws[i].flow_mods_round;
        }
        printf("%-40s %12s\n", "vxbench program", opt.label);
        printf("%-40s %12d\n", "switches", n_sws);
        printf("%-40s %12" PRIu64 "\n", "FLOW_MODs, simultaneous connect", mods1);
        printf("%-40s %12.3f\n", "time to last barrier reply (s)", converge_s);
        printf("%-40s %12" PRIu64 "\n", "FLOW_MODs, reconnect (target 0)", mods2);
        printf("%-40s %12.3f\n", "reconnect: time to last reply (s)", resync_s);
        printf("%-40s %12ld\n", "controller RSS (KiB)", rss);
        printf("%-40s %12" PRIu64 "\n", "errors from the controller", main_gen.n_errors);
        printf("{\"bench\":\"program\",\"label\":\"%s\",\"switches\":%d,\"flow_mods\":%" PRIu64
               ",\"converge_s\":%.3f,\"reconnect_flow_mods\":%" PRIu64 ",\"reconnect_s\":%.3f,"
               "\"controller_rss_kib\":%ld,\"errors\":%" PRIu64 "}\n",
               opt.label, n_sws, mods1, converge_s, mods2, resync_s, rss, main_gen.n_errors);
        return mods2 == 0 && !main_gen.n_errors ? 0 : 1;
    }

    /* Traffic: connect, let the controller program, then warm up and count. */
    run_loop(60, all_connected);
    double connect_s = (double)(all_connected_ns - t0) / 1e9;
    run_loop(60, all_ready);
    if (!all_ready()) {
        fprintf(stderr, "vxbench: not every switch completed its handshake\n");
        return 1;
    }
    if (opt.flood) {
        return flood_run(t0);
    }
    gens_start();
    sleep_s(opt.warmup);
    count_start_ns = time_nsec();
    atomic_store(&counting, true);
    double cpu0 = self_cpu_s(), ctl_cpu0 = controller_cpu_s();
    uint64_t start = count_start_ns;
    sleep_s(opt.duration);
    double secs = (double)(time_nsec() - start) / 1e9;
    /* The generator's own CPU over the counted window: near 100 % of its
     * core, it is the cap and the rate says little about the controller. */
    double gen_cpu = 100 * (self_cpu_s() - cpu0) / secs;
    double ctl_cpu = 100 * (controller_cpu_s() - ctl_cpu0) / secs;
    /* Let the replies in flight arrive (sending stops; a deep queue at a
     * slow controller can take a while), at most 5 s, then stop counting:
     * what is still unanswered is missing. */
    atomic_store(&sending, false);
    for (int i = 0; i < 500 && !gens_drained(); i++) {
        sleep_s(0.01);
    }
    atomic_store(&counting, false);
    double busiest = 100 * gens_stop() / secs;
    uint64_t n_sent = main_gen.n_sent, n_correct = main_gen.n_correct, n_wrong = main_gen.n_wrong;
    uint64_t outstanding = 0;
    for (int i = 0; i < n_sws; i++) {
        outstanding += sws[i].n_out;
    }
    uint64_t missing = n_sent > n_correct + n_wrong + outstanding
                       ? n_sent - n_correct - n_wrong - outstanding : 0;
    long rss = controller_rss_kib();
    long peak = controller_peak_kib();
    double rate = (double)n_correct / secs;
    /* Fairness: the slowest and fastest switch, against the mean. */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < n_sws; i++) {
        lo = MIN(lo, sws[i].n_correct);
        hi = MAX(hi, sws[i].n_correct);
    }
    double mean = n_sws ? (double)n_correct / n_sws : 0;
    printf("%-40s %12s\n", "vxbench", opt.label);
    printf("%-40s %12s\n", "mode", mode_names[opt.mode]);
    printf("%-40s %12s\n", "pacing", opt.latency ? "latency" : "throughput");
    printf("%-40s %12d\n", "switches", n_sws);
    printf("%-40s %12.0f\n", opt.verify ? "correct replies/s" : "replies/s (unverified)", rate);
    printf("%-40s %12" PRIu64 "\n", "requests sent", n_sent);
    printf("%-40s %12" PRIu64 "\n", "wrong replies", n_wrong);
    printf("%-40s %12" PRIu64 "\n", "missing replies", missing);
    printf("%-40s %12" PRIu64 "\n", "latency p50 (us)", percentile_us(0.50));
    printf("%-40s %12" PRIu64 "\n", "latency p99 (us)", percentile_us(0.99));
    printf("%-40s %12" PRIu64 "\n", "latency p99.9 (us)", percentile_us(0.999));
    printf("%-40s %12" PRIu64 "\n", "latency max (us)", max_us());
    printf("%-40s %12ld\n", "controller RSS (KiB)", rss);
    printf("%-40s %12ld\n", "controller peak RSS (KiB)", peak);
    printf("%-40s %12.0f\n", "controller CPU (% of one core)", ctl_cpu);
    printf("%-40s %12.0f\n", "generator CPU (% of one core)", gen_cpu);
    printf("%-40s %12.0f\n", "busiest generator thread CPU (%)", busiest);
    printf("%-40s %12d\n", "generator threads", opt.threads);
    printf("%-40s %12d\n", "window (requests per switch)", opt.window);
    printf("%-40s %12.3f\n", "all switches connected after (s)", connect_s);
    printf("%-40s %12.2f\n", "slowest switch / mean", mean ? lo / mean : 0);
    printf("%-40s %12.2f\n", "fastest switch / mean", mean ? hi / mean : 0);
    printf("{\"bench\":\"traffic\",\"label\":\"%s\",\"mode\":\"%s\",\"pacing\":\"%s\",\"switches\":%d,"
           "\"verified\":%s,\"replies_per_s\":%.0f,\"sent\":%" PRIu64 ",\"wrong\":%" PRIu64
           ",\"missing\":%" PRIu64 ",\"p50_us\":%" PRIu64 ",\"p99_us\":%" PRIu64 ",\"p999_us\":%" PRIu64 ",\"max_us\":%" PRIu64
           ",\"controller_rss_kib\":%ld,\"controller_peak_rss_kib\":%ld,\"controller_cpu_pct\":%.0f,"
           "\"generator_cpu_pct\":%.0f,\"generator_busiest_thread_pct\":%.0f,\"threads\":%d,"
           "\"window\":%d,\"connect_s\":%.3f,"
           "\"tls\":%s,\"switch_min_per_s\":%.0f,\"switch_max_per_s\":%.0f,\"switch_mean_per_s\":%.0f}\n",
           opt.label, mode_names[opt.mode], opt.latency ? "latency" : "throughput", n_sws,
           opt.verify ? "true" : "false", rate, n_sent, n_wrong, missing, percentile_us(0.50),
           percentile_us(0.99), percentile_us(0.999), max_us(), rss, peak, ctl_cpu, gen_cpu, busiest,
           opt.threads, opt.window, connect_s,
           tls ? "true" : "false", lo / secs, hi / secs, mean / secs);
    return opt.verify && (n_wrong || missing) ? 1 : 0;
}
