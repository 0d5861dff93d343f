/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the /proc/<pid>/stat parser: any bytes, never a crash or a read past
 * the input; what it accepts must parse the same again from a copy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned long long u, s;
    if (rs_procstat_parse((const char *)data, size, &u, &s) != 0)
        return 0;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    unsigned long long u2, s2;
    if (rs_procstat_parse(copy, size, &u2, &s2) != 0 || u2 != u || s2 != s)
        abort();
    free(copy);
    return 0;
}
