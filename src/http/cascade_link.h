/* SPDX-License-Identifier: EUPL-1.2 */
/* WebSocket client links to other nodes for the cascade (core/app.h rs_cascade_links,
 * docs/cluster.md "Cascade"), on the HTTP server's libwebsockets context. */
#ifndef RS_HTTP_CASCADE_LINK_H
#define RS_HTTP_CASCADE_LINK_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "core/app.h"

#define RS_CASCADE_LINK_PROTOCOL "ratsaal-cascade-link"

/* Where a link goes, from an owner's `url` (its node record's, cluster_public_url). */
struct rs_cascade_url {
    bool tls;           /* https: wss, the owner's certificate verified */
    char host[256];     /* what is dialled and, with TLS, what the certificate must name */
    int port;           /* 80 / 443 unless the URL says otherwise */
    char path[300];     /* the URL's path + "/signaling" */
    char host_hdr[300]; /* the Host header: host[:port] */
};

/* Splits http(s)://host[:port][/path] (IPv6 literals in brackets, http only). Returns 0,
 * -ENOTSUP for another scheme or an IPv6 literal with https (libwebsockets 4.1 cuts the name
 * it checks the certificate against at the first colon), -EINVAL for anything malformed or
 * too long. */
int rs_cascade_url_split(const char *url, struct rs_cascade_url *out);

/* The protocol callback of RS_CASCADE_LINK_PROTOCOL (in the server's protocol list). */
int rs_cascade_link_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len);
/* The context links are made on (the server's, once created; NULL when it goes). */
void rs_cascade_link_set_context(struct lws_context *ctx);
/* Fills app->cascade_links. */
void rs_cascade_links_install(struct rs_app *app);

#endif
