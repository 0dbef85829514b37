/* DHCPv4 message parsing, the static-reservation server's decision, and
 * reply building (RFC 2131, RFC 2132).
 *
 * Pure functions with no state: the packet-in service supplies the host's
 * reservation from the model (struct dhcp_lease) and writes the reply frame
 * into a connection's output buffer.
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_DHCP_H
#define VX_DHCP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/pkt.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC 0x63825363u
/* The fixed BOOTP header (RFC 2131 section 2, figure 1), byte arrays only
 * so that it may overlay an unaligned frame; the magic cookie follows. */
struct dhcp_wire {
    uint8_t op, htype, hlen, hops;
    uint8_t xid[4];
    uint8_t secs[2];
    uint8_t flags[2];
    uint8_t ciaddr[4];
    uint8_t yiaddr[4];
    uint8_t siaddr[4];
    uint8_t giaddr[4];
    uint8_t chaddr[16];
    uint8_t sname[64];
    uint8_t file[128];
};
#define DHCP_FIXED_SIZE 236     /* sizeof(struct dhcp_wire) */
_Static_assert(sizeof(struct dhcp_wire) == DHCP_FIXED_SIZE, "BOOTP header");
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_msg_type {
    DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPDECLINE = 4,
    DHCPACK = 5, DHCPNAK = 6, DHCPRELEASE = 7, DHCPINFORM = 8,
};

enum dhcp_opt {
    DHO_PAD = 0, DHO_SUBNET_MASK = 1, DHO_ROUTER = 3, DHO_DNS = 6,
    DHO_HOSTNAME = 12, DHO_DOMAIN_NAME = 15, DHO_MTU = 26, DHO_BROADCAST = 28,
    DHO_REQUESTED_IP = 50, DHO_LEASE_TIME = 51, DHO_OVERLOAD = 52,
    DHO_MSG_TYPE = 53, DHO_SERVER_ID = 54, DHO_PARAM_REQ = 55, DHO_MESSAGE = 56,
    DHO_MAX_SIZE = 57, DHO_T1 = 58, DHO_T2 = 59, DHO_CLIENT_ID = 61, DHO_END = 255,
};

/* X(NAME, text for logs and counters) */
#define DHCP_ERRS(X) \
    X(DHCP_OK, "ok") \
    X(DHCP_ERR_TRUNCATED, "truncated BOOTP header")  /* shorter than the BOOTP header + cookie */ \
    X(DHCP_ERR_NOT_REQUEST, "not a BOOTREQUEST")  /* op != BOOTREQUEST */ \
    X(DHCP_ERR_BAD_HTYPE, "hardware type not Ethernet")  /* not Ethernet, or hlen != 6 */ \
    X(DHCP_ERR_BAD_COOKIE, "bad magic cookie") \
    X(DHCP_ERR_OPT_OVERRUN, "option runs past the end")  /* an option's length runs past the end */ \
    X(DHCP_ERR_NO_END, "missing end option")  /* options end without the end option */ \
    X(DHCP_ERR_BAD_OPT_LEN, "bad option length")  /* a known option with a wrong length */ \
    X(DHCP_ERR_NO_MSG_TYPE, "no message type option") \
    X(DHCP_ERR_BAD_MSG_TYPE, "bad message type")
enum dhcp_err {
#define X(NAME, TEXT) NAME,
    DHCP_ERRS(X)
#undef X
    DHCP_N_ERRS
};
const char *dhcp_err_to_string(enum dhcp_err);

/* The fields of a request that a server acts on (RFC 2131 4.3): secs,
 * yiaddr and siaddr are meaningless from a client and are not decoded. */
struct dhcp_msg {
    uint32_t xid;
    uint16_t flags;
    uint32_t ciaddr, giaddr;
    uint8_t chaddr[6];

    uint8_t msg_type;           /* enum dhcp_msg_type */
    bool has_requested_ip;
    uint32_t requested_ip;
    bool has_server_id;
    uint32_t server_id;
    uint8_t n_params;           /* option 55 */
    uint8_t params[255];
    uint16_t max_size;          /* option 57, 0 if absent */
};

/* Parses the BOOTP/DHCP message in 'p' (the UDP payload), including options
 * in 'file' and 'sname' when option 52 says so (RFC 2132 9.3).  Repeated
 * options are concatenated per RFC 3396 only for option 55; for the others
 * the last occurrence wins. */
enum dhcp_err dhcp_parse(const uint8_t *p, size_t size, struct dhcp_msg *);

