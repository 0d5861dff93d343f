/* SPDX-License-Identifier: EUPL-1.2 */
/* The `vote` feature: the chair opens a motion, each eligible voter casts one ballot, the
 * chair (or the deadline) closes it, and the result goes into a hash-chained record.
 *
 * Who votes. A vote's electorate is fixed when it opens, as a list of voter keys: "u:<user
 * id>" for an account, "n:<name>" for an invited person on the member list (matched by name,
 * case-insensitively, when they join with an invitation), "p:<participant id>" for someone
 * in a room without a member list. Keys, not participant ids, so a voter who reconnects is the
 * same voter and cannot vote twice, and one who was not there at opening stays out.
 * rs_vote_may_vote is the one rule of who may vote at all.
 *
 * The one subtle point is the acknowledgement: vote/ballot_ack is sent only after
 * rs_store_ballot_cast returned 0, that is after the ballot's transaction committed with
 * synchronous=FULL. Every refusal (closed, not eligible, already voted) is decided inside that
 * same transaction or before it, never from a cache, so a restart changes no answer.
 *
 * Secret votes: the voter gets a random receipt; only its SHA-256 is stored, next to the
 * choice and nothing else, and published in the record, so the voter (and only the voter) can
 * find their ballot in it. Turnout events carry counts only, never who or what. */
#include "room/vote.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "room/agenda.h"
#include "room/events.h"
#include "room/room.h"
#include "room/vote_tally.h"
#include "store/store_vote.h"

#define TITLE_MAX_CHARS 200
#define TEXT_MAX_CHARS 2000
#define OPTION_MAX_CHARS 100
#define CUSTOM_OPTIONS_MAX 10
#define OPEN_VOTES_MAX 8
#define DURATION_MIN_S 10
#define DURATION_MAX_S 86400
#define DUE_CHECK_MS 1000

static const char *const motion_options[] = {"yes", "no", "abstain"};
static const char *const electorate_modes[] = {"present", "members", "list", NULL};

/* Per room: the member list, read once. */
struct vote_room {
    bool loaded;
    size_t n, cap;
    struct rs_member_record *members; /* grows to RS_MEMBERS_MAX at most */
};

/* Per participant: who it is as a voter, worked out once. */
struct vote_voter {
    bool member;
    char key[RS_VOTER_KEY_MAX + 1];
    char name[RS_MEMBER_NAME_MAX + 1]; /* for the record: the member list's name, else the
                                        * display name */
};

static int member_add(const struct rs_member_record *m, void *arg)
{
    struct vote_room *vr = arg;
    if (vr->n >= RS_MEMBERS_MAX)
        return 1;
    if (vr->n == vr->cap) {
        size_t cap = vr->cap ? vr->cap * 2 : 16;
        struct rs_member_record *more = realloc(vr->members, cap * sizeof(*more));
        if (!more)
            return -ENOMEM;
        vr->members = more;
        vr->cap = cap;
    }
    vr->members[vr->n++] = *m;
    return 0;
}

/* The room's member list, read from the store on first use (NULL on OOM). */
static struct vote_room *room_members(struct rs_room *room)
{
    struct vote_room **slot = (struct vote_room **)rs_room_state(room, &rs_vote_feature);
    if (!slot)
        return NULL;
    if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
        return NULL;
    struct vote_room *vr = *slot;
    if (!vr->loaded && room->app && room->app->store &&
        rs_store_members_list(room->app->store, room->id, member_add, vr) < 0)
        RS_WARN("vote", "event=members_unreadable room=%s", room->id);
    vr->loaded = true;
    return vr;
}

/* Lowercases ASCII letters and trims blanks, for matching invited names. */
static void fold_name(const char *in, char *out, size_t cap)
{
    while (*in == ' ')
        in++;
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        out[n++] = (char)tolower((unsigned char)*in);
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = 0;
}

