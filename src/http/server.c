/* SPDX-License-Identifier: EUPL-1.2 */
/* HTTP and WebSocket on libwebsockets.
 *
 * One lws protocol handles both plain HTTP and the /signaling upgrade (lws routes an upgrade
 * without a subprotocol to the first protocol). Responses are built here: every response,
 * error or not, carries the same security headers. Bodies are written in chunks on
 * WRITEABLE callbacks, never more than one chunk per callback, so one slow client cannot
 * hold the loop.
 *
 * With `tls_cert` set the same port speaks only HTTPS and WSS (http/tls.c: settings, certificate,
 * reload on SIGHUP), HTTP/1.1 only (ALPN), and every response carries HSTS.
 *
 * The subtle part is the WebSocket close: a session asks to close, we keep writing its queue
 * until it is empty, and only then return -1 after setting the close reason, so the client
 * always receives the frames (e.g. control/shutdown) queued before the close.
 *
 * The edge. The server accepts connections itself (listener.c) and hands each to lws only
 * after edge.c agreed: at most max_connections in all, max_connections_per_ip per client
 * address, a quarter of lws' header buffers per address, and the last quarter of both kept
 * for addresses that hold few; a refused connection gets a canned 429/503 and costs nothing
 * more. Every connection is followed from accept to close (its edge record hangs on the wsi's
 * opaque pointer): a request's headers, and then its body, must arrive within
 * header_timeout_s, checked on the tick; a WebSocket in no room for join_timeout_s is closed.
 * Refusals and timeouts are counted in /metrics and logged at most once per EDGE_LOG_MS.
 *
 * The edge checks run before any route, for plain requests and upgrades alike: the client's
 * address (rs_http_client_addr: behind a trusted proxy, from its forwarding header), framing
 * (no Transfer-Encoding: a body comes with Content-Length or not at all), Host (one of this
 * server's names, against DNS rebinding) and Origin (readable in full, or refused: a header we
 * cannot read is never taken for an absent one). */
#include "http/server.h"

#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <strings.h>
#include <unistd.h>

#include "core/accept_language.h"
#include "core/clock.h"
#include "core/forwarded.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/outbuf.h"
#include "auth/web_session.h"
#include "http/api.h"
#include "http/cascade_link.h"
#include "sfu/cascade.h"
#include "http/cluster_glue.h"
#include "http/edge.h"
#include "http/listener.h"
#include "http/live.h"
#include "http/request.h"
#include "http/static_files.h"
#include "http/tls.h"
#include "room/events.h"
#include "room/room.h"
#include "room/vote.h"
#include "signaling/session.h"
#include "store/store.h"

_Static_assert(LWS_PRE <= RS_OUTBUF_HEADROOM, "RS_OUTBUF_HEADROOM must cover LWS_PRE");

#define BODY_MAX (64 * 1024) /* largest request body we accept */
#define ORIGIN_MAX 512       /* longer Origin headers are refused: no real origin is that long */
#define HOST_MAX 256
#define HEADER_DATA_MAX 8192 /* lws's header pool per request (info.max_http_header_data) */
#define CHUNK 16384
#define METRICS_MAX (64 * 1024)
#define HEADER_POOL 256       /* requests lws reads headers for at once (its "ah" pool) */
#define KEEPALIVE_S 5         /* an idle keep-alive connection is closed after this */
#define RESPONSE_TIMEOUT_S 60 /* a response must be written (read by the client) within this */
#define ACCEPT_BATCH 64       /* connections accepted per turn of the loop, at most */
#define ACCEPT_PAUSE_US (200 * LWS_US_PER_MS) /* after accept failed (e.g. out of fds) */
#define EDGE_LOG_MS 10000 /* refusals and timeouts are logged as one line per this */

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data: blob:; media-src 'self' blob:; "
                          "connect-src 'self'; font-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/* The public live page's player (hls.js) feeds MediaSource from a blob: worker. */
