/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention (store_retention.h) on either backend (store_backend.h): per kind, the records aged
 * past the cut-off go and the younger ones stay, each aged from its own moment (a stay from its
 * end, a turn from its end, minutes from their writing, a vote from its closing); open stays
 * and open votes, the agenda items themselves and the meetings never go; a vote takes its
 * electorate, voters and ballots with it; a batch is bounded; and a second connection on the
 * store's path (what the job thread uses) deletes what the first one then no longer sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_agenda.h"
#include "store/store_attendance.h"
#include "store/store_retention.h"
#include "store/store_speaking.h"
#include "store/store_vote.h"
/* after the project's headers, as in the other store tests */
#include "store_backend.h"

#define CUT 500 /* the cut-off of every purge below: records aged before it go */

static char dir[64];
static char path[128];
static struct rs_store *st;

static void meeting(const char *id)
{
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", id);
    snprintf(m.title, sizeof(m.title), "Rat");
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    assert_int_equal(rs_store_meeting_create(st, &m), 0);
}

static int setup(void **state)
{
    (void)state;
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-retention") ||
        rs_test_store_open(path, &st))
        return -1;
    meeting("rat");
    meeting("ausschuss");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rs_store_close(st);
    rs_test_store_dir_remove(dir, path);
    return 0;
}

/* One row count straight from the database (tables no store call lists). */
static int count(const char *sql)
{
    int64_t n = rs_test_store_query_int(path, sql);
    assert_true(n >= 0);
    return (int)n;
}

/* The meetings a purge reported, in order. */
struct rooms {
    char id[8][RS_ROOM_ID_MAX + 1];
    unsigned n;
};

static void seen(const char *room_id, void *ctx)
{
    struct rooms *r = ctx;
    if (r->n < 8)
        snprintf(r->id[r->n++], sizeof(r->id[0]), "%s", room_id);
}

/* ---- attendance ---- */

static int64_t stay(const char *room, const char *pid, int64_t joined, int64_t left)
{
    struct rs_attendance_record r;
    memset(&r, 0, sizeof(r));
    snprintf(r.room_id, sizeof(r.room_id), "%s", room);
    snprintf(r.participant_id, sizeof(r.participant_id), "%s", pid);
    snprintf(r.display_name, sizeof(r.display_name), "Name of %s", pid);
    snprintf(r.role, sizeof(r.role), "participant");
    r.joined_at_ms = joined;
    assert_int_equal(rs_store_attendance_add(st, &r), 0);
    if (left)
        assert_int_equal(rs_store_attendance_close(st, r.id, left, "left"), 0);
    return r.id;
}

struct stays {
    char pid[8][16];
    unsigned n;
};

static int stay_each(const struct rs_attendance_record *r, void *ctx)
{
    struct stays *s = ctx;
    if (s->n < 8)
        snprintf(s->pid[s->n++], sizeof(s->pid[0]), "%s", r->participant_id);
    return 0;
}

static struct stays stays(const char *room)
{
    struct stays s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_attendance_list(st, room, stay_each, &s), 0);
    return s;
}

static void test_attendance(void **state)
{
    (void)state;
    stay("rat", "p_old", 100, 200);    /* left before the cut: goes */
    stay("rat", "p_open", 100, 0);     /* still there (since before the cut): stays */
    stay("rat", "p_late", 100, 600);   /* came before the cut, left after: stays */
    stay("rat", "p_edge", 100, CUT);   /* left at the cut itself: stays */
    stay("ausschuss", "q1", 700, 900); /* another meeting, young: untouched */
    struct rooms r = {0};
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 100, seen, &r), 1);
    assert_int_equal(r.n, 0); /* attendance reports no meetings: no live room needs telling */
    struct stays s = stays("rat");
    assert_int_equal(s.n, 3);
    assert_string_equal(s.pid[0], "p_open");
    assert_string_equal(s.pid[1], "p_late");
    assert_string_equal(s.pid[2], "p_edge");
    assert_int_equal(stays("ausschuss").n, 1);
    /* nothing left to do; the meetings themselves stay */
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 100, NULL, NULL),
                     0);
    struct rs_room_record m;
    assert_int_equal(rs_store_room_get(st, "rat", &m), 0);
    /* the open stay goes once it has ended and aged */
    assert_int_equal(rs_store_attendance_close_open(st, 800, "ended", NULL), 1);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, 1000, 100, NULL, NULL),
                     4);
    assert_int_equal(stays("rat").n, 0);
    assert_int_equal(stays("ausschuss").n, 0);
}

