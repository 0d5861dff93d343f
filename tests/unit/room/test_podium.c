/* SPDX-License-Identifier: EUPL-1.2 */
/* The podium feature over a fake transport: the chair switches podium mode on and the others
 * become an audience that may not publish (rs_podium_may_publish, which the SFU asks); the chair
 * calls someone up and sends them back; an audience member is not told about other audience
 * members, but everyone gets the throttled audience count; the questions queue with its votes
 * and limits; leaving cleans up; an audience invitation makes a listener that skips the lobby;
 * and every action from someone without the right is refused without changing anything. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "room/podium.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "buergerversammlung";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-podium");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

static struct rs_room *room(void)
{
    return rs_rooms_find(th_app.rooms, ROOM);
}

static struct rs_participant *who(const char *id)
{
    return rs_room_participant(room(), id);
}

static bool may_publish(const char *id)
{
    return rs_podium_may_publish(who(id));
}

static const char *str(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* The chair (first in, so moderator of the anonymous room), A and B. */
struct meeting {
    struct rs_session *chair, *a, *b;
    char chair_id[16], a_id[16], b_id[16];
};

static struct rs_session *join_as(const char *name, char id[16], const char *addr)
{
    struct rs_session *s = th_conn(NULL, addr);
    snprintf(id, 16, "%s", th_join(s, ROOM, name));
    return s;
}

static void open_meeting(struct meeting *m)
{
    m->chair = join_as("Vorsitz", m->chair_id, "127.0.0.2");
    m->a = join_as("Anna", m->a_id, "127.0.0.3");
    m->b = join_as("Bernd", m->b_id, "127.0.0.4");
    th_drain(m->chair);
    th_drain(m->a);
    th_drain(m->b);
}

static void podium_on(struct meeting *m)
{
    th_send(m->chair, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
}

/* Whether the JSON array `a` holds a participant (object with "id") or a string `id`. */
static bool lists(json_t *a, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *x = json_is_string(v) ? json_string_value(v) : str(v, "id");
        if (x && strcmp(x, id) == 0)
            return true;
    }
    return false;
}

/* Whether an event ns/event about participant `id` is queued for `s` (consumes the queue). */
static bool got_about(struct rs_session *s, const char *ns, const char *event, const char *id)
{
    json_t *j;
    bool found = false;
    while ((j = th_next(s))) {
        json_t *p = json_object_get(j, "participant");
        const char *about = json_is_object(p) ? str(p, "id") : str(j, "id");
        found |= th_is(j, ns, event) && about && strcmp(about, id) == 0;
        json_decref(j);
    }
    return found;
}

static void test_set_on_and_off(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    assert_true(may_publish(m.a_id));
    assert_false(rs_podium_on(room()));
    uint64_t changes = rs_metric_get(RS_M_PODIUM_STAGE_CHANGES);
    uint64_t audience = rs_metric_get(RS_M_PODIUM_AUDIENCE);

    podium_on(&m);
    assert_true(rs_podium_on(room()));
    assert_true(may_publish(m.chair_id));
    assert_false(may_publish(m.a_id));
    assert_false(may_publish(m.b_id));
    assert_int_equal(rs_metric_get(RS_M_PODIUM_STAGE_CHANGES), changes + 1);
    assert_int_equal(rs_metric_get(RS_M_PODIUM_AUDIENCE), audience + 2);

    json_t *e = th_last(m.chair, "podium", "state");
    assert_true(json_is_true(json_object_get(e, "on")));
    assert_true(json_is_true(json_object_get(e, "you_on_stage")));
    assert_int_equal(json_array_size(json_object_get(e, "stage")), 1);
    assert_true(lists(json_object_get(e, "stage"), m.chair_id));
    assert_null(json_object_get(e, "participants")); /* the chair's view did not change */
    json_decref(e);
    /* Anna is audience now: her list is replaced by one without the audience */
    e = th_last(m.a, "podium", "state");
    assert_true(json_is_true(json_object_get(e, "on")));
    assert_true(json_is_false(json_object_get(e, "you_on_stage")));
    json_t *list = json_object_get(e, "participants");
    assert_true(lists(list, m.chair_id));
    assert_false(lists(list, m.b_id));
    assert_false(lists(list, m.a_id));
    json_t *chair = json_array_get(list, 0);
    assert_true(json_is_true(json_object_get(chair, "stage")));
    json_decref(e);
    th_drain(m.b);

    /* repeating the state does nothing */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
    assert_false(th_got(m.a, "podium", "state"));
    assert_false(th_got(m.chair, "podium", "error"));
    assert_int_equal(rs_metric_get(RS_M_PODIUM_STAGE_CHANGES), changes + 1);

    /* off: everyone may publish again and sees everyone */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":false}");
    assert_true(may_publish(m.a_id));
    assert_true(may_publish(m.b_id));
    assert_int_equal(rs_metric_get(RS_M_PODIUM_AUDIENCE), audience);
    e = th_last(m.a, "podium", "state");
    assert_true(json_is_false(json_object_get(e, "on")));
    assert_int_equal(json_array_size(json_object_get(e, "stage")), 0);
    assert_true(lists(json_object_get(e, "participants"), m.b_id));
    assert_null(json_object_get(json_array_get(json_object_get(e, "participants"), 0), "stage"));
    json_decref(e);
}

