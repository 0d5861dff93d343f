/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-peer transport on the worker: ICE-lite, DTLS, SRTP (RFC 8445 lite, RFC 7675, RFC 5764).
 *
 * The server is ICE-lite and never sends checks: it answers binding requests whose USERNAME
 * names one of our ufrags and whose MESSAGE-INTEGRITY (short-term credential: our ice-pwd)
 * and FINGERPRINT verify. Each such request validates its source address for that transport;
 * USE-CANDIDATE (or the first validated address) selects where we send. Non-STUN datagrams are
 * accepted only from validated addresses, so DTLS and SRTP never see an unauthenticated peer.
 *
 * Our ufrag starts with the transport id as four hex digits, so a binding request finds its
 * transport in O(1); the rest of the ufrag and the password are random (control thread).
 * Consent freshness: a transport whose checks stop for RS_CONSENT_MS gets no more media and
 * is reported failed (ice_timeout); an ICE restart can revive it.
 *
 * A sink transport (record_feed.h) has none of this: its peer is a recorder process at the
 * other end of an AF_UNIX SOCK_SEQPACKET socket the control thread handed over. It is connected
 * from the start, packets go out in the clear with one non-blocking send each (a full socket
 * drops and counts, the worker never waits for a recorder), and what comes back is RTCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "rtc/demux.h"
#include "rtc/stun.h"
#include "sfu/ice_tcp.h"
#include "sfu/worker_internal.h"

#define RS_CONSENT_MS 30000
/* Once SRTP is keyed, DTLS only matters while the peer may still retransmit its last flight
 * (its Finished, if ours was lost). The SSL object (tens of KiB) is freed at once
 * (rs_dtls_compact keeps our last flight to answer such a retransmission); after this long
 * the small rest goes too: a transport without data channels never needs it again. */
#define RS_DTLS_RETIRE_MS 15000
/* Per transport and second: datagrams accepted (a 1080p simulcast publisher sends ~600/s)
 * and binding requests verified (each costs an HMAC; browsers send a few per second). */
#define RS_RATE_PACKETS 20000
#define RS_RATE_STUN 200

/* Fixed one-second windows: cheap, and precise enough for flood protection. */
static bool rate_ok(struct rs_wk *w, struct rs_wk_transport *t, bool stun)
{
    if (w->now_ms - t->rate_window_ms >= 1000) {
        t->rate_window_ms = w->now_ms;
        t->rate_packets = 0;
        t->rate_stun = 0;
    }
    if (stun ? ++t->rate_stun > RS_RATE_STUN : ++t->rate_packets > RS_RATE_PACKETS) {
        rs_metric_drop(RS_DROP_RATE);
        return false;
    }
    return true;
}

struct rs_wk_transport *rs_wk__transport(struct rs_wk *w, uint32_t tid)
{
    if (tid == 0 || tid >= RS_SFU_MAX_TRANSPORTS)
        return NULL;
    struct rs_wk_transport *t = &w->transports[tid];
    return t->state == WK_T_FREE ? NULL : t;
}

/* ---- address map ----
 * Open addressing with linear probing over the first addr_map_mask + 1 slots of w->addr_map.
 * The used part starts at ADDR_MAP_MIN slots and doubles (rehashing) as peers arrive, so a
 * worker with a few hundred peers touches a few pages instead of one page per peer; a rebuild
 * also clears the tombstones that departed peers leave, which would otherwise lengthen every
 * miss. */
#define ADDR_MAP_MIN 64

static size_t addr_key(const struct rs_wk_addr *a, uint8_t key[18])
{
    if (rs_wk__addr_is_tcp(a)) { /* slot and generation of an ICE-TCP connection */
        struct rs_wk_tcp_addr ta;
        memcpy(&ta, &a->ss, sizeof(ta));
        memcpy(key, &ta.slot, 4);
        memcpy(key + 4, &ta.gen, 4);
        return 8;
    }
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
        memcpy(key, &s->sin_port, 2);
        memcpy(key + 2, &s->sin_addr, 4);
        return 6;
    }
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
    memcpy(key, &s6->sin6_port, 2);
    memcpy(key + 2, &s6->sin6_addr, 16);
    return 18;
}

static bool addr_eq(const struct rs_wk_addr *a, const struct rs_wk_addr *b)
{
    if (a->ss.ss_family != b->ss.ss_family)
        return false;
    uint8_t ka[18], kb[18];
    size_t n = addr_key(a, ka);
    addr_key(b, kb);
    return memcmp(ka, kb, n) == 0;
}

