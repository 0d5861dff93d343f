/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence of meeting members and votes (schema version 3). Same contract as store.h:
 * blocking calls from the control thread only, records own nothing on the heap unless said,
 * times passed in by the caller, errors 0 / -ENOENT / -EEXIST / -EINVAL / -EIO, plus -ESTALE
 * for "the vote is no longer open".
 *
 * Durability: rs_store_ballot_cast returns 0 only after its transaction committed with
 * synchronous=FULL (sqlite.c), so a ballot acknowledged after it survives a SIGKILL or a power
 * cut.
 *
 * Secrecy: for a secret vote the store keeps who voted (vote_voters: voter key only) apart
 * from what was chosen (vote_ballots: receipt hash and option, keyed and ordered by the
 * receipt hash), with no time and no sequence in either, so no row links a voter to a choice.
 * For an open vote the voter's row holds the option and the order of casting. */
#ifndef RS_STORE_STORE_VOTE_H
#define RS_STORE_STORE_VOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define RS_MEMBER_NAME_MAX 256 /* bytes: a username, or an invited person's name */
#define RS_MEMBERS_MAX 500     /* entries in one meeting's member list */
#define RS_VOTE_ID_MAX 24
#define RS_VOTER_KEY_MAX (RS_MEMBER_NAME_MAX + 2) /* "u:<user id>", "n:<name>", "p:<id>" */
#define RS_VOTE_SPEC_MAX 16384                    /* bytes of the motion's JSON */
#define RS_RECEIPT_HASH_HEX 64

/* One entry of a meeting's member list: an account (user_id set; name its username or display
 * name when written) or an invited person known by name only (user_id ""). */
struct rs_member_record {
    char user_id[RS_USER_ID_MAX + 1];
    char name[RS_MEMBER_NAME_MAX + 1];
};

enum rs_vote_state { RS_VOTE_OPEN, RS_VOTE_CLOSED, RS_VOTE_CANCELLED };

struct rs_vote_record {
    char id[RS_VOTE_ID_MAX + 1];
    char room_id[RS_ROOM_ID_MAX + 1];
    enum rs_vote_state state;
    bool secret;
    int64_t created_at_ms;
    int64_t closes_at_ms;            /* 0: closed by hand */
    int64_t closed_at_ms;            /* 0: open */
    char spec[RS_VOTE_SPEC_MAX + 1]; /* the motion as JSON (room/vote.c writes and reads it) */
};

/* One voter of a vote's electorate. */
struct rs_voter_record {
    char key[RS_VOTER_KEY_MAX + 1];
    char name[RS_MEMBER_NAME_MAX + 1];
};

/* One ballot as the record shows it: open votes give the voter's name, secret ones the
 * receipt hash. */
struct rs_ballot_record {
    char name[RS_MEMBER_NAME_MAX + 1];          /* open votes; "" for secret */
    char receipt_hash[RS_RECEIPT_HASH_HEX + 1]; /* secret votes; "" for open */
    int option;
};

typedef int (*rs_store_member_fn)(const struct rs_member_record *m, void *ctx);
typedef int (*rs_store_vote_fn)(const struct rs_vote_record *v, void *ctx);
typedef int (*rs_store_voter_fn)(const struct rs_voter_record *v, void *ctx);
typedef int (*rs_store_ballot_fn)(const struct rs_ballot_record *b, void *ctx);

