/* SPDX-License-Identifier: EUPL-1.2 */
/* Whisper groups and the whisper key (the `whisper` feature, docs/protocol.md "whisper").
 *
 * A participant forms a group (a faction, say) and invites others, who accept or decline;
 * members leave or the owner removes them. While a member holds the whisper key, its audio
 * reaches only the group's members: the room's audio routing table (room/audio_routes.h) gets
 * "deny * -> speaker" and "allow @whisper-<group> -> speaker", so the SFU forwards none of its
 * packets to anyone else. That is a property of the routing, not of any client: a recorder or
 * livestream that listens like a participant is outside every group and hears no whisper; one
 * that taps audio some other way asks rs_whisper_active().
 *
 * Ownership: groups live in the feature's room slot and go with the room; a participant's
 * memberships, invitations and whisper go when it leaves. Control thread only. */
#ifndef RS_ROOM_WHISPER_H
#define RS_ROOM_WHISPER_H

#include <stdbool.h>

#include "room/action.h"

struct rs_participant;

#define RS_WHISPER_GROUP_MAX 16 /* members and open invitations of one group, owner included */
#define RS_WHISPER_GROUPS_PER_PERSON 4 /* groups one participant owns or belongs to */
#define RS_WHISPER_GROUPS_PER_ROOM 64
#define RS_WHISPER_NAME_MAX_CHARS 40

/* Whether `speaker` is whispering now (its audio goes to its group only). A recording or a
 * livestream must leave such audio out; the routing table already keeps it from everyone
 * outside the group. */
bool rs_whisper_active(const struct rs_participant *speaker);

extern const struct rs_feature rs_whisper_feature;

#endif
