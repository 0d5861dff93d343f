/* SPDX-License-Identifier: EUPL-1.2 */
/* The agenda over a fake transport in a managed meeting: the chair's editing (add, update,
 * move, remove, current) with every refusal, minutes by the minute-taker (and refused to a
 * plain participant), the state after the room closed and opened again, votes attaching to
 * the current item, and GET/PUT /api/v1/meetings/{id}/agenda with 403, 400 and 409. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>
#include <stdlib.h>

#include "core/metrics.h"
#include "room/agenda.h"
#include "store/store_agenda.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *MEETING = "agendaAAAAAAAAAAAAAAAA";
static struct rs_user_record owner, deputy, alice, bob, stranger;

/* A managed meeting of `owner` (who takes the chair); `deputy` holds a moderator grant;
 * `alice` and `bob` are members of the tenant; `stranger` is of another tenant. */
static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-agenda"))
        return -1;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_user(&deputy, "deputy", RS_USER_ROLE_USER);
    th_user(&alice, "alice", RS_USER_ROLE_USER);
    th_user(&bob, "bob", RS_USER_ROLE_USER);
    memset(&stranger, 0, sizeof(stranger));
    snprintf(stranger.username, sizeof(stranger.username), "stranger");
    snprintf(stranger.password_hash, sizeof(stranger.password_hash), "$argon2id$x");
    snprintf(stranger.tenant, sizeof(stranger.tenant), "other");
    assert_int_equal(rs_store_user_create(th_app.store, &stranger), 0);
    th_meeting(MEETING, &owner);
    assert_int_equal(rs_store_grant_set(th_app.store, MEETING, deputy.id), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

struct meeting {
    struct rs_session *chair, *deputy, *alice, *bob;
    char alice_id[16];
};

/* Everyone in; the owner chairs, Alice takes the minutes; queues drained. */
static void open_meeting(struct meeting *m)
{
    m->chair = th_conn(&owner, NULL);
    const char *chair_id = th_join(m->chair, MEETING, "Olga Owner");
    th_send(m->chair,
            "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"chair\","
            "\"on\":true}",
            chair_id);
    m->deputy = th_conn(&deputy, NULL);
    th_join(m->deputy, MEETING, "Dieter Deputy");
    m->alice = th_conn(&alice, NULL);
    snprintf(m->alice_id, sizeof(m->alice_id), "%s", th_join(m->alice, MEETING, "Alice Protokoll"));
    m->bob = th_conn(&bob, NULL);
    th_join(m->bob, MEETING, "Bob");
    th_send(m->chair,
            "{\"ns\":\"session\",\"action\":\"set_role\",\"id\":\"%s\",\"role\":\"minute_taker\","
            "\"on\":true}",
            m->alice_id);
    th_drain(m->chair);
    th_drain(m->deputy);
    th_drain(m->alice);
    th_drain(m->bob);
}

/* The last agenda/state queued for `s` (the rest consumed). A new reference. */
static json_t *last_state(struct rs_session *s)
{
    return th_last(s, "agenda", "state");
}

static json_t *item_at(json_t *st, size_t i)
{
    return json_array_get(json_object_get(st, "items"), i);
}

static const char *field(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The titles in order as "A,B,C". */
static const char *titles(json_t *st)
{
    static char buf[512];
    buf[0] = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(st, "items"), i, it)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", field(it, "title"));
    }
    return buf;
}

static void add(struct rs_session *s, const char *title)
{
    th_send(s, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"%s\"}", title);
}

/* The id of item `i` of the state `s` last got (a static copy). */
static const char *id_at(struct rs_session *s, size_t i)
{
    static char ids[4][16];
    static unsigned n;
    json_t *st = last_state(s);
    char *id = ids[n++ % 4];
    snprintf(id, 16, "%s", field(item_at(st, i), "id"));
    json_decref(st);
    return id;
}

