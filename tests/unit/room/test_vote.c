/* SPDX-License-Identifier: EUPL-1.2 */
/* The vote feature over a fake transport and a real SQLite store: members marked, who may vote,
 * one ballot each with distinct refusals, turnout without choices, secret receipts, the record,
 * a restart in the middle of a vote, and chair actions refused to everyone else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/web_session.h"
#include "core/app.h"
#include "core/metrics.h"
#include "room/room.h"
#include "room/vote.h"
#include "room/vote_tally.h"
#include "signaling/session.h"
#include "store/store.h"
#include "store/store_vote.h"

#include "../../support/tmpdir.h"

static struct rs_app app;
static char dir[64], db[128];
static struct rs_user_record owner, alice, bob, carl;
static const char *MEETING = "councilAAAAAAAAAAAAAAA";
static char guest_token[] = "vote-guest-token-0123456789abcdef";

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

static void add_user(struct rs_user_record *u, const char *name)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    snprintf(u->display_name, sizeof(u->display_name), "%s", name);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$x");
    snprintf(u->tenant, sizeof(u->tenant), "stadt");
    assert_int_equal(rs_store_user_create(app.store, u), 0);
}

static void open_all(void)
{
    assert_int_equal(rs_store_open_sqlite(db, &app.store), 0);
    app.rooms = rs_rooms_new(&app);
    assert_non_null(app.rooms);
}

static void close_all(void)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    app.rooms = NULL;
    app.store = NULL;
}

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.anonymous_meetings = RS_ANON_OFF;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-vote"))
        return -1;
    open_all();
    add_user(&owner, "owner");
    add_user(&alice, "alice");
    add_user(&bob, "bob");
    add_user(&carl, "carl");
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", MEETING);
    snprintf(m.title, sizeof(m.title), "Rat");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", owner.id);
    snprintf(m.tenant, sizeof(m.tenant), "stadt");
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    assert_int_equal(rs_store_meeting_create(app.store, &m), 0);
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "iguest");
    rs_auth_token_hash(guest_token, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", MEETING);
    inv.role = RS_INVITE_PARTICIPANT;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    assert_int_equal(rs_store_invite_create(app.store, &inv), 0);
    /* the body: alice, bob and Erika Muster (invited by name); not the owner, not carl */
    struct rs_member_record members[3];
    memset(members, 0, sizeof(members));
    snprintf(members[0].user_id, sizeof(members[0].user_id), "%s", alice.id);
    snprintf(members[0].name, sizeof(members[0].name), "alice");
    snprintf(members[1].user_id, sizeof(members[1].user_id), "%s", bob.id);
    snprintf(members[1].name, sizeof(members[1].name), "bob");
    snprintf(members[2].name, sizeof(members[2].name), "Erika Muster");
    assert_int_equal(rs_store_members_set(app.store, MEETING, members, 3), 0);
    return 0;
}

static int teardown(void **state)
{
    close_all();
    char p[160];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

static json_t *expect(struct rs_session *s, const char *ns, const char *event)
{
    json_t *j;
    while ((j = next(s))) {
        if (strcmp(json_string_value(json_object_get(j, "ns")), ns) == 0 &&
            strcmp(json_string_value(json_object_get(j, "event")), event) == 0)
            return j;
        json_decref(j);
    }
    fail_msg("no %s/%s event", ns, event);
    return NULL;
}

static void drain(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s)))
        json_decref(j);
}

static void send_json(struct rs_session *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rs_session_on_message(s, buf, strlen(buf));
}

/* Joins `u` (NULL: a guest with the participant invitation) as `name`; returns the connection
 * with its control/joined event in *joined (may be NULL). */
