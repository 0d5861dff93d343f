/* SPDX-License-Identifier: EUPL-1.2 */
/* Room snapshots: a meeting's in-memory state as bytes, for the node that owns the room next
 * (cluster failover and drain; docs/cluster.md "Failover with state").
 *
 * What a room holds only in the owner's memory: its participants (id, name, role, account and
 * invitation flags, the hash of the current resume token) and what the features keep for the
 * room and for each participant (a raised hand, the speakers' list, the chair's decisions, ...).
 * Votes and the agenda are in the store already. A snapshot is one JSON object; the registry
 * writes the participants, each feature its own parts through its save hooks (room/action.h),
 * so a feature owns its format:
 *
 *   {"v":1, "room":"<id>", "saved_at":<ms>,
 *    "participants":[{"id","name","role","user","account","access","invited",
 *                     "invited_moderator","invited_guest","invited_audience","joined_at",
 *                     "resume":"<sha-256 hex>", "f":{"<ns>":<part>, ...}}, ...],
 *    "f":{"<ns>":<part>, ...}}
 *
 * Restoring is the other way round, into a room that has just opened on this node (nobody in
 * it): the participants come back as reconnecting, as if their sockets had just dropped, so
 * that their pages resume them with their tokens (control.c) within resume_grace_s, counted
 * from now; who does not come back leaves with reason "timeout" as on one node. The lobby is
 * not kept (its pages join it again).
 *
 * The bytes come from Redis, which another process may have written: everything is checked,
 * with limits (RS_SNAPSHOT_MAX_BYTES, RS_SNAPSHOT_MAX_PARTICIPANTS). A malformed base (the
 * envelope or a participant) restores nothing; a malformed feature part is dropped alone.
 * Both are counted (ratsaal_cluster_snapshot_errors_total). Control thread only. */
#ifndef RS_ROOM_SNAPSHOT_H
#define RS_ROOM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "room/room.h"

#define RS_SNAPSHOT_MAX_BYTES (4 * 1024 * 1024) /* = RS_CLUSTER_SNAPSHOT_MAX */
#define RS_SNAPSHOT_MAX_PARTICIPANTS 10000 /* max_participants at most */
#define RS_SNAPSHOT_VERSION 1

/* The room's snapshot as a new NUL-terminated string (freed by the caller), its length in
 * `*len`; NULL on OOM or when it would be larger than RS_SNAPSHOT_MAX_BYTES (counted). */
char *rs_room_snapshot_save(struct rs_room *room, int64_t now_ms, size_t *len);

/* Rebuilds `room` (just opened, empty) from a snapshot (`len` bytes, borrowed). Returns the
 * number of participants restored, or -EBADMSG (refused: nothing restored, counted) or
 * -ENOMEM. `now_ms` (wall clock) starts the restored participants' resume grace. */
int rs_room_snapshot_restore(struct rs_room *room, const char *data, size_t len, int64_t now_ms);

/* Writes the snapshots of the registry's rooms that changed (at most every
 * RS_SNAPSHOT_DEBOUNCE_MS plus 1 ms per participant: 0.3 s for a council, 10 s for a podium of
 * 10,000) or that were last written RS_SNAPSHOT_REFRESH_MS ago, through app->room_owner.snapshot_save.
 * Nothing on a single node. Called by rs_rooms_tick. */
void rs_room_snapshot_tick(struct rs_room *room, int64_t now_ms);
/* Writes the room's snapshot now, whatever changed (drain). Returns the hook's result. */
int rs_room_snapshot_write(struct rs_room *room, int64_t now_ms);

#define RS_SNAPSHOT_DEBOUNCE_MS 300
#define RS_SNAPSHOT_REFRESH_MS 15000

/* Parts of a snapshot for the features' hooks: a string or integer member, or a fallback. */
const char *rs_snapshot_str(json_t *o, const char *key);
bool rs_snapshot_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out);
/* `n` bytes as 2n lower-case hex digits and a NUL into `out`; back: 0, or -EINVAL unless `in`
 * is exactly 2n hex digits. */
void rs_snapshot_hex(const uint8_t *in, size_t n, char *out);
int rs_snapshot_unhex(const char *in, uint8_t *out, size_t n);
/* Whether `id` could be a participant id (the shape new_participant_id makes). */
bool rs_snapshot_participant_id_ok(const char *id);

#endif
