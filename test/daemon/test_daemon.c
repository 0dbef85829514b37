/* The main thread's side of the workers' mailboxes (daemon.c), with a
 * worker whose thread is not running so that its mailbox fills up:
 * model changes and new settings are coalesced and retried, never lost
 * (#13 items 5 and 7). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "daemon/daemon.h"

static struct daemon d;
static struct worker w;
static struct daemon_outbox outbox;
static char conf[64];

static void setup(void)
{
    struct worker_params params = WORKER_PARAMS_DEFAULT;
    struct vx_config cfg;

    vlog_set_level(VLL_ERR);
    rcu_register_thread();
    model_init();
    cr_assert(worker_init(&w, 0, &params));    /* never started: mail waits */
    d.workers = &w;
    d.outboxes = &outbox;
    d.n_workers = 1;
    snprintf(conf, sizeof conf, "/tmp/vx-test-daemon-%d.conf", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s/conf/vxfabric.conf %s", SOURCE_DIR, conf);
    cr_assert_eq(system(cmd), 0);
    d.opts = (struct options) { .config = conf, .workers = -1 };
    cr_assert(daemon_load(&d.opts, &d.settings, &cfg));
    model_apply(&cfg, &(struct dpid_set) { 0, 0, NULL }, NULL);
}

static void teardown(void)
{
    unlink(conf);
}

TestSuite(daemon, .init = setup, .fini = teardown);

/* Takes every mail the worker would read; adds the dirty bridges to
 * 'seen' and returns the last settings mail's params (or zeroes). */
static struct worker_params drain(struct dpid_set *seen, int *n_mails)
{
    struct worker_params last = { 0 };
    struct worker_mail *m;

    mailbox_ack(&w.from_main);
    while ((m = mailbox_recv(&w.from_main))) {
        (*n_mails)++;
        for (size_t i = 0; i < m->dpids.n; i++) {
            dpid_set_add(seen, m->dpids.dpids[i]);
        }
        if (m->type == WORKER_MAIL_PARAMS) {
            last = m->params;
        }
        dpid_set_clear(&m->dpids);
        free(m);
    }
    return last;
}

/* #13 item 5: 1,000 changes, each to another bridge, against a mailbox of
 * 256: every bridge still reaches the worker.  The old notify_workers__
 * freed the mail when the mailbox was full, losing those bridges. */
Test(daemon, changes_are_coalesced_never_lost)
{
    struct dpid_set seen = { 0, 0, NULL };
    int mails = 0;

    for (uint64_t dpid = 1; dpid <= 1000; dpid++) {
        struct dpid_set one = { 0, 0, NULL };
        dpid_set_add(&one, dpid);
        daemon_changed(&d, &one);
        dpid_set_clear(&one);
    }
    cr_assert_gt(outbox.dirty.n, 0, "the mailbox filled up: the rest waits in the outbox");
    drain(&seen, &mails);
    cr_assert(daemon_flush(&d), "delivered once there is room");
    drain(&seen, &mails);
    dpid_set_normalize(&seen);
    cr_assert_eq(seen.n, 1000, "%zu of 1000 bridges reached the worker", seen.n);
    cr_assert_lt(mails, 1000, "coalesced: %d mails for 1000 changes", mails);
    dpid_set_clear(&seen);
}

/* #13 item 7: a reload delivers the settings a worker runs with (here
 * packet_in_rate and flow_batch), even when its mailbox is full at the
 * time.  The old reload kept them silently. */
Test(daemon, reload_delivers_new_settings)
{
    struct dpid_set seen = { 0, 0, NULL };
    int mails = 0;

    for (uint64_t dpid = 1; dpid <= 300; dpid++) {     /* fill the mailbox */
        struct dpid_set one = { 0, 0, NULL };
        dpid_set_add(&one, dpid);
        daemon_changed(&d, &one);
        dpid_set_clear(&one);
    }
    FILE *f = fopen(conf, "a");
    fputs("\npacket_in_rate = 77;\nflow_batch = 99;\n", f);
    fclose(f);
    daemon_reload(&d);
    cr_assert_eq(d.settings.worker.pktin_rate, 77);
    cr_assert(outbox.params_pending, "the mailbox is full: the settings wait");
    drain(&seen, &mails);
    daemon_flush(&d);
    struct worker_params p = drain(&seen, &mails);
    cr_assert_eq(p.pktin_rate, 77);
    cr_assert_eq(p.max_flow_batch, 99);
    cr_assert_not(outbox.params_pending);
    dpid_set_clear(&seen);
}
