/* SPDX-License-Identifier: EUPL-1.2 */
/* The recording feature over a fake transport with a fake recorder process
 * (tests/support/fake_recorder.sh, a bash script speaking the control protocol on fd 3): a
 * moderator's start (state events, audit, the recording's row), the refusals, a missing
 * binary, consent given, declined and withdrawn and what it includes, the exclusions
 * (breakout rooms, whispers, a non-public agenda item with its slate, a pause), stop with the
 * row finished, a recorder that dies or stays silent, the stream's targets, the joined payload
 * and a participant who leaves and comes back; and a failover: the running kinds saved into a
 * room's snapshot and continued as new parts on a second app (the next owner), with their
 * consents, and malformed parts of a snapshot dropped and counted. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/recording_dirs.h"
#include "room/recorder_link.h"
#include "room/recording.h"
#include "room/snapshot.h"
#include "store/store_recording.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"
/* (kept apart: the fake recorder's helpers need the harness above) */
#include "../../support/fake_recorder.h"
#include "../../support/snapshot_owner.h"

static const char *ROOM = "ratssitzung";
static struct rs_user_record chair_user, member_user, other_user;

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_ON, "rs-recording") || fr_setup())
        return -1;
    th_app.cfg.rate_per_s = 1000;
    struct rs_rtmp_target *t = &th_app.cfg.rtmp_targets[0];
    snprintf(t->id, sizeof(t->id), "owncast");
    snprintf(t->url, sizeof(t->url), "rtmp://127.0.0.1:1935/live/geheimer-schluessel");
    snprintf(t->name, sizeof(t->name), "Owncast");
    th_app.cfg.n_rtmp_targets = 1;
    th_user(&chair_user, "vorsitz", RS_USER_ROLE_USER);
    th_user(&member_user, "mitglied", RS_USER_ROLE_USER);
    th_user(&other_user, "andere", RS_USER_ROLE_USER);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown(); /* frees the rooms: running recorders are stopped and finalise */
    fr_teardown();
    return 0;
}

struct meeting {
    struct rs_session *chair, *member;
    char chair_id[16], member_id[16];
};

/* The chair (the anonymous room's first, so its moderator) and a member; queues drained. */
static void open_meeting(struct meeting *m)
{
    m->chair = th_conn(&chair_user, NULL);
    snprintf(m->chair_id, sizeof(m->chair_id), "%s", th_join(m->chair, ROOM, "Anna Amt"));
    m->member = th_conn(&member_user, NULL);
    snprintf(m->member_id, sizeof(m->member_id), "%s", th_join(m->member, ROOM, "Bernd Bürger"));
    th_drain(m->chair);
    th_drain(m->member);
}

static struct rs_room *room(void)
{
    struct rs_room *r = rs_rooms_find(th_app.rooms, ROOM);
    assert_non_null(r);
    return r;
}

static struct rs_participant *part(const char *id)
{
    struct rs_participant *p = rs_room_participant(room(), id);
    assert_non_null(p);
    return p;
}

/* Ticks the rooms (with the clock `skew_ms` ahead) until `done()` holds, at most 5 s. */
static bool tick_until(bool (*done)(void *), void *arg, int64_t skew_ms)
{
    for (int i = 0; i < 250; i++) {
        rs_rooms_tick(th_app.rooms, rs_wall_ms() + skew_ms);
        if (done(arg))
            return true;
        fr_sleep_ms(20);
    }
    return false;
}

static const char *str(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : "";
}

/* The state of `kind` in the last recording/state `s` got ("" when none came). */
static const char *kind_state(struct rs_session *s, const char *kind)
{
    static char buf[32];
    json_t *e = th_last(s, "recording", "state");
    snprintf(buf, sizeof(buf), "%s", str(json_object_get(e, kind), "state"));
    json_decref(e);
    return buf;
}

/* Whether the recorder's log (every command it read) contains `needle`. */
static bool log_has(const char *needle)
{
    return fr_log_count(needle) > 0;
}

static bool log_has_arg(void *needle)
{
    return log_has(needle);
}

/* The audit log of the room as "event:kind:actor" lines. */
static int audit_line(const struct rs_recording_audit *a, void *ctx)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 4096 - n, "%s:%s:%s\n", a->event, a->kind, a->actor);
    return 0;
}

static const char *audit_log(void)
{
    static char buf[4096];
    buf[0] = '\0';
    assert_int_equal(rs_store_recording_audit_list(th_app.store, ROOM, audit_line, buf), 0);
    return buf;
}

static int detail_line(const struct rs_recording_audit *a, void *ctx)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 16384 - n, "%s\n", a->detail);
    return 0;
}

/* Every audit row's detail, one per line. */
static const char *audit_details(void)
{
    static char buf[16384];
    buf[0] = '\0';
    assert_int_equal(rs_store_recording_audit_list(th_app.store, ROOM, detail_line, buf), 0);
    return buf;
}

static int first_row(const struct rs_recording *r, void *ctx)
{
    *(struct rs_recording *)ctx = *r;
    return 1;
}

/* The room's newest recording row (id 0 when there is none). */
static struct rs_recording newest_row(void)
{
    struct rs_recording r;
    memset(&r, 0, sizeof(r));
    rs_store_recording_list(th_app.store, ROOM, first_row, &r);
    return r;
}

static bool row_finished(void *arg)
{
    (void)arg;
    struct rs_recording r = newest_row();
    return r.id && strcmp(r.state, "recording") != 0;
}

