/* HTTP and WebSocket on libwebsockets.
 *
 * One lws protocol handles both plain HTTP and the /signaling upgrade (lws routes an upgrade
 * without a subprotocol to the first protocol). Responses are built here: every response,
 * error or not, carries the same security headers. Bodies are written in chunks on
 * WRITEABLE callbacks, never more than one chunk per callback, so one slow client cannot
 * hold the loop.
 *
 * The subtle part is the WebSocket close: a session asks to close, we keep writing its queue
 * until it is empty, and only then return -1 after setting the close reason, so the client
 * always receives the frames (e.g. control/shutdown) queued before the close. */
#include "http/server.h"

#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/static_files.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"

_Static_assert(LWS_PRE <= RS_WS_HEADROOM, "RS_WS_HEADROOM must cover LWS_PRE");

#define BODY_MAX (64 * 1024) /* largest request body we accept */
#define CHUNK 16384
#define METRICS_MAX (64 * 1024)

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data: blob:; media-src 'self' blob:; "
                          "connect-src 'self'; font-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct rs_http {
    struct rs_app *app;
    struct lws_context *ctx;
    struct rs_static_files *files;
    volatile sig_atomic_t stop;
    void (*wake_fn)(void *);
    void *wake_arg;
    int64_t started_ms;
    lws_sorted_usec_list_t tick; /* periodic timer: keeps the loop turning while draining */
};

#define TICK_US (200 * LWS_US_PER_MS)

static void on_tick(lws_sorted_usec_list_t *sul)
{
    struct rs_http *h = lws_container_of(sul, struct rs_http, tick);
    if (h->wake_fn)
        h->wake_fn(h->wake_arg);
    lws_sul_schedule(h->ctx, 0, &h->tick, on_tick, TICK_US);
}

enum method { M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS, M_OTHER };

/* Per-connection state (lws allocates and zeroes it). */
struct conn {
    /* HTTP response in progress */
    const unsigned char *body;
    unsigned char *owned_body; /* freed when done (generated bodies) */
    size_t body_len, body_sent;
    int close_after;
    /* WebSocket */
    struct rs_session *session;
};

static struct rs_http *http_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static enum method method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return M_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
        return M_HEAD;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return M_POST;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
        return M_PUT;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI))
        return M_PATCH;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
        return M_DELETE;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI))
        return M_OPTIONS;
    return M_OTHER;
}

static void count_status(unsigned status)
{
    rs_metric_inc(RS_M_HTTP_REQUESTS);
    if (status < 300)
        rs_metric_inc(RS_M_HTTP_2XX);
    else if (status < 400)
        rs_metric_inc(RS_M_HTTP_3XX);
    else if (status < 500)
        rs_metric_inc(RS_M_HTTP_4XX);
    else
        rs_metric_inc(RS_M_HTTP_5XX);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Writes status line and headers; the body follows on WRITEABLE. `body` is borrowed unless
 * `owned` (then freed by us). HEAD sends headers only. */
static int respond(struct lws *wsi, struct conn *c, unsigned status, const char *ctype,
                   const unsigned char *body, size_t len, unsigned char *owned, int head_only,
                   const char *allow, const char *cache)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
    count_status(status);
    if (lws_add_http_common_headers(wsi, status, ctype, len, &p, end) ||
        add_header(wsi, "content-security-policy:", CSP, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
        add_header(wsi, "x-frame-options:", "DENY", &p, end) ||
        add_header(wsi, "cross-origin-opener-policy:", "same-origin", &p, end) ||
        add_header(wsi, "permissions-policy:",
                   "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
                   &p, end) ||
        add_header(wsi, "cache-control:", cache ? cache : "no-store", &p, end) ||
        (allow && add_header(wsi, "allow:", allow, &p, end)) ||
        (c->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        free(owned);
        return -1;
    }
    c->owned_body = owned;
    c->body = head_only ? NULL : body;
    c->body_len = head_only ? 0 : len;
    c->body_sent = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_text(struct lws *wsi, struct conn *c, unsigned status, const char *text,
                        int head_only, const char *allow)
{
    return respond(wsi, c, status, "text/plain; charset=utf-8", (const unsigned char *)text,
                   strlen(text), NULL, head_only, allow, NULL);
}

static int respond_json(struct lws *wsi, struct conn *c, unsigned status, json_t *j,
                        int head_only)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return respond_text(wsi, c, 500, "internal error\n", head_only, NULL);
    return respond(wsi, c, status, "application/json", (unsigned char *)s, strlen(s),
                   (unsigned char *)s, head_only, NULL, NULL);
}

static int serve_healthz(struct lws *wsi, struct conn *c, struct rs_http *h, int head)
{
    struct rs_app *app = h->app;
    int db_ok = app->store && rs_store_schema_version(app->store) > 0;
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i, s:I}", "status", db_ok ? "ok" : "degraded",
                          "version", RS_VERSION, "database", db_ok ? "ok" : "unavailable",
                          "uptime_s", (json_int_t)((rs_mono_ms() - h->started_ms) / 1000),
                          "rooms", (int)rs_rooms_count(app->rooms), "participants",
                          (json_int_t)rs_metric_get(RS_M_PARTICIPANTS));
    return respond_json(wsi, c, db_ok ? 200 : 503, j, head);
}

