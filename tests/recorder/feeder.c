/* SPDX-License-Identifier: EUPL-1.2 */
/* Test tool for ratsaal-recorder: plays the server and the SFU at once.
 *
 * It spawns bin/ratsaal-recorder with the control socketpair on fd 3 and the RTP socketpair
 * on fd 4 (as the server does), sends `start`, the outputs and one audio and one video track
 * per synthetic participant, and feeds them as real RTP: participant i is a solid colour
 * (colours[i]) in VP8 and a sine tone of freq(i) Hz in Opus. PLIs from the recorder force a
 * keyframe on that participant's encoder. A small script runs on top:
 *
 *   feeder --participants 3 --seconds 20 [--size 640x360] [--layout grid]
 *          [--outputs file=/abs/x.mp4,hls=/abs/dir,rtmp=rtmp://127.0.0.1:1935/live/k]
 *          [--remove-at 12:2] [--readd-at 15:2] [--at 8:'{"cmd":"pause","on":true}']
 *          [--kill-at 9]
 *          [--stray N] [--video-codec vp8|h264] [--recorder bin/ratsaal-recorder]
 *
 * A file output ending in .webm is asked for as format webm, any other as mp4.
 * --remove-at T:P removes participant P (1-based) at T seconds: `track_remove` for both of its
 * tracks and no more packets; --readd-at T:P announces them again (same SSRCs) and resumes.
 * --at T:JSON sends any command at T. --kill-at T SIGKILLs the
 * recorder. --stray N sends N RTP packets of an SSRC never announced (to be dropped and
 * counted) and one runt datagram right after `ready`. Otherwise at --seconds it sends `stop` and waits for `stopped` and the exit.
 * Every line the recorder writes is printed to stdout; the last line is a JSON summary
 * {"exit":N,"stopped":true|false,"plis":N,"packets":N}. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PARTS 16
#define MAX_ACTIONS 32

static const guint colours[MAX_PARTS] = {
    0xffff0000, 0xff00ff00, 0xff0000ff, 0xffffff00, 0xffff00ff, 0xff00ffff, 0xffffffff, 0xffff8000,
    0xff8000ff, 0xff008080, 0xff808000, 0xff800000, 0xff008000, 0xff000080, 0xff808080, 0xffc0c0c0};

static int freq(int i)
{
    return 500 + 300 * i;
}

struct part {
    int index;
    guint32 audio_ssrc, video_ssrc;
    GstElement *venc;
    gboolean removed;
};

struct action {
    double at;
    enum { ACT_REMOVE, ACT_READD, ACT_COMMAND, ACT_KILL } type;
    int part;
    char *json;
};

static struct {
    int participants, seconds, width, height, stray;
    const char *layout, *outputs, *recorder;
    gboolean h264; /* --video-codec h264: x264enc + rtph264pay instead of VP8 */
    struct action actions[MAX_ACTIONS];
    int n_actions;
    struct part parts[MAX_PARTS];
    int ctl, data;
    pid_t child;
    GMainLoop *loop;
    GstElement *pipe;
    gboolean stopped, ready, killed;
    guint64 plis, packets;
    GString *line;
    int exit_code;
} f = {.participants = 3, .seconds = 20, .width = 640, .height = 360, .layout = "grid",
       .recorder = "bin/ratsaal-recorder"};

static void send_line(const char *json)
{
    size_t len = strlen(json);
    char *buf = g_strdup_printf("%s\n", json);
    if (write(f.ctl, buf, len + 1) != (ssize_t)(len + 1))
        fprintf(stderr, "feeder: control write failed: %s\n", g_strerror(errno));
    g_free(buf);
}

static struct part *part_of_ssrc(guint32 ssrc)
{
    for (int i = 0; i < f.participants; i++)
        if (f.parts[i].video_ssrc == ssrc || f.parts[i].audio_ssrc == ssrc)
            return &f.parts[i];
    return NULL;
}

