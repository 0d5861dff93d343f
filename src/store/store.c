/* Dispatch from the store interface to the configured backend. */
#include "store/store.h"

#include <errno.h>

void rs_store_close(struct rs_store *st)
{
    if (st)
        st->ops->close(st);
}

int rs_store_schema_version(struct rs_store *st)
{
    return st->ops->schema_version(st);
}

int rs_store_room_get(struct rs_store *st, const char *id, struct rs_room_record *out)
{
    return st->ops->room_get(st, id, out);
}

int rs_store_room_put(struct rs_store *st, const struct rs_room_record *room)
{
    return st->ops->room_put(st, room);
}

int rs_store_room_touch(struct rs_store *st, const char *id, int64_t now_ms)
{
    return st->ops->room_touch(st, id, now_ms);
}

int rs_store_room_delete(struct rs_store *st, const char *id)
{
    return st->ops->room_delete(st, id);
}

int rs_store_room_count(struct rs_store *st, int64_t *out)
{
    return st->ops->room_count(st, out);
}
