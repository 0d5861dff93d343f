/* SPDX-License-Identifier: EUPL-1.2 */
/* The `ratsaal migrate` command (migrate_cli.h): arguments in, rs_store_migrate, a per-table
 * summary out. The target's URI is only ever shown without its user information and password
 * (rs_config_store_display): the summary may end up in a ticket or a shell log. */
#include "store/migrate_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "store/migrate.h"
#include "store/store.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ratsaal migrate --from SQLITE_FILE --to postgresql://...\n"
            "Copies the server's SQLite database (ratsaal.db in its data_dir) into a new, empty\n"
            "PostgreSQL database, in one transaction: all of it or nothing. The database must\n"
            "exist (createdb); ratsaal creates its tables. The SQLite file is only read (after\n"
            "the schema migrations the server would run at its next start).\n"
            "Stop the server first. The copy must not run against a database a running server\n"
            "writes to: it holds SQLite's write lock while it copies (such a server's writes\n"
            "fail meanwhile), and what a server writes afterwards is not in the copy.\n"
            "Then set `store = postgresql://...` in the config and start the server.\n"
            "Exit status: 0 copied and counted, 1 failed (nothing copied), 2 usage.\n");
}

static int usage_error(const char *what)
{
    fprintf(stderr, "ratsaal migrate: %s\n", what);
    usage(stderr);
    return EXIT_USAGE;
}

struct summary {
    unsigned tables;
    int64_t rows;
};

static void print_table(const char *table, int64_t rows, void *ctx)
{
    struct summary *s = ctx;
    s->tables++;
    s->rows += rows;
    printf("  %-20s %10" PRId64 " row%s\n", table, rows, rows == 1 ? "" : "s");
}

int rs_migrate_cli(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            strcmp(argv[i], "help") == 0) {
            usage(stdout);
            return 0;
        }
        const char **dst = strcmp(argv[i], "--from") == 0 ? &from
                           : strcmp(argv[i], "--to") == 0 ? &to
                                                          : NULL;
        if (!dst)
            return usage_error("unknown argument (see --help)");
        if (i + 1 >= argc || !argv[i + 1][0])
            return usage_error(dst == &from ? "--from: missing SQLITE_FILE"
                                            : "--to: missing postgresql:// URI");
        if (*dst)
            return usage_error(dst == &from ? "--from given twice" : "--to given twice");
        *dst = argv[++i];
    }
    if (!from || !to)
        return usage_error("both --from and --to are needed");
    if (!rs_store_spec_is_pg(to))
        return usage_error("--to: expected a postgresql:// (or postgres://) URI");

    char shown[RS_CONFIG_STORE_MAX];
    rs_config_store_display(to, shown, sizeof(shown));
    printf("ratsaal migrate: copying %s into %s\n", from, shown);
    fflush(stdout);
    struct summary s = {0};
    char why[512];
    int rc = rs_store_migrate(from, to, print_table, &s, why, sizeof(why));
    if (rc) {
        fprintf(stderr, "ratsaal migrate: %s; nothing was copied\n", why);
        return EXIT_FAIL;
    }
    printf("ratsaal migrate: done: %u tables, %" PRId64 " row%s, counted in both databases.\n"
           "Now set `store` in the config to the URI given to --to and start the server;\n"
           "keep %s as the backup of this moment.\n",
           s.tables, s.rows, s.rows == 1 ? "" : "s", from);
    return 0;
}
