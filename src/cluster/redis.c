/* SPDX-License-Identifier: EUPL-1.2 */
/* The Redis client of the control thread (see redis.h for the contract).
 *
 * hiredis's blocking API with socket timeouts, rather than its async API on the event loop,
 * because every cluster exchange is one short round trip that the control thread needs the
 * answer to before it goes on (is this room mine? who is least loaded?), and because the
 * bounded blocking keeps the state machine here to three states: connected, waiting out a
 * backoff, and due to reconnect. The price is that a hung Redis costs the control thread one
 * command timeout per backoff period; the timeouts are small (250 ms) and the backoff doubles,
 * so a hung Redis costs at most a few percent of the thread.
 *
 * The one subtle thing: hiredis leaves a context unusable after a timeout (a reply may still
 * be on its way and would be taken for the next command's), so every failure drops the
 * connection, and "up" means "the last exchange got a reply", not "a socket is open". */
#include "cluster/redis.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 250
#define DEFAULT_COMMAND_TIMEOUT_MS 250
#define DEFAULT_BACKOFF_MIN_MS 100
#define DEFAULT_BACKOFF_MAX_MS 5000

struct rs_redis {
    struct rs_redis_addr addr;
    unsigned connect_timeout_ms;
    unsigned command_timeout_ms;
    unsigned backoff_min_ms;
    unsigned backoff_max_ms;
    redisContext *ctx; /* NULL: not connected */
    bool up;
    int64_t since_ms;
    int64_t next_attempt_ms; /* no connect before this (monotonic ms) */
    unsigned backoff_ms;     /* the next wait after a failure */
    struct rs_redis_stats stats;
};

/* ---- URLs ---- */

static int parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (len == 0 || len > 5)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int copy_part(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap || memchr(s, 0, len))
        return -EINVAL;
    memcpy(dst, s, len);
    dst[len] = 0;
    return 0;
}

static int parse_unix(const char *rest, struct rs_redis_addr *a)
{
    const char *q = strchr(rest, '?');
    size_t len = q ? (size_t)(q - rest) : strlen(rest);
    if (len < 2 || rest[0] != '/' || copy_part(a->host, RS_REDIS_PATH_MAX + 1, rest, len))
        return -EINVAL;
    if (q) {
        if (strncmp(q, "?db=", 4) != 0)
            return -EINVAL;
        return parse_uint(q + 4, strlen(q + 4), RS_REDIS_DB_MAX, &a->db);
    }
    return 0;
}

static int parse_tcp(const char *rest, struct rs_redis_addr *a)
{
    const char *at = strrchr(rest, '@'); /* the database path holds no '@' */
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (!colon || at == colon + 1 ||
            copy_part(a->user, sizeof(a->user), rest, (size_t)(colon - rest)) ||
            copy_part(a->password, sizeof(a->password), colon + 1, (size_t)(at - colon - 1)))
            return -EINVAL;
        rest = at + 1;
    }
    const char *p = rest;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close == p + 1 ||
            copy_part(a->host, sizeof(a->host), p + 1, (size_t)(close - p - 1)))
            return -EINVAL;
        for (const char *c = p + 1; c < close; c++)
            if (!strchr("0123456789abcdefABCDEF:.", *c))
                return -EINVAL;
        p = close + 1;
    } else {
        while (*p && *p != ':' && *p != '/') {
            char c = *p;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_'))
                return -EINVAL;
            p++;
        }
        if (p == rest || copy_part(a->host, sizeof(a->host), rest, (size_t)(p - rest)))
            return -EINVAL;
    }
    if (*p == ':') {
        const char *port = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (parse_uint(port, (size_t)(p - port), 65535, &a->port) || a->port == 0)
            return -EINVAL;
    }
    if (*p == '/' && p[1])
        return parse_uint(p + 1, strlen(p + 1), RS_REDIS_DB_MAX, &a->db);
    if (*p == '/' || *p == 0)
        return 0;
    return -EINVAL;
}

