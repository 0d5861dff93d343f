/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP listening socket, its accept, and the process's file descriptor limit.
 *
 * The server accepts connections itself (server.c hands each accepted socket to
 * libwebsockets) so that it can refuse one before it costs more than a descriptor, and so that
 * running out of descriptors is handled here: libwebsockets 4.1 logs a failed accept and
 * tries again at once, for as long as the cause lasts. Control thread only. */
#ifndef RS_HTTP_LISTENER_H
#define RS_HTTP_LISTENER_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors kept free for everything that is not a client connection (database, media
 * sockets and eventfds, the job thread's HTTP client, /proc reads, the reserve below). */
#define RS_FD_RESERVE 128

struct rs_listener {
    int fd;         /* listening socket, -1 when closed */
    int reserve_fd; /* /dev/null, let go for a moment to refuse politely when out of fds */
    uint16_t port;  /* the bound port (useful with port 0) */
};

/* Raises the soft RLIMIT_NOFILE to `want` (never above the hard limit, never lowers it).
 * Returns the soft limit now in effect; `hard` (optional) gets the hard limit. */
long rs_fd_limit_raise(long want, long *hard);

/* Binds and listens on `addr` ("*" for every IPv4 address, or an IPv4/IPv6 literal) and
 * `port`, non-blocking, and opens the reserve descriptor. Returns 0 or a negative errno with
 * one line in `err`. */
int rs_listener_open(struct rs_listener *l, const char *addr, uint16_t port, char *err,
                     size_t errlen);
/* Closes the reserve and, unless `keep_socket` (something else closes it), the socket. */
void rs_listener_close(struct rs_listener *l, int keep_socket);

/* Accepts one connection: a non-blocking, close-on-exec socket >= 0; -EAGAIN when none is
 * waiting; -EMFILE when out of descriptors (process or system), after refusing the waiting
 * connection with 503 through the reserve descriptor when that worked (`*refused` = 1); any
 * other negative errno from accept. */
int rs_listener_accept(struct rs_listener *l, int *refused);

/* Answers a connection that was never read from with a short plain-text response (`status`,
 * e.g. 429 or 503, and a line of text) and closes it. Best effort, never blocks. */
void rs_listener_refuse(int fd, unsigned status, const char *text);

#endif
