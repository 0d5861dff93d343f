/* SPDX-License-Identifier: EUPL-1.2 */
/* Janus' video-room API over its WebSocket transport (subprotocol "janus-protocol"):
 * create a session, attach janus.plugin.videoroom, then
 *   publisher:  join (ptype publisher, room 1234) → configure with our offer → jsep answer;
 *   subscriber: join (ptype subscriber, streams: every feed) → jsep offer → start with answer.
 * A participant that publishes and subscribes (meeting) attaches two handles on one session.
 * Requests carry a transaction "<kind>"; Janus answers "ack"/"success" then "event".
 *
 * A feed can be subscribed only once Janus has set up the publisher's PeerConnection, which it
 * signals with "webrtcup" on the publish handle, a moment after our DTLS handshake completes:
 * publishers count as ready only from then on, and a subscriber join that still meets
 * "No such feed" is tried again a few times. Simulcast layers are picked with a subscriber
 * "configure" naming the video mid and the substream. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define SDP_CAP (128 * 1024)
#define JANUS_ROOM 1234
#define JANUS_NO_SUCH_FEED 428 /* JANUS_VIDEOROOM_ERROR_NO_SUCH_FEED */
#define JOIN_RETRIES 10
#define JOIN_RETRY_US 200000

static void send_json(struct participant *pa, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s || ws_send_text(&pa->ws, s, strlen(s)))
        note_error(pa, "ws send");
    free(s);
}

static void request(struct participant *pa, const char *janus, const char *tx, uint64_t handle,
                    json_t *body, json_t *jsep)
{
    json_t *j = json_pack("{s:s, s:s}", "janus", janus, "transaction", tx);
    if (pa->session)
        json_object_set_new(j, "session_id", json_integer((json_int_t)pa->session));
    if (handle)
        json_object_set_new(j, "handle_id", json_integer((json_int_t)handle));
    if (body)
        json_object_set_new(j, "body", body);
    if (jsep)
        json_object_set_new(j, "jsep", jsep);
    send_json(pa, j);
}

void janus_start(struct participant *pa)
{
    request(pa, "create", "create", 0, NULL, NULL);
}

static void attach(struct participant *pa, const char *tx)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "janus", "attach", "plugin",
                          "janus.plugin.videoroom", "transaction", tx, "session_id",
                          (json_int_t)pa->session);
    send_json(pa, j);
}

void janus_subscribe(struct participant *pa)
{
    if (pa->sub_requested || !pa->sub_handle)
        return;
    json_t *streams = json_array();
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *o = g_parts[i];
        /* No "mid": Janus subscribes to every stream (audio and video) of the feed. */
        if (o && o != pa && o->publishes && o->feed)
            json_array_append_new(streams, json_pack("{s:I}", "feed", (json_int_t)o->feed));
    }
    if (json_array_size(streams) == 0) {
        json_decref(streams);
        return;
    }
    pa->sub_requested = true;
    request(pa, "message", "subjoin", pa->sub_handle,
            json_pack("{s:s, s:s, s:i, s:o}", "request", "join", "ptype", "subscriber", "room",
                      JANUS_ROOM, "streams", streams),
            NULL);
}

void janus_timers(struct participant *pa, int64_t now)
{
    if (pa->join_retry_us && now >= pa->join_retry_us) {
        pa->join_retry_us = 0;
        janus_subscribe(pa);
    }
}

void janus_request_layer(struct participant *pa, int layer)
{
    if (!pa->sub_handle || !pa->sub.video_mid[0])
        return;
    json_t *streams = json_pack("[{s:s, s:i}]", "mid", pa->sub.video_mid, "substream", layer);
    request(pa, "message", "substream", pa->sub_handle,
            json_pack("{s:s, s:o}", "request", "configure", "streams", streams), NULL);
}

static void publish(struct participant *pa)
{
    static char sdp[SDP_CAP];
    if (peer_init(&pa->pub, pa, true))
        { note_error(pa, "socket"); return; }
    pa->pub.pm = &pa->pm;
    /* a=setup:active: Janus takes actpass as "I am the DTLS client", and our client transport
     * is a DTLS client only; with active Janus is the DTLS server, as Ratsaal always is. */
    int n = sdp_publish_offer(sdp, sizeof(sdp), &pa->pub, "active", cfg.video);
    if (n < 0)
        { note_error(pa, "offer"); return; }
    request(pa, "message", "configure", pa->pub_handle,
            json_pack("{s:s, s:b, s:b}", "request", "configure", "audio", 1, "video",
                      cfg.video ? 1 : 0),
            json_pack("{s:s, s:s#}", "type", "offer", "sdp", sdp, (int)n));
}

