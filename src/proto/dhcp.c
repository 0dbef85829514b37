#include "proto/dhcp.h"

#include <assert.h>
#include <string.h>

#include "core/util.h"

VX_DEFINE_NAMES(dhcp_err_to_string, enum dhcp_err, DHCP_ERRS, DHCP_N_ERRS)

VX_DEFINE_NAMES(dhcp_verdict_to_string, enum dhcp_verdict, DHCP_VERDICTS, DHCP_N_VERDICTS)

/* Whether option 't' has the fixed length 'len' its code requires. */
static bool opt_fixed__(const struct vxtlv *t, size_t len)
{
    return t->value_len == len;
}

/* Takes one option into 'm'.  Returns DHCP_OK or the error. */
static enum dhcp_err take_option__(const struct vxtlv *t, struct dhcp_msg *m, uint8_t *overload)
{
    const uint8_t *v = t->value;

    switch (t->hdr[0]) {
    case DHO_MSG_TYPE:
        if (!opt_fixed__(t, 1)) return DHCP_ERR_BAD_OPT_LEN;
        m->msg_type = v[0];
        break;
    case DHO_REQUESTED_IP:
        if (!opt_fixed__(t, 4)) return DHCP_ERR_BAD_OPT_LEN;
        m->has_requested_ip = true;
        m->requested_ip = get_be32(v);
        break;
    case DHO_SERVER_ID:
        if (!opt_fixed__(t, 4)) return DHCP_ERR_BAD_OPT_LEN;
        m->has_server_id = true;
        m->server_id = get_be32(v);
        break;
    case DHO_PARAM_REQ: {
        /* RFC 3396: a split option is the concatenation of its parts. */
        size_t n = MIN(t->value_len, sizeof m->params - m->n_params);
        memcpy(m->params + m->n_params, v, n);
        m->n_params = (uint8_t)(m->n_params + n);
        break;
    }
    case DHO_MAX_SIZE:
        if (!opt_fixed__(t, 2)) return DHCP_ERR_BAD_OPT_LEN;
        m->max_size = get_be16(v);
        break;
    case DHO_OVERLOAD:
        if (!opt_fixed__(t, 1) || v[0] < 1 || v[0] > 3) return DHCP_ERR_BAD_OPT_LEN;
        *overload = v[0];
        break;
    default:
        break;
    }
    return DHCP_OK;
}

/* Parses one option area.  '*saw_end' reports whether the end option was
 * found.  Returns DHCP_OK or the error. */
static enum dhcp_err parse_options__(const uint8_t *p, size_t size, struct dhcp_msg *m,
                                     uint8_t *overload, bool *saw_end)
{
    struct vxcur c = vxcur_make(p, size);

    *saw_end = false;
    while (c.left) {
        if (c.p[0] == DHO_PAD) {
            vxcur_pull(&c, 1);  /* RFC 2132 3.1: one byte, no length */
            continue;
        }
        if (c.p[0] == DHO_END) {
            *saw_end = true;
            return DHCP_OK;
        }
        /* RFC 2132 2: code, length, then 'length' bytes. */
        if (c.left < 2 || 2u + c.p[1] > c.left) {
            return DHCP_ERR_OPT_OVERRUN;
        }
        struct vxtlv t = { c.p, c.p + 2, c.p[1], 2u + c.p[1] };
        vxcur_pull(&c, t.size);
        enum dhcp_err err = take_option__(&t, m, overload);
        if (err) {
            return err;
        }
    }
    return DHCP_OK;
}

enum dhcp_err dhcp_parse(const uint8_t *p, size_t size, struct dhcp_msg *m)
{
    uint8_t overload = 0, ignored = 0;
    bool saw_end;
    enum dhcp_err err;

    if (size < DHCP_FIXED_SIZE + 4) {
        return DHCP_ERR_TRUNCATED;
    }
    const struct dhcp_wire *w = (const void *)p;
    if (w->op != BOOTREQUEST) {
        return DHCP_ERR_NOT_REQUEST;
    }
    if (w->htype != ARPHRD_ETHER || w->hlen != ETH_ALEN) {
        return DHCP_ERR_BAD_HTYPE;
    }
    if (get_be32(p + DHCP_FIXED_SIZE) != DHCP_MAGIC) {
        return DHCP_ERR_BAD_COOKIE;
    }
    m->xid = get_be32(w->xid);
    m->flags = get_be16(w->flags);
    m->ciaddr = get_be32(w->ciaddr);
    m->giaddr = get_be32(w->giaddr);
    memcpy(m->chaddr, w->chaddr, ETH_ALEN);
    m->msg_type = 0;
    m->has_requested_ip = m->has_server_id = false;
    m->n_params = 0;
    m->max_size = 0;

