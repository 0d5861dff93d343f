/* SPDX-License-Identifier: EUPL-1.2 */
/* The main pipeline of ratsaal-recorder (see recorder.h):
 *
 *   videotestsrc (background, live) ─┐
 *   track: appsrc ! rtpjitterbuffer ! depay ! decoder ! videoconvert ─┤ compositor
 *     ! video/x-raw,format=I420 ! textoverlay (slate/title) ! textoverlay × 16 (names) ! tee
 *       tee ! queue ! x264enc ! appsink        (H.264: MP4, HLS, RTMP)
 *       tee ! queue ! vp8enc ! appsink         (VP8: WebM)
 *   audiotestsrc (silence, live) ─┐
 *   track: appsrc ! rtpjitterbuffer ! depay ! opusdec ! audioconvert ! audioresample ─┤
 *     audiomixer ! tee
 *       tee ! queue ! audioconvert ! avenc_aac ! appsink   (AAC)
 *       tee ! queue ! audioconvert ! opusenc ! appsink     (Opus: WebM)
 *
 * An encoder is built when the first output that needs its stream is added, so a recording
 * to WebM encodes no H.264 and a stream encodes no VP8.
 *
 * Tracks come and go while it plays: a new track links a new branch to a request pad; a
 * layout change only moves pads and names. Removal hides the tile (alpha 0) and mutes the
 * audio in one step, then ends the branch's stream and takes it down once its EOS has reached
 * the mixer (or after a second, whichever comes first). Names are drawn on the composed
 * picture by a fixed pool of text overlays, one per visible tile, so they are sharp at 720p.
 *
 * The background sources keep both mixers producing even when nothing is included, and the
 * mixers' min-upstream-latency covers the jitter buffers, so a track joining later does not
 * change the pipeline latency (which would jump the output timeline). */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

#include "recorder.h"

#define JITTER_MS 200
#define MIX_LATENCY (350 * GST_MSECOND)
#define TRACK_QUEUE_BYTES (4u << 20)
#define TILE_GAP 2 /* pixels between tiles */

static GstPadProbeReturn on_tile_caps(GstPad *pad, GstPadProbeInfo *info, gpointer data);
static void teardown_track(struct recorder *rec, struct rec_track *t);

static GstElement *make(const char *factory, const char *name)
{
    GstElement *e = gst_element_factory_make(factory, name);
    if (!e)
        g_printerr("ratsaal-recorder: GStreamer element %s is missing\n", factory);
    return e;
}

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
    struct rec_sink *k = data;
    GstSample *s = gst_app_sink_pull_sample(sink);
    if (!s)
        return GST_FLOW_EOS;
    rec_output_push(k->rec, s, k->stream);
    gst_sample_unref(s);
    return GST_FLOW_OK;
}

static void on_eos(GstAppSink *sink, gpointer data)
{
    struct rec_sink *k = data;
    rec_output_eos(k->rec, k->stream);
}

static GstElement *caps_filter(const char *caps_text)
{
    GstElement *f = make("capsfilter", NULL);
    GstCaps *caps = gst_caps_from_string(caps_text);
    g_object_set(f, "caps", caps, NULL);
    gst_caps_unref(caps);
    return f;
}

static bool add_chain(GstBin *bin, GstElement **e, int n)
{
    for (int i = 0; i < n; i++)
        if (!e[i])
            return false;
    for (int i = 0; i < n; i++)
        gst_bin_add(bin, e[i]);
    for (int i = 0; i + 1 < n; i++)
        if (!gst_element_link(e[i], e[i + 1])) {
            g_printerr("ratsaal-recorder: cannot link %s to %s\n", GST_ELEMENT_NAME(e[i]),
                       GST_ELEMENT_NAME(e[i + 1]));
            return false;
        }
    return true;
}

