/* SPDX-License-Identifier: EUPL-1.2 */
/* Sessions, rooms, chat and hands over a fake transport: what each client would receive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/metrics.h"
#include "room/room.h"
#include "signaling/session.h"

static struct rs_app app;
static int closes;

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
    closes++;
}

static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.chat_history = 3;
    app.cfg.max_participants = 3;
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

/* Pops the next frame as JSON (new reference) or NULL. */
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

static struct rs_session *joined(const char *room, const char *name)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    json_t *hello = expect(s, "control", "hello");
    json_decref(hello);
    char msg[256];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"}",
             room, name);
    send_json(s, msg);
    return s;
}

static void test_join_announces_and_lists(void **state)
{
    struct rs_session *a = joined("r1", "Anna");
    json_t *ja = expect(a, "control", "joined");
    assert_int_equal(json_array_size(json_object_get(ja, "participants")), 1);
    json_t *me = json_array_get(json_object_get(ja, "participants"), 0);
    assert_string_equal(json_string_value(json_object_get(me, "role")), "moderator");
    json_decref(ja);

    struct rs_session *b = joined("r1", "  Bernd ");
    json_t *jb = expect(b, "control", "joined");
    json_t *list = json_object_get(jb, "participants");
    assert_int_equal(json_array_size(list), 2);
    const char *bid = json_string_value(json_object_get(jb, "id"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "display_name")),
                        "Bernd");
    json_t *pj = expect(a, "control", "participant_joined");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(pj, "participant"), "id")), bid);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(pj, "participant"), "role")),
        "participant");
    json_decref(pj);
    json_decref(jb);
    assert_int_equal(rs_metric_get(RS_M_PARTICIPANTS), 2);

    /* a session in another room hears nothing */
    struct rs_session *c = joined("r2", "Carla");
    drain(c);
    drain(a);
    send_json(b, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"Guten Morgen\"}");
    json_t *m = expect(a, "chat", "message");
    assert_string_equal(json_string_value(json_object_get(m, "text")), "Guten Morgen");
    assert_string_equal(json_string_value(json_object_get(m, "display_name")), "Bernd");
    json_decref(m);
    assert_null(next(c));

    /* disconnect announces participant_left with reason */
    rs_session_free(b);
    json_t *left = expect(a, "control", "participant_left");
    assert_string_equal(json_string_value(json_object_get(left, "reason")), "disconnected");
    json_decref(left);
}

static void test_chat_history_for_late_joiners(void **state)
{
    struct rs_session *a = joined("hist", "Anna");
    for (int i = 1; i <= 5; i++) {
        char msg[128];
        snprintf(msg, sizeof(msg), "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"m%d\"}", i);
        send_json(a, msg);
    }
    struct rs_session *b = joined("hist", "Bernd");
    json_t *jb = expect(b, "control", "joined");
    json_t *chat = json_object_get(jb, "chat");
    assert_int_equal(json_array_size(chat), 3); /* chat_history = 3 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(chat, 0), "text")),
                        "m3");
    assert_string_equal(json_string_value(json_object_get(json_array_get(chat, 2), "text")),
                        "m5");
    json_decref(jb);
}

static void test_hands(void **state)
{
    struct rs_session *a = joined("hands", "Anna");
    struct rs_session *b = joined("hands", "Bernd");
    drain(a);
    drain(b);
    send_json(b, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    json_t *r = expect(a, "hand", "raised");
    assert_non_null(json_object_get(r, "ts"));
    json_decref(r);
    send_json(b, "{\"ns\":\"hand\",\"action\":\"raise\"}"); /* idempotent: no event */
    assert_null(next(a));
    /* a late joiner sees the raised hand */
    struct rs_session *c = joined("hands", "Carla");
    json_t *jc = expect(c, "control", "joined");
    json_t *p1 = json_array_get(json_object_get(jc, "participants"), 1);
    assert_true(json_is_true(json_object_get(p1, "hand_raised")));
    json_decref(jc);
    send_json(b, "{\"ns\":\"hand\",\"action\":\"lower\"}");
    json_decref(expect(a, "hand", "lowered"));
}

