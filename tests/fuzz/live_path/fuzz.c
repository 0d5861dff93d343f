/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the public livestream's request path (rs_live_parse). Input: a request path.
 * Whatever it is, a recognised path names a valid meeting id and one of the four things under
 * it, spelled exactly; the segment name is seg + five digits + .ts; nothing with a slash or a
 * dot-dot ever comes out as an id or a file name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/live.h"
#include "room/action.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char path[4097];
    memcpy(path, data, size);
    path[size] = 0; /* a request path has no NUL in it; the part before one is the path */
    char id[RS_ROOM_ID_MAX + 1], seg[RS_LIVE_SEGMENT_NAME_LEN + 1];
    enum rs_live_kind k = rs_live_parse(path, id, sizeof(id), seg, sizeof(seg));
    if (k == RS_LIVE_NONE)
        return 0;
    if (!rs_room_id_valid(id) || strchr(id, '/') || strstr(id, ".."))
        abort();
    char want[RS_ROOM_ID_MAX + 64];
    switch (k) {
    case RS_LIVE_PAGE:
        snprintf(want, sizeof(want), "/live/%s", id);
        break;
    case RS_LIVE_PLAYLIST:
        snprintf(want, sizeof(want), "/live/%s/index.m3u8", id);
        break;
    case RS_LIVE_INFO:
        snprintf(want, sizeof(want), "/live/%s/info.json", id);
        break;
    case RS_LIVE_SEGMENT:
        if (strlen(seg) != RS_LIVE_SEGMENT_NAME_LEN || strncmp(seg, "seg", 3) ||
            strspn(seg + 3, "0123456789") != 5 || strcmp(seg + 8, ".ts"))
            abort();
        snprintf(want, sizeof(want), "/live/%s/%s", id, seg);
        break;
    default:
        abort();
    }
    if (strcmp(want, path) != 0)
        abort();
    return 0;
}