static uint32_t addr_hash(const struct rs_wk_addr *a)
{
    uint8_t k[18];
    size_t n = addr_key(a, k);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static struct rs_wk_transport *addr_lookup(struct rs_wk *w, const struct rs_wk_addr *a)
{
    uint32_t mask = w->addr_map_mask;
    for (uint32_t i = addr_hash(a) & mask, probes = 0; probes <= mask;
         i = (i + 1) & mask, probes++) {
        uint32_t tid = w->addr_map[i].tid;
        if (tid == 0)
            return NULL;
        if (tid != RS_WK_NONE && addr_eq(&w->addr_map[i].addr, a))
            return rs_wk__transport(w, tid);
    }
    return NULL;
}

static void addr_map_del(struct rs_wk *w, const struct rs_wk_addr *a)
{
    uint32_t mask = w->addr_map_mask;
    for (uint32_t i = addr_hash(a) & mask, probes = 0; probes <= mask;
         i = (i + 1) & mask, probes++) {
        uint32_t tid = w->addr_map[i].tid;
        if (tid == 0)
            return;
        if (tid != RS_WK_NONE && addr_eq(&w->addr_map[i].addr, a)) {
            w->addr_map[i].tid = RS_WK_NONE;
            w->addr_map_live--;
            w->addr_map_dead++;
            return;
        }
    }
}

/* Inserts without looking for `a` first; returns false when no slot is free. */
static bool addr_map_insert(struct rs_wk *w, const struct rs_wk_addr *a, uint32_t tid)
{
    uint32_t mask = w->addr_map_mask;
    for (uint32_t i = addr_hash(a) & mask, probes = 0; probes <= mask;
         i = (i + 1) & mask, probes++) {
        uint32_t old = w->addr_map[i].tid;
        if (old == 0 || old == RS_WK_NONE) {
            w->addr_map[i].addr = *a;
            w->addr_map[i].tid = tid;
            w->addr_map_live++;
            if (old == RS_WK_NONE)
                w->addr_map_dead--;
            return true;
        }
    }
    return false;
}

/* Rebuilds the table with `size` slots in use (a power of two, not below the current size),
 * dropping tombstones. A new address only, never per packet; on OOM the table stays. */
static void addr_map_rebuild(struct rs_wk *w, uint32_t size)
{
    uint32_t old = w->addr_map_mask + 1, n = 0;
    struct rs_wk_addr_entry *keep = NULL;
    if (w->addr_map_live) {
        keep = malloc(w->addr_map_live * sizeof(*keep));
        if (!keep)
            return;
        for (uint32_t i = 0; i < old; i++)
            if (w->addr_map[i].tid != 0 && w->addr_map[i].tid != RS_WK_NONE)
                keep[n++] = w->addr_map[i];
    }
    memset(w->addr_map, 0, (size_t)size * sizeof(*w->addr_map));
    w->addr_map_mask = size - 1;
    w->addr_map_live = 0;
    w->addr_map_dead = 0;
    for (uint32_t i = 0; i < n; i++)
        addr_map_insert(w, &keep[i].addr, keep[i].tid);
    free(keep);
}

static void addr_map_put(struct rs_wk *w, const struct rs_wk_addr *a, uint32_t tid)
{
    addr_map_del(w, a); /* an address moves to the transport that validated it last */
    /* at most half full (live + tombstones): after a rebuild at most a quarter is live */
    uint32_t size = w->addr_map_mask + 1;
    if ((w->addr_map_live + w->addr_map_dead + 1) * 2 > size) {
        uint32_t want = size < ADDR_MAP_MIN ? ADDR_MAP_MIN : size;
        if (want > w->addr_map_cap)
            want = w->addr_map_cap;
        while ((w->addr_map_live + 1) * 4 > want && want < w->addr_map_cap)
            want *= 2;
        if (want > size || w->addr_map_dead > size / 8)
            addr_map_rebuild(w, want);
    }
    addr_map_insert(w, a, tid);
}

struct rs_wk_transport *rs_wk__addr_owner(struct rs_wk *w, const struct rs_wk_addr *a)
{
    return addr_lookup(w, a);
}

void rs_wk__addr_gone(struct rs_wk *w, const struct rs_wk_addr *a)
{
    struct rs_wk_transport *t = addr_lookup(w, a);
    if (!t)
        return;
    addr_map_del(w, a);
    for (unsigned i = 0; i < t->n_addrs; i++) {
        if (!addr_eq(&t->addrs[i], a))
            continue;
        t->addrs[i] = t->addrs[--t->n_addrs]; /* the last one moves into its place */
        if (t->selected == (int)i)
            t->selected = t->n_addrs ? 0 : -1; /* another validated address, if any */
        else if (t->selected == (int)t->n_addrs)
            t->selected = (int)i;
        break;
    }
}

static void forget_addresses(struct rs_wk *w, struct rs_wk_transport *t)
{
    for (unsigned i = 0; i < t->n_addrs; i++) {
        struct rs_wk_transport *owner = addr_lookup(w, &t->addrs[i]);
        if (owner == t)
            addr_map_del(w, &t->addrs[i]);
    }
    t->n_addrs = 0;
    t->selected = -1;
}

/* ---- lifecycle ---- */

static void set_credentials(struct rs_wk_transport *t, const struct rs_cmd_transport *c)
{
    snprintf(t->ufrag, sizeof(t->ufrag), "%s", c->ufrag);
    snprintf(t->pwd, sizeof(t->pwd), "%s", c->pwd);
    t->pwd_len = strlen(t->pwd);
}

/* Sets up a sink: its socket is polled for the recorder's RTCP, and it is connected at once. */
static void sink_start(struct rs_wk *w, struct rs_wk_transport *t, int fd)
{
    t->sink = true;
    t->sink_fd = fd;
    t->subscriber = true;
    int bufsz = 4 << 20; /* a keyframe burst of every track fits; the kernel may cap it */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    if (w->epfd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = RS_WK_EPOLL_SINK | t->tid};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
            t->sink_polled = true;
        else
            RS_WARN("worker", "event=sink_epoll_failed tid=%u errno=%d", t->tid, errno);
    }
    t->state = WK_T_CONNECTED;
    t->connected_ms = w->now_ms;
    RS_INFO("worker", "event=sink_added tid=%u", t->tid);
}

