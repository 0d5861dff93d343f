/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade (docs/cluster.md section 11), in-process over fake sessions, a detached media
 * plane, a fake owner lookup and fake relay links:
 * - the answer to an owner's subscribe offer (rs_cascade_build_answer): built from the offer our
 *   own server writes, it parses, answers every m-section in order, keeps the owner's payload
 *   types, RTX, rtcp-fb and extension ids, carries our ICE credentials, a=setup:active; too
 *   small a buffer is -ENOSPC at every size;
 * - the edge: an audience join to a cascading room opens an edge room and one relay link, which
 *   joins the owner with the cluster secret; the owner's joined/participant events become
 *   mirrors the audience sees on the stage; its subscribe offer becomes one uplink transport
 *   toward its candidate and the mirrors' tracks on it, an answer and a video size upstream,
 *   and a subscribe offer to the audience; a second listener shares the relay; the stage member
 *   leaving takes its mirror and tracks; bad input from the owner is dropped and counted; the
 *   last listener leaving removes the uplink, closes the link and frees the room; a moderator's
 *   join is moved to the owner;
 * - the owner: a relay join needs the secret (refused and counted otherwise) and is seen by
 *   nobody. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <stdlib.h>


#include "core/app.h"
#include "auth/web_session.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "rtc/sdp.h"
#include "sfu/cascade.h"
#include "sfu/command.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

#define FP                                                                                         \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"

static struct rs_sdp offer, answer;
static char offer_text[RS_SDP_MAX_TEXT], out[RS_SDP_MAX_TEXT];

static size_t owner_offer(void)
{
    struct rs_sdp_local l;
    rs_sdp_local_init(&l);
    l.ice_ufrag = "0001abcd";
    l.ice_pwd = "ABCDEFGHIJKLMNOPQRSTUVWX";
    l.fingerprint = FP;
    l.ip = "127.0.0.1";
    l.port = 40000;
    l.session_id = 77;
    const struct rs_sdp_offer_track tracks[] = {
        {.mid = "0",
         .kind = RS_SDP_KIND_AUDIO,
         .active = true,
         .pt = 111,
         .codec_name = "opus",
         .clock = 48000,
         .channels = 2,
         .fmtp = "minptime=10;useinbandfec=1",
         .rtx_pt = -1,
         .ssrc = 1001,
         .cname = "pabc",
         .stream_id = "pabc",
         .track_id = "pabc-microphone",
         .exts = RS_SDP_EXT_MID | RS_SDP_EXT_AUDIO_LEVEL | RS_SDP_EXT_ABS_SEND_TIME},
        {.mid = "1",
         .kind = RS_SDP_KIND_VIDEO,
         .active = true,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97,
         .ssrc = 2002,
         .rtx_ssrc = 2003,
         .cname = "pabc",
         .stream_id = "pabc",
         .track_id = "pabc-camera",
         .exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME,
         .fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB},
        {.mid = "2",
         .kind = RS_SDP_KIND_VIDEO,
         .active = false,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97},
    };
    size_t len = 0;
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 1, offer_text, sizeof(offer_text), &len), 0);
    assert_int_equal(rs_sdp_parse(offer_text, len, &offer), 0);
    return len;
}

static void test_answer(void **state)
{
    (void)state;
    owner_offer();
    size_t len = 0;
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, sizeof(out), &len),
                     0);
    assert_int_equal(rs_sdp_parse(out, len, &answer), 0);
    assert_int_equal(answer.n_media, 3);
    struct rs_sdp_transport tr;
    assert_int_equal(rs_sdp_get_transport(&answer, &tr), 0);
    assert_string_equal(tr.ice_ufrag, "0002wxyz");
    assert_int_equal(tr.setup, RS_SDP_SETUP_ACTIVE);
    assert_int_equal(tr.fingerprint->len, 32);
    struct rs_sdp_media_choice ch[3];
    assert_int_equal(rs_sdp_parse_answer_choices(&answer, ch, 3), 0);
    assert_true(ch[0].accepted);
    assert_string_equal(ch[0].mid, "0");
    assert_int_equal(ch[0].dir, RS_SDP_DIR_RECVONLY);
    assert_int_equal(ch[0].codec, RS_SDP_CODEC_OPUS);
    assert_int_equal(ch[0].pt, 111);
    assert_int_equal(ch[0].ext.mid, RS_SDP_OFFER_EXTID_MID);
    assert_int_equal(ch[0].ext.audio_level, RS_SDP_OFFER_EXTID_AUDIO_LEVEL);
    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 96);
    assert_int_equal(ch[1].rtx_pt, 97);
    assert_int_equal(ch[1].fb & (RS_SDP_FB_NACK | RS_SDP_FB_PLI), RS_SDP_FB_NACK | RS_SDP_FB_PLI);
    /* an ended (rejected) m-section stays rejected, with its mid */
    assert_int_equal(answer.media[2].port, 0);
    assert_string_equal(answer.media[2].mid, "2");
    assert_false(ch[2].accepted);
    /* what the edge takes from the offer: the owner's SSRCs */
    struct rs_sdp_media_choice oc[3];
    assert_int_equal(rs_sdp_parse_answer_choices(&offer, oc, 3), 0);
    assert_int_equal(oc[1].ssrc, 2002);
    assert_int_equal(oc[1].rtx_ssrc, 2003);
}

