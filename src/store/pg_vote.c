/* SPDX-License-Identifier: EUPL-1.2 */
/* PostgreSQL backend of meeting members and votes (store_vote.h), beside pg.c; the statements
 * of sqlite_vote.c in PostgreSQL's dialect.
 *
 * The ballot's transaction is the subtle point, as on SQLite: the ack a voter gets means "your
 * ballot is committed", so the check that the vote is open, the check that the voter is in its
 * electorate, the "has voted" row and the secret choice row are one transaction. Where SQLite
 * has one writer at a time, here other nodes cast ballots on the same vote at once: the
 * transaction holds the vote's advisory lock (rs_store__pg_begin), so the order of casting
 * (seq) is counted by one ballot at a time, and reads the vote's row FOR SHARE, so a close
 * (vote_finish) waits for a ballot that saw the vote open, and a ballot that waited for a close
 * sees it closed (-ESTALE).
 *
 * Secrecy is weaker than on SQLite against someone who can read the database's internals: the
 * voter's row and the secret choice's row are written by one transaction, so they carry the same
 * transaction id (the xmin system column) and lie in the write-ahead log side by side, and a
 * table's rows are stored (and dumped) in the order they were written, not by receipt hash as
 * SQLite's WITHOUT ROWID tables keep them. The rows themselves still name no voter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_internal.h"
#include "store/store_vote.h"

const char rs_store__pg_vote_schema[] =
    "CREATE TABLE members ("
    "  room_id TEXT COLLATE \"C\" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  user_id TEXT COLLATE \"C\" REFERENCES users(id) ON DELETE CASCADE,"
    "  name TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (room_id, pos)"
    ");"
    "CREATE TABLE votes ("
    "  id TEXT COLLATE \"C\" PRIMARY KEY,"
    "  room_id TEXT COLLATE \"C\" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  state TEXT COLLATE \"C\" NOT NULL CHECK (state IN ('open', 'closed', 'cancelled')),"
    "  secret BOOLEAN NOT NULL,"
    "  created_at_ms BIGINT NOT NULL,"
    "  closes_at_ms BIGINT,"
    "  closed_at_ms BIGINT,"
    "  spec TEXT COLLATE \"C\" NOT NULL,"
    "  record TEXT COLLATE \"C\""
    ");"
    "CREATE INDEX votes_room ON votes(room_id, created_at_ms);"
    "CREATE TABLE vote_electorate ("
    "  vote_id TEXT COLLATE \"C\" NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
    "  voter_key TEXT COLLATE \"C\" NOT NULL,"
    "  name TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (vote_id, voter_key)"
    ");"
    /* who has voted; seq and option only for open votes */
    "CREATE TABLE vote_voters ("
    "  vote_id TEXT COLLATE \"C\" NOT NULL,"
    "  voter_key TEXT COLLATE \"C\" NOT NULL,"
    "  seq INTEGER,"
    "  option INTEGER,"
    "  PRIMARY KEY (vote_id, voter_key),"
    "  FOREIGN KEY (vote_id, voter_key) REFERENCES vote_electorate(vote_id, voter_key)"
    "    ON DELETE CASCADE"
    ");"
    /* secret votes: the choices, by receipt hash, with nothing that names a voter */
    "CREATE TABLE vote_ballots ("
    "  vote_id TEXT COLLATE \"C\" NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
    "  receipt_hash TEXT COLLATE \"C\" NOT NULL CHECK (length(receipt_hash) = 64),"
    "  option INTEGER NOT NULL,"
    "  PRIMARY KEY (vote_id, receipt_hash)"
    ");";

#define query rs_store__pg_query
#define run rs_store__pg_run
#define one_int rs_store__pg_one_int
#define begin rs_store__pg_begin
#define end rs_store__pg_end
#define arg_text rs_store__pg_arg_text
#define arg_opt rs_store__pg_arg_opt
#define arg_int rs_store__pg_arg_int
#define arg_opt_int rs_store__pg_arg_opt_int
#define arg_bool rs_store__pg_arg_bool
#define col_int rs_store__pg_int
#define col_bool rs_store__pg_bool
#define col_str rs_store__pg_str
#define copy rs_store__pg_copy

