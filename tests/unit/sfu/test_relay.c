/* SPDX-License-Identifier: EUPL-1.2 */
/* Rooms spread over two media workers, in-process (no threads, no sockets): the publisher's
 * transport is on the home worker, a subscriber's on the other; the home worker decrypts once
 * and relays the packet through the ring, the other worker forwards it to its subscriber
 * (checked by decrypting what it queued with the subscriber's keys). Keyframe requests travel
 * back to the home worker as a PLI to the publisher; a NACK is answered from the relay copy's
 * own cache; a track that ends takes its copy with it; a full ring and a packet for an unknown
 * track are counted drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "core/queue.h"
#include "sfu/relay.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

#define TRACK 10
#define PUB_SSRC 0xA1u
#define SUB_SSRC 0x2020u

static struct rs_relay_mesh *mesh;
static struct rs_wk *home, *other;
static struct rs_srtp pub_peer, sub_peer;
static struct rs_wk_addr pub_addr, sub_addr;

static struct rs_wk *worker(unsigned index)
{
    struct rs_wk *w = rs_wk__new(NULL, NULL, rs_queue_new(sizeof(struct rs_event), 64, 0));
    assert_non_null(w);
    w->now_ms = 1000000;
    w->index = index;
    w->relay = mesh;
    return w;
}

static struct rs_cmd_track video_track(void)
{
    struct rs_cmd_track v = {.track_id = TRACK, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_VIDEO, .codec = RS_CODEC_VP8, .pt = 96,
                             .rtx_pt = 97, .clock = 90000, .n_layers = 1, .ssrc = PUB_SSRC,
                             .width = 640, .height = 480};
    v.ext = (struct rs_ext_ids){.mid = 4};
    snprintf(v.mid, sizeof(v.mid), "1");
    return v;
}

static int setup(void **state)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    mesh = rs_relay_mesh_new(2);
    assert_non_null(mesh);
    home = worker(0);
    other = worker(1);
    pub_addr = wk_inproc_addr("127.0.0.1", 5000);
    sub_addr = wk_inproc_addr("127.0.0.1", 5001);

    assert_int_equal(wk_inproc_transport(home, 1, false, 1, &pub_addr, &pub_peer, 10), 0);
    struct rs_cmd_track v = video_track();
    rs_wk__track_add(home, &v);

    assert_int_equal(wk_inproc_transport(other, 2, true, 2, &sub_addr, &sub_peer, 50), 0);
    /* the copy on the other worker: no transport, fed from worker 0 */
    v.relay = 1;
    v.home = 0;
    v.tid = 0;
    rs_wk__track_add(other, &v);
    struct rs_cmd_sub sv = {.sub_id = 20, .tid = 2, .track_id = TRACK, .ssrc = SUB_SSRC,
                            .rtx_ssrc = 0x2021, .pt = 96, .rtx_pt = 97, .enabled = 1, .nack = 1};
    sv.ext = (struct rs_ext_ids){.mid = 1};
    snprintf(sv.mid, sizeof(sv.mid), "0");
    rs_wk__sub_add(other, &sv);
    rs_wk__track_relay(home, TRACK, 1, true);
    home->n_out = 0;
    other->n_out = 0;
    return 0;
}

static int teardown(void **state)
{
    struct rs_wk *ws[2] = {home, other};
    for (int i = 0; i < 2; i++) {
        struct rs_queue *events = ws[i]->events;
        rs_wk__free(ws[i]);
        rs_queue_free(events);
    }
    rs_relay_mesh_free(mesh);
    rs_srtp_free(&pub_peer);
    rs_srtp_free(&sub_peer);
    return 0;
}

/* One VP8 packet from the publisher to the home worker; payload bytes are `fill`. */
static void publish(uint16_t seq, bool key_frame, uint8_t fill)
{
    uint8_t pkt[1600];
    struct rs_rtp_ext ext[1] = {{4, 1, (const uint8_t *)"1"}};
    struct rs_rtp_header_spec spec = {.pt = 96, .seq = seq, .ts = 3000u * seq, .ssrc = PUB_SSRC,
                                      .ext = ext, .n_ext = 1};
    size_t hlen;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof(pkt), &spec, &hlen), 0);
    memset(pkt + hlen, fill, 600);
    pkt[hlen] = 0x10;                       /* VP8 descriptor: S, no extensions */
    pkt[hlen + 1] = key_frame ? 0x00 : 0x01; /* P bit clear: keyframe */
    size_t len = hlen + 600;
    assert_int_equal(rs_srtp_protect_rtp(&pub_peer, pkt, &len, sizeof(pkt)), 0);
    rs_wk__on_datagram(home, pkt, len, &pub_addr);
}

