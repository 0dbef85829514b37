/* Sets of OpenFlow flows in canonical encoded form, sortable and diffable.
 *
 * A flow's identity in OpenFlow is (table, priority, match) (OF1.3.5 6.4);
 * its value here is the instruction set.  Both match and instructions are
 * stored in the canonical encoding of of_match_put()/of_insts_put(), so
 * flows read back from a switch compare equal to the flows computed from
 * the model exactly when the switch holds what we want.
 *
 * A flow_set owns its memory; it is used by one thread at a time. */
#ifndef VX_FLOWSET_H
#define VX_FLOWSET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/of_actions.h"
#include "proto/of_match.h"

struct flow {
    uint8_t table;
    uint16_t priority;
    uint16_t match_size;
    uint16_t insts_size;
    uint64_t cookie;
    uint32_t ofs;               /* of the match bytes in the set's arena */
};

struct flow_set {
    size_t n;
    size_t cap;
    struct flow *flows;
    struct vxbuf arena;         /* match bytes, then instruction bytes */
};

/* Constructor, destructor (frees everything), and emptying that keeps the
 * allocations for reuse. */
void flow_set_init(struct flow_set *);
void flow_set_destroy(struct flow_set *);
void flow_set_clear(struct flow_set *);
/* Adds a flow.  Returns false (adding nothing) if 'match' cannot be encoded
 * (unknown OXMs beyond what of_match keeps). */
bool flow_set_add(struct flow_set *, uint8_t table, uint16_t priority, uint64_t cookie,
                  const struct of_match *, const struct of_insts *);
/* Adds a copy of flow 'f' of set 'from'. */
void flow_set_add_copy(struct flow_set *, const struct flow_set *from, const struct flow *f);
/* Removes the flow of sorted set 's' whose identity is that of 'key' (in
 * 'key_set').  Returns false if there is none.  The set stays sorted. */
bool flow_set_remove(struct flow_set *s, const struct flow_set *key_set, const struct flow *key);
/* Sorts by identity; removes later duplicates of an identity (returns how
 * many were removed). */
size_t flow_set_sort(struct flow_set *);

static inline const uint8_t *flow_match(const struct flow_set *s, const struct flow *f)
{
    return s->arena.base + f->ofs;
}
static inline const uint8_t *flow_insts(const struct flow_set *s, const struct flow *f)
{
    return s->arena.base + f->ofs + f->match_size;
}

/* Compares the identities of 'a' (in 'sa') and 'b' (in 'sb'). */
int flow_identity_cmp(const struct flow_set *sa, const struct flow *a,
                      const struct flow_set *sb, const struct flow *b);
bool flow_insts_equal(const struct flow_set *sa, const struct flow *a,
                      const struct flow_set *sb, const struct flow *b);

enum flow_op_type { FLOW_OP_ADD, FLOW_OP_MODIFY, FLOW_OP_DELETE };

/* Computes the operations that turn 'installed' into 'desired' (both
 * sorted) and calls 'cb' for each, in identity order: ADD and MODIFY with
 * the desired flow, DELETE with the installed one.  Unchanged flows get no
 * call.  Returns the number of operations. */
size_t flow_set_diff(const struct flow_set *desired, const struct flow_set *installed,
                     void (*cb)(void *aux, enum flow_op_type, const struct flow_set *,
                                const struct flow *),
                     void *aux);

/* Appends one line in ovs-ofctl dump-flows syntax, without counters:
 * "cookie=0x..., table=N, priority=P,MATCH actions=ACTIONS\n". */
void flow_format(const struct flow_set *, const struct flow *, struct vxbuf *out);

#endif
