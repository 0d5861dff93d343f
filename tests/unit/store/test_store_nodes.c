/* SPDX-License-Identifier: EUPL-1.2 */
/* Rows kept open while a meeting runs, per cluster node (store.h rs_store_set_node; docs/
 * security.md F8), either backend: each attendance stay and recording carries the node that
 * opened it; a node's start-up closes only its own; the nodes with open rows are listed; a
 * row adopted by another node after a failover is that node's and, closed "node_lost" by a
 * sweep meanwhile, open again; a real leave overwrites "node_lost"; and the sweep of gone nodes
 * (http/cluster_sweep.h) closes exactly the rows of nodes that are neither itself nor live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "http/cluster_sweep.h"
#include "store/store_attendance.h"
#include "store/store_recording.h"
#include "store_backend.h"

static char dir[64];
static char path[128];
static struct rs_store *st;

static int setup(void **state)
{
    (void)state;
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-nodes") ||
        rs_test_store_open(path, &st))
        return -1;
    struct rs_room_record r = {.created_at_ms = 1, .last_active_ms = 1, .managed = true};
    snprintf(r.id, sizeof(r.id), "rat");
    return rs_store_room_put(st, &r);
}

static int teardown(void **state)
{
    (void)state;
    if (st)
        rs_store_close(st);
    st = NULL;
    rs_test_store_dir_remove(dir, path);
    return 0;
}

/* An open stay of participant `pid` opened by node `node` at `at`: its row id. */
static int64_t stay(const char *node, const char *pid, int64_t at)
{
    rs_store_set_node(st, node);
    struct rs_attendance_record r = {.joined_at_ms = at};
    snprintf(r.room_id, sizeof(r.room_id), "rat");
    snprintf(r.participant_id, sizeof(r.participant_id), "%s", pid);
    snprintf(r.display_name, sizeof(r.display_name), "Anna %s", pid);
    snprintf(r.role, sizeof(r.role), "participant");
    assert_int_equal(rs_store_attendance_add(st, &r), 0);
    return r.id;
}

/* A running recording opened by node `node`: its id. */
static int64_t recording(const char *node, int64_t at)
{
    rs_store_set_node(st, node);
    struct rs_recording r = {.started_at_ms = at, .retention_days = 30};
    snprintf(r.room_id, sizeof(r.room_id), "rat");
    snprintf(r.format, sizeof(r.format), "mp4");
    snprintf(r.layout, sizeof(r.layout), "speaker");
    snprintf(r.started_by, sizeof(r.started_by), "Anna Amt");
    snprintf(r.purpose, sizeof(r.purpose), "Protokoll");
    snprintf(r.state, sizeof(r.state), "recording");
    r.expires_at_ms = at + 30LL * 86400000;
    assert_int_equal(rs_store_recording_add(st, &r), 0);
    return r.id;
}

/* "pid:left_at:reason" of the stay `id` */
struct found {
    int64_t id;
    char out[128];
};

static int find_stay(const struct rs_attendance_record *r, void *ctx)
{
    struct found *f = ctx;
    if (r->id == f->id)
        snprintf(f->out, sizeof(f->out), "%s:%lld:%s", r->participant_id,
                 (long long)r->left_at_ms, r->reason);
    return 0;
}

static const char *stay_state(int64_t id)
{
    static struct found f;
    memset(&f, 0, sizeof(f));
    f.id = id;
    assert_int_equal(rs_store_attendance_list(st, "rat", find_stay, &f), 0);
    return f.out;
}

static const char *rec_state(int64_t id)
{
    static struct rs_recording got;
    assert_int_equal(rs_store_recording_get(st, id, &got), 0);
    return got.state;
}

/* the listed nodes in `*ctx`, comma-separated; the backends list in no particular order, so
 * the tests list nodes whose ids sort the same as one-letter names appended in order */
static int add_node(const char *node, void *ctx)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 256 - len, "%s%s", len ? "," : "", node);
    return 0;
}

static char *sorted(char *s)
{
    /* one-letter ids: a bubble sort of the letters keeps the commas in place */
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 2)
        for (size_t k = i + 2; k < n; k += 2)
            if (s[k] < s[i]) {
                char t = s[i];
                s[i] = s[k];
                s[k] = t;
            }
    return s;
}

static void rows_carry_their_node(void **state)
{
    (void)state;
    stay("a", "p1", 100);
    stay("b", "p2", 100);
    stay("b", "p3", 100);
    stay("", "p4", 100); /* a single server's row: no node */
    recording("c", 100);
    int64_t done = recording("d", 100);
    assert_int_equal(rs_store_recording_finish(st, done, 200, 1, "done"), 0);
    char nodes[256] = "";
    assert_int_equal(rs_store_attendance_open_nodes(st, add_node, nodes), 0);
    assert_string_equal(sorted(nodes), "a,b");
    nodes[0] = 0;
    assert_int_equal(rs_store_recording_open_nodes(st, add_node, nodes), 0);
    assert_string_equal(nodes, "c"); /* d's is done */
}

