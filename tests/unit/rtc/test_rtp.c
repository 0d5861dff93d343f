/* SPDX-License-Identifier: EUPL-1.2 */
/* RTP header, RFC 8285 extensions, VP8/H.264 payload tests, and the RFC 7983 demux. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/rtp.h"

/* RFC 8285 section 4.2 one-byte example: ID1 L=0 (1 byte), ID2 L=1 (2 bytes), two padding
 * bytes, ID3 L=3 (4 bytes); then a 5-byte payload. */
static const uint8_t one_byte_pkt[] = {
    0x90, 0xe0, 0x69, 0x8f, 0xd9, 0xc2, 0x93, 0xda, 0x1c, 0x64, 0x27, 0x82, /* fixed */
    0xbe, 0xde, 0x00, 0x03,                                                 /* profile, 3 words */
    0x10, 0xaa, 0x21, 0xbb, 0xbb, 0x00, 0x00, 0x33, 0xcc, 0xcc, 0xcc, 0xcc, /* elements */
    0x98, 0x36, 0xbe, 0x88, 0x9e,                                           /* payload */
};

/* RFC 8285 section 4.3 two-byte example: ID1 L=0, ID2 L=1, one padding byte, ID3 L=4. */
static const uint8_t two_byte_pkt[] = {
    0x90, 0xe0, 0x69, 0x8f, 0xd9, 0xc2, 0x93, 0xda, 0x1c, 0x64, 0x27,
    0x82, 0x10, 0x00, 0x00, 0x03, 0x01, 0x00, 0x02, 0x01, 0xbb, 0x00,
    0x03, 0x04, 0xcc, 0xcc, 0xcc, 0xcc, 0x98, 0x36, 0xbe, 0x88, 0x9e,
};

static void test_demux(void **state)
{
    uint8_t p[24] = {0};
    p[0] = 0x00;
    assert_int_equal(rs_demux(p, 20), RS_PKT_STUN);
    assert_int_equal(rs_demux(p, 19), RS_PKT_UNKNOWN);
    p[0] = 3;
    assert_int_equal(rs_demux(p, 20), RS_PKT_STUN);
    p[0] = 4;
    assert_int_equal(rs_demux(p, 20), RS_PKT_UNKNOWN);
    p[0] = 16; /* ZRTP */
    assert_int_equal(rs_demux(p, 20), RS_PKT_UNKNOWN);
    p[0] = 20;
    assert_int_equal(rs_demux(p, 20), RS_PKT_DTLS);
    p[0] = 22;
    assert_int_equal(rs_demux(p, 13), RS_PKT_DTLS);
    p[0] = 63;
    assert_int_equal(rs_demux(p, 20), RS_PKT_DTLS);
    p[0] = 64; /* TURN channel */
    assert_int_equal(rs_demux(p, 20), RS_PKT_UNKNOWN);
    p[0] = 0x80;
    p[1] = 96;
    assert_int_equal(rs_demux(p, 12), RS_PKT_RTP);
    p[1] = 0x80 | 111; /* marker + PT 111 = 239: RTP */
    assert_int_equal(rs_demux(p, 12), RS_PKT_RTP);
    for (int pt = 192; pt <= 223; pt++) {
        p[1] = (uint8_t)pt;
        assert_int_equal(rs_demux(p, 8), RS_PKT_RTCP);
    }
    p[1] = 191;
    assert_int_equal(rs_demux(p, 8), RS_PKT_RTP);
    p[1] = 224;
    assert_int_equal(rs_demux(p, 8), RS_PKT_RTP);
    p[0] = 191;
    p[1] = 200;
    assert_int_equal(rs_demux(p, 8), RS_PKT_RTCP);
    assert_int_equal(rs_demux(p, 7), RS_PKT_UNKNOWN);
    p[0] = 192;
    assert_int_equal(rs_demux(p, 20), RS_PKT_UNKNOWN);
    assert_int_equal(rs_demux(p, 0), RS_PKT_UNKNOWN);
    assert_int_equal(rs_demux(NULL, 20), RS_PKT_UNKNOWN);
}

