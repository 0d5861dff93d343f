/* SPDX-License-Identifier: EUPL-1.2 */
/* Polls over a fake transport: the chair opens a poll, everyone sees only how many answered
 * until it closes, one answer per person (changing it replaces it), named results say who chose
 * what and anonymous ones carry no name, a joiner gets the open poll, and every chair action is
 * refused to a non-moderator, bad fields and answers to no poll too. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/poll.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "umfrage";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-poll");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct meeting {
    struct rs_session *chair, *a, *b;
};

static void open_meeting(struct meeting *m)
{
    m->chair = th_conn(NULL, NULL);
    th_join(m->chair, ROOM, "Vorsitz");
    m->a = th_conn(NULL, NULL);
    th_join(m->a, ROOM, "Anna");
    m->b = th_conn(NULL, NULL);
    th_join(m->b, ROOM, "Bernd");
    th_drain(m->chair);
    th_drain(m->a);
    th_drain(m->b);
}

static void create(struct rs_session *s, bool anonymous)
{
    th_send(s,
            "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Mittag um 12 oder 13?\","
            "\"options\":[\"12 Uhr\",\"13 Uhr\",\"egal\"],\"anonymous\":%s}",
            anonymous ? "true" : "false");
}

static void answer(struct rs_session *s, int option)
{
    th_send(s, "{\"ns\":\"poll\",\"action\":\"answer\",\"option\":%d}", option);
}

/* The last poll/progress queued for `s` (earlier ones skipped). A new reference. */
static json_t *last_progress(struct rs_session *s)
{
    json_t *j, *last = NULL;
    while ((j = th_next(s))) {
        if (th_is(j, "poll", "progress")) {
            json_decref(last);
            last = j;
        } else {
            assert_false(th_is(j, "poll", "closed"));
            json_decref(j);
        }
    }
    assert_non_null(last);
    return last;
}

static int int_of(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    assert_true(json_is_integer(v));
    return (int)json_integer_value(v);
}

static json_t *result(json_t *closed, size_t i)
{
    return json_array_get(json_object_get(closed, "results"), i);
}

static void test_named_poll(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t created = rs_metric_get(RS_M_POLLS_CREATED);
    uint64_t answers = rs_metric_get(RS_M_POLL_ANSWERS);
    create(m.chair, false);
    json_t *e = th_expect(m.a, "poll", "opened");
    json_t *poll = json_object_get(e, "poll");
    assert_string_equal(json_string_value(json_object_get(poll, "question")),
                        "Mittag um 12 oder 13?");
    assert_int_equal(json_array_size(json_object_get(poll, "options")), 3);
    assert_int_equal(int_of(poll, "present"), 3);
    assert_int_equal(int_of(poll, "answered"), 0);
    assert_string_equal(json_string_value(json_object_get(poll, "by")), "Vorsitz");
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_POLLS_CREATED), created + 1);

    /* Anna answers, then changes her mind: still one answer */
    answer(m.a, 0);
    e = th_expect(m.a, "poll", "answered");
    assert_int_equal(int_of(e, "option"), 0);
    json_decref(e);
    answer(m.a, 1);
    answer(m.b, 1);
    e = last_progress(m.chair);
    assert_int_equal(int_of(e, "answered"), 2);
    assert_int_equal(int_of(e, "present"), 3);
    /* the distribution is not shown while open */
    assert_null(json_object_get(e, "results"));
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_POLL_ANSWERS), answers + 3);

    /* a joiner gets the open poll with the count so far */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    poll = json_object_get(e, "poll");
    assert_true(json_is_object(poll));
    assert_int_equal(int_of(poll, "answered"), 2);
    assert_int_equal(int_of(poll, "present"), 4);
    json_decref(e);

    uint64_t closed = rs_metric_get(RS_M_POLLS_CLOSED);
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"close\"}");
    e = th_expect(m.b, "poll", "closed");
    assert_false(json_is_true(json_object_get(e, "cancelled")));
    assert_int_equal(int_of(e, "answered"), 2);
    assert_int_equal(int_of(result(e, 0), "count"), 0);
    assert_int_equal(int_of(result(e, 1), "count"), 2);
    assert_int_equal(int_of(result(e, 2), "count"), 0);
    json_t *names = json_object_get(result(e, 1), "names");
    assert_int_equal(json_array_size(names), 2);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "Anna");
    assert_string_equal(json_string_value(json_array_get(names, 1)), "Bernd");
    assert_string_equal(json_string_value(json_object_get(result(e, 1), "option")), "13 Uhr");
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_POLLS_CLOSED), closed + 1);

    /* closed: no more answers, and a joiner sees no poll */
    answer(m.a, 0);
    assert_string_equal(th_error_code(m.a, "poll"), "poll_closed");
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"close\"}");
    assert_string_equal(th_error_code(m.chair, "poll"), "poll_closed");
    struct rs_session *later = th_conn(NULL, NULL);
    th_send(later,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"M\"}",
            ROOM);
    e = th_expect(later, "control", "joined");
    assert_true(json_is_null(json_object_get(e, "poll")));
    json_decref(e);
}