static void test_call_up_and_send_back(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    podium_on(&m);
    th_drain(m.chair);
    th_drain(m.a);
    th_drain(m.b);

    /* Bernd raises his hand: the chair sees it, Anna (audience too) does not */
    th_send(m.b, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    assert_true(got_about(m.chair, "hand", "raised", m.b_id));
    assert_false(th_got(m.a, "hand", "raised"));

    uint64_t changes = rs_metric_get(RS_M_PODIUM_STAGE_CHANGES);
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.b_id);
    assert_true(may_publish(m.b_id));
    assert_false(may_publish(m.a_id));
    assert_int_equal(rs_metric_get(RS_M_PODIUM_STAGE_CHANGES), changes + 1);
    json_t *e = th_last(m.b, "podium", "state");
    assert_true(json_is_true(json_object_get(e, "you_on_stage")));
    assert_true(lists(json_object_get(e, "stage"), m.b_id));
    /* on stage Bernd sees the audience too */
    assert_true(lists(json_object_get(e, "participants"), m.a_id));
    json_decref(e);
    /* Anna did not know Bernd: he appears for her, on stage */
    e = th_expect(m.a, "control", "participant_joined");
    assert_string_equal(str(json_object_get(e, "participant"), "id"), m.b_id);
    assert_true(json_is_true(json_object_get(json_object_get(e, "participant"), "stage")));
    json_decref(e);
    e = th_last(m.a, "podium", "state");
    assert_true(json_is_false(json_object_get(e, "you_on_stage")));
    assert_true(lists(json_object_get(e, "stage"), m.b_id));
    assert_null(json_object_get(e, "participants"));
    json_decref(e);
    /* his hand was lowered */
    assert_true(got_about(m.chair, "hand", "lowered", m.b_id));
    json_t *d = rs_participant_json(who(m.b_id));
    assert_true(json_is_false(json_object_get(d, "hand_raised")));
    json_decref(d);

    /* Bernd leaves the stage himself */
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"send_back\",\"participant\":\"%s\"}", m.b_id);
    assert_false(may_publish(m.b_id));
    e = th_last(m.b, "podium", "state");
    assert_true(json_is_false(json_object_get(e, "you_on_stage")));
    assert_false(lists(json_object_get(e, "participants"), m.a_id));
    json_decref(e);
    e = th_last(m.chair, "podium", "state");
    assert_false(lists(json_object_get(e, "stage"), m.b_id));
    json_decref(e);
    e = th_expect(m.a, "control", "participant_updated");
    assert_true(json_is_false(json_object_get(json_object_get(e, "participant"), "stage")));
    json_decref(e);
    th_drain(m.a);

    /* called up again and sent back by the chair */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.b_id);
    assert_true(may_publish(m.b_id));
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"send_back\",\"participant\":\"%s\"}", m.b_id);
    assert_false(may_publish(m.b_id));
    assert_int_equal(rs_metric_get(RS_M_PODIUM_STAGE_CHANGES), changes + 4);
}

