/* SPDX-License-Identifier: EUPL-1.2 */
/* DTLS-SRTP: two transports (client and server) pump datagrams to each other in memory.
 * Covers the handshake and key split, the fingerprint check, profile negotiation, lost
 * flights and the retransmission timer, close_notify, garbage input, and a compacted
 * transport answering a repeated last flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/random.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"

static struct rs_dtls_ctx *ctx_a, *ctx_b;
static uint8_t fp_a[RS_DTLS_FP_LEN], fp_b[RS_DTLS_FP_LEN];

static int group_setup(void **state)
{
    if (rs_srtp_global_init() < 0)
        return -1;
    ctx_a = rs_dtls_ctx_new();
    ctx_b = rs_dtls_ctx_new();
    if (ctx_a == NULL || ctx_b == NULL)
        return -1;
    /* Short timers so the loss test runs in milliseconds; nothing else waits on them. */
    rs_dtls_ctx_set_initial_timeout(ctx_a, 30);
    rs_dtls_ctx_set_initial_timeout(ctx_b, 30);
    rs_dtls_ctx_fingerprint_raw(ctx_a, fp_a);
    rs_dtls_ctx_fingerprint_raw(ctx_b, fp_b);
    return 0;
}

static int group_teardown(void **state)
{
    rs_dtls_ctx_free(ctx_a);
    rs_dtls_ctx_free(ctx_b);
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Captured datagrams, for replay tests. */
struct capture {
    uint8_t dgram[8][RS_DTLS_MTU];
    size_t len[8];
    size_t count;
};

/* Moves every queued datagram from `from` to `to`; drops the first `*drop` of them (counting
 * down) and records them in `cap` if given. Returns how many were moved or dropped. */
static int transfer(struct rs_dtls *from, struct rs_dtls *to, int *drop, struct capture *cap)
{
    uint8_t buf[RS_DTLS_MTU];
    size_t len;
    int n = 0;

    while (rs_dtls_next_out(from, buf, sizeof(buf), &len) == 0) {
        n++;
        assert_true(len <= RS_DTLS_MTU);
        if (cap != NULL && cap->count < 8) {
            memcpy(cap->dgram[cap->count], buf, len);
            cap->len[cap->count++] = len;
        }
        if (drop != NULL && *drop > 0) {
            (*drop)--;
            continue;
        }
        (void)rs_dtls_handle(to, buf, len);
    }
    return n;
}

static void pump(struct rs_dtls *client, struct rs_dtls *server)
{
    for (int round = 0; round < 20; round++) {
        int moved = transfer(client, server, NULL, NULL) + transfer(server, client, NULL, NULL);
        if (moved == 0)
            break;
    }
}

static void assert_keys_mirror(struct rs_dtls *client, struct rs_dtls *server,
                               enum rs_srtp_profile want)
{
    struct rs_srtp_keys kc, ks;

    assert_int_equal(rs_dtls_state(client), RS_DTLS_CONNECTED);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CONNECTED);
    assert_int_equal(rs_dtls_srtp_keys(client, &kc), 0);
    assert_int_equal(rs_dtls_srtp_keys(server, &ks), 0);
    assert_int_equal(kc.profile, want);
    assert_int_equal(ks.profile, want);
    size_t salt = rs_srtp_salt_len(want);
    assert_memory_equal(kc.local_key, ks.remote_key, RS_SRTP_KEY_LEN);
    assert_memory_equal(kc.remote_key, ks.local_key, RS_SRTP_KEY_LEN);
    assert_memory_equal(kc.local_salt, ks.remote_salt, salt);
    assert_memory_equal(kc.remote_salt, ks.local_salt, salt);
    assert_memory_not_equal(kc.local_key, kc.remote_key, RS_SRTP_KEY_LEN);

    /* And the keys work: client protects, server unprotects, and back. */
    struct rs_srtp sc, ss;
    uint8_t pkt[12 + 100 + RS_SRTP_MAX_RTP_TRAILER] = {0x80, 111, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4};
    size_t len = 112;
    assert_int_equal(rs_srtp_init(&sc, &kc), 0);
    assert_int_equal(rs_srtp_init(&ss, &ks), 0);
    assert_int_equal(rs_srtp_protect_rtp(&sc, pkt, &len, sizeof(pkt)), 0);
    assert_int_equal(rs_srtp_unprotect_rtp(&ss, pkt, &len), 0);
    assert_int_equal(len, 112);
    assert_int_equal(rs_srtp_protect_rtp(&ss, pkt, &len, sizeof(pkt)), 0);
    assert_int_equal(rs_srtp_unprotect_rtp(&sc, pkt, &len), 0);
    rs_srtp_free(&sc);
    rs_srtp_free(&ss);
}

