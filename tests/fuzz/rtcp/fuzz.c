/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for RTCP: iterate the compound packet, run every typed parser on every
 * packet, rebuild each parsed message with the matching builder and check that it parses back
 * to the same values; transport-cc feedback is rebuilt from its received statuses. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/rtcp.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

static int reparse(const uint8_t *buf, size_t len, struct rs_rtcp_pkt *p)
{
    struct rs_rtcp_iter it;
    rs_rtcp_iter_init(&it, buf, len);
    int rc = rs_rtcp_iter_next(&it, p);
    must(rc == 0 && p->len == len);
    return rc;
}

static struct rs_twcc_status statuses[70000];
static struct rs_twcc_arrival arrivals[70000];

static void twcc(const struct rs_rtcp_pkt *p)
{
    struct rs_rtcp_twcc t;
    size_t n;
    if (rs_rtcp_parse_twcc(p, &t, statuses, sizeof statuses / sizeof statuses[0], &n) != 0)
        return;
    must(n == t.status_count);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (statuses[i].received)
            arrivals[m++] = (struct rs_twcc_arrival){statuses[i].seq, statuses[i].arrival_us};
    must(m == t.n_received);
    /* Rebuild in as many feedbacks as it takes; every received packet must come back with its
     * arrival time. Negative deltas in the input are fine as long as they fit 16 bits. */
    uint8_t out[1200];
    size_t done = 0;
    while (done < m) {
        size_t used, len;
        int rc = rs_rtcp_build_twcc(out, sizeof out, t.sender_ssrc, t.media_ssrc, t.fb_count,
                                    arrivals + done, m - done, &used, &len);
        must(rc == 0 && used >= 1 && len <= sizeof out);
        struct rs_rtcp_pkt q;
        reparse(out, len, &q);
        struct rs_rtcp_twcc t2;
        static struct rs_twcc_status back[RS_TWCC_MAX_STATUS];
        size_t n2;
        must(rs_rtcp_parse_twcc(&q, &t2, back, RS_TWCC_MAX_STATUS, &n2) == 0);
        must(t2.n_received == used);
        size_t k = done;
        int64_t first_back = 0;
        for (size_t i = 0; i < n2; i++) {
            if (!back[i].received)
                continue;
            must(back[i].seq == arrivals[k].seq);
            /* Arrival times on the wire are 250 us ticks, so relative to the feedback's first
             * packet they must come back exactly. */
            if (k == done)
                first_back = back[i].arrival_us;
            must(back[i].arrival_us - first_back ==
                 arrivals[k].arrival_us - arrivals[done].arrival_us);
            k++;
        }
        must(k == done + used);
        done += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)rs_demux(data, size);
    (void)rs_rtcp_validate(data, size);
    uint8_t copy[4096];
    bool have_copy = size <= sizeof copy;
    if (have_copy)
        memcpy(copy, data, size);

    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt p;
    rs_rtcp_iter_init(&it, data, size);
    uint8_t out[2048];
    size_t len;
    while (rs_rtcp_iter_next(&it, &p) == 0) {
        must(p.off + p.len <= size && p.body + p.body_len <= data + size);
        struct rs_rtcp_pkt q;

        struct rs_rtcp_sr sr, sr2;
        if (rs_rtcp_parse_sr(&p, &sr) == 0) {
            must(rs_rtcp_build_sr(out, sizeof out, &sr, &len) == 0);
            reparse(out, len, &q);
            must(rs_rtcp_parse_sr(&q, &sr2) == 0 && memcmp(&sr, &sr2, sizeof sr) == 0);
        }
        struct rs_rtcp_rr rr, rr2;
        if (rs_rtcp_parse_rr(&p, &rr) == 0) {
            must(rs_rtcp_build_rr(out, sizeof out, &rr, &len) == 0);
            reparse(out, len, &q);
            must(rs_rtcp_parse_rr(&q, &rr2) == 0 && memcmp(&rr, &rr2, sizeof rr) == 0);
        }
        struct rs_rtcp_sdes_chunk chunks[4];
        size_t n;
        int rc = rs_rtcp_parse_sdes(&p, chunks, 4, &n);
        if (rc == 0 || rc == -ENOSPC) {
            for (size_t i = 0; i < n; i++) {
                if (chunks[i].cname == NULL)
                    continue;
                must(rs_rtcp_build_sdes_cname(out, sizeof out, chunks[i].ssrc,
                                              (const char *)chunks[i].cname, chunks[i].cname_len,
                                              &len) == 0);
                reparse(out, len, &q);
                struct rs_rtcp_sdes_chunk c2;
                size_t n2;
                must(rs_rtcp_parse_sdes(&q, &c2, 1, &n2) == 0 && n2 == 1);
                must(c2.cname_len == chunks[i].cname_len &&
                     memcmp(c2.cname, chunks[i].cname, c2.cname_len) == 0);
            }
        }
        struct rs_rtcp_bye bye;
        if (rs_rtcp_parse_bye(&p, &bye) == 0) {
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < bye.reason_len; i++)
                sink ^= bye.reason[i];
            (void)sink;
            must(rs_rtcp_build_bye(out, sizeof out, bye.ssrcs, bye.n_ssrcs, &len) == 0);
        }
        struct rs_rtcp_fb fb;
        (void)rs_rtcp_parse_fb(&p, &fb);
        uint16_t seqs[512];
        rc = rs_rtcp_parse_nack(&p, &fb, seqs, 512, &n);
        if ((rc == 0 || rc == -ENOSPC) && n > 0) {
            static uint8_t big[12 + 4 * 512];
            must(rs_rtcp_build_nack(big, sizeof big, fb.sender_ssrc, fb.media_ssrc, seqs, n,
                                    &len) == 0);
            reparse(big, len, &q);
            uint16_t seqs2[512];
            size_t n2;
            rc = rs_rtcp_parse_nack(&q, &fb, seqs2, 512, &n2);
            must((rc == 0 || rc == -ENOSPC) && n2 > 0 && seqs2[0] == seqs[0]);
        }
        if (rs_rtcp_parse_pli(&p, &fb) == 0)
            must(rs_rtcp_build_pli(out, sizeof out, fb.sender_ssrc, fb.media_ssrc, &len) == 0);
        struct rs_rtcp_fir_entry fir[64];
        rc = rs_rtcp_parse_fir(&p, &fb, fir, 64, &n);
        if (rc == 0 || rc == -ENOSPC) {
            must(rs_rtcp_build_fir(out, sizeof out, fb.sender_ssrc, fir, n, &len) == 0);
            reparse(out, len, &q);
            struct rs_rtcp_fir_entry f2[64];
            size_t n2;
            must(rs_rtcp_parse_fir(&q, &fb, f2, 64, &n2) == 0 && n2 == n);
        }
        struct rs_rtcp_remb remb, remb2;
        if (rs_rtcp_parse_remb(&p, &remb) == 0) {
            must(rs_rtcp_build_remb(out, sizeof out, remb.sender_ssrc, remb.bitrate_bps, remb.ssrcs,
                                    remb.n_ssrcs, &len) == 0);
            reparse(out, len, &q);
            must(rs_rtcp_parse_remb(&q, &remb2) == 0);
            must(remb2.bitrate_bps == remb.bitrate_bps && remb2.n_ssrcs == remb.n_ssrcs);
        }
        twcc(&p);
        if (have_copy)
            (void)rs_rtcp_set_media_ssrc(copy, size, &p, 0x12345678);
    }
    return 0;
}
