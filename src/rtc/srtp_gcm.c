/* SPDX-License-Identifier: EUPL-1.2 */
/* SRTP AEAD_AES_128_GCM of our own, on OpenSSL's AES-GCM (RFC 3711 framing, RFC 7714 transform).
 *
 * Why: Debian's libsrtp2 is built on NSS and takes a mutex, a malloc/free and a hash lookup per
 * packet; in the offline forwarding harness it was ~85 % of all instructions. Here each
 * direction keeps two AES-GCM contexts (the RTP and the RTCP session key differ), keyed once; a
 * packet costs setting the IV (no key schedule), the AAD, the cipher and the tag, plus a scan of
 * a small SSRC table. No lock: a direction belongs to one media worker. No allocation per
 * packet either; only a new SSRC may grow the direction's table (below).
 *
 * Which OpenSSL calls: the cipher is OpenSSL's AES-128-GCM as EVP_CIPHER_fetch finds it (the
 * default provider, or whatever the configuration puts first), but per packet we call that
 * provider's cipher functions (provider-cipher(7): encrypt_init, update, final, get_ctx_params)
 * on a provider context of our own rather than going through EVP_CIPHER_CTX. The AES and GHASH
 * code is the same; what we skip is OpenSSL 3.0's EVP plumbing, which on every
 * EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, enc) asks the provider for the IV length through
 * an OSSL_PARAM query (about 580 instructions of strcmp and OSSL_PARAM_locate, 10 % of a
 * forwarded packet), and wraps the tag in a ctrl-to-OSSL_PARAM conversion. The decryptor's tag
 * goes in with the IV (init's params), the encryptor's comes out by one get_ctx_params with a
 * one-entry array: that query (eight OSSL_PARAM_locate in 3.0) is the part we cannot avoid.
 * The provider's functions are found once (resolve_engine) in the dispatch table of the provider
 * the fetched cipher came from, by name, and must agree with EVP on a sample packet, encrypt and
 * decrypt (a forged tag included), before any session uses them. If anything about that fails,
 * sessions use a plain EVP_CIPHER_CTX instead: slower, same bytes (the tests run both).
 *
 * Per-SSRC state: an SSRC table that starts inline (INLINE_SSRCS entries) and doubles on the
 * heap up to RS_SRTP_MAX_SSRC; the RTP replay window of an SSRC (RS_SRTP_OUT_WINDOW / 8 = 512
 * bytes outbound, 16 inbound) is only taken when the SSRC's first RTP packet passes, so an
 * SSRC that only carries RTCP (our receiver reports and REMB towards a publisher) costs 32 bytes.
 *
 * What it must match, bit for bit, is libsrtp (the browsers' peer and our old path), so the
 * bookkeeping copies libsrtp's, not only the RFC's prose:
 *   - Key derivation (RFC 3711 §4.3.1, KDR 0): the 12-byte GCM master salt is zero-padded to
 *     the 14 bytes the AES-CM PRF takes; labels 0/2 (RTP key/salt) and 3/5 (RTCP key/salt).
 *   - RTP index (RFC 3711 §3.3.1 and Appendix A): both sides keep the highest index seen
 *     (ROC << 16 | SEQ) and guess a packet's ROC from it, once that index passed 2^15 (before
 *     that the ROC is taken as 0). The sender uses the same guess, which increments its ROC on
 *     a wrap and also lets it protect a late packet (an original recovered from the publisher's
 *     RTX) inside its window — never an index twice: with GCM the index is the nonce.
 *   - RTP window: a bitmap of the last W indices ending at the highest (inbound W = 128,
 *     outbound W = RS_SRTP_OUT_WINDOW), kept as a ring so advancing by one clears one bit.
 *     Inbound updates it only after the tag verified.
 *   - SRTCP (RFC 7714 §9): the sender's index is a per-SSRC counter starting at 1; the E bit is
 *     always set on what we send; the receiver also takes E = 0 (authenticated only). The
 *     receiver's window is libsrtp's rdb: 128 indices from a window start.
 *   - IVs (RFC 7714 §8.1, §9.1): salt XOR (00 00 | SSRC | ROC | SEQ), and salt XOR
 *     (00 00 | SSRC | 00 00 | 0 | 31-bit index). AAD: the RTP header with CSRCs and extension;
 *     for SRTCP the 8-byte header then the E|index word (the word sits after the tag on the
 *     wire, RFC 7714 §9.2).
 *
 * The subtle part is the order of the inbound steps: look up (or provisionally create) the SSRC,
 * check the window, decrypt and verify, and only then create the table entry (and the SSRC's
 * RTP window) and mark the index. A forged packet must neither enter an SSRC into the table,
 * nor take a window, nor burn an index. */
#include "rtc/srtp_gcm.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#define RTP_HEADER 12
#define RTCP_HEADER 8
#define RTCP_TRAILER 4 /* E bit + 31-bit SRTCP index */
#define SRTCP_E_BIT 0x80000000u
#define SRTCP_INDEX_MAX 0x7fffffffu
#define SEQ_MEDIAN 0x8000
#define SEQ_MAX 0x10000

