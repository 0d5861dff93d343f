/* SPDX-License-Identifier: EUPL-1.2 */
/* The worker's control loops, run in-process with a controlled clock (no thread, no socket;
 * what the worker sends is read back from its send batch and decrypted with the peer's keys):
 * consent freshness (no checks for 30 s → ice_timeout), the subscriber's REMB estimate
 * choosing a lower simulcast layer and probing the higher one again, and our own RTCP
 * (receiver reports + REMB to publishers, sender reports to subscribers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "core/queue.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

static struct rs_wk *w;
static struct rs_srtp pub_peer, sub_peer;
static struct rs_wk_addr pub_addr, sub_addr;




static int setup(void **state)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    w = rs_wk__new(NULL, NULL, rs_queue_new(sizeof(struct rs_event), 64, 0));
    assert_non_null(w);
    w->now_ms = 1000000;
    pub_addr = wk_inproc_addr("127.0.0.1", 5000);
    sub_addr = wk_inproc_addr("127.0.0.1", 5001);
    assert_int_equal(wk_inproc_transport(w, 1, false, 1, &pub_addr, &pub_peer, 10), 0);
    assert_int_equal(wk_inproc_transport(w, 2, true, 2, &sub_addr, &sub_peer, 50), 0);

    struct rs_cmd_track v = {.track_id = 10, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_VIDEO, .codec = RS_CODEC_VP8, .pt = 96,
                             .rtx_pt = 97, .clock = 90000, .n_layers = 2, .width = 640,
                             .height = 480};
    v.ext = (struct rs_ext_ids){.mid = 4, .rid = 10};
    snprintf(v.mid, sizeof(v.mid), "1");
    snprintf(v.rids[0], RS_SFU_RID_SIZE, "l");
    snprintf(v.rids[1], RS_SFU_RID_SIZE, "h");
    rs_wk__track_add(w, &v);
    struct rs_cmd_sub sv = {.sub_id = 20, .tid = 2, .track_id = 10, .ssrc = 0x2020,
                            .rtx_ssrc = 0x2021, .pt = 96, .rtx_pt = 97, .enabled = 1, .nack = 1,
                            .remb = 1};
    sv.ext = (struct rs_ext_ids){.mid = 1};
    snprintf(sv.mid, sizeof(sv.mid), "0");
    rs_wk__sub_add(w, &sv);
    w->n_out = 0;
    return 0;
}

static int teardown(void **state)
{
    struct rs_queue *events = w->events;
    rs_wk__free(w);
    rs_srtp_free(&pub_peer);
    rs_srtp_free(&sub_peer);
    rs_queue_free(events);
    return 0;
}

/* Sends one VP8 packet of `layer` ("l" small, "h" big) from the publisher, `bytes` of payload. */
static void send_layer(const char *rid, uint32_t ssrc, uint16_t seq, uint32_t ts, bool key_frame,
                       size_t bytes)
{
    uint8_t pkt[1600], payload[1200];
    memset(payload, rid[0], bytes);
    payload[0] = 0x10;
    payload[1] = key_frame ? 0x00 : 0x01;
    struct rs_rtp_ext ext[2] = {{4, 1, (const uint8_t *)"1"}, {10, 1, (const uint8_t *)rid}};
    struct rs_rtp_header_spec spec = {.pt = 96, .seq = seq, .ts = ts, .ssrc = ssrc, .ext = ext,
                                      .n_ext = 2};
    size_t hlen;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof(pkt), &spec, &hlen), 0);
    memcpy(pkt + hlen, payload, bytes);
    size_t len = hlen + bytes;
    assert_int_equal(rs_srtp_protect_rtp(&pub_peer, pkt, &len, sizeof(pkt)), 0);
    rs_wk__on_datagram(w, pkt, len, &pub_addr);
}

/* Decrypts what the worker queued for `to`; counts forwarded RTP per payload marker byte and
 * RTCP packet types. Clears the batch. */
struct seen {
    int rtp_l, rtp_h, sr, rr, remb;
};

