/* SPDX-License-Identifier: EUPL-1.2 */
/* STUN messages for ICE-lite (RFC 8489 / 5389, ICE attributes from RFC 8445).
 *
 * Parsing never allocates: rs_stun_parse() fills a caller-owned struct rs_stun_msg whose
 * pointers borrow the input buffer, which must outlive the struct. Builders write into a
 * caller-owned buffer and report the length through `*out_len`. All functions return 0 or a
 * negative errno: -EINVAL for malformed input, -ENOSPC when the output buffer is too small,
 * -ENOENT when an asked-for attribute is absent. */
#ifndef RS_RTC_STUN_H
#define RS_RTC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RS_STUN_HEADER_LEN 20
#define RS_STUN_MAGIC_COOKIE 0x2112A442u
#define RS_STUN_TXID_LEN 12
#define RS_STUN_HMAC_LEN 20
/* Integrity is computed over a stack copy; ICE messages are far smaller than this. */
#define RS_STUN_MAX_INTEGRITY_SPAN 2048
#define RS_STUN_MAX_USERNAME 513
#define RS_STUN_MAX_REASON 763
#define RS_STUN_MAX_UNKNOWN 8

/* Message types (method | class bits). */
enum {
    RS_STUN_BINDING_REQUEST = 0x0001,
    RS_STUN_BINDING_INDICATION = 0x0011,
    RS_STUN_BINDING_SUCCESS = 0x0101,
    RS_STUN_BINDING_ERROR = 0x0111,
};

/* Attribute types. */
enum {
    RS_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
    RS_STUN_ATTR_USERNAME = 0x0006,
    RS_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
    RS_STUN_ATTR_ERROR_CODE = 0x0009,
    RS_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
    RS_STUN_ATTR_REALM = 0x0014,
    RS_STUN_ATTR_NONCE = 0x0015,
    RS_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
    RS_STUN_ATTR_PRIORITY = 0x0024,
    RS_STUN_ATTR_USE_CANDIDATE = 0x0025,
    RS_STUN_ATTR_SOFTWARE = 0x8022,
    RS_STUN_ATTR_FINGERPRINT = 0x8028,
    RS_STUN_ATTR_ICE_CONTROLLED = 0x8029,
    RS_STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* Which attributes rs_stun_parse() found (bits of rs_stun_msg.present). */
enum {
    RS_STUN_HAS_USERNAME = 1u << 0,
    RS_STUN_HAS_INTEGRITY = 1u << 1,
    RS_STUN_HAS_FINGERPRINT = 1u << 2,
    RS_STUN_HAS_PRIORITY = 1u << 3,
    RS_STUN_HAS_USE_CANDIDATE = 1u << 4,
    RS_STUN_HAS_ICE_CONTROLLING = 1u << 5,
    RS_STUN_HAS_ICE_CONTROLLED = 1u << 6,
    RS_STUN_HAS_XOR_MAPPED = 1u << 7,
    RS_STUN_HAS_ERROR_CODE = 1u << 8,
    RS_STUN_HAS_SOFTWARE = 1u << 9,
};

struct rs_stun_msg {
    const uint8_t *buf; /* borrowed: the whole message, header included */
    size_t len;         /* RS_STUN_HEADER_LEN + the header's message length */
    uint16_t type;
    uint8_t txid[RS_STUN_TXID_LEN];
    unsigned present; /* RS_STUN_HAS_* */

    const uint8_t *username; /* borrowed, not NUL-terminated */
    size_t username_len;
    const uint8_t *software; /* borrowed, not NUL-terminated */
    size_t software_len;
    uint32_t priority;
    uint64_t ice_controlling;           /* tie-breaker */
    uint64_t ice_controlled;            /* tie-breaker */
    struct sockaddr_storage xor_mapped; /* AF_INET or AF_INET6, already un-XORed */
    uint16_t error_code;                /* 300..699 */
    const uint8_t *error_reason;        /* borrowed UTF-8, not NUL-terminated */
    size_t error_reason_len;

    size_t integrity_off;   /* offset of the MESSAGE-INTEGRITY attribute header */
    size_t fingerprint_off; /* offset of the FINGERPRINT attribute header */
    uint32_t fingerprint;   /* value as received */

