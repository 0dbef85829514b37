/* Fuzz target: GET /v1/trace's query and the walk it starts, and GET
 * /v1/cookies/C's cookie text.  The input's first line is a query string
 * ("src=...&dst=...&proto=..."), decoded as the HTTP API decodes it; the
 * second, if any, a cookie.  The article's fabric is the model, with the
 * lab's port numbers and installed flows equal to the desired ones.
 * Oracle: a refused request carries a 4xx status and a message; an
 * accepted one walks to a verdict with its sentence, at most two bridges
 * of at most four tables, and no warning (installed = desired). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/log.h"
#include "daemon/api_trace.h"
#include "model/edit.h"
#include "model/model.h"
#include "model/trace.h"
#include "model/vxconf.h"
#include "fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_ARGS 16
struct query { int n; char *names[N_ARGS], *values[N_ARGS]; };

static const char *arg__(void *aux, const char *name)
{
    const struct query *q = aux;
    for (int i = 0; i < q->n; i++) {
        if (!strcmp(q->names[i], name)) {
            return q->values[i];
        }
    }
    return NULL;
}

/* "a=b&c=d" split in place (no %-decoding: the fuzzer writes bytes). */
static void split__(char *s, struct query *q)
{
    q->n = 0;
    for (char *save = NULL, *t = strtok_r(s, "&", &save); t && q->n < N_ARGS;
         t = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(t, '=');
        q->names[q->n] = t;
        q->values[q->n++] = eq ? (*eq = '\0', eq + 1) : (char *)"";
    }
}

static const struct of_port ports1[] = {
    { 1, { 0 }, "vm1-p", 0, 0 }, { 2, { 0 }, "vm2-p", 0, 0 }, { 3, { 0 }, "vm3-p", 0, 0 },
    { 4, { 0 }, "vm4-p", 0, 0 }, { 5, { 0 }, "vm5-p", 0, 0 }, { 6, { 0 }, "vm6-p", 0, 0 },
    { 7, { 0 }, "vtun1", 0, 0 },
};
static const struct of_port ports2[] = {
    { 1, { 0 }, "vm7-p", 0, 0 }, { 2, { 0 }, "vm8-p", 0, 0 }, { 3, { 0 }, "vtun1", 0, 0 },
    { 4, { 0 }, "vm9-p", 0, 0 }, { 5, { 0 }, "vm10-p", 0, 0 }, { 6, { 0 }, "vm11-p", 0, 0 },
    { 7, { 0 }, "vm12-p", 0, 0 },
};
static struct flow_set installed[2];

static bool bridge__(void *aux, uint64_t dpid, struct trace_bridge *tb)
{
    (void)aux;
    int i = dpid == 0x32d1f6ddc94fULL ? 0 : dpid == 0x4e7879903e4cULL ? 1 : -1;
    if (i < 0) {
        return false;
    }
    *tb = (struct trace_bridge) { true, 7, i ? ports2 : ports1, &installed[i], NULL };
    return true;
}

static void setup__(void)
{
    static bool done;
    struct vx_config cfg;
    struct dpid_set aff = { 0, 0, NULL };

    if (done) {
        return;
    }
    done = true;
    rcu_register_thread();
    model_init();
    edit_copy(fuzz_article(), &cfg);
    model_apply(&cfg, &aff, NULL);
    dpid_set_clear(&aff);
    for (int i = 0; i < 2; i++) {
        struct trace_bridge tb;
        uint64_t dpid = i ? 0x4e7879903e4cULL : 0x32d1f6ddc94fULL;
        flow_set_init(&installed[i]);
        bridge__(NULL, dpid, &tb);
        pipeline_compute(dpid, trace_bridge_port, &tb, &installed[i]);
    }
}

static void check_trace__(uint64_t dpid, struct trace_packet *p)
{
    struct trace_result r;

    trace_run(dpid, p, bridge__, NULL, &r);
    if (!r.detail || r.n_steps > 8 || r.n_warnings) {
        fprintf(stderr, "trace: %zu steps, %zu warnings, detail %s\n", r.n_steps, r.n_warnings,
                r.detail ? r.detail : "(none)");
        abort();
    }
    if ((r.verdict == TRACE_DROPPED) != (r.reason != TRACE_R_NONE && r.reason != TRACE_R_PACKET_IN
                                         && r.reason != TRACE_R_TTL_EXPIRED)) {
        fprintf(stderr, "verdict %s with reason %s\n", trace_verdict_name(r.verdict),
                trace_reason_name(r.reason));
        abort();
    }
    json_decref(api_trace_result_json(&r));
    trace_result_free(&r);
}

static void check_refusal__(const struct api_error *e)
{
    if (e->status < 400 || e->status > 499 || !e->msg[0]) {
        fprintf(stderr, "refusal without a 4xx status and a message: %u\n", e->status);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *cookie = strchr(text, '\n');
    struct query q;
    struct trace_packet p;
    struct api_error e;
    const char *port_name;
    uint64_t dpid;

    setup__();
    if (cookie) {
        *cookie++ = '\0';
    }
    split__(text, &q);
    memset(&e, 0, sizeof e);
    if (api_trace_request(arg__, &q, &dpid, &p, &port_name, &e)) {
        check_trace__(dpid, &p);
    } else {
        check_refusal__(&e);
    }
    if (cookie) {
        memset(&e, 0, sizeof e);
        json_t *j = api_trace_cookie_json(cookie, &e);
        if (j) {
            json_decref(j);
        } else {
            check_refusal__(&e);
        }
    }
    free(text);
    return 0;
}
