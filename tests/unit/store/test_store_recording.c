/* SPDX-License-Identifier: EUPL-1.2 */
/* The store of recordings and the recording audit log (store_recording.h), either backend: add,
 * finish, get, list newest first, retention's expired set, closing rows a stopped process left
 * open, marking deleted, the audit log in order, unknown meetings, what the schema refuses, and
 * everything going with the meeting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store_recording.h"
#include "store_backend.h"

static char dir[64];
static char path[128];
static struct rs_store *st;

static int setup(void **state)
{
    (void)state;
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-recording") ||
        rs_test_store_open(path, &st))
        return -1;
    struct rs_room_record r = {.created_at_ms = 1, .last_active_ms = 1};
    snprintf(r.id, sizeof(r.id), "rat");
    if (rs_store_room_put(st, &r))
        return -1;
    snprintf(r.id, sizeof(r.id), "other");
    return rs_store_room_put(st, &r);
}

static int teardown(void **state)
{
    (void)state;
    if (st)
        rs_store_close(st);
    st = NULL;
    rs_test_store_dir_remove(dir, path);
    return 0;
}

/* A running recording of `room` started at `at` kept for `days`. */
static struct rs_recording rec(const char *room, int64_t at, unsigned days)
{
    struct rs_recording r = {.started_at_ms = at, .retention_days = days};
    snprintf(r.room_id, sizeof(r.room_id), "%s", room);
    snprintf(r.format, sizeof(r.format), "mp4");
    snprintf(r.layout, sizeof(r.layout), "speaker");
    snprintf(r.started_by, sizeof(r.started_by), "Anna Amt");
    snprintf(r.started_by_user, sizeof(r.started_by_user), "u1");
    snprintf(r.purpose, sizeof(r.purpose), "Protokoll der Sitzung");
    snprintf(r.state, sizeof(r.state), "recording");
    r.expires_at_ms = at + (int64_t)days * 86400000;
    return r;
}

/* Adds `r` with file name `file` (relative to recordings_dir); returns its id. */
static int64_t add(struct rs_recording *r, const char *file)
{
    snprintf(r->file, sizeof(r->file), "%s", file);
    assert_int_equal(rs_store_recording_add(st, r), 0);
    assert_true(r->id > 0);
    return r->id;
}

/* The ids and states a list call saw, as "id:state,...". */
struct seen {
    char out[512];
    int n;
};

static int collect(const struct rs_recording *r, void *ctx)
{
    struct seen *s = ctx;
    size_t len = strlen(s->out);
    snprintf(s->out + len, sizeof(s->out) - len, "%s%lld:%s", len ? "," : "", (long long)r->id,
             r->state);
    s->n++;
    return 0;
}

static const char *listed(const char *room)
{
    static struct seen s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_recording_list(st, room, collect, &s), 0);
    return s.out;
}

static const char *expired(int64_t now)
{
    static struct seen s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_recording_expired(st, now, collect, &s), 0);
    return s.out;
}

static void add_get_finish(void **state)
{
    (void)state;
    struct rs_recording r = rec("rat", 1000, 30);
    int64_t id = add(&r, "rat/1.mp4");
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, id, &got), 0);
    assert_string_equal(got.room_id, "rat");
    assert_string_equal(got.file, "rat/1.mp4");
    assert_string_equal(got.format, "mp4");
    assert_string_equal(got.layout, "speaker");
    assert_string_equal(got.started_by, "Anna Amt");
    assert_string_equal(got.started_by_user, "u1");
    assert_string_equal(got.purpose, "Protokoll der Sitzung");
    assert_string_equal(got.state, "recording");
    assert_int_equal(got.started_at_ms, 1000);
    assert_int_equal(got.ended_at_ms, 0);
    assert_int_equal(got.retention_days, 30);
    assert_int_equal(got.expires_at_ms, 1000 + 30LL * 86400000);

    assert_int_equal(rs_store_recording_finish(st, id, 32000, 123456, "done"), 0);
    assert_int_equal(rs_store_recording_get(st, id, &got), 0);
    assert_string_equal(got.state, "done");
    assert_int_equal(got.ended_at_ms, 32000);
    assert_int_equal(got.bytes, 123456);

    assert_int_equal(rs_store_recording_finish(st, id + 100, 1, 1, "done"), -ENOENT);
    assert_int_equal(rs_store_recording_finish(st, id, 1, 1, "recording"), -EINVAL);
    assert_int_equal(rs_store_recording_get(st, id + 100, &got), -ENOENT);
}