    err = parse_options__(p + DHCP_FIXED_SIZE + 4, size - DHCP_FIXED_SIZE - 4,
                          m, &overload, &saw_end);
    if (err) {
        return err;
    }
    if (!saw_end) {
        return DHCP_ERR_NO_END;
    }
    /* RFC 2132 9.3: 'file', then 'sname'. */
    if (overload & 1) {
        err = parse_options__(w->file, sizeof w->file, m, &ignored, &saw_end);
        if (err) return err;
        if (!saw_end) return DHCP_ERR_NO_END;
    }
    if (overload & 2) {
        err = parse_options__(w->sname, sizeof w->sname, m, &ignored, &saw_end);
        if (err) return err;
        if (!saw_end) return DHCP_ERR_NO_END;
    }
    if (!m->msg_type) {
        return DHCP_ERR_NO_MSG_TYPE;
    }
    if (m->msg_type > DHCPINFORM) {
        return DHCP_ERR_BAD_MSG_TYPE;
    }
    return DHCP_OK;
}

enum dhcp_verdict dhcp_decide(const struct dhcp_msg *req, const struct dhcp_lease *lease)
{
    switch (req->msg_type) {
    case DHCPDISCOVER:
        return DHCP_V_OFFER;    /* always the reservation, whatever is asked */
    case DHCPREQUEST:
        if (req->has_server_id) {
            /* SELECTING (RFC 2131 4.3.2): the client chose a server. */
            if (req->server_id != lease->server_id) {
                return DHCP_V_IGNORE_OTHER_SERVER;
            }
            if (req->ciaddr || !req->has_requested_ip) {
                return DHCP_V_NAK_WRONG_SERVER;
            }
            return req->requested_ip == lease->ip ? DHCP_V_ACK : DHCP_V_NAK_WRONG_IP;
        }
        if (req->has_requested_ip) {
            /* INIT-REBOOT: ciaddr must be zero, requested IP verified. */
            if (req->ciaddr) {
                return DHCP_V_NAK_WRONG_IP;
            }
            return req->requested_ip == lease->ip ? DHCP_V_ACK : DHCP_V_NAK_WRONG_IP;
        }
        /* RENEWING (unicast) or REBINDING (broadcast): ciaddr is the lease. */
        return req->ciaddr == lease->ip ? DHCP_V_ACK : DHCP_V_NAK_WRONG_IP;
    case DHCPINFORM:
        return DHCP_V_ACK_INFORM;
    case DHCPRELEASE:
        return DHCP_V_RELEASE;
    case DHCPDECLINE:
        return DHCP_V_DECLINE;
    default:
        return DHCP_V_IGNORE_BAD_TYPE;
    }
}

uint8_t dhcp_verdict_reply_type(enum dhcp_verdict v)
{
    switch (v) {
    case DHCP_V_OFFER: return DHCPOFFER;
    case DHCP_V_ACK: case DHCP_V_ACK_INFORM: return DHCPACK;
    case DHCP_V_NAK_WRONG_IP: case DHCP_V_NAK_WRONG_SERVER: return DHCPNAK;
    default: return 0;
    }
}

/* The reply is written in place, once (workers build it straight into a
 * connection's output buffer): 'p' is where the next option goes. */
struct optw {
    uint8_t *p;
};

static void put_opt__(struct optw *w, uint8_t code, const void *v, size_t len)
{
    w->p[0] = code;
    w->p[1] = (uint8_t)len;
    memcpy(w->p + 2, v, len);
    w->p += 2 + len;
}

static void put_opt_u32__(struct optw *w, uint8_t code, uint32_t v)
{
    uint8_t be[4];
    put_be32(be, v);
    put_opt__(w, code, be, 4);
}

/* Appends the parameter option 'code' if 'lease' has it.  Returns true if
 * something was appended. */
