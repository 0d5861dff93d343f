/* SPDX-License-Identifier: EUPL-1.2 */
/* The `moderation` feature: the lobby switch, roles (guest, participant, moderator), ending
 * the meeting for everyone, and the spotlight.
 *
 * Changes to a managed meeting's settings and grants are stored first and applied to the live
 * room only when the store accepted them. The spotlight (the one participant everyone's client
 * shows large, e.g. the sign-language interpreter) lives only in the live room: it is told to
 * joiners in `control/joined` and ends when that participant leaves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "room/access.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/room.h"
#include "store/store.h"

static int set_lobby(struct rs_call *c)
{
    struct rs_room *room = c->room;
    int enabled = (int)c->arg[0].num;
    struct rs_room_record rec = room->rec;
    rec.lobby = enabled;
    if (rec.managed && c->app->store && rs_store_meeting_update(c->app->store, &rec)) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "the setting could not be stored");
        return -EIO;
    }
    RS_INFO("room", "event=lobby_set room=%s enabled=%d by=%s", room->id, enabled, c->self->id);
    rs_room_settings_changed(c->app, &rec);
    return 0;
}

/* In the order of enum rs_role: the field's index is the role. */
static const char *const role_names[] = {"guest", "participant", "moderator", NULL};

/* Guest <-> participant is any moderator's call; moderation is handed out or taken back only by
 * those who may grant it (access.c), and only from or to a participant, never a guest. */
static int set_role(struct rs_call *c)
{
    struct rs_room *room = c->room;
    enum rs_role to = (enum rs_role)c->arg[1].num;
    struct rs_participant *t = rs_room_participant(room, c->arg[0].str);
    if (!t) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "no participant with this id");
        return -EINVAL;
    }
    enum rs_role from = t->role;
    bool grant = (to == RS_ROLE_MODERATOR) != (from == RS_ROLE_MODERATOR);
    if (grant && !rs_access_may_grant(c->self)) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL,
                         "only the meeting's owner or an admin may change moderators");
        return -EACCES;
    }
    if (to == RS_ROLE_MODERATOR && t->cascade_member) {
        /* its browser is another node's audience, which cannot act as the chair nor go on the
         * stage from there (room/cascade_member.h): called up, it comes here first */
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                         "the participant is in the audience on another server");
        return -EINVAL;
    }
    if (grant && (to == RS_ROLE_GUEST || from == RS_ROLE_GUEST)) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "role",
                         "a guest must be made a participant first");
        return -EINVAL;
    }
    if (grant && room->rec.managed) {
        if (!t->account) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                             "only signed-in participants can become moderators");
            return -EINVAL;
        }
        int rc = to == RS_ROLE_MODERATOR
                     ? rs_store_grant_set(c->app->store, room->id, t->user_id)
                     : rs_store_grant_unset(c->app->store, room->id, t->user_id);
        if (rc && rc != -ENOENT) {
            rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "the role could not be stored");
            return -EIO;
        }
    }
    rs_participant_set_role(t, to);
    if (to == RS_ROLE_MODERATOR && from != RS_ROLE_MODERATOR) {
        /* a new moderator sees who is already waiting */
        for (struct rs_participant *w = room->lobby_head; w; w = w->next)
            rs_emit_one(
                t, rs_event("lobby", "entered", "{s:o}", "participant", rs_lobby_entry_json(w)));
    }
    RS_INFO("room", "event=role_set room=%s participant=%s role=%s by=%s", room->id, t->id,
            rs_role_name(to), c->self->id);
    rs_emit_participant_updated(t);
    return 0;
}

/* Ends the meeting for everyone. A managed meeting stays ended (stored) until one of its
 * moderators joins again (control.c); an anonymous room is just emptied. */
static int end_meeting(struct rs_call *c)
{
    struct rs_room *room = c->room;
    if (room->rec.managed && c->app->store) {
        struct rs_room_record rec = room->rec;
        rec.ended_at_ms = rs_wall_ms();
        if (rs_store_meeting_update(c->app->store, &rec)) {
            rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "the meeting could not be ended");
            return -EIO;
        }
        room->rec.ended_at_ms = rec.ended_at_ms;
    }
    rs_room_end(room, c->self->id); /* frees c->self and the room */
    return 0;
}

/* The room's spotlight: a participant id, or NULL (room state slot, freed with the room). */
static char **spotlight_of(struct rs_room *room)
{
    return (char **)rs_room_state(room, &rs_moderation_feature);
}

/* Tells everyone but `except` (may be NULL). `by`: the moderator, or NULL when the spotlighted
 * participant left. */
static void spotlight_announce(struct rs_room *room, const char *id, const char *by,
                               struct rs_participant *except)
{
    rs_metric_inc(RS_M_SPOTLIGHT_CHANGES);
    RS_INFO("room", "event=spotlight room=%s participant=%s by=%s", room->id, id ? id : "-",
            by ? by : "-");
    json_t *ev = rs_event("moderation", "spotlight", "{s:o}", "participant",
                          id ? json_string(id) : json_null());
    if (ev)
        json_object_set_new(ev, by ? "by" : "reason", json_string(by ? by : "left"));
    rs_emit_all(room, ev, except);
}

static int spotlight(struct rs_call *c)
{
    char **cur = spotlight_of(c->room);
    const char *id = c->arg[0].present ? c->arg[0].str : NULL;
    if (id && !rs_room_participant(c->room, id)) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "participant",
                         "no participant with this id");
        return -EINVAL;
    }
    if ((!id && !*cur) || (id && *cur && strcmp(id, *cur) == 0))
        return 0; /* unchanged: no event */
    char *next = NULL;
    if (id && !(next = strdup(id))) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    free(*cur);
    *cur = next;
    spotlight_announce(c->room, next, c->self->id, NULL);
    return 0;
}

static void moderation_welcome(struct rs_participant *p, json_t *ev)
{
    char *id = *spotlight_of(p->room);
    json_object_set_new(ev, "spotlight", id ? json_string(id) : json_null());
}

/* the spotlighted participant leaves: the spotlight goes out for everyone */
static void moderation_leaving(struct rs_participant *p)
{
    char **cur = spotlight_of(p->room);
    if (!*cur || strcmp(*cur, p->id) != 0)
        return;
    free(*cur);
    *cur = NULL;
    spotlight_announce(p->room, NULL, NULL, p);
}

static void moderation_room_free(struct rs_room *room)
{
    char **cur = spotlight_of(room);
    free(*cur);
    *cur = NULL;
}

static const struct rs_action actions[] = {
    {.name = "set_lobby",
     .fn = set_lobby,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "enabled", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "set_role",
     .fn = set_role,
     .need = RS_NEED_MODERATOR,
     .fields =
         {
             {.name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32},
             {.name = "role",
              .type = RS_FIELD_ENUM,
              .flags = RS_FIELD_REQUIRED,
              .choices = role_names},
         }},
    {.name = "end", .fn = end_meeting, .need = RS_NEED_MODERATOR},
    {.name = "spotlight",
     .fn = spotlight,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "participant",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_NULLABLE,
                 .max = RS_PARTICIPANT_ID_LEN}}},
    {.name = NULL},
};

const struct rs_feature rs_moderation_feature = {
    .ns = "moderation",
    .actions = actions,
    .welcome = moderation_welcome,
    .leaving = moderation_leaving,
    .room_free = moderation_room_free,
};
