/* SPDX-License-Identifier: EUPL-1.2 */
/* The `agenda` feature: the items of a meeting in order, which one is being discussed, and the
 * minutes of each.
 *
 * The chair edits the agenda and moves through it (`current`); the minute-taker writes the
 * minutes of an item, which replace the previous text. Every change goes to the store first
 * (store/store_agenda.h, committed before the call returns) and only then to the room: the
 * room's copy is the agenda as read back from the store, in the JSON shape of `agenda/state`,
 * so what everyone is shown is exactly what a restarted server would show. The agenda is
 * short (at most 100 items) and changes at the pace of a meeting, so reading it again after
 * each change costs nothing worth caching around.
 *
 * Votes attach to items. A vote's item lives in the vote's stored motion (`agenda_item`,
 * room/vote.c); the agenda collects them when it reads itself, so the two never disagree.
 *
 * The one subtle point is removal: an item that is current, or has minutes or votes, is part
 * of the meeting's record and is refused (`agenda_item_in_use`), both here and in the REST
 * replacement of the whole list (rs_agenda_replace), which otherwise could drop it silently. */
#include "room/agenda.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "room/events.h"
#include "room/room.h"
#include "store/store_agenda.h"
#include "store/store_vote.h"

#define TITLE_MAX_CHARS 200
#define DESCRIPTION_MAX_CHARS 2000
#define MINUTES_MAX_CHARS 10000
#define MINUTES_MAX_FRAME 65536 /* 12000 bytes of text, escaped */

/* Per room: the agenda as last read from the store. */
struct agenda {
    json_t *items; /* owned: the items as in agenda/state; NULL until read */
};

/* ---- reading ---- */

static json_t *time_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

static int item_add(const struct rs_agenda_item_record *r, void *ctx)
{
    const char *status = r->ended_at_ms ? "done" : r->started_at_ms ? "current" : "pending";
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:s, s:o, s:o, s:[]}", "id", r->id,
                          "title", r->title, "description", r->description, "public", r->public,
                          "status", status, "started_at", time_or_null(r->started_at_ms),
                          "ended_at", time_or_null(r->ended_at_ms), "minutes", r->minutes,
                          "minutes_by", r->minutes[0] ? json_string(r->minutes_by) : json_null(),
                          "minutes_at", time_or_null(r->minutes_at_ms), "votes");
    return o && json_array_append_new(ctx, o) == 0 ? 0 : -ENOMEM;
}

static json_t *find(json_t *items, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (id && strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
            return it;
    }
    return NULL;
}

static const char *str(json_t *item, const char *key)
{
    const char *s = json_string_value(json_object_get(item, key));
    return s ? s : "";
}

static json_t *current_of(json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (strcmp(str(it, "status"), "current") == 0)
            return it;
    }
    return NULL;
}

static bool in_use(json_t *item)
{
    return strcmp(str(item, "status"), "current") == 0 || str(item, "minutes")[0] ||
           json_array_size(json_object_get(item, "votes")) > 0;
}

/* A vote of the meeting: its id goes to the `votes` of the item its motion names. */
static int vote_add(const struct rs_vote_record *v, void *ctx)
{
    json_t *spec = json_loads(v->spec, 0, NULL);
    json_t *item = find(ctx, json_string_value(json_object_get(spec, "agenda_item")));
    if (item)
        json_array_append_new(json_object_get(item, "votes"), json_string(v->id));
    json_decref(spec);
    return 0;
}

/* The meeting's items from the store, with their votes: a new reference, or NULL. */
static json_t *read_items(struct rs_store *store, const char *room_id)
{
    json_t *items = json_array();
    if (!items)
        return NULL;
    if (store && (rs_store_agenda_list(store, room_id, item_add, items) < 0 ||
                  rs_store_vote_list(store, room_id, vote_add, items) < 0)) {
        RS_WARN("agenda", "event=unreadable room=%s", room_id);
        json_decref(items);
        return NULL;
    }
    return items;
}