static void test_errors_keep_connection(void **state)
{
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "");
    drain(a);
    static const struct {
        const char *msg, *code;
    } cases[] = {
        {"{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"x\"}", "not_joined"},
        {"{\"ns\":\"control\",\"action\":\"join\",\"room\":\"a b\",\"display_name\":\"A\"}",
         "invalid_room"},
        {"{\"ns\":\"control\",\"action\":\"join\",\"room\":\"ok\"}", "missing_field"},
        {"{\"ns\":\"control\",\"action\":\"join\",\"room\":\"ok\",\"display_name\":\"\"}",
         "empty_value"},
        {"{\"ns\":\"control\",\"action\":\"join\",\"room\":5,\"display_name\":\"A\"}",
         "invalid_type"},
        {"{\"ns\":\"control\",\"action\":\"leave\"}", "not_joined"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        send_json(a, cases[i].msg);
        /* the error comes back in the offending message's namespace */
        json_t *e = expect(a, i == 0 ? "chat" : "control", "error");
        if (strcmp(json_string_value(json_object_get(e, "code")), cases[i].code) != 0)
            fail_msg("case %zu: got %s want %s", i,
                     json_string_value(json_object_get(e, "code")), cases[i].code);
        json_decref(e);
    }
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"ok\",\"display_name\":\"A\","
                 "\"ref\":\"j1\"}");
    json_t *j = expect(a, "control", "joined");
    assert_string_equal(json_string_value(json_object_get(j, "ref")), "j1");
    json_decref(j);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"ok\",\"display_name\":\"A\"}");
    json_t *e = expect(a, "control", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "already_joined");
    json_decref(e);
    char longtext[2100 + 64];
    int n = snprintf(longtext, sizeof(longtext), "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"");
    memset(longtext + n, 'x', 2001);
    snprintf(longtext + n + 2001, sizeof(longtext) - (size_t)n - 2001, "\"}");
    send_json(a, longtext);
    e = expect(a, "chat", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "too_long");
    assert_string_equal(json_string_value(json_object_get(e, "field")), "text");
    json_decref(e);
    assert_int_equal(closes, 0);
}

static void test_room_full(void **state)
{
    joined("full", "A");
    joined("full", "B");
    joined("full", "C");
    struct rs_session *d = joined("full", "D");
    json_t *e = expect(d, "control", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "room_full");
    json_decref(e);
}

static void test_leave_and_rejoin_moderator_handover(void **state)
{
    struct rs_session *a = joined("mod", "Anna");
    struct rs_session *b = joined("mod", "Bernd");
    drain(a);
    drain(b);
    send_json(a, "{\"ns\":\"control\",\"action\":\"leave\"}");
    json_decref(expect(a, "control", "left"));
    json_t *left = expect(b, "control", "participant_left");
    assert_string_equal(json_string_value(json_object_get(left, "reason")), "left");
    json_decref(left);
    json_t *upd = expect(b, "control", "participant_updated");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(upd, "participant"), "role")),
        "moderator");
    json_decref(upd);
    /* same connection may join again */
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"mod\",\"display_name\":\"A\"}");
    json_decref(expect(a, "control", "joined"));
}

/* Anonymous rooms: moderation is never handed straight to a guest; moderation/end empties the
 * room (a participant may not), and since nobody has more right than another the next join
 * opens it afresh. */
static void test_anonymous_guest_handover_and_end(void **state)
{
    struct rs_session *a = joined("anon-end", "Anna");
    struct rs_session *b = joined("anon-end", "Bernd");
    struct rs_session *c = joined("anon-end", "Carla");
    drain(a);
    json_decref(expect(b, "control", "joined"));
    json_decref(expect(c, "control", "joined"));
    char bid[16], cid[16];
    snprintf(bid, sizeof(bid), "%s", b->peer.participant->id);
    snprintf(cid, sizeof(cid), "%s", c->peer.participant->id);
    char msg[160];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"guest\"}",
             bid);
    send_json(a, msg);
    assert_int_equal(b->peer.participant->role, RS_ROLE_GUEST);
    drain(b);
    drain(c);
    /* Anna leaves: Carla (a participant) moderates, not Bernd (the longest-present, a guest) */
    send_json(a, "{\"ns\":\"control\",\"action\":\"leave\"}");
    assert_int_equal(b->peer.participant->role, RS_ROLE_GUEST);
    assert_int_equal(c->peer.participant->role, RS_ROLE_MODERATOR);
    drain(b);
    drain(c);
    /* the guest may not end the meeting; the moderator may */
    send_json(b, "{\"ns\":\"moderation\",\"action\":\"end\"}");
    json_t *e = expect(b, "moderation", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "forbidden");
    json_decref(e);
    assert_non_null(rs_rooms_find(app.rooms, "anon-end"));
    send_json(c, "{\"ns\":\"moderation\",\"action\":\"end\"}");
    struct rs_session *both[] = {b, c};
    for (int i = 0; i < 2; i++) {
        json_t *ended = expect(both[i], "control", "ended");
        assert_string_equal(json_string_value(json_object_get(ended, "by")), cid);
        json_decref(ended);
        assert_null(both[i]->peer.participant);
    }
    assert_null(rs_rooms_find(app.rooms, "anon-end"));
    /* anyone opens it again, as its moderator */
    send_json(
        b, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"anon-end\",\"display_name\":\"B\"}");
    json_decref(expect(b, "control", "joined"));
    assert_int_equal(b->peer.participant->role, RS_ROLE_MODERATOR);
    drain(a);
}

