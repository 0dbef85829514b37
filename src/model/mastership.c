#include "model/mastership.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "core/tsan.h"
#include "core/util.h"

struct view {
    size_t n;
    char (*names)[MASTERSHIP_NAME_MAX];
    uint64_t *name_hash;        /* per member: hash of its name */
    int self;                   /* index of this instance, or -1 */
    bool live;
    uint64_t generation;
    struct rcu_head rcu;
};

static struct view *current;

const char *mastership_role_name(enum mastership_role r)
{
    static const char *const names[] = { "alone", "master", "slave" };
    return vx_name_at(names, ARRAY_SIZE(names), r);
}

/* FNV-1a: stable across instances and builds, unlike a seeded hash. */
static uint64_t name_hash__(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    }
    return h;
}

/* Rendezvous (highest random weight) hashing: the member with the highest
 * weight for 'dpid' owns it; ties go to the lower name hash. */
static int owner__(const struct view *v, uint64_t dpid)
{
    int best = -1;
    uint64_t best_w = 0;

    for (size_t i = 0; i < v->n; i++) {
        uint64_t w = hash_u64(v->name_hash[i] ^ hash_u64(dpid));
        if (best < 0 || w > best_w || (w == best_w && v->name_hash[i] < v->name_hash[best])) {
            best = (int)i;
            best_w = w;
        }
    }
    return best;
}

static void free__(struct rcu_head *h)
{
    struct view *v = caa_container_of(h, struct view, rcu);
    free(v->names);
    free(v->name_hash);
    free(v);
}

void mastership_publish(const char *const *members, size_t n, const char *self, bool live,
                        uint64_t generation)
{
    struct view *v = xzalloc(sizeof *v);

    v->n = n;
    v->names = xcalloc(n + 1, sizeof *v->names);
    v->name_hash = xcalloc(n + 1, sizeof *v->name_hash);
    v->self = -1;
    v->live = live;
    v->generation = generation;
    for (size_t i = 0; i < n; i++) {
        snprintf(v->names[i], sizeof v->names[i], "%s", members[i]);
        v->name_hash[i] = name_hash__(v->names[i]);
        if (!strcmp(v->names[i], self)) {
            v->self = (int)i;
        }
    }
    TSAN_RELEASE(v);
    struct view *old = rcu_xchg_pointer(&current, v);
    if (old) {
        call_rcu(&old->rcu, free__);
    }
}

void mastership_clear(void)
{
    struct view *old = rcu_xchg_pointer(&current, NULL);
    if (old) {
        synchronize_rcu();
        free__(&old->rcu);
    }
}

static const struct view *view__(void)
{
    const struct view *v = rcu_dereference(current);
    TSAN_ACQUIRE(v);
    return v;
}

enum mastership_role mastership_role(uint64_t dpid, uint64_t *generation)
{
    const struct view *v = view__();

    *generation = v ? v->generation : 0;
    if (!v) {
        return MASTERSHIP_ALONE;
    }
    return v->live && v->self >= 0 && owner__(v, dpid) == v->self ? MASTERSHIP_MASTER
                                                                  : MASTERSHIP_SLAVE;
}

void mastership_owner(uint64_t dpid, char out[MASTERSHIP_NAME_MAX])
{
    const struct view *v = view__();
    int o = v ? owner__(v, dpid) : -1;

    snprintf(out, MASTERSHIP_NAME_MAX, "%s", o >= 0 ? v->names[o] : "");
}

size_t mastership_members(void)
{
    const struct view *v = view__();
    return v ? v->n : 0;
}