static int serve_metrics(struct lws *wsi, struct conn *c, int head)
{
    char *buf = malloc(METRICS_MAX);
    if (!buf)
        return -1;
    int n = rs_metrics_render(buf, METRICS_MAX);
    if (n < 0) {
        free(buf);
        return respond_text(wsi, c, 500, "metrics too large\n", head, NULL);
    }
    return respond(wsi, c, 200, "text/plain; version=0.0.4; charset=utf-8", (unsigned char *)buf,
                   (size_t)n, (unsigned char *)buf, head, NULL, NULL);
}

static int handle_http(struct lws *wsi, struct conn *c, const char *path)
{
    struct rs_http *h = http_of(wsi);
    enum method m = method_of(wsi);
    int head = m == M_HEAD;

    char clen[32];
    if (lws_hdr_copy(wsi, clen, sizeof(clen), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(clen, &end, 10);
        if (errno || *end || n > BODY_MAX) {
            c->close_after = 1;
            return respond_text(wsi, c, 413, "request too large\n", head, NULL);
        }
        if (n > 0)
            c->close_after = 1; /* we read no bodies yet: do not parse one as a request */
    }
    if (strlen(path) > 2048) {
        c->close_after = 1;
        return respond_text(wsi, c, 413, "request too large\n", head, NULL);
    }

    /* Resolve the route first, then check the method, so 404 and 405 are told apart. */
    enum { R_NONE, R_HEALTHZ, R_METRICS, R_FILE } route = R_NONE;
    const struct rs_static_file *file = NULL;
    if (strcmp(path, "/healthz") == 0) {
        route = R_HEALTHZ;
    } else if (strcmp(path, "/metrics") == 0) {
        route = R_METRICS;
    } else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        file = rs_static_find(h->files, "/index.html");
    } else if (strncmp(path, "/r/", 3) == 0) {
        if (rs_room_id_valid(path + 3))
            file = rs_static_find(h->files, "/room.html");
    } else if (strcmp(path, "/signaling") != 0) {
        file = rs_static_find(h->files, path);
    }
    if (file)
        route = R_FILE;
    if (route == R_NONE)
        return respond_text(wsi, c, 404, "not found\n", head, NULL);
    if (m != M_GET && m != M_HEAD) {
        c->close_after = 1;
        return respond_text(wsi, c, 405, "method not allowed\n", 0, "GET, HEAD");
    }
    switch (route) {
    case R_HEALTHZ:
        return serve_healthz(wsi, c, h, head);
    case R_METRICS:
        return serve_metrics(wsi, c, head);
    default:
        return respond(wsi, c, 200, file->content_type, file->data, file->len, NULL, head, NULL,
                       "no-cache");
    }
}