static void test_refusals(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);

    /* podium mode is off */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.a_id);
    assert_string_equal(th_error_code(m.chair, "podium"), "podium_off");
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\"Warum?\"}");
    assert_string_equal(th_error_code(m.a, "podium"), "podium_off");
    assert_true(may_publish(m.a_id));

    /* not the chair */
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
    assert_string_equal(th_error_code(m.a, "podium"), "forbidden");
    assert_false(rs_podium_on(room()));
    assert_true(may_publish(m.b_id));

    podium_on(&m);
    th_drain(m.chair);
    th_drain(m.a);
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.a_id);
    assert_string_equal(th_error_code(m.a, "podium"), "forbidden");
    assert_false(may_publish(m.a_id));

    /* unknown, not audience, a moderator */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"pnobody\"}");
    assert_string_equal(th_error_code(m.chair, "podium"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}",
            m.chair_id);
    assert_string_equal(th_error_code(m.chair, "podium"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"send_back\",\"participant\":\"%s\"}",
            m.chair_id);
    assert_string_equal(th_error_code(m.chair, "podium"), "invalid_value");
    assert_true(may_publish(m.chair_id));
    /* send_back of someone in the audience */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"send_back\",\"participant\":\"%s\"}", m.a_id);
    assert_string_equal(th_error_code(m.chair, "podium"), "invalid_value");

    /* Anna may not send Bernd back from the stage */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.b_id);
    th_drain(m.a);
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"send_back\",\"participant\":\"%s\"}", m.b_id);
    assert_string_equal(th_error_code(m.a, "podium"), "forbidden");
    assert_true(may_publish(m.b_id));
}

static void test_fan_out(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    podium_on(&m);
    int64_t t = 1000000;
    rs_rooms_tick(th_app.rooms, t);
    json_t *e = th_last(m.a, "podium", "audience");
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
    json_decref(e);
    th_drain(m.chair);
    th_drain(m.b);

    /* Clara joins as audience: the chair is told, Anna and Bernd are not */
    char c_id[16];
    struct rs_session *c = th_conn(NULL, "127.0.0.5");
    th_send(c,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Clara\"}",
            ROOM);
    json_t *joined = th_expect(c, "control", "joined");
    snprintf(c_id, sizeof(c_id), "%s", str(joined, "id"));
    json_t *list = json_object_get(joined, "participants");
    assert_true(lists(list, m.chair_id));
    assert_true(lists(list, c_id));
    assert_false(lists(list, m.a_id));
    assert_false(lists(list, m.b_id));
    json_t *pod = json_object_get(joined, "podium");
    assert_true(json_is_true(json_object_get(pod, "on")));
    assert_true(json_is_false(json_object_get(pod, "you_on_stage")));
    assert_true(lists(json_object_get(pod, "stage"), m.chair_id));
    assert_int_equal(json_integer_value(json_object_get(pod, "audience_count")), 3);
    assert_true(json_is_array(json_object_get(pod, "questions")));
    json_decref(joined);
    assert_false(may_publish(c_id));
    assert_true(got_about(m.chair, "control", "participant_joined", c_id));
    assert_false(th_got(m.a, "control", "participant_joined"));

    /* the count: at most every 2 s, to everyone */
    rs_rooms_tick(th_app.rooms, t + 500);
    assert_false(th_got(m.a, "podium", "audience"));
    rs_rooms_tick(th_app.rooms, t + 2000);
    e = th_last(m.a, "podium", "audience");
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 3);
    json_decref(e);
    e = th_last(m.chair, "podium", "audience");
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 3);
    json_decref(e);
    /* nothing changed: nothing sent */
    rs_rooms_tick(th_app.rooms, t + 5000);
    assert_false(th_got(m.a, "podium", "audience"));

    /* an audience member's update and leave reach the chair, not the audience */
    th_send(c, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    assert_true(got_about(m.chair, "hand", "raised", c_id));
    assert_false(th_got(m.a, "hand", "raised"));
    th_send(c, "{\"ns\":\"control\",\"action\":\"leave\"}");
    assert_true(got_about(m.chair, "control", "participant_left", c_id));
    assert_false(th_got(m.a, "control", "participant_left"));
    rs_rooms_tick(th_app.rooms, t + 7000);
    e = th_last(m.b, "podium", "audience");
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
    json_decref(e);
}

