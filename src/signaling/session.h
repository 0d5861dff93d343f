/* SPDX-License-Identifier: EUPL-1.2 */
/* A signaling session: one WebSocket connection's state, independent of the transport.
 *
 * The HTTP layer owns the socket and calls in with received fragments; the session assembles
 * frames, enforces size and rate limits, validates, dispatches to the meeting modules, and
 * queues replies. Outgoing frames are reference-counted buffers so that a broadcast to a room
 * is serialized once. The queue is bounded: a client that does not read is disconnected
 * (slow consumer) instead of growing server memory. Owned by the control thread. */
#ifndef RS_SIGNALING_SESSION_H
#define RS_SIGNALING_SESSION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/outbuf.h"
#include "room/peer.h"
#include "signaling/message.h"

#define RS_SESSION_OUTQ 512   /* queued frames, at most */
#define RS_SESSION_OUTQ_MIN 8 /* the queue's first allocation; it doubles as needed */
#define RS_SESSION_OUTQ_BYTES (4u << 20)
#define RS_FLOOD_DROPS 100 /* rate-limited messages within RS_FLOOD_WINDOW_MS → close */
#define RS_FLOOD_WINDOW_MS 10000

struct rs_session;

struct rs_session_ops {
    /* Ask the transport to call back when it can write (then it drains rs_session_peek). */
    void (*want_write)(struct rs_session *s);
    /* Close the connection after the queued frames are written. */
    void (*close)(struct rs_session *s, int status, const char *reason);
};

struct rs_session {
    struct rs_peer peer; /* what the room sees: identity, address, participant (room/peer.h) */
    struct rs_app *app;
    const struct rs_session_ops *ops;
    void *transport;

    struct rs_outbuf **outq; /* ring of out_cap entries, NULL while nothing was queued */
    unsigned out_head, out_count, out_cap;
    size_t out_bytes;
    int closing;
    int peer_close_status; /* the status of the client's close frame; 0 while none came */
    int close_status;
    char close_reason[64];

    char *rx; /* a fragmented frame being reassembled (up to RS_MSG_MAX_MEDIA_BYTES); NULL
               * between frames: a frame in one fragment is parsed where it lies */
    size_t rx_len, rx_cap;
    size_t rx_total; /* bytes of the message so far, kept or not */
    int rx_too_large;
    int rx_binary;

    double tokens;
    int64_t refill_ms;
    unsigned flood_drops;
    int64_t flood_window_ms;
    int64_t roomless_since_ms; /* last seen in no room and no lobby (rs_sessions_close_roomless) */

    struct rs_session *next, *prev; /* app->sessions */
};

/* Creates a session (added to app->sessions) and queues control/hello. `addr` is the client's
 * address (borrowed). The transport fills in peer.ident before the first message. Returns NULL
 * on OOM. */
struct rs_session *rs_session_new(struct rs_app *app, const struct rs_session_ops *ops,
                                  void *transport, const char *addr);
/* The connection is gone; frees queue and session. The participant leaves the room (reason
 * "disconnected") when the client closed with 1000 or 1001 (it left, or the page went away) or
 * the server closed the connection; otherwise the connection was lost and the room keeps the
 * participant for resume (room.h rs_room_peer_gone, reason "lost"). */
void rs_session_free(struct rs_session *s);

/* Sessions of joined participants whose client pings (control/ping, every 5 s from the web
 * client) but from which nothing arrived for RS_SESSION_SILENT_MS: the network may have dropped
 * them without a FIN. Their participants show as reconnecting (room.h rs_room_peer_silent); the
 * socket stays, and the next message from it makes them connected again. Returns how many were
 * marked. Control thread, from the transport's tick (not after the loop itself stalled). */
#define RS_SESSION_SILENT_MS 9000
unsigned rs_sessions_mark_silent(struct rs_app *app, int64_t now_ms);

/* One received WebSocket fragment. `data` is borrowed. */
void rs_session_on_fragment(struct rs_session *s, const void *data, size_t len, int first,
                            int final, int binary);
/* One complete text frame. `data` is borrowed. */
void rs_session_on_message(struct rs_session *s, const char *data, size_t len);

/* Queues `ev` (borrowed) for this session. Returns 0, or -ENOBUFS when the queue overflowed
 * (the session is then being closed as a slow consumer). */
int rs_session_send(struct rs_session *s, const json_t *ev);
/* Queues a shared buffer: takes one new reference on `b`. */
int rs_session_send_buf(struct rs_session *s, struct rs_outbuf *b);
/* Queues an error event for `err` (echoing `ref`), counted in /metrics. */
void rs_session_send_error(struct rs_session *s, const struct rs_msg_error *err);

/* The next queued frame (borrowed), or NULL. Pop after it was written. */
struct rs_outbuf *rs_session_peek(struct rs_session *s);
void rs_session_pop(struct rs_session *s);

/* Closes after the queue drains. */
void rs_session_close(struct rs_session *s, int status, const char *reason);

/* A signed-in session in a room has its login re-read at least this often (sweep below). */
#define RS_IDENTITY_RECHECK_MS 60000

/* Re-checks the login of every open session of account `user_id` (room/access.h
 * rs_access_recheck): a logout, a password change or a changed grant made by this server
 * reaches open connections at once. */
void rs_session_recheck_user(struct rs_app *app, const char *user_id);
/* Re-checks up to `max` signed-in sessions in a room whose login was last read more than
 * RS_IDENTITY_RECHECK_MS before `now_ms` (wall clock), so that a change made by another
 * process (`ratsaal user disable`) reaches even a participant who does nothing. Returns how
 * many were checked. */
unsigned rs_session_recheck_due(struct rs_app *app, int64_t now_ms, unsigned max);
/* Closes with 1008 "join_timeout" every session of `app` that has been in no room and no
 * lobby for `timeout_ms` (counted from its opening, or from the last call that saw it in one);
 * returns how many. Call it regularly (server.c: once a second). Control thread. */
unsigned rs_sessions_close_roomless(struct rs_app *app, int64_t now_ms, int64_t timeout_ms);

#endif
