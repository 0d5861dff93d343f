/* SPDX-License-Identifier: EUPL-1.2 */
/* The recording feature on a detached media plane (sfu/recording_feed.h): a moderator starts a
 * recording with the fake recorder (tests/support/fake_recorder.sh); the feed's sink transport
 * is added with the recorder's data socket; a published microphone and camera are forwarded
 * (SUB_ENABLE 1) and announced to the recorder (track_add) only after their owner consented,
 * and a withdrawal, a pause or a non-public agenda item disable them and announce track_remove;
 * stopping removes the sink transport. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "core/clock.h"
#include "room/recording.h"
#include "sfu/command.h"
#include "sfu/sfu.h"
/* after cmocka: the harness uses its assertions; the fake recorder uses the harness */
#include "../../support/session_harness.h"
/* (kept apart: the fake recorder's helpers need the harness above) */
#include "../../support/fake_recorder.h"
#include "../rtc/sdp_vectors.h"

#define OUR_FP                                                                                     \
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"   \
    "67:89"
#define ROOM "aufzeichnung"

/* What the worker would have been told since the last look. */
static struct {
    struct rs_cmd cmd[256];
    unsigned n;
} cmds;

static int setup(void **state)
{
    (void)state;
    if (th_setup(RS_ANON_ON, "rs-recording-feed") || fr_setup())
        return -1;
    th_app.cfg.rate_per_s = 1000;
    th_app.media = rs_sfu_new_detached(&th_app, OUR_FP, "127.0.0.1", 40000, 1);
    cmds.n = 0;
    return th_app.media ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    while (th_app.sessions)
        rs_session_free(th_app.sessions);
    th_teardown();
    rs_sfu_free_detached(th_app.media);
    th_app.media = NULL;
    fr_teardown();
    return 0;
}

/* Takes every queued worker command into `cmds` (a detached plane has no worker to own a
 * sink's socket: it is closed here). */
static void take_cmds(void)
{
    struct rs_cmd c;
    while (rs_sfu_take_cmd(th_app.media, &c) == 0) {
        if (c.type == RS_CMD_TRANSPORT_ADD && c.u.transport.sink)
            close(c.u.transport.sink_fd);
        if (cmds.n < 256)
            cmds.cmd[cmds.n++] = c;
    }
}

static const struct rs_cmd *find_cmd(int type, int sink_or_flag)
{
    for (unsigned i = 0; i < cmds.n; i++) {
        const struct rs_cmd *c = &cmds.cmd[i];
        if ((int)c->type != type)
            continue;
        if (type == RS_CMD_TRANSPORT_ADD && c->u.transport.sink != sink_or_flag)
            continue;
        if (type == RS_CMD_SUB_ENABLE && c->u.ref.flag != sink_or_flag)
            continue;
        return c;
    }
    return NULL;
}

static unsigned count_cmd(int type, int flag)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cmds.n; i++)
        if ((int)cmds.cmd[i].type == type &&
            (type != RS_CMD_SUB_ENABLE || cmds.cmd[i].u.ref.flag == flag))
            n++;
    return n;
}

static void publish(struct rs_session *s)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "ns", "media", "action",
                            "publish", "sdp", vec_chrome_publish_simulcast_offer, "tracks", "mid",
                            "0", "source", "microphone", "mid", "1", "source", "camera");
    char *text = json_dumps(msg, JSON_COMPACT);
    rs_session_on_message(s, text, strlen(text));
    free(text);
    json_decref(msg);
    json_decref(th_expect(s, "media", "publish_answer"));
}

/* Ticks until the recorder's log has `n` lines containing `needle` (at most 5 s). */
static bool tick_until_logged(const char *needle, unsigned n)
{
    for (int i = 0; i < 250; i++) {
        rs_rooms_tick(th_app.rooms, rs_wall_ms());
        if (fr_log_count(needle) >= n)
            return true;
        fr_sleep_ms(20);
    }
    return false;
}

