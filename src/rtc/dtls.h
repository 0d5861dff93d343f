/* SPDX-License-Identifier: EUPL-1.2 */
/* DTLS-SRTP key agreement for one peer transport (RFC 5763, RFC 5764), on OpenSSL 3.
 *
 * No sockets and no blocking here: the media worker feeds each received DTLS datagram to
 * rs_dtls_handle, sends every datagram rs_dtls_next_out yields, and calls rs_dtls_poll_timeout
 * when the deadline it returned passes. When rs_dtls_state becomes RS_DTLS_CONNECTED the peer's
 * certificate matched the SDP fingerprint and rs_dtls_srtp_keys gives the SRTP master keys.
 *
 * Ownership and threads: a struct rs_dtls_ctx (our key + certificate) is created once at
 * startup, configured, then shared read-only by all workers; it must outlive every transport
 * made from it. A struct rs_dtls belongs to the one worker thread that uses it. */
#ifndef RS_RTC_DTLS_H
#define RS_RTC_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "rtc/srtp.h"

#define RS_DTLS_FP_LEN 32               /* SHA-256 certificate fingerprint */
#define RS_DTLS_FP_TEXT_MAX 104         /* "sha-256 " + 32 * "XX:" - 1 + NUL */
#define RS_DTLS_MTU 1200                /* largest datagram we emit */
#define RS_DTLS_OUT_QUEUE 32            /* outgoing datagrams held before dropping */
#define RS_DTLS_INITIAL_TIMEOUT_MS 1000 /* first retransmission timeout (RFC 6347 §4.2.4.1) */

enum rs_dtls_role { RS_DTLS_SERVER, RS_DTLS_CLIENT }; /* a=setup:passive / a=setup:active */

enum rs_dtls_state { RS_DTLS_HANDSHAKING, RS_DTLS_CONNECTED, RS_DTLS_FAILED, RS_DTLS_CLOSED };

/* Why a transport is FAILED. */
enum rs_dtls_error {
    RS_DTLS_ERR_NONE = 0,
    RS_DTLS_ERR_HANDSHAKE,   /* fatal alert sent or received, protocol violation */
    RS_DTLS_ERR_FINGERPRINT, /* peer certificate missing or not the one from the SDP */
    RS_DTLS_ERR_NO_SRTP,     /* handshake done but no SRTP profile negotiated */
    RS_DTLS_ERR_TIMEOUT,     /* too many retransmissions without an answer */
    RS_DTLS_ERR_INTERNAL,    /* key export or allocation failed */
};

struct rs_dtls_stats {
    uint64_t dgrams_in;        /* datagrams given to rs_dtls_handle */
    uint64_t dgrams_out;       /* datagrams produced */
    uint64_t out_dropped;      /* produced while the output queue was full */
    uint64_t app_data_dropped; /* application data after the handshake (no SCTP here yet) */
    uint64_t retransmits;      /* timer-driven flight retransmissions */
    uint64_t dgrams_ignored;   /* junk before our first answer, dropped without failing */
};

struct rs_dtls_ctx;
struct rs_dtls;

/* Creates an ECDSA P-256 key and a self-signed certificate (CN=ratsaal, random serial, 30
 * days) and the DTLS 1.2+ SSL_CTX around them. Returns a new ctx the caller frees with
 * rs_dtls_ctx_free, or NULL (logged). */
struct rs_dtls_ctx *rs_dtls_ctx_new(void);
void rs_dtls_ctx_free(struct rs_dtls_ctx *ctx);

/* Our certificate's fingerprint as SDP wants it: "sha-256 AB:CD:...". Borrowed from `ctx`. */
const char *rs_dtls_ctx_fingerprint(const struct rs_dtls_ctx *ctx);
/* The same 32 bytes, copied to `out`. */
void rs_dtls_ctx_fingerprint_raw(const struct rs_dtls_ctx *ctx, uint8_t out[RS_DTLS_FP_LEN]);

