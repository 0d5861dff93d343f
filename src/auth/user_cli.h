/* SPDX-License-Identifier: EUPL-1.2 */
/* `ratsaal user ...`: managing local accounts from the command line.
 *
 *   ratsaal user add NAME --role admin|moderator|user [--display-name TEXT] [--email TEXT]
 *                         [--tenant T]
 *   ratsaal user passwd NAME      (also ends the user's sessions)
 *   ratsaal user list
 *   ratsaal user disable NAME     (also ends the user's sessions)
 *   ratsaal user enable NAME
 *
 * Passwords are read from the terminal without echo ("Password:", "Repeat:") when stdin is a
 * terminal, else as one line from stdin (scripts, tests). */
#ifndef RS_AUTH_USER_CLI_H
#define RS_AUTH_USER_CLI_H

/* Runs one `user` command. `argv` (borrowed) holds `argc` arguments starting at the word
 * "user" (argv[0]; ignored) followed by the action and its arguments; the caller has removed
 * global options such as `--data DIR` and `--config FILE` and passes the store to open,
 * `store_spec` (borrowed; rs_store_open's spec: a SQLite file, whose directory must exist, or a
 * PostgreSQL URI, never printed with its password). Writes results to stdout and one-line
 * errors to stderr. Returns the process exit status: 0 success, 1 failure, 2 usage error. */
int rs_user_cli(int argc, char **argv, const char *store_spec);

#endif
