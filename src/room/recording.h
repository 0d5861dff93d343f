/* SPDX-License-Identifier: EUPL-1.2 */
/* Recording and livestream of a meeting (the `recording` feature, docs/protocol.md
 * "recording", docs/recording.md).
 *
 * A moderator starts a kind — a recording (one file) or a stream (HLS for the public /live
 * page, RTMP targets switched on at run time). Each running kind has its own ratsaal-recorder
 * process (room/recorder_link.h), its own feed of media from the SFU, and its own consent set:
 * only participants who consented to this run of this kind are in it. Whispers, breakout rooms
 * and non-public agenda items are never in it; that is decided here (rs_recording_includes),
 * and enforced by the routing of the feed, not by the recorder.
 *
 * The media plane sits on a higher floor: it fills in `struct rs_recording_feed_ops` (the feed
 * of a kind) and passes the tracks it forwards back as recorder commands
 * (rs_recording_recorder_cmd). Without feed ops (unit tests without an SFU) a kind runs with a
 * recorder that receives no media.
 *
 * Ownership: the per-room state lives in the feature's room slot; a stopped recorder is kept
 * in a process-wide list until it has finalised its outputs (rs_recording_housekeeping).
 * Control thread only. */
#ifndef RS_ROOM_RECORDING_H
#define RS_ROOM_RECORDING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "room/action.h"

struct rs_room;
struct rs_participant;

enum rs_recording_kind { RS_RECORDING_FILE = 0, RS_RECORDING_STREAM = 1, RS_RECORDING_KINDS };

#define RS_RECORDING_PURPOSE_MAX_CHARS 300

/* "recording" or "stream". */
const char *rs_recording_kind_name(enum rs_recording_kind kind);

/* Whether participant `p`'s media may be in `kind` now: the kind runs and is not paused, `p`
 * consented to this run, `p` is in the plenary (breakout place 0), the current agenda item is
 * public, and for the microphone (`microphone`) `p` is not whispering. */
bool rs_recording_includes(struct rs_room *room, const struct rs_participant *p,
                           enum rs_recording_kind kind, bool microphone);

/* The media plane's side, filled in by the SFU (sfu/record_feed.h does the work). */
struct rs_recording_feed_ops {
    /* Opens the feed of `kind` of `room` sending to `data_fd`, which the callee owns from now
     * on (also on failure). Returns an opaque feed, or NULL with a reason in `err`. */
    void *(*open)(struct rs_app *app, struct rs_room *room, enum rs_recording_kind kind,
                  int data_fd, char *err, size_t errlen);
    /* Asks rs_recording_includes again for every track of the room. */
    void (*refresh)(void *feed);
    /* Stops forwarding and frees the feed. */
    void (*close)(void *feed);
};
/* Sets the feed ops for the process (`ops` borrowed, static; NULL: no media). */
void rs_recording_set_feed_ops(const struct rs_recording_feed_ops *ops);

/* From the feed: a command for the recorder of `kind` in `room` (track_add, track_remove,
 * speaker; borrowed). Dropped when that kind does not run. */
void rs_recording_recorder_cmd(struct rs_room *room, enum rs_recording_kind kind, json_t *cmd);

/* Advances recorders that were stopped and are finalising (the room registry's tick calls it
 * with the wall-clock time): their recording rows are finished when they are done. */
void rs_recording_housekeeping(int64_t now_ms);
/* Server shutdown: stops every running recorder and waits (bounded) until each has finalised
 * its outputs. Call while the media plane still runs. */
void rs_recording_shutdown(void);

extern const struct rs_feature rs_recording_feature;

#endif
