/* SPDX-License-Identifier: EUPL-1.2 */
/* The store tests' backend: the same tests against SQLite and PostgreSQL. Header-only, like
 * tests/support/tmpdir.h; the store tests (tests/unit/store/) use it instead of calling
 * rs_store_open_sqlite themselves.
 *
 * Without RATSAAL_TEST_PG in the environment a test's store is the SQLite file at its `path`,
 * exactly as before. With RATSAAL_TEST_PG=<postgresql:// URI> (scripts/pg-test.sh prints one;
 * scripts/test.sh sets it for the binaries in build/unit/store/) every distinct `path` names a
 * database of its own on that server, t_<hash of path>: made empty by rs_test_store_fresh (and
 * by rs_test_store_dir, which every test's setup calls), made on first open when missing, kept
 * across close and reopen, dropped by rs_test_store_dir_remove. The URI given must name a
 * database that exists (the maintenance connection: CREATE and DROP DATABASE run there) and a
 * role allowed to create databases; the test databases' URIs are it with the database replaced.
 *
 * What only one backend can do (a SQLite file in a directory that does not exist, a lock taken
 * with `BEGIN EXCLUSIVE`, a schema written by hand in SQLite's dialect) is skipped on the other
 * with rs_test_skip_unless_sqlite, which says why; what needs a PostgreSQL server (copying into
 * it) is skipped without one with rs_test_skip_unless_pg. */
#ifndef RS_TESTS_STORE_BACKEND_H
#define RS_TESTS_STORE_BACKEND_H

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/tmpdir.h"
#include "store/store.h"

#define RS_TEST_PG_ENV "RATSAAL_TEST_PG"
#define RS_TEST_SPEC_MAX 1024 /* a store spec: a SQLite path or a PostgreSQL URI */

/* The PostgreSQL URI the tests run against, or NULL for SQLite. */
static inline const char *rs_test_pg_uri(void)
{
    const char *v = getenv(RS_TEST_PG_ENV);
    return v && v[0] ? v : NULL;
}

static inline bool rs_test_store_is_pg(void)
{
    return rs_test_pg_uri() != NULL;
}

/* "sqlite" or "postgresql", for messages. */
static inline const char *rs_test_store_backend(void)
{
    return rs_test_store_is_pg() ? "postgresql" : "sqlite";
}

/* t_<16 hex digits of the FNV-1a hash of `path`>: a database name that needs no quoting. */
static inline void rs_test__pg_dbname(const char *path, char *out, size_t cap)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    snprintf(out, cap, "t_%016" PRIx64, h);
}

/* RATSAAL_TEST_PG with its database (the URI's path) replaced by `dbname`. Returns 0, or -1
 * (not a postgresql:// URI, or too long). */
static inline int rs_test__pg_uri_for(const char *dbname, char *out, size_t cap)
{
    const char *uri = rs_test_pg_uri();
    const char *rest = uri ? strstr(uri, "://") : NULL;
    if (!rest || !rs_store_spec_is_pg(uri)) {
        fprintf(stderr, "store test: %s must be a postgresql:// URI\n", RS_TEST_PG_ENV);
        return -1;
    }
    rest += 3;
    size_t authority = strcspn(rest, "/?"); /* [user[:password]@][host][:port] */
    const char *query = strchr(rest, '?');  /* ?host=...&user=... or NULL */
    int n = snprintf(out, cap, "%.*s/%s%s", (int)(rest + authority - uri), uri, dbname,
                     query ? query : "");
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The spec rs_store_open takes for the test store at `path`: `path` itself on SQLite, the URI
 * of its database on PostgreSQL. Returns 0 or -1. */
static inline int rs_test_store_spec(const char *path, char *out, size_t cap)
{
    if (!rs_test_store_is_pg()) {
        int n = snprintf(out, cap, "%s", path);
        return n < 0 || (size_t)n >= cap ? -1 : 0;
    }
    char db[32];
    rs_test__pg_dbname(path, db, sizeof(db));
    return rs_test__pg_uri_for(db, out, cap);
}

static inline void rs_test__pg_no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* A connection to `uri`, or NULL (the reason on stderr). The caller owns it (PQfinish). */
static inline PGconn *rs_test__pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "store test: cannot connect to PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, rs_test__pg_no_notice, NULL); /* "... does not exist, skipping" */
    return c;
}

/* Runs `sql` (statements without results) on `c`. Returns 0 or -1 (the error on stderr). */
static inline int rs_test__pg_run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "store test: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* The maintenance connection: to the database RATSAAL_TEST_PG names. */
enum rs_test__pg_db { RS_TEST_PG_DROP = 1, RS_TEST_PG_CREATE = 2, RS_TEST_PG_ENSURE = 4 };