/* The sink's socket leaves the epoll set (EOF, an error, or the transport goes). */
static void sink_unpoll(struct rs_wk *w, struct rs_wk_transport *t)
{
    if (t->sink_polled && w->epfd >= 0)
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, t->sink_fd, NULL);
    t->sink_polled = false;
}

/* ---- uplinks (cascade): we are the controlling agent and the DTLS client ---- */

#define UPLINK_CHECK_MS 200      /* binding requests until one is answered */
#define UPLINK_CONSENT_MS 2500   /* then, as consent refreshes (RFC 7675: 4-6 s is enough) */

static void addr_map_put(struct rs_wk *w, const struct rs_wk_addr *a, uint32_t tid);

/* The peer's address is valid from the start: the control thread took it from the SDP of the
 * node it connects to, not from the network. */
static void uplink_start(struct rs_wk *w, struct rs_wk_transport *t,
                         const struct rs_cmd_transport *c)
{
    struct rs_wk_addr a;
    memset(&a, 0, sizeof(a));
    if (c->peer_v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, c->peer_ip, 16);
        s6->sin6_port = htons(c->peer_port);
        a.len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, c->peer_ip, 4);
        s4->sin_port = htons(c->peer_port);
        a.len = sizeof(*s4);
    }
    if (w->family == AF_INET6 && !c->peer_v6) { /* a dual-stack socket: v4-mapped */
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof(s6));
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(c->peer_port);
        s6.sin6_addr.s6_addr[10] = 0xff;
        s6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&s6.sin6_addr.s6_addr[12], c->peer_ip, 4);
        memset(&a, 0, sizeof(a));
        memcpy(&a.ss, &s6, sizeof(s6));
        a.len = sizeof(s6);
    }
    t->uplink = true;
    t->dtls_client = true;
    snprintf(t->remote_ufrag, sizeof(t->remote_ufrag), "%s", c->remote_ufrag);
    snprintf(t->remote_pwd, sizeof(t->remote_pwd), "%s", c->remote_pwd);
    t->tie_breaker = ((uint64_t)rs_random_u32() << 32) | rs_random_u32();
    t->addrs[0] = a;
    t->n_addrs = 1;
    t->selected = 0;
    addr_map_put(w, &a, t->tid);
    t->next_check_ms = w->now_ms;
    RS_INFO("worker", "event=uplink_added tid=%u", t->tid);
}

static void uplink_check(struct rs_wk *w, struct rs_wk_transport *t)
{
    char user[2 * RS_SFU_UFRAG_SIZE + 2];
    int n = snprintf(user, sizeof(user), "%s:%s", t->remote_ufrag, t->ufrag);
    if (n <= 0 || (size_t)n >= sizeof(user) || t->selected < 0)
        return;
    rs_random_bytes(t->check_txid, sizeof(t->check_txid));
    struct rs_stun_binding_request req = {
        .username = user,
        .username_len = (size_t)n,
        .priority = 2130706431u,
        .tie_breaker = t->tie_breaker,
        .controlling = true,
        .use_candidate = true,
    };
    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t len;
    if (rs_stun_build_binding_request(o->data, sizeof(o->data), t->check_txid, &req,
                                      (const uint8_t *)t->remote_pwd, strlen(t->remote_pwd),
                                      &len) == 0)
        rs_wk__out_commit(w, o, &t->addrs[t->selected], len);
}

