/* SPDX-License-Identifier: EUPL-1.2 */
/* Every moderator, owner and chair action of every served feature, sent by someone who is not
 * a moderator (a signed-in participant, a guest), is refused with `forbidden`, and nothing
 * changes: the moderator is told nothing and the sender's own state is what it was.
 *
 * The test walks the feature tables themselves, so an action added later with a privileged
 * `need` is covered without editing this file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "room/room.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "hauptausschuss";
static struct rs_user_record chair_user, member_user;

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_ON, "rs-forbidden"))
        return -1;
    /* one session sends every privileged action at once: more than the default burst */
    th_app.cfg.rate_per_s = 1000;
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

/* Needs above "in the room": whatever a moderator, an owner or a chair holds. */
static bool privileged(enum rs_need need)
{
    return need != RS_NEED_CONNECTED && need != RS_NEED_PRESENT && need != RS_NEED_JOINED;
}

/* The participant's description as everyone sees it, as compact JSON (static buffer). */
static const char *described(const char *id)
{
    static char buf[4096];
    struct rs_participant *p = rs_room_participant(rs_rooms_find(th_app.rooms, ROOM), id);
    assert_non_null(p);
    json_t *j = rs_participant_json(p);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(buf, sizeof(buf), "%s", s);
    free(s);
    json_decref(j);
    return buf;
}

/* Sends every privileged action of every feature from `s` (id `id`); each must be refused with
 * `forbidden` in the action's namespace, and `watch` (the moderator) must hear nothing. Returns
 * how many actions were tried. */
static unsigned refuse_all(struct rs_session *s, const char *id, struct rs_session *watch)
{
    const struct rs_features *fs = rs_rooms_features(th_app.rooms);
    unsigned tried = 0;
    char before[4096];
    snprintf(before, sizeof(before), "%s", described(id));
    for (unsigned i = 0; i < fs->count; i++) {
        const struct rs_feature *f = fs->list[i];
        for (const struct rs_action *a = f->actions; a && a->name; a++) {
            if (!privileged(a->need))
                continue;
            /* no fields at all: the role is checked before any field (protocol.md "The order
             * of checks"), so a missing field must not be what refuses it */
            th_send(s, "{\"ns\":\"%s\",\"action\":\"%s\",\"ref\":\"t%u\"}", f->ns, a->name, tried);
            json_t *e = th_expect(s, f->ns, "error");
            const char *code = json_string_value(json_object_get(e, "code"));
            if (!code || strcmp(code, "forbidden") != 0)
                fail_msg("%s/%s from a non-moderator: %s, not forbidden", f->ns, a->name,
                         code ? code : "(no code)");
            json_decref(e);
            tried++;
        }
    }
    /* nothing reached the moderator, and the sender is described as before */
    json_t *j = th_next(watch);
    if (j) {
        char *dump = json_dumps(j, JSON_COMPACT);
        fail_msg("the moderator was told something: %s", dump);
    }
    assert_string_equal(described(id), before);
    return tried;
}

static void test_participant_and_guest_refused_everything(void **state)
{
    (void)state;
    struct rs_session *chair = th_conn(&chair_user, NULL);
    const char *chair_id = th_join(chair, ROOM, "Vorsitz");
    struct rs_session *member = th_conn(&member_user, NULL);
    const char *member_id = th_join(member, ROOM, "Mitglied");
    struct rs_session *guest = th_conn(NULL, NULL);
    const char *guest_id = th_join(guest, ROOM, "Gast");
    /* the first one in is the anonymous room's moderator; the others are not */
    assert_non_null(strstr(described(chair_id), "\"role\":\"moderator\""));
    assert_non_null(strstr(described(member_id), "\"role\":\"participant\""));
    th_send(chair,
            "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"guest\"}",
            guest_id);
    th_drain(chair);
    th_drain(member);
    th_drain(guest);
    assert_non_null(strstr(described(guest_id), "\"role\":\"guest\""));

    unsigned n = refuse_all(member, member_id, chair);
    /* the tables are really walked: chair, speakers, vote, poll, timer, lobby, moderation, chat
     * each have privileged actions */
    assert_true(n >= 30);
    assert_int_equal(refuse_all(guest, guest_id, chair), n);
    th_drain(member);
    th_drain(guest);

    /* the same messages from the moderator are not refused for its role (some fail for missing
     * fields; none with forbidden) */
    const struct rs_features *fs = rs_rooms_features(th_app.rooms);
    for (unsigned i = 0; i < fs->count; i++)
        for (const struct rs_action *a = fs->list[i]->actions; a && a->name; a++) {
            if (!privileged(a->need) || a->need == RS_NEED_OWNER)
                continue;
            if (strcmp(fs->list[i]->ns, "moderation") == 0 && strcmp(a->name, "end") == 0)
                continue; /* would end the meeting: it takes no fields */
            th_send(chair, "{\"ns\":\"%s\",\"action\":\"%s\"}", fs->list[i]->ns, a->name);
            json_t *j;
            while ((j = th_next(chair))) {
                const char *code = json_string_value(json_object_get(j, "code"));
                if (code && strcmp(code, "forbidden") == 0)
                    fail_msg("%s/%s from the moderator: forbidden", fs->list[i]->ns, a->name);
                json_decref(j);
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_participant_and_guest_refused_everything, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
