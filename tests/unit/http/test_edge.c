/* SPDX-License-Identifier: EUPL-1.2 */
/* The edge's rules without sockets: the per-address cap, the per-address share of the HTTP
 * header buffers, the last quarter kept for addresses that hold few, the total, moving a
 * connection to the address a proxy names, and deadlines found in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "http/edge.h"

static struct rs_edge *edge(unsigned max_conns, unsigned per_ip, unsigned pool)
{
    struct rs_edge_limits lim = {.max_conns = max_conns,
                                 .per_ip = per_ip,
                                 .http_pool = pool,
                                 .header_ms = 5000,
                                 .idle_ms = 10000};
    struct rs_edge *e = rs_edge_new(&lim);
    assert_non_null(e);
    return e;
}

static struct rs_edge_conn *open_ok(struct rs_edge *e, const char *addr, int64_t now)
{
    assert_int_equal(rs_edge_admit(e, addr, 1), RS_EDGE_OK);
    struct rs_edge_conn *c = rs_edge_open(e, addr, (void *)addr, now);
    assert_non_null(c);
    return c;
}

static void test_per_ip_cap(void **state)
{
    struct rs_edge *e = edge(1000, 4, 256);
    struct rs_edge_conn *c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = open_ok(e, "192.0.2.1", 0);
        rs_edge_headers_done(e, c[i], "192.0.2.1", 0, 0);
        rs_edge_websocket(e, c[i]);
    }
    assert_int_equal(rs_edge_admit(e, "192.0.2.1", 1), RS_EDGE_PER_IP);
    assert_int_equal(rs_edge_admit(e, "192.0.2.2", 1), RS_EDGE_OK); /* others are not affected */
    /* an address not capped per address (a local reverse proxy) is not refused */
    assert_int_equal(rs_edge_admit(e, "192.0.2.1", 0), RS_EDGE_OK);
    unsigned http = 99;
    assert_int_equal(rs_edge_count(e, "192.0.2.1", &http), 4);
    assert_int_equal(http, 0);
    rs_edge_close(e, c[0]);
    assert_int_equal(rs_edge_admit(e, "192.0.2.1", 1), RS_EDGE_OK);
    for (int i = 1; i < 4; i++)
        rs_edge_close(e, c[i]);
    assert_int_equal(rs_edge_total(e), 0);
    assert_int_equal(rs_edge_count(e, "192.0.2.1", NULL), 0);
    rs_edge_free(e);
}

/* One address gets at most a quarter of the header buffers, however high per_ip is. */
static void test_http_share(void **state)
{
    struct rs_edge *e = edge(1000, 100, 40);
    struct rs_edge_conn *c[10];
    for (int i = 0; i < 10; i++)
        c[i] = open_ok(e, "192.0.2.1", 0);
    assert_int_equal(rs_edge_http(e), 10);
    assert_int_equal(rs_edge_admit(e, "192.0.2.1", 1), RS_EDGE_PER_IP);
    assert_int_equal(rs_edge_admit(e, "192.0.2.9", 1), RS_EDGE_OK);
    /* an upgraded connection holds no header buffer */
    rs_edge_headers_done(e, c[0], "192.0.2.1", 0, 0);
    rs_edge_websocket(e, c[0]);
    assert_int_equal(rs_edge_http(e), 9);
    assert_int_equal(rs_edge_admit(e, "192.0.2.1", 1), RS_EDGE_OK);
    /* an idle keep-alive connection still counts: it may be trickling its next request */
    rs_edge_headers_done(e, c[1], "192.0.2.1", 0, 0);
    rs_edge_idle(e, c[1], 0);
    assert_int_equal(rs_edge_http(e), 9);
    rs_edge_free(e); /* frees what is still open */
}

