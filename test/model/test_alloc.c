/* Allocation for zero-touch attachment (#17): the subnet's edges, the
 * gateway, DNS servers, the reserved range, taken addresses, quarantine,
 * /30, /31, /32, exhaustion, and MACs under a prefix. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/alloc.h"
#include "model/vxconf.h"

static struct vx_network_cfg nets[3];
static struct vx_host_cfg hosts[8];
static struct vx_config cfg;
static struct alloc_quarantine q;

static uint32_t ip__(const char *s)
{
    uint32_t ip;
    cr_assert(ip_from_str(s, &ip), "%s", s);
    return ip;
}

static const char *str__(uint32_t ip)
{
    static char buf[4][IP_ADDR_STRLEN];
    static int k;
    return ip_to_str(ip, buf[k++ % 4]);
}

static void net__(int i, uint32_t vni, const char *cidr, const char *gw)
{
    unsigned int prefix;
    memset(&nets[i], 0, sizeof nets[i]);
    nets[i].vni = vni;
    cr_assert(cidr_from_str(cidr, &nets[i].subnet, &prefix));
    nets[i].prefix = (uint8_t)prefix;
    nets[i].gateway = gw ? ip__(gw) : 0;
}

static void host__(uint32_t vni, const char *ip, uint8_t last)
{
    struct vx_host_cfg *h = &hosts[cfg.n_hosts++];
    memset(h, 0, sizeof *h);
    h->vni = vni;
    h->ip = ip__(ip);
    memcpy(h->mac, (uint8_t[]) { 0x02, 0, 0, 0, 0, last }, 6);
}

static void setup(void)
{
    memset(&cfg, 0, sizeof cfg);
    memset(&q, 0, sizeof q);
    net__(0, 3, "192.168.5.0/24", "192.168.5.253");
    nets[0].dns[nets[0].n_dns++] = ip__("192.168.5.1");
    net__(1, 7, "10.9.0.0/30", "10.9.0.1");
    net__(2, 9, "10.9.1.0/31", NULL);
    cfg.networks = nets;
    cfg.n_networks = 3;
    cfg.hosts = hosts;
    host__(3, "192.168.5.2", 1);
    host__(3, "192.168.5.3", 2);
}

static void teardown(void)
{
    alloc_quarantine_clear(&q);
}

static uint32_t alloc_ok(uint32_t vni, uint64_t now)
{
    uint32_t ip = 0;
    cr_assert_eq(alloc_ip(&cfg, vni, &q, now, &ip), ALLOC_OK, "network %u", vni);
    return ip;
}

TestSuite(alloc, .init = setup, .fini = teardown);

Test(alloc, skips_network_address_dns_hosts)
{
    /* .0 is the network, .1 a DNS server, .2 and .3 hosts. */
    cr_assert_str_eq(str__(alloc_ok(3, 0)), "192.168.5.4");
}

Test(alloc, skips_gateway_and_broadcast)
{
    nets[0].reserved_lo = ip__("192.168.5.4");
    nets[0].reserved_hi = ip__("192.168.5.252");
    /* .253 is the gateway, .254 is free, .255 the broadcast. */
    cr_assert_str_eq(str__(alloc_ok(3, 0)), "192.168.5.254");
    host__(3, "192.168.5.254", 3);
    uint32_t ip;
    cr_assert_eq(alloc_ip(&cfg, 3, &q, 0, &ip), ALLOC_EXHAUSTED);
}

Test(alloc, reserved_range)
{
    nets[0].reserved_lo = ip__("192.168.5.4");
    nets[0].reserved_hi = ip__("192.168.5.10");
    cr_assert_str_eq(str__(alloc_ok(3, 0)), "192.168.5.11");
}

Test(alloc, slash_30_works_then_is_exhausted)
{
    /* 10.9.0.0/30: .1 is the gateway, .2 the only address, .3 broadcast. */
    cr_assert_str_eq(str__(alloc_ok(7, 0)), "10.9.0.2");
    host__(7, "10.9.0.2", 4);
    uint32_t ip;
    cr_assert_eq(alloc_ip(&cfg, 7, &q, 0, &ip), ALLOC_EXHAUSTED);
}

Test(alloc, slash_31_and_32_refused)
{
    uint32_t ip;
    cr_assert_eq(alloc_ip(&cfg, 9, &q, 0, &ip), ALLOC_TOO_SMALL);
    net__(2, 9, "10.9.1.7/32", NULL);
    cr_assert_eq(alloc_ip(&cfg, 9, &q, 0, &ip), ALLOC_TOO_SMALL);
}

Test(alloc, unknown_network)
{
    uint32_t ip;
    cr_assert_eq(alloc_ip(&cfg, 4, &q, 0, &ip), ALLOC_NO_NETWORK);
}

Test(alloc, quarantine_delays_reuse)
{
    alloc_quarantine_add(&q, 3, ip__("192.168.5.4"), 1000);
    alloc_quarantine_add(&q, 7, ip__("192.168.5.5"), 5000);    /* another network's */
    cr_assert_str_eq(str__(alloc_ok(3, 999)), "192.168.5.5");
    cr_assert_str_eq(str__(alloc_ok(3, 1000)), "192.168.5.4", "reusable at its time");
    alloc_quarantine_expire(&q, 1000);
    cr_assert_eq(q.n, 1, "the expired entry is gone, the other stays");
    cr_assert_eq(q.v[0].vni, 7);
}

Test(alloc, macs_under_a_prefix)
{
    static const uint8_t prefix[3] = { 0x02, 0x76, 0x76 };
    uint8_t mac[6];
    char s[ETH_ADDR_STRLEN];

    cr_assert(alloc_mac(&cfg, prefix, mac));
    cr_assert_str_eq(eth_addr_to_str(mac, s), "02:76:76:00:00:01");
    memcpy(hosts[0].mac, mac, 6);
    cr_assert(alloc_mac(&cfg, prefix, mac));
    cr_assert_str_eq(eth_addr_to_str(mac, s), "02:76:76:00:00:02", "the first is taken");
    cr_assert(alloc_mac_prefix_ok(prefix));
    cr_assert_not(alloc_mac_prefix_ok((uint8_t[]) { 0x00, 0x76, 0x76 }), "globally administered");
    cr_assert_not(alloc_mac_prefix_ok((uint8_t[]) { 0x03, 0x76, 0x76 }), "multicast");
    cr_assert_not(alloc_mac_prefix_ok((uint8_t[]) { 0x02, 0x76, 0x78 }), "gateway MACs");
}
