/* SPDX-License-Identifier: EUPL-1.2 */
/* The agenda of a meeting and its minutes (the `agenda` feature, docs/protocol.md "agenda";
 * REST: docs/api.md "Agenda").
 *
 * The store is the truth (store/store_agenda.h): every change is committed before anyone is
 * told, and a live room keeps only the agenda as last read from the store, which it reads
 * again after each change. Votes attach to items (vote/create's `item`, kept in the vote's
 * motion as `agenda_item`); an item with minutes or votes, or the current one, cannot be
 * removed. Control thread only. */
#ifndef RS_ROOM_AGENDA_H
#define RS_ROOM_AGENDA_H

#include <jansson.h>
#include <stdbool.h>

#include "core/app.h"
#include "room/action.h"

struct rs_room;

/* Whether the room's current item is public ("öffentlich"): true when no item is current,
 * false when the agenda could never be read from the store (not known to be public). The
 * livestream and the recording are to stop while this is false. */
bool rs_agenda_current_public(struct rs_room *room);
/* The id of the room's current item, or NULL (borrowed: valid until the agenda changes). */
const char *rs_agenda_current(struct rs_room *room);
/* Whether `item_id` is an item of the room's agenda. */
bool rs_agenda_has_item(struct rs_room *room, const char *item_id);
/* Vote `vote_id` was stored attached to `item_id` (room/vote.c): the item's `votes` grow and
 * everyone gets agenda/state. */
void rs_agenda_vote_attached(struct rs_room *room, const char *item_id, const char *vote_id);

/* The meeting's agenda as GET /api/v1/meetings/{id}/agenda returns it, read from the store:
 * a new reference to {"current", "items"}, or NULL when the store failed. */
json_t *rs_agenda_read(struct rs_app *app, const char *room_id);
/* PUT /api/v1/meetings/{id}/agenda: replaces the meeting's agenda with `items` (borrowed JSON
 * array of {"id"?, "title", "description"?, "public"?}) in that order. An item with the id of an
 * existing one keeps its minutes, times and votes. Returns 0 (stored, the live room told),
 * -EINVAL (bad input: `err` says which field, code invalid_request-worthy), -EBUSY (an item
 * left out is current or has minutes or votes: agenda_item_in_use), -EIO. */
int rs_agenda_replace(struct rs_app *app, const char *room_id, json_t *items,
                      struct rs_msg_error *err);
/* The meeting's minutes or votes changed in the store behind the room's back (retention,
 * http/retention.c): a meeting in progress that has read its agenda reads it again and
 * everyone gets agenda/state. Nothing when the meeting is not open. */
void rs_agenda_reread(struct rs_app *app, const char *room_id);

extern const struct rs_feature rs_agenda_feature;

#endif
