/* SPDX-License-Identifier: EUPL-1.2 */
/* TLS on the HTTP port (http/tls.c): loading and checking the certificate files, one clear
 * error per kind of mistake, the protocol settings seen from a client (handshakes over an
 * in-memory BIO pair), and a reload that changes what new handshakes get while an established
 * connection keeps working, or changes nothing when the new files are bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after setjmp.h, stdarg.h, stddef.h, stdint.h */

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http/tls.h"
#include "../../support/tmpdir.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

static EVP_PKEY *rsa_key(size_t bits)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
    assert_non_null(k);
    return k;
}

/* A self-signed certificate for `cn`, valid from now + from_s to now + to_s seconds. */
static X509 *self_signed_cn(EVP_PKEY *key, const char *cn, long from_s, long to_s)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), rand() + 1);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

static X509 *self_signed(EVP_PKEY *key, long from_s, long to_s)
{
    return self_signed_cn(key, "127.0.0.1", from_s, to_s);
}

static void write_cert(const char *name, X509 *x)
{
    FILE *f = fopen(path_of(name), "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

static void write_key(const char *name, EVP_PKEY *k, const char *passphrase)
{
    FILE *f = fopen(path_of(name), "w");
    assert_non_null(f);
    if (passphrase)
        assert_int_equal(
            PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)passphrase),
            1);
    else
        assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void fingerprint(X509 *x, char out[RS_TLS_FINGERPRINT_MAX])
{
    unsigned char md[32];
    unsigned int n = 0;
    assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
    size_t at = 0;
    for (unsigned i = 0; i < n; i++)
        at +=
            (size_t)snprintf(out + at, RS_TLS_FINGERPRINT_MAX - at, "%s%02X", i ? ":" : "", md[i]);
}

/* Writes a fresh pair (cert.pem, key.pem) and returns the certificate's fingerprint. */
static void fresh_pair(EVP_PKEY *k, char fp[RS_TLS_FINGERPRINT_MAX])
{
    X509 *x = self_signed(k, -60, 86400);
    write_cert("cert.pem", x);
    write_key("key.pem", k, NULL);
    fingerprint(x, fp);
    X509_free(x);
}

static int setup(void **state)
{
    (void)state;
    return test_tmp_dir(dir, sizeof(dir), "ratsaal-tls");
}

static int teardown(void **state)
{
    const char *names[] = {"cert.pem", "key.pem", "other.pem", "both.pem", "bad.pem", NULL};
    for (int i = 0; names[i]; i++)
        unlink(path_of(names[i]));
    rmdir(dir);
    return 0;
}

static void test_load_reports_fingerprint_and_expiry(void **state)
{
    EVP_PKEY *k = ec_key();
    char fp[RS_TLS_FINGERPRINT_MAX];
    fresh_pair(k, fp);
    struct rs_tls *t = NULL;
    char err[512] = "";
    assert_int_equal(rs_tls_new(path_of("cert.pem"), path_of("key.pem"), &t, err, sizeof(err)), 0);
    assert_string_equal(rs_tls_fingerprint(t), fp);
    assert_int_equal(strlen(rs_tls_not_after(t)), 20); /* 2026-12-04T09:00:00Z */
    assert_int_equal(rs_tls_not_after(t)[19], 'Z');
    rs_tls_free(t);

    /* certificate and key in one file */
    X509 *x = self_signed(k, -60, 86400);
    FILE *f = fopen(path_of("both.pem"), "w");
    assert_non_null(f);
    PEM_write_X509(f, x);
    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    assert_int_equal(rs_tls_new(path_of("both.pem"), path_of("both.pem"), &t, err, sizeof(err)), 0);
    rs_tls_free(t);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void expect_error(const char *cert, const char *key, const char *needle)
{
    struct rs_tls *t = NULL;
    char err[512] = "";
    int rc = rs_tls_new(path_of(cert), path_of(key), &t, err, sizeof(err));
    if (rc == 0 || !strstr(err, needle))
        fail_msg("%s + %s: expected '%s', got rc %d '%s'", cert, key, needle, rc, err);
    assert_null(t);
    assert_null(strchr(err, '\n'));
}

static void test_errors_name_the_key(void **state)
{
    EVP_PKEY *k = ec_key(), *other = ec_key();
    char fp[RS_TLS_FINGERPRINT_MAX];
    fresh_pair(k, fp);

    expect_error("missing.pem", "key.pem", "tls_cert: cannot read ");
    expect_error("cert.pem", "missing.pem", "tls_key: cannot read ");
    write_text("bad.pem", "not a certificate\n");
    expect_error("bad.pem", "key.pem", "tls_cert: ");
    expect_error("bad.pem", "key.pem", "bad.pem holds no PEM certificate");
    expect_error("cert.pem", "bad.pem", "tls_key: ");
    expect_error("cert.pem", "bad.pem", "bad.pem holds no PEM private key");
    /* a truncated key, as a half-written file would be */
    write_text("bad.pem", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n");
    expect_error("cert.pem", "bad.pem", "holds no PEM private key");

    write_key("other.pem", other, NULL);
    expect_error("cert.pem", "other.pem", "tls_key: ");
    expect_error("cert.pem", "other.pem", "other.pem does not match the certificate in");

    write_key("other.pem", k, "secret");
    expect_error("cert.pem", "other.pem", "tls_key: ");
    expect_error("cert.pem", "other.pem", "is encrypted");

    X509 *x = self_signed(k, -7200, -3600);
    write_cert("other.pem", x);
    X509_free(x);
    expect_error("other.pem", "key.pem", "tls_cert: ");
    expect_error("other.pem", "key.pem", "expired on 20");

    x = self_signed(k, 3600, 7200);
    write_cert("other.pem", x);
    X509_free(x);
    expect_error("other.pem", "key.pem", "is not valid before 20");

    /* below security level 2 */
    EVP_PKEY *weak = rsa_key(1024);
    x = self_signed(weak, -60, 86400);
    write_cert("other.pem", x);
    write_key("bad.pem", weak, NULL);
    X509_free(x);
    expect_error("other.pem", "bad.pem", "tls_cert: ");
    expect_error("other.pem", "bad.pem", "cannot be served: ee key too small");
    EVP_PKEY_free(weak);

    EVP_PKEY_free(other);
    EVP_PKEY_free(k);
}

/* A client and a server SSL joined by an in-memory BIO pair. */
struct conn {
    SSL *client, *server;
};

static SSL_CTX *client_ctx(int min, int max, const char *ciphers)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    assert_non_null(c);
    SSL_CTX_set_security_level(c, 0); /* so that the client really offers what we ask */
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
    assert_int_equal(SSL_CTX_set_min_proto_version(c, min), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(c, max), 1);
    if (ciphers)
        assert_int_equal(SSL_CTX_set_cipher_list(c, ciphers), 1);
    return c;
}

static int pump(SSL *a, SSL *b)
{
    for (int i = 0; i < 50; i++) {
        int ra = SSL_do_handshake(a), rb = SSL_do_handshake(b);
        if (ra == 1 && rb == 1)
            return 0;
        int ea = ra == 1 ? SSL_ERROR_NONE : SSL_get_error(a, ra);
        int eb = rb == 1 ? SSL_ERROR_NONE : SSL_get_error(b, rb);
        if ((ea != SSL_ERROR_NONE && ea != SSL_ERROR_WANT_READ) ||
            (eb != SSL_ERROR_NONE && eb != SSL_ERROR_WANT_READ))
            return -1;
    }
    return -1;
}

/* Handshakes a new connection; 0 when it completed. */
static int connect_to(SSL_CTX *server, SSL_CTX *client, struct conn *c)
{
    BIO *bc, *bs;
    assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
    c->client = SSL_new(client);
    c->server = SSL_new(server);
    SSL_set_bio(c->client, bc, bc);
    SSL_set_bio(c->server, bs, bs);
    SSL_set_connect_state(c->client);
    SSL_set_accept_state(c->server);
    int rc = pump(c->client, c->server);
    ERR_clear_error();
    return rc;
}

static void conn_free(struct conn *c)
{
    SSL_free(c->client);
    SSL_free(c->server);
}

static void peer_fingerprint(SSL *client, char out[RS_TLS_FINGERPRINT_MAX])
{
    X509 *x = SSL_get1_peer_certificate(client);
    assert_non_null(x);
    fingerprint(x, out);
    X509_free(x);
}

/* One message each way over an established connection. */
static void exchange(struct conn *c)
{
    char buf[16];
    assert_int_equal(SSL_write(c->client, "ping", 4), 4);
    assert_int_equal(SSL_read(c->server, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(SSL_write(c->server, "pong", 4), 4);
    assert_int_equal(SSL_read(c->client, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "pong", 4);
}

static SSL_CTX *server_ctx(struct rs_tls **t)
{
    char err[512] = "";
    assert_int_equal(rs_tls_new(path_of("cert.pem"), path_of("key.pem"), t, err, sizeof(err)), 0);
    SSL_CTX *s = SSL_CTX_new(TLS_server_method());
    assert_non_null(s);
    assert_int_equal(rs_tls_attach(*t, s, err, sizeof(err)), 0);
    return s;
}

static void test_protocols_and_ciphers(void **state)
{
    EVP_PKEY *k = rsa_key(2048); /* RSA: so that the RSA-key-exchange suites could be chosen */
    char fp[RS_TLS_FINGERPRINT_MAX], got[RS_TLS_FINGERPRINT_MAX];
    fresh_pair(k, fp);
    struct rs_tls *t;
    SSL_CTX *s = server_ctx(&t);
    struct {
        int min, max;
        const char *ciphers;
        int ok;
        const char *expect_cipher;
    } cases[] = {
        {TLS1_3_VERSION, TLS1_3_VERSION, NULL, 1, "TLS_AES_256_GCM_SHA384"},
        {TLS1_2_VERSION, TLS1_2_VERSION, NULL, 1, "ECDHE-RSA-AES128-GCM-SHA256"},
        {TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", 1,
         "ECDHE-RSA-CHACHA20-POLY1305"},
        {TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384", 0, NULL},
        {TLS1_2_VERSION, TLS1_2_VERSION, "AES128-GCM-SHA256:AES256-GCM-SHA384", 0, NULL},
        {TLS1_2_VERSION, TLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256", 0, NULL},
        {TLS1_1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", 0, NULL},
        {TLS1_VERSION, TLS1_VERSION, "DEFAULT:@SECLEVEL=0", 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SSL_CTX *cc = client_ctx(cases[i].min, cases[i].max, cases[i].ciphers);
        struct conn c = {0};
        int rc = connect_to(s, cc, &c);
        if (cases[i].ok != (rc == 0))
            fail_msg("case %zu: handshake %s", i, rc ? "failed" : "succeeded");
        if (cases[i].ok) {
            assert_string_equal(SSL_get_cipher_name(c.client), cases[i].expect_cipher);
            assert_null(SSL_get_current_compression(c.client));
            peer_fingerprint(c.client, got);
            assert_string_equal(got, fp);
            exchange(&c);
        }
        conn_free(&c);
        SSL_CTX_free(cc);
    }
    long opts = (long)SSL_CTX_get_options(s);
    assert_true(opts & SSL_OP_NO_RENEGOTIATION);
    assert_true(opts & SSL_OP_CIPHER_SERVER_PREFERENCE);
    assert_true(opts & SSL_OP_NO_COMPRESSION);
    assert_true(opts & SSL_OP_NO_TICKET);

    /* a client asking to renegotiate is refused */
    SSL_CTX *cc = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL);
    struct conn c = {0};
    assert_int_equal(connect_to(s, cc, &c), 0);
    assert_int_equal(SSL_renegotiate(c.client), 1);
    char buf[8];
    for (int i = 0; i < 4; i++) {
        SSL_do_handshake(c.client);
        SSL_read(c.server, buf, sizeof(buf));
        SSL_read(c.client, buf, sizeof(buf));
    }
    ERR_clear_error();
    /* still pending: with renegotiation allowed it completes within these rounds */
    assert_int_equal(SSL_renegotiate_pending(c.client), 1);
    conn_free(&c);
    SSL_CTX_free(cc);

    SSL_CTX_free(s);
    rs_tls_free(t);
    EVP_PKEY_free(k);
}

static void test_reload(void **state)
{
    EVP_PKEY *ec = ec_key(), *rsa = rsa_key(2048);
    char fp_a[RS_TLS_FINGERPRINT_MAX], fp_b[RS_TLS_FINGERPRINT_MAX], got[RS_TLS_FINGERPRINT_MAX];
    char err[512] = "";
    fresh_pair(ec, fp_a);
    struct rs_tls *t;
    SSL_CTX *s = server_ctx(&t);
    SSL_CTX *cc = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
    struct conn old = {0}, c = {0};
    assert_int_equal(connect_to(s, cc, &old), 0);
    peer_fingerprint(old.client, got);
    assert_string_equal(got, fp_a);

    /* an RSA certificate replaces an ECDSA one: new handshakes get only the new one */
    fresh_pair(rsa, fp_b);
    assert_int_equal(rs_tls_reload(t, err, sizeof(err)), 0);
    assert_string_equal(rs_tls_fingerprint(t), fp_b);
    assert_int_equal(connect_to(s, cc, &c), 0);
    peer_fingerprint(c.client, got);
    assert_string_equal(got, fp_b);
    conn_free(&c);
    SSL_CTX *ecdsa_only =
        client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_int_not_equal(connect_to(s, ecdsa_only, &c), 0);
    conn_free(&c);
    SSL_CTX_free(ecdsa_only);
    exchange(&old); /* the connection from before the reload is unaffected */

    /* a broken key file: the reload fails with a reason and nothing changes */
    write_text("key.pem", "garbage\n");
    assert_int_not_equal(rs_tls_reload(t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "tls_key: "));
    assert_non_null(strstr(err, "holds no PEM private key"));
    assert_string_equal(rs_tls_fingerprint(t), fp_b);
    assert_int_equal(connect_to(s, cc, &c), 0);
    peer_fingerprint(c.client, got);
    assert_string_equal(got, fp_b);
    conn_free(&c);

    /* a key that belongs to another certificate: same */
    write_key("key.pem", ec, NULL);
    assert_int_not_equal(rs_tls_reload(t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "does not match"));
    assert_string_equal(rs_tls_fingerprint(t), fp_b);
    exchange(&old);

    conn_free(&old);
    SSL_CTX_free(cc);
    SSL_CTX_free(s);
    rs_tls_free(t);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

/* The cascade links' client side: a CA file replaces the system's trust (a server whose
 * certificate the file does not vouch for fails, whatever else would trust it), errors name
 * cluster_ca_file, and no file means the system's store. */
static void expect_client_error(const char *ca, const char *needle)
{
    SSL_CTX *c = NULL;
    char err[512] = "";
    int rc = rs_tls_client_new(path_of(ca), &c, err, sizeof(err));
    if (rc == 0 || !strstr(err, needle))
        fail_msg("%s: expected '%s', got rc %d '%s'", ca, needle, rc, err);
    assert_null(c);
    assert_null(strchr(err, '\n'));
}

static void test_client_trust(void **state)
{
    EVP_PKEY *k = ec_key(), *other = ec_key();
    char fp[RS_TLS_FINGERPRINT_MAX];
    fresh_pair(k, fp);
    /* another name: OpenSSL finds a trust anchor by its subject */
    X509 *x = self_signed_cn(other, "other.example.org", -60, 86400);
    write_cert("other.pem", x);
    X509_free(x);
    char err[512] = "";
    SSL_CTX *c = NULL;

    assert_int_equal(rs_tls_client_new(NULL, &c, err, sizeof(err)), 0);
    assert_non_null(c);
    SSL_CTX_free(c);
    assert_int_equal(rs_tls_client_new("", &c, err, sizeof(err)), 0);
    SSL_CTX_free(c);

    expect_client_error("missing.pem", "cluster_ca_file: cannot read ");
    write_text("bad.pem", "not a certificate\n");
    expect_client_error("bad.pem", "cluster_ca_file: ");
    expect_client_error("bad.pem", "bad.pem holds no PEM certificate");
    write_text("bad.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    expect_client_error("bad.pem", "holds no PEM certificate");

    struct rs_tls *t;
    SSL_CTX *s = server_ctx(&t);
    struct conn cn;
    /* the server's certificate in the file: verified */
    assert_int_equal(rs_tls_client_new(path_of("cert.pem"), &c, err, sizeof(err)), 0);
    assert_int_equal(connect_to(s, c, &cn), 0);
    assert_int_equal(SSL_get_verify_result(cn.client), X509_V_OK);
    exchange(&cn);
    conn_free(&cn);
    SSL_CTX_free(c);
    /* a bundle: another certificate first, the server's second */
    FILE *f = fopen(path_of("both.pem"), "w");
    assert_non_null(f);
    x = self_signed_cn(other, "other.example.org", -60, 86400);
    PEM_write_X509(f, x);
    X509_free(x);
    fclose(f);
    f = fopen(path_of("cert.pem"), "r");
    assert_non_null(f);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(path_of("both.pem"), "a");
    PEM_write_X509(f, x);
    fclose(f);
    X509_free(x);
    assert_int_equal(rs_tls_client_new(path_of("both.pem"), &c, err, sizeof(err)), 0);
    assert_int_equal(connect_to(s, c, &cn), 0);
    conn_free(&cn);
    SSL_CTX_free(c);
    /* a file without it: refused in the handshake, with the reason in the verify result */
    assert_int_equal(rs_tls_client_new(path_of("other.pem"), &c, err, sizeof(err)), 0);
    assert_int_not_equal(connect_to(s, c, &cn), 0);
    assert_int_not_equal(SSL_get_verify_result(cn.client), X509_V_OK);
    conn_free(&cn);
    SSL_CTX_free(c);
    SSL_CTX_free(s);
    rs_tls_free(t);
    EVP_PKEY_free(other);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_reports_fingerprint_and_expiry),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_protocols_and_ciphers),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_client_trust),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
