/* SPDX-License-Identifier: EUPL-1.2 */
/* The spotlight (moderation/spotlight) over a fake transport in an anonymous room: who may set
 * it, what everyone and a late joiner learn, that a refused or repeated request changes nothing
 * and that it goes out when the spotlighted participant leaves. (The lobby switch and grants
 * are in test_lobby.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-moderation");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

/* Fails if a moderation/spotlight event is queued for `s`; drains the queue. */
static void expect_no_spotlight(struct rs_session *s)
{
    json_t *j;
    while ((j = th_next(s))) {
        const char *ev = json_string_value(json_object_get(j, "event"));
        int bad = ev && strcmp(ev, "spotlight") == 0;
        json_decref(j);
        if (bad)
            fail_msg("unexpected moderation/spotlight event");
    }
}

static void send_json(struct rs_session *s, const char *text)
{
    rs_session_on_message(s, text, strlen(text));
}

static void send_spotlight(struct rs_session *s, const char *participant_json)
{
    char msg[160];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"moderation\",\"action\":\"spotlight\",\"participant\":%s}",
             participant_json);
    send_json(s, msg);
}

/* Joins `room` as `name`; copies the own id into `id` (13 bytes). */
static struct rs_session *joined(const char *room, const char *name, char *id)
{
    struct rs_session *s = th_conn(NULL, NULL);
    snprintf(id, RS_PARTICIPANT_ID_LEN + 1, "%s", th_join(s, room, name));
    return s;
}

static void test_moderator_spotlights_for_everyone(void **state)
{
    char a_id[16], b_id[16], q[32];
    struct rs_session *a = joined("spot", "Anna", a_id); /* first: moderator */
    struct rs_session *b = joined("spot", "Bernd", b_id);
    uint64_t before = rs_metric_get(RS_M_SPOTLIGHT_CHANGES);

    snprintf(q, sizeof(q), "\"%s\"", b_id);
    send_spotlight(a, q);
    for (int i = 0; i < 2; i++) {
        json_t *ev = th_expect(i ? b : a, "moderation", "spotlight");
        assert_string_equal(json_string_value(json_object_get(ev, "participant")), b_id);
        assert_string_equal(json_string_value(json_object_get(ev, "by")), a_id);
        json_decref(ev);
    }
    assert_int_equal(rs_metric_get(RS_M_SPOTLIGHT_CHANGES), before + 1);

    /* the same again changes nothing and is not counted */
    send_spotlight(a, q);
    expect_no_spotlight(a);
    expect_no_spotlight(b);
    assert_int_equal(rs_metric_get(RS_M_SPOTLIGHT_CHANGES), before + 1);

    /* a late joiner learns it in control/joined */
    struct rs_session *c = th_conn(NULL, NULL);
    send_json(c,
              "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"spot\",\"display_name\":\"C\"}");
    json_t *jc = th_expect(c, "control", "joined");
    assert_string_equal(json_string_value(json_object_get(jc, "spotlight")), b_id);
    json_decref(jc);

    /* null clears it for everyone; a joiner then gets "spotlight": null */
    send_spotlight(a, "null");
    json_t *ev = th_expect(c, "moderation", "spotlight");
    assert_true(json_is_null(json_object_get(ev, "participant")));
    json_decref(ev);
    assert_int_equal(rs_metric_get(RS_M_SPOTLIGHT_CHANGES), before + 2);
    struct rs_session *d = th_conn(NULL, NULL);
    send_json(d,
              "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"spot\",\"display_name\":\"D\"}");
    json_t *jd = th_expect(d, "control", "joined");
    json_t *sp = json_object_get(jd, "spotlight");
    assert_non_null(sp);
    assert_true(json_is_null(sp));
    json_decref(jd);
}

static void test_refusals_change_nothing(void **state)
{
    char a_id[16], b_id[16], q[32];
    struct rs_session *a = joined("spot2", "Anna", a_id);
    struct rs_session *b = joined("spot2", "Bernd", b_id);
    uint64_t before = rs_metric_get(RS_M_SPOTLIGHT_CHANGES);
    expect_no_spotlight(a);
    expect_no_spotlight(b);

    /* a participant who is no moderator: forbidden, nobody hears of it */
    snprintf(q, sizeof(q), "\"%s\"", b_id);
    send_spotlight(b, q);
    json_t *err = th_expect(b, "moderation", "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "forbidden");
    json_decref(err);
    expect_no_spotlight(a);

    /* an unknown participant, and a wrong type */
    send_spotlight(a, "\"pnobody00000\"");
    err = th_expect(a, "moderation", "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "invalid_value");
    assert_string_equal(json_string_value(json_object_get(err, "field")), "participant");
    json_decref(err);
    send_spotlight(a, "5");
    err = th_expect(a, "moderation", "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "invalid_type");
    json_decref(err);
    expect_no_spotlight(b);
    assert_int_equal(rs_metric_get(RS_M_SPOTLIGHT_CHANGES), before);

    /* nothing set: a late joiner sees null */
    struct rs_session *c = th_conn(NULL, NULL);
    send_json(c,
              "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"spot2\",\"display_name\":\"C\"}");
    json_t *jc = th_expect(c, "control", "joined");
    assert_true(json_is_null(json_object_get(jc, "spotlight")));
    json_decref(jc);
}

static void test_spotlight_ends_when_participant_leaves(void **state)
{
    char a_id[16], b_id[16], q[32];
    struct rs_session *a = joined("spot3", "Anna", a_id);
    struct rs_session *b = joined("spot3", "Bernd", b_id);
    snprintf(q, sizeof(q), "\"%s\"", b_id);
    send_spotlight(a, q);
    json_decref(th_expect(a, "moderation", "spotlight"));

    send_json(b, "{\"ns\":\"control\",\"action\":\"leave\"}");
    json_t *ev = th_expect(a, "moderation", "spotlight");
    assert_true(json_is_null(json_object_get(ev, "participant")));
    assert_string_equal(json_string_value(json_object_get(ev, "reason")), "left");
    json_decref(ev);

    /* back in, Bernd is not spotlighted again */
    send_json(b,
              "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"spot3\",\"display_name\":\"B\"}");
    json_t *jb = th_expect(b, "control", "joined");
    assert_true(json_is_null(json_object_get(jb, "spotlight")));
    json_decref(jb);

    /* the room is freed with its spotlight set (ASan: no leak) */
    snprintf(q, sizeof(q), "\"%s\"", a_id);
    send_spotlight(a, q);
    json_decref(th_expect(a, "moderation", "spotlight"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_moderator_spotlights_for_everyone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spotlight_ends_when_participant_leaves, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
