/* SPDX-License-Identifier: EUPL-1.2 */
/* Room leases: which node owns a room (see cluster.h; docs/cluster.md, "Leases").
 *
 * `<prefix>room:<id>:owner` holds the owner's node id and expires after cluster_lease_ttl_ms
 * unless the owner renews it. Every step that looks at the value and then acts on it is one
 * Lua script, so nothing can change in between:
 *
 *   acquire  SET NX PX; if the key exists and is ours, PEXPIRE; else return the owner
 *   renew    ours: PEXPIRE; absent (expired, or Redis lost its data): SET PX, ours again;
 *            anyone else's: return it, and this node has lost the room
 *   release  ours: DEL; else nothing (a node never deletes what it does not own)
 *   place    SET NX PX with another node's id: a new room handed to the node chosen for it,
 *            which takes the lease as its own when the join arrives (acquire finds its id)
 *
 * Taking an absent key back at renewal is deliberate: after a Redis restart without data every
 * key is gone, and without it every node would drop every meeting at once. If another node
 * took the room in the gap, the renewal says so and the room is reported lost.
 *
 * Locally each lease keeps `valid_until_ms`: the time the last successful renewal was SENT
 * plus the TTL. Redis started its TTL later than that, so while our clock is before it the
 * key cannot have expired; rs_cluster_room_held uses it to answer without asking Redis. */
#include "cluster/cluster_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* KEYS: owner key. ARGV: node id, ttl, longest owner accepted. */
static const char ACQUIRE[] =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end\n"
    "local v = redis.call('GET', KEYS[1])\n"
    "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end\n"
    "if not v or #v > tonumber(ARGV[3]) then return redis.error_reply('RS_UNREADABLE') end\n"
    "return v\n";

/* KEYS: owner key. ARGV: the chosen node's id, ttl, longest owner accepted. Unlike ACQUIRE it
 * never extends a lease that exists (the chosen node may be dead and its lease running out). */
static const char PLACE[] =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end\n"
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v or #v > tonumber(ARGV[3]) then return redis.error_reply('RS_UNREADABLE') end\n"
    "return v\n";

/* KEYS: owner key. ARGV: node id, ttl, longest owner returned. 1 renewed, 2 taken again,
 * else the owner now ("" when too long to return). */
static const char RENEW[] = "local v = redis.call('GET', KEYS[1])\n"
                            "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
                            "return 1 end\n"
                            "if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
                            "return 2 end\n"
                            "if #v > tonumber(ARGV[3]) then return '' end\n"
                            "return v\n";

