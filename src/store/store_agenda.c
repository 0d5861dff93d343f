/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the agenda calls (store_agenda.h) to the configured backend. */
#include "store/store_agenda.h"

const char *rs_session_role_name(enum rs_session_role r)
{
    return r == RS_SESSION_ROLE_MINUTE_TAKER ? "minute_taker" : "chair";
}

int rs_store_agenda_list(struct rs_store *st, const char *room_id, rs_store_agenda_fn each,
                         void *ctx)
{
    return st->ops->agenda->list(st, room_id, each, ctx);
}

int rs_store_agenda_replace(struct rs_store *st, const char *room_id,
                            const struct rs_agenda_item_record *items, size_t n)
{
    return st->ops->agenda->replace(st, room_id, items, n);
}

int rs_store_agenda_add(struct rs_store *st, const struct rs_agenda_item_record *item)
{
    return st->ops->agenda->add(st, item);
}

int rs_store_agenda_update(struct rs_store *st, const struct rs_agenda_item_record *item)
{
    return st->ops->agenda->update(st, item);
}

int rs_store_agenda_remove(struct rs_store *st, const char *room_id, const char *item_id)
{
    return st->ops->agenda->remove(st, room_id, item_id);
}

int rs_store_agenda_move(struct rs_store *st, const char *room_id, const char *item_id,
                         int position)
{
    return st->ops->agenda->move(st, room_id, item_id, position);
}

int rs_store_agenda_set_minutes(struct rs_store *st, const char *room_id, const char *item_id,
                                const char *text, const char *by, int64_t at_ms)
{
    return st->ops->agenda->set_minutes(st, room_id, item_id, text, by, at_ms);
}

int rs_store_agenda_set_current(struct rs_store *st, const char *room_id, const char *item_id,
                                int64_t now_ms)
{
    return st->ops->agenda->set_current(st, room_id, item_id, now_ms);
}

int rs_store_session_role_append(struct rs_store *st, struct rs_session_role_record *r)
{
    return st->ops->agenda->role_append(st, r);
}

int rs_store_session_role_list(struct rs_store *st, const char *room_id,
                               rs_store_session_role_fn each, void *ctx)
{
    return st->ops->agenda->role_list(st, room_id, each, ctx);
}