static void test_chair_edits_the_agenda(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    uint64_t changes = rs_metric_get(RS_M_AGENDA_CHANGES);
    add(m.chair, "Eröffnung");
    add(m.chair, "Haushalt 2027");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"Protokoll\","
                     "\"description\":\"Zeile 1\\nZeile 2\",\"public\":false,\"position\":1,"
                     "\"ref\":\"r1\"}");
    /* the caller's copy carries its ref; everyone else gets the same state */
    json_t *st = last_state(m.chair);
    assert_string_equal(field(st, "ref"), "r1");
    json_decref(st);
    st = last_state(m.bob);
    assert_string_equal(titles(st), "Eröffnung,Protokoll,Haushalt 2027");
    json_t *p = item_at(st, 1);
    assert_true(json_is_false(json_object_get(p, "public")));
    assert_string_equal(field(p, "description"), "Zeile 1\nZeile 2");
    assert_string_equal(field(p, "status"), "pending");
    assert_true(json_is_null(json_object_get(p, "started_at")));
    assert_true(json_is_null(json_object_get(st, "current")));
    const char *id = field(p, "id");
    assert_int_equal(strlen(id), 11);
    assert_int_equal(id[0], 'a');
    char prot[16], first[16];
    snprintf(prot, sizeof(prot), "%s", id);
    snprintf(first, sizeof(first), "%s", field(item_at(st, 0), "id"));
    json_decref(st);
    assert_int_equal(rs_metric_get(RS_M_AGENDA_CHANGES), changes + 3);

    /* update: only what is given changes (null counts as not given) */
    th_send(m.chair,
            "{\"ns\":\"agenda\",\"action\":\"update\",\"item\":\"%s\",\"public\":true,"
            "\"title\":null}",
            prot);
    st = last_state(m.alice);
    assert_true(json_is_true(json_object_get(item_at(st, 1), "public")));
    assert_string_equal(field(item_at(st, 1), "title"), "Protokoll");
    json_decref(st);
    /* move, then remove */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"move\",\"item\":\"%s\",\"position\":2}",
            prot);
    st = last_state(m.bob);
    assert_string_equal(titles(st), "Eröffnung,Haushalt 2027,Protokoll");
    json_decref(st);
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"remove\",\"item\":\"%s\"}", prot);
    st = last_state(m.bob);
    assert_string_equal(titles(st), "Eröffnung,Haushalt 2027");
    json_decref(st);

    /* refusals: each with its code, and nobody told anything */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"update\",\"item\":\"%s\",\"title\":\"x\"}",
            prot);
    assert_string_equal(th_error_code(m.chair, "agenda"), "not_found");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"move\",\"item\":\"a0000000000\","
                     "\"position\":0}");
    assert_string_equal(th_error_code(m.chair, "agenda"), "not_found");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"add\"}");
    assert_string_equal(th_error_code(m.chair, "agenda"), "missing_field");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"Eins\\nZwei\"}");
    assert_string_equal(th_error_code(m.chair, "agenda"), "invalid_value");
    char long_title[260];
    memset(long_title, 'x', 201);
    long_title[201] = 0;
    add(m.chair, long_title);
    assert_string_equal(th_error_code(m.chair, "agenda"), "too_long");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"move\",\"item\":\"%s\",\"position\":-1}",
            first);
    assert_string_equal(th_error_code(m.chair, "agenda"), "invalid_value");
    add(m.bob, "Von Bob");
    assert_string_equal(th_error_code(m.bob, "agenda"), "forbidden");
    add(m.deputy, "Vom Stellvertreter");
    assert_string_equal(th_error_code(m.deputy, "agenda"), "not_chair");
    th_send(m.alice, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", first);
    assert_string_equal(th_error_code(m.alice, "agenda"), "forbidden");
    assert_false(th_got(m.bob, "agenda", "state"));

    /* the current item cannot be removed */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", first);
    th_drain(m.chair);
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"remove\",\"item\":\"%s\"}", first);
    assert_string_equal(th_error_code(m.chair, "agenda"), "agenda_item_in_use");
}