static void start(struct rs_session *s, const char *kind)
{
    th_send(s,
            "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"%s\","
            "\"purpose\":\"Protokoll der Sitzung\",\"retention_days\":7}",
            kind);
}

struct running_arg {
    struct rs_session *s;
    const char *kind;
};

static bool is_running(void *arg)
{
    struct running_arg *a = arg;
    json_t *j;
    bool yes = false;
    while ((j = th_next(a->s))) {
        if (th_is(j, "recording", "state"))
            yes = strcmp(str(json_object_get(j, a->kind), "state"), "running") == 0;
        json_decref(j);
    }
    return yes;
}

/* Starts `kind` from the chair and waits for "running"; queues drained. */
static void start_running(struct meeting *m, const char *kind)
{
    start(m->chair, kind);
    struct running_arg a = {m->chair, kind};
    assert_true(tick_until(is_running, &a, 0));
    th_drain(m->member);
}

static void consent(struct rs_session *s, const char *kind, bool given)
{
    th_send(s, "{\"ns\":\"recording\",\"action\":\"consent\",\"kind\":\"%s\",\"given\":%s}", kind,
            given ? "true" : "false");
}

static bool included(const char *id, bool microphone)
{
    return rs_recording_includes(room(), part(id), RS_RECORDING_FILE, microphone);
}

static void test_start_stop_by_moderator(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t starts = rs_metric_get(RS_M_RECORDING_STARTS_RECORDING);
    start(m.chair, "recording");
    /* everyone is told: starting, who, why; only the moderator sees the counts */
    json_t *e = th_last(m.chair, "recording", "state");
    json_t *rec = json_object_get(e, "recording");
    assert_string_equal(str(rec, "state"), "starting");
    assert_string_equal(str(rec, "started_by"), "Anna Amt");
    assert_string_equal(str(rec, "purpose"), "Protokoll der Sitzung");
    assert_int_equal(json_integer_value(json_object_get(rec, "retention_days")), 7);
    assert_string_equal(str(json_object_get(e, "stream"), "state"), "off");
    json_t *counts = json_object_get(json_object_get(e, "counts"), "recording");
    assert_int_equal(json_integer_value(json_object_get(counts, "pending")), 2);
    json_decref(e);
    e = th_last(m.member, "recording", "state");
    assert_null(json_object_get(e, "counts"));
    assert_string_equal(str(json_object_get(e, "you"), "recording"), "pending");
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_RECORDING_STARTS_RECORDING), starts + 1);

    /* the recorder says ready: running */
    struct running_arg a = {m.member, "recording"};
    assert_true(tick_until(is_running, &a, 0));
    assert_true(log_has("\"cmd\":\"start\",\"kind\":\"recording\""));
    assert_true(log_has("\"cmd\":\"output_add\",\"id\":\"file\",\"type\":\"file\""));
    struct rs_recording row = newest_row();
    assert_true(row.id > 0);
    assert_string_equal(row.state, "recording");
    assert_string_equal(row.purpose, "Protokoll der Sitzung");
    assert_string_equal(row.started_by, "Anna Amt");
    assert_int_equal(row.retention_days, 7);
    assert_non_null(strstr(audit_log(), "start:recording:Anna Amt\n"));

    /* stop: off at once, the row done once the recorder has finalised */
    th_drain(m.chair);
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"stop\",\"kind\":\"recording\"}");
    assert_string_equal(kind_state(m.member, "recording"), "off");
    assert_true(tick_until(row_finished, NULL, 0));
    row = newest_row();
    assert_string_equal(row.state, "done");
    assert_int_equal(row.bytes, strlen("fake-mp4-data"));
    assert_true(row.ended_at_ms >= row.started_at_ms);
    assert_true(log_has("{\"cmd\":\"stop\"}"));
    assert_non_null(strstr(audit_log(), "stop:recording:Anna Amt\n"));
    /* the file is recordings_dir/<room>/<recording id>.mp4, named in the row */
    char path[512];
    snprintf(path, sizeof(path), "%s/%lld.mp4", ROOM, (long long)row.id);
    assert_string_equal(row.file, path);
    struct stat st;
    snprintf(path, sizeof(path), "%s/recordings/%s", fr_data_dir, row.file);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/recordings/%s", fr_data_dir, ROOM);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
}

static int start_detail(const struct rs_recording_audit *a, void *ctx)
{
    if (strcmp(a->event, "start") == 0)
        snprintf(ctx, RS_RECORDING_AUDIT_DETAIL_MAX + 1, "%s", a->detail);
    return 0;
}

static void test_long_purpose_in_the_audit(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    char purpose[1000] = "";
    for (int i = 0; i < 300; i++)
        memcpy(purpose + 3 * i, "\xe2\x82\xac", 4); /* 300 euro signs: 900 bytes */
    th_send(m.chair,
            "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"recording\","
            "\"purpose\":\"%s\"}",
            purpose);
    json_t *e = th_last(m.chair, "recording", "state");
    assert_string_equal(str(json_object_get(e, "recording"), "purpose"), purpose);
    json_decref(e);
    assert_string_equal(newest_row().purpose, purpose); /* the row keeps it whole */
    static char detail[RS_RECORDING_AUDIT_DETAIL_MAX + 1];
    assert_int_equal(rs_store_recording_audit_list(th_app.store, ROOM, start_detail, detail), 0);
    json_t *d = json_loads(detail, 0, NULL);
    assert_non_null(d);
    const char *cut = str(d, "purpose");
    assert_int_equal(strlen(cut), 399); /* 133 whole euro signs */
    assert_memory_equal(cut, purpose, 399);
    assert_string_equal(str(d, "layout"), "speaker");
    assert_int_equal(json_integer_value(json_object_get(d, "retention_days")), 30);
    json_decref(d);
}