static void test_parse_fixed_header(void **state)
{
    struct rs_rtp_hdr h;
    assert_int_equal(rs_rtp_parse(one_byte_pkt, sizeof one_byte_pkt, &h), 0);
    assert_int_equal(h.version, 2);
    assert_false(h.padding);
    assert_true(h.extension);
    assert_true(h.marker);
    assert_int_equal(h.pt, 96);
    assert_int_equal(h.seq, 27023);
    assert_int_equal(h.ts, 3653407706u);
    assert_int_equal(h.ssrc, 476325762u);
    assert_int_equal(h.csrc_count, 0);
    assert_int_equal(h.ext_profile, 0xBEDE);
    assert_int_equal(h.ext_off, 16);
    assert_int_equal(h.ext_len, 12);
    assert_int_equal(h.header_len, 28);
    assert_int_equal(h.payload_off, 28);
    assert_int_equal(h.payload_len, 5);
}

static void test_rfc8285_one_byte(void **state)
{
    struct rs_rtp_hdr h;
    const uint8_t *d;
    size_t l;
    assert_int_equal(rs_rtp_parse(one_byte_pkt, sizeof one_byte_pkt, &h), 0);
    assert_int_equal(rs_rtp_find_ext(&h, 1, &d, &l), 0);
    assert_int_equal(l, 1);
    assert_int_equal(d[0], 0xaa);
    assert_int_equal(rs_rtp_find_ext(&h, 2, &d, &l), 0);
    assert_int_equal(l, 2);
    assert_memory_equal(d, "\xbb\xbb", 2);
    assert_int_equal(rs_rtp_find_ext(&h, 3, &d, &l), 0);
    assert_int_equal(l, 4);
    assert_memory_equal(d, "\xcc\xcc\xcc\xcc", 4);
    assert_int_equal(rs_rtp_find_ext(&h, 4, &d, &l), -ENOENT);
    assert_int_equal(rs_rtp_find_ext(&h, 0, &d, &l), -ENOENT);
    assert_int_equal(rs_rtp_find_ext(&h, 15, &d, &l), -ENOENT);
}

static void test_rfc8285_two_byte(void **state)
{
    struct rs_rtp_hdr h;
    const uint8_t *d;
    size_t l;
    assert_int_equal(rs_rtp_parse(two_byte_pkt, sizeof two_byte_pkt, &h), 0);
    assert_int_equal(h.ext_profile, 0x1000);
    assert_int_equal(h.payload_len, 5);
    assert_int_equal(rs_rtp_find_ext(&h, 1, &d, &l), 0);
    assert_int_equal(l, 0);
    assert_int_equal(rs_rtp_find_ext(&h, 2, &d, &l), 0);
    assert_int_equal(l, 1);
    assert_int_equal(d[0], 0xbb);
    assert_int_equal(rs_rtp_find_ext(&h, 3, &d, &l), 0);
    assert_int_equal(l, 4);
    assert_int_equal(rs_rtp_find_ext(&h, 4, &d, &l), -ENOENT);
}

static void test_one_byte_id15_stops(void **state)
{
    uint8_t p[sizeof one_byte_pkt];
    memcpy(p, one_byte_pkt, sizeof p);
    p[18] = 0xF1; /* ID 15 where ID2 was: processing stops, ID3 is not found */
    struct rs_rtp_hdr h;
    const uint8_t *d;
    size_t l;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), 0);
    assert_int_equal(rs_rtp_find_ext(&h, 1, &d, &l), 0);
    assert_int_equal(rs_rtp_find_ext(&h, 3, &d, &l), -ENOENT);
}

