/* SPDX-License-Identifier: EUPL-1.2 */
/* ICE-TCP connections of a media worker (see ice_tcp.h for how they fit the worker).
 *
 * A connection lives in a slot of w->tcp. Its input goes through an RFC 4571 parser
 * (rtc/framing.h); every whole frame is handed to rs_wk__on_datagram as if it had come by
 * UDP from the connection's own address. After each frame the connection must be validated
 * for a transport: the first frame of a connection must be a binding request with our ufrag
 * and password, and a connection whose transport went away is closed at its next frame. So
 * an unauthenticated peer gets at most one frame handled before the connection is closed.
 *
 * Output is one growable buffer per connection (at most RS_WK_TCP_OUT_MAX bytes), written at
 * each worker flush with one send per connection. When the peer reads too slowly the buffer
 * fills and packets are dropped, never waited for; above three quarters full only small
 * packets (audio, RTCP, STUN) still get in, so video goes first.
 *
 * Closing must not pull a connection away under a caller: a send error during a flush (which
 * can run from deep inside the packet path) only marks the connection broken; the timers
 * close it. Reading closes at once, but only from the top of the event loop. */
#include "sfu/ice_tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "rtc/framing.h"

#define READ_CHUNK 16384
#define READ_ROUNDS 8      /* per event: then the other fds get their turn */
#define ACCEPT_BATCH 32
#define OUT_INITIAL 16384
#define SMALL_PACKET 300   /* at most this long still fits a buffer over 3/4 full */
#define SWEEP_MS 1000

struct rs_wk_tcp_conn {
    struct rs_wk *w;
    int fd;
    uint32_t slot;
    struct rs_wk_addr addr; /* RS_WK_AF_TCP: what the transports know it by */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    bool bound;     /* validated for a transport by a binding request */
    bool dirty;     /* in w->tcp_dirty */
    bool want_out;  /* EPOLLOUT requested: the socket was full */
    bool broken;    /* a send failed: close at the next timer */
    uint64_t opened_ms, last_in_ms;
    uint8_t *out;   /* bytes [out_head, out_len) wait to be written */
    size_t out_head, out_len, out_cap;
    struct rs_framing in;
};

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct rs_wk_tcp_conn *conn_of(const struct rs_wk *w, const struct rs_wk_addr *a)
{
    if (!rs_wk__addr_is_tcp(a))
        return NULL;
    struct rs_wk_tcp_addr ta;
    memcpy(&ta, &a->ss, sizeof(ta));
    if (ta.slot >= RS_WK_TCP_MAX)
        return NULL;
    struct rs_wk_tcp_conn *c = w->tcp[ta.slot];
    struct rs_wk_tcp_addr mine;
    if (!c)
        return NULL;
    memcpy(&mine, &c->addr.ss, sizeof(mine));
    return mine.gen == ta.gen ? c : NULL;
}

const struct sockaddr_storage *rs_wk__tcp_peer(const struct rs_wk *w, const struct rs_wk_addr *a)
{
    const struct rs_wk_tcp_conn *c = conn_of(w, a);
    return c ? &c->peer : NULL;
}

/* Closes the connection and frees its slot; `why` (may be -1) is the drop reason counted. */
static void conn_close(struct rs_wk *w, struct rs_wk_tcp_conn *c, int why)
{
    if (why >= 0)
        rs_metric_inc((enum rs_metric)why);
    RS_DEBUG("worker", "event=ice_tcp_closed worker=%u slot=%u bound=%d", w->index, c->slot,
             c->bound);
    if (c->bound)
        rs_wk__addr_gone(w, &c->addr); /* its transport may still send by UDP */
    else
        w->tcp_unbound--;
    if (w->epfd >= 0)
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    w->tcp[c->slot] = NULL;
    while (w->tcp_end > 0 && !w->tcp[w->tcp_end - 1])
        w->tcp_end--;
    free(c->out);
    free(c);
    rs_metric_dec(RS_M_ICE_TCP_CONNECTIONS);
}

