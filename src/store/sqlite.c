/* SQLite backend of the store: the embedded default (one file under the data directory).
 *
 * Crash safety: WAL journal with synchronous=FULL, so a committed transaction survives a
 * power cut, and a crash mid-write leaves the previous state. Migrations are numbered SQL
 * scripts applied in order inside one transaction each, recorded in `schema_migrations`; a
 * database newer than this binary is refused rather than silently misread. */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

struct sqlite_store {
    struct rs_store base; /* first: rs_store* converts to sqlite_store* */
    sqlite3 *db;
    sqlite3_stmt *room_get, *room_put, *room_touch, *room_delete, *room_count;
};

static const char *const migrations[] = {
    /* 1: rooms and their settings */
    "CREATE TABLE rooms ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  title TEXT NOT NULL DEFAULT '',"
    "  max_participants INTEGER NOT NULL DEFAULT 0,"
    "  created_at_ms INTEGER NOT NULL,"
    "  last_active_ms INTEGER NOT NULL"
    ") STRICT;",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
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

static void sq_close(struct rs_store *st)
{
    struct sqlite_store *s = S(st);
    sqlite3_finalize(s->room_get);
    sqlite3_finalize(s->room_put);
    sqlite3_finalize(s->room_touch);
    sqlite3_finalize(s->room_delete);
    sqlite3_finalize(s->room_count);
    if (sqlite3_close(s->db) != SQLITE_OK)
        RS_WARN("store", "event=close_busy");
    free(s);
}

static int sq_schema_version(struct rs_store *st)
{
    return current_version(S(st)->db);
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    size_t n = src ? strlen((const char *)src) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? (const char *)src : "", n);
    dst[n] = 0;
}

static int sq_room_get(struct rs_store *st, const char *id, struct rs_room_record *out)
{
    sqlite3_stmt *q = S(st)->room_get;
    int rc = -EIO;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        copy_text(out->id, sizeof(out->id), sqlite3_column_text(q, 0));
        copy_text(out->title, sizeof(out->title), sqlite3_column_text(q, 1));
        out->max_participants = (unsigned)sqlite3_column_int(q, 2);
        out->created_at_ms = sqlite3_column_int64(q, 3);
        out->last_active_ms = sqlite3_column_int64(q, 4);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = -ENOENT;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

static int step_done(sqlite3_stmt *q)
{
    int step = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return step == SQLITE_DONE ? 0 : -EIO;
}

static int sq_room_put(struct rs_store *st, const struct rs_room_record *r)
{
    sqlite3_stmt *q = S(st)->room_put;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, (int)r->max_participants);
    sqlite3_bind_int64(q, 4, r->created_at_ms);
    sqlite3_bind_int64(q, 5, r->last_active_ms);
    return step_done(q);
}

static int sq_room_touch(struct rs_store *st, const char *id, int64_t now_ms)
{
    sqlite3_stmt *q = S(st)->room_touch;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, now_ms);
    sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
    int rc = step_done(q);
    if (rc == 0 && sqlite3_changes(S(st)->db) == 0)
        return -ENOENT;
    return rc;
}

static int sq_room_delete(struct rs_store *st, const char *id)
{
    sqlite3_stmt *q = S(st)->room_delete;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int rc = step_done(q);
    if (rc == 0 && sqlite3_changes(S(st)->db) == 0)
        return -ENOENT;
    return rc;
}

static int sq_room_count(struct rs_store *st, int64_t *out)
{
    sqlite3_stmt *q = S(st)->room_count;
    sqlite3_reset(q);
    int rc = -EIO;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = 0;
    }
    sqlite3_reset(q);
    return rc;
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
};

int rs_store_open_sqlite(const char *path, struct rs_store **out)
{
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->base.ops = &sqlite_ops;
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        RS_ERROR("store", "event=open_failed path=%s msg=\"%s\"", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail_close;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (exec(s->db, "PRAGMA journal_mode=WAL") || exec(s->db, "PRAGMA synchronous=FULL") ||
        exec(s->db, "PRAGMA foreign_keys=ON"))
        goto fail_close;
    rc = migrate(s->db);
    if (rc)
        goto fail_close_rc;
    struct {
        sqlite3_stmt **stmt;
        const char *sql;
    } prep[] = {
        {&s->room_get, "SELECT id, title, max_participants, created_at_ms, last_active_ms "
                       "FROM rooms WHERE id = ?1"},
        {&s->room_put, "INSERT INTO rooms (id, title, max_participants, created_at_ms, "
                       "last_active_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                       "max_participants = excluded.max_participants, "
                       "last_active_ms = excluded.last_active_ms"},
        {&s->room_touch, "UPDATE rooms SET last_active_ms = ?1 WHERE id = ?2"},
        {&s->room_delete, "DELETE FROM rooms WHERE id = ?1"},
        {&s->room_count, "SELECT COUNT(*) FROM rooms"},
    };
    for (size_t i = 0; i < sizeof(prep) / sizeof(prep[0]); i++) {
        if (sqlite3_prepare_v3(s->db, prep[i].sql, -1, SQLITE_PREPARE_PERSISTENT, prep[i].stmt,
                               NULL) != SQLITE_OK) {
            RS_ERROR("store", "event=prepare_failed msg=\"%s\"", sqlite3_errmsg(s->db));
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
