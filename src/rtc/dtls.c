/* SPDX-License-Identifier: EUPL-1.2 */
/* DTLS: the handshake that authenticates a peer and yields its SRTP keys (RFC 5763/5764).
 *
 * WebRTC uses DTLS only as a key exchange: both sides present self-signed certificates, and
 * trust comes from the SDP, which carries each certificate's SHA-256 fingerprint over the
 * authenticated signaling channel. So the verify callback ignores the usual chain checks and
 * compares the leaf certificate's fingerprint with the expected one instead (constant time).
 * A mismatch fails the handshake with a bad_certificate alert, before either side reports
 * CONNECTED; the same check runs again once the handshake is done, as a second lock.
 * After the handshake the SRTP master keys come out of the TLS exporter, split as RFC 5764
 * §4.2 lays them out: client key, server key, client salt, server salt.
 *
 * OpenSSL never sees a socket. One custom BIO serves both directions: reads return the single
 * datagram rs_dtls_handle is processing (then "retry"), writes append one datagram each to a
 * bounded queue that the media worker drains. Keeping every BIO_write a separate datagram is
 * what DTLS needs -- a record must never straddle two datagrams -- and is why a plain memory
 * BIO (which would glue writes together) is not enough on OpenSSL 3.0. The BIO answers the
 * datagram ctrls OpenSSL asks (MTU, overhead, pending bytes, timer) with fixed values: we set
 * the MTU ourselves (SSL_set_mtu + SSL_OP_NO_QUERY_MTU) and run the timer from the outside.
 *
 * Once the keys are out, the SSL object (record buffers, handshake buffer, certificates:
 * ~70 KiB with OpenSSL 3.0, whose DTLS keeps its buffers even with SSL_MODE_RELEASE_BUFFERS)
 * is dead weight: rs_dtls_compact frees it. The one thing a DTLS server may still owe its peer
 * is its last flight -- if our ChangeCipherSpec + Finished were lost the client repeats its
 * own flight -- so the server keeps a copy of those datagrams (~100 bytes) and sends them
 * again when a handshake record arrives, which is all OpenSSL would have done.
 *
 * OpenSSL keeps an error queue per thread. Every entry point clears it on the way in and out,
 * so one transport's failure never shows up as another's on the same worker thread. */
#include "rtc/dtls.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/random.h"

#define CERT_DAYS 30
#define MAX_TIMEOUT_MS 60000
#define MAX_DGRAM 18432 /* largest DTLS record OpenSSL could write, with header */
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define FLIGHT_MAX 4   /* datagrams of our last flight kept after the handshake */
#define REPLAYS_MAX 16 /* times a compacted server sends that flight again, at most */

