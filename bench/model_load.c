/* Benchmark: loading a fabric into the model.
 *
 *   model_load FILE [RUNS]
 *
 * For a generated config (bench/topogen.py), measures in one process:
 * parse + validate time, model_apply() time, resident memory added per
 * host, an unchanged reload (diff only), and the time to compute every
 * bridge's desired flows.  Prints medians over RUNS runs of the timed
 * steps and one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "benchutil.h"
#include "core/timeval.h"
#include "model/model.h"
#include "model/pipeline.h"
#include "model/vxconf.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *ns, int n)
{
    qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
    return ns[n / 2] / 1e6;
}

static bool all_ports(const void *aux, const char *name, uint32_t *port)
{
    (void)aux;
    if (!strcmp(name, "vtun1")) {
        *port = 65000;
        return true;
    }
    if (name[0] == 'h') {
        *port = (uint32_t)atoi(name + 1);
        return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: model_load FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    uint64_t t_parse[16], t_apply[16], t_reload[16], t_flows[16];
    size_t n_hosts = 0, n_bridges = 0, n_flows = 0;
    long rss_before = 0, rss_after = 0;

    if (runs < 1 || runs > 16) {
        runs = 3;
    }
    vlog_set_level(VLL_ERR);
    rcu_register_thread();
    model_init();
    for (int r = 0; r < runs; r++) {
        struct vx_config cfg, again;
        struct vx_errors errs = { 0, 0, NULL };
        struct dpid_set aff = { 0, 0, NULL };

        uint64_t t0 = time_nsec();
        if (!vxconf_load(argv[1], &cfg, &errs, NULL)) {
            fprintf(stderr, "%s: %s\n", argv[1], errs.n ? errs.msgs[0] : "?");
            return 1;
        }
        uint64_t t1 = time_nsec();
        n_hosts = cfg.n_hosts;
        n_bridges = cfg.n_bridges;
        if (r == 0) {
            rss_before = proc_rss_kib(0);
        }
        model_apply(&cfg, &aff, NULL);
        uint64_t t2 = time_nsec();
        if (r == 0) {
            rss_after = proc_rss_kib(0);
        }
        dpid_set_clear(&aff);

        vxconf_load(argv[1], &again, &errs, NULL);
        uint64_t t3 = time_nsec();
        model_apply(&again, &aff, NULL);
        uint64_t t4 = time_nsec();
        if (aff.n) {
            fprintf(stderr, "unchanged reload affected %zu bridges\n", aff.n);
            return 1;
        }
        dpid_set_clear(&aff);

        const struct vx_config *cur = model_config();
        uint64_t t5 = time_nsec();
        n_flows = 0;
        for (size_t b = 0; b < cur->n_bridges; b++) {
            struct flow_set fs;
            flow_set_init(&fs);
            pipeline_compute(cur->bridges[b].dpid, all_ports, NULL, &fs);
            n_flows += fs.n;
            flow_set_destroy(&fs);
        }
        uint64_t t6 = time_nsec();
        t_parse[r] = t1 - t0;
        t_apply[r] = t2 - t1;
        t_reload[r] = t4 - t3;
        t_flows[r] = t6 - t5;

        /* Start the next run from an empty model, as a fresh daemon would. */
        struct vx_config empty;
        vxconf_init(&empty);
        model_apply(&empty, &aff, NULL);
        dpid_set_clear(&aff);
        rcu_quiescent_state();
        rcu_barrier();
    }
    double per_host = n_hosts ? (double)(rss_after - rss_before) * 1024 / (double)n_hosts : 0;
    printf("%-36s %10s\n", "model_load", argv[1]);
    printf("%-36s %10zu\n", "bridges", n_bridges);
    printf("%-36s %10zu\n", "hosts", n_hosts);
    printf("%-36s %10.1f\n", "parse + validate (ms, median)", median_ms(t_parse, runs));
    printf("%-36s %10.1f\n", "model apply (ms, median)", median_ms(t_apply, runs));
    printf("%-36s %10.1f\n", "unchanged reload diff (ms, median)", median_ms(t_reload, runs));
    printf("%-36s %10.1f\n", "desired flows, all bridges (ms)", median_ms(t_flows, runs));
    printf("%-36s %10zu\n", "desired flows, total", n_flows);
    printf("%-36s %10.0f\n", "model RSS per host (bytes)", per_host);
    printf("{\"bench\":\"model_load\",\"bridges\":%zu,\"hosts\":%zu,\"parse_ms\":%.1f,"
           "\"apply_ms\":%.1f,\"reload_ms\":%.1f,\"flows_ms\":%.1f,\"flows\":%zu,"
           "\"rss_per_host_bytes\":%.0f,\"runs\":%d}\n",
           n_bridges, n_hosts, median_ms(t_parse, runs), median_ms(t_apply, runs),
           median_ms(t_reload, runs), median_ms(t_flows, runs), n_flows, per_host, runs);
    return 0;
}
