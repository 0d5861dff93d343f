/* SPDX-License-Identifier: EUPL-1.2 */
/* The `speakers` feature: the speakers' list ("Redeliste") of a formal session.
 *
 * Participants ask for the floor and may withdraw; a point-of-order request ("Antrag zur
 * Geschäftsordnung") goes before every ordinary request, after earlier points of order. The
 * chair gives the floor to the next one or to anyone, skips, moves people in the list, ends a
 * turn, or lets the list run by itself ("auto": when a turn ends, the next one starts). A turn
 * may have a time limit; when it runs out the turn ends (room tick). The floor holder may speak
 * under a microphone restriction (room/chair.c rs_chair_set_floor); its client opens its
 * microphone. Speaking time is added up per person and kept after they leave, for the minutes.
 *
 * Everyone gets the whole list after every change (`speakers/state`): it is short (at most
 * SPEAKERS_MAX_QUEUE) and changes at the pace of people, and a client never has to merge
 * deltas. The subtle point is leaving: a participant's leaving hook runs while the room is
 * being changed (or freed), so it only records what happened; the room_changed hook that
 * follows a real leave moves the list on and tells everyone.
 *
 * In a managed meeting every finished turn is also written to the store (store_speaking.h) for
 * the meeting's record: whatever ends it (next, give, end, the time limit, the speaker leaving,
 * the room closing) passes through end_turn. Who spoke is copied when the turn starts, so the
 * row does not depend on the participant still being found when it ends; so is the agenda item
 * current at its start (the store's current item), which the turn belongs to even when the
 * chair moves on to the next item before it ends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/chair.h"
#include "room/events.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "room/speakers.h"
#include "store/store_agenda.h"
#include "store/store_speaking.h"

#define SPEAKERS_MAX_QUEUE 200
#define SPEAKERS_MAX_STATS 1000
#define SPEAKERS_MAX_TIME_S 3600

struct request {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    bool point_of_order;
    int64_t since_ms;
};

struct tally {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    unsigned turns;
    int64_t spoken_ms;
};

struct speakers {
    struct request queue[SPEAKERS_MAX_QUEUE];
    unsigned n_queue;
    char current[RS_PARTICIPANT_ID_LEN + 1]; /* "" when nobody holds the floor */
    bool current_point_of_order;
    struct rs_speaking_turn turn; /* the running turn as it will be stored */
    int64_t started_ms, ends_ms;  /* ends_ms 0: no limit */
    bool auto_advance;
    unsigned time_limit_s; /* 0: none */
    bool dirty;            /* changed by a leave: tell everyone at room_changed */
    struct tally *stats;
    unsigned n_stats;
};

static struct speakers **slot(struct rs_room *room)
{
    return (struct speakers **)rs_room_state(room, &rs_speakers_feature);
}

static struct speakers *get(const struct rs_room *room)
{
    return *slot((struct rs_room *)room);
}

static struct speakers *get_or_new(struct rs_room *room)
{
    struct speakers **s = slot(room);
    if (!*s)
        *s = calloc(1, sizeof(**s));
    return *s;
}

