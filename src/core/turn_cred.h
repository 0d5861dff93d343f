/* SPDX-License-Identifier: EUPL-1.2 */
/* Short-lived TURN credentials from a shared secret (config `turn_server`, `turn_secret`,
 * `turn_ttl`), in the scheme coturn implements as `use-auth-secret` (the "TURN REST API",
 * draft-uberti-behave-turn-rest-00):
 *
 *     username   = "<unix time the credential expires>:<participant id>"
 *     credential = base64(HMAC-SHA1(secret, username))        (standard base64, with padding)
 *
 * The TURN server knows only the secret; it recomputes the credential from the username and
 * refuses one whose time has passed. Pure functions, no allocation, safe from any thread. The
 * secret and the credential are never logged. */
#ifndef RS_CORE_TURN_CRED_H
#define RS_CORE_TURN_CRED_H

#include <stddef.h>
#include <stdint.h>

/* base64 of a 20-byte HMAC-SHA1 is 28 characters */
#define RS_TURN_CREDENTIAL_LEN 28

struct rs_turn_cred {
    char username[96];
    char credential[RS_TURN_CREDENTIAL_LEN + 1];
};

/* Computes the credential for `user_id` (borrowed; at most 64 bytes, no ':') valid until
 * `now_s + ttl_s` (Unix seconds), keyed with `secret` (borrowed, NUL-terminated) into `out`
 * (borrowed). Returns 0, -EINVAL for an empty secret or a bad user id, -EIO if OpenSSL fails. */
int rs_turn_cred_make(const char *secret, int64_t now_s, unsigned ttl_s, const char *user_id,
                      struct rs_turn_cred *out);

/* Whether `url` (borrowed) is a TURN URL we hand to browsers (RFC 7065):
 * `turn:HOST[:PORT][?transport=udp|tcp]` or `turns:HOST[:PORT][?transport=tcp]`, HOST a name
 * of letters, digits, '-' and '.', an IPv4 address or a bracketed IPv6 one, PORT 1-65535.
 * Returns 0, or -EINVAL with a one-line reason in `why` (borrowed, `cap` bytes). */
int rs_turn_url_check(const char *url, char *why, size_t cap);

#endif
