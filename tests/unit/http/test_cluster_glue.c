/* SPDX-License-Identifier: EUPL-1.2 */
/* Room ownership in a cluster (http/cluster_glue.c, room/room.c's hooks): two nodes, each an
 * app with its own rooms and sessions over a fake transport, on a real redis-server
 * (RATSAAL_TEST_REDIS, as tests/unit/cluster/test_cluster.c; every test skips without it).
 * What a join is answered when the room is free, owned by the other node, owned by a node whose
 * record is gone, or Redis is unreachable; a room closing gives its lease up; a lease lost at
 * renewal sends the room's participants `moved` and ends the room here. Failover with state: the
 * room's snapshot is written only by its owner, a resume on the other node finds the participant
 * with its hand, a malformed or oversized snapshot is refused and counted, and a drain hands the
 * rooms over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/cluster_events.h"
#include "http/cluster_glue.h"
#include "room/agenda.h"
#include "room/room.h"
#include "store/store.h"
#include "room/snapshot.h"
#include "signaling/session.h"
#include "../../support/tmpdir.h"

static const char *redis_url;
static char prefix[64];
static char shared[64]; /* the directory of a's and b's recordings_dir and live_dir */
static struct rs_app a, b;
static int closes;

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
    closes++;
}

static const struct rs_session_ops ops = {want_write, do_close};

/* Records and values this node refused as malformed (the Redis side of a refused snapshot). */
static uint64_t malformed_count(struct rs_app *app)
{
    rs_cluster_glue_tick(app, rs_mono_ms());
    return rs_metric_get(RS_M_CLUSTER_MALFORMED);
}

/* Makes `base`/rec and `base`/live, the two directories a node shares (cluster_storage.h). */
static void dirs_at(struct rs_config *cfg, const char *base)
{
    snprintf(cfg->recordings_dir, sizeof(cfg->recordings_dir), "%s/rec", base);
    snprintf(cfg->live_dir, sizeof(cfg->live_dir), "%s/live", base);
    mkdir(cfg->recordings_dir, 0700);
    mkdir(cfg->live_dir, 0700);
}