static int find(const struct speakers *s, const char *id)
{
    for (unsigned i = 0; i < s->n_queue; i++)
        if (strcmp(s->queue[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void queue_remove(struct speakers *s, unsigned i)
{
    memmove(&s->queue[i], &s->queue[i + 1], (s->n_queue - i - 1) * sizeof(s->queue[0]));
    s->n_queue--;
}

static struct tally *tally_of(struct speakers *s, const struct rs_participant *p)
{
    for (unsigned i = 0; i < s->n_stats; i++)
        if (strcmp(s->stats[i].id, p->id) == 0)
            return &s->stats[i];
    if (s->n_stats == SPEAKERS_MAX_STATS)
        return NULL;
    struct tally *grown = realloc(s->stats, (s->n_stats + 1) * sizeof(*grown));
    if (!grown)
        return NULL;
    s->stats = grown;
    struct tally *t = &s->stats[s->n_stats++];
    memset(t, 0, sizeof(*t));
    memcpy(t->id, p->id, sizeof(t->id));
    return t;
}

/* ---- the state as clients see it ---- */

static json_t *state_json(struct rs_room *room, const struct speakers *s)
{
    json_t *queue = json_array();
    for (unsigned i = 0; s && i < s->n_queue; i++) {
        const struct rs_participant *p = rs_room_participant(room, s->queue[i].id);
        json_array_append_new(
            queue, json_pack("{s:s, s:s, s:b, s:I}", "id", s->queue[i].id, "display_name",
                             p ? p->display_name : "", "point_of_order", s->queue[i].point_of_order,
                             "since", (json_int_t)s->queue[i].since_ms));
    }
    json_t *speaker = json_null();
    if (s && s->current[0]) {
        const struct rs_participant *p = rs_room_participant(room, s->current);
        speaker = json_pack("{s:s, s:s, s:b, s:I, s:o}", "id", s->current, "display_name",
                            p ? p->display_name : "", "point_of_order", s->current_point_of_order,
                            "started_at", (json_int_t)s->started_ms, "ends_at",
                            s->ends_ms ? json_integer(s->ends_ms) : json_null());
    }
    return json_pack("{s:o, s:o, s:b, s:i, s:I}", "queue", queue, "speaker", speaker, "auto",
                     s && s->auto_advance, "time_limit_s", s ? (int)s->time_limit_s : 0, "now",
                     (json_int_t)rs_wall_ms());
}

static void tell_all(struct rs_room *room)
{
    json_t *ev = rs_event("speakers", "state", NULL);
    json_t *st = state_json(room, get(room));
    if (ev && st)
        json_object_update(ev, st);
    json_decref(st);
    rs_emit_all(room, ev, NULL);
}

/* ---- turns ---- */

/* Whether the room's turns are stored: managed meetings only, as the attendance list. */
static bool keeps_turns(const struct rs_room *room)
{
    return room->rec.managed && room->app && room->app->store;
}

static int find_current_item(const struct rs_agenda_item_record *item, void *arg)
{
    if (!item->started_at_ms || item->ended_at_ms)
        return 0;
    snprintf(arg, RS_AGENDA_ITEM_ID_LEN + 1, "%s", item->id);
    return 1;
}

/* Writes the finished turn to the store. */
static void store_turn(struct rs_room *room, struct speakers *s, int64_t duration_ms)
{
    struct rs_app *app = room->app;
    if (!keeps_turns(room) || room->handed_over)
        return; /* handed over: the next owner ends the turn and stores it (room/snapshot.h) */
    s->turn.duration_ms = duration_ms;
    if (rs_store_speaking_add(app->store, &s->turn)) {
        /* the meeting goes on; the gap is logged and counted */
        rs_metric_inc(RS_M_SPEAKING_TURN_WRITE_FAILED);
        RS_WARN("room", "event=turn_not_written room=%s participant=%s", room->id,
                s->turn.participant_id);
        return;
    }
    rs_metric_inc(RS_M_SPEAKING_TURNS_STORED);
}

/* Ends the current turn (adds its time to the speaker's tally, stores it); the floor is free. */
static void end_turn(struct rs_room *room, struct speakers *s, int64_t now_ms)
{
    if (!s->current[0])
        return;
    int64_t spoken = now_ms > s->started_ms ? now_ms - s->started_ms : 0;
    struct rs_participant *p = rs_room_participant(room, s->current);
    struct tally *t = p ? tally_of(s, p) : NULL;
    if (t) {
        snprintf(t->name, sizeof(t->name), "%s", p->display_name);
        t->turns++;
        t->spoken_ms += spoken;
    }
    store_turn(room, s, spoken);
    RS_INFO("room", "event=floor_ended room=%s participant=%s", room->id, s->current);
    s->current[0] = 0;
    s->ends_ms = 0;
}

/* `p` holds the floor from `now_ms` (the turn's record as it will be stored). */
static void begin_turn(struct rs_room *room, struct speakers *s, struct rs_participant *p,
                       bool point_of_order, int64_t now_ms)
{
    memcpy(s->current, p->id, sizeof(s->current));
    s->current_point_of_order = point_of_order;
    s->started_ms = now_ms;
    s->ends_ms = s->time_limit_s ? now_ms + (int64_t)s->time_limit_s * 1000 : 0;
    struct rs_speaking_turn *t = &s->turn;
    memset(t, 0, sizeof(*t));
    snprintf(t->room_id, sizeof(t->room_id), "%s", room->id);
    snprintf(t->participant_id, sizeof(t->participant_id), "%s", p->id);
    snprintf(t->user_id, sizeof(t->user_id), "%s", p->user_id);
    snprintf(t->name, sizeof(t->name), "%s", p->display_name);
    t->started_at_ms = now_ms;
    t->point_of_order = point_of_order;
    /* the agenda item under discussion: the store knows which one is current */
    if (keeps_turns(room))
        rs_store_agenda_list(room->app->store, room->id, find_current_item, t->agenda_item);
}

static void start_turn(struct rs_room *room, struct speakers *s, struct rs_participant *p,
                       bool point_of_order, int64_t now_ms)
{
    begin_turn(room, s, p, point_of_order, now_ms);
    rs_metric_inc(RS_M_SPEAKERS_TURNS);
    RS_INFO("room", "event=floor_given room=%s participant=%s", room->id, p->id);
}

/* The first in the list gets the floor (or nobody, when the list is empty). */
static void give_next(struct rs_room *room, struct speakers *s, int64_t now_ms)
{
    end_turn(room, s, now_ms);
    while (s->n_queue) {
        struct request r = s->queue[0];
        queue_remove(s, 0);
        struct rs_participant *p = rs_room_participant(room, r.id);
        if (p) {
            start_turn(room, s, p, r.point_of_order, now_ms);
            break;
        }
    }
}

/* After any change: the chair's floor follows, everyone is told. */
static void changed(struct rs_room *room, struct speakers *s)
{
    rs_chair_set_floor(room, s->current[0] ? rs_room_participant(room, s->current) : NULL);
    tell_all(room);
}

/* ---- actions ---- */

static int oom(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

static int act_request(struct rs_call *c)
{
    struct speakers *s = get_or_new(c->room);
    if (!s)
        return oom(c);
    bool poo = c->arg[0].present && c->arg[0].num;
    if (strcmp(s->current, c->self->id) == 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, NULL, "you have the floor already");
        return -EINVAL;
    }
    int at = find(s, c->self->id);
    if (at >= 0) {
        if (s->queue[at].point_of_order == poo)
            return 0; /* asked already: a double click keeps the place */
        queue_remove(s, (unsigned)at);
    } else if (s->n_queue == SPEAKERS_MAX_QUEUE) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, NULL,
                         "the speakers' list is full (%d requests)", SPEAKERS_MAX_QUEUE);
        return -E2BIG;
    }
    /* a point of order goes after the earlier points of order, before everyone else */
    unsigned pos = s->n_queue;
    if (poo) {
        pos = 0;
        while (pos < s->n_queue && s->queue[pos].point_of_order)
            pos++;
    }
    memmove(&s->queue[pos + 1], &s->queue[pos], (s->n_queue - pos) * sizeof(s->queue[0]));
    s->n_queue++;
    struct request *r = &s->queue[pos];
    memset(r, 0, sizeof(*r));
    memcpy(r->id, c->self->id, sizeof(r->id));
    r->point_of_order = poo;
    r->since_ms = rs_wall_ms();
    rs_metric_inc(RS_M_SPEAKERS_REQUESTS);
    if (s->auto_advance && !s->current[0])
        give_next(c->room, s, rs_wall_ms());
    changed(c->room, s);
    return 0;
}

static int act_withdraw(struct rs_call *c)
{
    struct speakers *s = get(c->room);
    int at = s ? find(s, c->self->id) : -1;
    if (at < 0)
        return 0;
    queue_remove(s, (unsigned)at);
    changed(c->room, s);
    return 0;
}

static int act_next(struct rs_call *c)
{
    struct speakers *s = get_or_new(c->room);
    if (!s)
        return oom(c);
    give_next(c->room, s, rs_wall_ms());
    changed(c->room, s);
    return 0;
}

static int act_give(struct rs_call *c)
{
    struct rs_participant *p = rs_room_participant(c->room, c->arg[0].str);
    if (!p) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "no participant with this id");
        return -EINVAL;
    }
    struct speakers *s = get_or_new(c->room);
    if (!s)
        return oom(c);
    int64_t now = rs_wall_ms();
    int at = find(s, p->id);
    bool poo = at >= 0 && s->queue[at].point_of_order;
    if (at >= 0)
        queue_remove(s, (unsigned)at);
    end_turn(c->room, s, now);
    start_turn(c->room, s, p, poo, now);
    changed(c->room, s);
    return 0;
}

