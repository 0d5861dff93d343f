/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of the agenda and the session roles (store_agenda.h), beside sqlite.c.
 *
 * An agenda is a short ordered list (at most 100 items) edited a few times an hour, so every
 * call prepares its statements from constant text with bound parameters, like sqlite_vote.c.
 * The order is the `pos` column, kept dense (0..n-1): inserting, removing and moving shift
 * the neighbours inside the same BEGIN IMMEDIATE ... COMMIT as the change itself, so a crash
 * never leaves a gap or two items on one position. There is deliberately no UNIQUE on
 * (room_id, pos): SQLite checks uniqueness row by row, and "pos = pos + 1" over a range would
 * trip over itself half-way.
 *
 * The current item is not a column: it is the item started and not ended. set_current ends
 * the old one and (re)starts the new one in one transaction, so there is never more than one.
 *
 * Session roles are an append-only log (who got or lost the chair or the minutes, and when),
 * which is what a meeting's record needs; the live holders are kept by room/session.c. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite_internal.h"
#include "store/store_agenda.h"

const char rs_store__sqlite_agenda_schema[] =
    "CREATE TABLE agenda_items ("
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL CHECK (length(id) = 11),"
    "  pos INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  public INTEGER NOT NULL DEFAULT 1 CHECK (public IN (0, 1)),"
    "  minutes TEXT NOT NULL DEFAULT '',"
    "  minutes_by TEXT,"
    "  minutes_at_ms INTEGER,"
    "  started_at_ms INTEGER,"
    "  ended_at_ms INTEGER,"
    "  PRIMARY KEY (room_id, id)"
    ") STRICT;"
    "CREATE INDEX agenda_items_order ON agenda_items(room_id, pos);"
    "CREATE TABLE session_roles ("
    "  id INTEGER PRIMARY KEY,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('chair', 'minute_taker')),"
    "  user_id TEXT," /* no foreign key: the record outlives a deleted account */
    "  name TEXT NOT NULL,"
    "  granted INTEGER NOT NULL CHECK (granted IN (0, 1)),"
    "  at_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX session_roles_room ON session_roles(room_id, at_ms);";

#define map rs_store__sqlite_map
#define prep rs_store__sqlite_prep
#define changed rs_store__sqlite_changed
#define text rs_store__sqlite_text
#define copy rs_store__sqlite_copy
#define begin rs_store__sqlite_begin
#define end rs_store__sqlite_end

