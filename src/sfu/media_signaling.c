/* SPDX-License-Identifier: EUPL-1.2 */
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
 * was queued) is ignored. The table belongs to the media plane (struct rs_media). */
#include "sfu/media_signaling.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/turn_cred.h"
#include "room/audio_routes.h"
#include "rtc/sdp.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

const char *const rs_ms__source_names[SRC__COUNT + 1] = {"microphone", "camera", "screen", NULL};

#define PUBLISH_MAX_BITRATE_BPS 2500000u
#define OWNER_BUCKETS RS_SFU_OWNER_BUCKETS

/* ---- small helpers ---- */

static struct rs_media *media_of(const struct rs_participant *p)
{
    return p->room ? p->room->app->media : NULL;
}

struct pmedia *rs_ms__owner_find(const struct rs_media *m, uint32_t owner)
{
    for (struct pmedia *pm = m->owners[owner % OWNER_BUCKETS]; pm; pm = pm->hnext)
        if (pm->owner == owner)
            return pm;
    return NULL;
}

static void owner_remove(struct rs_media *m, struct pmedia *pm)
{
    struct pmedia **pp = (struct pmedia **)&m->owners[pm->owner % OWNER_BUCKETS];
    while (*pp && *pp != pm)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = pm->hnext;
}

uint32_t rs_ms__new_key(struct rs_media *m)
{
    if (m->next_owner == 0)
        m->next_owner = 1;
    return m->next_owner++;
}

struct rmedia *rs_ms__room_state(struct rs_room *room, struct rs_media *m)
{
    if (RM(room))
        return RM(room);
    struct rmedia *rm = calloc(1, sizeof(*rm));
    if (!rm) {
        RS_ERROR("media", "event=oom room=%s", room->id);
        return NULL;
    }
    rm->key = rs_ms__new_key(m);
    rm->worker = rs_sfu_place_room(m);
    RM(room) = rm;
    return rm;
}

/* The worker of pm's room: its publish connection, and (unless the room is spread) its
 * subscribe connection, are there. */
unsigned rs_ms__home_worker(const struct pmedia *pm)
{
    return RM(pm->p->room)->worker;
}

struct pmedia *rs_ms__pstate(struct rs_participant *p);
#define pstate rs_ms__pstate
/* The participant's media state, created on first use. NULL without a media plane (or OOM). */
struct pmedia *rs_ms__pstate(struct rs_participant *p)
{
    if (PM(p))
        return PM(p);
    struct rs_media *m = media_of(p);
    if (!m || !rs_ms__room_state(p->room, m))
        return NULL;
    struct pmedia *pm = calloc(1, sizeof(*pm));
    if (!pm) {
        RS_ERROR("media", "event=oom participant=%s", p->id);
        return NULL;
    }
    pm->p = p;
    pm->owner = rs_ms__new_key(m);
    pm->hnext = m->owners[pm->owner % OWNER_BUCKETS];
    m->owners[pm->owner % OWNER_BUCKETS] = pm;
    PM(p) = pm;
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
    l->tcp_port = rs_sfu_tcp_port_of(m, t->tid);
    l->tcp_ip = m->tcp_candidate_ip[0] ? m->tcp_candidate_ip : NULL;
    l->session_id = t->session_id;
    l->session_version = t->session_version;
    l->allow_h264 = true; /* VP8 stays preferred; H.264 when a browser offers nothing else */
    /* The SFU drives publishers with REMB, so no transport-cc / TWCC. */
    l->fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB;
    l->exts = RS_SDP_EXT_MID | RS_SDP_EXT_RID | RS_SDP_EXT_REPAIRED_RID | RS_SDP_EXT_AUDIO_LEVEL |
              RS_SDP_EXT_ABS_SEND_TIME;
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
    c.u.transport.cascade = subscriber && pm->p->cascade_relay; /* counted apart */
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

/* The caller's media state; an error when the media plane is not running. */
static int media_state(struct rs_call *c, struct rs_media **m, struct pmedia **pm)
{
    *m = media_of(c->self);
    *pm = *m ? pstate(c->self) : NULL;
    if (*pm)
        return 0;
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "media is not available on this server");
    return -EINVAL;
}

