/* SPDX-License-Identifier: EUPL-1.2 */
/* The record feed (sfu/record_feed.h).
 *
 * Worker side, in-process (no thread, no UDP socket): a sink transport's socketpair end is the
 * recorder; what a publisher sends arrives there as plain RTP with the subscription's SSRC and
 * payload type, a full socket drops without blocking, the recorder's PLI reaches the publisher
 * at most once a second, garbage is a counted drop, removal closes the socket.
 *
 * Control side, on a detached media plane with real rooms and a real publish: which commands
 * the worker would get and what the recorder is told, in which order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "core/random.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "sfu/command.h"
#include "sfu/media_signaling.h"
#include "sfu/record_feed.h"
#include "sfu/sfu.h"
#include "sfu/worker.h"
#include "sfu/worker_internal.h"
#include "../../support/session_harness.h"
#include "../../support/wk_inproc.h"
#include "../rtc/sdp_vectors.h"

/* ======== worker ======== */

#define SINK_TID 2
#define AUDIO_SSRC 0xA0
#define VIDEO_SSRC 0xB0
#define SUB_AUDIO_SSRC 0x5000
#define SUB_VIDEO_SSRC 0x6000

static struct rs_wk *w;
static struct rs_srtp pub_peer;
static struct rs_wk_addr pub_addr;
static int rec = -1; /* the recorder's end of the socketpair */
static uint16_t audio_seq = 100;

static int wk_setup(void **state)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    w = rs_wk__new(NULL, NULL, rs_queue_new(sizeof(struct rs_event), 64, 0));
    assert_non_null(w);
    w->now_ms = 1000000;
    w->epfd = epoll_create1(EPOLL_CLOEXEC); /* closed by rs_wk__free */
    assert_true(w->epfd >= 0);
    pub_addr = wk_inproc_addr("127.0.0.1", 5000);
    assert_int_equal(wk_inproc_transport(w, 1, false, 1, &pub_addr, &pub_peer, 10), 0);
    struct rs_cmd_track a = {.track_id = 10, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_AUDIO, .codec = RS_CODEC_OPUS, .pt = 111,
                             .rtx_pt = -1, .clock = 48000, .n_layers = 1, .ssrc = AUDIO_SSRC};
    rs_wk__track_add(w, &a);
    struct rs_cmd_track v = {.track_id = 11, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_VIDEO, .codec = RS_CODEC_VP8, .pt = 96,
                             .rtx_pt = -1, .clock = 90000, .n_layers = 1, .ssrc = VIDEO_SSRC};
    rs_wk__track_add(w, &v);

    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    rec = sv[1];
    struct rs_cmd_transport t = {.tid = SINK_TID, .subscriber = 1, .sink = 1, .sink_fd = sv[0],
                                 .owner = 2};
    rs_wk__transport_add(w, &t);
    struct rs_cmd_sub sa = {.sub_id = 20, .tid = SINK_TID, .track_id = 10,
                            .ssrc = SUB_AUDIO_SSRC, .pt = 109, .rtx_pt = -1, .enabled = 1};
    rs_wk__sub_add(w, &sa);
    struct rs_cmd_sub sv_ = {.sub_id = 21, .tid = SINK_TID, .track_id = 11,
                             .ssrc = SUB_VIDEO_SSRC, .pt = 98, .rtx_pt = -1, .enabled = 1};
    rs_wk__sub_add(w, &sv_);
    w->n_out = 0;
    return 0;
}

static int wk_teardown(void **state)
{
    struct rs_queue *events = w->events;
    rs_wk__free(w);
    rs_srtp_free(&pub_peer);
    rs_queue_free(events);
    if (rec >= 0)
        close(rec);
    rec = -1;
    return 0;
}

/* The publisher sends one RTP packet (SRTP-protected, as from the network). */
static void pub_send(uint32_t ssrc, uint8_t pt, uint16_t seq, const uint8_t *payload, size_t n)
{
    uint8_t pkt[1600];
    struct rs_rtp_header_spec spec = {.pt = pt, .seq = seq, .ts = seq * 960u, .ssrc = ssrc};
    size_t hlen;
    assert_int_equal(rs_rtp_build_header(pkt, sizeof(pkt), &spec, &hlen), 0);
    memcpy(pkt + hlen, payload, n);
    size_t len = hlen + n;
    assert_int_equal(rs_srtp_protect_rtp(&pub_peer, pkt, &len, sizeof(pkt)), 0);
    rs_wk__on_datagram(w, pkt, len, &pub_addr);
}

static void pub_audio(size_t n)
{
    uint8_t payload[1200];
    memset(payload, 0x5A, sizeof(payload));
    pub_send(AUDIO_SSRC, 111, audio_seq++, payload, n);
}

