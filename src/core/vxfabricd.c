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
#include <sys/stat.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "core/api.h"
#include "core/counters.h"
#include "core/log.h"
#include "core/version.h"
#include "model/model.h"
#include "model/vxconf.h"
#include "workers/acceptor.h"
#include "workers/worker.h"

#define VLOG_MODULE "main"

struct options {
    const char *config;
    const char *listen;
    int workers;                /* -1: from the config */
    const char *log_level;
    bool check;
};

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

static bool load__(const struct options *o, struct vx_config *cfg)
{
    struct vx_errors errs = { 0, 0, NULL };

    if (!vxconf_load(o->config, cfg, &errs)) {
        for (size_t i = 0; i < errs.n; i++) {
            VLOG_ERR("%s", errs.msgs[i]);
        }
        VLOG_ERR("%s: %zu error%s; configuration not loaded", o->config, errs.n,
                 errs.n == 1 ? "" : "s");
        vx_errors_clear(&errs);
        return false;
    }
    if (o->listen) {
        snprintf(cfg->daemon.listen, sizeof cfg->daemon.listen, "%s", o->listen);
    }
    if (o->workers >= 0) {
        cfg->daemon.workers = o->workers;
    }
    if (o->log_level) {
        vlog_level_from_string(o->log_level, &cfg->daemon.log_level);
    }
    /* The model is the file plus the changes the API accepted. */
    if (cfg->daemon.api_store[0] && !o->check) {
        size_t applied, skipped;
        char err[512];
        if (!api_store_replay(cfg->daemon.api_store, cfg, &applied, &skipped, err, sizeof err)) {
            VLOG_ERR("%s", err);
            vxconf_free(cfg);
            return false;
        }
        if (applied || skipped) {
            VLOG_INFO("%s: %zu stored API changes replayed, %zu skipped",
                      cfg->daemon.api_store, applied, skipped);
        }
    }
    return true;
}

static void notify_workers__(struct worker *workers, int n, const struct dpid_set *affected)
{
    for (int i = 0; i < n; i++) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_MODEL_CHANGED;
        for (size_t k = 0; k < affected->n; k++) {
            if (worker_for_dpid(affected->dpids[k], n) == i) {
                dpid_set_add(&m->dpids, affected->dpids[k]);
            }
        }
        if (!m->dpids.n || !mailbox_send(&workers[i].from_main, m)) {
            dpid_set_clear(&m->dpids);
            free(m);
        }
    }
}

struct workers_ref {
    struct worker *workers;
    int n;
};

/* api_changed_fn: tells the workers which bridges an API write affected. */
static void api_changed__(void *aux, const struct dpid_set *affected)
{
    const struct workers_ref *w = aux;
    notify_workers__(w->workers, w->n, affected);
}

static void reload__(const struct options *o, struct worker *workers, int n)
{
    struct vx_config cfg;
    struct dpid_set affected = { 0, 0, NULL };
    struct model_change_stats st;

    VLOG_INFO("SIGHUP: reloading %s", o->config);
    if (!load__(o, &cfg)) {
        VLOG_ERR("reload failed; still running the previous configuration");
        return;
    }
    const struct vx_daemon_cfg *old = &model_config()->daemon;
    if (strcmp(old->listen, cfg.daemon.listen) || old->workers != cfg.daemon.workers) {
        VLOG_WARN("listen and workers take effect only at restart");
    }
    vlog_set_level(cfg.daemon.log_level);
    model_apply(&cfg, &affected, &st);
    VLOG_INFO("reloaded: %zu added, %zu removed, %zu changed; %zu bridges to update",
              st.added, st.removed, st.changed, affected.n);
    notify_workers__(workers, n, &affected);
    dpid_set_clear(&affected);
}

static void dump_state__(struct acceptor *acc, struct worker *workers, int n)
{
    const char *dir = model_config()->daemon.state_dir;
    char path[512], tmp[520];

    if (!dir[0]) {
        VLOG_WARN("SIGUSR2: no state_dir configured; nothing written");
        return;
    }
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/counters.prom", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        VLOG_ERR("cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    workers_write_prometheus(f, acc, workers, n);
    fclose(f);
    rename(tmp, path);
    for (int i = 0; i < n; i++) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_DUMP;
        snprintf(m->dir, sizeof m->dir, "%s", dir);
        if (!mailbox_send(&workers[i].from_main, m)) {
            free(m);
        }
    }
}