static void test_handshake_gcm_and_close(void **state)
{
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    struct rs_dtls *server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    struct rs_srtp_keys k;

    assert_non_null(client);
    assert_non_null(server);
    assert_int_equal(rs_dtls_srtp_keys(client, &k), -EAGAIN);
    assert_int_equal(rs_dtls_start(client), 0);
    assert_int_equal(rs_dtls_start(client), -EINVAL);
    assert_int_equal(rs_dtls_start(server), -EINVAL);
    pump(client, server);
    assert_keys_mirror(client, server, RS_SRTP_AEAD_AES_128_GCM);
    assert_int_equal(rs_dtls_error(server), RS_DTLS_ERR_NONE);
    assert_true(rs_dtls_stats(server)->dgrams_out >= 1);
    assert_int_equal(rs_dtls_stats(server)->out_dropped, 0);

    /* close_notify: the server sees CLOSED and answers; input afterwards is refused. */
    assert_int_equal(rs_dtls_close(client), 0);
    assert_int_equal(rs_dtls_state(client), RS_DTLS_CLOSED);
    pump(client, server);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CLOSED);
    assert_int_equal(rs_dtls_srtp_keys(server, &k), -EAGAIN);
    uint8_t junk[20] = {21, 0xfe, 0xfd};
    assert_int_equal(rs_dtls_handle(server, junk, sizeof(junk)), -EPIPE);
    rs_dtls_free(client);
    rs_dtls_free(server);
}

static void test_fingerprint_mismatch(void **state)
{
    uint8_t wrong[RS_DTLS_FP_LEN];
    memcpy(wrong, fp_a, sizeof(wrong));
    wrong[31] ^= 1;

    /* the server expects another client certificate */
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    struct rs_dtls *server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, wrong);
    assert_int_equal(rs_dtls_start(client), 0);
    pump(client, server);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_FAILED);
    assert_int_equal(rs_dtls_error(server), RS_DTLS_ERR_FINGERPRINT);
    assert_string_equal(rs_dtls_error_name(rs_dtls_error(server)), "fingerprint");
    assert_int_not_equal(rs_dtls_state(client), RS_DTLS_CONNECTED); /* it got the alert */
    struct rs_srtp_keys k;
    assert_int_equal(rs_dtls_srtp_keys(server, &k), -EAGAIN);
    rs_dtls_free(client);
    rs_dtls_free(server);

    /* the client expects another server certificate */
    memcpy(wrong, fp_b, sizeof(wrong));
    wrong[0] ^= 0x80;
    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, wrong);
    server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    assert_int_equal(rs_dtls_start(client), 0);
    pump(client, server);
    assert_int_equal(rs_dtls_state(client), RS_DTLS_FAILED);
    assert_int_equal(rs_dtls_error(client), RS_DTLS_ERR_FINGERPRINT);
    assert_int_not_equal(rs_dtls_state(server), RS_DTLS_CONNECTED);
    rs_dtls_free(client);
    rs_dtls_free(server);
}

static void handshake_profiles(struct rs_dtls_ctx *cctx, const uint8_t *cfp,
                               struct rs_dtls_ctx *sctx, const uint8_t *sfp,
                               enum rs_srtp_profile want)
{
    struct rs_dtls *client = rs_dtls_new(cctx, RS_DTLS_CLIENT, sfp);
    struct rs_dtls *server = rs_dtls_new(sctx, RS_DTLS_SERVER, cfp);
    assert_int_equal(rs_dtls_start(client), 0);
    pump(client, server);
    if (want == RS_SRTP_PROFILE_NONE) {
        assert_int_equal(rs_dtls_state(server), RS_DTLS_FAILED);
        assert_int_equal(rs_dtls_error(server), RS_DTLS_ERR_NO_SRTP);
        assert_int_not_equal(rs_dtls_state(client), RS_DTLS_CONNECTED);
    } else {
        assert_keys_mirror(client, server, want);
    }
    rs_dtls_free(client);
    rs_dtls_free(server);
}

