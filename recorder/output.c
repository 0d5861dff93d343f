/* SPDX-License-Identifier: EUPL-1.2 */
/* The outputs of ratsaal-recorder (see recorder.h). Each output is its own pipeline
 *
 *   appsrc (H.264) ! h264parse ─┐
 *   appsrc (AAC)   ! aacparse  ─┤ mp4mux (fragmented) ! filesink      file, format mp4
 *                               │ hlssink2 (seg%05d.ts, index.m3u8)   hls
 *                               │ flvmux ! rtmp2sink                  rtmp
 *   appsrc (VP8), appsrc (Opus) ─ webmmux (streamable) ! filesink     file, format webm
 *
 * fed by the encoders' appsinks, so an error in one (an RTMP server going away) is that
 * output's alone: an RTMP output then goes `reconnecting` and is rebuilt after 1, 2, 4 … 30 s;
 * a file or HLS output that fails is `failed`. Every output starts at a video keyframe (it asks
 * the encoder for one) and its own time starts at 0 there. A file output drops everything
 * while the recording is paused and takes the paused time out of its timeline, so the file
 * plays on without a gap. Each output has its own parsers (one parser feeding two muxers made
 * the encoder refuse caps in the prototype), and its sinks do not wait for preroll. */
#include <errno.h>
#include <gst/app/gstappsrc.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder.h"

#define OUT_QUEUE_BYTES (16u << 20)
#define BACKOFF_MAX_S 30
#define RTMP_RUNNING_BYTES 16384

static const char *const state_names[] = {"connecting", "running", "reconnecting",
                                          "failed",     "stopping", "stopped"};

const char *rec_output_state_name(enum rec_output_state s)
{
    return state_names[s];
}

static void announce(struct rec_output *o, enum rec_output_state s)
{
    bool same = o->state == s && o->announced;
    o->state = s;
    if (s == OUT_STOPPING || s == OUT_CONNECTING || (same && s != OUT_STOPPED))
        return; /* each retry of a reconnecting output is not news */
    o->announced = true;
    json_t *ev = json_pack("{s:s,s:s,s:s}", "ev", "output", "id", o->id, "state", state_names[s]);
    if (s == OUT_STOPPED) {
        struct stat st;
        if (o->type == RS_REC_OUT_FILE && stat(o->path, &st) == 0)
            o->bytes = (guint64)st.st_size;
        json_object_set_new(ev, "bytes", json_integer((json_int_t)o->bytes));
        json_object_set_new(ev, "duration_ms",
                            json_integer(GST_CLOCK_TIME_IS_VALID(o->last_pts)
                                             ? (json_int_t)(o->last_pts / GST_MSECOND)
                                             : 0));
    }
    rec_emit_json(o->rec, ev);
}

static struct rec_output *find(struct recorder *rec, const char *id)
{
    for (guint i = 0; i < rec->outputs->len; i++) {
        struct rec_output *o = g_ptr_array_index(rec->outputs, i);
        if (strcmp(o->id, id) == 0)
            return o;
    }
    return NULL;
}

/* ---- the streaming side: encoded buffers into every live output ---- */

/* A buffer's time as the main pipeline's running time (x264enc, for one, stamps its buffers
 * 1000 hours ahead and says so in its segment). */
static GstClockTime running_time(const GstSegment *seg, GstClockTime t)
{
    if (!seg || !GST_CLOCK_TIME_IS_VALID(t))
        return t;
    guint64 rt = 0;
    return gst_segment_to_running_time_full(seg, GST_FORMAT_TIME, t, &rt) > 0
               ? rt
               : GST_CLOCK_TIME_NONE;
}

static bool is_video(enum rec_stream stream)
{
    return stream == REC_H264 || stream == REC_VP8;
}

/* The two streams output `o` takes. */
static bool takes(const struct rec_output *o, enum rec_stream stream)
{
    return o->webm ? stream == REC_VP8 || stream == REC_OPUS
                   : stream == REC_H264 || stream == REC_AAC;
}

/* Both of the output's streams end (called with out_lock held). */
static void end_streams(struct rec_output *o)
{
    o->end_pending = false;
    if (!o->v_eos)
        gst_app_src_end_of_stream(GST_APP_SRC(o->vsrc));
    if (!o->a_eos)
        gst_app_src_end_of_stream(GST_APP_SRC(o->asrc));
    o->v_eos = o->a_eos = true;
}

