/* Room registry, join/leave, broadcast.
 *
 * Join order of effects: validate everything first (room id, name, capacity), then load or
 * create the room's record in the store, then add the participant and announce it. A store
 * failure leaves nothing half-joined. The first participant in an empty room becomes its
 * moderator until real roles arrive with identity (issue 4). */
#include "room/room.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "http/api.h"
#include "room/chat.h"
#include "sfu/media_signaling.h"
#include "signaling/session.h"

#define BUCKETS 1024

struct rs_rooms {
    struct rs_app *app;
    struct rs_room *buckets[BUCKETS];
    unsigned count;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

struct rs_rooms *rs_rooms_new(struct rs_app *app)
{
    struct rs_rooms *r = calloc(1, sizeof(*r));
    if (r)
        r->app = app;
    return r;
}

static void room_free(struct rs_room *room)
{
    rs_media_room_free(room);
    rs_chat_free(room);
    free(room);
}

void rs_rooms_free(struct rs_rooms *rooms)
{
    if (!rooms)
        return;
    for (unsigned i = 0; i < BUCKETS; i++) {
        while (rooms->buckets[i]) {
            struct rs_room *room = rooms->buckets[i];
            rooms->buckets[i] = room->hnext;
            while (room->head) {
                struct rs_participant *p = room->head;
                room->head = p->next;
                if (p->session)
                    p->session->participant = NULL;
                rs_media_participant_free(p);
                free(p);
            }
            while (room->lobby_head) {
                struct rs_participant *p = room->lobby_head;
                room->lobby_head = p->next;
                if (p->session)
                    p->session->participant = NULL;
                free(p);
            }
            room_free(room);
        }
    }
    free(rooms);
}

struct rs_room *rs_rooms_find(struct rs_rooms *rooms, const char *id)
{
    for (struct rs_room *r = rooms->buckets[hash(id)]; r; r = r->hnext)
        if (strcmp(r->id, id) == 0)
            return r;
    return NULL;
}

unsigned rs_rooms_count(const struct rs_rooms *rooms)
{
    return rooms->count;
}

static int room_open(struct rs_app *app, const char *id, const char *title, struct rs_room **out,
                     struct rs_msg_error *err)
{
    struct rs_rooms *rooms = app->rooms;
    struct rs_room *room = rs_rooms_find(rooms, id);
    if (room) {
        *out = room;
        return 0;
    }
    room = calloc(1, sizeof(*room));
    if (!room)
        goto fail_oom;
    snprintf(room->id, sizeof(room->id), "%s", id);
    room->app = app;
    int64_t now = rs_wall_ms();
    int rc = app->store ? rs_store_room_get(app->store, id, &room->rec) : -ENOENT;
    if (rc == -ENOENT) {
        memset(&room->rec, 0, sizeof(room->rec));
        snprintf(room->rec.id, sizeof(room->rec.id), "%s", id);
        snprintf(room->rec.title, sizeof(room->rec.title), "%s", title ? title : "");
        room->rec.created_at_ms = now;
        room->rec.last_active_ms = now;
        rc = app->store ? rs_store_room_put(app->store, &room->rec) : 0;
        if (rc == 0)
            RS_INFO("room", "event=room_created room=%s", id);
    } else if (rc == 0) {
        room->rec.last_active_ms = now;
        rc = rs_store_room_touch(app->store, id, now);
    }
    if (rc) {
        free(room);
        RS_ERROR("room", "event=store_failed room=%s rc=%d", id, rc);
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the room could not be opened; try again");
        return -EIO;
    }
    unsigned h = hash(id);
    room->hnext = rooms->buckets[h];
    rooms->buckets[h] = room;
    rooms->count++;
    rs_metric_inc(RS_M_ROOMS);
    *out = room;
    return 0;
fail_oom:
    rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

static void room_close_if_empty(struct rs_room *room)
{
    if (room->count || room->lobby_count)
        return;
    struct rs_rooms *rooms = room->app->rooms;
    struct rs_room **pp = &rooms->buckets[hash(room->id)];
    while (*pp && *pp != room)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = room->hnext;
    rooms->count--;
    rs_metric_dec(RS_M_ROOMS);
    if (room->app->store)
        rs_store_room_touch(room->app->store, room->id, rs_wall_ms());
    RS_INFO("room", "event=room_closed room=%s", room->id);
    room_free(room);
}

json_t *rs_participant_json(const struct rs_participant *p)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:I}", "id", p->id, "display_name",
                          p->display_name, "role",
                          p->role == RS_ROLE_MODERATOR ? "moderator" : "participant",
                          "hand_raised", p->hand_raised, "joined_at", (json_int_t)p->joined_at_ms);
    if (j && p->hand_raised)
        json_object_set_new(j, "hand_ts", json_integer(p->hand_ts_ms));
    if (j)
        json_object_set_new(j, "account", json_boolean(p->account));
    if (j)
        rs_media_participant_describe(p, j);
    return j;
}

