/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the HTTP front end on the wire. The input is what a client writes to the
 * server's TCP port: request line, headers, body, more requests on the same connection, or a
 * WebSocket upgrade to /signaling followed by frames.
 *
 * The real server (http/server.c, included here so the target can turn its event loop one
 * step at a time) listens on a loopback port with the usual edge: Host checked against
 * public_url, Origin, framing (Content-Length only), 127.0.0.1 a trusted proxy whose
 * X-Forwarded-For names the client, a /metrics token, the per-address limits. Behind it a
 * SQLite store in memory with an account and a login session (the cookie
 * `ratsaal_session=fuzz-http-session-0123456789abcdef`), a managed meeting `m0123456789` of
 * that account, a web root with the pages, the room registry, and the job thread (local login,
 * password change) as the server runs it. So lws' own request parser and everything of ours
 * that reads a request is reached with the input: paths, query arguments (`lang`, `return`,
 * `invite`, `table`, OIDC's `code`/`state`), cookies (the session, `ratsaal_lang`), Host,
 * Origin, Content-Length and Content-Type, Accept-Language, X-Forwarded-For, Authorization,
 * the REST bodies, the live pages, and the signaling WebSocket.
 *
 * Per input: connect, write the input, turn the loop until the answer stops coming, close our
 * side, turn it until the server closed too (or 300 ms passed). The connection's end is seen
 * within the input, so nothing of it carries over to the next one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "http/server.c"

#define FUZZ_SESSION_TOKEN "fuzz-http-session-0123456789abcdef"

static struct rs_app fz_app;
static struct rs_http *fz_http;
static uint16_t fz_port;
static char fz_dir[64];

#define must(cond) must_at((cond), __LINE__)
static void must_at(int cond, int line)
{
    if (!cond) {
        fprintf(stderr, "http: set-up failed at fuzz.c:%d\n", line);
        abort();
    }
}

static const char *const fz_files[][2] = {
    {"index.html", "<!doctype html>\n<html lang=\"en\"><head><title>Ratsaal</title></head>"
                   "<body>start</body></html>\n"},
    {"room.html", "<!doctype html>\n<html lang=\"en\"><body>room</body></html>\n"},
    {"login.html", "<!doctype html>\n<html lang=\"en\"><body>login</body></html>\n"},
    {"meetings.html", "<!doctype html>\n<html lang=\"en\"><body>meetings</body></html>\n"},
    {"live.html", "<!doctype html>\n<html lang=\"en\"><body>live</body></html>\n"},
    {"js/app.js", "console.log('ratsaal');\n"},
    {"css/app.css", "body { margin: 0 }\n"},
    {"favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"},
};

static void remove_scratch(void)
{
    char p[160];
    for (size_t i = 0; i < sizeof(fz_files) / sizeof(fz_files[0]); i++) {
        snprintf(p, sizeof(p), "%s/web/%s", fz_dir, fz_files[i][0]);
        unlink(p);
    }
    static const char *const dirs[] = {"web/js", "web/css", "web", "recordings", "live", ""};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", fz_dir, dirs[i]);
        rmdir(p);
    }
}

