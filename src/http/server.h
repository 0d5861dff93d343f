/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP + WebSocket front end (libwebsockets): static client files, /healthz, /metrics,
 * and the /signaling WebSocket whose frames go to signaling sessions. */
#ifndef RS_HTTP_SERVER_H
#define RS_HTTP_SERVER_H

#include <stddef.h>

#include "core/app.h"
#include "core/netaddr.h"

struct rs_http;
struct lws;

/* Where rs_http_client_addr found the client (ratsaal_client_address_total{source}). */
enum rs_client_source {
    RS_CLIENT_DIRECT,         /* the peer, which is no trusted proxy, sent no forwarding header */
    RS_CLIENT_FORWARDED,      /* a trusted proxy's forwarding header named it */
    RS_CLIENT_PROXY,          /* a trusted proxy sent no header: the proxy itself */
    RS_CLIENT_UNKNOWN_HOP,    /* the hop left of the trusted ones was no address: the last proxy */
    RS_CLIENT_INVALID_HEADER, /* a trusted proxy's header was unreadable: the proxy */
    RS_CLIENT_IGNORED_HEADER, /* the peer, which is no trusted proxy, sent one: not believed */
};

/* The client address of connection `wsi`: the one function for rate limits, per-address
 * limits, logs and the signaling session's address. Without trusted proxies it is the socket's
 * peer. When the peer is in `trusted_proxies`, the configured forwarding header
 * (`trusted_proxy_header`) is read while the request's headers are there (LWS_CALLBACK_HTTP,
 * the upgrade callbacks, LWS_CALLBACK_ESTABLISHED) and its right-most hop that is no trusted
 * proxy is the client (core/forwarded.h); earlier, e.g. when a connection is accepted, it is
 * the proxy's own address. Writes the canonical text ("192.0.2.1", "2001:db8::1") into `out`
 * and, when `addr` is not NULL, the address (family 0 for a peer that is not IP). Returns an
 * enum rs_client_source. Control thread. */
int rs_http_client_addr(struct lws *wsi, char *out, size_t cap, struct rs_netaddr *addr);

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
