/* SPDX-License-Identifier: EUPL-1.2 */
/* The speakers' list of a formal session (the `speakers` feature, docs/protocol.md): requests
 * for the floor in order, points of order first, the floor holder, turns with an optional time
 * limit, and speaking time per person. Control thread only. */
#ifndef RS_ROOM_SPEAKERS_H
#define RS_ROOM_SPEAKERS_H

#include <jansson.h>

#include "room/action.h"

struct rs_room;

/* Speaking time per person so far (finished turns and the running one): a new reference to
 * [{"id", "display_name", "turns", "spoken_s"}], kept for people who left. */
json_t *rs_speakers_stats(struct rs_room *room);

extern const struct rs_feature rs_speakers_feature;

#endif
