/* SPDX-License-Identifier: EUPL-1.2 */
/* ICE-TCP on the worker (sfu/ice_tcp.c), in-process over a socketpair: a framed binding request
 * (split across writes) binds the connection to its transport and is answered framed, with the
 * peer's real address mapped; the transport then sends over the connection. An unknown ufrag, an
 * oversize frame and a frame after the transport went away close the connection (bad_frame); an
 * unbound connection times out (idle); a peer that does not read fills the bounded buffer and
 * packets are dropped (buffer_full), small ones last; too many unbound connections are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "rtc/framing.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/ice_tcp.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

static struct rs_wk *w;
static struct rs_queue *events;
static const char *PWD = "transportpassword0007xyz";

static int setup(void **state)
{
    (void)state;
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    events = rs_queue_new(sizeof(struct rs_event), 64, 0);
    w = rs_wk__new(NULL, NULL, events);
    if (!w)
        return -1;
    w->now_ms = 1000000;
    struct rs_cmd_transport t = {.tid = 7, .has_fingerprint = 1, .owner = 7};
    snprintf(t.ufrag, sizeof(t.ufrag), "0007abcd");
    snprintf(t.pwd, sizeof(t.pwd), "%s", PWD);
    rs_wk__transport_add(w, &t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rs_wk__free(w);
    rs_queue_free(events);
    return 0;
}

/* A connection from 192.0.2.7:5555 adopted by the worker; returns our end, *slot its slot. */
static int connect_peer(int *slot)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct rs_wk_addr a = wk_inproc_addr("192.0.2.7", 5555);
    *slot = rs_wk__tcp_adopt(w, sv[0], &a.ss, a.len);
    assert_true(*slot >= 0);
    return sv[1];
}

static size_t request(uint8_t *out, const char *user, const char *pwd)
{
    struct rs_stun_binding_request req = {.username = user, .username_len = strlen(user),
                                          .priority = 1, .controlling = true,
                                          .use_candidate = true};
    uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    size_t len;
    assert_int_equal(rs_stun_build_binding_request(out + 2, 510, txid, &req, (const uint8_t *)pwd,
                                                   strlen(pwd), &len),
                     0);
    rs_framing_header(out, len);
    return len + 2;
}

/* Writes `len` bytes on our end and lets the worker read them and flush. */
static void feed(int fd, int slot, const void *buf, size_t len)
{
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    rs_wk__tcp_event(w, (uint32_t)slot, EPOLLIN);
    rs_wk__flush(w);
}

static bool closed_by_worker(int fd)
{
    uint8_t b[4096];
    for (;;) {
        ssize_t n = read(fd, b, sizeof(b));
        if (n == 0)
            return true;
        if (n < 0)
            return false;
    }
}

struct frames {
    unsigned n;
    uint8_t first[RS_FRAMING_MAX_CAP];
    size_t first_len;
};

static int take(void *arg, uint8_t *frame, size_t len)
{
    struct frames *f = arg;
    if (f->n++ == 0) {
        memcpy(f->first, frame, len);
        f->first_len = len;
    }
    return 0;
}

/* Reads what the worker sent, as frames. */
static void read_frames(int fd, struct frames *out)
{
    static struct rs_framing p;
    rs_framing_init(&p, RS_FRAMING_MAX_CAP);
    memset(out, 0, sizeof(*out));
    uint8_t b[8192];
    ssize_t n;
    while ((n = read(fd, b, sizeof(b))) > 0)
        assert_int_equal(rs_framing_feed(&p, b, (size_t)n, take, out), 0);
}

