/* SPDX-License-Identifier: EUPL-1.2 */
/* Access rules at join: wrong meeting passwords are limited per client address and per
 * meeting, through real sessions over a fake transport and a real SQLite store. A PIN has few
 * values: without these limits it is guessed from one address at the join rate, or from many
 * addresses without any limit at all. */
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

#include "auth/meeting_password.h"
#include "auth/web_session.h"
#include "core/app.h"
#include "core/metrics.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "../../support/tmpdir.h"

static struct rs_app app;
static char dir[64], db[128];
static struct rs_user_record owner;
static const char *MEETING = "meetingPINPINPINPINPIN";
static char invite_token[] = "participant-token-0123456789abcd";

static void want_write(struct rs_session *s)
{
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
}
static const struct rs_session_ops ops = {want_write, do_close};

/* A fresh application with the given limits on wrong passwords (per address, per meeting). */
static int setup_limits(unsigned per_addr, unsigned per_meeting)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.anonymous_meetings = RS_ANON_OFF;
    app.cfg.join_rate_per_min = 10000; /* the join limit is not what is tested here */
    app.cfg.password_rate_per_min = per_addr;
    app.cfg.meeting_password_rate_per_min = per_meeting;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-access") ||
        rs_store_open_sqlite(db, &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    memset(&owner, 0, sizeof(owner));
    snprintf(owner.username, sizeof(owner.username), "owner");
    snprintf(owner.display_name, sizeof(owner.display_name), "Owner");
    snprintf(owner.password_hash, sizeof(owner.password_hash), "$argon2id$x");
    snprintf(owner.tenant, sizeof(owner.tenant), "stadt-a");
    owner.role = RS_USER_ROLE_USER;
    if (rs_store_user_create(app.store, &owner))
        return -1;
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", MEETING);
    snprintf(m.title, sizeof(m.title), "Rat");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner.id);
    snprintf(m.tenant, sizeof(m.tenant), "stadt-a");
    m.managed = true;
    m.has_password = true;
    if (rs_meeting_password_hash("4711", m.password_hash, sizeof(m.password_hash)))
        return -1;
    m.created_at_ms = m.last_active_ms = 1;
    if (rs_store_meeting_create(app.store, &m))
        return -1;
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "ipart");
    rs_auth_token_hash(invite_token, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", MEETING);
    inv.role = RS_INVITE_PARTICIPANT;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    return rs_store_invite_create(app.store, &inv);
}

static int setup_addr(void **state)
{
    return setup_limits(3, 1000);
}

static int setup_meeting(void **state)
{
    return setup_limits(3, 5);
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

/* The next control/joined or error event (others skipped). */
static json_t *answer(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s))) {
        const char *ev = json_string_value(json_object_get(j, "event"));
        if (strcmp(ev, "joined") == 0 || strcmp(ev, "error") == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no answer");
    return NULL;
}

static struct rs_session *conn(const char *addr, const struct rs_user_record *u)
{
    static unsigned logins;
    struct rs_session *s = rs_session_new(&app, &ops, NULL, addr);
    if (u) {
        /* a real login session: a join re-reads it (room/access.c rs_access_recheck) */
        char token[64], cookie[96];
        uint8_t hash[32];
        snprintf(token, sizeof(token), "access-test-session-%u-0123456789abcdef", ++logins);
        rs_auth_token_hash(token, hash);
        assert_int_equal(rs_store_session_create(app.store, hash, u->id, RS_LOGIN_LOCAL, NULL,
                                                 NULL, 1, 4102444800000LL),
                         0);
        snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
        rs_web_session_identify(&app, cookie, &s->peer.ident);
        assert_true(s->peer.ident.logged_in);
    }
    json_t *hello = next(s);
    json_decref(hello);
    return s;
}

/* Joins with the invitation and `password` from a new connection at `addr`; returns the
 * answer's event ("joined") or error code, and the retry_after_s of an error. */
static const char *try_pin(const char *addr, const char *password, int *retry_after_s)
{
    static char out[64];
    struct rs_session *s = conn(addr, NULL);
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Gast\","
             "\"invite\":\"%s\",\"password\":\"%s\"}",
             MEETING, invite_token, password);
    rs_session_on_message(s, buf, strlen(buf));
    json_t *a = answer(s);
    const char *code = json_string_value(json_object_get(a, "code"));
    snprintf(out, sizeof(out), "%s", code ? code : json_string_value(json_object_get(a, "event")));
    if (code && strcmp(code, "too_many_attempts") == 0) {
        assert_string_equal(json_string_value(json_object_get(a, "field")), "password");
        assert_true(json_is_integer(json_object_get(a, "retry_after_s")));
    } else {
        assert_null(json_object_get(a, "retry_after_s"));
    }
    if (retry_after_s)
        *retry_after_s = (int)json_integer_value(json_object_get(a, "retry_after_s"));
    json_decref(a);
    rs_session_free(s);
    return out;
}

static void test_wrong_passwords_per_address(void **state)
{
    uint64_t wrong0 = rs_metric_auth_reject_get(RS_AUTH_WRONG_PASSWORD);
    uint64_t limited0 = rs_metric_auth_reject_get(RS_AUTH_RATE_LIMITED);
    for (int i = 0; i < 3; i++)
        assert_string_equal(try_pin("192.0.2.66", "0000", NULL), "wrong_password");
    int retry = 0;
    /* the fourth try is not checked at all, not even the right PIN */
    assert_string_equal(try_pin("192.0.2.66", "4711", &retry), "too_many_attempts");
    assert_in_range(retry, 1, 20); /* 3 per minute: one back within 20 s */
    assert_string_equal(try_pin("192.0.2.66", "1234", NULL), "too_many_attempts");
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_WRONG_PASSWORD) - wrong0, 3);
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_RATE_LIMITED) - limited0, 2);
    /* another address is not affected */
    assert_string_equal(try_pin("198.51.100.7", "4711", NULL), "joined");
    assert_string_equal(try_pin("2001:db8::7", "0000", NULL), "wrong_password");
    /* right passwords do not count: one address joins again and again */
    for (int i = 0; i < 5; i++)
        assert_string_equal(try_pin("198.51.100.8", "4711", NULL), "joined");
    /* an empty password is a question, not a guess */
    for (int i = 0; i < 5; i++)
        assert_string_equal(try_pin("198.51.100.9", "", NULL), "password_required");
    assert_string_equal(try_pin("198.51.100.9", "4711", NULL), "joined");
}

static void test_wrong_passwords_per_meeting(void **state)
{
    /* five wrong guesses from five addresses use up the meeting's allowance */
    char addr[32];
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
        assert_string_equal(try_pin(addr, "0000", NULL), "wrong_password");
    }
    int retry = 0;
    assert_string_equal(try_pin("198.51.100.20", "4711", &retry), "too_many_attempts");
    assert_in_range(retry, 1, 12); /* 5 per minute */
    /* the owner needs no password and still gets in: the meeting is not locked for moderators */
    struct rs_session *o = conn("203.0.113.1", &owner);
    char buf[256];
    snprintf(buf, sizeof(buf), "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\"}", MEETING);
    rs_session_on_message(o, buf, strlen(buf));
    json_t *a = answer(o);
    assert_string_equal(json_string_value(json_object_get(a, "event")), "joined");
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wrong_passwords_per_address, setup_addr, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_passwords_per_meeting, setup_meeting, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
