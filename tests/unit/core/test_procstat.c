/* SPDX-License-Identifier: EUPL-1.2 */
/* /proc/<pid>/stat CPU times: proc(5) lines as the kernel writes them (a real one from this
 * kind of machine, a name with spaces and parentheses, negative tty fields), lines that are
 * not, and this process's own file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/procstat.h"

static int parse(const char *line, unsigned long long *u, unsigned long long *s)
{
    return rs_procstat_parse(line, strlen(line), u, s);
}

static void test_kernel_lines(void **state)
{
    unsigned long long u = 0, s = 0;
    /* cat's own line on Linux 6.18 (proc(5) field order), utime 7, stime 3 */
    assert_int_equal(parse("27871 (cat) R 27869 27869 7589 0 -1 4194304 123 0 0 0 7 3 0 0 20 "
                           "0 1 0 2333564 3133440 376 18446744073709551615 93960797454336\n",
                           &u, &s),
                     0);
    assert_int_equal(u, 7);
    assert_int_equal(s, 3);
    /* a thread name with spaces and parentheses: fields count after the last ')' */
    assert_int_equal(parse("17481 (rs (media) 0)) S 1 2 3 4 5 6 7 8 9 10 123456 654321 0 0\n",
                           &u, &s),
                     0);
    assert_int_equal(u, 123456);
    assert_int_equal(s, 654321);
    /* tty_nr and tpgid may be negative */
    assert_int_equal(parse("1 (init) S 0 1 1 -1 -1 4194560 9 8 7 6 5 4", &u, &s), 0);
    assert_int_equal(u, 5);
    assert_int_equal(s, 4);
}

static void test_not_stat_lines(void **state)
{
    unsigned long long u = 99, s = 99;
    const char *bad[] = {
        "",
        "27871 cat R 1 2 3 4 5 6 7 8 9 10 11 12",          /* no name in parentheses */
        "27871 (cat) R 1 2 3 4 5 6 7 8 9 10 11",           /* stime missing */
        "27871 (cat) R 1 2 3 4 5 6 7 8 9 10 x 12",         /* utime not a number */
        "27871 (cat)R 1 2 3 4 5 6 7 8 9 10 11 12",         /* no space after the name */
        "27871 (cat) R 1 2 3 4 5 6 7 8 9 10 99999999999999999999999 12", /* overflows */
        "27871 (cat)",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &u, &s) == 0)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(u, 99); /* untouched on failure */
    assert_int_equal(s, 99);
}

static void test_own_file(void **state)
{
    unsigned long long u, s;
    assert_int_equal(rs_procstat_read("/proc/self/stat", &u, &s), 0);
    assert_int_equal(rs_procstat_read("/proc/self/no-such-file", &u, &s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_lines),
        cmocka_unit_test(test_not_stat_lines),
        cmocka_unit_test(test_own_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
