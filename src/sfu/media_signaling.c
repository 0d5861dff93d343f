/* The `media` namespace: the control thread's side of the media plane.
 *
 * Every participant has two transports on the worker: a publish one (the browser offers, we
 * answer; its m-sections become tracks) and a subscribe one (we offer one m-section per remote
 * track, the browser answers; each accepted m-section becomes a subscription). This file turns
 * signaling into worker commands (command.h) and worker events into signaling, and keeps the
 * bookkeeping both need: tracks per publisher, "slots" (m-sections) per subscriber, the room's
 * audio routing table and speaker order.
 *
 * Subscribe slots. A slot is one m-section of a participant's subscribe connection, mid "0",
 * "1", ... in creation order; slots are never removed from the SDP (JSEP keeps m-sections
 * forever). A slot is BOUND to a remote track, or ENDING (its track ended, the browser has not
 * yet answered an offer showing it inactive), or IDLE (negotiated inactive: reusable for a
 * later track of the same kind, so a long meeting does not grow its SDP without bound), or
 * DEAD (the browser rejected it: a stopped transceiver is never revived, its mid stays rejected).
 * An ENDING slot is not reused before the browser has seen it inactive, so one answer never
 * has to switch an m-section straight from one sender's stream to another's.
 *
 * The subtle thing is JSEP's one-offer-at-a-time rule: while an offer is unanswered, changes
 * only mark the participant dirty; the answer handler sends the next offer. Subscriptions are
 * added to the worker only once the browser answered the offer that carried them (before that
 * it could not decode the packets anyway), and removed at once when their track ends.
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
#include "core/metrics.h"
#include "core/random.h"
#include "rtc/sdp.h"
#include "sfu/audio_routes.h"
#include "sfu/command.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

enum source { SRC_MICROPHONE, SRC_CAMERA, SRC_SCREEN, SRC__COUNT };
static const char *const source_names[SRC__COUNT] = {"microphone", "camera", "screen"};

#define MAX_TRACK_ENTRIES 8
#define MAX_SLOTS RS_SDP_MAX_MEDIA
#define PUBLISH_MAX_BITRATE_BPS 2500000u
#define SPEAKERS_MAX 256
#define OWNER_BUCKETS 256
#define MAX_WIDTH 7680
#define MAX_HEIGHT 4320
/* Our offers may be larger than what we parse (RS_SDP_MAX_TEXT): ~1 KiB per m-section. */
#define OFFER_CAP (2 * RS_SDP_MAX_TEXT)

/* Our fixed payload types and parameters in subscribe offers. */
#define PT_OPUS 111
#define PT_VP8 96
#define PT_VP8_RTX 97
#define PT_H264 102
#define PT_H264_RTX 103
#define FMTP_OPUS "minptime=10;useinbandfec=1"
#define FMTP_H264 "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

struct transport {
    uint32_t tid; /* 0: none yet */
    char ufrag[RS_SFU_UFRAG_SIZE];
    char pwd[RS_SFU_PWD_SIZE];
    uint64_t session_id, session_version;
    char remote_ufrag[RS_SDP_ICE_SIZE];  /* publish: to notice an ICE restart */
    struct rs_sdp_fingerprint remote_fp; /* publish: to notice a new RTCPeerConnection */
    bool dtls_sent;                      /* subscribe: RS_CMD_TRANSPORT_DTLS sent */
};

struct track {
    uint32_t id; /* 0: this source is not published */
    char mid[RS_SFU_MID_SIZE];
    uint8_t kind, codec, pt;
    int16_t rtx_pt;
    uint32_t clock;
    struct rs_ext_ids ext;
    uint8_t n_layers;
    char rids[RS_SFU_MAX_LAYERS][RS_SFU_RID_SIZE];
    uint32_t ssrc, rtx_ssrc;
    uint16_t width, height;
    bool muted;
    uint32_t relay_mask; /* workers with a copy of this track (its subscribers are there) */
};

enum slot_state { SLOT_BOUND, SLOT_ENDING, SLOT_IDLE, SLOT_DEAD };

struct slot {
    char mid[RS_SFU_MID_SIZE];
    enum slot_state state;
    uint8_t kind;  /* enum rs_media_kind */
    uint8_t codec; /* enum rs_media_codec: decides the m-line's payload types */
    /* The bound track (state BOUND). */
    uint32_t track_id;
    uint32_t owner; /* its publisher's owner key */
    char publisher[RS_PARTICIPANT_ID_LEN + 1];
    enum source source;
    uint32_t ssrc, rtx_ssrc; /* what we send with */
    uint32_t sub_id;
    bool sub_added; /* RS_CMD_SUB_ADD sent */
    bool enabled;   /* as last told to the worker */
    uint16_t width, height;
    bool has_size;
    uint32_t offered_track_id; /* the track this slot carried in the last offer, 0: inactive */
};

struct pmedia {
    struct rs_participant *p;
    uint32_t owner;
    struct pmedia *hnext;
    bool leaving;
    struct transport pub, sub;
    struct track tracks[SRC__COUNT];
    struct slot *slots; /* n_slots in use of slots_cap (doubling up to MAX_SLOTS) */
    unsigned n_slots, slots_cap;
    unsigned offered_slots; /* slots in the last offer */
    uint64_t revision;
    bool offer_pending, offer_dirty, sub_ice_restart;
};

struct rmedia {
    uint32_t key;
    unsigned worker; /* the media worker every transport of this room is placed on */
    struct rs_audio_routes *routes;
    uint32_t speakers[SPEAKERS_MAX]; /* owner keys, most recent speaker first */
    unsigned n_speakers;
};

static struct pmedia *owners[OWNER_BUCKETS];

/* ---- small helpers ---- */

static struct rs_media *media_of(const struct rs_participant *p)
{
    return p->room ? p->room->app->media : NULL;
}

static struct pmedia *owner_find(uint32_t owner)
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
static unsigned home_worker(const struct pmedia *pm)
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

