/* SPDX-License-Identifier: EUPL-1.2 */
/* The cluster's Redis foundations against a REAL redis-server (scripts/redis-test.sh starts
 * one on a Unix socket and prints its URL; the tests read it from RATSAAL_TEST_REDIS and skip
 * when it is unset). Several nodes live in this one process: each is its own rs_cluster with
 * its own node id and connection. Every test works under its own key prefix.
 *
 * Covered: registration and listing; a node that stops heartbeating is gone after the TTL;
 * leases (exclusive, failover after expiry, renewal reports the loss, release by the owner
 * only, taken back after Redis lost its data); least-loaded placement and draining; streams
 * (order, stopping, no loss across a reconnect, the owner-fenced cursor); Redis hung (SIGSTOP)
 * and Redis restarted empty (SHUTDOWN NOSAVE): readiness follows within the bound, every call
 * fails fast, readiness comes back; garbage written by another process is refused, counted and
 * left alone. The URL parser of the client is tested first, without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "core/clock.h"

extern char **environ;

static const char *redis_url; /* RATSAAL_TEST_REDIS, NULL: skip */
static struct rs_redis *raw;  /* the test's own connection, for looking and for garbage */

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (!redis_url) {                                                                          \
            print_message("RATSAAL_TEST_REDIS unset (scripts/redis-test.sh start): skipped\n");    \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* Timings, per test node. The default is generous, so that a loaded machine (these tests may
 * run at nice 19 beside a browser suite) does not expire what a test wants kept; the short
 * ones expire what a test wants expired, within the test. */
struct timing {
    unsigned node_ttl_ms;
    unsigned heartbeat_ms;
    unsigned lease_ttl_ms;
    unsigned command_timeout_ms;
};
#define SHORT_LEASE_MS 300
#define SHORT_NODE_TTL_MS 600
#define OUTAGE_HEARTBEAT_MS 50
static const struct timing SLOW = {1500, 100, 1500, 1000};
static const struct timing SHORT_LEASE = {1500, 100, SHORT_LEASE_MS, 1000};
static const struct timing SHORT_NODE = {SHORT_NODE_TTL_MS, 100, 1500, 1000};
/* Redis outages: the command timeout of production (250 ms) and less, to show the bounds */
static const struct timing OUTAGE = {1500, OUTAGE_HEARTBEAT_MS, 5000, 100};
#define CALL_BOUND_MS 300  /* what a call costs while Redis is down or hung */
#define HANG_BOUND_MS 1000 /* what no call may ever take, however loaded the machine */

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ---- the raw connection ---- */

static redisReply *raw_n(int argc, const char **argv, const size_t *lens)
{
    redisReply *rep = NULL;
    for (int attempt = 0; attempt < 50; attempt++) { /* across a reconnect's backoff */
        int rc = rs_redis_command(raw, argc, argv, lens, &rep);
        if (rc == 0 || rc == -EPROTO)
            return rep;
        sleep_ms(20);
    }
    fail_msg("the raw connection to Redis failed");
    return NULL;
}

static redisReply *raw_v(const char *const *args)
{
    const char *argv[32];
    size_t lens[32];
    int n = 0;
    for (; args[n]; n++) {
        assert_true(n < 32);
        argv[n] = args[n];
        lens[n] = strlen(args[n]);
    }
    return raw_n(n, argv, lens);
}
#define RAW(...) raw_v((const char *const[]){__VA_ARGS__, NULL})

/* Runs a raw command and frees its reply. */
#define RAW_DO(...) freeReplyObject(RAW(__VA_ARGS__))

static long long raw_int(const char *const *args)
{
    redisReply *rep = raw_v(args);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    long long v = rep->integer;
    freeReplyObject(rep);
    return v;
}
#define RAW_INT(...) raw_int((const char *const[]){__VA_ARGS__, NULL})

/* The server's `INFO server` field `name` into `out`. */
static void info_field(const char *name, char *out, size_t cap)
{
    redisReply *rep = RAW("INFO", "server");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    char needle[64];
    snprintf(needle, sizeof(needle), "\n%s:", name);
    const char *p = strstr(rep->str, needle);
    assert_non_null(p);
    p += strlen(needle);
    size_t n = strcspn(p, "\r\n");
    assert_true(n > 0 && n < cap);
    memcpy(out, p, n);
    out[n] = 0;
    freeReplyObject(rep);
}

static pid_t server_pid(void)
{
    char pid[16];
    info_field("process_id", pid, sizeof(pid));
    return (pid_t)strtol(pid, NULL, 10);
}

/* ---- nodes ---- */

struct lost_log {
    int calls;
    char room[RS_CLUSTER_ROOM_ID_MAX + 1];
    char owner[RS_CLUSTER_NODE_ID_MAX + 1];
};

static void on_lost(void *user, const char *room, const char *owner)
{
    struct lost_log *log = user;
    log->calls++;
    snprintf(log->room, sizeof(log->room), "%s", room);
    snprintf(log->owner, sizeof(log->owner), "%s", owner);
}

static struct rs_cluster *node_t(const char *prefix, const char *id, struct lost_log *log,
                                 const struct timing *t)
{
    char url[128];
    snprintf(url, sizeof(url), "https://meet.example.org/n/%s", id);
    struct rs_cluster_opts o = {
        .redis_url = redis_url,
        .prefix = prefix,
        .node_id = id,
        .public_url = url,
        .media_ip = "192.0.2.1",
        .version = "0.18.0",
        .started_at_ms = rs_wall_ms(),
        .node_ttl_ms = t->node_ttl_ms,
        .heartbeat_ms = t->heartbeat_ms,
        .lease_ttl_ms = t->lease_ttl_ms,
        .ready_grace = 3,
        .stream_maxlen = 1000,
        .redis = {.connect_timeout_ms = 100,
                  .command_timeout_ms = t->command_timeout_ms,
                  .backoff_min_ms = 20,
                  .backoff_max_ms = 200},
        .on_lease_lost = log ? on_lost : NULL,
        .user = log,
    };
    struct rs_cluster *c = NULL;
    assert_int_equal(rs_cluster_new(&o, &c), 0);
    return c;
}

static struct rs_cluster *node(const char *prefix, const char *id, struct lost_log *log)
{
    return node_t(prefix, id, log, &SLOW);
}

/* A key prefix of its own for each test. */
#define PREFIX(buf) snprintf(buf, sizeof(buf), "t%d:%s:", (int)getpid(), __func__)

static void tick(struct rs_cluster *c)
{
    rs_cluster_tick(c, rs_mono_ms());
}

/* Ticks until `c` is ready, for at most `ms`. */
static bool tick_until_ready(struct rs_cluster *c, unsigned ms)
{
    int64_t end = rs_mono_ms() + ms;
    while (rs_mono_ms() < end) {
        tick(c);
        if (rs_cluster_ready(c))
            return true;
        sleep_ms(10);
    }
    return false;
}

static bool listed(struct rs_cluster *c, const char *id)
{
    struct rs_cluster_node nodes[16];
    size_t n = 0;
    assert_int_equal(rs_cluster_nodes(c, nodes, 16, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(nodes[i].id, id) == 0)
            return true;
    return false;
}

/* ---- the client's URLs (no server) ---- */

static void test_redis_urls(void **state)
{
    struct rs_redis_addr a;
    assert_int_equal(rs_redis_url_parse("redis://127.0.0.1", &a), 0);
    assert_false(a.unix_socket);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 6379);
    assert_int_equal(a.db, 0);
    assert_string_equal(a.password, "");
    assert_int_equal(rs_redis_url_parse("redis://redis.internal:7000/3", &a), 0);
    assert_string_equal(a.host, "redis.internal");
    assert_int_equal(a.port, 7000);
    assert_int_equal(a.db, 3);
    assert_int_equal(rs_redis_url_parse("redis://:s3cr:et@[::1]:6380/", &a), 0);
    assert_string_equal(a.host, "::1");
    assert_string_equal(a.user, "");
    assert_string_equal(a.password, "s3cr:et");
    assert_int_equal(a.port, 6380);
    assert_int_equal(rs_redis_url_parse("redis://ratsaal:pw@10.0.0.5", &a), 0);
    assert_string_equal(a.user, "ratsaal");
    assert_string_equal(a.password, "pw");
    assert_int_equal(rs_redis_url_parse("unix:/run/redis/redis.sock", &a), 0);
    assert_true(a.unix_socket);
    assert_string_equal(a.host, "/run/redis/redis.sock");
    assert_int_equal(rs_redis_url_parse("unix:///run/redis.sock?db=2", &a), 0);
    assert_string_equal(a.host, "/run/redis.sock");
    assert_int_equal(a.db, 2);
    static const char *const bad[] = {
        "",
        "redis://",
        "redis://:6379",
        "redis://host:0",
        "redis://host:65536",
        "redis://host:12x",
        "redis://host/abc",
        "redis://host/10000",
        "redis://pw@host",      /* a password needs the ':' */
        "redis://:@host",       /* empty password */
        "redis://ho st",
        "redis://[::1",
        "redis://[]:1",
        "rediss://host",        /* TLS: not with hiredis 0.14 */
        "http://host",
        "unix:",
        "unix:relative.sock",
        "unix:/x?db=",
        "unix:/x?database=1",
        ("unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock"), /* longer than sun_path */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (rs_redis_url_parse(bad[i], &a) == 0)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(rs_redis_url_parse(NULL, &a), -EINVAL);
}

static void test_options_refused(void **state)
{
    struct rs_cluster_opts o = {
        .redis_url = "unix:/nonexistent/redis.sock",
        .node_id = "a",
        .public_url = "https://meet.example.org",
        .media_ip = "192.0.2.1",
        .version = "1",
    };
    struct rs_cluster *c = NULL;
    assert_int_equal(rs_cluster_new(&o, &c), 0); /* nothing is contacted yet */
    assert_false(rs_cluster_ready(c));
    rs_cluster_free(c);
    struct rs_cluster_opts bad = o;
    bad.node_id = "a b";
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.public_url = "https://meet.example.org/\"";
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.media_ip = "localhost";
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.prefix = "has space";
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.redis_url = "redis://";
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.node_ttl_ms = 50;
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
    bad = o;
    bad.node_ttl_ms = 1000;
    bad.heartbeat_ms = 600; /* more than half the TTL */
    assert_int_equal(rs_cluster_new(&bad, &c), -EINVAL);
}

/* ---- registry ---- */

static void test_register_and_list(void **state)
{
    NEED_REDIS();
    char prefix[96];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL);
    assert_false(rs_cluster_ready(a)); /* not registered yet */
    rs_cluster_set_load(b, 7, 14);
    tick(a);
    tick(b);
    assert_true(rs_cluster_ready(a));
    assert_true(rs_cluster_ready(b));

    struct rs_cluster_node nodes[4];
    size_t n = 0;
    assert_int_equal(rs_cluster_nodes(a, nodes, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(nodes[0].id, "node-a");
    assert_string_equal(nodes[1].id, "node-b");
    assert_string_equal(nodes[1].url, "https://meet.example.org/n/node-b");
    assert_string_equal(nodes[1].media_ip, "192.0.2.1");
    assert_int_equal(nodes[1].participants, 7);
    assert_int_equal(nodes[1].transports, 14);
    assert_string_equal(nodes[1].version, "0.18.0");
    assert_false(nodes[1].draining);
    assert_true(nodes[1].started_at_ms > 1700000000000);
    /* with what is left of its record's TTL: just renewed, so more than the fresh mark */
    assert_true(nodes[1].ttl_left_ms > rs_cluster_fresh_ttl_ms(a));
    assert_true(nodes[1].ttl_left_ms <= SLOW.node_ttl_ms);
    /* B sees the same */
    assert_int_equal(rs_cluster_nodes(b, nodes, 4, &n), 0);
    assert_int_equal(n, 2);
    /* a short buffer gets the first ones */
    assert_int_equal(rs_cluster_nodes(b, nodes, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(nodes[0].id, "node-a");

    struct rs_cluster_node one;
    assert_int_equal(rs_cluster_node_get(a, "node-b", &one), 0);
    assert_int_equal(one.participants, 7);
    assert_true(one.ttl_left_ms > 0);
    assert_int_equal(rs_cluster_node_get(a, "node-z", &one), -ENOENT);
    assert_int_equal(rs_cluster_node_get(a, "no/such", &one), -EINVAL);

    /* the record has a TTL: it is never left without one */
    char key[128];
    snprintf(key, sizeof(key), "%snode:node-a", prefix);
    long long ttl = RAW_INT("PTTL", key);
    assert_true(ttl > 0 && ttl <= SLOW.node_ttl_ms);

    /* a clean leave removes the record and the index entry at once */
    assert_int_equal(rs_cluster_leave(b), 0);
    assert_int_equal(rs_cluster_nodes(a, nodes, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_false(rs_cluster_ready(b));
    rs_cluster_free(a);
    rs_cluster_free(b);
}

static void test_silent_node_is_gone(void **state)
{
    NEED_REDIS();
    char prefix[96], set_key[128];
    PREFIX(prefix);
    snprintf(set_key, sizeof(set_key), "%snodes", prefix);
    struct rs_cluster *a = node_t(prefix, "node-a", NULL, &SHORT_NODE),
                      *b = node_t(prefix, "node-b", NULL, &SHORT_NODE);
    tick(a);
    tick(b);
    assert_true(listed(a, "node-b"));
    /* A keeps its heartbeat, B falls silent (as if it had died) */
    int64_t start = rs_mono_ms();
    while (rs_mono_ms() - start < SHORT_NODE_TTL_MS + 300) {
        tick(a);
        sleep_ms(20);
    }
    assert_true(listed(a, "node-a"));
    assert_false(listed(a, "node-b"));
    /* the listing pruned B's index entry; A's stays */
    assert_int_equal(RAW_INT("SISMEMBER", set_key, "node-b"), 0);
    assert_int_equal(RAW_INT("SISMEMBER", set_key, "node-a"), 1);
    /* B comes back: registered again */
    tick(b);
    assert_true(listed(a, "node-b"));
    rs_cluster_free(a);
    rs_cluster_free(b);
}

static void test_least_loaded_and_drain(void **state)
{
    NEED_REDIS();
    char prefix[96];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL),
                      *c = node(prefix, "node-c", NULL);
    struct rs_cluster_node best;
    assert_int_equal(rs_cluster_least_loaded(a, &best), -ENOENT); /* nobody registered */
    rs_cluster_set_load(a, 30, 60);
    rs_cluster_set_load(b, 10, 20);
    rs_cluster_set_load(c, 10, 18);
    tick(a);
    tick(b);
    tick(c);
    assert_int_equal(rs_cluster_least_loaded(a, &best), 0);
    assert_string_equal(best.id, "node-c"); /* equal participants: fewer transports */
    int64_t now = rs_mono_ms();
    assert_int_equal(rs_cluster_set_draining(c, true, now), 0); /* published at once */
    assert_int_equal(rs_cluster_least_loaded(a, &best), 0);
    assert_string_equal(best.id, "node-b");
    struct rs_cluster_node rec;
    assert_int_equal(rs_cluster_node_get(a, "node-c", &rec), 0);
    assert_true(rec.draining);
    assert_int_equal(rs_cluster_set_draining(b, true, now), 0);
    assert_int_equal(rs_cluster_least_loaded(b, &best), 0);
    assert_string_equal(best.id, "node-a"); /* the busiest, but the only one not draining */
    assert_int_equal(rs_cluster_set_draining(a, true, now), 0);
    assert_int_equal(rs_cluster_least_loaded(a, &best), -ENOENT);
    assert_int_equal(rs_cluster_set_draining(c, false, now), 0);
    assert_int_equal(rs_cluster_least_loaded(a, &best), 0);
    assert_string_equal(best.id, "node-c");
    /* the load clamps at the record's limit instead of writing what it would refuse */
    rs_cluster_set_load(c, UINT32_MAX, UINT32_MAX);
    assert_int_equal(rs_cluster_set_draining(c, false, now), 0);
    assert_int_equal(rs_cluster_node_get(a, "node-c", &rec), 0);
    assert_int_equal(rec.participants, RS_CLUSTER_LOAD_MAX);
    rs_cluster_free(a);
    rs_cluster_free(b);
    rs_cluster_free(c);
}

static void test_node_id_conflict(void **state)
{
    NEED_REDIS();
    char prefix[96];
    PREFIX(prefix);
    struct rs_cluster *first = node(prefix, "node-a", NULL), *copy = node(prefix, "node-a", NULL);
    tick(first);
    assert_true(rs_cluster_ready(first));
    tick(copy); /* a second process with the same id: refused while the first lives */
    assert_false(rs_cluster_ready(copy));
    assert_int_equal(rs_cluster_stats(copy)->node_conflicts, 1);
    tick(first); /* the first one is not disturbed */
    assert_true(rs_cluster_ready(first));
    assert_int_equal(rs_cluster_leave(first), 0);
    sleep_ms(SLOW.heartbeat_ms + 5);
    tick(copy);
    assert_true(rs_cluster_ready(copy));
    rs_cluster_free(first);
    rs_cluster_free(copy);
}

/* Placing a new room on another node: the lease is set to that node's id (with the TTL asked
 * for, never more than the lease TTL) without the placer recording anything; that node's
 * acquire finds it its own. An existing lease is returned and never extended. */
static void test_room_placed(void **state)
{
    NEED_REDIS();
    char prefix[96], key[160], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL);
    tick(a);
    tick(b);
    snprintf(key, sizeof(key), "%sroom:room1:owner", prefix);
    assert_int_equal(rs_cluster_room_place(a, "room1", "node-b", 1000, owner), 0);
    assert_int_equal(rs_cluster_leases(a), 0);
    long long ttl = RAW_INT("PTTL", key);
    assert_true(ttl > 0 && ttl <= 1000);
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), 0);
    assert_string_equal(owner, "node-b");
    /* placed again (by a or any node): the owner comes back, the TTL is not extended */
    memset(owner, 0, sizeof(owner));
    assert_int_equal(rs_cluster_room_place(a, "room1", "node-a", 0, owner), -EBUSY);
    assert_string_equal(owner, "node-b");
    assert_int_equal(rs_cluster_room_place(a, "room1", "node-b", 0, owner), -EBUSY);
    assert_true(RAW_INT("PTTL", key) <= 1000);
    /* b's join arrives: the lease is b's own, renewed to the full TTL */
    assert_int_equal(rs_cluster_room_acquire(b, "room1", rs_mono_ms(), owner), 0);
    assert_int_equal(rs_cluster_leases(b), 1);
    assert_true(RAW_INT("PTTL", key) > 1000);
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), owner), -EBUSY);
    /* garbage in the key is left alone; bad names never reach Redis */
    snprintf(key, sizeof(key), "%sroom:room2:owner", prefix);
    RAW_INT("RPUSH", key, "x");
    assert_int_equal(rs_cluster_room_place(a, "room2", "node-b", 0, owner), -EBADMSG);
    assert_int_equal(RAW_INT("LLEN", key), 1);
    assert_int_equal(rs_cluster_room_place(a, "room:2", "node-b", 0, owner), -EINVAL);
    assert_int_equal(rs_cluster_room_place(a, "room3", "node b", 0, owner), -EINVAL);
    rs_cluster_free(a);
    rs_cluster_free(b);
}
/* ---- leases ---- */

