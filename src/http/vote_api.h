/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's member list and votes (docs/api.md "Members and votes"), called by
 * api.c once the caller is signed in and may see the meeting. Control thread only. */
#ifndef RS_HTTP_VOTE_API_H
#define RS_HTTP_VOTE_API_H

#include <stdbool.h>

#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

/* Whether api.c should hand /api/v1/meetings/{id}/<rest> to rs_vote_api_handle. */
static inline bool rs_vote_api_route(const char *rest)
{
    return __builtin_strcmp(rest, "members") == 0 || __builtin_strncmp(rest, "votes", 5) == 0;
}

/* Answers the request for `rest` (the path after "/api/v1/meetings/{id}/", borrowed) about
 * meeting `room` (borrowed); `moderator`: the caller moderates it. Returns RS_HTTP_DONE. */
int rs_vote_api_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                       const struct rs_room_record *room, bool moderator, const char *rest);

#endif
