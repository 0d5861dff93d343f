/* SPDX-License-Identifier: EUPL-1.2 */
/* argon2id passwords: round trip, wrong password, the length policy, and hashes we refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

static void test_round_trip(void **state)
{
    char h1[RS_PASSWORD_ENCODED_MAX], h2[RS_PASSWORD_ENCODED_MAX];
    assert_int_equal(rs_password_hash("correct horse battery", h1, sizeof h1), 0);
    assert_int_equal(strncmp(h1, "$argon2id$v=19$m=65536,t=3,p=1$", 31), 0);
    assert_int_equal(rs_password_verify(h1, "correct horse battery"), 0);
    assert_int_equal(rs_password_verify(h1, "correct horse batterY"), -EACCES);
    assert_int_equal(rs_password_verify(h1, ""), -EACCES);
    /* fresh salt each time */
    assert_int_equal(rs_password_hash("correct horse battery", h2, sizeof h2), 0);
    assert_string_not_equal(h1, h2);
    assert_int_equal(rs_password_verify(h2, "correct horse battery"), 0);
}

static void test_policy(void **state)
{
    char h[RS_PASSWORD_ENCODED_MAX];
    assert_int_equal(rs_password_hash("elf chars!!", h, sizeof h), RS_PASSWORD_TOO_SHORT);
    assert_int_equal(rs_password_check_policy("twelve chars"), 0);
    /* characters, not bytes: 11 umlauts are 22 bytes but still too short */
    assert_int_equal(rs_password_check_policy("äääääääääää"), RS_PASSWORD_TOO_SHORT);
    assert_int_equal(rs_password_check_policy("ääääääääääää"), 0);
    assert_int_equal(rs_password_check_policy("abcdefghijk\xff"), RS_PASSWORD_BAD_UTF8);
    assert_int_equal(rs_password_check_policy("abcdefghijk\xc0\xaf"), RS_PASSWORD_BAD_UTF8);
    assert_int_equal(rs_password_check_policy("abcdefghijk\xed\xa0\x80"), RS_PASSWORD_BAD_UTF8);
    assert_int_equal(rs_password_check_policy("abcdefghijk\xe2\x82"), RS_PASSWORD_BAD_UTF8);
    assert_int_equal(rs_password_check_policy(NULL), -EINVAL);

    char *long_pw = malloc(RS_PASSWORD_MAX_BYTES + 2);
    memset(long_pw, 'x', RS_PASSWORD_MAX_BYTES);
    long_pw[RS_PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(rs_password_check_policy(long_pw), 0);
    long_pw[RS_PASSWORD_MAX_BYTES] = 'x';
    long_pw[RS_PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(rs_password_hash(long_pw, h, sizeof h), RS_PASSWORD_TOO_LONG);
    assert_int_equal(rs_password_verify("$argon2id$v=19$m=65536,t=3,p=1$AAAA$AAAA", long_pw),
                     RS_PASSWORD_TOO_LONG);
    free(long_pw);
    /* the three errors are distinct */
    assert_int_not_equal(RS_PASSWORD_TOO_SHORT, RS_PASSWORD_TOO_LONG);
    assert_int_not_equal(RS_PASSWORD_TOO_SHORT, RS_PASSWORD_BAD_UTF8);
    assert_int_not_equal(RS_PASSWORD_TOO_LONG, RS_PASSWORD_BAD_UTF8);
    assert_int_equal(rs_password_hash("correct horse battery", h, 20), -ENOSPC);
}

static void test_foreign_hashes(void **state)
{
    /* argon2i and argon2d strings, bcrypt, garbage: never accepted as argon2id. */
    const char *bad[] = {
        "$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2d$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$2y$10$abcdefghijklmnopqrstuuZ1yQ6S7Yp2I2s1cO0P7d1G9xJqZ5b9y",
        "",
        "$argon2id$v=19$m=65536,t=3,p=1$",
        "$argon2id$v=19$garbage",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rs_password_verify(bad[i], "correct horse battery"), -EINVAL);
    assert_int_equal(rs_password_verify(NULL, "x"), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_foreign_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
