/* SPDX-License-Identifier: EUPL-1.2 */
/* Signaling session: framing, limits, validation and the outgoing queue.
 *
 * Memory: a session lives as long as its participant, so it holds nothing between messages
 * that it does not need. A frame that arrives in one fragment is parsed in the transport's
 * buffer; only a fragmented one is copied together (and that buffer freed after it). The
 * outgoing queue starts small and doubles up to RS_SESSION_OUTQ; it is released when it
 * drains after a burst.
 *
 * Rate limiting is a token bucket (rate_per_s tokens per second, twice that as burst). A
 * message without a token is dropped with a `rate_limited` error; a client that keeps going
 * (RS_FLOOD_DROPS drops inside RS_FLOOD_WINDOW_MS) is closed with 1008. Error events themselves
 * are not rate-limited per message but bounded by the outgoing queue. */
#include "signaling/session.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/access.h"
#include "room/events.h"
#include "room/room.h"

_Static_assert(offsetof(struct rs_session, peer) == 0, "the peer is the session's first member");

static int peer_send(struct rs_peer *peer, struct rs_outbuf *frame)
{
    return rs_session_send_buf((struct rs_session *)peer, frame);
}

static void peer_close(struct rs_peer *peer, int status, const char *reason)
{
    rs_session_close((struct rs_session *)peer, status, reason);
}

/* The room reaches the session only through these (the peer is the session's first member). */
static const struct rs_peer_ops peer_ops = {peer_send, peer_close};

struct rs_session *rs_session_new(struct rs_app *app, const struct rs_session_ops *ops,
                                  void *transport, const char *addr)
{
    struct rs_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->peer.ops = &peer_ops;
    s->peer.serial = ++app->sessions_opened;
    snprintf(s->peer.addr, sizeof(s->peer.addr), "%s", addr ? addr : "");
    s->app = app;
    s->ops = ops;
    s->transport = transport;
    s->tokens = 2.0 * app->cfg.rate_per_s;
    s->refill_ms = rs_mono_ms();
    s->flood_window_ms = s->refill_ms;
    s->roomless_since_ms = s->refill_ms;
    s->peer.last_rx_ms = s->refill_ms;
    s->next = app->sessions;
    if (app->sessions)
        app->sessions->prev = s;
    app->sessions = s;
    rs_metric_inc(RS_M_WS_CONNECTIONS_TOTAL);
    rs_metric_inc(RS_M_WS_CONNECTIONS);

    json_t *hello =
        rs_event("control", "hello", "{s:i, s:s, s:{s:i, s:i, s:i, s:i}}", "protocol", 1, "server",
                 "ratsaal " RS_VERSION, "limits", "frame_bytes", RS_MSG_MAX_BYTES,
                 "display_name_chars", RS_DISPLAY_NAME_MAX_CHARS, "chat_chars", RS_CHAT_MAX_CHARS,
                 "rate_per_s", (int)app->cfg.rate_per_s);
    if (hello) {
        json_t *features = json_array();
        if (app->media) {
            json_array_append_new(features, json_string("media"));
            json_array_append_new(features, json_string("simulcast"));
        }
        json_object_set_new(hello, "features", features);
        rs_session_send(s, hello);
        json_decref(hello);
    }
    RS_INFO("signaling", "event=connected session=%llu", (unsigned long long)s->peer.serial);
    return s;
}

void rs_session_free(struct rs_session *s)
{
    if (!s)
        return;
    /* A close frame with 1000/1001 or a close of our own was meant; anything else was lost.
     * Our own close of a participant already reconnecting (its queue overflowed while it was
     * silent) is a lost connection too. */
    const struct rs_participant *p = s->peer.participant;
    bool meant = (s->closing && !(p && p->reconnecting_since_ms)) || s->peer_close_status == 1000 ||
                 s->peer_close_status == 1001;
    rs_room_peer_gone(&s->peer, s->app->shutting_down ? "server_shutdown"
                                : meant               ? "disconnected"
                                                      : "lost");
    while (s->out_count)
        rs_session_pop(s);
    free(s->outq);
    free(s->rx);
    if (s->prev)
        s->prev->next = s->next;
    else
        s->app->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    rs_metric_dec(RS_M_WS_CONNECTIONS);
    RS_INFO("signaling", "event=disconnected session=%llu", (unsigned long long)s->peer.serial);
    free(s);
}

