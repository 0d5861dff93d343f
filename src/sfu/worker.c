/* SPDX-License-Identifier: EUPL-1.2 */
/* The media worker thread: socket I/O in batches, commands, timers.
 *
 * Loop: epoll on the UDP socket and the command queue's eventfd; timers every 10 ms. Datagrams
 * are read with recvmmsg in batches of RS_WK_RECV_BATCH; everything they cause (forwarded
 * packets, STUN answers, DTLS flights) is appended to one send batch, written with sendmmsg
 * when it fills and at the end of each receive batch. So the cost of a system call is shared
 * by up to RS_WK_SEND_BATCH packets, and nothing on this path allocates or locks.
 *
 * Events for the control thread are pushed to its queue and the control loop is woken once
 * per loop turn at most, not once per event. */
#include "sfu/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "sfu/ice_tcp.h"
#include "sfu/worker_internal.h"

#define TICK_MS 10

struct rs_worker {
    pthread_t thread;
    struct rs_wk *w;
};

struct rs_wk_out *rs_wk__out_slot(struct rs_wk *w)
{
    if (w->n_out == RS_WK_SEND_BATCH)
        rs_wk__flush(w);
    return &w->out[w->n_out];
}

void rs_wk__out_commit(struct rs_wk *w, struct rs_wk_out *o, const struct rs_wk_addr *to,
                       size_t len)
{
    if (rs_wk__addr_is_tcp(to)) { /* into the connection's buffer; the slot stays free */
        rs_wk__tcp_queue(w, to, o->data, len);
        return;
    }
    o->to = *to;
    o->len = len;
    o->arrival_ns = w->arrival_ns;
    w->n_out++;
}

static bool addr_equal(const struct rs_wk_addr *a, const struct rs_wk_addr *b)
{
    if (a->ss.ss_family != b->ss.ss_family || a->len != b->len)
        return false;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return memcmp(&a->ss, &b->ss, a->len) == 0;
}