static void test_lease_exclusive_and_failover(void **state)
{
    NEED_REDIS();
    char prefix[96], key[160], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct lost_log lost_a = {0}, lost_b = {0};
    struct rs_cluster *a = node_t(prefix, "node-a", &lost_a, &SHORT_LEASE),
                      *b = node(prefix, "node-b", &lost_b);
    tick(a);
    tick(b);
    int64_t now = rs_mono_ms();
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), -ENOENT);
    assert_int_equal(rs_cluster_room_acquire(a, "room1", now, owner), 0);
    assert_true(rs_cluster_room_held(a, "room1", now));
    assert_false(rs_cluster_room_held(a, "room1", now + SHORT_LEASE_MS)); /* not renewed by then */
    assert_int_equal(rs_cluster_room_acquire(a, "room1", now, owner), 0); /* again: renews */
    assert_int_equal(rs_cluster_leases(a), 1);
    snprintf(key, sizeof(key), "%sroom:room1:owner", prefix);
    long long ttl = RAW_INT("PTTL", key);
    assert_true(ttl > 0 && ttl <= SHORT_LEASE_MS);

    memset(owner, 0, sizeof(owner));
    assert_int_equal(rs_cluster_room_acquire(b, "room1", now, owner), -EBUSY);
    assert_string_equal(owner, "node-a");
    assert_int_equal(rs_cluster_room_owner(b, "room1", owner), 0);
    assert_string_equal(owner, "node-a");
    assert_false(rs_cluster_room_held(b, "room1", now));
    assert_int_equal(rs_cluster_leases(b), 0);
    /* B may not release A's lease: nothing is deleted */
    assert_int_equal(rs_cluster_room_release(b, "room1"), -EPERM);
    assert_int_equal(RAW_INT("EXISTS", key), 1);

    /* A falls silent (no ticks): its lease expires, B takes the room over */
    sleep_ms(SHORT_LEASE_MS + 150);
    assert_int_equal(rs_cluster_room_acquire(b, "room1", rs_mono_ms(), owner), 0);
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), 0);
    assert_string_equal(owner, "node-b");
    /* A wakes up: its renewal finds B, reports the room lost, and forgets it */
    assert_int_equal(lost_a.calls, 0);
    tick(a);
    assert_int_equal(lost_a.calls, 1);
    assert_string_equal(lost_a.room, "room1");
    assert_string_equal(lost_a.owner, "node-b");
    assert_int_equal(rs_cluster_leases(a), 0);
    assert_false(rs_cluster_room_held(a, "room1", rs_mono_ms()));
    assert_int_equal(rs_cluster_stats(a)->leases_lost, 1);
    /* ... and cannot release what is now B's */
    assert_int_equal(rs_cluster_room_release(a, "room1"), -EPERM);
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), 0);
    assert_string_equal(owner, "node-b");
    /* the owner releases; the room is free */
    assert_int_equal(rs_cluster_room_release(b, "room1"), 0);
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), -ENOENT);
    assert_int_equal(rs_cluster_leases(b), 0);
    assert_int_equal(lost_b.calls, 0);
    /* bad room ids never reach Redis */
    assert_int_equal(rs_cluster_room_acquire(a, "a:owner", now, owner), -EINVAL);
    assert_int_equal(rs_cluster_room_acquire(a, "", now, owner), -EINVAL);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

