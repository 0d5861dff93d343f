/* The `media` namespace: the control thread's side of the media plane.
 *
 * Every participant has two transports on the worker: a publish one (the browser offers, we
 * answer; its m-sections become tracks) and a subscribe one (we offer one m-section per remote
 * track, the browser answers; each accepted m-section becomes a subscription). The module turns
 * signaling into worker commands (command.h) and worker events into signaling, and keeps the
 * bookkeeping both need: tracks per publisher, "slots" (m-sections) per subscriber, the room's
 * audio routing table and speaker order.
 *
 * The module is split by concern, libuv style, with its shared state in media_internal.h:
 *   media_signaling.c  the namespace entry, the room hooks, the owner table, per-participant
 *                      and per-room state, transports and ICE credentials
 *   publish.c          media/publish and track_state: the publish connection and its tracks
 *   subscribe.c        subscribe slots and offers, subscribe_answer, restart_ice, video_size
 *   visibility.c       who receives what: audio routes, last-N, active speaker order
 *   media_events.c     worker events on the control thread
 *
 * Worker events name participants by an owner key (never a pointer); keys map back through a
 * small hash table, and an event for a key that is gone (the participant left while the event
 * was queued) is ignored. One media plane per process: the table is file-static. */
#include "sfu/media_signaling.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "core/random.h"
#include "rtc/sdp.h"
#include "sfu/audio_routes.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

const char *const rs_ms__source_names[SRC__COUNT] = {"microphone", "camera", "screen"};

#define PUBLISH_MAX_BITRATE_BPS 2500000u
#define OWNER_BUCKETS 256

static struct pmedia *owners[OWNER_BUCKETS];

/* ---- small helpers ---- */

static struct rs_media *media_of(const struct rs_participant *p)
{
    return p->room ? p->room->app->media : NULL;
}

struct pmedia *rs_ms__owner_find(uint32_t owner)
{
    for (struct pmedia *pm = owners[owner % OWNER_BUCKETS]; pm; pm = pm->hnext)
        if (pm->owner == owner)
            return pm;
    return NULL;
}

static void owner_remove(struct pmedia *pm)
{
    struct pmedia **pp = &owners[pm->owner % OWNER_BUCKETS];
    while (*pp && *pp != pm)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = pm->hnext;
}

static uint32_t next_key(struct rs_media *m)
{
    if (m->next_owner == 0)
        m->next_owner = 1;
    return m->next_owner++;
}

static struct rmedia *rstate(struct rs_room *room, struct rs_media *m)
{
    if (room->media)
        return room->media;
    struct rmedia *rm = calloc(1, sizeof(*rm));
    if (!rm || !(rm->routes = rs_audio_routes_new())) {
        free(rm);
        RS_ERROR("media", "event=oom room=%s", room->id);
        return NULL;
    }
    rm->key = next_key(m);
    rm->worker = rs_sfu_place_room(m);
    room->media = rm;
    return rm;
}

/* The worker of pm's room: its publish connection, and (unless the room is spread) its
 * subscribe connection, are there. */
unsigned rs_ms__home_worker(const struct pmedia *pm)
{
    return ((const struct rmedia *)pm->p->room->media)->worker;
}

/* The participant's media state, created on first use. NULL without a media plane (or OOM). */
static struct pmedia *pstate(struct rs_participant *p)
{
    if (p->media)
        return p->media;
    struct rs_media *m = media_of(p);
    if (!m || !rstate(p->room, m))
        return NULL;
    struct pmedia *pm = calloc(1, sizeof(*pm));
    if (!pm) {
        RS_ERROR("media", "event=oom participant=%s", p->id);
        return NULL;
    }
    pm->p = p;
    pm->owner = next_key(m);
    pm->hnext = owners[pm->owner % OWNER_BUCKETS];
    owners[pm->owner % OWNER_BUCKETS] = pm;
    p->media = pm;
    return pm;
}

