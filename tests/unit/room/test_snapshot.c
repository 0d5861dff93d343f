/* SPDX-License-Identifier: EUPL-1.2 */
/* Room snapshots (room/snapshot.c), without Redis: a meeting saved on one "node" (an app) and
 * restored on another through the registry's hooks, as a cluster's next owner does; the pages
 * resume with their tokens and find their roles, hands, the speakers' list with its running
 * turn, the chair's decisions and the session's chair. Then everything a snapshot from Redis
 * might be instead: refused, counted, nothing restored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "room/podium.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "signaling/session.h"
#include "../../support/snapshot_owner.h"

static struct rs_app one, two; /* the node that dies and the next owner */

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

/* the last "this room's audience may land on other nodes" (podium mode, docs/cluster.md
 * "Cascade") an app published, per app */
static int cascade_on[2] = {-1, -1};

static void owner_cascade_set(void *user, const char *room, bool on)
{
    cascade_on[(intptr_t)user] = on;
}

static void app_init(struct rs_app *app)
{
    memset(app, 0, sizeof(*app));
    rs_config_defaults(&app->cfg);
    app->rooms = rs_rooms_new(app);
    assert_non_null(app->rooms);
    app->room_owner = (struct rs_room_owner){.acquire = so_acquire,
                                             .snapshot_load = so_load,
                                             .snapshot_save = so_save,
                                             .cascade_set = owner_cascade_set,
                                             .user = (void *)(intptr_t)(app == &two)};
}

static void app_done(struct rs_app *app)
{
    while (app->sessions)
        rs_session_free(app->sessions);
    rs_rooms_free(app->rooms);
}

static int setup(void **state)
{
    app_init(&one);
    app_init(&two);
    so_forget();
    return 0;
}

static int teardown(void **state)
{
    app_done(&one);
    app_done(&two);
    so_forget();
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

static const char *str(json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

/* The first event `ns`/`event` in `s`'s queue (new reference), skipping others; or a failure. */
static json_t *expect(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = next(s))) {
        if (strcmp(str(j, "ns"), ns) == 0 && strcmp(str(j, "event"), event) == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no %s/%s", ns, event);
    return NULL;
}

static void drain(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s)))
        json_decref(j);
}

static void say(struct rs_session *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rs_session_on_message(s, msg, strlen(msg));
}

struct page {
    struct rs_session *s;
    char id[32];
    char token[80];
};

static void page_join(struct rs_app *app, struct page *p, const char *name, const char *resume,
                      json_t **joined)
{
    p->s = rs_session_new(app, &ops, NULL, "127.0.0.1");
    assert_non_null(p->s);
    drain(p->s);
    if (resume)
        say(p->s,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"snap\",\"display_name\":\"%s\","
            "\"resume\":\"%s\"}",
            name, resume);
    else
        say(p->s,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"snap\",\"display_name\":\"%s\"}",
            name);
    json_t *j = expect(p->s, "control", "joined");
    snprintf(p->id, sizeof(p->id), "%s", str(j, "id"));
    snprintf(p->token, sizeof(p->token), "%s", str(j, "resume_token"));
    say(p->s, "{\"ns\":\"control\",\"action\":\"ping\"}");
    if (joined)
        *joined = j;
    else
        json_decref(j);
}

static json_t *participant(json_t *joined, const char *id)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(joined, "participants"), i,
                       p) if (strcmp(str(p, "id"), id) == 0) return p;
    fail_msg("participant %s not in the list", id);
    return NULL;
}