static void collect(struct seen *s)
{
    for (unsigned i = 0; i < w->n_out; i++) {
        struct rs_wk_out *o = &w->out[i];
        bool to_sub = memcmp(&o->to.ss, &sub_addr.ss, sizeof(struct sockaddr_in)) == 0;
        struct rs_srtp *peer = to_sub ? &sub_peer : &pub_peer;
        uint8_t buf[1600];
        size_t len = o->len;
        memcpy(buf, o->data, len);
        bool rtcp = len > 1 && buf[1] >= 192 && buf[1] <= 223;
        if (!rtcp) {
            if (rs_srtp_unprotect_rtp(peer, buf, &len))
                continue;
            struct rs_rtp_hdr h;
            if (rs_rtp_parse(buf, len, &h) == 0 && h.payload_len > 2) {
                if (buf[h.payload_off + 2] == 'l')
                    s->rtp_l++;
                else
                    s->rtp_h++;
            }
            continue;
        }
        if (rs_srtp_unprotect_rtcp(peer, buf, &len))
            continue;
        struct rs_rtcp_iter it;
        struct rs_rtcp_pkt p;
        rs_rtcp_iter_init(&it, buf, len);
        while (rs_rtcp_iter_next(&it, &p) == 0) {
            s->sr += p.pt == RS_RTCP_SR;
            s->rr += p.pt == RS_RTCP_RR;
            s->remb += p.pt == RS_RTCP_PSFB && p.count == RS_RTCP_FMT_AFB;
        }
    }
    w->n_out = 0;
}

/* 1 s of both layers at 30 fps: "l" ~100 kbit/s, "h" ~900 kbit/s; keyframes on request. */
static uint16_t sl = 1, sh = 1000;
static uint32_t ts = 0;
static void one_second(struct seen *s, bool keys)
{
    for (int f = 0; f < 30; f++) {
        ts += 3000;
        send_layer("l", 0xA1, sl++, ts, keys && f == 0, 420);
        for (int k = 0; k < 3; k++)
            send_layer("h", 0xA2, sh++, ts, keys && f == 0 && k == 0, 1150);
        w->now_ms += 33;
        rs_wk__router_timers(w);
        rs_wk__transport_timers(w);
        collect(s);
    }
}

static void test_remb_lowers_layer_and_rtcp_flows(void **state)
{
    struct seen s = {0};
    /* both layers flow; the subscriber gets the top layer and the worker sends reports */
    for (int i = 0; i < 3; i++) {
        one_second(&s, true);
        wk_inproc_check_in(w, "0001abcd", "publisherpasswordpublisher", &pub_addr);
        wk_inproc_check_in(w, "0002abcd", "subscriberpasswordsubscrib", &sub_addr);
    }
    assert_true(s.rtp_h > 100);
    assert_true(s.rr >= 1);   /* receiver reports to the publisher */
    assert_true(s.remb >= 1); /* with our REMB (max_bitrate) */
    assert_true(s.sr >= 1);   /* sender reports to the subscriber */
    /* the subscriber's browser reports 300 kbit/s: only the small layer fits */
    uint8_t remb[64];
    size_t rlen;
    uint32_t media = 0x2020;
    assert_int_equal(rs_rtcp_build_remb(remb, sizeof(remb), 0x77, 300000, &media, 1, &rlen), 0);
    assert_int_equal(rs_srtp_protect_rtcp(&sub_peer, remb, &rlen, sizeof(remb)), 0);
    rs_wk__on_datagram(w, remb, rlen, &sub_addr);
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < 2; i++)
        one_second(&s, true);
    memset(&s, 0, sizeof(s));
    one_second(&s, false);
    assert_true(s.rtp_l > 20);
    assert_int_equal(s.rtp_h, 0);
}

static void send_remb(uint32_t bps)
{
    uint8_t remb[64];
    size_t rlen;
    uint32_t media = 0x2020;
    assert_int_equal(rs_rtcp_build_remb(remb, sizeof(remb), 0x77, bps, &media, 1, &rlen), 0);
    assert_int_equal(rs_srtp_protect_rtcp(&sub_peer, remb, &rlen, sizeof(remb)), 0);
    rs_wk__on_datagram(w, remb, rlen, &sub_addr);
}

