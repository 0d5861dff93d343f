/* SPDX-License-Identifier: EUPL-1.2 */
/* When to hand freed heap back to the system (malloc_trim).
 *
 * Trimming walks every malloc arena and madvises free pages. On a timer it also ran in the
 * steady state of a meeting, where nothing was freed, on the core the media worker uses. So trim
 * only after people came or went (the caller's `sig` — joins and participants — changed since
 * the last trim), once that has been quiet for RS_TRIM_QUIET_MS (after a join storm, not in
 * the middle of it), and at most once per RS_TRIM_MIN_MS. */
#ifndef RS_CORE_TRIM_H
#define RS_CORE_TRIM_H

#include <stdbool.h>
#include <stdint.h>

#define RS_TRIM_MIN_MS 10000
#define RS_TRIM_QUIET_MS 2000

struct rs_trim {
    int64_t next_ms;  /* not before */
    uint64_t sig;     /* the caller's signature at the last trim */
    uint64_t seen;    /* the latest signature seen, since `seen_ms` */
    int64_t seen_ms;
};

/* True when a trim is due now; then it records `now_ms` and `sig` as the last trim. */
static inline bool rs_trim_due(struct rs_trim *t, int64_t now_ms, uint64_t sig)
{
    if (sig != t->seen) {
        t->seen = sig;
        t->seen_ms = now_ms;
    }
    if (sig == t->sig || now_ms - t->seen_ms < RS_TRIM_QUIET_MS || now_ms < t->next_ms)
        return false;
    t->sig = sig;
    t->next_ms = now_ms + RS_TRIM_MIN_MS;
    return true;
}

#endif
