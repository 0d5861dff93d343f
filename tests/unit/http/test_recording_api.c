/* SPDX-License-Identifier: EUPL-1.2 */
/* Recordings over REST (http/recording_api.c) and the public livestream's files (http/live.c)
 * over a real SQLite store and real files in a temporary DATA_DIR: the list, the download
 * (streamed from the file, audited) and the deletion (file gone, row deleted, audited) as a
 * moderator; 403 for a participant and 401 without a session; 409 while a recording is being
 * written; forged rows naming files outside recordings_dir (absolute, "..", a symlink, a
 * symlinked directory) refused; retention removing an expired file and keeping a fresh one;
 * start-up and meeting deletion; /live names, headers, info.json and unknown meetings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/recording_dirs.h"
#include "http/api.h"
#include "http/live.h"
#include "http/recording_api.h"
#include "store/store_agenda.h"
#include "store/store_recording.h"
#include "store/store_vote.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

#define DAY_MS (24 * 3600 * 1000LL)

static const char *MEETING = "recAAAAAAAAAAAAAAAAAAA";
static const char *OTHER = "recBBBBBBBBBBBBBBBBBBB";
static struct rs_user_record owner, alice;
static char owner_cookie[96], alice_cookie[96];
static char outside[96]; /* a directory outside DATA_DIR */

/* Two meetings of `owner`; alice is a member (a participant) of the first. */
static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-recording-api"))
        return -1;
    snprintf(th_app.cfg.data_dir, sizeof(th_app.cfg.data_dir), "%s", th_dir);
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    snprintf(owner.display_name, sizeof(owner.display_name), "owner");
    th_meeting(MEETING, &owner);
    th_meeting(OTHER, &owner);
    struct rs_room_record m;
    assert_int_equal(rs_store_room_get(th_app.store, MEETING, &m), 0);
    snprintf(m.title, sizeof(m.title), "Rat der Stadt");
    assert_int_equal(rs_store_meeting_update(th_app.store, &m), 0);
    struct rs_member_record member;
    memset(&member, 0, sizeof(member));
    snprintf(member.user_id, sizeof(member.user_id), "%s", alice.id);
    snprintf(member.name, sizeof(member.name), "alice");
    assert_int_equal(rs_store_members_set(th_app.store, MEETING, &member, 1), 0);
    th_login(&owner, owner_cookie, sizeof(owner_cookie));
    th_login(&alice, alice_cookie, sizeof(alice_cookie));
    char err[256];
    assert_int_equal(rs_recordings_startup(&th_app, 1000, err, sizeof(err)), 0);
    assert_int_equal(test_tmp_dir(outside, sizeof(outside), "rs-recording-outside"), 0);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    char p[160];
    const char *sub[] = {"recordings", "live"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof(p), "%s/%s", th_dir, sub[i]);
        nftw(p, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
    nftw(outside, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    rs_api_shutdown(&th_app);
    th_teardown();
    return 0;
}

/* ---- helpers ---- */

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* DATA_DIR/<sub>/<rel> */
static const char *data_path(const char *sub, const char *rel)
{
    static char p[2][512];
    static unsigned n;
    char *out = p[n++ % 2];
    snprintf(out, 512, "%s/%s/%s", th_dir, sub, rel);
    return out;
}

/* A recording of `room` in `state` whose file RECORDINGS_DIR/<room>/<name> holds `content`
 * (no file when NULL), started at `started` and kept `days`. Its id. */
static int64_t recording(const char *room, const char *state, const char *name, const char *content,
                         int64_t started, unsigned days)
{
    struct rs_recording r = {.started_at_ms = started, .retention_days = days};
    snprintf(r.room_id, sizeof(r.room_id), "%s", room);
    snprintf(r.format, sizeof(r.format), "mp4");
    snprintf(r.layout, sizeof(r.layout), "speaker");
    snprintf(r.started_by, sizeof(r.started_by), "Anna Amt");
    snprintf(r.purpose, sizeof(r.purpose), "Protokoll");
    snprintf(r.file, sizeof(r.file), "%s/%s", room, name);
    snprintf(r.state, sizeof(r.state), "recording");
    r.expires_at_ms = started + (int64_t)days * DAY_MS;
    assert_int_equal(rs_store_recording_add(th_app.store, &r), 0);
    if (strcmp(state, "recording") != 0)
        assert_int_equal(rs_store_recording_finish(th_app.store, r.id, started + 31000,
                                                   content ? (int64_t)strlen(content) : 0, state),
                         0);
    if (content) {
        mkdir(data_path("recordings", room), 0700);
        write_file(data_path("recordings", r.file), content);
    }
    return r.id;
}

/* A row the store would refuse (absolute or ".." file), written past its CHECKs. Its id. */
static int64_t forged(const char *file)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(th_db, &db), SQLITE_OK);
    char *sql = sqlite3_mprintf(
        "PRAGMA ignore_check_constraints = ON;"
        "INSERT INTO recordings (room_id, format, file, layout, started_by, purpose, "
        "started_at_ms, ended_at_ms, bytes, retention_days, expires_at_ms, state) VALUES "
        "(%Q, 'mp4', %Q, 'speaker', 'x', 'x', 1, 2, 0, 30, 4102444800000, 'done');",
        MEETING, file);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    int64_t id = sqlite3_last_insert_rowid(db);
    sqlite3_close(db);
    return id;
}

