/* SPDX-License-Identifier: EUPL-1.2 */
/* The `breakout` feature: sub-rooms of a meeting without new connections.
 *
 * The chair opens 1..RS_BREAKOUT_ROOMS_MAX named sub-rooms; people are placed by the chair
 * (`assign`, any mode), spread at random when opening (mode `random`: everyone but the chair
 * holders and the caller), or choose themselves (mode `choose`). A chair may visit a sub-room
 * (it is listed as a visitor there and counts as in it), broadcast a text to every place, and
 * close breakout; a duration closes it in the room tick. Nothing of it is stored.
 *
 * Moving costs no new RTCPeerConnection: every track stays negotiated in every subscriber's
 * connection and the SFU only switches subscriptions on and off (sfu/visibility.c asks
 * rs_breakout_allows for each and ANDs it with the chair's rules, the audio routes and
 * last-N). So a place change is: change the state, run rs_room_audience_changed (the media
 * plane first), then tell everyone the new `breakout/state` — in that order, so no client shows
 * a room whose media still flows elsewhere.
 *
 * The subtle part is the plenary speaker, whose audio a sub-room with `hear_plenary` receives:
 * the floor holder of the speakers' list if it is in the plenary, else the most recent active
 * speaker in the plenary (the SFU reports speakers through rs_breakout_note_active_speaker; we
 * keep the few most recent, since the latest may be in a sub-room). It depends on the floor
 * (which the chair feature announces through audience_changed), on speakers and on places, so
 * it is recomputed at each of these and, when it changes, everyone gets the cheap
 * `breakout/plenary_speaker`. Our audience_changed hook only recomputes and tells: it never
 * announces again, so it cannot recurse, and the SFU's hook (registered after the room's own
 * features) then sees the new speaker. A leave changes places only at room_changed, when the
 * leaver is gone (as room/whisper.c does).
 *
 * Chat: room chat while breakout is open reaches only the sender's place (room/chat.c asks
 * rs_breakout_place); a whisper never crosses places either, since the SFU ANDs both rules
 * and a whisperer's audio does not go to sub-rooms that hear the plenary. */
#include "room/breakout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "room/chair.h"
#include "room/events.h"
#include "room/room.h"
#include "room/session.h"
#include "room/whisper.h"

#define RECENT_SPEAKERS 8

enum mode { MODE_MANUAL, MODE_RANDOM, MODE_CHOOSE };
static const char *const mode_names[] = {"manual", "random", "choose", NULL};

struct sub_room {
    char name[RS_BREAKOUT_NAME_MAX_CHARS * 4 + 1];
    bool hear_plenary;
};

struct breakout {
    bool open;
    bool dirty; /* a leave changed places: announce at room_changed */
    enum mode mode;
    int64_t ends_at_ms; /* 0: no end */
    unsigned n;         /* sub-rooms, ids 1..n */
    struct sub_room rooms[RS_BREAKOUT_ROOMS_MAX];
    char plenary_speaker[RS_PARTICIPANT_ID_LEN + 1]; /* "" when nobody */
    /* the most recent active speakers, newest first (kept while closed too) */
    unsigned n_recent;
    char recent[RECENT_SPEAKERS][RS_PARTICIPANT_ID_LEN + 1];
};

/* A participant's place while breakout is open (no slot: the plenary). */
struct place {
    unsigned room;
    bool visitor; /* a chair visiting `room` */
};

static struct breakout *get(const struct rs_room *room)
{
    return *(struct breakout **)rs_room_state((struct rs_room *)room, &rs_breakout_feature);
}

