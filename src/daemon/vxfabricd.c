/* vxfabricd: the vxfabric OpenFlow 1.3 controller.
 *
 * Threads: this main thread (signals, config reload: the model's single
 * writer), one acceptor, and N workers.  See docs/architecture.md. */
#include <errno.h>
#include <poll.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "core/log.h"
#include "core/util.h"
#include "daemon/daemon.h"
#include "daemon/ha.h"
#include "model/mastership.h"
#include "daemon/version.h"

#define VLOG_MODULE "main"


static void usage__(FILE *f)
{
    fprintf(f,
"usage: vxfabricd --config FILE [OPTIONS]\n"
"OpenFlow 1.3 controller for VXLAN overlay networks on Open vSwitch.\n\n"
"  -c, --config FILE       configuration file (required; docs/config.md)\n"
"  -l, --listen tcp:IP:PORT  listen address (default tcp:127.0.0.1:6653)\n"
"  -w, --workers N         worker threads, 0 = one per core\n"
"  -L, --log-level LEVEL   err, warn, info or dbg\n"
"      --check             validate the configuration and exit\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n\n"
"Command-line values override the file.  Signals: SIGHUP reloads the\n"
"configuration, SIGUSR2 writes counters and flows to state_dir, SIGINT and\n"
"SIGTERM stop the daemon.\n");
}