static struct vote_voter *voter_of(const struct rs_participant *cp)
{
    struct rs_participant *p = (struct rs_participant *)cp;
    struct vote_voter **slot = (struct vote_voter **)rs_participant_state(p, &rs_vote_feature);
    if (!slot)
        return NULL;
    if (*slot)
        return *slot;
    struct vote_voter *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    struct vote_room *vr = p->room ? room_members(p->room) : NULL;
    if (p->user_id[0]) {
        snprintf(v->key, sizeof(v->key), "u:%s", p->user_id);
        for (size_t i = 0; vr && i < vr->n && !v->member; i++)
            if ((v->member = strcmp(vr->members[i].user_id, p->user_id) == 0))
                snprintf(v->name, sizeof(v->name), "%s", vr->members[i].name);
    } else {
        char mine[RS_MEMBER_NAME_MAX + 1], theirs[RS_MEMBER_NAME_MAX + 1];
        fold_name(p->display_name, mine, sizeof(mine));
        for (size_t i = 0; p->invited && vr && i < vr->n && !v->member; i++) {
            fold_name(vr->members[i].name, theirs, sizeof(theirs));
            v->member = !vr->members[i].user_id[0] && mine[0] && strcmp(mine, theirs) == 0;
            if (v->member)
                snprintf(v->name, sizeof(v->name), "%s", vr->members[i].name);
        }
        if (v->member)
            snprintf(v->key, sizeof(v->key), "n:%s", mine);
        else
            snprintf(v->key, sizeof(v->key), "p:%s", p->id);
    }
    if (!v->member)
        snprintf(v->name, sizeof(v->name), "%s", p->display_name);
    *slot = v;
    return v;
}

static bool room_has_members(struct rs_room *room)
{
    struct vote_room *vr = room_members(room);
    return vr && vr->n > 0;
}

bool rs_vote_may_vote(const struct rs_participant *p)
{
    /* guests (and the public) never vote, whatever list they are on */
    if (!p || !p->room || !rs_participant_may_vote(p))
        return false;
    struct vote_voter *v = voter_of(p);
    if (!v)
        return false;
    return v->member || !room_has_members(p->room);
}

const char *rs_vote_member_key(const struct rs_participant *p)
{
    struct vote_voter *v = p && p->room ? voter_of(p) : NULL;
    return v && v->member ? v->key : NULL;
}

/* ---- helpers ---- */

static void new_id(char prefix, char *out, size_t bytes)
{
    uint8_t rnd[32];
    if (bytes > sizeof(rnd))
        bytes = sizeof(rnd);
    rs_random_bytes(rnd, bytes);
    size_t n = 0;
    if (prefix)
        out[n++] = prefix;
    for (size_t i = 0; i < bytes; i++, n += 2)
        snprintf(out + n, 3, "%02x", rnd[i]);
}

static json_t *spec_of(const struct rs_vote_record *v)
{
    return json_loads(v->spec, 0, NULL);
}

/* The vote as clients see it (new reference): its spec plus id, state and turnout; the
 * motion's agenda item (`agenda_item` in the spec) as `item`. */
static json_t *vote_json(struct rs_app *app, const struct rs_vote_record *v)
{
    json_t *j = spec_of(v);
    if (!j)
        return NULL;
    json_t *item = json_object_get(j, "agenda_item");
    json_object_set(j, "item", item ? item : json_null());
    json_object_del(j, "agenda_item");
    int64_t voted = 0;
    rs_store_vote_turnout(app->store, v->id, &voted);
    json_object_set_new(j, "id", json_string(v->id));
    json_object_set_new(j, "state", json_string(rs_vote_state_name(v->state)));
    json_object_set_new(j, "voted", json_integer(voted));
    return j;
}

static int internal(struct rs_call *c, const char *what)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "%s", what);
    return -EIO;
}

/* A store call has just failed: the caller is told why (storage_full, storage_busy). */
static int not_stored(struct rs_call *c, const char *what)
{
    rs_msg_error_store(c->err, what);
    return -EIO;
}

/* Loads vote `id` of the caller's room into `v`, or fills `err` (not_found). */
static int load_vote(struct rs_call *c, const char *id, struct rs_vote_record *v)
{
    int rc = rs_store_vote_get(c->app->store, id, v);
    if (rc == -ENOENT || (rc == 0 && strcmp(v->room_id, c->room->id) != 0)) {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "vote", "no such vote in this meeting");
        return -ENOENT;
    }
    return rc ? internal(c, "the vote could not be read") : 0;
}

/* ---- closing and the record ---- */

struct count_ctx {
    struct rs_vote_chain *chain;
    json_t *options;
    struct rs_vote_count *count;
    int rc;
};

static int count_ballot(const struct rs_ballot_record *b, void *arg)
{
    struct count_ctx *cc = arg;
    if (b->option < 0 || (unsigned)b->option >= cc->count->n_options) {
        cc->rc = -EINVAL;
        return 1;
    }
    cc->count->counts[b->option]++;
    json_t *body = b->receipt_hash[0]
                       ? json_pack("{s:s, s:i, s:O}", "receipt_hash", b->receipt_hash, "option",
                                   b->option, "label", json_array_get(cc->options, b->option))
                       : json_pack("{s:s, s:i, s:O}", "voter", b->name, "option", b->option,
                                   "label", json_array_get(cc->options, b->option));
    cc->rc = rs_vote_chain_append(cc->chain, "ballot", body);
    return cc->rc ? 1 : 0;
}

