/* SPDX-License-Identifier: EUPL-1.2 */
/* Media plane lifecycle and the control thread's side of the command/event queues. */
#include "sfu/cascade.h"
#include "sfu/sfu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "room/room.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"
#include "sfu/media_signaling.h"
#include "sfu/recording_feed.h"
#include "sfu/relay.h"
#include "sfu/worker.h"

#define CMD_QUEUE_CAP 8192
#define EVENT_QUEUE_CAP 8192

static void wake_control(void *wakeup)
{
    rs_wakeup_wake(wakeup);
}

static void on_control_wake(void *arg)
{
    rs_sfu_poll_events(arg);
}

_Static_assert(RS_SFU_MAX_WORKERS <= RS_MW_MAX, "per-worker metrics for every worker");
_Static_assert(RS_SFU_MAX_WORKERS < 256, "tid_used holds 1 + the worker in a byte");

/* The room reaches the media plane through the `media` feature's hooks (media_signaling.h). */
static void attach_feature(struct rs_app *app)
{
    if (app->rooms) {
        /* the cascade first: a mirror's tracks end before the media feature forgets it */
        rs_features_add(rs_rooms_features(app->rooms), &rs_cascade_feature); /* -EEXIST: again */
        rs_features_add(rs_rooms_features(app->rooms), &rs_media_feature);
        rs_rooms_set_edge_forward(app->rooms, rs_cascade_edge_forward);
    }
    rs_recording_set_feed_ops(&rs_sfu_recording_feed_ops); /* recordings get media feeds */
}

static void media_free(struct rs_media *m)
{
    if (!m)
        return;
    for (unsigned k = 0; k < RS_SFU_MAX_WORKERS; k++) {
        rs_queue_free(m->cmds[k]);
        rs_queue_free(m->events[k]);
    }
    rs_dtls_ctx_free(m->dtls);
    free(m);
}

static struct rs_media *media_new(struct rs_app *app, unsigned n_workers, uint16_t port)
{
    if (n_workers < 1 || n_workers > RS_SFU_MAX_WORKERS)
        return NULL;
    struct rs_media *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->app = app;
    m->n_workers = n_workers;
    for (unsigned k = 0; k < n_workers; k++) {
        m->cmds[k] = rs_queue_new(sizeof(struct rs_cmd), CMD_QUEUE_CAP, 1);
        m->events[k] = rs_queue_new(sizeof(struct rs_event), EVENT_QUEUE_CAP, 0);
        m->port[k] = (uint16_t)(port + k);
        if (!m->cmds[k] || !m->events[k]) {
            media_free(m);
            return NULL;
        }
    }
    m->next_track_id = 1;
    m->next_sub_id = 1;
    m->next_owner = 1;
    return m;
}

static void stop_workers(struct rs_media *m)
{
    for (unsigned k = 0; k < m->n_workers; k++) {
        if (m->worker[k])
            rs_worker_stop(m->worker[k]);
        m->worker[k] = NULL;
    }
    rs_relay_mesh_free(m->relay); /* after every worker that used it */
    m->relay = NULL;
}


/* The address the media sockets bind to. With a wildcard `listen` and a `public_ip` that is one of
 * this host's addresses, that address: a socket bound to the wildcard answers from whatever address
 * the route to the browser has, and on a host with several interfaces that is not always the one
 * in our candidate, so ICE ignores the answers and the call never connects. A public_ip that is not
 * local (the host is behind NAT) leaves the wildcard. */
static const char *media_bind_ip(const struct rs_config *cfg)
{
    const char *l = cfg->listen_addr;
    bool wildcard = strcmp(l, "*") == 0 || strcmp(l, "0.0.0.0") == 0 || strcmp(l, "::") == 0;
    if (!wildcard)
        return l;
    const char *any = strcmp(l, "*") == 0 ? NULL : l;
    if (!cfg->public_ip[0])
        return any;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    struct sockaddr *sa = (struct sockaddr *)&sin;
    socklen_t len = sizeof(sin);
    if (inet_pton(AF_INET, cfg->public_ip, &sin.sin_addr) != 1) {
        if (inet_pton(AF_INET6, cfg->public_ip, &sin6.sin6_addr) != 1)
            return any;
        sa = (struct sockaddr *)&sin6;
        len = sizeof(sin6);
    }
    int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return any;
    bool local = bind(fd, sa, len) == 0;
    close(fd);
    return local ? cfg->public_ip : any;
}

