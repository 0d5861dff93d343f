/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the speaking-turn calls (store_speaking.h) to the configured backend. */
#include "store/store_speaking.h"

int rs_store_speaking_add(struct rs_store *st, struct rs_speaking_turn *t)
{
    return st->ops->speaking->add(st, t);
}

int rs_store_speaking_list(struct rs_store *st, const char *room_id, rs_store_speaking_fn each,
                           void *ctx)
{
    return st->ops->speaking->list(st, room_id, each, ctx);
}
