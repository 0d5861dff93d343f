/* SPDX-License-Identifier: EUPL-1.2 */
/* Quick informal polls (the `poll` feature, docs/protocol.md): one open poll per room, kept in
 * memory only, answered by anyone in the room and closed by the chair, anonymous or named.
 * Unlike votes (room/vote.h) nothing is stored. Control thread only. */
#ifndef RS_ROOM_POLL_H
#define RS_ROOM_POLL_H

#include "room/action.h"

#define RS_POLL_QUESTION_MAX_CHARS 200
#define RS_POLL_OPTION_MAX_CHARS 100
#define RS_POLL_OPTIONS_MIN 2
#define RS_POLL_OPTIONS_MAX 10

extern const struct rs_feature rs_poll_feature;

#endif