/* Copies a NUL-terminated `src` that fits into `cap` bytes; false (dst untouched) if not. */
static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);
    if (len >= cap)
        return false;
    memcpy(dst, src, len + 1);
    return true;
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
static void new_credentials(struct transport *t)
{
    snprintf(t->ufrag, sizeof(t->ufrag), "%04x", (unsigned)t->tid);
    random_chars(t->ufrag + 4, 4, "abcdefghijklmnopqrstuvwxyz0123456789");
    random_chars(t->pwd, 24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

static uint64_t new_session_id(void)
{
    return (((uint64_t)rs_random_u32() << 32) | rs_random_u32()) & 0x7fffffffffffffffull;
}

static void local_for(const struct rs_media *m, const struct transport *t, struct rs_sdp_local *l)
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

static void send_json(struct rs_participant *p, json_t *ev)
{
    if (ev) {
        rs_participant_send(p, ev);
        json_decref(ev);
    }
}

static void send_cmd_ref(struct rs_media *m, unsigned wk, enum rs_cmd_type type, uint32_t id,
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

static void send_transport(struct rs_media *m, enum rs_cmd_type type, const struct pmedia *pm,
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

static void transport_remove(struct rs_media *m, struct transport *t)
{
    if (!t->tid)
        return;
    send_cmd_ref(m, rs_sfu_worker_of(m, t->tid), RS_CMD_TRANSPORT_REMOVE, t->tid, 0, 0, 0);
    rs_sfu_release_tid(m, t->tid);
    memset(t, 0, sizeof(*t));
}

static json_t *participant_updated(const struct rs_participant *p)
{
    return json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_updated",
                     "participant", rs_participant_json(p));
}

/* ---- who receives what: audio routes and last-N ---- */

static bool has_camera(const struct pmedia *pm)
{
    return pm && !pm->leaving && pm->tracks[SRC_CAMERA].id != 0;
}

static bool in_speakers(const struct rmedia *rm, uint32_t owner)
{
    for (unsigned i = 0; i < rm->n_speakers; i++)
        if (rm->speakers[i] == owner)
            return true;
    return false;
}

/* Whether subscriber `q` gets publisher `r`'s camera under last-N: the last_n most recent
 * speakers among the other camera publishers, then the longest present. */
static bool last_n_allows(struct rs_room *room, const struct pmedia *q, const struct pmedia *r)
{
    unsigned n = room->app->cfg.last_n;
    struct rmedia *rm = room->media;
    if (n == 0 || !rm)
        return true;
    unsigned count = 0;
    for (struct rs_participant *x = room->head; x; x = x->next)
        if (x->media != q && has_camera(x->media))
            count++;
    if (count <= n)
        return true;
    unsigned rank = 0;
    for (unsigned i = 0; i < rm->n_speakers && rank < n; i++) {
        struct pmedia *x = owner_find(rm->speakers[i]);
        if (!x || x == q || x->p->room != room || !has_camera(x))
            continue;
        if (x == r)
            return true;
        rank++;
    }
    for (struct rs_participant *xp = room->head; xp && rank < n; xp = xp->next) {
        struct pmedia *x = xp->media;
        if (x == q || !has_camera(x) || in_speakers(rm, x->owner))
            continue;
        if (x == r)
            return true;
        rank++;
    }
    return false;
}

static bool slot_wants_enabled(struct rs_room *room, const struct pmedia *q, const struct slot *s)
{
    const struct pmedia *r = owner_find(s->owner);
    if (!r || r->leaving)
        return false;
    if (s->kind == RS_MEDIA_AUDIO)
        return rs_audio_route_allows(room, q->p, r->p);
    if (s->source == SRC_CAMERA)
        return last_n_allows(room, q, r);
    return true; /* screen shares are never dropped */
}

/* Recomputes every subscription's `enabled` in the room; tells the worker about changes. */
static void refresh_enabled(struct rs_media *m, struct rs_room *room)
{
    for (struct rs_participant *x = room->head; x; x = x->next) {
        struct pmedia *q = x->media;
        if (!q || q->leaving)
            continue;
        for (unsigned i = 0; i < q->n_slots; i++) {
            struct slot *s = &q->slots[i];
            if (s->state != SLOT_BOUND || !s->sub_added)
                continue;
            bool want = slot_wants_enabled(room, q, s);
            if (want != s->enabled) {
                s->enabled = want;
                send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_ENABLE, s->sub_id, want,
                             0, 0);
                RS_DEBUG("media", "event=sub_enable participant=%s sub=%u enabled=%d", x->id,
                         (unsigned)s->sub_id, want);
            }
        }
    }
}

struct rs_audio_routes *rs_media__room_routes(const struct rs_room *room)
{
    const struct rmedia *rm = room->media;
    return rm ? rm->routes : NULL;
}

void rs_media__routes_changed(struct rs_room *room)
{
    struct rs_media *m = room->app->media;
    if (m)
        refresh_enabled(m, room);
}

/* ---- subscribe side ---- */

static uint32_t new_ssrc(const struct pmedia *q)
{
    for (;;) {
        uint32_t ssrc = rs_random_u32();
        bool taken = ssrc == 0;
        for (unsigned i = 0; i < q->n_slots && !taken; i++)
            taken = q->slots[i].ssrc == ssrc || q->slots[i].rtx_ssrc == ssrc;
        if (!taken)
            return ssrc;
    }
}

static void unbind_slot(struct rs_media *m, const struct pmedia *q, struct slot *s)
{
    if (s->sub_added)
        send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_REMOVE, s->sub_id, 0, 0, 0);
    s->state = SLOT_ENDING;
    s->track_id = 0;
    s->owner = 0;
    s->sub_added = false;
    s->has_size = false;
}

static void bind_slot(struct rs_media *m, struct pmedia *q, struct slot *s, const struct pmedia *r,
                      enum source src)
{
    const struct track *t = &r->tracks[src];
    s->state = SLOT_BOUND;
    s->kind = t->kind;
    s->codec = t->codec;
    s->track_id = t->id;
    s->owner = r->owner;
    memcpy(s->publisher, r->p->id, sizeof(s->publisher));
    s->source = src;
    s->ssrc = 0;
    s->rtx_ssrc = 0;
    s->ssrc = new_ssrc(q);
    s->rtx_ssrc = t->kind == RS_MEDIA_VIDEO ? new_ssrc(q) : 0;
    s->sub_id = m->next_sub_id++;
    s->sub_added = false;
    s->enabled = false;
    s->has_size = false;
}

static bool track_bound(const struct pmedia *q, uint32_t track_id)
{
    for (unsigned i = 0; i < q->n_slots; i++)
        if (q->slots[i].state == SLOT_BOUND && q->slots[i].track_id == track_id)
            return true;
    return false;
}

static bool slot_track_alive(const struct rs_participant *qp, const struct slot *s)
{
    const struct pmedia *r = owner_find(s->owner);
    return r && !r->leaving && r->p->room == qp->room && r->p != qp &&
           r->tracks[s->source].id == s->track_id;
}

static void send_offer(struct rs_media *m, struct pmedia *q);

static void request_offer(struct rs_media *m, struct pmedia *q)
{
    if (q->offer_pending)
        q->offer_dirty = true;
    else
        send_offer(m, q);
}

/* Makes sure q->slots has room for one more slot (the caller checked MAX_SLOTS): a
 * participant pays for the m-sections it has, not for the 64 it might have. */
static int room_for_slot(struct pmedia *q)
{
    if (q->n_slots < q->slots_cap)
        return 0;
    unsigned cap = q->slots_cap ? 2 * q->slots_cap : 4;
    if (cap > MAX_SLOTS)
        cap = MAX_SLOTS;
    struct slot *slots = realloc(q->slots, cap * sizeof(*slots));
    if (!slots) {
        RS_ERROR("media", "event=oom participant=%s", q->p->id);
        return -ENOMEM;
    }
    q->slots = slots;
    q->slots_cap = cap;
    return 0;
}

/* Makes q's slots match every track of every other participant; offers if anything changed.
 * Ended tracks are unbound at once; new ones are bound only when an offer can go out now, so
 * that slots going idle in the pending round can take them (no needless new m-sections). */
static void sync_subs(struct rs_media *m, struct pmedia *q)
{
    struct rs_participant *qp = q->p;
    bool changed = false;
    for (unsigned i = 0; i < q->n_slots; i++) {
        struct slot *s = &q->slots[i];
        if (s->state == SLOT_BOUND && !slot_track_alive(qp, s)) {
            unbind_slot(m, q, s);
            changed = true;
        }
    }
    for (struct rs_participant *rp = qp->room->head; rp; rp = rp->next) {
        struct pmedia *r = rp->media;
        if (rp == qp || !r || r->leaving)
            continue;
        for (int src = 0; src < SRC__COUNT; src++) {
            const struct track *t = &r->tracks[src];
            if (!t->id || track_bound(q, t->id))
                continue;
            if (q->offer_pending) {
                q->offer_dirty = true; /* bound after the answer */
                continue;
            }
            struct slot *s = NULL;
            for (unsigned i = 0; i < q->n_slots && !s; i++)
                if (q->slots[i].state == SLOT_IDLE && q->slots[i].kind == t->kind)
                    s = &q->slots[i];
            if (!s && q->n_slots < MAX_SLOTS && room_for_slot(q) == 0) {
                s = &q->slots[q->n_slots];
                memset(s, 0, sizeof(*s));
                snprintf(s->mid, sizeof(s->mid), "%u", q->n_slots);
                q->n_slots++;
            }
            if (!s) {
                RS_WARN("media", "event=subscribe_full participant=%s track=%u", qp->id,
                        (unsigned)t->id);
                continue;
            }
            bind_slot(m, q, s, r, (enum source)src);
            changed = true;
        }
    }
    if (changed || q->sub_ice_restart)
        request_offer(m, q);
}

static void sync_others(struct rs_media *m, struct rs_participant *p)
{
    for (struct rs_participant *q = p->room->head; q; q = q->next)
        if (q != p && q->media && !((struct pmedia *)q->media)->leaving)
            sync_subs(m, q->media);
}

static void offer_codec(const struct slot *s, struct rs_sdp_offer_track *o)
{
    if (s->kind == RS_MEDIA_AUDIO) {
        o->kind = RS_SDP_KIND_AUDIO;
        o->pt = PT_OPUS;
        o->codec_name = "opus";
        o->clock = 48000;
        o->channels = 2;
        o->fmtp = FMTP_OPUS;
        o->rtx_pt = -1;
        o->exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME | RS_SDP_EXT_AUDIO_LEVEL;
        o->fb = 0;
        return;
    }
    o->kind = RS_SDP_KIND_VIDEO;
    o->clock = 90000;
    if (s->codec == RS_CODEC_H264) {
        o->pt = PT_H264;
        o->codec_name = "H264";
        o->fmtp = FMTP_H264;
        o->rtx_pt = PT_H264_RTX;
    } else {
        o->pt = PT_VP8;
        o->codec_name = "VP8";
        o->rtx_pt = PT_VP8_RTX;
    }
    o->exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME;
    o->fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB;
}

/* Where q's subscribe connection goes: its room's worker, or, in a room with more than
 * spread_rooms_above participants, the worker with the fewest live transports (the publishers'
 * media reaches it through the relay rings). */
static unsigned sub_worker_for(struct rs_media *m, const struct pmedia *q)
{
    unsigned limit = q->p->room->app->cfg.spread_rooms_above;
    if (m->n_workers < 2 || limit == 0 || q->p->room->count <= limit)
        return home_worker(q);
    unsigned best = home_worker(q);
    for (unsigned k = 0; k < m->n_workers; k++)
        if (m->transports[k] < m->transports[best])
            best = k;
    return best;
}

static void send_offer(struct rs_media *m, struct pmedia *q)
{
    struct rs_participant *qp = q->p;
    if (q->n_slots == 0)
        return;
    struct transport *t = &q->sub;
    if (!t->tid) {
        t->tid = rs_sfu_alloc_tid(m, sub_worker_for(m, q));
        if (!t->tid) {
            RS_ERROR("media", "event=no_tid participant=%s", qp->id);
            return;
        }
        new_credentials(t);
        t->session_id = new_session_id();
        t->dtls_sent = false;
        send_transport(m, RS_CMD_TRANSPORT_ADD, q, t, true, NULL, false, NULL);
        q->sub_ice_restart = false;
    } else if (q->sub_ice_restart) {
        new_credentials(t);
        send_transport(m, RS_CMD_TRANSPORT_ICE, q, t, true, NULL, false, NULL);
        q->sub_ice_restart = false;
        RS_INFO("media", "event=ice_restart pc=subscribe participant=%s tid=%u", qp->id,
                (unsigned)t->tid);
    }

    struct rs_sdp_offer_track tracks[MAX_SLOTS];
    char track_ids[MAX_SLOTS][RS_SDP_MSID_SIZE];
    json_t *list = json_array();
    for (unsigned i = 0; i < q->n_slots; i++) {
        const struct slot *s = &q->slots[i];
        struct rs_sdp_offer_track *o = &tracks[i];
        memset(o, 0, sizeof(*o));
        o->mid = s->mid;
        offer_codec(s, o);
        o->active = s->state == SLOT_BOUND;
        o->idle = s->state == SLOT_ENDING || s->state == SLOT_IDLE;
        if (!o->active)
            continue;
        snprintf(track_ids[i], sizeof(track_ids[i]), "%s-%s", s->publisher,
                 source_names[s->source]);
        o->ssrc = s->ssrc;
        o->rtx_ssrc = s->rtx_ssrc;
        o->cname = s->publisher;
        o->stream_id = s->publisher;
        o->track_id = track_ids[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "mid", s->mid,
                                              "participant", s->publisher, "source",
                                              source_names[s->source], "kind",
                                              s->kind == RS_MEDIA_AUDIO ? "audio" : "video"));
    }
    char *buf = malloc(OFFER_CAP);
    size_t len = 0;
    struct rs_sdp_local l;
    local_for(m, t, &l);
    int rc = buf ? rs_sdp_build_offer(&l, tracks, q->n_slots, t->session_version + 1, buf,
                                      OFFER_CAP, &len)
                 : -ENOMEM;
    if (rc) {
        RS_ERROR("media", "event=offer_failed participant=%s tid=%u rc=%d", qp->id,
                 (unsigned)t->tid, rc);
        free(buf);
        json_decref(list);
        return;
    }
    t->session_version++;
    q->revision++;
    q->offer_pending = true;
    q->offer_dirty = false;
    q->offered_slots = q->n_slots;
    for (unsigned i = 0; i < q->n_slots; i++)
        q->slots[i].offered_track_id =
            q->slots[i].state == SLOT_BOUND ? q->slots[i].track_id : 0;
    json_t *ev = json_pack("{s:s, s:s, s:I, s:s%, s:o}", "ns", "media", "event",
                           "subscribe_offer", "revision", (json_int_t)q->revision, "sdp", buf,
                           len, "tracks", list);
    free(buf);
    send_json(qp, ev);
    RS_INFO("media", "event=subscribe_offer participant=%s tid=%u revision=%llu m_lines=%u",
            qp->id, (unsigned)t->tid, (unsigned long long)q->revision, q->n_slots);
}

