/* SPDX-License-Identifier: EUPL-1.2 */
/* Our AEAD_AES_128_GCM SRTP (rtc/srtp_gcm.c): the RFC vectors first (RFC 3711 B.3 key
 * derivation, RFC 7714 §16.1 SRTP and §17.1/§17.3 SRTCP), then a differential test against
 * libsrtp2: 10,000 random RTP and 10,000 random RTCP packets (sizes, CSRCs, extensions, six
 * SSRCs, sequence wrap so ROC 1, reordering, repeats, far-back indices) protected by both must
 * give the same result and the same bytes; each side's output is unprotected by the other; and
 * replays, old and tampered packets are fed to both receivers, which must agree. Then the
 * SSRC table: growth from its inline entries up to RS_SRTP_MAX_SSRC (state intact across each
 * move, windows only for SSRCs that carry RTP), RS_SRTP_ERR_SSRC_FULL, and failed allocations.
 * The vectors, the differential tests and the table tests run twice: on the provider's cipher
 * functions (the fast path) and on EVP_CIPHER_CTX (the fallback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "rtc/srtp.h"
#include "rtc/srtp_gcm.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    for (; *hex; hex++) {
        int v;
        if (*hex >= '0' && *hex <= '9')
            v = *hex - '0';
        else if (*hex >= 'a' && *hex <= 'f')
            v = *hex - 'a' + 10;
        else if (*hex >= 'A' && *hex <= 'F')
            v = *hex - 'A' + 10;
        else
            continue; /* spaces */
        if (half < 0) {
            half = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    assert_int_equal(half, -1);
    return n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static uint32_t below(uint32_t n)
{
    return rnd() % n;
}

static int group_setup(void **state)
{
    return rs_srtp_global_init();
}

static int use_evp(void **state)
{
    rs_srtp_gcm__force_evp(true);
    return 0;
}

static int use_direct(void **state)
{
    rs_srtp_gcm__force_evp(false);
    rs_srtp_gcm__fail_alloc_after(-1);
    return 0;
}

/* On Debian's OpenSSL 3.0 the fast path must be the one in use: a silent fallback to EVP would
 * cost ~10 % of the forwarding path. */
static void test_engine_direct(void **state)
{
    assert_true(rs_srtp_gcm__direct());
}

/* ---- RFC 3711 Appendix B.3: the AES-CM PRF ------------------------------------------------ */

static void test_kdf_rfc3711_b3(void **state)
{
    uint8_t key[16], salt[14], want[16], out[16];
    unhex("E1F97A0D3E018BE0D64FA32C06DE4139", key, sizeof(key));
    unhex("0EC675AD498AFEEBB6960B3AABE6", salt, sizeof(salt));

    assert_int_equal(rs_srtp_gcm_kdf(key, salt, 14, 0x00, out, 16), 0);
    unhex("C61E7A93744F39EE10734AFE3FF7A087", want, sizeof(want));
    assert_memory_equal(out, want, 16);

    assert_int_equal(rs_srtp_gcm_kdf(key, salt, 14, 0x02, out, 14), 0);
    unhex("30CBBC08863D8C85D49DB34A9AE1", want, sizeof(want));
    assert_memory_equal(out, want, 14);

    uint8_t auth[94], auth_want[94];
    assert_int_equal(rs_srtp_gcm_kdf(key, salt, 14, 0x01, auth, sizeof(auth)), 0);
    unhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
          "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
          "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2",
          auth_want, sizeof(auth_want));
    assert_memory_equal(auth, auth_want, sizeof(auth));
}

/* ---- RFC 7714 §16.1 / §17.1 / §17.3 (session key and salt given directly) ------------------- */

static const char rfc_key[] = "000102030405060708090a0b0c0d0e0f";
static const char rfc_salt[] = "517569642070726f2071756f"; /* "Quid pro quo" */

static struct rs_srtp_gcm *rfc_direction(int outbound)
{
    uint8_t key[16], salt[12];
    unhex(rfc_key, key, sizeof(key));
    unhex(rfc_salt, salt, sizeof(salt));
    struct rs_srtp_gcm *g = rs_srtp_gcm_new_session(key, salt, key, salt, outbound);
    assert_non_null(g);
    return g;
}

static void test_rfc7714_16_1_srtp(void **state)
{
    uint8_t plain[64], want[80], buf[80];
    size_t plain_len = unhex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973"
                             "20646976 69736120 696e2070 61727465 73207472 6573",
                             plain, sizeof(plain));
    size_t want_len = unhex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca"
                            "be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1"
                            "6a9152cf 765ee439 0cce",
                            want, sizeof(want));
    assert_int_equal(want_len, plain_len + 16);

    struct rs_srtp_gcm *tx = rfc_direction(1), *rx = rfc_direction(0);
    size_t len = plain_len;
    memcpy(buf, plain, plain_len);
    assert_int_equal(rs_srtp_gcm_protect_rtp(tx, buf, &len), 0); /* §16.1.1 */
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, want_len);
    assert_int_equal(rs_srtp_gcm_unprotect_rtp(rx, buf, &len), 0); /* §16.1.2 */
    assert_int_equal(len, plain_len);
    assert_memory_equal(buf, plain, plain_len);
    /* the same packet again is a replay; a flipped tag bit fails */
    memcpy(buf, want, want_len);
    len = want_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtp(rx, buf, &len), RS_SRTP_ERR_REPLAY);
    rs_srtp_gcm_free(rx);
    rx = rfc_direction(0);
    memcpy(buf, want, want_len);
    buf[want_len - 1] ^= 1;
    assert_int_equal(rs_srtp_gcm_unprotect_rtp(rx, buf, &len), RS_SRTP_ERR_AUTH);
    rs_srtp_gcm_free(tx);
    rs_srtp_gcm_free(rx);
}