/* What the recorder reads next (non-blocking): its length, 0 at EOF, -1 when nothing. */
static ssize_t rec_read(uint8_t *buf, size_t cap)
{
    ssize_t n = recv(rec, buf, cap, MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : n;
}

/* Reads until an RTP packet (sender reports may come in between); fails when none. */
static void rec_rtp(struct rs_rtp_hdr *h, uint8_t *buf, size_t cap)
{
    for (;;) {
        ssize_t n = rec_read(buf, cap);
        assert_true(n > 0);
        if (buf[1] >= 192 && buf[1] <= 223)
            continue;
        assert_int_equal(rs_rtp_parse(buf, (size_t)n, h), 0);
        return;
    }
}

static void test_sink_gets_plain_rtp(void **state)
{
    uint64_t packets = rs_metric_get(RS_M_RECORD_FEED_PACKETS);
    pub_audio(40);
    uint8_t buf[1600];
    struct rs_rtp_hdr h;
    rec_rtp(&h, buf, sizeof(buf));
    /* the subscription's SSRC and payload type, the publisher's payload in the clear */
    assert_int_equal(h.ssrc, SUB_AUDIO_SSRC);
    assert_int_equal(h.pt, 109);
    assert_int_equal(h.payload_len, 40);
    for (size_t i = 0; i < h.payload_len; i++)
        assert_int_equal(buf[h.payload_off + i], 0x5A);
    rs_wk__flush(w);
    assert_int_equal(rs_metric_get(RS_M_RECORD_FEED_PACKETS), packets + 1);
    /* sender reports (lip sync) reach the recorder too */
    w->now_ms += 1500;
    rs_wk__router_timers(w);
    ssize_t n = rec_read(buf, sizeof(buf));
    assert_true(n > 0);
    struct rs_rtcp_iter it;
    struct rs_rtcp_pkt p;
    rs_rtcp_iter_init(&it, buf, (size_t)n);
    assert_int_equal(rs_rtcp_iter_next(&it, &p), 0);
    assert_int_equal(p.pt, RS_RTCP_SR);
}

static void test_disabled_sends_nothing(void **state)
{
    rs_wk__sub_enable(w, 20, false);
    pub_audio(40);
    uint8_t buf[1600];
    assert_int_equal(rec_read(buf, sizeof(buf)), -1);
    rs_wk__sub_enable(w, 20, true);
    pub_audio(40);
    struct rs_rtp_hdr h;
    rec_rtp(&h, buf, sizeof(buf));
    assert_int_equal(h.ssrc, SUB_AUDIO_SSRC);
}

static void test_sink_is_never_timed_out(void **state)
{
    /* no ICE checks ever come: a browser's transport would fail after 30 s (the publisher
     * keeps checking in) */
    for (int i = 0; i < 6; i++) {
        w->now_ms += 20000;
        wk_inproc_check_in(w, "0001abcd", "publisherpasswordpublisher", &pub_addr);
        rs_wk__transport_timers(w);
    }
    struct rs_event ev;
    assert_int_not_equal(rs_queue_pop(w->events, &ev), 0);
    pub_audio(40);
    uint8_t buf[1600];
    struct rs_rtp_hdr h;
    rec_rtp(&h, buf, sizeof(buf));
    assert_int_equal(h.ssrc, SUB_AUDIO_SSRC);
}

static void test_full_socket_drops_and_counts(void **state)
{
    uint64_t dropped = rs_metric_get(RS_M_RECORD_FEED_DROPPED);
    int sent = 0;
    /* the recorder reads nothing: the socket fills, and the worker goes on without waiting */
    while (w->ctr.feed_dropped == 0 && sent < 200000) {
        pub_audio(1000);
        if (++sent % 5000 == 0)
            w->now_ms += 1000; /* the publisher's rate window */
    }
    assert_true(w->ctr.feed_dropped > 0);
    pub_audio(1000);
    pub_audio(1000);
    uint64_t counted = w->ctr.feed_dropped;
    assert_true(counted >= 3);
    rs_wk__flush(w);
    assert_int_equal(rs_metric_get(RS_M_RECORD_FEED_DROPPED), dropped + counted);
    /* once the recorder reads again, packets flow again */
    uint8_t buf[1600];
    while (rec_read(buf, sizeof(buf)) > 0)
        ;
    pub_audio(40);
    struct rs_rtp_hdr h;
    rec_rtp(&h, buf, sizeof(buf));
    assert_int_equal(h.payload_len, 40);
}

/* Whether the worker queued a PLI for the publisher's video; clears the send batch. */
static bool pli_to_publisher(void)
{
    bool found = false;
    for (unsigned i = 0; i < w->n_out; i++) {
        struct rs_wk_out *o = &w->out[i];
        uint8_t buf[1600];
        size_t len = o->len;
        memcpy(buf, o->data, len);
        if (rs_srtp_unprotect_rtcp(&pub_peer, buf, &len))
            continue;
        struct rs_rtcp_iter it;
        struct rs_rtcp_pkt p;
        struct rs_rtcp_fb fb;
        rs_rtcp_iter_init(&it, buf, len);
        while (rs_rtcp_iter_next(&it, &p) == 0)
            if (p.pt == RS_RTCP_PSFB && p.count == RS_RTCP_FMT_PLI &&
                rs_rtcp_parse_pli(&p, &fb) == 0 && fb.media_ssrc == VIDEO_SSRC)
                found = true;
    }
    w->n_out = 0;
    return found;
}

/* The recorder asks for a keyframe of the video it gets. */
static void rec_pli(void)
{
    uint8_t buf[64];
    size_t len;
    assert_int_equal(rs_rtcp_build_pli(buf, sizeof(buf), 0x77, SUB_VIDEO_SSRC, &len), 0);
    assert_int_equal(send(rec, buf, len, 0), (ssize_t)len);
}

static void test_pli_once_per_second(void **state)
{
    uint64_t requests = rs_metric_get(RS_M_RECORD_FEED_KEYFRAME_REQUESTS);
    w->now_ms += 2000; /* past the subscription's own first request */
    rec_pli();
    /* the worker's epoll names the sink when the recorder writes */
    struct epoll_event ev;
    assert_int_equal(epoll_wait(w->epfd, &ev, 1, 0), 1);
    assert_true(ev.data.u64 & RS_WK_EPOLL_SINK);
    assert_int_equal((uint32_t)ev.data.u64, SINK_TID);
    rs_wk__sink_readable(w, SINK_TID);
    assert_true(pli_to_publisher());
    /* a second one within the second is not passed on */
    w->now_ms += 500;
    rec_pli();
    rs_wk__sink_readable(w, SINK_TID);
    assert_false(pli_to_publisher());
    /* after it, again */
    w->now_ms += 600;
    rec_pli();
    rs_wk__sink_readable(w, SINK_TID);
    assert_true(pli_to_publisher());
    rs_wk__flush(w);
    assert_int_equal(rs_metric_get(RS_M_RECORD_FEED_KEYFRAME_REQUESTS), requests + 2);
}

static void test_garbage_from_recorder_is_counted(void **state)
{
    uint64_t bad = rs_metric_drop_get(RS_DROP_BAD_RTCP);
    const char junk[] = "not rtcp at all";
    assert_true(send(rec, junk, sizeof(junk), 0) > 0);
    /* RTCP-looking, but its length runs past the datagram */
    uint8_t broken[8] = {0x81, RS_RTCP_PSFB, 0x00, 0x40, 0, 0, 0, 1};
    assert_true(send(rec, broken, sizeof(broken), 0) > 0);
    rs_wk__sink_readable(w, SINK_TID);
    assert_int_equal(rs_metric_drop_get(RS_DROP_BAD_RTCP), bad + 2);
    assert_false(pli_to_publisher());
    /* the sink still works */
    pub_audio(40);
    uint8_t buf[1600];
    struct rs_rtp_hdr h;
    rec_rtp(&h, buf, sizeof(buf));
}

static void test_remove_closes_socket(void **state)
{
    rs_wk__transport_remove(w, SINK_TID);
    uint8_t buf[64];
    assert_int_equal(rec_read(buf, sizeof(buf)), 0); /* EOF */
    pub_audio(40); /* no subscription left: nothing to send, nothing breaks */
}

static void test_refused_add_closes_socket(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    struct rs_cmd_transport t = {.tid = RS_SFU_MAX_TRANSPORTS, .subscriber = 1, .sink = 1,
                                 .sink_fd = sv[0]};
    rs_wk__transport_add(w, &t); /* no such tid */
    uint8_t buf[64];
    assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
    close(sv[1]);
}

static void test_recorder_gone_fails_sink(void **state)
{
    close(rec);
    rec = -1;
    rs_wk__sink_readable(w, SINK_TID);
    struct rs_event ev;
    assert_int_equal(rs_queue_pop(w->events, &ev), 0);
    assert_int_equal(ev.type, RS_EV_TRANSPORT_FAILED);
    assert_int_equal(ev.tid, SINK_TID);
    assert_int_equal(ev.reason, RS_FAIL_SINK);
    /* nothing more is sent to it, and reading it again does not fail it twice */
    w->ctr.feed_packets = 0;
    pub_audio(40);
    assert_int_equal(w->ctr.feed_packets, 0);
    rs_wk__sink_readable(w, SINK_TID);
    assert_int_not_equal(rs_queue_pop(w->events, &ev), 0);
}

/* ---- the worker thread: its epoll loop reads the sink ---- */

static struct rs_queue *t_cmds, *t_events;
static struct rs_worker *t_worker;

static void no_wake(void *arg)
{
}

static int thread_setup(void **state)
{
    rs_log_set_level(RS_LOG_ERROR);
    t_cmds = rs_queue_new(sizeof(struct rs_cmd), 64, 1);
    t_events = rs_queue_new(sizeof(struct rs_event), 64, 0);
    char err[256];
    for (int tries = 0; tries < 20; tries++) {
        uint16_t port = (uint16_t)(42000 + rs_random_u32() % 20000);
        struct rs_worker_config cfg = {.port = port, .bind_ip = "127.0.0.1", .cmds = t_cmds,
                                       .events = t_events, .wake = no_wake};
        if (rs_worker_start(&cfg, &t_worker, err, sizeof(err)) == 0)
            return 0;
    }
    return -1;
}

static int thread_teardown(void **state)
{
    rs_worker_stop(t_worker);
    rs_queue_free(t_cmds);
    rs_queue_free(t_events);
    return 0;
}

/* A sink transport on the running worker; returns the recorder's end. */
static int thread_sink(uint32_t tid)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    struct rs_cmd c = {.type = RS_CMD_TRANSPORT_ADD};
    c.u.transport = (struct rs_cmd_transport){.tid = tid, .subscriber = 1, .sink = 1,
                                              .sink_fd = sv[0]};
    assert_int_equal(rs_queue_push(t_cmds, &c), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return sv[1];
}

static void test_worker_thread_polls_and_closes_sink(void **state)
{
    int peer = thread_sink(7);
    uint64_t bad = rs_metric_drop_get(RS_DROP_BAD_RTCP);
    const char junk[] = "garbage from a recorder";
    assert_true(send(peer, junk, sizeof(junk), 0) > 0);
    int64_t deadline = rs_mono_ms() + 5000;
    while (rs_metric_drop_get(RS_DROP_BAD_RTCP) == bad && rs_mono_ms() < deadline)
        usleep(2000);
    assert_int_equal(rs_metric_drop_get(RS_DROP_BAD_RTCP), bad + 1);
    struct rs_cmd c = {.type = RS_CMD_TRANSPORT_REMOVE};
    c.u.ref.id = 7;
    assert_int_equal(rs_queue_push(t_cmds, &c), 0);
    uint8_t buf[64];
    assert_int_equal(recv(peer, buf, sizeof(buf), 0), 0); /* EOF: the worker closed its end */
    close(peer);
}

static void test_worker_thread_recorder_exit(void **state)
{
    int peer = thread_sink(8);
    close(peer); /* the recorder died: the sink fails once, the worker does not spin on it */
    struct rs_event ev;
    int64_t deadline = rs_mono_ms() + 5000;
    while (rs_queue_pop(t_events, &ev) != 0 && rs_mono_ms() < deadline)
        usleep(2000);
    assert_int_equal(ev.type, RS_EV_TRANSPORT_FAILED);
    assert_int_equal(ev.tid, 8);
    assert_int_equal(ev.reason, RS_FAIL_SINK);
    usleep(50000);
    assert_int_not_equal(rs_queue_pop(t_events, &ev), 0);
}

/* ======== control ======== */

#define OUR_FP                                                                                    \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"  \
    "67:89"
#define ROOM "feedroom"

/* What happened, in order: worker commands and calls of the feed's ops. */
enum { EV_CMD, EV_ADDED, EV_REMOVED, EV_SPEAKER };
struct logged {
    int what;
    struct rs_cmd cmd;        /* EV_CMD */
    struct rs_record_track t; /* EV_ADDED, EV_REMOVED */
    char speaker[RS_PARTICIPANT_ID_LEN + 1];
};
static struct {
    bool include[3];                /* per source */
    struct rs_record_feed *reenter; /* refreshed again from inside ops->track */
    struct logged log[64];
    unsigned n;
} fx;

static void log_cmds(void)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(th_app.media, &c) == 0) {
        assert_true(fx.n < 64);
        fx.log[fx.n].what = EV_CMD;
        fx.log[fx.n++].cmd = c;
    }
}

