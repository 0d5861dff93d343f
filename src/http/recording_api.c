/* SPDX-License-Identifier: EUPL-1.2 */
/* Recordings over REST, retention and file removal (see recording_api.h).
 *
 * A row names its file relative to recordings_dir. The row comes from our own store, but the
 * path is checked as if it came from outside: no absolute name, no "..", and after opening,
 * the file's real path must lie inside the real recordings_dir (a symlinked directory cannot
 * lead out). A file is sent streamed from the open descriptor (rs_http_resp_file), never read
 * into memory: recordings run to gigabytes.
 *
 * Every download writes an audit row before the file is served; when the row cannot be written
 * the request fails (500) and nothing is served, so the log cannot miss an access. A deletion
 * is audited once it happened (file removed, row marked), so the log names no deletion that
 * failed half-way. */
#include "http/recording_api.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/recording_dirs.h"
#include "http/cluster_glue.h"
#include "http/live.h"
#include "store/store_recording.h"

#define RETENTION_BATCH 256 /* recordings one retention run removes at most */

/* ---- paths ---- */

/* RECORDINGS_DIR/<file> into `out` when `file` is a plain relative name (not empty, not
 * absolute, no ".."). Returns 0 or -EINVAL. */
static int rec_path(struct rs_app *app, const char *file, char *out, size_t cap)
{
    char dir[RS_CONFIG_PATH_MAX + 32];
    if (!file[0] || file[0] == '/' || strstr(file, "..") ||
        rs_recording_dirs(&app->cfg, dir, sizeof(dir), NULL, 0) ||
        snprintf(out, cap, "%s/%s", dir, file) >= (int)cap)
        return -EINVAL;
    return 0;
}

/* Whether `path` (existing) really lies inside recordings_dir, symlinks resolved. */
static bool inside_recordings(struct rs_app *app, const char *path)
{
    char dir[RS_CONFIG_PATH_MAX + 32], real_dir[PATH_MAX], real[PATH_MAX];
    if (rs_recording_dirs(&app->cfg, dir, sizeof(dir), NULL, 0) || !realpath(dir, real_dir) ||
        !realpath(path, real))
        return false;
    size_t n = strlen(real_dir);
    return strncmp(real, real_dir, n) == 0 && real[n] == '/';
}

/* Removes the file of recording `r`: 0 (removed or already gone), -EINVAL (a path refused),
 * or unlink's errno. */
static int remove_file(struct rs_app *app, const struct rs_recording *r)
{
    char path[RS_CONFIG_PATH_MAX + RS_RECORDING_FILE_MAX + 40];
    if (rec_path(app, r->file, path, sizeof(path)))
        return -EINVAL;
    struct stat st;
    if (lstat(path, &st) && errno == ENOENT)
        return 0;
    if (!inside_recordings(app, path))
        return -EINVAL;
    return unlink(path) && errno != ENOENT ? -errno : 0;
}

/* ---- audit ---- */

static int audit(struct rs_app *app, const struct rs_recording *r, const char *event,
                 const struct rs_user_record *user, const char *detail)
{
    struct rs_recording_audit a = {.recording_id = r->id, .at_ms = rs_wall_ms()};
    snprintf(a.room_id, sizeof(a.room_id), "%s", r->room_id);
    snprintf(a.event, sizeof(a.event), "%s", event);
    snprintf(a.kind, sizeof(a.kind), "recording");
    if (user) {
        snprintf(a.actor, sizeof(a.actor), "%s",
                 user->display_name[0] ? user->display_name : user->username);
        snprintf(a.actor_user, sizeof(a.actor_user), "%s", user->id);
    }
    snprintf(a.detail, sizeof(a.detail), "%s", detail);
    int rc = rs_store_recording_audit_add(app->store, &a);
    if (rc)
        RS_ERROR("recording", "event=audit_failed room=%s recording=%lld what=%s rc=%d", r->room_id,
                 (long long)r->id, event, rc);
    return rc;
}

/* ---- REST ---- */

static int fail(struct rs_http_resp *resp, unsigned status, const char *code, const char *text)
{
    rs_http_resp_error(resp, status, code, NULL, text);
    return RS_HTTP_DONE;
}

static json_t *ms_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

static bool downloadable(const struct rs_recording *r)
{
    return strcmp(r->state, "deleted") != 0 && strcmp(r->state, "recording") != 0;
}