static struct rs_session *member(const struct rs_user_record *u, const char *name, json_t **joined)
{
    static unsigned logins;
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    if (u) {
        char token[64], cookie[96];
        uint8_t hash[32];
        snprintf(token, sizeof(token), "vote-test-session-%u-0123456789abcdef", ++logins);
        rs_auth_token_hash(token, hash);
        assert_int_equal(rs_store_session_create(app.store, hash, u->id, RS_LOGIN_LOCAL, NULL,
                                                 NULL, 1, 4102444800000LL),
                         0);
        snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
        rs_web_session_identify(&app, cookie, &s->peer.ident);
        send_json(s, "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\"}",
                  MEETING, name);
    } else {
        send_json(s,
                  "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"%s\","
                  "\"invite\":\"%s\"}",
                  MEETING, name, guest_token);
    }
    json_t *j = expect(s, "control", "joined");
    if (joined)
        *joined = j;
    else
        json_decref(j);
    return s;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void expect_error(struct rs_session *s, const char *code)
{
    json_t *e = expect(s, "vote", "error");
    if (strcmp(str(e, "code"), code) != 0)
        fail_msg("expected %s, got %s (%s)", code, str(e, "code"), str(e, "text"));
    json_decref(e);
}

/* The member flag of participant `name` in a participants list. */
static int member_flag(json_t *list, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) if (strcmp(str(p, "display_name"), name) == 0) return json_is_true(
        json_object_get(p, "member"));
    fail_msg("%s not listed", name);
    return -1;
}

/* Creates a vote from `chair` with the extra fields `extra` (",..." or ""); returns its id
 * (static buffer) after checking that `chair` got vote/created. */
static const char *create(struct rs_session *chair, const char *extra)
{
    static char id[32];
    send_json(chair, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"Bebauungsplan Süd\"%s}",
              extra);
    json_t *c = expect(chair, "vote", "created");
    snprintf(id, sizeof(id), "%s", str(c, "vote"));
    json_decref(c);
    return id;
}

static void cast(struct rs_session *s, const char *vote, int option)
{
    send_json(s, "{\"ns\":\"vote\",\"action\":\"cast\",\"vote\":\"%s\",\"option\":%d}", vote,
              option);
}

static char *record_of(const char *vote)
{
    char *text = NULL;
    assert_int_equal(rs_store_vote_record(app.store, vote, &text), 0);
    char why[200];
    assert_int_equal(rs_vote_record_verify(text, strlen(text), NULL, why, sizeof(why)), 0);
    return text;
}

static void test_members_are_marked(void **state)
{
    json_t *j;
    struct rs_session *o = member(&owner, "Olga", NULL);
    struct rs_session *a = member(&alice, "Alice", NULL);
    struct rs_session *c = member(&carl, "Carl", NULL);
    struct rs_session *e = member(NULL, "  erika muster ", NULL); /* by name, with invitation */
    struct rs_session *g = member(NULL, "Gast", &j);
    json_t *list = json_object_get(j, "participants");
    assert_int_equal(member_flag(list, "Olga"), 0);
    assert_int_equal(member_flag(list, "Alice"), 1);
    assert_int_equal(member_flag(list, "Carl"), 0);
    assert_int_equal(member_flag(list, "erika muster"), 1);
    assert_int_equal(member_flag(list, "Gast"), 0);
    /* the body's size comes with the welcome (the list set up has three entries) */
    assert_int_equal(json_integer_value(json_object_get(j, "member_count")), 3);
    json_decref(j);
    /* the list changes while they are here: carl becomes a member, everyone is told */
    drain(o);
    struct rs_member_record m[1];
    memset(m, 0, sizeof(m));
    snprintf(m[0].user_id, sizeof(m[0].user_id), "%s", carl.id);
    snprintf(m[0].name, sizeof(m[0].name), "carl");
    assert_int_equal(rs_store_members_set(app.store, MEETING, m, 1), 0);
    rs_vote_members_changed(&app, MEETING);
    int carl_now = 0, alice_gone = 0;
    json_int_t count = -1;
    while ((j = next(o))) {
        json_t *p = json_object_get(j, "participant");
        if (strcmp(str(j, "event"), "members") == 0)
            count = json_integer_value(json_object_get(j, "count"));
        if (p && strcmp(str(j, "event"), "participant_updated") == 0) {
            if (strcmp(str(p, "display_name"), "Carl") == 0)
                carl_now = json_is_true(json_object_get(p, "member"));
            if (strcmp(str(p, "display_name"), "Alice") == 0)
                alice_gone = !json_object_get(p, "member");
        }
        json_decref(j);
    }
    assert_true(carl_now);
    assert_true(alice_gone);
    assert_int_equal(count, 1);
    (void)a, (void)c, (void)e, (void)g;
}

