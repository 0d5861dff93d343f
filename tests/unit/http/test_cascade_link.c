/* SPDX-License-Identifier: EUPL-1.2 */
/* Where a relay link goes (http/cascade_link.c rs_cascade_url_split): an owner's node-record
 * URL into scheme, host, port, the /signaling path and the Host header. https means wss with
 * the certificate verified, so a URL split wrongly would dial, or check the certificate of,
 * the wrong name. Malformed URLs are refused, never half-used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after setjmp.h, stdarg.h, stddef.h, stdint.h */

#include <errno.h>
#include <string.h>

#include "http/cascade_link.h"

static void expect_split(const char *url, bool tls, const char *host, int port, const char *path,
                         const char *host_hdr)
{
    struct rs_cascade_url u;
    int rc = rs_cascade_url_split(url, &u);
    if (rc)
        fail_msg("%s: rc %d", url, rc);
    if (u.tls != tls || strcmp(u.host, host) || u.port != port || strcmp(u.path, path) ||
        strcmp(u.host_hdr, host_hdr))
        fail_msg("%s: got tls=%d host=%s port=%d path=%s host_hdr=%s", url, u.tls, u.host, u.port,
                 u.path, u.host_hdr);
}

static void expect_refused(const char *url, int want)
{
    struct rs_cascade_url u;
    int rc = rs_cascade_url_split(url, &u);
    if (rc != want)
        fail_msg("%s: expected %d, got %d", url, want, rc);
}

static void test_http_is_plain_ws_on_80(void **state)
{
    (void)state;
    expect_split("http://10.0.0.2", false, "10.0.0.2", 80, "/signaling", "10.0.0.2");
    expect_split("http://node-a.internal:8080", false, "node-a.internal", 8080, "/signaling",
                 "node-a.internal:8080");
    expect_split("http://127.0.0.1:8443/n/a", false, "127.0.0.1", 8443, "/n/a/signaling",
                 "127.0.0.1:8443");
    expect_split("http://[::1]:8080/n/a", false, "::1", 8080, "/n/a/signaling", "[::1]:8080");
    expect_split("http://[fd00::2]", false, "fd00::2", 80, "/signaling", "[fd00::2]");
}

static void test_https_is_wss_on_443(void **state)
{
    (void)state;
    expect_split("https://meet.example.org", true, "meet.example.org", 443, "/signaling",
                 "meet.example.org");
    expect_split("https://meet.example.org/n/b", true, "meet.example.org", 443,
                 "/n/b/signaling", "meet.example.org");
    expect_split("https://127.0.0.1:8443", true, "127.0.0.1", 8443, "/signaling",
                 "127.0.0.1:8443");
    expect_split("https://a.example.org:1/x/y/", true, "a.example.org", 1, "/x/y/signaling",
                 "a.example.org:1");
    expect_split("https://a.example.org:65535//", true, "a.example.org", 65535, "/signaling",
                 "a.example.org:65535");
}

static void test_bad_urls_refused(void **state)
{
    (void)state;
    expect_refused("ws://a.example.org", -ENOTSUP);
    expect_refused("wss://a.example.org", -ENOTSUP);
    expect_refused("ftp://a.example.org", -ENOTSUP);
    expect_refused("HTTPS://a.example.org", -ENOTSUP);
    expect_refused("", -ENOTSUP);
    /* an IPv6 literal with TLS: lws 4.1 would check the certificate against "[" */
    expect_refused("https://[::1]:8443", -ENOTSUP);
    expect_refused("https://", -EINVAL);
    expect_refused("http:///n/a", -EINVAL);
    expect_refused("https://:8443", -EINVAL);
    expect_refused("https://a.example.org:", -EINVAL);
    expect_refused("https://a.example.org:0", -EINVAL);
    expect_refused("https://a.example.org:65536", -EINVAL);
    expect_refused("https://a.example.org:-1", -EINVAL);
    expect_refused("https://a.example.org:+443", -EINVAL);
    expect_refused("https://a.example.org:443x", -EINVAL);
    expect_refused("https://a.example.org:443:1", -EINVAL);
    expect_refused("https://user@a.example.org", -EINVAL);
    expect_refused("https://a.exa mple.org", -EINVAL);
    expect_refused("https://a.example.org/p q", -EINVAL);
    expect_refused("https://a.example.org/p\n", -EINVAL);
    expect_refused("http://[::1", -EINVAL);
    expect_refused("http://[::1]x", -EINVAL);
    expect_refused("http://[]:80", -EINVAL);
    expect_refused("http://[::g]:80", -EINVAL);

    /* a host of 255 bytes fits, 256 does not; a path too long for the buffer is refused */
    char url[700];
    snprintf(url, sizeof(url), "https://%0255d", 0);
    struct rs_cascade_url u;
    assert_int_equal(rs_cascade_url_split(url, &u), 0);
    assert_int_equal(strlen(u.host), 255);
    snprintf(url, sizeof(url), "https://%0256d", 0);
    expect_refused(url, -EINVAL);
    snprintf(url, sizeof(url), "https://a/%0300d", 0);
    expect_refused(url, -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_is_plain_ws_on_80),
        cmocka_unit_test(test_https_is_wss_on_443),
        cmocka_unit_test(test_bad_urls_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