struct list_ctx {
    json_t *arr;
    const char *room_id;
};

static int list_each(const struct rs_recording *r, void *arg)
{
    struct list_ctx *ctx = arg;
    char url[160];
    snprintf(url, sizeof(url), "/api/v1/meetings/%s/recordings/%lld/file", ctx->room_id,
             (long long)r->id);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:I, s:o, s:o, s:I, s:s, s:s, s:s, s:i, s:I, s:s?}", "id",
        (json_int_t)r->id, "format", r->format, "state", r->state, "started_at",
        (json_int_t)r->started_at_ms, "ended_at", ms_or_null(r->ended_at_ms), "duration_s",
        r->ended_at_ms ? json_integer((r->ended_at_ms - r->started_at_ms) / 1000) : json_null(),
        "bytes", (json_int_t)r->bytes, "started_by", r->started_by, "purpose", r->purpose, "layout",
        r->layout, "retention_days", (int)r->retention_days, "expires_at",
        (json_int_t)r->expires_at_ms, "download", downloadable(r) ? url : NULL);
    if (!o || json_array_append_new(ctx->arr, o))
        return -ENOMEM;
    return 0;
}

static int audit_each(const struct rs_recording_audit *a, void *arg)
{
    json_t *detail = json_loads(a->detail, 0, NULL);
    json_t *o =
        json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o}", "at", (json_int_t)a->at_ms, "event", a->event,
                  "kind", a->kind[0] ? a->kind : NULL, "actor", a->actor, "recording_id",
                  a->recording_id ? json_integer(a->recording_id) : json_null(), "detail",
                  json_is_object(detail) ? detail : json_object());
    if (detail && !json_is_object(detail))
        json_decref(detail);
    if (!o || json_array_append_new(arg, o))
        return -ENOMEM;
    return 0;
}

/* The recording `rid_text` of meeting `room`, or an answer (404) and -ENOENT. */
static int load(struct rs_app *app, const char *room, const char *rid_text, struct rs_recording *r,
                struct rs_http_resp *resp)
{
    char *end;
    errno = 0;
    long long rid = strtoll(rid_text, &end, 10); /* digits only: no sign, no blank */
    if (rid_text[strspn(rid_text, "0123456789")] || errno || end == rid_text || *end || rid <= 0 ||
        rs_store_recording_get(app->store, rid, r) || strcmp(r->room_id, room) != 0) {
        fail(resp, 404, "not_found", "no such recording");
        return -ENOENT;
    }
    return 0;
}

static int download(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                    const struct rs_recording *r, const struct rs_user_record *user)
{
    if (strcmp(r->state, "recording") == 0)
        return fail(resp, 409, "recording_in_progress", "the recording is still being written");
    if (strcmp(r->state, "deleted") == 0)
        return fail(resp, 404, "not_found", "the recording was deleted");
    char path[RS_CONFIG_PATH_MAX + RS_RECORDING_FILE_MAX + 40];
    if (rec_path(app, r->file, path, sizeof(path))) {
        RS_WARN("recording", "event=path_refused room=%s recording=%lld", r->room_id,
                (long long)r->id);
        return fail(resp, 404, "not_found", "the recording's file is missing");
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || !inside_recordings(app, path))) {
        RS_WARN("recording", "event=path_refused room=%s recording=%lld", r->room_id,
                (long long)r->id);
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        return fail(resp, 404, "not_found", "the recording's file is missing");
    char detail[64];
    snprintf(detail, sizeof(detail), "{\"bytes\":%lld}", (long long)st.st_size);
    if (req->method == RS_HTTP_GET && audit(app, r, "download", user, detail)) {
        close(fd);
        return fail(resp, 500, "internal", "the access could not be logged");
    }
    bool webm = strcmp(r->format, "webm") == 0;
    rs_http_resp_file(resp, fd, (size_t)st.st_size, webm ? "video/webm" : "video/mp4");
    char disp[160];
    snprintf(disp, sizeof(disp), "attachment; filename=\"ratsaal-%s-%lld.%s\"", r->room_id,
             (long long)r->id, webm ? "webm" : "mp4");
    rs_http_resp_header(resp, "content-disposition:", disp);
    rs_http_resp_header(resp, "cache-control:", "private, no-store");
    return RS_HTTP_DONE;
}

