/* SPDX-License-Identifier: EUPL-1.2 */
/* When the server trims its heap: after joins or departures have been quiet for 2 s, at most
 * every 10 s, never in a steady meeting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/trim.h"

static void test_only_after_a_change(void **state)
{
    struct rs_trim t = {0};
    assert_false(rs_trim_due(&t, 1000, 0)); /* nothing happened since start */
    assert_false(rs_trim_due(&t, 1000, 7)); /* someone joined: wait until it is quiet */
    assert_false(rs_trim_due(&t, 1000 + RS_TRIM_QUIET_MS - 1, 7));
    assert_true(rs_trim_due(&t, 1000 + RS_TRIM_QUIET_MS, 7));
    assert_false(rs_trim_due(&t, 60000, 7)); /* steady: never again, however long */
    assert_false(rs_trim_due(&t, 120000, 7));
}

static void test_not_during_a_join_storm(void **state)
{
    struct rs_trim t = {0};
    /* a join every 500 ms for 20 s: no trim while they keep coming */
    for (int64_t now = 0; now < 20000; now += 500)
        assert_false(rs_trim_due(&t, now, (uint64_t)now + 1));
    assert_false(rs_trim_due(&t, 19500 + RS_TRIM_QUIET_MS - 1, 19501));
    assert_true(rs_trim_due(&t, 19500 + RS_TRIM_QUIET_MS, 19501));
}

static void test_at_most_every_ten_seconds(void **state)
{
    struct rs_trim t = {0};
    rs_trim_due(&t, 0, 1);
    assert_true(rs_trim_due(&t, 5000, 1));
    rs_trim_due(&t, 6000, 2); /* someone left */
    assert_false(rs_trim_due(&t, 5000 + RS_TRIM_MIN_MS - 1, 2)); /* quiet, but too soon */
    assert_true(rs_trim_due(&t, 5000 + RS_TRIM_MIN_MS, 2));
    assert_false(rs_trim_due(&t, 5000 + 3 * RS_TRIM_MIN_MS, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_after_a_change),
        cmocka_unit_test(test_not_during_a_join_storm),
        cmocka_unit_test(test_at_most_every_ten_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
