/* The HTTP + WebSocket front end (libwebsockets): static client files, /healthz, /metrics,
 * and the /signaling WebSocket whose frames go to signaling sessions. */
#ifndef RS_HTTP_SERVER_H
#define RS_HTTP_SERVER_H

#include "core/app.h"

struct rs_http;

/* Loads the web root and starts listening on cfg.listen_addr:listen_port. Returns 0 with *out
 * set, or a negative errno with a one-line reason in `err`. */
int rs_http_start(struct rs_app *app, struct rs_http **out, char *err, size_t errlen);

/* Runs the event loop until rs_http_stop_requested() is true; then tells every client,
 * drains for up to `drain_ms`, and returns. */
void rs_http_run(struct rs_http *h, int drain_ms);

/* Async-signal-safe: asks the loop to stop. */
void rs_http_request_stop(struct rs_http *h);

/* Wakes the loop from another thread so it runs `fn(arg)` soon on the control thread;
 * used by media workers. Safe from any thread. */
void rs_http_wake(struct rs_http *h);

/* Registers the function the loop calls on the control thread after each wake-up. */
void rs_http_set_wake_handler(struct rs_http *h, void (*fn)(void *arg), void *arg);

void rs_http_free(struct rs_http *h);

#endif
