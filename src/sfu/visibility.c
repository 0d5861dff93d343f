/* SPDX-License-Identifier: EUPL-1.2 */
/* Who receives what: audio routes, last-N and the active speaker order of the `media` namespace.
 *
 * Every subscription (a BOUND slot the worker knows) is enabled or not. First of all, whatever
 * the chair muted or turned off (room/chair.c) is forwarded to nobody. Audio follows the
 * room's audio routing table (room/audio_routes.c: the room decides, we only ask); cameras
 * follow last-N: a subscriber gets the last_n most recent speakers among the other camera
 * publishers, then those present longest; screen shares are never dropped. The worker's
 * RS_EV_ACTIVE_SPEAKER events keep the room's speaker order, most recent first.
 *
 * The subtle thing: visibility never touches the SDP. Every track stays negotiated in every
 * subscriber's connection; a change of speaker or route only flips subscriptions on the worker
 * (RS_CMD_SUB_ENABLE), so it costs no offer/answer round and a video that comes back starts at
 * its next keyframe. rs_ms__refresh_enabled recomputes the whole room and sends only the
 * differences. */
#include <stdbool.h>
#include <string.h>

#include "core/log.h"
#include "room/audio_routes.h"
#include "room/breakout.h"
#include "room/chair.h"
#include "room/podium.h"
#include "room/events.h"
#include "room/whisper.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/sfu.h"

_Static_assert(SRC_MICROPHONE == (int)RS_CHAIR_MIC && SRC_CAMERA == (int)RS_CHAIR_CAMERA &&
                   SRC_SCREEN == (int)RS_CHAIR_SCREEN,
               "the chair numbers sources as the media plane does");

/* ---- who receives what: audio routes and last-N ---- */

static bool has_camera(const struct pmedia *pm)
{
    return pm && !pm->leaving && pm->tracks[SRC_CAMERA].id != 0;
}

/* A camera `q` may receive at all (breakout places): last-N ranks only those. */
static bool visible_camera(struct rs_room *room, const struct pmedia *q, const struct pmedia *x)
{
    return x != q && has_camera(x) && rs_breakout_allows(room, q->p, x->p, false);
}

static bool in_speakers(const struct rmedia *rm, uint32_t owner)
{
    for (unsigned i = 0; i < rm->n_speakers; i++)
        if (rm->speakers[i] == owner)
            return true;
    return false;
}

static unsigned camera_publishers(struct rs_room *room)
{
    unsigned count = 0;
    for (struct rs_participant *x = room->head; x; x = x->next)
        count += has_camera(PM(x));
    return count;
}

/* Whether subscriber `q` gets publisher `r`'s camera under last-N: the last_n most recent
 * speakers among the other camera publishers `q` may see, then the longest present. `cams` is
 * the room's number of camera publishers (counted once per refresh: a room of a thousand
 * listeners and a stage of three must not count the room again for every subscription); only
 * while breakout rooms are open does `q` count the cameras of its own place. */
static bool last_n_allows(struct rs_room *room, const struct pmedia *q, const struct pmedia *r,
                          unsigned cams)
{
    unsigned n = room->app->cfg.last_n;
    struct rmedia *rm = RM(room);
    if (n == 0 || !rm)
        return true;
    unsigned count = cams - (has_camera(q) ? 1 : 0);
    if (rs_breakout_open(room)) {
        count = 0;
        for (struct rs_participant *x = room->head; x; x = x->next)
            if (visible_camera(room, q, PM(x)))
                count++;
    }
    if (count <= n)
        return true;
    unsigned rank = 0;
    for (unsigned i = 0; i < rm->n_speakers && rank < n; i++) {
        struct pmedia *x = rs_ms__owner_find(room->app->media, rm->speakers[i]);
        if (!x || x->p->room != room || !visible_camera(room, q, x))
            continue;
        if (x == r)
            return true;
        rank++;
    }
    for (struct rs_participant *xp = room->head; xp && rank < n; xp = xp->next) {
        struct pmedia *x = PM(xp);
        if (!visible_camera(room, q, x) || in_speakers(rm, x->owner))
            continue;
        if (x == r)
            return true;
        rank++;
    }
    return false;
}