static int act_end(struct rs_call *c)
{
    struct speakers *s = get(c->room);
    bool mine = s && strcmp(s->current, c->self->id) == 0;
    if (!mine && c->self->role != RS_ROLE_MODERATOR) {
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL,
                         "only the chair or the one who has the floor can end a turn");
        return -EPERM;
    }
    if (!s || !s->current[0])
        return 0;
    if (s->auto_advance)
        give_next(c->room, s, rs_wall_ms());
    else
        end_turn(c->room, s, rs_wall_ms());
    changed(c->room, s);
    return 0;
}

static int act_skip(struct rs_call *c)
{
    struct speakers *s = get(c->room);
    int at = s ? find(s, c->arg[0].str) : -1;
    if (at < 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "not on the speakers' list");
        return -EINVAL;
    }
    queue_remove(s, (unsigned)at);
    changed(c->room, s);
    return 0;
}

static int act_move(struct rs_call *c)
{
    struct speakers *s = get(c->room);
    int at = s ? find(s, c->arg[0].str) : -1;
    if (at < 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "not on the speakers' list");
        return -EINVAL;
    }
    unsigned to = (unsigned)c->arg[1].num - 1; /* 1-based on the wire */
    if (to >= s->n_queue)
        to = s->n_queue - 1;
    struct request r = s->queue[at];
    queue_remove(s, (unsigned)at);
    memmove(&s->queue[to + 1], &s->queue[to], (s->n_queue - to) * sizeof(s->queue[0]));
    s->queue[to] = r;
    s->n_queue++;
    changed(c->room, s);
    return 0;
}

