/* SPDX-License-Identifier: EUPL-1.2 */
/* OpenID Connect messages: URL policy, discovery, the authorization URL (exact string), the
 * token request with HTTP Basic client authentication, token responses, and logout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth/oidc.h"

#define ISS "https://idp.amt.example/realms/amt"

static const char keycloak_discovery[] =
    "{\"issuer\":\"" ISS "\","
    "\"authorization_endpoint\":\"" ISS "/protocol/openid-connect/auth\","
    "\"token_endpoint\":\"" ISS "/protocol/openid-connect/token\","
    "\"jwks_uri\":\"" ISS "/protocol/openid-connect/certs\","
    "\"end_session_endpoint\":\"" ISS "/protocol/openid-connect/logout\","
    "\"response_types_supported\":[\"code\"],"
    "\"code_challenge_methods_supported\":[\"plain\",\"S256\"],"
    "\"id_token_signing_alg_values_supported\":[\"RS256\",\"ES256\"]}";

static void test_url_policy(void **state)
{
    const char *ok[] = {
        "https://idp.example.org",       "https://idp.example.org/realms/a?x=1",
        "https://idp.example.org:8443/", "http://127.0.0.1:3000/oidc",
        "http://localhost:3000",         "http://[::1]:3000/x",
        "https://[2001:db8::1]/x",       "https://LOCALHOST",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (rs_oidc_url_allowed(ok[i]) != 0)
            fail_msg("refused %s", ok[i]);
    }
    const struct {
        const char *url;
        int rc;
    } bad[] = {
        {"http://idp.example.org", -EPERM},
        {"http://127.0.0.2/", -EPERM},
        {"http://localhost.evil.com/", -EPERM},
        {"http://127.0.0.1.nip.io/", -EPERM},
        {"ftp://idp.example.org", -EPERM},
        {"file:///etc/passwd", -EPERM},
        {"HTTPS://idp.example.org", -EPERM},
        {"https://", -EINVAL},
        {"https:///path", -EINVAL},
        {"https://user:pw@idp.example.org", -EINVAL},
        {"http://evil.com@127.0.0.1/", -EINVAL},
        {"https://idp.example.org/a b", -EINVAL},
        {"https://idp.example.org/\r\nx", -EINVAL},
        {"https://idp.example.org\\@evil.com", -EINVAL},
        {"https://idp.example.org#frag", -EINVAL},
        {"https://idp.example.org:0/", -EINVAL},
        {"https://idp.example.org:65536/", -EINVAL},
        {"https://idp.example.org:/", -EINVAL},
        {"https://idp.example.org:80x/", -EINVAL},
        {"https://[::1/", -EINVAL},
        {"https://idp_ex.org/", -EINVAL},
        {NULL, -EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rs_oidc_url_allowed(bad[i].url) != bad[i].rc)
            fail_msg("%s: got %d", bad[i].url ? bad[i].url : "NULL",
                     rs_oidc_url_allowed(bad[i].url));
    }
    assert_true(rs_oidc_url_is_loopback("http://127.0.0.1:9/"));
    assert_true(rs_oidc_url_is_loopback("https://localhost/"));
    assert_false(rs_oidc_url_is_loopback("https://idp.example.org/"));
    char origin[64];
    assert_int_equal(rs_oidc__url_origin("https://IdP.Example.org:8443/a?b", origin, sizeof origin),
                     0);
    assert_string_equal(origin, "https://idp.example.org:8443");
}

static void test_discovery(void **state)
{
    struct rs_oidc_provider p;
    assert_int_equal(
        rs_oidc_parse_discovery(keycloak_discovery, strlen(keycloak_discovery), ISS, &p), 0);
    assert_string_equal(p.issuer, ISS);
    assert_string_equal(p.authorization_endpoint, ISS "/protocol/openid-connect/auth");
    assert_string_equal(p.token_endpoint, ISS "/protocol/openid-connect/token");
    assert_string_equal(p.jwks_uri, ISS "/protocol/openid-connect/certs");
    assert_string_equal(p.end_session_endpoint, ISS "/protocol/openid-connect/logout");
    assert_true(p.s256_advertised);

    /* The issuer must match exactly: a trailing slash, another realm, other case. */
    const char *wrong[] = {ISS "/", "https://idp.amt.example/realms/other",
                           "https://IDP.amt.example/realms/amt"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            rs_oidc_parse_discovery(keycloak_discovery, strlen(keycloak_discovery), wrong[i], &p),
            -EPERM);
        assert_string_equal(p.issuer, "");
    }

    char doc[2048];
    /* an endpoint over plain http to a non-loopback host */
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth\","
             "\"token_endpoint\":\"http://idp.amt.example/token\",\"jwks_uri\":\"" ISS "/certs\"}");
    assert_int_equal(rs_oidc_parse_discovery(doc, strlen(doc), ISS, &p), -EPERM);
    /* jwks_uri missing; end_session missing is fine */
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth\","
             "\"token_endpoint\":\"" ISS "/token\"}");
    assert_int_equal(rs_oidc_parse_discovery(doc, strlen(doc), ISS, &p), -EINVAL);
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth\","
             "\"token_endpoint\":\"" ISS "/token\",\"jwks_uri\":\"" ISS "/certs\"}");
    assert_int_equal(rs_oidc_parse_discovery(doc, strlen(doc), ISS, &p), 0);
    assert_string_equal(p.end_session_endpoint, "");
    assert_false(p.s256_advertised);
    /* a loopback test provider over http */
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"http://127.0.0.1:3000\",\"authorization_endpoint\":"
             "\"http://127.0.0.1:3000/auth\",\"token_endpoint\":\"http://127.0.0.1:3000/token\","
             "\"jwks_uri\":\"http://127.0.0.1:3000/jwks\"}");
    assert_int_equal(rs_oidc_parse_discovery(doc, strlen(doc), "http://127.0.0.1:3000", &p), 0);
    /* a plain-http issuer elsewhere is refused even if it matches */
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"http://idp\",\"authorization_endpoint\":\"https://idp/a\","
             "\"token_endpoint\":\"https://idp/t\",\"jwks_uri\":\"https://idp/j\"}");
    assert_int_equal(rs_oidc_parse_discovery(doc, strlen(doc), "http://idp", &p), -EPERM);
    const char *garbage[] = {"", "[]", "{", "null", "{\"issuer\":1}"};
    assert_int_equal(rs_oidc_parse_discovery(garbage[0], 0, ISS, &p), -EBADMSG);
    assert_int_equal(rs_oidc_parse_discovery(garbage[1], 2, ISS, &p), -EBADMSG);
    assert_int_equal(rs_oidc_parse_discovery(garbage[2], 1, ISS, &p), -EBADMSG);
    assert_int_equal(rs_oidc_parse_discovery(garbage[3], 4, ISS, &p), -EBADMSG);
    assert_int_equal(rs_oidc_parse_discovery(garbage[4], 12, ISS, &p), -EINVAL);
}