static enum rs_vote_state parse_state(const char *t)
{
    for (int i = RS_VOTE_OPEN; i <= RS_VOTE_CANCELLED; i++)
        if (strcmp(t, rs_vote_state_name((enum rs_vote_state)i)) == 0)
            return (enum rs_vote_state)i;
    return RS_VOTE_OPEN;
}

/* ---- members ---- */

static int pv_members_set(struct rs_store *st, const char *room_id,
                          const struct rs_member_record *m, size_t n)
{
    if (n > RS_MEMBERS_MAX)
        return -EINVAL;
    int rc = begin(st, room_id);
    if (rc)
        return rc;
    struct rs_store__pg_args a = {0};
    arg_text(&a, room_id);
    rc = run(st, "DELETE FROM members WHERE room_id = $1", &a);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct rs_store__pg_args b = {0};
        arg_text(&b, room_id);
        arg_int(&b, (int64_t)i);
        arg_opt(&b, m[i].user_id);
        arg_text(&b, m[i].name);
        rc = run(st, "INSERT INTO members (room_id, pos, user_id, name) VALUES ($1, $2, $3, $4)",
                 &b);
        rc = rc < 0 ? rc : 0;
    }
    return end(st, rc);
}

static int pv_members_list(struct rs_store *st, const char *room_id, rs_store_member_fn each,
                           void *ctx)
{
    struct rs_store__pg_args a = {0};
    PGresult *r;
    arg_text(&a, room_id);
    int rc = query(st, "SELECT user_id, name FROM members WHERE room_id = $1 ORDER BY pos", &a, &r);
    struct rs_member_record m;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        memset(&m, 0, sizeof(m));
        copy(m.user_id, sizeof(m.user_id), r, i, 0);
        copy(m.name, sizeof(m.name), r, i, 1);
        rc = each(&m, ctx);
    }
    PQclear(r);
    return rc;
}

/* ---- votes ---- */

#define VOTE_COLS "id, room_id, state, secret, created_at_ms, closes_at_ms, closed_at_ms, spec"

static void read_vote(const PGresult *r, int row, struct rs_vote_record *v)
{
    memset(v, 0, sizeof(*v));
    copy(v->id, sizeof(v->id), r, row, 0);
    copy(v->room_id, sizeof(v->room_id), r, row, 1);
    v->state = parse_state(col_str(r, row, 2));
    v->secret = col_bool(r, row, 3);
    v->created_at_ms = col_int(r, row, 4);
    v->closes_at_ms = col_int(r, row, 5);
    v->closed_at_ms = col_int(r, row, 6);
    copy(v->spec, sizeof(v->spec), r, row, 7);
}

static int pv_vote_create(struct rs_store *st, const struct rs_vote_record *v,
                          const struct rs_voter_record *electorate, size_t n)
{
    /* inserts only (the keys refuse a second vote or voter): atomic, nothing to serialise */
    int rc = begin(st, NULL);
    if (rc)
        return rc;
    struct rs_store__pg_args a = {0};
    arg_text(&a, v->id);
    arg_text(&a, v->room_id);
    arg_bool(&a, v->secret);
    arg_int(&a, v->created_at_ms);
    arg_opt_int(&a, v->closes_at_ms);
    arg_text(&a, v->spec);
    rc = run(st,
             "INSERT INTO votes (id, room_id, state, secret, created_at_ms, closes_at_ms, spec) "
             "VALUES ($1, $2, 'open', $3, $4, $5, $6)",
             &a);
    rc = rc < 0 ? rc : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct rs_store__pg_args b = {0};
        arg_text(&b, v->id);
        arg_text(&b, electorate[i].key);
        arg_text(&b, electorate[i].name);
        rc = run(st, "INSERT INTO vote_electorate (vote_id, voter_key, name) VALUES ($1, $2, $3)",
                 &b);
        rc = rc < 0 ? rc : 0;
    }
    return end(st, rc);
}

static int pv_vote_get(struct rs_store *st, const char *id, struct rs_vote_record *out)
{
    struct rs_store__pg_args a = {0};
    PGresult *r;
    arg_text(&a, id);
    int rc = query(st, "SELECT " VOTE_COLS " FROM votes WHERE id = $1", &a, &r);
    if (rc)
        return rc;
    if (PQntuples(r) > 0)
        read_vote(r, 0, out);
    else
        rc = -ENOENT;
    PQclear(r);
    return rc;
}