/* A meeting with state on `one`, saved, and continued on `two`. */
static void test_round_trip(void **state)
{
    struct page m, p, q, r;
    page_join(&one, &m, "Mia", NULL, NULL); /* opens the ad-hoc room: moderator */
    page_join(&one, &p, "Paul", NULL, NULL);
    page_join(&one, &q, "Quinn", NULL, NULL);
    page_join(&one, &r, "Rosa", NULL, NULL);
    say(m.s, "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"moderator\"}",
        q.id);
    say(p.s, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    say(r.s, "{\"ns\":\"speakers\",\"action\":\"request\"}");
    say(p.s, "{\"ns\":\"speakers\",\"action\":\"request\",\"point_of_order\":true}");
    say(q.s, "{\"ns\":\"speakers\",\"action\":\"request\"}");
    say(m.s, "{\"ns\":\"speakers\",\"action\":\"settings\",\"time_limit_s\":120}");
    say(m.s, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", q.id); /* Q speaks */
    say(m.s, "{\"ns\":\"chair\",\"action\":\"lock\",\"locked\":true}");
    say(m.s,
        "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"chair\","
        "\"on\":true}",
        m.id);
    say(m.s, "{\"ns\":\"timer\",\"action\":\"start\",\"seconds\":600,\"label\":\"Pause\"}");
    json_t *tj = expect(p.s, "timer", "state");
    json_int_t ends = json_integer_value(json_object_get(json_object_get(tj, "timer"), "ends_at"));
    json_decref(tj);
    uint64_t written = rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_WRITTEN);
    rs_rooms_tick(one.rooms, rs_wall_ms() + 1000);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_WRITTEN), written + 1);
    assert_non_null(so_saved);
    /* the token itself is never in it, only its hash */
    assert_null(strstr(so_saved, p.token));
    /* nothing changed: not written again before the refresh */
    rs_rooms_tick(one.rooms, rs_wall_ms() + 2000);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_WRITTEN), written + 1);

    uint64_t restored = rs_metric_get(RS_M_CLUSTER_PARTICIPANTS_RESTORED);
    uint64_t reconnecting = rs_metric_get(RS_M_PARTICIPANTS_RECONNECTING);
    /* the first to arrive on the next owner is someone new: the room is rebuilt, and it is
     * locked there too */
    struct rs_session *x = rs_session_new(&two, &ops, NULL, "127.0.0.1");
    drain(x);
    say(x, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"snap\",\"display_name\":\"X\"}");
    json_t *err = expect(x, "control", "error");
    assert_string_equal(str(err, "code"), "meeting_locked");
    json_decref(err);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PARTICIPANTS_RESTORED), restored + 4);
    json_t *jp;
    struct page p2;
    page_join(&two, &p2, "Paul", p.token, &jp);
    assert_true(json_is_true(json_object_get(jp, "resumed")));
    assert_string_equal(p2.id, p.id);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PARTICIPANTS_RESTORED), restored + 4);
    /* three still away, reconnecting; Paul is back */
    assert_int_equal(rs_metric_get(RS_M_PARTICIPANTS_RECONNECTING), reconnecting + 3);
    assert_string_equal(str(participant(jp, m.id), "role"), "moderator");
    assert_string_equal(str(participant(jp, q.id), "role"), "moderator");
    assert_string_equal(str(participant(jp, p.id), "role"), "participant");
    assert_string_equal(str(participant(jp, m.id), "connection"), "reconnecting");
    assert_true(json_is_true(json_object_get(participant(jp, p.id), "hand_raised")));
    assert_false(json_is_true(json_object_get(participant(jp, r.id), "hand_raised")));
    assert_true(json_is_true(json_object_get(participant(jp, m.id), "session_chair")));
    json_t *sp = json_object_get(jp, "speakers");
    json_t *queue = json_object_get(sp, "queue");
    assert_int_equal(json_array_size(queue), 2);
    assert_string_equal(str(json_array_get(queue, 0), "id"), p.id); /* the point of order first */
    assert_true(json_is_true(json_object_get(json_array_get(queue, 0), "point_of_order")));
    assert_string_equal(str(json_array_get(queue, 1), "id"), r.id);
    assert_string_equal(str(json_object_get(sp, "speaker"), "id"), q.id);
    assert_int_equal(json_integer_value(json_object_get(sp, "time_limit_s")), 120);
    /* the break's countdown goes on with the same end */
    json_t *timer = json_object_get(jp, "timer");
    assert_string_equal(str(timer, "label"), "Pause");
    assert_int_equal(json_integer_value(json_object_get(timer, "ends_at")), ends);
    json_t *chair = json_object_get(jp, "chair");
    if (chair) /* the chair's state as the welcome shows it */
        assert_true(json_is_true(json_object_get(chair, "locked")));
    json_decref(jp);

    /* the others resume too */
    json_t *jm;
    struct page m2;
    page_join(&two, &m2, "Mia", m.token, &jm);
    assert_true(json_is_true(json_object_get(jm, "resumed")));
    assert_string_equal(m2.id, m.id);
    json_decref(jm);
}