static const char rfc_rtcp[] = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930"
                               "4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef";

static void test_rfc7714_17_1_srtcp_encrypted(void **state)
{
    uint8_t plain[64], want[96], buf[96];
    size_t plain_len = unhex(rfc_rtcp, plain, sizeof(plain));
    size_t want_len = unhex("81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7"
                            "6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458"
                            "96cf4d2f c5abf872 45d9eade 800005d4",
                            want, sizeof(want));
    assert_int_equal(want_len, plain_len + 20);

    struct rs_srtp_gcm *tx = rfc_direction(1), *rx = rfc_direction(0);
    assert_int_equal(rs_srtp_gcm__set_rtcp_index(tx, 0x4d617273, 0x5d4), 0);
    size_t len = plain_len;
    memcpy(buf, plain, plain_len);
    assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, buf, &len), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, want_len);
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, buf, &len), 0);
    assert_int_equal(len, plain_len);
    assert_memory_equal(buf, plain, plain_len);
    memcpy(buf, want, want_len);
    len = want_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, buf, &len), RS_SRTP_ERR_REPLAY);
    rs_srtp_gcm_free(tx);
    rs_srtp_gcm_free(rx);
}

/* §17.3: E = 0 (authenticated, not encrypted). We never send it, but accept it. */
static void test_rfc7714_17_3_srtcp_tag_only(void **state)
{
    uint8_t plain[64], wire[96];
    size_t plain_len = unhex(rfc_rtcp, plain, sizeof(plain));
    size_t len = unhex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930"
                       "4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968"
                       "3dd78ec9 2ae58790 125f62b3 000005d4",
                       wire, sizeof(wire));
    struct rs_srtp_gcm *rx = rfc_direction(0);
    uint8_t bad[96];
    memcpy(bad, wire, len);
    bad[20] ^= 0x10; /* clear text is authenticated */
    size_t bad_len = len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, bad, &bad_len), RS_SRTP_ERR_AUTH);
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, wire, &len), 0);
    assert_int_equal(len, plain_len);
    assert_memory_equal(wire, plain, plain_len);
    rs_srtp_gcm_free(rx);
}

/* ---- differential test against libsrtp2 ----------------------------------------------------- */

/* A libsrtp session configured as rtc/srtp.c configured it for GCM. */
static srtp_t ref_session(const uint8_t *key, const uint8_t *salt, int outbound)
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
    policy.allow_repeat_tx = 0;
    assert_int_equal(srtp_create(&s, &policy), srtp_err_status_ok);
    return s;
}

struct pair {
    struct rs_srtp ours; /* local = remote keys: protects and unprotects with the same key */
    srtp_t ref_out, ref_in;
    struct rs_srtp_keys keys;
};

static void pair_init(struct pair *p)
{
    struct rs_srtp_keys k;
    memset(&k, 0, sizeof(k));
    k.profile = RS_SRTP_AEAD_AES_128_GCM;
    for (int i = 0; i < 16; i++)
        k.local_key[i] = (uint8_t)rnd();
    for (int i = 0; i < 12; i++)
        k.local_salt[i] = (uint8_t)rnd();
    memcpy(k.remote_key, k.local_key, 16);
    memcpy(k.remote_salt, k.local_salt, 12);
    p->keys = k;
    assert_int_equal(rs_srtp_init(&p->ours, &k), 0);
    assert_non_null(p->ours.gcm_out); /* our engine, not libsrtp */
    p->ref_out = ref_session(k.local_key, k.local_salt, 1);
    p->ref_in = ref_session(k.local_key, k.local_salt, 0);
}

static void pair_free(struct pair *p)
{
    rs_srtp_free(&p->ours);
    srtp_dealloc(p->ref_out);
    srtp_dealloc(p->ref_in);
}

#define MAX_PKT 1600
#define HISTORY 512

struct wire {
    uint8_t data[MAX_PKT];
    size_t len;
};

/* Feeds one protected packet to both receivers (libsrtp's and ours), each with its own copy;
 * they must give the same answer and, on success, `plain`. Returns that answer. */
static int deliver(struct pair *p, const uint8_t *pkt, size_t len, int rtcp, const uint8_t *plain,
                   size_t plain_len)
{
    static uint8_t a[MAX_PKT], b[MAX_PKT];
    memcpy(a, pkt, len);
    memcpy(b, pkt, len);
    int n = (int)len;
    srtp_err_status_t st =
        rtcp ? srtp_unprotect_rtcp(p->ref_in, a, &n) : srtp_unprotect(p->ref_in, a, &n);
    size_t ours_len = len;
    int rc = rtcp ? rs_srtp_unprotect_rtcp(&p->ours, b, &ours_len)
                  : rs_srtp_unprotect_rtp(&p->ours, b, &ours_len);
    int ref_rc = rs_srtp_libsrtp_status(st, 1);
    if (rc != ref_rc)
        fail_msg("unprotect %s: ours %d, libsrtp %d (status %d), len %zu", rtcp ? "rtcp" : "rtp",
                 rc, ref_rc, (int)st, len);
    if (rc == 0) {
        assert_int_equal((size_t)n, ours_len);
        assert_memory_equal(a, b, ours_len);
        if (plain != NULL) {
            assert_int_equal(ours_len, plain_len);
            assert_memory_equal(b, plain, plain_len);
        }
    }
    return rc;
}