static bool put_param__(struct optw *w, uint8_t code, const struct dhcp_lease *l)
{
    switch (code) {
    case DHO_SUBNET_MASK:
        put_opt_u32__(w, code, l->mask);
        return true;
    case DHO_ROUTER:
        if (!l->router) return false;
        put_opt_u32__(w, code, l->router);
        return true;
    case DHO_DNS: {
        uint8_t v[16];
        if (!l->n_dns) return false;
        for (int i = 0; i < l->n_dns; i++) {
            put_be32(v + 4 * i, l->dns[i]);
        }
        put_opt__(w, code, v, 4u * l->n_dns);
        return true;
    }
    case DHO_DOMAIN_NAME:
        if (!l->domain || !l->domain[0]) return false;
        put_opt__(w, code, l->domain, MIN(strlen(l->domain), 255));
        return true;
    case DHO_MTU: {
        uint8_t v[2];
        put_be16(v, l->mtu);
        put_opt__(w, code, v, 2);
        return true;
    }
    case DHO_BROADCAST:
        put_opt_u32__(w, code, l->ip | ~l->mask);
        return true;
    default:
        return false;
    }
}

/* RFC 2131 4.1 (giaddr is always 0: relays are not supported): where a
 * reply goes, by IP and Ethernet address. */
static void reply_destination__(const struct dhcp_msg *req, const struct dhcp_lease *lease,
                                bool nak, uint32_t *ip, const uint8_t **mac)
{
    static const uint8_t bcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    if (nak || (!req->ciaddr && (req->flags & DHCP_FLAG_BROADCAST))) {
        *ip = 0xffffffff;
        *mac = bcast_mac;
    } else {
        *ip = req->ciaddr ? req->ciaddr : lease->ip;
        *mac = req->chaddr;
    }
}

/* Writes the fixed BOOTREPLY header and the magic cookie at 'bootp'
 * (DHCP_FIXED_SIZE + 4 bytes), every byte once, and returns their RFC 1071
 * sum, from the values written (the zeros add nothing). */
static uint32_t write_bootp__(uint8_t *bootp, const struct dhcp_msg *req,
                              const struct dhcp_lease *lease, uint8_t reply_type)
{
    bool nak = reply_type == DHCPNAK, inform = req->msg_type == DHCPINFORM;
    uint32_t ciaddr = inform || (reply_type == DHCPACK && req->ciaddr) ? req->ciaddr : 0;
    uint32_t yiaddr = !nak && !inform ? lease->ip : 0;
    uint16_t op_htype = BOOTREPLY << 8 | ARPHRD_ETHER, hlen_hops = ETH_ALEN << 8;
    struct dhcp_wire *w = (void *)bootp;

    put_be16(bootp, op_htype);
    put_be16(bootp + 2, hlen_hops);
    put_be32(w->xid, req->xid);
    put_be16(w->secs, 0);
    put_be16(w->flags, req->flags);
    put_be32(w->ciaddr, ciaddr);
    put_be32(w->yiaddr, yiaddr);
    put_be32(w->siaddr, 0);
    put_be32(w->giaddr, 0);
    memcpy(w->chaddr, req->chaddr, ETH_ALEN);
    memset(w->chaddr + ETH_ALEN, 0, sizeof w->chaddr - ETH_ALEN + sizeof w->sname + sizeof w->file);
    put_be32(w + 1, DHCP_MAGIC);
    return op_htype + hlen_hops + csum_u32(req->xid) + req->flags + csum_u32(ciaddr)
           + csum_u32(yiaddr) + get_be16(req->chaddr) + get_be16(req->chaddr + 2)
           + get_be16(req->chaddr + 4) + csum_u32(DHCP_MAGIC);
}

/* RFC 2132 9.8: the parameters the client asked for, in its order, then
 * the essentials it did not ask for (the domain only when no list was
 * given). */
