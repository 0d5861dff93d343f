/* SPDX-License-Identifier: EUPL-1.2 */
/* The `media` feature: the SFU's side of the room.
 *
 * The SFU registers this feature in the room registry when the media plane starts
 * (rs_sfu_start, rs_sfu_new_detached): its action table serves the `media` signaling namespace,
 * and its hooks (action.h) are how the room tells the media plane about joins, leaves, who
 * hears whom, and the room's end — the room never calls into the SFU by name. When the media
 * plane is not running (app->media == NULL) the hooks do nothing and media actions are answered
 * with an error. Control thread only. */
#ifndef RS_SFU_MEDIA_SIGNALING_H
#define RS_SFU_MEDIA_SIGNALING_H

#include "room/action.h"

extern const struct rs_feature rs_media_feature;

struct rs_media;
struct rs_event;
/* A worker event, on the control thread (called by rs_sfu_poll_events). */
void rs_media_handle_event(struct rs_media *m, const struct rs_event *ev);

#endif
