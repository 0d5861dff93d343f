/* SPDX-License-Identifier: EUPL-1.2 */
/* The store of the agenda (store_agenda.h) on either backend (store_backend.h): order kept dense
 * through add, move and remove, replace in one transaction, minutes, the current item's times, the
 * session-role log, and everything surviving a reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store_agenda.h"
#include "store_backend.h"

static char dir[64];
static char path[128];
static struct rs_store *st;

static int setup(void **state)
{
    if (rs_test_store_dir(dir, sizeof(dir), path, sizeof(path), "rs-agenda") ||
        rs_test_store_open(path, &st))
        return -1;
    struct rs_room_record r = {.created_at_ms = 1, .last_active_ms = 1};
    snprintf(r.id, sizeof(r.id), "rat");
    return rs_store_room_put(st, &r);
}

static int teardown(void **state)
{
    if (st)
        rs_store_close(st);
    st = NULL;
    rs_test_store_dir_remove(dir, path);
    return 0;
}

static void reopen(void)
{
    rs_store_close(st);
    assert_int_equal(rs_test_store_open(path, &st), 0);
}

/* The agenda as "id:title:pos/..." plus the last record seen, for assertions. */
struct seen {
    char order[1024];
    int n;
    char minutes[64];
    char minutes_by[64];
    int64_t minutes_at, started, ended;
    bool public;
    char description[64];
};

static int collect(const struct rs_agenda_item_record *it, void *ctx)
{
    struct seen *s = ctx;
    size_t len = strlen(s->order);
    snprintf(s->order + len, sizeof(s->order) - len, "%s%s@%d", len ? "," : "", it->title,
             it->position);
    s->n++;
    snprintf(s->minutes, sizeof(s->minutes), "%s", it->minutes);
    snprintf(s->minutes_by, sizeof(s->minutes_by), "%s", it->minutes_by);
    snprintf(s->description, sizeof(s->description), "%s", it->description);
    s->minutes_at = it->minutes_at_ms;
    s->started = it->started_at_ms;
    s->ended = it->ended_at_ms;
    s->public = it->public;
    return 0;
}

static const char *order(void)
{
    static struct seen s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rs_store_agenda_list(st, "rat", collect, &s), 0);
    return s.order;
}

/* The last item's fields (list them in an order where it is last, or with one item). */
static struct seen only(void)
{
    struct seen s = {0};
    assert_int_equal(rs_store_agenda_list(st, "rat", collect, &s), 0);
    return s;
}

static int add(const char *id, const char *title, int pos)
{
    struct rs_agenda_item_record it = {
        .room_id = "rat", .title = title, .position = pos, .public = true};
    snprintf(it.id, sizeof(it.id), "%.11s", id);
    return rs_store_agenda_add(st, &it);
}

static void test_add_move_remove_keep_order(void **state)
{
    assert_string_equal(order(), "");
    assert_int_equal(add("a0000000001", "A", -1), 0);
    assert_int_equal(add("a0000000002", "B", -1), 0);
    assert_int_equal(add("a0000000003", "C", 0), 0);  /* at the top */
    assert_int_equal(add("a0000000004", "D", 2), 0);  /* in the middle */
    assert_int_equal(add("a0000000005", "E", 99), 0); /* past the end: at the end */
    assert_string_equal(order(), "C@0,A@1,D@2,B@3,E@4");
    assert_int_equal(add("a0000000001", "again", -1), -EEXIST);
    assert_string_equal(order(), "C@0,A@1,D@2,B@3,E@4"); /* the failed add shifted nothing */

    assert_int_equal(rs_store_agenda_move(st, "rat", "a0000000005", 0), 0);
    assert_string_equal(order(), "E@0,C@1,A@2,D@3,B@4");
    assert_int_equal(rs_store_agenda_move(st, "rat", "a0000000005", 3), 0);
    assert_string_equal(order(), "C@0,A@1,D@2,E@3,B@4");
    assert_int_equal(rs_store_agenda_move(st, "rat", "a0000000003", 100), 0);
    assert_string_equal(order(), "A@0,D@1,E@2,B@3,C@4");
    assert_int_equal(rs_store_agenda_move(st, "rat", "a0000000009", 0), -ENOENT);

    assert_int_equal(rs_store_agenda_remove(st, "rat", "a0000000004"), 0);
    assert_string_equal(order(), "A@0,E@1,B@2,C@3");
    assert_int_equal(rs_store_agenda_remove(st, "rat", "a0000000004"), -ENOENT);
    /* another meeting's agenda is not this one's */
    assert_int_equal(rs_store_agenda_remove(st, "other", "a0000000001"), -ENOENT);
    assert_int_equal(add("a0000000007", "X", -1), 0);
    struct rs_agenda_item_record it = {.room_id = "nope", .title = "T"};
    snprintf(it.id, sizeof(it.id), "a0000000008");
    assert_int_equal(rs_store_agenda_add(st, &it), -ENOENT); /* unknown meeting */

    reopen();
    assert_string_equal(order(), "A@0,E@1,B@2,C@3,X@4");
}

static void test_limit_and_bad_id(void **state)
{
    char id[16];
    for (int i = 0; i < RS_AGENDA_ITEMS_MAX; i++) {
        snprintf(id, sizeof(id), "a%010x", i);
        assert_int_equal(add(id, "t", -1), 0);
    }
    assert_int_equal(add("affffffffff", "one too many", -1), -ENOSPC);
    assert_int_equal(only().n, RS_AGENDA_ITEMS_MAX);
    assert_int_equal(rs_store_agenda_remove(st, "rat", "a0000000000"), 0);
    assert_int_equal(add("short", "t", -1), -EINVAL); /* the schema checks the id's length */
}

