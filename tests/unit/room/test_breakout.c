/* SPDX-License-Identifier: EUPL-1.2 */
/* Breakout rooms over a fake transport: opening (by hand, at random, by choice), moving,
 * visiting, broadcasting, closing by hand and when the time is up; who may receive whom
 * (rs_breakout_allows, which sfu/visibility.c ANDs into every subscription) within and across
 * places and for a sub-room hearing the plenary speaker; the plenary speaker following the floor
 * and the active speaker; a member leaving; room chat scoped to the sender's place; and every
 * refusal with its code, changing nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "room/audio_routes.h"
#include "room/breakout.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *ROOM = "landesparteitag";

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_ON, "rs-breakout"))
        return -1;
    th_app.cfg.rate_per_s = 1000; /* the refusals test sends many messages at once */
    return 0;
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

static bool hears(const char *listener, const char *speaker)
{
    return rs_breakout_allows(room(), who(listener), who(speaker), true);
}

static bool sees(const char *listener, const char *speaker)
{
    return rs_breakout_allows(room(), who(listener), who(speaker), false);
}

static const char *str(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* The chair (first in: the moderator of the anonymous room), A, B and C. */
struct meeting {
    struct rs_session *chair, *a, *b, *c;
    char chair_id[16], a_id[16], b_id[16], c_id[16];
};

static void drain_all(struct meeting *m)
{
    th_drain(m->chair);
    th_drain(m->a);
    th_drain(m->b);
    th_drain(m->c);
}

static void enter(struct rs_session **s, char *id, const char *name)
{
    *s = th_conn(NULL, NULL);
    snprintf(id, 16, "%s", th_join(*s, ROOM, name));
}

static void open_meeting(struct meeting *m)
{
    enter(&m->chair, m->chair_id, "Vorsitz");
    enter(&m->a, m->a_id, "Anna");
    enter(&m->b, m->b_id, "Bernd");
    enter(&m->c, m->c_id, "Clara");
    drain_all(m);
}

static const char *const TWO_ROOMS =
    "[{\"name\":\"Fraktion A\",\"hear_plenary\":true},{\"name\":\"Fraktion B\"}]";

static void open_rooms(struct rs_session *s, const char *rooms, const char *mode, int duration)
{
    th_send(s,
            "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":%s,\"mode\":\"%s\","
            "\"duration_s\":%d}",
            rooms, mode, duration);
}

static void assign(struct rs_session *s, const char *id, int room)
{
    th_send(s, "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"%s\",\"room\":%d}", id,
            room);
}

/* Breakout open in mode manual with TWO_ROOMS, A in room 1, B in room `b_room`; queues
 * drained. */
static void split(struct meeting *m, int b_room)
{
    open_rooms(m->chair, TWO_ROOMS, "manual", 0);
    assign(m->chair, m->a_id, 1);
    assign(m->chair, m->b_id, b_room);
    drain_all(m);
}

/* The ids listed in `key` of sub-room `id` of a state event, comma-separated (static). */
static const char *listed(json_t *state, int id, const char *key)
{
    static char out[256];
    out[0] = 0;
    json_t *r = json_array_get(json_object_get(state, "rooms"), (size_t)id - 1);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, key), i, v)
    {
        size_t n = strlen(out);
        snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "", json_string_value(v));
    }
    return out;
}

/* `breakout_room` in `id`'s description: -1 when absent. */
static int described_place(const char *id)
{
    json_t *j = rs_participant_json(who(id));
    json_t *v = json_object_get(j, "breakout_room");
    int place = v ? (int)json_integer_value(v) : -1;
    json_decref(j);
    return place;
}

