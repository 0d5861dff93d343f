/* SPDX-License-Identifier: EUPL-1.2 */
/* The session cookie, and the one redirect target we accept after login.
 *
 * Pure string work with bounded inputs and caller-provided buffers; safe from any thread. */
#ifndef RS_AUTH_COOKIE_H
#define RS_AUTH_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_COOKIE_HEADER_MAX 8192 /* bytes of a Cookie request header we parse */
#define RS_RETURN_PATH_MAX 1024   /* bytes of a return path we accept, without NUL */

/* Writes a Set-Cookie header value into `out` (borrowed, `cap` bytes):
 *   NAME=VALUE; Path=/; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]
 * `name` (borrowed) must be an RFC 6265 token, `value` (borrowed) cookie-octets only.
 * `max_age_s` < 0 leaves Max-Age out (a browser-session cookie); 0 deletes the cookie.
 * `secure` adds Secure (set it when the public URL is https). A name starting "__Host-"
 * requires `secure`. Returns 0, -EINVAL for a bad name/value, or -ENOSPC. */
int rs_cookie_build(const char *name, const char *value, int64_t max_age_s, bool secure, char *out,
                    size_t cap);

/* Finds cookie `name` (borrowed) in a Cookie request header `header` (borrowed, `len` bytes,
 * need not be NUL-terminated) and copies its value, without surrounding quotes, with a NUL into
 * `out` (borrowed, `cap` bytes). The first occurrence wins (browsers send the most specific
 * path first). Returns 0, -ENOENT if absent, -EINVAL if the header exceeds
 * RS_COOKIE_HEADER_MAX or the value holds bytes a cookie may not, or -ENOSPC. */
int rs_cookie_get(const char *header, size_t len, const char *name, char *out, size_t cap);

/* Accepts `in` (borrowed, NUL-terminated) as a post-login return target only if it is a path
 * on this site: it starts with exactly one '/', not "//" or "/\", and holds only RFC 3986 path,
 * query and fragment characters with well-formed %XX escapes (no control characters, spaces,
 * backslashes or raw non-ASCII). Copies it with a NUL into `out` (borrowed, `cap` bytes).
 * Returns 0, -EINVAL (the caller should fall back to "/"), or -ENOSPC. */
int rs_auth_safe_return_path(const char *in, char *out, size_t cap);

#endif