/* Removes a test_tmp_dir with what the nodes wrote into it (their markers). 0 or -1. */
static int remove_tree(const char *dir)
{
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void app_init_at(struct rs_app *app, const char *id, const char *url, const char *dirs)
{
    memset(app, 0, sizeof(*app));
    rs_config_defaults(&app->cfg);
    dirs_at(&app->cfg, dirs);
    snprintf(app->cfg.cluster_redis, sizeof(app->cfg.cluster_redis), "%s", url);
    snprintf(app->cfg.cluster_node_id, sizeof(app->cfg.cluster_node_id), "%s", id);
    snprintf(app->cfg.cluster_public_url, sizeof(app->cfg.cluster_public_url),
             "http://127.0.0.1:80%s", id[0] == 'a' ? "81" : "82");
    snprintf(app->cfg.cluster_prefix, sizeof(app->cfg.cluster_prefix), "%s", prefix);
    app->cfg.cluster_lease_ttl_ms = 3000;
    app->rooms = rs_rooms_new(app);
    assert_non_null(app->rooms);
    char err[256] = "";
    if (rs_cluster_glue_start(app, err, sizeof(err)))
        fail_msg("start %s: %s", id, err);
    assert_non_null(app->cluster);
    rs_cluster_glue_tick(app, rs_mono_ms()); /* registers */
}

static void app_init(struct rs_app *app, const char *id, const char *url)
{
    app_init_at(app, id, url, shared);
}

static int setup(void **state)
{
    if (!redis_url)
        return 0;
    static unsigned run;
    snprintf(prefix, sizeof(prefix), "glue-test:%d:%u:", (int)getpid(), run++);
    app_init(&a, "a", redis_url);
    app_init(&b, "b", redis_url);
    closes = 0;
    return 0;
}

static void app_done(struct rs_app *app)
{
    while (app->sessions)
        rs_session_free(app->sessions);
    rs_cluster_glue_stop(app);
    rs_rooms_free(app->rooms);
}

static int teardown(void **state)
{
    if (!redis_url)
        return 0;
    app_done(&a);
    app_done(&b);
    return 0;
}

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (!redis_url)                                                                            \
            skip();                                                                                \
    } while (0)

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *o = rs_session_peek(s);
    if (!o)
        return NULL;
    json_t *j = json_loadb((const char *)o->data + RS_OUTBUF_HEADROOM, o->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

/* The first control/joined or error event `s` received (new reference), or a failure. */
static json_t *answer(struct rs_session *s)
{
    json_t *j;
    while ((j = next(s))) {
        const char *ev = json_string_value(json_object_get(j, "event"));
        if (ev && (strcmp(ev, "joined") == 0 || strcmp(ev, "error") == 0))
            return j;
        json_decref(j);
    }
    fail_msg("neither joined nor an error");
    return NULL;
}

static struct rs_session *join(struct rs_app *app, const char *room)
{
    struct rs_session *s = rs_session_new(app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    char msg[160];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"P\"}",
             room);
    rs_session_on_message(s, msg, strlen(msg));
    return s;
}

static const char *str(json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

static void expect_joined(struct rs_session *s)
{
    json_t *j = answer(s);
    if (strcmp(str(j, "event"), "joined") != 0)
        fail_msg("not joined: %s %s", str(j, "code"), str(j, "text"));
    json_decref(j);
}

/* Expects `moved` with `url` and `node` (both "" when they must be absent). */
static void expect_moved(struct rs_session *s, const char *url, const char *node)
{
    json_t *j = answer(s);
    assert_string_equal(str(j, "event"), "error");
    assert_string_equal(str(j, "code"), "moved");
    assert_string_equal(str(j, "url"), url);
    assert_string_equal(str(j, "node"), node);
    if (!url[0])
        assert_true(json_integer_value(json_object_get(j, "retry_after_s")) > 0);
    else
        assert_null(json_object_get(j, "retry_after_s"));
    json_decref(j);
}

/* A raw command on its own connection: what another node (or an operator) writes. */
static void raw(const char *cmd, const char *key, const char *value)
{
    struct rs_redis *r;
    struct rs_redis_opts o = {.url = redis_url};
    assert_int_equal(rs_redis_new(&o, &r), 0);
    const char *argv[3] = {cmd, key, value};
    size_t lens[3] = {strlen(cmd), strlen(key), value ? strlen(value) : 0};
    redisReply *reply = NULL;
    assert_int_equal(rs_redis_command(r, value ? 3 : 2, argv, lens, &reply), 0);
    freeReplyObject(reply);
    rs_redis_free(r);
}

static void owner_key(char *out, size_t cap, const char *room)
{
    snprintf(out, cap, "%sroom:%s:owner", prefix, room);
}

/* The owner key of `room` as Redis holds it, into `out` ("" when absent). */
static void owner_of(const char *room, char *out, size_t cap)
{
    char key[128];
    owner_key(key, sizeof(key), room);
    struct rs_redis *r;
    struct rs_redis_opts o = {.url = redis_url};
    assert_int_equal(rs_redis_new(&o, &r), 0);
    const char *argv[2] = {"GET", key};
    size_t lens[2] = {3, strlen(key)};
    redisReply *reply = NULL;
    assert_int_equal(rs_redis_command(r, 2, argv, lens, &reply), 0);
    snprintf(out, cap, "%s", reply->type == REDIS_REPLY_STRING ? reply->str : "");
    freeReplyObject(reply);
    rs_redis_free(r);
}

/* The first join opens the room where it lands; a join on the other node is sent there; the
 * room's lease goes with its last participant, and then the other node may open it. */
static void test_join_routing(void **state)
{
    NEED_REDIS();
    const char *reason = NULL;
    assert_true(rs_cluster_glue_ready(&a, &reason));
    struct rs_session *sa = join(&a, "r1");
    expect_joined(sa);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_LEASES), 0); /* copied at the next tick */
    rs_cluster_glue_tick(&a, rs_mono_ms());
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_LEASES), 1);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_READY), 1);

    uint64_t moved_before = rs_metric_error_get(RS_ERR_MOVED);
    struct rs_session *sb = join(&b, "r1");
    expect_moved(sb, "http://127.0.0.1:8081", "a");
    assert_int_equal(rs_metric_error_get(RS_ERR_MOVED), moved_before + 1);
    assert_int_equal(rs_rooms_count(b.rooms), 0);
    rs_session_free(sb);

    rs_session_free(sa); /* the room closes on a: its lease is released */
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    sb = join(&b, "r1");
    expect_joined(sb);
    struct rs_session *sa2 = join(&a, "r1");
    expect_moved(sa2, "http://127.0.0.1:8082", "b");
}

