/* SPDX-License-Identifier: EUPL-1.2 */
/* SRTP wrapper: known-answer vectors from libsrtp's own srtp_driver (AES-CM-128-HMAC-SHA1-80
 * and AEAD-AES-128-GCM, RTP and RTCP), then round trips, tamper, replay, NACK resends and the
 * argument checks. Packet buffers are heap-allocated to the exact capacity so ASan catches
 * any write past the trailer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtc/srtp.h"

/* ---- reference vectors (libsrtp test/srtp_driver.c: srtp_validate, srtp_validate_gcm) ---- */

static const uint8_t cm_key[16] = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
                                   0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
static const uint8_t cm_salt[14] = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                    0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static const uint8_t gcm_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t gcm_salt[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                     0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

static const uint8_t rtp_plain[28] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                      0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                      0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t rtcp_plain[24] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};

static const uint8_t cm_rtp_cipher[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e,
    0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d,
    0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
static const uint8_t cm_rtcp_cipher[38] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4,
    0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00,
    0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};
static const uint8_t gcm_rtp_cipher[44] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e,
    0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97,
    0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92};
static const uint8_t gcm_rtcp_cipher[44] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a,
    0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3,
    0xb4, 0x46, 0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01};

static const enum rs_srtp_profile profiles[] = {RS_SRTP_AEAD_AES_128_GCM,
                                                RS_SRTP_AES128_CM_HMAC_SHA1_80};

/* ---- helpers ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    return rs_srtp_global_init();
}

/* `tx` sends with key A, `rx` receives with key A (and the reverse for key B). */
static void make_pair(enum rs_srtp_profile profile, struct rs_srtp *tx, struct rs_srtp *rx)
{
    struct rs_srtp_keys a, b;

    memset(&a, 0, sizeof(a));
    a.profile = profile;
    for (int i = 0; i < RS_SRTP_KEY_LEN; i++) {
        a.local_key[i] = (uint8_t)(0x10 + i);
        a.remote_key[i] = (uint8_t)(0x80 + i);
    }
    for (int i = 0; i < RS_SRTP_MAX_SALT_LEN; i++) {
        a.local_salt[i] = (uint8_t)(0x30 + i);
        a.remote_salt[i] = (uint8_t)(0xc0 + i);
    }
    b = a;
    memcpy(b.local_key, a.remote_key, sizeof(b.local_key));
    memcpy(b.local_salt, a.remote_salt, sizeof(b.local_salt));
    memcpy(b.remote_key, a.local_key, sizeof(b.remote_key));
    memcpy(b.remote_salt, a.local_salt, sizeof(b.remote_salt));
    assert_int_equal(rs_srtp_init(tx, &a), 0);
    assert_int_equal(rs_srtp_init(rx, &b), 0);
}

static void make_vector_pair(enum rs_srtp_profile profile, struct rs_srtp *tx, struct rs_srtp *rx)
{
    struct rs_srtp_keys k;

    memset(&k, 0, sizeof(k));
    k.profile = profile;
    if (profile == RS_SRTP_AEAD_AES_128_GCM) {
        memcpy(k.local_key, gcm_key, 16);
        memcpy(k.local_salt, gcm_salt, 12);
    } else {
        memcpy(k.local_key, cm_key, 16);
        memcpy(k.local_salt, cm_salt, 14);
    }
    memcpy(k.remote_key, k.local_key, 16);
    memcpy(k.remote_salt, k.local_salt, 14);
    assert_int_equal(rs_srtp_init(tx, &k), 0);
    assert_int_equal(rs_srtp_init(rx, &k), 0);
}

