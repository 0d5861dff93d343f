/* SPDX-License-Identifier: EUPL-1.2 */
/* The soak's run (soak.c plays the meeting): the rooms file and the seats, then the phases —
 * the meeting for --duration seconds, settling (everyone back in, nothing in flight, every vote
 * closed, every subscriber's offer naming exactly the senders present), the audit (the server's
 * gauges, one more guest per room comparing the room as the server lists it with what every
 * seat believes, media still flowing, every vote's count against the ballots acknowledged),
 * and everyone leaving, after which the gauges must be zero. The server's RSS and gauges go
 * into the CSV every --sample-s seconds; the summary ends with one JSON line. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/procstat.h"
#include "scrape.h"
#include "soak.h"

static const char *const phase_names[] = {"run", "settle", "audit", "drain", "done"};

/* An audit finding: printed always (there are few), counted by the caller. */
static void finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void finding(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "soak audit: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* ---- set-up ---- */

static int read_rooms(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "soak: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    while (fgets(line, sizeof(line), f) && g_n_rooms < MAX_ROOMS) {
        struct room *rm = &g_rooms[g_n_rooms];
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%71s %255s %71s %71s", rm->id, rm->cookie, rm->invite,
                   rm->guest_invite) != 4) {
            fprintf(stderr, "soak: %s: expected 'meeting cookie invite guest_invite'\n", path);
            fclose(f);
            return -1;
        }
        rm->idx = g_n_rooms++;
    }
    fclose(f);
    if (!g_n_rooms || g_n_rooms > cfg.soak_participants) {
        fprintf(stderr, "soak: %u rooms for %u participants\n", g_n_rooms, cfg.soak_participants);
        return -1;
    }
    return 0;
}

/* Seats: room r gets P/R (+1 for the first P%R rooms): the chair, members "Mitglied 1" …, and
 * with four or more seats a guest last (bench/soak.sh puts the same names on the member
 * list); one auditor per room after all of them. */
static int make_seats(void)
{
    unsigned P = cfg.soak_participants, R = g_n_rooms;
    g_n_seats = P;
    g_n_parts = P + R;
    g_parts = calloc(g_n_parts, sizeof(*g_parts));
    g_seats = calloc(g_n_parts, sizeof(*g_seats));
    g_votes = calloc(MAX_VOTES, sizeof(*g_votes));
    if (!g_parts || !g_seats || !g_votes)
        return -ENOMEM;
    unsigned next = 0;
    for (unsigned r = 0; r < R; r++) {
        struct room *rm = &g_rooms[r];
        rm->n = P / R + (r < P % R);
        rm->seats = calloc(rm->n, sizeof(*rm->seats));
        if (!rm->seats)
            return -ENOMEM;
        for (unsigned k = 0; k < rm->n; k++, next++) {
            struct seat *s = &g_seats[next];
            rm->seats[k] = s;
            s->room = rm;
            s->role = k == 0                           ? ROLE_CHAIR
                      : (k == rm->n - 1 && rm->n >= 4) ? ROLE_GUEST
                                                       : ROLE_MEMBER;
            if (s->role == ROLE_CHAIR)
                snprintf(s->name, sizeof(s->name), "chair %u", r + 1);
            else if (s->role == ROLE_GUEST)
                snprintf(s->name, sizeof(s->name), "Gast %u", r + 1);
            else
                snprintf(s->name, sizeof(s->name), "Mitglied %u", k);
        }
    }
    for (unsigned r = 0; r < R; r++) {
        struct seat *s = &g_seats[P + r];
        s->room = &g_rooms[r];
        s->role = ROLE_AUDITOR;
        snprintf(s->name, sizeof(s->name), "Prüfung %u", r + 1);
        g_rooms[r].auditor = s;
    }
    int64_t now = now_us();
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct seat *s = &g_seats[i];
        struct participant *pa = calloc(1, sizeof(*pa));
        if (!pa)
            return -ENOMEM;
        pa->kind = 1;
        pa->idx = i;
        pa->ws.fd = -1;
        pa->pub.fd = pa->sub.fd = -1;
        unsigned k = 0;
        while (i < P && s->room->seats[k] != s)
            k++;
        /* everyone receives (a browser answers every subscribe offer); the first --media of a
         * room also send */
        pa->subscribes = i < P;
        pa->publishes = i < P && k < cfg.soak_media;
        switch_init(&pa->sw);
        g_parts[i] = pa;
        s->pa = pa;
        s->where = AWAY;
        s->back_us = now + (int64_t)i * 100000; /* everyone in within P/10 s, not at once */
    }
    for (unsigned r = 0; r < R; r++)
        g_rooms[r].next_vote_us = now + soak__us_between(8, 15);
    return 0;
}