static void put_params__(struct optw *w, const struct dhcp_msg *req,
                         const struct dhcp_lease *lease)
{
    static const uint8_t essentials[] = {
        DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_MTU, DHO_DOMAIN_NAME,
    };
    uint64_t sent[4] = { 0, 0, 0, 0 };      /* a bit per option code */

    for (int i = 0; i < req->n_params; i++) {
        uint8_t code = req->params[i];
        if (!(sent[code / 64] >> (code % 64) & 1) && put_param__(w, code, lease)) {
            sent[code / 64] |= 1ULL << (code % 64);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(essentials); i++) {
        uint8_t code = essentials[i];
        if (!(sent[code / 64] >> (code % 64) & 1) && !(code == DHO_DOMAIN_NAME && req->n_params)
            && put_param__(w, code, lease)) {
            sent[code / 64] |= 1ULL << (code % 64);
        }
    }
}

/* The largest reply frame: Ethernet with a VLAN tag, IPv4, UDP, BOOTP
 * and the cookie, the options. */
#define REPLY_FRAME_MAX (ETH_HLEN + 4 + 20 + 8 + DHCP_FIXED_SIZE + 4 + DHCP_REPLY_OPTIONS_MAX)

/* The options of a reply of 'reply_type', ending with the end option. */
static void put_reply_options__(struct optw *w, const struct dhcp_msg *req,
                                const struct dhcp_lease *lease, uint8_t reply_type)
{
    static const char nak_msg[] = "requested address is not reserved for this client";

    put_opt__(w, DHO_MSG_TYPE, &reply_type, 1);
    put_opt_u32__(w, DHO_SERVER_ID, lease->server_id);
    if (reply_type == DHCPNAK) {
        put_opt__(w, DHO_MESSAGE, nak_msg, sizeof nak_msg - 1);
    } else {
        if (req->msg_type != DHCPINFORM) {
            put_opt_u32__(w, DHO_LEASE_TIME, lease->lease_time);
            put_opt_u32__(w, DHO_T1, lease->lease_time / 2);
            put_opt_u32__(w, DHO_T2, (uint32_t)((uint64_t)lease->lease_time * 7 / 8));
        }
        put_params__(w, req, lease);
    }
    *w->p++ = DHO_END;
}

bool dhcp_options_per_host(const struct dhcp_msg *req)
{
    return memchr(req->params, DHO_BROADCAST, req->n_params) != NULL;
}

void dhcp_reply_options(const struct dhcp_msg *req, const struct dhcp_lease *lease,
                        uint8_t reply_type, struct dhcp_options *o)
{
    struct optw w = { o->bytes };

    put_reply_options__(&w, req, lease, reply_type);
    assert(w.p - o->bytes <= DHCP_REPLY_OPTIONS_MAX);
    o->size = (uint16_t)(w.p - o->bytes);
    o->sum = csum_add(0, o->bytes, o->size);
}

void dhcp_put_reply(struct vxbuf *b, const struct pkt_info *req_pkt,
                    const struct dhcp_msg *req, const struct dhcp_lease *lease,
                    uint8_t reply_type)
{
    struct dhcp_options o;

    dhcp_reply_options(req, lease, reply_type, &o);
    dhcp_put_reply_with(b, req_pkt, req, lease, reply_type, &o);
}

/* Built in place in one reservation of REPLY_FRAME_MAX bytes, the unused
 * tail given back: every byte written once, zeros only where the wire has
 * them (sname, file, the padding), and the UDP checksum from the values
 * written and the options' sum. */
void dhcp_put_reply_with(struct vxbuf *b, const struct pkt_info *req_pkt,
                         const struct dhcp_msg *req, const struct dhcp_lease *lease,
                         uint8_t reply_type, const struct dhcp_options *o)
{
    uint32_t ip_dst;
    const uint8_t *eth_dst;

    reply_destination__(req, lease, reply_type == DHCPNAK, &ip_dst, &eth_dst);
    uint8_t *frame = vxbuf_put_uninit(b, REPLY_FRAME_MAX);
    uint8_t *ip = pkt_write_eth(frame, eth_dst, lease->server_mac, req_pkt->has_vlan,
                                req_pkt->vlan_tci, ETHERTYPE_IP);
    uint8_t *bootp = ip + sizeof(struct iphdr) + sizeof(struct udphdr);
    uint32_t sum = write_bootp__(bootp, req, lease, reply_type) + o->sum;
    uint8_t *options = bootp + DHCP_FIXED_SIZE + 4;
    memcpy(options, o->bytes, o->size);
    uint8_t *tail = options + o->size;
    /* BOOTP minimum message of 300 bytes (RFC 1542 2.1), as clients expect. */
    uint8_t *end = tail - bootp < 300 ? bootp + 300 : tail;
    memset(tail, 0, (size_t)(end - tail));
    pkt_write_ipv4_udp(ip, lease->server_id, ip_dst, DHCP_SERVER_PORT, DHCP_CLIENT_PORT,
                       (size_t)(end - bootp), sum);
    vxbuf_trim(b, REPLY_FRAME_MAX - (size_t)(end - frame));
}
