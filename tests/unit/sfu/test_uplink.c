/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade's media path between two nodes, in-process: worker A (the owner) and worker B
 * (an edge node), each with its own certificate, datagrams carried between them by the test.
 * - B's uplink (command.h `uplink`) sends binding requests to A's address with A's ICE
 *   credentials; A (ICE-lite) answers them as a browser's; B, the DTLS client, runs the real
 *   handshake with A, and both sides key SRTP (GCM) from it;
 * - a publisher's packets on A reach A's subscription of B's relay, B's uplink track, and B's
 *   local subscriber: forwarded once per hop, no decoding;
 * - B's local subscriber's PLI goes upstream: B sends a PLI on the uplink, A passes it to its
 *   publisher;
 * - a packet lost on the A→B hop: B NACKs it upstream, A retransmits it (RTX), B forwards it;
 * - binding responses that are not the uplink's (wrong transaction or password) are dropped;
 * - no answer to the binding requests fails the uplink after 15 s (RS_EV_TRANSPORT_FAILED). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../support/wk_inproc.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "rtc/dtls.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/worker_internal.h"

#define TRACK_A 10 /* the publisher's track on A */
#define TRACK_B 11 /* the uplink's copy on B */
#define PUB_SSRC 0xA1u
#define RELAY_SSRC 0x3030u /* what A sends B with */
#define RELAY_RTX 0x3031u
#define LOCAL_SSRC 0x4040u /* what B sends its audience with */
#define A_UFRAG "0002abcd"
#define A_PWD "ownerpasswordownerpassword"

static struct rs_dtls_ctx *ctx_a, *ctx_b;
static struct rs_wk *wa, *wb;
static struct rs_srtp pub_peer, local_peer;
static struct rs_wk_addr pub_addr, a_addr, b_addr, local_addr;

static struct rs_wk *worker(struct rs_dtls_ctx *ctx)
{
    struct rs_wk *w = rs_wk__new(ctx, NULL, rs_queue_new(sizeof(struct rs_event), 64, 0));
    assert_non_null(w);
    w->now_ms = 1000000;
    return w;
}

/* Carries what each worker queued to the other one's address (as from its own); what goes
 * elsewhere stays for the caller only when `keep` (else it is dropped). Returns datagrams
 * carried. `drop_rtp_seq` >= 0: the RTP packet from A to B with that (outgoing) sequence
 * number is lost on the way. */
static int carry(bool keep, int drop_rtp_seq)
{
    int moved = 0;
    struct rs_wk_out pend[2][RS_WK_SEND_BATCH];
    unsigned np[2] = {0, 0};
    struct rs_wk *from[2] = {wa, wb};
    for (int k = 0; k < 2; k++) {
        struct rs_wk *w = from[k];
        unsigned kept = 0;
        for (unsigned i = 0; i < w->n_out; i++) {
            struct rs_wk_out *o = &w->out[i];
            const struct rs_wk_addr *other = k == 0 ? &b_addr : &a_addr;
            if (memcmp(&o->to.ss, &other->ss, sizeof(struct sockaddr_in)) == 0) {
                pend[k][np[k]++] = *o;
            } else if (keep) {
                w->out[kept++] = *o;
            }
        }
        w->n_out = kept;
    }
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; i < np[k]; i++) {
            struct rs_wk_out *o = &pend[k][i];
            if (k == 0 && drop_rtp_seq >= 0 && o->len > 12 && o->data[1] < 192 &&
                (o->data[0] >> 6) == 2 && ((o->data[2] << 8) | o->data[3]) == drop_rtp_seq)
                continue;
            rs_wk__on_datagram(k == 0 ? wb : wa, o->data, o->len, k == 0 ? &a_addr : &b_addr);
            moved++;
        }
    return moved;
}

static void tick(unsigned ms)
{
    wa->now_ms += ms;
    wb->now_ms += ms;
    rs_wk__transport_timers(wa);
    rs_wk__transport_timers(wb);
}

