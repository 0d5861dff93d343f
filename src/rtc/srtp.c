/* SPDX-License-Identifier: EUPL-1.2 */
/* SRTP: the per-transport media crypto. GCM runs on our own code (rtc/srtp_gcm.c, OpenSSL
 * EVP); AES-CM-HMAC-SHA1-80 runs on libsrtp2, through a thin, strict wrapper.
 *
 * Every RTP and RTCP packet of a peer passes through here twice at most: unprotect on the way
 * in, protect (once per subscriber) on the way out. The wrapper's jobs:
 *   - dispatch on the profile. Debian builds libsrtp2 on NSS, and there even GCM costs a mutex,
 *     a malloc/free and a hash lookup per packet (~85 % of the forwarding instructions), hence
 *     our own GCM; its bookkeeping copies libsrtp's so both agree byte for byte (tested).
 *   - libsrtp takes `int` lengths and trusts that it may write a trailer past the end of the
 *     packet; we take size_t lengths and an explicit capacity, and check both before calling.
 *   - libsrtp's error enum mixes "attacker sent junk" with "we are broken"; we fold it into a
 *     few negative codes so the media worker can count drops per reason (rs_srtp_drop_reason).
 *   - the two directions are configured for an SFU: wildcard SSRCs both ways (one transport
 *     carries many streams), and the outbound side refuses to protect the same packet index
 *     twice (allow_repeat_tx = 0). With AES-GCM a repeated index is a repeated nonce, and a
 *     repeated nonce over different bytes (a forwarded packet rebuilt with a new
 *     abs-send-time, say) gives away the key stream and the authentication key. The SFU
 *     therefore answers NACKs with RTX (RFC 4588), which gives every resend a fresh index.
 *
 * The subtle part is the outbound replay window. The sender's own packet index is checked
 * against a window too: a packet older than the window fails with "replay_old". The default of
 * 128 packets is under half a second of 720p video, shorter than a NACK round trip on a bad
 * link (an original recovered from the publisher's RTX arrives that late), so outbound uses
 * RS_SRTP_OUT_WINDOW (costs window/8 bytes per outbound SSRC). */
#include "rtc/srtp.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "rtc/srtp_gcm.h"

/* -DRS_SRTP_GCM_LIBSRTP: GCM through libsrtp2 too (the old path, kept as the reference). */
#ifdef RS_SRTP_GCM_LIBSRTP
#define OWN_GCM false
#else
#define OWN_GCM true
#endif

/* The wrapper's header forward-declares libsrtp's session struct to stay free of srtp2/srtp.h;
 * make sure the two agree. */
_Static_assert(sizeof(srtp_t) == sizeof(struct srtp_ctx_t_ *), "srtp_t layout");

int rs_srtp_global_init(void)
{
    return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

size_t rs_srtp_salt_len(enum rs_srtp_profile profile)
{
    switch (profile) {
    case RS_SRTP_AES128_CM_HMAC_SHA1_80:
        return 14;
    case RS_SRTP_AEAD_AES_128_GCM:
        return 12;
    default:
        return 0;
    }
}

int rs_srtp_libsrtp_status(int st, bool unprotect)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_auth_fail:
        return RS_SRTP_ERR_AUTH;
    case srtp_err_status_cipher_fail:
        return unprotect ? RS_SRTP_ERR_AUTH : RS_SRTP_ERR_OTHER;
    case srtp_err_status_replay_fail:
        return RS_SRTP_ERR_REPLAY;
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
        return RS_SRTP_ERR_REPLAY_OLD;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_mki:
    case srtp_err_status_no_ctx:
        return RS_SRTP_ERR_PARSE;
    default:
        return RS_SRTP_ERR_OTHER;
    }
}

static void set_profile(srtp_policy_t *p, enum rs_srtp_profile profile)
{
    if (profile == RS_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    }
}

static int create_session(srtp_t *out, enum rs_srtp_profile profile, const uint8_t *key,
                          const uint8_t *salt, size_t salt_len, int outbound)
{
    unsigned char master[RS_SRTP_KEY_LEN + RS_SRTP_MAX_SALT_LEN];
    srtp_policy_t policy;
    srtp_err_status_t st;

    memset(&policy, 0, sizeof(policy));
    set_profile(&policy, profile);
    memcpy(master, key, RS_SRTP_KEY_LEN);
    memcpy(master + RS_SRTP_KEY_LEN, salt, salt_len);
    policy.key = master;
    policy.next = NULL;
    if (outbound) {
        policy.ssrc.type = ssrc_any_outbound;
        policy.window_size = RS_SRTP_OUT_WINDOW;
        policy.allow_repeat_tx = 0; /* see the top of this file: never reuse a GCM nonce */
    } else {
        policy.ssrc.type = ssrc_any_inbound;
        policy.window_size = 0; /* libsrtp default, 128 */
        policy.allow_repeat_tx = 0;
    }
    st = srtp_create(out, &policy);
    memset(master, 0, sizeof(master));
    if (st == srtp_err_status_ok)
        return 0;
    *out = NULL;
    return st == srtp_err_status_alloc_fail ? -ENOMEM : RS_SRTP_ERR_OTHER;
}

