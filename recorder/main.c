/* SPDX-License-Identifier: EUPL-1.2 */
/* ratsaal-recorder's process: command line, the control socket, the RTP socket, events and
 * the orderly end (see recorder.h and docs/recording.md).
 *
 *   ratsaal-recorder --control-fd 3 --data-fd 4 [--log-level info]
 *
 * fd 3 carries newline-delimited JSON both ways; fd 4 one RTP or RTCP packet per datagram
 * from the SFU, and our RTCP PLIs back. A `stop` command, EOF on fd 3 and SIGTERM all end the
 * same way: EOS through the mixer and every output (bounded by STOP_DEADLINE_S), one
 * `output … stopped` event per output, `stopped`, exit 0. Events are written whole with one
 * write under a lock, so lines from different threads never interleave. */
#include <errno.h>
#include <glib-unix.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "recorder.h"

#define STOP_DEADLINE_S 8
#define STATS_INTERVAL_S 5
#define PLI_INTERVAL_US G_USEC_PER_SEC
#define OUR_SSRC 0x52530001u /* sender SSRC of our RTCP ("RS" 1) */

static struct recorder the_recorder;
static GMutex emit_lock;

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the server is gone; EOF on read ends us */
        buf += n;
        len -= (size_t)n;
    }
}

void rec_emit(struct recorder *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_mutex_lock(&emit_lock);
    write_all(rec->ctl_fd, line, strlen(line));
    write_all(rec->ctl_fd, "\n", 1);
    g_mutex_unlock(&emit_lock);
    g_free(line);
}

void rec_emit_json(struct recorder *rec, json_t *event)
{
    char *s = event ? json_dumps(event, JSON_COMPACT) : NULL;
    if (s)
        rec_emit(rec, "%s", s);
    free(s);
    json_decref(event);
}

void rec_emit_error(struct recorder *rec, bool fatal, const char *message)
{
    gchar *valid = g_utf8_make_valid(message, -1); /* GStreamer's text may carry paths */
    rec_emit_json(rec, json_pack("{s:s,s:b,s:s}", "ev", "error", "fatal", fatal, "message",
                                 valid));
    g_free(valid);
    g_printerr("ratsaal-recorder: %s%s\n", fatal ? "fatal: " : "", message);
}

/* ---- keyframe requests: RTCP PLI (RFC 4585 6.3.1) on the data socket ---- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void rec_request_keyframe(struct rec_track *t)
{
    struct recorder *rec = t->rec;
    if (!t->video)
        return; /* an audio track's decoder asking is no reason to bother the SFU */
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&rec->pli_lock);
    bool due = !t->last_pli_us || now - t->last_pli_us >= PLI_INTERVAL_US;
    if (due) {
        t->last_pli_us = now;
        rec->keyframe_requests++;
    }
    g_mutex_unlock(&rec->pli_lock);
    if (!due)
        return;
    uint8_t pli[12] = {0x81, 206, 0, 2}; /* V=2, FMT=1 (PLI), PT=PSFB, length 2 */
    put32(pli + 4, OUR_SSRC);
    put32(pli + 8, t->ssrc);
    if (send(rec->data_fd, pli, sizeof pli, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        g_printerr("ratsaal-recorder: PLI for %u not sent: %s\n", t->ssrc, g_strerror(errno));
}

/* ---- the data socket ---- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void on_packet(struct recorder *rec, const uint8_t *pkt, size_t len)
{
    if (len < 12 || (pkt[0] >> 6) != 2) {
        rec->dropped++;
        return;
    }
    if (pkt[1] >= 192 && pkt[1] <= 223) { /* RTCP (RFC 5761 demultiplexing) */
        rec->rtcp_in++;
        return; /* sender reports: timing comes from arrival (see the report) */
    }
    struct rec_track *t = g_hash_table_lookup(rec->tracks, GUINT_TO_POINTER(get32(pkt + 8)));
    if (!t) {
        rec->unknown_ssrc++;
        rec->dropped++;
        return;
    }
    if (t->removing)
        return;
    rec->packets++;
    if (!t->seen) {
        t->seen = true;
        if (t->video)
            rec_request_keyframe(t);
    }
    GstAppSrc *src = GST_APP_SRC(t->src);
    guint64 max = 0;
    g_object_get(src, "max-bytes", &max, NULL);
    if (gst_app_src_get_current_level_bytes(src) + len > max) {
        rec->dropped++; /* the branch is stuck; never block the socket */
        return;
    }
    gst_app_src_push_buffer(src, gst_buffer_new_memdup(pkt, len));
}

