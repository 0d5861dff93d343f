/* SPDX-License-Identifier: EUPL-1.2 */
/* ratsaal: command-line entry point.
 *
 *   ratsaal serve [--config FILE] [--listen ADDR:PORT] [--data DIR] [--udp-port N] ...
 *   ratsaal user ..., ratsaal vote verify FILE, ratsaal migrate --from FILE --to URI
 *   ratsaal --version | --help
 *
 * Exit status: 0 after a clean shutdown, 1 when the server could not start or failed,
 * 2 for a bad command line or configuration (one line on stderr naming the key). */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/app.h"
#include "core/config.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/wakeup.h"
#include "auth/oidc_http.h"
#include "auth/user_cli.h"
#include "http/api.h"
#include "http/cluster_glue.h"
#include "http/recording_api.h"
#include "http/server.h"
#include "http/tls.h"
#include "core/clock.h"
#include "room/attendance.h"
#include "room/recording.h"
#include "room/room.h"
#include "room/vote_tally.h"
#include "sfu/sfu.h"
#include "store/migrate_cli.h"
#include "store/store.h"

/* What a signal handler may touch: the control loop's wake-up, to ask it to stop. */
static struct rs_wakeup *stop_target;

static void on_signal(int sig)
{
    if (stop_target)
        rs_wakeup_request_stop(stop_target);
}

/* SIGHUP: re-read the TLS certificate and key, on the control thread (http/server.c). */
static void on_hangup(int sig)
{
    if (stop_target)
        rs_wakeup_request_reload(stop_target);
}

static void wake_control(void *wakeup)
{
    rs_wakeup_wake(wakeup);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Ratsaal %s - video conferencing for councils and committees\n"
            "\n"
            "Usage:\n"
            "  ratsaal serve [options]   run the server\n"
            "  ratsaal user add NAME --role admin|moderator|user [--data DIR]\n"
            "                            create a local account (password prompted)\n"
            "  ratsaal user passwd|disable NAME, ratsaal user list [--data DIR]\n"
            "                            (--config FILE: the server's data_dir and store)\n"
            "  ratsaal migrate --from SQLITE_FILE --to postgresql://...\n"
            "                            copy the SQLite database to PostgreSQL (server stopped)\n"
            "  ratsaal vote verify FILE  check an exported vote record (exit 0 intact, 1 altered)\n"
            "  ratsaal --version         print the version\n"
            "  ratsaal --help            this text\n"
            "\n"
            "Options for serve (they override the config file):\n"
            "  --config FILE        config file (key = value lines; see conf/ratsaal.conf)\n"
            "  --listen ADDR:PORT   HTTP/WebSocket address (default 127.0.0.1:8080)\n"
            "  --data DIR           data directory for the database (default ./var)\n"
            "  --web DIR            browser client files (default ./web)\n"
            "  --udp-port N         first UDP port for media (default 40000); media worker k\n"
            "                       uses N + k\n"
            "  --media-workers N    media worker threads: auto (one per usable CPU, at most 16)\n"
            "                       or 1-16\n"
            "  --public-ip IP       address announced to browsers for media (default: listen "
            "address)\n"
            "  --log-level LEVEL    debug, info, warn or error (default info)\n",
            RS_VERSION);
}

static int mkdir_p(const char *path)
{
    char tmp[RS_CONFIG_PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0750) && errno != EEXIST)
        return -errno;
    return 0;
}

