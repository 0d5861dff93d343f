/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for room snapshots (room/snapshot.h), what a cluster node reads back from
 * Redis when it takes a room over: the input is the snapshot's bytes. A room opens in a fresh
 * registry (no store, no media plane) through the registry's cluster hooks, which hand it the
 * input; whatever restores must save again into a snapshot that restores the same number of
 * participants. It must never crash, leak or read past the input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "room/room.h"
#include "room/snapshot.h"

static const uint8_t *in_data;
static size_t in_size;

static int acquire(void *user, const char *room, struct rs_room_moved *moved)
{
    return 0;
}

static int load(void *user, const char *room, char **out, size_t *len)
{
    *out = malloc(in_size ? in_size : 1);
    if (!*out)
        return -ENOMEM;
    memcpy(*out, in_data, in_size);
    *len = in_size;
    return 0;
}

/* Opens "snap" in a new registry from the current input; returns the participants in it. */
static int restore_once(struct rs_app *app)
{
    app->rooms = rs_rooms_new(app);
    if (!app->rooms)
        abort();
    struct rs_room *room;
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    int n = -1;
    if (rs_room_open(app, "snap", NULL, &room, &err) == 0)
        n = (int)room->count;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rs_app app;
    static int once;
    if (!once) {
        rs_log_set_level(RS_LOG_ERROR);
        once = 1;
    }
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.room_owner = (struct rs_room_owner){.acquire = acquire, .snapshot_load = load};
    in_data = data;
    in_size = size;
    int n = restore_once(&app);
    struct rs_room *room = rs_rooms_find(app.rooms, "snap");
    size_t len = 0;
    char *again = room ? rs_room_snapshot_save(room, 1, &len) : NULL;
    rs_rooms_free(app.rooms);
    if (again) {
        in_data = (const uint8_t *)again;
        in_size = len;
        int m = restore_once(&app);
        if (m != n)
            abort(); /* what was restored must survive its own save */
        rs_rooms_free(app.rooms);
        free(again);
    }
    return 0;
}
