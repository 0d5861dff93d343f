/* SPDX-License-Identifier: EUPL-1.2 */
/* The public livestream's files and info (see live.h).
 *
 * The recorder writes LIVE_DIR/<id>/index.m3u8 and seg%05d.ts (docs/protocol.md "recording");
 * a running stream's playlist has no #EXT-X-ENDLIST, a finished one does. Segments are never
 * rewritten under the same name, so they may be cached for a day; the playlist changes every
 * segment (2 s) and is cached for one second, so a CDN asks the server about once a second
 * however many people watch. Segments are streamed from the open file (rs_http_resp_file),
 * the playlist is small and read whole. */
#include "http/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/recording_dirs.h"
#include "room/action.h"
#include "store/store_agenda.h"

#define CACHE_PLAYLIST "public, max-age=1"
#define CACHE_SEGMENT "public, max-age=86400, immutable"
#define CACHE_INFO "public, max-age=2"

enum rs_live_kind rs_live_parse(const char *path, char *id, size_t id_cap, char *seg,
                                size_t seg_cap)
{
    if (strncmp(path, "/live/", 6) != 0)
        return RS_LIVE_NONE;
    const char *p = path + 6, *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len >= id_cap || len > RS_ROOM_ID_MAX)
        return RS_LIVE_NONE;
    memcpy(id, p, len);
    id[len] = 0;
    if (!rs_room_id_valid(id))
        return RS_LIVE_NONE;
    if (!slash)
        return RS_LIVE_PAGE;
    const char *name = slash + 1;
    if (strcmp(name, "index.m3u8") == 0)
        return RS_LIVE_PLAYLIST;
    if (strcmp(name, "info.json") == 0)
        return RS_LIVE_INFO;
    /* seg[0-9]{5}.ts and nothing else */
    if (strlen(name) != RS_LIVE_SEGMENT_NAME_LEN || strncmp(name, "seg", 3) != 0 ||
        strspn(name + 3, "0123456789") != 5 || strcmp(name + 8, ".ts") != 0 ||
        seg_cap <= RS_LIVE_SEGMENT_NAME_LEN)
        return RS_LIVE_NONE;
    memcpy(seg, name, RS_LIVE_SEGMENT_NAME_LEN + 1);
    return RS_LIVE_SEGMENT;
}

/* Opens LIVE_DIR/<id>/<name> for reading (a regular file, no symlink at the end); the fd and
 * its size, or -1. */
