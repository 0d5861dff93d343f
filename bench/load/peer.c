/* SPDX-License-Identifier: EUPL-1.2 */
/* One transport of the load generator: a UDP socket on 127.0.0.1, our ICE credentials, and a
 * struct rs_client (rtc/client.h) for the ICE check, the DTLS client and SRTP. rs_client_connect
 * blocks, so the handshake is driven here from the event loop with the same rtc/ calls; after
 * rs_client_open we swap in our own socket, whose port is already in the SDP we sent.
 *
 * Receive path (subscribers): recvmmsg batches; every RTP packet is counted per SSRC from its
 * clear header (loss, duplicates, reordering); one in `decrypt_every` is SRTP-unprotected to
 * read the publisher's send timestamp from the payload tail. RTCP is unprotected always. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/random.h"
#include "load.h"
#include "rtc/demux.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/sdp.h"
#include "rtc/stun.h"

static struct rs_sdp g_sdp; /* large: parse target shared by every peer (one thread) */

static void token(char *out, size_t n)
{
    rs_random_token(out, n);
    for (char *p = out; *p; p++)
        if (*p == '-' || *p == '_')
            *p = 'x';
}

int peer_init(struct peer *p, struct participant *owner, bool publish)
{
    memset(p, 0, sizeof(*p));
    p->video_pt = -1;
    p->kind = 2;
    p->owner = owner;
    p->publish = publish;
    p->c.fd = -1;
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (p->fd < 0)
        return -errno;
    int sz = 4 << 20;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t al = sizeof(a);
    if (bind(p->fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(p->fd, (struct sockaddr *)&a, &al)) {
        close(p->fd);
        p->fd = -1;
        return -errno;
    }
    p->lport = ntohs(a.sin_port);
    token(p->ufrag, 8);
    token(p->pwd, 24);
    return 0;
}

static void flush_dtls(struct peer *p)
{
    uint8_t buf[RS_DTLS_MTU + 64];
    size_t len;
    while (rs_dtls_next_out(p->c.dtls, buf, sizeof(buf), &len) == 0)
        rs_client_send_raw(&p->c, buf, len);
}

int peer_start(struct peer *p, const char *text, size_t len)
{
    if (p->state != PEER_IDLE)
        return 0;
    if (rs_sdp_parse(text, len, &g_sdp))
        return -EINVAL;
    struct rs_sdp_transport t;
    if (rs_sdp_get_transport(&g_sdp, &t) || t.fingerprint->hash != RS_SDP_HASH_SHA256)
        return -EINVAL;
    const char *ip = NULL;
    uint16_t port = 0;
    for (unsigned m = 0; m < g_sdp.n_media && !ip; m++)
        for (unsigned c = 0; c < g_sdp.media[m].n_candidates; c++) {
            const struct rs_sdp_candidate *cd = &g_sdp.media[m].candidates[c];
            if (!cd->tcp && cd->component == 1 && strchr(cd->addr, '.')) {
                ip = cd->addr;
                port = cd->port;
                break;
            }
        }
    if (!ip)
        return -ENOENT;
    int rc = rs_client_open(&p->c, g_dtls, ip, port, t.ice_ufrag, t.ice_pwd, t.fingerprint->bytes);
    if (rc)
        return rc;
    close(p->c.fd); /* use our socket: its port is in the SDP we sent */
    p->c.fd = p->fd;
    snprintf(p->c.username, sizeof(p->c.username), "%s:%s", t.ice_ufrag, p->ufrag);
    p->state = PEER_CHECKING;
    p->start_us = now_us();
    p->next_check_us = 0;
    loop_watch(p->fd, p);
    return 0;
}

static void answer_binding_request(struct peer *p, const uint8_t *buf, size_t len,
                                   const struct sockaddr_in *from)
{
    struct rs_stun_msg msg;
    if (rs_stun_parse(buf, len, &msg) || msg.type != RS_STUN_BINDING_REQUEST)
        return;
    if (rs_stun_check_integrity(&msg, (const uint8_t *)p->pwd, strlen(p->pwd)))
        return;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    memcpy(&ss, from, sizeof(*from));
    uint8_t out[256];
    size_t ol;
    if (rs_stun_build_binding_success(out, sizeof(out), msg.txid, &ss, (const uint8_t *)p->pwd,
                                      strlen(p->pwd), &ol) == 0)
        sendto(p->fd, out, ol, 0, (const struct sockaddr *)from, sizeof(*from));
}

static struct rx_stream *stream_of(struct peer *p, uint32_t ssrc)
{
    for (unsigned i = 0; i < p->n_streams; i++)
        if (p->streams[i].ssrc == ssrc)
            return &p->streams[i];
    if (p->n_streams == PEER_MAX_STREAMS)
        return NULL;
    struct rx_stream *s = &p->streams[p->n_streams++];
    memset(s, 0, sizeof(*s));
    s->ssrc = ssrc;
    for (unsigned i = 0; i < p->n_rtx_ssrcs; i++)
        if (p->rtx_ssrcs[i] == ssrc)
            s->rtx = true;
    return s;
}

static void send_nack(struct peer *p, uint32_t media_ssrc, uint64_t from, uint64_t to)
{
    uint16_t seqs[64];
    size_t n = 0;
    for (uint64_t s = from; s < to && n < 64; s++)
        seqs[n++] = (uint16_t)s;
    uint8_t buf[256 + RS_SRTP_MAX_RTCP_TRAILER];
    size_t len;
    if (rs_rtcp_build_nack(buf, 256, 0x5eed0001u, media_ssrc, seqs, n, &len) == 0)
        peer_send_rtp(p, buf, len, true);
}

/* Counts one RTP packet of a subscriber from its clear header. Returns the stream. */
static struct rx_stream *count_rtp(struct peer *p, const uint8_t *b, size_t len)
{
    uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);
    uint32_t ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
    struct rx_stream *s = stream_of(p, ssrc);
    p->rx_all++;
    if (!s)
        return NULL;
    p->rx_rtp++;
    p->rx_bytes += len;
    if (s->rtx) {
        p->rx_rtx++;
        s->received++;
        return s;
    }
    if (!s->started) {
        s->started = true;
        s->ext_max = s->first = 65536u + seq;
        s->received = 1;
        s->seen[seq >> 3 & 127] |= (uint8_t)(1u << (seq & 7));
        return s;
    }
    /* Extend around the highest seen. */
    int16_t d = (int16_t)(seq - (uint16_t)s->ext_max);
    uint64_t ext = (uint64_t)((int64_t)s->ext_max + d);
    unsigned bit = (unsigned)(ext & 1023);
    if (ext > s->ext_max) {
        if (ext - s->ext_max > 1 && cfg.nack && ext - s->ext_max < 64)
            send_nack(p, ssrc, s->ext_max + 1, ext);
        for (uint64_t x = s->ext_max + 1; x < ext && x < s->ext_max + 1024; x++)
            s->seen[x >> 3 & 127] &= (uint8_t)~(1u << (x & 7));
        s->ext_max = ext;
        s->seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        s->received++;
    } else if (s->ext_max - ext >= 1024 || ext < s->first) {
        s->reordered++; /* too old to tell; count as received late */
        s->received++;
    } else if (s->seen[bit >> 3] & (1u << (bit & 7))) {
        s->dups++;
    } else {
        s->seen[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        s->reordered++;
        s->received++;
    }
    return s;
}

static void on_rtp(struct peer *p, uint8_t *b, size_t len, int64_t t)
{
    if (p->publish)
        return; /* the server sends publishers nothing but RTCP */
    struct rx_stream *s = count_rtp(p, b, len);
    if (!p->first_rtp_us)
        p->first_rtp_us = t;
    if (!p->first_video_us && len > 1 && p->video_pt >= 0 && (b[1] & 0x7f) == p->video_pt)
        p->first_video_us = t;
    if (!s || s->rtx)
        return;
    /* Decrypt from a stream's first packet on, so libsrtp follows the rollover counter (it
     * guesses ROC 0 for the first packet it sees: starting mid-stream after a wrap fails). */
    bool sample = (cfg.decrypt_every == 1 || s->received % cfg.decrypt_every == 0 ||
                   s->received <= 1) &&
                  (g_measuring || s->received % 256 == 1);
    bool watch = s->video && switch_watching(p->owner);
    if (!sample && !watch)
        return;
    size_t l = len;
    if (rs_srtp_unprotect_rtp(&p->c.srtp, b, &l)) {
        p->decrypt_fail++;
        return;
    }
    struct rs_rtp_hdr h;
    if (rs_rtp_parse(b, l, &h) || h.payload_len < TAIL_LEN)
        return;
    const uint8_t *tail = b + h.payload_off + h.payload_len - TAIL_LEN;
    if ((tail[0] & 0xf0) == TAG_VIDEO) {
        s->video = true;
        switch_on_layer(p->owner, tail[0] & 0x0f, t);
    }
    int64_t sent;
    memcpy(&sent, tail + 1, 8);
    if (sample && g_measuring)
        lat_record(t - sent);
}

static void on_rtcp(struct peer *p, uint8_t *b, size_t len)
{
    p->rx_rtcp++;
    if (!p->publish)
        return; /* subscribers: sender reports only; not needed */
    size_t l = len;
    if (rs_srtp_unprotect_rtcp(&p->c.srtp, b, &l))
        return;
    pub_on_rtcp(p, b, l);
}

#define BATCH 64
void peer_on_readable(struct peer *p)
{
    static uint8_t bufs[BATCH][PKT_CAP + 64];
    static struct mmsghdr msgs[BATCH];
    static struct iovec iov[BATCH];
    static struct sockaddr_in from[BATCH];
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof(bufs[i]);
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
                                              .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(p->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        int64_t t = now_us();
        for (int i = 0; i < n; i++) {
            uint8_t *b = bufs[i];
            size_t len = msgs[i].msg_len;
            switch (rs_demux(b, len)) {
            case RS_PKT_RTP:
                if (p->state == PEER_READY)
                    on_rtp(p, b, len, t);
                break;
            case RS_PKT_RTCP:
                if (p->state == PEER_READY)
                    on_rtcp(p, b, len);
                break;
            case RS_PKT_STUN: {
                struct rs_stun_msg m;
                if (rs_stun_parse(b, len, &m) == 0 && m.type == RS_STUN_BINDING_SUCCESS &&
                    rs_stun_check_integrity(&m, (const uint8_t *)p->c.server_pwd,
                                            strlen(p->c.server_pwd)) == 0) {
                    p->c.stun_ok++;
                    if (p->state == PEER_CHECKING) {
                        p->state = PEER_DTLS;
                        rs_dtls_start(p->c.dtls);
                        flush_dtls(p);
                        p->dtls_timer_us = t + 50000;
                    }
                } else if (rs_stun_parse(b, len, &m) == 0 && m.type == RS_STUN_BINDING_REQUEST) {
                    answer_binding_request(p, b, len, &from[i]);
                }
                break;
            }
            case RS_PKT_DTLS:
                if (p->state == PEER_DTLS || p->state == PEER_READY) {
                    rs_dtls_handle(p->c.dtls, b, len);
                    flush_dtls(p);
                    if (p->state == PEER_DTLS && rs_dtls_state(p->c.dtls) == RS_DTLS_CONNECTED) {
                        struct rs_srtp_keys keys;
                        if (rs_dtls_srtp_keys(p->c.dtls, &keys) || rs_srtp_init(&p->c.srtp, &keys)) {
                            p->state = PEER_FAILED;
                            note_error(p->owner, "srtp init");
                        } else {
                            p->c.srtp_ready = true;
                            p->state = PEER_READY;
                            p->ready_us = t;
                            if (cfg.verbose)
                                fprintf(stderr, "peer %u/%s ready, profile 0x%04x\n",
                                        p->owner->idx, p->publish ? "pub" : "sub", keys.profile);
                            if (p->publish) {
                                /* each publisher its own capture phase, as independent
                                 * browsers have: joins spaced by the join rate would otherwise
                                 * line every publisher's 20 ms audio and 33 ms video up */
                                p->pm->next_audio_us = t + rs_random_u32() % 20000;
                                p->pm->next_video_us = t + rs_random_u32() % 33333;
                            }
                        }
                        memset(&keys, 0, sizeof(keys));
                    } else if (rs_dtls_state(p->c.dtls) == RS_DTLS_FAILED) {
                        p->state = PEER_FAILED;
                        note_error(p->owner, "dtls failed");
                    }
                }
                break;
            default:
                break;
            }
        }
        if (n < BATCH)
            return;
    }
}

void peer_timers(struct peer *p, int64_t now)
{
    switch (p->state) {
    case PEER_CHECKING:
        if (now >= p->next_check_us) {
            rs_client_send_check(&p->c);
            p->next_check_us = now + 50000;
        }
        if (now - p->start_us > 15000000) {
            p->state = PEER_FAILED;
            note_error(p->owner, "ice timeout");
        }
        break;
    case PEER_DTLS:
        if (now >= p->dtls_timer_us) {
            uint64_t next;
            if (rs_dtls_poll_timeout(p->c.dtls, (uint64_t)(now / 1000), &next)) {
                p->state = PEER_FAILED;
                note_error(p->owner, "dtls timeout");
                break;
            }
            flush_dtls(p);
            p->dtls_timer_us = now + 20000;
        }
        break;
    case PEER_READY:
        if (now >= p->next_check_us) { /* consent freshness, as browsers do */
            rs_client_send_check(&p->c);
            p->next_check_us = now + 2000000 + (int64_t)(rs_random_u32() % 1000000);
        }
        break; /* a publisher's media: media_pass in main.c */
    default:
        break;
    }
}

int peer_send_rtp(struct peer *p, uint8_t *buf, size_t len, bool rtcp)
{
    return rs_client_send(&p->c, buf, len, PKT_CAP + 64, rtcp);
}

void peer_close(struct peer *p)
{
    if (p->state != PEER_IDLE) {
        rs_client_close(&p->c); /* closes p->fd too */
    } else if (p->fd >= 0) {
        close(p->fd);
    }
    p->fd = -1;
    p->state = PEER_IDLE;
}