static void test_authorization_url(void **state)
{
    struct rs_oidc_provider p;
    char url[1024];
    assert_int_equal(
        rs_oidc_parse_discovery(keycloak_discovery, strlen(keycloak_discovery), ISS, &p), 0);
    struct rs_oidc_auth_request req = {
        .client_id = "ratsaal",
        .redirect_uri = "https://meet.amt.example/auth/callback?x=1&y=ä",
        .state = "af0ifjsldkj",
        .nonce = "n-0S6_WzA2Mj",
        .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    };
    assert_int_equal(rs_oidc_authorization_url(&p, &req, url, sizeof url), 0);
    assert_string_equal(url,
                        ISS "/protocol/openid-connect/auth?response_type=code&client_id=ratsaal"
                            "&redirect_uri=https%3A%2F%2Fmeet.amt.example%2Fauth%2Fcallback%3Fx%"
                            "3D1%26y%3D%C3%A4&scope=openid%20profile%20email&state=af0ifjsldkj"
                            "&nonce=n-0S6_WzA2Mj&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbu"
                            "GJSstw-cM&code_challenge_method=S256");
    /* an endpoint that already has a query gets '&' */
    snprintf(p.authorization_endpoint, sizeof p.authorization_endpoint, "%s",
             "https://idp/auth?kc_idp_hint=amt");
    req.scope = "openid";
    assert_int_equal(rs_oidc_authorization_url(&p, &req, url, sizeof url), 0);
    assert_int_equal(strncmp(url, "https://idp/auth?kc_idp_hint=amt&response_type=code&", 52), 0);
    assert_non_null(strstr(url, "&scope=openid&"));
    assert_int_equal(rs_oidc_authorization_url(&p, &req, url, 100), -ENOSPC);
    assert_string_equal(url, "");
    req.nonce = NULL;
    assert_int_equal(rs_oidc_authorization_url(&p, &req, url, sizeof url), -EINVAL);
}

