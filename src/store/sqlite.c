/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of the store: the embedded default (one file under the data directory).
 *
 * Crash safety: WAL journal with synchronous=FULL, so a committed transaction survives a
 * power cut, and a crash mid-write leaves the previous state. Migrations are numbered SQL
 * scripts applied in order inside one transaction each, recorded in `schema_migrations`; a
 * database newer than this binary is refused rather than silently misread.
 *
 * Every statement is prepared once at open (the table `sql[]`) and takes its values through
 * bound parameters only; nothing from a caller is ever pasted into SQL text. Constraint
 * failures map to errno codes (unique → -EEXIST, foreign key → -ENOENT, check → -EINVAL), so
 * the schema itself enforces the invariants and the code does not race itself checking first.
 *
 * The subtle part is migration 2 on a live v1 database: `rooms` gains its meeting columns by
 * ALTER TABLE ADD COLUMN (existing rows become anonymous rooms: managed 0, no owner), and
 * SQLite only allows a REFERENCES column to be added when its default is NULL, which is why
 * owner_id has none. */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/sqlite_internal.h"
#include "store/store_columns.h"
#include "store/store_fault.h"

static const char *const migrations[] = {
    /* 1: rooms and their settings */
    "CREATE TABLE rooms ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  title TEXT NOT NULL DEFAULT '',"
    "  max_participants INTEGER NOT NULL DEFAULT 0,"
    "  created_at_ms INTEGER NOT NULL,"
    "  last_active_ms INTEGER NOT NULL"
    ") STRICT;",
    /* 2: identity: users, login sessions, meetings (rooms managed through the REST API),
     * moderator grants, invitations */
    "CREATE TABLE users ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  username TEXT UNIQUE,"
    "  oidc_issuer TEXT,"
    "  oidc_sub TEXT,"
    "  display_name TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '',"
    "  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'moderator', 'user')),"
    "  tenant TEXT NOT NULL DEFAULT '',"
    "  password_hash TEXT,"
    "  created_at_ms INTEGER NOT NULL,"
    "  last_login_ms INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    "  UNIQUE (oidc_issuer, oidc_sub),"
    "  CHECK ((username IS NOT NULL AND oidc_issuer IS NULL AND oidc_sub IS NULL) OR"
    "         (username IS NULL AND oidc_issuer IS NOT NULL AND oidc_sub IS NOT NULL))"
    ") STRICT;"
    "CREATE TABLE sessions ("
    "  id_hash BLOB PRIMARY KEY NOT NULL CHECK (length(id_hash) = 32),"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created_at_ms INTEGER NOT NULL,"
    "  last_seen_ms INTEGER NOT NULL,"
    "  expires_at_ms INTEGER NOT NULL,"
    "  auth TEXT NOT NULL CHECK (auth IN ('oidc', 'local')),"
    "  id_token_hint TEXT,"
    "  user_agent_hint TEXT"
    ") STRICT;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expiry ON sessions(expires_at_ms);"
    "ALTER TABLE rooms ADD COLUMN owner_id TEXT REFERENCES users(id) ON DELETE SET NULL;"
    "ALTER TABLE rooms ADD COLUMN tenant TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE rooms ADD COLUMN scheduled_start_ms INTEGER;"
    "ALTER TABLE rooms ADD COLUMN scheduled_end_ms INTEGER;"
    "ALTER TABLE rooms ADD COLUMN lobby INTEGER NOT NULL DEFAULT 1 CHECK (lobby IN (0, 1));"
    "ALTER TABLE rooms ADD COLUMN password_hash TEXT;"
    "ALTER TABLE rooms ADD COLUMN managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1));"
    "CREATE INDEX rooms_owner ON rooms(owner_id);"
    "CREATE INDEX rooms_tenant ON rooms(tenant, managed);"
    "CREATE TABLE grants ("
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL DEFAULT 'moderator' CHECK (role IN ('moderator')),"
    "  PRIMARY KEY (room_id, user_id)"
    ") STRICT;"
    "CREATE INDEX grants_user ON grants(user_id);"
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
    "CREATE INDEX invites_room ON invites(room_id);"
    "CREATE INDEX invites_expiry ON invites(expires_at_ms);",
    /* 3: a meeting ended for everyone (moderation/end) */
    "ALTER TABLE rooms ADD COLUMN ended_at_ms INTEGER;",
    /* 4: meeting members and votes (sqlite_vote.c) */
    rs_store__sqlite_vote_schema,
    /* 5: attendance (sqlite_attendance.c) */
    rs_store__sqlite_attendance_schema,
    /* 6: agenda items, minutes and session roles (sqlite_agenda.c) */
    rs_store__sqlite_agenda_schema,
    /* 7: speaking turns (sqlite_speaking.c) */
    rs_store__sqlite_speaking_schema,
    /* 8: audience invitations (podium mode): SQLite cannot change a CHECK, so the table is
     * rebuilt with the same columns (nothing references it) */
    "CREATE TABLE invites_new ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('guest', 'participant', 'moderator', 'audience')),"
    "  created_by TEXT REFERENCES users(id) ON DELETE SET NULL,"
    "  created_at_ms INTEGER NOT NULL,"
    "  expires_at_ms INTEGER NOT NULL,"
    "  revoked_at_ms INTEGER,"
    "  uses INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "INSERT INTO invites_new (id, token_hash, room_id, role, created_by, created_at_ms, "
    "  expires_at_ms, revoked_at_ms, uses) "
    "SELECT id, token_hash, room_id, role, created_by, created_at_ms, expires_at_ms, "
    "  revoked_at_ms, uses FROM invites;"
    "DROP TABLE invites;"
    "ALTER TABLE invites_new RENAME TO invites;"
    "CREATE INDEX invites_room ON invites(room_id);"
    "CREATE INDEX invites_expiry ON invites(expires_at_ms);",
    /* 9: recordings and their audit log (sqlite_recording.c) */
    rs_store__sqlite_recording_schema,
    /* 10: the cluster node that opened an attendance stay or a recording (store.h) */
    "ALTER TABLE attendance ADD COLUMN node TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE recordings ADD COLUMN node TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX recordings_open ON recordings(state) WHERE state = 'recording';",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum {
    Q_ROOM_GET,
    Q_ROOM_PUT,
    Q_ROOM_TOUCH,
    Q_ROOM_DELETE,
    Q_ROOM_COUNT,
    Q_ROOM_PURGE_ANONYMOUS,
    Q_USER_INSERT,
    Q_USER_UPSERT_OIDC,
    Q_USER_GET,
    Q_USER_GET_BY_NAME,
    Q_USER_SET_PASSWORD,
    Q_USER_SET_ROLE,
    Q_USER_SET_DISABLED,
    Q_USER_TOUCH_LOGIN,
    Q_USER_COUNT,
    Q_USER_LIST,
    Q_SESSION_INSERT,
    Q_SESSION_GET,
    Q_SESSION_SLIDE,
    Q_SESSION_DELETE,
    Q_SESSION_DELETE_USER,
    Q_SESSION_DELETE_OTHERS,
    Q_SESSION_PURGE,
    Q_MEETING_INSERT,
    Q_MEETING_UPDATE,
    Q_MEETING_LIST_TENANT,
    Q_MEETING_LIST_USER,
    Q_GRANT_SET,
    Q_GRANT_UNSET,
    Q_GRANT_GET,
    Q_INVITE_INSERT,
    Q_INVITE_LIST,
    Q_INVITE_REVOKE,
    Q_INVITE_FIND,
    Q_INVITE_USE,
    Q_INVITE_PURGE,
    Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_ROOM_GET] = "SELECT " ROOM_COLS " FROM rooms r WHERE r.id = ?1",
    /* Anonymous rooms: only the v1 columns; meeting columns keep their defaults or values. */
    [Q_ROOM_PUT] = "INSERT INTO rooms (id, title, max_participants, created_at_ms, last_active_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) "
                   "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                   "max_participants = excluded.max_participants, "
                   "last_active_ms = excluded.last_active_ms",
    [Q_ROOM_TOUCH] = "UPDATE rooms SET last_active_ms = ?1 WHERE id = ?2",
    [Q_ROOM_DELETE] = "DELETE FROM rooms WHERE id = ?1",
    [Q_ROOM_COUNT] = "SELECT COUNT(*) FROM rooms",
    /* a room whose recordings still have files waits for retention to remove them first */
    [Q_ROOM_PURGE_ANONYMOUS] = "DELETE FROM rooms WHERE managed = 0 AND last_active_ms < ?1 AND "
                               "NOT EXISTS (SELECT 1 FROM recordings WHERE room_id = rooms.id "
                               "AND state <> 'deleted')",

    [Q_USER_INSERT] = "INSERT INTO users (id, username, display_name, email, role, tenant, "
                      "password_hash, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_USER_UPSERT_OIDC] =
        "INSERT INTO users (id, oidc_issuer, oidc_sub, display_name, email, role, tenant, "
        "created_at_ms, last_login_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
        "ON CONFLICT(oidc_issuer, oidc_sub) DO UPDATE SET display_name = excluded.display_name, "
        "email = excluded.email, role = excluded.role, tenant = excluded.tenant, "
        "last_login_ms = excluded.last_login_ms RETURNING " USER_COLS_BARE,
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users u WHERE u.id = ?1",
    [Q_USER_GET_BY_NAME] = "SELECT " USER_COLS " FROM users u WHERE u.username = ?1",
    [Q_USER_SET_PASSWORD] =
        "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND username IS NOT NULL",
    [Q_USER_SET_ROLE] = "UPDATE users SET role = ?2 WHERE id = ?1",
    [Q_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE id = ?1",
    [Q_USER_TOUCH_LOGIN] = "UPDATE users SET last_login_ms = ?2 WHERE id = ?1",
    [Q_USER_COUNT] = "SELECT COUNT(*) FROM users",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users u "
                    "ORDER BY u.username IS NULL, u.username, u.id",

    [Q_SESSION_INSERT] = "INSERT INTO sessions (id_hash, user_id, created_at_ms, last_seen_ms, "
                         "expires_at_ms, auth, id_token_hint, user_agent_hint) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_SESSION_GET] = "SELECT " SESSION_COLS ", " USER_COLS " FROM sessions s "
                      "JOIN users u ON u.id = s.user_id "
                      "WHERE s.id_hash = ?1 AND s.expires_at_ms > ?2 AND u.disabled = 0",
    /* SET expressions see the old row: the inactivity timeout (expires - last_seen) stays. */
    [Q_SESSION_SLIDE] = "UPDATE sessions SET expires_at_ms = expires_at_ms + (?2 - last_seen_ms), "
                        "last_seen_ms = ?2 WHERE id_hash = ?1 AND last_seen_ms < ?2",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
    [Q_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
    [Q_SESSION_DELETE_OTHERS] = "DELETE FROM sessions WHERE user_id = ?1 AND id_hash != ?2",
    [Q_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at_ms <= ?1",

    [Q_MEETING_INSERT] = "INSERT INTO rooms (id, title, max_participants, created_at_ms, "
                         "last_active_ms, owner_id, tenant, scheduled_start_ms, scheduled_end_ms, "
                         "lobby, password_hash, managed) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)",
    [Q_MEETING_UPDATE] = "UPDATE rooms SET title = ?2, max_participants = ?3, "
                         "scheduled_start_ms = ?4, scheduled_end_ms = ?5, lobby = ?6, "
                         "password_hash = ?7, ended_at_ms = ?8 WHERE id = ?1 AND managed = 1",
    [Q_MEETING_LIST_TENANT] = "SELECT " ROOM_COLS " FROM rooms r "
                              "WHERE r.managed = 1 AND r.tenant = ?1 "
                              "ORDER BY r.created_at_ms DESC, r.id",
    [Q_MEETING_LIST_USER] = "SELECT " ROOM_COLS " FROM rooms r "
                            "WHERE r.managed = 1 AND r.tenant = ?1 AND (r.owner_id = ?2 OR "
                            "EXISTS (SELECT 1 FROM grants g WHERE g.room_id = r.id AND "
                            "g.user_id = ?2 AND g.role = 'moderator')) "
                            "ORDER BY r.created_at_ms DESC, r.id",

    [Q_GRANT_SET] = "INSERT INTO grants (room_id, user_id, role) VALUES (?1, ?2, 'moderator') "
                    "ON CONFLICT(room_id, user_id) DO UPDATE SET role = 'moderator'",
    [Q_GRANT_UNSET] = "DELETE FROM grants WHERE room_id = ?1 AND user_id = ?2",
    [Q_GRANT_GET] = "SELECT 1 FROM grants "
                    "WHERE room_id = ?1 AND user_id = ?2 AND role = 'moderator'",

    [Q_INVITE_INSERT] = "INSERT INTO invites (id, token_hash, room_id, role, created_by, "
                        "created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_INVITE_LIST] = "SELECT " INVITE_COLS " FROM invites i WHERE i.room_id = ?1 "
                      "ORDER BY i.created_at_ms, i.id",
    [Q_INVITE_REVOKE] = "UPDATE invites SET revoked_at_ms = COALESCE(revoked_at_ms, ?3) "
                        "WHERE id = ?2 AND room_id = ?1",
    [Q_INVITE_FIND] = "SELECT " INVITE_COLS " FROM invites i WHERE i.token_hash = ?1",
    [Q_INVITE_USE] = "UPDATE invites SET uses = uses + 1 WHERE id = ?1",
    [Q_INVITE_PURGE] = "DELETE FROM invites WHERE expires_at_ms < ?1 OR revoked_at_ms < ?1",
};

struct sqlite_store {
    struct rs_store base; /* first: rs_store* converts to sqlite_store* */
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    int64_t busy_since_ms;   /* when the statement waiting for a lock began to wait */
    int64_t busy_gave_up_ms; /* when a wait for a lock last ran out (0: never) */
};

static int exec(sqlite3 *db, const char *text)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        RS_ERROR("store", "event=sql_failed rc=%d msg=\"%s\"", rc, msg ? msg : "");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

static int current_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &st,
                           NULL) != SQLITE_OK)
        return -EIO;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v < 0 ? -EIO : v;
}

static int migrate(sqlite3 *db)
{
    if (exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)"))
        return -EIO;
    int v = current_version(db);
    if (v < 0)
        return v;
    if (v > N_MIGRATIONS) {
        RS_ERROR("store", "event=schema_too_new version=%d known=%d", v, N_MIGRATIONS);
        return -EPROTO;
    }
    for (int i = v; i < N_MIGRATIONS; i++) {
        char record[160];
        snprintf(record, sizeof(record),
                 "INSERT INTO schema_migrations VALUES (%d, "
                 "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                 i + 1);
        if (exec(db, "BEGIN IMMEDIATE"))
            return -EIO;
        if (exec(db, migrations[i]) || exec(db, record)) {
            exec(db, "ROLLBACK");
            return -EIO;
        }
        if (exec(db, "COMMIT"))
            return -EIO;
        RS_INFO("store", "event=migrated version=%d", i + 1);
    }
    return 0;
}

static struct sqlite_store *S(struct rs_store *st)
{
    return (struct sqlite_store *)st;
}

sqlite3 *rs_store__sqlite_db(struct rs_store *st)
{
    return S(st)->db;
}

/* The statement `which`, reset and with no bindings, ready to bind and step. */
static sqlite3_stmt *stmt(struct rs_store *st, int which)
{
    sqlite3_stmt *q = S(st)->q[which];
    rs_store__fault_clear();
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return q;
}

static void release(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

static int map_error(sqlite3 *db, int step)
{
    switch (sqlite3_extended_errcode(db)) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return -ENOENT;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        return -EINVAL;
    default:
        return rs_store__sqlite_fail(db, "sql_failed");
    }
}

/* Steps a write statement to completion: 0, or the mapped error. */
static int step_done(struct rs_store *st, sqlite3_stmt *q)
{
    int step = sqlite3_step(q);
    int rc = step == SQLITE_DONE ? 0 : map_error(S(st)->db, step);
    release(q);
    return rc;
}

/* As step_done, but -ENOENT when no row changed. */
static int step_changed(struct rs_store *st, sqlite3_stmt *q)
{
    int rc = step_done(st, q);
    if (rc == 0 && sqlite3_changes(S(st)->db) == 0)
        return -ENOENT;
    return rc;
}

/* As step_done, returning the number of rows changed. */
static int step_count(struct rs_store *st, sqlite3_stmt *q)
{
    int rc = step_done(st, q);
    return rc < 0 ? rc : sqlite3_changes(S(st)->db);
}

static int step_int64(struct rs_store *st, sqlite3_stmt *q, int64_t *out)
{
    int rc = -EIO;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = 0;
    }
    release(q);
    return rc;
}

/* Binds `text` (borrowed until the statement is reset), or NULL when it is NULL or "". */
static void bind_opt(sqlite3_stmt *q, int i, const char *text)
{
    if (text && text[0])
        sqlite3_bind_text(q, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

static void bind_text(sqlite3_stmt *q, int i, const char *text)
{
    sqlite3_bind_text(q, i, text ? text : "", -1, SQLITE_STATIC);
}

static void bind_hash(sqlite3_stmt *q, int i, const uint8_t *hash)
{
    sqlite3_bind_blob(q, i, hash, RS_TOKEN_HASH_LEN, SQLITE_STATIC);
}

/* 0 is "not set" in records, NULL in the table. */
static void bind_time_opt(sqlite3_stmt *q, int i, int64_t ms)
{
    if (ms)
        sqlite3_bind_int64(q, i, ms);
    else
        sqlite3_bind_null(q, i);
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    size_t n = src ? strlen((const char *)src) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? (const char *)src : "", n);
    dst[n] = 0;
}

static void copy_hash(uint8_t *dst, sqlite3_stmt *q, int col)
{
    const void *b = sqlite3_column_blob(q, col);
    memset(dst, 0, RS_TOKEN_HASH_LEN);
    if (b && sqlite3_column_bytes(q, col) == RS_TOKEN_HASH_LEN)
        memcpy(dst, b, RS_TOKEN_HASH_LEN);
}

#define TEXT(q, c) sqlite3_column_text(q, c)
#define COPY(field, q, c) copy_text(field, sizeof(field), TEXT(q, c))

static void read_room(sqlite3_stmt *q, int c, struct rs_room_record *out)
{
    memset(out, 0, sizeof(*out));
    COPY(out->id, q, c);
    COPY(out->title, q, c + 1);
    out->max_participants = (unsigned)sqlite3_column_int(q, c + 2);
    out->created_at_ms = sqlite3_column_int64(q, c + 3);
    out->last_active_ms = sqlite3_column_int64(q, c + 4);
    COPY(out->owner_id, q, c + 5);
    COPY(out->tenant, q, c + 6);
    out->scheduled_start_ms = sqlite3_column_int64(q, c + 7); /* NULL reads as 0 */
    out->scheduled_end_ms = sqlite3_column_int64(q, c + 8);
    out->lobby = sqlite3_column_int(q, c + 9) != 0;
    out->has_password = sqlite3_column_type(q, c + 10) != SQLITE_NULL;
    COPY(out->password_hash, q, c + 10);
    out->managed = sqlite3_column_int(q, c + 11) != 0;
    out->ended_at_ms = sqlite3_column_int64(q, c + 12);
}

static void read_user(sqlite3_stmt *q, int c, struct rs_user_record *out)
{
    memset(out, 0, sizeof(*out));
    COPY(out->id, q, c);
    COPY(out->username, q, c + 1);
    COPY(out->oidc_issuer, q, c + 2);
    COPY(out->oidc_sub, q, c + 3);
    COPY(out->display_name, q, c + 4);
    COPY(out->email, q, c + 5);
    if (rs_user_role_parse((const char *)TEXT(q, c + 6), &out->role))
        out->role = RS_USER_ROLE_USER;
    COPY(out->tenant, q, c + 7);
    COPY(out->password_hash, q, c + 8);
    out->created_at_ms = sqlite3_column_int64(q, c + 9);
    out->last_login_ms = sqlite3_column_int64(q, c + 10);
    out->disabled = sqlite3_column_int(q, c + 11) != 0;
}

static void read_session(sqlite3_stmt *q, int c, struct rs_session_record *out)
{
    memset(out, 0, sizeof(*out));
    copy_hash(out->id_hash, q, c);
    COPY(out->user_id, q, c + 1);
    out->created_at_ms = sqlite3_column_int64(q, c + 2);
    out->last_seen_ms = sqlite3_column_int64(q, c + 3);
    out->expires_at_ms = sqlite3_column_int64(q, c + 4);
    const unsigned char *auth = TEXT(q, c + 5);
    out->auth = auth && strcmp((const char *)auth, "oidc") == 0 ? RS_LOGIN_OIDC : RS_LOGIN_LOCAL;
    COPY(out->id_token_hint, q, c + 6);
    COPY(out->user_agent_hint, q, c + 7);
}

static void read_invite(sqlite3_stmt *q, int c, int64_t now_ms, struct rs_invite_record *out)
{
    memset(out, 0, sizeof(*out));
    COPY(out->id, q, c);
    copy_hash(out->token_hash, q, c + 1);
    COPY(out->room_id, q, c + 2);
    if (rs_invite_role_parse((const char *)TEXT(q, c + 3), &out->role))
        out->role = RS_INVITE_GUEST;
    COPY(out->created_by, q, c + 4);
    out->created_at_ms = sqlite3_column_int64(q, c + 5);
    out->expires_at_ms = sqlite3_column_int64(q, c + 6);
    out->revoked = sqlite3_column_type(q, c + 7) != SQLITE_NULL;
    out->revoked_at_ms = sqlite3_column_int64(q, c + 7);
    out->uses = sqlite3_column_int64(q, c + 8);
    out->expired = out->expires_at_ms <= now_ms;
}

static void sq_close(struct rs_store *st)
{
    struct sqlite_store *s = S(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    if (sqlite3_close(s->db) != SQLITE_OK)
        RS_WARN("store", "event=close_busy");
    free(s);
}

static int sq_schema_version(struct rs_store *st)
{
    return current_version(S(st)->db);
}

/* ---- rooms ---- */

static int sq_room_get(struct rs_store *st, const char *id, struct rs_room_record *out)
{
    sqlite3_stmt *q = stmt(st, Q_ROOM_GET);
    int rc = -EIO;
    bind_text(q, 1, id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        read_room(q, 0, out);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = -ENOENT;
    }
    release(q);
    return rc;
}

static int sq_room_put(struct rs_store *st, const struct rs_room_record *r)
{
    sqlite3_stmt *q = stmt(st, Q_ROOM_PUT);
    bind_text(q, 1, r->id);
    bind_text(q, 2, r->title);
    sqlite3_bind_int(q, 3, (int)r->max_participants);
    sqlite3_bind_int64(q, 4, r->created_at_ms);
    sqlite3_bind_int64(q, 5, r->last_active_ms);
    return step_done(st, q);
}

static int sq_room_touch(struct rs_store *st, const char *id, int64_t now_ms)
{
    sqlite3_stmt *q = stmt(st, Q_ROOM_TOUCH);
    sqlite3_bind_int64(q, 1, now_ms);
    bind_text(q, 2, id);
    return step_changed(st, q);
}

static int sq_room_delete(struct rs_store *st, const char *id)
{
    sqlite3_stmt *q = stmt(st, Q_ROOM_DELETE);
    bind_text(q, 1, id);
    return step_changed(st, q);
}

static int sq_room_count(struct rs_store *st, int64_t *out)
{
    return step_int64(st, stmt(st, Q_ROOM_COUNT), out);
}

static int sq_room_purge_anonymous(struct rs_store *st, int64_t before_ms)
{
    sqlite3_stmt *q = stmt(st, Q_ROOM_PURGE_ANONYMOUS);
    sqlite3_bind_int64(q, 1, before_ms);
    return step_count(st, q);
}

/* ---- users ---- */

static int sq_user_create(struct rs_store *st, const struct rs_user_record *u)
{
    sqlite3_stmt *q = stmt(st, Q_USER_INSERT);
    bind_text(q, 1, u->id);
    bind_text(q, 2, u->username);
    bind_text(q, 3, u->display_name);
    bind_text(q, 4, u->email);
    bind_text(q, 5, rs_user_role_name(u->role));
    bind_text(q, 6, u->tenant);
    bind_opt(q, 7, u->password_hash);
    sqlite3_bind_int64(q, 8, u->created_at_ms);
    return step_done(st, q);
}

static int sq_user_upsert_oidc(struct rs_store *st, struct rs_user_record *u, int64_t now_ms)
{
    sqlite3_stmt *q = stmt(st, Q_USER_UPSERT_OIDC);
    bind_text(q, 1, u->id);
    bind_text(q, 2, u->oidc_issuer);
    bind_text(q, 3, u->oidc_sub);
    bind_text(q, 4, u->display_name);
    bind_text(q, 5, u->email);
    bind_text(q, 6, rs_user_role_name(u->role));
    bind_text(q, 7, u->tenant);
    sqlite3_bind_int64(q, 8, now_ms);
    int step = sqlite3_step(q);
    int rc;
    if (step == SQLITE_ROW) {
        struct rs_user_record got;
        read_user(q, 0, &got);
        step = sqlite3_step(q); /* completes the statement */
        rc = step == SQLITE_DONE ? 0 : map_error(S(st)->db, step);
        if (rc == 0)
            *u = got;
    } else {
        rc = map_error(S(st)->db, step);
    }
    release(q);
    return rc;
}

static int get_user(struct rs_store *st, int which, const char *key, struct rs_user_record *out)
{
    sqlite3_stmt *q = stmt(st, which);
    int rc = -EIO;
    bind_text(q, 1, key);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        read_user(q, 0, out);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = -ENOENT;
    }
    release(q);
    return rc;
}

static int sq_user_get(struct rs_store *st, const char *id, struct rs_user_record *out)
{
    return get_user(st, Q_USER_GET, id, out);
}

static int sq_user_get_by_username(struct rs_store *st, const char *name,
                                   struct rs_user_record *out)
{
    return get_user(st, Q_USER_GET_BY_NAME, name, out);
}

static int sq_user_set_password(struct rs_store *st, const char *id, const char *hash)
{
    sqlite3_stmt *q = stmt(st, Q_USER_SET_PASSWORD);
    bind_text(q, 1, id);
    bind_text(q, 2, hash);
    return step_changed(st, q);
}

static int sq_user_set_role(struct rs_store *st, const char *id, enum rs_user_role role)
{
    sqlite3_stmt *q = stmt(st, Q_USER_SET_ROLE);
    bind_text(q, 1, id);
    bind_text(q, 2, rs_user_role_name(role));
    return step_changed(st, q);
}

static int sq_user_set_disabled(struct rs_store *st, const char *id, bool disabled)
{
    sqlite3_stmt *q = stmt(st, Q_USER_SET_DISABLED);
    bind_text(q, 1, id);
    sqlite3_bind_int(q, 2, disabled ? 1 : 0);
    return step_changed(st, q);
}

static int sq_user_touch_login(struct rs_store *st, const char *id, int64_t now_ms)
{
    sqlite3_stmt *q = stmt(st, Q_USER_TOUCH_LOGIN);
    bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now_ms);
    return step_changed(st, q);
}

static int sq_user_count(struct rs_store *st, int64_t *out)
{
    return step_int64(st, stmt(st, Q_USER_COUNT), out);
}

static int sq_user_list(struct rs_store *st, rs_store_user_fn each, void *ctx)
{
    sqlite3_stmt *q = stmt(st, Q_USER_LIST);
    struct rs_user_record u;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        read_user(q, 0, &u);
        if ((rc = each(&u, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map_error(S(st)->db, step);
    release(q);
    return rc;
}

/* ---- sessions ---- */

static int sq_session_create(struct rs_store *st, const struct rs_session_record *s)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_INSERT);
    bind_hash(q, 1, s->id_hash);
    bind_text(q, 2, s->user_id);
    sqlite3_bind_int64(q, 3, s->created_at_ms);
    sqlite3_bind_int64(q, 4, s->last_seen_ms);
    sqlite3_bind_int64(q, 5, s->expires_at_ms);
    bind_text(q, 6, s->auth == RS_LOGIN_OIDC ? "oidc" : "local");
    bind_opt(q, 7, s->id_token_hint);
    bind_opt(q, 8, s->user_agent_hint);
    return step_done(st, q);
}

static int sq_session_get(struct rs_store *st, const uint8_t *id_hash, int64_t now_ms,
                          struct rs_session_record *out, struct rs_user_record *user)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_GET);
    int rc = -EIO;
    int64_t last_seen = 0;
    bind_hash(q, 1, id_hash);
    sqlite3_bind_int64(q, 2, now_ms);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        last_seen = sqlite3_column_int64(q, 3);
        if (out)
            read_session(q, 0, out);
        if (user)
            read_user(q, N_SESSION_COLS, user);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = -ENOENT;
    }
    release(q);
    if (rc == 0 && now_ms - last_seen >= RS_SESSION_SLIDE_MS) {
        q = stmt(st, Q_SESSION_SLIDE);
        bind_hash(q, 1, id_hash);
        sqlite3_bind_int64(q, 2, now_ms);
        /* bookkeeping: a full disk or a locked database must not sign anyone out (the fault is
         * logged and counted; the session slides at its next lookup instead) */
        if (step_done(st, q) == 0 && out) {
            out->expires_at_ms += now_ms - out->last_seen_ms;
            out->last_seen_ms = now_ms;
        }
    }
    return rc;
}

