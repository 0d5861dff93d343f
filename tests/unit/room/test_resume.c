/* SPDX-License-Identifier: EUPL-1.2 */
/* Resume after a dropped connection (room.c rs_room_peer_gone / rs_room_resume, control.c):
 * what the returning page and the others receive, and what a wrong token gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "room/room.h"
#include "signaling/session.h"

static struct rs_app app;
static int closes;
static char close_reason[64];

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
    closes++;
    snprintf(close_reason, sizeof(close_reason), "%s", reason);
}

static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.rooms = rs_rooms_new(&app);
    closes = 0;
    close_reason[0] = 0;
    return app.rooms ? 0 : -1;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    return 0;
}

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

/* Skips frames until one with `event` in `ns`; fails if none. Returns a new reference. */
static json_t *expect(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = next(s))) {
        if (strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
            strcmp(json_string_value(json_object_get(j, "event")), event) == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no %s/%s event", ns, event);
    return NULL;
}

static void drain(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s)))
        json_decref(j);
}

static void send_json(struct rs_session *s, const char *text)
{
    rs_session_on_message(s, text, strlen(text));
}

static const char *str(json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

/* A joined page that pings, as the web client does. Its joined event in `*joined_out`. */
static struct rs_session *page(const char *room, const char *name, const char *resume,
                               json_t **joined_out)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    drain(s);
    char msg[320];
    snprintf(
        msg, sizeof(msg),
        "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"%s%s%s}",
        room, name, resume ? ",\"resume\":\"" : "", resume ? resume : "", resume ? "\"" : "");
    send_json(s, msg);
    json_t *j = expect(s, "control", "joined");
    send_json(s, "{\"ns\":\"control\",\"action\":\"ping\"}");
    json_decref(expect(s, "control", "pong"));
    *joined_out = j;
    return s;
}

/* The connection is lost (no close frame): what rs_session_free does for lws' CLOSED. */
static void lose(struct rs_session *s)
{
    rs_session_free(s);
}

/* The next participant_updated about `id` that `s` gets. */
static json_t *updated_about(struct rs_session *s, const char *id)
{
    for (;;) {
        json_t *u = expect(s, "control", "participant_updated");
        json_t *p = json_object_get(u, "participant");
        if (strcmp(str(p, "id"), id) == 0) {
            json_incref(p);
            json_decref(u);
            return p;
        }
        json_decref(u);
    }
}

static uint64_t m(enum rs_metric x)
{
    return rs_metric_get(x);
}

static void test_good_path_keeps_place(void **state)
{
    json_t *ja, *jb;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    char bid[32], token[64];
    snprintf(bid, sizeof(bid), "%s", str(jb, "id"));
    snprintf(token, sizeof(token), "%s", str(jb, "resume_token"));
    assert_int_equal(strlen(token), 43);
    assert_int_equal(json_integer_value(json_object_get(jb, "resume_grace_s")), 60);
    assert_false(json_is_true(json_object_get(jb, "resumed")));
    send_json(b, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    char role[160];
    snprintf(role, sizeof(role),
             "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"moderator\"}",
             bid);
    send_json(a, role);
    drain(a);
    uint64_t ok0 = m(RS_M_RESUMES_OK), rec0 = m(RS_M_PARTICIPANTS_RECONNECTING);

    lose(b);
    json_t *p = updated_about(a, bid);
    assert_string_equal(str(p, "connection"), "reconnecting");
    json_decref(p);
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), rec0 + 1);
    struct rs_room *room = rs_rooms_find(app.rooms, "r1");
    assert_int_equal(room->count, 2); /* not a leave */

    json_t *jb2;
    struct rs_session *b2 = page("r1", "Bernd", token, &jb2);
    assert_true(json_is_true(json_object_get(jb2, "resumed")));
    assert_string_equal(str(jb2, "id"), bid);
    assert_int_equal(strlen(str(jb2, "resume_token")), 43);
    assert_string_not_equal(str(jb2, "resume_token"), token); /* rotated */
    json_t *list = json_object_get(jb2, "participants");
    assert_int_equal(json_array_size(list), 2); /* no duplicate */
    json_t *me = json_array_get(list, 1);
    assert_string_equal(str(me, "id"), bid);
    assert_string_equal(str(me, "role"), "moderator");
    assert_true(json_is_true(json_object_get(me, "hand_raised")));
    assert_string_equal(str(me, "connection"), "connected");
    p = updated_about(a, bid);
    assert_string_equal(str(p, "connection"), "connected");
    json_decref(p);
    assert_int_equal(m(RS_M_RESUMES_OK), ok0 + 1);
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), rec0);
    assert_int_equal(room->count, 2);
    /* a's list saw no participant_joined or participant_left */
    json_t *j;
    while ((j = next(a))) {
        assert_string_not_equal(str(j, "event"), "participant_left");
        assert_string_not_equal(str(j, "event"), "participant_joined");
        json_decref(j);
    }
    /* the resumed page talks for the same participant */
    send_json(b2, "{\"ns\":\"hand\",\"action\":\"lower\"}");
    json_t *low = expect(a, "hand", "lowered");
    assert_string_equal(str(low, "id"), bid);
    json_decref(low);
    json_decref(ja);
    json_decref(jb);
    json_decref(jb2);
}