static void test_open_assign_close(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t opened = rs_metric_get(RS_M_BREAKOUT_OPENED);
    uint64_t gauge = rs_metric_get(RS_M_BREAKOUT_ROOMS);
    uint64_t moves = rs_metric_get(RS_M_BREAKOUT_MOVES);
    uint64_t closed = rs_metric_get(RS_M_BREAKOUT_CLOSED);

    open_rooms(m.chair, TWO_ROOMS, "manual", 0);
    json_t *e = th_last(m.c, "breakout", "state");
    assert_true(json_is_true(json_object_get(e, "open")));
    assert_string_equal(str(e, "mode"), "manual");
    assert_true(json_is_null(json_object_get(e, "ends_at")));
    assert_true(json_is_null(json_object_get(e, "plenary_speaker")));
    json_t *rooms = json_object_get(e, "rooms");
    assert_int_equal(json_array_size(rooms), 2);
    assert_string_equal(str(json_array_get(rooms, 0), "name"), "Fraktion A");
    assert_true(json_is_true(json_object_get(json_array_get(rooms, 0), "hear_plenary")));
    assert_string_equal(str(json_array_get(rooms, 1), "name"), "Fraktion B");
    assert_true(json_is_false(json_object_get(json_array_get(rooms, 1), "hear_plenary")));
    assert_string_equal(listed(e, 1, "members"), ""); /* manual: everyone stays */
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_OPENED), opened + 1);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_ROOMS), gauge + 2);
    assert_true(hears(m.a_id, m.b_id));
    assert_int_equal(described_place(m.a_id), 0);

    /* A to room 1, B to room 2: they no longer receive each other, nor the plenary */
    assign(m.chair, m.a_id, 1);
    assign(m.chair, m.b_id, 2);
    e = th_last(m.b, "breakout", "state");
    assert_string_equal(listed(e, 1, "members"), m.a_id);
    assert_string_equal(listed(e, 2, "members"), m.b_id);
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_MOVES), moves + 2);
    assert_int_equal(rs_breakout_place(who(m.a_id)), 1);
    assert_int_equal(rs_breakout_place(who(m.b_id)), 2);
    assert_int_equal(rs_breakout_place(who(m.c_id)), 0);
    assert_int_equal(described_place(m.a_id), 1);
    assert_false(hears(m.a_id, m.b_id));
    assert_false(sees(m.a_id, m.b_id));
    assert_false(hears(m.c_id, m.a_id));
    assert_false(sees(m.a_id, m.chair_id));
    /* the plenary goes on */
    assert_true(hears(m.c_id, m.chair_id));
    assert_true(sees(m.chair_id, m.c_id));

    /* a second one in room 1 receives A */
    assign(m.chair, m.c_id, 1);
    assert_true(hears(m.c_id, m.a_id));
    assert_true(sees(m.a_id, m.c_id));

    /* someone joining now lands in the plenary and is told the state */
    struct rs_session *d = th_conn(NULL, NULL);
    th_send(d, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Dora\"}",
            ROOM);
    e = th_expect(d, "control", "joined");
    json_t *bo = json_object_get(e, "breakout");
    assert_true(json_is_true(json_object_get(bo, "open")));
    assert_string_equal(listed(bo, 2, "members"), m.b_id);
    char d_id[16];
    snprintf(d_id, sizeof(d_id), "%s", str(e, "id"));
    json_decref(e);
    assert_int_equal(rs_breakout_place(who(d_id)), 0);
    assert_true(hears(d_id, m.chair_id));
    assert_false(hears(d_id, m.b_id));

    /* back to the plenary by hand */
    assign(m.chair, m.c_id, 0);
    assert_int_equal(rs_breakout_place(who(m.c_id)), 0);
    assert_true(hears(m.c_id, m.chair_id));
    drain_all(&m);

    /* close: everyone is back, everyone receives everyone */
    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"close\"}");
    e = th_last(m.a, "breakout", "state");
    assert_true(json_is_false(json_object_get(e, "open")));
    assert_string_equal(str(e, "reason"), "closed");
    assert_null(json_object_get(e, "rooms"));
    json_decref(e);
    assert_int_equal(rs_breakout_place(who(m.a_id)), 0);
    assert_true(hears(m.a_id, m.b_id));
    assert_true(sees(m.c_id, m.b_id));
    assert_int_equal(described_place(m.a_id), -1);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_ROOMS), gauge);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_CLOSED), closed + 1);

    /* and it can be opened again */
    open_rooms(m.chair, "[{\"name\":\"Nochmal\"}]", "manual", 0);
    e = th_last(m.a, "breakout", "state");
    assert_true(json_is_true(json_object_get(e, "open")));
    assert_int_equal(json_array_size(json_object_get(e, "rooms")), 1);
    json_decref(e);
}