static int sq_session_delete(struct rs_store *st, const uint8_t *id_hash)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_DELETE);
    bind_hash(q, 1, id_hash);
    return step_changed(st, q);
}

static int sq_session_delete_user(struct rs_store *st, const char *user_id)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_DELETE_USER);
    bind_text(q, 1, user_id);
    return step_count(st, q);
}

static int sq_session_delete_others(struct rs_store *st, const char *user_id, const uint8_t *keep)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_DELETE_OTHERS);
    bind_text(q, 1, user_id);
    bind_hash(q, 2, keep);
    return step_count(st, q);
}

static int sq_session_purge(struct rs_store *st, int64_t now_ms)
{
    sqlite3_stmt *q = stmt(st, Q_SESSION_PURGE);
    sqlite3_bind_int64(q, 1, now_ms);
    return step_count(st, q);
}

/* ---- meetings ---- */

static int sq_meeting_create(struct rs_store *st, const struct rs_room_record *m)
{
    sqlite3_stmt *q = stmt(st, Q_MEETING_INSERT);
    bind_text(q, 1, m->id);
    bind_text(q, 2, m->title);
    sqlite3_bind_int(q, 3, (int)m->max_participants);
    sqlite3_bind_int64(q, 4, m->created_at_ms);
    sqlite3_bind_int64(q, 5, m->last_active_ms);
    bind_opt(q, 6, m->owner_id);
    bind_text(q, 7, m->tenant);
    bind_time_opt(q, 8, m->scheduled_start_ms);
    bind_time_opt(q, 9, m->scheduled_end_ms);
    sqlite3_bind_int(q, 10, m->lobby ? 1 : 0);
    bind_opt(q, 11, m->has_password ? m->password_hash : NULL);
    return step_done(st, q);
}

