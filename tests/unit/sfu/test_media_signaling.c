/* SPDX-License-Identifier: EUPL-1.2 */
/* The media signaling namespace over fake sessions and a detached media plane: what each
 * client receives and which commands the worker would get. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "core/turn_cred.h"
#include "room/room.h"
#include "rtc/sdp.h"
#include "room/audio_routes.h"
#include "sfu/command.h"
#include "sfu/media_signaling.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

#include "../rtc/sdp_vectors.h"

#define OUR_FP                                                                                    \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"  \
    "67:89"
#define BROWSER_FP                                                                                \
    "56:48:71:37:C0:35:0B:F1:7F:CE:C6:C3:79:67:3F:95:42:74:C8:D5:4A:B2:D1:2B:41:89:6C:16:62:25:"  \
    "53:2C"

/* Chromium, audio + VP8 with three simulcast layers (h;m;l) + a data channel. */
static const char *const chrome_offer = vec_chrome_publish_simulcast_offer;

static struct rs_app app;

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 1000;
    snprintf(app.cfg.ice_servers[0].url, sizeof(app.cfg.ice_servers[0].url), "%s",
             "turn:turn.example.org:3478");
    snprintf(app.cfg.ice_servers[0].username, sizeof(app.cfg.ice_servers[0].username), "u");
    snprintf(app.cfg.ice_servers[0].credential, sizeof(app.cfg.ice_servers[0].credential), "c");
    app.cfg.n_ice_servers = 1;
    app.rooms = rs_rooms_new(&app);
    app.media = rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, 1);
    return app.rooms && app.media ? 0 : -1;
}

/* Two media workers (ports 40000 and 40001), no threads. */
static int setup_two_workers(void **state)
{
    if (setup(state))
        return -1;
    rs_sfu_free_detached(app.media);
    app.media = rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, 2);
    return app.media ? 0 : -1;
}

static int setup_no_media(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.rooms = rs_rooms_new(&app);
    /* the media feature served while its plane is not running (app.media == NULL) */
    return app.rooms && rs_features_add(rs_rooms_features(app.rooms), &rs_media_feature) == 0
               ? 0
               : -1;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    if (app.media)
        rs_sfu_free_detached(app.media);
    app.media = NULL;
    return 0;
}

/* ---- frames ---- */

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

/* Skips frames until one with `event` in `ns`; fails if none. Returns a new reference. */
static json_t *expect(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = next(s))) {
        if (strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
            strcmp(json_string_value(json_object_get(j, "event")), event) == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no %s/%s event", ns, event);
    return NULL;
}

static void expect_error(struct rs_session *s, const char *code)
{
    json_t *e = expect(s, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    json_decref(e);
}

/* Asserts that no frame with `event` in `ns` is queued (consumes the queue). */
static void expect_none(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = next(s))) {
        int hit = strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
                  strcmp(json_string_value(json_object_get(j, "event")), event) == 0;
        json_decref(j);
        if (hit)
            fail_msg("unexpected %s/%s event", ns, event);
    }
}

static void drain(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s)))
        json_decref(j);
}

/* Sends `msg` (stolen) as one text frame. */
static void send_msg(struct rs_session *s, json_t *msg)
{
    assert_non_null(msg);
    char *t = json_dumps(msg, JSON_COMPACT);
    assert_true(strlen(t) < RS_MSG_MAX_BYTES);
    rs_session_on_message(s, t, strlen(t));
    free(t);
    json_decref(msg);
}

static struct rs_session *join(const char *room, const char *name, char id[16])
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room", room,
                          "display_name", name));
    json_t *j = expect(s, "control", "joined");
    snprintf(id, 16, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    return s;
}

static void publish(struct rs_session *s, const char *sdp)
{
    send_msg(s, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s, s:i, s:i}]}", "ns", "media",
                          "action", "publish", "sdp", sdp, "tracks", "mid", "0", "source",
                          "microphone", "mid", "1", "source", "camera", "width", 1280, "height",
                          720));
}

/* The chrome offer with another ICE ufrag (an ICE restart), newly allocated. */
static char *offer_with_ufrag(const char *ufrag)
{
    char *o = strdup(chrome_offer);
    for (char *p = o; (p = strstr(p, "a=ice-ufrag:Lk7q")); p += 16)
        memcpy(p + 12, ufrag, 4);
    return o;
}

/* ---- commands ---- */

static struct rs_cmd next_cmd(void)
{
    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(rs_sfu_take_cmd(app.media, &c), 0);
    return c;
}

static void no_more_cmds(void)
{
    struct rs_cmd c;
    assert_int_equal(rs_sfu_take_cmd(app.media, &c), -EAGAIN);
}

static int take_cmds(struct rs_cmd *out, int max)
{
    int n = 0;
    while (n < max && rs_sfu_take_cmd(app.media, &out[n]) == 0)
        n++;
    return n;
}

static void drain_cmds(void)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(app.media, &c) == 0)
        ;
}

/* ---- SDP ---- */

static struct rs_sdp *parse(const char *text)
{
    struct rs_sdp *sdp = malloc(sizeof(*sdp));
    assert_non_null(sdp);
    assert_int_equal(rs_sdp_parse(text, strlen(text), sdp), 0);
    return sdp;
}

/* What Chromium answers to our subscribe offer: recvonly (inactive where we are inactive),
 * same mids, payload types and extensions, its own ICE credentials and fingerprint, setup
 * active; rejected m-sections stay rejected. Returns a malloc'd string. */
static char *browser_answer_rejecting(const char *offer_text, const char *reject_mid)
{
    struct rs_sdp *o = parse(offer_text);
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    assert_non_null(b);
#define PUT(...) n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__)
    PUT("v=0\r\no=- 8734571924382791826 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    if (o->n_bundle) {
        PUT("a=group:BUNDLE");
        for (unsigned i = 0; i < o->n_bundle; i++)
            if (!reject_mid || strcmp(o->bundle[i], reject_mid) != 0)
                PUT(" %s", o->bundle[i]);
        PUT("\r\n");
    }
    PUT("a=msid-semantic: WMS\r\n");
    for (unsigned i = 0; i < o->n_media; i++) {
        const struct rs_sdp_media *m = &o->media[i];
        PUT("m=%s %u UDP/TLS/RTP/SAVPF", m->media, m->port ? 9u : 0u);
        for (unsigned k = 0; k < m->n_formats; k++)
            PUT(" %u", m->formats[k].pt);
        PUT("\r\nc=IN IP4 0.0.0.0\r\n");
        if (m->port == 0 || (reject_mid && strcmp(m->mid, reject_mid) == 0)) {
            PUT("a=mid:%s\r\na=inactive\r\n", m->mid);
            continue;
        }
        PUT("a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Qz4n\r\na=ice-pwd:mG8pS2vK7xL0qR4tW9yB3nC6\r\n"
            "a=ice-options:trickle\r\na=fingerprint:sha-256 " BROWSER_FP "\r\n"
            "a=setup:active\r\na=mid:%s\r\n",
            m->mid);
        for (unsigned k = 0; k < m->n_extmaps; k++)
            PUT("a=extmap:%u %s\r\n", m->extmaps[k].id, m->extmaps[k].uri);
        PUT("a=%s\r\na=rtcp-mux\r\na=rtcp-rsize\r\n",
            m->dir == RS_SDP_DIR_SENDONLY ? "recvonly" : "inactive");
        for (unsigned k = 0; k < m->n_formats; k++) {
            const struct rs_sdp_format *f = &m->formats[k];
            if (f->channels)
                PUT("a=rtpmap:%u %s/%u/%u\r\n", f->pt, f->name, f->clock, f->channels);
            else
                PUT("a=rtpmap:%u %s/%u\r\n", f->pt, f->name, f->clock);
            if (f->fb & RS_SDP_FB_REMB)
                PUT("a=rtcp-fb:%u goog-remb\r\n", f->pt);
            if (f->fb & RS_SDP_FB_FIR)
                PUT("a=rtcp-fb:%u ccm fir\r\n", f->pt);
            if (f->fb & RS_SDP_FB_NACK)
                PUT("a=rtcp-fb:%u nack\r\n", f->pt);
            if (f->fb & RS_SDP_FB_PLI)
                PUT("a=rtcp-fb:%u nack pli\r\n", f->pt);
            if (f->fmtp[0])
                PUT("a=fmtp:%u %s\r\n", f->pt, f->fmtp);
        }
    }
#undef PUT
    assert_true(n < cap);
    free(o);
    return b;
}

static char *browser_answer(const char *offer_text)
{
    return browser_answer_rejecting(offer_text, NULL);
}

