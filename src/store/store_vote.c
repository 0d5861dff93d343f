/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch of the member and vote calls (store_vote.h) to the configured backend. */
#include "store/store_vote.h"

int rs_store_members_set(struct rs_store *st, const char *room_id, const struct rs_member_record *m,
                         size_t n)
{
    return st->ops->votes->members_set(st, room_id, m, n);
}

int rs_store_members_list(struct rs_store *st, const char *room_id, rs_store_member_fn each,
                          void *ctx)
{
    return st->ops->votes->members_list(st, room_id, each, ctx);
}

int rs_store_vote_create(struct rs_store *st, const struct rs_vote_record *v,
                         const struct rs_voter_record *electorate, size_t n)
{
    return st->ops->votes->vote_create(st, v, electorate, n);
}

int rs_store_vote_get(struct rs_store *st, const char *id, struct rs_vote_record *out)
{
    return st->ops->votes->vote_get(st, id, out);
}

int rs_store_vote_list(struct rs_store *st, const char *room_id, rs_store_vote_fn each, void *ctx)
{
    return st->ops->votes->vote_list(st, room_id, each, ctx);
}

int rs_store_vote_due(struct rs_store *st, int64_t now_ms, rs_store_vote_fn each, void *ctx)
{
    return st->ops->votes->vote_due(st, now_ms, each, ctx);
}

int rs_store_vote_electorate(struct rs_store *st, const char *vote_id, rs_store_voter_fn each,
                             void *ctx)
{
    return st->ops->votes->vote_electorate(st, vote_id, each, ctx);
}

int rs_store_ballot_cast(struct rs_store *st, const char *vote_id, const char *voter_key,
                         int option, const char *receipt_hash)
{
    return st->ops->votes->ballot_cast(st, vote_id, voter_key, option, receipt_hash);
}

int rs_store_vote_turnout(struct rs_store *st, const char *vote_id, int64_t *out)
{
    return st->ops->votes->vote_turnout(st, vote_id, out);
}

int rs_store_vote_has_voted(struct rs_store *st, const char *vote_id, const char *voter_key)
{
    return st->ops->votes->vote_has_voted(st, vote_id, voter_key);
}

int rs_store_vote_ballots(struct rs_store *st, const char *vote_id, rs_store_ballot_fn each,
                          void *ctx)
{
    return st->ops->votes->vote_ballots(st, vote_id, each, ctx);
}

int rs_store_vote_finish(struct rs_store *st, const char *id, enum rs_vote_state state,
                         int64_t closed_at_ms, const char *record)
{
    return st->ops->votes->vote_finish(st, id, state, closed_at_ms, record);
}

int rs_store_vote_record(struct rs_store *st, const char *id, char **out)
{
    return st->ops->votes->vote_record(st, id, out);
}
