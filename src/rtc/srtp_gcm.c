/* SRTP AEAD_AES_128_GCM of our own, on OpenSSL EVP (RFC 3711 framing, RFC 7714 transform).
 *
 * Why: Debian's libsrtp2 is built on NSS and takes a mutex, a malloc/free and a hash lookup per
 * packet; in the offline forwarding harness it was ~85 % of all instructions. Here each
 * direction keeps two EVP_CIPHER_CTX (the RTP and the RTCP session key differ), keyed once; a
 * packet costs one EVP_*Init_ex with the IV only (no key schedule), the AAD, the cipher and the
 * tag, plus a scan of a small SSRC table. No allocation, no lock: a direction belongs to one
 * media worker.
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
 * check the window, decrypt and verify, and only then create the table entry and mark the
 * index. A forged packet must neither enter an SSRC into the table nor burn an index. */
#include "rtc/srtp_gcm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define RTP_HEADER 12
#define RTCP_HEADER 8
#define RTCP_TRAILER 4 /* E bit + 31-bit SRTCP index */
#define SRTCP_E_BIT 0x80000000u
#define SRTCP_INDEX_MAX 0x7fffffffu
#define SEQ_MEDIAN 0x8000
#define SEQ_MAX 0x10000

/* Replay state of one SSRC. The RTP window bits live in the direction's `bits` array, at
 * `words_per_window * slot`; that array grows (doubling, up to RS_SRTP_MAX_SSRC entries) when
 * a new SSRC arrives, so a transport with two streams does not pay for 160 windows. Growth is
 * the only allocation after setup and happens once per new SSRC, never per packet. */
struct stream {
    uint64_t rtp_index;    /* highest RTP index (ROC << 16 | SEQ); 0 and no bits when fresh */
    uint32_t rtcp_start;   /* sender: last SRTCP index used; receiver: libsrtp rdb window start */
    uint64_t rtcp_bits[2]; /* receiver: bit i = index rtcp_start + i seen */
};

struct rs_srtp_gcm {
    EVP_CIPHER_CTX *rtp;  /* keyed with the RTP session key, IV set per packet */
    EVP_CIPHER_CTX *rtcp; /* keyed with the RTCP session key */
    uint8_t rtp_salt[RS_SRTP_GCM_SALT_LEN];
    uint8_t rtcp_salt[RS_SRTP_GCM_SALT_LEN];
    bool outbound;
    uint32_t window;           /* RTP window, packets (a multiple of 64) */
    uint32_t words_per_window; /* window / 64 */
    uint32_t n;                /* entries in use */
    uint32_t last;             /* entry of the previous lookup: streams come in runs */
    uint32_t cap;              /* entries `bits` has room for */
    uint32_t ssrc[RS_SRTP_MAX_SSRC];
    struct stream streams[RS_SRTP_MAX_SSRC];
    uint64_t *bits; /* cap * words_per_window */
};

#define INITIAL_SSRCS 4

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

/* ---- construction ----------------------------------------------------------------------- */

static EVP_CIPHER_CTX *keyed_ctx(const uint8_t *key, int outbound)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return NULL;
    /* Key once; the IV length stays GCM's default of 12 bytes. */
    if (EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, NULL, outbound ? 1 : 0) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

