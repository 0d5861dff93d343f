/* SPDX-License-Identifier: EUPL-1.2 */
/* Which of our languages a browser prefers: the Accept-Language request header (RFC 9110
 * section 12.5.4) matched against the languages we have, by RFC 4647 "lookup" (section 3.4).
 *
 * The header is a comma-separated list of language ranges, each with an optional weight
 * ";q=0.8" (default 1, "q=0" meaning "not acceptable"). Ranges are tried from the highest
 * weight down, equal weights in the order written; a range matches one of our tags when it
 * equals the tag or, truncated at a '-' from the right, becomes it ("de-AT" → "de"), both
 * case-insensitively. "*" matches nothing here: it says "anything else is fine", and the
 * caller's default is such a thing. A malformed element (bad range, bad weight) is skipped,
 * not fatal: browsers and proxies send odd things and the rest of the list is still useful.
 *
 * Pure functions on caller-owned memory; any thread. */
#ifndef RS_CORE_ACCEPT_LANGUAGE_H
#define RS_CORE_ACCEPT_LANGUAGE_H

#include <stddef.h>

#define RS_ACCEPT_LANGUAGE_MAX 1024  /* bytes of a header we read; longer → -E2BIG */
#define RS_ACCEPT_LANGUAGE_RANGES 32 /* elements considered; later ones are ignored */

/* Picks from `tags` (borrowed, `n` lowercase language tags such as "de", "en") the one the
 * header value `v` (borrowed, `len` bytes, need not be NUL-terminated) prefers. Returns its
 * index, -ENOENT when no range of the list matches any tag with a weight above 0 (or the list
 * is empty), or -E2BIG when `len` exceeds RS_ACCEPT_LANGUAGE_MAX. */
int rs_accept_language_pick(const char *v, size_t len, const char *const *tags, size_t n);

/* Whether `v` (borrowed, `len` bytes) is exactly one of `tags`, case-insensitively: the index,
 * or -ENOENT. For a stored explicit choice such as the value of a language cookie. */
int rs_language_tag_find(const char *v, size_t len, const char *const *tags, size_t n);

#endif