/* Cascade flag (docs/cluster.md section 11): only the owner sets or clears it; another node
 * reads it only while the node that set it owns the room; a former owner's flag counts for
 * nothing; a value that is no node id is refused and left alone. */
static void test_cascade_flag(void **state)
{
    NEED_REDIS();
    char prefix[96], key[160], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct lost_log lost_a = {0}, lost_b = {0};
    struct rs_cluster *a = node(prefix, "node-a", &lost_a), *b = node(prefix, "node-b", &lost_b);
    tick(a);
    tick(b);
    int64_t now = rs_mono_ms();
    snprintf(key, sizeof(key), "%sroom:room9:cascade", prefix);
    /* nobody owns the room: nothing is written */
    assert_int_equal(rs_cluster_room_cascade_set(a, "room9", true), -EPERM);
    assert_int_equal(RAW_INT("EXISTS", key), 0);
    assert_int_equal(rs_cluster_room_acquire(a, "room9", now, owner), 0);
    assert_int_equal(rs_cluster_room_cascading(b, "room9", owner), -ENOENT);
    assert_int_equal(rs_cluster_room_cascade_set(a, "room9", true), 0);
    assert_int_equal(rs_cluster_room_cascading(b, "room9", owner), 0);
    assert_string_equal(owner, "node-a");
    /* B is no owner: it can neither set nor clear it */
    assert_int_equal(rs_cluster_room_cascade_set(b, "room9", false), -EPERM);
    assert_int_equal(RAW_INT("EXISTS", key), 1);
    /* off, and on again */
    assert_int_equal(rs_cluster_room_cascade_set(a, "room9", false), 0);
    assert_int_equal(rs_cluster_room_cascading(b, "room9", owner), -ENOENT);
    assert_int_equal(rs_cluster_room_cascade_set(a, "room9", true), 0);
    /* A releases the room with the flag left (it crashed, say): B takes the room; A's flag
     * says nothing about B's room */
    assert_int_equal(rs_cluster_room_release(a, "room9"), 0);
    assert_int_equal(rs_cluster_room_cascading(b, "room9", owner), -ENOENT);
    assert_int_equal(rs_cluster_room_acquire(b, "room9", rs_mono_ms(), owner), 0);
    assert_int_equal(rs_cluster_room_cascading(a, "room9", owner), -ENOENT);
    /* garbage in both keys (no node id): refused, counted, left alone */
    char okey[160];
    snprintf(okey, sizeof(okey), "%sroom:room8:owner", prefix);
    snprintf(key, sizeof(key), "%sroom:room8:cascade", prefix);
    RAW_DO("SET", okey, "not a node id!");
    RAW_DO("SET", key, "not a node id!");
    uint64_t bad0 = rs_cluster_stats(b)->malformed;
    assert_int_equal(rs_cluster_room_cascading(b, "room8", owner), -EBADMSG);
    assert_int_equal(rs_cluster_stats(b)->malformed, bad0 + 1);
    assert_int_equal(RAW_INT("EXISTS", key), 1);
    /* bad room ids never reach Redis */
    assert_int_equal(rs_cluster_room_cascade_set(a, "a:b", true), -EINVAL);
    assert_int_equal(rs_cluster_room_cascading(a, "", owner), -EINVAL);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

static void test_lease_kept_by_renewal(void **state)
{
    NEED_REDIS();
    char prefix[96], owner[RS_CLUSTER_NODE_ID_MAX + 1], key[160];
    PREFIX(prefix);
    struct lost_log lost = {0};
    static const struct timing t = {1500, 100, 600, 1000};
    struct rs_cluster *a = node_t(prefix, "node-a", &lost, &t), *b = node(prefix, "node-b", NULL);
    tick(a);
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), NULL), 0);
    /* three lease lifetimes: the renewals every TTL/3 keep it */
    int64_t start = rs_mono_ms();
    while (rs_mono_ms() - start < 3 * t.lease_ttl_ms) {
        tick(a);
        assert_int_equal(rs_cluster_room_acquire(b, "room1", rs_mono_ms(), owner), -EBUSY);
        sleep_ms(30);
    }
    assert_true(rs_cluster_room_held(a, "room1", rs_mono_ms()));
    assert_int_equal(lost.calls, 0);
    assert_true(rs_cluster_stats(a)->leases_renewed >= 6);

    /* Redis loses the key (a restart without data): the next renewal takes it back */
    snprintf(key, sizeof(key), "%sroom:room1:owner", prefix);
    RAW_DO("DEL", key);
    sleep_ms(t.lease_ttl_ms / 3 + 10);
    tick(a);
    assert_int_equal(rs_cluster_stats(a)->leases_retaken, 1);
    assert_int_equal(rs_cluster_room_owner(b, "room1", owner), 0);
    assert_string_equal(owner, "node-a");
    assert_int_equal(lost.calls, 0);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

