/* SPDX-License-Identifier: EUPL-1.2 */
/* The `chair` feature: what a meeting's chair (its moderators) decides about the others.
 *
 * Microphones: the chair mutes one, several or everyone. A mute is a decision about what the
 * others hear, not a request to the muted client: from that moment the SFU forwards none of
 * the participant's audio (rs_chair_may_send, asked by sfu/visibility.c for every subscription),
 * whatever its client does. The participant may unmute itself again (the SFU reports it through
 * rs_chair_self_unmute) unless the chair restricted the microphones: then only moderators, the
 * named set and whoever holds the floor of the speakers' list are heard, and a self-unmute is
 * refused. Cameras the chair turned off stay dark the same way until their owner turns them on
 * again; screen sharing can be forbidden per person.
 *
 * Admission: a locked meeting lets no one new in but moderators; an account banned from the
 * meeting is refused while the room lives (the ban is kept in the room, not the store). The
 * chair can also send someone back to the lobby, remove someone, rename a guest, and "debrief"
 * (remove the guests, or everyone but the moderators, and go on).
 *
 * The subtle point is the order of telling: a decision first changes the state, then the media
 * plane is told (rs_room_audience_changed flips subscriptions on the workers), and only then
 * are the clients told, so that no client can show "muted" while its audio still flows. */
#include "room/chair.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/room.h"
#include "room/snapshot.h"

#define CHAIR_MAX_BANS 256

struct chair_room {
    bool locked;
    bool mic_restricted;
    char floor[RS_PARTICIPANT_ID_LEN + 1]; /* the speakers' list's floor holder, or "" */
    unsigned n_banned;
    char banned[CHAIR_MAX_BANS][sizeof(((struct rs_participant *)0)->user_id)];
};

struct chair_part {
    bool mic_muted;        /* muted by the chair until it unmutes itself */
    bool camera_off;       /* turned off by the chair until it turns it on itself */
    bool mic_allowed;      /* on the restriction's list of who may speak */
    int screen;            /* 0: as its role allows, 1: allowed, -1: forbidden by the chair */
};

static struct chair_room *room_of(const struct rs_room *room)
{
    return *(struct chair_room **)rs_room_state((struct rs_room *)room, &rs_chair_feature);
}

static struct chair_part *part_of(const struct rs_participant *p)
{
    return *(struct chair_part **)rs_participant_state((struct rs_participant *)p,
                                                       &rs_chair_feature);
}