/* An owner whose record is gone (it just died) while its lease lives: no URL, a retry hint;
 * once the lease is gone, the join opens the room here. */
static void test_owner_gone(void **state)
{
    NEED_REDIS();
    char key[128];
    owner_key(key, sizeof(key), "r2");
    raw("SET", key, "ghost");
    struct rs_session *s = join(&a, "r2");
    expect_moved(s, "", "ghost");
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    raw("DEL", key, NULL);
    s = join(&a, "r2");
    expect_joined(s);
}

/* Redis unreachable when a room opens: refused with a retry hint (this node cannot know that
 * nobody else serves it), and the node is not ready. */
static void test_redis_unreachable(void **state)
{
    NEED_REDIS();
    struct rs_app c;
    app_init(&c, "c", "unix:/nonexistent/redis.sock");
    const char *reason = NULL;
    assert_false(rs_cluster_glue_ready(&c, &reason));
    assert_string_equal(reason, "redis");
    struct rs_session *s = join(&c, "r3");
    expect_moved(s, "", "");
    assert_int_equal(rs_rooms_count(c.rooms), 0);
    app_done(&c);
}

/* A lease found taken by another node at renewal: the room's participants get `moved` without
 * a URL, are disconnected, and the room ends here. */
static void test_lease_lost(void **state)
{
    NEED_REDIS();
    struct rs_session *s1 = join(&a, "r4");
    expect_joined(s1);
    struct rs_session *s2 = join(&a, "r4");
    expect_joined(s2);
    json_t *j;
    while ((j = next(s1)))
        json_decref(j);
    char key[128];
    owner_key(key, sizeof(key), "r4");
    raw("SET", key, "b");
    uint64_t lost = rs_metric_get(RS_M_CLUSTER_LEASES_LOST);
    rs_cluster_glue_tick(&a, rs_mono_ms() + 2000); /* the renewal is due */
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_LEASES_LOST), lost + 1);
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    assert_int_equal(closes, 2);
    j = answer(s1);
    assert_string_equal(str(j, "code"), "moved");
    assert_null(json_object_get(j, "url"));
    json_decref(j);
    /* the new owner's key is left alone */
    struct rs_session *s3 = join(&a, "r4");
    expect_moved(s3, "http://127.0.0.1:8082", "b");
}

/* Changes made on the node that does not serve a room reach the owner through the room's stream
 * (http/cluster_events.c): the owner applies them from its tick by reading the shared store
 * again; a stale notice is ignored; a deleted meeting ends the room on its owner. */
