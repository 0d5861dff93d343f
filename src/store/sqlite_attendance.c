/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of the attendance list (store_attendance.h), beside sqlite.c.
 *
 * A row is written when someone enters a meeting's room and closed when they leave, so a
 * stay is one INSERT and one UPDATE, prepared per call like sqlite_vote.c (people enter and
 * leave a few times a minute, not thousands a second). The row is committed before the
 * feature goes on; a crash leaves it open, and the next start closes it (close_open).
 *
 * The one subtle point is the member key: who a row counts as for the quorum is worked out
 * when the person enters (room/vote.c's member list) and stored with the row, so the quorum
 * timeline reads what was true then, even after the member list changed. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite_internal.h"
#include "store/store_attendance.h"

const char rs_store__sqlite_attendance_schema[] =
    "CREATE TABLE attendance ("
    "  id INTEGER PRIMARY KEY,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  participant_id TEXT NOT NULL,"
    "  display_name TEXT NOT NULL,"
    "  user_id TEXT," /* no foreign key: the list outlives a deleted account */
    "  role TEXT NOT NULL CHECK (role IN ('guest', 'participant', 'moderator')),"
    "  member_key TEXT,"
    "  joined_at_ms INTEGER NOT NULL,"
    "  left_at_ms INTEGER,"
    "  reason TEXT"
    ") STRICT;"
    "CREATE INDEX attendance_room ON attendance(room_id, joined_at_ms);"
    "CREATE INDEX attendance_open ON attendance(left_at_ms) WHERE left_at_ms IS NULL;";

#define map rs_store__sqlite_map
#define prep rs_store__sqlite_prep
#define changed rs_store__sqlite_changed
#define text rs_store__sqlite_text
#define copy rs_store__sqlite_copy
#define opt_text rs_store__sqlite_opt_text

static int sa_add(struct rs_store *st, struct rs_attendance_record *r)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "INSERT INTO attendance (room_id, participant_id, display_name, "
                               "user_id, role, member_key, joined_at_ms, node) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!q)
        return -EIO;
    text(q, 1, r->room_id);
    text(q, 2, r->participant_id);
    text(q, 3, r->display_name);
    opt_text(q, 4, r->user_id);
    text(q, 5, r->role);
    opt_text(q, 6, r->member_key);
    sqlite3_bind_int64(q, 7, r->joined_at_ms);
    text(q, 8, st->node);
    return rs_store__sqlite_insert(db, q, &r->id);
}

static int sa_close(struct rs_store *st, int64_t id, int64_t left_at_ms, const char *reason)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    /* a row closed because its node seemed gone (a node cut off from Redis, whose
     * participants stayed) gets its real end */
    sqlite3_stmt *q = prep(db, "UPDATE attendance SET left_at_ms = ?2, reason = ?3 "
                               "WHERE id = ?1 AND " RS_ATTENDANCE_OPEN_SQL);
    if (q) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, left_at_ms);
        text(q, 3, reason);
    }
    int rc = changed(db, q);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

static int sa_close_open(struct rs_store *st, int64_t left_at_ms, const char *reason,
                         const char *node)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    /* a row opened "later" than the start time (a clock step back) closes at its own start */
    sqlite3_stmt *q = prep(db, "UPDATE attendance SET left_at_ms = max(?1, joined_at_ms), "
                               "reason = ?2 WHERE left_at_ms IS NULL AND (?3 IS NULL OR node = ?3)");
    if (q) {
        sqlite3_bind_int64(q, 1, left_at_ms);
        text(q, 2, reason);
        opt_text(q, 3, node);
    }
    return changed(db, q);
}

static int sa_adopt(struct rs_store *st, int64_t id)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "UPDATE attendance SET node = ?2, left_at_ms = NULL, reason = NULL "
                               "WHERE id = ?1 AND " RS_ATTENDANCE_OPEN_SQL);
    if (q) {
        sqlite3_bind_int64(q, 1, id);
        text(q, 2, st->node);
    }
    int rc = changed(db, q);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

static int sa_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q =
        prep(db, "SELECT DISTINCT node FROM attendance WHERE left_at_ms IS NULL AND node <> ''");
    return rs_store__sqlite_each_text(db, q, each, ctx);
}

static int sa_list(struct rs_store *st, const char *room_id, rs_store_attendance_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT id, room_id, participant_id, display_name, user_id, role, "
                               "member_key, joined_at_ms, left_at_ms, reason FROM attendance "
                               "WHERE room_id = ?1 ORDER BY joined_at_ms, id LIMIT ?2");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    sqlite3_bind_int(q, 2, RS_ATTENDANCE_ROWS_MAX);
    struct rs_attendance_record r;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(q, 0);
        copy(r.room_id, sizeof(r.room_id), q, 1);
        copy(r.participant_id, sizeof(r.participant_id), q, 2);
        copy(r.display_name, sizeof(r.display_name), q, 3);
        copy(r.user_id, sizeof(r.user_id), q, 4);
        copy(r.role, sizeof(r.role), q, 5);
        copy(r.member_key, sizeof(r.member_key), q, 6);
        r.joined_at_ms = sqlite3_column_int64(q, 7);
        r.left_at_ms = sqlite3_column_int64(q, 8);
        copy(r.reason, sizeof(r.reason), q, 9);
        if ((rc = each(&r, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

const struct rs_store_attendance_ops rs_store__sqlite_attendance_ops = {
    .add = sa_add,
    .close = sa_close,
    .close_open = sa_close_open,
    .adopt = sa_adopt,
    .open_nodes = sa_open_nodes,
    .list = sa_list,
};
