/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the attendance calls (store_attendance.h) to the configured backend. */
#include "store/store_attendance.h"

int rs_store_attendance_add(struct rs_store *st, struct rs_attendance_record *r)
{
    return st->ops->attendance->add(st, r);
}

int rs_store_attendance_close(struct rs_store *st, int64_t id, int64_t left_at_ms,
                              const char *reason)
{
    return st->ops->attendance->close(st, id, left_at_ms, reason);
}

int rs_store_attendance_close_open(struct rs_store *st, int64_t left_at_ms, const char *reason,
                                   const char *node)
{
    return st->ops->attendance->close_open(st, left_at_ms, reason, node);
}

int rs_store_attendance_adopt(struct rs_store *st, int64_t id)
{
    return st->ops->attendance->adopt(st, id);
}

int rs_store_attendance_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx)
{
    return st->ops->attendance->open_nodes(st, each, ctx);
}

int rs_store_attendance_list(struct rs_store *st, const char *room_id, rs_store_attendance_fn each,
                             void *ctx)
{
    return st->ops->attendance->list(st, room_id, each, ctx);
}
