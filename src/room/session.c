/* SPDX-License-Identifier: EUPL-1.2 */
/* The `session` feature: who chairs the meeting and who takes its minutes.
 *
 * A role is held by a key, not by a participant: "u:<user id>" for an account, "p:<participant
 * id>" for someone without one. A participant holds a role while its key is in the room's
 * holder list, so one account in two tabs chairs in both and a chair who reconnects is still
 * the chair. The role rules are checked against the participant as it is now: a key on the
 * chair list counts only while its participant is a moderator, a minute-taker only while not a
 * guest; and losing the moderator role takes the chair away for good (rs_session_moderator_lost).
 *
 * The subtle point is the chair's absence. RS_NEED_CHAIR lets every moderator act while no one
 * *present* holds the chair, so a chair whose connection drops does not freeze the meeting;
 * the chair keeps the role and takes over again on return.
 *
 * Every change is appended to the store's role log before it is announced (the meeting's
 * record shows who chaired and who took the minutes, and when). When a room opens again, the
 * log's account entries are replayed to find the holders; participant-id holders are gone with
 * their connections anyway. */
#include "room/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "store/store_agenda.h"

#define HOLDERS_MAX 64
#define KEY_MAX 40 /* "u:" or "p:" and an id of at most 31 bytes */

struct holder {
    enum rs_session_role role;
    char key[KEY_MAX];
};

struct session_room {
    bool loaded;
    unsigned n;
    struct holder h[HOLDERS_MAX];
};

static void key_of(const struct rs_participant *p, char *out)
{
    if (p->user_id[0])
        snprintf(out, KEY_MAX, "u:%s", p->user_id);
    else
        snprintf(out, KEY_MAX, "p:%s", p->id);
}

static int find(const struct session_room *s, enum rs_session_role role, const char *key)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->h[i].role == role && strcmp(s->h[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* Adds or removes a holder. Returns 1 when it changed, 0 when not, -ENOSPC when full. */
static int set_holder(struct session_room *s, enum rs_session_role role, const char *key, bool on)
{
    int i = find(s, role, key);
    if (on == (i >= 0))
        return 0;
    if (!on) {
        s->h[i] = s->h[--s->n];
        return 1;
    }
    if (s->n >= HOLDERS_MAX)
        return -ENOSPC;
    s->h[s->n].role = role;
    snprintf(s->h[s->n].key, KEY_MAX, "%s", key);
    s->n++;
    return 1;
}

static int replay(const struct rs_session_role_record *r, void *ctx)
{
    char key[KEY_MAX];
    if (r->user_id[0]) {
        snprintf(key, sizeof(key), "u:%s", r->user_id);
        set_holder(ctx, r->role, key, r->on);
    }
    return 0;
}

/* The room's holders, read back from the store's log on first use; NULL on OOM. */
static struct session_room *holders(struct rs_room *room)
{
    struct session_room **slot = (struct session_room **)rs_room_state(room, &rs_session_feature);
    if (!slot)
        return NULL;
    if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
        return NULL;
    struct session_room *s = *slot;
    if (!s->loaded && room->app->store &&
        rs_store_session_role_list(room->app->store, room->id, replay, s) < 0)
        RS_WARN("session", "event=roles_unreadable room=%s", room->id);
    s->loaded = true;
    return s;
}

static bool holds(const struct rs_participant *p, enum rs_session_role role)
{
    if (!p || !p->room || p->waiting)
        return false;
    if (role == RS_SESSION_ROLE_CHAIR ? p->role != RS_ROLE_MODERATOR : p->role == RS_ROLE_GUEST)
        return false;
    struct session_room *s = holders(p->room);
    char key[KEY_MAX];
    key_of(p, key);
    return s && find(s, role, key) >= 0;
}

bool rs_session_may_chair(const struct rs_participant *p)
{
    if (!p || p->waiting || p->role != RS_ROLE_MODERATOR)
        return false;
    if (holds(p, RS_SESSION_ROLE_CHAIR))
        return true;
    for (const struct rs_participant *q = p->room->head; q; q = q->next)
        if (holds(q, RS_SESSION_ROLE_CHAIR))
            return false;
    return true;
}

bool rs_session_may_write_minutes(const struct rs_participant *p)
{
    return holds(p, RS_SESSION_ROLE_MINUTE_TAKER) || rs_session_may_chair(p);
}

/* Records one change in the store's log and counts it. Returns 0 or -EIO. */
static int log_change(struct rs_room *room, const struct rs_participant *t,
                      enum rs_session_role role, bool on)
{
    rs_metric_inc(role == RS_SESSION_ROLE_CHAIR ? RS_M_SESSION_ROLE_CHAIR
                                                : RS_M_SESSION_ROLE_MINUTE_TAKER);
    if (!room->app->store)
        return 0;
    struct rs_session_role_record r = {.role = role, .on = on, .at_ms = rs_wall_ms()};
    snprintf(r.room_id, sizeof(r.room_id), "%s", room->id);
    snprintf(r.user_id, sizeof(r.user_id), "%.*s", RS_USER_ID_MAX, t->user_id);
    snprintf(r.name, sizeof(r.name), "%s", t->display_name);
    return rs_store_session_role_append(room->app->store, &r) ? -EIO : 0;
}

/* `p` no longer holds `role`, not by a set_role: logged (a failed write only warned: the role
 * is gone either way). */
static void drop(struct rs_participant *p, enum rs_session_role role, const char *why)
{
    struct session_room *s = p->room ? holders(p->room) : NULL;
    char key[KEY_MAX];
    key_of(p, key);
    if (!s || set_holder(s, role, key, false) != 1)
        return;
    RS_INFO("session", "event=role_lost room=%s participant=%s role=%s reason=%s", p->room->id,
            p->id, rs_session_role_name(role), why);
    if (log_change(p->room, p, role, false))
        RS_WARN("session", "event=role_log_failed room=%s participant=%s", p->room->id, p->id);
}

void rs_session_moderator_lost(struct rs_participant *p)
{
    drop(p, RS_SESSION_ROLE_CHAIR, "not_moderator");
}

/* Someone without an account holds a role by participant id, which a reconnect does not
 * bring back: the role ends when it leaves (an account keeps it for its return). */
static void session_leaving(struct rs_participant *p)
{
    if (p->user_id[0] || p->waiting || p->room->handed_over)
        return; /* handed over: the holder goes on on the next node (room/snapshot.h) */
    drop(p, RS_SESSION_ROLE_CHAIR, "left");
    drop(p, RS_SESSION_ROLE_MINUTE_TAKER, "left");
}

static const char *const role_choices[] = {"chair", "minute_taker", NULL};

static int set_role(struct rs_call *c)
{
    struct rs_participant *t = rs_room_participant(c->room, c->arg[0].str);
    enum rs_session_role role = (enum rs_session_role)c->arg[1].num;
    bool on = c->arg[2].num;
    if (!t) {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "id", "no participant with this id");
        return -ENOENT;
    }
    if (on && role == RS_SESSION_ROLE_CHAIR && t->role != RS_ROLE_MODERATOR) {
        rs_msg_error_set(c->err, RS_ERR_NOT_MODERATOR, "id", "only a moderator may chair");
        return -EINVAL;
    }
    if (on && role == RS_SESSION_ROLE_MINUTE_TAKER && t->role == RS_ROLE_GUEST) {
        rs_msg_error_set(c->err, RS_ERR_GUEST_NOT_ALLOWED, "id",
                         "a guest may not take the minutes");
        return -EINVAL;
    }
    struct session_room *s = holders(c->room);
    char key[KEY_MAX];
    key_of(t, key);
    int rc = s ? set_holder(s, role, key, on) : -ENOMEM;
    if (rc == -ENOSPC) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "too many people hold this role");
        return rc;
    }
    if (rc < 0) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return rc;
    }
    if (rc == 0)
        return 0; /* unchanged: no event */
    if (log_change(c->room, t, role, on)) {
        set_holder(s, role, key, !on);
        rs_msg_error_store(c->err, "the role could not be stored");
        return -EIO;
    }
    RS_INFO("session", "event=role_set room=%s participant=%s role=%s on=%d by=%s", c->room->id,
            t->id, rs_session_role_name(role), on, c->self->id);
    rs_emit_participant_updated(t);
    return 0;
}