int main(int argc, char **argv)
{
    struct options opts;
    struct vx_config cfg;
    struct dpid_set affected = { 0, 0, NULL };
    struct acceptor acc;
    char err[256];
    sigset_t sigs;

    if (!parse_args__(argc, argv, &opts)) {
        return 2;
    }
    if (opts.log_level) {
        enum vlog_level l;
        if (!vlog_level_from_string(opts.log_level, &l)) {
            fprintf(stderr, "vxfabricd: --log-level: '%s' is not err, warn, info or dbg\n",
                    opts.log_level);
            return 2;
        }
    }
    if (!load__(&opts, &cfg)) {
        return 1;
    }
    if (opts.check) {
        printf("%s: OK: %zu bridges, %zu networks, %zu routers, %zu hosts\n", opts.config,
               cfg.n_bridges, cfg.n_networks, cfg.n_routers, cfg.n_hosts);
        vxconf_free(&cfg);
        return 0;
    }
    vlog_set_level(cfg.daemon.log_level);

    /* Signals are taken synchronously by this thread only, through a
     * signalfd.  The dump signal is SIGUSR2, not SIGUSR1: liburcu's lfht
     * resize worker (started by cds_lfht_new) leaves SIGUSR1 unblocked for
     * its signal-based flavour, so a process-directed SIGUSR1 could be
     * delivered to that thread and terminate the daemon. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);

    rcu_register_thread();
    model_init();
    int n_workers = cfg.daemon.workers ? cfg.daemon.workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n_workers < 1) {
        n_workers = 1;
    }
    struct vx_daemon_cfg daemon = cfg.daemon;
    size_t n_hosts = cfg.n_hosts, n_bridges = cfg.n_bridges;
    model_apply(&cfg, &affected, NULL);
    dpid_set_clear(&affected);

    struct worker *workers = xcalloc((size_t)n_workers, sizeof *workers);
    for (int i = 0; i < n_workers; i++) {
        if (!worker_init(&workers[i], i, &daemon)) {
            VLOG_ERR("cannot create worker %d: %s", i, strerror(errno));
            return 1;
        }
    }
    if (!acceptor_init(&acc, daemon.listen, workers, n_workers, err, sizeof err)) {
        VLOG_ERR("%s", err);
        return 1;
    }
    for (int i = 0; i < n_workers; i++) {
        worker_start(&workers[i]);
    }
    acceptor_start(&acc);
    VLOG_INFO("vxfabricd %s listening on %s with %d worker%s; %zu bridges, %zu hosts",
              VXFABRIC_VERSION, daemon.listen, n_workers, n_workers == 1 ? "" : "s",
              n_bridges, n_hosts);

    struct workers_ref wref = { workers, n_workers };
    struct api *api = NULL;
    if (daemon.api_listen[0]) {
        api = api_start(daemon.api_listen, daemon.api_token, daemon.api_store, api_changed__, &wref,
                        &acc, workers, n_workers, err, sizeof err);
        if (!api) {
            VLOG_ERR("%s", err);
            return 1;
        }
        VLOG_INFO("API listening on %s%s", daemon.api_listen,
                  daemon.api_token[0] ? " (bearer token required)" : "");
    }

    /* The main thread is the model's single writer: it waits for signals
     * and API requests together and serves them one at a time. */
    for (;;) {
        struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
        struct signalfd_siginfo si;
        if (api) {
            fds[1].fd = api_fd(api);
        }
        rcu_thread_offline();
        int n = poll(fds, 2, api ? api_timeout_ms(api) : -1);
        rcu_thread_online();
        if (api && (n == 0 || (fds[1].revents & POLLIN))) {
            api_run(api);
        }
        if (n <= 0 || !(fds[0].revents & POLLIN)) {
            continue;
        }
        ssize_t r = read(sfd, &si, sizeof si);
        if (r != sizeof si) {
            continue;
        }
        if (si.ssi_signo == SIGHUP) {
            reload__(&opts, workers, n_workers);
        } else if (si.ssi_signo == SIGUSR2) {
            dump_state__(&acc, workers, n_workers);
        } else {
            VLOG_INFO("signal %u: shutting down", si.ssi_signo);
            break;
        }
    }

    api_stop(api);
    acceptor_stop(&acc);
    for (int i = 0; i < n_workers; i++) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_STOP;
        while (!mailbox_send(&workers[i].from_main, m)) {
            usleep(1000);
        }
    }
    for (int i = 0; i < n_workers; i++) {
        worker_join(&workers[i]);
    }
    free(workers);
    model_destroy();
    rcu_unregister_thread();
    close(sfd);
    VLOG_INFO("stopped");
    return 0;
}
