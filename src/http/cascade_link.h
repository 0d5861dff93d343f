/* SPDX-License-Identifier: EUPL-1.2 */
/* WebSocket client links to other nodes for the cascade (core/app.h rs_cascade_links,
 * docs/cluster.md "Cascade"), on the HTTP server's libwebsockets context. */
#ifndef RS_HTTP_CASCADE_LINK_H
#define RS_HTTP_CASCADE_LINK_H

#include <libwebsockets.h>

#include "core/app.h"

#define RS_CASCADE_LINK_PROTOCOL "ratsaal-cascade-link"

/* The protocol callback of RS_CASCADE_LINK_PROTOCOL (in the server's protocol list). */
int rs_cascade_link_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len);
/* The context links are made on (the server's, once created; NULL when it goes). */
void rs_cascade_link_set_context(struct lws_context *ctx);
/* Fills app->cascade_links. */
void rs_cascade_links_install(struct rs_app *app);

#endif