static int dtls_ensure(struct rs_wk *w, struct rs_wk_transport *t);

/* A binding response from the address of an uplink: ours if its transaction id is the last
 * request's and its MESSAGE-INTEGRITY verifies with the remote password. */
static void uplink_response(struct rs_wk *w, const struct rs_stun_msg *msg,
                            const struct rs_wk_addr *from)
{
    struct rs_wk_transport *t = addr_lookup(w, from);
    if (!t || !t->uplink || msg->type != RS_STUN_BINDING_SUCCESS ||
        memcmp(msg->txid, t->check_txid, sizeof(t->check_txid)) != 0 ||
        rs_stun_check_fingerprint(msg) ||
        rs_stun_check_integrity(msg, (const uint8_t *)t->remote_pwd, strlen(t->remote_pwd))) {
        rs_metric_drop(RS_DROP_STUN_AUTH);
        return;
    }
    t->last_consent_ms = w->now_ms;
    if (!t->uplink_answered) {
        t->uplink_answered = true;
        t->next_check_ms = w->now_ms + UPLINK_CONSENT_MS;
    }
    if (t->state == WK_T_NEW && t->has_fp)
        dtls_ensure(w, t);
}

void rs_wk__transport_add(struct rs_wk *w, const struct rs_cmd_transport *c)
{
    if (c->tid == 0 || c->tid >= RS_SFU_MAX_TRANSPORTS || (c->sink && c->sink_fd < 0)) {
        if (c->sink && c->sink_fd >= 0)
            close(c->sink_fd); /* ours from the command on, even when refused */
        return;
    }
    struct rs_wk_transport *t = &w->transports[c->tid];
    if (t->state != WK_T_FREE)
        rs_wk__transport_remove(w, c->tid);
    memset(t, 0, sizeof(*t));
    t->state = WK_T_NEW;
    t->sink_fd = -1;
    t->tid = c->tid;
    t->owner = c->owner;
    set_credentials(t, c);
    t->subscriber = c->subscriber;
    t->dtls_client = c->dtls_client;
    t->has_fp = c->has_fingerprint;
    memcpy(t->fp, c->remote_fp, sizeof(t->fp));
    t->max_bitrate_bps = c->max_bitrate_bps;
    t->selected = -1;
    t->created_ms = w->now_ms;
    t->last_consent_ms = w->now_ms;
    t->first_sub = RS_WK_NONE;
    t->rtcp_ssrc = rs_random_u32() | 1;
    t->next_rtcp_ms = w->now_ms + 500;
    if (c->tid > w->max_tid)
        w->max_tid = c->tid;
    if (c->sink)
        sink_start(w, t, c->sink_fd);
    else if (c->uplink)
        uplink_start(w, t, c);
    t->cascade = c->cascade;
    rs_metric_inc(RS_M_TRANSPORTS);
}

static void on_dtls(struct rs_wk *w, struct rs_wk_transport *t, const uint8_t *buf, size_t len,
                    const struct rs_wk_addr *from);

void rs_wk__transport_dtls(struct rs_wk *w, const struct rs_cmd_transport *c)
{
    struct rs_wk_transport *t = rs_wk__transport(w, c->tid);
    if (!t || t->dtls || t->sink)
        return; /* DTLS already running: the fingerprint cannot change mid-session */
    t->has_fp = c->has_fingerprint;
    memcpy(t->fp, c->remote_fp, sizeof(t->fp));
    t->dtls_client = c->dtls_client;
    struct rs_wk_early_dtls *e = t->early_dtls;
    if (e && t->has_fp) { /* the peer's first flight came first: answer it now */
        t->early_dtls = NULL;
        on_dtls(w, t, e->data, e->len, &e->from);
        free(e);
    }
}

void rs_wk__transport_ice(struct rs_wk *w, const struct rs_cmd_transport *c)
{
    struct rs_wk_transport *t = rs_wk__transport(w, c->tid);
    if (!t || t->sink)
        return;
    set_credentials(t, c);
    t->last_consent_ms = w->now_ms; /* give the new checks time to arrive */
}

void rs_wk__transport_remove(struct rs_wk *w, uint32_t tid)
{
    struct rs_wk_transport *t = rs_wk__transport(w, tid);
    if (!t)
        return;
    rs_wk__router_transport_gone(w, t);
    forget_addresses(w, t);
    if (t->dtls)
        rs_dtls_free(t->dtls);
    free(t->early_dtls);
    if (t->srtp_ready)
        rs_srtp_free(&t->srtp);
    if (t->sink) {
        sink_unpoll(w, t);
        close(t->sink_fd); /* the recorder reads EOF */
        RS_INFO("worker", "event=sink_removed tid=%u", tid);
    }
    memset(t, 0, sizeof(*t));
    t->state = WK_T_FREE;
    rs_metric_dec(RS_M_TRANSPORTS);
}

