/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade's edge side (docs/cluster.md "Cascade"): an edge room's relay to the room's
 * owner, its mirrors of the owner's stage and their tracks over the uplink. The owner's side
 * needs nothing of this module: a relay joins there as an ordinary receive-only participant
 * (room/control.c cascade_relay_join). Control thread only. */
#ifndef RS_SFU_CASCADE_H
#define RS_SFU_CASCADE_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

#include "room/action.h"
#include "sfu/command.h"

struct rs_app;
struct rs_room;
struct rs_media;
struct rs_sdp;

/* The feature (registered with the media feature) that runs an edge room's relay. */
extern const struct rs_feature rs_cascade_feature;

/* An edge audience member's action (`msg`, borrowed) to the owner, who runs it as that member
 * (room/cascade_member.h): 0, -EAGAIN when the relay has not joined, -E2BIG when too long. */
struct rs_participant;
int rs_cascade_edge_forward(struct rs_participant *p, json_t *msg);
/* One whole message the owner sent on the room's relay link (exposed for tests). */
void rs_cascade_on_message(struct rs_room *room, const char *text, size_t len);
/* The relay of `room` cannot go on (`why`, static, for the log): it stops, its mirrors leave,
 * and it is tried again after a backoff (1 s doubling to 15 s) while audience members stay. */
void rs_cascade_edge_fail(struct rs_room *room, const char *why);
/* Relays that failed RS_CASCADE_GIVE_UP times in a row are given up: their audience is sent
 * `moved` to the owner (room.h rs_room_edge_moved), where its join is decided again. Called
 * from the HTTP layer's timer, outside any walk over rooms (it frees rooms). */
#define RS_CASCADE_GIVE_UP 5
void rs_cascade_poll(struct rs_app *app);
/* A worker event about an uplink: handled (true), or not an uplink's (false). */
bool rs_cascade_media_event(struct rs_media *m, const struct rs_event *ev);
/* Our answer to an owner's subscribe offer (see cascade.c). 0, or -ENOSPC. */
int rs_cascade_build_answer(const struct rs_sdp *offer, const char *ufrag, const char *pwd,
                            const char *fingerprint, char *buf, size_t cap, size_t *len_out);

#endif
