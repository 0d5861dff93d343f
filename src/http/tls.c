/* SPDX-License-Identifier: EUPL-1.2 */
/* TLS for the HTTP/WebSocket port: the served certificate and the protocol settings.
 *
 * A certificate is loaded as a whole or not at all: both files are read into memory, parsed,
 * checked against each other and the validity dates, and tried on a scratch SSL_CTX with the
 * very settings the live one has (security level 2 refuses, for instance, a 1024-bit RSA key).
 * Only then does it become current. That is what lets a SIGHUP with a broken file keep the old
 * certificate instead of leaving the server half-configured.
 *
 * The subtle point is how a new certificate reaches new connections without touching old
 * ones. Swapping the certificate inside the live SSL_CTX would work for a like-for-like
 * renewal, but OpenSSL keeps one certificate per key type there: renewing an RSA certificate
 * with an ECDSA one would leave the old RSA certificate in place for clients that prefer RSA.
 * So the SSL_CTX holds no certificate at all. A certificate callback, which OpenSSL runs in
 * every handshake after the ClientHello and before it picks a cipher, clears whatever the new
 * connection inherited and installs the current chain and key. OpenSSL takes its own
 * references, so a reload that frees the previous certificate never pulls it from under a
 * connection in progress; established connections (meetings on WebSockets) never look at the
 * certificate again (renegotiation is off).
 *
 * The client side is smaller: the SSL_CTX of the cascade's links (wss:// to another node,
 * carrying cluster_secret) with the same protocol settings, which always verifies. Its trust
 * is either the system's CA store or, with cluster_ca_file, that file alone (a private CA for
 * the nodes). It is built once at start, so a bad file stops the start rather than every relay. */
#include "http/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define FILE_MAX (1024 * 1024) /* a chain file is a few KiB; refuse anything absurd */
#define SESSION_CACHE_MAX 4096 /* resumable sessions the server keeps, at most */

struct cert {
    X509 *leaf;
    STACK_OF(X509) * chain; /* intermediates, may be empty */
    EVP_PKEY *key;
    char fingerprint[RS_TLS_FINGERPRINT_MAX];
    char not_after[32];
};

struct rs_tls {
    char *cert_path, *key_path;
    struct cert *cur; /* never NULL once rs_tls_new succeeded */
};

static const char *ossl_reason(void)
{
    const char *r = ERR_reason_error_string(ERR_peek_last_error());
    return r ? r : "unknown OpenSSL error";
}

static void cert_free(struct cert *c)
{
    if (!c)
        return;
    X509_free(c->leaf);
    sk_X509_pop_free(c->chain, X509_free);
    EVP_PKEY_free(c->key);
    free(c);
}

/* Reads the whole file, NUL-terminated, into *out (caller frees). */
static int read_file(const char *key, const char *path, char **out, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read %s: %s", key, path, strerror(errno));
        return -EINVAL;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: cannot read %s: %s", key, path,
                 buf ? strerror(saved) : "out of memory");
        free(buf);
        return -EINVAL;
    }
    if (n > FILE_MAX) {
        snprintf(err, errlen, "%s: %s is larger than %d bytes", key, path, FILE_MAX);
        free(buf);
        return -EINVAL;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

/* The key must not be encrypted: there is nobody to type a passphrase at start or reload. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

/* Every PEM certificate of `text`: the first into c->leaf, the others into c->chain. Errors
 * name the config key `key`. */
static int parse_chain(struct cert *c, const char *key, const char *path, const char *text,
                       size_t len, char *err, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(text, (int)len);
    int rc = -EINVAL;
    if (!b) {
        snprintf(err, errlen, "%s: out of memory", key);
        return -EINVAL;
    }
    ERR_clear_error();
    c->leaf = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
    if (!c->leaf) {
        snprintf(err, errlen, "%s: %s holds no PEM certificate", key, path);
        goto out;
    }
    c->chain = sk_X509_new_null();
    if (!c->chain) {
        snprintf(err, errlen, "%s: out of memory", key);
        goto out;
    }
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
        if (!x)
            break;
        if (!sk_X509_push(c->chain, x)) {
            X509_free(x);
            snprintf(err, errlen, "%s: out of memory", key);
            goto out;
        }
    }
    /* the loop ends at the end of the file (no further PEM block) or at a damaged one */
    unsigned long e = ERR_peek_last_error();
    if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
        snprintf(err, errlen, "%s: %s: certificate %d of the file is damaged (%s)", key, path,
                 sk_X509_num(c->chain) + 2, ossl_reason());
        goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    BIO_free(b);
    return rc;
}