static void opt_int(sqlite3_stmt *q, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

static const char *col(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

/* Prepares `sql` with ?1 bound to the meeting and ?2 to the item (NULL: SQL NULL); NULL on
 * failure (logged). */
static sqlite3_stmt *item_stmt(sqlite3 *db, const char *sql, const char *room_id,
                               const char *item_id)
{
    sqlite3_stmt *q = prep(db, sql);
    if (q) {
        text(q, 1, room_id);
        if (item_id)
            text(q, 2, item_id);
        else
            sqlite3_bind_null(q, 2);
    }
    return q;
}

/* Runs `q` (may be NULL) as a write that must hit a row: 0, -ENOENT or the mapped error. */
static int changed_one(sqlite3 *db, sqlite3_stmt *q)
{
    int rc = changed(db, q);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

/* `sql` takes ?1 room and ?2 item and yields one integer: it, -ENOENT (no row), -EIO. */
static int query_int(sqlite3 *db, const char *sql, const char *room_id, const char *item_id,
                     int64_t *out)
{
    sqlite3_stmt *q = item_stmt(db, sql, room_id, item_id);
    if (!q)
        return -EIO;
    int step = sqlite3_step(q), rc = 0;
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        rc = step == SQLITE_DONE ? -ENOENT : map(db);
    sqlite3_finalize(q);
    return rc;
}

static int item_pos(sqlite3 *db, const char *room_id, const char *item_id, int64_t *out)
{
    return query_int(db, "SELECT pos FROM agenda_items WHERE room_id = ?1 AND id = ?2", room_id,
                     item_id, out);
}

static int item_count(sqlite3 *db, const char *room_id, int64_t *out)
{
    return query_int(db, "SELECT count(*) FROM agenda_items WHERE room_id = ?1", room_id, NULL,
                     out);
}

/* Shifts by `delta` the positions lo..hi (inclusive) of the meeting's items. */
static int shift(sqlite3 *db, const char *room_id, int64_t lo, int64_t hi, int delta)
{
    sqlite3_stmt *q = prep(db, "UPDATE agenda_items SET pos = pos + ?4 "
                               "WHERE room_id = ?1 AND pos >= ?2 AND pos <= ?3");
    if (q) {
        text(q, 1, room_id);
        sqlite3_bind_int64(q, 2, lo);
        sqlite3_bind_int64(q, 3, hi);
        sqlite3_bind_int(q, 4, delta);
    }
    int rc = changed(db, q);
    return rc < 0 ? rc : 0;
}

static int insert(sqlite3 *db, const char *room_id, const struct rs_agenda_item_record *it,
                  int64_t pos)
{
    sqlite3_stmt *q =
        prep(db, "INSERT INTO agenda_items (room_id, id, pos, title, description, "
                 "public, minutes, minutes_by, minutes_at_ms, started_at_ms, "
                 "ended_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    text(q, 2, it->id);
    sqlite3_bind_int64(q, 3, pos);
    text(q, 4, it->title);
    text(q, 5, it->description);
    sqlite3_bind_int(q, 6, it->public ? 1 : 0);
    text(q, 7, it->minutes);
    if (it->minutes_by && *it->minutes_by)
        text(q, 8, it->minutes_by);
    else
        sqlite3_bind_null(q, 8);
    opt_int(q, 9, it->minutes_at_ms);
    opt_int(q, 10, it->started_at_ms);
    opt_int(q, 11, it->ended_at_ms);
    int rc = changed(db, q);
    return rc < 0 ? rc : 0;
}

static int sa_list(struct rs_store *st, const char *room_id, rs_store_agenda_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT pos, id, title, description, public, minutes, minutes_by, "
                               "minutes_at_ms, started_at_ms, ended_at_ms FROM agenda_items "
                               "WHERE room_id = ?1 ORDER BY pos, id");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct rs_agenda_item_record it = {
            .room_id = room_id,
            .position = sqlite3_column_int(q, 0),
            .title = col(q, 2),
            .description = col(q, 3),
            .public = sqlite3_column_int(q, 4) != 0,
            .minutes = col(q, 5),
            .minutes_by = col(q, 6),
            .minutes_at_ms = sqlite3_column_int64(q, 7),
            .started_at_ms = sqlite3_column_int64(q, 8),
            .ended_at_ms = sqlite3_column_int64(q, 9),
        };
        copy(it.id, sizeof(it.id), q, 1);
        if ((rc = each(&it, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

static int sa_replace(struct rs_store *st, const char *room_id,
                      const struct rs_agenda_item_record *items, size_t n)
{
    if (n > RS_AGENDA_ITEMS_MAX)
        return -EINVAL;
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    sqlite3_stmt *q = prep(db, "DELETE FROM agenda_items WHERE room_id = ?1");
    if (q)
        text(q, 1, room_id);
    rc = changed(db, q);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = insert(db, room_id, &items[i], (int64_t)i);
    return end(db, rc);
}

static int sa_add(struct rs_store *st, const struct rs_agenda_item_record *item)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    int64_t n = 0, pos = item->position;
    rc = item_count(db, item->room_id, &n);
    if (rc == 0 && n >= RS_AGENDA_ITEMS_MAX)
        rc = -ENOSPC;
    if (rc == 0) {
        if (pos < 0 || pos > n)
            pos = n;
        rc = shift(db, item->room_id, pos, n, +1);
    }
    if (rc == 0)
        rc = insert(db, item->room_id, item, pos);
    return end(db, rc);
}

static int sa_update(struct rs_store *st, const struct rs_agenda_item_record *item)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = item_stmt(db,
                                "UPDATE agenda_items SET title = ?3, description = ?4, "
                                "public = ?5 WHERE room_id = ?1 AND id = ?2",
                                item->room_id, item->id);
    if (q) {
        text(q, 3, item->title);
        text(q, 4, item->description);
        sqlite3_bind_int(q, 5, item->public ? 1 : 0);
    }
    return changed_one(db, q);
}

static int sa_remove(struct rs_store *st, const char *room_id, const char *item_id)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    int64_t pos = 0, n = 0;
    rc = item_pos(db, room_id, item_id, &pos);
    if (rc == 0)
        rc =
            changed_one(db, item_stmt(db, "DELETE FROM agenda_items WHERE room_id = ?1 AND id = ?2",
                                      room_id, item_id));
    if (rc == 0)
        rc = item_count(db, room_id, &n);
    if (rc == 0)
        rc = shift(db, room_id, pos + 1, n, -1);
    return end(db, rc);
}

static int sa_move(struct rs_store *st, const char *room_id, const char *item_id, int position)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    int64_t from = 0, n = 0, to = position;
    rc = item_pos(db, room_id, item_id, &from);
    if (rc == 0)
        rc = item_count(db, room_id, &n);
    if (rc == 0) {
        if (to < 0 || to >= n)
            to = n - 1;
        if (to < from)
            rc = shift(db, room_id, to, from - 1, +1);
        else if (to > from)
            rc = shift(db, room_id, from + 1, to, -1);
    }
    if (rc == 0) {
        sqlite3_stmt *q =
            item_stmt(db, "UPDATE agenda_items SET pos = ?3 WHERE room_id = ?1 AND id = ?2",
                      room_id, item_id);
        if (q)
            sqlite3_bind_int64(q, 3, to);
        rc = changed_one(db, q);
    }
    return end(db, rc);
}

static int sa_set_minutes(struct rs_store *st, const char *room_id, const char *item_id,
                          const char *minutes, const char *by, int64_t at_ms)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = item_stmt(db,
                                "UPDATE agenda_items SET minutes = ?3, minutes_by = ?4, "
                                "minutes_at_ms = ?5 WHERE room_id = ?1 AND id = ?2",
                                room_id, item_id);
    if (q) {
        text(q, 3, minutes);
        text(q, 4, by);
        sqlite3_bind_int64(q, 5, at_ms);
    }
    return changed_one(db, q);
}

static int sa_set_current(struct rs_store *st, const char *room_id, const char *item_id,
                          int64_t now_ms)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    int64_t pos;
    if (item_id)
        rc = item_pos(db, room_id, item_id, &pos);
    if (rc == 0) {
        /* `id IS NOT ?2`: making the current item current again leaves it running */
        sqlite3_stmt *q = item_stmt(db,
                                    "UPDATE agenda_items SET ended_at_ms = ?3 WHERE room_id = ?1 "
                                    "AND started_at_ms IS NOT NULL AND ended_at_ms IS NULL "
                                    "AND id IS NOT ?2",
                                    room_id, item_id);
        if (q)
            sqlite3_bind_int64(q, 3, now_ms);
        rc = changed(db, q);
        rc = rc < 0 ? rc : 0;
    }
    if (rc == 0 && item_id) {
        sqlite3_stmt *q = item_stmt(db,
                                    "UPDATE agenda_items SET started_at_ms = "
                                    "coalesce(started_at_ms, ?3), ended_at_ms = NULL "
                                    "WHERE room_id = ?1 AND id = ?2",
                                    room_id, item_id);
        if (q)
            sqlite3_bind_int64(q, 3, now_ms);
        rc = changed_one(db, q);
    }
    return end(db, rc);
}

static int sa_role_append(struct rs_store *st, struct rs_session_role_record *r)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "INSERT INTO session_roles (room_id, role, user_id, name, granted, "
                               "at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!q)
        return -EIO;
    text(q, 1, r->room_id);
    text(q, 2, rs_session_role_name(r->role));
    if (r->user_id[0])
        text(q, 3, r->user_id);
    else
        sqlite3_bind_null(q, 3);
    text(q, 4, r->name);
    sqlite3_bind_int(q, 5, r->on ? 1 : 0);
    sqlite3_bind_int64(q, 6, r->at_ms);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : map(db);
    if (rc == 0)
        r->id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(q);
    return rc;
}

