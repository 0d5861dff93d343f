/* SPDX-License-Identifier: EUPL-1.2 */
/* ID token verification: the RFC 7515 examples, then every rejection reason with tokens we sign
 * ourselves using fresh keys (RSA 2048 and EC P-256) generated per run. */
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
#include "auth/jwt.h"
#include "auth_test_util.h"

/* RFC 7515 Appendix A.2.1 (RS256) with the key of A.2 / RFC 7517 A.1, and A.3.1 (ES256). */
#define RFC_PAYLOAD                                                                                \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"     \
    "cnVlfQ"
static const char rfc_a2_token[] =
    "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W"
    "2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSj"
    "tQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh"
    "6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
static const char rfc_a2_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mP"
    "ddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47so"
    "MZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTB"
    "QY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDT"
    "W9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}]}";
static const char rfc_a3_token[] =
    "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
static const char rfc_a3_jwks[] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
                                  "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
                                  "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

#define NOW 1700000000LL
#define ISS "https://idp.example.org/realms/amt"
#define CLIENT "ratsaal"

static EVP_PKEY *rsa, *ec, *rsa_other;
static struct rs_jwks jwks;

static int setup(void **state)
{
    rsa = t_rsa_key(2048);
    rsa_other = t_rsa_key(2048);
    ec = t_ec_key();
    char *j1 = t_jwk(rsa, "rsa1", "RS256", "sig"), *j2 = t_jwk(ec, "ec1", NULL, "sig");
    char doc[8192];
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", j1, j2);
    free(j1);
    free(j2);
    return rs_jwks_parse(doc, strlen(doc), &jwks) == 0 && jwks.n_keys == 2 ? 0 : -1;
}

static int teardown(void **state)
{
    rs_jwks_free(&jwks);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsa_other);
    EVP_PKEY_free(ec);
    return 0;
}

static struct rs_jwt_expect expect_default(void)
{
    struct rs_jwt_expect e;
    rs_jwt_expect_init(&e);
    e.issuer = ISS;
    e.client_id = CLIENT;
    e.nonce = "n-0S6_WzA2Mj";
    e.tenant_claim = "tenant";
    e.now = NOW;
    return e;
}

/* A payload with the standard claims; `extra` is appended inside the object. */
static char *payload(const char *extra)
{
    char *p = malloc(32768);
    snprintf(p, 32768,
             "{\"iss\":\"" ISS "\",\"sub\":\"f1c2-77\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
             "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\",\"email\":\"anna@amt.example\","
             "\"name\":\"Anna Beispiel\",\"preferred_username\":\"anna\","
             "\"groups\":[\"/amt/moderators\",\"/amt/all\"],\"tenant\":\"amt-nord\"%s}",
             NOW + 300, NOW - 5, extra ? extra : "");
    return p;
}

/* Builds a token from a raw payload text and returns the verification result. */
static int check(const char *header, const char *body, EVP_PKEY *k, const char *alg,
                 enum rs_jwt_reject *why, struct rs_jwt_claims *claims)
{
    struct rs_jwt_expect e = expect_default();
    char *token = t_sign(header, body, k, alg);
    int rc = rs_jwt_verify(token, strlen(token), &jwks, &e, claims, why);
    free(token);
    return rc;
}

/* Verifies a token whose standard payload gets `extra` and expects reason `want`. */
static void expect_reason(const char *header, const char *extra, EVP_PKEY *k, const char *alg,
                          enum rs_jwt_reject want)
{
    enum rs_jwt_reject why = RS_JWT_REJECT_COUNT;
    char *p = payload(extra);
    int rc = check(header, p, k, alg, &why, NULL);
    free(p);
    assert_string_equal(rs_jwt_reject_name(why), rs_jwt_reject_name(want));
    assert_int_equal(rc, want == RS_JWT_OK ? 0 : -EACCES);
}

static void verify_raw(const char *token, enum rs_jwt_reject want)
{
    struct rs_jwt_expect e = expect_default();
    enum rs_jwt_reject why = RS_JWT_REJECT_COUNT;
    int rc = rs_jwt_verify(token, strlen(token), &jwks, &e, NULL, &why);
    assert_string_equal(rs_jwt_reject_name(why), rs_jwt_reject_name(want));
    assert_int_equal(rc, want == RS_JWT_OK ? 0 : -EACCES);
}