static int add_voter_name(const struct rs_voter_record *r, void *arg)
{
    return json_array_append_new(arg, json_string(r->name)) ? 1 : 0;
}

static unsigned json_uint(json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v < 0 ? 0 : (unsigned)v;
}

/* Counts and records vote `v` (open) as `state`, stores it, tells the live room. `reason`:
 * "manual" or "deadline". Returns 0, -ESTALE (no longer open), or another negative errno. */
static int vote_finish(struct rs_app *app, const struct rs_vote_record *v, enum rs_vote_state state,
                       const char *reason, const char *closed_by)
{
    int64_t now = rs_wall_ms();
    struct rs_vote_chain chain;
    struct rs_vote_count count;
    struct rs_vote_result res;
    char *text = NULL;
    json_t *spec = spec_of(v), *voters = json_array();
    int rc = -ENOMEM;
    memset(&count, 0, sizeof(count));
    memset(&res, 0, sizeof(res));
    res.winner = -1;
    if (rs_vote_chain_init(&chain))
        goto out;
    if (!spec || !voters)
        goto out_chain;
    json_t *options = json_object_get(spec, "options");
    count.n_options = (unsigned)json_array_size(options);
    if (count.n_options > RS_VOTE_OPTIONS_MAX)
        count.n_options = RS_VOTE_OPTIONS_MAX;
    count.abstain = (int)json_integer_value(json_object_get(spec, "abstain"));
    count.motion = strcmp(json_string_value(json_object_get(spec, "kind")), "motion") == 0;
    count.members = json_uint(spec, "members");
    count.quorum = json_uint(spec, "quorum");
    const char *maj = json_string_value(json_object_get(spec, "majority"));
    for (int i = 0; rs_vote_majority_names[i]; i++)
        if (maj && strcmp(maj, rs_vote_majority_names[i]) == 0)
            count.majority = (enum rs_vote_majority)i;

    json_t *motion = json_deep_copy(spec);
    if (!motion)
        goto out_chain;
    json_object_set_new(motion, "vote", json_string(v->id));
    json_object_set_new(motion, "meeting", json_string(v->room_id));
    json_object_set_new(motion, "secret", json_boolean(v->secret));
    if ((rc = rs_vote_chain_append(&chain, "motion", motion)))
        goto out_chain;
    if ((rc = rs_store_vote_electorate(app->store, v->id, add_voter_name, voters)))
        goto out_chain;
    rc = rs_vote_chain_append(&chain, "electorate",
                              json_pack("{s:O, s:I, s:O}", "mode",
                                        json_object_get(spec, "electorate"), "size",
                                        (json_int_t)json_array_size(voters), "voters", voters));
    if (rc)
        goto out_chain;
    struct count_ctx cc = {&chain, options, &count, 0};
    rc = rs_store_vote_ballots(app->store, v->id, count_ballot, &cc);
    if (rc || cc.rc) {
        rc = rc ? rc : cc.rc;
        goto out_chain;
    }
    rs_vote_tally(&count, &res);
    if (state == RS_VOTE_CANCELLED) {
        res.passed = false;
        res.winner = -1;
    }
    json_t *counts = json_array();
    for (unsigned i = 0; counts && i < count.n_options; i++)
        json_array_append_new(counts, json_integer(count.counts[i]));
    json_t *result = json_pack(
        "{s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:i, s:i, s:b, s:b, s:o, s:I}", "state",
        rs_vote_state_name(state), "reason", reason, "closed_by", closed_by ? closed_by : "",
        "counts", counts ? counts : json_array(), "ballots", res.ballots, "cast", res.cast,
        "abstentions", res.abstentions, "members", count.members, "quorum", count.quorum, "quorate",
        res.quorate, "passed", res.passed, "winner",
        res.winner >= 0 ? json_integer(res.winner) : json_null(), "closed_at", (json_int_t)now);
    if (!result) {
        rc = -ENOMEM;
        goto out_chain;
    }
    if ((rc = rs_vote_chain_append(&chain, "result", json_incref(result)))) {
        json_decref(result);
        goto out_chain;
    }
    text = rs_vote_chain_export(&chain, v->id);
    rc = text ? rs_store_vote_finish(app->store, v->id, state, now, text) : -ENOMEM;
    if (rc) {
        json_decref(result);
        goto out_chain;
    }
    rs_metric_inc(state == RS_VOTE_CANCELLED ? RS_M_VOTES_CANCELLED : RS_M_VOTES_CLOSED);
    RS_INFO("vote", "event=vote_%s room=%s vote=%s reason=%s ballots=%u", rs_vote_state_name(state),
            v->room_id, v->id, reason, res.ballots);
    struct rs_room *room = app->rooms ? rs_rooms_find(app->rooms, v->room_id) : NULL;
    if (room)
        rs_emit_all(room,
                    rs_event("vote", "closed", "{s:s, s:s, s:o, s:s, s:I}", "vote", v->id, "state",
                             rs_vote_state_name(state), "result", json_incref(result), "head",
                             chain.head, "entries", (json_int_t)chain.seq),
                    NULL);
    json_decref(result);
out_chain:
    rs_vote_chain_free(&chain);
out:
    free(text);
    json_decref(spec);
    json_decref(voters);
    return rc;
}