static void test_at_most_100_items(void **state)
{
    (void)state;
    /* 99 items stored before the room opens (a client may send only 20 messages a second) */
    for (int i = 0; i < RS_AGENDA_ITEMS_MAX - 1; i++) {
        struct rs_agenda_item_record r = {.room_id = MEETING, .title = "Punkt", .position = -1};
        snprintf(r.id, sizeof(r.id), "a%010x", i);
        assert_int_equal(rs_store_agenda_add(th_app.store, &r), 0);
    }
    struct meeting m;
    open_meeting(&m);
    add(m.chair, "Der hundertste");
    json_t *st = last_state(m.chair);
    assert_int_equal(json_array_size(json_object_get(st, "items")), RS_AGENDA_ITEMS_MAX);
    json_decref(st);
    th_drain(m.bob);
    add(m.chair, "Einer zu viel");
    assert_string_equal(th_error_code(m.chair, "agenda"), "too_many_items");
    assert_false(th_got(m.bob, "agenda", "state"));
}

static void test_current_moves_on(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    add(m.chair, "TOP 1");
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"TOP 2 (nicht öffentlich)\","
                     "\"public\":false}");
    char a[16], b[16];
    snprintf(a, sizeof(a), "%s", id_at(m.chair, 0));
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", a);
    json_t *st = last_state(m.bob);
    snprintf(b, sizeof(b), "%s", field(item_at(st, 1), "id"));
    assert_string_equal(field(st, "current"), a);
    assert_string_equal(field(item_at(st, 0), "status"), "current");
    assert_true(json_integer_value(json_object_get(item_at(st, 0), "started_at")) > 0);
    json_decref(st);
    struct rs_room *room = rs_rooms_find(th_app.rooms, MEETING);
    assert_true(rs_agenda_current_public(room));

    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", b);
    st = last_state(m.bob);
    assert_string_equal(field(st, "current"), b);
    assert_string_equal(field(item_at(st, 0), "status"), "done");
    assert_true(json_integer_value(json_object_get(item_at(st, 0), "ended_at")) > 0);
    assert_string_equal(field(item_at(st, 1), "status"), "current");
    json_decref(st);
    assert_false(rs_agenda_current_public(room));
    assert_string_equal(rs_agenda_current(room), b);

    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":null}");
    st = last_state(m.bob);
    assert_true(json_is_null(json_object_get(st, "current")));
    assert_string_equal(field(item_at(st, 1), "status"), "done");
    json_decref(st);
    assert_true(rs_agenda_current_public(room));
    assert_null(rs_agenda_current(room));
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"a0123456789\"}");
    assert_string_equal(th_error_code(m.chair, "agenda"), "not_found");
}