static void push_one(struct rec_output *o, GstSample *sample, bool video)
{
    struct recorder *rec = o->rec;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    const GstSegment *seg = gst_sample_get_segment(sample);
    GstClockTime pts = running_time(seg, GST_BUFFER_PTS(buf));
    if (!o->live || !GST_CLOCK_TIME_IS_VALID(pts) || (video ? o->v_eos : o->a_eos))
        return;
    bool key = video && !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
    bool pausable = o->type == RS_REC_OUT_FILE;
    if (pausable && rec->paused) {
        if (!o->in_pause && o->have_base) {
            o->in_pause = true;
            o->pause_at = pts;
        }
        o->need_key = true;
        return;
    }
    GstElement *src = video ? o->vsrc : o->asrc;
    if (gst_app_src_get_current_level_bytes(GST_APP_SRC(src)) > OUT_QUEUE_BYTES) {
        o->need_key = true; /* the output is stuck (a slow RTMP server): drop to the next
                             * keyframe; its audio waits as long */
        rec->out_dropped++;
        return;
    }
    if (video && o->need_key) {
        if (!key)
            return;
        o->need_key = false;
        if (!o->have_base) {
            o->have_base = true;
            o->base = pts;
        }
        if (o->in_pause) {
            o->in_pause = false;
            if (pts > o->pause_at)
                o->paused += pts - o->pause_at;
        }
    }
    if (!o->have_base || o->in_pause || o->need_key)
        return;
    if (pts < o->base + o->paused)
        return; /* audio from before the first keyframe */
    GstCaps *caps = gst_sample_get_caps(sample);
    GstCaps **have = video ? &o->vcaps : &o->acaps;
    if (caps && (!*have || !gst_caps_is_equal(caps, *have))) {
        gst_caps_replace(have, caps);
        gst_app_src_set_caps(GST_APP_SRC(src), caps);
    }
    GstBuffer *copy = gst_buffer_copy(buf); /* shares the memory */
    GstClockTime shift = o->base + o->paused;
    GST_BUFFER_PTS(copy) = pts - shift;
    GstClockTime dts = running_time(seg, GST_BUFFER_DTS(buf));
    GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_IS_VALID(dts) ? (dts > shift ? dts - shift : 0)
                                                        : GST_CLOCK_TIME_NONE;
    o->last_pts = pts - shift;
    o->bytes += gst_buffer_get_size(buf);
    gst_app_src_push_buffer(GST_APP_SRC(src), copy);
    *(video ? &o->v_any : &o->a_any) = true;
    if (o->end_pending && o->v_any && o->a_any)
        end_streams(o);
}

void rec_output_push(struct recorder *rec, GstSample *sample, enum rec_stream stream)
{
    g_mutex_lock(&rec->out_lock);
    for (guint i = 0; i < rec->outputs->len; i++) {
        struct rec_output *o = g_ptr_array_index(rec->outputs, i);
        if (takes(o, stream))
            push_one(o, sample, is_video(stream));
    }
    g_mutex_unlock(&rec->out_lock);
}

void rec_output_eos(struct recorder *rec, enum rec_stream stream)
{
    bool video = is_video(stream);
    g_mutex_lock(&rec->out_lock);
    for (guint i = 0; i < rec->outputs->len; i++) {
        struct rec_output *o = g_ptr_array_index(rec->outputs, i);
        if (!o->live || !takes(o, stream))
            continue;
        bool *done = video ? &o->v_eos : &o->a_eos;
        if (!*done)
            gst_app_src_end_of_stream(GST_APP_SRC(video ? o->vsrc : o->asrc));
        *done = true;
    }
    g_mutex_unlock(&rec->out_lock);
}

void rec_output_end_now(struct recorder *rec)
{
    g_mutex_lock(&rec->out_lock);
    for (guint i = 0; i < rec->outputs->len; i++) {
        struct rec_output *o = g_ptr_array_index(rec->outputs, i);
        if (!o->live)
            continue;
        if (o->v_any == o->a_any)
            end_streams(o);
        else
            o->end_pending = true; /* the final deadline still closes it */
    }
    g_mutex_unlock(&rec->out_lock);
}