static void test_random_spreads_everyone_but_the_chair(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    struct rs_session *d;
    char d_id[16];
    enter(&d, d_id, "Dora");
    drain_all(&m);
    uint64_t moves = rs_metric_get(RS_M_BREAKOUT_MOVES);
    open_rooms(m.chair, TWO_ROOMS, "random", 0);
    json_t *e = th_last(m.a, "breakout", "state");
    assert_string_equal(str(e, "mode"), "random");
    json_t *rooms = json_object_get(e, "rooms");
    /* four participants over two rooms: two each */
    assert_int_equal(json_array_size(json_object_get(json_array_get(rooms, 0), "members")), 2);
    assert_int_equal(json_array_size(json_object_get(json_array_get(rooms, 1), "members")), 2);
    json_decref(e);
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_MOVES), moves + 4);
    assert_int_equal(rs_breakout_place(who(m.chair_id)), 0);
    const char *ids[] = {m.a_id, m.b_id, m.c_id, d_id};
    for (unsigned i = 0; i < 4; i++) {
        int place = rs_breakout_place(who(ids[i]));
        assert_true(place == 1 || place == 2);
        assert_false(hears(ids[i], m.chair_id)); /* the chair stayed in the plenary */
    }
}

static void test_choose(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    open_rooms(m.chair, TWO_ROOMS, "choose", 0);
    drain_all(&m);
    th_send(m.a, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":2}");
    json_t *e = th_last(m.b, "breakout", "state");
    assert_string_equal(listed(e, 2, "members"), m.a_id);
    json_decref(e);
    th_send(m.b, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":2}");
    assert_true(hears(m.a_id, m.b_id));
    assert_false(hears(m.c_id, m.b_id));
    /* a room that is not there */
    th_drain(m.a);
    th_send(m.a, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":3}");
    json_t *err = th_expect(m.a, "breakout", "error");
    assert_string_equal(str(err, "code"), "invalid_value");
    assert_string_equal(str(err, "field"), "room");
    json_decref(err);
    assert_int_equal(rs_breakout_place(who(m.a_id)), 2);
    /* and back to the plenary */
    th_send(m.a, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":0}");
    assert_int_equal(rs_breakout_place(who(m.a_id)), 0);
    assert_true(hears(m.c_id, m.a_id));
}

static void test_visit_and_broadcast(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    split(&m, 2);

    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"visit\",\"room\":1}");
    json_t *e = th_last(m.c, "breakout", "state");
    assert_string_equal(listed(e, 1, "members"), m.a_id);
    assert_string_equal(listed(e, 1, "visitors"), m.chair_id);
    json_decref(e);
    /* seen and heard by room 1 only, and sees room 1 */
    assert_true(hears(m.a_id, m.chair_id));
    assert_true(sees(m.chair_id, m.a_id));
    assert_false(hears(m.c_id, m.chair_id));
    assert_false(hears(m.b_id, m.chair_id));
    assert_false(hears(m.chair_id, m.c_id));

    /* a broadcast reaches every place */
    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"broadcast\",\"text\":\"5 Minuten\"}");
    struct rs_session *all[] = {m.chair, m.a, m.b, m.c};
    for (unsigned i = 0; i < 4; i++) {
        e = th_expect(all[i], "breakout", "message");
        assert_string_equal(str(e, "text"), "5 Minuten");
        assert_string_equal(str(e, "from"), m.chair_id);
        assert_string_equal(str(e, "from_name"), "Vorsitz");
        json_decref(e);
    }

    /* back to the plenary */
    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"visit\",\"room\":0}");
    e = th_last(m.a, "breakout", "state");
    assert_string_equal(listed(e, 1, "visitors"), "");
    json_decref(e);
    assert_true(hears(m.c_id, m.chair_id));
    assert_false(hears(m.a_id, m.chair_id));
}

static void test_timeout_calls_everyone_back(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t timeouts = rs_metric_get(RS_M_BREAKOUT_TIMEOUTS);
    int64_t before = rs_wall_ms();
    open_rooms(m.chair, TWO_ROOMS, "manual", 60);
    json_t *e = th_last(m.a, "breakout", "state");
    int64_t ends_at = json_integer_value(json_object_get(e, "ends_at"));
    json_decref(e);
    assert_true(ends_at >= before + 60000 && ends_at <= rs_wall_ms() + 60000);
    assign(m.chair, m.a_id, 1);
    drain_all(&m);

    rs_rooms_tick(th_app.rooms, ends_at - 1);
    assert_false(th_got(m.a, "breakout", "state"));
    assert_int_equal(rs_breakout_place(who(m.a_id)), 1);

    rs_rooms_tick(th_app.rooms, ends_at);
    e = th_last(m.b, "breakout", "state");
    assert_true(json_is_false(json_object_get(e, "open")));
    assert_string_equal(str(e, "reason"), "timeout");
    json_decref(e);
    assert_int_equal(rs_breakout_place(who(m.a_id)), 0);
    assert_true(hears(m.b_id, m.a_id));
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_TIMEOUTS), timeouts + 1);
    /* once */
    rs_rooms_tick(th_app.rooms, ends_at + 1000);
    assert_false(th_got(m.b, "breakout", "state"));
}

