/* SPDX-License-Identifier: EUPL-1.2 */
/* Join rules for managed meetings, the lobby and moderation, over a fake transport and a real
 * SQLite store: who may join as what, who waits, who may admit, and that refused actions change
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/metrics.h"
#include "auth/web_session.h"
#include "http/api.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "../../support/tmpdir.h"

static struct rs_app app;
static char dir[64], db[128];
static struct rs_user_record owner, other_tenant, plain;
static const char *MEETING = "meetingAAAAAAAAAAAAAAA";
static char guest_token[] = "guest-token-0123456789abcdefghij";
static char mod_token[] = "moderator-token-0123456789abcdef";

static void want_write(struct rs_session *s)
{
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
}
static const struct rs_session_ops ops = {want_write, do_close};

static void add_user(struct rs_user_record *u, const char *name, enum rs_user_role role,
                     const char *tenant)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    snprintf(u->display_name, sizeof(u->display_name), "%s", name);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$x");
    snprintf(u->tenant, sizeof(u->tenant), "%s", tenant);
    u->role = role;
    assert_int_equal(rs_store_user_create(app.store, u), 0);
}

static void add_invite(const char *id, const char *token, enum rs_invite_role role)
{
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "%s", id);
    rs_auth_token_hash(token, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", MEETING);
    inv.role = role;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    assert_int_equal(rs_store_invite_create(app.store, &inv), 0);
}

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.anonymous_meetings = RS_ANON_OFF;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-lobby"))
        return -1;
    if (rs_store_open_sqlite(db, &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    add_user(&owner, "owner", RS_USER_ROLE_USER, "stadt-a");
    add_user(&plain, "plain", RS_USER_ROLE_USER, "stadt-a");
    add_user(&other_tenant, "other", RS_USER_ROLE_ADMIN, "stadt-b");
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", MEETING);
    snprintf(m.title, sizeof(m.title), "Rat");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner.id);
    snprintf(m.tenant, sizeof(m.tenant), "stadt-a");
    m.lobby = true;
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    assert_int_equal(rs_store_meeting_create(app.store, &m), 0);
    add_invite("iguest", guest_token, RS_INVITE_GUEST);
    add_invite("imod", mod_token, RS_INVITE_MODERATOR);
    return 0;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    char p[160];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
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

static const char *code_of(json_t *e)
{
    return json_string_value(json_object_get(e, "code"));
}

/* A connection of `u` (NULL: a guest), identified from a real login session as the HTTP layer
 * does: privileged actions re-read that session (room/access.c). */
static struct rs_session *conn(const struct rs_user_record *u)
{
    static unsigned logins;
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    if (u) {
        char token[64], cookie[96];
        uint8_t hash[32];
        snprintf(token, sizeof(token), "lobby-test-session-%u-0123456789abcdef", ++logins);
        rs_auth_token_hash(token, hash);
        assert_int_equal(rs_store_session_create(app.store, hash, u->id, RS_LOGIN_LOCAL, NULL,
                                                 NULL, 1, 4102444800000LL),
                         0);
        snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
        rs_web_session_identify(&app, cookie, &s->peer.ident);
        assert_true(s->peer.ident.logged_in);
    }
    json_decref(expect(s, "control", "hello"));
    return s;
}

static void send_json(struct rs_session *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rs_session_on_message(s, buf, strlen(buf));
}

static void join(struct rs_session *s, const char *name, const char *invite)
{
    if (invite)
        send_json(s,
                  "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\","
                  "\"invite\":\"%s\"}",
                  MEETING, name, invite);
    else
        send_json(s, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"}",
                  MEETING, name);
}