static bool parse_args__(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "listen", required_argument, NULL, 'l' },
        { "workers", required_argument, NULL, 'w' },
        { "log-level", required_argument, NULL, 'L' },
        { "check", no_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    char *end;

    memset(o, 0, sizeof *o);
    o->workers = -1;
    while ((opt = getopt_long(argc, argv, "c:l:w:L:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': o->config = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'w':
            o->workers = (int)strtol(optarg, &end, 10);
            if (*end || !*optarg || o->workers < 0 || o->workers > 256) {
                fprintf(stderr, "vxfabricd: --workers: '%s' is not 0..256\n", optarg);
                return false;
            }
            break;
        case 'L': o->log_level = optarg; break;
        case 'C': o->check = true; break;
        case 'h': usage__(stdout); exit(0);
        case 'V': printf("vxfabricd %s\n", VXFABRIC_VERSION); exit(0);
        default:
            usage__(stderr);
            return false;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vxfabricd: unexpected argument '%s'\n", argv[optind]);
        return false;
    }
    if (!o->config) {
        fprintf(stderr, "vxfabricd: --config FILE is required\n");
        return false;
    }
    return true;
}

/* Signals are taken synchronously by this thread only, through a
 * signalfd.  The dump signal is SIGUSR2, not SIGUSR1: liburcu's lfht
 * resize worker (started by cds_lfht_new) leaves SIGUSR1 unblocked for its
 * signal-based flavour, so a process-directed SIGUSR1 could be delivered
 * to that thread and terminate the daemon. */
static int signals_open__(void)
{
    sigset_t sigs;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &sigs, SFD_CLOEXEC);
}

/* Reads the API's HTTPS key and certificates (api_tls_*) into 'tls'. */
static bool load_api_tls__(const struct settings *s, struct api_tls *tls, char **key,
                           char **cert, char **ca)
{
    const char *names[] = { s->api_tls_key, s->api_tls_cert, s->api_tls_client_ca };
    char **texts[] = { key, cert, ca };

    for (int i = 0; i < 3; i++) {
        if (names[i][0] && !(*texts[i] = read_file_text(names[i], 1 << 20))) {
            VLOG_ERR("cannot read %s: %s", names[i], strerror(errno));
            return false;
        }
    }
    *tls = (struct api_tls) { *key, *cert, *ca };
    return true;
}

/* HA warm-up (daemon/ha.h): as many switch connections as the model has
 * bridges. */
static bool switches_connected__(void *aux)
{
    struct daemon *d = aux;
    uint64_t open = 0;

    for (int i = 0; i < d->n_workers; i++) {
        open += counter_read(&d->workers[i].counters, VXC_conn_accepted)
                - counter_read(&d->workers[i].counters, VXC_conn_closed);
    }
    return open >= model_config()->n_bridges;
}

/* store = "etcd" (#15): joins the fabric's instances before any switch is
 * served, so that every connection starts as a slave until this instance
 * knows which bridges it masters. */
static bool start_ha__(struct daemon *d)
{
    const struct settings *s = &d->settings;
    struct ha_params p = { s->etcd_endpoints, s->etcd_prefix, s->instance_name,
                           s->etcd_lease_ttl_s, s->api_listen, switches_connected__ };
    char err[256];

    d->ha = ha_start(&p, daemon_changed, d, err, sizeof err);
    if (!d->ha) {
        VLOG_ERR("%s", err);
        return false;
    }
    VLOG_INFO("store: etcd %s, prefix %s, instance %s, lease TTL %u s", s->etcd_endpoints,
              s->etcd_prefix, s->instance_name, s->etcd_lease_ttl_s);
    return true;
}

/* Starts the workers, the acceptor and the API on the loaded model. */
static bool start__(struct daemon *d)
{
    struct settings *s = &d->settings;
    char err[256];

    d->n_workers = s->workers ? s->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    d->n_workers = MAX(d->n_workers, 1);
    d->workers = xcalloc((size_t)d->n_workers, sizeof *d->workers);
    d->outboxes = xcalloc((size_t)d->n_workers, sizeof *d->outboxes);
    for (int i = 0; i < d->n_workers; i++) {
        struct worker_params params = settings_worker_params(s, d->n_workers);
        if (!worker_init(&d->workers[i], i, &params)) {
            VLOG_ERR("cannot create worker %d: %s", i, strerror(errno));
            return false;
        }
    }
    if (!acceptor_init(&d->acceptor, s->listen, s->max_handshakes, d->workers, d->n_workers,
                       err, sizeof err)) {
        VLOG_ERR("%s", err);
        return false;
    }
    if (s->store_etcd && !start_ha__(d)) {
        return false;
    }
    if (s->ssl_listen[0]) {
        struct tls_ctx *tls = tls_ctx_new(s->ssl_private_key, s->ssl_certificate, s->ssl_ca_cert,
                                          err, sizeof err);
        if (!tls || !acceptor_add_tls(&d->acceptor, s->ssl_listen, tls, err, sizeof err)) {
            tls_ctx_free(tls);
            VLOG_ERR("%s", err);
            return false;
        }
        VLOG_INFO("OpenFlow over TLS on %s (switch CA %s)", s->ssl_listen, s->ssl_ca_cert);
    }
    for (int i = 0; i < d->n_workers; i++) {
        worker_start(&d->workers[i]);
    }
    acceptor_start(&d->acceptor);
    VLOG_INFO("vxfabricd %s listening on %s with %d worker%s; %zu bridges, %zu hosts",
              VXFABRIC_VERSION, s->listen, d->n_workers, d->n_workers == 1 ? "" : "s",
              model_config()->n_bridges, model_config()->n_hosts);
    if (!s->api_listen[0]) {
        return true;
    }
    struct api_tls tls = { 0 };
    char *key = NULL, *cert = NULL, *ca = NULL;
    if (s->api_tls_key[0] && !load_api_tls__(s, &tls, &key, &cert, &ca)) {
        free(key);
        free(cert);
        return false;
    }
    d->api = api_start(s->api_listen, s->api_tls_key[0] ? &tls : NULL, s->api_token,
                       s->api_store, daemon_changed, d,
                       &d->acceptor, d->workers, d->n_workers, err, sizeof err);
    free(key);
    free(cert);
    free(ca);
    if (!d->api) {
        VLOG_ERR("%s", err);
        return false;
    }
    api_set_allocation(d->api, s->mac_prefix, s->ip_quarantine_s);
    api_set_ha(d->api, d->ha);
    VLOG_INFO("API listening on %s%s", s->api_listen,
              s->api_token[0] ? " (bearer token required)" : "");
    return true;
}

/* One signal.  Returns false when it asks the daemon to stop. */
static bool on_signal__(struct daemon *d, unsigned int signo)
{
    if (signo == SIGHUP) {
        daemon_reload(d);
    } else if (signo == SIGUSR2) {
        daemon_dump_state(d);
    } else {
        VLOG_INFO("signal %u: shutting down", signo);
        return false;
    }
    return true;
}

/* The main thread is the model's single writer: it waits for signals and
 * API requests together and serves them one at a time.  While a worker's
 * mailbox is full, it retries the delivery every 10 ms. */
#define HA_MAX_FDS 16

/* The poll timeout: the API's, the etcd client's (#15), 10 ms while a
 * delivery to a worker is pending; -1 for none. */
static int timeout__(struct daemon *d, bool undelivered)
{
    int t = d->api ? api_timeout_ms(d->api) : -1;
    if (d->ha) {
        int h = ha_timeout_ms(d->ha);
        t = t < 0 ? h : MIN(t, h);
    }
    if (undelivered) {
        t = t < 0 ? 10 : MIN(t, 10);
    }
    return t;
}

static void run__(struct daemon *d, int sfd)
{
    bool undelivered = false;
    int base = d->n_workers + 2;
    struct pollfd *fds = xcalloc((size_t)base + HA_MAX_FDS, sizeof *fds);

    for (;;) {
        fds[0] = (struct pollfd) { .fd = sfd, .events = POLLIN };
        fds[1] = (struct pollfd) { .fd = d->api ? api_fd(d->api) : -1, .events = POLLIN };
        for (int i = 0; i < d->n_workers; i++) {
            fds[i + 2] = (struct pollfd) { .fd = d->workers[i].to_main.efd, .events = POLLIN };
        }
        int n_ha = d->ha ? ha_pollfds(d->ha, fds + base, HA_MAX_FDS) : 0;
        struct signalfd_siginfo si;
        int timeout = timeout__(d, undelivered);
        rcu_thread_offline();
        int n = poll(fds, (nfds_t)(base + n_ha), timeout);
        rcu_thread_online();
        /* API requests first, then etcd's events: a write is validated
         * against what this instance has applied, and etcd's compare on
         * mod_revision refuses it if that is stale (409). */
        if (d->api && (n == 0 || (fds[1].revents & POLLIN))) {
            api_run(d->api);
        }
        if (d->ha) {
            ha_run(d->ha, fds + base, n > 0 ? n_ha : 0);
        }
        if (n > 0) {
            daemon_take_reports(d);
        }
        if (n > 0 && (fds[0].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si
            && !on_signal__(d, si.ssi_signo)) {
            free(fds);
            return;
        }
        undelivered = !daemon_flush(d);
    }
}

static void stop__(struct daemon *d)
{
    api_stop(d->api);
    ha_stop(d->ha);             /* revokes the lease: the others take over at once */
    acceptor_stop(&d->acceptor);
    for (int i = 0; i < d->n_workers; i++) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_STOP;
        while (!mailbox_send(&d->workers[i].from_main, m)) {
            usleep(1000);
        }
    }
    for (int i = 0; i < d->n_workers; i++) {
        worker_join(&d->workers[i]);
        dpid_set_clear(&d->outboxes[i].dirty);
    }
    free(d->workers);
    free(d->outboxes);
}

int main(int argc, char **argv)
{
    static struct daemon d;
    struct vx_config cfg;
    struct dpid_set affected = { 0, 0, NULL };
    enum vlog_level level;

    if (!parse_args__(argc, argv, &d.opts)) {
        return 2;
    }
    if (d.opts.log_level && !vlog_level_from_string(d.opts.log_level, &level)) {
        fprintf(stderr, "vxfabricd: --log-level: '%s' is not err, warn, info or dbg\n",
                d.opts.log_level);
        return 2;
    }
    /* Before anything slow: a SIGHUP or SIGUSR2 that arrives while a large
     * configuration loads must wait in the signalfd, not terminate the
     * process (their default action). */
    int sfd = signals_open__();
    if (!daemon_load(&d.opts, &d.settings, &cfg)) {
        return 1;
    }
    if (d.opts.check) {
        printf("%s: OK: %zu bridges, %zu networks, %zu routers, %zu hosts\n", d.opts.config,
               cfg.n_bridges, cfg.n_networks, cfg.n_routers, cfg.n_hosts);
        vxconf_free(&cfg);
        return 0;
    }
    vlog_set_level(d.settings.log_level);
    if (d.settings.store_etcd && (cfg.n_bridges || cfg.n_networks || cfg.n_routers || cfg.n_hosts)) {
        VLOG_WARN("store = \"etcd\": the objects of %s are ignored (the model is etcd's; "
                  "load them with `vxctl import`)", d.opts.config);
        vxconf_free(&cfg);
        vxconf_init(&cfg);
    }
    rcu_register_thread();
    model_init();
    model_apply(&cfg, &affected, NULL);
    dpid_set_clear(&affected);
    if (!start__(&d)) {
        return 1;
    }
    run__(&d, sfd);
    stop__(&d);
    mastership_clear();
    model_destroy();
    rcu_unregister_thread();
    close(sfd);
    VLOG_INFO("stopped");
    return 0;
}
