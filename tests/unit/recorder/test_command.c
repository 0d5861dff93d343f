/* SPDX-License-Identifier: EUPL-1.2 */
/* The recorder's control commands (docs/recording.md): every command the server sends parses
 * to what it says; bad JSON, wrong types, out-of-range and oversized fields and unknown
 * commands are refused with a reason that names the problem. Also the tile geometry. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recorder/command.h"
#include "recorder/layout.h"

static struct rs_rec_cmd cmd;
static char err[256];

static int parse(const char *line)
{
    return rs_rec_cmd_parse(line, strlen(line), &cmd, err, sizeof err);
}

/* The line is refused and the reason mentions `what`. */
static void refused(const char *line, const char *what)
{
    assert_int_equal(parse(line), -EINVAL);
    if (!strstr(err, what))
        fail_msg("%s: reason \"%s\" does not mention \"%s\"", line, err, what);
    assert_int_equal(cmd.type, 0);
}

static void test_start(void **state)
{
    assert_int_equal(parse("{\"cmd\":\"start\",\"kind\":\"recording\",\"width\":1280,\"height\":"
                           "720,\"fps\":30,\"layout\":\"speaker\",\"video_kbps\":2500,"
                           "\"audio_kbps\":128,\"title\":\"Sitzung des Rates\",\"locale\":"
                           "\"de\"}"),
                     0);
    assert_int_equal(cmd.type, RS_REC_START);
    assert_false(cmd.stream);
    assert_int_equal(cmd.width, 1280);
    assert_int_equal(cmd.height, 720);
    assert_int_equal(cmd.fps, 30);
    assert_int_equal(cmd.layout, RS_REC_LAYOUT_SPEAKER);
    assert_int_equal(cmd.video_kbps, 2500);
    assert_int_equal(cmd.audio_kbps, 128);
    assert_string_equal(cmd.title, "Sitzung des Rates");
    assert_string_equal(cmd.locale, "de");

    /* defaults */
    assert_int_equal(parse("{\"cmd\":\"start\",\"kind\":\"stream\",\"layout\":\"grid\"}"), 0);
    assert_true(cmd.stream);
    assert_int_equal(cmd.width, 1280);
    assert_int_equal(cmd.height, 720);
    assert_int_equal(cmd.fps, 30);
    assert_int_equal(cmd.layout, RS_REC_LAYOUT_GRID);
    assert_string_equal(cmd.title, "");
    assert_string_equal(cmd.locale, "de");

    refused("{\"cmd\":\"start\"}", "kind");
    refused("{\"cmd\":\"start\",\"kind\":\"podcast\"}", "kind");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"width\":\"1280\"}", "width");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"width\":1281}", "even");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"height\":99999}", "height");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"fps\":0}", "fps");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"fps\":30.5}", "fps");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"layout\":\"mosaic\"}", "layout");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"video_kbps\":-1}", "video_kbps");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"audio_kbps\":true}", "audio_kbps");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"title\":7}", "title");
    refused("{\"cmd\":\"start\",\"kind\":\"stream\",\"locale\":\"de-DE-1996\"}", "locale");
}