static void test_who_may_join(void **state)
{
    /* guest without invitation */
    struct rs_session *g = conn(NULL);
    join(g, "Gast", NULL);
    json_t *e = expect(g, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    /* bad invitation */
    join(g, "Gast", "not-a-valid-token-at-all");
    e = expect(g, "control", "error");
    assert_string_equal(code_of(e), "invalid_invite");
    json_decref(e);
    /* another tenant, even an admin there */
    struct rs_session *o = conn(&other_tenant);
    join(o, "Otto", NULL);
    e = expect(o, "control", "error");
    assert_string_equal(code_of(e), "forbidden");
    json_decref(e);
    /* unknown meeting with anonymous rooms off */
    send_json(o, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"nope\",\"display_name\":\"O\"}");
    e = expect(o, "control", "error");
    assert_string_equal(code_of(e), "not_found");
    json_decref(e);
    /* the owner is moderator, a plain user of the tenant a participant (no lobby) */
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    e = expect(a, "control", "joined");
    json_t *me = json_array_get(json_object_get(e, "participants"), 0);
    assert_string_equal(json_string_value(json_object_get(me, "role")), "moderator");
    assert_string_equal(json_string_value(json_object_get(me, "display_name")), "owner");
    assert_true(json_is_true(json_object_get(me, "account")));
    json_decref(e);
    struct rs_session *p = conn(&plain);
    join(p, "Paula", NULL);
    e = expect(p, "control", "joined");
    json_t *list = json_object_get(e, "participants");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "role")),
                        "participant");
    json_decref(e);
    /* a moderator invitation makes a guest moderator without waiting */
    struct rs_session *m = conn(NULL);
    join(m, "Moderatorin", mod_token);
    e = expect(m, "control", "joined");
    json_decref(e);
}

static void test_lobby_admit_reject_and_forbidden(void **state)
{
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *p = conn(&plain);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));

    struct rs_session *g1 = conn(NULL), *g2 = conn(NULL);
    join(g1, "Gast Eins", guest_token);
    json_t *w = expect(g1, "lobby", "waiting");
    char id1[32];
    snprintf(id1, sizeof(id1), "%s", json_string_value(json_object_get(w, "id")));
    json_decref(w);
    join(g2, "Gast Zwei", guest_token);
    w = expect(g2, "lobby", "waiting");
    char id2[32];
    snprintf(id2, sizeof(id2), "%s", json_string_value(json_object_get(w, "id")));
    json_decref(w);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 2);

    /* the moderator sees them; the participant does not */
    json_t *en = expect(a, "lobby", "entered");
    assert_string_equal(json_string_value(json_object_get(json_object_get(en, "participant"), "display_name")),
                        "Gast Eins");
    json_decref(en);
    json_t *j;
    while ((j = next(p))) {
        assert_string_not_equal(json_string_value(json_object_get(j, "ns")), "lobby");
        json_decref(j);
    }
    /* a waiting guest cannot chat, a participant cannot admit */
    send_json(g1, "{\"ns\":\"chat\",\"action\":\"send\",\"text\":\"hallo\"}");
    json_t *e = expect(g1, "chat", "error");
    assert_string_equal(code_of(e), "not_joined");
    json_decref(e);
    uint64_t forbidden0 = rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN);
    const char *mod_actions[] = {
        "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}",
        "{\"ns\":\"lobby\",\"action\":\"reject\",\"id\":\"%s\"}",
        "{\"ns\":\"lobby\",\"action\":\"admit_all\",\"x\":\"%s\"}",
        "{\"ns\":\"moderation\",\"action\":\"set_lobby\",\"enabled\":false,\"x\":\"%s\"}",
        "{\"ns\":\"moderation\",\"action\":\"set_role\",\"role\":\"moderator\",\"id\":\"%s\"}",
    };
    for (size_t i = 0; i < 5; i++) {
        send_json(p, mod_actions[i], id1);
        json_t *err = expect(p, i < 3 ? "lobby" : "moderation", "error");
        assert_string_equal(code_of(err), "forbidden");
        json_decref(err);
    }
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN), forbidden0 + 5);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 2); /* nothing changed */
    struct rs_room_record rec;
    assert_int_equal(rs_store_room_get(app.store, MEETING, &rec), 0);
    assert_true(rec.lobby);

    /* admit one, reject the other */
    send_json(a, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", id1);
    json_decref(expect(g1, "control", "joined"));
    send_json(a, "{\"ns\":\"lobby\",\"action\":\"reject\",\"id\":\"%s\"}", id2);
    json_decref(expect(g2, "lobby", "rejected"));
    assert_null(g2->peer.participant);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 0);
    /* the invite counted both uses */
    struct rs_invite_record inv;
    uint8_t h[32];
    rs_auth_token_hash(guest_token, h);
    assert_int_equal(rs_store_invite_find(app.store, h, 2, &inv), 0);
    assert_int_equal(inv.uses, 2);

    /* lobby off: stored, announced, and the next guest joins directly */
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_lobby\",\"enabled\":false}");
    json_t *lc = expect(p, "moderation", "lobby_changed");
    assert_true(json_is_false(json_object_get(lc, "enabled")));
    json_decref(lc);
    assert_int_equal(rs_store_room_get(app.store, MEETING, &rec), 0);
    assert_false(rec.lobby);
    struct rs_session *g3 = conn(NULL);
    join(g3, "Gast Drei", guest_token);
    json_decref(expect(g3, "control", "joined"));

    /* the owner makes the signed-in participant a moderator (stored as a grant) */
    char pid[32];
    snprintf(pid, sizeof(pid), "%s", p->peer.participant->id);
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"moderator\"}",
              pid);
    json_t *up = expect(p, "control", "participant_updated");
    assert_string_equal(json_string_value(json_object_get(json_object_get(up, "participant"), "role")),
                        "moderator");
    json_decref(up);
    assert_int_equal(rs_store_grant_is_moderator(app.store, MEETING, plain.id), 1);
    /* a guest cannot be made moderator of a managed meeting */
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"moderator\"}",
              g3->peer.participant->id);
    json_t *e2 = expect(a, "moderation", "error");
    assert_string_equal(code_of(e2), "invalid_value");
    json_decref(e2);
}

