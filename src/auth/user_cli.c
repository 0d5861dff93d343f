/* SPDX-License-Identifier: EUPL-1.2 */
/* The `ratsaal user` command: local accounts for installations without an identity provider.
 *
 * It opens the same database as the server (SQLite in WAL mode, or PostgreSQL, lets it write
 * while a server runs) and goes through the store interface like everything else. Passwords never
 * appear on the command line (where `ps` and shell history would see them): they are prompted for
 * without echo on a terminal, or read as one line from a pipe, checked against the password policy,
 * hashed with argon2id and wiped from memory.
 *
 * The one subtle thing: stdin is read with read(2) byte by byte rather than through stdio, so
 * nothing beyond the password's line is swallowed into a stdio buffer, and the terminal's echo
 * is restored on every path once it was turned off. */
#include "auth/user_cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/password.h"
#include "core/clock.h"
#include "core/config.h"
#include "store/store.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define LINE_CAP (RS_PASSWORD_MAX_BYTES + 2)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ratsaal user add NAME --role admin|moderator|user [--display-name TEXT]\n"
            "                           [--email TEXT] [--tenant TENANT]\n"
            "       ratsaal user passwd NAME\n"
            "       ratsaal user list\n"
            "       ratsaal user disable NAME\n"
            "       ratsaal user enable NAME\n"
            "Every command takes --data DIR: the data directory holding ratsaal.db (default\n"
            "./var, the server's data_dir), and --config FILE: the server's config file, whose\n"
            "store (PostgreSQL) or data_dir is used. --help after any command prints this text.\n"
            "NAME: 1-64 characters of A-Z a-z 0-9 . _ @ -. Passwords are read from the\n"
            "terminal (no echo) or as one line from stdin; at least %d characters.\n",
            RS_PASSWORD_MIN_CHARS);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "ratsaal user: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return EXIT_USAGE;
}

/* Reads one line from stdin into `buf` (`cap` bytes) without its newline. Returns 0, -ENODATA
 * at end of input before any character, -E2BIG if the line does not fit, -EIO. */