static void test_one_ballot_each_and_the_result(void **state)
{
    struct rs_session *o = member(&owner, "Olga", NULL);
    struct rs_session *a = member(&alice, "Alice", NULL);
    struct rs_session *b = member(&bob, "Bob", NULL);
    struct rs_session *c = member(&carl, "Carl", NULL);
    struct rs_session *e = member(NULL, "Erika Muster", NULL);
    struct rs_session *g = member(NULL, "Gast", NULL);
    drain(a);

    /* only the chair (a moderator) opens, closes and cancels */
    uint64_t forbidden = rs_metric_error_get(RS_ERR_FORBIDDEN);
    send_json(a, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"Mine\"}");
    expect_error(a, "forbidden");
    assert_int_equal(rs_metric_error_get(RS_ERR_FORBIDDEN), forbidden + 1);

    uint64_t opened = rs_metric_get(RS_M_VOTES_OPENED);
    const char *id = create(o, ",\"text\":\"Satzungsbeschluss\"");
    char vote[32];
    snprintf(vote, sizeof(vote), "%s", id);
    assert_int_equal(rs_metric_get(RS_M_VOTES_OPENED), opened + 1);
    json_t *ev = expect(a, "vote", "opened");
    json_t *v = json_object_get(ev, "vote");
    assert_string_equal(str(v, "title"), "Bebauungsplan Süd");
    assert_string_equal(str(v, "kind"), "motion");
    assert_int_equal(json_array_size(json_object_get(v, "options")), 3);
    assert_int_equal(json_integer_value(json_object_get(v, "electorate_size")), 3);
    assert_int_equal(json_integer_value(json_object_get(v, "quorum")), 2);
    assert_true(json_is_true(json_object_get(ev, "eligible")));
    json_decref(ev);
    ev = expect(c, "vote", "opened");
    assert_true(json_is_false(json_object_get(ev, "eligible")));
    json_decref(ev);

    send_json(a, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", vote);
    expect_error(a, "forbidden");
    send_json(b, "{\"ns\":\"vote\",\"action\":\"cancel\",\"vote\":\"%s\"}", vote);
    expect_error(b, "forbidden");

    drain(o);
    uint64_t cast_n = rs_metric_get(RS_M_BALLOTS_CAST);
    cast(a, vote, 0);
    ev = expect(a, "vote", "ballot_ack");
    assert_int_equal(json_integer_value(json_object_get(ev, "option")), 0);
    assert_null(json_object_get(ev, "receipt")); /* open vote: no receipt */
    json_decref(ev);
    assert_int_equal(rs_metric_get(RS_M_BALLOTS_CAST), cast_n + 1);
    /* everyone sees the turnout, nobody the choice */
    ev = expect(o, "vote", "turnout");
    assert_int_equal(json_integer_value(json_object_get(ev, "voted")), 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "electorate")), 3);
    assert_null(json_object_get(ev, "option"));
    json_decref(ev);

    /* distinct refusals, each counted */
    uint64_t again = rs_metric_get(RS_M_BALLOTS_REFUSED_ALREADY_VOTED);
    cast(a, vote, 1);
    expect_error(a, "already_voted");
    assert_int_equal(rs_metric_get(RS_M_BALLOTS_REFUSED_ALREADY_VOTED), again + 1);
    uint64_t inel = rs_metric_get(RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE);
    cast(c, vote, 0); /* an account, but no member */
    expect_error(c, "not_eligible");
    cast(g, vote, 0); /* a guest */
    expect_error(g, "not_eligible");
    cast(o, vote, 0); /* the chair is no member either */
    expect_error(o, "not_eligible");
    assert_int_equal(rs_metric_get(RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE), inel + 3);
    cast(b, vote, 3);
    expect_error(b, "invalid_option");
    cast(b, vote, 99);
    expect_error(b, "invalid_value"); /* beyond any vote's options: the field's limit */
    send_json(b, "{\"ns\":\"vote\",\"action\":\"cast\",\"vote\":\"vnope\",\"option\":0}");
    expect_error(b, "not_found");

    cast(b, vote, 1);
    json_decref(expect(b, "vote", "ballot_ack"));
    cast(e, vote, 0);
    json_decref(expect(e, "vote", "ballot_ack"));

    send_json(o, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", vote);
    ev = expect(g, "vote", "closed");
    json_t *r = json_object_get(ev, "result");
    assert_string_equal(str(ev, "state"), "closed");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 0)), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 1)), 1);
    assert_true(json_is_true(json_object_get(r, "quorate")));
    assert_true(json_is_true(json_object_get(r, "passed")));
    assert_int_equal(strlen(str(ev, "head")), 64);
    json_decref(ev);

    uint64_t closed = rs_metric_get(RS_M_BALLOTS_REFUSED_CLOSED);
    cast(c, vote, 0);
    expect_error(c, "vote_closed");
    assert_int_equal(rs_metric_get(RS_M_BALLOTS_REFUSED_CLOSED), closed + 1);
    send_json(o, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", vote);
    expect_error(o, "vote_closed");

    /* the record: open vote, so ballots name their voters in the order cast */
    char *text = record_of(vote);
    json_t *doc = json_loads(text, 0, NULL);
    json_t *entries = json_object_get(doc, "entries");
    assert_int_equal(json_array_size(entries), 6); /* motion, electorate, 3 ballots, result */
    assert_string_equal(str(json_object_get(json_array_get(entries, 2), "body"), "voter"), "alice");
    assert_string_equal(str(json_object_get(json_array_get(entries, 3), "body"), "voter"), "bob");
    json_decref(doc);
    free(text);
}