static bool fx_includes(void *arg, struct rs_room *room, const struct rs_participant *p,
                        enum rs_record_source source)
{
    assert_ptr_equal(arg, &fx);
    return fx.include[source];
}

static void fx_track(void *arg, const struct rs_record_track *t, bool added)
{
    log_cmds(); /* what was queued before this call */
    assert_true(fx.n < 64);
    fx.log[fx.n].what = added ? EV_ADDED : EV_REMOVED;
    fx.log[fx.n++].t = *t;
    if (fx.reenter)
        rs_record_feed_refresh(fx.reenter);
}

static void fx_speaker(void *arg, const struct rs_participant *p)
{
    fx.log[fx.n].what = EV_SPEAKER;
    snprintf(fx.log[fx.n++].speaker, sizeof(fx.log[0].speaker), "%s", p ? p->id : "");
}

static const struct rs_record_feed_ops fx_ops = {fx_includes, fx_track, fx_speaker};

static int ctl_setup(void **state)
{
    if (th_setup(RS_ANON_ON, "rs-record-feed"))
        return -1;
    th_app.media = rs_sfu_new_detached(&th_app, OUR_FP, "127.0.0.1", 40000, 1);
    memset(&fx, 0, sizeof(fx));
    return th_app.media ? 0 : -1;
}

