/* SPDX-License-Identifier: EUPL-1.2 */
/* The speakers' list over a fake transport: order of requests with points of order first, the
 * chair's moves (next, give, skip, move, auto, time limit), the floor opening the microphone
 * under a restriction, turns ending by time (room tick) and by leaving, speaking time per
 * person, and every chair move refused to a non-moderator. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/chair.h"
#include "room/speakers.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "redeliste";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-speakers");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct session {
    struct rs_session *chair, *a, *b, *c;
    const char *chair_id, *a_id, *b_id, *c_id;
};

static void open_session(struct session *m)
{
    m->chair = th_conn(NULL, NULL);
    m->chair_id = th_join(m->chair, ROOM, "Vorsitz");
    m->a = th_conn(NULL, NULL);
    m->a_id = th_join(m->a, ROOM, "Anna");
    m->b = th_conn(NULL, NULL);
    m->b_id = th_join(m->b, ROOM, "Bernd");
    m->c = th_conn(NULL, NULL);
    m->c_id = th_join(m->c, ROOM, "Carla");
    th_drain(m->chair);
    th_drain(m->a);
    th_drain(m->b);
    th_drain(m->c);
}

/* The last speakers/state queued for `s` (earlier ones skipped). A new reference. */
static json_t *last_state(struct rs_session *s)
{
    json_t *j, *last = NULL;
    while ((j = th_next(s))) {
        if (th_is(j, "speakers", "state")) {
            json_decref(last);
            last = j;
        } else {
            json_decref(j);
        }
    }
    assert_non_null(last);
    return last;
}

/* The queue of a state as "id,id,…" with a "!" after points of order. */
static const char *queue_of(json_t *st)
{
    static char buf[256];
    buf[0] = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(st, "queue"), i, e)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof(buf) - n, "%s%s%s", n ? "," : "",
                 json_string_value(json_object_get(e, "id")),
                 json_is_true(json_object_get(e, "point_of_order")) ? "!" : "");
    }
    return buf;
}

static const char *speaker_of(json_t *st)
{
    json_t *sp = json_object_get(st, "speaker");
    return json_is_object(sp) ? json_string_value(json_object_get(sp, "id")) : "";
}

static void request(struct rs_session *s, bool poo)
{
    th_send(s, "{\"ns\":\"speakers\",\"action\":\"request\",\"point_of_order\":%s}",
            poo ? "true" : "false");
}

static void test_order_with_points_of_order(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    request(m.a, false);
    request(m.b, false);
    request(m.a, false); /* a double click keeps Anna's place */
    request(m.c, true);  /* a point of order goes first */
    json_t *st = last_state(m.chair);
    char want[128];
    snprintf(want, sizeof(want), "%s!,%s,%s", m.c_id, m.a_id, m.b_id);
    assert_string_equal(queue_of(st), want);
    assert_string_equal(speaker_of(st), "");
    json_decref(st);
    /* Anna withdraws; Bernd switches to a point of order: after Carla's */
    th_send(m.a, "{\"ns\":\"speakers\",\"action\":\"withdraw\"}");
    request(m.b, true);
    st = last_state(m.c);
    snprintf(want, sizeof(want), "%s!,%s!", m.c_id, m.b_id);
    assert_string_equal(queue_of(st), want);
    json_decref(st);
    /* a joiner learns the list */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    json_t *e = th_expect(late, "control", "joined");
    assert_string_equal(queue_of(json_object_get(e, "speakers")), want);
    json_decref(e);
}

static void test_floor_opens_microphone_under_restriction(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":true}");
    struct rs_participant *a = rs_room_participant(rs_rooms_find(th_app.rooms, ROOM), m.a_id);
    assert_false(rs_chair_may_send(a, RS_CHAIR_MIC));
    request(m.a, false);
    request(m.b, false);
    uint64_t turns = rs_metric_get(RS_M_SPEAKERS_TURNS);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    json_t *st = last_state(m.b);
    assert_string_equal(speaker_of(st), m.a_id);
    assert_string_equal(queue_of(st), m.b_id);
    json_decref(st);
    assert_int_equal(rs_metric_get(RS_M_SPEAKERS_TURNS), turns + 1);
    assert_true(rs_chair_may_send(a, RS_CHAIR_MIC));
    /* Anna yields: the floor is free, her microphone is held again */
    th_send(m.a, "{\"ns\":\"speakers\",\"action\":\"end\"}");
    st = last_state(m.chair);
    assert_string_equal(speaker_of(st), "");
    json_decref(st);
    assert_false(rs_chair_may_send(a, RS_CHAIR_MIC));
}