static const char cipher_list[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                  "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";

struct rs_dtls_ctx {
    SSL_CTX *ssl_ctx;
    BIO_METHOD *bio_method;
    unsigned initial_timeout_ms;
    uint8_t fp[RS_DTLS_FP_LEN];
    char fp_text[RS_DTLS_FP_TEXT_MAX];
};

struct out_dgram {
    size_t len;
    uint8_t data[];
};

struct rs_dtls {
    SSL *ssl;
    struct rs_dtls_ctx *ctx;
    enum rs_dtls_role role;
    enum rs_dtls_state state;
    enum rs_dtls_error error;
    int started;
    int answered; /* server: has sent a flight that was not just an alert */
    unsigned initial_timeout_ms;
    uint8_t expected_fp[RS_DTLS_FP_LEN];

    const uint8_t *in; /* the datagram being processed, borrowed for one rs_dtls_handle */
    size_t in_len;

    struct out_dgram *out[RS_DTLS_OUT_QUEUE]; /* ring, oldest at out_head */
    unsigned out_head;
    unsigned out_count;

    /* Server: our last flight (ChangeCipherSpec + Finished), kept for rs_dtls_compact. */
    struct out_dgram *flight[FLIGHT_MAX];
    unsigned n_flight;
    unsigned replays; /* after rs_dtls_compact: times the flight was queued again */

    struct rs_srtp_keys keys;
    struct rs_dtls_stats stats;
};

/* ---- the datagram BIO ---------------------------------------------------------------------- */

static int bio_write(BIO *bio, const char *data, int len)
{
    struct rs_dtls *d = BIO_get_data(bio);

    BIO_clear_retry_flags(bio);
    if (d == NULL || len <= 0)
        return len <= 0 ? 0 : -1;
    /* A full queue or an absurd size is a lost datagram, as on a congested link: DTLS
     * retransmits. Report success so OpenSSL does not treat it as a hard write error. */
    if (d->out_count == RS_DTLS_OUT_QUEUE || (size_t)len > MAX_DGRAM) {
        d->stats.out_dropped++;
        return len;
    }
    struct out_dgram *dg = malloc(sizeof(*dg) + (size_t)len);
    if (dg == NULL) {
        d->stats.out_dropped++;
        return len;
    }
    dg->len = (size_t)len;
    memcpy(dg->data, data, (size_t)len);
    d->out[(d->out_head + d->out_count) % RS_DTLS_OUT_QUEUE] = dg;
    d->out_count++;
    d->stats.dgrams_out++;
    return len;
}

static int bio_read(BIO *bio, char *buf, int cap)
{
    struct rs_dtls *d = BIO_get_data(bio);

    BIO_clear_retry_flags(bio);
    if (d == NULL || d->in == NULL) {
        BIO_set_retry_read(bio);
        return -1;
    }
    /* Datagram semantics: one read returns one whole datagram; whatever does not fit the
     * caller's buffer is discarded. OpenSSL reads DTLS with a buffer of a full record. */
    size_t n = d->in_len;
    if (cap < 0)
        cap = 0;
    if (n > (size_t)cap)
        n = (size_t)cap;
    memcpy(buf, d->in, n);
    d->in = NULL;
    d->in_len = 0;
    return (int)n;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    struct rs_dtls *d = BIO_get_data(bio);

    switch (cmd) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT: /* the caller runs the timer via poll_timeout */
    case BIO_CTRL_DUP:
        return 1;
    case BIO_CTRL_PENDING:
        return d != NULL && d->in != NULL ? (long)d->in_len : 0;
    case BIO_CTRL_WPENDING: /* every write is sent as it is: nothing is ever pending */
        return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return RS_DTLS_MTU;
    case BIO_CTRL_DGRAM_SET_MTU:
        return num;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: /* our MTU already counts UDP payload only */
    case BIO_CTRL_DGRAM_MTU_EXCEEDED:
        return 0;
    default:
        return 0;
    }
}

static int bio_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static int bio_destroy(BIO *bio)
{
    BIO_set_data(bio, NULL); /* the struct rs_dtls owns itself; nothing to free here */
    return 1;
}

static BIO_METHOD *make_bio_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rs_dtls_dgram");
    if (m == NULL)
        return NULL;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
        !BIO_meth_set_destroy(m, bio_destroy)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* ---- the shared context -------------------------------------------------------------------- */

static X509 *make_certificate(EVP_PKEY *key)
{
    uint8_t serial_bytes[8];
    BIGNUM *serial = NULL;
    X509 *cert = X509_new();

    if (cert == NULL)
        goto fail;
    if (rs_random_bytes(serial_bytes, sizeof(serial_bytes)) < 0)
        goto fail_free_cert;
    serial_bytes[0] &= 0x7f; /* positive, as RFC 5280 asks */
    serial_bytes[0] |= 0x01; /* and without a leading zero octet */
    serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), NULL);
    if (serial == NULL || BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) == NULL)
        goto fail_free_cert;

    X509_NAME *name = X509_get_subject_name(cert);
    /* notBefore a day back, as browsers do for their own certificates: clock skew. */
    if (!X509_set_version(cert, X509_VERSION_3) ||
        X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(cert), (long)CERT_DAYS * 24 * 3600) == NULL ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ratsaal", -1,
                                    -1, 0) ||
        !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key) ||
        X509_sign(cert, key, EVP_sha256()) <= 0)
        goto fail_free_cert;
    BN_free(serial);
    return cert;

