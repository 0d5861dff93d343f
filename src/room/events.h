/* SPDX-License-Identifier: EUPL-1.2 */
/* Room events: how the room and its features tell clients what happened.
 *
 * Every event is a JSON object {"ns": ..., "event": ..., ...}. rs_event() builds one (the
 * fields after the name are a jansson pack format for an object, e.g. "{s:s, s:I}"), and the
 * rs_emit_* functions deliver it to an audience: everyone in the room, its moderators, one
 * participant, a group chosen by a predicate, or the caller of an action (echoing its `ref`).
 * An event is serialized once however many receive it. Every rs_emit_* takes ownership of
 * `ev` (a NULL `ev`, e.g. after an allocation failure, sends nothing). Control thread. */
#ifndef RS_ROOM_EVENTS_H
#define RS_ROOM_EVENTS_H

#include <jansson.h>
#include <stdbool.h>

struct rs_room;
struct rs_participant;
struct rs_peer;
struct rs_call;

/* A new event of namespace `ns` named `name`; `fmt` (may be NULL) packs further members.
 * Returns a new reference, or NULL on OOM or a bad format. */
json_t *rs_event(const char *ns, const char *name, const char *fmt, ...);

/* To everyone in the room (not the lobby) except `except` (may be NULL). */
void rs_emit_all(struct rs_room *room, json_t *ev, const struct rs_participant *except);
/* To the room's moderators. */
void rs_emit_moderators(struct rs_room *room, json_t *ev);
/* To one participant (in the room or its lobby). */
void rs_emit_one(struct rs_participant *p, json_t *ev);
/* To a connection (also one that is in no room). */
void rs_emit_peer(struct rs_peer *peer, json_t *ev);
/* To the participants of the room for whom `member(p, ctx)` is true. */
void rs_emit_group(struct rs_room *room, json_t *ev,
                   bool (*member)(const struct rs_participant *p, void *ctx), void *ctx);
/* To the caller of an action, with the call's `ref`. */
void rs_emit_reply(struct rs_call *c, json_t *ev);

/* To those told about `subject` (room/podium.h rs_podium_sees: an audience member is not told
 * about other audience members). */
void rs_emit_about(const struct rs_participant *subject, json_t *ev);
/* control/participant_updated about `p`, to those told about it (rs_emit_about). */
void rs_emit_participant_updated(struct rs_participant *p);

#endif
