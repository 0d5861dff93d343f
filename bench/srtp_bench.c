/* Micro-benchmark: rs_srtp_protect_rtp cost per 1,200-byte RTP packet, for both profiles.
 * Not run by the tests. Build and run:
 *   gcc -O2 -std=gnu17 -D_GNU_SOURCE -Isrc bench/srtp_bench.c src/rtc/srtp.c \
 *       $(pkg-config --cflags --libs libsrtp2) -o /tmp/srtp_bench && /tmp/srtp_bench
 * Each packet gets a new sequence number (as forwarding does); one SSRC. A second figure
 * adds the receiver's rs_srtp_unprotect_rtp of the same packet (protect + unprotect). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtc/srtp.h"

#define PACKET_LEN 1200
#define ROUNDS 200000

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
    struct rs_srtp tx, rx;
    struct rs_srtp_keys keys;
    uint8_t pkt[PACKET_LEN + RS_SRTP_MAX_RTP_TRAILER];
    size_t len;

    memset(&keys, 0x42, sizeof(keys));
    keys.profile = profile;
    if (rs_srtp_init(&tx, &keys) < 0 || rs_srtp_init(&rx, &keys) < 0)
        return -1;
    memset(pkt, 0xab, sizeof(pkt));

    double t0 = now_s();
    for (uint32_t i = 0; i < ROUNDS; i++) {
        fill(pkt, (uint16_t)i);
        len = PACKET_LEN;
        if (rs_srtp_protect_rtp(&tx, pkt, &len, sizeof(pkt)) < 0)
            return -1;
    }
    double protect_us = (now_s() - t0) * 1e6 / ROUNDS;

    rs_srtp_free(&tx);
    if (rs_srtp_init(&tx, &keys) < 0)
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

    printf("%-26s protect %.2f us/packet (%.0fk/s)   protect+unprotect %.2f us\n", name, protect_us,
           1e3 / protect_us, both_us);
    rs_srtp_free(&tx);
    rs_srtp_free(&rx);
    return 0;
}

int main(void)
{
    if (rs_srtp_global_init() < 0)
        return 1;
    printf("rs_srtp_protect_rtp, %d-byte RTP packets, %d packets each\n", PACKET_LEN, ROUNDS);
    if (run(RS_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM") < 0 ||
        run(RS_SRTP_AES128_CM_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80") < 0) {
        fprintf(stderr, "srtp_bench: failed\n");
        return 1;
    }
    return 0;
}
