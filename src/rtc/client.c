/* SPDX-License-Identifier: EUPL-1.2 */
/* Client transport for tests and load generation (see client.h). */
#include "rtc/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/random.h"
#include "rtc/demux.h"
#include "rtc/stun.h"

int rs_client_open(struct rs_client *c, struct rs_dtls_ctx *ctx, const char *ip, uint16_t port,
                   const char *server_ufrag, const char *server_pwd,
                   const uint8_t server_fp[RS_DTLS_FP_LEN])
{
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -errno;
    struct sockaddr_in local = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    if (bind(c->fd, (struct sockaddr *)&local, sizeof(local))) {
        close(c->fd);
        return -errno;
    }
    c->server.sin_family = AF_INET;
    c->server.sin_port = htons(port);
    if (inet_pton(AF_INET, ip, &c->server.sin_addr) != 1) {
        close(c->fd);
        return -EINVAL;
    }
    char ours[9];
    rs_random_token(ours, 8);
    for (char *p = ours; *p; p++)
        if (*p == '-' || *p == '_')
            *p = 'x'; /* ice-chars only */
    snprintf(c->username, sizeof(c->username), "%s:%s", server_ufrag, ours);
    snprintf(c->server_pwd, sizeof(c->server_pwd), "%s", server_pwd);
    c->dtls = rs_dtls_new(ctx, RS_DTLS_CLIENT, server_fp);
    if (!c->dtls) {
        close(c->fd);
        return -ENOMEM;
    }
    return 0;
}

int rs_client_send_raw(struct rs_client *c, const void *buf, size_t len)
{
    ssize_t n = sendto(c->fd, buf, len, 0, (struct sockaddr *)&c->server, sizeof(c->server));
    return n == (ssize_t)len ? 0 : -errno;
}

int rs_client_send_check(struct rs_client *c)
{
    uint8_t txid[RS_STUN_TXID_LEN], buf[512];
    rs_random_bytes(txid, sizeof(txid));
    struct rs_stun_binding_request req = {
        .username = c->username,
        .username_len = strlen(c->username),
        .priority = 2130706431u,
        .tie_breaker = ((uint64_t)rs_random_u32() << 32) | rs_random_u32(),
        .controlling = true,
        .use_candidate = true,
    };
    size_t len;
    int rc = rs_stun_build_binding_request(buf, sizeof(buf), txid, &req,
                                           (const uint8_t *)c->server_pwd,
                                           strlen(c->server_pwd), &len);
    return rc ? rc : rs_client_send_raw(c, buf, len);
}

static void flush_dtls(struct rs_client *c)
{
    uint8_t buf[RS_DTLS_MTU + 64];
    size_t len;
    while (rs_dtls_next_out(c->dtls, buf, sizeof(buf), &len) == 0)
        rs_client_send_raw(c, buf, len);
}

int rs_client_recv(struct rs_client *c, uint8_t *buf, size_t cap, int timeout_ms, int *kind)
{
    *kind = 0;
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    int pr = poll(&pfd, 1, timeout_ms);
    if (pr <= 0)
        return -ETIMEDOUT;
    ssize_t n = recv(c->fd, buf, cap, 0);
    if (n <= 0)
        return -EAGAIN;
    size_t len = (size_t)n;
    switch (rs_demux(buf, len)) {
    case RS_PKT_STUN: {
        struct rs_stun_msg msg;
        if (rs_stun_parse(buf, len, &msg) == 0 && msg.type == RS_STUN_BINDING_SUCCESS &&
            rs_stun_check_integrity(&msg, (const uint8_t *)c->server_pwd,
                                    strlen(c->server_pwd)) == 0)
            c->stun_ok++;
        return -EAGAIN;
    }
    case RS_PKT_DTLS:
        rs_dtls_handle(c->dtls, buf, len);
        flush_dtls(c);
        return -EAGAIN;
    case RS_PKT_RTP:
    case RS_PKT_RTCP: {
        if (!c->srtp_ready)
            return -EAGAIN;
        bool rtcp = rs_demux(buf, len) == RS_PKT_RTCP;
        int rc = rtcp ? rs_srtp_unprotect_rtcp(&c->srtp, buf, &len)
                      : rs_srtp_unprotect_rtp(&c->srtp, buf, &len);
        if (rc)
            return -EAGAIN;
        *kind = rtcp ? 2 : 1;
        return (int)len;
    }
    default:
        return -EAGAIN;
    }
}

int rs_client_connect(struct rs_client *c, int timeout_ms)
{
    int64_t deadline = rs_mono_ms() + timeout_ms;
    uint8_t buf[2048];
    int kind;
    int64_t next_check = 0;
    while (!c->stun_ok) {
        int64_t now = rs_mono_ms();
        if (now > deadline)
            return -ETIMEDOUT;
        if (now >= next_check) {
            rs_client_send_check(c);
            next_check = now + 100;
        }
        rs_client_recv(c, buf, sizeof(buf), 50, &kind);
    }
    rs_dtls_start(c->dtls);
    flush_dtls(c);
    while (rs_dtls_state(c->dtls) == RS_DTLS_HANDSHAKING) {
        int64_t now = rs_mono_ms();
        if (now > deadline)
            return -ETIMEDOUT;
        rs_client_recv(c, buf, sizeof(buf), 20, &kind);
        uint64_t next;
        rs_dtls_poll_timeout(c->dtls, (uint64_t)rs_mono_ms(), &next);
        flush_dtls(c);
    }
    if (rs_dtls_state(c->dtls) != RS_DTLS_CONNECTED)
        return -EPROTO;
    struct rs_srtp_keys keys;
    if (rs_dtls_srtp_keys(c->dtls, &keys) || rs_srtp_init(&c->srtp, &keys))
        return -EPROTO;
    memset(&keys, 0, sizeof(keys));
    c->srtp_ready = true;
    return 0;
}

int rs_client_send(struct rs_client *c, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
    if (!c->srtp_ready)
        return -ENOTCONN;
    int rc = rtcp ? rs_srtp_protect_rtcp(&c->srtp, buf, &len, cap)
                  : rs_srtp_protect_rtp(&c->srtp, buf, &len, cap);
    return rc ? rc : rs_client_send_raw(c, buf, len);
}

void rs_client_close(struct rs_client *c)
{
    if (c->srtp_ready)
        rs_srtp_free(&c->srtp);
    if (c->dtls)
        rs_dtls_free(c->dtls);
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}
