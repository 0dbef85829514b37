/* Fuzz target: replay of the API store.  Each line of the input is a
 * stored change, "METHOD URL[ BODY]", replayed over the article's
 * configuration one by one (store_apply_change), as the log is.
 * Oracle: the configuration stays valid after every change; and when
 * every change applied, the snapshot that compaction would keep (each
 * object's last change, its body in canonical JSON as the API stores it)
 * applied as one batch (store_apply_batch) gives the same configuration. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/api_json.h"
#include "daemon/store.h"
#include "model/edit.h"
#include "model/vxconf.h"
#include "fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CHANGES 64

/* The whole config as canonical JSON text (the caller frees it). */
static char *config_text__(const struct vx_config *cfg)
{
    json_t *all = json_array();
    for (int k = 0; k < EDIT_N_KINDS; k++) {
        for (size_t i = 0; i < edit_count(cfg, (enum edit_kind)k); i++) {
            json_array_append_new(all, api_json_object((enum edit_kind)k,
                                                       edit_object_at(cfg, (enum edit_kind)k, i)));
        }
    }
    char *text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    return text;
}

/* What the store would hold for change 'ch' once applied to 'cfg': a PUT's
 * body becomes the object's canonical JSON (the caller frees it). */
static char *canonical_body__(const struct vx_config *cfg, const struct store_change *ch)
{
    enum edit_kind k;
    const char *rest;
    union edit_object key;

    if (strcmp(ch->method, "PUT") || !api_json_route(ch->url, &k, &rest)
        || !api_json_parse_key(k, rest, &key)) {
        return NULL;
    }
    const void *o = edit_find(cfg, k, &key);
    json_t *j = o ? api_json_object(k, o) : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return text;
}

static void check_batch__(const struct vx_config *sequential, struct store_change *snap, size_t n)
{
    struct vx_config batch;
    size_t applied = 0, skipped = 0;

    edit_copy(fuzz_article(), &batch);
    if (!store_apply_batch(&batch, snap, n, &applied, &skipped) || skipped) {
        fprintf(stderr, "the snapshot of a fully applied log does not apply as a batch\n");
        abort();
    }
    char *a = config_text__(sequential), *b = config_text__(&batch);
    if (strcmp(a, b)) {
        fprintf(stderr, "batch and change-by-change replay differ:\n%s\n%s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    vxconf_free(&batch);
}

/* The canonical URL of change 'ch' into 'buf', or "" if it names none. */
static void canonical_url__(const struct store_change *ch, char *buf, size_t size)
{
    enum edit_kind k;
    const char *rest;
    union edit_object key;

    buf[0] = '\0';
    if (api_json_route(ch->url, &k, &rest) && api_json_parse_key(k, rest, &key)) {
        api_json_key_url(k, &key, buf, size);
    }
}

/* Keeps, of 'n' changes, the last one of each object, as compaction does.
 * Returns how many are left. */
static size_t compact__(struct store_change *snap, char urls[][128], size_t n)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        bool superseded = false;
        for (size_t j = i + 1; j < n && !superseded; j++) {
            superseded = !strcmp(urls[i], urls[j]);
        }
        if (!superseded) {
            snap[m] = snap[i];
            snap[m++].url = urls[i];
        }
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_change ch[MAX_CHANGES], snap[MAX_CHANGES];
    static char urls[MAX_CHANGES][128];
    char *bodies[MAX_CHANGES] = { NULL };
    char *text = fuzz_text(data, size);
    size_t n = fuzz_lines(text, ch, MAX_CHANGES);
    struct vx_config cfg;
    bool all_applied = true;

    edit_copy(fuzz_article(), &cfg);
    for (size_t i = 0; i < n; i++) {
        struct vx_errors errs = { 0, 0, NULL };
        bool ok = store_apply_change(&cfg, &ch[i]);
        if (!edit_validate(&cfg, "fuzz", &errs)) {
            fprintf(stderr, "replay left an invalid config: %s\n", errs.msgs[0]);
            abort();
        }
        all_applied &= ok;
        bodies[i] = ok ? canonical_body__(&cfg, &ch[i]) : NULL;
        canonical_url__(&ch[i], urls[i], sizeof urls[i]);
        snap[i] = (struct store_change) { ch[i].seq, ch[i].method, ch[i].url,
                                          bodies[i] ? bodies[i] : ch[i].body };
    }
    if (all_applied) {
        check_batch__(&cfg, snap, compact__(snap, urls, n));
    }
    for (size_t i = 0; i < n; i++) {
        free(bodies[i]);
    }
    vxconf_free(&cfg);
    free(text);
    return 0;
}