static void answer(struct rs_session *s, json_t *offer)
{
    char *a = browser_answer(json_string_value(json_object_get(offer, "sdp")));
    send_msg(s, json_pack("{s:s, s:s, s:I, s:s}", "ns", "media", "action", "subscribe_answer",
                          "revision", json_integer_value(json_object_get(offer, "revision")),
                          "sdp", a));
    free(a);
}

/* The SSRC (k = 0) or RTX SSRC (k = 1) our offer gives m-section `mid`. */
static uint32_t offered_ssrc(const struct rs_sdp *o, const char *mid, int k)
{
    for (unsigned i = 0; i < o->n_media; i++) {
        const struct rs_sdp_media *m = &o->media[i];
        if (strcmp(m->mid, mid) != 0)
            continue;
        if (k == 0)
            return m->ssrcs[0].ssrc;
        return m->n_ssrc_groups ? m->ssrc_groups[0].ssrcs[1] : 0;
    }
    fail_msg("no m-section %s", mid);
    return 0;
}

static const char *track_field(json_t *offer, size_t i, const char *name)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(offer, "tracks"), i),
                                             name));
}

/* Publishes the chrome offer from `s` and checks the commands: returns the publish transport
 * and the audio/video track ids. */
struct published {
    uint32_t tid, owner, audio, video;
};

static struct published publish_checked(struct rs_session *s)
{
    struct published out;
    publish(s, chrome_offer);
    json_t *ans = expect(s, "media", "publish_answer");
    struct rs_sdp *sdp = parse(json_string_value(json_object_get(ans, "sdp")));
    struct rs_cmd c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    out.tid = c.u.transport.tid;
    out.owner = c.u.transport.owner;
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "%04x", (unsigned)out.tid);
    assert_int_equal(strlen(c.u.transport.ufrag), 8);
    assert_memory_equal(c.u.transport.ufrag, prefix, 4);
    assert_int_equal(strlen(c.u.transport.pwd), 24);
    assert_string_equal(sdp->media[0].ice.ufrag, c.u.transport.ufrag);
    assert_string_equal(sdp->media[0].ice.pwd, c.u.transport.pwd);
    assert_int_equal(c.u.transport.subscriber, 0);
    assert_int_equal(c.u.transport.dtls_client, 0);
    assert_int_equal(c.u.transport.has_fingerprint, 1);
    assert_int_equal(c.u.transport.remote_fp[0], 0x11);
    assert_int_equal(c.u.transport.remote_fp[31], 0x7F);
    assert_true(c.u.transport.max_bitrate_bps > 0);

    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRACK_ADD);
    out.audio = c.u.track.track_id;
    assert_int_equal(c.u.track.kind, RS_MEDIA_AUDIO);
    assert_int_equal(c.u.track.codec, RS_CODEC_OPUS);
    assert_int_equal(c.u.track.pt, 111);
    assert_int_equal(c.u.track.rtx_pt, -1);
    assert_int_equal(c.u.track.clock, 48000);
    assert_string_equal(c.u.track.mid, "0");
    assert_int_equal(c.u.track.n_layers, 1);
    assert_int_equal(c.u.track.ssrc, 1947336237u);
    assert_int_equal(c.u.track.ext.audio_level, 1);
    assert_int_equal(c.u.track.ext.mid, 4);
    assert_int_equal(c.u.track.ext.twcc, 0);
    assert_int_equal(c.u.track.tid, out.tid);
    assert_int_equal(c.u.track.owner, out.owner);
    assert_int_equal(c.u.track.screen, 0);

    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRACK_ADD);
    out.video = c.u.track.track_id;
    assert_int_equal(c.u.track.kind, RS_MEDIA_VIDEO);
    assert_int_equal(c.u.track.codec, RS_CODEC_VP8);
    assert_int_equal(c.u.track.pt, 96);
    assert_int_equal(c.u.track.rtx_pt, 97);
    assert_int_equal(c.u.track.clock, 90000);
    assert_string_equal(c.u.track.mid, "1");
    assert_int_equal(c.u.track.n_layers, 3);
    assert_string_equal(c.u.track.rids[0], "l");
    assert_string_equal(c.u.track.rids[1], "m");
    assert_string_equal(c.u.track.rids[2], "h");
    assert_int_equal(c.u.track.ssrc, 0);
    assert_int_equal(c.u.track.width, 1280);
    assert_int_equal(c.u.track.height, 720);
    assert_int_equal(c.u.track.ext.rid, 10);
    assert_int_equal(c.u.track.ext.repaired_rid, 11);
    assert_int_equal(c.u.track.ext.abs_send_time, 2);
    assert_int_equal(c.u.track.ext.twcc, 0);
    assert_int_not_equal(c.u.track.room, 0);

    /* The answer: audio and video accepted (no transport-cc), the data channel rejected. */
    assert_int_equal(sdp->n_media, 3);
    assert_int_equal(sdp->media[0].port, 40000);
    assert_int_equal(sdp->media[0].dir, RS_SDP_DIR_RECVONLY);
    assert_int_equal(sdp->media[1].n_rids, 3);
    assert_int_equal(sdp->media[1].formats[0].fb & RS_SDP_FB_TWCC, 0);
    assert_int_not_equal(sdp->media[1].formats[0].fb & RS_SDP_FB_REMB, 0);
    assert_int_equal(sdp->media[2].port, 0);
    assert_int_equal(sdp->fingerprint.hash == RS_SDP_HASH_SHA256 ||
                         sdp->media[0].fingerprint.hash == RS_SDP_HASH_SHA256,
                     1);
    free(sdp);
    json_decref(ans);
    return out;
}

/* Checks SUB_ADD for a slot against our offer. */
static void check_sub_add(const struct rs_cmd *c, uint32_t tid, uint32_t track, const char *mid,
                          const struct rs_sdp *offer, int video, int enabled)
{
    assert_int_equal(c->type, RS_CMD_SUB_ADD);
    assert_int_equal(c->u.sub.tid, tid);
    assert_int_equal(c->u.sub.track_id, track);
    assert_string_equal(c->u.sub.mid, mid);
    assert_int_equal(c->u.sub.ssrc, offered_ssrc(offer, mid, 0));
    assert_int_not_equal(c->u.sub.ssrc, 0);
    assert_int_equal(c->u.sub.enabled, enabled);
    assert_int_equal(c->u.sub.ext.mid, RS_SDP_OFFER_EXTID_MID);
    assert_int_equal(c->u.sub.ext.abs_send_time, RS_SDP_OFFER_EXTID_ABS_SEND_TIME);
    if (video) {
        assert_int_equal(c->u.sub.pt, 96);
        assert_int_equal(c->u.sub.rtx_pt, 97);
        assert_int_equal(c->u.sub.rtx_ssrc, offered_ssrc(offer, mid, 1));
        assert_int_not_equal(c->u.sub.rtx_ssrc, 0);
        assert_int_equal(c->u.sub.nack, 1);
        assert_int_equal(c->u.sub.remb, 1);
        assert_int_equal(c->u.sub.ext.audio_level, 0);
    } else {
        assert_int_equal(c->u.sub.pt, 111);
        assert_int_equal(c->u.sub.rtx_pt, -1);
        assert_int_equal(c->u.sub.rtx_ssrc, 0);
        assert_int_equal(c->u.sub.nack, 0);
        assert_int_equal(c->u.sub.ext.audio_level, RS_SDP_OFFER_EXTID_AUDIO_LEVEL);
    }
}

/* ---- tests ---- */

