/* SPDX-License-Identifier: EUPL-1.2 */
/* HTTP to the identity provider, through libcurl's easy interface.
 *
 * The provider is trusted for what it says, not for how much of it it says or where it sends
 * us, so every request is fenced: the URL must be https (plain http only on loopback, for the
 * test provider), the body is capped (the write callback stops at the cap, and a
 * Content-Length over it fails before the body arrives), the whole request has a deadline, and
 * libcurl itself never follows a redirect. We follow GET redirects ourselves, a few at most,
 * and only to the same scheme, host and port: a discovery document or JWKS that moved within
 * the provider is fine, one that points elsewhere is not. POSTs are never redirected, since
 * they carry the client secret and the authorization code.
 *
 * Proxies: libcurl honours https_proxy/no_proxy from the environment, which agencies use; for
 * loopback URLs we switch the proxy off so the test provider is always reached directly.
 *
 * CURLOPT_NOSIGNAL keeps libcurl's DNS timeout from using SIGALRM, which would be unsafe in a
 * threaded server; the whole-request timeout still bounds a slow resolver in practice. */
#include "auth/oidc_http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "auth/oidc.h"

struct sink {
    char *buf;
    size_t len, cap, max;
    bool too_big;
    bool no_memory;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    struct sink *s = user;
    size_t n = size * nmemb;

    if (n > s->max - s->len) {
        s->too_big = true;
        return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        if (cap > s->max + 1)
            cap = s->max + 1;
        char *grown = realloc(s->buf, cap);
        if (grown == NULL) {
            s->no_memory = true;
            return 0;
        }
        s->buf = grown;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

static int map_curl_error(CURLcode cc, const struct sink *s)
{
    if (s->no_memory || cc == CURLE_OUT_OF_MEMORY)
        return -ENOMEM;
    if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED)
        return -EFBIG;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return -EPERM;
    default:
        return -EIO;
    }
}

int rs_oidc_http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void rs_oidc_http_global_cleanup(void)
{
    curl_global_cleanup();
}

/* One request, no redirects followed. On 0 fills status, the sink and, for 3xx, `location`
 * (a copy, or "" when absent or too long). */
static int perform(const char *url, const char *body, const char *authorization,
                   const struct rs_oidc_http_opts *opts, struct sink *s, long *status,
                   char *location, size_t location_cap)
{
    struct curl_slist *headers = NULL;
    char auth_header[2048];
    int rc = -ENOMEM;
    long timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : RS_OIDC_HTTP_TIMEOUT_MS;

    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return -ENOMEM;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (headers == NULL)
        goto out;
    if (body != NULL) {
        struct curl_slist *h =
            curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
        if (h == NULL)
            goto out;
        headers = h;
    }
    if (authorization != NULL && authorization[0] != '\0') {
        size_t n = strlen(authorization);
        if (n + sizeof "Authorization: " > sizeof auth_header) {
            rc = -EINVAL;
            goto out;
        }
        memcpy(auth_header, "Authorization: ", 15);
        memcpy(auth_header + 15, authorization, n + 1);
        struct curl_slist *h = curl_slist_append(headers, auth_header);
        memset(auth_header, 0, sizeof auth_header);
        if (h == NULL)
            goto out;
        headers = h;
    }

    curl_easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "ratsaal");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (opts != NULL && opts->ca_file != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, opts->ca_file);
    if (rs_oidc_url_is_loopback(url))
        curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }

    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        rc = map_curl_error(cc, s);
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    location[0] = '\0';
    char *loc = NULL;
    if (*status >= 300 && *status < 400 &&
        curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL &&
        strlen(loc) < location_cap)
        memcpy(location, loc, strlen(loc) + 1);
    rc = 0;
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}

static int request(const char *url, const char *body, const char *authorization,
                   const struct rs_oidc_http_opts *opts, struct rs_oidc_http_response *out)
{
    char current[RS_OIDC_URL_MAX], location[RS_OIDC_URL_MAX];
    char origin[RS_OIDC_URL_MAX], next_origin[RS_OIDC_URL_MAX];
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = rs_oidc_url_allowed(url)) < 0)
        return rc;
    if ((rc = rs_oidc__url_origin(url, origin, sizeof origin)) < 0)
        return rc;
    if (authorization != NULL && strpbrk(authorization, "\r\n") != NULL)
        return -EINVAL;
    memcpy(current, url, strlen(url) + 1);

    for (int hops = 0;; hops++) {
        struct sink s = {.max = opts && opts->max_body ? opts->max_body : RS_OIDC_HTTP_MAX_BODY};
        long status = 0;
        rc = perform(current, body, authorization, opts, &s, &status, location, sizeof location);
        if (rc < 0) {
            free(s.buf);
            return rc;
        }
        if (body == NULL && location[0] != '\0') {
            free(s.buf);
            if (hops == RS_OIDC_HTTP_MAX_REDIRECTS)
                return -ELOOP;
            if (rs_oidc_url_allowed(location) < 0 ||
                rs_oidc__url_origin(location, next_origin, sizeof next_origin) < 0 ||
                strcmp(origin, next_origin) != 0)
                return -EPERM;
            memcpy(current, location, strlen(location) + 1);
            continue;
        }
        if (s.buf == NULL) {
            s.buf = malloc(1);
            if (s.buf == NULL)
                return -ENOMEM;
            s.buf[0] = '\0';
        }
        out->status = status;
        out->body = s.buf;
        out->len = s.len;
        return 0;
    }
}

int rs_oidc_http_get(const char *url, const struct rs_oidc_http_opts *opts,
                     struct rs_oidc_http_response *out)
{
    return request(url, NULL, NULL, opts, out);
}

int rs_oidc_http_post_form(const char *url, const char *body, const char *authorization,
                           const struct rs_oidc_http_opts *opts, struct rs_oidc_http_response *out)
{
    if (body == NULL) {
        memset(out, 0, sizeof *out);
        return -EINVAL;
    }
    return request(url, body, authorization, opts, out);
}

void rs_oidc_http_response_free(struct rs_oidc_http_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
}
