/* SPDX-License-Identifier: EUPL-1.2 */
/* The attendance list over a fake transport and a real SQLite store: a row per stay with role,
 * account and member flag, closed on leave, on disconnect and when sent to the lobby (and a new
 * row on admission), stale rows closed at start-up, anonymous rooms keep nothing; the quorum
 * timeline from rows; CSV cells escaped and defused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "http/attendance_api.h"
#include "room/attendance.h"
#include "room/room.h"
#include "store/store_attendance.h"
#include "store/store_vote.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"
#include "../../support/snapshot_owner.h"

static const char *MEETING = "councilAAAAAAAAAAAAAAA";
static char guest_token[] = "att-guest-token-0123456789abcdef";
static struct rs_user_record owner, alice, bob, carl;

/* A managed meeting of `owner` with an invitation and the member list alice, bob and Erika
 * Muster (by name); carl is no member. */
static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-att"))
        return -1;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    th_user(&bob, "bob", RS_USER_ROLE_USER);
    th_user(&carl, "carl", RS_USER_ROLE_USER);
    th_meeting(MEETING, &owner);
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "iguest");
    rs_auth_token_hash(guest_token, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", MEETING);
    inv.role = RS_INVITE_PARTICIPANT;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    assert_int_equal(rs_store_invite_create(th_app.store, &inv), 0);
    struct rs_member_record members[3];
    memset(members, 0, sizeof(members));
    snprintf(members[0].user_id, sizeof(members[0].user_id), "%s", alice.id);
    snprintf(members[0].name, sizeof(members[0].name), "alice");
    snprintf(members[1].user_id, sizeof(members[1].user_id), "%s", bob.id);
    snprintf(members[1].name, sizeof(members[1].name), "bob");
    snprintf(members[2].name, sizeof(members[2].name), "Erika Muster");
    assert_int_equal(rs_store_members_set(th_app.store, MEETING, members, 3), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

/* Joins the meeting as account `u` (NULL: with the invitation, no account) named `name`. */
static struct rs_session *member(const struct rs_user_record *u, const char *name)
{
    struct rs_session *s = th_conn(u, NULL);
    if (u) {
        th_join(s, MEETING, name);
    } else {
        th_send(s,
                "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\","
                "\"invite\":\"%s\"}",
                MEETING, name, guest_token);
        json_decref(th_expect(s, "control", "joined"));
    }
    return s;
}

struct rows {
    struct rs_attendance_record r[16];
    size_t n;
};

static int row_add(const struct rs_attendance_record *r, void *arg)
{
    struct rows *rs = arg;
    if (rs->n >= 16)
        return -ENOSPC;
    rs->r[rs->n++] = *r;
    return 0;
}

static struct rows *rows_of(const char *room)
{
    static struct rows rs;
    memset(&rs, 0, sizeof(rs));
    assert_int_equal(rs_store_attendance_list(th_app.store, room, row_add, &rs), 0);
    return &rs;
}

static struct rs_attendance_record *row_named(struct rows *rs, const char *name, int nth)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].display_name, name) == 0 && nth-- == 0)
            return &rs->r[i];
    fail_msg("no row %d for %s", nth, name);
    return NULL;
}

static void test_rows_on_join_and_leave(void **state)
{
    uint64_t before = rs_metric_get(RS_M_ATTENDANCE_ROWS);
    struct rs_session *o = member(&owner, "Olga");
    struct rs_session *a = member(&alice, "Alice");
    struct rs_session *c = member(&carl, "Carl");
    struct rs_session *e = member(NULL, "Erika Muster"); /* invited, on the list by name */
    struct rows *rs = rows_of(MEETING);
    assert_int_equal(rs->n, 4);
    assert_int_equal(rs_metric_get(RS_M_ATTENDANCE_ROWS) - before, 4);
    struct rs_attendance_record *r = row_named(rs, "Olga", 0);
    assert_string_equal(r->role, "moderator");
    assert_string_equal(r->user_id, owner.id);
    assert_string_equal(r->member_key, ""); /* the owner is not on the member list */
    assert_int_equal(r->left_at_ms, 0);
    r = row_named(rs, "Alice", 0);
    assert_string_equal(r->role, "participant");
    assert_string_not_equal(r->member_key, "");
    assert_string_equal(row_named(rs, "Carl", 0)->member_key, "");
    r = row_named(rs, "Erika Muster", 0);
    assert_string_equal(r->user_id, ""); /* no account */
    assert_string_not_equal(r->member_key, "");

    th_send(a, "{\"ns\":\"control\",\"action\":\"leave\"}");
    rs_session_free(c); /* the connection drops */
    rs = rows_of(MEETING);
    r = row_named(rs, "Alice", 0);
    assert_true(r->left_at_ms >= r->joined_at_ms);
    assert_string_equal(r->reason, "left");
    assert_string_equal(row_named(rs, "Carl", 0)->reason, "disconnected");
    assert_int_equal(row_named(rs, "Olga", 0)->left_at_ms, 0); /* still there */
    (void)o;
    (void)e;
}

