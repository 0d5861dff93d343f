/* SPDX-License-Identifier: EUPL-1.2 */
/* Identity in the store, on either backend (store_backend.h): migration 1 → 2 on a live SQLite
 * database, users (local and OIDC), login sessions (expiry, sliding, purge), meetings (update,
 * cascade, tenant-scoped lists), moderator grants, invitations (revoke, find, purge), and the
 * `ratsaal user` command fed through stdin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/password.h"
#include "auth/user_cli.h"
#include "store/store.h"
#include "store_backend.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    return rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-ident");
}

static int teardown(void **state)
{
    rs_test_store_dir_remove(dir, path);
    return 0;
}

static struct rs_store *open_store(void)
{
    struct rs_store *st = NULL;
    assert_int_equal(rs_test_store_open(path, &st), 0);
    return st;
}

static void make_user(struct rs_store *st, const char *name, enum rs_user_role role,
                      const char *tenant, struct rs_user_record *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->username, sizeof(out->username), "%s", name);
    snprintf(out->display_name, sizeof(out->display_name), "%s", name);
    snprintf(out->tenant, sizeof(out->tenant), "%s", tenant);
    snprintf(out->password_hash, sizeof(out->password_hash), "$argon2id$v=19$fake");
    out->role = role;
    out->created_at_ms = 1000;
    assert_int_equal(rs_store_user_create(st, out), 0);
}

static void make_meeting(struct rs_store *st, const char *id, const char *owner,
                         const char *tenant, int64_t created)
{
    struct rs_room_record m = {0};
    snprintf(m.id, sizeof(m.id), "%s", id);
    snprintf(m.title, sizeof(m.title), "Meeting %s", id);
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner);
    snprintf(m.tenant, sizeof(m.tenant), "%s", tenant);
    m.created_at_ms = created;
    m.last_active_ms = created;
    m.lobby = true;
    assert_int_equal(rs_store_meeting_create(st, &m), 0);
}

static void hash_of(uint8_t *h, int seed)
{
    for (int i = 0; i < RS_TOKEN_HASH_LEN; i++)
        h[i] = (uint8_t)(seed * 31 + i);
}

static void test_migrate_v1_to_v2(void **state)
{
    rs_test_skip_unless_sqlite("a version 1 database written in SQLite's dialect (PostgreSQL "
                               "databases start at the current schema)");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                     " applied_at_ms INTEGER NOT NULL);"
                     "INSERT INTO schema_migrations VALUES (1, 0);"
                     "CREATE TABLE rooms ("
                     "  id TEXT PRIMARY KEY NOT NULL,"
                     "  title TEXT NOT NULL DEFAULT '',"
                     "  max_participants INTEGER NOT NULL DEFAULT 0,"
                     "  created_at_ms INTEGER NOT NULL,"
                     "  last_active_ms INTEGER NOT NULL"
                     ") STRICT;"
                     "INSERT INTO rooms VALUES ('old-room', 'Altbau', 12, 100, 200);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    struct rs_store *st = open_store();
    assert_int_equal(rs_store_schema_version(st), 10);
    struct rs_room_record r;
    assert_int_equal(rs_store_room_get(st, "old-room", &r), 0);
    assert_string_equal(r.title, "Altbau");
    assert_int_equal(r.max_participants, 12);
    assert_int_equal(r.created_at_ms, 100);
    assert_int_equal(r.last_active_ms, 200);
    assert_false(r.managed);
    assert_true(r.lobby);
    assert_false(r.has_password);
    assert_string_equal(r.owner_id, "");
    assert_string_equal(r.tenant, "");
    assert_int_equal(r.scheduled_start_ms, 0);
    assert_int_equal(r.scheduled_end_ms, 0);
    assert_int_equal(r.ended_at_ms, 0); /* migration 3: not ended */
    /* an anonymous room is not a meeting: meeting_update refuses it */
    assert_int_equal(rs_store_meeting_update(st, &r), -ENOENT);
    /* the old room still takes grants and invites (foreign keys work on the altered table) */
    struct rs_user_record u;
    make_user(st, "alice", RS_USER_ROLE_USER, "", &u);
    assert_int_equal(rs_store_grant_set(st, "old-room", u.id), 0);
    assert_int_equal(rs_store_room_delete(st, "old-room"), 0);
    assert_int_equal(rs_store_grant_is_moderator(st, "old-room", u.id), 0);
    rs_store_close(st);

    /* reopening does not re-run migrations */
    st = open_store();
    assert_int_equal(rs_store_schema_version(st), 10);
    rs_store_close(st);
}

static int count_user(const struct rs_user_record *u, void *ctx)
{
    char *names = ctx;
    size_t n = strlen(names);
    snprintf(names + n, 256 - n, "%s,", u->username[0] ? u->username : u->oidc_sub);
    return 0;
}