void rs_participant_send(struct rs_participant *p, const json_t *ev)
{
    if (p->session)
        rs_session_send(p->session, ev);
}

void rs_room_broadcast(struct rs_room *room, const json_t *ev, const struct rs_participant *except)
{
    struct rs_outbuf *b = rs_outbuf_from_json(ev);
    if (!b)
        return;
    for (struct rs_participant *p = room->head; p; p = p->next)
        if (p != except && p->session)
            rs_session_send_buf(p->session, b);
    rs_outbuf_unref(b);
}

struct rs_participant *rs_room_participant(struct rs_room *room, const char *id)
{
    for (struct rs_participant *p = room->head; p; p = p->next)
        if (strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

static void new_participant_id(char *out)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz23456789";
    unsigned char rnd[RS_PARTICIPANT_ID_LEN];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        RS_ERROR("room", "event=rand_failed");
        abort(); /* no randomness: nothing safe to do */
    }
    out[0] = 'p';
    for (int i = 1; i < RS_PARTICIPANT_ID_LEN; i++)
        out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
    out[RS_PARTICIPANT_ID_LEN] = 0;
}

static struct rs_ratelimit *join_limit;

static json_t *lobby_entry_json(const struct rs_participant *p)
{
    return json_pack("{s:s, s:s, s:I}", "id", p->id, "display_name", p->display_name,
                     "waiting_since", (json_int_t)p->waiting_since_ms);
}

void rs_room_broadcast_moderators(struct rs_room *room, const json_t *ev)
{
    struct rs_outbuf *b = rs_outbuf_from_json(ev);
    if (!b)
        return;
    for (struct rs_participant *p = room->head; p; p = p->next)
        if (p->role == RS_ROLE_MODERATOR && p->session)
            rs_session_send_buf(p->session, b);
    rs_outbuf_unref(b);
}