static void test_malformed(void **state)
{
    struct rs_rtp_hdr h;
    uint8_t p[sizeof one_byte_pkt];

    for (size_t n = 0; n < 28; n++)
        assert_int_equal(rs_rtp_parse(one_byte_pkt, n, &h), -EINVAL);
    for (size_t n = 28; n <= sizeof one_byte_pkt; n++)
        assert_int_equal(rs_rtp_parse(one_byte_pkt, n, &h), 0);
    for (size_t n = 0; n < 28; n++)
        assert_int_equal(rs_rtp_parse(two_byte_pkt, n, &h), -EINVAL);

    memcpy(p, one_byte_pkt, sizeof p);
    p[0] = 0x50; /* version 1 */
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);

    memcpy(p, one_byte_pkt, sizeof p);
    p[0] = 0x9F; /* 15 CSRCs: 72 bytes needed */
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);

    memcpy(p, one_byte_pkt, sizeof p);
    p[15] = 0x06; /* extension longer than the packet */
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);

    memcpy(p, one_byte_pkt, sizeof p);
    p[23] = 0x3F; /* ID3 with 16 bytes overruns the 12-byte block */
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);

    memcpy(p, two_byte_pkt, sizeof p);
    p[23] = 0x05; /* two-byte ID3 with 5 bytes overruns */
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);

    /* Padding: count 0, count larger than the payload, and a valid count. */
    memcpy(p, one_byte_pkt, sizeof p);
    p[0] |= 0x20;
    p[sizeof p - 1] = 0;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);
    p[sizeof p - 1] = 6;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), -EINVAL);
    p[sizeof p - 1] = 5;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), 0);
    assert_int_equal(h.payload_len, 0);
    assert_int_equal(h.padding_len, 5);
    p[sizeof p - 1] = 2;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), 0);
    assert_int_equal(h.payload_len, 3);

    /* An unknown extension profile is opaque but must fit. */
    memcpy(p, one_byte_pkt, sizeof p);
    p[12] = 0x12;
    assert_int_equal(rs_rtp_parse(p, sizeof p, &h), 0);
    const uint8_t *d;
    size_t l;
    assert_int_equal(rs_rtp_find_ext(&h, 1, &d, &l), -ENOENT);
    assert_int_equal(rs_rtp_parse(NULL, 12, &h), -EINVAL);
}

static void test_csrc(void **state)
{
    uint32_t csrc[2] = {0x11223344, 0x55667788};
    struct rs_rtp_header_spec spec = {
        .pt = 111, .seq = 1, .ts = 2, .ssrc = 3, .csrc = csrc, .csrc_count = 2};
    uint8_t out[64];
    size_t n;
    assert_int_equal(rs_rtp_build_header(out, sizeof out, &spec, &n), 0);
    assert_int_equal(n, 20);
    struct rs_rtp_hdr h;
    assert_int_equal(rs_rtp_parse(out, n, &h), 0);
    assert_int_equal(h.csrc_count, 2);
    assert_int_equal(rs_rtp_csrc(&h, 0), 0x11223344);
    assert_int_equal(rs_rtp_csrc(&h, 1), 0x55667788);
    assert_int_equal(rs_rtp_csrc(&h, 2), 0);
    assert_int_equal(h.payload_len, 0);
}