static void test_local_users(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record a, got, dup;
    int64_t n;
    assert_int_equal(rs_store_user_count(st, &n), 0);
    assert_int_equal(n, 0);
    make_user(st, "zoe", RS_USER_ROLE_ADMIN, "stadt-a", &a);
    assert_int_equal(strlen(a.id), 17);
    assert_int_equal(a.id[0], 'u');
    for (int i = 1; i < 17; i++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", a.id[i]));

    assert_int_equal(rs_store_user_get(st, a.id, &got), 0);
    assert_string_equal(got.username, "zoe");
    assert_int_equal(got.role, RS_USER_ROLE_ADMIN);
    assert_string_equal(got.tenant, "stadt-a");
    assert_string_equal(got.password_hash, "$argon2id$v=19$fake");
    assert_string_equal(got.oidc_issuer, "");
    assert_int_equal(got.created_at_ms, 1000);
    assert_int_equal(got.last_login_ms, 0);
    assert_false(got.disabled);
    assert_int_equal(rs_store_user_get_by_username(st, "zoe", &got), 0);
    assert_string_equal(got.id, a.id);
    assert_int_equal(rs_store_user_get_by_username(st, "nobody", &got), -ENOENT);
    assert_int_equal(rs_store_user_get(st, "u-no-such-user-id", &got), -ENOENT); /* never issued */

    /* duplicate and invalid names */
    memset(&dup, 0, sizeof(dup));
    snprintf(dup.username, sizeof(dup.username), "zoe");
    assert_int_equal(rs_store_user_create(st, &dup), -EEXIST);
    snprintf(dup.username, sizeof(dup.username), "bad name");
    assert_int_equal(rs_store_user_create(st, &dup), -EINVAL);
    snprintf(dup.username, sizeof(dup.username), "%s", "");
    assert_int_equal(rs_store_user_create(st, &dup), -EINVAL);
    snprintf(dup.username, sizeof(dup.username), "x'; DROP TABLE users; --");
    assert_int_equal(rs_store_user_create(st, &dup), -EINVAL);
    assert_true(rs_username_valid("a.b_c@d-e"));
    assert_false(rs_username_valid("a/b"));

    /* SQL in data: stored verbatim, nothing else happens */
    struct rs_user_record inj;
    make_user(st, "mallory", RS_USER_ROLE_USER, "t'); DELETE FROM users; --", &inj);
    assert_int_equal(rs_store_user_get_by_username(st, "' OR '1'='1", &got), -ENOENT);
    assert_int_equal(rs_store_user_get(st, inj.id, &got), 0);
    assert_string_equal(got.tenant, "t'); DELETE FROM users; --");

    /* setters */
    assert_int_equal(rs_store_user_set_password(st, a.id, "$argon2id$v=19$other"), 0);
    assert_int_equal(rs_store_user_set_password(st, "unknown", "$argon2id$v=19$x"), -ENOENT);
    assert_int_equal(rs_store_user_set_password(st, a.id, ""), -EINVAL);
    assert_int_equal(rs_store_user_set_role(st, a.id, RS_USER_ROLE_MODERATOR), 0);
    assert_int_equal(rs_store_user_set_role(st, "unknown", RS_USER_ROLE_USER), -ENOENT);
    assert_int_equal(rs_store_user_touch_login(st, a.id, 777), 0);
    assert_int_equal(rs_store_user_touch_login(st, "unknown", 777), -ENOENT);
    assert_int_equal(rs_store_user_set_disabled(st, a.id, true), 0);
    assert_int_equal(rs_store_user_set_disabled(st, "unknown", true), -ENOENT);
    assert_int_equal(rs_store_user_get(st, a.id, &got), 0);
    assert_string_equal(got.password_hash, "$argon2id$v=19$other");
    assert_int_equal(got.role, RS_USER_ROLE_MODERATOR);
    assert_int_equal(got.last_login_ms, 777);
    assert_true(got.disabled);

    assert_int_equal(rs_store_user_count(st, &n), 0);
    assert_int_equal(n, 2);
    char names[256] = "";
    assert_int_equal(rs_store_user_list(st, count_user, names), 0);
    assert_string_equal(names, "mallory,zoe,");
    rs_store_close(st);

    /* role names */
    enum rs_user_role role;
    assert_int_equal(rs_user_role_parse("moderator", &role), 0);
    assert_int_equal(role, RS_USER_ROLE_MODERATOR);
    assert_int_equal(rs_user_role_parse("root", &role), -EINVAL);
    assert_string_equal(rs_user_role_name(RS_USER_ROLE_ADMIN), "admin");
    enum rs_invite_role irole;
    assert_int_equal(rs_invite_role_parse("participant", &irole), 0);
    assert_int_equal(irole, RS_INVITE_PARTICIPANT);
    assert_int_equal(rs_invite_role_parse("admin", &irole), -EINVAL);
}

static void test_oidc_upsert(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record u = {0}, again = {0}, other = {0}, got;
    snprintf(u.oidc_issuer, sizeof(u.oidc_issuer), "https://idp.example/realms/a");
    snprintf(u.oidc_sub, sizeof(u.oidc_sub), "sub-1");
    snprintf(u.display_name, sizeof(u.display_name), "Max Muster");
    snprintf(u.email, sizeof(u.email), "max@example.org");
    snprintf(u.tenant, sizeof(u.tenant), "stadt-a");
    u.role = RS_USER_ROLE_USER;
    assert_int_equal(rs_store_user_upsert_oidc(st, &u, 5000), 0);
    assert_int_equal(strlen(u.id), 17);
    assert_int_equal(u.created_at_ms, 5000);
    assert_int_equal(u.last_login_ms, 5000);
    assert_string_equal(u.username, "");
    assert_string_equal(u.password_hash, "");

    /* the next login updates the claims and keeps id and created_at */
    again = u;
    memset(again.id, 0, sizeof(again.id));
    snprintf(again.display_name, sizeof(again.display_name), "Max M. Muster");
    snprintf(again.tenant, sizeof(again.tenant), "stadt-b");
    again.role = RS_USER_ROLE_ADMIN;
    assert_int_equal(rs_store_user_upsert_oidc(st, &again, 9000), 0);
    assert_string_equal(again.id, u.id);
    assert_int_equal(again.created_at_ms, 5000);
    assert_int_equal(again.last_login_ms, 9000);
    assert_int_equal(rs_store_user_get(st, u.id, &got), 0);
    assert_string_equal(got.display_name, "Max M. Muster");
    assert_string_equal(got.tenant, "stadt-b");
    assert_int_equal(got.role, RS_USER_ROLE_ADMIN);
    assert_string_equal(got.oidc_issuer, "https://idp.example/realms/a");

    /* same sub at another issuer: another person */
    other = u;
    snprintf(other.oidc_issuer, sizeof(other.oidc_issuer), "https://idp.example/realms/b");
    assert_int_equal(rs_store_user_upsert_oidc(st, &other, 9000), 0);
    assert_string_not_equal(other.id, u.id);
    int64_t n;
    assert_int_equal(rs_store_user_count(st, &n), 0);
    assert_int_equal(n, 2);

    /* an OIDC account has no password to set; empty identifiers are refused */
    assert_int_equal(rs_store_user_set_password(st, u.id, "$argon2id$v=19$x"), -ENOENT);
    struct rs_user_record bad = {0};
    snprintf(bad.oidc_issuer, sizeof(bad.oidc_issuer), "https://idp");
    assert_int_equal(rs_store_user_upsert_oidc(st, &bad, 1), -EINVAL);
    /* a local account cannot carry OIDC identifiers */
    snprintf(bad.username, sizeof(bad.username), "both");
    snprintf(bad.oidc_sub, sizeof(bad.oidc_sub), "s");
    assert_int_equal(rs_store_user_create(st, &bad), -EINVAL);

    /* a disabled OIDC user is returned as such; the caller refuses the login */
    assert_int_equal(rs_store_user_set_disabled(st, u.id, true), 0);
    again = u;
    assert_int_equal(rs_store_user_upsert_oidc(st, &again, 9500), 0);
    assert_true(again.disabled);
    rs_store_close(st);
}

static void test_sessions(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record a, b, got_user;
    struct rs_session_record s;
    uint8_t h1[32], h2[32], h3[32], h4[32];
    hash_of(h1, 1);
    hash_of(h2, 2);
    hash_of(h3, 3);
    hash_of(h4, 4);
    make_user(st, "anna", RS_USER_ROLE_USER, "", &a);
    make_user(st, "bert", RS_USER_ROLE_USER, "", &b);
    const int64_t t0 = 1000000, ttl = 12 * 3600 * 1000LL;

    assert_int_equal(rs_store_session_create(st, h1, a.id, RS_LOGIN_OIDC, "eyJ.hint.sig", "Firefox",
                                             t0, ttl),
                     0);
    assert_int_equal(rs_store_session_create(st, h1, a.id, RS_LOGIN_LOCAL, NULL, NULL, t0, ttl),
                     -EEXIST);
    assert_int_equal(rs_store_session_create(st, h2, "unothere", RS_LOGIN_LOCAL, NULL, NULL, t0,
                                             ttl),
                     -ENOENT);
    assert_int_equal(rs_store_session_create(st, h2, a.id, RS_LOGIN_LOCAL, NULL, NULL, t0, 0),
                     -EINVAL);

    assert_int_equal(rs_store_session_get(st, h1, t0 + 1, &s, &got_user), 0);
    assert_memory_equal(s.id_hash, h1, 32);
    assert_string_equal(s.user_id, a.id);
    assert_int_equal(s.auth, RS_LOGIN_OIDC);
    assert_string_equal(s.id_token_hint, "eyJ.hint.sig");
    assert_string_equal(s.user_agent_hint, "Firefox");
    assert_int_equal(s.created_at_ms, t0);
    assert_int_equal(s.expires_at_ms, t0 + ttl);
    assert_string_equal(got_user.username, "anna");
    assert_int_equal(rs_store_session_get(st, h2, t0, &s, NULL), -ENOENT);

    /* within a minute: no slide */
    assert_int_equal(rs_store_session_get(st, h1, t0 + 30000, &s, NULL), 0);
    assert_int_equal(s.last_seen_ms, t0);
    assert_int_equal(s.expires_at_ms, t0 + ttl);
    /* after a minute: last_seen and expiry move together, and it is stored */
    assert_int_equal(rs_store_session_get(st, h1, t0 + 120000, &s, NULL), 0);
    assert_int_equal(s.last_seen_ms, t0 + 120000);
    assert_int_equal(s.expires_at_ms, t0 + 120000 + ttl);
    assert_int_equal(rs_store_session_get(st, h1, t0 + 130000, &s, NULL), 0);
    assert_int_equal(s.last_seen_ms, t0 + 120000);
    assert_int_equal(s.expires_at_ms, t0 + 120000 + ttl);
    /* a session kept alive survives its original expiry; idle past the ttl it is gone */
    assert_int_equal(rs_store_session_get(st, h1, t0 + ttl + 1000, &s, NULL), 0);
    assert_int_equal(rs_store_session_get(st, h1, t0 + 3 * ttl, &s, NULL), -ENOENT);

    /* a disabled user's session stops working */
    assert_int_equal(rs_store_session_create(st, h2, b.id, RS_LOGIN_LOCAL, NULL, NULL, t0, ttl), 0);
    assert_int_equal(rs_store_session_get(st, h2, t0, NULL, NULL), 0);
    assert_int_equal(rs_store_user_set_disabled(st, b.id, true), 0);
    assert_int_equal(rs_store_session_get(st, h2, t0, NULL, NULL), -ENOENT);
    assert_int_equal(rs_store_user_set_disabled(st, b.id, false), 0);
    assert_int_equal(rs_store_session_get(st, h2, t0, &s, NULL), 0);
    assert_int_equal(s.auth, RS_LOGIN_LOCAL);
    assert_string_equal(s.id_token_hint, "");

    /* an ID token too long to keep is dropped, the session is still made */
    char *huge = malloc(RS_ID_TOKEN_HINT_MAX + 10);
    assert_non_null(huge);
    memset(huge, 'x', RS_ID_TOKEN_HINT_MAX + 9);
    huge[RS_ID_TOKEN_HINT_MAX + 9] = 0;
    assert_int_equal(rs_store_session_create(st, h3, b.id, RS_LOGIN_OIDC, huge, NULL, t0, 1000),
                     0);
    free(huge);
    assert_int_equal(rs_store_session_get(st, h3, t0, &s, NULL), 0);
    assert_string_equal(s.id_token_hint, "");

    /* delete one, delete all of a user, purge */
    assert_int_equal(rs_store_session_create(st, h4, b.id, RS_LOGIN_LOCAL, NULL, NULL, t0, 500), 0);
    assert_int_equal(rs_store_session_delete(st, h2), 0);
    assert_int_equal(rs_store_session_delete(st, h2), -ENOENT);
    /* h1 (anna, expires late), h3 (bert, t0+1000), h4 (bert, t0+500) remain */
    assert_int_equal(rs_store_session_purge(st, t0 + 500), 1);
    assert_int_equal(rs_store_session_purge(st, t0 + 500), 0);
    assert_int_equal(rs_store_session_create(st, h2, b.id, RS_LOGIN_LOCAL, NULL, NULL, t0, ttl), 0);
    /* a password change ends the user's other sessions only: h3 goes, h2 and anna's h1 stay */
    assert_int_equal(rs_store_session_delete_others(st, b.id, h2), 1);
    assert_int_equal(rs_store_session_delete_others(st, b.id, h2), 0);
    assert_int_equal(rs_store_session_get(st, h3, t0, NULL, NULL), -ENOENT);
    assert_int_equal(rs_store_session_get(st, h2, t0, NULL, NULL), 0);
    assert_int_equal(rs_store_session_create(st, h3, b.id, RS_LOGIN_LOCAL, NULL, NULL, t0, ttl), 0);
    assert_int_equal(rs_store_session_delete_user(st, b.id), 2);
    assert_int_equal(rs_store_session_delete_user(st, b.id), 0);
    assert_int_equal(rs_store_session_get(st, h1, t0 + ttl, NULL, NULL), 0);
    rs_store_close(st);

    /* sessions survive a restart */
    st = open_store();
    assert_int_equal(rs_store_session_get(st, h1, t0 + ttl, &s, &got_user), 0);
    assert_string_equal(got_user.id, a.id);
    rs_store_close(st);
}

static void test_meetings(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record owner, mod;
    struct rs_room_record m = {0}, got;
    make_user(st, "owner", RS_USER_ROLE_USER, "stadt-a", &owner);
    make_user(st, "mod", RS_USER_ROLE_USER, "stadt-a", &mod);

    snprintf(m.id, sizeof(m.id), "k3J9x2mQ7pV4sT8wYb1ZcA");
    snprintf(m.title, sizeof(m.title), "Bauausschuss");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner.id);
    snprintf(m.tenant, sizeof(m.tenant), "stadt-a");
    m.created_at_ms = 1764193200123;
    m.last_active_ms = m.created_at_ms;
    m.scheduled_start_ms = 1764237600000;
    m.scheduled_end_ms = 1764244800000;
    m.lobby = true;
    m.has_password = true;
    snprintf(m.password_hash, sizeof(m.password_hash), "$argon2id$v=19$pin");
    assert_int_equal(rs_store_meeting_create(st, &m), 0);
    assert_int_equal(rs_store_meeting_create(st, &m), -EEXIST);
    struct rs_room_record orphan = m;
    snprintf(orphan.id, sizeof(orphan.id), "orphan");
    snprintf(orphan.owner_id, sizeof(orphan.owner_id), "unobody");
    assert_int_equal(rs_store_meeting_create(st, &orphan), -ENOENT);
    orphan.has_password = true;
    orphan.password_hash[0] = 0;
    assert_int_equal(rs_store_meeting_create(st, &orphan), -EINVAL);

    assert_int_equal(rs_store_room_get(st, m.id, &got), 0);
    assert_true(got.managed);
    assert_string_equal(got.title, "Bauausschuss");
    assert_string_equal(got.owner_id, owner.id);
    assert_string_equal(got.tenant, "stadt-a");
    assert_int_equal(got.scheduled_start_ms, 1764237600000);
    assert_int_equal(got.scheduled_end_ms, 1764244800000);
    assert_true(got.lobby);
    assert_true(got.has_password);
    assert_string_equal(got.password_hash, "$argon2id$v=19$pin");

    /* update: title, schedule cleared, lobby off, password cleared */
    snprintf(got.title, sizeof(got.title), "Hauptausschuss");
    got.scheduled_start_ms = got.scheduled_end_ms = 0;
    got.lobby = false;
    got.has_password = false;
    snprintf(got.owner_id, sizeof(got.owner_id), "%s", mod.id); /* not changed by update */
    assert_int_equal(rs_store_meeting_update(st, &got), 0);
    assert_int_equal(rs_store_room_get(st, m.id, &got), 0);
    assert_string_equal(got.title, "Hauptausschuss");
    assert_int_equal(got.scheduled_start_ms, 0);
    assert_false(got.lobby);
    assert_false(got.has_password);
    assert_string_equal(got.password_hash, "");
    assert_string_equal(got.owner_id, owner.id);
    assert_int_equal(got.ended_at_ms, 0);
    got.has_password = true;
    snprintf(got.password_hash, sizeof(got.password_hash), "$argon2id$v=19$new");
    got.ended_at_ms = 1764244800000LL; /* moderation/end stores when, a restart clears it */
    assert_int_equal(rs_store_meeting_update(st, &got), 0);
    assert_int_equal(rs_store_room_get(st, m.id, &got), 0);
    assert_int_equal(got.ended_at_ms, 1764244800000LL);
    got.ended_at_ms = 0;
    assert_int_equal(rs_store_meeting_update(st, &got), 0);
    assert_int_equal(rs_store_room_get(st, m.id, &got), 0);
    assert_int_equal(got.ended_at_ms, 0);
    snprintf(got.id, sizeof(got.id), "unknown");
    assert_int_equal(rs_store_meeting_update(st, &got), -ENOENT);

    /* room_put (anonymous-room path) does not clobber meeting fields */
    struct rs_room_record anon = {0};
    snprintf(anon.id, sizeof(anon.id), "%s", m.id);
    snprintf(anon.title, sizeof(anon.title), "Hauptausschuss");
    anon.last_active_ms = 42;
    assert_int_equal(rs_store_room_put(st, &anon), 0);
    assert_int_equal(rs_store_room_get(st, m.id, &got), 0);
    assert_true(got.managed);
    assert_string_equal(got.owner_id, owner.id);
    assert_true(got.has_password);
    assert_string_equal(got.password_hash, "$argon2id$v=19$new");
    assert_int_equal(got.created_at_ms, 1764193200123);

    /* grants */
    assert_int_equal(rs_store_grant_is_moderator(st, m.id, mod.id), 0);
    assert_int_equal(rs_store_grant_set(st, m.id, mod.id), 0);
    assert_int_equal(rs_store_grant_set(st, m.id, mod.id), 0); /* idempotent */
    assert_int_equal(rs_store_grant_is_moderator(st, m.id, mod.id), 1);
    assert_int_equal(rs_store_grant_is_moderator(st, m.id, owner.id), 0);
    assert_int_equal(rs_store_grant_set(st, "nope", mod.id), -ENOENT);
    assert_int_equal(rs_store_grant_set(st, m.id, "unope"), -ENOENT);
    assert_int_equal(rs_store_grant_unset(st, m.id, mod.id), 0);
    assert_int_equal(rs_store_grant_unset(st, m.id, mod.id), -ENOENT);
    assert_int_equal(rs_store_grant_is_moderator(st, m.id, mod.id), 0);

    /* delete cascades grants and invites */
    assert_int_equal(rs_store_grant_set(st, m.id, mod.id), 0);
    struct rs_invite_record inv = {0}, found;
    snprintf(inv.id, sizeof(inv.id), "inv1");
    hash_of(inv.token_hash, 9);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", m.id);
    inv.role = RS_INVITE_GUEST;
    inv.expires_at_ms = 1LL << 50;
    assert_int_equal(rs_store_invite_create(st, &inv), 0);
    assert_int_equal(rs_store_meeting_delete(st, m.id), 0);
    assert_int_equal(rs_store_meeting_delete(st, m.id), -ENOENT);
    assert_int_equal(rs_store_room_get(st, m.id, &got), -ENOENT);
    assert_int_equal(rs_store_grant_is_moderator(st, m.id, mod.id), 0);
    assert_int_equal(rs_store_invite_find(st, inv.token_hash, 0, &found), -ENOENT);
    /* the users are still there */
    struct rs_user_record still;
    assert_int_equal(rs_store_user_get(st, mod.id, &still), 0);
    rs_store_close(st);
}