static uint32_t addr_hash(const struct rs_wk_addr *a)
{
    uint32_t h = 2166136261u;
    const uint8_t *p;
    size_t n;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->ss;
        h = (h ^ x->sin_port) * 16777619u;
        p = (const uint8_t *)&x->sin_addr;
        n = 4;
    } else if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->ss;
        h = (h ^ x->sin6_port) * 16777619u;
        p = (const uint8_t *)&x->sin6_addr;
        n = 16;
    } else {
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Links the queued packets per destination (w->flush_next), destinations in the order of their
 * first packet (w->flush_order). Returns the number of destinations. Order per destination is
 * kept; different peers are independent, so their packets may interleave differently. */
static unsigned group_by_peer(struct rs_wk *w)
{
    const uint32_t mask = 2 * RS_WK_SEND_BATCH - 1;
    unsigned n_groups = 0;
    if (++w->flush_gen == 0) { /* wrapped: forget every slot */
        memset(w->flush_map, 0, 2 * RS_WK_SEND_BATCH * sizeof(*w->flush_map));
        w->flush_gen = 1;
    }
    for (unsigned i = 0; i < w->n_out; i++) {
        w->flush_next[i] = UINT16_MAX;
        uint32_t h = addr_hash(&w->out[i].to) & mask;
        for (;;) {
            struct rs_wk_flush_slot *s = &w->flush_map[h];
            if (s->gen != w->flush_gen) {
                s->gen = w->flush_gen;
                s->head = s->tail = (uint16_t)i;
                w->flush_order[n_groups++] = (uint16_t)i;
                break;
            }
            if (addr_equal(&w->out[s->head].to, &w->out[i].to)) {
                w->flush_next[s->tail] = (uint16_t)i;
                s->tail = (uint16_t)i;
                break;
            }
            h = (h + 1) & mask; /* at most n_out ≤ half the slots are used: always ends */
        }
    }
    return n_groups;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Forwarding delay of the packets in msgs[from, to), just handed to the kernel: from the
 * arrival of the datagram that caused each one (timer-made packets have none) to now. */
static void record_delays(struct rs_wk *w, const struct mmsghdr *msgs, unsigned from, unsigned to)
{
    uint64_t counts[RS_DELAY_BUCKETS] = {0}, sum_us = 0, now = 0;
    bool any = false;
    for (unsigned m = from; m < to; m++) {
        const struct msghdr *h = &msgs[m].msg_hdr;
        for (size_t k = 0; k < h->msg_iovlen; k++) {
            const struct rs_wk_out *o = (const void *)((const uint8_t *)h->msg_iov[k].iov_base -
                                                       offsetof(struct rs_wk_out, data));
            if (!o->arrival_ns)
                continue;
            if (!any) {
                now = realtime_ns();
                any = true;
            }
            uint64_t us = now > o->arrival_ns ? (now - o->arrival_ns) / 1000 : 0; /* clock step */
            counts[rs_delay_bucket(us)]++;
            sum_us += us;
        }
    }
    if (any)
        rs_metric_delay_add(counts, sum_us);
}

union gso_cmsg {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
};

/* Sends one datagram's segments one by one (after the kernel refused the GSO datagram). */
static void send_segments(struct rs_wk *w, struct msghdr *h)
{
    for (size_t k = 0; k < h->msg_iovlen; k++) {
        struct msghdr one = {.msg_name = h->msg_name,
                             .msg_namelen = h->msg_namelen,
                             .msg_iov = &h->msg_iov[k],
                             .msg_iovlen = 1};
        if (sendmsg(w->fd, &one, MSG_DONTWAIT) < 0)
            rs_metric_drop(RS_DROP_SEND_FAILED);
        else
            rs_metric_inc(RS_M_UDP_SENDS);
    }
}

/* Adds the worker's packet counters to the shared metrics. */
static void publish_counters(struct rs_wk *w)
{
    if ((w->ctr.rtp_in | w->ctr.rtcp_in | w->ctr.rtp_out | w->ctr.rtcp_out | w->ctr.relay_out |
         w->ctr.feed_packets | w->ctr.feed_dropped | w->ctr.feed_keyframes) == 0)
        return;
    if (w->ctr.cascade_in) {
        rs_metric_add(RS_M_CASCADE_PACKETS_IN, w->ctr.cascade_in);
        rs_metric_add(RS_M_CASCADE_BYTES_IN, w->ctr.cascade_in_bytes);
    }
    if (w->ctr.cascade_out) {
        rs_metric_add(RS_M_CASCADE_PACKETS_OUT, w->ctr.cascade_out);
        rs_metric_add(RS_M_CASCADE_BYTES_OUT, w->ctr.cascade_out_bytes);
    }
    if (w->ctr.feed_packets)
        rs_metric_add(RS_M_RECORD_FEED_PACKETS, w->ctr.feed_packets);
    if (w->ctr.feed_dropped)
        rs_metric_add(RS_M_RECORD_FEED_DROPPED, w->ctr.feed_dropped);
    if (w->ctr.feed_keyframes)
        rs_metric_add(RS_M_RECORD_FEED_KEYFRAME_REQUESTS, w->ctr.feed_keyframes);
    if (w->ctr.relay_out)
        rs_metric_add(RS_M_RELAY_PACKETS, w->ctr.relay_out);
    if (w->ctr.rtp_in) {
        rs_metric_add(RS_M_RTP_PACKETS_IN, w->ctr.rtp_in);
        rs_metric_add(RS_M_RTP_BYTES_IN, w->ctr.rtp_in_bytes);
    }
    if (w->ctr.rtcp_in)
        rs_metric_add(RS_M_RTCP_PACKETS_IN, w->ctr.rtcp_in);
    if (w->ctr.rtp_out) {
        rs_metric_add(RS_M_RTP_PACKETS_OUT, w->ctr.rtp_out);
        rs_metric_add(RS_M_RTP_BYTES_OUT, w->ctr.rtp_out_bytes);
    }
    if (w->ctr.rtcp_out)
        rs_metric_add(RS_M_RTCP_PACKETS_OUT, w->ctr.rtcp_out);
    if (w->ctr.rtp_out + w->ctr.rtcp_out)
        rs_metric_add_worker(RS_MW_PACKETS_OUT, w->index, w->ctr.rtp_out + w->ctr.rtcp_out);
    memset(&w->ctr, 0, sizeof(w->ctr));
}

void rs_wk__flush(struct rs_wk *w)
{
    struct mmsghdr msgs[RS_WK_SEND_BATCH];
    struct iovec iov[RS_WK_SEND_BATCH];
    union gso_cmsg ctl[RS_WK_SEND_BATCH];
    unsigned n_msgs = 0, n_iov = 0;
    publish_counters(w);
    /* the workers we relayed to start on their share while we send ours */
    while (w->relay_dirty) {
        unsigned k = (unsigned)__builtin_ctz(w->relay_dirty);
        w->relay_dirty &= w->relay_dirty - 1;
        rs_relay_wake(w->relay, k);
    }
    w->relay_woken = 0;
    if (w->n_tcp_dirty)
        rs_wk__tcp_flush(w);
    if (w->n_out == 0)
        return;
    unsigned n_groups = w->gso ? group_by_peer(w) : 0;
    if (!w->gso) { /* one datagram per packet, in queue order */
        for (unsigned i = 0; i < w->n_out; i++) {
            iov[i].iov_base = w->out[i].data;
            iov[i].iov_len = w->out[i].len;
            memset(&msgs[i], 0, sizeof(msgs[i]));
            msgs[i].msg_hdr.msg_name = &w->out[i].to.ss;
            msgs[i].msg_hdr.msg_namelen = w->out[i].to.len;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        n_msgs = w->n_out;
    }
    /* Per peer: a run of packets of one size (the last may be shorter) becomes one GSO
     * datagram, as the kernel requires; any other packet starts a new datagram. */
    for (unsigned g = 0; g < n_groups; g++) {
        unsigned i = w->flush_order[g];
        while (i != UINT16_MAX) {
            struct rs_wk_out *first = &w->out[i];
            struct msghdr *h = &msgs[n_msgs].msg_hdr;
            memset(&msgs[n_msgs], 0, sizeof(msgs[n_msgs]));
            h->msg_name = &first->to.ss;
            h->msg_namelen = first->to.len;
            h->msg_iov = &iov[n_iov];
            size_t seg = first->len, total = 0;
            unsigned segs = 0;
            do {
                struct rs_wk_out *o = &w->out[i];
                if (segs > 0 &&
                    (seg > RS_WK_GSO_MAX_SEG || o->len > seg || segs == RS_WK_GSO_MAX_SEGS ||
                     total + o->len > RS_WK_GSO_MAX_BYTES))
                    break;
                iov[n_iov].iov_base = o->data;
                iov[n_iov].iov_len = o->len;
                n_iov++;
                segs++;
                total += o->len;
                i = w->flush_next[i];
                if (o->len < seg)
                    break; /* a shorter packet can only be the last segment */
            } while (i != UINT16_MAX);
            h->msg_iovlen = segs;
            if (segs > 1) {
                h->msg_control = ctl[n_msgs].buf;
                h->msg_controllen = sizeof(ctl[n_msgs].buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(h);
                c->cmsg_level = SOL_UDP;
                c->cmsg_type = UDP_SEGMENT;
                c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                uint16_t gso_size = (uint16_t)seg;
                memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
                rs_metric_add(RS_M_UDP_GSO_SEGMENTS, segs);
            }
            n_msgs++;
        }
    }
    /* At most RS_WK_SEND_CHUNK datagrams per call, so that the delay recorded for each is
     * close to when it really left (a fan-out of 500 takes the kernel a millisecond or more). */
    unsigned sent = 0;
    while (sent < n_msgs) {
        unsigned chunk = n_msgs - sent < RS_WK_SEND_CHUNK ? n_msgs - sent : RS_WK_SEND_CHUNK;
        int n = sendmmsg(w->fd, msgs + sent, chunk, MSG_DONTWAIT);
        if (n > 0) {
            rs_metric_add(RS_M_UDP_SENDS, (uint64_t)n);
            record_delays(w, msgs, sent, sent + (unsigned)n);
            sent += (unsigned)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        struct msghdr *h = &msgs[sent].msg_hdr;
        if (h->msg_controllen > 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            /* The kernel or the route cannot segment (EIO: no checksum offload, EINVAL: the
             * segment does not fit the path MTU, ...): send this datagram's packets one by
             * one and stop using GSO on this worker. */
            RS_WARN("worker", "event=udp_gso_off errno=%d", errno);
            w->gso = false;
            send_segments(w, h);
            record_delays(w, msgs, sent, sent + 1);
        } else {
            /* EAGAIN (socket buffer full) or an unreachable peer: drop it, go on. */
            for (size_t k = 0; k < h->msg_iovlen; k++)
                rs_metric_drop(RS_DROP_SEND_FAILED);
        }
        sent++;
    }
    w->n_out = 0;
}

void rs_wk__event(struct rs_wk *w, const struct rs_event *ev)
{
    if (rs_queue_push(w->events, ev) == 0)
        w->wake_pending = true;
    else
        RS_ERROR("worker", "event=event_queue_full type=%d", ev->type);
}

static void handle_cmd(struct rs_wk *w, const struct rs_cmd *c)
{
    switch (c->type) {
    case RS_CMD_TRANSPORT_ADD:
        rs_wk__transport_add(w, &c->u.transport);
        break;
    case RS_CMD_TRANSPORT_DTLS:
        rs_wk__transport_dtls(w, &c->u.transport);
        break;
    case RS_CMD_TRANSPORT_ICE:
        rs_wk__transport_ice(w, &c->u.transport);
        break;
    case RS_CMD_TRANSPORT_REMOVE:
        rs_wk__transport_remove(w, c->u.ref.id);
        break;
    case RS_CMD_TRACK_ADD:
        rs_wk__track_add(w, &c->u.track);
        break;
    case RS_CMD_TRACK_REMOVE:
        rs_wk__track_remove(w, c->u.ref.id);
        break;
    case RS_CMD_TRACK_MUTE:
        rs_wk__track_mute(w, c->u.ref.id, c->u.ref.flag);
        break;
    case RS_CMD_SUB_ADD:
        rs_wk__sub_add(w, &c->u.sub);
        break;
    case RS_CMD_SUB_REMOVE:
        rs_wk__sub_remove(w, c->u.ref.id);
        break;
    case RS_CMD_SUB_ENABLE:
        rs_wk__sub_enable(w, c->u.ref.id, c->u.ref.flag);
        break;
    case RS_CMD_SUB_VIDEO_SIZE:
        rs_wk__sub_size(w, c->u.ref.id, c->u.ref.width, c->u.ref.height);
        break;
    case RS_CMD_TRACK_RELAY:
        rs_wk__track_relay(w, c->u.ref.id, c->u.ref.worker, c->u.ref.flag != 0);
        break;
    case RS_CMD_SHUTDOWN:
        w->stop = 1;
        break;
    }
}

static void drain_cmds(struct rs_wk *w)
{
    struct rs_cmd c;
    rs_queue_clear_fd(w->cmds);
    while (rs_queue_pop(w->cmds, &c) == 0)
        handle_cmd(w, &c);
}

union ts_cmsg {
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
};

/* The kernel's receive time of a datagram (SO_TIMESTAMPNS), or 0. */
static uint64_t arrival_of(struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        }
    }
    return 0;
}

static void read_datagrams(struct rs_wk *w)
{
    static __thread uint8_t bufs[RS_WK_RECV_BATCH][RS_WK_PKT_MAX + 64];
    struct mmsghdr msgs[RS_WK_RECV_BATCH];
    struct iovec iov[RS_WK_RECV_BATCH];
    struct sockaddr_storage from[RS_WK_RECV_BATCH];
    union ts_cmsg ctl[RS_WK_RECV_BATCH];
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < RS_WK_RECV_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof(bufs[i]);
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = ctl[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
        }
        int n = recvmmsg(w->fd, msgs, RS_WK_RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        if (round > 0) /* the caller set it for the first round */
            w->now_ms = (uint64_t)rs_mono_ms();
        uint64_t received = 0; /* read only if the kernel gave no timestamp */
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC || msgs[i].msg_len > RS_WK_PKT_MAX) {
                rs_metric_drop(RS_DROP_TOO_LARGE);
                continue;
            }
            struct rs_wk_addr a;
            memcpy(&a.ss, &from[i], sizeof(a.ss));
            a.len = msgs[i].msg_hdr.msg_namelen;
            w->arrival_ns = arrival_of(&msgs[i].msg_hdr);
            if (!w->arrival_ns)
                w->arrival_ns = received ? received : (received = realtime_ns());
            rs_wk__on_datagram(w, bufs[i], msgs[i].msg_len, &a);
        }
        w->arrival_ns = 0;
        rs_wk__flush(w);
        if (n < RS_WK_RECV_BATCH)
            break;
    }
}

static void *worker_main(void *arg)
{
    struct rs_wk *w = arg;
    struct epoll_event evs[8];
    char name[16]; /* `top -H`, `ps -L`: which thread is which worker */
    snprintf(name, sizeof(name), "rs-media-%u", w->index);
    pthread_setname_np(pthread_self(), name);
    rs_metric_worker_thread(w->index, (int)gettid());
    uint64_t next_tick = (uint64_t)rs_mono_ms() + TICK_MS;
    while (!w->stop) {
        /* The timers run every TICK_MS: in the same wake-up as packets when packets flow, and
         * through epoll's timeout when nothing else wakes the worker (no timer fd, so a busy
         * worker is not woken 100 times a second for them). */
        uint64_t now = (uint64_t)rs_mono_ms();
        int timeout = next_tick > now ? (int)(next_tick - now) : 0;
        int n = epoll_wait(w->epfd, evs, 8, timeout);
        w->now_ms = (uint64_t)rs_mono_ms();
        for (int i = 0; i < n; i++) {
            uint64_t data = evs[i].data.u64;
            if (data & RS_WK_EPOLL_SINK) { /* a recorder's RTCP (record_feed.h) */
                rs_wk__sink_readable(w, (uint32_t)data);
                continue;
            }
            if (data & RS_WK_EPOLL_TCP) { /* an ICE-TCP connection (ice_tcp.h) */
                rs_wk__tcp_event(w, (uint32_t)data, evs[i].events);
                continue;
            }
            int fd = (int)data;
            if (fd == w->fd)
                read_datagrams(w);
            else if (fd == w->tcp_fd)
                rs_wk__tcp_accept(w);
            else if (fd == rs_queue_fd(w->cmds))
                drain_cmds(w);
            else if (w->relay && fd == w->relay->efd[w->index]) {
                rs_relay_clear(w->relay, w->index);
                rs_wk__relay_drain(w);
            }
        }
        if (w->now_ms >= next_tick) {
            rs_wk__transport_timers(w);
            rs_wk__router_timers(w);
            rs_wk__tcp_timers(w);
            next_tick += TICK_MS;
            if (next_tick <= w->now_ms) /* fell behind (a long batch): no catch-up burst */
                next_tick = w->now_ms + TICK_MS;
        }
        rs_wk__flush(w);
        if (w->wake_pending) {
            w->wake_pending = false;
            if (w->wake)
                w->wake(w->wake_arg);
        }
    }
    return NULL;
}

int rs_wk__bind_addr(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (ip && strchr(ip, '.')) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        *len = sizeof(*sin);
        return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -EINVAL;
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    *len = sizeof(*sin6);
    return !ip || inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
}

static int open_socket(const struct rs_worker_config *cfg, int *family, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (rs_wk__bind_addr(cfg->bind_ip, cfg->port, &ss, &len))
        goto bad_addr;
    *family = ss.ss_family;
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "udp_port: socket: %s", strerror(errno));
        return -errno;
    }
    int zero = 0, bufsz = 4 << 20;
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    /* Don't fragment: media packets are sized for the path (≤ 1,200 bytes from browsers), a
     * fragmented one would rather be lost; and with DF the kernel skips its shared IP-ID
     * generator for every datagram. Best effort (IPv6 never fragments in transit anyway). */
    int one = 1; /* receive timestamps: the forwarding delay histogram starts at arrival */
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    int pmtu = IP_PMTUDISC_DO;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
    if (bind(fd, (struct sockaddr *)&ss, len)) {
        int e = errno;
        snprintf(err, errlen, "udp_port: cannot bind UDP port %u (media worker %u): %s", cfg->port,
                 cfg->index, strerror(e));
        close(fd);
        return -e;
    }
    return fd;
