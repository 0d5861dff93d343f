/* SPDX-License-Identifier: EUPL-1.2 */
/* A WebRTC peer whose DTLS certificate is not the one its SDP names (tests/hostile).
 *
 * It makes two certificates with the project's own rtc/ code, A and B, and prints A's
 * fingerprint ("sha-256 AB:CD:…") as its first line; the test puts that into a publish offer it
 * signals over the WebSocket. Then it reads one line from stdin, "<port> <server ufrag> <server
 * pwd> <server fingerprint>" from the publish answer, and does what a browser does toward the
 * media port (rtc/client.c): ICE binding requests with the right USERNAME and
 * MESSAGE-INTEGRITY until one is answered, then the DTLS handshake as client — with
 * certificate B. It prints one JSON line: binding successes received and how the handshake
 * ended ("failed", "connected" or "timeout"); when it connected (the server took the wrong
 * certificate) it also sends SRTP packets, so that the test sees them accepted.
 *
 * Usage: dtls_mismatch [timeout_ms]   (from 127.0.0.1 to 127.0.0.1; exit 0 when it ran) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/client.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"

static const char *outcome(int rc)
{
    return rc == 0 ? "connected" : rc == -EPROTO ? "failed" : "timeout";
}

int main(int argc, char **argv)
{
    long timeout_ms = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    if (timeout_ms <= 0 || timeout_ms > 60000) {
        fprintf(stderr, "usage: dtls_mismatch [timeout_ms 1..60000]\n");
        return 2;
    }
    rs_srtp_global_init();
    struct rs_dtls_ctx *named = rs_dtls_ctx_new(); /* A: the one the SDP names */
    struct rs_dtls_ctx *used = rs_dtls_ctx_new();  /* B: the one the handshake shows */
    if (!named || !used) {
        fprintf(stderr, "dtls_mismatch: no certificate\n");
        return 1;
    }
    printf("%s\n", rs_dtls_ctx_fingerprint(named));
    fflush(stdout);

    char line[512], ufrag[64], pwd[128], fp_hash[16], fp_hex[128];
    unsigned port;
    if (!fgets(line, sizeof(line), stdin) ||
        sscanf(line, "%u %63s %127s %15s %127s", &port, ufrag, pwd, fp_hash, fp_hex) != 5 ||
        port == 0 || port > 65535) {
        fprintf(stderr, "dtls_mismatch: expected \"<port> <ufrag> <pwd> sha-256 <hex>\"\n");
        return 2;
    }
    char fp_text[160];
    uint8_t server_fp[RS_DTLS_FP_LEN];
    snprintf(fp_text, sizeof(fp_text), "%s %s", fp_hash, fp_hex);
    if (rs_dtls_parse_fingerprint(fp_text, server_fp)) {
        fprintf(stderr, "dtls_mismatch: bad server fingerprint\n");
        return 2;
    }
    struct rs_client cl;
    int rc = rs_client_open(&cl, used, "127.0.0.1", (uint16_t)port, ufrag, pwd, server_fp);
    if (rc) {
        fprintf(stderr, "dtls_mismatch: socket: %s\n", strerror(-rc));
        return 1;
    }
    rc = rs_client_connect(&cl, (int)timeout_ms);
    unsigned srtp_sent = 0;
    for (unsigned i = 0; rc == 0 && i < 50; i++) { /* only if the server took certificate B */
        uint8_t pkt[256] = {0x80, 111};
        pkt[3] = (uint8_t)i;
        pkt[11] = 0x42;
        if (rs_client_send(&cl, pkt, 12 + 100, sizeof(pkt), false) == 0)
            srtp_sent++;
    }
    printf("{\"stun_ok\":%llu,\"dtls\":\"%s\",\"srtp_sent\":%u}\n", (unsigned long long)cl.stun_ok,
           outcome(rc), srtp_sent);
    rs_client_close(&cl);
    rs_dtls_ctx_free(named);
    rs_dtls_ctx_free(used);
    return 0;
}
