/* SPDX-License-Identifier: EUPL-1.2 */
/* Offline regression guard for the forwarding path: 100,000 SRTP packets from four publishers
 * (Opus + single-layer VP8, 1 audio : 4 video packets; `--single`: one publisher, which shows the
 * router's 32,768-packet bug, see BENCHMARKS.md) pushed to 10 subscribers through the
 * worker's real receive → route → protect path (rs_wk__on_datagram: demux, address lookup,
 * SRTP unprotect, RTP parse, routing, per-subscriber header rewrite, SRTP protect, queued for
 * sendmmsg) to SUBS subscribers, with no thread and no socket: after each datagram the send
 * queue is discarded instead of flushed, so only user-space work is measured.
 *
 * Setup is tests/fuzz/media_path/fuzz.c's: transports with addresses validated by real STUN
 * checks and SRTP keys we also hold. The publisher's own protection runs outside the measured
 * functions. Run natively for ns/packet, or under callgrind for a stable instruction count:
 *   valgrind --tool=callgrind --toggle-collect=forward_one --toggle-collect=run_timers \
 *            build/bench/offline
 * and read "Collected" (instructions in the measured functions) / forwarded packets. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "rtc/dtls.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "core/queue.h"
#include "sfu/worker_internal.h"
#include "../../tests/support/wk_inproc.h"

#define PACKETS 100000
#define SUBS 10
#define PUBS_MAX 4

static unsigned pubs = PUBS_MAX; /* --single: one publisher (shows the 32,768-packet bug) */

static struct rs_wk *w;
static struct rs_srtp pub_srtp[PUBS_MAX], sub_srtp[SUBS];
static struct rs_wk_addr pub_addr[PUBS_MAX], sub_addr[SUBS];
static uint64_t forwarded;




static void init(void)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    w = rs_wk__new(rs_dtls_ctx_new(), NULL, rs_queue_new(sizeof(struct rs_event), 1024, 0));
    if (!w)
        exit(1);
    w->now_ms = 1000000;
    for (uint32_t k = 0; k < pubs; k++) {
        pub_addr[k] = wk_inproc_addr("127.0.0.1", (uint16_t)(5000 + k));
        struct rs_cmd_transport t = {.tid = 1 + k, .has_fingerprint = 1, .owner = 1 + k};
        snprintf(t.ufrag, sizeof(t.ufrag), "%04xpubs", 1 + k);
        snprintf(t.pwd, sizeof(t.pwd), "publisherpassword%08x", 1 + k);
        rs_wk__transport_add(w, &t);
        wk_inproc_check_in(w, t.ufrag, t.pwd, &pub_addr[k]);
        wk_inproc_key(w, 1 + k, &pub_srtp[k], (uint8_t)(10 + 4 * k));

        struct rs_cmd_track v = {.track_id = 10 + 2 * k, .tid = 1 + k, .owner = 1 + k, .room = 1,
                                 .kind = RS_MEDIA_VIDEO, .codec = RS_CODEC_VP8, .pt = 96,
                                 .rtx_pt = 97, .clock = 90000, .n_layers = 1,
                                 .ssrc = 0x2222 + 16 * k, .rtx_ssrc = 0x2223 + 16 * k,
                                 .width = 640, .height = 480};
        v.ext = (struct rs_ext_ids){.mid = 1};
        snprintf(v.mid, sizeof(v.mid), "1");
        rs_wk__track_add(w, &v);
        struct rs_cmd_track a = {.track_id = 11 + 2 * k, .tid = 1 + k, .owner = 1 + k, .room = 1,
                                 .kind = RS_MEDIA_AUDIO, .codec = RS_CODEC_OPUS, .pt = 111,
                                 .rtx_pt = -1, .clock = 48000, .n_layers = 1,
                                 .ssrc = 0x1111 + 16 * k};
        a.ext = (struct rs_ext_ids){.mid = 1};
        snprintf(a.mid, sizeof(a.mid), "0");
        rs_wk__track_add(w, &a);
    }

    for (uint32_t i = 0; i < SUBS; i++) {
        uint32_t tid = 100 + i;
        sub_addr[i] = wk_inproc_addr("127.0.0.1", (uint16_t)(6000 + i));
        struct rs_cmd_transport s = {.tid = tid, .has_fingerprint = 1, .subscriber = 1,
                                     .owner = tid};
        snprintf(s.ufrag, sizeof(s.ufrag), "%04xsubs", tid);
        snprintf(s.pwd, sizeof(s.pwd), "subscriberpassword%08x", tid);
        rs_wk__transport_add(w, &s);
        wk_inproc_check_in(w, s.ufrag, s.pwd, &sub_addr[i]);
        wk_inproc_key(w, tid, &sub_srtp[i], (uint8_t)(50 + 4 * i));
        for (uint32_t k = 0; k < pubs; k++) {
            uint32_t id = 1000 + 16 * i + 2 * k;
            struct rs_cmd_sub sv = {.sub_id = id, .tid = tid, .track_id = 10 + 2 * k,
                                    .ssrc = 0x30000 + id, .rtx_ssrc = 0x40000 + id, .pt = 96,
                                    .rtx_pt = 97, .enabled = 1, .nack = 1, .remb = 1};
            sv.ext = (struct rs_ext_ids){.mid = 1, .abs_send_time = 2};
            snprintf(sv.mid, sizeof(sv.mid), "%u", 2 * k + 1);
            rs_wk__sub_add(w, &sv);
            struct rs_cmd_sub sa = {.sub_id = id + 1, .tid = tid, .track_id = 11 + 2 * k,
                                    .ssrc = 0x50000 + id, .pt = 111, .rtx_pt = -1, .enabled = 1};
            sa.ext = (struct rs_ext_ids){.mid = 1, .audio_level = 4};
            snprintf(sa.mid, sizeof(sa.mid), "%u", 2 * k);
            rs_wk__sub_add(w, &sa);
        }
    }
}

