/* SPDX-License-Identifier: EUPL-1.2 */
/* Signaling sessions over a fake transport against a real room registry and SQLite store:
 * what the room-level tests need to act as several clients (connect as a guest or as a signed-in
 * account, send a message, read the events that came back).
 *
 * Header-only for the unit tests (include once per test binary, after cmocka.h). The harness
 * owns one global application `th_app`; th_setup/th_teardown create and remove it with its
 * database. Accounts are created with th_user(); a connection of an account is identified from
 * a real login session as the HTTP layer does, so privileged actions that re-read the session
 * (room/access.c) see it. */
#ifndef RS_TESTS_SESSION_HARNESS_H
#define RS_TESTS_SESSION_HARNESS_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/web_session.h"
#include "core/app.h"
#include "http/api.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "tmpdir.h"

static struct rs_app th_app;
static char th_dir[64], th_db[128];

static void th_want_write(struct rs_session *s)
{
    (void)s;
}
static void th_close(struct rs_session *s, int status, const char *reason)
{
    (void)s;
    (void)status;
    (void)reason;
}
static const struct rs_session_ops th_ops = {th_want_write, th_close};

/* A fresh application with `anon` (RS_ANON_*) for anonymous rooms. Returns 0 or -1. */
static inline int th_setup(int anon, const char *name)
{
    memset(&th_app, 0, sizeof(th_app));
    rs_config_defaults(&th_app.cfg);
    th_app.cfg.anonymous_meetings = anon;
    if (test_db_dir(th_dir, sizeof(th_dir), th_db, sizeof(th_db), name))
        return -1;
    if (rs_store_open_sqlite(th_db, &th_app.store))
        return -1;
    th_app.rooms = rs_rooms_new(&th_app);
    return th_app.rooms ? 0 : -1;
}

static inline void th_teardown(void)
{
    while (th_app.sessions)
        rs_session_free(th_app.sessions);
    rs_rooms_free(th_app.rooms);
    rs_store_close(th_app.store);
    test_db_dir_remove(th_dir, th_db);
}

static inline void th_user(struct rs_user_record *u, const char *name, enum rs_user_role role)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    snprintf(u->display_name, sizeof(u->display_name), "%s", name);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$x");
    snprintf(u->tenant, sizeof(u->tenant), "t");
    u->role = role;
    assert_int_equal(rs_store_user_create(th_app.store, u), 0);
}

/* A REST login of `u` (a session valid until 2100): the Cookie header value in `out`. */
static inline void th_login(const struct rs_user_record *u, char *out, size_t cap)
{
    static unsigned n;
    char token[64];
    uint8_t hash[32];
    snprintf(token, sizeof(token), "harness-session-%u-0123456789abcdef", ++n);
    rs_auth_token_hash(token, hash);
    assert_int_equal(rs_store_session_create(th_app.store, hash, u->id, RS_LOGIN_LOCAL, NULL, NULL,
                                             1, 4102444800000LL),
                     0);
    snprintf(out, cap, "ratsaal_session=%s", token);
}

/* A managed meeting `id` of `owner` in tenant "t", without a lobby. */
static inline void th_meeting(const char *id, const struct rs_user_record *owner)
{
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", id);
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner->id);
    snprintf(m.tenant, sizeof(m.tenant), "t");
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    assert_int_equal(rs_store_meeting_create(th_app.store, &m), 0);
}

/* An invitation `invite_id` with secret `token` to meeting `room` as `role`, valid until 2100. */
static inline void th_invite(const char *room, const char *invite_id, const char *token,
                             enum rs_invite_role role)
{
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "%s", invite_id);
    rs_auth_token_hash(token, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", room);
    inv.role = role;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    assert_int_equal(rs_store_invite_create(th_app.store, &inv), 0);
}

/* The next event queued for `s`, or NULL. A new reference. */
static inline json_t *th_next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

static inline bool th_is(json_t *j, const char *ns, const char *event)
{
    return strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
           strcmp(json_string_value(json_object_get(j, "event")), event) == 0;
}

/* Skips events until ns/event; fails the test when there is none. A new reference. */
static inline json_t *th_expect(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = th_next(s))) {
        if (th_is(j, ns, event))
            return j;
        json_decref(j);
    }
    fail_msg("no %s/%s event", ns, event);
    return NULL;
}

/* The last ns/event queued for `s` (everything queued is consumed); fails the test when there
 * is none. A new reference. */
static inline json_t *th_last(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j, *last = NULL;
    while ((j = th_next(s))) {
        if (th_is(j, ns, event)) {
            json_decref(last);
            last = j;
        } else {
            json_decref(j);
        }
    }
    if (!last)
        fail_msg("no %s/%s event", ns, event);
    return last;
}

/* Whether an ns/event is queued for `s` (consumes everything queued). */
static inline bool th_got(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    bool found = false;
    while ((j = th_next(s))) {
        found |= th_is(j, ns, event);
        json_decref(j);
    }
    return found;
}

static inline void th_drain(struct rs_session *s)
{
    json_t *j;
    while ((j = th_next(s)))
        json_decref(j);
}

/* The code of the next error event of `ns` for `s` (consumed), as a static string or "". */
static inline const char *th_error_code(struct rs_session *s, const char *ns)
{
    static char code[64];
    json_t *e = th_expect(s, ns, "error");
    snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(e, "code")));
    json_decref(e);
    return code;
}

/* A connection from `addr` of account `u` (NULL: a guest). */
static inline struct rs_session *th_conn(const struct rs_user_record *u, const char *addr)
{
    struct rs_session *s = rs_session_new(&th_app, &th_ops, NULL, addr ? addr : "127.0.0.1");
    if (u) {
        char cookie[96];
        th_login(u, cookie, sizeof(cookie));
        rs_web_session_identify(&th_app, cookie, &s->peer.ident);
        assert_true(s->peer.ident.logged_in);
    }
    json_decref(th_expect(s, "control", "hello"));
    return s;
}

static inline void th_send(struct rs_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void th_send(struct rs_session *s, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rs_session_on_message(s, buf, strlen(buf));
}

/* Joins `room` as `name`; returns the participant id from control/joined (static copy) or
 * fails the test. */
static inline const char *th_join(struct rs_session *s, const char *room, const char *name)
{
    static char ids[8][16];
    static unsigned n;
    th_send(s, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"}",
            room, name);
    json_t *e = th_expect(s, "control", "joined");
    char *id = ids[n++ % 8];
    snprintf(id, sizeof(ids[0]), "%s", json_string_value(json_object_get(e, "id")));
    json_decref(e);
    return id;
}

#endif
