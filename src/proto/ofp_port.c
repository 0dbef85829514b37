#include "proto/ofp_port.h"

#include <string.h>

static void port_from_wire__(const struct ofp_port *op, struct of_port *p)
{
    p->port_no = get_be32(op->port_no);
    memcpy(p->hw_addr, op->hw_addr, 6);
    memcpy(p->name, op->name, OFP_MAX_PORT_NAME_LEN);
    p->name[OFP_MAX_PORT_NAME_LEN] = '\0';
    p->config = get_be32(op->config);
    p->state = get_be32(op->state);
}

enum ofperr ofp_pull_port(struct vxcur *c, struct of_port *p)
{
    const struct ofp_port *op = vxcur_pull(c, sizeof *op);

    if (!op) {
        return OFPERR_BAD_REQUEST_LEN;
    }
    port_from_wire__(op, p);
    return 0;
}

enum ofperr ofp_decode_port_status(const void *msg, size_t size, struct of_port_status *ps)
{
    const struct ofp_port_status *ops = msg;

    (void)size;
    if (ops->reason > OFPPR_MODIFY) {
        return OFPERR_BAD_REQUEST_PACKET;
    }
    ps->reason = ops->reason;
    port_from_wire__(&ops->desc, &ps->desc);
    return 0;
}

void ofp_put_port(struct vxbuf *b, const struct of_port *p)
{
    struct ofp_port *op = vxbuf_put_zeros(b, sizeof *op);

    put_be32(op->port_no, p->port_no);
    memcpy(op->hw_addr, p->hw_addr, 6);
    memcpy(op->name, p->name, strnlen(p->name, OFP_MAX_PORT_NAME_LEN));
    put_be32(op->config, p->config);
    put_be32(op->state, p->state);
}

const struct of_port *of_port_by_name(const struct of_port *ports, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(ports[i].name, name)) {
            return &ports[i];
        }
    }
    return NULL;
}

const struct of_port *of_port_by_number(const struct of_port *ports, size_t n, uint32_t port_no)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i].port_no == port_no) {
            return &ports[i];
        }
    }
    return NULL;
}
