/* SPDX-License-Identifier: EUPL-1.2 */
/* ID token verification: compact JWS, RS256 or ES256, then the OpenID Connect claim checks.
 *
 * The order is the point. We look at the token's shape first (three base64url segments, a
 * size cap), then its header, then we pick a key and verify the signature, and only a token
 * that verified has its claims read. The header is attacker-controlled and tells us which
 * algorithm to use, which is where JWT libraries have failed before:
 *
 *   - `alg: none` would mean "no signature"; we reject it whatever the signature segment holds.
 *   - `alg: HS256` would make a library that takes "the key" for granted use the provider's
 *     public RSA key as an HMAC secret, which an attacker knows. We accept no HMAC at all.
 *   - A `kid` naming an EC key in an RS256 token (or the other way round) is rejected as a key
 *     mismatch, not retried with another key: the key's own type and `alg` decide, never the
 *     header alone.
 *
 * ES256 signatures in JWS are the raw 64-byte r || s (RFC 7518 §3.4), while OpenSSL verifies
 * DER-encoded ECDSA-Sig-Value; we convert, and refuse any other length.
 *
 * Duplicate JSON members are refused in header and payload (jansson's JSON_REJECT_DUPLICATES):
 * two `alg`s or two `aud`s are read differently by different parsers, and a token that means
 * one thing to the provider and another to us is a forgery waiting to happen. */
#include "auth/jwt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "auth/base64url.h"

#define SIG_MAX (RS_JWK_RSA_MAX_BITS / 8)
#define TIME_CLAMP 1000000000000000LL /* far beyond any date, small enough not to overflow */

static const char *const reject_names[RS_JWT_REJECT_COUNT] = {
    [RS_JWT_OK] = "ok",
    [RS_JWT_BAD_FORMAT] = "bad_format",
    [RS_JWT_BAD_HEADER] = "bad_header",
    [RS_JWT_BAD_ALG] = "bad_alg",
    [RS_JWT_UNKNOWN_KEY] = "unknown_key",
    [RS_JWT_KEY_MISMATCH] = "key_mismatch",
    [RS_JWT_BAD_SIGNATURE] = "bad_signature",
    [RS_JWT_BAD_CLAIMS] = "bad_claims",
    [RS_JWT_WRONG_ISS] = "wrong_iss",
    [RS_JWT_WRONG_AUD] = "wrong_aud",
    [RS_JWT_WRONG_AZP] = "wrong_azp",
    [RS_JWT_EXPIRED] = "expired",
    [RS_JWT_NOT_YET_VALID] = "not_yet_valid",
    [RS_JWT_WRONG_NONCE] = "wrong_nonce",
    [RS_JWT_NO_MEMORY] = "no_memory",
};

const char *rs_jwt_reject_name(enum rs_jwt_reject why)
{
    if ((unsigned)why >= RS_JWT_REJECT_COUNT)
        return "unknown";
    return reject_names[why];
}

void rs_jwt_expect_init(struct rs_jwt_expect *expect)
{
    memset(expect, 0, sizeof *expect);
    expect->leeway_s = RS_JWT_DEFAULT_LEEWAY_S;
}

/* Verifies `sig` over `input` with `key` for `alg` (already known to fit). 0 if valid. */
static int verify_signature(const struct rs_jwk *key, const char *alg, const char *input,
                            size_t input_len, const uint8_t *sig, size_t sig_len)
{
    uint8_t der[80];
    const uint8_t *to_check = sig;
    size_t check_len = sig_len;
    int rc = -EACCES;

    if (strcmp(alg, "ES256") == 0) {
        if (sig_len != 64)
            return -EACCES;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, 32, NULL);
        BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
        if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(es);
            return -ENOMEM;
        }
        int der_len = i2d_ECDSA_SIG(es, NULL);
        uint8_t *p = der;
        if (der_len <= 0 || (size_t)der_len > sizeof der || i2d_ECDSA_SIG(es, &p) != der_len) {
            ECDSA_SIG_free(es);
            return -EACCES;
        }
        ECDSA_SIG_free(es);
        to_check = der;
        check_len = (size_t)der_len;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
        return -EACCES; /* RS256: exactly the modulus length */
    }

    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL)
        return -ENOMEM;
    if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey, NULL) == 1 &&
        EVP_DigestVerify(md, to_check, check_len, (const uint8_t *)input, input_len) == 1)
        rc = 0;
    EVP_MD_CTX_free(md);
    return rc;
}