struct seen {
    char ids[512];
    int stop_after;
    int n;
};

static int collect_room(const struct rs_room_record *r, void *ctx)
{
    struct seen *s = ctx;
    size_t n = strlen(s->ids);
    snprintf(s->ids + n, sizeof(s->ids) - n, "%s,", r->id);
    if (++s->n == s->stop_after)
        return 7;
    return 0;
}

static const char *list_for(struct rs_store *st, const struct rs_user_record *u, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(rs_store_meeting_list_for_user(st, u, collect_room, s), 0);
    return s->ids;
}

static void test_list_for_user_tenants(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record alice, bob, carol, admin_a, dave, admin_b;
    struct seen s;
    make_user(st, "alice", RS_USER_ROLE_USER, "stadt-a", &alice);
    make_user(st, "bob", RS_USER_ROLE_MODERATOR, "stadt-a", &bob);
    make_user(st, "carol", RS_USER_ROLE_USER, "stadt-a", &carol);
    make_user(st, "admin-a", RS_USER_ROLE_ADMIN, "stadt-a", &admin_a);
    make_user(st, "dave", RS_USER_ROLE_USER, "stadt-b", &dave);
    make_user(st, "admin-b", RS_USER_ROLE_ADMIN, "stadt-b", &admin_b);

    make_meeting(st, "m1", alice.id, "stadt-a", 100);
    make_meeting(st, "m2", carol.id, "stadt-a", 200);
    make_meeting(st, "mb", dave.id, "stadt-b", 300);
    make_meeting(st, "x' OR 1=1 --", alice.id, "stadt-a' OR '1'='1", 400);
    struct rs_room_record anon = {0};
    snprintf(anon.id, sizeof(anon.id), "anon");
    assert_int_equal(rs_store_room_put(st, &anon), 0); /* anonymous rooms are never listed */
    assert_int_equal(rs_store_grant_set(st, "m2", bob.id), 0);
    /* a grant across tenants does not show another tenant's meeting */
    assert_int_equal(rs_store_grant_set(st, "m2", dave.id), 0);

    assert_string_equal(list_for(st, &alice, &s), "m1,");
    assert_string_equal(list_for(st, &bob, &s), "m2,");
    assert_string_equal(list_for(st, &carol, &s), "m2,");
    assert_string_equal(list_for(st, &admin_a, &s), "m2,m1,");
    assert_string_equal(list_for(st, &dave, &s), "mb,");
    assert_string_equal(list_for(st, &admin_b, &s), "mb,");
    struct rs_user_record evil = admin_a;
    snprintf(evil.tenant, sizeof(evil.tenant), "stadt-a' OR '1'='1");
    assert_string_equal(list_for(st, &evil, &s), "x' OR 1=1 --,");

    /* a callback's non-zero return stops the iteration and is passed back */
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(rs_store_meeting_list_for_user(st, &admin_a, collect_room, &s), 7);
    assert_string_equal(s.ids, "m2,");
    rs_store_close(st);
}