/* ---- sampling ---- */

/* The server's RSS by kind of mapping (/proc/<pid>/smaps): the main heap (the control thread's
 * allocations, SQLite's page cache among them), anonymous mappings over 16 MiB (the media
 * workers' preallocated tables, which grow in RSS as their slots are first used) and the rest
 * (thread arenas, mmap()ed buffers, code and libraries). -1 each when unreadable. */
struct rss_split {
    long heap_kib, large_kib, other_kib;
};

struct sample {
    double t_s;
    enum phase phase;
    long rss_kib;
    struct rss_split split;
};
static struct sample *g_samples;
static size_t g_n_samples, g_cap_samples;
static FILE *g_csv;
static int64_t g_next_sample_us;

static const char *const gauge_names[] = {
    "ratsaal_participants", "ratsaal_rooms", "ratsaal_media_transports",
    "ratsaal_signaling_connections", "ratsaal_participants_reconnecting",
    /* the media workers' table entries: back to 0 when everyone left, or a worker leaks slots */
    "ratsaal_media_tracks", "ratsaal_media_subscriptions"};
enum {
    G_PARTICIPANTS,
    G_ROOMS,
    G_TRANSPORTS,
    G_CONNECTIONS,
    G_RECONNECTING,
    G_TRACKS,
    G_SUBSCRIPTIONS,
    N_GAUGES
};
#define N_AUDITED_GAUGES (G_RECONNECTING + 1) /* what audit_gauges knows to expect */

static long server_rss_kib(void)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", cfg.server_pid);
    FILE *f = cfg.server_pid > 0 ? fopen(path, "r") : NULL;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static struct rss_split server_rss_split(void)
{
    struct rss_split r = {-1, -1, -1};
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/smaps", cfg.server_pid);
    FILE *f = cfg.server_pid > 0 ? fopen(path, "r") : NULL;
    if (!f)
        return r;
    r.heap_kib = r.large_kib = r.other_kib = 0;
    bool heap = false, anon = false;
    long size_kib = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[8], name[256] = "";
        unsigned long long off;
        unsigned dev_a, dev_b;
        unsigned long inode;
        if (sscanf(line, "%lx-%lx %7s %llx %x:%x %lu %255s", &lo, &hi, perms, &off, &dev_a, &dev_b,
                   &inode, name) >= 7) {
            heap = !strcmp(name, "[heap]");
            anon = !name[0];
        } else if (!strncmp(line, "Size:", 5)) {
            size_kib = strtol(line + 5, NULL, 10);
        } else if (!strncmp(line, "Rss:", 4)) {
            long kib = strtol(line + 4, NULL, 10);
            if (heap)
                r.heap_kib += kib;
            else if (anon && size_kib > 16384)
                r.large_kib += kib;
            else
                r.other_kib += kib;
        }
    }
    fclose(f);
    return r;
}

static uint64_t total(enum req a, enum req b)
{
    uint64_t n = 0;
    for (unsigned k = a; k <= b; k++)
        n += st.done[k];
    return n;
}

static uint64_t exits_total(void)
{
    return st.exits[EXIT_LEAVE] + st.exits[EXIT_CLOSE] + st.exits[EXIT_DROP];
}

static uint64_t refusals_total(void)
{
    uint64_t n = 0;
    for (int k = 0; k < N_REQ; k++)
        n += st.refused[k];
    return n;
}