/* After each protect, now and then: a replay of a recent packet, a far older one, or a tampered
 * copy, to both receivers. */
static void disturb(struct pair *p, struct wire *history, size_t filled, int rtcp)
{
    if (filled == 0)
        return;
    uint32_t r = below(100);
    struct wire *w = &history[below((uint32_t)(filled < HISTORY ? filled : HISTORY))];
    if (r < 8) {
        (void)deliver(p, w->data, w->len, rtcp, NULL, 0);
    } else if (r < 14) {
        static uint8_t t[MAX_PKT];
        memcpy(t, w->data, w->len);
        t[below((uint32_t)w->len)] ^= (uint8_t)(1u << below(8));
        int rc = deliver(p, t, w->len, rtcp, NULL, 0);
        (void)rc;
    }
}

static size_t random_rtp(uint8_t *pkt, uint32_t ssrc, uint16_t seq)
{
    size_t n = 0;
    uint32_t cc = below(4) == 0 ? below(16) : below(3);
    int x = below(3) == 0;
    pkt[n++] = (uint8_t)(0x80 | (below(2) << 5) | (x << 4) | cc);
    pkt[n++] = (uint8_t)(below(2) << 7 | (96 + below(32)));
    pkt[n++] = (uint8_t)(seq >> 8);
    pkt[n++] = (uint8_t)seq;
    for (int i = 0; i < 4; i++)
        pkt[n++] = (uint8_t)rnd();
    pkt[n++] = (uint8_t)(ssrc >> 24), pkt[n++] = (uint8_t)(ssrc >> 16);
    pkt[n++] = (uint8_t)(ssrc >> 8), pkt[n++] = (uint8_t)ssrc;
    for (uint32_t i = 0; i < 4 * cc; i++)
        pkt[n++] = (uint8_t)rnd();
    if (x) {
        uint32_t words = below(9);
        pkt[n++] = below(2) ? 0xbe : 0x10, pkt[n++] = below(2) ? 0xde : 0x00;
        pkt[n++] = 0, pkt[n++] = (uint8_t)words;
        for (uint32_t i = 0; i < 4 * words; i++)
            pkt[n++] = (uint8_t)rnd();
    }
    uint32_t payload = below(10) == 0 ? 0 : below(1201);
    for (uint32_t i = 0; i < payload; i++)
        pkt[n++] = (uint8_t)rnd();
    return n;
}

static void test_cross_check_rtp(void **state)
{
    static struct wire history[HISTORY];
    static uint8_t plain[MAX_PKT], ours[MAX_PKT], ref[MAX_PKT];
    struct pair p;
    uint32_t ssrcs[6];
    uint32_t next[6];
    size_t filled = 0;
    unsigned ok = 0, refused = 0, roc1 = 0;

    pair_init(&p);
    for (int i = 0; i < 6; i++) {
        ssrcs[i] = rnd();
        next[i] = 65536 - 800 + below(400); /* every SSRC wraps: ROC 1 */
    }
    for (int iter = 0; iter < 10000; iter++) {
        int k = (int)below(6);
        uint32_t r = below(100), seq;
        if (r < 85) {
            seq = next[k]++;
        } else if (r < 92) {
            seq = next[k] - 1 - below(200); /* late or repeated */
        } else if (r < 93) {
            seq = next[k] - 4000 - below(1000); /* far back: outside the outbound window */
        } else {
            next[k] += 1 + below(100); /* gap */
            seq = next[k]++;
        }
        size_t len = random_rtp(plain, ssrcs[k], (uint16_t)seq);
        memcpy(ours, plain, len);
        memcpy(ref, plain, len);
        size_t ours_len = len;
        int rc = rs_srtp_protect_rtp(&p.ours, ours, &ours_len, sizeof(ours));
        int n = (int)len;
        int ref_rc = rs_srtp_libsrtp_status(srtp_protect(p.ref_out, ref, &n), 0);
        if (rc != ref_rc)
            fail_msg("protect rtp #%d: ours %d, libsrtp %d (seq %u)", iter, rc, ref_rc, seq);
        if (rc != 0) {
            refused++;
            continue;
        }
        ok++;
        roc1 += seq >= 65536;
        assert_int_equal(ours_len, (size_t)n);
        assert_memory_equal(ours, ref, ours_len); /* byte-identical */
        int in_rc = deliver(&p, ours, ours_len, 0, plain, len);
        assert_true(in_rc == 0 || in_rc == RS_SRTP_ERR_REPLAY_OLD); /* late beyond 128 */
        struct wire *w = &history[filled++ % HISTORY];
        memcpy(w->data, ours, ours_len);
        w->len = ours_len;
        disturb(&p, history, filled, 0);
    }
    print_message("rtp: %u protected (%u with ROC 1), %u refused by both\n", ok, roc1, refused);
    assert_true(ok > 9000 && roc1 > 5000 && refused > 50);
    pair_free(&p);
}