#define RS_HDR "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}"
#define ES_HDR "{\"alg\":\"ES256\",\"kid\":\"ec1\"}"

/* The RFC's payload has no aud: with the signature valid and iss/exp fine, the first failing
 * check is the audience. A bad signature would be reported before any claim. */
static void rfc_vector(const char *doc, const char *token)
{
    struct rs_jwks set;
    struct rs_jwt_expect e;
    enum rs_jwt_reject why;
    rs_jwt_expect_init(&e);
    e.issuer = "joe";
    e.client_id = CLIENT;
    e.now = 1300819300;
    assert_int_equal(rs_jwks_parse(doc, strlen(doc), &set), 0);
    assert_int_equal(rs_jwt_verify(token, strlen(token), &set, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_WRONG_AUD);
    e.issuer = "jane";
    assert_int_equal(rs_jwt_verify(token, strlen(token), &set, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_WRONG_ISS);
    e.issuer = "joe";
    e.now = 1300819380 + 60;
    assert_int_equal(rs_jwt_verify(token, strlen(token), &set, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_WRONG_AUD); /* aud is checked before exp */

    /* One signature character changed in the middle: the signature no longer verifies. */
    char *bad = strdup(token);
    char *sig = strrchr(bad, '.') + 10;
    *sig = *sig == 'A' ? 'B' : 'A';
    e.now = 1300819300;
    assert_int_equal(rs_jwt_verify(bad, strlen(bad), &set, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_BAD_SIGNATURE);
    free(bad);
    rs_jwks_free(&set);
}

static void test_rfc7515_a2_rs256(void **state)
{
    rfc_vector(rfc_a2_jwks, rfc_a2_token);
}

static void test_rfc7515_a3_es256(void **state)
{
    rfc_vector(rfc_a3_jwks, rfc_a3_token);
}

static void test_valid_rs256(void **state)
{
    struct rs_jwt_claims c;
    enum rs_jwt_reject why;
    char *p = payload(",\"email_verified\":true");
    assert_int_equal(check(RS_HDR, p, rsa, "RS256", &why, &c), 0);
    free(p);
    assert_int_equal(why, RS_JWT_OK);
    assert_string_equal(c.sub, "f1c2-77");
    assert_string_equal(c.email, "anna@amt.example");
    assert_true(c.email_verified);
    assert_string_equal(c.name, "Anna Beispiel");
    assert_string_equal(c.preferred_username, "anna");
    assert_int_equal(c.n_groups, 2);
    assert_string_equal(c.groups[0], "/amt/moderators");
    assert_string_equal(c.groups[1], "/amt/all");
    assert_false(c.groups_truncated);
    assert_string_equal(c.tenant, "amt-nord");
    assert_int_equal(c.exp, NOW + 300);
    assert_int_equal(c.iat, NOW - 5);
}

static void test_valid_es256(void **state)
{
    expect_reason(ES_HDR, NULL, ec, "ES256", RS_JWT_OK);
}

static void test_no_kid_uses_alg(void **state)
{
    expect_reason("{\"alg\":\"RS256\"}", NULL, rsa, "RS256", RS_JWT_OK);
    expect_reason("{\"alg\":\"ES256\"}", NULL, ec, "ES256", RS_JWT_OK);
}

static void test_alg_none(void **state)
{
    /* Without a signature, with an empty one, and with a real RS256 signature attached. */
    char *p = payload(NULL);
    char *h = t_b64("{\"alg\":\"none\"}", 14), *b = t_b64(p, strlen(p));
    char token[8192];
    snprintf(token, sizeof token, "%s.%s.", h, b);
    verify_raw(token, RS_JWT_BAD_FORMAT); /* empty third segment */
    char *real = t_sign(RS_HDR, p, rsa, "RS256");
    snprintf(token, sizeof token, "%s.%s.%s", h, b, strrchr(real, '.') + 1);
    verify_raw(token, RS_JWT_BAD_ALG);
    free(real);
    free(h);
    free(b);
    free(p);
    expect_reason("{\"alg\":\"none\",\"kid\":\"rsa1\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"None\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
}

static void test_hmac_with_public_key_rejected(void **state)
{
    /* The classic confusion: HMAC keyed with the RSA public key an attacker can download. */
    expect_reason("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}", NULL, rsa, "HS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"HS256\"}", NULL, rsa, "HS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"HS384\",\"kid\":\"rsa1\"}", NULL, rsa, "HS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"HS512\",\"kid\":\"rsa1\"}", NULL, rsa, "HS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"PS256\",\"kid\":\"rsa1\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"RS512\",\"kid\":\"rsa1\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
    expect_reason("{\"alg\":\"rs256\",\"kid\":\"rsa1\"}", NULL, rsa, "RS256", RS_JWT_BAD_ALG);
}

static void test_bad_header(void **state)
{
    expect_reason("{\"kid\":\"rsa1\"}", NULL, rsa, "RS256", RS_JWT_BAD_HEADER);
    expect_reason("{\"alg\":256}", NULL, rsa, "RS256", RS_JWT_BAD_HEADER);
    expect_reason("{\"alg\":\"RS256\",\"kid\":7}", NULL, rsa, "RS256", RS_JWT_BAD_HEADER);
    expect_reason("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", NULL, rsa, "RS256",
                  RS_JWT_BAD_HEADER);
    /* Duplicate members mean different things to different parsers. */
    expect_reason("{\"alg\":\"RS256\",\"alg\":\"none\"}", NULL, rsa, "RS256", RS_JWT_BAD_FORMAT);
    expect_reason("[\"RS256\"]", NULL, rsa, "RS256", RS_JWT_BAD_FORMAT);
    expect_reason("not json", NULL, rsa, "RS256", RS_JWT_BAD_FORMAT);
}

static void test_tampered(void **state)
{
    char *p1 = payload(NULL);
    char *p2 = payload(",\"is_admin\":true");
    char *good = t_sign(RS_HDR, p1, rsa, "RS256");
    char *other = t_sign(RS_HDR, p2, rsa, "RS256");
    /* header and signature of `good`, payload of `other` */
    char token[16384];
    char *d1 = strchr(good, '.'), *d2 = strrchr(good, '.');
    char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    snprintf(token, sizeof token, "%.*s%.*s%s", (int)(d1 - good), good, (int)(o2 - o1), o1, d2);
    verify_raw(token, RS_JWT_BAD_SIGNATURE);
    /* signed by another RSA key under our kid */
    expect_reason(RS_HDR, NULL, rsa_other, "RS256", RS_JWT_BAD_SIGNATURE);
    /* signature truncated by one byte: wrong length for the modulus */
    char *sig = t_b64("x", 1);
    snprintf(token, sizeof token, "%.*s.%s", (int)(d2 - good), good, sig);
    verify_raw(token, RS_JWT_BAD_SIGNATURE);
    free(sig);
    /* ES256 signature in DER instead of raw r||s */
    free(good);
    free(other);
    free(p2);
    good = t_sign(ES_HDR, p1, ec, "ES256");
    d2 = strrchr(good, '.');
    uint8_t raw[64];
    size_t raw_len;
    assert_int_equal(rs_b64url_decode(d2 + 1, strlen(d2 + 1), raw, sizeof raw, &raw_len), 0);
    raw[5] ^= 1;
    sig = t_b64(raw, raw_len);
    snprintf(token, sizeof token, "%.*s.%s", (int)(d2 - good), good, sig);
    verify_raw(token, RS_JWT_BAD_SIGNATURE);
    free(sig);
    free(good);
    free(p1);
}

static void test_wrong_iss_aud(void **state)
{
    char body[4096];
    enum rs_jwt_reject why;
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "/\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,\"iat\":%lld,"
             "\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW + 300, NOW);
    assert_int_equal(check(RS_HDR, body, rsa, "RS256", &why, NULL), -EACCES);
    assert_int_equal(why, RS_JWT_WRONG_ISS);

    const char *auds[][2] = {
        {"\"other\"", "wrong_aud"},
        {"[\"other\",\"more\"]", "wrong_aud"},
        {"[]", "wrong_aud"},
        {"null", "wrong_aud"},
        {"[\"" CLIENT "\"]", "ok"},
        {"[\"other\",\"" CLIENT "\"]", "wrong_azp"}, /* several audiences need azp */
    };
    for (size_t i = 0; i < sizeof auds / sizeof auds[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":%s,\"exp\":%lld,\"iat\":%lld,"
                 "\"nonce\":\"n-0S6_WzA2Mj\"}",
                 auds[i][0], NOW + 300, NOW);
        check(RS_HDR, body, rsa, "RS256", &why, NULL);
        assert_string_equal(rs_jwt_reject_name(why), auds[i][1]);
    }
    /* aud array containing us, with azp = us: accepted; azp = someone else: rejected. */
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":[\"other\",\"" CLIENT
             "\"],\"azp\":\"" CLIENT "\",\"exp\":%lld,\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW + 300, NOW);
    assert_int_equal(check(RS_HDR, body, rsa, "RS256", &why, NULL), 0);
    expect_reason(RS_HDR, ",\"azp\":\"other\"", rsa, "RS256", RS_JWT_WRONG_AZP);
}

static void test_times(void **state)
{
    char extra[128];
    struct {
        long long exp, iat, nbf;
        enum rs_jwt_reject want;
    } cases[] = {
        {NOW + 300, NOW, 0, RS_JWT_OK},           {NOW - 61, NOW - 600, 0, RS_JWT_EXPIRED},
        {NOW - 30, NOW - 600, 0, RS_JWT_OK}, /* within the 60 s leeway */
        {NOW - 60, NOW - 600, 0, RS_JWT_EXPIRED}, {NOW + 300, NOW + 120, 0, RS_JWT_NOT_YET_VALID},
        {NOW + 300, NOW + 30, 0, RS_JWT_OK},      {NOW + 300, NOW, NOW + 120, RS_JWT_NOT_YET_VALID},
        {NOW + 300, NOW, NOW + 59, RS_JWT_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[4096];
        enum rs_jwt_reject why;
        if (cases[i].nbf)
            snprintf(extra, sizeof extra, ",\"nbf\":%lld", cases[i].nbf);
        else
            extra[0] = '\0';
        snprintf(body, sizeof body,
                 "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
                 "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\"%s}",
                 cases[i].exp, cases[i].iat, extra);
        check(RS_HDR, body, rsa, "RS256", &why, NULL);
        assert_string_equal(rs_jwt_reject_name(why), rs_jwt_reject_name(cases[i].want));
    }
    /* Leeway configurable: zero leeway rejects a token 1 s past exp. */
    struct rs_jwt_expect e = expect_default();
    enum rs_jwt_reject why;
    e.leeway_s = 0;
    char body[4096];
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
             "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW - 1, NOW - 100);
    char *t = t_sign(RS_HDR, body, rsa, "RS256");
    assert_int_equal(rs_jwt_verify(t, strlen(t), &jwks, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_EXPIRED);
    free(t);
}

static void test_nonce(void **state)
{
    char body[4096];
    enum rs_jwt_reject why;
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,\"iat\":%lld,"
             "\"nonce\":\"replayed\"}",
             NOW + 300, NOW);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_WRONG_NONCE);
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,\"iat\":%lld}",
             NOW + 300, NOW);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_WRONG_NONCE);
    /* nonce not checked when none is expected */
    struct rs_jwt_expect e = expect_default();
    e.nonce = NULL;
    char *t = t_sign(RS_HDR, body, rsa, "RS256");
    assert_int_equal(rs_jwt_verify(t, strlen(t), &jwks, &e, NULL, &why), 0);
    free(t);
}

static void test_keys(void **state)
{
    expect_reason("{\"alg\":\"RS256\",\"kid\":\"gone\"}", NULL, rsa, "RS256", RS_JWT_UNKNOWN_KEY);
    /* a kid naming the EC key, in an RS256 token (signed with RSA) */
    expect_reason("{\"alg\":\"RS256\",\"kid\":\"ec1\"}", NULL, rsa, "RS256", RS_JWT_KEY_MISMATCH);
    expect_reason("{\"alg\":\"ES256\",\"kid\":\"rsa1\"}", NULL, ec, "ES256", RS_JWT_KEY_MISMATCH);
    /* An empty set knows no key. */
    struct rs_jwks empty = {0};
    struct rs_jwt_expect e = expect_default();
    enum rs_jwt_reject why;
    char *p = payload(NULL);
    char *t = t_sign(RS_HDR, p, rsa, "RS256");
    assert_int_equal(rs_jwt_verify(t, strlen(t), &empty, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_UNKNOWN_KEY);
    assert_int_equal(rs_jwt_verify(t, strlen(t), NULL, &e, NULL, &why), -EACCES);
    assert_int_equal(why, RS_JWT_UNKNOWN_KEY);
    free(t);
    free(p);
}

static void test_format(void **state)
{
    char *p = payload(NULL);
    char *good = t_sign(RS_HDR, p, rsa, "RS256");
    char token[40000];
    verify_raw(good, RS_JWT_OK);

    const char *shapes[] = {"", ".", "..", "...", "a.b", "a.b.c.d", "abc", ".b.c", "a..c"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        verify_raw(shapes[i], RS_JWT_BAD_FORMAT);
    snprintf(token, sizeof token, "%s.", good);
    verify_raw(token, RS_JWT_BAD_FORMAT); /* four segments */
    snprintf(token, sizeof token, "%s.%s", good, strrchr(good, '.') + 1);
    verify_raw(token, RS_JWT_BAD_FORMAT);
    char *two = strdup(good);
    *strrchr(two, '.') = '\0';
    verify_raw(two, RS_JWT_BAD_FORMAT);
    free(two);

    /* A character outside base64url anywhere: '+', '/', '=', space, non-ASCII. */
    const char subst[] = {'+', '/', '=', ' ', '\x80', '\n'};
    size_t positions[] = {3, strchr(good, '.') - good + 5, strlen(good) - 3};
    for (size_t i = 0; i < sizeof subst; i++) {
        for (size_t k = 0; k < 3; k++) {
            snprintf(token, sizeof token, "%s", good);
            token[positions[k]] = subst[i];
            verify_raw(token, RS_JWT_BAD_FORMAT);
        }
    }
    snprintf(token, sizeof token, "%s==", good); /* padding */
    verify_raw(token, RS_JWT_BAD_FORMAT);

    /* Over the size cap: a validly signed token with a large claim, and plain filler. */
    char *big_extra = malloc(20000);
    snprintf(big_extra, 20000, ",\"pad\":\"%012000d\"", 0);
    char *big_payload = payload(big_extra);
    char *big = t_sign(RS_HDR, big_payload, rsa, "RS256");
    assert_true(strlen(big) > RS_JWT_MAX_LEN);
    verify_raw(big, RS_JWT_BAD_FORMAT);
    memset(token, 'A', RS_JWT_MAX_LEN + 1);
    token[10] = '.';
    token[20] = '.';
    assert_int_equal(rs_jwt_verify(token, RS_JWT_MAX_LEN + 1, &jwks,
                                   &(struct rs_jwt_expect){.issuer = ISS, .client_id = CLIENT},
                                   NULL, NULL),
                     -EACCES);
    /* Length is honoured: a token need not be NUL-terminated, trailing bytes are not read. */
    snprintf(token, sizeof token, "%sGARBAGE", good);
    struct rs_jwt_expect e = expect_default();
    assert_int_equal(rs_jwt_verify(token, strlen(good), &jwks, &e, NULL, NULL), 0);
    free(big);
    free(big_payload);
    free(big_extra);
    free(good);
    free(p);
}

static void test_claims_shape(void **state)
{
    char body[4096];
    enum rs_jwt_reject why;
    /* sub missing, exp a string, iat missing, payload not an object */
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"aud\":\"" CLIENT "\",\"exp\":%lld,\"iat\":%lld,"
             "\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW + 300, NOW);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_BAD_CLAIMS);
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":\"%lld\","
             "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW + 300, NOW);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_BAD_CLAIMS);
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
             "\"nonce\":\"n-0S6_WzA2Mj\"}",
             NOW + 300);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_BAD_CLAIMS);
    check(RS_HDR, "[1,2]", rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_BAD_CLAIMS);
    expect_reason(RS_HDR, ",\"iss\":\"again\"", rsa, "RS256", RS_JWT_BAD_CLAIMS); /* dup */
    expect_reason(RS_HDR, ",\"tenant2\":1", rsa, "RS256", RS_JWT_OK);
    /* real-valued times are fine */
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld.5,"
             "\"iat\":%lld.25,\"nonce\":\"n-0S6_WzA2Mj\",\"nbf\":1e300}",
             NOW + 300, NOW);
    check(RS_HDR, body, rsa, "RS256", &why, NULL);
    assert_int_equal(why, RS_JWT_NOT_YET_VALID);
}

static void test_tenant_and_groups(void **state)
{
    struct rs_jwt_claims c;
    enum rs_jwt_reject why;
    char body[16384];
    int off = snprintf(body, sizeof body,
                       "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
                       "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\",\"roles\":[",
                       NOW + 300, NOW);
    for (int i = 0; i < 40; i++)
        off += snprintf(body + off, sizeof body - (size_t)off, "%s\"g%d\"", i ? "," : "", i);
    snprintf(body + off, sizeof body - (size_t)off, ",7,null],\"tenant\":\"t\"}");
    struct rs_jwt_expect e = expect_default();
    e.groups_claim = "roles";
    char *t = t_sign(RS_HDR, body, rsa, "RS256");
    assert_int_equal(rs_jwt_verify(t, strlen(t), &jwks, &e, &c, &why), 0);
    free(t);
    assert_int_equal(c.n_groups, RS_JWT_MAX_GROUPS);
    assert_true(c.groups_truncated);
    assert_string_equal(c.groups[31], "g31");
    assert_string_equal(c.tenant, "t");

    /* a single string is one group; a tenant that is not a string is an error */
    expect_reason(RS_HDR, "", rsa, "RS256", RS_JWT_OK);
    char *p = payload(NULL);
    /* replace "tenant":"amt-nord" by a number via a fresh payload */
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
             "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\",\"groups\":\"/one\",\"tenant\":[\"a\"]}",
             NOW + 300, NOW);
    assert_int_equal(check(RS_HDR, body, rsa, "RS256", &why, &c), -EACCES);
    assert_int_equal(why, RS_JWT_BAD_CLAIMS);
    assert_string_equal(c.sub, ""); /* claims are zeroed on rejection */
    snprintf(body, sizeof body,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":%lld,"
             "\"iat\":%lld,\"nonce\":\"n-0S6_WzA2Mj\",\"groups\":\"/one\"}",
             NOW + 300, NOW);
    assert_int_equal(check(RS_HDR, body, rsa, "RS256", &why, &c), 0);
    assert_int_equal(c.n_groups, 1);
    assert_string_equal(c.groups[0], "/one");
    assert_string_equal(c.tenant, "");
    free(p);
}

static void test_expect_required(void **state)
{
    struct rs_jwt_expect e;
    enum rs_jwt_reject why;
    rs_jwt_expect_init(&e);
    assert_int_equal(e.leeway_s, RS_JWT_DEFAULT_LEEWAY_S);
    assert_int_equal(rs_jwt_verify("a.b.c", 5, &jwks, &e, NULL, &why), -EINVAL);
    assert_int_equal(rs_jwt_verify("a.b.c", 5, &jwks, NULL, NULL, &why), -EINVAL);
}

static void test_reason_names(void **state)
{
    for (int i = 0; i < RS_JWT_REJECT_COUNT; i++) {
        assert_non_null(rs_jwt_reject_name(i));
        for (int k = 0; k < i; k++)
            assert_string_not_equal(rs_jwt_reject_name(i), rs_jwt_reject_name(k));
    }
    assert_string_equal(rs_jwt_reject_name(RS_JWT_REJECT_COUNT), "unknown");
    assert_string_equal(rs_jwt_reject_name(RS_JWT_BAD_ALG), "bad_alg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7515_a2_rs256),
        cmocka_unit_test(test_rfc7515_a3_es256),
        cmocka_unit_test(test_valid_rs256),
        cmocka_unit_test(test_valid_es256),
        cmocka_unit_test(test_no_kid_uses_alg),
        cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_hmac_with_public_key_rejected),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_wrong_iss_aud),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_claims_shape),
        cmocka_unit_test(test_tenant_and_groups),
        cmocka_unit_test(test_expect_required),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
