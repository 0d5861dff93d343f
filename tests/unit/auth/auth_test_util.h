/* SPDX-License-Identifier: EUPL-1.2 */
/* Test-only helpers for the auth tests: fresh keys, their public JWKs, and a JWS signer.
 * Header-only (static functions) so each test binary stays self-contained. Never used by the
 * server: it has no business signing tokens. */
#ifndef RS_TEST_AUTH_UTIL_H
#define RS_TEST_AUTH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "auth/base64url.h"

static __attribute__((unused)) char *t_b64(const void *data, size_t len)
{
    size_t cap = rs_b64url_encoded_len(len) + 1;
    char *out = malloc(cap);
    if (out == NULL || rs_b64url_encode(data, len, out, cap, NULL) != 0)
        abort();
    return out;
}

static __attribute__((unused)) char *t_b64_bn(const BIGNUM *bn, int pad)
{
    unsigned char buf[1024];
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    if (n <= 0)
        abort();
    return t_b64(buf, (size_t)n);
}

static __attribute__((unused)) EVP_PKEY *t_rsa_key(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    if (k == NULL)
        abort();
    return k;
}

static __attribute__((unused)) EVP_PKEY *t_ec_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (k == NULL)
        abort();
    return k;
}

/* The public JWK of `k` as a JSON object text; `kid`, `alg`, `use` may be NULL. Caller frees. */
static __attribute__((unused)) char *t_jwk(EVP_PKEY *k, const char *kid, const char *alg,
                                           const char *use)
{
    char extra[256] = "";
    char *out = malloc(4096);
    int off = 0;
    if (kid)
        off += snprintf(extra + off, sizeof extra - (size_t)off, ",\"kid\":\"%s\"", kid);
    if (alg)
        off += snprintf(extra + off, sizeof extra - (size_t)off, ",\"alg\":\"%s\"", alg);
    if (use)
        snprintf(extra + off, sizeof extra - (size_t)off, ",\"use\":\"%s\"", use);
    if (EVP_PKEY_is_a(k, "RSA")) {
        BIGNUM *n = NULL, *e = NULL;
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
        char *ns = t_b64_bn(n, 0), *es = t_b64_bn(e, 0);
        snprintf(out, 4096, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"%s}", ns, es, extra);
        free(ns);
        free(es);
        BN_free(n);
        BN_free(e);
    } else {
        BIGNUM *x = NULL, *y = NULL;
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        char *xs = t_b64_bn(x, 32), *ys = t_b64_bn(y, 32);
        snprintf(out, 4096, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"%s}", xs,
                 ys, extra);
        free(xs);
        free(ys);
        BN_free(x);
        BN_free(y);
    }
    return out;
}

/* The public key of `k` as PEM text (what the HS256 confusion attack uses as HMAC secret). */
static __attribute__((unused)) char *t_pem(EVP_PKEY *k, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    PEM_write_bio_PUBKEY(bio, k);
    long n = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
    BIO_free(bio);
    return out;
}

/* Signs header.payload (JSON texts) with `k`: "RS256", "ES256" (raw r||s), "HS256" (HMAC with
 * `k`'s public PEM as the secret) or "none" (empty signature). Caller frees. */
static __attribute__((unused)) char *t_sign(const char *header, const char *payload, EVP_PKEY *k,
                                            const char *alg)
{
    char *h = t_b64(header, strlen(header)), *p = t_b64(payload, strlen(payload));
    size_t input_len = strlen(h) + 1 + strlen(p);
    char *input = malloc(input_len + 1);
    snprintf(input, input_len + 1, "%s.%s", h, p);
    unsigned char sig[1024];
    size_t sig_len = 0;

    if (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0) {
        unsigned char der[1024];
        size_t der_len = sizeof der;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
            EVP_DigestSign(md, der, &der_len, (unsigned char *)input, input_len) != 1)
            abort();
        EVP_MD_CTX_free(md);
        if (alg[0] == 'R') {
            memcpy(sig, der, der_len);
            sig_len = der_len;
        } else {
            const unsigned char *q = der;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)der_len);
            BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
            ECDSA_SIG_free(es);
            sig_len = 64;
        }
    } else if (strcmp(alg, "HS256") == 0) {
        size_t pem_len;
        char *pem = t_pem(k, &pem_len);
        unsigned int n = 0;
        HMAC(EVP_sha256(), pem, (int)pem_len, (unsigned char *)input, input_len, sig, &n);
        sig_len = n;
        free(pem);
    }
    char *s = t_b64(sig, sig_len);
    size_t total = input_len + 1 + strlen(s) + 1;
    char *token = malloc(total);
    snprintf(token, total, "%s.%s", input, s);
    free(h);
    free(p);
    free(s);
    free(input);
    return token;
}

#endif
