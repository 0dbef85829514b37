/* Small utilities shared by every module. */
#ifndef VX_UTIL_H
#define VX_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define ROUND_UP(X, Y) (((X) + (Y) - 1) / (Y) * (Y))
#define CACHE_LINE_SIZE 64

/* X-macro lists of X(NAME, TEXT): expanded into enumerators, their names
 * as strings, or their texts; vx_name_at() reads such a table safely. */
#define VX_X_ENUM(NAME, TEXT) NAME,
#define VX_X_NAME(NAME, TEXT) #NAME,
#define VX_X_TEXT(NAME, TEXT) TEXT,
static inline const char *vx_name_at(const char *const *names, size_t n, size_t i)
{
    return i < n ? names[i] : "?";
}

/* Allocation that aborts on exhaustion: an out-of-memory controller cannot
 * do anything safer than stop (the switches keep their flows). */
void *xmalloc(size_t);
/* aligned_alloc() (C11: 'size' a multiple of 'alignment'), or abort. */
void *xaligned_alloc(size_t alignment, size_t size);
void *xzalloc(size_t);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
void *xmemdup(const void *, size_t);
/* The whole of file 'path' as a NUL-terminated string (the caller frees
 * it), or NULL with errno set (EFBIG beyond 'max' bytes). */
char *read_file_text(const char *path, size_t max);
/* A new string formatted as by printf. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* qsort() and bsearch() that accept an empty array with a NULL base (for
 * which the libc functions are undefined even when 'n' is 0). */
void vx_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *vx_bsearch(const void *key, const void *base, size_t n, size_t size,
                 int (*cmp)(const void *, const void *));

/* Text forms.  'buf' must hold at least 18 bytes for a MAC and 16 for an IP. */
#define ETH_ADDR_STRLEN 18
#define IP_ADDR_STRLEN 16
const char *eth_addr_to_str(const uint8_t mac[6], char buf[ETH_ADDR_STRLEN]);
const char *ip_to_str(uint32_t ip_host_order, char buf[IP_ADDR_STRLEN]);
/* Strict parsers: return false on anything but the canonical forms
 * "xx:xx:xx:xx:xx:xx" and dotted-quad. */
bool eth_addr_from_str(const char *, uint8_t mac[6]);
bool ip_from_str(const char *, uint32_t *ip_host_order);
/* "A.B.C.D/N" with 0 <= N <= 32.  Host bits set are accepted as given; the
 * caller decides whether that is an error. */
bool cidr_from_str(const char *, uint32_t *ip, unsigned int *prefix);
static inline uint32_t prefix_to_mask(unsigned int prefix)
{
    return prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
}

/* Hashing (FNV-1a-64 finished with a mixer; not for adversarial keys of
 * unbounded size, which the model never hashes). */
uint64_t hash_bytes(const void *, size_t, uint64_t basis);
static inline uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Defines 'const char *FN(TYPE v)': the text of value 'v' of the X-macro
 * list LIST (entries X(NAME, "text")), "?" outside [0, N). */
#define VX_NAME_ENTRY_(NAME, TEXT) [NAME] = TEXT,
#define VX_DEFINE_NAMES(FN, TYPE, LIST, N)                                    \
    const char *FN(TYPE v)                                                    \
    {                                                                         \
        static const char *const names_[N] = { LIST(VX_NAME_ENTRY_) };        \
        return (unsigned int)v < (unsigned int)(N) ? names_[v] : "?";         \
    }

#endif