json_t *rs_agenda_read(struct rs_app *app, const char *room_id)
{
    json_t *items = read_items(app->store, room_id);
    if (!items)
        return NULL;
    json_t *cur = current_of(items);
    return json_pack("{s:o, s:o}", "current", cur ? json_string(str(cur, "id")) : json_null(),
                     "items", items);
}

/* ---- the live room ---- */

static struct agenda *agenda_slot(struct rs_room *room)
{
    struct agenda **slot = (struct agenda **)rs_room_state(room, &rs_agenda_feature);
    if (!slot)
        return NULL;
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

/* Reads the room's agenda from the store again. Returns 0, or -EIO (the old copy stays). */
static int reload(struct rs_room *room, struct agenda *a)
{
    json_t *items = read_items(room->app->store, room->id);
    if (!items)
        return -EIO;
    json_decref(a->items);
    a->items = items;
    return 0;
}

/* The room's agenda, read on first use; NULL when it cannot be had. */
static struct agenda *agenda_of(struct rs_room *room)
{
    struct agenda *a = agenda_slot(room);
    if (a && !a->items && reload(room, a))
        return NULL;
    return a;
}

static json_t *state_event(struct agenda *a)
{
    json_t *cur = current_of(a->items);
    return rs_event("agenda", "state", "{s:o, s:O}", "current",
                    cur ? json_string(str(cur, "id")) : json_null(), "items", a->items);
}

/* Reads the agenda again and tells everyone; the caller of `c` (may be NULL) with its ref. */
static void announce(struct rs_room *room, struct agenda *a, struct rs_call *c)
{
    if (reload(room, a))
        RS_WARN("agenda", "event=reread_failed room=%s", room->id);
    rs_emit_all(room, state_event(a), c ? c->self : NULL);
    if (c)
        rs_emit_reply(c, state_event(a));
}

bool rs_agenda_current_public(struct rs_room *room)
{
    struct agenda *a = agenda_of(room);
    if (!a)
        return false; /* the agenda cannot be read: not known to be public */
    json_t *cur = current_of(a->items);
    return !cur || json_is_true(json_object_get(cur, "public"));
}

const char *rs_agenda_current(struct rs_room *room)
{
    struct agenda *a = agenda_of(room);
    json_t *cur = a ? current_of(a->items) : NULL;
    return cur ? str(cur, "id") : NULL;
}

bool rs_agenda_has_item(struct rs_room *room, const char *item_id)
{
    struct agenda *a = agenda_of(room);
    return a && find(a->items, item_id);
}

void rs_agenda_vote_attached(struct rs_room *room, const char *item_id, const char *vote_id)
{
    struct agenda *a = agenda_of(room);
    if (!a)
        return;
    RS_INFO("agenda", "event=vote_attached room=%s item=%s vote=%s", room->id, item_id, vote_id);
    announce(room, a, NULL);
}

static void new_item_id(char *out)
{
    uint8_t rnd[5];
    rs_random_bytes(rnd, sizeof(rnd));
    out[0] = 'a';
    for (int i = 0; i < 5; i++)
        snprintf(out + 1 + 2 * i, 3, "%02x", rnd[i]);
}

/* ---- actions ---- */

static int internal(struct rs_call *c, const char *what)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "%s", what);
    return -EIO;
}

/* A store call has just failed: the caller is told why (storage_full, storage_busy). */
static int not_stored(struct rs_call *c, const char *what)
{
    rs_msg_error_store(c->err, what);
    return -EIO;
}

/* The room's agenda for an action, or NULL with `c->err` filled. */
static struct agenda *agenda_for(struct rs_call *c)
{
    if (!c->app->store) {
        internal(c, "the agenda needs the database");
        return NULL;
    }
    struct agenda *a = agenda_of(c->room);
    if (!a)
        internal(c, "the agenda could not be read");
    return a;
}