#define INLINE_SSRCS 4       /* table entries inside struct rs_srtp_gcm */
#define NO_WINDOW UINT32_MAX /* stream.rtp_window before the SSRC's first RTP packet */
#define GCM_IV_LEN 12

/* One keyed AES-128-GCM context: the provider's own (`algctx`, the fast path) or, if the
 * provider's functions could not be used, an EVP_CIPHER_CTX. Exactly one is set. */
struct gcm_key {
    void *algctx;
    EVP_CIPHER_CTX *evp;
};

/* Replay state of one SSRC. Its RTP window bits live in the direction's `bits` array, at
 * `words_per_window * rtp_window`; that array grows (by one up to INLINE_SSRCS windows, then
 * doubling, up to RS_SRTP_MAX_SSRC) when an SSRC's first RTP packet arrives. */
struct stream {
    uint64_t rtp_index;    /* highest RTP index (ROC << 16 | SEQ); 0 and no bits when fresh */
    uint64_t rtcp_bits[2]; /* receiver: bit i = index rtcp_start + i seen */
    uint32_t rtcp_start;   /* sender: last SRTCP index used; receiver: libsrtp rdb window start */
    uint32_t rtp_window;   /* which window of `bits` is this SSRC's, or NO_WINDOW */
};

struct rs_srtp_gcm {
    struct gcm_key rtp;  /* keyed with the RTP session key, IV set per packet */
    struct gcm_key rtcp; /* keyed with the RTCP session key */
    uint8_t rtp_salt[RS_SRTP_GCM_SALT_LEN];
    uint8_t rtcp_salt[RS_SRTP_GCM_SALT_LEN];
    bool outbound;
    uint32_t window;           /* RTP window, packets (a multiple of 64) */
    uint32_t words_per_window; /* window / 64 */
    uint32_t n;                /* SSRC entries in use */
    uint32_t last;             /* entry of the previous lookup: streams come in runs */
    uint32_t cap;              /* entries `ssrc` and `streams` have room for */
    uint32_t windows;          /* RTP windows in use */
    uint32_t windows_cap;      /* windows `bits` has room for */
    uint32_t *ssrc;            /* cap entries: inline_ssrc, or after streams in one heap block */
    struct stream *streams;    /* cap entries: inline_streams, or a heap block */
    uint64_t *bits;            /* windows_cap * words_per_window; NULL before the first RTP */
    uint32_t inline_ssrc[INLINE_SSRCS];
    struct stream inline_streams[INLINE_SSRCS];
};

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- key derivation --------------------------------------------------------------------- */

int rs_srtp_gcm_kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
                    uint8_t label, uint8_t *out, size_t out_len)
{
    uint8_t iv[16] = {0};
    int ok = 0, n = 0, tail = 0;

    if (salt_len > 14 || out_len > 256)
        return -EINVAL;
    memcpy(iv, master_salt, salt_len); /* a 12-byte salt is zero-padded to 14 */
    iv[7] ^= label;                    /* key_id = label || r, r = 0 (KDR 0), right-aligned */
    memset(out, 0, out_len);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, master_key, iv) == 1 &&
        EVP_EncryptUpdate(ctx, out, &n, out, (int)out_len) == 1 &&
        EVP_EncryptFinal_ex(ctx, out + n, &tail) == 1)
        ok = 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -EIO;
}

/* ---- the AES-GCM engine ------------------------------------------------------------------- */

/* The fetched cipher (kept for the process: it also keeps its provider loaded) and, when
 * `direct`, its provider's cipher functions. Set once by resolve_engine. */
static struct {
    EVP_CIPHER *cipher;
    void *provctx;
    OSSL_FUNC_cipher_newctx_fn *newctx;
    OSSL_FUNC_cipher_freectx_fn *freectx;
    OSSL_FUNC_cipher_encrypt_init_fn *einit;
    OSSL_FUNC_cipher_decrypt_init_fn *dinit;
    OSSL_FUNC_cipher_update_fn *update;
    OSSL_FUNC_cipher_final_fn *final;
    OSSL_FUNC_cipher_get_ctx_params_fn *get_ctx_params;
    bool direct;
} engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static bool force_evp;        /* test knob: new sessions use EVP_CIPHER_CTX */
static int alloc_budget = -1; /* test knob: table allocations left before they fail; -1: off */

#define CIPHER_NAME "AES-128-GCM"

static void key_free(struct gcm_key *k)
{
    if (k->algctx != NULL)
        engine.freectx(k->algctx); /* the provider wipes its context */
    EVP_CIPHER_CTX_free(k->evp);   /* likewise */
    k->algctx = NULL;
    k->evp = NULL;
}

