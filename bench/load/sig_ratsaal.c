/* SPDX-License-Identifier: EUPL-1.2 */
/* Ratsaal's signaling (docs/protocol.md): control/join, media/publish with our offer,
 * media/subscribe_offer answered with media/subscribe_answer, media/video_size to pick a
 * simulcast layer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define SDP_CAP (128 * 1024)

static void send_json(struct participant *pa, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s || ws_send_text(&pa->ws, s, strlen(s)))
        note_error(pa, "ws send");
    free(s);
}

void ratsaal_start(struct participant *pa)
{
    char name[32];
    snprintf(name, sizeof(name), "load-%u", pa->idx);
    send_json(pa, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                            cfg.room, "display_name", name));
}

bool g_podium_on;

void ratsaal_publish(struct participant *pa)
{
    static char sdp[SDP_CAP];
    if (pa->published)
        return;
    pa->published = true;
    if (peer_init(&pa->pub, pa, true)) {
        note_error(pa, "socket");
        return;
    }
    pa->pub.pm = &pa->pm;
    int n = sdp_publish_offer(sdp, sizeof(sdp), &pa->pub, "actpass", cfg.video);
    if (n < 0)
        { note_error(pa, "offer"); return; }
    json_t *tracks = json_array();
    json_array_append_new(tracks, json_pack("{s:s, s:s}", "mid", "0", "source", "microphone"));
    if (cfg.video && cfg.simulcast) /* the top layer's size: the server scales the others */
        json_array_append_new(tracks, json_pack("{s:s, s:s, s:i, s:i}", "mid", "1", "source",
                                                "camera", "width", 1280, "height", 720));
    else if (cfg.video)
        json_array_append_new(tracks, json_pack("{s:s, s:s}", "mid", "1", "source", "camera"));
    send_json(pa, json_pack("{s:s, s:s, s:s#, s:o}", "ns", "media", "action", "publish", "sdp",
                            sdp, (int)n, "tracks", tracks));
}

static void request_layer_of(struct participant *pa, const char *who, int layer);

static void subscribe_offer(struct participant *pa, json_t *msg)
{
    static char answer[SDP_CAP];
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    json_t *rev = json_object_get(msg, "revision");
    if (!sdp || !rev)
        { note_error(pa, "bad subscribe_offer"); return; }
    json_t *tr;
    size_t i;
    json_array_foreach(json_object_get(msg, "tracks"), i, tr) {
        const char *kind = json_string_value(json_object_get(tr, "kind"));
        const char *who = json_string_value(json_object_get(tr, "participant"));
        if (!pa->watched[0] && kind && who && !strcmp(kind, "video"))
            snprintf(pa->watched, sizeof(pa->watched), "%s", who);
    }
    /* the audience shows every stage video at one size (a grid of equal tiles) */
    if (!pa->publishes && cfg.audience_layer >= 0)
        json_array_foreach(json_object_get(msg, "tracks"), i, tr) {
            const char *kind = json_string_value(json_object_get(tr, "kind"));
            const char *who = json_string_value(json_object_get(tr, "participant"));
            if (kind && who && !strcmp(kind, "video"))
                request_layer_of(pa, who, cfg.audience_layer);
        }
    if (pa->sub.kind == 0 && peer_init(&pa->sub, pa, false))
        { note_error(pa, "socket"); return; }
    int n = sdp_subscribe_answer(answer, sizeof(answer), &pa->sub, sdp);
    if (n < 0)
        { note_error(pa, "answer"); return; }
    send_json(pa, json_pack("{s:s, s:s, s:O, s:s#}", "ns", "media", "action", "subscribe_answer",
                            "revision", rev, "sdp", answer, (int)n));
    if (pa->sub.state == PEER_IDLE && peer_start(&pa->sub, sdp, strlen(sdp)))
        note_error(pa, "subscribe transport");
}

/* Layer sizes as bench/setup.sh encodes them; the server maps a size to the smallest layer at
 * least about that large (docs/protocol.md, video size). */
