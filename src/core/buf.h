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
/* Appends 'size' zero bytes and returns a pointer to them.  The pointer is
 * valid until the next call that may grow the buffer. */
void *vxbuf_put_zeros(struct vxbuf *, size_t size);
void *vxbuf_put(struct vxbuf *, const void *, size_t size);
/* Consumes 'size' bytes from the head.  'size' must be <= b->size. */
void vxbuf_consume(struct vxbuf *, size_t size);

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

#endif
