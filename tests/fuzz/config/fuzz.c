/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the config file parser and validator. */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_config cfg;
    char err[512];
    rs_config_defaults(&cfg);
    if (rs_config_parse(&cfg, (const char *)data, size, "fuzz", err, sizeof(err)) == 0)
        rs_config_validate(&cfg, err, sizeof(err));
    return 0;
}
