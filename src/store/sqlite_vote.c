/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite backend of meeting members and votes (store_vote.h), beside sqlite.c.
 *
 * Statements are prepared per call (votes are rare: a council casts tens of ballots a minute,
 * not thousands a second) from constant text with bound parameters only.
 *
 * The subtle point is the ballot's transaction. The ack a voter gets means "your ballot is on
 * disk", so the check that the vote is open, the check that the voter is in its electorate,
 * the "has voted" row and the secret choice row are one BEGIN IMMEDIATE ... COMMIT: a crash at
 * any point leaves either all of them or none, and COMMIT under synchronous=FULL returns only
 * after the WAL is synced. A second ballot hits the primary key of vote_voters (-EEXIST), a
 * ballot racing a close finds the state no longer 'open' (-ESTALE). */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/sqlite_internal.h"
#include "store/store_fault.h"
#include "store/store_vote.h"

const char rs_store__sqlite_vote_schema[] =
    "CREATE TABLE members ("
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  user_id TEXT REFERENCES users(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  PRIMARY KEY (room_id, pos)"
    ") STRICT;"
    "CREATE TABLE votes ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
    "  state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'cancelled')),"
    "  secret INTEGER NOT NULL CHECK (secret IN (0, 1)),"
    "  created_at_ms INTEGER NOT NULL,"
    "  closes_at_ms INTEGER,"
    "  closed_at_ms INTEGER,"
    "  spec TEXT NOT NULL,"
    "  record TEXT"
    ") STRICT;"
    "CREATE INDEX votes_room ON votes(room_id, created_at_ms);"
    "CREATE TABLE vote_electorate ("
    "  vote_id TEXT NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
    "  voter_key TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  PRIMARY KEY (vote_id, voter_key)"
    ") STRICT, WITHOUT ROWID;"
    /* who has voted; seq and option only for open votes */
    "CREATE TABLE vote_voters ("
    "  vote_id TEXT NOT NULL,"
    "  voter_key TEXT NOT NULL,"
    "  seq INTEGER,"
    "  option INTEGER,"
    "  PRIMARY KEY (vote_id, voter_key),"
    "  FOREIGN KEY (vote_id, voter_key) REFERENCES vote_electorate(vote_id, voter_key)"
    "    ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID;"
    /* secret votes: the choices, by receipt hash, with nothing that names a voter */
    "CREATE TABLE vote_ballots ("
    "  vote_id TEXT NOT NULL REFERENCES votes(id) ON DELETE CASCADE,"
    "  receipt_hash TEXT NOT NULL CHECK (length(receipt_hash) = 64),"
    "  option INTEGER NOT NULL,"
    "  PRIMARY KEY (vote_id, receipt_hash)"
    ") STRICT, WITHOUT ROWID;";

static const char *const state_names[] = {"open", "closed", "cancelled"};

const char *rs_vote_state_name(enum rs_vote_state s)
{
    return (unsigned)s < 3 ? state_names[s] : "open";
}

static enum rs_vote_state parse_state(const unsigned char *t)
{
    for (int i = 0; t && i < 3; i++)
        if (strcmp((const char *)t, state_names[i]) == 0)
            return (enum rs_vote_state)i;
    return RS_VOTE_OPEN;
}

/* Why the last call on `db` failed, for the user and the operator (store_fault.h): a full disk
 * is SQLITE_FULL, or an I/O error whose system error is ENOSPC or EDQUOT (SQLite reports most
 * short writes as SQLITE_FULL, but not every one); a lock held elsewhere past the busy handler's
 * wait is SQLITE_BUSY (SQLITE_LOCKED within one process). */
static enum rs_store_fault classify(sqlite3 *db)
{
    int ext = sqlite3_extended_errcode(db);
    int sys = sqlite3_system_errno(db);
    switch (ext & 0xff) {
    case SQLITE_FULL:
        return RS_STORE_FAULT_FULL;
    case SQLITE_IOERR:
        return sys == ENOSPC || sys == EDQUOT ? RS_STORE_FAULT_FULL : RS_STORE_FAULT_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RS_STORE_FAULT_BUSY;
    default:
        return RS_STORE_FAULT_IO;
    }
}

int rs_store__sqlite_fail(sqlite3 *db, const char *event)
{
    enum rs_store_fault f = classify(db);
    rs_store__fault_set(f);
    RS_ERROR("store", "event=%s reason=%s rc=%d msg=\"%s\"", event, rs_store_fault_name(f),
             sqlite3_extended_errcode(db), sqlite3_errmsg(db));
    return -EIO;
}

static int map(sqlite3 *db)
{
    switch (sqlite3_extended_errcode(db)) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return -ENOENT;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        return -EINVAL;
    default:
        return rs_store__sqlite_fail(db, "sql_failed");
    }
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    rs_store__fault_clear();
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        rs_store__sqlite_fail(db, "prepare_failed");
        return NULL;
    }
    return q;
}