/* Decodes segment [p, p+len) and parses it as a JSON object. NULL if either fails. */
static json_t *decode_json(const char *p, size_t len, uint8_t *buf, size_t cap)
{
    size_t n;
    json_error_t jerr;

    if (rs_b64url_decode(p, len, buf, cap, &n) < 0)
        return NULL;
    json_t *v = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Reads a NumericDate claim. 0 if present, -ENOENT if absent, -EINVAL if not a number. */
static int get_time(json_t *payload, const char *name, int64_t *out)
{
    json_t *v = json_object_get(payload, name);
    if (v == NULL)
        return -ENOENT;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        *out = i > TIME_CLAMP ? TIME_CLAMP : i < -TIME_CLAMP ? -TIME_CLAMP : (int64_t)i;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        *out = d > (double)TIME_CLAMP    ? TIME_CLAMP
               : d < -(double)TIME_CLAMP ? -TIME_CLAMP
                                         : (int64_t)d;
        return 0;
    }
    return -EINVAL;
}

static int str_equals(json_t *v, const char *want)
{
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* Copies an optional string claim; silently leaves "" if absent, mistyped or too long. */
static void copy_optional(json_t *payload, const char *name, char *dst, size_t cap)
{
    json_t *v = json_object_get(payload, name);
    if (json_is_string(v) && json_string_length(v) < cap)
        memcpy(dst, json_string_value(v), json_string_length(v) + 1);
}

static void copy_groups(json_t *v, struct rs_jwt_claims *c)
{
    size_t i;
    json_t *g;

    if (json_is_string(v)) {
        if (json_string_length(v) < RS_JWT_GROUP_MAX) {
            memcpy(c->groups[0], json_string_value(v), json_string_length(v) + 1);
            c->n_groups = 1;
        } else {
            c->groups_truncated = true;
        }
        return;
    }
    json_array_foreach(v, i, g)
    {
        if (!json_is_string(g))
            continue;
        if (c->n_groups == RS_JWT_MAX_GROUPS || json_string_length(g) >= RS_JWT_GROUP_MAX) {
            c->groups_truncated = true;
            continue;
        }
        memcpy(c->groups[c->n_groups++], json_string_value(g), json_string_length(g) + 1);
    }
}

static enum rs_jwt_reject check_audience(json_t *payload, const char *client_id)
{
    json_t *aud = json_object_get(payload, "aud");
    json_t *azp = json_object_get(payload, "azp");
    size_t n_aud = 1;

    if (json_is_array(aud)) {
        size_t i;
        json_t *a;
        int found = 0;
        n_aud = json_array_size(aud);
        json_array_foreach(aud, i, a)
        {
            if (str_equals(a, client_id))
                found = 1;
        }
        if (!found)
            return RS_JWT_WRONG_AUD;
    } else if (!str_equals(aud, client_id)) {
        return RS_JWT_WRONG_AUD;
    }
    /* OIDC Core 3.1.3.7 (4, 5): azp, when present, must be us; with several audiences it
     * must be present, so a token minted for another client that lists us is not accepted. */
    if (azp != NULL ? !str_equals(azp, client_id) : n_aud > 1)
        return RS_JWT_WRONG_AZP;
    return RS_JWT_OK;
}

static enum rs_jwt_reject check_claims(json_t *payload, const struct rs_jwt_expect *expect,
                                       struct rs_jwt_claims *c)
{
    int64_t now = expect->now != 0 ? expect->now : (int64_t)time(NULL);
    int64_t leeway = expect->leeway_s < 0 ? 0 : expect->leeway_s;
    int64_t exp, nbf, iat;
    enum rs_jwt_reject why;

    if (leeway > 86400)
        leeway = 86400;
    if (!str_equals(json_object_get(payload, "iss"), expect->issuer))
        return RS_JWT_WRONG_ISS;
    if ((why = check_audience(payload, expect->client_id)) != RS_JWT_OK)
        return why;

    if (get_time(payload, "exp", &exp) < 0)
        return RS_JWT_BAD_CLAIMS;
    if (now >= exp + leeway)
        return RS_JWT_EXPIRED;
    switch (get_time(payload, "nbf", &nbf)) {
    case -EINVAL:
        return RS_JWT_BAD_CLAIMS;
    case 0:
        if (nbf > now + leeway)
            return RS_JWT_NOT_YET_VALID;
        break;
    }
    if (get_time(payload, "iat", &iat) < 0)
        return RS_JWT_BAD_CLAIMS;
    if (iat > now + leeway)
        return RS_JWT_NOT_YET_VALID;

    if (expect->nonce != NULL && !str_equals(json_object_get(payload, "nonce"), expect->nonce))
        return RS_JWT_WRONG_NONCE;

    json_t *sub = json_object_get(payload, "sub");
    if (!json_is_string(sub) || json_string_length(sub) == 0 ||
        json_string_length(sub) >= sizeof c->sub)
        return RS_JWT_BAD_CLAIMS;
    memcpy(c->sub, json_string_value(sub), json_string_length(sub) + 1);

    /* The tenant scopes what a user may see: a value we cannot hold exactly is an error,
     * never silently "no tenant". An absent claim is "" and the caller decides. */
    if (expect->tenant_claim != NULL) {
        json_t *t = json_object_get(payload, expect->tenant_claim);
        if (t != NULL && (!json_is_string(t) || json_string_length(t) >= sizeof c->tenant))
            return RS_JWT_BAD_CLAIMS;
        if (t != NULL)
            memcpy(c->tenant, json_string_value(t), json_string_length(t) + 1);
    }

    copy_optional(payload, "email", c->email, sizeof c->email);
    copy_optional(payload, "name", c->name, sizeof c->name);
    copy_optional(payload, "preferred_username", c->preferred_username,
                  sizeof c->preferred_username);
    c->email_verified = json_is_true(json_object_get(payload, "email_verified"));
    copy_groups(json_object_get(payload, expect->groups_claim ? expect->groups_claim : "groups"),
                c);
    c->exp = exp;
    c->iat = iat;
    return RS_JWT_OK;
}

/* Splits the token at its two dots. 0, or -EINVAL if the shape is wrong. */
static int split(const char *token, size_t len, size_t *dot1, size_t *dot2)
{
    size_t dots = 0;

    for (size_t i = 0; i < len; i++) {
        if (token[i] != '.')
            continue;
        if (++dots > 2)
            return -EINVAL;
        *(dots == 1 ? dot1 : dot2) = i;
    }
    if (dots != 2 || *dot1 == 0 || *dot2 == *dot1 + 1 || *dot2 + 1 == len)
        return -EINVAL;
    return 0;
}

static enum rs_jwt_reject verify(const char *token, size_t len, const struct rs_jwks *jwks,
                                 const struct rs_jwt_expect *expect, struct rs_jwt_claims *c)
{
    size_t dot1, dot2;
    uint8_t sig[SIG_MAX];
    size_t sig_len;
    json_t *header = NULL, *payload = NULL;
    enum rs_jwt_reject why = RS_JWT_BAD_FORMAT;

    if (token == NULL || len > RS_JWT_MAX_LEN || split(token, len, &dot1, &dot2) < 0)
        return RS_JWT_BAD_FORMAT;
    size_t cap = rs_b64url_decoded_max(len);
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return RS_JWT_NO_MEMORY;

    header = decode_json(token, dot1, buf, cap);
    if (header == NULL)
        goto out;
    /* The payload must be canonical base64url before we spend a signature check on it. */
    size_t payload_len;
    if (rs_b64url_decode(token + dot1 + 1, dot2 - dot1 - 1, buf, cap, &payload_len) < 0)
        goto out;
    int sig_rc = rs_b64url_decode(token + dot2 + 1, len - dot2 - 1, sig, sizeof sig, &sig_len);
    if (sig_rc == -EINVAL)
        goto out;

    json_t *alg = json_object_get(header, "alg");
    json_t *kid = json_object_get(header, "kid");
    why = RS_JWT_BAD_HEADER;
    if (!json_is_string(alg) || (kid != NULL && !json_is_string(kid)) ||
        json_object_get(header, "crit") != NULL)
        goto out;
    why = RS_JWT_BAD_ALG;
    const char *alg_name = json_string_value(alg);
    if (strcmp(alg_name, "RS256") != 0 && strcmp(alg_name, "ES256") != 0)
        goto out;

    const struct rs_jwk *key = rs_jwks_find(jwks, kid ? json_string_value(kid) : NULL, alg_name);
    why = RS_JWT_UNKNOWN_KEY;
    if (key == NULL)
        goto out;
    why = RS_JWT_KEY_MISMATCH;
    if (!rs_jwk_fits_alg(key, alg_name))
        goto out;

    why = RS_JWT_BAD_SIGNATURE;
    if (sig_rc < 0)
        goto out; /* longer than any key we hold */
    int vrc = verify_signature(key, alg_name, token, dot2, sig, sig_len);
    if (vrc == -ENOMEM)
        why = RS_JWT_NO_MEMORY;
    if (vrc < 0)
        goto out;

    json_error_t jerr;
    payload = json_loadb((const char *)buf, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    why = RS_JWT_BAD_CLAIMS;
    if (!json_is_object(payload))
        goto out;
    why = check_claims(payload, expect, c);
out:
    json_decref(payload);
    json_decref(header);
    free(buf);
    return why;
}

int rs_jwt_verify(const char *token, size_t len, const struct rs_jwks *jwks,
                  const struct rs_jwt_expect *expect, struct rs_jwt_claims *claims,
                  enum rs_jwt_reject *why)
{
    struct rs_jwt_claims scratch;
    struct rs_jwt_claims *c = claims != NULL ? claims : &scratch;
    enum rs_jwt_reject result;

    memset(c, 0, sizeof *c);
    if (expect == NULL || expect->issuer == NULL || expect->client_id == NULL) {
        result = RS_JWT_BAD_CLAIMS;
        if (why != NULL)
            *why = result;
        return -EINVAL;
    }
    result = verify(token, len, jwks, expect, c);
    if (why != NULL)
        *why = result;
    if (result == RS_JWT_OK)
        return 0;
    memset(c, 0, sizeof *c);
    return result == RS_JWT_NO_MEMORY ? -ENOMEM : -EACCES;
}