/* ---- actions ---- */

struct electorate {
    struct rs_voter_record *v;
    size_t n, cap;
};

static int electorate_add(struct electorate *e, const char *key, const char *name)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].key, key) == 0)
            return 0; /* one account in two tabs is one voter */
    if (e->n >= e->cap)
        return -ENOSPC;
    snprintf(e->v[e->n].key, sizeof(e->v[e->n].key), "%s", key);
    snprintf(e->v[e->n].name, sizeof(e->v[e->n].name), "%s", name);
    e->n++;
    return 0;
}

/* Fills the electorate of a new vote in `c->room` per `mode`. */
static int electorate_build(struct rs_call *c, int mode, json_t *ids, struct electorate *e)
{
    struct vote_room *vr = room_members(c->room);
    if (mode == 1) { /* members: the whole list, present or not */
        if (!vr || vr->n == 0) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "electorate",
                             "this meeting has no member list");
            return -EINVAL;
        }
        for (size_t i = 0; i < vr->n; i++) {
            char key[RS_VOTER_KEY_MAX + 1], folded[RS_MEMBER_NAME_MAX + 1];
            if (vr->members[i].user_id[0]) {
                snprintf(key, sizeof(key), "u:%s", vr->members[i].user_id);
            } else {
                fold_name(vr->members[i].name, folded, sizeof(folded));
                snprintf(key, sizeof(key), "n:%s", folded);
            }
            if (electorate_add(e, key, vr->members[i].name))
                return -ENOSPC;
        }
        return 0;
    }
    if (mode == 2) { /* a named list of participants present */
        size_t i;
        json_t *id;
        if (!ids || json_array_size(ids) == 0) {
            rs_msg_error_set(c->err, RS_ERR_MISSING_FIELD, "voters",
                             "electorate \"list\" needs the voters' participant ids");
            return -EINVAL;
        }
        json_array_foreach(ids, i, id)
        {
            struct rs_participant *p =
                json_is_string(id) ? rs_room_participant(c->room, json_string_value(id)) : NULL;
            if (!p) {
                rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "voters",
                                 "voters[%zu] is not a participant of this meeting", i);
                return -EINVAL;
            }
            if (!rs_vote_may_vote(p)) {
                rs_msg_error_set(c->err, RS_ERR_NOT_ELIGIBLE, "voters",
                                 "voters[%zu] may not vote in this meeting", i);
                return -EINVAL;
            }
            if (electorate_add(e, voter_of(p)->key, voter_of(p)->name))
                return -ENOSPC;
        }
        return 0;
    }
    for (struct rs_participant *p = c->room->head; p; p = p->next) /* present */
        if (rs_vote_may_vote(p) && electorate_add(e, voter_of(p)->key, voter_of(p)->name))
            return -ENOSPC;
    return 0;
}

struct open_count {
    unsigned n;
};

static int count_open(const struct rs_vote_record *v, void *arg)
{
    struct open_count *oc = arg;
    if (v->state == RS_VOTE_OPEN)
        oc->n++;
    return 0;
}

struct key_find {
    const char *key;
    bool found;
};

static int key_match(const struct rs_voter_record *r, void *arg)
{
    struct key_find *kf = arg;
    if (strcmp(r->key, kf->key) == 0) {
        kf->found = true;
        return 1;
    }
    return 0;
}

