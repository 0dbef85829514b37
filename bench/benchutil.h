/* Helpers shared by the benchmarks. */
#ifndef VX_BENCHUTIL_H
#define VX_BENCHUTIL_H 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Resident memory of process 'pid' (0: this process) in KiB, from
 * /proc/PID/status, or -1 if it cannot be read. */
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

#endif