static void test_refusals(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    /* a participant may not start, stop, pause, switch targets; nor may a guest */
    start(m.member, "recording");
    assert_string_equal(th_error_code(m.member, "recording"), "forbidden");
    th_send(m.member,
            "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"owncast\",\"on\":true}");
    assert_string_equal(th_error_code(m.member, "recording"), "forbidden");
    struct rs_session *guest = th_conn(NULL, NULL);
    char guest_id[16];
    snprintf(guest_id, sizeof(guest_id), "%s", th_join(guest, ROOM, "Gast"));
    th_send(m.chair,
            "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"guest\"}",
            guest_id);
    th_drain(guest);
    th_drain(m.chair);
    start(guest, "stream");
    assert_string_equal(th_error_code(guest, "recording"), "forbidden");
    assert_false(th_got(m.chair, "recording", "state"));
    /* nothing runs: stop, pause, consent, target */
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"stop\",\"kind\":\"recording\"}");
    assert_string_equal(th_error_code(m.chair, "recording"), "not_running");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"stream\",\"on\":true}");
    assert_string_equal(th_error_code(m.chair, "recording"), "not_running");
    consent(m.member, "recording", true);
    assert_string_equal(th_error_code(m.member, "recording"), "not_running");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"owncast\",\"on\":true}");
    assert_string_equal(th_error_code(m.chair, "recording"), "not_running");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"youtube\",\"on\":true}");
    assert_string_equal(th_error_code(m.chair, "recording"), "unknown_target");
    /* bad fields */
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"recording\","
                     "\"purpose\":\"x\",\"retention_days\":31}");
    assert_string_equal(th_error_code(m.chair, "recording"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"film\","
                     "\"purpose\":\"x\"}");
    assert_string_equal(th_error_code(m.chair, "recording"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"recording\"}");
    assert_string_equal(th_error_code(m.chair, "recording"), "missing_field");
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"recording\","
                     "\"purpose\":\"  \"}");
    assert_string_equal(th_error_code(m.chair, "recording"), "empty_value");
    assert_int_equal(newest_row().id, 0);
    /* twice */
    start_running(&m, "recording");
    start(m.chair, "recording");
    assert_string_equal(th_error_code(m.chair, "recording"), "already_running");
    /* a guest may answer */
    consent(guest, "recording", true);
    json_t *e = th_last(guest, "recording", "state");
    assert_string_equal(str(json_object_get(e, "you"), "recording"), "given");
    json_decref(e);
    assert_true(included(guest_id, true));
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_ACTIVE_RECORDING), 1);
}

static void test_missing_binary(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    snprintf(th_app.cfg.recorder_path, sizeof(th_app.cfg.recorder_path), "%s/nowhere/rec",
             fr_data_dir);
    start(m.chair, "recording");
    json_t *e = th_expect(m.chair, "recording", "error");
    assert_string_equal(str(e, "code"), "recorder_unavailable");
    assert_non_null(strstr(str(e, "text"), "not installed"));
    json_decref(e);
    assert_false(th_got(m.member, "recording", "state"));
    assert_int_equal(newest_row().id, 0);
    assert_string_equal(audit_log(), "");
}

static void test_consent_decides_inclusion(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t given0 = rs_metric_get(RS_M_RECORDING_CONSENTS_GIVEN);
    uint64_t declined0 = rs_metric_get(RS_M_RECORDING_CONSENTS_DECLINED);
    struct rs_session *other = th_conn(&other_user, NULL);
    th_join(other, ROOM, "Clara Rat");
    start_running(&m, "recording");
    th_drain(other);
    /* pending: not included */
    assert_false(included(m.member_id, true));
    assert_false(included(m.member_id, false));
    consent(m.member, "recording", true);
    json_t *e = th_last(m.member, "recording", "state");
    assert_string_equal(str(json_object_get(e, "you"), "recording"), "given");
    assert_string_equal(str(json_object_get(e, "you"), "stream"), "pending");
    json_decref(e);
    e = th_last(m.chair, "recording", "state");
    json_t *counts = json_object_get(json_object_get(e, "counts"), "recording");
    assert_int_equal(json_integer_value(json_object_get(counts, "given")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "pending")), 2);
    json_decref(e);
    /* someone else's answer changes nothing a participant sees */
    assert_false(th_got(other, "recording", "state"));
    assert_true(included(m.member_id, true));
    assert_true(included(m.member_id, false));
    assert_false(included(m.chair_id, true)); /* the chair has not answered */
    assert_false(rs_recording_includes(room(), part(m.member_id), RS_RECORDING_STREAM, true));
    /* withdrawn: out at once */
    consent(m.member, "recording", false);
    assert_false(included(m.member_id, true));
    /* declined from pending */
    consent(m.chair, "recording", false);
    assert_false(included(m.chair_id, false));
    consent(m.chair, "recording", true);
    assert_true(included(m.chair_id, false));
    const char *log = audit_log();
    assert_non_null(strstr(log, "consent_given:recording:Bernd Bürger\n"
                                "consent_withdrawn:recording:Bernd Bürger\n"
                                "consent_declined:recording:Anna Amt\n"
                                "consent_given:recording:Anna Amt\n"));
    assert_int_equal(rs_metric_get(RS_M_RECORDING_CONSENTS_GIVEN), given0 + 2);
    assert_int_equal(rs_metric_get(RS_M_RECORDING_CONSENTS_DECLINED), declined0 + 2);

    /* pause excludes everyone; resume includes again */
    th_send(m.chair,
            "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"recording\",\"on\":true}");
    assert_false(included(m.chair_id, false));
    e = th_last(m.member, "recording", "state");
    assert_true(json_is_true(json_object_get(json_object_get(e, "recording"), "paused")));
    json_decref(e);
    th_send(m.chair,
            "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"recording\",\"on\":false}");
    assert_true(included(m.chair_id, false));
    assert_true(tick_until(log_has_arg, "{\"cmd\":\"pause\",\"on\":false}", 0));
    assert_true(log_has("{\"cmd\":\"pause\",\"on\":true}"));
    assert_non_null(strstr(audit_log(), "pause:recording:Anna Amt\nresume:recording:Anna Amt\n"));

    /* a new run asks everyone again */
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"stop\",\"kind\":\"recording\"}");
    start_running(&m, "recording");
    assert_false(included(m.chair_id, false));
}

