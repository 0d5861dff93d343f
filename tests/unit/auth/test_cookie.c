/* SPDX-License-Identifier: EUPL-1.2 */
/* Session cookie building and parsing, and the open-redirect guard's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "auth/cookie.h"

static void test_build(void **state)
{
    char out[256];
    assert_int_equal(
        rs_cookie_build("__Host-ratsaal_session", "abc-DEF_123", 28800, true, out, sizeof out), 0);
    assert_string_equal(out, "__Host-ratsaal_session=abc-DEF_123; Path=/; Max-Age=28800; "
                             "HttpOnly; SameSite=Lax; Secure");
    assert_int_equal(rs_cookie_build("ratsaal_session", "v", -1, false, out, sizeof out), 0);
    assert_string_equal(out, "ratsaal_session=v; Path=/; HttpOnly; SameSite=Lax");
    assert_int_equal(rs_cookie_build("ratsaal_session", "", 0, false, out, sizeof out), 0);
    assert_string_equal(out, "ratsaal_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");

    /* __Host- without Secure is refused by browsers, so by us too */
    assert_int_equal(rs_cookie_build("__Host-s", "v", 60, false, out, sizeof out), -EINVAL);
    const char *bad_values[] = {"a;b",  "a b",     "a,b", "a\"b", "a\\b", "a\r\nSet-Cookie: x=y",
                                "\x7f", "\xc3\xa4"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        assert_int_equal(rs_cookie_build("s", bad_values[i], 60, true, out, sizeof out), -EINVAL);
    const char *bad_names[] = {"", "a=b", "a b", "a;b", "a\n"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_int_equal(rs_cookie_build(bad_names[i], "v", 60, true, out, sizeof out), -EINVAL);
    assert_int_equal(rs_cookie_build("s", "v", 60, true, out, 20), -ENOSPC);
    assert_string_equal(out, "");
}

static int get(const char *header, const char *name, char *out, size_t cap)
{
    return rs_cookie_get(header, strlen(header), name, out, cap);
}

static void test_parse(void **state)
{
    char v[64];
    assert_int_equal(get("a=1; ratsaal_session=XYZ; b=2", "ratsaal_session", v, sizeof v), 0);
    assert_string_equal(v, "XYZ");
    assert_int_equal(
        get("ratsaal_session=first;ratsaal_session=second", "ratsaal_session", v, sizeof v), 0);
    assert_string_equal(v, "first");
    assert_int_equal(get("  s=\"quoted\"  ", "s", v, sizeof v), 0);
    assert_string_equal(v, "quoted");
    assert_int_equal(get("s=", "s", v, sizeof v), 0);
    assert_string_equal(v, "");
    assert_int_equal(get("xs=1; s2=2; S=3", "s", v, sizeof v), -ENOENT);
    assert_int_equal(get("", "s", v, sizeof v), -ENOENT);
    assert_int_equal(get(";;; ; =x; s", "s", v, sizeof v), -ENOENT);
    assert_int_equal(get("s=a b", "s", v, sizeof v), -EINVAL);
    assert_int_equal(get("s=0123456789", "s", v, 10), -ENOSPC);
    assert_int_equal(get("s=0123456789", "s", v, 11), 0);
    /* the length bounds the read: "s=12" of "s=1234" */
    assert_int_equal(rs_cookie_get("s=1234", 4, "s", v, sizeof v), 0);
    assert_string_equal(v, "12");
    char big[RS_COOKIE_HEADER_MAX + 2];
    memset(big, 'a', sizeof big);
    assert_int_equal(rs_cookie_get(big, sizeof big, "s", v, sizeof v), -EINVAL);
}

static void test_return_path(void **state)
{
    const char *good[] = {
        "/", "/r/abc", "/r/abc?x=1&y=2#top", "/r/%C3%A4rger", "/a:b@c/~d!$&'()*+,;=",
    };
    const char *bad[] = {
        "",
        "r/abc",
        "//evil.com",
        "//evil.com/r",
        "/\\evil.com",
        "\\\\evil.com",
        "/r\\..\\evil",
        "https://evil.com",
        "http:/evil.com",
        "javascript:alert(1)",
        "/\t/evil.com",
        "/r/a\nb",
        "/r/a\rb",
        "/r/a b",
        "/r/\x7f",
        "/r/\xc3\xa4",
        "/r/%zz",
        "/r/%4",
        "/r/<script>",
        "/r/\"x\"",
        " /r",
        "/r/`",
        "/r/{x}",
    };
    char out[64];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(rs_auth_safe_return_path(good[i], out, sizeof out), 0);
        assert_string_equal(out, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rs_auth_safe_return_path(bad[i], out, sizeof out) != -EINVAL)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(rs_auth_safe_return_path("/r/abcdef", out, 9), -ENOSPC);
    assert_int_equal(rs_auth_safe_return_path("/r/abcdef", out, 10), 0);
    assert_int_equal(rs_auth_safe_return_path(NULL, out, sizeof out), -EINVAL);
    char long_path[RS_RETURN_PATH_MAX + 2];
    memset(long_path, 'a', sizeof long_path);
    long_path[0] = '/';
    long_path[RS_RETURN_PATH_MAX + 1] = '\0';
    char big_out[RS_RETURN_PATH_MAX + 8];
    assert_int_equal(rs_auth_safe_return_path(long_path, big_out, sizeof big_out), -EINVAL);
    long_path[RS_RETURN_PATH_MAX] = '\0';
    assert_int_equal(rs_auth_safe_return_path(long_path, big_out, sizeof big_out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_return_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