static void test_profile_negotiation(void **state)
{
    static const enum rs_srtp_profile hmac_only[] = {RS_SRTP_AES128_CM_HMAC_SHA1_80};
    static const enum rs_srtp_profile gcm_only[] = {RS_SRTP_AEAD_AES_128_GCM};
    static const enum rs_srtp_profile bogus[] = {(enum rs_srtp_profile)2};
    struct rs_dtls_ctx *hmac = rs_dtls_ctx_new();
    struct rs_dtls_ctx *gcm = rs_dtls_ctx_new();
    uint8_t fp_hmac[RS_DTLS_FP_LEN], fp_gcm[RS_DTLS_FP_LEN];

    assert_non_null(hmac);
    assert_non_null(gcm);
    assert_int_equal(rs_dtls_ctx_set_srtp_profiles(hmac, hmac_only, 1), 0);
    assert_int_equal(rs_dtls_ctx_set_srtp_profiles(gcm, gcm_only, 1), 0);
    assert_int_equal(rs_dtls_ctx_set_srtp_profiles(gcm, bogus, 1), -EINVAL);
    assert_int_equal(rs_dtls_ctx_set_srtp_profiles(gcm, NULL, 0), -EINVAL);
    rs_dtls_ctx_fingerprint_raw(hmac, fp_hmac);
    rs_dtls_ctx_fingerprint_raw(gcm, fp_gcm);

    handshake_profiles(hmac, fp_hmac, ctx_b, fp_b, RS_SRTP_AES128_CM_HMAC_SHA1_80);
    handshake_profiles(ctx_a, fp_a, hmac, fp_hmac, RS_SRTP_AES128_CM_HMAC_SHA1_80);
    handshake_profiles(gcm, fp_gcm, ctx_b, fp_b, RS_SRTP_AEAD_AES_128_GCM);
    handshake_profiles(ctx_a, fp_a, gcm, fp_gcm, RS_SRTP_AEAD_AES_128_GCM);
    handshake_profiles(hmac, fp_hmac, gcm, fp_gcm, RS_SRTP_PROFILE_NONE);
    rs_dtls_ctx_free(hmac);
    rs_dtls_ctx_free(gcm);
}

/* Drops the client's first flight, then the server's first answer; only the timers recover. */
static void test_lost_flights_retransmit(void **state)
{
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    struct rs_dtls *server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    uint64_t next_c, next_s, deadline = now_ms() + 5000;
    int drop_c = 1, drop_s = 1;

    assert_int_equal(rs_dtls_poll_timeout(server, now_ms(), &next_s), 0);
    assert_true(next_s == UINT64_MAX); /* no timer before anything happened */
    assert_int_equal(rs_dtls_start(client), 0);
    assert_int_equal(transfer(client, server, &drop_c, NULL), 1); /* ClientHello, lost */
    assert_int_equal(rs_dtls_poll_timeout(client, now_ms(), &next_c), 0);
    assert_true(next_c != UINT64_MAX);

    while (rs_dtls_state(client) != RS_DTLS_CONNECTED ||
           rs_dtls_state(server) != RS_DTLS_CONNECTED) {
        assert_true(now_ms() < deadline);
        struct timespec nap = {0, 2 * 1000 * 1000};
        nanosleep(&nap, NULL);
        assert_int_equal(rs_dtls_poll_timeout(client, now_ms(), &next_c), 0);
        assert_int_equal(rs_dtls_poll_timeout(server, now_ms(), &next_s), 0);
        transfer(client, server, &drop_c, NULL);
        transfer(server, client, &drop_s, NULL);
    }
    assert_true(rs_dtls_stats(client)->retransmits >= 1);
    assert_keys_mirror(client, server, RS_SRTP_AEAD_AES_128_GCM);
    rs_dtls_free(client);
    rs_dtls_free(server);
}

