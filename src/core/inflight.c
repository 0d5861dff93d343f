/* SPDX-License-Identifier: EUPL-1.2 */
/* Work in flight per key (see inflight.h). A linear table: it holds at most as many keys as
 * jobs can be queued (a few hundred), is touched once per submitted and once per finished job,
 * and a scan of it costs far less than the argon2 hash it guards. */
#include "core/inflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char key[RS_INFLIGHT_KEY_MAX + 1];
    unsigned count; /* 0: free */
};

struct rs_inflight {
    unsigned capacity, per_key;
    struct entry e[];
};

struct rs_inflight *rs_inflight_new(unsigned capacity, unsigned per_key)
{
    struct rs_inflight *t = calloc(1, sizeof(*t) + (size_t)capacity * sizeof(struct entry));
    if (t) {
        t->capacity = capacity;
        t->per_key = per_key;
    }
    return t;
}

void rs_inflight_free(struct rs_inflight *t)
{
    free(t);
}

static struct entry *find(const struct rs_inflight *t, const char *key)
{
    for (unsigned i = 0; i < t->capacity; i++) {
        const struct entry *e = &t->e[i];
        if (e->count && strncmp(e->key, key, RS_INFLIGHT_KEY_MAX) == 0)
            return (struct entry *)e;
    }
    return NULL;
}

int rs_inflight_acquire(struct rs_inflight *t, const char *key)
{
    struct entry *e = find(t, key);
    if (!e) {
        for (unsigned i = 0; i < t->capacity && !e; i++)
            if (!t->e[i].count)
                e = &t->e[i];
        if (!e)
            return 0;
        snprintf(e->key, sizeof(e->key), "%s", key);
    }
    if (e->count >= t->per_key)
        return 0;
    e->count++;
    return 1;
}

void rs_inflight_release(struct rs_inflight *t, const char *key)
{
    struct entry *e = find(t, key);
    if (e)
        e->count--;
}

unsigned rs_inflight_count(const struct rs_inflight *t, const char *key)
{
    const struct entry *e = find(t, key);
    return e ? e->count : 0;
}
