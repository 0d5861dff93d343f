/* SPDX-License-Identifier: EUPL-1.2 */
/* X-Forwarded-For and Forwarded: the examples of RFC 7239 first (sections 4, 6 and 7.1), then
 * broken and hostile headers, then the choice of the client (the right-most untrusted hop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/forwarded.h"

/* Parses `v` and renders the hops as "a b ?" (? for an unknown hop), or "ERR". */
static const char *hops_text(int xff, const char *v)
{
    static char out[1024];
    struct rs_hop hops[RS_FORWARDED_HOPS_MAX];
    int n = xff ? rs_forwarded_parse_xff(v, strlen(v), hops, RS_FORWARDED_HOPS_MAX)
                : rs_forwarded_parse(v, strlen(v), hops, RS_FORWARDED_HOPS_MAX);
    if (n < 0)
        return "ERR";
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        char a[RS_NETADDR_TEXT_MAX] = "?";
        if (hops[i].known)
            rs_netaddr_format(&hops[i].addr, a, sizeof(a));
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", a);
    }
    return out;
}

#define FWD(v) hops_text(0, v)
#define XFF(v) hops_text(1, v)

static void test_rfc7239_examples(void **state)
{
    /* section 4 */
    assert_string_equal(FWD("for=\"_gazonk\""), "?");
    assert_string_equal(FWD("For=\"[2001:db8:cafe::17]:4711\""), "2001:db8:cafe::17");
    assert_string_equal(FWD("for=192.0.2.60;proto=http;by=203.0.113.43"), "192.0.2.60");
    assert_string_equal(FWD("for=192.0.2.43, for=198.51.100.17"), "192.0.2.43 198.51.100.17");
    /* section 6: node names, ports, unknown and obfuscated identifiers */
    assert_string_equal(FWD("for=\"192.0.2.43:47011\""), "192.0.2.43");
    assert_string_equal(FWD("for=\"[2001:db8:cafe::17]:47011\""), "2001:db8:cafe::17");
    assert_string_equal(FWD("for=unknown"), "?");
    assert_string_equal(FWD("for=unknown;by=unknown"), "?");
    assert_string_equal(FWD("for=\"_hidden\", for=\"_SEVKISEK\""), "? ?");
    assert_string_equal(FWD("for=192.0.2.43;by=_SEVKISEK"), "192.0.2.43");
    /* section 7.1: the Forwarded equivalents of X-Forwarded-For */
    assert_string_equal(FWD("for=192.0.2.43, for=\"[2001:db8:cafe::17]\""),
                        "192.0.2.43 2001:db8:cafe::17");
    assert_string_equal(FWD("for=192.0.2.43,for=\"[2001:db8:cafe::17]\",for=unknown"),
                        "192.0.2.43 2001:db8:cafe::17 ?");
    assert_string_equal(FWD("for=192.0.2.43, for=\"[2001:db8:cafe::17]\", for=unknown"),
                        "192.0.2.43 2001:db8:cafe::17 ?");
    assert_string_equal(XFF("192.0.2.43, 2001:db8:cafe::17"), "192.0.2.43 2001:db8:cafe::17");
    assert_string_equal(XFF("192.0.2.43, 2001:db8:cafe::17, unknown"),
                        "192.0.2.43 2001:db8:cafe::17 ?");
}