static void test_many_leases_pipelined(void **state)
{
    NEED_REDIS();
    char prefix[96], room[32], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL);
    tick(a);
    const int rooms = 600; /* more than one pipeline of renewals */
    for (int i = 0; i < rooms; i++) {
        snprintf(room, sizeof(room), "r%d", i);
        assert_int_equal(rs_cluster_room_acquire(a, room, rs_mono_ms(), NULL), 0);
        tick(a); /* renews the earlier ones in time */
    }
    assert_int_equal(rs_cluster_leases(a), rooms);
    uint64_t before = rs_cluster_stats(a)->leases_renewed;
    sleep_ms(SLOW.lease_ttl_ms / 3 + 10);
    tick(a);
    assert_int_equal(rs_cluster_stats(a)->leases_renewed - before, rooms);
    snprintf(room, sizeof(room), "r%d", rooms - 1);
    assert_int_equal(rs_cluster_room_acquire(b, room, rs_mono_ms(), owner), -EBUSY);
    /* leaving releases them all */
    assert_int_equal(rs_cluster_leave(a), 0);
    assert_int_equal(rs_cluster_leases(a), 0);
    assert_int_equal(rs_cluster_room_owner(b, room, owner), -ENOENT);
    assert_int_equal(rs_cluster_room_owner(b, "r0", owner), -ENOENT);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

