/* Configuration: every validation rule with its exact error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon/settings.h"
#include "model/vxconf.h"

/* A minimal valid fabric; each test breaks one thing in it. */
#define BRIDGES \
    "bridges = ( { name = \"hv1\"; dpid = \"0x1\"; endpoint = \"192.0.2.1\"; },\n" \
    "            { name = \"hv2\"; dpid = \"0x2\"; endpoint = \"192.0.2.2\"; } );\n"
#define NETS \
    "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; gateway = \"10.0.0.254\"; dns = [\"10.0.0.250\"]; },\n" \
    "             { id = 2; subnet = \"10.0.0.0/24\"; gateway = \"10.0.0.253\"; },\n" \
    "             { id = 3; subnet = \"192.168.5.0/24\"; gateway = \"192.168.5.253\"; } );\n"
#define ROUTERS "routers = ( { mac = \"00:bb:cc:dd:ee:00\"; networks = [1, 3]; } );\n"
#define HOST(MAC, NET, BR, PORT, IP) \
    "{ mac = \"" MAC "\"; network = " #NET "; bridge = \"" BR "\"; port = " PORT "; ip = \"" IP "\"; }"

static char path[64];
static struct settings settings;

/* The file as the daemon reads it: objects and settings. */
static bool load(const char *file, struct vx_config *cfg, struct vx_errors *errs)
{
    return settings_load(file, &settings, cfg, errs);
}

static void write_conf(const char *text)
{
    snprintf(path, sizeof path, "/tmp/vxconf-test-%d.conf", getpid());
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads 'text' and asserts it fails with an error containing 'want'. */
static void assert_rejected(const char *text, const char *want)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };
    bool found = false;

    write_conf(text);
    cr_assert_not(load(path, &cfg, &errs), "accepted a config that should fail with '%s'", want);
    cr_assert_eq(cfg.n_hosts + cfg.n_bridges + cfg.n_networks, 0, "nothing half-loaded");
    for (size_t i = 0; i < errs.n; i++) {
        found |= strstr(errs.msgs[i], want) != NULL;
    }
    if (!found) {
        for (size_t i = 0; i < errs.n; i++) {
            fprintf(stderr, "  error: %s\n", errs.msgs[i]);
        }
    }
    cr_assert(found, "no error containing '%s'", want);
    vx_errors_clear(&errs);
    unlink(path);
}

Test(config, example_and_valid)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };

    cr_assert(load(SOURCE_DIR "/conf/vxfabric.conf", &cfg, &errs));
    cr_assert_eq(cfg.n_bridges, 2);
    cr_assert_eq(cfg.n_networks, 3);
    cr_assert_eq(cfg.n_routers, 1);
    cr_assert_eq(cfg.n_hosts, 12);
    cr_assert_eq(cfg.bridges[0].dpid, 0x32d1f6ddc94fULL);
    cr_assert_eq(cfg.bridges[0].tun_ip, 0xc0a801d8);
    cr_assert_eq(cfg.networks[0].mtu, 1450, "VXLAN default MTU");
    cr_assert_str_eq(settings.listen, "tcp:127.0.0.1:6653");
    vxconf_free(&cfg);
}

Test(config, vni_range)
{
    assert_rejected(BRIDGES "networks = ( { id = 16777216; subnet = \"10.0.0.0/24\"; } );\n",
                    ":3: network 16777216: VNI 16777216 is outside 1..16777215");
    assert_rejected(BRIDGES "networks = ( { id = 0; subnet = \"10.0.0.0/24\"; } );\n",
                    "network 0: VNI 0 is outside 1..16777215");
}

Test(config, ip_outside_subnet)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.1.5") " );\n",
                    ":6: host 02:00:00:00:00:01: IP 10.0.1.5 is outside network 1's subnet 10.0.0.0/24");
}

Test(config, duplicate_network_ip)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.0.5") ",\n"
                    HOST("02:00:00:00:00:02", 1, "hv2", "1", "10.0.0.5") " );\n",
                    ":7: host 02:00:00:00:00:02: duplicate (network, IP) (first at line 6)");
}

Test(config, same_ip_in_overlapping_networks_is_fine)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };

    write_conf(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.0.5") ",\n"
               HOST("02:00:00:00:00:02", 2, "hv1", "2", "10.0.0.5") " );\n");
    cr_assert(load(path, &cfg, &errs), "%s", errs.n ? errs.msgs[0] : "");
    vxconf_free(&cfg);
    unlink(path);
}

Test(config, duplicate_bridge_port)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "\"vm1-p\"", "10.0.0.5") ",\n"
                    HOST("02:00:00:00:00:02", 2, "hv1", "\"vm1-p\"", "10.0.0.6") " );\n",
                    "host 02:00:00:00:00:02: duplicate (bridge, port) (first at line 6)");
}

Test(config, duplicate_network_mac)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.0.5") ",\n"
                    HOST("02:00:00:00:00:01", 1, "hv2", "1", "10.0.0.6") " );\n",
                    ":7: host 02:00:00:00:00:01: duplicate (network, MAC) (first at line 6)");
}

Test(config, unknown_references)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 9, "hv1", "1", "10.0.0.5") " );\n",
                    "host 02:00:00:00:00:01: unknown network 9");
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv9", "1", "10.0.0.5") " );\n",
                    "host 02:00:00:00:00:01: unknown bridge 'hv9'");
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "0x99", "1", "10.0.0.5") " );\n",
                    "host 02:00:00:00:00:01: unknown bridge 0x99");
    assert_rejected(BRIDGES NETS "routers = ( { mac = \"00:bb:cc:dd:ee:00\"; networks = [1, 7]; } );\n",
                    "router 00:bb:cc:dd:ee:00: unknown network 7");
}

