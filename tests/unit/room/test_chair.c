/* SPDX-License-Identifier: EUPL-1.2 */
/* The chair feature over a fake transport: mutes and microphone restrictions decide what the
 * media plane may forward (rs_chair_may_send, which sfu/visibility.c asks), a self-unmute lifts
 * a mute but not a restriction, lock and ban keep people out, and every chair action from a
 * non-moderator is refused without changing anything. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/chair.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "ratssitzung";
static struct rs_user_record chair_user, member_user;

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_ON, "rs-chair"))
        return -1;
    th_user(&chair_user, "vorsitz", RS_USER_ROLE_USER);
    th_user(&member_user, "mitglied", RS_USER_ROLE_USER);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

static struct rs_participant *who(const char *id)
{
    return rs_room_participant(rs_rooms_find(th_app.rooms, ROOM), id);
}

static bool may_speak(const char *id)
{
    return rs_chair_may_send(who(id), RS_CHAIR_MIC);
}

/* The chair (first in, so moderator of the anonymous room), two participants. */
struct meeting {
    struct rs_session *chair, *a, *b;
    const char *chair_id, *a_id, *b_id;
};

static void open_meeting(struct meeting *m)
{
    m->chair = th_conn(&chair_user, NULL);
    m->chair_id = th_join(m->chair, ROOM, "Vorsitz");
    m->a = th_conn(&member_user, NULL);
    m->a_id = th_join(m->a, ROOM, "Anna");
    m->b = th_conn(NULL, NULL);
    m->b_id = th_join(m->b, ROOM, "Bernd");
    th_drain(m->chair);
    th_drain(m->a);
    th_drain(m->b);
}

static bool blocked_in_update(struct rs_session *s, const char *id)
{
    json_t *j;
    int blocked = -1;
    while ((j = th_next(s))) {
        json_t *p = json_object_get(j, "participant");
        if (th_is(j, "control", "participant_updated") &&
            strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            blocked = json_is_true(json_object_get(json_object_get(p, "chair"), "mic_blocked"));
        json_decref(j);
    }
    assert_int_not_equal(blocked, -1);
    return blocked == 1;
}

static void test_mute_one_and_self_unmute(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    assert_true(may_speak(m.a_id));
    uint64_t mutes = rs_metric_get(RS_M_CHAIR_MUTES);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\",\"ids\":[\"%s\"]}", m.a_id);
    assert_false(may_speak(m.a_id));
    assert_true(may_speak(m.b_id));
    assert_int_equal(rs_metric_get(RS_M_CHAIR_MUTES), mutes + 1);
    json_t *e = th_expect(m.a, "chair", "muted");
    assert_string_equal(json_string_value(json_object_get(e, "source")), "microphone");
    assert_string_equal(json_string_value(json_object_get(e, "by")), m.chair_id);
    json_decref(e);
    assert_true(blocked_in_update(m.b, m.a_id));
    assert_false(th_got(m.b, "chair", "muted")); /* only the muted one is told so */

    /* Anna unmutes herself (the SFU reports media/track_state): heard again */
    struct rs_msg_error err = {0};
    assert_int_equal(rs_chair_self_unmute(who(m.a_id), RS_CHAIR_MIC, &err), 0);
    assert_true(may_speak(m.a_id));
    assert_false(blocked_in_update(m.b, m.a_id));
}

static void test_mute_all_spares_moderators(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\",\"all\":true}");
    assert_false(may_speak(m.a_id));
    assert_false(may_speak(m.b_id));
    assert_true(may_speak(m.chair_id));
    assert_true(th_got(m.a, "chair", "muted"));
    assert_true(th_got(m.b, "chair", "muted"));
    assert_false(th_got(m.chair, "chair", "muted"));
}

static void test_bad_fields_change_nothing(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\"}");
    assert_string_equal(th_error_code(m.chair, "chair"), "missing_field");
    /* one unknown id among good ones: nobody is muted */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\",\"ids\":[\"%s\",\"pnobody\"]}", m.a_id);
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    assert_true(may_speak(m.a_id));
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\",\"ids\":[42]}");
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"remove\",\"id\":\"%s\"}", m.chair_id);
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"debrief\",\"remove\":\"everybody\"}");
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    assert_non_null(who(m.a_id));
    assert_non_null(who(m.b_id));
}