static int open_live(struct rs_app *app, const char *id, const char *name, size_t *size)
{
    char live[RS_CONFIG_PATH_MAX + 32], dir[RS_CONFIG_PATH_MAX + 100],
        path[RS_CONFIG_PATH_MAX + 120];
    if (rs_recording_dirs(&app->cfg, NULL, 0, live, sizeof(live)) ||
        rs_recording_room_dir(live, id, 0, dir, sizeof(dir)) ||
        snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        *size = (size_t)st.st_size;
    return fd;
}

/* The playlist of meeting `id` as a new NUL-terminated string (`*len` bytes), or NULL when
 * there is none (or it is larger than RS_LIVE_PLAYLIST_MAX). */
static char *read_playlist(struct rs_app *app, const char *id, size_t *len)
{
    size_t size;
    int fd = open_live(app, id, "index.m3u8", &size);
    if (fd < 0)
        return NULL;
    char *buf = size <= RS_LIVE_PLAYLIST_MAX ? malloc(size + 1) : NULL;
    ssize_t got = buf ? pread(fd, buf, size, 0) : -1;
    close(fd);
    if (got < 0) {
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    *len = (size_t)got;
    return buf;
}

struct current {
    char *title; /* the current item's title when it is public */
};

static int find_current(const struct rs_agenda_item_record *it, void *arg)
{
    struct current *cur = arg;
    if (!it->started_at_ms || it->ended_at_ms)
        return 0;
    if (it->public)
        cur->title = strdup(it->title ? it->title : "");
    return 1; /* at most one item is current */
}

/* Whether meeting `id` has streamed: its directory under LIVE_DIR exists (the recorder makes it
 * when a moderator starts the stream; it goes with the meeting). */
static bool has_streamed(struct rs_app *app, const char *id)
{
    char live[RS_CONFIG_PATH_MAX + 32], dir[RS_CONFIG_PATH_MAX + 100];
    struct stat st;
    return rs_recording_dirs(&app->cfg, NULL, 0, live, sizeof(live)) == 0 &&
           rs_recording_room_dir(live, id, 0, dir, sizeof(dir)) == 0 && stat(dir, &st) == 0 &&
           S_ISDIR(st.st_mode);
}

static void answer_info(struct rs_app *app, const struct rs_room_record *room,
                        struct rs_http_resp *resp)
{
    size_t len = 0;
    char *pl = read_playlist(app, room->id, &len);
    int live = pl && !strstr(pl, "#EXT-X-ENDLIST");
    free(pl);
    /* a meeting that never streamed is not public: its title and agenda are not told to
     * whoever guesses or kept its id (as GET /api/v1/rooms/{id}/public tells outsiders
     * nothing); the page waits with an empty title */
    bool streamed = has_streamed(app, room->id);
    struct current cur = {NULL};
    if (streamed)
        rs_store_agenda_list(app->store, room->id, find_current, &cur);
    json_t *j = json_pack("{s:s, s:b, s:s?}", "title", streamed ? room->title : "", "live", live,
                          "agenda_item", cur.title);
    free(cur.title);
    rs_http_resp_json(resp, 200, j);
    rs_http_resp_header(resp, "cache-control:", CACHE_INFO);
}

int rs_live_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                   enum rs_live_kind *kind)
{
    static const enum rs_metric counter[] = {
        [RS_LIVE_PAGE] = RS_M_LIVE_REQUESTS_PAGE,
        [RS_LIVE_PLAYLIST] = RS_M_LIVE_REQUESTS_PLAYLIST,
        [RS_LIVE_SEGMENT] = RS_M_LIVE_REQUESTS_SEGMENT,
        [RS_LIVE_INFO] = RS_M_LIVE_REQUESTS_INFO,
    };
    char id[RS_ROOM_ID_MAX + 1], seg[RS_LIVE_SEGMENT_NAME_LEN + 1];
    *kind = rs_live_parse(req->path, id, sizeof(id), seg, sizeof(seg));
    if (*kind == RS_LIVE_NONE) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no such file");
        return RS_HTTP_DONE;
    }
    rs_metric_inc(counter[*kind]);
    if (req->method != RS_HTTP_GET && req->method != RS_HTTP_HEAD) {
        rs_http_resp_header(resp, "allow:", "GET, HEAD");
        rs_http_resp_error(resp, 405, "method_not_allowed", NULL, "GET only");
        return RS_HTTP_DONE;
    }
    struct rs_room_record room;
    if (!app->store || rs_store_room_get(app->store, id, &room)) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no such meeting");
        return RS_HTTP_DONE;
    }
    size_t len = 0;
    switch (*kind) {
    case RS_LIVE_PAGE:
        return RS_HTTP_DONE; /* the caller serves web/live.html */
    case RS_LIVE_INFO:
        answer_info(app, &room, resp);
        return RS_HTTP_DONE;
    case RS_LIVE_PLAYLIST: {
        char *pl = read_playlist(app, id, &len);
        if (!pl)
            break;
        rs_http_resp_release(resp);
        resp->status = 200;
        resp->content_type = "application/vnd.apple.mpegurl";
        resp->body = pl;
        resp->body_len = len;
        rs_http_resp_header(resp, "cache-control:", CACHE_PLAYLIST);
        return RS_HTTP_DONE;
    }
    default: {
        int fd = open_live(app, id, seg, &len);
        if (fd < 0)
            break;
        rs_http_resp_file(resp, fd, len, "video/mp2t");
        rs_http_resp_header(resp, "cache-control:", CACHE_SEGMENT);
        return RS_HTTP_DONE;
    }
    }
    rs_http_resp_error(resp, 404, "not_found", NULL,
                       *kind == RS_LIVE_PLAYLIST ? "the meeting is not streaming"
                                                 : "no such segment");
    return RS_HTTP_DONE;
}
