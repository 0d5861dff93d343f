/* SPDX-License-Identifier: EUPL-1.2 */
/* The REST layer's periodic housekeeping (rs_api_tick): what it removes from the store and
 * what it must leave alone, over a real SQLite store. */
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
#include "http/api.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "../../support/tmpdir.h"

#define DAY_MS (24 * 3600 * 1000LL)

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_old_anonymous_rooms_are_purged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_room_in_use_keeps_its_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
