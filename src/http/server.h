/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP + WebSocket front end (libwebsockets): static client files, /healthz, /metrics,
 * and the /signaling WebSocket whose frames go to signaling sessions. */
#ifndef RS_HTTP_SERVER_H
#define RS_HTTP_SERVER_H

#include "core/app.h"

struct rs_http;

/* Loads the web root and starts listening on cfg.listen_addr:listen_port. Returns 0 with *out
 * set, or a negative errno with a one-line reason in `err`. */
int rs_http_start(struct rs_app *app, struct rs_http **out, char *err, size_t errlen);

/* Runs the event loop until a stop is requested (rs_wakeup_request_stop on app->wakeup, e.g.
 * from a signal handler); then tells every client, drains for up to `drain_ms`, and returns.
 * The loop is the control thread's: rs_http_start attaches it to app->wakeup, and it runs the
 * wake-up handlers after every wake-up and on its 200 ms tick. */
void rs_http_run(struct rs_http *h, int drain_ms);

void rs_http_free(struct rs_http *h);

#endif