static int delete_one(struct rs_app *app, struct rs_http_resp *resp, const struct rs_recording *r,
                      const struct rs_user_record *user)
{
    if (strcmp(r->state, "recording") == 0)
        return fail(resp, 409, "recording_in_progress", "stop the recording before deleting it");
    if (strcmp(r->state, "deleted") == 0)
        return fail(resp, 404, "not_found", "the recording was deleted");
    /* a cluster whose recordings_dir is not seen shared: the file may be on another node's
     * disk, and "not found here" must not become "deleted" (http/cluster_storage.h) */
    if (!rs_cluster_glue_storage_shared(app))
        return fail(resp, 503, "storage_not_shared",
                    "the recordings directory is not (yet) seen shared by every node");
    int rc = remove_file(app, r);
    if (rc) {
        RS_ERROR("recording", "event=remove_failed room=%s recording=%lld rc=%d", r->room_id,
                 (long long)r->id, rc);
        return fail(resp, 500, "internal", "the file could not be removed");
    }
    if (rs_store_recording_mark_deleted(app->store, r->id))
        return fail(resp, 500, "internal", "the recording could not be marked deleted");
    audit(app, r, "delete", user, "{}"); /* the file is gone either way; a failure is logged */
    rs_metric_inc(RS_M_RECORDINGS_DELETED_USER);
    RS_INFO("recording", "event=deleted room=%s recording=%lld user=%s", r->room_id,
            (long long)r->id, user->id);
    resp->status = 204;
    return RS_HTTP_DONE;
}

static int bad_method(struct rs_http_resp *resp, const char *allow)
{
    rs_http_resp_header(resp, "allow:", allow);
    return fail(resp, 405, "method_not_allowed", "method not allowed here");
}

int rs_recording_api_handle(struct rs_app *app, const struct rs_http_req *req,
                            struct rs_http_resp *resp, const struct rs_room_record *room,
                            bool moderator, const struct rs_user_record *user, const char *rest)
{
    if (!moderator) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        return fail(resp, 403, "forbidden", "only the meeting's moderators see its recordings");
    }
    bool get = req->method == RS_HTTP_GET || req->method == RS_HTTP_HEAD;
    if (strcmp(rest, "recording-audit") == 0 || strcmp(rest, "recordings") == 0) {
        if (!get)
            return bad_method(resp, "GET, HEAD");
        json_t *arr = json_array();
        int rc = rest[9] == '-'
                     ? rs_store_recording_audit_list(app->store, room->id, audit_each, arr)
                     : rs_store_recording_list(app->store, room->id, list_each,
                                               &(struct list_ctx){arr, room->id});
        if (rc) {
            json_decref(arr);
            return fail(resp, 500, "internal", "the store could not be read");
        }
        rs_http_resp_json(resp, 200,
                          json_pack("{s:o}", rest[9] == '-' ? "events" : "recordings", arr));
        return RS_HTTP_DONE;
    }
    /* recordings/{rid} and recordings/{rid}/file */
    if (rest[10] != '/')
        return fail(resp, 404, "not_found", "no such endpoint");
    char rid[24];
    const char *p = rest + 11, *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len >= sizeof(rid) || (slash && strcmp(slash, "/file") != 0))
        return fail(resp, 404, "not_found", "no such endpoint");
    memcpy(rid, p, len);
    rid[len] = 0;
    if (slash ? !get : req->method != RS_HTTP_DELETE)
        return bad_method(resp, slash ? "GET, HEAD" : "DELETE");
    struct rs_recording r;
    if (load(app, room->id, rid, &r, resp))
        return RS_HTTP_DONE;
    return slash ? download(app, req, resp, &r, user) : delete_one(app, resp, &r, user);
}

/* ---- start-up, retention, meeting deletion ---- */

int rs_recordings_startup(struct rs_app *app, int64_t now_ms, char *err, size_t errlen)
{
    /* in a cluster only this node's own: the others' may be live (main.c, docs/security.md F8) */
    int n = app->store ? rs_store_recording_close_open(
                             app->store, now_ms,
                             app->cfg.cluster_redis[0] ? app->cfg.cluster_node_id : NULL)
                       : 0;
    if (n > 0)
        RS_INFO("recording", "event=closed_interrupted recordings=%d", n);
    return rs_recording_dirs_create(&app->cfg, err, errlen);
}