static void test_used_twice_and_wrong_room(void **state)
{
    json_t *ja, *jb, *jb2, *jx, *jy;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    page("r2", "Carla", NULL, &jx);
    char token[64];
    snprintf(token, sizeof(token), "%s", str(jb, "resume_token"));
    lose(b);
    uint64_t inv0 = m(RS_M_RESUMES_INVALID);
    /* another room: nothing resumed, a fresh participant there */
    struct rs_session *x = page("r2", "Bernd", token, &jy);
    assert_false(json_is_true(json_object_get(jy, "resumed")));
    assert_string_not_equal(str(jy, "id"), str(jb, "id"));
    assert_int_equal(m(RS_M_RESUMES_INVALID), inv0 + 1);
    rs_session_free(x);
    json_decref(jy);
    /* the right room once */
    struct rs_session *b2 = page("r1", "Bernd", token, &jb2);
    assert_true(json_is_true(json_object_get(jb2, "resumed")));
    /* the same token again (its owner dropped once more): used up */
    lose(b2);
    struct rs_session *b3 = page("r1", "Bernd", token, &jy);
    assert_false(json_is_true(json_object_get(jy, "resumed")));
    assert_string_not_equal(str(jy, "id"), str(jb, "id"));
    assert_int_equal(m(RS_M_RESUMES_INVALID), inv0 + 2);
    /* a forged token */
    json_t *jz;
    page("r1", "Mallory", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &jz);
    assert_false(json_is_true(json_object_get(jz, "resumed")));
    assert_int_equal(m(RS_M_RESUMES_INVALID), inv0 + 3);
    (void)a;
    (void)b3;
    json_decref(ja);
    json_decref(jb);
    json_decref(jb2);
    json_decref(jx);
    json_decref(jy);
    json_decref(jz);
}