/* Calls `each` for every row of the query `sql` with `a`. */
static int each_vote(struct rs_store *st, const char *sql, const struct rs_store__pg_args *a,
                     rs_store_vote_fn each, void *ctx)
{
    struct rs_vote_record *v = malloc(sizeof(*v));
    if (!v)
        return -ENOMEM;
    PGresult *r;
    int rc = query(st, sql, a, &r);
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        read_vote(r, i, v);
        rc = each(v, ctx);
    }
    PQclear(r);
    free(v);
    return rc;
}

static int pv_vote_list(struct rs_store *st, const char *room_id, rs_store_vote_fn each, void *ctx)
{
    struct rs_store__pg_args a = {0};
    arg_text(&a, room_id);
    return each_vote(st,
                     "SELECT " VOTE_COLS " FROM votes WHERE room_id = $1 "
                     "ORDER BY created_at_ms, id",
                     &a, each, ctx);
}

static int pv_vote_due(struct rs_store *st, int64_t now_ms, rs_store_vote_fn each, void *ctx)
{
    struct rs_store__pg_args a = {0};
    arg_int(&a, now_ms);
    return each_vote(st,
                     "SELECT " VOTE_COLS " FROM votes WHERE state = 'open' AND "
                     "closes_at_ms IS NOT NULL AND closes_at_ms <= $1 ORDER BY id",
                     &a, each, ctx);
}

static int pv_vote_electorate(struct rs_store *st, const char *vote_id, rs_store_voter_fn each,
                              void *ctx)
{
    struct rs_store__pg_args a = {0};
    PGresult *r;
    arg_text(&a, vote_id);
    int rc = query(st,
                   "SELECT voter_key, name FROM vote_electorate WHERE vote_id = $1 "
                   "ORDER BY name, voter_key",
                   &a, &r);
    struct rs_voter_record v;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        memset(&v, 0, sizeof(v));
        copy(v.key, sizeof(v.key), r, i, 0);
        copy(v.name, sizeof(v.name), r, i, 1);
        rc = each(&v, ctx);
    }
    PQclear(r);
    return rc;
}

static int pv_ballot_cast(struct rs_store *st, const char *vote_id, const char *voter_key,
                          int option, const char *receipt_hash)
{
    int64_t open = 0, eligible = 0;
    int rc = begin(st, vote_id);
    if (rc)
        return rc;
    struct rs_store__pg_args a = {0};
    arg_text(&a, vote_id);
    rc = one_int(st, "SELECT (state = 'open')::int FROM votes WHERE id = $1 FOR SHARE", &a, &open);
    if (rc == 0 && !open)
        rc = -ESTALE;
    if (rc == 0) {
        struct rs_store__pg_args b = {0};
        arg_text(&b, vote_id);
        arg_text(&b, voter_key);
        rc = one_int(st,
                     "SELECT COUNT(*) FROM vote_electorate WHERE vote_id = $1 AND voter_key = $2",
                     &b, &eligible);
        if (rc == 0 && !eligible)
            rc = -ENOENT;
    }
    if (rc == 0) {
        struct rs_store__pg_args b = {0};
        arg_text(&b, vote_id);
        arg_text(&b, voter_key);
        if (!receipt_hash)
            arg_int(&b, option);
        rc = run(st,
                 receipt_hash ? "INSERT INTO vote_voters (vote_id, voter_key) VALUES ($1, $2)"
                              : "INSERT INTO vote_voters (vote_id, voter_key, seq, option) "
                                "SELECT $1::text, $2::text, COUNT(*) + 1, $3::integer "
                                "FROM vote_voters WHERE vote_id = $1",
                 &b);
        rc = rc < 0 ? rc : 0;
    }
    if (rc == 0 && receipt_hash) {
        struct rs_store__pg_args b = {0};
        arg_text(&b, vote_id);
        arg_text(&b, receipt_hash);
        arg_int(&b, option);
        rc = run(st, "INSERT INTO vote_ballots (vote_id, receipt_hash, option) VALUES ($1, $2, $3)",
                 &b);
        rc = rc < 0 ? rc : 0;
        if (rc == -EEXIST) /* a receipt hash collided: 256 bits, never; refuse rather than merge */
            rc = -EIO;
    }
    return end(st, rc);
}

