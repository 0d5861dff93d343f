/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64url: RFC 4648 §10 test vectors in the URL alphabet without padding, and every kind of
 * non-canonical input the strict decoder must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "auth/base64url.h"

static void test_rfc4648_vectors(void **state)
{
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *coded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        uint8_t back[16];
        size_t n;
        assert_int_equal(
            rs_b64url_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof out, &n), 0);
        assert_string_equal(out, coded[i]);
        assert_int_equal(n, strlen(coded[i]));
        assert_int_equal(rs_b64url_encoded_len(strlen(plain[i])), strlen(coded[i]));
        assert_true(rs_b64url_decoded_max(strlen(coded[i])) >= strlen(plain[i]));
        assert_int_equal(rs_b64url_decode(coded[i], strlen(coded[i]), back, sizeof back, &n), 0);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(back, plain[i], n);
    }
}

static void test_url_alphabet(void **state)
{
    const uint8_t bytes[] = {0xfb, 0xff, 0xbf};
    char out[8];
    uint8_t back[4];
    size_t n;
    assert_int_equal(rs_b64url_encode(bytes, 3, out, sizeof out, NULL), 0);
    assert_string_equal(out, "-_-_");
    assert_int_equal(rs_b64url_decode("-_-_", 4, back, sizeof back, &n), 0);
    assert_memory_equal(back, bytes, 3);
}

static void test_rejects(void **state)
{
    const char *bad[] = {
        "Zg==",   /* padding */
        "Zm8=",   /* padding */
        "+/+/",   /* plain base64 alphabet */
        "Zm 9v",  /* whitespace */
        "Zm9v\n", /* newline */
        "Z",      /* length 1 mod 4 */
        "Zm9vY",  /* length 1 mod 4 */
        "Zh",     /* non-zero unused bits ("Zg" is the canonical form) */
        "Zm9",    /* non-zero unused bits ("Zm8") */
        "Zm9v.",  /* dot */
        "\xc3\xa4\xc3\xa4",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n;
        assert_int_equal(rs_b64url_decode(bad[i], strlen(bad[i]), out, sizeof out, &n), -EINVAL);
    }
    uint8_t out[16];
    size_t n;
    assert_int_equal(rs_b64url_decode("Zm9v\0Zm9v", 8, out, sizeof out, &n), -EINVAL);
}

static void test_bounds(void **state)
{
    char out[5];
    uint8_t b[2];
    size_t n;
    assert_int_equal(rs_b64url_encode((const uint8_t *)"foo", 3, out, 4, NULL), -ENOSPC);
    assert_int_equal(rs_b64url_encode((const uint8_t *)"foo", 3, out, 5, NULL), 0);
    assert_int_equal(rs_b64url_decode("Zm9v", 4, b, sizeof b, &n), -ENOSPC);
    assert_int_equal(rs_b64url_decode("Zm9v", 2, b, sizeof b, &n), -EINVAL); /* "Zm" */
    assert_int_equal(rs_b64url_decode("Zm9vYmFy", 3, b, sizeof b, &n), -EINVAL);
    assert_int_equal(rs_b64url_decode("", 0, NULL, 0, &n), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