static void test_expired_and_grace_end(void **state)
{
    json_t *ja, *jb, *jc, *jy;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    struct rs_session *c = page("r1", "Carla", NULL, &jc);
    char bid[32], btoken[64], ctoken[64];
    snprintf(bid, sizeof(bid), "%s", str(jb, "id"));
    snprintf(btoken, sizeof(btoken), "%s", str(jb, "resume_token"));
    snprintf(ctoken, sizeof(ctoken), "%s", str(jc, "resume_token"));
    struct rs_room *room = rs_rooms_find(app.rooms, "r1");
    uint64_t exp0 = m(RS_M_RESUMES_EXPIRED);

    /* Bernd's grace ran out before the tick swept him out */
    lose(b);
    struct rs_participant *bp = rs_room_participant(room, bid);
    assert_non_null(bp);
    bp->reconnecting_since_ms -= 61000;
    struct rs_session *b2 = page("r1", "Bernd", btoken, &jy);
    assert_false(json_is_true(json_object_get(jy, "resumed")));
    assert_int_equal(m(RS_M_RESUMES_EXPIRED), exp0 + 1);
    json_decref(jy);
    drain(a);
    rs_rooms_tick(app.rooms, rs_wall_ms());
    json_t *left = expect(a, "control", "participant_left");
    assert_string_equal(str(left, "id"), bid);
    assert_string_equal(str(left, "reason"), "timeout");
    json_decref(left);
    assert_null(rs_room_participant(room, bid));

    /* Carla: the grace ends (tick), she leaves; her token afterwards counts as expired */
    lose(c);
    rs_rooms_tick(app.rooms, rs_wall_ms() + 30000);
    assert_non_null(rs_room_participant(room, str(jc, "id"))); /* half the grace: still there */
    rs_rooms_tick(app.rooms, rs_wall_ms() + 61000);
    assert_null(rs_room_participant(room, str(jc, "id")));
    page("r1", "Carla", ctoken, &jy);
    assert_false(json_is_true(json_object_get(jy, "resumed")));
    assert_int_equal(m(RS_M_RESUMES_EXPIRED), exp0 + 2);
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), 0);
    (void)b2;
    json_decref(jy);
    json_decref(ja);
    json_decref(jb);
    json_decref(jc);
}

static void test_refused_while_connected(void **state)
{
    json_t *ja, *jb, *jb2;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    char bid[32], token[64];
    snprintf(bid, sizeof(bid), "%s", str(jb, "id"));
    snprintf(token, sizeof(token), "%s", str(jb, "resume_token"));
    struct rs_room *room = rs_rooms_find(app.rooms, "r1");
    uint64_t inv0 = m(RS_M_RESUMES_INVALID);
    drain(a);
    /* a stolen token while Bernd's page is connected and pinging: nothing taken over, nobody
     * joined, the answer says to try later */
    struct rs_session *mal = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    drain(mal);
    char msg[256];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"r1\",\"display_name\":"
             "\"Bernd\",\"resume\":\"%s\",\"ref\":5}",
             token);
    send_json(mal, msg);
    json_t *e = expect(mal, "control", "error");
    assert_string_equal(str(e, "code"), "still_connected");
    assert_string_equal(str(e, "field"), "resume");
    assert_true(json_integer_value(json_object_get(e, "retry_after_s")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(e, "ref")), 5);
    json_decref(e);
    assert_null(mal->peer.participant);
    assert_int_equal(room->count, 2);
    assert_int_equal(closes, 0);
    assert_ptr_equal(b->peer.participant, rs_room_participant(room, bid));
    assert_int_equal(m(RS_M_RESUMES_INVALID), inv0 + 1);
    assert_null(next(a)); /* the others saw nothing */

    /* Bernd's own page after a network change: refused while the old socket still talks,
     * taken over once it has been silent for 8 s */
    b->peer.last_rx_ms -= 8500;
    send_json(mal, msg);
    jb2 = expect(mal, "control", "joined");
    assert_true(json_is_true(json_object_get(jb2, "resumed")));
    assert_string_equal(str(jb2, "id"), bid);
    assert_string_equal(close_reason, "resumed");
    assert_int_equal(room->count, 2);
    json_decref(ja);
    json_decref(jb);
    json_decref(jb2);
}

