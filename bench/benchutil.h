/* Helpers shared by the benchmarks. */
#ifndef VX_BENCHUTIL_H
#define VX_BENCHUTIL_H 1

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A /proc/PID/status field in KiB ("VmRSS:", "VmHWM:"), or -1. */
static inline long proc_status_kib(int pid, const char *field)
{
    char path[64], line[256];
    long v = -1;
    size_t n = strlen(field);

    if (pid) {
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    } else {
        snprintf(path, sizeof path, "/proc/self/status");
    }
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, field, n)) {
            v = strtol(line + n, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return v;
}

/* User + system CPU time of process 'pid' in seconds (/proc/PID/stat,
 * fields 14 and 15), or 0 if it cannot be read. */
static inline double proc_cpu_s(int pid)
{
    char path[64], line[1024];
    unsigned long ut = 0, st = 0;

    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char *p = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    fclose(f);
    /* After "pid (comm)": state is field 3; utime and stime are 14, 15. */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
        return 0;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static inline long proc_rss_kib(int pid)
{
    return proc_status_kib(pid, "VmRSS:");
}

/* The latency histogram: microseconds exactly below 1,024, then 128
 * buckets per power of two (an error under 0.8 %) up to 2^26 us (67 s);
 * the last bucket counts anything slower.  (Debian packages HdrHistogram
 * for Go and Java only.) */
#define HIST_LINEAR 1024
#define HIST_SUB 128
#define HIST_MAX_EXP 26
#define HIST_N (HIST_LINEAR + (HIST_MAX_EXP - 10) * HIST_SUB + 1)

/* The bucket that counts a latency of 'us' microseconds. */
static inline size_t hist_bucket(uint64_t us)
{
    if (us < HIST_LINEAR) {
        return (size_t)us;
    }
    int e = 63 - __builtin_clzll(us);           /* 10 or more */
    if (e >= HIST_MAX_EXP) {
        return HIST_N - 1;
    }
    return HIST_LINEAR + (size_t)(e - 10) * HIST_SUB + (size_t)((us >> (e - 7)) & (HIST_SUB - 1));
}

/* The least latency bucket 'b' counts. */
static inline uint64_t hist_value(size_t b)
{
    if (b < HIST_LINEAR) {
        return b;
    }
    if (b == HIST_N - 1) {
        return 1ull << HIST_MAX_EXP;
    }
    size_t k = b - HIST_LINEAR;
    return (uint64_t)(HIST_SUB + k % HIST_SUB) << (k / HIST_SUB + 10 - 7);
}

#endif
