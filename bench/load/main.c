/* SPDX-License-Identifier: EUPL-1.2 */
/* ratsaal-load: see load.h. Phases: publishers join (throttled), then subscribers (throttled),
 * then a warm-up, then a steady window over which every figure is taken; one JSON line of
 * metrics goes to stdout at the end. The server's CPU time and RSS come from /proc/<pid>.
 * With --switch-every-ms subscribers switch simulcast layers from the warm-up on; after the
 * window the generator waits for the switches asked for in it (switch.c). With --soak the
 * participants play a meeting in several rooms instead (soak.c, soak_run.c). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/procstat.h"
#include "load.h"
#include "scrape.h"

struct load_config cfg = {
    .server = SERVER_RATSAAL,
    .host = "127.0.0.1",
    .port = 8080,
    .room = "bench",
    .pubs = 1,
    .subs = 10,
    .video = true,
    .join_rate = 5,
    .warmup_s = 3,
    .duration_s = 10,
    .decrypt_every = 1,
    .ivf_path = "bench/data/pattern.ivf",
    .label = "",
    .profile = RS_SRTP_AEAD_AES_128_GCM,
    .audience_layer = -1,
    .soak_participants = 40,
    .soak_sample_s = 5,
    .soak_churn_s = 30,
    .soak_timeout_s = 20,
    .soak_seed = 1,
};
struct rs_dtls_ctx *g_dtls;
struct ivf g_video[SIM_LAYERS];
struct participant **g_parts;
unsigned g_n_parts;
int g_epoll;
uint64_t g_errors;
bool g_measuring;

static int64_t *lat;
static size_t lat_n, lat_cap;
static int64_t *joins;
static size_t joins_n;

int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Send lateness: 10 µs buckets up to 50 ms (the last bucket takes the rest). */
#define LATE_BUCKETS 5001
static uint64_t late_hist[LATE_BUCKETS], late_n;
static int64_t late_max;

void late_record(int64_t us)
{
    if (!g_measuring)
        return;
    if (us < 0)
        us = 0;
    late_hist[us / 10 < LATE_BUCKETS - 1 ? us / 10 : LATE_BUCKETS - 1]++;
    late_n++;
    if (us > late_max)
        late_max = us;
}

/* Upper edge of the bucket that holds quantile q, in µs. */
static double late_quantile(double q)
{
    if (!late_n)
        return -1;
    uint64_t want = (uint64_t)(q * (double)late_n), seen = 0;
    for (unsigned b = 0; b < LATE_BUCKETS; b++) {
        seen += late_hist[b];
        if (seen > want)
            return (double)(b + 1) * 10;
    }
    return (double)late_max;
}

void lat_record(int64_t us)
{
    if (lat_n < lat_cap)
        lat[lat_n++] = us;
}

void loop_watch(int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &ev);
}

void note_error(struct participant *pa, const char *what)
{
    g_errors++;
    if (cfg.verbose || g_errors <= 20)
        fprintf(stderr, "participant %u: %s\n", pa ? pa->idx : 0, what);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, double p)
{
    if (!n)
        return -1;
    size_t i = (size_t)ceil(p * (double)n) - 1;
    return (double)v[i > n - 1 ? n - 1 : i];
}

struct proc_sample {
    double cpu_s;
    double sys_s; /* the kernel's part of cpu_s (stime) */
    long rss_kib;
};