/* Doubles the outgoing ring (the caller checked RS_SESSION_OUTQ), unwrapping it. */
static int grow_outq(struct rs_session *s)
{
    unsigned cap = s->out_cap ? 2 * s->out_cap : RS_SESSION_OUTQ_MIN;
    struct rs_outbuf **q = malloc(cap * sizeof(*q));
    if (!q) {
        RS_ERROR("signaling", "event=oom session=%llu", (unsigned long long)s->peer.serial);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < s->out_count; i++)
        q[i] = s->outq[(s->out_head + i) % s->out_cap];
    free(s->outq);
    s->outq = q;
    s->out_cap = cap;
    s->out_head = 0;
    return 0;
}

int rs_session_send_buf(struct rs_session *s, struct rs_outbuf *b)
{
    if (s->closing && s->close_status == 1008 && strcmp(s->close_reason, "slow_consumer") == 0)
        return -ENOBUFS;
    if (s->out_count >= RS_SESSION_OUTQ || s->out_bytes + b->len > RS_SESSION_OUTQ_BYTES) {
        RS_WARN("signaling", "event=slow_consumer session=%llu queued=%u",
                (unsigned long long)s->peer.serial, s->out_count);
        rs_metric_inc(RS_M_WS_CLOSED_SLOW);
        rs_session_close(s, 1008, "slow_consumer");
        return -ENOBUFS;
    }
    if (s->out_count == s->out_cap && grow_outq(s))
        return -ENOMEM;
    rs_outbuf_ref(b);
    s->outq[(s->out_head + s->out_count) % s->out_cap] = b;
    s->out_count++;
    s->out_bytes += b->len;
    rs_metric_inc(RS_M_MESSAGES_OUT);
    if (s->ops && s->ops->want_write)
        s->ops->want_write(s);
    return 0;
}

int rs_session_send(struct rs_session *s, const json_t *ev)
{
    struct rs_outbuf *b = rs_outbuf_from_json(ev);
    if (!b)
        return -ENOMEM;
    int rc = rs_session_send_buf(s, b);
    rs_outbuf_unref(b);
    return rc;
}

struct rs_outbuf *rs_session_peek(struct rs_session *s)
{
    return s->out_count ? s->outq[s->out_head] : NULL;
}

void rs_session_pop(struct rs_session *s)
{
    if (!s->out_count)
        return;
    struct rs_outbuf *b = s->outq[s->out_head];
    s->out_bytes -= b->len;
    rs_outbuf_unref(b);
    s->outq[s->out_head] = NULL;
    s->out_head = (s->out_head + 1) % s->out_cap;
    s->out_count--;
    if (s->out_count == 0 && s->out_cap > RS_SESSION_OUTQ_MIN) { /* a burst is over */
        free(s->outq);
        s->outq = NULL;
        s->out_cap = 0;
        s->out_head = 0;
    }
}

void rs_session_close(struct rs_session *s, int status, const char *reason)
{
    if (s->closing)
        return;
    s->closing = 1;
    s->close_status = status;
    snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
    if (s->ops && s->ops->close)
        s->ops->close(s, status, reason);
}

void rs_session_recheck_user(struct rs_app *app, const char *user_id)
{
    /* a re-check may close a session but never frees one: the list stays valid */
    for (struct rs_session *s = app->sessions; s; s = s->next)
        if (!s->closing && s->peer.ident.logged_in && strcmp(s->peer.ident.user_id, user_id) == 0)
            rs_access_recheck(app, &s->peer, NULL);
}