static void start_up_closes_only_its_own(void **state)
{
    (void)state;
    int64_t a = stay("a", "p1", 100), b = stay("b", "p2", 100);
    int64_t ra = recording("a", 100), rb = recording("b", 100);
    assert_int_equal(rs_store_attendance_close_open(st, 500, "server_restart", "a"), 1);
    assert_int_equal(rs_store_recording_close_open(st, 500, "a"), 1);
    assert_string_equal(stay_state(a), "p1:500:server_restart");
    assert_string_equal(stay_state(b), "p2:0:");
    assert_string_equal(rec_state(ra), "interrupted");
    assert_string_equal(rec_state(rb), "recording");
    /* a single server (NULL) closes everything left */
    assert_int_equal(rs_store_attendance_close_open(st, 600, "server_restart", NULL), 1);
    assert_int_equal(rs_store_recording_close_open(st, 600, NULL), 1);
    assert_string_equal(rec_state(rb), "interrupted");
}

static void adopt_moves_and_reopens(void **state)
{
    (void)state;
    int64_t s1 = stay("b", "p1", 100), s2 = stay("b", "p2", 100), s3 = stay("b", "p3", 100);
    /* b is gone: a sweep closes its stays */
    assert_int_equal(rs_store_attendance_close_open(st, 300, RS_ATTENDANCE_NODE_LOST, "b"), 3);
    assert_string_equal(stay_state(s1), "p1:300:node_lost");
    /* a restores p1 from b's snapshot: the stay goes on, a's now */
    rs_store_set_node(st, "a");
    assert_int_equal(rs_store_attendance_adopt(st, s1), 0);
    assert_string_equal(stay_state(s1), "p1:0:");
    char nodes[256] = "";
    assert_int_equal(rs_store_attendance_open_nodes(st, add_node, nodes), 0);
    assert_string_equal(nodes, "a");
    /* b restarting closes nothing of a's */
    assert_int_equal(rs_store_attendance_close_open(st, 400, "server_restart", "b"), 0);
    assert_string_equal(stay_state(s1), "p1:0:");
    /* a stay that ended for real is never adopted */
    assert_int_equal(rs_store_attendance_close(st, s1, 450, "left"), 0);
    assert_int_equal(rs_store_attendance_adopt(st, s1), -ENOENT);
    assert_int_equal(rs_store_attendance_adopt(st, 999999), -ENOENT);
    /* a node only cut off: its participant's real leave replaces "node_lost" */
    assert_int_equal(rs_store_attendance_close(st, s2, 700, "left"), 0);
    assert_string_equal(stay_state(s2), "p2:700:left");
    assert_string_equal(stay_state(s3), "p3:300:node_lost");
    /* and a recording finished by a node that was only cut off keeps its real end */
    int64_t r = recording("b", 100);
    assert_int_equal(rs_store_recording_close_open(st, 300, "b"), 1);
    assert_int_equal(rs_store_recording_finish(st, r, 900, 42, "done"), 0);
    assert_string_equal(rec_state(r), "done");
}

static void sweep_closes_gone_nodes_only(void **state)
{
    (void)state;
    int64_t sa = stay("a", "p1", 100), sb = stay("b", "p2", 100), sc = stay("c", "p3", 100);
    int64_t sd = stay("d", "p4", 100), s0 = stay("", "p5", 100);
    int64_t ra = recording("a", 100), rc = recording("c", 100), re = recording("e", 100);
    uint64_t stays0 = rs_metric_get(RS_M_CLUSTER_SWEPT_STAYS);
    uint64_t recs0 = rs_metric_get(RS_M_CLUSTER_SWEPT_RECORDINGS);
    const char *live[] = {"b", "d"};
    struct rs_cluster_sweep_result r;
    /* a sweeps with b and d live: c and e are gone */
    assert_int_equal(rs_cluster_sweep(st, "a", live, 2, 5000, &r), 0);
    assert_int_equal(r.nodes, 2);
    assert_int_equal(r.stays, 1);
    assert_int_equal(r.recordings, 2);
    assert_string_equal(stay_state(sa), "p1:0:"); /* its own */
    assert_string_equal(stay_state(sb), "p2:0:");
    assert_string_equal(stay_state(sc), "p3:5000:node_lost");
    assert_string_equal(stay_state(sd), "p4:0:");
    assert_string_equal(stay_state(s0), "p5:0:"); /* no node: a single server's, left alone */
    assert_string_equal(rec_state(ra), "recording");
    assert_string_equal(rec_state(rc), "interrupted");
    assert_string_equal(rec_state(re), "interrupted");
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SWEPT_STAYS) - stays0, 1);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SWEPT_RECORDINGS) - recs0, 2);
    /* the next sweep (or another node's: b with a and d live) finds nothing more */
    const char *live_b[] = {"a", "d"};
    assert_int_equal(rs_cluster_sweep(st, "b", live_b, 2, 6000, &r), 0);
    assert_int_equal(r.nodes + r.stays + r.recordings, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rows_carry_their_node, setup, teardown),
        cmocka_unit_test_setup_teardown(start_up_closes_only_its_own, setup, teardown),
        cmocka_unit_test_setup_teardown(adopt_moves_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(sweep_closes_gone_nodes_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