static void test_notices_reach_the_owner(void **state)
{
    NEED_REDIS();
    char dir[64], path[96];
    assert_int_equal(test_db_dir(dir, sizeof(dir), path, sizeof(path), "rs-glue-store"), 0);
    struct rs_store *st;
    assert_int_equal(rs_store_open_sqlite(path, &st), 0);
    a.store = b.store = st; /* the cluster's shared store (PostgreSQL in production) */
    struct rs_session *s = join(&a, "r5");
    expect_joined(s);
    json_t *j;
    while ((j = next(s)))
        json_decref(j);

    /* the agenda changed through b (REST): a's participant sees the new agenda */
    uint64_t sent = rs_metric_get(RS_M_CLUSTER_EVENTS_SENT);
    uint64_t applied = rs_metric_get(RS_M_CLUSTER_EVENTS_APPLIED);
    uint64_t ignored = rs_metric_get(RS_M_CLUSTER_EVENTS_IGNORED);
    json_t *items = json_pack("[{s:s}]", "title", "Haushalt 2027");
    struct rs_msg_error err;
    assert_int_equal(rs_agenda_replace(&b, "r5", items, &err), 0);
    json_decref(items);
    assert_null(next(s)); /* b does not serve the room: nothing reached a yet */
    rs_cluster_room_changed(&b, "r5", "agenda/changed", NULL);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_SENT), sent + 1);
    rs_cluster_glue_tick(&a, rs_mono_ms());
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_APPLIED), applied + 1);
    bool seen = false;
    while ((j = next(s))) {
        if (strcmp(str(j, "ns"), "agenda") == 0 && strcmp(str(j, "event"), "state") == 0) {
            json_t *it = json_array_get(json_object_get(j, "items"), 0);
            seen = it && strcmp(str(it, "title"), "Haushalt 2027") == 0;
        }
        json_decref(j);
    }
    assert_true(seen);

    /* the room's own node does not send itself notices */
    rs_cluster_room_changed(&a, "r5", "agenda/changed", NULL);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_SENT), sent + 1);
    /* an account id that is none, and a type this node does not know: read, skipped, counted */
    rs_cluster_room_changed(&b, "r5", "access/changed", "u\"; DROP");
    rs_cluster_room_changed(&b, "r5", "moderation/unknown", NULL);
    rs_cluster_glue_tick(&a, rs_mono_ms());
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_IGNORED), ignored + 2);
    ignored += 2;
    sent += 2;
    /* a notice that the meeting is gone while it is still stored: stale, ignored */
    rs_cluster_room_changed(&b, "r5", "meeting/deleted", NULL);
    rs_cluster_glue_tick(&a, rs_mono_ms());
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_IGNORED), ignored + 1);
    assert_int_equal(rs_rooms_count(a.rooms), 1);
    /* deleted for real: the owner ends the room, its lease goes */
    assert_int_equal(rs_store_room_delete(st, "r5"), 0);
    rs_cluster_room_changed(&b, "r5", "meeting/deleted", NULL);
    rs_cluster_glue_tick(&a, rs_mono_ms());
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    assert_int_equal(closes, 1);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_APPLIED), applied + 2);
    /* nobody serves the room now: a notice goes nowhere and is not counted as sent */
    rs_cluster_room_changed(&b, "r5", "meeting/changed", NULL);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_EVENTS_SENT), sent + 3);

    /* a vote's deadline is the owner's to act on: another node leaves it alone */
    struct rs_session *s2 = join(&a, "r6");
    expect_joined(s2);
    assert_true(b.room_owner.elsewhere(b.room_owner.user, "r6"));
    assert_false(b.room_owner.elsewhere(b.room_owner.user, "r7")); /* nobody's */
    rs_session_free(s2);
    assert_false(b.room_owner.elsewhere(b.room_owner.user, "r6"));

    a.store = b.store = NULL;
    while (a.sessions)
        rs_session_free(a.sessions);
    rs_store_close(st);
    test_db_dir_remove(dir, path);
}

/* recordings_dir and live_dir: shared once every live node's marker is seen in both; a node with
 * directories of its own makes the check fail on every node (gauge 0, retention waits). */
static void test_shared_storage(void **state)
{
    NEED_REDIS();
    rs_cluster_glue_tick(&a, rs_mono_ms() + 10000); /* the listing (every 5 s) checks */
    assert_true(rs_cluster_glue_storage_shared(&a));
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SHARED_STORAGE), 1);

    char own[64];
    assert_int_equal(test_tmp_dir(own, sizeof(own), "rs-glue-own"), 0);
    struct rs_app c;
    app_init_at(&c, "c", redis_url, own);
    rs_cluster_glue_tick(&a, rs_mono_ms() + 20000);
    assert_false(rs_cluster_glue_storage_shared(&a)); /* c's marker is not in a's directory */
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SHARED_STORAGE), 0);
    rs_cluster_glue_tick(&c, rs_mono_ms() + 20000);
    assert_false(rs_cluster_glue_storage_shared(&c)); /* nor a's and b's in c's */
    app_done(&c); /* c leaves: its record and its marker go */
    char marker[256];
    snprintf(marker, sizeof(marker), "%s/rec/.cluster/c", own);
    assert_int_equal(access(marker, F_OK), -1);
    rs_cluster_glue_tick(&a, rs_mono_ms() + 30000);
    assert_true(rs_cluster_glue_storage_shared(&a));
    assert_int_equal(remove_tree(own), 0);

    /* a directory the node cannot write refuses the start, with the path */
    struct rs_app d;
    memset(&d, 0, sizeof(d));
    rs_config_defaults(&d.cfg);
    snprintf(d.cfg.cluster_redis, sizeof(d.cfg.cluster_redis), "%s", redis_url);
    snprintf(d.cfg.cluster_node_id, sizeof(d.cfg.cluster_node_id), "d");
    snprintf(d.cfg.cluster_public_url, sizeof(d.cfg.cluster_public_url), "http://127.0.0.1:8084");
    snprintf(d.cfg.recordings_dir, sizeof(d.cfg.recordings_dir), "/nonexistent/rec");
    char err[256] = "";
    assert_int_not_equal(rs_cluster_glue_start(&d, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "/nonexistent/rec/.cluster"));
    assert_null(d.cluster);
}