unsigned rs_session_recheck_due(struct rs_app *app, int64_t now_ms, unsigned max)
{
    unsigned n = 0;
    for (struct rs_session *s = app->sessions; s && n < max; s = s->next) {
        if (s->closing || !s->peer.ident.logged_in || !s->peer.participant ||
            now_ms - s->peer.ident.checked_ms < RS_IDENTITY_RECHECK_MS)
            continue;
        rs_access_recheck(app, &s->peer, NULL);
        n++;
    }
    return n;
}

unsigned rs_sessions_close_roomless(struct rs_app *app, int64_t now_ms, int64_t timeout_ms)
{
    unsigned closed = 0;
    for (struct rs_session *s = app->sessions; s; s = s->next) {
        if (s->peer.participant || s->closing) {
            s->roomless_since_ms = now_ms;
            continue;
        }
        if (now_ms - s->roomless_since_ms < timeout_ms)
            continue;
        rs_metric_inc(RS_M_WS_CLOSED_JOIN_TIMEOUT);
        rs_session_close(s, 1008, "join_timeout");
        closed++;
    }
    return closed;
}

unsigned rs_sessions_mark_silent(struct rs_app *app, int64_t now_ms)
{
    unsigned marked = 0;
    for (struct rs_session *s = app->sessions; s; s = s->next) {
        struct rs_participant *p = s->peer.participant;
        if (s->closing || !s->peer.pings || !p || p->waiting || p->reconnecting_since_ms ||
            now_ms - s->peer.last_rx_ms < RS_SESSION_SILENT_MS)
            continue;
        RS_INFO("signaling", "event=silent session=%llu silent_ms=%lld",
                (unsigned long long)s->peer.serial, (long long)(now_ms - s->peer.last_rx_ms));
        rs_metric_inc(RS_M_WS_SILENT);
        rs_room_peer_silent(&s->peer);
        marked++;
    }
    return marked;
}

void rs_session_send_error(struct rs_session *s, const struct rs_msg_error *err)
{
    rs_metric_error(err->code);
    json_t *ev = rs_msg_error_event(err);
    if (!ev)
        return;
    rs_session_send(s, ev);
    json_decref(ev);
    RS_DEBUG("signaling", "event=error session=%llu code=%s", (unsigned long long)s->peer.serial,
             rs_err_code(err->code));
}

static void send_simple_error(struct rs_session *s, enum rs_err code, const char *text)
{
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    err.ns = "control";
    rs_msg_error_set(&err, code, NULL, "%s", text);
    rs_session_send_error(s, &err);
}

/* Returns 1 if the message may proceed. */
static int take_token(struct rs_session *s)
{
    int64_t now = rs_mono_ms();
    double rate = s->app->cfg.rate_per_s;
    s->tokens += (double)(now - s->refill_ms) * rate / 1000.0;
    if (s->tokens > 2 * rate)
        s->tokens = 2 * rate;
    s->refill_ms = now;
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
        return 1;
    }
    if (now - s->flood_window_ms > RS_FLOOD_WINDOW_MS) {
        s->flood_window_ms = now;
        s->flood_drops = 0;
    }
    if (++s->flood_drops >= RS_FLOOD_DROPS) {
        RS_WARN("signaling", "event=flood_closed session=%llu", (unsigned long long)s->peer.serial);
        rs_metric_inc(RS_M_WS_CLOSED_FLOOD);
        rs_metric_error(RS_ERR_RATE_LIMITED);
        rs_session_close(s, 1008, "rate_limited");
        return 0;
    }
    send_simple_error(s, RS_ERR_RATE_LIMITED, "too many messages per second; message dropped");
    return 0;
}

