/* SPDX-License-Identifier: EUPL-1.2 */
/* The recording feature's feed ops on top of record feeds (recording_feed.h).
 *
 * A thin translation both ways: the feed asks the feature who is included
 * (rs_recording_includes, with the microphone told apart because a whisper excludes only the
 * microphone), and what the feed forwards is announced to the recorder as the control
 * protocol's track_add / track_remove / speaker commands (docs/recording.md). Nothing here
 * decides anything. */
#include "sfu/recording_feed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sfu/command.h"
#include "sfu/record_feed.h"

struct recording_feed {
    struct rs_room *room; /* borrowed: the feed is closed before the room goes */
    enum rs_recording_kind kind;
    struct rs_record_feed *feed;
};

static const char *const source_names[] = {"microphone", "camera", "screen"};

static bool feed_includes(void *arg, struct rs_room *room, const struct rs_participant *p,
                          enum rs_record_source source)
{
    struct recording_feed *f = arg;
    return rs_recording_includes(room, p, f->kind, source == RS_RECORD_MIC);
}

static const char *codec_name(uint8_t codec)
{
    switch (codec) {
    case RS_CODEC_OPUS:
        return "opus";
    case RS_CODEC_VP8:
        return "vp8";
    case RS_CODEC_H264:
        return "h264";
    }
    return "unknown";
}

static void feed_track(void *arg, const struct rs_record_track *t, bool added)
{
    struct recording_feed *f = arg;
    json_t *cmd;
    if (added)
        cmd = json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:s, s:s, s:s}", "cmd", "track_add", "ssrc",
                        (json_int_t)t->ssrc, "kind", t->kind == RS_MEDIA_AUDIO ? "audio" : "video",
                        "codec", codec_name(t->codec), "pt", (int)t->pt, "clock",
                        (json_int_t)t->clock, "participant", t->participant, "name", t->name,
                        "source", (unsigned)t->source < 3 ? source_names[t->source] : "camera");
    else
        cmd = json_pack("{s:s, s:I}", "cmd", "track_remove", "ssrc", (json_int_t)t->ssrc);
    rs_recording_recorder_cmd(f->room, f->kind, cmd);
    json_decref(cmd);
}

static void feed_speaker(void *arg, const struct rs_participant *p)
{
    struct recording_feed *f = arg;
    if (!p)
        return; /* the recorder keeps the last one it was told */
    json_t *cmd = json_pack("{s:s, s:s}", "cmd", "speaker", "participant", p->id);
    rs_recording_recorder_cmd(f->room, f->kind, cmd);
    json_decref(cmd);
}

static const struct rs_record_feed_ops feed_ops = {
    .includes = feed_includes,
    .track = feed_track,
    .speaker = feed_speaker,
};

static void *open_feed(struct rs_app *app, struct rs_room *room, enum rs_recording_kind kind,
                       int data_fd, char *err, size_t errlen)
{
    struct recording_feed *f = calloc(1, sizeof(*f));
    if (!f) {
        close(data_fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->room = room;
    f->kind = kind;
    f->feed = rs_record_feed_open(app->media, room, data_fd, &feed_ops, f, err, errlen);
    if (!f->feed) {
        free(f);
        return NULL;
    }
    return f;
}

static void refresh_feed(void *feed)
{
    struct recording_feed *f = feed;
    rs_record_feed_refresh(f->feed);
}

static void close_feed(void *feed)
{
    struct recording_feed *f = feed;
    rs_record_feed_close(f->feed);
    free(f);
}

const struct rs_recording_feed_ops rs_sfu_recording_feed_ops = {
    .open = open_feed,
    .refresh = refresh_feed,
    .close = close_feed,
};
