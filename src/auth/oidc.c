/* SPDX-License-Identifier: EUPL-1.2 */
/* OpenID Connect messages: discovery, authorization URL, token request and response, logout.
 *
 * We are an OpenID Connect relying party with a confidential (or public) client using the
 * authorization code flow with PKCE. The browser is sent to the provider's authorization
 * endpoint with state, nonce and the PKCE challenge; it comes back to our redirect_uri with a
 * code; the auth thread posts that code and the verifier to the token endpoint and gets an ID
 * token, which jwt.c verifies against the provider's keys (oidc_keys.c).
 *
 * What the provider tells us in its discovery document decides where our client secret and
 * users' codes go, so it is held to the configured issuer exactly (a different string, even
 * only a trailing slash, is an error: that is the mix-up defence of Discovery §4.3), and every
 * endpoint must be https, except plain http on loopback for the test provider.
 *
 * Two percent-encodings appear and are easy to confuse: URL query parameters (space as %20)
 * and application/x-www-form-urlencoded bodies (space as '+'). RFC 6749 §2.3.1 applies the
 * form encoding to client_id and client_secret before they are joined with ':' and base64'd
 * for HTTP Basic; providers that decode strictly reject a secret with, say, '+' or ':' in it
 * otherwise. */
#include "auth/oidc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

/* ---- URLs ---- */

struct url_parts {
    int https;
    const char *authority; /* not NUL-terminated */
    size_t authority_len;
    const char *host;
    size_t host_len;
};

static int host_is_loopback(const char *host, size_t len)
{
    return (len == 9 && memcmp(host, "127.0.0.1", 9) == 0) ||
           (len == 5 && memcmp(host, "[::1]", 5) == 0) ||
           (len == 9 && strncasecmp(host, "localhost", 9) == 0);
}

static int parse_url(const char *url, struct url_parts *u)
{
    if (url == NULL)
        return -EINVAL;
    for (const char *p = url; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '#')
            return -EINVAL;
    }
    if (strncmp(url, "https://", 8) == 0) {
        u->https = 1;
        u->authority = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        u->https = 0;
        u->authority = url + 7;
    } else {
        return -EPERM;
    }
    u->authority_len = strcspn(u->authority, "/?");
    if (u->authority_len == 0 || memchr(u->authority, '@', u->authority_len) != NULL)
        return -EINVAL;

    const char *a = u->authority, *end = a + u->authority_len, *port = NULL;
    u->host = a;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', u->authority_len);
        if (close == NULL)
            return -EINVAL;
        for (const char *p = a + 1; p < close; p++) {
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return -EINVAL;
        }
        u->host_len = (size_t)(close + 1 - a);
        if (close + 1 < end) {
            if (close[1] != ':')
                return -EINVAL;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', u->authority_len);
        u->host_len = (size_t)((colon ? colon : end) - a);
        for (size_t i = 0; i < u->host_len; i++) {
            if (!isalnum((unsigned char)a[i]) && a[i] != '-' && a[i] != '.')
                return -EINVAL;
        }
        if (colon != NULL)
            port = colon + 1;
    }
    if (u->host_len == 0)
        return -EINVAL;
    if (port != NULL) {
        long value = 0;
        if (port == end || end - port > 5)
            return -EINVAL;
        for (const char *p = port; p < end; p++) {
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            value = value * 10 + (*p - '0');
        }
        if (value < 1 || value > 65535)
            return -EINVAL;
    }
    if (!u->https && !host_is_loopback(u->host, u->host_len))
        return -EPERM;
    return 0;
}

int rs_oidc_url_allowed(const char *url)
{
    struct url_parts u;
    int rc = parse_url(url, &u);
    if (rc < 0)
        return rc;
    if (strlen(url) >= RS_OIDC_URL_MAX)
        return -EINVAL;
    return 0;
}

int rs_oidc_url_is_loopback(const char *url)
{
    struct url_parts u;
    return parse_url(url, &u) == 0 && host_is_loopback(u.host, u.host_len);
}

int rs_oidc__url_origin(const char *url, char *out, size_t cap)
{
    struct url_parts u;
    int rc = parse_url(url, &u);
    if (rc < 0)
        return rc;
    int n = snprintf(out, cap, "%s://%.*s", u.https ? "https" : "http", (int)u.authority_len,
                     u.authority);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

/* ---- encoding into bounded buffers ---- */

struct buf {
    char *p;
    size_t len, cap;
    int overflow;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->overflow || b->len + n >= b->cap) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Percent-encodes all but RFC 3986 unreserved characters; `form` writes space as '+'. */
static void put_encoded(struct buf *b, const char *s, int form)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            put(b, (const char *)&c, 1);
        } else if (c == ' ' && form) {
            put(b, "+", 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(b, esc, 3);
        }
    }
}

