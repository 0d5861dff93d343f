/* SPDX-License-Identifier: EUPL-1.2 */
/* Micro-benchmark: SRTP cost per 1,200-byte RTP packet, both profiles: rs_srtp_protect_rtp
 * alone, rs_srtp_unprotect_rtp alone, and the two back to back. Not run by the tests.
 * `make bench` builds build/bench/srtp_bench. The libsrtp2 path for GCM (the reference our own
 * GCM is tested against) is measured by building with it:
 *   gcc -O2 -std=gnu17 -D_GNU_SOURCE -DRS_SRTP_GCM_LIBSRTP -Isrc bench/srtp_bench.c \
 *       src/rtc/srtp.c src/rtc/srtp_gcm.c $(pkg-config --cflags --libs openssl libsrtp2) \
 *       -o build/bench/srtp_bench_libsrtp && build/bench/srtp_bench_libsrtp
 * Each packet gets a new sequence number (as forwarding does); one SSRC. Unprotect is timed
 * over batches of packets protected beforehand (outside the timed part). Our GCM runs twice: on
 * the provider's cipher functions (what sessions use) and on its EVP_CIPHER_CTX fallback.
 * Last, the heap one GCM transport holds (both directions: our tables and windows, and
 * OpenSSL's cipher contexts, counted through CRYPTO_set_mem_functions) in two typical shapes:
 * a subscriber's (RTP and SR out on 3 SSRCs, RTCP in from 1) and a publisher's (RTP in on 3
 * SSRCs, RTCP out on 1). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "rtc/srtp.h"
#include "rtc/srtp_gcm.h"

#define PACKET_LEN 1200
#define ROUNDS 200000
#define BATCH 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(uint8_t *pkt, uint16_t seq)
{
    pkt[0] = 0x80;
    pkt[1] = 96;
    pkt[2] = (uint8_t)(seq >> 8);
    pkt[3] = (uint8_t)seq;
    memset(pkt + 4, 0x11, 4); /* timestamp */
    pkt[8] = 0xca, pkt[9] = 0xfe, pkt[10] = 0xba, pkt[11] = 0xbe;
}

static int run(enum rs_srtp_profile profile, const char *name)
{
    static uint8_t batch[BATCH][PACKET_LEN + RS_SRTP_MAX_RTP_TRAILER];
    static size_t batch_len[BATCH];
    struct rs_srtp tx, rx;
    struct rs_srtp_keys keys;
    uint8_t pkt[PACKET_LEN + RS_SRTP_MAX_RTP_TRAILER];
    size_t len;

    memset(&keys, 0x42, sizeof(keys));
    keys.profile = profile;
    if (rs_srtp_init(&tx, &keys) < 0 || rs_srtp_init(&rx, &keys) < 0)
        return -1;
    memset(pkt, 0xab, sizeof(pkt));

    /* protect */
    double t0 = now_s();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        fill(pkt, (uint16_t)i);
        len = PACKET_LEN;
        if (rs_srtp_protect_rtp(&tx, pkt, &len, sizeof(pkt)) < 0)
            return -1;
    }
    double protect_us = (now_s() - t0) * 1e6 / ROUNDS;

    /* unprotect, from batches protected beforehand by a fresh sender */
    rs_srtp_free(&tx);
    if (rs_srtp_init(&tx, &keys) < 0)
        return -1;
    double unprotect_s = 0;
    for (uint32_t i = 0; i < ROUNDS; i += BATCH) {
        for (uint32_t j = 0; j < BATCH; j++) {
            memset(batch[j], 0xab, PACKET_LEN);
            fill(batch[j], (uint16_t)(i + j));
            batch_len[j] = PACKET_LEN;
            if (rs_srtp_protect_rtp(&tx, batch[j], &batch_len[j], sizeof(batch[j])) < 0)
                return -1;
        }
        t0 = now_s();
        for (uint32_t j = 0; j < BATCH; j++)
            if (rs_srtp_unprotect_rtp(&rx, batch[j], &batch_len[j]) < 0)
                return -1;
        unprotect_s += now_s() - t0;
    }
    double unprotect_us = unprotect_s * 1e6 / ROUNDS;

    /* both, back to back (a fresh pair: the indices start over) */
    rs_srtp_free(&tx);
    rs_srtp_free(&rx);
    if (rs_srtp_init(&tx, &keys) < 0 || rs_srtp_init(&rx, &keys) < 0)
        return -1;
    t0 = now_s();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        fill(pkt, (uint16_t)i);
        len = PACKET_LEN;
        if (rs_srtp_protect_rtp(&tx, pkt, &len, sizeof(pkt)) < 0 ||
            rs_srtp_unprotect_rtp(&rx, pkt, &len) < 0)
            return -1;
    }
    double both_us = (now_s() - t0) * 1e6 / ROUNDS;

    printf("%-27s protect %.2f us (%.0fk/s)  unprotect %.2f us  protect+unprotect %.2f us\n", name,
           protect_us, 1e3 / protect_us, unprotect_us, both_us);
    rs_srtp_free(&tx);
    rs_srtp_free(&rx);
    return 0;
}

