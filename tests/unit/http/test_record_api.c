/* SPDX-License-Identifier: EUPL-1.2 */
/* The meeting's record (GET /api/v1/meetings/{id}/record and record.html) after a scripted
 * meeting over a fake transport and a real SQLite store: 403 for a participant, 404 for an
 * unknown meeting, every section of the JSON with the values the meeting produced (agenda with
 * minutes and an attached vote, a closed named vote with its ballots, a closed secret vote
 * without them, session roles, attendance, speaking turns per person), and the printable page:
 * text people typed escaped, the print style sheets linked, German and English. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/metrics.h"
#include "http/record_api.h"
#include "store/store_agenda.h"
#include "store/store_vote.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *MEETING = "ratsAAAAAAAAAAAAAAAAAA";
static const char *TITLE = "Rat <script>alert(1)</script> & Co";
static struct rs_user_record owner, alice, bob;
static char owner_cookie[96], alice_cookie[96];

/* A managed meeting of `owner` with the member list alice and bob. */
static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-record"))
        return -1;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    th_user(&bob, "bob", RS_USER_ROLE_USER);
    th_meeting(MEETING, &owner);
    struct rs_room_record m;
    assert_int_equal(rs_store_room_get(th_app.store, MEETING, &m), 0);
    snprintf(m.title, sizeof(m.title), "%s", TITLE);
    m.scheduled_start_ms = 1764237600000LL;
    m.scheduled_end_ms = 1764244800000LL;
    assert_int_equal(rs_store_meeting_update(th_app.store, &m), 0);
    struct rs_member_record members[2];
    memset(members, 0, sizeof(members));
    snprintf(members[0].user_id, sizeof(members[0].user_id), "%s", alice.id);
    snprintf(members[0].name, sizeof(members[0].name), "alice");
    snprintf(members[1].user_id, sizeof(members[1].user_id), "%s", bob.id);
    snprintf(members[1].name, sizeof(members[1].name), "bob");
    assert_int_equal(rs_store_members_set(th_app.store, MEETING, members, 2), 0);
    th_login(&owner, owner_cookie, sizeof(owner_cookie));
    th_login(&alice, alice_cookie, sizeof(alice_cookie));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct answer {
    unsigned status;
    char *body;
    const char *type;
};

static struct answer get(const char *path, const char *cookie)
{
    struct rs_http_req req = {.method = RS_HTTP_GET,
                              .path = path,
                              .cookie = cookie,
                              .content_type = "",
                              .origin = "",
                              .host = "",
                              .peer = "127.0.0.1"};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&th_app, &req, &resp), RS_HTTP_DONE);
    return (struct answer){resp.status, resp.body, resp.content_type};
}