/* When the configured web root is the default and missing, look next to the binary. */
static void resolve_web_root(struct rs_config *cfg, int explicit)
{
    char probe[RS_CONFIG_PATH_MAX + 16];
    snprintf(probe, sizeof(probe), "%s/index.html", cfg->web_root);
    if (explicit || access(probe, R_OK) == 0)
        return;
    char exe[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    char candidate[PATH_MAX + 32];
    snprintf(candidate, sizeof(candidate), "%s/../web/index.html", exe);
    if (access(candidate, R_OK) == 0)
        snprintf(cfg->web_root, sizeof(cfg->web_root), "%.*s/../web",
                 (int)(sizeof(cfg->web_root) - 8), exe);
}

static int serve(int argc, char **argv)
{
    static struct rs_app app;
    /* Large, short-lived allocations (a parsed SDP is ~2.8 MB) must come from mmap and go back
     * to the system when freed; glibc's adaptive threshold would otherwise move them onto the
     * heap after the first free and keep that memory for good. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    struct rs_config *cfg = &app.cfg;
    char err[512];
    rs_config_defaults(cfg);

    /* The config file first, so flags override it wherever they stand. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ratsaal: --config: missing FILE\n");
                return 2;
            }
            if (rs_config_load(cfg, argv[i + 1], err, sizeof(err))) {
                fprintf(stderr, "ratsaal: config: %s\n", err);
                return 2;
            }
        }
    }
    static const struct {
        const char *flag, *key;
    } flags[] = {
        {"--listen", "listen"},
        {"--data", "data_dir"},
        {"--web", "web_root"},
        {"--udp-port", "udp_port"},
        {"--media-workers", "media_workers"},
        {"--public-ip", "public_ip"},
        {"--log-level", "log_level"},
    };
    int web_explicit = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            i++;
            continue;
        }
        int known = 0;
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
            if (strcmp(argv[i], flags[f].flag) != 0)
                continue;
            known = 1;
            if (i + 1 >= argc) {
                fprintf(stderr, "ratsaal: %s: missing value\n", argv[i]);
                return 2;
            }
            if (rs_config_set(cfg, flags[f].key, argv[i + 1], err, sizeof(err))) {
                fprintf(stderr, "ratsaal: %s: %s\n", argv[i], err);
                return 2;
            }
            web_explicit |= strcmp(flags[f].key, "web_root") == 0;
            i++;
        }
        if (!known) {
            fprintf(stderr, "ratsaal: unknown option '%s' (see ratsaal --help)\n", argv[i]);
            return 2;
        }
    }
    if (rs_config_validate(cfg, err, sizeof(err))) {
        fprintf(stderr, "ratsaal: config: %s\n", err);
        return 2;
    }
    if (cfg->tls_cert[0]) { /* the files, before anything starts (HTTP loads them again) */
        struct rs_tls *tls;
        if (rs_tls_new(cfg->tls_cert, cfg->tls_key, &tls, err, sizeof(err))) {
            fprintf(stderr, "ratsaal: config: %s\n", err);
            return 2;
        }
        rs_tls_free(tls);
    }
    rs_log_set_level(cfg->log_level);
    resolve_web_root(cfg, web_explicit);

    int rc = mkdir_p(cfg->data_dir);
    if (rc) {
        fprintf(stderr, "ratsaal: data_dir: cannot create %s: %s\n", cfg->data_dir,
                strerror(-rc));
        return 2;
    }
    char spec[RS_CONFIG_STORE_MAX + RS_CONFIG_PATH_MAX], shown[RS_CONFIG_STORE_MAX];
    if (rs_config_store_spec(cfg, spec, sizeof(spec))) {
        fprintf(stderr, "ratsaal: data_dir: too long\n");
        return 2;
    }
    rs_config_store_display(spec, shown, sizeof(shown));
    if (rs_store_open(spec, &app.store)) {
        fprintf(stderr, "ratsaal: store: cannot open database %s (see the log above)\n", shown);
        return 1;
    }
    /* stays a previous process left open end now (docs/api.md "Attendance"). In a cluster
     * only this node's own: the shared store holds the other, live nodes' open rows too, each
     * with the node that opened it (docs/security.md F8; a gone node's rows are closed by the
     * others, http/cluster_sweep.h) */
    const char *node = cfg->cluster_redis[0] ? cfg->cluster_node_id : NULL;
    rs_store_set_node(app.store, node);
    rs_attendance_close_stale(app.store, rs_wall_ms(), node);
    /* recordings_dir and live_dir (0700); recordings a previous process left open end now */
    if (rs_recordings_startup(&app, rs_wall_ms(), err, sizeof(err)))
        RS_WARN("recording", "event=dirs_failed msg=\"%s\"", err);
    app.rooms = rs_rooms_new(&app);
    if (!app.rooms) {
        rs_store_close(app.store);
        return 1;
    }
    if (rs_oidc_http_global_init()) {
        fprintf(stderr, "ratsaal: libcurl could not be initialised\n");
        rs_rooms_free(app.rooms);
        rs_store_close(app.store);
        return 1;
    }
    rc = rs_cluster_glue_start(&app, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "ratsaal: %s\n", err);
        rs_rooms_free(app.rooms);
        rs_store_close(app.store);
        return rc == -EINVAL ? 2 : 1;
    }
    struct rs_http *http;
    rc = rs_http_start(&app, &http, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "ratsaal: %s\n", err);
        rs_cluster_glue_stop(&app);
        rs_rooms_free(app.rooms);
        rs_store_close(app.store);
        return rc == -EINVAL ? 2 : 1; /* -EINVAL: tls_cert/tls_key files, a config problem */
    }
    if (rs_sfu_start(&app, err, sizeof(err))) {
        fprintf(stderr, "ratsaal: media: %s\n", err);
        rs_cluster_glue_stop(&app);
        rs_http_free(http);
        rs_rooms_free(app.rooms);
        rs_store_close(app.store);
        return 1;
    }

    if (rs_jobs_start(wake_control, &app.wakeup)) {
        fprintf(stderr, "ratsaal: cannot start the job thread\n");
        return 1;
    }

    stop_target = &app.wakeup;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    RS_INFO("main", "event=started version=%s http=%s:%u udp=%u data=%s store=%s", RS_VERSION,
            cfg->listen_addr, cfg->listen_port, cfg->udp_port, cfg->data_dir,
            cfg->store[0] ? shown : "sqlite");
    rs_http_run(http, 2000);
    rs_cluster_glue_stop(&app); /* the sessions are gone: release the leases, leave */
    rs_jobs_stop();
    rs_api_shutdown(&app);
    rs_recording_shutdown(); /* while the media plane still runs: the feeds close first */
    rs_sfu_stop(&app);
    stop_target = NULL;
    rs_http_free(http);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    rs_oidc_http_global_cleanup();
    RS_INFO("main", "event=stopped");
    return 0;
}