/* Three quarters full: an address that holds RS_EDGE_FEW gets no more, one with less does. */
static void test_last_quarter_for_the_few(void **state)
{
    struct rs_edge *e = edge(100, 1000, 10000);
    for (int i = 0; i < 74; i++) {
        struct rs_edge_conn *c = open_ok(e, "198.51.100.7", 0);
        rs_edge_headers_done(e, c, "198.51.100.7", 0, 0);
        rs_edge_websocket(e, c);
    }
    assert_int_equal(rs_edge_admit(e, "198.51.100.7", 1), RS_EDGE_OK); /* 74 < 75 */
    open_ok(e, "198.51.100.7", 0);
    assert_int_equal(rs_edge_admit(e, "198.51.100.7", 1), RS_EDGE_BUSY);
    char addr[32];
    for (int i = 0; i < RS_EDGE_FEW; i++)
        open_ok(e, "203.0.113.1", 0); /* a newcomer gets its few */
    assert_int_equal(rs_edge_admit(e, "203.0.113.1", 1), RS_EDGE_BUSY);
    /* the rest goes to addresses with few, up to the total */
    for (unsigned i = rs_edge_total(e); i < 100; i++) {
        snprintf(addr, sizeof(addr), "203.0.113.%u", 10 + i % 50);
        open_ok(e, addr, 0);
    }
    assert_int_equal(rs_edge_total(e), 100);
    assert_int_equal(rs_edge_admit(e, "192.0.2.200", 1), RS_EDGE_FULL);
    assert_int_equal(rs_edge_admit(e, "192.0.2.200", 0), RS_EDGE_FULL); /* a proxy too */
    rs_edge_free(e);
}

/* The same for the header buffers: once three quarters are taken, only addresses with few. */
static void test_http_pool_pressure(void **state)
{
    struct rs_edge *e = edge(100000, 1000, 64); /* share 16, pressure at 48 */
    char addr[32];
    for (int i = 0; i < 48; i++) {
        snprintf(addr, sizeof(addr), "10.0.0.%d", i % 4); /* 12 each */
        open_ok(e, addr, 0);
    }
    assert_int_equal(rs_edge_admit(e, "10.0.0.0", 1), RS_EDGE_BUSY);
    assert_int_equal(rs_edge_admit(e, "10.0.0.99", 1), RS_EDGE_OK);
    rs_edge_free(e);
}

/* Behind a trusted proxy the headers name the client: the connection moves to it. */
static void test_move_to_named_address(void **state)
{
    struct rs_edge *e = edge(1000, 2, 256);
    struct rs_edge_conn *a = open_ok(e, "10.9.9.9", 0);
    struct rs_edge_conn *b = open_ok(e, "10.9.9.9", 0);
    struct rs_edge_conn *c = open_ok(e, "10.9.9.1", 0);
    assert_int_equal(rs_edge_headers_done(e, a, "192.0.2.1", 0, 0), RS_EDGE_OK);
    assert_int_equal(rs_edge_count(e, "10.9.9.9", NULL), 1);
    assert_int_equal(rs_edge_count(e, "192.0.2.1", NULL), 1);
    assert_int_equal(rs_edge_headers_done(e, b, "192.0.2.1", 0, 0), RS_EDGE_OK);
    assert_int_equal(rs_edge_count(e, "10.9.9.9", NULL), 0);
    /* a third for that client is over per_ip: refused, nothing moved */
    assert_int_equal(rs_edge_headers_done(e, c, "192.0.2.1", 0, 0), RS_EDGE_PER_IP);
    assert_int_equal(rs_edge_count(e, "10.9.9.1", NULL), 1);
    assert_int_equal(rs_edge_count(e, "192.0.2.1", NULL), 2);
    assert_int_equal(rs_edge_state_of(c), RS_EDGE_HEADERS);
    rs_edge_close(e, a);
    rs_edge_close(e, b);
    rs_edge_close(e, c);
    assert_int_equal(rs_edge_total(e), 0);
    assert_int_equal(rs_edge_http(e), 0);
    rs_edge_free(e);
}

/* Headers are due header_ms after accept, a body header_ms after its headers, an idle
 * keep-alive connection idle_ms after its last response; the longest overdue comes first and
 * each only once. */