static void test_lobby_closes_and_admission_opens(void **state)
{
    member(&owner, "Olga");
    struct rs_session *b = member(&bob, "Bob");
    struct rs_participant *p = b->peer.participant;
    assert_int_equal(rs_room_to_lobby(p), 0);
    struct rows *rs = rows_of(MEETING);
    assert_int_equal(rs->n, 2);
    assert_string_equal(row_named(rs, "Bob", 0)->reason, "sent_to_lobby");
    assert_int_equal(rs_room_admit(p), 0);
    rs = rows_of(MEETING);
    assert_int_equal(rs->n, 3); /* a second stay */
    assert_int_equal(row_named(rs, "Bob", 1)->left_at_ms, 0);
}

static void test_restart_closes_open_rows(void **state)
{
    member(&owner, "Olga");
    member(&alice, "Alice");
    /* the next process starts on this database while the rows are open (the old one died) */
    assert_int_equal(rs_attendance_close_stale(th_app.store, 4102444800000LL, NULL), 2);
    struct rows *rs = rows_of(MEETING);
    for (size_t i = 0; i < rs->n; i++) {
        assert_int_equal(rs->r[i].left_at_ms, 4102444800000LL);
        assert_string_equal(rs->r[i].reason, "server_restart");
    }
    assert_int_equal(rs_attendance_close_stale(th_app.store, 4102444800001LL, NULL), 0); /* idempotent */
}

/* A cluster's failover and drain (room/snapshot.h), on one app standing in for two nodes that
 * share the store: a room handed over writes nothing to the attendance list; the next owner
 * restores the participant, continues its stay (one row, still open, now the new node's, even
 * when a sweep closed it as the gone node's meanwhile), and closes that row when it leaves. */
static int one_node(const char *node, void *ctx)
{
    snprintf(ctx, 64, "%s", node);
    return 0;
}

static void test_stay_continues_across_nodes(void **state)
{
    th_app.room_owner = (struct rs_room_owner){
        .acquire = so_acquire, .snapshot_load = so_load, .snapshot_save = so_save};
    rs_store_set_node(th_app.store, "node-a");
    struct rs_session *a = th_conn(&alice, NULL);
    th_send(a,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":"
            "\"alice\"}",
            MEETING);
    json_t *j = th_expect(a, "control", "joined");
    char token[80];
    snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(j, "resume_token")));
    json_decref(j);
    struct rs_room *room = rs_rooms_find(th_app.rooms, MEETING);
    assert_non_null(room);
    assert_int_equal(rs_rooms_hand_over(th_app.rooms, rs_wall_ms()), 0); /* drain */
    assert_null(rs_rooms_find(th_app.rooms, MEETING));
    struct rows *rs = rows_of(MEETING);
    assert_int_equal(rs->n, 1);
    assert_int_equal(rs->r[0].left_at_ms, 0); /* handed over: the stay goes on */
    /* node-a counts as gone before the next owner restores the room: a sweep closes the stay
     * (http/cluster_sweep.h), which the restore opens again as node-b's */
    assert_int_equal(
        rs_store_attendance_close_open(th_app.store, rs_wall_ms(), RS_ATTENDANCE_NODE_LOST, "node-a"),
        1);
    rs_store_set_node(th_app.store, "node-b");

    struct rs_session *a2 = th_conn(&alice, NULL);
    th_send(a2, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"resume\":\"%s\"}",
            MEETING, token);
    j = th_expect(a2, "control", "joined");
    assert_true(json_is_true(json_object_get(j, "resumed")));
    json_decref(j);
    rs = rows_of(MEETING);
    assert_int_equal(rs->n, 1); /* no second row */
    assert_int_equal(rs->r[0].left_at_ms, 0);
    assert_string_equal(rs->r[0].reason, "");
    char nodes[64] = "";
    assert_int_equal(rs_store_attendance_open_nodes(th_app.store, one_node, nodes), 0);
    assert_string_equal(nodes, "node-b"); /* node-a restarting would leave it alone */
    th_send(a2, "{\"ns\":\"control\",\"action\":\"leave\"}");
    rs = rows_of(MEETING);
    assert_int_equal(rs->n, 1);
    assert_true(rs->r[0].left_at_ms > 0);
    assert_string_equal(rs->r[0].reason, "left");
    memset(&th_app.room_owner, 0, sizeof(th_app.room_owner));
    rs_store_set_node(th_app.store, NULL);
    so_forget();
    (void)a;
}

