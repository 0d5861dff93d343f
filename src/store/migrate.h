/* SPDX-License-Identifier: EUPL-1.2 */
/* Moving a SQLite database to PostgreSQL (`ratsaal migrate`, migrate_cli.h;
 * docs/operations.md "PostgreSQL").
 *
 * The source is brought to the newest schema first (rs_store_open_sqlite) and the target is
 * given the same schema (rs_store_open_pg); then every table is copied row by row in one
 * PostgreSQL transaction, the identity sequences are set past the copied ids, and each table's
 * rows are counted on both sides before the transaction commits: the target ends up with all of
 * the source or with nothing. After its migrations the source is only read, under SQLite's
 * write lock for the whole copy, so a server that was not stopped cannot change it half-way (its
 * writes fail meanwhile); what such a server writes afterwards is not in the target. Blocking; one
 * thread. */
#ifndef RS_STORE_MIGRATE_H
#define RS_STORE_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#define RS_MIGRATE_TABLES_MAX 64

/* One table copied: its name (borrowed for the call) and its rows, counted in the source and in
 * the target (equal, or the migration fails). */
typedef void (*rs_migrate_table_fn)(const char *table, int64_t rows, void *ctx);

/* Copies the SQLite database at `sqlite_path` (must exist) into the empty PostgreSQL database
 * `pg_conninfo` (a libpq URI or key=value string; the database must exist). `each` (may be NULL)
 * is called per table, parents before children, once everything is copied and counted. Returns
 * 0, or -ENOENT (no source file), -EBUSY (the source is locked: a server still writing to it),
 * -ECONNREFUSED (the target cannot be reached), -EPROTO (a schema either side is too new for),
 * -ENOTEMPTY (the target holds data already), -EIO (anything else); `why` (`why_cap` bytes)
 * gets one line saying what went wrong, with PostgreSQL's own message where it has one. */
int rs_store_migrate(const char *sqlite_path, const char *pg_conninfo, rs_migrate_table_fn each,
                     void *ctx, char *why, size_t why_cap);

#endif
