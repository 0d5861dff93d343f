/* SPDX-License-Identifier: EUPL-1.2 */
/* PostgreSQL backend of retention (store_retention.h), beside pg.c; the statements of
 * sqlite_retention.c in PostgreSQL's dialect.
 *
 * One statement per kind picks at most `max` rows by the moment the kind is aged from and
 * deletes (or, for minutes, blanks) exactly those, RETURNING the meeting; a statement is its own
 * transaction, so a batch is all or nothing. Agenda items have no rowid here: the minutes are
 * picked by their primary key (room_id, id). Two nodes purging at once delete each row once (the
 * second finds it gone and skips it). Votes take their electorate, voters and secret ballots
 * with them through the foreign keys' ON DELETE CASCADE.
 *
 * The "path" of a PostgreSQL store, for the job's own connection, is the conninfo it was opened
 * with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/pg_internal.h"
#include "store/store_retention.h"

/* $1: before_ms, $2: max. Each returns the meeting of every row it changed. */
static const char *const purge_sql[RS_RETENTION__COUNT] = {
    [RS_RETENTION_ATTENDANCE] =
        "DELETE FROM attendance WHERE id IN (SELECT id FROM attendance "
        "WHERE left_at_ms IS NOT NULL AND left_at_ms < $1 LIMIT $2) RETURNING room_id",
    [RS_RETENTION_SPEAKING] =
        "DELETE FROM speaking_turns WHERE id IN (SELECT id FROM speaking_turns "
        "WHERE started_at_ms + duration_ms < $1 LIMIT $2) RETURNING room_id",
    [RS_RETENTION_MINUTES] =
        "UPDATE agenda_items SET minutes = '', minutes_by = NULL, minutes_at_ms = NULL "
        "WHERE (room_id, id) IN (SELECT room_id, id FROM agenda_items "
        "WHERE minutes_at_ms IS NOT NULL AND minutes_at_ms < $1 LIMIT $2) RETURNING room_id",
    [RS_RETENTION_VOTES] =
        "DELETE FROM votes WHERE id IN (SELECT id FROM votes WHERE state <> 'open' "
        "AND closed_at_ms IS NOT NULL AND closed_at_ms < $1 LIMIT $2) RETURNING room_id",
};

static int pr_path(struct rs_store *st, char *out, size_t cap)
{
    const char *conninfo = rs_store__pg_conninfo(st);
    int n = snprintf(out, cap, "%s", conninfo);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int pr_purge(struct rs_store *st, enum rs_retention_kind kind, int64_t before_ms,
                    unsigned max, rs_store_retention_room_fn each, void *ctx)
{
    if ((unsigned)kind >= RS_RETENTION__COUNT || max == 0)
        return -EINVAL;
    struct rs_store__pg_args a = {0};
    PGresult *r;
    rs_store__pg_arg_int(&a, before_ms);
    rs_store__pg_arg_int(&a, max);
    int rc = rs_store__pg_query(st, purge_sql[kind], &a, &r);
    if (rc)
        return rc;
    int n = PQntuples(r);
    for (int i = 0; each && i < n; i++)
        if (kind == RS_RETENTION_MINUTES || kind == RS_RETENTION_VOTES)
            each(rs_store__pg_str(r, i, 0), ctx);
    PQclear(r);
    return n;
}

const struct rs_store_retention_ops rs_store__pg_retention_ops = {
    .path = pr_path,
    .purge = pr_purge,
};