static void test_cross_check_rtcp(void **state)
{
    static struct wire history[HISTORY];
    static uint8_t plain[MAX_PKT], ours[MAX_PKT], ref[MAX_PKT];
    struct pair p;
    uint32_t ssrcs[6];
    size_t filled = 0;

    pair_init(&p);
    for (int i = 0; i < 6; i++)
        ssrcs[i] = rnd();
    for (int iter = 0; iter < 10000; iter++) {
        uint32_t ssrc = ssrcs[below(6)];
        size_t len = 8 + (below(4) == 0 ? 0 : 4 * below(300));
        plain[0] = (uint8_t)(0x80 | below(32));
        plain[1] = (uint8_t)(200 + below(7));
        plain[2] = (uint8_t)((len / 4 - 1) >> 8), plain[3] = (uint8_t)(len / 4 - 1);
        plain[4] = (uint8_t)(ssrc >> 24), plain[5] = (uint8_t)(ssrc >> 16);
        plain[6] = (uint8_t)(ssrc >> 8), plain[7] = (uint8_t)ssrc;
        for (size_t i = 8; i < len; i++)
            plain[i] = (uint8_t)rnd();
        memcpy(ours, plain, len);
        memcpy(ref, plain, len);
        size_t ours_len = len;
        int rc = rs_srtp_protect_rtcp(&p.ours, ours, &ours_len, sizeof(ours));
        int n = (int)len;
        int ref_rc = rs_srtp_libsrtp_status(srtp_protect_rtcp(p.ref_out, ref, &n), 0);
        assert_int_equal(rc, ref_rc);
        assert_int_equal(rc, 0);
        assert_int_equal(ours_len, (size_t)n);
        assert_memory_equal(ours, ref, ours_len);
        /* deliver most in order, some held back and delivered later (possibly too late) */
        struct wire *w = &history[filled++ % HISTORY];
        memcpy(w->data, ours, ours_len);
        w->len = ours_len;
        if (below(10) != 0)
            assert_int_equal(deliver(&p, ours, ours_len, 1, plain, len), 0);
        disturb(&p, history, filled, 1);
    }
    pair_free(&p);
}

/* ---- ROC, windows and the SSRC table ----------------------------------------------------------
 */

/* Across the wrap, libsrtp (receiver) follows our sender's ROC; and a receiver that saw the
 * highest index 65,535 takes seq 3 as ROC 1 but seq 65,400 as ROC 0. */
static void test_roc_across_wrap(void **state)
{
    struct pair p;
    static uint8_t buf[MAX_PKT], plain[MAX_PKT];
    pair_init(&p);
    for (uint32_t seq = 65500; seq < 65536 + 40; seq++) {
        size_t len = random_rtp(plain, 0x1234, (uint16_t)seq);
        memcpy(buf, plain, len);
        size_t clen = len;
        assert_int_equal(rs_srtp_protect_rtp(&p.ours, buf, &clen, sizeof(buf)), 0);
        assert_int_equal(deliver(&p, buf, clen, 0, plain, len), 0);
    }
    /* seq 65,535 again, now ROC 0 behind the highest (ROC 1, seq 39): a refused repeat */
    size_t len = random_rtp(plain, 0x1234, 65535);
    memcpy(buf, plain, len);
    assert_int_equal(rs_srtp_protect_rtp(&p.ours, buf, &len, sizeof(buf)), RS_SRTP_ERR_REPLAY);
    pair_free(&p);
}

static void test_ssrc_table_full(void **state)
{
    struct pair p;
    static uint8_t buf[MAX_PKT], plain[MAX_PKT];
    pair_init(&p);

    /* Forged packets of 500 SSRCs neither verify nor take table entries. */
    for (uint32_t ssrc = 1; ssrc <= 500; ssrc++) {
        size_t len = random_rtp(plain, ssrc, 1) + 16;
        memset(plain + len - 16, 0xaa, 16);
        assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, plain, &len), RS_SRTP_ERR_AUTH);
    }
    uint8_t rtcp[48] = {0x80, 200, 0, 1};
    for (uint32_t ssrc = 1; ssrc <= 100; ssrc++) {
        rtcp[7] = (uint8_t)ssrc;
        size_t len = sizeof(rtcp);
        assert_int_equal(rs_srtp_unprotect_rtcp(&p.ours, rtcp, &len), RS_SRTP_ERR_AUTH);
    }
    /* RS_SRTP_MAX_SSRC real ones fit, both ways; one more is refused, distinctly. */
    for (uint32_t ssrc = 1000; ssrc <= 1000 + RS_SRTP_MAX_SSRC; ssrc++) {
        size_t len = random_rtp(plain, ssrc, 7);
        memcpy(buf, plain, len);
        int rc = rs_srtp_protect_rtp(&p.ours, buf, &len, sizeof(buf));
        if (ssrc < 1000 + RS_SRTP_MAX_SSRC) {
            assert_int_equal(rc, 0);
            assert_int_equal(deliver(&p, buf, len, 0, plain, len - 16), 0);
        } else {
            assert_int_equal(rc, RS_SRTP_ERR_SSRC_FULL);
            assert_int_equal(rs_srtp_drop_reason(rc), RS_SRTP_DROP_OTHER);
        }
    }
    /* The receiver's table is full too: a genuine packet of a new SSRC (protected by libsrtp) is
     * refused before decryption; SRTCP likewise. Known SSRCs carry on. */
    size_t len = random_rtp(plain, 9999, 1);
    int n = (int)len;
    assert_int_equal(srtp_protect(p.ref_out, plain, &n), srtp_err_status_ok);
    len = (size_t)n;
    assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, plain, &len), RS_SRTP_ERR_SSRC_FULL);
    rtcp[7] = 0x77;
    n = 8;
    assert_int_equal(srtp_protect_rtcp(p.ref_out, rtcp, &n), srtp_err_status_ok);
    len = (size_t)n;
    assert_int_equal(rs_srtp_unprotect_rtcp(&p.ours, rtcp, &len), RS_SRTP_ERR_SSRC_FULL);
    uint8_t small[8] = {0x80, 200, 0, 1, 0, 0, 0x77, 0x77};
    len = 8;
    assert_int_equal(rs_srtp_protect_rtcp(&p.ours, small, &len, 8 + 20), RS_SRTP_ERR_SSRC_FULL);

    len = random_rtp(plain, 1000, 8);
    memcpy(buf, plain, len);
    assert_int_equal(rs_srtp_protect_rtp(&p.ours, buf, &len, sizeof(buf)), 0);
    assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, buf, &len), 0);
    pair_free(&p);
}