static void sample(void)
{
    double g[N_GAUGES];
    if (scrape_values(cfg.host, cfg.port, gauge_names, N_GAUGES, g))
        for (int i = 0; i < N_GAUGES; i++)
            g[i] = NAN;
    struct sample smp = {(double)(now_us() - g_t0) / 1e6, g_phase, server_rss_kib(),
                         server_rss_split()};
    if (g_n_samples == g_cap_samples) {
        size_t cap = g_cap_samples ? 2 * g_cap_samples : 256;
        struct sample *more = realloc(g_samples, cap * sizeof(*more));
        if (!more)
            return;
        g_samples = more;
        g_cap_samples = cap;
    }
    g_samples[g_n_samples++] = smp;
    if (!g_csv)
        return;
    fprintf(g_csv, "%.1f,%s,%ld,%ld,%ld,%ld", smp.t_s, phase_names[smp.phase], smp.rss_kib,
            smp.split.heap_kib, smp.split.large_kib, smp.split.other_kib);
    for (int i = 0; i < N_GAUGES; i++)
        fprintf(g_csv, isnan(g[i]) ? "," : ",%.0f", g[i]);
    fprintf(
        g_csv, ",%llu,%llu,%llu,%llu,%llu,%u,%llu,%llu,%llu\n", (unsigned long long)st.joins,
        (unsigned long long)exits_total(), (unsigned long long)total(REQ_CHAT, REQ_CHAT_PRIVATE),
        (unsigned long long)total(REQ_HAND_UP, REQ_HAND_DOWN),
        (unsigned long long)total(REQ_ASK, REQ_SETTINGS), g_n_votes, (unsigned long long)st.acks,
        (unsigned long long)refusals_total(), (unsigned long long)g_errors);
    fflush(g_csv);
}

/* ---- the loop's turns per phase ---- */

static int64_t g_last_tick_us;

static int64_t g_last_turn_us, g_max_gap_us; /* the generator's own stalls (run phase) */

static void turn(void)
{
    int64_t now = now_us();
    if (g_phase == PH_RUN && g_last_turn_us && now - g_last_turn_us > g_max_gap_us)
        g_max_gap_us = now - g_last_turn_us;
    g_last_turn_us = now;
    if (now - g_last_tick_us >= 10000) {
        g_last_tick_us = now;
        for (unsigned i = 0; i < g_n_parts; i++)
            soak__tick_seat(&g_seats[i], now);
    }
    if (now >= g_next_sample_us) {
        sample();
        g_next_sample_us = now + (int64_t)(cfg.soak_sample_s * 1e6);
    }
}

static bool turn_run(void)
{
    turn();
    return false;
}

/* The seat's media is as the room is now: its publication is up, and its last subscribe offer
 * names exactly the other senders present (and its subscribe transport is up if there are). */
static bool media_settled(const struct seat *s)
{
    struct participant *pa = s->pa;
    if (!pa->subscribes || s->where != PRESENT)
        return true;
    if (pa->publishes && pa->pub.state != PEER_READY)
        return false;
    unsigned expect = 0;
    for (unsigned i = 0; i < s->room->n; i++) {
        const struct seat *o = s->room->seats[i];
        if (o == s || !o->pa->publishes || o->where != PRESENT)
            continue;
        bool found = false;
        for (unsigned k = 0; k < s->n_offer; k++)
            found |= !strcmp(s->offer[k], o->pa->id);
        if (!found)
            return false;
        expect++;
    }
    return s->n_offer == expect && (!expect || pa->sub.state == PEER_READY);
}

static bool turn_settled(void)
{
    turn();
    for (unsigned i = 0; i < g_n_seats; i++) {
        const struct seat *s = &g_seats[i];
        if (s->where != PRESENT || s->req.kind || s->n_ballots || !media_settled(s))
            return false;
    }
    for (unsigned i = 0; i < g_n_votes; i++)
        if (!g_votes[i].closed)
            return false;
    return true;
}