static void test_secret_vote_and_receipts(void **state)
{
    struct rs_session *o = member(&owner, "Olga", NULL);
    json_t *j;
    struct rs_session *a = member(&alice, "Alice", &j);
    struct rs_session *b = member(&bob, "Bob", NULL);
    struct rs_session *e = member(NULL, "Erika Muster", NULL);
    const char *aid = str(j, "id");
    char extra[256];
    snprintf(extra, sizeof(extra),
             ",\"secret\":true,\"electorate\":\"list\",\"voters\":[\"%s\"],"
             "\"options\":[\"Park\",\"Schule\"],\"majority\":\"two_thirds\",\"quorum\":1",
             aid);
    json_decref(j);
    char vote[32];
    snprintf(vote, sizeof(vote), "%s", create(o, extra));
    json_t *ev = expect(a, "vote", "opened");
    assert_true(json_is_true(json_object_get(json_object_get(ev, "vote"), "secret")));
    assert_string_equal(str(json_object_get(ev, "vote"), "kind"), "choice");
    json_decref(ev);
    cast(b, vote, 0); /* a member, but not on this vote's list */
    expect_error(b, "not_eligible");
    cast(a, vote, 1);
    ev = expect(a, "vote", "ballot_ack");
    const char *receipt = str(ev, "receipt");
    assert_non_null(receipt);
    assert_int_equal(strlen(receipt), 64);
    char want[RS_VOTE_HASH_HEX + 1];
    rs_vote_sha256_hex(receipt, strlen(receipt), want);
    json_decref(ev);
    send_json(o, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", vote);
    ev = expect(e, "vote", "closed");
    json_t *r = json_object_get(ev, "result");
    assert_true(json_is_true(json_object_get(r, "passed")));
    assert_int_equal(json_integer_value(json_object_get(r, "winner")), 1);
    json_decref(ev);
    /* the record holds the receipt's hash and no voter next to a choice */
    char *text = record_of(vote);
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "\"voter\""));
    json_t *doc = json_loads(text, 0, NULL);
    json_t *ballot = json_object_get(json_array_get(json_object_get(doc, "entries"), 2), "body");
    assert_string_equal(str(ballot, "receipt_hash"), want);
    assert_string_equal(str(ballot, "label"), "Schule");
    json_decref(doc);
    free(text);
}

