/* SPDX-License-Identifier: EUPL-1.2 */
/* The store of speaking turns on either backend (store_backend.h): a turn written and read back
 * field for field, turns listed in the order they started and per meeting only, a negative duration
 * and an unknown meeting refused, the turns deleted with their meeting, kept across reopening. */
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
#include "store/store_speaking.h"
/* after the project's headers, as in the other store tests */
#include "store_backend.h"

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
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-speaking") ||
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

static struct rs_speaking_turn turn(const char *room, const char *pid, const char *uid,
                                    const char *name, int64_t at, int64_t ms, bool poo,
                                    const char *item)
{
    struct rs_speaking_turn t;
    memset(&t, 0, sizeof(t));
    snprintf(t.room_id, sizeof(t.room_id), "%s", room);
    snprintf(t.participant_id, sizeof(t.participant_id), "%s", pid);
    snprintf(t.user_id, sizeof(t.user_id), "%s", uid);
    snprintf(t.name, sizeof(t.name), "%s", name);
    t.started_at_ms = at;
    t.duration_ms = ms;
    t.point_of_order = poo;
    snprintf(t.agenda_item, sizeof(t.agenda_item), "%s", item);
    return t;
}

struct got {
    struct rs_speaking_turn t[8];
    size_t n;
};

static int collect(const struct rs_speaking_turn *t, void *arg)
{
    struct got *g = arg;
    if (g->n >= 8)
        return -ENOSPC;
    g->t[g->n++] = *t;
    return 0;
}

static struct got list(const char *room)
{
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(rs_store_speaking_list(st, room, collect, &g), 0);
    return g;
}

static void test_add_and_list(void **state)
{
    (void)state;
    struct rs_speaking_turn t[] = {
        turn("rat", "p2", "", "Gerda Gast", 3000, 45000, true, ""),
        turn("rat", "p1", "u1", "Anna Müller", 1000, 120500, false, "a0123456789"),
        turn("ausschuss", "p9", "u9", "Other", 500, 1, false, ""),
        turn("rat", "p1", "u1", "Anna Müller", 3000, 0, false, "a0123456789"),
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(rs_store_speaking_add(st, &t[i]), 0);
        assert_true(t[i].id > 0);
    }
    struct got g = list("rat");
    assert_int_equal(g.n, 3);
    /* by start, then by the order written */
    assert_string_equal(g.t[0].name, "Anna Müller");
    assert_int_equal(g.t[0].started_at_ms, 1000);
    assert_int_equal(g.t[0].duration_ms, 120500);
    assert_string_equal(g.t[0].participant_id, "p1");
    assert_string_equal(g.t[0].user_id, "u1");
    assert_false(g.t[0].point_of_order);
    assert_string_equal(g.t[0].agenda_item, "a0123456789");
    assert_string_equal(g.t[0].room_id, "rat");
    assert_string_equal(g.t[1].name, "Gerda Gast");
    assert_string_equal(g.t[1].user_id, ""); /* a guest */
    assert_true(g.t[1].point_of_order);
    assert_string_equal(g.t[1].agenda_item, "");
    assert_int_equal(g.t[2].duration_ms, 0);
    assert_int_equal(g.t[2].id, t[3].id);
    assert_int_equal(list("ausschuss").n, 1);
    assert_int_equal(list("unknown").n, 0);
}

static void test_refused(void **state)
{
    (void)state;
    struct rs_speaking_turn t = turn("rat", "p1", "", "A", 1000, -1, false, "");
    assert_int_equal(rs_store_speaking_add(st, &t), -EINVAL);
    t = turn("nope", "p1", "", "A", 1000, 5, false, "");
    assert_int_equal(rs_store_speaking_add(st, &t), -ENOENT);
    assert_int_equal(list("rat").n, 0);
}

static void test_deleted_with_meeting_and_kept_on_reopen(void **state)
{
    (void)state;
    struct rs_speaking_turn t = turn("rat", "p1", "", "A", 1000, 5, false, "");
    assert_int_equal(rs_store_speaking_add(st, &t), 0);
    t = turn("ausschuss", "p1", "", "A", 1000, 5, false, "");
    assert_int_equal(rs_store_speaking_add(st, &t), 0);
    rs_store_close(st);
    assert_int_equal(rs_test_store_open(path, &st), 0);
    assert_int_equal(list("rat").n, 1);
    assert_int_equal(rs_store_room_delete(st, "rat"), 0);
    assert_int_equal(list("rat").n, 0);
    assert_int_equal(list("ausschuss").n, 1);
}

static int stop_at_first(const struct rs_speaking_turn *t, void *arg)
{
    (void)t;
    (*(int *)arg)++;
    return 1;
}

static void test_callback_stops(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        struct rs_speaking_turn t = turn("rat", "p1", "", "A", 1000 + i, 5, false, "");
        assert_int_equal(rs_store_speaking_add(st, &t), 0);
    }
    int calls = 0;
    assert_int_equal(rs_store_speaking_list(st, "rat", stop_at_first, &calls), 0);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_with_meeting_and_kept_on_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_callback_stops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