/* Bytes OpenSSL holds (usable sizes), when main could install the counters in time. */
static long openssl_bytes;
static int openssl_counted;

static void *count_malloc(size_t n, const char *file, int line)
{
    void *p = malloc(n);
    if (p != NULL)
        openssl_bytes += (long)malloc_usable_size(p);
    return p;
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    long old = p != NULL ? (long)malloc_usable_size(p) : 0;
    void *q = realloc(p, n);
    if (q != NULL)
        openssl_bytes += (long)malloc_usable_size(q) - old;
    else if (n == 0)
        openssl_bytes -= old;
    return q;
}

static void count_free(void *p, const char *file, int line)
{
    if (p != NULL)
        openssl_bytes -= (long)malloc_usable_size(p);
    free(p);
}

/* One RTP (rtcp = 0) or SRTCP sender report packet of `ssrc` in `pkt`; returns its length. */
static size_t small_packet(uint8_t *pkt, int rtcp, uint32_t ssrc)
{
    memset(pkt, 0x33, 200);
    if (rtcp) {
        pkt[0] = 0x80, pkt[1] = 200, pkt[2] = 0, pkt[3] = 6;
    } else {
        pkt[0] = 0x80, pkt[1] = 96, pkt[2] = 0, pkt[3] = 1;
    }
    uint8_t *s = pkt + (rtcp ? 4 : 8);
    s[0] = (uint8_t)(ssrc >> 24), s[1] = (uint8_t)(ssrc >> 16);
    s[2] = (uint8_t)(ssrc >> 8), s[3] = (uint8_t)ssrc;
    return rtcp ? 28 : 160;
}

/* Heap bytes of one GCM transport after its typical first packets (see the top). A peer with
 * the same keys, made before the count starts, protects what the transport receives. */
static long transport_bytes(int publisher)
{
    struct rs_srtp_keys keys;
    struct rs_srtp peer, s;
    uint8_t pkt[256];
    size_t len;
    int rc = 0;

    memset(&keys, 0x42, sizeof(keys));
    keys.profile = RS_SRTP_AEAD_AES_128_GCM;
    if (rs_srtp_init(&peer, &keys) < 0)
        return -1;
    long before = openssl_bytes;
    if (rs_srtp_init(&s, &keys) < 0)
        return -1;
    for (uint32_t k = 0; k < 3; k++) { /* RTP of audio, video, video RTX (and their SRs) */
        len = small_packet(pkt, 0, 0x1000 + k);
        if (publisher) {
            rc |= rs_srtp_protect_rtp(&peer, pkt, &len, sizeof(pkt));
            rc |= rs_srtp_unprotect_rtp(&s, pkt, &len);
        } else {
            rc |= rs_srtp_protect_rtp(&s, pkt, &len, sizeof(pkt));
            len = small_packet(pkt, 1, 0x1000 + k);
            rc |= rs_srtp_protect_rtcp(&s, pkt, &len, sizeof(pkt));
        }
    }
    len = small_packet(pkt, 1, 0x2000); /* receiver reports, REMB, NACK from one SSRC */
    if (publisher) {
        rc |= rs_srtp_protect_rtcp(&s, pkt, &len, sizeof(pkt));
    } else {
        rc |= rs_srtp_protect_rtcp(&peer, pkt, &len, sizeof(pkt));
        rc |= rs_srtp_unprotect_rtcp(&s, pkt, &len);
    }
    long bytes = openssl_bytes - before + (long)rs_srtp_gcm__heap_bytes(s.gcm_in) +
                 (long)rs_srtp_gcm__heap_bytes(s.gcm_out);
    rs_srtp_free(&s);
    rs_srtp_free(&peer);
    return rc == 0 ? bytes : -1;
}

int main(void)
{
    openssl_counted = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
    if (rs_srtp_global_init() < 0)
        return 1;
    printf("SRTP per %d-byte RTP packet, %d packets each\n", PACKET_LEN, ROUNDS);
    if (run(RS_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM") < 0)
        goto fail;
    rs_srtp_gcm__force_evp(true);
    int rc = run(RS_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM (EVP ctx)");
    rs_srtp_gcm__force_evp(false);
    if (rc < 0 || run(RS_SRTP_AES128_CM_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80") < 0)
        goto fail;
    long sub = transport_bytes(0), pub = transport_bytes(1);
    if (sub < 0 || pub < 0)
        goto fail;
    printf("GCM transport heap: subscriber %ld bytes, publisher %ld bytes%s%s\n", sub, pub,
           openssl_counted ? "" : " (without OpenSSL's: counters not installed)",
           rs_srtp_gcm__direct() ? "" : " (EVP fallback in use)");
    return 0;
fail:
    fprintf(stderr, "srtp_bench: failed\n");
    return 1;
}
