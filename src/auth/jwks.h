/* SPDX-License-Identifier: EUPL-1.2 */
/* A JSON Web Key Set (RFC 7517) as the identity provider publishes it at its `jwks_uri`: the
 * public keys that may sign ID tokens, turned into OpenSSL keys once, when parsed.
 *
 * Only signature keys we can verify with are kept: RSA of 2048 to 8192 bits and EC on P-256.
 * Everything else (use "enc", other curves, symmetric "oct" keys, malformed members) is skipped
 * and counted, not an error, because real sets mix such keys with the ones we need. */
#ifndef RS_AUTH_JWKS_H
#define RS_AUTH_JWKS_H

#include <stddef.h>

#include <openssl/types.h>

#define RS_JWKS_MAX_KEYS 16
#define RS_JWKS_MAX_DOC (256 * 1024) /* bytes of JSON accepted by rs_jwks_parse */
#define RS_JWK_KID_MAX 128           /* bytes of `kid`, including the NUL */
#define RS_JWK_RSA_MIN_BITS 2048
#define RS_JWK_RSA_MAX_BITS 8192

enum rs_jwk_type {
    RS_JWK_RSA = 1,
    RS_JWK_EC_P256,
};

struct rs_jwk {
    enum rs_jwk_type type;
    char kty[4];              /* "RSA" or "EC" as published */
    char kid[RS_JWK_KID_MAX]; /* "" when the key has none */
    char alg[16];             /* "" when absent; else e.g. "RS256", "ES256" */
    char use[8];              /* "" when absent, else "sig" */
    EVP_PKEY *pkey;           /* owned by the set; freed by rs_jwks_free */
};

struct rs_jwks {
    struct rs_jwk keys[RS_JWKS_MAX_KEYS];
    size_t n_keys;
    size_t n_skipped; /* members ignored: unusable, not for signatures, or past the maximum */
};

/* Parses `len` bytes of `json` (borrowed) into `out` (borrowed; its old content is not freed).
 * On success `out` owns one EVP_PKEY per key; release them with rs_jwks_free. On failure `out`
 * holds no keys. Returns 0, -EINVAL if the document is not a JSON object with a "keys" array
 * (or is larger than RS_JWKS_MAX_DOC), -ENOENT if no member is a usable signature key, or
 * -ENOMEM. */
int rs_jwks_parse(const char *json, size_t len, struct rs_jwks *out);

/* Releases the keys `jwks` owns and empties it. NULL and empty sets are fine. */
void rs_jwks_free(struct rs_jwks *jwks);

/* Finds the key for a JWS header. With `kid` (borrowed, may be NULL): the key with that kid,
 * preferring one whose type fits `alg`; the caller must still check the fit, because a kid may
 * name a key of the wrong type. Without `kid`: the first key whose type and alg fit `alg`.
 * `alg` is "RS256" or "ES256" (or NULL: any type). Returns a pointer borrowed from `jwks`, or
 * NULL. */
const struct rs_jwk *rs_jwks_find(const struct rs_jwks *jwks, const char *kid, const char *alg);

/* 1 if `key` may verify a JWS whose header says `alg`: RS256 needs an RSA key, ES256 a P-256
 * key, and a key that names its own `alg` must name this one. Else 0. */
int rs_jwk_fits_alg(const struct rs_jwk *key, const char *alg);

#endif
