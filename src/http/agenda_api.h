/* SPDX-License-Identifier: EUPL-1.2 */
/* REST route of a meeting's agenda (docs/api.md "Agenda"), called by api.c once the caller is
 * signed in and may see the meeting. Control thread only. */
#ifndef RS_HTTP_AGENDA_API_H
#define RS_HTTP_AGENDA_API_H

#include <stdbool.h>

#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

/* Whether api.c should hand /api/v1/meetings/{id}/<rest> to rs_agenda_api_handle. */
static inline bool rs_agenda_api_route(const char *rest)
{
    return __builtin_strcmp(rest, "agenda") == 0;
}

/* GET (anyone who may see meeting `room`, borrowed) and PUT (its moderators: `moderator`) of
 * the agenda. Returns RS_HTTP_DONE. */
int rs_agenda_api_handle(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_http_resp *resp, const struct rs_room_record *room,
                         bool moderator);

#endif