fail_free_cert:
    BN_free(serial);
    X509_free(cert);
fail:
    return NULL;
}

static void format_fingerprint(const uint8_t fp[RS_DTLS_FP_LEN], char out[RS_DTLS_FP_TEXT_MAX])
{
    static const char hex[] = "0123456789ABCDEF";
    static const char prefix[] = "sha-256 ";
    char *p = out;

    memcpy(p, prefix, sizeof(prefix) - 1);
    p += sizeof(prefix) - 1;
    for (size_t i = 0; i < RS_DTLS_FP_LEN; i++) {
        if (i > 0)
            *p++ = ':';
        *p++ = hex[fp[i] >> 4];
        *p++ = hex[fp[i] & 15];
    }
    *p = '\0';
}

static int peer_fingerprint_ok(struct rs_dtls *d, X509 *cert)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;

    if (cert == NULL || !X509_digest(cert, EVP_sha256(), md, &md_len) || md_len != RS_DTLS_FP_LEN)
        return 0;
    return CRYPTO_memcmp(md, d->expected_fp, RS_DTLS_FP_LEN) == 0;
}

/* WebRTC trusts the SDP fingerprint, not a CA: chain errors (self-signed, unknown issuer,
 * validity) are irrelevant; the leaf's fingerprint decides. */
static int verify_peer(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct rs_dtls *d = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

    if (d == NULL)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) > 0)
        return 1;
    if (!peer_fingerprint_ok(d, X509_STORE_CTX_get_current_cert(store))) {
        d->error = RS_DTLS_ERR_FINGERPRINT;
        return 0;
    }
    return 1;
}

struct rs_dtls_ctx *rs_dtls_ctx_new(void)
{
    const char *step = "alloc";
    unsigned fp_len = 0;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    struct rs_dtls_ctx *ctx = calloc(1, sizeof(*ctx));

    if (ctx == NULL)
        goto fail;
    ctx->initial_timeout_ms = RS_DTLS_INITIAL_TIMEOUT_MS;
    ctx->bio_method = make_bio_method();
    if (ctx->bio_method == NULL)
        goto fail_free_ctx;

    step = "key";
    key = EVP_EC_gen("P-256");
    if (key == NULL)
        goto fail_free_ctx;
    step = "certificate";
    cert = make_certificate(key);
    if (cert == NULL || !X509_digest(cert, EVP_sha256(), ctx->fp, &fp_len) ||
        fp_len != RS_DTLS_FP_LEN)
        goto fail_free_ctx;
    format_fingerprint(ctx->fp, ctx->fp_text);

    step = "ssl_ctx";
    ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
    if (ctx->ssl_ctx == NULL)
        goto fail_free_ctx;
    SSL_CTX *s = ctx->ssl_ctx;
    if (!SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) ||
        SSL_CTX_use_certificate(s, cert) != 1 || SSL_CTX_use_PrivateKey(s, key) != 1 ||
        SSL_CTX_check_private_key(s) != 1 || SSL_CTX_set_cipher_list(s, cipher_list) != 1 ||
        SSL_CTX_set1_groups_list(s, "X25519:P-256:P-384") != 1 ||
        /* returns 0 on success, unlike everything else */
        SSL_CTX_set_tlsext_use_srtp(s, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0)
        goto fail_free_ctx;
    SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
    SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
    /* After the handshake a transport's DTLS carries almost nothing (media is SRTP): give the
     * record buffers back while idle instead of holding ~34 KiB per transport. */
    SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS);

    X509_free(cert); /* the SSL_CTX holds its own references */
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ctx;

fail_free_ctx:
    RS_ERROR("dtls", "event=ctx_failed step=%s openssl_error=%lu", step, ERR_peek_error());
    X509_free(cert);
    EVP_PKEY_free(key);
    rs_dtls_ctx_free(ctx);