#define MEDIA_ACTION(name)                                                                         \
    static int act_##name(struct rs_call *c)                                                       \
    {                                                                                              \
        struct rs_media *m;                                                                        \
        struct pmedia *pm;                                                                         \
        return media_state(c, &m, &pm) ? -EINVAL : rs_ms__media_##name(m, pm, c);                  \
    }
MEDIA_ACTION(publish)
MEDIA_ACTION(subscribe_answer)
MEDIA_ACTION(restart_ice)
MEDIA_ACTION(track_state)
MEDIA_ACTION(video_size)

/* The TURN servers with a credential of this participant's own that expires after turn_ttl
 * (core/turn_cred.h); NULL (left out) if it cannot be computed. Each join and resumed join gets
 * a fresh one. The credential is a secret for the participant: it is not logged. */
static json_t *turn_entry(const struct rs_config *cfg, const char *participant_id)
{
    struct rs_turn_cred cred;
    if (rs_turn_cred_make(cfg->turn_secret, rs_wall_ms() / 1000, cfg->turn_ttl, participant_id,
                          &cred)) {
        RS_WARN("media", "event=turn_credential_failed participant=%s", participant_id);
        return NULL;
    }
    json_t *urls = json_array();
    for (unsigned i = 0; i < cfg->n_turn_servers && urls; i++)
        json_array_append_new(urls, json_string(cfg->turn_servers[i]));
    rs_metric_inc(RS_M_TURN_CREDENTIALS);
    return json_pack("{s:o?, s:s, s:s}", "urls", urls, "username", cred.username, "credential",
                     cred.credential);
}

static void media_welcome(struct rs_participant *p, json_t *joined)
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
    if (list && cfg->n_turn_servers)
        json_array_append_new(list, turn_entry(cfg, p->id));
    json_object_set_new(joined, "ice_servers", list);
}