static void test_silent_connection(void **state)
{
    json_t *ja, *jb, *jb2, *jb3;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    char bid[32], token[64];
    snprintf(bid, sizeof(bid), "%s", str(jb, "id"));
    snprintf(token, sizeof(token), "%s", str(jb, "resume_token"));
    drain(a);
    /* the network drops Bernd's packets without a FIN: the sweep finds him silent */
    b->peer.last_rx_ms -= RS_SESSION_SILENT_MS - 2000;
    assert_int_equal(rs_sessions_mark_silent(&app, rs_mono_ms()), 0);
    b->peer.last_rx_ms -= 3000;
    uint64_t silent0 = m(RS_M_WS_SILENT), rec0 = m(RS_M_PARTICIPANTS_RECONNECTING);
    assert_int_equal(rs_sessions_mark_silent(&app, rs_mono_ms()), 1);
    assert_int_equal(rs_sessions_mark_silent(&app, rs_mono_ms()), 0); /* once */
    assert_int_equal(m(RS_M_WS_SILENT), silent0 + 1);
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), rec0 + 1);
    assert_int_equal(closes, 0); /* the socket stays: it may only be slow */
    json_t *p = updated_about(a, bid);
    assert_string_equal(str(p, "connection"), "reconnecting");
    json_decref(p);

    /* it was only slow: the next message makes him connected again, no resume needed */
    send_json(b, "{\"ns\":\"control\",\"action\":\"ping\"}");
    p = updated_about(a, bid);
    assert_string_equal(str(p, "connection"), "connected");
    json_decref(p);
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), rec0);

    /* silent again, and this time his page comes back on a new connection: it takes over */
    b->peer.last_rx_ms -= RS_SESSION_SILENT_MS + 1000;
    assert_int_equal(rs_sessions_mark_silent(&app, rs_mono_ms()), 1);
    struct rs_session *b2 = page("r1", "Bernd", token, &jb2);
    assert_true(json_is_true(json_object_get(jb2, "resumed")));
    assert_string_equal(str(jb2, "id"), bid);
    assert_int_equal(closes, 1);
    assert_string_equal(close_reason, "resumed");
    assert_null(b->peer.participant);
    assert_ptr_equal(b2->peer.participant,
                     rs_room_participant(rs_rooms_find(app.rooms, "r1"), bid));
    assert_int_equal(m(RS_M_PARTICIPANTS_RECONNECTING), rec0);
    rs_session_free(b); /* the old socket's end arrives late: changes nothing */
    assert_int_equal(rs_rooms_find(app.rooms, "r1")->count, 2);

    /* silent and never back: the grace ends, he leaves and the dead socket is closed */
    b2->peer.last_rx_ms -= RS_SESSION_SILENT_MS + 1000;
    assert_int_equal(rs_sessions_mark_silent(&app, rs_mono_ms()), 1);
    drain(a);
    rs_rooms_tick(app.rooms, rs_wall_ms() + 61000);
    json_t *left = expect(a, "control", "participant_left");
    assert_string_equal(str(left, "reason"), "timeout");
    json_decref(left);
    assert_string_equal(close_reason, "timeout");
    assert_null(b2->peer.participant);
    (void)jb3;
    json_decref(ja);
    json_decref(jb);
    json_decref(jb2);
}

static void test_meant_closes_leave_at_once(void **state)
{
    json_t *ja, *jb, *jc;
    struct rs_session *a = page("r1", "Anna", NULL, &ja);
    struct rs_session *b = page("r1", "Bernd", NULL, &jb);
    drain(a);
    /* the page went away (close frame 1001): a leave */
    b->peer_close_status = 1001;
    rs_session_free(b);
    json_t *left = expect(a, "control", "participant_left");
    assert_string_equal(str(left, "reason"), "disconnected");
    json_decref(left);
    /* a client that never pinged (a script) is not kept either */
    struct rs_session *c = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    drain(c);
    send_json(c, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"r1\",\"display_name\":\"C\"}");
    jc = expect(c, "control", "joined");
    drain(a);
    rs_session_free(c);
    left = expect(a, "control", "participant_left");
    assert_string_equal(str(left, "reason"), "disconnected");
    json_decref(left);
    assert_int_equal(rs_rooms_find(app.rooms, "r1")->count, 1);
    json_decref(ja);
    json_decref(jb);
    json_decref(jc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_path_keeps_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_used_twice_and_wrong_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_and_grace_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_while_connected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meant_closes_leave_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
