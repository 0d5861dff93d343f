/* SPDX-License-Identifier: EUPL-1.2 */
/* RTCP tests: packets hand-built from the RFC layouts, round trips, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/rtcp.h"

/* RFC 3550 6.4.1 SR, RC=1: sender info, then one report block. */
static const uint8_t sr_pkt[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44, /* V=2 RC=1 PT=200 len=12, SSRC */
    0xe1, 0xa2, 0xb3, 0xc4, 0x80, 0x00, 0x00, 0x00, /* NTP seconds, fraction */
    0x00, 0x01, 0x5f, 0x90, 0x00, 0x00, 0x00, 0x64, /* RTP ts 90000, 100 packets */
    0x00, 0x01, 0xd4, 0xc0,                         /* 120000 octets */
    0xaa, 0xbb, 0xcc, 0xdd, 0x40, 0xff, 0xff, 0xfe, /* SSRC_1, 25% lost, cumulative -2 */
    0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, /* ext. highest seq, jitter 32 */
    0xb3, 0xc4, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00, /* LSR, DLSR 1 s */
};

/* RFC 3550 6.4.2 RR with no report blocks (what a receive-only browser sends). */
static const uint8_t rr_empty[] = {0x80, 0xc9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04};

/* RFC 3550 6.5 SDES, one chunk, CNAME "user@host" (9 octets) + null + 1 pad... = 12. */
static const uint8_t sdes_pkt[] = {
    0x81, 0xca, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x01, 0x09,
    'u',  's',  'e',  'r',  '@',  'h',  'o',  's',  't',  0x00,
};

/* RFC 3550 6.6 BYE with a reason "byebye". */
static const uint8_t bye_pkt[] = {
    0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x06, 'b', 'y', 'e', 'b', 'y', 'e', 0x00,
};

/* RFC 4585 6.2.1 generic NACK: PID 100, BLP 0x8005 -> 100, 101, 103, 116. */
static const uint8_t nack_pkt[] = {
    0x81, 0xcd, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x64, 0x80, 0x05,
};

/* RFC 4585 6.3.1 PLI: no FCI. */
static const uint8_t pli_pkt[] = {
    0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
};

/* RFC 5104 4.3.1 FIR, one entry: SSRC 0x0a0b0c0d, seq nr 7. */
static const uint8_t fir_pkt[] = {
    0x84, 0xce, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x07, 0x00, 0x00, 0x00,
};

/* draft-alvestrand-rmcat-remb 2.2: 1 Mbit/s = 250000 << 2, two SSRCs. */
static const uint8_t remb_pkt[] = {
    0x8f, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'R',  'E',
    'M',  'B',  0x02, 0x0b, 0xd0, 0x90, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
};

/* draft-holmer-rmcat-transport-wide-cc-extensions-01, built from the draft's chunk examples:
 * run-length chunk "221 x not received" (3.1.3 example 1) and the 1-bit status vector of
 * 3.1.4 example 1 (1 lost, 5 received, 3 lost, 3 received, 2 lost): 235 statuses, 8 small
 * deltas. Base seq 1000, reference time 16 (1024 ms), feedback count 5. */
static const uint8_t twcc_pkt[] = {
    0x8f, 0xcd, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* header */
    0x03, 0xe8, 0x00, 0xeb, 0x00, 0x00, 0x10, 0x05,                         /* base, count.. */
    0x00, 0xdd, 0x9f, 0x1c,                                                 /* chunks */
    0x04, 0x08, 0x00, 0x01, 0xff, 0x02, 0x03, 0x04,                         /* deltas */
};

/* A 2-bit vector chunk: small delta, then a negative (large-format) delta; 2 statuses. */
static const uint8_t twcc_2bit[] = {
    0x8f, 0xcd, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x02, 0xff, 0xff, 0x00, 0x02, 0xff, 0xff, 0xff, 0x00, /* base 65535, ref -1 */
    0xd8, 0x00, 0x10, 0xff, 0xfc, 0x00, 0x00, 0x00,             /* chunk, +4 ms, -1 ms, padding */
};

static int first(const uint8_t *buf, size_t len, struct rs_rtcp_pkt *pkt)
{
    struct rs_rtcp_iter it;
    rs_rtcp_iter_init(&it, buf, len);
    return rs_rtcp_iter_next(&it, pkt);
}