static void test_answer_too_small(void **state)
{
    (void)state;
    owner_offer();
    size_t len = 0, full;
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, sizeof(out), &full),
                     0);
    for (size_t cap = 1; cap <= full; cap += 53)
        assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                                 out, cap, &len),
                         -ENOSPC);
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, full + 1, &len),
                     0);
    assert_int_equal(len, full);
}

/* ---- the edge and the owner, in-process ---- */

#define SECRET "unit-test-cluster-secret-0123456789abcdef"
#define CHAIR "pchair000001"
#define DORA "pdora0000001"

static struct rs_app app;
static int owner_cascading = 1; /* the fake owner lookup: cascading (1) or not */

/* fake links: one at a time is enough here */
static struct {
    int opened, closed;
    const struct rs_cascade_link_cb *cb;
    void *ctx;
    char sent[16][4096];
    unsigned n_sent;
} lk;

static struct rs_cascade_link *fake_open(void *user, const char *url,
                                         const struct rs_cascade_link_cb *cb, void *ctx)
{
    (void)user;
    assert_string_equal(url, "http://127.0.0.1:1");
    lk.opened++;
    lk.cb = cb;
    lk.ctx = ctx;
    return (struct rs_cascade_link *)&lk;
}

static int fake_send(struct rs_cascade_link *l, const char *text, size_t len)
{
    assert_ptr_equal(l, &lk);
    if (lk.n_sent < 16)
        snprintf(lk.sent[lk.n_sent++], sizeof(lk.sent[0]), "%.*s", (int)len, text);
    return 0;
}

static void fake_close(struct rs_cascade_link *l)
{
    assert_ptr_equal(l, &lk);
    lk.closed++;
}

static int fake_cascading(void *user, const char *room, struct rs_room_moved *owner)
{
    (void)user;
    (void)room;
    memset(owner, 0, sizeof(*owner));
    if (!owner_cascading)
        return -ENOENT;
    snprintf(owner->node, sizeof(owner->node), "a");
    snprintf(owner->url, sizeof(owner->url), "http://127.0.0.1:1");
    snprintf(owner->media_ip, sizeof(owner->media_ip), "127.0.0.1");
    return 0;
}

static void want_write(struct rs_session *s)
{
    (void)s;
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
    (void)s;
    (void)status;
    (void)reason;
}
static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    (void)state;
    memset(&app, 0, sizeof(app));
    memset(&lk, 0, sizeof(lk));
    owner_cascading = 1;
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 1000;
    snprintf(app.cfg.cluster_secret, sizeof(app.cfg.cluster_secret), "%s", SECRET);
    snprintf(app.cfg.cluster_node_id, sizeof(app.cfg.cluster_node_id), "b");
    app.rooms = rs_rooms_new(&app);
    app.media = rs_sfu_new_detached(&app, FP, "127.0.0.1", 40000, 1);
    app.room_owner.cascading = fake_cascading;
    app.cascade_links = (struct rs_cascade_links){fake_open, fake_send, fake_close, NULL};
    return app.rooms && app.media ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    rs_sfu_free_detached(app.media);
    return 0;
}

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

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

static bool has_event(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    bool hit = false;
    while ((j = next(s))) {
        hit |= strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
               strcmp(json_string_value(json_object_get(j, "event")), event) == 0;
        json_decref(j);
    }
    return hit;
}

static void send_msg(struct rs_session *s, json_t *msg)
{
    char *t = json_dumps(msg, JSON_COMPACT);
    rs_session_on_message(s, t, strlen(t));
    free(t);
    json_decref(msg);
}

static struct rs_session *join(const char *room, const char *name, json_t **joined)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room", room,
                          "display_name", name));
    json_t *j;
    while ((j = next(s))) {
        const char *ev = json_string_value(json_object_get(j, "event"));
        if (ev && (strcmp(ev, "joined") == 0 || strcmp(ev, "error") == 0))
            break;
        json_decref(j);
    }
    assert_non_null(j);
    *joined = j;
    return s;
}

static void owner_says(struct rs_room *room, json_t *msg)
{
    char *t = json_dumps(msg, JSON_COMPACT);
    rs_cascade_on_message(room, t, strlen(t));
    free(t);
    json_decref(msg);
}

static struct rs_cmd take(enum rs_cmd_type type)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(app.media, &c) == 0)
        if (c.type == type)
            return c;
    fail_msg("no command %d", (int)type);
    return c;
}

