/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of recordings and the recording audit log (store_recording.h), beside
 * sqlite.c.
 *
 * A recording is one INSERT when the recorder starts and one UPDATE when it ends; downloads,
 * deletions and consent changes add audit rows. All of it is rare (a few rows a meeting), so
 * statements are prepared per call like sqlite_attendance.c. The schema refuses what the code
 * must never store: an unknown state or format, an absolute file name or one with "..", a
 * detail that is not a JSON object; those come back as -EINVAL.
 *
 * Rows go with the meeting (ON DELETE CASCADE); the files are the caller's to remove. A row
 * marked deleted stays for the audit trail and is no longer offered by `expired`. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite_internal.h"
#include "store/store_recording.h"

const char rs_store__sqlite_recording_schema[] =
    "CREATE TABLE recordings ("
    "  id INTEGER PRIMARY KEY,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  format TEXT NOT NULL CHECK (format IN ('mp4', 'webm')),"
    "  file TEXT NOT NULL CHECK (file <> '' AND substr(file, 1, 1) <> '/'"
    "                            AND instr(file, '..') = 0),"
    "  layout TEXT NOT NULL,"
    "  started_by TEXT NOT NULL,"
    "  started_by_user TEXT," /* no foreign key: the row outlives a deleted account */
    "  purpose TEXT NOT NULL,"
    "  started_at_ms INTEGER NOT NULL,"
    "  ended_at_ms INTEGER,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  retention_days INTEGER NOT NULL CHECK (retention_days >= 1),"
    "  expires_at_ms INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('recording', 'done', 'failed', 'interrupted', "
    "                                       'deleted'))"
    ") STRICT;"
    "CREATE INDEX recordings_room ON recordings(room_id, started_at_ms);"
    "CREATE INDEX recordings_expiry ON recordings(expires_at_ms) WHERE state <> 'deleted';"
    "CREATE TABLE recording_audit ("
    "  id INTEGER PRIMARY KEY,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  recording_id INTEGER," /* no foreign key: the log outlives the row it names */
    "  at_ms INTEGER NOT NULL,"
    "  event TEXT NOT NULL CHECK (event <> ''),"
    "  kind TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  actor_user TEXT,"
    "  detail TEXT NOT NULL CHECK (json_valid(detail) AND json_type(detail) = 'object')"
    ") STRICT;"
    "CREATE INDEX recording_audit_room ON recording_audit(room_id, at_ms);";

#define map rs_store__sqlite_map
#define prep rs_store__sqlite_prep
#define changed rs_store__sqlite_changed
#define text rs_store__sqlite_text
#define copy rs_store__sqlite_copy
#define opt_text rs_store__sqlite_opt_text

#define REC_COLS                                                                                   \
    "id, room_id, format, file, layout, started_by, started_by_user, purpose, started_at_ms, "     \
    "ended_at_ms, bytes, retention_days, expires_at_ms, state"

static void read_rec(sqlite3_stmt *q, struct rs_recording *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(q, 0);
    copy(r->room_id, sizeof(r->room_id), q, 1);
    copy(r->format, sizeof(r->format), q, 2);
    copy(r->file, sizeof(r->file), q, 3);
    copy(r->layout, sizeof(r->layout), q, 4);
    copy(r->started_by, sizeof(r->started_by), q, 5);
    copy(r->started_by_user, sizeof(r->started_by_user), q, 6);
    copy(r->purpose, sizeof(r->purpose), q, 7);
    r->started_at_ms = sqlite3_column_int64(q, 8);
    r->ended_at_ms = sqlite3_column_int64(q, 9);
    r->bytes = sqlite3_column_int64(q, 10);
    r->retention_days = (unsigned)sqlite3_column_int64(q, 11);
    r->expires_at_ms = sqlite3_column_int64(q, 12);
    copy(r->state, sizeof(r->state), q, 13);
}

/* Steps `q` (already bound), handing each row to `row` until it returns non-zero; finalises
 * `q`. Returns 0, a negative value `row` returned, or the mapped error. */
