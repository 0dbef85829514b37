/* Growable byte buffers and bounds-checked read cursors.
 *
 * struct vxbuf owns its memory.  Data lives in [base + head, base + head +
 * size); appending grows at the tail, consuming advances 'head', so a
 * connection's output buffer can be drained by partial writes without
 * memmove on every write.
 *
 * struct vxcur is a read-only window over bytes owned by someone else.  Its
 * pull operations return NULL on short data instead of asserting: peer input
 * must never crash the daemon (house style 4; FRR's stream.h does the same).
 *
 * Neither is thread-safe; each belongs to one thread. */
#ifndef VX_BUF_H
#define VX_BUF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vxbuf {
    uint8_t *base;
    size_t head;        /* offset of the first unconsumed byte */
    size_t size;        /* bytes of data starting at 'head' */
    size_t cap;         /* bytes allocated at 'base' */
};

#define VXBUF_INITIALIZER { NULL, 0, 0, 0 }

void vxbuf_init(struct vxbuf *, size_t cap);
void vxbuf_uninit(struct vxbuf *);
void vxbuf_clear(struct vxbuf *);
/* Ensures room for 'size' more bytes at the tail. */
void vxbuf_reserve(struct vxbuf *, size_t size);
/* Consumes 'size' bytes from the head.  'size' must be <= b->size. */
void vxbuf_consume(struct vxbuf *, size_t size);
/* Gives back the allocation of an empty buffer larger than 'cap',
 * reallocating it at 'cap' bytes. */
void vxbuf_shrink(struct vxbuf *, size_t cap);

/* A buffer that never allocated has a NULL base; even NULL + 0 is
 * undefined behaviour in C, so these return NULL for it instead. */
static inline uint8_t *vxbuf_data(const struct vxbuf *b)
{
    return b->base ? b->base + b->head : NULL;
}
static inline uint8_t *vxbuf_tail(const struct vxbuf *b)
{
    return b->base ? b->base + b->head + b->size : NULL;
}
static inline size_t vxbuf_ofs(const struct vxbuf *b) { return b->size; }

/* Appends 'size' bytes that the caller then writes, every one of them
 * (nothing is zero-filled), and returns them; valid until the buffer
 * next grows.  The reply builders' fast path: one bounds check when the
 * room is there. */
static inline void *vxbuf_put_uninit(struct vxbuf *b, size_t size)
{
    if (!b->base || b->head + b->size + size > b->cap) {
        vxbuf_reserve(b, size ? size : 1);    /* never a NULL base: NULL + 0 is undefined */
    }
    uint8_t *p = b->base + b->head + b->size;
    b->size += size;
    return p;
}

/* Takes back the last 'n' bytes appended (n <= b->size): what a builder
 * that reserved the most it could need did not use. */
static inline void vxbuf_trim(struct vxbuf *b, size_t n)
{
    b->size -= n;
}

/* Appends 'size' zero bytes and returns a pointer to them.  The pointer is
 * valid until the next call that may grow the buffer. */
static inline void *vxbuf_put_zeros(struct vxbuf *b, size_t size)
{
    return memset(vxbuf_put_uninit(b, size), 0, size);
}

/* Appends a copy of 'size' bytes at 'data' (NULL if 'size' is 0). */
static inline void *vxbuf_put(struct vxbuf *b, const void *data, size_t size)
{
    void *p = vxbuf_put_uninit(b, size);
    if (size) {
        memcpy(p, data, size);
    }
    return p;
}
static inline void *vxbuf_at(const struct vxbuf *b, size_t ofs)
{
    return b->base ? b->base + b->head + ofs : NULL;
}

struct vxcur {
    const uint8_t *p;
    size_t left;
};

static inline struct vxcur vxcur_make(const void *p, size_t size)
{
    return (struct vxcur) { p, size };
}

/* Returns a pointer to the next 'size' bytes and advances past them, or NULL
 * (without advancing) if fewer than 'size' bytes remain. */
static inline const void *vxcur_pull(struct vxcur *c, size_t size)
{
    const uint8_t *p;

    if (size > c->left) {
        return NULL;
    }
    p = c->p;
    c->p += size;
    c->left -= size;
    return p;
}

static inline bool vxcur_get_u8(struct vxcur *c, uint8_t *v)
{
    const uint8_t *p = vxcur_pull(c, 1);
    if (p) { *v = p[0]; }
    return p != NULL;
}

static inline bool vxcur_get_be16(struct vxcur *c, uint16_t *v)
{
    const uint8_t *p = vxcur_pull(c, 2);
    if (p) { *v = (uint16_t)(p[0] << 8 | p[1]); }
    return p != NULL;
}

static inline bool vxcur_get_be32(struct vxcur *c, uint32_t *v)
{
    const uint8_t *p = vxcur_pull(c, 4);
    if (p) {
        *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
             | (uint32_t)p[2] << 8 | p[3];
    }
    return p != NULL;
}

/* The framing of a type-length-value element, for vxcur_pull_tlv(): the
 * header's size, where its length field sits and how wide it is (1 or 2
 * bytes, big-endian), whether the length counts the header, and the
 * alignment the element's total size must keep (1 for none).  The decoders
 * that use it: OpenFlow 1.3.5 instructions and actions (A.2.4, A.2.5), OXM
 * fields (A.2.3.2) and DHCP options (RFC 2132 section 2). */
struct vxtlv_format {
    uint8_t hdr_size;
    uint8_t len_ofs;
    uint8_t len_size;
    bool len_includes_hdr;
    uint8_t align;
};

/* One element pulled by vxcur_pull_tlv().  Points into the cursor's bytes:
 * valid as long as they are. */
struct vxtlv {
    const uint8_t *hdr;         /* the element's first byte */
    const uint8_t *value;       /* the byte after the header */
    size_t value_len;
    size_t size;                /* header + value */
};

/* Pulls one element framed by 'f' from 'c' into '*t'.  Returns false, with
 * 'c' unchanged, if the header is incomplete, the total size is smaller than
 * the header, breaks the alignment, or runs past the end of 'c'.  Never reads
 * outside 'c'.  Any thread. */
bool vxcur_pull_tlv(struct vxcur *c, const struct vxtlv_format *f, struct vxtlv *t);

/* Unaligned big-endian access helpers for wire structs (house style 2). */
static inline uint16_t get_be16(const void *p_)
{
    const uint8_t *p = p_;
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const void *p_)
{
    const uint8_t *p = p_;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const void *p_)
{
    const uint8_t *p = p_;
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_be16(void *p_, uint16_t v)
{
    uint8_t *p = p_;
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(void *p_, uint32_t v)
{
    uint8_t *p = p_;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_be64(void *p_, uint64_t v)
{
    uint8_t *p = p_;
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* The 'n'-byte (n <= 8) big-endian integer at 'p': OXM values, MACs. */
static inline uint64_t get_be_n(const void *p_, unsigned int n)
{
    const uint8_t *p = p_;
    uint64_t v = 0;
    for (unsigned int i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static inline void put_be_n(void *p_, uint64_t v, unsigned int n)
{
    uint8_t *p = p_;
    for (unsigned int i = n; i-- > 0; v >>= 8) {
        p[i] = (uint8_t)v;
    }
}

#endif