static bool build_video(struct recorder *rec)
{
    const struct rs_rec_cmd *s = &rec->start;
    char caps[256];
    GstElement *bg = make("videotestsrc", "background");
    rec->vmix = make("compositor", "vmix");
    if (!bg || !rec->vmix)
        return false;
    g_object_set(bg, "is-live", TRUE, "pattern", 17 /* solid-color */, "foreground-color",
                 0xff1c2430u, NULL);
    g_object_set(rec->vmix, "background", 1 /* black */, "start-time-selection", 1 /* first */,
                 "min-upstream-latency", (guint64)MIX_LATENCY, NULL);
    /* fixed down to the colorimetry: a tile joining must not change the encoders' caps (the
     * WebM muxer refuses any caps change) */
    snprintf(caps, sizeof caps,
             "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1,"
             "interlace-mode=progressive,colorimetry=bt709,chroma-site=mpeg2",
             s->width, s->height, s->fps);
    GstElement *head[] = {bg, caps_filter(caps), rec->vmix};
    if (!add_chain(GST_BIN(rec->pipe), head, 3))
        return false;

    GstElement *chain[4 + 2 * RS_REC_MAX_TILES + 4];
    int n = 0;
    chain[n++] = rec->vmix;
    chain[n++] = caps_filter(caps);
    rec->slate_overlay = chain[n++] = make("textoverlay", "slate");
    g_object_set(rec->slate_overlay, "font-desc", "Sans Bold 30", "auto-resize", FALSE,
                 "halignment", 1 /* center */, "valignment", 4 /* center */, "shaded-background",
                 TRUE, "wrap-mode", 2 /* word-char */, "text", "", NULL);
    for (int i = 0; i < RS_REC_MAX_TILES; i++) {
        char name[16];
        snprintf(name, sizeof name, "name%d", i);
        /* a fixed-caps filter between overlays keeps caps queries through the chain small
         * (each textoverlay doubles the caps it answers with: 16 in a row took 18 s) */
        chain[n++] = caps_filter(caps);
        rec->names[i] = chain[n++] = make("textoverlay", name);
        g_object_set(rec->names[i], "font-desc", "Sans Bold 13", "auto-resize", FALSE,
                     "halignment", 0 /* left */, "valignment", 2 /* top */, "xpad", 0, "ypad",
                     0, "shaded-background", TRUE, "wrap-mode", -1, "text", "", NULL);
    }
    rec->vtee = chain[n++] = make("tee", "vtee");
    if (!add_chain(GST_BIN(rec->pipe), chain + 1, n - 1) ||
        !gst_element_link(rec->vmix, chain[1]))
        return false;
    g_object_set(rec->vtee, "allow-not-linked", TRUE, NULL);
    return true;
}

static bool build_audio(struct recorder *rec)
{
    GstElement *e[] = {
        make("audiotestsrc", "silence"),
        caps_filter("audio/x-raw,rate=48000,channels=2"),
        rec->amix = make("audiomixer", "amix"),
        caps_filter("audio/x-raw,rate=48000,channels=2"),
        rec->atee = make("tee", "atee"),
    };
    int n = sizeof e / sizeof e[0];
    for (int i = 0; i < n; i++)
        if (!e[i])
            return false;
    g_object_set(e[0], "is-live", TRUE, "wave", 4 /* silence */, NULL);
    g_object_set(rec->amix, "start-time-selection", 1, "min-upstream-latency",
                 (guint64)MIX_LATENCY, NULL);
    g_object_set(rec->atee, "allow-not-linked", TRUE, NULL);
    return add_chain(GST_BIN(rec->pipe), e, n);
}

/* ---- encoders, built when the first output needs their stream ---- */

static GstElement *video_encoder(struct recorder *rec, enum rec_stream stream)
{
    const struct rs_rec_cmd *s = &rec->start;
    if (stream == REC_H264) {
        GstElement *enc = make("x264enc", "h264enc");
        if (enc)
            g_object_set(enc, "speed-preset", 3 /* veryfast */, "tune", 4 /* zerolatency */,
                         "bitrate", (guint)s->video_kbps, "key-int-max", (guint)(2 * s->fps),
                         NULL);
        return enc;
    }
    GstElement *enc = make("vp8enc", "vp8enc");
    if (enc)
        g_object_set(enc, "deadline", (gint64)1 /* realtime */, "cpu-used", 8, "end-usage",
                     1 /* cbr */, "target-bitrate", s->video_kbps * 1000, "keyframe-max-dist",
                     2 * s->fps, "lag-in-frames", 0, "threads", 2, NULL);
    return enc;
}

static GstElement *audio_encoder(struct recorder *rec, enum rec_stream stream)
{
    GstElement *enc = make(stream == REC_AAC ? "avenc_aac" : "opusenc", NULL);
    if (enc)
        g_object_set(enc, "bitrate", rec->start.audio_kbps * 1000, NULL);
    return enc;
}