/* What worker `w` queued: RTP to the subscriber (payload fill bytes in order) and PLIs to the
 * publisher. Clears the batch. */
struct seen {
    int rtp, rtx, pli;
    uint8_t fills[64];
    uint16_t seqs[64];
};

static void collect(struct rs_wk *w, struct seen *s)
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
            assert_true(to_sub);
            assert_int_equal(rs_srtp_unprotect_rtp(peer, buf, &len), 0);
            struct rs_rtp_hdr h;
            assert_int_equal(rs_rtp_parse(buf, len, &h), 0);
            if (h.ssrc == 0x2021) {
                s->rtx++;
                continue;
            }
            assert_int_equal(h.ssrc, SUB_SSRC);
            if (s->rtp < 64) {
                s->fills[s->rtp] = buf[h.payload_off + 5];
                s->seqs[s->rtp] = h.seq;
            }
            s->rtp++;
            continue;
        }
        assert_int_equal(rs_srtp_unprotect_rtcp(peer, buf, &len), 0);
        struct rs_rtcp_iter it;
        struct rs_rtcp_pkt p;
        rs_rtcp_iter_init(&it, buf, len);
        while (rs_rtcp_iter_next(&it, &p) == 0)
            s->pli += !to_sub && p.pt == RS_RTCP_PSFB && p.count == RS_RTCP_FMT_PLI;
    }
    w->n_out = 0;
}

static void test_packets_cross_to_the_other_worker(void **state)
{
    /* the subscription asked for a keyframe: it travels home and becomes a PLI there (after the
     * PLI that starting the relay sent has aged past the minimum spacing) */
    assert_true(other->relay_woken & 1u);
    home->now_ms += 1000;
    rs_wk__relay_drain(home);
    struct seen s = {0};
    collect(home, &s);
    assert_int_equal(s.pli, 1);

    for (int i = 0; i < 5; i++)
        publish((uint16_t)(100 + i), i == 0, (uint8_t)('a' + i));
    assert_true(home->relay_woken & 2u);
    assert_true(home->relay_dirty & 2u); /* more after the first: announced at the flush */
    assert_int_equal(home->ctr.relay_out, 5);
    memset(&s, 0, sizeof(s));
    collect(home, &s);
    assert_int_equal(s.rtp, 0); /* no subscriber on the home worker */

    rs_wk__relay_drain(other);
    memset(&s, 0, sizeof(s));
    collect(other, &s);
    assert_int_equal(s.rtp, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s.fills[i], 'a' + i);
        assert_int_equal(s.seqs[i], (uint16_t)(s.seqs[0] + i));
    }
    /* the relay copy keeps layer statistics (it counts as active for layer choice) */
    assert_true(other->tracks[0].relayed);
    assert_true(other->tracks[0].layers[0].active);
}

static void test_nack_answered_from_the_copy(void **state)
{
    rs_wk__relay_drain(home);
    home->n_out = 0;
    for (int i = 0; i < 4; i++)
        publish((uint16_t)(200 + i), i == 0, 'x');
    rs_wk__relay_drain(other);
    struct seen s = {0};
    collect(other, &s);
    assert_int_equal(s.rtp, 4);
    /* the subscriber lost the third packet and NACKs it: retransmitted as RTX by the other
     * worker from its own cache, nothing asked of the home worker */
    uint8_t nack[64];
    size_t len;
    uint16_t lost = s.seqs[2];
    assert_int_equal(rs_rtcp_build_nack(nack, sizeof(nack), 0x1234, SUB_SSRC, &lost, 1, &len), 0);
    assert_int_equal(rs_srtp_protect_rtcp(&sub_peer, nack, &len, sizeof(nack)), 0);
    rs_wk__relay_drain(home); /* the ring to the home worker is empty now */
    home->n_out = 0;
    rs_wk__on_datagram(other, nack, len, &sub_addr);
    memset(&s, 0, sizeof(s));
    collect(other, &s);
    assert_int_equal(s.rtx, 1);
    assert_null(rs_relay_peek(rs_relay_ring(mesh, 1, 0)));
}

static void test_track_end_removes_the_copy(void **state)
{
    rs_wk__track_remove(home, TRACK);
    rs_wk__relay_drain(other);
    assert_false(other->tracks[0].in_use);
    assert_int_equal(other->subs[0].in_use, 0);
    /* a relayed packet for a track this worker has no copy of is a counted drop */
    uint64_t unknown0 = rs_metric_drop_get(RS_DROP_RELAY_UNKNOWN);
    struct rs_relay_msg *m = rs_relay_reserve(rs_relay_ring(mesh, 0, 1));
    assert_non_null(m);
    m->kind = RS_RELAY_RTP;
    m->track_id = 999;
    m->len = 10;
    rs_relay_commit(rs_relay_ring(mesh, 0, 1));
    rs_wk__relay_drain(other);
    assert_int_equal(rs_metric_drop_get(RS_DROP_RELAY_UNKNOWN), unknown0 + 1);
}