static void put_param(struct buf *b, const char *sep, const char *name, const char *value, int form)
{
    put_str(b, sep);
    put_str(b, name);
    put(b, "=", 1);
    put_encoded(b, value, form);
}

static int finish(struct buf *b)
{
    if (b->overflow) {
        if (b->cap > 0)
            b->p[0] = '\0';
        return -ENOSPC;
    }
    return 0;
}

static struct buf buf_init(char *out, size_t cap)
{
    struct buf b = {out, 0, cap, out == NULL || cap == 0};
    if (!b.overflow)
        out[0] = '\0';
    return b;
}

/* ---- discovery ---- */

/* Copies the URL member `name` into `dst`. -EINVAL if missing and `required`, mistyped or too
 * long; -EPERM if not an allowed URL. */
static int copy_url(json_t *doc, const char *name, char *dst, int required)
{
    json_t *v = json_object_get(doc, name);
    if (v == NULL)
        return required ? -EINVAL : 0;
    if (!json_is_string(v) || json_string_length(v) >= RS_OIDC_URL_MAX)
        return -EINVAL;
    int rc = rs_oidc_url_allowed(json_string_value(v));
    if (rc < 0)
        return rc;
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

int rs_oidc_parse_discovery(const char *json, size_t len, const char *issuer,
                            struct rs_oidc_provider *out)
{
    json_error_t jerr;
    int rc;

    memset(out, 0, sizeof *out);
    if (json == NULL || issuer == NULL || len > RS_OIDC_DISCOVERY_MAX)
        return -EBADMSG;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        rc = -EBADMSG;
        goto out;
    }
    json_t *iss = json_object_get(doc, "issuer");
    if (!json_is_string(iss)) {
        rc = -EINVAL;
        goto out;
    }
    if (strcmp(json_string_value(iss), issuer) != 0) {
        rc = -EPERM;
        goto out;
    }
    if ((rc = copy_url(doc, "issuer", out->issuer, 1)) < 0 ||
        (rc = copy_url(doc, "authorization_endpoint", out->authorization_endpoint, 1)) < 0 ||
        (rc = copy_url(doc, "token_endpoint", out->token_endpoint, 1)) < 0 ||
        (rc = copy_url(doc, "jwks_uri", out->jwks_uri, 1)) < 0 ||
        (rc = copy_url(doc, "end_session_endpoint", out->end_session_endpoint, 0)) < 0)
        goto out;

    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(doc, "code_challenge_methods_supported"), i, m)
    {
        if (json_is_string(m) && strcmp(json_string_value(m), "S256") == 0)
            out->s256_advertised = true;
    }
    rc = 0;
out:
    json_decref(doc);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- authorization and logout URLs ---- */

int rs_oidc_authorization_url(const struct rs_oidc_provider *provider,
                              const struct rs_oidc_auth_request *req, char *out, size_t cap)
{
    if (provider == NULL || req == NULL || provider->authorization_endpoint[0] == '\0' ||
        req->client_id == NULL || req->redirect_uri == NULL || req->state == NULL ||
        req->nonce == NULL || req->code_challenge == NULL)
        return -EINVAL;
    struct buf b = buf_init(out, cap);
    const char *ep = provider->authorization_endpoint;

    put_str(&b, ep);
    put_param(&b, strchr(ep, '?') ? "&" : "?", "response_type", "code", 0);
    put_param(&b, "&", "client_id", req->client_id, 0);
    put_param(&b, "&", "redirect_uri", req->redirect_uri, 0);
    put_param(&b, "&", "scope", req->scope ? req->scope : RS_OIDC_DEFAULT_SCOPE, 0);
    put_param(&b, "&", "state", req->state, 0);
    put_param(&b, "&", "nonce", req->nonce, 0);
    put_param(&b, "&", "code_challenge", req->code_challenge, 0);
    put_param(&b, "&", "code_challenge_method", "S256", 0);
    return finish(&b);
}

