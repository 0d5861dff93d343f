/* SPDX-License-Identifier: EUPL-1.2 */
/* Random numbers: one thin layer over OpenSSL's RAND_bytes.
 *
 * OpenSSL 3 seeds its DRBGs from getrandom(2) and keeps one instance per thread, so these
 * functions are thread-safe and never block after boot. We add no state of our own.
 *
 * The token alphabet has 64 symbols, so taking the low six bits of a random byte is exactly
 * uniform (256 is a multiple of 64): no rejection sampling is needed. */
#include "core/random.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "core/log.h"

static const char token_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int rs_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(p, chunk) != 1)
            goto fail;
        p += chunk;
        len -= (size_t)chunk;
    }
    return 0;

fail:
    ERR_clear_error();
    memset(buf, 0, (size_t)(p - (unsigned char *)buf) + len);
    return -EIO;
}

int rs_random_token(char *out, size_t chars)
{
    unsigned char raw[64];
    size_t done = 0;

    if (out == NULL)
        return -EINVAL;
    while (done < chars) {
        size_t n = chars - done < sizeof(raw) ? chars - done : sizeof(raw);
        if (rs_random_bytes(raw, n) < 0)
            goto fail;
        for (size_t i = 0; i < n; i++)
            out[done + i] = token_alphabet[raw[i] & 63];
        done += n;
    }
    out[chars] = '\0';
    memset(raw, 0, sizeof(raw));
    return 0;

fail:
    out[0] = '\0';
    return -EIO;
}

uint32_t rs_random_u32(void)
{
    uint32_t value;

    if (rs_random_bytes(&value, sizeof(value)) < 0) {
        RS_ERROR("random", "event=csprng_failed");
        abort();
    }
    return value;
}