fail:
    ERR_clear_error();
    return NULL;
}

void rs_dtls_ctx_free(struct rs_dtls_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    BIO_meth_free(ctx->bio_method);
    free(ctx);
}

const char *rs_dtls_ctx_fingerprint(const struct rs_dtls_ctx *ctx)
{
    return ctx->fp_text;
}

void rs_dtls_ctx_fingerprint_raw(const struct rs_dtls_ctx *ctx, uint8_t out[RS_DTLS_FP_LEN])
{
    memcpy(out, ctx->fp, RS_DTLS_FP_LEN);
}

int rs_dtls_ctx_set_srtp_profiles(struct rs_dtls_ctx *ctx, const enum rs_srtp_profile *profiles,
                                  size_t count)
{
    char list[128];
    size_t used = 0;

    if (ctx == NULL || profiles == NULL || count == 0 || count > 4)
        return -EINVAL;
    list[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *name;
        if (profiles[i] == RS_SRTP_AEAD_AES_128_GCM)
            name = "SRTP_AEAD_AES_128_GCM";
        else if (profiles[i] == RS_SRTP_AES128_CM_HMAC_SHA1_80)
            name = "SRTP_AES128_CM_SHA1_80";
        else
            return -EINVAL;
        int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ":" : "", name);
        if (n < 0 || (size_t)n >= sizeof(list) - used)
            return -EINVAL;
        used += (size_t)n;
    }
    int rc = SSL_CTX_set_tlsext_use_srtp(ctx->ssl_ctx, list) == 0 ? 0 : -EINVAL;
    ERR_clear_error();
    return rc;
}

void rs_dtls_ctx_set_initial_timeout(struct rs_dtls_ctx *ctx, unsigned ms)
{
    if (ms == 0)
        ms = RS_DTLS_INITIAL_TIMEOUT_MS;
    ctx->initial_timeout_ms = ms < MAX_TIMEOUT_MS ? ms : MAX_TIMEOUT_MS;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rs_dtls_parse_fingerprint(const char *text, uint8_t out[RS_DTLS_FP_LEN])
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    while (*text == ' ' || *text == '\t')
        text++;
    if (strncasecmp(text, "sha-256", 7) != 0)
        return strchr(text, ' ') != NULL ? -ENOTSUP : -EINVAL;
    text += 7;
    if (*text != ' ' && *text != '\t')
        return -ENOTSUP; /* e.g. "sha-2560" is not ours either */
    while (*text == ' ' || *text == '\t')
        text++;
    for (size_t i = 0; i < RS_DTLS_FP_LEN; i++) {
        if (i > 0 && *text++ != ':')
            return -EINVAL;
        int hi = hex_value(text[0]);
        int lo = hi < 0 ? -1 : hex_value(text[1]);
        if (lo < 0)
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
        text += 2;
    }
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    return *text == '\0' ? 0 : -EINVAL;
}

/* ---- one transport ------------------------------------------------------------------------- */

/* Retransmission back-off: initial timeout, doubling, capped (RFC 6347 §4.2.4.1). */
static unsigned int timer_cb(SSL *ssl, unsigned int previous_us)
{
    struct rs_dtls *d = SSL_get_app_data(ssl);
    unsigned initial = d != NULL ? d->initial_timeout_ms : RS_DTLS_INITIAL_TIMEOUT_MS;

    if (previous_us == 0)
        return initial * 1000u;
    if (previous_us >= MAX_TIMEOUT_MS * 1000u / 2)
        return MAX_TIMEOUT_MS * 1000u;
    return previous_us * 2;
}