static void random_chars(char *out, size_t n, const char *alphabet)
{
    size_t alen = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[rs_random_u32() % alen]; /* bias < 2^-26: irrelevant here */
    out[n] = 0;
}

/* Our ICE credentials: the tid in 4 hex digits first (the worker finds the transport by that
 * prefix of a STUN USERNAME), then randomness. */
void rs_ms__new_credentials(struct transport *t)
{
    snprintf(t->ufrag, sizeof(t->ufrag), "%04x", (unsigned)t->tid);
    random_chars(t->ufrag + 4, 4, "abcdefghijklmnopqrstuvwxyz0123456789");
    random_chars(t->pwd, 24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

uint64_t rs_ms__new_session_id(void)
{
    return (((uint64_t)rs_random_u32() << 32) | rs_random_u32()) & 0x7fffffffffffffffull;
}

void rs_ms__local_for(const struct rs_media *m, const struct transport *t, struct rs_sdp_local *l)
{
    rs_sdp_local_init(l);
    l->ice_ufrag = t->ufrag;
    l->ice_pwd = t->pwd;
    l->fingerprint = m->fingerprint;
    l->ip = m->candidate_ip;
    l->port = rs_sfu_port_of(m, t->tid);
    l->session_id = t->session_id;
    l->session_version = t->session_version;
    l->allow_h264 = true; /* VP8 stays preferred; H.264 when a browser offers nothing else */
    /* The SFU drives publishers with REMB, so no transport-cc / TWCC. */
    l->fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB;
    l->exts = RS_SDP_EXT_MID | RS_SDP_EXT_RID | RS_SDP_EXT_REPAIRED_RID | RS_SDP_EXT_AUDIO_LEVEL |
              RS_SDP_EXT_ABS_SEND_TIME;
}

void rs_ms__send_json(struct rs_participant *p, json_t *ev)
{
    if (ev) {
        rs_participant_send(p, ev);
        json_decref(ev);
    }
}

void rs_ms__send_cmd_ref(struct rs_media *m, unsigned wk, enum rs_cmd_type type, uint32_t id,
                         uint8_t flag, uint16_t width, uint16_t height)
{
    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = type;
    c.u.ref.id = id;
    c.u.ref.flag = flag;
    c.u.ref.width = width;
    c.u.ref.height = height;
    rs_sfu_send(m, wk, &c);
}

void rs_ms__send_transport(struct rs_media *m, enum rs_cmd_type type, const struct pmedia *pm,
                           const struct transport *t, bool subscriber,
                           const struct rs_sdp_fingerprint *remote, bool dtls_client, int *rc)
{
    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = type;
    c.u.transport.tid = t->tid;
    memcpy(c.u.transport.ufrag, t->ufrag, sizeof(c.u.transport.ufrag));
    memcpy(c.u.transport.pwd, t->pwd, sizeof(c.u.transport.pwd));
    if (remote) {
        c.u.transport.has_fingerprint = 1;
        memcpy(c.u.transport.remote_fp, remote->bytes, sizeof(c.u.transport.remote_fp));
    }
    c.u.transport.dtls_client = dtls_client;
    c.u.transport.subscriber = subscriber;
    c.u.transport.owner = pm->owner;
    c.u.transport.max_bitrate_bps = subscriber ? 0 : PUBLISH_MAX_BITRATE_BPS;
    int r = rs_sfu_send(m, rs_sfu_worker_of(m, t->tid), &c);
    if (rc)
        *rc = r;
}

void rs_ms__transport_remove(struct rs_media *m, struct transport *t)
{
    if (!t->tid)
        return;
    rs_ms__send_cmd_ref(m, rs_sfu_worker_of(m, t->tid), RS_CMD_TRANSPORT_REMOVE, t->tid, 0, 0, 0);
    rs_sfu_release_tid(m, t->tid);
    memset(t, 0, sizeof(*t));
}

/* ---- the hooks (media_signaling.h) ---- */

int rs_media_signaling_handle(struct rs_participant *p, const struct rs_msg *msg,
                              struct rs_msg_error *err)
{
    struct rs_media *m = media_of(p);
    struct pmedia *pm = m ? pstate(p) : NULL;
    if (!pm) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "media is not available on this server");
        return -EINVAL;
    }
    const char *a = msg->action;
    if (strcmp(a, "publish") == 0)
        return rs_ms__media_publish(m, pm, msg, err);
    if (strcmp(a, "subscribe_answer") == 0)
        return rs_ms__media_subscribe_answer(m, pm, msg, err);
    if (strcmp(a, "restart_ice") == 0)
        return rs_ms__media_restart_ice(m, pm, msg, err);
    if (strcmp(a, "track_state") == 0)
        return rs_ms__media_track_state(m, pm, msg, err);
    if (strcmp(a, "video_size") == 0)
        return rs_ms__media_video_size(m, pm, msg, err);
    rs_msg_error_set(err, RS_ERR_UNKNOWN_ACTION, "action", "unknown action in 'media'");
    return -EINVAL;
}

