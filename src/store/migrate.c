/* SPDX-License-Identifier: EUPL-1.2 */
/* Moving a SQLite database to PostgreSQL (migrate.h).
 *
 * Both backends create the same tables with the same columns from the same numbered
 * migrations, so the copy needs no list of its own: the tables are read from the SQLite
 * catalogue (all but SQLite's own and schema_migrations, which the target's open filled in
 * already), their columns from `PRAGMA table_info`, and their order from their foreign keys
 * (`pragma_foreign_key_list`), parents first, so that every row finds what it refers to when it
 * arrives. A table or column the target lacks is an error from PostgreSQL, reported as it is.
 *
 * Values go over as parameters, never as SQL text: NULL as NULL, integers and reals as their
 * decimal text, text as text, BLOBs in binary (the column is bytea); PostgreSQL converts each to
 * its column's type (0 and 1 become false and true in a boolean column). Rows keep their ids,
 * identity columns included (OVERRIDING SYSTEM VALUE), and each identity or serial sequence is
 * then set past the highest id, so the next row the server inserts does not collide.
 *
 * The one subtle point is the source's lock. The copy runs inside BEGIN IMMEDIATE on SQLite:
 * a read transaction that also holds the write lock, so the rows counted at the end are the
 * rows copied, and a server someone forgot to stop cannot change the database half-way (its
 * writes fail with storage_busy until the copy ends). Apart from the migrations the server
 * itself would run at its next start, nothing is written to the source. */
#include "store/migrate.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/sqlite_internal.h"
#include "store/store.h"

#define NAME_MAX_LEN 63 /* a table's or column's name: PostgreSQL's identifier limit */
#define COLUMNS_MAX 64

struct table {
    char name[NAME_MAX_LEN + 1];
    int n_cols;
    char cols[COLUMNS_MAX][NAME_MAX_LEN + 1];
    int n_parents;
    int parents[RS_MIGRATE_TABLES_MAX]; /* indices into migration.tables */
    int64_t rows;                       /* copied */
    bool placed;                        /* in `order` already */
};

struct migration {
    sqlite3 *db; /* the source, borrowed from its store */
    PGconn *pg;  /* the target */
    int n_tables;
    struct table tables[RS_MIGRATE_TABLES_MAX];
    int order[RS_MIGRATE_TABLES_MAX]; /* parents first */
    char *why;
    size_t why_cap;
};

/* Writes the reason into m->why (one line: a trailing newline from libpq is cut) and returns
 * `rc`. */
__attribute__((format(printf, 3, 4))) static int fail(struct migration *m, int rc, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->why, m->why_cap, fmt, ap);
    va_end(ap);
    size_t n = strlen(m->why);
    while (n > 0 && (m->why[n - 1] == '\n' || m->why[n - 1] == ' '))
        m->why[--n] = 0;
    for (char *c = m->why; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return rc;
}

/* `name` as a quoted identifier for either database: "name", inner quotes doubled. */
static void quoted(char *out, size_t cap, const char *name)
{
    size_t n = 0;
    out[n++] = '"';
    for (const char *c = name; *c && n + 4 <= cap; c++) { /* room for "" and the closing " */
        if (*c == '"')
            out[n++] = '"';
        out[n++] = *c;
    }
    out[n++] = '"';
    out[n] = 0;
}

/* A dynamic SQL text: the table's or columns' quoted names pasted into it, nothing else. */
struct sql_text {
    char s[COLUMNS_MAX * (2 * NAME_MAX_LEN + 8) + 256];
    size_t n;
    bool overflow;
};

__attribute__((format(printf, 2, 3))) static void sql_add(struct sql_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof(t->s) - t->n)
        t->overflow = true;
    else
        t->n += (size_t)k;
}

static int sqlite_fail(struct migration *m, const char *what)
{
    return fail(m, -EIO, "SQLite: %s: %s", what, sqlite3_errmsg(m->db));
}

static int table_index(const struct migration *m, const char *name)
{
    for (int i = 0; i < m->n_tables; i++)
        if (strcmp(m->tables[i].name, name) == 0)
            return i;
    return -1;
}