/* One host's reservation and its network's parameters. */
struct dhcp_lease {
    uint32_t ip;
    uint32_t mask;
    uint32_t server_id;         /* the network's gateway IP */
    uint32_t router;            /* 0: the network has no gateway to offer */
    uint8_t n_dns;
    uint32_t dns[4];
    const char *domain;         /* NULL or empty: none */
    uint16_t mtu;
    uint32_t lease_time;        /* seconds; T1 = 50%, T2 = 87.5% */
    uint8_t server_mac[6];      /* Ethernet source of replies */
};

/* Why a request got the reply it got (for counters and logs). */
/* X(NAME, text for logs and counters) */
#define DHCP_VERDICTS(X) \
    X(DHCP_V_OFFER, "offer") \
    X(DHCP_V_ACK, "ack") \
    X(DHCP_V_ACK_INFORM, "ack-inform") \
    X(DHCP_V_NAK_WRONG_IP, "nak-wrong-ip")  /* requested IP / ciaddr is not the reservation */ \
    X(DHCP_V_NAK_WRONG_SERVER, "nak-wrong-server")  /* SELECTING a server that is not us */ \
    X(DHCP_V_IGNORE_OTHER_SERVER, "ignore-other-server")  /* RFC 2131 4.3.2: REQUEST for another server: silent */ \
    X(DHCP_V_RELEASE, "release") \
    X(DHCP_V_DECLINE, "decline") \
    X(DHCP_V_IGNORE_BAD_TYPE, "ignore-bad-type")  /* OFFER/ACK/NAK sent by a client */
enum dhcp_verdict {
#define X(NAME, TEXT) NAME,
    DHCP_VERDICTS(X)
#undef X
    DHCP_N_VERDICTS
};
const char *dhcp_verdict_to_string(enum dhcp_verdict);

/* Decides the answer to 'req' from a host whose reservation is 'lease'
 * (RFC 2131 4.3).  Returns the verdict; the reply message type follows from
 * it (OFFER, ACK or NAK), or there is none. */
enum dhcp_verdict dhcp_decide(const struct dhcp_msg *req, const struct dhcp_lease *lease);
/* Message type to send for 'v', or 0 for none. */
uint8_t dhcp_verdict_reply_type(enum dhcp_verdict v);

/* Appends the complete Ethernet/IPv4/UDP/DHCP reply frame of 'reply_type'
 * to 'req' (parsed as 'req_pkt' and 'req').  Addressing follows RFC 2131
 * 4.1: NAK and replies to clients that set the broadcast flag go to
 * 255.255.255.255; to a client with ciaddr, unicast to ciaddr; otherwise
 * unicast to yiaddr and chaddr.  Options: 53 and 54 always; 51, 58, 59 for a
 * lease; the parameters the client lists in option 55, in its order; then,
 * unrequested, subnet mask, router, DNS and MTU, which an overlay host needs
 * whatever its client asks for. */
void dhcp_put_reply(struct vxbuf *b, const struct pkt_info *req_pkt,
                    const struct dhcp_msg *req, const struct dhcp_lease *lease,
                    uint8_t reply_type);

/* dhcp_put_reply() in two steps, for a caller that keeps the first: the
 * options of a reply, as bytes with their RFC 1071 sum, then the frame
 * around them.  The options depend on the reply type, on whether the
 * request is an INFORM, on its parameter list (option 55), and on the
 * lease's network part -- on the host's address only if the client asks
 * for the broadcast address (dhcp_options_per_host): so one network's
 * replies of one type to one parameter list share their options. */
/* The most the options of a reply take: message type, server identifier,
 * lease time, T1 and T2, then each parameter once at most (mask, router,
 * 4 DNS servers, a 255-byte domain, MTU, broadcast), and the end option.
 * A NAK's message is shorter than the lease times and parameters. */
#define DHCP_REPLY_OPTIONS_MAX (3 + 6 + 3 * 6 + (6 + 6 + 18 + 257 + 4 + 6) + 1)
struct dhcp_options {
    uint16_t size;
    uint32_t sum;                       /* csum_add() of 'bytes' */
    uint8_t bytes[DHCP_REPLY_OPTIONS_MAX];
};
void dhcp_reply_options(const struct dhcp_msg *req, const struct dhcp_lease *lease,
                        uint8_t reply_type, struct dhcp_options *);
bool dhcp_options_per_host(const struct dhcp_msg *req);
void dhcp_put_reply_with(struct vxbuf *b, const struct pkt_info *req_pkt,
                         const struct dhcp_msg *req, const struct dhcp_lease *lease,
                         uint8_t reply_type, const struct dhcp_options *);

#endif