static void test_minutes(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    add(m.chair, "Bericht");
    char a[16];
    snprintf(a, sizeof(a), "%s", id_at(m.chair, 0));
    th_drain(m.alice);
    th_drain(m.bob);
    uint64_t saved = rs_metric_get(RS_M_MINUTES_SAVED);
    th_send(m.alice,
            "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"Der Ausschuss "
            "berät.\\nEinstimmig.\",\"ref\":\"m1\"}",
            a);
    json_t *ev = th_expect(m.alice, "agenda", "minutes");
    assert_string_equal(field(ev, "ref"), "m1");
    json_decref(ev);
    ev = th_expect(m.bob, "agenda", "minutes");
    assert_string_equal(field(ev, "item"), a);
    assert_string_equal(field(ev, "text"), "Der Ausschuss berät.\nEinstimmig.");
    assert_string_equal(field(ev, "by"), "Alice Protokoll");
    assert_true(json_integer_value(json_object_get(ev, "at")) > 0);
    assert_null(json_object_get(ev, "ref"));
    json_decref(ev);
    assert_int_equal(rs_metric_get(RS_M_MINUTES_SAVED), saved + 1);

    /* a plain participant may not; a moderator beside the chair neither; the chair may */
    th_send(m.bob, "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"x\"}", a);
    assert_string_equal(th_error_code(m.bob, "agenda"), "forbidden");
    th_send(m.deputy, "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"x\"}",
            a);
    assert_string_equal(th_error_code(m.deputy, "agenda"), "forbidden");
    th_send(m.alice, "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"a0000000000\","
                     "\"text\":\"x\"}");
    assert_string_equal(th_error_code(m.alice, "agenda"), "not_found");
    th_send(m.alice, "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\"}", a);
    assert_string_equal(th_error_code(m.alice, "agenda"), "missing_field");
    assert_false(th_got(m.bob, "agenda", "minutes"));

    /* 10000 characters in 12000 bytes go (a frame above the general 16 KiB limit) ... */
    size_t cap = 40000;
    char *msg = malloc(cap);
    int n = snprintf(msg, cap,
                     "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"", a);
    for (int i = 0; i < 2000; i++)
        n += snprintf(msg + n, cap - (size_t)n, "\\u00e4\\n\\\"xy"); /* 5 characters, 6 bytes */
    n += snprintf(msg + n, cap - (size_t)n, "\"}");
    assert_true(n > 16384);
    rs_session_on_message(m.alice, msg, (size_t)n);
    ev = th_expect(m.bob, "agenda", "minutes");
    assert_int_equal(json_string_length(json_object_get(ev, "text")), 12000);
    json_decref(ev);
    /* ... one character more does not, and the stored text stays */
    n -= 2;
    n += snprintf(msg + n, cap - (size_t)n, "z\"}");
    rs_session_on_message(m.alice, msg, (size_t)n);
    assert_string_equal(th_error_code(m.alice, "agenda"), "too_long");
    free(msg);
    th_send(m.chair,
            "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"Ergänzt "
            "vom Vorsitz\"}",
            a);
    ev = th_expect(m.bob, "agenda", "minutes");
    assert_string_equal(field(ev, "by"), "Olga Owner");
    json_decref(ev);
    /* an item with minutes stays on the agenda */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"remove\",\"item\":\"%s\"}", a);
    assert_string_equal(th_error_code(m.chair, "agenda"), "agenda_item_in_use");
}

static void test_state_after_reopen(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    add(m.chair, "Eins");
    add(m.chair, "Zwei");
    char b[16];
    snprintf(b, sizeof(b), "%s", id_at(m.chair, 1));
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", b);
    json_t *before = last_state(m.bob);
    th_send(m.alice,
            "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"Notiz\"}", b);
    rs_session_free(m.chair);
    rs_session_free(m.deputy);
    rs_session_free(m.alice);
    rs_session_free(m.bob);
    assert_null(rs_rooms_find(th_app.rooms, MEETING));
    /* the room opens again: the joiner gets the agenda as it was */
    struct rs_session *s = th_conn(&bob, NULL);
    th_join(s, MEETING, "Bob");
    json_t *after = th_expect(s, "agenda", "state");
    assert_string_equal(titles(after), "Eins,Zwei");
    assert_string_equal(field(after, "current"), b);
    assert_string_equal(field(item_at(after, 1), "minutes"), "Notiz");
    assert_string_equal(field(item_at(after, 1), "minutes_by"), "Alice Protokoll");
    /* the same items, times included, as before the room closed (the minutes aside) */
    json_object_set_new(item_at(before, 1), "minutes", json_string("Notiz"));
    json_object_set_new(item_at(before, 1), "minutes_by", json_string("Alice Protokoll"));
    json_object_set(item_at(before, 1), "minutes_at",
                    json_object_get(item_at(after, 1), "minutes_at"));
    assert_true(json_equal(json_object_get(before, "items"), json_object_get(after, "items")));
    json_decref(before);
    json_decref(after);
}

static void create_vote(struct rs_session *s, const char *item)
{
    if (item)
        th_send(s,
                "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"Beschluss\",\"item\":\"%s\"}",
                item);
    else
        th_send(s, "{\"ns\":\"vote\",\"action\":\"create\",\"title\":\"Beschluss\"}");
}

