/* SPDX-License-Identifier: EUPL-1.2 */
/* Counting a vote and its tamper-evident record: pure functions, no I/O, no clock, no store.
 *
 * Counting (rs_vote_tally): the ballots per option, the majority rule and the quorum give the
 * result. The rules, as in German municipal practice ("Mehrheit der abgegebenen Stimmen"):
 * - abstentions are ballots (they count for the quorum) but not votes cast;
 * - RS_MAJORITY_SIMPLE: more than half of the votes cast;
 * - RS_MAJORITY_MEMBERS: more than half of the body's members (`members`);
 * - RS_MAJORITY_TWO_THIRDS: at least two thirds of the votes cast;
 * - a tie fails, and so does a vote nobody cast a vote in;
 * - quorate: at least `quorum` ballots (abstentions included); an inquorate vote never passes.
 * A motion (yes / no / abstain) passes when "yes" meets the rule. A choice between custom
 * options is won by the option with the most votes when that option alone meets the rule.
 *
 * The record (rs_vote_chain): entries {seq, type, body, prev, hash}, where
 *   hash = hex(SHA-256(prev || canonical JSON of {"body", "seq", "type"}))
 * and prev is the previous entry's hash (64 zeros for the first), as 64 lowercase hex
 * characters. Canonical JSON is jansson's compact form with sorted keys and raw UTF-8; bodies
 * hold strings, integers, booleans, null, arrays and objects only (no reals). The export is
 * the canonical JSON of {"format", "vote", "entries", "head"} plus one newline, so changing any
 * byte of it either breaks the JSON, makes it non-canonical, or breaks a hash: verify refuses
 * all three.
 *
 * Ownership: stated per function; any thread (nothing shared). */
#ifndef RS_ROOM_VOTE_TALLY_H
#define RS_ROOM_VOTE_TALLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define RS_VOTE_OPTIONS_MAX 12
#define RS_VOTE_HASH_HEX 64
#define RS_VOTE_RECORD_FORMAT "ratsaal-vote-record/1"

enum rs_vote_majority { RS_MAJORITY_SIMPLE, RS_MAJORITY_MEMBERS, RS_MAJORITY_TWO_THIRDS };

/* The wire names "simple", "members", "two_thirds" (NULL-terminated, in enum order). */
extern const char *const rs_vote_majority_names[];

struct rs_vote_count {
    unsigned n_options;
    unsigned counts[RS_VOTE_OPTIONS_MAX]; /* ballots per option */
    int abstain;                          /* index of the abstain option, -1: none */
    bool motion;                          /* option 0 is "yes": passes or fails */
    enum rs_vote_majority majority;
    unsigned members; /* the body's size (RS_MAJORITY_MEMBERS) */
    unsigned quorum;  /* ballots needed */
};

struct rs_vote_result {
    unsigned ballots; /* every ballot, abstentions included */
    unsigned cast;    /* ballots for an option other than abstain */
    unsigned abstentions;
    bool quorate;
    bool passed;
    int winner; /* the option that met the rule, -1: none */
};

/* Counts `in` (borrowed) into `out`. */
void rs_vote_tally(const struct rs_vote_count *in, struct rs_vote_result *out);
/* More than half of `members`: the default quorum. */
unsigned rs_vote_default_quorum(unsigned members);

/* A record being built. */
struct rs_vote_chain {
    json_t *entries; /* owned */
    char head[RS_VOTE_HASH_HEX + 1];
    unsigned seq;
};

/* Returns 0 or -ENOMEM. */
int rs_vote_chain_init(struct rs_vote_chain *c);
/* Appends an entry of `type` with `body` (the reference is taken, also on failure). Returns 0,
 * -EINVAL (body not an object or holds a real), -ENOMEM. */
int rs_vote_chain_append(struct rs_vote_chain *c, const char *type, json_t *body);
/* The export for vote `vote_id`: a new malloc'd NUL-terminated string (free()), or NULL. */
char *rs_vote_chain_export(const struct rs_vote_chain *c, const char *vote_id);
void rs_vote_chain_free(struct rs_vote_chain *c);

/* SHA-256 of `len` bytes as 64 lowercase hex characters and a NUL into `out`. */
void rs_vote_sha256_hex(const void *data, size_t len, char out[RS_VOTE_HASH_HEX + 1]);

/* Checks an export (`len` bytes, borrowed). Returns 0 when intact, with the number of entries
 * in *entries (may be NULL); -EINVAL when not, with a one-line reason naming the first altered
 * entry (or the part of the file) in `why`. */
int rs_vote_record_verify(const char *text, size_t len, unsigned *entries, char *why, size_t cap);

#endif