/* A heap buffer of exactly `cap` bytes holding an RTP packet with this header and payload. */
static uint8_t *rtp_packet(uint32_t ssrc, uint16_t seq, size_t payload, size_t cap, size_t *len)
{
    uint8_t *p = malloc(cap);
    assert_non_null(p);
    assert_true(12 + payload <= cap);
    p[0] = 0x80;
    p[1] = 96;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = 0x11, p[5] = 0x22, p[6] = 0x33, p[7] = 0x44;
    p[8] = (uint8_t)(ssrc >> 24), p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8), p[11] = (uint8_t)ssrc;
    for (size_t i = 0; i < payload; i++)
        p[12 + i] = (uint8_t)(i * 7 + seq);
    *len = 12 + payload;
    return p;
}

/* ---- known answers ------------------------------------------------------------------------ */

static void check_vector(enum rs_srtp_profile profile, const uint8_t *rtp_cipher,
                         size_t rtp_cipher_len, const uint8_t *rtcp_cipher, size_t rtcp_cipher_len)
{
    struct rs_srtp tx, rx;
    uint8_t *buf;
    size_t len;

    make_vector_pair(profile, &tx, &rx);

    buf = malloc(rtp_cipher_len);
    memcpy(buf, rtp_plain, sizeof(rtp_plain));
    len = sizeof(rtp_plain);
    assert_int_equal(rs_srtp_protect_rtp(&tx, buf, &len, rtp_cipher_len), 0);
    assert_int_equal(len, rtp_cipher_len);
    assert_memory_equal(buf, rtp_cipher, rtp_cipher_len);
    assert_int_equal(rs_srtp_unprotect_rtp(&rx, buf, &len), 0);
    assert_int_equal(len, sizeof(rtp_plain));
    assert_memory_equal(buf, rtp_plain, sizeof(rtp_plain));
    free(buf);

    buf = malloc(rtcp_cipher_len);
    memcpy(buf, rtcp_plain, sizeof(rtcp_plain));
    len = sizeof(rtcp_plain);
    assert_int_equal(rs_srtp_protect_rtcp(&tx, buf, &len, rtcp_cipher_len), 0);
    assert_int_equal(len, rtcp_cipher_len);
    assert_memory_equal(buf, rtcp_cipher, rtcp_cipher_len);
    assert_int_equal(rs_srtp_unprotect_rtcp(&rx, buf, &len), 0);
    assert_int_equal(len, sizeof(rtcp_plain));
    assert_memory_equal(buf, rtcp_plain, sizeof(rtcp_plain));
    free(buf);

    rs_srtp_free(&tx);
    rs_srtp_free(&rx);
}

static void test_vector_aes_cm_hmac80(void **state)
{
    check_vector(RS_SRTP_AES128_CM_HMAC_SHA1_80, cm_rtp_cipher, sizeof(cm_rtp_cipher),
                 cm_rtcp_cipher, sizeof(cm_rtcp_cipher));
}

static void test_vector_aead_gcm(void **state)
{
    check_vector(RS_SRTP_AEAD_AES_128_GCM, gcm_rtp_cipher, sizeof(gcm_rtp_cipher), gcm_rtcp_cipher,
                 sizeof(gcm_rtcp_cipher));
}

/* The reference ciphertext also unprotects on a fresh receiver (not only after our protect). */
static void test_vector_unprotect_only(void **state)
{
    struct rs_srtp tx, rx;
    uint8_t buf[44];
    size_t len;

    make_vector_pair(RS_SRTP_AES128_CM_HMAC_SHA1_80, &tx, &rx);
    memcpy(buf, cm_rtp_cipher, sizeof(cm_rtp_cipher));
    len = sizeof(cm_rtp_cipher);
    assert_int_equal(rs_srtp_unprotect_rtp(&rx, buf, &len), 0);
    assert_memory_equal(buf, rtp_plain, sizeof(rtp_plain));
    rs_srtp_free(&tx);
    rs_srtp_free(&rx);

    make_vector_pair(RS_SRTP_AEAD_AES_128_GCM, &tx, &rx);
    memcpy(buf, gcm_rtcp_cipher, sizeof(gcm_rtcp_cipher));
    len = sizeof(gcm_rtcp_cipher);
    assert_int_equal(rs_srtp_unprotect_rtcp(&rx, buf, &len), 0);
    assert_int_equal(len, sizeof(rtcp_plain));
    assert_memory_equal(buf, rtcp_plain, sizeof(rtcp_plain));
    rs_srtp_free(&tx);
    rs_srtp_free(&rx);
}

