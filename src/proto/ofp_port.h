/* Port descriptions: PORT_DESC multipart replies and PORT_STATUS
 * (OF1.3.5 A.2.1, A.3.5.7, A.4.3).  Port numbers are 32 bits.
 *
 * Contract: any thread, no shared state, no RCU.  Values and buffers
 * belong to the caller; decoders read only the bytes they are given and
 * keep no pointer beyond the call (except into the caller's message,
 * valid as long as it is); encoders append to the caller's vxbuf. */
#ifndef VX_OFP_PORT_H
#define VX_OFP_PORT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/ofp_errors.h"
#include "proto/ofp_wire.h"

struct of_port {
    uint32_t port_no;
    uint8_t hw_addr[6];
    char name[OFP_MAX_PORT_NAME_LEN + 1];   /* always NUL-terminated */
    uint32_t config;
    uint32_t state;
};

static inline bool of_port_is_up(const struct of_port *p)
{
    return !(p->config & OFPPC_PORT_DOWN) && !(p->state & OFPPS_LINK_DOWN);
}

/* Decodes the next struct ofp_port of a PORT_DESC reply body at 'c'.
 * Returns 0, or BAD_REQUEST_LEN if fewer than 64 bytes remain. */
enum ofperr ofp_pull_port(struct vxcur *c, struct of_port *);

struct of_port_status {
    uint8_t reason;             /* enum ofp_port_reason */
    struct of_port desc;
};
enum ofperr ofp_decode_port_status(const void *msg, size_t size, struct of_port_status *);

/* The port named 'name' or numbered 'port_no' among 'n' ports, or NULL. */
const struct of_port *of_port_by_name(const struct of_port *, size_t n, const char *name);
const struct of_port *of_port_by_number(const struct of_port *, size_t n, uint32_t port_no);

/* Appends one struct ofp_port (used by vxbench's emulated switches). */
void ofp_put_port(struct vxbuf *, const struct of_port *);

#endif