static void test_anonymous_poll_has_no_names(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    create(m.chair, true);
    answer(m.a, 2);
    answer(m.b, 0);
    answer(m.chair, 2);
    th_drain(m.a);
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"close\"}");
    json_t *e = th_expect(m.a, "poll", "closed");
    assert_true(json_is_true(json_object_get(e, "anonymous")));
    assert_int_equal(int_of(result(e, 0), "count"), 1);
    assert_int_equal(int_of(result(e, 2), "count"), 2);
    /* no name anywhere in the event */
    char *text = json_dumps(e, 0);
    assert_null(strstr(text, "Anna"));
    assert_null(strstr(text, "Bernd"));
    assert_null(strstr(text, "names"));
    free(text);
    json_decref(e);
}

static void test_leaving_drops_the_answer_and_cancel(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    create(m.chair, false);
    answer(m.a, 0);
    answer(m.b, 1);
    th_drain(m.chair);
    rs_session_free(m.b);
    json_t *e = last_progress(m.chair);
    assert_int_equal(int_of(e, "answered"), 1);
    assert_int_equal(int_of(e, "present"), 2);
    json_decref(e);
    /* cancel: everyone is told, without results; a new poll may open */
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"cancel\"}");
    e = th_expect(m.a, "poll", "closed");
    assert_true(json_is_true(json_object_get(e, "cancelled")));
    assert_null(json_object_get(e, "results"));
    json_decref(e);
    create(m.chair, false);
    json_decref(th_expect(m.a, "poll", "opened"));
}

static void test_refused(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    /* not the chair's: nothing opens */
    create(m.a, false);
    assert_string_equal(th_error_code(m.a, "poll"), "forbidden");
    assert_false(th_got(m.b, "poll", "opened"));
    answer(m.a, 0);
    assert_string_equal(th_error_code(m.a, "poll"), "poll_closed");
    /* bad fields */
    th_send(m.chair,
            "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Q\",\"options\":[\"nur\"]}");
    assert_string_equal(th_error_code(m.chair, "poll"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Q\","
                     "\"options\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
                     "\"k\"]}");
    assert_string_equal(th_error_code(m.chair, "poll"), "invalid_value");
    th_send(m.chair,
            "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Q\",\"options\":[\"a\",\"a\"]}");
    assert_string_equal(th_error_code(m.chair, "poll"), "invalid_value");
    th_send(m.chair,
            "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Q\",\"options\":[\"a\",7]}");
    assert_string_equal(th_error_code(m.chair, "poll"), "invalid_type");
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"create\",\"options\":[\"a\",\"b\"]}");
    assert_string_equal(th_error_code(m.chair, "poll"), "missing_field");
    char longq[260];
    memset(longq, 'x', 201);
    longq[201] = 0;
    th_send(m.chair,
            "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"%s\",\"options\":[\"a\",\"b\"]}",
            longq);
    assert_string_equal(th_error_code(m.chair, "poll"), "too_long");
    assert_false(th_got(m.b, "poll", "opened"));

    /* one open poll at a time */
    create(m.chair, false);
    create(m.chair, true);
    assert_string_equal(th_error_code(m.chair, "poll"), "invalid_value");
    th_drain(m.a);
    answer(m.a, 3); /* three options: 0..2 */
    assert_string_equal(th_error_code(m.a, "poll"), "invalid_option");
    th_send(m.a, "{\"ns\":\"poll\",\"action\":\"answer\",\"option\":0,\"poll\":999}");
    assert_string_equal(th_error_code(m.a, "poll"), "poll_closed");
    const char *tries[] = {"{\"ns\":\"poll\",\"action\":\"close\"}",
                           "{\"ns\":\"poll\",\"action\":\"cancel\"}"};
    for (size_t i = 0; i < 2; i++) {
        rs_session_on_message(m.a, tries[i], strlen(tries[i]));
        assert_string_equal(th_error_code(m.a, "poll"), "forbidden");
    }
    assert_false(th_got(m.b, "poll", "closed"));
    /* nothing counted from the refused answers */
    th_send(m.chair, "{\"ns\":\"poll\",\"action\":\"close\"}");
    json_t *e = th_expect(m.b, "poll", "closed");
    assert_int_equal(int_of(e, "answered"), 0);
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_named_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_poll_has_no_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaving_drops_the_answer_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