/* Keys `k` with a 16-byte `key`, on the provider's functions if `direct`. Returns 0 or -1. */
static int key_init(struct gcm_key *k, const uint8_t *key, int encrypt, bool direct)
{
    k->algctx = NULL;
    k->evp = NULL;
    if (direct) {
        k->algctx = engine.newctx(engine.provctx);
        if (k->algctx == NULL)
            return -1;
        int ok = encrypt ? engine.einit(k->algctx, key, RS_SRTP_GCM_KEY_LEN, NULL, 0, NULL)
                         : engine.dinit(k->algctx, key, RS_SRTP_GCM_KEY_LEN, NULL, 0, NULL);
        if (ok != 1)
            goto fail;
        return 0;
    }
    k->evp = EVP_CIPHER_CTX_new();
    /* Key once; the IV length stays GCM's default of 12 bytes. */
    if (k->evp == NULL || EVP_CipherInit_ex(k->evp, engine.cipher, NULL, key, NULL, encrypt) != 1)
        goto fail;
    return 0;
fail:
    key_free(k);
    return -1;
}

/* GCM over one packet with a keyed context: IV, then `aad` (and `aad2` if not NULL), then `text`
 * in place, then the tag written (encrypt) or checked (decrypt). Returns 0, RS_SRTP_ERR_AUTH (tag
 * mismatch) or RS_SRTP_ERR_OTHER. */
static int seal_or_open(const struct gcm_key *k, int encrypt, const uint8_t iv[GCM_IV_LEN],
                        const uint8_t *aad, size_t aad_len, const uint8_t *aad2, size_t aad2_len,
                        uint8_t *text, size_t text_len, uint8_t *tag)
{
    /* The tag, out of the encryptor after final, or into the decryptor with the IV. */
    OSSL_PARAM tag_param[2] = {
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, RS_SRTP_GCM_TAG_LEN),
        OSSL_PARAM_END,
    };
    if (k->algctx != NULL) {
        void *c = k->algctx;
        size_t n;
        if ((encrypt ? engine.einit(c, NULL, 0, iv, GCM_IV_LEN, NULL)
                     : engine.dinit(c, NULL, 0, iv, GCM_IV_LEN, tag_param)) != 1)
            return RS_SRTP_ERR_OTHER;
        if (engine.update(c, NULL, &n, aad_len, aad, aad_len) != 1)
            return RS_SRTP_ERR_OTHER;
        if (aad2 != NULL && engine.update(c, NULL, &n, aad2_len, aad2, aad2_len) != 1)
            return RS_SRTP_ERR_OTHER;
        if (text_len > 0 && engine.update(c, text, &n, text_len, text, text_len) != 1)
            return RS_SRTP_ERR_OTHER;
        if (engine.final(c, text + text_len, &n, 0) != 1)
            return encrypt ? RS_SRTP_ERR_OTHER : RS_SRTP_ERR_AUTH;
        if (encrypt && engine.get_ctx_params(c, tag_param) != 1)
            return RS_SRTP_ERR_OTHER;
        return 0;
    }
    EVP_CIPHER_CTX *ctx = k->evp;
    int n;
    if (EVP_CipherInit_ex2(ctx, NULL, NULL, iv, encrypt, encrypt ? NULL : tag_param) != 1)
        return RS_SRTP_ERR_OTHER;
    if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (aad2 != NULL && EVP_CipherUpdate(ctx, NULL, &n, aad2, (int)aad2_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (text_len > 0 && EVP_CipherUpdate(ctx, text, &n, text, (int)text_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (EVP_CipherFinal_ex(ctx, text + text_len, &n) != 1)
        return encrypt ? RS_SRTP_ERR_OTHER : RS_SRTP_ERR_AUTH;
    if (encrypt && EVP_CIPHER_CTX_get_params(ctx, tag_param) != 1)
        return RS_SRTP_ERR_OTHER;
    return 0;
}

/* Whether `names` (an OSSL_ALGORITHM's "NAME:ALIAS:OID" list) contains `name`. */
static bool has_name(const char *names, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = names; *p != '\0';) {
        size_t n = strcspn(p, ":");
        if (n == len && strncasecmp(p, name, len) == 0)
            return true;
        p += n;
        if (*p == ':')
            p++;
    }
    return false;
}

/* The provider path must give EVP's bytes for one packet, and its decryptor must take them
 * back and refuse them with one tag bit flipped. */
static bool direct_agrees(void)
{
    static const uint8_t key[16] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                                    0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};
    static const uint8_t iv[GCM_IV_LEN] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
                                           0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
    uint8_t aad[12], plain[70], a[70], b[70], tag_a[16], tag_b[16];
    struct gcm_key evp, enc, dec;
    bool ok = false;

    for (size_t i = 0; i < sizeof(aad); i++)
        aad[i] = (uint8_t)(0x80 + i);
    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i * 7);
    memcpy(a, plain, sizeof(plain));
    memcpy(b, plain, sizeof(plain));
    if (key_init(&evp, key, 1, false) < 0)
        return false;
    if (key_init(&enc, key, 1, true) < 0)
        goto out_evp;
    if (key_init(&dec, key, 0, true) < 0)
        goto out_enc;
    ok = seal_or_open(&evp, 1, iv, aad, sizeof(aad), NULL, 0, a, sizeof(a), tag_a) == 0 &&
         seal_or_open(&enc, 1, iv, aad, sizeof(aad), NULL, 0, b, sizeof(b), tag_b) == 0 &&
         memcmp(a, b, sizeof(a)) == 0 && memcmp(tag_a, tag_b, sizeof(tag_a)) == 0 &&
         memcmp(a, plain, sizeof(a)) != 0;
    tag_b[15] ^= 1;
    ok = ok && seal_or_open(&dec, 0, iv, aad, sizeof(aad), NULL, 0, b, sizeof(b), tag_b) ==
                   RS_SRTP_ERR_AUTH;
    memcpy(b, a, sizeof(a));
    ok = ok && seal_or_open(&dec, 0, iv, aad, sizeof(aad), NULL, 0, b, sizeof(b), tag_a) == 0 &&
         memcmp(b, plain, sizeof(b)) == 0;
    key_free(&dec);
out_enc:
    key_free(&enc);
out_evp:
    key_free(&evp);
    return ok;
}