static void copy_ext(struct rs_ext_ids *dst, const struct rs_sdp_ext_ids *src)
{
    dst->mid = src->mid;
    dst->rid = src->rid;
    dst->repaired_rid = src->repaired_rid;
    dst->audio_level = src->audio_level;
    dst->abs_send_time = src->abs_send_time;
    dst->twcc = src->twcc;
}

static void track_cmd(struct rs_cmd *c, const struct pmedia *pm, enum source src);

/* Subscriptions on worker `wk` to a track published on another worker need a copy of the track
 * there, fed by the publisher's worker (relay.h): created on first use. */
static void ensure_relay(struct rs_media *m, const struct slot *s, unsigned wk)
{
    struct pmedia *r = owner_find(s->owner);
    if (!r || home_worker(r) == wk)
        return;
    for (int src = 0; src < SRC__COUNT; src++) {
        struct track *t = &r->tracks[src];
        if (t->id != s->track_id || (t->relay_mask & (1u << wk)))
            continue;
        struct rs_cmd c;
        track_cmd(&c, r, (enum source)src);
        c.u.track.relay = 1;
        c.u.track.home = (uint8_t)home_worker(r);
        c.u.track.tid = 0;
        if (rs_sfu_send(m, wk, &c) != 0)
            return;
        struct rs_cmd on;
        memset(&on, 0, sizeof(on));
        on.type = RS_CMD_TRACK_RELAY;
        on.u.ref.id = t->id;
        on.u.ref.flag = 1;
        on.u.ref.worker = (uint8_t)wk;
        if (rs_sfu_send(m, home_worker(r), &on) == 0)
            t->relay_mask |= 1u << wk;
        RS_DEBUG("media", "event=track_relay track=%u from_worker=%u to_worker=%u", (unsigned)t->id,
                 home_worker(r), wk);
    }
}

