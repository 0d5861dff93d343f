/* SPDX-License-Identifier: EUPL-1.2 */
/* The provider's signing keys, cached, with key rotation.
 *
 * One cache per configured provider, owned by ONE thread (the auth thread): no locking inside.
 * Lookups may fetch the JWKS over HTTP and therefore block (see auth/oidc_http.h). */
#ifndef RS_AUTH_OIDC_KEYS_H
#define RS_AUTH_OIDC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/oidc_http.h"

#define RS_OIDC_JWKS_REFETCH_S 60    /* at most one fetch per minute for unknown kids */
#define RS_OIDC_JWKS_RETRY_EMPTY_S 5 /* while we hold no keys at all */
#define RS_OIDC_JWKS_MAX_AGE_S 3600  /* refetch (keeping the old set on failure) after this */

struct rs_oidc_keys;

/* Creates an empty cache for `jwks_uri` (copied; must pass rs_oidc_url_allowed). `http`
 * (copied, may be NULL; its ca_file string is borrowed and must outlive the cache). Nothing is
 * fetched yet. Returns 0 with a new cache in `*out` (owned by the caller, freed with
 * rs_oidc_keys_free), -EPERM/-EINVAL for the URL, or -ENOMEM. */
int rs_oidc_keys_new(const char *jwks_uri, const struct rs_oidc_http_opts *http,
                     struct rs_oidc_keys **out);

void rs_oidc_keys_free(struct rs_oidc_keys *keys);

/* Returns the key set holding `kid` (borrowed; NULL: any set) in `*out`, a pointer borrowed
 * from the cache and valid until the next call on it. Fetches the JWKS when there is none yet,
 * when it is older than RS_OIDC_JWKS_MAX_AGE_S, or when `kid` is unknown, but at most once per
 * RS_OIDC_JWKS_REFETCH_S (RS_OIDC_JWKS_RETRY_EMPTY_S while no set is held), so tokens with
 * made-up kids cannot make us hammer the provider. A failed or unusable fetch keeps the old
 * set. `now` is Unix seconds (0: the current time). Returns 0, -ENOENT if `kid` is still
 * unknown, or, when no set is held at all, the fetch error (see rs_oidc_http_get; -EBADMSG for
 * a non-200 status or an unusable document). */
int rs_oidc_keys_for(struct rs_oidc_keys *keys, const char *kid, int64_t now,
                     const struct rs_jwks **out);

/* rs_jwt_verify against the cached set; on RS_JWT_UNKNOWN_KEY the set is refreshed (rate
 * limited as above) and the token verified once more, which is how a provider's key rotation
 * is picked up. `expect->now` is also the cache's clock. Returns as rs_jwt_verify, plus
 * -EIO with *why = RS_JWT_UNKNOWN_KEY when no key set could be fetched at all. */
int rs_oidc_keys_verify(struct rs_oidc_keys *keys, const char *token, size_t len,
                        const struct rs_jwt_expect *expect, struct rs_jwt_claims *claims,
                        enum rs_jwt_reject *why);

/* Number of JWKS fetches attempted so far (for /metrics and tests). */
uint64_t rs_oidc_keys_fetches(const struct rs_oidc_keys *keys);

#endif