static const char *error_code(const struct answer *a)
{
    static char code[32];
    json_t *j = json_loads(a->body, 0, NULL);
    snprintf(code, sizeof(code), "%s",
             json_string_value(json_object_get(json_object_get(j, "error"), "code")));
    json_decref(j);
    return code;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_int_t num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Creates a vote (`extra`: more fields, ",..." or "") from `chair`; its id (static). */
static const char *create_vote(struct rs_session *chair, const char *title, const char *extra)
{
    static char id[2][32];
    static unsigned n;
    char *out = id[n++ % 2];
    th_send(chair, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"%s\",\"text\":\"Antrag\"%s}",
            title, extra);
    json_t *c = th_expect(chair, "vote", "created");
    snprintf(out, 32, "%s", str(c, "vote"));
    json_decref(c);
    return out;
}

static void cast(struct rs_session *s, const char *vote, int option)
{
    th_send(s, "{\"ns\":\"vote\",\"action\":\"cast\",\"vote\":\"%s\",\"option\":%d}", vote, option);
    json_decref(th_expect(s, "vote", "ballot_ack"));
}

/* The meeting: an agenda of two items (the first discussed and done, with minutes), a chair
 * and a minute-taker, three people in the room (alice leaves), three turns on the speakers'
 * list under the first item, a named vote and a secret vote closed after it, and an open vote
 * attached to the first item. */
static void hold_meeting(char *named, char *secret, char *attached)
{
    struct rs_agenda_item_record items[2] = {
        {.room_id = MEETING,
         .id = "a0000000001",
         .title = "Haushalt <2027>",
         .description = "Entwurf",
         .public = true,
         .position = 0},
        {.room_id = MEETING,
         .id = "a0000000002",
         .title = "Personal",
         .public = false,
         .position = 1},
    };
    for (int i = 0; i < 2; i++)
        assert_int_equal(rs_store_agenda_add(th_app.store, &items[i]), 0);
    assert_int_equal(rs_store_agenda_set_minutes(th_app.store, MEETING, "a0000000001",
                                                 "Der Rat berät <b>lange</b>.", "Erika", 2000),
                     0);
    struct rs_session_role_record role;
    memset(&role, 0, sizeof(role));
    snprintf(role.room_id, sizeof(role.room_id), "%s", MEETING);
    snprintf(role.user_id, sizeof(role.user_id), "%s", owner.id);
    snprintf(role.name, sizeof(role.name), "Olga");
    role.on = true;
    role.at_ms = 1500;
    assert_int_equal(rs_store_session_role_append(th_app.store, &role), 0);
    role.role = RS_SESSION_ROLE_MINUTE_TAKER;
    snprintf(role.user_id, sizeof(role.user_id), "%s", bob.id);
    snprintf(role.name, sizeof(role.name), "Bernd");
    assert_int_equal(rs_store_session_role_append(th_app.store, &role), 0);
    role.on = false;
    role.at_ms = 2500;
    assert_int_equal(rs_store_session_role_append(th_app.store, &role), 0);

    struct rs_session *o = th_conn(&owner, NULL);
    th_join(o, MEETING, "Olga");
    struct rs_session *a = th_conn(&alice, NULL);
    th_join(a, MEETING, "Anna");
    struct rs_session *b = th_conn(&bob, NULL);
    th_join(b, MEETING, "Bernd");

    /* item 1 is discussed (set in the store: the turns read it from there) */
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, "a0000000001", 1000), 0);
    /* Anna speaks twice (once on a point of order), Bernd once */
    th_send(a, "{\"ns\":\"speakers\",\"action\":\"request\",\"point_of_order\":true}");
    th_send(b, "{\"ns\":\"speakers\",\"action\":\"request\"}");
    th_send(o, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    th_send(o, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    th_send(a, "{\"ns\":\"speakers\",\"action\":\"request\"}");
    th_send(o, "{\"ns\":\"speakers\",\"action\":\"next\"}");
    th_send(o, "{\"ns\":\"speakers\",\"action\":\"end\"}");

    /* item 1 is done; the next votes belong to no item */
    assert_int_equal(rs_store_agenda_set_current(th_app.store, MEETING, NULL, 4000), 0);
    snprintf(named, 32, "%s", create_vote(o, "Haushalt beschließen", ""));
    snprintf(secret, 32, "%s", create_vote(o, "Wahl", ",\"secret\":true"));
    th_drain(a);
    th_drain(b);
    cast(a, named, 0);
    cast(b, named, 1);
    cast(a, secret, 0);
    cast(b, secret, 0);
    th_send(o, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", named);
    th_send(o, "{\"ns\":\"vote\",\"action\":\"close\",\"vote\":\"%s\"}", secret);
    th_send(a, "{\"ns\":\"control\",\"action\":\"leave\"}");

    /* a vote opened under the first item (the agenda feature writes agenda_item into the
     * motion; here straight into the store) and still open */
    struct rs_vote_record *v = calloc(1, sizeof(*v));
    snprintf(v->id, sizeof(v->id), "vattached0000001");
    snprintf(v->room_id, sizeof(v->room_id), "%s", MEETING);
    v->created_at_ms = 3000;
    snprintf(v->spec, sizeof(v->spec),
             "{\"abstain\":2,\"agenda_item\":\"a0000000001\",\"electorate\":\"present\","
             "\"electorate_size\":1,\"kind\":\"motion\",\"majority\":\"simple\",\"members\":2,"
             "\"options\":[\"yes\",\"no\",\"abstain\"],\"quorum\":0,\"secret\":false,"
             "\"text\":\"\",\"title\":\"Vertagung\"}");
    struct rs_voter_record voter = {.key = "u:x", .name = "X"};
    assert_int_equal(rs_store_vote_create(th_app.store, v, &voter, 1), 0);
    snprintf(attached, 32, "%s", v->id);
    free(v);
}

static char path_json[128], path_html[128];

static void paths(void)
{
    snprintf(path_json, sizeof(path_json), "/api/v1/meetings/%s/record", MEETING);
    snprintf(path_html, sizeof(path_html), "/api/v1/meetings/%s/record.html", MEETING);
}

static void test_refused(void **state)
{
    (void)state;
    paths();
    uint64_t forbidden = rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN);
    struct answer a = get(path_json, alice_cookie); /* a participant, not a moderator */
    assert_int_equal(a.status, 403);
    assert_string_equal(error_code(&a), "forbidden");
    free(a.body);
    a = get(path_html, alice_cookie);
    assert_int_equal(a.status, 403);
    free(a.body);
    assert_int_equal(rs_metric_auth_reject_get(RS_AUTH_FORBIDDEN) - forbidden, 2);
    a = get("/api/v1/meetings/unknownAAAAAAAAAAAAAAA/record", owner_cookie);
    assert_int_equal(a.status, 404);
    assert_string_equal(error_code(&a), "not_found");
    free(a.body);
    a = get(path_json, ""); /* signed out */
    assert_int_equal(a.status, 401);
    free(a.body);
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (str(o, key) && strcmp(str(o, key), value) == 0)
            return o;
    }
    fail_msg("no %s = %s", key, value);
    return NULL;
}