static void session_describe(const struct rs_participant *p, json_t *j)
{
    if (holds(p, RS_SESSION_ROLE_CHAIR))
        json_object_set_new(j, "session_chair", json_true());
    if (holds(p, RS_SESSION_ROLE_MINUTE_TAKER))
        json_object_set_new(j, "minute_taker", json_true());
}

static void session_room_free(struct rs_room *room)
{
    void **slot = rs_room_state(room, &rs_session_feature);
    if (slot) {
        free(*slot);
        *slot = NULL;
    }
}

/* ---- failover (room/snapshot.h): the holders, also those without an account ---- */

static json_t *session_save(struct rs_room *room)
{
    struct session_room **slot = (struct session_room **)rs_room_state(room, &rs_session_feature);
    if (!slot || !*slot || !(*slot)->n)
        return NULL;
    json_t *list = json_array();
    for (unsigned i = 0; list && i < (*slot)->n; i++)
        json_array_append_new(list, json_pack("{s:i, s:s}", "role", (int)(*slot)->h[i].role, "key",
                                              (*slot)->h[i].key));
    return json_pack("{s:o}", "holders", list);
}

static int session_restore(struct rs_room *room, json_t *part)
{
    json_t *list = json_object_get(part, "holders");
    if (!json_is_array(list) || json_array_size(list) > HOLDERS_MAX)
        return -EBADMSG;
    struct session_room **slot = (struct session_room **)rs_room_state(room, &rs_session_feature);
    if (!slot || (!*slot && !(*slot = calloc(1, sizeof(**slot)))))
        return -ENOMEM;
    struct session_room *s = *slot;
    s->loaded = true; /* the snapshot is newer than the store's log */
    s->n = 0;
    int rc = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        int64_t role;
        const char *key = rs_snapshot_str(v, "key");
        if (!rs_snapshot_int(v, "role", RS_SESSION_ROLE_CHAIR, RS_SESSION_ROLE_MINUTE_TAKER,
                             &role) ||
            !key || strlen(key) < 3 || strlen(key) >= KEY_MAX ||
            (strncmp(key, "u:", 2) != 0 && strncmp(key, "p:", 2) != 0)) {
            rc = -EBADMSG;
            continue;
        }
        set_holder(s, (enum rs_session_role)role, key, true);
    }
    return rc;
}

static const struct rs_action actions[] = {
    {.name = "set_role",
     .fn = set_role,
     .need = RS_NEED_CHAIR,
     .fields = {{.name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32},
                {.name = "role",
                 .type = RS_FIELD_ENUM,
                 .flags = RS_FIELD_REQUIRED,
                 .choices = role_choices},
                {.name = "on", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = NULL},
};

const struct rs_feature rs_session_feature = {
    .ns = "session",
    .actions = actions,
    .describe = session_describe,
    .leaving = session_leaving,
    .room_free = session_room_free,
    .save = session_save,
    .restore = session_restore,
};