static void test_votes_attach_to_items(void **state)
{
    (void)state;
    struct meeting m;
    open_meeting(&m);
    add(m.chair, "Haushalt");
    add(m.chair, "Verschiedenes");
    char a[16], b[16];
    snprintf(a, sizeof(a), "%s", id_at(m.chair, 0));
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", a);
    snprintf(b, sizeof(b), "%s", id_at(m.chair, 1));
    th_drain(m.bob);

    /* without `item`: the current item */
    create_vote(m.chair, NULL);
    json_t *ev = th_expect(m.bob, "vote", "opened");
    json_t *vote = json_object_get(ev, "vote");
    assert_string_equal(field(vote, "item"), a);
    assert_null(json_object_get(vote, "agenda_item"));
    char v1[32];
    snprintf(v1, sizeof(v1), "%s", field(vote, "id"));
    json_decref(ev);
    json_t *st = last_state(m.bob);
    assert_string_equal(field(item_at(st, 0), "id"), a);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(item_at(st, 0), "votes"), 0)), v1);
    json_decref(st);
    /* the stored motion names the item */
    struct rs_vote_record *rec = malloc(sizeof(*rec));
    assert_int_equal(rs_store_vote_get(th_app.store, v1, rec), 0);
    assert_non_null(strstr(rec->spec, "\"agenda_item\":\""));
    free(rec);

    /* an explicit item, and an unknown one */
    create_vote(m.chair, b);
    ev = th_expect(m.bob, "vote", "opened");
    assert_string_equal(field(json_object_get(ev, "vote"), "item"), b);
    json_decref(ev);
    create_vote(m.chair, "a0000000000");
    assert_string_equal(th_error_code(m.chair, "vote"), "not_found");
    /* no current item and none named: the vote stands alone */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":null}");
    th_drain(m.bob);
    create_vote(m.chair, NULL);
    ev = th_expect(m.bob, "vote", "opened");
    assert_true(json_is_null(json_object_get(json_object_get(ev, "vote"), "item")));
    json_decref(ev);
    /* an item with a vote stays on the agenda */
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"remove\",\"item\":\"%s\"}", b);
    assert_string_equal(th_error_code(m.chair, "agenda"), "agenda_item_in_use");
}

/* ---- REST ---- */

/* A request as `u` (NULL: not signed in) through the API; returns the status and, in `*out`
 * (may be NULL), the parsed body. */
static unsigned api(const struct rs_user_record *u, enum rs_http_method method, const char *body,
                    json_t **out)
{
    static unsigned logins;
    char cookie[96] = "", path[96];
    if (u) {
        char token[64];
        uint8_t hash[32];
        snprintf(token, sizeof(token), "agenda-api-%u-0123456789abcdef0123", ++logins);
        rs_auth_token_hash(token, hash);
        assert_int_equal(rs_store_session_create(th_app.store, hash, u->id, RS_LOGIN_LOCAL, NULL,
                                                 NULL, 1, 4102444800000LL),
                         0);
        snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
    }
    snprintf(path, sizeof(path), "/api/v1/meetings/%s/agenda", MEETING);
    struct rs_http_req req = {.method = method,
                              .path = path,
                              .cookie = cookie,
                              .content_type = "application/json",
                              .origin = "",
                              .host = "127.0.0.1",
                              .peer = "127.0.0.1",
                              .body = body,
                              .body_len = body ? strlen(body) : 0};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&th_app, &req, &resp), RS_HTTP_DONE);
    if (out)
        *out = resp.body ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
    free(resp.body);
    return resp.status;
}

static const char *error_code(json_t *j)
{
    return field(json_object_get(j, "error"), "code");
}

