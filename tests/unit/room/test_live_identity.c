/* SPDX-License-Identifier: EUPL-1.2 */
/* A live WebSocket follows its login session: logout, a disabled account, a password change
 * elsewhere and a revoked grant reach connections that are already open, at once when this
 * server made the change (REST) and at the next join or privileged action when another
 * process did (`ratsaal user disable`). Real sessions and the real REST handler over a fake
 * transport and a real SQLite store. */
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

#include "auth/web_session.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/api.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "../../support/tmpdir.h"

static struct rs_app app;
static char dir[64], db[128];
static struct rs_user_record owner, plain;
static const char *MEETING = "liveMeetingAAAAAAAAAAA";
static char guest_token[] = "live-guest-token-0123456789abcdef";
static char mod_token[] = "live-moderator-token-0123456789ab";

static void want_write(struct rs_session *s)
{
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
}
static const struct rs_session_ops ops = {want_write, do_close};

static void add_user(struct rs_user_record *u, const char *name, enum rs_user_role role)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    snprintf(u->display_name, sizeof(u->display_name), "%s", name);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$x");
    snprintf(u->tenant, sizeof(u->tenant), "stadt-a");
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
    app.cfg.join_rate_per_min = 100000;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-live-identity"))
        return -1;
    if (rs_store_open_sqlite(db, &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    add_user(&owner, "owner", RS_USER_ROLE_USER);
    add_user(&plain, "plain", RS_USER_ROLE_USER);
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
    rs_api_shutdown(&app);
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

/* ---- helpers ---- */

/* A login session of `u` (as the login routes make it); its Cookie header in `cookie`. */
static void login(const struct rs_user_record *u, const char *token, char *cookie, size_t cap)
{
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    assert_int_equal(rs_store_session_create(app.store, hash, u->id, RS_LOGIN_LOCAL, NULL, NULL,
                                             rs_wall_ms(), 12 * 3600 * 1000LL),
                     0);
    snprintf(cookie, cap, "ratsaal_session=%s", token);
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

/* Whether an `ns`/`event` frame is queued (all frames are consumed). */
static bool saw(struct rs_session *s, const char *ns, const char *event)
{
    bool found = false;
    json_t *j;
    while ((j = next(s))) {
        found |= strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
                 strcmp(json_string_value(json_object_get(j, "event")), event) == 0;
        json_decref(j);
    }
    return found;
}

static const char *code_of(json_t *e)
{
    return json_string_value(json_object_get(e, "code"));
}

/* A WebSocket opened with this Cookie header ("" for none), identified as server.c does. */
static struct rs_session *conn(const char *cookie)
{
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    rs_web_session_identify(&app, cookie, &s->peer.ident);
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

static const char *role_in(json_t *ev)
{
    return json_string_value(json_object_get(json_object_get(ev, "participant"), "role"));
}

/* One REST request with `cookie`; returns the status. */
static unsigned rest(enum rs_http_method m, const char *path, const char *cookie, const char *body)
{
    struct rs_http_req req = {.method = m, .path = path, .cookie = cookie,
                              .content_type = "application/json", .origin = "", .host = "",
                              .peer = "127.0.0.1", .body = body,
                              .body_len = body ? strlen(body) : 0};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&app, &req, &resp), RS_HTTP_DONE);
    free(resp.body);
    return resp.status;
}

/* A guest waiting in the lobby; its participant id in `id`. */
static struct rs_session *waiting_guest(char *id, size_t cap)
{
    struct rs_session *g = conn("");
    join(g, "Gast", guest_token);
    json_t *w = expect(g, "lobby", "waiting");
    snprintf(id, cap, "%s", json_string_value(json_object_get(w, "id")));
    json_decref(w);
    return g;
}

static void assert_ended(struct rs_session *s, const char *reason)
{
    assert_true(s->closing);
    assert_int_equal(s->close_status, 1008);
    assert_string_equal(s->close_reason, reason);
    assert_null(s->peer.participant);
    assert_false(s->peer.ident.logged_in);
}

/* ---- tests ---- */

/* POST /auth/logout reaches the WebSocket of that login at once: it leaves the meeting it was
 * in by account only, is told why and closed; the waiting guest stays where it was. */
static void test_logout_reaches_live_socket(void **state)
{
    char cookie[128];
    login(&owner, "owner-logout-token-0123456789abcdef", cookie, sizeof(cookie));
    struct rs_session *a = conn(cookie);
    join(a, "Owner", NULL);
    json_decref(expect(a, "control", "joined"));
    char gid[32];
    struct rs_session *g = waiting_guest(gid, sizeof(gid));
    struct rs_session *watcher = conn("");
    join(watcher, "Mod", mod_token);
    json_decref(expect(watcher, "control", "joined"));

    assert_int_equal(rest(RS_HTTP_POST, "/auth/logout", cookie, "{}"), 200);
    json_t *e = expect(a, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    assert_ended(a, "session_ended");
    json_t *left = expect(watcher, "control", "participant_left");
    assert_string_equal(json_string_value(json_object_get(left, "reason")), "session_ended");
    json_decref(left);
    assert_true(g->peer.participant && g->peer.participant->waiting);

    /* the cookie opens nothing any more: a new socket is a guest */
    struct rs_session *again = conn(cookie);
    join(again, "Owner", NULL);
    e = expect(again, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    (void)gid;
}

/* `ratsaal user disable` runs in another process: nothing is pushed, but the next privileged
 * action (admitting a guest) re-reads the session, finds the account disabled and refuses. */
static void test_disabled_account_caught_at_privileged_action(void **state)
{
    char cookie[128];
    login(&owner, "owner-disable-token-0123456789abcd", cookie, sizeof(cookie));
    struct rs_session *a = conn(cookie);
    join(a, "Owner", NULL);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *spare = conn(cookie); /* a second tab, not in the meeting yet */
    char gid[32];
    struct rs_session *g = waiting_guest(gid, sizeof(gid));
    json_decref(expect(a, "lobby", "entered"));

    /* what the CLI does, on the database only */
    assert_int_equal(rs_store_user_set_disabled(app.store, owner.id, true), 0);

    send_json(a, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", gid);
    json_t *e = expect(a, "lobby", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    assert_ended(a, "session_ended");
    assert_true(g->peer.participant && g->peer.participant->waiting);
    assert_false(saw(g, "control", "joined"));
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 1);

    /* the other tab joins as what it now is: a guest without invitation */
    join(spare, "Owner", NULL);
    e = expect(spare, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    assert_null(spare->peer.participant);
}

/* A moderator grant revoked over REST takes the role away in the live room at once
 * (participant_updated); granting it over REST gives it at once, with the waiting list. */
static void test_grant_changes_over_rest_reach_the_room(void **state)
{
    char oc[128], pc[128], path[160];
    login(&owner, "owner-grant-token-0123456789abcdef", oc, sizeof(oc));
    login(&plain, "plain-grant-token-0123456789abcdef", pc, sizeof(pc));
    struct rs_session *a = conn(oc);
    join(a, "Owner", NULL);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *p = conn(pc);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));
    char gid[32];
    struct rs_session *g = waiting_guest(gid, sizeof(gid));
    (void)g;
    assert_false(saw(p, "lobby", "entered"));

    snprintf(path, sizeof(path), "/api/v1/meetings/%s/moderators/%s", MEETING, plain.id);
    assert_int_equal(rest(RS_HTTP_PUT, path, oc, "{}"), 204);
    /* as with moderation/set_role: first who is waiting, then the new role */
    json_t *en = expect(p, "lobby", "entered");
    json_decref(en);
    json_t *up = expect(p, "control", "participant_updated");
    assert_string_equal(role_in(up), "moderator");
    json_decref(up);
    assert_true(saw(a, "control", "participant_updated"));

    assert_int_equal(rest(RS_HTTP_DELETE, path, oc, NULL), 204);
    up = expect(p, "control", "participant_updated");
    assert_string_equal(role_in(up), "participant");
    json_decref(up);
    up = expect(a, "control", "participant_updated");
    assert_string_equal(role_in(up), "participant");
    json_decref(up);
    /* and may no longer admit */
    send_json(p, "{\"ns\":\"lobby\",\"action\":\"admit\",\"id\":\"%s\"}", gid);
    json_t *e = expect(p, "lobby", "error");
    assert_string_equal(code_of(e), "forbidden");
    json_decref(e);
    assert_false(p->closing);
    assert_int_equal(rs_metric_get(RS_M_LOBBY_WAITING), 1);
}

/* A session that ended without a push (another process: `ratsaal user passwd` deletes the
 * user's sessions) is noticed at the next join: the socket joins as the guest it now is. */
static void test_join_rechecks_the_session(void **state)
{
    char cookie[128];
    login(&owner, "owner-rejoin-token-0123456789abcde", cookie, sizeof(cookie));
    struct rs_session *a = conn(cookie);
    assert_true(a->peer.ident.logged_in);
    assert_true(rs_store_session_delete_user(app.store, owner.id) == 1);
    join(a, "Owner", NULL);
    json_t *e = expect(a, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    assert_null(a->peer.participant);
    /* with a guest invitation it waits in the lobby like any guest */
    join(a, "Owner", guest_token);
    json_decref(expect(a, "lobby", "waiting"));
    assert_false(a->peer.participant->account);
}

/* Whoever also holds an invitation keeps what the invitation gives after signing out: the
 * moderator invitation's holder stays moderator, now as a guest (participant_updated). */
static void test_invitation_outlives_the_login(void **state)
{
    char cookie[128];
    login(&plain, "plain-invite-token-0123456789abcde", cookie, sizeof(cookie));
    struct rs_session *p = conn(cookie);
    join(p, "Paula", mod_token);
    json_t *j = expect(p, "control", "joined");
    json_decref(j);
    assert_int_equal(rest(RS_HTTP_POST, "/auth/logout", cookie, "{}"), 200);
    json_t *up = expect(p, "control", "participant_updated");
    assert_string_equal(role_in(up), "moderator");
    assert_true(json_is_false(json_object_get(json_object_get(up, "participant"), "account")));
    json_decref(up);
    assert_false(p->closing);
    assert_non_null(p->peer.participant);
    assert_false(p->peer.ident.logged_in);
}

/* Without any action of its own, a participant whose account another process disabled is
 * found by the housekeeping's sweep within RS_IDENTITY_RECHECK_MS (a few per tick). */
static void test_sweep_finds_a_passive_participant(void **state)
{
    char cookie[128];
    login(&owner, "owner-sweep-token-0123456789abcdef", cookie, sizeof(cookie));
    struct rs_session *a = conn(cookie);
    join(a, "Owner", NULL);
    json_decref(expect(a, "control", "joined"));
    struct rs_session *idle = conn(cookie); /* connected, not in a room: left to the join */
    assert_int_equal(rs_store_user_set_disabled(app.store, owner.id, true), 0);
    /* just checked: nothing is due yet */
    assert_int_equal(rs_session_recheck_due(&app, rs_wall_ms(), 8), 0);
    assert_non_null(a->peer.participant);
    assert_int_equal(rs_session_recheck_due(&app, rs_wall_ms() + RS_IDENTITY_RECHECK_MS + 1, 8), 1);
    assert_ended(a, "session_ended");
    json_t *e = expect(a, "control", "error");
    assert_string_equal(code_of(e), "unauthorized");
    json_decref(e);
    assert_true(idle->peer.ident.logged_in && !idle->closing);

    /* the same through the housekeeping tick, for a login last read long ago */
    assert_int_equal(rs_store_user_set_disabled(app.store, owner.id, false), 0);
    char pc[128];
    login(&plain, "plain-sweep-token-0123456789abcdef", pc, sizeof(pc));
    struct rs_session *p = conn(pc);
    join(p, "Paula", NULL);
    json_decref(expect(p, "control", "joined"));
    assert_int_equal(rs_store_user_set_disabled(app.store, plain.id, true), 0);
    p->peer.ident.checked_ms = 0;
    rs_api_tick(&app);
    assert_ended(p, "session_ended");
}

/* A role handed out live stays until the rights behind it change: the owner who stepped down
 * with moderation/set_role is not made moderator again by the next re-check. */
static void test_live_role_is_not_undone(void **state)
{
    char cookie[128];
    login(&owner, "owner-stepdown-token-0123456789abc", cookie, sizeof(cookie));
    struct rs_session *a = conn(cookie);
    join(a, "Owner", NULL);
    json_decref(expect(a, "control", "joined"));
    send_json(a, "{\"ns\":\"moderation\",\"action\":\"set_role\",\"id\":\"%s\","
                 "\"role\":\"participant\"}",
              a->peer.participant->id);
    json_t *up = expect(a, "control", "participant_updated");
    assert_string_equal(role_in(up), "participant");
    json_decref(up);
    assert_int_equal(rs_session_recheck_due(&app, rs_wall_ms() + RS_IDENTITY_RECHECK_MS + 1, 8), 1);
    assert_false(saw(a, "control", "participant_updated"));
    assert_int_equal(a->peer.participant->role, RS_ROLE_PARTICIPANT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logout_reaches_live_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_account_caught_at_privileged_action, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_grant_changes_over_rest_reach_the_room, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_join_rechecks_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invitation_outlives_the_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_finds_a_passive_participant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_role_is_not_undone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
