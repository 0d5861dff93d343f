/* SPDX-License-Identifier: EUPL-1.2 */
/* The `chat` feature: room chat, private messages between two participants, the chair's switch
 * for room chat, its export, and the in-memory history late joiners get.
 *
 * The history is a ring of cfg.chat_history entries per room, allocated with the first message
 * and freed with the room; it never reaches the store or the log (meeting content). Private
 * messages go to their two participants only and are not kept: a participant id lives as long
 * as one stay in the room, so there is nobody to replay them to. While breakout rooms are open
 * (room/breakout.h), room chat reaches only the sender's place and carries `breakout_room`;
 * a sub-room's messages are not kept either, since the history is replayed to whoever joins
 * (in the plenary) and exported for the meeting. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "room/breakout.h"
#include "room/events.h"
#include "room/room.h"

struct entry {
    uint64_t id;
    char from[RS_PARTICIPANT_ID_LEN + 1];
    char display_name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char *text;
    int64_t ts_ms;
};

struct history {
    uint64_t next_id;
    bool disabled; /* room chat turned off by the chair */
    unsigned start, count, cap;
    struct entry e[];
};

/* The room's history, created on first use (cfg.chat_history entries); NULL on OOM. */
static struct history *history_new(struct rs_room *room);

static struct history **history_of(struct rs_room *room)
{
    return (struct history **)rs_room_state(room, &rs_chat_feature);
}

static json_t *entry_json(const struct entry *e)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)e->id, "from", e->from,
                     "display_name", e->display_name, "text", e->text, "ts", (json_int_t)e->ts_ms);
}

static struct history *history_new(struct rs_room *room)
{
    struct history **hp = history_of(room);
    if (!*hp) {
        unsigned cap = room->app->cfg.chat_history;
        *hp = calloc(1, sizeof(**hp) + cap * sizeof(struct entry));
        if (*hp)
            (*hp)->cap = cap;
    }
    return *hp;
}

/* Keeps `e` (takes its text) in the room's history. */
static void remember(struct rs_room *room, struct entry *e)
{
    struct history *h = history_new(room);
    if (!h || h->cap == 0) {
        free(e->text); /* the message went out; only history is lost (or none is kept) */
        return;
    }
    if (h->count == h->cap) {
        free(h->e[h->start].text);
        h->e[h->start] = *e;
        h->start = (h->start + 1) % h->cap;
    } else {
        h->e[(h->start + h->count) % h->cap] = *e;
        h->count++;
    }
}

enum { SEND_TEXT, SEND_TO };

static int chat_send(struct rs_call *c)
{
    struct rs_room *room = c->room;
    struct rs_participant *p = c->self;
    struct history **hp = history_of(room);
    struct rs_participant *to = NULL;
    if (c->arg[SEND_TO].present) {
        to = rs_room_participant(room, c->arg[SEND_TO].str);
        if (!to || to == p) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "to",
                             to ? "not to yourself" : "no participant with this id");
            return -EINVAL;
        }
    } else if (*hp && (*hp)->disabled && p->role != RS_ROLE_MODERATOR) {
        rs_msg_error_set(c->err, RS_ERR_CHAT_DISABLED, NULL,
                         "the chair turned the room chat off; private messages still work");
        return -EPERM;
    }
    struct entry e = {0};
    e.id = *hp ? ++(*hp)->next_id : 1;
    memcpy(e.from, p->id, sizeof(e.from));
    memcpy(e.display_name, p->display_name, sizeof(e.display_name));
    e.ts_ms = rs_wall_ms();
    e.text = strdup(c->arg[0].str);
    json_t *body = e.text ? entry_json(&e) : NULL;
    if (!body) {
        free(e.text);
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    json_t *ev = rs_event("chat", "message", NULL);
    if (ev)
        json_object_update(ev, body);
    json_decref(body);
    if (to) {
        json_object_set_new(ev, "to", json_string(to->id));
        json_object_set_new(ev, "private", json_true());
        rs_emit_one(to, json_incref(ev));
        rs_emit_one(p, ev);
        rs_metric_inc(RS_M_CHAT_PRIVATE);
        free(e.text);
        if (*hp && (*hp)->next_id < e.id)
            (*hp)->next_id = e.id;
        return 0;
    }
    rs_metric_inc(RS_M_CHAT_MESSAGES);
    int place = rs_breakout_place(p);
    if (rs_breakout_open(room))
        json_object_set_new(ev, "breakout_room", json_integer(place));
    rs_breakout_emit_place(room, ev, place);
    if (place == 0)
        remember(room, &e);
    else
        free(e.text);
    if (*hp && (*hp)->next_id < e.id)
        (*hp)->next_id = e.id;
    return 0;
}

static int chat_set_enabled(struct rs_call *c)
{
    struct history *h = history_new(c->room);
    if (!h) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    h->disabled = !c->arg[0].num;
    rs_emit_all(c->room, rs_event("chat", "state", "{s:b}", "enabled", !h->disabled), NULL);
    return 0;
}

/* The history the server still holds (the last cfg.chat_history room messages), for a
 * moderator to save. */
static int chat_export(struct rs_call *c)
{
    json_t *arr = json_array();
    struct history *h = *history_of(c->room);
    for (unsigned i = 0; arr && h && i < h->count; i++)
        json_array_append_new(arr, entry_json(&h->e[(h->start + i) % h->cap]));
    rs_emit_reply(c, rs_event("chat", "export", "{s:s, s:s, s:I, s:o}", "room", c->room->id,
                              "title", c->room->rec.title, "exported_at",
                              (json_int_t)rs_wall_ms(), "messages", arr));
    return 0;
}

static void chat_welcome(struct rs_participant *p, json_t *ev)
{
    json_t *arr = json_array();
    struct history *h = *history_of(p->room);
    for (unsigned i = 0; arr && h && i < h->count; i++)
        json_array_append_new(arr, entry_json(&h->e[(h->start + i) % h->cap]));
    json_object_set_new(ev, "chat", arr);
    json_object_set_new(ev, "chat_enabled", json_boolean(!(h && h->disabled)));
}

static void chat_room_free(struct rs_room *room)
{
    struct history **hp = history_of(room);
    if (!hp || !*hp)
        return;
    for (unsigned i = 0; i < (*hp)->count; i++)
        free((*hp)->e[((*hp)->start + i) % (*hp)->cap].text);
    free(*hp);
    *hp = NULL;
}

static const struct rs_action actions[] = {
    {.name = "send",
     .fn = chat_send,
     .need = RS_NEED_JOINED,
     .fields = {{.name = "text",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_REQUIRED | RS_FIELD_MULTILINE,
                 .max = RS_CHAT_MAX_CHARS},
                {.name = "to", .type = RS_FIELD_TEXT, .max = 32}}},
    {.name = "set_enabled",
     .fn = chat_set_enabled,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "enabled", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "export", .fn = chat_export, .need = RS_NEED_MODERATOR},
    {.name = NULL},
};

const struct rs_feature rs_chat_feature = {
    .ns = "chat",
    .actions = actions,
    .welcome = chat_welcome,
    .room_free = chat_room_free,
};