struct rs_participant *rs_room_lobby_find(struct rs_room *room, const char *id)
{
    for (struct rs_participant *p = room->lobby_head; p; p = p->next)
        if (strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

static void lobby_unlink(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    if (p->prev)
        p->prev->next = p->next;
    else
        room->lobby_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        room->lobby_tail = p->prev;
    p->next = p->prev = NULL;
    room->lobby_count--;
    rs_metric_dec(RS_M_LOBBY_WAITING);
}

static void lobby_left_event(struct rs_room *room, const char *id, const char *reason)
{
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "ns", "lobby", "event", "left", "id", id,
                           "reason", reason);
    if (ev) {
        rs_room_broadcast_moderators(room, ev);
        json_decref(ev);
    }
}

void rs_room_lobby_remove(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
    lobby_unlink(p);
    lobby_left_event(room, p->id, reason);
    if (p->session)
        p->session->participant = NULL;
    RS_INFO("room", "event=lobby_left room=%s participant=%s reason=%s", room->id, p->id, reason);
    free(p);
    room_close_if_empty(room);
}

/* Adds `p` to the room's participant list and tells everyone. */
static void admit_into_room(struct rs_participant *p, json_t *ref)
{
    struct rs_room *room = p->room;
    struct rs_app *app = room->app;
    p->prev = room->tail;
    p->next = NULL;
    if (room->tail)
        room->tail->next = p;
    else
        room->head = p;
    room->tail = p;
    room->count++;
    rs_metric_inc(RS_M_PARTICIPANTS);
    rs_metric_inc(RS_M_JOINS_TOTAL);

    json_t *list = json_array();
    for (struct rs_participant *q = room->head; q; q = q->next)
        json_array_append_new(list, rs_participant_json(q));
    json_t *joined = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:i, s:b, s:b}}", "ns", "control", "event",
        "joined", "room", room->id, "id", p->id, "participants", list, "chat",
        rs_chat_history_json(room), "room_settings", "title", room->rec.title, "max_participants",
        (int)(room->rec.max_participants ? room->rec.max_participants
                                         : app->cfg.max_participants),
        "lobby", room->rec.managed && room->rec.lobby, "managed", room->rec.managed);
    if (joined) {
        if (p->role == RS_ROLE_MODERATOR) {
            json_t *lobby = json_array();
            for (struct rs_participant *q = room->lobby_head; q; q = q->next)
                json_array_append_new(lobby, lobby_entry_json(q));
            json_object_set_new(joined, "lobby", lobby);
        }
        /* whether this participant may hand out moderation (moderation/set_role) */
        const struct rs_identity *me = p->session ? &p->session->ident : NULL;
        int can_grant = room->rec.managed
                            ? me && me->logged_in &&
                                  (strcmp(me->role, "admin") == 0 ||
                                   strcmp(room->rec.owner_id, me->user_id) == 0)
                            : p->role == RS_ROLE_MODERATOR;
        json_object_set_new(joined, "can_grant", json_boolean(can_grant));
        rs_media_joined_extras(p, joined);
        if (ref)
            json_object_set(joined, "ref", ref);
        rs_participant_send(p, joined);
        json_decref(joined);
    }
    json_t *pj = json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_joined",
                           "participant", rs_participant_json(p));
    if (pj) {
        rs_room_broadcast(room, pj, p);
        json_decref(pj);
    }
    RS_INFO("room", "event=joined room=%s participant=%s role=%s count=%u", room->id, p->id,
            p->role == RS_ROLE_MODERATOR ? "moderator" : "participant", room->count);
    rs_media_participant_joined(p);
}

void rs_room_admit(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    lobby_unlink(p);
    p->waiting = 0;
    lobby_left_event(room, p->id, "admitted");
    admit_into_room(p, NULL);
}

