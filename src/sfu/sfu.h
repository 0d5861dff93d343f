/* SPDX-License-Identifier: EUPL-1.2 */
/* The media plane as the control thread sees it: start/stop the workers, send them commands,
 * receive their events, and the facts the SDP needs (our fingerprint, candidate address, each
 * worker's UDP port).
 *
 * `struct rs_media` is owned by the control thread (app->media). Each worker thread behind it
 * owns its own UDP socket (port udp_port + k) and everything packet-related of the transports
 * placed on it. A room lives on one worker: all its participants' transports are placed there,
 * so a room's forwarding stays on one thread (except a room above spread_rooms_above, whose
 * publishers' worker relays to copies on the others through rings, relay.h); new rooms go to
 * the worker with the fewest transports.
 * Tests may create an rs_media without workers (rs_sfu_new_detached) and read the commands
 * back with rs_sfu_take_cmd. */
#ifndef RS_SFU_SFU_H
#define RS_SFU_SFU_H

#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "sfu/command.h"

struct rs_worker;
struct rs_queue;
struct rs_relay_mesh;
struct rs_dtls_ctx;

#define RS_SFU_MAX_WORKERS RS_CONFIG_MEDIA_WORKERS_MAX
#define RS_SFU_OWNER_BUCKETS 256

struct pmedia;

struct rs_media {
    struct rs_app *app;
    unsigned n_workers;                           /* ≥ 1 */
    struct rs_worker *worker[RS_SFU_MAX_WORKERS]; /* NULL when detached (tests) */
    struct rs_queue *cmds[RS_SFU_MAX_WORKERS];    /* control → worker k (struct rs_cmd) */
    struct rs_queue *events[RS_SFU_MAX_WORKERS];  /* worker k → control (struct rs_event) */
    uint16_t port[RS_SFU_MAX_WORKERS];            /* worker k's UDP port */
    uint16_t tcp_port[RS_SFU_MAX_WORKERS];        /* worker k's ICE-TCP port, 0: none */
    unsigned transports[RS_SFU_MAX_WORKERS];      /* live transports per worker */
    unsigned rooms[RS_SFU_MAX_WORKERS];           /* rooms placed per worker */
    struct rs_relay_mesh *relay;                  /* rings between workers (n_workers > 1) */
    struct rs_dtls_ctx *dtls;                     /* our certificate, shared by the workers */
    char fingerprint[128];        /* our DTLS certificate, "AB:CD:..." (sha-256) */
    char candidate_ip[64];        /* announced in SDP */
    char tcp_candidate_ip[64];    /* announced for ICE-TCP; empty: candidate_ip */
    uint8_t tid_used[RS_SFU_MAX_TRANSPORTS]; /* 0 free, else 1 + the worker it is on */
    /* transport ids 1..RS_SFU_MAX_TRANSPORTS-1: when each was last released (rs_mono_ms), so
     * that an id is reused only after RS_SFU_TID_QUARANTINE_MS (rs_sfu_alloc_tid) */
    int64_t tid_released_ms[RS_SFU_MAX_TRANSPORTS];
    uint32_t next_track_id, next_sub_id, next_owner;
    uint64_t cmds_dropped;
    /* participants' media state by owner key (media_signaling.c), for worker events */
    struct pmedia *owners[RS_SFU_OWNER_BUCKETS];
};

/* Starts the media plane on cfg.udp_port and sets app->media. Returns 0, or a negative errno
 * with a one-line reason in `err`. */
int rs_sfu_start(struct rs_app *app, char *err, size_t errlen);
/* Stops the worker and frees media state. Safe when not started. */
void rs_sfu_stop(struct rs_app *app);

/* A media plane without worker threads: commands queue up for rs_sfu_take_cmd (tests).
 * `n_workers` (1..RS_SFU_MAX_WORKERS) queues; worker k's port is port + k. */
struct rs_media *rs_sfu_new_detached(struct rs_app *app, const char *fingerprint, const char *ip,
                                     uint16_t port, unsigned n_workers);
void rs_sfu_free_detached(struct rs_media *m);
/* Pops the oldest command queued for any worker (lowest worker first) into `out`; with `wk`
 * not NULL, also says which worker it was for. Returns 0, or -EAGAIN when none. */
int rs_sfu_take_cmd(struct rs_media *m, struct rs_cmd *out);
int rs_sfu_take_cmd_from(struct rs_media *m, struct rs_cmd *out, unsigned *wk);
/* Test hook: deliver an event as if the worker had sent it. */
void rs_sfu_inject_event(struct rs_media *m, const struct rs_event *ev);

/* Queues a command for worker `wk` (copied). Returns 0, or -EAGAIN when the queue is full
 * (counted; the caller reports an internal error to the client). */
int rs_sfu_send(struct rs_media *m, unsigned wk, const struct rs_cmd *cmd);

/* The worker a new room goes to: fewest live transports, then fewest rooms. Counted until
 * rs_sfu_room_gone. */
unsigned rs_sfu_place_room(struct rs_media *m);
void rs_sfu_room_gone(struct rs_media *m, unsigned wk);

/* Allocates a transport id on worker `wk`, 0 when all are in use. rs_sfu_release_tid after
 * TRANSPORT_REMOVE.
 *
 * The id is the lowest free one released at least RS_SFU_TID_QUARANTINE_MS ago (else, when
 * every free id was released more recently, the one released longest ago). The quarantine
 * keeps an event a worker queued about a removed transport from being taken for a new one
 * with the same id. Lowest first keeps the part of each worker's transport table in use (and
 * in RSS) as small as the peak number of transports: handing ids out round-robin instead
 * touched a new 1 KiB slot in a worker's table for every transport until the whole id space
 * had been used once (the 10-minute soak's RSS grew by 0.3 MiB a minute; docs/robustness.md). */
#define RS_SFU_TID_QUARANTINE_MS 30000
uint32_t rs_sfu_alloc_tid(struct rs_media *m, unsigned wk);
void rs_sfu_release_tid(struct rs_media *m, uint32_t tid);
/* The worker transport `tid` is on, and its UDP port (worker 0 for an unknown tid). */
unsigned rs_sfu_worker_of(const struct rs_media *m, uint32_t tid);
uint16_t rs_sfu_port_of(const struct rs_media *m, uint32_t tid);
/* ... and its ICE-TCP port, 0 when ICE-TCP is off. */
uint16_t rs_sfu_tcp_port_of(const struct rs_media *m, uint32_t tid);

/* Called on the control thread after a wake-up: drains worker events into
 * rs_media_handle_event (media_signaling.c). */
void rs_sfu_poll_events(struct rs_media *m);

#endif