static void test_non_moderator_refused(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    /* each action with a well-formed body (the id, where one is needed, is Bernd's) */
    static const char *const tries[][2] = {
        {"mute", "\"all\":true"},
        {"restrict_mic", "\"enabled\":true"},
        {"allow_mic", "\"allowed\":true,\"id\":"},
        {"camera_off", "\"id\":"},
        {"screen", "\"allowed\":false,\"id\":"},
        {"remove", "\"id\":"},
        {"to_lobby", "\"id\":"},
        {"lock", "\"locked\":true"},
        {"rename", "\"display_name\":\"X\",\"id\":"},
        {"debrief", "\"remove\":\"all_but_moderators\""},
    };
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        bool with_id = strstr(tries[i][1], "\"id\":") != NULL;
        th_send(m.a, "{\"ns\":\"chair\",\"action\":\"%s\",%s%s%s%s}", tries[i][0], tries[i][1],
                with_id ? "\"" : "", with_id ? m.b_id : "", with_id ? "\"" : "");
        assert_string_equal(th_error_code(m.a, "chair"), "forbidden");
    }
    assert_true(may_speak(m.b_id));
    assert_true(rs_chair_may_send(who(m.b_id), RS_CHAIR_CAMERA));
    assert_true(rs_chair_may_send(who(m.b_id), RS_CHAIR_SCREEN));
    assert_string_equal(who(m.b_id)->display_name, "Bernd");
    struct rs_session *late = th_conn(NULL, NULL);
    th_join(late, ROOM, "Spät"); /* not locked */
    assert_false(th_got(m.b, "chair", "removed"));
}

static void test_restriction_floor_and_allow_list(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair,
            "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":true,"
            "\"allowed\":[\"%s\"]}",
            m.a_id);
    json_t *e = th_expect(m.b, "chair", "state");
    assert_true(json_is_true(json_object_get(e, "mic_restricted")));
    json_decref(e);
    assert_true(may_speak(m.chair_id)); /* moderators always */
    assert_true(may_speak(m.a_id));     /* the named set */
    assert_false(may_speak(m.b_id));
    /* Bernd's client unmutes anyway: refused, still silent */
    struct rs_msg_error err = {0};
    uint64_t refused = rs_metric_get(RS_M_CHAIR_UNMUTE_REFUSED);
    assert_int_equal(rs_chair_self_unmute(who(m.b_id), RS_CHAIR_MIC, &err), -EPERM);
    assert_int_equal(err.code, RS_ERR_MIC_RESTRICTED);
    assert_int_equal(rs_metric_get(RS_M_CHAIR_UNMUTE_REFUSED), refused + 1);
    assert_false(may_speak(m.b_id));
    /* the floor of the speakers' list opens the microphone while it is held */
    struct rs_room *room = rs_rooms_find(th_app.rooms, ROOM);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"mute\",\"ids\":[\"%s\"]}", m.b_id);
    rs_chair_set_floor(room, who(m.b_id)); /* the floor lifts an earlier mute too */
    assert_true(may_speak(m.b_id));
    rs_chair_set_floor(room, NULL);
    assert_false(may_speak(m.b_id));
    /* given the word, then taken away */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"allow_mic\",\"id\":\"%s\",\"allowed\":true}",
            m.b_id);
    assert_true(may_speak(m.b_id));
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"allow_mic\",\"id\":\"%s\",\"allowed\":false}",
            m.b_id);
    assert_false(may_speak(m.b_id));
    /* a new list replaces the old one */
    th_send(m.chair,
            "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":true,"
            "\"allowed\":[\"%s\"]}",
            m.b_id);
    assert_false(may_speak(m.a_id));
    assert_true(may_speak(m.b_id));
    /* lifting the restriction frees everyone */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":false}");
    assert_true(may_speak(m.a_id));
    assert_true(may_speak(m.b_id));
    /* a joiner learns the state */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":true}");
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    assert_true(json_is_true(json_object_get(json_object_get(e, "chair"), "mic_restricted")));
    assert_false(may_speak(json_string_value(json_object_get(e, "id"))));
    json_decref(e);
}

static void test_camera_and_screen(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"camera_off\",\"id\":\"%s\"}", m.b_id);
    assert_false(rs_chair_may_send(who(m.b_id), RS_CHAIR_CAMERA));
    assert_true(may_speak(m.b_id));
    json_t *e = th_expect(m.b, "chair", "muted");
    assert_string_equal(json_string_value(json_object_get(e, "source")), "camera");
    json_decref(e);
    struct rs_msg_error err = {0};
    assert_int_equal(rs_chair_self_unmute(who(m.b_id), RS_CHAIR_CAMERA, &err), 0);
    assert_true(rs_chair_may_send(who(m.b_id), RS_CHAIR_CAMERA));

    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"screen\",\"id\":\"%s\",\"allowed\":false}",
            m.b_id);
    assert_false(rs_chair_may_send(who(m.b_id), RS_CHAIR_SCREEN));
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"screen\",\"id\":\"%s\",\"allowed\":true}",
            m.b_id);
    assert_true(rs_chair_may_send(who(m.b_id), RS_CHAIR_SCREEN));
    /* not on another moderator */
    struct rs_session *c2 = th_conn(NULL, NULL);
    const char *c2_id = th_join(c2, ROOM, "Zweite");
    who(c2_id)->role = RS_ROLE_MODERATOR;
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"camera_off\",\"id\":\"%s\"}", c2_id);
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
}