/* ---- pipelines ---- */

static GstElement *add(GstElement *pipe, const char *factory)
{
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (e)
        gst_bin_add(GST_BIN(pipe), e);
    else
        g_printerr("ratsaal-recorder: GStreamer element %s is missing\n", factory);
    return e;
}

static bool link_request(GstElement *from, GstElement *mux, const char *pad_name)
{
    GstPad *src = gst_element_get_static_pad(from, "src");
    GstPad *sink = gst_element_request_pad_simple(mux, pad_name);
    bool ok = src && sink && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
    if (src)
        gst_object_unref(src);
    if (sink)
        gst_object_unref(sink);
    return ok;
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data);

static bool build(struct rec_output *o)
{
    GstElement *p = o->pipe = gst_pipeline_new(o->id);
    o->vsrc = add(p, "appsrc");
    o->asrc = add(p, "appsrc");
    if (!o->vsrc || !o->asrc)
        return false;
    g_object_set(o->vsrc, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE,
                 "max-bytes", (guint64)0, NULL);
    g_object_set(o->asrc, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE,
                 "max-bytes", (guint64)0, NULL);
    if (o->webm) { /* VP8 and Opus need no parser */
        GstElement *mux = add(p, "webmmux");
        o->sink = add(p, "filesink");
        if (!mux || !o->sink)
            return false;
        /* streamable: no seeking back at the end, so a killed recorder leaves a playable
         * file (without an index) */
        g_object_set(mux, "streamable", TRUE, NULL);
        g_object_set(o->sink, "location", o->path, "async", FALSE, "sync", FALSE, NULL);
        return link_request(o->vsrc, mux, "video_%u") && link_request(o->asrc, mux, "audio_%u") &&
               gst_element_link(mux, o->sink);
    }
    GstElement *vparse = add(p, "h264parse"), *aparse = add(p, "aacparse");
    if (!vparse || !aparse)
        return false;
    g_object_set(vparse, "config-interval", -1, NULL);
    if (!gst_element_link(o->vsrc, vparse) || !gst_element_link(o->asrc, aparse))
        return false;
    GstElement *mux = NULL;
    switch (o->type) {
    case RS_REC_OUT_FILE:
        mux = add(p, "mp4mux");
        o->sink = add(p, "filesink");
        if (!mux || !o->sink)
            return false;
        g_object_set(mux, "fragment-duration", 2000u, NULL);
        g_object_set(o->sink, "location", o->path, "async", FALSE, "sync", FALSE, NULL);
        return link_request(vparse, mux, "video_%u") && link_request(aparse, mux, "audio_%u") &&
               gst_element_link(mux, o->sink);
    case RS_REC_OUT_HLS: {
        char seg[RS_REC_PATH_MAX + 16], list[RS_REC_PATH_MAX + 16];
        snprintf(seg, sizeof seg, "%s/seg%%05d.ts", o->path);
        snprintf(list, sizeof list, "%s/index.m3u8", o->path);
        o->sink = add(p, "hlssink2");
        if (!o->sink)
            return false;
        g_object_set(o->sink, "location", seg, "playlist-location", list, "target-duration",
                     (guint)o->segment_s, "playlist-length", (guint)o->playlist_len,
                     "max-files", (guint)(o->playlist_len + 4), "send-keyframe-requests", FALSE,
                     "async-handling", TRUE, NULL);
        return link_request(vparse, o->sink, "video") && link_request(aparse, o->sink, "audio");
    }
    case RS_REC_OUT_RTMP:
        mux = add(p, "flvmux");
        o->sink = add(p, "rtmp2sink");
        if (!mux || !o->sink)
            return false;
        g_object_set(mux, "streamable", TRUE, NULL);
        g_object_set(o->sink, "location", o->path, "async", FALSE, "sync", FALSE,
                     "async-connect", TRUE, NULL);
        return link_request(vparse, mux, "video") && link_request(aparse, mux, "audio") &&
               gst_element_link(mux, o->sink);
    }
    return false;
}

