/* SPDX-License-Identifier: EUPL-1.2 */
/* Room snapshots: what the owner of a room keeps in Redis so that the next owner can rebuild
 * the meeting (see cluster.h; docs/cluster.md, "Failover with state").
 *
 * `<prefix>room:<id>:state` is a string the room registry writes (room/snapshot.c, JSON): who
 * is in the room with which role and resume-token hash, raised hands, the speakers' list, the
 * chair's decisions. This file only moves the bytes, under two rules:
 *
 *   - Written and deleted only by the owner. Both are one script that compares the room's
 *     owner key with this node's id before touching the state key: a node that lost the room
 *     (its lease ran out while Redis was away, another node took over) cannot overwrite or
 *     delete what its successor wrote. Reading is free for everyone (the next owner reads it
 *     before anyone else can write: it holds the lease by then).
 *   - Bounded when read. The script refuses a value longer than RS_CLUSTER_SNAPSHOT_MAX inside
 *     Redis, before it crosses the wire; whatever comes back is still only bytes for the room
 *     registry's parser, which has its own limits.
 *
 * The key has a TTL (snapshot_ttl_ms, set by the caller to about the resume grace): a snapshot
 * is only good for as long as a participant could still resume, and the owner rewrites it at
 * least that often while the room lives. */
#include "cluster/cluster_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: owner key, state key. ARGV: node id, value, ttl. */
static const char PUT[] = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                          "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
                          "return 1\n";

/* KEYS: owner key, state key. ARGV: node id. */
static const char DROP[] = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                           "redis.call('DEL', KEYS[2])\n"
                           "return 1\n";

/* KEYS: state key. ARGV: longest value returned. */
static const char GET[] = "if redis.call('TYPE', KEYS[1]).ok ~= 'string' then\n"
                          "  if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
                          "  return redis.error_reply('RS_NOT_STRING')\n"
                          "end\n"
                          "if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then\n"
                          "  return redis.error_reply('RS_TOO_LONG')\n"
                          "end\n"
                          "return redis.call('GET', KEYS[1])\n";

static int keys(struct rs_cluster *c, const char *room, char *owner_key, char *state_key)
{
    if (!room || !rs_cluster_room_id_valid(room, strlen(room)) ||
        !rs_cl__key(c, owner_key, "room:", room, ":owner") ||
        !rs_cl__key(c, state_key, "room:", room, ":state"))
        return -EINVAL;
    return 0;
}

int rs_cluster_snapshot_put(struct rs_cluster *c, const char *room, const void *data, size_t len)
{
    char okey[RS_CL_KEY_MAX], skey[RS_CL_KEY_MAX], ttl[12];
    redisReply *rep;
    if (keys(c, room, okey, skey) || !data || len == 0 || len > RS_CLUSTER_SNAPSHOT_MAX)
        return -EINVAL;
    int ttl_len = snprintf(ttl, sizeof(ttl), "%u", c->snapshot_ttl_ms);
    const char *args[5] = {okey, skey, c->self.id, data, ttl};
    size_t lens[5] = {strlen(okey), strlen(skey), strlen(c->self.id), len, (size_t)ttl_len};
    int rc = rs_cl__eval(c, PUT, 2, 5, args, lens, &rep);
    if (rc == -EPROTO) { /* the owner key is not a string: not ours */
        c->stats.snapshots_refused++;
        return -EPERM;
    }
    if (rc)
        return rc;
    rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? 0 : -EPERM;
    freeReplyObject(rep);
    if (rc == 0)
        c->stats.snapshots_written++;
    else
        c->stats.snapshots_refused++;
    return rc;
}

int rs_cluster_snapshot_drop(struct rs_cluster *c, const char *room)
{
    char okey[RS_CL_KEY_MAX], skey[RS_CL_KEY_MAX];
    redisReply *rep;
    if (keys(c, room, okey, skey))
        return -EINVAL;
    const char *args[3] = {okey, skey, c->self.id};
    size_t lens[3] = {strlen(okey), strlen(skey), strlen(c->self.id)};
    int rc = rs_cl__eval(c, DROP, 2, 3, args, lens, &rep);
    if (rc == -EPROTO)
        return -EPERM;
    if (rc)
        return rc;
    rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? 0 : -EPERM;
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_snapshot_get(struct rs_cluster *c, const char *room, char **out, size_t *len)
{
    char okey[RS_CL_KEY_MAX], skey[RS_CL_KEY_MAX], max[12];
    redisReply *rep;
    *out = NULL;
    *len = 0;
    if (keys(c, room, okey, skey))
        return -EINVAL;
    int max_len = snprintf(max, sizeof(max), "%u", (unsigned)RS_CLUSTER_SNAPSHOT_MAX);
    const char *args[2] = {skey, max};
    size_t lens[2] = {strlen(skey), (size_t)max_len};
    int rc = rs_cl__eval(c, GET, 1, 2, args, lens, &rep);
    if (rc == -EPROTO) { /* not a string, or too long: refused inside Redis, left alone */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = -ENOENT;
    } else if (rep->type == REDIS_REPLY_STRING && rep->len <= RS_CLUSTER_SNAPSHOT_MAX) {
        *out = malloc(rep->len + 1);
        if (*out) {
            memcpy(*out, rep->str, rep->len);
            (*out)[rep->len] = 0;
            *len = rep->len;
        } else {
            rc = -ENOMEM;
        }
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}