/* The lobby holds at most the places left in the room, and admitting never overfills it:
 * admit_all lets in whoever fits (in order of arrival), the rest stay waiting, and the
 * moderator is told room_full; turning the lobby off does the same. */
static void test_lobby_respects_capacity(void **state)
{
    app.cfg.max_participants = 3;
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *g[5];
    for (int i = 0; i < 5; i++) {
        g[i] = conn(NULL);
        join(g[i], "Gast", guest_token);
        if (i < 2) {
            json_decref(expect(g[i], "lobby", "waiting"));
        } else {
            json_t *e = expect(g[i], "control", "error");
            assert_string_equal(code_of(e), "room_full");
            json_decref(e);
            assert_null(g[i]->peer.participant);
        }
    }
    struct rs_room *room = rs_rooms_find(app.rooms, MEETING);
    assert_int_equal(room->lobby_count, 2);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 2);

    /* a member joins directly (the lobby does not lock members out): 2 of 3 */
    struct rs_session *p = conn(&plain);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));
    assert_int_equal(room->count, 2);

    /* admit_all: one fits, one stays waiting, the moderator hears why */
    send_json(a, "{\"ns\":\"lobby\",\"action\":\"admit_all\"}");
    json_decref(expect(g[0], "control", "joined"));
    json_t *e = expect(a, "lobby", "error");
    assert_string_equal(code_of(e), "room_full");
    assert_non_null(
        strstr(json_string_value(json_object_get(e, "text")), "1 admitted, 1 still waiting"));
    json_decref(e);
    assert_int_equal(room->count, 3);
    assert_int_equal(room->lobby_count, 1);
    assert_true(g[1]->peer.participant && g[1]->peer.participant->waiting);

    /* admitting the one still waiting: room_full, nothing changes */
    char id1[32];
    snprintf(id1, sizeof(id1), "%s", g[1]->peer.participant->id);
    send_json(a, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", id1);
    e = expect(a, "lobby", "error");
    assert_string_equal(code_of(e), "room_full");
    json_decref(e);
    /* turning the lobby off admits only whoever fits: nobody */
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_lobby\",\"enabled\":false}");
    json_decref(expect(a, "moderation", "lobby_changed"));
    assert_int_equal(room->count, 3);
    assert_int_equal(room->lobby_count, 1);

    /* a place frees up: now the admit works */
    send_json(p, "{\"ns\":\"control\",\"action\":\"leave\"}");
    send_json(a, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", id1);
    json_decref(expect(g[1], "control", "joined"));
    assert_int_equal(room->count, 3);
    assert_int_equal(room->lobby_count, 0);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 0);
}

