/* SPDX-License-Identifier: EUPL-1.2 */
/* The whisper feature over a fake transport: while a member holds the key, the room's audio
 * routes (rs_audio_route_allows, which the SFU asks for every audio subscription) let only the
 * group hear it and leave everyone else's audio alone; invitations, declines, leaving and
 * removal; the moderators' switch; a chair's mute ends a whisper and refuses a new one; the
 * limits; and every action from someone without the right is refused without changing who
 * hears whom. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "room/audio_routes.h"
#include "room/chair.h"
#include "room/whisper.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "fraktionssitzung";

static int setup(void **state)
{
    (void)state;
    return th_setup(RS_ANON_ON, "rs-whisper");
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

/* Whether `listener` receives `speaker`'s audio. */
static bool hears(const char *listener, const char *speaker)
{
    return rs_audio_route_allows(room(), who(listener), who(speaker));
}

/* The moderator (first in), and A, B, C. */
struct meeting {
    struct rs_session *mod, *a, *b, *c;
    char mod_id[16], a_id[16], b_id[16], c_id[16];
    char group[16];
};

static void open_meeting(struct meeting *m)
{
    m->mod = th_conn(NULL, NULL);
    snprintf(m->mod_id, sizeof(m->mod_id), "%s", th_join(m->mod, ROOM, "Vorsitz"));
    m->a = th_conn(NULL, NULL);
    snprintf(m->a_id, sizeof(m->a_id), "%s", th_join(m->a, ROOM, "Anna"));
    m->b = th_conn(NULL, NULL);
    snprintf(m->b_id, sizeof(m->b_id), "%s", th_join(m->b, ROOM, "Bernd"));
    m->c = th_conn(NULL, NULL);
    snprintf(m->c_id, sizeof(m->c_id), "%s", th_join(m->c, ROOM, "Clara"));
    th_drain(m->mod);
    th_drain(m->a);
    th_drain(m->b);
    th_drain(m->c);
}

