/* SPDX-License-Identifier: EUPL-1.2 */
/* Bounded single-producer/single-consumer queues between the control thread and a worker.
 *
 * A mutex-guarded ring of fixed-size items: commands and events are rare next to packets
 * (per join, per renegotiation, per speaker change), so a lock per item costs nothing on the
 * packet path, which never touches these queues. The consumer learns of new items through an
 * eventfd (command queue) or a callback (event queue: wakes the lws loop). Full queues refuse
 * the item (-EAGAIN) rather than block or grow. */
#ifndef RS_CORE_QUEUE_H
#define RS_CORE_QUEUE_H

#include <stddef.h>

struct rs_queue;

/* A queue of `cap` items of `item_size` bytes. With `with_eventfd` the queue owns an eventfd
 * that becomes readable when items are pushed. Returns NULL on OOM or eventfd failure. */
struct rs_queue *rs_queue_new(size_t item_size, size_t cap, int with_eventfd);
void rs_queue_free(struct rs_queue *q);
/* Copies `item` in. Returns 0, or -EAGAIN when full. Any thread. */
int rs_queue_push(struct rs_queue *q, const void *item);
/* Copies the oldest item out. Returns 0, or -EAGAIN when empty. Any thread. */
int rs_queue_pop(struct rs_queue *q, void *item);
/* The eventfd (-1 without one). Read it to clear before draining. */
int rs_queue_fd(const struct rs_queue *q);
void rs_queue_clear_fd(struct rs_queue *q);

#endif
