/* SPDX-License-Identifier: EUPL-1.2 */
/* Session roles of a formal meeting (the `session` feature, docs/protocol.md "session"): the
 * chair ("Vorsitz"), held by one or more moderators, and the minute-taker ("Schriftführung"),
 * any participant or moderator but never a guest.
 *
 * The access levels RS_NEED_CHAIR and RS_NEED_MINUTES (action.h) are decided here, for
 * access.c to ask. Holders are kept per room by account ("u:<user id>") or, without one, by
 * participant id, so a chair who reconnects with the same account still chairs; every change
 * is also appended to the store's role log (store/store_agenda.h) for the meeting's record,
 * and account holders are read back from it when the room opens again. Control thread only;
 * the state lives in the feature's room slot and goes with the room. */
#ifndef RS_ROOM_SESSION_H
#define RS_ROOM_SESSION_H

#include <stdbool.h>

#include "room/action.h"

struct rs_participant;
struct rs_room;

/* Whether `p` holds RS_NEED_CHAIR: a moderator holding the chair, or any moderator while no
 * one present holds it (so a meeting never gets stuck when the chair drops out). */
bool rs_session_may_chair(const struct rs_participant *p);
/* Whether `p` holds RS_NEED_MINUTES: the minute-taker (not a guest), or rs_session_may_chair. */
bool rs_session_may_write_minutes(const struct rs_participant *p);
/* `p` is no longer a moderator (room.c calls this from rs_participant_set_role): it loses the
 * chair, logged like any other change; the caller announces `p` again. */
void rs_session_moderator_lost(struct rs_participant *p);

extern const struct rs_feature rs_session_feature;

#endif