static void test_exclusions(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    struct rs_session *other = th_conn(&other_user, NULL);
    const char *oid = th_join(other, ROOM, "Clara Rat");
    char other_id[16];
    snprintf(other_id, sizeof(other_id), "%s", oid);
    start_running(&m, "recording");
    consent(m.member, "recording", true);
    consent(other, "recording", true);
    assert_true(included(m.member_id, true));
    assert_true(included(other_id, true));

    /* a whisper: the microphone is out, the camera stays */
    th_send(m.member,
            "{\"ns\":\"whisper\",\"action\":\"create\",\"name\":\"Fraktion\",\"ids\":[\"%s\"]}",
            other_id);
    json_t *e = th_expect(m.member, "whisper", "group");
    char group[32];
    snprintf(group, sizeof(group), "%s", str(json_object_get(e, "group"), "id"));
    json_decref(e);
    th_send(other, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", group);
    th_send(m.member, "{\"ns\":\"whisper\",\"action\":\"start\",\"group\":\"%s\"}", group);
    assert_false(included(m.member_id, true));
    assert_true(included(m.member_id, false));
    assert_true(included(other_id, true));
    th_send(m.member, "{\"ns\":\"whisper\",\"action\":\"stop\"}");
    assert_true(included(m.member_id, true));

    /* a breakout room: out altogether; back in the plenary: in */
    th_send(
        m.chair,
        "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"A\"},{\"name\":\"B\"}],"
        "\"mode\":\"manual\",\"duration_s\":600}");
    th_send(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"%s\",\"room\":1}",
            other_id);
    assert_false(included(other_id, true));
    assert_false(included(other_id, false));
    assert_true(included(m.member_id, true));
    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"close\"}");
    assert_true(included(other_id, false));

    /* a non-public agenda item: nobody, and the recorder shows the closed-session slate */
    th_drain(m.chair);
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"Personalsache\","
                     "\"public\":false}");
    e = th_last(m.chair, "agenda", "state");
    char item[32];
    snprintf(item, sizeof(item), "%s", str(json_array_get(json_object_get(e, "items"), 0), "id"));
    json_decref(e);
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", item);
    assert_false(included(m.member_id, false));
    assert_true(tick_until(log_has_arg,
                           "{\"cmd\":\"slate\",\"text\":\"Nicht-\\u00F6ffentlicher Teil / Closed "
                           "session\"}",
                           0));
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":null}");
    assert_true(included(m.member_id, false));
    assert_true(tick_until(log_has_arg, "{\"cmd\":\"slate\",\"text\":\"\"}", 0));
}

struct failures {
    enum rs_metric metric;
    uint64_t before;
};

/* Whether a recorder failure was counted since `before`. */
static bool failed_since(void *arg)
{
    struct failures *f = arg;
    return rs_metric_get(f->metric) > f->before;
}

static void test_recorder_dies(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    setenv("RS_FAKE_RECORDER_MODE", "die", 1);
    uint64_t failures = rs_metric_get(RS_M_RECORDING_FAILURES_RECORDING);
    start(m.chair, "recording");
    th_drain(m.chair);
    th_drain(m.member);
    struct failures f = {RS_M_RECORDING_FAILURES_RECORDING, failures};
    assert_true(tick_until(failed_since, &f, 0));
    json_t *e = th_expect(m.chair, "recording", "recorder_failed");
    assert_string_equal(str(e, "kind"), "recording");
    assert_non_null(strstr(str(e, "message"), "status 3"));
    json_decref(e);
    e = th_last(m.chair, "recording", "state");
    assert_string_equal(str(json_object_get(e, "recording"), "state"), "failed");
    assert_non_null(strstr(str(json_object_get(e, "recording"), "error"), "exited"));
    json_decref(e);
    assert_false(th_got(m.member, "recording", "recorder_failed"));
    assert_int_equal(rs_metric_get(RS_M_RECORDING_FAILURES_RECORDING), failures + 1);
    assert_string_equal(newest_row().state, "failed");
    assert_non_null(strstr(audit_log(), "recorder_failed:recording:\n"));
    /* a moderator may start again */
    unsetenv("RS_FAKE_RECORDER_MODE");
    start_running(&m, "recording");
}