static void test_ext_helpers_and_rewrite(void **state)
{
    /* mid=1 "0", rid=2 "hi", audio level=3, abs-send-time=4, twcc=5, repaired rid=6 "lo". */
    uint8_t lvl = 0x80 | 42, ast[3] = {0x12, 0x34, 0x56}, tw[2] = {0xAB, 0xCD};
    struct rs_rtp_ext ext[] = {
        {1, 1, (const uint8_t *)"0"},
        {2, 2, (const uint8_t *)"hi"},
        {3, 1, &lvl},
        {4, 3, ast},
        {5, 2, tw},
        {6, 2, (const uint8_t *)"lo"},
    };
    struct rs_rtp_header_spec spec = {.pt = 96,
                                      .marker = true,
                                      .seq = 65535,
                                      .ts = 90000,
                                      .ssrc = 0xdeadbeef,
                                      .ext = ext,
                                      .n_ext = 6};
    uint8_t pkt[128];
    size_t n;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof pkt, &spec, &n), 0);
    assert_int_equal(pkt[12], 0xBE);
    assert_int_equal(n, 12 + 4 + 20); /* 6 + 11 = 17 bytes, padded to 20 */
    memcpy(pkt + n, "\x10\x02\x00", 3);
    size_t len = n + 3;

    struct rs_rtp_hdr h;
    assert_int_equal(rs_rtp_parse(pkt, len, &h), 0);
    assert_int_equal(h.payload_off, n);
    assert_int_equal(h.payload_len, 3);
    char s[8];
    assert_int_equal(rs_rtp_ext_string(&h, 1, s, sizeof s), 0);
    assert_string_equal(s, "0");
    assert_int_equal(rs_rtp_ext_string(&h, 2, s, sizeof s), 0);
    assert_string_equal(s, "hi");
    assert_int_equal(rs_rtp_ext_string(&h, 6, s, sizeof s), 0);
    assert_string_equal(s, "lo");
    assert_int_equal(rs_rtp_ext_string(&h, 2, s, 2), -ENOSPC);
    assert_int_equal(rs_rtp_ext_string(&h, 9, s, sizeof s), -ENOENT);
    bool voice;
    uint8_t level;
    assert_int_equal(rs_rtp_audio_level(&h, 3, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 42);
    uint32_t t24;
    assert_int_equal(rs_rtp_abs_send_time(&h, 4, &t24), 0);
    assert_int_equal(t24, 0x123456);
    uint16_t seq;
    assert_int_equal(rs_rtp_twcc_seq(&h, 5, &seq), 0);
    assert_int_equal(seq, 0xABCD);
    assert_int_equal(rs_rtp_twcc_seq(&h, 4, &seq), -EINVAL); /* wrong size */

    /* In-place rewrites. */
    assert_int_equal(rs_rtp_set_twcc_seq(pkt, &h, 5, 0x0102), 0);
    assert_int_equal(rs_rtp_set_abs_send_time(pkt, &h, 4, 0xFFEEDD), 0);
    assert_int_equal(rs_rtp_write_ext(pkt, &h, 1, (const uint8_t *)"12", 2), -EINVAL);
    assert_int_equal(rs_rtp_write_ext(pkt, &h, 7, (const uint8_t *)"1", 1), -ENOENT);
    assert_int_equal(rs_rtp_set_ssrc(pkt, len, 0x01020304), 0);
    assert_int_equal(rs_rtp_set_seq(pkt, len, 7), 0);
    assert_int_equal(rs_rtp_set_ts(pkt, len, 0xFFFFFFFF), 0);
    assert_int_equal(rs_rtp_set_pt(pkt, len, 100), 0);
    assert_int_equal(rs_rtp_set_pt(pkt, len, 128), -EINVAL);
    assert_int_equal(rs_rtp_set_ssrc(pkt, 11, 1), -EINVAL);
    assert_int_equal(rs_rtp_parse(pkt, len, &h), 0);
    assert_int_equal(h.ssrc, 0x01020304);
    assert_int_equal(h.seq, 7);
    assert_int_equal(h.ts, 0xFFFFFFFF);
    assert_int_equal(h.pt, 100);
    assert_true(h.marker);
    assert_int_equal(rs_rtp_set_marker(pkt, len, false), 0);
    assert_int_equal(rs_rtp_parse(pkt, len, &h), 0);
    assert_false(h.marker);
    assert_int_equal(h.pt, 100);
    assert_int_equal(rs_rtp_twcc_seq(&h, 5, &seq), 0);
    assert_int_equal(seq, 0x0102);
    assert_int_equal(rs_rtp_abs_send_time(&h, 4, &t24), 0);
    assert_int_equal(t24, 0xFFEEDD);
    assert_memory_equal(pkt + h.payload_off, "\x10\x02\x00", 3);

    /* ENOSPC for every short buffer. */
    for (size_t cap = 0; cap < n; cap++)
        assert_int_equal(rs_rtp_build_header(pkt, cap, &spec, &n), -ENOSPC);
}