/* The last message of `action` for `member` this node sent the owner (new reference). */
static json_t *sent_to_owner(const char *action, const char *member)
{
    for (unsigned i = lk.n_sent; i-- > 0;) {
        json_t *j = json_loads(lk.sent[i], 0, NULL);
        const char *a = json_string_value(json_object_get(j, "action"));
        const char *m = json_string_value(json_object_get(j, "member"));
        if (a && m && strcmp(a, action) == 0 && strcmp(m, member) == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no %s for %s sent to the owner", action, member);
    return NULL;
}

static json_t *stage_member(const char *id, const char *name, const char *role)
{
    return json_pack("{s:s, s:s, s:s}", "id", id, "display_name", name, "role", role);
}

static void test_edge(void **state)
{
    (void)state;
    json_t *j;
    uint64_t bad0 = rs_metric_get(RS_M_CASCADE_BAD_INPUT);
    struct rs_session *b1 = join("r1", "Berta", &j);
    assert_string_equal(json_string_value(json_object_get(j, "event")), "joined");
    json_decref(j);
    struct rs_room *room = rs_rooms_find(app.rooms, "r1");
    assert_non_null(room);
    assert_true(room->edge);
    assert_int_equal(lk.opened, 1);
    /* the link opens: the relay joins the owner with the secret */
    lk.cb->on_open(lk.ctx);
    assert_int_equal(lk.n_sent, 1);
    json_t *rj = json_loads(lk.sent[0], 0, NULL);
    assert_string_equal(json_string_value(json_object_get(rj, "action")), "join");
    assert_string_equal(json_string_value(json_object_get(rj, "cascade_secret")), SECRET);
    assert_string_equal(json_string_value(json_object_get(rj, "cascade_node")), "b");
    json_decref(rj);

    /* the owner's joined: the stage becomes a mirror the audience sees on the stage */
    owner_says(room, json_pack("{s:s, s:s, s:s, s:[o], s:{s:b, s:[s]}}", "ns", "control", "event",
                               "joined", "id", "prelay000001", "participants",
                               stage_member(CHAIR, "Erika", "moderator"), "podium", "on", 1,
                               "stage", CHAIR));
    struct rs_participant *mirror = rs_room_participant(room, CHAIR);
    assert_non_null(mirror);
    assert_true(mirror->mirror);
    j = expect(b1, "control", "participant_joined");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "participant"), "display_name")),
        "Erika");
    json_decref(j);

    /* the owner's subscribe offer: an uplink, the mirror's tracks, an answer, a video size */
    static char text[RS_SDP_MAX_TEXT];
    struct rs_sdp_local l;
    rs_sdp_local_init(&l);
    l.ice_ufrag = "0001abcd";
    l.ice_pwd = "ABCDEFGHIJKLMNOPQRSTUVWX";
    l.fingerprint = FP;
    l.ip = "127.0.0.1";
    l.port = 40123;
    l.session_id = 9;
    const struct rs_sdp_offer_track tracks[] = {
        {.mid = "0",
         .kind = RS_SDP_KIND_AUDIO,
         .active = true,
         .pt = 111,
         .codec_name = "opus",
         .clock = 48000,
         .channels = 2,
         .rtx_pt = -1,
         .ssrc = 1001,
         .cname = CHAIR,
         .stream_id = CHAIR,
         .track_id = CHAIR "-microphone",
         .exts = RS_SDP_EXT_MID},
        {.mid = "1",
         .kind = RS_SDP_KIND_VIDEO,
         .active = true,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97,
         .ssrc = 2002,
         .rtx_ssrc = 2003,
         .cname = CHAIR,
         .stream_id = CHAIR,
         .track_id = CHAIR "-camera",
         .exts = RS_SDP_EXT_MID,
         .fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI},
    };
    size_t len;
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 2, 1, text, sizeof(text), &len), 0);
    while (rs_sfu_take_cmd(app.media, &(struct rs_cmd){0}) == 0) {
    }
    owner_says(room,
               json_pack("{s:s, s:s, s:i, s:s, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}",
                         "ns", "media", "event", "subscribe_offer", "revision", 1, "sdp", text,
                         "tracks", "mid", "0", "participant", CHAIR, "source", "microphone", "kind",
                         "audio", "mid", "1", "participant", CHAIR, "source", "camera", "kind",
                         "video"));
    struct rs_cmd up = take(RS_CMD_TRANSPORT_ADD);
    assert_true(up.u.transport.uplink);
    assert_true(up.u.transport.dtls_client);
    assert_int_equal(up.u.transport.peer_port, 40123);
    assert_string_equal(up.u.transport.remote_ufrag, "0001abcd");
    struct rs_cmd t1 = take(RS_CMD_TRACK_ADD), t2 = take(RS_CMD_TRACK_ADD);
    assert_int_equal(t1.u.track.tid, up.u.transport.tid);
    assert_int_equal(t2.u.track.tid, up.u.transport.tid);
    assert_int_equal(t1.u.track.ssrc, 1001);
    assert_int_equal(t2.u.track.ssrc, 2002);
    assert_int_equal(t2.u.track.rtx_ssrc, 2003);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_UPLINKS), 1);
    bool answered = false, sized = false;
    for (unsigned i = 1; i < lk.n_sent; i++) {
        answered |=
            strstr(lk.sent[i], "\"subscribe_answer\"") && strstr(lk.sent[i], "setup:active");
        sized |= strstr(lk.sent[i], "\"video_size\"") != NULL;
    }
    assert_true(answered);
    assert_true(sized);
    /* the audience is offered the mirror's tracks */
    j = expect(b1, "media", "subscribe_offer");
    assert_int_equal(json_array_size(json_object_get(j, "tracks")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "tracks"), 0), "participant")),
                        CHAIR);
    json_decref(j);

    /* a second listener shares the relay */
    struct rs_session *b2 = join("r1", "Bodo", &j);
    assert_true(json_array_size(json_object_get(j, "participants")) >= 1);
    char b2_id[RS_PARTICIPANT_ID_LEN + 1];
    snprintf(b2_id, sizeof(b2_id), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    assert_int_equal(lk.opened, 1);
    assert_true(has_event(b2, "media", "subscribe_offer"));

    /* the owner knows both listeners (member_join with their resume token's hash) */
    struct rs_participant *bp1 = room->head;
    while (bp1 && bp1->mirror)
        bp1 = bp1->next;
    assert_non_null(bp1);
    char b1_id[RS_PARTICIPANT_ID_LEN + 1];
    snprintf(b1_id, sizeof(b1_id), "%s", bp1->id);
    j = sent_to_owner("member_join", b1_id);
    assert_string_equal(json_string_value(json_object_get(j, "display_name")), "Berta");
    assert_int_equal(strlen(json_string_value(json_object_get(j, "resume_hash"))), 64);
    json_decref(j);
    json_decref(sent_to_owner("member_join", b2_id));

    /* the audience's questions and chat go to the owner, who runs them; other namespaces not */
    lk.n_sent = 0;
    send_msg(b1, json_pack("{s:s, s:s, s:s, s:s}", "ns", "podium", "action", "ask", "text",
                           "Frage?", "ref", "q1"));
    j = sent_to_owner("as", b1_id);
    json_t *inner = json_object_get(j, "msg");
    assert_string_equal(json_string_value(json_object_get(inner, "action")), "ask");
    assert_string_equal(json_string_value(json_object_get(inner, "ref")), "q1");
    json_decref(j);
    send_msg(b1, json_pack("{s:s, s:s, s:s}", "ns", "chat", "action", "send", "text", "hallo"));
    json_decref(sent_to_owner("as", b1_id));
    send_msg(b1, json_pack("{s:s, s:s, s:s}", "ns", "whisper", "action", "create", "name", "x"));
    j = expect(b1, "whisper", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "forbidden");
    json_decref(j);

    /* what the owner sends a member: the audience's part reaches its browser, the rest (its
     * joined, the owner's podium/state, media) does not */
    owner_says(room, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:i, s:s}}", "ns", "cascade", "event",
                               "to", "member", b1_id, "msg", "ns", "podium", "event", "asked",
                               "question", 7, "ref", "q1"));
    j = expect(b1, "podium", "asked");
    assert_string_equal(json_string_value(json_object_get(j, "ref")), "q1");
    json_decref(j);
    owner_says(room, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:b}}", "ns", "cascade", "event", "to",
                               "member", b1_id, "msg", "ns", "podium", "event", "state", "on", 0));
    owner_says(room, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "ns", "cascade", "event", "to",
                               "member", b1_id, "msg", "ns", "control", "event", "joined"));
    assert_false(has_event(b1, "podium", "state"));
    assert_non_null(rs_rooms_find(app.rooms, "r1"));
    /* an unknown member is dropped quietly (it left meanwhile), a bad id is counted */
    owner_says(room, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "ns", "cascade", "event", "to",
                               "member", "pnobody00001", "msg", "ns", "hand", "event", "raised"));
    owner_says(room, json_pack("{s:s, s:s, s:s}", "ns", "cascade", "event", "to", "member",
                               "not an id!"));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad0 + 1);
    bad0++;

    /* called up at the owner: moved there (its URL), gone here, no member_leave */
    lk.n_sent = 0;
    owner_says(room,
               json_pack("{s:s, s:s, s:s}", "ns", "cascade", "event", "move", "member", b2_id));
    j = expect(b2, "control", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "moved");
    assert_string_equal(json_string_value(json_object_get(j, "url")), "http://127.0.0.1:1");
    json_decref(j);
    assert_null(rs_room_participant(room, b2_id));
    assert_int_equal(lk.n_sent, 0);

    /* bad input from the owner: dropped and counted, the relay goes on */
    owner_says(room, json_pack("{s:s}", "hello", "world"));
    rs_cascade_on_message(room, "{not json", 9);
    owner_says(room,
               json_pack("{s:s, s:s, s:{s:s, s:s}}", "ns", "control", "event", "participant_joined",
                         "participant", "id", "p-not-an-id-because-too-long", "display_name", "x"));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad0 + 3);
    assert_int_equal(lk.closed, 0);

    /* a stage member joins and leaves */
    owner_says(room, json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_joined",
                               "participant", stage_member(DORA, "Dora", "participant")));
    assert_non_null(rs_room_participant(room, DORA));
    /* sent back to the audience (participant_updated with stage false): off the stage here */
    owner_says(room, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:b}}", "ns", "control", "event",
                               "participant_updated", "participant", "id", DORA, "display_name",
                               "Dora", "role", "participant", "stage", 0));
    assert_null(rs_room_participant(room, DORA));
    /* called up again, then a podium/state whose stage no longer lists her */
    owner_says(room, json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_joined",
                               "participant", stage_member(DORA, "Dora", "participant")));
    assert_non_null(rs_room_participant(room, DORA));
    owner_says(room, json_pack("{s:s, s:s, s:b, s:[s]}", "ns", "podium", "event", "state", "on", 1,
                               "stage", CHAIR));
    assert_null(rs_room_participant(room, DORA));
    assert_non_null(rs_room_participant(room, CHAIR));
    /* the chair leaves: its mirror's tracks go */
    while (rs_sfu_take_cmd(app.media, &(struct rs_cmd){0}) == 0) {
    }
    owner_says(room, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "event", "participant_left",
                               "id", CHAIR, "reason", "left"));
    assert_null(rs_room_participant(room, CHAIR));
    take(RS_CMD_TRACK_REMOVE);
    take(RS_CMD_TRACK_REMOVE);

    /* the last listener leaves: uplink removed, link closed, room freed */
    while (rs_sfu_take_cmd(app.media, &(struct rs_cmd){0}) == 0) {
    }
    lk.n_sent = 0;
    send_msg(b1, json_pack("{s:s, s:s}", "ns", "control", "action", "leave"));
    json_decref(sent_to_owner("member_leave", b1_id));
    assert_int_equal(lk.closed, 1);
    struct rs_cmd rm;
    bool removed = false;
    while (rs_sfu_take_cmd(app.media, &rm) == 0)
        removed |= rm.type == RS_CMD_TRANSPORT_REMOVE && rm.u.ref.id == up.u.transport.tid;
    assert_true(removed);
    assert_null(rs_rooms_find(app.rooms, "r1"));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_UPLINKS), 0);
}