static void feed_garbage(struct rs_dtls *d, const struct capture *hello)
{
    uint8_t buf[1500];

    /* random datagrams of assorted sizes */
    static const size_t sizes[] = {1, 2, 12, 13, 14, 25, 100, 1200, 1500};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_int_equal(rs_random_bytes(buf, sizes[i]), 0);
        (void)rs_dtls_handle(d, buf, sizes[i]);
    }
    /* random bodies behind a plausible DTLS 1.2 handshake record header */
    for (int i = 0; i < 20; i++) {
        size_t n = 13 + rs_random_u32() % 300;
        assert_int_equal(rs_random_bytes(buf, n), 0);
        buf[0] = 22, buf[1] = 0xfe, buf[2] = 0xfd, buf[3] = 0, buf[4] = 0;
        buf[11] = (uint8_t)((n - 13) >> 8), buf[12] = (uint8_t)(n - 13);
        (void)rs_dtls_handle(d, buf, n);
    }
    /* every prefix of a real ClientHello, and one with a bad record length */
    if (hello != NULL && hello->count > 0) {
        for (size_t cut = 0; cut < hello->len[0]; cut += 7)
            (void)rs_dtls_handle(d, hello->dgram[0], cut);
        memcpy(buf, hello->dgram[0], hello->len[0]);
        buf[11] = 0xff;
        (void)rs_dtls_handle(d, buf, hello->len[0]);
    }
    (void)rs_dtls_handle(d, NULL, 0);
    assert_int_equal(rs_dtls_handle(d, NULL, 5), -EINVAL);
}

static void test_garbage_input(void **state)
{
    struct capture hello = {.count = 0};

    /* capture a genuine ClientHello */
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    assert_int_equal(rs_dtls_start(client), 0);
    int drop = 8;
    transfer(client, client, &drop, &hello);
    assert_true(hello.count >= 1);
    rs_dtls_free(client);

    /* a fresh server fed garbage ignores it (it has nothing to lose yet), sends nothing back,
     * and then completes a handshake with a real client */
    struct rs_dtls *server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    feed_garbage(server, &hello);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_HANDSHAKING);
    assert_true(rs_dtls_stats(server)->dgrams_ignored > 0);
    uint8_t out[RS_DTLS_MTU];
    size_t out_len;
    assert_int_equal(rs_dtls_next_out(server, out, sizeof(out), &out_len), -EAGAIN);
    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    assert_int_equal(rs_dtls_start(client), 0);
    pump(client, server);
    assert_keys_mirror(client, server, RS_SRTP_AEAD_AES_128_GCM);
    rs_dtls_free(client);
    rs_dtls_free(server);

    /* once the server has answered, a forged record may fail it, but never crashes it */
    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    assert_int_equal(rs_dtls_start(client), 0);
    transfer(client, server, NULL, NULL);
    feed_garbage(server, &hello);
    assert_true(rs_dtls_state(server) == RS_DTLS_HANDSHAKING ||
                rs_dtls_state(server) == RS_DTLS_FAILED);
    rs_dtls_free(client);
    rs_dtls_free(server);

    /* a client mid-handshake fed garbage */
    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    assert_int_equal(rs_dtls_start(client), 0);
    feed_garbage(client, &hello);
    rs_dtls_free(client);

    /* a fresh pair still completes, then shrugs off garbage and a replayed ClientHello */
    struct capture flight = {.count = 0};
    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    assert_int_equal(rs_dtls_start(client), 0);
    transfer(client, server, NULL, &flight);
    pump(client, server);
    assert_keys_mirror(client, server, RS_SRTP_AEAD_AES_128_GCM);
    feed_garbage(server, &flight);
    (void)rs_dtls_handle(server, flight.dgram[0], flight.len[0]); /* replayed ClientHello */
    (void)rs_dtls_handle(server, hello.dgram[0], hello.len[0]);   /* another session's */
    pump(client, server);
    feed_garbage(client, &flight);
    pump(client, server);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CONNECTED);
    assert_int_equal(rs_dtls_state(client), RS_DTLS_CONNECTED);
    rs_dtls_free(client);
    rs_dtls_free(server);
}

