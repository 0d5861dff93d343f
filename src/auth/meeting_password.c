/* SPDX-License-Identifier: EUPL-1.2 */
/* Meeting passwords and PINs (see meeting_password.h). */
#include "auth/meeting_password.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/random.h"

#define ITERATIONS 20000

int rs_meeting_password_hash(const char *pw, char *out, size_t cap)
{
    uint8_t salt[16], key[32];
    if (rs_random_bytes(salt, sizeof(salt)) ||
        PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof(salt), ITERATIONS, EVP_sha256(),
                          sizeof(key), key) != 1)
        return -EIO;
    char hs[40], hk[70];
    for (int i = 0; i < 16; i++)
        snprintf(hs + 2 * i, 3, "%02x", salt[i]);
    for (int i = 0; i < 32; i++)
        snprintf(hk + 2 * i, 3, "%02x", key[i]);
    snprintf(out, cap, "pbkdf2-sha256$%d$%s$%s", ITERATIONS, hs, hk);
    return 0;
}

int rs_meeting_password_verify(const char *encoded, const char *pw)
{
    unsigned iter;
    char hs[40], hk[70];
    if (sscanf(encoded, "pbkdf2-sha256$%u$%32[0-9a-f]$%64[0-9a-f]", &iter, hs, hk) != 3 ||
        iter == 0 || iter > 1000000)
        return -EINVAL;
    uint8_t salt[16], key[32], want[32];
    for (int i = 0; i < 16; i++)
        sscanf(hs + 2 * i, "%2hhx", &salt[i]);
    for (int i = 0; i < 32; i++)
        sscanf(hk + 2 * i, "%2hhx", &want[i]);
    if (PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof(salt), (int)iter, EVP_sha256(),
                          sizeof(key), key) != 1)
        return -EIO;
    return CRYPTO_memcmp(key, want, sizeof(key)) == 0 ? 0 : -EACCES;
}