static int proc_read(int pid, struct proc_sample *s)
{
    char path[64], buf[4096];
    memset(s, 0, sizeof(*s));
    if (pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    unsigned long long utime, stime;
    if (rs_procstat_read(path, &utime, &stime))
        return -1;
    s->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    s->sys_s = (double)stime / (double)sysconf(_SC_CLK_TCK);
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (f) {
        while (fgets(buf, sizeof(buf), f))
            if (!strncmp(buf, "VmRSS:", 6))
                s->rss_kib = strtol(buf + 6, NULL, 10);
        fclose(f);
    }
    return 0;
}

static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void on_ws(struct participant *pa)
{
    void (*cb)(void *, char *, size_t) = cfg.soak_rooms              ? soak_on_msg
                                         : cfg.server == SERVER_JANUS ? janus_on_msg
                                                                      : ratsaal_on_msg;
    if (ws_read(&pa->ws, cb, pa) == 0)
        return;
    if (cfg.soak_rooms) {
        soak_on_closed(pa); /* a soak's seat comes back */
    } else if (!pa->failed) {
        pa->failed = true;
        epoll_ctl(g_epoll, EPOLL_CTL_DEL, pa->ws.fd, NULL);
        note_error(pa, "signaling connection closed");
    }
}

static void join(struct participant *pa)
{
    pa->join_start_us = now_us();
    const char *path = cfg.server == SERVER_JANUS ? "/" : "/signaling";
    const char *proto = cfg.server == SERVER_JANUS ? "janus-protocol" : NULL;
    int rc = ws_connect(&pa->ws, cfg.host, cfg.port, path, proto, NULL);
    if (rc) {
        pa->failed = true;
        note_error(pa, "ws connect");
        return;
    }
    pa->ws_open = true;
    loop_watch(pa->ws.fd, pa);
    if (pa->publishes)
        pub_media_init(&pa->pm, pa->idx);
    if (cfg.server == SERVER_JANUS)
        janus_start(pa);
    else
        ratsaal_start(pa);
}

/* Runs the loop until `until_us`, or until `done` says so. */
volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    g_stop = 1;
}

static int64_t loop_max_gap_us; /* longest loop iteration during the steady window */

static bool pub_ready(const struct participant *pa)
{
    /* Janus: a feed exists for subscribers only after "webrtcup" */
    return pa->pub.state == PEER_READY && (cfg.server != SERVER_JANUS || pa->pub_up);
}

static void participant_timers(struct participant *pa, int64_t now)
{
    if (pa->pub.kind)
        peer_timers(&pa->pub, now);
    if (pa->sub.kind)
        peer_timers(&pa->sub, now);
    if (cfg.server == SERVER_JANUS)
        janus_timers(pa, now);
    switch_tick(pa, now);
}

#define PUBS_MAX 1024

/* Publishers send at their own times (audio every 20 ms, a video frame every 33 ms, paced
 * packets when the pacer allows), each on its own clock as independent browsers do: not on a
 * shared tick, and not after a long receive turn, which would line many publishers' packets up
 * into one burst at the server. Runs what is due; returns the earliest next due time. */
static int64_t media_pass(struct participant **pubs, unsigned n_pubs, int64_t now)
{
    int64_t next = INT64_MAX;
    for (unsigned i = 0; i < n_pubs; i++) {
        struct peer *p = &pubs[i]->pub;
        if (!p->kind)
            continue;
        int64_t due = pub_media_due(p);
        if (due < 0)
            continue;
        if (due <= now) {
            pub_media_tick(p, now);
            due = pub_media_due(p);
        }
        if (due >= 0 && due < next)
            next = due;
    }
    return next;
}

void run_loop(int64_t until_us, bool (*done)(void))
{
    static struct participant *pubs[PUBS_MAX];
    static unsigned n_pubs, pubs_seen = UINT32_MAX;
    struct epoll_event evs[256];
    int64_t next_timers = 0, last = now_us();
    while (!g_stop) {
        int64_t t = now_us();
        if (g_measuring && t - last > loop_max_gap_us)
            loop_max_gap_us = t - last;
        last = t;
        if (t >= until_us || (done && done()))
            return;
        if (t >= next_timers) { /* ICE, DTLS, consent, RTCP, Janus keep-alives, switches */
            for (unsigned i = 0; i < g_n_parts; i++) {
                if (g_parts[i])
                    participant_timers(g_parts[i], t);
            }
            next_timers = t + 2000;
        }
        if (pubs_seen != g_n_parts) { /* participants joined: list the publishers again */
            n_pubs = 0;
            for (unsigned i = 0; i < g_n_parts && n_pubs < PUBS_MAX; i++)
                if (g_parts[i] && g_parts[i]->publishes)
                    pubs[n_pubs++] = g_parts[i];
            pubs_seen = g_n_parts;
        }
        int64_t next_media = media_pass(pubs, n_pubs, now_us());
        int64_t wake_at = next_media < next_timers ? next_media : next_timers;
        int64_t wait_us = wake_at - now_us();
        struct timespec ts = {0, 0};
        if (wait_us > 0) {
            ts.tv_sec = wait_us / 1000000;
            ts.tv_nsec = (long)(wait_us % 1000000) * 1000;
        }
        int n = epoll_pwait2(g_epoll, evs, 256, &ts, NULL);
        for (int i = 0; i < n; i++) {
            int kind = *(int *)evs[i].data.ptr;
            if (kind == 1)
                on_ws(evs[i].data.ptr);
            else
                peer_on_readable(evs[i].data.ptr);
            /* between sockets, not only at the top of the loop: a receive turn over many
             * sockets would otherwise hold back every publisher that fell due meanwhile */
            if (next_media != INT64_MAX && now_us() >= next_media)
                next_media = media_pass(pubs, n_pubs, now_us());
        }
    }
}