static void test_binding_request_binds_and_is_answered(void **state)
{
    (void)state;
    int slot, fd = connect_peer(&slot);
    uint8_t req[512];
    size_t len = request(req, "0007abcd:peer", PWD);
    uint64_t bound_before = rs_metric_get(RS_M_STUN_REQUESTS);
    feed(fd, slot, req, 5); /* a frame split across reads */
    assert_int_equal(rs_metric_get(RS_M_STUN_REQUESTS), bound_before);
    feed(fd, slot, req + 5, len - 5);
    assert_int_equal(rs_metric_get(RS_M_STUN_REQUESTS), bound_before + 1);

    struct frames got;
    read_frames(fd, &got);
    assert_int_equal(got.n, 1);
    struct rs_stun_msg msg;
    assert_int_equal(rs_stun_parse(got.first, got.first_len, &msg), 0);
    assert_int_equal(msg.type, RS_STUN_BINDING_SUCCESS);
    assert_int_equal(rs_stun_check_integrity(&msg, (const uint8_t *)PWD, strlen(PWD)), 0);
    struct rs_wk_addr want = wk_inproc_addr("192.0.2.7", 5555); /* the peer, not the stand-in */
    assert_memory_equal(&msg.xor_mapped, &want.ss, sizeof(struct sockaddr_in));

    /* the transport now sends over the connection (its selected address) */
    struct rs_wk_transport *t = rs_wk__transport(w, 7);
    assert_true(t->selected >= 0 && rs_wk__addr_is_tcp(&t->addrs[t->selected]));
    struct rs_wk_out *o = rs_wk__out_slot(w);
    memset(o->data, 0x80, 100);
    rs_wk__out_commit(w, o, &t->addrs[t->selected], 100);
    assert_int_equal(w->n_out, 0); /* not in the UDP batch */
    rs_wk__flush(w);
    read_frames(fd, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.first_len, 100);

    /* the peer closes: the transport forgets the address */
    close(fd);
    rs_wk__tcp_event(w, (uint32_t)slot, EPOLLIN);
    assert_int_equal(t->selected, -1);
    assert_int_equal(t->n_addrs, 0);
    assert_null(w->tcp[slot]);
}

static void test_unknown_ufrag_closes(void **state)
{
    (void)state;
    uint64_t bad = rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME);
    uint64_t auth = rs_metric_drop_get(RS_DROP_STUN_AUTH);
    int slot, fd = connect_peer(&slot);
    uint8_t req[512];
    size_t len = request(req, "0007zzzz:peer", PWD);
    feed(fd, slot, req, len);
    assert_true(closed_by_worker(fd));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME), bad + 1);
    assert_int_equal(rs_metric_drop_get(RS_DROP_STUN_AUTH), auth + 1);
    assert_null(w->tcp[slot]);
    assert_int_equal(w->tcp_unbound, 0);
    close(fd);

    /* the right ufrag with a wrong password: the same */
    fd = connect_peer(&slot);
    len = request(req, "0007abcd:peer", "not-the-password-of-it");
    feed(fd, slot, req, len);
    assert_true(closed_by_worker(fd));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME), bad + 2);
    close(fd);

    /* media before any binding request */
    fd = connect_peer(&slot);
    uint8_t rtp[22] = {0, 20, 0x80, 96, 0, 1};
    feed(fd, slot, rtp, sizeof(rtp));
    assert_true(closed_by_worker(fd));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME), bad + 3);
    close(fd);
}

static void test_oversize_and_zero_close(void **state)
{
    (void)state;
    uint64_t bad = rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME);
    int slot, fd = connect_peer(&slot);
    uint8_t hdr[2] = {0x05, 0xDD}; /* 1501 */
    feed(fd, slot, hdr, 2);
    assert_true(closed_by_worker(fd));
    close(fd);
    fd = connect_peer(&slot);
    uint8_t zero[2] = {0, 0};
    feed(fd, slot, zero, 2);
    assert_true(closed_by_worker(fd));
    close(fd);
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME), bad + 2);
}

static void test_transport_gone_closes_at_next_frame(void **state)
{
    (void)state;
    int slot, fd = connect_peer(&slot);
    uint8_t req[512];
    size_t len = request(req, "0007abcd:peer", PWD);
    feed(fd, slot, req, len);
    assert_non_null(w->tcp[slot]);
    assert_int_equal(w->tcp_unbound, 0);
    rs_wk__transport_remove(w, 7);
    uint64_t bad = rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME);
    feed(fd, slot, req, len); /* the consent check of a transport that is gone */
    assert_true(closed_by_worker(fd));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BAD_FRAME), bad + 1);
    assert_int_equal(w->tcp_unbound, 0);
    close(fd);
}

