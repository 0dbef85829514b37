/* vxctl's human-readable output: aligned tables of the API's JSON arrays,
 * and a trace as a reader follows it.  Plain functions writing to 'out';
 * the JSON stays the caller's. */
#ifndef VX_VXCTL_SHOW_H
#define VX_VXCTL_SHOW_H 1

#include <stdio.h>

#include <jansson.h>

/* One column: its header and the object member it shows ("a.b" is not
 * supported; arrays are joined with ','; absent members show as '-'). */
struct vxctl_column {
    const char *header;
    const char *member;
};

/* Prints array 'rows' of objects as a table of 'n' columns. */
void vxctl_show_table(FILE *out, const json_t *rows, const struct vxctl_column *, size_t n);
/* Prints object 'o' as "member: value" lines. */
void vxctl_show_object(FILE *out, const json_t *o);
/* Prints a GET /v1/trace answer. */
void vxctl_show_trace(FILE *out, const json_t *trace);
/* Prints a GET /v1/cookies answer on one line. */
void vxctl_show_cookie(FILE *out, const json_t *cookie);

#endif