static void sub_add(struct rs_media *m, struct pmedia *q, struct slot *s,
                    const struct rs_sdp_media_choice *c)
{
    unsigned wk = rs_sfu_worker_of(m, q->sub.tid);
    ensure_relay(m, s, wk);
    struct rs_cmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.type = RS_CMD_SUB_ADD;
    struct rs_cmd_sub *sub = &cmd.u.sub;
    struct rs_sdp_offer_track o;
    memset(&o, 0, sizeof(o));
    offer_codec(s, &o);
    sub->sub_id = s->sub_id;
    sub->tid = q->sub.tid;
    sub->track_id = s->track_id;
    sub->ssrc = s->ssrc;
    /* The answer's payload types win (a browser may renumber); it names the codec we offered. */
    sub->pt = c->codec != RS_SDP_CODEC_NONE ? c->pt : o.pt;
    sub->rtx_pt = s->kind == RS_MEDIA_VIDEO ? c->rtx_pt : -1;
    sub->rtx_ssrc = sub->rtx_pt >= 0 ? s->rtx_ssrc : 0;
    copy_ext(&sub->ext, &c->ext);
    snprintf(sub->mid, sizeof(sub->mid), "%s", s->mid);
    s->enabled = slot_wants_enabled(q->p->room, q, s);
    sub->enabled = s->enabled;
    sub->nack = (c->fb & RS_SDP_FB_NACK) != 0;
    sub->remb = (c->fb & RS_SDP_FB_REMB) != 0;
    if (rs_sfu_send(m, wk, &cmd) == 0)
        s->sub_added = true;
    if (s->sub_added && s->has_size)
        send_cmd_ref(m, wk, RS_CMD_SUB_VIDEO_SIZE, s->sub_id, 0, s->width, s->height);
}

/* ---- field validation ---- */

static int get_sdp(const struct rs_msg *msg, const char **text, size_t *len,
                   struct rs_msg_error *err)
{
    json_t *v = json_object_get(msg->root, "sdp");
    if (!v) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, "sdp", "field 'sdp' is missing");
        return -EINVAL;
    }
    if (!json_is_string(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "sdp", "field 'sdp' must be a string");
        return -EINVAL;
    }
    *len = json_string_length(v);
    if (*len > RS_SDP_MAX_TEXT) {
        rs_msg_error_set(err, RS_ERR_TOO_LONG, "sdp", "sdp is longer than %d bytes",
                         RS_SDP_MAX_TEXT);
        return -EINVAL;
    }
    if (*len == 0) {
        rs_msg_error_set(err, RS_ERR_EMPTY_VALUE, "sdp", "sdp is empty");
        return -EINVAL;
    }
    *text = json_string_value(v);
    return 0;
}

static int parse_source(const char *s)
{
    for (int i = 0; i < SRC__COUNT; i++)
        if (strcmp(s, source_names[i]) == 0)
            return i;
    return -1;
}

static int get_source(const struct rs_msg *msg, enum source *out, struct rs_msg_error *err)
{
    char buf[16];
    const char *s;
    if (rs_msg_string(msg, "source", 1, 10, 0, buf, sizeof(buf), &s, err))
        return -EINVAL;
    int src = parse_source(s);
    if (src < 0) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "source",
                         "source must be microphone, camera or screen");
        return -EINVAL;
    }
    *out = (enum source)src;
    return 0;
}

struct entry {
    char mid[RS_SFU_MID_SIZE];
    enum source source;
    uint16_t width, height;
};

static int entry_dim(json_t *e, const char *name, unsigned max, unsigned i, uint16_t *out,
                     struct rs_msg_error *err)
{
    json_t *v = json_object_get(e, name);
    if (!v)
        return 0;
    if (!json_is_integer(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, name, "tracks[%u].%s must be an integer", i,
                         name);
        return -EINVAL;
    }
    json_int_t n = json_integer_value(v);
    if (n < 0 || n > (json_int_t)max) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, name, "tracks[%u].%s must be 0 to %u", i,
                         name, max);
        return -EINVAL;
    }
    *out = (uint16_t)n;
    return 0;
}