/* The join decision for a managed meeting: role and whether to wait in the lobby. */
static int meeting_access(struct rs_session *s, const struct rs_room_record *rec,
                          const char *invite, const char *password, enum rs_role *role,
                          int *waiting, char *invite_id, struct rs_msg_error *err)
{
    struct rs_app *app = s->app;
    const struct rs_identity *id = &s->ident;
    int moderator = 0, allowed = 0;
    *waiting = 0;
    invite_id[0] = 0;
    if (id->logged_in) {
        if (strcmp(id->tenant, rec->tenant) != 0) {
            rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
            rs_msg_error_set(err, RS_ERR_FORBIDDEN, "room",
                             "this meeting belongs to another organisation");
            return -EACCES;
        }
        allowed = 1;
        moderator = strcmp(id->role, "admin") == 0 || strcmp(rec->owner_id, id->user_id) == 0 ||
                    rs_store_grant_is_moderator(app->store, rec->id, id->user_id) == 1;
    }
    if (invite && *invite) {
        uint8_t hash[32];
        struct rs_invite_record inv;
        rs_api__token_hash(invite, hash);
        if (rs_store_invite_find(app->store, hash, rs_wall_ms(), &inv) || inv.expired ||
            inv.revoked || strcmp(inv.room_id, rec->id) != 0) {
            rs_metric_auth_reject(RS_AUTH_INVALID_INVITE);
            rs_msg_error_set(err, RS_ERR_INVALID_INVITE, "invite",
                             "this invitation is unknown, expired or revoked");
            return -EACCES;
        }
        allowed = 1;
        moderator |= inv.role == RS_INVITE_MODERATOR;
        snprintf(invite_id, RS_INVITE_ID_MAX + 1, "%s", inv.id);
        /* guests (and participant invitations without an account) wait when there is a lobby */
        if (!id->logged_in && inv.role != RS_INVITE_MODERATOR)
            *waiting = rec->lobby;
    }
    if (!allowed) {
        rs_metric_auth_reject(RS_AUTH_UNAUTHORIZED);
        rs_msg_error_set(err, RS_ERR_UNAUTHORIZED, NULL,
                         "this meeting needs an invitation or a sign-in");
        return -EACCES;
    }
    if (rec->has_password && !moderator) {
        if (!password || !*password) {
            rs_msg_error_set(err, RS_ERR_PASSWORD_REQUIRED, "password",
                             "this meeting has a password");
            return -EACCES;
        }
        if (rs_meeting_password_verify(rec->password_hash, password)) {
            rs_metric_auth_reject(RS_AUTH_WRONG_PASSWORD);
            rs_msg_error_set(err, RS_ERR_WRONG_PASSWORD, "password", "the password is wrong");
            return -EACCES;
        }
    }
    *role = moderator ? RS_ROLE_MODERATOR : RS_ROLE_PARTICIPANT;
    return 0;
}