/* ---- speaking turns ---- */

static void turn(const char *room, const char *pid, int64_t at, int64_t ms)
{
    struct rs_speaking_turn t;
    memset(&t, 0, sizeof(t));
    snprintf(t.room_id, sizeof(t.room_id), "%s", room);
    snprintf(t.participant_id, sizeof(t.participant_id), "%s", pid);
    snprintf(t.name, sizeof(t.name), "Name of %s", pid);
    t.started_at_ms = at;
    t.duration_ms = ms;
    assert_int_equal(rs_store_speaking_add(st, &t), 0);
}

static int turn_each(const struct rs_speaking_turn *t, void *ctx)
{
    snprintf(ctx, 16, "%s", t->participant_id);
    return 0;
}

static void test_speaking_turns(void **state)
{
    (void)state;
    turn("rat", "p_old", 100, 350);     /* ended at 450: goes */
    turn("rat", "p_long", 300, 300);    /* started before the cut, ended at 600: stays */
    turn("ausschuss", "q1", 50, 50);    /* ended at 100: goes, whichever meeting */
    turn("ausschuss", "q2", 800, 1000); /* young: stays */
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_SPEAKING, CUT, 100, NULL, NULL), 2);
    assert_int_equal(count("SELECT count(*) FROM speaking_turns"), 2);
    char last[16] = "";
    assert_int_equal(rs_store_speaking_list(st, "rat", turn_each, last), 0);
    assert_string_equal(last, "p_long");
    assert_int_equal(rs_store_speaking_list(st, "ausschuss", turn_each, last), 0);
    assert_string_equal(last, "q2");
}

/* ---- minutes ---- */

static void item(const char *room, const char *id, const char *minutes, int64_t at)
{
    struct rs_agenda_item_record it = {.room_id = room,
                                       .position = 99,
                                       .title = "Haushalt",
                                       .description = "",
                                       .public = true,
                                       .minutes = "",
                                       .minutes_by = ""};
    snprintf(it.id, sizeof(it.id), "%s", id);
    assert_int_equal(rs_store_agenda_add(st, &it), 0);
    if (minutes)
        assert_int_equal(rs_store_agenda_set_minutes(st, room, id, minutes, "Erika", at), 0);
}

struct items {
    char id[8][RS_AGENDA_ITEM_ID_LEN + 1];
    char minutes[8][32];
    char by[8][32];
    int64_t at[8];
    unsigned n;
};

static int item_each(const struct rs_agenda_item_record *it, void *ctx)
{
    struct items *s = ctx;
    if (s->n < 8) {
        snprintf(s->id[s->n], sizeof(s->id[0]), "%s", it->id);
        snprintf(s->minutes[s->n], sizeof(s->minutes[0]), "%s", it->minutes ? it->minutes : "");
        snprintf(s->by[s->n], sizeof(s->by[0]), "%s", it->minutes_by ? it->minutes_by : "");
        s->at[s->n++] = it->minutes_at_ms;
    }
    return 0;
}

static struct items items(const char *room)
{
    struct items s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_agenda_list(st, room, item_each, &s), 0);
    return s;
}