static void test_silent_and_fatal_recorders(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    setenv("RS_FAKE_RECORDER_MODE", "silent", 1);
    start(m.chair, "stream");
    th_drain(m.chair);
    /* within the 15 s it is only starting */
    rs_rooms_tick(th_app.rooms, rs_wall_ms() + 1000);
    assert_false(th_got(m.chair, "recording", "recorder_failed"));
    rs_rooms_tick(th_app.rooms, rs_wall_ms() + RS_RECORDER_READY_TIMEOUT_MS + 1000);
    json_t *e = th_expect(m.chair, "recording", "recorder_failed");
    assert_string_equal(str(e, "kind"), "stream");
    assert_non_null(strstr(str(e, "message"), "ready"));
    json_decref(e);

    setenv("RS_FAKE_RECORDER_MODE", "fatal", 1);
    start(m.chair, "stream");
    th_drain(m.chair);
    struct failures f = {RS_M_RECORDING_FAILURES_STREAM,
                         rs_metric_get(RS_M_RECORDING_FAILURES_STREAM)};
    assert_true(tick_until(failed_since, &f, 0));
    e = th_expect(m.chair, "recording", "recorder_failed");
    assert_string_equal(str(e, "message"), "encoder gone");
    json_decref(e);

    /* a message quoting a target's URL, with a line break: neither reaches anyone */
    setenv("RS_FAKE_RECORDER_FATAL",
           "{\"ev\":\"error\",\"fatal\":true,\"message\":\"no connection to "
           "rtmp://127.0.0.1:1935/live/geheimer-schluessel\\nor geheimer-schluessel\"}",
           1);
    start(m.chair, "stream");
    th_drain(m.chair);
    f.before = rs_metric_get(RS_M_RECORDING_FAILURES_STREAM);
    assert_true(tick_until(failed_since, &f, 0));
    e = th_expect(m.chair, "recording", "recorder_failed");
    assert_string_equal(str(e, "message"), "no connection to rtmp:owncast or ***");
    json_decref(e);
    assert_non_null(strstr(audit_details(), "no connection to rtmp:owncast or ***"));
    assert_null(strstr(audit_details(), "geheimer"));
    unsetenv("RS_FAKE_RECORDER_FATAL");
    unsetenv("RS_FAKE_RECORDER_MODE");
}

static void test_stream_targets(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    start_running(&m, "stream");
    assert_true(log_has("\"id\":\"hls\",\"type\":\"hls\""));
    th_send(m.chair, "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"owncast\",\"on\":true}");
    json_t *e = th_last(m.member, "recording", "state");
    json_t *stream = json_object_get(e, "stream");
    assert_string_equal(str(stream, "public_url"), "/live/ratssitzung");
    json_t *t = json_array_get(json_object_get(stream, "targets"), 0);
    assert_string_equal(str(t, "id"), "owncast");
    assert_string_equal(str(t, "name"), "Owncast");
    assert_string_equal(str(t, "state"), "connecting");
    char *dump = json_dumps(e, 0);
    assert_null(strstr(dump, "geheimer-schluessel")); /* the URL never reaches a client */
    free(dump);
    json_decref(e);
    assert_true(tick_until(log_has_arg,
                           "\"id\":\"rtmp:owncast\",\"type\":\"rtmp\","
                           "\"url\":\"rtmp://127.0.0.1:1935/live/geheimer-schluessel\"",
                           0));
    th_send(m.chair,
            "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"owncast\",\"on\":false}");
    e = th_last(m.member, "recording", "state");
    t = json_array_get(json_object_get(json_object_get(e, "stream"), "targets"), 0);
    assert_string_equal(str(t, "state"), "off");
    json_decref(e);
    assert_true(tick_until(log_has_arg, "{\"cmd\":\"output_remove\",\"id\":\"rtmp:owncast\"}", 0));
    const char *log = audit_log();
    assert_non_null(strstr(log, "target_on:stream:Anna Amt\ntarget_off:stream:Anna Amt\n"));
    /* no recording row for a stream */
    assert_int_equal(newest_row().id, 0);
}

static void test_joined_payload_and_rejoin(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    start_running(&m, "recording");
    consent(m.member, "recording", true);
    th_drain(m.chair);
    /* a newcomer is told in control/joined, and asked */
    struct rs_session *other = th_conn(&other_user, NULL);
    th_send(other,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\","
            "\"display_name\":\"Clara Rat\"}",
            ROOM);
    json_t *e = th_expect(other, "control", "joined");
    json_t *rec = json_object_get(e, "recording");
    assert_string_equal(str(json_object_get(rec, "recording"), "state"), "running");
    assert_string_equal(str(json_object_get(rec, "stream"), "state"), "off");
    assert_string_equal(str(json_object_get(rec, "you"), "recording"), "pending");
    assert_null(json_object_get(rec, "counts"));
    json_decref(e);
    e = th_last(m.chair, "recording", "state");
    json_t *counts = json_object_get(json_object_get(e, "counts"), "recording");
    assert_int_equal(json_integer_value(json_object_get(counts, "pending")), 2);
    assert_int_equal(json_integer_value(json_object_get(counts, "given")), 1);
    json_decref(e);
    /* the member leaves and comes back: asked again */
    th_send(m.member, "{\"ns\":\"control\",\"action\":\"leave\"}");
    e = th_last(m.chair, "recording", "state");
    counts = json_object_get(json_object_get(e, "counts"), "recording");
    assert_int_equal(json_integer_value(json_object_get(counts, "given")), 0);
    json_decref(e);
    th_drain(m.member);
    th_send(m.member,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\","
            "\"display_name\":\"Bernd B\"}",
            ROOM);
    e = th_expect(m.member, "control", "joined");
    rec = json_object_get(e, "recording");
    assert_string_equal(str(json_object_get(rec, "you"), "recording"), "pending");
    assert_false(included(str(e, "id"), false));
    json_decref(e);
}