int rs_oidc_end_session_url(const struct rs_oidc_provider *provider, const char *id_token_hint,
                            const char *post_logout_redirect_uri, const char *client_id, char *out,
                            size_t cap)
{
    if (provider == NULL || provider->end_session_endpoint[0] == '\0')
        return -ENOENT;
    struct buf b = buf_init(out, cap);
    const char *ep = provider->end_session_endpoint;
    const char *sep = strchr(ep, '?') ? "&" : "?";

    put_str(&b, ep);
    if (id_token_hint != NULL) {
        put_param(&b, sep, "id_token_hint", id_token_hint, 0);
        sep = "&";
    }
    if (post_logout_redirect_uri != NULL) {
        put_param(&b, sep, "post_logout_redirect_uri", post_logout_redirect_uri, 0);
        sep = "&";
    }
    if (client_id != NULL)
        put_param(&b, sep, "client_id", client_id, 0);
    return finish(&b);
}

/* ---- token request ---- */

int rs_oidc_token_request_body(const struct rs_oidc_token_request *req, char *body, size_t body_cap,
                               char *authorization, size_t auth_cap)
{
    if (req == NULL || req->code == NULL || req->redirect_uri == NULL ||
        req->code_verifier == NULL || req->client_id == NULL || authorization == NULL ||
        auth_cap == 0)
        return -EINVAL;
    struct buf b = buf_init(body, body_cap);
    put_param(&b, "", "grant_type", "authorization_code", 1);
    put_param(&b, "&", "code", req->code, 1);
    put_param(&b, "&", "redirect_uri", req->redirect_uri, 1);
    put_param(&b, "&", "code_verifier", req->code_verifier, 1);
    put_param(&b, "&", "client_id", req->client_id, 1);
    if (finish(&b) < 0)
        return -ENOSPC;

    authorization[0] = '\0';
    if (req->client_secret == NULL || req->client_secret[0] == '\0')
        return 0;

    /* user-pass = form(client_id) ":" form(client_secret), then standard base64. */
    char pair[1024];
    struct buf p = buf_init(pair, sizeof pair);
    put_encoded(&p, req->client_id, 1);
    put(&p, ":", 1);
    put_encoded(&p, req->client_secret, 1);
    if (p.overflow)
        return -EINVAL;
    size_t b64_len = 4 * ((p.len + 2) / 3);
    if (auth_cap < sizeof "Basic " + b64_len) {
        OPENSSL_cleanse(pair, sizeof pair);
        return -ENOSPC;
    }
    memcpy(authorization, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)authorization + 6, (const unsigned char *)pair, (int)p.len);
    OPENSSL_cleanse(pair, sizeof pair);
    return 0;
}

/* ---- token response ---- */

static char *dup_string(json_t *v)
{
    char *s = malloc(json_string_length(v) + 1);
    if (s != NULL)
        memcpy(s, json_string_value(v), json_string_length(v) + 1);
    return s;
}

int rs_oidc_parse_token_response(const char *json, size_t len, struct rs_oidc_token_response *out)
{
    json_error_t jerr;
    int rc;

    memset(out, 0, sizeof *out);
    if (json == NULL || len > RS_OIDC_DISCOVERY_MAX)
        return -EBADMSG;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        rc = -EBADMSG;
        goto out;
    }
    json_t *err = json_object_get(doc, "error");
    if (err != NULL) {
        const char *e = json_is_string(err) ? json_string_value(err) : "invalid_response";
        size_t n = strnlen(e, sizeof out->error - 1);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)e[i];
            /* RFC 6749 §5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ) */
            out->error[i] = (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') ? (char)c : '?';
        }
        out->error[n] = '\0';
        if (n == 0)
            snprintf(out->error, sizeof out->error, "invalid_response");
        rc = -EPROTO;
        goto out;
    }
    json_t *type = json_object_get(doc, "token_type");
    json_t *id = json_object_get(doc, "id_token");
    if ((type != NULL &&
         (!json_is_string(type) || strcasecmp(json_string_value(type), "Bearer"))) ||
        !json_is_string(id) || json_string_length(id) == 0) {
        rc = -EINVAL;
        goto out;
    }
    rc = -ENOMEM;
    if ((out->id_token = dup_string(id)) == NULL)
        goto out;
    json_t *access = json_object_get(doc, "access_token");
    if (json_is_string(access) && (out->access_token = dup_string(access)) == NULL)
        goto out;
    json_t *expires = json_object_get(doc, "expires_in");
    if (json_is_integer(expires) && json_integer_value(expires) > 0)
        out->expires_in = json_integer_value(expires);
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

void rs_oidc_token_response_free(struct rs_oidc_token_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->id_token);
    if (resp->access_token != NULL) {
        OPENSSL_cleanse(resp->access_token, strlen(resp->access_token));
        free(resp->access_token);
    }
    resp->id_token = NULL;
    resp->access_token = NULL;
}