static int step_rows(sqlite3 *db, sqlite3_stmt *q, int (*row)(sqlite3_stmt *q, void *arg),
                     void *arg)
{
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        if ((rc = row(q, arg)) != 0)
            break;
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

struct rec_each {
    rs_store_recording_fn fn;
    void *ctx;
};

static int rec_row(sqlite3_stmt *q, void *arg)
{
    struct rec_each *e = arg;
    struct rs_recording r;
    read_rec(q, &r);
    return e->fn(&r, e->ctx);
}

static int each_rec(sqlite3 *db, sqlite3_stmt *q, rs_store_recording_fn each, void *ctx)
{
    struct rec_each e = {each, ctx};
    return step_rows(db, q, rec_row, &e);
}

/* The INSERT of sr_add: 0 or the mapped error; r->id set. */
static int insert(sqlite3 *db, struct rs_recording *r, const char *file, const char *node)
{
    sqlite3_stmt *q = prep(db, "INSERT INTO recordings (room_id, format, file, layout, started_by, "
                               "started_by_user, purpose, started_at_ms, ended_at_ms, bytes, "
                               "retention_days, expires_at_ms, state, node) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                               "?14)");
    if (!q)
        return -EIO;
    text(q, 1, r->room_id);
    text(q, 2, r->format);
    text(q, 3, file);
    text(q, 4, r->layout);
    text(q, 5, r->started_by);
    opt_text(q, 6, r->started_by_user);
    text(q, 7, r->purpose);
    sqlite3_bind_int64(q, 8, r->started_at_ms);
    if (r->ended_at_ms)
        sqlite3_bind_int64(q, 9, r->ended_at_ms);
    else
        sqlite3_bind_null(q, 9);
    sqlite3_bind_int64(q, 10, r->bytes);
    sqlite3_bind_int64(q, 11, r->retention_days);
    sqlite3_bind_int64(q, 12, r->expires_at_ms);
    text(q, 13, r->state);
    text(q, 14, node);
    return rs_store__sqlite_insert(db, q, &r->id);
}

static int sr_add(struct rs_store *st, struct rs_recording *r)
{
    if (r->retention_days < 1 || !r->state[0])
        return -EINVAL;
    sqlite3 *db = rs_store__sqlite_db(st);
    if (r->file[0])
        return insert(db, r, r->file, st->node);
    /* No name given: the file is ROOM/<id>.<format>, and the id exists only after the insert.
     * So, in one transaction, the row goes in first under the meeting's directory name (a
     * relative name the schema's CHECKs accept) and is then renamed to its final name; no one
     * ever reads the first name. Room id and format are short: the name always fits. */
    int rc = rs_store__sqlite_begin(db);
    if (rc == 0)
        rc = insert(db, r, r->room_id, st->node);
    if (rc == 0) {
        snprintf(r->file, sizeof(r->file), "%s/%lld.%s", r->room_id, (long long)r->id, r->format);
        sqlite3_stmt *q = prep(db, "UPDATE recordings SET file = ?2 WHERE id = ?1");
        if (q) {
            sqlite3_bind_int64(q, 1, r->id);
            text(q, 2, r->file);
        }
        rc = changed(db, q) == 1 ? 0 : -EIO;
    }
    rc = rs_store__sqlite_end(db, rc);
    if (rc) {
        r->file[0] = 0;
        r->id = 0;
    }
    return rc;
}

static int sr_finish(struct rs_store *st, int64_t id, int64_t ended_at_ms, int64_t bytes,
                     const char *state)
{
    if (!state ||
        (strcmp(state, "done") && strcmp(state, "failed") && strcmp(state, "interrupted")))
        return -EINVAL;
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "UPDATE recordings SET ended_at_ms = ?2, bytes = ?3, state = ?4 "
                               "WHERE id = ?1 AND state <> 'deleted'");
    if (q) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, ended_at_ms);
        sqlite3_bind_int64(q, 3, bytes);
        text(q, 4, state);
    }
    int rc = changed(db, q);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

static int sr_mark_deleted(struct rs_store *st, int64_t id)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "UPDATE recordings SET state = 'deleted' WHERE id = ?1");
    if (q)
        sqlite3_bind_int64(q, 1, id);
    int rc = changed(db, q);
    return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

static int sr_get(struct rs_store *st, int64_t id, struct rs_recording *out)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT " REC_COLS " FROM recordings WHERE id = ?1");
    if (!q)
        return -EIO;
    sqlite3_bind_int64(q, 1, id);
    int step = sqlite3_step(q), rc;
    if (step == SQLITE_ROW) {
        read_rec(q, out);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? -ENOENT : map(db);
    }
    sqlite3_finalize(q);
    return rc;
}