/* tee ! queue ! [convert] ! encoder [! caps] ! appsink, linked while the pipeline plays. */
static int build_encoder(struct recorder *rec, enum rec_stream stream)
{
    struct rec_sink *k = &rec->sinks[stream];
    if (k->enc)
        return 0;
    bool video = stream == REC_H264 || stream == REC_VP8;
    GstElement *e[6];
    int n = 0;
    GstElement *q = e[n++] = make("queue", NULL);
    if (!video)
        e[n++] = make("audioconvert", NULL);
    GstElement *enc = e[n++] = video ? video_encoder(rec, stream) : audio_encoder(rec, stream);
    if (stream == REC_H264)
        e[n++] = caps_filter("video/x-h264,stream-format=byte-stream,alignment=au,profile=main");
    GstElement *sink = e[n++] = make("appsink", NULL);
    if (!q || !sink || !enc)
        goto fail;
    /* when the machine is too slow for the encoder, frames are dropped here (the file gets a
     * lower frame rate) rather than the whole timeline falling behind real time */
    if (video)
        g_object_set(q, "max-size-buffers", 3, "max-size-bytes", 0, "max-size-time",
                     (guint64)0, "leaky", 2 /* downstream: drop the oldest */, NULL);
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    k->rec = rec;
    k->stream = stream;
    GstAppSinkCallbacks cb = {.new_sample = on_sample, .eos = on_eos};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, k, NULL);
    if (!add_chain(GST_BIN(rec->pipe), e, n))
        return -1; /* the elements belong to the bin now */
    /* the branch plays before the tee's pad is linked to it: the tee's streaming thread pushes
     * at once, and a push into a queue not yet active returns FLUSHING, which stopped the
     * mixer upstream for good (a recording without any audio, now and then on a busy
     * machine) */
    for (int i = n - 1; i >= 0; i--)
        gst_element_sync_state_with_parent(e[i]);
    GstPad *teepad = gst_element_request_pad_simple(video ? rec->vtee : rec->atee, "src_%u");
    GstPad *qpad = gst_element_get_static_pad(q, "sink");
    GstPadLinkReturn lr = gst_pad_link(teepad, qpad);
    gst_object_unref(teepad);
    gst_object_unref(qpad);
    if (lr != GST_PAD_LINK_OK)
        return -1;
    k->enc = enc;
    return 0;
fail:
    for (int i = 0; i < n; i++)
        if (e[i])
            gst_object_unref(e[i]);
    return -1;
}

int rec_mix_need(struct recorder *rec, bool webm)
{
    if (!rec->pipe)
        return -1;
    if (webm)
        return build_encoder(rec, REC_VP8) == 0 && build_encoder(rec, REC_OPUS) == 0 ? 0 : -1;
    return build_encoder(rec, REC_H264) == 0 && build_encoder(rec, REC_AAC) == 0 ? 0 : -1;
}