/* A small fixed packet for `seq`, so a probe can be rebuilt. */
static size_t small_rtp(uint8_t *pkt, uint32_t ssrc, uint16_t seq)
{
    memset(pkt, 0, 52);
    pkt[0] = 0x80, pkt[1] = 96, pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq;
    pkt[8] = (uint8_t)(ssrc >> 24), pkt[9] = (uint8_t)(ssrc >> 16);
    pkt[10] = (uint8_t)(ssrc >> 8), pkt[11] = (uint8_t)ssrc;
    for (int i = 12; i < 36; i++)
        pkt[i] = (uint8_t)(seq * 31 + i);
    return 36;
}

static int protect_small(struct pair *p, uint32_t ssrc, uint32_t seq, uint8_t *out, size_t *len)
{
    static uint8_t ref[64];
    size_t plain_len = small_rtp(out, ssrc, (uint16_t)seq);
    memcpy(ref, out, plain_len);
    *len = plain_len;
    int rc = rs_srtp_protect_rtp(&p->ours, out, len, 64);
    int n = (int)plain_len;
    int ref_rc = rs_srtp_libsrtp_status(srtp_protect(p->ref_out, ref, &n), 0);
    if (rc != ref_rc)
        fail_msg("protect ssrc %x index %u: ours %d, libsrtp %d", ssrc, seq, rc, ref_rc);
    if (rc == 0) {
        assert_int_equal(*len, (size_t)n);
        assert_memory_equal(out, ref, *len);
    }
    return rc;
}

/* An SRTCP packet (sender report) of `ssrc`, protected by both senders (compared) and delivered
 * to both receivers (compared). */
static void rtcp_both(struct pair *p, uint32_t ssrc)
{
    uint8_t plain[28], ours[64], ref[64];
    memset(plain, 0, sizeof(plain));
    plain[0] = 0x80, plain[1] = 200, plain[3] = 6;
    plain[4] = (uint8_t)(ssrc >> 24), plain[5] = (uint8_t)(ssrc >> 16);
    plain[6] = (uint8_t)(ssrc >> 8), plain[7] = (uint8_t)ssrc;
    memcpy(ours, plain, sizeof(plain));
    memcpy(ref, plain, sizeof(plain));
    size_t len = sizeof(plain);
    assert_int_equal(rs_srtp_protect_rtcp(&p->ours, ours, &len, sizeof(ours)), 0);
    int n = (int)sizeof(plain);
    assert_int_equal(srtp_protect_rtcp(p->ref_out, ref, &n), srtp_err_status_ok);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(ours, ref, len);
    assert_int_equal(deliver(p, ours, len, 1, plain, sizeof(plain)), 0);
}

/* The table starts inline and grows (4, 8, 16, ... RS_SRTP_MAX_SSRC entries) as SSRCs appear;
 * after every new SSRC an older one sends again, and repeats an index, so each move of the
 * table is checked against libsrtp. SSRCs that only carry SRTCP take no RTP window. */
