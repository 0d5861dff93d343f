/* SPDX-License-Identifier: EUPL-1.2 */
/* The `lobby` feature: moderators admit or turn away those waiting.
 *
 * Waiting is membership (room.c keeps the lobby list); this module is what moderators do with
 * it and what they see of it when they join. A refused action changes nothing and is counted
 * (ratsaal_auth_rejections_total{reason="forbidden"}, by the dispatcher). Admitting respects
 * the room's capacity: admit_all lets in whoever fits, in order of arrival, and the rest stay
 * waiting; the moderator is told with `room_full`. */
#include <errno.h>
#include <stdio.h>

#include "core/log.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/room.h"

#define ID_FIELD                                                                                   \
    {                                                                                              \
        .name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32                 \
    }

static struct rs_participant *waiting_one(struct rs_call *c)
{
    struct rs_participant *w = rs_room_lobby_find(c->room, c->arg[0].str);
    if (!w)
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id", "nobody with this id is waiting");
    return w;
}

static int lobby_admit(struct rs_call *c)
{
    struct rs_participant *w = waiting_one(c);
    if (!w)
        return -EINVAL;
    if (rs_room_admit(w)) {
        rs_msg_error_set(c->err, RS_ERR_ROOM_FULL, NULL,
                         "the room is full (%u participants); the guest stays waiting",
                         rs_room_capacity(c->room));
        return -ENOSPC;
    }
    RS_INFO("room", "event=lobby_admit room=%s participant=%s by=%s", c->room->id, w->id,
            c->self->id);
    return 0;
}

static int lobby_reject(struct rs_call *c)
{
    struct rs_participant *w = waiting_one(c);
    if (!w)
        return -EINVAL;
    /* the guest's connection stays open so its client can say so */
    struct rs_peer *peer = w->peer;
    RS_INFO("room", "event=lobby_reject room=%s participant=%s by=%s", c->room->id, w->id,
            c->self->id);
    rs_room_lobby_remove(w, "rejected");
    rs_emit_peer(peer,
                 rs_event("lobby", "rejected", "{s:s}", "text", "a moderator did not let you in"));
    return 0;
}

static int lobby_admit_all(struct rs_call *c)
{
    unsigned n = 0;
    while (c->room->lobby_head && rs_room_admit(c->room->lobby_head) == 0)
        n++;
    RS_INFO("room", "event=lobby_admit_all room=%s by=%s count=%u waiting=%u", c->room->id,
            c->self->id, n, c->room->lobby_count);
    if (c->room->lobby_count) {
        rs_msg_error_set(c->err, RS_ERR_ROOM_FULL, NULL,
                         "the room is full (%u participants): %u admitted, %u still waiting",
                         rs_room_capacity(c->room), n, c->room->lobby_count);
        return -ENOSPC;
    }
    return 0;
}

/* A moderator joining sees who is already waiting. */
static void lobby_welcome(struct rs_participant *p, json_t *ev)
{
    if (p->role != RS_ROLE_MODERATOR)
        return;
    json_t *list = json_array();
    for (struct rs_participant *q = p->room->lobby_head; list && q; q = q->next)
        json_array_append_new(list, rs_lobby_entry_json(q));
    json_object_set_new(ev, "lobby", list);
}

static const struct rs_action actions[] = {
    {.name = "admit", .fn = lobby_admit, .need = RS_NEED_MODERATOR, .fields = {ID_FIELD}},
    {.name = "reject", .fn = lobby_reject, .need = RS_NEED_MODERATOR, .fields = {ID_FIELD}},
    {.name = "admit_all", .fn = lobby_admit_all, .need = RS_NEED_MODERATOR},
    {.name = NULL},
};

const struct rs_feature rs_lobby_feature = {
    .ns = "lobby",
    .actions = actions,
    .welcome = lobby_welcome,
};