static int sr_list(struct rs_store *st, const char *room_id, rs_store_recording_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT " REC_COLS " FROM recordings WHERE room_id = ?1 "
                               "ORDER BY started_at_ms DESC, id DESC LIMIT ?2");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    sqlite3_bind_int(q, 2, RS_RECORDING_AUDIT_ROWS_MAX);
    return each_rec(db, q, each, ctx);
}

static int sr_expired(struct rs_store *st, int64_t now_ms, rs_store_recording_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    /* a recording still being written is never expired under the recorder's feet */
    sqlite3_stmt *q = prep(db, "SELECT " REC_COLS " FROM recordings WHERE state NOT IN "
                               "('deleted', 'recording') AND expires_at_ms <= ?1 "
                               "ORDER BY expires_at_ms, id");
    if (!q)
        return -EIO;
    sqlite3_bind_int64(q, 1, now_ms);
    return each_rec(db, q, each, ctx);
}

static int sr_close_open(struct rs_store *st, int64_t now_ms, const char *node)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "UPDATE recordings SET state = 'interrupted', "
                               "ended_at_ms = max(?1, started_at_ms) WHERE state = 'recording' "
                               "AND (?2 IS NULL OR node = ?2)");
    if (q) {
        sqlite3_bind_int64(q, 1, now_ms);
        opt_text(q, 2, node);
    }
    return changed(db, q);
}

static int sr_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q =
        prep(db, "SELECT DISTINCT node FROM recordings WHERE state = 'recording' AND node <> ''");
    return rs_store__sqlite_each_text(db, q, each, ctx);
}

static int sr_audit_add(struct rs_store *st, struct rs_recording_audit *a)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "INSERT INTO recording_audit (room_id, recording_id, at_ms, event, "
                               "kind, actor, actor_user, detail) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!q)
        return -EIO;
    text(q, 1, a->room_id);
    if (a->recording_id)
        sqlite3_bind_int64(q, 2, a->recording_id);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_int64(q, 3, a->at_ms);
    text(q, 4, a->event);
    text(q, 5, a->kind);
    text(q, 6, a->actor);
    opt_text(q, 7, a->actor_user);
    text(q, 8, a->detail[0] ? a->detail : "{}");
    return rs_store__sqlite_insert(db, q, &a->id);
}

struct audit_each {
    rs_store_recording_audit_fn fn;
    void *ctx;
};

static int audit_row(sqlite3_stmt *q, void *arg)
{
    struct audit_each *e = arg;
    struct rs_recording_audit a;
    memset(&a, 0, sizeof(a));
    a.id = sqlite3_column_int64(q, 0);
    copy(a.room_id, sizeof(a.room_id), q, 1);
    a.recording_id = sqlite3_column_int64(q, 2);
    a.at_ms = sqlite3_column_int64(q, 3);
    copy(a.event, sizeof(a.event), q, 4);
    copy(a.kind, sizeof(a.kind), q, 5);
    copy(a.actor, sizeof(a.actor), q, 6);
    copy(a.actor_user, sizeof(a.actor_user), q, 7);
    copy(a.detail, sizeof(a.detail), q, 8);
    return e->fn(&a, e->ctx);
}

static int sr_audit_list(struct rs_store *st, const char *room_id, rs_store_recording_audit_fn each,
                         void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT id, room_id, recording_id, at_ms, event, kind, actor, "
                               "actor_user, detail FROM recording_audit WHERE room_id = ?1 "
                               "ORDER BY at_ms, id LIMIT ?2");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    sqlite3_bind_int(q, 2, RS_RECORDING_AUDIT_ROWS_MAX);
    struct audit_each e = {each, ctx};
    return step_rows(db, q, audit_row, &e);
}

const struct rs_store_recording_ops rs_store__sqlite_recording_ops = {
    .add = sr_add,
    .finish = sr_finish,
    .mark_deleted = sr_mark_deleted,
    .get = sr_get,
    .list = sr_list,
    .expired = sr_expired,
    .close_open = sr_close_open,
    .open_nodes = sr_open_nodes,
    .audit_add = sr_audit_add,
    .audit_list = sr_audit_list,
};