static void test_waiting_guest_leaves(void **state)
{
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *g = conn(NULL);
    join(g, "Gast", guest_token);
    json_decref(expect(g, "lobby", "waiting"));
    rs_session_free(g); /* the guest closes the tab */
    json_t *left = expect(a, "lobby", "left");
    assert_string_equal(json_string_value(json_object_get(left, "reason")), "gone");
    json_decref(left);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 0);
}

/* Deleting a meeting disconnects everyone in it, the lobby included; with only a waiting guest
 * the room goes away with that guest (ASan checks nothing is touched afterwards). */
static void test_close_all(void **state)
{
    struct rs_session *g = conn(NULL);
    join(g, "Gast", guest_token);
    json_decref(expect(g, "lobby", "waiting"));
    struct rs_room *room = rs_rooms_find(app.rooms, MEETING);
    assert_non_null(room);
    rs_room_close_all(room);
    assert_null(rs_rooms_find(app.rooms, MEETING));
    assert_true(g->closing);
    assert_null(g->peer.participant);

    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *g2 = conn(NULL);
    join(g2, "Gast Zwei", guest_token);
    json_decref(expect(g2, "lobby", "waiting"));
    rs_room_close_all(rs_rooms_find(app.rooms, MEETING));
    assert_null(rs_rooms_find(app.rooms, MEETING));
    assert_true(a->closing && g2->closing);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 0);
}

static const char *role_of(json_t *participant)
{
    return json_string_value(json_object_get(participant, "role"));
}

static void set_role(struct rs_session *s, const char *id, const char *role)
{
    send_json(s, "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"%s\"}",
              id, role);
}

static void expect_moderation_error(struct rs_session *s, const char *code)
{
    json_t *e = expect(s, "moderation", "error");
    assert_string_equal(code_of(e), code);
    json_decref(e);
}

/* Issue 12, point 7: a guest invitation makes a guest (not a participant), shown as such to
 * everyone and counted by role; a guest never votes; any moderator makes a guest a participant
 * and back, only the owner makes a participant a moderator, and never a guest directly. */
static void test_guest_role(void **state)
{
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_lobby\",\"enabled\":false}");
    struct rs_session *m = conn(NULL); /* a moderator by invitation: no right to grant */
    join(m, "Mo", mod_token);
    json_decref(expect(m, "control", "joined"));
    json_decref(expect(a, "control", "participant_joined")); /* Mo */
    struct rs_session *g = conn(NULL);
    join(g, "Gast", guest_token);
    json_t *jg = expect(g, "control", "joined");
    json_t *list = json_object_get(jg, "participants");
    assert_string_equal(role_of(json_array_get(list, json_array_size(list) - 1)), "guest");
    json_decref(jg);
    json_t *pj = expect(a, "control", "participant_joined");
    assert_string_equal(role_of(json_object_get(pj, "participant")), "guest");
    json_decref(pj);
    struct rs_participant *gp = g->peer.participant;
    char gid[32];
    snprintf(gid, sizeof(gid), "%s", gp->id);
    assert_int_equal(gp->role, RS_ROLE_GUEST);
    assert_false(rs_participant_may_vote(gp));
    assert_false(rs_participant_may_share_screen(gp));
    assert_int_equal(rs_metric_get(RS_M_ROLE_GUESTS), 1);
    assert_int_equal(rs_metric_get(RS_M_ROLE_MODERATORS), 2);
    /* a signed-in member with the same guest link is a participant (the account counts) */
    struct rs_session *p = conn(&plain);
    join(p, "Paula", guest_token);
    json_decref(expect(p, "control", "joined"));
    assert_int_equal(p->peer.participant->role, RS_ROLE_PARTICIPANT);
    assert_true(rs_participant_may_vote(p->peer.participant));

    /* the guest itself, and a participant, may change no roles */
    set_role(g, gid, "participant");
    expect_moderation_error(g, "forbidden");
    set_role(p, gid, "participant");
    expect_moderation_error(p, "forbidden");
    /* never straight from guest to moderator, even by the owner */
    set_role(a, gid, "moderator");
    expect_moderation_error(a, "invalid_value");
    assert_int_equal(gp->role, RS_ROLE_GUEST);
    /* an unknown role names the allowed ones */
    set_role(a, gid, "chair");
    expect_moderation_error(a, "invalid_value");

    /* a moderator without the right to grant may still make the guest a participant */
    set_role(m, gid, "participant");
    json_t *up = expect(a, "control", "participant_updated");
    assert_string_equal(role_of(json_object_get(up, "participant")), "participant");
    json_decref(up);
    assert_true(rs_participant_may_vote(gp));
    assert_int_equal(rs_metric_get(RS_M_ROLE_GUESTS), 0);
    /* ... but not hand out moderation */
    set_role(m, gid, "moderator");
    expect_moderation_error(m, "forbidden");
    /* and back to guest */
    for (json_t *j; (j = next(g));)
        json_decref(j);
    set_role(m, gid, "guest");
    up = expect(g, "control", "participant_updated");
    assert_string_equal(role_of(json_object_get(up, "participant")), "guest");
    json_decref(up);
    assert_int_equal(rs_metric_get(RS_M_ROLE_GUESTS), 1);
    /* leaving takes the guest out of the gauge */
    rs_session_free(g);
    assert_int_equal(rs_metric_get(RS_M_ROLE_GUESTS), 0);
    assert_int_equal(rs_metric_get(RS_M_ROLE_PARTICIPANTS), 1);
}

