/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: what an owner node sends an edge node's relay (sfu/cascade.c
 * rs_cascade_on_message; docs/cluster.md section 11 "Untrusted input"): JSON events, the
 * participants they name, and SDP offers that become an uplink and the mirrors' tracks.
 *
 * Setup (once): an application with a room registry, a media plane without worker threads,
 * a fake owner lookup (every room cascades from node "a") and fake relay links. Per input: an
 * audience session joins room "fz" (an edge room opens, its link opens and joins), then every
 * line of the input is one message from the owner. In a line, `$O` becomes a valid subscribe
 * offer as our own server writes it (JSON-escaped), `$P` the id "pchair000001", `$A` the
 * audience member's own id (random per run: the owner's `cascade` events to, move, close and
 * member_refused name it), so that the fuzzer reaches the mirrors, tracks and the member's
 * events without having to invent an SDP or guess an id. The worker commands
 * are drained after each message; the room may end (podium off moves its audience); at the end
 * the audience leaves and everything must be gone. Seeds: tests/fuzz/cascade_owner/corpus/. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "room/room.h"
#include "rtc/sdp.h"
#include "sfu/cascade.h"
#include "sfu/command.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

#define FP                                                                                         \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"
#define LINE_MAX_BYTES (128 * 1024)

static struct rs_app app;
static char offer_json[16384]; /* the offer, JSON-escaped without quotes */
static int links_open;
static const struct rs_cascade_link_cb *link_cb;
static void *link_ctx;
static int dummy_link;

static struct rs_cascade_link *fake_open(void *user, const char *url,
                                         const struct rs_cascade_link_cb *cb, void *ctx)
{
    (void)user;
    (void)url;
    links_open++;
    link_cb = cb;
    link_ctx = ctx;
    return (struct rs_cascade_link *)&dummy_link;
}

static int fake_send(struct rs_cascade_link *l, const char *text, size_t len)
{
    (void)l;
    (void)text;
    (void)len;
    return 0;
}

static void fake_close(struct rs_cascade_link *l)
{
    (void)l;
    links_open--;
}

static int fake_cascading(void *user, const char *room, struct rs_room_moved *owner)
{
    (void)user;
    (void)room;
    memset(owner, 0, sizeof(*owner));
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

static void make_offer(void)
{
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
         .cname = "pchair000001",
         .stream_id = "pchair000001",
         .track_id = "m",
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
         .cname = "pchair000001",
         .stream_id = "pchair000001",
         .track_id = "c",
         .exts = RS_SDP_EXT_MID,
         .fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI},
    };
    size_t len = 0;
    if (rs_sdp_build_offer(&l, tracks, 2, 1, text, sizeof(text), &len))
        abort();
    json_t *s = json_stringn(text, len);
    char *d = json_dumps(s, JSON_ENCODE_ANY);
    snprintf(offer_json, sizeof(offer_json), "%.*s", (int)strlen(d) - 2, d + 1);
    free(d);
    json_decref(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    rs_log_set_level(RS_LOG_ERROR + 1);
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 100000;
    snprintf(app.cfg.cluster_secret, sizeof(app.cfg.cluster_secret), "%s",
             "fuzz-cluster-secret-0123456789abcdefgh");
    snprintf(app.cfg.cluster_node_id, sizeof(app.cfg.cluster_node_id), "b");
    app.rooms = rs_rooms_new(&app);
    app.media = rs_sfu_new_detached(&app, FP, "127.0.0.1", 40000, 1);
    if (!app.rooms || !app.media)
        abort();
    app.room_owner.cascading = fake_cascading;
    app.cascade_links = (struct rs_cascade_links){fake_open, fake_send, fake_close, NULL};
    make_offer();
    return 0;
}

static void drain(void)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(app.media, &c) == 0) {
    }
}

static char audience_id[32]; /* this run's audience member */

/* `in` (len bytes) with $O, $P and $A replaced, into `out` (cap). Returns the length. */
static size_t expand(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        const char *rep = NULL;
        if (in[i] == '$' && i + 1 < len && in[i + 1] == 'O')
            rep = offer_json;
        else if (in[i] == '$' && i + 1 < len && in[i + 1] == 'P')
            rep = "pchair000001";
        else if (in[i] == '$' && i + 1 < len && in[i + 1] == 'A')
            rep = audience_id;
        if (rep) {
            size_t n = strlen(rep);
            if (o + n >= cap)
                break;
            memcpy(out + o, rep, n);
            o += n;
            i++;
        } else {
            out[o++] = (char)in[i];
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char line[LINE_MAX_BYTES];
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    if (!s)
        return 0;
    static const char join[] =
        "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"fz\",\"display_name\":\"Audience\"}";
    rs_session_on_message(s, join, strlen(join));
    struct rs_room *room = rs_rooms_find(app.rooms, "fz");
    snprintf(audience_id, sizeof(audience_id), "%s", room && room->head ? room->head->id : "");
    if (room && link_cb)
        link_cb->on_open(link_ctx);
    size_t start = 0;
    while (room && start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t n = expand(data + start, end - start, line, sizeof(line));
        rs_cascade_on_message(room, line, n);
        drain();
        room = rs_rooms_find(app.rooms, "fz"); /* a failed relay stays stopped: messages go on */
        start = end + 1;
    }
    while (app.sessions)
        rs_session_free(app.sessions);
    drain();
    if (rs_rooms_find(app.rooms, "fz") || links_open)
        abort(); /* the last listener left: the edge room and its relay must be gone */
    return 0;
}
