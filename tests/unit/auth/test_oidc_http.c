/* SPDX-License-Identifier: EUPL-1.2 */
/* HTTP to the identity provider and the JWKS cache, against a tiny HTTP/1.1 server this test
 * runs on 127.0.0.1 in a thread, with canned responses: size caps, timeouts, redirects, the
 * form POST, and key rotation with the refetch rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/jwt.h"
#include "auth/oidc.h"
#include "auth/oidc_http.h"
#include "auth/oidc_keys.h"
#include "auth_test_util.h"

static struct {
    int fd;
    int port;
    pthread_t thread;
    volatile int stop;
    pthread_mutex_t lock;
    char *jwks; /* served at /jwks; owned */
    int jwks_hits;
    char last_auth[512];
    char last_body[1024];
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, const char *status, const char *extra_headers, const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     status, strlen(body), extra_headers);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

static void serve_one(int fd)
{
    char req[16384];
    size_t len = 0;
    char *end = NULL;
    while (len < sizeof req - 1 && end == NULL) {
        ssize_t r = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    if (end == NULL)
        return;
    char method[8], path[256];
    if (sscanf(req, "%7s %255s", method, path) != 2)
        return;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    char *body = end + 4;
    while ((size_t)(req + len - body) < want && len < sizeof req - 1) {
        ssize_t r = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        req[len] = '\0';
    }

    if (strcmp(path, "/ok") == 0) {
        reply(fd, "200 OK", "", "{\"hello\":\"world\"}");
    } else if (strcmp(path, "/big") == 0 || strcmp(path, "/big-unsized") == 0) {
        size_t total = 2 * 1024 * 1024;
        char head[256];
        int n =
            strcmp(path, "/big") == 0
                ? snprintf(head, sizeof head,
                           "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                           total)
                : snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        send_all(fd, head, (size_t)n);
        char chunk[65536];
        memset(chunk, 'a', sizeof chunk);
        for (size_t sent = 0; sent < total; sent += sizeof chunk)
            send_all(fd, chunk, sizeof chunk);
    } else if (strcmp(path, "/slow") == 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, 3000); /* returns early once the client gives up and closes */
        reply(fd, "200 OK", "", "{}");
    } else if (strcmp(path, "/redirect-same") == 0) {
        reply(fd, "302 Found", "Location: /ok\r\n", "");
    } else if (strcmp(path, "/redirect-other") == 0) {
        char loc[128];
        snprintf(loc, sizeof loc, "Location: http://localhost:%d/ok\r\n", srv.port);
        reply(fd, "302 Found", loc, "");
    } else if (strcmp(path, "/redirect-evil") == 0) {
        reply(fd, "301 Moved", "Location: https://evil.example/jwks\r\n", "");
    } else if (strcmp(path, "/redirect-loop") == 0) {
        reply(fd, "307 Temporary Redirect", "Location: /redirect-loop\r\n", "");
    } else if (strcmp(path, "/echo") == 0 && strcmp(method, "POST") == 0) {
        pthread_mutex_lock(&srv.lock);
        const char *a = strcasestr(req, "\r\nAuthorization: ");
        srv.last_auth[0] = '\0';
        if (a != NULL)
            snprintf(srv.last_auth, sizeof srv.last_auth, "%.*s",
                     (int)(strstr(a + 2, "\r\n") - (a + 17)), a + 17);
        snprintf(srv.last_body, sizeof srv.last_body, "%s", body);
        pthread_mutex_unlock(&srv.lock);
        reply(fd, "400 Bad Request", "", "{\"error\":\"invalid_grant\"}");
    } else if (strcmp(path, "/jwks") == 0) {
        pthread_mutex_lock(&srv.lock);
        srv.jwks_hits++;
        char *doc = strdup(srv.jwks ? srv.jwks : "{}");
        pthread_mutex_unlock(&srv.lock);
        reply(fd, "200 OK", "", doc);
        free(doc);
    } else if (strcmp(path, "/status500") == 0) {
        reply(fd, "500 Internal Server Error", "", "oops");
    } else {
        reply(fd, "404 Not Found", "", "{}");
    }
}

static void *serve(void *arg)
{
    while (!srv.stop) {
        struct pollfd p = {.fd = srv.fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(c);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

static int listen_loopback(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static int setup(void **state)
{
    if (rs_oidc_http_global_init() != 0)
        return -1;
    srv.fd = listen_loopback(&srv.port);
    if (srv.fd < 0)
        return -1;
    return pthread_create(&srv.thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    srv.stop = 1;
    pthread_join(srv.thread, NULL);
    close(srv.fd);
    free(srv.jwks);
    rs_oidc_http_global_cleanup();
    return 0;
}

static const char *url(const char *path)
{
    static char buf[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "http://127.0.0.1:%d%s", srv.port, path);
    return buf[i];
}

static void test_get(void **state)
{
    struct rs_oidc_http_response r;
    assert_int_equal(rs_oidc_http_get(url("/ok"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"hello\":\"world\"}");
    assert_int_equal(r.len, 17);
    rs_oidc_http_response_free(&r);
    rs_oidc_http_response_free(&r);

    assert_int_equal(rs_oidc_http_get(url("/status500"), NULL, &r), 0);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "oops");
    rs_oidc_http_response_free(&r);

    assert_int_equal(rs_oidc_http_get(url("/redirect-same"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"hello\":\"world\"}");
    rs_oidc_http_response_free(&r);
}

static void test_size_cap(void **state)
{
    struct rs_oidc_http_response r;
    assert_int_equal(rs_oidc_http_get(url("/big"), NULL, &r), -EFBIG);
    assert_null(r.body);
    assert_int_equal(rs_oidc_http_get(url("/big-unsized"), NULL, &r), -EFBIG);
    assert_null(r.body);
    struct rs_oidc_http_opts small = {.max_body = 16};
    assert_int_equal(rs_oidc_http_get(url("/ok"), &small, &r), -EFBIG);
    small.max_body = 17;
    assert_int_equal(rs_oidc_http_get(url("/ok"), &small, &r), 0);
    rs_oidc_http_response_free(&r);
}

static void test_timeout(void **state)
{
    struct rs_oidc_http_response r;
    struct rs_oidc_http_opts quick = {.timeout_ms = 300};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rs_oidc_http_get(url("/slow"), &quick, &r), -ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(elapsed < 2.0);
}

static void test_redirect_policy_and_urls(void **state)
{
    struct rs_oidc_http_response r;
    /* localhost vs 127.0.0.1 is another origin, as is any other host */
    assert_int_equal(rs_oidc_http_get(url("/redirect-other"), NULL, &r), -EPERM);
    assert_int_equal(rs_oidc_http_get(url("/redirect-evil"), NULL, &r), -EPERM);
    assert_int_equal(rs_oidc_http_get(url("/redirect-loop"), NULL, &r), -ELOOP);
    assert_int_equal(rs_oidc_http_get("http://example.com/", NULL, &r), -EPERM);
    assert_int_equal(rs_oidc_http_get("file:///etc/passwd", NULL, &r), -EPERM);
    assert_int_equal(rs_oidc_http_get("gopher://127.0.0.1/", NULL, &r), -EPERM);
    assert_null(r.body);

    /* a closed port */
    int port;
    int fd = listen_loopback(&port);
    close(fd);
    char closed[64];
    snprintf(closed, sizeof closed, "http://127.0.0.1:%d/", port);
    assert_int_equal(rs_oidc_http_get(closed, NULL, &r), -ECONNREFUSED);
}

static void test_post_form(void **state)
{
    struct rs_oidc_http_response r;
    const char *body = "grant_type=authorization_code&code=abc";
    assert_int_equal(rs_oidc_http_post_form(url("/echo"), body, "Basic cmF0c2FhbDpz", NULL, &r), 0);
    assert_int_equal(r.status, 400);
    struct rs_oidc_token_response tr;
    assert_int_equal(rs_oidc_parse_token_response(r.body, r.len, &tr), -EPROTO);
    assert_string_equal(tr.error, "invalid_grant");
    rs_oidc_token_response_free(&tr);
    rs_oidc_http_response_free(&r);
    pthread_mutex_lock(&srv.lock);
    assert_string_equal(srv.last_auth, "Basic cmF0c2FhbDpz");
    assert_string_equal(srv.last_body, body);
    pthread_mutex_unlock(&srv.lock);

    /* header injection is refused; POSTs never follow redirects */
    assert_int_equal(rs_oidc_http_post_form(url("/echo"), body, "Basic x\r\nX-Evil: 1", NULL, &r),
                     -EINVAL);
    assert_int_equal(rs_oidc_http_post_form(url("/redirect-same"), body, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 302);
    rs_oidc_http_response_free(&r);
    assert_int_equal(rs_oidc_http_post_form(url("/echo"), NULL, NULL, NULL, &r), -EINVAL);
}

static void set_jwks(const char *a, const char *b)
{
    pthread_mutex_lock(&srv.lock);
    free(srv.jwks);
    size_t n = strlen(a) + (b ? strlen(b) : 0) + 32;
    srv.jwks = malloc(n);
    snprintf(srv.jwks, n, "{\"keys\":[%s%s%s]}", a, b ? "," : "", b ? b : "");
    pthread_mutex_unlock(&srv.lock);
}

static int jwks_hits(void)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.jwks_hits;
    pthread_mutex_unlock(&srv.lock);
    return n;
}

static void test_key_rotation(void **state)
{
    EVP_PKEY *old_key = t_rsa_key(2048), *new_key = t_ec_key();
    char *jold = t_jwk(old_key, "old", "RS256", "sig"), *jnew = t_jwk(new_key, "new", NULL, NULL);
    struct rs_oidc_keys *cache;
    const struct rs_jwks *set;
    const int64_t t = 1700000000;
    int base = jwks_hits();

    set_jwks(jold, NULL);
    assert_int_equal(rs_oidc_keys_new("http://example.com/jwks", NULL, &cache), -EPERM);
    assert_int_equal(rs_oidc_keys_new(url("/jwks"), NULL, &cache), 0);
    assert_int_equal(rs_oidc_keys_for(cache, "old", t, &set), 0);
    assert_int_equal(set->n_keys, 1);
    assert_int_equal(jwks_hits(), base + 1);
    assert_int_equal(rs_oidc_keys_for(cache, "old", t + 5, &set), 0);
    assert_int_equal(jwks_hits(), base + 1); /* cached */

    /* The provider rotates: the new kid is unknown; within the minute we do not refetch. */
    set_jwks(jold, jnew);
    char payload[512];
    snprintf(payload, sizeof payload,
             "{\"iss\":\"https://idp\",\"sub\":\"u1\",\"aud\":\"ratsaal\",\"exp\":%lld,"
             "\"iat\":%lld}",
             (long long)t + 600, (long long)t);
    char *token = t_sign("{\"alg\":\"ES256\",\"kid\":\"new\"}", payload, new_key, "ES256");
    struct rs_jwt_expect e;
    struct rs_jwt_claims c;
    enum rs_jwt_reject why;
    rs_jwt_expect_init(&e);
    e.issuer = "https://idp";
    e.client_id = "ratsaal";
    e.now = t + 30;
    assert_int_equal(rs_oidc_keys_verify(cache, token, strlen(token), &e, &c, &why), -EACCES);
    assert_int_equal(why, RS_JWT_UNKNOWN_KEY);
    assert_int_equal(rs_oidc_keys_for(cache, "new", t + 59, &set), -ENOENT);
    assert_int_equal(jwks_hits(), base + 1);

    /* A minute on, the unknown kid triggers one refetch and the token verifies. */
    e.now = t + 61;
    assert_int_equal(rs_oidc_keys_verify(cache, token, strlen(token), &e, &c, &why), 0);
    assert_string_equal(c.sub, "u1");
    assert_int_equal(jwks_hits(), base + 2);
    assert_int_equal(rs_oidc_keys_for(cache, "new", t + 62, &set), 0);
    assert_int_equal(set->n_keys, 2);
    /* made-up kids cannot make us hammer the provider */
    for (int i = 0; i < 10; i++)
        assert_int_equal(rs_oidc_keys_for(cache, "made-up", t + 63 + i, &set), -ENOENT);
    assert_int_equal(jwks_hits(), base + 2); /* the fetch at t+61 covers the next minute */
    assert_int_equal(rs_oidc_keys_for(cache, "made-up", t + 121, &set), -ENOENT);
    assert_int_equal(jwks_hits(), base + 3);
    free(token);

    /* A broken set from the provider keeps the keys we hold. */
    set_jwks("{\"kty\":\"oct\",\"k\":\"AAAA\"}", NULL);
    assert_int_equal(rs_oidc_keys_for(cache, "another", t + 200, &set), -ENOENT);
    assert_int_equal(rs_oidc_keys_for(cache, "old", t + 201, &set), 0);
    assert_int_equal(rs_oidc_keys_fetches(cache), (uint64_t)(jwks_hits() - base));
    rs_oidc_keys_free(cache);

    /* No set at all and the provider unreachable: an error, retried after a few seconds. */
    int port;
    int fd = listen_loopback(&port);
    close(fd);
    char closed[64];
    snprintf(closed, sizeof closed, "http://127.0.0.1:%d/jwks", port);
    assert_int_equal(rs_oidc_keys_new(closed, NULL, &cache), 0);
    assert_int_equal(rs_oidc_keys_for(cache, NULL, t, &set), -ECONNREFUSED);
    assert_int_equal(rs_oidc_keys_for(cache, NULL, t + 1, &set), -EIO); /* rate-limited */
    assert_int_equal(rs_oidc_keys_fetches(cache), 1);
    assert_int_equal(rs_oidc_keys_for(cache, NULL, t + RS_OIDC_JWKS_RETRY_EMPTY_S, &set),
                     -ECONNREFUSED);
    assert_int_equal(rs_oidc_keys_fetches(cache), 2);
    rs_oidc_keys_free(cache);
    rs_oidc_keys_free(NULL);

    free(jold);
    free(jnew);
    EVP_PKEY_free(old_key);
    EVP_PKEY_free(new_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),       cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_timeout),   cmocka_unit_test(test_redirect_policy_and_urls),
        cmocka_unit_test(test_post_form), cmocka_unit_test(test_key_rotation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
