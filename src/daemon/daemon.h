/* The running daemon: its settings, threads and API, and what the main
 * thread does to them (load, reload, dump, tell the workers of a change).
 *
 * Thread contract: everything here runs in the main thread, the model's
 * single writer and the only producer of every worker's from_main
 * mailbox.  Messages to a worker never get lost when its mailbox is full:
 * model changes are coalesced per worker into one set of dirty bridges,
 * new settings into one pending copy, and both are retried by
 * daemon_flush() until delivered. */
#ifndef VX_DAEMON_H
#define VX_DAEMON_H 1

#include <stdbool.h>

#include "daemon/api.h"
#include "daemon/settings.h"
#include "model/model.h"
#include "workers/acceptor.h"
#include "workers/worker.h"

/* The command line's overrides of the file's settings. */
struct options {
    const char *config;
    const char *listen;
    int workers;                /* -1: from the config */
    const char *log_level;
    bool check;
};

/* What the main thread still owes one worker. */
struct daemon_outbox {
    struct dpid_set dirty;      /* bridges whose flows must be recomputed */
    bool params_pending;        /* the settings changed: send them */
};

struct daemon {
    struct options opts;
    struct settings settings;
    struct acceptor acceptor;
    struct worker *workers;
    struct daemon_outbox *outboxes;     /* one per worker */
    int n_workers;
    struct api *api;
    struct ha *ha;                      /* store = "etcd" (#15); NULL otherwise */
};

/* Reads the configuration file and the command line's overrides into
 * 's' and 'cfg' (the caller frees it), then replays the API store over
 * it.  Logs every error and returns false if anything is invalid. */
bool daemon_load(const struct options *, struct settings *s, struct vx_config *cfg);

/* SIGHUP: reloads the file and applies it as a diff; applies the settings
 * that can change while running and logs those that need a restart.  A
 * bad file changes nothing. */
void daemon_reload(struct daemon *);

/* SIGUSR2: writes the counters and every bridge's flows to state_dir. */
void daemon_dump_state(struct daemon *);

/* Marks the bridges in 'affected' dirty for their workers and tries to
 * deliver (api_changed_fn; 'aux' is the struct daemon). */
void daemon_changed(void *aux, const struct dpid_set *affected);

/* Takes the workers' port reports (struct worker_report) into the
 * model's bindings, and marks the bridges whose flows that changes. */
void daemon_take_reports(struct daemon *);

/* Delivers what the outboxes hold, as far as the mailboxes take it.
 * Returns true if everything is delivered; otherwise the caller retries
 * soon (the main loop polls with a short timeout meanwhile). */
bool daemon_flush(struct daemon *);

#endif
