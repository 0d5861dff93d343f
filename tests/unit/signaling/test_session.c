/* SPDX-License-Identifier: EUPL-1.2 */
/* Signaling sessions over a fake transport: a connection that stays in no room is closed after
 * the join timeout (counted), one in a room is not, and one that left a room gets the timeout
 * again from then on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "room/room.h"
#include "signaling/session.h"

static struct rs_app app;
static int closes;
static char last_reason[64];
static int last_status;

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
    closes++;
    last_status = status;
    snprintf(last_reason, sizeof(last_reason), "%s", reason);
}

static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg); /* loopback without an identity provider: anonymous rooms */
    app.rooms = rs_rooms_new(&app);
    closes = 0;
    return app.rooms ? 0 : -1;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    return 0;
}

static void send_json(struct rs_session *s, const char *text)
{
    rs_session_on_message(s, text, strlen(text));
}

static void test_roomless_connection_is_closed(void **state)
{
    const int64_t timeout = 30000;
    uint64_t before = rs_metric_get(RS_M_WS_CLOSED_JOIN_TIMEOUT);
    struct rs_session *idle = rs_session_new(&app, &ops, NULL, "192.0.2.1");
    struct rs_session *member = rs_session_new(&app, &ops, NULL, "192.0.2.2");
    int64_t t0 = rs_mono_ms();
    send_json(member, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"r1\","
                      "\"display_name\":\"Anna\"}");
    assert_non_null(member->peer.participant);

    /* pings do not count as being somewhere */
    send_json(idle, "{\"ns\":\"control\",\"action\":\"ping\"}");
    assert_int_equal(rs_sessions_close_roomless(&app, t0 + timeout - 1000, timeout), 0);
    assert_int_equal(closes, 0);
    assert_int_equal(rs_sessions_close_roomless(&app, t0 + timeout + 1, timeout), 1);
    assert_int_equal(closes, 1);
    assert_true(idle->closing);
    assert_int_equal(last_status, 1008);
    assert_string_equal(last_reason, "join_timeout");
    assert_false(member->closing);
    assert_int_equal(rs_metric_get(RS_M_WS_CLOSED_JOIN_TIMEOUT), before + 1);
    /* once is enough */
    assert_int_equal(rs_sessions_close_roomless(&app, t0 + 3 * timeout, timeout), 0);

    /* the member leaves: from the next look on, it has the timeout again */
    int64_t t1 = t0 + 5 * timeout;
    assert_int_equal(rs_sessions_close_roomless(&app, t1, timeout), 0);
    send_json(member, "{\"ns\":\"control\",\"action\":\"leave\"}");
    assert_null(member->peer.participant);
    assert_int_equal(rs_sessions_close_roomless(&app, t1 + timeout - 1, timeout), 0);
    assert_int_equal(rs_sessions_close_roomless(&app, t1 + timeout, timeout), 1);
    assert_true(member->closing);
    assert_int_equal(rs_metric_get(RS_M_WS_CLOSED_JOIN_TIMEOUT), before + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roomless_connection_is_closed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
