/* SPDX-License-Identifier: EUPL-1.2 */
/* The local login's request body (http/login.c), refused before any password is checked: a
 * member given twice (duplicate JSON keys are refused by every body parser; the login's took
 * the last one, so a proxy reading the first and the server the last saw two different
 * logins), and bodies that are no object with two strings. Inputs that pass go on to the
 * password job and are the http fuzz target's (tests/fuzz/http). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <string.h>

#include "core/log.h"
#include "http/api.h"
#include "room/room.h"
#include "store/store.h"

static struct rs_app app;

static int setup(void **state)
{
    (void)state;
    rs_log_set_level(RS_LOG_ERROR);
    rs_config_defaults(&app.cfg);
    if (rs_store_open_sqlite(":memory:", &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    return app.rooms ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rs_api_shutdown(&app);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    return 0;
}

static unsigned login(const char *body, char *code, size_t cap)
{
    struct rs_http_req req = {.method = RS_HTTP_POST,
                              .path = "/auth/local/login",
                              .cookie = "",
                              .content_type = "application/json",
                              .origin = "",
                              .host = "",
                              .peer = "192.0.2.1",
                              .body = body,
                              .body_len = strlen(body)};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&app, &req, &resp), RS_HTTP_DONE);
    json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
    snprintf(code, cap, "%s",
             json_string_value(json_object_get(json_object_get(j, "error"), "code")));
    json_decref(j);
    rs_http_resp_release(&resp);
    return resp.status;
}

static void test_duplicate_member_refused(void **state)
{
    (void)state;
    char code[64];
    assert_int_equal(
        login("{\"username\":\"anna\",\"username\":\"admin\",\"password\":\"x\"}", code,
              sizeof(code)),
        400);
    assert_string_equal(code, "invalid_request");
    assert_int_equal(
        login("{\"username\":\"anna\",\"password\":\"x\",\"password\":\"y\"}", code, sizeof(code)),
        400);
}

static void test_not_two_strings_refused(void **state)
{
    (void)state;
    char code[64];
    static const char *const bodies[] = {
        "", "[]", "\"anna\"", "{\"username\":\"anna\"}", "{\"username\":1,\"password\":\"x\"}",
        "{\"username\":\"anna\",\"password\":null}", "{\"username\":\"a\",\"password\":\"x\"",
        "{\"a\":" "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(login(bodies[i], code, sizeof(code)), 400);
        assert_string_equal(code, "invalid_request");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_member_refused),
        cmocka_unit_test(test_not_two_strings_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