static bool turn_quiet(void)
{
    turn();
    for (unsigned i = 0; i < g_n_parts; i++)
        if (g_seats[i].req.kind)
            return false;
    return true;
}

static bool turn_closed(void)
{
    turn();
    for (unsigned i = 0; i < g_n_parts; i++)
        if (g_seats[i].closing)
            return false;
    return true;
}

static bool turn_auditors_in(void)
{
    turn();
    for (unsigned r = 0; r < g_n_rooms; r++) {
        const struct seat *a = g_rooms[r].auditor;
        if (a->req.kind || (a->where != PRESENT && a->where != AWAY))
            return false;
    }
    return true;
}

/* ---- the audit ---- */

static struct seat *seat_by_id(struct room *rm, const char *id)
{
    for (unsigned i = 0; i < rm->n; i++)
        if (rm->seats[i]->where == PRESENT && !strcmp(rm->seats[i]->pa->id, id))
            return rm->seats[i];
    return NULL;
}

/* Everything the room's auditor was told in its `joined` against what every seat believes. */
static void audit_room(struct room *rm)
{
    struct seat *a = rm->auditor;
    if (a->where != PRESENT || !json_is_array(a->roster)) {
        finding("room %u: the auditor could not join", rm->idx);
        st.audit_problems++;
        return;
    }
    unsigned listed = 0;
    size_t i;
    json_t *p;
    json_array_foreach(a->roster, i, p)
    {
        const char *id = soak__str(p, "id"), *conn = soak__str(p, "connection");
        if (!id || !strcmp(id, a->pa->id))
            continue;
        struct seat *s = seat_by_id(rm, id);
        if (!s) {
            finding("room %u: the server lists %s (%s), who is not in the room", rm->idx, id,
                    soak__str(p, "display_name") ? soak__str(p, "display_name") : "?");
            st.stuck++;
            continue;
        }
        listed++;
        if (!conn || strcmp(conn, "connected")) {
            finding("room %u: %s is '%s'", rm->idx, s->name, conn ? conn : "?");
            st.stuck++;
        }
        if (json_is_true(json_object_get(p, "hand_raised")) != s->hand) {
            finding("room %u: %s's hand is %s at the server", rm->idx, s->name,
                    s->hand ? "down" : "up");
            st.stuck++;
        }
    }
    unsigned present = 0;
    for (unsigned k = 0; k < rm->n; k++)
        present += rm->seats[k]->where == PRESENT;
    if (listed != present || present != rm->n) {
        finding("room %u: %u seats, %u present, %u listed by the server", rm->idx, rm->n, present,
                listed);
        st.stuck += rm->n - (listed < rm->n ? listed : rm->n);
    }
    const char *speaker = soak__str(json_object_get(a->speakers, "speaker"), "id");
    for (unsigned k = 0; k < rm->n; k++) {
        struct seat *s = rm->seats[k];
        bool queued = false;
        json_array_foreach(json_object_get(a->speakers, "queue"), i, p)
        {
            const char *id = soak__str(p, "id");
            queued |= id && !strcmp(id, s->pa->id);
        }
        bool floor = speaker && !strcmp(speaker, s->pa->id);
        if (queued != s->queued || floor != s->floor) {
            finding("room %u: %s believes queued=%d floor=%d, the server says %d/%d", rm->idx,
                    s->name, s->queued, s->floor, queued, floor);
            st.stuck++;
        }
    }
}

static void audit_gauges(unsigned want_participants, unsigned want_rooms, unsigned want_transports,
                         unsigned want_connections, const char *when)
{
    double g[N_GAUGES];
    if (scrape_values(cfg.host, cfg.port, gauge_names, N_GAUGES, g)) {
        finding("%s: /metrics could not be read", when);
        st.audit_problems++;
        return;
    }
    const double want[N_AUDITED_GAUGES] = {want_participants, want_rooms, want_transports,
                                           want_connections, 0};
    for (int k = 0; k < N_AUDITED_GAUGES; k++)
        if (g[k] != want[k]) {
            finding("%s: %s is %.0f, expected %.0f", when, gauge_names[k], g[k], want[k]);
            st.audit_problems++;
        }
}