static void test_minutes(void **state)
{
    (void)state;
    item("rat", "a0000000001", "Old minutes", 100);   /* written before the cut: blanked */
    item("rat", "a0000000002", "Young minutes", 900); /* stays */
    item("rat", "a0000000003", NULL, 0);              /* none: untouched */
    item("ausschuss", "a0000000004", "Other meeting's", 900);
    struct rooms r = {0};
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_MINUTES, CUT, 100, seen, &r), 1);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.id[0], "rat");
    struct items s = items("rat");
    assert_int_equal(s.n, 3); /* the items stay on the agenda */
    assert_string_equal(s.id[0], "a0000000001");
    assert_string_equal(s.minutes[0], "");
    assert_string_equal(s.by[0], "");
    assert_int_equal(s.at[0], 0);
    assert_string_equal(s.minutes[1], "Young minutes");
    assert_string_equal(s.by[1], "Erika");
    assert_int_equal(s.at[1], 900);
    assert_string_equal(s.minutes[2], "");
    assert_string_equal(items("ausschuss").minutes[0], "Other meeting's");
    /* minutes written again later are young again */
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001", "New", "Max", 950), 0);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_MINUTES, CUT, 100, NULL, NULL), 0);
    assert_string_equal(items("rat").minutes[0], "New");
}

/* ---- votes ---- */

static void vote(const char *room, const char *id, bool secret, int64_t created,
                 enum rs_vote_state finish, int64_t closed)
{
    struct rs_vote_record v;
    memset(&v, 0, sizeof(v));
    snprintf(v.id, sizeof(v.id), "%s", id);
    snprintf(v.room_id, sizeof(v.room_id), "%s", room);
    snprintf(v.spec, sizeof(v.spec), "{\"title\":\"Motion %s\"}", id);
    v.secret = secret;
    v.created_at_ms = created;
    struct rs_voter_record e[2] = {{"u:alice", "Alice"}, {"u:bob", "Bob"}};
    assert_int_equal(rs_store_vote_create(st, &v, e, 2), 0);
    char receipt[65];
    memset(receipt, 'a', 64);
    receipt[64] = 0;
    receipt[0] = id[1]; /* one receipt per vote */
    assert_int_equal(rs_store_ballot_cast(st, id, "u:alice", 0, secret ? receipt : NULL), 0);
    if (finish != RS_VOTE_OPEN)
        assert_int_equal(rs_store_vote_finish(st, id, finish, closed, "{\"record\":1}"), 0);
}

static int votes_left(const char *id)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM votes WHERE id = '%s') + (SELECT count(*) FROM "
             "vote_electorate WHERE vote_id = '%s') + (SELECT count(*) FROM vote_voters WHERE "
             "vote_id = '%s') + (SELECT count(*) FROM vote_ballots WHERE vote_id = '%s')",
             id, id, id, id);
    return count(sql);
}

static void test_votes(void **state)
{
    (void)state;
    vote("rat", "v1", false, 100, RS_VOTE_CLOSED, 200);    /* named, closed early: goes */
    vote("rat", "v2", true, 100, RS_VOTE_CLOSED, 300);     /* secret, closed early: goes */
    vote("rat", "v3", false, 100, RS_VOTE_CANCELLED, 400); /* cancelled early: goes */
    vote("rat", "v4", false, 100, RS_VOTE_OPEN, 0);        /* open since before the cut: stays */
    vote("rat", "v5", false, 100, RS_VOTE_CLOSED, 900);    /* opened early, closed late: stays */
    vote("ausschuss", "v6", false, 800, RS_VOTE_CLOSED, 900);
    assert_true(votes_left("v1") >= 4); /* vote, two voters, who voted */
    assert_true(votes_left("v2") >= 4); /* vote, two voters, who voted, the secret ballot */
    struct rooms r = {0};
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_VOTES, CUT, 100, seen, &r), 3);
    assert_int_equal(r.n, 3); /* once per vote: the caller tells each meeting once */
    for (unsigned i = 0; i < r.n; i++)
        assert_string_equal(r.id[i], "rat");
    for (const char *const *id = (const char *const[]){"v1", "v2", "v3", NULL}; *id; id++) {
        assert_int_equal(votes_left(*id), 0);
        struct rs_vote_record v;
        assert_int_equal(rs_store_vote_get(st, *id, &v), -ENOENT);
        char *record = NULL;
        assert_int_equal(rs_store_vote_record(st, *id, &record), -ENOENT);
        assert_null(record);
    }
    struct rs_vote_record v;
    assert_int_equal(rs_store_vote_get(st, "v4", &v), 0);
    assert_int_equal(v.state, RS_VOTE_OPEN);
    assert_int_equal(rs_store_vote_get(st, "v5", &v), 0);
    assert_int_equal(rs_store_vote_get(st, "v6", &v), 0);
    /* the open vote still takes ballots */
    assert_int_equal(rs_store_ballot_cast(st, "v4", "u:bob", 1, NULL), 0);
}