enum { SET_AUTO, SET_TIME };

static int act_settings(struct rs_call *c)
{
    struct speakers *s = get_or_new(c->room);
    if (!s)
        return oom(c);
    if (c->arg[SET_AUTO].present)
        s->auto_advance = c->arg[SET_AUTO].num;
    if (c->arg[SET_TIME].present) {
        s->time_limit_s = (unsigned)c->arg[SET_TIME].num;
        /* the running turn gets the new limit from its start */
        if (s->current[0])
            s->ends_ms = s->time_limit_s ? s->started_ms + (int64_t)s->time_limit_s * 1000 : 0;
    }
    if (s->auto_advance && !s->current[0] && s->n_queue)
        give_next(c->room, s, rs_wall_ms());
    changed(c->room, s);
    return 0;
}

json_t *rs_speakers_stats(struct rs_room *room)
{
    struct speakers *s = get(room);
    json_t *list = json_array();
    int64_t now = rs_wall_ms();
    bool running_counted = false;
    for (unsigned i = 0; s && i < s->n_stats; i++) {
        const struct tally *t = &s->stats[i];
        bool running = strcmp(s->current, t->id) == 0;
        running_counted |= running;
        int64_t ms = t->spoken_ms + (running ? now - s->started_ms : 0);
        json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:I}", "id", t->id, "display_name",
                                              t->name, "turns", (int)t->turns + running,
                                              "spoken_s", (json_int_t)(ms / 1000)));
    }
    if (s && s->current[0] && !running_counted) { /* the first turn of the one speaking now */
        const struct rs_participant *p = rs_room_participant(room, s->current);
        json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:I}", "id", s->current,
                                              "display_name", p ? p->display_name : "", "turns", 1,
                                              "spoken_s", (json_int_t)((now - s->started_ms) / 1000)));
    }
    return list;
}

static int act_stats(struct rs_call *c)
{
    rs_emit_reply(c, rs_event("speakers", "stats", "{s:o}", "people", rs_speakers_stats(c->room)));
    return 0;
}

/* ---- hooks ---- */

static void speakers_welcome(struct rs_participant *p, json_t *ev)
{
    json_object_set_new(ev, "speakers", state_json(p->room, get(p->room)));
}