/* Creates the SSL object and its BIO for `d`; used at creation and by reset_server. */
static int setup_ssl(struct rs_dtls *d)
{
    BIO *bio;

    d->ssl = SSL_new(d->ctx->ssl_ctx);
    if (d->ssl == NULL)
        goto fail;
    bio = BIO_new(d->ctx->bio_method);
    if (bio == NULL)
        goto fail_free_ssl;
    BIO_set_data(bio, d);
    SSL_set_bio(d->ssl, bio, bio); /* one reference, now owned by the SSL */
    SSL_set_app_data(d->ssl, d);
    SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
    if (d->role == RS_DTLS_SERVER)
        SSL_set_accept_state(d->ssl);
    else
        SSL_set_connect_state(d->ssl);
    if (SSL_set_mtu(d->ssl, RS_DTLS_MTU) <= 0)
        goto fail_free_ssl;
    DTLS_set_timer_cb(d->ssl, timer_cb);
    return 0;

fail_free_ssl:
    SSL_free(d->ssl);
    d->ssl = NULL;
fail:
    return -ENOMEM;
}

struct rs_dtls *rs_dtls_new(struct rs_dtls_ctx *ctx, enum rs_dtls_role role,
                            const uint8_t expected_peer_fp[RS_DTLS_FP_LEN])
{
    struct rs_dtls *d;

    if (ctx == NULL || expected_peer_fp == NULL ||
        (role != RS_DTLS_SERVER && role != RS_DTLS_CLIENT))
        return NULL;
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        goto fail;
    d->ctx = ctx;
    d->role = role;
    d->state = RS_DTLS_HANDSHAKING;
    d->initial_timeout_ms = ctx->initial_timeout_ms;
    memcpy(d->expected_fp, expected_peer_fp, RS_DTLS_FP_LEN);
    if (setup_ssl(d) < 0)
        goto fail_free_d;
    ERR_clear_error();
    return d;

fail_free_d:
    free(d);
fail:
    ERR_clear_error();
    return NULL;
}

static void clear_out_queue(struct rs_dtls *d)
{
    while (d->out_count > 0) {
        free(d->out[d->out_head]);
        d->out[d->out_head] = NULL;
        d->out_head = (d->out_head + 1) % RS_DTLS_OUT_QUEUE;
        d->out_count--;
    }
}

static void clear_flight(struct rs_dtls *d)
{
    for (unsigned i = 0; i < d->n_flight; i++)
        free(d->flight[i]);
    d->n_flight = 0;
}

void rs_dtls_free(struct rs_dtls *d)
{
    if (d == NULL)
        return;
    SSL_free(d->ssl); /* frees the BIO too */
    clear_out_queue(d);
    clear_flight(d);
    OPENSSL_cleanse(&d->keys, sizeof(d->keys));
    free(d);
    ERR_clear_error();
}

static int fail(struct rs_dtls *d, enum rs_dtls_error reason)
{
    d->state = RS_DTLS_FAILED;
    if (d->error == RS_DTLS_ERR_NONE)
        d->error = reason;
    OPENSSL_cleanse(&d->keys, sizeof(d->keys));
    return -EPROTO;
}