/* ---- batches, bad calls, a second connection ---- */

static void test_batches_are_bounded(void **state)
{
    (void)state;
    char pid[16];
    for (int i = 0; i < 7; i++) {
        snprintf(pid, sizeof(pid), "p%d", i);
        stay(i % 2 ? "rat" : "ausschuss", pid, 10, 20 + i);
    }
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 3, NULL, NULL), 3);
    assert_int_equal(count("SELECT count(*) FROM attendance"), 4);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 3, NULL, NULL), 3);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 3, NULL, NULL), 1);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 3, NULL, NULL), 0);
}

static void test_bad_calls(void **state)
{
    (void)state;
    stay("rat", "p1", 10, 20);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION__COUNT, CUT, 10, NULL, NULL),
                     -EINVAL);
    assert_int_equal(
        rs_store_retention_purge(st, (enum rs_retention_kind) - 1, CUT, 10, NULL, NULL), -EINVAL);
    assert_int_equal(rs_store_retention_purge(st, RS_RETENTION_ATTENDANCE, CUT, 0, NULL, NULL),
                     -EINVAL);
    assert_int_equal(stays("rat").n, 1);
    assert_string_equal(rs_retention_kind_name(RS_RETENTION_ATTENDANCE), "attendance");
    assert_string_equal(rs_retention_kind_name(RS_RETENTION_SPEAKING), "speaking_turns");
    assert_string_equal(rs_retention_kind_name(RS_RETENTION_MINUTES), "minutes");
    assert_string_equal(rs_retention_kind_name(RS_RETENTION_VOTES), "votes");
    assert_string_equal(rs_retention_kind_name(RS_RETENTION__COUNT), "unknown");
}

/* What the job does: a store of its own on the path the control thread's store names. */
static void test_second_connection(void **state)
{
    (void)state;
    char p[RS_TEST_SPEC_MAX], spec[RS_TEST_SPEC_MAX];
    assert_int_equal(rs_store_retention_path(st, p, sizeof(p)), 0);
    assert_int_equal(rs_test_store_spec(path, spec, sizeof(spec)), 0);
    assert_string_equal(p, spec); /* the file's path; PostgreSQL: the URI the store was opened on */
    char tiny[8];
    assert_int_equal(rs_store_retention_path(st, tiny, sizeof(tiny)), -ENAMETOOLONG);
    stay("rat", "p_old", 10, 20);
    stay("rat", "p_new", 10, 0);
    struct rs_store *job;
    assert_int_equal(rs_store_open(p, &job), 0); /* as http/retention.c opens it */
    assert_int_equal(rs_store_retention_purge(job, RS_RETENTION_ATTENDANCE, CUT, 10, NULL, NULL),
                     1);
    rs_store_close(job);
    struct stays s = stays("rat");
    assert_int_equal(s.n, 1);
    assert_string_equal(s.pid[0], "p_new");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attendance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speaking_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_minutes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_votes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_connection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
