/* Leveled logging with per-call-site rate limiting.
 *
 * Every log line that a peer can trigger must use VLOG_RL, so that a hostile
 * switch or VM cannot turn the log into a denial of service (house style 1;
 * OVS vlog_rate_limit does the same).  Thread-safe: each line is formatted
 * into a stack buffer and written with one write(2). */
#ifndef VX_LOG_H
#define VX_LOG_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum vlog_level { VLL_ERR, VLL_WARN, VLL_INFO, VLL_DBG, VLL_N_LEVELS };

/* Token bucket.  'burst' lines pass, then one per 'interval_ms'.  Lines
 * dropped are counted and reported with the next line that passes.
 * Contract: a bucket belongs to one thread (plain fields, no atomics):
 * VLOG_RL's are per call site and per thread, so a flood that makes every
 * worker drop lines writes no cache line that two workers share. */
struct vlog_rl {
    uint32_t interval_ms;
    uint32_t burst;
    uint64_t tokens_at_ms;  /* time at which the bucket was last refilled */
    uint32_t tokens;
    uint32_t n_dropped;
};
#define VLOG_RL_INIT(BURST, INTERVAL_MS) { (INTERVAL_MS), (BURST), 0, (BURST), 0 }

void vlog_set_level(enum vlog_level);
enum vlog_level vlog_get_level(void);
/* Parses "err", "warn", "info" or "dbg"/"debug".  Returns false if unknown. */
bool vlog_level_from_string(const char *, enum vlog_level *);
const char *vlog_level_to_string(enum vlog_level);
/* Redirects output to file descriptor 'fd' (default 2). */
void vlog_set_fd(int fd);

void vlog(enum vlog_level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As vlog(), but drops the line if 'rl' has no token left. */
void vlog_rl(struct vlog_rl *, enum vlog_level, const char *module,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline bool vlog_is_enabled(enum vlog_level level)
{
    return level <= vlog_get_level();
}

#define VLOG_ERR(...)  vlog(VLL_ERR, VLOG_MODULE, __VA_ARGS__)
#define VLOG_WARN(...) vlog(VLL_WARN, VLOG_MODULE, __VA_ARGS__)
#define VLOG_INFO(...) vlog(VLL_INFO, VLOG_MODULE, __VA_ARGS__)
#define VLOG_DBG(...)                                       \
    do { if (vlog_is_enabled(VLL_DBG))                      \
            vlog(VLL_DBG, VLOG_MODULE, __VA_ARGS__); } while (0)

/* Rate-limited: at most 5 lines, then one per second, per call site and
 * thread. */
#define VLOG_RL(LEVEL, ...)                                         \
    do {                                                            \
        static _Thread_local struct vlog_rl rl__ = VLOG_RL_INIT(5, 1000); \
        if (vlog_is_enabled(LEVEL))                                 \
            vlog_rl(&rl__, LEVEL, VLOG_MODULE, __VA_ARGS__);        \
    } while (0)

#endif