static void test_publish_subscribe_flow(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("r1", "Anna", aid);
    struct rs_session *b = join("r1", "Bernd", bid);
    drain(a);
    drain(b);
    no_more_cmds(); /* nobody publishes: nothing to offer */

    struct published pa = publish_checked(a);
    struct rs_cmd c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    assert_int_equal(c.u.transport.subscriber, 1);
    assert_int_equal(c.u.transport.has_fingerprint, 0);
    uint32_t b_sub = c.u.transport.tid, b_owner = c.u.transport.owner;
    assert_int_not_equal(b_sub, pa.tid);
    assert_int_not_equal(b_owner, pa.owner);
    no_more_cmds();

    json_t *offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 1);
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 2);
    assert_string_equal(track_field(offer, 0, "mid"), "0");
    assert_string_equal(track_field(offer, 0, "participant"), aid);
    assert_string_equal(track_field(offer, 0, "source"), "microphone");
    assert_string_equal(track_field(offer, 0, "kind"), "audio");
    assert_string_equal(track_field(offer, 1, "mid"), "1");
    assert_string_equal(track_field(offer, 1, "source"), "camera");
    assert_string_equal(track_field(offer, 1, "kind"), "video");
    struct rs_sdp *o = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_true(o->ice_lite);
    assert_int_equal(o->n_media, 2);
    assert_string_equal(o->media[1].msid_stream, aid);
    assert_int_equal(o->media[0].ice.ufrag[0] != 0, 1);

    json_t *upd = expect(b, "control", "participant_updated");
    json_t *tracks = json_object_get(json_object_get(upd, "participant"), "tracks");
    assert_int_equal(json_array_size(tracks), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tracks, 1), "kind")),
                        "video");
    json_decref(upd);

    /* B answers: DTLS role and fingerprint, then one subscription per m-section. */
    answer(b, offer);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_DTLS);
    assert_int_equal(c.u.transport.tid, b_sub);
    assert_int_equal(c.u.transport.has_fingerprint, 1);
    assert_int_equal(c.u.transport.remote_fp[0], 0x56);
    assert_int_equal(c.u.transport.dtls_client, 0);
    struct rs_cmd sa = next_cmd(), sv = next_cmd();
    check_sub_add(&sa, b_sub, pa.audio, "0", o, 0, 1);
    check_sub_add(&sv, b_sub, pa.video, "1", o, 1, 1);
    no_more_cmds();
    free(o);

    /* The same answer again, and a made-up revision: stale. */
    answer(b, offer);
    expect_error(b, "stale_revision");
    json_decref(offer);
    send_msg(b, json_pack("{s:s, s:s, s:i, s:s}", "ns", "media", "action", "subscribe_answer",
                          "revision", 7, "sdp", "v=0\r\n"));
    expect_error(b, "stale_revision");
    no_more_cmds();

    /* ICE restart on the subscribe side: new credentials, new offer. */
    send_msg(b, json_pack("{s:s, s:s, s:s}", "ns", "media", "action", "restart_ice", "pc",
                          "subscribe"));
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ICE);
    assert_int_equal(c.u.transport.tid, b_sub);
    offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 2);
    o = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_string_equal(o->media[0].ice.ufrag, c.u.transport.ufrag);
    free(o);
    send_msg(b, json_pack("{s:s, s:s, s:i, s:s}", "ns", "media", "action", "subscribe_answer",
                          "revision", 2, "sdp", "v=0\r\nthis is not SDP\r\n"));
    expect_error(b, "invalid_sdp");
    answer(b, offer); /* nothing new to subscribe */
    json_decref(offer);
    no_more_cmds();
    send_msg(b, json_pack("{s:s, s:s, s:s}", "ns", "media", "action", "restart_ice", "pc",
                          "publish"));
    expect_error(b, "invalid_value");

    /* A bad publish offer. */
    publish(a, "v=0\r\nnonsense\r\n");
    expect_error(a, "invalid_sdp");
    no_more_cmds();

    /* Mute: the worker stops forwarding, everyone sees it. */
    send_msg(a, json_pack("{s:s, s:s, s:s, s:b}", "ns", "media", "action", "track_state",
                          "source", "microphone", "muted", 1));
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRACK_MUTE);
    assert_int_equal(c.u.ref.id, pa.audio);
    assert_int_equal(c.u.ref.flag, 1);
    json_t *ts = expect(b, "media", "track_state");
    assert_string_equal(json_string_value(json_object_get(ts, "participant")), aid);
    assert_string_equal(json_string_value(json_object_get(ts, "source")), "microphone");
    assert_true(json_is_true(json_object_get(ts, "muted")));
    json_decref(ts);
    ts = expect(a, "media", "track_state");
    json_decref(ts);
    send_msg(a, json_pack("{s:s, s:s, s:s, s:b}", "ns", "media", "action", "track_state",
                          "source", "screen", "muted", 1));
    expect_error(a, "invalid_value");

    /* What B shows A's camera at. */
    send_msg(b, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                          "video_size", "participant", aid, "source", "camera", "width", 320,
                          "height", 180));
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_SUB_VIDEO_SIZE);
    assert_int_equal(c.u.ref.id, sv.u.sub.sub_id);
    assert_int_equal(c.u.ref.width, 320);
    assert_int_equal(c.u.ref.height, 180);
    send_msg(b, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                          "video_size", "participant", "pnobody", "source", "camera", "width",
                          320, "height", 180));
    expect_error(b, "invalid_value");
    send_msg(b, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                          "video_size", "participant", aid, "source", "camera", "width", 9000,
                          "height", 180));
    json_t *e = expect(b, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_value");
    assert_string_equal(json_string_value(json_object_get(e, "field")), "width");
    json_decref(e);
    no_more_cmds();

    /* Audio routing: B stops hearing A, then hears A again. */
    struct rs_room *room = rs_rooms_find(app.rooms, "r1");
    assert_int_equal(rs_audio_route_set(room, bid, aid, false), 0);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_SUB_ENABLE);
    assert_int_equal(c.u.ref.id, sa.u.sub.sub_id);
    assert_int_equal(c.u.ref.flag, 0);
    no_more_cmds();
    assert_int_equal(rs_audio_route_set(room, "*", "*", false), 0); /* no change for B */
    no_more_cmds();
    assert_int_equal(rs_audio_route_reset(room), 0);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_SUB_ENABLE);
    assert_int_equal(c.u.ref.id, sa.u.sub.sub_id);
    assert_int_equal(c.u.ref.flag, 1);
    no_more_cmds();

    /* The chair mutes A (A chairs this anonymous room; a chair may mute itself too): B's
     * subscription to A's audio is switched off on the worker, whatever A's client sends, and
     * only A unmuting itself (media/track_state) switches it on again. */
    send_msg(a, json_pack("{s:s, s:s, s:[s]}", "ns", "chair", "action", "mute", "ids", aid));
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_SUB_ENABLE);
    assert_int_equal(c.u.ref.id, sa.u.sub.sub_id);
    assert_int_equal(c.u.ref.flag, 0);
    no_more_cmds();
    drain(a);
    drain(b);
    send_msg(a, json_pack("{s:s, s:s, s:s, s:b}", "ns", "media", "action", "track_state",
                          "source", "microphone", "muted", 0));
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_SUB_ENABLE);
    assert_int_equal(c.u.ref.id, sa.u.sub.sub_id);
    assert_int_equal(c.u.ref.flag, 1);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRACK_MUTE);
    no_more_cmds();
    drain(a);
    drain(b);

    /* A publishes again after an ICE restart: new credentials, same tracks. */
    char *restart = offer_with_ufrag("Zz9x");
    publish(a, restart);
    free(restart);
    json_t *ans = expect(a, "media", "publish_answer");
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ICE);
    assert_int_equal(c.u.transport.tid, pa.tid);
    o = parse(json_string_value(json_object_get(ans, "sdp")));
    assert_string_equal(o->media[0].ice.ufrag, c.u.transport.ufrag);
    free(o);
    json_decref(ans);
    no_more_cmds();
    expect_none(b, "media", "subscribe_offer");

    /* B publishes too, so A gets a subscribe transport. */
    drain(a);
    struct published pb = publish_checked(b);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    uint32_t a_sub = c.u.transport.tid;
    offer = expect(a, "media", "subscribe_offer");
    answer(a, offer);
    json_decref(offer);
    struct rs_cmd cmds[8];
    assert_int_equal(take_cmds(cmds, 8), 3); /* DTLS + 2 SUB_ADD */
    assert_int_equal(cmds[1].u.sub.track_id, pb.audio);
    assert_int_equal(cmds[2].u.sub.track_id, pb.video);

    /* A leaves: B's subscriptions to A end, A's transports go, B gets a new offer. */
    drain(b);
    send_msg(a, json_pack("{s:s, s:s}", "ns", "control", "action", "leave"));
    assert_int_equal(take_cmds(cmds, 8), 4);
    assert_int_equal(cmds[0].type, RS_CMD_SUB_REMOVE);
    assert_int_equal(cmds[0].u.ref.id, sa.u.sub.sub_id);
    assert_int_equal(cmds[1].type, RS_CMD_SUB_REMOVE);
    assert_int_equal(cmds[1].u.ref.id, sv.u.sub.sub_id);
    assert_int_equal(cmds[2].type, RS_CMD_TRANSPORT_REMOVE);
    assert_int_equal(cmds[2].u.ref.id, pa.tid);
    assert_int_equal(cmds[3].type, RS_CMD_TRANSPORT_REMOVE);
    assert_int_equal(cmds[3].u.ref.id, a_sub);
    offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 3);
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 0);
    o = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(o->n_media, 2); /* m-sections stay, inactive */
    assert_int_equal(o->media[0].dir, RS_SDP_DIR_INACTIVE);
    assert_int_equal(o->media[1].dir, RS_SDP_DIR_INACTIVE);
    assert_int_not_equal(o->media[0].port, 0); /* not rejected: the mid can be reused */
    free(o);

    /* C joins and publishes while B's offer is unanswered: the next offer waits. */
    char cid[16];
    struct rs_session *cs = join("r1", "Carla", cid);
    drain_cmds();
    publish(cs, chrome_offer);
    drain_cmds();
    expect_none(b, "media", "subscribe_offer");
    answer(b, offer); /* revision 3 */
    json_decref(offer);
    offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 4);
    /* C's tracks reuse the idle m-sections. */
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 2);
    assert_string_equal(track_field(offer, 0, "mid"), "0");
    assert_string_equal(track_field(offer, 0, "participant"), cid);
    assert_string_equal(track_field(offer, 1, "mid"), "1");
    assert_string_equal(track_field(offer, 1, "source"), "camera");
    o = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(o->n_media, 2);
    answer(b, offer);
    json_decref(offer);
    assert_int_equal(take_cmds(cmds, 8), 2);
    assert_int_equal(cmds[0].type, RS_CMD_SUB_ADD);
    assert_string_equal(cmds[0].u.sub.mid, "0");
    assert_int_equal(cmds[0].u.sub.ssrc, offered_ssrc(o, "0", 0));
    assert_int_equal(cmds[1].type, RS_CMD_SUB_ADD);
    assert_string_equal(cmds[1].u.sub.mid, "1");
    free(o);
}