static void test_sr(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_sr sr;
    assert_int_equal(rs_demux(sr_pkt, sizeof sr_pkt), RS_PKT_RTCP);
    assert_int_equal(first(sr_pkt, sizeof sr_pkt, &p), 0);
    assert_int_equal(p.pt, RS_RTCP_SR);
    assert_int_equal(p.len, sizeof sr_pkt);
    assert_int_equal(rs_rtcp_parse_sr(&p, &sr), 0);
    assert_int_equal(sr.ssrc, 0x11223344);
    assert_true(sr.ntp == 0xe1a2b3c480000000ull);
    assert_int_equal(sr.rtp_ts, 90000);
    assert_int_equal(sr.packet_count, 100);
    assert_int_equal(sr.octet_count, 120000);
    assert_int_equal(sr.n_reports, 1);
    assert_int_equal(sr.reports[0].ssrc, 0xaabbccdd);
    assert_int_equal(sr.reports[0].fraction_lost, 0x40);
    assert_int_equal(sr.reports[0].cumulative_lost, -2);
    assert_int_equal(sr.reports[0].ext_highest_seq, 0x10005);
    assert_int_equal(sr.reports[0].jitter, 32);
    assert_int_equal(sr.reports[0].lsr, 0xb3c48000);
    assert_int_equal(sr.reports[0].dlsr, 65536);
    struct rs_rtcp_rr rr;
    assert_int_equal(rs_rtcp_parse_rr(&p, &rr), -EINVAL);

    uint8_t out[64];
    size_t len;
    assert_int_equal(rs_rtcp_build_sr(out, sizeof out, &sr, &len), 0);
    assert_int_equal(len, sizeof sr_pkt);
    assert_memory_equal(out, sr_pkt, len);
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(rs_rtcp_build_sr(out, cap, &sr, &len), -ENOSPC);
}

static void test_rr(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_rr rr;
    assert_int_equal(first(rr_empty, sizeof rr_empty, &p), 0);
    assert_int_equal(rs_rtcp_parse_rr(&p, &rr), 0);
    assert_int_equal(rr.ssrc, 0x01020304);
    assert_int_equal(rr.n_reports, 0);

    uint8_t out[256];
    size_t len;
    rr.n_reports = 2;
    rr.reports[0] = (struct rs_rtcp_report_block){1, 2, 3, 4, 5, 6, 7};
    rr.reports[1] = (struct rs_rtcp_report_block){8, 255, -8388608, 9, 10, 11, 12};
    assert_int_equal(rs_rtcp_build_rr(out, sizeof out, &rr, &len), 0);
    assert_int_equal(len, 8 + 48);
    struct rs_rtcp_rr back;
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(rs_rtcp_parse_rr(&p, &back), 0);
    assert_int_equal(back.n_reports, 2);
    assert_memory_equal(&back.reports[0], &rr.reports[0], sizeof rr.reports[0]);
    assert_int_equal(back.reports[1].cumulative_lost, -8388608);
    assert_int_equal(back.reports[1].dlsr, 12);
    /* Cumulative loss beyond 24 bits is clamped. */
    rr.reports[0].cumulative_lost = 0x7FFFFFFF;
    assert_int_equal(rs_rtcp_build_rr(out, sizeof out, &rr, &len), 0);
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(rs_rtcp_parse_rr(&p, &back), 0);
    assert_int_equal(back.reports[0].cumulative_lost, 0x7FFFFF);
    rr.n_reports = 32;
    assert_int_equal(rs_rtcp_build_rr(out, sizeof out, &rr, &len), -EINVAL);
}