/* A join with a resume token (may be NULL); the joined event or error in `*out` (new ref). */
static struct rs_session *join_resume(struct rs_app *app, const char *room, const char *token,
                                      json_t **out)
{
    struct rs_session *s = rs_session_new(app, &ops, NULL, "127.0.0.1");
    assert_non_null(s);
    char msg[256];
    snprintf(msg, sizeof(msg),
             "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":\"P\""
             "%s%s%s}",
             room, token ? ",\"resume\":\"" : "", token ? token : "", token ? "\"" : "");
    rs_session_on_message(s, msg, strlen(msg));
    *out = answer(s);
    return s;
}

static void send_msg(struct rs_session *s, const char *msg)
{
    rs_session_on_message(s, msg, strlen(msg));
}

static void state_key(char *out, size_t cap, const char *room)
{
    snprintf(out, cap, "%sroom:%s:state", prefix, room);
}

/* GET of `key` on a raw connection: a new string, or NULL when there is none. */
static char *raw_get(const char *key)
{
    struct rs_redis *r;
    struct rs_redis_opts o = {.url = redis_url};
    assert_int_equal(rs_redis_new(&o, &r), 0);
    const char *argv[2] = {"GET", key};
    size_t lens[2] = {3, strlen(key)};
    redisReply *reply = NULL;
    assert_int_equal(rs_redis_command(r, 2, argv, lens, &reply), 0);
    char *v = reply->type == REDIS_REPLY_STRING ? strndup(reply->str, reply->len) : NULL;
    freeReplyObject(reply);
    rs_redis_free(r);
    return v;
}

/* The owner writes the room's snapshot; once another node holds the lease, this node can
 * neither overwrite nor delete what its successor wrote. */
static void test_snapshot_fenced(void **state)
{
    NEED_REDIS();
    json_t *j;
    struct rs_session *s = join_resume(&a, "r5", NULL, &j);
    assert_string_equal(str(j, "event"), "joined");
    char id[32];
    snprintf(id, sizeof(id), "%s", str(j, "id"));
    json_decref(j);
    uint64_t written = rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_WRITTEN);
    rs_rooms_tick(a.rooms, rs_wall_ms() + 1000); /* dirty since the join: written */
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_WRITTEN), written + 1);
    char key[128], okey[128];
    state_key(key, sizeof(key), "r5");
    char *v = raw_get(key);
    assert_non_null(v);
    assert_non_null(strstr(v, id));
    free(v);

    /* b took the room over (a's lease ran out while a could not see Redis) and wrote its own */
    owner_key(okey, sizeof(okey), "r5");
    raw("SET", okey, "b");
    raw("SET", key, "successor");
    struct rs_room *room = rs_rooms_find(a.rooms, "r5");
    assert_non_null(room);
    uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
    assert_int_equal(rs_room_snapshot_write(room, rs_wall_ms()), -EPERM);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS), errors + 1);
    assert_int_equal(a.room_owner.snapshot_save(a.room_owner.user, "r5", "x", 1), -EPERM);
    a.room_owner.snapshot_drop(a.room_owner.user, "r5");
    rs_session_free(s); /* the room closes on a: its snapshot is not a's to delete any more */
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    v = raw_get(key);
    assert_non_null(v);
    assert_string_equal(v, "successor");
    free(v);
    raw("DEL", okey, NULL);

    /* the owner deletes its snapshot when the meeting ends here */
    s = join_resume(&a, "r5b", NULL, &j);
    json_decref(j);
    rs_rooms_tick(a.rooms, rs_wall_ms() + 1000);
    state_key(key, sizeof(key), "r5b");
    v = raw_get(key);
    assert_non_null(v);
    free(v);
    rs_session_free(s);
    assert_null(raw_get(key));
}

/* The owner dies: the next node that opens the room rebuilds it from the snapshot, and a
 * resume there continues the same participant with its raised hand; the others are back as
 * reconnecting. */
