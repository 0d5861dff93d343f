/* SPDX-License-Identifier: EUPL-1.2 */
/* Chat beyond the room message: private messages reach their two participants only, the chair's
 * switch turns room chat off (private messages still work, moderators still write), a moderator
 * exports what the server holds, and reactions are one of a fixed set, one per second. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "plauderraum";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-chat");
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct three {
    struct rs_session *mod, *a, *b;
    const char *mod_id, *a_id, *b_id;
};

static void open_room(struct three *m)
{
    m->mod = th_conn(NULL, NULL);
    m->mod_id = th_join(m->mod, ROOM, "Vorsitz");
    m->a = th_conn(NULL, NULL);
    m->a_id = th_join(m->a, ROOM, "Anna");
    m->b = th_conn(NULL, NULL);
    m->b_id = th_join(m->b, ROOM, "Bernd");
    th_drain(m->mod);
    th_drain(m->a);
    th_drain(m->b);
}

static void test_private_message(void **state)
{
    (void)state;
    struct three m;
    open_room(&m);
    uint64_t before = rs_metric_get(RS_M_CHAT_PRIVATE);
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"nur für dich\",\"to\":\"%s\"}",
            m.b_id);
    json_t *e = th_expect(m.b, "chat", "message");
    assert_true(json_is_true(json_object_get(e, "private")));
    assert_string_equal(json_string_value(json_object_get(e, "to")), m.b_id);
    assert_string_equal(json_string_value(json_object_get(e, "from")), m.a_id);
    json_decref(e);
    json_decref(th_expect(m.a, "chat", "message")); /* the sender sees its own */
    assert_false(th_got(m.mod, "chat", "message"));  /* nobody else */
    assert_int_equal(rs_metric_get(RS_M_CHAT_PRIVATE), before + 1);
    /* not kept: a late joiner's history does not hold it */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    assert_int_equal(json_array_size(json_object_get(e, "chat")), 0);
    json_decref(e);
    /* to nobody, to oneself */
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"x\",\"to\":\"pnobody\"}");
    assert_string_equal(th_error_code(m.a, "chat"), "invalid_value");
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"x\",\"to\":\"%s\"}", m.a_id);
    assert_string_equal(th_error_code(m.a, "chat"), "invalid_value");
}

static void test_chat_off_and_export(void **state)
{
    (void)state;
    struct three m;
    open_room(&m);
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"Guten Abend\"}");
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"set_enabled\",\"enabled\":false}");
    assert_string_equal(th_error_code(m.a, "chat"), "forbidden");
    th_send(m.mod, "{\"ns\":\"chat\",\"action\":\"set_enabled\",\"enabled\":false}");
    json_t *e = th_expect(m.b, "chat", "state");
    assert_false(json_is_true(json_object_get(e, "enabled")));
    json_decref(e);
    th_drain(m.a);
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"darf ich?\"}");
    assert_string_equal(th_error_code(m.a, "chat"), "chat_disabled");
    assert_false(th_got(m.b, "chat", "message"));
    /* private messages and the chair still work */
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"psst\",\"to\":\"%s\"}", m.b_id);
    assert_true(th_got(m.b, "chat", "message"));
    th_send(m.mod, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"Ruhe bitte\"}");
    assert_true(th_got(m.b, "chat", "message"));
    /* a joiner learns that chat is off */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    assert_false(json_is_true(json_object_get(e, "chat_enabled")));
    json_decref(e);
    /* export: moderators only; the room messages, not the private one */
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"export\"}");
    assert_string_equal(th_error_code(m.a, "chat"), "forbidden");
    th_send(m.mod, "{\"ns\":\"chat\",\"action\":\"export\"}");
    e = th_expect(m.mod, "chat", "export");
    json_t *msgs = json_object_get(e, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "text")),
                        "Guten Abend");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "text")),
                        "Ruhe bitte");
    json_decref(e);
}

static void test_reactions(void **state)
{
    (void)state;
    struct three m;
    open_room(&m);
    uint64_t shown = rs_metric_get(RS_M_REACTIONS), dropped = rs_metric_get(RS_M_REACTIONS_DROPPED);
    th_send(m.a, "{\"ns\":\"reaction\",\"action\":\"send\",\"kind\":\"applause\"}");
    json_t *e = th_expect(m.b, "reaction", "shown");
    assert_string_equal(json_string_value(json_object_get(e, "id")), m.a_id);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "applause");
    json_decref(e);
    /* a second within the second: dropped and counted, no error */
    th_send(m.a, "{\"ns\":\"reaction\",\"action\":\"send\",\"kind\":\"heart\"}");
    assert_false(th_got(m.b, "reaction", "shown"));
    assert_false(th_got(m.a, "reaction", "error"));
    assert_int_equal(rs_metric_get(RS_M_REACTIONS), shown + 1);
    assert_int_equal(rs_metric_get(RS_M_REACTIONS_DROPPED), dropped + 1);
    /* only the fixed set */
    th_send(m.b, "{\"ns\":\"reaction\",\"action\":\"send\",\"kind\":\"<script>\"}");
    assert_string_equal(th_error_code(m.b, "reaction"), "invalid_value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_private_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_off_and_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reactions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