static int export_keys(struct rs_dtls *d)
{
    uint8_t km[2 * (RS_SRTP_KEY_LEN + RS_SRTP_MAX_SALT_LEN)];
    const SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(d->ssl);
    enum rs_srtp_profile profile;
    size_t salt_len;
    int rc = 0;

    if (prof == NULL)
        return fail(d, RS_DTLS_ERR_NO_SRTP);
    if (prof->id == SRTP_AEAD_AES_128_GCM)
        profile = RS_SRTP_AEAD_AES_128_GCM;
    else if (prof->id == SRTP_AES128_CM_SHA1_80)
        profile = RS_SRTP_AES128_CM_HMAC_SHA1_80;
    else
        return fail(d, RS_DTLS_ERR_NO_SRTP);
    salt_len = rs_srtp_salt_len(profile);

    size_t km_len = 2 * (RS_SRTP_KEY_LEN + salt_len);
    if (SSL_export_keying_material(d->ssl, km, km_len, EXPORTER_LABEL, sizeof(EXPORTER_LABEL) - 1,
                                   NULL, 0, 0) != 1) {
        rc = fail(d, RS_DTLS_ERR_INTERNAL);
        goto out_wipe;
    }
    /* RFC 5764 §4.2: client_write_key | server_write_key | client_salt | server_salt */
    const uint8_t *client_key = km;
    const uint8_t *server_key = km + RS_SRTP_KEY_LEN;
    const uint8_t *client_salt = km + 2 * RS_SRTP_KEY_LEN;
    const uint8_t *server_salt = client_salt + salt_len;
    int we_are_client = d->role == RS_DTLS_CLIENT;

    memset(&d->keys, 0, sizeof(d->keys));
    d->keys.profile = profile;
    memcpy(d->keys.local_key, we_are_client ? client_key : server_key, RS_SRTP_KEY_LEN);
    memcpy(d->keys.local_salt, we_are_client ? client_salt : server_salt, salt_len);
    memcpy(d->keys.remote_key, we_are_client ? server_key : client_key, RS_SRTP_KEY_LEN);
    memcpy(d->keys.remote_salt, we_are_client ? server_salt : client_salt, salt_len);
    d->state = RS_DTLS_CONNECTED;

out_wipe:
    OPENSSL_cleanse(km, sizeof(km));
    return rc;
}

static int handshake_done(struct rs_dtls *d)
{
    /* Second lock: the verify callback already checked, but it must also have run at all. */
    if (!peer_fingerprint_ok(d, SSL_get0_peer_certificate(d->ssl)))
        return fail(d, RS_DTLS_ERR_FINGERPRINT);
    return export_keys(d);
}

/* After the handshake: alerts (close_notify), retransmitted peer flights (OpenSSL answers them
 * itself) and application data, which nothing here consumes yet. */
static int read_records(struct rs_dtls *d)
{
    uint8_t scratch[2048];

    for (;;) {
        int r = SSL_read(d->ssl, scratch, sizeof(scratch));
        if (r > 0) {
            d->stats.app_data_dropped++;
            continue;
        }
        switch (SSL_get_error(d->ssl, r)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return 0;
        case SSL_ERROR_ZERO_RETURN:
            d->state = RS_DTLS_CLOSED;
            (void)SSL_shutdown(d->ssl); /* answer with our close_notify */
            OPENSSL_cleanse(&d->keys, sizeof(d->keys));
            return 0;
        default:
            return fail(d, RS_DTLS_ERR_HANDSHAKE);
        }
    }
}

/* A server that has not answered anything yet has no handshake to lose: when such input
 * makes OpenSSL give up (a forged or corrupt "ClientHello"), start over with a fresh SSL
 * object instead of failing, so one spoofed datagram cannot kill a transport before the
 * browser's real ClientHello arrives. Returns 1 if it reset (or 0, leaving d->ssl NULL if
 * the new SSL object could not be made). */
static int reset_server(struct rs_dtls *d)
{
    if (d->role != RS_DTLS_SERVER || d->answered || d->error == RS_DTLS_ERR_FINGERPRINT)
        return 0;
    clear_out_queue(d); /* the alert for the junk would go to the real peer's address */
    SSL_free(d->ssl);
    d->ssl = NULL;
    d->error = RS_DTLS_ERR_NONE;
    if (setup_ssl(d) < 0)
        return 0;
    d->stats.dgrams_ignored++;
    return 1;
}

/* Keeps a copy of the datagrams the last SSL call queued (the newest `n` in the ring): a
 * server's final flight, which a compacted transport sends again when the client repeats
 * its own. Best effort: without the copy a lost flight is not repaired after compaction. */
static void keep_flight(struct rs_dtls *d, unsigned n)
{
    clear_flight(d);
    if (n > d->out_count || n > FLIGHT_MAX)
        return;
    for (unsigned i = 0; i < n; i++) {
        const struct out_dgram *src =
            d->out[(d->out_head + d->out_count - n + i) % RS_DTLS_OUT_QUEUE];
        struct out_dgram *dg = malloc(sizeof(*dg) + src->len);
        if (dg == NULL) {
            clear_flight(d);
            return;
        }
        dg->len = src->len;
        memcpy(dg->data, src->data, src->len);
        d->flight[d->n_flight++] = dg;
    }
}