static int pv_vote_turnout(struct rs_store *st, const char *vote_id, int64_t *out)
{
    struct rs_store__pg_args a = {0};
    arg_text(&a, vote_id);
    return one_int(st, "SELECT COUNT(*) FROM vote_voters WHERE vote_id = $1", &a, out);
}

static int pv_vote_has_voted(struct rs_store *st, const char *vote_id, const char *voter_key)
{
    struct rs_store__pg_args a = {0};
    arg_text(&a, vote_id);
    arg_text(&a, voter_key);
    int64_t n = 0;
    int rc = one_int(st, "SELECT COUNT(*) FROM vote_voters WHERE vote_id = $1 AND voter_key = $2",
                     &a, &n);
    return rc < 0 ? rc : n > 0;
}

static int pv_vote_ballots(struct rs_store *st, const char *vote_id, rs_store_ballot_fn each,
                           void *ctx)
{
    struct rs_store__pg_args a = {0};
    PGresult *r;
    arg_text(&a, vote_id);
    /* open votes in the order cast (seq), secret ones by receipt hash */
    int rc = query(st,
                   "SELECT name, receipt_hash, option FROM ("
                   " SELECT e.name AS name, '' AS receipt_hash, v.option AS option, "
                   " v.seq AS k1, '' AS k2 FROM vote_voters v JOIN vote_electorate e "
                   " ON e.vote_id = v.vote_id AND e.voter_key = v.voter_key "
                   " WHERE v.vote_id = $1 AND v.option IS NOT NULL "
                   " UNION ALL SELECT '', b.receipt_hash, b.option, 0, b.receipt_hash "
                   " FROM vote_ballots b WHERE b.vote_id = $1) AS t ORDER BY k1, k2",
                   &a, &r);
    struct rs_ballot_record b;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        memset(&b, 0, sizeof(b));
        copy(b.name, sizeof(b.name), r, i, 0);
        copy(b.receipt_hash, sizeof(b.receipt_hash), r, i, 1);
        b.option = (int)col_int(r, i, 2);
        rc = each(&b, ctx);
    }
    PQclear(r);
    return rc;
}

static int pv_vote_finish(struct rs_store *st, const char *id, enum rs_vote_state state,
                          int64_t closed_at_ms, const char *record)
{
    struct rs_store__pg_args a = {0};
    arg_text(&a, id);
    arg_text(&a, rs_vote_state_name(state));
    arg_int(&a, closed_at_ms);
    arg_text(&a, record);
    int rc = run(st,
                 "UPDATE votes SET state = $2, closed_at_ms = $3, record = $4 "
                 "WHERE id = $1 AND state = 'open'",
                 &a);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        struct rs_vote_record *v = malloc(sizeof(*v));
        rc = !v ? -ENOMEM : pv_vote_get(st, id, v) == 0 ? -ESTALE : -ENOENT;
        free(v);
        return rc;
    }
    return 0;
}

static int pv_vote_record(struct rs_store *st, const char *id, char **out)
{
    struct rs_store__pg_args a = {0};
    PGresult *r;
    *out = NULL;
    arg_text(&a, id);
    int rc = query(st, "SELECT record FROM votes WHERE id = $1 AND record IS NOT NULL", &a, &r);
    if (rc)
        return rc;
    if (PQntuples(r) > 0) {
        *out = strdup(col_str(r, 0, 0));
        rc = *out ? 0 : -ENOMEM;
    } else {
        rc = -ENOENT;
    }
    PQclear(r);
    return rc;
}

const struct rs_store_vote_ops rs_store__pg_vote_ops = {
    .members_set = pv_members_set,
    .members_list = pv_members_list,
    .vote_create = pv_vote_create,
    .vote_get = pv_vote_get,
    .vote_list = pv_vote_list,
    .vote_due = pv_vote_due,
    .vote_electorate = pv_vote_electorate,
    .ballot_cast = pv_ballot_cast,
    .vote_turnout = pv_vote_turnout,
    .vote_has_voted = pv_vote_has_voted,
    .vote_ballots = pv_vote_ballots,
    .vote_finish = pv_vote_finish,
    .vote_record = pv_vote_record,
};