static const char *str(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* A creates a group "Fraktion" and invites B; B accepts. */
static void group_of_a_and_b(struct meeting *m)
{
    th_send(m->a,
            "{\"ns\":\"whisper\",\"action\":\"create\",\"name\":\"Fraktion\",\"ids\":[\"%s\"]}",
            m->b_id);
    json_t *e = th_expect(m->a, "whisper", "group");
    json_t *g = json_object_get(e, "group");
    snprintf(m->group, sizeof(m->group), "%s", str(g, "id"));
    assert_string_equal(str(g, "owner"), m->a_id);
    assert_string_equal(str(g, "name"), "Fraktion");
    json_decref(e);
    e = th_expect(m->b, "whisper", "invited");
    assert_string_equal(str(json_object_get(e, "group"), "id"), m->group);
    assert_string_equal(str(e, "by"), m->a_id);
    json_decref(e);
    assert_false(th_got(m->c, "whisper", "invited"));
    th_send(m->b, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", m->group);
    e = th_last(m->a, "whisper", "group");
    g = json_object_get(e, "group");
    assert_int_equal(json_array_size(json_object_get(g, "members")), 2);
    assert_int_equal(json_array_size(json_object_get(g, "invited")), 0);
    json_decref(e);
    th_drain(m->b);
}

static void start(struct rs_session *s, const char *group)
{
    th_send(s, "{\"ns\":\"whisper\",\"action\":\"start\",\"group\":\"%s\"}", group);
}

static void stop(struct rs_session *s)
{
    th_send(s, "{\"ns\":\"whisper\",\"action\":\"stop\"}");
}

static void test_whisper_reaches_only_the_group(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    assert_true(hears(m.c_id, m.a_id));
    uint64_t started = rs_metric_get(RS_M_WHISPERS_STARTED);
    start(m.a, m.group);
    assert_int_equal(rs_metric_get(RS_M_WHISPERS_STARTED), started + 1);
    assert_true(rs_whisper_active(who(m.a_id)));
    assert_false(rs_whisper_active(who(m.b_id)));
    /* A reaches B only */
    assert_true(hears(m.b_id, m.a_id));
    assert_false(hears(m.c_id, m.a_id));
    assert_false(hears(m.mod_id, m.a_id));
    /* the rest of the meeting goes on: everyone else is heard by everyone, A hears them all */
    assert_true(hears(m.c_id, m.b_id));
    assert_true(hears(m.a_id, m.c_id));
    assert_true(hears(m.b_id, m.mod_id));
    assert_true(hears(m.mod_id, m.c_id));
    /* the group sees who whispers; the others see nothing */
    json_t *e = th_expect(m.b, "whisper", "started");
    assert_string_equal(str(e, "id"), m.a_id);
    assert_string_equal(str(e, "group"), m.group);
    json_decref(e);
    json_decref(th_expect(m.a, "whisper", "started"));
    assert_false(th_got(m.c, "whisper", "started"));
    assert_false(th_got(m.mod, "whisper", "started"));
    /* the key repeats: nothing new */
    start(m.a, m.group);
    assert_int_equal(rs_metric_get(RS_M_WHISPERS_STARTED), started + 1);
    assert_false(th_got(m.b, "whisper", "started"));

    /* released: C hears A again */
    stop(m.a);
    assert_true(hears(m.c_id, m.a_id));
    assert_true(hears(m.mod_id, m.a_id));
    assert_false(rs_whisper_active(who(m.a_id)));
    e = th_expect(m.b, "whisper", "stopped");
    assert_string_equal(str(e, "id"), m.a_id);
    assert_string_equal(str(e, "reason"), "released");
    json_decref(e);
    /* a second release is harmless */
    stop(m.a);
    assert_false(th_got(m.a, "whisper", "error"));

    /* B whispers back; a new joiner is outside the group */
    start(m.b, m.group);
    assert_true(hears(m.a_id, m.b_id));
    assert_false(hears(m.c_id, m.b_id));
    struct rs_session *late = th_conn(NULL, NULL);
    char late_id[16];
    snprintf(late_id, sizeof(late_id), "%s", th_join(late, ROOM, "Spät"));
    assert_false(hears(late_id, m.b_id));
    assert_true(hears(late_id, m.a_id));
}

static void test_routes_stay_in_force(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    start(m.a, m.group);
    /* another feature writes a rule that would let everyone hear everyone, or resets the
     * table: the whisper's rules are written again before the media plane asks */
    assert_int_equal(rs_audio_route_set(room(), "*", "*", true), 0);
    assert_false(hears(m.c_id, m.a_id));
    assert_true(hears(m.b_id, m.a_id));
    assert_int_equal(rs_audio_route_reset(room()), 0);
    assert_false(hears(m.c_id, m.a_id));
    assert_true(hears(m.b_id, m.a_id));
    /* two whisper in one group; one stops, the other's whisper still reaches the group */
    start(m.b, m.group);
    stop(m.a);
    assert_true(hears(m.c_id, m.a_id));
    assert_true(hears(m.a_id, m.b_id));
    assert_false(hears(m.c_id, m.b_id));
    stop(m.b);
    assert_true(hears(m.c_id, m.b_id));
}

static void test_membership_changes_routes(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    start(m.a, m.group);
    /* C is invited while A whispers: an invitation alone hears nothing */
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.c_id);
    json_decref(th_expect(m.c, "whisper", "invited"));
    assert_false(hears(m.c_id, m.a_id));
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", m.group);
    assert_true(hears(m.c_id, m.a_id));
    /* a new member sees who is whispering in the group */
    json_t *e = th_last(m.c, "whisper", "group");
    json_t *w = json_object_get(json_object_get(e, "group"), "whispering");
    assert_int_equal(json_array_size(w), 1);
    assert_string_equal(json_string_value(json_array_get(w, 0)), m.a_id);
    json_decref(e);
    /* removed by the owner: out of earshot at once, told why */
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"remove\",\"group\":\"%s\",\"id\":\"%s\"}",
            m.group, m.c_id);
    assert_false(hears(m.c_id, m.a_id));
    e = th_expect(m.c, "whisper", "gone");
    assert_string_equal(str(e, "reason"), "removed");
    json_decref(e);
    /* B leaves the group: no longer hears A either */
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"leave\",\"group\":\"%s\"}", m.group);
    e = th_expect(m.b, "whisper", "gone");
    assert_string_equal(str(e, "reason"), "left");
    json_decref(e);
    assert_false(hears(m.b_id, m.a_id));
    start(m.b, m.group);
    assert_string_equal(th_error_code(m.b, "whisper"), "not_group_member");
    /* the owner leaves its group: dissolved, A's whisper ends, everyone hears A */
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"leave\",\"group\":\"%s\"}", m.group);
    e = th_expect(m.a, "whisper", "stopped");
    assert_string_equal(str(e, "reason"), "dissolved");
    json_decref(e);
    e = th_expect(m.a, "whisper", "gone");
    assert_string_equal(str(e, "reason"), "dissolved");
    json_decref(e);
    assert_false(rs_whisper_active(who(m.a_id)));
    assert_true(hears(m.b_id, m.a_id));
    assert_true(hears(m.c_id, m.a_id));
    start(m.a, m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "not_group_member");
}