/* The state, created on first use; NULL on OOM. */
static struct chair_room *room_state(struct rs_room *room)
{
    struct chair_room **slot = (struct chair_room **)rs_room_state(room, &rs_chair_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

static struct chair_part *part_state(struct rs_participant *p)
{
    struct chair_part **slot = (struct chair_part **)rs_participant_state(p, &rs_chair_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

static bool mic_blocked(const struct rs_participant *p)
{
    const struct chair_part *cp = part_of(p);
    if (cp && cp->mic_muted)
        return true;
    const struct chair_room *cr = room_of(p->room);
    if (!cr || !cr->mic_restricted || p->role == RS_ROLE_MODERATOR)
        return false;
    return !(cp && cp->mic_allowed) && strcmp(cr->floor, p->id) != 0;
}

bool rs_chair_may_send(const struct rs_participant *p, enum rs_chair_source src)
{
    if (!p->room)
        return false;
    const struct chair_part *cp = part_of(p);
    switch (src) {
    case RS_CHAIR_MIC:
        return !mic_blocked(p);
    case RS_CHAIR_CAMERA:
        return !(cp && cp->camera_off);
    case RS_CHAIR_SCREEN:
        if (cp && cp->screen)
            return cp->screen > 0;
        return rs_participant_may_share_screen(p); /* guests not, unless the chair allows */
    }
    return false;
}

/* Tells the media plane, then everyone, that what `p` may send changed. */
static void announce(struct rs_participant *p)
{
    rs_room_audience_changed(p->room);
    rs_emit_participant_updated(p);
}

int rs_chair_self_unmute(struct rs_participant *p, enum rs_chair_source src,
                         struct rs_msg_error *err)
{
    struct chair_part *cp = part_of(p);
    if (src == RS_CHAIR_MIC) {
        const struct chair_room *cr = room_of(p->room);
        bool restricted = cr && cr->mic_restricted && p->role != RS_ROLE_MODERATOR &&
                          !(cp && cp->mic_allowed) && strcmp(cr->floor, p->id) != 0;
        if (restricted) {
            rs_metric_inc(RS_M_CHAIR_UNMUTE_REFUSED);
            rs_msg_error_set(err, RS_ERR_MIC_RESTRICTED, "muted",
                             "the chair allows only some participants to speak");
            return -EPERM;
        }
        if (cp && cp->mic_muted) {
            cp->mic_muted = false;
            announce(p);
        }
    } else if (src == RS_CHAIR_CAMERA && cp && cp->camera_off) {
        cp->camera_off = false;
        announce(p);
    }
    return 0;
}

int rs_chair_admission(struct rs_room *room, const struct rs_identity *ident, bool moderator,
                       struct rs_msg_error *err)
{
    const struct chair_room *cr = room ? room_of(room) : NULL;
    if (!cr)
        return 0;
    if (ident->logged_in)
        for (unsigned i = 0; i < cr->n_banned; i++)
            if (strcmp(cr->banned[i], ident->user_id) == 0) {
                rs_metric_inc(RS_M_CHAIR_REFUSED_BANNED);
                rs_msg_error_set(err, RS_ERR_BANNED, NULL,
                                 "the chair removed you from this meeting");
                return -EACCES;
            }
    if (cr->locked && !moderator) {
        rs_metric_inc(RS_M_CHAIR_REFUSED_LOCKED);
        rs_msg_error_set(err, RS_ERR_MEETING_LOCKED, NULL,
                         "the meeting is locked: nobody new may come in");
        return -EACCES;
    }
    return 0;
}

static void emit_state(struct rs_room *room)
{
    const struct chair_room *cr = room_of(room);
    rs_emit_all(room,
                rs_event("chair", "state", "{s:b, s:b, s:s?}", "locked", cr && cr->locked,
                         "mic_restricted", cr && cr->mic_restricted, "floor",
                         cr && cr->floor[0] ? cr->floor : NULL),
                NULL);
}

void rs_chair_set_floor(struct rs_room *room, const struct rs_participant *p)
{
    struct chair_room *cr = room_state(room);
    if (!cr)
        return;
    const char *id = p ? p->id : "";
    if (strcmp(cr->floor, id) == 0)
        return;
    struct rs_participant *before = cr->floor[0] ? rs_room_participant(room, cr->floor) : NULL;
    memcpy(cr->floor, id, strlen(id) + 1);
    struct chair_part *cp = p ? part_of(p) : NULL;
    if (cp)
        cp->mic_muted = false; /* given the word: an earlier mute no longer holds */
    rs_room_audience_changed(room);
    if (before)
        rs_emit_participant_updated(before);
    if (p)
        rs_emit_participant_updated((struct rs_participant *)p);
    emit_state(room);
}

struct rs_participant *rs_chair_floor_holder(struct rs_room *room)
{
    const struct chair_room *cr = room_of(room);
    return cr && cr->floor[0] ? rs_room_participant(room, cr->floor) : NULL;
}

/* ---- actions ---- */

/* The participant `id` of the caller's room, or NULL with `err` filled. */
static struct rs_participant *target(struct rs_call *c, const char *id)
{
    struct rs_participant *t = id ? rs_room_participant(c->room, id) : NULL;
    if (!t)
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "no participant with this id");
    return t;
}

/* A target the chair may act on as on a participant: not itself, not another moderator. */
static struct rs_participant *ordinary_target(struct rs_call *c, const char *id)
{
    struct rs_participant *t = target(c, id);
    if (t && (t == c->self || t->role == RS_ROLE_MODERATOR)) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                         t == c->self ? "not on yourself"
                                      : "not on a moderator: take the moderator role first");
        return NULL;
    }
    return t;
}

static int oom(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

enum { MUTE_IDS, MUTE_ALL };

/* Whom "mute all" mutes: everyone but the moderators. */
static bool mutable_by_all(const struct rs_call *c, const struct rs_participant *t)
{
    return t != c->self && t->role != RS_ROLE_MODERATOR;
}

static void tell_muted(struct rs_call *c, struct rs_participant *t)
{
    rs_emit_one(
        t, rs_event("chair", "muted", "{s:s, s:s}", "source", "microphone", "by", c->self->id));
    rs_emit_participant_updated(t);
}

static int chair_mute(struct rs_call *c)
{
    json_t *ids = c->arg[MUTE_IDS].json;
    bool all = c->arg[MUTE_ALL].present && c->arg[MUTE_ALL].num;
    if (!all && json_array_size(ids) == 0) {
        rs_msg_error_set(c->err, RS_ERR_MISSING_FIELD, "ids",
                         "name participants in 'ids' or set 'all'");
        return -EINVAL;
    }
    /* every target is checked and has its state before anything changes: all or nothing */
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        struct rs_participant *t = json_is_string(v) ? target(c, json_string_value(v)) : NULL;
        if (!t) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "ids", "no participant with this id");
            return -EINVAL;
        }
        if (!part_state(t))
            return oom(c);
    }
    for (struct rs_participant *t = c->room->head; all && t; t = t->next)
        if (mutable_by_all(c, t) && !part_state(t))
            return oom(c);
    unsigned n = 0;
    for (struct rs_participant *t = c->room->head; all && t; t = t->next)
        if (mutable_by_all(c, t))
            part_of(t)->mic_muted = true, n++;
    json_array_foreach(ids, i, v) part_of(rs_room_participant(c->room, json_string_value(v)))
        ->mic_muted = true,
   n++;
    rs_metric_add(RS_M_CHAIR_MUTES, n);
    RS_INFO("room", "event=chair_mute room=%s all=%d count=%u by=%s", c->room->id, all, n,
            c->self->id);
    /* the media plane first, then the clients (see the top of this file) */
    rs_room_audience_changed(c->room);
    for (struct rs_participant *t = c->room->head; all && t; t = t->next)
        if (mutable_by_all(c, t))
            tell_muted(c, t);
    json_array_foreach(ids, i, v) tell_muted(c, rs_room_participant(c->room, json_string_value(v)));
    return 0;
}

