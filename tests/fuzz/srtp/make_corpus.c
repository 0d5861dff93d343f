/* SPDX-License-Identifier: EUPL-1.2 */
/* Writes the seed corpus of the SRTP fuzz target (tests/fuzz/srtp/corpus/), with the target's
 * fixed keys. Not built by make; run from the repository root:
 *   cc -std=gnu17 -D_GNU_SOURCE -Isrc tests/fuzz/srtp/make_corpus.c build/libratsaal.a \
 *       $(pkg-config --cflags --libs openssl libsrtp2) -o build/srtp_corpus && build/srtp_corpus */
#include <stdio.h>
#include <string.h>

#include "rtc/srtp.h"

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

static void put_one(const char *name, const char *suffix, uint8_t mode, const uint8_t *p,
                    size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/fuzz/srtp/corpus/%s%s", name, suffix);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fputc(mode, f);
    fwrite(p, 1, len, f);
    fclose(f);
}

/* Each seed twice: on the GCM fast path (mode 0..4) and on the EVP fallback (mode + 5). */
static void put(const char *name, uint8_t mode, const uint8_t *p, size_t len)
{
    put_one(name, "", mode, p, len);
    put_one(name, "_evp", (uint8_t)(mode + 5), p, len);
}

static size_t rtp(uint8_t *p, uint16_t seq, int cc, int ext_words, size_t payload)
{
    size_t n = 0;
    p[n++] = (uint8_t)(0x80 | (ext_words >= 0 ? 0x10 : 0) | cc);
    p[n++] = 96;
    p[n++] = (uint8_t)(seq >> 8), p[n++] = (uint8_t)seq;
    memset(p + n, 0x11, 4), n += 4;
    p[n++] = 0xca, p[n++] = 0xfe, p[n++] = 0xba, p[n++] = 0xbe;
    for (int i = 0; i < cc; i++)
        memset(p + n, 0x20 + i, 4), n += 4;
    if (ext_words >= 0) {
        p[n++] = 0xbe, p[n++] = 0xde, p[n++] = 0, p[n++] = (uint8_t)ext_words;
        memset(p + n, 0x31, 4 * (size_t)ext_words), n += 4 * (size_t)ext_words;
    }
    for (size_t i = 0; i < payload; i++)
        p[n++] = (uint8_t)i;
    return n;
}

int main(void)
{
    struct rs_srtp s;
    struct rs_srtp_keys k = {.profile = RS_SRTP_AEAD_AES_128_GCM};
    uint8_t p[1600], run[4096];
    size_t len, r = 0;

    if (rs_srtp_global_init() < 0)
        return 1;
    memcpy(k.local_key, key, 16), memcpy(k.remote_key, key, 16);
    memcpy(k.local_salt, salt, 12), memcpy(k.remote_salt, salt, 12);
    rs_srtp_init(&s, &k);

    len = rtp(p, 1, 0, -1, 100);
    put("plain_rtp", 2, p, len);
    len = rtp(p, 65535, 2, 2, 40);
    put("plain_rtp_csrc_ext", 2, p, len);
    len = rtp(p, 7, 0, 0, 0);
    put("plain_rtp_empty_ext", 2, p, len);
    len = rtp(p, 1, 1, 1, 1100);
    rs_srtp_protect_rtp(&s, p, &len, sizeof(p));
    put("srtp_valid", 0, p, len);

    static const uint8_t sr[28] = {0x80, 200, 0,  6,  0xca, 0xfe, 0xba, 0xbe, 1,  2,
                                   3,    4,   5,  6,  7,    8,    9,    10,   11, 12,
                                   13,   14,  15, 16, 17,   18,   19,   20};
    put("plain_rtcp_sr", 3, sr, sizeof(sr));
    memcpy(p, sr, sizeof(sr));
    len = sizeof(sr);
    rs_srtp_protect_rtcp(&s, p, &len, sizeof(p));
    put("srtcp_valid", 1, p, len);
    p[len - 4] &= 0x7f; /* E = 0: authenticated only (will not verify; shape only) */
    put("srtcp_e0", 1, p, len);

    /* a run across the sequence wrap, with a repeat and an RTCP packet */
    static const uint16_t seqs[] = {65533, 65534, 65535, 0, 1, 65535, 3, 2};
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        len = rtp(p, seqs[i], 0, -1, 20);
        run[r++] = 0, run[r++] = 0, run[r++] = (uint8_t)len;
        memcpy(run + r, p, len), r += len;
    }
    run[r++] = 1, run[r++] = 0, run[r++] = sizeof(sr);
    memcpy(run + r, sr, sizeof(sr)), r += sizeof(sr);
    put("run_wrap", 4, run, r);
    rs_srtp_free(&s);
    return 0;
}