static void test_output_add(void **state)
{
    assert_int_equal(parse("{\"cmd\":\"output_add\",\"id\":\"file\",\"type\":\"file\",\"path\":"
                           "\"/abs/path/12.mp4\",\"format\":\"mp4\"}"),
                     0);
    assert_int_equal(cmd.type, RS_REC_OUTPUT_ADD);
    assert_string_equal(cmd.id, "file");
    assert_int_equal(cmd.output, RS_REC_OUT_FILE);
    assert_int_equal(cmd.format, RS_REC_FORMAT_MP4);
    assert_string_equal(cmd.path, "/abs/path/12.mp4");

    assert_int_equal(parse("{\"cmd\":\"output_add\",\"id\":\"hls\",\"type\":\"hls\",\"dir\":"
                           "\"/abs/live/ROOM\",\"segment_s\":2,\"playlist_len\":6}"),
                     0);
    assert_int_equal(cmd.output, RS_REC_OUT_HLS);
    assert_string_equal(cmd.path, "/abs/live/ROOM");
    assert_int_equal(cmd.segment_s, 2);
    assert_int_equal(cmd.playlist_len, 6);

    assert_int_equal(parse("{\"cmd\":\"output_add\",\"id\":\"rtmp:owncast\",\"type\":\"rtmp\","
                           "\"url\":\"rtmp://127.0.0.1:1935/live/key\"}"),
                     0);
    assert_int_equal(cmd.output, RS_REC_OUT_RTMP);
    assert_string_equal(cmd.id, "rtmp:owncast");
    assert_string_equal(cmd.path, "rtmp://127.0.0.1:1935/live/key");

    refused("{\"cmd\":\"output_add\",\"type\":\"file\",\"path\":\"/x.mp4\"}", "id");
    refused("{\"cmd\":\"output_add\",\"id\":\"\",\"type\":\"file\",\"path\":\"/x.mp4\"}", "id");
    refused("{\"cmd\":\"output_add\",\"id\":\"f\",\"type\":\"ftp\"}", "type");
    refused("{\"cmd\":\"output_add\",\"id\":\"f\",\"type\":\"file\"}", "path");
    refused("{\"cmd\":\"output_add\",\"id\":\"f\",\"type\":\"file\",\"path\":\"rel.mp4\"}",
            "absolute");
    refused("{\"cmd\":\"output_add\",\"id\":\"f\",\"type\":\"file\",\"path\":\"/x\",\"format\":"
            "\"avi\"}",
            "format");
    refused("{\"cmd\":\"output_add\",\"id\":\"h\",\"type\":\"hls\",\"dir\":\"/d\",\"segment_s\":"
            "0}",
            "segment_s");
    refused("{\"cmd\":\"output_add\",\"id\":\"h\",\"type\":\"hls\",\"dir\":\"/d\","
            "\"playlist_len\":1000}",
            "playlist_len");
    refused("{\"cmd\":\"output_add\",\"id\":\"r\",\"type\":\"rtmp\",\"url\":\"http://x/\"}",
            "url");
}

static void test_tracks(void **state)
{
    assert_int_equal(parse("{\"cmd\":\"track_add\",\"ssrc\":1234,\"kind\":\"audio\",\"codec\":"
                           "\"opus\",\"pt\":111,\"clock\":48000,\"participant\":\"p1a2b3c4d5e6\","
                           "\"name\":\"Anna Amt\",\"source\":\"microphone\"}"),
                     0);
    assert_int_equal(cmd.type, RS_REC_TRACK_ADD);
    assert_int_equal(cmd.ssrc, 1234);
    assert_false(cmd.video);
    assert_int_equal(cmd.codec, RS_REC_CODEC_OPUS);
    assert_int_equal(cmd.pt, 111);
    assert_int_equal(cmd.clock, 48000);
    assert_string_equal(cmd.participant, "p1a2b3c4d5e6");
    assert_string_equal(cmd.name, "Anna Amt");
    assert_int_equal(cmd.source, RS_REC_SOURCE_MICROPHONE);

    assert_int_equal(parse("{\"cmd\":\"track_add\",\"ssrc\":4294967295,\"kind\":\"video\","
                           "\"codec\":\"h264\",\"pt\":102,\"participant\":\"p2\",\"source\":"
                           "\"screen\"}"),
                     0);
    assert_int_equal(cmd.ssrc, 4294967295u);
    assert_true(cmd.video);
    assert_int_equal(cmd.codec, RS_REC_CODEC_H264);
    assert_int_equal(cmd.clock, 90000); /* default for video */
    assert_int_equal(cmd.source, RS_REC_SOURCE_SCREEN);
    assert_string_equal(cmd.name, "");

    assert_int_equal(parse("{\"cmd\":\"track_remove\",\"ssrc\":5678}"), 0);
    assert_int_equal(cmd.type, RS_REC_TRACK_REMOVE);
    assert_int_equal(cmd.ssrc, 5678);

    const char *base = "\"cmd\":\"track_add\",\"participant\":\"p\",\"pt\":96";
    char line[512];
#define BAD(extra, what)                                                                       \
    do {                                                                                       \
        snprintf(line, sizeof line, "{%s,%s}", base, extra);                                   \
        refused(line, what);                                                                   \
    } while (0)
    BAD("\"ssrc\":-1,\"kind\":\"video\",\"codec\":\"vp8\"", "ssrc");
    BAD("\"ssrc\":4294967296,\"kind\":\"video\",\"codec\":\"vp8\"", "ssrc");
    BAD("\"ssrc\":\"12\",\"kind\":\"video\",\"codec\":\"vp8\"", "ssrc");
    BAD("\"ssrc\":1,\"kind\":\"data\",\"codec\":\"vp8\"", "kind");
    BAD("\"ssrc\":1,\"kind\":\"video\",\"codec\":\"av1\"", "codec");
    BAD("\"ssrc\":1,\"kind\":\"video\",\"codec\":\"opus\"", "codec does not match");
    BAD("\"ssrc\":1,\"kind\":\"audio\",\"codec\":\"opus\",\"source\":\"camera\"",
        "source does not match");
    BAD("\"ssrc\":1,\"kind\":\"video\",\"codec\":\"vp8\",\"pt\":128", "pt");
    BAD("\"ssrc\":1,\"kind\":\"video\",\"codec\":\"vp8\",\"clock\":0", "clock");
    BAD("\"ssrc\":1,\"kind\":\"video\",\"codec\":\"vp8\",\"name\":null", "name");
#undef BAD
    refused("{\"cmd\":\"track_add\",\"ssrc\":1,\"kind\":\"video\",\"codec\":\"vp8\",\"pt\":96}",
            "participant");
    refused("{\"cmd\":\"track_remove\"}", "ssrc");
}

