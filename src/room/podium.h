/* SPDX-License-Identifier: EUPL-1.2 */
/* Podium mode: a stage seen and heard by all, an audience that only receives (the `podium`
 * feature, docs/protocol.md "podium").
 *
 * The room decides, the media plane obeys: the SFU asks rs_podium_may_publish() before it
 * answers a media/publish and for every subscription it enables (sfu/visibility.c), and when
 * someone leaves the stage the room tells it through the audience_changed hook
 * (rs_room_audience_changed), where it ends that participant's publication. Audience members'
 * joins, leaves and updates go only to those who see the audience (rs_podium_sees), so that a
 * join storm of a thousand listeners stays O(n).
 *
 * Ownership: the state lives in the feature's room and participant slots and goes with them.
 * Control thread only. */
#ifndef RS_ROOM_PODIUM_H
#define RS_ROOM_PODIUM_H

#include <stdbool.h>

#include "room/action.h"

struct rs_room;
struct rs_participant;

#define RS_PODIUM_QUESTION_MAX_CHARS 500
#define RS_PODIUM_QUESTIONS_PER_PERSON 3 /* open questions of one participant */
#define RS_PODIUM_QUESTIONS_PER_ROOM 200 /* open questions of one meeting */
#define RS_PODIUM_QUESTIONS_SHOWN 50     /* entries of a podium/questions event */
#define RS_PODIUM_AUDIENCE_EVENT_MS 2000 /* podium/audience at most this often */

/* Whether podium mode is on in `room`. */
bool rs_podium_on(const struct rs_room *room);
/* Whether `p` is in the audience: podium mode is on and it is not on the stage, or it came with
 * an audience invitation and was not called up. The audience receives only. */
bool rs_podium_audience(const struct rs_participant *p);
/* Whether `p` may publish media now: it is not in the audience. */
bool rs_podium_may_publish(const struct rs_participant *p);
/* Whether `viewer` is told about `subject` (participant_joined/left/updated, hand events):
 * always, unless `subject` is in the audience and `viewer` is too. */
bool rs_podium_sees(const struct rs_participant *viewer, const struct rs_participant *subject);

extern const struct rs_feature rs_podium_feature;

#endif