/* The owner sends a one-track subscribe offer whose UDP candidate is `addr`, port 9. */
static void offer_with_candidate(struct rs_room *room, const char *addr)
{
    char sdp[1024];
    snprintf(sdp, sizeof(sdp),
             "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
             "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
             "a=ice-ufrag:0001abcd\r\na=ice-pwd:ABCDEFGHIJKLMNOPQRSTUVWX\r\n"
             "a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\na=rtcp-mux\r\na=sendonly\r\n"
             "a=rtpmap:111 opus/48000/2\r\na=ssrc:5 cname:x\r\n"
             "a=candidate:1 1 udp 2130706431 %s 9 typ host\r\n",
             addr);
    owner_says(room, json_pack("{s:s, s:s, s:i, s:s, s:[]}", "ns", "media", "event",
                               "subscribe_offer", "revision", 1, "sdp", sdp, "tracks"));
}

/* An offer whose candidate is an address, but not the owner's media address in its node record
 * (127.0.0.1 here, fake_cascading; an IPv4-mapped IPv6 spelling of it too, which our servers
 * never write): refused and counted, no uplink toward it, the relay stops. */
static void test_edge_offer_elsewhere(void **state)
{
    (void)state;
    const char *elsewhere[] = {"10.9.8.7", "127.0.0.2", "::1", "::ffff:127.0.0.1"};
    for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
        json_t *j;
        char name[16];
        snprintf(name, sizeof(name), "r-else%zu", i);
        struct rs_session *b1 = join(name, "Berta", &j);
        json_decref(j);
        has_event(b1, "control", "none"); /* drain */
        struct rs_room *room = rs_rooms_find(app.rooms, name);
        lk.cb->on_open(lk.ctx);
        uint64_t bad0 = rs_metric_get(RS_M_CASCADE_BAD_INPUT),
                 fail0 = rs_metric_get(RS_M_CASCADE_FAILURES);
        offer_with_candidate(room, elsewhere[i]);
        assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad0 + 1);
        assert_int_equal(rs_metric_get(RS_M_CASCADE_FAILURES), fail0 + 1);
        assert_int_equal(rs_metric_get(RS_M_CASCADE_UPLINKS), 0);
        struct rs_cmd c;
        while (rs_sfu_take_cmd(app.media, &c) == 0)
            assert_int_not_equal(c.type, RS_CMD_TRANSPORT_ADD);
        rs_session_free(b1); /* the last listener: the edge room goes */
    }
}