static int parse_key(struct cert *c, const char *path, const char *text, size_t len, char *err,
                     size_t errlen)
{
    if (strstr(text, "ENCRYPTED")) {
        snprintf(err, errlen,
                 "tls_key: %s is encrypted; the server cannot ask for a passphrase (store the key "
                 "unencrypted, readable only by the service's user)",
                 path);
        return -EINVAL;
    }
    BIO *b = BIO_new_mem_buf(text, (int)len);
    if (!b) {
        snprintf(err, errlen, "tls_key: out of memory");
        return -EINVAL;
    }
    c->key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (!c->key) {
        snprintf(err, errlen, "tls_key: %s holds no PEM private key", path);
        return -EINVAL;
    }
    return 0;
}

static void time_text(const ASN1_TIME *t, char *out, size_t cap)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, cap, "?");
}

static void describe(struct cert *c)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    c->fingerprint[0] = 0;
    if (X509_digest(c->leaf, EVP_sha256(), md, &n) == 1) {
        size_t at = 0;
        for (unsigned i = 0; i < n && i < 32; i++)
            at += (size_t)snprintf(c->fingerprint + at, sizeof(c->fingerprint) - at, "%s%02X",
                                   i ? ":" : "", md[i]);
    }
    time_text(X509_get0_notAfter(c->leaf), c->not_after, sizeof(c->not_after));
}

/* What both ends of our TLS get: versions 1.2 and 1.3, AEAD suites, groups. 0 or -EINVAL
 * (OpenSSL's reason left in its error queue). */
static int set_protocols(SSL_CTX *ctx)
{
    /* level 2: RSA and DH at least 2048 bits, ECC at least 224, no SHA-1 signatures */
    SSL_CTX_set_security_level(ctx, 2);
    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    ERR_clear_error();
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
                   SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
                   SSL_CTX_set_cipher_list(ctx, RS_TLS_CIPHERS_TLS12) == 1 &&
                   SSL_CTX_set_ciphersuites(ctx, RS_TLS_CIPHERSUITES_TLS13) == 1 &&
                   SSL_CTX_set1_groups_list(ctx, RS_TLS_GROUPS) == 1
               ? 0
               : -EINVAL;
}

static int setup_ctx(SSL_CTX *ctx, char *err, size_t errlen)
{
    /* NO_TICKET: no TLS 1.2 session tickets, whose one key per process would let a stolen
     * key decrypt every recorded session of the process's lifetime; resumption then uses the
     * server's session cache (TLS 1.2 session ids, TLS 1.3 stateful tickets) */
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION |
                                   SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
    SSL_CTX_sess_set_cache_size(ctx, SESSION_CACHE_MAX); /* the oldest go first */
    if (set_protocols(ctx)) {
        snprintf(err, errlen, "tls_cert: OpenSSL refused the TLS settings: %s", ossl_reason());
        ERR_clear_error();
        return -EINVAL;
    }
    return 0;
}

/* Loads both files and checks everything a handshake would need. */
static int cert_load(const char *cert_path, const char *key_path, struct cert **out, char *err,
                     size_t errlen)
{
    char *cert_text = NULL, *key_text = NULL;
    size_t cert_len = 0, key_len = 0;
    SSL_CTX *probe = NULL;
    struct cert *c = calloc(1, sizeof(*c));
    int rc = -EINVAL;
    if (!c) {
        snprintf(err, errlen, "tls_cert: out of memory");
        return -ENOMEM;
    }
    if (read_file("tls_cert", cert_path, &cert_text, &cert_len, err, errlen) ||
        read_file("tls_key", key_path, &key_text, &key_len, err, errlen) ||
        parse_chain(c, "tls_cert", cert_path, cert_text, cert_len, err, errlen) ||
        parse_key(c, key_path, key_text, key_len, err, errlen))
        goto out;
    if (X509_check_private_key(c->leaf, c->key) != 1) {
        snprintf(err, errlen, "tls_key: %s does not match the certificate in %s", key_path,
                 cert_path);
        goto out;
    }
    char when[32];
    if (X509_cmp_current_time(X509_get0_notBefore(c->leaf)) >= 0) {
        time_text(X509_get0_notBefore(c->leaf), when, sizeof(when));
        snprintf(err, errlen, "tls_cert: %s is not valid before %s", cert_path, when);
        goto out;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(c->leaf)) <= 0) {
        time_text(X509_get0_notAfter(c->leaf), when, sizeof(when));
        snprintf(err, errlen, "tls_cert: %s expired on %s", cert_path, when);
        goto out;
    }
    /* the same checks OpenSSL will make on every handshake, with the same settings */
    probe = SSL_CTX_new(TLS_server_method());
    if (!probe || setup_ctx(probe, err, errlen))
        goto out;
    ERR_clear_error();
    if (SSL_CTX_use_cert_and_key(probe, c->leaf, c->key, sk_X509_num(c->chain) ? c->chain : NULL,
                                 1) != 1) {
        snprintf(err, errlen, "tls_cert: %s cannot be served: %s", cert_path, ossl_reason());
        goto out;
    }
    describe(c);
    *out = c;
    c = NULL;
    rc = 0;