static GstFlowReturn on_rtp(GstAppSink *sink, gpointer data)
{
    struct part *p = data;
    GstSample *s = gst_app_sink_pull_sample(sink);
    if (!s)
        return GST_FLOW_EOS;
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer(s);
    if (!p->removed && !f.killed && gst_buffer_map(b, &map, GST_MAP_READ)) {
        if (send(f.data, map.data, map.size, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
            __atomic_add_fetch(&f.packets, 1, __ATOMIC_RELAXED);
        gst_buffer_unmap(b, &map);
    }
    gst_sample_unref(s);
    return GST_FLOW_OK;
}

static GstElement *add(const char *factory)
{
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (!e) {
        fprintf(stderr, "feeder: element %s missing\n", factory);
        exit(2);
    }
    gst_bin_add(GST_BIN(f.pipe), e);
    return e;
}

static void sink_to_socket(GstElement *last, struct part *p)
{
    GstElement *sink = add("appsink");
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    GstAppSinkCallbacks cb = {.new_sample = on_rtp};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, p, NULL);
    gst_element_link(last, sink);
}

static void build_part(struct part *p)
{
    char caps[128];
    GstElement *vs = add("videotestsrc"), *vf = add("capsfilter"),
               *ve = add(f.h264 ? "x264enc" : "vp8enc"), *vp = add(f.h264 ? "rtph264pay" : "rtpvp8pay");
    g_object_set(vs, "is-live", TRUE, "pattern", 17, "foreground-color", colours[p->index],
                 NULL);
    snprintf(caps, sizeof caps, "video/x-raw,width=%d,height=%d,framerate=30/1", f.width,
             f.height);
    GstCaps *c = gst_caps_from_string(caps);
    g_object_set(vf, "caps", c, NULL);
    gst_caps_unref(c);
    if (f.h264) {
        g_object_set(ve, "speed-preset", 1, "tune", 4, "bitrate", 300, "key-int-max", 300, NULL);
        g_object_set(vp, "config-interval", -1, NULL);
    } else {
        g_object_set(ve, "deadline", (gint64)1, "target-bitrate", 300000, "keyframe-max-dist",
                     300, "cpu-used", 8, NULL);
    }
    g_object_set(vp, "ssrc", p->video_ssrc, "pt", 96, "mtu", 1200, NULL);
    gst_element_link_many(vs, vf, ve, vp, NULL);
    sink_to_socket(vp, p);
    p->venc = ve;

    GstElement *as = add("audiotestsrc"), *ae = add("opusenc"), *ap = add("rtpopuspay");
    g_object_set(as, "is-live", TRUE, "freq", (double)freq(p->index), "volume", 0.2, NULL);
    g_object_set(ap, "ssrc", p->audio_ssrc, "pt", 111, NULL);
    gst_element_link_many(as, ae, ap, NULL);
    sink_to_socket(ap, p);
}

static void announce_tracks(struct part *p)
{
    char *a = g_strdup_printf(
        "{\"cmd\":\"track_add\",\"ssrc\":%u,\"kind\":\"audio\",\"codec\":\"opus\",\"pt\":111,"
        "\"clock\":48000,\"participant\":\"p%011d\",\"name\":\"Teilnehmer %d\","
        "\"source\":\"microphone\"}",
        p->audio_ssrc, p->index + 1, p->index + 1);
    char *v = g_strdup_printf(
        "{\"cmd\":\"track_add\",\"ssrc\":%u,\"kind\":\"video\",\"codec\":\"%s\",\"pt\":96,"
        "\"clock\":90000,\"participant\":\"p%011d\",\"name\":\"Teilnehmer %d\","
        "\"source\":\"camera\"}",
        p->video_ssrc, f.h264 ? "h264" : "vp8", p->index + 1, p->index + 1);
    send_line(a);
    send_line(v);
    g_free(a);
    g_free(v);
}

static void send_strays(void)
{
    guint8 pkt[112] = {0x80, 96};
    for (int i = 0; i < f.stray; i++) {
        pkt[2] = (guint8)(i >> 8), pkt[3] = (guint8)i;
        pkt[8] = 0xde, pkt[9] = 0xad, pkt[10] = 0xbe, pkt[11] = 0xef; /* SSRC never announced */
        send(f.data, pkt, sizeof pkt, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    if (f.stray)
        send(f.data, pkt, 5, MSG_DONTWAIT | MSG_NOSIGNAL); /* too short for RTP */
}

static void add_outputs(void)
{
    if (!f.outputs)
        return;
    gchar **list = g_strsplit(f.outputs, ",", -1);
    for (int i = 0; list[i]; i++) {
        char *eq = strchr(list[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        char *cmd = NULL;
        if (strcmp(list[i], "file") == 0)
            cmd = g_strdup_printf("{\"cmd\":\"output_add\",\"id\":\"file\",\"type\":\"file\","
                                  "\"path\":\"%s\",\"format\":\"%s\"}",
                                  v, g_str_has_suffix(v, ".webm") ? "webm" : "mp4");
        else if (strcmp(list[i], "hls") == 0)
            cmd = g_strdup_printf("{\"cmd\":\"output_add\",\"id\":\"hls\",\"type\":\"hls\","
                                  "\"dir\":\"%s\",\"segment_s\":2,\"playlist_len\":6}",
                                  v);
        else if (strcmp(list[i], "rtmp") == 0)
            cmd = g_strdup_printf("{\"cmd\":\"output_add\",\"id\":\"rtmp:test\",\"type\":"
                                  "\"rtmp\",\"url\":\"%s\"}",
                                  v);
        if (cmd)
            send_line(cmd);
        g_free(cmd);
    }
    g_strfreev(list);
}

static gboolean run_action(gpointer data)
{
    struct action *a = data;
    if (a->type == ACT_KILL) {
        fprintf(stderr, "feeder: SIGKILL to the recorder at %.1f s\n", a->at);
        f.killed = TRUE;
        kill(f.child, SIGKILL);
    } else if (a->type == ACT_REMOVE && a->part >= 1 && a->part <= f.participants) {
        struct part *p = &f.parts[a->part - 1];
        char buf[128];
        snprintf(buf, sizeof buf, "{\"cmd\":\"track_remove\",\"ssrc\":%u}", p->video_ssrc);
        send_line(buf);
        snprintf(buf, sizeof buf, "{\"cmd\":\"track_remove\",\"ssrc\":%u}", p->audio_ssrc);
        send_line(buf);
        p->removed = TRUE;
    } else if (a->type == ACT_READD && a->part >= 1 && a->part <= f.participants) {
        struct part *p = &f.parts[a->part - 1];
        announce_tracks(p); /* the same SSRCs again, as after a consent given anew */
        p->removed = FALSE;
    } else if (a->type == ACT_COMMAND) {
        send_line(a->json);
    }
    return G_SOURCE_REMOVE;
}

static gboolean give_up(gpointer data)
{
    fprintf(stderr, "feeder: the recorder did not stop in time\n");
    kill(f.child, SIGKILL);
    g_main_loop_quit(f.loop);
    return G_SOURCE_REMOVE;
}

static gboolean end_run(gpointer data)
{
    if (!f.killed) {
        send_line("{\"cmd\":\"stop\"}");
        g_timeout_add_seconds(20, give_up, NULL);
    } else {
        g_main_loop_quit(f.loop);
    }
    return G_SOURCE_REMOVE;
}

static gboolean on_control(gint fd, GIOCondition cond, gpointer data)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        g_main_loop_quit(f.loop);
        return G_SOURCE_REMOVE;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            g_string_append_c(f.line, buf[i]);
            continue;
        }
        printf("%s\n", f.line->str);
        fflush(stdout);
        if (strstr(f.line->str, "\"ev\":\"stopped\""))
            f.stopped = TRUE;
        if (strstr(f.line->str, "\"ev\":\"ready\"") && !f.ready) {
            f.ready = TRUE;
            add_outputs();
            for (int k = 0; k < f.participants; k++)
                announce_tracks(&f.parts[k]);
            gst_element_set_state(f.pipe, GST_STATE_PLAYING);
            send_strays();
            for (int k = 0; k < f.n_actions; k++)
                g_timeout_add((guint)(f.actions[k].at * 1000), run_action, &f.actions[k]);
            g_timeout_add_seconds((guint)f.seconds, end_run, NULL);
        }
        g_string_truncate(f.line, 0);
    }
    return G_SOURCE_CONTINUE;
}

/* RTCP from the recorder: a PLI (PT 206, FMT 1) forces a keyframe on that participant. */
static gboolean on_data(gint fd, GIOCondition cond, gpointer data)
{
    guint8 buf[1500];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0)
        return n < 0 && errno == EAGAIN ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    if (n >= 12 && buf[1] == 206 && (buf[0] & 0x1f) == 1) {
        guint32 ssrc = (guint32)buf[8] << 24 | (guint32)buf[9] << 16 | (guint32)buf[10] << 8 |
                       buf[11];
        struct part *p = part_of_ssrc(ssrc);
        if (p && p->venc) {
            f.plis++;
            GstPad *pad = gst_element_get_static_pad(p->venc, "src");
            gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(
                                        GST_CLOCK_TIME_NONE, TRUE, 0));
            gst_object_unref(pad);
        }
    }
    return G_SOURCE_CONTINUE;
}