static void test_idle_unbound_times_out(void **state)
{
    (void)state;
    uint64_t idle = rs_metric_get(RS_M_ICE_TCP_DROPPED_IDLE);
    int slot, fd = connect_peer(&slot);
    w->now_ms += RS_WK_TCP_UNBOUND_MS / 2;
    rs_wk__tcp_timers(w);
    assert_non_null(w->tcp[slot]);
    w->now_ms += RS_WK_TCP_UNBOUND_MS;
    rs_wk__tcp_timers(w);
    assert_null(w->tcp[slot]);
    assert_true(closed_by_worker(fd));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_IDLE), idle + 1);
    close(fd);
}

static void test_full_buffer_drops_never_blocks(void **state)
{
    (void)state;
    int slot, fd = connect_peer(&slot);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    uint8_t req[512];
    size_t len = request(req, "0007abcd:peer", PWD);
    feed(fd, slot, req, len);
    struct rs_wk_transport *t = rs_wk__transport(w, 7);
    const struct rs_wk_addr *to = &t->addrs[t->selected];
    uint64_t full = rs_metric_get(RS_M_ICE_TCP_DROPPED_BUFFER_FULL);
    uint8_t big[1200], tiny[100];
    memset(big, 0x80, sizeof(big));
    memset(tiny, 0x80, sizeof(tiny));
    for (int i = 0; i < 2000; i++) { /* 2.4 MB to a peer that reads nothing */
        rs_wk__tcp_queue(w, to, big, sizeof(big));
        if (i % 50 == 0)
            rs_wk__flush(w);
    }
    uint64_t dropped = rs_metric_get(RS_M_ICE_TCP_DROPPED_BUFFER_FULL) - full;
    assert_true(dropped > 1000);
    /* over three quarters full: large packets no longer get in, small ones still do */
    full = rs_metric_get(RS_M_ICE_TCP_DROPPED_BUFFER_FULL);
    rs_wk__tcp_queue(w, to, big, sizeof(big));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BUFFER_FULL), full + 1);
    rs_wk__tcp_queue(w, to, tiny, sizeof(tiny));
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_BUFFER_FULL), full + 1);
    /* what did get in arrives whole, in frames, once the peer reads */
    unsigned total = 0;
    for (int round = 0; round < 200; round++) {
        rs_wk__flush(w);
        rs_wk__tcp_event(w, (uint32_t)slot, EPOLLOUT);
        uint8_t b[65536];
        while (read(fd, b, sizeof(b)) > 0)
            total++;
    }
    assert_true(total > 0);
    close(fd);
    rs_wk__tcp_event(w, (uint32_t)slot, EPOLLIN);
}

static void test_unbound_connections_are_limited(void **state)
{
    (void)state;
    int fds[RS_WK_TCP_UNBOUND_MAX];
    int slot;
    for (int i = 0; i < RS_WK_TCP_UNBOUND_MAX; i++)
        fds[i] = connect_peer(&slot);
    uint64_t limit = rs_metric_get(RS_M_ICE_TCP_DROPPED_LIMIT);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct rs_wk_addr a = wk_inproc_addr("192.0.2.8", 5555);
    assert_true(rs_wk__tcp_adopt(w, sv[0], &a.ss, a.len) < 0);
    assert_int_equal(rs_metric_get(RS_M_ICE_TCP_DROPPED_LIMIT), limit + 1);
    assert_true(closed_by_worker(sv[1]));
    close(sv[1]);
    for (int i = 0; i < RS_WK_TCP_UNBOUND_MAX; i++)
        close(fds[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binding_request_binds_and_is_answered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ufrag_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_and_zero_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_gone_closes_at_next_frame, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idle_unbound_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_buffer_drops_never_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbound_connections_are_limited, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