/* Whether `p` is in the electorate of vote `id` and has not voted yet. */
static bool may_cast(struct rs_app *app, const char *id, const struct rs_participant *p)
{
    struct vote_voter *vv = voter_of(p);
    if (!vv || !rs_vote_may_vote(p))
        return false;
    struct key_find kf = {vv->key, false};
    rs_store_vote_electorate(app->store, id, key_match, &kf);
    return kf.found && rs_store_vote_has_voted(app->store, id, vv->key) == 0;
}

static int vote_create(struct rs_call *c)
{
    if (!c->app->store)
        return internal(c, "votes need the database");
    const char *title = c->arg[0].str;
    const char *text = c->arg[1].present ? c->arg[1].str : "";
    json_t *custom = c->arg[2].present ? c->arg[2].json : NULL;
    bool secret = c->arg[3].present && c->arg[3].num;
    int mode = c->arg[4].present ? (int)c->arg[4].num : 0;
    json_t *ids = c->arg[5].present ? c->arg[5].json : NULL;
    int majority = c->arg[6].present ? (int)c->arg[6].num : RS_MAJORITY_SIMPLE;
    /* the agenda item it decides on: the one named, else the current one */
    const char *item = c->arg[9].present ? c->arg[9].str : rs_agenda_current(c->room);
    if (c->arg[9].present && !rs_agenda_has_item(c->room, item)) {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "item", "no such item on the agenda");
        return -ENOENT;
    }

    struct open_count oc = {0};
    if (rs_store_vote_list(c->app->store, c->room->id, count_open, &oc))
        return internal(c, "the votes could not be read");
    if (oc.n >= OPEN_VOTES_MAX) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, NULL,
                         "at most %d votes may be open at once; close one first", OPEN_VOTES_MAX);
        return -EINVAL;
    }

    json_t *options = json_array();
    int abstain = 2;
    if (!custom || json_array_size(custom) == 0) {
        for (int i = 0; i < 3; i++)
            json_array_append_new(options, json_string(motion_options[i]));
    } else {
        size_t i;
        json_t *o;
        char buf[OPTION_MAX_CHARS * 4 + 1];
        json_array_foreach(custom, i, o)
        {
            const char *val;
            if (rs_text_field(o, "options", true, OPTION_MAX_CHARS, false, buf, sizeof(buf), &val,
                              c->err)) {
                json_decref(options);
                return -EINVAL;
            }
            for (size_t k = 0; k < json_array_size(options); k++) {
                if (strcmp(json_string_value(json_array_get(options, k)), val) == 0) {
                    rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "options",
                                     "options[%zu] repeats an option", i);
                    json_decref(options);
                    return -EINVAL;
                }
            }
            json_array_append_new(options, json_string(val));
        }
        abstain = (int)json_array_size(options);
        json_array_append_new(options, json_string("abstain"));
    }

    struct electorate e = {calloc(RS_MEMBERS_MAX, sizeof(*e.v)), 0, RS_MEMBERS_MAX};
    if (!e.v) {
        json_decref(options);
        return internal(c, "out of memory");
    }
    int rc = electorate_build(c, mode, ids, &e);
    if (rc == 0 && e.n == 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "electorate",
                         "nobody here may vote in this vote");
        rc = -EINVAL;
    } else if (rc == -ENOSPC) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "electorate", "more than %d voters",
                         RS_MEMBERS_MAX);
    }
    if (rc) {
        free(e.v);
        json_decref(options);
        return rc;
    }
    struct vote_room *vr = room_members(c->room);
    unsigned members = vr && vr->n ? (unsigned)vr->n : (unsigned)e.n;
    unsigned quorum = rs_vote_default_quorum(members);
    int64_t now = rs_wall_ms(), closes_at = 0;
    if (c->arg[7].present)
        quorum = (unsigned)c->arg[7].num;
    if (c->arg[8].present)
        closes_at = now + c->arg[8].num * 1000;

    struct rs_vote_record *v = calloc(1, sizeof(*v));
    json_t *spec = json_pack(
        "{s:s, s:s, s:s, s:o, s:i, s:b, s:s, s:i, s:i, s:s, s:I, s:s, s:I, s:o}", "title", title,
        "text", text, "kind", custom && json_array_size(custom) ? "choice" : "motion", "options",
        options, "abstain", abstain, "secret", secret, "majority", rs_vote_majority_names[majority],
        "quorum", (int)quorum, "members", (int)members, "electorate", electorate_modes[mode],
        "electorate_size", (json_int_t)e.n, "opened_by", c->self->display_name, "opened_at",
        (json_int_t)now, "closes_at", closes_at ? json_integer(closes_at) : json_null());
    if (spec)
        json_object_set_new(spec, "agenda_item", item ? json_string(item) : json_null());
    char *spec_text = spec ? json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!v || !spec_text || strlen(spec_text) > RS_VOTE_SPEC_MAX) {
        rc = internal(c, "the vote could not be prepared");
        goto out;
    }
    new_id('v', v->id, 8);
    snprintf(v->room_id, sizeof(v->room_id), "%s", c->room->id);
    v->secret = secret;
    v->created_at_ms = now;
    v->closes_at_ms = closes_at;
    snprintf(v->spec, sizeof(v->spec), "%s", spec_text);
    rc = rs_store_vote_create(c->app->store, v, e.v, e.n);
    if (rc) {
        rc = not_stored(c, "the vote could not be stored");
        goto out;
    }
    rs_metric_inc(RS_M_VOTES_OPENED);
    RS_INFO("vote", "event=vote_opened room=%s vote=%s by=%s electorate=%zu secret=%d", c->room->id,
            v->id, c->self->id, e.n, secret);
    json_t *j = vote_json(c->app, v);
    rs_emit_reply(c, rs_event("vote", "created", "{s:s}", "vote", v->id));
    if (j) {
        for (struct rs_participant *p = c->room->head; p; p = p->next) {
            json_t *ev = rs_event("vote", "opened", "{s:O, s:b}", "vote", j, "eligible",
                                  may_cast(c->app, v->id, p));
            rs_emit_one(p, ev);
        }
    }
    json_decref(j);
    if (item)
        rs_agenda_vote_attached(c->room, item, v->id);
