/* SPDX-License-Identifier: EUPL-1.2 */
/* SRTP/SRTCP protection for one transport (RFC 3711, RFC 7714).
 *
 * Two profiles, two engines behind one API:
 *   - AEAD_AES_128_GCM (what browsers negotiate first): our own RFC 7714 framing on
 *     OpenSSL's AES-GCM, rtc/srtp_gcm.c. Per direction a small SSRC table that grows (off the
 *     steady packet path: only when a new SSRC appears) up to RS_SRTP_MAX_SSRC; no lock, and
 *     no allocation for packets of a known SSRC.
 *   - AES_CM_128_HMAC_SHA1_80: libsrtp2 sessions (Debian's, built on NSS), with wildcard SSRCs
 *     both ways; libsrtp clones a per-SSRC stream the first time it sees an SSRC.
 * Building with -DRS_SRTP_GCM_LIBSRTP sends GCM through libsrtp2 as well (the reference the
 * tests compare our GCM with, byte for byte).
 *
 * Both engines behave alike: inbound accepts any SSRC (an SSRC is remembered only once one of
 * its packets authenticated) with a 128-packet replay window; outbound accepts any SSRC and
 * refuses to protect the same (SSRC, index) twice inside a window of RS_SRTP_OUT_WINDOW
 * packets, because under GCM that index is the nonce and a reused nonce leaks keys. Resend lost
 * packets as RTX.
 *
 * Threading: one struct rs_srtp belongs to one media worker. rs_srtp_global_init must have run
 * once (at startup, before any worker) first. */
#ifndef RS_RTC_SRTP_H
#define RS_RTC_SRTP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2). */
enum rs_srtp_profile {
    RS_SRTP_PROFILE_NONE = 0,
    RS_SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001,
    RS_SRTP_AEAD_AES_128_GCM = 0x0007,
};

#define RS_SRTP_KEY_LEN 16          /* master key, both profiles */
#define RS_SRTP_MAX_SALT_LEN 14     /* master salt: 14 for AES-CM, 12 for GCM */
#define RS_SRTP_MAX_RTP_TRAILER 16  /* GCM tag; HMAC-SHA1-80 needs 10 */
#define RS_SRTP_MAX_RTCP_TRAILER 20 /* tag + 4-byte SRTCP index */
#define RS_SRTP_OUT_WINDOW 4096     /* outbound window (packets) in which repeats are refused */
/* SSRCs per direction of one transport (GCM engine). A subscribe transport carries up to 64
 * m-lines with RTX (128 SSRCs) plus our RTCP sender SSRC. Memory: RS_SRTP_OUT_WINDOW/8 bytes
 * of window per outbound SSRC that carries RTP (the table grows by doubling from 4 entries
 * kept inline as SSRCs appear). A packet of one SSRC more
 * fails with RS_SRTP_ERR_SSRC_FULL (counted as drop reason srtp_ssrc_limit). */
#define RS_SRTP_MAX_SSRC 160

/* Master keys of one transport, as split from the DTLS exporter (rtc/dtls.h). */
struct rs_srtp_keys {
    enum rs_srtp_profile profile;
    uint8_t local_key[RS_SRTP_KEY_LEN]; /* we protect with these */
    uint8_t local_salt[RS_SRTP_MAX_SALT_LEN];
    uint8_t remote_key[RS_SRTP_KEY_LEN]; /* we unprotect with these */
    uint8_t remote_salt[RS_SRTP_MAX_SALT_LEN];
};

/* Distinct results so the caller can count drops by reason. */
#define RS_SRTP_ERR_AUTH (-EBADMSG)      /* authentication tag did not verify */
#define RS_SRTP_ERR_REPLAY (-EALREADY)   /* index already seen inside the window */
#define RS_SRTP_ERR_REPLAY_OLD (-ESTALE) /* index older than the replay window */
#define RS_SRTP_ERR_PARSE (-EPROTO)      /* too short / malformed header or length */
#define RS_SRTP_ERR_NOSPACE (-ENOSPC)    /* `cap` leaves no room for the trailer */
#define RS_SRTP_ERR_OTHER (-EIO)         /* any other failure */
#define RS_SRTP_ERR_SSRC_FULL (-EMFILE)  /* new SSRC, but RS_SRTP_MAX_SSRC are in use (GCM) */