enum { RESTRICT_ENABLED, RESTRICT_ALLOWED };

static int chair_restrict_mic(struct rs_call *c)
{
    struct chair_room *cr = room_state(c->room);
    if (!cr)
        return oom(c);
    json_t *allowed = c->arg[RESTRICT_ALLOWED].json;
    size_t i;
    json_t *v;
    json_array_foreach(allowed, i, v)
    {
        if (!json_is_string(v) || !target(c, json_string_value(v)))
            return -EINVAL;
        if (!part_state(rs_room_participant(c->room, json_string_value(v))))
            return oom(c);
    }
    cr->mic_restricted = c->arg[RESTRICT_ENABLED].num;
    if (allowed) {
        for (struct rs_participant *t = c->room->head; t; t = t->next)
            if (part_of(t))
                part_of(t)->mic_allowed = false;
        json_array_foreach(allowed, i, v)
            part_of(rs_room_participant(c->room, json_string_value(v)))
                ->mic_allowed = true;
    }
    RS_INFO("room", "event=chair_restrict_mic room=%s enabled=%d allowed=%zu by=%s", c->room->id,
            cr->mic_restricted, allowed ? json_array_size(allowed) : (size_t)0, c->self->id);
    rs_room_audience_changed(c->room);
    for (struct rs_participant *t = c->room->head; t; t = t->next)
        rs_emit_participant_updated(t);
    emit_state(c->room);
    return 0;
}

enum { ALLOW_ID, ALLOW_ALLOWED };

static int chair_allow_mic(struct rs_call *c)
{
    struct rs_participant *t = target(c, c->arg[ALLOW_ID].str);
    if (!t)
        return -EINVAL;
    struct chair_part *cp = part_state(t);
    if (!cp)
        return oom(c);
    cp->mic_allowed = c->arg[ALLOW_ALLOWED].num;
    if (cp->mic_allowed)
        cp->mic_muted = false; /* the chair gives the word: nothing else holds it back */
    announce(t);
    return 0;
}

enum { CAMERA_ID };

static int chair_camera_off(struct rs_call *c)
{
    struct rs_participant *t = ordinary_target(c, c->arg[CAMERA_ID].str);
    if (!t)
        return -EINVAL;
    struct chair_part *cp = part_state(t);
    if (!cp)
        return oom(c);
    cp->camera_off = true;
    rs_metric_inc(RS_M_CHAIR_CAMERAS_OFF);
    RS_INFO("room", "event=chair_camera_off room=%s participant=%s by=%s", c->room->id, t->id,
            c->self->id);
    rs_room_audience_changed(c->room);
    rs_emit_one(t, rs_event("chair", "muted", "{s:s, s:s}", "source", "camera", "by", c->self->id));
    rs_emit_participant_updated(t);
    return 0;
}

