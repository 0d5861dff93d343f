/* SPDX-License-Identifier: EUPL-1.2 */
/* ICE-TCP on a media worker (RFC 6544 passive candidates, RFC 4571 framing): a browser that
 * cannot send UDP opens a TCP connection to the worker and carries the same STUN, DTLS and
 * SRTP packets over it, each with a two-byte length in front.
 *
 * A connection is given an address of its own kind (family RS_WK_AF_TCP: slot and generation
 * instead of IP and port), so the rest of the worker treats it like any UDP peer: the first
 * binding request naming one of our ufrags validates it for that transport exactly as it
 * validates a UDP source address, USE-CANDIDATE selects it, and packets queued to it
 * (rs_wk__out_commit) go into the connection's bounded send buffer instead of the UDP batch.
 * Everything belongs to the worker thread; nothing blocks it: a full buffer drops. */
#ifndef RS_SFU_ICE_TCP_H
#define RS_SFU_ICE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "sfu/worker_internal.h"

#define RS_WK_AF_TCP 0x7463            /* not a real family: an ICE-TCP connection */
#define RS_WK_TCP_UNBOUND_MAX 256      /* connections waiting for their first binding request */
#define RS_WK_TCP_OUT_MAX (256 * 1024) /* bytes queued per connection */
#define RS_WK_TCP_UNBOUND_MS 10000     /* to send a binding request that names a transport */
#define RS_WK_TCP_IDLE_MS 30000        /* without a byte received (consent checks come 1/5 s) */

/* What an RS_WK_AF_TCP address holds, in its sockaddr_storage. */
struct rs_wk_tcp_addr {
    uint16_t family; /* RS_WK_AF_TCP */
    uint16_t pad;
    uint32_t slot, gen;
};

static inline bool rs_wk__addr_is_tcp(const struct rs_wk_addr *a)
{
    return a->ss.ss_family == RS_WK_AF_TCP;
}

/* Opens the listening socket on `bind_ip` (NULL: every address) and `port`, polled in w->epfd.
 * Returns 0, or a negative errno with a reason in err. */
int rs_wk__tcp_listen(struct rs_wk *w, const char *bind_ip, uint16_t port, char *err,
                      size_t errlen);
/* Accepts what is waiting on the listening socket (a batch). */
void rs_wk__tcp_accept(struct rs_wk *w);
/* Takes over connected socket `fd` (ours from here, closed when refused) from peer `peer`.
 * Returns its slot, or a negative errno (too many connections: closed and counted). */
int rs_wk__tcp_adopt(struct rs_wk *w, int fd, const struct sockaddr_storage *peer,
                     socklen_t peer_len);
/* epoll reported `events` on the connection in `slot`. */
void rs_wk__tcp_event(struct rs_wk *w, uint32_t slot, uint32_t events);
/* Queues one packet (borrowed) with its length header to the connection `to` names. A full
 * buffer or a closed connection drops it (counted). */
void rs_wk__tcp_queue(struct rs_wk *w, const struct rs_wk_addr *to, const uint8_t *data,
                      size_t len);
/* Writes what is queued, as far as the sockets take it (the rest waits for EPOLLOUT). */
void rs_wk__tcp_flush(struct rs_wk *w);
/* Closes broken connections and those idle too long (counted). Cheap when there is nothing. */
void rs_wk__tcp_timers(struct rs_wk *w);
/* The peer's real address for an RS_WK_AF_TCP address (for XOR-MAPPED-ADDRESS), or NULL. */
const struct sockaddr_storage *rs_wk__tcp_peer(const struct rs_wk *w, const struct rs_wk_addr *a);
/* Closes every connection and the listening socket. */
void rs_wk__tcp_free(struct rs_wk *w);

#endif
