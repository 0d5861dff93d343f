/* SPDX-License-Identifier: EUPL-1.2 */
/* Pipelined requests on one connection against the real server (http/server.c, included so
 * the test can turn its event loop itself). A request with a body that came pipelined behind
 * an answered one made libwebsockets 4.1 hand header bytes over as the body and then either
 * re-read its buffer for ever within one service call (the control thread hung, and with it
 * every meeting) or read the body again from a buffer it had freed (found by the http fuzz
 * target: tests/fuzz/http/corpus/regress-pipelined-post-spin, regress-pipelined-put-use-after-
 * free). The server must now answer what it has, close that connection, and go on serving
 * others. An alarm fails the test instead of letting a hang hang `make test`; the
 * use-after-free shows under ASan (build/unit-asan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "http/server.c"

static struct rs_app t_app;
static struct rs_http *t_http;
static uint16_t t_port;
static char t_dir[64];

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_pipelining: the server's loop did not come back (hung)\n";
    if (write(2, msg, sizeof(msg) - 1) < 0)
        _exit(2);
    _exit(1);
}

static void put(const char *rel, const char *text)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/%s", t_dir, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    rs_log_set_level(RS_LOG_ERROR);
    snprintf(t_dir, sizeof(t_dir), "/tmp/rs-test-pipelining-%d", (int)getpid());
    if (mkdir(t_dir, 0700))
        return -1;
    put("index.html", "<!doctype html>\n<html lang=\"en\"><body>start</body></html>\n");
    put("room.html", "<!doctype html>\n<html lang=\"en\"><body>room</body></html>\n");
    rs_config_defaults(&t_app.cfg);
    snprintf(t_app.cfg.web_root, sizeof(t_app.cfg.web_root), "%s", t_dir);
    snprintf(t_app.cfg.data_dir, sizeof(t_app.cfg.data_dir), "%s", t_dir);
    if (rs_store_open_sqlite(":memory:", &t_app.store))
        return -1;
    t_app.rooms = rs_rooms_new(&t_app);
    char err[512];
    int rc = -1;
    for (int i = 0; i < 50 && rc; i++) {
        t_port = (uint16_t)(20000 + (getpid() * 11 + i * 157) % 30000);
        t_app.cfg.listen_port = t_port;
        rc = rs_http_start(&t_app, &t_http, err, sizeof(err));
    }
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    rs_http_free(t_http);
    rs_rooms_free(t_app.rooms);
    rs_store_close(t_app.store);
    char p[160];
    snprintf(p, sizeof(p), "%s/index.html", t_dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/room.html", t_dir);
    unlink(p);
    rmdir(t_dir);
    return 0;
}

static int connect_local(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(t_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
    return fd;
}

/* Sends `req` on a new connection and turns the loop (each turn must come back) until the
 * server closed it or `ms` passed; returns what came back (static). */
static const char *exchange(const char *req, int ms, int *closed)
{
    static char got[65536];
    size_t n = 0;
    int fd = connect_local();
    size_t sent = 0, len = strlen(req);
    int64_t end = rs_mono_ms() + ms;
    *closed = 0;
    while (rs_mono_ms() < end && !*closed) {
        if (sent < len) {
            ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
        }
        alarm(10);
        lws_service(t_http->ctx, -1);
        alarm(0);
        ssize_t r = recv(fd, got + n, sizeof(got) - 1 - n, MSG_DONTWAIT);
        if (r > 0)
            n += (size_t)r;
        else if (r == 0)
            *closed = 1;
        else
            poll(NULL, 0, 1);
    }
    close(fd);
    for (int i = 0; i < 4; i++)
        lws_service(t_http->ctx, -1);
    got[n] = 0;
    return got;
}

static unsigned count(const char *text, const char *what)
{
    unsigned k = 0;
    for (const char *p = text; (p = strstr(p, what)); p++)
        k++;
    return k;
}

#define GET_HEALTHZ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define POST_MEETING                                                                               \
    "POST /api/v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"     \
    "Content-Length: 13\r\n\r\n{\"title\":\"x\"}"

/* A GET, then a POST with a body in the same packet: the GET is answered, the POST gets an
 * answer or the connection is closed, and the loop comes back. */
static void test_post_behind_get(void **state)
{
    (void)state;
    int closed;
    const char *got = exchange(GET_HEALTHZ POST_MEETING, 2000, &closed);
    assert_true(strncmp(got, "HTTP/1.1 200", 12) == 0);
    assert_true(closed || count(got, "HTTP/1.1 ") == 2);
    /* and the server still serves others */
    got = exchange(GET_HEALTHZ, 2000, &closed);
    assert_true(strncmp(got, "HTTP/1.1 200", 12) == 0);
}

/* A POST, then a GET in the same packet: the POST is answered (its answer existed when
 * libwebsockets asked again), then the connection may close. */
static void test_get_behind_post(void **state)
{
    (void)state;
    int closed;
    const char *got = exchange(POST_MEETING GET_HEALTHZ, 2000, &closed);
    assert_true(strncmp(got, "HTTP/1.1 401", 12) == 0); /* not signed in */
}

/* A GET, then a request whose body is longer than what arrives with it: libwebsockets read the
 * body from the start of its buffered segment, freed the segment and read the body again from
 * the freed memory (heap use-after-free under ASan, build/unit-asan). The connection is
 * closed instead, and the server goes on. */
static void test_body_behind_get_is_not_read_from_freed_memory(void **state)
{
    (void)state;
    int closed;
    char req[2048];
    char body[1200];
    memset(body, '[', sizeof(body) - 1);
    body[sizeof(body) - 1] = 0;
    snprintf(req, sizeof(req),
             GET_HEALTHZ "PUT /api/v1/meetings/m1/agenda HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: application/json\r\nContent-Length: 6010\r\n\r\n%s",
             body);
    const char *got = exchange(req, 2000, &closed);
    assert_true(strncmp(got, "HTTP/1.1 200", 12) == 0);
    got = exchange(GET_HEALTHZ, 2000, &closed);
    assert_true(strncmp(got, "HTTP/1.1 200", 12) == 0);
}

/* Requests one after the other on a keep-alive connection stay on it: a body before, the next
 * request after its answer. */
static void test_keep_alive_after_post(void **state)
{
    (void)state;
    int fd = connect_local();
    const char *reqs[] = {POST_MEETING, GET_HEALTHZ, POST_MEETING, GET_HEALTHZ};
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        assert_int_equal(send(fd, reqs[i], strlen(reqs[i]), MSG_NOSIGNAL),
                         (ssize_t)strlen(reqs[i]));
        char got[8192];
        size_t n = 0;
        int quiet = 0;
        int64_t end = rs_mono_ms() + 2000;
        while (rs_mono_ms() < end && (n == 0 || quiet < 20)) {
            alarm(10);
            lws_service(t_http->ctx, -1);
            alarm(0);
            ssize_t r = recv(fd, got + n, sizeof(got) - 1 - n, MSG_DONTWAIT);
            if (r > 0) {
                n += (size_t)r;
                quiet = 0;
            } else {
                quiet++;
                poll(NULL, 0, 1);
            }
        }
        got[n] = 0;
        if (strncmp(got, i % 2 ? "HTTP/1.1 200" : "HTTP/1.1 401", 12) != 0 ||
            count(got, "HTTP/1.1 ") != 1)
            fail_msg("request %zu: %.40s", i, got);
    }
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_behind_get),
        cmocka_unit_test(test_get_behind_post),
        cmocka_unit_test(test_body_behind_get_is_not_read_from_freed_memory),
        cmocka_unit_test(test_keep_alive_after_post),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