enum { SCREEN_ID, SCREEN_ALLOWED };

static int chair_screen(struct rs_call *c)
{
    struct rs_participant *t = ordinary_target(c, c->arg[SCREEN_ID].str);
    if (!t)
        return -EINVAL;
    struct chair_part *cp = part_state(t);
    if (!cp)
        return oom(c);
    cp->screen = c->arg[SCREEN_ALLOWED].num ? 1 : -1;
    RS_INFO("room", "event=chair_screen room=%s participant=%s allowed=%d by=%s", c->room->id,
            t->id, cp->screen > 0, c->self->id);
    rs_room_audience_changed(c->room);
    if (cp->screen < 0)
        rs_emit_one(
            t, rs_event("chair", "muted", "{s:s, s:s}", "source", "screen", "by", c->self->id));
    rs_emit_participant_updated(t);
    return 0;
}

static int ban(struct rs_call *c, const struct rs_participant *t)
{
    struct chair_room *cr = room_state(c->room);
    if (!cr)
        return oom(c);
    if (cr->n_banned == CHAIR_MAX_BANS) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "ban", "at most %d bans per meeting",
                         CHAIR_MAX_BANS);
        return -E2BIG;
    }
    memcpy(cr->banned[cr->n_banned++], t->user_id, sizeof(cr->banned[0]));
    return 0;
}

/* Takes `t` out of the meeting: it is told why, leaves, and its connection is closed. */
static void remove_one(struct rs_call *c, struct rs_participant *t, bool banned, const char *why)
{
    struct rs_peer *peer = t->peer;
    rs_metric_inc(RS_M_CHAIR_REMOVALS);
    RS_INFO("room", "event=chair_remove room=%s participant=%s ban=%d reason=%s by=%s", c->room->id,
            t->id, banned, why, c->self->id);
    rs_emit_one(t, rs_event("chair", "removed", "{s:b, s:s}", "ban", banned, "reason", why));
    rs_room_leave(t, "removed");
    rs_peer_close(peer, 1000, "removed");
}

enum { REMOVE_ID, REMOVE_BAN };

static int chair_remove(struct rs_call *c)
{
    struct rs_participant *t = ordinary_target(c, c->arg[REMOVE_ID].str);
    if (!t)
        return -EINVAL;
    bool b = c->arg[REMOVE_BAN].present && c->arg[REMOVE_BAN].num;
    if (b && !t->account) {
        /* a guest has nothing lasting to ban; the chair locks the meeting instead */
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "ban",
                         "only signed-in participants can be banned; lock the meeting to keep "
                         "guests out");
        return -EINVAL;
    }
    if (b && ban(c, t))
        return -E2BIG;
    remove_one(c, t, b, "removed");
    return 0;
}

static int chair_to_lobby(struct rs_call *c)
{
    struct rs_participant *t = ordinary_target(c, c->arg[0].str);
    if (!t)
        return -EINVAL;
    if (!t->peer) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "the participant is disconnected");
        return -EINVAL;
    }
    if (t->cascade_member) { /* its connection is another node's (room/cascade_member.h) */
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                         "the participant is in the audience on another server");
        return -EINVAL;
    }
    rs_metric_inc(RS_M_CHAIR_TO_LOBBY);
    RS_INFO("room", "event=chair_to_lobby room=%s participant=%s by=%s", c->room->id, t->id,
            c->self->id);
    return rs_room_to_lobby(t) ? -EINVAL : 0;
}

static int chair_lock(struct rs_call *c)
{
    struct chair_room *cr = room_state(c->room);
    if (!cr)
        return oom(c);
    cr->locked = c->arg[0].num;
    RS_INFO("room", "event=chair_lock room=%s locked=%d by=%s", c->room->id, cr->locked,
            c->self->id);
    emit_state(c->room);
    return 0;
}

enum { RENAME_ID, RENAME_NAME };

static int chair_rename(struct rs_call *c)
{
    struct rs_participant *t = target(c, c->arg[RENAME_ID].str);
    if (!t)
        return -EINVAL;
    if (t->account) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                         "only guests can be renamed: an account's name comes from its sign-in");
        return -EINVAL;
    }
    size_t len = strlen(c->arg[RENAME_NAME].str);
    if (len >= sizeof(t->display_name))
        len = sizeof(t->display_name) - 1; /* the field's limit is below this; belt and braces */
    memcpy(t->display_name, c->arg[RENAME_NAME].str, len);
    t->display_name[len] = 0;
    RS_INFO("room", "event=chair_rename room=%s participant=%s by=%s", c->room->id, t->id,
            c->self->id);
    rs_emit_participant_updated(t);
    return 0;
}

