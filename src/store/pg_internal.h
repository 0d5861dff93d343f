/* SPDX-License-Identifier: EUPL-1.2 */
/* What pg.c shares with pg_vote.c, pg_attendance.c, pg_agenda.c, pg_speaking.c,
 * pg_recording.c and pg_retention.c, the other halves of the PostgreSQL backend. Internal to
 * src/store/; like the store, one connection used by one thread at a time.
 *
 * A statement is constant SQL text with $1, $2, ... and a `struct rs_store__pg_args` filled in
 * the same order; nothing a caller passes is ever pasted into SQL. Every statement goes through
 * rs_store__pg_query, which clears the fault (store_fault.h), reconnects a connection the server
 * dropped, and maps a failure to the store's errno codes the way the SQLite backend does:
 * unique → -EEXIST, foreign key → -ENOENT, check / not null / bad data → -EINVAL, anything else
 * -EIO with the fault classified (full, busy, io), counted and logged. */
#ifndef RS_STORE_PG_INTERNAL_H
#define RS_STORE_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define RS_STORE__PG_ARGS_MAX 16

/* The parameters of one statement, $1, $2, ... in the order they were added. Text is borrowed
 * (it must outlive the statement); numbers are formatted into `num`. Start from `{0}`. */
struct rs_store__pg_args {
    int n;
    const char *values[RS_STORE__PG_ARGS_MAX];
    int lengths[RS_STORE__PG_ARGS_MAX];
    int formats[RS_STORE__PG_ARGS_MAX]; /* 0 text, 1 binary (the hashes) */
    Oid types[RS_STORE__PG_ARGS_MAX];   /* 0: the server infers it from the statement */
    char num[RS_STORE__PG_ARGS_MAX][24];
};

void rs_store__pg_arg_text(struct rs_store__pg_args *a, const char *s); /* NULL: "" */
void rs_store__pg_arg_opt(struct rs_store__pg_args *a, const char *s);  /* NULL or "": NULL */
void rs_store__pg_arg_null(struct rs_store__pg_args *a);
void rs_store__pg_arg_int(struct rs_store__pg_args *a, int64_t v);
void rs_store__pg_arg_opt_int(struct rs_store__pg_args *a, int64_t v); /* 0: NULL */
void rs_store__pg_arg_bool(struct rs_store__pg_args *a, bool v);
/* RS_TOKEN_HASH_LEN bytes (borrowed), sent as binary bytea. */
void rs_store__pg_arg_hash(struct rs_store__pg_args *a, const uint8_t *hash);

/* The connection of a PostgreSQL store (borrowed; for tests and the migration tool). */
PGconn *rs_store__pg_conn(struct rs_store *st);

/* Runs one statement `sql` with `a` (NULL: no parameters). Returns 0 with the result in `*out`
 * (a new PGresult the caller frees with PQclear; every row is in memory, so a list callback may
 * make other store calls), or the mapped error (-EEXIST, -ENOENT, -EINVAL, -EIO). */
int rs_store__pg_query(struct rs_store *st, const char *sql, const struct rs_store__pg_args *a,
                       PGresult **out);
/* Runs a query without arguments whose first column is text, calling `each` per row until it
 * returns non-zero. 0, `each`'s negative return, or the mapped error. */
int rs_store__pg_each_text(struct rs_store *st, const char *sql, rs_store_node_fn each, void *ctx);
/* Runs a write: the number of rows it changed (>= 0), or the mapped error. */
int rs_store__pg_run(struct rs_store *st, const char *sql, const struct rs_store__pg_args *a);
/* Runs an INSERT ... RETURNING id: 0 with the new row's id in `*id`, or the mapped error. */
int rs_store__pg_insert(struct rs_store *st, const char *sql, const struct rs_store__pg_args *a,
                        int64_t *id);
/* Runs a query of one integer column: 0 with the first row's value in `*out`, -ENOENT when there
 * is no row, or the mapped error. */
int rs_store__pg_one_int(struct rs_store *st, const char *sql, const struct rs_store__pg_args *a,
                         int64_t *out);

/* Begins a transaction (0 or the mapped error). A non-NULL `lock_key` (a meeting's or a vote's
 * id) serialises it with every other transaction begun with the same key, in any process, until
 * it ends: what SQLite's BEGIN IMMEDIATE gives a read-then-write transaction (count the items,
 * then shift them), kept to one meeting so meetings do not wait for each other. The wait for it
 * is bounded like any lock wait (a busy fault). */
int rs_store__pg_begin(struct rs_store *st, const char *lock_key);
/* Ends the transaction: COMMIT when rc is 0, else ROLLBACK; returns rc or the commit's error. */
int rs_store__pg_end(struct rs_store *st, int rc);

/* Cells of a result row. NULL reads as 0, false, "" or an all-zero hash. */
bool rs_store__pg_isnull(const PGresult *r, int row, int col);
int64_t rs_store__pg_int(const PGresult *r, int row, int col);
bool rs_store__pg_bool(const PGresult *r, int row, int col);
const char *rs_store__pg_str(const PGresult *r, int row, int col); /* borrowed from `r` */
/* Copies the cell into `dst` (truncating to `cap` - 1 bytes; always terminated). */
void rs_store__pg_copy(char *dst, size_t cap, const PGresult *r, int row, int col);
/* Copies a bytea cell of RS_TOKEN_HASH_LEN bytes into `dst` (zeros when it is not one). */
void rs_store__pg_hash(uint8_t *dst, const PGresult *r, int row, int col);

/* Migration 4: members and votes (pg_vote.c). */
extern const char rs_store__pg_vote_schema[];
extern const struct rs_store_vote_ops rs_store__pg_vote_ops;
/* Migration 5: attendance (pg_attendance.c). */
extern const char rs_store__pg_attendance_schema[];
extern const struct rs_store_attendance_ops rs_store__pg_attendance_ops;
/* Migration 6: agenda items and session roles (pg_agenda.c). */
extern const char rs_store__pg_agenda_schema[];
extern const struct rs_store_agenda_ops rs_store__pg_agenda_ops;
/* Migration 7: speaking turns (pg_speaking.c). */
extern const char rs_store__pg_speaking_schema[];
extern const struct rs_store_speaking_ops rs_store__pg_speaking_ops;
/* Migration 9: recordings and the recording audit log (pg_recording.c). */
extern const char rs_store__pg_recording_schema[];
extern const struct rs_store_recording_ops rs_store__pg_recording_ops;
/* Deleting old records (pg_retention.c); no schema of its own. */
extern const struct rs_store_retention_ops rs_store__pg_retention_ops;
/* The conninfo the store was opened with (borrowed), for rs_store_retention_path. */
const char *rs_store__pg_conninfo(struct rs_store *st);

#endif