out:
    free(spec_text);
    json_decref(spec);
    free(v);
    free(e.v);
    return rc;
}

static int refuse(struct rs_call *c, enum rs_err code, enum rs_metric m, const char *text)
{
    rs_metric_inc(m);
    rs_msg_error_set(c->err, code, code == RS_ERR_INVALID_OPTION ? "option" : "vote", "%s", text);
    return -EINVAL;
}

static int vote_cast(struct rs_call *c)
{
    if (!c->app->store)
        return internal(c, "votes need the database");
    struct rs_vote_record *v = malloc(sizeof(*v));
    if (!v)
        return internal(c, "out of memory");
    int rc = load_vote(c, c->arg[0].str, v);
    if (rc)
        goto out;
    if (v->state == RS_VOTE_OPEN && v->closes_at_ms && v->closes_at_ms <= rs_wall_ms())
        vote_finish(c->app, v, RS_VOTE_CLOSED, "deadline", NULL); /* the tick was late */
    if (v->state != RS_VOTE_OPEN || (v->closes_at_ms && v->closes_at_ms <= rs_wall_ms())) {
        rc = refuse(c, RS_ERR_VOTE_CLOSED, RS_M_BALLOTS_REFUSED_CLOSED, "this vote is closed");
        goto out;
    }
    json_t *spec = spec_of(v);
    size_t n_options = json_array_size(json_object_get(spec, "options"));
    json_decref(spec);
    int option = (int)c->arg[1].num;
    if ((size_t)option >= n_options) {
        rc = refuse(c, RS_ERR_INVALID_OPTION, RS_M_BALLOTS_REFUSED_INVALID_OPTION,
                    "no such option in this vote");
        goto out;
    }
    struct vote_voter *vv = voter_of(c->self);
    if (!vv || !rs_vote_may_vote(c->self)) {
        rc = refuse(c, RS_ERR_NOT_ELIGIBLE, RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE,
                    "you may not vote in this vote");
        goto out;
    }
    char receipt[65] = "", receipt_hash[RS_VOTE_HASH_HEX + 1] = "";
    if (v->secret) {
        new_id(0, receipt, 32);
        rs_vote_sha256_hex(receipt, strlen(receipt), receipt_hash);
    }
    rc = rs_store_ballot_cast(c->app->store, v->id, vv->key, option,
                              v->secret ? receipt_hash : NULL);
    if (rc == -EEXIST) {
        rc = refuse(c, RS_ERR_ALREADY_VOTED, RS_M_BALLOTS_REFUSED_ALREADY_VOTED,
                    "your ballot in this vote is already in");
    } else if (rc == -ESTALE) {
        rc = refuse(c, RS_ERR_VOTE_CLOSED, RS_M_BALLOTS_REFUSED_CLOSED, "this vote is closed");
    } else if (rc == -ENOENT) {
        rc = refuse(c, RS_ERR_NOT_ELIGIBLE, RS_M_BALLOTS_REFUSED_NOT_ELIGIBLE,
                    "you are not in this vote's electorate");
    } else if (rc) {
        rc = not_stored(c, "the ballot could not be stored; it was not counted");
    }
    if (rc)
        goto out;
    /* committed: only now acknowledge */
    rs_metric_inc(RS_M_BALLOTS_CAST);
    json_t *ack = rs_event("vote", "ballot_ack", "{s:s, s:i}", "vote", v->id, "option", option);
    if (ack && v->secret)
        json_object_set_new(ack, "receipt", json_string(receipt));
    rs_emit_reply(c, ack);
    int64_t voted = 0;
    json_t *spec2 = spec_of(v);
    rs_store_vote_turnout(c->app->store, v->id, &voted);
    rs_emit_all(c->room,
                rs_event("vote", "turnout", "{s:s, s:I, s:I}", "vote", v->id, "voted",
                         (json_int_t)voted, "electorate",
                         json_integer_value(json_object_get(spec2, "electorate_size"))),
                NULL);
    json_decref(spec2);
out:
    free(v);
    return rc;
}

