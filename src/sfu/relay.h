/* SPDX-License-Identifier: EUPL-1.2 */
/* Media between workers of one process: a room too large for one core keeps its publishers on
 * its home worker, and subscribe connections on other workers get the publishers' packets
 * through these rings (the in-process form of cascading between nodes: a relay track is a track
 * without a transport).
 *
 * The home worker decrypts a publisher's packet once, forwards it to its own subscribers and
 * copies the clear packet (payload and the few header fields the router needs) into the ring
 * of each worker that serves subscribers of the track. That worker treats it as if it had
 * received it: its own copy of the track (a "relay track") keeps a NACK cache and layer
 * statistics, and its subscriptions rewrite, protect and send as usual. The other direction
 * carries keyframe requests (a subscriber there switched layers or joined).
 *
 * One single-producer/single-consumer ring per ordered pair of workers, lock-free (the packet
 * path takes no lock); a full ring drops the message and counts it. Each worker has one
 * eventfd its peers write after a batch, so a relay costs one wake-up per batch, not per
 * packet. Rings are allocated for every pair at start but their memory is touched only when
 * used. */
#ifndef RS_SFU_RELAY_H
#define RS_SFU_RELAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_RELAY_RING_SLOTS 1024 /* per ordered pair of workers (a power of two) */
#define RS_RELAY_PAYLOAD_MAX 1500

enum rs_relay_kind {
    RS_RELAY_RTP = 1,      /* home → relay: one packet of a track */
    RS_RELAY_KEYFRAME = 2, /* relay → home: a subscriber needs a keyframe of `layer` */
    RS_RELAY_GONE = 3,     /* home → relay: the track ended, drop the copy */
    RS_RELAY_WANT = 4,     /* relay → home: the copy has subscribers (layer 1) or none (0) */
};

struct rs_relay_msg {
    uint8_t kind;
    uint8_t layer;
    bool marker, has_level, voice;
    uint8_t level;
    uint16_t seq;
    uint32_t track_id;
    uint32_t ts;
    uint16_t len; /* payload bytes */
    uint64_t arrival_ns;
    uint8_t payload[RS_RELAY_PAYLOAD_MAX];
};

struct rs_relay_ring {
    _Atomic uint32_t head; /* next slot the consumer reads */
    char pad1[60];
    _Atomic uint32_t tail; /* next slot the producer writes */
    char pad2[60];
    struct rs_relay_msg *slots; /* RS_RELAY_RING_SLOTS */
};

/* The rings and wake-ups of n workers. ring(from, to) carries from → to. */
struct rs_relay_mesh {
    unsigned n;
    struct rs_relay_ring *rings; /* n × n, the diagonal unused */
    int *efd;                    /* n eventfds: worker k's wake-up */
};

struct rs_relay_mesh *rs_relay_mesh_new(unsigned n);
void rs_relay_mesh_free(struct rs_relay_mesh *m);
static inline struct rs_relay_ring *rs_relay_ring(struct rs_relay_mesh *m, unsigned from,
                                                  unsigned to)
{
    return &m->rings[from * m->n + to];
}

/* Producer side: a slot to fill, or NULL when the ring is full; rs_relay_commit publishes it. */
struct rs_relay_msg *rs_relay_reserve(struct rs_relay_ring *r);
void rs_relay_commit(struct rs_relay_ring *r);
/* Consumer side: the oldest message, or NULL when empty; rs_relay_release frees its slot. */
struct rs_relay_msg *rs_relay_peek(struct rs_relay_ring *r);
void rs_relay_release(struct rs_relay_ring *r);
/* Wakes worker `to` (its eventfd). */
void rs_relay_wake(struct rs_relay_mesh *m, unsigned to);
/* Clears the caller's eventfd before draining. */
void rs_relay_clear(struct rs_relay_mesh *m, unsigned self);

#endif