static int ctl_teardown(void **state)
{
    while (th_app.sessions)
        rs_session_free(th_app.sessions);
    th_teardown();
    rs_sfu_free_detached(th_app.media);
    th_app.media = NULL;
    return 0;
}

/* Publishes microphone and camera (Chromium's simulcast offer) from `s`. */
static void publish(struct rs_session *s)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media",
                            "action", "publish", "sdp", vec_chrome_publish_simulcast_offer,
                            "tracks", "mid", "0", "source", "microphone", "mid", "1", "source",
                            "camera");
    char *text = json_dumps(msg, JSON_COMPACT);
    rs_session_on_message(s, text, strlen(text));
    free(text);
    json_decref(msg);
    json_decref(th_expect(s, "media", "publish_answer"));
}

static void drain_cmds(void)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(th_app.media, &c) == 0)
        ;
}

/* The index of the first logged command from `from` on of `type` for subscription or
 * transport `id` (SUB_ENABLE: with flag `flag`); -1 if none. */
static int find(unsigned from, int what, int type, uint32_t id, int flag)
{
    for (unsigned i = from; i < fx.n; i++) {
        const struct logged *l = &fx.log[i];
        if (l->what != what || (int)l->cmd.type != type)
            continue;
        if (type == RS_CMD_SUB_ENABLE && (l->cmd.u.ref.id != id || l->cmd.u.ref.flag != flag))
            continue;
        if (type == RS_CMD_SUB_ADD && l->cmd.u.sub.sub_id != id)
            continue;
        if ((type == RS_CMD_SUB_REMOVE || type == RS_CMD_TRANSPORT_REMOVE ||
             type == RS_CMD_SUB_VIDEO_SIZE) &&
            l->cmd.u.ref.id != id)
            continue;
        return (int)i;
    }
    return -1;
}