/* The open queue as `s` last got it (after the tick that sends it). */
static json_t *queue_of(struct rs_session *s)
{
    rs_rooms_tick(th_app.rooms, rs_wall_ms());
    json_t *e = th_last(s, "podium", "questions");
    json_t *q = json_incref(json_object_get(e, "questions"));
    json_decref(e);
    return q;
}

static long long asked(struct rs_session *s, const char *text)
{
    th_send(s, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\"%s\"}", text);
    json_t *e = th_expect(s, "podium", "asked");
    long long id = json_integer_value(json_object_get(e, "question"));
    json_decref(e);
    return id;
}

static void test_questions(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    podium_on(&m);
    uint64_t questions = rs_metric_get(RS_M_PODIUM_QUESTIONS);
    long long q1 = asked(m.a, "Wann wird die Brücke fertig?");
    long long q2 = asked(m.b, "Wer zahlt das?");
    assert_int_equal(rs_metric_get(RS_M_PODIUM_QUESTIONS), questions + 2);
    json_t *q = queue_of(m.chair);
    assert_int_equal(json_array_size(q), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 0), "id")), q1);
    assert_string_equal(str(json_array_get(q, 0), "by"), m.a_id);
    assert_string_equal(str(json_array_get(q, 0), "by_name"), "Anna");
    assert_true(json_is_false(json_object_get(json_array_get(q, 0), "answered")));
    json_decref(q);

    /* the chair and Anna vote for Bernd's question (Anna's second vote counts once) */
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld,\"on\":true}", q2);
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld,\"on\":true}", q2);
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld,\"on\":true}", q2);
    q = queue_of(m.a);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 0), "id")), q2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 0), "votes")), 2);
    assert_true(json_is_true(json_object_get(json_array_get(q, 0), "you_voted")));
    assert_true(json_is_false(json_object_get(json_array_get(q, 1), "you_voted")));
    json_decref(q);
    /* Bernd gets his own view: he did not vote */
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld,\"on\":false}", q2);
    q = queue_of(m.b);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 0), "votes")), 1);
    assert_true(json_is_false(json_object_get(json_array_get(q, 0), "you_voted")));
    json_decref(q);

    /* not for one's own question; not for an unknown one */
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld,\"on\":true}", q2);
    assert_string_equal(th_error_code(m.b, "podium"), "invalid_value");
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":999,\"on\":true}");
    assert_string_equal(th_error_code(m.b, "podium"), "invalid_value");

    /* three open questions per person */
    asked(m.a, "Zwei?");
    asked(m.a, "Drei?");
    uint64_t refused = rs_metric_get(RS_M_PODIUM_QUESTIONS_REFUSED);
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\"Vier?\"}");
    assert_string_equal(th_error_code(m.a, "podium"), "too_many_questions");
    assert_int_equal(rs_metric_get(RS_M_PODIUM_QUESTIONS_REFUSED), refused + 1);
    /* too long, empty */
    char text[600];
    memset(text, 'x', 501);
    text[501] = 0;
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\"%s\"}", text);
    assert_string_equal(th_error_code(m.b, "podium"), "too_long");
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\" \"}");
    assert_string_equal(th_error_code(m.b, "podium"), "empty_value");

    /* only the chair or the author removes a question; only the chair answers */
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"dismiss\",\"question\":%lld}", q1);
    assert_string_equal(th_error_code(m.b, "podium"), "forbidden");
    th_send(m.b, "{\"ns\":\"podium\",\"action\":\"answer\",\"question\":%lld}", q1);
    assert_string_equal(th_error_code(m.b, "podium"), "forbidden");
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"dismiss\",\"question\":%lld}", q1);
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"answer\",\"question\":%lld}", q2);
    q = queue_of(m.b);
    assert_int_equal(json_array_size(q), 2);
    for (size_t i = 0; i < json_array_size(q); i++) {
        long long id = json_integer_value(json_object_get(json_array_get(q, i), "id"));
        assert_true(id != q1 && id != q2);
    }
    json_decref(q);
    /* Anna has a free place again */
    asked(m.a, "Vier?");
}

