/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of the speaking turns (store_speaking.h), beside sqlite.c.
 *
 * A turn is one INSERT when it ends (people take the floor a few times a minute), prepared per
 * call like sqlite_attendance.c. The agenda item is kept as text without a foreign key: the
 * turn stays in the record even if the item is later removed from the agenda. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "store/sqlite_internal.h"
#include "store/store_speaking.h"

const char rs_store__sqlite_speaking_schema[] =
    "CREATE TABLE speaking_turns ("
    "  id INTEGER PRIMARY KEY,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  participant_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL DEFAULT ''," /* no foreign key: the record outlives the account */
    "  name TEXT NOT NULL,"
    "  started_at_ms INTEGER NOT NULL,"
    "  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
    "  point_of_order INTEGER NOT NULL CHECK (point_of_order IN (0, 1)),"
    "  agenda_item TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX speaking_turns_room ON speaking_turns(room_id, started_at_ms);";

#define map rs_store__sqlite_map
#define prep rs_store__sqlite_prep
#define text rs_store__sqlite_text
#define copy rs_store__sqlite_copy

static int ss_add(struct rs_store *st, struct rs_speaking_turn *t)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "INSERT INTO speaking_turns (room_id, participant_id, user_id, "
                               "name, started_at_ms, duration_ms, point_of_order, agenda_item) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!q)
        return -EIO;
    text(q, 1, t->room_id);
    text(q, 2, t->participant_id);
    text(q, 3, t->user_id);
    text(q, 4, t->name);
    sqlite3_bind_int64(q, 5, t->started_at_ms);
    sqlite3_bind_int64(q, 6, t->duration_ms);
    sqlite3_bind_int(q, 7, t->point_of_order ? 1 : 0);
    text(q, 8, t->agenda_item);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : map(db);
    if (rc == 0)
        t->id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(q);
    return rc;
}

static int ss_list(struct rs_store *st, const char *room_id, rs_store_speaking_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT id, room_id, participant_id, user_id, name, started_at_ms, "
                               "duration_ms, point_of_order, agenda_item FROM speaking_turns "
                               "WHERE room_id = ?1 ORDER BY started_at_ms, id LIMIT ?2");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    sqlite3_bind_int(q, 2, RS_SPEAKING_TURNS_MAX);
    struct rs_speaking_turn t;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&t, 0, sizeof(t));
        t.id = sqlite3_column_int64(q, 0);
        copy(t.room_id, sizeof(t.room_id), q, 1);
        copy(t.participant_id, sizeof(t.participant_id), q, 2);
        copy(t.user_id, sizeof(t.user_id), q, 3);
        copy(t.name, sizeof(t.name), q, 4);
        t.started_at_ms = sqlite3_column_int64(q, 5);
        t.duration_ms = sqlite3_column_int64(q, 6);
        t.point_of_order = sqlite3_column_int(q, 7) != 0;
        copy(t.agenda_item, sizeof(t.agenda_item), q, 8);
        if ((rc = each(&t, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

const struct rs_store_speaking_ops rs_store__sqlite_speaking_ops = {
    .add = ss_add,
    .list = ss_list,
};