/* ---- streams ---- */

struct seen {
    int n;
    int stop_at; /* refuse the event with this index (0: never) */
    char ids[32][RS_CLUSTER_EVENT_ID_MAX + 1];
    char bodies[32][64];
    char from[32][RS_CLUSTER_NODE_ID_MAX + 1];
    const char *type; /* the type every event must have (NULL: moderation/mute) */
};

static int collect(void *user, const struct rs_cluster_event *ev)
{
    struct seen *s = user;
    if (s->stop_at && s->n + 1 == s->stop_at)
        return 1;
    assert_true(s->n < 32);
    assert_string_equal(ev->type, s->type ? s->type : "moderation/mute");
    assert_true(ev->body[ev->body_len] == 0);
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", ev->id);
    snprintf(s->bodies[s->n], sizeof(s->bodies[0]), "%.*s", (int)ev->body_len, ev->body);
    snprintf(s->from[s->n], sizeof(s->from[0]), "%s", ev->from);
    s->n++;
    return 0;
}

static void append(struct rs_cluster *c, const char *room, const char *body, char *id)
{
    assert_int_equal(rs_cluster_event_append(c, room, "moderation/mute", body, strlen(body), id),
                     0);
}

static void test_stream_order(void **state)
{
    NEED_REDIS();
    char prefix[96], cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0", id[RS_CLUSTER_EVENT_ID_MAX + 1];
    char key[160];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL);
    struct seen s = {0};
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 10, collect, &s), 0); /* none */
    char body[24];
    for (int i = 0; i < 5; i++) {
        snprintf(body, sizeof(body), "{\"n\":%d}", i);
        append(i % 2 ? b : a, "room1", body, id);
    }
    snprintf(key, sizeof(key), "%sroom:room1:events", prefix);
    long long ttl = RAW_INT("PTTL", key);
    assert_true(ttl > 0); /* the stream expires after the last append */
    /* read two at a time: order kept, cursor moves */
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 2, collect, &s), 2);
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 2, collect, &s), 2);
    assert_string_equal(cursor, s.ids[3]);
    /* the reader refuses the next one: the cursor stays, it comes again */
    s.stop_at = 5;
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 2, collect, &s), 0);
    assert_string_equal(cursor, s.ids[3]);
    s.stop_at = 0;
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 10, collect, &s), 1);
    assert_int_equal(s.n, 5);
    assert_string_equal(cursor, id);
    for (int i = 0; i < 5; i++) {
        snprintf(body, sizeof(body), "{\"n\":%d}", i);
        assert_string_equal(s.bodies[i], body);
        assert_string_equal(s.from[i], i % 2 ? "node-b" : "node-a");
    }
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 10, collect, &s), 0);
    /* empty bodies are fine; oversized ones, bad types and bad cursors are refused here */
    assert_int_equal(rs_cluster_event_append(a, "room1", "moderation/mute", NULL, 0, NULL), 0);
    static char big[RS_CLUSTER_EVENT_BODY_MAX + 1];
    assert_int_equal(rs_cluster_event_append(a, "room1", "moderation/mute", big, sizeof(big), NULL),
                     -EINVAL);
    assert_int_equal(rs_cluster_event_append(a, "room1", "Bad Type", "x", 1, NULL), -EINVAL);
    char bad_cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "12-x";
    assert_int_equal(rs_cluster_events_read(a, "room1", bad_cursor, 10, collect, &s), -EINVAL);
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 0, collect, &s), -EINVAL);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

struct inbox_seen {
    unsigned n;
    char rooms[8][RS_CLUSTER_ROOM_ID_MAX + 1];
};

static void inbox_collect(void *user, const char *room)
{
    struct inbox_seen *s = user;
    if (s->n < 8)
        snprintf(s->rooms[s->n], sizeof(s->rooms[0]), "%s", room);
    s->n++;
}

/* A notice reaches a room's owner: appended to the stream and the room put into the owner's
 * inbox, in one script, only while the room has an owner; an inbox is taken once; garbage in an
 * inbox or an owner key is counted and left alone. */
static void test_notify_and_inbox(void **state)
{
    NEED_REDIS();
    char prefix[96], cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0", owner[RS_CLUSTER_NODE_ID_MAX + 1];
    char key[160];
    PREFIX(prefix);
    struct rs_cluster *a = node(prefix, "node-a", NULL), *b = node(prefix, "node-b", NULL);
    struct inbox_seen in = {0};
    struct seen s = {.type = "meeting/changed"};
    /* nobody owns the room: nothing appended, nobody's inbox touched */
    assert_int_equal(rs_cluster_event_notify(b, "room1", "meeting/changed", NULL, 0, owner),
                     -ENOENT);
    assert_string_equal(owner, "");
    snprintf(key, sizeof(key), "%sroom:room1:events", prefix);
    assert_int_equal(RAW_INT("EXISTS", key), 0);
    /* a owns it: b's notice lands in the stream and in a's inbox */
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), owner), 0);
    assert_int_equal(rs_cluster_room_acquire(a, "room2", rs_mono_ms(), owner), 0);
    assert_int_equal(rs_cluster_event_notify(b, "room1", "meeting/changed", "{}", 2, owner), 0);
    assert_string_equal(owner, "node-a");
    assert_int_equal(rs_cluster_event_notify(b, "room1", "meeting/changed", NULL, 0, NULL), 0);
    assert_int_equal(rs_cluster_event_notify(b, "room2", "agenda/changed", NULL, 0, NULL), 0);
    assert_int_equal(rs_cluster_inbox_take(b, 10, inbox_collect, &in), 0); /* b's is empty */
    assert_int_equal(rs_cluster_inbox_take(a, 10, inbox_collect, &in), 2);
    assert_int_equal(in.n, 2);
    assert_true((strcmp(in.rooms[0], "room1") == 0 && strcmp(in.rooms[1], "room2") == 0) ||
                (strcmp(in.rooms[0], "room2") == 0 && strcmp(in.rooms[1], "room1") == 0));
    assert_int_equal(rs_cluster_inbox_take(a, 10, inbox_collect, &in), 0); /* taken once */
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 10, collect, &s), 2);
    assert_string_equal(s.from[0], "node-b");
    assert_string_equal(s.bodies[0], "{}");
    /* garbage: a member that is no room id is dropped and counted; an unreadable owner is
     * refused and left alone; an inbox key that is no set is refused */
    char inbox[160];
    snprintf(inbox, sizeof(inbox), "%sinbox:node-a", prefix);
    RAW_DO("SADD", inbox, "no room: id", "room3");
    uint64_t malformed = rs_cluster_stats(a)->malformed;
    in.n = 0;
    assert_int_equal(rs_cluster_inbox_take(a, 10, inbox_collect, &in), 1);
    assert_string_equal(in.rooms[0], "room3");
    assert_int_equal(rs_cluster_stats(a)->malformed, malformed + 1);
    snprintf(key, sizeof(key), "%sroom:room9:owner", prefix);
    RAW_DO("SET", key, "a quote\" and spaces");
    assert_int_equal(rs_cluster_event_notify(b, "room9", "meeting/changed", NULL, 0, owner),
                     -EBADMSG);
    snprintf(key, sizeof(key), "%sroom:room9:events", prefix);
    assert_int_equal(RAW_INT("EXISTS", key), 0);
    RAW_DO("SET", inbox, "not a set");
    assert_int_equal(rs_cluster_inbox_take(a, 10, inbox_collect, &in), -EBADMSG);
    assert_int_equal(rs_cluster_inbox_take(a, 0, inbox_collect, &in), -EINVAL);
    assert_int_equal(rs_cluster_event_notify(b, "bad room", "meeting/changed", NULL, 0, NULL),
                     -EINVAL);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

