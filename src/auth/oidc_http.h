/* SPDX-License-Identifier: EUPL-1.2 */
/* Blocking HTTP(S) client for talking to the identity provider (discovery, JWKS, token
 * endpoint), on libcurl.
 *
 * These calls BLOCK for up to the timeout (DNS, TCP, TLS, the provider's answer). Never call
 * them on the control loop's hot path or a media worker: run them on the auth thread and hand
 * results back through its queue. Each call uses its own curl handle, so several threads may
 * call concurrently once rs_oidc_http_global_init has run. */
#ifndef RS_AUTH_OIDC_HTTP_H
#define RS_AUTH_OIDC_HTTP_H

#include <stddef.h>

#define RS_OIDC_HTTP_MAX_BODY (1024 * 1024) /* bytes of a response body, by default */
#define RS_OIDC_HTTP_TIMEOUT_MS 5000        /* whole request, by default */
#define RS_OIDC_HTTP_MAX_REDIRECTS 3        /* GET only, same origin only */

struct rs_oidc_http_opts {
    long timeout_ms;     /* <= 0: RS_OIDC_HTTP_TIMEOUT_MS */
    size_t max_body;     /* 0: RS_OIDC_HTTP_MAX_BODY */
    const char *ca_file; /* borrowed; NULL: the system trust store (an agency's own CA here) */
};

struct rs_oidc_http_response {
    long status; /* HTTP status of the final response */
    char *body;  /* owned, NUL-terminated (the NUL is not counted in len); never NULL on 0 */
    size_t len;
};

/* Initialises libcurl once for the process. Call from main() before any thread starts.
 * Returns 0 or -EIO. */
int rs_oidc_http_global_init(void);
void rs_oidc_http_global_cleanup(void);

/* GETs `url` (borrowed) with Accept: application/json. Only URLs that pass
 * rs_oidc_url_allowed (https, or http on loopback); redirects are followed up to
 * RS_OIDC_HTTP_MAX_REDIRECTS times and only within the same scheme, host and port. `opts`
 * (borrowed) may be NULL. On 0, `out` (borrowed) holds the final status and body, which the
 * caller frees with rs_oidc_http_response_free; non-2xx statuses are 0 too. Errors: -EPERM
 * (URL not allowed, or a redirect elsewhere), -ELOOP (too many redirects), -EFBIG (body over
 * the cap), -ETIMEDOUT, -ECONNREFUSED, -EIO (DNS, TLS, protocol), -ENOMEM. */
int rs_oidc_http_get(const char *url, const struct rs_oidc_http_opts *opts,
                     struct rs_oidc_http_response *out);

/* POSTs `body` (borrowed, NUL-terminated) as application/x-www-form-urlencoded to `url`
 * (borrowed), with `authorization` (borrowed; NULL or "" for none) as the Authorization header
 * value. Redirects are never followed (a 3xx is returned as such). Otherwise as
 * rs_oidc_http_get; -EINVAL if `authorization` holds CR or LF. */
int rs_oidc_http_post_form(const char *url, const char *body, const char *authorization,
                           const struct rs_oidc_http_opts *opts, struct rs_oidc_http_response *out);

/* Frees the body `resp` (borrowed) owns; NULL and empty responses are fine. */
void rs_oidc_http_response_free(struct rs_oidc_http_response *resp);

#endif