static void test_sdes_bye(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_sdes_chunk c[2];
    size_t n;
    assert_int_equal(first(sdes_pkt, sizeof sdes_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_sdes(&p, c, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].ssrc, 0x11223344);
    assert_int_equal(c[0].cname_len, 9);
    assert_memory_equal(c[0].cname, "user@host", 9);
    assert_int_equal(rs_rtcp_parse_sdes(&p, c, 0, &n), -ENOSPC);

    uint8_t out[300];
    size_t len;
    assert_int_equal(rs_rtcp_build_sdes_cname(out, sizeof out, 0x11223344, "user@host", 9, &len),
                     0);
    assert_int_equal(len, sizeof sdes_pkt);
    assert_memory_equal(out, sdes_pkt, len);
    /* CNAME lengths around the padding boundary all round-trip. */
    char name[255];
    memset(name, 'c', sizeof name);
    for (size_t l = 0; l <= 255; l++) {
        assert_int_equal(rs_rtcp_build_sdes_cname(out, sizeof out, 7, name, l, &len), 0);
        assert_int_equal(len % 4, 0);
        assert_int_equal(first(out, len, &p), 0);
        assert_int_equal(rs_rtcp_parse_sdes(&p, c, 2, &n), 0);
        assert_int_equal(c[0].cname_len, l);
        for (size_t cap = 0; cap < len; cap += 7)
            assert_int_equal(rs_rtcp_build_sdes_cname(out, cap, 7, name, l, &len), -ENOSPC);
    }

    struct rs_rtcp_bye bye;
    assert_int_equal(first(bye_pkt, sizeof bye_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_bye(&p, &bye), 0);
    assert_int_equal(bye.n_ssrcs, 1);
    assert_int_equal(bye.ssrcs[0], 0x11223344);
    assert_int_equal(bye.reason_len, 6);
    assert_memory_equal(bye.reason, "byebye", 6);
    uint32_t ssrcs[3] = {1, 2, 3};
    assert_int_equal(rs_rtcp_build_bye(out, sizeof out, ssrcs, 3, &len), 0);
    assert_int_equal(len, 16);
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(rs_rtcp_parse_bye(&p, &bye), 0);
    assert_int_equal(bye.n_ssrcs, 3);
    assert_int_equal(bye.ssrcs[2], 3);
    assert_null(bye.reason);

    /* Reason length overrunning the packet. */
    uint8_t bad[sizeof bye_pkt];
    memcpy(bad, bye_pkt, sizeof bad);
    bad[8] = 8;
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_bye(&p, &bye), -EINVAL);
    /* SDES item overrunning, and no terminating null. */
    memcpy(out, sdes_pkt, sizeof sdes_pkt);
    out[9] = 11;
    assert_int_equal(first(out, sizeof sdes_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_sdes(&p, c, 2, &n), -EINVAL);
    out[9] = 10;
    assert_int_equal(rs_rtcp_parse_sdes(&p, c, 2, &n), -EINVAL);
}

static void test_nack(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_fb fb;
    uint16_t seqs[32];
    size_t n;
    assert_int_equal(first(nack_pkt, sizeof nack_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_nack(&p, &fb, seqs, 32, &n), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    assert_int_equal(n, 4);
    assert_int_equal(seqs[0], 100);
    assert_int_equal(seqs[1], 101);
    assert_int_equal(seqs[2], 103);
    assert_int_equal(seqs[3], 116);
    assert_int_equal(rs_rtcp_parse_nack(&p, &fb, seqs, 2, &n), -ENOSPC);
    assert_int_equal(n, 2);
    assert_int_equal(rs_rtcp_parse_pli(&p, &fb), -EINVAL);

    uint8_t out[128];
    size_t len;
    static const uint16_t in[] = {100, 101, 103, 116};
    assert_int_equal(rs_rtcp_build_nack(out, sizeof out, 1, 2, in, 4, &len), 0);
    assert_int_equal(len, sizeof nack_pkt);
    assert_memory_equal(out, nack_pkt, len);

    /* Wrapping sequence numbers, a gap of 17, duplicates. */
    static const uint16_t wrap[] = {65534, 65535, 0, 1, 1, 18, 40};
    assert_int_equal(rs_rtcp_build_nack(out, sizeof out, 1, 2, wrap, 7, &len), 0);
    assert_int_equal(len, 12 + 3 * 4);
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(rs_rtcp_parse_nack(&p, &fb, seqs, 32, &n), 0);
    static const uint16_t want[] = {65534, 65535, 0, 1, 18, 40};
    assert_int_equal(n, 6);
    assert_memory_equal(seqs, want, sizeof want);
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(rs_rtcp_build_nack(out, cap, 1, 2, wrap, 7, &len), -ENOSPC);
    assert_int_equal(rs_rtcp_build_nack(out, sizeof out, 1, 2, wrap, 0, &len), -EINVAL);
}

static void test_pli_fir(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_fb fb;
    assert_int_equal(first(pli_pkt, sizeof pli_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_pli(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    assert_int_equal(fb.fci_len, 0);
    uint8_t out[64];
    size_t len;
    assert_int_equal(rs_rtcp_build_pli(out, sizeof out, 1, 2, &len), 0);
    assert_int_equal(len, sizeof pli_pkt);
    assert_memory_equal(out, pli_pkt, len);
    assert_int_equal(rs_rtcp_build_pli(out, 11, 1, 2, &len), -ENOSPC);

    struct rs_rtcp_fir_entry e[2];
    size_t n;
    assert_int_equal(first(fir_pkt, sizeof fir_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_fir(&p, &fb, e, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].ssrc, 0x0a0b0c0d);
    assert_int_equal(e[0].seq_nr, 7);
    assert_int_equal(rs_rtcp_build_fir(out, sizeof out, 1, e, 1, &len), 0);
    assert_int_equal(len, sizeof fir_pkt);
    assert_memory_equal(out, fir_pkt, len);
    assert_int_equal(rs_rtcp_parse_fir(&p, &fb, e, 0, &n), -ENOSPC);

    /* In-place media SSRC rewrite (PLI field, FIR entries). */
    uint8_t buf[sizeof pli_pkt + sizeof fir_pkt];
    memcpy(buf, pli_pkt, sizeof pli_pkt);
    memcpy(buf + sizeof pli_pkt, fir_pkt, sizeof fir_pkt);
    struct rs_rtcp_iter it;
    rs_rtcp_iter_init(&it, buf, sizeof buf);
    while (rs_rtcp_iter_next(&it, &p) == 0)
        assert_int_equal(rs_rtcp_set_media_ssrc(buf, sizeof buf, &p, 0xcafebabe), 0);
    rs_rtcp_iter_init(&it, buf, sizeof buf);
    assert_int_equal(rs_rtcp_iter_next(&it, &p), 0);
    assert_int_equal(rs_rtcp_parse_pli(&p, &fb), 0);
    assert_int_equal(fb.media_ssrc, 0xcafebabe);
    assert_int_equal(rs_rtcp_iter_next(&it, &p), 0);
    assert_int_equal(rs_rtcp_parse_fir(&p, &fb, e, 2, &n), 0);
    assert_int_equal(e[0].ssrc, 0xcafebabe);
    assert_int_equal(e[0].seq_nr, 7);
    assert_int_equal(rs_rtcp_iter_next(&it, &p), -ENODATA);
    assert_int_equal(first(sr_pkt, sizeof sr_pkt, &p), 0);
    assert_int_equal(rs_rtcp_set_media_ssrc((uint8_t *)out, sizeof out, &p, 1), -EINVAL);
}

static void test_remb(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_remb r;
    assert_int_equal(first(remb_pkt, sizeof remb_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_remb(&p, &r), 0);
    assert_int_equal(r.sender_ssrc, 1);
    assert_true(r.bitrate_bps == 1000000);
    assert_int_equal(r.n_ssrcs, 2);
    assert_int_equal(r.ssrcs[0], 0x11111111);
    assert_int_equal(r.ssrcs[1], 0x22222222);
    uint8_t out[64];
    size_t len;
    assert_int_equal(rs_rtcp_build_remb(out, sizeof out, 1, 1000000, r.ssrcs, 2, &len), 0);
    assert_int_equal(len, sizeof remb_pkt);
    assert_memory_equal(out, remb_pkt, len);
    /* Large bitrates lose low bits only. */
    static const uint64_t rates[] = {0, 1, 262143, 262144, 2500000, 123456789012ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        assert_int_equal(rs_rtcp_build_remb(out, sizeof out, 1, rates[i], NULL, 0, &len), 0);
        assert_int_equal(first(out, len, &p), 0);
        assert_int_equal(rs_rtcp_parse_remb(&p, &r), 0);
        assert_true(r.bitrate_bps <= rates[i]);
        assert_true(rates[i] - r.bitrate_bps <= rates[i] / 262144);
    }
    /* Mantissa << exponent that overflows 64 bits. */
    uint8_t bad[sizeof remb_pkt];
    memcpy(bad, remb_pkt, sizeof bad);
    bad[17] = 0xff;
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_remb(&p, &r), -EINVAL);
    memcpy(bad, remb_pkt, sizeof bad);
    bad[16] = 3; /* claims three SSRCs, holds two */
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_remb(&p, &r), -EINVAL);
    memcpy(bad, remb_pkt, sizeof bad);
    bad[12] = 'X';
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_remb(&p, &r), -EINVAL);
}

static void test_twcc_vectors(void **state)
{
    struct rs_rtcp_pkt p;
    struct rs_rtcp_twcc t;
    struct rs_twcc_status st[300];
    size_t n;
    assert_int_equal(first(twcc_pkt, sizeof twcc_pkt, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), 0);
    assert_int_equal(t.base_seq, 1000);
    assert_int_equal(t.status_count, 235);
    assert_int_equal(t.reference_time, 16);
    assert_int_equal(t.fb_count, 5);
    assert_int_equal(t.n_received, 8);
    assert_int_equal(n, 235);
    for (size_t i = 0; i < 221; i++)
        assert_false(st[i].received);
    static const bool vec[14] = {0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0};
    static const uint8_t d[8] = {4, 8, 0, 1, 255, 2, 3, 4};
    int64_t at = 16 * 64000;
    size_t di = 0;
    for (size_t i = 0; i < 14; i++) {
        assert_int_equal(st[221 + i].seq, 1221 + i);
        assert_int_equal(st[221 + i].received, vec[i]);
        if (vec[i]) {
            at += 250 * d[di];
            assert_int_equal(st[221 + i].delta_us, 250 * d[di]);
            assert_true(st[221 + i].arrival_us == at);
            di++;
        }
    }
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 10, &n), -ENOSPC);
    assert_int_equal(n, 10);

    assert_int_equal(first(twcc_2bit, sizeof twcc_2bit, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), 0);
    assert_int_equal(t.reference_time, -1);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].seq, 65535);
    assert_int_equal(st[1].seq, 0);
    assert_int_equal(st[0].delta_us, 4000);
    assert_int_equal(st[1].delta_us, -1000);
    assert_true(st[1].arrival_us == -64000 + 3000);

    /* Reserved symbol 3, deltas overrunning, and too much trailing data are errors. */
    uint8_t bad[sizeof twcc_2bit];
    memcpy(bad, twcc_2bit, sizeof bad);
    bad[20] = 0xf8;
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), -EINVAL);
    memcpy(bad, twcc_2bit, sizeof bad);
    bad[20] = 0xe8; /* two large deltas: 4 bytes needed, 3 present after the chunk... */
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), 0); /* ...5 are: fits */
    bad[20] = 0x00;
    bad[21] = 0x02; /* run of 2 "not received": 7 trailing bytes */
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), -EINVAL);
    memcpy(bad, twcc_2bit, sizeof bad);
    bad[15] = 0; /* zero statuses */
    assert_int_equal(first(bad, sizeof bad, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &t, st, 300, &n), -EINVAL);
}