static const char *role_in(json_t *joined_ev, const char *name)
{
    json_t *list = json_object_get(joined_ev, "participants"), *p;
    size_t i;
    json_array_foreach(list, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "display_name")), name) == 0)
            return json_string_value(json_object_get(p, "role"));
    }
    return "";
}

static struct rs_session *join_with_key(const char *room, const char *name, const char *key)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    json_decref(expect(s, "control", "hello"));
    char msg[320];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":"
             "\"%s\",\"creator_key\":\"%s\"}",
             room, name, key);
    send_json(s, msg);
    return s;
}

/* An ad-hoc room's creator gets a key with `joined`; after a reload (a new connection) the key
 * makes them moderator again while others kept the room open. A wrong, empty or someone
 * else's claim gets nothing, and only the creator ever sees the key. */
static void test_creator_key_after_reload(void **state)
{
    struct rs_session *a = joined("adhoc", "Anna");
    json_t *ja = expect(a, "control", "joined");
    const char *k = json_string_value(json_object_get(ja, "creator_key"));
    assert_non_null(k);
    assert_int_equal(strlen(k), 22);
    char key[32];
    snprintf(key, sizeof(key), "%s", k);
    assert_string_equal(role_in(ja, "Anna"), "moderator");
    json_decref(ja);

    struct rs_session *b = joined("adhoc", "Bernd");
    json_t *jb = expect(b, "control", "joined");
    assert_null(json_object_get(jb, "creator_key")); /* only the one who opened the room */
    assert_string_equal(role_in(jb, "Bernd"), "participant");
    json_decref(jb);

    /* Anna reloads: her connection goes, Bernd keeps the room open (and is promoted) */
    rs_session_free(a);
    drain(b);

    /* a guessed key, an empty one and a claim without a key: participant */
    struct rs_session *c = join_with_key("adhoc", "Carla", "AAAAAAAAAAAAAAAAAAAAAA");
    json_t *jc = expect(c, "control", "joined");
    assert_string_equal(role_in(jc, "Carla"), "participant");
    json_decref(jc);
    struct rs_session *d = join_with_key("adhoc", "Dora", "");
    json_t *jd = expect(d, "control", "joined");
    assert_string_equal(role_in(jd, "Dora"), "participant");
    json_decref(jd);
    rs_session_free(d);

    /* Anna's new page shows the key: moderator again, and no new key is issued */
    struct rs_session *a2 = join_with_key("adhoc", "Anna", key);
    json_t *ja2 = expect(a2, "control", "joined");
    assert_string_equal(role_in(ja2, "Anna"), "moderator");
    assert_null(json_object_get(ja2, "creator_key"));
    json_decref(ja2);

    /* the key belongs to this room: in another room it is nothing */
    struct rs_session *e = joined("other", "Emil");
    drain(e);
    struct rs_session *f = join_with_key("other", "Anna", key);
    json_t *jf = expect(f, "control", "joined");
    assert_string_equal(role_in(jf, "Anna"), "participant");
    json_decref(jf);
}

