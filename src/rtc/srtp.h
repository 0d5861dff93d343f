/* SRTP/SRTCP protection for one transport (RFC 3711, RFC 7714), on top of libsrtp2.
 *
 * A transport has two libsrtp sessions: inbound (keyed with the peer's write key; accepts any
 * SSRC; replay protection with libsrtp's default 128-packet window) and outbound (our write
 * key; any SSRC; a window of RS_SRTP_OUT_WINDOW packets in which protecting the same index
 * twice is refused).
 *
 * Per-SSRC state: libsrtp's wildcard sessions clone a per-SSRC stream from a template the first
 * time they see an SSRC (outbound: on the first protect of that SSRC; inbound: after the first
 * packet of that SSRC authenticates). That clone is the only allocation on the packet path, it
 * happens once per SSRC, and the streams live until rs_srtp_free.
 *
 * No repeats: the outbound session refuses an (SSRC, index) it has already protected, because
 * under GCM that index is the nonce and a reused nonce leaks keys. Resend lost packets as RTX.
 *
 * Threading: one struct rs_srtp belongs to one media worker. rs_srtp_global_init must have run
 * once (at startup, before any worker) first. */
#ifndef RS_RTC_SRTP_H
#define RS_RTC_SRTP_H

#include <errno.h>
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
#define RS_SRTP_ERR_OTHER (-EIO)         /* any other libsrtp failure */

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
struct rs_srtp {
    struct srtp_ctx_t_ *inbound;
    struct srtp_ctx_t_ *outbound;
    enum rs_srtp_profile profile;
    uint16_t rtp_trailer;  /* bytes protect_rtp appends */
    uint16_t rtcp_trailer; /* bytes protect_rtcp appends */
};

/* Initialises libsrtp; call once at startup from one thread. Returns 0 or -EIO. */
int rs_srtp_global_init(void);

/* Master salt length of `profile`: 14, 12, or 0 if unknown. */
size_t rs_srtp_salt_len(enum rs_srtp_profile profile);

/* Creates both sessions from `keys` (borrowed; libsrtp keeps derived keys only, so the caller
 * may wipe `keys` afterwards). On failure `s` is left zeroed, safe to rs_srtp_free. Returns 0,
 * -EINVAL (unknown profile), -ENOMEM or RS_SRTP_ERR_OTHER. */
int rs_srtp_init(struct rs_srtp *s, const struct rs_srtp_keys *keys);

/* Protect in place: `pkt` (borrowed) holds `*len` plaintext bytes in a buffer of `cap` bytes;
 * on success `*len` grows by the trailer (rtp_trailer / rtcp_trailer). Returns 0,
 * RS_SRTP_ERR_NOSPACE, RS_SRTP_ERR_PARSE, RS_SRTP_ERR_REPLAY(_OLD) (resend outside the
 * outbound window) or RS_SRTP_ERR_OTHER. */
int rs_srtp_protect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int rs_srtp_protect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len, size_t cap);

/* Unprotect in place: on success `*len` shrinks to the plaintext. On failure the packet is to
 * be dropped (its bytes may have been altered, e.g. GCM decrypts before it checks the tag).
 * Returns 0 or one of the RS_SRTP_ERR_* codes above. */
int rs_srtp_unprotect_rtp(struct rs_srtp *s, uint8_t *pkt, size_t *len);
int rs_srtp_unprotect_rtcp(struct rs_srtp *s, uint8_t *pkt, size_t *len);

/* Maps a negative result of the functions above to a counter index. */
enum rs_srtp_drop rs_srtp_drop_reason(int rc);
/* Stable metric label for a drop reason ("auth", "replay", ...); static string. */
const char *rs_srtp_drop_name(enum rs_srtp_drop reason);

/* Releases both sessions and wipes `s`; safe on a zeroed or failed-init struct. */
void rs_srtp_free(struct rs_srtp *s);

#endif