static void test_failover_resume(void **state)
{
    NEED_REDIS();
    json_t *j1, *j2;
    struct rs_session *s1 = join_resume(&a, "r6", NULL, &j1);
    struct rs_session *s2 = join_resume(&a, "r6", NULL, &j2);
    assert_string_equal(str(j1, "event"), "joined");
    send_msg(s2, "{\"ns\":\"hand\",\"action\":\"raise\"}");
    char token[80], id1[32], id2[32];
    snprintf(token, sizeof(token), "%s", str(j2, "resume_token"));
    snprintf(id1, sizeof(id1), "%s", str(j1, "id"));
    snprintf(id2, sizeof(id2), "%s", str(j2, "id"));
    json_decref(j1);
    json_decref(j2);
    rs_rooms_tick(a.rooms, rs_wall_ms() + 1000);
    /* a "dies": its lease is gone (expired), its sockets with it, and its node record (expired
     * too), so that b's placement does not send the room back to a: the two nodes share this
     * process's participant gauge, which makes b look as loaded as a was */
    char okey[128];
    owner_key(okey, sizeof(okey), "r6");
    raw("DEL", okey, NULL);
    char nkey[128];
    snprintf(nkey, sizeof(nkey), "%snode:a", prefix);
    raw("DEL", nkey, NULL);
    rs_cluster_glue_tick(&b, rs_mono_ms() + 5000); /* b copies the node list again */
    (void)s1;
    (void)s2;

    uint64_t restored = rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_RESTORED);
    json_t *j;
    struct rs_session *r2 = join_resume(&b, "r6", token, &j);
    assert_string_equal(str(j, "event"), "joined");
    assert_true(json_is_true(json_object_get(j, "resumed")));
    assert_string_equal(str(j, "id"), id2);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOTS_RESTORED), restored + 1);
    json_t *list = json_object_get(j, "participants");
    assert_int_equal(json_array_size(list), 2);
    size_t i;
    json_t *p;
    bool saw1 = false, saw2 = false;
    json_array_foreach(list, i, p)
    {
        if (strcmp(str(p, "id"), id1) == 0) {
            saw1 = true;
            assert_string_equal(str(p, "connection"), "reconnecting");
            assert_string_equal(str(p, "role"), "moderator");
        }
        if (strcmp(str(p, "id"), id2) == 0) {
            saw2 = true;
            assert_true(json_is_true(json_object_get(p, "hand_raised")));
        }
    }
    assert_true(saw1 && saw2);
    json_decref(j);
    /* a wrong token on the restored room joins afresh, as on one node */
    struct rs_session *r3 =
        join_resume(&b, "r6", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &j);
    assert_false(json_is_true(json_object_get(j, "resumed")));
    json_decref(j);
    (void)r2;
    (void)r3;
}

/* What Redis holds is not trusted: a malformed or oversized snapshot restores nothing, is
 * counted, and the join goes on in an empty room. */
static void test_snapshot_garbage(void **state)
{
    NEED_REDIS();
    char key[128];
    state_key(key, sizeof(key), "r7");
    const char *bad[] = {
        "{",
        "[]",
        "{\"v\":1,\"room\":\"other\",\"participants\":[]}",
        "{\"v\":1,\"room\":\"r7\",\"participants\":[{\"id\":\"x\",\"name\":\"A\","
        "\"role\":\"moderator\",\"access\":0,\"joined_at\":1}]}",
        "{\"v\":1,\"room\":\"r7\",\"participants\":[{\"id\":\"pabcdefghijk\",\"name\":\"A\","
        "\"role\":\"king\",\"access\":0,\"joined_at\":1}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        raw("SET", key, bad[i]);
        uint64_t errors = rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS);
        json_t *j;
        struct rs_session *s = join_resume(&b, "r7", NULL, &j);
        assert_string_equal(str(j, "event"), "joined");
        assert_int_equal(json_array_size(json_object_get(j, "participants")), 1);
        json_decref(j);
        assert_int_equal(rs_metric_get(RS_M_CLUSTER_SNAPSHOT_ERRORS), errors + 1);
        rs_session_free(s);
        assert_int_equal(rs_rooms_count(b.rooms), 0);
    }
    /* larger than the limit: refused inside Redis, before it crosses the wire */
    size_t big = RS_SNAPSHOT_MAX_BYTES + 10;
    char *v = malloc(big + 1);
    assert_non_null(v);
    memset(v, ' ', big);
    v[big] = 0;
    raw("SET", key, v);
    free(v);
    uint64_t malformed = malformed_count(&b);
    json_t *j;
    struct rs_session *s = join_resume(&b, "r7", NULL, &j);
    assert_string_equal(str(j, "event"), "joined");
    json_decref(j);
    assert_true(malformed_count(&b) > malformed);
    rs_session_free(s);
}

