/* SPDX-License-Identifier: EUPL-1.2 */
/* Room registry, membership (room and lobby), and the features' hooks.
 *
 * Join order of effects (control.c decides, this file carries out): validate everything first
 * (room id, name, capacity, access), then load or create the room's record in the store, then
 * add the participant and announce it. A store failure leaves nothing half-joined.
 *
 * Features plug in through the hooks of `struct rs_feature` (action.h), called here in
 * registration order: the room's own features first, then those of higher floors (the SFU's
 * media). This file knows no feature by name except to register the room's own, and to ask
 * podium mode who is told about whom (rs_podium_sees: the member-list fan-out). */
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
#include "room/access.h"
#include "room/agenda.h"
#include "room/attendance.h"
#include "room/audio_routes.h"
#include "room/breakout.h"
#include "room/cascade_member.h"
#include "room/chair.h"
#include "room/speakers.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/podium.h"
#include "room/poll.h"
#include "room/recording.h"
#include "room/session.h"
#include "room/snapshot.h"
#include "room/timer.h"
#include "room/vote.h"
#include "room/whisper.h"

#define BUCKETS 1024

struct rs_rooms {
    struct rs_app *app;
    struct rs_room *buckets[BUCKETS];
    unsigned count;
    struct rs_features features;
    int64_t last_tick_ms;
    int (*edge_forward)(struct rs_participant *p, json_t *msg); /* rs_rooms_set_edge_forward */
};

#define TICK_MS 200

