/* SPDX-License-Identifier: EUPL-1.2 */
/* The store on either backend (store_backend.h): migrations, room records, persistence across
 * reopen, refusing a newer schema, a database that cannot be opened; SQLite's WAL mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_backend.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    return rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-store");
}

static int teardown(void **state)
{
    rs_test_store_dir_remove(dir, path);
    return 0;
}

static void test_migrate_and_rooms(void **state)
{
    struct rs_store *st;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    assert_int_equal(rs_store_schema_version(st), 10);
    struct rs_room_record r = {0}, got;
    snprintf(r.id, sizeof(r.id), "room1");
    snprintf(r.title, sizeof(r.title), "Bauausschuss");
    r.max_participants = 30;
    r.created_at_ms = 1000;
    r.last_active_ms = 2000;
    assert_int_equal(rs_store_room_get(st, "room1", &got), -ENOENT);
    assert_int_equal(rs_store_room_put(st, &r), 0);
    assert_int_equal(rs_store_room_get(st, "room1", &got), 0);
    assert_string_equal(got.title, "Bauausschuss");
    assert_int_equal(got.max_participants, 30);
    assert_int_equal(got.created_at_ms, 1000);
    /* update keeps created_at */
    r.created_at_ms = 5;
    snprintf(r.title, sizeof(r.title), "Hauptausschuss");
    assert_int_equal(rs_store_room_put(st, &r), 0);
    assert_int_equal(rs_store_room_get(st, "room1", &got), 0);
    assert_string_equal(got.title, "Hauptausschuss");
    assert_int_equal(got.created_at_ms, 1000);
    assert_int_equal(rs_store_room_touch(st, "room1", 9999), 0);
    assert_int_equal(rs_store_room_touch(st, "nope", 9999), -ENOENT);
    int64_t n;
    assert_int_equal(rs_store_room_count(st, &n), 0);
    assert_int_equal(n, 1);
    rs_store_close(st);

    /* persists across reopen; migrations are not re-run */
    assert_int_equal(rs_test_store_open(path, &st), 0);
    assert_int_equal(rs_store_schema_version(st), 10);
    assert_int_equal(rs_store_room_get(st, "room1", &got), 0);
    assert_int_equal(got.last_active_ms, 9999);
    assert_int_equal(rs_store_room_delete(st, "room1"), 0);
    assert_int_equal(rs_store_room_delete(st, "room1"), -ENOENT);
    rs_store_close(st);
}

/* Anonymous rooms idle before the cut-off go; newer ones, the cut-off itself and managed
 * meetings (with their grants and invitations) stay. */
static void test_purge_anonymous_rooms(void **state)
{
    struct rs_store *st;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    const struct {
        const char *id;
        int64_t last_active;
        bool managed;
    } rooms[] = {
        {"anon-old", 100, false}, {"anon-older", 1, false},     {"anon-cutoff", 1000, false},
        {"anon-new", 5000, false}, {"meeting-old", 1, true},
    };
    for (size_t i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
        struct rs_room_record r = {0};
        snprintf(r.id, sizeof(r.id), "%s", rooms[i].id);
        r.created_at_ms = r.last_active_ms = rooms[i].last_active;
        r.managed = rooms[i].managed;
        assert_int_equal(r.managed ? rs_store_meeting_create(st, &r) : rs_store_room_put(st, &r),
                         0);
    }
    assert_int_equal(rs_store_room_purge_anonymous(st, 1000), 2);
    assert_int_equal(rs_store_room_purge_anonymous(st, 1000), 0);
    struct rs_room_record got;
    assert_int_equal(rs_store_room_get(st, "anon-old", &got), -ENOENT);
    assert_int_equal(rs_store_room_get(st, "anon-older", &got), -ENOENT);
    assert_int_equal(rs_store_room_get(st, "anon-cutoff", &got), 0);
    assert_int_equal(rs_store_room_get(st, "anon-new", &got), 0);
    assert_int_equal(rs_store_room_get(st, "meeting-old", &got), 0);
    assert_true(got.managed);
    assert_int_equal(rs_store_room_purge_anonymous(st, INT64_MAX), 2);
    assert_int_equal(rs_store_room_get(st, "meeting-old", &got), 0);
    rs_store_close(st);
}

