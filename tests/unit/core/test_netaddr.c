/* SPDX-License-Identifier: EUPL-1.2 */
/* IP addresses and prefixes: the literal forms (RFC 4291 text, RFC 5952 output), the nodes
 * proxies write (RFC 7239 section 6), prefixes and lists as the configuration writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/netaddr.h"

static struct rs_netaddr addr(const char *s)
{
    struct rs_netaddr a;
    assert_int_equal(rs_netaddr_parse(s, strlen(s), &a), 0);
    return a;
}

static void expect_text(const char *in, const char *out)
{
    struct rs_netaddr a = addr(in);
    char buf[RS_NETADDR_TEXT_MAX];
    assert_int_equal(rs_netaddr_format(&a, buf, sizeof(buf)), 0);
    assert_string_equal(buf, out);
}

static void test_parse_and_format(void **state)
{
    expect_text("192.0.2.1", "192.0.2.1");
    expect_text("0.0.0.0", "0.0.0.0");
    expect_text("255.255.255.255", "255.255.255.255");
    /* RFC 5952 canonical output: lower case, longest zero run compressed */
    expect_text("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    expect_text("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    expect_text("::1", "::1");
    /* IPv4-mapped IPv6 is the IPv4 address */
    expect_text("::ffff:192.0.2.1", "192.0.2.1");
    expect_text("::FFFF:c000:0201", "192.0.2.1");
    struct rs_netaddr m = addr("::ffff:127.0.0.1"), v4 = addr("127.0.0.1");
    assert_int_equal(m.family, 4);
    assert_true(rs_netaddr_equal(&m, &v4));
    assert_true(rs_netaddr_is_loopback(&v4));
    struct rs_netaddr l6 = addr("::1"), other = addr("192.0.2.1");
    assert_true(rs_netaddr_is_loopback(&l6));
    assert_false(rs_netaddr_is_loopback(&other));
    assert_false(rs_netaddr_equal(&l6, &v4));
    /* a short buffer is refused, never truncated */
    char small[8];
    assert_int_equal(rs_netaddr_format(&other, small, sizeof(small)), -ENOSPC);
    assert_string_equal(small, "");
    struct rs_netaddr none = {0};
    assert_int_equal(rs_netaddr_format(&none, small, sizeof(small)), -EINVAL);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.1",
        "01.2.3.4",
        "1.2.3.4 ",
        " 1.2.3.4",
        "::1::2",
        "fe80::1%eth0",
        "[::1]",
        "1.2.3.4:80",
        "localhost",
        "2001:db8::g",
        "::ffff:1.2.3",
        "1234567890123456789012345678901234567890123456789",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rs_netaddr a;
        assert_int_equal(rs_netaddr_parse(bad[i], strlen(bad[i]), &a), -EINVAL);
        assert_int_equal(a.family, 0);
    }
    /* an embedded NUL is not a shorter address */
    struct rs_netaddr a;
    assert_int_equal(rs_netaddr_parse("1.2.3.4\0", 8, &a), -EINVAL);
    /* the length counts, not the NUL */
    assert_int_equal(rs_netaddr_parse("10.0.0.1xyz", 8, &a), 0);
    char buf[RS_NETADDR_TEXT_MAX];
    rs_netaddr_format(&a, buf, sizeof(buf));
    assert_string_equal(buf, "10.0.0.1");
}