static int write_body(struct lws *wsi, struct conn *c)
{
    if (c->body && c->body_sent < c->body_len) {
        unsigned char buf[LWS_PRE + CHUNK];
        size_t n = c->body_len - c->body_sent;
        if (n > CHUNK)
            n = CHUNK;
        memcpy(buf + LWS_PRE, c->body + c->body_sent, n);
        int final = c->body_sent + n == c->body_len;
        if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        c->body_sent += n;
        if (!final) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    free(c->owned_body);
    c->owned_body = NULL;
    c->body = NULL;
    if (c->close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Same-origin check for the WebSocket upgrade (defends against cross-site WebSocket hijacking):
 * a browser always sends Origin; it must name the host the page came from. Non-browser
 * clients that send no Origin are allowed. */
static int origin_allowed(struct lws *wsi)
{
    char origin[256], host[256];
    if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
        return 1;
    if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
        return 0;
    const char *o = strstr(origin, "://");
    if (!o)
        return 0;
    return strcmp(o + 3, host) == 0;
}

static void session_want_write(struct rs_session *s)
{
    lws_callback_on_writable((struct lws *)s->transport);
}

static void session_close(struct rs_session *s, int status, const char *reason)
{
    lws_callback_on_writable((struct lws *)s->transport);
}

static const struct rs_session_ops session_ops = {session_want_write, session_close};

static int ws_writeable(struct lws *wsi, struct conn *c)
{
    struct rs_session *s = c->session;
    if (!s)
        return -1;
    struct rs_outbuf *b = rs_session_peek(s);
    if (b) {
        if (lws_write(wsi, b->data + RS_WS_HEADROOM, b->len, LWS_WRITE_TEXT) < (int)b->len)
            return -1;
        rs_session_pop(s);
        if (rs_session_peek(s) || s->closing)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (s->closing) {
        lws_close_reason(wsi, (enum lws_close_status)s->close_status,
                         (unsigned char *)s->close_reason, strlen(s->close_reason));
        return -1;
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct conn *c = user;
    struct rs_http *h;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return handle_http(wsi, c, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* bodies are refused in handle_http; ignore what still arrives */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return write_body(wsi, c);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c) {
            free(c->owned_body);
            c->owned_body = NULL;
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        h = http_of(wsi);
        char uri[64];
        if (h->stop || h->app->shutting_down)
            return 1;
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
            strcmp(uri, "/signaling") != 0)
            return 1;
        if (!origin_allowed(wsi)) {
            RS_WARN("http", "event=ws_origin_rejected");
            rs_metric_inc(RS_M_HTTP_4XX);
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        h = http_of(wsi);
        char peer[64] = "";
        lws_get_peer_simple(wsi, peer, sizeof(peer));
        c->session = rs_session_new(h->app, &session_ops, wsi, peer);
        return c->session ? 0 : -1;
    }
    case LWS_CALLBACK_RECEIVE:
        if (c->session)
            rs_session_on_fragment(c->session, in, len, lws_is_first_fragment(wsi),
                                   lws_is_final_fragment(wsi), lws_frame_is_binary(wsi));
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writeable(wsi, c);
    case LWS_CALLBACK_CLOSED:
        if (c->session) {
            rs_session_free(c->session);
            c->session = NULL;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        h = lws_context_user(lws_get_context(wsi));
        if (h && h->wake_fn)
            h->wake_fn(h->wake_arg);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"ratsaal-signaling", callback, sizeof(struct conn), RS_MSG_MAX_BYTES, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static const lws_retry_bo_t retry = {
    .secs_since_valid_ping = 20,   /* idle connections are pinged */
    .secs_since_valid_hangup = 45, /* and dropped when the ping is not answered */
};

static void lws_log_emit(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    rs_log(level == LLL_ERR ? RS_LOG_ERROR : RS_LOG_WARN, "lws", "%.*s", (int)n, line);
}

int rs_http_start(struct rs_app *app, struct rs_http **out, char *err, size_t errlen)
{
    struct rs_http *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->app = app;
    h->started_ms = rs_mono_ms();
    int rc = rs_static_load(app->cfg.web_root, &h->files, err, errlen);
    if (rc)
        goto fail_free;
    if (!rs_static_find(h->files, "/index.html") || !rs_static_find(h->files, "/room.html")) {
        snprintf(err, errlen, "web_root: %s has no index.html and room.html",
                 app->cfg.web_root);
        rc = -ENOENT;
        goto fail_free;
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = app->cfg.listen_port;
    info.iface = strcmp(app->cfg.listen_addr, "*") == 0 ? NULL : app->cfg.listen_addr;
    info.protocols = protocols;
    info.user = h;
    info.max_http_header_data = 8192;
    info.max_http_header_pool = 256;
    info.retry_and_idle_policy = &retry;
    info.timeout_secs = 20;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6 *
                                                         (strchr(app->cfg.listen_addr, ':') == NULL);
    info.vhost_name = "ratsaal";
    info.server_string = "ratsaal";
    h->ctx = lws_create_context(&info);
    if (!h->ctx) {
        snprintf(err, errlen, "listen: cannot listen on %s:%u (in use, or not a local address)",
                 app->cfg.listen_addr, app->cfg.listen_port);
        rc = -EADDRINUSE;
        goto fail_free;
    }
    lws_sul_schedule(h->ctx, 0, &h->tick, on_tick, TICK_US);
    RS_INFO("http", "event=listening addr=%s port=%u files=%zu", app->cfg.listen_addr,
            app->cfg.listen_port, rs_static_count(h->files));
    *out = h;
    return 0;
fail_free:
    rs_static_free(h->files);
    free(h);
    return rc;
}

void rs_http_request_stop(struct rs_http *h)
{
    h->stop = 1;
    if (h->ctx)
        lws_cancel_service(h->ctx);
}

void rs_http_wake(struct rs_http *h)
{
    lws_cancel_service(h->ctx);
}

void rs_http_set_wake_handler(struct rs_http *h, void (*fn)(void *arg), void *arg)
{
    h->wake_fn = fn;
    h->wake_arg = arg;
}

void rs_http_run(struct rs_http *h, int drain_ms)
{
    while (!h->stop)
        if (lws_service(h->ctx, 0) < 0)
            break;
    struct rs_app *app = h->app;
    app->shutting_down = 1;
    RS_INFO("http", "event=shutting_down sessions=%u",
            (unsigned)rs_metric_get(RS_M_WS_CONNECTIONS));
    json_t *ev = json_pack("{s:s, s:s, s:s}", "ns", "control", "event", "shutdown", "text",
                           "server is shutting down");
    for (struct rs_session *s = app->sessions; s; s = s->next) {
        if (ev)
            rs_session_send(s, ev);
        rs_session_close(s, LWS_CLOSE_STATUS_GOINGAWAY, "server_shutdown");
    }
    json_decref(ev);
    int64_t deadline = rs_mono_ms() + drain_ms;
    while (app->sessions && rs_mono_ms() < deadline)
        if (lws_service(h->ctx, 0) < 0)
            break;
}

void rs_http_free(struct rs_http *h)
{
    if (!h)
        return;
    if (h->ctx) {
        lws_sul_cancel(&h->tick);
        lws_context_destroy(h->ctx);
    }
    rs_static_free(h->files);
    free(h);
}
