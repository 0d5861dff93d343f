/* SPDX-License-Identifier: EUPL-1.2 */
/* Session roles over a fake transport in a managed meeting: the chair and the minute-taker
 * given and taken (everyone sees it on the participant), every refusal with its code, the
 * RS_NEED_CHAIR rule with the chair present and absent, the chair following an account across
 * a reconnect and a reopened room, and losing the chair with the moderator role. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/session.h"
#include "store/store_agenda.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *MEETING = "sessionAAAAAAAAAAAAAAA";
static char guest_token[] = "sess-guest-token-0123456789abcdef";
static char invited_token[] = "sess-invited-token-0123456789abcd";
static struct rs_user_record owner, deputy, alice;

/* A managed meeting of `owner` (no lobby); `deputy` holds a moderator grant, `alice` is a
 * plain member of the tenant; a guest invitation. */
static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-session"))
        return -1;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&deputy, "deputy", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    th_meeting(MEETING, &owner);
    assert_int_equal(rs_store_grant_set(th_app.store, MEETING, deputy.id), 0);
    th_invite(MEETING, "iguest", guest_token, RS_INVITE_GUEST);
    th_invite(MEETING, "iinvited", invited_token, RS_INVITE_PARTICIPANT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct meeting {
    struct rs_session *owner, *deputy, *alice, *guest;
    char owner_id[16], deputy_id[16], alice_id[16], guest_id[16];
};

static void copy_id(char *dst, const char *id)
{
    snprintf(dst, 16, "%s", id);
}

static void open_meeting(struct meeting *m)
{
    m->owner = th_conn(&owner, NULL);
    copy_id(m->owner_id, th_join(m->owner, MEETING, "Olga Owner"));
    m->deputy = th_conn(&deputy, NULL);
    copy_id(m->deputy_id, th_join(m->deputy, MEETING, "Dieter Deputy"));
    m->alice = th_conn(&alice, NULL);
    copy_id(m->alice_id, th_join(m->alice, MEETING, "Alice"));
    m->guest = th_conn(NULL, NULL);
    th_send(m->guest,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Gast\","
            "\"invite\":\"%s\"}",
            MEETING, guest_token);
    json_t *j = th_expect(m->guest, "control", "joined");
    copy_id(m->guest_id, json_string_value(json_object_get(j, "id")));
    json_decref(j);
    th_drain(m->owner);
    th_drain(m->deputy);
    th_drain(m->alice);
    th_drain(m->guest);
}

static void set_role(struct rs_session *s, const char *id, const char *role, bool on)
{
    th_send(s,
            "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"%s\",\"on\":%s}",
            id, role, on ? "true" : "false");
}

/* What the last participant_updated about `id` queued for `s` says of `key` (consumes all):
 * 1 true, 0 absent or false, -1 no update about `id`. */
static int updated_flag(struct rs_session *s, const char *id, const char *key)
{
    json_t *j;
    int flag = -1;
    while ((j = th_next(s))) {
        json_t *p = json_object_get(j, "participant");
        if (th_is(j, "control", "participant_updated") &&
            strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            flag = json_is_true(json_object_get(p, key));
        json_decref(j);
    }
    return flag;
}

static void start_timer(struct rs_session *s)
{
    th_send(s, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":60}");
}

static int collect(const struct rs_session_role_record *r, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s:%s:%s,", rs_session_role_name(r->role), r->name,
             r->on ? "on" : "off");
    return 0;
}

static void test_roles_given_and_refused(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t chair_changes = rs_metric_get(RS_M_SESSION_ROLE_CHAIR);

    /* the owner takes the chair: everyone sees it on the participant */
    set_role(m.owner, m.owner_id, "chair", true);
    assert_int_equal(updated_flag(m.guest, m.owner_id, "session_chair"), 1);
    assert_int_equal(updated_flag(m.owner, m.owner_id, "session_chair"), 1);
    assert_int_equal(rs_metric_get(RS_M_SESSION_ROLE_CHAIR), chair_changes + 1);
    th_drain(m.alice);
    /* again: nothing changes, nobody is told */
    set_role(m.owner, m.owner_id, "chair", true);
    assert_int_equal(updated_flag(m.alice, m.owner_id, "session_chair"), -1);

    /* Alice takes the minutes */
    set_role(m.owner, m.alice_id, "minute_taker", true);
    assert_int_equal(updated_flag(m.deputy, m.alice_id, "minute_taker"), 1);
    th_drain(m.owner);

    /* refusals, each with its code, and nothing announced */
    set_role(m.owner, m.alice_id, "chair", true);
    assert_string_equal(th_error_code(m.owner, "session"), "not_moderator");
    set_role(m.owner, m.guest_id, "minute_taker", true);
    assert_string_equal(th_error_code(m.owner, "session"), "guest_not_allowed");
    set_role(m.owner, "pnobody00000", "minute_taker", true);
    assert_string_equal(th_error_code(m.owner, "session"), "not_found");
    th_send(m.owner,
            "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"boss\","
            "\"on\":true}",
            m.alice_id);
    assert_string_equal(th_error_code(m.owner, "session"), "invalid_value");
    set_role(m.alice, m.alice_id, "chair", true); /* a participant: no chair actions at all */
    assert_string_equal(th_error_code(m.alice, "session"), "forbidden");
    set_role(m.deputy, m.deputy_id, "chair", true); /* a moderator beside the chair */
    assert_string_equal(th_error_code(m.deputy, "session"), "not_chair");
    assert_int_equal(updated_flag(m.guest, m.deputy_id, "session_chair"), -1);
    assert_int_equal(updated_flag(m.guest, m.alice_id, "session_chair"), -1);

    /* the chair gives the chair to the deputy too, and takes the minutes away from Alice */
    set_role(m.owner, m.deputy_id, "chair", true);
    assert_int_equal(updated_flag(m.alice, m.deputy_id, "session_chair"), 1);
    set_role(m.deputy, m.alice_id, "minute_taker", false);
    assert_int_equal(updated_flag(m.guest, m.alice_id, "minute_taker"), 0);

    /* every change is in the store's log, in order */
    char log[256] = "";
    assert_int_equal(rs_store_session_role_list(th_app.store, MEETING, collect, log), 0);
    assert_string_equal(log, "chair:Olga Owner:on,minute_taker:Alice:on,chair:Dieter Deputy:on,"
                             "minute_taker:Alice:off,");
}

static void test_need_chair_present_and_absent(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    /* no chair yet: every moderator acts as before */
    start_timer(m.deputy);
    json_decref(th_expect(m.deputy, "timer", "state"));
    set_role(m.owner, m.owner_id, "chair", true);
    th_drain(m.deputy);
    /* with the chair present, the deputy is refused the chair's actions, not moderation's */
    start_timer(m.deputy);
    assert_string_equal(th_error_code(m.deputy, "timer"), "not_chair");
    th_send(m.deputy, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    assert_string_equal(th_error_code(m.deputy, "speakers"), "not_chair");
    th_send(m.deputy, "{\"ns\":\"poll\",\"action\":\"create\",\"question\":\"Pause?\","
                      "\"options\":[\"ja\",\"nein\"]}");
    assert_string_equal(th_error_code(m.deputy, "poll"), "not_chair");
    th_send(m.alice, "{\"ns\":\"timer\",\"action\":\"stop\"}");
    assert_string_equal(th_error_code(m.alice, "timer"), "forbidden");
    th_send(m.deputy, "{\"ns\":\"moderation\",\"action\":\"spotlight\",\"participant\":\"%s\"}",
            m.alice_id);
    json_decref(th_expect(m.deputy, "moderation", "spotlight"));
    start_timer(m.owner);
    json_decref(th_expect(m.owner, "timer", "state"));

    /* the chair's connection drops: the deputy may act, so the meeting goes on */
    rs_session_free(m.owner);
    th_drain(m.deputy);
    start_timer(m.deputy);
    json_decref(th_expect(m.deputy, "timer", "state"));
    /* the chair comes back with the same account and chairs again */
    struct rs_session *back = th_conn(&owner, NULL);
    th_send(back,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\","
            "\"display_name\":\"Olga Owner\"}",
            MEETING);
    json_t *joined = th_expect(back, "control", "joined");
    const char *self = json_string_value(json_object_get(joined, "id"));
    size_t i;
    json_t *p;
    int chair = -1;
    json_array_foreach(json_object_get(joined, "participants"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "id")), self) == 0)
            chair = json_is_true(json_object_get(p, "session_chair"));
    }
    assert_int_equal(chair, 1);
    json_decref(joined);
    th_drain(m.deputy);
    start_timer(m.deputy);
    assert_string_equal(th_error_code(m.deputy, "timer"), "not_chair");
}