enum rs_srtp_drop {
    RS_SRTP_DROP_AUTH,
    RS_SRTP_DROP_REPLAY,
    RS_SRTP_DROP_REPLAY_OLD,
    RS_SRTP_DROP_PARSE,
    RS_SRTP_DROP_OTHER,
    RS_SRTP_DROP_COUNT
};

/* Fields are private; the struct is public only so transports can embed it. */
struct srtp_ctx_t_;
struct rs_srtp_gcm;
struct rs_srtp {
    struct srtp_ctx_t_ *inbound; /* libsrtp sessions: AES-CM profile */
    struct srtp_ctx_t_ *outbound;
    struct rs_srtp_gcm *gcm_in; /* our own: GCM profile (rtc/srtp_gcm.h) */
    struct rs_srtp_gcm *gcm_out;
    enum rs_srtp_profile profile;
    uint16_t rtp_trailer;  /* bytes protect_rtp appends */
    uint16_t rtcp_trailer; /* bytes protect_rtcp appends */
};

/* Initialises libsrtp; call once at startup from one thread. Returns 0 or -EIO. */
int rs_srtp_global_init(void);

/* Master salt length of `profile`: 14, 12, or 0 if unknown. */
size_t rs_srtp_salt_len(enum rs_srtp_profile profile);

/* Creates both directions from `keys` (borrowed; only derived keys are kept, so the caller
 * may wipe `keys` afterwards). On failure `s` is left zeroed, safe to rs_srtp_free. Returns 0,
 * -EINVAL (unknown profile), -ENOMEM or RS_SRTP_ERR_OTHER. */
int rs_srtp_init(struct rs_srtp *s, const struct rs_srtp_keys *keys);

/* Protect in place: `pkt` (borrowed) holds `*len` plaintext bytes in a buffer of `cap` bytes;
 * on success `*len` grows by the trailer (rtp_trailer / rtcp_trailer). Returns 0,
 * RS_SRTP_ERR_NOSPACE, RS_SRTP_ERR_PARSE, RS_SRTP_ERR_REPLAY (index already protected),
 * RS_SRTP_ERR_REPLAY_OLD (older than the outbound window), RS_SRTP_ERR_SSRC_FULL or
 * RS_SRTP_ERR_OTHER. */
int rs_srtp_protect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int rs_srtp_protect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap);

/* Unprotect in place: on success `*len` shrinks to the plaintext. On failure the packet is to
 * be dropped (its bytes may have been altered, e.g. GCM decrypts before it checks the tag).
 * Returns 0 or one of the RS_SRTP_ERR_* codes above. */
int rs_srtp_unprotect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len);
int rs_srtp_unprotect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len);

/* Maps a negative result of the functions above to a counter index (RS_SRTP_ERR_SSRC_FULL
 * counts as "other"; the caller may count it on its own as well). */
enum rs_srtp_drop rs_srtp_drop_reason(int rc);
/* libsrtp2's srtp_err_status_t → RS_SRTP_ERR_* (0 for ok). `unprotect` says which direction: a
 * cipher failure while unprotecting GCM is a tag mismatch, i.e. an authentication failure. For
 * the libsrtp engine, and for tests that compare our GCM with libsrtp's answers. */
int rs_srtp_libsrtp_status(int st, bool unprotect);
/* Stable metric label for a drop reason ("auth", "replay", ...); static string. */
const char *rs_srtp_drop_name(enum rs_srtp_drop reason);

/* Releases both sessions and wipes `s`; safe on a zeroed or failed-init struct. */
void rs_srtp_free(struct rs_srtp *s);

#endif
