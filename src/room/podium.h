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

/* `p`'s role changed so that it joined or left the audience (moderators are on stage): the
 * media plane and everyone are told as for call_up and send_back (without the
 * participant_updated, which the role's changer sends). */
void rs_podium_standing_changed(struct rs_participant *p);

/* Edge rooms (docs/cluster.md "Cascade"): podium mode follows the owner's (`on`), the stage
 * is the room's mirrors; after mirrors came or went, the stage changed. Everyone is told. */
void rs_podium_edge_set(struct rs_room *room, bool on);
void rs_podium_edge_stage_changed(struct rs_room *room);

extern const struct rs_feature rs_podium_feature;

#endif
