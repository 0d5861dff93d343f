/* SPDX-License-Identifier: EUPL-1.2 */
/* Audio routing: who hears whom in a room, as data.
 *
 * Every room has one table of rules. A rule says that listeners matching one selector do or do
 * not hear speakers matching another. A selector is a participant id ("p7c1e0a9b"), a group
 * ("@podium", "@breakout-2") or "*" (everyone). Rules are evaluated in order and the LAST one
 * that matches wins; when none matches the listener hears the speaker. So the features that
 * will come only write rules and group memberships, for example:
 *
 *   breakout rooms   deny * -> *, allow @b1 -> @b1, allow @b2 -> @b2 (members join @b1/@b2)
 *   podium           deny * -> *, allow * -> @podium
 *   whisper A to B   deny * -> A, allow B -> A, allow A -> A
 *
 * (Breakout rooms route cameras and screens as well, so they became a rule of their own,
 * room/breakout.h, which the SFU ANDs with this table; the breakout example is only a shape.)
 *
 * A change through the rs_audio_route_* functions recomputes the `enabled` flag of every audio
 * subscription in the room and tells the media worker about the ones that changed (no SDP
 * renegotiation: a cut-off speaker's packets are simply not forwarded).
 *
 * This is the room's side of who hears whom: features write rules here; the media plane only
 * asks (rs_audio_route_allows) and is told of changes through the audience_changed hook of its
 * feature (rs_room_audience_changed), so it never decides policy itself.
 *
 * Ownership: the table belongs to the room (created on first change, freed with the room; a
 * participant's rules and memberships go when it leaves). Strings are copied. Control thread
 * only. */
#ifndef RS_ROOM_AUDIO_ROUTES_H
#define RS_ROOM_AUDIO_ROUTES_H

#include <stdbool.h>

struct rs_room;
struct rs_participant;

#define RS_AUDIO_SELECTOR_SIZE 66 /* "@" + 64 chars + NUL */
#define RS_AUDIO_MAX_RULES 256
#define RS_AUDIO_MAX_MEMBERS 1024 /* participant-in-group memberships per room */

struct rs_audio_routes;

/* The table itself (no room needed: what the unit tests and media_signaling.c use). */
struct rs_audio_routes *rs_audio_routes_new(void);
void rs_audio_routes_free(struct rs_audio_routes *t);
/* Appends a rule (a rule with the same selectors is replaced and moves to the end).
 * -EINVAL on a bad selector, -E2BIG when RS_AUDIO_MAX_RULES are set. */
int rs_audio_routes_set(struct rs_audio_routes *t, const char *listener, const char *speaker,
                        bool allow);
/* Removes the rule with these selectors. -ENOENT when there is none. */
int rs_audio_routes_clear(struct rs_audio_routes *t, const char *listener, const char *speaker);
/* Puts participant `id` into `group` (name without '@'), or removes it from every group when
 * `group` is NULL or "". A participant may be in several groups. */
int rs_audio_routes_join(struct rs_audio_routes *t, const char *id, const char *group);
int rs_audio_routes_leave(struct rs_audio_routes *t, const char *id, const char *group);
/* Drops every rule and membership naming participant `id` (it left the room). */
void rs_audio_routes_forget(struct rs_audio_routes *t, const char *id);
/* Drops every rule and membership: everyone hears everyone again. */
void rs_audio_routes_reset(struct rs_audio_routes *t);
bool rs_audio_routes_allows(const struct rs_audio_routes *t, const char *listener_id,
                            const char *speaker_id);

/* The room's table, consulted for every audio subscription. Default: true. */
bool rs_audio_route_allows(const struct rs_room *room, const struct rs_participant *listener,
                           const struct rs_participant *speaker);
/* The same operations on a room's table, followed by the recomputation described above.
 * -ENOMEM when the table cannot be created. */
int rs_audio_route_set(struct rs_room *room, const char *listener, const char *speaker, bool allow);
int rs_audio_route_clear(struct rs_room *room, const char *listener, const char *speaker);
int rs_audio_route_join(struct rs_room *room, const char *id, const char *group);
int rs_audio_route_leave(struct rs_room *room, const char *id, const char *group);
int rs_audio_route_reset(struct rs_room *room);
/* The room's table itself, created on first use (NULL on OOM); borrowed, owned by the room.
 * Changes made through it are NOT announced: for a feature's audience_changed hook that keeps
 * its own rules in force (room/whisper.c) while the announcement is already under way. */
struct rs_audio_routes *rs_audio_route_table(struct rs_room *room);

#endif