static void test_shutdown_stops_cleanly(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    start_running(&m, "recording");
    start_running(&m, "stream");
    char hls[600];
    snprintf(hls, sizeof(hls), "%s/live/%s/index.m3u8", fr_data_dir, ROOM);
    FILE *f = fopen(hls, "w"); /* as a recorder would have written it */
    assert_non_null(f);
    fclose(f);
    /* the server stops: both recorders are told, finalise, and the recording is done */
    rs_recording_shutdown();
    struct rs_recording row = newest_row();
    assert_string_equal(row.state, "done");
    assert_int_equal(row.bytes, strlen("fake-mp4-data"));
    assert_int_equal(fr_log_count("{\"cmd\":\"stop\"}"), 2);
    assert_non_null(strstr(audit_log(), "stop:recording:\n"));
    assert_non_null(strstr(audit_log(), "stop:stream:\n"));
    assert_int_equal(access(hls, F_OK), -1); /* the stream's directory is emptied */
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_ACTIVE_RECORDING), 0);
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_ACTIVE_STREAM), 0);
}

/* --- failover: the running kinds continue on the node that takes the room over --- */

static struct rs_app two; /* the next owner, on the same store (a cluster's PostgreSQL) */

static void two_init(void)
{
    memset(&two, 0, sizeof(two));
    two.cfg = th_app.cfg;
    two.store = th_app.store;
    two.rooms = rs_rooms_new(&two);
    assert_non_null(two.rooms);
    two.room_owner = (struct rs_room_owner){
        .acquire = so_acquire, .snapshot_load = so_load, .snapshot_save = so_save};
    th_app.room_owner = (struct rs_room_owner){.acquire = so_acquire, .snapshot_save = so_save};
    so_forget();
}

static void two_done(void)
{
    while (two.sessions)
        rs_session_free(two.sessions);
    rs_rooms_free(two.rooms); /* its recorders stop and finalise */
    so_forget();
}

/* A connection of `u` to `app`, identified by a login in the shared store. */
static struct rs_session *conn_to(struct rs_app *app, const struct rs_user_record *u)
{
    struct rs_session *s = rs_session_new(app, &th_ops, NULL, "127.0.0.1");
    char cookie[96];
    th_login(u, cookie, sizeof(cookie));
    rs_web_session_identify(app, cookie, &s->peer.ident);
    assert_true(s->peer.ident.logged_in);
    json_decref(th_expect(s, "control", "hello"));
    return s;
}

/* Joins `room_id` as `name` (with `resume`, a token, or NULL); control/joined, a new reference.
 * The participant's resume token goes into `token` (80 bytes) when not NULL. */
static json_t *join_to(struct rs_session *s, const char *room_id, const char *name,
                       const char *resume, char *token)
{
    if (resume)
        th_send(s,
                "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\","
                "\"resume\":\"%s\"}",
                room_id, name, resume);
    else
        th_send(s, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"}",
                room_id, name);
    json_t *j = th_expect(s, "control", "joined");
    if (token)
        snprintf(token, 80, "%s", str(j, "resume_token"));
    return j;
}

static struct rs_recording row_of(int64_t id)
{
    struct rs_recording r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(rs_store_recording_get(th_app.store, id, &r), 0);
    return r;
}

/* Whether the recorders' log shows `needle` `n` times within 5 s (they read on their own). */
static bool log_reaches(const char *needle, unsigned n)
{
    for (int i = 0; i < 250 && fr_log_count(needle) < n; i++)
        fr_sleep_ms(20);
    return fr_log_count(needle) == n;
}

static bool drains_done(void *arg)
{
    int64_t id = *(int64_t *)arg;
    rs_recording_housekeeping(rs_wall_ms());
    return strcmp(row_of(id).state, "recording") != 0;
}

/* A recording and a paused stream with a target run on the first node; it is drained (SIGTERM:
 * rs_rooms_hand_over). The old recorders finish cleanly (row `done`), the live directory is
 * kept for the next owner, and the next owner continues both as new parts with the same
 * consents: a new recorder each, a new row with the audit's `continue`, the declined member
 * still out, the chair still in, nobody asked again. */
/* A start and a consent are sent one by one (not as group events), and must still mark the
 * room's snapshot stale: the next tick writes them, so a crash (no hand-over) keeps them. */
static void test_consent_reaches_snapshot(void **state)
{
    (void)state;
    two_init();
    struct rs_session *chair = conn_to(&th_app, &chair_user);
    json_decref(join_to(chair, ROOM, "Anna Amt", NULL, NULL));
    struct rs_session *member = conn_to(&th_app, &member_user);
    json_decref(join_to(member, ROOM, "Bernd Bürger", NULL, NULL));
    struct meeting m = {.chair = chair, .member = member};
    start_running(&m, "recording");
    rs_rooms_tick(th_app.rooms, rs_wall_ms() + 1000);
    assert_non_null(so_saved);
    assert_non_null(strstr(so_saved, "\"runs\""));
    assert_null(strstr(so_saved, "\"declined\""));
    consent(member, "recording", false);
    rs_rooms_tick(th_app.rooms, rs_wall_ms() + 2000);
    assert_non_null(strstr(so_saved, "\"answer\":\"declined\""));
    two_done();
}