int rec_mix_start(struct recorder *rec, char *err, size_t err_len)
{
    rec->pipe = gst_pipeline_new("mix");
    rec->layout = rec->start.layout;
    if (!build_video(rec) || !build_audio(rec)) {
        snprintf(err, err_len, "cannot build the mixing pipeline (GStreamer plugin missing?)");
        return -1;
    }
    rec_mix_relayout(rec);
    if (gst_element_set_state(rec->pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        snprintf(err, err_len, "the mixing pipeline does not start");
        return -1;
    }
    return 0;
}

/* ---- tracks ---- */

/* Upstream force-key-unit events (from the depayloader on loss, the decoder on errors) end at
 * the appsrc; each becomes an RTCP PLI to the SFU. */
static GstPadProbeReturn on_upstream_event(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (ev && gst_video_event_is_force_key_unit(ev))
        rec_request_keyframe(data);
    return GST_PAD_PROBE_OK;
}

static void track_branch(struct rec_track *t, const struct rs_rec_cmd *c, GstElement **e,
                         int *n)
{
    static const char *const enc[] = {"OPUS", "VP8", "H264"};
    static const char *const depay[] = {"rtpopusdepay", "rtpvp8depay", "rtph264depay"};
    static const char *const dec[] = {"opusdec", "vp8dec", "avdec_h264"};
    char caps[160];
    snprintf(caps, sizeof caps,
             "application/x-rtp,media=%s,clock-rate=%u,encoding-name=%s,payload=%d",
             t->video ? "video" : "audio", c->clock, enc[c->codec], c->pt);
    GstElement *src = e[(*n)++] = make("appsrc", NULL);
    GstElement *jb = e[(*n)++] = make("rtpjitterbuffer", NULL);
    GstElement *dp = e[(*n)++] = make(depay[c->codec], NULL);
    GstElement *dc = e[(*n)++] = make(dec[c->codec], NULL);
    if (!src || !jb || !dp || !dc)
        return;
    GstCaps *cp = gst_caps_from_string(caps);
    g_object_set(src, "caps", cp, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
                 TRUE, "leaky-type", 1 /* downstream: drop new */, "max-bytes",
                 (guint64)TRACK_QUEUE_BYTES, "block", FALSE, NULL);
    gst_caps_unref(cp);
    g_object_set(jb, "latency", JITTER_MS, "do-lost", TRUE, NULL);
    if (t->video) {
        g_object_set(dp, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
        g_object_set(dc, "max-errors", -1, "automatic-request-sync-points", TRUE, NULL);
        e[(*n)++] = make("videoconvert", NULL);
    } else {
        g_object_set(dc, "plc", TRUE, NULL);
        e[(*n)++] = make("audioconvert", NULL);
        e[(*n)++] = make("audioresample", NULL);
    }
}

int rec_mix_track_add(struct recorder *rec, const struct rs_rec_cmd *c, char *err,
                      size_t err_len)
{
    struct rec_track *old = g_hash_table_lookup(rec->tracks, GUINT_TO_POINTER(c->ssrc));
    if (old && old->removing) {
        teardown_track(rec, old); /* the same SSRC back (consent given again): no waiting */
    } else if (old) {
        snprintf(err, err_len, "track %u exists", c->ssrc);
        return -1;
    }
    struct rec_track *t = g_new0(struct rec_track, 1);
    t->rec = rec;
    t->ssrc = c->ssrc;
    t->video = c->video;
    t->codec = c->codec;
    t->source = c->source;
    t->order = rec->next_order++;
    g_strlcpy(t->participant, c->participant, sizeof t->participant);
    g_strlcpy(t->name, c->name, sizeof t->name);
    track_branch(t, c, t->elems, &t->n_elems);
    t->src = t->elems[0];
    if (!add_chain(GST_BIN(rec->pipe), t->elems, t->n_elems)) {
        snprintf(err, err_len, "cannot build the branch of track %u", c->ssrc);
        goto fail;
    }
    GstElement *mixer = t->video ? rec->vmix : rec->amix;
    t->mix_pad = gst_element_request_pad_simple(mixer, "sink_%u");
    if (t->video)
        g_object_set(t->mix_pad, "alpha", 0.0, "sizing-policy", 1 /* keep aspect */, NULL);
    else
        g_object_set(t->mix_pad, "mute", rec->paused, NULL);
    GstPad *out = gst_element_get_static_pad(t->elems[t->n_elems - 1], "src");
    GstPadLinkReturn lr = gst_pad_link(out, t->mix_pad);
    gst_object_unref(out);
    if (lr != GST_PAD_LINK_OK) {
        snprintf(err, err_len, "cannot link track %u to the mixer", c->ssrc);
        goto fail;
    }
    if (t->video)
        gst_pad_add_probe(t->mix_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_tile_caps, rec,
                          NULL);
    GstPad *srcpad = gst_element_get_static_pad(t->src, "src");
    gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, t, NULL);
    gst_object_unref(srcpad);
    for (int i = t->n_elems - 1; i >= 0; i--)
        gst_element_sync_state_with_parent(t->elems[i]);
    g_hash_table_insert(rec->tracks, GUINT_TO_POINTER(t->ssrc), t);
    if (t->video)
        rec_mix_relayout(rec);
    return 0;
fail:
    /* elements already in the bin are removed with it; the pad goes back */
    for (int i = 0; i < t->n_elems; i++)
        if (t->elems[i] && GST_OBJECT_PARENT(t->elems[i])) {
            gst_element_set_state(t->elems[i], GST_STATE_NULL);
            gst_bin_remove(GST_BIN(rec->pipe), t->elems[i]);
        } else if (t->elems[i]) {
            gst_object_unref(t->elems[i]);
        }
    if (t->mix_pad) {
        gst_element_release_request_pad(t->video ? rec->vmix : rec->amix, t->mix_pad);
        gst_object_unref(t->mix_pad);
    }
    g_free(t);
    return -1;
}

/* Main thread: the branch's EOS reached the mixer, or we gave up waiting. Both paths look the
 * track up again, so whichever comes second finds nothing to do. */
struct teardown_req {
    struct recorder *rec;
    uint32_t ssrc;
};

static void teardown_track(struct recorder *rec, struct rec_track *t)
{
    if (t->teardown_timer)
        g_source_remove(t->teardown_timer);
    t->teardown_timer = 0;
    for (int i = 0; i < t->n_elems; i++)
        gst_element_set_state(t->elems[i], GST_STATE_NULL);
    GstElement *mixer = t->video ? rec->vmix : rec->amix;
    gst_element_release_request_pad(mixer, t->mix_pad);
    gst_object_unref(t->mix_pad);
    t->mix_pad = NULL;
    for (int i = 0; i < t->n_elems; i++)
        gst_bin_remove(GST_BIN(rec->pipe), t->elems[i]);
    g_hash_table_remove(rec->tracks, GUINT_TO_POINTER(t->ssrc)); /* frees t */
}

static gboolean teardown(gpointer data)
{
    struct teardown_req *req = data;
    struct recorder *rec = req->rec;
    struct rec_track *t = g_hash_table_lookup(rec->tracks, GUINT_TO_POINTER(req->ssrc));
    if (t && t->removing && rec->pipe)
        teardown_track(rec, t);
    return G_SOURCE_REMOVE;
}

static struct teardown_req *teardown_req_new(struct rec_track *t)
{
    struct teardown_req *req = g_new(struct teardown_req, 1);
    req->rec = t->rec;
    req->ssrc = t->ssrc;
    return req;
}

static gboolean teardown_timeout(gpointer data)
{
    struct teardown_req *req = data;
    struct rec_track *t = g_hash_table_lookup(req->rec->tracks, GUINT_TO_POINTER(req->ssrc));
    if (t)
        t->teardown_timer = 0;
    return teardown(req);
}

static GstPadProbeReturn on_branch_eos(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(ev) != GST_EVENT_EOS)
        return GST_PAD_PROBE_OK;
    struct teardown_req *req = g_new(struct teardown_req, 1);
    *req = *(struct teardown_req *)data;
    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, teardown, req, g_free);
    return GST_PAD_PROBE_DROP; /* the mixer pad goes away; the mixer itself goes on */
}