static void file_named_after_the_id(void **state)
{
    (void)state;
    struct rs_recording r = rec("rat", 1000, 30);
    snprintf(r.format, sizeof(r.format), "webm");
    assert_int_equal(rs_store_recording_add(st, &r), 0);
    char want[64];
    snprintf(want, sizeof(want), "rat/%lld.webm", (long long)r.id);
    assert_string_equal(r.file, want);
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, r.id, &got), 0);
    assert_string_equal(got.file, want);
    struct rs_recording again = rec("rat", 2000, 30);
    assert_int_equal(rs_store_recording_add(st, &again), 0);
    assert_int_not_equal(again.id, r.id);
    snprintf(want, sizeof(want), "rat/%lld.mp4", (long long)again.id);
    assert_string_equal(again.file, want);
    /* an unknown room leaves nothing half-named behind */
    struct rs_recording bad = rec("nope", 1000, 30);
    assert_int_equal(rs_store_recording_add(st, &bad), -ENOENT);
    assert_string_equal(bad.file, "");
}

static void unknown_room_and_bad_rows(void **state)
{
    (void)state;
    struct rs_recording r = rec("nope", 1000, 30);
    snprintf(r.file, sizeof(r.file), "nope/1.mp4");
    assert_int_equal(rs_store_recording_add(st, &r), -ENOENT);
    struct rs_recording_audit a = {.at_ms = 1};
    snprintf(a.room_id, sizeof(a.room_id), "nope");
    snprintf(a.event, sizeof(a.event), "start");
    assert_int_equal(rs_store_recording_audit_add(st, &a), -ENOENT);

    /* the schema refuses a file outside recordings_dir, a bad format or state */
    r = rec("rat", 1000, 30);
    snprintf(r.file, sizeof(r.file), "/etc/passwd");
    assert_int_equal(rs_store_recording_add(st, &r), -EINVAL);
    snprintf(r.file, sizeof(r.file), "rat/../../x.mp4");
    assert_int_equal(rs_store_recording_add(st, &r), -EINVAL);
    snprintf(r.file, sizeof(r.file), "rat/1.mp4");
    snprintf(r.format, sizeof(r.format), "avi");
    assert_int_equal(rs_store_recording_add(st, &r), -EINVAL);
    snprintf(r.format, sizeof(r.format), "webm");
    snprintf(r.state, sizeof(r.state), "weird");
    assert_int_equal(rs_store_recording_add(st, &r), -EINVAL);
    snprintf(r.state, sizeof(r.state), "recording");
    r.retention_days = 0;
    assert_int_equal(rs_store_recording_add(st, &r), -EINVAL);
    assert_string_equal(listed("rat"), "");

    snprintf(a.room_id, sizeof(a.room_id), "rat");
    snprintf(a.detail, sizeof(a.detail), "[1]");
    assert_int_equal(rs_store_recording_audit_add(st, &a), -EINVAL);
}

static void list_newest_first_per_room(void **state)
{
    (void)state;
    struct rs_recording a = rec("rat", 1000, 30), b = rec("rat", 5000, 30),
                        c = rec("other", 3000, 30);
    int64_t ia = add(&a, "rat/a.mp4"), ib = add(&b, "rat/b.mp4");
    add(&c, "other/c.mp4");
    char want[64];
    snprintf(want, sizeof(want), "%lld:recording,%lld:recording", (long long)ib, (long long)ia);
    assert_string_equal(listed("rat"), want);
    assert_int_equal(rs_store_recording_mark_deleted(st, ia), 0);
    snprintf(want, sizeof(want), "%lld:recording,%lld:deleted", (long long)ib, (long long)ia);
    assert_string_equal(listed("rat"), want); /* deleted rows stay listed */
    assert_int_equal(rs_store_recording_mark_deleted(st, 999999), -ENOENT);
    assert_string_equal(listed("nope"), "");
}