static struct breakout *get_or_new(struct rs_room *room)
{
    struct breakout **slot = (struct breakout **)rs_room_state(room, &rs_breakout_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

static struct place *place_of(const struct rs_participant *p)
{
    return *(struct place **)rs_participant_state((struct rs_participant *)p, &rs_breakout_feature);
}

bool rs_breakout_open(const struct rs_room *room)
{
    const struct breakout *b = room ? get(room) : NULL;
    return b && b->open;
}

int rs_breakout_place(const struct rs_participant *p)
{
    if (!p->room || !rs_breakout_open(p->room))
        return 0;
    const struct place *pl = place_of(p);
    return pl ? (int)pl->room : 0;
}

static bool is_visitor(const struct rs_participant *p)
{
    const struct place *pl = place_of(p);
    return pl && pl->visitor;
}

/* Moves `p` to sub-room `room` (0: the plenary). Returns 0, or -ENOMEM. */
static int set_place(struct rs_participant *p, unsigned room, bool visitor)
{
    struct place **slot = (struct place **)rs_participant_state(p, &rs_breakout_feature);
    if (room == 0) {
        free(*slot);
        *slot = NULL;
        return 0;
    }
    if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
        return -ENOMEM;
    (*slot)->room = room;
    (*slot)->visitor = visitor;
    return 0;
}

bool rs_breakout_allows(const struct rs_room *room, const struct rs_participant *listener,
                        const struct rs_participant *speaker, bool audio)
{
    const struct breakout *b = get(room);
    if (!b || !b->open)
        return true;
    int l = rs_breakout_place(listener), s = rs_breakout_place(speaker);
    if (l == s)
        return true;
    /* a sub-room that hears the plenary gets the plenary speaker's audio, nothing else; not
     * while it whispers: a whisper is not the plenary's and does not cross places, even to a
     * member of its group (the audio routes would let that one through) */
    return audio && s == 0 && b->plenary_speaker[0] &&
           strcmp(b->plenary_speaker, speaker->id) == 0 && b->rooms[l - 1].hear_plenary &&
           !rs_whisper_active(speaker);
}

/* ---- the plenary speaker ---- */

static const char *plenary_speaker(struct rs_room *room, const struct breakout *b)
{
    const struct rs_participant *f = rs_chair_floor_holder(room);
    if (f && rs_breakout_place(f) == 0)
        return f->id;
    for (unsigned i = 0; i < b->n_recent; i++) {
        const struct rs_participant *p = rs_room_participant(room, b->recent[i]);
        if (p && rs_breakout_place(p) == 0)
            return p->id;
    }
    return "";
}

/* Recomputes the plenary speaker; true when it changed. */
static bool update_speaker(struct rs_room *room, struct breakout *b)
{
    const char *id = b->open ? plenary_speaker(room, b) : "";
    if (strcmp(id, b->plenary_speaker) == 0)
        return false;
    snprintf(b->plenary_speaker, sizeof(b->plenary_speaker), "%s", id);
    return true;
}

static json_t *speaker_json(const struct breakout *b)
{
    return b->plenary_speaker[0] ? json_string(b->plenary_speaker) : json_null();
}

static void tell_speaker(struct rs_room *room, const struct breakout *b)
{
    rs_emit_all(room,
                rs_event("breakout", "plenary_speaker", "{s:o}", "participant", speaker_json(b)),
                NULL);
}

void rs_breakout_note_active_speaker(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    struct breakout *b = room ? get_or_new(room) : NULL;
    if (!b)
        return;
    unsigned i = 0;
    while (i < b->n_recent && strcmp(b->recent[i], p->id) != 0)
        i++;
    if (i == b->n_recent && b->n_recent < RECENT_SPEAKERS)
        b->n_recent++;
    if (i == b->n_recent)
        i--; /* full: the least recent drops out */
    memmove(&b->recent[1], &b->recent[0], i * sizeof(b->recent[0]));
    snprintf(b->recent[0], sizeof(b->recent[0]), "%s", p->id);
    if (b->open && update_speaker(room, b)) {
        rs_room_audience_changed(room);
        tell_speaker(room, b);
    }
}

/* ---- telling ---- */

static bool in_place(const struct rs_participant *p, void *ctx)
{
    return rs_breakout_place(p) == *(const int *)ctx;
}

void rs_breakout_emit_place(struct rs_room *room, json_t *ev, int place)
{
    if (rs_breakout_open(room))
        rs_emit_group(room, ev, in_place, &place);
    else
        rs_emit_all(room, ev, NULL);
}

/* The state as `breakout/state` and control/joined carry it. Returns a new reference. */
static json_t *state_json(const struct rs_room *room, const struct breakout *b)
{
    if (!b || !b->open)
        return json_pack("{s:b}", "open", 0);
    json_t *members[RS_BREAKOUT_ROOMS_MAX], *visitors[RS_BREAKOUT_ROOMS_MAX];
    for (unsigned i = 0; i < b->n; i++) {
        members[i] = json_array();
        visitors[i] = json_array();
    }
    for (const struct rs_participant *p = room->head; p; p = p->next) {
        int k = rs_breakout_place(p);
        if (k > 0)
            json_array_append_new(is_visitor(p) ? visitors[k - 1] : members[k - 1],
                                  json_string(p->id));
    }
    json_t *rooms = json_array();
    for (unsigned i = 0; i < b->n; i++)
        json_array_append_new(rooms, json_pack("{s:I, s:s, s:b, s:o, s:o}", "id",
                                               (json_int_t)(i + 1), "name", b->rooms[i].name,
                                               "hear_plenary", b->rooms[i].hear_plenary, "members",
                                               members[i], "visitors", visitors[i]));
    return json_pack("{s:b, s:s, s:o, s:o, s:o}", "open", 1, "mode", mode_names[b->mode], "ends_at",
                     b->ends_at_ms ? json_integer(b->ends_at_ms) : json_null(), "rooms", rooms,
                     "plenary_speaker", speaker_json(b));
}

/* breakout/state to everyone; `reason` (may be NULL) goes with the one after a close. */
static void tell_state(struct rs_room *room, const struct breakout *b, const char *reason)
{
    json_t *ev = rs_event("breakout", "state", NULL);
    json_t *st = state_json(room, b);
    if (ev && st)
        json_object_update(ev, st);
    json_decref(st);
    if (ev && reason)
        json_object_set_new(ev, "reason", json_string(reason));
    rs_emit_all(room, ev, NULL);
}

/* After any change of places or settings: the media plane first, then the people. */
static void changed(struct rs_room *room, struct breakout *b)
{
    update_speaker(room, b); /* the state carries it */
    rs_room_audience_changed(room);
    tell_state(room, b, NULL);
}

/* Calls everyone back to the plenary. */
static void close_breakout(struct rs_room *room, struct breakout *b, const char *reason)
{
    for (struct rs_participant *p = room->head; p; p = p->next)
        set_place(p, 0, false);
    for (unsigned i = 0; i < b->n; i++)
        rs_metric_dec(RS_M_BREAKOUT_ROOMS);
    b->open = false;
    b->n = 0;
    b->ends_at_ms = 0;
    b->plenary_speaker[0] = 0;
    rs_metric_inc(strcmp(reason, "timeout") == 0 ? RS_M_BREAKOUT_TIMEOUTS : RS_M_BREAKOUT_CLOSED);
    RS_INFO("room", "event=breakout_closed room=%s reason=%s", room->id, reason);
    rs_room_audience_changed(room);
    tell_state(room, b, reason);
}

/* ---- actions ---- */

static int oom(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

/* The open breakout of the caller's room, or NULL with `err` filled (breakout_closed). */
static struct breakout *open_breakout(struct rs_call *c)
{
    struct breakout *b = get(c->room);
    if (!b || !b->open) {
        rs_msg_error_set(c->err, RS_ERR_BREAKOUT_CLOSED, NULL, "no breakout rooms are open");
        return NULL;
    }
    return b;
}

/* Checks that `room` (field `room`) names a place of `b`: 0..n (1..n without `plenary_ok`). */
static int room_arg(struct rs_call *c, const struct breakout *b, long long room, bool plenary_ok)
{
    if (room > (long long)b->n || (room == 0 && !plenary_ok)) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "room",
                         "no breakout room %lld: the rooms are %s1 to %u", room,
                         plenary_ok ? "0 (the plenary) and " : "", b->n);
        return -EINVAL;
    }
    return 0;
}

/* Moves `p` and counts it; the caller announces. */
static int move(struct rs_call *c, struct rs_participant *p, unsigned room, bool visitor)
{
    if (set_place(p, room, visitor))
        return oom(c);
    rs_metric_inc(RS_M_BREAKOUT_MOVES);
    RS_INFO("room", "event=breakout_move room=%s participant=%s place=%u visitor=%d by=%s",
            c->room->id, p->id, room, visitor, c->self->id);
    return 0;
}

/* Reads the `rooms` array of `open` into `out` (all or nothing). */
static int read_rooms(struct rs_call *c, json_t *arr, struct sub_room *out, unsigned *n)
{
    size_t i;
    json_t *v;
    if (json_array_size(arr) == 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "rooms", "open at least one room");
        return -EINVAL;
    }
    json_array_foreach(arr, i, v)
    {
        const char *name;
        json_t *hear = json_object_get(v, "hear_plenary");
        if (!json_is_object(v) || (hear && !json_is_boolean(hear))) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_TYPE, "rooms",
                             "each room is {\"name\": text, \"hear_plenary\": true|false}");
            return -EINVAL;
        }
        if (rs_text_field(json_object_get(v, "name"), "rooms", true, RS_BREAKOUT_NAME_MAX_CHARS,
                          false, out[i].name, sizeof(out[i].name), &name, c->err))
            return -EINVAL;
        for (size_t k = 0; k < i; k++)
            if (strcmp(out[k].name, out[i].name) == 0) {
                rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "rooms", "two rooms are named '%s'",
                                 out[i].name);
                return -EINVAL;
            }
        out[i].hear_plenary = json_is_true(hear);
    }
    *n = (unsigned)json_array_size(arr);
    return 0;
}

