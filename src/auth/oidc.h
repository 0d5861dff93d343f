/* SPDX-License-Identifier: EUPL-1.2 */
/* OpenID Connect, the protocol messages of the authorization code flow with PKCE: the
 * provider's discovery document, the authorization and end-session URLs we send the browser
 * to, the token request we post, and the token response we read.
 *
 * Pure string and JSON work, no I/O (see auth/oidc_http.h for fetching and auth/oidc_keys.h
 * for the JWKS cache); safe from any thread. */
#ifndef RS_AUTH_OIDC_H
#define RS_AUTH_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_OIDC_URL_MAX 1024 /* bytes of an issuer or endpoint URL, including the NUL */
#define RS_OIDC_DISCOVERY_MAX (256 * 1024)
#define RS_OIDC_ERROR_MAX 64 /* bytes of an OAuth error code, including the NUL */
#define RS_OIDC_DEFAULT_SCOPE "openid profile email"

struct rs_oidc_provider {
    char issuer[RS_OIDC_URL_MAX];
    char authorization_endpoint[RS_OIDC_URL_MAX];
    char token_endpoint[RS_OIDC_URL_MAX];
    char jwks_uri[RS_OIDC_URL_MAX];
    char end_session_endpoint[RS_OIDC_URL_MAX]; /* "" when the provider has none */
    bool s256_advertised;                       /* code_challenge_methods_supported lists S256 */
};

/* 0 if `url` (borrowed) is one we may talk to: https://HOST[:PORT][/...], or plain http only to
 * 127.0.0.1, [::1] or localhost (test providers on loopback). No userinfo, no whitespace or
 * control characters. Returns 0, -EPERM (plain http elsewhere, other scheme), or -EINVAL. */
int rs_oidc_url_allowed(const char *url);

/* 1 if `url` (borrowed) is an http(s) URL to 127.0.0.1, [::1] or localhost, else 0. */
int rs_oidc_url_is_loopback(const char *url);

/* Internal, shared with oidc_http.c: writes the lower-cased "scheme://authority" of an allowed
 * `url` (borrowed) with a NUL into `out` (borrowed, `cap` bytes). 0, -EPERM/-EINVAL as
 * rs_oidc_url_allowed, or -ENOSPC. */
int rs_oidc__url_origin(const char *url, char *out, size_t cap);

/* Parses a discovery document (`len` bytes of `json`, borrowed) into `out` (borrowed).
 * `issuer` (borrowed) is the configured issuer; the document's must equal it exactly
 * (OpenID Connect Discovery §4.3). authorization_endpoint, token_endpoint and jwks_uri are
 * required, end_session_endpoint optional; each must pass rs_oidc_url_allowed. Returns 0,
 * -EBADMSG (not a JSON object, or too large), -EINVAL (a required member missing, not a string
 * or too long), or -EPERM (issuer mismatch, or an endpoint we may not talk to). */
int rs_oidc_parse_discovery(const char *json, size_t len, const char *issuer,
                            struct rs_oidc_provider *out);

/* All strings borrowed. `scope` NULL means RS_OIDC_DEFAULT_SCOPE. */
struct rs_oidc_auth_request {
    const char *client_id;
    const char *redirect_uri;
    const char *scope;
    const char *state;
    const char *nonce;
    const char *code_challenge; /* S256, from rs_pkce_challenge_s256 */
};

/* Writes the URL to send the browser to (authorization_endpoint plus response_type=code,
 * client_id, redirect_uri, scope, state, nonce, code_challenge, code_challenge_method=S256,
 * each percent-encoded) with a NUL into `out` (borrowed, `cap` bytes). Returns 0, -EINVAL for
 * a missing field, or -ENOSPC. */
int rs_oidc_authorization_url(const struct rs_oidc_provider *provider,
                              const struct rs_oidc_auth_request *req, char *out, size_t cap);

/* All strings borrowed. `client_secret` NULL or "" for a public client. */
struct rs_oidc_token_request {
    const char *code;
    const char *redirect_uri;
    const char *code_verifier;
    const char *client_id;
    const char *client_secret;
};

/* Writes the x-www-form-urlencoded body of the token request (grant_type=authorization_code,
 * code, redirect_uri, code_verifier, client_id) into `body` (borrowed, `body_cap` bytes), and
 * into `authorization` (borrowed, `auth_cap` bytes) the Authorization header value
 * "Basic base64(form(client_id):form(client_secret))" of RFC 6749 §2.3.1, or "" without a
 * secret. Both NUL-terminated. Returns 0, -EINVAL, or -ENOSPC. */
int rs_oidc_token_request_body(const struct rs_oidc_token_request *req, char *body, size_t body_cap,
                               char *authorization, size_t auth_cap);

struct rs_oidc_token_response {
    char *id_token;                /* owned; NUL-terminated */
    char *access_token;            /* owned; NULL if absent */
    int64_t expires_in;            /* seconds; 0 if absent */
    char error[RS_OIDC_ERROR_MAX]; /* OAuth error code of an error response, else "" */
};

/* Parses a token endpoint response body (`len` bytes of `json`, borrowed) into `out`
 * (borrowed); free its strings with rs_oidc_token_response_free, whatever the result.
 * Returns 0, -EPROTO for an OAuth error response (`out->error` holds the code, e.g.
 * "invalid_grant", with any byte outside RFC 6749's error charset replaced by '?'), -EBADMSG
 * if it is not a JSON object, -EINVAL if id_token is missing or token_type is not Bearer,
 * or -ENOMEM. */
int rs_oidc_parse_token_response(const char *json, size_t len, struct rs_oidc_token_response *out);

void rs_oidc_token_response_free(struct rs_oidc_token_response *resp);

/* Writes the RP-initiated logout URL (end_session_endpoint with id_token_hint,
 * post_logout_redirect_uri and client_id, each optional (NULL) and percent-encoded) with a NUL
 * into `out` (borrowed, `cap` bytes; an id_token_hint may need 16 KiB). Returns 0, -ENOENT if
 * the provider has no end_session_endpoint, or -ENOSPC. */
int rs_oidc_end_session_url(const struct rs_oidc_provider *provider, const char *id_token_hint,
                            const char *post_logout_redirect_uri, const char *client_id, char *out,
                            size_t cap);

#endif
