/* SPDX-License-Identifier: EUPL-1.2 */
/* The control thread's wake-up.
 *
 * Other threads (media workers with events, the job thread with completions, a signal handler
 * asking to stop) need the control thread's event loop to turn and run something on it. This
 * is that contract, in core so that nobody above has to know which loop it is: the loop's owner
 * (the HTTP layer) sets `wake` when it starts and calls rs_wakeup_run() on the control thread
 * after every wake-up; users register handlers with rs_wakeup_add(). Before a loop is attached
 * a wake is a no-op (tests run handlers themselves). A signal handler asking for a reload
 * (SIGHUP) only sets `reload` and wakes the loop; the HTTP layer's handler does the reload.
 *
 * Threads: `wake`/`loop` are set before other threads start and cleared after they stopped;
 * rs_wakeup_wake(), rs_wakeup_request_stop() and rs_wakeup_request_reload() are safe from any
 * thread and from a signal handler (the loop's wake must be: libwebsockets' lws_cancel_service writes to a pipe).
 * Handlers are added and removed on the control thread only. */
#ifndef RS_CORE_WAKEUP_H
#define RS_CORE_WAKEUP_H

#include <signal.h>

#define RS_WAKEUP_MAX_HANDLERS 4

typedef void (*rs_wakeup_fn)(void *arg);

struct rs_wakeup {
    void (*wake)(void *loop); /* set by the loop's owner; thread-safe */
    void *loop;
    volatile sig_atomic_t stop;   /* a stop was requested */
    volatile sig_atomic_t reload; /* SIGHUP: re-read what can be (the TLS certificate) */
    rs_wakeup_fn fn[RS_WAKEUP_MAX_HANDLERS];
    void *arg[RS_WAKEUP_MAX_HANDLERS];
};

/* Any thread: asks the loop to turn soon. */
void rs_wakeup_wake(struct rs_wakeup *w);
/* Async-signal-safe: marks a stop and wakes the loop. */
void rs_wakeup_request_stop(struct rs_wakeup *w);
/* Async-signal-safe: marks a reload and wakes the loop; a handler on the control thread
 * clears `reload` and does the work. */
void rs_wakeup_request_reload(struct rs_wakeup *w);
/* Control thread: registers `fn(arg)` to run after each wake-up. -ENOSPC when full. */
int rs_wakeup_add(struct rs_wakeup *w, rs_wakeup_fn fn, void *arg);
/* Control thread: removes the handler registered with this `fn` and `arg`. */
void rs_wakeup_remove(struct rs_wakeup *w, rs_wakeup_fn fn, void *arg);
/* Control thread, called by the loop: runs every registered handler. */
void rs_wakeup_run(struct rs_wakeup *w);

#endif