#define EACH_FEATURE(rooms, f)                                                                     \
    for (unsigned f##_i = 0; f##_i < (rooms)->features.count; f##_i++)                             \
        for (const struct rs_feature *f = (rooms)->features.list[f##_i]; f; f = NULL)

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

void rs_rooms_tick(struct rs_rooms *rooms, int64_t now_ms)
{
    for (unsigned i = 0; i < BUCKETS; i++) {
        struct rs_room *room = rooms->buckets[i];
        while (room) {
            struct rs_room *next = room->hnext; /* a tick may end what keeps a room alive */
            EACH_FEATURE(rooms, f)
            if (f->tick)
                f->tick(room, now_ms);
            rs_room_snapshot_tick(room, now_ms);
            rs_room_expire_reconnecting(room, now_ms); /* last: it may free the room */
            room = next;
        }
    }
    rs_recording_housekeeping(now_ms); /* stopped recorders finalising */
}

/* Runs after every wake-up of the control loop and on its 200 ms tick. */
static void on_wake(void *arg)
{
    struct rs_rooms *rooms = arg;
    int64_t now = rs_wall_ms();
    if (now - rooms->last_tick_ms < TICK_MS && now >= rooms->last_tick_ms)
        return;
    rooms->last_tick_ms = now;
    rs_rooms_tick(rooms, now);
}

struct rs_rooms *rs_rooms_new(struct rs_app *app)
{
    struct rs_rooms *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->app = app;
    static const struct rs_feature *const own[] = {&rs_control_feature, &rs_chat_feature,
                                                   &rs_hand_feature, &rs_lobby_feature,
                                                   &rs_moderation_feature, &rs_chair_feature,
                                                   &rs_speakers_feature, &rs_reaction_feature,
                                                   &rs_vote_feature, &rs_poll_feature,
                                                   &rs_timer_feature, &rs_attendance_feature,
                                                   &rs_session_feature, &rs_agenda_feature,
                                                   &rs_whisper_feature, &rs_breakout_feature,
                                                   &rs_podium_feature, &rs_recording_feature,
                                                   /* last: its leaving hook ends a remote
                                                      member's peer */
                                                   &rs_cascade_member_feature};
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        rs_features_add(&r->features, own[i]);
    rs_wakeup_add(&app->wakeup, on_wake, r);
    if (!app->join_limit)
        app->join_limit = rs_ratelimit_new(app->cfg.join_rate_per_min);
    if (!app->password_limit)
        app->password_limit = rs_ratelimit_new(app->cfg.password_rate_per_min);
    if (!app->meeting_password_limit)
        app->meeting_password_limit = rs_ratelimit_new(app->cfg.meeting_password_rate_per_min);
    if (!app->join_limit || !app->password_limit || !app->meeting_password_limit) {
        rs_ratelimit_free(app->join_limit);
        rs_ratelimit_free(app->password_limit);
        rs_ratelimit_free(app->meeting_password_limit);
        app->join_limit = app->password_limit = app->meeting_password_limit = NULL;
        rs_wakeup_remove(&app->wakeup, on_wake, r);
        free(r);
        return NULL;
    }
    return r;
}

struct rs_features *rs_rooms_features(struct rs_rooms *rooms)
{
    return &rooms->features;
}

void **rs_room_state(struct rs_room *room, const struct rs_feature *f)
{
    int i = rs_features_index(&room->app->rooms->features, f);
    return i < 0 ? NULL : &room->state[i];
}

void **rs_participant_state(struct rs_participant *p, const struct rs_feature *f)
{
    int i = rs_features_index(&p->room->app->rooms->features, f);
    return i < 0 ? NULL : &p->state[i];
}

static void room_free(struct rs_room *room)
{
    EACH_FEATURE(room->app->rooms, f)
    if (f->room_free)
        f->room_free(room);
    rs_audio_routes_free(room->audio_routes);
    free(room);
}

static void features_leaving(struct rs_participant *p)
{
    EACH_FEATURE(p->room->app->rooms, f)
    if (f->leaving)
        f->leaving(p);
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
                if (p->peer)
                    p->peer->participant = NULL;
                p->leave_reason = "server_stop";
                if (p->reconnecting_since_ms)
                    rs_metric_dec(RS_M_PARTICIPANTS_RECONNECTING);
                features_leaving(p);
                free(p);
            }
            while (room->lobby_head) {
                struct rs_participant *p = room->lobby_head;
                room->lobby_head = p->next;
                if (p->peer)
                    p->peer->participant = NULL;
                free(p);
            }
            room_free(room);
        }
    }
    rs_recording_shutdown(); /* the recorders of the rooms just freed finalise their outputs */
    struct rs_app *app = rooms->app;
    rs_wakeup_remove(&app->wakeup, on_wake, rooms);
    rs_ratelimit_free(app->join_limit);
    rs_ratelimit_free(app->password_limit);
    rs_ratelimit_free(app->meeting_password_limit);
    app->join_limit = app->password_limit = app->meeting_password_limit = NULL;
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

/* `moved` for a join this node cannot take now: without a URL, retry soon. */
static int moved_retry(struct rs_msg_error *err)
{
    memset(&err->moved, 0, sizeof(err->moved));
    err->retry_after_s = RS_ROOM_MOVED_RETRY_S;
    rs_msg_error_set(err, RS_ERR_MOVED, NULL, "%s",
                     "the server hosting this meeting is changing; try again");
    return -EAGAIN;
}

/* In a cluster, the room's state as the node that owned it before left it (room/snapshot.h):
 * rebuilt into `room`, which has just opened here with its lease. Returns the participants
 * restored, 0 when there was nothing to restore, or an error. */
static int restore_snapshot(struct rs_room *room)
{
    struct rs_room_owner *o = &room->app->room_owner;
    if (!o->snapshot_load)
        return 0;
    char *data = NULL;
    size_t len = 0;
    int rc = o->snapshot_load(o->user, room->id, &data, &len);
    if (rc == 0)
        rc = rs_room_snapshot_restore(room, data, len, rs_wall_ms());
    else if (rc == -ENOENT)
        rc = 0;
    else
        rs_metric_inc(RS_M_CLUSTER_SNAPSHOT_ERRORS); /* unreadable, or Redis away: start empty */
    free(data);
    return rc;
}

static int room_open(struct rs_app *app, const char *id, const char *title, struct rs_room **out,
                     struct rs_msg_error *err, bool only_restored);

int rs_room_open(struct rs_app *app, const char *id, const char *title, struct rs_room **out,
                 struct rs_msg_error *err)
{
    return room_open(app, id, title, out, err, false);
}

int rs_room_open_restored(struct rs_app *app, const char *id, struct rs_room **out,
                          struct rs_msg_error *err)
{
    *out = rs_rooms_find(app->rooms, id);
    if (*out || !app->room_owner.snapshot_load)
        return *out ? 0 : -ENOENT;
    return room_open(app, id, NULL, out, err, true);
}

static int room_open(struct rs_app *app, const char *id, const char *title, struct rs_room **out,
                     struct rs_msg_error *err, bool only_restored)
{
    struct rs_rooms *rooms = app->rooms;
    struct rs_room *room = rs_rooms_find(rooms, id);
    if (room && room->edge) {
        /* an edge room serves only the audience (control.c decides who that is) */
        err->moved = room->edge_owner;
        err->retry_after_s = 0;
        rs_msg_error_set(err, RS_ERR_MOVED, NULL, "%s", "another server hosts this meeting");
        return -EBUSY;
    }
    if (room && app->room_owner.held && !app->room_owner.held(app->room_owner.user, id))
        /* open here, but our lease may have run out while Redis was away: no new joins until
         * it is renewed (or lost: then the room ends here and its participants follow) */
        return moved_retry(err);
    if (room) {
        *out = room;
        return 0;
    }
    if (app->room_owner.draining && app->room_owner.draining(app->room_owner.user, &err->moved)) {
        /* this node is going away: the room opens elsewhere (the least loaded node's url) */
        err->retry_after_s = err->moved.url[0] ? 0 : err->moved.retry_after_s;
        rs_msg_error_set(err, RS_ERR_MOVED, NULL, "%s",
                         err->moved.url[0] ? "another server hosts this meeting"
                                           : "the server hosting this meeting is changing; "
                                             "try again");
        return -EAGAIN;
    }
    if (app->room_owner.acquire) { /* a cluster: is it this node's to serve? */
        int orc = app->room_owner.acquire(app->room_owner.user, id, &err->moved);
        if (orc) {
            err->retry_after_s = err->moved.url[0] ? 0 : err->moved.retry_after_s;
            rs_msg_error_set(err, RS_ERR_MOVED, NULL, "%s",
                             err->moved.url[0] ? "another server hosts this meeting"
                                               : "the server hosting this meeting is changing; "
                                                 "try again");
            return orc;
        }
    }
    room = calloc(1, sizeof(*room));
    if (!room)
        goto fail_release;
    snprintf(room->id, sizeof(room->id), "%s", id);
    room->app = app;
    int64_t now = rs_wall_ms();
    int rc = app->store ? rs_store_room_get(app->store, id, &room->rec) : -ENOENT;
    if (rc == -ENOENT && only_restored && app->store) {
        free(room);
        if (app->room_owner.release)
            app->room_owner.release(app->room_owner.user, id);
        return -ENOENT; /* a resume never creates a room */
    }
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
        if (app->room_owner.release)
            app->room_owner.release(app->room_owner.user, id);
        RS_ERROR("room", "event=store_failed room=%s rc=%d", id, rc);
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the room could not be opened; try again");
        return -EIO;
    }
    unsigned h = hash(id);
    room->hnext = rooms->buckets[h];
    rooms->buckets[h] = room;
    rooms->count++;
    rs_metric_inc(RS_M_ROOMS);
    int restored = restore_snapshot(room);
    if (only_restored && restored <= 0) {
        rs_room_close_if_empty(room); /* nobody to resume: as if it had never opened */
        return -ENOENT;
    }
    *out = room;
    return 0;
fail_release:
    if (app->room_owner.release)
        app->room_owner.release(app->room_owner.user, id);
    rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

int rs_room_open_edge(struct rs_app *app, const char *id, const struct rs_room_moved *owner,
                      struct rs_room **out, struct rs_msg_error *err)
{
    struct rs_rooms *rooms = app->rooms;
    struct rs_room *room = rs_rooms_find(rooms, id);
    if (room) {
        if (!room->edge)
            return -EEXIST;
        *out = room;
        return 0;
    }
    room = calloc(1, sizeof(*room));
    if (!room) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    snprintf(room->id, sizeof(room->id), "%s", id);
    room->app = app;
    room->edge = true;
    room->edge_owner = *owner;
    /* the record as the owner keeps it (title, settings), read only */
    if (!app->store || rs_store_room_get(app->store, id, &room->rec)) {
        memset(&room->rec, 0, sizeof(room->rec));
        snprintf(room->rec.id, sizeof(room->rec.id), "%s", id);
    }
    unsigned h = hash(id);
    room->hnext = rooms->buckets[h];
    rooms->buckets[h] = room;
    rooms->count++;
    rs_metric_inc(RS_M_ROOMS);
    RS_INFO("room", "event=edge_room_opened room=%s owner=%s", id, owner->node);
    *out = room;
    return 0;
}

unsigned rs_room_real_count(const struct rs_room *room)
{
    unsigned n = 0;
    for (const struct rs_participant *p = room->head; p; p = p->next)
        n += !p->mirror;
    return n;
}

static void room_unlink(struct rs_participant *p, const char *reason);

void rs_room_close_if_empty(struct rs_room *room)
{
    if (room->edge && !room->lobby_count && room->count && rs_room_real_count(room) == 0) {
        /* the last audience member left: the mirrors go (their media first), then the room */
        while (room->head) {
            struct rs_participant *p = room->head;
            room_unlink(p, "left");
            free(p);
        }
    }
    if (room->count || room->lobby_count)
        return;
    if (room->edge) { /* nothing of the room's shared state is this node's */
        struct rs_rooms *rooms = room->app->rooms;
        struct rs_room **pp = &rooms->buckets[hash(room->id)];
        while (*pp && *pp != room)
            pp = &(*pp)->hnext;
        if (*pp)
            *pp = room->hnext;
        rooms->count--;
        rs_metric_dec(RS_M_ROOMS);
        RS_INFO("room", "event=edge_room_closed room=%s", room->id);
        room_free(room);
        return;
    }
    struct rs_rooms *rooms = room->app->rooms;
    struct rs_room **pp = &rooms->buckets[hash(room->id)];
    while (*pp && *pp != room)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = room->hnext;
    rooms->count--;
    rs_metric_dec(RS_M_ROOMS);
    if (room->app->store) {
        int64_t now = rs_wall_ms();
        /* an anonymous room's record may have been purged as idle while the room was open
         * (http/api.c): write it back, so the room's last use counts from now */
        if (rs_store_room_touch(room->app->store, room->id, now) == -ENOENT && !room->rec.managed) {
            room->rec.last_active_ms = now;
            rs_store_room_put(room->app->store, &room->rec);
        }
    }
    RS_INFO("room", "event=room_closed room=%s", room->id);
    /* the meeting is over here: its snapshot goes (only while the lease is ours), unless the
     * room was handed over and the next owner continues from it */
    if (room->app->room_owner.snapshot_drop && !room->handed_over)
        room->app->room_owner.snapshot_drop(room->app->room_owner.user, room->id);
    if (room->app->room_owner.cascade_set) /* while the lease is still ours */
        room->app->room_owner.cascade_set(room->app->room_owner.user, room->id, false);
    if (room->app->room_owner.release)
        room->app->room_owner.release(room->app->room_owner.user, room->id);
    room_free(room);
}

const char *rs_role_name(enum rs_role role)
{
    switch (role) {
    case RS_ROLE_GUEST:
        return "guest";
    case RS_ROLE_PARTICIPANT:
        return "participant";
    case RS_ROLE_MODERATOR:
        return "moderator";
    }
    return "participant";
}

static enum rs_metric role_gauge(enum rs_role role)
{
    return role == RS_ROLE_GUEST       ? RS_M_ROLE_GUESTS
           : role == RS_ROLE_MODERATOR ? RS_M_ROLE_MODERATORS
                                       : RS_M_ROLE_PARTICIPANTS;
}

void rs_participant_set_role(struct rs_participant *p, enum rs_role role)
{
    if (p->role == role)
        return;
    /* only those in the room are counted (rs_room_enter, rs_room_leave) */
    bool counted = !p->waiting && (p->prev || p->room->head == p);
    if (counted) {
        rs_metric_dec(role_gauge(p->role));
        rs_metric_inc(role_gauge(role));
    }
    enum rs_role was = p->role;
    bool was_audience = counted && rs_podium_audience(p);
    p->role = role;
    if (counted && was_audience != rs_podium_audience(p))
        rs_podium_standing_changed(p); /* a moderator is on stage, in podium mode */
    if (was == RS_ROLE_MODERATOR)
        rs_session_moderator_lost(p);
}

bool rs_participant_may_vote(const struct rs_participant *p)
{
    return p && !p->waiting && p->role != RS_ROLE_GUEST;
}

bool rs_participant_may_share_screen(const struct rs_participant *p)
{
    return p && !p->waiting && p->role != RS_ROLE_GUEST;
}

json_t *rs_participant_json(const struct rs_participant *p)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "id", p->id, "display_name",
                          p->display_name, "role", rs_role_name(p->role), "joined_at",
                          (json_int_t)p->joined_at_ms, "account", p->account, "connection",
                          p->reconnecting_since_ms ? "reconnecting" : "connected");
    if (!j)
        return NULL;
    EACH_FEATURE(p->room->app->rooms, f)
    if (f->describe)
        f->describe(p, j);
    return j;
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