struct answer {
    unsigned status;
    json_t *json; /* the body as JSON when it is JSON */
    char body[256];
    const char *type;
    struct rs_http_resp resp; /* headers */
};

static const char *header(const struct answer *a, const char *name)
{
    for (unsigned i = 0; i < a->resp.n_headers; i++)
        if (strcmp(a->resp.header_names[i], name) == 0)
            return a->resp.header_values[i];
    return NULL;
}

/* Collects a response: its body from memory or from the streamed file. */
static struct answer collect(struct rs_http_resp *resp)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    a.status = resp->status;
    a.type = resp->content_type;
    if (resp->has_file) {
        size_t n = resp->body_len < sizeof(a.body) - 1 ? resp->body_len : sizeof(a.body) - 1;
        assert_int_equal(pread(resp->file_fd, a.body, n, 0), (ssize_t)n);
    } else if (resp->body) {
        snprintf(a.body, sizeof(a.body), "%.*s", (int)resp->body_len, resp->body);
        if (a.type && strcmp(a.type, "application/json") == 0)
            a.json = json_loadb(resp->body, resp->body_len, 0, NULL);
    }
    a.resp = *resp;
    a.resp.body = NULL;
    a.resp.has_file = 0;
    rs_http_resp_release(resp);
    return a;
}

static struct answer call(enum rs_http_method m, const char *path, const char *cookie)
{
    struct rs_http_req req = {.method = m,
                              .path = path,
                              .cookie = cookie,
                              .content_type = m == RS_HTTP_GET ? "" : "application/json",
                              .origin = "",
                              .host = "",
                              .peer = "127.0.0.1"};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&th_app, &req, &resp), RS_HTTP_DONE);
    return collect(&resp);
}

/* /api/v1/meetings/MEETING<tail> */
static const char *mpath(const char *tail)
{
    static char u[2][160];
    static unsigned n;
    char *out = u[n++ % 2];
    snprintf(out, 160, "/api/v1/meetings/%s%s", MEETING, tail);
    return out;
}

/* /api/v1/meetings/MEETING/recordings/<rid><suffix> */
static const char *rec_url(int64_t rid, const char *suffix)
{
    char tail[64];
    snprintf(tail, sizeof(tail), "/recordings/%lld%s", (long long)rid, suffix);
    return mpath(tail);
}

static const char *error_code(const struct answer *a)
{
    return json_string_value(json_object_get(json_object_get(a->json, "error"), "code"));
}

static void done(struct answer *a)
{
    json_decref(a->json);
    a->json = NULL;
}

