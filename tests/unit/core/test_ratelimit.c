/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-address rate limits and the job queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <time.h>

#include "core/jobs.h"
#include "core/ratelimit.h"

static void test_burst_then_refill(void **state)
{
    struct rs_ratelimit *rl = rs_ratelimit_new(6); /* 6 per minute: one per 10 s */
    int64_t t = 1000000;
    for (int i = 0; i < 6; i++)
        assert_true(rs_ratelimit_take(rl, "192.0.2.1", t));
    assert_false(rs_ratelimit_take(rl, "192.0.2.1", t));
    assert_true(rs_ratelimit_take(rl, "192.0.2.2", t)); /* another address is independent */
    assert_false(rs_ratelimit_take(rl, "192.0.2.1", t + 5000));
    assert_true(rs_ratelimit_take(rl, "192.0.2.1", t + 10001));
    assert_false(rs_ratelimit_take(rl, "192.0.2.1", t + 10002));
    rs_ratelimit_free(rl);
}

static void test_many_addresses_bounded(void **state)
{
    struct rs_ratelimit *rl = rs_ratelimit_new(1);
    char addr[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        rs_ratelimit_take(rl, addr, 1000 + i);
    }
    /* the table did not grow; a recent address is still limited */
    assert_false(rs_ratelimit_take(rl, addr, 1000 + 100000));
    rs_ratelimit_free(rl);
}

static void test_wait_changes_nothing(void **state)
{
    /* 6 per minute: a token every 10 s. wait_ms only looks: for limits that count failures */
    struct rs_ratelimit *rl = rs_ratelimit_new(6);
    int64_t t = 1000000;
    assert_int_equal(rs_ratelimit_wait_ms(rl, "room:abc", t), 0); /* unknown key: free */
    for (int i = 0; i < 100; i++)
        assert_int_equal(rs_ratelimit_wait_ms(rl, "room:abc", t), 0);
    for (int i = 0; i < 6; i++)
        assert_true(rs_ratelimit_take(rl, "room:abc", t));
    int64_t w = rs_ratelimit_wait_ms(rl, "room:abc", t);
    assert_in_range(w, 9990, 10001);
    assert_in_range(rs_ratelimit_wait_ms(rl, "room:abc", t + 4000), 5990, 6001);
    assert_int_equal(rs_ratelimit_wait_ms(rl, "room:abc", t + w), 0);
    assert_true(rs_ratelimit_take(rl, "room:abc", t + w));
    assert_int_equal(rs_ratelimit_wait_ms(rl, "room:xyz", t), 0); /* keys are independent */
    rs_ratelimit_free(rl);
}

static int ran, done;
static void run_fn(void *arg)
{
    ran += *(int *)arg;
}
static void done_fn(void *arg)
{
    done += *(int *)arg;
}

static void test_jobs_inline(void **state)
{
    int v = 3;
    rs_jobs_set_inline(1);
    assert_int_equal(rs_jobs_submit(run_fn, done_fn, &v), 0);
    assert_int_equal(ran, 3);
    assert_int_equal(done, 3);
    rs_jobs_set_inline(0);
}

static void test_jobs_thread(void **state)
{
    static int v = 2;
    ran = done = 0;
    assert_int_equal(rs_jobs_start(NULL, NULL), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(rs_jobs_submit(run_fn, done_fn, &v), 0);
    for (int i = 0; i < 2000 && done < 20; i++) {
        rs_jobs_poll();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(ran, 20);
    assert_int_equal(done, 20); /* completions ran here, on the polling thread */
    rs_jobs_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_many_addresses_bounded),
        cmocka_unit_test(test_wait_changes_nothing),
        cmocka_unit_test(test_jobs_inline),
        cmocka_unit_test(test_jobs_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