static pid_t stopped_pid; /* a server a test stopped (SIGSTOP), for the teardown */

static int resume_server(void **state)
{
    if (stopped_pid > 0)
        kill(stopped_pid, SIGCONT);
    stopped_pid = 0;
    return 0;
}

static void test_stream_no_loss_across_reconnect(void **state)
{
    NEED_REDIS();
    char prefix[96], cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0";
    PREFIX(prefix);
    static const struct timing t = {1500, 100, 1500, 250}; /* production's command timeout */
    struct rs_cluster *owner = node_t(prefix, "node-a", NULL, &t),
                      *other = node(prefix, "node-b", NULL);
    const struct rs_redis_stats *rst = rs_redis_stats(rs_cluster_redis(owner));
    struct seen s = {0};
    append(other, "room1", "0", NULL);
    append(other, "room1", "1", NULL);
    append(other, "room1", "2", NULL);
    assert_int_equal(rs_cluster_events_read(owner, "room1", cursor, 2, collect, &s), 2);

    /* every connection but the raw one is cut while idle: the next read notices before it
     * sends, reconnects and goes on */
    RAW_DO("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    assert_int_equal(rs_cluster_events_read(owner, "room1", cursor, 10, collect, &s), 1);
    assert_int_equal(rst->stale, 1);
    assert_int_equal(rst->connects, 2);

    /* a read whose reply is lost: Redis hangs, the read times out (Redis answers it after it
     * resumes, to a connection nobody reads any more) */
    stopped_pid = server_pid();
    assert_int_equal(kill(stopped_pid, SIGSTOP), 0);
    int64_t t0 = rs_mono_ms();
    assert_int_equal(rs_cluster_events_read(owner, "room1", cursor, 10, collect, &s), -ETIMEDOUT);
    assert_true(rs_mono_ms() - t0 <= HANG_BOUND_MS);
    assert_int_equal(kill(stopped_pid, SIGCONT), 0);
    stopped_pid = 0;
    for (int i = 3; i < 6; i++) {
        char body[12];
        snprintf(body, sizeof(body), "%d", i);
        append(other, "room1", body, NULL);
    }
    /* the owner reconnects after its backoff and reads on from its cursor */
    int64_t end = rs_mono_ms() + 2000;
    while (s.n < 6 && rs_mono_ms() < end)
        if (rs_cluster_events_read(owner, "room1", cursor, 10, collect, &s) < 0)
            sleep_ms(10);
    assert_int_equal(s.n, 6);
    for (int i = 0; i < 6; i++) {
        char body[12];
        snprintf(body, sizeof(body), "%d", i);
        assert_string_equal(s.bodies[i], body); /* in order, none lost, none twice */
    }
    assert_int_equal(rs_cluster_events_read(owner, "room1", cursor, 10, collect, &s), 0);
    assert_int_equal(rst->timeouts, 1);
    rs_cluster_free(owner);
    rs_cluster_free(other);
}

static void test_stream_cursor_fenced_by_lease(void **state)
{
    NEED_REDIS();
    char prefix[96], cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0";
    char next[RS_CLUSTER_EVENT_ID_MAX + 1], id[RS_CLUSTER_EVENT_ID_MAX + 1];
    PREFIX(prefix);
    struct rs_cluster *a = node_t(prefix, "node-a", NULL, &SHORT_LEASE),
                      *b = node(prefix, "node-b", NULL);
    struct seen s = {0};
    assert_int_equal(rs_cluster_events_cursor(b, "room1", next), -ENOENT);
    assert_string_equal(next, "0");
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), NULL), 0);
    append(b, "room1", "first", NULL);
    append(b, "room1", "second", id);
    assert_int_equal(rs_cluster_events_read(a, "room1", cursor, 1, collect, &s), 1);
    assert_int_equal(rs_cluster_events_commit(a, "room1", cursor), 0);
    /* B does not own the room: it cannot move the cursor */
    assert_int_equal(rs_cluster_events_commit(b, "room1", id), -EPERM);
    assert_int_equal(rs_cluster_events_commit(a, "room1", "nonsense"), -EINVAL);
    /* A dies; B takes over and goes on from A's cursor: "second" is next, "first" not again */
    sleep_ms(SHORT_LEASE_MS + 150);
    assert_int_equal(rs_cluster_room_acquire(b, "room1", rs_mono_ms(), NULL), 0);
    assert_int_equal(rs_cluster_events_commit(a, "room1", id), -EPERM); /* too late for A */
    assert_int_equal(rs_cluster_events_cursor(b, "room1", next), 0);
    assert_string_equal(next, cursor);
    struct seen s2 = {0};
    assert_int_equal(rs_cluster_events_read(b, "room1", next, 10, collect, &s2), 1);
    assert_string_equal(s2.bodies[0], "second");
    rs_cluster_free(a);
    rs_cluster_free(b);
}

/* ---- Redis down ---- */

/* Calls everything a control thread would while Redis is unreachable: each must fail within
 * CALL_BOUND_MS. Three rounds; on a loaded machine a round may be slowed by the scheduler, so
 * one round within CALL_BOUND_MS is required, and no call may ever reach HANG_BOUND_MS. */
