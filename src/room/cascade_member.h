/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade on the owner: another node's audience as members of this room (the `cascade`
 * feature, docs/cluster.md "Cascade").
 *
 * An edge node's relay (control.c cascade_relay_join) tells the owner about each audience
 * member it serves (member_join / member_leave) and passes on what they do (as). Each becomes
 * a participant here with `cascade_member` set and a peer of its own whose frames go, wrapped,
 * over the relay's connection; so hands, questions, chat, reactions, the audience count and
 * attendance treat it as any local audience member. Called up to the stage, it becomes a
 * reconnecting participant of this node (rs_cascade_member_call_up) that the browser resumes
 * here with its resume token. Ownership: a member's stand-in peer lives in the feature's
 * participant slot and goes with the participant. Control thread only. */
#ifndef RS_ROOM_CASCADE_MEMBER_H
#define RS_ROOM_CASCADE_MEMBER_H

#include "room/action.h"

struct rs_participant;

/* The namespaces an edge audience member's actions may use (sfu/cascade.c forwards only these,
 * the owner runs only these). */
bool rs_cascade_member_ns_ok(const char *ns);

/* The chair called `p` (a cascade member) up: its node is told to move it here, and it stays
 * as a reconnecting participant of this node that its browser resumes with the resume token it
 * holds from its node (control/join with `resume`). */
void rs_cascade_member_call_up(struct rs_participant *p);

/* `relay` (a relay participant) is leaving: its node's audience leaves this room first
 * ("disconnected"), while `relay` is still whole. Called by room.c before any feature forgets
 * `relay`: a member's leave tells the room, and what the room then says about everyone must
 * not find the relay half gone (a feature's state made anew for it would never be freed). */
void rs_cascade_member_relay_leaving(struct rs_participant *relay);

extern const struct rs_feature rs_cascade_member_feature;

#endif