/* The SUB_ADDs of the feed's transport, in the order logged. */
static unsigned sub_adds(uint32_t tid, struct rs_cmd_sub *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < fx.n && n < max; i++)
        if (fx.log[i].what == EV_CMD && fx.log[i].cmd.type == RS_CMD_SUB_ADD &&
            fx.log[i].cmd.u.sub.tid == tid)
            out[n++] = fx.log[i].cmd.u.sub;
    return n;
}

static int find_track_event(unsigned from, int what, uint32_t ssrc)
{
    for (unsigned i = from; i < fx.n; i++)
        if (fx.log[i].what == what && fx.log[i].t.ssrc == ssrc)
            return (int)i;
    return -1;
}

struct feed_fixture {
    struct rs_session *anna, *bernd;
    const char *anna_id;
    struct rs_record_feed *feed;
    int peer; /* the recorder's end */
    int data_fd;
    uint32_t tid;
    struct rs_cmd_sub subs[2]; /* [0] audio, [1] video */
    uint32_t audio_track, video_track, anna_owner;
};

static void open_feed(struct feed_fixture *ff)
{
    ff->anna = th_conn(NULL, NULL);
    ff->anna_id = th_join(ff->anna, ROOM, "Anna Amt");
    ff->bernd = th_conn(NULL, NULL);
    th_join(ff->bernd, ROOM, "Bernd");
    publish(ff->anna);
    struct rs_cmd c;
    while (rs_sfu_take_cmd(th_app.media, &c) == 0) {
        if (c.type != RS_CMD_TRACK_ADD)
            continue;
        ff->anna_owner = c.u.track.owner;
        if (c.u.track.kind == RS_MEDIA_AUDIO)
            ff->audio_track = c.u.track.track_id;
        else
            ff->video_track = c.u.track.track_id;
    }
    assert_true(ff->audio_track && ff->video_track);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ff->data_fd = sv[0];
    ff->peer = sv[1];
    char err[128] = "";
    struct rs_room *room = rs_rooms_find(th_app.rooms, ROOM);
    assert_non_null(room);
    fx.n = 0;
    ff->feed = rs_record_feed_open(th_app.media, room, sv[0], &fx_ops, &fx, err, sizeof(err));
    assert_non_null(ff->feed);
    log_cmds();
    /* first the sink transport, with the socket, on the room's worker */
    assert_true(fx.n >= 1);
    assert_int_equal(fx.log[0].what, EV_CMD);
    assert_int_equal(fx.log[0].cmd.type, RS_CMD_TRANSPORT_ADD);
    const struct rs_cmd_transport *t = &fx.log[0].cmd.u.transport;
    assert_int_equal(t->sink, 1);
    assert_int_equal(t->subscriber, 1);
    assert_int_equal(t->sink_fd, sv[0]);
    ff->tid = t->tid;
    /* then a subscription per published track */
    struct rs_cmd_sub subs[4];
    assert_int_equal(sub_adds(ff->tid, subs, 4), 2);
    for (int i = 0; i < 2; i++) {
        int k = subs[i].track_id == ff->audio_track ? 0 : 1;
        ff->subs[k] = subs[i];
    }
    assert_int_equal(ff->subs[0].track_id, ff->audio_track);
    assert_int_equal(ff->subs[1].track_id, ff->video_track);
    assert_int_not_equal(ff->subs[0].ssrc, ff->subs[1].ssrc);
}