static int control_join(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err)
{
    struct rs_app *app = s->app;
    if (s->participant) {
        rs_msg_error_set(err, RS_ERR_ALREADY_JOINED, NULL, "already in a room; leave first");
        return -EINVAL;
    }
    char room_buf[RS_ROOM_ID_MAX * 4 + 1], name_buf[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char title_buf[RS_ROOM_TITLE_MAX + 1], invite_buf[128], pw_buf[260];
    const char *room_id, *name, *title, *invite, *password;
    json_t *room_v = json_object_get(msg->root, "room");
    if (room_v && json_is_string(room_v) && json_string_length(room_v) > RS_ROOM_ID_MAX) {
        rs_msg_error_set(err, RS_ERR_INVALID_ROOM, "room",
                         "room id must be 1 to 64 of A-Z a-z 0-9 - _");
        return -EINVAL;
    }
    if (rs_msg_string(msg, "room", 1, RS_ROOM_ID_MAX, 0, room_buf, sizeof(room_buf), &room_id,
                      err))
        return -EINVAL;
    if (!rs_room_id_valid(room_id)) {
        rs_msg_error_set(err, RS_ERR_INVALID_ROOM, "room",
                         "room id must be 1 to 64 of A-Z a-z 0-9 - _");
        return -EINVAL;
    }
    /* a signed-in user may leave the name out: the account's name is used */
    int need_name = !s->ident.logged_in;
    json_t *nv = json_object_get(msg->root, "display_name");
    if (!need_name && nv && json_is_string(nv) && json_string_length(nv) > 0)
        need_name = 1;
    if (rs_msg_string(msg, "display_name", need_name, RS_DISPLAY_NAME_MAX_CHARS, 0, name_buf,
                      sizeof(name_buf), &name, err))
        return -EINVAL;
    if (!name || !*name)
        name = s->ident.display_name[0] ? s->ident.display_name : "User";
    if (rs_msg_string(msg, "title", 0, 100, 0, title_buf, sizeof(title_buf), &title, err) ||
        rs_msg_string(msg, "invite", 0, 100, 0, invite_buf, sizeof(invite_buf), &invite, err) ||
        rs_msg_string(msg, "password", 0, 64, 0, pw_buf, sizeof(pw_buf), &password, err))
        return -EINVAL;

    if (!join_limit)
        join_limit = rs_ratelimit_new(app->cfg.join_rate_per_min);
    if (join_limit && !rs_ratelimit_take(join_limit, s->peer, rs_wall_ms())) {
        rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
        rs_msg_error_set(err, RS_ERR_RATE_LIMITED, NULL,
                         "too many joins from this address; wait a minute");
        return -EINVAL;
    }

    struct rs_room_record rec;
    memset(&rec, 0, sizeof(rec));
    struct rs_room *existing = rs_rooms_find(app->rooms, room_id);
    int found = existing ? (rec = existing->rec, 0)
                         : (app->store ? rs_store_room_get(app->store, room_id, &rec) : -ENOENT);
    enum rs_role role = RS_ROLE_PARTICIPANT;
    int waiting = 0;
    char invite_id[RS_INVITE_ID_MAX + 1] = "";
    if (found == 0 && rec.managed) {
        if (meeting_access(s, &rec, invite, password, &role, &waiting, invite_id, err))
            return -EACCES;
    } else if (rs_config_anonymous(&app->cfg)) {
        role = existing && existing->count ? RS_ROLE_PARTICIPANT : RS_ROLE_MODERATOR;
    } else {
        rs_msg_error_set(err, RS_ERR_NOT_FOUND, "room", "there is no such meeting");
        return -ENOENT;
    }

    if (existing && !waiting) {
        unsigned max = existing->rec.max_participants ? existing->rec.max_participants
                                                      : app->cfg.max_participants;
        if (existing->count >= max) {
            rs_msg_error_set(err, RS_ERR_ROOM_FULL, NULL, "the room is full (%u participants)",
                             max);
            return -EINVAL;
        }
    }
    struct rs_room *room;
    if (room_open(app, room_id, title, &room, err))
        return -EINVAL;
    struct rs_participant *p = calloc(1, sizeof(*p));
    if (!p) {
        room_close_if_empty(room);
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    new_participant_id(p->id);
    snprintf(p->display_name, sizeof(p->display_name), "%s", name);
    p->role = role;
    p->account = s->ident.logged_in;
    snprintf(p->user_id, sizeof(p->user_id), "%s", s->ident.user_id);
    p->joined_at_ms = rs_wall_ms();
    p->session = s;
    p->room = room;
    s->participant = p;
    if (invite_id[0] && app->store)
        rs_store_invite_use(app->store, invite_id);

    if (waiting) {
        p->waiting = 1;
        p->waiting_since_ms = rs_wall_ms();
        p->prev = room->lobby_tail;
        if (room->lobby_tail)
            room->lobby_tail->next = p;
        else
            room->lobby_head = p;
        room->lobby_tail = p;
        room->lobby_count++;
        rs_metric_inc(RS_M_LOBBY_WAITING);
        json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ns", "lobby", "event", "waiting",
                              "id", p->id, "room", room->id, "title", room->rec.title);
        if (w) {
            if (msg->ref)
                json_object_set(w, "ref", msg->ref);
            rs_session_send(s, w);
            json_decref(w);
        }
        json_t *ev = json_pack("{s:s, s:s, s:o}", "ns", "lobby", "event", "entered",
                               "participant", lobby_entry_json(p));
        if (ev) {
            rs_room_broadcast_moderators(room, ev);
            json_decref(ev);
        }
        RS_INFO("room", "event=lobby_waiting room=%s participant=%s", room->id, p->id);
        return 0;
    }
    admit_into_room(p, msg->ref);
    return 0;
}

void rs_room_settings_changed(struct rs_app *app, const struct rs_room_record *rec)
{
    struct rs_room *room = rs_rooms_find(app->rooms, rec->id);
    if (!room)
        return;
    int lobby_was = room->rec.lobby;
    room->rec = *rec;
    if (lobby_was != rec->lobby) {
        json_t *ev = json_pack("{s:s, s:s, s:b}", "ns", "moderation", "event", "lobby_changed",
                               "enabled", rec->lobby);
        if (ev) {
            rs_room_broadcast(room, ev, NULL);
            json_decref(ev);
        }
        if (!rec->lobby)
            while (room->lobby_head)
                rs_room_admit(room->lobby_head);
    }
}

void rs_room_close_all(struct rs_room *room)
{
    while (room->lobby_head) {
        struct rs_participant *p = room->lobby_head;
        /* the room is freed with its last lobby entry when nobody is in it */
        int last = room->count == 0 && room->lobby_count == 1;
        if (p->session)
            rs_session_close(p->session, 1000, "meeting_deleted");
        rs_room_lobby_remove(p, "gone");
        if (last)
            return;
    }
    while (room->head) {
        struct rs_participant *p = room->head;
        struct rs_session *sess = p->session;
        int last = room->count == 1;
        rs_room_leave(p, "meeting_deleted");
        if (sess)
            rs_session_close(sess, 1000, "meeting_deleted");
        if (last)
            return;
    }
}

void rs_room_leave(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
    if (p->waiting) {
        rs_room_lobby_remove(p, "gone");
        return;
    }
    rs_media_participant_free(p);
    if (p->prev)
        p->prev->next = p->next;
    else
        room->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        room->tail = p->prev;
    room->count--;
    if (p->session)
        p->session->participant = NULL;
    rs_metric_dec(RS_M_PARTICIPANTS);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "event", "participant_left",
                           "id", p->id, "reason", reason);
    if (ev) {
        rs_room_broadcast(room, ev, NULL);
        json_decref(ev);
    }
    RS_INFO("room", "event=left room=%s participant=%s reason=%s count=%u", room->id, p->id,
            reason, room->count);
    /* Moderation must not vanish with the moderator: hand it to the longest-present. */
    if (p->role == RS_ROLE_MODERATOR && room->head && !room->rec.managed) {
        int has_mod = 0;
        for (struct rs_participant *q = room->head; q; q = q->next)
            has_mod |= q->role == RS_ROLE_MODERATOR;
        if (!has_mod) {
            room->head->role = RS_ROLE_MODERATOR;
            json_t *upd = json_pack("{s:s, s:s, s:o}", "ns", "control", "event",
                                    "participant_updated", "participant",
                                    rs_participant_json(room->head));
            if (upd) {
                rs_room_broadcast(room, upd, NULL);
                json_decref(upd);
            }
        }
    }
    free(p);
    rs_media_room_changed(room);
    room_close_if_empty(room);
}

int rs_control_handle(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err)
{
    if (strcmp(msg->action, "join") == 0)
        return control_join(s, msg, err);
    if (strcmp(msg->action, "leave") == 0) {
        if (!s->participant) {
            rs_msg_error_set(err, RS_ERR_NOT_JOINED, NULL, "not in a room");
            return -EINVAL;
        }
        rs_room_leave(s->participant, "left");
        json_t *ev = json_pack("{s:s, s:s}", "ns", "control", "event", "left");
        if (ev) {
            if (msg->ref)
                json_object_set(ev, "ref", msg->ref);
            rs_session_send(s, ev);
            json_decref(ev);
        }
        return 0;
    }
    /* ping */
    json_t *ev = json_pack("{s:s, s:s, s:I}", "ns", "control", "event", "pong", "ts",
                           (json_int_t)rs_wall_ms());
    if (ev) {
        if (msg->ref)
            json_object_set(ev, "ref", msg->ref);
        rs_session_send(s, ev);
        json_decref(ev);
    }
    return 0;
}