static void test_build_two_byte(void **state)
{
    uint8_t big[20];
    memset(big, 'x', sizeof big);
    struct rs_rtp_ext ext[] = {{1, 0, NULL}, {2, 1, (const uint8_t *)"\xbb"}, {200, 20, big}};
    struct rs_rtp_header_spec spec = {.pt = 96, .seq = 1, .ssrc = 9, .ext = ext, .n_ext = 3};
    uint8_t pkt[96];
    size_t n;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof pkt, &spec, &n), 0);
    assert_int_equal(pkt[12], 0x10);
    assert_int_equal(pkt[13], 0x00);
    struct rs_rtp_hdr h;
    assert_int_equal(rs_rtp_parse(pkt, n, &h), 0);
    const uint8_t *d;
    size_t l;
    assert_int_equal(rs_rtp_find_ext(&h, 1, &d, &l), 0);
    assert_int_equal(l, 0);
    assert_int_equal(rs_rtp_find_ext(&h, 2, &d, &l), 0);
    assert_int_equal(l, 1);
    assert_int_equal(rs_rtp_find_ext(&h, 200, &d, &l), 0);
    assert_int_equal(l, 20);
    assert_memory_equal(d, big, 20);
    /* The RFC 8285 two-byte example is what the builder writes for the same elements. */
    struct rs_rtp_ext rfc[] = {
        {1, 0, NULL}, {2, 1, (const uint8_t *)"\xbb"}, {3, 4, (const uint8_t *)"\xcc\xcc\xcc\xcc"}};
    struct rs_rtp_header_spec s2 = {.pt = 96,
                                    .marker = true,
                                    .seq = 27023,
                                    .ts = 3653407706u,
                                    .ssrc = 476325762u,
                                    .ext = rfc,
                                    .n_ext = 3};
    assert_int_equal(rs_rtp_build_header(pkt, sizeof pkt, &s2, &n), 0);
    assert_int_equal(n, 28);
    /* Same except the builder packs elements without the example's mid-block padding byte. */
    assert_memory_equal(pkt, two_byte_pkt, 21);
    ext[0].id = 0;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof pkt, &spec, &n), -EINVAL);
}

static void test_vp8(void **state)
{
    struct rs_vp8_desc d;
    /* X=1 S=1 PID=0; I L T; M=1 15-bit picture id 0x1234; TL0PICIDX 7; TID=2 Y=1; then a VP8
     * key frame header byte (P=0). */
    uint8_t key[] = {0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0x80 | 0x20, 0x9c, 0x01, 0x2a};
    assert_int_equal(rs_vp8_parse(key, sizeof key, &d), 0);
    assert_true(d.start);
    assert_int_equal(d.pid, 0);
    assert_true(d.has_picture_id);
    assert_int_equal(d.picture_id_bits, 15);
    assert_int_equal(d.picture_id, 0x1234);
    assert_true(d.has_tl0picidx);
    assert_int_equal(d.tl0picidx, 7);
    assert_true(d.has_tid);
    assert_int_equal(d.tid, 2);
    assert_true(d.layer_sync);
    assert_false(d.has_keyidx);
    assert_int_equal(d.desc_len, 6);
    assert_true(d.keyframe);
    for (size_t n = 0; n <= 6; n++)
        assert_int_equal(rs_vp8_parse(key, n, &d), -EINVAL);

    assert_int_equal(rs_vp8_parse(key, sizeof key, &d), 0);
    assert_int_equal(rs_vp8_set_picture_id(key, sizeof key, &d, 0xFFFF), 0);
    assert_int_equal(rs_vp8_set_tl0picidx(key, sizeof key, &d, 200), 0);
    assert_int_equal(rs_vp8_parse(key, sizeof key, &d), 0);
    assert_int_equal(d.picture_id, 0x7FFF);
    assert_int_equal(d.tl0picidx, 200);
    assert_true(d.keyframe);

    /* 7-bit picture id, delta frame (P=1). */
    uint8_t delta[] = {0x90, 0x80, 0x05, 0x01};
    assert_int_equal(rs_vp8_parse(delta, sizeof delta, &d), 0);
    assert_int_equal(d.picture_id_bits, 7);
    assert_int_equal(d.picture_id, 5);
    assert_false(d.keyframe);
    assert_false(d.has_tl0picidx);
    assert_int_equal(rs_vp8_set_picture_id(delta, sizeof delta, &d, 0x1FF), 0);
    assert_int_equal(delta[2], 0x7F);
    assert_int_equal(rs_vp8_set_tl0picidx(delta, sizeof delta, &d, 1), -ENOENT);

    /* Not a partition start: never a keyframe; no X byte. */
    uint8_t cont[] = {0x00, 0x00};
    assert_int_equal(rs_vp8_parse(cont, sizeof cont, &d), 0);
    assert_false(d.keyframe);
    assert_false(d.has_picture_id);
    assert_int_equal(rs_vp8_set_picture_id(cont, sizeof cont, &d, 1), -ENOENT);
    /* Start of partition 1 is not a keyframe start. */
    uint8_t p1[] = {0x11, 0x00};
    assert_int_equal(rs_vp8_parse(p1, sizeof p1, &d), 0);
    assert_false(d.keyframe);
    /* K only: KEYIDX. */
    uint8_t k[] = {0x80, 0x10, 0x1F, 0x00};
    assert_int_equal(rs_vp8_parse(k, sizeof k, &d), 0);
    assert_true(d.has_keyidx);
    assert_int_equal(d.keyidx, 31);
    assert_false(d.has_tid);
}