static const char CSP_LIVE[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data: blob:; media-src 'self' blob:; "
                               "worker-src 'self' blob:; connect-src 'self'; font-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'";

struct rs_http {
    struct rs_app *app;
    struct lws_context *ctx;
    struct rs_static_files *files;
    uint64_t next_serial;      /* of HTTP requests */
    struct conn *pending_list; /* requests whose handler answers later (rs_http_finish) */
    int64_t started_ms;
    lws_sorted_usec_list_t tick; /* periodic timer: keeps the loop turning while draining */
    struct rs_tls *tls;          /* NULL: plain HTTP */
    SSL_CTX *link_tls;           /* the cascade links' client side; NULL without the cascade */
    char tls_err[256];           /* why rs_tls_attach failed while the context was created */

    /* the edge */
    struct rs_listener listener;
    struct lws_vhost *vhost;
    struct lws *listen_wsi;        /* the listening socket, adopted by lws as a raw file */
    lws_sorted_usec_list_t resume; /* accepting again after a pause */
    struct rs_edge *edge;
    const char *accepting; /* the address of the connection being adopted */
    int fd_cap;            /* an accepted descriptor at or above this is refused */
    int64_t join_checked_ms;
    int64_t edge_logged_ms;
    unsigned log_per_ip, log_busy, log_no_fd, log_header_timeouts, log_join_timeouts;
    int log_accept_errno;

    /* the names this server answers for (host_allowed) */
    char public_host[HOST_MAX];  /* from public_url, lower case; "" without one */
    unsigned public_port;        /* public_url's port, explicit or the scheme's */
    struct rs_netaddr listen_ip; /* family 0: listening on every address */
    int listen_loopback;         /* "localhost" names us too */
};

#define TICK_US (200 * LWS_US_PER_MS)

static void edge_sweep(struct rs_http *h, int64_t now);

static void on_tick(lws_sorted_usec_list_t *sul)
{
    struct rs_http *h = lws_container_of(sul, struct rs_http, tick);
    edge_sweep(h, rs_mono_ms());
    rs_wakeup_run(&h->app->wakeup);
    rs_jobs_poll();
    rs_api_tick(h->app);
    rs_vote_tick(h->app);
    rs_cluster_glue_tick(h->app, rs_mono_ms());
    rs_cascade_poll(h->app); /* relays given up: their audience goes to the owner */
    lws_sul_schedule(h->ctx, 0, &h->tick, on_tick, TICK_US);
}

/* One HTTP request and its response, allocated when the request arrives and freed when the
 * response is written: an idle keep-alive connection or a WebSocket holds none. */
struct conn {
    /* request being read */
    enum rs_http_method method;
    char path[2100];
    char cookie[4096];
    char content_type[128];
    char origin[ORIGIN_MAX];
    char host[HOST_MAX];
    char peer[RS_ADDR_TEXT_MAX]; /* the client's address (rs_http_client_addr) */
    struct rs_netaddr client;    /* the same, parsed (family 0: not an IP peer) */
    char authorization[256];     /* /metrics only */
    char *body;
    size_t body_len, body_expected;
    int body_too_large;
    int body_completed; /* LWS_CALLBACK_HTTP_BODY_COMPLETION came (body_completed_again) */
    unsigned body_chunks; /* LWS_CALLBACK_HTTP_BODY calls so far (header_bytes) */
    uint64_t serial;
    int pending; /* a handler will call rs_http_finish */
    struct conn *next_pending;
    struct lws *wsi;
    /* response being written */
    int responding, headers_sent;
    struct rs_http_resp resp;
    const unsigned char *out;   /* body to send: resp.body or a static file */
    size_t out_len, out_sent;
    int head_only;
    int close_after;
};

/* What lws keeps per connection (it allocates and zeroes it) for the connection's lifetime:
 * two pointers, because every WebSocket holds one of these as long as its participant stays. */
struct conn_user {
    struct conn *http;          /* the HTTP request in progress, NULL between requests */
    struct rs_session *session; /* WebSocket: the signaling session */
    int peer_closed;            /* WebSocket: the client sent a close frame */
    int rx_held;                /* WebSocket: not read while lws holds part of a frame */
};


static struct rs_http *http_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* ---- the edge: the client's address, Host, Origin ---- */

/* Reads header `tok` into `buf`: its length, 0 when absent, -1 when it does not fit (or cannot
 * be read), never a truncated value. */
static int hdr_read(struct lws *wsi, char *buf, size_t cap, enum lws_token_indexes tok)
{
    buf[0] = 0;
    int total = lws_hdr_total_length(wsi, tok);
    if (total <= 0)
        return 0;
    if ((size_t)total >= cap || lws_hdr_copy(wsi, buf, (int)cap, tok) != total) {
        buf[0] = 0;
        return -1;
    }
    return total;
}

/* The configured forwarding header as sent: its length, 0 when absent, -1 when unreadable.
 * lws joins repeated X-Forwarded-For lines with commas; of Forwarded (not a header lws knows)
 * it returns the first line only (docs/operations.md). */
static int forwarding_header(struct lws *wsi, int which, char *buf, size_t cap)
{
    if (which == RS_PROXY_HEADER_XFF)
        return hdr_read(wsi, buf, cap, WSI_TOKEN_X_FORWARDED_FOR);
    buf[0] = 0;
    int n = lws_hdr_custom_length(wsi, "forwarded:", 10);
    if (n <= 0)
        return 0; /* absent (-1), or empty: no hop */
    if ((size_t)n >= cap || lws_hdr_custom_copy(wsi, buf, (int)cap, "forwarded:", 10) != n) {
        buf[0] = 0;
        return -1;
    }
    return n;
}

int rs_http_client_addr(struct lws *wsi, char *out, size_t cap, struct rs_netaddr *addr)
{
    const struct rs_config *cfg = &http_of(wsi)->app->cfg;
    char peer[64] = "";
    struct rs_netaddr p, client;
    lws_get_peer_simple(wsi, peer, sizeof(peer));
    if (addr)
        memset(addr, 0, sizeof(*addr));
    if (rs_netaddr_parse(peer, strlen(peer), &p)) { /* not an IP peer: as lws names it */
        snprintf(out, cap, "%s", peer);
        return RS_CLIENT_DIRECT;
    }
    char hdr[HEADER_DATA_MAX + 1];
    int which = cfg->trusted_proxy_header, source;
    if (!rs_cidr_list_contains(&cfg->trusted_proxies, &p)) {
        client = p;
        source = forwarding_header(wsi, which, hdr, sizeof(hdr)) ? RS_CLIENT_IGNORED_HEADER
                                                                 : RS_CLIENT_DIRECT;
    } else {
        struct rs_hop hops[RS_FORWARDED_HOPS_MAX];
        int len = forwarding_header(wsi, which, hdr, sizeof(hdr)), n = 0;
        if (len > 0)
            n = which == RS_PROXY_HEADER_XFF
                    ? rs_forwarded_parse_xff(hdr, (size_t)len, hops, RS_FORWARDED_HOPS_MAX)
                    : rs_forwarded_parse(hdr, (size_t)len, hops, RS_FORWARDED_HOPS_MAX);
        enum rs_forwarded_result r;
        client = rs_forwarded_client(&p, hops, n < 0 ? 0 : n, &cfg->trusted_proxies, &r);
        source = len < 0 || n < 0        ? RS_CLIENT_INVALID_HEADER
                 : r == RS_FWD_FORWARDED ? RS_CLIENT_FORWARDED
                 : r == RS_FWD_UNKNOWN   ? RS_CLIENT_UNKNOWN_HOP
                                         : RS_CLIENT_PROXY;
    }
    if (rs_netaddr_format(&client, out, cap))
        snprintf(out, cap, "%s", peer);
    if (addr)
        *addr = client;
    return source;
}

/* Counts where a request's client address came from (ratsaal_client_address_total). */
static void count_client_source(int source)
{
    static const enum rs_metric m[] = {
        [RS_CLIENT_FORWARDED] = RS_M_FORWARDED_CLIENT,
        [RS_CLIENT_PROXY] = RS_M_FORWARDED_PROXY,
        [RS_CLIENT_UNKNOWN_HOP] = RS_M_FORWARDED_UNKNOWN,
        [RS_CLIENT_INVALID_HEADER] = RS_M_FORWARDED_INVALID,
        [RS_CLIENT_IGNORED_HEADER] = RS_M_FORWARDED_IGNORED,
    };
    if (source > RS_CLIENT_DIRECT && (size_t)source < sizeof(m) / sizeof(m[0]))
        rs_metric_inc(m[source]);
}

/* Splits "name[:port]" / "[v6][:port]" (a Host header, a URL's authority): the name without
 * brackets into `name` (lower case), the port or 0. Returns 0, or -1 when malformed. */
static int split_authority(const char *s, size_t len, char *name, size_t cap, unsigned *port)
{
    const char *end = s + len, *colon = NULL, *ns = s, *ne;
    *port = 0;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return -1;
        ns = s + 1;
        ne = close;
        if (close + 1 < end) {
            if (close[1] != ':')
                return -1;
            colon = close + 1;
        }
    } else {
        colon = memchr(s, ':', len);
        ne = colon ? colon : end;
    }
    if (colon) {
        size_t pl = (size_t)(end - colon - 1);
        if (pl < 1 || pl > 5)
            return -1;
        for (const char *c = colon + 1; c < end; c++) {
            if (*c < '0' || *c > '9')
                return -1;
            *port = *port * 10 + (unsigned)(*c - '0');
        }
        if (*port < 1 || *port > 65535)
            return -1;
    }
    size_t nl = (size_t)(ne - ns);
    if (nl < 1 || nl >= cap)
        return -1;
    for (size_t i = 0; i < nl; i++) {
        char c = ns[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '_'))
            return -1;
        name[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    name[nl] = 0;
    return 0;
}

/* Whether a Host header names this server: public_url's host (its port or none), the listen
 * address as a literal (any IP literal when listening on every address) with the listen port
 * or none, or "localhost" when listening on loopback or every address. A browser tricked by
 * DNS rebinding sends the attacker's name, which is none of these. */
static int host_allowed(const struct rs_http *h, const char *host)
{
    char name[HOST_MAX];
    unsigned port;
    if (split_authority(host, strlen(host), name, sizeof(name), &port))
        return 0;
    if (h->public_host[0] && strcmp(name, h->public_host) == 0 && (!port || port == h->public_port))
        return 1;
    unsigned listen_port = h->app->cfg.listen_port;
    if (port && port != listen_port)
        return 0;
    if (strcmp(name, "localhost") == 0)
        return h->listen_loopback || !h->listen_ip.family;
    struct rs_netaddr a;
    /* an IPv6 literal comes in brackets, an IPv4 one without */
    if (rs_netaddr_parse(name, strlen(name), &a) || (a.family == 6) != (host[0] == '['))
        return 0;
    return !h->listen_ip.family || rs_netaddr_equal(&a, &h->listen_ip);
}

int rs_http_same_origin(const char *origin, const char *host)
{
    if (!origin[0])
        return 1; /* not a browser's cross-origin request */
    const char *a = strncmp(origin, "http://", 7) == 0    ? origin + 7
                    : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                          : NULL;
    return a && host[0] && strcasecmp(a, host) == 0;
}

/* Fills the names this server answers for from the configuration. */
static void learn_names(struct rs_http *h)
{
    const struct rs_config *cfg = &h->app->cfg;
    const char *u = cfg->public_url, *a = strstr(u, "://");
    if (a) {
        a += 3;
        size_t len = strcspn(a, "/?#");
        unsigned port;
        if (split_authority(a, len, h->public_host, sizeof(h->public_host), &port) == 0)
            h->public_port = port ? port : strncmp(u, "https:", 6) == 0 ? 443 : 80;
        else
            h->public_host[0] = 0;
    }
    const char *l = cfg->listen_addr;
    if (strcmp(l, "*") != 0 && rs_netaddr_parse(l, strlen(l), &h->listen_ip) == 0) {
        static const uint8_t any[16];
        if (memcmp(h->listen_ip.bytes, any, 16) == 0) /* 0.0.0.0, :: */
            h->listen_ip.family = 0;
    }
    h->listen_loopback = rs_netaddr_is_loopback(&h->listen_ip);
}

/* The client's address as the whole server knows it: request handlers and signaling sessions
 * (rate limits, logs) and the per-address connection counts: rs_http_client_addr (behind a
 * trusted proxy, the client its forwarding header names). The counts follow a connection to
 * the address this names once its headers are complete (rs_edge_headers_done); before that,
 * at accept, only the socket's address is known (socket_address). */
static void client_address(struct lws *wsi, char *buf, size_t cap)
{
    rs_http_client_addr(wsi, buf, cap, NULL);
}

/* A just-accepted socket's peer, written exactly as lws_get_peer_simple writes it. */
static void socket_address(int fd, char *buf, size_t cap)
{
    lws_get_peer_simple_fd(fd, buf, cap);
}

/* A reverse proxy carries every client, so its connections count towards max_connections
 * only, not per address: a configured trusted proxy (trusted_proxies), or one on this host
 * (docs/operations.md: TLS may end there), which connects from 127.0.0.1 or ::1. Once its
 * headers are in, a connection counts for the client the proxy names. */
static int local_proxy(const struct rs_http *h, const char *socket_addr)
{
    /* exactly the host's own loopback address, not all of 127.0.0.0/8: other loopback
     * addresses are other clients (and the hostile tests' attackers) */
    if (strcmp(socket_addr, "127.0.0.1") == 0 || strcmp(socket_addr, "::1") == 0 ||
        strcmp(socket_addr, "::ffff:127.0.0.1") == 0)
        return 1;
    struct rs_netaddr a;
    return rs_netaddr_parse(socket_addr, strlen(socket_addr), &a) == 0 &&
           rs_cidr_list_contains(&h->app->cfg.trusted_proxies, &a);
}

static struct rs_edge_conn *edge_of(struct lws *wsi)
{
    struct rs_http *h = http_of(wsi);
    return h && wsi != h->listen_wsi ? lws_get_opaque_user_data(wsi) : NULL;
}

static enum rs_http_method method_of(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes tok;
        enum rs_http_method m;
    } map[] = {
        {WSI_TOKEN_GET_URI, RS_HTTP_GET},       {WSI_TOKEN_HEAD_URI, RS_HTTP_HEAD},
        {WSI_TOKEN_POST_URI, RS_HTTP_POST},     {WSI_TOKEN_PUT_URI, RS_HTTP_PUT},
        {WSI_TOKEN_PATCH_URI, RS_HTTP_PATCH},   {WSI_TOKEN_DELETE_URI, RS_HTTP_DELETE},
        {WSI_TOKEN_OPTIONS_URI, RS_HTTP_OPTIONS},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (lws_hdr_total_length(wsi, map[i].tok))
            return map[i].m;
    return RS_HTTP_OTHER;
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

void rs_http_resp_header(struct rs_http_resp *resp, const char *name, const char *value)
{
    if (resp->n_headers >= RS_HTTP_MAX_HEADERS)
        return;
    snprintf(resp->header_names[resp->n_headers], sizeof(resp->header_names[0]), "%s", name);
    snprintf(resp->header_values[resp->n_headers], sizeof(resp->header_values[0]), "%s", value);
    resp->n_headers++;
}

void rs_http_resp_json(struct rs_http_resp *resp, unsigned status, json_t *j)
{
    free(resp->body);
    resp->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    resp->status = resp->body ? status : 500;
    resp->content_type = "application/json";
    resp->body_len = resp->body ? strlen(resp->body) : 0;
}

void rs_http_resp_error(struct rs_http_resp *resp, unsigned status, const char *code,
                        const char *field, const char *text)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "text", text);
    if (e && field)
        json_object_set_new(e, "field", json_string(field));
    rs_http_resp_json(resp, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

void rs_http_resp_file(struct rs_http_resp *resp, int fd, size_t len, const char *content_type)
{
    rs_http_resp_release(resp);
    resp->status = 200;
    resp->content_type = content_type;
    resp->has_file = 1;
    resp->file_fd = fd;
    resp->body_len = len;
}

void rs_http_resp_release(struct rs_http_resp *resp)
{
    free(resp->body);
    resp->body = NULL;
    if (resp->has_file)
        close(resp->file_fd);
    resp->has_file = 0;
    resp->body_len = 0;
}

void rs_http_resp_redirect(struct rs_http_resp *resp, const char *location)
{
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->status = 302;
    resp->content_type = "text/plain; charset=utf-8";
    rs_http_resp_header(resp, "location:", location);
}

int rs_http_req_arg(const struct rs_http_req *req, const char *name, char *buf, size_t cap)
{
    char key[64];
    if (!req->transport)
        return -1; /* a request made in-process (tests) has no query */
    snprintf(key, sizeof(key), "%s=", name);
    const char *v = lws_get_urlarg_by_name((struct lws *)req->transport, key, buf, (int)cap);
    if (!v)
        return -1;
    size_t n = strlen(v);
    memmove(buf, v, n + 1);
    return (int)n;
}

/* With TLS on every response carries HSTS. lws adds a vhost's canned headers in
 * lws_add_http_header_status, which writes the status line of our responses and of the errors
 * lws answers by itself (lws_return_http_status: 400, 403, 404, 413, 431 …); the 101 of a
 * WebSocket upgrade is built by lws without it, so LWS_CALLBACK_ADD_HEADERS adds it there. */
static const struct lws_protocol_vhost_options HSTS = {
    NULL, NULL, "strict-transport-security:", "max-age=31536000"};

/* Writes status line and headers; the body follows chunk by chunk. */
static int write_headers(struct lws *wsi, struct conn *c)
{
    unsigned char buf[LWS_PRE + 4096];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
    struct rs_http_resp *r = &c->resp;
    count_status(r->status);
    if (lws_add_http_common_headers(wsi, r->status, r->content_type, c->out_len, &p, end) ||
        add_header(wsi, "content-security-policy:",
                   strncmp(c->path, "/live/", 6) == 0 ? CSP_LIVE : CSP, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
        add_header(wsi, "x-frame-options:", "DENY", &p, end) ||
        add_header(wsi, "cross-origin-opener-policy:", "same-origin", &p, end) ||
        add_header(wsi, "permissions-policy:",
                   "camera=(self), microphone=(self), display-capture=(self), geolocation=()", &p,
                   end))
        return -1; /* HSTS, with TLS on: lws_add_http_header_status adds it (see HSTS) */
    int has_cache = 0;
    for (unsigned i = 0; i < r->n_headers; i++) {
        has_cache |= strcmp(r->header_names[i], "cache-control:") == 0;
        if (add_header(wsi, r->header_names[i], r->header_values[i], &p, end))
            return -1;
    }
    if ((!has_cache && add_header(wsi, "cache-control:", "no-store", &p, end)) ||
        (c->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    c->headers_sent = 1;
    return 0;
}

/* Queues the response in `c` (its body is owned by c->resp unless `file` is given). */
static int respond_now(struct lws *wsi, struct conn *c, const unsigned char *file, size_t file_len)
{
    c->responding = 1;
    c->out = file ? file : (const unsigned char *)c->resp.body;
    c->out_len = file ? file_len : c->resp.body_len;
    c->out_sent = 0;
    /* a client that does not read its response must not keep the connection for ever */
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, RESPONSE_TIMEOUT_S);
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_text(struct lws *wsi, struct conn *c, unsigned status, const char *text,
                        const char *allow)
{
    struct rs_http_resp *r = &c->resp;
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    r->body = strdup(text);
    r->body_len = r->body ? strlen(text) : 0;
    if (allow)
        rs_http_resp_header(r, "allow:", allow);
    return respond_now(wsi, c, NULL, 0);
}

static int serve_healthz(struct lws *wsi, struct conn *c, struct rs_http *h)
{
    struct rs_app *app = h->app;
    int db_ok = app->store && rs_store_schema_version(app->store) > 0;
    if (rs_config_metrics_protected(&app->cfg)) { /* then the counts are for /metrics only */
        rs_http_resp_json(&c->resp, db_ok ? 200 : 503,
                          json_pack("{s:s, s:s}", "status", db_ok ? "ok" : "degraded", "database",
                                    db_ok ? "ok" : "unavailable"));
        return respond_now(wsi, c, NULL, 0);
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i, s:I}", "status", db_ok ? "ok" : "degraded",
                          "version", RS_VERSION, "database", db_ok ? "ok" : "unavailable",
                          "uptime_s", (json_int_t)((rs_mono_ms() - h->started_ms) / 1000),
                          "rooms", (int)rs_rooms_count(app->rooms), "participants",
                          (json_int_t)rs_metric_get(RS_M_PARTICIPANTS));
    rs_http_resp_json(&c->resp, db_ok ? 200 : 503, j);
    return respond_now(wsi, c, NULL, 0);
}

/* /readyz: whether this node takes new work (the load balancer's default pool asks it; /healthz
 * says only whether the process lives and never depends on Redis). The store must answer a
 * cheap query; in a cluster the node must be registered, Redis answering and the node not
 * draining (docs/cluster.md section 6). */
static int serve_readyz(struct lws *wsi, struct conn *c, struct rs_http *h)
{
    struct rs_app *app = h->app;
    const char *reason = NULL;
    if (app->shutting_down)
        reason = "draining";
    else if (!rs_cluster_glue_ready(app, &reason))
        ; /* reason set */
    else if (!app->store || rs_store_schema_version(app->store) <= 0)
        reason = "store";
    if (!reason) {
        rs_http_resp_json(&c->resp, 200, json_pack("{s:b}", "ready", 1));
        return respond_now(wsi, c, NULL, 0);
    }
    rs_http_resp_header(&c->resp, "retry-after:", "5");
    rs_http_resp_json(&c->resp, 503, json_pack("{s:b, s:s}", "ready", 0, "reason", reason));
    return respond_now(wsi, c, NULL, 0);
}

/* Constant-time comparison of a secret of known length with what the client sent. */
static int secret_equal(const char *sent, const char *secret)
{
    size_t n = strlen(secret), m = strlen(sent);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(secret[i] ^ (i < m ? sent[i] : 0));
    return diff == 0;
}

/* /metrics with metrics_token and/or metrics_allow: the bearer token, or a client address on
 * the list (the client behind trusted proxies, never the proxy: through the proxy everyone
 * would come from its address). Either one suffices. */
static int metrics_allowed(const struct rs_config *cfg, const struct conn *c)
{
    if (!rs_config_metrics_protected(cfg))
        return 1;
    if (cfg->metrics_allow.n && rs_cidr_list_contains(&cfg->metrics_allow, &c->client))
        return 1;
    return cfg->metrics_token[0] && strncasecmp(c->authorization, "Bearer ", 7) == 0 &&
           secret_equal(c->authorization + 7, cfg->metrics_token);
}

static int serve_metrics(struct lws *wsi, struct conn *c)
{
    const struct rs_config *cfg = &http_of(wsi)->app->cfg;
    if (!metrics_allowed(cfg, c)) {
        rs_metric_inc(RS_M_HTTP_REFUSED_METRICS);
        if (!cfg->metrics_token[0])
            return respond_text(wsi, c, 403, "forbidden\n", NULL);
        rs_http_resp_header(&c->resp, "www-authenticate:", "Bearer realm=\"ratsaal-metrics\"");
        return respond_text(wsi, c, 401, "a bearer token is needed\n", NULL);
    }
    char *buf = malloc(METRICS_MAX);
    if (!buf)
        return -1;
    int n = rs_metrics_render(buf, METRICS_MAX);
    if (n < 0) {
        free(buf);
        return respond_text(wsi, c, 500, "metrics too large\n", NULL);
    }
    c->resp.status = 200;
    c->resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    c->resp.body = buf;
    c->resp.body_len = (size_t)n;
    return respond_now(wsi, c, NULL, 0);
}

/* A page in the language of the cookie (when `cookie`) or Accept-Language. */
static int serve_page(struct lws *wsi, struct conn *c, const struct rs_static_file *file,
                      int cookie)
{
    char accept[RS_ACCEPT_LANGUAGE_MAX + 1];
    int n = lws_hdr_copy(wsi, accept, sizeof(accept), WSI_TOKEN_HTTP_ACCEPT_LANGUAGE);
    enum rs_page_lang lang =
        rs_static_page_lang(cookie ? c->cookie : "", accept, n > 0 ? (size_t)n : 0);
    rs_http_resp_header(&c->resp, "content-language:", rs_page_langs[lang]);
    rs_http_resp_header(&c->resp, "vary:", cookie ? "Accept-Language, Cookie" : "Accept-Language");
    return respond_now(wsi, c, file->page[lang], file->len);
}

/* /live/...: the public livestream (http/live.c). Its page depends on Accept-Language only,
 * never on a cookie, so that a CDN can cache it; nothing here sets one. */
static int serve_live(struct lws *wsi, struct conn *c, struct rs_http *h)
{
    struct rs_http_req req = {.method = c->method, .path = c->path, .cookie = "",
                              .content_type = "", .origin = "", .host = c->host,
                              .peer = c->peer, .serial = c->serial, .transport = wsi, .http = h};
    enum rs_live_kind kind;
    rs_live_handle(h->app, &req, &c->resp, &kind);
    if (kind != RS_LIVE_PAGE || c->resp.status)
        return respond_now(wsi, c, NULL, 0);
    const struct rs_static_file *file = rs_static_find(h->files, "/live.html");
    if (!file)
        return respond_text(wsi, c, 404, "the live page is not installed\n", NULL);
    c->resp.status = 200;
    c->resp.content_type = file->content_type;
    rs_http_resp_header(&c->resp, "cache-control:", "public, max-age=60");
    if (file->page[0])
        return serve_page(wsi, c, file, 0);
    return respond_now(wsi, c, file->data, file->len);
}

static int is_api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strncmp(path, "/auth/", 6) == 0;
}

/* Routes a complete request (headers, and the body when there is one). */
static int dispatch(struct lws *wsi, struct conn *c)
{
    struct rs_http *h = http_of(wsi);
    const char *path = c->path;
    int read_only = c->method == RS_HTTP_GET || c->method == RS_HTTP_HEAD;
    c->head_only = c->method == RS_HTTP_HEAD;
    if (c->body_too_large) {
        c->close_after = 1;
        return respond_text(wsi, c, 413, "request too large\n", NULL);
    }
    if (is_api_path(path)) {
        struct rs_http_req req = {
            .method = c->method, .path = path, .cookie = c->cookie,
            .content_type = c->content_type, .origin = c->origin, .host = c->host,
            .peer = c->peer, .body = c->body, .body_len = c->body_len,
            .serial = c->serial, .transport = wsi, .http = h,
        };
        int rc = rs_api_handle(h->app, &req, &c->resp);
        if (rc == RS_HTTP_PENDING) {
            c->pending = 1;
            c->next_pending = h->pending_list;
            h->pending_list = c;
            lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, 30);
            return 0;
        }
        return respond_now(wsi, c, NULL, 0);
    }
    if (strncmp(path, "/live/", 6) == 0)
        return serve_live(wsi, c, h);
    /* Resolve the route first, then check the method, so 404 and 405 are told apart. */
    enum { R_NONE, R_HEALTHZ, R_READYZ, R_METRICS, R_FILE } route = R_NONE;
    const struct rs_static_file *file = NULL;
    if (strcmp(path, "/healthz") == 0) {
        route = R_HEALTHZ;
    } else if (strcmp(path, "/readyz") == 0) {
        route = R_READYZ;
    } else if (strcmp(path, "/metrics") == 0) {
        route = R_METRICS;
    } else if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        file = rs_static_find(h->files, "/index.html");
    } else if (strncmp(path, "/r/", 3) == 0) {
        if (rs_room_id_valid(path + 3))
            file = rs_static_find(h->files, "/room.html");
    } else if (strcmp(path, "/login") == 0 || strcmp(path, "/meetings") == 0) {
        file = rs_static_find(h->files, path[1] == 'l' ? "/login.html" : "/meetings.html");
    } else if (strcmp(path, "/signaling") != 0) {
        file = rs_static_find(h->files, path);
    }
    if (file)
        route = R_FILE;
    if (route == R_NONE)
        return respond_text(wsi, c, 404, "not found\n", NULL);
    if (!read_only) {
        c->close_after = 1;
        c->head_only = 0;
        return respond_text(wsi, c, 405, "method not allowed\n", "GET, HEAD");
    }
    switch (route) {
    case R_HEALTHZ:
        return serve_healthz(wsi, c, h);
    case R_READYZ:
        return serve_readyz(wsi, c, h);
    case R_METRICS:
        return serve_metrics(wsi, c);
    default:
        c->resp.status = 200;
        c->resp.content_type = file->content_type;
        rs_http_resp_header(&c->resp, "cache-control:", "no-cache");
        if (file->page[0]) /* a page: in the language of the cookie or Accept-Language */
            return serve_page(wsi, c, file, 1);
        return respond_now(wsi, c, file->data, file->len);
    }
}

void rs_http_finish(struct rs_http_reply to, struct rs_http_resp *resp)
{
    struct rs_http *h = to.http;
    uint64_t serial = to.serial;
    for (struct conn **pp = &h->pending_list; *pp; pp = &(*pp)->next_pending) {
        struct conn *c = *pp;
        if (c->serial != serial)
            continue;
        *pp = c->next_pending;
        c->pending = 0;
        rs_http_resp_release(&c->resp);
        c->resp = *resp;
        memset(resp, 0, sizeof(*resp));
        respond_now(c->wsi, c, NULL, 0);
        return;
    }
    rs_http_resp_release(resp); /* the client went away */
    memset(resp, 0, sizeof(*resp));
}

static void forget_pending(struct rs_http *h, struct conn *c)
{
    for (struct conn **pp = &h->pending_list; *pp; pp = &(*pp)->next_pending) {
        if (*pp == c) {
            *pp = c->next_pending;
            return;
        }
    }
}

static void copy_hdr(struct lws *wsi, char *buf, size_t cap, enum lws_token_indexes tok)
{
    if (lws_hdr_copy(wsi, buf, (int)cap, tok) < 0)
        buf[0] = 0;
}

/* Frees the connection's request, if any (a pending handler's answer is then dropped). */
static void end_request(struct conn_user *u)
{
    struct conn *c = u->http;
    if (!c)
        return;
    free(c->body);
    rs_http_resp_release(&c->resp);
    if (c->pending)
        forget_pending(http_of(c->wsi), c);
    free(c);
    u->http = NULL;
}

enum edge { EDGE_OK, EDGE_TE_AND_LENGTH, EDGE_TE, EDGE_HOST, EDGE_ORIGIN };

/* The checks every request and WebSocket upgrade passes before any route; fills `host` and
 * `origin` ("" when absent). */
static enum edge edge_check(const struct rs_http *h, struct lws *wsi, char host[HOST_MAX],
                            char origin[ORIGIN_MAX])
{
    host[0] = origin[0] = 0;
    /* a body is framed by Content-Length alone: with both headers a proxy and we could
     * disagree on where this request ends and the next begins (request smuggling) */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING))
        return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) ? EDGE_TE_AND_LENGTH
                                                                        : EDGE_TE;
    int n = hdr_read(wsi, host, HOST_MAX, WSI_TOKEN_HOST);
    if (n < 0 || (n > 0 && !host_allowed(h, host)))
        return EDGE_HOST;
    if (hdr_read(wsi, origin, ORIGIN_MAX, WSI_TOKEN_ORIGIN) < 0)
        return EDGE_ORIGIN;
    return EDGE_OK;
}

