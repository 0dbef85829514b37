#include "core/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <ck_pr.h>

#include "core/timeval.h"

static enum vlog_level log_level = VLL_INFO;
static int log_fd = 2;

static const char *const level_names[VLL_N_LEVELS] = {
    [VLL_ERR] = "err", [VLL_WARN] = "warn", [VLL_INFO] = "info", [VLL_DBG] = "dbg",
};

void vlog_set_level(enum vlog_level level) { ck_pr_store_int((int *)&log_level, level); }
enum vlog_level vlog_get_level(void) { return ck_pr_load_int((int *)&log_level); }
void vlog_set_fd(int fd) { log_fd = fd; }
const char *vlog_level_to_string(enum vlog_level l) { return level_names[l]; }

bool vlog_level_from_string(const char *s, enum vlog_level *level)
{
    for (int i = 0; i < VLL_N_LEVELS; i++) {
        if (!strcasecmp(s, level_names[i])) {
            *level = i;
            return true;
        }
    }
    if (!strcasecmp(s, "debug")) {
        *level = VLL_DBG;
        return true;
    }
    return false;
}

static void vlog_valist__(enum vlog_level, const char *module, uint32_t n_dropped,
                          const char *fmt, va_list) __attribute__((format(printf, 4, 0)));

static void vlog_valist__(enum vlog_level level, const char *module,
                          uint32_t n_dropped, const char *fmt, va_list args)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - n, ".%03ldZ|%s|%s|",
                  ts.tv_nsec / 1000000, level_names[level], module);
    if (n < sizeof line) {
        int r = vsnprintf(line + n, sizeof line - n, fmt, args);
        n = r < 0 ? n : n + (size_t)r;
    }
    if (n_dropped && n < sizeof line) {
        n += snprintf(line + n, sizeof line - n,
                      " (%u similar lines suppressed)", n_dropped);
    }
    if (n >= sizeof line - 1) {
        n = sizeof line - 2;
    }
    line[n++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(log_fd, line, n);
    (void)w;
}

void vlog(enum vlog_level level, const char *module, const char *fmt, ...)
{
    va_list args;

    if (!vlog_is_enabled(level)) {
        return;
    }
    va_start(args, fmt);
    vlog_valist__(level, module, 0, fmt, args);
    va_end(args);
}

/* Takes one token from 'rl' (the calling thread's). */
static bool vlog_rl_take__(struct vlog_rl *rl, uint32_t *n_dropped)
{
    uint64_t now = time_msec();

    if (now - rl->tokens_at_ms >= rl->interval_ms) {
        uint64_t periods = (now - rl->tokens_at_ms) / rl->interval_ms;
        uint64_t t = rl->tokens + (periods > rl->burst ? rl->burst : periods);
        rl->tokens = (uint32_t)(t > rl->burst ? rl->burst : t);
        rl->tokens_at_ms = now;
    }
    if (!rl->tokens) {
        rl->n_dropped++;
        return false;
    }
    rl->tokens--;
    *n_dropped = rl->n_dropped;
    rl->n_dropped = 0;
    return true;
}

void vlog_rl(struct vlog_rl *rl, enum vlog_level level, const char *module,
             const char *fmt, ...)
{
    uint32_t n_dropped;
    va_list args;

    if (!vlog_is_enabled(level) || !vlog_rl_take__(rl, &n_dropped)) {
        return;
    }
    va_start(args, fmt);
    vlog_valist__(level, module, n_dropped, fmt, args);
    va_end(args);
}