static int read_line(char *buf, size_t cap)
{
    size_t n = 0;
    bool too_long = false, any = false;
    for (;;) {
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -EIO;
        if (r == 0) {
            if (!any)
                return -ENODATA;
            break;
        }
        any = true;
        if (c == '\n')
            break;
        if (n + 1 >= cap) {
            too_long = true; /* keep reading to the end of the line */
            continue;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = 0;
    return too_long ? -E2BIG : 0;
}

static int prompt_line(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    bool restore = false;
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    int rc = read_line(buf, cap);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return rc;
}

/* Gets a new password into `buf` (LINE_CAP bytes) and checks the policy. Returns 0 or prints
 * the reason and returns -1. */
static int get_new_password(char *buf)
{
    int rc;
    if (isatty(STDIN_FILENO)) {
        char again[LINE_CAP];
        rc = prompt_line("Password: ", buf, LINE_CAP);
        if (rc == 0)
            rc = prompt_line("Repeat: ", again, sizeof(again));
        if (rc == 0 && strcmp(buf, again) != 0) {
            fprintf(stderr, "ratsaal user: the passwords do not match\n");
            rc = -1;
        }
        OPENSSL_cleanse(again, sizeof(again));
        if (rc == -1)
            return -1;
    } else {
        rc = read_line(buf, LINE_CAP);
    }
    if (rc == -ENODATA) {
        fprintf(stderr, "ratsaal user: no password given on stdin\n");
        return -1;
    }
    if (rc == -E2BIG)
        rc = RS_PASSWORD_TOO_LONG;
    if (rc == 0)
        rc = rs_password_check_policy(buf);
    switch (rc) {
    case 0:
        return 0;
    case RS_PASSWORD_TOO_SHORT:
        fprintf(stderr, "ratsaal user: password too short: at least %d characters\n",
                RS_PASSWORD_MIN_CHARS);
        return -1;
    case RS_PASSWORD_TOO_LONG:
        fprintf(stderr, "ratsaal user: password too long: at most %d bytes\n",
                RS_PASSWORD_MAX_BYTES);
        return -1;
    case RS_PASSWORD_BAD_UTF8:
        fprintf(stderr, "ratsaal user: password is not valid UTF-8\n");
        return -1;
    default:
        fprintf(stderr, "ratsaal user: cannot read the password: %s\n", strerror(-rc));
        return -1;
    }
}

/* Prompts for a new password and writes its argon2id hash into `hash`. */
static int new_password_hash(char *hash, size_t cap)
{
    char password[LINE_CAP];
    int rc = get_new_password(password);
    if (rc == 0) {
        rc = rs_password_hash(password, hash, cap);
        if (rc)
            fprintf(stderr, "ratsaal user: cannot hash the password: %s\n", strerror(-rc));
    }
    OPENSSL_cleanse(password, sizeof(password));
    return rc ? -1 : 0;
}

static struct rs_store *open_store(const char *store_spec)
{
    struct rs_store *st = NULL;
    if (rs_store_open(store_spec, &st)) {
        char shown[RS_CONFIG_STORE_MAX];
        fprintf(stderr, "ratsaal user: cannot open the database %s\n",
                rs_config_store_display(store_spec, shown, sizeof(shown)));
        return NULL;
    }
    return st;
}

static int find_user(struct rs_store *st, const char *name, struct rs_user_record *u)
{
    int rc = rs_store_user_get_by_username(st, name, u);
    if (rc == -ENOENT)
        fprintf(stderr, "ratsaal user: no local user named %s\n", name);
    else if (rc)
        fprintf(stderr, "ratsaal user: database error reading %s\n", name);
    return rc;
}

/* Copies `in` into `out` for a terminal: control characters become '?'. */
static const char *printable(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        out[n++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
    out[n] = 0;
    return out;
}

static int print_user(const struct rs_user_record *u, void *ctx)
{
    char name[RS_USERNAME_MAX + 1], tenant[RS_TENANT_MAX + 1], display[RS_DISPLAY_NAME_MAX + 1];
    char login[32] = "never";
    if (u->last_login_ms > 0) {
        time_t t = (time_t)(u->last_login_ms / 1000);
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(login, sizeof(login), "%Y-%m-%dT%H:%MZ", &tm);
    }
    printf("%-17s  %-24s  %-5s  %-9s  %-16s  %-8s  %-17s  %s\n", u->id,
           u->username[0] ? printable(u->username, name, sizeof(name)) : "-",
           u->username[0] ? "local" : "oidc", rs_user_role_name(u->role),
           u->tenant[0] ? printable(u->tenant, tenant, sizeof(tenant)) : "-",
           u->disabled ? "disabled" : "active", login,
           printable(u->display_name, display, sizeof(display)));
    (*(int *)ctx)++;
    return 0;
}

static int cmd_add(int argc, char **argv, const char *store_spec)
{
    const char *name = NULL, *role_text = NULL, *display = NULL, *email = "", *tenant = "";
    for (int i = 2; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--role") == 0)
            slot = &role_text;
        else if (strcmp(argv[i], "--display-name") == 0)
            slot = &display;
        else if (strcmp(argv[i], "--email") == 0)
            slot = &email;
        else if (strcmp(argv[i], "--tenant") == 0)
            slot = &tenant;
        else if (argv[i][0] == '-')
            return usage_error("unknown option", argv[i]);
        else if (name)
            return usage_error("unexpected argument", argv[i]);
        else
            name = argv[i];
        if (slot) {
            if (i + 1 >= argc)
                return usage_error("missing value for", argv[i]);
            *slot = argv[++i];
        }
    }
    if (!name)
        return usage_error("missing NAME", NULL);
    if (!rs_username_valid(name))
        return usage_error("invalid NAME (1-64 of A-Z a-z 0-9 . _ @ -)", name);
    struct rs_user_record u;
    memset(&u, 0, sizeof(u));
    if (!role_text)
        return usage_error("missing --role admin|moderator|user", NULL);
    if (rs_user_role_parse(role_text, &u.role))
        return usage_error("--role must be admin, moderator or user", role_text);
    if (!display)
        display = name;
    if (!display[0] || strlen(display) > RS_DISPLAY_NAME_MAX)
        return usage_error("--display-name must be 1-255 bytes", NULL);
    if (strlen(email) > RS_EMAIL_MAX)
        return usage_error("--email too long", NULL);
    if (strlen(tenant) > RS_TENANT_MAX)
        return usage_error("--tenant too long", NULL);
    memcpy(u.username, name, strlen(name));
    memcpy(u.display_name, display, strlen(display));
    memcpy(u.email, email, strlen(email));
    memcpy(u.tenant, tenant, strlen(tenant));

    struct rs_store *st = open_store(store_spec);
    if (!st)
        return EXIT_FAIL;
    int status = EXIT_FAIL;
    struct rs_user_record existing;
    int rc = rs_store_user_get_by_username(st, name, &existing);
    if (rc == 0) {
        fprintf(stderr, "ratsaal user: a user named %s already exists\n", name);
        goto out_close;
    }
    if (rc != -ENOENT) {
        fprintf(stderr, "ratsaal user: database error\n");
        goto out_close;
    }
    if (new_password_hash(u.password_hash, sizeof(u.password_hash)))
        goto out_close;
    u.created_at_ms = rs_wall_ms();
    rc = rs_store_user_create(st, &u);
    if (rc == -EEXIST) {
        fprintf(stderr, "ratsaal user: a user named %s already exists\n", name);
    } else if (rc) {
        fprintf(stderr, "ratsaal user: cannot store the user: %s\n", strerror(-rc));
    } else {
        printf("user %s added: id %s, role %s\n", name, u.id, rs_user_role_name(u.role));
        status = 0;
    }
out_close:
    OPENSSL_cleanse(u.password_hash, sizeof(u.password_hash));
    rs_store_close(st);
    return status;
}

/* passwd, disable, enable: one NAME and no options. */
static int cmd_one_user(int argc, char **argv, const char *store_spec)
{
    const char *action = argv[1];
    if (argc != 3)
        return usage_error(argc < 3 ? "missing NAME" : "unexpected argument",
                           argc < 3 ? NULL : argv[3]);
    const char *name = argv[2];
    if (!rs_username_valid(name))
        return usage_error("invalid NAME (1-64 of A-Z a-z 0-9 . _ @ -)", name);
    struct rs_store *st = open_store(store_spec);
    if (!st)
        return EXIT_FAIL;
    int status = EXIT_FAIL;
    struct rs_user_record u;
    if (find_user(st, name, &u))
        goto out_close;
    int rc, ended = 0;
    if (strcmp(action, "passwd") == 0) {
        char hash[RS_STORE_HASH_MAX + 1];
        if (new_password_hash(hash, sizeof(hash)))
            goto out_close;
        rc = rs_store_user_set_password(st, u.id, hash);
        OPENSSL_cleanse(hash, sizeof(hash));
    } else {
        rc = rs_store_user_set_disabled(st, u.id, strcmp(action, "disable") == 0);
    }
    if (rc == 0 && strcmp(action, "enable") != 0) {
        ended = rs_store_session_delete_user(st, u.id);
        rc = ended < 0 ? ended : 0;
    }
    if (rc) {
        fprintf(stderr, "ratsaal user: cannot update %s: %s\n", name, strerror(-rc));
        goto out_close;
    }
    if (strcmp(action, "passwd") == 0)
        printf("password of %s changed; %d session(s) ended\n", name, ended);
    else if (strcmp(action, "disable") == 0)
        printf("user %s disabled; %d session(s) ended\n", name, ended);
    else
        printf("user %s enabled\n", name);
    status = 0;
out_close:
    rs_store_close(st);
    return status;
}

static int cmd_list(int argc, char **argv, const char *store_spec)
{
    if (argc != 2)
        return usage_error("unexpected argument", argv[2]);
    struct rs_store *st = open_store(store_spec);
    if (!st)
        return EXIT_FAIL;
    int n = 0;
    printf("%-17s  %-24s  %-5s  %-9s  %-16s  %-8s  %-17s  %s\n", "ID", "USERNAME", "AUTH", "ROLE",
           "TENANT", "STATUS", "LAST LOGIN", "DISPLAY NAME");
    int rc = rs_store_user_list(st, print_user, &n);
    rs_store_close(st);
    if (rc) {
        fprintf(stderr, "ratsaal user: cannot list users\n");
        return EXIT_FAIL;
    }
    return 0;
}

int rs_user_cli(int argc, char **argv, const char *store_spec)
{
    if (argc < 2)
        return usage_error("missing action", NULL);
    const char *action = argv[1];
    if (strcmp(action, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) { /* `ratsaal user add --help` asks, it is no bad option */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    if (strcmp(action, "add") == 0)
        return cmd_add(argc, argv, store_spec);
    if (strcmp(action, "passwd") == 0 || strcmp(action, "disable") == 0 ||
        strcmp(action, "enable") == 0)
        return cmd_one_user(argc, argv, store_spec);
    if (strcmp(action, "list") == 0)
        return cmd_list(argc, argv, store_spec);
    return usage_error("unknown action", action);
}