static void test_failover_continues(void **state)
{
    (void)state;
    two_init();
    char chair_token[80], member_token[80], chair_id[16], member_id[16];
    struct rs_session *chair = conn_to(&th_app, &chair_user);
    json_t *j = join_to(chair, ROOM, "Anna Amt", NULL, chair_token);
    snprintf(chair_id, sizeof(chair_id), "%s", str(j, "id"));
    json_decref(j);
    struct rs_session *member = conn_to(&th_app, &member_user);
    j = join_to(member, ROOM, "Bernd Bürger", NULL, member_token);
    snprintf(member_id, sizeof(member_id), "%s", str(j, "id"));
    json_decref(j);
    struct meeting m = {.chair = chair, .member = member};
    start_running(&m, "recording");
    start_running(&m, "stream");
    consent(chair, "recording", true);
    consent(member, "recording", false);
    consent(member, "stream", true);
    th_send(chair, "{\"ns\":\"recording\",\"action\":\"target\",\"id\":\"owncast\",\"on\":true}");
    th_send(chair, "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"stream\",\"on\":true}");
    assert_true(included(chair_id, true));
    assert_false(included(member_id, true));
    int64_t first = newest_row().id;
    assert_true(first > 0);
    assert_int_equal(fr_log_count("\"cmd\":\"start\""), 2);

    /* SIGTERM: the snapshot is written and the room leaves this node */
    assert_int_equal(rs_rooms_hand_over(th_app.rooms, rs_wall_ms()), 0);
    assert_null(rs_rooms_find(th_app.rooms, ROOM));
    assert_non_null(so_saved);
    assert_non_null(strstr(so_saved, "\"runs\""));
    assert_null(strstr(so_saved, "geheimer-schluessel")); /* the stream key stays in the config */
    assert_non_null(strstr(audit_details(), "\"reason\":\"handed_over\""));

    /* the member comes back first, on the next owner */
    uint64_t resumed_rec = rs_metric_get(RS_M_RECORDINGS_RESUMED_RECORDING);
    uint64_t resumed_stream = rs_metric_get(RS_M_RECORDINGS_RESUMED_STREAM);
    struct rs_session *member2 = conn_to(&two, &member_user);
    j = join_to(member2, ROOM, "Bernd Bürger", member_token, NULL);
    assert_true(json_is_true(json_object_get(j, "resumed")));
    json_t *rec = json_object_get(j, "recording");
    assert_string_equal(str(json_object_get(rec, "recording"), "state"), "starting");
    assert_string_equal(str(json_object_get(rec, "recording"), "started_by"), "Anna Amt");
    assert_string_equal(str(json_object_get(rec, "recording"), "purpose"),
                        "Protokoll der Sitzung");
    assert_string_equal(str(json_object_get(rec, "stream"), "state"), "starting");
    assert_true(json_is_true(json_object_get(json_object_get(rec, "stream"), "paused")));
    /* the answers hold: nobody is asked again */
    assert_string_equal(str(json_object_get(rec, "you"), "recording"), "declined");
    assert_string_equal(str(json_object_get(rec, "you"), "stream"), "given");
    json_decref(j);
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_RESUMED_RECORDING), resumed_rec + 1);
    assert_int_equal(rs_metric_get(RS_M_RECORDINGS_RESUMED_STREAM), resumed_stream + 1);
    /* a new recorder for each kind, told the pause and the target that was on */
    assert_true(log_reaches("\"cmd\":\"start\"", 4));
    assert_true(log_reaches("\"cmd\":\"pause\",\"on\":true", 2));
    assert_true(log_reaches("rtmp://127.0.0.1:1935/live/geheimer-schluessel", 2));

    /* the next part: a new row (a new file), by the same starter, for the same purpose */
    struct rs_recording next = newest_row();
    assert_true(next.id > first);
    assert_string_equal(next.state, "recording");
    assert_string_equal(next.started_by, "Anna Amt");
    assert_string_equal(next.purpose, "Protokoll der Sitzung");
    assert_int_equal(next.retention_days, 7);
    assert_string_not_equal(next.file, row_of(first).file);
    const char *log = audit_log();
    assert_non_null(strstr(log, "continue:recording:\n"));
    assert_non_null(strstr(log, "continue:stream:\n"));
    char want[64];
    snprintf(want, sizeof(want), "\"continues\":%lld", (long long)first);
    assert_non_null(strstr(audit_details(), want));
    assert_non_null(strstr(audit_details(), "\"part\":2"));

    /* the old recorder finalises meanwhile: its row is done, the live directory stays */
    char live[PATH_MAX], marker[PATH_MAX + 32];
    assert_int_equal(rs_recording_dirs(&th_app.cfg, NULL, 0, live, sizeof(live)), 0);
    snprintf(marker, sizeof(marker), "%s/%s/index.m3u8", live, ROOM);
    FILE *f = fopen(marker, "w"); /* what the new part's recorder writes */
    assert_non_null(f);
    fclose(f);
    assert_true(tick_until(drains_done, &first, 0));
    assert_string_equal(row_of(first).state, "done");
    assert_int_equal(access(marker, F_OK), 0);

    /* running on the next owner; consents decide as before */
    struct rs_room *r2 = rs_rooms_find(two.rooms, ROOM);
    assert_non_null(r2);
    for (int i = 0; i < 250 && !th_got(member2, "recording", "state"); i++) {
        rs_rooms_tick(two.rooms, rs_wall_ms());
        fr_sleep_ms(20);
    }
    rs_rooms_tick(two.rooms, rs_wall_ms());
    struct rs_participant *c2 = rs_room_participant(r2, chair_id);
    struct rs_participant *m2 = rs_room_participant(r2, member_id);
    assert_non_null(c2);
    assert_non_null(m2);
    for (int i = 0; i < 250 && !rs_recording_includes(r2, c2, RS_RECORDING_FILE, true); i++) {
        rs_rooms_tick(two.rooms, rs_wall_ms());
        fr_sleep_ms(20);
    }
    assert_true(rs_recording_includes(r2, c2, RS_RECORDING_FILE, true));
    assert_false(rs_recording_includes(r2, m2, RS_RECORDING_FILE, true));
    assert_false(rs_recording_includes(r2, m2, RS_RECORDING_STREAM, true)); /* paused */

    /* the next owner's own snapshot carries the part on, and the answers */
    so_forget();
    rs_rooms_tick(two.rooms, rs_wall_ms() + RS_SNAPSHOT_REFRESH_MS + 1000);
    assert_non_null(so_saved);
    assert_non_null(strstr(so_saved, "\"part\":2"));
    assert_non_null(strstr(so_saved, "\"answer\":\"declined\""));
    two_done();
}