static int sa_role_list(struct rs_store *st, const char *room_id, rs_store_session_role_fn each,
                        void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT id, role, user_id, name, granted, at_ms FROM session_roles "
                               "WHERE room_id = ?1 ORDER BY at_ms, id LIMIT ?2");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    sqlite3_bind_int(q, 2, RS_SESSION_ROLE_CHANGES_MAX);
    struct rs_session_role_record r;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(q, 0);
        snprintf(r.room_id, sizeof(r.room_id), "%s", room_id);
        r.role = strcmp(col(q, 1), "minute_taker") == 0 ? RS_SESSION_ROLE_MINUTE_TAKER
                                                        : RS_SESSION_ROLE_CHAIR;
        copy(r.user_id, sizeof(r.user_id), q, 2);
        copy(r.name, sizeof(r.name), q, 3);
        r.on = sqlite3_column_int(q, 4) != 0;
        r.at_ms = sqlite3_column_int64(q, 5);
        if ((rc = each(&r, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

const struct rs_store_agenda_ops rs_store__sqlite_agenda_ops = {
    .list = sa_list,
    .replace = sa_replace,
    .add = sa_add,
    .update = sa_update,
    .remove = sa_remove,
    .move = sa_move,
    .set_minutes = sa_set_minutes,
    .set_current = sa_set_current,
    .role_append = sa_role_append,
    .role_list = sa_role_list,
};