void rec_mix_track_remove(struct recorder *rec, struct rec_track *t)
{
    if (t->removing)
        return;
    t->removing = true;
    /* hide and mute in the same step, before anything else can render it */
    if (t->video)
        g_object_set(t->mix_pad, "alpha", 0.0, NULL);
    else
        g_object_set(t->mix_pad, "mute", TRUE, NULL);
    if (t->video)
        rec_mix_relayout(rec);
    GstPad *out = gst_element_get_static_pad(t->elems[t->n_elems - 1], "src");
    gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_branch_eos,
                      teardown_req_new(t), g_free);
    gst_object_unref(out);
    gst_app_src_end_of_stream(GST_APP_SRC(t->src));
    t->teardown_timer =
        g_timeout_add_full(G_PRIORITY_DEFAULT, 1500, teardown_timeout, teardown_req_new(t), g_free);
}

/* ---- layout ---- */

static gint by_order(gconstpointer a, gconstpointer b)
{
    const struct rec_track *x = *(struct rec_track *const *)a;
    const struct rec_track *y = *(struct rec_track *const *)b;
    return (x->order > y->order) - (x->order < y->order);
}

/* The tile order: in the speaker layout the active speaker's video first (a screen before a
 * camera), then everyone else in the order they came. */
static GPtrArray *tile_order(struct recorder *rec)
{
    GPtrArray *v = g_ptr_array_new();
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, rec->tracks);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        struct rec_track *t = val;
        if (t->video && !t->removing)
            g_ptr_array_add(v, t);
    }
    g_ptr_array_sort(v, by_order);
    if (rec->layout == RS_REC_LAYOUT_SPEAKER && rec->speaker[0]) {
        int best = -1;
        for (guint i = 0; i < v->len; i++) {
            struct rec_track *t = g_ptr_array_index(v, i);
            if (strcmp(t->participant, rec->speaker) != 0)
                continue;
            if (best < 0 || (t->source == RS_REC_SOURCE_SCREEN &&
                             ((struct rec_track *)g_ptr_array_index(v, best))->source !=
                                 RS_REC_SOURCE_SCREEN))
                best = (int)i;
        }
        if (best > 0) {
            gpointer t = g_ptr_array_steal_index(v, (guint)best);
            g_ptr_array_insert(v, 0, t);
        }
    }
    return v;
}

/* textoverlay reads Pango markup: names and slates are shown as written ("A & B <x>"). */
static void set_text(GstElement *overlay, const char *text)
{
    gchar *escaped = g_markup_escape_text(text, -1);
    g_object_set(overlay, "text", escaped, NULL);
    g_free(escaped);
}