static int sq_meeting_update(struct rs_store *st, const struct rs_room_record *m)
{
    sqlite3_stmt *q = stmt(st, Q_MEETING_UPDATE);
    bind_text(q, 1, m->id);
    bind_text(q, 2, m->title);
    sqlite3_bind_int(q, 3, (int)m->max_participants);
    bind_time_opt(q, 4, m->scheduled_start_ms);
    bind_time_opt(q, 5, m->scheduled_end_ms);
    sqlite3_bind_int(q, 6, m->lobby ? 1 : 0);
    bind_opt(q, 7, m->has_password ? m->password_hash : NULL);
    bind_time_opt(q, 8, m->ended_at_ms);
    return step_changed(st, q);
}

static int sq_meeting_list_for_user(struct rs_store *st, const struct rs_user_record *user,
                                    rs_store_room_fn each, void *ctx)
{
    bool admin = user->role == RS_USER_ROLE_ADMIN;
    sqlite3_stmt *q = stmt(st, admin ? Q_MEETING_LIST_TENANT : Q_MEETING_LIST_USER);
    struct rs_room_record r;
    int rc = 0, step;
    bind_text(q, 1, user->tenant);
    if (!admin)
        bind_text(q, 2, user->id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        read_room(q, 0, &r);
        if ((rc = each(&r, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map_error(S(st)->db, step);
    release(q);
    return rc;
}

/* ---- grants ---- */

static int sq_grant_set(struct rs_store *st, const char *room_id, const char *user_id)
{
    sqlite3_stmt *q = stmt(st, Q_GRANT_SET);
    bind_text(q, 1, room_id);
    bind_text(q, 2, user_id);
    return step_done(st, q);
}

static int sq_grant_unset(struct rs_store *st, const char *room_id, const char *user_id)
{
    sqlite3_stmt *q = stmt(st, Q_GRANT_UNSET);
    bind_text(q, 1, room_id);
    bind_text(q, 2, user_id);
    return step_changed(st, q);
}

static int sq_grant_is_moderator(struct rs_store *st, const char *room_id, const char *user_id)
{
    sqlite3_stmt *q = stmt(st, Q_GRANT_GET);
    bind_text(q, 1, room_id);
    bind_text(q, 2, user_id);
    int step = sqlite3_step(q);
    int rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : map_error(S(st)->db, step);
    release(q);
    return rc;
}

/* ---- invites ---- */

static int sq_invite_create(struct rs_store *st, const struct rs_invite_record *inv)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_INSERT);
    bind_text(q, 1, inv->id);
    bind_hash(q, 2, inv->token_hash);
    bind_text(q, 3, inv->room_id);
    bind_text(q, 4, rs_invite_role_name(inv->role));
    bind_opt(q, 5, inv->created_by);
    sqlite3_bind_int64(q, 6, inv->created_at_ms);
    sqlite3_bind_int64(q, 7, inv->expires_at_ms);
    return step_done(st, q);
}

static int sq_invite_list(struct rs_store *st, const char *room_id, int64_t now_ms,
                          rs_store_invite_fn each, void *ctx)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_LIST);
    struct rs_invite_record inv;
    int rc = 0, step;
    bind_text(q, 1, room_id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        read_invite(q, 0, now_ms, &inv);
        if ((rc = each(&inv, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map_error(S(st)->db, step);
    release(q);
    return rc;
}

static int sq_invite_revoke(struct rs_store *st, const char *room_id, const char *invite_id,
                            int64_t now_ms)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_REVOKE);
    bind_text(q, 1, room_id);
    bind_text(q, 2, invite_id);
    sqlite3_bind_int64(q, 3, now_ms);
    return step_changed(st, q);
}

static int sq_invite_find(struct rs_store *st, const uint8_t *token_hash, int64_t now_ms,
                          struct rs_invite_record *out)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_FIND);
    int rc = -EIO;
    bind_hash(q, 1, token_hash);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        read_invite(q, 0, now_ms, out);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = -ENOENT;
    }
    release(q);
    return rc;
}