static void test_decline_and_leaving_the_meeting(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.c_id);
    th_drain(m.a);
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"decline\",\"group\":\"%s\"}", m.group);
    json_t *e = th_expect(m.c, "whisper", "gone");
    assert_string_equal(str(e, "reason"), "declined");
    json_decref(e);
    e = th_expect(m.a, "whisper", "declined");
    assert_string_equal(str(e, "id"), m.c_id);
    json_decref(e);
    /* declined twice, accepted after declining: no invitation */
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", m.group);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_invited");

    /* B whispers; A (the owner) leaves the meeting: the group is dissolved, B's whisper ends
     * and C hears B again */
    start(m.b, m.group);
    assert_false(hears(m.c_id, m.b_id));
    th_drain(m.b);
    rs_session_free(m.a);
    e = th_expect(m.b, "whisper", "stopped");
    assert_string_equal(str(e, "reason"), "dissolved");
    json_decref(e);
    e = th_expect(m.b, "whisper", "gone");
    assert_string_equal(str(e, "reason"), "dissolved");
    json_decref(e);
    assert_false(rs_whisper_active(who(m.b_id)));
    assert_true(hears(m.c_id, m.b_id));

    /* a member who leaves the meeting leaves the group; the owner's whisper goes on */
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"create\",\"ids\":[\"%s\",\"%s\"]}", m.b_id,
            m.mod_id);
    e = th_expect(m.c, "whisper", "group");
    char g2[16];
    snprintf(g2, sizeof(g2), "%s", str(json_object_get(e, "group"), "id"));
    json_decref(e);
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", g2);
    th_send(m.mod, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", g2);
    start(m.c, g2);
    th_drain(m.c);
    rs_session_free(m.b);
    e = th_last(m.c, "whisper", "group");
    assert_int_equal(json_array_size(json_object_get(json_object_get(e, "group"), "members")), 2);
    json_decref(e);
    assert_true(rs_whisper_active(who(m.c_id)));
    assert_true(hears(m.mod_id, m.c_id));
}

static void test_moderator_forbids(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    start(m.a, m.group);
    /* not a moderator: refused, A still whispers */
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"allow\",\"allowed\":false}");
    assert_string_equal(th_error_code(m.b, "whisper"), "forbidden");
    assert_true(rs_whisper_active(who(m.a_id)));
    th_drain(m.a);
    /* the moderator forbids whispering: the running whisper stops, everyone hears A again */
    th_send(m.mod, "{\"ns\":\"whisper\",\"action\":\"allow\",\"allowed\":false}");
    assert_false(rs_whisper_active(who(m.a_id)));
    assert_true(hears(m.c_id, m.a_id));
    json_t *e = th_expect(m.a, "whisper", "stopped");
    assert_string_equal(str(e, "reason"), "forbidden");
    json_decref(e);
    e = th_expect(m.c, "whisper", "state");
    assert_false(json_is_true(json_object_get(e, "allowed")));
    assert_string_equal(str(e, "by"), m.mod_id);
    json_decref(e);
    /* whispering now is refused and counted; nothing changes */
    uint64_t refused = rs_metric_get(RS_M_WHISPER_REFUSED_FORBIDDEN);
    start(m.a, m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "whisper_forbidden");
    assert_int_equal(rs_metric_get(RS_M_WHISPER_REFUSED_FORBIDDEN), refused + 1);
    assert_true(hears(m.c_id, m.a_id));
    /* a newcomer learns it with control/joined */
    struct rs_session *late = th_conn(NULL, NULL);
    th_send(late, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"L\"}",
            ROOM);
    e = th_expect(late, "control", "joined");
    assert_false(json_is_true(json_object_get(json_object_get(e, "whisper"), "allowed")));
    json_decref(e);
    /* allowed again */
    th_send(m.mod, "{\"ns\":\"whisper\",\"action\":\"allow\",\"allowed\":true}");
    start(m.a, m.group);
    assert_true(rs_whisper_active(who(m.a_id)));
    assert_false(hears(m.c_id, m.a_id));
}