static int get_entries(const struct rs_msg *msg, struct entry *out, unsigned *n,
                       struct rs_msg_error *err)
{
    json_t *arr = json_object_get(msg->root, "tracks");
    if (!arr) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, "tracks", "field 'tracks' is missing");
        return -EINVAL;
    }
    if (!json_is_array(arr)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "tracks", "field 'tracks' must be an array");
        return -EINVAL;
    }
    if (json_array_size(arr) > MAX_TRACK_ENTRIES) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks", "at most %d tracks",
                         MAX_TRACK_ENTRIES);
        return -EINVAL;
    }
    *n = 0;
    for (unsigned i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        struct entry *en = &out[*n];
        memset(en, 0, sizeof(*en));
        if (!json_is_object(e)) {
            rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "tracks", "tracks[%u] must be an object",
                             i);
            return -EINVAL;
        }
        json_t *mid = json_object_get(e, "mid"), *src = json_object_get(e, "source");
        if (!mid || !src) {
            rs_msg_error_set(err, RS_ERR_MISSING_FIELD, mid ? "source" : "mid",
                             "tracks[%u].%s is missing", i, mid ? "source" : "mid");
            return -EINVAL;
        }
        if (!json_is_string(mid) || !json_is_string(src)) {
            const char *f = json_is_string(mid) ? "source" : "mid";
            rs_msg_error_set(err, RS_ERR_INVALID_TYPE, f, "tracks[%u].%s must be a string", i, f);
            return -EINVAL;
        }
        size_t mlen = json_string_length(mid);
        if (mlen == 0 || mlen >= RS_SFU_MID_SIZE) {
            rs_msg_error_set(err, mlen ? RS_ERR_TOO_LONG : RS_ERR_EMPTY_VALUE, "mid",
                             "tracks[%u].mid must be 1 to %d bytes", i, RS_SFU_MID_SIZE - 1);
            return -EINVAL;
        }
        int s = parse_source(json_string_value(src));
        if (s < 0) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "source",
                             "tracks[%u].source must be microphone, camera or screen", i);
            return -EINVAL;
        }
        memcpy(en->mid, json_string_value(mid), mlen + 1);
        en->source = (enum source)s;
        if (entry_dim(e, "width", MAX_WIDTH, i, &en->width, err) ||
            entry_dim(e, "height", MAX_HEIGHT, i, &en->height, err))
            return -EINVAL;
        for (unsigned k = 0; k < *n; k++) {
            if (strcmp(out[k].mid, en->mid) == 0 || out[k].source == en->source) {
                rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                                 "tracks[%u] repeats a mid or a source", i);
                return -EINVAL;
            }
        }
        (*n)++;
    }
    return 0;
}

/* ---- publish side ---- */

/* Lowest resolution first. The client sends rids low to high in a=simulcast; Chromium's own
 * naming (h;m;l, or q;h;f) is put in that order whatever the a=simulcast order was. */
static int rid_rank(const char *rid, const struct rs_sdp_media_choice *c)
{
    static const char *const lmh[] = {"l", "m", "h"}, *const qhf[] = {"q", "h", "f"};
    bool all_lmh = true, all_qhf = true;
    for (unsigned i = 0; i < c->n_rids; i++) {
        bool in_lmh = false, in_qhf = false;
        for (int k = 0; k < 3; k++) {
            in_lmh |= strcmp(c->rids[i].rid, lmh[k]) == 0;
            in_qhf |= strcmp(c->rids[i].rid, qhf[k]) == 0;
        }
        all_lmh &= in_lmh;
        all_qhf &= in_qhf;
    }
    for (int k = 0; k < 3; k++)
        if ((all_lmh && strcmp(rid, lmh[k]) == 0) || (all_qhf && strcmp(rid, qhf[k]) == 0))
            return k;
    for (unsigned i = 0; i < c->n_rids; i++)
        if (strcmp(c->rids[i].rid, rid) == 0)
            return (int)i;
    return 0;
}

static uint8_t codec_of(enum rs_sdp_codec c)
{
    switch (c) {
    case RS_SDP_CODEC_OPUS:
        return RS_CODEC_OPUS;
    case RS_SDP_CODEC_H264:
        return RS_CODEC_H264;
    default:
        return RS_CODEC_VP8;
    }
}

static void track_from_choice(const struct rs_sdp_media_choice *c, const struct entry *en,
                              struct track *t)
{
    memset(t, 0, sizeof(*t));
    copy_str(t->mid, sizeof(t->mid), c->mid); /* it matched a tracks entry: fits */
    t->kind = c->kind == RS_SDP_KIND_AUDIO ? RS_MEDIA_AUDIO : RS_MEDIA_VIDEO;
    t->codec = codec_of(c->codec);
    t->pt = c->pt;
    t->rtx_pt = c->rtx_pt;
    t->clock = c->clock;
    copy_ext(&t->ext, &c->ext);
    unsigned n = 0;
    for (unsigned i = 0; i < c->n_rids && n < RS_SFU_MAX_LAYERS; i++) {
        if (copy_str(t->rids[n], RS_SFU_RID_SIZE, c->rids[i].rid))
            n++; /* longer rids cannot be forwarded: that layer is ignored */
    }
    /* insertion sort by rank: at most three */
    for (unsigned i = 1; i < n; i++)
        for (unsigned k = i; k > 0 && rid_rank(t->rids[k], c) < rid_rank(t->rids[k - 1], c);
             k--) {
            char tmp[RS_SFU_RID_SIZE];
            memcpy(tmp, t->rids[k], sizeof(tmp));
            memcpy(t->rids[k], t->rids[k - 1], sizeof(tmp));
            memcpy(t->rids[k - 1], tmp, sizeof(tmp));
        }
    t->n_layers = n ? (uint8_t)n : 1;
    if (n == 0) {
        t->ssrc = c->has_ssrc ? c->ssrc : 0;
        t->rtx_ssrc = c->has_rtx_ssrc ? c->rtx_ssrc : 0;
    }
    t->width = en->width;
    t->height = en->height;
}

static bool track_same(const struct track *a, const struct track *b)
{
    return strcmp(a->mid, b->mid) == 0 && a->kind == b->kind && a->codec == b->codec &&
           a->pt == b->pt && a->rtx_pt == b->rtx_pt && a->clock == b->clock &&
           memcmp(&a->ext, &b->ext, sizeof(a->ext)) == 0 && a->n_layers == b->n_layers &&
           memcmp(a->rids, b->rids, sizeof(a->rids)) == 0 && a->ssrc == b->ssrc &&
           a->rtx_ssrc == b->rtx_ssrc;
}