int rs_srtp_init(struct rs_srtp *s, const struct rs_srtp_keys *keys)
{
    srtp_t in = NULL, out = NULL;
    size_t salt_len;
    int rc;

    if (s == NULL || keys == NULL)
        return -EINVAL;
    memset(s, 0, sizeof(*s));
    salt_len = rs_srtp_salt_len(keys->profile);
    if (salt_len == 0)
        return -EINVAL;

    if (keys->profile == RS_SRTP_AEAD_AES_128_GCM && OWN_GCM) {
        s->gcm_in = rs_srtp_gcm_new(keys->remote_key, keys->remote_salt, 0);
        s->gcm_out = rs_srtp_gcm_new(keys->local_key, keys->local_salt, 1);
        if (s->gcm_in == NULL || s->gcm_out == NULL) {
            rs_srtp_gcm_free(s->gcm_in);
            rs_srtp_gcm_free(s->gcm_out);
            memset(s, 0, sizeof(*s));
            return -ENOMEM;
        }
    } else {
        rc = create_session(&in, keys->profile, keys->remote_key, keys->remote_salt, salt_len, 0);
        if (rc < 0)
            goto fail;
        rc = create_session(&out, keys->profile, keys->local_key, keys->local_salt, salt_len, 1);
        if (rc < 0)
            goto fail_dealloc_in;
        s->inbound = in;
        s->outbound = out;
    }

    s->profile = keys->profile;
    if (keys->profile == RS_SRTP_AEAD_AES_128_GCM) {
        s->rtp_trailer = 16;
        s->rtcp_trailer = 16 + 4;
    } else {
        s->rtp_trailer = 10;
        s->rtcp_trailer = 10 + 4;
    }
    return 0;

fail_dealloc_in:
    srtp_dealloc(in);
fail:
    return rc;
}

/* Common checks before handing a buffer on (libsrtp counts in `int`). */
static int check_args(const struct rs_srtp *s, const uint8_t *pkt, const size_t *len,
                      size_t trailer, size_t cap)
{
    if (s == NULL || s->profile == RS_SRTP_PROFILE_NONE || pkt == NULL || len == NULL)
        return -EINVAL;
    if (*len > (size_t)INT_MAX - RS_SRTP_MAX_RTCP_TRAILER)
        return RS_SRTP_ERR_PARSE;
    if (cap < *len || cap - *len < trailer)
        return RS_SRTP_ERR_NOSPACE;
    return 0;
}

int rs_srtp_protect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    int rc = check_args(s, pkt, len, s ? s->rtp_trailer : 0, cap);
    if (rc < 0)
        return rc;
    if (s->gcm_out != NULL)
        return rs_srtp_gcm_protect_rtp(s->gcm_out, pkt, len);
    int n = (int)*len;
    rc = rs_srtp_libsrtp_status(srtp_protect(s->outbound, pkt, &n), false);
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int rs_srtp_protect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    int rc = check_args(s, pkt, len, s ? s->rtcp_trailer : 0, cap);
    if (rc < 0)
        return rc;
    if (s->gcm_out != NULL)
        return rs_srtp_gcm_protect_rtcp(s->gcm_out, pkt, len);
    int n = (int)*len;
    rc = rs_srtp_libsrtp_status(srtp_protect_rtcp(s->outbound, pkt, &n), false);
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int rs_srtp_unprotect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len)
{
    int rc = check_args(s, pkt, len, 0, len ? *len : 0);
    if (rc < 0)
        return rc;
    /* libsrtp validates the RTP header itself, but reject what cannot even hold a header and
     * a tag before it looks up a stream. */
    if (*len < 12 + (size_t)s->rtp_trailer)
        return RS_SRTP_ERR_PARSE;
    if (s->gcm_in != NULL)
        return rs_srtp_gcm_unprotect_rtp(s->gcm_in, pkt, len);
    int n = (int)*len;
    rc = rs_srtp_libsrtp_status(srtp_unprotect(s->inbound, pkt, &n), true);
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

int rs_srtp_unprotect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len)
{
    int rc = check_args(s, pkt, len, 0, len ? *len : 0);
    if (rc < 0)
        return rc;
    if (*len < 8 + (size_t)s->rtcp_trailer)
        return RS_SRTP_ERR_PARSE;
    if (s->gcm_in != NULL)
        return rs_srtp_gcm_unprotect_rtcp(s->gcm_in, pkt, len);
    int n = (int)*len;
    rc = rs_srtp_libsrtp_status(srtp_unprotect_rtcp(s->inbound, pkt, &n), true);
    if (rc == 0)
        *len = (size_t)n;
    return rc;
}

enum rs_srtp_drop rs_srtp_drop_reason(int rc)
{
    switch (rc) {
    case RS_SRTP_ERR_AUTH:
        return RS_SRTP_DROP_AUTH;
    case RS_SRTP_ERR_REPLAY:
        return RS_SRTP_DROP_REPLAY;
    case RS_SRTP_ERR_REPLAY_OLD:
        return RS_SRTP_DROP_REPLAY_OLD;
    case RS_SRTP_ERR_PARSE:
        return RS_SRTP_DROP_PARSE;
    default:
        return RS_SRTP_DROP_OTHER;
    }
}

const char *rs_srtp_drop_name(enum rs_srtp_drop reason)
{
    static const char *const names[RS_SRTP_DROP_COUNT] = {
        [RS_SRTP_DROP_AUTH] = "auth",
        [RS_SRTP_DROP_REPLAY] = "replay",
        [RS_SRTP_DROP_REPLAY_OLD] = "replay_old",
        [RS_SRTP_DROP_PARSE] = "parse",
        [RS_SRTP_DROP_OTHER] = "other",
    };
    if ((unsigned)reason >= RS_SRTP_DROP_COUNT)
        return "other";
    return names[reason];
}

void rs_srtp_free(struct rs_srtp *s)
{
    if (s == NULL)
        return;
    if (s->inbound != NULL)
        srtp_dealloc(s->inbound);
    if (s->outbound != NULL)
        srtp_dealloc(s->outbound);
    rs_srtp_gcm_free(s->gcm_in);
    rs_srtp_gcm_free(s->gcm_out);
    memset(s, 0, sizeof(*s));
}