static int drive(struct rs_dtls *d)
{
    if (d->state == RS_DTLS_HANDSHAKING) {
        uint64_t out_before = d->stats.dgrams_out;
        int r = SSL_do_handshake(d->ssl);
        if (r != 1) {
            int err = SSL_get_error(d->ssl, r);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
                d->answered |= d->out_count > 0;
                return 0;
            }
            if (reset_server(d))
                return 0;
            if (d->ssl == NULL)
                return fail(d, RS_DTLS_ERR_INTERNAL);
            return fail(d, RS_DTLS_ERR_HANDSHAKE);
        }
        int rc = handshake_done(d);
        if (rc < 0)
            return rc;
        if (d->role == RS_DTLS_SERVER)
            keep_flight(d, (unsigned)(d->stats.dgrams_out - out_before));
    }
    if (d->state == RS_DTLS_CONNECTED)
        return read_records(d);
    return 0;
}

int rs_dtls_start(struct rs_dtls *d)
{
    int rc;

    if (d == NULL || d->role != RS_DTLS_CLIENT || d->started || d->state != RS_DTLS_HANDSHAKING)
        return -EINVAL;
    d->started = 1;
    ERR_clear_error();
    rc = drive(d);
    ERR_clear_error();
    return rc;
}

/* A compacted transport has no record layer: it looks at record headers only (RFC 6347
 * §4.1). A handshake record can only be the peer repeating its last flight, which means our
 * answer to it was lost: queue the kept copy again (the peer drops duplicates by their
 * record sequence numbers). Application data is counted; alerts are ignored (the keys stay,
 * as after a late close_notify on a retired transport). */
static int handle_compacted(struct rs_dtls *d, const uint8_t *dgram, size_t len)
{
    bool handshake = false;
    for (size_t off = 0; off + 13 <= len;) {
        size_t rlen = (size_t)dgram[off + 11] << 8 | dgram[off + 12];
        handshake |= dgram[off] == 22;
        d->stats.app_data_dropped += dgram[off] == 23;
        off += 13 + rlen;
    }
    if (!handshake || d->n_flight == 0 || d->replays >= REPLAYS_MAX ||
        d->out_count + d->n_flight > RS_DTLS_OUT_QUEUE)
        return 0;
    for (unsigned i = 0; i < d->n_flight; i++) {
        const struct out_dgram *src = d->flight[i];
        struct out_dgram *dg = malloc(sizeof(*dg) + src->len);
        if (dg == NULL) {
            d->stats.out_dropped++;
            continue;
        }
        dg->len = src->len;
        memcpy(dg->data, src->data, src->len);
        d->out[(d->out_head + d->out_count) % RS_DTLS_OUT_QUEUE] = dg;
        d->out_count++;
        d->stats.dgrams_out++;
    }
    d->replays++;
    d->stats.retransmits++;
    return 0;
}

int rs_dtls_compact(struct rs_dtls *d)
{
    if (d == NULL)
        return -EINVAL;
    if (d->state != RS_DTLS_CONNECTED)
        return -EAGAIN;
    if (d->ssl != NULL) {
        SSL_free(d->ssl);
        d->ssl = NULL;
        ERR_clear_error();
    }
    return 0;
}

int rs_dtls_handle(struct rs_dtls *d, const uint8_t *dgram, size_t len)
{
    int rc;

    if (d == NULL || (dgram == NULL && len > 0))
        return -EINVAL;
    d->stats.dgrams_in++;
    if (d->state == RS_DTLS_FAILED || d->state == RS_DTLS_CLOSED)
        return -EPIPE;
    if (len == 0 || (d->role == RS_DTLS_CLIENT && !d->started))
        return 0; /* nothing to read, or a client that has not said hello yet */
    if (d->ssl == NULL)
        return handle_compacted(d, dgram, len);
    ERR_clear_error();
    d->in = dgram;
    d->in_len = len;
    rc = drive(d);
    d->in = NULL;
    d->in_len = 0;
    ERR_clear_error();
    return rc;
}