/* SIGTERM's drain: every room's snapshot, its lease released, its participants told `moved`
 * without a URL; a join for a new room is sent to the other node; the participants resume there. */
static void test_drain_hand_over(void **state)
{
    NEED_REDIS();
    json_t *j;
    struct rs_session *s1 = join_resume(&a, "r8", NULL, &j);
    char token[80], id[32];
    snprintf(token, sizeof(token), "%s", str(j, "resume_token"));
    snprintf(id, sizeof(id), "%s", str(j, "id"));
    json_decref(j);
    rs_cluster_glue_tick(&b, rs_mono_ms() + 1500); /* b's record is there to be chosen */
    uint64_t moved = rs_metric_get(RS_M_CLUSTER_ROOMS_MOVED);
    rs_cluster_glue_drain(&a);
    assert_int_equal(rs_cluster_glue_hand_over(&a), 0);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_ROOMS_MOVED), moved + 1);
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    j = answer(s1);
    assert_string_equal(str(j, "code"), "moved");
    assert_null(json_object_get(j, "url"));
    json_decref(j);
    /* draining: no new room here */
    struct rs_session *s2 = join(&a, "r9");
    expect_moved(s2, "http://127.0.0.1:8082", "b");
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    /* the participant resumes on b */
    struct rs_session *s3 = join_resume(&b, "r8", token, &j);
    assert_true(json_is_true(json_object_get(j, "resumed")));
    assert_string_equal(str(j, "id"), id);
    json_decref(j);
    (void)s3;
}

/* Draining: not ready, with its reason. */
static void test_draining(void **state)
{
    NEED_REDIS();
    const char *reason = NULL;
    rs_cluster_glue_drain(&b);
    assert_false(rs_cluster_glue_ready(&b, &reason));
    assert_string_equal(reason, "draining");
    assert_true(rs_cluster_glue_ready(&a, &reason));
}

/* Publishes `participants` as app's load (the gauge is the process's, shared by both apps) and
 * lets its timer run one heartbeat and one listing later than the last. */
static void load_and_tick(struct rs_app *app, uint64_t participants, int64_t *clock)
{
    rs_metric_set(RS_M_PARTICIPANTS, participants);
    *clock += 1100;
    rs_cluster_glue_tick(app, *clock);
}

/* Placement: a new room joined on the busier node is placed on the less loaded one (its lease
 * set to that node's id), the join there opens it without asking again, and the busy node's
 * copy counts each placed room, so a burst spreads; an evenly loaded node keeps its rooms; a
 * draining node gets none. */