static void test_twcc_round_trip(void **state)
{
    /* Received packets with gaps, reordered arrival (negative delta), a large delta, and a
     * sequence wrap. */
    struct rs_twcc_arrival in[64];
    size_t m = 0;
    int64_t t = 5000123;
    uint16_t seq = 65500;
    for (int i = 0; i < 64; i++) {
        in[m].seq = seq;
        in[m].arrival_us = t;
        m++;
        seq = (uint16_t)(seq + ((i % 5 == 4) ? 3 : 1));
        t += (i == 10) ? -3000 : (i == 20) ? 200000 : 1700 + 13 * i;
    }
    uint8_t out[1500];
    size_t len, used;
    assert_int_equal(rs_rtcp_build_twcc(out, sizeof out, 9, 8, 3, in, m, &used, &len), 0);
    assert_int_equal(used, m);
    assert_int_equal(len % 4, 0);
    struct rs_rtcp_pkt p;
    struct rs_rtcp_twcc tw;
    struct rs_twcc_status st[200];
    size_t n;
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(p.len, len);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &tw, st, 200, &n), 0);
    assert_int_equal(tw.sender_ssrc, 9);
    assert_int_equal(tw.media_ssrc, 8);
    assert_int_equal(tw.fb_count, 3);
    assert_int_equal(tw.base_seq, 65500);
    assert_int_equal(tw.n_received, m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!st[i].received)
            continue;
        assert_int_equal(st[i].seq, in[k].seq);
        /* Exact to the 250 us tick the wire carries. */
        int64_t want = in[k].arrival_us - in[k].arrival_us % 250;
        assert_true(st[i].arrival_us == want);
        k++;
    }
    assert_int_equal(k, m);

    /* A small buffer makes the builder stop early; the rest goes into the next feedback. */
    size_t done = 0, packets = 0;
    while (done < m) {
        assert_int_equal(
            rs_rtcp_build_twcc(out, 40, 9, 8, (uint8_t)packets, in + done, m - done, &used, &len),
            0);
        assert_true(len <= 40);
        assert_true(used >= 1);
        assert_int_equal(first(out, len, &p), 0);
        assert_int_equal(rs_rtcp_parse_twcc(&p, &tw, st, 200, &n), 0);
        assert_int_equal(tw.n_received, used);
        done += used;
        packets++;
    }
    assert_true(packets > 1);
    assert_int_equal(rs_rtcp_build_twcc(out, 23, 9, 8, 0, in, m, &used, &len), -ENOSPC);

    /* A delta beyond 16 bits ends the feedback; a non-ascending input is rejected. */
    struct rs_twcc_arrival jump[2] = {{1, 0}, {2, 10000000}};
    assert_int_equal(rs_rtcp_build_twcc(out, sizeof out, 9, 8, 0, jump, 2, &used, &len), 0);
    assert_int_equal(used, 1);
    struct rs_twcc_arrival dup[2] = {{1, 0}, {1, 100}};
    assert_int_equal(rs_rtcp_build_twcc(out, sizeof out, 9, 8, 0, dup, 2, &used, &len), -EINVAL);
    /* A long loss run uses run-length chunks. */
    struct rs_twcc_arrival gap[2] = {{10, 1000}, {1010, 90000}};
    assert_int_equal(rs_rtcp_build_twcc(out, sizeof out, 9, 8, 0, gap, 2, &used, &len), 0);
    assert_int_equal(used, 2);
    assert_int_equal(first(out, len, &p), 0);
    assert_int_equal(rs_rtcp_parse_twcc(&p, &tw, st, 0, &n), -ENOSPC);
    assert_int_equal(tw.status_count, 1001);
    assert_int_equal(tw.n_received, 2);
    assert_true(len <= 32);
}

