/* SPDX-License-Identifier: EUPL-1.2 */
/* Rings between media workers (see relay.h). */
#include "sfu/relay.h"

#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct rs_relay_mesh *rs_relay_mesh_new(unsigned n)
{
    if (n < 2)
        return NULL;
    struct rs_relay_mesh *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->n = n;
    m->rings = calloc((size_t)n * n, sizeof(*m->rings));
    m->efd = calloc(n, sizeof(*m->efd));
    if (!m->rings || !m->efd)
        goto fail;
    for (unsigned k = 0; k < n; k++)
        m->efd[k] = -1;
    for (unsigned from = 0; from < n; from++) {
        for (unsigned to = 0; to < n; to++) {
            if (from == to)
                continue;
            /* calloc: pages are touched only when a ring is used */
            struct rs_relay_ring *r = rs_relay_ring(m, from, to);
            r->slots = calloc(RS_RELAY_RING_SLOTS, sizeof(*r->slots));
            if (!r->slots)
                goto fail;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        m->efd[k] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (m->efd[k] < 0)
            goto fail;
    }
    return m;
fail:
    rs_relay_mesh_free(m);
    return NULL;
}

void rs_relay_mesh_free(struct rs_relay_mesh *m)
{
    if (!m)
        return;
    if (m->rings)
        for (size_t i = 0; i < (size_t)m->n * m->n; i++)
            free(m->rings[i].slots);
    if (m->efd)
        for (unsigned k = 0; k < m->n; k++)
            if (m->efd[k] >= 0)
                close(m->efd[k]);
    free(m->rings);
    free(m->efd);
    free(m);
}

struct rs_relay_msg *rs_relay_reserve(struct rs_relay_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head >= RS_RELAY_RING_SLOTS)
        return NULL;
    return &r->slots[tail & (RS_RELAY_RING_SLOTS - 1)];
}

void rs_relay_commit(struct rs_relay_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

struct rs_relay_msg *rs_relay_peek(struct rs_relay_ring *r)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail)
        return NULL;
    return &r->slots[head & (RS_RELAY_RING_SLOTS - 1)];
}

void rs_relay_release(struct rs_relay_ring *r)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

void rs_relay_wake(struct rs_relay_mesh *m, unsigned to)
{
    uint64_t one = 1;
    if (write(m->efd[to], &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, the worker is woken anyway */
    }
}

void rs_relay_clear(struct rs_relay_mesh *m, unsigned self)
{
    uint64_t v;
    if (read(m->efd[self], &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing pending */
    }
}
