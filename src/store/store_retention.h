/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention of a meeting's records: deleting what is older than the operator keeps
 * (config `retention_*_days`, docs/operations.md "Data and backups"; the job is
 * http/retention.c).
 *
 * Each kind is aged from one moment of its own record, never from the meeting as a whole (a
 * meeting may run again and again, and a record may be written long after it started):
 *   attendance      a stay, from when the person left (an open stay is never deleted);
 *   speaking_turns  a finished turn on the speakers' list, from the turn's end;
 *   minutes         an agenda item's minutes (text, author, time), from when they were last
 *                   written; the item itself stays on the agenda;
 *   votes           a closed or cancelled vote with its electorate, ballots and stored record,
 *                   from when it closed (an open vote is never deleted).
 *
 * Same error contract as store.h, with one difference in threading: the retention job runs off
 * the control thread on a store of its own, opened on the database the control thread's store
 * names (rs_store_retention_path), so each store is still used by one thread only. */
#ifndef RS_STORE_STORE_RETENTION_H
#define RS_STORE_STORE_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum rs_retention_kind {
    RS_RETENTION_ATTENDANCE = 0,
    RS_RETENTION_SPEAKING,
    RS_RETENTION_MINUTES,
    RS_RETENTION_VOTES,
    RS_RETENTION__COUNT
};

/* "attendance", "speaking_turns", "minutes", "votes" (the /metrics label and the log's kind). */
const char *rs_retention_kind_name(enum rs_retention_kind kind);

/* Called with the meeting of every minutes or vote record a purge deleted (`room_id` borrowed
 * for the call; a meeting may come more than once). */
typedef void (*rs_store_retention_room_fn)(const char *room_id, void *ctx);

struct rs_store_retention_ops {
    int (*path)(struct rs_store *st, char *out, size_t cap);
    int (*purge)(struct rs_store *st, enum rs_retention_kind kind, int64_t before_ms, unsigned max,
                 rs_store_retention_room_fn each, void *ctx);
};

/* The database of `st` for another connection to it (SQLite: the file's path, for
 * rs_store_open_sqlite) into `out`. Returns 0, or -ENAMETOOLONG / -ENOENT (an in-memory
 * database, which no other connection can open). Control thread (the owner of `st`). */
int rs_store_retention_path(struct rs_store *st, char *out, size_t cap);

/* Deletes at most `max` records of `kind` aged (see the top) before `before_ms`, in one
 * transaction, and calls `each` (may be NULL) with the meeting of each minutes or vote record
 * deleted. Returns how many were deleted (0..max; `max` means there may be more), -EINVAL (an
 * unknown kind, or max 0), or the store's error (store.h; nothing is deleted then). Never
 * deletes a meeting, an open stay or an open vote. */
int rs_store_retention_purge(struct rs_store *st, enum rs_retention_kind kind, int64_t before_ms,
                             unsigned max, rs_store_retention_room_fn each, void *ctx);

#endif
