/* Media plane lifecycle and the control thread's side of the command/event queues. */
#include "sfu/sfu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/server.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"
#include "sfu/media_signaling.h"
#include "sfu/queue.h"
#include "sfu/worker.h"

#define CMD_QUEUE_CAP 8192
#define EVENT_QUEUE_CAP 8192

static struct rs_dtls_ctx *g_dtls;
static struct rs_http *g_http;

static void wake_control(void *arg)
{
    if (g_http)
        rs_http_wake(g_http);
}

static void on_control_wake(void *arg)
{
    rs_sfu_poll_events(arg);
}

static struct rs_media *media_new(struct rs_app *app)
{
    struct rs_media *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->app = app;
    m->cmds = rs_queue_new(sizeof(struct rs_cmd), CMD_QUEUE_CAP, 1);
    m->events = rs_queue_new(sizeof(struct rs_event), EVENT_QUEUE_CAP, 0);
    if (!m->cmds || !m->events) {
        rs_queue_free(m->cmds);
        rs_queue_free(m->events);
        free(m);
        return NULL;
    }
    m->next_tid = 1;
    m->next_track_id = 1;
    m->next_sub_id = 1;
    m->next_owner = 1;
    return m;
}

static void media_free(struct rs_media *m)
{
    if (!m)
        return;
    rs_queue_free(m->cmds);
    rs_queue_free(m->events);
    free(m);
}

int rs_sfu_start(struct rs_app *app, struct rs_http *http, char *err, size_t errlen)
{
    app->media = NULL;
    if (rs_srtp_global_init()) {
        snprintf(err, errlen, "libsrtp2 could not be initialised");
        return -EIO;
    }
    g_dtls = rs_dtls_ctx_new();
    if (!g_dtls) {
        snprintf(err, errlen, "could not create the DTLS certificate");
        return -EIO;
    }
    struct rs_media *m = media_new(app);
    if (!m) {
        rs_dtls_ctx_free(g_dtls);
        g_dtls = NULL;
        return -ENOMEM;
    }
    /* "sha-256 AB:CD:..." → the hex part for SDP builders */
    const char *fp = rs_dtls_ctx_fingerprint(g_dtls);
    const char *sp = strchr(fp, ' ');
    snprintf(m->fingerprint, sizeof(m->fingerprint), "%s", sp ? sp + 1 : fp);
    const struct rs_config *cfg = &app->cfg;
    const char *ip = cfg->public_ip[0] ? cfg->public_ip : cfg->listen_addr;
    snprintf(m->candidate_ip, sizeof(m->candidate_ip), "%s", ip);
    m->port = cfg->udp_port;

    struct rs_worker_config wc = {
        .port = cfg->udp_port,
        .bind_ip = strcmp(cfg->listen_addr, "*") == 0 ? NULL : cfg->listen_addr,
        .dtls = g_dtls,
        .cmds = m->cmds,
        .events = m->events,
        .wake = wake_control,
        .wake_arg = NULL,
        .no_udp_gso = cfg->udp_gso_off,
    };
    int rc = rs_worker_start(&wc, &m->worker, err, errlen);
    if (rc) {
        media_free(m);
        rs_dtls_ctx_free(g_dtls);
        g_dtls = NULL;
        return rc;
    }
    g_http = http;
    rs_http_set_wake_handler(http, on_control_wake, m);
    app->media = m;
    RS_INFO("sfu", "event=media_started udp_port=%u candidate=%s", m->port, m->candidate_ip);
    return 0;
}

void rs_sfu_stop(struct rs_app *app)
{
    struct rs_media *m = app->media;
    if (!m)
        return;
    if (m->worker)
        rs_worker_stop(m->worker);
    if (g_http)
        rs_http_set_wake_handler(g_http, NULL, NULL);
    g_http = NULL;
    media_free(m);
    app->media = NULL;
    rs_dtls_ctx_free(g_dtls);
    g_dtls = NULL;
}

struct rs_media *rs_sfu_new_detached(struct rs_app *app, const char *fingerprint, const char *ip,
                                     uint16_t port)
{
    struct rs_media *m = media_new(app);
    if (!m)
        return NULL;
    snprintf(m->fingerprint, sizeof(m->fingerprint), "%s", fingerprint);
    snprintf(m->candidate_ip, sizeof(m->candidate_ip), "%s", ip);
    m->port = port;
    return m;
}

void rs_sfu_free_detached(struct rs_media *m)
{
    media_free(m);
}

int rs_sfu_take_cmd(struct rs_media *m, struct rs_cmd *out)
{
    return rs_queue_pop(m->cmds, out);
}

void rs_sfu_inject_event(struct rs_media *m, const struct rs_event *ev)
{
    rs_media_handle_event(m, ev);
}

int rs_sfu_send(struct rs_media *m, const struct rs_cmd *cmd)
{
    int rc = rs_queue_push(m->cmds, cmd);
    if (rc) {
        m->cmds_dropped++;
        RS_ERROR("sfu", "event=command_queue_full type=%d", cmd->type);
    }
    return rc;
}

uint32_t rs_sfu_alloc_tid(struct rs_media *m)
{
    for (unsigned i = 0; i < RS_SFU_MAX_TRANSPORTS - 1; i++) {
        uint32_t tid = m->next_tid;
        m->next_tid = m->next_tid + 1 >= RS_SFU_MAX_TRANSPORTS ? 1 : m->next_tid + 1;
        if (!m->tid_used[tid]) {
            m->tid_used[tid] = 1;
            return tid;
        }
    }
    return 0;
}

void rs_sfu_release_tid(struct rs_media *m, uint32_t tid)
{
    if (tid > 0 && tid < RS_SFU_MAX_TRANSPORTS)
        m->tid_used[tid] = 0;
}

void rs_sfu_poll_events(struct rs_media *m)
{
    struct rs_event ev;
    for (int i = 0; i < 4096 && rs_queue_pop(m->events, &ev) == 0; i++)
        rs_media_handle_event(m, &ev);
}
