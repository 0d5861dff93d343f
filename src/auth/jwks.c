/* SPDX-License-Identifier: EUPL-1.2 */
/* JWKS: from the provider's JSON to OpenSSL public keys.
 *
 * The set arrives over the network from the identity provider, on first use and again when a
 * token names a kid we have not seen (key rotation, see oidc.c). We turn each usable member
 * into an EVP_PKEY right away, with OpenSSL 3's EVP_PKEY_fromdata, so the token path only
 * looks keys up and verifies.
 *
 * What is kept is deliberately narrow: RSA (n, e) of 2048..8192 bits and EC P-256 (x, y, 32
 * bytes each, the point checked to lie on the curve). A member whose `use` is anything but
 * "sig" is dropped: an encryption key must never verify a signature. Private members (`d`,
 * `p`, ...) are ignored, never loaded, even if a careless provider publishes them.
 *
 * The subtle part is what a `kid` means. It is only a label chosen by the provider and the
 * token header picks it; so a kid does not vouch for the key type. rs_jwks_find may therefore
 * return a key whose type does not fit the token's alg, and the caller (jwt.c) rejects the
 * token rather than trying the next key: "the key named X, used as the other kind of key" is
 * exactly the algorithm-confusion attack. */
#include "auth/jwks.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/base64url.h"

/* Decoded sizes: RSA modulus up to 8192 bits; exponent up to 64 bits. */
#define RSA_N_MAX (RS_JWK_RSA_MAX_BITS / 8 + 1)
#define RSA_E_MAX 8
#define EC_COORD 32

/* Copies a string member into `dst` if present. 0 if absent or copied; -EINVAL if it is not a
 * string or does not fit. */
