/* SPDX-License-Identifier: EUPL-1.2 */
/* Audience invitations through the REST API (POST /api/v1/meetings/{id}/invites with
 * "role": "audience") and what they make in the meeting: the owner creates one (201, listed with
 * its role), a role the API does not know is 400 with field `role`, and whoever joins with the
 * token skips the meeting's lobby, is a guest with `"audience": true` that may not publish, while
 * a guest invitation to the same meeting still waits in the lobby. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "room/podium.h"
/* after cmocka: the harness uses its assertions */
#include "../../support/session_harness.h"

static const char *MEETING = "podiumAAAAAAAAAAAAAAAA";
static struct rs_user_record owner, member;
static char owner_cookie[96], member_cookie[96];

/* A web session of `u` with `token`; its cookie header into `cookie` (96 bytes). */
static void signed_in(const struct rs_user_record *u, const char *token, char *cookie)
{
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    assert_int_equal(rs_store_session_create(th_app.store, hash, u->id, RS_LOGIN_LOCAL, NULL, NULL,
                                             1, 4102444800000LL),
                     0);
    snprintf(cookie, 96, "ratsaal_session=%s", token);
}

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_OFF, "rs-invite-api"))
        return -1;
    th_user(&owner, "owner", RS_USER_ROLE_USER);
    th_meeting(MEETING, &owner);
    struct rs_room_record m;
    assert_int_equal(rs_store_room_get(th_app.store, MEETING, &m), 0);
    m.lobby = true;
    assert_int_equal(rs_store_meeting_update(th_app.store, &m), 0);
    signed_in(&owner, "invite-api-session-0123456789abcdef", owner_cookie);
    /* a member of the tenant who does not moderate the meeting */
    th_user(&member, "member", RS_USER_ROLE_USER);
    signed_in(&member, "invite-api-session-member-456789abcdef", member_cookie);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_teardown();
    return 0;
}

/* A request with `cookie`; the answer's body parsed (a new reference; NULL without one). */
static json_t *request_as(const char *cookie, enum rs_http_method method, const char *path,
                          const char *body, unsigned *status)
{
    struct rs_http_req req = {.method = method,
                              .path = path,
                              .cookie = cookie,
                              .content_type = "application/json",
                              .origin = "http://localhost:8080",
                              .host = "localhost:8080",
                              .peer = "127.0.0.1",
                              .body = body,
                              .body_len = body ? strlen(body) : 0};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&th_app, &req, &resp), RS_HTTP_DONE);
    *status = resp.status;
    json_t *j = resp.body ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
    free(resp.body);
    return j;
}

/* A request of the owner. */
static json_t *request(enum rs_http_method method, const char *path, const char *body,
                       unsigned *status)
{
    return request_as(owner_cookie, method, path, body, status);
}

/* receive_only in GET /api/v1/rooms/{id}/public for the account with `cookie`. */
static bool receive_only(const char *cookie)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/rooms/%s/public", MEETING);
    unsigned status;
    json_t *j = request_as(cookie, RS_HTTP_GET, path, NULL, &status);
    assert_int_equal(status, 200);
    json_t *v = json_object_get(j, "receive_only");
    assert_true(json_is_boolean(v));
    bool ro = json_is_true(v);
    json_decref(j);
    return ro;
}

/* The pre-join screen learns that the join will be receive-only: while the meeting runs in
 * podium mode a member who does not moderate it joins as audience, its owner does not; once
 * podium mode is off again, nobody. */
static void test_public_receive_only(void **state)
{
    (void)state;
    assert_false(receive_only(member_cookie));
    assert_false(receive_only(owner_cookie));
    struct rs_session *o = th_conn(&owner, "127.0.0.5");
    th_send(o,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Owner\"}",
            MEETING);
    json_decref(th_expect(o, "control", "joined"));
    assert_false(receive_only(member_cookie)); /* live, podium mode off */
    th_send(o, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":true}");
    json_decref(th_expect(o, "podium", "state"));
    assert_true(receive_only(member_cookie));
    assert_false(receive_only(owner_cookie));
    assert_false(receive_only(NULL)); /* may not see the meeting: told nothing */
    th_send(o, "{\"ns\":\"podium\",\"action\":\"set\",\"on\":false}");
    json_decref(th_expect(o, "podium", "state"));
    assert_false(receive_only(member_cookie));
}

static void test_audience_invitation(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/meetings/%s/invites", MEETING);
    unsigned status;

    json_t *bad = request(RS_HTTP_POST, path, "{\"role\":\"listener\"}", &status);
    assert_int_equal(status, 400);
    assert_string_equal(json_string_value(json_object_get(json_object_get(bad, "error"), "field")),
                        "role");
    json_decref(bad);

    json_t *aud = request(RS_HTTP_POST, path, "{\"role\":\"audience\"}", &status);
    assert_int_equal(status, 201);
    assert_string_equal(json_string_value(json_object_get(aud, "role")), "audience");
    json_t *gst = request(RS_HTTP_POST, path, "{\"role\":\"guest\"}", &status);
    assert_int_equal(status, 201);
    json_t *list = request(RS_HTTP_GET, path, NULL, &status);
    assert_int_equal(status, 200);
    bool listed = false;
    size_t i;
    json_t *inv;
    json_array_foreach(json_object_get(list, "invites"), i, inv)
    {
        listed |= strcmp(json_string_value(json_object_get(inv, "id")),
                         json_string_value(json_object_get(aud, "id"))) == 0 &&
                  strcmp(json_string_value(json_object_get(inv, "role")), "audience") == 0;
    }
    assert_true(listed);
    json_decref(list);

    /* the guest invitation waits in the lobby, the audience one comes straight in */
    struct rs_session *g = th_conn(NULL, "127.0.0.3");
    th_send(g,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Gast\","
            "\"invite\":\"%s\"}",
            MEETING, json_string_value(json_object_get(gst, "token")));
    json_decref(th_expect(g, "lobby", "waiting"));
    struct rs_session *l = th_conn(NULL, "127.0.0.4");
    th_send(l,
            "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"Hörer\","
            "\"invite\":\"%s\"}",
            MEETING, json_string_value(json_object_get(aud, "token")));
    json_t *joined = th_expect(l, "control", "joined");
    const char *id = json_string_value(json_object_get(joined, "id"));
    json_t *me = NULL;
    json_array_foreach(json_object_get(joined, "participants"), i, inv)
    {
        if (strcmp(json_string_value(json_object_get(inv, "id")), id) == 0)
            me = inv;
    }
    assert_non_null(me);
    assert_string_equal(json_string_value(json_object_get(me, "role")), "guest");
    assert_true(json_is_true(json_object_get(me, "audience")));
    struct rs_participant *p = rs_room_participant(rs_rooms_find(th_app.rooms, MEETING), id);
    assert_false(rs_podium_may_publish(p));
    json_decref(joined);
    json_decref(aud);
    json_decref(gst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audience_invitation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_receive_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