static const int layer_w[SIM_LAYERS] = {320, 640, 1280}, layer_h[SIM_LAYERS] = {180, 360, 720};

static void request_layer_of(struct participant *pa, const char *who, int layer)
{
    if (layer < 0 || layer >= SIM_LAYERS)
        return;
    send_json(pa, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "ns", "media", "action",
                            "video_size", "participant", who, "source", "camera",
                            "width", layer_w[layer], "height", layer_h[layer]));
}

void ratsaal_request_layer(struct participant *pa, int layer)
{
    if (pa->watched[0])
        request_layer_of(pa, pa->watched, layer);
}

/* --podium, publisher 0: another publisher ("load-<i>", i < pubs) joined the audience: call it
 * onto the stage. Audience members' joins reach moderators and the stage only. */
static void podium_call_up(struct participant *pa, json_t *msg)
{
    json_t *who = json_object_get(msg, "participant");
    const char *id = json_string_value(json_object_get(who, "id"));
    const char *name = json_string_value(json_object_get(who, "display_name"));
    unsigned idx;
    if (!id || !name || sscanf(name, "load-%u", &idx) != 1 || idx == 0 || idx >= cfg.pubs)
        return;
    send_json(pa, json_pack("{s:s, s:s, s:s}", "ns", "podium", "action", "call_up",
                            "participant", id));
}

void ratsaal_on_msg(void *arg, char *text, size_t len)
{
    struct participant *pa = arg;
    json_error_t err;
    json_t *msg = json_loadb(text, len, 0, &err);
    if (!msg)
        { note_error(pa, "json"); return; }
    const char *ns = json_string_value(json_object_get(msg, "ns"));
    const char *ev = json_string_value(json_object_get(msg, "event"));
    if (!ns || !ev)
        goto out;
    if (!strcmp(ev, "error")) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        fprintf(stderr, "participant %u: %s error %s: %s\n", pa->idx, ns, code ? code : "?",
                json_string_value(json_object_get(msg, "text")));
        note_error(pa, "server error");
    } else if (!strcmp(ns, "control") && !strcmp(ev, "joined")) {
        const char *id = json_string_value(json_object_get(msg, "id"));
        snprintf(pa->id, sizeof(pa->id), "%s", id ? id : "");
        if (cfg.podium && pa->idx == 0) /* the first to join an ad-hoc room moderates it */
            send_json(pa, json_pack("{s:s, s:s, s:b}", "ns", "podium", "action", "set", "on", 1));
        bool stage = json_is_true(json_object_get(json_object_get(msg, "podium"), "you_on_stage"));
        if (pa->publishes && (!cfg.podium || pa->idx == 0 || stage))
            ratsaal_publish(pa);
    } else if (!strcmp(ns, "podium") && !strcmp(ev, "state")) {
        bool on = json_is_true(json_object_get(msg, "on"));
        if (pa->idx == 0 && on)
            g_podium_on = true;
        if (pa->publishes && on && json_is_true(json_object_get(msg, "you_on_stage")))
            ratsaal_publish(pa);
    } else if (!strcmp(ns, "control") && !strcmp(ev, "participant_joined")) {
        if (cfg.podium && pa->idx == 0)
            podium_call_up(pa, msg);
    } else if (!strcmp(ns, "media")) {
        ratsaal_media_event(pa, ev, msg);
    }
out:
    json_decref(msg);
}

void ratsaal_media_event(struct participant *pa, const char *ev, json_t *msg)
{
    if (!strcmp(ev, "publish_answer")) {
        const char *sdp = json_string_value(json_object_get(msg, "sdp"));
        if (!sdp || peer_start(&pa->pub, sdp, strlen(sdp)))
            note_error(pa, "publish answer");
    } else if (!strcmp(ev, "subscribe_offer")) {
        if (pa->subscribes)
            subscribe_offer(pa, msg);
    }
}
