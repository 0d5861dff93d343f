/* SPDX-License-Identifier: EUPL-1.2 */
/* Local account passwords, hashed with argon2id (RFC 9106) through libargon2.
 *
 * Parameters: t=3 passes over m=64 MiB with p=1 lane, a 16-byte salt and a 32-byte tag. That
 * is RFC 9106's second recommended option (which also allows p=4) and well above OWASP's
 * floor (m=19 MiB, t=2); on a current server core it costs roughly 100-300 ms, affordable on
 * one auth thread with per-address rate limiting, expensive for an offline guesser. The
 * parameters travel inside the encoded string, so raising them later leaves old hashes
 * verifiable; the caller may re-hash after a successful login.
 *
 * The subtle part is the prefix check in verify: libargon2's argon2id_verify would also parse
 * an "$argon2i$" string as long as the type given matches, but we pin the type and demand
 * the "$argon2id$" prefix ourselves, so a tampered row cannot downgrade the algorithm.
 * Verification recomputes the tag and compares it in constant time inside libargon2. */
#include "auth/password.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include "core/random.h"

#define ENCODED_PREFIX "$argon2id$v=19$"
#define ENCODED_INPUT_MAX 256

int rs_password_check_policy(const char *password)
{
    size_t chars = 0;
    size_t i = 0;

    if (password == NULL)
        return -EINVAL;
    size_t len = strnlen(password, RS_PASSWORD_MAX_BYTES + 1);
    if (len > RS_PASSWORD_MAX_BYTES)
        return RS_PASSWORD_TOO_LONG;
    /* Count code points of well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
    while (i < len) {
        unsigned char c = (unsigned char)password[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            n = 1;
            cp = c;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return RS_PASSWORD_BAD_UTF8;
        }
        if (i + n > len)
            return RS_PASSWORD_BAD_UTF8;
        for (size_t k = 1; k < n; k++) {
            unsigned char cc = (unsigned char)password[i + k];
            if ((cc & 0xc0) != 0x80)
                return RS_PASSWORD_BAD_UTF8;
            cp = cp << 6 | (cc & 0x3f);
        }
        static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return RS_PASSWORD_BAD_UTF8;
        i += n;
        chars++;
    }
    return chars < RS_PASSWORD_MIN_CHARS ? RS_PASSWORD_TOO_SHORT : 0;
}

int rs_password_hash(const char *password, char *out, size_t cap)
{
    uint8_t salt[RS_PASSWORD_SALT_LEN];
    int rc = rs_password_check_policy(password);

    if (rc < 0)
        return rc;
    size_t need = argon2_encodedlen(RS_PASSWORD_T_COST, RS_PASSWORD_M_COST, RS_PASSWORD_PARALLELISM,
                                    RS_PASSWORD_SALT_LEN, RS_PASSWORD_HASH_LEN, Argon2_id);
    if (out == NULL || cap < need)
        return -ENOSPC;
    if (rs_random_bytes(salt, sizeof salt) < 0)
        return -EIO;
    rc = argon2id_hash_encoded(RS_PASSWORD_T_COST, RS_PASSWORD_M_COST, RS_PASSWORD_PARALLELISM,
                               password, strlen(password), salt, sizeof salt, RS_PASSWORD_HASH_LEN,
                               out, cap);
    OPENSSL_cleanse(salt, sizeof salt);
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
        return -ENOMEM;
    return rc == ARGON2_OK ? 0 : -EIO;
}

int rs_password_verify(const char *encoded, const char *password)
{
    if (encoded == NULL || password == NULL)
        return -EINVAL;
    size_t len = strnlen(password, RS_PASSWORD_MAX_BYTES + 1);
    if (len > RS_PASSWORD_MAX_BYTES)
        return RS_PASSWORD_TOO_LONG;
    if (strncmp(encoded, ENCODED_PREFIX, strlen(ENCODED_PREFIX)) != 0 ||
        strnlen(encoded, ENCODED_INPUT_MAX + 1) > ENCODED_INPUT_MAX)
        return -EINVAL;
    switch (argon2id_verify(encoded, password, len)) {
    case ARGON2_OK:
        return 0;
    case ARGON2_VERIFY_MISMATCH:
        return -EACCES;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
        return -ENOMEM;
    default:
        return -EINVAL;
    }
}