static void test_deadlines(void **state)
{
    struct rs_edge *e = edge(1000, 100, 256);
    struct rs_edge_conn *slow = rs_edge_open(e, "192.0.2.1", "slow", 0);
    struct rs_edge_conn *quick = rs_edge_open(e, "192.0.2.2", "quick", 100);
    struct rs_edge_conn *poster = rs_edge_open(e, "192.0.2.3", "poster", 200);
    struct rs_edge_conn *keeper = rs_edge_open(e, "192.0.2.4", "keeper", 300);
    struct rs_edge_conn *ws = rs_edge_open(e, "192.0.2.5", "ws", 400);
    rs_edge_headers_done(e, quick, "192.0.2.2", 0, 1000);
    rs_edge_headers_done(e, poster, "192.0.2.3", 1, 1000); /* body due at 6000 */
    rs_edge_headers_done(e, keeper, "192.0.2.4", 0, 1000);
    rs_edge_idle(e, keeper, 1500); /* next request due at 11500 */
    rs_edge_headers_done(e, ws, "192.0.2.5", 0, 1000);
    rs_edge_websocket(e, ws);

    enum rs_edge_state was;
    assert_null(rs_edge_overdue(e, 4999, &was));
    assert_string_equal(rs_edge_overdue(e, 5000, &was), "slow");
    assert_int_equal(was, RS_EDGE_HEADERS);
    assert_null(rs_edge_overdue(e, 5999, &was)); /* slow is not returned twice */
    assert_int_equal(rs_edge_state_of(slow), RS_EDGE_CLOSING);
    assert_string_equal(rs_edge_overdue(e, 7000, &was), "poster");
    assert_int_equal(was, RS_EDGE_BODY);
    assert_null(rs_edge_overdue(e, 11499, &was));
    /* a new request on the keep-alive connection before its time: no longer due */
    rs_edge_headers_done(e, keeper, "192.0.2.4", 0, 11000);
    assert_null(rs_edge_overdue(e, 60000, &was));
    rs_edge_idle(e, keeper, 12000);
    assert_string_equal(rs_edge_overdue(e, 22000, &was), "keeper");
    assert_int_equal(was, RS_EDGE_IDLE);
    assert_null(rs_edge_overdue(e, 1000000, NULL)); /* quick answered, ws upgraded */
    rs_edge_body_done(e, poster);                   /* CLOSING stays CLOSING */
    assert_int_equal(rs_edge_state_of(poster), RS_EDGE_CLOSING);
    assert_int_equal(rs_edge_total(e), 5);
    rs_edge_close(e, slow);
    rs_edge_close(e, poster);
    assert_int_equal(rs_edge_total(e), 3);
    rs_edge_free(e);
}

/* Many addresses come and go: nothing is left behind (ASan checks the frees). */
static void test_many_addresses(void **state)
{
    struct rs_edge *e = edge(100000, 10, 256);
    static struct rs_edge_conn *c[5000];
    char addr[48];
    for (int i = 0; i < 5000; i++) {
        snprintf(addr, sizeof(addr), "2001:db8::%x", i);
        c[i] = rs_edge_open(e, addr, NULL, i);
        assert_non_null(c[i]);
    }
    assert_int_equal(rs_edge_total(e), 5000);
    assert_int_equal(rs_edge_count(e, "2001:db8::1f", NULL), 1);
    for (int i = 0; i < 5000; i += 2)
        rs_edge_close(e, c[i]);
    assert_int_equal(rs_edge_total(e), 2500);
    assert_int_equal(rs_edge_count(e, "2001:db8::1e", NULL), 0);
    rs_edge_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_ip_cap),
        cmocka_unit_test(test_http_share),
        cmocka_unit_test(test_last_quarter_for_the_few),
        cmocka_unit_test(test_http_pool_pressure),
        cmocka_unit_test(test_move_to_named_address),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_many_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
