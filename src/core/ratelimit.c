/* SPDX-License-Identifier: EUPL-1.2 */
/* Address rate limiting (see ratelimit.h). */
#include "core/ratelimit.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define PROBES 8

struct bucket {
    char addr[48];
    double tokens;
    int64_t last_ms;
};

struct rs_ratelimit {
    unsigned per_min;
    struct bucket b[SLOTS];
};

struct rs_ratelimit *rs_ratelimit_new(unsigned per_min)
{
    struct rs_ratelimit *rl = calloc(1, sizeof(*rl));
    if (rl)
        rl->per_min = per_min ? per_min : 1;
    return rl;
}

void rs_ratelimit_free(struct rs_ratelimit *rl)
{
    free(rl);
}

int rs_ratelimit_take(struct rs_ratelimit *rl, const char *addr, int64_t now_ms)
{
    unsigned h = 2166136261u;
    for (const char *c = addr; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    struct bucket *found = NULL, *stalest = NULL;
    for (unsigned i = 0; i < PROBES; i++) {
        struct bucket *b = &rl->b[(h + i) % SLOTS];
        if (strncmp(b->addr, addr, sizeof(b->addr) - 1) == 0 && b->addr[0]) {
            found = b;
            break;
        }
        if (!stalest || b->last_ms < stalest->last_ms)
            stalest = b;
    }
    if (!found) {
        found = stalest;
        memset(found, 0, sizeof(*found));
        strncpy(found->addr, addr, sizeof(found->addr) - 1);
        found->tokens = rl->per_min;
        found->last_ms = now_ms;
    }
    found->tokens += (double)(now_ms - found->last_ms) * rl->per_min / 60000.0;
    if (found->tokens > rl->per_min)
        found->tokens = rl->per_min;
    found->last_ms = now_ms;
    if (found->tokens < 1.0)
        return 0;
    found->tokens -= 1.0;
    return 1;
}
