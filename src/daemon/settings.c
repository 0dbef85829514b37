#include "daemon/settings.h"

#include <unistd.h>

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "model/alloc.h"

#define VLOG_MODULE "settings"

void settings_init(struct settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->listen, sizeof s->listen, "tcp:127.0.0.1:6653");
    s->log_level = VLL_INFO;
    s->max_handshakes = 1024;
    s->worker = WORKER_PARAMS_DEFAULT;
    memcpy(s->mac_prefix, (uint8_t[]) { 0x02, 0x76, 0x76 }, 3);
    s->ip_quarantine_s = 60;
    s->output_budget_mib = 256;
    snprintf(s->etcd_endpoints, sizeof s->etcd_endpoints, "http://127.0.0.1:2379");
    snprintf(s->etcd_prefix, sizeof s->etcd_prefix, "/vxfabric");
    if (gethostname(s->instance_name, sizeof s->instance_name - 1)) {
        snprintf(s->instance_name, sizeof s->instance_name, "vxfabricd");
    }
    s->etcd_lease_ttl_s = 3;
}

struct worker_params settings_worker_params(const struct settings *s, int n_workers)
{
    struct worker_params p = s->worker;
    p.output_budget_kib = s->output_budget_mib * 1024u / (unsigned int)(n_workers > 0 ? n_workers : 1);
    return p;
}

static const char *const keys[] = {
    "listen", "workers", "max_handshakes", "log_level", "echo_interval_ms", "state_dir",
    "packet_in_rate", "packet_in_burst", "flow_batch", "max_flow_stats", "max_flow_stats_mib", "api_listen", "api_token", "api_store",
    "mac_prefix", "ip_quarantine_s", "output_budget_mib",
    "ssl_listen", "ssl_private_key", "ssl_certificate", "ssl_ca_cert",
    "api_token_file", "api_tls_key", "api_tls_cert", "api_tls_client_ca",
    "store", "etcd_endpoints", "etcd_prefix", "instance_name", "etcd_lease_ttl", NULL
};

/* Copies string setting 'key' into 'dst' if present; refuses one that
 * would not fit rather than truncate it. */
static void get_text__(struct vxconf_reader *r, const config_setting_t *root, const char *key,
                       char *dst, size_t size)
{
    const char *v;

    if (!vxconf_get_string(root, key, &v)) {
        return;
    }
    if (strlen(v) >= size) {
        vx_errors_add(r->errs, "%s: %s: longer than %zu characters", r->file, key, size - 1);
        return;
    }
    snprintf(dst, size, "%s", v);
}

/* Reads integer setting 'key' within [lo, hi] into '*dst'. */
static void get_uint__(struct vxconf_reader *r, const config_setting_t *root, const char *key,
                       long long lo, long long hi, unsigned int *dst)
{
    long long v;

    if (vxconf_get_ranged(r, root, key, lo, hi, &v)) {
        *dst = (unsigned int)v;
    }
}

/* "api_token_file": the API's bearer token, read from a file that only
 * the daemon's user can read (not the main config, not the command line,
 * both visible to others).  Trailing whitespace is dropped. */
static void read_token_file__(struct vxconf_reader *r, struct settings *s)
{
    if (!s->api_token_file[0]) {
        return;
    }
    char *text = read_file_text(s->api_token_file, sizeof s->api_token - 1);
    if (!text) {
        vx_errors_add(r->errs, "%s: api_token_file '%s': cannot read it: %s", r->file,
                      s->api_token_file, strerror(errno));
        return;
    }
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) {
        text[--n] = '\0';
    }
    if (!n) {
        vx_errors_add(r->errs, "%s: api_token_file '%s' is empty", r->file, s->api_token_file);
    }
    snprintf(s->api_token, sizeof s->api_token, "%s", text);
    free(text);
}

/* "mac_prefix": three octets, locally administered unicast (#17). */
static void get_mac_prefix__(struct vxconf_reader *r, const config_setting_t *root, uint8_t p[3])
{
    const char *v;
    uint8_t mac[6];
    char full[32];

    if (!vxconf_get_string(root, "mac_prefix", &v)) {
        return;
    }
    snprintf(full, sizeof full, "%s:00:00:00", v);
    if (strlen(v) != 8 || !eth_addr_from_str(full, mac) || !alloc_mac_prefix_ok(mac)) {
        vx_errors_add(r->errs, "%s: mac_prefix: '%s' is not three octets of a locally administered "
                      "unicast MAC other than 02:76:78 (e.g. \"02:76:76\")", r->file, v);
        return;
    }
    memcpy(p, mac, 3);
}

