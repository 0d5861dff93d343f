/* lobby/admit, lobby/reject, lobby/admit_all, moderation/set_lobby, moderation/set_role.
 *
 * A refused action changes nothing and is counted (ratsaal_auth_rejections_total{reason=
 * "forbidden"}). Changes to a managed meeting's settings are stored first and applied to the
 * live room only when the store accepted them. */
#include "room/lobby.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "signaling/session.h"
#include "store/store.h"

static int require_moderator(const struct rs_participant *p, struct rs_msg_error *err)
{
    if (p->role == RS_ROLE_MODERATOR)
        return 0;
    rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
    RS_INFO("room", "event=forbidden room=%s participant=%s", p->room->id, p->id);
    rs_msg_error_set(err, RS_ERR_FORBIDDEN, NULL, "only moderators may do this");
    return -EACCES;
}

static int target_id(const struct rs_msg *msg, char *buf, size_t cap, struct rs_msg_error *err)
{
    const char *id;
    return rs_msg_string(msg, "id", 1, 32, 0, buf, cap, &id, err);
}

int rs_lobby_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err)
{
    if (require_moderator(p, err))
        return -EACCES;
    struct rs_room *room = p->room;
    if (strcmp(msg->action, "admit_all") == 0) {
        unsigned n = 0;
        while (room->lobby_head) {
            rs_room_admit(room->lobby_head);
            n++;
        }
        RS_INFO("room", "event=lobby_admit_all room=%s by=%s count=%u", room->id, p->id, n);
        return 0;
    }
    char id[64];
    if (target_id(msg, id, sizeof(id), err))
        return -EINVAL;
    struct rs_participant *w = rs_room_lobby_find(room, id);
    if (!w) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "id", "nobody with this id is waiting");
        return -EINVAL;
    }
    if (strcmp(msg->action, "admit") == 0) {
        RS_INFO("room", "event=lobby_admit room=%s participant=%s by=%s", room->id, w->id, p->id);
        rs_room_admit(w);
        return 0;
    }
    /* reject: the guest's connection stays open so its client can say so */
    struct rs_session *s = w->session;
    RS_INFO("room", "event=lobby_reject room=%s participant=%s by=%s", room->id, w->id, p->id);
    rs_room_lobby_remove(w, "rejected");
    if (s) {
        json_t *ev = json_pack("{s:s, s:s, s:s}", "ns", "lobby", "event", "rejected", "text",
                               "a moderator did not let you in");
        if (ev) {
            rs_session_send(s, ev);
            json_decref(ev);
        }
    }
    return 0;
}

static int set_lobby(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err)
{
    int enabled;
    if (rs_msg_bool(msg, "enabled", &enabled, err))
        return -EINVAL;
    struct rs_room *room = p->room;
    struct rs_room_record rec = room->rec;
    rec.lobby = enabled;
    if (rec.managed && room->app->store && rs_store_meeting_update(room->app->store, &rec)) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the setting could not be stored");
        return -EIO;
    }
    RS_INFO("room", "event=lobby_set room=%s enabled=%d by=%s", room->id, enabled, p->id);
    rs_room_settings_changed(room->app, &rec);
    return 0;
}

static int set_role(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err)
{
    struct rs_room *room = p->room;
    const struct rs_identity *me = p->session ? &p->session->ident : NULL;
    /* in a managed meeting only its owner or an admin hands out moderation */
    if (room->rec.managed &&
        !(me && me->logged_in &&
          (strcmp(me->role, "admin") == 0 || strcmp(room->rec.owner_id, me->user_id) == 0))) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        rs_msg_error_set(err, RS_ERR_FORBIDDEN, NULL,
                         "only the meeting's owner or an admin may change roles");
        return -EACCES;
    }
    char id[64], rb[32];
    const char *role;
    if (target_id(msg, id, sizeof(id), err) ||
        rs_msg_string(msg, "role", 1, 16, 0, rb, sizeof(rb), &role, err))
        return -EINVAL;
    int to_mod = strcmp(role, "moderator") == 0;
    if (!to_mod && strcmp(role, "participant") != 0) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "role", "role must be moderator or participant");
        return -EINVAL;
    }
    struct rs_participant *t = rs_room_participant(room, id);
    if (!t) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "id", "no participant with this id");
        return -EINVAL;
    }
    if (room->rec.managed) {
        if (!t->account) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "id",
                             "only signed-in participants can become moderators");
            return -EINVAL;
        }
        int rc = to_mod ? rs_store_grant_set(room->app->store, room->id, t->user_id)
                        : rs_store_grant_unset(room->app->store, room->id, t->user_id);
        if (rc && rc != -ENOENT) {
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the role could not be stored");
            return -EIO;
        }
    }
    int was_mod = t->role == RS_ROLE_MODERATOR;
    t->role = to_mod ? RS_ROLE_MODERATOR : RS_ROLE_PARTICIPANT;
    if (to_mod && !was_mod) {
        /* a new moderator sees who is already waiting */
        for (struct rs_participant *w = room->lobby_head; w; w = w->next) {
            json_t *en = json_pack("{s:s, s:s, s:{s:s, s:s, s:I}}", "ns", "lobby", "event",
                                   "entered", "participant", "id", w->id, "display_name",
                                   w->display_name, "waiting_since",
                                   (json_int_t)w->waiting_since_ms);
            if (en) {
                rs_participant_send(t, en);
                json_decref(en);
            }
        }
    }
    RS_INFO("room", "event=role_set room=%s participant=%s role=%s by=%s", room->id, t->id, role,
            p->id);
    json_t *ev = json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_updated",
                           "participant", rs_participant_json(t));
    if (ev) {
        rs_room_broadcast(room, ev, NULL);
        json_decref(ev);
    }
    return 0;
}

int rs_moderation_handle(struct rs_participant *p, const struct rs_msg *msg,
                         struct rs_msg_error *err)
{
    if (require_moderator(p, err))
        return -EACCES;
    if (strcmp(msg->action, "set_lobby") == 0)
        return set_lobby(p, msg, err);
    return set_role(p, msg, err);
}