static void test_publish_validation(void **state)
{
    char aid[16];
    struct rs_session *a = join("r2", "Anna", aid);
    drain(a);
    send_msg(a, json_pack("{s:s, s:s, s:s}", "ns", "media", "action", "publish", "sdp",
                          chrome_offer));
    expect_error(a, "missing_field");
    send_msg(a, json_pack("{s:s, s:s, s:s, s:i}", "ns", "media", "action", "publish", "sdp",
                          chrome_offer, "tracks", 3));
    expect_error(a, "invalid_type");
    send_msg(a, json_pack("{s:s, s:s, s:i, s:[]}", "ns", "media", "action", "publish", "sdp", 5,
                          "tracks"));
    expect_error(a, "invalid_type");
    json_t *many = json_array();
    for (int i = 0; i < 9; i++)
        json_array_append_new(many, json_pack("{s:s, s:s}", "mid", "0", "source", "camera"));
    send_msg(a, json_pack("{s:s, s:s, s:s, s:o}", "ns", "media", "action", "publish", "sdp",
                          chrome_offer, "tracks", many));
    expect_error(a, "invalid_value");
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "ns", "media", "action", "publish",
                          "sdp", chrome_offer, "tracks", "mid", "0", "source", "hologram"));
    expect_error(a, "invalid_value");
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s}]}", "ns", "media", "action", "publish",
                          "sdp", chrome_offer, "tracks", "source", "camera"));
    expect_error(a, "missing_field");
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[i]}", "ns", "media", "action", "publish", "sdp",
                          chrome_offer, "tracks", 1));
    expect_error(a, "invalid_type");
    /* The video m-section sends but has no entry; then a kind mismatch. */
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "ns", "media", "action", "publish",
                          "sdp", chrome_offer, "tracks", "mid", "0", "source", "microphone"));
    expect_error(a, "invalid_value");
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media",
                          "action", "publish", "sdp", chrome_offer, "tracks", "mid", "0",
                          "source", "camera", "mid", "1", "source", "screen"));
    expect_error(a, "invalid_value");
    /* Simulcast as an SSRC group instead of rids: refused with a reason. */
    char *sim = strdup(chrome_offer);
    assert_non_null(sim);
    char *rids = strstr(sim, "a=rid:h send\r\n");
    const char *sim_lines = "a=ssrc-group:SIM 11 22 33\r\na=ssrc:11 cname:x\r\n"
                            "a=ssrc:22 cname:x\r\na=ssrc:33 cname:x\r\n";
    const char *rid_lines = "a=rid:h send\r\na=rid:m send\r\na=rid:l send\r\n"
                            "a=simulcast:send h;m;l\r\n";
    assert_non_null(rids);
    assert_int_equal(strncmp(rids, rid_lines, strlen(rid_lines)), 0);
    char *sim_offer = malloc(strlen(sim) + strlen(sim_lines) + 1);
    assert_non_null(sim_offer);
    snprintf(sim_offer, strlen(sim) + strlen(sim_lines) + 1, "%.*s%s%s", (int)(rids - sim), sim,
             sim_lines, rids + strlen(rid_lines));
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media",
                          "action", "publish", "sdp", sim_offer, "tracks", "mid", "0",
                          "source", "microphone", "mid", "1", "source", "camera"));
    json_t *e = expect(a, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_sdp");
    assert_non_null(strstr(json_string_value(json_object_get(e, "text")), "a=rid"));
    json_decref(e);
    free(sim_offer);
    free(sim);

    no_more_cmds(); /* nothing reached the worker, no transport id leaked */
    for (unsigned i = 0; i < RS_SFU_MAX_TRANSPORTS; i++)
        assert_int_equal(app.media->tid_used[i], 0);

    /* A screen share alone: flagged as such. */
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media",
                          "action", "publish", "sdp", chrome_offer, "tracks", "mid", "0",
                          "source", "microphone", "mid", "1", "source", "screen"));
    json_t *ans = expect(a, "media", "publish_answer");
    json_decref(ans);
    struct rs_cmd cmds[4];
    assert_int_equal(take_cmds(cmds, 4), 3);
    assert_int_equal(cmds[2].type, RS_CMD_TRACK_ADD);
    assert_int_equal(cmds[2].u.track.screen, 1);
}

/* A guest may not share the screen (refused before anything reaches a worker) but may publish
 * microphone and camera; made a participant, it may share. */
static void test_guest_screen_share(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("rg", "Anna", aid);
    struct rs_session *b = join("rg", "Bert", bid);
    drain(a);
    send_msg(a, json_pack("{s:s, s:s, s:s, s:s}", "ns", "moderation", "action", "set_role", "id",
                          bid, "role", "guest"));
    json_t *up = expect(b, "control", "participant_updated");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(up, "participant"), "role")), "guest");
    json_decref(up);
    drain(b);
    uint64_t forbidden0 = rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN);
    send_msg(b, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media", "action",
                          "publish", "sdp", chrome_offer, "tracks", "mid", "0", "source",
                          "microphone", "mid", "1", "source", "screen"));
    expect_error(b, "forbidden");
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN), forbidden0 + 1);
    no_more_cmds();
    publish(b, chrome_offer); /* microphone and camera are fine */
    json_decref(expect(b, "media", "publish_answer"));
    drain_cmds();
    send_msg(a, json_pack("{s:s, s:s, s:s, s:s}", "ns", "moderation", "action", "set_role", "id",
                          bid, "role", "participant"));
    json_decref(expect(b, "control", "participant_updated"));
    send_msg(b, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media", "action",
                          "publish", "sdp", chrome_offer, "tracks", "mid", "0", "source",
                          "microphone", "mid", "1", "source", "screen"));
    json_decref(expect(b, "media", "publish_answer"));
    drain_cmds();
}

static void test_joined_extras(void **state)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room", "r3",
                          "display_name", "Anna"));
    json_t *j = expect(s, "control", "joined");
    json_t *ice = json_array_get(json_object_get(j, "ice_servers"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ice, "urls"), 0)),
                        "turn:turn.example.org:3478");
    assert_string_equal(json_string_value(json_object_get(ice, "username")), "u");
    assert_string_equal(json_string_value(json_object_get(ice, "credential")), "c");
    json_t *me = json_array_get(json_object_get(j, "participants"), 0);
    assert_true(json_is_array(json_object_get(me, "tracks")));
    json_decref(j);
}

/* With turn_server + turn_secret every join gets its own credential after the static servers:
 * "<now + turn_ttl>:<participant id>" and the HMAC coturn recomputes from it; counted. */
