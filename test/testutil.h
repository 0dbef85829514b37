/* Helpers shared by the unit tests. */
#ifndef VX_TESTUTIL_H
#define VX_TESTUTIL_H 1

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Parses hex (whitespace ignored) into a malloc'd buffer; '*size' gets its
 * length.  Aborts on a malformed string: test data is ours. */
static inline uint8_t *hex_to_bytes(const char *hex, size_t *size)
{
    uint8_t *out = malloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    int hi = -1;

    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char)*p)) {
            continue;
        }
        int v = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        if (v < 0 || v > 15) {
            abort();
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        abort();
    }
    *size = n;
    return out;
}

/* Lower-case hex of a buffer's data, malloc'd. */
static inline char *buf_to_hex(const struct vxbuf *b)
{
    char *s = malloc(b->size * 2 + 1);
    for (size_t i = 0; i < b->size; i++) {
        static const char digits[] = "0123456789abcdef";
        s[2 * i] = digits[vxbuf_data(b)[i] >> 4];
        s[2 * i + 1] = digits[vxbuf_data(b)[i] & 15];
    }
    s[b->size * 2] = '\0';
    return s;
}

#endif
