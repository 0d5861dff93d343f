/* SPDX-License-Identifier: EUPL-1.2 */
/* Listening socket, accept, refusal and the descriptor limit.
 *
 * Refusing is cheap on purpose: a canned response written with one non-blocking send, then
 * close. The subtle part is running out of descriptors. accept() then fails with EMFILE while
 * the connection stays in the kernel's queue, so the socket stays readable and a loop that
 * only retries spins at full speed. Here one descriptor, opened on /dev/null at start, is kept
 * in reserve: on EMFILE it is closed, the waiting connection accepted into its number,
 * answered 503 and closed, and the reserve opened again. The caller then stops accepting for a
 * moment (server.c), so nothing spins even when the reserve could not be had back. */
#include "http/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

long rs_fd_limit_raise(long want, long *hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) {
        if (hard)
            *hard = -1;
        return -1;
    }
    if (hard)
        *hard = rl.rlim_max == RLIM_INFINITY ? -1 : (long)rl.rlim_max;
    if (want > 0 && rl.rlim_cur != RLIM_INFINITY && (rlim_t)want > rl.rlim_cur) {
        rlim_t target = (rlim_t)want;
        if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
            target = rl.rlim_max;
        struct rlimit raised = {target, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl.rlim_cur = target;
    }
    return rl.rlim_cur == RLIM_INFINITY ? 1L << 30 : (long)rl.rlim_cur;
}

int rs_listener_open(struct rs_listener *l, const char *addr, uint16_t port, char *err,
                     size_t errlen)
{
    l->fd = l->reserve_fd = -1;
    l->port = port;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (strcmp(addr, "*") == 0) {
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl(INADDR_ANY);
        v4->sin_port = htons(port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof(*v6);
    } else {
        snprintf(err, errlen, "listen: '%s' is not an IP address", addr);
        return -EINVAL;
    }
    int rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        goto fail;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, SOMAXCONN)) {
        rc = -errno;
        goto fail_close;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
        l->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);
    l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (l->reserve_fd < 0) {
        rc = -errno;
        goto fail_close;
    }
    l->fd = fd;
    return 0;
fail_close:
    close(fd);
fail:
    snprintf(err, errlen, "listen: cannot listen on %s:%u (%s)", addr, port,
             rc == -EADDRINUSE || rc == -EADDRNOTAVAIL ? "in use, or not a local address"
                                                       : strerror(-rc));
    return rc;
}

void rs_listener_close(struct rs_listener *l, int keep_socket)
{
    if (l->reserve_fd >= 0)
        close(l->reserve_fd);
    if (l->fd >= 0 && !keep_socket)
        close(l->fd);
    l->fd = l->reserve_fd = -1;
}

void rs_listener_refuse(int fd, unsigned status, const char *text)
{
    char buf[512];
    const char *phrase = status == 429   ? "Too Many Requests"
                         : status == 408 ? "Request Timeout"
                                         : "Service Unavailable";
    int n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\nRetry-After: 10\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n%s",
                     status, phrase, strlen(text), text);
    if (n > 0 && (size_t)n < sizeof(buf))
        (void)send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    /* what the client already sent would turn the close into a reset, which can overtake the
     * answer: say we are done, and read off what is there before closing */
    shutdown(fd, SHUT_WR);
    char sink[4096];
    for (int i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
        ;
    close(fd);
}

int rs_listener_accept(struct rs_listener *l, int *refused)
{
    *refused = 0;
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            return fd;
        }
        int e = errno;
        if (e == EINTR || e == ECONNABORTED)
            continue;
        if (e == EAGAIN || e == EWOULDBLOCK)
            return -EAGAIN;
        if (e != EMFILE && e != ENFILE)
            return -e;
        if (l->reserve_fd >= 0) {
            close(l->reserve_fd);
            l->reserve_fd = -1;
            int victim = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (victim >= 0) {
                rs_listener_refuse(victim, 503, "server is out of connections; try again\n");
                *refused = 1;
            }
            l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        return -EMFILE;
    }
}