bad_addr:
    snprintf(err, errlen, "udp_port: bad bind address '%s'", cfg->bind_ip);
    return -EINVAL;
}

struct rs_wk *rs_wk__new(struct rs_dtls_ctx *dtls, struct rs_queue *cmds, struct rs_queue *events)
{
    struct rs_wk *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->fd = w->epfd = w->tcp_fd = -1;
    w->dtls = dtls;
    w->cmds = cmds;
    w->events = events;
    w->addr_map_cap = 2 * RS_SFU_MAX_TRANSPORTS * RS_WK_ADDRS;
    w->addr_map = calloc(w->addr_map_cap, sizeof(*w->addr_map));
    w->out = calloc(RS_WK_SEND_BATCH, sizeof(*w->out));
    w->flush_map = calloc(2 * RS_WK_SEND_BATCH, sizeof(*w->flush_map));
    w->flush_next = calloc(RS_WK_SEND_BATCH, sizeof(*w->flush_next));
    w->flush_order = calloc(RS_WK_SEND_BATCH, sizeof(*w->flush_order));
    if (!w->addr_map || !w->out || !w->flush_map || !w->flush_next || !w->flush_order ||
        rs_wk__router_init(w)) {
        rs_wk__free(w);
        return NULL;
    }
    w->now_ms = (uint64_t)rs_mono_ms();
    return w;
}