static void media_describe(const struct rs_participant *p, json_t *j)
{
    if (!media_of(p))
        return;
    const struct pmedia *pm = PM(p);
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

static void media_joined(struct rs_participant *p)
{
    struct rs_media *m = media_of(p);
    struct pmedia *pm = m ? pstate(p) : NULL;
    if (pm)
        rs_ms__sync_subs(m, pm);
}

static void media_leaving(struct rs_participant *p)
{
    struct pmedia *pm = PM(p);
    if (!pm)
        return;
    struct rs_media *m = media_of(p);
    struct rs_room *room = p->room;
    struct rmedia *rm = RM(room);
    pm->leaving = true;
    bool published = false;
    for (int s = 0; s < SRC__COUNT; s++)
        published |= pm->tracks[s].id != 0;
    if (m) {
        /* Others' subscriptions to our tracks end before our transports go. Without tracks
         * nobody's subscriptions can change: a listener of a thousand-strong audience leaving
         * must not re-sync everyone (each sync looks at the whole room). */
        if (published)
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
    }
    if (m)
        owner_remove(m, pm);
    free(pm->slots);
    free(pm);
    PM(p) = NULL;
    if (m)
        rs_ms__refresh_enabled(m, room);
}

/* Back after a dropped socket (room.h rs_room_resume): the page builds new peer connections, as
 * after a fresh join, so the old transports and tracks go (the others' subscriptions to them
 * end) and the participant starts over with an empty media state. Keeping the transports for
 * an ICE restart would save one renegotiation, but an offer or a transport failure that went to
 * nobody while the socket was gone would leave the two sides disagreeing. */
static void media_resumed(struct rs_participant *p)
{
    /* a participant restored from another node's snapshot (room/snapshot.h) has no media state
     * yet: it starts as after a fresh join */
    if (PM(p))
        media_leaving(p);
    media_joined(p);
}

static void media_room_free(struct rs_room *room)
{
    struct rmedia *rm = RM(room);
    if (!rm)
        return;
    rs_ms__feeds_room_free(room);
    if (room->app->media)
        rs_sfu_room_gone(room->app->media, rm->worker);
    free(rm);
    RM(room) = NULL;
}

#define SOURCE_FIELD(n)                                                                            \
    {                                                                                              \
        .name = n, .type = RS_FIELD_ENUM, .flags = RS_FIELD_REQUIRED,                              \
        .choices = rs_ms__source_names                                                             \
    }
#define SDP_FIELD                                                                                  \
    {                                                                                              \
        .name = "sdp", .type = RS_FIELD_BLOB, .flags = RS_FIELD_REQUIRED, .max = RS_SDP_MAX_TEXT   \
    }
static const char *const pc_names[] = {
    [RS_MS_PC_SUBSCRIBE] = "subscribe", [RS_MS_PC_PUBLISH] = "publish", NULL};

static const struct rs_action actions[] = {
    {.name = "publish",
     .fn = act_publish,
     .need = RS_NEED_JOINED,
     .max_frame = RS_MSG_MAX_MEDIA_BYTES,
     .fields = {[RS_MS_PUBLISH_SDP] = SDP_FIELD,
                [RS_MS_PUBLISH_TRACKS] = {.name = "tracks",
                                          .type = RS_FIELD_ARRAY,
                                          .flags = RS_FIELD_REQUIRED,
                                          .max = RS_MEDIA_MAX_TRACK_ENTRIES}}},
    {.name = "subscribe_answer",
     .fn = act_subscribe_answer,
     .need = RS_NEED_JOINED,
     .max_frame = RS_MSG_MAX_MEDIA_BYTES,
     .fields = {[RS_MS_ANSWER_REVISION] = {.name = "revision",
                                           .type = RS_FIELD_INT,
                                           .flags = RS_FIELD_REQUIRED,
                                           .min = 0,
                                           .max = INT32_MAX},
                [RS_MS_ANSWER_SDP] = SDP_FIELD}},
    {.name = "restart_ice",
     .fn = act_restart_ice,
     .need = RS_NEED_JOINED,
     .fields = {[RS_MS_RESTART_PC] = {.name = "pc",
                                      .type = RS_FIELD_ENUM,
                                      .flags = RS_FIELD_REQUIRED,
                                      .choices = pc_names}}},
    {.name = "track_state",
     .fn = act_track_state,
     .need = RS_NEED_JOINED,
     .fields = {[RS_MS_TRACK_STATE_SOURCE] = SOURCE_FIELD("source"),
                [RS_MS_TRACK_STATE_MUTED] = {.name = "muted",
                                             .type = RS_FIELD_BOOL,
                                             .flags = RS_FIELD_REQUIRED}}},
    {.name = "video_size",
     .fn = act_video_size,
     .need = RS_NEED_JOINED,
     .fields = {[RS_MS_SIZE_PARTICIPANT] = {.name = "participant",
                                            .type = RS_FIELD_TEXT,
                                            .flags = RS_FIELD_REQUIRED,
                                            .max = RS_PARTICIPANT_ID_LEN},
                [RS_MS_SIZE_SOURCE] = SOURCE_FIELD("source"),
                [RS_MS_SIZE_WIDTH] = {.name = "width",
                                      .type = RS_FIELD_INT,
                                      .flags = RS_FIELD_REQUIRED,
                                      .min = 0,
                                      .max = MAX_WIDTH},
                [RS_MS_SIZE_HEIGHT] = {.name = "height",
                                       .type = RS_FIELD_INT,
                                       .flags = RS_FIELD_REQUIRED,
                                       .min = 0,
                                       .max = MAX_HEIGHT}}},
    {.name = NULL},
};

const struct rs_feature rs_media_feature = {
    .ns = "media",
    .actions = actions,
    .joined = media_joined,
    .resumed = media_resumed,
    .welcome = media_welcome,
    .describe = media_describe,
    .leaving = media_leaving,
    .audience_changed = rs_ms__audience_changed,
    .room_free = media_room_free,
};
