#include "vxctl/vxctl_show.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

/* The text of a JSON value in a cell: strings bare, arrays joined. */
static void cell__(const json_t *v, struct vxbuf *b)
{
    char *s;

    if (!v || json_is_null(v)) {
        vxbuf_put(b, "-", 1);
    } else if (json_is_string(v)) {
        vxbuf_put(b, json_string_value(v), json_string_length(v));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) {
            if (i) {
                vxbuf_put(b, ",", 1);
            }
            cell__(x, b);
        }
    } else if (json_is_true(v) || json_is_false(v)) {
        const char *t = json_is_true(v) ? "yes" : "no";
        vxbuf_put(b, t, strlen(t));
    } else {
        s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        vxbuf_put(b, s, strlen(s));
        free(s);
    }
}

static char *cell_text__(const json_t *row, const char *member)
{
    struct vxbuf b = VXBUF_INITIALIZER;
    cell__(json_object_get(row, member), &b);
    vxbuf_put(&b, "", 1);
    char *s = xstrdup((const char *)vxbuf_data(&b));
    vxbuf_uninit(&b);
    return s;
}

void vxctl_show_table(FILE *out, const json_t *rows, const struct vxctl_column *cols, size_t n)
{
    size_t n_rows = json_array_size(rows);
    char **cells = xcalloc((n_rows + 1) * n, sizeof *cells);
    size_t *width = xcalloc(n, sizeof *width);

    for (size_t c = 0; c < n; c++) {
        cells[c] = xstrdup(cols[c].header);
        width[c] = strlen(cols[c].header);
    }
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t c = 0; c < n; c++) {
            char *s = cell_text__(json_array_get(rows, r), cols[c].member);
            width[c] = MAX(width[c], strlen(s));
            cells[(r + 1) * n + c] = s;
        }
    }
    for (size_t r = 0; r <= n_rows; r++) {
        for (size_t c = 0; c < n; c++) {
            if (c + 1 < n) {
                fprintf(out, "%-*s  ", (int)width[c], cells[r * n + c]);
            } else {
                fprintf(out, "%s\n", cells[r * n + c]);
            }
            free(cells[r * n + c]);
        }
    }
    free(cells);
    free(width);
}

void vxctl_show_object(FILE *out, const json_t *o)
{
    const char *k;
    const json_t *v;

    json_object_foreach((json_t *)o, k, v) {
        char *s = cell_text__(o, k);
        fprintf(out, "%s: %s\n", k, s);
        free(s);
    }
}

static const char *str__(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void step__(FILE *out, const json_t *s)
{
    fprintf(out, "%-6s table %lld  %s: %s\n", str__(s, "bridge"),
            json_integer_value(json_object_get(s, "table")), str__(s, "object"), str__(s, "role"));
    fprintf(out, "       %s\n", str__(s, "flow"));
    if (json_object_get(s, "warning")) {
        fprintf(out, "       ! %s\n", str__(s, "warning"));
    }
}

void vxctl_show_trace(FILE *out, const json_t *t)
{
    size_t i;
    const json_t *s;
    const char *verdict = str__(t, "verdict");

    json_array_foreach(json_object_get(t, "steps"), i, s) {
        step__(out, s);
    }
    if (!strcmp(verdict, "dropped")) {
        fprintf(out, "verdict: dropped at table %lld on %s: %s\n  why: %s (%s)\n",
                json_integer_value(json_object_get(t, "table")), str__(t, "bridge"),
                str__(t, "detail"), str__(t, "why"), str__(t, "reason"));
    } else {
        fprintf(out, "verdict: %s: %s\n", verdict, str__(t, "detail"));
    }
    if (json_object_get(t, "controller_answer")) {
        fprintf(out, "  the controller: %s\n", str__(t, "controller_answer"));
    }
    json_int_t w = json_integer_value(json_object_get(t, "warnings"));
    if (w) {
        fprintf(out, "warning: %lld step(s) differ from the switch's installed flows\n", (long long)w);
    }
}

void vxctl_show_cookie(FILE *out, const json_t *c)
{
    if (json_object_get(c, "kind")) {
        fprintf(out, "%s: %s: %s (%s)\n", str__(c, "cookie"), str__(c, "object"),
                str__(c, "role_text"), str__(c, "role"));
    } else {
        fprintf(out, "%s: %s\n", str__(c, "cookie"), str__(c, "object"));
    }
}