static void test_token_request(void **state)
{
    char body[1024], auth[256];
    struct rs_oidc_token_request req = {
        .code = "SplxlOBeZQQYbYS6WxSbIA",
        .redirect_uri = "https://meet.amt.example/auth/callback",
        .code_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        .client_id = "ratsaal",
        .client_secret = "s3cr:t+ /xä",
    };
    assert_int_equal(rs_oidc_token_request_body(&req, body, sizeof body, auth, sizeof auth), 0);
    assert_string_equal(body, "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
                              "&redirect_uri=https%3A%2F%2Fmeet.amt.example%2Fauth%2Fcallback"
                              "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
                              "&client_id=ratsaal");
    /* base64("ratsaal:s3cr%3At%2B+%2Fx%C3%A4"): the secret form-encoded first (RFC 6749 2.3.1) */
    assert_string_equal(auth, "Basic cmF0c2FhbDpzM2NyJTNBdCUyQislMkZ4JUMzJUE0");
    req.client_secret = NULL;
    assert_int_equal(rs_oidc_token_request_body(&req, body, sizeof body, auth, sizeof auth), 0);
    assert_string_equal(auth, "");
    req.client_secret = "x";
    assert_int_equal(rs_oidc_token_request_body(&req, body, 50, auth, sizeof auth), -ENOSPC);
    assert_int_equal(rs_oidc_token_request_body(&req, body, sizeof body, auth, 10), -ENOSPC);
    req.code = NULL;
    assert_int_equal(rs_oidc_token_request_body(&req, body, sizeof body, auth, sizeof auth),
                     -EINVAL);
}

static int parse_tokens(const char *json, struct rs_oidc_token_response *r)
{
    return rs_oidc_parse_token_response(json, strlen(json), r);
}

static void test_token_response(void **state)
{
    struct rs_oidc_token_response r;
    assert_int_equal(parse_tokens("{\"access_token\":\"SlAV32hkKG\",\"token_type\":\"Bearer\","
                                  "\"refresh_token\":\"8xLOxBtZp8\",\"expires_in\":3600,"
                                  "\"id_token\":\"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\"}",
                                  &r),
                     0);
    assert_string_equal(r.id_token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    assert_string_equal(r.access_token, "SlAV32hkKG");
    assert_int_equal(r.expires_in, 3600);
    assert_string_equal(r.error, "");
    rs_oidc_token_response_free(&r);
    rs_oidc_token_response_free(&r);

    assert_int_equal(parse_tokens("{\"token_type\":\"bearer\",\"id_token\":\"a.b.c\"}", &r), 0);
    assert_null(r.access_token);
    rs_oidc_token_response_free(&r);

    assert_int_equal(parse_tokens("{\"error\":\"invalid_grant\",\"error_description\":\"x\"}", &r),
                     -EPROTO);
    assert_string_equal(r.error, "invalid_grant");
    rs_oidc_token_response_free(&r);
    assert_int_equal(parse_tokens("{\"error\":\"bad\\n\\\"code\\\"\"}", &r), -EPROTO);
    assert_string_equal(r.error, "bad??code?");
    assert_int_equal(parse_tokens("{\"error\":42}", &r), -EPROTO);
    assert_string_equal(r.error, "invalid_response");

    assert_int_equal(parse_tokens("{\"access_token\":\"x\",\"token_type\":\"Bearer\"}", &r),
                     -EINVAL);
    assert_int_equal(parse_tokens("{\"id_token\":\"\"}", &r), -EINVAL);
    assert_int_equal(parse_tokens("{\"id_token\":\"a.b.c\",\"token_type\":\"MAC\"}", &r), -EINVAL);
    assert_int_equal(parse_tokens("{\"id_token\":7}", &r), -EINVAL);
    assert_int_equal(parse_tokens("<html>502</html>", &r), -EBADMSG);
    assert_int_equal(parse_tokens("[]", &r), -EBADMSG);
    assert_int_equal(parse_tokens("{\"id_token\":\"a\",\"id_token\":\"b\"}", &r), -EBADMSG);
    rs_oidc_token_response_free(&r);
}

static void test_end_session(void **state)
{
    struct rs_oidc_provider p;
    char url[512];
    assert_int_equal(
        rs_oidc_parse_discovery(keycloak_discovery, strlen(keycloak_discovery), ISS, &p), 0);
    assert_int_equal(rs_oidc_end_session_url(&p, "a.b.c", "https://meet.amt.example/", "ratsaal",
                                             url, sizeof url),
                     0);
    assert_string_equal(url, ISS "/protocol/openid-connect/logout?id_token_hint=a.b.c"
                                 "&post_logout_redirect_uri=https%3A%2F%2Fmeet.amt.example%2F"
                                 "&client_id=ratsaal");
    assert_int_equal(rs_oidc_end_session_url(&p, NULL, NULL, "ratsaal", url, sizeof url), 0);
    assert_string_equal(url, ISS "/protocol/openid-connect/logout?client_id=ratsaal");
    p.end_session_endpoint[0] = '\0';
    assert_int_equal(rs_oidc_end_session_url(&p, NULL, NULL, "x", url, sizeof url), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_policy),        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_authorization_url), cmocka_unit_test(test_token_request),
        cmocka_unit_test(test_token_response),    cmocka_unit_test(test_end_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
