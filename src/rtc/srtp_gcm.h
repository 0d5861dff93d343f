/* SPDX-License-Identifier: EUPL-1.2 */
/* SRTP/SRTCP with AEAD_AES_128_GCM (RFC 7714) on OpenSSL's AES-GCM: one direction of one transport.
 *
 * rtc/srtp.c uses this for the GCM profile behind struct rs_srtp; nothing else needs it. It is a
 * header of its own so the tests can reach the session-key entry point and the RTCP index knob
 * (the RFC 7714 vectors start from session keys and a mid-session SRTCP index).
 *
 * Per-SSRC state lives in a table that starts with room for 4 SSRCs inside the direction and
 * doubles, up to RS_SRTP_MAX_SSRC entries, when a new SSRC appears; an SSRC's RTP replay window
 * is allocated with its first RTP packet. So the only allocations after setup happen once per
 * new SSRC, never per packet, and no lock is taken. A packet of an SSRC the table has no room
 * for fails with RS_SRTP_ERR_SSRC_FULL (inbound: before any decryption, and an entry is only
 * created once a packet's tag verified, so forged packets cannot fill the table). */
#ifndef RS_RTC_SRTP_GCM_H
#define RS_RTC_SRTP_GCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/srtp.h"

#define RS_SRTP_GCM_KEY_LEN 16
#define RS_SRTP_GCM_SALT_LEN 12
#define RS_SRTP_GCM_TAG_LEN 16
#define RS_SRTP_GCM_IN_WINDOW 128   /* inbound RTP replay window (packets), as libsrtp's default */
#define RS_SRTP_GCM_RTCP_WINDOW 128 /* SRTCP replay window, both ways (libsrtp's rdb) */

struct rs_srtp_gcm;

/* Creates one direction from a master key (16 bytes) and master salt (12 bytes), both
 * borrowed; derives the four session keys/salts (RFC 3711 §4.3, KDR 0) and keeps only those.
 * `outbound`: protect side (RTP replay window RS_SRTP_OUT_WINDOW, repeats refused) or unprotect
 * side (window RS_SRTP_GCM_IN_WINDOW). Returns a new object or NULL (out of memory / OpenSSL
 * failure). */
struct rs_srtp_gcm *rs_srtp_gcm_new(const uint8_t *master_key, const uint8_t *master_salt,
                                    int outbound);

/* As rs_srtp_gcm_new, from session keys and salts directly (no key derivation): for tests. */
struct rs_srtp_gcm *rs_srtp_gcm_new_session(const uint8_t *rtp_key, const uint8_t *rtp_salt,
                                            const uint8_t *rtcp_key, const uint8_t *rtcp_salt,
                                            int outbound);

/* Frees `g` (owned) and wipes its keys; NULL is fine. */
void rs_srtp_gcm_free(struct rs_srtp_gcm *g);

/* Packet operations, semantics as rs_srtp_protect_rtp & co. in rtc/srtp.h (the caller has
 * checked `cap` against the trailer). `pkt` is borrowed. A new SSRC (or an SSRC's first RTP
 * packet) may allocate; if that fails the packet fails with RS_SRTP_ERR_OTHER. */
int rs_srtp_gcm_protect_rtp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len);
int rs_srtp_gcm_protect_rtcp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len);
int rs_srtp_gcm_unprotect_rtp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len);
int rs_srtp_gcm_unprotect_rtcp(struct rs_srtp_gcm *g, uint8_t *pkt, size_t *len);

/* The RFC 3711 §4.3.1 AES-CM PRF with KDR 0: `out_len` bytes of key stream for `label` from a
 * 16-byte master key and a master salt of `salt_len` (12 or 14) bytes. Returns 0 or -EIO. */
int rs_srtp_gcm_kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
                    uint8_t label, uint8_t *out, size_t out_len);

/* Test knobs and probes. rs_srtp_gcm__direct: whether sessions run on the provider's cipher
 * functions (the fast path, see rtc/srtp_gcm.c) rather than EVP_CIPHER_CTX. __force_evp: new
 * sessions use EVP_CIPHER_CTX regardless (tests cover both paths; not thread-safe, tests only).
 * __heap_bytes: bytes `g` holds in its own allocations (struct, table, windows; not OpenSSL's
 * contexts). __windows: RTP replay windows in use. __fail_alloc_after: the next `n` allocations
 * of SSRC tables and windows succeed, the ones after fail (-1: off; tests only). */
bool rs_srtp_gcm__direct(void);
void rs_srtp_gcm__force_evp(bool on);
void rs_srtp_gcm__fail_alloc_after(int n);
size_t rs_srtp_gcm__heap_bytes(const struct rs_srtp_gcm *g);
size_t rs_srtp_gcm__windows(const struct rs_srtp_gcm *g);

/* Test knob: makes the next SRTCP packet protected for `ssrc` carry index `next_index`
 * (1..0x7fffffff). Returns 0, RS_SRTP_ERR_SSRC_FULL or -EINVAL. */
int rs_srtp_gcm__set_rtcp_index(struct rs_srtp_gcm *g, uint32_t ssrc, uint32_t next_index);

#endif
