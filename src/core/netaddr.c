/* SPDX-License-Identifier: EUPL-1.2 */
/* IP addresses and prefixes (see netaddr.h).
 *
 * Text goes through inet_pton/inet_ntop, so the accepted forms are exactly the C library's
 * (dotted quad without leading zeros, RFC 4291 text for IPv6) and the output is canonical
 * (RFC 5952). The one subtle point is the IPv4-mapped form: a dual-stack socket reports an IPv4
 * client as ::ffff:a.b.c.d, a configuration names it a.b.c.d, and the two must compare equal,
 * so the mapped form is turned into the IPv4 address wherever an address is parsed. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int rs_netaddr_parse(const char *s, size_t len, struct rs_netaddr *out)
{
    char buf[RS_NETADDR_TEXT_MAX];
    memset(out, 0, sizeof(*out));
    if (len == 0 || len >= sizeof(buf) || memchr(s, 0, len))
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (!memchr(buf, ':', len)) {
        if (inet_pton(AF_INET, buf, out->bytes) != 1)
            return -EINVAL;
        out->family = 4;
        return 0;
    }
    uint8_t b[16];
    if (inet_pton(AF_INET6, buf, b) != 1)
        return -EINVAL;
    if (memcmp(b, v4_mapped, sizeof(v4_mapped)) == 0) {
        memcpy(out->bytes, b + 12, 4);
        out->family = 4;
    } else {
        memcpy(out->bytes, b, 16);
        out->family = 6;
    }
    return 0;
}

/* ":PORT" with 1-5 digits up to 65535, or RFC 7239's obfuscated port ":_" + 1*(ALPHA / DIGIT /
 * "." / "_" / "-"). `len` counts from the colon. */
static int port_ok(const char *p, size_t len)
{
    if (len < 2 || p[0] != ':')
        return 0;
    p++;
    len--;
    if (p[0] == '_') {
        if (len < 2)
            return 0;
        for (size_t i = 1; i < len; i++) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-'))
                return 0;
        }
        return 1;
    }
    if (len > 5)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v <= 65535;
}

int rs_netaddr_parse_node(const char *s, size_t len, struct rs_netaddr *out)
{
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return -EINVAL;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return -EINVAL;
        size_t inner = (size_t)(close - s - 1), rest = len - inner - 2;
        if (!memchr(s + 1, ':', inner) || (rest && !port_ok(close + 1, rest)))
            return -EINVAL;
        return rs_netaddr_parse(s + 1, inner, out);
    }
    const char *colon = memchr(s, ':', len);
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
        /* exactly one colon: IPv4 with a port */
        size_t host = (size_t)(colon - s);
        if (!port_ok(colon, len - host) || rs_netaddr_parse(s, host, out) || out->family != 4) {
            memset(out, 0, sizeof(*out));
            return -EINVAL;
        }
        return 0;
    }
    return rs_netaddr_parse(s, len, out);
}

int rs_netaddr_format(const struct rs_netaddr *a, char *buf, size_t cap)
{
    if (cap)
        buf[0] = 0;
    if (a->family != 4 && a->family != 6)
        return -EINVAL;
    if (!cap || !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, buf, (socklen_t)cap)) {
        if (cap)
            buf[0] = 0;
        return -ENOSPC;
    }
    return 0;
}

bool rs_netaddr_equal(const struct rs_netaddr *a, const struct rs_netaddr *b)
{
    return a->family && a->family == b->family &&
           memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

bool rs_netaddr_is_loopback(const struct rs_netaddr *a)
{
    static const uint8_t v6_loopback[16] = {[15] = 1};
    if (a->family == 4)
        return a->bytes[0] == 127;
    return a->family == 6 && memcmp(a->bytes, v6_loopback, 16) == 0;
}

/* Whether the first `prefix` bits of a and b agree (both of `bytes` length). */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    unsigned whole = prefix / 8, bits = prefix % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!bits)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits));
    return (a[whole] & mask) == (b[whole] & mask);
}

int rs_cidr_parse(const char *s, size_t len, struct rs_cidr *out)
{
    memset(out, 0, sizeof(*out));
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (rs_netaddr_parse(s, alen, &out->addr))
        goto bad;
    unsigned max = out->addr.family == 4 ? 32 : 128, prefix = max;
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        if (plen == 0 || plen > 3)
            goto bad;
        prefix = 0;
        for (size_t i = 0; i < plen; i++) {
            if (p[i] < '0' || p[i] > '9')
                goto bad;
            prefix = prefix * 10 + (unsigned)(p[i] - '0');
        }
        /* a mapped IPv6 prefix ("::ffff:10.0.0.0/104") became IPv4: move its prefix along */
        if (out->addr.family == 4 && memchr(s, ':', alen)) {
            if (prefix < 96)
                goto bad;
            prefix -= 96;
        }
        if (prefix > max)
            goto bad;
    }
    /* host bits under the prefix must be zero */
    struct rs_netaddr net = out->addr;
    unsigned n = max / 8;
    for (unsigned i = 0; i < n; i++) {
        unsigned lo = i * 8;
        if (prefix >= lo + 8)
            continue;
        net.bytes[i] &= prefix > lo ? (uint8_t)(0xff << (8 - (prefix - lo))) : 0;
    }
    if (!rs_netaddr_equal(&net, &out->addr))
        goto bad;
    out->prefix = (uint8_t)prefix;
    return 0;
bad:
    memset(out, 0, sizeof(*out));
    return -EINVAL;
}

bool rs_cidr_contains(const struct rs_cidr *c, const struct rs_netaddr *a)
{
    return c->addr.family && c->addr.family == a->family &&
           prefix_equal(c->addr.bytes, a->bytes, c->prefix);
}

static int is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int rs_cidr_list_add(struct rs_cidr_list *l, const char *s, char *err, size_t errlen)
{
    struct rs_cidr_list tmp = *l;
    const char *p = s;
    for (;;) {
        while (*p && is_sep(*p))
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && !is_sep(*e))
            e++;
        size_t len = (size_t)(e - p);
        if (tmp.n >= RS_CIDR_LIST_MAX) {
            snprintf(err, errlen, "at most %d addresses or prefixes", RS_CIDR_LIST_MAX);
            return -E2BIG;
        }
        if (rs_cidr_parse(p, len, &tmp.v[tmp.n])) {
            snprintf(err, errlen,
                     "'%.*s' is not an IPv4/IPv6 address or prefix (e.g. 10.0.0.0/8, "
                     "2001:db8::/32, 192.0.2.7)",
                     (int)(len > 64 ? 64 : len), p);
            return -EINVAL;
        }
        tmp.n++;
        p = e;
    }
    *l = tmp;
    return 0;
}

bool rs_cidr_list_contains(const struct rs_cidr_list *l, const struct rs_netaddr *a)
{
    for (unsigned i = 0; i < l->n; i++)
        if (rs_cidr_contains(&l->v[i], a))
            return true;
    return false;
}
