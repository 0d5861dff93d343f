/* The media plane as the control thread sees it: start/stop the worker, send it commands,
 * receive its events, and the facts the SDP needs (our fingerprint, candidate address).
 *
 * `struct rs_media` is owned by the control thread (app->media). The worker thread behind it
 * owns everything packet-related. Tests may create an rs_media without a worker
 * (rs_sfu_new_detached) and read the commands back with rs_sfu_take_cmd. */
#ifndef RS_SFU_SFU_H
#define RS_SFU_SFU_H

#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "sfu/command.h"

struct rs_http;
struct rs_worker;
struct rs_queue;

struct rs_media {
    struct rs_app *app;
    struct rs_worker *worker;     /* NULL when detached (tests) */
    struct rs_queue *cmds;        /* control → worker (struct rs_cmd) */
    struct rs_queue *events;      /* worker → control (struct rs_event) */
    char fingerprint[128];        /* our DTLS certificate, "AB:CD:..." (sha-256) */
    char candidate_ip[64];        /* announced in SDP */
    uint16_t port;                /* the UDP port */
    uint32_t next_tid;            /* transport ids: 1..RS_SFU_MAX_TRANSPORTS-1, recycled */
    uint8_t tid_used[RS_SFU_MAX_TRANSPORTS];
    uint32_t next_track_id, next_sub_id, next_owner;
    uint64_t cmds_dropped;
};

/* Starts the media plane on cfg.udp_port and sets app->media. Returns 0, or a negative errno
 * with a one-line reason in `err`. */
int rs_sfu_start(struct rs_app *app, struct rs_http *http, char *err, size_t errlen);
/* Stops the worker and frees media state. Safe when not started. */
void rs_sfu_stop(struct rs_app *app);

/* A media plane without a worker: commands queue up for rs_sfu_take_cmd (tests). */
struct rs_media *rs_sfu_new_detached(struct rs_app *app, const char *fingerprint,
                                     const char *ip, uint16_t port);
void rs_sfu_free_detached(struct rs_media *m);
/* Pops the oldest queued command into `out`. Returns 0, or -EAGAIN when none. */
int rs_sfu_take_cmd(struct rs_media *m, struct rs_cmd *out);
/* Test hook: deliver an event as if the worker had sent it. */
void rs_sfu_inject_event(struct rs_media *m, const struct rs_event *ev);

/* Queues a command for the worker (copied). Returns 0, or -EAGAIN when the queue is full
 * (counted; the caller reports an internal error to the client). */
int rs_sfu_send(struct rs_media *m, const struct rs_cmd *cmd);

/* Allocates a transport id, 0 when all are in use. rs_sfu_release_tid after TRANSPORT_REMOVE. */
uint32_t rs_sfu_alloc_tid(struct rs_media *m);
void rs_sfu_release_tid(struct rs_media *m, uint32_t tid);

/* Called on the control thread after a wake-up: drains worker events into
 * rs_media_handle_event (media_signaling.c). */
void rs_sfu_poll_events(struct rs_media *m);

#endif
