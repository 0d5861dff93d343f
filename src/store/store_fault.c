/* SPDX-License-Identifier: EUPL-1.2 */
/* The store's last fault, per thread (store_fault.h), and its counter. Backend-neutral: the
 * SQLite backend classifies its result codes (sqlite_vote.c, rs_store__sqlite_fail), a later
 * PostgreSQL one would classify its SQLSTATEs into the same three reasons. */
#include "store/store_fault.h"

#include "core/metrics.h"

static _Thread_local enum rs_store_fault last_fault;

static const char *const names[RS_STORE_FAULT__COUNT] = {"none", "full", "busy", "io"};

enum rs_store_fault rs_store_fault(void)
{
    return last_fault;
}

const char *rs_store_fault_name(enum rs_store_fault f)
{
    return (unsigned)f < RS_STORE_FAULT__COUNT ? names[f] : "io";
}

void rs_store__fault_clear(void)
{
    last_fault = RS_STORE_FAULT_NONE;
}

void rs_store__fault_set(enum rs_store_fault f)
{
    last_fault = f;
    switch (f) {
    case RS_STORE_FAULT_FULL:
        rs_metric_inc(RS_M_STORE_ERRORS_FULL);
        break;
    case RS_STORE_FAULT_BUSY:
        rs_metric_inc(RS_M_STORE_ERRORS_BUSY);
        break;
    case RS_STORE_FAULT_IO:
        rs_metric_inc(RS_M_STORE_ERRORS_IO);
        break;
    case RS_STORE_FAULT_NONE:
    case RS_STORE_FAULT__COUNT:
        break;
    }
}