/* The server's last flight is lost and the server compacted (its SSL object freed) before
 * the client repeats its flight: the kept copy answers it and both end up with the same
 * keys. Afterwards a compacted transport ignores junk and runs no timer. */
static void test_compact_answers_lost_flight(void **state)
{
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    struct rs_dtls *server = rs_dtls_new(ctx_b, RS_DTLS_SERVER, fp_a);
    uint64_t next, deadline = now_ms() + 5000;

    assert_int_equal(rs_dtls_compact(server), -EAGAIN); /* not connected yet */
    assert_int_equal(rs_dtls_compact(NULL), -EINVAL);
    assert_int_equal(rs_dtls_start(client), 0);
    for (int round = 0; round < 10 && rs_dtls_state(server) != RS_DTLS_CONNECTED; round++) {
        transfer(client, server, NULL, NULL);
        if (rs_dtls_state(server) != RS_DTLS_CONNECTED)
            transfer(server, client, NULL, NULL);
    }
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CONNECTED);
    assert_int_equal(rs_dtls_state(client), RS_DTLS_HANDSHAKING);
    assert_int_equal(rs_dtls_compact(client), -EAGAIN);

    struct capture lost = {.count = 0};
    int drop = 8;
    assert_true(transfer(server, client, &drop, &lost) >= 1); /* ChangeCipherSpec + Finished */
    assert_int_equal(rs_dtls_compact(server), 0);
    assert_int_equal(rs_dtls_compact(server), 0); /* twice is harmless */
    assert_int_equal(rs_dtls_poll_timeout(server, now_ms(), &next), 0);
    assert_true(next == UINT64_MAX);

    struct capture replayed = {.count = 0};
    while (rs_dtls_state(client) != RS_DTLS_CONNECTED) {
        assert_true(now_ms() < deadline);
        struct timespec nap = {0, 2 * 1000 * 1000};
        nanosleep(&nap, NULL);
        assert_int_equal(rs_dtls_poll_timeout(client, now_ms(), &next), 0);
        transfer(client, server, NULL, NULL);
        transfer(server, client, NULL, &replayed);
    }
    assert_true(rs_dtls_stats(server)->retransmits >= 1);
    assert_true(replayed.count >= 1);
    assert_int_equal(replayed.len[0], lost.len[0]);
    assert_memory_equal(replayed.dgram[0], lost.dgram[0], lost.len[0]);
    assert_keys_mirror(client, server, RS_SRTP_AEAD_AES_128_GCM);

    /* application data is counted, alerts and garbage change nothing, nothing is sent */
    uint8_t app[13 + 4] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4};
    uint64_t out_before = rs_dtls_stats(server)->dgrams_out;
    assert_int_equal(rs_dtls_handle(server, app, sizeof(app)), 0);
    assert_int_equal(rs_dtls_stats(server)->app_data_dropped, 1);
    feed_garbage(server, NULL);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CONNECTED);
    /* garbage with a handshake header counts as a repeat: bounded replays, never more */
    assert_true(rs_dtls_stats(server)->dgrams_out - out_before <= 16 * lost.count);
    uint8_t buf[RS_DTLS_MTU];
    size_t len;
    while (rs_dtls_next_out(server, buf, sizeof(buf), &len) == 0)
        ;
    struct rs_srtp_keys k;
    assert_int_equal(rs_dtls_srtp_keys(server, &k), 0);

    /* a compacted client has no flight to repeat; close sends nothing */
    assert_int_equal(rs_dtls_compact(client), 0);
    assert_int_equal(rs_dtls_handle(client, lost.dgram[0], lost.len[0]), 0);
    assert_int_equal(rs_dtls_next_out(client, buf, sizeof(buf), &len), -EAGAIN);
    assert_int_equal(rs_dtls_close(server), 0);
    assert_int_equal(rs_dtls_state(server), RS_DTLS_CLOSED);
    assert_int_equal(rs_dtls_next_out(server, buf, sizeof(buf), &len), -EAGAIN);
    assert_int_equal(rs_dtls_srtp_keys(server, &k), -EAGAIN);
    rs_dtls_free(client);
    rs_dtls_free(server);
}

