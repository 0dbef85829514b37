/* Fuzz target: the DHCP parser, the server's decision and the reply
 * builder, fed a BOOTP/DHCP payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct dhcp_lease lease = {
        .ip = 0xc0a80501, .mask = 0xffffff00, .server_id = 0xc0a805fd,
        .router = 0xc0a805fd, .n_dns = 2, .dns = { 0xc0a805f9, 0x08080808 },
        .domain = "example.test", .mtu = 1450, .lease_time = 600,
        .server_mac = { 0, 0xbb, 0xcc, 0xdd, 0xee, 0 },
    };
    uint8_t *buf = malloc(size ? size : 1);
    struct dhcp_msg m;
    struct pkt_info pi;

    memcpy(buf, data, size);
    memset(&pi, 0, sizeof pi);
    if (dhcp_parse(buf, size, &m) == DHCP_OK) {
        enum dhcp_verdict v = dhcp_decide(&m, &lease);
        uint8_t type = dhcp_verdict_reply_type(v);
        if (type) {
            struct vxbuf b = VXBUF_INITIALIZER;
            dhcp_put_reply(&b, &pi, &m, &lease, type);
            /* The reply must parse back as a valid frame. */
            struct pkt_info out;
            if (pkt_parse(vxbuf_data(&b), b.size, &out) != PKT_OK || out.udp_dst != 68) {
                abort();
            }
            vxbuf_uninit(&b);
        }
    }
    free(buf);
    return 0;
}
