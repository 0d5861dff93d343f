/* SPDX-License-Identifier: EUPL-1.2 */
/* The control thread's side of a record feed (record_feed.h): a sink transport on the room's
 * home worker and one subscription per published track of the room.
 *
 * Every published track gets a subscription at once, disabled; whether it flows is asked on
 * every refresh (the feature's ops->includes, ANDed with what holds for every listener: the
 * chair's mutes and turn-offs, the podium's stage). A track that becomes included is announced
 * (ops->track, added) before its subscription is enabled, so the recorder knows the SSRC before
 * the first packet; one that stops is disabled and announced removed in the same step. A track
 * that ends (unpublished, its publisher left or reconnected) is removed the same way.
 *
 * The sink sits on the room's home worker, where every publisher's tracks are, so no relay
 * copy is ever needed for it. Its owner key is one no participant has: worker events about it
 * (a failed sink) find nobody and are ignored; the feature learns of a dead recorder from the
 * recorder's control socket. */
#include "sfu/record_feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/random.h"
#include "room/chair.h"
#include "room/podium.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

/* The layer the recorder gets: it scales every tile itself, so a small one saves decoding. */
#define FEW_VIDEOS 4
#define SIZE_FEW_W 640
#define SIZE_FEW_H 360
#define SIZE_MANY_W 320
#define SIZE_MANY_H 180
/* A screen share is shown large and must stay readable. */
#define SIZE_SCREEN_W 1280
#define SIZE_SCREEN_H 720

struct feed_track {
    uint32_t track_id; /* the publisher's track */
    uint32_t owner;    /* its publisher's owner key */
    uint32_t sub_id;
    bool enabled; /* as told to the worker and announced to the recorder */
    bool seen;    /* scratch: still published (refresh) */
    uint16_t width, height; /* as last told to the worker (video) */
    struct rs_record_track info;
};

struct rs_record_feed {
    struct rs_room *room;
    const struct rs_record_feed_ops *ops;
    void *arg;
    uint32_t tid, owner;
    unsigned worker;
    struct feed_track *tracks;
    unsigned n_tracks, cap;
    uint32_t speaker; /* owner key last announced through ops->speaker, 0: none */
    bool refreshing, again; /* an op changed the room's routing during a refresh: once more */
    struct rs_record_feed *next; /* the room's feeds (struct rmedia) */
};

static const enum rs_record_source record_source[SRC__COUNT] = {
    [SRC_MICROPHONE] = RS_RECORD_MIC, [SRC_CAMERA] = RS_RECORD_CAMERA,
    [SRC_SCREEN] = RS_RECORD_SCREEN};

/* The media plane while it runs; NULL after rs_sfu_stop (shutdown frees rooms after it). */
static struct rs_media *media_of(const struct rs_record_feed *f)
{
    return f->room->app->media;
}

static uint32_t new_ssrc(const struct rs_record_feed *f)
{
    for (;;) {
        uint32_t ssrc = rs_random_u32();
        bool taken = ssrc == 0;
        for (unsigned i = 0; i < f->n_tracks && !taken; i++)
            taken = f->tracks[i].info.ssrc == ssrc;
        if (!taken)
            return ssrc;
    }
}

static struct feed_track *find_track(struct rs_record_feed *f, uint32_t track_id)
{
    for (unsigned i = 0; i < f->n_tracks; i++)
        if (f->tracks[i].track_id == track_id)
            return &f->tracks[i];
    return NULL;
}

/* A new subscription, disabled, for pm's track of `src`. NULL on OOM or a full queue. */
static struct feed_track *add_track(struct rs_media *m, struct rs_record_feed *f,
                                    const struct pmedia *pm, enum source src)
{
    const struct track *t = &pm->tracks[src];
    if (f->n_tracks == f->cap) {
        unsigned cap = f->cap ? 2 * f->cap : 8;
        struct feed_track *n = realloc(f->tracks, cap * sizeof(*n));
        if (!n) {
            RS_ERROR("record_feed", "event=oom room=%s", f->room->id);
            return NULL;
        }
        f->tracks = n;
        f->cap = cap;
    }
    struct feed_track *ft = &f->tracks[f->n_tracks];
    memset(ft, 0, sizeof(*ft));
    ft->track_id = t->id;
    ft->owner = pm->owner;
    ft->sub_id = m->next_sub_id++;
    ft->info.ssrc = new_ssrc(f);
    ft->info.kind = t->kind;
    ft->info.codec = t->codec;
    ft->info.pt = t->pt;
    ft->info.clock = t->clock ? t->clock : (t->kind == RS_MEDIA_AUDIO ? 48000 : 90000);
    ft->info.source = record_source[src];
    snprintf(ft->info.participant, sizeof(ft->info.participant), "%s", pm->p->id);
    snprintf(ft->info.name, sizeof(ft->info.name), "%s", pm->p->display_name);

    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = RS_CMD_SUB_ADD;
    c.u.sub.sub_id = ft->sub_id;
    c.u.sub.tid = f->tid;
    c.u.sub.track_id = t->id;
    c.u.sub.ssrc = ft->info.ssrc;
    c.u.sub.pt = t->pt;
    c.u.sub.rtx_pt = -1; /* no RTX, no header extensions: plain RTP for the recorder */
    c.u.sub.enabled = 0;
    if (rs_sfu_send(m, f->worker, &c) != 0)
        return NULL; /* tried again at the next refresh */
    f->n_tracks++;
    return ft;
}

