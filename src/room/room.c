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
    if (room->count)
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

static int control_join(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err)
{
    struct rs_app *app = s->app;
    if (s->participant) {
        rs_msg_error_set(err, RS_ERR_ALREADY_JOINED, NULL, "already in a room; leave first");
        return -EINVAL;
    }
    char room_buf[RS_ROOM_ID_MAX * 4 + 1], name_buf[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char title_buf[RS_ROOM_TITLE_MAX + 1];
    const char *room_id, *name, *title;
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
    if (rs_msg_string(msg, "display_name", 1, RS_DISPLAY_NAME_MAX_CHARS, 0, name_buf,
                      sizeof(name_buf), &name, err))
        return -EINVAL;
    if (rs_msg_string(msg, "title", 0, 100, 0, title_buf, sizeof(title_buf), &title, err))
        return -EINVAL;

    struct rs_room *existing = rs_rooms_find(app->rooms, room_id);
    if (existing) {
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
    p->role = room->count == 0 ? RS_ROLE_MODERATOR : RS_ROLE_PARTICIPANT;
    p->joined_at_ms = rs_wall_ms();
    p->session = s;
    p->room = room;
    p->prev = room->tail;
    if (room->tail)
        room->tail->next = p;
    else
        room->head = p;
    room->tail = p;
    room->count++;
    s->participant = p;
    rs_metric_inc(RS_M_PARTICIPANTS);
    rs_metric_inc(RS_M_JOINS_TOTAL);

    json_t *list = json_array();
    for (struct rs_participant *q = room->head; q; q = q->next)
        json_array_append_new(list, rs_participant_json(q));
    json_t *joined = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:i}}", "ns", "control", "event", "joined", "room",
        room->id, "id", p->id, "participants", list, "chat", rs_chat_history_json(room),
        "room_settings", "title", room->rec.title, "max_participants",
        (int)(room->rec.max_participants ? room->rec.max_participants
                                         : app->cfg.max_participants));
    if (joined) {
        rs_media_joined_extras(p, joined);
        if (msg->ref)
            json_object_set(joined, "ref", msg->ref);
        rs_session_send(s, joined);
        json_decref(joined);
    }
    json_t *pj = json_pack("{s:s, s:s, s:o}", "ns", "control", "event", "participant_joined",
                           "participant", rs_participant_json(p));
    if (pj) {
        rs_room_broadcast(room, pj, p);
        json_decref(pj);
    }
    RS_INFO("room", "event=joined room=%s participant=%s session=%llu count=%u", room->id, p->id,
            (unsigned long long)s->serial, room->count);
    rs_media_participant_joined(p);
    return 0;
}

void rs_room_leave(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
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
    if (p->role == RS_ROLE_MODERATOR && room->head) {
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
