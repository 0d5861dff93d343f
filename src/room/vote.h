/* SPDX-License-Identifier: EUPL-1.2 */
/* The `vote` feature (docs/protocol.md "vote"): motions, ballots and results in a meeting, and
 * the meeting's member list that decides who votes.
 *
 * The store is the truth for votes (store/store_vote.h): nothing about a vote lives only in
 * memory, so a restarted server knows every open vote and every acknowledged ballot. In memory
 * are only caches: the room's member list and each participant's voter key. Control thread. */
#ifndef RS_ROOM_VOTE_H
#define RS_ROOM_VOTE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/app.h"
#include "room/action.h"

struct rs_participant;

extern const struct rs_feature rs_vote_feature;

/* Whether `p` may vote at all (before the electorate of a vote is asked): joined, and a member
 * of the body when the meeting has a member list. This is the one place that decides; the
 * guest role will be checked here too (guests and the public never vote). */
bool rs_vote_may_vote(const struct rs_participant *p);

/* The voter key `p` counts as on the meeting's member list ("u:<user id>" or "n:<name>"), or
 * NULL when the meeting has no member list or `p` is not on it. Borrowed: valid until `p`
 * leaves. The attendance list stores it as the member flag (room/attendance.c). */
const char *rs_vote_member_key(const struct rs_participant *p);

/* The member list of meeting `room_id` changed (REST PUT): the live room, if any, re-reads it,
 * and every participant whose `member` flag changed is described again to everyone. */
void rs_vote_members_changed(struct rs_app *app, const char *room_id);

/* Closes the votes whose deadline passed (any room, also one nobody is in). Cheap when
 * nothing is due: at most one store query per second. Control thread (housekeeping tick). */
void rs_vote_tick(struct rs_app *app);

#endif
