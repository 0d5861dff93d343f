/* SPDX-License-Identifier: EUPL-1.2 */
/* A minimal RFC 6455 client: blocking connect and upgrade on loopback, masked text frames out,
 * non-blocking reads with fragment reassembly in. Enough to drive Ratsaal's and Janus'
 * signaling from one epoll loop; it is a benchmark tool, not a general WebSocket library. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/random.h"
#include "load.h"

#define WS_MAX_MSG (1u << 20)

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ws_connect(struct ws *w, const char *host, uint16_t port, const char *path,
               const char *protocol, const char *cookie)
{
    memset(w, 0, sizeof(*w));
    w->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (w->fd < 0)
        return -errno;
    int one = 1;
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    if (connect(w->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    uint8_t nonce[16];
    unsigned char key[32];
    rs_random_bytes(nonce, sizeof(nonce));
    EVP_EncodeBlock(key, nonce, sizeof(nonce));
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\nOrigin: http://%s:%u\r\n%s%s%s%s%s%s\r\n",
                     path, host, port, (char *)key, host, port,
                     protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "",
                     protocol ? "\r\n" : "", cookie ? "Cookie: " : "", cookie ? cookie : "",
                     cookie ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof(req)) {
        errno = E2BIG;
        goto fail;
    }
    if (write_all(w->fd, req, (size_t)n))
        goto fail;
    /* Read the response head byte-wise-ish; keep whatever follows it. */
    char head[4096];
    size_t hl = 0;
    for (;;) {
        ssize_t r = recv(w->fd, head + hl, sizeof(head) - 1 - hl, 0);
        if (r <= 0)
            goto fail;
        hl += (size_t)r;
        head[hl] = 0;
        char *end = strstr(head, "\r\n\r\n");
        if (end) {
            if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
                errno = EPROTO;
                goto fail;
            }
            size_t used = (size_t)(end + 4 - head);
            w->in_cap = 65536;
            w->in = malloc(w->in_cap);
            memcpy(w->in, head + used, hl - used);
            w->in_len = hl - used;
            return 0;
        }
        if (hl == sizeof(head) - 1) {
            errno = EPROTO;
            goto fail;
        }
    }
fail:;
    int e = errno ? errno : EIO;
    close(w->fd);
    w->fd = -1;
    return -e;
}

int ws_send_text(struct ws *w, const char *text, size_t len)
{
    uint8_t hdr[14];
    size_t hl = 0;
    hdr[hl++] = 0x81; /* FIN, text */
    if (len < 126) {
        hdr[hl++] = 0x80 | (uint8_t)len;
    } else if (len < 65536) {
        hdr[hl++] = 0x80 | 126;
        hdr[hl++] = (uint8_t)(len >> 8);
        hdr[hl++] = (uint8_t)len;
    } else {
        hdr[hl++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[hl++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint8_t mask[4];
    rs_random_bytes(mask, 4);
    memcpy(hdr + hl, mask, 4);
    hl += 4;
    uint8_t *frame = malloc(hl + len);
    if (!frame)
        return -ENOMEM;
    memcpy(frame, hdr, hl);
    for (size_t i = 0; i < len; i++)
        frame[hl + i] = (uint8_t)text[i] ^ mask[i & 3];
    int rc = write_all(w->fd, frame, hl + len);
    free(frame);
    return rc;
}

static int send_control(struct ws *w, uint8_t opcode, const uint8_t *payload, size_t len)
{
    uint8_t f[2 + 4 + 125];
    if (len > 125)
        len = 125;
    f[0] = 0x80 | opcode;
    f[1] = 0x80 | (uint8_t)len;
    memset(f + 2, 0, 4); /* a zero mask is a valid mask */
    memcpy(f + 6, payload, len);
    return write_all(w->fd, f, 6 + len);
}

int ws_read(struct ws *w, void (*on_msg)(void *arg, char *msg, size_t len), void *arg)
{
    for (;;) {
        if (w->in_cap - w->in_len < 16384) {
            if (w->in_cap >= 4 * WS_MAX_MSG)
                return -1;
            w->in_cap *= 2;
            w->in = realloc(w->in, w->in_cap);
        }
        ssize_t r = recv(w->fd, w->in + w->in_len, w->in_cap - w->in_len, MSG_DONTWAIT);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return -1;
        }
        w->in_len += (size_t)r;
    }
    size_t off = 0;
    while (w->in_len - off >= 2) {
        const uint8_t *p = w->in + off;
        size_t avail = w->in_len - off;
        bool fin = p[0] & 0x80;
        uint8_t op = p[0] & 0x0f;
        bool masked = p[1] & 0x80;
        uint64_t plen = p[1] & 0x7f;
        size_t hl = 2;
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (uint64_t)p[2] << 8 | p[3];
            hl = 4;
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | p[2 + i];
            hl = 10;
        }
        if (masked)
            hl += 4; /* servers do not mask; tolerate it anyway */
        if (plen > WS_MAX_MSG)
            return -1;
        if (avail < hl + plen)
            break;
        uint8_t *payload = w->in + off + hl;
        if (masked)
            for (uint64_t i = 0; i < plen; i++)
                payload[i] ^= p[hl - 4 + (i & 3)];
        off += hl + (size_t)plen;
        if (op == 0x8)
            return -1;
        if (op == 0x9) {
            send_control(w, 0xA, payload, (size_t)plen);
            continue;
        }
        if (op == 0xA)
            continue;
        if (op == 0x1 || op == 0x2 || op == 0x0) {
            if (op != 0x0)
                w->msg_len = 0;
            if (w->msg_len + plen + 1 > w->msg_cap) {
                w->msg_cap = w->msg_len + (size_t)plen + 1 + 4096;
                w->msg = realloc(w->msg, w->msg_cap);
            }
            memcpy(w->msg + w->msg_len, payload, (size_t)plen);
            w->msg_len += (size_t)plen;
            if (fin) {
                w->msg[w->msg_len] = 0;
                on_msg(arg, w->msg, w->msg_len);
                w->msg_len = 0;
            }
        }
    }
    memmove(w->in, w->in + off, w->in_len - off);
    w->in_len -= off;
    return 0;
}

static void ws_release(struct ws *w, bool close_frame)
{
    if (w->fd >= 0) {
        if (close_frame)
            send_control(w, 0x8, (const uint8_t *)"\x03\xe8", 2);
        close(w->fd);
    }
    free(w->in);
    free(w->msg);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

void ws_close(struct ws *w)
{
    ws_release(w, true);
}

int ws_send_close(struct ws *w)
{
    return send_control(w, 0x8, (const uint8_t *)"\x03\xe8", 2);
}

void ws_abort(struct ws *w)
{
    ws_release(w, false);
}