/* The last breakout/plenary_speaker queued for `s`: its participant or "" (null); NULL when
 * none was sent. */
static const char *speaker_event(struct rs_session *s)
{
    static char id[16];
    json_t *j, *last = NULL;
    while ((j = th_next(s))) {
        if (th_is(j, "breakout", "plenary_speaker")) {
            json_decref(last);
            last = j;
        } else {
            json_decref(j);
        }
    }
    if (!last)
        return NULL;
    snprintf(id, sizeof(id), "%s",
             json_is_string(json_object_get(last, "participant")) ? str(last, "participant") : "");
    json_decref(last);
    return id;
}

static void test_hear_plenary(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    split(&m, 2); /* room 1 hears the plenary, room 2 not */
    /* nobody speaks in the plenary yet: nothing crosses */
    assert_false(hears(m.a_id, m.chair_id));
    assert_false(hears(m.a_id, m.c_id));

    /* the chair speaks: room 1 hears it (audio only), room 2 does not */
    rs_breakout_note_active_speaker(who(m.chair_id));
    assert_string_equal(speaker_event(m.b), m.chair_id);
    drain_all(&m);
    assert_true(hears(m.a_id, m.chair_id));
    assert_false(sees(m.a_id, m.chair_id));
    assert_false(hears(m.b_id, m.chair_id));
    assert_false(hears(m.a_id, m.c_id)); /* not the speaker */
    /* the plenary does not hear a sub-room's speaker, and it does not become the plenary's */
    rs_breakout_note_active_speaker(who(m.a_id));
    assert_null(speaker_event(m.c));
    assert_false(hears(m.c_id, m.a_id));
    assert_true(hears(m.a_id, m.chair_id));

    /* the floor holder of the speakers' list wins over the active speaker */
    th_send(m.chair, "{\"ns\":\"speakers\",\"action\":\"give\",\"id\":\"%s\"}", m.c_id);
    assert_string_equal(speaker_event(m.a), m.c_id);
    assert_true(hears(m.a_id, m.c_id));
    assert_false(hears(m.a_id, m.chair_id));
    json_t *e = th_last(m.chair, "speakers", "state");
    json_decref(e);
    /* ... unless it is in a sub-room itself: then the plenary's last active speaker */
    assign(m.chair, m.c_id, 2);
    e = th_last(m.a, "breakout", "state");
    assert_string_equal(str(e, "plenary_speaker"), m.chair_id);
    json_decref(e);
    assert_true(hears(m.a_id, m.chair_id));
    assert_false(hears(m.a_id, m.c_id));

    /* room 2 switched on */
    th_send(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"set_hear_plenary\",\"room\":2,\"on\":true}");
    e = th_last(m.b, "breakout", "state");
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(e, "rooms"), 1), "hear_plenary")));
    json_decref(e);
    assert_true(hears(m.b_id, m.chair_id));
    assert_false(sees(m.b_id, m.chair_id));
}

static void test_member_leaving(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t gauge = rs_metric_get(RS_M_BREAKOUT_ROOMS);
    split(&m, 1);
    th_send(m.a, "{\"ns\":\"control\",\"action\":\"leave\"}");
    json_t *e = th_last(m.chair, "breakout", "state");
    assert_true(json_is_true(json_object_get(e, "open")));
    assert_string_equal(listed(e, 1, "members"), m.b_id);
    json_decref(e);
    assert_int_equal(rs_breakout_place(who(m.b_id)), 1);
    /* the last one out: the room goes, and its open sub-rooms with it */
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_ROOMS), gauge + 2);
    struct rs_session *rest[] = {m.b, m.c, m.chair};
    for (unsigned i = 0; i < 3; i++)
        th_send(rest[i], "{\"ns\":\"control\",\"action\":\"leave\"}");
    assert_null(room());
    assert_int_equal(rs_metric_get(RS_M_BREAKOUT_ROOMS), gauge);
}

/* A whisper does not cross places: both rules must allow (the SFU ANDs them). The chair (the
 * plenary speaker) whispers to a group with A (room 1, which hears the plenary) and C (the
 * plenary): the audio routes let A and C hear it, breakout only C. */