static void all_fail_fast(struct rs_cluster *c)
{
    char owner[RS_CLUSTER_NODE_ID_MAX + 1], cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0";
    struct rs_cluster_node nodes[4];
    size_t n;
    struct seen s = {0};
    int64_t best = INT64_MAX, slowest = 0;
    for (int round = 0; round < 3; round++) {
        int64_t t[7];
        t[0] = rs_mono_ms();
        tick(c);
        t[1] = rs_mono_ms();
        assert_true(rs_cluster_room_acquire(c, "other", t[1], owner) < 0);
        t[2] = rs_mono_ms();
        assert_true(rs_cluster_room_owner(c, "room1", owner) < 0);
        t[3] = rs_mono_ms();
        assert_true(rs_cluster_nodes(c, nodes, 4, &n) < 0);
        t[4] = rs_mono_ms();
        assert_true(rs_cluster_events_read(c, "room1", cursor, 10, collect, &s) < 0);
        t[5] = rs_mono_ms();
        assert_true(rs_cluster_event_append(c, "room1", "moderation/mute", "x", 1, NULL) < 0);
        t[6] = rs_mono_ms();
        int64_t worst = 0;
        for (int i = 1; i < 7; i++)
            if (t[i] - t[i - 1] > worst)
                worst = t[i] - t[i - 1];
        if (worst >= HANG_BOUND_MS)
            fail_msg("a call took %lld ms while Redis was down", (long long)worst);
        if (worst < best)
            best = worst;
        if (worst > slowest)
            slowest = worst;
        sleep_ms(OUTAGE_HEARTBEAT_MS);
    }
    print_message("while Redis was down: slowest call %lld ms, in the best round %lld ms\n",
                  (long long)slowest, (long long)best);
    assert_true(best <= CALL_BOUND_MS);
}

static void test_redis_hung(void **state)
{
    NEED_REDIS();
    char prefix[96];
    PREFIX(prefix);
    struct lost_log lost = {0};
    struct rs_cluster *a = node_t(prefix, "node-a", &lost, &OUTAGE);
    tick(a);
    assert_true(rs_cluster_ready(a));
    /* a lease that must outlive the outage */
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), NULL), 0);

    stopped_pid = server_pid();
    assert_int_equal(kill(stopped_pid, SIGSTOP), 0);
    int64_t down_at = rs_mono_ms(), slowest_tick = 0;
    /* ready turns false within grace heartbeats (each failing within the command timeout) */
    while (rs_cluster_ready(a) && rs_mono_ms() - down_at < 2000) {
        int64_t t0 = rs_mono_ms();
        tick(a);
        if (rs_mono_ms() - t0 > slowest_tick)
            slowest_tick = rs_mono_ms() - t0;
        sleep_ms(OUTAGE_HEARTBEAT_MS);
    }
    assert_false(rs_cluster_ready(a));
    int64_t took = rs_mono_ms() - down_at;
    print_message("not ready %lld ms after Redis hung; slowest tick %lld ms (timeout 100 ms)\n",
                  (long long)took, (long long)slowest_tick);
    assert_true(slowest_tick < HANG_BOUND_MS);
    /* 3 heartbeats of 50 ms failing after 100 ms each: about 450 ms, plus a loaded machine */
    assert_true(took < 2000);
    assert_false(rs_redis_up(rs_cluster_redis(a)));
    assert_true(rs_redis_stats(rs_cluster_redis(a))->timeouts >= 1);
    all_fail_fast(a);

    /* Redis comes back: ready again within a backoff plus a heartbeat */
    assert_int_equal(kill(stopped_pid, SIGCONT), 0);
    stopped_pid = 0;
    assert_true(tick_until_ready(a, 1500));
    tick(a); /* the renewal after the outage */
    char owner[RS_CLUSTER_NODE_ID_MAX + 1];
    assert_int_equal(rs_cluster_room_owner(a, "room1", owner), 0);
    assert_string_equal(owner, "node-a");
    assert_int_equal(lost.calls, 0);
    rs_cluster_free(a);
}

static void test_redis_restarted_empty(void **state)
{
    NEED_REDIS();
    char prefix[96], conf[512], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct lost_log lost = {0};
    struct rs_cluster *a = node_t(prefix, "node-a", &lost, &OUTAGE),
                      *b = node(prefix, "node-b", NULL);
    tick(a);
    tick(b);
    assert_int_equal(rs_cluster_room_acquire(a, "room1", rs_mono_ms(), NULL), 0);
    info_field("config_file", conf, sizeof(conf));
    assert_true(conf[0] == '/');

    /* Redis goes away: SHUTDOWN NOSAVE (the reply is the connection closing) */
    redisReply *rep = NULL;
    const char *argv[2] = {"SHUTDOWN", "NOSAVE"};
    size_t lens[2] = {8, 6};
    assert_true(rs_redis_command(raw, 2, argv, lens, &rep) < 0);
    int64_t down_at = rs_mono_ms();
    while (rs_cluster_ready(a) && rs_mono_ms() - down_at < 2000) {
        tick(a);
        sleep_ms(OUTAGE_HEARTBEAT_MS);
    }
    assert_false(rs_cluster_ready(a));
    all_fail_fast(a);
    assert_true(rs_redis_stats(rs_cluster_redis(a))->fast_fails > 0);

    /* started again from the same config, without any data */
    pid_t pid;
    char *args[] = {"redis-server", conf, NULL};
    assert_int_equal(posix_spawnp(&pid, "redis-server", NULL, NULL, args, environ), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid); /* it daemonizes */
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(tick_until_ready(a, 3000));
    tick(a);
    /* A re-registered and took its lease back; B, silent, is simply not there */
    assert_true(listed(a, "node-a"));
    assert_false(listed(a, "node-b"));
    assert_int_equal(rs_cluster_room_owner(b, "room1", owner), 0);
    assert_string_equal(owner, "node-a");
    assert_int_equal(lost.calls, 0);
    rs_cluster_free(a);
    rs_cluster_free(b);
}

/* ---- garbage from another process ---- */

