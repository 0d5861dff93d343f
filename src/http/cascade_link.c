/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade's signaling links (core/app.h rs_cascade_links): WebSocket client connections
 * from this node to another node's /signaling, on the server's own libwebsockets context and
 * control thread. What arrives is another node's output and still untrusted: a message longer
 * than RS_CASCADE_LINK_MSG_MAX closes the link (counted as bad input), the queue of unsent
 * messages is bounded (a link that cannot keep up is closed).
 *
 * Lifetime: the link struct is ours; the wsi refers to it as its user data until the first of
 * LWS_CALLBACK_CLIENT_CONNECTION_ERROR / CLIENT_CLOSED / WSI_DESTROY, which tells the owner (if
 * it did not close the link itself), detaches it from the wsi and frees it. close() detaches
 * the owner (no callback any more) and asks lws to close (the WRITEABLE callback returns -1);
 * without a wsi it frees the link at once.
 *
 * TLS: an https:// owner URL is a wss:// link (the link carries cluster_secret). lws verifies
 * the owner's certificate during the handshake, the chain against the vhost's client SSL_CTX
 * (http/tls.c rs_tls_client_new: cluster_ca_file or the system's CA store) and the host name
 * from ci.host; there is deliberately no flag here that relaxes either. A refused certificate
 * is a CLIENT_CONNECTION_ERROR like a refused connection, so the cascade's retry and give-up
 * apply unchanged; only the log line says which it was. */
#include "http/cascade_link.h"

#include <ctype.h>
#include <errno.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"

#define RS_CASCADE_LINK_MSG_MAX (256 * 1024) /* one message from the owner (an SDP offer fits) */
#define RS_CASCADE_LINK_QUEUE 64             /* unsent messages to the owner */

struct qmsg {
    size_t len;
    unsigned char *buf; /* LWS_PRE + len */
};

struct rs_cascade_link {
    struct lws *wsi;
    const struct rs_cascade_link_cb *cb; /* NULL once the owner closed it */
    void *ctx;
    char *rx;
    size_t rx_len, rx_cap;
    struct qmsg q[RS_CASCADE_LINK_QUEUE];
    unsigned q_head, q_n;
    bool closing, reported;
};

static struct lws_context *g_ctx;

void rs_cascade_link_set_context(struct lws_context *ctx)
{
    g_ctx = ctx;
}

static void link_free(struct rs_cascade_link *l)
{
    for (unsigned i = 0; i < l->q_n; i++)
        free(l->q[(l->q_head + i) % RS_CASCADE_LINK_QUEUE].buf);
    free(l->rx);
    free(l);
}

static void report_closed(struct rs_cascade_link *l, const char *why)
{
    if (l->reported || !l->cb)
        return;
    l->reported = true;
    const struct rs_cascade_link_cb *cb = l->cb;
    l->cb = NULL;
    cb->on_closed(l->ctx, why);
}

/* Logs why a connection attempt failed, once, and returns the reason for the owner. For TLS,
 * lws 4.1 passes only a generic "connect SSL err" text: the certificate's verdict is asked of
 * the connection's SSL, which lws frees only after this callback. */
static const char *connect_failed(struct lws *wsi, const char *in, size_t len)
{
    SSL *ssl = lws_get_ssl(wsi);
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (v != X509_V_OK) {
        RS_WARN("cascade", "event=link_connect_failed why=certificate_not_verified error=%ld "
                           "reason=\"%s\"",
                v, X509_verify_cert_error_string(v));
        return "certificate_not_verified";
    }
    size_t n = 0; /* one log line: lws' texts may end in a newline */
    while (in && n < len && in[n] && (unsigned char)in[n] >= 0x20 && in[n] != '"')
        n++;
    RS_WARN("cascade", "event=link_connect_failed why=\"%.*s\"", (int)n, in ? in : "");
    return "connect_failed";
}

int rs_cascade_link_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    /* the link is the wsi's user data (ci.userdata): its opaque user data belongs to the
     * server's connection bookkeeping (http/edge.c), which sees every wsi's destruction */
    struct rs_cascade_link *l = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (l && l->cb && l->cb->on_open)
            l->cb->on_open(l->ctx);
        if (l && l->q_n)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (!l || !l->cb)
            return l && l->closing ? -1 : 0;
        if (lws_frame_is_binary(wsi) || l->rx_len + len > RS_CASCADE_LINK_MSG_MAX) {
            rs_metric_inc(RS_M_CASCADE_BAD_INPUT);
            report_closed(l, "bad_message");
            return -1;
        }
        if (l->rx_len + len + 1 > l->rx_cap) {
            size_t cap = l->rx_cap ? l->rx_cap : 4096;
            while (cap < l->rx_len + len + 1)
                cap *= 2;
            char *n = realloc(l->rx, cap);
            if (!n) {
                report_closed(l, "oom");
                return -1;
            }
            l->rx = n;
            l->rx_cap = cap;
        }
        memcpy(l->rx + l->rx_len, in, len);
        l->rx_len += len;
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            l->rx[l->rx_len] = 0;
            size_t n = l->rx_len;
            l->rx_len = 0;
            l->cb->on_message(l->ctx, l->rx, n);
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (!l || l->closing)
            return -1;
        if (!l->q_n)
            return 0;
        struct qmsg *m = &l->q[l->q_head];
        if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
            report_closed(l, "write_failed");
            return -1;
        }
        free(m->buf);
        l->q_head = (l->q_head + 1) % RS_CASCADE_LINK_QUEUE;
        l->q_n--;
        if (l->q_n)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        /* whichever comes first ends the link: the owner is told (unless it closed it), the
         * wsi forgets it, and it is freed (later callbacks of this wsi see no user) */
        if (l) {
            const char *why = "closed";
            if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR)
                why = connect_failed(wsi, in, len);
            report_closed(l, why);
            lws_set_wsi_user(wsi, NULL);
            link_free(l);
        }
        return 0;
    default:
        return 0;
    }
}