struct rs_srtp_gcm *rs_srtp_gcm_new_session(const uint8_t *rtp_key, const uint8_t *rtp_salt,
                                            const uint8_t *rtcp_key, const uint8_t *rtcp_salt,
                                            int outbound)
{
    uint32_t window = outbound ? RS_SRTP_OUT_WINDOW : RS_SRTP_GCM_IN_WINDOW;
    _Static_assert(RS_SRTP_OUT_WINDOW % 64 == 0 && RS_SRTP_GCM_IN_WINDOW % 64 == 0,
                   "windows are whole 64-bit words");
    struct rs_srtp_gcm *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->bits = calloc((size_t)window / 64 * INITIAL_SSRCS, sizeof(uint64_t));
    if (g->bits == NULL) {
        free(g);
        return NULL;
    }
    g->cap = INITIAL_SSRCS;
    g->outbound = outbound != 0;
    g->window = window;
    g->words_per_window = window / 64;
    memcpy(g->rtp_salt, rtp_salt, RS_SRTP_GCM_SALT_LEN);
    memcpy(g->rtcp_salt, rtcp_salt, RS_SRTP_GCM_SALT_LEN);
    g->rtp = keyed_ctx(rtp_key, outbound);
    g->rtcp = keyed_ctx(rtcp_key, outbound);
    if (g->rtp == NULL || g->rtcp == NULL) {
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
    EVP_CIPHER_CTX_free(g->rtp); /* clears the key schedule */
    EVP_CIPHER_CTX_free(g->rtcp);
    OPENSSL_cleanse(g->rtp_salt, sizeof(g->rtp_salt));
    OPENSSL_cleanse(g->rtcp_salt, sizeof(g->rtcp_salt));
    free(g->bits);
    free(g);
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

/* A new, fresh entry for `ssrc` (not present), or -1 if the table is full. */
static int add(struct rs_srtp_gcm *g, uint32_t ssrc)
{
    if (g->n >= RS_SRTP_MAX_SSRC)
        return -1;
    if (g->n == g->cap) {
        uint32_t cap = g->cap * 2 > RS_SRTP_MAX_SSRC ? RS_SRTP_MAX_SSRC : g->cap * 2;
        uint64_t *bits = realloc(g->bits, (size_t)cap * g->words_per_window * sizeof(uint64_t));
        if (bits == NULL)
            return -1;
        g->bits = bits;
        g->cap = cap;
    }
    uint32_t i = g->n++;
    g->ssrc[i] = ssrc;
    memset(&g->streams[i], 0, sizeof(g->streams[i]));
    memset(g->bits + (size_t)i * g->words_per_window, 0, g->words_per_window * sizeof(uint64_t));
    g->last = i;
    return (int)i;
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

/* GCM over one packet with the direction's keyed context: IV, then `aad` (and `aad2` if not
 * NULL), then `text` in place, then the tag written (encrypt) or checked (decrypt). Returns 0,
 * RS_SRTP_ERR_AUTH (tag mismatch) or RS_SRTP_ERR_OTHER. */
static int seal_or_open(EVP_CIPHER_CTX *ctx, int encrypt, const uint8_t iv[12], const uint8_t *aad,
                        size_t aad_len, const uint8_t *aad2, size_t aad2_len, uint8_t *text,
                        size_t text_len, uint8_t *tag)
{
    int n;
    if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, encrypt) != 1)
        return RS_SRTP_ERR_OTHER;
    if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (aad2 != NULL && EVP_CipherUpdate(ctx, NULL, &n, aad2, (int)aad2_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (text_len > 0 && EVP_CipherUpdate(ctx, text, &n, text, (int)text_len) != 1)
        return RS_SRTP_ERR_OTHER;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, RS_SRTP_GCM_TAG_LEN, tag) != 1)
        return RS_SRTP_ERR_OTHER;
    if (EVP_CipherFinal_ex(ctx, text + text_len, &n) != 1)
        return encrypt ? RS_SRTP_ERR_OTHER : RS_SRTP_ERR_AUTH;
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, RS_SRTP_GCM_TAG_LEN, tag) != 1)
        return RS_SRTP_ERR_OTHER;
    return 0;
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
        return RS_SRTP_ERR_SSRC_FULL;
    struct stream *st = &g->streams[i];
    uint64_t *w = g->bits + (size_t)i * g->words_per_window;
    if (estimate(st->rtp_index, rd16(pkt + 2), &guess, &delta) < 0)
        return RS_SRTP_ERR_OTHER;
    rc = window_check(w, g->window, guess, delta);
    if (rc < 0)
        return rc; /* never the same index twice (see the top of this file) */
    window_add(st, w, g->window, guess, delta);

    rtp_iv(iv, g->rtp_salt, ssrc, guess);
    rc = seal_or_open(g->rtp, 1, iv, pkt, hlen, NULL, 0, pkt + hlen, *len - hlen, pkt + *len);
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

    if (*len < RTP_HEADER + RS_SRTP_GCM_TAG_LEN)
        return RS_SRTP_ERR_PARSE;
    int rc = rtp_header_len(pkt, *len - RS_SRTP_GCM_TAG_LEN, &hlen);
    if (rc < 0)
        return rc;
    uint32_t ssrc = rd32(pkt + 8);
    int i = find(g, ssrc);
    struct stream *st;
    uint64_t *w;
    if (i >= 0) {
        st = &g->streams[i];
        w = g->bits + (size_t)i * g->words_per_window;
    } else {
        /* Unknown SSRC: judge it against a fresh state; it enters the table once it verified. */
        if (g->window > RS_SRTP_GCM_IN_WINDOW)
            return RS_SRTP_ERR_OTHER; /* an outbound direction asked to unprotect */
        if (g->n >= RS_SRTP_MAX_SSRC)
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

    size_t text_len = *len - RS_SRTP_GCM_TAG_LEN - hlen;
    rtp_iv(iv, g->rtp_salt, ssrc, guess);
    rc = seal_or_open(g->rtp, 0, iv, pkt, hlen, NULL, 0, pkt + hlen, text_len,
                      pkt + hlen + text_len);
    if (rc < 0)
        return rc;

    if (i < 0) {
        i = add(g, ssrc); /* room checked above; fails only without memory */
        if (i < 0)
            return RS_SRTP_ERR_OTHER;
        st = &g->streams[i];
        w = g->bits + (size_t)i * g->words_per_window;
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
        return RS_SRTP_ERR_SSRC_FULL;
    struct stream *st = &g->streams[i];
    if (st->rtcp_start >= SRTCP_INDEX_MAX)
        return RS_SRTP_ERR_OTHER; /* 2^31 packets on one key: libsrtp's key_expired */
    uint32_t index = ++st->rtcp_start;

    wr32(trailer, SRTCP_E_BIT | index);
    rtcp_iv(iv, g->rtcp_salt, ssrc, index);
    size_t text_len = *len - RTCP_HEADER;
    int rc = seal_or_open(g->rtcp, 1, iv, pkt, RTCP_HEADER, trailer, RTCP_TRAILER,
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
        rc = seal_or_open(g->rtcp, 0, iv, pkt, RTCP_HEADER, trailer, RTCP_TRAILER,
                          pkt + RTCP_HEADER, body - RTCP_HEADER, pkt + body);
    else /* authenticated only: AAD = the whole packet + trailer word */
        rc = seal_or_open(g->rtcp, 0, iv, pkt, body, trailer, RTCP_TRAILER, pkt + body, 0,
                          pkt + body);
    if (rc < 0)
        return rc;

    if (i < 0) {
        i = add(g, ssrc);
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
        return RS_SRTP_ERR_SSRC_FULL;
    g->streams[i].rtcp_start = next_index - 1;
    return 0;
}