static void teardown(struct rec_output *o)
{
    g_mutex_lock(&o->rec->out_lock);
    o->live = false;
    g_mutex_unlock(&o->rec->out_lock);
    if (o->poll_timer)
        g_source_remove(o->poll_timer);
    o->poll_timer = 0;
    if (o->bus_watch)
        g_source_remove(o->bus_watch);
    o->bus_watch = 0;
    if (o->pipe) {
        gst_element_set_state(o->pipe, GST_STATE_NULL);
        gst_object_unref(o->pipe);
    }
    o->pipe = o->vsrc = o->asrc = o->sink = NULL;
    gst_caps_replace(&o->vcaps, NULL);
    gst_caps_replace(&o->acaps, NULL);
}

/* RTMP: running once media went out on the connection (more than the handshake and the
 * connect/publish commands). */
static gboolean poll_rtmp(gpointer data)
{
    struct rec_output *o = data;
    GstStructure *st = NULL;
    guint64 out = 0;
    g_object_get(o->sink, "stats", &st, NULL);
    if (st) {
        gst_structure_get_uint64(st, "out-bytes-total", &out);
        gst_structure_free(st);
    }
    if (o->state != OUT_CONNECTING && o->state != OUT_RECONNECTING) {
        o->poll_timer = 0;
        return G_SOURCE_REMOVE;
    }
    if (out > RTMP_RUNNING_BYTES) {
        o->backoff_s = 0;
        o->poll_timer = 0;
        announce(o, OUT_RUNNING);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static int launch(struct rec_output *o, char *err, size_t err_len)
{
    if (!build(o)) {
        snprintf(err, err_len, "cannot build output %s", o->id);
        teardown(o);
        return -1;
    }
    GstBus *bus = gst_element_get_bus(o->pipe);
    o->bus_watch = gst_bus_add_watch(bus, on_bus, o);
    gst_object_unref(bus);
    g_mutex_lock(&o->rec->out_lock);
    o->live = true;
    o->need_key = true;
    o->have_base = false;
    o->in_pause = false;
    o->paused = 0;
    o->v_eos = o->a_eos = false;
    o->v_any = o->a_any = o->end_pending = false;
    o->last_pts = GST_CLOCK_TIME_NONE;
    g_mutex_unlock(&o->rec->out_lock);
    if (gst_element_set_state(o->pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        snprintf(err, err_len, "output %s does not start", o->id);
        teardown(o);
        return -1;
    }
    rec_mix_force_keyframe(o->rec, o->webm ? REC_VP8 : REC_H264);
    if (o->type == RS_REC_OUT_RTMP)
        o->poll_timer = g_timeout_add(500, poll_rtmp, o);
    else
        announce(o, OUT_RUNNING);
    return 0;
}

static gboolean retry(gpointer data)
{
    struct rec_output *o = data;
    char err[128];
    o->retry_timer = 0;
    if (launch(o, err, sizeof err) != 0)
        g_printerr("ratsaal-recorder: %s\n", err);
    return G_SOURCE_REMOVE;
}

static void schedule_retry(struct rec_output *o)
{
    o->backoff_s = o->backoff_s ? MIN(o->backoff_s * 2, BACKOFF_MAX_S) : 1;
    o->retry_timer = g_timeout_add_seconds((guint)o->backoff_s, retry, o);
}

static void finished(struct rec_output *o)
{
    teardown(o);
    announce(o, OUT_STOPPED);
    struct recorder *rec = o->rec;
    g_mutex_lock(&rec->out_lock);
    g_ptr_array_remove(rec->outputs, o);
    g_mutex_unlock(&rec->out_lock);
    if (rec->stopping && rec_output_all_stopped(rec))
        rec_finish_stop(rec);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    struct rec_output *o = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        g_printerr("ratsaal-recorder: output %s: %s\n", o->id, e ? e->message : "error");
        g_clear_error(&e);
        o->bus_watch = 0; /* removed by returning FALSE below */
        if (o->state == OUT_STOPPING) {
            finished(o);
        } else if (o->type == RS_REC_OUT_RTMP) {
            teardown(o);
            announce(o, OUT_RECONNECTING);
            schedule_retry(o);
        } else {
            teardown(o);
            announce(o, OUT_FAILED);
        }
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        o->bus_watch = 0;
        if (o->state == OUT_STOPPING) {
            finished(o);
        } else if (o->type == RS_REC_OUT_RTMP) { /* the server ended it */
            teardown(o);
            announce(o, OUT_RECONNECTING);
            schedule_retry(o);
        }
        return G_SOURCE_REMOVE;
    default:
        return G_SOURCE_CONTINUE;
    }
}

int rec_output_add(struct recorder *rec, const struct rs_rec_cmd *c, char *err, size_t err_len)
{
    if (find(rec, c->id)) {
        snprintf(err, err_len, "output %s exists", c->id);
        return -1;
    }
    bool webm = c->output == RS_REC_OUT_FILE && c->format == RS_REC_FORMAT_WEBM;
    if (rec_mix_need(rec, webm) != 0) {
        snprintf(err, err_len, "output %s: cannot build its encoders", c->id);
        return -1;
    }
    if (c->output == RS_REC_OUT_HLS && g_mkdir_with_parents(c->path, 0750) != 0) {
        snprintf(err, err_len, "output %s: cannot create %s", c->id, c->path);
        return -1;
    }
    struct rec_output *o = g_new0(struct rec_output, 1);
    o->rec = rec;
    g_strlcpy(o->id, c->id, sizeof o->id);
    o->type = c->output;
    o->format = c->format;
    o->webm = webm;
    g_strlcpy(o->path, c->path, sizeof o->path);
    o->segment_s = c->segment_s;
    o->playlist_len = c->playlist_len;
    g_mutex_lock(&rec->out_lock);
    g_ptr_array_add(rec->outputs, o);
    g_mutex_unlock(&rec->out_lock);
    if (launch(o, err, err_len) != 0) {
        announce(o, OUT_FAILED);
        if (o->type == RS_REC_OUT_RTMP) {
            schedule_retry(o);
            return 0;
        }
        g_mutex_lock(&rec->out_lock);
        g_ptr_array_remove(rec->outputs, o);
        g_mutex_unlock(&rec->out_lock);
        return -1;
    }
    return 0;
}

/* Whether output `o` has nothing to finalise: no pipeline (waiting to reconnect, failed) or an
 * RTMP connection that is not up (its EOS would wait for the connection). */
static bool idle(const struct rec_output *o)
{
    return !o->pipe || (o->type == RS_REC_OUT_RTMP && o->state != OUT_RUNNING);
}

/* Ends output `o`: an idle one at once, else EOS through its muxer so the file or playlist is
 * complete, and `finished` runs on its EOS (or at the stop deadline). With `from_mixer` the
 * streams end when the mixer's EOS reaches the output. */
static void stop_one(struct rec_output *o, bool from_mixer)
{
    if (o->state == OUT_STOPPING)
        return;
    if (o->retry_timer)
        g_source_remove(o->retry_timer);
    o->retry_timer = 0;
    bool now = idle(o);
    o->state = OUT_STOPPING;
    if (now) {
        finished(o);
        return;
    }
    if (from_mixer)
        return;
    g_mutex_lock(&o->rec->out_lock);
    end_streams(o);
    g_mutex_unlock(&o->rec->out_lock);
}

void rec_output_remove(struct recorder *rec, const char *id)
{
    struct rec_output *o = find(rec, id);
    if (o)
        stop_one(o, false);
}

void rec_output_stop_all(struct recorder *rec)
{
    for (guint i = rec->outputs->len; i > 0; i--)
        if (i <= rec->outputs->len) /* `finished` may have removed more than one */
            stop_one(g_ptr_array_index(rec->outputs, i - 1), true);
}

bool rec_output_all_stopped(struct recorder *rec)
{
    return rec->outputs->len == 0;
}

void rec_output_free_all(struct recorder *rec)
{
    while (rec->outputs->len) {
        struct rec_output *o = g_ptr_array_index(rec->outputs, rec->outputs->len - 1);
        if (o->retry_timer)
            g_source_remove(o->retry_timer);
        teardown(o);
        announce(o, OUT_STOPPED);
        g_mutex_lock(&rec->out_lock);
        g_ptr_array_remove_index(rec->outputs, rec->outputs->len - 1);
        g_mutex_unlock(&rec->out_lock);
    }
}
