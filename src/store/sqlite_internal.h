/* SPDX-License-Identifier: EUPL-1.2 */
/* What sqlite.c shares with sqlite_vote.c, the other half of the SQLite backend. Internal to
 * src/store/; control thread only, like the store. */
#ifndef RS_STORE_SQLITE_INTERNAL_H
#define RS_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* The open database of a SQLite store (borrowed). */
sqlite3 *rs_store__sqlite_db(struct rs_store *st);
/* Migration 3: members and votes. */
extern const char rs_store__sqlite_vote_schema[];
extern const struct rs_store_vote_ops rs_store__sqlite_vote_ops;

#endif