static void test_joined_turn_credentials(void **state)
{
    snprintf(app.cfg.turn_servers[0], sizeof(app.cfg.turn_servers[0]), "%s",
             "turn:turn.example.org:443?transport=tcp");
    snprintf(app.cfg.turn_servers[1], sizeof(app.cfg.turn_servers[1]), "%s",
             "turns:turn.example.org:443?transport=tcp");
    app.cfg.n_turn_servers = 2;
    snprintf(app.cfg.turn_secret, sizeof(app.cfg.turn_secret), "%s", "0123456789abcdef-geheim");
    app.cfg.turn_ttl = 600;
    uint64_t before = rs_metric_get(RS_M_TURN_CREDENTIALS);
    long long t0 = (long long)time(NULL);
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room", "r3t",
                          "display_name", "Anna"));
    json_t *j = expect(s, "control", "joined");
    const char *id = json_string_value(json_object_get(j, "id"));
    json_t *ice = json_object_get(j, "ice_servers");
    assert_int_equal(json_array_size(ice), 2); /* the static ice_server, then TURN */
    json_t *turn = json_array_get(ice, 1);
    json_t *urls = json_object_get(turn, "urls");
    assert_int_equal(json_array_size(urls), 2);
    assert_string_equal(json_string_value(json_array_get(urls, 1)),
                        "turns:turn.example.org:443?transport=tcp");
    const char *user = json_string_value(json_object_get(turn, "username"));
    const char *cred = json_string_value(json_object_get(turn, "credential"));
    assert_non_null(user);
    assert_non_null(cred);
    char *colon = strchr(user, ':');
    assert_non_null(colon);
    assert_string_equal(colon + 1, id);
    long long expiry = strtoll(user, NULL, 10);
    /* time() reads glibc's coarse clock, which may still show the previous second when the
     * server's clock_gettime(CLOCK_REALTIME) already shows the next: one second of slack */
    assert_true(expiry >= t0 + 600 && expiry <= (long long)time(NULL) + 601);
    struct rs_turn_cred want;
    assert_int_equal(rs_turn_cred_make("0123456789abcdef-geheim", expiry - 600, 600, id, &want), 0);
    assert_string_equal(cred, want.credential);
    assert_int_equal(rs_metric_get(RS_M_TURN_CREDENTIALS), before + 1);
    json_decref(j);
}

static void test_no_media_plane(void **state)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room", "r4",
                          "display_name", "Anna"));
    json_t *j = expect(s, "control", "joined");
    assert_null(json_object_get(j, "ice_servers"));
    assert_null(json_object_get(json_array_get(json_object_get(j, "participants"), 0), "tracks"));
    json_decref(j);
    publish(s, chrome_offer);
    json_t *e = expect(s, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "internal");
    json_decref(e);
}

static void test_transport_failed(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("r5", "Anna", aid);
    struct rs_session *b = join("r5", "Bernd", bid);
    struct published pa = publish_checked(a);
    struct rs_cmd c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    uint32_t b_sub = c.u.transport.tid, b_owner = c.u.transport.owner;
    drain(a);
    drain(b);

    /* B's subscribe connection times out: a fresh one is offered at once. */
    struct rs_event sev = {.type = RS_EV_TRANSPORT_FAILED, .tid = b_sub, .owner = b_owner,
                           .reason = RS_FAIL_ICE_TIMEOUT};
    rs_sfu_inject_event(app.media, &sev);
    json_t *e = expect(b, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "ice_timeout");
    assert_string_equal(json_string_value(json_object_get(e, "pc")), "subscribe");
    json_decref(e);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_REMOVE);
    assert_int_equal(c.u.ref.id, b_sub);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    assert_int_equal(c.u.transport.subscriber, 1);
    no_more_cmds();
    json_t *offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 2);
    assert_string_equal(track_field(offer, 0, "mid"), "0");
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 2);
    json_decref(offer);

    struct rs_event ev = {.type = RS_EV_TRANSPORT_FAILED, .tid = pa.tid, .owner = 9999,
                          .reason = RS_FAIL_FINGERPRINT};
    rs_sfu_inject_event(app.media, &ev); /* unknown owner: ignored */
    no_more_cmds();
    ev.owner = pa.owner;
    rs_sfu_inject_event(app.media, &ev);
    e = expect(a, "media", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "dtls_failed");
    assert_string_equal(json_string_value(json_object_get(e, "pc")), "publish");
    assert_non_null(strstr(json_string_value(json_object_get(e, "text")), "fingerprint"));
    json_decref(e);
    c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_REMOVE);
    assert_int_equal(c.u.ref.id, pa.tid);
    json_t *upd = expect(b, "control", "participant_updated");
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(upd, "participant"), "tracks")), 0);
    json_decref(upd);
    rs_sfu_inject_event(app.media, &ev); /* the same transport again: already gone */
    expect_none(a, "media", "error");

    /* Publishing again starts a new transport. */
    publish_checked(a);
    drain_cmds();

    ev.reason = RS_FAIL_ICE_TIMEOUT;
    ev.tid = 4095;
    rs_sfu_inject_event(app.media, &ev); /* not one of A's transports */
    expect_none(a, "media", "error");
}


/* The commands queued for worker `wk` (and none for the other). */
static int take_cmds_of(unsigned wk, struct rs_cmd *out, int max)
{
    int n = 0;
    unsigned from;
    while (n < max && rs_sfu_take_cmd_from(app.media, &out[n], &from) == 0) {
        assert_int_equal(from, wk);
        n++;
    }
    return n;
}

/* Publishes the chrome offer from `s`; returns the port the answer's candidate names. */
static unsigned publish_port(struct rs_session *s)
{
    publish(s, chrome_offer);
    json_t *ans = expect(s, "media", "publish_answer");
    struct rs_sdp *sdp = parse(json_string_value(json_object_get(ans, "sdp")));
    unsigned port = sdp->media[0].port;
    free(sdp);
    json_decref(ans);
    return port;
}

static void test_rooms_on_workers(void **state)
{
    /* Bad worker counts and a command for a worker that does not exist are refused. */
    assert_null(rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, 0));
    assert_null(rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, RS_SFU_MAX_WORKERS + 1));
    struct rs_cmd bad = {.type = RS_CMD_TRACK_MUTE};
    uint64_t dropped = app.media->cmds_dropped;
    assert_int_equal(rs_sfu_send(app.media, 2, &bad), -EINVAL);
    assert_int_equal(app.media->cmds_dropped, dropped + 1);
    assert_int_equal(rs_sfu_take_cmd(app.media, &bad), -EAGAIN);

    char aid[16], bid[16], cid[16], did[16];
    struct rs_session *a = join("w1", "Anna", aid);
    struct rs_session *b = join("w1", "Bernd", bid);
    struct rs_session *c = join("w2", "Clara", cid);
    struct rs_session *d = join("w2", "Dora", did);
    drain(a);
    drain(b);
    drain(c);
    drain(d);

    /* w1 publishes first: its room is on worker 0, the answer names port 40000, and every
     * command for it (publish transport, tracks, Bernd's subscribe transport) goes there. */
    assert_int_equal(publish_port(a), 40000);
    struct rs_cmd cmds[16];
    assert_int_equal(take_cmds_of(0, cmds, 16), 4); /* transport, 2 tracks, Bernd's transport */
    json_t *offer = expect(b, "media", "subscribe_offer");
    struct rs_sdp *sdp = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(sdp->media[0].port, 40000);
    free(sdp);
    json_decref(offer);

    /* w2 is on worker 1: port 40001 in both directions, commands to worker 1 only. */
    assert_int_equal(publish_port(c), 40001);
    assert_int_equal(take_cmds_of(1, cmds, 16), 4);
    assert_int_equal(cmds[1].type, RS_CMD_TRACK_ADD);
    assert_int_equal(rs_sfu_worker_of(app.media, cmds[1].u.track.tid), 1);
    offer = expect(d, "media", "subscribe_offer");
    sdp = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(sdp->media[0].port, 40001);
    char *an = browser_answer(json_string_value(json_object_get(offer, "sdp")));
    free(sdp);
    send_msg(d, json_pack("{s:s, s:s, s:I, s:s}", "ns", "media", "action", "subscribe_answer",
                          "revision", json_integer_value(json_object_get(offer, "revision")),
                          "sdp", an));
    free(an);
    json_decref(offer);
    assert_int_equal(take_cmds_of(1, cmds, 16), 3); /* Dora's DTLS, two subscriptions */
    assert_int_equal(cmds[0].type, RS_CMD_TRANSPORT_DTLS);
    assert_int_equal(cmds[1].type, RS_CMD_SUB_ADD);

    /* per-worker gauges in /metrics */
    assert_int_equal(rs_metric_worker_get(RS_MW_ROOMS, 0), 1);
    assert_int_equal(rs_metric_worker_get(RS_MW_ROOMS, 1), 1);
    assert_int_equal(rs_metric_worker_get(RS_MW_TRANSPORTS, 0), 2);
    assert_int_equal(rs_metric_worker_get(RS_MW_TRANSPORTS, 1), 2);

    /* Mute in w2 goes to worker 1. */
    send_msg(c, json_pack("{s:s, s:s, s:s, s:b}", "ns", "media", "action", "track_state", "source",
                          "microphone", "muted", 1));
    assert_int_equal(take_cmds_of(1, cmds, 16), 1);
    assert_int_equal(cmds[0].type, RS_CMD_TRACK_MUTE);

    /* w2 empties: its transports are removed on worker 1, the room is no longer counted. */
    rs_session_free(c);
    rs_session_free(d);
    int n = take_cmds_of(1, cmds, 16);
    int removes = 0;
    for (int i = 0; i < n; i++)
        removes += cmds[i].type == RS_CMD_TRANSPORT_REMOVE;
    assert_int_equal(removes, 2);
    assert_int_equal(rs_metric_worker_get(RS_MW_ROOMS, 1), 0);
    assert_int_equal(rs_metric_worker_get(RS_MW_TRANSPORTS, 1), 0);

    /* A new room goes to the worker with fewer transports: worker 1 again. */
    struct rs_session *e = join("w3", "Emil", cid);
    drain(e);
    assert_int_equal(publish_port(e), 40001);
    assert_int_equal(take_cmds_of(1, cmds, 16), 3);
    no_more_cmds();
}

