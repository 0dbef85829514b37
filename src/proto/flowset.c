#include "proto/flowset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void flow_set_init(struct flow_set *s)
{
    memset(s, 0, sizeof *s);
}

void flow_set_destroy(struct flow_set *s)
{
    free(s->flows);
    vxbuf_uninit(&s->arena);
    memset(s, 0, sizeof *s);
}

void flow_set_clear(struct flow_set *s)
{
    s->n = 0;
    vxbuf_clear(&s->arena);
}

static struct flow *new_flow__(struct flow_set *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->flows = xrealloc(s->flows, s->cap * sizeof *s->flows);
    }
    return &s->flows[s->n++];
}

bool flow_set_add(struct flow_set *s, uint8_t table, uint16_t priority, uint64_t cookie,
                  const struct of_match *m, const struct of_insts *insts)
{
    size_t ofs = vxbuf_ofs(&s->arena);

    if (!of_match_put(&s->arena, m)) {
        return false;
    }
    size_t mid = vxbuf_ofs(&s->arena);
    of_insts_put(&s->arena, insts);

    struct flow *f = new_flow__(s);
    f->table = table;
    f->priority = priority;
    f->cookie = cookie;
    f->ofs = (uint32_t)ofs;
    f->match_size = (uint16_t)(mid - ofs);
    f->insts_size = (uint16_t)(vxbuf_ofs(&s->arena) - mid);
    return true;
}

void flow_set_add_copy(struct flow_set *s, const struct flow_set *from, const struct flow *f)
{
    size_t ofs = vxbuf_ofs(&s->arena);
    vxbuf_put(&s->arena, flow_match(from, f), (size_t)f->match_size + f->insts_size);
    struct flow *nf = new_flow__(s);
    *nf = *f;
    nf->ofs = (uint32_t)ofs;
}

int flow_identity_cmp(const struct flow_set *sa, const struct flow *a,
                      const struct flow_set *sb, const struct flow *b)
{
    if (a->table != b->table) {
        return a->table < b->table ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;   /* high priority first */
    }
    if (a->match_size != b->match_size) {
        return a->match_size < b->match_size ? -1 : 1;
    }
    return memcmp(flow_match(sa, a), flow_match(sb, b), a->match_size);
}

bool flow_set_remove(struct flow_set *s, const struct flow_set *key_set, const struct flow *key)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = flow_identity_cmp(s, &s->flows[mid], key_set, key);
        if (!cmp) {
            /* Its arena bytes stay until the set is next rebuilt. */
            memmove(&s->flows[mid], &s->flows[mid + 1], (s->n - mid - 1) * sizeof s->flows[0]);
            s->n--;
            return true;
        }
        if (cmp < 0) lo = mid + 1; else hi = mid;
    }
    return false;
}

bool flow_insts_equal(const struct flow_set *sa, const struct flow *a,
                      const struct flow_set *sb, const struct flow *b)
{
    return a->insts_size == b->insts_size
           && !memcmp(flow_insts(sa, a), flow_insts(sb, b), a->insts_size);
}

/* qsort_r comparator; 'set' is the arena the flows point into. */
static int sort_cmp__(const void *a, const void *b, void *set_)
{
    const struct flow_set *set = set_;
    int c = flow_identity_cmp(set, a, set, b);
    if (c) {
        return c;
    }
    /* Stable on insertion order (arena offset) so the first duplicate wins. */
    const struct flow *fa = a, *fb = b;
    return fa->ofs < fb->ofs ? -1 : fa->ofs > fb->ofs;
}

size_t flow_set_sort(struct flow_set *s)
{
    size_t n = 0, dups = 0;

    if (!s->n) {
        return 0;
    }
    qsort_r(s->flows, s->n, sizeof *s->flows, sort_cmp__, s);
    for (size_t i = 0; i < s->n; i++) {
        if (n && !flow_identity_cmp(s, &s->flows[n - 1], s, &s->flows[i])) {
            dups++;
            continue;
        }
        s->flows[n++] = s->flows[i];
    }
    s->n = n;
    return dups;
}

size_t flow_set_diff(const struct flow_set *desired, const struct flow_set *installed,
                     void (*cb)(void *, enum flow_op_type, const struct flow_set *,
                                const struct flow *),
                     void *aux)
{
    size_t i = 0, j = 0, n_ops = 0;

    while (i < desired->n || j < installed->n) {
        const struct flow *d = i < desired->n ? &desired->flows[i] : NULL;
        const struct flow *in = j < installed->n ? &installed->flows[j] : NULL;
        int c = !d ? 1 : !in ? -1 : flow_identity_cmp(desired, d, installed, in);

        if (c < 0) {
            cb(aux, FLOW_OP_ADD, desired, d);
            n_ops++;
            i++;
        } else if (c > 0) {
            cb(aux, FLOW_OP_DELETE, installed, in);
            n_ops++;
            j++;
        } else {
            if (!flow_insts_equal(desired, d, installed, in)) {
                cb(aux, FLOW_OP_MODIFY, desired, d);
                n_ops++;
            }
            i++;
            j++;
        }
    }
    return n_ops;
}

void flow_format(const struct flow_set *s, const struct flow *f, struct vxbuf *out)
{
    struct of_match m;
    struct of_insts insts;
    char head[96];
    struct vxcur c = vxcur_make(flow_match(s, f), f->match_size);
    struct vxcur ic = vxcur_make(flow_insts(s, f), f->insts_size);

    /* As ovs-ofctl: table 0 is implied. */
    if (f->table) {
        snprintf(head, sizeof head, "cookie=%#llx, table=%u, priority=%u",
                 (unsigned long long)f->cookie, f->table, f->priority);
    } else {
        snprintf(head, sizeof head, "cookie=%#llx, priority=%u",
                 (unsigned long long)f->cookie, f->priority);
    }
    vxbuf_put(out, head, strlen(head));
    /* Our own canonical encodings: decoding cannot fail. */
    if (!of_match_pull(&c, &m) && !of_insts_pull(&ic, &insts)) {
        size_t before = vxbuf_ofs(out);
        vxbuf_put(out, ",", 1);
        of_match_format(&m, out);
        if (vxbuf_ofs(out) == before + 1) {
            out->size--;        /* empty match: no comma */
        }
        vxbuf_put(out, " actions=", 9);
        of_insts_format(&insts, out);
    }
    vxbuf_put(out, "\n", 1);
}
