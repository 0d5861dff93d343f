/* SPDX-License-Identifier: EUPL-1.2 */
/* The control protocol of ratsaal-recorder (docs/recording.md): one JSON object per line on
 * fd 3, server → recorder. This module only parses and validates a line into a flat struct;
 * it knows nothing of GStreamer, so the unit tests and the fuzz target link it from
 * libratsaal.a. Every field is checked for type, range and size here, so the recorder acts
 * only on well-formed commands; anything else yields -EINVAL and a one-line reason. */
#ifndef RS_RECORDER_COMMAND_H
#define RS_RECORDER_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_REC_LINE_MAX 65536 /* bytes of one control line, newline excluded */
#define RS_REC_ID_MAX 64      /* output ids, participant ids (bytes incl. NUL) */
#define RS_REC_NAME_MAX 256   /* display names, titles, slate text (bytes incl. NUL) */
#define RS_REC_PATH_MAX 1024  /* file paths, HLS directories, RTMP URLs (bytes incl. NUL) */

enum rs_rec_cmd_type {
    RS_REC_START = 1,
    RS_REC_OUTPUT_ADD,
    RS_REC_OUTPUT_REMOVE,
    RS_REC_TRACK_ADD,
    RS_REC_TRACK_REMOVE,
    RS_REC_SPEAKER,
    RS_REC_LAYOUT,
    RS_REC_PAUSE,
    RS_REC_SLATE,
    RS_REC_STOP,
};

enum rs_rec_layout { RS_REC_LAYOUT_SPEAKER = 0, RS_REC_LAYOUT_GRID };
enum rs_rec_output_type { RS_REC_OUT_FILE = 0, RS_REC_OUT_HLS, RS_REC_OUT_RTMP };
enum rs_rec_format { RS_REC_FORMAT_MP4 = 0, RS_REC_FORMAT_WEBM };
enum rs_rec_codec { RS_REC_CODEC_OPUS = 0, RS_REC_CODEC_VP8, RS_REC_CODEC_H264 };
enum rs_rec_source { RS_REC_SOURCE_MICROPHONE = 0, RS_REC_SOURCE_CAMERA, RS_REC_SOURCE_SCREEN };

/* One parsed command. Only the fields of `type` are meaningful; the others are zero. */
struct rs_rec_cmd {
    enum rs_rec_cmd_type type;
    /* start */
    bool stream; /* kind "stream" (else "recording") */
    int width, height, fps, video_kbps, audio_kbps;
    char title[RS_REC_NAME_MAX];
    char locale[8];
    /* start, layout */
    enum rs_rec_layout layout;
    /* output_add, output_remove */
    char id[RS_REC_ID_MAX];
    enum rs_rec_output_type output;
    enum rs_rec_format format;
    char path[RS_REC_PATH_MAX]; /* file: the file; hls: the directory; rtmp: the URL */
    int segment_s, playlist_len;
    /* track_add, track_remove */
    uint32_t ssrc;
    bool video;
    enum rs_rec_codec codec;
    int pt;
    uint32_t clock;
    enum rs_rec_source source;
    /* track_add, speaker ("" = none) */
    char participant[RS_REC_ID_MAX];
    /* track_add: display name; slate: the text ("" removes it) */
    char name[RS_REC_NAME_MAX];
    /* pause */
    bool on;
};

/* Parses one control line of `len` bytes (borrowed, need not be NUL-terminated) into `out`.
 * Returns 0, or -EINVAL with a one-line reason in `err` (always NUL-terminated). */
int rs_rec_cmd_parse(const char *line, size_t len, struct rs_rec_cmd *out, char *err,
                     size_t err_len);

#endif