static void test_garbage_refused(void **state)
{
    NEED_REDIS();
    char prefix[96], key[160], set_key[160], owner[RS_CLUSTER_NODE_ID_MAX + 1];
    PREFIX(prefix);
    struct lost_log lost = {0};
    struct rs_cluster *a = node_t(prefix, "node-a", &lost, &SHORT_LEASE);
    tick(a);
    snprintf(set_key, sizeof(set_key), "%snodes", prefix);

    /* node records: a bad number, a huge URL, the wrong type, index entries that are no ids */
    snprintf(key, sizeof(key), "%snode:bad-count", prefix);
    RAW_DO("HSET", key, "url", "https://x.example", "media_ip", "192.0.2.9", "participants", "abc",
           "transports", "1", "started_at", "1", "version", "1", "draining", "0", "instance", "i");
    RAW_DO("SADD", set_key, "bad-count");
    static char huge[1 << 20];
    memset(huge, 'a', sizeof(huge));
    memcpy(huge, "https://x.example/", 18);
    snprintf(key, sizeof(key), "%snode:huge-url", prefix);
    {
        const char *argv[4] = {"HSET", key, "url", huge};
        size_t lens[4] = {4, strlen(key), 3, sizeof(huge)};
        freeReplyObject(raw_n(4, argv, lens));
    }
    RAW_DO("SADD", set_key, "huge-url");
    snprintf(key, sizeof(key), "%snode:a-string", prefix);
    RAW_DO("SET", key, "not a hash");
    RAW_DO("SADD", set_key, "a-string", "../etc", "with space", "");
    uint64_t malformed = rs_cluster_stats(a)->malformed;
    struct rs_cluster_node nodes[8];
    size_t n = 0;
    assert_int_equal(rs_cluster_nodes(a, nodes, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(nodes[0].id, "node-a");
    assert_true(rs_cluster_stats(a)->malformed - malformed >= 5);
    struct rs_cluster_node rec;
    assert_int_equal(rs_cluster_node_get(a, "bad-count", &rec), -EBADMSG);
    assert_int_equal(rs_cluster_node_get(a, "huge-url", &rec), -EBADMSG);
    assert_int_equal(rs_cluster_node_get(a, "a-string", &rec), -EBADMSG);
    /* garbage is counted, not deleted: it was not ours */
    assert_int_equal(RAW_INT("SISMEMBER", set_key, "a-string"), 1);
    assert_int_equal(RAW_INT("EXISTS", key), 1);

    /* owners: unreadable values and types are refused and left alone */
    snprintf(key, sizeof(key), "%sroom:big:owner", prefix);
    {
        const char *argv[3] = {"SET", key, huge};
        size_t lens[3] = {3, strlen(key), sizeof(huge)};
        freeReplyObject(raw_n(3, argv, lens));
    }
    assert_int_equal(rs_cluster_room_owner(a, "big", owner), -EBADMSG);
    assert_int_equal(rs_cluster_room_acquire(a, "big", rs_mono_ms(), owner), -EBADMSG);
    assert_int_equal(rs_cluster_room_release(a, "big"), -EPERM);
    assert_int_equal(RAW_INT("STRLEN", key), (long long)sizeof(huge));
    snprintf(key, sizeof(key), "%sroom:bad:owner", prefix);
    RAW_DO("SET", key, "no such node!");
    assert_int_equal(rs_cluster_room_owner(a, "bad", owner), -EBADMSG);
    assert_int_equal(rs_cluster_room_acquire(a, "bad", rs_mono_ms(), owner), -EBADMSG);
    snprintf(key, sizeof(key), "%sroom:list:owner", prefix);
    RAW_DO("RPUSH", key, "node-a");
    assert_int_equal(rs_cluster_room_owner(a, "list", owner), -EBADMSG);
    assert_int_equal(rs_cluster_room_acquire(a, "list", rs_mono_ms(), owner), -EBADMSG);
    assert_int_equal(rs_cluster_room_release(a, "list"), -EPERM);
    assert_int_equal(RAW_INT("LLEN", key), 1);
    assert_int_equal(rs_cluster_leases(a), 0);

    /* our own lease overwritten with garbage: the renewal reports it lost, owner unknown */
    assert_int_equal(rs_cluster_room_acquire(a, "mine", rs_mono_ms(), NULL), 0);
    snprintf(key, sizeof(key), "%sroom:mine:owner", prefix);
    RAW_DO("SET", key, "\x01\x02garbage");
    sleep_ms(SHORT_LEASE_MS / 3 + 10);
    tick(a);
    assert_int_equal(lost.calls, 1);
    assert_string_equal(lost.room, "mine");
    assert_string_equal(lost.owner, "");
    assert_int_equal(RAW_INT("EXISTS", key), 1);

    /* stream entries: only complete, well-formed ones are delivered; the cursor passes all */
    snprintf(key, sizeof(key), "%sroom:s:events", prefix);
    RAW_DO("XADD", key, "*", "from", "node-b", "type", "moderation/mute", "body", "good-1");
    RAW_DO("XADD", key, "*", "from", "node-b", "type", "moderation/mute");          /* no body */
    RAW_DO("XADD", key, "*", "from", "bad node", "type", "moderation/mute", "body", "x");
    RAW_DO("XADD", key, "*", "from", "node-b", "type", "UPPER", "body", "x");
    RAW_DO("XADD", key, "*", "from", "node-b", "from", "node-c", "type", "moderation/mute",
           "body", "x"); /* a field twice */
    {
        static char body[RS_CLUSTER_EVENT_BODY_MAX + 1];
        memset(body, 'b', sizeof(body));
        const char *argv[9] = {"XADD", key, "*", "from", "node-b", "type", "moderation/mute",
                               "body", body};
        size_t lens[9] = {4, strlen(key), 1, 4, 6, 4, 15, 4, sizeof(body)};
        freeReplyObject(raw_n(9, argv, lens));
    }
    RAW_DO("XADD", key, "*", "from", "node-b", "type", "moderation/mute", "body", "good-2",
           "extra", "ignored");
    char cursor[RS_CLUSTER_EVENT_ID_MAX + 1] = "0";
    struct seen s = {0};
    malformed = rs_cluster_stats(a)->malformed;
    assert_int_equal(rs_cluster_events_read(a, "s", cursor, 20, collect, &s), 2);
    assert_string_equal(s.bodies[0], "good-1");
    assert_string_equal(s.bodies[1], "good-2");
    assert_int_equal(rs_cluster_stats(a)->malformed - malformed, 5);
    assert_int_equal(rs_cluster_events_read(a, "s", cursor, 20, collect, &s), 0);
    /* a stream key that is no stream; a cursor that is no id */
    snprintf(key, sizeof(key), "%sroom:t:events", prefix);
    RAW_DO("SET", key, "x");
    strcpy(cursor, "0");
    assert_int_equal(rs_cluster_events_read(a, "t", cursor, 20, collect, &s), -EBADMSG);
    assert_int_equal(rs_cluster_event_append(a, "t", "moderation/mute", "x", 1, NULL), -EBADMSG);
    snprintf(key, sizeof(key), "%sroom:t:cursor", prefix);
    RAW_DO("SET", key, "99-99-99");
    assert_int_equal(rs_cluster_events_cursor(a, "t", cursor), -EBADMSG);
    assert_string_equal(cursor, "0");
    /* the node is still fine */
    tick(a);
    assert_true(rs_cluster_ready(a));
    rs_cluster_free(a);
}

static int group_setup(void **state)
{
    signal(SIGPIPE, SIG_IGN); /* as main.c: hiredis writes with write(2) */
    redis_url = getenv("RATSAAL_TEST_REDIS");
    if (redis_url && !*redis_url)
        redis_url = NULL;
    if (!redis_url)
        return 0;
    struct rs_redis_opts o = {.url = redis_url,
                              .connect_timeout_ms = 1000,
                              .command_timeout_ms = 2000,
                              .backoff_min_ms = 10,
                              .backoff_max_ms = 50};
    return rs_redis_new(&o, &raw);
}

static int group_teardown(void **state)
{
    resume_server(state);
    rs_redis_free(raw);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_urls),
        cmocka_unit_test(test_options_refused),
        cmocka_unit_test(test_register_and_list),
        cmocka_unit_test(test_silent_node_is_gone),
        cmocka_unit_test(test_least_loaded_and_drain),
        cmocka_unit_test(test_node_id_conflict),
        cmocka_unit_test(test_lease_exclusive_and_failover),
        cmocka_unit_test(test_room_placed),
        cmocka_unit_test(test_lease_kept_by_renewal),
        cmocka_unit_test(test_cascade_flag),
        cmocka_unit_test(test_many_leases_pipelined),
        cmocka_unit_test(test_stream_order),
        cmocka_unit_test_teardown(test_stream_no_loss_across_reconnect, resume_server),
        cmocka_unit_test(test_stream_cursor_fenced_by_lease),
        cmocka_unit_test(test_notify_and_inbox),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test_teardown(test_redis_hung, resume_server),
        cmocka_unit_test(test_redis_restarted_empty),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