/* `seconds` of media with a REMB of `bps` each second; what the subscriber got. */
static struct seen with_remb(uint32_t bps, int seconds)
{
    struct seen s = {0};
    for (int i = 0; i < seconds; i++) {
        send_remb(bps);
        one_second(&s, true);
        wk_inproc_check_in(w, "0001abcd", "publisherpasswordpublisher", &pub_addr);
        wk_inproc_check_in(w, "0002abcd", "subscriberpasswordsubscrib", &sub_addr);
    }
    return s;
}

/* A browser's REMB never exceeds about 1.5 times what it receives: held on the small layer
 * by budget alone, the subscriber would never get the top one back. */
static void test_probe_up_when_remb_sits_at_its_cap(void **state)
{
    struct seen s = with_remb(2000000, 3);
    assert_true(s.rtp_h > 100);
    /* 300 kbit/s: down to "l" (~100 kbit/s), and no probe for the 4 s after the step down */
    with_remb(300000, 2);
    s = with_remb(300000, 1);
    assert_true(s.rtp_l > 20);
    assert_int_equal(s.rtp_h, 0);
    /* the estimate stays at 3x what it gets (no congestion): the top layer is tried */
    s = with_remb(300000, 3);
    assert_true(s.rtp_h > 20);
    /* the estimate falls while probing: back down, and no new probe for the back-off */
    uint64_t failed = rs_metric_get(RS_M_LAYER_PROBES_FAILED);
    uint64_t ok = rs_metric_get(RS_M_LAYER_PROBES_OK);
    with_remb(250000, 1);
    assert_int_equal(rs_metric_get(RS_M_LAYER_PROBES_FAILED), failed + 1);
    s = with_remb(250000, 3);
    assert_int_equal(s.rtp_h, 0);
    assert_true(s.rtp_l > 20);
    /* after it, a probe again; this time the estimate grows to pay for the top layer: it stays */
    s = with_remb(300000, 3);
    assert_true(s.rtp_h > 20);
    with_remb(1500000, 2);
    s = with_remb(1500000, 5);
    assert_true(s.rtp_h > 200);
    assert_int_equal(s.rtp_l, 0);
    assert_int_equal(rs_metric_get(RS_M_LAYER_PROBES_OK), ok + 1);
    assert_int_equal(rs_metric_get(RS_M_LAYER_PROBES_FAILED), failed + 1);
}

/* An estimate that is no more than what the subscriber receives means congestion: no probe. */
static void test_no_probe_under_congestion(void **state)
{
    with_remb(2000000, 3);
    with_remb(110000, 2);
    struct seen s = with_remb(110000, 15);
    assert_true(s.rtp_l > 100);
    assert_int_equal(s.rtp_h, 0);
}

static void test_consent_expiry(void **state)
{
    struct rs_event ev;
    while (rs_queue_pop(w->events, &ev) == 0)
        ;
    /* checks keep coming for 25 s: still fine */
    for (int i = 0; i < 5; i++) {
        w->now_ms += 5000;
        wk_inproc_check_in(w, "0002abcd", "subscriberpasswordsubscrib", &sub_addr);
        rs_wk__transport_timers(w);
    }
    assert_int_not_equal(rs_queue_pop(w->events, &ev), 0);
    /* then they stop: after 30 s the subscriber transport fails with ice_timeout ... */
    w->now_ms += 31000;
    wk_inproc_check_in(w, "0001abcd", "publisherpasswordpublisher", &pub_addr); /* the publisher is alive */
    rs_wk__transport_timers(w);
    assert_int_equal(rs_queue_pop(w->events, &ev), 0);
    assert_int_equal(ev.type, RS_EV_TRANSPORT_FAILED);
    assert_int_equal(ev.tid, 2);
    assert_int_equal(ev.reason, RS_FAIL_ICE_TIMEOUT);
    assert_int_not_equal(rs_queue_pop(w->events, &ev), 0); /* only that one */
    /* ... and receives no more media */
    struct seen s = {0};
    one_second(&s, true);
    assert_int_equal(s.rtp_l + s.rtp_h, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_remb_lowers_layer_and_rtcp_flows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_up_when_remb_sits_at_its_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_probe_under_congestion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_expiry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