static void test_h264(void **state)
{
    bool key;
    uint8_t idr[] = {0x65, 0x88};
    assert_int_equal(rs_h264_is_keyframe(idr, sizeof idr, &key), 0);
    assert_true(key);
    uint8_t slice[] = {0x41, 0x9a};
    assert_int_equal(rs_h264_is_keyframe(slice, sizeof slice, &key), 0);
    assert_false(key);
    /* STAP-A: SPS (3 bytes), PPS (2 bytes). */
    uint8_t stap[] = {0x78, 0x00, 0x03, 0x67, 0x42, 0x00, 0x00, 0x02, 0x68, 0xce};
    assert_int_equal(rs_h264_is_keyframe(stap, sizeof stap, &key), 0);
    assert_true(key);
    for (size_t n = 1; n < sizeof stap; n++) {
        int rc = rs_h264_is_keyframe(stap, n, &key);
        assert_true(rc == -EINVAL || (rc == 0 && n == 6));
    }
    uint8_t stap0[] = {0x78, 0x00, 0x00};
    assert_int_equal(rs_h264_is_keyframe(stap0, sizeof stap0, &key), -EINVAL);
    /* FU-A: start of IDR, middle of IDR. */
    uint8_t fu_start[] = {0x7c, 0x85, 0x00};
    assert_int_equal(rs_h264_is_keyframe(fu_start, sizeof fu_start, &key), 0);
    assert_true(key);
    uint8_t fu_mid[] = {0x7c, 0x05, 0x00};
    assert_int_equal(rs_h264_is_keyframe(fu_mid, sizeof fu_mid, &key), 0);
    assert_false(key);
    assert_int_equal(rs_h264_is_keyframe(fu_start, 1, &key), -EINVAL);
    assert_int_equal(rs_h264_is_keyframe(idr, 0, &key), -EINVAL);
    uint8_t zero[] = {0x00};
    assert_int_equal(rs_h264_is_keyframe(zero, 1, &key), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demux),
        cmocka_unit_test(test_parse_fixed_header),
        cmocka_unit_test(test_rfc8285_one_byte),
        cmocka_unit_test(test_rfc8285_two_byte),
        cmocka_unit_test(test_one_byte_id15_stops),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_csrc),
        cmocka_unit_test(test_ext_helpers_and_rewrite),
        cmocka_unit_test(test_build_two_byte),
        cmocka_unit_test(test_vp8),
        cmocka_unit_test(test_h264),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