static unsigned count_ready(bool pubs)
{
    unsigned n = 0;
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = g_parts[i];
        if (!pa)
            continue;
        if (pubs && pa->publishes && pub_ready(pa))
            n++;
        if (!pubs && pa->subscribes && pa->sub.state == PEER_READY && pa->sub.first_rtp_us)
            n++;
    }
    return n;
}

static bool pubs_ready(void)
{
    return count_ready(true) == cfg.pubs;
}

static unsigned n_subscribers(void)
{
    return cfg.subs + (cfg.pubs_subscribe ? cfg.pubs : 0);
}

static bool subs_ready(void)
{
    return count_ready(false) == n_subscribers();
}

static bool podium_on(void)
{
    return g_podium_on;
}

static bool switch_done(void)
{
    return !switch_pending_in_window();
}

static void join_throttled(unsigned from, unsigned to)
{
    for (unsigned i = from; i < to && !g_stop; i++) {
        join(g_parts[i]);
        run_loop(now_us() + (int64_t)(1e6 / cfg.join_rate), NULL);
    }
}

struct totals {
    uint64_t rx, rx_rtx, expected, unique, dups, reordered, streams;
};

static void totals(struct totals *t, uint64_t *ext_max_snap, uint64_t *recv_snap, bool snap)
{
    memset(t, 0, sizeof(*t));
    size_t k = 0;
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = g_parts[i];
        if (!pa || !pa->sub.kind)
            continue;
        struct peer *p = &pa->sub;
        t->rx += p->rx_rtp;
        t->rx_rtx += p->rx_rtx;
        for (unsigned s = 0; s < PEER_MAX_STREAMS; s++, k++) {
            struct rx_stream *st = s < p->n_streams ? &p->streams[s] : NULL;
            uint64_t em = st && st->started && !st->rtx ? st->ext_max : 0;
            uint64_t rc = st && !st->rtx ? st->received : 0;
            if (st && st->started && !st->rtx)
                t->streams++;
            if (snap) {
                ext_max_snap[k] = em;
                recv_snap[k] = rc;
            } else if (st && !st->rtx && st->started) {
                uint64_t em0 = ext_max_snap[k] ? ext_max_snap[k] : st->first - 1;
                t->expected += em - em0;
                t->unique += rc - recv_snap[k];
                t->dups += st->dups;
                t->reordered += st->reordered;
            }
        }
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ratsaal-load [--server ratsaal|janus] [--port N] [--room R] [--pubs P]\n"
            "  [--subs S] [--meeting] [--audio-only] [--join-rate R/s] [--warmup S] [--duration S]\n"
            "  [--decrypt-every N] [--loss FRACTION] [--nack] [--server-pid PID]\n"
            "  [--profile gcm|cm] [--ivf FILE] [--simulcast] [--switch-every-ms MS]\n"
            "  [--no-pace] [--label TEXT] [--verbose] [--podium] [--audience-layer 0|1|2]\n"
            "  [--receive-only] (subscribers only: another generator publishes)\n"
            "  Video is paced like a browser (2.5 x the bitrate); --no-pace sends each frame\n"
            "  in one burst.\n"
            "usage: ratsaal-load --soak ROOMS_FILE [--port N] [--server-pid PID]\n"
            "  [--participants N] [--media N] [--duration S] [--warmup S] [--csv FILE]\n"
            "  [--sample-s S] [--churn-s S] [--timeout-s S] [--seed N] [--audio-only] [--ivf FILE]\n"
            "  A meeting played for S seconds in every room of ROOMS_FILE (soak.c; bench/soak.sh\n"
            "  writes the file and runs it).\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", 1, 0, 's'},   {"port", 1, 0, 'p'},       {"room", 1, 0, 'r'},
        {"pubs", 1, 0, 'P'},     {"subs", 1, 0, 'S'},       {"meeting", 0, 0, 'm'},
        {"audio-only", 0, 0, 'a'}, {"join-rate", 1, 0, 'j'}, {"warmup", 1, 0, 'w'},
        {"duration", 1, 0, 'd'}, {"decrypt-every", 1, 0, 'e'}, {"loss", 1, 0, 'l'},
        {"nack", 0, 0, 'n'},     {"server-pid", 1, 0, 'k'}, {"profile", 1, 0, 'c'},
        {"ivf", 1, 0, 'i'},      {"label", 1, 0, 'L'},      {"verbose", 0, 0, 'v'},
        {"simulcast", 0, 0, 'M'}, {"switch-every-ms", 1, 0, 'W'}, {"help", 0, 0, 'h'},
        {"no-pace", 0, 0, 'N'},  {"podium", 0, 0, 'D'},  {"receive-only", 0, 0, 'O'},    {"audience-layer", 1, 0, 'A'},
        {"soak", 1, 0, 1000},    {"participants", 1, 0, 1001}, {"media", 1, 0, 1002},
        {"csv", 1, 0, 1003},     {"sample-s", 1, 0, 1004},  {"churn-s", 1, 0, 1005},
        {"timeout-s", 1, 0, 1006}, {"seed", 1, 0, 1007},
        {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 's': cfg.server = !strcmp(optarg, "janus") ? SERVER_JANUS : SERVER_RATSAAL; break;
        case 'p': cfg.port = (uint16_t)strtoul(optarg, NULL, 10); break;
        case 'r': cfg.room = optarg; break;
        case 'O': cfg.receive_only = true; break;
        case 'P': cfg.pubs = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'S': cfg.subs = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'm': cfg.pubs_subscribe = true; break;
        case 'a': cfg.video = false; break;
        case 'j': cfg.join_rate = strtod(optarg, NULL); break;
        case 'w': cfg.warmup_s = strtod(optarg, NULL); break;
        case 'd': cfg.duration_s = strtod(optarg, NULL); break;
        case 'e': cfg.decrypt_every = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'l': cfg.loss = strtod(optarg, NULL); break;
        case 'n': cfg.nack = true; break;
        case 'k': cfg.server_pid = (int)strtol(optarg, NULL, 10); break;
        case 'c': cfg.profile = !strcmp(optarg, "cm") ? RS_SRTP_AES128_CM_HMAC_SHA1_80
                                                      : RS_SRTP_AEAD_AES_128_GCM; break;
        case 'i': cfg.ivf_path = optarg; break;
        case 'L': cfg.label = optarg; break;
        case 'v': cfg.verbose++; break;
        case 'M': cfg.simulcast = true; break;
        case 'W': cfg.switch_every_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'N': cfg.no_pace = true; break;
        case 'D': cfg.podium = true; break;
        case 'A': cfg.audience_layer = (int)strtol(optarg, NULL, 10); break;
        case 1000: cfg.soak_rooms = optarg; break;
        case 1001: cfg.soak_participants = (unsigned)strtoul(optarg, NULL, 10); break;
        case 1002: cfg.soak_media = (unsigned)strtoul(optarg, NULL, 10); break;
        case 1003: cfg.soak_csv = optarg; break;
        case 1004: cfg.soak_sample_s = strtod(optarg, NULL); break;
        case 1005: cfg.soak_churn_s = strtod(optarg, NULL); break;
        case 1006: cfg.soak_timeout_s = strtod(optarg, NULL); break;
        case 1007: cfg.soak_seed = strtoull(optarg, NULL, 10); break;
        default: usage(); return 2;
        }
    }
    if (cfg.soak_rooms && (cfg.server != SERVER_RATSAAL || cfg.simulcast || cfg.podium ||
                           cfg.soak_participants == 0 || cfg.soak_sample_s <= 0 ||
                           cfg.soak_churn_s <= 0 || cfg.soak_timeout_s <= 0 ||
                           cfg.duration_s <= cfg.warmup_s)) {
        usage();
        return 2;
    }
    if (cfg.receive_only)
        cfg.pubs = 0;
    if (cfg.join_rate <= 0 || cfg.decrypt_every == 0 || (cfg.pubs == 0 && !cfg.receive_only) ||
        (cfg.podium && cfg.server != SERVER_RATSAAL) || cfg.audience_layer >= SIM_LAYERS ||
        (cfg.switch_every_ms && (!cfg.simulcast || !cfg.video))) {
        usage();
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    g_dtls = rs_dtls_ctx_new();
    enum rs_srtp_profile prof[1] = {cfg.profile};
    rs_dtls_ctx_set_srtp_profiles(g_dtls, prof, 1); /* the server can only pick this one */
    rs_dtls_ctx_set_initial_timeout(g_dtls, 200);
    static const char *const sim_files[SIM_LAYERS] = {
        "bench/data/sim_180p.ivf", "bench/data/sim_360p.ivf", "bench/data/sim_720p.ivf"};
    for (unsigned l = 0; cfg.video && l < (cfg.simulcast ? SIM_LAYERS : 1u); l++) {
        const char *path = cfg.simulcast ? sim_files[l] : cfg.ivf_path;
        if (ivf_load(&g_video[l], path)) {
            fprintf(stderr, "cannot load %s (run bench/setup.sh)\n", path);
            return 1;
        }
    }
    g_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (cfg.soak_rooms)
        return soak_main();
    g_n_parts = cfg.pubs + cfg.subs;
    g_parts = calloc(g_n_parts, sizeof(*g_parts));
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = calloc(1, sizeof(*pa));
        pa->kind = 1;
        pa->idx = i;
        pa->ws.fd = -1;
        pa->publishes = i < cfg.pubs;
        pa->subscribes = !pa->publishes || cfg.pubs_subscribe;
        switch_init(&pa->sw);
        g_parts[i] = pa;
    }
    lat_cap = 8u << 20;
    lat = malloc(lat_cap * sizeof(*lat));
    joins = malloc(g_n_parts * sizeof(*joins));

    struct proc_sample base, w0, w1;
    proc_read(cfg.server_pid, &base);
    int64_t t_start = now_us();

    /* Phase 1: publishers (podium: the first switches podium mode on before the others come,
     * so they join as audience and are called onto the stage). */
    if (cfg.podium) {
        join_throttled(0, 1);
        run_loop(now_us() + 5000000, podium_on);
        if (!g_podium_on) {
            fprintf(stderr, "podium mode did not come on\n");
            return 1;
        }
    }
    join_throttled(cfg.podium ? 1 : 0, cfg.pubs);
    run_loop(now_us() + 15000000, pubs_ready);
    if (cfg.server == SERVER_JANUS && cfg.pubs_subscribe)
        for (unsigned i = 0; i < cfg.pubs; i++)
            janus_subscribe(g_parts[i]);
    /* Phase 2: subscribers. */
    int64_t t_subs0 = now_us();
    join_throttled(cfg.pubs, g_n_parts);
    run_loop(now_us() + 20000000, subs_ready);
    int64_t t_joined = now_us();
    unsigned ready_pubs = count_ready(true), ready_subs = count_ready(false);

    /* Warm-up, then the steady window. */
    g_switching = true;
    run_loop(now_us() + (int64_t)(cfg.warmup_s * 1e6), NULL);
    size_t nsnap = (size_t)g_n_parts * PEER_MAX_STREAMS;
    uint64_t *snap_em = calloc(nsnap, 8), *snap_rc = calloc(nsnap, 8);
    struct totals t0, t1;
    totals(&t0, snap_em, snap_rc, true);
    /* the server's own view (Ratsaal): scraped outside the CPU window */
    struct srv_metrics m0, m1;
    if (cfg.server != SERVER_RATSAAL || scrape_metrics(cfg.host, cfg.port, &m0))
        memset(&m0, 0, sizeof(m0));
    proc_read(cfg.server_pid, &w0);
    double gen0 = self_cpu();
    int64_t tw0 = now_us();
    g_measuring = true;
    run_loop(tw0 + (int64_t)(cfg.duration_s * 1e6), NULL);
    g_measuring = false;
    int64_t tw1 = now_us();
    proc_read(cfg.server_pid, &w1);
    double gen1 = self_cpu();
    if (!m0.ok || scrape_metrics(cfg.host, cfg.port, &m1))
        memset(&m1, 0, sizeof(m1));
    totals(&t1, snap_em, snap_rc, false);
    /* Switches asked for in the window: subscribers keep switching meanwhile (not counted), as
     * other subscribers' requests are part of the conditions a pending switch meets. */
    run_loop(now_us() + 6000000, switch_done);
    struct switch_stats sw;
    switch_stats(&sw);

    double win = (double)(tw1 - tw0) / 1e6;
    uint64_t fwd = t1.rx - t0.rx;
    double cpu = w1.cpu_s - w0.cpu_s;
    uint64_t lost = t1.expected > t1.unique ? t1.expected - t1.unique : 0;
    /* joins: until the first packet; video joins: until the first video packet, and when the
     * last subscriber (not publisher) had video, from the start of the subscribers' joins */
    int64_t *vjoins = malloc(g_n_parts * sizeof(*vjoins));
    size_t vjoins_n = 0;
    int64_t last_video = 0;
    unsigned subs_video = 0;
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = g_parts[i];
        if (pa->sub.kind && pa->sub.first_rtp_us)
            joins[joins_n++] = pa->sub.first_rtp_us - pa->join_start_us;
        if (pa->sub.kind && pa->sub.first_video_us) {
            vjoins[vjoins_n++] = pa->sub.first_video_us - pa->join_start_us;
            if (!pa->publishes) {
                subs_video++;
                if (pa->sub.first_video_us > last_video)
                    last_video = pa->sub.first_video_us;
            }
        }
    }
    qsort(lat, lat_n, sizeof(*lat), cmp64);
    qsort(joins, joins_n, sizeof(*joins), cmp64);
    qsort(vjoins, vjoins_n, sizeof(*vjoins), cmp64);
    uint64_t pub_sent = 0, pub_drop = 0, nacks = 0, rtx = 0, plis = 0, skips = 0;
    uint64_t pacer_overflows = 0;
    uint64_t decrypt_fail = 0, key_req[SIM_LAYERS] = {0}, key_forced[SIM_LAYERS] = {0};
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = g_parts[i];
        for (unsigned l = 0; l < pa->pm.n_layers; l++) {
            key_req[l] += pa->pm.layers[l].key_requests;
            key_forced[l] += pa->pm.layers[l].keys_forced;
        }
        pub_sent += pa->pm.sent_audio + pa->pm.sent_video;
        pub_drop += pa->pm.dropped;
        nacks += pa->pm.nacks_in;
        rtx += pa->pm.rtx_sent;
        plis += pa->pm.plis_in + pa->pm.fir_in;
        decrypt_fail += pa->sub.decrypt_fail;
        skips += pa->pm.skips;
        pacer_overflows += pa->pm.pacer.overflows;
    }
    unsigned streams = (unsigned)t1.streams;
    printf("{\"server\":\"%s\",\"label\":\"%s\",\"pubs\":%u,\"subs\":%u,\"meeting\":%s,"
           "\"video\":%s,\"profile\":\"%s\",\"loss_injected\":%.3f,"
           "\"ready_pubs\":%u,\"ready_subs\":%u,\"sub_streams\":%u,\"join_s\":%.1f,"
           "\"window_s\":%.2f,\"fwd_pkts\":%llu,\"fwd_pps\":%.0f,\"rtx_rx\":%llu,"
           "\"server_cpu_s\":%.3f,\"server_cpu_pct\":%.1f,"
           "\"cpu_s_per_mpkt\":%.3f,\"pkts_per_cpu_s\":%.0f,\"cpu_ms_per_stream_s\":%.4f,"
           "\"loss_pct\":%.3f,\"dups\":%llu,\"reordered\":%llu,"
           "\"lat_samples\":%zu,\"lat_p50_us\":%.0f,\"lat_p99_us\":%.0f,\"lat_max_us\":%.0f,"
           "\"join_p50_ms\":%.1f,\"join_p99_ms\":%.1f,"
           "\"rss_base_kib\":%ld,\"rss_kib\":%ld,\"rss_kib_per_stream\":%.2f,"
           "\"gen_cpu_pct\":%.1f,\"decrypt_every\":%u,\"decrypt_fail\":%llu,"
           "\"pub_sent\":%llu,\"pub_dropped\":%llu,\"nacks_at_pub\":%llu,\"rtx_by_pub\":%llu,"
           "\"plis_at_pub\":%llu,\"pub_skips\":%llu,\"loop_max_ms\":%.1f,\"errors\":%llu,"
           "\"simulcast\":%s,\"switch_every_ms\":%u,\"switches_requested\":%llu,"
           "\"switches_completed\":%llu,\"switch_p50_ms\":%.1f,\"switch_p99_ms\":%.1f,"
           "\"switch_max_ms\":%.1f,\"key_requests_by_layer\":[%llu,%llu,%llu],"
           "\"keys_forced_by_layer\":[%llu,%llu,%llu],\"paced\":%s,\"pacer_overflows\":%llu,"
           "\"srv_delay_p50_us\":%.0f,\"srv_delay_p99_us\":%.0f,\"srv_delay_le1ms_pct\":%.2f,"
           "\"srv_pkts_per_udp_send\":%.2f,\"send_late_p50_us\":%.0f,\"send_late_p99_us\":%.0f,"
           "\"send_late_max_us\":%lld,\"server_kernel_pct\":%.1f,\"podium\":%s,"
           "\"audience_layer\":%d,\"subs_with_video\":%u,\"video_join_p50_ms\":%.1f,"
           "\"video_join_p99_ms\":%.1f,\"all_video_s\":%.2f,\"rss_kib_per_sub\":%.2f}\n",
           cfg.server == SERVER_JANUS ? "janus" : "ratsaal", cfg.label, cfg.pubs, cfg.subs,
           cfg.pubs_subscribe ? "true" : "false", cfg.video ? "true" : "false",
           cfg.profile == RS_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80",
           cfg.loss, ready_pubs, ready_subs, streams, (double)(t_joined - t_start) / 1e6, win,
           (unsigned long long)fwd, (double)fwd / win, (unsigned long long)(t1.rx_rtx - t0.rx_rtx),
           cpu, 100.0 * cpu / win, fwd ? cpu / ((double)fwd / 1e6) : -1,
           cpu > 0 ? (double)fwd / cpu : -1, streams ? 1000.0 * cpu / win / streams : -1,
           t1.expected ? 100.0 * (double)lost / (double)t1.expected : -1,
           (unsigned long long)t1.dups, (unsigned long long)t1.reordered, lat_n,
           pct(lat, lat_n, 0.5), pct(lat, lat_n, 0.99), lat_n ? (double)lat[lat_n - 1] : -1,
           pct(joins, joins_n, 0.5) / 1000, pct(joins, joins_n, 0.99) / 1000, base.rss_kib,
           w1.rss_kib, streams ? (double)(w1.rss_kib - base.rss_kib) / streams : -1,
           100.0 * (gen1 - gen0) / win, cfg.decrypt_every, (unsigned long long)decrypt_fail,
           (unsigned long long)pub_sent, (unsigned long long)pub_drop, (unsigned long long)nacks,
           (unsigned long long)rtx, (unsigned long long)plis, (unsigned long long)skips,
           (double)loop_max_gap_us / 1000, (unsigned long long)g_errors,
           cfg.simulcast ? "true" : "false", cfg.switch_every_ms,
           (unsigned long long)sw.requested, (unsigned long long)sw.completed, sw.p50_ms,
           sw.p99_ms, sw.max_ms, (unsigned long long)key_req[0], (unsigned long long)key_req[1],
           (unsigned long long)key_req[2], (unsigned long long)key_forced[0],
           (unsigned long long)key_forced[1], (unsigned long long)key_forced[2],
           cfg.video && !cfg.no_pace ? "true" : "false", (unsigned long long)pacer_overflows,
           scrape_delay_quantile(&m0, &m1, 0.5), scrape_delay_quantile(&m0, &m1, 0.99),
           scrape_delay_within(&m0, &m1, 1000),
           m1.ok && m1.udp_sends > m0.udp_sends
               ? (double)(m1.rtp_out - m0.rtp_out) / (double)(m1.udp_sends - m0.udp_sends)
               : -1,
           late_quantile(0.5), late_quantile(0.99), (long long)late_max,
           cpu > 0 ? 100.0 * (w1.sys_s - w0.sys_s) / cpu : -1, cfg.podium ? "true" : "false",
           cfg.audience_layer, subs_video, pct(vjoins, vjoins_n, 0.5) / 1000,
           pct(vjoins, vjoins_n, 0.99) / 1000,
           subs_video ? (double)(last_video - t_subs0) / 1e6 : -1,
           cfg.subs ? (double)(w1.rss_kib - base.rss_kib) / cfg.subs : -1);
    free(vjoins);
    fflush(stdout);
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct participant *pa = g_parts[i];
        if (pa->pub.kind)
            peer_close(&pa->pub);
        if (pa->sub.kind)
            peer_close(&pa->sub);
        if (pa->ws_open)
            ws_close(&pa->ws);
    }
    return ready_subs == n_subscribers() && ready_pubs == cfg.pubs ? 0 : 3;
}
