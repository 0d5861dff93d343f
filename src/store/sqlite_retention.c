/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of retention (store_retention.h), beside sqlite.c.
 *
 * One statement per kind, each picking at most `max` rows by the moment the kind is aged from
 * and deleting (or, for minutes, blanking) exactly those, RETURNING the meeting so the caller
 * can tell a live room. A batch is one implicit transaction: all of it or nothing. The columns
 * have no index of their own (left_at_ms, minutes_at_ms, closed_at_ms): the job reads the
 * tables once an hour on its own connection, and in WAL mode that reading holds up no writer;
 * only the deletion itself takes the write lock, for as long as one bounded batch needs.
 *
 * Votes go with everything that hangs on them: the electorate, who voted and the secret
 * ballots cascade through their foreign keys (foreign_keys=ON on every connection, sqlite.c),
 * and the stored record is a column of the vote's row. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite_internal.h"
#include "store/store_retention.h"

static const char *const kind_names[RS_RETENTION__COUNT] = {
    [RS_RETENTION_ATTENDANCE] = "attendance",
    [RS_RETENTION_SPEAKING] = "speaking_turns",
    [RS_RETENTION_MINUTES] = "minutes",
    [RS_RETENTION_VOTES] = "votes",
};

/* ?1: before_ms, ?2: max. Each returns the meeting of every row it changed. */
static const char *const purge_sql[RS_RETENTION__COUNT] = {
    [RS_RETENTION_ATTENDANCE] =
        "DELETE FROM attendance WHERE id IN (SELECT id FROM attendance "
        "WHERE left_at_ms IS NOT NULL AND left_at_ms < ?1 LIMIT ?2) RETURNING room_id",
    [RS_RETENTION_SPEAKING] =
        "DELETE FROM speaking_turns WHERE id IN (SELECT id FROM speaking_turns "
        "WHERE started_at_ms + duration_ms < ?1 LIMIT ?2) RETURNING room_id",
    [RS_RETENTION_MINUTES] =
        "UPDATE agenda_items SET minutes = '', minutes_by = NULL, minutes_at_ms = NULL "
        "WHERE rowid IN (SELECT rowid FROM agenda_items "
        "WHERE minutes_at_ms IS NOT NULL AND minutes_at_ms < ?1 LIMIT ?2) RETURNING room_id",
    [RS_RETENTION_VOTES] =
        "DELETE FROM votes WHERE id IN (SELECT id FROM votes WHERE state <> 'open' "
        "AND closed_at_ms IS NOT NULL AND closed_at_ms < ?1 LIMIT ?2) RETURNING room_id",
};

const char *rs_retention_kind_name(enum rs_retention_kind kind)
{
    return (unsigned)kind < RS_RETENTION__COUNT ? kind_names[kind] : "unknown";
}

static int sr_path(struct rs_store *st, char *out, size_t cap)
{
    const char *file = sqlite3_db_filename(rs_store__sqlite_db(st), "main");
    if (!file || !file[0])
        return -ENOENT;
    int n = snprintf(out, cap, "%s", file);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int sr_purge(struct rs_store *st, enum rs_retention_kind kind, int64_t before_ms,
                    unsigned max, rs_store_retention_room_fn each, void *ctx)
{
    if ((unsigned)kind >= RS_RETENTION__COUNT || max == 0)
        return -EINVAL;
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = rs_store__sqlite_prep(db, purge_sql[kind]);
    if (!q)
        return -EIO;
    sqlite3_bind_int64(q, 1, before_ms);
    sqlite3_bind_int64(q, 2, max);
    /* SQLite makes every change of a RETURNING statement at its first step and hands out the
     * rows afterwards; the change commits when the statement is done, or not at all */
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *room = sqlite3_column_text(q, 0);
        if (each && room && (kind == RS_RETENTION_MINUTES || kind == RS_RETENTION_VOTES))
            each((const char *)room, ctx);
        n++;
    }
    int rc = step == SQLITE_DONE ? n : rs_store__sqlite_map(db);
    sqlite3_finalize(q);
    return rc;
}

const struct rs_store_retention_ops rs_store__sqlite_retention_ops = {
    .path = sr_path,
    .purge = sr_purge,
};
