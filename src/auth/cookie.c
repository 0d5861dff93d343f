/* SPDX-License-Identifier: EUPL-1.2 */
/* Session cookie and the return-path guard.
 *
 * The session id lives in a cookie that scripts cannot read (HttpOnly), that other sites do
 * not send along on their subrequests and form posts (SameSite=Lax, which still lets the top
 * level redirect back from the identity provider carry it), that never travels over plain
 * HTTP when we are served over TLS (Secure), and that is valid for the whole site (Path=/).
 * With Secure, callers should name it "__Host-...": browsers then also refuse it from a
 * subdomain or with a Domain attribute, which closes cookie tossing.
 *
 * The return path is where the browser lands after login ("/r/abc" for a meeting link). It
 * comes from a query parameter, so an attacker picks it; accepting anything that a browser
 * would resolve to another origin is an open redirect, a phishing tool carrying our domain's
 * name. Browsers treat "//host", "/\host" and "\\host" as network-path references, and strip
 * tabs and newlines before resolving, so "/\t/evil" is "//evil". We therefore accept only a
 * whitelist: a single leading '/', then RFC 3986 pchar, '/', '?', '#' and valid %XX. */
#include "auth/cookie.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* RFC 6265 §4.1.1 cookie-octet: visible ASCII except " , ; \ and space. */
static int is_cookie_octet(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int rs_cookie_build(const char *name, const char *value, int64_t max_age_s, bool secure, char *out,
                    size_t cap)
{
    char age[40] = "";

    if (name == NULL || value == NULL || name[0] == '\0' || out == NULL)
        return -EINVAL;
    for (const char *p = name; *p; p++) {
        if (!is_tchar((unsigned char)*p))
            return -EINVAL;
    }
    for (const char *p = value; *p; p++) {
        if (!is_cookie_octet((unsigned char)*p))
            return -EINVAL;
    }
    if (strncmp(name, "__Host-", 7) == 0 && !secure)
        return -EINVAL;
    if (max_age_s >= 0)
        snprintf(age, sizeof age, "; Max-Age=%" PRId64, max_age_s);
    int n = snprintf(out, cap, "%s=%s; Path=/%s; HttpOnly; SameSite=Lax%s", name, value, age,
                     secure ? "; Secure" : "");
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return -ENOSPC;
    }
    return 0;
}

int rs_cookie_get(const char *header, size_t len, const char *name, char *out, size_t cap)
{
    if (header == NULL || name == NULL || out == NULL || len > RS_COOKIE_HEADER_MAX)
        return -EINVAL;
    size_t name_len = strlen(name);
    size_t i = 0;

    while (i < len) {
        /* One pair: optional whitespace, name, '=', value up to ';'. */
        while (i < len && (header[i] == ' ' || header[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && header[i] != ';')
            i++;
        size_t end = i;
        if (i < len)
            i++; /* past ';' */
        while (end > start && (header[end - 1] == ' ' || header[end - 1] == '\t'))
            end--;
        const char *eq = memchr(header + start, '=', end - start);
        if (eq == NULL)
            continue;
        size_t this_len = (size_t)(eq - (header + start));
        if (this_len != name_len || memcmp(header + start, name, name_len) != 0)
            continue;

        const char *v = eq + 1;
        size_t v_len = (size_t)(header + end - v);
        if (v_len >= 2 && v[0] == '"' && v[v_len - 1] == '"') {
            v++;
            v_len -= 2;
        }
        for (size_t k = 0; k < v_len; k++) {
            if (!is_cookie_octet((unsigned char)v[k]))
                return -EINVAL;
        }
        if (v_len >= cap)
            return -ENOSPC;
        memcpy(out, v, v_len);
        out[v_len] = '\0';
        return 0;
    }
    return -ENOENT;
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 pchar minus pct-encoded (checked apart), plus '/', '?' and '#'. */
static int is_path_char(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("-._~!$&'()*+,;=:@/?#", c) != NULL;
}

int rs_auth_safe_return_path(const char *in, char *out, size_t cap)
{
    if (in == NULL || out == NULL)
        return -EINVAL;
    size_t len = strnlen(in, RS_RETURN_PATH_MAX + 1);
    if (len == 0 || len > RS_RETURN_PATH_MAX || in[0] != '/' || in[1] == '/' || in[1] == '\\')
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            if (i + 2 >= len || !is_hex((unsigned char)in[i + 1]) ||
                !is_hex((unsigned char)in[i + 2]))
                return -EINVAL;
            i += 2;
            continue;
        }
        if (!is_path_char(c))
            return -EINVAL;
    }
    if (len >= cap)
        return -ENOSPC;
    memcpy(out, in, len + 1);
    return 0;
}