static void resolve_engine(void)
{
    engine.cipher = EVP_CIPHER_fetch(NULL, CIPHER_NAME, NULL);
    if (engine.cipher == NULL)
        return;
    const OSSL_PROVIDER *prov = EVP_CIPHER_get0_provider(engine.cipher);
    int no_cache = 0;
    const OSSL_ALGORITHM *algs = OSSL_PROVIDER_query_operation(prov, OSSL_OP_CIPHER, &no_cache);
    const OSSL_ALGORITHM *found = NULL;
    int matches = 0;
    for (const OSSL_ALGORITHM *a = algs; a != NULL && a->algorithm_names != NULL; a++) {
        if (has_name(a->algorithm_names, CIPHER_NAME)) {
            found = a;
            matches++;
        }
    }
    if (matches == 1) { /* two would leave us guessing which one EVP took */
        for (const OSSL_DISPATCH *d = found->implementation; d->function_id != 0; d++) {
            switch (d->function_id) {
            case OSSL_FUNC_CIPHER_NEWCTX:
                engine.newctx = OSSL_FUNC_cipher_newctx(d);
                break;
            case OSSL_FUNC_CIPHER_FREECTX:
                engine.freectx = OSSL_FUNC_cipher_freectx(d);
                break;
            case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
                engine.einit = OSSL_FUNC_cipher_encrypt_init(d);
                break;
            case OSSL_FUNC_CIPHER_DECRYPT_INIT:
                engine.dinit = OSSL_FUNC_cipher_decrypt_init(d);
                break;
            case OSSL_FUNC_CIPHER_UPDATE:
                engine.update = OSSL_FUNC_cipher_update(d);
                break;
            case OSSL_FUNC_CIPHER_FINAL:
                engine.final = OSSL_FUNC_cipher_final(d);
                break;
            case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
                engine.get_ctx_params = OSSL_FUNC_cipher_get_ctx_params(d);
                break;
            default:
                break;
            }
        }
    }
    if (algs != NULL)
        OSSL_PROVIDER_unquery_operation(prov, OSSL_OP_CIPHER, algs);
    engine.provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
    engine.direct = engine.newctx != NULL && engine.freectx != NULL && engine.einit != NULL &&
                    engine.dinit != NULL && engine.update != NULL && engine.final != NULL &&
                    engine.get_ctx_params != NULL && direct_agrees();
}

bool rs_srtp_gcm__direct(void)
{
    pthread_once(&engine_once, resolve_engine);
    return engine.direct;
}

void rs_srtp_gcm__force_evp(bool on)
{
    force_evp = on;
}

void rs_srtp_gcm__fail_alloc_after(int n)
{
    alloc_budget = n;
}

/* realloc for the SSRC table and the windows, through the test knob. */
static void *table_realloc(void *p, size_t size)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, size);
}

/* ---- construction ----------------------------------------------------------------------- */

struct rs_srtp_gcm *rs_srtp_gcm_new_session(const uint8_t *rtp_key, const uint8_t *rtp_salt,
                                            const uint8_t *rtcp_key, const uint8_t *rtcp_salt,
                                            int outbound)
{
    uint32_t window = outbound ? RS_SRTP_OUT_WINDOW : RS_SRTP_GCM_IN_WINDOW;
    _Static_assert(RS_SRTP_OUT_WINDOW % 64 == 0 && RS_SRTP_GCM_IN_WINDOW % 64 == 0,
                   "windows are whole 64-bit words");
    pthread_once(&engine_once, resolve_engine);
    if (engine.cipher == NULL)
        return NULL;
    bool direct = engine.direct && !force_evp;
    struct rs_srtp_gcm *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->cap = INLINE_SSRCS;
    g->ssrc = g->inline_ssrc;
    g->streams = g->inline_streams;
    g->outbound = outbound != 0;
    g->window = window;
    g->words_per_window = window / 64;
    memcpy(g->rtp_salt, rtp_salt, RS_SRTP_GCM_SALT_LEN);
    memcpy(g->rtcp_salt, rtcp_salt, RS_SRTP_GCM_SALT_LEN);
    if (key_init(&g->rtp, rtp_key, outbound != 0, direct) < 0 ||
        key_init(&g->rtcp, rtcp_key, outbound != 0, direct) < 0) {
        rs_srtp_gcm_free(g);
        return NULL;
    }
    return g;
}