/* ---- properties, both profiles -------------------------------------------------------------- */

static void test_rtp_round_trip(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        for (uint32_t ssrc = 1; ssrc <= 3; ssrc++) {
            for (uint16_t seq = 100; seq < 110; seq++) {
                size_t payload = seq % 2 ? 1188 : 0;
                size_t len, plain_len;
                uint8_t *pkt = rtp_packet(ssrc, seq, payload, 12 + payload + tx.rtp_trailer, &len);
                uint8_t *orig = rtp_packet(ssrc, seq, payload, 12 + payload, &plain_len);

                assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, 12 + payload + tx.rtp_trailer),
                                 0);
                assert_int_equal(len, plain_len + tx.rtp_trailer);
                if (payload > 0)
                    assert_memory_not_equal(pkt + 12, orig + 12, payload);
                assert_int_equal(rs_srtp_unprotect_rtp(&rx, pkt, &len), 0);
                assert_int_equal(len, plain_len);
                assert_memory_equal(pkt, orig, plain_len);
                free(pkt);
                free(orig);
            }
        }
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

static void test_rtp_tamper_fails_auth(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        size_t cap = 12 + 100 + tx.rtp_trailer, len;
        uint8_t *pkt = rtp_packet(7, 1, 100, cap, &len);
        assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, cap), 0);

        static const size_t flips[] = {1, 12, 60, 111, 112, 0}; /* header, payload, tag */
        for (size_t f = 0; f < sizeof(flips) / sizeof(flips[0]); f++) {
            uint8_t *copy = malloc(len);
            size_t copy_len = len;
            memcpy(copy, pkt, len);
            copy[flips[f] == 0 ? len - 1 : flips[f]] ^= 0x04;
            int rc = rs_srtp_unprotect_rtp(&rx, copy, &copy_len);
            assert_int_equal(rc, RS_SRTP_ERR_AUTH);
            assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_AUTH);
            free(copy);
        }
        /* The untouched packet still verifies: failed attempts did not poison the window. */
        assert_int_equal(rs_srtp_unprotect_rtp(&rx, pkt, &len), 0);
        free(pkt);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

static void test_rtp_replay(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        size_t cap = 12 + 40 + tx.rtp_trailer;

        /* seq 1 protected but held back; 2..400 delivered; 1 then falls out of the window. */
        size_t old_len;
        uint8_t *old = rtp_packet(9, 1, 40, cap, &old_len);
        assert_int_equal(rs_srtp_protect_rtp(&tx, old, &old_len, cap), 0);
        uint8_t *last = NULL;
        size_t last_len = 0;
        for (uint16_t seq = 2; seq <= 400; seq++) {
            size_t len;
            uint8_t *pkt = rtp_packet(9, seq, 40, cap, &len);
            assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, cap), 0);
            uint8_t *keep = malloc(len);
            memcpy(keep, pkt, len);
            assert_int_equal(rs_srtp_unprotect_rtp(&rx, pkt, &len), 0);
            free(pkt);
            free(last);
            last = keep;
            last_len = len + tx.rtp_trailer;
        }
        int rc = rs_srtp_unprotect_rtp(&rx, last, &last_len);
        assert_int_equal(rc, RS_SRTP_ERR_REPLAY);
        assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_REPLAY);
        rc = rs_srtp_unprotect_rtp(&rx, old, &old_len);
        assert_int_equal(rc, RS_SRTP_ERR_REPLAY_OLD);
        assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_REPLAY_OLD);
        free(last);
        free(old);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

/* The sender refuses to protect a packet index twice (a repeated GCM nonce would leak the key
 * stream): resends must go out as RTX with fresh indices. Other indices keep working. */