/* KEYS: owner key. ARGV: node id. */
static const char RELEASE[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                              "  return redis.call('DEL', KEYS[1])\n"
                              "end\n"
                              "return 0\n";

/* KEYS: a string key. ARGV: longest value returned. For owners, and cursors (events.c). */
static const char GET_BOUNDED[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and #v > tonumber(ARGV[1]) then return redis.error_reply('RS_TOO_LONG') end\n"
    "return v\n";

#define ID_MAX_TEXT "64" /* RS_CLUSTER_NODE_ID_MAX */
_Static_assert(RS_CLUSTER_NODE_ID_MAX == 64, "ID_MAX_TEXT follows RS_CLUSTER_NODE_ID_MAX");

/* ---- the local table ---- */

static struct rs_cl_lease *find(const struct rs_cluster *c, const char *room)
{
    for (size_t i = 0; i < c->n_leases; i++)
        if (strcmp(c->leases[i].room, room) == 0)
            return &c->leases[i];
    return NULL;
}

static void forget(struct rs_cluster *c, struct rs_cl_lease *l)
{
    *l = c->leases[--c->n_leases];
}

static struct rs_cl_lease *add(struct rs_cluster *c, const char *room)
{
    if (c->n_leases == c->cap_leases) {
        size_t cap = c->cap_leases ? c->cap_leases * 2 : 16;
        struct rs_cl_lease *l = realloc(c->leases, cap * sizeof(*l));
        if (!l)
            return NULL;
        c->leases = l;
        c->cap_leases = cap;
    }
    struct rs_cl_lease *l = &c->leases[c->n_leases++];
    memset(l, 0, sizeof(*l));
    memcpy(l->room, room, strlen(room) + 1);
    return l;
}

void rs_cl__leases_free(struct rs_cluster *c)
{
    free(c->leases);
    c->leases = NULL;
    c->n_leases = c->cap_leases = 0;
}

size_t rs_cluster_leases(const struct rs_cluster *c)
{
    return c->n_leases;
}

bool rs_cluster_room_held(const struct rs_cluster *c, const char *room, int64_t now_ms)
{
    const struct rs_cl_lease *l = room ? find(c, room) : NULL;
    return l && now_ms < l->valid_until_ms;
}

static bool room_ok(const char *room)
{
    return room && rs_cluster_room_id_valid(room, strlen(room));
}

/* ---- acquire, owner, release ---- */

/* What an ACQUIRE reply says: 0 ours, -EBUSY another node's (its id into `owner`), -EBADMSG. */
static int acquired(struct rs_cluster *c, const redisReply *rep, char *owner)
{
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1)
        return 0;
    if (rep->type == REDIS_REPLY_STRING && rs_cluster_node_id_valid(rep->str, rep->len)) {
        if (owner) {
            memcpy(owner, rep->str, rep->len);
            owner[rep->len] = 0;
        }
        return -EBUSY;
    }
    c->stats.malformed++;
    return -EBADMSG;
}

int rs_cluster_room_acquire(struct rs_cluster *c, const char *room, int64_t now_ms, char *owner)
{
    char key[RS_CL_KEY_MAX];
    redisReply *rep;
    if (!room_ok(room) || !rs_cl__key(c, key, "room:", room, ":owner"))
        return -EINVAL;
    struct rs_cl_lease *l = find(c, room);
    if (!l && c->n_leases >= RS_CLUSTER_LEASES_MAX)
        return -ENOSPC;
    const char *args[4] = {key, c->self.id, c->lease_ttl_text, ID_MAX_TEXT};
    size_t lens[4] = {strlen(key), strlen(c->self.id), strlen(c->lease_ttl_text), 2};
    int rc = rs_cl__eval(c, ACQUIRE, 1, 4, args, lens, &rep);
    if (rc == -EPROTO) { /* the script refused: not a string, or too long */
        c->stats.malformed++;
        rc = -EBADMSG;
    } else if (rc == 0) {
        rc = acquired(c, rep, owner);
        freeReplyObject(rep);
    }
    if (rc == 0) {
        if (!l)
            l = add(c, room);
        if (!l)
            return -ENOMEM; /* the key expires by itself */
        l->valid_until_ms = now_ms + c->lease_ttl_ms;
        c->stats.leases_acquired++;
    } else if (l && (rc == -EBUSY || rc == -EBADMSG)) {
        RS_WARN("cluster", "event=lease_lost room=%s node=%s", room, c->self.id);
        c->stats.leases_lost++;
        forget(c, l);
    }
    return rc;
}

int rs_cluster_room_place(struct rs_cluster *c, const char *room, const char *node, unsigned ttl_ms,
                          char *owner)
{
    char key[RS_CL_KEY_MAX], ttl[12];
    redisReply *rep;
    if (ttl_ms == 0 || ttl_ms > c->lease_ttl_ms)
        ttl_ms = c->lease_ttl_ms;
    snprintf(ttl, sizeof(ttl), "%u", ttl_ms);
    if (!room_ok(room) || !node || !rs_cluster_node_id_valid(node, strlen(node)) ||
        !rs_cl__key(c, key, "room:", room, ":owner"))
        return -EINVAL;
    const char *args[4] = {key, node, ttl, ID_MAX_TEXT};
    size_t lens[4] = {strlen(key), strlen(node), strlen(ttl), 2};
    int rc = rs_cl__eval(c, PLACE, 1, 4, args, lens, &rep);
    if (rc == -EPROTO) { /* the script refused: not a string, or too long */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    rc = acquired(c, rep, owner); /* 1: placed; else the owner, which may be `node` itself */
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_room_owner(struct rs_cluster *c, const char *room, char *owner)
{
    char key[RS_CL_KEY_MAX];
    redisReply *rep;
    if (!room_ok(room) || !rs_cl__key(c, key, "room:", room, ":owner"))
        return -EINVAL;
    const char *args[2] = {key, ID_MAX_TEXT};
    size_t lens[2] = {strlen(key), 2};
    int rc = rs_cl__eval(c, GET_BOUNDED, 1, 2, args, lens, &rep);
    if (rc == -EPROTO) {
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = -ENOENT;
    } else if (rep->type == REDIS_REPLY_STRING && rs_cluster_node_id_valid(rep->str, rep->len)) {
        memcpy(owner, rep->str, rep->len);
        owner[rep->len] = 0;
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_room_release(struct rs_cluster *c, const char *room)
{
    char key[RS_CL_KEY_MAX];
    redisReply *rep;
    if (!room_ok(room) || !rs_cl__key(c, key, "room:", room, ":owner"))
        return -EINVAL;
    struct rs_cl_lease *l = find(c, room);
    if (l)
        forget(c, l);
    const char *args[2] = {key, c->self.id};
    size_t lens[2] = {strlen(key), strlen(c->self.id)};
    int rc = rs_cl__eval(c, RELEASE, 1, 2, args, lens, &rep);
    if (rc == -EPROTO)
        return -EPERM; /* not a string: not ours */
    if (rc)
        return rc;
    rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? 0 : -EPERM;
    freeReplyObject(rep);
    if (rc == 0)
        c->stats.leases_released++;
    return rc;
}

/* ---- renewal and release of all leases, pipelined ---- */

/* Scratch of one pipelined round over the leases. */
struct round {
    char keys[RS_REDIS_PIPELINE_MAX][RS_CL_KEY_MAX];
    const char *args[RS_REDIS_PIPELINE_MAX][4];
    size_t arg_lens[RS_REDIS_PIPELINE_MAX][4];
    const char *argv[RS_REDIS_PIPELINE_MAX][7];
    size_t argv_lens[RS_REDIS_PIPELINE_MAX][7];
    struct rs_redis_cmd cmds[RS_REDIS_PIPELINE_MAX];
    redisReply *replies[RS_REDIS_PIPELINE_MAX];
};

/* What one RENEW reply says about lease `l`. */
static void renewed(struct rs_cluster *c, struct rs_cl_lease *l, const redisReply *rep,
                    int64_t now_ms)
{
    if (rep->type == REDIS_REPLY_INTEGER && (rep->integer == 1 || rep->integer == 2)) {
        l->valid_until_ms = now_ms + c->lease_ttl_ms;
        c->stats.leases_renewed++;
        if (rep->integer == 2)
            c->stats.leases_retaken++; /* logged once per round */
        return;
    }
    l->lost = true;
    l->new_owner[0] = 0;
    if (rep->type == REDIS_REPLY_STRING && rs_cluster_node_id_valid(rep->str, rep->len)) {
        memcpy(l->new_owner, rep->str, rep->len);
        l->new_owner[rep->len] = 0;
    } else {
        c->stats.malformed++; /* an error (not a string) or garbage: owned by "someone" */
    }
}

/* Reports and forgets the leases a round marked lost. The callback runs after the table is
 * consistent again, so it may call anything (even acquire or release). */
static void report_lost(struct rs_cluster *c)
{
    struct lost {
        char room[RS_CLUSTER_ROOM_ID_MAX + 1];
        char owner[RS_CLUSTER_NODE_ID_MAX + 1];
    } *lost = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->n_leases; i++)
        n += c->leases[i].lost;
    if (n == 0)
        return;
    lost = malloc(n * sizeof(*lost));
    if (!lost)
        RS_ERROR("cluster", "event=oom node=%s (lost leases forgotten without a callback)",
                 c->self.id);
    n = 0;
    for (size_t i = c->n_leases; i-- > 0;) {
        struct rs_cl_lease *l = &c->leases[i];
        if (!l->lost)
            continue;
        RS_WARN("cluster", "event=lease_lost room=%s node=%s owner=%s", l->room, c->self.id,
                l->new_owner[0] ? l->new_owner : "-");
        c->stats.leases_lost++;
        if (lost) {
            memcpy(lost[n].room, l->room, sizeof(l->room));
            memcpy(lost[n].owner, l->new_owner, sizeof(l->new_owner));
            n++;
        }
        forget(c, l); /* the last entry moves here; it was already looked at */
    }
    for (size_t i = 0; i < n && c->on_lease_lost; i++)
        c->on_lease_lost(c->user, lost[i].room, lost[i].owner);
    free(lost);
}

/* Runs `script` (KEYS: owner key; ARGV: node id[, ttl, max]) for every lease, in pipelines of
 * RS_REDIS_PIPELINE_MAX, calling `each` with every reply. Stops at the first failed
 * pipeline. Returns 0 or its error. */
static int each_lease(struct rs_cluster *c, const char *script, int nargs,
                      void (*each)(struct rs_cluster *, struct rs_cl_lease *, const redisReply *,
                                   int64_t),
                      int64_t now_ms)
{
    struct round *r = malloc(sizeof(*r));
    int rc = 0;
    if (!r)
        return -ENOMEM;
    for (size_t base = 0; base < c->n_leases; base += RS_REDIS_PIPELINE_MAX) {
        size_t k = c->n_leases - base;
        if (k > RS_REDIS_PIPELINE_MAX)
            k = RS_REDIS_PIPELINE_MAX;
        for (size_t i = 0; i < k; i++) {
            rs_cl__key(c, r->keys[i], "room:", c->leases[base + i].room, ":owner");
            const char *args[4] = {r->keys[i], c->self.id, c->lease_ttl_text, ID_MAX_TEXT};
            size_t lens[4] = {strlen(r->keys[i]), strlen(c->self.id), strlen(c->lease_ttl_text), 2};
            memcpy(r->args[i], args, sizeof(args));
            memcpy(r->arg_lens[i], lens, sizeof(lens));
            rs_cl__eval_cmd(&r->cmds[i], r->argv[i], r->argv_lens[i], script, 1, nargs, r->args[i],
                            r->arg_lens[i]);
        }
        rc = rs_redis_pipeline(c->redis, k, r->cmds, r->replies);
        if (rc)
            break;
        for (size_t i = 0; i < k; i++) {
            each(c, &c->leases[base + i], r->replies[i], now_ms);
            freeReplyObject(r->replies[i]);
        }
    }
    free(r);
    return rc;
}

void rs_cl__renew_all(struct rs_cluster *c, int64_t now_ms)
{
    for (size_t i = 0; i < c->n_leases; i++)
        c->leases[i].lost = false;
    uint64_t retaken = c->stats.leases_retaken;
    int rc = each_lease(c, RENEW, 4, renewed, now_ms);
    if (c->stats.leases_retaken != retaken)
        RS_INFO("cluster", "event=leases_retaken node=%s count=%llu (their keys had expired)",
                c->self.id, (unsigned long long)(c->stats.leases_retaken - retaken));
    if (rc)
        RS_DEBUG("cluster", "event=renew_failed node=%s leases=%zu error=%d", c->self.id,
                 c->n_leases, rc);
    report_lost(c);
}

static void released(struct rs_cluster *c, struct rs_cl_lease *l, const redisReply *rep,
                     int64_t now_ms)
{
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1)
        c->stats.leases_released++;
}

int rs_cl__release_all(struct rs_cluster *c)
{
    int rc = c->n_leases ? each_lease(c, RELEASE, 2, released, 0) : 0;
    c->n_leases = 0; /* what was not released expires by itself */
    return rc;
}

/* ---- cursors of the room streams (events.c) use the same bounded read ---- */

const char *const rs_cl__get_bounded = GET_BOUNDED;

/* ---- cascade flag ---- */

/* KEYS: owner key, cascade key. ARGV: node id, "1"/"0", ttl. */
static const char CASCADE_SET[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "if ARGV[2] == '1' then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])\n"
    "elseif redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end\n"
    "return 1\n";
/* KEYS: owner key, cascade key. ARGV: longest id. The owner, when it is the one that set it. */
static const char CASCADING[] =
    "local o = redis.call('GET', KEYS[1])\n"
    "local f = redis.call('GET', KEYS[2])\n"
    "if not o or not f or o ~= f then return false end\n"
    "if #o > tonumber(ARGV[1]) then return redis.error_reply('RS_UNREADABLE') end\n"
    "return o\n";
#define CASCADE_TTL_TEXT "86400000"

int rs_cluster_room_cascade_set(struct rs_cluster *c, const char *room, bool on)
{
    char okey[RS_CL_KEY_MAX], ckey[RS_CL_KEY_MAX];
    redisReply *rep;
    if (!room_ok(room) || !rs_cl__key(c, okey, "room:", room, ":owner") ||
        !rs_cl__key(c, ckey, "room:", room, ":cascade"))
        return -EINVAL;
    const char *args[5] = {okey, ckey, c->self.id, on ? "1" : "0", CASCADE_TTL_TEXT};
    size_t lens[5] = {strlen(okey), strlen(ckey), strlen(c->self.id), 1,
                      strlen(CASCADE_TTL_TEXT)};
    int rc = rs_cl__eval(c, CASCADE_SET, 2, 5, args, lens, &rep);
    if (rc)
        return rc;
    rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? 0 : -EPERM;
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_room_cascading(struct rs_cluster *c, const char *room, char *owner)
{
    char okey[RS_CL_KEY_MAX], ckey[RS_CL_KEY_MAX];
    redisReply *rep;
    if (!room_ok(room) || !rs_cl__key(c, okey, "room:", room, ":owner") ||
        !rs_cl__key(c, ckey, "room:", room, ":cascade"))
        return -EINVAL;
    const char *args[3] = {okey, ckey, ID_MAX_TEXT};
    size_t lens[3] = {strlen(okey), strlen(ckey), 2};
    int rc = rs_cl__eval(c, CASCADING, 2, 3, args, lens, &rep);
    if (rc == -EPROTO) {
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = -ENOENT;
    } else if (rep->type == REDIS_REPLY_STRING && rs_cluster_node_id_valid(rep->str, rep->len)) {
        memcpy(owner, rep->str, rep->len);
        owner[rep->len] = 0;
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}
