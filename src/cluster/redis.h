/* SPDX-License-Identifier: EUPL-1.2 */
/* A small Redis client for the control thread, over hiredis's blocking API.
 *
 * Owned by ONE thread (the control thread): no locking inside. Every wait is bounded: the
 * connect by `connect_timeout_ms`, each reply by `command_timeout_ms` (a socket timeout), so a
 * call costs at most connect + command timeout even when Redis hangs. After any failure the
 * connection is dropped (hiredis cannot resume a timed-out one) and the next attempt waits a
 * backoff that doubles up to `backoff_max_ms`, with jitter; until then every call fails at once
 * with -ENOTCONN and costs nothing. The backoff is reset only by a reply, never by a connect
 * alone, so a hung server that still accepts connections is not retried at full rate. Before
 * each use an idle connection is checked (poll, no wait): one the server closed meanwhile (a
 * Redis restart, CLIENT KILL) is replaced at once instead of failing the caller's command.
 *
 * Commands are argument vectors only (redisCommandArgv): values are never formatted into a
 * command string, so no value can change a command's meaning.
 *
 * The process must ignore SIGPIPE (main.c does): hiredis writes with write(2).
 *
 * Errors: -ENOTCONN (down: connecting failed, or waiting out the backoff), -ETIMEDOUT (no reply
 * within the command timeout), -EIO (the connection broke, or an unreadable reply), -EPROTO (Redis
 * answered with an error reply), -ENOMEM, -EINVAL (bad arguments or URL). */
#ifndef RS_CLUSTER_REDIS_H
#define RS_CLUSTER_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_REDIS_HOST_MAX 255
#define RS_REDIS_PATH_MAX 107 /* sun_path less its NUL */
#define RS_REDIS_USER_MAX 128
#define RS_REDIS_PASSWORD_MAX 256
#define RS_REDIS_DB_MAX 9999
#define RS_REDIS_PIPELINE_MAX 256 /* commands in one rs_redis_pipeline */

/* Where Redis is, from a URL:
 *   redis://[[user]:password@]host[:port][/db]   host a name, IPv4 or [IPv6]; port 6379
 *   unix:/path/to/redis.sock[?db=N]
 * Percent-escapes are not decoded. TLS (rediss://) is refused: hiredis 0.14 has none. */
struct rs_redis_addr {
    bool unix_socket;
    char host[RS_REDIS_HOST_MAX + 1]; /* or the socket's path */
    unsigned port;
    unsigned db;
    char user[RS_REDIS_USER_MAX + 1];         /* "" for the default user */
    char password[RS_REDIS_PASSWORD_MAX + 1]; /* "" for none: no AUTH */
};

/* Parses `url` (borrowed, NUL-terminated). Returns 0, or -EINVAL and leaves `*out` undefined. */
int rs_redis_url_parse(const char *url, struct rs_redis_addr *out);

struct rs_redis_opts {
    const char *url;             /* borrowed; copied by rs_redis_new */
    unsigned connect_timeout_ms; /* 0: 250 */
    unsigned command_timeout_ms; /* 0: 250 */
    unsigned backoff_min_ms;     /* 0: 100; the first wait after a failure */
    unsigned backoff_max_ms;     /* 0: 5000 */
};

/* Counters since rs_redis_new, for /metrics. */
struct rs_redis_stats {
    uint64_t commands;       /* commands sent (each of a pipeline counts) */
    uint64_t server_errors;  /* error replies (-EPROTO, or an error item of a pipeline) */
    uint64_t timeouts;       /* no reply within the command timeout */
    uint64_t io_errors;      /* broken connections, unreadable replies */
    uint64_t connects;       /* connections opened */
    uint64_t connect_errors; /* connections that could not be opened (or AUTH/SELECT failed) */
    uint64_t fast_fails;     /* calls refused at once while waiting out the backoff */
    uint64_t stale;          /* idle connections found closed by the server, replaced */
    uint64_t downs;          /* times the state went from up to down */
};

struct rs_redis;

/* Makes a client for `opts->url`; does not connect yet (the first command does). Returns 0 with
 * a new client in `*out` (owned by the caller, freed with rs_redis_free), -EINVAL for a bad URL
 * or -ENOMEM. */
int rs_redis_new(const struct rs_redis_opts *opts, struct rs_redis **out);
void rs_redis_free(struct rs_redis *r);

/* Runs one command: `argc` arguments `argv[i]` of `lens[i]` bytes (borrowed). On success returns
 * 0 and the reply in `*reply` (owned by the caller: freeReplyObject), which is never an error
 * reply: those return -EPROTO (the reply freed). Otherwise an error above, `*reply` NULL. */
int rs_redis_command(struct rs_redis *r, int argc, const char **argv, const size_t *lens,
                     redisReply **reply);

/* One command of a pipeline. */
struct rs_redis_cmd {
    int argc;
    const char **argv;  /* borrowed */
    const size_t *lens; /* borrowed */
};

/* Sends `n` (1..RS_REDIS_PIPELINE_MAX) commands at once and reads their `n` replies: one round
 * trip. Returns 0 with every reply in `replies[i]` (each owned by the caller; an item may be an
 * error reply, which the caller checks), or an error and no replies (all NULL) when the
 * connection failed before the last reply arrived. */
int rs_redis_pipeline(struct rs_redis *r, size_t n, const struct rs_redis_cmd *cmds,
                      redisReply **replies);

/* Up: the last exchange got a reply. Down: it failed, or there was none yet. */
bool rs_redis_up(const struct rs_redis *r);
/* Monotonic ms (core/clock.h) of the last change of rs_redis_up (of rs_redis_new at first). */
int64_t rs_redis_since_ms(const struct rs_redis *r);
/* The counters (borrowed, valid while `r` lives). */
const struct rs_redis_stats *rs_redis_stats(const struct rs_redis *r);
/* Drops the connection now, as a failure would, but without a backoff: the next call
 * reconnects. For shutdown and tests. */
void rs_redis_disconnect(struct rs_redis *r);

#endif