static int close_or_cancel(struct rs_call *c, enum rs_vote_state state)
{
    if (!c->app->store)
        return internal(c, "votes need the database");
    struct rs_vote_record *v = malloc(sizeof(*v));
    if (!v)
        return internal(c, "out of memory");
    int rc = load_vote(c, c->arg[0].str, v);
    if (rc == 0 && v->state != RS_VOTE_OPEN) {
        rs_msg_error_set(c->err, RS_ERR_VOTE_CLOSED, "vote", "this vote is already closed");
        rc = -EINVAL;
    }
    if (rc == 0) {
        rc = vote_finish(c->app, v, state, "manual", c->self->display_name);
        if (rc == -ESTALE) {
            rs_msg_error_set(c->err, RS_ERR_VOTE_CLOSED, "vote", "this vote is already closed");
            rc = -EINVAL;
        } else if (rc) {
            rc = not_stored(c, "the vote could not be closed");
        }
    }
    free(v);
    return rc;
}

static int vote_close(struct rs_call *c)
{
    return close_or_cancel(c, RS_VOTE_CLOSED);
}

static int vote_cancel(struct rs_call *c)
{
    return close_or_cancel(c, RS_VOTE_CANCELLED);
}

/* ---- hooks ---- */

struct welcome_ctx {
    struct rs_app *app;
    const struct rs_participant *p;
    json_t *arr;
};

static int welcome_each(const struct rs_vote_record *v, void *arg)
{
    struct welcome_ctx *w = arg;
    if (v->state != RS_VOTE_OPEN)
        return 0;
    json_t *j = vote_json(w->app, v);
    if (j) {
        json_object_set_new(j, "eligible", json_boolean(may_cast(w->app, v->id, w->p)));
        json_array_append_new(w->arr, j);
    }
    return 0;
}

static void vote_welcome(struct rs_participant *p, json_t *ev)
{
    struct rs_app *app = p->room ? p->room->app : NULL;
    if (!app || !app->store)
        return;
    struct welcome_ctx w = {app, p, json_array()};
    if (!w.arr)
        return;
    rs_store_vote_list(app->store, p->room->id, welcome_each, &w);
    json_object_set_new(ev, "votes", w.arr);
    /* the size of the body, for the attendance count and the quorum before any vote */
    struct vote_room *vr = room_members(p->room);
    json_object_set_new(ev, "member_count", json_integer(vr ? (json_int_t)vr->n : 0));
}

static void vote_describe(const struct rs_participant *p, json_t *j)
{
    struct vote_voter *v = voter_of(p);
    if (v && v->member)
        json_object_set_new(j, "member", json_true());
}

static void vote_leaving(struct rs_participant *p)
{
    void **slot = rs_participant_state(p, &rs_vote_feature);
    if (slot) {
        free(*slot);
        *slot = NULL;
    }
}

static void vote_room_free(struct rs_room *room)
{
    struct vote_room **slot = (struct vote_room **)rs_room_state(room, &rs_vote_feature);
    if (slot && *slot) {
        free((*slot)->members);
        free(*slot);
        *slot = NULL;
    }
}