static void test_rate_limit_then_flood_close(void **state)
{
    app.cfg.rate_per_s = 5; /* burst 10 */
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "");
    drain(a);
    int errors = 0, pongs = 0;
    for (int i = 0; i < 200 && !a->closing; i++) {
        send_json(a, "{\"ns\":\"control\",\"action\":\"ping\"}");
        json_t *j;
        while ((j = next(a))) {
            const char *ev = json_string_value(json_object_get(j, "event"));
            if (strcmp(ev, "pong") == 0)
                pongs++;
            else if (strcmp(ev, "error") == 0 &&
                     strcmp(json_string_value(json_object_get(j, "code")), "rate_limited") == 0)
                errors++;
            json_decref(j);
        }
    }
    assert_true(pongs >= 10 && pongs <= 12);
    assert_true(errors > 0);
    assert_true(a->closing);
    assert_int_equal(a->close_status, 1008);
    assert_string_equal(a->close_reason, "rate_limited");
    app.cfg.rate_per_s = 20;
}

static void test_fragments_and_binary(void **state)
{
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "");
    drain(a);
    const char *m = "{\"ns\":\"control\",\"action\":\"ping\"}";
    rs_session_on_fragment(a, m, 10, 1, 0, 0);
    rs_session_on_fragment(a, m + 10, strlen(m) - 10, 0, 1, 0);
    json_decref(expect(a, "control", "pong"));
    rs_session_on_fragment(a, "\x01\x02", 2, 1, 1, 1);
    json_t *e = expect(a, "control", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "binary_frame");
    json_decref(e);
    static char chunk[8000];
    memset(chunk, ' ', sizeof(chunk));
    rs_session_on_fragment(a, chunk, sizeof(chunk), 1, 0, 0);
    rs_session_on_fragment(a, chunk, sizeof(chunk), 0, 0, 0);
    rs_session_on_fragment(a, chunk, sizeof(chunk), 0, 1, 0);
    e = expect(a, "control", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "frame_too_large");
    json_decref(e);
    /* still usable */
    rs_session_on_fragment(a, m, strlen(m), 1, 1, 0);
    json_decref(expect(a, "control", "pong"));
    /* beyond what any action accepts (RS_MSG_MAX_MEDIA_BYTES), never finished: one error, then
     * the connection is closed with 1009 before the rest is read */
    uint64_t closed0 = rs_metric_get(RS_M_WS_CLOSED_TOO_LARGE);
    for (int i = 0; i < 30; i++)
        rs_session_on_fragment(a, chunk, sizeof(chunk), i == 0, 0, 0);
    e = expect(a, "control", "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "frame_too_large");
    json_decref(e);
    assert_true(a->closing);
    assert_int_equal(a->close_status, 1009);
    assert_string_equal(a->close_reason, "too_large");
    assert_int_equal(rs_metric_get(RS_M_WS_CLOSED_TOO_LARGE), closed0 + 1);
    assert_true(a->rx_len <= RS_MSG_MAX_MEDIA_BYTES);
}

static void test_binary_flood_closed(void **state)
{
    /* binary frames are refused, and count against the rate like any other message */
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "");
    drain(a);
    uint64_t flood0 = rs_metric_get(RS_M_WS_CLOSED_FLOOD);
    for (int i = 0; i < 300 && !a->closing; i++)
        rs_session_on_fragment(a, "\x01\x02", 2, 1, 1, 1);
    assert_true(a->closing);
    assert_int_equal(a->close_status, 1008);
    assert_string_equal(a->close_reason, "rate_limited");
    assert_int_equal(rs_metric_get(RS_M_WS_CLOSED_FLOOD), flood0 + 1);
}

static void test_slow_consumer_closed(void **state)
{
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "");
    app.cfg.rate_per_s = 1000;
    for (int i = 0; i < RS_SESSION_OUTQ + 10 && !a->closing; i++) {
        a->tokens = 10; /* this test is about the queue, not the rate */
        send_json(a, "{\"ns\":\"control\",\"action\":\"ping\"}");
    }
    assert_true(a->closing);
    assert_string_equal(a->close_reason, "slow_consumer");
    assert_true(a->out_count <= RS_SESSION_OUTQ);
    app.cfg.rate_per_s = 20;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_announces_and_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_history_for_late_joiners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_keep_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_room_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leave_and_rejoin_moderator_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_guest_handover_and_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creator_key_after_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_then_flood_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_and_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_flood_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_consumer_closed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
