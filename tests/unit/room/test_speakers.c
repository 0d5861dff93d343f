/* SPDX-License-Identifier: EUPL-1.2 */
/* The speakers' list over a fake transport: order of requests with points of order first, the
 * chair's moves (next, give, skip, move, auto, time limit), the floor opening the microphone
 * under a restriction, turns ending by time (room tick) and by leaving, speaking time per
 * person, and every chair move refused to a non-moderator. In a managed meeting every finished
 * turn is stored (however it ends: give, time out, end, leaving, the room closing); an ad-hoc
 * room stores none. */
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
#include "store/store_agenda.h"
#include "store/store_speaking.h"
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

struct turns {
    struct rs_speaking_turn t[8];
    size_t n;
};

static int turn_add(const struct rs_speaking_turn *t, void *arg)
{
    struct turns *ts = arg;
    if (ts->n >= 8)
        return -ENOSPC;
    ts->t[ts->n++] = *t;
    return 0;
}

static struct turns *turns_of(const char *room)
{
    static struct turns ts;
    memset(&ts, 0, sizeof(ts));
    assert_int_equal(rs_store_speaking_list(th_app.store, room, turn_add, &ts), 0);
    return &ts;
}

static void turn_is(const struct rs_speaking_turn *t, const char *pid, const char *uid,
                    const char *name, bool poo, const char *item)
{
    assert_string_equal(t->participant_id, pid);
    assert_string_equal(t->user_id, uid);
    assert_string_equal(t->name, name);
    assert_int_equal(t->point_of_order, poo);
    assert_true(t->duration_ms >= 0);
    assert_string_equal(t->agenda_item, item);
}

static void test_turns_stored_in_managed_meeting(void **state)
{
    (void)state;
    static const char *MEETING = "sitzungAAAAAAAAAAAAAAA";
    struct rs_user_record owner, alice, bob;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    th_user(&bob, "bob", RS_USER_ROLE_USER);
    th_meeting(MEETING, &owner);
    th_app.cfg.anonymous_meetings = RS_ANON_OFF;
    struct rs_session *chair = th_conn(&owner, NULL);
    th_join(chair, MEETING, "Vorsitz");
    struct rs_session *a = th_conn(&alice, NULL);
    const char *a_id = th_join(a, MEETING, "Anna");
    struct rs_session *b = th_conn(&bob, NULL);
    const char *b_id = th_join(b, MEETING, "Bernd");
    uint64_t stored = rs_metric_get(RS_M_SPEAKING_TURNS_STORED);
    /* item 1 of the agenda is under discussion */
    struct rs_agenda_item_record item = {.room_id = MEETING, .title = "Haushalt", .public = true};
    snprintf(item.id, sizeof(item.id), "a0123456789");
    assert_int_equal(rs_store_agenda_add(th_app.store, &item), 0);
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, item.id, 1000), 0);

    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"settings\",\"time_limit_s\":60}");
    request(a, true); /* a point of order */
    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    assert_int_equal(turns_of(MEETING)->n, 0); /* Anna speaks: nothing stored yet */
    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", b_id);
    struct turns *ts = turns_of(MEETING);
    assert_int_equal(ts->n, 1); /* giving the floor to Bernd ended Anna's turn */
    turn_is(&ts->t[0], a_id, alice.id, "Anna", true, item.id);
    json_t *st = last_state(chair);
    int64_t started =
        json_integer_value(json_object_get(json_object_get(st, "speaker"), "started_at"));
    json_decref(st);
    rs_rooms_tick(th_app.rooms, started + 60500); /* Bernd's time is up */
    ts = turns_of(MEETING);
    assert_int_equal(ts->n, 2);
    turn_is(&ts->t[1], b_id, bob.id, "Bernd", false, item.id);
    assert_int_equal(ts->t[1].started_at_ms, started);
    assert_int_equal(ts->t[1].duration_ms, 60500);

    /* the item is closed: the next turns belong to none */
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, NULL, 2000), 0);
    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", a_id);
    th_send(a, "{\"ns\":\"speakers\",\"action\":\"end\"}"); /* Anna ends her own turn */
    assert_int_equal(turns_of(MEETING)->n, 3);
    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", b_id);
    rs_session_free(b); /* Bernd's connection drops while he speaks */
    ts = turns_of(MEETING);
    assert_int_equal(ts->n, 4);
    turn_is(&ts->t[3], b_id, bob.id, "Bernd", false, "");
    th_send(chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", a_id);
    /* the server stops while Anna speaks: the room closes, her turn is stored */
    rs_rooms_free(th_app.rooms);
    th_app.rooms = rs_rooms_new(&th_app);
    ts = turns_of(MEETING);
    assert_int_equal(ts->n, 5);
    turn_is(&ts->t[4], a_id, alice.id, "Anna", false, "");
    assert_int_equal(rs_metric_get(RS_M_SPEAKING_TURNS_STORED) - stored, 5);
}

static void test_adhoc_room_stores_no_turns(void **state)
{
    (void)state;
    struct session m;
    open_session(&m);
    request(m.a, false);
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"stats\"}");
    json_t *e = th_expect(m.chair, "speakers", "stats"); /* the turn was counted in memory */
    assert_int_equal(json_array_size(json_object_get(e, "people")), 1);
    json_decref(e);
    assert_int_equal(turns_of(ROOM)->n, 0);
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
        cmocka_unit_test_setup_teardown(test_turns_stored_in_managed_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adhoc_room_stores_no_turns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
