/* SPDX-License-Identifier: EUPL-1.2 */
/* Breakout rooms (the `breakout` feature, docs/protocol.md "breakout"): the chair opens named
 * sub-rooms, places people in them (by hand, at random, or lets them choose), visits them,
 * broadcasts to all, and calls everyone back (by hand or when the duration runs out).
 *
 * A participant's place is 0 (the plenary) or a sub-room id 1..N; nobody is in a sub-room
 * while breakout is closed. The room decides who receives what (rs_breakout_allows); the SFU
 * asks for every subscription (sfu/visibility.c), so a participant who must not hear or see
 * something receives no packet of it, whatever its client does. Every change of places or of
 * the plenary speaker runs the room's audience_changed hooks, so the SFU recomputes.
 *
 * Ownership: the state lives in the feature's room and participant slots and goes with them.
 * Control thread only. */
#ifndef RS_ROOM_BREAKOUT_H
#define RS_ROOM_BREAKOUT_H

#include <jansson.h>
#include <stdbool.h>

#include "room/action.h"

struct rs_room;
struct rs_participant;

#define RS_BREAKOUT_ROOMS_MAX 20
#define RS_BREAKOUT_NAME_MAX_CHARS 60
#define RS_BREAKOUT_BROADCAST_MAX_CHARS 500
#define RS_BREAKOUT_DURATION_MIN_S 60
#define RS_BREAKOUT_DURATION_MAX_S 14400

/* Whether breakout rooms are open in `room` now. */
bool rs_breakout_open(const struct rs_room *room);

/* `p`'s place: 0 (the plenary, also always while breakout is closed) or its sub-room 1..N. */
int rs_breakout_place(const struct rs_participant *p);

/* Whether `listener` may receive `speaker`'s media (`audio`: its microphone; otherwise a
 * camera or a screen) as far as breakout is concerned: always while closed; within one place;
 * and audio of the plenary speaker in a sub-room that hears the plenary. The other rules (the
 * chair's, the audio routes', last-N) apply besides: the SFU ANDs them. */
bool rs_breakout_allows(const struct rs_room *room, const struct rs_participant *listener,
                        const struct rs_participant *speaker, bool audio);

/* Sends `ev` (owned) to everyone in place `place` while breakout is open, to everyone in the
 * room while it is closed. */
void rs_breakout_emit_place(struct rs_room *room, json_t *ev, int place);

/* The SFU heard `p` speak (media/active_speaker): the plenary speaker may change (then the
 * others are told and the audience is recomputed). `p` is borrowed. */
void rs_breakout_note_active_speaker(struct rs_participant *p);

extern const struct rs_feature rs_breakout_feature;

#endif