/* The item named by the call's argument `i`, or NULL with not_found. */
static json_t *item_arg(struct rs_call *c, struct agenda *a, int i)
{
    json_t *it = find(a->items, c->arg[i].str);
    if (!it)
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "item", "no such item on the agenda");
    return it;
}

/* After a stored change: count, log, reread, tell everyone. */
static int changed(struct rs_call *c, struct agenda *a, const char *what, const char *item)
{
    rs_metric_inc(RS_M_AGENDA_CHANGES);
    RS_INFO("agenda", "event=%s room=%s item=%s by=%s", what, c->room->id, item ? item : "-",
            c->self->id);
    announce(c->room, a, c);
    return 0;
}

static int too_many(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_TOO_MANY_ITEMS, NULL, "the agenda has %d items already",
                     RS_AGENDA_ITEMS_MAX);
    return -ENOSPC;
}

enum { ADD_TITLE, ADD_DESCRIPTION, ADD_PUBLIC, ADD_POSITION };

static int act_add(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    if (!a)
        return -EIO;
    if (json_array_size(a->items) >= RS_AGENDA_ITEMS_MAX)
        return too_many(c);
    struct rs_agenda_item_record r = {
        .room_id = c->room->id,
        .title = c->arg[ADD_TITLE].str,
        .description = c->arg[ADD_DESCRIPTION].present ? c->arg[ADD_DESCRIPTION].str : "",
        .public = !c->arg[ADD_PUBLIC].present || c->arg[ADD_PUBLIC].num,
        .position = c->arg[ADD_POSITION].present ? (int)c->arg[ADD_POSITION].num : -1,
    };
    int rc = -EEXIST;
    for (int tries = 0; rc == -EEXIST && tries < 3; tries++) {
        new_item_id(r.id);
        rc = rs_store_agenda_add(c->app->store, &r);
    }
    if (rc == -ENOSPC)
        return too_many(c);
    if (rc)
        return not_stored(c, "the item could not be stored");
    return changed(c, a, "item_added", r.id);
}

enum { UPD_ITEM, UPD_TITLE, UPD_DESCRIPTION, UPD_PUBLIC };

static int act_update(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    json_t *it = a ? item_arg(c, a, UPD_ITEM) : NULL;
    if (!it)
        return a ? -ENOENT : -EIO;
    struct rs_agenda_item_record r = {
        .room_id = c->room->id,
        .title = c->arg[UPD_TITLE].present ? c->arg[UPD_TITLE].str : str(it, "title"),
        .description =
            c->arg[UPD_DESCRIPTION].present ? c->arg[UPD_DESCRIPTION].str : str(it, "description"),
        .public = c->arg[UPD_PUBLIC].present ? c->arg[UPD_PUBLIC].num
                                             : json_is_true(json_object_get(it, "public")),
    };
    snprintf(r.id, sizeof(r.id), "%s", str(it, "id"));
    if (rs_store_agenda_update(c->app->store, &r))
        return not_stored(c, "the item could not be stored");
    return changed(c, a, "item_updated", r.id);
}

static int act_remove(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    json_t *it = a ? item_arg(c, a, 0) : NULL;
    if (!it)
        return a ? -ENOENT : -EIO;
    if (in_use(it)) {
        rs_msg_error_set(c->err, RS_ERR_AGENDA_ITEM_IN_USE, "item",
                         "the item is current or has minutes or votes; it stays on the agenda");
        return -EBUSY;
    }
    char id[RS_AGENDA_ITEM_ID_LEN + 1];
    snprintf(id, sizeof(id), "%s", str(it, "id"));
    if (rs_store_agenda_remove(c->app->store, c->room->id, id))
        return not_stored(c, "the item could not be removed");
    return changed(c, a, "item_removed", id);
}

