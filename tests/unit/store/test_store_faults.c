/* SPDX-License-Identifier: EUPL-1.2 */
/* The store when the disk is full or another process holds the database (store_fault.h): the
 * write fails with -EIO and says why (full, busy), is counted, and what was committed before
 * stays readable and intact; the next write after the cause is gone succeeds. A lock held
 * elsewhere costs a write at most RS_STORE_BUSY_WAIT_MS, and then nothing for a while; reads go
 * on (WAL). A session whose sliding expiry cannot be written still signs its user in. The room
 * turns such a failure into storage_full / storage_busy for the client.
 *
 * "Full" is SQLite's own limit (PRAGMA max_page_count), which fails exactly as a full disk does
 * (SQLITE_FULL); tests/e2e/faults.test.js fills a real file system. On PostgreSQL
 * (store_backend.h) the lock is another connection's table lock, which the store waits for at
 * most lock_timeout (pg.c), and the full database is skipped: it has no such limit to set. */
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

#include "core/clock.h"
#include "core/metrics.h"
#include "room/action.h"
#include "store/sqlite_internal.h"
#include "store/store.h"
#include "store/store_agenda.h"
#include "store/store_fault.h"
#include "store_backend.h"

static char dir[64];
static char path[128];
static struct rs_store *st;

static int setup(void **state)
{
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-faults") ||
        rs_test_store_open(path, &st))
        return -1;
    struct rs_room_record r = {.created_at_ms = 1, .last_active_ms = 1};
    snprintf(r.id, sizeof(r.id), "rat");
    snprintf(r.title, sizeof(r.title), "Gemeinderat");
    if (rs_store_room_put(st, &r))
        return -1;
    struct rs_agenda_item_record it = {.room_id = "rat", .id = "a0000000001", .title = "Haushalt"};
    return rs_store_agenda_add(st, &it);
}

static int teardown(void **state)
{
    if (st)
        rs_store_close(st);
    st = NULL;
    rs_test_store_dir_remove(dir, path);
    return 0;
}

static void sql(sqlite3 *db, const char *text)
{
    char *msg = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg ? msg : "?");
}