/* The store (#15): "sqlite" (default) or "etcd" with its endpoints, key
 * prefix, this instance's name and the lease TTL. */
static void parse_store__(struct vxconf_reader *r, const config_setting_t *root, struct settings *s)
{
    const char *v;

    if (vxconf_get_string(root, "store", &v)) {
        if (strcmp(v, "sqlite") && strcmp(v, "etcd")) {
            vx_errors_add(r->errs, "%s: store: '%s' is not \"sqlite\" or \"etcd\"", r->file, v);
        }
        s->store_etcd = !strcmp(v, "etcd");
    }
    get_text__(r, root, "etcd_endpoints", s->etcd_endpoints, sizeof s->etcd_endpoints);
    get_text__(r, root, "etcd_prefix", s->etcd_prefix, sizeof s->etcd_prefix);
    get_text__(r, root, "instance_name", s->instance_name, sizeof s->instance_name);
    get_uint__(r, root, "etcd_lease_ttl", 2, 60, &s->etcd_lease_ttl_s);
    if (s->store_etcd && (strchr(s->instance_name, '/') || !s->instance_name[0])) {
        vx_errors_add(r->errs, "%s: instance_name must be non-empty and without '/'", r->file);
    }
    if (s->store_etcd && s->api_store[0]) {
        vx_errors_add(r->errs, "%s: api_store is the SQLite store: with store = \"etcd\", leave it out",
                      r->file);
    }
    if (s->store_etcd && s->etcd_prefix[0] != '/') {
        vx_errors_add(r->errs, "%s: etcd_prefix must start with '/'", r->file);
    }
}

/* struct vxconf_extra's parser: every setting of the top level. */
static void parse__(struct vxconf_reader *r, const struct config_setting_t *root, void *aux)
{
    struct settings *s = aux;
    const char *v;
    unsigned int workers = (unsigned int)s->workers;

    get_text__(r, root, "listen", s->listen, sizeof s->listen);
    get_uint__(r, root, "workers", 0, 256, &workers);
    s->workers = (int)workers;
    if (vxconf_get_string(root, "log_level", &v) && !vlog_level_from_string(v, &s->log_level)) {
        vx_errors_add(r->errs, "%s: log_level: '%s' is not err, warn, info or dbg", r->file, v);
    }
    get_uint__(r, root, "max_handshakes", 1, 65536, &s->max_handshakes);
    get_uint__(r, root, "echo_interval_ms", 100, 600000, &s->worker.echo_interval_ms);
    get_text__(r, root, "state_dir", s->state_dir, sizeof s->state_dir);
    get_text__(r, root, "api_listen", s->api_listen, sizeof s->api_listen);
    get_text__(r, root, "api_store", s->api_store, sizeof s->api_store);
    get_text__(r, root, "api_token", s->api_token, sizeof s->api_token);
    get_uint__(r, root, "packet_in_rate", 1, 1000000000, &s->worker.pktin_rate);
    get_uint__(r, root, "packet_in_burst", 1, 1000000000, &s->worker.pktin_burst);
    get_uint__(r, root, "flow_batch", 1, 65536, &s->worker.max_flow_batch);
    get_uint__(r, root, "max_flow_stats", 1000, 100000000, &s->worker.max_stats_flows);
    get_uint__(r, root, "max_flow_stats_mib", 1, 4095, &s->worker.max_stats_mib);
    get_uint__(r, root, "ip_quarantine_s", 0, 86400, &s->ip_quarantine_s);
    get_text__(r, root, "api_token_file", s->api_token_file, sizeof s->api_token_file);
    get_text__(r, root, "api_tls_key", s->api_tls_key, sizeof s->api_tls_key);
    get_text__(r, root, "api_tls_cert", s->api_tls_cert, sizeof s->api_tls_cert);
    get_text__(r, root, "api_tls_client_ca", s->api_tls_client_ca, sizeof s->api_tls_client_ca);
    if (!s->api_tls_key[0] != !s->api_tls_cert[0]) {
        vx_errors_add(r->errs, "%s: api_tls_key and api_tls_cert go together", r->file);
    }
    read_token_file__(r, s);
    get_text__(r, root, "ssl_listen", s->ssl_listen, sizeof s->ssl_listen);
    get_text__(r, root, "ssl_private_key", s->ssl_private_key, sizeof s->ssl_private_key);
    get_text__(r, root, "ssl_certificate", s->ssl_certificate, sizeof s->ssl_certificate);
    get_text__(r, root, "ssl_ca_cert", s->ssl_ca_cert, sizeof s->ssl_ca_cert);
    if (s->ssl_listen[0] && (!s->ssl_private_key[0] || !s->ssl_certificate[0] || !s->ssl_ca_cert[0])) {
        vx_errors_add(r->errs, "%s: ssl_listen needs ssl_private_key, ssl_certificate and "
                      "ssl_ca_cert", r->file);
    }
    get_uint__(r, root, "output_budget_mib", 16, 65536, &s->output_budget_mib);
    get_mac_prefix__(r, root, s->mac_prefix);
    parse_store__(r, root, s);
}