static int act_move(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    json_t *it = a ? item_arg(c, a, 0) : NULL;
    if (!it)
        return a ? -ENOENT : -EIO;
    char id[RS_AGENDA_ITEM_ID_LEN + 1];
    snprintf(id, sizeof(id), "%s", str(it, "id"));
    if (rs_store_agenda_move(c->app->store, c->room->id, id, (int)c->arg[1].num))
        return not_stored(c, "the item could not be moved");
    return changed(c, a, "item_moved", id);
}

static int act_current(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    if (!a)
        return -EIO;
    char id[RS_AGENDA_ITEM_ID_LEN + 1] = "";
    if (c->arg[0].present) {
        json_t *it = item_arg(c, a, 0);
        if (!it)
            return -ENOENT;
        snprintf(id, sizeof(id), "%s", str(it, "id"));
    }
    if (rs_store_agenda_set_current(c->app->store, c->room->id, id[0] ? id : NULL, rs_wall_ms()))
        return not_stored(c, "the current item could not be stored");
    return changed(c, a, "item_current", id[0] ? id : NULL);
}

static int act_minutes(struct rs_call *c)
{
    struct agenda *a = agenda_for(c);
    json_t *it = a ? item_arg(c, a, 0) : NULL;
    if (!it)
        return a ? -ENOENT : -EIO;
    if (!c->arg[1].present) {
        rs_msg_error_set(c->err, RS_ERR_MISSING_FIELD, "text", "field 'text' is missing");
        return -EINVAL;
    }
    char id[RS_AGENDA_ITEM_ID_LEN + 1];
    snprintf(id, sizeof(id), "%s", str(it, "id"));
    int64_t now = rs_wall_ms();
    const char *text = c->arg[1].str, *by = c->self->display_name;
    if (rs_store_agenda_set_minutes(c->app->store, c->room->id, id, text, by, now))
        return not_stored(c, "the minutes could not be stored");
    /* stored: only now does anyone hear of them */
    rs_metric_inc(RS_M_MINUTES_SAVED);
    RS_INFO("agenda", "event=minutes_saved room=%s item=%s bytes=%zu by=%s", c->room->id, id,
            c->arg[1].len, c->self->id);
    if (reload(c->room, a))
        RS_WARN("agenda", "event=reread_failed room=%s", c->room->id);
    json_t *ev = rs_event("agenda", "minutes", "{s:s, s:s, s:s, s:I}", "item", id, "text", text,
                          "by", by, "at", (json_int_t)now);
    rs_emit_all(c->room, json_incref(ev), c->self);
    rs_emit_reply(c, ev);
    return 0;
}

/* ---- hooks ---- */

static void agenda_joined(struct rs_participant *p)
{
    struct agenda *a = agenda_of(p->room);
    if (a)
        rs_emit_one(p, state_event(a));
}

static void agenda_room_free(struct rs_room *room)
{
    struct agenda **slot = (struct agenda **)rs_room_state(room, &rs_agenda_feature);
    if (slot && *slot) {
        json_decref((*slot)->items);
        free(*slot);
        *slot = NULL;
    }
}

/* ---- the whole list at once (REST) ---- */

/* One item of a PUT body, validated into `r` (texts in `title`/`description`, kept by the
 * caller), the old item's minutes and times kept when it names one. */