static void audit_media(void)
{
    for (unsigned i = 0; i < g_n_seats; i++) {
        struct seat *s = &g_seats[i];
        if (!s->pa->subscribes)
            continue;
        if (!media_settled(s)) {
            finding("room %u: %s's media did not settle (publish %d, subscribe %d, %u in offer)",
                    s->room->idx, s->name, s->pa->pub.state, s->pa->sub.state, s->n_offer);
            st.stuck_media++;
            continue;
        }
        uint64_t tx = s->pa->pm.sent_audio + s->pa->pm.sent_video;
        if (s->pa->publishes && tx == s->tx_mark) {
            finding("room %u: %s sent nothing for 3 s", s->room->idx, s->name);
            st.stuck_media++;
        }
        if (s->n_offer && s->pa->sub.rx_all == s->rx_mark) {
            finding("room %u: %s received no media for 3 s", s->room->idx, s->name);
            st.stuck_media++;
        }
    }
}

static void audit_votes(void)
{
    for (unsigned i = 0; i < g_n_votes; i++) {
        const struct vote *v = &g_votes[i];
        if (!v->closed) {
            finding("room %u: vote %s is still open", v->room->idx, v->id);
            st.vote_problems++;
        } else if (!strcmp(v->state, "closed") && (!v->has_result || v->ballots != v->acks)) {
            finding("room %u: vote %s counted %lld ballots, %u were acknowledged", v->room->idx,
                    v->id, v->ballots, v->acks);
            st.vote_problems++;
        } else if (strcmp(v->state, "closed")) {
            finding("room %u: vote %s ended '%s'", v->room->idx, v->id, v->state);
            st.vote_problems++;
        }
    }
}

/* ---- the summary ---- */

struct rss_fig {
    long warm, end, max, after_drain;
    struct rss_split warm_split, end_split;
    double slope_kib_min;
    unsigned n;
};

static struct rss_fig rss_figures(void)
{
    struct rss_fig f = {.warm = -1, .end = -1, .max = -1, .after_drain = -1};
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < g_n_samples; i++) {
        const struct sample *s = &g_samples[i];
        if (s->rss_kib < 0)
            continue;
        f.after_drain = s->rss_kib;
        if (s->phase != PH_RUN || s->t_s < cfg.warmup_s)
            continue;
        if (f.warm < 0) {
            f.warm = s->rss_kib;
            f.warm_split = s->split;
        }
        f.end = s->rss_kib;
        f.end_split = s->split;
        if (s->rss_kib > f.max)
            f.max = s->rss_kib;
        double x = s->t_s / 60, y = (double)s->rss_kib;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        f.n++;
    }
    if (f.n >= 2 && f.n * sxx - sx * sx > 0)
        f.slope_kib_min = (f.n * sxy - sx * sy) / (f.n * sxx - sx * sx);
    return f;
}

