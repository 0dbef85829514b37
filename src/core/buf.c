#include "core/buf.h"

#include <stdlib.h>

#include "core/util.h"

void vxbuf_init(struct vxbuf *b, size_t cap)
{
    b->base = cap ? xmalloc(cap) : NULL;
    b->head = 0;
    b->size = 0;
    b->cap = cap;
}

void vxbuf_uninit(struct vxbuf *b)
{
    free(b->base);
    b->base = NULL;
    b->head = b->size = b->cap = 0;
}

void vxbuf_clear(struct vxbuf *b)
{
    b->head = 0;
    b->size = 0;
}

void vxbuf_reserve(struct vxbuf *b, size_t size)
{
    if (b->head + b->size + size <= b->cap) {
        return;
    }
    /* Reclaim consumed head room before growing. */
    if (b->head) {
        memmove(b->base, b->base + b->head, b->size);
        b->head = 0;
        if (b->size + size <= b->cap) {
            return;
        }
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->size + size) {
        cap *= 2;
    }
    b->base = xrealloc(b->base, cap);
    b->cap = cap;
}

void vxbuf_shrink(struct vxbuf *b, size_t cap)
{
    if (!b->size && b->cap > cap) {
        free(b->base);
        b->base = xmalloc(cap);
        b->cap = cap;
        b->head = 0;
    }
}

void vxbuf_consume(struct vxbuf *b, size_t size)
{
    b->head += size;
    b->size -= size;
    if (!b->size) {
        b->head = 0;
    }
}

bool vxcur_pull_tlv(struct vxcur *c, const struct vxtlv_format *f, struct vxtlv *t)
{
    if (c->left < f->hdr_size) {
        return false;
    }
    const uint8_t *l = c->p + f->len_ofs;
    size_t len = f->len_size == 2 ? (size_t)(l[0] << 8 | l[1]) : l[0];
    size_t size = f->len_includes_hdr ? len : f->hdr_size + len;
    if (size < f->hdr_size || size % f->align || size > c->left) {
        return false;
    }
    t->hdr = vxcur_pull(c, size);
    t->value = t->hdr + f->hdr_size;
    t->value_len = size - f->hdr_size;
    t->size = size;
    return true;
}