/* The source's tables (in the order they were created) with their columns. */
static int list_tables(struct migration *m)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                           "LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations' "
                           "ORDER BY rowid",
                           -1, &q, NULL) != SQLITE_OK)
        return sqlite_fail(m, "listing the tables");
    int rc = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (m->n_tables == RS_MIGRATE_TABLES_MAX)
            rc = fail(m, -EIO, "SQLite: more than %d tables", RS_MIGRATE_TABLES_MAX);
        else if (!name || strlen(name) > NAME_MAX_LEN)
            rc = fail(m, -EIO, "SQLite: a table name longer than %d bytes", NAME_MAX_LEN);
        else
            snprintf(m->tables[m->n_tables++].name, NAME_MAX_LEN + 1, "%s", name);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = sqlite_fail(m, "listing the tables");
    sqlite3_finalize(q);

    for (int i = 0; rc == 0 && i < m->n_tables; i++) {
        struct table *t = &m->tables[i];
        if (sqlite3_prepare_v2(m->db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &q,
                               NULL) != SQLITE_OK)
            return sqlite_fail(m, "listing the columns");
        sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
        while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(q, 0);
            if (t->n_cols == COLUMNS_MAX || !col || strlen(col) > NAME_MAX_LEN)
                rc = fail(m, -EIO,
                          "SQLite: table %s: more than %d columns or a name longer "
                          "than %d bytes",
                          t->name, COLUMNS_MAX, NAME_MAX_LEN);
            else
                snprintf(t->cols[t->n_cols++], NAME_MAX_LEN + 1, "%s", col);
        }
        if (rc == 0 && step != SQLITE_DONE)
            rc = sqlite_fail(m, "listing the columns");
        sqlite3_finalize(q);
    }
    return rc;
}

/* m->order: every table after the tables its foreign keys name (a table naming itself, as a
 * tree would, is no constraint on the order). */
static int order_tables(struct migration *m)
{
    for (int i = 0; i < m->n_tables; i++) {
        struct table *t = &m->tables[i];
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(m->db, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)",
                               -1, &q, NULL) != SQLITE_OK)
            return sqlite_fail(m, "reading the foreign keys");
        sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
        int step;
        while ((step = sqlite3_step(q)) == SQLITE_ROW) {
            int p = table_index(m, (const char *)sqlite3_column_text(q, 0));
            if (p >= 0 && p != i)
                t->parents[t->n_parents++] = p;
        }
        sqlite3_finalize(q);
        if (step != SQLITE_DONE)
            return sqlite_fail(m, "reading the foreign keys");
    }
    for (int placed = 0; placed < m->n_tables;) {
        int before = placed;
        for (int i = 0; i < m->n_tables; i++) {
            struct table *t = &m->tables[i];
            bool ready = !t->placed;
            for (int k = 0; ready && k < t->n_parents; k++)
                ready = m->tables[t->parents[k]].placed;
            if (ready) {
                t->placed = true;
                m->order[placed++] = i;
            }
        }
        if (placed == before)
            return fail(m, -EIO, "SQLite: the tables' foreign keys form a cycle");
    }
    return 0;
}

