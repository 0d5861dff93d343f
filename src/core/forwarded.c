/* SPDX-License-Identifier: EUPL-1.2 */
/* X-Forwarded-For and Forwarded (see forwarded.h).
 *
 * A client may send either header itself; a proxy then appends to it (nginx's
 * $proxy_add_x_forwarded_for, HAProxy's `option forwarded`). So the parsers keep every hop in
 * order and decide nothing: rs_forwarded_client() alone decides whom to believe, from the right.
 *
 * The subtle point is what to do with text we cannot read. In X-Forwarded-For a bad element is
 * one hop we do not know, and the comma still separates the hops around it. In Forwarded a
 * quoted string may contain commas and semicolons, so a broken one (unterminated, say) hides
 * where the next element starts: a client could swallow the element its proxy appended. A
 * syntax error therefore rejects the whole header, and the caller falls back to the peer. */
#include "core/forwarded.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* The right-most `max` hops, kept in a ring while parsing and put in order at the end. */
struct ring {
    struct rs_hop *hops;
    size_t max;
    size_t total;
};

static void push(struct ring *r, const char *node, size_t len)
{
    if (!r->max)
        return;
    struct rs_hop *h = &r->hops[r->total % r->max];
    memset(h, 0, sizeof(*h));
    /* "unknown" and obfuscated identifiers ("_hidden") are hops we cannot name */
    h->known = len && node[0] != '_' && rs_netaddr_parse_node(node, len, &h->addr) == 0;
    r->total++;
}

static int finish(struct ring *r)
{
    if (!r->max || r->total <= r->max)
        return (int)(r->total < r->max ? r->total : r->max);
    /* rotate so that the oldest kept hop comes first */
    struct rs_hop tmp[RS_FORWARDED_HOPS_MAX];
    size_t n = r->max <= RS_FORWARDED_HOPS_MAX ? r->max : RS_FORWARDED_HOPS_MAX;
    size_t start = r->total % r->max;
    for (size_t i = 0; i < n; i++)
        tmp[i] = r->hops[(start + i) % r->max];
    memcpy(r->hops, tmp, n * sizeof(tmp[0]));
    return (int)n;
}

static int is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int rs_forwarded_parse_xff(const char *v, size_t len, struct rs_hop *hops, size_t max)
{
    if (max > RS_FORWARDED_HOPS_MAX)
        max = RS_FORWARDED_HOPS_MAX;
    struct ring r = {hops, max, 0};
    for (size_t i = 0; i < len; i++)
        if (is_ctl((unsigned char)v[i]))
            return -EINVAL;
    size_t pos = 0;
    while (pos <= len) {
        const char *comma = memchr(v + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - v) : len;
        size_t s = pos, e = end;
        while (s < e && is_ows(v[s]))
            s++;
        while (e > s && is_ows(v[e - 1]))
            e--;
        if (e > s) /* empty list elements are allowed and name no hop */
            push(&r, v + s, e - s);
        pos = end + 1;
    }
    return finish(&r);
}

/* RFC 7230 tchar. Unquoted values also take ':', '[' and ']' so that an unquoted IPv6 node
 * (a common proxy misconfiguration) still reads as the address it plainly is. */
static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

enum { P_FOR, P_BY, P_HOST, P_PROTO, P_OTHER };

static int param_of(const char *name, size_t len)
{
    static const char *const names[] = {"for", "by", "host", "proto"};
    for (int i = 0; i < 4; i++)
        if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
            return i;
    return P_OTHER;
}

int rs_forwarded_parse(const char *v, size_t len, struct rs_hop *hops, size_t max)
{
    if (max > RS_FORWARDED_HOPS_MAX)
        max = RS_FORWARDED_HOPS_MAX;
    struct ring r = {hops, max, 0};
    size_t i = 0;
    for (size_t k = 0; k < len; k++)
        if (is_ctl((unsigned char)v[k]))
            return -EINVAL;
    while (i < len) {
        /* one element: pairs up to ',' or the end */
        int seen[P_OTHER] = {0}, pairs = 0;
        char node[64];
        size_t node_len = 0;
        int node_long = 0;
        for (;;) {
            while (i < len && is_ows(v[i]))
                i++;
            if (i >= len || v[i] == ',')
                break;
            if (v[i] == ';') {
                i++;
                continue;
            }
            size_t name = i;
            while (i < len && is_tchar(v[i]))
                i++;
            size_t name_len = i - name;
            if (!name_len || i >= len || v[i] != '=')
                return -EINVAL;
            i++;
            char val[64];
            size_t val_len = 0;
            int val_long = 0;
            if (i < len && v[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len)
                        return -EINVAL; /* unterminated */
                    char c = v[i++];
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        if (i >= len)
                            return -EINVAL;
                        c = v[i++];
                    }
                    if (val_len < sizeof(val))
                        val[val_len++] = c;
                    else
                        val_long = 1;
                }
            } else {
                size_t s = i;
                while (i < len && (is_tchar(v[i]) || v[i] == ':' || v[i] == '[' || v[i] == ']'))
                    i++;
                if (i == s)
                    return -EINVAL;
                val_len = i - s < sizeof(val) ? i - s : sizeof(val);
                val_long = i - s > sizeof(val);
                memcpy(val, v + s, val_len);
            }
            int p = param_of(v + name, name_len);
            if (p != P_OTHER) {
                if (seen[p]++)
                    return -EINVAL; /* RFC 7239 4: at most once per element */
                if (p == P_FOR) {
                    memcpy(node, val, val_len);
                    node_len = val_len;
                    node_long = val_long;
                }
            }
            pairs++;
            while (i < len && is_ows(v[i]))
                i++;
            if (i < len && v[i] != ';' && v[i] != ',')
                return -EINVAL; /* garbage after a value */
        }
        if (pairs) /* an empty element names no hop; one without `for` an unknown one */
            push(&r, node, seen[P_FOR] && !node_long ? node_len : 0);
        if (i < len)
            i++; /* the comma */
    }
    return finish(&r);
}

struct rs_netaddr rs_forwarded_client(const struct rs_netaddr *peer, const struct rs_hop *hops,
                                      int n, const struct rs_cidr_list *trusted,
                                      enum rs_forwarded_result *result)
{
    if (!trusted || !rs_cidr_list_contains(trusted, peer)) {
        *result = RS_FWD_DIRECT;
        return *peer;
    }
    if (n <= 0) {
        *result = RS_FWD_PROXY;
        return *peer;
    }
    struct rs_netaddr client = *peer;
    for (int i = n - 1; i >= 0; i--) {
        if (!hops[i].known) {
            *result = RS_FWD_UNKNOWN;
            return client;
        }
        client = hops[i].addr;
        if (!rs_cidr_list_contains(trusted, &client))
            break;
    }
    /* the first untrusted hop, or (every hop a trusted proxy) the left-most one */
    *result = RS_FWD_FORWARDED;
    return client;
}