static int setup(void **state)
{
    (void)state;
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    ctx_a = rs_dtls_ctx_new();
    ctx_b = rs_dtls_ctx_new();
    assert_non_null(ctx_a);
    assert_non_null(ctx_b);
    rs_dtls_ctx_set_initial_timeout(ctx_a, 50);
    rs_dtls_ctx_set_initial_timeout(ctx_b, 50);
    wa = worker(ctx_a);
    wb = worker(ctx_b);
    pub_addr = wk_inproc_addr("127.0.0.1", 5000);
    a_addr = wk_inproc_addr("127.0.0.2", 40000);
    b_addr = wk_inproc_addr("127.0.0.3", 41000);
    local_addr = wk_inproc_addr("127.0.0.1", 5001);

    /* A: the publisher (keyed directly) and its track */
    assert_int_equal(wk_inproc_transport(wa, 1, false, 1, &pub_addr, &pub_peer, 10), 0);
    struct rs_cmd_track v = {.track_id = TRACK_A,
                             .tid = 1,
                             .owner = 1,
                             .room = 1,
                             .kind = RS_MEDIA_VIDEO,
                             .codec = RS_CODEC_VP8,
                             .pt = 96,
                             .rtx_pt = 97,
                             .clock = 90000,
                             .n_layers = 1,
                             .ssrc = PUB_SSRC};
    v.ext = (struct rs_ext_ids){.mid = 4};
    snprintf(v.mid, sizeof(v.mid), "1");
    rs_wk__track_add(wa, &v);
    /* A: the relay's subscribe transport: ICE-lite, DTLS server with B's certificate */
    struct rs_cmd_transport ts = {
        .tid = 2, .has_fingerprint = 1, .subscriber = 1, .owner = 2, .cascade = 1};
    snprintf(ts.ufrag, sizeof(ts.ufrag), A_UFRAG);
    snprintf(ts.pwd, sizeof(ts.pwd), A_PWD);
    rs_dtls_ctx_fingerprint_raw(ctx_b, ts.remote_fp);
    rs_wk__transport_add(wa, &ts);
    struct rs_cmd_sub sv = {.sub_id = 20,
                            .tid = 2,
                            .track_id = TRACK_A,
                            .ssrc = RELAY_SSRC,
                            .rtx_ssrc = RELAY_RTX,
                            .pt = 96,
                            .rtx_pt = 97,
                            .enabled = 1,
                            .nack = 1};
    sv.ext = (struct rs_ext_ids){.mid = 1};
    snprintf(sv.mid, sizeof(sv.mid), "0");
    rs_wk__sub_add(wa, &sv);

    /* B: the uplink toward A */
    struct rs_cmd_transport tu = {.tid = 1,
                                  .has_fingerprint = 1,
                                  .dtls_client = 1,
                                  .owner = 7,
                                  .max_bitrate_bps = 20000000,
                                  .uplink = 1,
                                  .peer_port = 40000};
    snprintf(tu.ufrag, sizeof(tu.ufrag), "0001wxyz");
    snprintf(tu.pwd, sizeof(tu.pwd), "edgepasswordedgepassword");
    snprintf(tu.remote_ufrag, sizeof(tu.remote_ufrag), A_UFRAG);
    snprintf(tu.remote_pwd, sizeof(tu.remote_pwd), A_PWD);
    inet_pton(AF_INET, "127.0.0.2", tu.peer_ip);
    rs_dtls_ctx_fingerprint_raw(ctx_a, tu.remote_fp);
    rs_wk__transport_add(wb, &tu);
    /* B: the uplink's track (A's relay SSRCs, the ids of A's offer) and a local subscriber */
    struct rs_cmd_track u = {.track_id = TRACK_B,
                             .tid = 1,
                             .owner = 7,
                             .room = 1,
                             .kind = RS_MEDIA_VIDEO,
                             .codec = RS_CODEC_VP8,
                             .pt = 96,
                             .rtx_pt = 97,
                             .clock = 90000,
                             .n_layers = 1,
                             .ssrc = RELAY_SSRC,
                             .rtx_ssrc = RELAY_RTX};
    u.ext = (struct rs_ext_ids){.mid = 1};
    snprintf(u.mid, sizeof(u.mid), "0");
    rs_wk__track_add(wb, &u);
    assert_int_equal(wk_inproc_transport(wb, 2, true, 8, &local_addr, &local_peer, 50), 0);
    struct rs_cmd_sub sl = {.sub_id = 21,
                            .tid = 2,
                            .track_id = TRACK_B,
                            .ssrc = LOCAL_SSRC,
                            .rtx_ssrc = 0x4041,
                            .pt = 96,
                            .rtx_pt = 97,
                            .enabled = 1,
                            .nack = 1};
    sl.ext = (struct rs_ext_ids){.mid = 1};
    snprintf(sl.mid, sizeof(sl.mid), "0");
    rs_wk__sub_add(wb, &sl);
    wa->n_out = 0;
    wb->n_out = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct rs_wk *ws[2] = {wa, wb};
    for (int i = 0; i < 2; i++) {
        struct rs_queue *events = ws[i]->events;
        rs_wk__free(ws[i]);
        rs_queue_free(events);
    }
    rs_dtls_ctx_free(ctx_a);
    rs_dtls_ctx_free(ctx_b);
    rs_srtp_free(&pub_peer);
    rs_srtp_free(&local_peer);
    return 0;
}

