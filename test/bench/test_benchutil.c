/* vxbench's latency histogram (bench/benchutil.h): every latency lands in
 * a bucket in order, and a bucket's value is within 0.8 % below it, from
 * 1 us to the 67 s the histogram covers; slower ones are counted, not
 * lost. */
#include <criterion/criterion.h>

#include "benchutil.h"

Test(hist, buckets_are_ordered_and_within_0_8_percent)
{
    size_t prev = 0;

    for (uint64_t us = 0; us < (1ull << HIST_MAX_EXP); us += us < 4096 ? 1 : us / 997) {
        size_t b = hist_bucket(us);
        uint64_t v = hist_value(b);
        cr_assert_geq(b, prev, "%llu us goes back to bucket %zu", (unsigned long long)us, b);
        cr_assert_lt(b, (size_t)HIST_N - 1, "%llu us is not overflow", (unsigned long long)us);
        cr_assert_leq(v, us);
        cr_assert_leq((double)(us - v), (double)us * 0.008, "%llu us reads as %llu",
                      (unsigned long long)us, (unsigned long long)v);
        prev = b;
    }
}

Test(hist, every_bucket_round_trips)
{
    for (size_t b = 0; b < HIST_N; b++) {
        cr_assert_eq(hist_bucket(hist_value(b)), b, "bucket %zu", b);
    }
}

Test(hist, slower_than_the_range_is_the_last_bucket)
{
    cr_assert_eq(hist_bucket(1ull << HIST_MAX_EXP), (size_t)HIST_N - 1);
    cr_assert_eq(hist_bucket(UINT64_MAX), (size_t)HIST_N - 1);
    cr_assert_eq(hist_bucket(999), 999u, "exact below 1,024 us");
}