static int sq_invite_use(struct rs_store *st, const char *invite_id)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_USE);
    bind_text(q, 1, invite_id);
    return step_changed(st, q);
}

static int sq_invite_purge(struct rs_store *st, int64_t before_ms)
{
    sqlite3_stmt *q = stmt(st, Q_INVITE_PURGE);
    sqlite3_bind_int64(q, 1, before_ms);
    return step_count(st, q);
}

static const struct rs_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .room_get = sq_room_get,
    .room_put = sq_room_put,
    .room_touch = sq_room_touch,
    .room_delete = sq_room_delete,
    .room_count = sq_room_count,
    .room_purge_anonymous = sq_room_purge_anonymous,
    .user_create = sq_user_create,
    .user_upsert_oidc = sq_user_upsert_oidc,
    .user_get = sq_user_get,
    .user_get_by_username = sq_user_get_by_username,
    .user_set_password = sq_user_set_password,
    .user_set_role = sq_user_set_role,
    .user_set_disabled = sq_user_set_disabled,
    .user_touch_login = sq_user_touch_login,
    .user_count = sq_user_count,
    .user_list = sq_user_list,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_delete_user = sq_session_delete_user,
    .session_delete_others = sq_session_delete_others,
    .session_purge = sq_session_purge,
    .meeting_create = sq_meeting_create,
    .meeting_update = sq_meeting_update,
    .meeting_list_for_user = sq_meeting_list_for_user,
    .grant_set = sq_grant_set,
    .grant_unset = sq_grant_unset,
    .grant_is_moderator = sq_grant_is_moderator,
    .invite_create = sq_invite_create,
    .invite_list = sq_invite_list,
    .invite_revoke = sq_invite_revoke,
    .invite_find = sq_invite_find,
    .invite_use = sq_invite_use,
    .invite_purge = sq_invite_purge,
    .votes = &rs_store__sqlite_vote_ops,
    .attendance = &rs_store__sqlite_attendance_ops,
    .agenda = &rs_store__sqlite_agenda_ops,
    .speaking = &rs_store__sqlite_speaking_ops,
    .recording = &rs_store__sqlite_recording_ops,
    .retention = &rs_store__sqlite_retention_ops,
};