static void track_cmd(struct rs_cmd *c, const struct pmedia *pm, enum source src)
{
    const struct track *t = &pm->tracks[src];
    memset(c, 0, sizeof(*c));
    c->type = RS_CMD_TRACK_ADD;
    struct rs_cmd_track *ct = &c->u.track;
    ct->track_id = t->id;
    ct->tid = pm->pub.tid;
    ct->owner = pm->owner;
    ct->room = ((struct rmedia *)pm->p->room->media)->key;
    ct->kind = t->kind;
    ct->codec = t->codec;
    ct->pt = t->pt;
    ct->rtx_pt = t->rtx_pt;
    ct->clock = t->clock;
    ct->ext = t->ext;
    memcpy(ct->mid, t->mid, sizeof(ct->mid));
    ct->n_layers = t->n_layers;
    memcpy(ct->rids, t->rids, sizeof(ct->rids));
    ct->ssrc = t->ssrc;
    ct->rtx_ssrc = t->rtx_ssrc;
    ct->width = t->width;
    ct->height = t->height;
    ct->muted = t->muted;
    ct->screen = src == SRC_SCREEN;
}

static void track_add(struct rs_media *m, const struct pmedia *pm, enum source src)
{
    struct rs_cmd c;
    track_cmd(&c, pm, src);
    rs_sfu_send(m, home_worker(pm), &c);
}

/* Forgets the publish connection (it failed, or the browser made a new one): the worker drops
 * the transport's tracks with it. Returns whether any track went. */
static bool publish_reset(struct rs_media *m, struct pmedia *pm)
{
    bool had = false;
    for (int s = 0; s < SRC__COUNT; s++) {
        had |= pm->tracks[s].id != 0;
        memset(&pm->tracks[s], 0, sizeof(pm->tracks[s]));
    }
    transport_remove(m, &pm->pub);
    return had;
}

/* Tracks published and changed: everyone else's subscriptions follow. */
static void tracks_changed(struct rs_media *m, struct pmedia *pm)
{
    sync_others(m, pm->p);
    refresh_enabled(m, pm->p->room);
    json_t *upd = participant_updated(pm->p);
    if (upd) {
        rs_room_broadcast(pm->p->room, upd, NULL);
        json_decref(upd);
    }
}

static int media_publish(struct rs_media *m, struct pmedia *pm, const struct rs_msg *msg,
                         struct rs_msg_error *err)
{
    struct rs_participant *p = pm->p;
    const char *text;
    size_t text_len;
    struct entry entries[MAX_TRACK_ENTRIES];
    unsigned n_entries;
    if (get_sdp(msg, &text, &text_len, err) || get_entries(msg, entries, &n_entries, err))
        return -EINVAL;

    int rc = -EINVAL;
    struct rs_sdp *offer = malloc(sizeof(*offer));
    struct rs_sdp_media_choice *choices = calloc(RS_SDP_MAX_MEDIA, sizeof(*choices));
    char *answer = malloc(RS_SDP_MAX_TEXT);
    if (!offer || !choices || !answer) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        goto out;
    }
    struct rs_sdp_transport rt;
    if (rs_sdp_parse(text, text_len, offer) || rs_sdp_get_transport(offer, &rt)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the offer could not be parsed or lacks ICE credentials or a "
                         "fingerprint");
        goto out;
    }
    if (rt.fingerprint->hash != RS_SDP_HASH_SHA256 || rt.fingerprint->len != 32) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp", "only sha-256 fingerprints are accepted");
        goto out;
    }
    /* Simulcast layers are told apart by rid (RFC 8851/8853), as browsers send them. Layers
     * announced only as an SSRC group (a=ssrc-group:SIM, the pre-standard way) would arrive as
     * one stream of three interleaved encodings: refuse them with a reason. */
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *md = &offer->media[i];
        for (unsigned g = 0; g < md->n_ssrc_groups && md->n_rids == 0; g++) {
            if (md->ssrc_groups[g].semantics == RS_SDP_SSRC_GROUP_SIM &&
                md->ssrc_groups[g].n_ssrcs > 1) {
                rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                                 "m-section %s announces simulcast as an SSRC group (SIM); "
                                 "send the layers with a=rid and a=simulcast",
                                 md->mid[0] ? md->mid : "?");
                goto out;
            }
        }
    }

    /* A different certificate means a new RTCPeerConnection: start its transport afresh. */
    struct transport next = pm->pub;
    bool new_pc = next.tid && memcmp(&next.remote_fp, rt.fingerprint, sizeof(next.remote_fp));
    bool first = !next.tid || new_pc;
    bool restart = !first && strcmp(next.remote_ufrag, rt.ice_ufrag) != 0;
    if (first) {
        memset(&next, 0, sizeof(next));
        next.tid = rs_sfu_alloc_tid(m, home_worker(pm));
        if (!next.tid) {
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the media server is full; try later");
            goto out;
        }
        new_credentials(&next);
        next.session_id = new_session_id();
    } else if (restart) {
        new_credentials(&next);
    }
    next.session_version++;
    struct rs_sdp_local l;
    local_for(m, &next, &l);
    size_t answer_len;
    int brc = rs_sdp_build_answer(offer, &l, choices, answer, RS_SDP_MAX_TEXT, &answer_len);
    if (brc) {
        rs_msg_error_set(err, brc == -EINVAL ? RS_ERR_INVALID_SDP : RS_ERR_INTERNAL, "sdp",
                         "the offer cannot be answered");
        goto out_release;
    }

    /* Every m-section the browser sends on needs its entry in `tracks`. */
    struct track want[SRC__COUNT];
    memset(want, 0, sizeof(want));
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media_choice *c = &choices[i];
        if (!c->accepted || (c->dir != RS_SDP_DIR_SENDONLY && c->dir != RS_SDP_DIR_SENDRECV))
            continue;
        const struct entry *en = NULL;
        for (unsigned k = 0; k < n_entries && !en; k++)
            if (strcmp(entries[k].mid, c->mid) == 0)
                en = &entries[k];
        if (!en) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                             "m-section %s sends media but has no entry in tracks", c->mid);
            goto out_release;
        }
        bool audio = c->kind == RS_SDP_KIND_AUDIO;
        if (audio != (en->source == SRC_MICROPHONE)) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "tracks",
                             "m-section %s is %s but its source is %s", c->mid,
                             audio ? "audio" : "video", source_names[en->source]);
            goto out_release;
        }
        track_from_choice(c, en, &want[en->source]);
        want[en->source].id = 1; /* present; the real id is given below */
    }

    /* Commit. */
    if (new_pc) {
        RS_INFO("media", "event=publish_new_pc participant=%s old_tid=%u", p->id,
                (unsigned)pm->pub.tid);
        publish_reset(m, pm);
    }
    if (first) {
        int src_rc;
        send_transport(m, RS_CMD_TRANSPORT_ADD, pm, &next, false, rt.fingerprint, false, &src_rc);
        if (src_rc) {
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the media server is busy; try again");
            goto out_release;
        }
    } else if (restart) {
        send_transport(m, RS_CMD_TRANSPORT_ICE, pm, &next, false, NULL, false, NULL);
        RS_INFO("media", "event=ice_restart pc=publish participant=%s tid=%u", p->id,
                (unsigned)next.tid);
    }
    snprintf(next.remote_ufrag, sizeof(next.remote_ufrag), "%s", rt.ice_ufrag);
    next.remote_fp = *rt.fingerprint;
    pm->pub = next;

    bool changed = new_pc;
    for (int s = 0; s < SRC__COUNT; s++) {
        struct track *cur = &pm->tracks[s];
        if (cur->id && (!want[s].id || !track_same(cur, &want[s]))) {
            send_cmd_ref(m, home_worker(pm), RS_CMD_TRACK_REMOVE, cur->id, 0, 0, 0);
            memset(cur, 0, sizeof(*cur));
            changed = true;
        }
        if (want[s].id && !cur->id) {
            *cur = want[s];
            cur->id = m->next_track_id++;
            track_add(m, pm, (enum source)s);
            changed = true;
        } else if (want[s].id) {
            cur->width = want[s].width;
            cur->height = want[s].height;
        }
    }

    json_t *ev = json_pack("{s:s, s:s, s:s%}", "ns", "media", "event", "publish_answer", "sdp",
                           answer, answer_len);
    if (ev && msg->ref)
        json_object_set(ev, "ref", msg->ref);
    send_json(p, ev);
    RS_INFO("media", "event=publish participant=%s tid=%u first=%d ice_restart=%d", p->id,
            (unsigned)next.tid, first, restart);
    if (changed)
        tracks_changed(m, pm);
    rc = 0;
    goto out;

