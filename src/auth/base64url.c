/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64url, the JOSE flavour: URL-safe alphabet, no padding, nothing else tolerated.
 *
 * A JWS is verified over the exact characters it arrived with, so a lenient decoder is not a
 * signature bypass; it is still refused here because every tolerance (padding, whitespace,
 * the '+' and '/' of plain base64, stray bits in the last symbol) turns one token into many
 * spellings, and spellings are what caches, replay lists and log greps key on. The one subtle
 * thing is that last symbol: with 2 or 3 symbols left over, only their high 12 or 18 bits
 * carry data, and the low 4 or 2 bits must be zero for the encoding to be canonical. */
#include "auth/base64url.h"

#include <errno.h>

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* -1 for characters outside the alphabet. */
static int symbol_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

size_t rs_b64url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

size_t rs_b64url_decoded_max(size_t chars)
{
    return chars / 4 * 3 + (chars % 4 == 0 ? 0 : chars % 4 - 1 + (chars % 4 == 1));
}

int rs_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    size_t need = rs_b64url_encoded_len(len);
    size_t o = 0;

    if (out == NULL || cap < need + 1 || need < len)
        return -ENOSPC;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return 0;
}

int rs_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;

    if (len % 4 == 1 || (in == NULL && len > 0))
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        int v = symbol_value((unsigned char)in[i]);
        if (v < 0)
            return -EINVAL;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -ENOSPC;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits (2 or 4) are padding inside the last symbol: they must be zero. */
    if (acc != 0)
        return -EINVAL;
    *out_len = o;
    return 0;
}