struct rs_participant *rs_participant_new(struct rs_room *room, struct rs_peer *peer,
                                          const char *display_name, enum rs_role role)
{
    struct rs_participant *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    new_participant_id(p->id);
    snprintf(p->display_name, sizeof(p->display_name), "%s", display_name);
    p->role = role;
    p->account = peer->ident.logged_in;
    snprintf(p->user_id, sizeof(p->user_id), "%s", peer->ident.user_id);
    p->joined_at_ms = rs_wall_ms();
    p->peer = peer;
    p->room = room;
    peer->participant = p;
    return p;
}

json_t *rs_lobby_entry_json(const struct rs_participant *p)
{
    return json_pack("{s:s, s:s, s:I}", "id", p->id, "display_name", p->display_name,
                     "waiting_since", (json_int_t)p->waiting_since_ms);
}

struct rs_participant *rs_room_lobby_find(struct rs_room *room, const char *id)
{
    for (struct rs_participant *p = room->lobby_head; p; p = p->next)
        if (strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

void rs_room_lobby_enter(struct rs_participant *p)
{
    struct rs_room *room = p->room;
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
    rs_emit_moderators(
        room, rs_event("lobby", "entered", "{s:o}", "participant", rs_lobby_entry_json(p)));
    RS_INFO("room", "event=lobby_waiting room=%s participant=%s", room->id, p->id);
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
    rs_emit_moderators(room, rs_event("lobby", "left", "{s:s, s:s}", "id", id, "reason", reason));
}

void rs_room_lobby_remove(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
    lobby_unlink(p);
    lobby_left_event(room, p->id, reason);
    if (p->peer)
        p->peer->participant = NULL;
    RS_INFO("room", "event=lobby_left room=%s participant=%s reason=%s", room->id, p->id, reason);
    free(p);
    rs_room_close_if_empty(room);
}

static bool told_of_join(const struct rs_participant *q, void *p)
{
    return q != p && rs_podium_sees(q, p);
}

/* control/joined to `p`: the participants it is told about, the room's settings and every
 * feature's part (welcome hooks); `resumed` says whether it continues after a dropped socket. */
static void send_joined(struct rs_participant *p, json_t *ref, bool resumed)
{
    struct rs_room *room = p->room;
    struct rs_app *app = room->app;
    /* podium mode: an audience member's list holds no audience (room/podium.h) */
    json_t *list = json_array();
    for (struct rs_participant *q = room->head; q; q = q->next)
        if (rs_podium_sees(p, q))
            json_array_append_new(list, rs_participant_json(q));
    json_t *joined = rs_event(
        "control", "joined", "{s:s, s:s, s:o, s:{s:s, s:i, s:b, s:b}, s:b}", "room", room->id, "id",
        p->id, "participants", list, "room_settings", "title", room->rec.title, "max_participants",
        (int)rs_room_capacity(room), "lobby", room->rec.managed && room->rec.lobby, "managed",
        room->rec.managed, "can_grant", rs_access_may_grant(p));
    if (joined) {
        json_object_set_new(joined, "resumed", json_boolean(resumed));
        EACH_FEATURE(app->rooms, f)
        if (f->welcome)
            f->welcome(p, joined);
        if (ref)
            json_object_set(joined, "ref", ref);
        rs_emit_one(p, joined);
    }
}

void rs_room_list_add(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    p->prev = room->tail;
    p->next = NULL;
    if (room->tail)
        room->tail->next = p;
    else
        room->head = p;
    room->tail = p;
    room->count++;
    rs_metric_inc(RS_M_PARTICIPANTS);
    rs_metric_inc(role_gauge(p->role));
}

void rs_room_enter(struct rs_participant *p, json_t *ref)
{
    struct rs_room *room = p->room;
    struct rs_app *app = room->app;
    rs_room_list_add(p);
    rs_metric_inc(RS_M_JOINS_TOTAL);

    send_joined(p, ref, false);
    rs_emit_group(room,
                  rs_event("control", "participant_joined", "{s:o}", "participant",
                           rs_participant_json(p)),
                  told_of_join, p);
    RS_INFO("room", "event=joined room=%s participant=%s role=%s count=%u", room->id, p->id,
            rs_role_name(p->role), room->count);
    EACH_FEATURE(app->rooms, f)
    if (f->joined)
        f->joined(p);
}

struct rs_participant *rs_room_mirror_enter(struct rs_room *room, const char *id,
                                            const char *display_name, enum rs_role role)
{
    if (!room->edge || rs_room_participant(room, id))
        return NULL;
    struct rs_participant *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    snprintf(p->id, sizeof(p->id), "%s", id);
    snprintf(p->display_name, sizeof(p->display_name), "%s", display_name);
    p->role = role;
    p->mirror = 1;
    p->joined_at_ms = rs_wall_ms();
    p->room = room;
    rs_room_list_add(p);
    rs_emit_group(room,
                  rs_event("control", "participant_joined", "{s:o}", "participant",
                           rs_participant_json(p)),
                  told_of_join, p);
    RS_INFO("room", "event=mirror_joined room=%s participant=%s", room->id, p->id);
    return p;
}

void rs_room_mirror_rename(struct rs_participant *p, const char *display_name)
{
    if (!p->mirror || strcmp(p->display_name, display_name) == 0)
        return;
    snprintf(p->display_name, sizeof(p->display_name), "%s", display_name);
    rs_emit_group(p->room,
                  rs_event("control", "participant_updated", "{s:o}", "participant",
                           rs_participant_json(p)),
                  told_of_join, p);
}

unsigned rs_room_capacity(const struct rs_room *room)
{
    return room->rec.max_participants ? room->rec.max_participants
                                      : room->app->cfg.max_participants;
}

int rs_room_admit(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    if (room->count >= rs_room_capacity(room))
        return -ENOSPC;
    lobby_unlink(p);
    p->waiting = 0;
    lobby_left_event(room, p->id, "admitted");
    rs_room_enter(p, NULL);
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
        rs_emit_all(room, rs_event("moderation", "lobby_changed", "{s:b}", "enabled", rec->lobby),
                    NULL);
        /* lobby off: in goes whoever fits; the rest stay waiting for a free place */
        if (!rec->lobby)
            while (room->lobby_head && rs_room_admit(room->lobby_head) == 0)
                ;
    }
}

void rs_room_end(struct rs_room *room, const char *by_id)
{
    char by[RS_PARTICIPANT_ID_LEN + 1]; /* `by_id` goes with its participant */
    snprintf(by, sizeof(by), "%s", by_id);
    rs_metric_inc(RS_M_MEETINGS_ENDED);
    RS_INFO("room", "event=meeting_ended room=%s by=%s count=%u waiting=%u", room->id, by,
            room->count, room->lobby_count);
    rs_emit_all(room, rs_event("control", "ended", "{s:s}", "by", by), NULL);
    while (room->lobby_head) {
        struct rs_participant *p = room->lobby_head;
        /* the room is freed with its last lobby entry when nobody is in it */
        int last = room->count == 0 && room->lobby_count == 1;
        if (p->peer)
            rs_emit_peer(p->peer, rs_event("control", "ended", "{s:s}", "by", by));
        rs_room_lobby_remove(p, "gone");
        if (last)
            return;
    }
    while (room->head) {
        int last = room->count == 1;
        rs_room_leave(room->head, "ended");
        if (last)
            return;
    }
}

void rs_room_close_all(struct rs_room *room)
{
    rs_emit_all(room,
                rs_event("control", "error", "{s:s, s:s}", "code", "not_found", "text",
                         "the meeting was deleted"),
                NULL);
    while (room->lobby_head) {
        struct rs_participant *p = room->lobby_head;
        /* the room is freed with its last lobby entry when nobody is in it */
        int last = room->count == 0 && room->lobby_count == 1;
        rs_peer_close(p->peer, 1000, "meeting_deleted");
        rs_room_lobby_remove(p, "gone");
        if (last)
            return;
    }
    while (room->head) {
        struct rs_participant *p = room->head;
        struct rs_peer *peer = p->peer;
        int last = room->count == 1;
        /* another node's audience member: its leaving hook told its node, and its stand-in
         * peer may go with the room (room/cascade_member.c) */
        bool member = p->cascade_member;
        rs_room_leave(p, "meeting_deleted");
        if (!member)
            rs_peer_close(peer, 1000, "meeting_deleted");
        if (last)
            return;
    }
}

void rs_room_moved_away(struct rs_room *room)
{
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    err.ns = "control";
    rs_msg_error_set(&err, RS_ERR_MOVED, NULL, "%s",
                     "the meeting moved to another server; reconnecting");
    RS_INFO("room", "event=moved_away room=%s count=%u waiting=%u", room->id, room->count,
            room->lobby_count);
    room->handed_over = true; /* the participants leave here, not the meeting */
    while (room->lobby_head) {
        struct rs_participant *p = room->lobby_head;
        int last = room->count == 0 && room->lobby_count == 1;
        if (p->peer) {
            rs_metric_error(RS_ERR_MOVED);
            rs_emit_peer(p->peer, rs_event("control", "error", "{s:s, s:s}", "code", "moved",
                                           "text", err.text));
        }
        rs_peer_close(p->peer, 1000, "moved");
        rs_room_lobby_remove(p, "gone");
        if (last)
            return;
    }
    while (room->head) {
        struct rs_participant *p = room->head;
        struct rs_peer *peer = p->peer;
        int last = room->count == 1;
        if (peer) {
            rs_metric_error(RS_ERR_MOVED);
            rs_emit_peer(peer, rs_event("control", "error", "{s:s, s:s}", "code", "moved", "text",
                                        err.text));
        }
        bool member = p->cascade_member; /* as in rs_room_close_all */
        rs_room_leave(p, "moved");
        if (!member)
            rs_peer_close(peer, 1000, "moved");
        if (last)
            return;
    }
}

unsigned rs_rooms_hand_over(struct rs_rooms *rooms, int64_t now_ms)
{
    unsigned left = 0;
    for (unsigned i = 0; i < BUCKETS; i++) {
        struct rs_room *room = rooms->buckets[i];
        while (room) {
            struct rs_room *next = room->hnext; /* moving it away frees it */
            if (room->edge) {
                /* the audience of another node's room: sent to that node (the cascade) */
                rs_room_edge_moved(room);
            } else if (rs_room_snapshot_write(room, now_ms)) {
                left++;
            } else {
                rs_metric_inc(RS_M_CLUSTER_ROOMS_MOVED);
                room->handed_over = true;
                /* the lease goes first, so that the reconnecting pages find the room free */
                if (room->app->room_owner.release)
                    room->app->room_owner.release(room->app->room_owner.user, room->id);
                RS_INFO("cluster", "event=room_handed_over room=%s participants=%u", room->id,
                        room->count);
                rs_room_moved_away(room);
            }
            room = next;
        }
    }
    return left;
}

void rs_room_edge_moved(struct rs_room *room)
{
    if (!room->edge)
        return;
    const struct rs_room_moved *to = &room->edge_owner;
    RS_INFO("room", "event=edge_moved room=%s owner=%s count=%u", room->id, to->node,
            rs_room_real_count(room));
    for (;;) {
        struct rs_participant *p = room->head;
        while (p && p->mirror)
            p = p->next;
        if (!p)
            return;
        struct rs_peer *peer = p->peer;
        bool last = rs_room_real_count(room) == 1; /* then the room goes with it */
        if (peer) {
            rs_metric_error(RS_ERR_MOVED);
            rs_emit_peer(peer, rs_event("control", "error", "{s:s, s:s, s:s, s:s}", "code", "moved",
                                        "url", to->url, "node", to->node, "text",
                                        "the meeting's audience is served by another server now"));
        }
        rs_room_leave(p, "moved");
        rs_peer_close(peer, 1000, "moved");
        if (last)
            return;
    }
}

void rs_rooms_set_edge_forward(struct rs_rooms *rooms,
                               int (*fn)(struct rs_participant *p, json_t *msg))
{
    rooms->edge_forward = fn;
}

int rs_room_edge_forward(struct rs_participant *p, const struct rs_msg *msg,
                         struct rs_msg_error *err)
{
    int (*fn)(struct rs_participant *, json_t *) = p->room->app->rooms->edge_forward;
    if (!fn || !rs_cascade_member_ns_ok(msg->feature->ns)) {
        rs_msg_error_set(err, RS_ERR_FORBIDDEN, NULL, "%s",
                         "the audience on this server may not do this");
        return -EACCES;
    }
    int rc = fn(p, msg->root);
    if (rc == -E2BIG) {
        rs_msg_error_set(err, RS_ERR_TOO_LONG, NULL, "the message is too long");
        return rc;
    }
    if (rc) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "%s",
                         "the meeting's server cannot be reached right now; try again");
        return rc;
    }
    return 0;
}