bool settings_load(const char *file, struct settings *s, struct vx_config *cfg,
                   struct vx_errors *errs)
{
    struct vxconf_extra extra = { keys, parse__, s };

    settings_init(s);
    return vxconf_load(file, cfg, errs, &extra);
}

/* One setting's change: logs it, and says whether it needs a restart. */
static bool changed__(const char *key, bool differs, bool needs_restart)
{
    if (!differs) {
        return false;
    }
    if (needs_restart) {
        VLOG_WARN("reload: '%s' changed, but takes effect only at restart", key);
    } else {
        VLOG_INFO("reload: '%s' changed and is applied", key);
    }
    return needs_restart;
}

bool settings_log_changes(const struct settings *o, const struct settings *n)
{
    bool restart = false;

    restart |= changed__("listen", strcmp(o->listen, n->listen), true);
    restart |= changed__("workers", o->workers != n->workers, true);
    restart |= changed__("max_handshakes", o->max_handshakes != n->max_handshakes, true);
    restart |= changed__("api_listen", strcmp(o->api_listen, n->api_listen), true);
    restart |= changed__("api_store", strcmp(o->api_store, n->api_store), true);
    restart |= changed__("store", o->store_etcd != n->store_etcd, true);
    restart |= changed__("etcd_endpoints", strcmp(o->etcd_endpoints, n->etcd_endpoints), true);
    restart |= changed__("etcd_prefix", strcmp(o->etcd_prefix, n->etcd_prefix), true);
    restart |= changed__("instance_name", strcmp(o->instance_name, n->instance_name), true);
    restart |= changed__("etcd_lease_ttl", o->etcd_lease_ttl_s != n->etcd_lease_ttl_s, true);
    restart |= changed__("ssl_listen", strcmp(o->ssl_listen, n->ssl_listen), true);
    restart |= changed__("api_tls_cert", strcmp(o->api_tls_cert, n->api_tls_cert), true);
    changed__("log_level", o->log_level != n->log_level, false);
    changed__("state_dir", strcmp(o->state_dir, n->state_dir), false);
    changed__("api_token", strcmp(o->api_token, n->api_token), false);
    changed__("mac_prefix", memcmp(o->mac_prefix, n->mac_prefix, 3), false);
    changed__("ip_quarantine_s", o->ip_quarantine_s != n->ip_quarantine_s, false);
    changed__("output_budget_mib", o->output_budget_mib != n->output_budget_mib, false);
    changed__("echo_interval_ms", o->worker.echo_interval_ms != n->worker.echo_interval_ms, false);
    changed__("packet_in_rate", o->worker.pktin_rate != n->worker.pktin_rate, false);
    changed__("packet_in_burst", o->worker.pktin_burst != n->worker.pktin_burst, false);
    changed__("flow_batch", o->worker.max_flow_batch != n->worker.max_flow_batch, false);
    changed__("max_flow_stats", o->worker.max_stats_flows != n->worker.max_stats_flows, false);
    changed__("max_flow_stats_mib", o->worker.max_stats_mib != n->worker.max_stats_mib, false);
    return restart;
}
