/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's record, the one export after a meeting (docs/api.md "The
 * meeting's record"): agenda, minutes, votes with results, session roles, attendance and
 * speaking times, as JSON and as a printable page. Called by api.c once the caller is signed in
 * and may see the meeting. Control thread only. */
#ifndef RS_HTTP_RECORD_API_H
#define RS_HTTP_RECORD_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

#define RS_MEETING_RECORD_FORMAT "ratsaal-meeting-record/1"

/* Whether api.c should hand /api/v1/meetings/{id}/<rest> to rs_record_api_handle. */
static inline bool rs_record_api_route(const char *rest)
{
    return __builtin_strcmp(rest, "record") == 0 || __builtin_strcmp(rest, "record.html") == 0;
}

/* Answers GET record and record.html about meeting `room` (borrowed); only for moderators of
 * the meeting (`moderator`: api.c counts admins in), else 403. Returns RS_HTTP_DONE. */
int rs_record_api_handle(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_http_resp *resp, const struct rs_room_record *room,
                         bool moderator, const char *rest);

/* The record of meeting `room` (borrowed) as it stands now: a new reference, or NULL when the
 * store could not be read. */
json_t *rs_record_json(struct rs_app *app, const struct rs_room_record *room);

/* Writes the printable page of a record `doc` (borrowed, from rs_record_json) to `f`. */
void rs_record_html(FILE *f, json_t *doc, bool english);

#endif
