/* SPDX-License-Identifier: EUPL-1.2 */
/* `ratsaal migrate`: moving the server's SQLite database to PostgreSQL (migrate.h).
 *
 *   ratsaal migrate --from SQLITE_FILE --to postgresql://...
 *
 * Run with the server stopped; docs/operations.md "PostgreSQL" has the steps. */
#ifndef RS_STORE_MIGRATE_CLI_H
#define RS_STORE_MIGRATE_CLI_H

/* Runs the command. `argv` (borrowed) holds `argc` arguments starting at the word "migrate"
 * (argv[0]; ignored). Writes a per-table summary to stdout and one-line errors to stderr; never
 * prints a password the target's URI holds. Returns the process exit status: 0 copied and
 * counted, 1 failed (nothing copied), 2 usage error. */
int rs_migrate_cli(int argc, char **argv);

#endif
