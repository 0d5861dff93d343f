/* SPDX-License-Identifier: EUPL-1.2 */
/* The worker's send batch over real UDP on 127.0.0.1: with UDP GSO, packets to one peer are
 * grouped and runs of equal size leave as one datagram the kernel segments; every receiver must
 * still get exactly its packets, byte for byte and in the order they were queued. Without GSO
 * (udp_gso = off, or a kernel without UDP_SEGMENT) each packet is its own datagram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

#define N_PEERS 3

struct fixture {
    struct rs_wk *w;
    int rx[N_PEERS];
    struct rs_wk_addr to[N_PEERS];
    uint8_t next_tag[N_PEERS]; /* tag byte of the next packet each peer expects */
};

static int bound_socket(struct rs_wk_addr *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    *a = wk_inproc_addr("127.0.0.1", 0);
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    if (bind(fd, (struct sockaddr *)&a->ss, a->len) ||
        getsockname(fd, (struct sockaddr *)&a->ss, &a->len)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->w = rs_wk__new(NULL, NULL, NULL);
    if (!f->w)
        return -1;
    struct rs_wk_addr self;
    f->w->fd = bound_socket(&self);
    for (int i = 0; i < N_PEERS; i++)
        f->rx[i] = bound_socket(&f->to[i]);
    int zero = 0;
    f->w->gso = setsockopt(f->w->fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero)) == 0;
    *state = f;
    return f->w->fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < N_PEERS; i++)
        close(f->rx[i]);
    rs_wk__free(f->w); /* closes w->fd */
    free(f);
    return 0;
}

/* Queues a packet of `len` bytes to peer `p`: its bytes are the peer's running tag, so the
 * receiver can check order and content. */
static void queue(struct fixture *f, int p, size_t len)
{
    struct rs_wk_out *o = rs_wk__out_slot(f->w);
    memset(o->data, f->next_tag[p]++, len);
    o->data[0] = (uint8_t)p;
    rs_wk__out_commit(f->w, o, &f->to[p], len);
}

/* Receives everything peer `p` got and checks it is exactly `n` packets of the sizes in `lens`,
 * in order, with the right bytes. */