/* An offer whose candidate is no IP literal (not one of our nodes): refused, counted, the relay
 * stops and is retried later. */
static void test_edge_bad_offer(void **state)
{
    (void)state;
    json_t *j;
    struct rs_session *b1 = join("r2", "Berta", &j);
    json_decref(j);
    has_event(b1, "control", "none"); /* drain */
    struct rs_room *room = rs_rooms_find(app.rooms, "r2");
    lk.cb->on_open(lk.ctx);
    uint64_t bad0 = rs_metric_get(RS_M_CASCADE_BAD_INPUT),
             fail0 = rs_metric_get(RS_M_CASCADE_FAILURES);
    offer_with_candidate(room, "evil.local");
    assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad0 + 1);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_FAILURES), fail0 + 1);
    assert_int_equal(lk.closed, 1);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_UPLINKS), 0);
    /* failing again and again: given up after RS_CASCADE_GIVE_UP in a row, the audience is
     * sent to the owner (moved with its URL) and the edge room ends */
    for (int i = 1; i < RS_CASCADE_GIVE_UP; i++) {
        rs_cascade_poll(&app);
        assert_non_null(rs_rooms_find(app.rooms, "r2"));
        rs_cascade_edge_fail(room, "test");
    }
    rs_cascade_poll(&app);
    j = expect(b1, "control", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "moved");
    assert_string_equal(json_string_value(json_object_get(j, "url")), "http://127.0.0.1:1");
    json_decref(j);
    assert_null(rs_rooms_find(app.rooms, "r2"));
}

/* The owner ends the meeting, or ends podium mode: the audience goes to the owner (moved). */
static void test_edge_ended_and_podium_off(void **state)
{
    (void)state;
    const char *msgs[2] = {"{\"ns\":\"control\",\"event\":\"ended\",\"by\":\"pchair000001\"}",
                           "{\"ns\":\"podium\",\"event\":\"state\",\"on\":false,\"stage\":[]}"};
    for (int k = 0; k < 2; k++) {
        json_t *j;
        struct rs_session *b1 = join("r5", "Berta", &j);
        json_decref(j);
        struct rs_room *room = rs_rooms_find(app.rooms, "r5");
        assert_non_null(room);
        lk.cb->on_open(lk.ctx);
        int closed0 = lk.closed;
        rs_cascade_on_message(room, msgs[k], strlen(msgs[k]));
        j = expect(b1, "control", "error");
        assert_string_equal(json_string_value(json_object_get(j, "code")), "moved");
        assert_string_equal(json_string_value(json_object_get(j, "url")), "http://127.0.0.1:1");
        json_decref(j);
        assert_null(rs_rooms_find(app.rooms, "r5"));
        assert_int_equal(lk.closed, closed0 + 1);
    }
}