void rs_wk__transport_fail(struct rs_wk *w, struct rs_wk_transport *t, int reason)
{
    if (t->state == WK_T_FAILED)
        return;
    RS_INFO("worker", "event=transport_failed tid=%u reason=%d", t->tid, reason);
    t->state = WK_T_FAILED;
    forget_addresses(w, t);
    if (reason == RS_FAIL_DTLS || reason == RS_FAIL_FINGERPRINT)
        rs_metric_inc(RS_M_DTLS_FAILURES);
    if (reason == RS_FAIL_FINGERPRINT)
        rs_metric_inc(RS_M_DTLS_FINGERPRINT_MISMATCH);
    struct rs_event ev = {.type = RS_EV_TRANSPORT_FAILED, .tid = t->tid, .owner = t->owner,
                          .reason = reason};
    rs_wk__event(w, &ev);
}

/* ---- sending ---- */

static const struct rs_wk_addr *peer(struct rs_wk_transport *t)
{
    return t->selected >= 0 ? &t->addrs[t->selected] : NULL;
}

/* One packet to a sink's recorder, in the clear. Never blocks: a full socket drops it (counted
 * as the feed's drop); any other error fails the sink once (its recorder is gone). */
static int sink_send(struct rs_wk *w, struct rs_wk_transport *t, const uint8_t *data, size_t len)
{
    if (t->state != WK_T_CONNECTED) {
        rs_metric_drop(RS_DROP_NOT_CONNECTED);
        return -ENOTCONN;
    }
    if (send(t->sink_fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
        w->ctr.feed_packets++;
        return 0;
    }
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR) {
        w->ctr.feed_dropped++;
        return -e;
    }
    rs_metric_drop(RS_DROP_SEND_FAILED);
    RS_WARN("worker", "event=sink_send_failed tid=%u errno=%d", t->tid, e);
    sink_unpoll(w, t);
    rs_wk__transport_fail(w, t, RS_FAIL_SINK);
    return -e;
}

int rs_wk__send_rtp(struct rs_wk *w, struct rs_wk_transport *t, struct rs_wk_out *o, size_t len)
{
    if (t->sink)
        return sink_send(w, t, o->data, len);
    const struct rs_wk_addr *to = peer(t);
    if (!t->srtp_ready || !to || t->state != WK_T_CONNECTED) {
        rs_metric_drop(RS_DROP_NOT_CONNECTED);
        return -ENOTCONN;
    }
    int rc = rs_srtp_protect_rtp(&t->srtp, o->data, &len, sizeof(o->data));
    if (rc) {
        rs_metric_drop(rc == RS_SRTP_ERR_SSRC_FULL ? RS_DROP_SRTP_SSRC_LIMIT : RS_DROP_SEND_FAILED);
        return rc;
    }
    w->ctr.rtp_out++;
    w->ctr.rtp_out_bytes += len;
    if (t->cascade) {
        w->ctr.cascade_out++;
        w->ctr.cascade_out_bytes += len;
    }
    rs_wk__out_commit(w, o, to, len);
    return 0;
}

int rs_wk__send_rtcp(struct rs_wk *w, struct rs_wk_transport *t, struct rs_wk_out *o, size_t len)
{
    if (t->sink)
        return sink_send(w, t, o->data, len);
    const struct rs_wk_addr *to = peer(t);
    if (!t->srtp_ready || !to || t->state != WK_T_CONNECTED)
        return -ENOTCONN;
    int rc = rs_srtp_protect_rtcp(&t->srtp, o->data, &len, sizeof(o->data));
    if (rc) {
        rs_metric_drop(RS_DROP_SEND_FAILED);
        return rc;
    }
    w->ctr.rtcp_out++;
    rs_wk__out_commit(w, o, to, len);
    return 0;
}

/* ---- DTLS ---- */

static void dtls_pump(struct rs_wk *w, struct rs_wk_transport *t, const struct rs_wk_addr *to)
{
    for (;;) {
        struct rs_wk_out *o = rs_wk__out_slot(w);
        size_t len;
        if (rs_dtls_next_out(t->dtls, o->data, sizeof(o->data), &len))
            break;
        rs_wk__out_commit(w, o, to, len);
    }
}

