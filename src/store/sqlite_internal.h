/* SPDX-License-Identifier: EUPL-1.2 */
/* What sqlite.c shares with sqlite_vote.c, the other half of the SQLite backend. Internal to
 * src/store/; control thread only, like the store. */
#ifndef RS_STORE_SQLITE_INTERNAL_H
#define RS_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The open database of a SQLite store (borrowed). */
sqlite3 *rs_store__sqlite_db(struct rs_store *st);
/* Migration 3: members and votes. */
extern const char rs_store__sqlite_vote_schema[];
extern const struct rs_store_vote_ops rs_store__sqlite_vote_ops;
/* Migration 5: attendance (sqlite_attendance.c). */
extern const char rs_store__sqlite_attendance_schema[];
extern const struct rs_store_attendance_ops rs_store__sqlite_attendance_ops;
/* Migration 6: agenda items and session roles (sqlite_agenda.c). */
extern const char rs_store__sqlite_agenda_schema[];
extern const struct rs_store_agenda_ops rs_store__sqlite_agenda_ops;
/* Migration 7: speaking turns (sqlite_speaking.c). */
extern const char rs_store__sqlite_speaking_schema[];
extern const struct rs_store_speaking_ops rs_store__sqlite_speaking_ops;
/* Migration 9: recordings and the recording audit log (sqlite_recording.c). */
extern const char rs_store__sqlite_recording_schema[];
extern const struct rs_store_recording_ops rs_store__sqlite_recording_ops;
/* Deleting old records (sqlite_retention.c); no schema of its own. */
extern const struct rs_store_retention_ops rs_store__sqlite_retention_ops;

/* Helpers of sqlite_vote.c for the other per-call backends: the errno for the last error
 * (constraints as in sqlite.c, else logged -EIO); a prepared statement or NULL (logged); binds
 * `s` (NULL: "") without copying; copies column `col` into `dst` (truncating to `cap`). */
int rs_store__sqlite_map(sqlite3 *db);
/* A failure that is not about the data: classified (store_fault.h: full, busy or io), recorded,
 * counted and logged as `event=<event> reason=… rc=… msg=…`. Returns -EIO. */
int rs_store__sqlite_fail(sqlite3 *db, const char *event);
sqlite3_stmt *rs_store__sqlite_prep(sqlite3 *db, const char *sql);
void rs_store__sqlite_text(sqlite3_stmt *q, int i, const char *s);
void rs_store__sqlite_copy(char *dst, size_t cap, sqlite3_stmt *q, int col);
/* Binds `s`, or NULL when `s` is NULL or "". */
void rs_store__sqlite_opt_text(sqlite3_stmt *q, int i, const char *s);
/* Steps a write statement `q` (NULL: -EIO) once and finalizes it: how many rows changed, or the
 * mapped error. */
int rs_store__sqlite_changed(sqlite3 *db, sqlite3_stmt *q);
/* Steps an INSERT `q` (NULL: -EIO) once and finalizes it: 0 with the new row's id in `*id`, or
 * the mapped error. */
int rs_store__sqlite_insert(sqlite3 *db, sqlite3_stmt *q, int64_t *id);
/* Steps a query `q` (NULL: -EIO) whose first column is text, calling `each` per row until it
 * returns non-zero; finalizes it. 0, `each`'s negative return, or the mapped error. */
int rs_store__sqlite_each_text(sqlite3 *db, sqlite3_stmt *q, rs_store_node_fn each, void *ctx);
/* BEGIN IMMEDIATE (0 or the mapped error); and its end: COMMIT when rc is 0, else ROLLBACK,
 * returning rc or the commit's error. */
int rs_store__sqlite_begin(sqlite3 *db);
int rs_store__sqlite_end(sqlite3 *db, int rc);

#endif
