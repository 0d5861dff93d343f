/* SPDX-License-Identifier: EUPL-1.2 */
/* JWKS cache with key rotation.
 *
 * Providers rotate signing keys by publishing the new key in the JWKS before signing with it,
 * and removing the old one later. So an unknown `kid` in a token usually means "fetch the set
 * again". It can also mean an attacker sending made-up kids to make us flood the provider, so
 * refetches are rate-limited: at most one per RS_OIDC_JWKS_REFETCH_S, whatever the kid. A
 * token with a genuinely new kid that arrives within that minute fails; the user retries the
 * login a moment later. The set is also refetched after RS_OIDC_JWKS_MAX_AGE_S so that keys
 * the provider withdrew stop being trusted.
 *
 * A fetch that fails (network, status, a document with no usable key) never drops the keys we
 * hold: a provider hiccup must not log everyone out of future logins.
 *
 * Single owner, no locks: the set pointer handed out stays valid until the next call. */
#include "auth/oidc_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/oidc.h"
#include "core/log.h"

struct rs_oidc_keys {
    char uri[RS_OIDC_URL_MAX];
    struct rs_oidc_http_opts http;
    struct rs_jwks set;
    int have_set;
    int64_t fetched_at;   /* last successful fetch */
    int64_t attempted_at; /* last attempt, successful or not */
    uint64_t fetches;
};

int rs_oidc_keys_new(const char *jwks_uri, const struct rs_oidc_http_opts *http,
                     struct rs_oidc_keys **out)
{
    int rc = rs_oidc_url_allowed(jwks_uri);

    *out = NULL;
    if (rc < 0)
        return rc;
    struct rs_oidc_keys *k = calloc(1, sizeof *k);
    if (k == NULL)
        return -ENOMEM;
    memcpy(k->uri, jwks_uri, strlen(jwks_uri) + 1);
    if (http != NULL)
        k->http = *http;
    *out = k;
    return 0;
}

void rs_oidc_keys_free(struct rs_oidc_keys *keys)
{
    if (keys == NULL)
        return;
    rs_jwks_free(&keys->set);
    free(keys);
}

uint64_t rs_oidc_keys_fetches(const struct rs_oidc_keys *keys)
{
    return keys->fetches;
}

static int fetch(struct rs_oidc_keys *k, int64_t now)
{
    struct rs_oidc_http_response resp;
    struct rs_jwks fresh;

    k->attempted_at = now;
    k->fetches++;
    int rc = rs_oidc_http_get(k->uri, &k->http, &resp);
    if (rc < 0) {
        RS_WARN("auth", "event=jwks_fetch_failed err=%d", rc);
        return rc;
    }
    if (resp.status != 200) {
        RS_WARN("auth", "event=jwks_fetch_failed status=%ld", resp.status);
        rs_oidc_http_response_free(&resp);
        return -EBADMSG;
    }
    rc = rs_jwks_parse(resp.body, resp.len, &fresh);
    rs_oidc_http_response_free(&resp);
    if (rc < 0) {
        RS_WARN("auth", "event=jwks_unusable err=%d", rc);
        return -EBADMSG;
    }
    RS_INFO("auth", "event=jwks_loaded keys=%zu skipped=%zu", fresh.n_keys, fresh.n_skipped);
    rs_jwks_free(&k->set);
    k->set = fresh;
    k->have_set = 1;
    k->fetched_at = now;
    return 0;
}

static int holds_kid(const struct rs_jwks *set, const char *kid)
{
    for (size_t i = 0; i < set->n_keys; i++) {
        if (strcmp(set->keys[i].kid, kid) == 0)
            return 1;
    }
    return 0;
}

/* Fetches if allowed now. Returns the fetch result, or -EAGAIN when rate-limited. */
static int maybe_fetch(struct rs_oidc_keys *k, int64_t now)
{
    int64_t gap = k->have_set ? RS_OIDC_JWKS_REFETCH_S : RS_OIDC_JWKS_RETRY_EMPTY_S;
    if (k->fetches > 0 && now - k->attempted_at < gap && now >= k->attempted_at)
        return -EAGAIN;
    return fetch(k, now);
}

int rs_oidc_keys_for(struct rs_oidc_keys *keys, const char *kid, int64_t now,
                     const struct rs_jwks **out)
{
    int rc = 0;

    *out = NULL;
    if (now == 0)
        now = (int64_t)time(NULL);
    if (!keys->have_set || now - keys->fetched_at >= RS_OIDC_JWKS_MAX_AGE_S ||
        (kid != NULL && !holds_kid(&keys->set, kid)))
        rc = maybe_fetch(keys, now);
    if (!keys->have_set)
        return rc == -EAGAIN ? -EIO : rc;
    if (kid != NULL && !holds_kid(&keys->set, kid))
        return -ENOENT;
    *out = &keys->set;
    return 0;
}

int rs_oidc_keys_verify(struct rs_oidc_keys *keys, const char *token, size_t len,
                        const struct rs_jwt_expect *expect, struct rs_jwt_claims *claims,
                        enum rs_jwt_reject *why)
{
    const struct rs_jwks *set;
    enum rs_jwt_reject reason;
    int64_t now = expect != NULL && expect->now != 0 ? expect->now : (int64_t)time(NULL);

    if (why == NULL)
        why = &reason;
    if (rs_oidc_keys_for(keys, NULL, now, &set) < 0) {
        *why = RS_JWT_UNKNOWN_KEY;
        if (claims != NULL)
            memset(claims, 0, sizeof *claims);
        return -EIO;
    }
    int rc = rs_jwt_verify(token, len, set, expect, claims, why);
    if (rc == -EACCES && *why == RS_JWT_UNKNOWN_KEY && maybe_fetch(keys, now) == 0)
        rc = rs_jwt_verify(token, len, &keys->set, expect, claims, why);
    return rc;
}
