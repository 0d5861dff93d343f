/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's attendance list (docs/api.md "Attendance"), called by api.c once
 * the caller is signed in and may see the meeting. Control thread only. */
#ifndef RS_HTTP_ATTENDANCE_API_H
#define RS_HTTP_ATTENDANCE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

/* Whether api.c should hand /api/v1/meetings/{id}/<rest> to rs_attendance_api_handle. */
static inline bool rs_attendance_api_route(const char *rest)
{
    return __builtin_strncmp(rest, "attendance", 10) == 0;
}

/* Answers GET attendance, attendance.csv and attendance.html about meeting `room` (borrowed);
 * only for moderators of the meeting (`moderator`: api.c counts admins in). Returns
 * RS_HTTP_DONE. */
int rs_attendance_api_handle(struct rs_app *app, const struct rs_http_req *req,
                             struct rs_http_resp *resp, const struct rs_room_record *room,
                             bool moderator, const char *rest);

/* The meeting's attendance as GET attendance shows it, without "meeting" and "title": a new
 * {"members", "entries", "quorum"} (docs/api.md "Attendance"), or NULL when the store could not
 * be read. */
json_t *rs_attendance_json(struct rs_app *app, const char *room_id);

/* Writes the tables of an rs_attendance_json object `att` (borrowed) to a printable page: the
 * entries, then a heading of `level` (2: <h2>) and the quorum over time. */
void rs_attendance_html(FILE *f, json_t *att, bool english, int level);

/* Writes `s` (borrowed, may be NULL) to `f` as one RFC 4180 CSV field: quoted (quotes doubled)
 * when it holds a comma, quote, CR or LF; a value starting with = + - @ (or tab or CR) gets a
 * leading ' so a spreadsheet does not run it as a formula. */
void rs_csv_field(FILE *f, const char *s);

#endif