static void test_small_commands(void **state)
{
    assert_int_equal(parse("{\"cmd\":\"output_remove\",\"id\":\"rtmp:owncast\"}"), 0);
    assert_int_equal(cmd.type, RS_REC_OUTPUT_REMOVE);
    assert_string_equal(cmd.id, "rtmp:owncast");

    assert_int_equal(parse("{\"cmd\":\"speaker\",\"participant\":\"p1a2b3c4d5e6\"}"), 0);
    assert_int_equal(cmd.type, RS_REC_SPEAKER);
    assert_string_equal(cmd.participant, "p1a2b3c4d5e6");
    assert_int_equal(parse("{\"cmd\":\"speaker\",\"participant\":null}"), 0);
    assert_string_equal(cmd.participant, "");

    assert_int_equal(parse("{\"cmd\":\"layout\",\"layout\":\"grid\"}"), 0);
    assert_int_equal(cmd.type, RS_REC_LAYOUT);
    assert_int_equal(cmd.layout, RS_REC_LAYOUT_GRID);

    assert_int_equal(parse("{\"cmd\":\"pause\",\"on\":true}"), 0);
    assert_int_equal(cmd.type, RS_REC_PAUSE);
    assert_true(cmd.on);
    assert_int_equal(parse("{\"cmd\":\"pause\",\"on\":false}"), 0);
    assert_false(cmd.on);

    assert_int_equal(parse("{\"cmd\":\"slate\",\"text\":\"Nicht-öffentlicher Teil\"}"), 0);
    assert_int_equal(cmd.type, RS_REC_SLATE);
    assert_string_equal(cmd.name, "Nicht-öffentlicher Teil");
    assert_int_equal(parse("{\"cmd\":\"slate\",\"text\":\"\"}"), 0);
    assert_string_equal(cmd.name, "");

    assert_int_equal(parse("{\"cmd\":\"stop\"}"), 0);
    assert_int_equal(cmd.type, RS_REC_STOP);

    refused("{\"cmd\":\"layout\"}", "layout");
    refused("{\"cmd\":\"pause\"}", "on");
    refused("{\"cmd\":\"pause\",\"on\":1}", "boolean");
    refused("{\"cmd\":\"slate\"}", "text");
    refused("{\"cmd\":\"speaker\",\"participant\":5}", "participant");
    refused("{\"cmd\":\"output_remove\"}", "id");
}

static void test_bad_lines(void **state)
{
    refused("", "bad JSON");
    refused("{\"cmd\":\"stop\"", "bad JSON");
    refused("not json", "bad JSON");
    refused("[\"stop\"]", "object");
    refused("\"stop\"", "bad JSON"); /* jansson refuses a bare string at the top */
    refused("{}", "cmd");
    refused("{\"cmd\":42}", "cmd");
    refused("{\"cmd\":\"explode\"}", "unknown cmd");
    refused("{\"cmd\":\"stop\",\"cmd\":\"start\"}", "bad JSON"); /* duplicate key */
    /* NUL inside a string and inside the line */
    refused("{\"cmd\":\"slate\",\"text\":\"a\\u0000b\"}", "NUL");
    const char with_nul[] = "{\"cmd\":\"stop\"}\0trailing";
    assert_int_equal(rs_rec_cmd_parse(with_nul, sizeof with_nul - 1, &cmd, err, sizeof err),
                     -EINVAL);
    /* the reason fits whatever buffer it is given, and no buffer is fine too */
    char tiny[4];
    assert_int_equal(rs_rec_cmd_parse("{}", 2, &cmd, tiny, sizeof tiny), -EINVAL);
    assert_int_equal(strlen(tiny), 3);
    assert_int_equal(rs_rec_cmd_parse("{}", 2, &cmd, NULL, 0), -EINVAL);
}

