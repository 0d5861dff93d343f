/* SPDX-License-Identifier: EUPL-1.2 */
/* ratsaal-recorder: the process that composes and encodes a recording or livestream
 * (docs/recording.md). Shared state of its three parts:
 *
 *   main.c   — command line, the control socket (fd 3), the RTP socket (fd 4), events, stop;
 *   mix.c    — the main pipeline: one input branch per track into a compositor and an audio
 *              mixer, names and slates drawn on the composed picture, H.264 + AAC encoders
 *              ending in two appsinks;
 *   output.c — one small pipeline per output (file, HLS, RTMP) fed from those appsinks, so an
 *              output that fails (an RTMP server going away) never stops the others.
 *
 * Threads: the GLib main loop owns all state changes (commands, bus messages, timers). The
 * encoders' appsink callbacks run on streaming threads and hand buffers to the outputs under
 * `out_lock`; keyframe requests come from streaming threads too (`pli_lock`). */
#ifndef RS_RECORDER_RECORDER_H
#define RS_RECORDER_RECORDER_H

#include <gst/gst.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "recorder/command.h"
#include "recorder/layout.h"

struct recorder;

/* The encoded streams the main pipeline can produce; each output takes two of them. */
enum rec_stream { REC_H264 = 0, REC_AAC, REC_VP8, REC_OPUS, REC_STREAMS };

struct rec_sink {
    struct recorder *rec;
    enum rec_stream stream;
    GstElement *enc; /* NULL until an output needs this stream */
};

struct rec_track {
    struct recorder *rec;
    uint32_t ssrc;
    bool video;
    enum rs_rec_codec codec;
    enum rs_rec_source source;
    char participant[RS_REC_ID_MAX];
    char name[RS_REC_NAME_MAX];
    unsigned order;     /* when it was added: tiles appear in this order */
    bool removing;      /* hidden and muted; its branch is being taken down */
    bool seen;          /* a packet arrived (the first one asks for a keyframe) */
    gint64 last_pli_us; /* under pli_lock */
    GstElement *src;    /* appsrc */
    GstElement *elems[8];
    int n_elems;
    GstPad *mix_pad; /* compositor or audiomixer request pad */
    guint teardown_timer;
};

enum rec_output_state {
    OUT_CONNECTING = 0,
    OUT_RUNNING,
    OUT_RECONNECTING,
    OUT_FAILED,
    OUT_STOPPING,
    OUT_STOPPED,
};

struct rec_output {
    struct recorder *rec;
    char id[RS_REC_ID_MAX];
    enum rs_rec_output_type type;
    enum rs_rec_format format;
    bool webm; /* takes VP8 + Opus, else H.264 + AAC */
    char path[RS_REC_PATH_MAX];
    int segment_s, playlist_len;
    enum rec_output_state state;
    bool announced; /* `state` was sent to the server */
    GstElement *pipe, *vsrc, *asrc, *sink;
    guint bus_watch, retry_timer, poll_timer;
    int backoff_s;
    /* the fields below are under rec->out_lock (streaming threads use them) */
    bool live;             /* accepting buffers (pipeline up) */
    bool need_key;         /* drop until the next video keyframe */
    bool have_base;        /* base is the first keyframe's timestamp */
    GstClockTime base;     /* main-pipeline time of the output's time 0 */
    GstClockTime pause_at; /* main-pipeline time the pause began (file outputs) */
    bool in_pause;
    GstClockTime paused;   /* total paused time cut out */
    GstClockTime last_pts; /* output time of the last buffer */
    GstCaps *vcaps, *acaps;
    guint64 bytes; /* bytes handed to the muxer (file: the file's size at stop) */
    bool v_eos, a_eos;
    bool v_any, a_any; /* a buffer of each stream was handed to the muxer */
    bool end_pending;  /* rec_output_end_now() waits for the stream still missing */
};

struct recorder {
    GMainLoop *loop;
    int ctl_fd, data_fd;
    int exit_code;
    struct rs_rec_cmd start;
    bool started, stopping, finished, ready_sent;
    char *ctl_buf; /* partial control line */
    size_t ctl_len;
    bool ctl_skip; /* discarding an oversized line up to its newline */
    /* main pipeline */
    GstElement *pipe, *vmix, *amix, *vtee, *atee, *slate_overlay;
    struct rec_sink sinks[REC_STREAMS];
    GstElement *names[RS_REC_MAX_TILES];
    guint bus_watch;
    GHashTable *tracks; /* ssrc → struct rec_track */
    unsigned next_order;
    enum rs_rec_layout layout;
    char speaker[RS_REC_ID_MAX];
    char slate[RS_REC_NAME_MAX];
    bool paused;
    /* outputs */
    GPtrArray *outputs; /* struct rec_output */
    GMutex out_lock;
    GMutex pli_lock;
    /* counters */
    guint64 packets, dropped, unknown_ssrc, keyframe_requests, rtcp_in; /* main thread */
    guint64 out_dropped; /* encoded buffers an output could not take; under out_lock */
    guint stop_timer, drain_timer;
};

/* main.c */
void rec_emit(struct recorder *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rec_emit_json(struct recorder *rec, json_t *event); /* takes `event` */
void rec_emit_error(struct recorder *rec, bool fatal, const char *message);
void rec_request_keyframe(struct rec_track *t); /* any thread; throttled to 1/s */
void rec_finish_stop(struct recorder *rec);     /* main thread; when every output stopped */

/* mix.c */
int rec_mix_start(struct recorder *rec, char *err, size_t err_len);
int rec_mix_track_add(struct recorder *rec, const struct rs_rec_cmd *c, char *err,
                      size_t err_len);
void rec_mix_track_remove(struct recorder *rec, struct rec_track *t);
void rec_mix_relayout(struct recorder *rec);
int rec_mix_need(struct recorder *rec, bool webm); /* builds the encoders an output needs */
void rec_mix_force_keyframe(struct recorder *rec, enum rec_stream stream);
void rec_mix_eos(struct recorder *rec);
void rec_mix_free(struct recorder *rec);

/* output.c */
int rec_output_add(struct recorder *rec, const struct rs_rec_cmd *c, char *err, size_t err_len);
void rec_output_remove(struct recorder *rec, const char *id);
void rec_output_push(struct recorder *rec, GstSample *sample, enum rec_stream stream);
void rec_output_eos(struct recorder *rec, enum rec_stream stream);
/* Ends every output's streams now, before the mixer has drained (a starved machine). An
 * output that has so far had buffers of only one stream is ended once the other's first
 * buffer arrives: a muxer ended with a stream that never had data writes a header without
 * that stream's sample description, and nothing can read the file. */
void rec_output_end_now(struct recorder *rec);
void rec_output_stop_all(struct recorder *rec);
void rec_output_free_all(struct recorder *rec);
bool rec_output_all_stopped(struct recorder *rec);
const char *rec_output_state_name(enum rec_output_state s);

#endif
