/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64url without padding (RFC 4648 §5, as JWS uses it in RFC 7515 §2).
 *
 * Strict on decode: only the 64 URL-safe symbols, no '=' padding, no whitespace, a length that
 * is not 1 mod 4, and zero bits in the unused tail of the last symbol, so every byte string has
 * exactly one accepted encoding. Pure functions, no allocation, safe from any thread. */
#ifndef RS_AUTH_BASE64URL_H
#define RS_AUTH_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

/* Number of characters (without NUL) that encoding `len` bytes produces. */
size_t rs_b64url_encoded_len(size_t len);

/* Upper bound on the bytes that decoding `chars` characters produces. */
size_t rs_b64url_decoded_max(size_t chars);

/* Encodes `len` bytes of `in` (borrowed) into `out` (borrowed, `cap` bytes) with a terminating
 * NUL. Stores the length without the NUL in `*out_len` when `out_len` is not NULL.
 * Returns 0, or -ENOSPC if `cap` < rs_b64url_encoded_len(len) + 1. */
int rs_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len);

/* Decodes `len` characters of `in` (borrowed; need not be NUL-terminated) into `out` (borrowed,
 * `cap` bytes). Stores the decoded length in `*out_len`. Returns 0, -EINVAL for anything that
 * is not canonical unpadded base64url, or -ENOSPC if `out` is too small. */
int rs_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
