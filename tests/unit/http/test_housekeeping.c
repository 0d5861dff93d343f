/* SPDX-License-Identifier: EUPL-1.2 */
/* The REST layer's periodic housekeeping (rs_api_tick): what it removes from the store and
 * what it must leave alone, over a real SQLite store. Retention of meetings' records
 * (http/retention.c) runs inline here: without a job thread a job runs at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/outbuf.h"
#include "http/api.h"
#include "http/retention.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "store/store_agenda.h"
#include "store/store_attendance.h"
#include "store/store_retention.h"
#include "store/store_speaking.h"
#include "store/store_vote.h"
#include "../../support/tmpdir.h"

#define DAY_MS (24 * 3600 * 1000LL)
#define HOUR_MS (3600 * 1000LL)

static struct rs_app app;
static char dir[64], db[128];

static void want_write(struct rs_session *s)
{
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
}
static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.anonymous_meetings = RS_ANON_ON;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-housekeeping"))
        return -1;
    if (rs_store_open_sqlite(db, &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    return app.rooms ? 0 : -1;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_api_shutdown(&app);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    char p[160];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static void put_room(const char *id, int64_t last_active_ms, bool managed)
{
    struct rs_room_record r;
    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "%s", id);
    snprintf(r.title, sizeof(r.title), "t-%s", id);
    r.created_at_ms = r.last_active_ms = last_active_ms;
    r.managed = managed;
    assert_int_equal(managed ? rs_store_meeting_create(app.store, &r) : rs_store_room_put(app.store, &r),
                     0);
}

static int exists(const char *id)
{
    struct rs_room_record r;
    return rs_store_room_get(app.store, id, &r) == 0;
}

/* Anonymous rooms nobody used for RS_ANON_ROOM_KEEP_DAYS go; recent ones and managed
 * meetings (however old) stay. */
static void test_old_anonymous_rooms_are_purged(void **state)
{
    int64_t now = rs_wall_ms();
    put_room("anon-old", now - 31 * DAY_MS, false);
    put_room("anon-ancient", 1, false);
    put_room("anon-recent", now - 29 * DAY_MS, false);
    put_room("meeting-old", now - 400 * DAY_MS, true);
    rs_api_tick(&app);
    assert_false(exists("anon-old"));
    assert_false(exists("anon-ancient"));
    assert_true(exists("anon-recent"));
    assert_true(exists("meeting-old"));
}

/* A room still in use when its record was purged (open for longer than the keep time without
 * anyone opening it afresh) gets its record back when it closes. */
static void test_room_in_use_keeps_its_record(void **state)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    const char *join = "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"live-room\","
                       "\"display_name\":\"Anna\",\"title\":\"Stammtisch\"}";
    rs_session_on_message(s, join, strlen(join));
    assert_non_null(s->peer.participant);
    assert_true(exists("live-room"));
    /* 31 days later the record is old: housekeeping removes it while the room is open */
    assert_int_equal(rs_store_room_touch(app.store, "live-room", rs_wall_ms() - 31 * DAY_MS), 0);
    rs_api_tick(&app);
    assert_false(exists("live-room"));
    rs_session_free(s); /* the last one leaves: the room closes */
    struct rs_room_record r;
    assert_int_equal(rs_store_room_get(app.store, "live-room", &r), 0);
    assert_string_equal(r.title, "Stammtisch");
    assert_true(r.last_active_ms > rs_wall_ms() - DAY_MS);
}

/* ---- retention of meetings' records ---- */

static void stay(const char *room, const char *pid, int64_t joined, int64_t left)
{
    struct rs_attendance_record r;
    memset(&r, 0, sizeof(r));
    snprintf(r.room_id, sizeof(r.room_id), "%s", room);
    snprintf(r.participant_id, sizeof(r.participant_id), "%s", pid);
    snprintf(r.display_name, sizeof(r.display_name), "Anna");
    snprintf(r.role, sizeof(r.role), "participant");
    r.joined_at_ms = joined;
    assert_int_equal(rs_store_attendance_add(app.store, &r), 0);
    if (left)
        assert_int_equal(rs_store_attendance_close(app.store, r.id, left, "left"), 0);
}

static void spoke(const char *room, int64_t at)
{
    struct rs_speaking_turn t;
    memset(&t, 0, sizeof(t));
    snprintf(t.room_id, sizeof(t.room_id), "%s", room);
    snprintf(t.participant_id, sizeof(t.participant_id), "p1");
    snprintf(t.name, sizeof(t.name), "Anna");
    t.started_at_ms = at;
    t.duration_ms = 60000;
    assert_int_equal(rs_store_speaking_add(app.store, &t), 0);
}

