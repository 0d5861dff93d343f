/* SPDX-License-Identifier: EUPL-1.2 */
/* A minimal WebRTC client transport (ICE controlling, DTLS client, SRTP) over a UDP socket.
 *
 * It is what a browser does toward the SFU, reduced to one candidate pair: binding requests
 * with USE-CANDIDATE until answered, a DTLS handshake as client, then SRTP. Used by the
 * worker tests and by the load generator (bench/), so both exercise the real server path
 * with our own rtc/ code instead of a second stack. Blocking calls take timeouts. */
#ifndef RS_RTC_CLIENT_H
#define RS_RTC_CLIENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/dtls.h"
#include "rtc/srtp.h"

struct rs_client {
    int fd;
    struct sockaddr_in server;
    char username[80]; /* "<server ufrag>:<our ufrag>" */
    char server_pwd[64];
    struct rs_dtls *dtls;
    struct rs_srtp srtp;
    bool srtp_ready;
    uint64_t stun_ok; /* binding successes received */
};

/* Opens a socket bound to 127.0.0.1 (ephemeral port) toward `ip`:`port`. `ctx` (borrowed)
 * provides our certificate; `server_fp` is the server's SHA-256 fingerprint. Returns 0. */
int rs_client_open(struct rs_client *c, struct rs_dtls_ctx *ctx, const char *ip, uint16_t port,
                   const char *server_ufrag, const char *server_pwd,
                   const uint8_t server_fp[RS_DTLS_FP_LEN]);
/* ICE check, then DTLS; returns 0 when SRTP is keyed, -ETIMEDOUT, or -EPROTO (DTLS failed). */
int rs_client_connect(struct rs_client *c, int timeout_ms);
/* Sends one ICE binding request (consent refresh). */
int rs_client_send_check(struct rs_client *c);
/* Protects and sends an RTP (rtcp=false) or RTCP packet; `buf` needs room for the trailer. */
int rs_client_send(struct rs_client *c, uint8_t *buf, size_t len, size_t cap, bool rtcp);
/* Sends raw bytes (tests of bad input). */
int rs_client_send_raw(struct rs_client *c, const void *buf, size_t len);
/* Receives one datagram within `timeout_ms`. SRTP/SRTCP is unprotected in place; STUN
 * answers and DTLS are consumed (then *kind is 0 and the call returns -EAGAIN).
 * Returns the payload length with *kind = 1 (RTP) or 2 (RTCP), -EAGAIN, or -ETIMEDOUT. */
int rs_client_recv(struct rs_client *c, uint8_t *buf, size_t cap, int timeout_ms, int *kind);
void rs_client_close(struct rs_client *c);

#endif