enum { DEBRIEF_GUESTS, DEBRIEF_ALL_BUT_MODERATORS };
static const char *const debrief_names[] = {"guests", "all_but_moderators", NULL};

static int chair_debrief(struct rs_call *c)
{
    bool everyone = c->arg[0].num == DEBRIEF_ALL_BUT_MODERATORS;
    unsigned n = 0;
    /* restart from the head after every removal: a removal changes the list */
    for (;;) {
        struct rs_participant *t = c->room->head;
        /* guests: the guest role, and anyone without an account */
        while (t && (t->role == RS_ROLE_MODERATOR ||
                     (!everyone && t->account && t->role != RS_ROLE_GUEST)))
            t = t->next;
        if (!t)
            break;
        remove_one(c, t, false, "debrief");
        n++;
    }
    while (c->room->lobby_head) /* nobody waits for a meeting that goes on among fewer */
        rs_room_lobby_remove(c->room->lobby_head, "gone");
    RS_INFO("room", "event=chair_debrief room=%s removed=%u keep=%s by=%s", c->room->id, n,
            everyone ? "moderators" : "accounts", c->self->id);
    rs_emit_reply(c, rs_event("chair", "debriefed", "{s:i}", "removed", (int)n));
    return 0;
}

/* ---- hooks ---- */

static void chair_welcome(struct rs_participant *p, json_t *ev)
{
    const struct chair_room *cr = room_of(p->room);
    json_object_set_new(ev, "chair",
                        json_pack("{s:b, s:b, s:s?}", "locked", cr && cr->locked, "mic_restricted",
                                  cr && cr->mic_restricted, "floor",
                                  cr && cr->floor[0] ? cr->floor : NULL));
}

static void chair_describe(const struct rs_participant *p, json_t *j)
{
    const struct chair_part *cp = part_of(p);
    json_object_set_new(j, "chair",
                        json_pack("{s:b, s:b, s:b, s:b}", "mic_blocked", mic_blocked(p),
                                  "mic_allowed", cp && cp->mic_allowed, "camera_off",
                                  cp && cp->camera_off, "screen_allowed",
                                  rs_chair_may_send(p, RS_CHAIR_SCREEN)));
}

static void chair_leaving(struct rs_participant *p)
{
    struct chair_part **slot = (struct chair_part **)rs_participant_state(p, &rs_chair_feature);
    free(*slot);
    *slot = NULL;
    struct chair_room *cr = room_of(p->room);
    if (cr && strcmp(cr->floor, p->id) == 0)
        cr->floor[0] = 0;
}

static void chair_room_free(struct rs_room *room)
{
    struct chair_room **slot = (struct chair_room **)rs_room_state(room, &rs_chair_feature);
    free(*slot);
    *slot = NULL;
}

#define ID_FIELD(n)                                                                                \
    {                                                                                              \
        .name = n, .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32                    \
    }