static void test_ssrc_table_growth(void **state)
{
    static uint8_t pkt[64], copy[64];
    static uint32_t next_seq[RS_SRTP_MAX_SSRC];
    struct pair p;
    size_t len;
    pair_init(&p);
    struct rs_srtp_gcm *out = p.ours.gcm_out, *in = p.ours.gcm_in;
    size_t base = rs_srtp_gcm__heap_bytes(out);
    assert_true(base < 512); /* no table on the heap, no window */
    assert_int_equal(rs_srtp_gcm__windows(out), 0);

    /* Three SSRCs that only send SRTCP (as our receiver reports to a publisher): entries, no
     * windows, no heap. */
    for (uint32_t k = 0; k < 3; k++)
        rtcp_both(&p, 0xc0000 + k);
    assert_int_equal(rs_srtp_gcm__windows(out), 0);
    assert_int_equal(rs_srtp_gcm__windows(in), 0);
    assert_int_equal(rs_srtp_gcm__heap_bytes(out), base);

    /* Then RTP SSRCs until the table is full. */
    const uint32_t rtp_ssrcs = RS_SRTP_MAX_SSRC - 3;
    for (uint32_t k = 0; k < rtp_ssrcs; k++) {
        uint32_t ssrc = 0x10000 + k;
        next_seq[k] = 1000 + k;
        assert_int_equal(protect_small(&p, ssrc, next_seq[k]++, pkt, &len), 0);
        assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
        uint32_t old = below(k + 1);
        assert_int_equal(protect_small(&p, 0x10000 + old, next_seq[old]++, pkt, &len), 0);
        memcpy(copy, pkt, len);
        assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
        assert_int_equal(deliver(&p, copy, len, 0, NULL, 0), RS_SRTP_ERR_REPLAY);
        assert_int_equal(protect_small(&p, 0x10000 + old, next_seq[old] - 1, pkt, &len),
                         RS_SRTP_ERR_REPLAY);
        if (k % 16 == 0)
            rtcp_both(&p, 0xc0000 + k % 3); /* the SRTCP-only entries move along */
        assert_int_equal(rs_srtp_gcm__windows(out), k + 1);
        assert_int_equal(rs_srtp_gcm__windows(in), k + 1);
    }
    size_t full = rs_srtp_gcm__heap_bytes(out);
    print_message("outbound direction: %zu bytes empty, %zu with %u SSRCs (%u with RTP)\n", base,
                  full, RS_SRTP_MAX_SSRC, rtp_ssrcs);
    assert_true(full >= base + rtp_ssrcs * (RS_SRTP_OUT_WINDOW / 8));
    assert_true(full <= base + RS_SRTP_MAX_SSRC * (RS_SRTP_OUT_WINDOW / 8 + 64));

    /* Full: one SSRC more is refused both ways, RTP and SRTCP, before any crypto. */
    uint8_t plain[64];
    len = small_rtp(plain, 0xfeed, 1);
    memcpy(pkt, plain, len);
    assert_int_equal(rs_srtp_protect_rtp(&p.ours, pkt, &len, sizeof(pkt)), RS_SRTP_ERR_SSRC_FULL);
    uint8_t sr[48] = {0x80, 200, 0, 1, 0, 0, 0xfe, 0xed};
    len = 8;
    assert_int_equal(rs_srtp_protect_rtcp(&p.ours, sr, &len, sizeof(sr)), RS_SRTP_ERR_SSRC_FULL);
    len = small_rtp(pkt, 0xfeed, 1);
    int n = (int)len;
    assert_int_equal(srtp_protect(p.ref_out, pkt, &n), srtp_err_status_ok);
    len = (size_t)n;
    assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, pkt, &len), RS_SRTP_ERR_SSRC_FULL);
    n = 8;
    memcpy(sr, (uint8_t[8]){0x80, 200, 0, 1, 0, 0, 0xfe, 0xed}, 8);
    assert_int_equal(srtp_protect_rtcp(p.ref_out, sr, &n), srtp_err_status_ok);
    len = (size_t)n;
    assert_int_equal(rs_srtp_unprotect_rtcp(&p.ours, sr, &len), RS_SRTP_ERR_SSRC_FULL);
    assert_int_equal(rs_srtp_gcm__heap_bytes(out), full);

    /* An SRTCP-only SSRC starts RTP: it has an entry, so it gets a window even now. Inbound, a
     * forged first packet takes no window; the genuine one does. */
    assert_int_equal(protect_small(&p, 0xc0001, 77, pkt, &len), 0);
    memcpy(copy, pkt, len);
    copy[len - 1] ^= 0x40;
    assert_int_equal(deliver(&p, copy, len, 0, NULL, 0), RS_SRTP_ERR_AUTH);
    assert_int_equal(rs_srtp_gcm__windows(in), rtp_ssrcs);
    assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
    assert_int_equal(rs_srtp_gcm__windows(out), rtp_ssrcs + 1);
    assert_int_equal(rs_srtp_gcm__windows(in), rtp_ssrcs + 1);
    for (uint32_t k = 0; k < rtp_ssrcs; k += 7) { /* everyone carries on */
        assert_int_equal(protect_small(&p, 0x10000 + k, next_seq[k]++, pkt, &len), 0);
        assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
    }
    pair_free(&p);
}

/* A failed allocation (table growth, or an SSRC's first window) fails that packet with
 * RS_SRTP_ERR_OTHER and leaves everything as it was: the same packet goes through later, and
 * no index was burnt. */