void rs_session_on_message(struct rs_session *s, const char *data, size_t len)
{
    if (s->closing)
        return;
    rs_metric_inc(RS_M_MESSAGES_IN);
    s->peer.last_rx_ms = rs_mono_ms();
    if (s->peer.participant && s->peer.participant->reconnecting_since_ms)
        rs_room_peer_alive(&s->peer); /* it was only silent */
    /* another node's relay carries its whole audience's actions (docs/cluster.md "Cascade"):
     * that node limits each of its clients, one bucket for all of them here would not fit */
    bool relay = s->peer.participant && s->peer.participant->cascade_relay;
    if (!relay && !take_token(s))
        return;
    struct rs_msg msg;
    struct rs_msg_error err;
    if (rs_msg_parse(rs_rooms_features(s->app->rooms), data, len, &msg, &err) == 0) {
        memset(&err, 0, sizeof(err));
        err.ns = msg.feature->ns;
        err.ref = msg.ref;
        if (rs_dispatch(s->app, &s->peer, &msg, &err) != 0)
            rs_session_send_error(s, &err);
    } else {
        rs_session_send_error(s, &err);
    }
    rs_msg_free(&msg);
}

void rs_session_on_fragment(struct rs_session *s, const void *data, size_t len, int first,
                            int final, int binary)
{
    if (first && final && !binary && len <= RS_MSG_MAX_MEDIA_BYTES) {
        s->rx_len = 0;
        s->rx_too_large = 0;
        s->rx_binary = 0;
        rs_session_on_message(s, len ? data : "", len);
        return;
    }
    if (first) {
        s->rx_len = 0;
        s->rx_total = 0;
        s->rx_too_large = 0;
        s->rx_binary = binary;
    }
    /* Larger than any action accepts, text or binary: no client of ours sends that, so the
     * rest is not worth reading. One error, then close with 1009 (RFC 6455: message too big). */
    s->rx_total += len;
    if (s->rx_total > RS_MSG_MAX_MEDIA_BYTES) {
        if (!s->closing) {
            rs_metric_inc(RS_M_MESSAGES_IN);
            rs_metric_inc(RS_M_WS_CLOSED_TOO_LARGE);
            char text[120];
            snprintf(text, sizeof(text), "message is larger than %d bytes; closing",
                     RS_MSG_MAX_MEDIA_BYTES);
            send_simple_error(s, RS_ERR_FRAME_TOO_LARGE, text);
            rs_session_close(s, 1009, "too_large");
        }
        return;
    }
    if (len > 0 && !s->rx_too_large && !s->rx_binary) {
        if (len > RS_MSG_MAX_MEDIA_BYTES - s->rx_len) {
            s->rx_too_large = 1;
        } else {
            if (s->rx_len + len > s->rx_cap) {
                size_t cap = s->rx_cap ? s->rx_cap : 4096;
                while (cap < s->rx_len + len)
                    cap *= 2;
                if (cap > RS_MSG_MAX_MEDIA_BYTES)
                    cap = RS_MSG_MAX_MEDIA_BYTES;
                char *nrx = realloc(s->rx, cap);
                if (!nrx) {
                    s->rx_too_large = 1;
                    goto done_copy;
                }
                s->rx = nrx;
                s->rx_cap = cap;
            }
            memcpy(s->rx + s->rx_len, data, len);
            s->rx_len += len;
        }
    }
done_copy:
    if (!final)
        return;
    if (s->rx_binary || s->rx_too_large) {
        /* refused messages count against the rate like any other: a flood of them is closed */
        rs_metric_inc(RS_M_MESSAGES_IN);
        if (s->closing || !take_token(s))
            goto done_message;
    }
    if (s->rx_binary) {
        send_simple_error(s, RS_ERR_BINARY_FRAME, "binary frames are not accepted");
    } else if (s->rx_too_large) {
        char text[120];
        snprintf(text, sizeof(text), "message is larger than %d bytes", RS_MSG_MAX_MEDIA_BYTES);
        send_simple_error(s, RS_ERR_FRAME_TOO_LARGE, text);
    } else {
        rs_session_on_message(s, s->rx ? s->rx : "", s->rx_len);
    }
done_message:
    s->rx_len = 0;
    s->rx_too_large = 0;
    s->rx_binary = 0;
    free(s->rx);
    s->rx = NULL;
    s->rx_cap = 0;
}
