/* SPDX-License-Identifier: EUPL-1.2 */
/* One ratsaal-recorder child process and its control socket (docs/recording.md).
 *
 * rs_recorder_link_spawn starts `PATH --control-fd 3 --data-fd 4` with two socketpairs: fd 3
 * is the control socket (SOCK_STREAM, one JSON object per line both ways), fd 4 the data socket
 * (SOCK_SEQPACKET, RTP in, RTCP back) whose server end goes to the media plane's feed. No other
 * descriptor of the server reaches the child: ours are all close-on-exec, and the spawn closes
 * every fd above 4 as well (libraries may have opened some without the flag).
 *
 * The control thread must never wait for the child. Commands go into a bounded outbound buffer
 * and are written without blocking whenever the socket takes them; a recorder that stops reading
 * fills the buffer and is declared failed (-ENOBUFS). Lines from the child are read without
 * blocking by rs_recorder_link_poll, which also notices the child's exit (waitpid WNOHANG), a
 * child that has not said "ready" and no line at all for RS_RECORDER_READY_TIMEOUT_MS (from the
 * start or its last line), and runs the stop
 * sequence: {"cmd":"stop"}, up to RS_RECORDER_STOP_TIMEOUT_MS for "stopped", then SIGTERM, then
 * SIGKILL. Only rs_recorder_link_free waits, for a child it has just killed.
 *
 * Ownership: the caller owns the link; the link owns the child and the control socket. Control
 * thread only. */
#ifndef RS_ROOM_RECORDER_LINK_H
#define RS_ROOM_RECORDER_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "room/recorder_events.h"

#define RS_RECORDER_OUTBUF_MAX (256 * 1024) /* commands not yet taken by the child */
#define RS_RECORDER_READY_TIMEOUT_MS 15000  /* before "ready": silence this long fails it */
#define RS_RECORDER_STOP_TIMEOUT_MS 10000   /* stop: "stopped" and exit within this */
#define RS_RECORDER_TERM_TIMEOUT_MS 2000    /* then SIGTERM; after this SIGKILL */

struct rs_recorder_link;

/* The recorder binary to run: cfg_path when set, else `ratsaal-recorder` in the directory of
 * /proc/self/exe. Returns 0 or -ENAMETOOLONG / -ENOENT. */
int rs_recorder_path(const char *cfg_path, char *out, size_t cap);

/* Starts the recorder `path` at `now_ms`. On success returns 0, *out is the link and *data_fd
 * the server's end of the data socket (the caller's to own: rs_record_feed_open takes it).
 * Otherwise returns -ENOENT (no such executable), -EACCES (not executable), or another negative
 * errno, with a one-line reason for people in `err`. */
int rs_recorder_link_spawn(const char *path, int64_t now_ms, struct rs_recorder_link **out,
                           int *data_fd, char *err, size_t errlen);

/* Queues one command (borrowed) as a line and writes what the socket takes. Returns 0, -ENOBUFS
 * (the child does not read: more than RS_RECORDER_OUTBUF_MAX queued), -EPIPE (the socket is
 * gone), -ENOMEM. After an error the link is failed: further sends return the same error. */
int rs_recorder_link_send(struct rs_recorder_link *l, json_t *cmd);

/* What rs_recorder_link_poll reports besides events. */
enum rs_recorder_link_status {
    RS_RECORDER_LINK_ALIVE,   /* the child runs (or is being stopped) */
    RS_RECORDER_LINK_EXITED,  /* the child has exited and was reaped (stopped or not) */
    RS_RECORDER_LINK_SILENT,  /* not ready, and no line for RS_RECORDER_READY_TIMEOUT_MS */
    RS_RECORDER_LINK_STALLED, /* it does not read its commands (outbound buffer full) */
    RS_RECORDER_LINK_BROKEN,  /* a line over RS_RECORDER_LINE_MAX */
};

typedef void (*rs_recorder_event_fn)(void *arg, const struct rs_recorder_event *ev);

/* Writes what is queued, reads every complete line and calls `on_event` for each known event
 * (unreadable lines are counted in *bad_lines when given, unknown events ignored), reaps the
 * child and advances the stop sequence. Never blocks. After a status other than ALIVE the
 * caller frees the link (which kills a child still running). */
enum rs_recorder_link_status rs_recorder_link_poll(struct rs_recorder_link *l, int64_t now_ms,
                                                   rs_recorder_event_fn on_event, void *arg,
                                                   unsigned *bad_lines);

/* Starts the stop sequence: {"cmd":"stop"} now, SIGTERM after RS_RECORDER_STOP_TIMEOUT_MS,
 * SIGKILL RS_RECORDER_TERM_TIMEOUT_MS later (driven by rs_recorder_link_poll). */
void rs_recorder_link_stop(struct rs_recorder_link *l, int64_t now_ms);
bool rs_recorder_link_stopping(const struct rs_recorder_link *l);

/* The child's exit status as waitpid gave it (valid after EXITED), and its pid. */
int rs_recorder_link_exit_status(const struct rs_recorder_link *l);
pid_t rs_recorder_link_pid(const struct rs_recorder_link *l);
/* Whether "ready" was seen. */
bool rs_recorder_link_ready(const struct rs_recorder_link *l);

/* Closes the control socket; a child still running is killed (SIGKILL) and reaped. */
void rs_recorder_link_free(struct rs_recorder_link *l);

#endif
