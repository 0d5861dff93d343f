/* SPDX-License-Identifier: EUPL-1.2 */
/* A fresh directory under /tmp for a test (its SQLite database, its TLS files), removed by the
 * test's teardown. Header-only, shared by the unit tests. */
#ifndef RS_TESTS_TMPDIR_H
#define RS_TESTS_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates /tmp/<name>-<six random characters> and puts its path in `dir`. Returns 0, or -1
 * when it cannot. */
static inline int test_tmp_dir(char *dir, size_t dir_cap, const char *name)
{
    int n = snprintf(dir, dir_cap, "/tmp/%s-", name);
    if (n < 0 || (size_t)n + 7 > dir_cap)
        return -1;
    memset(dir + n, 'X', 6); /* the suffix mkdtemp(3) replaces with random characters */
    dir[n + 6] = 0;
    return mkdtemp(dir) ? 0 : -1;
}

/* A test_tmp_dir in `dir`, and <dir>/ratsaal.db in `db`. Returns 0, or -1 when it cannot. */
static inline int test_db_dir(char *dir, size_t dir_cap, char *db, size_t db_cap,
                              const char *name)
{
    if (test_tmp_dir(dir, dir_cap, name))
        return -1;
    int n = snprintf(db, db_cap, "%s/ratsaal.db", dir);
    return n < 0 || (size_t)n >= db_cap ? -1 : 0;
}

/* Removes what test_db_dir made: the database with its WAL and shared-memory files, and the
 * directory. */
static inline void test_db_dir_remove(const char *dir, const char *db)
{
    char p[160];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", db, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

#endif