static void speakers_leaving(struct rs_participant *p)
{
    struct speakers *s = get(p->room);
    if (!s)
        return;
    int at = find(s, p->id);
    if (at >= 0) {
        queue_remove(s, (unsigned)at);
        s->dirty = true;
    }
    if (strcmp(s->current, p->id) == 0) {
        end_turn(p->room, s, rs_wall_ms());
        s->dirty = true;
    }
}

static void speakers_room_changed(struct rs_room *room)
{
    struct speakers *s = get(room);
    if (!s || !s->dirty)
        return;
    s->dirty = false;
    if (s->auto_advance && !s->current[0])
        give_next(room, s, rs_wall_ms());
    changed(room, s);
}

static void speakers_tick(struct rs_room *room, int64_t now_ms)
{
    struct speakers *s = get(room);
    if (!s || !s->current[0] || !s->ends_ms || now_ms < s->ends_ms)
        return;
    RS_INFO("room", "event=floor_time_up room=%s participant=%s", room->id, s->current);
    if (s->auto_advance)
        give_next(room, s, now_ms);
    else
        end_turn(room, s, now_ms);
    changed(room, s);
}

static void speakers_room_free(struct rs_room *room)
{
    struct speakers **s = slot(room);
    if (*s)
        free((*s)->stats);
    free(*s);
    *s = NULL;
}

/* ---- failover (room/snapshot.h) ---- */

static json_t *speakers_save(struct rs_room *room)
{
    struct speakers *s = get(room);
    if (!s)
        return NULL;
    json_t *queue = json_array(), *stats = json_array();
    for (unsigned i = 0; queue && i < s->n_queue; i++)
        json_array_append_new(queue, json_pack("{s:s, s:b, s:I}", "id", s->queue[i].id, "poo",
                                               s->queue[i].point_of_order, "since",
                                               (json_int_t)s->queue[i].since_ms));
    for (unsigned i = 0; stats && i < s->n_stats; i++)
        json_array_append_new(stats, json_pack("{s:s, s:s, s:i, s:I}", "id", s->stats[i].id, "name",
                                               s->stats[i].name, "turns", (int)s->stats[i].turns,
                                               "ms", (json_int_t)s->stats[i].spoken_ms));
    json_t *j = json_pack("{s:o, s:o, s:b, s:i}", "queue", queue, "stats", stats, "auto",
                          s->auto_advance, "limit", (int)s->time_limit_s);
    if (j && s->current[0])
        json_object_set_new(j, "current",
                            json_pack("{s:s, s:b, s:I, s:I, s:s}", "id", s->current, "poo",
                                      s->current_point_of_order, "started",
                                      (json_int_t)s->started_ms, "ends", (json_int_t)s->ends_ms,
                                      "item", s->turn.agenda_item));
    return j;
}

