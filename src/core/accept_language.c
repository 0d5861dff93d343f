/* SPDX-License-Identifier: EUPL-1.2 */
/* Accept-Language → one of our languages (see accept_language.h).
 *
 * The list is read once, left to right, into a small table of (range, weight, position); the
 * winner is the matching range with the highest weight, the earlier one on a tie. Weights are
 * kept as integers in thousandths, as RFC 9110 allows at most three decimals, so "0.8" and
 * "0.800" compare equal and no floating point is involved.
 *
 * The subtle point is what counts as a match. RFC 4647 "basic filtering" would let the range
 * "de" match the tag "de-AT" but not the range "de-AT" match the tag "de"; for choosing ONE
 * language for a page the RFC prescribes "lookup", which truncates the range instead: a
 * browser asking for "de-CH" gets our "de". A range never matches by a mere string prefix
 * ("den" is not "de"): the cut must fall at a '-'. */
#include "core/accept_language.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct range {
    const char *s;
    size_t len;
    unsigned q; /* 0..1000 */
};

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* RFC 4647 language-range: "*" or 1*8ALPHA *("-" 1*8alphanum). */
static bool valid_range(const char *s, size_t len)
{
    if (len == 1 && s[0] == '*')
        return true;
    size_t i = 0, sub = 0;
    bool first = true;
    for (;;) {
        size_t start = i;
        while (i < len && s[i] != '-') {
            if (!(is_alpha(s[i]) || (!first && is_digit(s[i]))))
                return false;
            i++;
        }
        if (i == start || i - start > 8)
            return false;
        sub++;
        first = false;
        if (i == len)
            return sub > 0;
        i++; /* '-' */
        if (i == len)
            return false; /* a trailing '-' */
    }
}

/* RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"]. Returns 0..1000 or -1. */
static int parse_qvalue(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int q = (s[0] - '0') * 1000;
    if (len == 1)
        return q;
    if (s[1] != '.' || len > 5)
        return -1;
    int scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (!is_digit(s[i]) || (q == 1000 && s[i] != '0'))
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q;
}

static size_t trim(const char **s, size_t len)
{
    while (len && is_ows((*s)[0])) {
        (*s)++;
        len--;
    }
    while (len && is_ows((*s)[len - 1]))
        len--;
    return len;
}

/* One list element "range [OWS ; OWS q=qvalue]" into `r`; false when malformed. Parameters
 * other than q are not defined for Accept-Language: such an element is malformed. */
static bool parse_element(const char *s, size_t len, struct range *r)
{
    const char *semi = memchr(s, ';', len);
    const char *rs = s;
    size_t rlen = trim(&rs, semi ? (size_t)(semi - s) : len);
    if (!valid_range(rs, rlen))
        return false;
    r->s = rs;
    r->len = rlen;
    r->q = 1000;
    if (!semi)
        return true;
    const char *w = semi + 1;
    size_t wlen = trim(&w, len - (size_t)(w - s));
    if (wlen < 2 || lower(w[0]) != 'q' || w[1] != '=')
        return false;
    int q = parse_qvalue(w + 2, wlen - 2);
    if (q < 0)
        return false;
    r->q = (unsigned)q;
    return true;
}

/* RFC 4647 lookup step: `range` equals `tag`, or has it as a prefix ending at a '-'. */
static bool lookup_matches(const struct range *r, const char *tag)
{
    size_t tlen = strlen(tag);
    if (tlen == 0 || tlen > r->len)
        return false;
    for (size_t i = 0; i < tlen; i++)
        if (lower(r->s[i]) != lower(tag[i]))
            return false;
    return r->len == tlen || r->s[tlen] == '-';
}

int rs_accept_language_pick(const char *v, size_t len, const char *const *tags, size_t n)
{
    if (len > RS_ACCEPT_LANGUAGE_MAX)
        return -E2BIG;
    struct range ranges[RS_ACCEPT_LANGUAGE_RANGES];
    size_t count = 0;
    size_t i = 0;
    while (i <= len && count < RS_ACCEPT_LANGUAGE_RANGES) {
        const char *start = v + i;
        const char *comma = i < len ? memchr(start, ',', len - i) : NULL;
        size_t elen = comma ? (size_t)(comma - start) : len - i;
        const char *e = start;
        size_t tlen = trim(&e, elen);
        if (tlen && parse_element(e, tlen, &ranges[count]))
            count++;
        i += elen + 1;
    }
    int best = -ENOENT;
    unsigned best_q = 0;
    for (size_t k = 0; k < count; k++) {
        if (ranges[k].q <= best_q)
            continue; /* weight 0, or not better than an earlier match */
        for (size_t t = 0; t < n; t++) {
            if (lookup_matches(&ranges[k], tags[t])) {
                best = (int)t;
                best_q = ranges[k].q;
                break;
            }
        }
    }
    return best;
}

int rs_language_tag_find(const char *v, size_t len, const char *const *tags, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        size_t tlen = strlen(tags[t]);
        if (tlen != len)
            continue;
        size_t i = 0;
        while (i < len && lower(v[i]) == lower(tags[t][i]))
            i++;
        if (i == len)
            return (int)t;
    }
    return -ENOENT;
}