static void test_outbound_refuses_repeat(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        size_t cap = 12 + 40 + tx.rtp_trailer, len_a, len_b;
        uint8_t *a = rtp_packet(5, 10, 40, cap, &len_a);
        uint8_t *b = rtp_packet(5, 10, 40, cap, &len_b);
        assert_int_equal(rs_srtp_protect_rtp(&tx, a, &len_a, cap), 0);
        for (uint16_t seq = 11; seq < 11 + 1000; seq++) {
            size_t len;
            uint8_t *pkt = rtp_packet(5, seq, 40, cap, &len);
            assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, cap), 0);
            free(pkt);
        }
        assert_int_not_equal(rs_srtp_protect_rtp(&tx, b, &len_b, cap), 0);
        size_t len_c;
        uint8_t *c = rtp_packet(5, 2000, 40, cap, &len_c);
        assert_int_equal(rs_srtp_protect_rtp(&tx, c, &len_c, cap), 0);
        free(a);
        free(b);
        free(c);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

static void test_rtcp_round_trip_and_replay(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        for (int i = 0; i < 5; i++) {
            size_t cap = sizeof(rtcp_plain) + tx.rtcp_trailer, len = sizeof(rtcp_plain);
            uint8_t *pkt = malloc(cap);
            memcpy(pkt, rtcp_plain, len);
            assert_int_equal(rs_srtp_protect_rtcp(&tx, pkt, &len, cap), 0);
            assert_int_equal(len, cap);
            uint8_t *copy = malloc(len);
            memcpy(copy, pkt, len);
            size_t copy_len = len;
            assert_int_equal(rs_srtp_unprotect_rtcp(&rx, pkt, &len), 0);
            assert_int_equal(len, sizeof(rtcp_plain));
            assert_memory_equal(pkt, rtcp_plain, len);
            assert_int_equal(rs_srtp_unprotect_rtcp(&rx, copy, &copy_len), RS_SRTP_ERR_REPLAY);
            free(copy);
            free(pkt);
        }
        /* a flipped bit in the encrypted part */
        size_t cap = sizeof(rtcp_plain) + tx.rtcp_trailer, len = sizeof(rtcp_plain);
        uint8_t *pkt = malloc(cap);
        memcpy(pkt, rtcp_plain, len);
        assert_int_equal(rs_srtp_protect_rtcp(&tx, pkt, &len, cap), 0);
        pkt[10] ^= 0x80;
        assert_int_equal(rs_srtp_unprotect_rtcp(&rx, pkt, &len), RS_SRTP_ERR_AUTH);
        free(pkt);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

/* GCM keeps RS_SRTP_MAX_SSRC SSRCs per direction; one more is refused with a distinct code
 * (counted as "other"), and the SSRCs already known keep working. libsrtp (AES-CM) has no
 * bound. */
static void test_many_outbound_ssrcs(void **state)
{
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        struct rs_srtp tx, rx;
        make_pair(profiles[p], &tx, &rx);
        for (uint32_t ssrc = 1000; ssrc < 1000 + RS_SRTP_MAX_SSRC; ssrc++) {
            size_t cap = 12 + 20 + tx.rtp_trailer, len;
            uint8_t *pkt = rtp_packet(ssrc, (uint16_t)ssrc, 20, cap, &len);
            assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, cap), 0);
            assert_int_equal(rs_srtp_unprotect_rtp(&rx, pkt, &len), 0);
            free(pkt);
        }
        size_t cap = 12 + 20 + tx.rtp_trailer, len;
        uint8_t *pkt = rtp_packet(5000, 1, 20, cap, &len);
        int rc = rs_srtp_protect_rtp(&tx, pkt, &len, cap);
        if (profiles[p] == RS_SRTP_AEAD_AES_128_GCM) {
            assert_int_equal(rc, RS_SRTP_ERR_SSRC_FULL);
            assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_OTHER);
        } else {
            assert_int_equal(rc, 0);
        }
        free(pkt);
        pkt = rtp_packet(1000, 2000, 20, cap, &len); /* a known SSRC still goes through */
        assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, cap), 0);
        assert_int_equal(rs_srtp_unprotect_rtp(&rx, pkt, &len), 0);
        free(pkt);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
}