static void test_table_alloc_failure(void **state)
{
    struct rs_srtp_gcm *tx = rfc_direction(1), *rx = rfc_direction(0);
    uint8_t pkt[64], wire[64], sr[48];
    size_t len;

    rs_srtp_gcm__fail_alloc_after(0);
    for (uint32_t ssrc = 1; ssrc <= 4; ssrc++) { /* inline entries: no allocation */
        memset(sr, 0, sizeof(sr));
        sr[0] = 0x80, sr[1] = 200, sr[3] = 1, sr[7] = (uint8_t)ssrc;
        len = 8;
        assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, sr, &len), 0);
        assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, sr, &len), 0);
    }
    len = small_rtp(pkt, 1, 5); /* a first window */
    assert_int_equal(rs_srtp_gcm_protect_rtp(tx, pkt, &len), RS_SRTP_ERR_OTHER);
    assert_int_equal(rs_srtp_gcm__windows(tx), 0);
    memset(sr, 0, sizeof(sr));
    sr[0] = 0x80, sr[1] = 200, sr[3] = 1, sr[7] = 5; /* a fifth entry */
    len = 8;
    assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, sr, &len), RS_SRTP_ERR_OTHER);

    rs_srtp_gcm__fail_alloc_after(-1);
    len = small_rtp(pkt, 1, 5);
    assert_int_equal(rs_srtp_gcm_protect_rtp(tx, pkt, &len), 0);
    memcpy(wire, pkt, len);
    size_t wire_len = len;
    memset(sr, 0, sizeof(sr));
    sr[0] = 0x80, sr[1] = 200, sr[3] = 1, sr[7] = 5;
    len = 8;
    assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, sr, &len), 0);
    assert_int_equal(sr[len - 1], 1); /* SSRC 5's first SRTCP index: nothing was burnt */
    size_t sr_len = len;

    /* Inbound: the genuine packets fail while allocation fails, then go through. */
    rs_srtp_gcm__fail_alloc_after(0);
    memcpy(pkt, wire, wire_len);
    len = wire_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtp(rx, pkt, &len), RS_SRTP_ERR_OTHER);
    uint8_t sr_copy[48];
    memcpy(sr_copy, sr, sr_len);
    len = sr_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, sr_copy, &len), RS_SRTP_ERR_OTHER);
    rs_srtp_gcm__fail_alloc_after(-1);
    memcpy(pkt, wire, wire_len);
    len = wire_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtp(rx, pkt, &len), 0);
    assert_int_equal(rs_srtp_gcm__windows(rx), 1);
    len = sr_len;
    assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, sr, &len), 0);

    /* Growth failing at 8 -> 16 entries: SSRCs 6..8 still fit, 9 is refused; then all of them
     * carry on (SSRC 9 from its first index). */
    rs_srtp_gcm__fail_alloc_after(0);
    for (uint32_t ssrc = 6; ssrc <= 9; ssrc++) {
        memset(sr, 0, sizeof(sr));
        sr[0] = 0x80, sr[1] = 200, sr[3] = 1, sr[7] = (uint8_t)ssrc;
        len = 8;
        assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, sr, &len), ssrc <= 8 ? 0 : RS_SRTP_ERR_OTHER);
    }
    rs_srtp_gcm__fail_alloc_after(-1);
    for (uint32_t ssrc = 1; ssrc <= 9; ssrc++) {
        memset(sr, 0, sizeof(sr));
        sr[0] = 0x80, sr[1] = 200, sr[3] = 1, sr[7] = (uint8_t)ssrc;
        len = 8;
        assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, sr, &len), 0);
        assert_int_equal(sr[len - 1], ssrc <= 8 ? 2 : 1);
        assert_int_equal(rs_srtp_gcm_unprotect_rtcp(rx, sr, &len), 0);
    }
    rs_srtp_gcm_free(tx);
    rs_srtp_gcm_free(rx);
}

/* The exact edges, which random packets almost never hit. For each gap: a fresh SSRC sends
 * indices 0..H (H + 1 a multiple of 64, so the ring is word-aligned), all delivered; then it
 * jumps by the gap; then every index from a window and a bit below the new highest is tried:
 * protected again (outbound window, 4,096) and the saved packets redelivered (inbound, 128).
 * Every answer is compared with libsrtp's. Then the ROC guess at exactly half a sequence space
 * and libsrtp's SRTCP window. */