void rs_wk__free(struct rs_wk *w)
{
    if (!w)
        return;
    rs_wk__tcp_free(w);
    for (uint32_t tid = 1; tid <= w->max_tid && tid < RS_SFU_MAX_TRANSPORTS; tid++)
        if (w->transports[tid].state != WK_T_FREE)
            rs_wk__transport_remove(w, tid);
    rs_wk__router_free(w);
    if (w->fd >= 0)
        close(w->fd);
    if (w->epfd >= 0)
        close(w->epfd);
    free(w->addr_map);
    free(w->out);
    free(w->flush_map);
    free(w->flush_next);
    free(w->flush_order);
    free(w);
}

int rs_worker_start(const struct rs_worker_config *cfg, struct rs_worker **out, char *err,
                    size_t errlen)
{
    struct rs_worker *wk = calloc(1, sizeof(*wk));
    struct rs_wk *w = wk ? rs_wk__new(cfg->dtls, cfg->cmds, cfg->events) : NULL;
    int rc = -ENOMEM;
    if (!wk || !w)
        goto fail;
    w->wake = cfg->wake;
    w->wake_arg = cfg->wake_arg;
    w->index = cfg->index;
    w->relay = cfg->relay;
    rc = open_socket(cfg, &w->family, err, errlen);
    if (rc < 0)
        goto fail;
    w->fd = rc;
    int zero = 0; /* the kernel knows UDP_SEGMENT (Linux ≥ 4.18): group packets per peer */
    w->gso = !cfg->no_udp_gso && setsockopt(w->fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero)) == 0;
    RS_INFO("worker", "event=udp_socket worker=%u port=%u gso=%s", w->index, cfg->port,
            w->gso ? "on" : "off");
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) {
        snprintf(err, errlen, "media worker: epoll: %s", strerror(errno));
        rc = -errno;
        goto fail;
    }
    int fds[3] = {w->fd, rs_queue_fd(w->cmds), w->relay ? w->relay->efd[w->index] : -1};
    for (int i = 0; i < 3 && fds[i] >= 0; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)fds[i]};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fds[i], &ev)) {
            snprintf(err, errlen, "media worker: epoll_ctl: %s", strerror(errno));
            rc = -errno;
            goto fail;
        }
    }
    if (cfg->tcp_port) {
        rc = rs_wk__tcp_listen(w, cfg->tcp_bind_ip ? cfg->tcp_bind_ip : cfg->bind_ip,
                               cfg->tcp_port, err, errlen);
        if (rc < 0 && !cfg->tcp_optional)
            goto fail;
        if (rc < 0) /* ICE-TCP is the fallback: without it UDP still works */
            RS_WARN("worker", "event=ice_tcp_off worker=%u reason=\"%s\"", w->index, err);
        else
            RS_INFO("worker", "event=ice_tcp_listening worker=%u port=%u", w->index,
                    cfg->tcp_port);
        w->tcp_port = rc < 0 ? 0 : cfg->tcp_port;
    }
    wk->w = w;
    rc = pthread_create(&wk->thread, NULL, worker_main, w);
    if (rc) {
        snprintf(err, errlen, "media worker: cannot start thread: %s", strerror(rc));
        rc = -rc;
        goto fail;
    }
    *out = wk;
    return 0;
fail:
    rs_wk__free(w);
    free(wk);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "media worker: out of memory");
    return rc;
}

uint16_t rs_worker_tcp_port(const struct rs_worker *wk)
{
    return wk ? wk->w->tcp_port : 0;
}

void rs_worker_stop(struct rs_worker *wk)
{
    if (!wk)
        return;
    struct rs_cmd c = {.type = RS_CMD_SHUTDOWN};
    if (rs_queue_push(wk->w->cmds, &c))
        wk->w->stop = 1;
    pthread_join(wk->thread, NULL);
    struct rs_cmd left; /* a sink's socket still queued is the worker's to close */
    while (rs_queue_pop(wk->w->cmds, &left) == 0)
        if (left.type == RS_CMD_TRANSPORT_ADD && left.u.transport.sink &&
            left.u.transport.sink_fd >= 0)
            close(left.u.transport.sink_fd);
    rs_metric_worker_thread(wk->w->index, 0);
    rs_wk__free(wk->w);
    free(wk);
}
