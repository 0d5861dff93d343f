/* SPDX-License-Identifier: EUPL-1.2 */
/* The listening socket on loopback: a refused connection reads its answer, and with every
 * descriptor of the process taken, accept refuses the waiting connections with 503 through the
 * reserve descriptor and then reports EMFILE without anything to refuse (the caller backs off)
 * instead of failing the same way forever. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/listener.h"

static int client(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Everything the server sent until it closed. */
static void read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = recv(fd, buf + n, cap - 1 - n, 0)) > 0)
        n += (size_t)r;
    buf[n] = 0;
}

static void test_refuse_is_read(void **state)
{
    struct rs_listener l;
    char err[128];
    assert_int_equal(rs_listener_open(&l, "127.0.0.1", 0, err, sizeof(err)), 0);
    assert_true(l.port > 0);
    int refused;
    assert_int_equal(rs_listener_accept(&l, &refused), -EAGAIN);
    int c = client(l.port);
    /* the client already sent its request: refusing must not turn into a bare reset */
    assert_int_equal(send(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 0), 27);
    usleep(20000);
    int fd = rs_listener_accept(&l, &refused);
    assert_true(fd >= 0);
    assert_int_equal(refused, 0);
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    rs_listener_refuse(fd, 429, "too many connections from your address\n");
    char buf[1024];
    read_all(c, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 429 Too Many Requests\r\n"));
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\ntoo many connections from your address\n"));
    close(c);
    rs_listener_close(&l, 0);
}

static void test_out_of_descriptors(void **state)
{
    struct rs_listener l;
    char err[128];
    assert_int_equal(rs_listener_open(&l, "127.0.0.1", 0, err, sizeof(err)), 0);
    int c1 = client(l.port), c2 = client(l.port);
    usleep(20000);

    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    struct rlimit low = {64, saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int filler[64], n = 0;
    while (n < 64 && (filler[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    assert_int_equal(errno, EMFILE);

    /* each waiting connection gets its 503 */
    int refused;
    assert_int_equal(rs_listener_accept(&l, &refused), -EMFILE);
    assert_int_equal(refused, 1);
    assert_int_equal(rs_listener_accept(&l, &refused), -EMFILE);
    assert_int_equal(refused, 1);
    char buf[1024];
    read_all(c1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
    read_all(c2, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
    /* nobody waiting: still EMFILE, nothing refused, the reserve is back for next time */
    assert_int_equal(rs_listener_accept(&l, &refused), -EMFILE);
    assert_int_equal(refused, 0);
    assert_true(l.reserve_fd >= 0);

    while (n > 0)
        close(filler[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(rs_listener_accept(&l, &refused), -EAGAIN);
    int c3 = client(l.port);
    usleep(20000);
    int fd = rs_listener_accept(&l, &refused);
    assert_true(fd >= 0);
    close(fd);
    close(c1);
    close(c2);
    close(c3);
    rs_listener_close(&l, 0);
}

static void test_fd_limit_raise(void **state)
{
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    long hard;
    /* never lowers */
    assert_int_equal(rs_fd_limit_raise(16, &hard), (long)saved.rlim_cur);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max > 200) {
        struct rlimit low = {100, saved.rlim_max};
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
        assert_int_equal(rs_fd_limit_raise(150, &hard), 150);
        assert_int_equal(hard, (long)saved.rlim_max);
        /* at most the hard limit */
        assert_int_equal(rs_fd_limit_raise((long)saved.rlim_max + 1000, NULL),
                         (long)saved.rlim_max);
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

static void test_bad_address(void **state)
{
    struct rs_listener l;
    char err[128];
    assert_int_not_equal(rs_listener_open(&l, "localhost", 8080, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "not an IP address"));
    struct rs_listener a, b;
    assert_int_equal(rs_listener_open(&a, "127.0.0.1", 0, err, sizeof(err)), 0);
    assert_int_equal(rs_listener_open(&b, "127.0.0.1", a.port, err, sizeof(err)), -EADDRINUSE);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    rs_listener_close(&a, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_is_read),
        cmocka_unit_test(test_out_of_descriptors),
        cmocka_unit_test(test_fd_limit_raise),
        cmocka_unit_test(test_bad_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