static gboolean on_data(gint fd, GIOCondition cond, gpointer data)
{
    struct recorder *rec = data;
    static uint8_t buf[65536];
    for (int i = 0; i < 256; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
        if (n == 0)
            return G_SOURCE_REMOVE; /* the feed closed; fd 3 decides when we end */
        if ((size_t)n > sizeof buf) {
            rec->dropped++;
            continue;
        }
        if (rec->started && !rec->stopping)
            on_packet(rec, buf, (size_t)n);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- stop ---- */

void rec_finish_stop(struct recorder *rec)
{
    if (rec->finished)
        return;
    rec->finished = true;
    if (rec->stop_timer)
        g_source_remove(rec->stop_timer);
    rec->stop_timer = 0;
    if (rec->drain_timer)
        g_source_remove(rec->drain_timer);
    rec->drain_timer = 0;
    rec_output_free_all(rec);
    rec_mix_free(rec);
    rec_emit(rec, "{\"ev\":\"stopped\"}");
    g_main_loop_quit(rec->loop);
}

static gboolean stop_deadline(gpointer data)
{
    struct recorder *rec = data;
    rec->stop_timer = 0;
    g_printerr("ratsaal-recorder: outputs did not finish in %d s; closing them\n",
               STOP_DEADLINE_S);
    rec_finish_stop(rec);
    return G_SOURCE_REMOVE;
}

/* Half-way to the deadline the mixer has still not drained (a starved machine): end the
 * outputs' streams directly so that their muxers still finalise what they have. */
static gboolean stop_outputs_now(gpointer data)
{
    struct recorder *rec = data;
    rec->drain_timer = 0;
    g_printerr("ratsaal-recorder: the mixer did not drain in %d s; ending the outputs\n",
               STOP_DEADLINE_S / 2);
    rec_output_end_now(rec);
    return G_SOURCE_REMOVE;
}

static void begin_stop(struct recorder *rec)
{
    if (rec->stopping)
        return;
    rec->stopping = true;
    if (!rec->started) {
        rec_finish_stop(rec);
        return;
    }
    rec->stop_timer = g_timeout_add_seconds(STOP_DEADLINE_S, stop_deadline, rec);
    rec->drain_timer = g_timeout_add_seconds(STOP_DEADLINE_S / 2, stop_outputs_now, rec);
    rec_output_stop_all(rec);
    if (rec_output_all_stopped(rec)) {
        rec_finish_stop(rec);
        return;
    }
    rec_mix_eos(rec); /* the encoders drain into the outputs, which then end */
}

static gboolean on_sigterm(gpointer data)
{
    begin_stop(data);
    return G_SOURCE_CONTINUE;
}

/* ---- the main pipeline's bus ---- */

static gboolean on_mix_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    struct recorder *rec = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gchar *dbg = NULL;
        gst_message_parse_error(msg, &e, &dbg);
        g_printerr("ratsaal-recorder: %s: %s (%s)\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
                   e ? e->message : "error", dbg ? dbg : "");
        /* an error in one track's branch (a broken stream) is that track's; elsewhere fatal */
        bool fatal = true;
        GHashTableIter it;
        gpointer key, val;
        g_hash_table_iter_init(&it, rec->tracks);
        while (g_hash_table_iter_next(&it, &key, &val)) {
            struct rec_track *t = val;
            for (int i = 0; i < t->n_elems; i++)
                if (GST_MESSAGE_SRC(msg) == GST_OBJECT(t->elems[i]))
                    fatal = false;
            if (!fatal) {
                rec_mix_track_remove(rec, t);
                break;
            }
        }
        char text[512];
        snprintf(text, sizeof text, "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
                 e ? e->message : "error");
        rec_emit_error(rec, fatal, text);
        g_clear_error(&e);
        g_free(dbg);
        if (fatal) {
            rec->exit_code = 1;
            begin_stop(rec);
        }
        break;
    }
    case GST_MESSAGE_STATE_CHANGED:
        if (GST_MESSAGE_SRC(msg) == GST_OBJECT(rec->pipe) && !rec->ready_sent) {
            GstState news;
            gst_message_parse_state_changed(msg, NULL, &news, NULL);
            if (news == GST_STATE_PLAYING) {
                rec->ready_sent = true;
                rec_emit(rec, "{\"ev\":\"ready\"}");
            }
        }
        break;
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/* ---- commands ---- */

static void run_command(struct recorder *rec, const struct rs_rec_cmd *c)
{
    char err[256] = "";
    if (rec->stopping)
        return;
    if (c->type != RS_REC_START && c->type != RS_REC_STOP && !rec->started) {
        rec_emit_error(rec, false, "not started");
        return;
    }
    switch (c->type) {
    case RS_REC_START:
        if (rec->started) {
            rec_emit_error(rec, false, "already started");
            return;
        }
        rec->start = *c;
        rec->started = true;
        if (rec_mix_start(rec, err, sizeof err) != 0) {
            rec_emit_error(rec, true, err);
            rec->exit_code = 1;
            begin_stop(rec);
            return;
        }
        GstBus *bus = gst_element_get_bus(rec->pipe);
        rec->bus_watch = gst_bus_add_watch(bus, on_mix_bus, rec);
        gst_object_unref(bus);
        break;
    case RS_REC_OUTPUT_ADD:
        if (rec_output_add(rec, c, err, sizeof err) != 0)
            rec_emit_error(rec, false, err);
        break;
    case RS_REC_OUTPUT_REMOVE:
        rec_output_remove(rec, c->id);
        break;
    case RS_REC_TRACK_ADD:
        if (rec_mix_track_add(rec, c, err, sizeof err) != 0)
            rec_emit_error(rec, false, err);
        break;
    case RS_REC_TRACK_REMOVE: {
        struct rec_track *t = g_hash_table_lookup(rec->tracks, GUINT_TO_POINTER(c->ssrc));
        if (t)
            rec_mix_track_remove(rec, t);
        break;
    }
    case RS_REC_SPEAKER:
        g_strlcpy(rec->speaker, c->participant, sizeof rec->speaker);
        rec_mix_relayout(rec);
        break;
    case RS_REC_LAYOUT:
        rec->layout = c->layout;
        rec_mix_relayout(rec);
        break;
    case RS_REC_PAUSE:
        if (rec->paused == c->on)
            break;
        g_mutex_lock(&rec->out_lock);
        rec->paused = c->on;
        g_mutex_unlock(&rec->out_lock);
        rec_mix_relayout(rec);
        if (!c->on) { /* file outputs resume at a keyframe */
            rec_mix_force_keyframe(rec, REC_H264);
            rec_mix_force_keyframe(rec, REC_VP8);
        }
        break;
    case RS_REC_SLATE:
        g_strlcpy(rec->slate, c->name, sizeof rec->slate);
        rec_mix_relayout(rec);
        break;
    case RS_REC_STOP:
        begin_stop(rec);
        break;
    }
}

static void on_line(struct recorder *rec, const char *line, size_t len)
{
    if (len == 0)
        return;
    struct rs_rec_cmd *c = g_new(struct rs_rec_cmd, 1);
    char err[200];
    if (rs_rec_cmd_parse(line, len, c, err, sizeof err) != 0)
        rec_emit_error(rec, false, err);
    else
        run_command(rec, c);
    g_free(c);
}

static gboolean on_control(gint fd, GIOCondition cond, gpointer data)
{
    struct recorder *rec = data;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        begin_stop(rec); /* the server is gone: finalise and exit */
        return G_SOURCE_REMOVE;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            if (!rec->ctl_skip)
                on_line(rec, rec->ctl_buf, rec->ctl_len);
            rec->ctl_len = 0;
            rec->ctl_skip = false;
            continue;
        }
        if (rec->ctl_skip)
            continue;
        if (rec->ctl_len >= RS_REC_LINE_MAX) {
            rec_emit_error(rec, false, "line too long (max 65536 bytes)");
            rec->ctl_skip = true;
            rec->ctl_len = 0;
            continue;
        }
        rec->ctl_buf[rec->ctl_len++] = buf[i];
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_stats(gpointer data)
{
    struct recorder *rec = data;
    if (!rec->started || rec->stopping)
        return G_SOURCE_CONTINUE;
    unsigned tracks = 0;
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, rec->tracks);
    while (g_hash_table_iter_next(&it, &key, &val))
        tracks += !((struct rec_track *)val)->removing;
    g_mutex_lock(&rec->pli_lock);
    guint64 kf = rec->keyframe_requests;
    g_mutex_unlock(&rec->pli_lock);
    g_mutex_lock(&rec->out_lock);
    guint64 dropped = rec->dropped + rec->out_dropped;
    g_mutex_unlock(&rec->out_lock);
    rec_emit(rec,
             "{\"ev\":\"stats\",\"tracks\":%u,\"dropped\":%" G_GUINT64_FORMAT
             ",\"unknown_ssrc\":%" G_GUINT64_FORMAT ",\"packets\":%" G_GUINT64_FORMAT
             ",\"keyframe_requests\":%" G_GUINT64_FORMAT "}",
             tracks, dropped, rec->unknown_ssrc, rec->packets, kf);
    return G_SOURCE_CONTINUE;
}