struct invite_seen {
    int n, revoked, expired;
    int64_t uses;
};

static int collect_invite(const struct rs_invite_record *inv, void *ctx)
{
    struct invite_seen *s = ctx;
    s->n++;
    s->revoked += inv->revoked;
    s->expired += inv->expired;
    s->uses += inv->uses;
    return 0;
}

static void test_invites(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record owner;
    make_user(st, "owner", RS_USER_ROLE_USER, "", &owner);
    make_meeting(st, "room-a", owner.id, "", 1);
    make_meeting(st, "room-b", owner.id, "", 1);
    const int64_t t0 = 10000000, day = 86400000;

    struct rs_invite_record a = {0}, b, c, got;
    snprintf(a.id, sizeof(a.id), "ia");
    hash_of(a.token_hash, 1);
    snprintf(a.room_id, sizeof(a.room_id), "room-a");
    a.role = RS_INVITE_GUEST;
    snprintf(a.created_by, sizeof(a.created_by), "%s", owner.id);
    a.created_at_ms = t0;
    a.expires_at_ms = t0 + day;
    assert_int_equal(rs_store_invite_create(st, &a), 0);

    b = a; /* same id */
    hash_of(b.token_hash, 2);
    assert_int_equal(rs_store_invite_create(st, &b), -EEXIST);
    snprintf(b.id, sizeof(b.id), "ib"); /* same token hash */
    b.token_hash[0] = a.token_hash[0];
    memcpy(b.token_hash, a.token_hash, 32);
    assert_int_equal(rs_store_invite_create(st, &b), -EEXIST);
    hash_of(b.token_hash, 2);
    snprintf(b.room_id, sizeof(b.room_id), "no-room");
    assert_int_equal(rs_store_invite_create(st, &b), -ENOENT);
    snprintf(b.room_id, sizeof(b.room_id), "room-a");
    snprintf(b.created_by, sizeof(b.created_by), "unobody");
    assert_int_equal(rs_store_invite_create(st, &b), -ENOENT);
    b.created_by[0] = 0; /* no creator (anonymous meeting) */
    b.role = RS_INVITE_MODERATOR;
    b.expires_at_ms = t0 + 2 * day;
    assert_int_equal(rs_store_invite_create(st, &b), 0);
    c = a;
    snprintf(c.id, sizeof(c.id), "ic");
    hash_of(c.token_hash, 3);
    snprintf(c.room_id, sizeof(c.room_id), "room-b");
    c.role = RS_INVITE_PARTICIPANT;
    assert_int_equal(rs_store_invite_create(st, &c), 0);

    /* find */
    assert_int_equal(rs_store_invite_find(st, a.token_hash, t0, &got), 0);
    assert_string_equal(got.id, "ia");
    assert_string_equal(got.room_id, "room-a");
    assert_int_equal(got.role, RS_INVITE_GUEST);
    assert_string_equal(got.created_by, owner.id);
    assert_int_equal(got.created_at_ms, t0);
    assert_int_equal(got.expires_at_ms, t0 + day);
    assert_false(got.expired);
    assert_false(got.revoked);
    assert_int_equal(got.uses, 0);
    assert_int_equal(rs_store_invite_find(st, a.token_hash, t0 + day, &got), 0);
    assert_true(got.expired);
    uint8_t unknown[32];
    hash_of(unknown, 99);
    assert_int_equal(rs_store_invite_find(st, unknown, t0, &got), -ENOENT);
    assert_int_equal(rs_store_invite_find(st, b.token_hash, t0, &got), 0);
    assert_int_equal(got.role, RS_INVITE_MODERATOR);
    assert_string_equal(got.created_by, "");

    /* uses */
    assert_int_equal(rs_store_invite_use(st, "ia"), 0);
    assert_int_equal(rs_store_invite_use(st, "ia"), 0);
    assert_int_equal(rs_store_invite_use(st, "nope"), -ENOENT);

    /* revoke: only through its own room */
    assert_int_equal(rs_store_invite_revoke(st, "room-b", "ia", t0 + 5), -ENOENT);
    assert_int_equal(rs_store_invite_revoke(st, "room-a", "nope", t0 + 5), -ENOENT);
    assert_int_equal(rs_store_invite_find(st, a.token_hash, t0, &got), 0);
    assert_false(got.revoked);
    assert_int_equal(rs_store_invite_revoke(st, "room-a", "ia", t0 + 5), 0);
    assert_int_equal(rs_store_invite_revoke(st, "room-a", "ia", t0 + 9), 0);
    assert_int_equal(rs_store_invite_find(st, a.token_hash, t0, &got), 0);
    assert_true(got.revoked);
    assert_int_equal(got.revoked_at_ms, t0 + 5);
    assert_int_equal(got.uses, 2);

    /* list */
    struct invite_seen s = {0};
    assert_int_equal(rs_store_invite_list(st, "room-a", t0 + day, collect_invite, &s), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.revoked, 1);
    assert_int_equal(s.expired, 1);
    assert_int_equal(s.uses, 2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_invite_list(st, "x' OR '1'='1", t0, collect_invite, &s), 0);
    assert_int_equal(s.n, 0);

    /* purge: ia revoked at t0+5, ic expires t0+day, ib expires t0+2day */
    assert_int_equal(rs_store_invite_purge(st, t0), 0);
    assert_int_equal(rs_store_invite_purge(st, t0 + 6), 1);    /* ia (revoked) */
    assert_int_equal(rs_store_invite_purge(st, t0 + day + 1), 1); /* ic (expired) */
    assert_int_equal(rs_store_invite_purge(st, t0 + day + 1), 0);
    assert_int_equal(rs_store_invite_find(st, b.token_hash, t0, &got), 0);
    assert_int_equal(rs_store_invite_find(st, c.token_hash, t0, &got), -ENOENT);
    rs_store_close(st);
}