static void set_enabled(struct rs_media *m, struct rs_record_feed *f, struct feed_track *ft,
                        bool on)
{
    if (on) { /* announced first: the recorder knows the SSRC before its first packet */
        f->ops->track(f->arg, &ft->info, true);
        rs_ms__send_cmd_ref(m, f->worker, RS_CMD_SUB_ENABLE, ft->sub_id, 1, 0, 0);
    } else { /* stopped and announced in one step: tile hidden, audio muted at once */
        rs_ms__send_cmd_ref(m, f->worker, RS_CMD_SUB_ENABLE, ft->sub_id, 0, 0, 0);
        f->ops->track(f->arg, &ft->info, false);
    }
    ft->enabled = on;
    RS_DEBUG("record_feed", "event=track_%s room=%s participant=%s ssrc=%u",
             on ? "included" : "excluded", f->room->id, ft->info.participant,
             (unsigned)ft->info.ssrc);
}

/* Whether pm's track of `src` goes to the recorder: the feature's decision, and what holds for
 * every listener (nothing of a participant off the stage or silenced by the chair). */
static bool included(struct rs_record_feed *f, const struct pmedia *pm, enum source src)
{
    return !pm->leaving && rs_podium_may_publish(pm->p) &&
           rs_chair_may_send(pm->p, (enum rs_chair_source)src) &&
           f->ops->includes(f->arg, f->room, pm->p, record_source[src]);
}

/* Asks for a small layer: the recorder scales, and decodes every included video. */
static void update_sizes(struct rs_media *m, struct rs_record_feed *f)
{
    unsigned videos = 0;
    for (unsigned i = 0; i < f->n_tracks; i++)
        videos += f->tracks[i].enabled && f->tracks[i].info.kind == RS_MEDIA_VIDEO;
    for (unsigned i = 0; i < f->n_tracks; i++) {
        struct feed_track *ft = &f->tracks[i];
        if (ft->info.kind != RS_MEDIA_VIDEO)
            continue;
        uint16_t w = videos <= FEW_VIDEOS ? SIZE_FEW_W : SIZE_MANY_W;
        uint16_t h = videos <= FEW_VIDEOS ? SIZE_FEW_H : SIZE_MANY_H;
        if (ft->info.source == RS_RECORD_SCREEN) {
            w = SIZE_SCREEN_W;
            h = SIZE_SCREEN_H;
        }
        if (ft->width == w && ft->height == h)
            continue;
        ft->width = w;
        ft->height = h;
        rs_ms__send_cmd_ref(m, f->worker, RS_CMD_SUB_VIDEO_SIZE, ft->sub_id, 0, w, h);
    }
}

/* The speaker the recorder shows must be in the recording. */
static bool speaker_included(const struct rs_record_feed *f, uint32_t owner)
{
    for (unsigned i = 0; i < f->n_tracks; i++)
        if (f->tracks[i].owner == owner && f->tracks[i].enabled)
            return true;
    return false;
}

static void refresh(struct rs_media *m, struct rs_record_feed *f);

void rs_record_feed_refresh(struct rs_record_feed *f)
{
    struct rs_media *m = f ? media_of(f) : NULL;
    if (!m)
        return;
    if (f->refreshing) { /* called from inside an op: after this round */
        f->again = true;
        return;
    }
    f->refreshing = true;
    for (int round = 0; round < 4; round++) {
        f->again = false;
        refresh(m, f);
        if (!f->again)
            break;
    }
    f->refreshing = false;
}

