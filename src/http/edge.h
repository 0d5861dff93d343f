/* SPDX-License-Identifier: EUPL-1.2 */
/* The edge's bookkeeping: how many connections each client address holds, how many of them
 * are plain HTTP (reading or answering a request, or idle between requests: each may hold one
 * of the HTTP library's header buffers), and which connections are overdue.
 *
 * One record per accepted connection, from accept to close. server.c asks rs_edge_admit()
 * before it hands a new connection to libwebsockets and reports what becomes of it; there are
 * no sockets and no libwebsockets here, so the rules are tested on their own
 * (tests/unit/http/test_edge.c). Everything is owned by the control thread. */
#ifndef RS_HTTP_EDGE_H
#define RS_HTTP_EDGE_H

#include <stdint.h>

#define RS_EDGE_ADDR_MAX 64
/* While the server is three quarters full, an address holding this many connections (or this
 * many plain HTTP ones while the header buffers are three quarters taken) gets no more: the
 * last quarter is kept for addresses that hold few. */
#define RS_EDGE_FEW 8

struct rs_edge_limits {
    unsigned max_conns; /* connections in all (max_connections, lowered to fit the fd limit) */
    unsigned per_ip;    /* max_connections_per_ip */
    unsigned http_pool; /* requests whose headers the HTTP library reads at once; one address
                         * gets at most a quarter of them (and never more than per_ip) */
    int64_t header_ms;  /* from accept to complete headers; from headers to complete body */
    int64_t idle_ms;    /* a keep-alive connection between two requests, headers included */
};

enum rs_edge_verdict {
    RS_EDGE_OK = 0,
    RS_EDGE_PER_IP, /* the address holds max_connections_per_ip, or its share of HTTP */
    RS_EDGE_BUSY,   /* the server is three quarters full and the address holds enough */
    RS_EDGE_FULL,   /* max_conns reached */
};

enum rs_edge_state {
    RS_EDGE_HEADERS,   /* accepted, the first request's headers not complete yet */
    RS_EDGE_BODY,      /* headers complete, the body not yet */
    RS_EDGE_ACTIVE,    /* a request is being answered */
    RS_EDGE_IDLE,      /* keep-alive: between two requests */
    RS_EDGE_WEBSOCKET, /* upgraded: the signaling session has its own rules */
    RS_EDGE_CLOSING,   /* was overdue: the caller is closing it */
};

struct rs_edge;
struct rs_edge_conn;

/* NULL on OOM. `lim` is copied. */
struct rs_edge *rs_edge_new(const struct rs_edge_limits *lim);
/* Frees the table and every record still in it (their owners must not use them after). */
void rs_edge_free(struct rs_edge *e);

/* May one more connection from `addr` (borrowed) be accepted? With `per_address` 0 (a
 * reverse proxy that carries many clients) only max_conns applies. Changes nothing. */
enum rs_edge_verdict rs_edge_admit(const struct rs_edge *e, const char *addr, int per_address);
/* Counts an accepted connection from `addr`: state HEADERS, overdue at now_ms + header_ms.
 * `owner` (borrowed: the caller's connection) is what rs_edge_overdue returns. The record
 * belongs to the table until rs_edge_close. NULL on OOM (the caller closes the connection). */
struct rs_edge_conn *rs_edge_open(struct rs_edge *e, const char *addr, void *owner, int64_t now_ms);
/* A request's headers are complete. `addr` is the client address they name, normally the
 * socket's (borrowed; one behind a trusted proxy may name another): the connection moves to
 * it unless that address already holds per_ip connections, which returns RS_EDGE_PER_IP and
 * changes nothing. With `body`, the body is overdue at now_ms + header_ms (state BODY);
 * otherwise the state is ACTIVE. */
enum rs_edge_verdict rs_edge_headers_done(struct rs_edge *e, struct rs_edge_conn *c,
                                          const char *addr, int body, int64_t now_ms);
/* The body is complete: ACTIVE. */
void rs_edge_body_done(struct rs_edge *e, struct rs_edge_conn *c);
/* The response is written and the connection stays open for another request: IDLE, overdue
 * at now_ms + idle_ms. */
void rs_edge_idle(struct rs_edge *e, struct rs_edge_conn *c, int64_t now_ms);
/* Upgraded to a WebSocket: no deadline here, no longer plain HTTP. */
void rs_edge_websocket(struct rs_edge *e, struct rs_edge_conn *c);
/* The connection is gone: uncounts and frees `c`. */
void rs_edge_close(struct rs_edge *e, struct rs_edge_conn *c);

/* The owner of one connection overdue at now_ms (the longest overdue first), or NULL. That
 * connection becomes CLOSING and is not returned again; `was` (optional) gets the state it was
 * overdue in. The caller closes it and then calls rs_edge_close. */
void *rs_edge_overdue(struct rs_edge *e, int64_t now_ms, enum rs_edge_state *was);

unsigned rs_edge_total(const struct rs_edge *e); /* open connections */
unsigned rs_edge_http(const struct rs_edge *e);  /* of which not WebSocket */
/* Connections `addr` holds; `http` (optional) gets how many of them are not WebSocket. */
unsigned rs_edge_count(const struct rs_edge *e, const char *addr, unsigned *http);
enum rs_edge_state rs_edge_state_of(const struct rs_edge_conn *c);

#endif
