/* SPDX-License-Identifier: EUPL-1.2 */
/* Why a store call failed: the disk is full, another process holds the database's write lock,
 * or something else went wrong underneath.
 *
 * The store's calls keep their contract (store.h: -EIO for a failure that is not about the data,
 * since -ENOSPC and -EBUSY already mean "too many items" or "in use" to some callers); this says
 * why, the way errno does for a system call. rs_store_fault() is the reason of the calling
 * thread's last failed store statement: read it right after a store call returned -EIO (each
 * statement clears it when it starts, so it does not outlive the call that set it). The user is
 * then told what happened (storage_full, storage_busy; docs/protocol.md, docs/api.md) instead of
 * a bare `internal`. Every fault is logged once (`event=sql_failed reason=full|busy|io`) and
 * counted in ratsaal_store_errors_total{reason}.
 *
 * The control thread must not wait long for a lock another process holds: a write waits at most
 * RS_STORE_BUSY_WAIT_MS for it, and once such a wait ran out, writes that find the lock still
 * held fail at once for RS_STORE_BUSY_QUIET_MS (docs/operations.md "Data and backups"). A write
 * that finds the lock free goes ahead at once, so the store recovers as soon as the lock is
 * gone. */
#ifndef RS_STORE_STORE_FAULT_H
#define RS_STORE_STORE_FAULT_H

enum rs_store_fault {
    RS_STORE_FAULT_NONE = 0,
    RS_STORE_FAULT_FULL, /* the disk (or a size limit of the database) is full */
    RS_STORE_FAULT_BUSY, /* another connection held the write lock past our wait */
    RS_STORE_FAULT_IO,   /* anything else: an I/O error, a corrupt file, a bug */
    RS_STORE_FAULT__COUNT
};

#define RS_STORE_BUSY_WAIT_MS 1000
#define RS_STORE_BUSY_QUIET_MS 5000

/* The reason of this thread's last failed store statement; RS_STORE_FAULT_NONE when the last
 * statement did not fail. */
enum rs_store_fault rs_store_fault(void);
/* "full", "busy", "io", or "none". */
const char *rs_store_fault_name(enum rs_store_fault f);

/* For the store's backends (src/store/ only): a statement starts (the fault is cleared); a
 * statement failed for `f` (recorded and counted; the backend logs it). */
void rs_store__fault_clear(void);
void rs_store__fault_set(enum rs_store_fault f);

#endif