static void test_whisper_does_not_cross_places(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    split(&m, 2);
    rs_breakout_note_active_speaker(who(m.chair_id));
    assert_true(hears(m.a_id, m.chair_id)); /* room 1 hears the plenary speaker */
    th_send(m.chair, "{\"ns\":\"whisper\",\"action\":\"create\",\"ids\":[\"%s\",\"%s\"]}", m.a_id,
            m.c_id);
    json_t *e = th_expect(m.chair, "whisper", "group");
    char group[16];
    snprintf(group, sizeof(group), "%s", str(json_object_get(e, "group"), "id"));
    json_decref(e);
    th_send(m.a, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", group);
    th_send(m.c, "{\"ns\":\"whisper\",\"action\":\"accept\",\"group\":\"%s\"}", group);
    th_send(m.chair, "{\"ns\":\"whisper\",\"action\":\"start\",\"group\":\"%s\"}", group);
    assert_true(rs_audio_route_allows(room(), who(m.a_id), who(m.chair_id)));
    assert_true(rs_audio_route_allows(room(), who(m.c_id), who(m.chair_id)));
    assert_false(rs_audio_route_allows(room(), who(m.b_id), who(m.chair_id)));
    assert_false(hears(m.a_id, m.chair_id)); /* another place: not even to the group */
    assert_true(hears(m.c_id, m.chair_id));  /* the same place */
    /* the key released: room 1 hears the plenary speaker again */
    th_send(m.chair, "{\"ns\":\"whisper\",\"action\":\"stop\"}");
    assert_true(hears(m.a_id, m.chair_id));
}

/* Whether a chat/message with `text` is queued for `s` (consumes everything); its
 * breakout_room in *place. */
static bool got_chat(struct rs_session *s, const char *text, int *place)
{
    json_t *j;
    bool found = false;
    while ((j = th_next(s))) {
        if (th_is(j, "chat", "message") && strcmp(str(j, "text"), text) == 0) {
            found = true;
            json_t *br = json_object_get(j, "breakout_room");
            *place = br ? (int)json_integer_value(br) : -1;
        }
        json_decref(j);
    }
    return found;
}

static void test_chat_scoped_to_the_place(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    split(&m, 1);
    assign(m.chair, m.c_id, 2);
    drain_all(&m);
    int place = -2;

    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"nur Fraktion A\"}");
    assert_true(got_chat(m.a, "nur Fraktion A", &place));
    assert_int_equal(place, 1);
    assert_true(got_chat(m.b, "nur Fraktion A", &place));
    assert_false(got_chat(m.c, "nur Fraktion A", &place));
    assert_false(got_chat(m.chair, "nur Fraktion A", &place));

    th_send(m.chair, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"Plenum\"}");
    assert_true(got_chat(m.chair, "Plenum", &place));
    assert_int_equal(place, 0);
    assert_false(got_chat(m.a, "Plenum", &place));
    assert_false(got_chat(m.c, "Plenum", &place));

    /* private messages cross places */
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"privat\",\"to\":\"%s\"}", m.c_id);
    assert_true(got_chat(m.c, "privat", &place));
    assert_int_equal(place, -1);

    /* after the close: the plenary's history only, and chat reaches everyone again */
    th_send(m.chair, "{\"ns\":\"breakout\",\"action\":\"close\"}");
    struct rs_session *d = th_conn(NULL, NULL);
    th_send(d, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Dora\"}",
            ROOM);
    json_t *e = th_expect(d, "control", "joined");
    json_t *history = json_object_get(e, "chat");
    assert_int_equal(json_array_size(history), 1);
    assert_string_equal(str(json_array_get(history, 0), "text"), "Plenum");
    json_decref(e);
    drain_all(&m);
    th_send(m.a, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"alle\"}");
    assert_true(got_chat(m.c, "alle", &place));
    assert_int_equal(place, -1);
    assert_true(got_chat(m.chair, "alle", &place));
}

/* Sends `msg` from `s` and expects the error `code` in breakout. */
static void refused(struct rs_session *s, const char *msg, const char *code, const char *field)
{
    th_send(s, "%s", msg);
    json_t *e = th_expect(s, "breakout", "error");
    assert_string_equal(str(e, "code"), code);
    if (field)
        assert_string_equal(str(e, "field"), field);
    json_decref(e);
}