static void test_placement(void **state)
{
    NEED_REDIS();
    int64_t ta = rs_mono_ms(), tb = ta;
    load_and_tick(&a, 5, &ta); /* a: 5 participants */
    load_and_tick(&b, 0, &tb); /* b: none */
    load_and_tick(&a, 5, &ta); /* a's copy now has b's load */
    uint64_t other = rs_metric_get(RS_M_CLUSTER_PLACED_OTHER);
    uint64_t self = rs_metric_get(RS_M_CLUSTER_PLACED_SELF);

    rs_metric_set(RS_M_PARTICIPANTS, 5); /* a's load as a sees it when the join comes */
    struct rs_session *s1 = join(&a, "p1");
    expect_moved(s1, "http://127.0.0.1:8082", "b");
    assert_int_equal(rs_rooms_count(a.rooms), 0);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_OTHER), other + 1);
    char owner[RS_CLUSTER_NODE_ID_MAX + 1];
    owner_of("p1", owner, sizeof(owner));
    assert_string_equal(owner, "b"); /* placed: the lease is b's before b saw the join */
    /* a join through a again (the room is b's now): moved there, not placed again */
    struct rs_session *s1b = join(&a, "p1");
    expect_moved(s1b, "http://127.0.0.1:8082", "b");
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_OTHER), other + 1);

    /* the client follows to b: b opens the room, its lease taken as its own, whatever b's
     * own choice would have been (b as busy as a now) */
    rs_metric_set(RS_M_PARTICIPANTS, 50);
    struct rs_session *s2 = join(&b, "p1");
    expect_joined(s2);
    assert_int_equal(rs_rooms_count(b.rooms), 1);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_SELF), self + 1);
    rs_cluster_glue_tick(&b, tb);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_LEASES), 1);

    /* a burst: a's copy counts each room it placed on b (0 + 1, + 2 ...): with a at 2, the
     * second new room still goes to b, the third stays on a */
    rs_metric_set(RS_M_PARTICIPANTS, 2);
    struct rs_session *s3 = join(&a, "p2");
    expect_moved(s3, "http://127.0.0.1:8082", "b");
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_OTHER), other + 2);
    rs_metric_set(RS_M_PARTICIPANTS, 2);
    struct rs_session *s4 = join(&a, "p3");
    expect_joined(s4);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_OTHER), other + 2);

    /* evenly loaded: a keeps its new rooms */
    load_and_tick(&b, 5, &tb);
    load_and_tick(&a, 5, &ta);
    rs_metric_set(RS_M_PARTICIPANTS, 5);
    struct rs_session *s5 = join(&a, "p4");
    expect_joined(s5);

    /* b draining: a gets no rooms placed on b, however busy a is */
    rs_cluster_glue_drain(&b);
    load_and_tick(&b, 0, &tb);
    load_and_tick(&a, 50, &ta);
    rs_metric_set(RS_M_PARTICIPANTS, 50);
    struct rs_session *s6 = join(&a, "p5");
    expect_joined(s6);
    assert_int_equal(rs_metric_get(RS_M_CLUSTER_PLACED_OTHER), other + 2);
    rs_metric_set(RS_M_PARTICIPANTS, 0);
}

/* Two nodes placing the same new room at once: the lease decides. a would place "p6" on b, but
 * a third node c set the lease first (as c's placement does, SET NX): a's join is sent to c,
 * not to b. A room that another node placed on a is a's own when the join arrives, whatever
 * a's copy says. */
static void test_placement_race(void **state)
{
    NEED_REDIS();
    struct rs_app c;
    app_init(&c, "c", redis_url);
    int64_t ta = rs_mono_ms(), tb = ta;
    load_and_tick(&a, 5, &ta);
    load_and_tick(&b, 0, &tb);
    load_and_tick(&a, 5, &ta);
    rs_metric_set(RS_M_PARTICIPANTS, 5);
    char key[128];
    owner_key(key, sizeof(key), "p6");
    raw("SET", key, "c");
    struct rs_session *s = join(&a, "p6");
    expect_moved(s, "http://127.0.0.1:8082", "c");
    char owner[RS_CLUSTER_NODE_ID_MAX + 1];
    owner_of("p6", owner, sizeof(owner));
    assert_string_equal(owner, "c"); /* a's placement did not touch it */

    owner_key(key, sizeof(key), "p7");
    raw("SET", key, "a");
    s = join(&a, "p7");
    expect_joined(s);
    rs_metric_set(RS_M_PARTICIPANTS, 0);
    app_done(&c);
}

/* No cluster: nothing to do, always ready, the hooks empty. */
static void test_single_node(void **state)
{
    struct rs_app s;
    memset(&s, 0, sizeof(s));
    rs_config_defaults(&s.cfg);
    char err[64];
    assert_int_equal(rs_cluster_glue_start(&s, err, sizeof(err)), 0);
    assert_null(s.cluster);
    assert_null(s.room_owner.acquire);
    const char *reason = NULL;
    assert_true(rs_cluster_glue_ready(&s, &reason));
    rs_cluster_glue_tick(&s, rs_mono_ms());
    rs_cluster_glue_drain(&s);
    rs_cluster_glue_stop(&s);
}

int main(void)
{
    if (test_tmp_dir(shared, sizeof(shared), "rs-glue-dirs"))
        return 1;
    redis_url = getenv("RATSAAL_TEST_REDIS");
    if (redis_url && !*redis_url)
        redis_url = NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_node),
        cmocka_unit_test_setup_teardown(test_join_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notices_reach_the_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draining, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_fenced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_hand_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placement_race, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return remove_tree(shared) ? failed + 1 : failed;
}