/* Configuration, only before the ctx is shared and before transports are created from it.
 * Profiles in preference order (the default is GCM, then AES-CM-HMAC-80); returns 0 or
 * -EINVAL. Initial retransmission timeout in ms (tests use short ones). */
int rs_dtls_ctx_set_srtp_profiles(struct rs_dtls_ctx *ctx, const enum rs_srtp_profile *profiles,
                                  size_t count);
void rs_dtls_ctx_set_initial_timeout(struct rs_dtls_ctx *ctx, unsigned ms);

/* Parses an SDP a=fingerprint value "sha-256 AB:CD:..." (hash name and hex case-insensitive)
 * into `out`. Returns 0, or -EINVAL (malformed) / -ENOTSUP (another hash function). */
int rs_dtls_parse_fingerprint(const char *text, uint8_t out[RS_DTLS_FP_LEN]);

/* Creates a transport. `expected_peer_fp` (borrowed, copied) is the SHA-256 fingerprint from
 * the peer's SDP. Returns a new transport (free with rs_dtls_free) or NULL. */
struct rs_dtls *rs_dtls_new(struct rs_dtls_ctx *ctx, enum rs_dtls_role role,
                            const uint8_t expected_peer_fp[RS_DTLS_FP_LEN]);
void rs_dtls_free(struct rs_dtls *d);

/* Client role only: emits the ClientHello. Returns 0, -EINVAL (server role or already
 * started) or -EPROTO. */
int rs_dtls_start(struct rs_dtls *d);

/* Feeds one received datagram (borrowed, not kept). Records that do not parse are ignored, as
 * DTLS requires. Returns 0 (check rs_dtls_state afterwards: the handshake may have completed),
 * -EPROTO (the transport just failed; see rs_dtls_error), -EPIPE (already FAILED or CLOSED;
 * input ignored) or -EINVAL. */
int rs_dtls_handle(struct rs_dtls *d, const uint8_t *dgram, size_t len);

/* Runs the retransmission timer. `now_ms` is the caller's monotonic clock; `*next_ms` is set
 * to the time (same clock) by which to call again, or UINT64_MAX if no timer is running.
 * Returns 0, or -EPROTO if the handshake gave up (FAILED with RS_DTLS_ERR_TIMEOUT). */
int rs_dtls_poll_timeout(struct rs_dtls *d, uint64_t now_ms, uint64_t *next_ms);

/* Pops the oldest outgoing datagram into `buf` (borrowed, `cap` bytes). Returns 0 with `*len`
 * set, -EAGAIN if none is queued, or -EMSGSIZE if `cap` is too small (the datagram stays
 * queued; RS_DTLS_MTU always suffices). */
int rs_dtls_next_out(struct rs_dtls *d, uint8_t *buf, size_t cap, size_t *len);

/* Once CONNECTED (and the keys copied out): frees the OpenSSL state, tens of KiB, keeping the
 * keys, the stats and -- server role -- a copy of our last flight. Afterwards a datagram
 * carrying a handshake record (the peer repeating its last flight because ours was lost)
 * queues that copy again (at most 16 times); application data is counted in
 * app_data_dropped and alerts are ignored; no timer runs; rs_dtls_close sends nothing.
 * Returns 0, -EAGAIN if not CONNECTED, or -EINVAL. */
int rs_dtls_compact(struct rs_dtls *d);

/* Sends close_notify (queued for rs_dtls_next_out) and moves to CLOSED. Returns 0. */
int rs_dtls_close(struct rs_dtls *d);

enum rs_dtls_state rs_dtls_state(const struct rs_dtls *d);
enum rs_dtls_error rs_dtls_error(const struct rs_dtls *d);
const char *rs_dtls_error_name(enum rs_dtls_error err); /* static string for logs/metrics */
const struct rs_dtls_stats *rs_dtls_stats(const struct rs_dtls *d); /* borrowed from `d` */

/* Copies the SRTP keys (local = what we send with) once CONNECTED. Returns 0 or -EAGAIN. The
 * caller should wipe its copy after rs_srtp_init. */
int rs_dtls_srtp_keys(const struct rs_dtls *d, struct rs_srtp_keys *out);

#endif
