/* SPDX-License-Identifier: EUPL-1.2 */
/* A room owner for tests of cluster failover without Redis (room/snapshot.h): the lease is
 * always granted, and a room's snapshot is kept "in Redis" in one process-wide buffer, so that
 * one app (the node that dies or drains) saves what another (the next owner) loads.
 * Header-only; include once per test binary. so_forget() frees the buffer. */
#ifndef RS_TESTS_SNAPSHOT_OWNER_H
#define RS_TESTS_SNAPSHOT_OWNER_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"

static char *so_saved; /* the last snapshot written, NUL-terminated; NULL: none */
static size_t so_saved_len;

static inline int so_acquire(void *user, const char *room, struct rs_room_moved *moved)
{
    (void)user;
    (void)room;
    (void)moved;
    return 0;
}

static inline int so_load(void *user, const char *room, char **out, size_t *len)
{
    (void)user;
    (void)room;
    if (!so_saved)
        return -ENOENT;
    *out = strndup(so_saved, so_saved_len);
    *len = so_saved_len;
    return *out ? 0 : -ENOMEM;
}

static inline int so_save(void *user, const char *room, const char *data, size_t len)
{
    (void)user;
    (void)room;
    free(so_saved);
    so_saved = strndup(data, len);
    so_saved_len = len;
    return so_saved ? 0 : -ENOMEM;
}

/* Puts `text` (borrowed) "in Redis" as the snapshot. */
static inline void so_put(const char *text)
{
    free(so_saved);
    so_saved = strdup(text);
    so_saved_len = strlen(text);
}

static inline void so_forget(void)
{
    free(so_saved);
    so_saved = NULL;
    so_saved_len = 0;
}

#endif