static const struct rs_action actions[] = {
    {.name = "mute",
     .fn = chair_mute,
     .need = RS_NEED_MODERATOR,
     .fields = {[MUTE_IDS] = {.name = "ids", .type = RS_FIELD_ARRAY, .max = 1000},
                [MUTE_ALL] = {.name = "all", .type = RS_FIELD_BOOL}}},
    {.name = "restrict_mic",
     .fn = chair_restrict_mic,
     .need = RS_NEED_MODERATOR,
     .fields = {[RESTRICT_ENABLED] = {.name = "enabled",
                                      .type = RS_FIELD_BOOL,
                                      .flags = RS_FIELD_REQUIRED},
                [RESTRICT_ALLOWED] = {.name = "allowed", .type = RS_FIELD_ARRAY, .max = 1000}}},
    {.name = "allow_mic",
     .fn = chair_allow_mic,
     .need = RS_NEED_MODERATOR,
     .fields = {[ALLOW_ID] = ID_FIELD("id"),
                [ALLOW_ALLOWED] = {.name = "allowed",
                                   .type = RS_FIELD_BOOL,
                                   .flags = RS_FIELD_REQUIRED}}},
    {.name = "camera_off",
     .fn = chair_camera_off,
     .need = RS_NEED_MODERATOR,
     .fields = {[CAMERA_ID] = ID_FIELD("id")}},
    {.name = "screen",
     .fn = chair_screen,
     .need = RS_NEED_MODERATOR,
     .fields = {[SCREEN_ID] = ID_FIELD("id"),
                [SCREEN_ALLOWED] = {.name = "allowed",
                                    .type = RS_FIELD_BOOL,
                                    .flags = RS_FIELD_REQUIRED}}},
    {.name = "remove",
     .fn = chair_remove,
     .need = RS_NEED_MODERATOR,
     .fields =
         {[REMOVE_ID] = ID_FIELD("id"), [REMOVE_BAN] = {.name = "ban", .type = RS_FIELD_BOOL}}},
    {.name = "to_lobby",
     .fn = chair_to_lobby,
     .need = RS_NEED_MODERATOR,
     .fields = {ID_FIELD("id")}},
    {.name = "lock",
     .fn = chair_lock,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "locked", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "rename",
     .fn = chair_rename,
     .need = RS_NEED_MODERATOR,
     .fields = {[RENAME_ID] = ID_FIELD("id"),
                [RENAME_NAME] = {.name = "display_name",
                                 .type = RS_FIELD_TEXT,
                                 .flags = RS_FIELD_REQUIRED,
                                 .max = RS_DISPLAY_NAME_MAX_CHARS}}},
    {.name = "debrief",
     .fn = chair_debrief,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "remove",
                 .type = RS_FIELD_ENUM,
                 .flags = RS_FIELD_REQUIRED,
                 .choices = debrief_names}}},
    {.name = NULL},
};

/* ---- failover (room/snapshot.h): the chair's decisions go with the room ---- */

static json_t *chair_save(struct rs_room *room)
{
    const struct chair_room *cr = room_of(room);
    if (!cr)
        return NULL;
    json_t *banned = json_array();
    for (unsigned i = 0; banned && i < cr->n_banned; i++)
        json_array_append_new(banned, json_string(cr->banned[i]));
    return json_pack("{s:b, s:b, s:o}", "locked", cr->locked, "mic_restricted", cr->mic_restricted,
                     "banned", banned);
}

static int chair_restore(struct rs_room *room, json_t *part)
{
    json_t *banned = json_object_get(part, "banned");
    if (!json_is_array(banned) || json_array_size(banned) > CHAIR_MAX_BANS)
        return -EBADMSG;
    struct chair_room *cr = room_state(room);
    if (!cr)
        return -ENOMEM;
    cr->locked = json_is_true(json_object_get(part, "locked"));
    cr->mic_restricted = json_is_true(json_object_get(part, "mic_restricted"));
    size_t i;
    json_t *v;
    json_array_foreach(banned, i, v)
    {
        const char *u = json_string_value(v);
        if (u && *u && strlen(u) < sizeof(cr->banned[0]))
            snprintf(cr->banned[cr->n_banned++], sizeof(cr->banned[0]), "%s", u);
    }
    return 0;
}

static json_t *chair_save_participant(const struct rs_participant *p)
{
    const struct chair_part *cp = part_of(p);
    if (!cp)
        return NULL;
    return json_pack("{s:b, s:b, s:b, s:i}", "mic_muted", cp->mic_muted, "camera_off",
                     cp->camera_off, "mic_allowed", cp->mic_allowed, "screen", cp->screen);
}

static int chair_restore_participant(struct rs_participant *p, json_t *part)
{
    int64_t screen;
    if (!rs_snapshot_int(part, "screen", -1, 1, &screen))
        return -EBADMSG;
    struct chair_part *cp = part_state(p);
    if (!cp)
        return -ENOMEM;
    cp->mic_muted = json_is_true(json_object_get(part, "mic_muted"));
    cp->camera_off = json_is_true(json_object_get(part, "camera_off"));
    cp->mic_allowed = json_is_true(json_object_get(part, "mic_allowed"));
    cp->screen = (int)screen;
    return 0;
}

const struct rs_feature rs_chair_feature = {
    .ns = "chair",
    .actions = actions,
    .welcome = chair_welcome,
    .describe = chair_describe,
    .leaving = chair_leaving,
    .room_free = chair_room_free,
    .save = chair_save,
    .restore = chair_restore,
    .save_participant = chair_save_participant,
    .restore_participant = chair_restore_participant,
};