static void test_chair_moves(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    request(m.a, false);
    request(m.b, false);
    request(m.c, false);
    /* Carla to the top, Bernd skipped, then the floor to someone not on the list */
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"move\",\"id\":\"%s\",\"position\":1}",
            m.c_id);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"skip\",\"id\":\"%s\"}", m.b_id);
    json_t *st = last_state(m.a);
    char want[128];
    snprintf(want, sizeof(want), "%s,%s", m.c_id, m.a_id);
    assert_string_equal(queue_of(st), want);
    json_decref(st);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", m.b_id);
    st = last_state(m.a);
    assert_string_equal(speaker_of(st), m.b_id);
    assert_string_equal(queue_of(st), want);
    json_decref(st);
    /* bad values change nothing */
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"move\",\"id\":\"%s\",\"position\":0}",
            m.a_id);
    assert_string_equal(th_error_code(m.chair, "speakers"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"skip\",\"id\":\"%s\"}", m.b_id);
    assert_string_equal(th_error_code(m.chair, "speakers"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"pnobody\"}");
    assert_string_equal(th_error_code(m.chair, "speakers"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"settings\",\"time_limit_s\":99999}");
    assert_string_equal(th_error_code(m.chair, "speakers"), "invalid_value");
}

static void test_non_moderator_refused(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    request(m.b, false);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", m.c_id);
    th_drain(m.a);
    char give[96], skip[96], move[128];
    snprintf(give, sizeof(give), "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", m.b_id);
    snprintf(skip, sizeof(skip), "{\"ns\":\"speakers\",\"action\":\"skip\",\"id\":\"%s\"}", m.b_id);
    snprintf(move, sizeof(move),
             "{\"ns\":\"speakers\",\"action\":\"move\",\"id\":\"%s\",\"position\":1}", m.b_id);
    const char *tries[] = {"{\"ns\":\"speakers\",\"action\":\"next\"}", give, skip, move,
                           "{\"ns\":\"speakers\",\"action\":\"settings\",\"auto\":true}"};
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        rs_session_on_message(m.a, tries[i], strlen(tries[i]));
        assert_string_equal(th_error_code(m.a, "speakers"), "forbidden");
    }
    /* ending Carla's turn: not Anna's to end */
    th_send(m.a, "{\"ns\":\"speakers\",\"action\":\"end\"}");
    assert_string_equal(th_error_code(m.a, "speakers"), "forbidden");
    json_t *st = last_state(m.chair);
    assert_string_equal(speaker_of(st), m.c_id);
    assert_string_equal(queue_of(st), m.b_id);
    json_decref(st);
}

static void test_time_limit_auto_and_stats(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"settings\",\"auto\":true,"
                     "\"time_limit_s\":60}");
    request(m.a, false); /* auto: the floor is free, Anna has it at once */
    request(m.b, false);
    json_t *st = last_state(m.c);
    assert_string_equal(speaker_of(st), m.a_id);
    json_t *sp = json_object_get(st, "speaker");
    int64_t started = json_integer_value(json_object_get(sp, "started_at"));
    assert_int_equal(json_integer_value(json_object_get(sp, "ends_at")), started + 60000);
    json_decref(st);
    rs_rooms_tick(th_app.rooms, started + 59000);
    assert_false(th_got(m.c, "speakers", "state"));
    rs_rooms_tick(th_app.rooms, started + 60500); /* time is up: Bernd's turn */
    st = last_state(m.c);
    assert_string_equal(speaker_of(st), m.b_id);
    json_decref(st);
    /* Bernd leaves while speaking: the list runs on (empty now: nobody) */
    request(m.c, false);
    th_drain(m.a);
    rs_session_free(m.b);
    st = last_state(m.a);
    assert_string_equal(speaker_of(st), m.c_id);
    json_decref(st);
    /* speaking time per person, also for Bernd who left */
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"stats\"}");
    json_t *e = th_expect(m.chair, "speakers", "stats");
    json_t *people = json_object_get(e, "people");
    assert_int_equal(json_array_size(people), 3);
    json_t *anna = json_array_get(people, 0);
    assert_string_equal(json_string_value(json_object_get(anna, "display_name")), "Anna");
    assert_int_equal(json_integer_value(json_object_get(anna, "turns")), 1);
    assert_int_equal(json_integer_value(json_object_get(anna, "spoken_s")), 60);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(people, 1), "display_name")), "Bernd");
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_with_points_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floor_opens_microphone_under_restriction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_chair_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_moderator_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_limit_auto_and_stats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