/* CPU seconds (user + system) of the server, or -1. */
static double server_cpu_s(void)
{
    char path[64];
    unsigned long long ut, stime;
    snprintf(path, sizeof(path), "/proc/%d/stat", cfg.server_pid);
    if (cfg.server_pid <= 0 || rs_procstat_read(path, &ut, &stime))
        return -1;
    return (double)(ut + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Over the run phase: the server's and the generator's CPU, in percent of one core. */
static double g_server_cpu_pct = -1, g_own_cpu_pct = -1;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of the requests' waits, in ms (-1 none). */
static double wait_ms(double q)
{
    if (!st.n_waits)
        return -1;
    size_t i = (size_t)(q * (double)(st.n_waits - 1));
    return (double)st.waits_us[i] / 1000;
}

static void summary(double run_s)
{
    qsort(st.waits_us, st.n_waits, sizeof(*st.waits_us), cmp_i64);
    struct rss_fig f = rss_figures();
    unsigned media = 0, timed = 0, closed = 0, by_deadline = 0;
    for (unsigned i = 0; i < g_n_seats; i++)
        media += g_seats[i].pa->publishes;
    for (unsigned i = 0; i < g_n_votes; i++) {
        timed += g_votes[i].timed;
        closed += g_votes[i].closed;
        by_deadline += !strcmp(g_votes[i].reason, "deadline");
    }
    uint64_t speakers = total(REQ_ASK, REQ_SETTINGS);
    printf("soak: %u participants in %u rooms (%u with media), %.0f s, warm-up %.0f s\n", g_n_seats,
           g_n_rooms, media, run_s, cfg.warmup_s);
    printf("server RSS after warm-up: start %ld KiB, end %ld KiB, max %ld KiB, slope %+.1f KiB/min "
           "(%u samples); after everyone left: %ld KiB\n",
           f.warm, f.end, f.max, f.slope_kib_min, f.n, f.after_drain);
    printf(
        "  of which the main heap %ld -> %ld KiB, the media workers' tables (anonymous maps over "
        "16 MiB) %ld -> %ld KiB, the rest %ld -> %ld KiB\n",
        f.warm_split.heap_kib, f.end_split.heap_kib, f.warm_split.large_kib, f.end_split.large_kib,
        f.warm_split.other_kib, f.end_split.other_kib);
    printf("CPU over the run: server %.1f %% of a core, load generator %.1f %% (its longest turn "
           "%.0f ms)\n",
           g_server_cpu_pct, g_own_cpu_pct, (double)g_max_gap_us / 1000);
    printf("answers: %zu requests answered, waited p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           st.n_waits, wait_ms(0.5), wait_ms(0.99), wait_ms(1));
    printf("done: %llu joins (%llu resumed), %llu leaves (%llu leave, %llu close, %llu drop), "
           "%llu chats, %llu hands, %llu speakers' list changes, %u votes (%u closed, %u by "
           "deadline), %llu ballots, %llu refusals\n",
           (unsigned long long)st.joins, (unsigned long long)st.resumes,
           (unsigned long long)exits_total(), (unsigned long long)st.exits[EXIT_LEAVE],
           (unsigned long long)st.exits[EXIT_CLOSE], (unsigned long long)st.exits[EXIT_DROP],
           (unsigned long long)total(REQ_CHAT, REQ_CHAT_PRIVATE),
           (unsigned long long)total(REQ_HAND_UP, REQ_HAND_DOWN), (unsigned long long)speakers,
           g_n_votes, closed, by_deadline, (unsigned long long)st.acks,
           (unsigned long long)refusals_total());
    printf("errors %llu (server errors %llu, timeouts %llu, effects not seen %llu, closed by the "
           "server %llu); stuck participants %u, stuck media %u, vote problems %u, audit "
           "problems %u, not drained %u\n",
           (unsigned long long)g_errors, (unsigned long long)st.server_errors,
           (unsigned long long)st.timeouts, (unsigned long long)st.no_effect,
           (unsigned long long)st.closed_by_server, st.stuck, st.stuck_media, st.vote_problems,
           st.audit_problems, st.not_drained);
    json_t *requests = json_object(), *refused = json_object();
    for (int k = 1; k < N_REQ; k++) {
        json_object_set_new(requests, soak__req_name(k), json_integer((json_int_t)st.done[k]));
        if (st.refused[k])
            json_object_set_new(refused, soak__req_name(k),
                                json_integer((json_int_t)st.refused[k]));
    }
    json_t *j = json_pack(
        "{s:i, s:i, s:i, s:f, s:f, s:{s:I, s:I, s:I, s:f, s:I, s:i}, s:I, s:I, s:{s:I, s:I, s:I}, "
        "s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:i, s:i, "
        "s:i, s:i, s:i}",
        "participants", g_n_seats, "rooms", g_n_rooms, "media_participants", media, "run_s", run_s,
        "warmup_s", cfg.warmup_s, "rss_kib", "warm_start", (json_int_t)f.warm, "end",
        (json_int_t)f.end, "max", (json_int_t)f.max, "slope_per_min", f.slope_kib_min,
        "after_drain", (json_int_t)f.after_drain, "samples", f.n, "joins", (json_int_t)st.joins,
        "resumes", (json_int_t)st.resumes, "leaves", "leave", (json_int_t)st.exits[EXIT_LEAVE],
        "close", (json_int_t)st.exits[EXIT_CLOSE], "drop", (json_int_t)st.exits[EXIT_DROP], "chats",
        (json_int_t)total(REQ_CHAT, REQ_CHAT_PRIVATE), "hands",
        (json_int_t)total(REQ_HAND_UP, REQ_HAND_DOWN), "speakers_changes", (json_int_t)speakers,
        "votes", g_n_votes, "votes_closed", closed, "votes_timed", timed, "votes_by_deadline",
        by_deadline, "ballots", (json_int_t)st.acks, "requests", requests, "refusals",
        (json_int_t)refusals_total(), "refused", refused, "errors", (json_int_t)g_errors,
        "server_errors", (json_int_t)st.server_errors, "timeouts", (json_int_t)st.timeouts,
        "effects_not_seen", (json_int_t)st.no_effect, "closed_by_server",
        (json_int_t)st.closed_by_server, "stuck_participants", st.stuck, "stuck_media",
        st.stuck_media, "vote_problems", st.vote_problems, "audit_problems", st.audit_problems,
        "not_drained", st.not_drained);
    if (j) {
        json_object_set_new(j, "server_cpu_pct", json_real(g_server_cpu_pct));
        json_object_set_new(j, "generator_longest_turn_ms", json_real((double)g_max_gap_us / 1000));
        json_object_set_new(j, "answer_ms",
                            json_pack("{s:f, s:f, s:f}", "p50", wait_ms(0.5), "p99", wait_ms(0.99),
                                      "max", wait_ms(1)));
        json_object_set_new(
            j, "rss_split_kib",
            json_pack("{s:[I,I], s:[I,I], s:[I,I]}", "heap", (json_int_t)f.warm_split.heap_kib,
                      (json_int_t)f.end_split.heap_kib, "large_maps",
                      (json_int_t)f.warm_split.large_kib, (json_int_t)f.end_split.large_kib,
                      "other", (json_int_t)f.warm_split.other_kib,
                      (json_int_t)f.end_split.other_kib));
        json_object_set_new(j, "generator_cpu_pct", json_real(g_own_cpu_pct));
    }
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(j);
    fflush(stdout);
}

/* ---- the run ---- */

int soak_main(void)
{
    soak__seed(cfg.soak_seed);
    if (read_rooms(cfg.soak_rooms) || make_seats())
        return 2;
    if (cfg.soak_csv) {
        g_csv = fopen(cfg.soak_csv, "w");
        if (!g_csv) {
            fprintf(stderr, "soak: cannot write %s: %s\n", cfg.soak_csv, strerror(errno));
            return 2;
        }
        fprintf(g_csv, "t_s,phase,rss_kib,heap_kib,large_maps_kib,other_kib,participants,rooms,"
                       "media_transports,signaling_connections,reconnecting,media_tracks,"
                       "media_subscriptions,joins,leaves,chats,hands,speakers_changes,votes,"
                       "ballots,refusals,errors\n");
    }
    g_t0 = now_us();
    fprintf(stderr, "soak: %u participants in %u rooms for %.0f s\n", g_n_seats, g_n_rooms,
            cfg.duration_s);

    g_phase = PH_RUN;
    double cpu0 = server_cpu_s(), own0 = own_cpu_s();
    run_loop(g_t0 + (int64_t)(cfg.duration_s * 1e6), turn_run);
    double run_s = (double)(now_us() - g_t0) / 1e6, cpu1 = server_cpu_s();
    if (cpu0 >= 0 && cpu1 >= 0)
        g_server_cpu_pct = 100 * (cpu1 - cpu0) / run_s;
    g_own_cpu_pct = 100 * (own_cpu_s() - own0) / run_s;

    /* everyone back in, nothing in flight, every vote closed, media renegotiated */
    g_phase = PH_SETTLE;
    sample();
    run_loop(now_us() + 60000000, turn_settled);
    for (unsigned i = 0; i < g_n_seats; i++) {
        struct seat *s = &g_seats[i];
        if (s->where != PRESENT || s->req.kind) {
            finding("room %u: %s did not settle (state %d, request %s)", s->room->idx, s->name,
                    s->where, s->req.kind ? soak__req_name(s->req.kind) : "none");
            st.stuck++;
        }
    }
    /* the barrier: every seat's last events have arrived */
    g_phase = PH_AUDIT;
    for (unsigned i = 0; i < g_n_seats; i++)
        if (g_seats[i].where == PRESENT && !g_seats[i].req.kind)
            soak__request(&g_seats[i], REQ_PING, soak__action("control", "ping"));
    run_loop(now_us() + (int64_t)(cfg.soak_timeout_s * 1e6) + 1000000, turn_quiet);

    unsigned transports = 0, connections = 0, present = 0;
    for (unsigned i = 0; i < g_n_seats; i++) {
        struct participant *pa = g_seats[i].pa;
        transports += (pa->pub.kind && pa->pub.state == PEER_READY) +
                      (pa->sub.kind && pa->sub.state == PEER_READY);
        connections += g_seats[i].ws_up;
        present += g_seats[i].where == PRESENT;
        g_seats[i].rx_mark = pa->sub.rx_all;
        g_seats[i].tx_mark = pa->pm.sent_audio + pa->pm.sent_video;
    }
    audit_gauges(present, g_n_rooms, transports, connections, "after settling");
    for (unsigned r = 0; r < g_n_rooms; r++)
        soak__come_back(g_rooms[r].auditor);
    run_loop(now_us() + 3000000, NULL); /* media flows meanwhile */
    run_loop(now_us() + (int64_t)(cfg.soak_timeout_s * 1e6), turn_auditors_in);
    audit_media();
    for (unsigned r = 0; r < g_n_rooms; r++)
        audit_room(&g_rooms[r]);
    audit_votes();

    /* everyone leaves: half with control/leave first, half by closing the socket */
    g_phase = PH_DRAIN;
    for (unsigned i = 0; i < g_n_parts; i++) {
        struct seat *s = &g_seats[i];
        if (!s->ws_up || s->closing)
            continue;
        if (i % 2 && s->where == PRESENT)
            soak__send(s, soak__action("control", "leave"));
        soak__media_reset(s);
        soak__begin_close(s);
        s->where = AWAY;
    }
    run_loop(now_us() + 6000000, turn_closed);
    double g[N_GAUGES] = {0};
    int64_t until = now_us() + 20000000;
    while (!g_stop && now_us() < until) {
        run_loop(now_us() + 500000, NULL);
        if (!scrape_values(cfg.host, cfg.port, gauge_names, N_GAUGES, g) && !g[G_PARTICIPANTS] &&
            !g[G_ROOMS] && !g[G_TRANSPORTS] && !g[G_CONNECTIONS] && !g[G_RECONNECTING] && !g[G_TRACKS] &&
            !g[G_SUBSCRIPTIONS])
            break;
    }
    for (int k = 0; k < N_GAUGES; k++)
        if (g[k] != 0) {
            finding("after everyone left: %s is %.0f", gauge_names[k], g[k]);
            st.not_drained++;
        }
    run_loop(now_us() + 2000000, NULL); /* the server trims its heap when things settle */
    g_phase = PH_DONE;
    sample();
    if (g_csv)
        fclose(g_csv);
    summary(run_s);
    for (unsigned i = 0; i < g_n_parts; i++) {
        json_decref(g_seats[i].roster);
        json_decref(g_seats[i].speakers);
    }
    bool clean = !g_stop && !g_errors && !st.stuck && !st.stuck_media && !st.vote_problems &&
                 !st.audit_problems && !st.not_drained;
    return clean ? 0 : 1;
}