void rs_vote_members_changed(struct rs_app *app, const char *room_id)
{
    struct rs_room *room = app->rooms ? rs_rooms_find(app->rooms, room_id) : NULL;
    if (!room)
        return;
    vote_room_free(room);
    for (struct rs_participant *p = room->head; p; p = p->next) {
        struct vote_voter **slot = (struct vote_voter **)rs_participant_state(p, &rs_vote_feature);
        bool was = slot && *slot && (*slot)->member;
        if (slot) {
            free(*slot);
            *slot = NULL;
        }
        struct vote_voter *now = voter_of(p);
        if (now && now->member != was)
            rs_emit_participant_updated(p);
    }
    struct vote_room *vr = room_members(room);
    json_t *ev = rs_event("vote", "members", "{s:I}", "count", (json_int_t)(vr ? vr->n : 0));
    if (ev)
        rs_emit_all(room, ev, NULL);
}

struct due {
    struct rs_app *app;
    struct rs_vote_record *v;
    size_t n;
};

static int due_each(const struct rs_vote_record *v, void *arg)
{
    struct due *d = arg;
    /* a cluster: the node that owns the room closes its votes, so that the room's participants
     * hear of it (vote/closed goes to the room on this node); a vote of a room that nobody
     * serves is closed by whichever node sees it first (the store closes it once: -ESTALE) */
    const struct rs_room_owner *o = &d->app->room_owner;
    if (o->acquire && (!d->app->rooms || !rs_rooms_find(d->app->rooms, v->room_id)) &&
        (!o->elsewhere || o->elsewhere(o->user, v->room_id)))
        return 0;
    if (d->n >= 4)
        return 1; /* the rest next second */
    d->v[d->n++] = *v;
    return 0;
}

void rs_vote_tick(struct rs_app *app)
{
    static int64_t next_ms;
    int64_t now = rs_mono_ms();
    if (!app->store || now < next_ms)
        return;
    next_ms = now + DUE_CHECK_MS;
    struct due d = {app, calloc(4, sizeof(*d.v)), 0};
    if (!d.v)
        return;
    rs_store_vote_due(app->store, rs_wall_ms(), due_each, &d);
    for (size_t i = 0; i < d.n; i++)
        vote_finish(app, &d.v[i], RS_VOTE_CLOSED, "deadline", NULL);
    free(d.v);
}

static const char *const majority_choices[] = {"simple", "members", "two_thirds", NULL};

#define VOTE_ID_FIELD                                                                              \
    {                                                                                              \
        .name = "vote", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = RS_VOTE_ID_MAX   \
    }

static const struct rs_action actions[] = {
    {.name = "create",
     .fn = vote_create,
     .need = RS_NEED_CHAIR,
     .fields = {{.name = "title",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_REQUIRED,
                 .max = TITLE_MAX_CHARS},
                {.name = "text",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_MULTILINE,
                 .max = TEXT_MAX_CHARS},
                {.name = "options", .type = RS_FIELD_ARRAY, .max = CUSTOM_OPTIONS_MAX},
                {.name = "secret", .type = RS_FIELD_BOOL},
                {.name = "electorate", .type = RS_FIELD_ENUM, .choices = electorate_modes},
                {.name = "voters", .type = RS_FIELD_ARRAY, .max = RS_MEMBERS_MAX},
                {.name = "majority", .type = RS_FIELD_ENUM, .choices = majority_choices},
                {.name = "quorum", .type = RS_FIELD_INT, .min = 0, .max = RS_MEMBERS_MAX},
                {.name = "duration_s",
                 .type = RS_FIELD_INT,
                 .min = DURATION_MIN_S,
                 .max = DURATION_MAX_S},
                {.name = "item", .type = RS_FIELD_TEXT, .flags = RS_FIELD_NULLABLE, .max = 32}}},
    {.name = "cast",
     .fn = vote_cast,
     .need = RS_NEED_JOINED,
     .fields = {VOTE_ID_FIELD,
                {.name = "option",
                 .type = RS_FIELD_INT,
                 .flags = RS_FIELD_REQUIRED,
                 .min = 0,
                 .max = RS_VOTE_OPTIONS_MAX - 1}}},
    {.name = "close", .fn = vote_close, .need = RS_NEED_CHAIR, .fields = {VOTE_ID_FIELD}},
    {.name = "cancel", .fn = vote_cancel, .need = RS_NEED_CHAIR, .fields = {VOTE_ID_FIELD}},
    {.name = NULL},
};

const struct rs_feature rs_vote_feature = {
    .ns = "vote",
    .actions = actions,
    .welcome = vote_welcome,
    .describe = vote_describe,
    .leaving = vote_leaving,
    .room_free = vote_room_free,
};