void rs_room_audience_changed(struct rs_room *room)
{
    EACH_FEATURE(room->app->rooms, f)
    if (f->audience_changed)
        f->audience_changed(room);
}

/* `p` is reconnecting from now on: the others are told, the grace period runs. */
static void mark_reconnecting(struct rs_participant *p, const char *why)
{
    p->reconnecting_since_ms = rs_wall_ms();
    rs_metric_inc(RS_M_PARTICIPANTS_RECONNECTING);
    RS_INFO("room", "event=reconnecting room=%s participant=%s why=%s grace_s=%u", p->room->id,
            p->id, why, p->room->app->cfg.resume_grace_s);
    rs_emit_participant_updated(p);
}

void rs_room_peer_gone(struct rs_peer *peer, const char *reason)
{
    struct rs_participant *p = peer->participant;
    if (!p)
        return;
    /* only a client that pings will come back: a script or an old page leaves at once */
    if (strcmp(reason, "lost") == 0 &&
        (p->waiting || !peer->pings || !p->room->app->cfg.resume_grace_s))
        reason = "disconnected";
    if (strcmp(reason, "lost") != 0) {
        rs_room_leave(p, reason);
        return;
    }
    /* Kept, with everything the features hold for it; only the socket is gone. Events meant
     * for it go nowhere (events.c skips a participant without peer) until it resumes. */
    peer->participant = NULL;
    p->peer = NULL;
    if (!p->reconnecting_since_ms) /* else silent before: the grace counts from then */
        mark_reconnecting(p, "lost");
}