/* Runs `sql` on the target; 0, or -EIO with PostgreSQL's message after `what`. */
static int pg_exec(struct migration *m, const char *sql, const char *what)
{
    PGresult *r = PQexec(m->pg, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
                 ? 0
                 : fail(m, -EIO, "PostgreSQL: %s: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return rc;
}

/* One integer from the first cell of `sql` on the target, or -1 (the reason in m->why). */
static int64_t pg_int(struct migration *m, const char *sql, const char *what)
{
    PGresult *r = PQexec(m->pg, sql);
    int64_t v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else
        fail(m, -EIO, "PostgreSQL: %s: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

/* Every table of the target is there and empty. */
static int check_target_empty(struct migration *m)
{
    for (int i = 0; i < m->n_tables; i++) {
        const struct table *t = &m->tables[m->order[i]];
        char name[2 * NAME_MAX_LEN + 3];
        struct sql_text q = {.n = 0};
        quoted(name, sizeof(name), t->name);
        sql_add(&q, "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 1) t", name);
        int64_t any = pg_int(m, q.s, t->name);
        if (any < 0)
            return -EIO;
        if (any > 0)
            return fail(m, -ENOTEMPTY,
                        "the PostgreSQL database holds data already (table %s): migrate only "
                        "into a new, empty database",
                        t->name);
    }
    return 0;
}

/* Copies every row of table `t`, with one prepared INSERT. */
static int copy_table(struct migration *m, struct table *t)
{
    struct sql_text sel = {.n = 0}, ins = {.n = 0};
    char name[2 * NAME_MAX_LEN + 3], col[2 * NAME_MAX_LEN + 3];
    quoted(name, sizeof(name), t->name);
    sql_add(&sel, "SELECT ");
    sql_add(&ins, "INSERT INTO %s (", name);
    for (int c = 0; c < t->n_cols; c++) {
        quoted(col, sizeof(col), t->cols[c]);
        sql_add(&sel, "%s%s", c ? ", " : "", col);
        sql_add(&ins, "%s%s", c ? ", " : "", col);
    }
    sql_add(&sel, " FROM %s", name);
    sql_add(&ins, ") OVERRIDING SYSTEM VALUE VALUES (");
    for (int c = 0; c < t->n_cols; c++)
        sql_add(&ins, "%s$%d", c ? ", " : "", c + 1);
    sql_add(&ins, ")");
    if (sel.overflow || ins.overflow)
        return fail(m, -EIO, "table %s: the statement is too long", t->name);

    PGresult *r = PQprepare(m->pg, "", ins.s, t->n_cols, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? 0
                 : fail(m, -EIO, "PostgreSQL: table %s: %s", t->name, PQresultErrorMessage(r));
    PQclear(r);
    sqlite3_stmt *q = NULL;
    if (rc == 0 && sqlite3_prepare_v2(m->db, sel.s, -1, &q, NULL) != SQLITE_OK)
        rc = sqlite_fail(m, t->name);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *values[COLUMNS_MAX];
        int lengths[COLUMNS_MAX], formats[COLUMNS_MAX];
        char num[COLUMNS_MAX][32];
        for (int c = 0; c < t->n_cols; c++) {
            lengths[c] = 0;
            formats[c] = 0;
            switch (sqlite3_column_type(q, c)) {
            case SQLITE_NULL:
                values[c] = NULL;
                break;
            case SQLITE_INTEGER:
                snprintf(num[c], sizeof(num[c]), "%lld", (long long)sqlite3_column_int64(q, c));
                values[c] = num[c];
                break;
            case SQLITE_FLOAT:
                snprintf(num[c], sizeof(num[c]), "%.17g", sqlite3_column_double(q, c));
                values[c] = num[c];
                break;
            case SQLITE_BLOB:
                values[c] = sqlite3_column_blob(q, c);
                lengths[c] = sqlite3_column_bytes(q, c);
                formats[c] = 1;
                if (!values[c]) /* an empty BLOB */
                    values[c] = "";
                break;
            default: /* SQLITE_TEXT */
                values[c] = (const char *)sqlite3_column_text(q, c);
                break;
            }
        }
        r = PQexecPrepared(m->pg, "", t->n_cols, values, lengths, formats, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = fail(m, -EIO, "PostgreSQL: table %s, row %lld: %s", t->name,
                      (long long)t->rows + 1, PQresultErrorMessage(r));
        else
            t->rows++;
        PQclear(r);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = sqlite_fail(m, t->name);
    sqlite3_finalize(q);
    return rc;
}

/* Sets every identity or serial sequence of table `t` past its column's highest value. */
static int reset_sequences(struct migration *m, const struct table *t)
{
    char name[2 * NAME_MAX_LEN + 3];
    quoted(name, sizeof(name), t->name);
    const char *params[1] = {name};
    PGresult *r = PQexecParams(m->pg,
                               "SELECT a.attname, pg_get_serial_sequence($1, a.attname) "
                               "FROM pg_attribute a WHERE a.attrelid = $1::regclass "
                               "AND a.attnum > 0 AND NOT a.attisdropped",
                               1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK
                 ? 0
                 : fail(m, -EIO, "PostgreSQL: table %s: reading its sequences: %s", t->name,
                        PQresultErrorMessage(r));
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        if (PQgetisnull(r, row, 1))
            continue;
        char col[2 * NAME_MAX_LEN + 3];
        quoted(col, sizeof(col), PQgetvalue(r, row, 0));
        struct sql_text q = {.n = 0};
        sql_add(&q, "SELECT setval($1::regclass, COALESCE((SELECT max(%s) FROM %s), 0) + 1, false)",
                col, name);
        const char *seq[1] = {PQgetvalue(r, row, 1)};
        PGresult *s = PQexecParams(m->pg, q.s, 1, NULL, seq, NULL, NULL, 0);
        if (q.overflow || PQresultStatus(s) != PGRES_TUPLES_OK)
            rc = fail(m, -EIO, "PostgreSQL: table %s: setting the sequence %s: %s", t->name, seq[0],
                      PQresultErrorMessage(s));
        PQclear(s);
    }
    PQclear(r);
    return rc;
}

/* The rows of `t` in the source (inside the copy's read transaction) and in the target equal
 * the rows copied. */
static int verify_counts(struct migration *m, const struct table *t)
{
    char name[2 * NAME_MAX_LEN + 3];
    struct sql_text q = {.n = 0};
    quoted(name, sizeof(name), t->name);
    sql_add(&q, "SELECT count(*) FROM %s", name);
    sqlite3_stmt *s;
    int64_t source = -1;
    if (sqlite3_prepare_v2(m->db, q.s, -1, &s, NULL) != SQLITE_OK)
        return sqlite_fail(m, t->name);
    if (sqlite3_step(s) == SQLITE_ROW)
        source = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (source < 0)
        return sqlite_fail(m, t->name);
    int64_t target = pg_int(m, q.s, t->name);
    if (target < 0)
        return -EIO;
    if (source != t->rows || target != t->rows)
        return fail(m, -EIO, "table %s: %lld rows in SQLite, %lld copied, %lld in PostgreSQL",
                    t->name, (long long)source, (long long)t->rows, (long long)target);
    return 0;
}

/* Everything between the two open databases: one PostgreSQL transaction. */
static int copy_all(struct migration *m)
{
    int rc = list_tables(m);
    if (rc == 0)
        rc = order_tables(m);
    if (rc == 0)
        rc = pg_exec(m, "BEGIN", "BEGIN");
    if (rc)
        return rc;
    rc = check_target_empty(m);
    for (int i = 0; rc == 0 && i < m->n_tables; i++)
        rc = copy_table(m, &m->tables[m->order[i]]);
    for (int i = 0; rc == 0 && i < m->n_tables; i++)
        rc = reset_sequences(m, &m->tables[m->order[i]]);
    for (int i = 0; rc == 0 && i < m->n_tables; i++)
        rc = verify_counts(m, &m->tables[m->order[i]]);
    if (rc == 0)
        return pg_exec(m, "COMMIT", "COMMIT");
    PQclear(PQexec(m->pg, "ROLLBACK"));
    return rc;
}

/* Opens the target once through the store, which creates its schema (or checks it), and
 * compares the schema versions. */
static int prepare_target(struct migration *m, const char *conninfo, int source_version)
{
    struct rs_store *dst;
    int rc = rs_store_open_pg(conninfo, &dst);
    if (rc == -ECONNREFUSED)
        return fail(m, rc, "cannot reach the PostgreSQL server (see the log above)");
    if (rc == -EPROTO)
        return fail(m, rc, "the PostgreSQL database has a newer schema than this ratsaal");
    if (rc)
        return fail(m, -EIO, "cannot open the PostgreSQL database (see the log above)");
    int target_version = rs_store_schema_version(dst);
    rs_store_close(dst);
    if (target_version != source_version)
        return fail(m, -EPROTO, "schema versions differ: SQLite %d, PostgreSQL %d", source_version,
                    target_version);
    m->pg = PQconnectdb(conninfo);
    if (PQstatus(m->pg) != CONNECTION_OK)
        return fail(m, -ECONNREFUSED, "PostgreSQL: %s", PQerrorMessage(m->pg));
    /* nothing waits for ever: a lock another session holds in the target (a server started on
     * it too early) ends the copy after a while, with PostgreSQL's reason */
    return pg_exec(m, "SET lock_timeout = '30s'", "SET lock_timeout");
}

int rs_store_migrate(const char *sqlite_path, const char *pg_conninfo, rs_migrate_table_fn each,
                     void *ctx, char *why, size_t why_cap)
{
    struct migration *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(why, why_cap, "out of memory");
        return -ENOMEM;
    }
    m->why = why;
    m->why_cap = why_cap;
    why[0] = 0;
    struct stat sb;
    struct rs_store *src = NULL;
    int rc;
    /* rs_store_open_sqlite would make a new, empty database: a mistyped path is an error */
    if (stat(sqlite_path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = fail(m, -ENOENT, "%s: no such SQLite database", sqlite_path);
        goto out;
    }
    rc = rs_store_open_sqlite(sqlite_path, &src);
    if (rc) {
        rc = rc == -EPROTO
                 ? fail(m, rc, "%s: a newer schema than this ratsaal knows", sqlite_path)
                 : fail(m, -EIO, "%s: cannot open it as a SQLite database (see the log above)",
                        sqlite_path);
        goto out;
    }
    m->db = rs_store__sqlite_db(src);
    int step = sqlite3_exec(m->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (step != SQLITE_OK) {
        rc = (step & 0xff) == SQLITE_BUSY
                 ? fail(m, -EBUSY, "%s is locked by another process: stop the server first",
                        sqlite_path)
                 : sqlite_fail(m, "BEGIN IMMEDIATE");
        goto out_close;
    }
    rc = prepare_target(m, pg_conninfo, rs_store_schema_version(src));
    if (rc == 0)
        rc = copy_all(m);
    sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL); /* nothing was written: only the lock */
    for (int i = 0; rc == 0 && each && i < m->n_tables; i++) {
        const struct table *t = &m->tables[m->order[i]];
        each(t->name, t->rows, ctx);
    }
out_close:
    PQfinish(m->pg);
    rs_store_close(src);
out:
    free(m);
    return rc;
}