struct rs_store_vote_ops {
    int (*members_set)(struct rs_store *st, const char *room_id, const struct rs_member_record *m,
                       size_t n);
    int (*members_list)(struct rs_store *st, const char *room_id, rs_store_member_fn each,
                        void *ctx);
    int (*vote_create)(struct rs_store *st, const struct rs_vote_record *v,
                       const struct rs_voter_record *electorate, size_t n);
    int (*vote_get)(struct rs_store *st, const char *id, struct rs_vote_record *out);
    int (*vote_list)(struct rs_store *st, const char *room_id, rs_store_vote_fn each, void *ctx);
    int (*vote_due)(struct rs_store *st, int64_t now_ms, rs_store_vote_fn each, void *ctx);
    int (*vote_electorate)(struct rs_store *st, const char *vote_id, rs_store_voter_fn each,
                           void *ctx);
    int (*ballot_cast)(struct rs_store *st, const char *vote_id, const char *voter_key, int option,
                       const char *receipt_hash);
    int (*vote_turnout)(struct rs_store *st, const char *vote_id, int64_t *out);
    int (*vote_has_voted)(struct rs_store *st, const char *vote_id, const char *voter_key);
    int (*vote_ballots)(struct rs_store *st, const char *vote_id, rs_store_ballot_fn each,
                        void *ctx);
    int (*vote_finish)(struct rs_store *st, const char *id, enum rs_vote_state state,
                       int64_t closed_at_ms, const char *record);
    int (*vote_record)(struct rs_store *st, const char *id, char **out);
};

const char *rs_vote_state_name(enum rs_vote_state s); /* "open", "closed", "cancelled" */

/* Replaces the member list of room `room_id` with `m[0..n)` (borrowed), in that order, in one
 * transaction. Returns 0, -ENOENT (unknown room or user), -EINVAL (n > RS_MEMBERS_MAX), -EIO. */
int rs_store_members_set(struct rs_store *st, const char *room_id, const struct rs_member_record *m,
                         size_t n);
/* Calls `each` for the room's members in list order. */
int rs_store_members_list(struct rs_store *st, const char *room_id, rs_store_member_fn each,
                          void *ctx);

/* Stores a new open vote `v` (borrowed) with its electorate, in one transaction. Returns 0,
 * -EEXIST (id taken or a voter twice), -ENOENT (unknown room), -EIO. */
int rs_store_vote_create(struct rs_store *st, const struct rs_vote_record *v,
                         const struct rs_voter_record *electorate, size_t n);
int rs_store_vote_get(struct rs_store *st, const char *id, struct rs_vote_record *out);
/* Calls `each` for the room's votes, oldest first. */
int rs_store_vote_list(struct rs_store *st, const char *room_id, rs_store_vote_fn each, void *ctx);
/* Calls `each` for the open votes (of any room) whose closes_at_ms is set and <= now_ms. */
int rs_store_vote_due(struct rs_store *st, int64_t now_ms, rs_store_vote_fn each, void *ctx);
/* Calls `each` for the vote's electorate, ordered by name then key. */
int rs_store_vote_electorate(struct rs_store *st, const char *vote_id, rs_store_voter_fn each,
                             void *ctx);
/* Casts one ballot, committed durably before it returns 0. `receipt_hash` (64 hex) is given
 * for a secret vote and NULL for an open one. Returns 0, -ESTALE (the vote is not open),
 * -ENOENT (no such vote, or the voter is not in its electorate), -EEXIST (already voted),
 * -EIO. */
int rs_store_ballot_cast(struct rs_store *st, const char *vote_id, const char *voter_key,
                         int option, const char *receipt_hash);
/* How many have voted. */
int rs_store_vote_turnout(struct rs_store *st, const char *vote_id, int64_t *out);
/* 1 if `voter_key` has voted, 0 if not, -EIO. */
int rs_store_vote_has_voted(struct rs_store *st, const char *vote_id, const char *voter_key);
/* Calls `each` for every ballot: open votes in the order cast, secret ones by receipt hash. */
int rs_store_vote_ballots(struct rs_store *st, const char *vote_id, rs_store_ballot_fn each,
                          void *ctx);
/* Closes or cancels an open vote and stores its exported record (borrowed text). Returns 0,
 * -ESTALE (not open any more), -ENOENT, -EIO. */
int rs_store_vote_finish(struct rs_store *st, const char *id, enum rs_vote_state state,
                         int64_t closed_at_ms, const char *record);
/* The stored record of a finished vote: `*out` is a new malloc'd string (free()). Returns 0,
 * -ENOENT (no such vote, or still open), -ENOMEM, -EIO. */
int rs_store_vote_record(struct rs_store *st, const char *id, char **out);

#endif