/* Counts and logs a refusal at the edge. The Host is shown reduced to the characters a host
 * name has (it is the client's text), the client by address. */
static void log_edge(enum edge e, const char *addr, const char *host, int websocket)
{
    static const char *const why[] = {"ok", "te_and_length", "transfer_encoding", "host", "origin"};
    rs_metric_inc(e == EDGE_HOST     ? RS_M_HTTP_REFUSED_HOST
                  : e == EDGE_ORIGIN ? RS_M_HTTP_REFUSED_ORIGIN
                                     : RS_M_HTTP_REFUSED_FRAMING);
    char shown[65];
    size_t i = 0;
    for (; host[i] && i < sizeof(shown) - 1; i++)
        shown[i] =
            strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_", host[i])
                ? host[i]
                : '?';
    shown[i] = 0;
    RS_INFO("http", "event=refused reason=%s addr=%s host=%s ws=%d", why[e], addr,
            shown[0] ? shown : "-", websocket);
}

static const struct {
    unsigned status;
    const char *text;
} edge_answer[] = {
    [EDGE_TE_AND_LENGTH] = {400, "Content-Length and Transfer-Encoding together\n"},
    [EDGE_TE] = {411, "Transfer-Encoding is not accepted: send Content-Length\n"},
    [EDGE_HOST] = {421, "this server does not answer for that host name (see public_url)\n"},
    [EDGE_ORIGIN] = {403, "unreadable Origin\n"},
};

