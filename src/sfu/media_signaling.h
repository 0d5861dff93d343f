/* The `media` signaling namespace and the room ↔ SFU hooks.
 *
 * The room layer calls these at join, leave and room teardown; the SFU keeps its
 * per-participant and per-room state in the `media` pointers of those structs. When the media
 * plane is not running (app->media == NULL) the hooks do nothing and media actions are
 * answered with an error. Control thread only. */
#ifndef RS_SFU_MEDIA_SIGNALING_H
#define RS_SFU_MEDIA_SIGNALING_H

#include <jansson.h>

#include "room/room.h"
#include "signaling/message.h"

int rs_media_signaling_handle(struct rs_participant *p, const struct rs_msg *msg,
                              struct rs_msg_error *err);
/* Adds media fields (ice_servers) to the control/joined event `joined` (borrowed). */
void rs_media_joined_extras(struct rs_participant *p, json_t *joined);
/* Adds the participant's published tracks and mute state to its JSON description `j`. */
void rs_media_participant_describe(const struct rs_participant *p, json_t *j);
/* A participant joined: the SFU may offer it the room's existing tracks. */
void rs_media_participant_joined(struct rs_participant *p);
/* The participant is leaving: tear down its transports and tracks. */
void rs_media_participant_free(struct rs_participant *p);
/* Membership changed (after a leave): subscribers get new offers. */
void rs_media_room_changed(struct rs_room *room);
/* The room is being freed. */
void rs_media_room_free(struct rs_room *room);

struct rs_media;
struct rs_event;
/* A worker event, on the control thread (called by rs_sfu_poll_events). */
void rs_media_handle_event(struct rs_media *m, const struct rs_event *ev);

#endif