static void test_nodes(void **state)
{
    /* RFC 7239 section 6 forms, and X-Forwarded-For's unbracketed IPv6 */
    static const struct {
        const char *in, *out;
    } good[] = {
        {"192.0.2.43", "192.0.2.43"},
        {"192.0.2.43:47011", "192.0.2.43"},
        {"192.0.2.43:_a1b2", "192.0.2.43"},
        {"[2001:db8:cafe::17]", "2001:db8:cafe::17"},
        {"[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"},
        {"[2001:db8:cafe::17]:_port-1", "2001:db8:cafe::17"},
        {"2001:db8:cafe::17", "2001:db8:cafe::17"},
        {"[::ffff:192.0.2.1]:80", "192.0.2.1"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct rs_netaddr a;
        char buf[RS_NETADDR_TEXT_MAX];
        assert_int_equal(rs_netaddr_parse_node(good[i].in, strlen(good[i].in), &a), 0);
        rs_netaddr_format(&a, buf, sizeof(buf));
        assert_string_equal(buf, good[i].out);
    }
    static const char *const bad[] = {
        "",
        "[2001:db8::1",
        "[192.0.2.1]",
        "[2001:db8::1]:",
        "[2001:db8::1]x",
        "192.0.2.1:",
        "192.0.2.1:65536",
        "192.0.2.1:123456",
        "192.0.2.1:8a",
        "192.0.2.1:_",
        "192.0.2.1:_a b",
        "unknown",
        "_hidden",
        "[::1]:80:80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rs_netaddr a;
        assert_int_equal(rs_netaddr_parse_node(bad[i], strlen(bad[i]), &a), -EINVAL);
        assert_int_equal(a.family, 0);
    }
}

static struct rs_cidr cidr(const char *s)
{
    struct rs_cidr c;
    assert_int_equal(rs_cidr_parse(s, strlen(s), &c), 0);
    return c;
}

static void test_cidr(void **state)
{
    struct rs_cidr ten = cidr("10.0.0.0/8");
    struct rs_netaddr in = addr("10.255.1.2"), out = addr("11.0.0.0"), v6 = addr("::a00:1");
    assert_int_equal(ten.prefix, 8);
    assert_true(rs_cidr_contains(&ten, &in));
    assert_false(rs_cidr_contains(&ten, &out));
    assert_false(rs_cidr_contains(&ten, &v6));
    struct rs_cidr odd = cidr("192.0.2.128/25");
    struct rs_netaddr a = addr("192.0.2.200"), b = addr("192.0.2.127");
    assert_true(rs_cidr_contains(&odd, &a));
    assert_false(rs_cidr_contains(&odd, &b));
    struct rs_cidr host = cidr("192.0.2.7"); /* a bare address is its own /32 */
    assert_int_equal(host.prefix, 32);
    struct rs_netaddr seven = addr("192.0.2.7"), eight = addr("192.0.2.8");
    assert_true(rs_cidr_contains(&host, &seven));
    assert_false(rs_cidr_contains(&host, &eight));
    struct rs_cidr all = cidr("0.0.0.0/0");
    assert_true(rs_cidr_contains(&all, &out));
    assert_false(rs_cidr_contains(&all, &v6));
    struct rs_cidr doc = cidr("2001:db8::/32");
    struct rs_netaddr d1 = addr("2001:db8:ffff::1"), d2 = addr("2001:db9::1");
    assert_true(rs_cidr_contains(&doc, &d1));
    assert_false(rs_cidr_contains(&doc, &d2));
    struct rs_cidr mapped = cidr("::ffff:10.0.0.0/104"); /* = 10.0.0.0/8 */
    assert_int_equal(mapped.addr.family, 4);
    assert_int_equal(mapped.prefix, 8);
    assert_true(rs_cidr_contains(&mapped, &in));
    struct rs_netaddr mapped_peer = addr("::ffff:10.1.1.1");
    assert_true(rs_cidr_contains(&ten, &mapped_peer));

    static const char *const bad[] = {
        "10.0.0.1/8", /* host bits: a typo for 10.0.0.0/8 or 10.0.0.1 */
        "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/8/8",       "10.0.0.0/-1",
        "10.0.0.0/a",  "10.0.0.0/0008",  "/8",        "::ffff:10.0.0.0/95", "example.org/24",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rs_cidr c;
        assert_int_equal(rs_cidr_parse(bad[i], strlen(bad[i]), &c), -EINVAL);
    }
}

static void test_cidr_list(void **state)
{
    struct rs_cidr_list l = {0};
    char err[160] = "";
    assert_int_equal(
        rs_cidr_list_add(&l, " 127.0.0.1, 10.0.0.0/8 ,,2001:db8::/32\t::1 ", err, sizeof(err)), 0);
    assert_int_equal(l.n, 4);
    struct rs_netaddr a = addr("10.9.9.9"), b = addr("192.0.2.1"), c = addr("::1");
    assert_true(rs_cidr_list_contains(&l, &a));
    assert_false(rs_cidr_list_contains(&l, &b));
    assert_true(rs_cidr_list_contains(&l, &c));
    assert_int_equal(rs_cidr_list_add(&l, "", err, sizeof(err)), 0);
    assert_int_equal(l.n, 4);
    /* one bad item: nothing of the line is added */
    assert_int_equal(rs_cidr_list_add(&l, "192.0.2.0/24 proxy.example.org", err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(l.n, 4);
    assert_non_null(strstr(err, "'proxy.example.org'"));
    assert_false(rs_cidr_list_contains(&l, &b));
    /* bounded */
    struct rs_cidr_list full = {0};
    for (int i = 0; i < RS_CIDR_LIST_MAX; i++)
        assert_int_equal(rs_cidr_list_add(&full, "192.0.2.1", err, sizeof(err)), 0);
    assert_int_equal(rs_cidr_list_add(&full, "192.0.2.2", err, sizeof(err)), -E2BIG);
    assert_int_equal(full.n, RS_CIDR_LIST_MAX);
    struct rs_cidr_list empty = {0};
    assert_false(rs_cidr_list_contains(&empty, &a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_cidr_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
