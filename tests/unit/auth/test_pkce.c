/* SPDX-License-Identifier: EUPL-1.2 */
/* PKCE: the RFC 7636 Appendix B vector, verifier validation, and fresh secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "auth/pkce.h"

static void test_rfc7636_appendix_b(void **state)
{
    char challenge[RS_PKCE_CHALLENGE_LEN + 1];
    assert_int_equal(rs_pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                            challenge, sizeof challenge),
                     0);
    /* The value printed in RFC 7636 Appendix B (the one in issue 4's brief has a typo). */
    assert_string_equal(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_verifier_rules(void **state)
{
    char out[64];
    char v[200];
    memset(v, 'a', sizeof v);
    v[42] = '\0';
    assert_int_equal(rs_pkce_challenge_s256(v, out, sizeof out), -EINVAL); /* 42 chars */
    v[42] = 'a';
    v[43] = '\0';
    assert_int_equal(rs_pkce_challenge_s256(v, out, sizeof out), 0);
    v[43] = 'a';
    v[128] = '\0';
    assert_int_equal(rs_pkce_challenge_s256(v, out, sizeof out), 0);
    v[128] = 'a';
    v[129] = '\0';
    assert_int_equal(rs_pkce_challenge_s256(v, out, sizeof out), -EINVAL); /* 129 chars */
    /* all four unreserved punctuation characters are fine, anything else is not */
    assert_int_equal(
        rs_pkce_challenge_s256("-._~aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out, sizeof out),
        0);
    assert_int_equal(
        rs_pkce_challenge_s256("+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out, sizeof out),
        -EINVAL);
    assert_int_equal(
        rs_pkce_challenge_s256("aaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaaaaaaaaa", out, sizeof out),
        -EINVAL);
    assert_int_equal(rs_pkce_challenge_s256(NULL, out, sizeof out), -EINVAL);
    assert_int_equal(rs_pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out,
                                            RS_PKCE_CHALLENGE_LEN),
                     -ENOSPC);
}

static void test_fresh_values(void **state)
{
    char v1[RS_PKCE_VERIFIER_LEN + 1], v2[RS_PKCE_VERIFIER_LEN + 1];
    char c[RS_PKCE_CHALLENGE_LEN + 1];
    char s1[RS_AUTH_TOKEN_LEN + 1], s2[RS_AUTH_TOKEN_LEN + 1];

    assert_int_equal(rs_pkce_new_verifier(v1, sizeof v1), 0);
    assert_int_equal(rs_pkce_new_verifier(v2, sizeof v2), 0);
    assert_int_equal(strlen(v1), RS_PKCE_VERIFIER_LEN);
    assert_string_not_equal(v1, v2);
    assert_int_equal(rs_pkce_challenge_s256(v1, c, sizeof c), 0);
    assert_int_equal(strlen(c), RS_PKCE_CHALLENGE_LEN);
    assert_int_equal(rs_pkce_new_verifier(v1, RS_PKCE_VERIFIER_LEN), -ENOSPC);

    assert_int_equal(rs_auth_new_token(s1, sizeof s1), 0);
    assert_int_equal(rs_auth_new_token(s2, sizeof s2), 0);
    assert_int_equal(strlen(s1), RS_AUTH_TOKEN_LEN);
    assert_string_not_equal(s1, s2);
    assert_int_equal(strspn(s1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     RS_AUTH_TOKEN_LEN);
    assert_int_equal(rs_auth_new_token(s1, RS_AUTH_TOKEN_LEN), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7636_appendix_b),
        cmocka_unit_test(test_verifier_rules),
        cmocka_unit_test(test_fresh_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