static void dtls_check(struct rs_wk *w, struct rs_wk_transport *t)
{
    enum rs_dtls_state st = rs_dtls_state(t->dtls);
    if (st == RS_DTLS_CONNECTED && !t->srtp_ready) {
        struct rs_srtp_keys keys;
        /* Compact first: the SRTP contexts then reuse the memory the SSL object held. */
        if (rs_dtls_srtp_keys(t->dtls, &keys) || rs_dtls_compact(t->dtls) ||
            rs_srtp_init(&t->srtp, &keys)) {
            memset(&keys, 0, sizeof(keys));
            rs_wk__transport_fail(w, t, RS_FAIL_DTLS);
            return;
        }
        bool gcm = keys.profile == RS_SRTP_AEAD_AES_128_GCM;
        memset(&keys, 0, sizeof(keys));
        t->srtp_ready = true;
        t->state = WK_T_CONNECTED;
        t->connected_ms = w->now_ms;
        rs_metric_inc(RS_M_DTLS_HANDSHAKES);
        rs_metric_inc(gcm ? RS_M_SRTP_SESSIONS_GCM : RS_M_SRTP_SESSIONS_CM);
        RS_INFO("worker", "event=transport_connected tid=%u subscriber=%d srtp=%s", t->tid,
                t->subscriber, gcm ? "aead_aes_128_gcm" : "aes_cm_128_hmac_sha1_80");
        struct rs_event ev = {.type = RS_EV_TRANSPORT_CONNECTED, .tid = t->tid,
                              .owner = t->owner};
        rs_wk__event(w, &ev);
    } else if (st == RS_DTLS_FAILED) {
        RS_INFO("worker", "event=dtls_failed tid=%u error=%s", t->tid,
                rs_dtls_error_name(rs_dtls_error(t->dtls)));
        rs_wk__transport_fail(w, t,
                              rs_dtls_error(t->dtls) == RS_DTLS_ERR_FINGERPRINT
                                  ? RS_FAIL_FINGERPRINT
                                  : RS_FAIL_DTLS);
    }
}

static int dtls_ensure(struct rs_wk *w, struct rs_wk_transport *t)
{
    if (t->dtls)
        return 0;
    if (t->dtls_retired)
        return -EALREADY;
    if (!t->has_fp)
        return -EAGAIN; /* the peer's SDP answer has not arrived yet; it will retransmit */
    t->dtls = rs_dtls_new(w->dtls, t->dtls_client ? RS_DTLS_CLIENT : RS_DTLS_SERVER, t->fp);
    if (!t->dtls)
        return -ENOMEM;
    t->state = WK_T_DTLS;
    if (t->dtls_client) {
        rs_dtls_start(t->dtls);
        if (peer(t))
            dtls_pump(w, t, peer(t));
    }
    uint64_t next;
    rs_dtls_poll_timeout(t->dtls, w->now_ms, &next);
    t->dtls_timer_ms = next;
    return 0;
}

/* DTLS record framing (RFC 6347 4.1): every record in the datagram has a known content type,
 * a DTLS version and a length that fits. Datagrams that fail this never reach OpenSSL. */
static bool dtls_framing_ok(const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        if (len - off < 13)
            return false;
        uint8_t type = buf[off];
        size_t rlen = (size_t)buf[off + 11] << 8 | buf[off + 12];
        if (type < 20 || type > 24 || buf[off + 1] != 0xFE || rlen > len - off - 13)
            return false;
        off += 13 + rlen;
    }
    return len > 0;
}

static void on_dtls(struct rs_wk *w, struct rs_wk_transport *t, const uint8_t *buf, size_t len,
                    const struct rs_wk_addr *from)
{
    if (t->dtls_retired)
        return; /* a late retransmission or close_notify: the session is keyed, nothing to do */
    int rc_ensure = -EINVAL;
    if (!dtls_framing_ok(buf, len) || t->state == WK_T_FAILED ||
        (rc_ensure = dtls_ensure(w, t)) != 0) {
        if (rc_ensure == -EAGAIN && len <= RS_WK_PKT_MAX) {
            /* no fingerprint yet: keep the latest such datagram (a retransmission replaces
             * it) until the SDP answer arrives; not a drop */
            if (!t->early_dtls)
                t->early_dtls = malloc(sizeof(*t->early_dtls));
            if (t->early_dtls) {
                t->early_dtls->from = *from;
                t->early_dtls->len = len;
                memcpy(t->early_dtls->data, buf, len);
                return;
            }
        }
        rs_metric_drop(RS_DROP_BAD_DTLS);
        return;
    }
    uint64_t ignored = rs_dtls_stats(t->dtls)->dgrams_ignored;
    int rc = rs_dtls_handle(t->dtls, buf, len);
    dtls_pump(w, t, from);
    if (rc == -EPIPE || rs_dtls_stats(t->dtls)->dgrams_ignored != ignored) {
        rs_metric_drop(RS_DROP_BAD_DTLS);
        if (rc == -EPIPE)
            return;
    }
    uint64_t next;
    rs_dtls_poll_timeout(t->dtls, w->now_ms, &next);
    t->dtls_timer_ms = next;
    dtls_check(w, t);
}