static int replace_item(json_t *o, size_t i, json_t *old, json_t *seen,
                        struct rs_agenda_item_record *r, char *title, char *description,
                        struct rs_msg_error *err)
{
    char field[48]; /* "items[<up to 20 digits>].description" */
    const char *val;
    if (!json_is_object(o)) {
        snprintf(field, sizeof(field), "items[%zu]", i);
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, field, "each item must be an object");
        return -EINVAL;
    }
    /* an optional field given as null counts as absent, as in the actions */
    json_t *id = json_object_get(o, "id"), *pub = json_object_get(o, "public");
    json_t *desc = json_object_get(o, "description");
    if (json_is_null(id))
        id = NULL;
    if (json_is_null(pub))
        pub = NULL;
    if (json_is_null(desc))
        desc = NULL;
    json_t *prev = NULL;
    if (id) {
        snprintf(field, sizeof(field), "items[%zu].id", i);
        prev = json_is_string(id) ? find(old, json_string_value(id)) : NULL;
        if (!prev || json_object_get(seen, json_string_value(id))) {
            rs_msg_error_set(err, RS_ERR_NOT_FOUND, field,
                             prev ? "the item is listed twice" : "no such item on the agenda");
            return -EINVAL;
        }
        json_object_set_new(seen, json_string_value(id), json_true());
    }
    snprintf(field, sizeof(field), "items[%zu].title", i);
    if (rs_text_field(json_object_get(o, "title"), field, true, TITLE_MAX_CHARS, false, title,
                      RS_AGENDA_TITLE_MAX + 1, &val, err))
        return -EINVAL;
    snprintf(field, sizeof(field), "items[%zu].description", i);
    if (rs_text_field(desc, field, false, DESCRIPTION_MAX_CHARS, true, description,
                      RS_AGENDA_DESCRIPTION_MAX + 1, &val, err))
        return -EINVAL;
    if (!val)
        description[0] = 0;
    if (pub && !json_is_boolean(pub)) {
        snprintf(field, sizeof(field), "items[%zu].public", i);
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, field, "public must be true or false");
        return -EINVAL;
    }
    r->title = title;
    r->description = description;
    r->public = !pub || json_is_true(pub);
    if (!prev) {
        new_item_id(r->id);
        return 0;
    }
    snprintf(r->id, sizeof(r->id), "%s", str(prev, "id"));
    r->minutes = str(prev, "minutes");
    r->minutes_by = str(prev, "minutes_by");
    r->minutes_at_ms = json_integer_value(json_object_get(prev, "minutes_at"));
    r->started_at_ms = json_integer_value(json_object_get(prev, "started_at"));
    r->ended_at_ms = json_integer_value(json_object_get(prev, "ended_at"));
    return 0;
}

int rs_agenda_replace(struct rs_app *app, const char *room_id, json_t *items,
                      struct rs_msg_error *err)
{
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n > RS_AGENDA_ITEMS_MAX) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, "items",
                         "items must be an array of at most %d items", RS_AGENDA_ITEMS_MAX);
        return -EINVAL;
    }
    json_t *old = read_items(app->store, room_id), *seen = json_object();
    struct rs_agenda_item_record *r = calloc(n ? n : 1, sizeof(*r));
    char *texts = calloc(n ? n : 1, RS_AGENDA_TITLE_MAX + 1 + RS_AGENDA_DESCRIPTION_MAX + 1);
    int rc = old && seen && r && texts ? 0 : -EIO;
    if (rc)
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the agenda could not be read");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *title = texts + i * (RS_AGENDA_TITLE_MAX + 1 + RS_AGENDA_DESCRIPTION_MAX + 1);
        r[i].room_id = room_id;
        rc = replace_item(json_array_get(items, i), i, old, seen, &r[i], title,
                          title + RS_AGENDA_TITLE_MAX + 1, err);
    }
    size_t k;
    json_t *it;
    json_array_foreach(old, k, it)
    {
        if (rc == 0 && !json_object_get(seen, str(it, "id")) && in_use(it)) {
            rs_msg_error_set(err, RS_ERR_AGENDA_ITEM_IN_USE, "items",
                             "item %s is current or has minutes or votes; it must stay",
                             str(it, "id"));
            rc = -EBUSY;
        }
    }
    if (rc == 0 && rs_store_agenda_replace(app->store, room_id, r, n)) {
        rs_msg_error_store(err, "the agenda could not be stored");
        rc = -EIO;
    }
    free(texts);
    free(r);
    json_decref(seen);
    json_decref(old);
    if (rc)
        return rc;
    rs_metric_inc(RS_M_AGENDA_CHANGES);
    RS_INFO("agenda", "event=agenda_replaced room=%s items=%zu", room_id, n);
    struct rs_room *room = app->rooms ? rs_rooms_find(app->rooms, room_id) : NULL;
    struct agenda *a = room ? agenda_slot(room) : NULL;
    if (a)
        announce(room, a, NULL);
    return 0;
}

