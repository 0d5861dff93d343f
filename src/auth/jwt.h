/* SPDX-License-Identifier: EUPL-1.2 */
/* Verification of an OpenID Connect ID token: a JWS in compact serialization (RFC 7515) whose
 * payload is a JWT claims set (RFC 7519), checked as OpenID Connect Core 1.0 §3.1.3.7 asks.
 *
 * Only RS256 and ES256 are accepted; `none`, every HMAC algorithm and everything else is a
 * rejection. Each rejection has its own reason so the caller can count it on /metrics.
 * Pure: no I/O, no allocation that outlives a call, safe from any thread. */
#ifndef RS_AUTH_JWT_H
#define RS_AUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/jwks.h"

#define RS_JWT_MAX_LEN (16 * 1024) /* bytes of a compact token we look at */
#define RS_JWT_DEFAULT_LEEWAY_S 60
#define RS_JWT_MAX_GROUPS 32
#define RS_JWT_GROUP_MAX 128 /* bytes of one group name, including the NUL */
#define RS_JWT_CLAIM_MAX 256 /* bytes of sub, email, name, preferred_username, tenant + NUL */

enum rs_jwt_reject {
    RS_JWT_OK = 0,
    RS_JWT_BAD_FORMAT,    /* not three base64url segments within RS_JWT_MAX_LEN; bad JSON */
    RS_JWT_BAD_HEADER,    /* header is no object, lacks alg, or has a `crit` we cannot honour */
    RS_JWT_BAD_ALG,       /* alg is not RS256 or ES256 (none, HS256, ...) */
    RS_JWT_UNKNOWN_KEY,   /* no key in the set for this kid (or, without kid, for this alg) */
    RS_JWT_KEY_MISMATCH,  /* the key the kid names is of another type or alg than the header's */
    RS_JWT_BAD_SIGNATURE, /* the signature does not verify */
    RS_JWT_BAD_CLAIMS,    /* payload is no object; a required claim is missing or mistyped */
    RS_JWT_WRONG_ISS,
    RS_JWT_WRONG_AUD,
    RS_JWT_WRONG_AZP, /* azp present and not us, or several audiences and no azp */
    RS_JWT_EXPIRED,
    RS_JWT_NOT_YET_VALID, /* nbf or iat later than now + leeway */
    RS_JWT_WRONG_NONCE,
    RS_JWT_NO_MEMORY,
    RS_JWT_REJECT_COUNT
};

/* What the token must say. Set it up with rs_jwt_expect_init, then fill in the strings (all
 * borrowed for the duration of the call). */
struct rs_jwt_expect {
    const char *issuer;       /* required: `iss` must equal it exactly */
    const char *client_id;    /* required: `aud` must be or contain it; `azp` checked too */
    const char *nonce;        /* NULL: not checked; else `nonce` must equal it */
    const char *groups_claim; /* NULL: "groups" */
    const char *tenant_claim; /* NULL: none; else a top-level string claim copied to `tenant` */
    int64_t leeway_s;         /* clock skew allowed for exp, nbf, iat; default 60 */
    int64_t now;              /* Unix seconds; 0: the current time */
};

/* Identity taken from a verified token. Strings are NUL-terminated, "" when absent. */
struct rs_jwt_claims {
    char sub[RS_JWT_CLAIM_MAX];
    char email[RS_JWT_CLAIM_MAX];
    bool email_verified;
    char name[RS_JWT_CLAIM_MAX];
    char preferred_username[RS_JWT_CLAIM_MAX];
    char tenant[RS_JWT_CLAIM_MAX];
    char groups[RS_JWT_MAX_GROUPS][RS_JWT_GROUP_MAX];
    size_t n_groups;
    bool groups_truncated; /* more groups, or longer names, than we keep */
    int64_t exp;
    int64_t iat;
};

/* Zeroes `expect` (borrowed) and sets the default leeway. */
void rs_jwt_expect_init(struct rs_jwt_expect *expect);

/* Verifies `len` bytes of `token` (borrowed, need not be NUL-terminated) against the keys of
 * `jwks` (borrowed) and `expect` (borrowed). On success fills `claims` (borrowed, may be NULL)
 * and returns 0. On rejection returns -EACCES and sets `*why` (may be NULL); `claims` is then
 * zeroed. Returns -EINVAL if `expect` lacks issuer or client_id (a programming error, *why =
 * RS_JWT_BAD_CLAIMS), -ENOMEM when out of memory (*why = RS_JWT_NO_MEMORY). */
int rs_jwt_verify(const char *token, size_t len, const struct rs_jwks *jwks,
                  const struct rs_jwt_expect *expect, struct rs_jwt_claims *claims,
                  enum rs_jwt_reject *why);

/* Short snake_case name of a reason ("bad_alg"), for logs and metric labels. Static string. */
const char *rs_jwt_reject_name(enum rs_jwt_reject why);

#endif
