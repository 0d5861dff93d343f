/* SPDX-License-Identifier: EUPL-1.2 */
/* Room events (see events.h). The one place that frames events and picks who gets them. */
#include "room/events.h"

#include <stdarg.h>

#include "core/outbuf.h"
#include "room/action.h"
#include "room/peer.h"
#include "room/podium.h"
#include "room/room.h"

json_t *rs_event(const char *ns, const char *name, const char *fmt, ...)
{
    json_t *ev;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        ev = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
    } else {
        ev = json_object();
    }
    if (!ev)
        return NULL;
    if (!json_is_object(ev) || json_object_set_new(ev, "ns", json_string(ns)) ||
        json_object_set_new(ev, "event", json_string(name))) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static bool everyone(const struct rs_participant *p, void *ctx)
{
    return p != ctx;
}

static bool moderators(const struct rs_participant *p, void *ctx)
{
    return p->role == RS_ROLE_MODERATOR;
}

void rs_emit_group(struct rs_room *room, json_t *ev,
                   bool (*member)(const struct rs_participant *p, void *ctx), void *ctx)
{
    room->snapshot_dirty = true; /* what the members are told about changed (room/snapshot.h) */
    if (!ev)
        return;
    struct rs_outbuf *b = rs_outbuf_from_json(ev);
    json_decref(ev);
    if (!b)
        return;
    for (struct rs_participant *p = room->head; p; p = p->next)
        if (p->peer && member(p, ctx))
            rs_peer_send(p->peer, b);
    rs_outbuf_unref(b);
}

void rs_emit_all(struct rs_room *room, json_t *ev, const struct rs_participant *except)
{
    rs_emit_group(room, ev, everyone, (void *)except);
}

void rs_emit_moderators(struct rs_room *room, json_t *ev)
{
    rs_emit_group(room, ev, moderators, NULL);
}

void rs_emit_peer(struct rs_peer *peer, json_t *ev)
{
    if (!ev)
        return;
    struct rs_outbuf *b = peer ? rs_outbuf_from_json(ev) : NULL;
    json_decref(ev);
    if (!b)
        return;
    rs_peer_send(peer, b);
    rs_outbuf_unref(b);
}

void rs_emit_one(struct rs_participant *p, json_t *ev)
{
    rs_emit_peer(p->peer, ev);
}

void rs_emit_reply(struct rs_call *c, json_t *ev)
{
    if (ev && c->ref)
        json_object_set(ev, "ref", c->ref);
    rs_emit_peer(c->peer, ev);
}

static bool sees(const struct rs_participant *p, void *ctx)
{
    return rs_podium_sees(p, ctx);
}

void rs_emit_about(const struct rs_participant *subject, json_t *ev)
{
    rs_emit_group(subject->room, ev, sees, (void *)subject);
}

void rs_emit_participant_updated(struct rs_participant *p)
{
    rs_emit_about(p, rs_event("control", "participant_updated", "{s:o}", "participant",
                              rs_participant_json(p)));
}
