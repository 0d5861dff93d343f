/* SPDX-License-Identifier: EUPL-1.2 */
/* Chairing a meeting: what the chair decides about others' microphones, cameras and screens,
 * who may come in, and who must go (the `chair` feature, docs/protocol.md).
 *
 * The room decides, the media plane obeys: the SFU asks rs_chair_may_send() for every
 * subscription it enables (sfu/visibility.c), so a participant the chair muted reaches nobody
 * even when its client ignores the mute and keeps sending. The SFU tells the chair when a
 * participant unmutes itself (rs_chair_self_unmute), which lifts a plain mute but never a
 * microphone restriction. A forbidden screen share is simply not forwarded.
 *
 * Ownership: the state lives in the feature's room and participant slots and goes with them.
 * Control thread only. */
#ifndef RS_ROOM_CHAIR_H
#define RS_ROOM_CHAIR_H

#include <stdbool.h>

#include "auth/identity.h"
#include "room/action.h"

struct rs_room;
struct rs_participant;

/* The sources as the media plane numbers them (sfu/media_internal.h enum source). */
enum rs_chair_source { RS_CHAIR_MIC, RS_CHAIR_CAMERA, RS_CHAIR_SCREEN };

/* Whether `p`'s `src` may reach the others now: not muted or turned off by the chair, and for
 * the microphone not silenced by a restriction (moderators, the named set and the floor
 * holder may speak under one). */
bool rs_chair_may_send(const struct rs_participant *p, enum rs_chair_source src);

/* `p` unmuted its own microphone or turned its camera on (media/track_state). Lifts the chair's
 * mute of that source and returns 0; -EPERM with `err` (mic_restricted) when a microphone
 * restriction keeps `p` silent. */
int rs_chair_self_unmute(struct rs_participant *p, enum rs_chair_source src,
                         struct rs_msg_error *err);

/* Whether someone with `ident` may come into `room` (NULL: nothing to check): 0, or -EACCES
 * with `err` when the meeting is locked (meeting_locked; moderators still come in) or the
 * account was banned from it (banned). Counts refusals. */
int rs_chair_admission(struct rs_room *room, const struct rs_identity *ident, bool moderator,
                       struct rs_msg_error *err);

/* The floor holder of the speakers' list (NULL: none): may speak under a restriction, and an
 * earlier mute of it is lifted. */
void rs_chair_set_floor(struct rs_room *room, const struct rs_participant *p);
/* The floor holder (borrowed, in `room`), or NULL. */
struct rs_participant *rs_chair_floor_holder(struct rs_room *room);

extern const struct rs_feature rs_chair_feature;

#endif