static void test_restart_keeps_every_ballot(void **state)
{
    struct rs_session *o = member(&owner, "Olga", NULL);
    struct rs_session *a = member(&alice, "Alice", NULL);
    member(&bob, "Bob", NULL);
    char vote[32];
    snprintf(vote, sizeof(vote), "%s", create(o, ",\"majority\":\"members\""));
    cast(a, vote, 0);
    json_decref(expect(a, "vote", "ballot_ack"));

    close_all(); /* the process ends; only the database remains */
    open_all();

    o = member(&owner, "Olga", NULL);
    json_t *j;
    a = member(&alice, "Alice", &j);
    json_t *votes = json_object_get(j, "votes");
    assert_int_equal(json_array_size(votes), 1);
    json_t *v = json_array_get(votes, 0);
    assert_string_equal(str(v, "id"), vote);
    assert_int_equal(json_integer_value(json_object_get(v, "voted")), 1);
    assert_true(json_is_false(json_object_get(v, "eligible"))); /* already voted */
    json_decref(j);
    cast(a, vote, 1);
    expect_error(a, "already_voted");
    struct rs_session *b = member(&bob, "Bob", NULL);
    cast(b, vote, 0);
    json_decref(expect(b, "vote", "ballot_ack"));
    send_json(o, "{\"ns\":\"vote\",\"action\":\"cancel\",\"vote\":\"%s\"}", vote);
    json_t *ev = expect(b, "vote", "closed");
    assert_string_equal(str(ev, "state"), "cancelled");
    json_t *r = json_object_get(ev, "result");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 0)), 2);
    assert_false(json_is_true(json_object_get(r, "passed"))); /* cancelled never passes */
    json_decref(ev);
    free(record_of(vote));
}

static void test_bad_create(void **state)
{
    struct rs_session *o = member(&owner, "Olga", NULL);
    member(&alice, "Alice", NULL);
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"X\",\"options\":[\"A\",\"A\"]}");
    expect_error(o, "invalid_value");
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"X\",\"electorate\":\"list\"}");
    expect_error(o, "missing_field");
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"X\",\"duration_s\":1}");
    expect_error(o, "invalid_value");
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"X\",\"majority\":\"most\"}");
    expect_error(o, "invalid_value");
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\"}");
    expect_error(o, "missing_field");
    /* the whole body as electorate: members absent count too */
    send_json(o, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"X\",\"electorate\":\"members\"}");
    json_t *ev = expect(o, "vote", "opened");
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(ev, "vote"), "electorate_size")),
                     3);
    json_decref(ev);
}

static void test_deadline_closes(void **state)
{
    struct rs_session *o = member(&owner, "Olga", NULL);
    struct rs_session *a = member(&alice, "Alice", NULL);
    char first[32], second[32];
    snprintf(first, sizeof(first), "%s", create(o, ",\"duration_s\":600"));
    snprintf(second, sizeof(second), "%s", create(o, ",\"duration_s\":600"));
    json_t *ev = expect(a, "vote", "opened");
    assert_true(json_is_integer(json_object_get(json_object_get(ev, "vote"), "closes_at")));
    json_decref(ev);
    cast(a, first, 0);
    json_decref(expect(a, "vote", "ballot_ack"));
    rs_vote_tick(&app); /* not due yet: nothing happens */
    drain(a);
    drain(o);
    /* both deadlines pass (moved back in the database: the test does not wait ten minutes) */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE votes SET closes_at_ms = 1", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    /* a ballot after the deadline, before the tick noticed it: refused, and the vote closes */
    struct rs_session *b = member(&bob, "Bob", NULL);
    cast(b, second, 0);
    expect_error(b, "vote_closed");
    ev = expect(a, "vote", "closed");
    assert_string_equal(str(ev, "vote"), second);
    assert_string_equal(str(json_object_get(ev, "result"), "reason"), "deadline");
    json_decref(ev);
    /* the tick (at most once a second) closes the other one */
    usleep(1100 * 1000);
    rs_vote_tick(&app);
    ev = expect(a, "vote", "closed");
    assert_string_equal(str(ev, "vote"), first);
    json_t *r = json_object_get(ev, "result");
    assert_string_equal(str(r, "reason"), "deadline");
    assert_int_equal(json_integer_value(json_object_get(r, "ballots")), 1);
    assert_false(json_is_true(json_object_get(r, "quorate"))); /* 1 of 3 members, quorum 2 */
    assert_false(json_is_true(json_object_get(r, "passed")));
    json_decref(ev);
    free(record_of(first));
    free(record_of(second));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_members_are_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_ballot_each_and_the_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_vote_and_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_every_ballot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_closes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