/* Until both sides are keyed (or a bound of rounds). */
static void connect_both(void)
{
    for (int i = 0; i < 200; i++) {
        tick(10);
        carry(false, -1);
        struct rs_wk_transport *ta = rs_wk__transport(wa, 2), *tb = rs_wk__transport(wb, 1);
        if (ta->state == WK_T_CONNECTED && tb->state == WK_T_CONNECTED)
            return;
    }
    fail_msg("the uplink did not connect");
}

static void publish(uint16_t seq, bool key_frame, uint8_t fill)
{
    uint8_t pkt[1600];
    struct rs_rtp_ext ext[1] = {{4, 1, (const uint8_t *)"1"}};
    struct rs_rtp_header_spec spec = {
        .pt = 96, .seq = seq, .ts = 3000u * seq, .ssrc = PUB_SSRC, .ext = ext, .n_ext = 1};
    size_t hlen;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof(pkt), &spec, &hlen), 0);
    memset(pkt + hlen, fill, 600);
    pkt[hlen] = 0x10;
    pkt[hlen + 1] = key_frame ? 0x00 : 0x01;
    size_t len = hlen + 600;
    assert_int_equal(rs_srtp_protect_rtp(&pub_peer, pkt, &len, sizeof(pkt)), 0);
    rs_wk__on_datagram(wa, pkt, len, &pub_addr);
}

/* What B queued for its local subscriber (media, RTX) and A for its publisher (PLIs). */
struct seen {
    int local_rtp, local_rtx, pub_pli;
    uint8_t fills[64];
};

static void collect(struct seen *s)
{
    struct rs_wk *ws[2] = {wa, wb};
    for (int k = 0; k < 2; k++) {
        struct rs_wk *w = ws[k];
        for (unsigned i = 0; i < w->n_out; i++) {
            struct rs_wk_out *o = &w->out[i];
            uint8_t buf[1600];
            size_t len = o->len;
            memcpy(buf, o->data, len);
            bool rtcp = len > 1 && buf[1] >= 192 && buf[1] <= 223;
            if (k == 1 && memcmp(&o->to.ss, &local_addr.ss, sizeof(struct sockaddr_in)) == 0 &&
                !rtcp) {
                assert_int_equal(rs_srtp_unprotect_rtp(&local_peer, buf, &len), 0);
                struct rs_rtp_hdr h;
                assert_int_equal(rs_rtp_parse(buf, len, &h), 0);
                if (h.ssrc == 0x4041) {
                    s->local_rtx++;
                } else {
                    assert_int_equal(h.ssrc, LOCAL_SSRC);
                    if (s->local_rtp < 64)
                        s->fills[s->local_rtp] = buf[h.payload_off + 5];
                    s->local_rtp++;
                }
            } else if (k == 0 && memcmp(&o->to.ss, &pub_addr.ss, sizeof(struct sockaddr_in)) == 0 &&
                       rtcp) {
                assert_int_equal(rs_srtp_unprotect_rtcp(&pub_peer, buf, &len), 0);
                struct rs_rtcp_iter it;
                struct rs_rtcp_pkt p;
                rs_rtcp_iter_init(&it, buf, len);
                while (rs_rtcp_iter_next(&it, &p) == 0)
                    s->pub_pli += p.pt == RS_RTCP_PSFB && p.count == RS_RTCP_FMT_PLI;
            }
        }
        w->n_out = 0;
    }
}

static void test_uplink_connects_and_forwards(void **state)
{
    (void)state;
    uint64_t stun0 = rs_metric_get(RS_M_STUN_REQUESTS);
    connect_both();
    assert_true(rs_metric_get(RS_M_STUN_REQUESTS) > stun0); /* A answered B's checks */
    assert_true(rs_wk__transport(wb, 1)->uplink_answered);
    /* a keyframe and two more frames: A → (relay) → B → B's local subscriber */
    struct seen s = {0};
    for (uint16_t q = 100; q < 103; q++) {
        publish(q, q == 100, (uint8_t)(0x40 + q - 100));
        carry(true, -1);
        collect(&s);
    }
    assert_int_equal(s.local_rtp, 3);
    assert_int_equal(s.fills[0], 0x40);
    assert_int_equal(s.fills[2], 0x42);
}

