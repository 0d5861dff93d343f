/* SPDX-License-Identifier: EUPL-1.2 */
/* Counting a vote and chaining its record (vote_tally.h has the rules).
 *
 * The counting is integer arithmetic only: "more than half" is 2·n > d, "at least two thirds"
 * is 3·n >= 2·d, so no rounding decides a council's vote.
 *
 * The subtle point of the record is what "any byte altered" means. A JSON parser forgives a lot
 * (whitespace, key order, escapes such as "\u0041" for "A"), so hashing parsed values alone
 * would accept an export whose bytes differ. Verification therefore also re-serializes the
 * parsed document canonically and requires the file to be exactly that, and it requires the
 * envelope ("format", "vote", "head") to agree with the chained entries. */
#include "room/vote_tally.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rs_vote_majority_names[] = {"simple", "members", "two_thirds", NULL};

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS)

static bool meets(enum rs_vote_majority rule, unsigned n, unsigned cast, unsigned members)
{
    switch (rule) {
    case RS_MAJORITY_SIMPLE:
        return cast > 0 && 2ull * n > cast;
    case RS_MAJORITY_MEMBERS:
        return members > 0 && 2ull * n > members;
    case RS_MAJORITY_TWO_THIRDS:
        return cast > 0 && 3ull * n >= 2ull * cast;
    }
    return false;
}

void rs_vote_tally(const struct rs_vote_count *in, struct rs_vote_result *out)
{
    memset(out, 0, sizeof(*out));
    out->winner = -1;
    unsigned n = in->n_options < RS_VOTE_OPTIONS_MAX ? in->n_options : RS_VOTE_OPTIONS_MAX;
    for (unsigned i = 0; i < n; i++) {
        out->ballots += in->counts[i];
        if ((int)i == in->abstain)
            out->abstentions += in->counts[i];
        else
            out->cast += in->counts[i];
    }
    out->quorate = out->ballots >= in->quorum;
    int top = -1;
    bool tie = false;
    if (in->motion) {
        top = 0;
    } else {
        for (unsigned i = 0; i < n; i++) {
            if ((int)i == in->abstain)
                continue;
            if (top < 0 || in->counts[i] > in->counts[top]) {
                top = (int)i;
                tie = false;
            } else if (in->counts[i] == in->counts[top]) {
                tie = true;
            }
        }
    }
    if (top < 0 || tie || !out->quorate)
        return;
    if (meets(in->majority, in->counts[top], out->cast, in->members)) {
        out->passed = true;
        out->winner = top;
    }
}

unsigned rs_vote_default_quorum(unsigned members)
{
    return members / 2 + 1;
}

void rs_vote_sha256_hex(const void *data, size_t len, char out[RS_VOTE_HASH_HEX + 1])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[RS_VOTE_HASH_HEX] = 0;
}

/* No reals anywhere in `j`: their text form is not canonical across libraries. */
static bool only_exact(json_t *j)
{
    if (json_is_real(j))
        return false;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) if (!only_exact(v)) return false;
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) if (!only_exact(v)) return false;
    }
    return true;
}

/* hash = SHA-256(prev || canonical {"body","seq","type"}) into `out`. */
static int entry_hash(const char *prev, json_t *seq, json_t *type, json_t *body,
                      char out[RS_VOTE_HASH_HEX + 1])
{
    json_t *core = json_pack("{s:O, s:O, s:O}", "body", body, "seq", seq, "type", type);
    char *text = core ? json_dumps(core, CANONICAL) : NULL;
    json_decref(core);
    if (!text)
        return -ENOMEM;
    size_t tl = strlen(text);
    char *buf = malloc(RS_VOTE_HASH_HEX + tl);
    if (!buf) {
        free(text);
        return -ENOMEM;
    }
    memcpy(buf, prev, RS_VOTE_HASH_HEX);
    memcpy(buf + RS_VOTE_HASH_HEX, text, tl);
    rs_vote_sha256_hex(buf, RS_VOTE_HASH_HEX + tl, out);
    free(buf);
    free(text);
    return 0;
}

int rs_vote_chain_init(struct rs_vote_chain *c)
{
    memset(c, 0, sizeof(*c));
    memset(c->head, '0', RS_VOTE_HASH_HEX);
    c->entries = json_array();
    return c->entries ? 0 : -ENOMEM;
}