/* ratsaal user ... [--config FILE] [--data DIR]: local accounts (auth/user_cli.c), in the
 * database the server's configuration names (its `store`, or ratsaal.db in data_dir). */
static int user_command(int argc, char **argv)
{
    struct rs_config cfg;
    char err[512];
    char *rest[32];
    const char *data = NULL;
    int n = 0;
    rs_config_defaults(&cfg);
    rest[n++] = "user";
    for (int i = 0; i < argc && n < 31; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            if (rs_config_load(&cfg, argv[++i], err, sizeof(err))) {
                fprintf(stderr, "ratsaal: config: %s\n", err);
                return 2;
            }
            continue;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
            continue;
        }
        rest[n++] = argv[i];
    }
    rest[n] = NULL;
    if (data && rs_config_set(&cfg, "data_dir", data, err, sizeof(err))) { /* over --config */
        fprintf(stderr, "ratsaal: --data: %s\n", err);
        return 2;
    }
    if (!cfg.store[0] && mkdir_p(cfg.data_dir)) {
        fprintf(stderr, "ratsaal: data_dir: cannot create %s\n", cfg.data_dir);
        return 2;
    }
    char spec[RS_CONFIG_STORE_MAX + RS_CONFIG_PATH_MAX];
    if (rs_config_store_spec(&cfg, spec, sizeof(spec))) {
        fprintf(stderr, "ratsaal: data_dir: too long\n");
        return 2;
    }
    return rs_user_cli(n, rest, spec);
}

#define RECORD_FILE_MAX (64L * 1024 * 1024)

/* ratsaal vote verify FILE: recomputes an exported record's hash chain (room/vote_tally.h). */
static int vote_command(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "verify") != 0) {
        fprintf(stderr, "usage: ratsaal vote verify FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "ratsaal: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    char *text = malloc(RECORD_FILE_MAX + 1);
    size_t len = text ? fread(text, 1, RECORD_FILE_MAX + 1, f) : 0;
    int bad_read = !text || ferror(f);
    fclose(f);
    if (bad_read || len > RECORD_FILE_MAX) {
        fprintf(stderr, "ratsaal: %s: %s\n", argv[1],
                bad_read ? "cannot read" : "larger than 64 MiB, not a vote record");
        free(text);
        return 2;
    }
    char why[256];
    unsigned entries = 0;
    int rc = rs_vote_record_verify(text, len, &entries, why, sizeof(why));
    free(text);
    if (rc) {
        printf("ALTERED: %s\n", why);
        return 1;
    }
    printf("OK: %u entries, the chain and every byte are as exported\n", entries);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
        printf("ratsaal %s\n", RS_VERSION);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "user") == 0)
        return user_command(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "vote") == 0)
        return vote_command(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "migrate") == 0)
        return rs_migrate_cli(argc - 1, argv + 1);

    if (argc >= 2)
        fprintf(stderr, "ratsaal: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