static void close_feed(struct feed_fixture *ff)
{
    if (ff->feed) {
        fx.n = 0;
        rs_record_feed_close(ff->feed);
        log_cmds();
        assert_true(find(0, EV_CMD, RS_CMD_TRANSPORT_REMOVE, ff->tid, 0) >= 0);
    }
    close(ff->data_fd); /* a detached media plane has no worker to own it */
    close(ff->peer);
}

static void test_feed_follows_includes(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    /* nothing included: the subscriptions are there, disabled, and nothing is announced */
    assert_int_equal(ff.subs[0].enabled, 0);
    assert_int_equal(ff.subs[1].enabled, 0);
    for (unsigned i = 0; i < fx.n; i++)
        assert_int_equal(fx.log[i].what, EV_CMD);
    assert_int_equal(find(0, EV_CMD, RS_CMD_SUB_ENABLE, ff.subs[0].sub_id, 1), -1);
    /* the publisher's payload type and codec; a small layer asked for the video */
    assert_int_equal(ff.subs[0].pt, 111);
    assert_int_equal(ff.subs[0].rtx_ssrc, 0);
    int size = find(0, EV_CMD, RS_CMD_SUB_VIDEO_SIZE, ff.subs[1].sub_id, 0);
    assert_true(size >= 0);
    assert_int_equal(fx.log[size].cmd.u.ref.width, 640);
    assert_int_equal(fx.log[size].cmd.u.ref.height, 360);

    /* included: announced first, then enabled */
    fx.include[RS_RECORD_MIC] = fx.include[RS_RECORD_CAMERA] = true;
    fx.n = 0;
    rs_record_feed_refresh(ff.feed);
    log_cmds();
    for (int k = 0; k < 2; k++) {
        int added = find_track_event(0, EV_ADDED, ff.subs[k].ssrc);
        int enable = find(0, EV_CMD, RS_CMD_SUB_ENABLE, ff.subs[k].sub_id, 1);
        assert_true(added >= 0 && enable > added);
    }
    const struct rs_record_track *a = &fx.log[find_track_event(0, EV_ADDED, ff.subs[0].ssrc)].t;
    assert_int_equal(a->kind, RS_MEDIA_AUDIO);
    assert_int_equal(a->codec, RS_CODEC_OPUS);
    assert_int_equal(a->pt, 111);
    assert_int_equal(a->clock, 48000);
    assert_int_equal(a->source, RS_RECORD_MIC);
    assert_string_equal(a->participant, ff.anna_id);
    assert_string_equal(a->name, "Anna Amt");
    const struct rs_record_track *v = &fx.log[find_track_event(0, EV_ADDED, ff.subs[1].ssrc)].t;
    assert_int_equal(v->kind, RS_MEDIA_VIDEO);
    assert_int_equal(v->codec, RS_CODEC_VP8);
    assert_int_equal(v->pt, ff.subs[1].pt);
    assert_int_equal(v->clock, 90000);
    assert_int_equal(v->source, RS_RECORD_CAMERA);

    /* a refresh without a change changes nothing */
    fx.n = 0;
    rs_record_feed_refresh(ff.feed);
    log_cmds();
    assert_int_equal(fx.n, 0);

    /* the camera no longer included: disabled, and announced removed in the same refresh */
    fx.include[RS_RECORD_CAMERA] = false;
    fx.n = 0;
    rs_record_feed_refresh(ff.feed);
    log_cmds();
    int disable = find(0, EV_CMD, RS_CMD_SUB_ENABLE, ff.subs[1].sub_id, 0);
    int removed = find_track_event(0, EV_REMOVED, ff.subs[1].ssrc);
    assert_true(disable >= 0 && removed > disable);
    assert_int_equal(find_track_event(0, EV_REMOVED, ff.subs[0].ssrc), -1);
    close_feed(&ff);
}

