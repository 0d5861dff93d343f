/* SPDX-License-Identifier: EUPL-1.2 */
/* Bounded queue (see queue.h for why a lock is fine here). */
#include "core/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct rs_queue {
    pthread_mutex_t lock;
    size_t item_size, cap, head, count;
    int efd;
    unsigned char *items;
};

struct rs_queue *rs_queue_new(size_t item_size, size_t cap, int with_eventfd)
{
    struct rs_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->items = calloc(cap, item_size);
    if (!q->items)
        goto fail_free;
    q->item_size = item_size;
    q->cap = cap;
    q->efd = -1;
    if (with_eventfd) {
        q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (q->efd < 0)
            goto fail_free_items;
    }
    pthread_mutex_init(&q->lock, NULL);
    return q;
fail_free_items:
    free(q->items);
fail_free:
    free(q);
    return NULL;
}

void rs_queue_free(struct rs_queue *q)
{
    if (!q)
        return;
    if (q->efd >= 0)
        close(q->efd);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    free(q);
}

int rs_queue_push(struct rs_queue *q, const void *item)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == q->cap) {
        pthread_mutex_unlock(&q->lock);
        return -EAGAIN;
    }
    memcpy(q->items + ((q->head + q->count) % q->cap) * q->item_size, item, q->item_size);
    q->count++;
    pthread_mutex_unlock(&q->lock);
    if (q->efd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(q->efd, &one, sizeof(one));
        (void)w; /* EAGAIN means the counter is already non-zero: readable anyway */
    }
    return 0;
}

int rs_queue_pop(struct rs_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == 0) {
        pthread_mutex_unlock(&q->lock);
        return -EAGAIN;
    }
    memcpy(item, q->items + q->head * q->item_size, q->item_size);
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int rs_queue_fd(const struct rs_queue *q)
{
    return q->efd;
}

void rs_queue_clear_fd(struct rs_queue *q)
{
    uint64_t v;
    if (q->efd >= 0) {
        ssize_t r = read(q->efd, &v, sizeof(v));
        (void)r;
    }
}