void rs_agenda_reread(struct rs_app *app, const char *room_id)
{
    struct rs_room *room = app->rooms ? rs_rooms_find(app->rooms, room_id) : NULL;
    struct agenda *a = room ? agenda_slot(room) : NULL;
    if (a && a->items)
        announce(room, a, NULL);
}

#define ITEM_FIELD                                                                                 \
    {                                                                                              \
        .name = "item", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32               \
    }
#define TITLE_FIELD(req)                                                                           \
    {                                                                                              \
        .name = "title", .type = RS_FIELD_TEXT, .flags = (req) | RS_FIELD_NULLABLE,                \
        .max = TITLE_MAX_CHARS                                                                     \
    }
#define DESCRIPTION_FIELD                                                                          \
    {                                                                                              \
        .name = "description", .type = RS_FIELD_TEXT,                                              \
        .flags = RS_FIELD_MULTILINE | RS_FIELD_NULLABLE, .max = DESCRIPTION_MAX_CHARS              \
    }
#define POSITION_FIELD(req)                                                                        \
    {                                                                                              \
        .name = "position", .type = RS_FIELD_INT, .flags = (req) | RS_FIELD_NULLABLE, .min = 0,    \
        .max = RS_AGENDA_ITEMS_MAX - 1                                                             \
    }

static const struct rs_action actions[] = {
    {.name = "add",
     .fn = act_add,
     .need = RS_NEED_CHAIR,
     .fields = {[ADD_TITLE] = TITLE_FIELD(RS_FIELD_REQUIRED),
                [ADD_DESCRIPTION] = DESCRIPTION_FIELD,
                [ADD_PUBLIC] = {.name = "public",
                                .type = RS_FIELD_BOOL,
                                .flags = RS_FIELD_NULLABLE},
                [ADD_POSITION] = POSITION_FIELD(0)}},
    {.name = "update",
     .fn = act_update,
     .need = RS_NEED_CHAIR,
     .fields = {[UPD_ITEM] = ITEM_FIELD,
                [UPD_TITLE] = TITLE_FIELD(0),
                [UPD_DESCRIPTION] = DESCRIPTION_FIELD,
                [UPD_PUBLIC] = {.name = "public",
                                .type = RS_FIELD_BOOL,
                                .flags = RS_FIELD_NULLABLE}}},
    {.name = "remove", .fn = act_remove, .need = RS_NEED_CHAIR, .fields = {ITEM_FIELD}},
    {.name = "move",
     .fn = act_move,
     .need = RS_NEED_CHAIR,
     .fields = {ITEM_FIELD, POSITION_FIELD(RS_FIELD_REQUIRED)}},
    {.name = "current",
     .fn = act_current,
     .need = RS_NEED_CHAIR,
     .fields = {{.name = "item", .type = RS_FIELD_TEXT, .flags = RS_FIELD_NULLABLE, .max = 32}}},
    {.name = "minutes",
     .fn = act_minutes,
     .need = RS_NEED_MINUTES,
     .fields = {ITEM_FIELD,
                {.name = "text",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_MULTILINE,
                 .max = MINUTES_MAX_CHARS,
                 .max_bytes = RS_AGENDA_MINUTES_MAX}},
     .max_frame = MINUTES_MAX_FRAME},
    {.name = NULL},
};

const struct rs_feature rs_agenda_feature = {
    .ns = "agenda",
    .actions = actions,
    .joined = agenda_joined,
    .resumed = agenda_joined, /* back after a dropped connection: the state it missed */
    .room_free = agenda_room_free,
};