static void test_compound_and_truncation(void **state)
{
    const struct {
        const uint8_t *p;
        size_t len;
    } vec[] = {{sr_pkt, sizeof sr_pkt},     {rr_empty, sizeof rr_empty},
               {sdes_pkt, sizeof sdes_pkt}, {bye_pkt, sizeof bye_pkt},
               {nack_pkt, sizeof nack_pkt}, {pli_pkt, sizeof pli_pkt},
               {fir_pkt, sizeof fir_pkt},   {remb_pkt, sizeof remb_pkt},
               {twcc_pkt, sizeof twcc_pkt}, {twcc_2bit, sizeof twcc_2bit}};
    size_t nvec = sizeof vec / sizeof vec[0];
    uint8_t buf[512];
    size_t total = 0;
    for (size_t i = 0; i < nvec; i++) {
        memcpy(buf + total, vec[i].p, vec[i].len);
        total += vec[i].len;
    }
    assert_int_equal(rs_rtcp_validate(buf, total), 0);
    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt p;
    rs_rtcp_iter_init(&it, buf, total);
    for (size_t i = 0; i < nvec; i++) {
        assert_int_equal(rs_rtcp_iter_next(&it, &p), 0);
        assert_int_equal(p.len, vec[i].len);
    }
    assert_int_equal(rs_rtcp_iter_next(&it, &p), -ENODATA);

    /* Every truncation of the compound either ends cleanly at a packet boundary or fails. */
    for (size_t cut = 0; cut < total; cut++) {
        int rc = rs_rtcp_validate(buf, cut);
        size_t acc = 0;
        bool at_boundary = false;
        for (size_t i = 0; i < nvec && acc <= cut; i++) {
            if (acc == cut)
                at_boundary = true;
            acc += vec[i].len;
        }
        if (cut == 0)
            assert_int_equal(rc, -EINVAL);
        else if (at_boundary)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, -EINVAL);
    }

    /* Shrinking a packet's own length field (buffer cut to match) breaks its typed parser. */
    for (size_t i = 0; i < nvec; i++) {
        for (size_t words = 1; words * 4 < vec[i].len; words++) {
            uint8_t b[64];
            memcpy(b, vec[i].p, vec[i].len);
            b[2] = 0;
            b[3] = (uint8_t)(words - 1);
            assert_int_equal(first(b, 4 * words, &p), 0);
            struct rs_rtcp_sr sr;
            struct rs_rtcp_rr rr;
            struct rs_rtcp_sdes_chunk c[4];
            struct rs_rtcp_bye bye;
            struct rs_rtcp_fb fb;
            struct rs_rtcp_fir_entry fe[4];
            struct rs_rtcp_remb remb;
            struct rs_rtcp_twcc tw;
            struct rs_twcc_status st[300];
            uint16_t seqs[32];
            size_t n;
            int rc = 0;
            switch (i) {
            case 0:
                rc = rs_rtcp_parse_sr(&p, &sr);
                break;
            case 2:
                rc = rs_rtcp_parse_sdes(&p, c, 4, &n);
                break;
            case 3:
                /* Just the SSRC is a valid BYE; a cut reason is not. */
                rc = rs_rtcp_parse_bye(&p, &bye);
                if (words == 2) {
                    assert_int_equal(rc, 0);
                    rc = -EINVAL;
                }
                break;
            case 4:
                rc = rs_rtcp_parse_nack(&p, &fb, seqs, 32, &n);
                break;
            case 5:
                rc = rs_rtcp_parse_pli(&p, &fb);
                break;
            case 6:
                rc = rs_rtcp_parse_fir(&p, &fb, fe, 4, &n);
                break;
            case 7:
                rc = rs_rtcp_parse_remb(&p, &remb);
                break;
            default:
                rc = rs_rtcp_parse_twcc(&p, &tw, st, 300, &n);
                break;
            }
            if (i == 1)
                rc = rs_rtcp_parse_rr(&p, &rr);
            assert_int_equal(rc, -EINVAL);
        }
    }

    /* Header-level errors: version, length beyond buffer, padding count. */
    uint8_t b[sizeof pli_pkt];
    memcpy(b, pli_pkt, sizeof b);
    b[0] = 0x41;
    assert_int_equal(rs_rtcp_validate(b, sizeof b), -EINVAL);
    memcpy(b, pli_pkt, sizeof b);
    b[3] = 3;
    assert_int_equal(rs_rtcp_validate(b, sizeof b), -EINVAL);
    memcpy(b, pli_pkt, sizeof b);
    b[0] |= 0x20; /* padding with count 2 (last byte) leaves a 6-byte body */
    assert_int_equal(first(b, sizeof b, &p), 0);
    assert_int_equal(p.body_len, 6);
    struct rs_rtcp_fb fb;
    assert_int_equal(rs_rtcp_parse_pli(&p, &fb), -EINVAL);
    b[11] = 9; /* padding count beyond the body */
    assert_int_equal(rs_rtcp_validate(b, sizeof b), -EINVAL);
    b[11] = 0;
    assert_int_equal(rs_rtcp_validate(b, sizeof b), -EINVAL);
    assert_int_equal(rs_rtcp_validate(NULL, 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sr),
        cmocka_unit_test(test_rr),
        cmocka_unit_test(test_sdes_bye),
        cmocka_unit_test(test_nack),
        cmocka_unit_test(test_pli_fir),
        cmocka_unit_test(test_remb),
        cmocka_unit_test(test_twcc_vectors),
        cmocka_unit_test(test_twcc_round_trip),
        cmocka_unit_test(test_compound_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
