/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's attendance list (docs/api.md "Attendance"), called by api.c once
 * the caller is signed in and may see the meeting. Control thread only. */
#ifndef RS_HTTP_ATTENDANCE_API_H
#define RS_HTTP_ATTENDANCE_API_H

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

/* Writes `s` (borrowed, may be NULL) to `f` as one RFC 4180 CSV field: quoted (quotes doubled)
 * when it holds a comma, quote, CR or LF; a value starting with = + - @ (or tab or CR) gets a
 * leading ' so a spreadsheet does not run it as a formula. */
void rs_csv_field(FILE *f, const char *s);

#endif