/* Spreads everyone but the chair holders and the caller evenly at random over the rooms. */
static int place_at_random(struct rs_call *c, struct breakout *b)
{
    struct rs_participant **who = calloc(c->room->count ? c->room->count : 1, sizeof(*who));
    if (!who)
        return oom(c);
    unsigned n = 0;
    for (struct rs_participant *p = c->room->head; p && n < c->room->count; p = p->next)
        if (p != c->self && !rs_session_may_chair(p))
            who[n++] = p;
    for (unsigned i = n; i > 1; i--) { /* Fisher-Yates */
        unsigned k = rs_random_u32() % i;
        struct rs_participant *t = who[i - 1];
        who[i - 1] = who[k];
        who[k] = t;
    }
    int rc = 0;
    for (unsigned i = 0; i < n && !rc; i++)
        rc = move(c, who[i], i % b->n + 1, false);
    free(who);
    return rc;
}

enum { OPEN_ROOMS, OPEN_MODE, OPEN_DURATION };

static int act_open(struct rs_call *c)
{
    struct breakout *b = get_or_new(c->room);
    if (!b)
        return oom(c);
    if (b->open) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "rooms",
                         "breakout rooms are open already: close them first");
        return -EINVAL;
    }
    long long duration = c->arg[OPEN_DURATION].present ? c->arg[OPEN_DURATION].num : 0;
    if (duration != 0 && duration < RS_BREAKOUT_DURATION_MIN_S) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "duration_s",
                         "duration_s is 0 (no end) or %d to %d seconds", RS_BREAKOUT_DURATION_MIN_S,
                         RS_BREAKOUT_DURATION_MAX_S);
        return -EINVAL;
    }
    struct sub_room rooms[RS_BREAKOUT_ROOMS_MAX];
    unsigned n = 0;
    if (read_rooms(c, c->arg[OPEN_ROOMS].json, rooms, &n))
        return -EINVAL;
    memcpy(b->rooms, rooms, sizeof(rooms));
    b->n = n;
    b->mode = c->arg[OPEN_MODE].present ? (enum mode)c->arg[OPEN_MODE].num : MODE_MANUAL;
    b->ends_at_ms = duration ? rs_wall_ms() + duration * 1000 : 0;
    b->open = true;
    rs_metric_inc(RS_M_BREAKOUT_OPENED);
    rs_metric_add(RS_M_BREAKOUT_ROOMS, n);
    RS_INFO("room", "event=breakout_opened room=%s rooms=%u mode=%s duration_s=%lld by=%s",
            c->room->id, n, mode_names[b->mode], duration, c->self->id);
    int rc = b->mode == MODE_RANDOM ? place_at_random(c, b) : 0;
    changed(c->room, b); /* also after a failure part-way: who was moved is in the state */
    return rc;
}