/* Issue 12: the chair ends the meeting for all. A participant cannot; after the end everyone is
 * out, told why, and only a moderator of the meeting starts it again. */
static void test_end_meeting(void **state)
{
    struct rs_session *a = conn(&owner);
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *p = conn(&plain);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));
    struct rs_session *w = conn(NULL);
    join(w, "Gast", guest_token);
    json_decref(expect(w, "lobby", "waiting"));

    uint64_t forbidden0 = rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN);
    uint64_t ended0 = rs_metric_get(RS_M_MEETINGS_ENDED);
    send_json(p, "{\"ns\":\"moderation\",\"action\":\"end\"}");
    expect_moderation_error(p, "forbidden");
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN), forbidden0 + 1);
    struct rs_room *room = rs_rooms_find(app.rooms, MEETING);
    assert_non_null(room);
    assert_int_equal(room->count, 2);
    assert_int_equal(room->lobby_count, 1);

    char aid[32];
    snprintf(aid, sizeof(aid), "%s", a->peer.participant->id);
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"end\"}");
    struct rs_session *all[] = {a, p, w};
    for (int i = 0; i < 3; i++) {
        json_t *e = expect(all[i], "control", "ended");
        assert_string_equal(json_string_value(json_object_get(e, "by")), aid);
        json_decref(e);
        assert_null(all[i]->peer.participant);
        assert_false(all[i]->closing); /* the connection stays: the client shows why */
    }
    assert_null(rs_rooms_find(app.rooms, MEETING));
    assert_int_equal(rs_metric_get(RS_M_MEETINGS_ENDED), ended0 + 1);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 0);
    struct rs_room_record rec;
    assert_int_equal(rs_store_room_get(app.store, MEETING, &rec), 0);
    assert_true(rec.ended_at_ms > 0);

    /* nobody but a moderator gets back in */
    join(w, "Gast", guest_token);
    json_t *e = expect(w, "control", "error");
    assert_string_equal(code_of(e), "meeting_ended");
    json_decref(e);
    join(p, "Paula", NULL);
    e = expect(p, "control", "error");
    assert_string_equal(code_of(e), "meeting_ended");
    json_decref(e);
    assert_null(rs_rooms_find(app.rooms, MEETING));
    /* the owner starts it again; then the others may come */
    send_json(a, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    json_decref(expect(a, "control", "joined"));
    assert_int_equal(rs_store_room_get(app.store, MEETING, &rec), 0);
    assert_int_equal(rec.ended_at_ms, 0);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));
    join(w, "Gast", guest_token);
    json_decref(expect(w, "lobby", "waiting"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_who_may_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobby_admit_reject_and_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobby_respects_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_guest_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_meeting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