/* The meeting's audit events as "event:actor:rid,..." */
static const char *audit_events(void)
{
    static char out[512];
    out[0] = 0;
    struct answer a = call(RS_HTTP_GET, mpath("/recording-audit"), owner_cookie);
    assert_int_equal(a.status, 200);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(a.json, "events"), i, e)
    {
        size_t len = strlen(out);
        snprintf(out + len, sizeof(out) - len, "%s%s:%s:%lld", len ? "," : "",
                 json_string_value(json_object_get(e, "event")),
                 json_string_value(json_object_get(e, "actor")),
                 (long long)json_integer_value(json_object_get(e, "recording_id")));
        assert_true(json_is_object(json_object_get(e, "detail")));
        assert_true(json_is_integer(json_object_get(e, "at")));
    }
    done(&a);
    return out;
}

/* ---- REST ---- */

static void list_as_moderator_only(void **state)
{
    (void)state;
    int64_t a = recording(MEETING, "done", "1.mp4", "MP4DATA", 1000, 30);
    int64_t b = recording(MEETING, "recording", "2.mp4", "", 5000, 7);
    recording(OTHER, "done", "3.mp4", "X", 2000, 30);

    struct answer r = call(RS_HTTP_GET, mpath("/recordings"), owner_cookie);
    assert_int_equal(r.status, 200);
    json_t *list = json_object_get(r.json, "recordings");
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), b); /* newest first */
    assert_string_equal(json_string_value(json_object_get(first, "state")), "recording");
    assert_true(json_is_null(json_object_get(first, "download")));
    assert_true(json_is_null(json_object_get(first, "ended_at")));
    assert_int_equal(json_integer_value(json_object_get(second, "id")), a);
    assert_string_equal(json_string_value(json_object_get(second, "state")), "done");
    assert_int_equal(json_integer_value(json_object_get(second, "duration_s")), 31);
    assert_int_equal(json_integer_value(json_object_get(second, "bytes")), 7);
    assert_int_equal(json_integer_value(json_object_get(second, "retention_days")), 30);
    assert_int_equal(json_integer_value(json_object_get(second, "expires_at")), 1000 + 30 * DAY_MS);
    assert_string_equal(json_string_value(json_object_get(second, "started_by")), "Anna Amt");
    assert_string_equal(json_string_value(json_object_get(second, "purpose")), "Protokoll");
    assert_string_equal(json_string_value(json_object_get(second, "format")), "mp4");
    assert_string_equal(json_string_value(json_object_get(second, "layout")), "speaker");
    assert_string_equal(json_string_value(json_object_get(second, "download")),
                        rec_url(a, "/file"));
    done(&r);

    const char *paths[] = {mpath("/recordings"), rec_url(a, "/file"), mpath("/recording-audit")};
    for (size_t i = 0; i < 3; i++) {
        r = call(RS_HTTP_GET, paths[i], alice_cookie);
        assert_int_equal(r.status, 403);
        assert_string_equal(error_code(&r), "forbidden");
        done(&r);
        r = call(RS_HTTP_GET, paths[i], "");
        assert_int_equal(r.status, 401);
        assert_string_equal(error_code(&r), "unauthorized");
        done(&r);
    }
    r = call(RS_HTTP_DELETE, rec_url(a, ""), alice_cookie);
    assert_int_equal(r.status, 403);
    done(&r);
    assert_true(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/1.mp4")));
    assert_string_equal(audit_events(), ""); /* refused requests leave no trace of access */

    r = call(RS_HTTP_POST, mpath("/recordings"), owner_cookie);
    assert_int_equal(r.status, 405);
    done(&r);
    r = call(RS_HTTP_GET, rec_url(a, "/other"), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
}

static void download_streams_the_file_and_audits(void **state)
{
    (void)state;
    int64_t a = recording(MEETING, "done", "1.mp4", "MP4DATA", 1000, 30);
    struct answer r = call(RS_HTTP_GET, rec_url(a, "/file"), owner_cookie);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.type, "video/mp4");
    assert_string_equal(r.body, "MP4DATA");
    assert_int_equal(r.resp.body_len, 7);
    char want[128];
    snprintf(want, sizeof(want), "attachment; filename=\"ratsaal-%s-%lld.mp4\"", MEETING,
             (long long)a);
    assert_string_equal(header(&r, "content-disposition:"), want);
    snprintf(want, sizeof(want), "download:owner:%lld", (long long)a);
    assert_string_equal(audit_events(), want);
}