static void test_refusals(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    char msg[512];

    /* nothing is open */
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"%s\",\"room\":1}",
             m.a_id);
    refused(m.chair, msg, "breakout_closed", NULL);
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":1}", "breakout_closed", NULL);
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"set_hear_plenary\",\"room\":1,\"on\":true}",
            "breakout_closed", NULL);
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"visit\",\"room\":1}", "breakout_closed",
            NULL);
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"broadcast\",\"text\":\"x\"}",
            "breakout_closed", NULL);
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"close\"}", "breakout_closed", NULL);

    /* not the chair */
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\"}]}",
            "forbidden", NULL);

    /* bad rooms, mode, duration */
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[]}", "invalid_value",
            "rooms");
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"open\"}", "missing_field", "rooms");
    refused(
        m.chair,
        "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\"},{\"name\":\"X\"}]}",
        "invalid_value", "rooms");
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"  \"}]}",
            "empty_value", "rooms");
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[\"X\"]}", "invalid_type",
            "rooms");
    refused(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\","
            "\"hear_plenary\":1}]}",
            "invalid_type", "rooms");
    char long_name[80];
    memset(long_name, 'x', 61);
    long_name[61] = 0;
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"%s\"}]}", long_name);
    refused(m.chair, msg, "too_long", "rooms");
    char many[400] = "[";
    for (int i = 0; i < 21; i++) {
        size_t n = strlen(many);
        snprintf(many + n, sizeof(many) - n, "%s{\"name\":\"R%d\"}", i ? "," : "", i);
    }
    strncat(many, "]", sizeof(many) - strlen(many) - 1);
    snprintf(msg, sizeof(msg), "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":%s}", many);
    refused(m.chair, msg, "invalid_value", "rooms");
    refused(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\"}],"
            "\"mode\":\"lottery\"}",
            "invalid_value", "mode");
    refused(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\"}],"
            "\"duration_s\":30}",
            "invalid_value", "duration_s");
    refused(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"open\",\"rooms\":[{\"name\":\"X\"}],"
            "\"duration_s\":14401}",
            "invalid_value", "duration_s");
    /* nothing of it reached anyone */
    assert_false(th_got(m.a, "breakout", "state"));
    assert_false(rs_breakout_open(room()));
    assert_int_equal(described_place(m.a_id), -1);

    open_rooms(m.chair, TWO_ROOMS, "manual", 0);
    drain_all(&m);
    /* open twice */
    open_rooms(m.chair, TWO_ROOMS, "manual", 0);
    json_t *e = th_expect(m.chair, "breakout", "error");
    assert_string_equal(str(e, "code"), "invalid_value");
    assert_string_equal(str(e, "field"), "rooms");
    json_decref(e);
    /* the chair assigns in mode manual */
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"choose\",\"room\":1}", "invalid_value", "room");
    /* unknown participant, room out of range */
    refused(m.chair,
            "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"pnobody00000\","
            "\"room\":1}",
            "invalid_value", "participant");
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"%s\",\"room\":3}",
             m.a_id);
    refused(m.chair, msg, "invalid_value", "room");
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"set_hear_plenary\",\"room\":0,\"on\":true}",
            "invalid_value", "room");
    refused(m.chair, "{\"ns\":\"breakout\",\"action\":\"visit\",\"room\":3}", "invalid_value",
            "room");
    /* a participant may not act as the chair */
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"breakout\",\"action\":\"assign\",\"participant\":\"%s\",\"room\":1}",
             m.b_id);
    refused(m.a, msg, "forbidden", NULL);
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"visit\",\"room\":1}", "forbidden", NULL);
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"broadcast\",\"text\":\"x\"}", "forbidden",
            NULL);
    refused(m.a, "{\"ns\":\"breakout\",\"action\":\"close\"}", "forbidden", NULL);
    /* a moderator beside the chair: not_chair */
    th_send(m.chair,
            "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":"
            "\"moderator\"}",
            m.b_id);
    th_send(m.chair,
            "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"chair\","
            "\"on\":true}",
            m.chair_id);
    th_drain(m.b);
    refused(m.b, msg, "not_chair", NULL);
    refused(m.b, "{\"ns\":\"breakout\",\"action\":\"close\"}", "not_chair", NULL);
    /* nothing changed: nobody was told anything, everyone is in the plenary, still open */
    assert_false(th_got(m.c, "breakout", "state"));
    assert_true(rs_breakout_open(room()));
    assert_int_equal(rs_breakout_place(who(m.a_id)), 0);
    assert_int_equal(rs_breakout_place(who(m.b_id)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_assign_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_spreads_everyone_but_the_chair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_choose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_and_broadcast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_calls_everyone_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hear_plenary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_leaving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whisper_does_not_cross_places, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_scoped_to_the_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