static int parse_fd(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

static void usage(void)
{
    fprintf(stderr, "usage: ratsaal-recorder --control-fd N --data-fd N [--log-level LEVEL]\n");
}

int main(int argc, char **argv)
{
    struct recorder *rec = &the_recorder;
    rec->ctl_fd = rec->data_fd = -1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--control-fd") == 0)
            rec->ctl_fd = parse_fd(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--data-fd") == 0)
            rec->data_fd = parse_fd(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--log-level") == 0)
            i++; /* GStreamer's own log is GST_DEBUG; ours are errors only */
        else {
            usage();
            return 2;
        }
    }
    if (rec->ctl_fd < 0 || rec->data_fd < 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a server gone mid-write: the write fails, EOF ends us */
    gst_init(NULL, NULL);
    rec->loop = g_main_loop_new(NULL, FALSE);
    rec->tracks = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    rec->outputs = g_ptr_array_new_with_free_func(g_free);
    rec->ctl_buf = g_malloc(RS_REC_LINE_MAX + 1);
    g_mutex_init(&rec->out_lock);
    g_mutex_init(&rec->pli_lock);
    g_unix_fd_add(rec->ctl_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_control, rec);
    g_unix_fd_add(rec->data_fd, G_IO_IN, on_data, rec);
    g_unix_signal_add(SIGTERM, on_sigterm, rec);
    g_unix_signal_add(SIGINT, on_sigterm, rec);
    g_timeout_add_seconds(STATS_INTERVAL_S, on_stats, rec);
    g_main_loop_run(rec->loop);
    g_free(rec->ctl_buf);
    return rec->exit_code;
}
