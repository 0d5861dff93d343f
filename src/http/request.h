/* SPDX-License-Identifier: EUPL-1.2 */
/* One HTTP request and its response, as the route handlers (api.c) see them: no lws types.
 *
 * The request is borrowed for the duration of the handler call. A handler either fills the
 * response and returns RS_HTTP_DONE, or keeps rs_http_reply_to(req) and returns RS_HTTP_PENDING; it
 * then answers later, on the control thread, with rs_http_finish(reply, resp) (after a job
 * ran, for example). The response owns its body (malloc'd) and headers. */
#ifndef RS_HTTP_REQUEST_H
#define RS_HTTP_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum rs_http_method {
    RS_HTTP_GET,
    RS_HTTP_HEAD,
    RS_HTTP_POST,
    RS_HTTP_PUT,
    RS_HTTP_PATCH,
    RS_HTTP_DELETE,
    RS_HTTP_OPTIONS,
    RS_HTTP_OTHER
};

enum { RS_HTTP_DONE = 0, RS_HTTP_PENDING = 1 };

#define RS_HTTP_MAX_HEADERS 4
#define RS_ADDR_TEXT_MAX 64 /* a client address as text, NUL included (rs_http_req.peer) */

struct rs_http;

struct rs_http_req {
    enum rs_http_method method;
    const char *path;         /* decoded, without the query */
    const char *cookie;       /* "" when absent */
    const char *content_type; /* "" when absent */
    const char *origin;       /* "" when absent (an unreadable one is refused before) */
    const char *host;         /* "" when absent; else a name of this server (checked before) */
    const char *peer;         /* the client's address (behind trusted proxies: from their
                                 forwarding header), rs_http_client_addr */
    const char *body;         /* NULL when none */
    size_t body_len;
    uint64_t serial;
    void *transport;      /* the HTTP layer's, for rs_http_req_arg */
    struct rs_http *http; /* for rs_http_finish */
};

struct rs_http_resp {
    unsigned status;
    const char *content_type; /* static string */
    char *body;               /* owned */
    size_t body_len;
    unsigned n_headers;
    char header_names[RS_HTTP_MAX_HEADERS][32]; /* "set-cookie:" */
    char header_values[RS_HTTP_MAX_HEADERS][512];
    /* a file body (rs_http_resp_file): its first body_len bytes are streamed from file_fd,
     * which the HTTP layer closes; `body` stays NULL */
    int has_file;
    int file_fd;
};

/* Whether `origin` (a request's Origin header, "" when absent) is this server as named by
 * `host` (its Host header): "http(s)://" + exactly the Host. An absent Origin is not a browser's
 * cross-origin request and passes; "null" or anything else does not. */
int rs_http_same_origin(const char *origin, const char *host);

/* Copies the URL-decoded query argument `name` into `buf`. Returns its length, or -1. */
int rs_http_req_arg(const struct rs_http_req *req, const char *name, char *buf, size_t cap);

void rs_http_resp_header(struct rs_http_resp *resp, const char *name, const char *value);
/* A JSON body (takes the reference `j`). */
void rs_http_resp_json(struct rs_http_resp *resp, unsigned status, json_t *j);
/* {"error": {"code", "text"}} (+ "field" when not NULL). */
void rs_http_resp_error(struct rs_http_resp *resp, unsigned status, const char *code,
                        const char *field, const char *text);
/* A 200 whose body is the first `len` bytes of the open file `fd` (taken: closed by the HTTP
 * layer, or by rs_http_resp_release), sent in chunks as the client reads, never held in memory. */
void rs_http_resp_file(struct rs_http_resp *resp, int fd, size_t len, const char *content_type);
/* Frees the body and closes the file of a response that is not sent (tests, a dropped answer). */
void rs_http_resp_release(struct rs_http_resp *resp);
/* 302 to `location`. */
void rs_http_resp_redirect(struct rs_http_resp *resp, const char *location);

/* Delivers a pending response (copied; the caller keeps `resp`'s ownership of nothing: the
 * body moves to the HTTP layer). Ignored when the client is gone. Control thread. */
/* Where a pending request's answer goes: a handler that returns RS_HTTP_PENDING copies this into
 * its job. */
struct rs_http_reply {
    struct rs_http *http;
    uint64_t serial;
};
static inline struct rs_http_reply rs_http_reply_to(const struct rs_http_req *req)
{
    return (struct rs_http_reply){req->http, req->serial};
}
void rs_http_finish(struct rs_http_reply to, struct rs_http_resp *resp);

#endif
