/* SPDX-License-Identifier: EUPL-1.2 */
/* The session cookie's rules (auth/web_session.c): when it is Secure and carries the __Host-
 * prefix. https public URL: yes; TLS in the server without a public URL: yes; otherwise no. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h> /* after setjmp.h, stdarg.h, stddef.h, stdint.h */

#include "auth/web_session.h"

static void test_secure_follows_public_url_and_tls(void **state)
{
    struct rs_config cfg;
    rs_config_defaults(&cfg);
    assert_false(rs_web_session_secure(&cfg)); /* plain http on loopback (make run) */
    assert_string_equal(rs_web_session_cookie_name(&cfg), "ratsaal_session");

    snprintf(cfg.public_url, sizeof(cfg.public_url), "https://meet.example.org");
    assert_true(rs_web_session_secure(&cfg)); /* behind a TLS proxy */
    assert_string_equal(rs_web_session_cookie_name(&cfg), "__Host-ratsaal_session");

    snprintf(cfg.public_url, sizeof(cfg.public_url), "http://127.0.0.1:8080");
    assert_false(rs_web_session_secure(&cfg));

    /* TLS in the server, no public URL: every browser reached us over https */
    cfg.public_url[0] = 0;
    snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "/etc/ratsaal/cert.pem");
    snprintf(cfg.tls_key, sizeof(cfg.tls_key), "/etc/ratsaal/key.pem");
    assert_true(rs_web_session_secure(&cfg));
    assert_string_equal(rs_web_session_cookie_name(&cfg), "__Host-ratsaal_session");
    char set_cookie[RS_SET_COOKIE_MAX];
    assert_int_equal(rs_web_session_clear_cookie(&cfg, set_cookie, sizeof(set_cookie)), 0);
    assert_non_null(strstr(set_cookie, "__Host-ratsaal_session="));
    assert_non_null(strstr(set_cookie, "Secure"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secure_follows_public_url_and_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
