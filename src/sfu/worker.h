/* SPDX-License-Identifier: EUPL-1.2 */
/* A media worker thread: its own UDP socket, every transport's ICE/DTLS/SRTP state, and packet
 * forwarding. Configured at start, then driven only by commands (see command.h). */
#ifndef RS_SFU_WORKER_H
#define RS_SFU_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rs_dtls_ctx;
struct rs_queue;
struct rs_relay_mesh;
struct rs_worker;

struct rs_worker_config {
    uint16_t port;
    const char *bind_ip;        /* NULL: every address */
    struct rs_dtls_ctx *dtls;   /* borrowed; outlives the worker */
    struct rs_queue *cmds;      /* borrowed: commands in (has an eventfd) */
    struct rs_queue *events;    /* borrowed: events out */
    void (*wake)(void *arg);    /* called (from the worker) after pushing events */
    void *wake_arg;
    bool no_udp_gso;            /* never use UDP GSO (config udp_gso = off) */
    unsigned index;             /* which worker: 0 .. media_workers - 1 */
    struct rs_relay_mesh *relay; /* borrowed: rings between the workers; NULL with one */
    uint16_t tcp_port;          /* ICE-TCP listening port (ice_tcp.h); 0: no ICE-TCP */
    const char *tcp_bind_ip;    /* NULL: bind_ip */
    bool tcp_optional;          /* a TCP port that cannot be bound: warn, go on without */
};

/* Binds the socket and starts the thread. Returns 0, or a negative errno with a reason. */
int rs_worker_start(const struct rs_worker_config *cfg, struct rs_worker **out, char *err,
                    size_t errlen);
/* The ICE-TCP port the worker listens on, 0: none. */
uint16_t rs_worker_tcp_port(const struct rs_worker *w);
/* Stops the thread, frees every transport. */
void rs_worker_stop(struct rs_worker *w);

#endif
