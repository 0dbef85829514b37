/* Fuzz target: the API's request bodies and URLs.  The first line of the
 * input is one request, "METHOD URL[ BODY]", decided against the article's
 * configuration exactly as the HTTP API decides it (api_json_change), or,
 * for "POST /v1/attach BODY", decoded as the attach request (#17), whose
 * host body must then be a JSON object the host parser reads.
 * Oracle: an accepted change yields a valid, sorted configuration whose
 * new object reads back to the same JSON; a refused one carries a 4xx
 * status and a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/api_json.h"
#include "model/edit.h"
#include "model/vxconf.h"
#include "fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* The object's JSON text read back through the parser must not change. */
static void check_round_trip__(const struct vx_config *next, enum edit_kind k,
                               const union edit_object *key, const union edit_object *obj)
{
    json_t *j = api_json_object(k, obj);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    union edit_object again;
    struct api_error e;

    if (!api_json_parse_object(next, k, key, text, &again, &e)) {
        fprintf(stderr, "accepted object does not parse back: %s: %s\n", text, e.msg);
        abort();
    }
    json_t *j2 = api_json_object(k, &again);
    char *text2 = json_dumps(j2, JSON_COMPACT | JSON_SORT_KEYS);
    if (strcmp(text, text2)) {
        fprintf(stderr, "round trip changed the object: %s -> %s\n", text, text2);
        abort();
    }
    free(text);
    free(text2);
    json_decref(j);
    json_decref(j2);
}

/* An accepted attach gives a VNI in range and a host body that is a JSON
 * object; a refused one a 4xx status and a message. */
static void check_attach__(const char *body)
{
    struct api_attach a;
    struct api_error e;

    memset(&e, 0, sizeof e);
    if (!api_json_parse_attach(body, &a, &e)) {
        if (e.status < 400 || e.status > 499 || !e.msg[0]) {
            fprintf(stderr, "attach refused without a 4xx status and a message: %u\n", e.status);
            abort();
        }
        return;
    }
    json_t *j = json_loads(a.host_body, 0, NULL);
    if (a.vni < 1 || a.vni > VX_VNI_MAX || !json_is_object(j)
        || !json_is_string(json_object_get(j, "iface"))) {
        fprintf(stderr, "attach accepted badly: vni %u, host body %s\n", a.vni, a.host_body);
        abort();
    }
    json_decref(j);
    free(a.host_body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_change req;
    char *text = fuzz_text(data, size);
    enum edit_kind k;
    const char *rest;
    union edit_object key, obj;

    bool parsed = fuzz_lines(text, &req, 1);     /* once: it splits 'text' in place */

    if (parsed && !strcmp(req.url, "/v1/attach")) {
        check_attach__(req.body ? req.body : "");
    } else if (parsed && api_json_route(req.url, &k, &rest)
        && api_json_parse_key(k, rest, &key)) {
        const char *body = !strcmp(req.method, "DELETE") ? NULL : req.body ? req.body : "";
        struct vx_config next;
        struct api_error e;
        bool existed;
        struct vx_errors errs = { 0, 0, NULL };

        memset(&e, 0, sizeof e);
        if (api_json_change(fuzz_article(), k, &key, body, &next, &existed, &obj, &e)) {
            if (!edit_validate(&next, "fuzz", &errs)) {
                fprintf(stderr, "accepted change leaves an invalid config: %s\n", errs.msgs[0]);
                abort();
            }
            if (body) {
                check_round_trip__(&next, k, &key, &obj);
            }
            vxconf_free(&next);
        } else if (e.status < 400 || e.status > 499 || !e.msg[0]) {
            fprintf(stderr, "refusal without a 4xx status and a message: %u\n", e.status);
            abort();
        }
    }
    free(text);
    return 0;
}
