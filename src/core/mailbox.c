#include "core/mailbox.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/tsan.h"
#include "core/util.h"

bool mailbox_init(struct mailbox *mb, unsigned int capacity)
{
    mb->buf = xcalloc(capacity, sizeof *mb->buf);
    ck_ring_init(&mb->ring, capacity);
    mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return mb->efd >= 0;
}

void mailbox_destroy(struct mailbox *mb)
{
    free(mb->buf);
    if (mb->efd >= 0) {
        close(mb->efd);
    }
}

bool mailbox_send(struct mailbox *mb, void *msg)
{
    uint64_t one = 1;

    TSAN_RELEASE(msg);
    if (!ck_ring_enqueue_spsc(&mb->ring, mb->buf, msg)) {
        return false;
    }
    ssize_t w = write(mb->efd, &one, sizeof one);
    (void)w;                    /* EAGAIN: the counter is already non-zero */
    return true;
}

void *mailbox_recv(struct mailbox *mb)
{
    void *msg;

    if (!ck_ring_dequeue_spsc(&mb->ring, mb->buf, &msg)) {
        return NULL;
    }
    TSAN_ACQUIRE(msg);
    return msg;
}

void mailbox_ack(struct mailbox *mb)
{
    uint64_t v;
    ssize_t r = read(mb->efd, &v, sizeof v);
    (void)r;
}