struct rs_srtp_gcm *rs_srtp_gcm_new(const uint8_t *master_key, const uint8_t *master_salt,
                                    int outbound)
{
    uint8_t rtp_key[16], rtp_salt[12], rtcp_key[16], rtcp_salt[12];
    struct rs_srtp_gcm *g = NULL;

    if (rs_srtp_gcm_kdf(master_key, master_salt, 12, 0x00, rtp_key, 16) == 0 &&
        rs_srtp_gcm_kdf(master_key, master_salt, 12, 0x02, rtp_salt, 12) == 0 &&
        rs_srtp_gcm_kdf(master_key, master_salt, 12, 0x03, rtcp_key, 16) == 0 &&
        rs_srtp_gcm_kdf(master_key, master_salt, 12, 0x05, rtcp_salt, 12) == 0)
        g = rs_srtp_gcm_new_session(rtp_key, rtp_salt, rtcp_key, rtcp_salt, outbound);
    OPENSSL_cleanse(rtp_key, sizeof(rtp_key));
    OPENSSL_cleanse(rtp_salt, sizeof(rtp_salt));
    OPENSSL_cleanse(rtcp_key, sizeof(rtcp_key));
    OPENSSL_cleanse(rtcp_salt, sizeof(rtcp_salt));
    return g;
}

void rs_srtp_gcm_free(struct rs_srtp_gcm *g)
{
    if (g == NULL)
        return;
    key_free(&g->rtp); /* clears the key schedules */
    key_free(&g->rtcp);
    OPENSSL_cleanse(g->rtp_salt, sizeof(g->rtp_salt));
    OPENSSL_cleanse(g->rtcp_salt, sizeof(g->rtcp_salt));
    if (g->streams != g->inline_streams)
        free(g->streams); /* the same block holds `ssrc` */
    free(g->bits);
    free(g);
}

size_t rs_srtp_gcm__heap_bytes(const struct rs_srtp_gcm *g)
{
    size_t bytes = sizeof(*g);
    if (g->streams != g->inline_streams)
        bytes += (size_t)g->cap * (sizeof(struct stream) + sizeof(uint32_t));
    bytes += (size_t)g->windows_cap * g->words_per_window * sizeof(uint64_t);
    return bytes;
}

size_t rs_srtp_gcm__windows(const struct rs_srtp_gcm *g)
{
    return g->windows;
}

/* ---- SSRC table ------------------------------------------------------------------------- */

/* Index of `ssrc`'s entry, or -1. */
static inline int find(struct rs_srtp_gcm *g, uint32_t ssrc)
{
    if (g->last < g->n && g->ssrc[g->last] == ssrc)
        return (int)g->last;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->ssrc[i] == ssrc) {
            g->last = i;
            return (int)i;
        }
    }
    return -1;
}

/* A new, fresh entry for `ssrc` (not present), without an RTP window yet. Returns its index,
 * RS_SRTP_ERR_SSRC_FULL or RS_SRTP_ERR_OTHER (out of memory). Moves `streams`: pointers into
 * it taken before are stale. */
static int add(struct rs_srtp_gcm *g, uint32_t ssrc)
{
    if (g->n >= RS_SRTP_MAX_SSRC)
        return RS_SRTP_ERR_SSRC_FULL;
    if (g->n == g->cap) { /* one heap block: cap streams, then cap SSRCs */
        uint32_t cap = g->cap * 2 > RS_SRTP_MAX_SSRC ? RS_SRTP_MAX_SSRC : g->cap * 2;
        _Static_assert(_Alignof(struct stream) >= _Alignof(uint32_t), "ssrc after streams");
        struct stream *streams =
            table_realloc(NULL, (size_t)cap * (sizeof(*streams) + sizeof(uint32_t)));
        if (streams == NULL)
            return RS_SRTP_ERR_OTHER;
        uint32_t *ssrcs = (uint32_t *)(streams + cap);
        memcpy(streams, g->streams, g->n * sizeof(*streams));
        memcpy(ssrcs, g->ssrc, g->n * sizeof(*ssrcs));
        if (g->streams != g->inline_streams)
            free(g->streams);
        g->streams = streams;
        g->ssrc = ssrcs;
        g->cap = cap;
    }
    uint32_t i = g->n++;
    g->ssrc[i] = ssrc;
    memset(&g->streams[i], 0, sizeof(g->streams[i]));
    g->streams[i].rtp_window = NO_WINDOW;
    g->last = i;
    return (int)i;
}