static void download_refused_while_recording_deleted_or_elsewhere(void **state)
{
    (void)state;
    int64_t run = recording(MEETING, "recording", "2.mp4", "PART", 1000, 30);
    struct answer r = call(RS_HTTP_GET, rec_url(run, "/file"), owner_cookie);
    assert_int_equal(r.status, 409);
    assert_string_equal(error_code(&r), "recording_in_progress");
    done(&r);
    r = call(RS_HTTP_DELETE, rec_url(run, ""), owner_cookie);
    assert_int_equal(r.status, 409);
    done(&r);
    assert_true(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/2.mp4")));

    /* another meeting's recording through this meeting's URL */
    int64_t other = recording(OTHER, "done", "3.mp4", "X", 1000, 30);
    r = call(RS_HTTP_GET, rec_url(other, "/file"), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
    r = call(RS_HTTP_DELETE, rec_url(other, ""), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
    assert_true(exists(data_path("recordings", "recBBBBBBBBBBBBBBBBBBB/3.mp4")));

    /* a file gone from disk, ids that are no number */
    int64_t gone = recording(MEETING, "done", "4.mp4", NULL, 1000, 30);
    r = call(RS_HTTP_GET, rec_url(gone, "/file"), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
    char plus[32];
    snprintf(plus, sizeof(plus), "/recordings/+%lld/file", (long long)run); /* 409 if read */
    const char *bad[] = {"/recordings/x1/file", "/recordings/-1/file", "/recordings/99999/file",
                         plus, "/recordings/99999999999999999999/file"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = call(RS_HTTP_GET, mpath(bad[i]), owner_cookie);
        assert_int_equal(r.status, 404);
        done(&r);
    }
    assert_string_equal(audit_events(), "");
}

static void files_outside_recordings_dir_refused(void **state)
{
    (void)state;
    char secret[160];
    snprintf(secret, sizeof(secret), "%s/secret.mp4", outside);
    write_file(secret, "SECRET");
    mkdir(data_path("recordings", MEETING), 0700);
    int64_t ids[4];
    ids[0] = forged(secret); /* absolute */
    char rel[260];
    snprintf(rel, sizeof(rel), "%s/../../../../../../..%s", MEETING, secret);
    ids[1] = forged(rel); /* ".." */
    assert_int_equal(symlink(secret, data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/link.mp4")),
                     0);
    ids[2] = forged("recAAAAAAAAAAAAAAAAAAA/link.mp4"); /* a symlink as the file */
    assert_int_equal(symlink(outside, data_path("recordings", "escape")), 0);
    ids[3] = forged("escape/secret.mp4"); /* a symlinked directory */
    for (int i = 0; i < 4; i++) {
        struct answer r = call(RS_HTTP_GET, rec_url(ids[i], "/file"), owner_cookie);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body, "SECRET"));
        done(&r);
        r = call(RS_HTTP_DELETE, rec_url(ids[i], ""), owner_cookie);
        assert_int_equal(r.status, 500);
        done(&r);
        assert_true(exists(secret));
    }
    /* retention does not reach out either */
    assert_int_equal(rs_recording_retention(&th_app, 4102444800001LL), 4);
    assert_true(exists(secret));
}

static void delete_removes_file_and_audits(void **state)
{
    (void)state;
    int64_t a = recording(MEETING, "done", "1.mp4", "MP4DATA", 1000, 30);
    uint64_t before = rs_metric_get(RS_M_RECORDINGS_DELETED_USER);
    struct answer r = call(RS_HTTP_DELETE, rec_url(a, ""), owner_cookie);
    assert_int_equal(r.status, 204);
    done(&r);
    assert_false(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/1.mp4")));
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(th_app.store, a, &got), 0);
    assert_string_equal(got.state, "deleted");
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_DELETED_USER), before + 1);
    char want[64];
    snprintf(want, sizeof(want), "delete:owner:%lld", (long long)a);
    assert_string_equal(audit_events(), want);

    r = call(RS_HTTP_GET, rec_url(a, "/file"), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
    r = call(RS_HTTP_DELETE, rec_url(a, ""), owner_cookie);
    assert_int_equal(r.status, 404);
    done(&r);
    r = call(RS_HTTP_GET, mpath("/recordings"), owner_cookie);
    json_t *row = json_array_get(json_object_get(r.json, "recordings"), 0);
    assert_string_equal(json_string_value(json_object_get(row, "state")), "deleted");
    assert_true(json_is_null(json_object_get(row, "download")));
    done(&r);
}

/* ---- retention, start-up, meeting deletion ---- */

static void retention_removes_expired_keeps_fresh(void **state)
{
    (void)state;
    int64_t now = rs_wall_ms();
    int64_t old = recording(MEETING, "done", "old.mp4", "OLD", now - 31 * DAY_MS, 30);
    int64_t fresh = recording(MEETING, "done", "fresh.mp4", "NEW", now - 29 * DAY_MS, 30);
    int64_t running = recording(MEETING, "recording", "run.mp4", "RUN", now - 40 * DAY_MS, 1);
    uint64_t before = rs_metric_get(RS_M_RECORDINGS_DELETED_RETENTION);
    rs_api_tick(&th_app); /* the first housekeeping run is the one at start-up */
    assert_false(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/old.mp4")));
    assert_true(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/fresh.mp4")));
    assert_true(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/run.mp4")));
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(th_app.store, old, &got), 0);
    assert_string_equal(got.state, "deleted");
    assert_int_equal(rs_store_recording_get(th_app.store, fresh, &got), 0);
    assert_string_equal(got.state, "done");
    assert_int_equal(rs_store_recording_get(th_app.store, running, &got), 0);
    assert_string_equal(got.state, "recording");
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_DELETED_RETENTION), before + 1);
    char want[64];
    snprintf(want, sizeof(want), "retention_delete::%lld", (long long)old);
    assert_string_equal(audit_events(), want);
    /* nothing more to do on the next run */
    assert_int_equal(rs_recording_retention(&th_app, now), 0);
}

static void startup_creates_dirs_and_interrupts(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(data_path("recordings", ""), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(data_path("live", ""), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    int64_t run = recording(MEETING, "recording", "run.mp4", "RUN", 1000, 30);
    char err[256];
    assert_int_equal(rs_recordings_startup(&th_app, 9000, err, sizeof(err)), 0);
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(th_app.store, run, &got), 0);
    assert_string_equal(got.state, "interrupted");
    assert_int_equal(got.ended_at_ms, 9000);
    struct answer r = call(RS_HTTP_GET, rec_url(run, "/file"), owner_cookie);
    assert_int_equal(r.status, 200); /* what was written before the stop can be fetched */
    assert_string_equal(r.body, "RUN");

    char dirs[2][RS_CONFIG_PATH_MAX + 32];
    snprintf(th_app.cfg.live_dir, sizeof(th_app.cfg.live_dir), "/srv/live/");
    assert_int_equal(
        rs_recording_dirs(&th_app.cfg, dirs[0], sizeof(dirs[0]), dirs[1], sizeof(dirs[1])), 0);
    char want[160];
    snprintf(want, sizeof(want), "%s/recordings", th_dir); /* DATA_DIR/recordings by default */
    assert_string_equal(dirs[0], want);
    assert_string_equal(dirs[1], "/srv/live"); /* as configured, without the trailing slash */
}

static void meeting_deletion_removes_files(void **state)
{
    (void)state;
    recording(MEETING, "done", "1.mp4", "A", 1000, 30);
    recording(OTHER, "done", "2.mp4", "B", 1000, 30);
    mkdir(data_path("live", MEETING), 0700);
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/index.m3u8"), "#EXTM3U\n");
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/seg00001.ts"), "TS");
    struct answer r = call(RS_HTTP_DELETE, mpath(""), owner_cookie);
    assert_int_equal(r.status, 204);
    done(&r);
    assert_false(exists(data_path("recordings", "recAAAAAAAAAAAAAAAAAAA/1.mp4")));
    assert_false(exists(data_path("recordings", MEETING)));
    assert_false(exists(data_path("live", MEETING)));
    assert_true(exists(data_path("recordings", "recBBBBBBBBBBBBBBBBBBB/2.mp4")));
}

/* ---- /live ---- */

static struct answer live(enum rs_http_method m, const char *path, enum rs_live_kind *kind)
{
    struct rs_http_req req = {.method = m,
                              .path = path,
                              .cookie = "",
                              .content_type = "",
                              .origin = "",
                              .host = "",
                              .peer = "127.0.0.1"};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    enum rs_live_kind k;
    assert_int_equal(rs_live_handle(&th_app, &req, &resp, kind ? kind : &k), RS_HTTP_DONE);
    return collect(&resp);
}

static const char *live_url(const char *room, const char *name)
{
    static char u[2][160];
    static unsigned n;
    char *out = u[n++ % 2];
    snprintf(out, 160, "/live/%s%s%s", room, name ? "/" : "", name ? name : "");
    return out;
}

static void live_files_and_headers(void **state)
{
    (void)state;
    mkdir(data_path("live", MEETING), 0700);
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/index.m3u8"),
               "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg00007.ts\n");
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/seg00007.ts"), "TSDATA");
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/secret.txt"), "NO");
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/seg1.ts"), "NO");
    uint64_t pages = rs_metric_get(RS_M_LIVE_REQUESTS_PAGE);
    uint64_t segs = rs_metric_get(RS_M_LIVE_REQUESTS_SEGMENT);

    enum rs_live_kind kind;
    struct answer r = live(RS_HTTP_GET, live_url(MEETING, NULL), &kind);
    assert_int_equal(kind, RS_LIVE_PAGE);
    assert_int_equal(r.status, 0); /* server.c serves web/live.html */
    assert_int_equal(rs_metric_get(RS_M_LIVE_REQUESTS_PAGE), pages + 1);

    r = live(RS_HTTP_GET, live_url(MEETING, "index.m3u8"), &kind);
    assert_int_equal(kind, RS_LIVE_PLAYLIST);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.type, "application/vnd.apple.mpegurl");
    assert_string_equal(header(&r, "cache-control:"), "public, max-age=1");
    assert_non_null(strstr(r.body, "seg00007.ts"));

    r = live(RS_HTTP_GET, live_url(MEETING, "seg00007.ts"), &kind);
    assert_int_equal(kind, RS_LIVE_SEGMENT);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.type, "video/mp2t");
    assert_string_equal(header(&r, "cache-control:"), "public, max-age=86400, immutable");
    assert_string_equal(r.body, "TSDATA");
    assert_int_equal(rs_metric_get(RS_M_LIVE_REQUESTS_SEGMENT), segs + 1);
    for (unsigned i = 0; i < r.resp.n_headers; i++) /* nothing a CDN must not share */
        assert_true(strcmp(r.resp.header_names[i], "set-cookie:") &&
                    strcmp(r.resp.header_names[i], "vary:"));

    const char *names[] = {"secret.txt",    "seg1.ts",       "seg00008.ts",
                           "seg000071.ts",  "SEG00007.ts",   "seg0000a.ts",
                           "index.m3u8x",   "../ratsaal.db", "",
                           "seg00007.ts/x", "info.json/"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        r = live(RS_HTTP_GET, live_url(MEETING, names[i]), NULL);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body, "NO"));
        done(&r);
    }
    const char *paths[] = {"/live/", "/live/../recordings", "/live/a.b/index.m3u8",
                           "/live//index.m3u8"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        r = live(RS_HTTP_GET, paths[i], &kind);
        assert_int_equal(kind, RS_LIVE_NONE);
        assert_int_equal(r.status, 404);
        done(&r);
    }
    r = live(RS_HTTP_POST, live_url(MEETING, "index.m3u8"), NULL);
    assert_int_equal(r.status, 405);
    done(&r);
}