static void test_consent_drives_the_feed(void **state)
{
    (void)state;
    struct rs_session *anna = th_conn(NULL, NULL);
    char anna_id[16];
    snprintf(anna_id, sizeof(anna_id), "%s", th_join(anna, ROOM, "Anna Amt"));
    struct rs_session *bernd = th_conn(NULL, NULL);
    th_join(bernd, ROOM, "Bernd");
    publish(anna);
    take_cmds();
    cmds.n = 0;

    /* the moderator (Anna, the first one in) starts: a sink transport with the data socket */
    th_send(anna, "{\"ns\":\"recording\",\"action\":\"start\",\"kind\":\"recording\","
                  "\"purpose\":\"Protokoll\"}");
    take_cmds();
    const struct rs_cmd *add = find_cmd(RS_CMD_TRANSPORT_ADD, 1);
    assert_non_null(add);
    assert_true(add->u.transport.sink_fd >= 0);
    uint32_t sink_tid = add->u.transport.tid;
    assert_int_equal(count_cmd(RS_CMD_SUB_ADD, 0), 2); /* microphone and camera, disabled */
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 0);
    assert_true(tick_until_logged("{\"cmd\":\"start\"", 1));
    /* running: still nobody consented, nothing forwarded or announced */
    for (int i = 0; i < 10; i++) {
        rs_rooms_tick(th_app.rooms, rs_wall_ms());
        fr_sleep_ms(10);
    }
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 0);
    assert_int_equal(fr_log_count("\"cmd\":\"track_add\""), 0);

    /* Anna consents: both tracks announced to the recorder and forwarded */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"recording\",\"action\":\"consent\",\"kind\":\"recording\","
                  "\"given\":true}");
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 2);
    assert_true(tick_until_logged("\"cmd\":\"track_add\"", 2));
    char needle[128];
    snprintf(needle, sizeof(needle), "\"participant\":\"%s\",\"name\":\"Anna Amt\"", anna_id);
    assert_int_equal(fr_log_count(needle), 2);
    assert_int_equal(
        fr_log_count("\"kind\":\"audio\",\"codec\":\"opus\",\"pt\":111,\"clock\":48000"), 1);
    assert_int_equal(fr_log_count("\"source\":\"camera\""), 1);
    assert_int_equal(fr_log_count("\"source\":\"microphone\""), 1);

    /* a non-public agenda item: disabled and removed, the slate shown */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"agenda\",\"action\":\"add\",\"title\":\"Personal\",\"public\":false}");
    json_t *e = th_last(anna, "agenda", "state");
    char item[32];
    snprintf(
        item, sizeof(item), "%s",
        json_string_value(json_object_get(json_array_get(json_object_get(e, "items"), 0), "id")));
    json_decref(e);
    th_send(anna, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":\"%s\"}", item);
    assert_true(tick_until_logged("\"cmd\":\"track_remove\"", 2));
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 0), 2);
    /* the fake recorder logs each line as it reads it: the slate may come a moment later */
    assert_true(tick_until_logged("\"cmd\":\"slate\"", 1));
    assert_int_equal(fr_log_count("\"cmd\":\"slate\""), 1);
    /* public again: back */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"agenda\",\"action\":\"current\",\"item\":null}");
    assert_true(tick_until_logged("\"cmd\":\"track_add\"", 4));
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 2);

    /* paused: nothing forwarded; resumed: forwarded again */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"recording\",\"on\":true}");
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 0), 2);
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 0);
    assert_true(tick_until_logged("\"cmd\":\"track_remove\"", 4));
    cmds.n = 0;
    th_send(anna,
            "{\"ns\":\"recording\",\"action\":\"pause\",\"kind\":\"recording\",\"on\":false}");
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 1), 2);
    assert_true(tick_until_logged("\"cmd\":\"track_add\"", 6));

    /* withdrawn: disabled and removed in that step */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"recording\",\"action\":\"consent\",\"kind\":\"recording\","
                  "\"given\":false}");
    take_cmds();
    assert_int_equal(count_cmd(RS_CMD_SUB_ENABLE, 0), 2);
    assert_true(tick_until_logged("\"cmd\":\"track_remove\"", 6));

    /* stop: the sink transport goes */
    cmds.n = 0;
    th_send(anna, "{\"ns\":\"recording\",\"action\":\"stop\",\"kind\":\"recording\"}");
    take_cmds();
    bool removed = false;
    for (unsigned i = 0; i < cmds.n; i++)
        removed |= cmds.cmd[i].type == RS_CMD_TRANSPORT_REMOVE && cmds.cmd[i].u.ref.id == sink_tid;
    assert_true(removed);
    th_drain(bernd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_consent_drives_the_feed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