/* ---- STUN ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void on_stun(struct rs_wk *w, const uint8_t *buf, size_t len, const struct rs_wk_addr *from)
{
    struct rs_stun_msg msg;
    if (rs_stun_parse(buf, len, &msg)) {
        rs_metric_drop(RS_DROP_BAD_STUN);
        return;
    }
    if (msg.type == RS_STUN_BINDING_SUCCESS || msg.type == RS_STUN_BINDING_ERROR) {
        uplink_response(w, &msg, from); /* only an uplink sends requests */
        return;
    }
    if (msg.type != RS_STUN_BINDING_REQUEST) {
        if (msg.type != RS_STUN_BINDING_INDICATION)
            rs_metric_drop(RS_DROP_BAD_STUN);
        return; /* indications are keep-alives: nothing to answer */
    }
    unsigned need = RS_STUN_HAS_USERNAME | RS_STUN_HAS_INTEGRITY | RS_STUN_HAS_FINGERPRINT;
    if ((msg.present & need) != need || msg.username_len < 5 || msg.n_unknown) {
        rs_metric_drop(RS_DROP_BAD_STUN);
        return;
    }
    /* USERNAME = "<our ufrag>:<their ufrag>"; our ufrag begins with the tid in hex */
    const char *u = (const char *)msg.username;
    uint32_t tid = 0;
    for (int i = 0; i < 4; i++) {
        int v = hexval(u[i]);
        if (v < 0) {
            rs_metric_drop(RS_DROP_STUN_AUTH);
            return;
        }
        tid = tid << 4 | (uint32_t)v;
    }
    struct rs_wk_transport *t = rs_wk__transport(w, tid);
    if (t && t->sink)
        t = NULL; /* a sink has no ICE: nobody on the network may claim it */
    size_t ul = t ? strlen(t->ufrag) : 0;
    if (!t || msg.username_len <= ul || memcmp(u, t->ufrag, ul) != 0 || u[ul] != ':') {
        rs_metric_drop(RS_DROP_STUN_AUTH);
        return;
    }
    if (!rate_ok(w, t, true))
        return;
    if (rs_stun_check_fingerprint(&msg)) {
        rs_metric_drop(RS_DROP_BAD_STUN);
        return;
    }
    if (rs_stun_check_integrity(&msg, (const uint8_t *)t->pwd, t->pwd_len)) {
        rs_metric_drop(RS_DROP_STUN_AUTH);
        return;
    }
    rs_metric_inc(RS_M_STUN_REQUESTS);
    t->last_consent_ms = w->now_ms;

    int idx = -1;
    for (unsigned i = 0; i < t->n_addrs; i++)
        if (addr_eq(&t->addrs[i], from))
            idx = (int)i;
    if (idx < 0) {
        if (t->n_addrs < RS_WK_ADDRS) {
            idx = (int)t->n_addrs++;
        } else {
            idx = t->selected == 0 ? 1 : 0; /* replace a non-selected one */
            addr_map_del(w, &t->addrs[idx]);
        }
        t->addrs[idx] = *from;
        addr_map_put(w, from, t->tid);
    }
    if ((msg.present & RS_STUN_HAS_USE_CANDIDATE) || t->selected < 0)
        t->selected = idx;
    if (t->state == WK_T_FAILED && t->srtp_ready &&
        (t->dtls_retired || (t->dtls && rs_dtls_state(t->dtls) == RS_DTLS_CONNECTED)))
        t->state = WK_T_CONNECTED; /* consent is back (e.g. after an ICE restart) */

    struct rs_wk_out *o = rs_wk__out_slot(w);
    size_t out_len;
    /* over ICE-TCP the mapped address is the connection's peer, not our stand-in for it */
    const struct sockaddr_storage *mapped = rs_wk__tcp_peer(w, from);
    if (rs_stun_build_binding_success(o->data, sizeof(o->data), msg.txid,
                                      mapped ? mapped : &from->ss,
                                      (const uint8_t *)t->pwd, t->pwd_len, &out_len) == 0)
        rs_wk__out_commit(w, o, from, out_len);
    if (t->state == WK_T_NEW && t->has_fp && t->dtls_client)
        dtls_ensure(w, t);
}

