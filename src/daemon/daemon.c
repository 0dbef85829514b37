#include "daemon/daemon.h"

#include "model/binding.h"
#include "model/neighbor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/util.h"
#include "daemon/store.h"

#define VLOG_MODULE "main"

/* The command line wins over the file. */
static void apply_options__(const struct options *o, struct settings *s)
{
    if (o->listen) {
        snprintf(s->listen, sizeof s->listen, "%s", o->listen);
    }
    if (o->workers >= 0) {
        s->workers = o->workers;
    }
    if (o->log_level) {
        vlog_level_from_string(o->log_level, &s->log_level);
    }
}

/* The model is the file plus the changes the API accepted. */
static bool replay_store__(const struct settings *s, struct vx_config *cfg)
{
    size_t applied, skipped;
    char err[512];

    if (!store_replay(s->api_store, cfg, &applied, &skipped, err, sizeof err)) {
        VLOG_ERR("%s", err);
        return false;
    }
    if (applied || skipped) {
        VLOG_INFO("%s: %zu stored API changes replayed, %zu skipped",
                  s->api_store, applied, skipped);
    }
    return true;
}

bool daemon_load(const struct options *o, struct settings *s, struct vx_config *cfg)
{
    struct vx_errors errs = { 0, 0, NULL };

    if (!settings_load(o->config, s, cfg, &errs)) {
        for (size_t i = 0; i < errs.n; i++) {
            VLOG_ERR("%s", errs.msgs[i]);
        }
        VLOG_ERR("%s: %zu error%s; configuration not loaded", o->config, errs.n,
                 errs.n == 1 ? "" : "s");
        vx_errors_clear(&errs);
        return false;
    }
    apply_options__(o, s);
    if (s->api_store[0] && !o->check && !replay_store__(s, cfg)) {
        vxconf_free(cfg);
        return false;
    }
    return true;
}

void daemon_changed(void *aux, const struct dpid_set *affected)
{
    struct daemon *d = aux;

    for (size_t k = 0; k < affected->n; k++) {
        uint64_t dpid = affected->dpids[k];
        dpid_set_add(&d->outboxes[worker_for_dpid(dpid, d->n_workers)].dirty, dpid);
    }
    daemon_flush(d);
}

/* Sends one worker what its outbox holds; keeps what the mailbox refuses. */
static bool flush_one__(struct worker *w, struct daemon_outbox *ob, const struct settings *s,
                        int n_workers)
{
    if (ob->params_pending) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_PARAMS;
        m->params = settings_worker_params(s, n_workers);
        if (!mailbox_send(&w->from_main, m)) {
            free(m);
            return false;
        }
        ob->params_pending = false;
    }
    if (ob->dirty.n) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_MODEL_CHANGED;
        dpid_set_normalize(&ob->dirty);
        m->dpids = ob->dirty;
        if (!mailbox_send(&w->from_main, m)) {
            free(m);            /* the set stays in the outbox */
            return false;
        }
        memset(&ob->dirty, 0, sizeof ob->dirty);   /* now the worker's */
    }
    return true;
}

bool daemon_flush(struct daemon *d)
{
    bool all = true;

    for (int i = 0; i < d->n_workers; i++) {
        all &= flush_one__(&d->workers[i], &d->outboxes[i], &d->settings, d->n_workers);
    }
    return all;
}

/* SIGHUP re-reads the TLS key and certificates (renewed files, a new CA)
 * for the connections accepted from now on; a file that does not load
 * keeps the running ones. */
static void reload_tls__(struct daemon *d, const struct settings *s)
{
    char err[256];

    if (!s->ssl_listen[0]) {
        return;
    }
    struct tls_ctx *tls = tls_ctx_new(s->ssl_private_key, s->ssl_certificate, s->ssl_ca_cert,
                                      err, sizeof err);
    if (tls) {
        acceptor_set_tls(&d->acceptor, tls);
    } else {
        VLOG_ERR("reload: TLS: %s; keeping the running key and certificates", err);
    }
}

void daemon_reload(struct daemon *d)
{
    struct settings s;
    struct vx_config cfg;
    struct dpid_set affected = { 0, 0, NULL };
    struct model_change_stats st;

    VLOG_INFO("SIGHUP: reloading %s", d->opts.config);
    if (!daemon_load(&d->opts, &s, &cfg)) {
        VLOG_ERR("reload failed; still running the previous configuration");
        return;
    }
    settings_log_changes(&d->settings, &s);
    /* What needs a restart keeps its running value. */
    snprintf(s.listen, sizeof s.listen, "%s", d->settings.listen);
    snprintf(s.api_listen, sizeof s.api_listen, "%s", d->settings.api_listen);
    snprintf(s.api_store, sizeof s.api_store, "%s", d->settings.api_store);
    snprintf(s.ssl_listen, sizeof s.ssl_listen, "%s", d->settings.ssl_listen);
    reload_tls__(d, &s);
    s.workers = d->settings.workers;
    s.max_handshakes = d->settings.max_handshakes;
    if (memcmp(&s.worker, &d->settings.worker, sizeof s.worker)
        || s.output_budget_mib != d->settings.output_budget_mib) {
        for (int i = 0; i < d->n_workers; i++) {
            d->outboxes[i].params_pending = true;
        }
    }
    d->settings = s;
    vlog_set_level(s.log_level);
    api_set_token(d->api, s.api_token);
    api_set_allocation(d->api, s.mac_prefix, s.ip_quarantine_s);
    if (d->ha) {
        VLOG_INFO("reloaded the settings; the objects are etcd's (store = \"etcd\")");
        vxconf_free(&cfg);
        return;
    }
    model_apply(&cfg, &affected, &st);
    VLOG_INFO("reloaded: %zu added, %zu removed, %zu changed; %zu bridges to update",
              st.added, st.removed, st.changed, affected.n);
    daemon_changed(d, &affected);
    dpid_set_clear(&affected);
}

void daemon_dump_state(struct daemon *d)
{
    const char *dir = d->settings.state_dir;
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
    workers_write_prometheus(f, &d->acceptor, d->workers, d->n_workers);
    fclose(f);
    rename(tmp, path);
    for (int i = 0; i < d->n_workers; i++) {
        struct worker_mail *m = xzalloc(sizeof *m);
        m->type = WORKER_MAIL_DUMP;
        snprintf(m->dir, sizeof m->dir, "%s", dir);
        if (!mailbox_send(&d->workers[i].from_main, m)) {
            VLOG_WARN("SIGUSR2: worker %d is busy; its flows were not dumped", i);
            free(m);
        }
    }
}

void daemon_take_reports(struct daemon *d)
{
    struct dpid_set affected = { 0, 0, NULL };
    struct worker_report *r;

    for (int i = 0; i < d->n_workers; i++) {
        mailbox_ack(&d->workers[i].to_main);
        while ((r = mailbox_recv(&d->workers[i].to_main))) {
            if (r->type == WORKER_REPORT_NEIGHBOR) {
                neighbor_learn(r->dpid, r->ip, r->mac, &affected);
            } else {
                binding_set_ports(r->dpid, r->ports, r->n, &affected);
            }
            free(r->ports);
            free(r);
        }
    }
    if (affected.n) {
        dpid_set_normalize(&affected);
        daemon_changed(d, &affected);
    }
    dpid_set_clear(&affected);
}