static void test_chair_mute_cannot_be_whispered_around(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    start(m.a, m.group);
    th_drain(m.a);
    /* the chair mutes A mid-whisper: the whisper ends, and nobody gets A's audio */
    th_send(m.mod, "{\"ns\":\"chair\",\"action\":\"mute\",\"ids\":[\"%s\"]}", m.a_id);
    assert_false(rs_whisper_active(who(m.a_id)));
    assert_false(rs_chair_may_send(who(m.a_id), RS_CHAIR_MIC));
    json_t *e = th_expect(m.a, "whisper", "stopped");
    assert_string_equal(str(e, "reason"), "muted");
    json_decref(e);
    /* muted: a new whisper is refused and counted */
    uint64_t refused = rs_metric_get(RS_M_WHISPER_REFUSED_MUTED);
    start(m.a, m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "mic_restricted");
    assert_int_equal(rs_metric_get(RS_M_WHISPER_REFUSED_MUTED), refused + 1);
    assert_false(rs_whisper_active(who(m.a_id)));
    /* A unmutes itself (allowed after a plain mute): whispering works again */
    struct rs_msg_error err = {0};
    assert_int_equal(rs_chair_self_unmute(who(m.a_id), RS_CHAIR_MIC, &err), 0);
    start(m.a, m.group);
    assert_true(rs_whisper_active(who(m.a_id)));
    stop(m.a);
    /* under "speak only when allowed" A has not the word: no whisper either */
    th_send(m.mod, "{\"ns\":\"chair\",\"action\":\"restrict_mic\",\"enabled\":true}");
    th_drain(m.a);
    start(m.a, m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "mic_restricted");
    th_send(m.mod, "{\"ns\":\"chair\",\"action\":\"allow_mic\",\"id\":\"%s\",\"allowed\":true}",
            m.a_id);
    start(m.a, m.group);
    assert_true(rs_whisper_active(who(m.a_id)));
    assert_false(hears(m.c_id, m.a_id));
}

static void test_without_the_right_refused(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    group_of_a_and_b(&m);
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.mod_id);
    th_drain(m.a);
    th_drain(m.mod);
    uint64_t not_member = rs_metric_get(RS_M_WHISPER_REFUSED_NOT_MEMBER);
    /* C, outside the group */
    start(m.c, m.group);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_group_member");
    /* the moderator, only invited */
    start(m.mod, m.group);
    assert_string_equal(th_error_code(m.mod, "whisper"), "not_group_member");
    assert_int_equal(rs_metric_get(RS_M_WHISPER_REFUSED_NOT_MEMBER), not_member + 2);
    assert_true(hears(m.c_id, m.c_id) && hears(m.b_id, m.c_id) && hears(m.a_id, m.mod_id));
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.c_id);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_group_owner");
    /* B is a member, not the owner */
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.c_id);
    assert_string_equal(th_error_code(m.b, "whisper"), "not_group_owner");
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"remove\",\"group\":\"%s\",\"id\":\"%s\"}",
            m.group, m.a_id);
    assert_string_equal(th_error_code(m.b, "whisper"), "not_group_owner");
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", m.group);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_invited");
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"decline\",\"group\":\"%s\"}", m.group);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_invited");
    th_send(m.b, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", m.group);
    assert_string_equal(th_error_code(m.b, "whisper"), "not_invited"); /* a member already */
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"leave\",\"group\":\"%s\"}", m.group);
    assert_string_equal(th_error_code(m.c, "whisper"), "not_group_member");
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"allow\",\"allowed\":false}");
    assert_string_equal(th_error_code(m.c, "whisper"), "forbidden");
    /* unknown groups and bad fields */
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"leave\",\"group\":\"w999\"}");
    assert_string_equal(th_error_code(m.c, "whisper"), "not_found");
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"start\"}");
    assert_string_equal(th_error_code(m.c, "whisper"), "missing_field");
    th_send(m.a,
            "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"pnobody\"]}",
            m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "invalid_value");
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            m.group, m.b_id);
    assert_string_equal(th_error_code(m.a, "whisper"), "invalid_value"); /* a member already */
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[]}", m.group);
    assert_string_equal(th_error_code(m.a, "whisper"), "missing_field");
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"remove\",\"group\":\"%s\",\"id\":\"%s\"}",
            m.group, m.a_id);
    assert_string_equal(th_error_code(m.a, "whisper"), "invalid_value"); /* the owner itself */
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"create\",\"ids\":[\"%s\",\"%s\"]}", m.c_id,
            m.c_id);
    assert_string_equal(th_error_code(m.a, "whisper"), "invalid_value"); /* twice */
    /* nothing of it changed who hears whom, and no whisper runs */
    assert_false(rs_whisper_active(who(m.a_id)) || rs_whisper_active(who(m.b_id)) ||
                 rs_whisper_active(who(m.c_id)) || rs_whisper_active(who(m.mod_id)));
    assert_true(hears(m.c_id, m.a_id) && hears(m.mod_id, m.b_id) && hears(m.a_id, m.c_id));
    /* a connection that never joined */
    struct rs_session *outside = th_conn(NULL, NULL);
    start(outside, m.group);
    assert_string_equal(th_error_code(outside, "whisper"), "not_joined");
}