static void test_window_edges(void **state)
{
    static uint8_t saved[8400][64];
    static size_t saved_len[8400];
    static const uint32_t gaps[] = {1, 2, 63, 64, 65, 127, 128, 129, 191, 4095, 4096, 4097};
    const uint32_t W = RS_SRTP_OUT_WINDOW, H = 4159;
    struct pair p;
    uint8_t pkt[64];
    size_t len;
    unsigned accepted = 0, refused = 0, delivered = 0, rejected = 0;

    pair_init(&p);
    for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
        uint32_t ssrc = 0x5000 + (uint32_t)g;
        for (uint32_t i = 0; i <= H; i++) {
            assert_int_equal(protect_small(&p, ssrc, i, saved[i], &saved_len[i]), 0);
            assert_int_equal(deliver(&p, saved[i], saved_len[i], 0, NULL, 0), 0);
        }
        uint32_t top = H + gaps[g];
        assert_int_equal(protect_small(&p, ssrc, top, saved[top], &saved_len[top]), 0);
        assert_int_equal(deliver(&p, saved[top], saved_len[top], 0, NULL, 0), 0);
        /* inbound: redeliver everything around the receiver's window */
        for (uint32_t i = top - 140; i <= top; i++) {
            if (i > H && i < top) { /* a gap index, never sent: make it now */
                if (protect_small(&p, ssrc, i, saved[i], &saved_len[i]) != 0)
                    continue;
            }
            if (deliver(&p, saved[i], saved_len[i], 0, NULL, 0) == 0)
                delivered++;
            else
                rejected++;
        }
        /* outbound: try every index of the sender's window and a bit below */
        for (uint32_t i = top - W - 3; i <= top; i++) {
            if (protect_small(&p, ssrc, i, pkt, &len) == 0)
                accepted++;
            else
                refused++;
        }
    }
    print_message("edges: outbound %u accepted %u refused; inbound %u delivered %u rejected\n",
                  accepted, refused, delivered, rejected);
    assert_true(accepted > 0 && refused > 0 && delivered > 0 && rejected > 0);

    /* ROC guess at the exact half-way points, one fresh SSRC per probe. */
    static const uint32_t roc_cases[][3] = {
        /* first, second, probe: highest ROC 0 seq 40,000; 40,000 - 2^15 = 7,232 */
        {40000, 40000, 7231},
        {40000, 40000, 7232},
        {40000, 40000, 7233},
        /* highest ROC 1 seq 100: a seq 2^15 ahead is ahead, one more is behind (ROC 0) */
        {65500, 65536 + 100, 32867},
        {65500, 65536 + 100, 32868},
        {65500, 65536 + 100, 32869},
        /* highest exactly 2^15, 2^15 + 1 (where guessing starts) */
        {32768, 32768, 0},
        {32768, 32768, 65535},
        {32769, 32769, 1},
        {32769, 32769, 65535},
    };
    for (size_t k = 0; k < sizeof(roc_cases) / sizeof(roc_cases[0]); k++) {
        uint32_t ssrc = 0x7000 + (uint32_t)k;
        if (k < 3 || k >= 6) {
            assert_int_equal(protect_small(&p, ssrc, roc_cases[k][0], pkt, &len), 0);
            assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
        } else {
            assert_int_equal(protect_small(&p, ssrc, roc_cases[k][0], pkt, &len), 0);
            assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
            assert_int_equal(protect_small(&p, ssrc, roc_cases[k][1], pkt, &len), 0);
            assert_int_equal(deliver(&p, pkt, len, 0, NULL, 0), 0);
        }
        if (protect_small(&p, ssrc, roc_cases[k][2], pkt, &len) == 0)
            (void)deliver(&p, pkt, len, 0, NULL, 0);
    }
    pair_free(&p);

    /* SRTCP receiver window (libsrtp's rdb): indices chosen by a sender of ours. Fill 1..200,
     * then jumps of 100 (shift 64..127), 64, 1, 200; after each, redeliver the last 260. */
    pair_init(&p);
    struct rs_srtp_gcm *tx = rs_srtp_gcm_new(p.keys.local_key, p.keys.local_salt, 1);
    assert_non_null(tx);
    static uint8_t rtcp_saved[1200][56];
    uint32_t top = 0;
    static const uint32_t jumps[] = {200, 100, 64, 1, 128, 129, 200};
    for (size_t j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
        uint32_t from = top + 1;
        top += jumps[j];
        for (uint32_t idx = (j == 0 ? from : top); idx <= top; idx++) {
            uint8_t *r = rtcp_saved[idx];
            memset(r, 0, 56);
            r[0] = 0x81, r[1] = 201, r[3] = 6, r[6] = 0x0a, r[7] = 0xbc;
            for (int i = 8; i < 32; i++)
                r[i] = (uint8_t)(idx + i);
            assert_int_equal(rs_srtp_gcm__set_rtcp_index(tx, 0xabc, idx), 0);
            size_t rlen = 32;
            assert_int_equal(rs_srtp_gcm_protect_rtcp(tx, r, &rlen), 0);
            uint8_t copy[56];
            memcpy(copy, r, 52);
            assert_int_equal(deliver(&p, copy, 52, 1, NULL, 0), 0);
        }
        for (uint32_t idx = top > 260 ? top - 260 : 1; idx <= top; idx++) {
            uint8_t copy[56];
            if (rtcp_saved[idx][0] != 0x81)
                continue; /* an index skipped by a jump */
            memcpy(copy, rtcp_saved[idx], 52);
            (void)deliver(&p, copy, 52, 1, NULL, 0);
        }
    }
    rs_srtp_gcm_free(tx);
    pair_free(&p);
}

/* Malformed input: header longer than the packet (without the tag), in both directions. */
static void test_malformed(void **state)
{
    struct pair p;
    uint8_t buf[128];
    pair_init(&p);
    memset(buf, 0, sizeof(buf));
    buf[0] = 0x9f; /* 15 CSRCs + extension: 12 + 60 + 4 bytes of header */
    size_t len = 60;
    assert_int_equal(rs_srtp_protect_rtp(&p.ours, buf, &len, sizeof(buf)), RS_SRTP_ERR_PARSE);
    len = 80; /* header fits, the tag does not */
    assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, buf, &len), RS_SRTP_ERR_PARSE);
    buf[0] = 0x90;
    buf[14] = 0xff, buf[15] = 0xff; /* extension of 65,535 words */
    len = 100;
    assert_int_equal(rs_srtp_protect_rtp(&p.ours, buf, &len, sizeof(buf)), RS_SRTP_ERR_PARSE);
    len = 100;
    assert_int_equal(rs_srtp_unprotect_rtp(&p.ours, buf, &len), RS_SRTP_ERR_PARSE);
    len = 7;
    assert_int_equal(rs_srtp_protect_rtcp(&p.ours, buf, &len, sizeof(buf)), RS_SRTP_ERR_PARSE);
    len = 27;
    assert_int_equal(rs_srtp_unprotect_rtcp(&p.ours, buf, &len), RS_SRTP_ERR_PARSE);
    pair_free(&p);
}

int main(void)
{
#define BOTH_ENGINES(t)                                                                            \
    cmocka_unit_test_setup_teardown(t, use_direct, use_direct),                                    \
        cmocka_unit_test_setup_teardown(t, use_evp, use_direct)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_direct),
        cmocka_unit_test(test_kdf_rfc3711_b3),
        BOTH_ENGINES(test_rfc7714_16_1_srtp),
        BOTH_ENGINES(test_rfc7714_17_1_srtcp_encrypted),
        BOTH_ENGINES(test_rfc7714_17_3_srtcp_tag_only),
        BOTH_ENGINES(test_cross_check_rtp),
        BOTH_ENGINES(test_cross_check_rtcp),
        cmocka_unit_test(test_roc_across_wrap),
        BOTH_ENGINES(test_ssrc_table_full),
        BOTH_ENGINES(test_ssrc_table_growth),
        cmocka_unit_test_setup_teardown(test_table_alloc_failure, use_direct, use_direct),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
