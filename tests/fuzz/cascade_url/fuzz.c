/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the owner URL a cascade relay dials (http/cascade_link.h
 * rs_cascade_url_split): any bytes as the URL, which comes from another node's record in Redis.
 * What it accepts must fit its fields: a host that is not empty and NUL-terminated within its
 * field, a port 1-65535, a path starting with '/' and ending in "/signaling", a Host header
 * NUL-terminated within its field, and TLS exactly for https. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cascade_link.h"

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1); /* its own allocation: ASan sees a read past the end */
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = 0;
    struct rs_cascade_url u;
    if (rs_cascade_url_split(url, &u) == 0) {
        size_t hl = strnlen(u.host, sizeof(u.host));
        if (hl == 0 || hl == sizeof(u.host) || u.port < 1 || u.port > 65535 ||
            strnlen(u.path, sizeof(u.path)) == sizeof(u.path) || u.path[0] != '/' ||
            !ends_with(u.path, "/signaling") ||
            strnlen(u.host_hdr, sizeof(u.host_hdr)) == sizeof(u.host_hdr) ||
            u.tls != (strncmp(url, "https://", 8) == 0))
            abort();
    }
    free(url);
    return 0;
}