int rs_wk__tcp_adopt(struct rs_wk *w, int fd, const struct sockaddr_storage *peer,
                     socklen_t peer_len)
{
    uint32_t slot = 0;
    while (slot < RS_WK_TCP_MAX && w->tcp[slot])
        slot++;
    struct rs_wk_tcp_conn *c = NULL;
    if (slot == RS_WK_TCP_MAX || w->tcp_unbound >= RS_WK_TCP_UNBOUND_MAX ||
        !(c = calloc(1, sizeof(*c)))) {
        rs_metric_inc(RS_M_ICE_TCP_DROPPED_LIMIT);
        close(fd);
        return -EMFILE;
    }
    c->w = w;
    c->fd = fd;
    c->slot = slot;
    struct rs_wk_tcp_addr ta = {.family = RS_WK_AF_TCP, .slot = slot, .gen = ++w->tcp_gen};
    memcpy(&c->addr.ss, &ta, sizeof(ta));
    c->addr.len = sizeof(ta);
    if (peer_len > sizeof(c->peer))
        peer_len = sizeof(c->peer);
    memcpy(&c->peer, peer, peer_len);
    c->peer_len = peer_len;
    c->opened_ms = c->last_in_ms = w->now_ms;
    rs_framing_init(&c->in, RS_WK_PKT_MAX);
    int one = 1; /* media: every packet at once, no Nagle */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (w->epfd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = RS_WK_EPOLL_TCP | slot};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
            RS_WARN("worker", "event=ice_tcp_epoll_failed errno=%d", errno);
            close(fd);
            free(c);
            return -EIO;
        }
    }
    w->tcp[slot] = c;
    if (slot + 1 > w->tcp_end)
        w->tcp_end = slot + 1;
    w->tcp_unbound++;
    rs_metric_inc(RS_M_ICE_TCP_CONNECTIONS_TOTAL);
    rs_metric_inc(RS_M_ICE_TCP_CONNECTIONS);
    return (int)slot;
}

void rs_wk__tcp_accept(struct rs_wk *w)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(w->tcp_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                RS_WARN("worker", "event=ice_tcp_accept_failed worker=%u errno=%d", w->index,
                        errno);
            return;
        }
        rs_wk__tcp_adopt(w, fd, &ss, len);
    }
}

/* One whole frame from connection `arg`: handled like a datagram from its address. Returns
 * nonzero when the connection was closed (the parser is gone with it). */
static int on_frame(void *arg, uint8_t *frame, size_t len)
{
    struct rs_wk_tcp_conn *c = arg;
    struct rs_wk *w = c->w;
    w->arrival_ns = realtime_ns();
    rs_wk__on_datagram(w, frame, len, &c->addr);
    w->arrival_ns = 0;
    if (!rs_wk__addr_owner(w, &c->addr)) {
        /* not (or no longer) validated for any transport: an unknown ufrag, a bad password,
         * garbage, or a transport that went away */
        bool was = c->bound;
        c->bound = false;
        if (was)
            w->tcp_unbound++; /* conn_close counts it down again */
        conn_close(w, c, RS_M_ICE_TCP_DROPPED_BAD_FRAME);
        return 1;
    }
    if (!c->bound) {
        c->bound = true;
        w->tcp_unbound--;
        RS_DEBUG("worker", "event=ice_tcp_bound worker=%u slot=%u", w->index, c->slot);
    }
    return 0;
}

static void conn_read(struct rs_wk *w, struct rs_wk_tcp_conn *c)
{
    static __thread uint8_t buf[READ_CHUNK];
    for (int round = 0; round < READ_ROUNDS; round++) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) { /* the peer closed, or reset */
            conn_close(w, c, -1);
            return;
        }
        c->last_in_ms = w->now_ms;
        int rc = rs_framing_feed(&c->in, buf, (size_t)n, on_frame, c);
        if (rc == -EPROTO) { /* length 0 or too long: no way to find the next frame */
            rs_metric_drop(RS_DROP_TOO_LARGE);
            conn_close(w, c, RS_M_ICE_TCP_DROPPED_BAD_FRAME);
            return;
        }
        if (rc) /* closed in on_frame */
            return;
        if ((size_t)n < sizeof(buf))
            return;
    }
}

/* Makes room for `need` more bytes. Returns false when the buffer cannot hold them. */
static bool out_room(struct rs_wk_tcp_conn *c, size_t need)
{
    if (c->out_len + need <= c->out_cap)
        return true;
    if (c->out_head > 0) {
        memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
        c->out_len -= c->out_head;
        c->out_head = 0;
        if (c->out_len + need <= c->out_cap)
            return true;
    }
    size_t cap = c->out_cap ? c->out_cap : OUT_INITIAL;
    while (cap < c->out_len + need)
        cap *= 2;
    if (cap > RS_WK_TCP_OUT_MAX)
        cap = RS_WK_TCP_OUT_MAX;
    if (cap < c->out_len + need)
        return false;
    uint8_t *p = realloc(c->out, cap);
    if (!p)
        return false;
    c->out = p;
    c->out_cap = cap;
    return true;
}

