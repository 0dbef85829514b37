/* Mastership (#15): every instance computes the same owner of a bridge,
 * a join or a leave moves only the bridges it must, an instance without
 * its lease masters nothing, and without HA every bridge is programmed
 * alone. */
#include <criterion/criterion.h>
#include <urcu-qsbr.h>

#include "model/mastership.h"

#define N_BRIDGES 3000

static void setup(void)
{
    rcu_register_thread();
}

static void teardown(void)
{
    mastership_clear();
    rcu_unregister_thread();
}

/* The owner of every bridge when 'self' publishes 'members'. */
static void owners(const char *const *members, size_t n, char (*out)[MASTERSHIP_NAME_MAX])
{
    mastership_publish(members, n, members[0], true, 7);
    rcu_read_lock();
    for (int d = 0; d < N_BRIDGES; d++) {
        mastership_owner(0x1000 + (uint64_t)d, out[d]);
    }
    rcu_read_unlock();
}

Test(mastership, alone_without_ha, .init = setup, .fini = teardown)
{
    uint64_t gen = 99;
    rcu_read_lock();
    cr_assert_eq(mastership_role(0x32d1f6ddc94fULL, &gen), MASTERSHIP_ALONE);
    cr_assert_eq(gen, 0);
    cr_assert_eq(mastership_members(), 0);
    rcu_read_unlock();
}

Test(mastership, same_owner_whoever_computes, .init = setup, .fini = teardown)
{
    const char *abc[] = { "a", "b", "c" }, *cab[] = { "c", "a", "b" };
    static char o1[N_BRIDGES][MASTERSHIP_NAME_MAX], o2[N_BRIDGES][MASTERSHIP_NAME_MAX];
    int share[3] = { 0 };

    owners(abc, 3, o1);
    owners(cab, 3, o2);
    for (int d = 0; d < N_BRIDGES; d++) {
        cr_assert_str_eq(o1[d], o2[d], "bridge %d: the member order must not matter", d);
        share[o1[d][0] - 'a']++;
    }
    for (int k = 0; k < 3; k++) {       /* rendezvous hashing spreads evenly */
        cr_assert(share[k] > N_BRIDGES / 3 * 8 / 10 && share[k] < N_BRIDGES / 3 * 12 / 10,
                  "member %c owns %d of %d bridges", 'a' + k, share[k], N_BRIDGES);
    }
}

Test(mastership, a_leave_moves_only_its_bridges, .init = setup, .fini = teardown)
{
    const char *abc[] = { "a", "b", "c" }, *ac[] = { "a", "c" }, *abcd[] = { "a", "b", "c", "d" };
    static char before[N_BRIDGES][MASTERSHIP_NAME_MAX], after[N_BRIDGES][MASTERSHIP_NAME_MAX];
    int moved = 0;

    owners(abc, 3, before);
    owners(ac, 2, after);
    for (int d = 0; d < N_BRIDGES; d++) {
        if (strcmp(before[d], "b")) {
            cr_assert_str_eq(before[d], after[d], "bridge %d moved though its owner stayed", d);
        }
    }
    owners(abcd, 4, after);
    for (int d = 0; d < N_BRIDGES; d++) {
        if (strcmp(before[d], after[d])) {
            cr_assert_str_eq(after[d], "d", "a join moves bridges only to the newcomer");
            moved++;
        }
    }
    cr_assert(moved > N_BRIDGES / 4 * 8 / 10 && moved < N_BRIDGES / 4 * 12 / 10,
              "a fourth member takes about a quarter: %d", moved);
}

Test(mastership, roles_and_generation, .init = setup, .fini = teardown)
{
    const char *ab[] = { "a", "b" };
    uint64_t gen, dpid;
    char owner[MASTERSHIP_NAME_MAX];

    mastership_publish(ab, 2, "a", true, 42);
    rcu_read_lock();
    for (dpid = 1; ; dpid++) {          /* a bridge that "a" owns */
        mastership_owner(dpid, owner);
        if (!strcmp(owner, "a")) {
            break;
        }
    }
    cr_assert_eq(mastership_role(dpid, &gen), MASTERSHIP_MASTER);
    cr_assert_eq(gen, 42);
    cr_assert_eq(mastership_members(), 2);
    rcu_read_unlock();

    mastership_publish(ab, 2, "b", true, 42);       /* as "b" sees it */
    rcu_read_lock();
    cr_assert_eq(mastership_role(dpid, &gen), MASTERSHIP_SLAVE);
    rcu_read_unlock();

    mastership_publish(ab, 2, "a", false, 43);      /* "a" lost its lease */
    rcu_read_lock();
    cr_assert_eq(mastership_role(dpid, &gen), MASTERSHIP_SLAVE, "no lease, no mastership");
    cr_assert_eq(gen, 43);
    rcu_read_unlock();

    mastership_publish(NULL, 0, "a", true, 44);     /* joined, members not listed yet */
    rcu_read_lock();
    cr_assert_eq(mastership_role(dpid, &gen), MASTERSHIP_SLAVE);
    rcu_read_unlock();
}