struct retention_job {
    struct rs_app *app;
    size_t n;
    struct rs_recording rec[RETENTION_BATCH];
    int rc[RETENTION_BATCH]; /* of remove_file, on the job thread */
};

static int expired_each(const struct rs_recording *r, void *arg)
{
    struct retention_job *job = arg;
    job->rec[job->n++] = *r;
    return job->n == RETENTION_BATCH; /* the rest waits for the next run */
}

static void retention_run(void *arg)
{
    struct retention_job *job = arg;
    for (size_t i = 0; i < job->n; i++)
        job->rc[i] = remove_file(job->app, &job->rec[i]);
}

static void retention_done(void *arg)
{
    struct retention_job *job = arg;
    for (size_t i = 0; i < job->n; i++) {
        const struct rs_recording *r = &job->rec[i];
        if (job->rc[i]) {
            RS_ERROR("recording", "event=retention_remove_failed room=%s recording=%lld rc=%d",
                     r->room_id, (long long)r->id, job->rc[i]);
            continue;
        }
        if (rs_store_recording_mark_deleted(job->app->store, r->id))
            continue;
        char detail[64];
        snprintf(detail, sizeof(detail), "{\"retention_days\":%u}", r->retention_days);
        audit(job->app, r, "retention_delete", NULL, detail);
        rs_metric_inc(RS_M_RECORDINGS_DELETED_RETENTION);
        RS_INFO("recording", "event=retention_deleted room=%s recording=%lld", r->room_id,
                (long long)r->id);
    }
    free(job);
}

int rs_recording_retention(struct rs_app *app, int64_t now_ms)
{
    if (!app->store)
        return 0;
    /* in a cluster a file not found here may be on another node's disk: wait until the
     * directory is known to be shared (http/cluster_storage.h) */
    if (!rs_cluster_glue_storage_shared(app))
        return 0;
    struct retention_job *job = calloc(1, sizeof(*job));
    if (!job)
        return -ENOMEM;
    job->app = app;
    if (rs_store_recording_expired(app->store, now_ms, expired_each, job) || job->n == 0) {
        free(job);
        return 0;
    }
    int n = (int)job->n;
    if (rs_jobs_submit(retention_run, retention_done, job)) {
        RS_WARN("recording", "event=retention_deferred recordings=%d", n);
        free(job);
        return 0;
    }
    return n;
}

static int unlink_each(const struct rs_recording *r, void *arg)
{
    int rc = remove_file(arg, r);
    if (rc)
        RS_WARN("recording", "event=remove_failed room=%s recording=%lld rc=%d", r->room_id,
                (long long)r->id, rc);
    return 0;
}

/* Removes LIVE_DIR/<id>/ with the playlist and segments in it (nothing else is ours). */
static void remove_live_dir(struct rs_app *app, const char *room_id)
{
    char live[RS_CONFIG_PATH_MAX + 32], dir[RS_CONFIG_PATH_MAX + 100];
    if (rs_recording_dirs(&app->cfg, NULL, 0, live, sizeof(live)) ||
        rs_recording_room_dir(live, room_id, 0, dir, sizeof(dir)))
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char url[RS_ROOM_ID_MAX + 300], id[RS_ROOM_ID_MAX + 1], seg[RS_LIVE_SEGMENT_NAME_LEN + 1];
        snprintf(url, sizeof(url), "/live/%s/%s", room_id, e->d_name);
        enum rs_live_kind k = rs_live_parse(url, id, sizeof(id), seg, sizeof(seg));
        if (k == RS_LIVE_PLAYLIST || k == RS_LIVE_SEGMENT)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    rmdir(dir);
}

void rs_recordings_remove_meeting_files(struct rs_app *app, const char *room_id)
{
    if (app->store)
        rs_store_recording_list(app->store, room_id, unlink_each, app);
    char rec[RS_CONFIG_PATH_MAX + 32], dir[RS_CONFIG_PATH_MAX + 100];
    if (rs_recording_dirs(&app->cfg, rec, sizeof(rec), NULL, 0) == 0 &&
        rs_recording_room_dir(rec, room_id, 0, dir, sizeof(dir)) == 0)
        rmdir(dir); /* only when empty: a file no row names is left for the operator */
    remove_live_dir(app, room_id);
}