static void text(sqlite3_stmt *q, int i, const char *s)
{
    sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_STATIC);
}

static void copy(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
    const unsigned char *s = sqlite3_column_text(q, col);
    size_t n = s ? strlen((const char *)s) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, s, n);
    dst[n] = 0;
}

int rs_store__sqlite_map(sqlite3 *db)
{
    return map(db);
}

sqlite3_stmt *rs_store__sqlite_prep(sqlite3 *db, const char *sql)
{
    return prep(db, sql);
}

void rs_store__sqlite_text(sqlite3_stmt *q, int i, const char *s)
{
    text(q, i, s);
}

void rs_store__sqlite_copy(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
    copy(dst, cap, q, col);
}

void rs_store__sqlite_opt_text(sqlite3_stmt *q, int i, const char *s)
{
    if (s && *s)
        text(q, i, s);
    else
        sqlite3_bind_null(q, i);
}

int rs_store__sqlite_changed(sqlite3 *db, sqlite3_stmt *q)
{
    if (!q)
        return -EIO;
    int rc = sqlite3_step(q) == SQLITE_DONE ? sqlite3_changes(db) : map(db);
    sqlite3_finalize(q);
    return rc;
}

int rs_store__sqlite_insert(sqlite3 *db, sqlite3_stmt *q, int64_t *id)
{
    if (!q)
        return -EIO;
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : map(db);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(q);
    return rc;
}