static bool bool_of(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static int speakers_restore(struct rs_room *room, json_t *part)
{
    json_t *queue = json_object_get(part, "queue"), *stats = json_object_get(part, "stats");
    json_t *cur = json_object_get(part, "current");
    int64_t limit;
    if (!json_is_array(queue) || json_array_size(queue) > SPEAKERS_MAX_QUEUE ||
        !json_is_array(stats) || json_array_size(stats) > SPEAKERS_MAX_STATS ||
        !rs_snapshot_int(part, "limit", 0, SPEAKERS_MAX_TIME_S, &limit) ||
        (cur && !json_is_object(cur)))
        return -EBADMSG;
    struct speakers *s = get_or_new(room);
    if (!s)
        return -ENOMEM;
    s->auto_advance = bool_of(part, "auto");
    s->time_limit_s = (unsigned)limit;
    int rc = 0;
    size_t i;
    json_t *v;
    json_array_foreach(queue, i, v)
    {
        const char *id = rs_snapshot_str(v, "id");
        int64_t since;
        if (!rs_snapshot_participant_id_ok(id) ||
            !rs_snapshot_int(v, "since", 0, INT64_MAX / 2, &since)) {
            rc = -EBADMSG;
            continue;
        }
        if (!rs_room_participant(room, id) || find(s, id) >= 0)
            continue; /* gone before the snapshot was written, or a repeat */
        struct request *r = &s->queue[s->n_queue++];
        memset(r, 0, sizeof(*r));
        snprintf(r->id, sizeof(r->id), "%s", id);
        r->point_of_order = bool_of(v, "poo");
        r->since_ms = since;
    }
    json_array_foreach(stats, i, v)
    {
        const char *id = rs_snapshot_str(v, "id"), *name = rs_snapshot_str(v, "name");
        int64_t turns, ms;
        if (!rs_snapshot_participant_id_ok(id) || !name ||
            strlen(name) > RS_DISPLAY_NAME_MAX_BYTES ||
            !rs_snapshot_int(v, "turns", 0, 1000000, &turns) ||
            !rs_snapshot_int(v, "ms", 0, INT64_MAX / 2, &ms)) {
            rc = -EBADMSG;
            continue;
        }
        struct tally *grown = realloc(s->stats, (s->n_stats + 1) * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        s->stats = grown;
        struct tally *t = &s->stats[s->n_stats++];
        memset(t, 0, sizeof(*t));
        snprintf(t->id, sizeof(t->id), "%s", id);
        snprintf(t->name, sizeof(t->name), "%s", name);
        t->turns = (unsigned)turns;
        t->spoken_ms = ms;
    }
    if (cur) {
        const char *id = rs_snapshot_str(cur, "id"), *item = rs_snapshot_str(cur, "item");
        int64_t started, ends;
        struct rs_participant *p =
            rs_snapshot_participant_id_ok(id) ? rs_room_participant(room, id) : NULL;
        if (!rs_snapshot_int(cur, "started", 0, INT64_MAX / 2, &started) ||
            !rs_snapshot_int(cur, "ends", 0, INT64_MAX / 2, &ends) || !item ||
            strlen(item) > RS_AGENDA_ITEM_ID_LEN)
            return -EBADMSG;
        if (p) {
            /* the turn goes on; its row is stored when it ends, here */
            begin_turn(room, s, p, bool_of(cur, "poo"), started); /* counted where it started */
            s->ends_ms = ends;
            snprintf(s->turn.agenda_item, sizeof(s->turn.agenda_item), "%s", item);
        }
    }
    rs_chair_set_floor(room, s->current[0] ? rs_room_participant(room, s->current) : NULL);
    return rc;
}

#define ID_FIELD {.name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32}

static const struct rs_action actions[] = {
    {.name = "request",
     .fn = act_request,
     .need = RS_NEED_JOINED,
     .fields = {{.name = "point_of_order", .type = RS_FIELD_BOOL}}},
    {.name = "withdraw", .fn = act_withdraw, .need = RS_NEED_JOINED},
    {.name = "end", .fn = act_end, .need = RS_NEED_JOINED},
    {.name = "next", .fn = act_next, .need = RS_NEED_CHAIR},
    {.name = "give", .fn = act_give, .need = RS_NEED_CHAIR, .fields = {ID_FIELD}},
    {.name = "skip", .fn = act_skip, .need = RS_NEED_CHAIR, .fields = {ID_FIELD}},
    {.name = "move",
     .fn = act_move,
     .need = RS_NEED_CHAIR,
     .fields = {ID_FIELD,
                {.name = "position",
                 .type = RS_FIELD_INT,
                 .flags = RS_FIELD_REQUIRED,
                 .min = 1,
                 .max = SPEAKERS_MAX_QUEUE}}},
    {.name = "settings",
     .fn = act_settings,
     .need = RS_NEED_CHAIR,
     .fields = {[SET_AUTO] = {.name = "auto", .type = RS_FIELD_BOOL},
                [SET_TIME] = {.name = "time_limit_s",
                              .type = RS_FIELD_INT,
                              .min = 0,
                              .max = SPEAKERS_MAX_TIME_S}}},
    {.name = "stats", .fn = act_stats, .need = RS_NEED_JOINED},
    {.name = NULL},
};

const struct rs_feature rs_speakers_feature = {
    .ns = "speakers",
    .actions = actions,
    .welcome = speakers_welcome,
    .leaving = speakers_leaving,
    .room_changed = speakers_room_changed,
    .room_free = speakers_room_free,
    .tick = speakers_tick,
    .save = speakers_save,
    .restore = speakers_restore,
};