out_release:
    if (first)
        rs_sfu_release_tid(m, next.tid);
out:
    free(offer);
    free(choices);
    free(answer);
    return rc;
}

static int media_subscribe_answer(struct rs_media *m, struct pmedia *q, const struct rs_msg *msg,
                                  struct rs_msg_error *err)
{
    long long rev;
    const char *text;
    size_t text_len;
    if (rs_msg_int(msg, "revision", 0, INT32_MAX, &rev, err) ||
        get_sdp(msg, &text, &text_len, err))
        return -EINVAL;
    if (!q->offer_pending || (uint64_t)rev != q->revision) {
        rs_msg_error_set(err, RS_ERR_STALE_REVISION, "revision",
                         "revision %lld is not the latest unanswered offer (%llu)", rev,
                         (unsigned long long)q->revision);
        return -EINVAL;
    }
    int rc = -EINVAL;
    struct rs_sdp *answer = malloc(sizeof(*answer));
    struct rs_sdp_media_choice *choices = calloc(RS_SDP_MAX_MEDIA, sizeof(*choices));
    const struct rs_sdp_media_choice *by_slot[MAX_SLOTS] = {0};
    if (!answer || !choices) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        goto out;
    }
    struct rs_sdp_transport rt;
    if (rs_sdp_parse(text, text_len, answer) || rs_sdp_get_transport(answer, &rt) ||
        rs_sdp_parse_answer_choices(answer, choices, RS_SDP_MAX_MEDIA)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the answer could not be parsed or lacks ICE credentials or a "
                         "fingerprint");
        goto out;
    }
    if (rt.fingerprint->hash != RS_SDP_HASH_SHA256 || rt.fingerprint->len != 32 ||
        (rt.setup != RS_SDP_SETUP_ACTIVE && rt.setup != RS_SDP_SETUP_PASSIVE)) {
        rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp",
                         "the answer needs a sha-256 fingerprint and setup active or passive");
        goto out;
    }
    for (unsigned i = 0; i < q->offered_slots; i++) {
        for (unsigned k = 0; k < answer->n_media && !by_slot[i]; k++)
            if (strcmp(choices[k].mid, q->slots[i].mid) == 0)
                by_slot[i] = &choices[k];
        if (!by_slot[i]) {
            rs_msg_error_set(err, RS_ERR_INVALID_SDP, "sdp", "the answer lacks m-section %s",
                             q->slots[i].mid);
            goto out;
        }
    }

    q->offer_pending = false;
    if (!q->sub.dtls_sent) {
        send_transport(m, RS_CMD_TRANSPORT_DTLS, q, &q->sub, true, rt.fingerprint,
                       rt.setup == RS_SDP_SETUP_PASSIVE, NULL);
        q->sub.dtls_sent = true;
    }
    bool lost = false;
    unsigned added = 0;
    for (unsigned i = 0; i < q->offered_slots; i++) {
        struct slot *s = &q->slots[i];
        const struct rs_sdp_media_choice *c = by_slot[i];
        if (!c->accepted) {
            if (s->state == SLOT_BOUND) {
                unbind_slot(m, q, s);
                lost = true; /* its track needs another m-section */
            }
            s->state = SLOT_DEAD;
            continue;
        }
        if (s->state == SLOT_BOUND && s->offered_track_id == s->track_id && !s->sub_added) {
            sub_add(m, q, s, c);
            added++;
        } else if (s->state == SLOT_ENDING && s->offered_track_id == 0) {
            s->state = SLOT_IDLE;
        }
    }
    RS_INFO("media", "event=subscribe_answer participant=%s tid=%u revision=%llu subs_added=%u",
            q->p->id, (unsigned)q->sub.tid, (unsigned long long)q->revision, added);
    if (lost || q->offer_dirty)
        sync_subs(m, q);
    if (q->offer_dirty && !q->offer_pending)
        send_offer(m, q);
    rc = 0;
out:
    free(answer);
    free(choices);
    return rc;
}

static int media_restart_ice(struct rs_media *m, struct pmedia *pm, const struct rs_msg *msg,
                             struct rs_msg_error *err)
{
    char buf[16];
    const char *pc;
    if (rs_msg_string(msg, "pc", 1, 10, 0, buf, sizeof(buf), &pc, err))
        return -EINVAL;
    if (strcmp(pc, "publish") == 0) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "pc",
                         "for the publish connection send a new publish offer created with "
                         "iceRestart: true");
        return -EINVAL;
    }
    if (strcmp(pc, "subscribe") != 0) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "pc", "pc must be subscribe or publish");
        return -EINVAL;
    }
    if (!pm->sub.tid) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "pc", "there is no subscribe connection yet");
        return -EINVAL;
    }
    pm->sub_ice_restart = true;
    request_offer(m, pm);
    return 0;
}

static struct slot *find_sub_slot(struct pmedia *q, uint32_t track_id)
{
    for (unsigned i = 0; i < q->n_slots; i++)
        if (q->slots[i].state == SLOT_BOUND && q->slots[i].track_id == track_id)
            return &q->slots[i];
    return NULL;
}

