/* SPDX-License-Identifier: EUPL-1.2 */
/* The meeting timer (the `timer` feature, docs/protocol.md): one countdown per room that the
 * chair starts and stops (e.g. "Pause", 10 minutes), seen by everyone; when it runs out everyone
 * is told once. In memory only. Control thread only. */
#ifndef RS_ROOM_TIMER_H
#define RS_ROOM_TIMER_H

#include "room/action.h"

#define RS_TIMER_MIN_S 10
#define RS_TIMER_MAX_S 7200
#define RS_TIMER_LABEL_MAX_CHARS 100

extern const struct rs_feature rs_timer_feature;

#endif