/* Moves `p` to place `room` (checked against `b`) and tells everyone. */
static int move_and_tell(struct rs_call *c, struct breakout *b, struct rs_participant *p,
                         long long room, bool visitor)
{
    if (room_arg(c, b, room, true))
        return -EINVAL;
    if (move(c, p, (unsigned)room, visitor && room != 0))
        return -ENOMEM;
    changed(c->room, b);
    return 0;
}

enum { ASSIGN_PARTICIPANT, ASSIGN_ROOM };

static int act_assign(struct rs_call *c)
{
    struct breakout *b = open_breakout(c);
    if (!b)
        return -EPERM;
    struct rs_participant *p = rs_room_participant(c->room, c->arg[ASSIGN_PARTICIPANT].str);
    if (!p) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "participant",
                         "no participant with this id");
        return -EINVAL;
    }
    return move_and_tell(c, b, p, c->arg[ASSIGN_ROOM].num, false);
}

static int act_choose(struct rs_call *c)
{
    struct breakout *b = open_breakout(c);
    if (!b)
        return -EPERM;
    if (b->mode != MODE_CHOOSE) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "room", "the chair assigns the rooms");
        return -EINVAL;
    }
    return move_and_tell(c, b, c->self, c->arg[0].num, false);
}

static int act_set_hear_plenary(struct rs_call *c)
{
    struct breakout *b = open_breakout(c);
    if (!b)
        return -EPERM;
    long long room = c->arg[0].num;
    if (room_arg(c, b, room, false))
        return -EINVAL;
    b->rooms[room - 1].hear_plenary = c->arg[1].num;
    RS_INFO("room", "event=breakout_hear_plenary room=%s sub=%lld on=%d by=%s", c->room->id, room,
            (int)c->arg[1].num, c->self->id);
    changed(c->room, b);
    return 0;
}