static bool wants_enabled(struct rs_room *room, const struct pmedia *q, const struct slot *s,
                          unsigned cams)
{
    const struct pmedia *r = rs_ms__owner_find(room->app->media, s->owner);
    if (!r || r->leaving)
        return false;
    /* off the stage (podium mode): nothing of it reaches anyone, from the moment it left */
    if (!rs_podium_may_publish(r->p))
        return false;
    /* what the chair decided (room/chair.c) comes first: a muted participant reaches nobody */
    if (!rs_chair_may_send(r->p, (enum rs_chair_source)s->source))
        return false;
    /* breakout places next: nothing crosses them but the plenary speaker's audio */
    if (!rs_breakout_allows(room, q->p, r->p, s->kind == RS_MEDIA_AUDIO))
        return false;
    if (s->kind == RS_MEDIA_AUDIO)
        return rs_audio_route_allows(room, q->p, r->p);
    if (s->source == SRC_CAMERA)
        return last_n_allows(room, q, r, cams);
    return true; /* screen shares are never dropped by last-N */
}

bool rs_ms__slot_wants_enabled(struct rs_room *room, const struct pmedia *q, const struct slot *s)
{
    return wants_enabled(room, q, s, camera_publishers(room));
}

/* Recomputes every subscription's `enabled` in the room; tells the worker about changes. */
void rs_ms__refresh_enabled(struct rs_media *m, struct rs_room *room)
{
    unsigned cams = camera_publishers(room);
    for (struct rs_participant *x = room->head; x; x = x->next) {
        struct pmedia *q = PM(x);
        if (!q || q->leaving)
            continue;
        for (unsigned i = 0; i < q->n_slots; i++) {
            struct slot *s = &q->slots[i];
            if (s->state != SLOT_BOUND || !s->sub_added)
                continue;
            bool want = wants_enabled(room, q, s, cams);
            if (want != s->enabled) {
                s->enabled = want;
                rs_ms__send_cmd_ref(m, rs_sfu_worker_of(m, q->sub.tid), RS_CMD_SUB_ENABLE,
                                    s->sub_id, want, 0, 0);
                RS_DEBUG("media", "event=sub_enable participant=%s sub=%u enabled=%d", x->id,
                         (unsigned)s->sub_id, want);
            }
        }
    }
    rs_ms__feeds_refresh(room); /* recorders follow the same routing changes */
}

/* The media feature's audience_changed hook: the room's rules of who hears whom changed.
 * Forwarding follows at once; then whoever may no longer publish (sent back to the podium's
 * audience) loses its publication as a publish connection that went away does: its transport
 * closes, its tracks end, and everyone else's subscriptions follow (a renegotiation without
 * them). */
void rs_ms__audience_changed(struct rs_room *room)
{
    struct rs_media *m = room->app->media;
    if (!m)
        return;
    rs_ms__refresh_enabled(m, room);
    for (struct rs_participant *x = room->head; x; x = x->next) {
        struct pmedia *pm = PM(x);
        if (!pm || pm->leaving || !pm->pub.tid || rs_podium_may_publish(x))
            continue;
        RS_INFO("media", "event=publish_ended reason=not_on_stage participant=%s tid=%u", x->id,
                (unsigned)pm->pub.tid);
        if (rs_ms__publish_reset(m, pm))
            rs_ms__tracks_changed(m, pm);
    }
}

/* ---- active speaker order ---- */

void rs_ms__on_active_speaker(struct rs_media *m, struct pmedia *pm)
{
    struct rs_room *room = pm->p->room;
    struct rmedia *rm = RM(room);
    /* a participant the chair silenced is not heard, so it is not the one speaking; a whisper
     * is heard by its group only: the rest of the meeting's speaker view must not follow it */
    if (!rm || !rs_chair_may_send(pm->p, RS_CHAIR_MIC) || rs_whisper_active(pm->p))
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
    /* the room's plenary speaker may follow (room/breakout.c) */
    rs_breakout_note_active_speaker(pm->p);
    /* while breakout is open, other places do not learn who speaks in this one */
    rs_breakout_emit_place(room,
                           rs_event("media", "active_speaker", "{s:s}", "participant", pm->p->id),
                           rs_breakout_place(pm->p));
    rs_ms__refresh_enabled(m, room);
    rs_ms__feeds_speaker(room, pm);
}
