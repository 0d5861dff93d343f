/* SPDX-License-Identifier: EUPL-1.2 */
/* The attendance list of a managed meeting (docs/api.md "Attendance"): who was in the room
 * when, and the quorum over time.
 *
 * The feature has no actions; its hooks write a row to the store (store/store_attendance.h)
 * when someone enters the room and close it when they leave, are sent to the lobby, or the
 * meeting ends. Anonymous rooms keep nothing. Control thread. */
#ifndef RS_ROOM_ATTENDANCE_H
#define RS_ROOM_ATTENDANCE_H

#include <jansson.h>
#include <stddef.h>

#include "room/action.h"
#include "store/store_attendance.h"

extern const struct rs_feature rs_attendance_feature;

/* Closes the rows a previous process left open (at start-up, before anyone joins), with
 * `now_ms` and reason "server_restart": every open row, or in a cluster those node `node` (this
 * one) opened. Returns how many, or a negative errno. */
int rs_attendance_close_stale(struct rs_store *st, int64_t now_ms, const char *node);

/* The quorum over time from a meeting's rows `r[0..n)` (borrowed, any order): one point per
 * moment someone entered or left, after everything at that moment, with the people present
 * (distinct: two connections of one account count once), the members present, and whether more
 * than half of the `members` on the member list were present (false without a member list).
 * Returns a new array of {"at_ms", "present", "members_present", "quorate"}, NULL on OOM. */
json_t *rs_attendance_timeline(const struct rs_attendance_record *r, size_t n, unsigned members);

#endif
