/* SPDX-License-Identifier: EUPL-1.2 */
/* The room's view of a client connection: something it can send frames to and close.
 *
 * The room never knows what carries its events (today a WebSocket session in signaling/, later
 * perhaps a relay from another node). A transport embeds a `struct rs_peer`, fills in `ops`,
 * who is on the other end and its address, and hands the peer to rs_dispatch(); the room keeps
 * a borrowed pointer to it in the participant and clears `participant` when the participant
 * goes. The transport calls rs_room_peer_gone() before it frees the peer. Control thread. */
#ifndef RS_ROOM_PEER_H
#define RS_ROOM_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/identity.h"
#include "core/outbuf.h"

struct rs_peer;
struct rs_participant;

struct rs_peer_ops {
    /* Queues `frame` (takes a new reference). Returns 0, or a negative errno when the peer
     * cannot take it (it is then being closed, e.g. as a slow consumer). */
    int (*send)(struct rs_peer *peer, struct rs_outbuf *frame);
    /* Closes the connection after what is queued was written. */
    void (*close)(struct rs_peer *peer, int status, const char *reason);
};

struct rs_peer {
    const struct rs_peer_ops *ops;
    uint64_t serial;                    /* for logs */
    char addr[64];                      /* the client's address: rate limits, logs */
    struct rs_identity ident;           /* logged_in = 0 for guests */
    struct rs_participant *participant; /* NULL until joined or waiting in a lobby */
    bool pings;         /* the client keeps the connection alive with control/ping */
    int64_t last_rx_ms; /* monotonic: when the last message arrived (resume takes over a
                           connection only after it fell silent) */
};

/* Sends `frame` to `peer` (NULL peer: nothing). */
static inline int rs_peer_send(struct rs_peer *peer, struct rs_outbuf *frame)
{
    return peer ? peer->ops->send(peer, frame) : -1;
}

static inline void rs_peer_close(struct rs_peer *peer, int status, const char *reason)
{
    if (peer)
        peer->ops->close(peer, status, reason);
}

#endif