static void test_limits(void **state)
{
    (void)state;
    struct rs_session *owner = th_conn(NULL, NULL);
    th_join(owner, ROOM, "Owner");
    /* RS_WHISPER_GROUP_MAX - 1 others fit into one group with the owner, one more does not */
    enum { N = RS_WHISPER_GROUP_MAX };
    char ids[N][16];
    struct rs_session *s[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "P%d", i);
        s[i] = th_conn(NULL, NULL);
        snprintf(ids[i], sizeof(ids[i]), "%s", th_join(s[i], ROOM, name));
    }
    char list[N * 20] = "";
    for (int i = 0; i < N - 1; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"", i ? "," : "",
                 ids[i]);
    th_drain(owner);
    uint64_t limit = rs_metric_get(RS_M_WHISPER_REFUSED_LIMIT);
    th_send(owner, "{\"ns\":\"whisper\",\"action\":\"create\",\"ids\":[%s]}", list);
    json_t *e = th_expect(owner, "whisper", "group");
    char g[16];
    snprintf(g, sizeof(g), "%s", str(json_object_get(e, "group"), "id"));
    json_decref(e);
    th_send(owner, "{\"ns\":\"whisper\",\"action\":\"invite\",\"group\":\"%s\",\"ids\":[\"%s\"]}",
            g, ids[N - 1]);
    assert_string_equal(th_error_code(owner, "whisper"), "group_full");
    assert_int_equal(rs_metric_get(RS_M_WHISPER_REFUSED_LIMIT), limit + 1);
    /* groups per person: the owner has one; three more, then no fifth */
    for (int i = 1; i < RS_WHISPER_GROUPS_PER_PERSON; i++) {
        th_send(owner, "{\"ns\":\"whisper\",\"action\":\"create\",\"ids\":[\"%s\"]}", ids[N - 1]);
        json_decref(th_expect(owner, "whisper", "group"));
    }
    th_send(owner, "{\"ns\":\"whisper\",\"action\":\"create\"}");
    assert_string_equal(th_error_code(owner, "whisper"), "too_many_groups");
    /* the last one is invited to three groups; it may belong to at most four, its own included */
    struct rs_session *last = s[N - 1];
    th_send(last, "{\"ns\":\"whisper\",\"action\":\"create\"}");
    th_send(last, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"w2\"}");
    th_send(last, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"w3\"}");
    th_send(last, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"w4\"}");
    th_drain(last);
    th_send(last, "{\"ns\":\"whisper\",\"action\":\"create\"}");
    assert_string_equal(th_error_code(last, "whisper"), "too_many_groups");
    /* a name longer than the limit */
    th_send(s[0], "{\"ns\":\"whisper\",\"action\":\"create\",\"name\":\"%0*d\"}",
            RS_WHISPER_NAME_MAX_CHARS + 1, 0);
    assert_string_equal(th_error_code(s[0], "whisper"), "too_long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whisper_reaches_only_the_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes_stay_in_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_membership_changes_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decline_and_leaving_the_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moderator_forbids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chair_mute_cannot_be_whispered_around, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_without_the_right_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