/* The tile's picture inside its cell, by the aspect ratio its decoder negotiated (16:9 until
 * the first frame), so names sit on the picture and not on a letterbox bar. */
static struct rs_rec_rect fit(struct rec_track *t, struct rs_rec_rect cell)
{
    int w = 0, h = 0, pn = 1, pd = 1;
    GstCaps *caps = gst_pad_get_current_caps(t->mix_pad);
    if (caps) {
        GstStructure *st = gst_caps_get_structure(caps, 0);
        gst_structure_get_int(st, "width", &w);
        gst_structure_get_int(st, "height", &h);
        gst_structure_get_fraction(st, "pixel-aspect-ratio", &pn, &pd);
        gst_caps_unref(caps);
    }
    if (pd <= 0 || pn <= 0)
        pn = pd = 1;
    return rs_rec_layout_fit(cell, w * pn, h * pd, TILE_GAP);
}

static gboolean relayout_idle(gpointer data)
{
    rec_mix_relayout(data);
    return G_SOURCE_REMOVE;
}

/* New caps on a tile (first frame, or a new resolution): place it again. */
static GstPadProbeReturn on_tile_caps(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS)
        g_idle_add(relayout_idle, data);
    return GST_PAD_PROBE_OK;
}

static const char *paused_text(const struct recorder *rec)
{
    return strncmp(rec->start.locale, "de", 2) == 0 ? "Pausiert" : "Paused";
}

void rec_mix_relayout(struct recorder *rec)
{
    if (!rec->pipe)
        return;
    GPtrArray *v = tile_order(rec);
    struct rs_rec_rect cells[RS_REC_MAX_TILES];
    bool blank = rec->slate[0] || rec->paused;
    int shown = blank ? 0
                      : rs_rec_layout_cells(rec->layout, (int)v->len, rec->start.width,
                                            rec->start.height, cells);
    for (guint i = 0; i < v->len && (int)i < shown; i++)
        cells[i] = fit(g_ptr_array_index(v, i), cells[i]);
    for (guint i = 0; i < v->len; i++) {
        struct rec_track *t = g_ptr_array_index(v, i);
        if ((int)i < shown)
            g_object_set(t->mix_pad, "xpos", cells[i].x, "ypos", cells[i].y, "width",
                         cells[i].w, "height", cells[i].h, "alpha", 1.0, "zorder",
                         (guint)(i + 1), NULL);
        else
            g_object_set(t->mix_pad, "alpha", 0.0, NULL);
    }
    for (int i = 0; i < RS_REC_MAX_TILES; i++) {
        const struct rec_track *t = i < shown ? g_ptr_array_index(v, i) : NULL;
        if (!t || !t->name[0]) {
            g_object_set(rec->names[i], "text", "", NULL);
            continue;
        }
        set_text(rec->names[i], t->name);
        g_object_set(rec->names[i], "deltax", cells[i].x + 8, "deltay",
                     cells[i].y + cells[i].h - 30, NULL);
    }
    const char *slate = rec->paused  ? paused_text(rec)
                        : rec->slate[0] ? rec->slate
                        : v->len == 0 ? rec->start.title
                                      : "";
    set_text(rec->slate_overlay, slate);
    /* audio: a pause is silence */
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, rec->tracks);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        struct rec_track *t = val;
        if (!t->video)
            g_object_set(t->mix_pad, "mute", t->removing || rec->paused, NULL);
    }
    g_ptr_array_free(v, TRUE);
}

void rec_mix_force_keyframe(struct recorder *rec, enum rec_stream stream)
{
    GstElement *enc = rec->sinks[stream].enc;
    if (!enc)
        return;
    GstPad *pad = gst_element_get_static_pad(enc, "src");
    gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE,
                                                                        TRUE, 0));
    gst_object_unref(pad);
}

void rec_mix_eos(struct recorder *rec)
{
    if (rec->pipe)
        gst_element_send_event(rec->pipe, gst_event_new_eos());
}

void rec_mix_free(struct recorder *rec)
{
    if (!rec->pipe)
        return;
    gst_element_set_state(rec->pipe, GST_STATE_NULL);
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, rec->tracks);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        struct rec_track *t = val;
        if (t->teardown_timer)
            g_source_remove(t->teardown_timer);
        t->teardown_timer = 0;
        gst_object_unref(t->mix_pad);
        t->mix_pad = NULL;
    }
    g_hash_table_remove_all(rec->tracks);
    gst_object_unref(rec->pipe);
    rec->pipe = NULL;
}