int rs_vote_chain_append(struct rs_vote_chain *c, const char *type, json_t *body)
{
    int rc = -EINVAL;
    if (!json_is_object(body) || !only_exact(body))
        goto out_body;
    json_t *seq = json_integer(c->seq);
    json_t *ty = json_string(type);
    char hash[RS_VOTE_HASH_HEX + 1];
    rc = seq && ty ? entry_hash(c->head, seq, ty, body, hash) : -ENOMEM;
    json_t *e = rc == 0 ? json_pack("{s:o, s:o, s:O, s:s, s:s}", "seq", seq, "type", ty, "body",
                                    body, "prev", c->head, "hash", hash)
                        : NULL;
    if (!e) {
        if (rc == 0) {
            rc = -ENOMEM;
        } else {
            json_decref(seq);
            json_decref(ty);
        }
        goto out_body;
    }
    if (json_array_append_new(c->entries, e)) {
        rc = -ENOMEM;
        goto out_body;
    }
    memcpy(c->head, hash, sizeof(c->head));
    c->seq++;
    rc = 0;
out_body:
    json_decref(body);
    return rc;
}

char *rs_vote_chain_export(const struct rs_vote_chain *c, const char *vote_id)
{
    json_t *doc = json_pack("{s:s, s:s, s:O, s:s}", "format", RS_VOTE_RECORD_FORMAT, "vote",
                            vote_id, "entries", c->entries, "head", c->head);
    char *text = doc ? json_dumps(doc, CANONICAL) : NULL;
    json_decref(doc);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (!out) {
        free(text);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = 0;
    return out;
}

void rs_vote_chain_free(struct rs_vote_chain *c)
{
    json_decref(c->entries);
    c->entries = NULL;
}

static int __attribute__((format(printf, 3, 4))) fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != RS_VOTE_HASH_HEX)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int rs_vote_record_verify(const char *text, size_t len, unsigned *entries, char *why, size_t cap)
{
    int rc = -EINVAL;
    json_error_t e;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!doc || !json_is_object(doc)) {
        snprintf(why, cap, "not a vote record: %s (line %d)", doc ? "not an object" : e.text,
                 e.line);
        goto out;
    }
    char *canon = json_dumps(doc, CANONICAL);
    size_t cl = canon ? strlen(canon) : 0;
    bool exact = canon && len == cl + 1 && memcmp(text, canon, cl) == 0 && text[cl] == '\n';
    free(canon);
    if (!exact) {
        rc = fail(why, cap, "the file is not the record as exported");
        goto out;
    }
    json_t *fmt = json_object_get(doc, "format"), *arr = json_object_get(doc, "entries");
    json_t *vote = json_object_get(doc, "vote"), *head = json_object_get(doc, "head");
    if (json_object_size(doc) != 4 || !json_is_string(fmt) ||
        strcmp(json_string_value(fmt), RS_VOTE_RECORD_FORMAT) != 0 || !json_is_array(arr) ||
        !json_is_string(vote) || !json_is_string(head) || json_array_size(arr) == 0) {
        rc = fail(why, cap, "not a " RS_VOTE_RECORD_FORMAT " document");
        goto out;
    }
    char prev[RS_VOTE_HASH_HEX + 1];
    memset(prev, '0', RS_VOTE_HASH_HEX);
    prev[RS_VOTE_HASH_HEX] = 0;
    size_t i;
    json_t *ent;
    json_array_foreach(arr, i, ent)
    {
        unsigned n = (unsigned)i;
        json_t *seq = json_object_get(ent, "seq"), *type = json_object_get(ent, "type");
        json_t *body = json_object_get(ent, "body");
        const char *p = json_string_value(json_object_get(ent, "prev"));
        const char *h = json_string_value(json_object_get(ent, "hash"));
        if (!json_is_object(ent) || json_object_size(ent) != 5 || !json_is_integer(seq) ||
            json_integer_value(seq) != (json_int_t)i || !json_is_string(type) ||
            !json_is_object(body) || !only_exact(body) || !is_hex64(p) || !is_hex64(h)) {
            rc = fail(why, cap, "entry %u is malformed", n);
            goto out;
        }
        if (strcmp(p, prev) != 0) {
            rc = fail(why, cap, "entry %u does not follow the one before", n);
            goto out;
        }
        char want[RS_VOTE_HASH_HEX + 1];
        if (entry_hash(prev, seq, type, body, want)) {
            rc = fail(why, cap, "out of memory at entry %u", n);
            goto out;
        }
        if (strcmp(want, h) != 0) {
            rc = fail(why, cap, "entry %u does not match its hash", n);
            goto out;
        }
        if (i == 0 && (strcmp(json_string_value(type), "motion") != 0 ||
                       !json_equal(json_object_get(body, "vote"), vote))) {
            rc = fail(why, cap, "entry %u is not the motion of this vote", n);
            goto out;
        }
        memcpy(prev, h, sizeof(prev));
    }
    if (strcmp(json_string_value(head), prev) != 0) {
        rc = fail(why, cap, "the head is not the last entry's hash");
        goto out;
    }
    if (entries)
        *entries = (unsigned)json_array_size(arr);
    snprintf(why, cap, "ok");
    rc = 0;
out:
    json_decref(doc);
    return rc;
}