/* The commands queued for worker `wk` only. */
static int take_from(unsigned wk, struct rs_cmd *out, int max)
{
    int n = 0;
    while (n < max && rs_queue_pop(app.media->cmds[wk], &out[n]) == 0)
        n++;
    return n;
}

/* A room above spread_rooms_above participants: subscribe connections go to the least loaded
 * worker, and the tracks they subscribe to are copied there from the publishers' worker. */
static void test_large_room_spreads(void **state)
{
    app.cfg.spread_rooms_above = 1;
    char aid[16], bid[16];
    struct rs_session *a = join("big", "Anna", aid);
    struct rs_session *b = join("big", "Bernd", bid);
    drain(a);
    drain(b);
    assert_int_equal(publish_port(a), 40000); /* publishers stay on the room's worker */
    struct rs_cmd cmds[16];
    assert_int_equal(take_from(0, cmds, 16), 3); /* Anna's transport and two tracks */
    assert_int_equal(take_from(1, cmds, 16), 1); /* Bernd's subscribe transport: worker 1 */
    assert_int_equal(cmds[0].type, RS_CMD_TRANSPORT_ADD);
    assert_int_equal(cmds[0].u.transport.subscriber, 1);
    json_t *offer = expect(b, "media", "subscribe_offer");
    struct rs_sdp *sdp = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(sdp->media[0].port, 40001);
    free(sdp);
    answer(b, offer);
    json_decref(offer);
    /* worker 1: DTLS, then per track a relay copy before its subscription */
    int n = take_from(1, cmds, 16);
    assert_int_equal(n, 5);
    assert_int_equal(cmds[0].type, RS_CMD_TRANSPORT_DTLS);
    for (int i = 1; i < 5; i += 2) {
        assert_int_equal(cmds[i].type, RS_CMD_TRACK_ADD);
        assert_int_equal(cmds[i].u.track.relay, 1);
        assert_int_equal(cmds[i].u.track.home, 0);
        assert_int_equal(cmds[i].u.track.tid, 0);
        assert_int_equal(cmds[i + 1].type, RS_CMD_SUB_ADD);
        assert_int_equal(cmds[i + 1].u.sub.track_id, cmds[i].u.track.track_id);
    }
    /* worker 0: start copying both tracks to worker 1 */
    n = take_from(0, cmds, 16);
    assert_int_equal(n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cmds[i].type, RS_CMD_TRACK_RELAY);
        assert_int_equal(cmds[i].u.ref.flag, 1);
        assert_int_equal(cmds[i].u.ref.worker, 1);
    }
    /* layer choice for Bernd goes to worker 1, where his subscription is */
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                          "video_size", "participant", aid, "source", "camera", "width", 320,
                          "height", 180);
    send_msg(b, j);
    assert_int_equal(take_from(1, cmds, 16), 1);
    assert_int_equal(cmds[0].type, RS_CMD_SUB_VIDEO_SIZE);
    /* muting reaches the publisher's worker and the copy on worker 1 */
    send_msg(a, json_pack("{s:s, s:s, s:s, s:b}", "ns", "media", "action", "track_state",
                          "source", "microphone", "muted", 1));
    assert_int_equal(take_from(0, cmds, 16), 1);
    assert_int_equal(cmds[0].type, RS_CMD_TRACK_MUTE);
    assert_int_equal(take_from(1, cmds, 16), 1);
    assert_int_equal(cmds[0].type, RS_CMD_TRACK_MUTE);
    assert_int_equal(cmds[0].u.ref.flag, 1);
    no_more_cmds();
}

static void test_active_speaker(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("r6", "Anna", aid);
    struct rs_session *b = join("r6", "Bernd", bid);
    struct published pa = publish_checked(a);
    drain_cmds();
    drain(a);
    drain(b);
    struct rs_event ev = {.type = RS_EV_ACTIVE_SPEAKER, .owner = pa.owner};
    rs_sfu_inject_event(app.media, &ev);
    json_t *j = expect(b, "media", "active_speaker");
    assert_string_equal(json_string_value(json_object_get(j, "participant")), aid);
    json_decref(j);
    j = expect(a, "media", "active_speaker");
    json_decref(j);
    ev.owner = 4242;
    rs_sfu_inject_event(app.media, &ev);
    expect_none(b, "media", "active_speaker");
}

/* Finds the SUB_ADD for `track` on transport `tid` in `cmds`. */
static const struct rs_cmd *find_sub(const struct rs_cmd *cmds, int n, uint32_t tid,
                                     uint32_t track)
{
    for (int i = 0; i < n; i++)
        if (cmds[i].type == RS_CMD_SUB_ADD && cmds[i].u.sub.tid == tid &&
            cmds[i].u.sub.track_id == track)
            return &cmds[i];
    return NULL;
}

static void test_last_n(void **state)
{
    app.cfg.last_n = 1;
    char aid[16], bid[16], cid[16];
    struct rs_session *a = join("r7", "Anna", aid);
    struct rs_session *b = join("r7", "Bernd", bid);
    struct rs_session *c = join("r7", "Carla", cid);
    struct published pa = publish_checked(a);
    drain_cmds();
    json_t *offer_b = expect(b, "media", "subscribe_offer"); /* before B's publish_answer */
    struct published pb = publish_checked(b);
    drain_cmds();

    /* C answers everything it is offered (two rounds: B's tracks came while A's were pending). */
    struct rs_cmd cmds[32];
    int n = 0;
    json_t *offer;
    for (int round = 0; round < 2; round++) {
        offer = expect(c, "media", "subscribe_offer");
        answer(c, offer);
        json_decref(offer);
        n += take_cmds(cmds + n, 32 - n);
    }
    uint32_t c_sub = 0;
    for (int i = 0; i < n && !c_sub; i++)
        if (cmds[i].type == RS_CMD_TRANSPORT_DTLS)
            c_sub = cmds[i].u.transport.tid;
    const struct rs_cmd *ca = find_sub(cmds, n, c_sub, pa.video);
    const struct rs_cmd *cb = find_sub(cmds, n, c_sub, pb.video);
    assert_non_null(ca);
    assert_non_null(cb);
    assert_int_equal(ca->u.sub.enabled, 1); /* nobody spoke yet: the longest present */
    assert_int_equal(cb->u.sub.enabled, 0);
    assert_int_equal(find_sub(cmds, n, c_sub, pb.audio)->u.sub.enabled, 1); /* audio: always */
    uint32_t ca_id = ca->u.sub.sub_id, cb_id = cb->u.sub.sub_id;

    /* A and B each see one other camera: within last-N. */
    offer = expect(a, "media", "subscribe_offer");
    answer(a, offer);
    json_decref(offer);
    answer(b, offer_b);
    json_decref(offer_b);
    n = take_cmds(cmds, 32);
    for (int i = 0; i < n; i++)
        if (cmds[i].type == RS_CMD_SUB_ADD)
            assert_int_equal(cmds[i].u.sub.enabled, 1);

    /* B speaks: C now gets B's camera instead of A's. */
    struct rs_event ev = {.type = RS_EV_ACTIVE_SPEAKER, .owner = pb.owner};
    rs_sfu_inject_event(app.media, &ev);
    n = take_cmds(cmds, 32);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++) {
        assert_int_equal(cmds[i].type, RS_CMD_SUB_ENABLE);
        if (cmds[i].u.ref.id == ca_id)
            assert_int_equal(cmds[i].u.ref.flag, 0);
        else
            assert_int_equal(cmds[i].u.ref.id, cb_id), assert_int_equal(cmds[i].u.ref.flag, 1);
    }
    rs_sfu_inject_event(app.media, &ev); /* B again: nothing changes */
    no_more_cmds();
    drain(a);
    drain(b);
    drain(c);
}