    /* Comprehension-required attributes (type < 0x8000) this parser does not know. A request
     * that carries any must be answered with 420 listing them (RFC 8489 section 6.3.1). */
    uint16_t unknown[RS_STUN_MAX_UNKNOWN];
    size_t n_unknown; /* number stored in `unknown`; more may have been seen */
    bool unknown_overflow;
};

/* Fields of a binding request we send (load generator, later a full ICE agent). */
struct rs_stun_binding_request {
    const char *username; /* borrowed "remote-ufrag:local-ufrag", not stored */
    size_t username_len;
    uint32_t priority;
    uint64_t tie_breaker;
    bool controlling; /* ICE-CONTROLLING when true, else ICE-CONTROLLED */
    bool use_candidate;
};

/* Parses one STUN message occupying exactly `len` bytes of `buf`. Validates the header (top
 * two bits zero, magic cookie, length a multiple of 4 and equal to len - 20), every attribute's
 * length and padding, the fixed sizes of known attributes, and that FINGERPRINT is last.
 * Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored, as RFC 8489 says.
 * Borrows `buf` (msg points into it); `msg` is caller-owned and fully overwritten. */
int rs_stun_parse(const uint8_t *buf, size_t len, struct rs_stun_msg *msg);

/* Checks MESSAGE-INTEGRITY (HMAC-SHA1) of a parsed message with `key` (for ICE: the short-term
 * password; for long-term credentials: MD5(user:realm:pass)). The HMAC covers everything before
 * the attribute with the header length adjusted to end right after it. Returns 0 when valid,
 * -ENOENT when absent, -EACCES when wrong, -EINVAL if the span exceeds
 * RS_STUN_MAX_INTEGRITY_SPAN. Borrows `msg` and `key`. */
int rs_stun_check_integrity(const struct rs_stun_msg *msg, const uint8_t *key, size_t keylen);

/* Checks FINGERPRINT: CRC-32 of everything before it, XOR 0x5354554e. Returns 0 when valid,
 * -ENOENT when absent, -EINVAL when wrong. Borrows `msg`. */
int rs_stun_check_fingerprint(const struct rs_stun_msg *msg);

/* CRC-32 (ISO-HDLC, as in zlib) of `len` bytes; exposed for tests. Borrows `p`. */
uint32_t rs_stun_crc32(const uint8_t *p, size_t len);

/* Builds a Binding success response for transaction `txid` carrying XOR-MAPPED-ADDRESS of
 * `mapped` (AF_INET or AF_INET6), MESSAGE-INTEGRITY keyed with `key` (skipped when key is NULL)
 * and FINGERPRINT. Writes into caller-owned `out` (capacity `cap`), sets *out_len. Borrows all
 * inputs. */
int rs_stun_build_binding_success(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                  const struct sockaddr_storage *mapped, const uint8_t *key,
                                  size_t keylen, size_t *out_len);

/* Builds a Binding error response with ERROR-CODE `code` (300..699; e.g. 400, 401, 420, 487) and
 * `reason` (borrowed NUL-terminated UTF-8, may be NULL for a default text), UNKNOWN-ATTRIBUTES
 * when n_unknown > 0 (for 420), MESSAGE-INTEGRITY when `key` is non-NULL, then FINGERPRINT.
 * Writes into caller-owned `out`, sets *out_len. */
int rs_stun_build_binding_error(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                uint16_t code, const char *reason, const uint16_t *unknown,
                                size_t n_unknown, const uint8_t *key, size_t keylen,
                                size_t *out_len);

/* Builds a Binding request: USERNAME, PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED,
 * USE-CANDIDATE when asked, MESSAGE-INTEGRITY (when key non-NULL), FINGERPRINT. Borrows `req`
 * and `key`; writes into caller-owned `out`, sets *out_len. */
int rs_stun_build_binding_request(uint8_t *out, size_t cap, const uint8_t txid[RS_STUN_TXID_LEN],
                                  const struct rs_stun_binding_request *req, const uint8_t *key,
                                  size_t keylen, size_t *out_len);

#endif