static void expect(struct fixture *f, int p, const size_t *lens, int n, uint8_t first_tag)
{
    uint8_t buf[2048];
    for (int i = 0; i < n; i++) {
        struct pollfd pfd = {.fd = f->rx[p], .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 1000), 1);
        ssize_t got = recv(f->rx[p], buf, sizeof(buf), 0);
        assert_int_equal(got, (ssize_t)lens[i]);
        assert_int_equal(buf[0], p);
        uint8_t tag = (uint8_t)(first_tag + i);
        for (ssize_t k = 1; k < got; k++)
            if (buf[k] != tag)
                fail_msg("peer %d packet %d byte %zd: %u, want %u", p, i, k, buf[k], tag);
    }
    assert_true(recv(f->rx[p], buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
}

static void test_grouped_runs_arrive_in_order(void **state)
{
    struct fixture *f = *state;
    if (!f->w->gso)
        skip(); /* kernel without UDP_SEGMENT: the plain path is tested below */
    uint64_t sends0 = rs_metric_get(RS_M_UDP_SENDS);
    uint64_t segs0 = rs_metric_get(RS_M_UDP_GSO_SEGMENTS);
    /* Fan-out order (packet-major), as the router queues it: peer 0 gets 5 × 1000 then 400
     * (one datagram); peer 1 gets 1000, 1200, 900 (a larger packet ends a run, a shorter one
     * may close it: 2 datagrams); peer 2 gets 1450-byte packets (too large to segment: 3). */
    size_t l0[] = {1000, 1000, 1000, 1000, 1000, 400};
    size_t l1[] = {1000, 1200, 900};
    size_t l2[] = {1450, 1450, 1450};
    for (int i = 0; i < 6; i++) {
        queue(f, 0, l0[i]);
        if (i < 3) {
            queue(f, 1, l1[i]);
            queue(f, 2, l2[i]);
        }
    }
    rs_wk__flush(f->w);
    assert_int_equal(f->w->n_out, 0);
    expect(f, 0, l0, 6, 0);
    expect(f, 1, l1, 3, 0);
    expect(f, 2, l2, 3, 0);
    assert_int_equal(rs_metric_get(RS_M_UDP_SENDS) - sends0, 1 + 2 + 3);
    assert_int_equal(rs_metric_get(RS_M_UDP_GSO_SEGMENTS) - segs0, 6 + 2);
    assert_int_equal(rs_metric_drop_get(RS_DROP_SEND_FAILED), 0);
}

static void test_run_split_at_segment_limit(void **state)
{
    struct fixture *f = *state;
    if (!f->w->gso)
        skip();
    uint64_t sends0 = rs_metric_get(RS_M_UDP_SENDS);
    /* 70 equal packets: 64 is the most one datagram carries (and 64 × 900 < 60,000 bytes). */
    size_t lens[70];
    for (int i = 0; i < 70; i++) {
        lens[i] = 900;
        queue(f, 1, 900);
    }
    rs_wk__flush(f->w);
    expect(f, 1, lens, 70, 0);
    assert_int_equal(rs_metric_get(RS_M_UDP_SENDS) - sends0, 2);
}

static void test_without_gso_one_datagram_per_packet(void **state)
{
    struct fixture *f = *state;
    f->w->gso = false;
    uint64_t sends0 = rs_metric_get(RS_M_UDP_SENDS);
    uint64_t segs0 = rs_metric_get(RS_M_UDP_GSO_SEGMENTS);
    size_t lens[4] = {1000, 1000, 1000, 300};
    for (int i = 0; i < 4; i++) {
        queue(f, 0, lens[i]);
        queue(f, 2, lens[i]);
    }
    rs_wk__flush(f->w);
    expect(f, 0, lens, 4, 0);
    expect(f, 2, lens, 4, 0);
    assert_int_equal(rs_metric_get(RS_M_UDP_SENDS) - sends0, 8);
    assert_int_equal(rs_metric_get(RS_M_UDP_GSO_SEGMENTS) - segs0, 0);
}

static void test_full_batch_flushes_and_keeps_order(void **state)
{
    struct fixture *f = *state;
    /* More packets than one batch holds: the batch is flushed when full, nothing is lost and
     * each peer's order holds across the two flushes. */
    int n = RS_WK_SEND_BATCH + 100;
    size_t *lens = calloc((size_t)n, sizeof(*lens));
    assert_non_null(lens);
    for (int i = 0; i < n; i++) {
        lens[i] = 200 + (size_t)(i % 3) * 100;
        queue(f, 0, lens[i]);
    }
    rs_wk__flush(f->w);
    expect(f, 0, lens, n, 0);
    free(lens);
}

/* The kernel refuses a GSO datagram (here: UDP checksums turned off on the socket, which
 * makes Linux answer EINVAL to UDP_SEGMENT; on real paths a device without checksum offload
 * gives EIO): the refused datagram's packets go out one by one, in order, and the worker
 * sends plain datagrams from then on. Nothing is lost or counted as a drop. */
static void test_gso_refused_falls_back(void **state)
{
    struct fixture *f = *state;
    if (!f->w->gso)
        skip();
    int one = 1;
    assert_int_equal(setsockopt(f->w->fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
    uint64_t drops0 = rs_metric_drop_get(RS_DROP_SEND_FAILED);
    uint64_t sends0 = rs_metric_get(RS_M_UDP_SENDS);
    size_t l0[] = {1000, 1000, 1000, 1000};
    size_t l1[] = {700};
    for (int i = 0; i < 4; i++)
        queue(f, 0, l0[i]);
    queue(f, 1, l1[0]);
    rs_wk__flush(f->w);
    expect(f, 0, l0, 4, 0);
    expect(f, 1, l1, 1, 0);
    assert_false(f->w->gso);
    assert_int_equal(rs_metric_drop_get(RS_DROP_SEND_FAILED), drops0);
    assert_int_equal(rs_metric_get(RS_M_UDP_SENDS) - sends0, 4 + 1);
    /* the next flush does not try GSO again */
    for (int i = 0; i < 4; i++)
        queue(f, 0, l0[i]);
    rs_wk__flush(f->w);
    expect(f, 0, l0, 4, 4);
    assert_int_equal(rs_metric_get(RS_M_UDP_SENDS) - sends0, 4 + 1 + 4);
}

static uint64_t delay_total(void)
{
    uint64_t n = 0;
    for (unsigned b = 0; b < RS_DELAY_BUCKETS; b++)
        n += rs_metric_delay_count(b);
    return n;
}

static void test_forward_delay_recorded(void **state)
{
    struct fixture *f = *state;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t total0 = delay_total(), slow0 = rs_metric_delay_count(rs_delay_bucket(4000));
    /* Three packets caused by a datagram that arrived 4 ms ago, one from a timer (no arrival):
     * three observations, in the bucket holding 4 ms (3-5 ms). */
    f->w->arrival_ns = now - 4000000u;
    size_t lens[4] = {500, 500, 500, 80};
    for (int i = 0; i < 3; i++)
        queue(f, 0, lens[i]);
    f->w->arrival_ns = 0;
    queue(f, 0, lens[3]);
    rs_wk__flush(f->w);
    expect(f, 0, lens, 4, 0);
    assert_int_equal(delay_total() - total0, 3);
    assert_int_equal(rs_metric_delay_count(rs_delay_bucket(4000)) - slow0, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_grouped_runs_arrive_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_split_at_segment_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_gso_one_datagram_per_packet, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_flushes_and_keeps_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_forward_delay_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gso_refused_falls_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