int rs_sfu_start(struct rs_app *app, char *err, size_t errlen)
{
    app->media = NULL;
    if (rs_srtp_global_init()) {
        snprintf(err, errlen, "libsrtp2 could not be initialised");
        return -EIO;
    }
    struct rs_dtls_ctx *dtls = rs_dtls_ctx_new();
    if (!dtls) {
        snprintf(err, errlen, "could not create the DTLS certificate");
        return -EIO;
    }
    const struct rs_config *cfg = &app->cfg;
    unsigned n = rs_config_media_workers(cfg);
    struct rs_media *m = media_new(app, n, cfg->udp_port);
    if (!m) {
        rs_dtls_ctx_free(dtls);
        return -ENOMEM;
    }
    m->dtls = dtls; /* freed with m */
    /* "sha-256 AB:CD:..." → the hex part for SDP builders */
    const char *fp = rs_dtls_ctx_fingerprint(dtls);
    const char *sp = strchr(fp, ' ');
    snprintf(m->fingerprint, sizeof(m->fingerprint), "%s", sp ? sp + 1 : fp);
    const char *ip = cfg->public_ip[0] ? cfg->public_ip : cfg->listen_addr;
    snprintf(m->candidate_ip, sizeof(m->candidate_ip), "%s", ip);
    /* ICE-TCP: on each worker's UDP port number, or one port (config: then one worker); a
     * dedicated ice_tcp_listen address is also the one announced */
    for (unsigned k = 0; k < n && !cfg->ice_tcp_off; k++)
        m->tcp_port[k] = cfg->ice_tcp_port ? cfg->ice_tcp_port : m->port[k];
    snprintf(m->tcp_candidate_ip, sizeof(m->tcp_candidate_ip), "%s",
             cfg->ice_tcp_listen[0] && strcmp(cfg->ice_tcp_listen, "0.0.0.0") != 0 &&
                     strcmp(cfg->ice_tcp_listen, "::") != 0
                 ? cfg->ice_tcp_listen
                 : "");

    if (n > 1 && !(m->relay = rs_relay_mesh_new(n))) {
        media_free(m);
        snprintf(err, errlen, "media workers: out of memory or eventfds for the relay rings");
        return -ENOMEM;
    }
    const char *bind_ip = media_bind_ip(cfg);
    for (unsigned k = 0; k < n; k++) {
        struct rs_worker_config wc = {
            .port = m->port[k],
            .bind_ip = bind_ip,
            .dtls = dtls,
            .cmds = m->cmds[k],
            .events = m->events[k],
            .wake = wake_control,
            .wake_arg = &app->wakeup,
            .no_udp_gso = cfg->udp_gso_off,
            .index = k,
            .relay = m->relay,
            .tcp_port = m->tcp_port[k],
            .tcp_bind_ip = cfg->ice_tcp_listen[0] ? cfg->ice_tcp_listen : NULL,
            .tcp_optional = cfg->ice_tcp_port == 0, /* a port the operator named must work */
        };
        int rc = rs_worker_start(&wc, &m->worker[k], err, errlen);
        if (rc) {
            stop_workers(m);
            media_free(m);
            return rc;
        }
        m->tcp_port[k] = rs_worker_tcp_port(m->worker[k]); /* 0 when its port was taken */
    }
    rs_wakeup_add(&app->wakeup, on_control_wake, m);
    app->media = m;
    attach_feature(app);
    rs_metric_set(RS_M_MEDIA_WORKERS, n);
    RS_INFO("sfu", "event=media_started workers=%u udp_ports=%u-%u tcp_ports=%u-%u candidate=%s",
            n, m->port[0], m->port[n - 1], m->tcp_port[0], m->tcp_port[n - 1], m->candidate_ip);
    return 0;
}

void rs_sfu_stop(struct rs_app *app)
{
    struct rs_media *m = app->media;
    if (!m)
        return;
    stop_workers(m);
    rs_wakeup_remove(&app->wakeup, on_control_wake, m);
    media_free(m);
    app->media = NULL;
}

struct rs_media *rs_sfu_new_detached(struct rs_app *app, const char *fingerprint, const char *ip,
                                     uint16_t port, unsigned n_workers)
{
    struct rs_media *m = media_new(app, n_workers, port);
    if (!m)
        return NULL;
    snprintf(m->fingerprint, sizeof(m->fingerprint), "%s", fingerprint);
    snprintf(m->candidate_ip, sizeof(m->candidate_ip), "%s", ip);
    attach_feature(app);
    return m;
}

void rs_sfu_free_detached(struct rs_media *m)
{
    media_free(m);
}