static void test_json_sections(void **state)
{
    (void)state;
    char named[32], secret[32], attached[32];
    paths();
    hold_meeting(named, secret, attached);
    uint64_t exports = rs_metric_get(RS_M_RECORD_EXPORTS_JSON);
    struct answer a = get(path_json, owner_cookie);
    assert_int_equal(a.status, 200);
    assert_int_equal(rs_metric_get(RS_M_RECORD_EXPORTS_JSON) - exports, 1);
    json_t *doc = json_loads(a.body, 0, NULL);
    free(a.body);
    assert_non_null(doc);
    assert_string_equal(str(doc, "format"), "ratsaal-meeting-record/1");

    json_t *m = json_object_get(doc, "meeting");
    assert_string_equal(str(m, "id"), MEETING);
    assert_string_equal(str(m, "title"), TITLE);
    assert_int_equal(num(m, "scheduled_start"), 1764237600000LL);
    assert_true(num(m, "first_entry") > 0);
    assert_true(json_is_null(json_object_get(m, "last_leave"))); /* Olga and Bernd are there */
    assert_true(json_is_null(json_object_get(m, "ended_at")));

    /* the agenda, its minutes, the vote attached to item 1 */
    json_t *agenda = json_object_get(doc, "agenda");
    assert_int_equal(json_array_size(agenda), 2);
    json_t *it = json_array_get(agenda, 0);
    assert_string_equal(str(it, "id"), "a0000000001");
    assert_string_equal(str(it, "title"), "Haushalt <2027>");
    assert_string_equal(str(it, "status"), "done");
    assert_int_equal(num(it, "started_at"), 1000);
    assert_int_equal(num(it, "ended_at"), 4000);
    assert_true(json_is_true(json_object_get(it, "public")));
    json_t *min = json_object_get(it, "minutes");
    assert_string_equal(str(min, "text"), "Der Rat berät <b>lange</b>.");
    assert_string_equal(str(min, "by"), "Erika");
    assert_int_equal(num(min, "at"), 2000);
    json_t *iv = json_object_get(it, "votes");
    assert_int_equal(json_array_size(iv), 1);
    json_t *v = json_array_get(iv, 0);
    assert_string_equal(str(v, "id"), attached);
    assert_string_equal(str(v, "state"), "open");
    assert_true(json_is_null(json_object_get(v, "result")));
    it = json_array_get(agenda, 1);
    assert_string_equal(str(it, "status"), "pending");
    assert_false(json_is_true(json_object_get(it, "public")));
    assert_true(json_is_null(json_object_get(it, "minutes")));
    assert_int_equal(json_array_size(json_object_get(it, "votes")), 0);

    /* the votes outside the agenda, in order: the named one with who voted what */
    json_t *votes = json_object_get(doc, "votes");
    assert_int_equal(json_array_size(votes), 2);
    v = json_array_get(votes, 0);
    assert_string_equal(str(v, "id"), named);
    assert_string_equal(str(v, "title"), "Haushalt beschließen");
    assert_string_equal(str(v, "text"), "Antrag");
    assert_string_equal(str(v, "kind"), "motion");
    assert_string_equal(str(v, "majority"), "simple");
    assert_string_equal(str(v, "state"), "closed");
    assert_false(json_is_true(json_object_get(v, "secret")));
    assert_int_equal(num(v, "electorate_size"), 2); /* the members present */
    assert_int_equal(json_array_size(json_object_get(v, "options")), 3);
    json_t *r = json_object_get(v, "result");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 0)), 1);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 1)), 1);
    assert_int_equal(num(r, "cast"), 2);
    assert_int_equal(num(r, "abstentions"), 0);
    assert_true(json_is_true(json_object_get(r, "quorate")));
    assert_false(json_is_true(json_object_get(r, "passed"))); /* a tie */
    assert_int_equal(strlen(str(v, "head")), 64);
    json_t *ballots = json_object_get(v, "ballots");
    assert_int_equal(json_array_size(ballots), 2);
    assert_string_equal(str(json_array_get(ballots, 0), "voter"), "alice");
    assert_int_equal(num(json_array_get(ballots, 0), "option"), 0);
    assert_string_equal(str(json_array_get(ballots, 1), "voter"), "bob");
    /* the secret one: counts, never ballots */
    v = json_array_get(votes, 1);
    assert_string_equal(str(v, "id"), secret);
    assert_true(json_is_true(json_object_get(v, "secret")));
    r = json_object_get(v, "result");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "counts"), 0)), 2);
    assert_true(json_is_true(json_object_get(r, "passed")));
    assert_int_equal(num(r, "winner"), 0);
    assert_null(json_object_get(v, "ballots"));
    assert_int_equal(strlen(str(v, "head")), 64);

    /* session roles: who held them from when to when, and every change */
    json_t *roles = json_object_get(doc, "roles");
    json_t *holders = json_object_get(roles, "holders");
    assert_int_equal(json_array_size(holders), 2);
    json_t *h = find_by(holders, "role", "chair");
    assert_string_equal(str(h, "name"), "Olga");
    assert_string_equal(str(h, "user_id"), owner.id);
    assert_int_equal(num(h, "from"), 1500);
    assert_true(json_is_null(json_object_get(h, "to")));
    h = find_by(holders, "role", "minute_taker");
    assert_string_equal(str(h, "name"), "Bernd");
    assert_int_equal(num(h, "to"), 2500);
    assert_int_equal(json_array_size(json_object_get(roles, "changes")), 3);

    /* attendance, as GET attendance gives it */
    json_t *att = json_object_get(doc, "attendance");
    assert_int_equal(num(att, "members"), 2);
    json_t *entries = json_object_get(att, "entries");
    assert_int_equal(json_array_size(entries), 3);
    json_t *anna = find_by(entries, "name", "Anna");
    assert_string_equal(str(anna, "reason"), "left");
    assert_true(json_is_true(json_object_get(anna, "member")));
    assert_true(json_array_size(json_object_get(att, "quorum")) >= 3);

    /* speaking times: per person and every turn in order */
    json_t *sp = json_object_get(doc, "speaking");
    json_t *turns = json_object_get(sp, "turns");
    assert_int_equal(json_array_size(turns), 3);
    json_t *t = json_array_get(turns, 0);
    assert_string_equal(str(t, "name"), "Anna");
    assert_string_equal(str(t, "user_id"), alice.id);
    assert_true(json_is_true(json_object_get(t, "point_of_order")));
    assert_string_equal(str(t, "agenda_item"), "a0000000001");
    assert_true(num(t, "duration_ms") >= 0);
    assert_string_equal(str(json_array_get(turns, 1), "name"), "Bernd");
    assert_false(json_is_true(json_object_get(json_array_get(turns, 1), "point_of_order")));
    json_t *people = json_object_get(sp, "people");
    assert_int_equal(json_array_size(people), 2);
    json_t *p = json_array_get(people, 0);
    assert_string_equal(str(p, "name"), "Anna");
    assert_int_equal(num(p, "turns"), 2);
    assert_int_equal(num(p, "points_of_order"), 1);
    assert_int_equal(num(p, "spoken_s"), num(p, "spoken_ms") / 1000);
    assert_int_equal(num(p, "spoken_ms"), num(json_array_get(turns, 0), "duration_ms") +
                                              num(json_array_get(turns, 2), "duration_ms"));
    p = json_array_get(people, 1);
    assert_int_equal(num(p, "turns"), 1);
    assert_int_equal(num(p, "points_of_order"), 0);
    json_decref(doc);
}