static void live_unknown_meeting_404(void **state)
{
    (void)state;
    const char *unknown = "nosuchmeetingAAAAAAAAA";
    mkdir(data_path("live", unknown), 0700); /* files without a meeting are not served either */
    write_file(data_path("live", "nosuchmeetingAAAAAAAAA/index.m3u8"), "#EXTM3U\n");
    const char *names[] = {NULL, "index.m3u8", "info.json", "seg00001.ts"};
    for (size_t i = 0; i < 4; i++) {
        struct answer r = live(RS_HTTP_GET, live_url(unknown, names[i]), NULL);
        assert_int_equal(r.status, 404);
        done(&r);
    }
    /* a meeting that does not stream: the page and info exist, the playlist not */
    struct answer r = live(RS_HTTP_GET, live_url(OTHER, "index.m3u8"), NULL);
    assert_int_equal(r.status, 404);
    done(&r);
}

static json_t *info(void)
{
    struct answer r = live(RS_HTTP_GET, live_url(MEETING, "info.json"), NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "cache-control:"), "public, max-age=2");
    assert_non_null(r.json);
    return r.json;
}

static void live_info_json(void **state)
{
    (void)state;
    struct rs_agenda_item_record it = {
        .room_id = MEETING, .title = "Haushalt 2027", .public = true};
    snprintf(it.id, sizeof(it.id), "a0000000001");
    assert_int_equal(rs_store_agenda_add(th_app.store, &it), 0);
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, "a0000000001", 5), 0);
    /* never streamed: not public, neither title nor agenda item told */
    json_t *j = info();
    assert_string_equal(json_string_value(json_object_get(j, "title")), "");
    assert_true(json_is_false(json_object_get(j, "live"))); /* no playlist */
    assert_true(json_is_null(json_object_get(j, "agenda_item")));
    assert_int_equal(json_object_size(j), 3);
    json_decref(j);
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, NULL, 6), 0);

    mkdir(data_path("live", MEETING), 0700); /* the stream was started */
    j = info();
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Rat der Stadt");
    assert_true(json_is_false(json_object_get(j, "live"))); /* no playlist yet */
    json_decref(j);
    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/index.m3u8"),
               "#EXTM3U\n#EXTINF:2.0,\nseg00001.ts\n");
    it.title = "Personalsache";
    it.public = false;
    it.position = 1;
    snprintf(it.id, sizeof(it.id), "a0000000002");
    assert_int_equal(rs_store_agenda_add(th_app.store, &it), 0);
    j = info();
    assert_true(json_is_true(json_object_get(j, "live")));
    assert_true(json_is_null(json_object_get(j, "agenda_item"))); /* none current */
    json_decref(j);

    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, "a0000000001", 10), 0);
    j = info();
    assert_string_equal(json_string_value(json_object_get(j, "agenda_item")), "Haushalt 2027");
    json_decref(j);
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, "a0000000002", 20), 0);
    j = info();
    assert_true(json_is_null(json_object_get(j, "agenda_item"))); /* not public: not named */
    json_decref(j);

    write_file(data_path("live", "recAAAAAAAAAAAAAAAAAAA/index.m3u8"),
               "#EXTM3U\n#EXTINF:2.0,\nseg00001.ts\n#EXT-X-ENDLIST\n");
    j = info();
    assert_true(json_is_false(json_object_get(j, "live"))); /* the stream ended */
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_as_moderator_only, setup, teardown),
        cmocka_unit_test_setup_teardown(download_streams_the_file_and_audits, setup, teardown),
        cmocka_unit_test_setup_teardown(download_refused_while_recording_deleted_or_elsewhere,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(files_outside_recordings_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_removes_file_and_audits, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_removes_expired_keeps_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(startup_creates_dirs_and_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(meeting_deletion_removes_files, setup, teardown),
        cmocka_unit_test_setup_teardown(live_files_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(live_unknown_meeting_404, setup, teardown),
        cmocka_unit_test_setup_teardown(live_info_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
