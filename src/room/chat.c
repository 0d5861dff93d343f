/* SPDX-License-Identifier: EUPL-1.2 */
/* The `chat` feature: room chat and the in-memory history late joiners get.
 *
 * The history is a ring of cfg.chat_history entries per room, allocated with the first message
 * and freed with the room; it never reaches the store or the log (meeting content). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
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
    unsigned start, count, cap;
    struct entry e[];
};

static struct history **history_of(struct rs_room *room)
{
    return (struct history **)rs_room_state(room, &rs_chat_feature);
}

static json_t *entry_json(const struct entry *e)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)e->id, "from", e->from,
                     "display_name", e->display_name, "text", e->text, "ts", (json_int_t)e->ts_ms);
}

/* Keeps `e` (takes its text) in the room's history. */
static void remember(struct rs_room *room, struct entry *e)
{
    struct history **hp = history_of(room);
    unsigned cap = room->app->cfg.chat_history;
    if (cap == 0 || !hp) {
        free(e->text);
        return;
    }
    if (!*hp) {
        *hp = calloc(1, sizeof(**hp) + cap * sizeof(struct entry));
        if (!*hp) {
            free(e->text); /* the message went out; only history is lost */
            return;
        }
        (*hp)->cap = cap;
    }
    struct history *h = *hp;
    if (h->count == h->cap) {
        free(h->e[h->start].text);
        h->e[h->start] = *e;
        h->start = (h->start + 1) % h->cap;
    } else {
        h->e[(h->start + h->count) % h->cap] = *e;
        h->count++;
    }
}

static int chat_send(struct rs_call *c)
{
    struct rs_room *room = c->room;
    struct rs_participant *p = c->self;
    struct history **hp = history_of(room);
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
    rs_emit_all(room, ev, NULL);
    rs_metric_inc(RS_M_CHAT_MESSAGES);
    remember(room, &e);
    if (*hp && (*hp)->next_id < e.id)
        (*hp)->next_id = e.id;
    return 0;
}

static void chat_welcome(struct rs_participant *p, json_t *ev)
{
    json_t *arr = json_array();
    struct history *h = *history_of(p->room);
    for (unsigned i = 0; arr && h && i < h->count; i++)
        json_array_append_new(arr, entry_json(&h->e[(h->start + i) % h->cap]));
    json_object_set_new(ev, "chat", arr);
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
                 .max = RS_CHAT_MAX_CHARS}}},
    {.name = NULL},
};

const struct rs_feature rs_chat_feature = {
    .ns = "chat",
    .actions = actions,
    .welcome = chat_welcome,
    .room_free = chat_room_free,
};