static int act_visit(struct rs_call *c)
{
    struct breakout *b = open_breakout(c);
    return b ? move_and_tell(c, b, c->self, c->arg[0].num, true) : -EPERM;
}

static int act_broadcast(struct rs_call *c)
{
    if (!open_breakout(c))
        return -EPERM;
    rs_metric_inc(RS_M_BREAKOUT_BROADCASTS);
    rs_emit_all(c->room,
                rs_event("breakout", "message", "{s:s, s:s, s:s}", "from", c->self->id, "from_name",
                         c->self->display_name, "text", c->arg[0].str),
                NULL);
    return 0;
}

static int act_close(struct rs_call *c)
{
    struct breakout *b = open_breakout(c);
    if (!b)
        return -EPERM;
    close_breakout(c->room, b, "closed");
    return 0;
}

/* ---- hooks ---- */

static void breakout_welcome(struct rs_participant *p, json_t *ev)
{
    json_object_set_new(ev, "breakout", state_json(p->room, get(p->room)));
}

static void breakout_describe(const struct rs_participant *p, json_t *j)
{
    if (rs_breakout_open(p->room))
        json_object_set_new(j, "breakout_room", json_integer(rs_breakout_place(p)));
}

static void breakout_leaving(struct rs_participant *p)
{
    struct breakout *b = get(p->room);
    if (b && b->open)
        b->dirty = true;
    set_place(p, 0, false);
}

