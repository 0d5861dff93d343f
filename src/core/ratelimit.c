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

/* The bucket of `addr`, or NULL; `stalest` (may be NULL) gets the probed slot used least
 * recently, where a new key would go. */
static struct bucket *find(const struct rs_ratelimit *rl, const char *addr, struct bucket **stalest)
{
    unsigned h = 2166136261u;
    for (const char *c = addr; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    struct bucket *old = NULL;
    for (unsigned i = 0; i < PROBES; i++) {
        struct bucket *b = (struct bucket *)&rl->b[(h + i) % SLOTS];
        if (strncmp(b->addr, addr, sizeof(b->addr) - 1) == 0 && b->addr[0])
            return b;
        if (!old || b->last_ms < old->last_ms)
            old = b;
    }
    if (stalest)
        *stalest = old;
    return NULL;
}

int64_t rs_ratelimit_wait_ms(const struct rs_ratelimit *rl, const char *addr, int64_t now_ms)
{
    const struct bucket *b = find(rl, addr, NULL);
    if (!b)
        return 0;
    double tokens = b->tokens + (double)(now_ms - b->last_ms) * rl->per_min / 60000.0;
    if (tokens >= 1.0)
        return 0;
    return (int64_t)((1.0 - tokens) * 60000.0 / rl->per_min) + 1;
}

int rs_ratelimit_take(struct rs_ratelimit *rl, const char *addr, int64_t now_ms)
{
    struct bucket *stalest = NULL, *found = find(rl, addr, &stalest);
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