/* ---- arguments and malformed input ---------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    struct rs_srtp tx, rx, zero;
    struct rs_srtp_keys keys;
    uint8_t buf[64];
    size_t len;

    memset(&zero, 0, sizeof(zero));
    memset(&keys, 0, sizeof(keys));
    keys.profile = (enum rs_srtp_profile)0x0002; /* SHA1_32: not offered */
    assert_int_equal(rs_srtp_init(&tx, &keys), -EINVAL);
    rs_srtp_free(&tx); /* zeroed by the failed init: safe */
    len = 20;
    assert_int_equal(rs_srtp_protect_rtp(&zero, buf, &len, sizeof(buf)), -EINVAL);
    assert_int_equal(rs_srtp_unprotect_rtp(&zero, buf, &len), -EINVAL);
    rs_srtp_free(&zero);
    rs_srtp_free(NULL);
    assert_int_equal(rs_srtp_salt_len(RS_SRTP_PROFILE_NONE), 0);

    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        make_pair(profiles[p], &tx, &rx);
        uint8_t *pkt = rtp_packet(1, 1, 20, 32 + tx.rtp_trailer, &len);
        /* no room for the tag */
        assert_int_equal(rs_srtp_protect_rtp(&tx, pkt, &len, 32 + tx.rtp_trailer - 1),
                         RS_SRTP_ERR_NOSPACE);
        assert_int_equal(rs_srtp_protect_rtcp(&tx, pkt, &len, len + tx.rtcp_trailer - 1),
                         RS_SRTP_ERR_NOSPACE);
        /* too short to be SRTP/SRTCP at all */
        for (size_t short_len = 0; short_len < 12 + (size_t)tx.rtp_trailer; short_len++) {
            len = short_len;
            int rc = rs_srtp_unprotect_rtp(&rx, pkt, &len);
            assert_int_equal(rc, RS_SRTP_ERR_PARSE);
            assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_PARSE);
        }
        len = 7;
        assert_int_equal(rs_srtp_unprotect_rtcp(&rx, pkt, &len), RS_SRTP_ERR_PARSE);
        /* header claims 15 CSRCs and an extension that are not there */
        memset(pkt, 0, 32 + tx.rtp_trailer);
        pkt[0] = 0x9f;
        len = 32 + tx.rtp_trailer;
        int rc = rs_srtp_unprotect_rtp(&rx, pkt, &len);
        assert_true(rc == RS_SRTP_ERR_PARSE || rc == RS_SRTP_ERR_AUTH);
        free(pkt);
        rs_srtp_free(&tx);
        rs_srtp_free(&rx);
    }
    assert_string_equal(rs_srtp_drop_name(RS_SRTP_DROP_AUTH), "auth");
    assert_string_equal(rs_srtp_drop_name(RS_SRTP_DROP_REPLAY_OLD), "replay_old");
    assert_string_equal(rs_srtp_drop_name((enum rs_srtp_drop)99), "other");
    assert_int_equal(rs_srtp_drop_reason(-EIO), RS_SRTP_DROP_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_aes_cm_hmac80),
        cmocka_unit_test(test_vector_aead_gcm),
        cmocka_unit_test(test_vector_unprotect_only),
        cmocka_unit_test(test_rtp_round_trip),
        cmocka_unit_test(test_rtp_tamper_fails_auth),
        cmocka_unit_test(test_rtp_replay),
        cmocka_unit_test(test_outbound_refuses_repeat),
        cmocka_unit_test(test_rtcp_round_trip_and_replay),
        cmocka_unit_test(test_many_outbound_ssrcs),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
