/* SPDX-License-Identifier: EUPL-1.2 */
/* What a ratsaal-recorder process tells the server: one JSON object per line on its control
 * socket (docs/recording.md, "Control protocol"). The recorder is our own program, but its
 * output is read like any untrusted input: a line that is not one of the known events, or
 * whose fields have the wrong type or size, is refused with an error and counted by the caller;
 * it never reaches an assert.
 *
 * Pure functions, no state: any thread. */
#ifndef RS_ROOM_RECORDER_EVENTS_H
#define RS_ROOM_RECORDER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_RECORDER_LINE_MAX 65536 /* bytes of one line, newline excluded */

enum rs_recorder_ev {
    RS_RECORDER_EV_READY,   /* after start: the pipeline runs */
    RS_RECORDER_EV_OUTPUT,  /* an output changed state */
    RS_RECORDER_EV_ERROR,   /* `fatal`: the kind has failed */
    RS_RECORDER_EV_STATS,   /* every 5 s */
    RS_RECORDER_EV_STOPPED, /* after stop: everything finalised, exit follows */
};

enum rs_recorder_output_state {
    RS_RECORDER_OUT_RUNNING,
    RS_RECORDER_OUT_RECONNECTING,
    RS_RECORDER_OUT_FAILED,
    RS_RECORDER_OUT_STOPPED,
};

struct rs_recorder_event {
    enum rs_recorder_ev ev;
    /* output */
    char id[48]; /* "file", "hls", "rtmp:<target id>" */
    enum rs_recorder_output_state state;
    int64_t bytes;       /* -1 when not given */
    int64_t duration_ms; /* -1 when not given */
    /* error */
    bool fatal;
    char message[256]; /* truncated to fit (on a character boundary) */
    /* stats */
    uint64_t tracks, dropped, keyframe_requests;
};

/* Parses one line (`len` bytes, no newline, need not be NUL-terminated) into `out`. Returns 0,
 * -EINVAL (not a JSON object, a missing or wrongly typed field, an unknown output state),
 * -ENOENT (a well-formed object whose "ev" this server does not know: to be ignored, so that
 * a newer recorder may add events), -E2BIG (longer than RS_RECORDER_LINE_MAX). */
int rs_recorder_event_parse(const char *line, size_t len, struct rs_recorder_event *out);

/* Copies `len` bytes of UTF-8 `s` into `dst` (`cap` bytes, NUL-terminated), cut before the
 * first character that does not fit whole. */
void rs_recorder_text_clip(char *dst, size_t cap, const char *s, size_t len);

/* "running", "reconnecting", "failed", "stopped". */
const char *rs_recorder_output_state_name(enum rs_recorder_output_state s);

#endif
