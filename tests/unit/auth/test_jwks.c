/* SPDX-License-Identifier: EUPL-1.2 */
/* JWKS parsing: the RFC 7517 example keys, which members are kept or skipped, and lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwks.h"
#include "auth_test_util.h"

/* RFC 7517 Appendix A.1: one EC P-256 and one RSA 2048 public key. */
static const char rfc7517_a1[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"use\":\"enc\",\"kid\":\"1\"},"
    "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1R"
    "K7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h"
    "4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNL"
    "yrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKg"
    "w\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}]}";

static int parse(const char *doc, struct rs_jwks *set)
{
    return rs_jwks_parse(doc, strlen(doc), set);
}

static void test_rfc7517(void **state)
{
    struct rs_jwks set;
    assert_int_equal(parse(rfc7517_a1, &set), 0);
    /* The EC key is marked use=enc: never a signature key. */
    assert_int_equal(set.n_keys, 1);
    assert_int_equal(set.n_skipped, 1);
    assert_int_equal(set.keys[0].type, RS_JWK_RSA);
    assert_string_equal(set.keys[0].kid, "2011-04-29");
    assert_string_equal(set.keys[0].alg, "RS256");
    assert_string_equal(set.keys[0].kty, "RSA");
    assert_int_equal(EVP_PKEY_get_bits(set.keys[0].pkey), 2048);
    assert_ptr_equal(rs_jwks_find(&set, "2011-04-29", "RS256"), &set.keys[0]);
    assert_null(rs_jwks_find(&set, "1", "ES256"));
    assert_null(rs_jwks_find(&set, NULL, "ES256"));
    assert_ptr_equal(rs_jwks_find(&set, NULL, "RS256"), &set.keys[0]);
    rs_jwks_free(&set);
    assert_int_equal(set.n_keys, 0);
    rs_jwks_free(&set);
    rs_jwks_free(NULL);
}

static void test_generated_keys_and_lookup(void **state)
{
    EVP_PKEY *r = t_rsa_key(2048), *e = t_ec_key();
    char *jr = t_jwk(r, "k1", NULL, NULL), *je = t_jwk(e, "k1", "ES256", "sig");
    char doc[8192];
    struct rs_jwks set;
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", jr, je);
    assert_int_equal(parse(doc, &set), 0);
    assert_int_equal(set.n_keys, 2);
    /* Same kid on both: the one fitting alg wins; any type when alg is NULL. */
    assert_ptr_equal(rs_jwks_find(&set, "k1", "RS256"), &set.keys[0]);
    assert_ptr_equal(rs_jwks_find(&set, "k1", "ES256"), &set.keys[1]);
    assert_ptr_equal(rs_jwks_find(&set, "k1", NULL), &set.keys[0]);
    assert_null(rs_jwks_find(&set, "k2", "RS256"));
    assert_true(rs_jwk_fits_alg(&set.keys[1], "ES256"));
    assert_false(rs_jwk_fits_alg(&set.keys[1], "RS256"));
    assert_false(rs_jwk_fits_alg(&set.keys[0], "HS256"));
    rs_jwks_free(&set);
    free(je);

    /* A kid naming only a key of the other type is still returned, for the caller to reject. */
    je = t_jwk(e, "only-ec", NULL, NULL);
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", jr, je);
    assert_int_equal(parse(doc, &set), 0);
    const struct rs_jwk *k = rs_jwks_find(&set, "only-ec", "RS256");
    assert_non_null(k);
    assert_false(rs_jwk_fits_alg(k, "RS256"));
    rs_jwks_free(&set);
    free(jr);
    free(je);

    /* A key whose alg says RS256 does not fit ES256 and vice versa; unknown algs are skipped. */
    jr = t_jwk(r, "x", "PS256", "sig");
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", jr);
    assert_int_equal(parse(doc, &set), -ENOENT);
    free(jr);
    EVP_PKEY_free(r);
    EVP_PKEY_free(e);
}

static void test_skipped_members(void **state)
{
    EVP_PKEY *small = t_rsa_key(1024), *good = t_rsa_key(2048);
    char *js = t_jwk(small, "small", NULL, NULL);
    char *jg = t_jwk(good, "good", NULL, NULL);
    char doc[16384];
    struct rs_jwks set;

    snprintf(
        doc, sizeof doc,
        "{\"keys\":[%s,"
        "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"},"
        "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
        "{\"kty\":\"RSA\",\"e\":\"AQAB\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_"
        "7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
        "\"a string\", 7, null, {}, {\"kty\":7},"
        "%s]}",
        js, jg);
    assert_int_equal(parse(doc, &set), 0);
    assert_int_equal(set.n_keys, 1);
    assert_string_equal(set.keys[0].kid, "good");
    assert_int_equal(set.n_skipped, 12);
    rs_jwks_free(&set);

    /* key_ops must allow verify; an even exponent is refused. */
    jg[strlen(jg) - 1] = '\0';
    snprintf(doc, sizeof doc, "{\"keys\":[%s,\"key_ops\":[\"encrypt\"]}]}", jg);
    assert_int_equal(parse(doc, &set), -ENOENT);
    snprintf(doc, sizeof doc, "{\"keys\":[%s,\"key_ops\":[\"sign\",\"verify\"]}]}", jg);
    assert_int_equal(parse(doc, &set), 0);
    rs_jwks_free(&set);
    char *e_at = strstr(jg, "\"e\":\"AQAB\"");
    memcpy(e_at, "\"e\":\"AQAC\"", 10);
    snprintf(doc, sizeof doc, "{\"keys\":[%s}]}", jg);
    assert_int_equal(parse(doc, &set), -ENOENT);
    free(js);
    free(jg);
    EVP_PKEY_free(small);
    EVP_PKEY_free(good);
}

static void test_limits_and_garbage(void **state)
{
    EVP_PKEY *e = t_ec_key();
    char *je = t_jwk(e, "same", NULL, NULL);
    size_t cap = 20 * (strlen(je) + 1) + 32;
    char *doc = malloc(cap);
    struct rs_jwks set;
    size_t off = (size_t)snprintf(doc, cap, "{\"keys\":[");
    for (int i = 0; i < 20; i++)
        off += (size_t)snprintf(doc + off, cap - off, "%s%s", i ? "," : "", je);
    snprintf(doc + off, cap - off, "]}");
    assert_int_equal(parse(doc, &set), 0);
    assert_int_equal(set.n_keys, RS_JWKS_MAX_KEYS);
    assert_int_equal(set.n_skipped, 4);
    rs_jwks_free(&set);
    free(doc);
    free(je);
    EVP_PKEY_free(e);

    const char *bad[] = {
        "", "{", "[]", "{\"keys\":{}}", "{\"keys\":\"x\"}", "null", "{\"keys\":[],\"keys\":[]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse(bad[i], &set), -EINVAL);
    assert_int_equal(parse("{\"keys\":[]}", &set), -ENOENT);
    assert_int_equal(rs_jwks_parse(NULL, 0, &set), -EINVAL);
    char *huge = malloc(RS_JWKS_MAX_DOC + 2);
    memset(huge, ' ', RS_JWKS_MAX_DOC + 1);
    huge[RS_JWKS_MAX_DOC + 1] = '\0';
    assert_int_equal(rs_jwks_parse(huge, RS_JWKS_MAX_DOC + 1, &set), -EINVAL);
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7517),
        cmocka_unit_test(test_generated_keys_and_lookup),
        cmocka_unit_test(test_skipped_members),
        cmocka_unit_test(test_limits_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
