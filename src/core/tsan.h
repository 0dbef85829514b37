/* ThreadSanitizer annotations for synchronisation TSan cannot see.
 *
 * Debian's liburcu and Concurrency Kit are not built with TSan, so their
 * fences and atomics do not create happens-before edges for it.  These
 * macros state the edges explicitly; outside TSan builds they compile to
 * nothing.  Used for: the mailbox hand-off (release by the sender, acquire
 * by the receiver), RCU publication (release before an object becomes
 * reachable, acquire when a reader finds it), and grace periods (readers
 * release a token at each quiescent state; the deferred free acquires it). */
#ifndef VX_TSAN_H
#define VX_TSAN_H 1

#if defined(__SANITIZE_THREAD__)
#define VX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VX_TSAN 1
#endif
#endif

#ifdef VX_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(X) __tsan_acquire((void *)(X))
#define TSAN_RELEASE(X) __tsan_release((void *)(X))
#else
#define TSAN_ACQUIRE(X) ((void)0)
#define TSAN_RELEASE(X) ((void)0)
#endif

#endif