static void test_refresh_from_inside_an_op(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    /* the feature reacts to an announcement with a refresh: it runs after this one, and every
     * track is announced once */
    fx.include[RS_RECORD_MIC] = fx.include[RS_RECORD_CAMERA] = true;
    fx.reenter = ff.feed;
    fx.n = 0;
    rs_record_feed_refresh(ff.feed);
    log_cmds();
    unsigned added = 0;
    for (unsigned i = 0; i < fx.n; i++)
        added += fx.log[i].what == EV_ADDED;
    assert_int_equal(added, 2);
    fx.reenter = NULL;
    close_feed(&ff);
}

static void test_routing_change_refreshes_feed(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    /* the feature's answer changes; any routing change of the room asks again */
    fx.include[RS_RECORD_MIC] = true;
    fx.n = 0;
    th_send(ff.anna, "{\"ns\":\"media\",\"action\":\"track_state\",\"source\":\"microphone\","
                     "\"muted\":true}");
    log_cmds();
    assert_true(find_track_event(0, EV_ADDED, ff.subs[0].ssrc) >= 0);
    /* the active speaker: told only while included */
    fx.n = 0;
    struct rs_event ev = {.type = RS_EV_ACTIVE_SPEAKER, .owner = ff.anna_owner, .room = 1};
    rs_sfu_inject_event(th_app.media, &ev);
    bool told = false;
    for (unsigned i = 0; i < fx.n; i++)
        told |= fx.log[i].what == EV_SPEAKER && strcmp(fx.log[i].speaker, ff.anna_id) == 0;
    assert_true(told);
    /* consent withdrawn (say): removed, and the speaker cleared */
    fx.include[RS_RECORD_MIC] = false;
    fx.n = 0;
    rs_record_feed_refresh(ff.feed);
    log_cmds();
    assert_true(find_track_event(0, EV_REMOVED, ff.subs[0].ssrc) >= 0);
    told = false;
    for (unsigned i = 0; i < fx.n; i++)
        told |= fx.log[i].what == EV_SPEAKER && fx.log[i].speaker[0] == 0;
    assert_true(told);
    close_feed(&ff);
}

static void test_publisher_leaving_removes_tracks(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    fx.include[RS_RECORD_MIC] = fx.include[RS_RECORD_CAMERA] = true;
    rs_record_feed_refresh(ff.feed);
    drain_cmds();
    fx.n = 0;
    rs_session_free(ff.anna);
    log_cmds();
    for (int k = 0; k < 2; k++) {
        assert_true(find_track_event(0, EV_REMOVED, ff.subs[k].ssrc) >= 0);
        assert_true(find(0, EV_CMD, RS_CMD_SUB_REMOVE, ff.subs[k].sub_id, 0) >= 0);
    }
    /* a new publication of the same person is a new track: added again */
    ff.anna = th_conn(NULL, NULL);
    th_join(ff.anna, ROOM, "Anna Amt");
    fx.n = 0;
    publish(ff.anna);
    log_cmds();
    struct rs_cmd_sub subs[4];
    assert_int_equal(sub_adds(ff.tid, subs, 4), 2);
    assert_true(find_track_event(0, EV_ADDED, subs[0].ssrc) >= 0);
    close_feed(&ff);
}

static void test_room_end_closes_feed(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    fx.n = 0;
    rs_session_free(ff.anna);
    rs_session_free(ff.bernd); /* the room is empty and goes, its feed with it */
    log_cmds();
    assert_true(find(0, EV_CMD, RS_CMD_TRANSPORT_REMOVE, ff.tid, 0) >= 0);
    ff.feed = NULL; /* freed with the room */
    close_feed(&ff);
}

