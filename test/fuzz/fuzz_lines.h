/* The input format of the API and store fuzz targets: one request per
 * line, "METHOD URL[ BODY]" (the body is JSON on the same line). */
#ifndef VX_FUZZ_LINES_H
#define VX_FUZZ_LINES_H 1

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/store.h"
#include "model/vxconf.h"

/* The article's configuration, loaded and sorted once (VX_FUZZ_LOG=1:
 * debug logging, to see what an input exercised). */
static inline const struct vx_config *fuzz_article(void)
{
    static struct vx_config article;
    static bool done;
    struct vx_errors errs = { 0, 0, NULL };

    if (!done) {
        done = true;
        vlog_set_level(getenv("VX_FUZZ_LOG") ? VLL_DBG : VLL_ERR);
        if (!vxconf_load(VX_SOURCE_DIR "/conf/vxfabric.conf", &article, &errs, NULL)) {
            abort();
        }
        vxconf_sort(&article);
    }
    return &article;
}

/* Splits the NUL-terminated, writable 'text' into at most 'max' requests
 * (pointing into it).  Returns how many. */
static inline size_t fuzz_lines(char *text, struct store_change *out, size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *line = strtok_r(text, "\n", &save); line && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        char *url = strchr(line, ' ');
        if (!url) {
            continue;
        }
        *url++ = '\0';
        char *body = strchr(url, ' ');
        if (body) {
            *body++ = '\0';
        }
        out[n] = (struct store_change) { (long long)n + 1, line, url, body };
        n++;
    }
    return n;
}

/* A NUL-terminated copy of the fuzzer's bytes (the caller frees it). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