Test(config, gateway_outside_subnet)
{
    assert_rejected(BRIDGES "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; gateway = \"10.0.1.254\"; } );\n",
                    "network 1: gateway 10.0.1.254 is outside subnet 10.0.0.0/24");
}

Test(config, router_overlapping_networks)
{
    assert_rejected(BRIDGES NETS "routers = ( { mac = \"00:bb:cc:dd:ee:00\"; networks = [1, 2]; } );\n",
                    "router 00:bb:cc:dd:ee:00: networks 1 and 2 have overlapping subnets (ambiguous routing)");
    assert_rejected(BRIDGES NETS "routers = ( { mac = \"00:bb:cc:dd:ee:00\"; networks = [1, 3]; },\n"
                    "            { mac = \"00:bb:cc:dd:ee:01\"; networks = [3]; } );\n",
                    "network 3 is already on router at line 6");
}

Test(config, malformed_values)
{
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:0g", 1, "hv1", "1", "10.0.0.5") " );\n",
                    ":6: host #1: malformed or missing 'mac'");
    assert_rejected(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.0.256") " );\n",
                    "host 02:00:00:00:00:01: malformed or missing 'ip'");
    assert_rejected(BRIDGES "networks = ( { id = 1; subnet = \"10.0.0.0/33\"; } );\n",
                    "network 1: 'subnet' must be a CIDR");
    assert_rejected(BRIDGES "networks = ( { id = 1; subnet = \"10.0.0.1/24\"; } );\n",
                    "network 1: subnet '10.0.0.1/24' has host bits set");
    assert_rejected("bridges = ( { dpid = \"0x1\"; endpoint = \"300.0.0.1\"; } );\n",
                    "bridge 0x1: 'endpoint' must be an IPv4 address");
    assert_rejected(BRIDGES NETS "routers = ( { mac = \"00:bb:cc:dd:ee\"; networks = [1]; } );\n",
                    "router #1: 'mac' must be a MAC");
}

/* #20: arp_responder at the top level and per network. */
Test(config, arp_responder)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };

    write_conf("arp_responder = \"datapath\";\n" BRIDGES
               "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; arp_responder = \"controller\"; },\n"
               "             { id = 2; subnet = \"10.0.1.0/24\"; } );\n");
    cr_assert(load(path, &cfg, &errs));
    cr_assert_eq(cfg.arp_responder, VX_ARP_DATAPATH);
    cr_assert_eq(cfg.networks[0].arp_responder, VX_ARP_CONTROLLER);
    cr_assert_eq(cfg.networks[1].arp_responder, VX_ARP_DEFAULT, "takes the fabric's");
    vxconf_free(&cfg);
    unlink(path);
    assert_rejected("arp_responder = \"kernel\";\n" BRIDGES,
                    "top level: arp_responder 'kernel' is not controller or datapath");
    assert_rejected(BRIDGES "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; arp_responder = \"x\"; } );\n",
                    ":3: network 1: arp_responder 'x' is not controller or datapath");
}

Test(config, syntax_and_unknown_keys)
{
    assert_rejected("bridges = ( { dpid = ; } );\n", ":1: syntax error");
    assert_rejected("bridgez = ();\n", "top level: unknown key 'bridgez'");
    assert_rejected(BRIDGES "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; gatway = \"10.0.0.1\"; } );\n",
                    "network #1: unknown key 'gatway'");
}

Test(config, every_error_listed)
{
    struct vx_config cfg;
    struct vx_errors errs = { 0, 0, NULL };

    /* Three independent errors: all three are reported, not just the first. */
    write_conf(BRIDGES NETS "hosts = ( " HOST("02:00:00:00:00:01", 1, "hv1", "1", "10.0.1.5") ",\n"
               HOST("02:00:00:00:00:02", 9, "hv1", "2", "10.0.0.6") ",\n"
               HOST("02:00:00:00:00:03", 1, "hv3", "3", "10.0.0.7") " );\n");
    cr_assert_not(load(path, &cfg, &errs));
    cr_assert_eq(errs.n, 3, "got %zu errors", errs.n);
    vx_errors_clear(&errs);
    unlink(path);
}

/* Hardening #13.9: a network rejected after its DNS list was read used to
 * leave its n_dns in the slot the next network reuses, which then wrote
 * past dns[] (ASan/UBSan in the sanitized run).  Each element is now read
 * into a zeroed slot. */
Test(config, rejected_network_leaves_no_stale_dns)
{
    assert_rejected(BRIDGES
                    "networks = ( { id = 1; subnet = \"10.0.0.0/24\"; mtu = 1;\n"
                    "               dns = [\"10.0.0.1\", \"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\"]; },\n"
                    "             { id = 2; subnet = \"10.0.1.0/24\"; dns = [\"10.0.1.1\", \"10.0.1.2\"]; } );\n",
                    "network 1: mtu must be 576..9000");
}

/* The same for a router rejected after its network list was read. */
Test(config, rejected_router_leaves_no_stale_networks)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "%s%s", BRIDGES, NETS);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "routers = ( { mac = \"01:bb:cc:dd:ee:00\"; networks = [");
    for (int i = 1; i <= 64; i++) {
        n += snprintf(text + n, sizeof text - (size_t)n, "%s%d", i > 1 ? "," : "", i);
    }
    snprintf(text + n, sizeof text - (size_t)n,
             "]; },\n { mac = \"00:bb:cc:dd:ee:01\"; networks = [1, 3]; } );\n");
    assert_rejected(text, "MAC is multicast");
}