/* ---- the `ratsaal user` command ---- */

static const char *cli_store; /* the store `ratsaal user` opens; NULL: the test's */

static int run_cli(const char *input, int argc, char **argv)
{
    char spec[RS_TEST_SPEC_MAX];
    if (cli_store)
        snprintf(spec, sizeof(spec), "%s", cli_store);
    else
        assert_int_equal(rs_test_store_spec(path, spec, sizeof(spec)), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    if (input)
        assert_int_equal(write(fds[1], input, strlen(input)), (ssize_t)strlen(input));
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    fflush(stdout);
    int status = rs_user_cli(argc, argv, spec);
    fflush(stdout);
    dup2(saved, STDIN_FILENO);
    close(saved);
    return status;
}

#define CLI(input, ...)                                                                            \
    ({                                                                                             \
        char *argv_[] = {"user", __VA_ARGS__};                                                     \
        run_cli(input, (int)(sizeof(argv_) / sizeof(argv_[0])), argv_);                            \
    })

static void test_cli(void **state)
{
    const char *pw = "correct horse battery\n";
    assert_int_equal(CLI(pw, "add", "anna", "--role", "admin", "--display-name", "Anna A.",
                         "--tenant", "stadt-a"),
                     0);
    struct rs_store *st = open_store();
    struct rs_user_record u;
    assert_int_equal(rs_store_user_get_by_username(st, "anna", &u), 0);
    assert_int_equal(u.role, RS_USER_ROLE_ADMIN);
    assert_string_equal(u.display_name, "Anna A.");
    assert_string_equal(u.tenant, "stadt-a");
    assert_int_equal(rs_password_verify(u.password_hash, "correct horse battery"), 0);
    assert_int_equal(rs_password_verify(u.password_hash, "wrong horse battery"), -EACCES);
    uint8_t h[32];
    hash_of(h, 5);
    assert_int_equal(rs_store_session_create(st, h, u.id, RS_LOGIN_LOCAL, NULL, NULL, 1, 1000000),
                     0);
    rs_store_close(st);

    /* failures: exit 1 */
    assert_int_equal(CLI(pw, "add", "anna", "--role", "user"), 1);         /* exists */
    assert_int_equal(CLI("short\n", "add", "bert", "--role", "user"), 1);  /* policy */
    assert_int_equal(CLI("", "add", "bert", "--role", "user"), 1);         /* no password */
    assert_int_equal(CLI(pw, "passwd", "nobody"), 1);
    assert_int_equal(CLI(pw, "disable", "nobody"), 1);
    /* usage errors: exit 2, nothing read or stored */
    assert_int_equal(CLI(pw, "add", "bert"), 2);
    assert_int_equal(CLI(pw, "add", "bert", "--role", "root"), 2);
    assert_int_equal(CLI(pw, "add", "bert", "--role"), 2);
    assert_int_equal(CLI(pw, "add", "bad/name", "--role", "user"), 2);
    assert_int_equal(CLI(pw, "add", "bert", "--role", "user", "--colour", "red"), 2);
    assert_int_equal(CLI(pw, "add", "bert", "ernie", "--role", "user"), 2);
    assert_int_equal(CLI(pw, "add", "--role", "user"), 2);
    assert_int_equal(CLI(pw, "frobnicate"), 2);
    assert_int_equal(CLI(pw, "passwd"), 2);
    assert_int_equal(CLI(pw, "list", "extra"), 2);
    char *only_user[] = {"user"};
    assert_int_equal(run_cli(pw, 1, only_user), 2);
    st = open_store();
    assert_int_equal(rs_store_user_get_by_username(st, "bert", &u), -ENOENT);
    rs_store_close(st);

    /* a Windows line ending is not part of the password; default display name is the name */
    assert_int_equal(CLI("another fine password\r\n", "add", "bert", "--role", "user"), 0);
    assert_int_equal(CLI(NULL, "list"), 0);
    assert_int_equal(CLI(NULL, "help"), 0);

    /* passwd: new hash, sessions ended */
    assert_int_equal(CLI("a brand new password\n", "passwd", "anna"), 0);
    st = open_store();
    assert_int_equal(rs_store_user_get_by_username(st, "anna", &u), 0);
    assert_int_equal(rs_password_verify(u.password_hash, "a brand new password"), 0);
    assert_int_equal(rs_store_session_get(st, h, 2, NULL, NULL), -ENOENT);
    assert_int_equal(rs_store_user_get_by_username(st, "bert", &u), 0);
    assert_string_equal(u.display_name, "bert");
    assert_int_equal(rs_password_verify(u.password_hash, "another fine password"), 0);
    assert_int_equal(u.role, RS_USER_ROLE_USER);
    rs_store_close(st);

    /* disable / enable */
    assert_int_equal(CLI(NULL, "disable", "bert"), 0);
    st = open_store();
    assert_int_equal(rs_store_user_get_by_username(st, "bert", &u), 0);
    assert_true(u.disabled);
    rs_store_close(st);
    assert_int_equal(CLI(NULL, "enable", "bert"), 0);
    st = open_store();
    assert_int_equal(rs_store_user_get_by_username(st, "bert", &u), 0);
    assert_false(u.disabled);
    rs_store_close(st);
}

/* A SQLite file in a directory that does not exist; a PostgreSQL server that is not there. */
static void test_cli_unopenable_db(void **state)
{
    cli_store = rs_test_store_is_pg() ? "postgresql:///ratsaal?host=/nonexistent-dir/x"
                                      : "/nonexistent-dir/x/ratsaal.db";
    assert_int_equal(CLI(NULL, "list"), 1);
    cli_store = NULL;
}

/* Back to schema 7 in SQLite: the old `invites` table, which refuses the role audience, with
 * one invitation in it (token hash all zeros, used twice). */
static void rewind_to_v7(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "DROP TABLE invites;"
                     "CREATE TABLE invites ("
                     "  id TEXT PRIMARY KEY NOT NULL,"
                     "  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
                     "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
                     "  role TEXT NOT NULL CHECK (role IN ('guest', 'participant', 'moderator')),"
                     "  created_by TEXT REFERENCES users(id) ON DELETE SET NULL,"
                     "  created_at_ms INTEGER NOT NULL,"
                     "  expires_at_ms INTEGER NOT NULL,"
                     "  revoked_at_ms INTEGER,"
                     "  uses INTEGER NOT NULL DEFAULT 0"
                     ") STRICT;"
                     "INSERT INTO invites VALUES ('old', zeroblob(32), 'podium', 'guest', NULL, 1,"
                     "  4102444800000, NULL, 2);"
                     "DROP TABLE recording_audit;"
                     "DROP TABLE recordings;"
                     "ALTER TABLE attendance DROP COLUMN node;" /* migration 10 */
                     "DELETE FROM schema_migrations WHERE version >= 8;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO invites VALUES ('x', randomblob(32), 'podium',"
                                      " 'audience', NULL, 1, 2, NULL, 0)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

/* PostgreSQL databases start at the current schema, with no version 7 to go back to: the same
 * invitation made through the store stands for the old one. */
static void old_invite_through_store(void)
{
    struct rs_store *st = open_store();
    struct rs_invite_record old = {
        .role = RS_INVITE_GUEST, .created_at_ms = 1, .expires_at_ms = 4102444800000LL};
    snprintf(old.id, sizeof(old.id), "old");
    snprintf(old.room_id, sizeof(old.room_id), "podium");
    assert_int_equal(rs_store_invite_create(st, &old), 0);
    assert_int_equal(rs_store_invite_use(st, "old"), 0);
    assert_int_equal(rs_store_invite_use(st, "old"), 0);
    rs_store_close(st);
}

/* Migration 8 rebuilds `invites` so that it takes the role `audience` (podium mode): the
 * invitations of a v7 database stay usable, an audience invitation is stored and read back, a
 * role the table does not know is still refused, and deleting the meeting still takes its
 * invitations with it (the foreign key survives the rebuild). On PostgreSQL, everything but the
 * way back to v7. */
static void test_invite_audience_migration(void **state)
{
    struct rs_store *st = open_store();
    struct rs_user_record owner;
    make_user(st, "owner", RS_USER_ROLE_USER, "", &owner);
    make_meeting(st, "podium", owner.id, "", 1);
    rs_store_close(st);

    if (rs_test_store_is_pg())
        old_invite_through_store();
    else
        rewind_to_v7();

    st = open_store();
    assert_int_equal(rs_store_schema_version(st), 10);
    uint8_t zero[32] = {0};
    struct rs_invite_record got;
    assert_int_equal(rs_store_invite_find(st, zero, 10, &got), 0);
    assert_string_equal(got.id, "old");
    assert_int_equal(got.role, RS_INVITE_GUEST);
    assert_int_equal(got.uses, 2);

    struct rs_invite_record a = {0};
    snprintf(a.id, sizeof(a.id), "ia");
    hash_of(a.token_hash, 7);
    snprintf(a.room_id, sizeof(a.room_id), "podium");
    a.role = RS_INVITE_AUDIENCE;
    a.created_at_ms = 1;
    a.expires_at_ms = 4102444800000LL;
    assert_int_equal(rs_store_invite_create(st, &a), 0);
    assert_int_equal(rs_store_invite_find(st, a.token_hash, 10, &got), 0);
    assert_int_equal(got.role, RS_INVITE_AUDIENCE);
    assert_string_equal(rs_invite_role_name(got.role), "audience");
    enum rs_invite_role role;
    assert_int_equal(rs_invite_role_parse("audience", &role), 0);
    assert_int_equal(role, RS_INVITE_AUDIENCE);
    a.role = RS_INVITE__COUNT; /* no such role */
    snprintf(a.id, sizeof(a.id), "ib");
    hash_of(a.token_hash, 8);
    assert_int_equal(rs_store_invite_create(st, &a), -EINVAL);

    assert_int_equal(rs_store_room_delete(st, "podium"), 0);
    assert_int_equal(rs_store_invite_find(st, zero, 10, &got), -ENOENT);
    hash_of(a.token_hash, 7);
    assert_int_equal(rs_store_invite_find(st, a.token_hash, 10, &got), -ENOENT);
    rs_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_v1_to_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oidc_upsert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meetings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_for_user_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_audience_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_unopenable_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