static void test_pli_goes_upstream(void **state)
{
    (void)state;
    connect_both();
    publish(100, true, 1);
    carry(true, -1);
    struct seen s = {0};
    collect(&s);
    /* B's local subscriber asks for a keyframe */
    uint8_t buf[256];
    size_t len;
    assert_int_equal(rs_rtcp_build_pli(buf, sizeof(buf), 0x99, LOCAL_SSRC, &len), 0);
    assert_int_equal(rs_srtp_protect_rtcp(&local_peer, buf, &len, sizeof(buf)), 0);
    wa->now_ms += 2000; /* past the keyframe request limit */
    wb->now_ms += 2000;
    rs_wk__on_datagram(wb, buf, len, &local_addr);
    /* B sends it up the uplink, A passes it to the publisher */
    carry(true, -1);
    memset(&s, 0, sizeof(s));
    collect(&s);
    assert_true(s.pub_pli >= 1);
}

static void test_nack_on_the_hop(void **state)
{
    (void)state;
    connect_both();
    struct seen s = {0};
    uint64_t nacks0 = rs_metric_get(RS_M_NACKS_IN);
    publish(100, true, 0x10);
    carry(true, -1);
    collect(&s);
    /* the second packet is lost between A and B (A's outgoing seq: the first one's + 1) */
    int first_out = -1;
    publish(101, false, 0x11);
    for (unsigned i = 0; i < wa->n_out; i++)
        if (memcmp(&wa->out[i].to.ss, &b_addr.ss, sizeof(struct sockaddr_in)) == 0 &&
            wa->out[i].data[1] < 192)
            first_out = (wa->out[i].data[2] << 8) | wa->out[i].data[3];
    assert_true(first_out >= 0);
    carry(true, first_out);
    collect(&s);
    assert_int_equal(s.local_rtp, 1);
    /* the next one shows the gap: B NACKs upstream, A retransmits (RTX), B forwards it */
    publish(102, false, 0x12);
    carry(true, -1); /* A→B: packet 102 (B queues its NACK) */
    carry(true, -1); /* B→A: the NACK (A queues the retransmission) */
    assert_true(rs_metric_get(RS_M_NACKS_IN) > nacks0); /* A got B's NACK */
    carry(true, -1);                                    /* A→B: the retransmission */
    collect(&s);
    assert_int_equal(s.local_rtp, 3); /* 100, 102 and the repaired 101 */
}

static void test_foreign_binding_responses_dropped(void **state)
{
    (void)state;
    tick(250); /* B sends a check */
    /* a success response with another transaction id, from A's address */
    uint8_t txid[12] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, buf[512];
    size_t len;
    assert_int_equal(rs_stun_build_binding_success(buf, sizeof(buf), txid, &b_addr.ss,
                                                   (const uint8_t *)A_PWD, strlen(A_PWD), &len),
                     0);
    uint64_t auth0 = rs_metric_drop_get(RS_DROP_STUN_AUTH);
    rs_wk__on_datagram(wb, buf, len, &a_addr);
    assert_int_equal(rs_metric_drop_get(RS_DROP_STUN_AUTH), auth0 + 1);
    /* the right transaction id, keyed with the wrong password */
    memcpy(txid, rs_wk__transport(wb, 1)->check_txid, 12);
    assert_int_equal(rs_stun_build_binding_success(buf, sizeof(buf), txid, &b_addr.ss,
                                                   (const uint8_t *)"wrongpasswordwrongpasswd", 24,
                                                   &len),
                     0);
    rs_wk__on_datagram(wb, buf, len, &a_addr);
    assert_int_equal(rs_metric_drop_get(RS_DROP_STUN_AUTH), auth0 + 2);
    assert_false(rs_wk__transport(wb, 1)->uplink_answered);
}

static void test_unanswered_uplink_fails(void **state)
{
    (void)state;
    for (int i = 0; i < 80; i++) {
        tick(250);
        wb->n_out = 0; /* nothing reaches A */
        wa->n_out = 0;
    }
    assert_int_equal(rs_wk__transport(wb, 1)->state, WK_T_FAILED);
    struct rs_event ev;
    bool failed = false;
    while (rs_queue_pop(wb->events, &ev) == 0)
        failed |= ev.type == RS_EV_TRANSPORT_FAILED && ev.tid == 1 && ev.owner == 7;
    assert_true(failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_uplink_connects_and_forwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pli_goes_upstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_on_the_hop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_binding_responses_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_uplink_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
