/* SPDX-License-Identifier: EUPL-1.2 */
/* Work in flight per key: the cap per key, independence of keys, release, a full table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/inflight.h"

static void test_cap_per_key(void **state)
{
    struct rs_inflight *t = rs_inflight_new(8, 2);
    assert_non_null(t);
    assert_true(rs_inflight_acquire(t, "a:192.0.2.1"));
    assert_true(rs_inflight_acquire(t, "a:192.0.2.1"));
    assert_false(rs_inflight_acquire(t, "a:192.0.2.1")); /* at the cap: refused, not counted */
    assert_int_equal(rs_inflight_count(t, "a:192.0.2.1"), 2);
    assert_true(rs_inflight_acquire(t, "a:192.0.2.2")); /* another key is independent */
    assert_true(rs_inflight_acquire(t, "u:u123"));
    rs_inflight_release(t, "a:192.0.2.1");
    assert_int_equal(rs_inflight_count(t, "a:192.0.2.1"), 1);
    assert_true(rs_inflight_acquire(t, "a:192.0.2.1"));
    rs_inflight_release(t, "a:192.0.2.1");
    rs_inflight_release(t, "a:192.0.2.1");
    rs_inflight_release(t, "a:192.0.2.1"); /* one too many: ignored */
    assert_int_equal(rs_inflight_count(t, "a:192.0.2.1"), 0);
    assert_int_equal(rs_inflight_count(t, "nobody"), 0);
    rs_inflight_free(t);
}

static void test_full_table(void **state)
{
    struct rs_inflight *t = rs_inflight_new(3, 1);
    char key[16];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_true(rs_inflight_acquire(t, key));
    }
    assert_false(rs_inflight_acquire(t, "k3")); /* no room: refused */
    rs_inflight_release(t, "k1");               /* a finished key frees its entry */
    assert_true(rs_inflight_acquire(t, "k3"));
    assert_int_equal(rs_inflight_count(t, "k1"), 0);
    assert_int_equal(rs_inflight_count(t, "k3"), 1);
    rs_inflight_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_per_key),
        cmocka_unit_test(test_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