int rs_dtls_poll_timeout(struct rs_dtls *d, uint64_t now_ms, uint64_t *next_ms)
{
    struct timeval tv;
    int rc = 0;

    if (d == NULL || next_ms == NULL)
        return -EINVAL;
    *next_ms = UINT64_MAX;
    if (d->state != RS_DTLS_HANDSHAKING && d->state != RS_DTLS_CONNECTED)
        return 0;
    if ((d->role == RS_DTLS_CLIENT && !d->started) || d->ssl == NULL)
        return 0;
    ERR_clear_error();
    if (DTLSv1_get_timeout(d->ssl, &tv) != 1)
        goto out;
    if (tv.tv_sec == 0 && tv.tv_usec == 0) {
        int r = DTLSv1_handle_timeout(d->ssl);
        if (r < 0) {
            rc = d->state == RS_DTLS_HANDSHAKING ? fail(d, RS_DTLS_ERR_TIMEOUT) : 0;
            goto out;
        }
        if (r > 0)
            d->stats.retransmits++;
        if (DTLSv1_get_timeout(d->ssl, &tv) != 1)
            goto out;
    }
    *next_ms = now_ms + (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;

out:
    ERR_clear_error();
    return rc;
}

int rs_dtls_next_out(struct rs_dtls *d, uint8_t *buf, size_t cap, size_t *len)
{
    if (d == NULL || buf == NULL || len == NULL)
        return -EINVAL;
    if (d->out_count == 0)
        return -EAGAIN;
    struct out_dgram *dg = d->out[d->out_head];
    if (dg->len > cap)
        return -EMSGSIZE;
    memcpy(buf, dg->data, dg->len);
    *len = dg->len;
    free(dg);
    d->out[d->out_head] = NULL;
    d->out_head = (d->out_head + 1) % RS_DTLS_OUT_QUEUE;
    d->out_count--;
    return 0;
}

int rs_dtls_close(struct rs_dtls *d)
{
    if (d == NULL)
        return -EINVAL;
    if (d->state == RS_DTLS_CONNECTED || d->state == RS_DTLS_HANDSHAKING) {
        ERR_clear_error();
        if (d->state == RS_DTLS_CONNECTED && d->ssl != NULL)
            (void)SSL_shutdown(d->ssl);
        ERR_clear_error();
        d->state = RS_DTLS_CLOSED;
    }
    OPENSSL_cleanse(&d->keys, sizeof(d->keys));
    return 0;
}

enum rs_dtls_state rs_dtls_state(const struct rs_dtls *d)
{
    return d->state;
}

enum rs_dtls_error rs_dtls_error(const struct rs_dtls *d)
{
    return d->error;
}

const char *rs_dtls_error_name(enum rs_dtls_error err)
{
    switch (err) {
    case RS_DTLS_ERR_NONE:
        return "none";
    case RS_DTLS_ERR_HANDSHAKE:
        return "handshake";
    case RS_DTLS_ERR_FINGERPRINT:
        return "fingerprint";
    case RS_DTLS_ERR_NO_SRTP:
        return "no_srtp";
    case RS_DTLS_ERR_TIMEOUT:
        return "timeout";
    case RS_DTLS_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}

const struct rs_dtls_stats *rs_dtls_stats(const struct rs_dtls *d)
{
    return &d->stats;
}

int rs_dtls_srtp_keys(const struct rs_dtls *d, struct rs_srtp_keys *out)
{
    if (d == NULL || out == NULL)
        return -EINVAL;
    if (d->state != RS_DTLS_CONNECTED)
        return -EAGAIN;
    *out = d->keys;
    return 0;
}
