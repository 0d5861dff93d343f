/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the recording calls (store_recording.h) to the configured backend. */
#include "store/store_recording.h"

int rs_store_recording_add(struct rs_store *st, struct rs_recording *r)
{
    return st->ops->recording->add(st, r);
}

int rs_store_recording_finish(struct rs_store *st, int64_t id, int64_t ended_at_ms, int64_t bytes,
                              const char *state)
{
    return st->ops->recording->finish(st, id, ended_at_ms, bytes, state);
}

int rs_store_recording_mark_deleted(struct rs_store *st, int64_t id)
{
    return st->ops->recording->mark_deleted(st, id);
}

int rs_store_recording_get(struct rs_store *st, int64_t id, struct rs_recording *out)
{
    return st->ops->recording->get(st, id, out);
}

int rs_store_recording_list(struct rs_store *st, const char *room_id, rs_store_recording_fn each,
                            void *ctx)
{
    return st->ops->recording->list(st, room_id, each, ctx);
}

int rs_store_recording_expired(struct rs_store *st, int64_t now_ms, rs_store_recording_fn each,
                               void *ctx)
{
    return st->ops->recording->expired(st, now_ms, each, ctx);
}

int rs_store_recording_close_open(struct rs_store *st, int64_t now_ms, const char *node)
{
    return st->ops->recording->close_open(st, now_ms, node);
}

int rs_store_recording_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx)
{
    return st->ops->recording->open_nodes(st, each, ctx);
}

int rs_store_recording_audit_add(struct rs_store *st, struct rs_recording_audit *a)
{
    return st->ops->recording->audit_add(st, a);
}

int rs_store_recording_audit_list(struct rs_store *st, const char *room_id,
                                  rs_store_recording_audit_fn each, void *ctx)
{
    return st->ops->recording->audit_list(st, room_id, each, ctx);
}
