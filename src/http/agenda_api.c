/* SPDX-License-Identifier: EUPL-1.2 */
/* REST route of a meeting's agenda (docs/api.md "Agenda"):
 *
 *   GET /api/v1/meetings/{id}/agenda   the agenda as agenda/state shows it (anyone with access)
 *   PUT /api/v1/meetings/{id}/agenda   replaces the list, keeping what the named items hold
 *                                      (the meeting's moderators)
 *
 * The rules (ids, limits, what may not be dropped) are room/agenda.c's, shared with the live
 * meeting; this file maps their outcome to HTTP: a bad body is 400 invalid_request naming the
 * field, dropping an item that is current or has minutes or votes is 409 agenda_item_in_use. */
#include "http/agenda_api.h"
#include "http/cluster_events.h"

#include <errno.h>
#include <string.h>

#include "core/metrics.h"
#include "http/store_error.h"
#include "room/agenda.h"

static int done_error(struct rs_http_resp *resp, unsigned status, const char *code,
                      const char *field, const char *text)
{
    rs_http_resp_error(resp, status, code, field, text);
    return RS_HTTP_DONE;
}

static int agenda_get(struct rs_app *app, const char *room_id, struct rs_http_resp *resp)
{
    json_t *j = rs_agenda_read(app, room_id);
    if (!j)
        return done_error(resp, 500, "internal", NULL, "the agenda could not be read");
    rs_http_resp_json(resp, 200, j);
    return RS_HTTP_DONE;
}

static int agenda_put(struct rs_app *app, const struct rs_http_req *req,
                      const struct rs_room_record *room, struct rs_http_resp *resp)
{
    json_error_t e;
    json_t *body =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e) : NULL;
    json_t *items = json_object_get(body, "items");
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    int rc = items ? rs_agenda_replace(app, room->id, items, &err) : -EINVAL;
    json_decref(body);
    if (!items)
        return done_error(resp, 400, "invalid_request", "items",
                          "the body must be {\"items\": [...]}");
    if (rc == -EINVAL)
        return done_error(resp, 400, "invalid_request", err.field, err.text);
    if (rc == -EBUSY)
        return done_error(resp, 409, "agenda_item_in_use", err.field, err.text);
    if (rc && (err.code == RS_ERR_STORAGE_FULL || err.code == RS_ERR_STORAGE_BUSY)) {
        rs_http_resp_store_error(resp, "the agenda could not be stored");
        return RS_HTTP_DONE;
    }
    if (rc)
        return done_error(resp, 500, "internal", NULL, err.text);
    rs_cluster_room_changed(app, room->id, "agenda/changed", NULL);
    return agenda_get(app, room->id, resp);
}

int rs_agenda_api_handle(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_http_resp *resp, const struct rs_room_record *room,
                         bool moderator)
{
    if (req->method == RS_HTTP_GET)
        return agenda_get(app, room->id, resp);
    if (req->method != RS_HTTP_PUT) {
        rs_http_resp_header(resp, "allow:", "GET, PUT");
        return done_error(resp, 405, "method_not_allowed", NULL, "method not allowed here");
    }
    if (!moderator) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        return done_error(resp, 403, "forbidden", NULL,
                          "only the meeting's moderators change its agenda");
    }
    return agenda_put(app, req, room, resp);
}