static int copy_member(json_t *obj, const char *name, char *dst, size_t cap)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return -EINVAL;
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* Decodes the base64url string member `name` into `out`. Returns 0 or -EINVAL. */
static int decode_member(json_t *obj, const char *name, uint8_t *out, size_t cap, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return -EINVAL;
    if (rs_b64url_decode(json_string_value(v), json_string_length(v), out, cap, len) < 0)
        return -EINVAL;
    return 0;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *load_rsa(json_t *obj)
{
    uint8_t n[RSA_N_MAX], e[RSA_E_MAX];
    size_t n_len, e_len;
    EVP_PKEY *pkey = NULL;

    if (decode_member(obj, "n", n, sizeof n, &n_len) < 0 ||
        decode_member(obj, "e", e, sizeof e, &e_len) < 0 || e_len == 0)
        return NULL;
    /* A public exponent must be odd and at least 3. */
    if ((e[e_len - 1] & 1) == 0 || (e_len == 1 && e[0] < 3))
        return NULL;

    BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL);
    BIGNUM *bn_e = BN_bin2bn(e, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL)
        goto out;
    int bits = BN_num_bits(bn_n);
    if (bits < RS_JWK_RSA_MIN_BITS || bits > RS_JWK_RSA_MAX_BITS || !BN_is_odd(bn_n))
        goto out;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        goto out;
    pkey = pkey_from_params("RSA", bld);
out:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

static EVP_PKEY *load_ec_p256(json_t *obj)
{
    uint8_t point[1 + 2 * EC_COORD];
    size_t x_len, y_len;
    EVP_PKEY *pkey = NULL;
    json_t *crv = json_object_get(obj, "crv");

    if (!json_is_string(crv) || strcmp(json_string_value(crv), "P-256") != 0)
        return NULL;
    point[0] = 0x04; /* uncompressed: 04 || x || y */
    if (decode_member(obj, "x", point + 1, EC_COORD, &x_len) < 0 || x_len != EC_COORD ||
        decode_member(obj, "y", point + 1 + EC_COORD, EC_COORD, &y_len) < 0 || y_len != EC_COORD)
        return NULL;

    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld == NULL)
        return NULL;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
        pkey = pkey_from_params("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (pkey == NULL)
        return NULL;

    /* fromdata decodes the point; the public check makes sure it is on the curve and not the
     * point at infinity, whatever the OpenSSL version does on import. */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* Fills `key` from one JWKS member. Returns 0 if usable, -EINVAL if to be skipped. */
static int load_member(json_t *obj, struct rs_jwk *key)
{
    memset(key, 0, sizeof *key);
    if (!json_is_object(obj) || copy_member(obj, "kty", key->kty, sizeof key->kty) < 0 ||
        copy_member(obj, "kid", key->kid, sizeof key->kid) < 0 ||
        copy_member(obj, "alg", key->alg, sizeof key->alg) < 0 ||
        copy_member(obj, "use", key->use, sizeof key->use) < 0)
        return -EINVAL;
    if (key->use[0] != '\0' && strcmp(key->use, "sig") != 0)
        return -EINVAL;
    /* key_ops, when given, must allow verification. */
    json_t *ops = json_object_get(obj, "key_ops");
    if (ops != NULL) {
        size_t i;
        json_t *op;
        int verify = 0;
        if (!json_is_array(ops))
            return -EINVAL;
        json_array_foreach(ops, i, op)
        {
            if (json_is_string(op) && strcmp(json_string_value(op), "verify") == 0)
                verify = 1;
        }
        if (!verify)
            return -EINVAL;
    }
    if (strcmp(key->kty, "RSA") == 0) {
        if (key->alg[0] != '\0' && strcmp(key->alg, "RS256") != 0)
            return -EINVAL; /* PS256, RS512, ...: not an alg we verify */
        key->type = RS_JWK_RSA;
        key->pkey = load_rsa(obj);
    } else if (strcmp(key->kty, "EC") == 0) {
        if (key->alg[0] != '\0' && strcmp(key->alg, "ES256") != 0)
            return -EINVAL;
        key->type = RS_JWK_EC_P256;
        key->pkey = load_ec_p256(obj);
    }
    return key->pkey != NULL ? 0 : -EINVAL;
}

int rs_jwks_parse(const char *json, size_t len, struct rs_jwks *out)
{
    json_error_t jerr;
    json_t *root = NULL;
    int rc = -EINVAL;

    memset(out, 0, sizeof *out);
    if (json == NULL || len > RS_JWKS_MAX_DOC)
        return -EINVAL;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys))
        goto out;

    size_t i;
    json_t *member;
    json_array_foreach(keys, i, member)
    {
        if (out->n_keys == RS_JWKS_MAX_KEYS || load_member(member, &out->keys[out->n_keys]) < 0) {
            out->n_skipped++;
            continue;
        }
        out->n_keys++;
    }
    rc = out->n_keys > 0 ? 0 : -ENOENT;
out:
    json_decref(root);
    return rc;
}

void rs_jwks_free(struct rs_jwks *jwks)
{
    if (jwks == NULL)
        return;
    for (size_t i = 0; i < jwks->n_keys; i++)
        EVP_PKEY_free(jwks->keys[i].pkey);
    memset(jwks, 0, sizeof *jwks);
}

int rs_jwk_fits_alg(const struct rs_jwk *key, const char *alg)
{
    if (key == NULL || alg == NULL)
        return 0;
    if (key->alg[0] != '\0' && strcmp(key->alg, alg) != 0)
        return 0;
    if (strcmp(alg, "RS256") == 0)
        return key->type == RS_JWK_RSA;
    if (strcmp(alg, "ES256") == 0)
        return key->type == RS_JWK_EC_P256;
    return 0;
}

const struct rs_jwk *rs_jwks_find(const struct rs_jwks *jwks, const char *kid, const char *alg)
{
    const struct rs_jwk *named = NULL;

    if (jwks == NULL)
        return NULL;
    for (size_t i = 0; i < jwks->n_keys; i++) {
        const struct rs_jwk *key = &jwks->keys[i];
        int fits = alg == NULL || rs_jwk_fits_alg(key, alg);
        if (kid == NULL) {
            if (fits)
                return key;
            continue;
        }
        if (strcmp(key->kid, kid) != 0)
            continue;
        if (fits)
            return key;
        if (named == NULL)
            named = key;
    }
    return named;
}