out:
    ERR_clear_error();
    SSL_CTX_free(probe);
    cert_free(c);
    if (key_text)
        OPENSSL_cleanse(key_text, key_len);
    free(key_text);
    free(cert_text);
    return rc;
}

/* OpenSSL, during each handshake: serve the current certificate. */
static int use_current_cert(SSL *ssl, void *arg)
{
    const struct rs_tls *t = arg;
    const struct cert *c = t->cur;
    SSL_certs_clear(ssl);
    return SSL_use_cert_and_key(ssl, c->leaf, c->key, sk_X509_num(c->chain) ? c->chain : NULL, 1) ==
           1;
}

int rs_tls_new(const char *cert_path, const char *key_path, struct rs_tls **out, char *err,
               size_t errlen)
{
    struct rs_tls *t = calloc(1, sizeof(*t));
    if (!t || !(t->cert_path = strdup(cert_path)) || !(t->key_path = strdup(key_path))) {
        snprintf(err, errlen, "tls_cert: out of memory");
        rs_tls_free(t);
        return -ENOMEM;
    }
    int rc = cert_load(cert_path, key_path, &t->cur, err, errlen);
    if (rc) {
        rs_tls_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int rs_tls_attach(struct rs_tls *t, SSL_CTX *ctx, char *err, size_t errlen)
{
    int rc = setup_ctx(ctx, err, errlen);
    if (rc)
        return rc;
    SSL_CTX_set_cert_cb(ctx, use_current_cert, t);
    return 0;
}

int rs_tls_reload(struct rs_tls *t, char *err, size_t errlen)
{
    struct cert *c;
    int rc = cert_load(t->cert_path, t->key_path, &c, err, errlen);
    if (rc)
        return rc;
    cert_free(t->cur);
    t->cur = c;
    return 0;
}

const char *rs_tls_fingerprint(const struct rs_tls *t)
{
    return t->cur->fingerprint;
}

const char *rs_tls_not_after(const struct rs_tls *t)
{
    return t->cur->not_after;
}

void rs_tls_free(struct rs_tls *t)
{
    if (!t)
        return;
    cert_free(t->cur);
    free(t->cert_path);
    free(t->key_path);
    free(t);
}

int rs_tls_client_new(const char *ca_file, SSL_CTX **out, char *err, size_t errlen)
{
    struct cert bundle = {0};
    X509_STORE *store = NULL;
    char *text = NULL;
    size_t len;
    int rc = -EINVAL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || set_protocols(ctx)) {
        snprintf(err, errlen, "cluster_ca_file: OpenSSL refused the TLS settings: %s",
                 ossl_reason());
        goto fail;
    }
    /* lws sets the same per connection, with the host name; this is the floor */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!ca_file || !ca_file[0]) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(err, errlen, "cluster_ca_file: the system's CA store cannot be used: %s",
                     ossl_reason());
            goto fail;
        }
        goto done;
    }
    /* a store of only these certificates: the file replaces the system's trust, so a
     * certificate some public CA issued for the owner's name is not enough */
    if (read_file("cluster_ca_file", ca_file, &text, &len, err, errlen) ||
        parse_chain(&bundle, "cluster_ca_file", ca_file, text, len, err, errlen))
        goto fail;
    store = X509_STORE_new();
    if (!store || X509_STORE_add_cert(store, bundle.leaf) != 1) {
        snprintf(err, errlen, "cluster_ca_file: %s: %s", ca_file, ossl_reason());
        goto fail;
    }
    for (int i = 0; i < sk_X509_num(bundle.chain); i++) {
        if (X509_STORE_add_cert(store, sk_X509_value(bundle.chain, i)) != 1) {
            snprintf(err, errlen, "cluster_ca_file: %s: certificate %d: %s", ca_file, i + 2,
                     ossl_reason());
            goto fail;
        }
    }
    SSL_CTX_set_cert_store(ctx, store); /* the SSL_CTX owns it now */
    store = NULL;
done:
    ERR_clear_error();
    rc = 0;
    *out = ctx;
    ctx = NULL;
fail:
    ERR_clear_error();
    X509_STORE_free(store);
    SSL_CTX_free(ctx);
    X509_free(bundle.leaf);
    sk_X509_pop_free(bundle.chain, X509_free);
    free(text);
    return rc;
}
