/* Chat relay and the in-memory history ring. */
#include "room/chat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"

static json_t *entry_json(const struct rs_chat_entry *e)
{
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "ns", "chat", "event", "message", "id",
                     (json_int_t)e->id, "from", e->from, "display_name", e->display_name, "text",
                     e->text, "ts", (json_int_t)e->ts_ms);
}

int rs_chat_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err)
{
    static char text[RS_CHAT_MAX_CHARS * 4 + 1];
    const char *t;
    if (rs_msg_string(msg, "text", 1, RS_CHAT_MAX_CHARS, 1, text, sizeof(text), &t, err))
        return -EINVAL;
    struct rs_room *room = p->room;
    struct rs_chat_entry e = {0};
    e.id = ++room->next_chat_id;
    memcpy(e.from, p->id, sizeof(e.from));
    memcpy(e.display_name, p->display_name, sizeof(e.display_name));
    e.ts_ms = rs_wall_ms();
    e.text = strdup(t);
    if (!e.text) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    json_t *ev = entry_json(&e);
    if (!ev) {
        free(e.text);
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    rs_room_broadcast(room, ev, NULL);
    json_decref(ev);
    rs_metric_inc(RS_M_CHAT_MESSAGES);

    unsigned cap = room->app->cfg.chat_history;
    if (cap == 0) {
        free(e.text);
        return 0;
    }
    if (!room->chat) {
        room->chat = calloc(cap, sizeof(*room->chat));
        if (!room->chat) {
            free(e.text);
            return 0; /* the message went out; only history is lost */
        }
    }
    if (room->chat_count == cap) {
        free(room->chat[room->chat_start].text);
        room->chat[room->chat_start] = e;
        room->chat_start = (room->chat_start + 1) % cap;
    } else {
        room->chat[(room->chat_start + room->chat_count) % cap] = e;
        room->chat_count++;
    }
    return 0;
}

json_t *rs_chat_history_json(const struct rs_room *room)
{
    json_t *arr = json_array();
    unsigned cap = room->app->cfg.chat_history;
    for (unsigned i = 0; arr && i < room->chat_count; i++) {
        const struct rs_chat_entry *e = &room->chat[(room->chat_start + i) % cap];
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)e->id, "from",
                              e->from, "display_name", e->display_name, "text", e->text, "ts",
                              (json_int_t)e->ts_ms);
        if (j)
            json_array_append_new(arr, j);
    }
    return arr;
}

void rs_chat_free(struct rs_room *room)
{
    unsigned cap = room->app->cfg.chat_history;
    for (unsigned i = 0; room->chat && i < room->chat_count; i++)
        free(room->chat[(room->chat_start + i) % cap].text);
    free(room->chat);
    room->chat = NULL;
    room->chat_count = 0;
}
