/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: everything a peer can send to a transport before and after keys exist.
 *
 * Input: a sequence of datagrams, each a 2-byte big-endian length then that many bytes (a
 * short final chunk is taken as is). They are fed to a server-role and to a started
 * client-role rs_dtls, and to a server that completed a handshake and was compacted
 * (rs_dtls_compact: record headers only, replays of its last flight). The whole input is also
 * unprotected as SRTP and SRTCP under both profiles with fixed keys. Nothing may crash, leak
 * or trip a sanitizer.
 *
 * The rs_dtls_ctx (key generation) and the compacted server are made once (a handshake per
 * input would be slow; the compacted server keeps only a replay count, which stops growing at
 * its cap); the other transports and the SRTP sessions per input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/dtls.h"
#include "rtc/srtp.h"

static struct rs_dtls_ctx *ctx;
static uint8_t peer_fp[RS_DTLS_FP_LEN]; /* no real peer: the handshake cannot complete */
static struct rs_dtls *compacted;       /* a server after a real handshake, compacted */

static void drain(struct rs_dtls *d);

/* Moves datagrams between a client and a server until neither sends more. */
static void pump(struct rs_dtls *a, struct rs_dtls *b)
{
    uint8_t buf[RS_DTLS_MTU];
    size_t len;
    for (int moved = 1, round = 0; moved && round < 20; round++) {
        moved = 0;
        while (rs_dtls_next_out(a, buf, sizeof(buf), &len) == 0) {
            (void)rs_dtls_handle(b, buf, len);
            moved = 1;
        }
        while (rs_dtls_next_out(b, buf, sizeof(buf), &len) == 0) {
            (void)rs_dtls_handle(a, buf, len);
            moved = 1;
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (rs_srtp_global_init() < 0)
        abort();
    ctx = rs_dtls_ctx_new();
    if (ctx == NULL)
        abort();
    rs_dtls_ctx_fingerprint_raw(ctx, peer_fp); /* a client talking to itself would match */
    struct rs_dtls *client = rs_dtls_new(ctx, RS_DTLS_CLIENT, peer_fp);
    compacted = rs_dtls_new(ctx, RS_DTLS_SERVER, peer_fp);
    if (client == NULL || compacted == NULL || rs_dtls_start(client) < 0)
        abort();
    pump(client, compacted);
    if (rs_dtls_compact(compacted) < 0)
        abort();
    drain(compacted);
    rs_dtls_free(client);
    return 0;
}

static void drain(struct rs_dtls *d)
{
    uint8_t buf[RS_DTLS_MTU];
    size_t len;
    while (rs_dtls_next_out(d, buf, sizeof(buf), &len) == 0)
        ;
}

static void fuzz_srtp(enum rs_srtp_profile profile, const uint8_t *data, size_t size)
{
    struct rs_srtp s;
    struct rs_srtp_keys keys;
    uint8_t *buf;
    size_t len;

    memset(&keys, 0x5a, sizeof(keys));
    keys.profile = profile;
    if (rs_srtp_init(&s, &keys) < 0)
        abort();
    buf = malloc(size > 0 ? size : 1); /* exact size: ASan sees any overrun */
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    len = size;
    (void)rs_srtp_unprotect_rtp(&s, buf, &len);
    memcpy(buf, data, size);
    len = size;
    (void)rs_srtp_unprotect_rtcp(&s, buf, &len);
    free(buf);
    rs_srtp_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_dtls *server = rs_dtls_new(ctx, RS_DTLS_SERVER, peer_fp);
    struct rs_dtls *client = rs_dtls_new(ctx, RS_DTLS_CLIENT, peer_fp);
    uint64_t next;

    if (server == NULL || client == NULL)
        abort();
    (void)rs_dtls_start(client);
    drain(client);

    size_t off = 0;
    while (off < size) {
        size_t n = size - off;
        if (n >= 2) {
            size_t want = (size_t)data[off] << 8 | data[off + 1];
            off += 2;
            n = want < size - off ? want : size - off;
        }
        (void)rs_dtls_handle(server, data + off, n);
        (void)rs_dtls_handle(client, data + off, n);
        (void)rs_dtls_handle(compacted, data + off, n);
        drain(server);
        drain(client);
        drain(compacted);
        off += n;
    }
    (void)rs_dtls_poll_timeout(server, 0, &next);
    (void)rs_dtls_poll_timeout(client, 0, &next);
    (void)rs_dtls_close(server);
    rs_dtls_free(server);
    rs_dtls_free(client);

    fuzz_srtp(RS_SRTP_AEAD_AES_128_GCM, data, size);
    fuzz_srtp(RS_SRTP_AES128_CM_HMAC_SHA1_80, data, size);
    return 0;
}