static void test_rejected_m_section(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("r8", "Anna", aid);
    struct rs_session *b = join("r8", "Bernd", bid);
    struct published pa = publish_checked(a);
    drain_cmds();
    json_t *offer = expect(b, "media", "subscribe_offer");
    char *text = browser_answer_rejecting(json_string_value(json_object_get(offer, "sdp")), "1");
    send_msg(b, json_pack("{s:s, s:s, s:i, s:s}", "ns", "media", "action", "subscribe_answer",
                          "revision", 1, "sdp", text));
    free(text);
    json_decref(offer);
    struct rs_cmd cmds[8];
    assert_int_equal(take_cmds(cmds, 8), 2); /* DTLS, the audio subscription */
    assert_int_equal(cmds[1].type, RS_CMD_SUB_ADD);
    assert_int_equal(cmds[1].u.sub.track_id, pa.audio);

    /* The camera moves to a new m-section; the rejected one stays rejected. */
    offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_integer_value(json_object_get(offer, "revision")), 2);
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 2);
    assert_string_equal(track_field(offer, 1, "mid"), "2");
    assert_string_equal(track_field(offer, 1, "source"), "camera");
    struct rs_sdp *o = parse(json_string_value(json_object_get(offer, "sdp")));
    assert_int_equal(o->n_media, 3);
    assert_int_equal(o->media[1].port, 0);
    assert_int_equal(o->n_bundle, 2);
    answer(b, offer);
    json_decref(offer);
    assert_int_equal(take_cmds(cmds, 8), 1);
    assert_int_equal(cmds[0].type, RS_CMD_SUB_ADD);
    assert_int_equal(cmds[0].u.sub.track_id, pa.video);
    assert_string_equal(cmds[0].u.sub.mid, "2");
    assert_int_equal(cmds[0].u.sub.ssrc, offered_ssrc(o, "2", 0));
    free(o);

    /* A stops its camera (re-offers with the video m-section inactive). */
    char *no_video = strdup(chrome_offer);
    char *dir = strstr(strstr(no_video, "m=video"), "a=sendonly");
    memcpy(dir, "a=inactive", 10);
    send_msg(a, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "ns", "media", "action", "publish",
                          "sdp", no_video, "tracks", "mid", "0", "source", "microphone"));
    free(no_video);
    json_t *ans = expect(a, "media", "publish_answer");
    json_decref(ans);
    assert_int_equal(take_cmds(cmds, 8), 2);
    assert_int_equal(cmds[0].type, RS_CMD_TRACK_REMOVE);
    assert_int_equal(cmds[0].u.ref.id, pa.video);
    assert_int_equal(cmds[1].type, RS_CMD_SUB_REMOVE);
    offer = expect(b, "media", "subscribe_offer");
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")), 1);
    json_decref(offer);
    json_t *upd = expect(b, "control", "participant_updated");
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(upd, "participant"), "tracks")), 1);
    json_decref(upd);
}

static void test_audio_routes_table(void **state)
{
    struct rs_audio_routes *t = rs_audio_routes_new();
    assert_non_null(t);
    assert_true(rs_audio_routes_allows(t, "pa", "pb")); /* default: everyone hears everyone */
    assert_int_equal(rs_audio_routes_set(t, "pb", "pa", false), 0);
    assert_false(rs_audio_routes_allows(t, "pb", "pa"));
    assert_true(rs_audio_routes_allows(t, "pa", "pb"));
    assert_true(rs_audio_routes_allows(t, "pc", "pa"));
    assert_int_equal(rs_audio_routes_set(t, "pb", "pa", true), 0); /* replaced */
    assert_true(rs_audio_routes_allows(t, "pb", "pa"));
    assert_int_equal(rs_audio_routes_clear(t, "pb", "pa"), 0);
    assert_int_equal(rs_audio_routes_clear(t, "pb", "pa"), -ENOENT);

    /* Breakout rooms: two groups that hear only themselves. */
    assert_int_equal(rs_audio_routes_set(t, "*", "*", false), 0);
    assert_int_equal(rs_audio_routes_set(t, "@b1", "@b1", true), 0);
    assert_int_equal(rs_audio_routes_set(t, "@b2", "@b2", true), 0);
    assert_int_equal(rs_audio_routes_join(t, "pa", "b1"), 0);
    assert_int_equal(rs_audio_routes_join(t, "pb", "b1"), 0);
    assert_int_equal(rs_audio_routes_join(t, "pc", "b2"), 0);
    assert_true(rs_audio_routes_allows(t, "pa", "pb"));
    assert_false(rs_audio_routes_allows(t, "pa", "pc"));
    assert_false(rs_audio_routes_allows(t, "pc", "pb"));
    assert_int_equal(rs_audio_routes_leave(t, "pb", "b1"), 0);
    assert_false(rs_audio_routes_allows(t, "pa", "pb"));
    rs_audio_routes_forget(t, "pa");
    assert_false(rs_audio_routes_allows(t, "pa", "pa"));

    assert_int_equal(rs_audio_routes_set(t, "bad id!", "*", true), -EINVAL);
    assert_int_equal(rs_audio_routes_set(t, "@", "*", true), -EINVAL);
    assert_int_equal(rs_audio_routes_join(t, "pa", "no spaces"), -EINVAL);
    rs_audio_routes_reset(t);
    assert_true(rs_audio_routes_allows(t, "pa", "pc"));
    for (int i = 0; i < RS_AUDIO_MAX_RULES; i++) {
        char id[16];
        snprintf(id, sizeof(id), "p%d", i);
        assert_int_equal(rs_audio_routes_set(t, id, "*", false), 0);
    }
    assert_int_equal(rs_audio_routes_set(t, "px", "*", false), -E2BIG);
    rs_audio_routes_free(t);
    assert_true(rs_audio_routes_allows(NULL, "pa", "pb"));
}

/* ---- breakout rooms ---- */

struct sub_seen {
    struct rs_session *subscriber;
    uint32_t track, sub_id;
};

/* Answers every subscribe offer queued for the sessions (until none comes) and records the
 * subscriptions made in `subs`. Returns how many. */
static int answer_all(struct rs_session **s, int n, struct sub_seen *subs, int max)
{
    int count = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < n; i++) {
            json_t *j;
            while ((j = next(s[i]))) {
                if (strcmp(json_string_value(json_object_get(j, "event")), "subscribe_offer") ==
                    0) {
                    answer(s[i], j);
                    struct rs_cmd cmds[16];
                    int k = take_cmds(cmds, 16);
                    for (int c = 0; c < k; c++)
                        if (cmds[c].type == RS_CMD_SUB_ADD && count < max) {
                            assert_int_equal(cmds[c].u.sub.enabled, 1);
                            subs[count++] = (struct sub_seen){s[i], cmds[c].u.sub.track_id,
                                                              cmds[c].u.sub.sub_id};
                        }
                }
                json_decref(j);
            }
        }
    }
    return count;
}

static uint32_t sub_of(const struct sub_seen *subs, int n, struct rs_session *s, uint32_t track)
{
    for (int i = 0; i < n; i++)
        if (subs[i].subscriber == s && subs[i].track == track)
            return subs[i].sub_id;
    fail_msg("no subscription to track %u", (unsigned)track);
    return 0;
}

/* Takes the SUB_ENABLE commands queued; each must set `flag`. Returns how many; `ids` gets
 * their subscriptions. */
static int enables(uint32_t *ids, int max, int flag)
{
    struct rs_cmd cmds[32];
    int n = take_cmds(cmds, 32);
    assert_true(n <= max);
    for (int i = 0; i < n; i++) {
        assert_int_equal(cmds[i].type, RS_CMD_SUB_ENABLE);
        assert_int_equal(cmds[i].u.ref.flag, flag);
        ids[i] = cmds[i].u.ref.id;
    }
    return n;
}

