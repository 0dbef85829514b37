/* A single-producer, single-consumer mailbox between two threads: a
 * Concurrency Kit ring of pointers plus an eventfd the consumer polls.
 *
 * Contract: exactly one thread calls mailbox_send() and exactly one other
 * thread calls mailbox_recv() on a given mailbox (ck_ring_*_spsc).  The
 * sender gives up ownership of 'msg' on success.  The ring holds
 * capacity - 1 messages (CK keeps one slot empty). */
#ifndef VX_MAILBOX_H
#define VX_MAILBOX_H 1

#include <stdbool.h>

#include <ck_ring.h>

struct mailbox {
    struct ck_ring ring;
    struct ck_ring_buffer *buf;
    int efd;                    /* eventfd, readable when mail is pending */
};

/* 'capacity' must be a power of two.  Returns false on failure. */
bool mailbox_init(struct mailbox *, unsigned int capacity);
void mailbox_destroy(struct mailbox *);
/* Enqueues 'msg' and wakes the consumer.  Returns false if full. */
bool mailbox_send(struct mailbox *, void *msg);
/* Dequeues one message, or returns NULL. */
void *mailbox_recv(struct mailbox *);
/* Clears the eventfd's readiness; call before draining. */
void mailbox_ack(struct mailbox *);

#endif
