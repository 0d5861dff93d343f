/* SPDX-License-Identifier: EUPL-1.2 */
/* PKCE with S256 (RFC 7636), and the other one-time secrets of an authorization request
 * (`state`, `nonce`). All random material comes from core/random (the OS CSPRNG).
 * Pure apart from the CSPRNG; safe from any thread. */
#ifndef RS_AUTH_PKCE_H
#define RS_AUTH_PKCE_H

#include <stddef.h>

#define RS_PKCE_VERIFIER_MIN 43
#define RS_PKCE_VERIFIER_MAX 128
#define RS_PKCE_VERIFIER_LEN 64  /* what we generate: 384 bits */
#define RS_PKCE_CHALLENGE_LEN 43 /* base64url of a SHA-256 digest */
#define RS_AUTH_TOKEN_LEN 32     /* state and nonce: 192 bits */

/* Writes a fresh code_verifier of RS_PKCE_VERIFIER_LEN characters and a NUL into `out`
 * (borrowed, `cap` bytes). Returns 0, -ENOSPC, or -EIO if the CSPRNG failed. */
int rs_pkce_new_verifier(char *out, size_t cap);

/* Writes code_challenge = base64url(SHA-256(verifier)) and a NUL into `out` (borrowed, at least
 * RS_PKCE_CHALLENGE_LEN + 1 bytes). `verifier` (borrowed) must be 43..128 characters of
 * [A-Za-z0-9-._~]. Returns 0, -EINVAL for a malformed verifier, -ENOSPC, or -EIO. */
int rs_pkce_challenge_s256(const char *verifier, char *out, size_t cap);

/* Writes a fresh RS_AUTH_TOKEN_LEN-character base64url token and a NUL into `out` (borrowed,
 * `cap` bytes): use one for `state` and another for `nonce`. Returns 0, -ENOSPC, or -EIO. */
int rs_auth_new_token(char *out, size_t cap);

#endif