int rs_store__sqlite_each_text(sqlite3 *db, sqlite3_stmt *q, rs_store_node_fn each, void *ctx)
{
    if (!q)
        return -EIO;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        if (t && (rc = each((const char *)t, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc < 0 ? rc : 0;
}

/* Runs a write statement once: 0 or the mapped error. Finalizes `q`. */
static int run(sqlite3 *db, sqlite3_stmt *q)
{
    if (!q)
        return -EIO;
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : map(db);
    sqlite3_finalize(q);
    return rc;
}

static int begin(sqlite3 *db)
{
    rs_store__fault_clear();
    return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : map(db);
}

/* Commits when rc is 0, else rolls back; returns rc (or the commit's error). */
static int end(sqlite3 *db, int rc)
{
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = map(db);
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int rs_store__sqlite_begin(sqlite3 *db)
{
    return begin(db);
}

int rs_store__sqlite_end(sqlite3 *db, int rc)
{
    return end(db, rc);
}

/* ---- members ---- */

static int sv_members_set(struct rs_store *st, const char *room_id,
                          const struct rs_member_record *m, size_t n)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    if (n > RS_MEMBERS_MAX)
        return -EINVAL;
    int rc = begin(db);
    if (rc)
        return rc;
    sqlite3_stmt *q = prep(db, "DELETE FROM members WHERE room_id = ?1");
    if (q)
        text(q, 1, room_id);
    rc = run(db, q);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        q = prep(db, "INSERT INTO members (room_id, pos, user_id, name) VALUES (?1, ?2, ?3, ?4)");
        if (q) {
            text(q, 1, room_id);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
            if (m[i].user_id[0])
                text(q, 3, m[i].user_id);
            text(q, 4, m[i].name);
        }
        rc = run(db, q);
    }
    return end(db, rc);
}

static int sv_members_list(struct rs_store *st, const char *room_id, rs_store_member_fn each,
                           void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT user_id, name FROM members WHERE room_id = ?1 ORDER BY pos");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    struct rs_member_record m;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&m, 0, sizeof(m));
        copy(m.user_id, sizeof(m.user_id), q, 0);
        copy(m.name, sizeof(m.name), q, 1);
        if ((rc = each(&m, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc;
}

/* ---- votes ---- */

#define VOTE_COLS "id, room_id, state, secret, created_at_ms, closes_at_ms, closed_at_ms, spec"

static void read_vote(sqlite3_stmt *q, struct rs_vote_record *v)
{
    memset(v, 0, sizeof(*v));
    copy(v->id, sizeof(v->id), q, 0);
    copy(v->room_id, sizeof(v->room_id), q, 1);
    v->state = parse_state(sqlite3_column_text(q, 2));
    v->secret = sqlite3_column_int(q, 3) != 0;
    v->created_at_ms = sqlite3_column_int64(q, 4);
    v->closes_at_ms = sqlite3_column_int64(q, 5);
    v->closed_at_ms = sqlite3_column_int64(q, 6);
    copy(v->spec, sizeof(v->spec), q, 7);
}

static int sv_vote_create(struct rs_store *st, const struct rs_vote_record *v,
                          const struct rs_voter_record *electorate, size_t n)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int rc = begin(db);
    if (rc)
        return rc;
    sqlite3_stmt *q = prep(db, "INSERT INTO votes (id, room_id, state, secret, created_at_ms, "
                               "closes_at_ms, spec) VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6)");
    if (q) {
        text(q, 1, v->id);
        text(q, 2, v->room_id);
        sqlite3_bind_int(q, 3, v->secret ? 1 : 0);
        sqlite3_bind_int64(q, 4, v->created_at_ms);
        if (v->closes_at_ms)
            sqlite3_bind_int64(q, 5, v->closes_at_ms);
        text(q, 6, v->spec);
    }
    rc = run(db, q);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        q = prep(db, "INSERT INTO vote_electorate (vote_id, voter_key, name) VALUES (?1, ?2, ?3)");
        if (q) {
            text(q, 1, v->id);
            text(q, 2, electorate[i].key);
            text(q, 3, electorate[i].name);
        }
        rc = run(db, q);
    }
    return end(db, rc);
}

static int sv_vote_get(struct rs_store *st, const char *id, struct rs_vote_record *out)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT " VOTE_COLS " FROM votes WHERE id = ?1");
    if (!q)
        return -EIO;
    text(q, 1, id);
    int step = sqlite3_step(q), rc = -ENOENT;
    if (step == SQLITE_ROW) {
        read_vote(q, out);
        rc = 0;
    } else if (step != SQLITE_DONE) {
        rc = map(db);
    }
    sqlite3_finalize(q);
    return rc;
}

/* Calls `each` for every row of `q` (finalized here). */
static int each_vote(sqlite3 *db, sqlite3_stmt *q, rs_store_vote_fn each, void *ctx)
{
    struct rs_vote_record *v = malloc(sizeof(*v));
    int rc = v ? 0 : -ENOMEM, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        read_vote(q, v);
        rc = each(v, ctx);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    free(v);
    sqlite3_finalize(q);
    return rc;
}

static int sv_vote_list(struct rs_store *st, const char *room_id, rs_store_vote_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q =
        prep(db, "SELECT " VOTE_COLS " FROM votes WHERE room_id = ?1 ORDER BY created_at_ms, id");
    if (!q)
        return -EIO;
    text(q, 1, room_id);
    return each_vote(db, q, each, ctx);
}

static int sv_vote_due(struct rs_store *st, int64_t now_ms, rs_store_vote_fn each, void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT " VOTE_COLS " FROM votes WHERE state = 'open' AND "
                               "closes_at_ms IS NOT NULL AND closes_at_ms <= ?1 ORDER BY id");
    if (!q)
        return -EIO;
    sqlite3_bind_int64(q, 1, now_ms);
    return each_vote(db, q, each, ctx);
}

static int sv_vote_electorate(struct rs_store *st, const char *vote_id, rs_store_voter_fn each,
                              void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT voter_key, name FROM vote_electorate WHERE vote_id = ?1 "
                               "ORDER BY name, voter_key");
    if (!q)
        return -EIO;
    text(q, 1, vote_id);
    struct rs_voter_record r;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        copy(r.key, sizeof(r.key), q, 0);
        copy(r.name, sizeof(r.name), q, 1);
        if ((rc = each(&r, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc;
}

/* One row of a one-column query: 0 with *out, -ENOENT when there is none. */
static int one_int(sqlite3 *db, sqlite3_stmt *q, int64_t *out)
{
    if (!q)
        return -EIO;
    int step = sqlite3_step(q), rc = -ENOENT;
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = 0;
    } else if (step != SQLITE_DONE) {
        rc = map(db);
    }
    sqlite3_finalize(q);
    return rc;
}

static int sv_ballot_cast(struct rs_store *st, const char *vote_id, const char *voter_key,
                          int option, const char *receipt_hash)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    int64_t open = 0, eligible = 0;
    int rc = begin(db);
    if (rc)
        return rc;
    sqlite3_stmt *q = prep(db, "SELECT state = 'open' FROM votes WHERE id = ?1");
    if (q)
        text(q, 1, vote_id);
    rc = one_int(db, q, &open);
    if (rc == 0 && !open)
        rc = -ESTALE;
    if (rc == 0) {
        q = prep(db, "SELECT COUNT(*) FROM vote_electorate WHERE vote_id = ?1 AND voter_key = ?2");
        if (q) {
            text(q, 1, vote_id);
            text(q, 2, voter_key);
        }
        rc = one_int(db, q, &eligible);
        if (rc == 0 && !eligible)
            rc = -ENOENT;
    }
    if (rc == 0) {
        q = receipt_hash ? prep(db, "INSERT INTO vote_voters (vote_id, voter_key) VALUES (?1, ?2)")
                         : prep(db, "INSERT INTO vote_voters (vote_id, voter_key, seq, option) "
                                    "SELECT ?1, ?2, COUNT(*) + 1, ?3 FROM vote_voters "
                                    "WHERE vote_id = ?1");
        if (q) {
            text(q, 1, vote_id);
            text(q, 2, voter_key);
            if (!receipt_hash)
                sqlite3_bind_int(q, 3, option);
        }
        rc = run(db, q);
    }
    if (rc == 0 && receipt_hash) {
        q = prep(db,
                 "INSERT INTO vote_ballots (vote_id, receipt_hash, option) VALUES (?1, ?2, ?3)");
        if (q) {
            text(q, 1, vote_id);
            text(q, 2, receipt_hash);
            sqlite3_bind_int(q, 3, option);
        }
        rc = run(db, q);
        if (rc == -EEXIST) /* a receipt hash collided: 256 bits, never; refuse rather than merge */
            rc = -EIO;
    }
    return end(db, rc);
}

static int sv_vote_turnout(struct rs_store *st, const char *vote_id, int64_t *out)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?1");
    if (q)
        text(q, 1, vote_id);
    return one_int(db, q, out);
}

