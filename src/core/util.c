#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory__(void)
{
    static const char msg[] = "vxfabric: out of memory\n";
    fwrite(msg, 1, sizeof msg - 1, stderr);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory__();
    }
    return p;
}

void *xaligned_alloc(size_t alignment, size_t size)
{
    void *p = aligned_alloc(alignment, size);
    if (!p) {
        out_of_memory__();
    }
    return p;
}

void *xzalloc(size_t size)
{
    return xcalloc(1, size);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory__();
    }
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory__();
    }
    return p;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

char *xasprintf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    int n = vasprintf(&s, fmt, args);
    va_end(args);
    if (n < 0) {
        out_of_memory__();
    }
    return s;
}

void *xmemdup(const void *p, size_t size)
{
    void *q = xmalloc(size);
    if (size) {
        memcpy(q, p, size);     /* 'p' may be NULL when 'size' is 0 */
    }
    return q;
}

const char *eth_addr_to_str(const uint8_t m[6], char buf[ETH_ADDR_STRLEN])
{
    snprintf(buf, ETH_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
             m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

const char *ip_to_str(uint32_t ip, char buf[IP_ADDR_STRLEN])
{
    snprintf(buf, IP_ADDR_STRLEN, "%u.%u.%u.%u",
             ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return buf;
}

static int hexval__(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool eth_addr_from_str(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        int hi = hexval__(s[i * 3]), lo = hexval__(s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) {
            return false;
        }
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool ip_from_str(const char *s, uint32_t *ip)
{
    struct in_addr a;

    /* inet_pton accepts only the strict dotted-quad form for AF_INET. */
    if (inet_pton(AF_INET, s, &a) != 1) {
        return false;
    }
    *ip = ntohl(a.s_addr);
    return true;
}

bool cidr_from_str(const char *s, uint32_t *ip, unsigned int *prefix)
{
    char addr[IP_ADDR_STRLEN];
    const char *slash = strchr(s, '/');
    char *end;

    if (!slash || (size_t)(slash - s) >= sizeof addr || !slash[1]) {
        return false;
    }
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    unsigned long n = strtoul(slash + 1, &end, 10);
    if (*end || n > 32 || slash[1] == '-' || slash[1] == '+') {
        return false;
    }
    *prefix = (unsigned int)n;
    return ip_from_str(addr, ip);
}

uint64_t hash_bytes(const void *p_, size_t size, uint64_t basis)
{
    const uint8_t *p = p_;
    uint64_t h = 0xcbf29ce484222325ULL ^ basis;

    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return hash_u64(h);
}

void vx_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n) {
        qsort(base, n, size, cmp);
    }
}

void *vx_bsearch(const void *key, const void *base, size_t n, size_t size,
                 int (*cmp)(const void *, const void *))
{
    return n ? bsearch(key, base, n, size, cmp) : NULL;
}

char *read_file_text(const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    char *buf = xmalloc(max + 1);
    size_t n = fread(buf, 1, max + 1, f);
    bool error = ferror(f);
    fclose(f);
    if (error || n > max) {
        free(buf);
        errno = error ? EIO : EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}