static void test_forwarded_syntax(void **state)
{
    /* parameter names are case-insensitive; quoted-pairs; other parameters ignored */
    assert_string_equal(FWD("FOR=192.0.2.1;PROTO=https;host=\"meet.example.org\""), "192.0.2.1");
    assert_string_equal(FWD("for=\"\\1\\92.0.2.1\""), "192.0.2.1");
    assert_string_equal(FWD("proto=https;for=192.0.2.1;ext=\"a,b;c=d\", for=198.51.100.7"),
                        "192.0.2.1 198.51.100.7");
    /* empty elements and pairs are allowed and name no hop; an element without for is one we
     * cannot name */
    assert_string_equal(FWD(" , for=192.0.2.1 ,, ;;for=192.0.2.2; "), "192.0.2.1 192.0.2.2");
    assert_string_equal(FWD("proto=http, for=192.0.2.1"), "? 192.0.2.1");
    assert_string_equal(FWD(""), "");
    /* an unquoted IPv6 node (not RFC syntax, but unambiguous) */
    assert_string_equal(FWD("for=[2001:db8::1]:4711"), "2001:db8::1");
    assert_string_equal(FWD("for=2001:db8::1"), "2001:db8::1");
    /* not an address: an unknown hop, the element boundaries still hold */
    assert_string_equal(FWD("for=\"evil, for=6.6.6.6\", for=192.0.2.9"), "? 192.0.2.9");
    assert_string_equal(FWD("for=\"[2001:db8::1\""), "?");
    assert_string_equal(
        FWD("for=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaa\""),
        "?");
    /* broken syntax: the whole header is refused */
    static const char *const broken[] = {
        "for=\"192.0.2.1",             /* unterminated quoted string */
        "for=\"192.0.2.1\\",           /* escape at the end */
        "for",                         /* no '=' */
        "for=",                        /* empty value */
        "=192.0.2.1",                  /* no name */
        "for=192.0.2.1;for=192.0.2.2", /* a parameter twice in one element */
        "by=a;BY=b",                   /* likewise, any case */
        "for=192.0.2.1 x",             /* garbage after a value */
        "for=\"a\"b",                  /* likewise after a quoted string */
        "for =192.0.2.1",              /* no blanks around '=' */
        "for= 192.0.2.1",
        "for=192.0.2.1\r\nX-Evil: 1", /* control characters */
        "for=\"192.0.2.1\x01\"",
        "f(o)r=192.0.2.1", /* not a token */
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
        assert_string_equal(FWD(broken[i]), "ERR");
}

static void test_xff_syntax(void **state)
{
    assert_string_equal(XFF("203.0.113.9"), "203.0.113.9");
    assert_string_equal(XFF("  203.0.113.9 ,\t10.0.0.1  "), "203.0.113.9 10.0.0.1");
    assert_string_equal(XFF("203.0.113.9:51234, [2001:db8::1]:443"), "203.0.113.9 2001:db8::1");
    assert_string_equal(XFF(",,203.0.113.9,,"), "203.0.113.9");
    assert_string_equal(XFF(""), "");
    assert_string_equal(XFF("   "), "");
    assert_string_equal(XFF("evil.example, 203.0.113.9"), "? 203.0.113.9");
    assert_string_equal(XFF("_hidden, \"203.0.113.9\""), "? ?");
    assert_string_equal(XFF("203.0.113.9\r\n"), "ERR");
    assert_string_equal(XFF("203.0.113.9\x7f"), "ERR");
}

static void test_keeps_rightmost_hops(void **state)
{
    /* a client padding the header cannot push the proxies' hops out: the right end is kept */
    char v[2048] = "";
    for (int i = 0; i < 40; i++)
        snprintf(v + strlen(v), sizeof(v) - strlen(v), "6.6.6.%d, ", i);
    snprintf(v + strlen(v), sizeof(v) - strlen(v), "203.0.113.9, 10.0.0.1");
    struct rs_hop hops[RS_FORWARDED_HOPS_MAX];
    int n = rs_forwarded_parse_xff(v, strlen(v), hops, RS_FORWARDED_HOPS_MAX);
    assert_int_equal(n, RS_FORWARDED_HOPS_MAX);
    char a[RS_NETADDR_TEXT_MAX];
    rs_netaddr_format(&hops[n - 1].addr, a, sizeof(a));
    assert_string_equal(a, "10.0.0.1");
    rs_netaddr_format(&hops[n - 2].addr, a, sizeof(a));
    assert_string_equal(a, "203.0.113.9");
    rs_netaddr_format(&hops[0].addr, a, sizeof(a));
    assert_string_equal(a, "6.6.6.26");
    /* the same through Forwarded, and with a smaller array */
    char f[4096] = "";
    for (int i = 0; i < 40; i++)
        snprintf(f + strlen(f), sizeof(f) - strlen(f), "for=6.6.6.%d, ", i);
    snprintf(f + strlen(f), sizeof(f) - strlen(f), "for=203.0.113.9");
    n = rs_forwarded_parse(f, strlen(f), hops, 3);
    assert_int_equal(n, 3);
    rs_netaddr_format(&hops[2].addr, a, sizeof(a));
    assert_string_equal(a, "203.0.113.9");
    rs_netaddr_format(&hops[0].addr, a, sizeof(a));
    assert_string_equal(a, "6.6.6.38");
    assert_int_equal(rs_forwarded_parse(f, strlen(f), hops, 0), 0);
}

/* The client for `peer` and X-Forwarded-For `xff` (NULL: no header), as text + result. */
static const char *client(const char *peer, const char *xff, const char *trusted,
                          enum rs_forwarded_result *res)
{
    static char out[RS_NETADDR_TEXT_MAX];
    struct rs_cidr_list tl = {0};
    char err[128];
    assert_int_equal(rs_cidr_list_add(&tl, trusted, err, sizeof(err)), 0);
    struct rs_netaddr p;
    assert_int_equal(rs_netaddr_parse(peer, strlen(peer), &p), 0);
    struct rs_hop hops[RS_FORWARDED_HOPS_MAX];
    int n = xff ? rs_forwarded_parse_xff(xff, strlen(xff), hops, RS_FORWARDED_HOPS_MAX) : 0;
    struct rs_netaddr c = rs_forwarded_client(&p, hops, n, &tl, res);
    rs_netaddr_format(&c, out, sizeof(out));
    return out;
}

static void test_client_choice(void **state)
{
    enum rs_forwarded_result r;
    const char *T = "127.0.0.1, 10.0.0.0/8, 2001:db8:ff::/48";
    /* behind the proxy: the hop it appended */
    assert_string_equal(client("127.0.0.1", "203.0.113.9", T, &r), "203.0.113.9");
    assert_int_equal(r, RS_FWD_FORWARDED);
    /* a client's own X-Forwarded-For is left of the proxy's hop: ignored */
    assert_string_equal(client("127.0.0.1", "6.6.6.6, 203.0.113.9", T, &r), "203.0.113.9");
    /* through two trusted proxies */
    assert_string_equal(client("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", T, &r),
                        "203.0.113.9");
    assert_string_equal(client("::ffff:127.0.0.1", "203.0.113.9", T, &r), "203.0.113.9");
    assert_string_equal(client("2001:db8:ff::2", "2001:db8:1::7", T, &r), "2001:db8:1::7");
    /* not from a trusted proxy: the header is not believed */
    assert_string_equal(client("198.51.100.1", "203.0.113.9", T, &r), "198.51.100.1");
    assert_int_equal(r, RS_FWD_DIRECT);
    assert_string_equal(client("127.0.0.2", "203.0.113.9", T, &r), "127.0.0.2");
    assert_int_equal(r, RS_FWD_DIRECT);
    assert_string_equal(client("127.0.0.1", "203.0.113.9", "", &r), "127.0.0.1");
    assert_int_equal(r, RS_FWD_DIRECT);
    /* a trusted proxy without a header (its own health check): the proxy */
    assert_string_equal(client("127.0.0.1", NULL, T, &r), "127.0.0.1");
    assert_int_equal(r, RS_FWD_PROXY);
    assert_string_equal(client("127.0.0.1", " , ", T, &r), "127.0.0.1");
    assert_int_equal(r, RS_FWD_PROXY);
    /* every hop trusted: the left-most */
    assert_string_equal(client("127.0.0.1", "10.0.0.5, 10.0.0.6", T, &r), "10.0.0.5");
    assert_int_equal(r, RS_FWD_FORWARDED);
    /* a hop that is no address stops the walk at the last trusted one */
    assert_string_equal(client("127.0.0.1", "203.0.113.9, unknown", T, &r), "127.0.0.1");
    assert_int_equal(r, RS_FWD_UNKNOWN);
    assert_string_equal(client("127.0.0.1", "unknown, 10.0.0.7", T, &r), "10.0.0.7");
    assert_int_equal(r, RS_FWD_UNKNOWN);
    /* ...but garbage left of the client does not matter */
    assert_string_equal(client("127.0.0.1", "garbage, 203.0.113.9", T, &r), "203.0.113.9");
    assert_int_equal(r, RS_FWD_FORWARDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7239_examples), cmocka_unit_test(test_forwarded_syntax),
        cmocka_unit_test(test_xff_syntax),       cmocka_unit_test(test_keeps_rightmost_hops),
        cmocka_unit_test(test_client_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
