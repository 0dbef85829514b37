/* Helpers shared by the benchmarks. */
#ifndef VX_BENCHUTIL_H
#define VX_BENCHUTIL_H 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static inline long proc_rss_kib(int pid)
{
    return proc_status_kib(pid, "VmRSS:");
}

#endif