static void test_sql_injection_is_data(void **state)
{
    struct rs_store *st;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    struct rs_room_record r = {0}, got;
    snprintf(r.id, sizeof(r.id), "x'; DROP TABLE rooms; --");
    snprintf(r.title, sizeof(r.title), "\"); DELETE FROM rooms; --");
    assert_int_equal(rs_store_room_put(st, &r), 0);
    assert_int_equal(rs_store_room_get(st, r.id, &got), 0);
    assert_string_equal(got.title, r.title);
    rs_store_close(st);
}

static void test_wal_mode(void **state)
{
    rs_test_skip_unless_sqlite("the journal mode is SQLite's");
    struct rs_store *st;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    rs_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* Issue 12: an invitation made today for a meeting in 7 days at 17:00 must outlive it, not expire
 * that morning (the old default was now + 7 days). */
static void test_invite_default_expiry(void **state)
{
    const int64_t H = 3600 * 1000LL, now = 1764756000000LL; /* some day, 10:00 UTC */
    struct rs_room_record m = {0};
    /* no schedule: 7 days */
    assert_int_equal(rs_invite_default_expiry(&m, now, 2 * H), now + 7 * 24 * H);
    /* in 7 days at 17:00 until 19:00: the end plus the grace, after the meeting */
    m.scheduled_start_ms = now + 7 * 24 * H + 7 * H;
    m.scheduled_end_ms = m.scheduled_start_ms + 2 * H;
    int64_t at = rs_invite_default_expiry(&m, now, 2 * H);
    assert_int_equal(at, m.scheduled_end_ms + 2 * H);
    assert_true(at > m.scheduled_end_ms && at > now + 7 * 24 * H);
    /* a start without an end: the default length */
    m.scheduled_end_ms = 0;
    assert_int_equal(rs_invite_default_expiry(&m, now, 2 * H),
                     m.scheduled_start_ms + RS_MEETING_DEFAULT_LENGTH_MS + 2 * H);
    /* a meeting tomorrow expires well before a week */
    m.scheduled_start_ms = now + 24 * H;
    m.scheduled_end_ms = now + 25 * H;
    assert_int_equal(rs_invite_default_expiry(&m, now, 0), now + 25 * H);
    /* a meeting long over: the plain default rather than an invitation dead on arrival */
    m.scheduled_start_ms = now - 48 * H;
    m.scheduled_end_ms = now - 47 * H;
    assert_int_equal(rs_invite_default_expiry(&m, now, 2 * H), now + 7 * 24 * H);
}

/* A database a newer binary migrated further is refused rather than misread. */
static void test_refuses_newer_schema(void **state)
{
    struct rs_store *st;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    rs_store_close(st);
    assert_int_equal(rs_test_store_exec(path, "INSERT INTO schema_migrations (version, "
                                              "applied_at_ms) VALUES (999, 0)"),
                     0);
    assert_int_equal(rs_test_store_open(path, &st), -EPROTO);
}

/* SQLite: a file in a directory that does not exist; PostgreSQL: a server that is not there. */
static void test_unopenable_path(void **state)
{
    struct rs_store *st;
    if (rs_test_store_is_pg()) {
        assert_int_equal(
            rs_store_open("postgresql:///ratsaal?host=/nonexistent-dir/x&connect_timeout=2", &st),
            -ECONNREFUSED);
        return;
    }
    assert_int_not_equal(rs_store_open_sqlite("/nonexistent-dir/x/ratsaal.db", &st), 0);
}

/* Which backend a store spec names. */
static void test_spec_is_pg(void **state)
{
    assert_true(rs_store_spec_is_pg("postgresql:///ratsaal?host=/run/postgresql"));
    assert_true(rs_store_spec_is_pg("postgres://ratsaal@db.example.org/ratsaal"));
    assert_false(rs_store_spec_is_pg("./var/ratsaal.db"));
    assert_false(rs_store_spec_is_pg("/var/lib/ratsaal/postgresql://x"));
    assert_false(rs_store_spec_is_pg("postgresql:"));
    assert_false(rs_store_spec_is_pg("PostgreSQL://x"));
    assert_false(rs_store_spec_is_pg(""));
    assert_false(rs_store_spec_is_pg(NULL));
    struct rs_store *st;
    assert_int_equal(rs_store_open("", &st), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_and_rooms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_anonymous_rooms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_injection_is_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test(test_invite_default_expiry),
        cmocka_unit_test_setup_teardown(test_unopenable_path, setup, teardown),
        cmocka_unit_test(test_spec_is_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