void rs_wk__tcp_queue(struct rs_wk *w, const struct rs_wk_addr *to, const uint8_t *data,
                      size_t len)
{
    struct rs_wk_tcp_conn *c = conn_of(w, to);
    if (!c || c->broken) {
        rs_metric_drop(RS_DROP_NOT_CONNECTED);
        return;
    }
    size_t pending = c->out_len - c->out_head, need = RS_FRAMING_HEADER + len;
    if (pending + need > RS_WK_TCP_OUT_MAX ||
        (len > SMALL_PACKET && pending + need > RS_WK_TCP_OUT_MAX / 4 * 3) ||
        !out_room(c, need)) {
        rs_metric_inc(RS_M_ICE_TCP_DROPPED_BUFFER_FULL);
        return;
    }
    rs_framing_header(c->out + c->out_len, len);
    memcpy(c->out + c->out_len + RS_FRAMING_HEADER, data, len);
    c->out_len += need;
    if (!c->dirty) {
        if (w->n_tcp_dirty == RS_WK_TCP_MAX) /* slots closed and reused since the last flush */
            rs_wk__tcp_flush(w);
        c->dirty = true;
        w->tcp_dirty[w->n_tcp_dirty++] = (uint16_t)c->slot;
    }
}

static void want_out(struct rs_wk *w, struct rs_wk_tcp_conn *c, bool on)
{
    if (c->want_out == on || w->epfd < 0)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0),
                             .data.u64 = RS_WK_EPOLL_TCP | c->slot};
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->want_out = on;
}

/* Writes as much as the socket takes. */
static void conn_write(struct rs_wk *w, struct rs_wk_tcp_conn *c)
{
    while (c->out_head < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_head, c->out_len - c->out_head,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            c->out_head += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_out(w, c, true);
            return;
        }
        c->broken = true; /* closed by the timers: the caller may be inside this connection */
        w->tcp_reap = true;
        return;
    }
    c->out_head = c->out_len = 0;
    want_out(w, c, false);
}

void rs_wk__tcp_flush(struct rs_wk *w)
{
    for (unsigned i = 0; i < w->n_tcp_dirty; i++) {
        struct rs_wk_tcp_conn *c = w->tcp[w->tcp_dirty[i]];
        if (!c || !c->dirty)
            continue;
        c->dirty = false;
        if (!c->broken && !c->want_out) /* with EPOLLOUT pending the socket is still full */
            conn_write(w, c);
    }
    w->n_tcp_dirty = 0;
}

void rs_wk__tcp_event(struct rs_wk *w, uint32_t slot, uint32_t events)
{
    struct rs_wk_tcp_conn *c = slot < RS_WK_TCP_MAX ? w->tcp[slot] : NULL;
    if (!c || c->broken)
        return;
    if (events & EPOLLOUT)
        conn_write(w, c);
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        conn_read(w, c);
}

void rs_wk__tcp_timers(struct rs_wk *w)
{
    if (!w->tcp_reap && w->now_ms < w->tcp_sweep_ms)
        return;
    bool sweep = w->now_ms >= w->tcp_sweep_ms;
    if (sweep)
        w->tcp_sweep_ms = w->now_ms + SWEEP_MS;
    w->tcp_reap = false;
    for (unsigned slot = 0; slot < w->tcp_end; slot++) {
        struct rs_wk_tcp_conn *c = w->tcp[slot];
        if (!c)
            continue;
        if (c->broken)
            conn_close(w, c, -1);
        else if (sweep && (c->bound ? w->now_ms - c->last_in_ms > RS_WK_TCP_IDLE_MS
                                    : w->now_ms - c->opened_ms > RS_WK_TCP_UNBOUND_MS))
            conn_close(w, c, RS_M_ICE_TCP_DROPPED_IDLE);
    }
}

int rs_wk__tcp_listen(struct rs_wk *w, const char *bind_ip, uint16_t port, char *err,
                      size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (rs_wk__bind_addr(bind_ip, port, &ss, &len)) {
        snprintf(err, errlen, "ice_tcp_listen: bad address '%s'", bind_ip);
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "ice_tcp: socket: %s", strerror(e));
        return -e;
    }
    int zero = 0, one = 1;
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128)) {
        int e = errno;
        snprintf(err, errlen, "ice_tcp_port: cannot listen on TCP port %u (media worker %u): %s",
                 port, w->index, strerror(e));
        close(fd);
        return -e;
    }
    if (w->epfd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)fd};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
            int e = errno;
            snprintf(err, errlen, "media worker: epoll_ctl: %s", strerror(e));
            close(fd);
            return -e;
        }
    }
    w->tcp_fd = fd;
    return 0;
}

void rs_wk__tcp_free(struct rs_wk *w)
{
    for (unsigned slot = 0; slot < w->tcp_end; slot++) {
        struct rs_wk_tcp_conn *c = w->tcp[slot];
        if (!c)
            continue;
        if (c->bound) { /* the transports go too: nothing to tell them */
            c->bound = false;
            w->tcp_unbound++;
        }
        conn_close(w, c, -1);
    }
    if (w->tcp_fd >= 0)
        close(w->tcp_fd);
    w->tcp_fd = -1;
}