/* Podium mode and who the chair called up come back: the audience cannot publish on the next
 * owner either, the called-up member is on stage, and the next owner publishes the room for
 * other nodes' audiences. */
static void test_podium(void **state)
{
    struct page m, a, s;
    page_join(&one, &m, "Mia", NULL, NULL); /* moderator: on stage */
    page_join(&one, &a, "Anna", NULL, NULL);
    page_join(&one, &s, "Sven", NULL, NULL);
    say(m.s, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
    say(m.s, "{\"ns\":\"podium\",\"action\":\"call_up\",\"participant\":\"%s\"}", s.id);
    say(a.s, "{\"ns\":\"podium\",\"action\":\"ask\",\"text\":\"Wann?\"}");
    rs_rooms_tick(one.rooms, rs_wall_ms() + 1000);
    assert_non_null(strstr(so_saved, "\"podium\""));
    assert_null(strstr(so_saved, "Wann?")); /* questions are meeting content: not in Redis */

    cascade_on[1] = -1;
    json_t *ja, *js;
    struct page a2, s2;
    page_join(&two, &a2, "Anna", a.token, &ja);
    assert_true(json_is_true(json_object_get(ja, "resumed")));
    json_t *pod = json_object_get(ja, "podium");
    assert_true(json_is_true(json_object_get(pod, "on")));
    assert_false(json_is_true(json_object_get(pod, "you_on_stage")));
    json_decref(ja);
    assert_int_equal(cascade_on[1], 1);
    page_join(&two, &s2, "Sven", s.token, &js);
    pod = json_object_get(js, "podium");
    assert_true(json_is_true(json_object_get(pod, "on")));
    assert_true(json_is_true(json_object_get(pod, "you_on_stage")));
    json_decref(js);
    /* the rule the media plane asks */
    struct rs_room *room = rs_rooms_find(two.rooms, "snap");
    assert_non_null(room);
    assert_false(rs_podium_may_publish(rs_room_participant(room, a.id)));
    assert_true(rs_podium_may_publish(rs_room_participant(room, s.id)));
}

/* The snapshot as the new owner finds it: every malformed base refuses the whole snapshot,
 * counted, and leaves the room empty. */
static void test_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{\"v\":2,\"room\":\"snap\",\"participants\":[]}",
        "{\"v\":1,\"room\":\"other\",\"participants\":[]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":{}}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[1]}",
        /* a participant id of the wrong shape, a name with a control character, an unknown
         * role, a repeated id, a user id on a guest, a resume hash that is not 64 hex */
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"p1\",\"name\":\"A\",\"role\":"
        "\"participant\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":"
        "\"A\\u0001\","
        "\"role\":\"participant\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"king\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"guest\",\"access\":0,\"joined_at\":1},{\"id\":\"pabcdefghijk\",\"name\":\"B\","
        "\"role\":\"guest\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"guest\",\"user\":\"u1\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"guest\",\"access\":0,\"joined_at\":1,\"resume\":\"abc\"}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"guest\",\"access\":0,\"joined_at\":-5}]}",
        "{\"v\":1,\"room\":\"snap\",\"participants\":[],\"f\":[]}",
        "{\"v\":1,\"v\":1,\"room\":\"snap\",\"participants\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        so_put(bad[i]);
        uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
        struct page p;
        json_t *j;
        page_join(&two, &p, "Paul", NULL, &j);
        if (json_array_size(json_object_get(j, "participants")) != 1)
            fail_msg("snapshot %zu restored someone", i);
        json_decref(j);
        if (rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS) != errors + 1)
            fail_msg("snapshot %zu not counted", i);
        say(p.s, "{\"ns\":\"control\",\"action\":\"leave\"}");
        rs_session_free(p.s);
        assert_int_equal(rs_rooms_count(two.rooms), 0);
    }
    /* larger than the limit: refused before parsing */
    struct rs_room room;
    memset(&room, 0, sizeof(room));
    room.app = &two;
    snprintf(room.id, sizeof(room.id), "snap");
    char *big = malloc(RS_SNAPSHOT_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, ' ', RS_SNAPSHOT_MAX_BYTES + 1);
    big[RS_SNAPSHOT_MAX_BYTES + 1] = 0;
    uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
    assert_int_equal(rs_room_snapshot_restore(&room, big, RS_SNAPSHOT_MAX_BYTES + 1, 0), -EBADMSG);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS), errors + 1);
    free(big);
}