static void expired_skips_running_and_deleted(void **state)
{
    (void)state;
    int64_t day = 86400000;
    struct rs_recording old = rec("rat", 0, 1), fresh = rec("rat", 0, 30), run = rec("rat", 0, 1),
                        gone = rec("other", 0, 1);
    int64_t io = add(&old, "rat/old.mp4");
    int64_t i_fresh = add(&fresh, "rat/fresh.mp4");
    add(&run, "rat/run.mp4");
    int64_t ig = add(&gone, "other/gone.mp4");
    assert_int_equal(rs_store_recording_finish(st, io, 10, 10, "done"), 0);
    assert_int_equal(rs_store_recording_finish(st, i_fresh, 10, 10, "failed"), 0);
    assert_int_equal(rs_store_recording_finish(st, ig, 10, 10, "done"), 0);
    assert_int_equal(rs_store_recording_mark_deleted(st, ig), 0);

    assert_string_equal(expired(day - 1), "");
    char want[32];
    snprintf(want, sizeof(want), "%lld:done", (long long)io);
    assert_string_equal(expired(day), want); /* expires_at <= now; running one is not offered */
    assert_int_equal(rs_store_recording_mark_deleted(st, io), 0);
    assert_string_equal(expired(2 * day), "");
    snprintf(want, sizeof(want), "%lld:failed", (long long)i_fresh);
    assert_string_equal(expired(30 * day), want);
    /* a deleted row cannot be finished again */
    assert_int_equal(rs_store_recording_finish(st, ig, 20, 20, "done"), -ENOENT);
}

static void close_open_interrupts_running(void **state)
{
    (void)state;
    struct rs_recording a = rec("rat", 1000, 30), b = rec("rat", 2000, 30),
                        c = rec("other", 9000, 30);
    int64_t ia = add(&a, "rat/a.mp4"), ib = add(&b, "rat/b.mp4"), ic = add(&c, "other/c.mp4");
    assert_int_equal(rs_store_recording_finish(st, ib, 3000, 5, "done"), 0);
    assert_int_equal(rs_store_recording_close_open(st, 5000, NULL), 2);
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, ia, &got), 0);
    assert_string_equal(got.state, "interrupted");
    assert_int_equal(got.ended_at_ms, 5000);
    assert_int_equal(rs_store_recording_get(st, ib, &got), 0);
    assert_string_equal(got.state, "done");
    assert_int_equal(got.ended_at_ms, 3000);
    assert_int_equal(rs_store_recording_get(st, ic, &got), 0);
    assert_int_equal(got.ended_at_ms, 9000); /* started "after" now: ends at its start */
    assert_int_equal(rs_store_recording_close_open(st, 6000, NULL), 0);
}

struct audit_seen {
    char out[512];
    char last_detail[RS_RECORDING_AUDIT_DETAIL_MAX + 1];
    char last_actor_user[32];
    int64_t last_recording;
};

static int collect_audit(const struct rs_recording_audit *a, void *ctx)
{
    struct audit_seen *s = ctx;
    size_t len = strlen(s->out);
    snprintf(s->out + len, sizeof(s->out) - len, "%s%s/%s/%s", len ? "," : "", a->event, a->kind,
             a->actor);
    snprintf(s->last_detail, sizeof(s->last_detail), "%s", a->detail);
    snprintf(s->last_actor_user, sizeof(s->last_actor_user), "%s", a->actor_user);
    s->last_recording = a->recording_id;
    return 0;
}

static void audit(const char *room, int64_t at, const char *event, const char *actor, int64_t rid,
                  const char *detail)
{
    struct rs_recording_audit a = {.at_ms = at, .recording_id = rid};
    snprintf(a.room_id, sizeof(a.room_id), "%s", room);
    snprintf(a.event, sizeof(a.event), "%s", event);
    snprintf(a.kind, sizeof(a.kind), "recording");
    snprintf(a.actor, sizeof(a.actor), "%s", actor);
    snprintf(a.actor_user, sizeof(a.actor_user), "%s", *actor ? "u1" : "");
    snprintf(a.detail, sizeof(a.detail), "%s", detail);
    assert_int_equal(rs_store_recording_audit_add(st, &a), 0);
    assert_true(a.id > 0);
}

