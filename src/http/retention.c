/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention of meetings' records (see retention.h): the GDPR's storage limitation for what a
 * meeting leaves in the database — who attended and spoke, the minutes, the votes.
 *
 * A run is one job: the control thread works out, per kind, the moment before which records
 * go (now minus the kind's period) and the database's path (SQLite) or URI (PostgreSQL); the
 * job thread opens its own connection (the control thread's store is never touched off its thread),
 * deletes at most RS_RETENTION_BATCH records per kind, each kind in one transaction, and closes it
 * again; the completion, back on the control thread, counts (/metrics), logs counts only (never
 * which meeting or whose records: the log is no place for that either), and tells the meetings in
 * progress whose minutes or votes went, so that their agenda is read again.
 *
 * The subtle point is a write racing the run: the agenda's replacement (PUT …/agenda) reads an
 * item's minutes and writes them back; if a run blanks them in between, they come back. They
 * come back with their old time, so the next run blanks them again. Nothing else that
 * retention deletes is ever written again (a stay once closed, a turn once ended, a vote once
 * closed). */
#include "http/retention.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jobs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/cluster_events.h"
#include "room/agenda.h"
#include "store/store.h"
#include "store/store_retention.h"

#define DAY_MS (24 * 3600 * 1000LL)
#define HOUR_MS (3600 * 1000LL)
#define DEFER_MS 60000                     /* the job queue was full: try again in a minute */
#define ROOMS_MAX (2 * RS_RETENTION_BATCH) /* meetings whose minutes or votes one run deletes */

static const enum rs_metric deleted_metric[RS_RETENTION__COUNT] = {
    [RS_RETENTION_ATTENDANCE] = RS_M_RETENTION_DELETED_ATTENDANCE,
    [RS_RETENTION_SPEAKING] = RS_M_RETENTION_DELETED_SPEAKING,
    [RS_RETENTION_MINUTES] = RS_M_RETENTION_DELETED_MINUTES,
    [RS_RETENTION_VOTES] = RS_M_RETENTION_DELETED_VOTES,
};

struct run {
    struct rs_app *app;         /* the completion's (control thread) */
    struct rs_retention *sched; /* the completion's */
    /* the store's spec for rs_store_open: SQLite's absolute path (SQLite resolves data_dir
     * against the working directory), or the PostgreSQL URI the store was opened on */
    char db[PATH_MAX];
    bool on[RS_RETENTION__COUNT];
    unsigned days[RS_RETENTION__COUNT];
    int64_t before_ms[RS_RETENTION__COUNT];
    int open_rc;                      /* the job's connection */
    int deleted[RS_RETENTION__COUNT]; /* records, or the store's error */
    unsigned n_rooms;
    char rooms[ROOMS_MAX][RS_ROOM_ID_MAX + 1];
};

int64_t rs_retention_day_ms(void)
{
    const char *v = getenv(RS_RETENTION_TEST_DAY_ENV);
    if (!v || !*v)
        return DAY_MS;
    char *end;
    errno = 0;
    long long ms = strtoll(v, &end, 10);
    return errno || *end || ms < 1 || ms > DAY_MS ? DAY_MS : (int64_t)ms;
}

/* Job thread: a meeting whose minutes or votes the purge deleted, remembered once. */
static void add_room(const char *room_id, void *ctx)
{
    struct run *r = ctx;
    for (unsigned i = 0; i < r->n_rooms; i++)
        if (strcmp(r->rooms[i], room_id) == 0)
            return;
    if (r->n_rooms < ROOMS_MAX)
        snprintf(r->rooms[r->n_rooms++], sizeof(r->rooms[0]), "%s", room_id);
}

/* Job thread. */
static void run_purge(void *arg)
{
    struct run *r = arg;
    struct rs_store *st;
    r->open_rc = rs_store_open(r->db, &st);
    if (r->open_rc)
        return;
    for (int k = 0; k < RS_RETENTION__COUNT; k++)
        if (r->on[k])
            r->deleted[k] = rs_store_retention_purge(st, (enum rs_retention_kind)k, r->before_ms[k],
                                                     RS_RETENTION_BATCH, add_room, r);
    rs_store_close(st);
}

/* Control thread: count, log, tell the live meetings, schedule. */
static void run_done(void *arg)
{
    struct run *r = arg;
    bool more = false;
    if (r->open_rc) {
        rs_metric_inc(RS_M_RETENTION_FAILURES);
        RS_WARN("retention", "event=failed step=open rc=%d", r->open_rc);
    }
    for (int k = 0; !r->open_rc && k < RS_RETENTION__COUNT; k++) {
        const char *kind = rs_retention_kind_name((enum rs_retention_kind)k);
        int n = r->deleted[k];
        if (!r->on[k])
            continue;
        if (n < 0) {
            rs_metric_inc(RS_M_RETENTION_FAILURES);
            RS_WARN("retention", "event=failed kind=%s rc=%d", kind, n);
            continue;
        }
        if (n > 0) {
            rs_metric_add(deleted_metric[k], (uint64_t)n);
            RS_INFO("retention", "event=deleted kind=%s count=%d days=%u more=%d", kind, n,
                    r->days[k], n == RS_RETENTION_BATCH);
        }
        more |= n == RS_RETENTION_BATCH;
    }
    for (unsigned i = 0; i < r->n_rooms; i++) {
        rs_agenda_reread(r->app, r->rooms[i]);
        rs_cluster_room_changed(r->app, r->rooms[i], "agenda/changed", NULL);
    }
    r->sched->running = false;
    if (more)
        r->sched->next_ms = 0; /* the rest in the next tick, batch by batch */
    free(r);
}

void rs_retention_tick(struct rs_app *app, struct rs_retention *sched, int64_t now_ms)
{
    if (!app->store || sched->running || now_ms < sched->next_ms)
        return;
    const struct rs_config *cfg = &app->cfg;
    const unsigned days[RS_RETENTION__COUNT] = {
        [RS_RETENTION_ATTENDANCE] = cfg->retention_attendance_days,
        [RS_RETENTION_SPEAKING] = cfg->retention_attendance_days,
        [RS_RETENTION_MINUTES] = cfg->retention_minutes_days,
        [RS_RETENTION_VOTES] = cfg->retention_votes_days,
    };
    int64_t day = rs_retention_day_ms();
    sched->next_ms = now_ms + (day < HOUR_MS ? day : HOUR_MS);
    if (!days[RS_RETENTION_ATTENDANCE] && !days[RS_RETENTION_MINUTES] && !days[RS_RETENTION_VOTES])
        return;
    if (day != DAY_MS && !sched->test_clock_logged) {
        RS_WARN("retention", "event=test_clock day_ms=%lld env=%s (for tests only)", (long long)day,
                RS_RETENTION_TEST_DAY_ENV);
        sched->test_clock_logged = true;
    }
    struct run *r = calloc(1, sizeof(*r));
    if (!r)
        return;
    int rc = rs_store_retention_path(app->store, r->db, sizeof(r->db));
    if (rc) {
        rs_metric_inc(RS_M_RETENTION_FAILURES);
        RS_WARN("retention", "event=failed step=path rc=%d", rc);
        free(r);
        return;
    }
    r->app = app;
    r->sched = sched;
    for (int k = 0; k < RS_RETENTION__COUNT; k++) {
        r->on[k] = days[k] != 0;
        r->days[k] = days[k];
        r->before_ms[k] = now_ms - (int64_t)days[k] * day;
    }
    sched->running = true; /* before the submit: without a job thread the run is done in it */
    if (rs_jobs_submit(run_purge, run_done, r)) {
        sched->running = false;
        sched->next_ms = now_ms + DEFER_MS;
        RS_WARN("retention", "event=deferred reason=jobs_full");
        free(r);
    }
}