void rs_room_peer_silent(struct rs_peer *peer)
{
    struct rs_participant *p = peer->participant;
    if (p && !p->waiting && !p->reconnecting_since_ms && p->room->app->cfg.resume_grace_s)
        mark_reconnecting(p, "silent");
}

void rs_room_peer_alive(struct rs_peer *peer)
{
    struct rs_participant *p = peer->participant;
    if (!p || !p->reconnecting_since_ms || p->peer != peer)
        return;
    rs_metric_dec(RS_M_PARTICIPANTS_RECONNECTING);
    RS_INFO("room", "event=connection_back room=%s participant=%s away_ms=%lld", p->room->id,
            p->id, (long long)(rs_wall_ms() - p->reconnecting_since_ms));
    p->reconnecting_since_ms = 0;
    rs_emit_participant_updated(p);
}

void rs_room_resume(struct rs_participant *p, struct rs_peer *peer, json_t *ref)
{
    if (p->peer) {
        /* a connection that fell silent without closing (the network dropped it): the new one
         * takes over, the old one is closed and no longer speaks for `p` */
        struct rs_peer *old = p->peer;
        old->participant = NULL;
        rs_peer_close(old, 1000, "resumed");
    }
    if (p->reconnecting_since_ms)
        rs_metric_dec(RS_M_PARTICIPANTS_RECONNECTING);
    int64_t away_ms = p->reconnecting_since_ms ? rs_wall_ms() - p->reconnecting_since_ms : 0;
    p->reconnecting_since_ms = 0;
    p->peer = peer;
    peer->participant = p;
    RS_INFO("room", "event=resumed room=%s participant=%s away_ms=%lld", p->room->id, p->id,
            (long long)away_ms);
    send_joined(p, ref, true);
    rs_emit_participant_updated(p);
    EACH_FEATURE(p->room->app->rooms, f)
    if (f->resumed)
        f->resumed(p);
}