static void test_update_minutes_current(void **state)
{
    assert_int_equal(add("a0000000001", "Haushalt", -1), 0);
    assert_int_equal(add("a0000000002", "Verschiedenes", -1), 0);
    struct rs_agenda_item_record it = {.room_id = "rat",
                                       .title = "Haushalt 2027",
                                       .description = "Zeile 1\nZeile 2",
                                       .public = false};
    snprintf(it.id, sizeof(it.id), "a0000000001");
    assert_int_equal(rs_store_agenda_update(st, &it), 0);
    snprintf(it.id, sizeof(it.id), "a0000000009");
    assert_int_equal(rs_store_agenda_update(st, &it), -ENOENT);
    assert_int_equal(rs_store_agenda_move(st, "rat", "a0000000001", 1), 0); /* make it last */
    struct seen s = only();
    assert_string_equal(s.order, "Verschiedenes@0,Haushalt 2027@1");
    assert_string_equal(s.description, "Zeile 1\nZeile 2");
    assert_false(s.public);
    assert_int_equal(s.started, 0);
    assert_string_equal(s.minutes, "");

    assert_int_equal(
        rs_store_agenda_set_minutes(st, "rat", "a0000000001", "Beraten 'und' \"x\"", "Erika", 500),
        0);
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000009", "x", "Erika", 500),
                     -ENOENT);

    /* current: started once, ended when another becomes current, restarted keeps started_at */
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000001", 1000), 0);
    s = only();
    assert_int_equal(s.started, 1000);
    assert_int_equal(s.ended, 0);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000001", 1500), 0);
    assert_int_equal(only().ended, 0); /* current again: still running */
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000002", 2000), 0);
    s = only();
    assert_int_equal(s.started, 1000);
    assert_int_equal(s.ended, 2000);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000009", 2500), -ENOENT);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000001", 3000), 0);
    s = only();
    assert_int_equal(s.started, 1000); /* the first start stays */
    assert_int_equal(s.ended, 0);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", NULL, 4000), 0);

    reopen();
    s = only();
    assert_int_equal(s.ended, 4000);
    assert_string_equal(s.minutes, "Beraten 'und' \"x\"");
    assert_string_equal(s.minutes_by, "Erika");
    assert_int_equal(s.minutes_at, 500);
}

static void test_replace(void **state)
{
    assert_int_equal(add("a0000000001", "Alt", -1), 0);
    struct rs_agenda_item_record items[2] = {
        {.title = "Neu", .public = true},
        {.title = "Alt",
         .minutes = "Protokoll",
         .minutes_by = "Max",
         .minutes_at_ms = 7,
         .started_at_ms = 5,
         .ended_at_ms = 6},
    };
    snprintf(items[0].id, sizeof(items[0].id), "a00000000aa");
    snprintf(items[1].id, sizeof(items[1].id), "a0000000001");
    assert_int_equal(rs_store_agenda_replace(st, "rat", items, 2), 0);
    struct seen s = only();
    assert_string_equal(s.order, "Neu@0,Alt@1");
    assert_string_equal(s.minutes, "Protokoll");
    assert_int_equal(s.started, 5);
    assert_int_equal(s.ended, 6);
    /* an id twice: nothing changes */
    snprintf(items[0].id, sizeof(items[0].id), "a0000000001");
    assert_int_equal(rs_store_agenda_replace(st, "rat", items, 2), -EEXIST);
    assert_string_equal(order(), "Neu@0,Alt@1");
    assert_int_equal(rs_store_agenda_replace(st, "rat", items, RS_AGENDA_ITEMS_MAX + 1), -EINVAL);
    assert_int_equal(rs_store_agenda_replace(st, "rat", NULL, 0), 0);
    assert_string_equal(order(), "");
}

static int collect_roles(const struct rs_session_role_record *r, void *ctx)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 256 - len, "%s%s:%s:%s:%s@%lld", len ? "," : "",
             rs_session_role_name(r->role), r->user_id, r->name, r->on ? "on" : "off",
             (long long)r->at_ms);
    return 0;
}

static void test_roles_log(void **state)
{
    struct rs_session_role_record r = {.role = RS_SESSION_ROLE_CHAIR, .on = true, .at_ms = 10};
    snprintf(r.room_id, sizeof(r.room_id), "rat");
    snprintf(r.user_id, sizeof(r.user_id), "u1");
    snprintf(r.name, sizeof(r.name), "Erika");
    assert_int_equal(rs_store_session_role_append(st, &r), 0);
    assert_true(r.id > 0);
    r.role = RS_SESSION_ROLE_MINUTE_TAKER;
    r.user_id[0] = 0;
    snprintf(r.name, sizeof(r.name), "Max");
    r.at_ms = 20;
    assert_int_equal(rs_store_session_role_append(st, &r), 0);
    r.on = false;
    r.at_ms = 30;
    assert_int_equal(rs_store_session_role_append(st, &r), 0);
    snprintf(r.room_id, sizeof(r.room_id), "nope");
    assert_int_equal(rs_store_session_role_append(st, &r), -ENOENT);
    reopen();
    char out[256] = "";
    assert_int_equal(rs_store_session_role_list(st, "rat", collect_roles, out), 0);
    assert_string_equal(out, "chair:u1:Erika:on@10,minute_taker::Max:on@20,"
                             "minute_taker::Max:off@30");
    /* the rows go with the meeting */
    assert_int_equal(add("a0000000001", "A", -1), 0);
    assert_int_equal(rs_store_room_delete(st, "rat"), 0);
    out[0] = 0;
    assert_int_equal(rs_store_session_role_list(st, "rat", collect_roles, out), 0);
    assert_string_equal(out, "");
    assert_string_equal(order(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_move_remove_keep_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_and_bad_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_minutes_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