/* Gives entry `i` a cleared RTP window. Returns 0 or RS_SRTP_ERR_OTHER (out of memory). */
static int add_window(struct rs_srtp_gcm *g, uint32_t i)
{
    size_t words = g->words_per_window;
    if (g->windows == g->windows_cap) { /* windows <= entries <= RS_SRTP_MAX_SSRC */
        /* One at a time while few (a subscriber's 3 SSRCs take 3 windows, not 4), then doubling */
        uint32_t cap = g->windows_cap < INLINE_SSRCS ? g->windows_cap + 1 : g->windows_cap * 2;
        if (cap > RS_SRTP_MAX_SSRC)
            cap = RS_SRTP_MAX_SSRC;
        uint64_t *bits = table_realloc(g->bits, (size_t)cap * words * sizeof(uint64_t));
        if (bits == NULL)
            return RS_SRTP_ERR_OTHER;
        g->bits = bits;
        g->windows_cap = cap;
    }
    g->streams[i].rtp_window = g->windows++;
    memset(g->bits + g->streams[i].rtp_window * words, 0, words * sizeof(uint64_t));
    return 0;
}

static inline uint64_t *window_of(const struct rs_srtp_gcm *g, const struct stream *st)
{
    return g->bits + (size_t)st->rtp_window * g->words_per_window;
}

/* ---- RTP index and window (libsrtp rdbx semantics) ----------------------------------------- */

/* Guesses the index of sequence number `seq` from the highest index `local`; sets *guess and
 * returns guess - local. Fails (-1) only when the ROC would wrap past 2^32. */
static int estimate(uint64_t local, uint16_t seq, uint64_t *guess, int64_t *delta)
{
    if (local <= SEQ_MEDIAN) { /* ROC 0 and not yet half way: no ROC - 1 to consider */
        *guess = seq;
        *delta = (int64_t)seq - (int64_t)local;
        return 0;
    }
    uint32_t roc = (uint32_t)(local >> 16);
    uint16_t s_l = (uint16_t)local;
    int64_t d = (int64_t)seq - (int64_t)s_l;
    if (s_l < SEQ_MEDIAN) {
        if (d > SEQ_MEDIAN) { /* seq is from before the last wrap; roc >= 1 here */
            roc--;
            d -= SEQ_MAX;
        }
    } else if (s_l - SEQ_MEDIAN > seq) { /* seq is past the next wrap */
        if (roc == UINT32_MAX)
            return -1;
        roc++;
        d += SEQ_MAX;
    }
    *guess = (uint64_t)roc << 16 | seq;
    *delta = d;
    return 0;
}

static inline bool bit_get(const uint64_t *w, uint64_t i, uint32_t window)
{
    uint32_t b = (uint32_t)(i % window);
    return (w[b / 64] >> (b % 64)) & 1;
}

static inline void bit_set(uint64_t *w, uint64_t i, uint32_t window)
{
    uint32_t b = (uint32_t)(i % window);
    w[b / 64] |= (uint64_t)1 << (b % 64);
}

/* 0, RS_SRTP_ERR_REPLAY_OLD (index left the window) or RS_SRTP_ERR_REPLAY (seen). */
static int window_check(const uint64_t *w, uint32_t window, uint64_t guess, int64_t delta)
{
    if (delta > 0)
        return 0;
    if (delta <= -(int64_t)window)
        return RS_SRTP_ERR_REPLAY_OLD;
    return bit_get(w, guess, window) ? RS_SRTP_ERR_REPLAY : 0;
}

/* Marks `guess` (which passed window_check) and advances the highest index. */
static void window_add(struct stream *st, uint64_t *w, uint32_t window, uint64_t guess,
                       int64_t delta)
{
    if (delta > 0) {
        /* The slots of indices highest+1 .. guess held indices a window older: clear them. */
        if ((uint64_t)delta >= window) {
            memset(w, 0, window / 8);
        } else {
            for (uint64_t i = st->rtp_index + 1; i <= guess; i++) {
                uint32_t b = (uint32_t)(i % window);
                if (b % 64 == 0 && guess - i >= 63) { /* a whole word at once */
                    w[b / 64] = 0;
                    i += 63;
                } else {
                    w[b / 64] &= ~((uint64_t)1 << (b % 64));
                }
            }
        }
        st->rtp_index = guess;
    }
    bit_set(w, guess, window);
}

/* Length of the RTP header (fixed part, CSRCs, extension), or RS_SRTP_ERR_PARSE if it does not
 * fit in `len` bytes. */
static int rtp_header_len(const uint8_t *pkt, size_t len, size_t *hlen)
{
    size_t h;
    if (len < RTP_HEADER)
        return RS_SRTP_ERR_PARSE;
    h = RTP_HEADER + 4 * (size_t)(pkt[0] & 0x0f);
    if (pkt[0] & 0x10) {
        if (len < h + 4)
            return RS_SRTP_ERR_PARSE;
        h += 4 + 4 * (size_t)rd16(pkt + h + 2);
    }
    if (h > len)
        return RS_SRTP_ERR_PARSE;
    *hlen = h;
    return 0;
}

static inline void rtp_iv(uint8_t iv[12], const uint8_t salt[12], uint32_t ssrc, uint64_t index)
{
    memset(iv, 0, 2);
    wr32(iv + 2, ssrc);
    wr32(iv + 6, (uint32_t)(index >> 16));
    iv[10] = (uint8_t)(index >> 8), iv[11] = (uint8_t)index;
    for (int i = 0; i < 12; i++)
        iv[i] ^= salt[i];
}