int rs_redis_url_parse(const char *url, struct rs_redis_addr *out)
{
    struct rs_redis_addr a = {.port = 6379};
    if (!url)
        return -EINVAL;
    if (strncmp(url, "redis://", 8) == 0) {
        if (parse_tcp(url + 8, &a))
            return -EINVAL;
    } else if (strncmp(url, "unix://", 7) == 0) {
        a.unix_socket = true;
        if (parse_unix(url + 7, &a))
            return -EINVAL;
    } else if (strncmp(url, "unix:", 5) == 0) {
        a.unix_socket = true;
        if (parse_unix(url + 5, &a))
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    *out = a;
    return 0;
}

/* ---- connection state ---- */

static struct timeval tv_of(unsigned ms)
{
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
}

static const char *where(const struct rs_redis *r, char *buf, size_t cap)
{
    if (r->addr.unix_socket)
        snprintf(buf, cap, "unix:%s", r->addr.host);
    else
        snprintf(buf, cap, "%s:%u", r->addr.host, r->addr.port);
    return buf;
}

static void set_up(struct rs_redis *r)
{
    r->backoff_ms = r->backoff_min_ms;
    if (r->up)
        return;
    char buf[RS_REDIS_HOST_MAX + 16];
    r->up = true;
    r->since_ms = rs_mono_ms();
    RS_INFO("redis", "event=up addr=%s", where(r, buf, sizeof(buf)));
}

static void set_down(struct rs_redis *r, const char *reason)
{
    if (!r->up)
        return;
    char buf[RS_REDIS_HOST_MAX + 16];
    r->up = false;
    r->since_ms = rs_mono_ms();
    r->stats.downs++;
    RS_WARN("redis", "event=down addr=%s reason=%s", where(r, buf, sizeof(buf)), reason);
}

/* Closes the connection; the next connect waits the backoff (doubled for the time after),
 * with +-25% jitter so that nodes do not reconnect in step after a Redis restart. */
static void drop(struct rs_redis *r, bool backoff)
{
    if (r->ctx) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    int64_t now = rs_mono_ms();
    if (!backoff) {
        r->next_attempt_ms = now;
        return;
    }
    unsigned wait = r->backoff_ms * 3 / 4 + rs_random_u32() % (r->backoff_ms / 2 + 1);
    r->next_attempt_ms = now + wait;
    r->backoff_ms = r->backoff_ms >= r->backoff_max_ms / 2 ? r->backoff_max_ms : r->backoff_ms * 2;
}

/* After a failed exchange: counts it, drops the connection, returns the error. `err` is the
 * errno seen right after hiredis returned. */
static int failed(struct rs_redis *r, int err)
{
    int ctx_err = r->ctx ? r->ctx->err : REDIS_ERR_OTHER;
    int rc;
#ifdef REDIS_ERR_TIMEOUT /* hiredis >= 1.0 */
    bool timeout = ctx_err == REDIS_ERR_TIMEOUT;
#else
    bool timeout = false;
#endif
    if (ctx_err == REDIS_ERR_IO && (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT))
        timeout = true;
    if (timeout) {
        r->stats.timeouts++;
        rc = -ETIMEDOUT;
        set_down(r, "timeout");
    } else if (ctx_err == REDIS_ERR_OOM) {
        r->stats.io_errors++;
        rc = -ENOMEM;
        set_down(r, "oom");
    } else {
        r->stats.io_errors++;
        rc = -EIO;
        set_down(r, ctx_err == REDIS_ERR_EOF ? "closed" : "io");
    }
    drop(r, true);
    return rc;
}

/* One exchange on the open connection, for the handshake. */
static int handshake_cmd(struct rs_redis *r, int argc, const char **argv, const size_t *lens)
{
    errno = 0;
    redisReply *rep = redisCommandArgv(r->ctx, argc, argv, lens);
    int err = errno;
    r->stats.commands++;
    if (!rep)
        return failed(r, err);
    int rc = rep->type == REDIS_REPLY_ERROR ? -EPROTO : 0;
    freeReplyObject(rep);
    return rc;
}

static int connect_now(struct rs_redis *r)
{
    char buf[RS_REDIS_HOST_MAX + 16];
    struct timeval tv = tv_of(r->connect_timeout_ms);
    redisContext *c = r->addr.unix_socket
                          ? redisConnectUnixWithTimeout(r->addr.host, tv)
                          : redisConnectWithTimeout(r->addr.host, (int)r->addr.port, tv);
    if (!c || c->err) {
        RS_DEBUG("redis", "event=connect_failed addr=%s error=\"%s\"", where(r, buf, sizeof(buf)),
                 c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        r->stats.connect_errors++;
        set_down(r, "connect");
        drop(r, true);
        return -ENOTCONN;
    }
    r->ctx = c;
    r->stats.connects++;
    if (redisSetTimeout(c, tv_of(r->command_timeout_ms)) != REDIS_OK) {
        r->stats.connect_errors++;
        set_down(r, "connect");
        drop(r, true);
        return -ENOTCONN;
    }
    if (!r->addr.unix_socket)
        redisEnableKeepAlive(c); /* a peer gone without a FIN shows up on an idle connection */
    int rc = 0;
    if (r->addr.password[0]) {
        const char *argv[3] = {"AUTH", r->addr.user, r->addr.password};
        size_t lens[3] = {4, strlen(r->addr.user), strlen(r->addr.password)};
        rc = r->addr.user[0] ? handshake_cmd(r, 3, argv, lens)
                             : handshake_cmd(r, 2, (const char *[]){"AUTH", r->addr.password},
                                             (const size_t[]){4, lens[2]});
        if (rc == -EPROTO)
            RS_WARN("redis", "event=auth_refused addr=%s", where(r, buf, sizeof(buf)));
    }
    if (rc == 0 && r->addr.db) {
        char db[8];
        int n = snprintf(db, sizeof(db), "%u", r->addr.db);
        rc = handshake_cmd(r, 2, (const char *[]){"SELECT", db}, (const size_t[]){6, (size_t)n});
        if (rc == -EPROTO)
            RS_WARN("redis", "event=select_refused addr=%s db=%u", where(r, buf, sizeof(buf)),
                    r->addr.db);
    }
    if (rc) {
        r->stats.connect_errors++;
        set_down(r, rc == -EPROTO ? "refused" : "connect");
        if (r->ctx)
            drop(r, true);
        return rc == -EPROTO ? -ENOTCONN : rc;
    }
    return 0;
}

/* Whether the open connection went bad while idle: between exchanges nothing may arrive, so
 * anything readable is the server's FIN (a restart, CLIENT KILL, an idle timeout) or an error.
 * Checking costs one poll(2) and spares the caller a failed command on a connection that was
 * already dead before it was used. */
static bool stale(const struct rs_redis *r)
{
    struct pollfd p = {.fd = r->ctx->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static int ensure_connected(struct rs_redis *r)
{
    if (r->ctx && !stale(r))
        return 0;
    if (r->ctx) { /* reconnect at once; only a failure of that counts as down */
        r->stats.stale++;
        redisFree(r->ctx);
        r->ctx = NULL;
        r->next_attempt_ms = 0;
    }
    if (rs_mono_ms() < r->next_attempt_ms) {
        r->stats.fast_fails++;
        return -ENOTCONN;
    }
    return connect_now(r);
}

/* ---- interface ---- */

int rs_redis_new(const struct rs_redis_opts *opts, struct rs_redis **out)
{
    struct rs_redis_addr addr;
    if (!opts || rs_redis_url_parse(opts->url, &addr))
        return -EINVAL;
    struct rs_redis *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->addr = addr;
    r->connect_timeout_ms =
        opts->connect_timeout_ms ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    r->command_timeout_ms =
        opts->command_timeout_ms ? opts->command_timeout_ms : DEFAULT_COMMAND_TIMEOUT_MS;
    r->backoff_min_ms = opts->backoff_min_ms ? opts->backoff_min_ms : DEFAULT_BACKOFF_MIN_MS;
    r->backoff_max_ms = opts->backoff_max_ms ? opts->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
    if (r->backoff_max_ms < r->backoff_min_ms)
        r->backoff_max_ms = r->backoff_min_ms;
    r->backoff_ms = r->backoff_min_ms;
    r->since_ms = rs_mono_ms();
    *out = r;
    return 0;
}

void rs_redis_free(struct rs_redis *r)
{
    if (!r)
        return;
    if (r->ctx)
        redisFree(r->ctx);
    free(r);
}

int rs_redis_command(struct rs_redis *r, int argc, const char **argv, const size_t *lens,
                     redisReply **reply)
{
    *reply = NULL;
    if (argc <= 0 || !argv || !lens)
        return -EINVAL;
    int rc = ensure_connected(r);
    if (rc)
        return rc;
    errno = 0;
    redisReply *rep = redisCommandArgv(r->ctx, argc, argv, lens);
    int err = errno;
    r->stats.commands++;
    if (!rep)
        return failed(r, err);
    set_up(r);
    if (rep->type == REDIS_REPLY_ERROR) {
        r->stats.server_errors++;
        RS_DEBUG("redis", "event=error_reply command=%.16s error=\"%.80s\"", argv[0],
                 rep->str ? rep->str : "");
        freeReplyObject(rep);
        return -EPROTO;
    }
    *reply = rep;
    return 0;
}

int rs_redis_pipeline(struct rs_redis *r, size_t n, const struct rs_redis_cmd *cmds,
                      redisReply **replies)
{
    if (n == 0 || n > RS_REDIS_PIPELINE_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    for (size_t i = 0; i < n; i++)
        if (cmds[i].argc <= 0 || !cmds[i].argv || !cmds[i].lens)
            return -EINVAL;
    int rc = ensure_connected(r);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (redisAppendCommandArgv(r->ctx, cmds[i].argc, cmds[i].argv, cmds[i].lens) != REDIS_OK) {
            r->stats.io_errors++;
            set_down(r, "oom");
            drop(r, false); /* half a pipeline is in the output buffer */
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        void *rep = NULL;
        errno = 0;
        int st = redisGetReply(r->ctx, &rep);
        int err = errno;
        r->stats.commands++;
        if (st != REDIS_OK || !rep) {
            if (rep)
                freeReplyObject(rep);
            for (size_t j = 0; j < i; j++) {
                freeReplyObject(replies[j]);
                replies[j] = NULL;
            }
            return failed(r, err);
        }
        replies[i] = rep;
        if (replies[i]->type == REDIS_REPLY_ERROR)
            r->stats.server_errors++;
    }
    set_up(r);
    return 0;
}

bool rs_redis_up(const struct rs_redis *r)
{
    return r->up;
}

int64_t rs_redis_since_ms(const struct rs_redis *r)
{
    return r->since_ms;
}

const struct rs_redis_stats *rs_redis_stats(const struct rs_redis *r)
{
    return &r->stats;
}

void rs_redis_disconnect(struct rs_redis *r)
{
    if (r->ctx)
        set_down(r, "disconnect");
    drop(r, false);
}