static void breakout_room_changed(struct rs_room *room)
{
    struct breakout *b = get(room);
    if (b && b->dirty) {
        b->dirty = false;
        if (b->open)
            changed(room, b);
    }
}

/* Who hears whom changed (the floor, a mute, …): the plenary speaker may be someone else now.
 * Only recomputes and tells; never announces again (see the top). */
static void breakout_audience_changed(struct rs_room *room)
{
    struct breakout *b = get(room);
    if (b && b->open && update_speaker(room, b))
        tell_speaker(room, b);
}

static void breakout_tick(struct rs_room *room, int64_t now_ms)
{
    struct breakout *b = get(room);
    if (b && b->open && b->ends_at_ms && now_ms >= b->ends_at_ms)
        close_breakout(room, b, "timeout");
}

static void breakout_room_free(struct rs_room *room)
{
    struct breakout **slot = (struct breakout **)rs_room_state(room, &rs_breakout_feature);
    if (!*slot)
        return;
    for (unsigned i = 0; (*slot)->open && i < (*slot)->n; i++)
        rs_metric_dec(RS_M_BREAKOUT_ROOMS);
    free(*slot);
    *slot = NULL;
}

#define ROOM_FIELD(lo)                                                                             \
    {                                                                                              \
        .name = "room", .type = RS_FIELD_INT, .flags = RS_FIELD_REQUIRED, .min = (lo),             \
        .max = RS_BREAKOUT_ROOMS_MAX                                                               \
    }

static const struct rs_action actions[] = {
    {.name = "open",
     .fn = act_open,
     .need = RS_NEED_CHAIR,
     .fields = {[OPEN_ROOMS] = {.name = "rooms",
                                .type = RS_FIELD_ARRAY,
                                .flags = RS_FIELD_REQUIRED,
                                .max = RS_BREAKOUT_ROOMS_MAX},
                [OPEN_MODE] = {.name = "mode", .type = RS_FIELD_ENUM, .choices = mode_names},
                [OPEN_DURATION] = {.name = "duration_s",
                                   .type = RS_FIELD_INT,
                                   .min = 0,
                                   .max = RS_BREAKOUT_DURATION_MAX_S}}},
    {.name = "assign",
     .fn = act_assign,
     .need = RS_NEED_CHAIR,
     .fields = {[ASSIGN_PARTICIPANT] = {.name = "participant",
                                        .type = RS_FIELD_TEXT,
                                        .flags = RS_FIELD_REQUIRED,
                                        .max = 32},
                [ASSIGN_ROOM] = ROOM_FIELD(0)}},
    {.name = "choose", .fn = act_choose, .need = RS_NEED_JOINED, .fields = {ROOM_FIELD(0)}},
    {.name = "set_hear_plenary",
     .fn = act_set_hear_plenary,
     .need = RS_NEED_CHAIR,
     .fields = {ROOM_FIELD(1), {.name = "on", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "visit", .fn = act_visit, .need = RS_NEED_CHAIR, .fields = {ROOM_FIELD(0)}},
    {.name = "broadcast",
     .fn = act_broadcast,
     .need = RS_NEED_CHAIR,
     .fields = {{.name = "text",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_REQUIRED | RS_FIELD_MULTILINE,
                 .max = RS_BREAKOUT_BROADCAST_MAX_CHARS}}},
    {.name = "close", .fn = act_close, .need = RS_NEED_CHAIR},
    {.name = NULL},
};

const struct rs_feature rs_breakout_feature = {
    .ns = "breakout",
    .actions = actions,
    .welcome = breakout_welcome,
    .describe = breakout_describe,
    .leaving = breakout_leaving,
    .room_changed = breakout_room_changed,
    .audience_changed = breakout_audience_changed,
    .tick = breakout_tick,
    .room_free = breakout_room_free,
};