static int64_t pragma_int(const char *name)
{
    sqlite3_stmt *q;
    char text[64];
    snprintf(text, sizeof(text), "PRAGMA %s", name);
    assert_int_equal(sqlite3_prepare_v2(rs_store__sqlite_db(st), text, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* SQLite's integrity check (PostgreSQL keeps its own files consistent: nothing to check). */
static void assert_intact(void)
{
    if (rs_test_store_is_pg())
        return;
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(rs_store__sqlite_db(st), "PRAGMA integrity_check", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
}

static int minutes_of(const struct rs_agenda_item_record *it, void *ctx)
{
    snprintf(ctx, 64, "%s", it->minutes ? it->minutes : "");
    return 0;
}

/* Another connection that holds the write lock, as `sqlite3 DB` or `psql` would: on SQLite
 * BEGIN EXCLUSIVE on the file; on PostgreSQL EXCLUSIVE locks on `pg_tables` (writes to them
 * wait, reads go on, as in WAL mode), which the store waits for at most lock_timeout. */
struct other {
    sqlite3 *db;
    PGconn *pg;
};

static struct other lock_elsewhere(const char *pg_tables)
{
    struct other o = {0};
    if (rs_test_store_is_pg()) {
        char text[256];
        snprintf(text, sizeof(text), "BEGIN; LOCK TABLE %s IN EXCLUSIVE MODE", pg_tables);
        o.pg = rs_test_store_pg_connect(path);
        assert_non_null(o.pg);
        PGresult *r = PQexec(o.pg, text);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", text, PQresultErrorMessage(r));
        PQclear(r);
        return o;
    }
    assert_int_equal(sqlite3_open(path, &o.db), SQLITE_OK);
    sql(o.db, "BEGIN EXCLUSIVE");
    return o;
}

/* The lock goes: the other connection rolls back and closes. */
static void unlock_elsewhere(struct other *o)
{
    if (o->pg) {
        PQclear(PQexec(o->pg, "ROLLBACK"));
        PQfinish(o->pg);
    } else {
        sql(o->db, "ROLLBACK");
        sqlite3_close(o->db);
    }
}

/* Room number `i` with the longest title. */
static int put_room(int i)
{
    struct rs_room_record r = {.created_at_ms = 2, .last_active_ms = 2};
    snprintf(r.id, sizeof(r.id), "room%04d", i);
    memset(r.title, 'x', RS_ROOM_TITLE_MAX);
    return rs_store_room_put(st, &r);
}

/* A full database: writes fail with -EIO and the reason "full", counted; what was committed is
 * there and intact; the room tells the client storage_full; with room again, writes go on. */
static void test_full(void **state)
{
    rs_test_skip_unless_sqlite("the limit is SQLite's max_page_count (a full disk under "
                               "PostgreSQL is the server's to report)");
    assert_int_equal(
        rs_store_agenda_set_minutes(st, "rat", "a0000000001", "Vor dem Fehler", "E", 10), 0);
    int64_t pages = pragma_int("page_count");
    char limit[64];
    snprintf(limit, sizeof(limit), "PRAGMA max_page_count = %lld", (long long)pages);
    sql(rs_store__sqlite_db(st), limit);
    uint64_t full0 = rs_metric_get(RS_M_STORE_ERRORS_FULL);

    /* rooms until one needs a page more than the limit */
    int failed = 0, rc;
    while ((rc = put_room(failed)) == 0 && failed < 200)
        failed++;
    assert_int_equal(rc, -EIO);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_FULL);
    assert_int_equal(rs_metric_get(RS_M_STORE_ERRORS_FULL), full0 + 1);

    /* the per-call backends (a transaction) say the same */
    char big[11000]; /* overflow pages: more than the limit allows */
    memset(big, 'm', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001", big, "E", 20), -EIO);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_FULL);
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    rs_msg_error_store(&err, "the minutes could not be stored");
    assert_int_equal(err.code, RS_ERR_STORAGE_FULL);
    assert_string_equal(rs_err_code(err.code), "storage_full");
    assert_string_equal(err.text, "the minutes could not be stored: the server's disk is full");

    /* reads work; nothing committed before is lost; the file is intact */
    char minutes[64] = "";
    assert_int_equal(rs_store_agenda_list(st, "rat", minutes_of, minutes), 0);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_NONE); /* a statement that went well */
    assert_string_equal(minutes, "Vor dem Fehler");
    struct rs_room_record got;
    assert_int_equal(rs_store_room_get(st, "rat", &got), 0);
    assert_string_equal(got.title, "Gemeinderat");
    for (int k = 0; k < failed; k++) {
        char id[16];
        snprintf(id, sizeof(id), "room%04d", k);
        assert_int_equal(rs_store_room_get(st, id, &got), 0);
    }
    snprintf(got.id, sizeof(got.id), "room%04d", failed);
    assert_int_equal(rs_store_room_get(st, got.id, &got), -ENOENT);
    assert_intact();

    /* room again: the same writes succeed */
    sql(rs_store__sqlite_db(st), "PRAGMA max_page_count = 1073741823");
    assert_int_equal(put_room(failed), 0);
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001", big, "E", 30), 0);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_NONE);
    assert_intact();
}

/* Another connection holds the write lock (lock_elsewhere): the first write waits at most
 * RS_STORE_BUSY_WAIT_MS and fails "busy"; the next one fails at once; reads go on; once the
 * lock is gone the next write goes through at once. */
static void test_busy(void **state)
{
    struct other other = lock_elsewhere("rooms, agenda_items");
    uint64_t busy0 = rs_metric_get(RS_M_STORE_ERRORS_BUSY);

    int64_t t0 = rs_mono_ms();
    assert_int_equal(put_room(1), -EIO);
    int64_t waited = rs_mono_ms() - t0;
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_BUSY);
    assert_true(waited >= RS_STORE_BUSY_WAIT_MS - 50);
    assert_true(waited < RS_STORE_BUSY_WAIT_MS + 1000);
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    rs_msg_error_store(&err, "the room could not be stored");
    assert_int_equal(err.code, RS_ERR_STORAGE_BUSY);
    assert_string_equal(rs_err_code(err.code), "storage_busy");

    /* within the quiet period: no waiting; a transaction (BEGIN IMMEDIATE) likewise */
    t0 = rs_mono_ms();
    assert_int_equal(put_room(2), -EIO);
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001", "x", "E", 10), -EIO);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_BUSY);
    assert_true(rs_mono_ms() - t0 < 200);
    assert_int_equal(rs_metric_get(RS_M_STORE_ERRORS_BUSY), busy0 + 3);

    /* reads are not blocked (WAL) */
    struct rs_room_record got;
    assert_int_equal(rs_store_room_get(st, "rat", &got), 0);

    /* the lock goes: the next write, still inside the quiet period, goes through */
    unlock_elsewhere(&other);
    assert_int_equal(put_room(3), 0);
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001", "nachher", "E", 20), 0);
    assert_int_equal(rs_store_fault(), RS_STORE_FAULT_NONE);
    assert_intact();
}

/* A session whose slide cannot be written (the database locked) still finds its user; the
 * expiry moves at the next lookup that can write. */
static void test_session_slide_not_written(void **state)
{
    struct rs_user_record u = {.role = RS_USER_ROLE_USER, .created_at_ms = 1};
    snprintf(u.username, sizeof(u.username), "erika");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$fake");
    assert_int_equal(rs_store_user_create(st, &u), 0);
    uint8_t hash[RS_TOKEN_HASH_LEN];
    memset(hash, 7, sizeof(hash));
    int64_t t0 = 1000000;
    assert_int_equal(
        rs_store_session_create(st, hash, u.id, RS_LOGIN_LOCAL, NULL, NULL, t0, 3600 * 1000), 0);

    struct other other = lock_elsewhere("sessions");
    struct rs_session_record s;
    struct rs_user_record who;
    int64_t later = t0 + RS_SESSION_SLIDE_MS + 1;
    assert_int_equal(rs_store_session_get(st, hash, later, &s, &who), 0);
    assert_string_equal(who.id, u.id);
    assert_int_equal(s.last_seen_ms, t0); /* not slid */
    assert_int_equal(s.expires_at_ms, t0 + 3600 * 1000);
    unlock_elsewhere(&other);

    assert_int_equal(rs_store_session_get(st, hash, later, &s, NULL), 0);
    assert_int_equal(s.last_seen_ms, later);
    assert_int_equal(s.expires_at_ms, later + 3600 * 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_slide_not_written, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