static int sv_vote_has_voted(struct rs_store *st, const char *vote_id, const char *voter_key)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q =
        prep(db, "SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?1 AND voter_key = ?2");
    if (q) {
        text(q, 1, vote_id);
        text(q, 2, voter_key);
    }
    int64_t n = 0;
    int rc = one_int(db, q, &n);
    return rc < 0 ? rc : n > 0;
}

static int sv_vote_ballots(struct rs_store *st, const char *vote_id, rs_store_ballot_fn each,
                           void *ctx)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    /* open votes in the order cast (seq), secret ones by receipt hash */
    sqlite3_stmt *q =
        prep(db, "SELECT name, receipt_hash, option FROM ("
                 " SELECT e.name AS name, '' AS receipt_hash, v.option AS option, v.seq AS k1, "
                 " '' AS k2 FROM vote_voters v JOIN vote_electorate e "
                 " ON e.vote_id = v.vote_id AND e.voter_key = v.voter_key "
                 " WHERE v.vote_id = ?1 AND v.option IS NOT NULL "
                 " UNION ALL SELECT '', b.receipt_hash, b.option, 0, b.receipt_hash "
                 " FROM vote_ballots b WHERE b.vote_id = ?1) ORDER BY k1, k2");
    if (!q)
        return -EIO;
    text(q, 1, vote_id);
    struct rs_ballot_record b;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        memset(&b, 0, sizeof(b));
        copy(b.name, sizeof(b.name), q, 0);
        copy(b.receipt_hash, sizeof(b.receipt_hash), q, 1);
        b.option = sqlite3_column_int(q, 2);
        if ((rc = each(&b, ctx)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = map(db);
    sqlite3_finalize(q);
    return rc;
}

static int sv_vote_finish(struct rs_store *st, const char *id, enum rs_vote_state state,
                          int64_t closed_at_ms, const char *record)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    sqlite3_stmt *q = prep(db, "UPDATE votes SET state = ?2, closed_at_ms = ?3, record = ?4 "
                               "WHERE id = ?1 AND state = 'open'");
    if (!q)
        return -EIO;
    text(q, 1, id);
    text(q, 2, rs_vote_state_name(state));
    sqlite3_bind_int64(q, 3, closed_at_ms);
    text(q, 4, record);
    int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : map(db);
    sqlite3_finalize(q);
    if (rc == 0 && sqlite3_changes(db) == 0) {
        struct rs_vote_record *v = malloc(sizeof(*v));
        rc = !v ? -ENOMEM : sv_vote_get(st, id, v) == 0 ? -ESTALE : -ENOENT;
        free(v);
    }
    return rc;
}

