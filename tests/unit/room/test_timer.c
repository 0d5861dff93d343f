/* SPDX-License-Identifier: EUPL-1.2 */
/* The meeting timer over a fake transport: the chair starts it and everyone sees the end time,
 * a joiner learns it, it runs out by the room tick and everyone is told once, stop, and a
 * non-moderator and bad values are refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/timer.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "pause";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-timer");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

static void test_runs_out(void **state)
{
    (void)state;
    struct rs_session *chair = th_conn(NULL, NULL), *a = th_conn(NULL, NULL);
    th_join(chair, ROOM, "Vorsitz");
    th_join(a, ROOM, "Anna");
    th_drain(chair);
    uint64_t started = rs_metric_get(RS_M_TIMERS_STARTED);
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":600,\"label\":\"Pause\"}");
    json_t *e = th_expect(a, "timer", "state");
    json_t *t = json_object_get(e, "timer");
    assert_string_equal(json_string_value(json_object_get(t, "label")), "Pause");
    int64_t ends = json_integer_value(json_object_get(t, "ends_at"));
    assert_int_equal(ends - json_integer_value(json_object_get(t, "started_at")), 600000);
    assert_true(json_integer_value(json_object_get(e, "now")) <= ends - 599000);
    assert_false(json_is_true(json_object_get(e, "done")));
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_TIMERS_STARTED), started + 1);

    /* a joiner learns it */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "timer"), "ends_at")),
                     ends);
    json_decref(e);

    th_drain(a);
    rs_rooms_tick(th_app.rooms, ends - 1000);
    assert_false(th_got(a, "timer", "state"));
    rs_rooms_tick(th_app.rooms, ends + 100);
    e = th_expect(a, "timer", "state");
    assert_true(json_is_true(json_object_get(e, "done")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "timer"), "label")),
                        "Pause");
    json_decref(e);
    /* once only; afterwards there is no timer */
    rs_rooms_tick(th_app.rooms, ends + 400);
    assert_false(th_got(a, "timer", "state"));
    struct rs_session *later = th_conn(NULL, NULL);
    th_send(later,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"M\"}",
            ROOM);
    e = th_expect(later, "control", "joined");
    assert_true(json_is_null(json_object_get(e, "timer")));
    json_decref(e);
}

static void test_stop_and_refused(void **state)
{
    (void)state;
    struct rs_session *chair = th_conn(NULL, NULL), *a = th_conn(NULL, NULL);
    th_join(chair, ROOM, "Vorsitz");
    th_join(a, ROOM, "Anna");
    th_drain(chair);
    th_drain(a);
    th_send(a, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":600}");
    assert_string_equal(th_error_code(a, "timer"), "forbidden");
    assert_false(th_got(chair, "timer", "state"));
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":9}");
    assert_string_equal(th_error_code(chair, "timer"), "invalid_value");
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":7201}");
    assert_string_equal(th_error_code(chair, "timer"), "invalid_value");
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\"}");
    assert_string_equal(th_error_code(chair, "timer"), "missing_field");
    char label[120];
    memset(label, 'x', 101);
    label[101] = 0;
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":60,\"label\":\"%s\"}",
            label);
    assert_string_equal(th_error_code(chair, "timer"), "too_long");
    assert_false(th_got(a, "timer", "state"));

    th_send(chair, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":60}");
    json_t *e = th_expect(a, "timer", "state");
    int64_t ends = json_integer_value(json_object_get(json_object_get(e, "timer"), "ends_at"));
    json_decref(e);
    th_send(a, "{\"ns\":\"timer\",\"action\":\"stop\"}");
    assert_string_equal(th_error_code(a, "timer"), "forbidden");
    th_send(chair, "{\"ns\":\"timer\",\"action\":\"stop\"}");
    e = th_expect(a, "timer", "state");
    assert_true(json_is_null(json_object_get(e, "timer")));
    assert_false(json_is_true(json_object_get(e, "done")));
    json_decref(e);
    /* a stopped timer does not run out */
    rs_rooms_tick(th_app.rooms, ends + 1000);
    assert_false(th_got(a, "timer", "state"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