/* The measured path: one datagram in, every resulting packet protected and queued. */
__attribute__((noinline)) void forward_one(uint8_t *buf, size_t len, unsigned k)
{
    rs_wk__on_datagram(w, buf, len, &pub_addr[k]);
    forwarded += w->n_out;
    w->n_out = 0; /* no socket in this harness: the batch is discarded, not sent */
}

__attribute__((noinline)) void run_timers(void)
{
    rs_wk__router_timers(w);
    rs_wk__transport_timers(w);
    w->n_out = 0;
}

static size_t make_packet(uint8_t *buf, unsigned n, unsigned k, uint16_t *aseq, uint16_t *vseq,
                          uint32_t *frame)
{
    /* Per 20 ms: one audio packet, then 3-4 video packets of ~1,100 bytes (1.5 Mbit/s). */
    static const uint8_t mid_a[] = "0", mid_v[] = "1";
    unsigned slot = n % 5;
    bool audio = slot == 0;
    struct rs_rtp_ext ext = {1, 1, audio ? mid_a : mid_v};
    struct rs_rtp_header_spec spec = {.pt = audio ? 111 : 96, .ssrc = (audio ? 0x1111u : 0x2222u) + 16 * k,
                                      .ext = &ext, .n_ext = 1};
    size_t plen;
    if (audio) {
        spec.seq = (*aseq)++;
        spec.ts = n / 5 * 960;
        plen = 120;
    } else {
        spec.seq = (*vseq)++;
        bool first = slot == 1, last = slot == 4;
        if (first)
            (*frame)++;
        spec.ts = *frame * 3000;
        spec.marker = last;
        plen = 1100;
    }
    size_t hl;
    rs_rtp_build_header(buf, RS_WK_PKT_MAX, &spec, &hl);
    memset(buf + hl, 0xab, plen);
    if (!audio) {
        bool first = slot == 1;
        buf[hl] = 0x80 | (first ? 0x10 : 0);
        buf[hl + 1] = 0x80;
        buf[hl + 2] = 0x80 | (uint8_t)(*frame >> 8 & 0x7f);
        buf[hl + 3] = (uint8_t)*frame;
        /* VP8 payload header: keyframe (P bit 0) every 90 frames */
        buf[hl + 4] = (first && *frame % 90 == 1) ? 0x10 : 0x11;
    } else {
        buf[hl] = 0xfc;
    }
    return hl + plen;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--single"))
        pubs = 1;
    init();
    static uint8_t buf[RS_WK_PKT_MAX + 128];
    uint16_t aseq[PUBS_MAX], vseq[PUBS_MAX];
    uint32_t frame[PUBS_MAX] = {0};
    for (unsigned k = 0; k < PUBS_MAX; k++) {
        aseq[k] = (uint16_t)(100 + 1000 * k);
        vseq[k] = (uint16_t)(200 + 3000 * k);
    }
    double measured = 0;
    /* Packet n belongs to publisher (n / 5) % pubs; each publisher's 20 ms slot is 5 packets. */
    for (unsigned n = 0; n < PACKETS; n++) {
        unsigned k = n / 5 % pubs, m = n / 5 / pubs * 5 + n % 5;
        size_t len = make_packet(buf, m, k, &aseq[k], &vseq[k], &frame[k]);
        if (rs_srtp_protect_rtp(&pub_srtp[k], buf, &len, sizeof(buf))) {
            fprintf(stderr, "protect failed at %u\n", n);
            return 1;
        }
        if (n % (1250 * pubs) == 0) { /* consent checks every 5 s of simulated time */
            for (uint32_t j = 0; j < pubs; j++) {
                char u[16], p[40];
                snprintf(u, sizeof(u), "%04xpubs", 1 + j);
                snprintf(p, sizeof(p), "publisherpassword%08x", 1 + j);
                wk_inproc_check_in(w, u, p, &pub_addr[j]);
            }
            for (uint32_t i = 0; i < SUBS; i++) {
                char u[16], p[40];
                snprintf(u, sizeof(u), "%04xsubs", 100 + i);
                snprintf(p, sizeof(p), "subscriberpassword%08x", 100 + i);
                wk_inproc_check_in(w, u, p, &sub_addr[i]);
            }
        }
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        forward_one(buf, len, k);
        if (n % (5 * pubs) == 5 * pubs - 1) {
            w->now_ms += 20;
            if (n % (25 * pubs) == 25 * pubs - 1)
                run_timers();
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        measured += (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    }
    printf("{\"packets_in\":%u,\"publishers\":%u,\"subscribers\":%d,\"forwarded\":%llu,\"ns_per_forwarded\":%.1f,"
           "\"forwarded_per_cpu_s\":%.0f}\n",
           PACKETS, pubs, SUBS, (unsigned long long)forwarded, measured * 1e9 / (double)forwarded,
           (double)forwarded / measured);
    for (int r = 0; r < RS_DROP__COUNT; r++)
        if (rs_metric_drop_get((enum rs_drop)r))
            fprintf(stderr, "drop reason %d: %llu\n", r,
                    (unsigned long long)rs_metric_drop_get((enum rs_drop)r));
    return forwarded >= (uint64_t)PACKETS * SUBS * 9 / 10 ? 0 : 1;
}