static bool listed_id(const uint32_t *ids, int n, uint32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Breakout places are enforced on the worker: a move switches subscriptions off and on (no
 * new offer), a sub-room that hears the plenary gets the plenary speaker's audio only, the
 * active speaker is told only in its place, and the close switches everything on again. */
static void test_breakout_routing(void **state)
{
    char aid[16], bid[16], cid[16];
    struct rs_session *a = join("r10", "Anna", aid); /* first: the chair */
    struct rs_session *b = join("r10", "Bernd", bid);
    struct rs_session *c = join("r10", "Carla", cid); /* only listens */
    struct published pa = publish_checked(a);
    drain_cmds();
    json_t *offer_b = expect(b, "media", "subscribe_offer"); /* before B's publish_answer */
    struct published pb = publish_checked(b);
    drain_cmds();
    answer(b, offer_b);
    json_decref(offer_b);
    struct rs_cmd first[8];
    int k = take_cmds(first, 8);
    struct sub_seen subs[16];
    int n = 0;
    for (int i = 0; i < k; i++)
        if (first[i].type == RS_CMD_SUB_ADD)
            subs[n++] = (struct sub_seen){b, first[i].u.sub.track_id, first[i].u.sub.sub_id};
    struct rs_session *all[] = {a, b, c};
    n += answer_all(all, 3, subs + n, 16 - n);
    assert_int_equal(n, 8); /* A: B's two; B: A's two; C: all four */
    uint32_t b_to_a_audio = sub_of(subs, n, b, pa.audio),
             b_to_a_video = sub_of(subs, n, b, pa.video);
    uint32_t a_to_b_audio = sub_of(subs, n, a, pb.audio),
             a_to_b_video = sub_of(subs, n, a, pb.video);
    uint32_t c_to_b_audio = sub_of(subs, n, c, pb.audio),
             c_to_b_video = sub_of(subs, n, c, pb.video);
    no_more_cmds();

    /* opening changes nobody's place; moving B to room 1 cuts B off from A and C both ways */
    send_msg(a, json_pack("{s:s, s:s, s:[{s:s}]}", "ns", "breakout", "action", "open", "rooms",
                          "name", "Fraktion"));
    no_more_cmds();
    send_msg(a, json_pack("{s:s, s:s, s:s, s:i}", "ns", "breakout", "action", "assign",
                          "participant", bid, "room", 1));
    uint32_t ids[32];
    assert_int_equal(enables(ids, 32, 0), 6);
    const uint32_t cut[] = {b_to_a_audio, b_to_a_video, a_to_b_audio,
                            a_to_b_video, c_to_b_audio, c_to_b_video};
    for (int i = 0; i < 6; i++)
        assert_true(listed_id(ids, 6, cut[i]));
    expect_none(b, "media", "subscribe_offer"); /* no renegotiation */
    drain(a);
    drain(c);

    /* A speaks in the plenary: C is told, B (room 1) is not; room 1 does not hear the plenary */
    struct rs_event ev = {.type = RS_EV_ACTIVE_SPEAKER, .owner = pa.owner};
    rs_sfu_inject_event(app.media, &ev);
    json_t *j = expect(c, "media", "active_speaker");
    json_decref(j);
    expect_none(b, "media", "active_speaker");
    no_more_cmds();
    /* room 1 hears the plenary now: A's audio (only) reaches B */
    send_msg(a, json_pack("{s:s, s:s, s:i, s:b}", "ns", "breakout", "action", "set_hear_plenary",
                          "room", 1, "on", 1));
    assert_int_equal(enables(ids, 32, 1), 1);
    assert_int_equal(ids[0], b_to_a_audio);
    /* B speaks in room 1: nobody outside learns it, nothing crosses */
    drain(a);
    drain(b);
    drain(c);
    ev.owner = pb.owner;
    rs_sfu_inject_event(app.media, &ev);
    j = expect(b, "media", "active_speaker");
    json_decref(j);
    expect_none(a, "media", "active_speaker");
    expect_none(c, "media", "active_speaker");
    no_more_cmds();

    /* close: everything is on again */
    send_msg(a, json_pack("{s:s, s:s}", "ns", "breakout", "action", "close"));
    assert_int_equal(enables(ids, 32, 1), 5);
    for (int i = 1; i < 6; i++)
        assert_true(listed_id(ids, 5, cut[i]));
    drain(a);
    drain(b);
    drain(c);
}

/* Podium mode (room/podium.c): an audience member's publish is refused and changes nothing; a
 * publisher that becomes audience is cut off at once (its subscriptions disabled) and its
 * publication ends (transport removed, the others renegotiate without it); called up, it
 * publishes again. */
static void test_podium_stage(void **state)
{
    char aid[16], bid[16];
    struct rs_session *a = join("rpod", "Anna", aid); /* first in: moderator */
    struct rs_session *b = join("rpod", "Bernd", bid);
    struct published pb = publish_checked(b);
    struct rs_cmd c = next_cmd();
    assert_int_equal(c.type, RS_CMD_TRANSPORT_ADD);
    json_t *offer = expect(a, "media", "subscribe_offer");
    answer(a, offer);
    json_decref(offer);
    assert_int_equal(next_cmd().type, RS_CMD_TRANSPORT_DTLS);
    struct rs_cmd sa = next_cmd(), sv = next_cmd();
    assert_int_equal(sa.type, RS_CMD_SUB_ADD);
    assert_int_equal(sv.type, RS_CMD_SUB_ADD);
    no_more_cmds();
    drain(a);
    drain(b);

    /* podium mode on: Bernd is audience; nothing of his is forwarded, then his publication ends */
    send_msg(a, json_pack("{s:s, s:s, s:b}", "ns", "podium", "action", "set", "on", 1));
    struct rs_cmd cmds[16];
    int n = take_cmds(cmds, 16);
    assert_true(n >= 3);
    assert_int_equal(cmds[0].type, RS_CMD_SUB_ENABLE);
    assert_int_equal(cmds[1].type, RS_CMD_SUB_ENABLE);
    assert_int_equal(cmds[0].u.ref.flag, 0);
    assert_int_equal(cmds[1].u.ref.flag, 0);
    assert_true((cmds[0].u.ref.id == sa.u.sub.sub_id && cmds[1].u.ref.id == sv.u.sub.sub_id) ||
                (cmds[0].u.ref.id == sv.u.sub.sub_id && cmds[1].u.ref.id == sa.u.sub.sub_id));
    bool removed = false;
    for (int i = 2; i < n; i++)
        removed |= cmds[i].type == RS_CMD_TRANSPORT_REMOVE && cmds[i].u.ref.id == pb.tid;
    assert_true(removed);
    json_t *upd = expect(a, "control", "participant_updated");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(upd, "participant"), "id")), bid);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(upd, "participant"), "tracks")), 0);
    json_decref(upd);
    json_t *st = expect(b, "podium", "state");
    assert_true(json_is_false(json_object_get(st, "you_on_stage")));
    json_decref(st);
    drain(a);
    drain(b);

    /* his publish is refused: no transport, no track */
    uint64_t refused = rs_metric_get(RS_M_PODIUM_PUBLISH_REFUSED);
    publish(b, chrome_offer);
    expect_error(b, "not_on_stage");
    no_more_cmds();
    assert_int_equal(rs_metric_get(RS_M_PODIUM_PUBLISH_REFUSED), refused + 1);
    expect_none(a, "control", "participant_updated");

    /* called up, he publishes again */
    send_msg(a, json_pack("{s:s, s:s, s:s}", "ns", "podium", "action", "call_up", "participant",
                          bid));
    drain_cmds();
    publish(b, chrome_offer);
    json_decref(expect(b, "media", "publish_answer"));
    n = take_cmds(cmds, 16);
    uint32_t tid = 0;
    for (int i = 0; i < n; i++)
        if (cmds[i].type == RS_CMD_TRANSPORT_ADD && !cmds[i].u.transport.subscriber)
            tid = cmds[i].u.transport.tid;
    assert_int_not_equal(tid, 0);
    drain(a);

    /* he leaves the stage himself: his new publication ends the same way */
    send_msg(b, json_pack("{s:s, s:s, s:s}", "ns", "podium", "action", "send_back", "participant",
                          bid));
    n = take_cmds(cmds, 16);
    removed = false;
    for (int i = 0; i < n; i++)
        removed |= cmds[i].type == RS_CMD_TRANSPORT_REMOVE && cmds[i].u.ref.id == tid;
    assert_true(removed);
    upd = expect(a, "control", "participant_updated");
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(upd, "participant"), "tracks")), 0);
    json_decref(upd);
    drain(b);
    publish(b, chrome_offer);
    expect_error(b, "not_on_stage");
    no_more_cmds();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_subscribe_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined_extras, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined_turn_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_screen_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_media_plane, setup_no_media, teardown),
        cmocka_unit_test_setup_teardown(test_transport_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rooms_on_workers, setup_two_workers, teardown),
        cmocka_unit_test_setup_teardown(test_large_room_spreads, setup_two_workers, teardown),
        cmocka_unit_test_setup_teardown(test_active_speaker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_m_section, setup, teardown),
        cmocka_unit_test(test_audio_routes_table),
        cmocka_unit_test_setup_teardown(test_breakout_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_podium_stage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
