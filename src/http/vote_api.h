/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's member list and votes (docs/api.md "Members and votes"), called by
 * api.c once the caller is signed in and may see the meeting. Control thread only. */
#ifndef RS_HTTP_VOTE_API_H
#define RS_HTTP_VOTE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

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

/* The label of option `i` of a vote's motion `spec` (borrowed): "ja"/"yes", "nein"/"no",
 * "Enthaltung"/"abstain" for a motion's options and a choice's abstention, else the option as
 * written. Borrowed from `spec` or static. */
const char *rs_vote_option_label(json_t *spec, size_t i, bool english);

/* A vote's result on a printable page: passed or not, quorate or not, a table of the options
 * with their counts, the electorate's size and the ballots cast. `spec` is the motion, `result`
 * the record's result entry's body (both borrowed). */
void rs_vote_html_result(FILE *f, json_t *spec, json_t *result, json_int_t electorate,
                         bool english);

#endif
