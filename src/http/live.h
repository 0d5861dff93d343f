/* SPDX-License-Identifier: EUPL-1.2 */
/* The public livestream of a meeting (docs/api.md "Livestream"), no account and no cookie:
 *
 *   GET /live/{id}              the player page (web/live.html, served by server.c)
 *   GET /live/{id}/index.m3u8   the HLS playlist      public, max-age=1
 *   GET /live/{id}/segNNNNN.ts  one HLS segment       public, max-age=86400, immutable
 *   GET /live/{id}/info.json    title, live, agenda   public, max-age=2
 *
 * Only these names exist: the playlist and the segments are read from LIVE_DIR/<id>/, and a
 * request path is only ever parsed into one of them (rs_live_parse), never joined to the
 * directory as it came, so no other file can be reached. An unknown meeting is 404 for all
 * of them. Nothing here sets a cookie or depends on one, so a CDN in front may cache every
 * answer for the time its Cache-Control names. Control thread only. */
#ifndef RS_HTTP_LIVE_H
#define RS_HTTP_LIVE_H

#include <stddef.h>

#include "core/app.h"
#include "http/request.h"

enum rs_live_kind { RS_LIVE_NONE, RS_LIVE_PAGE, RS_LIVE_PLAYLIST, RS_LIVE_SEGMENT, RS_LIVE_INFO };

#define RS_LIVE_PLAYLIST_MAX (64 * 1024) /* a larger index.m3u8 is not served */
#define RS_LIVE_SEGMENT_NAME_LEN 11      /* "seg00042.ts" */

/* Parses a request path below /live/: the kind, the meeting id into `id` (cap at least
 * RS_ROOM_ID_MAX + 1) and, for a segment, its file name into `seg` (cap at least
 * RS_LIVE_SEGMENT_NAME_LEN + 1). RS_LIVE_NONE for anything else (other names, a bad id,
 * extra slashes). */
enum rs_live_kind rs_live_parse(const char *path, char *id, size_t id_cap, char *seg,
                                size_t seg_cap);

/* Answers a /live request into `resp` and returns RS_HTTP_DONE. For the page of a known
 * meeting `*kind` is RS_LIVE_PAGE and `resp` is left with status 0: the caller serves
 * web/live.html (by Accept-Language only). Counted in ratsaal_live_requests_total{type}. */
int rs_live_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                   enum rs_live_kind *kind);

#endif