static void test_lock(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"lock\",\"locked\":true}");
    json_t *e = th_expect(m.a, "chair", "state");
    assert_true(json_is_true(json_object_get(e, "locked")));
    json_decref(e);
    uint64_t refused = rs_metric_get(RS_M_CHAIR_REFUSED_LOCKED);
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    assert_string_equal(th_error_code(late, "control"), "meeting_locked");
    assert_int_equal(rs_metric_get(RS_M_CHAIR_REFUSED_LOCKED), refused + 1);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"lock\",\"locked\":false}");
    th_join(late, ROOM, "L");
}

static void test_remove_and_ban(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    /* a guest cannot be banned (nothing lasting to ban): refused, still here */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"remove\",\"id\":\"%s\",\"ban\":true}", m.b_id);
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    assert_non_null(who(m.b_id));
    /* the member is removed and banned: told why, gone for the others, refused on return */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"remove\",\"id\":\"%s\",\"ban\":true}", m.a_id);
    json_t *e = th_expect(m.a, "chair", "removed");
    assert_true(json_is_true(json_object_get(e, "ban")));
    json_decref(e);
    assert_null(who(m.a_id));
    e = th_expect(m.b, "control", "participant_left");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "removed");
    json_decref(e);
    struct rs_session *again = th_conn(&member_user, NULL);
    th_send(again, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", ROOM);
    assert_string_equal(th_error_code(again, "control"), "banned");
    /* the guest is removed without a ban and may come back */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"remove\",\"id\":\"%s\"}", m.b_id);
    assert_null(who(m.b_id));
    struct rs_session *back = th_conn(NULL, NULL);
    th_join(back, ROOM, "Bernd");
}

static void test_to_lobby_and_back(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"to_lobby\",\"id\":\"%s\"}", m.b_id);
    assert_null(who(m.b_id));
    json_t *e = th_expect(m.b, "lobby", "waiting");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "sent_back");
    json_decref(e);
    e = th_expect(m.chair, "lobby", "entered");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "participant"), "id")),
                        m.b_id);
    json_decref(e);
    e = th_expect(m.a, "control", "participant_left");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "sent_to_lobby");
    json_decref(e);
    /* admitted again: back in the room */
    th_send(m.chair, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", m.b_id);
    json_decref(th_expect(m.b, "control", "joined"));
    assert_non_null(who(m.b_id));
}

static void test_rename_and_debrief(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair,
            "{\"ns\":\"chair\",\"action\":\"rename\",\"id\":\"%s\","
            "\"display_name\":\"Bernd (Presse)\"}",
            m.b_id);
    assert_string_equal(who(m.b_id)->display_name, "Bernd (Presse)");
    th_send(m.chair,
            "{\"ns\":\"chair\",\"action\":\"rename\",\"id\":\"%s\",\"display_name\":\"X\"}",
            m.a_id);
    assert_string_equal(th_error_code(m.chair, "chair"), "invalid_value");
    assert_string_equal(who(m.a_id)->display_name, "Anna");
    th_send(m.chair,
            "{\"ns\":\"chair\",\"action\":\"rename\",\"id\":\"%s\","
            "\"display_name\":\"\\u200b\"}",
            m.b_id);
    assert_string_not_equal(th_error_code(m.chair, "chair"), "");
    assert_string_equal(who(m.b_id)->display_name, "Bernd (Presse)");
    /* debrief: the guests go, the members stay */
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"debrief\",\"remove\":\"guests\"}");
    json_t *e = th_expect(m.chair, "chair", "debriefed");
    assert_int_equal(json_integer_value(json_object_get(e, "removed")), 1);
    json_decref(e);
    assert_null(who(m.b_id));
    assert_non_null(who(m.a_id));
    th_send(m.chair, "{\"ns\":\"chair\",\"action\":\"debrief\",\"remove\":\"all_but_moderators\"}");
    assert_null(who(m.a_id));
    assert_non_null(who(m.chair_id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mute_one_and_self_unmute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mute_all_spares_moderators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_fields_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_moderator_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restriction_floor_and_allow_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_camera_and_screen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_and_ban, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_lobby_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_and_debrief, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