static void audit_in_order(void **state)
{
    (void)state;
    audit("rat", 2000, "download", "Anna Amt", 7, "");
    audit("rat", 1000, "start", "Anna Amt", 7, "{\"purpose\":\"x\"}");
    audit("other", 1500, "start", "Bert", 0, "{}");
    audit("rat", 3000, "retention_delete", "", 7, "{\"reason\":\"retention\"}");
    struct audit_seen s = {0};
    assert_int_equal(rs_store_recording_audit_list(st, "rat", collect_audit, &s), 0);
    assert_string_equal(s.out, "start/recording/Anna Amt,download/recording/Anna Amt,"
                               "retention_delete/recording/");
    assert_string_equal(s.last_detail, "{\"reason\":\"retention\"}");
    assert_string_equal(s.last_actor_user, "");
    assert_int_equal(s.last_recording, 7);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_recording_audit_list(st, "nope", collect_audit, &s), 0);
    assert_string_equal(s.out, "");
}

static void everything_goes_with_the_meeting(void **state)
{
    (void)state;
    struct rs_recording a = rec("rat", 1000, 30), b = rec("other", 1000, 30);
    int64_t ia = add(&a, "rat/a.mp4"), ib = add(&b, "other/b.mp4");
    audit("rat", 1000, "start", "Anna Amt", ia, "{}");
    audit("other", 1000, "start", "Anna Amt", ib, "{}");
    assert_int_equal(rs_store_meeting_delete(st, "rat"), 0);
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, ia, &got), -ENOENT);
    assert_int_equal(rs_store_recording_get(st, ib, &got), 0);
    struct audit_seen s = {0};
    assert_int_equal(rs_store_recording_audit_list(st, "rat", collect_audit, &s), 0);
    assert_string_equal(s.out, "");
    assert_int_equal(rs_store_recording_audit_list(st, "other", collect_audit, &s), 0);
    assert_string_equal(s.out, "start/recording/Anna Amt");
}

static void anonymous_room_kept_while_files_remain(void **state)
{
    (void)state;
    /* "rat" and "other" are anonymous rooms (not managed) last active at 1 */
    struct rs_recording a = rec("rat", 1000, 30);
    int64_t ia = add(&a, "rat/a.mp4");
    assert_int_equal(rs_store_room_purge_anonymous(st, 100), 1); /* "other" only */
    struct rs_room_record room;
    assert_int_equal(rs_store_room_get(st, "rat", &room), 0);
    assert_int_equal(rs_store_room_get(st, "other", &room), -ENOENT);
    assert_int_equal(rs_store_recording_finish(st, ia, 2000, 1, "done"), 0);
    assert_int_equal(rs_store_room_purge_anonymous(st, 100), 0); /* a file is still there */
    assert_int_equal(rs_store_recording_mark_deleted(st, ia), 0);
    assert_int_equal(rs_store_room_purge_anonymous(st, 100), 1);
    assert_int_equal(rs_store_room_get(st, "rat", &room), -ENOENT);
}

static void survives_reopen(void **state)
{
    (void)state;
    struct rs_recording a = rec("rat", 1000, 30);
    int64_t ia = add(&a, "rat/a.mp4");
    rs_store_close(st);
    assert_int_equal(rs_test_store_open(path, &st), 0);
    assert_int_equal(rs_store_schema_version(st), 10);
    struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, ia, &got), 0);
    assert_string_equal(got.file, "rat/a.mp4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(add_get_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(file_named_after_the_id, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_room_and_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(list_newest_first_per_room, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_skips_running_and_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(close_open_interrupts_running, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(everything_goes_with_the_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(anonymous_room_kept_while_files_remain, setup, teardown),
        cmocka_unit_test_setup_teardown(survives_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