void rs_wk__on_datagram(struct rs_wk *w, uint8_t *buf, size_t len, const struct rs_wk_addr *from)
{
    enum rs_pkt_kind kind = rs_demux(buf, len);
    if (kind == RS_PKT_STUN) {
        on_stun(w, buf, len, from);
        return;
    }
    struct rs_wk_transport *t = addr_lookup(w, from);
    if (!t) {
        rs_metric_drop(RS_DROP_UNKNOWN_ADDRESS);
        return;
    }
    if (!rate_ok(w, t, false))
        return;
    switch (kind) {
    case RS_PKT_DTLS:
        on_dtls(w, t, buf, len, from);
        return;
    case RS_PKT_RTP:
    case RS_PKT_RTCP: {
        if (!t->srtp_ready || t->state != WK_T_CONNECTED) {
            rs_metric_drop(RS_DROP_NOT_CONNECTED);
            return;
        }
        int rc = kind == RS_PKT_RTP ? rs_srtp_unprotect_rtp(&t->srtp, buf, &len)
                                    : rs_srtp_unprotect_rtcp(&t->srtp, buf, &len);
        if (rc == RS_SRTP_ERR_SSRC_FULL) {
            rs_metric_drop(RS_DROP_SRTP_SSRC_LIMIT);
            return;
        }
        if (rc) {
            enum rs_srtp_drop why = rs_srtp_drop_reason(rc);
            rs_metric_drop(why == RS_SRTP_DROP_REPLAY || why == RS_SRTP_DROP_REPLAY_OLD
                               ? RS_DROP_SRTP_REPLAY
                           : why == RS_SRTP_DROP_AUTH ? RS_DROP_SRTP_AUTH
                                                      : RS_DROP_TRUNCATED);
            return;
        }
        if (kind == RS_PKT_RTP) {
            w->ctr.rtp_in++;
            w->ctr.rtp_in_bytes += len;
            if (t->uplink) {
                w->ctr.cascade_in++;
                w->ctr.cascade_in_bytes += len;
            }
            rs_wk__on_rtp(w, t, buf, len);
        } else {
            w->ctr.rtcp_in++;
            rs_wk__on_rtcp(w, t, buf, len);
        }
        return;
    }
    default:
        rs_metric_drop(RS_DROP_UNKNOWN_KIND);
    }
}

void rs_wk__transport_timers(struct rs_wk *w)
{
    for (uint32_t tid = 1; tid <= w->max_tid && tid < RS_SFU_MAX_TRANSPORTS; tid++) {
        struct rs_wk_transport *t = &w->transports[tid];
        if (t->state == WK_T_FREE || t->state == WK_T_FAILED || t->sink)
            continue; /* a sink has no DTLS and no consent to expire */
        if (t->uplink && w->now_ms >= t->next_check_ms) {
            uplink_check(w, t);
            t->next_check_ms =
                w->now_ms + (t->uplink_answered ? UPLINK_CONSENT_MS : UPLINK_CHECK_MS);
        }
        if (t->uplink && !t->uplink_answered && w->now_ms - t->created_ms > 15000) {
            rs_wk__transport_fail(w, t, RS_FAIL_ICE_TIMEOUT); /* no answer at all */
            continue;
        }
        if (t->dtls && t->state == WK_T_DTLS && w->now_ms >= t->dtls_timer_ms) {
            uint64_t next;
            rs_dtls_poll_timeout(t->dtls, w->now_ms, &next);
            t->dtls_timer_ms = next;
            if (peer(t))
                dtls_pump(w, t, peer(t));
            dtls_check(w, t);
        }
        if (t->state != WK_T_NEW && w->now_ms - t->last_consent_ms > RS_CONSENT_MS)
            rs_wk__transport_fail(w, t, RS_FAIL_ICE_TIMEOUT);
        if (t->dtls && t->state == WK_T_CONNECTED && w->now_ms - t->connected_ms > RS_DTLS_RETIRE_MS) {
            rs_dtls_free(t->dtls);
            t->dtls = NULL;
            t->dtls_retired = true;
        }
    }
}

/* ---- sink input ---- */

#define SINK_READ_BATCH 64

void rs_wk__sink_readable(struct rs_wk *w, uint32_t tid)
{
    struct rs_wk_transport *t = rs_wk__transport(w, tid);
    if (!t || !t->sink)
        return;
    uint8_t buf[RS_WK_PKT_MAX];
    for (int i = 0; i < SINK_READ_BATCH; i++) {
        ssize_t n = recv(t->sink_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) { /* EOF: the recorder closed its end (or the socket broke) */
            RS_INFO("worker", "event=sink_closed tid=%u errno=%d", tid, n < 0 ? errno : 0);
            sink_unpoll(w, t);
            rs_wk__transport_fail(w, t, RS_FAIL_SINK);
            return;
        }
        if ((size_t)n > sizeof(buf)) {
            rs_metric_drop(RS_DROP_TOO_LARGE);
            continue;
        }
        if (rs_demux(buf, (size_t)n) != RS_PKT_RTCP) {
            rs_metric_drop(RS_DROP_BAD_RTCP); /* only RTCP is expected back */
            continue;
        }
        rs_wk__on_rtcp(w, t, buf, (size_t)n);
    }
}