void rs_media_joined_extras(struct rs_participant *p, json_t *joined)
{
    if (!media_of(p))
        return;
    const struct rs_config *cfg = &p->room->app->cfg;
    json_t *list = json_array();
    for (size_t i = 0; i < cfg->n_ice_servers && list; i++) {
        const struct rs_ice_server *is = &cfg->ice_servers[i];
        json_t *s = json_pack("{s:[s]}", "urls", is->url);
        if (s && is->username[0])
            json_object_set_new(s, "username", json_string(is->username));
        if (s && is->credential[0])
            json_object_set_new(s, "credential", json_string(is->credential));
        json_array_append_new(list, s);
    }
    json_object_set_new(joined, "ice_servers", list);
}

void rs_media_participant_describe(const struct rs_participant *p, json_t *j)
{
    if (!media_of(p))
        return;
    const struct pmedia *pm = p->media;
    json_t *list = json_array();
    for (int s = 0; pm && list && s < SRC__COUNT; s++) {
        const struct track *t = &pm->tracks[s];
        if (t->id)
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:b}", "source", rs_ms__source_names[s], "kind",
                                t->kind == RS_MEDIA_AUDIO ? "audio" : "video", "muted", t->muted));
    }
    json_object_set_new(j, "tracks", list);
}

void rs_media_participant_joined(struct rs_participant *p)
{
    struct rs_media *m = media_of(p);
    struct pmedia *pm = m ? pstate(p) : NULL;
    if (pm)
        rs_ms__sync_subs(m, pm);
}

void rs_media_participant_free(struct rs_participant *p)
{
    struct pmedia *pm = p->media;
    if (!pm)
        return;
    struct rs_media *m = media_of(p);
    struct rs_room *room = p->room;
    struct rmedia *rm = room->media;
    pm->leaving = true;
    if (m) {
        /* Others' subscriptions to our tracks end before our transports go. */
        rs_ms__sync_others(m, p);
        rs_ms__transport_remove(m, &pm->pub);
        rs_ms__transport_remove(m, &pm->sub);
        RS_INFO("media", "event=media_left participant=%s", p->id);
    }
    if (rm) {
        unsigned w = 0;
        for (unsigned i = 0; i < rm->n_speakers; i++)
            if (rm->speakers[i] != pm->owner)
                rm->speakers[w++] = rm->speakers[i];
        rm->n_speakers = w;
        rs_audio_routes_forget(rm->routes, p->id);
    }
    owner_remove(pm);
    free(pm->slots);
    free(pm);
    p->media = NULL;
    if (m)
        rs_ms__refresh_enabled(m, room);
}

void rs_media_room_changed(struct rs_room *room)
{
    /* rs_media_participant_free already renegotiated with everyone left in the room. */
}

void rs_media_room_free(struct rs_room *room)
{
    struct rmedia *rm = room->media;
    if (!rm)
        return;
    if (room->app->media)
        rs_sfu_room_gone(room->app->media, rm->worker);
    rs_audio_routes_free(rm->routes);
    free(rm);
    room->media = NULL;
}
