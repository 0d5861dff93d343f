/* SPDX-License-Identifier: EUPL-1.2 */
/* The parser of the recorder's events: every event of docs/recording.md as the recorder sends
 * it, and the lines it must refuse (not JSON, not an object, wrong types, unknown output state,
 * over-long), an unknown event told apart so that it can be ignored, and long messages cut on
 * a character boundary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "room/recorder_events.h"

static int parse(const char *line, struct rs_recorder_event *ev)
{
    return rs_recorder_event_parse(line, strlen(line), ev);
}

static void test_the_protocols_events(void **state)
{
    (void)state;
    struct rs_recorder_event ev;
    assert_int_equal(parse("{\"ev\":\"ready\"}", &ev), 0);
    assert_int_equal(ev.ev, RS_RECORDER_EV_READY);
    assert_int_equal(parse("{\"ev\":\"stopped\"}", &ev), 0);
    assert_int_equal(ev.ev, RS_RECORDER_EV_STOPPED);

    assert_int_equal(
        parse("{\"ev\":\"output\",\"id\":\"rtmp:owncast\",\"state\":\"running\"}", &ev), 0);
    assert_int_equal(ev.ev, RS_RECORDER_EV_OUTPUT);
    assert_string_equal(ev.id, "rtmp:owncast");
    assert_int_equal(ev.state, RS_RECORDER_OUT_RUNNING);
    assert_int_equal(ev.bytes, -1);
    assert_int_equal(ev.duration_ms, -1);
    assert_int_equal(parse("{\"ev\":\"output\",\"id\":\"file\",\"state\":\"stopped\","
                           "\"bytes\":1234567,\"duration_ms\":30000}",
                           &ev),
                     0);
    assert_int_equal(ev.state, RS_RECORDER_OUT_STOPPED);
    assert_int_equal(ev.bytes, 1234567);
    assert_int_equal(ev.duration_ms, 30000);
    assert_string_equal(rs_recorder_output_state_name(RS_RECORDER_OUT_RECONNECTING),
                        "reconnecting");

    assert_int_equal(parse("{\"ev\":\"error\",\"fatal\":true,\"message\":\"encoder gone\"}", &ev),
                     0);
    assert_int_equal(ev.ev, RS_RECORDER_EV_ERROR);
    assert_true(ev.fatal);
    assert_string_equal(ev.message, "encoder gone");
    assert_int_equal(parse("{\"ev\":\"error\",\"message\":\"slow\"}", &ev), 0);
    assert_false(ev.fatal);

    assert_int_equal(
        parse("{\"ev\":\"stats\",\"tracks\":3,\"dropped\":0,\"keyframe_requests\":4,\"new\":1}",
              &ev),
        0);
    assert_int_equal(ev.ev, RS_RECORDER_EV_STATS);
    assert_int_equal(ev.tracks, 3);
    assert_int_equal(ev.keyframe_requests, 4);
}

static void test_refused_lines(void **state)
{
    (void)state;
    struct rs_recorder_event ev;
    static const char *const bad[] = {
        "",
        "ready",
        "{\"ev\":\"ready\"",
        "[{\"ev\":\"ready\"}]",
        "{\"ev\":7}",
        "{\"event\":\"ready\"}",
        "{\"ev\":\"ready\",\"ev\":\"stopped\"}",
        "{\"ev\":\"output\",\"state\":\"running\"}",
        "{\"ev\":\"output\",\"id\":\"\",\"state\":\"running\"}",
        "{\"ev\":\"output\",\"id\":\"file\",\"state\":\"exploded\"}",
        "{\"ev\":\"output\",\"id\":\"file\",\"state\":\"stopped\",\"bytes\":\"12\"}",
        "{\"ev\":\"output\",\"id\":\"file\",\"state\":\"stopped\",\"bytes\":-5}",
        "{\"ev\":\"output\",\"id\":\"an-output-id-that-is-much-too-long-for-the-buffer-here\","
        "\"state\":\"running\"}",
        "{\"ev\":\"error\",\"fatal\":\"yes\"}",
        "{\"ev\":\"error\",\"message\":5}",
        "{\"ev\":\"stats\",\"tracks\":1.5}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &ev) != -EINVAL)
            fail_msg("accepted or misjudged: %s", bad[i]);
    /* a newer recorder's event: well-formed, ignored */
    assert_int_equal(parse("{\"ev\":\"thumbnail\",\"path\":\"/x\"}", &ev), -ENOENT);
    /* not NUL-terminated: only `len` bytes count */
    assert_int_equal(rs_recorder_event_parse("{\"ev\":\"ready\"}garbage", 14, &ev), 0);
    /* over-long */
    size_t n = RS_RECORDER_LINE_MAX + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    assert_int_equal(rs_recorder_event_parse(big, n, &ev), -E2BIG);
    free(big);
}

static void test_long_message_cut_on_a_character(void **state)
{
    (void)state;
    char line[1024];
    char msg[301];
    for (int i = 0; i < 150; i++)
        memcpy(msg + 2 * i, "\xc3\xb6", 2); /* ö: 300 bytes */
    msg[300] = '\0';
    snprintf(line, sizeof(line), "{\"ev\":\"error\",\"fatal\":true,\"message\":\"a%s\"}", msg);
    struct rs_recorder_event ev;
    assert_int_equal(parse(line, &ev), 0);
    size_t len = strlen(ev.message);
    assert_true(len < sizeof(ev.message));
    assert_true(len >= sizeof(ev.message) - 3);
    /* ends after a whole ö: 'a' + pairs */
    assert_int_equal((len - 1) % 2, 0);
    assert_int_equal((unsigned char)ev.message[len - 1], 0xb6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_protocols_events),
        cmocka_unit_test(test_refused_lines),
        cmocka_unit_test(test_long_message_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