void rs_room_expire_reconnecting(struct rs_room *room, int64_t now_ms)
{
    int64_t grace_ms = (int64_t)room->app->cfg.resume_grace_s * 1000;
    struct rs_participant *p = room->head;
    while (p) {
        struct rs_participant *next = p->next;
        if (p->reconnecting_since_ms && now_ms - p->reconnecting_since_ms >= grace_ms) {
            bool last = room->count == 1 && room->lobby_count == 0; /* the room goes with it */
            struct rs_peer *silent = p->peer; /* a socket that never closed: closed now */
            rs_room_leave(p, "timeout");
            rs_peer_close(silent, 1001, "timeout");
            if (last)
                return;
        }
        p = next;
    }
}

/* Whether `q` is told that a participant left: an audience member hears of no audience. */
static bool told_of_leave(const struct rs_participant *q, void *audience)
{
    return !*(bool *)audience || !rs_podium_audience(q);
}

/* Takes `p` out of the room's list: the features drop their state, the others are told,
 * moderation passes on if it was the last moderator. `p` itself stays allocated. */
static void room_unlink(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
    /* asked before the podium feature forgets it; another node's relay: nobody is told */
    bool audience = rs_podium_audience(p);
    p->leave_reason = reason;
    if (p->cascade_relay)
        rs_cascade_member_relay_leaving(p); /* its node's audience goes first */
    features_leaving(p);
    if (room->audio_routes)
        rs_audio_routes_forget(room->audio_routes, p->id);
    if (p->prev)
        p->prev->next = p->next;
    else
        room->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        room->tail = p->prev;
    p->next = p->prev = NULL;
    room->count--;
    rs_metric_dec(RS_M_PARTICIPANTS);
    if (p->reconnecting_since_ms) {
        rs_metric_dec(RS_M_PARTICIPANTS_RECONNECTING);
        p->reconnecting_since_ms = 0;
    }
    rs_metric_dec(role_gauge(p->role));
    if (!p->cascade_relay)
        rs_emit_group(room,
                      rs_event("control", "participant_left", "{s:s, s:s}", "id", p->id, "reason",
                               reason),
                      told_of_leave, &audience);
    RS_INFO("room", "event=left room=%s participant=%s reason=%s count=%u", room->id, p->id, reason,
            room->count);
    /* Moderation must not vanish with the moderator: hand it to the longest-present
     * participant (never straight to a guest, nor to another node's audience member: its
     * browser is served there, which knows it only as audience, cascade_member.h). */
    if (p->role == RS_ROLE_MODERATOR && room->head && !room->rec.managed) {
        struct rs_participant *heir = NULL;
        int has_mod = 0;
        for (struct rs_participant *q = room->head; q; q = q->next) {
            has_mod |= q->role == RS_ROLE_MODERATOR;
            if (!heir && q->role == RS_ROLE_PARTICIPANT && !q->cascade_member)
                heir = q;
        }
        if (!has_mod && heir) {
            rs_participant_set_role(heir, RS_ROLE_MODERATOR);
            rs_emit_participant_updated(heir);
        }
    }
}

static void room_changed(struct rs_room *room)
{
    EACH_FEATURE(room->app->rooms, f)
    if (f->room_changed)
        f->room_changed(room);
}

int rs_room_to_lobby(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    if (p->waiting || !p->peer || p->cascade_member)
        return -EINVAL;
    room_unlink(p, "sent_to_lobby");
    /* a fresh start when admitted again: the features' state went with room_unlink */
    memset(p->state, 0, sizeof(p->state));
    rs_emit_one(p, rs_event("lobby", "waiting", "{s:s, s:s, s:s, s:s}", "id", p->id, "room",
                            room->id, "title", room->rec.title, "reason", "sent_back"));
    rs_room_lobby_enter(p);
    room_changed(room);
    return 0;
}

void rs_room_leave(struct rs_participant *p, const char *reason)
{
    struct rs_room *room = p->room;
    if (p->waiting) {
        rs_room_lobby_remove(p, "gone");
        return;
    }
    room_unlink(p, reason);
    if (p->peer)
        p->peer->participant = NULL;
    free(p);
    room_changed(room);
    rs_room_close_if_empty(room);
}