static void must_contain(const char *page, const char *s)
{
    if (!strstr(page, s))
        fail_msg("the page lacks %s", s);
}

static void test_page(void **state)
{
    (void)state;
    char named[32], secret[32], attached[32];
    paths();
    hold_meeting(named, secret, attached);
    uint64_t exports = rs_metric_get(RS_M_RECORD_EXPORTS_HTML);
    struct answer a = get(path_html, owner_cookie);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.type, "text/html; charset=utf-8");
    assert_int_equal(rs_metric_get(RS_M_RECORD_EXPORTS_HTML) - exports, 1);
    const char *page = a.body;
    /* German by default, the print style sheets of this server, no script at all */
    must_contain(page, "<html lang=\"de\">");
    must_contain(page, "<h1>Sitzungsprotokoll</h1>");
    must_contain(page, "<link rel=\"stylesheet\" href=\"/css/vote-record.css\">");
    must_contain(page, "<link rel=\"stylesheet\" href=\"/css/record.css\">");
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    /* what people typed is text, never markup */
    must_contain(page, "Rat &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co");
    must_contain(page, "TOP 1: Haushalt &lt;2027&gt;");
    must_contain(page, "Der Rat berät &lt;b&gt;lange&lt;/b&gt;.");
    assert_null(strstr(page, "<b>"));
    /* the sections */
    must_contain(page, "<h2>Tagesordnung</h2>");
    must_contain(page, "nicht öffentlich");
    must_contain(page, "<h2>Abstimmungen ohne Tagesordnungspunkt</h2>");
    must_contain(page, "<h3>Abstimmung: Haushalt beschließen</h3>");
    must_contain(page, "<li>alice: ja</li>");
    must_contain(page, "<li>bob: nein</li>");
    must_contain(page, "Die Abstimmung läuft noch.");
    must_contain(page, "<h2>Sitzungsrollen</h2>");
    must_contain(page, "<td>Vorsitz</td><td>Olga</td>");
    must_contain(page, "<td>Schriftführung</td><td>Bernd</td>");
    must_contain(page, "<h2>Anwesenheit</h2>");
    must_contain(page, "<h3>Beschlussfähigkeit im Verlauf</h3>");
    must_contain(page, "<h2>Redezeiten</h2>");
    must_contain(page, "<td>Anna</td><td>2</td>");
    free(a.body);

    /* English, from the same document */
    a = get(path_json, owner_cookie);
    json_t *doc = json_loads(a.body, 0, NULL);
    free(a.body);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rs_record_html(f, doc, true);
    fclose(f);
    json_decref(doc);
    must_contain(buf, "<html lang=\"en\">");
    must_contain(buf, "<h1>Meeting record</h1>");
    must_contain(buf, "<h2>Votes outside the agenda</h2>");
    must_contain(buf, "<li>alice: yes</li>");
    must_contain(buf, "<td>Chair</td><td>Olga</td>");
    must_contain(buf, "<h2>Speaking times</h2>");
    must_contain(buf, "Item 1: Haushalt &lt;2027&gt;");
    assert_null(strstr(buf, "Sitzungsprotokoll"));
    free(buf);
}

/* A meeting with nothing in it yet: every section is there, empty. */
static void test_empty_meeting(void **state)
{
    (void)state;
    paths();
    struct answer a = get(path_json, owner_cookie);
    assert_int_equal(a.status, 200);
    json_t *doc = json_loads(a.body, 0, NULL);
    free(a.body);
    const char *arrays[] = {"agenda", "votes"};
    for (int i = 0; i < 2; i++)
        assert_int_equal(json_array_size(json_object_get(doc, arrays[i])), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "roles"), "holders")), 0);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(doc, "attendance"), "entries")), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "speaking"), "turns")),
                     0);
    assert_true(json_is_null(json_object_get(json_object_get(doc, "meeting"), "first_entry")));
    json_decref(doc);
    a = get(path_html, owner_cookie);
    assert_int_equal(a.status, 200);
    must_contain(a.body, "Diese Sitzung hat keine Tagesordnung.");
    must_contain(a.body, "Es gab keine Wortbeiträge über die Redeliste.");
    free(a.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_meeting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