static void test_leaving_cleans_up(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    podium_on(&m);
    th_send(m.chair, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", m.b_id);
    long long q = asked(m.b, "Noch Fragen?");
    th_send(m.a, "{\"ns\":\"podium\",\"action\":\"upvote\",\"question\":%lld}", q);
    json_decref(queue_of(m.chair));
    th_drain(m.chair);
    th_drain(m.a);
    uint64_t audience = rs_metric_get(RS_M_PODIUM_AUDIENCE);

    /* Bernd (on stage) leaves: everyone hears it, the stage and the queue follow */
    th_send(m.b, "{\"ns\":\"control\",\"action\":\"leave\"}");
    json_t *e = th_last(m.a, "podium", "state");
    assert_false(lists(json_object_get(e, "stage"), m.b_id));
    json_decref(e);
    e = th_last(m.chair, "podium", "state");
    assert_false(lists(json_object_get(e, "stage"), m.b_id));
    json_decref(e);
    json_t *list = queue_of(m.a);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    /* Anna (audience) leaves: the gauge follows */
    th_send(m.a, "{\"ns\":\"control\",\"action\":\"leave\"}");
    assert_int_equal(rs_metric_get(RS_M_PODIUM_AUDIENCE), audience - 1);
    assert_true(got_about(m.chair, "control", "participant_left", m.a_id));
}

static void test_audience_invitation(void **state)
{
    (void)state;
    struct rs_user_record owner;
    th_user(&owner, "gastgeber", RS_USER_ROLE_USER);
    th_meeting(ROOM, &owner);
    struct rs_room_record rec;
    assert_int_equal(rs_store_room_get(th_app.store, ROOM, &rec), 0);
    rec.lobby = true;
    assert_int_equal(rs_store_meeting_update(th_app.store, &rec), 0);
    th_invite(ROOM, "inv-aud", "audience-token-0123456789", RS_INVITE_AUDIENCE);
    th_invite(ROOM, "inv-gst", "guest-token-0123456789", RS_INVITE_GUEST);

    struct rs_session *host = th_conn(&owner, "127.0.0.2");
    char host_id[16];
    snprintf(host_id, sizeof(host_id), "%s", th_join(host, ROOM, "Gastgeber"));
    th_drain(host);

    /* a guest invitation waits in the lobby; the audience one comes straight in */
    struct rs_session *g = th_conn(NULL, "127.0.0.3");
    th_send(g,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Gast\","
            "\"invite\":\"guest-token-0123456789\"}",
            ROOM);
    json_decref(th_expect(g, "lobby", "waiting"));
    struct rs_session *l = th_conn(NULL, "127.0.0.4");
    th_send(l,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Hörer\","
            "\"invite\":\"audience-token-0123456789\"}",
            ROOM);
    json_t *joined = th_expect(l, "control", "joined");
    char l_id[16];
    snprintf(l_id, sizeof(l_id), "%s", str(joined, "id"));
    json_decref(joined);
    json_t *d = rs_participant_json(who(l_id));
    assert_string_equal(str(d, "role"), "guest");
    assert_true(json_is_true(json_object_get(d, "audience")));
    assert_null(json_object_get(d, "stage")); /* podium mode is off */
    json_decref(d);

    /* it receives only, also with podium mode off; the host may publish */
    assert_false(rs_podium_on(room()));
    assert_false(may_publish(l_id));
    assert_true(may_publish(host_id));
    assert_true(got_about(host, "control", "participant_joined", l_id));

    /* podium mode on, called up: may publish; off again: receives only again */
    th_send(host, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
    th_send(host, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", l_id);
    assert_true(may_publish(l_id));
    th_send(host, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":false}");
    assert_false(may_publish(l_id));
    assert_false(th_got(host, "podium", "error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_on_and_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_up_and_send_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fan_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_questions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaving_cleans_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audience_invitation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