static int sv_vote_record(struct rs_store *st, const char *id, char **out)
{
    sqlite3 *db = rs_store__sqlite_db(st);
    *out = NULL;
    sqlite3_stmt *q = prep(db, "SELECT record FROM votes WHERE id = ?1 AND record IS NOT NULL");
    if (!q)
        return -EIO;
    text(q, 1, id);
    int step = sqlite3_step(q), rc = -ENOENT;
    if (step == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        *out = strdup(t ? (const char *)t : "");
        rc = *out ? 0 : -ENOMEM;
    } else if (step != SQLITE_DONE) {
        rc = map(db);
    }
    sqlite3_finalize(q);
    return rc;
}

const struct rs_store_vote_ops rs_store__sqlite_vote_ops = {
    .members_set = sv_members_set,
    .members_list = sv_members_list,
    .vote_create = sv_vote_create,
    .vote_get = sv_vote_get,
    .vote_list = sv_vote_list,
    .vote_due = sv_vote_due,
    .vote_electorate = sv_vote_electorate,
    .ballot_cast = sv_ballot_cast,
    .vote_turnout = sv_vote_turnout,
    .vote_has_voted = sv_vote_has_voted,
    .vote_ballots = sv_vote_ballots,
    .vote_finish = sv_vote_finish,
    .vote_record = sv_vote_record,
};