static void test_anonymous_room_keeps_nothing(void **state)
{
    th_app.cfg.anonymous_meetings = RS_ANON_ON;
    th_join(th_conn(NULL, NULL), "kaffee", "X");
    assert_int_equal(rows_of("kaffee")->n, 0);
}

static struct rs_attendance_record stay(const char *pid, const char *uid, const char *key,
                                        int64_t from, int64_t to)
{
    struct rs_attendance_record r;
    memset(&r, 0, sizeof(r));
    snprintf(r.participant_id, sizeof(r.participant_id), "%s", pid);
    snprintf(r.user_id, sizeof(r.user_id), "%s", uid);
    snprintf(r.member_key, sizeof(r.member_key), "%s", key);
    r.joined_at_ms = from;
    r.left_at_ms = to;
    return r;
}

static void point(json_t *tl, size_t i, int64_t at, int present, int members_present, int quorate)
{
    json_t *pt = json_array_get(tl, i);
    assert_non_null(pt);
    assert_int_equal(json_integer_value(json_object_get(pt, "at_ms")), at);
    assert_int_equal(json_integer_value(json_object_get(pt, "present")), present);
    assert_int_equal(json_integer_value(json_object_get(pt, "members_present")), members_present);
    assert_int_equal(json_is_true(json_object_get(pt, "quorate")), quorate);
}

static void test_quorum_timeline(void **state)
{
    /* 3 members: quorate from 2 present. m1 has two connections (counts once); a guest; m2
     * leaves and comes back at the same moment (no gap). */
    struct rs_attendance_record r[] = {
        stay("p1", "u1", "u:u1", 100, 500), stay("p2", "u1", "u:u1", 150, 0),
        stay("p3", "", "", 200, 300),       stay("p4", "u2", "u:u2", 250, 400),
        stay("p5", "u2", "u:u2", 400, 0),
    };
    json_t *tl = rs_attendance_timeline(r, 5, 3);
    assert_non_null(tl);
    assert_int_equal(json_array_size(tl), 7);
    point(tl, 0, 100, 1, 1, 0);
    point(tl, 1, 150, 1, 1, 0); /* the second connection of u1 */
    point(tl, 2, 200, 2, 1, 0); /* the guest is present but no member */
    point(tl, 3, 250, 3, 2, 1);
    point(tl, 4, 300, 2, 2, 1);
    point(tl, 5, 400, 2, 2, 1); /* u2 left and rejoined at once */
    point(tl, 6, 500, 2, 2, 1); /* u1 still has p2 */
    json_decref(tl);
    tl = rs_attendance_timeline(r, 5, 0); /* no member list: never quorate */
    point(tl, 3, 250, 3, 2, 0);
    json_decref(tl);
    tl = rs_attendance_timeline(NULL, 0, 3);
    assert_int_equal(json_array_size(tl), 0);
    json_decref(tl);
}

static void csv_is(const char *in, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rs_csv_field(f, in);
    fclose(f);
    assert_string_equal(buf, want);
    free(buf);
}

static void test_csv_field(void **state)
{
    csv_is("Anna Müller", "Anna Müller");
    csv_is("Müller, Anna", "\"Müller, Anna\"");
    csv_is("Anna \"Ann\" M", "\"Anna \"\"Ann\"\" M\"");
    csv_is("zwei\nZeilen", "\"zwei\nZeilen\"");
    csv_is("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
    csv_is("+1", "\"'+1\"");
    csv_is("-2", "\"'-2\"");
    csv_is("@SUM(A1)", "\"'@SUM(A1)\"");
    csv_is("a=b", "a=b"); /* only a leading sign is a formula */
    csv_is("", "");
    csv_is(NULL, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_on_join_and_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobby_closes_and_admission_opens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_closes_open_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_room_keeps_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stay_continues_across_nodes, setup, teardown),
        cmocka_unit_test(test_quorum_timeline),
        cmocka_unit_test(test_csv_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