static void minutes(const char *room, const char *item, int64_t at)
{
    struct rs_agenda_item_record it = {.room_id = room,
                                       .title = "Haushalt",
                                       .description = "",
                                       .public = true,
                                       .minutes = "",
                                       .minutes_by = ""};
    snprintf(it.id, sizeof(it.id), "%s", item);
    assert_int_equal(rs_store_agenda_add(app.store, &it), 0);
    assert_int_equal(
        rs_store_agenda_set_minutes(app.store, room, item, "Alte Niederschrift", "Erika", at), 0);
}

static void closed_vote(const char *room, const char *id, int64_t closed)
{
    struct rs_vote_record v;
    memset(&v, 0, sizeof(v));
    snprintf(v.id, sizeof(v.id), "%s", id);
    snprintf(v.room_id, sizeof(v.room_id), "%s", room);
    snprintf(v.spec, sizeof(v.spec), "{}");
    v.created_at_ms = closed - 60000;
    struct rs_voter_record e = {"u:anna", "Anna"};
    assert_int_equal(rs_store_vote_create(app.store, &v, &e, 1), 0);
    assert_int_equal(rs_store_vote_finish(app.store, id, RS_VOTE_CLOSED, closed, "{}"), 0);
}

static int count_stay(const struct rs_attendance_record *r, void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static int count_turn(const struct rs_speaking_turn *t, void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static int stays_of(const char *room)
{
    int n = 0;
    assert_int_equal(rs_store_attendance_list(app.store, room, count_stay, &n), 0);
    return n;
}

static int turns_of(const char *room)
{
    int n = 0;
    assert_int_equal(rs_store_speaking_list(app.store, room, count_turn, &n), 0);
    return n;
}

static int minutes_each(const struct rs_agenda_item_record *it, void *ctx)
{
    *(int *)ctx += it->minutes && it->minutes[0];
    return 0;
}

static int minutes_of(const char *room)
{
    int n = 0;
    assert_int_equal(rs_store_agenda_list(app.store, room, minutes_each, &n), 0);
    return n;
}

static bool vote_exists(const char *id)
{
    struct rs_vote_record v;
    return rs_store_vote_get(app.store, id, &v) == 0;
}

/* One old and one young record of each kind in two meetings. */
static void records(int64_t now)
{
    put_room("m-old", now - 400 * DAY_MS, true);
    put_room("m-young", now - 400 * DAY_MS, true);
    stay("m-old", "p1", now - 41 * DAY_MS, now - 40 * DAY_MS);
    stay("m-old", "p2", now - 41 * DAY_MS, 0); /* never left: an open stay stays */
    stay("m-young", "p3", now - 2 * DAY_MS, now - DAY_MS);
    spoke("m-old", now - 40 * DAY_MS);
    spoke("m-young", now - DAY_MS);
    minutes("m-old", "a0000000001", now - 40 * DAY_MS);
    minutes("m-young", "a0000000002", now - DAY_MS);
    closed_vote("m-old", "v-old", now - 40 * DAY_MS);
    closed_vote("m-young", "v-young", now - DAY_MS);
}

/* Nothing is deleted while the periods are off (the default). */
static void test_retention_off_by_default(void **state)
{
    int64_t now = rs_wall_ms();
    records(now);
    uint64_t before = rs_metric_get(RS_M_RETENTION_DELETED_ATTENDANCE);
    rs_api_tick(&app);
    assert_int_equal(stays_of("m-old"), 2);
    assert_int_equal(turns_of("m-old"), 1);
    assert_int_equal(minutes_of("m-old"), 1);
    assert_true(vote_exists("v-old"));
    assert_int_equal(rs_metric_get(RS_M_RETENTION_DELETED_ATTENDANCE), before);
}

/* With a period of 30 days: what aged past it goes, the young and the open stay, the meetings
 * stay, and /metrics counts each kind. */
static void test_retention_deletes_old_keeps_young(void **state)
{
    int64_t now = rs_wall_ms();
    records(now);
    app.cfg.retention_attendance_days = 30;
    app.cfg.retention_minutes_days = 30;
    app.cfg.retention_votes_days = 30;
    const enum rs_metric m[] = {RS_M_RETENTION_DELETED_ATTENDANCE, RS_M_RETENTION_DELETED_SPEAKING,
                                RS_M_RETENTION_DELETED_MINUTES, RS_M_RETENTION_DELETED_VOTES,
                                RS_M_RETENTION_FAILURES};
    uint64_t before[5];
    for (int i = 0; i < 5; i++)
        before[i] = rs_metric_get(m[i]);
    rs_api_tick(&app);
    assert_int_equal(stays_of("m-old"), 1); /* the open one */
    assert_int_equal(turns_of("m-old"), 0);
    assert_int_equal(minutes_of("m-old"), 0);
    assert_false(vote_exists("v-old"));
    assert_int_equal(stays_of("m-young"), 1);
    assert_int_equal(turns_of("m-young"), 1);
    assert_int_equal(minutes_of("m-young"), 1);
    assert_true(vote_exists("v-young"));
    assert_true(exists("m-old"));
    assert_true(exists("m-young"));
    const uint64_t want[5] = {1, 1, 1, 1, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(rs_metric_get(m[i]) - before[i], want[i]);
}

/* Each kind follows its own key: minutes kept for ever while votes go. */
static void test_retention_kinds_apart(void **state)
{
    int64_t now = rs_wall_ms();
    records(now);
    app.cfg.retention_votes_days = 30;
    rs_api_tick(&app);
    assert_false(vote_exists("v-old"));
    assert_int_equal(stays_of("m-old"), 2);
    assert_int_equal(turns_of("m-old"), 1);
    assert_int_equal(minutes_of("m-old"), 1);
}

/* Hourly, and batch by batch while a backlog lasts. */
static void test_retention_schedule_and_batches(void **state)
{
    int64_t now = rs_wall_ms();
    put_room("m-big", now - 400 * DAY_MS, true);
    char pid[16];
    for (int i = 0; i < RS_RETENTION_BATCH + 1; i++) {
        snprintf(pid, sizeof(pid), "p%d", i);
        stay("m-big", pid, now - 50 * DAY_MS, now - 40 * DAY_MS);
    }
    app.cfg.retention_attendance_days = 30;
    struct rs_retention r = {0};
    rs_retention_tick(&app, &r, now);
    assert_int_equal(stays_of("m-big"), 1);
    assert_false(r.running);
    assert_int_equal(r.next_ms, 0); /* a full batch: the rest at the next tick */
    rs_retention_tick(&app, &r, now + 200);
    assert_int_equal(stays_of("m-big"), 0);
    assert_int_equal(r.next_ms, now + 200 + HOUR_MS);
    stay("m-big", "late", now - 50 * DAY_MS, now - 40 * DAY_MS);
    rs_retention_tick(&app, &r, now + 400); /* not due */
    assert_int_equal(stays_of("m-big"), 1);
    rs_retention_tick(&app, &r, now + 200 + HOUR_MS);
    assert_int_equal(stays_of("m-big"), 0);
}

/* The test clock: a "day" of RATSAAL_TEST_RETENTION_DAY_MS ms, and a run every such day. */
static void test_retention_test_clock(void **state)
{
    assert_int_equal(rs_retention_day_ms(), DAY_MS);
    const char *bad[] = {"0", "-5", "abc", "86400001", "12x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv(RS_RETENTION_TEST_DAY_ENV, bad[i], 1);
        assert_int_equal(rs_retention_day_ms(), DAY_MS);
    }
    setenv(RS_RETENTION_TEST_DAY_ENV, "1000", 1);
    assert_int_equal(rs_retention_day_ms(), 1000);
    int64_t now = rs_wall_ms();
    put_room("m-fast", now, true);
    stay("m-fast", "p1", now - 5000, now - 3000); /* left 3 "days" ago */
    stay("m-fast", "p2", now - 5000, now - 500);  /* half a "day" ago */
    app.cfg.retention_attendance_days = 2;
    struct rs_retention r = {0};
    rs_retention_tick(&app, &r, now);
    unsetenv(RS_RETENTION_TEST_DAY_ENV);
    assert_int_equal(stays_of("m-fast"), 1);
    assert_int_equal(r.next_ms, now + 1000);
}

static bool queued(struct rs_session *s, const char *needle, const char *also)
{
    bool found = false;
    for (unsigned i = 0; i < s->out_count; i++) {
        const struct rs_outbuf *b = s->outq[(s->out_head + i) % s->out_cap];
        const char *text = (const char *)b->data + RS_OUTBUF_HEADROOM;
        found = strstr(text, needle) && (!also || strstr(text, also)); /* the last one counts */
    }
    return found;
}

/* A meeting in progress whose minutes go is told: everyone gets the agenda without them. */
static void test_retention_tells_the_live_meeting(void **state)
{
    int64_t now = rs_wall_ms();
    put_room("live-room", now, false);
    minutes("live-room", "a0000000009", now - 40 * DAY_MS);
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    const char *join = "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"live-room\","
                       "\"display_name\":\"Anna\"}";
    rs_session_on_message(s, join, strlen(join));
    assert_non_null(s->peer.participant);
    assert_true(queued(s, "\"agenda\"", "Alte Niederschrift"));
    app.cfg.retention_minutes_days = 30;
    rs_api_tick(&app);
    assert_int_equal(minutes_of("live-room"), 0);
    assert_true(queued(s, "\"agenda\"", "a0000000009"));
    assert_false(queued(s, "\"agenda\"", "Alte Niederschrift"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_old_anonymous_rooms_are_purged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_room_in_use_keeps_its_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_off_by_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_deletes_old_keeps_young, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_kinds_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_schedule_and_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_test_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_tells_the_live_meeting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
