/* Monotonic time helpers. */
#ifndef VX_TIMEVAL_H
#define VX_TIMEVAL_H 1

#include <stdint.h>
#include <time.h>

static inline uint64_t time_nsec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t time_msec(void)
{
    return time_nsec() / 1000000u;
}

#endif