int rs_cascade_url_split(const char *url, struct rs_cascade_url *out)
{
    memset(out, 0, sizeof(*out));
    const char *h;
    if (strncmp(url, "https://", 8) == 0) {
        out->tls = true;
        h = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        h = url + 7;
    } else {
        return -ENOTSUP;
    }
    const char *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    const char *name = h, *after;
    size_t nl;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', hl);
        if (!close)
            return -EINVAL;
        if (out->tls)
            return -ENOTSUP;
        name = h + 1;
        nl = (size_t)(close - name);
        after = close + 1;
        for (size_t i = 0; i < nl; i++)
            if (!strchr("0123456789abcdefABCDEF:.", name[i]))
                return -EINVAL;
    } else {
        const char *colon = memchr(h, ':', hl);
        nl = colon ? (size_t)(colon - h) : hl;
        after = h + nl;
        for (size_t i = 0; i < nl; i++)
            if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '-')
                return -EINVAL;
    }
    if (nl == 0 || nl >= sizeof(out->host))
        return -EINVAL;
    memcpy(out->host, name, nl);
    out->port = out->tls ? 443 : 80;
    if (after < h + hl) {
        if (*after != ':' || after + 1 == h + hl || !isdigit((unsigned char)after[1]))
            return -EINVAL;
        char *end;
        long v = strtol(after + 1, &end, 10);
        if (end != h + hl || v < 1 || v > 65535)
            return -EINVAL;
        out->port = (int)v;
    }
    size_t pl = slash ? strlen(slash) : 0;
    while (pl > 0 && slash[pl - 1] == '/') /* paths are appended to it */
        pl--;
    for (size_t i = 0; i < pl; i++)
        if ((unsigned char)slash[i] <= 0x20 || (unsigned char)slash[i] >= 0x7f)
            return -EINVAL;
    int n = snprintf(out->path, sizeof(out->path), "%.*s/signaling", (int)pl, pl ? slash : "");
    int m = snprintf(out->host_hdr, sizeof(out->host_hdr), "%.*s", (int)hl, h);
    return n > 0 && (size_t)n < sizeof(out->path) && m > 0 && (size_t)m < sizeof(out->host_hdr)
               ? 0
               : -EINVAL;
}

static struct rs_cascade_link *link_open(void *user, const char *url,
                                         const struct rs_cascade_link_cb *cb, void *ctx)
{
    (void)user;
    struct rs_cascade_url u;
    if (!g_ctx)
        return NULL;
    if (rs_cascade_url_split(url, &u)) {
        RS_WARN("cascade", "event=link_bad_url url=\"%s\"", url);
        return NULL;
    }
    struct rs_cascade_link *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->cb = cb;
    l->ctx = ctx;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = g_ctx;
    ci.address = u.host;
    ci.port = u.port;
    ci.path = u.path;
    ci.host = u.host_hdr; /* with TLS also the name checked against the certificate */
    /* chain and host name verified, never relaxed: the link carries cluster_secret. Trust
     * is the vhost's client SSL_CTX (rs_tls_client_new: cluster_ca_file or the system's). */
    ci.ssl_connection = u.tls ? LCCSCF_USE_SSL : 0;
    ci.origin = NULL;
    ci.protocol = NULL;
    ci.local_protocol_name = RS_CASCADE_LINK_PROTOCOL;
    ci.userdata = l;
    /* no ci.pwsi: lws would write into it when the wsi goes, after we may have freed `l` */
    l->cb = NULL; /* nothing reported while connecting synchronously fails */
    struct lws *wsi = lws_client_connect_via_info(&ci);
    if (!wsi) { /* the wsi, if any was made, is destroyed already (its user pointer cleared) */
        link_free(l);
        return NULL;
    }
    l->wsi = wsi;
    l->cb = cb;
    return l;
}

static int link_send(struct rs_cascade_link *l, const char *text, size_t len)
{
    if (!l || l->closing || !l->wsi)
        return -ENOTCONN;
    if (l->q_n == RS_CASCADE_LINK_QUEUE)
        return -ENOBUFS;
    unsigned char *buf = malloc(LWS_PRE + len);
    if (!buf)
        return -ENOMEM;
    memcpy(buf + LWS_PRE, text, len);
    struct qmsg *m = &l->q[(l->q_head + l->q_n) % RS_CASCADE_LINK_QUEUE];
    m->buf = buf;
    m->len = len;
    l->q_n++;
    lws_callback_on_writable(l->wsi);
    return 0;
}

static void link_close(struct rs_cascade_link *l)
{
    if (!l)
        return;
    l->cb = NULL;
    l->closing = true;
    if (l->wsi)
        lws_callback_on_writable(l->wsi); /* returns -1 there: lws closes and destroys it */
    else
        link_free(l);
}

void rs_cascade_links_install(struct rs_app *app)
{
    app->cascade_links = (struct rs_cascade_links){
        .open = link_open, .send = link_send, .close = link_close, .user = NULL};
}