static void on_offer(struct participant *pa, const char *sdp)
{
    static char answer[SDP_CAP];
    if (pa->sub.kind == 0 && peer_init(&pa->sub, pa, false))
        { note_error(pa, "socket"); return; }
    int n = sdp_subscribe_answer(answer, sizeof(answer), &pa->sub, sdp);
    if (n < 0)
        { note_error(pa, "answer"); return; }
    request(pa, "message", "start", pa->sub_handle, json_pack("{s:s}", "request", "start"),
            json_pack("{s:s, s:s#}", "type", "answer", "sdp", answer, (int)n));
    /* the audience shows every video at one size (--audience-layer), as on Ratsaal */
    if (!pa->publishes && cfg.audience_layer >= 0 && pa->sub.n_video_mids) {
        json_t *streams = json_array();
        for (unsigned i = 0; i < pa->sub.n_video_mids; i++)
            json_array_append_new(streams, json_pack("{s:s, s:i}", "mid", pa->sub.video_mids[i],
                                                     "substream", cfg.audience_layer));
        request(pa, "message", "substream", pa->sub_handle,
                json_pack("{s:s, s:o}", "request", "configure", "streams", streams), NULL);
    }
    if (pa->sub.state == PEER_IDLE && peer_start(&pa->sub, sdp, strlen(sdp)))
        note_error(pa, "subscribe transport");
}

void janus_on_msg(void *arg, char *text, size_t len)
{
    struct participant *pa = arg;
    json_error_t err;
    json_t *msg = json_loadb(text, len, 0, &err);
    if (!msg)
        { note_error(pa, "json"); return; }
    const char *janus = json_string_value(json_object_get(msg, "janus"));
    const char *tx = json_string_value(json_object_get(msg, "transaction"));
    json_t *data = json_object_get(msg, "data");
    json_t *pd = json_object_get(json_object_get(msg, "plugindata"), "data");
    json_t *jsep = json_object_get(msg, "jsep");
    uint64_t sender = (uint64_t)json_integer_value(json_object_get(msg, "sender"));
    if (!janus)
        goto out;
    if (!strcmp(janus, "error") || (pd && json_object_get(pd, "error"))) {
        json_t *e = json_object_get(msg, "error");
        const char *reason = e ? json_string_value(json_object_get(e, "reason"))
                               : json_string_value(json_object_get(pd, "error"));
        json_int_t code = pd ? json_integer_value(json_object_get(pd, "error_code")) : 0;
        if (code == JANUS_NO_SUCH_FEED && sender == pa->sub_handle &&
            pa->join_retries < JOIN_RETRIES) {
            /* the publisher's PeerConnection is not set up in Janus yet: join again shortly */
            pa->join_retries++;
            pa->sub_requested = false;
            pa->join_retry_us = now_us() + JOIN_RETRY_US;
            if (cfg.verbose)
                fprintf(stderr, "participant %u: %s, retry %u\n", pa->idx,
                        reason ? reason : "no such feed", pa->join_retries);
            goto out;
        }
        fprintf(stderr, "participant %u: janus error: %s\n", pa->idx, reason ? reason : "?");
        note_error(pa, "server error");
        goto out;
    }
    if (!strcmp(janus, "webrtcup") && sender && sender == pa->pub_handle) {
        pa->pub_up = true;
    } else if (!strcmp(janus, "success") && tx && !strcmp(tx, "create")) {
        pa->session = (uint64_t)json_integer_value(json_object_get(data, "id"));
        if (pa->publishes)
            attach(pa, "attach-pub");
        if (pa->subscribes)
            attach(pa, "attach-sub");
    } else if (!strcmp(janus, "success") && tx && !strcmp(tx, "attach-pub")) {
        pa->pub_handle = (uint64_t)json_integer_value(json_object_get(data, "id"));
        char name[32];
        snprintf(name, sizeof(name), "load-%u", pa->idx);
        request(pa, "message", "pubjoin", pa->pub_handle,
                json_pack("{s:s, s:s, s:i, s:s}", "request", "join", "ptype", "publisher", "room",
                          JANUS_ROOM, "display", name),
                NULL);
    } else if (!strcmp(janus, "success") && tx && !strcmp(tx, "attach-sub")) {
        pa->sub_handle = (uint64_t)json_integer_value(json_object_get(data, "id"));
        if (!pa->publishes)
            janus_subscribe(pa); /* meeting participants subscribe after the publish phase */
    } else if (!strcmp(janus, "event") && pd) {
        const char *vr = json_string_value(json_object_get(pd, "videoroom"));
        if (vr && !strcmp(vr, "joined") && sender == pa->pub_handle) {
            pa->feed = (uint64_t)json_integer_value(json_object_get(pd, "id"));
            publish(pa);
        } else if (jsep && sender == pa->pub_handle) {
            const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
            if (!sdp || peer_start(&pa->pub, sdp, strlen(sdp)))
                note_error(pa, "publish answer");
        } else if (jsep && sender == pa->sub_handle) {
            const char *type = json_string_value(json_object_get(jsep, "type"));
            const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
            if (type && !strcmp(type, "offer") && sdp)
                on_offer(pa, sdp);
        }
    }
out:
    json_decref(msg);
}