static void test_next_out_small_buffer(void **state)
{
    struct rs_dtls *client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    uint8_t buf[RS_DTLS_MTU];
    size_t len = 0;

    assert_int_equal(rs_dtls_next_out(client, buf, sizeof(buf), &len), -EAGAIN);
    assert_int_equal(rs_dtls_start(client), 0);
    assert_int_equal(rs_dtls_next_out(client, buf, 10, &len), -EMSGSIZE);
    assert_int_equal(rs_dtls_next_out(client, buf, sizeof(buf), &len), 0);
    assert_true(len > 13 && buf[0] == 22); /* handshake record */
    assert_int_equal(rs_dtls_next_out(client, buf, sizeof(buf), &len), -EAGAIN);
    rs_dtls_free(client); /* with nothing queued */

    client = rs_dtls_new(ctx_a, RS_DTLS_CLIENT, fp_b);
    assert_int_equal(rs_dtls_start(client), 0);
    rs_dtls_free(client); /* with a datagram still queued: no leak */
    assert_null(rs_dtls_new(NULL, RS_DTLS_SERVER, fp_a));
    assert_null(rs_dtls_new(ctx_a, RS_DTLS_SERVER, NULL));
}

static void test_fingerprint_format(void **state)
{
    const char *fp = rs_dtls_ctx_fingerprint(ctx_a);
    uint8_t parsed[RS_DTLS_FP_LEN];
    char lower[RS_DTLS_FP_TEXT_MAX];

    assert_int_equal(strlen(fp), 8 + 32 * 3 - 1);
    assert_memory_equal(fp, "sha-256 ", 8);
    for (size_t i = 0; i < RS_DTLS_FP_LEN; i++) {
        const char *h = fp + 8 + 3 * i;
        for (int j = 0; j < 2; j++)
            assert_non_null(strchr("0123456789ABCDEF", h[j]));
        if (i + 1 < RS_DTLS_FP_LEN)
            assert_int_equal(h[2], ':');
    }
    assert_int_equal(rs_dtls_parse_fingerprint(fp, parsed), 0);
    assert_memory_equal(parsed, fp_a, RS_DTLS_FP_LEN);
    assert_string_not_equal(fp, rs_dtls_ctx_fingerprint(ctx_b));

    /* SDP values come in any case */
    for (size_t i = 0; fp[i] != '\0'; i++)
        lower[i] = (fp[i] >= 'A' && fp[i] <= 'F') ? (char)(fp[i] + 32) : fp[i];
    lower[strlen(fp)] = '\0';
    lower[0] = 'S', lower[1] = 'H', lower[2] = 'A';
    assert_int_equal(rs_dtls_parse_fingerprint(lower, parsed), 0);
    assert_memory_equal(parsed, fp_a, RS_DTLS_FP_LEN);

    assert_int_equal(rs_dtls_parse_fingerprint("sha-1 AB:CD", parsed), -ENOTSUP);
    assert_int_equal(rs_dtls_parse_fingerprint("sha-256 AB:CD", parsed), -EINVAL);
    assert_int_equal(rs_dtls_parse_fingerprint("", parsed), -EINVAL);
    lower[20] = 'g';
    assert_int_equal(rs_dtls_parse_fingerprint(lower, parsed), -EINVAL);
}

/* core/random is exercised here until it has a test file of its own. */
static void test_random(void **state)
{
    char a[23], b[23];

    assert_int_equal(rs_random_token(a, 22), 0);
    assert_int_equal(rs_random_token(b, 22), 0);
    assert_int_equal(strlen(a), 22);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < 22; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
    assert_int_equal(rs_random_token(a, 0), 0);
    assert_string_equal(a, "");
    assert_int_equal(rs_random_token(NULL, 4), -EINVAL);
    assert_int_not_equal(rs_random_u32() | rs_random_u32() | rs_random_u32(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_gcm_and_close),
        cmocka_unit_test(test_fingerprint_mismatch),
        cmocka_unit_test(test_profile_negotiation),
        cmocka_unit_test(test_lost_flights_retransmit),
        cmocka_unit_test(test_garbage_input),
        cmocka_unit_test(test_compact_answers_lost_flight),
        cmocka_unit_test(test_next_out_small_buffer),
        cmocka_unit_test(test_fingerprint_format),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