static void test_many_videos_ask_smaller_layer(void **state)
{
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    fx.include[RS_RECORD_CAMERA] = true;
    rs_record_feed_refresh(ff.feed);
    drain_cmds();
    /* four more cameras: five included videos, every one asked at 320x180 */
    struct rs_session *more[4];
    for (int i = 0; i < 4; i++) {
        more[i] = th_conn(NULL, NULL);
        th_join(more[i], ROOM, "Weitere");
    }
    fx.n = 0;
    for (int i = 0; i < 4; i++)
        publish(more[i]);
    log_cmds();
    int size = find(0, EV_CMD, RS_CMD_SUB_VIDEO_SIZE, ff.subs[1].sub_id, 0);
    assert_true(size >= 0);
    assert_int_equal(fx.log[size].cmd.u.ref.width, 320);
    assert_int_equal(fx.log[size].cmd.u.ref.height, 180);
    struct rs_cmd_sub subs[8];
    unsigned n = sub_adds(ff.tid, subs, 8), videos = 0;
    for (unsigned i = 0; i < n; i++) {
        int last = -1;
        for (int k = 0; (k = find((unsigned)last + 1, EV_CMD, RS_CMD_SUB_VIDEO_SIZE,
                                  subs[i].sub_id, 0)) >= 0;)
            last = k;
        if (last < 0)
            continue; /* audio */
        videos++;
        assert_int_equal(fx.log[last].cmd.u.ref.width, 320);
    }
    assert_int_equal(videos, 4);
    /* back to four: 640x360 again */
    fx.n = 0;
    rs_session_free(more[0]);
    log_cmds();
    size = find(0, EV_CMD, RS_CMD_SUB_VIDEO_SIZE, ff.subs[1].sub_id, 0);
    assert_true(size >= 0);
    assert_int_equal(fx.log[size].cmd.u.ref.width, 640);
    close_feed(&ff);
}

static void test_sink_on_rooms_home_worker(void **state)
{
    rs_sfu_free_detached(th_app.media);
    th_app.media = rs_sfu_new_detached(&th_app, OUR_FP, "127.0.0.1", 40000, 2);
    assert_non_null(th_app.media);
    /* another room takes worker 0 first: ours goes to worker 1 */
    struct rs_session *other = th_conn(NULL, NULL);
    th_join(other, "otherroom", "Otto");
    publish(other);
    struct feed_fixture ff;
    memset(&ff, 0, sizeof(ff));
    open_feed(&ff);
    close_feed(&ff);
    drain_cmds();
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    char err[128];
    struct rs_record_feed *f = rs_record_feed_open(
        th_app.media, rs_rooms_find(th_app.rooms, ROOM), sv[0], &fx_ops, &fx, err, sizeof(err));
    assert_non_null(f);
    /* the sink and its subscriptions where the room's publishers are: no relay copy */
    struct rs_cmd c;
    unsigned wk, subs = 0;
    while (rs_sfu_take_cmd_from(th_app.media, &c, &wk) == 0) {
        assert_int_equal(wk, 1);
        assert_int_not_equal(c.type, RS_CMD_TRACK_RELAY);
        assert_int_not_equal(c.type, RS_CMD_TRACK_ADD);
        subs += c.type == RS_CMD_SUB_ADD;
    }
    assert_int_equal(subs, 2);
    rs_record_feed_close(f);
    close(sv[0]);
    close(sv[1]);
}

static void test_open_without_media_plane(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    struct rs_session *s = th_conn(NULL, NULL);
    th_join(s, ROOM, "Anna");
    char err[128] = "";
    struct rs_room *room = rs_rooms_find(th_app.rooms, ROOM);
    assert_null(rs_record_feed_open(NULL, room, sv[0], &fx_ops, &fx, err, sizeof(err)));
    assert_string_equal(err, "the media plane is not running");
    uint8_t buf[8]; /* the fd was closed for the caller */
    assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sink_gets_plain_rtp, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_disabled_sends_nothing, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_sink_is_never_timed_out, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_full_socket_drops_and_counts, wk_setup,
                                        wk_teardown),
        cmocka_unit_test_setup_teardown(test_pli_once_per_second, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_from_recorder_is_counted, wk_setup,
                                        wk_teardown),
        cmocka_unit_test_setup_teardown(test_remove_closes_socket, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_refused_add_closes_socket, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_recorder_gone_fails_sink, wk_setup, wk_teardown),
        cmocka_unit_test_setup_teardown(test_worker_thread_polls_and_closes_sink, thread_setup,
                                        thread_teardown),
        cmocka_unit_test_setup_teardown(test_worker_thread_recorder_exit, thread_setup,
                                        thread_teardown),
        cmocka_unit_test_setup_teardown(test_feed_follows_includes, ctl_setup, ctl_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_from_inside_an_op, ctl_setup,
                                        ctl_teardown),
        cmocka_unit_test_setup_teardown(test_many_videos_ask_smaller_layer, ctl_setup,
                                        ctl_teardown),
        cmocka_unit_test_setup_teardown(test_sink_on_rooms_home_worker, ctl_setup, ctl_teardown),
        cmocka_unit_test_setup_teardown(test_routing_change_refreshes_feed, ctl_setup,
                                        ctl_teardown),
        cmocka_unit_test_setup_teardown(test_publisher_leaving_removes_tracks, ctl_setup,
                                        ctl_teardown),
        cmocka_unit_test_setup_teardown(test_room_end_closes_feed, ctl_setup, ctl_teardown),
        cmocka_unit_test_setup_teardown(test_open_without_media_plane, ctl_setup, ctl_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