static void spawn(void)
{
    int ctl[2], data[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, data) != 0) {
        perror("feeder: socketpair");
        exit(2);
    }
    int sz = 4 << 20;
    setsockopt(data[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    f.child = fork();
    if (f.child < 0) {
        perror("feeder: fork");
        exit(2);
    }
    if (f.child == 0) {
        dup2(ctl[1], 3); /* dup2 clears FD_CLOEXEC on the copy */
        dup2(data[1], 4);
        execl(f.recorder, f.recorder, "--control-fd", "3", "--data-fd", "4", (char *)NULL);
        perror("feeder: exec");
        _exit(127);
    }
    close(ctl[1]);
    close(data[1]);
    f.ctl = ctl[0];
    f.data = data[0];
    printf("{\"feeder\":\"spawned\",\"pid\":%d}\n", (int)f.child);
    fflush(stdout);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--participants") == 0)
            f.participants = CLAMP((int)strtol(v, NULL, 10), 0, MAX_PARTS);
        else if (strcmp(k, "--seconds") == 0)
            f.seconds = CLAMP((int)strtol(v, NULL, 10), 1, 3600);
        else if (strcmp(k, "--size") == 0 && sscanf(v, "%dx%d", &f.width, &f.height) == 2)
            ;
        else if (strcmp(k, "--layout") == 0)
            f.layout = v;
        else if (strcmp(k, "--outputs") == 0)
            f.outputs = v;
        else if (strcmp(k, "--video-codec") == 0)
            f.h264 = strcmp(v, "h264") == 0;
        else if (strcmp(k, "--stray") == 0)
            f.stray = CLAMP((int)strtol(v, NULL, 10), 0, 100000);
        else if (strcmp(k, "--recorder") == 0)
            f.recorder = v;
        else if (f.n_actions < MAX_ACTIONS &&
                 (strcmp(k, "--remove-at") == 0 || strcmp(k, "--readd-at") == 0 ||
                  strcmp(k, "--at") == 0 ||
                  strcmp(k, "--kill-at") == 0)) {
            struct action *a = &f.actions[f.n_actions++];
            char *end;
            a->at = strtod(v, &end);
            if (strcmp(k, "--kill-at") == 0)
                a->type = ACT_KILL;
            else if (*end != ':') {
                fprintf(stderr, "feeder: %s wants T:VALUE\n", k);
                exit(2);
            } else if (strcmp(k, "--remove-at") == 0 || strcmp(k, "--readd-at") == 0) {
                a->type = strcmp(k, "--remove-at") == 0 ? ACT_REMOVE : ACT_READD;
                a->part = (int)strtol(end + 1, NULL, 10);
            } else {
                a->type = ACT_COMMAND;
                a->json = end + 1;
            }
        } else {
            fprintf(stderr, "feeder: unknown option %s\n", k);
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    f.loop = g_main_loop_new(NULL, FALSE);
    f.line = g_string_new(NULL);
    f.pipe = gst_pipeline_new("feeder");
    for (int i = 0; i < f.participants; i++) {
        f.parts[i] = (struct part){.index = i, .audio_ssrc = 1000u + (guint32)i,
                                   .video_ssrc = 2000u + (guint32)i};
        build_part(&f.parts[i]);
    }
    spawn();
    char *start = g_strdup_printf(
        "{\"cmd\":\"start\",\"kind\":\"recording\",\"width\":1280,\"height\":720,\"fps\":30,"
        "\"layout\":\"%s\",\"video_kbps\":2500,\"audio_kbps\":128,\"title\":\"Testsitzung\","
        "\"locale\":\"de\"}",
        f.layout);
    send_line(start);
    g_free(start);
    g_unix_fd_add(f.ctl, G_IO_IN | G_IO_HUP, on_control, NULL);
    g_unix_fd_add(f.data, G_IO_IN, on_data, NULL);
    g_main_loop_run(f.loop);
    gst_element_set_state(f.pipe, GST_STATE_NULL);
    int status = 0;
    for (int i = 0; i < 100; i++) {
        if (waitpid(f.child, &status, WNOHANG) == f.child)
            break;
        if (i == 99) {
            kill(f.child, SIGKILL);
            waitpid(f.child, &status, 0);
        }
        g_usleep(100000);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("{\"feeder\":\"summary\",\"exit\":%d,\"stopped\":%s,\"plis\":%" G_GUINT64_FORMAT
           ",\"packets\":%" G_GUINT64_FORMAT "}\n",
           code, f.stopped ? "true" : "false", f.plis, f.packets);
    return f.stopped && code == 0 ? 0 : 1;
}
