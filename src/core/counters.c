#include "core/counters.h"


static const char *const names[VXC_N] = {
#define X(NAME, HELP) #NAME,
    VX_COUNTERS(X)
#undef X
};

static const char *const helps[VXC_N] = {
#define X(NAME, HELP) HELP,
    VX_COUNTERS(X)
#undef X
};

const char *counter_name(enum vx_counter_id id)
{
    return names[id];
}

void counters_write_prometheus(FILE *f, struct vx_counters *const *sets, int n,
                               counters_msg_name_fn *msg_name)
{
    for (int id = 0; id < VXC_N; id++) {
        fprintf(f, "# HELP vxfabric_%s %s\n# TYPE vxfabric_%s counter\n",
                names[id], helps[id], names[id]);
        for (int w = 0; w < n; w++) {
            fprintf(f, "vxfabric_%s{worker=\"%d\"} %llu\n", names[id], w,
                    (unsigned long long)counter_read(sets[w], id));
        }
    }
    static const char *const dirs[2] = { "in", "out" };
    for (int d = 0; d < 2; d++) {
        fprintf(f, "# HELP vxfabric_messages_%s_total OpenFlow messages %s by type\n"
                   "# TYPE vxfabric_messages_%s_total counter\n",
                dirs[d], d ? "sent" : "received", dirs[d]);
        for (int t = 0; t < VX_N_MSG_TYPES; t++) {
            for (int w = 0; w < n; w++) {
                const uint64_t *slot = d ? &sets[w]->msgs_out[t] : &sets[w]->msgs_in[t];
                uint64_t v = ck_pr_load_64((uint64_t *)slot);
                if (v) {
                    fprintf(f, "vxfabric_messages_%s_total{worker=\"%d\",type=\"%s\"} %llu\n",
                            dirs[d], w, msg_name((uint8_t)t), (unsigned long long)v);
                }
            }
        }
    }
}
