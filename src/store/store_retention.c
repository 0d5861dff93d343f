/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the retention calls (store_retention.h) to the configured backend. */
#include "store/store_retention.h"

int rs_store_retention_path(struct rs_store *st, char *out, size_t cap)
{
    return st->ops->retention->path(st, out, cap);
}

int rs_store_retention_purge(struct rs_store *st, enum rs_retention_kind kind, int64_t before_ms,
                             unsigned max, rs_store_retention_room_fn each, void *ctx)
{
    return st->ops->retention->purge(st, kind, before_ms, max, each, ctx);
}
