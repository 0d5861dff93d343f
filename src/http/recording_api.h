/* SPDX-License-Identifier: EUPL-1.2 */
/* Recordings of a meeting over REST (docs/api.md "Recordings"), their retention, and what
 * happens to their files at start-up and when the meeting is deleted. Control thread only.
 *
 *   GET    /api/v1/meetings/{id}/recordings             the list, newest first
 *   GET    /api/v1/meetings/{id}/recordings/{rid}/file  the file (streamed), audited "download"
 *   DELETE /api/v1/meetings/{id}/recordings/{rid}       file removed, row "deleted", audited
 *   GET    /api/v1/meetings/{id}/recording-audit        the audit log, oldest first
 *
 * Moderators of the meeting only (api.c counts admins in). */
#ifndef RS_HTTP_RECORDING_API_H
#define RS_HTTP_RECORDING_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

/* Whether api.c should hand /api/v1/meetings/{id}/<rest> to rs_recording_api_handle. */
static inline bool rs_recording_api_route(const char *rest)
{
    return __builtin_strncmp(rest, "recordings", 10) == 0 ||
           __builtin_strcmp(rest, "recording-audit") == 0;
}

/* Answers the request for `rest` (the path after "/api/v1/meetings/{id}/", borrowed) about
 * meeting `room`; `moderator`: the caller `user` moderates it (both borrowed). Returns
 * RS_HTTP_DONE. */
int rs_recording_api_handle(struct rs_app *app, const struct rs_http_req *req,
                            struct rs_http_resp *resp, const struct rs_room_record *room,
                            bool moderator, const struct rs_user_record *user, const char *rest);

/* At start-up, before any room opens: creates recordings_dir and live_dir (mode 0700) and
 * marks recordings a previous process left "recording" as "interrupted". Returns 0, or a
 * negative errno with the reason in `err` (the server runs on; recording will fail). */
int rs_recordings_startup(struct rs_app *app, int64_t now_ms, char *err, size_t errlen);

/* Retention (from the hourly housekeeping, and once at start-up): every recording whose
 * expires_at has passed loses its file (removed on the job thread), then its row becomes
 * "deleted" with an audit row "retention_delete". Returns how many were handed to the job. */
int rs_recording_retention(struct rs_app *app, int64_t now_ms);

/* Meeting `room_id` is about to be deleted: removes its recording files and its live
 * directory (the rows go with the meeting in the store). */
void rs_recordings_remove_meeting_files(struct rs_app *app, const char *room_id);

#endif