static inline void rtcp_iv(uint8_t iv[12], const uint8_t salt[12], uint32_t ssrc, uint32_t index)
{
    memset(iv, 0, 2);
    wr32(iv + 2, ssrc);
    iv[6] = 0, iv[7] = 0;
    wr32(iv + 8, index & SRTCP_INDEX_MAX);
    for (int i = 0; i < 12; i++)
        iv[i] ^= salt[i];
}

/* ---- RTP -------------------------------------------------------------------------------- */

int rs_srtp_gcm_protect_rtp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len)
{
    size_t hlen;
    uint64_t guess;
    int64_t delta;
    uint8_t iv[12];

    int rc = rtp_header_len(pkt, *len, &hlen);
    if (rc < 0)
        return rc;
    uint32_t ssrc = rd32(pkt + 8);
    int i = find(g, ssrc);
    if (i < 0 && (i = add(g, ssrc)) < 0)
        return i;
    if (g->streams[i].rtp_window == NO_WINDOW && (rc = add_window(g, (uint32_t)i)) < 0)
        return rc;
    struct stream *st = &g->streams[i];
    uint64_t *w = window_of(g, st);
    if (estimate(st->rtp_index, rd16(pkt + 2), &guess, &delta) < 0)
        return RS_SRTP_ERR_OTHER;
    rc = window_check(w, g->window, guess, delta);
    if (rc < 0)
        return rc; /* never the same index twice (see the top of this file) */
    window_add(st, w, g->window, guess, delta);

    rtp_iv(iv, g->rtp_salt, ssrc, guess);
    rc = seal_or_open(&g->rtp, 1, iv, pkt, hlen, NULL, 0, pkt + hlen, *len - hlen, pkt + *len);
    if (rc < 0)
        return rc;
    *len += RS_SRTP_GCM_TAG_LEN;
    return 0;
}

int rs_srtp_gcm_unprotect_rtp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len)
{
    size_t hlen;
    uint64_t guess;
    int64_t delta;
    uint8_t iv[12];
    struct stream fresh;
    uint64_t fresh_bits[RS_SRTP_GCM_IN_WINDOW / 64];

    /* libsrtp's order, so both count a drop alike: the header must fit in the packet, then the
     * replay check, then the header must fit in front of the tag. */
    if (*len < RTP_HEADER + RS_SRTP_GCM_TAG_LEN)
        return RS_SRTP_ERR_PARSE;
    int rc = rtp_header_len(pkt, *len, &hlen);
    if (rc < 0)
        return rc;
    uint32_t ssrc = rd32(pkt + 8);
    int i = find(g, ssrc);
    struct stream *st;
    uint64_t *w;
    if (i >= 0 && g->streams[i].rtp_window != NO_WINDOW) {
        st = &g->streams[i];
        w = window_of(g, st);
    } else {
        /* No RTP from this SSRC yet (unknown, or known from SRTCP only, so its RTP index is
         * still 0): judge it against a fresh window; the SSRC gets an entry and a window once
         * the packet verified. */
        if (g->window > RS_SRTP_GCM_IN_WINDOW)
            return RS_SRTP_ERR_OTHER; /* an outbound direction asked to unprotect */
        if (i < 0 && g->n >= RS_SRTP_MAX_SSRC)
            return RS_SRTP_ERR_SSRC_FULL;
        memset(&fresh, 0, sizeof(fresh));
        memset(fresh_bits, 0, sizeof(fresh_bits));
        st = &fresh;
        w = fresh_bits;
    }
    if (estimate(st->rtp_index, rd16(pkt + 2), &guess, &delta) < 0)
        return RS_SRTP_ERR_OTHER;
    rc = window_check(w, g->window, guess, delta);
    if (rc < 0)
        return rc;
    if (hlen > *len - RS_SRTP_GCM_TAG_LEN)
        return RS_SRTP_ERR_PARSE;

    size_t text_len = *len - RS_SRTP_GCM_TAG_LEN - hlen;
    rtp_iv(iv, g->rtp_salt, ssrc, guess);
    rc = seal_or_open(&g->rtp, 0, iv, pkt, hlen, NULL, 0, pkt + hlen, text_len,
                      pkt + hlen + text_len);
    if (rc < 0)
        return rc;

    if (w == fresh_bits) {
        if (i < 0 && (i = add(g, ssrc)) < 0) /* room checked above */
            return RS_SRTP_ERR_OTHER;
        if (add_window(g, (uint32_t)i) < 0)
            return RS_SRTP_ERR_OTHER;
        st = &g->streams[i];
        w = window_of(g, st);
    }
    window_add(st, w, g->window, guess, delta);
    *len -= RS_SRTP_GCM_TAG_LEN;
    return 0;
}

/* ---- RTCP (libsrtp rdb semantics for the receiver's window) --------------------------------- */

static int rdb_check(const struct stream *st, uint32_t index)
{
    if ((uint64_t)index >= (uint64_t)st->rtcp_start + RS_SRTP_GCM_RTCP_WINDOW)
        return 0;
    if (index < st->rtcp_start)
        return RS_SRTP_ERR_REPLAY_OLD;
    uint32_t b = index - st->rtcp_start;
    return (st->rtcp_bits[b / 64] >> (b % 64)) & 1 ? RS_SRTP_ERR_REPLAY : 0;
}