static void write_file(const char *rel, const char *text)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/web/%s", fz_dir, rel);
    FILE *f = fopen(p, "w");
    must(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void set(const char *key, const char *value)
{
    char err[256];
    if (rs_config_set(&fz_app.cfg, key, value, err, sizeof(err))) {
        fprintf(stderr, "http: config %s: %s\n", key, err);
        abort();
    }
}

static void fz_wake(void *wakeup)
{
    rs_wakeup_wake(wakeup);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rs_log_set_level(RS_LOG_ERROR);
    signal(SIGPIPE, SIG_IGN);
    snprintf(fz_dir, sizeof(fz_dir), "/tmp/rs-fuzz-http-%d", (int)getpid());
    atexit(remove_scratch);
    char p[160];
    static const char *const dirs[] = {"", "web", "web/js", "web/css"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", fz_dir, dirs[i]);
        mkdir(p, 0700);
    }
    for (size_t i = 0; i < sizeof(fz_files) / sizeof(fz_files[0]); i++)
        write_file(fz_files[i][0], fz_files[i][1]);

    struct rs_config *cfg = &fz_app.cfg;
    rs_config_defaults(cfg);
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", fz_dir);
    snprintf(cfg->web_root, sizeof(cfg->web_root), "%s/web", fz_dir);
    set("public_url", "https://ratsaal.example");
    set("trusted_proxies", "127.0.0.1");
    set("metrics_token", "fuzz-metrics-token");
    set("login_rate_per_min", "2"); /* each local login costs an argon2id of 64 MiB */
    set("anonymous_meetings", "on");

    must(rs_store_open_sqlite(":memory:", &fz_app.store) == 0);
    struct rs_user_record u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "anna");
    snprintf(u.display_name, sizeof(u.display_name), "Anna");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=8,t=1,p=1$x$y");
    u.role = RS_USER_ROLE_ADMIN;
    must(rs_store_user_create(fz_app.store, &u) == 0);
    uint8_t hash[32];
    rs_auth_token_hash(FUZZ_SESSION_TOKEN, hash);
    must(rs_store_session_create(fz_app.store, hash, u.id, RS_LOGIN_LOCAL, NULL, NULL, 0,
                                 4102444800000LL) == 0);
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "m0123456789");
    snprintf(m.title, sizeof(m.title), "Ratssitzung");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", u.id);
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    must(rs_store_meeting_create(fz_app.store, &m) == 0);
    fz_app.rooms = rs_rooms_new(&fz_app);
    must(fz_app.rooms != NULL);

    /* a free port: try a few from one derived from the pid */
    char err[512];
    int rc = -1;
    for (int i = 0; i < 50 && rc; i++) {
        fz_port = (uint16_t)(20000 + (getpid() * 7 + i * 131) % 30000);
        cfg->listen_port = fz_port;
        rc = rs_http_start(&fz_app, &fz_http, err, sizeof(err));
    }
    if (rc) {
        fprintf(stderr, "http: %s\n", err);
        abort();
    }
    must(rs_jobs_start(fz_wake, &fz_app.wakeup) == 0);
    return 0;
}

/* One turn of the server's loop, without waiting. */
static void turn(void)
{
    lws_service(fz_http->ctx, -1);
}

/* Reads what the server sent; returns bytes read, 0 when nothing was there, -1 at its end. */
static ssize_t drain_client(int fd)
{
    char buf[16384];
    ssize_t total = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return total ? total : -1;
        return total;
    }
}

/* Waits up to `ms` for the client socket or the server's descriptors to have something. */
static void idle(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(fz_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        close(fd);
        return 0;
    }
    int64_t start = rs_mono_ms();
    size_t sent = 0;
    int got = 0, quiet = 0, eof = 0;
    /* write everything and read the answers until they stop coming (a job may take a while) */
    while (!eof && rs_mono_ms() - start < 300) {
        if (sent < size) {
            ssize_t n = send(fd, data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
                break;
        }
        turn();
        ssize_t r = drain_client(fd);
        if (r < 0)
            eof = 1;
        else if (r > 0)
            got = 1, quiet = 0;
        else if (sent == size && ++quiet > (got ? 3 : 40))
            break;
        if (r == 0 && sent == size)
            idle(fd, quiet > 10 ? 1 : 0);
    }
    /* our side ends; the server must close its side too */
    shutdown(fd, SHUT_WR);
    while (!eof && rs_mono_ms() - start < 300) {
        turn();
        ssize_t r = drain_client(fd);
        if (r < 0)
            eof = 1;
        else if (r == 0)
            idle(fd, 1);
    }
    close(fd);
    /* the server sees the reset of an unfinished connection in a turn or two */
    for (int i = 0; i < 4; i++)
        turn();
    return 0;
}