int rs_sfu_take_cmd_from(struct rs_media *m, struct rs_cmd *out, unsigned *wk)
{
    for (unsigned k = 0; k < m->n_workers; k++) {
        if (rs_queue_pop(m->cmds[k], out) == 0) {
            if (wk)
                *wk = k;
            return 0;
        }
    }
    return -EAGAIN;
}

int rs_sfu_take_cmd(struct rs_media *m, struct rs_cmd *out)
{
    return rs_sfu_take_cmd_from(m, out, NULL);
}

void rs_sfu_inject_event(struct rs_media *m, const struct rs_event *ev)
{
    rs_media_handle_event(m, ev);
}

int rs_sfu_send(struct rs_media *m, unsigned wk, const struct rs_cmd *cmd)
{
    if (wk >= m->n_workers) { /* a caller's bug: say so rather than feed the wrong worker */
        m->cmds_dropped++;
        RS_ERROR("sfu", "event=command_bad_worker type=%d worker=%u", cmd->type, wk);
        return -EINVAL;
    }
    int rc = rs_queue_push(m->cmds[wk], cmd);
    if (rc) {
        m->cmds_dropped++;
        RS_ERROR("sfu", "event=command_queue_full type=%d worker=%u", cmd->type, wk);
    }
    return rc;
}

unsigned rs_sfu_place_room(struct rs_media *m)
{
    unsigned best = 0;
    for (unsigned k = 1; k < m->n_workers; k++)
        if (m->transports[k] < m->transports[best] ||
            (m->transports[k] == m->transports[best] && m->rooms[k] < m->rooms[best]))
            best = k;
    m->rooms[best]++;
    rs_metric_set_worker(RS_MW_ROOMS, best, m->rooms[best]);
    return best;
}

void rs_sfu_room_gone(struct rs_media *m, unsigned wk)
{
    if (wk < m->n_workers && m->rooms[wk] > 0) {
        m->rooms[wk]--;
        rs_metric_set_worker(RS_MW_ROOMS, wk, m->rooms[wk]);
    }
}

uint32_t rs_sfu_alloc_tid(struct rs_media *m, unsigned wk)
{
    if (wk >= m->n_workers)
        return 0;
    int64_t now = rs_mono_ms();
    uint32_t tid = 0; /* the free id released longest ago, when none is out of quarantine */
    for (uint32_t i = 1; i < RS_SFU_MAX_TRANSPORTS; i++) {
        if (m->tid_used[i])
            continue;
        if (m->tid_released_ms[i] == 0 || now - m->tid_released_ms[i] >= RS_SFU_TID_QUARANTINE_MS) {
            tid = i;
            break;
        }
        if (!tid || m->tid_released_ms[i] < m->tid_released_ms[tid])
            tid = i;
    }
    if (!tid)
        return 0;
    m->tid_used[tid] = (uint8_t)(1 + wk);
    m->transports[wk]++;
    rs_metric_set_worker(RS_MW_TRANSPORTS, wk, m->transports[wk]);
    return tid;
}

void rs_sfu_release_tid(struct rs_media *m, uint32_t tid)
{
    if (tid == 0 || tid >= RS_SFU_MAX_TRANSPORTS || !m->tid_used[tid])
        return;
    unsigned wk = m->tid_used[tid] - 1u;
    m->tid_used[tid] = 0;
    m->tid_released_ms[tid] = rs_mono_ms();
    if (m->transports[wk] > 0)
        m->transports[wk]--;
    rs_metric_set_worker(RS_MW_TRANSPORTS, wk, m->transports[wk]);
}

unsigned rs_sfu_worker_of(const struct rs_media *m, uint32_t tid)
{
    if (tid == 0 || tid >= RS_SFU_MAX_TRANSPORTS || !m->tid_used[tid])
        return 0;
    return m->tid_used[tid] - 1u;
}

uint16_t rs_sfu_port_of(const struct rs_media *m, uint32_t tid)
{
    return m->port[rs_sfu_worker_of(m, tid)];
}

uint16_t rs_sfu_tcp_port_of(const struct rs_media *m, uint32_t tid)
{
    return m->tcp_port[rs_sfu_worker_of(m, tid)];
}

void rs_sfu_poll_events(struct rs_media *m)
{
    struct rs_event ev;
    for (unsigned k = 0; k < m->n_workers; k++)
        for (int i = 0; i < 4096 && rs_queue_pop(m->events[k], &ev) == 0; i++)
            rs_media_handle_event(m, &ev);
}