static void rdb_add(struct stream *st, uint32_t index)
{
    uint32_t delta = index - st->rtcp_start; /* index >= rtcp_start: rdb_check passed */
    if (delta >= RS_SRTP_GCM_RTCP_WINDOW) {
        uint32_t shift = delta - (RS_SRTP_GCM_RTCP_WINDOW - 1);
        uint64_t lo = st->rtcp_bits[0], hi = st->rtcp_bits[1];
        if (shift >= 128) {
            lo = hi = 0;
        } else if (shift >= 64) {
            lo = hi >> (shift - 64);
            hi = 0;
        } else {
            lo = (lo >> shift) | (shift ? hi << (64 - shift) : 0);
            hi >>= shift;
        }
        st->rtcp_bits[0] = lo, st->rtcp_bits[1] = hi;
        st->rtcp_start += shift;
        delta = RS_SRTP_GCM_RTCP_WINDOW - 1;
    }
    st->rtcp_bits[delta / 64] |= (uint64_t)1 << (delta % 64);
}

int rs_srtp_gcm_protect_rtcp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len)
{
    uint8_t iv[12], trailer[RTCP_TRAILER];

    if (*len < RTCP_HEADER)
        return RS_SRTP_ERR_PARSE;
    uint32_t ssrc = rd32(pkt + 4);
    int i = find(g, ssrc);
    if (i < 0 && (i = add(g, ssrc)) < 0)
        return i;
    struct stream *st = &g->streams[i];
    if (st->rtcp_start >= SRTCP_INDEX_MAX)
        return RS_SRTP_ERR_OTHER; /* 2^31 packets on one key: libsrtp's key_expired */
    uint32_t index = ++st->rtcp_start;

    wr32(trailer, SRTCP_E_BIT | index);
    rtcp_iv(iv, g->rtcp_salt, ssrc, index);
    size_t text_len = *len - RTCP_HEADER;
    int rc = seal_or_open(&g->rtcp, 1, iv, pkt, RTCP_HEADER, trailer, RTCP_TRAILER,
                          pkt + RTCP_HEADER, text_len, pkt + *len);
    if (rc < 0)
        return rc;
    memcpy(pkt + *len + RS_SRTP_GCM_TAG_LEN, trailer, RTCP_TRAILER);
    *len += RS_SRTP_GCM_TAG_LEN + RTCP_TRAILER;
    return 0;
}

int rs_srtp_gcm_unprotect_rtcp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len)
{
    uint8_t iv[12], trailer[RTCP_TRAILER];
    struct stream fresh;

    if (*len < RTCP_HEADER + RS_SRTP_GCM_TAG_LEN + RTCP_TRAILER)
        return RS_SRTP_ERR_PARSE;
    size_t body = *len - RS_SRTP_GCM_TAG_LEN - RTCP_TRAILER; /* header + (cipher)text */
    memcpy(trailer, pkt + *len - RTCP_TRAILER, RTCP_TRAILER);
    uint32_t word = rd32(trailer);
    uint32_t index = word & SRTCP_INDEX_MAX;
    uint32_t ssrc = rd32(pkt + 4);
    int i = find(g, ssrc);
    struct stream *st;
    if (i >= 0) {
        st = &g->streams[i];
    } else {
        if (g->n >= RS_SRTP_MAX_SSRC)
            return RS_SRTP_ERR_SSRC_FULL;
        memset(&fresh, 0, sizeof(fresh));
        st = &fresh;
    }
    int rc = rdb_check(st, index);
    if (rc < 0)
        return rc;

    rtcp_iv(iv, g->rtcp_salt, ssrc, index);
    if (word & SRTCP_E_BIT) /* encrypted: AAD = header + trailer word */
        rc = seal_or_open(&g->rtcp, 0, iv, pkt, RTCP_HEADER, trailer, RTCP_TRAILER,
                          pkt + RTCP_HEADER, body - RTCP_HEADER, pkt + body);
    else /* authenticated only: AAD = the whole packet + trailer word */
        rc = seal_or_open(&g->rtcp, 0, iv, pkt, body, trailer, RTCP_TRAILER, pkt + body, 0,
                          pkt + body);
    if (rc < 0)
        return rc;

    if (i < 0) {
        i = add(g, ssrc); /* room checked above */
        if (i < 0)
            return RS_SRTP_ERR_OTHER;
        st = &g->streams[i];
    }
    rdb_add(st, index);
    *len = body;
    return 0;
}

int rs_srtp_gcm__set_rtcp_index(struct rs_srtp_gcm *g, uint32_t ssrc, uint32_t next_index)
{
    if (next_index == 0 || next_index > SRTCP_INDEX_MAX)
        return -EINVAL;
    int i = find(g, ssrc);
    if (i < 0 && (i = add(g, ssrc)) < 0)
        return i;
    g->streams[i].rtcp_start = next_index - 1;
    return 0;
}