/* A feature's part that is malformed is dropped alone: the participant comes back without it. */
static void test_bad_part(void **state)
{
    const char *s = "{\"v\":1,\"room\":\"snap\",\"participants\":[{\"id\":\"pabcdefghijk\","
                    "\"name\":\"Anna\",\"role\":\"participant\",\"access\":0,\"joined_at\":1,"
                    "\"f\":{\"hand\":{\"raised_at\":\"soon\"}}}],"
                    "\"f\":{\"speakers\":{\"queue\":7},"
                    "\"timer\":{\"label\":\"Pause\",\"started\":1000,\"ends\":5000},"
                    "\"podium\":{\"on\":\"yes\"}}}";
    so_put(s);
    uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
    struct page p;
    json_t *j;
    page_join(&two, &p, "Paul", NULL, &j);
    assert_int_equal(json_array_size(json_object_get(j, "participants")), 2);
    assert_false(json_is_true(json_object_get(participant(j, "pabcdefghijk"), "hand_raised")));
    assert_true(json_is_null(json_object_get(j, "timer"))); /* shorter than a timer can be */
    assert_false(json_is_true(json_object_get(json_object_get(j, "podium"), "on")));
    json_decref(j);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS), errors + 4);
}

/* Restored participants who never come back leave after the resume grace, as on one node. */
static void test_restored_expire(void **state)
{
    struct page m;
    page_join(&one, &m, "Mia", NULL, NULL);
    rs_rooms_tick(one.rooms, rs_wall_ms() + 1000);
    struct page p;
    page_join(&two, &p, "Paul", NULL, NULL);
    struct rs_room *room = rs_rooms_find(two.rooms, "snap");
    assert_non_null(room);
    assert_int_equal(room->count, 2);
    rs_rooms_tick(two.rooms, rs_wall_ms() + (int64_t)two.cfg.resume_grace_s * 1000 + 1000);
    assert_int_equal(room->count, 1);
    json_t *left = expect(p.s, "control", "participant_left");
    assert_string_equal(str(left, "id"), m.id);
    assert_string_equal(str(left, "reason"), "timeout");
    json_decref(left);
}

/* The largest room (max_participants' limit) restores, one more is refused. */
static void test_large(void **state)
{
    for (int extra = 0; extra < 2; extra++) {
        size_t n = RS_SNAPSHOT_MAX_PARTICIPANTS + extra;
        size_t cap = 64 + n * 120;
        char *buf = malloc(cap);
        assert_non_null(buf);
        size_t at = (size_t)snprintf(buf, cap, "{\"v\":1,\"room\":\"snap\",\"participants\":[");
        for (size_t i = 0; i < n; i++)
            at +=
                (size_t)snprintf(buf + at, cap - at,
                                 "%s{\"id\":\"p%011zu\",\"name\":\"N%zu\",\"role\":\"participant\","
                                 "\"access\":0,\"joined_at\":1}",
                                 i ? "," : "", i, i);
        at += (size_t)snprintf(buf + at, cap - at, "]}");
        struct rs_room room;
        memset(&room, 0, sizeof(room));
        room.app = &two;
        snprintf(room.id, sizeof(room.id), "snap");
        int rc = rs_room_snapshot_restore(&room, buf, at, rs_wall_ms());
        if (extra) {
            assert_int_equal(rc, -EBADMSG);
        } else {
            assert_int_equal(rc, (int)n);
            assert_int_equal(room.count, n);
            size_t len;
            char *again = rs_room_snapshot_save(&room, rs_wall_ms(), &len);
            assert_non_null(again);
            assert_true(len <= RS_SNAPSHOT_MAX_BYTES);
            free(again);
            /* the registry does not know this room: free its participants as rs_rooms_free */
            while (room.head) {
                struct rs_participant *p = room.head;
                room.head = p->next;
                rs_metric_dec(RS_M_PARTICIPANTS);
                rs_metric_dec(RS_M_ROLE_PARTICIPANTS);
                rs_metric_dec(RS_M_PARTICIPANTS_RECONNECTING);
                free(p);
            }
        }
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_podium, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restored_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