/* SQLite's busy handler: `count` is how often this statement has been called back. The control
 * thread waits for another process's lock at most RS_STORE_BUSY_WAIT_MS, and not at all for a
 * while after such a wait ran out (store_fault.h): a lock held for minutes must cost the event
 * loop a fraction of its time, not all of it. Returns 0 to give up (SQLITE_BUSY), 1 to retry. */
static int on_busy(void *arg, int count)
{
    struct sqlite_store *s = arg;
    int64_t now = rs_mono_ms();
    if (count == 0) {
        if (s->busy_gave_up_ms && now - s->busy_gave_up_ms < RS_STORE_BUSY_QUIET_MS)
            return 0;
        s->busy_since_ms = now;
    }
    if (now - s->busy_since_ms >= RS_STORE_BUSY_WAIT_MS) {
        s->busy_gave_up_ms = now;
        return 0;
    }
    sqlite3_sleep(count < 4 ? 2 : 20);
    return 1;
}

int rs_store_open_sqlite(const char *path, struct rs_store **out)
{
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->base.ops = &sqlite_ops;
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        RS_ERROR("store", "event=open_failed path=%s msg=\"%s\"", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail_close;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_handler(s->db, on_busy, s);
    if (exec(s->db, "PRAGMA journal_mode=WAL") || exec(s->db, "PRAGMA synchronous=FULL") ||
        exec(s->db, "PRAGMA foreign_keys=ON"))
        goto fail_close;
    rc = migrate(s->db);
    if (rc)
        goto fail_close_rc;
    for (int i = 0; i < Q_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) !=
            SQLITE_OK) {
            RS_ERROR("store", "event=prepare_failed stmt=%d msg=\"%s\"", i, sqlite3_errmsg(s->db));
            goto fail_close;
        }
    }
    *out = &s->base;
    return 0;
fail_close:
    rc = -EIO;
fail_close_rc:
    sq_close(&s->base);
    return rc;
}