static int media_track_state(struct rs_media *m, struct pmedia *pm, const struct rs_msg *msg,
                             struct rs_msg_error *err)
{
    enum source src;
    int muted;
    if (get_source(msg, &src, err) || rs_msg_bool(msg, "muted", &muted, err))
        return -EINVAL;
    struct track *t = &pm->tracks[src];
    if (!t->id) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "source", "you do not publish %s",
                         source_names[src]);
        return -EINVAL;
    }
    t->muted = muted != 0;
    send_cmd_ref(m, home_worker(pm), RS_CMD_TRACK_MUTE, t->id, t->muted, 0, 0);
    for (unsigned k = 0; k < m->n_workers; k++) /* its copies resume cleanly too */
        if (t->relay_mask & (1u << k))
            send_cmd_ref(m, k, RS_CMD_TRACK_MUTE, t->id, t->muted, 0, 0);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:b}", "ns", "media", "event", "track_state",
                           "participant", pm->p->id, "source", source_names[src], "muted",
                           t->muted);
    if (ev) {
        rs_room_broadcast(pm->p->room, ev, NULL);
        json_decref(ev);
    }
    return 0;
}

static int media_video_size(struct rs_media *m, struct pmedia *q, const struct rs_msg *msg,
                            struct rs_msg_error *err)
{
    char buf[RS_PARTICIPANT_ID_LEN + 1];
    const char *id;
    enum source src;
    long long w, h;
    if (rs_msg_string(msg, "participant", 1, RS_PARTICIPANT_ID_LEN, 0, buf, sizeof(buf), &id,
                      err) ||
        get_source(msg, &src, err) || rs_msg_int(msg, "width", 0, MAX_WIDTH, &w, err) ||
        rs_msg_int(msg, "height", 0, MAX_HEIGHT, &h, err))
        return -EINVAL;
    struct rs_participant *rp = rs_room_participant(q->p->room, id);
    struct pmedia *r = rp ? rp->media : NULL;
    struct slot *s = NULL;
    if (r && r != q && r->tracks[src].id && r->tracks[src].kind == RS_MEDIA_VIDEO)
        s = find_sub_slot(q, r->tracks[src].id);
    if (!s) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "participant",
                         "no video of that participant and source is offered to you");
        return -EINVAL;
    }
    s->width = (uint16_t)w;
    s->height = (uint16_t)h;
    s->has_size = true;
    if (s->sub_added)
        send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_VIDEO_SIZE, s->sub_id, 0,
                     s->width, s->height);
    return 0;
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
        return media_publish(m, pm, msg, err);
    if (strcmp(a, "subscribe_answer") == 0)
        return media_subscribe_answer(m, pm, msg, err);
    if (strcmp(a, "restart_ice") == 0)
        return media_restart_ice(m, pm, msg, err);
    if (strcmp(a, "track_state") == 0)
        return media_track_state(m, pm, msg, err);
    if (strcmp(a, "video_size") == 0)
        return media_video_size(m, pm, msg, err);
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
            json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "source", source_names[s],
                                                  "kind",
                                                  t->kind == RS_MEDIA_AUDIO ? "audio" : "video",
                                                  "muted", t->muted));
    }
    json_object_set_new(j, "tracks", list);
}

void rs_media_participant_joined(struct rs_participant *p)
{
    struct rs_media *m = media_of(p);
    struct pmedia *pm = m ? pstate(p) : NULL;
    if (pm)
        sync_subs(m, pm);
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
        sync_others(m, p);
        transport_remove(m, &pm->pub);
        transport_remove(m, &pm->sub);
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
        refresh_enabled(m, room);
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

/* ---- worker events ---- */

static void on_active_speaker(struct rs_media *m, struct pmedia *pm)
{
    struct rs_room *room = pm->p->room;
    struct rmedia *rm = room->media;
    if (!rm)
        return;
    unsigned i = 0;
    while (i < rm->n_speakers && rm->speakers[i] != pm->owner)
        i++;
    if (i == rm->n_speakers && rm->n_speakers < SPEAKERS_MAX)
        rm->n_speakers++;
    if (i == rm->n_speakers)
        i--; /* full: the least recent speaker drops out */
    memmove(&rm->speakers[1], &rm->speakers[0], i * sizeof(rm->speakers[0]));
    rm->speakers[0] = pm->owner;
    json_t *ev = json_pack("{s:s, s:s, s:s}", "ns", "media", "event", "active_speaker",
                           "participant", pm->p->id);
    if (ev) {
        rs_room_broadcast(room, ev, NULL);
        json_decref(ev);
    }
    refresh_enabled(m, room);
}

static void on_transport_failed(struct rs_media *m, struct pmedia *pm, const struct rs_event *ev)
{
    bool publish = ev->tid == pm->pub.tid;
    if (!ev->tid || (!publish && ev->tid != pm->sub.tid))
        return; /* a transport we already replaced */
    const char *pc = publish ? "publish" : "subscribe";
    enum rs_err code = ev->reason == RS_FAIL_ICE_TIMEOUT ? RS_ERR_ICE_TIMEOUT : RS_ERR_DTLS_FAILED;
    const char *why = ev->reason == RS_FAIL_ICE_TIMEOUT    ? "no ICE consent for 30 s"
                      : ev->reason == RS_FAIL_FINGERPRINT ? "the certificate does not match "
                                                            "the fingerprint in the SDP"
                                                          : "the DTLS handshake failed";
    RS_WARN("media", "event=transport_failed participant=%s tid=%u pc=%s reason=%d", pm->p->id,
            (unsigned)ev->tid, pc, ev->reason);
    rs_metric_error(code);
    char text[200];
    snprintf(text, sizeof(text),
             "the %s connection was closed: %s; %s", pc, why,
             publish ? "create a new publish connection and publish again"
                     : "a new subscribe offer follows");
    send_json(pm->p, json_pack("{s:s, s:s, s:s, s:s, s:s}", "ns", "media", "event", "error",
                               "code", rs_err_code(code), "text", text, "pc", pc));
    if (publish) {
        if (publish_reset(m, pm))
            tracks_changed(m, pm);
        return;
    }
    /* A fresh subscribe connection: new transport, mids from "0" again. */
    transport_remove(m, &pm->sub); /* the worker drops its subscriptions with it */
    pm->n_slots = 0;
    pm->offered_slots = 0;
    pm->offer_pending = false;
    pm->offer_dirty = false;
    pm->sub_ice_restart = false;
    sync_subs(m, pm);
}

void rs_media_handle_event(struct rs_media *m, const struct rs_event *ev)
{
    struct pmedia *pm = owner_find(ev->owner);
    if (!pm || pm->leaving)
        return; /* the participant left while the event was queued */
    switch (ev->type) {
    case RS_EV_ACTIVE_SPEAKER:
        on_active_speaker(m, pm);
        break;
    case RS_EV_TRANSPORT_FAILED:
        on_transport_failed(m, pm, ev);
        break;
    case RS_EV_TRANSPORT_CONNECTED:
        RS_INFO("media", "event=transport_connected participant=%s tid=%u", pm->p->id,
                (unsigned)ev->tid);
        break;
    case RS_EV_TRACK_FLOWING:
        RS_DEBUG("media", "event=track_flowing participant=%s track=%u", pm->p->id,
                 (unsigned)ev->track_id);
        break;
    }
}
