/* SPDX-License-Identifier: EUPL-1.2 */
/* Signaling message validation: every error code from docs/protocol.md, and valid messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/app.h"
#include "room/room.h"
#include "sfu/media_signaling.h"
#include "signaling/message.h"

/* The features a server serves: the room's own and the SFU's media (registered in main). */
static struct rs_app app;
static struct rs_features *fs;

static enum rs_err parse_err(const char *text)
{
    struct rs_msg msg;
    struct rs_msg_error err;
    int rc = rs_msg_parse(fs, text, strlen(text), &msg, &err);
    rs_msg_free(&msg);
    return rc == 0 ? (enum rs_err)-1 : err.code;
}

static void test_valid(void **state)
{
    const char *t = "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"abc\",\"display_name\":\"A\","
                    "\"ref\":7}";
    struct rs_msg msg;
    struct rs_msg_error err;
    assert_int_equal(rs_msg_parse(fs, t, strlen(t), &msg, &err), 0);
    assert_ptr_equal(msg.feature, &rs_control_feature);
    assert_string_equal(msg.action->name, "join");
    assert_non_null(msg.ref);
    rs_msg_free(&msg);
}

static void test_error_codes(void **state)
{
    static const struct {
        const char *text;
        enum rs_err code;
    } cases[] = {
        {"{", RS_ERR_INVALID_JSON},
        {"", RS_ERR_INVALID_JSON},
        {"{\"ns\":\"chat\"} trailing", RS_ERR_INVALID_JSON},
        {"\"\\ud800\"", RS_ERR_INVALID_JSON}, /* lone surrogate */
        {"{\"a\":1,\"a\":2}", RS_ERR_INVALID_JSON}, /* duplicate keys */
        {"[]", RS_ERR_NOT_OBJECT},
        {"42", RS_ERR_NOT_OBJECT},
        {"null", RS_ERR_NOT_OBJECT},
        {"{}", RS_ERR_MISSING_FIELD},
        {"{\"ns\":1,\"action\":\"x\"}", RS_ERR_INVALID_TYPE},
        {"{\"ns\":\"nope\",\"action\":\"x\"}", RS_ERR_UNKNOWN_NS},
        {"{\"ns\":\"chat\\u0000x\",\"action\":\"send\"}", RS_ERR_UNKNOWN_NS},
        {"{\"ns\":\"chat\"}", RS_ERR_MISSING_FIELD},
        {"{\"ns\":\"chat\",\"action\":[]}", RS_ERR_INVALID_TYPE},
        {"{\"ns\":\"chat\",\"action\":\"shout\"}", RS_ERR_UNKNOWN_ACTION},
        {"{\"ns\":\"chat\",\"action\":\"send\",\"ref\":{}}", RS_ERR_INVALID_TYPE},
        {"{\"a\":[[[[[[[[[1]]]]]]]]]}", RS_ERR_TOO_DEEP},
        {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", RS_ERR_TOO_DEEP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum rs_err got = parse_err(cases[i].text);
        if (got != cases[i].code)
            fail_msg("case %zu '%s': got %s want %s", i, cases[i].text,
                     (int)got < 0 ? "ok" : rs_err_code(got), rs_err_code(cases[i].code));
    }
}

static void test_depth_scanner(void **state)
{
    assert_int_equal(rs_json_depth("{}", 2, 8), 1);
    assert_int_equal(rs_json_depth("{\"a\":\"[[[[[[[[[[\"}", 17, 8), 1); /* brackets in strings */
    assert_int_equal(rs_json_depth("{\"a\\\"[[[[[[[[[[\":1}", 19, 8), 1);  /* escaped quote */
    assert_int_equal(rs_json_depth("[[[[[[[[", 8, 8), 8);
    assert_int_equal(rs_json_depth("[[[[[[[[[", 9, 8), 9);
}

static void test_frame_too_large(void **state)
{
    static char big[RS_MSG_MAX_BYTES + 2];
    memset(big, ' ', sizeof(big));
    struct rs_msg msg;
    struct rs_msg_error err;
    assert_int_not_equal(rs_msg_parse(fs, big, sizeof(big), &msg, &err), 0);
    assert_int_equal(err.code, RS_ERR_FRAME_TOO_LARGE);
    rs_msg_free(&msg);
}

/* SDP-carrying media messages may be larger than the general limit; nothing else may. */
static void test_large_media_messages(void **state)
{
    static char buf[RS_MSG_MAX_MEDIA_BYTES + 64];
    struct rs_msg msg;
    struct rs_msg_error err;
    const char *kinds[][2] = {{"media", "subscribe_answer"}, {"media", "publish"},
                              {"chat", "send"}, {"media", "track_state"}};
    for (int k = 0; k < 4; k++) {
        int n = snprintf(buf, sizeof(buf), "{\"ns\":\"%s\",\"action\":\"%s\",\"sdp\":\"",
                         kinds[k][0], kinds[k][1]);
        memset(buf + n, 'v', 100000);
        snprintf(buf + n + 100000, 8, "\"}");
        int rc = rs_msg_parse(fs, buf, strlen(buf), &msg, &err);
        if (k < 2)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(err.code, RS_ERR_FRAME_TOO_LARGE);
        rs_msg_free(&msg);
    }
    /* and beyond the media limit even media is refused (the size alone decides) */
    assert_int_not_equal(rs_msg_parse(fs, buf, RS_MSG_MAX_MEDIA_BYTES + 1, &msg, &err), 0);
    assert_int_equal(err.code, RS_ERR_FRAME_TOO_LARGE);
    rs_msg_free(&msg);
}

static int string_field(const char *json, size_t max, int newlines, const char **out,
                        enum rs_err *code, char *buf, size_t cap)
{
    struct rs_msg msg;
    struct rs_msg_error err;
    char text[512];
    snprintf(text, sizeof(text), "{\"ns\":\"chat\",\"action\":\"send\",\"text\":%s}", json);
    assert_int_equal(rs_msg_parse(fs, text, strlen(text), &msg, &err), 0);
    int rc = rs_text_field(json_object_get(msg.root, "text"), "text", true, max, newlines, buf,
                           cap, out, &err);
    *code = err.code;
    /* on success *out points into `buf`, which outlives the message */
    rs_msg_free(&msg);
    return rc;
}

static void test_string_fields(void **state)
{
    const char *out;
    enum rs_err code;
    char buf[64];
    assert_int_equal(string_field("\"  hallo  \"", 10, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_string_equal(out, "hallo");
    /* 5 umlauts = 5 characters, 10 bytes */
    assert_int_equal(string_field("\"\u00e4\u00e4\u00e4\u00e4\u00e4\"", 5, 0, &out, &code, buf,
                                  sizeof(buf)),
                     0);
    assert_int_not_equal(string_field("\"abcdef\"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_TOO_LONG);
    assert_int_not_equal(string_field("\"   \"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_EMPTY_VALUE);
    assert_int_not_equal(string_field("\"a\\u0007b\"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_INVALID_VALUE);
    assert_int_not_equal(string_field("\"a\\u0000b\"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_INVALID_VALUE);
    assert_int_not_equal(string_field("\"a\\u202eb\"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_INVALID_VALUE);
    assert_int_not_equal(string_field("\"a\\nb\"", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(string_field("\"a\\nb\"", 5, 1, &out, &code, buf, sizeof(buf)), 0);
    assert_int_not_equal(string_field("17", 5, 0, &out, &code, buf, sizeof(buf)), 0);
    assert_int_equal(code, RS_ERR_INVALID_TYPE);
}

static void test_room_ids(void **state)
{
    assert_true(rs_room_id_valid("k3J9x2mQ7pV4sT8wYb1ZcA"));
    assert_true(rs_room_id_valid("a-b_c"));
    assert_false(rs_room_id_valid(""));
    assert_false(rs_room_id_valid("a b"));
    assert_false(rs_room_id_valid("../etc"));
    assert_false(rs_room_id_valid("r\xc3\xa4t"));
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = 0;
    assert_false(rs_room_id_valid(long_id));
    long_id[64] = 0;
    assert_true(rs_room_id_valid(long_id));
}

int main(void)
{
    rs_config_defaults(&app.cfg);
    app.rooms = rs_rooms_new(&app);
    fs = rs_rooms_features(app.rooms);
    if (!app.rooms || rs_features_add(fs, &rs_media_feature))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),          cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_depth_scanner),  cmocka_unit_test(test_frame_too_large),
        cmocka_unit_test(test_string_fields),  cmocka_unit_test(test_room_ids),
        cmocka_unit_test(test_large_media_messages),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rs_rooms_free(app.rooms);
    return failed;
}