/* A moderator's join (a creator key) to a cascading room is moved to the owner. */
static void test_edge_moves_moderators(void **state)
{
    (void)state;
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(s, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                          "r3", "display_name", "Chef", "creator_key", "abcdefghijklmnopqrstuv"));
    json_t *j = expect(s, "control", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "moved");
    assert_string_equal(json_string_value(json_object_get(j, "url")), "http://127.0.0.1:1");
    json_decref(j);
    assert_null(rs_rooms_find(app.rooms, "r3"));
}

/* The owner's side: a relay join needs the secret and is seen by nobody. */
static void test_owner_relay_join(void **state)
{
    (void)state;
    owner_cascading = 0; /* this node owns the rooms here */
    json_t *j;
    struct rs_session *chair = join("r4", "Erika", &j);
    json_decref(j);
    uint64_t refused0 = rs_metric_get(RS_M_CASCADE_REFUSED);
    struct rs_session *relay = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join",
                              "room", "r4", "display_name", "relay", "cascade_node", "b",
                              "cascade_secret", "wrong-secret-wrong-secret-wrong-secret"));
    j = expect(relay, "control", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "unauthorized");
    json_decref(j);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REFUSED), refused0 + 1);
    /* a room not open here */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join",
                              "room", "nothere", "display_name", "relay", "cascade_node", "b",
                              "cascade_secret", SECRET));
    j = expect(relay, "control", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "not_found");
    json_decref(j);
    has_event(chair, "control", "participant_joined"); /* drain */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join",
                              "room", "r4", "display_name", "relay", "cascade_node", "b",
                              "cascade_secret", SECRET));
    j = expect(relay, "control", "joined");
    json_decref(j);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_RELAY_SUBSCRIBERS), 1);
    assert_false(has_event(chair, "control", "participant_joined"));
    send_msg(relay, json_pack("{s:s, s:s}", "ns", "control", "action", "leave"));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_RELAY_SUBSCRIBERS), 0);
    assert_false(has_event(chair, "control", "participant_left"));
}

#define MEMBER "pmember00001"

/* Another node's relay joining `room` here with the cluster secret: its session and its
 * control/joined (the caller's to free; NULL when `joined` is NULL: freed here). */
static struct rs_session *relay_join(const char *room, json_t **joined)
{
    struct rs_session *relay = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(relay);
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join",
                              "room", room, "display_name", "relay", "cascade_node", "b",
                              "cascade_secret", SECRET));
    json_t *j = expect(relay, "control", "joined");
    if (joined)
        *joined = j;
    else
        json_decref(j);
    return relay;
}

static json_t *member_join_msg(const char *id, const char *name, const char *hash)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "cascade", "action", "member_join",
                     "member", id, "display_name", name, "role", "guest", "resume_hash", hash);
}

/* The owner's side: another node's audience members are members here; their hands reach the
 * chair, the chair calls one up and it resumes here with its token; bad input is refused. */