/* Drops and/or creates the database of `path` (ENSURE: creates it only when missing). */
static inline int rs_test__pg_database(const char *path, int what)
{
    /* the database this process last made or found: ENSURE needs no connection for it (a
     * test's open right after its setup made the database) */
    static char known[32];
    char db[32], sql[160];
    rs_test__pg_dbname(path, db, sizeof(db));
    if (what == RS_TEST_PG_ENSURE && strcmp(db, known) == 0)
        return 0;
    known[0] = 0;
    PGconn *c = rs_test__pg_connect(rs_test_pg_uri());
    if (!c)
        return -1;
    int rc = 0;
    bool force = PQserverVersion(c) >= 130000; /* ends a connection a failed test left open */
    if (what & RS_TEST_PG_DROP) {
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s%s", db,
                 force ? " WITH (FORCE)" : "");
        rc = rs_test__pg_run(c, sql);
    }
    if (rc == 0 && (what & RS_TEST_PG_ENSURE)) {
        const char *values[1] = {db};
        PGresult *r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
                                   values, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "store test: pg_database: %s", PQresultErrorMessage(r));
            rc = -1;
        } else if (PQntuples(r) == 0) {
            what |= RS_TEST_PG_CREATE;
        }
        PQclear(r);
    }
    if (rc == 0 && (what & RS_TEST_PG_CREATE)) {
        /* FILE_COPY (PostgreSQL 15): faster than logging a copy of the small template */
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s%s", db,
                 PQserverVersion(c) >= 150000 ? " STRATEGY FILE_COPY" : "");
        rc = rs_test__pg_run(c, sql);
    }
    if (rc == 0 && (what & (RS_TEST_PG_CREATE | RS_TEST_PG_ENSURE)))
        snprintf(known, sizeof(known), "%s", db);
    PQfinish(c);
    return rc;
}

/* Makes the test store at `path` empty: on SQLite deletes the file with its WAL and
 * shared-memory files, on PostgreSQL drops the path's database and creates it again (with no
 * schema: the next open migrates). Returns 0 or -1. */
static inline int rs_test_store_fresh(const char *path)
{
    if (rs_test_store_is_pg())
        return rs_test__pg_database(path, RS_TEST_PG_DROP | RS_TEST_PG_CREATE);
    char p[1100];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    return 0;
}

/* Opens the test store at `path` (rs_store_open on its spec); on PostgreSQL its database is
 * made when missing. On success `*out` is a new store the caller owns (rs_store_close). Returns
 * what the open returns, or -EIO when the database could not be made. */
static inline int rs_test_store_open(const char *path, struct rs_store **out)
{
    char spec[RS_TEST_SPEC_MAX];
    if (rs_test_store_spec(path, spec, sizeof(spec)))
        return -EINVAL;
    if (rs_test_store_is_pg() && rs_test__pg_database(path, RS_TEST_PG_ENSURE))
        return -EIO;
    return rs_store_open(spec, out);
}

/* On PostgreSQL: a connection of its own to the test store at `path` (the caller owns it:
 * PQfinish), or NULL (the reason on stderr). */
static inline PGconn *rs_test_store_pg_connect(const char *path)
{
    char spec[RS_TEST_SPEC_MAX];
    if (!rs_test_store_is_pg() || rs_test_store_spec(path, spec, sizeof(spec)))
        return NULL;
    return rs_test__pg_connect(spec);
}

/* Runs `sql` (statements without results, in the backend's dialect) on the test store at
 * `path` through a connection of its own. Returns 0, or -1 with the error on stderr. */
static inline int rs_test_store_exec(const char *path, const char *sql)
{
    if (rs_test_store_is_pg()) {
        PGconn *c = rs_test_store_pg_connect(path);
        if (!c)
            return -1;
        int rc = rs_test__pg_run(c, sql);
        PQfinish(c);
        return rc;
    }
    sqlite3 *db;
    char *msg = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "store test: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

/* The first column of the first row of `sql` as an integer (a count), read from the test store
 * at `path` through a connection of its own; -1 on any failure (the reason on stderr). */
static inline int64_t rs_test_store_query_int(const char *path, const char *sql)
{
    int64_t v = -1;
    if (rs_test_store_is_pg()) {
        PGconn *c = rs_test_store_pg_connect(path);
        if (!c)
            return -1;
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else
            fprintf(stderr, "store test: %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        return v;
    }
    sqlite3 *db;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    else
        fprintf(stderr, "store test: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* test_db_dir (tests/support/tmpdir.h) and an empty test store at <dir>/ratsaal.db: a setup's
 * first step. Returns 0, or -1 when it cannot. */
static inline int rs_test_store_dir(char *dir, size_t dir_cap, char *db, size_t db_cap,
                                    const char *name)
{
    if (test_db_dir(dir, dir_cap, db, db_cap, name))
        return -1;
    return rs_test_store_fresh(db);
}

/* Deletes the test store at `path`: its SQLite files, or its PostgreSQL database. Returns 0 or
 * -1. */
static inline int rs_test_store_drop(const char *path)
{
    if (rs_test_store_is_pg())
        return rs_test__pg_database(path, RS_TEST_PG_DROP);
    return rs_test_store_fresh(path);
}

/* Removes what rs_test_store_dir made, the PostgreSQL database included: a teardown's last
 * step (after rs_store_close). */
static inline void rs_test_store_dir_remove(const char *dir, const char *db)
{
    rs_test_store_drop(db);
    test_db_dir_remove(dir, db);
}

/* In a test: skips it (cmocka's skip()) unless the store is SQLite, saying why. */
#define rs_test_skip_unless_sqlite(why)                                                            \
    do {                                                                                           \
        if (rs_test_store_is_pg()) {                                                               \
            print_message("[  SKIP    ] on PostgreSQL: %s\n", why);                                \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* In a test: skips it unless the store tests run on PostgreSQL, saying why. */
#define rs_test_skip_unless_pg(why)                                                                \
    do {                                                                                           \
        if (!rs_test_store_is_pg()) {                                                              \
            print_message("[  SKIP    ] without " RS_TEST_PG_ENV ": %s\n", why);                   \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
