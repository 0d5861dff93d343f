/* SPDX-License-Identifier: EUPL-1.2 */
/* The worker's peer-address map (sfu/transport.c), driven through its one entrance,
 * datagrams: an ICE check validates its source address for a transport; any other datagram
 * from a validated address reaches that transport (here: dropped as not connected), from any
 * other address it is dropped as unknown. Many peers, churn (tombstones), an address moving
 * between transports, and the part of the table in use staying proportional to the peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "rtc/srtp.h"
#include "core/queue.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

static struct rs_wk *w;
static struct rs_queue *events;

static int setup(void **state)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    events = rs_queue_new(sizeof(struct rs_event), 64, 0);
    w = rs_wk__new(NULL, NULL, events);
    if (!w)
        return -1;
    w->now_ms = 1000000;
    return 0;
}

static int teardown(void **state)
{
    rs_wk__free(w);
    rs_queue_free(events);
    return 0;
}

static void credentials(uint32_t tid, char *ufrag, size_t ulen, char *pwd, size_t plen)
{
    snprintf(ufrag, ulen, "%04xabcd", (unsigned)tid);
    snprintf(pwd, plen, "transportpassword%04x", (unsigned)tid);
}

static void add(uint32_t tid)
{
    struct rs_cmd_transport t = {.tid = tid, .has_fingerprint = 1, .owner = tid};
    credentials(tid, t.ufrag, sizeof(t.ufrag), t.pwd, sizeof(t.pwd));
    rs_wk__transport_add(w, &t);
}

static void check_in(uint32_t tid, const struct rs_wk_addr *from)
{
    char ufrag[RS_SFU_UFRAG_SIZE], pwd[RS_SFU_PWD_SIZE];
    credentials(tid, ufrag, sizeof(ufrag), pwd, sizeof(pwd));
    assert_int_equal(wk_inproc_check_in(w, ufrag, pwd, from), 0);
}

/* A distinct address per (round, index): 10.round.x.y:port. */
static struct rs_wk_addr peer_addr(unsigned round, unsigned i)
{
    char ip[32];
    snprintf(ip, sizeof(ip), "10.%u.%u.%u", round, i / 250, i % 250 + 1);
    return wk_inproc_addr(ip, (uint16_t)(20000 + i));
}

/* Whether a non-STUN datagram from `a` finds a transport. */
static bool known(const struct rs_wk_addr *a)
{
    uint8_t rtp[20] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
    uint64_t unknown = rs_metric_drop_get(RS_DROP_UNKNOWN_ADDRESS);
    uint64_t not_connected = rs_metric_drop_get(RS_DROP_NOT_CONNECTED);
    rs_wk__on_datagram(w, rtp, sizeof(rtp), a);
    w->n_out = 0;
    bool found = rs_metric_drop_get(RS_DROP_NOT_CONNECTED) == not_connected + 1;
    bool lost = rs_metric_drop_get(RS_DROP_UNKNOWN_ADDRESS) == unknown + 1;
    assert_true(found != lost);
    return found;
}

static void test_many_peers_and_churn(void **state)
{
    enum { PEERS = 1000, ROUNDS = 30, CHURN = 500 };
    assert_false(known(&(struct rs_wk_addr){0})); /* nothing validated yet */
    for (uint32_t tid = 1; tid <= PEERS; tid++) {
        add(tid);
        struct rs_wk_addr a = peer_addr(0, tid);
        check_in(tid, &a);
    }
    for (uint32_t tid = 1; tid <= PEERS; tid++) {
        struct rs_wk_addr a = peer_addr(0, tid);
        assert_true(known(&a));
    }
    struct rs_wk_addr stranger = peer_addr(200, 7);
    assert_false(known(&stranger));
    assert_int_equal(w->addr_map_live, PEERS);
    /* the part in use follows the peers (at most a quarter live after growing), far below
     * the allocation */
    uint32_t used = w->addr_map_mask + 1;
    assert_true(used >= 2 * PEERS && used <= 8 * PEERS);
    assert_true(used < w->addr_map_cap);

    /* half the peers leave and others come, many times: departed addresses are unknown,
     * current ones known, tombstones do not pile up */
    for (unsigned round = 1; round <= ROUNDS; round++) {
        for (uint32_t tid = 1; tid <= CHURN; tid++) {
            rs_wk__transport_remove(w, tid);
            add(tid);
            struct rs_wk_addr a = peer_addr(round, tid);
            check_in(tid, &a);
        }
        assert_int_equal(w->addr_map_live, PEERS);
        assert_true(2 * (w->addr_map_live + w->addr_map_dead) <= w->addr_map_mask + 2);
        assert_true(w->addr_map_mask + 1 <= used);
    }
    for (uint32_t tid = 1; tid <= PEERS; tid++) {
        struct rs_wk_addr now = peer_addr(tid <= CHURN ? ROUNDS : 0, tid);
        assert_true(known(&now));
        if (tid <= CHURN) {
            struct rs_wk_addr before = peer_addr(ROUNDS - 1, tid);
            assert_false(known(&before));
        }
    }
    for (uint32_t tid = 1; tid <= PEERS; tid++)
        rs_wk__transport_remove(w, tid);
    assert_int_equal(w->addr_map_live, 0);
    struct rs_wk_addr first = peer_addr(0, PEERS);
    assert_false(known(&first));
}

/* An address validated by a second transport belongs to it: removing the first transport
 * leaves it known, removing the second makes it unknown. */
static void test_address_moves(void **state)
{
    struct rs_wk_addr a = wk_inproc_addr("192.0.2.1", 4000);
    add(1);
    add(2);
    check_in(1, &a);
    check_in(2, &a);
    assert_int_equal(w->addr_map_live, 1);
    rs_wk__transport_remove(w, 1);
    assert_true(known(&a));
    rs_wk__transport_remove(w, 2);
    assert_false(known(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_peers_and_churn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_moves, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
