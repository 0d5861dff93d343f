/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for SRTP/SRTCP (rtc/srtp.c, our AEAD_AES_128_GCM in rtc/srtp_gcm.c), fixed
 * keys, fresh state per input. The first byte picks the mode:
 *   0 / 1  unprotect_rtp / unprotect_rtcp of the rest (untrusted input from the network);
 *   2 / 3  protect_rtp / protect_rtcp of the rest, differentially: libsrtp2 protects the same
 *          plaintext with the same keys and must give the same result and the same bytes; then
 *          our receiver must restore the plaintext;
 *   4      a run of packets (each: 1 byte kind, 2 bytes length, bytes), protected by both
 *          senders and delivered to both receivers in order, so sequence numbers, wraps,
 *          repeats and the windows are the fuzzer's to choose; answers must agree throughout.
 * The first byte also picks the engine under our GCM: (byte / 5) even, the provider's cipher
 * functions (the fast path); odd, EVP_CIPHER_CTX (the fallback). Seeds with a first byte below
 * 5 therefore run the fast path.
 * Corpus seeds are made by tests/fuzz/srtp/make_corpus.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "rtc/srtp.h"
#include "rtc/srtp_gcm.h"

#define MAX_PKT 2048

static void must(int cond)
{
    if (!cond)
        abort();
}

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

static srtp_t ref_session(int outbound)
{
    uint8_t master[28];
    srtp_policy_t policy;
    srtp_t s = NULL;
    memset(&policy, 0, sizeof(policy));
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    memcpy(master, key, 16);
    memcpy(master + 16, salt, 12);
    policy.key = master;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.window_size = outbound ? RS_SRTP_OUT_WINDOW : 0;
    must(srtp_create(&s, &policy) == srtp_err_status_ok);
    return s;
}

struct world {
    struct rs_srtp ours;
    srtp_t ref_out, ref_in;
    int diverged; /* our SSRC table filled up (libsrtp has no bound): stop comparing */
};

/* Protects `pkt` with both senders, compares, then unprotects with both receivers. */
static void one(struct world *w, int rtcp, const uint8_t *data, size_t size)
{
    static uint8_t a[MAX_PKT + 32], b[MAX_PKT + 32], c[MAX_PKT + 32];
    if (w->diverged)
        return;
    if (size > MAX_PKT)
        size = MAX_PKT;
    memcpy(a, data, size);
    memcpy(b, data, size);
    size_t len = size;
    int rc = rtcp ? rs_srtp_protect_rtcp(&w->ours, a, &len, sizeof(a))
                  : rs_srtp_protect_rtp(&w->ours, a, &len, sizeof(a));
    int n = (int)size;
    int want =
        size < (rtcp ? 8u : 12u)
            ? RS_SRTP_ERR_PARSE /* libsrtp is not asked: the wrapper rejects these too */
            : rs_srtp_libsrtp_status(
                  rtcp ? srtp_protect_rtcp(w->ref_out, b, &n) : srtp_protect(w->ref_out, b, &n),
                  false);
    if (rc == RS_SRTP_ERR_SSRC_FULL) {
        w->diverged = 1;
        return;
    }
    must(rc == want);
    if (rc != 0)
        return;
    must(len == (size_t)n && memcmp(a, b, len) == 0);

    memcpy(c, a, len);
    size_t back = len;
    rc = rtcp ? rs_srtp_unprotect_rtcp(&w->ours, a, &back)
              : rs_srtp_unprotect_rtp(&w->ours, a, &back);
    n = (int)len;
    want = rs_srtp_libsrtp_status(
        rtcp ? srtp_unprotect_rtcp(w->ref_in, c, &n) : srtp_unprotect(w->ref_in, c, &n), true);
    if (rc == RS_SRTP_ERR_SSRC_FULL) {
        w->diverged = 1;
        return;
    }
    must(rc == want);
    if (rc == 0) {
        must(back == size && memcmp(a, data, size) == 0);
        must((size_t)n == size && memcmp(c, data, size) == 0);
    } else {
        must(rc == RS_SRTP_ERR_REPLAY_OLD || rc == RS_SRTP_ERR_REPLAY);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    static uint8_t buf[MAX_PKT];
    if (!initialised) {
        must(rs_srtp_global_init() == 0);
        initialised = 1;
    }
    if (size < 1)
        return 0;
    int mode = data[0] % 5;
    rs_srtp_gcm__force_evp((data[0] / 5) & 1);
    data++, size--;

    struct world w = {.diverged = 0};
    struct rs_srtp_keys k = {.profile = RS_SRTP_AEAD_AES_128_GCM};
    memcpy(k.local_key, key, 16);
    memcpy(k.remote_key, key, 16);
    memcpy(k.local_salt, salt, 12);
    memcpy(k.remote_salt, salt, 12);
    must(rs_srtp_init(&w.ours, &k) == 0);

    if (mode <= 1) {
        if (size > sizeof(buf))
            size = sizeof(buf);
        memcpy(buf, data, size);
        size_t len = size;
        int rc = mode == 0 ? rs_srtp_unprotect_rtp(&w.ours, buf, &len)
                           : rs_srtp_unprotect_rtcp(&w.ours, buf, &len);
        must(rc <= 0);
        if (rc == 0)
            must(len < size);
        rs_srtp_free(&w.ours);
        return 0;
    }

    w.ref_out = ref_session(1);
    w.ref_in = ref_session(0);
    if (mode <= 3) {
        one(&w, mode == 3, data, size);
    } else {
        while (size >= 3) {
            int rtcp = data[0] & 1;
            size_t n = (size_t)(data[1] << 8 | data[2]);
            data += 3, size -= 3;
            if (n > size)
                n = size;
            one(&w, rtcp, data, n);
            data += n, size -= n;
        }
    }
    srtp_dealloc(w.ref_out);
    srtp_dealloc(w.ref_in);
    rs_srtp_free(&w.ours);
    return 0;
}
