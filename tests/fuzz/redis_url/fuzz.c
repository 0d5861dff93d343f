/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the Redis URL of `cluster_redis` (cluster/redis.h rs_redis_url_parse):
 * any bytes as the URL. What it accepts must fit the address's limits: a host or socket path
 * that is not empty and NUL-terminated within its field, a port 1-65535 for TCP, a database
 * within RS_REDIS_DB_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1); /* its own allocation: ASan sees a read past the end */
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = 0;
    struct rs_redis_addr a;
    if (rs_redis_url_parse(url, &a) == 0) {
        size_t hl = strnlen(a.host, sizeof(a.host));
        if (hl == 0 || hl == sizeof(a.host) || a.db > RS_REDIS_DB_MAX ||
            (!a.unix_socket && (a.port == 0 || a.port > 65535)) ||
            strnlen(a.user, sizeof(a.user)) == sizeof(a.user) ||
            strnlen(a.password, sizeof(a.password)) == sizeof(a.password))
            abort();
    }
    free(url);
    return 0;
}