/* Parts of a snapshot that are not what a node writes: each dropped alone and counted, no
 * recorder started and no row stored; the participants come back all the same. */
static void test_failover_bad_parts(void **state)
{
    (void)state;
    two_init();
    static const char *const bad[] = {
        "{\"runs\":7}",
        "{\"runs\":[1]}",
        /* serial 0, a layout not known, a purpose with a control character, a recording
         * without its row, the same kind twice, targets on a recording, three runs */
        "{\"runs\":[{\"kind\":\"stream\",\"serial\":0,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\",\"layout\":\"speaker\",\"retention_days\":7,"
        "\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":0}]}",
        "{\"runs\":[{\"kind\":\"stream\",\"serial\":3,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\",\"layout\":\"mosaic\",\"retention_days\":7,"
        "\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":0}]}",
        "{\"runs\":[{\"kind\":\"stream\",\"serial\":3,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\\u0007\",\"layout\":\"grid\","
        "\"retention_days\":7,\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":0}]}",
        "{\"runs\":[{\"kind\":\"recording\",\"serial\":3,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\",\"layout\":\"grid\",\"retention_days\":7,"
        "\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":0}]}",
        "{\"runs\":[{\"kind\":\"stream\",\"serial\":3,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\",\"layout\":\"grid\",\"retention_days\":7,"
        "\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":0},{\"kind\":\"stream\","
        "\"serial\":4,\"started_by\":\"A\",\"started_by_user\":\"\",\"purpose\":\"P\","
        "\"layout\":\"grid\",\"retention_days\":7,\"paused\":false,\"since\":1,\"part\":1,"
        "\"recording_id\":0}]}",
        "{\"runs\":[{\"kind\":\"recording\",\"serial\":3,\"started_by\":\"A\","
        "\"started_by_user\":\"\",\"purpose\":\"P\",\"layout\":\"grid\",\"retention_days\":7,"
        "\"paused\":false,\"since\":1,\"part\":1,\"recording_id\":5,\"targets\":[\"owncast\"]}]}",
        "{\"runs\":[{},{},{}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char id[16], snap[2048];
        snprintf(id, sizeof(id), "bad%zu", i);
        /* the participant's own part is bad as well: an answer that is none */
        snprintf(snap, sizeof(snap),
                 "{\"v\":1,\"room\":\"%s\",\"participants\":[{\"id\":\"pabcdefghijk\","
                 "\"name\":\"Anna\",\"role\":\"participant\",\"access\":0,\"joined_at\":1,"
                 "\"f\":{\"recording\":{\"recording\":{\"serial\":3,\"answer\":\"maybe\"}}}}],"
                 "\"f\":{\"recording\":%s}}",
                 id, bad[i]);
        so_put(snap);
        uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
        struct rs_session *s = conn_to(&two, &other_user);
        json_t *j = join_to(s, id, "Clara", NULL, NULL);
        if (json_array_size(json_object_get(j, "participants")) != 2)
            fail_msg("snapshot %zu: the participant not restored", i);
        json_t *rec = json_object_get(j, "recording");
        if (strcmp(str(json_object_get(rec, "recording"), "state"), "off") != 0 ||
            strcmp(str(json_object_get(rec, "stream"), "state"), "off") != 0)
            fail_msg("snapshot %zu: a kind continued", i);
        json_decref(j);
        if (rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS) != errors + 2)
            fail_msg("snapshot %zu: not counted", i);
    }
    assert_int_equal(fr_log_count("\"cmd\":\"start\""), 0);
    assert_int_equal(newest_row().id, 0);
    two_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_stop_by_moderator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_purpose_in_the_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_decides_inclusion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclusions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recorder_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_and_fatal_recorders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined_payload_and_rejoin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_stops_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_reaches_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_continues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_bad_parts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
