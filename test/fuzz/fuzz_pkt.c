/* Fuzz target: frame parsing (Ethernet, VLAN, ARP, IPv4, UDP, ICMP) and
 * the ARP reply built from whatever parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    struct pkt_info pi;

    memcpy(buf, data, size);
    if (pkt_parse(buf, size, &pi) == PKT_OK) {
        if (pi.ip && (pi.ip < buf || pi.ip + pi.ip_size > buf + size)) {
            abort();
        }
        if (pi.payload && pi.payload + pi.payload_size > buf + size) {
            abort();
        }
        if (pi.eth_type == ETHERTYPE_ARP) {
            struct vxbuf b = VXBUF_INITIALIZER;
            uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
            pkt_put_arp_reply(&b, &pi, mac);
            vxbuf_uninit(&b);
        }
    }
    free(buf);
    return 0;
}