static void test_losing_moderator_loses_chair(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    set_role(m.owner, m.deputy_id, "chair", true);
    assert_int_equal(updated_flag(m.alice, m.deputy_id, "session_chair"), 1);
    th_drain(m.owner);
    /* the owner (no chair now, but a moderator while the chair is present) is refused ... */
    start_timer(m.owner);
    assert_string_equal(th_error_code(m.owner, "timer"), "not_chair");
    /* ... yet moderation stays: the owner takes the deputy's moderator role away */
    th_send(m.owner,
            "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\","
            "\"role\":\"participant\"}",
            m.deputy_id);
    assert_int_equal(updated_flag(m.alice, m.deputy_id, "session_chair"), 0);
    /* no chair left: the owner acts again */
    th_drain(m.owner);
    start_timer(m.owner);
    json_decref(th_expect(m.owner, "timer", "state"));
    /* and the deputy, moderator again, does not silently hold the chair */
    th_send(m.owner,
            "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\","
            "\"role\":\"moderator\"}",
            m.deputy_id);
    assert_int_equal(updated_flag(m.alice, m.deputy_id, "session_chair"), 0);
}

static void test_roles_after_reopen(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    set_role(m.owner, m.owner_id, "chair", true);
    set_role(m.owner, m.alice_id, "minute_taker", true);
    th_drain(m.owner);
    /* everyone leaves: the room is freed */
    rs_session_free(m.owner);
    rs_session_free(m.deputy);
    rs_session_free(m.alice);
    rs_session_free(m.guest);
    assert_null(rs_rooms_find(th_app.rooms, MEETING));
    /* the room opens again: the roles come back from the store */
    struct rs_session *d = th_conn(&deputy, NULL);
    th_join(d, MEETING, "Dieter Deputy");
    struct rs_session *a = th_conn(&alice, NULL);
    const char *alice_id = th_join(a, MEETING, "Alice");
    (void)alice_id;
    /* the chair is not here: the deputy acts */
    th_drain(d);
    start_timer(d);
    json_decref(th_expect(d, "timer", "state"));
    struct rs_session *o = th_conn(&owner, NULL);
    th_join(o, MEETING, "Olga Owner");
    th_drain(d);
    start_timer(d);
    assert_string_equal(th_error_code(d, "timer"), "not_chair");
    /* Alice is still the minute-taker */
    struct rs_room *room = rs_rooms_find(th_app.rooms, MEETING);
    struct rs_participant *pa = NULL;
    for (struct rs_participant *q = room->head; q; q = q->next)
        if (strcmp(q->user_id, alice.id) == 0)
            pa = q;
    assert_non_null(pa);
    assert_true(rs_session_may_write_minutes(pa));
    assert_false(rs_session_may_chair(pa));
}

/* Without an account a role is held by participant id: it ends when that participant leaves. */
static void test_role_without_account_ends_on_leaving(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    struct rs_session *inv = th_conn(NULL, NULL);
    th_send(inv,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":"
            "\"Erika Eingeladen\",\"invite\":\"%s\"}",
            MEETING, invited_token);
    json_t *j = th_expect(inv, "control", "joined");
    char id[16];
    copy_id(id, json_string_value(json_object_get(j, "id")));
    json_decref(j);
    set_role(m.owner, id, "minute_taker", true);
    assert_int_equal(updated_flag(m.alice, id, "minute_taker"), 1);
    rs_session_free(inv);
    char log[256] = "";
    assert_int_equal(rs_store_session_role_list(th_app.store, MEETING, collect, log), 0);
    assert_string_equal(log, "minute_taker:Erika Eingeladen:on,minute_taker:Erika Eingeladen:off,");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roles_given_and_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_need_chair_present_and_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_losing_moderator_loses_chair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_after_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_without_account_ends_on_leaving, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
