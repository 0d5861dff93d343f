/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention of meetings' records: attendance stays and speaking turns, minutes, and closed
 * votes are deleted once they are older than the operator's period (config
 * `retention_attendance_days`, `retention_minutes_days`, `retention_votes_days`; what each is
 * aged from: store/store_retention.h; docs/operations.md "Data and backups").
 *
 * Run by the REST layer's housekeeping (rs_api_tick): at start and then hourly, on the job
 * thread, with a connection of its own to the database; the control thread only schedules,
 * counts and logs. Control thread only. */
#ifndef RS_HTTP_RETENTION_H
#define RS_HTTP_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"

#define RS_RETENTION_BATCH 500 /* records of one kind one run deletes at most */
#define RS_RETENTION_TEST_DAY_ENV "RATSAAL_TEST_RETENTION_DAY_MS"

/* The schedule: a plain value in the housekeeping state (http/api.c), zeroed there. */
struct rs_retention {
    int64_t next_ms;        /* the next run is due (0: at the next tick) */
    bool running;           /* a run is on the job thread; its completion clears this */
    bool test_clock_logged; /* RATSAAL_TEST_RETENTION_DAY_MS was reported */
};

/* Every housekeeping tick: starts a run when one is due and none is running — at the first
 * tick, then hourly, and at the next tick again after a run that hit RS_RETENTION_BATCH for a
 * kind (so a backlog goes in batches without waiting an hour each). Nothing runs while every
 * period is off. A full job queue defers the run by a minute. */
void rs_retention_tick(struct rs_app *app, struct rs_retention *r, int64_t now_ms);

/* How many ms a retention day lasts: 86,400,000, or the value of RATSAAL_TEST_RETENTION_DAY_MS
 * (1 to 86,400,000) when the environment has it: for tests only, which then also run every
 * such "day" instead of hourly, so a period of 1 means a record older than that many ms. */
int64_t rs_retention_day_ms(void);

#endif