static void test_owner_members(void **state)
{
    (void)state;
    owner_cascading = 0;
    json_t *j;
    struct rs_session *chair = join("r5", "Erika", &j);
    char chair_id[RS_PARTICIPANT_ID_LEN + 1];
    snprintf(chair_id, sizeof(chair_id), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    send_msg(chair, json_pack("{s:s, s:s, s:b}", "ns", "podium", "action", "set", "on", 1));
    struct rs_session *relay = relay_join("r5", NULL);
    has_event(chair, "control", "participant_joined"); /* drain */
    uint64_t bad0 = rs_metric_get(RS_M_CASCADE_BAD_INPUT);

    /* the member's token, of which the owner gets only the hash */
    const char *token = "tokentokentokentokentokentokentokentoken123";
    uint8_t h[32];
    char hash[65];
    rs_auth_token_hash(token, h);
    rs_snapshot_hex(h, 32, hash);
    send_msg(relay, member_join_msg(MEMBER, "Mia", hash));
    struct rs_room *room = rs_rooms_find(app.rooms, "r5");
    struct rs_participant *m = rs_room_participant(room, MEMBER);
    assert_non_null(m);
    assert_true(m->cascade_member);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), 1);
    j = expect(chair, "control", "participant_joined");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "participant"), "id")), MEMBER);
    json_decref(j);
    /* its joined went to its node wrapped (that node drops it) */
    j = expect(relay, "cascade", "to");
    assert_string_equal(json_string_value(json_object_get(j, "member")), MEMBER);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "msg"), "event")),
                        "joined");
    json_decref(j);

    /* its hand, raised on its node, reaches the chair; the answer goes back wrapped */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "ns", "cascade", "action", "as",
                              "member", MEMBER, "msg", "ns", "hand", "action", "raise"));
    j = expect(chair, "hand", "raised");
    assert_string_equal(json_string_value(json_object_get(j, "id")), MEMBER);
    json_decref(j);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_MEMBER_ACTIONS), 1);
    /* an action it may not do: its error goes to it, with its ref */
    has_event(relay, "cascade", "to"); /* drain */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "ns", "cascade", "action",
                              "as", "member", MEMBER, "msg", "ns", "podium", "action", "call_up",
                              "participant", MEMBER, "ref", "r9"));
    j = expect(relay, "cascade", "to");
    json_t *inner = json_object_get(j, "msg");
    assert_string_equal(json_string_value(json_object_get(inner, "event")), "error");
    assert_string_equal(json_string_value(json_object_get(inner, "code")), "forbidden");
    assert_string_equal(json_string_value(json_object_get(inner, "ref")), "r9");
    json_decref(j);

    /* bad input: counted and refused */
    send_msg(relay, member_join_msg(chair_id, "Dieb", hash)); /* an id taken here */
    send_msg(relay, member_join_msg("pmember00002", "Max", "abc")); /* no hash */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "ns", "cascade", "action", "as",
                              "member", "pmember00009", "msg", "ns", "hand", "action", "raise"));
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "ns", "cascade", "action", "as",
                              "member", MEMBER, "msg", "ns", "control", "action", "leave"));
    send_msg(relay, json_pack("{s:s, s:s, s:s}", "ns", "cascade", "action", "member_leave",
                              "member", "pmember00009"));
    send_msg(chair, member_join_msg("pmember00003", "Max", hash)); /* not a relay */
    assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad0 + 6);
    j = expect(chair, "cascade", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "forbidden");
    json_decref(j);
    assert_null(rs_room_participant(room, "pmember00002"));
    assert_null(rs_room_participant(room, "pmember00003"));
    assert_true(rs_room_participant(room, MEMBER)->cascade_member);
    /* mistyped fields: the dispatcher's errors */
    assert_true(has_event(relay, "cascade", "error")); /* the refusals above */
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:i}", "ns", "cascade", "action", "as", "member",
                              MEMBER, "msg", 3));
    j = expect(relay, "cascade", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "invalid_type");
    json_decref(j);

    /* the chair calls it up: its node is told to move it, it waits here as reconnecting */
    has_event(relay, "cascade", "to");
    send_msg(chair, json_pack("{s:s, s:s, s:s}", "ns", "podium", "action", "call_up",
                              "participant", MEMBER));
    j = expect(relay, "cascade", "move");
    assert_string_equal(json_string_value(json_object_get(j, "member")), MEMBER);
    json_decref(j);
    m = rs_room_participant(room, MEMBER);
    assert_false(m->cascade_member);
    assert_true(m->reconnecting_since_ms > 0);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), 0);
    assert_int_equal(rs_metric_get(RS_M_CASCADE_CALLUPS), 1);
    /* its browser comes with its token: the same participant, on the stage */
    struct rs_session *mia = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    send_msg(mia, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                            "r5", "display_name", "Mia", "resume", token));
    j = expect(mia, "control", "joined");
    assert_true(json_is_true(json_object_get(j, "resumed")));
    assert_string_equal(json_string_value(json_object_get(j, "id")), MEMBER);
    assert_true(json_is_true(json_object_get(json_object_get(j, "podium"), "you_on_stage")));
    json_decref(j);

    /* another member; its relay's link drops: it waits as reconnecting */
    send_msg(relay, member_join_msg("pmember00004", "Ole", hash));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), 1);
    has_event(chair, "control", "participant_left"); /* drain */
    rs_session_free(relay);
    struct rs_participant *ole = rs_room_participant(room, "pmember00004");
    assert_non_null(ole);
    assert_true(ole->reconnecting_since_ms > 0);
    assert_false(has_event(chair, "control", "participant_left"));
    /* the chair locks the meeting; the relay is back and announces its audience again: Ole
     * goes on (he never left), a newcomer is refused, a wrong token's hash is a collision */
    send_msg(chair, json_pack("{s:s, s:s, s:b}", "ns", "chair", "action", "lock", "locked", 1));
    relay = relay_join("r5", NULL);
    uint64_t bad1 = rs_metric_get(RS_M_CASCADE_BAD_INPUT);
    send_msg(relay, member_join_msg("pmember00004", "Ole", hash));
    assert_true(rs_room_participant(room, "pmember00004") == ole);
    assert_int_equal(ole->reconnecting_since_ms, 0);
    assert_true(ole->cascade_member);
    send_msg(relay, member_join_msg("pmember00005", "Neu", hash));
    assert_null(rs_room_participant(room, "pmember00005"));
    j = expect(relay, "cascade", "member_refused");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "meeting_locked");
    json_decref(j);
    char other[65];
    memset(other, 'b', 64);
    other[64] = 0;
    rs_session_free(relay); /* drops again; a join with another token's hash is no return */
    relay = relay_join("r5", NULL);
    send_msg(relay, member_join_msg("pmember00004", "Ole", other));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_BAD_INPUT), bad1 + 1);
    assert_true(ole->reconnecting_since_ms > 0);
    /* never back: it leaves after the resume grace, with the audience count */
    rs_room_expire_reconnecting(room, rs_wall_ms() + (int64_t)app.cfg.resume_grace_s * 1000 + 1000);
    assert_null(rs_room_participant(room, "pmember00004"));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), 0);
    assert_true(has_event(chair, "control", "participant_left"));
    rs_session_free(relay);
}

