/* SPDX-License-Identifier: EUPL-1.2 */
/* PKCE S256 and the per-login secrets.
 *
 * One login sends the browser to the provider with three one-time values we keep on our side:
 * `state` (binds the callback to the browser that started the login, against login CSRF),
 * `nonce` (binds the ID token to this login, against token replay) and the PKCE
 * `code_verifier`, whose SHA-256 (the challenge) travels in the authorization request so that
 * a stolen authorization code is useless without the verifier (RFC 7636).
 *
 * rs_random_token's alphabet (A-Z a-z 0-9 - _) is a subset of the verifier's unreserved
 * characters, so a token of 64 characters is a valid verifier as it stands. */
#include "auth/pkce.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/base64url.h"
#include "core/random.h"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int rs_pkce_new_verifier(char *out, size_t cap)
{
    if (out == NULL || cap < RS_PKCE_VERIFIER_LEN + 1)
        return -ENOSPC;
    return rs_random_token(out, RS_PKCE_VERIFIER_LEN);
}

int rs_pkce_challenge_s256(const char *verifier, char *out, size_t cap)
{
    uint8_t digest[32];
    unsigned int digest_len = 0;

    if (verifier == NULL)
        return -EINVAL;
    size_t len = strnlen(verifier, RS_PKCE_VERIFIER_MAX + 1);
    if (len < RS_PKCE_VERIFIER_MIN || len > RS_PKCE_VERIFIER_MAX)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (!is_unreserved((unsigned char)verifier[i]))
            return -EINVAL;
    }
    if (out == NULL || cap < RS_PKCE_CHALLENGE_LEN + 1)
        return -ENOSPC;
    if (EVP_Digest(verifier, len, digest, &digest_len, EVP_sha256(), NULL) != 1 ||
        digest_len != sizeof digest)
        return -EIO;
    return rs_b64url_encode(digest, sizeof digest, out, cap, NULL);
}

int rs_auth_new_token(char *out, size_t cap)
{
    if (out == NULL || cap < RS_AUTH_TOKEN_LEN + 1)
        return -ENOSPC;
    return rs_random_token(out, RS_AUTH_TOKEN_LEN);
}