static void test_oversized(void **state)
{
    /* a field one byte over its limit is refused, at the limit accepted */
    char *line = malloc(RS_REC_LINE_MAX + 64);
    char name[RS_REC_NAME_MAX + 1];
    memset(name, 'x', sizeof name);
    name[RS_REC_NAME_MAX] = '\0';
    snprintf(line, RS_REC_LINE_MAX, "{\"cmd\":\"slate\",\"text\":\"%s\"}", name);
    refused(line, "too long");
    name[RS_REC_NAME_MAX - 1] = '\0';
    snprintf(line, RS_REC_LINE_MAX, "{\"cmd\":\"slate\",\"text\":\"%s\"}", name);
    assert_int_equal(parse(line), 0);
    assert_int_equal(strlen(cmd.name), RS_REC_NAME_MAX - 1);

    char path[RS_REC_PATH_MAX + 1];
    memset(path, 'a', sizeof path);
    path[0] = '/';
    path[RS_REC_PATH_MAX] = '\0';
    snprintf(line, RS_REC_LINE_MAX, "{\"cmd\":\"output_add\",\"id\":\"f\",\"type\":\"file\","
                                    "\"path\":\"%s\"}", path);
    refused(line, "path too long");
    char id[RS_REC_ID_MAX + 1];
    memset(id, 'i', sizeof id);
    id[RS_REC_ID_MAX] = '\0';
    snprintf(line, RS_REC_LINE_MAX, "{\"cmd\":\"output_remove\",\"id\":\"%s\"}", id);
    refused(line, "id too long");

    /* a whole line over the limit, however well-formed */
    memset(line, ' ', RS_REC_LINE_MAX + 1);
    memcpy(line, "{\"cmd\":\"stop\"}", 14);
    assert_int_equal(rs_rec_cmd_parse(line, RS_REC_LINE_MAX + 1, &cmd, err, sizeof err),
                     -EINVAL);
    assert_non_null(strstr(err, "line too long"));
    assert_int_equal(rs_rec_cmd_parse(line, RS_REC_LINE_MAX, &cmd, err, sizeof err), 0);
    free(line);
}

static void test_layout_cells(void **state)
{
    struct rs_rec_rect r[RS_REC_MAX_TILES];
    /* grid: ceil(sqrt(n)) columns; three tiles → 2×2 with the last row centred */
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_GRID, 3, 1280, 720, r), 3);
    assert_int_equal(r[0].x, 0);
    assert_int_equal(r[0].w, 640);
    assert_int_equal(r[0].h, 360);
    assert_int_equal(r[1].x, 640);
    assert_int_equal(r[2].x, 320);
    assert_int_equal(r[2].y, 360);
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_GRID, 9, 1280, 720, r), 9);
    assert_int_equal(r[8].x, 852);
    assert_int_equal(r[8].y, 480);
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_GRID, 40, 1280, 720, r),
                     RS_REC_MAX_TILES);
    /* speaker: alone it fills the picture; with others it is big and up to four are small */
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_SPEAKER, 1, 1280, 720, r), 1);
    assert_int_equal(r[0].w, 1280);
    assert_int_equal(r[0].h, 720);
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_SPEAKER, 9, 1280, 720, r),
                     1 + RS_REC_SPEAKER_SMALL);
    assert_int_equal(r[0].h, 540);
    for (int i = 1; i <= RS_REC_SPEAKER_SMALL; i++) {
        assert_int_equal(r[i].y, 540);
        assert_int_equal(r[i].w, 320);
        assert_true(r[i].x + r[i].w <= 1280);
    }
    assert_int_equal(rs_rec_layout_cells(RS_REC_LAYOUT_GRID, 0, 1280, 720, r), 0);
    /* a 4:3 picture in a 16:9 cell is pillarboxed, centred, even */
    struct rs_rec_rect f = rs_rec_layout_fit((struct rs_rec_rect){0, 0, 1280, 540}, 640, 480, 2);
    assert_int_equal(f.h, 536);
    assert_int_equal(f.w, 714);
    assert_int_equal(f.x, 282);
    assert_int_equal(f.y, 2);
    f = rs_rec_layout_fit((struct rs_rec_rect){0, 0, 640, 360}, 0, 0, 0); /* unknown: 16:9 */
    assert_int_equal(f.w, 640);
    assert_int_equal(f.h, 360);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),        cmocka_unit_test(test_output_add),
        cmocka_unit_test(test_tracks),       cmocka_unit_test(test_small_commands),
        cmocka_unit_test(test_bad_lines),    cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_layout_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