/* The owner's side: the chair leaves while another node's audience member is the longest
 * present participant, then the relay goes. Moderation passes to a participant here, never to
 * the remote member (its browser is another node's audience); the relay is in no member list;
 * the relay's audience waits for it and leaves after the resume grace (under ASan: nothing of
 * it is left over, as was the vote feature's state made anew for a half-gone relay on a
 * server's hand-over). */
static void test_owner_chair_leaves(void **state)
{
    (void)state;
    owner_cascading = 0;
    json_t *j;
    struct rs_session *chair = join("r6", "Erika", &j);
    json_decref(j);
    send_msg(chair, json_pack("{s:s, s:s, s:b}", "ns", "podium", "action", "set", "on", 1));
    json_t *rj;
    struct rs_session *relay = relay_join("r6", &rj);
    char relay_id[RS_PARTICIPANT_ID_LEN + 1];
    snprintf(relay_id, sizeof(relay_id), "%s", json_string_value(json_object_get(rj, "id")));
    json_decref(rj);
    char hash[65];
    memset(hash, 'a', 64);
    hash[64] = 0;
    send_msg(relay, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ns", "cascade", "action",
                              "member_join", "member", MEMBER, "display_name", "Mia", "role",
                              "participant", "resume_hash", hash));
    struct rs_room *room = rs_rooms_find(app.rooms, "r6");
    assert_non_null(rs_room_participant(room, MEMBER));
    struct rs_session *lu = join("r6", "Lu", &j);
    char lu_id[RS_PARTICIPANT_ID_LEN + 1];
    snprintf(lu_id, sizeof(lu_id), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);

    /* Lu called up gets the member list of the stage: no relay in it */
    has_event(lu, "podium", "state"); /* drain */
    send_msg(chair, json_pack("{s:s, s:s, s:s}", "ns", "podium", "action", "call_up",
                              "participant", lu_id));
    j = expect(lu, "podium", "state");
    json_t *list = json_object_get(j, "participants");
    assert_true(json_array_size(list) >= 2);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        assert_string_not_equal(json_string_value(json_object_get(e, "id")), relay_id);
        assert_string_not_equal(json_string_value(json_object_get(e, "display_name")), "relay");
    }
    json_decref(j);

    /* nor may the chair make Mia a moderator while another node serves her */
    has_event(chair, "moderation", "error"); /* drain */
    send_msg(chair, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ns", "moderation", "action",
                              "set_role", "id", MEMBER, "role", "moderator", "ref", "m1"));
    j = expect(chair, "moderation", "error");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "invalid_value");
    json_decref(j);
    assert_int_equal(rs_room_participant(room, MEMBER)->role, RS_ROLE_PARTICIPANT);

    /* the chair leaves: Lu (here) takes over, not Mia (on another node), present longer */
    send_msg(chair, json_pack("{s:s, s:s}", "ns", "control", "action", "leave"));
    assert_int_equal(rs_room_participant(room, lu_id)->role, RS_ROLE_MODERATOR);
    assert_int_not_equal(rs_room_participant(room, MEMBER)->role, RS_ROLE_MODERATOR);

    /* the relay goes: its audience waits for it (reconnecting), and leaves when it does not
     * come back within the resume grace; Lu stays */
    rs_session_free(relay);
    assert_true(rs_room_participant(room, MEMBER)->reconnecting_since_ms > 0);
    rs_room_expire_reconnecting(room, rs_wall_ms() + (int64_t)app.cfg.resume_grace_s * 1000 + 1000);
    assert_null(rs_room_participant(room, MEMBER));
    assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), 0);
    assert_true(has_event(lu, "control", "participant_left"));
    assert_non_null(rs_room_participant(room, lu_id));
}

/* A drain (the room handed over) while a relay's link is down: its member waits as
 * reconnecting and is the last one the hand-over takes out of the room, whose freeing takes the
 * member's stand-in along (under ASan: nothing of it is touched after that). The same when the
 * meeting is deleted. */
static void test_owner_orphan_handed_over(void **state)
{
    (void)state;
    owner_cascading = 0;
    const char *rooms[] = {"r8", "r9"};
    for (int i = 0; i < 2; i++) {
        json_t *j;
        struct rs_session *chair = join(rooms[i], "Erika", &j);
        json_decref(j);
        send_msg(chair, json_pack("{s:s, s:s, s:b}", "ns", "podium", "action", "set", "on", 1));
        struct rs_session *relay = relay_join(rooms[i], NULL);
        char hash[65];
        memset(hash, 'c', 64);
        hash[64] = 0;
        send_msg(relay, member_join_msg(MEMBER, "Mia", hash));
        struct rs_room *room = rs_rooms_find(app.rooms, rooms[i]);
        assert_non_null(rs_room_participant(room, MEMBER));
        rs_session_free(relay);
        assert_true(rs_room_participant(room, MEMBER)->reconnecting_since_ms > 0);
        uint64_t members = rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS);
        if (i == 0)
            assert_int_equal(rs_rooms_hand_over(app.rooms, rs_wall_ms()), 0);
        else
            rs_room_close_all(room);
        assert_null(rs_rooms_find(app.rooms, rooms[i]));
        assert_int_equal(rs_metric_get(RS_M_CASCADE_REMOTE_MEMBERS), members - 1);
        rs_session_free(chair);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_answer_too_small),
        cmocka_unit_test_setup_teardown(test_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_bad_offer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_offer_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_ended_and_podium_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_moves_moderators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_relay_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_chair_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_orphan_handed_over, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