static void refresh(struct rs_media *m, struct rs_record_feed *f)
{
    for (unsigned i = 0; i < f->n_tracks; i++)
        f->tracks[i].seen = false;
    for (struct rs_participant *x = f->room->head; x; x = x->next) {
        struct pmedia *pm = PM(x);
        if (!pm || pm->leaving)
            continue;
        for (int src = 0; src < SRC__COUNT; src++) {
            if (!pm->tracks[src].id)
                continue;
            struct feed_track *ft = find_track(f, pm->tracks[src].id);
            if (!ft)
                ft = add_track(m, f, pm, (enum source)src);
            if (!ft)
                continue;
            ft->seen = true;
            bool want = included(f, pm, (enum source)src);
            if (want != ft->enabled)
                set_enabled(m, f, ft, want);
        }
    }
    /* ended tracks: the worker dropped their subscriptions with them; say so to the recorder */
    unsigned w = 0;
    for (unsigned i = 0; i < f->n_tracks; i++) {
        struct feed_track *ft = &f->tracks[i];
        if (ft->seen) {
            f->tracks[w++] = *ft;
            continue;
        }
        rs_ms__send_cmd_ref(m, f->worker, RS_CMD_SUB_REMOVE, ft->sub_id, 0, 0, 0);
        if (ft->enabled)
            f->ops->track(f->arg, &ft->info, false);
    }
    f->n_tracks = w;
    update_sizes(m, f);
    if (f->speaker && !speaker_included(f, f->speaker)) {
        f->speaker = 0;
        if (f->ops->speaker)
            f->ops->speaker(f->arg, NULL);
    }
}

struct rs_record_feed *rs_record_feed_open(struct rs_media *m, struct rs_room *room, int data_fd,
                                           const struct rs_record_feed_ops *ops, void *arg,
                                           char *err, size_t errlen)
{
    struct rs_record_feed *f = NULL;
    struct rmedia *rm = NULL;
    if (!m || !room || !ops || !ops->includes || !ops->track) {
        snprintf(err, errlen, "%s",
                 !m ? "the media plane is not running" : "no room or no includes/track ops");
        goto fail;
    }
    rm = rs_ms__room_state(room, m);
    f = rm ? calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    f->room = room;
    f->ops = ops;
    f->arg = arg;
    f->worker = rm->worker;
    f->owner = rs_ms__new_key(m);
    f->tid = rs_sfu_alloc_tid(m, f->worker);
    if (!f->tid) {
        snprintf(err, errlen, "no free media transport on worker %u", f->worker);
        goto fail;
    }
    struct rs_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = RS_CMD_TRANSPORT_ADD;
    c.u.transport.tid = f->tid;
    c.u.transport.subscriber = 1;
    c.u.transport.sink = 1;
    c.u.transport.sink_fd = data_fd;
    c.u.transport.owner = f->owner;
    if (rs_sfu_send(m, f->worker, &c) != 0) {
        rs_sfu_release_tid(m, f->tid);
        snprintf(err, errlen, "the media worker's command queue is full");
        goto fail;
    }
    data_fd = -1; /* the worker's now */
    f->next = rm->feeds;
    rm->feeds = f;
    RS_INFO("record_feed", "event=feed_open room=%s tid=%u worker=%u", room->id,
            (unsigned)f->tid, f->worker);
    rs_record_feed_refresh(f);
    return f;
fail:
    if (data_fd >= 0)
        close(data_fd);
    free(f);
    return NULL;
}

void rs_record_feed_close(struct rs_record_feed *f)
{
    if (!f)
        return;
    struct rs_media *m = media_of(f);
    struct rmedia *rm = RM(f->room);
    for (struct rs_record_feed **pp = rm ? &rm->feeds : NULL; pp && *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    if (m) { /* its subscriptions go with the transport; the worker closes the socket */
        rs_ms__send_cmd_ref(m, f->worker, RS_CMD_TRANSPORT_REMOVE, f->tid, 0, 0, 0);
        rs_sfu_release_tid(m, f->tid);
    }
    RS_INFO("record_feed", "event=feed_close room=%s tid=%u", f->room->id, (unsigned)f->tid);
    free(f->tracks);
    free(f);
}

/* ---- the media module's hooks (media_internal.h) ---- */

void rs_ms__feeds_refresh(struct rs_room *room)
{
    struct rmedia *rm = RM(room);
    for (struct rs_record_feed *f = rm ? rm->feeds : NULL; f; f = f->next)
        rs_record_feed_refresh(f);
}

void rs_ms__feeds_speaker(struct rs_room *room, const struct pmedia *pm)
{
    struct rmedia *rm = RM(room);
    for (struct rs_record_feed *f = rm ? rm->feeds : NULL; f; f = f->next) {
        uint32_t now = speaker_included(f, pm->owner) ? pm->owner : 0;
        if (now == f->speaker || !f->ops->speaker)
            continue;
        f->speaker = now;
        f->ops->speaker(f->arg, now ? pm->p : NULL);
    }
}

void rs_ms__feeds_room_free(struct rs_room *room)
{
    struct rmedia *rm = RM(room);
    while (rm && rm->feeds)
        rs_record_feed_close(rm->feeds);
}