static void test_full_ring_drops_and_counts(void **state)
{
    rs_wk__relay_drain(home);
    home->n_out = 0;
    uint64_t full0 = rs_metric_drop_get(RS_DROP_RELAY_FULL);
    /* the other worker does not drain: the ring holds RS_RELAY_RING_SLOTS, the rest is dropped */
    int n = RS_RELAY_RING_SLOTS + 10;
    for (int i = 0; i < n; i++) {
        publish((uint16_t)(300 + i), i == 0, 'y');
        home->n_out = 0;
    }
    assert_int_equal(rs_metric_drop_get(RS_DROP_RELAY_FULL) - full0, 10);
    unsigned drained = 0;
    struct rs_relay_ring *r = rs_relay_ring(mesh, 0, 1);
    while (rs_relay_peek(r)) {
        rs_relay_release(r);
        drained++;
    }
    assert_int_equal(drained, RS_RELAY_RING_SLOTS);
}

/* The home worker copies to a worker only while the copy there has subscriptions. */
static void test_relay_follows_subscribers(void **state)
{
    rs_wk__relay_drain(home);
    assert_int_equal(home->tracks[0].relay_to, 2u);
    assert_null(other->tracks[0].layers[0].cache); /* a copy's cache waits for packets */
    publish(399, true, 'z');
    rs_wk__relay_drain(other);
    home->n_out = other->n_out = 0;
    assert_non_null(other->tracks[0].layers[0].cache); /* packets arrived: NACK cache */
    rs_wk__sub_remove(other, 20); /* the last subscription on the other worker */
    assert_null(other->tracks[0].layers[0].cache); /* freed: nobody here to NACK */
    rs_wk__relay_drain(home);
    assert_int_equal(home->tracks[0].relay_to, 0);
    uint64_t relayed0 = home->ctr.relay_out;
    publish(400, true, 'z');
    assert_int_equal(home->ctr.relay_out, relayed0); /* nothing copied */
    assert_null(rs_relay_peek(rs_relay_ring(mesh, 0, 1)));

    struct rs_cmd_sub sv = {.sub_id = 21, .tid = 2, .track_id = TRACK, .ssrc = SUB_SSRC,
                            .pt = 96, .enabled = 1};
    snprintf(sv.mid, sizeof(sv.mid), "0");
    rs_wk__sub_add(other, &sv);
    rs_wk__relay_drain(home);
    assert_int_equal(home->tracks[0].relay_to, 2u);
    home->n_out = 0;
    publish(401, true, 'z');
    assert_int_equal(home->ctr.relay_out, relayed0 + 1);
    rs_wk__relay_drain(other);
    assert_non_null(other->tracks[0].layers[0].cache); /* allocated again on the first packet */
}

/* Muting reaches the copies: a muted copy forwards nothing of what still arrives. */
static void test_muted_copy_forwards_nothing(void **state)
{
    rs_wk__track_mute(other, TRACK, true);
    publish(500, true, 'm');
    rs_wk__relay_drain(other);
    struct seen s = {0};
    collect(other, &s);
    assert_int_equal(s.rtp, 0);
    rs_wk__track_mute(other, TRACK, false);
    publish(501, true, 'm');
    rs_wk__relay_drain(other);
    collect(other, &s);
    assert_int_equal(s.rtp, 1);
}

static void test_relay_commands_checked(void **state)
{
    /* relaying to itself, to a worker that does not exist, or a copy on the home worker
     * itself: refused */
    rs_wk__track_relay(home, TRACK, 0, true);
    rs_wk__track_relay(home, TRACK, 7, true);
    assert_int_equal(home->tracks[0].relay_to, 2u);
    struct rs_cmd_track v = video_track();
    v.track_id = 11;
    v.relay = 1;
    v.home = 1; /* "home" is the worker itself */
    rs_wk__track_add(other, &v);
    v.home = 5; /* no such worker */
    rs_wk__track_add(other, &v);
    for (unsigned i = 0; i < other->track_end; i++)
        assert_false(other->tracks[i].in_use && other->tracks[i].id == 11);
    rs_wk__track_relay(home, TRACK, 1, false);
    assert_int_equal(home->tracks[0].relay_to, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_packets_cross_to_the_other_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_answered_from_the_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_track_end_removes_the_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_ring_drops_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_follows_subscribers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_muted_copy_forwards_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_commands_checked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