static int on_http(struct lws *wsi, struct conn_user *u, const char *path)
{
    end_request(u);
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    u->http = c;
    c->wsi = wsi;
    struct rs_http *h = http_of(wsi);
    c->serial = ++h->next_serial;
    c->method = method_of(wsi);
    count_client_source(rs_http_client_addr(wsi, c->peer, sizeof(c->peer), &c->client));
    struct rs_edge_conn *ec = edge_of(wsi);
    if (ec &&
        rs_edge_headers_done(http_of(wsi)->edge, ec, c->peer, 0, rs_mono_ms()) == RS_EDGE_PER_IP) {
        rs_metric_inc(RS_M_HTTP_REFUSED_PER_IP);
        http_of(wsi)->log_per_ip++;
        c->close_after = 1;
        return respond_text(wsi, c, 429, "too many connections from your address\n", NULL);
    }
    copy_hdr(wsi, c->cookie, sizeof(c->cookie), WSI_TOKEN_HTTP_COOKIE);
    copy_hdr(wsi, c->content_type, sizeof(c->content_type), WSI_TOKEN_HTTP_CONTENT_TYPE);
    enum edge e = edge_check(h, wsi, c->host, c->origin);
    if (e != EDGE_OK) {
        log_edge(e, c->peer, c->host, 0);
        c->close_after = 1;
        if (e == EDGE_ORIGIN && is_api_path(path)) {
            rs_metric_auth_reject(RS_AUTH_CSRF);
            rs_http_resp_error(&c->resp, 403, "csrf", NULL, "the Origin header is unreadable");
            return respond_now(wsi, c, NULL, 0);
        }
        return respond_text(wsi, c, edge_answer[e].status, edge_answer[e].text, NULL);
    }
    if (strcmp(path, "/metrics") == 0)
        copy_hdr(wsi, c->authorization, sizeof(c->authorization), WSI_TOKEN_HTTP_AUTHORIZATION);
    if (strlen(path) >= sizeof(c->path) || strlen(path) > 2048) {
        c->close_after = 1;
        return respond_text(wsi, c, 413, "request too large\n", NULL);
    }
    snprintf(c->path, sizeof(c->path), "%s", path);
    char clen[32];
    if (lws_hdr_copy(wsi, clen, sizeof(clen), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(clen, &end, 10);
        if (errno || *end || n > BODY_MAX) {
            c->close_after = 1;
            return respond_text(wsi, c, 413, "request too large\n", NULL);
        }
        c->body_expected = (size_t)n;
    }
    if (c->body_expected > 0) {
        c->body = malloc(c->body_expected + 1);
        if (!c->body)
            return -1;
        if (ec) /* the body has header_timeout_s from now */
            rs_edge_headers_done(http_of(wsi)->edge, ec, c->peer, 1, rs_mono_ms());
        return 0; /* wait for the body */
    }
    return dispatch(wsi, c);
}

/* Whether the first chunk of a body is really header text. libwebsockets 4.1 reads the body of
 * a request that came pipelined behind another from its own buffer of read input
 * (lws_http_action()), starting where that buffer starts: inside this request's header block,
 * not after it. When the chunk is the whole buffered segment, lws frees the segment and then
 * reads the body again from the freed memory in the caller (heap use-after-free, found by the
 * http fuzz target: tests/fuzz/http/corpus/regress-pipelined-put-use-after-free). Such a
 * segment holds the end of the header block, so the chunk contains CR LF CR LF, or begins with
 * its last bytes. Our bodies are JSON written by programs, which never contain that; a body
 * that does is refused by closing the connection, before lws gets to the freed memory. */
static int header_bytes(const char *in, size_t len)
{
    return len > 0 && (in[0] == '\r' || in[0] == '\n' || memmem(in, len, "\r\n\r\n", 4));
}

static int on_body(struct conn *c, const void *in, size_t len)
{
    if (!c->body || c->body_len + len > c->body_expected) {
        c->body_too_large = 1;
        return 0;
    }
    memcpy(c->body + c->body_len, in, len);
    c->body_len += len;
    c->body[c->body_len] = 0;
    return 0;
}

static int write_body(struct lws *wsi, struct conn_user *u)
{
    struct conn *c = u->http;
    if (!c || !c->responding)
        return 0;
    if (!c->headers_sent) {
        if (write_headers(wsi, c))
            return -1;
        if (c->head_only)
            c->out_len = 0;
        if (c->out_len) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    if ((c->out || c->resp.has_file) && c->out_sent < c->out_len) {
        unsigned char buf[LWS_PRE + CHUNK];
        size_t n = c->out_len - c->out_sent;
        if (n > CHUNK)
            n = CHUNK;
        if (c->resp.has_file) { /* streamed: a chunk per writable turn, never the whole file */
            ssize_t got = pread(c->resp.file_fd, buf + LWS_PRE, n, (off_t)c->out_sent);
            if (got != (ssize_t)n)
                return -1; /* shrank or unreadable: the promised length cannot be kept */
        } else {
            memcpy(buf + LWS_PRE, c->out + c->out_sent, n);
        }
        int final = c->out_sent + n == c->out_len;
        if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        c->out_sent += n;
        if (!final) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    int close_after = c->close_after;
    end_request(u);
    if (close_after)
        return -1;
    if (lws_http_transaction_completed(wsi))
        return -1;
    struct rs_edge_conn *ec = edge_of(wsi);
    if (ec) /* keep-alive: the next request has KEEPALIVE_S + header_timeout_s */
        rs_edge_idle(http_of(wsi)->edge, ec, rs_mono_ms());
    return 0;
}

/* LWS_CALLBACK_HTTP_BODY_COMPLETION a second time for one request. libwebsockets 4.1 does that
 * when requests come pipelined: once per turn of the loop while the answer waits to be
 * written, for a request with more requests behind it; and without end, within one service
 * call, for a request with a body that came behind one already answered: lws_http_action()
 * then hands over the first bytes of the request line as the body, and reads its buffer
 * again and again until the connection's state changes, which it never does while the answer
 * waits for the socket to be writable. One such packet held the control thread for good
 * (tests/fuzz/http/corpus/regress-pipelined-post-spin, tests/unit/http/test_pipelining.c).
 * Browsers do not pipeline; a client that does must be ready to send the rest again on a new
 * connection (RFC 9112, 9.3.2). So the answer that exists is written now and the connection
 * closed; an answer still being worked on (a job) is given up with the connection. */
static int body_completed_again(struct lws *wsi, struct conn_user *u)
{
    struct conn *c = u->http;
    if (!c->responding || c->resp.has_file)
        return -1;
    c->close_after = 1;
    while (u->http) /* a call per chunk; the last one ends the request and returns -1 */
        if (write_body(wsi, u))
            return -1;
    return -1;
}

/* Whether the WebSocket upgrade may go ahead: 0, or the HTTP status to refuse it with. Besides
 * the edge checks, the same-origin rule (cross-site WebSocket hijacking): a browser always
 * sends Origin, and it must name the host the page came from; non-browser clients that send
 * none are allowed. `report` counts and logs the refusal. */
static unsigned ws_refusal(struct lws *wsi, int report, const char **text)
{
    struct rs_http *h = http_of(wsi);
    char uri[64], host[HOST_MAX], origin[ORIGIN_MAX];
    *text = "not found\n";
    if (h->app->wakeup.stop || h->app->shutting_down) {
        *text = "shutting down\n";
        return 503;
    }
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
        strcmp(uri, "/signaling") != 0)
        return 404;
    enum edge e = edge_check(h, wsi, host, origin);
    if (e == EDGE_OK && !rs_http_same_origin(origin, host))
        e = EDGE_ORIGIN;
    if (e == EDGE_OK)
        return 0;
    if (report) {
        char addr[RS_ADDR_TEXT_MAX];
        rs_http_client_addr(wsi, addr, sizeof(addr), NULL);
        log_edge(e, addr, host, 1);
    }
    *text = e == EDGE_ORIGIN ? "cross-origin WebSocket refused\n" : edge_answer[e].text;
    return edge_answer[e].status;
}

/* Answers a refused upgrade at once with `status` (our usual headers) before the connection
 * is dropped: the client learns why instead of seeing a reset. */
static void refuse_upgrade(struct lws *wsi, unsigned status, const char *text)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->close_after = 1;
    c->resp.status = status;
    c->resp.content_type = "text/plain; charset=utf-8";
    c->out_len = strlen(text);
    unsigned char buf[LWS_PRE + 256];
    size_t n = c->out_len < 256 ? c->out_len : 256;
    memcpy(buf + LWS_PRE, text, n);
    if (write_headers(wsi, c) == 0)
        lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
    free(c);
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

/* One queued message per writeable callback. When the socket takes only part of a frame, lws
 * keeps the rest and sends it before anything else; while it holds it, the client is not read.
 * libwebsockets 4.1 answers a close frame that arrives in that state by dropping the connection
 * without passing the close on (ops-ws.c, "Closing on peer close due to pending tx"), so a page
 * that went away with 1001 — or a client that closed with 1000 — would look lost and its
 * participant would stay "reconnecting" for resume_grace_s (found by the soak, bench/soak.sh).
 * Holding the reads back until the frame is out (the next writeable callback comes only then)
 * lets every close frame reach LWS_CALLBACK_WS_PEER_INITIATED_CLOSE with its status. */
static int ws_writeable(struct lws *wsi, struct conn_user *u)
{
    struct rs_session *s = u->session;
    if (!s)
        return -1;
    if (u->rx_held) {
        u->rx_held = 0;
        lws_rx_flow_control(wsi, 1);
    }
    struct rs_outbuf *b = rs_session_peek(s);
    if (b) {
        if (lws_write(wsi, b->data + RS_OUTBUF_HEADROOM, b->len, LWS_WRITE_TEXT) < (int)b->len)
            return -1;
        rs_session_pop(s);
        if (lws_partial_buffered(wsi)) {
            u->rx_held = 1;
            lws_rx_flow_control(wsi, 0);
            lws_callback_on_writable(wsi);
            return 0;
        }
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

/* While the context is created: our TLS settings and certificate callback on the vhost's
 * SSL_CTX (lws loads no certificate itself: it gets no file paths). */
static int tls_attach(struct lws *wsi, void *ssl_ctx)
{
    struct rs_http *h = http_of(wsi);
    if (!h || !h->tls)
        return -1;
    return rs_tls_attach(h->tls, ssl_ctx, h->tls_err, sizeof(h->tls_err)) ? -1 : 0;
}

/* Wake-up handler: a SIGHUP asked for a reload (the signal handler only set the flag). */
static void on_wake(void *arg)
{
    struct rs_http *h = arg;
    if (!h->app->wakeup.reload)
        return;
    h->app->wakeup.reload = 0;
    if (!h->tls) {
        RS_INFO("http", "event=reload tls=off");
        return;
    }
    char why[512];
    if (rs_tls_reload(h->tls, why, sizeof(why)))
        RS_ERROR("http", "event=tls_reload_failed kept_sha256=%s error=\"%s\"",
                 rs_tls_fingerprint(h->tls), why);
    else
        RS_INFO("http", "event=tls_reloaded sha256=%s not_after=%s", rs_tls_fingerprint(h->tls),
                rs_tls_not_after(h->tls));
}

/* One line per EDGE_LOG_MS at most with what was refused and closed since the last one: an
 * attack must not turn into a flood of log lines. */
static void edge_log(struct rs_http *h, int64_t now)
{
    if (now - h->edge_logged_ms < EDGE_LOG_MS)
        return;
    unsigned refused = h->log_per_ip + h->log_busy + h->log_no_fd;
    if (!refused && !h->log_accept_errno && !h->log_header_timeouts && !h->log_join_timeouts)
        return;
    rs_log(refused || h->log_accept_errno ? RS_LOG_WARN : RS_LOG_INFO, "http",
           "event=edge refused_per_ip=%u refused_busy=%u refused_no_fd=%u header_timeouts=%u "
           "join_timeouts=%u accept_error=%s connections=%u since_ms=%lld",
           h->log_per_ip, h->log_busy, h->log_no_fd, h->log_header_timeouts, h->log_join_timeouts,
           h->log_accept_errno ? strerror(h->log_accept_errno) : "none", rs_edge_total(h->edge),
           (long long)(now - h->edge_logged_ms));
    h->edge_logged_ms = now;
    h->log_per_ip = h->log_busy = h->log_no_fd = 0;
    h->log_header_timeouts = h->log_join_timeouts = 0;
    h->log_accept_errno = 0;
}

static void on_resume(lws_sorted_usec_list_t *sul)
{
    struct rs_http *h = lws_container_of(sul, struct rs_http, resume);
    if (h->listen_wsi)
        lws_rx_flow_control(h->listen_wsi, 1);
}

/* accept failed (out of descriptors, or worse): stop polling the socket for a moment */
static void pause_accepting(struct rs_http *h)
{
    lws_rx_flow_control(h->listen_wsi, 0);
    lws_sul_schedule(h->ctx, 0, &h->resume, on_resume, ACCEPT_PAUSE_US);
}

static void refuse(struct rs_http *h, int fd, enum rs_edge_verdict v)
{
    switch (v) {
    case RS_EDGE_PER_IP:
        rs_metric_inc(RS_M_HTTP_REFUSED_PER_IP);
        h->log_per_ip++;
        rs_listener_refuse(fd, 429, "too many connections from your address\n");
        break;
    case RS_EDGE_BUSY:
        rs_metric_inc(RS_M_HTTP_REFUSED_BUSY);
        h->log_busy++;
        rs_listener_refuse(fd, 429, "server is busy and your address holds many connections\n");
        break;
    default:
        rs_metric_inc(RS_M_HTTP_REFUSED_NO_FD);
        h->log_no_fd++;
        rs_listener_refuse(fd, 503, "server is out of connections; try again\n");
        break;
    }
}

/* The listening socket is readable: accept, ask the edge, hand to lws or refuse. */
static void accept_ready(struct rs_http *h)
{
    int64_t now = rs_mono_ms();
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int refused;
        int fd = rs_listener_accept(&h->listener, &refused);
        if (fd == -EAGAIN)
            break;
        if (fd < 0) {
            if (refused) {
                rs_metric_inc(RS_M_HTTP_REFUSED_NO_FD);
                h->log_no_fd++;
            }
            h->log_accept_errno = -fd;
            pause_accepting(h);
            break;
        }
        char addr[RS_EDGE_ADDR_MAX];
        socket_address(fd, addr, sizeof(addr));
        enum rs_edge_verdict v =
            fd >= h->fd_cap ? RS_EDGE_FULL : rs_edge_admit(h->edge, addr, !local_proxy(h, addr));
        if (v != RS_EDGE_OK) {
            refuse(h, fd, v);
            continue;
        }
        h->accepting = addr; /* SERVER_NEW_CLIENT_INSTANTIATED opens the edge record */
        lws_adopt_socket_vhost(h->vhost, fd); /* on failure lws has closed fd */
        h->accepting = NULL;
    }
    edge_log(h, now);
}

/* On the tick: close what is overdue (408 when the client is still sending a request) and,
 * once a second, WebSockets that stayed in no room for join_timeout_s. */
static void edge_sweep(struct rs_http *h, int64_t now)
{
    static const char timeout_408[] = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                                      "Connection: close\r\n\r\n";
    enum rs_edge_state was;
    struct lws *wsi;
    while ((wsi = rs_edge_overdue(h->edge, now, &was))) {
        /* nothing of a response was written yet in these states; an idle keep-alive
         * connection's last response may still be in lws' buffer, so it just goes */
        if (was == RS_EDGE_HEADERS || was == RS_EDGE_BODY)
            (void)send(lws_get_socket_fd(wsi), timeout_408, sizeof(timeout_408) - 1,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
        rs_metric_inc(RS_M_HTTP_CLOSED_HEADER_TIMEOUT);
        h->log_header_timeouts++;
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    if (now - h->join_checked_ms >= 1000) {
        /* after a stall of this loop the clients' messages are still unread: nobody is silent */
        bool stalled = h->join_checked_ms && now - h->join_checked_ms > 3000;
        h->join_checked_ms = now;
        h->log_join_timeouts +=
            rs_sessions_close_roomless(h->app, now, (int64_t)h->app->cfg.join_timeout_s * 1000);
        if (!stalled)
            rs_sessions_mark_silent(h->app, now);
    }
    rs_metric_set(RS_M_HTTP_CONNECTIONS, rs_edge_total(h->edge));
    edge_log(h, now);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS) /* user: the SSL_CTX */
        return tls_attach(wsi, user);
    /* a relay link's certificate, asked of the first protocol (user: the X509_STORE_CTX):
     * OpenSSL's verdict stands, 0 adds nothing to it */
    if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION)
        return 0;
    struct conn_user *u = user;
    struct conn *c = u ? u->http : NULL;
    struct rs_http *h;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE: /* the listening socket */
        h = http_of(wsi);
        if (wsi == h->listen_wsi)
            accept_ready(h);
        return 0;
    case LWS_CALLBACK_RAW_ADOPT_FILE:
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        return 0;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: {
        h = http_of(wsi);
        if (!h->accepting)
            return 0;
        struct rs_edge_conn *ec = rs_edge_open(h->edge, h->accepting, wsi, rs_mono_ms());
        if (!ec)
            return -1;
        lws_set_opaque_user_data(wsi, ec);
        rs_metric_set(RS_M_HTTP_CONNECTIONS, rs_edge_total(h->edge));
        return 0;
    }
    case LWS_CALLBACK_WSI_DESTROY: {
        struct rs_edge_conn *ec = edge_of(wsi);
        if (ec) {
            h = http_of(wsi);
            lws_set_opaque_user_data(wsi, NULL);
            rs_edge_close(h->edge, ec);
            rs_metric_set(RS_M_HTTP_CONNECTIONS, rs_edge_total(h->edge));
        }
        return 0;
    }
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, u, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (!c)
            return -1;
        if (c->responding) /* refused at its headers (a 411 for chunked, say): not read */
            return 0;
        if (!c->body_chunks++ && header_bytes(in, len))
            return -1;
        return on_body(c, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!c)
            return -1;
        if (c->body_completed)
            return body_completed_again(wsi, u);
        c->body_completed = 1;
        if (edge_of(wsi))
            rs_edge_body_done(http_of(wsi)->edge, edge_of(wsi));
        if (c->responding || c->pending)
            return 0;
        return dispatch(wsi, c);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return u ? write_body(wsi, u) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (u)
            end_request(u);
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        const char *text;
        unsigned status = ws_refusal(wsi, 1, &text);
        if (!status)
            return 0;
        refuse_upgrade(wsi, status, text);
        return -1;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        const char *text; /* checked and answered at LWS_CALLBACK_HTTP_CONFIRM_UPGRADE */
        if (ws_refusal(wsi, 0, &text) != 0)
            return 1;
        h = http_of(wsi);
        struct rs_edge_conn *ec = edge_of(wsi);
        char peer[RS_ADDR_TEXT_MAX];
        client_address(wsi, peer, sizeof(peer));
        if (ec && rs_edge_headers_done(h->edge, ec, peer, 0, rs_mono_ms()) != RS_EDGE_OK) {
            rs_metric_inc(RS_M_HTTP_REFUSED_PER_IP);
            h->log_per_ip++;
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_ADD_HEADERS: { /* the 101 of an upgrade (see HSTS) */
        struct lws_process_html_args *args = in;
        if (!lws_is_ssl(wsi))
            return 0;
        unsigned char *p = (unsigned char *)args->p;
        if (add_header(wsi, HSTS.name, HSTS.value, &p, p + args->max_len))
            return -1;
        args->p = (char *)p;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        h = http_of(wsi);
        char peer[RS_ADDR_TEXT_MAX] = "", cookie[4096] = "";
        if (edge_of(wsi))
            rs_edge_websocket(h->edge, edge_of(wsi));
        count_client_source(rs_http_client_addr(wsi, peer, sizeof(peer), NULL));
        copy_hdr(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE);
        end_request(u);
        u->session = rs_session_new(h->app, &session_ops, wsi, peer);
        if (u->session)
            rs_web_session_identify(h->app, cookie, &u->session->peer.ident);
        return u->session ? 0 : -1;
    }
    case LWS_CALLBACK_RECEIVE:
        if (u->session)
            rs_session_on_fragment(u->session, in, len, lws_is_first_fragment(wsi),
                                   lws_is_final_fragment(wsi), lws_frame_is_binary(wsi));
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writeable(wsi, u);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        u->peer_closed = 1;
        if (u->session && in && len >= 2) /* a page that went away; a lost one may come back */
            u->session->peer_close_status =
                ((const uint8_t *)in)[0] << 8 | ((const uint8_t *)in)[1];
        return 0;
    case LWS_CALLBACK_CLOSED:
        /* a close status that neither the session nor the client gave: libwebsockets refused
         * a frame breaking RFC 6455 (1002, or 1007 for invalid UTF-8) */
        if (u->session && !u->session->closing && !u->peer_closed && lws_get_close_length(wsi) >= 2)
            rs_metric_inc(RS_M_WS_CLOSED_PROTOCOL);
        if (u->session) {
            rs_session_free(u->session);
            u->session = NULL;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        h = lws_context_user(lws_get_context(wsi));
        if (h)
            rs_wakeup_run(&h->app->wakeup);
        rs_jobs_poll();
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    /* 1 KiB receive buffer per connection, held as long as the connection: most signaling
     * frames fit; larger ones (SDP) arrive in fragments that the session reassembles. Sends
     * are limited by tx_packet_size instead (lws would otherwise cap them at the receive
     * buffer size and copy the rest of every larger frame aside). */
    {"ratsaal-signaling", callback, sizeof(struct conn_user), 1024, 0, NULL, 16384},
    /* the cascade's client links to other nodes (http/cascade_link.c) */
    {RS_CASCADE_LINK_PROTOCOL, rs_cascade_link_callback, 0, 4096, 0, NULL, 16384},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static const lws_retry_bo_t retry = {
    .secs_since_valid_ping = 20,   /* idle connections are pinged */
    .secs_since_valid_hangup = 45, /* and dropped when the ping is not answered */
};

static void lws_log_emit(int level, const char *line)
{
    /* A control frame over 125 bytes: lws drops the connection without a close status and
     * warns. Counted instead of logged, so such clients cannot fill the log. */
    if (strstr(line, "Control frame with xtended length is illegal")) {
        rs_metric_inc(RS_M_WS_CLOSED_PROTOCOL);
        return;
    }
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    rs_log(level == LLL_ERR ? RS_LOG_ERROR : RS_LOG_WARN, "lws", "%.*s", (int)n, line);
}

static void wake_loop(void *loop)
{
    lws_cancel_service(loop);
}

/* Raises the descriptor limit to what max_connections needs and works out how many
 * connections fit under what was granted. */
static void size_connections(struct rs_http *h, unsigned *max_conns)
{
    const struct rs_config *cfg = &h->app->cfg;
    long want = (long)cfg->max_connections + RS_FD_RESERVE, hard;
    long soft = rs_fd_limit_raise(want, &hard);
    long reserve = soft >= 4 * RS_FD_RESERVE ? RS_FD_RESERVE : soft / 4;
    long cap = soft - reserve;
    h->fd_cap = cap > 1 << 30 ? 1 << 30 : (int)cap;
    *max_conns = (long)cfg->max_connections < cap ? cfg->max_connections : (unsigned)cap;
    RS_INFO("http", "event=fd_limit soft=%ld hard=%ld wanted=%ld max_connections=%u", soft, hard,
            want, *max_conns);
    if (*max_conns < cfg->max_connections)
        RS_WARN("http",
                "event=max_connections_lowered configured=%u to=%u fd_limit=%ld hint=raise the "
                "hard limit (systemd LimitNOFILE=%ld)",
                cfg->max_connections, *max_conns, soft, want);
    rs_metric_set(RS_M_HTTP_CONNECTIONS_MAX, *max_conns);
}

int rs_http_start(struct rs_app *app, struct rs_http **out, char *err, size_t errlen)
{
    struct rs_http *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->app = app;
    h->started_ms = rs_mono_ms();
    h->listener.fd = h->listener.reserve_fd = -1;
    learn_names(h);
    int rc = rs_static_load(app->cfg.web_root, &h->files, err, errlen);
    if (rc)
        goto fail_free;
    if (!rs_static_find(h->files, "/index.html") || !rs_static_find(h->files, "/room.html")) {
        snprintf(err, errlen, "web_root: %s has no index.html and room.html",
                 app->cfg.web_root);
        rc = -ENOENT;
        goto fail_free;
    }
    if (app->cfg.tls_cert[0]) {
        char why[400];
        rc = rs_tls_new(app->cfg.tls_cert, app->cfg.tls_key, &h->tls, why, sizeof(why));
        if (rc) {
            snprintf(err, errlen, "config: %s", why);
            goto fail_free;
        }
    }
    if (app->cfg.cluster_secret[0] || app->cfg.cluster_ca_file[0]) {
        char why[400];
        rc = rs_tls_client_new(app->cfg.cluster_ca_file, &h->link_tls, why, sizeof(why));
        if (rc) {
            snprintf(err, errlen, "config: %s", why);
            goto fail_free;
        }
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);

    /* before lws sizes its descriptor tables from the limit */
    struct rs_edge_limits lim = {
        .per_ip = app->cfg.max_connections_per_ip,
        .http_pool = HEADER_POOL,
        .header_ms = (int64_t)app->cfg.header_timeout_s * 1000,
        .idle_ms = (int64_t)(KEEPALIVE_S + app->cfg.header_timeout_s) * 1000,
    };
    size_connections(h, &lim.max_conns);
    h->edge = rs_edge_new(&lim);
    if (!h->edge) {
        rc = -ENOMEM;
        goto fail_free;
    }
    rc = rs_listener_open(&h->listener, app->cfg.listen_addr, app->cfg.listen_port, err, errlen);
    if (rc)
        goto fail_free;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* we accept (listener.c) and lws adopts */
    info.protocols = protocols;
    info.user = h;
    info.max_http_header_data = HEADER_DATA_MAX;
    info.max_http_header_pool = HEADER_POOL;
    info.retry_and_idle_policy = &retry;
    info.timeout_secs = 20;
    /* lws' own limits behind ours (edge_sweep closes first and counts) */
    info.timeout_secs_ah_idle = app->cfg.header_timeout_s + 2;
    info.keepalive_timeout = KEEPALIVE_S;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    info.vhost_name = "ratsaal";
    info.server_string = "ratsaal";
    if (h->tls) {
        /* an SSL_CTX without certificate: tls_attach sets it up; HTTP/1.1 only, which is
         * what the WebSocket code and its tests use */
        info.options |=
            LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
        info.alpn = "http/1.1";
        info.headers = &HSTS;
    }
    if (h->link_tls) {
        /* the global init is what makes lws give the vhost a client SSL_CTX; it is ours
         * (lws does not free a provided one), so lws' own CA loading never runs */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.provided_client_ssl_ctx = h->link_tls;
    }
    h->ctx = lws_create_context(&info);
    if (!h->ctx && h->tls_err[0]) {
        snprintf(err, errlen, "%s", h->tls_err);
        rc = -EINVAL;
        goto fail_free;
    }
    h->vhost = h->ctx ? lws_get_vhost_by_name(h->ctx, "ratsaal") : NULL;
    rs_cascade_link_set_context(h->ctx);
    if (app->cfg.cluster_secret[0])
        rs_cascade_links_install(app);
    if (h->vhost) {
        lws_adopt_desc_t ad;
        memset(&ad, 0, sizeof(ad));
        ad.vh = h->vhost;
        ad.type = LWS_ADOPT_RAW_FILE_DESC;
        ad.fd.filefd = h->listener.fd;
        h->listen_wsi = lws_adopt_descriptor_vhost_via_info(&ad);
    }
    if (!h->listen_wsi) {
        snprintf(err, errlen, "listen: the HTTP library could not be started on %s:%u",
                 app->cfg.listen_addr, app->cfg.listen_port);
        rc = -EIO;
        goto fail_ctx;
    }
    rc = rs_wakeup_add(&app->wakeup, on_wake, h);
    if (rc) {
        snprintf(err, errlen, "http: no room for a wake-up handler");
        lws_context_destroy(h->ctx);
        goto fail_free;
    }
    lws_sul_schedule(h->ctx, 0, &h->tick, on_tick, TICK_US);
    /* this loop is the control thread's: others wake it through app->wakeup */
    app->wakeup.loop = h->ctx;
    app->wakeup.wake = wake_loop;
    RS_INFO("http", "event=listening addr=%s port=%u files=%zu", app->cfg.listen_addr,
            app->cfg.listen_port, rs_static_count(h->files));
    if (h->tls)
        RS_INFO("http", "event=tls_on sha256=%s not_after=%s", rs_tls_fingerprint(h->tls),
                rs_tls_not_after(h->tls));
    if (h->link_tls)
        RS_INFO("http", "event=relay_link_trust ca=%s",
                app->cfg.cluster_ca_file[0] ? app->cfg.cluster_ca_file : "system");
    *out = h;
    return 0;
fail_ctx:
    if (h->ctx)
        lws_context_destroy(h->ctx);
fail_free:
    rs_tls_free(h->tls);
    SSL_CTX_free(h->link_tls);
    rs_listener_close(&h->listener, 0);
    rs_edge_free(h->edge);
    rs_static_free(h->files);
    free(h);
    return rc;
}

void rs_http_run(struct rs_http *h, int drain_ms)
{
    while (!h->app->wakeup.stop)
        if (lws_service(h->ctx, 0) < 0)
            break;
    struct rs_app *app = h->app;
    app->shutting_down = 1;
    rs_cluster_glue_drain(app); /* no new rooms here, before the sessions go */
    RS_INFO("http", "event=shutting_down sessions=%u",
            (unsigned)rs_metric_get(RS_M_WS_CONNECTIONS));
    if (app->cluster) {
        /* a cluster node hands its meetings over (docs/cluster.md "Drain"): each room's
         * snapshot, its lease given up, its participants told `moved`; a room whose snapshot
         * cannot be written (Redis away) is tried again until the deadline, then ends below */
        int64_t until = rs_mono_ms() + (int64_t)app->cfg.cluster_drain_timeout_s * 1000;
        unsigned left;
        while ((left = rs_cluster_glue_hand_over(app)) && rs_mono_ms() < until) {
            int64_t pause = rs_mono_ms() + 500;
            while (rs_mono_ms() < pause && rs_mono_ms() < until)
                if (lws_service(h->ctx, 0) < 0)
                    break;
        }
        RS_INFO("cluster", "event=handed_over rooms_left=%u", left);
    }
    json_t *ev = rs_event("control", "shutdown", "{s:s}", "text", "server is shutting down");
    for (struct rs_session *s = app->sessions; s; s = s->next) {
        if (app->cluster && s->closing)
            continue; /* told `moved` by the drain above: it resumes elsewhere */
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
        h->app->wakeup.wake = NULL;
        h->app->wakeup.loop = NULL;
        rs_wakeup_remove(&h->app->wakeup, on_wake, h);
        lws_sul_cancel(&h->tick);
        lws_sul_cancel(&h->resume);
        rs_cascade_link_set_context(NULL); /* no new relay links from here on */
        lws_context_destroy(h->ctx); /* closes every connection, and the adopted listener */
    }
    rs_tls_free(h->tls); /* after the SSL_CTX that calls into it */
    SSL_CTX_free(h->link_tls); /* after lws, which does not free a provided one */
    rs_listener_close(&h->listener, h->listen_wsi != NULL);
    rs_edge_free(h->edge);
    rs_static_free(h->files);
    free(h);
}