static void test_rest_get_and_put(void **state)
{
    (void)state;
    json_t *j;
    /* empty at first; any member of the tenant may read it */
    assert_int_equal(api(&bob, RS_HTTP_GET, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    assert_true(json_is_null(json_object_get(j, "current")));
    json_decref(j);
    assert_int_equal(api(&stranger, RS_HTTP_GET, NULL, NULL), 404);
    assert_int_equal(api(NULL, RS_HTTP_GET, NULL, NULL), 401);

    /* moderators replace it; others are refused */
    const char *two = "{\"items\":[{\"title\":\"Eröffnung\",\"description\":null,\"id\":null},{"
                      "\"title\":\"Haushalt\","
                      "\"description\":\"Entwurf\\nSeite 2\",\"public\":false}]}";
    assert_int_equal(api(&bob, RS_HTTP_PUT, two, &j), 403);
    assert_string_equal(error_code(j), "forbidden");
    json_decref(j);
    assert_int_equal(api(&deputy, RS_HTTP_PUT, two, &j), 200);
    assert_string_equal(titles(j), "Eröffnung,Haushalt");
    assert_true(json_is_false(json_object_get(item_at(j, 1), "public")));
    char first[16], second[16];
    snprintf(first, sizeof(first), "%s", field(item_at(j, 0), "id"));
    snprintf(second, sizeof(second), "%s", field(item_at(j, 1), "id"));
    json_decref(j);

    /* a live meeting hears of it at once; its minutes and current item are kept by id */
    struct meeting m;
    open_meeting(&m);
    th_send(m.chair, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", second);
    th_send(m.alice,
            "{\"ns\":\"agenda\",\"action\":\"minutes\",\"item\":\"%s\",\"text\":\"Notiz\"}",
            second);
    th_drain(m.bob);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"items\":[{\"id\":\"%s\",\"title\":\"Haushalt 2027\"},{\"title\":\"Neu\"}]}",
             second);
    /* leaving out an item with minutes, or the current one: 409, nothing changes */
    assert_int_equal(api(&owner, RS_HTTP_PUT, "{\"items\":[{\"title\":\"Nur das\"}]}", &j), 409);
    assert_string_equal(error_code(j), "agenda_item_in_use");
    json_decref(j);
    assert_false(th_got(m.bob, "agenda", "state"));
    /* ... but `first` (no minutes, no votes, not current) may go */
    assert_int_equal(api(&owner, RS_HTTP_PUT, body, &j), 200);
    assert_string_equal(titles(j), "Haushalt 2027,Neu");
    json_decref(j);
    json_t *st = last_state(m.bob);
    assert_string_equal(titles(st), "Haushalt 2027,Neu");
    assert_string_equal(field(st, "current"), second);
    assert_string_equal(field(item_at(st, 0), "minutes"), "Notiz");
    assert_true(json_is_true(json_object_get(item_at(st, 0), "public")));
    json_decref(st);

    /* bad bodies: 400 naming the field */
    snprintf(body, sizeof(body), "{\"items\":[{\"id\":\"%s\",\"title\":\"x\"}]}", first);
    assert_int_equal(api(&owner, RS_HTTP_PUT, body, &j), 400);
    assert_string_equal(error_code(j), "invalid_request");
    assert_string_equal(field(json_object_get(j, "error"), "field"), "items[0].id");
    json_decref(j);
    assert_int_equal(api(&owner, RS_HTTP_PUT, "{\"items\":[{\"title\":\"\"}]}", &j), 400);
    assert_string_equal(field(json_object_get(j, "error"), "field"), "items[0].title");
    json_decref(j);
    assert_int_equal(api(&owner, RS_HTTP_PUT, "{\"items\":{}}", NULL), 400);
    assert_int_equal(api(&owner, RS_HTTP_PUT, "[]", NULL), 400);
    assert_int_equal(
        api(&owner, RS_HTTP_PUT, "{\"items\":[{\"title\":\"a\",\"public\":\"yes\"}]}", NULL), 400);
    assert_int_equal(api(&owner, RS_HTTP_GET, NULL, &j), 200);
    assert_string_equal(titles(j), "Haushalt 2027,Neu");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chair_edits_the_agenda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_at_most_100_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_moves_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_minutes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_after_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_votes_attach_to_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest_get_and_put, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
