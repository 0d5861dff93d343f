/* SPDX-License-Identifier: EUPL-1.2 */
/* The node registry, the heartbeat and readiness (see cluster.h; docs/cluster.md).
 *
 * Each node keeps one hash, `<prefix>node:<id>`, rewritten whole by every heartbeat together
 * with its TTL in one script, so a record never exists without an expiry: a node that dies
 * (or loses Redis) vanishes from the registry by itself after cluster_node_ttl_ms, and nobody
 * has to decide that it is dead. The set `<prefix>nodes` is only an index of ids to look at;
 * the key is the truth, and an index entry whose key is gone is pruned by whoever lists.
 *
 * Readiness follows the heartbeat, not the connection: a node is ready once it has registered
 * and while fewer than `ready_grace` heartbeats in a row have failed. One lost reply or one
 * Redis restart therefore does not make a whole fleet unready at once, and /healthz (liveness)
 * never looks here: an orchestrator must not restart nodes because Redis blinked.
 *
 * The one subtle thing is the `instance` field: a random token per process. The heartbeat
 * script refuses to overwrite a live record with another token, so two processes configured
 * with the same node id (a copied config) do not silently share leases; the second one stays
 * unready and logs a conflict until the first one's record expires. */
#include "cluster/cluster_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/random.h"

#define DEFAULT_NODE_TTL_MS 5000
#define DEFAULT_HEARTBEAT_MS 1000
#define DEFAULT_LEASE_TTL_MS 5000
#define DEFAULT_READY_GRACE 3
#define DEFAULT_STREAM_MAXLEN 1000
#define DEFAULT_STREAM_TTL_MS (24u * 3600u * 1000u)
#define TTL_MIN_MS 100

/* KEYS: node key, index set. ARGV: ttl, id, instance, then field, value, ... */
static const char HEARTBEAT[] = "if redis.call('TYPE', KEYS[1]).ok == 'hash' then\n"
                                "  local cur = redis.call('HGET', KEYS[1], 'instance')\n"
                                "  if cur and cur ~= ARGV[3] then return 0 end\n"
                                "end\n"
                                "redis.call('DEL', KEYS[1])\n"
                                "redis.call('HSET', KEYS[1], unpack(ARGV, 4))\n"
                                "redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
                                "redis.call('SADD', KEYS[2], ARGV[2])\n"
                                "return 1\n";

/* KEYS: node key, index set. ARGV: id, instance. Only our own record is removed. */
static const char LEAVE[] = "if redis.call('TYPE', KEYS[1]).ok == 'hash' and\n"
                            "   redis.call('HGET', KEYS[1], 'instance') == ARGV[2] then\n"
                            "  redis.call('DEL', KEYS[1])\n"
                            "  redis.call('SREM', KEYS[2], ARGV[1])\n"
                            "  return 1\n"
                            "end\n"
                            "return 0\n";

/* KEYS: node key. ARGV: the longest value accepted, then the field names. An oversized value
 * is refused inside Redis, so it never crosses the wire. */
static const char NODE_GET[] =
    "local v = redis.call('HMGET', KEYS[1], unpack(ARGV, 2))\n"
    "for i = 1, #v do\n"
    "  if v[i] and #v[i] > tonumber(ARGV[1]) then return redis.error_reply('RS_TOO_LONG') end\n"
    "end\n"
    "v[#v + 1] = redis.call('PTTL', KEYS[1])\n"
    "return v\n";

/* KEYS: node key, index set. ARGV: id. Prunes the index entry of a node that is gone. */
static const char PRUNE[] = "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
                            "  return redis.call('SREM', KEYS[2], ARGV[1])\n"
                            "end\n"
                            "return 0\n";

#define NODE_GET_ARGS (2 + RS_NODE__FIELDS) /* key, max length, field names */

/* ---- helpers shared by the module ---- */

size_t rs_cl__key(const struct rs_cluster *c, char *buf, const char *a, const char *b,
                  const char *d)
{
    int n = snprintf(buf, RS_CL_KEY_MAX, "%s%s%s%s", c->prefix, a, b ? b : "", d ? d : "");
    return n > 0 && n < RS_CL_KEY_MAX ? (size_t)n : 0;
}

static const char *const NKEYS_TEXT[] = {"0", "1", "2", "3"};

void rs_cl__eval_cmd(struct rs_redis_cmd *cmd, const char **argv, size_t *lens, const char *script,
                     int nkeys, int nargs, const char **args, const size_t *arg_lens)
{
    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = script;
    lens[1] = strlen(script);
    argv[2] = NKEYS_TEXT[nkeys];
    lens[2] = 1;
    for (int i = 0; i < nargs; i++) {
        argv[3 + i] = args[i];
        lens[3 + i] = arg_lens[i];
    }
    cmd->argc = 3 + nargs;
    cmd->argv = argv;
    cmd->lens = lens;
}

int rs_cl__eval(struct rs_cluster *c, const char *script, int nkeys, int nargs, const char **args,
                const size_t *lens, redisReply **reply)
{
    const char *argv[3 + RS_CL_EVAL_ARGS_MAX];
    size_t argl[3 + RS_CL_EVAL_ARGS_MAX];
    struct rs_redis_cmd cmd;
    *reply = NULL;
    if (nkeys > 3 || nargs > RS_CL_EVAL_ARGS_MAX || nkeys > nargs)
        return -EINVAL;
    rs_cl__eval_cmd(&cmd, argv, argl, script, nkeys, nargs, args, lens);
    return rs_redis_command(c->redis, cmd.argc, cmd.argv, cmd.lens, reply);
}

/* ---- lifetime ---- */

static int copy_checked(char *dst, size_t cap, const char *src, bool (*valid)(const char *, size_t))
{
    if (!src)
        return -EINVAL;
    size_t len = strlen(src);
    if (len >= cap || !valid(src, len))
        return -EINVAL;
    memcpy(dst, src, len + 1);
    return 0;
}

int rs_cluster_new(const struct rs_cluster_opts *opts, struct rs_cluster **out)
{
    struct rs_cluster *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = -EINVAL;
    const char *prefix = opts->prefix ? opts->prefix : RS_CLUSTER_PREFIX_DEFAULT;
    struct rs_cluster_node *self = &c->self;
    if (copy_checked(c->prefix, sizeof(c->prefix), prefix, rs_cluster_prefix_valid) ||
        copy_checked(self->id, sizeof(self->id), opts->node_id, rs_cluster_node_id_valid) ||
        copy_checked(self->url, sizeof(self->url), opts->public_url, rs_cluster_url_valid) ||
        copy_checked(self->media_ip, sizeof(self->media_ip), opts->media_ip, rs_cluster_ip_valid) ||
        copy_checked(self->version, sizeof(self->version), opts->version,
                     rs_cluster_version_valid) ||
        opts->started_at_ms < 0)
        goto fail_free;
    self->started_at_ms = opts->started_at_ms;
    if (rs_random_token(self->instance, 16))
        goto fail_free;

    c->node_ttl_ms = opts->node_ttl_ms ? opts->node_ttl_ms : DEFAULT_NODE_TTL_MS;
    c->lease_ttl_ms = opts->lease_ttl_ms ? opts->lease_ttl_ms : DEFAULT_LEASE_TTL_MS;
    if (c->node_ttl_ms < TTL_MIN_MS || c->lease_ttl_ms < TTL_MIN_MS)
        goto fail_free;
    if (opts->heartbeat_ms) {
        c->heartbeat_ms = opts->heartbeat_ms;
        if (c->heartbeat_ms > c->node_ttl_ms / 2)
            goto fail_free;
    } else {
        c->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
        if (c->heartbeat_ms > c->node_ttl_ms / 3)
            c->heartbeat_ms = c->node_ttl_ms / 3;
    }
    c->renew_ms = c->lease_ttl_ms / 3;
    c->ready_grace = opts->ready_grace ? opts->ready_grace : DEFAULT_READY_GRACE;
    c->stream_maxlen = opts->stream_maxlen ? opts->stream_maxlen : DEFAULT_STREAM_MAXLEN;
    c->stream_ttl_ms = opts->stream_ttl_ms ? opts->stream_ttl_ms : DEFAULT_STREAM_TTL_MS;
    c->snapshot_ttl_ms = opts->snapshot_ttl_ms ? opts->snapshot_ttl_ms : 90000;
    snprintf(c->ttl_text, sizeof(c->ttl_text), "%u", c->node_ttl_ms);
    snprintf(c->lease_ttl_text, sizeof(c->lease_ttl_text), "%u", c->lease_ttl_ms);
    c->on_lease_lost = opts->on_lease_lost;
    c->user = opts->user;

    struct rs_redis_opts ro = opts->redis;
    ro.url = opts->redis_url;
    rc = rs_redis_new(&ro, &c->redis);
    if (rc)
        goto fail_free;
    *out = c;
    return 0;

fail_free:
    free(c);
    return rc;
}

void rs_cluster_free(struct rs_cluster *c)
{
    if (!c)
        return;
    rs_cl__leases_free(c);
    rs_redis_free(c->redis);
    free(c);
}

/* ---- heartbeat and readiness ---- */

static void heartbeat_failed(struct rs_cluster *c)
{
    bool was_ready = rs_cluster_ready(c);
    c->stats.heartbeat_failures++;
    if (c->failed_heartbeats < UINT32_MAX)
        c->failed_heartbeats++;
    if (was_ready && !rs_cluster_ready(c))
        RS_WARN("cluster", "event=not_ready node=%s failed_heartbeats=%u", c->self.id,
                c->failed_heartbeats);
}

/* Writes this node's record with its TTL and indexes it. 0, -EEXIST (another live process has
 * our id) or an error. */
static int heartbeat(struct rs_cluster *c)
{
    struct rs_cluster_node_text text;
    char node_key[RS_CL_KEY_MAX], set_key[RS_CL_KEY_MAX];
    const char *args[5 + 2 * RS_NODE__FIELDS];
    size_t lens[5 + 2 * RS_NODE__FIELDS];
    redisReply *rep;
    if (rs_cluster_node_encode(&c->self, &text) ||
        !rs_cl__key(c, node_key, "node:", c->self.id, NULL) ||
        !rs_cl__key(c, set_key, "nodes", NULL, NULL))
        return -EINVAL; /* checked by rs_cluster_new; cannot happen */
    args[0] = node_key;
    args[1] = set_key;
    args[2] = c->ttl_text;
    args[3] = c->self.id;
    args[4] = c->self.instance;
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(args[i]);
    for (int f = 0; f < RS_NODE__FIELDS; f++) {
        args[5 + 2 * f] = rs_cluster_node_field_names[f];
        lens[5 + 2 * f] = strlen(rs_cluster_node_field_names[f]);
        args[6 + 2 * f] = text.values[f];
        lens[6 + 2 * f] = text.lens[f];
    }
    int rc = rs_cl__eval(c, HEARTBEAT, 2, 5 + 2 * RS_NODE__FIELDS, args, lens, &rep);
    if (rc == 0) {
        bool ok = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
        bool conflict = rep->type == REDIS_REPLY_INTEGER && rep->integer == 0;
        freeReplyObject(rep);
        if (conflict) {
            c->stats.node_conflicts++;
            if (!c->conflict_logged)
                RS_ERROR("cluster",
                         "event=node_conflict node=%s (another live process has "
                         "this node id)",
                         c->self.id);
            c->conflict_logged = true;
            rc = -EEXIST;
        } else if (!ok) {
            rc = -EBADMSG;
        }
    }
    if (rc) {
        heartbeat_failed(c);
        return rc;
    }
    bool was_ready = rs_cluster_ready(c);
    c->stats.heartbeats++;
    c->failed_heartbeats = 0;
    c->registered = true;
    c->conflict_logged = false;
    if (!was_ready)
        RS_INFO("cluster", "event=ready node=%s", c->self.id);
    return 0;
}

void rs_cluster_tick(struct rs_cluster *c, int64_t now_ms)
{
    if (now_ms >= c->next_heartbeat_ms) {
        bool recovering = !rs_cluster_ready(c) || c->failed_heartbeats > 0;
        int rc = heartbeat(c);
        c->next_heartbeat_ms = now_ms + c->heartbeat_ms;
        if (rc == 0 && recovering)
            c->next_renew_ms = now_ms; /* back after an outage: renew before anything else */
    }
    if (c->n_leases && now_ms >= c->next_renew_ms) {
        rs_cl__renew_all(c, now_ms);
        c->next_renew_ms = now_ms + c->renew_ms;
    }
}

bool rs_cluster_ready(const struct rs_cluster *c)
{
    return c->registered && c->failed_heartbeats < c->ready_grace;
}

int64_t rs_cluster_fresh_ttl_ms(const struct rs_cluster *c)
{
    int64_t fresh = (int64_t)c->node_ttl_ms - (int64_t)c->heartbeat_ms * 5 / 2;
    return fresh > 0 ? fresh : 0;
}

void rs_cluster_set_load(struct rs_cluster *c, uint32_t participants, uint32_t transports)
{
    c->self.participants = participants < RS_CLUSTER_LOAD_MAX ? participants : RS_CLUSTER_LOAD_MAX;
    c->self.transports = transports < RS_CLUSTER_LOAD_MAX ? transports : RS_CLUSTER_LOAD_MAX;
}

int rs_cluster_set_draining(struct rs_cluster *c, bool draining, int64_t now_ms)
{
    if (c->self.draining != draining)
        RS_INFO("cluster", "event=%s node=%s", draining ? "drain" : "undrain", c->self.id);
    c->self.draining = draining;
    c->next_heartbeat_ms = now_ms + c->heartbeat_ms;
    return heartbeat(c);
}

/* ---- listing ---- */

/* A NODE_GET reply into a record: 0, -ENOENT (no such key), -EBADMSG. */
static int record_of(const char *id, const redisReply *rep, struct rs_cluster_node *out)
{
    const char *values[RS_NODE__FIELDS];
    size_t lens[RS_NODE__FIELDS];
    size_t present = 0;
    /* the fields, then the key's PTTL (NODE_GET) */
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != RS_NODE__FIELDS + 1 ||
        rep->element[RS_NODE__FIELDS]->type != REDIS_REPLY_INTEGER)
        return -EBADMSG;
    for (int f = 0; f < RS_NODE__FIELDS; f++) {
        const redisReply *v = rep->element[f];
        values[f] = NULL;
        lens[f] = 0;
        if (v->type == REDIS_REPLY_STRING) {
            values[f] = v->str;
            lens[f] = v->len;
            present++;
        } else if (v->type != REDIS_REPLY_NIL) {
            return -EBADMSG;
        }
    }
    if (present == 0)
        return -ENOENT;
    if (rs_cluster_node_parse(id, strlen(id), values, lens, out))
        return -EBADMSG;
    long long ttl = rep->element[RS_NODE__FIELDS]->integer; /* -1: none, -2: gone meanwhile */
    out->ttl_left_ms = ttl > 0 ? ttl : 0;
    return 0;
}

static void node_get_args(const char **args, size_t *lens, const char *key)
{
    static const char max_text[] = "255"; /* RS_CLUSTER_VALUE_MAX */
    _Static_assert(RS_CLUSTER_VALUE_MAX == 255, "max_text follows RS_CLUSTER_VALUE_MAX");
    args[0] = key;
    lens[0] = strlen(key);
    args[1] = max_text;
    lens[1] = sizeof(max_text) - 1;
    for (int f = 0; f < RS_NODE__FIELDS; f++) {
        args[2 + f] = rs_cluster_node_field_names[f];
        lens[2 + f] = strlen(rs_cluster_node_field_names[f]);
    }
}

int rs_cluster_node_get(struct rs_cluster *c, const char *id, struct rs_cluster_node *out)
{
    char key[RS_CL_KEY_MAX];
    const char *args[NODE_GET_ARGS];
    size_t lens[NODE_GET_ARGS];
    redisReply *rep;
    if (!id || !rs_cluster_node_id_valid(id, strlen(id)) || !rs_cl__key(c, key, "node:", id, NULL))
        return -EINVAL;
    node_get_args(args, lens, key);
    int rc = rs_cl__eval(c, NODE_GET, 1, NODE_GET_ARGS, args, lens, &rep);
    if (rc == -EPROTO) {
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    rc = record_of(id, rep, out);
    freeReplyObject(rep);
    if (rc == -EBADMSG)
        c->stats.malformed++;
    return rc;
}

/* Scratch of one listing: too big for the stack. */
struct listing {
    char ids[RS_CLUSTER_NODES_MAX][RS_CLUSTER_NODE_ID_MAX + 1];
    char keys[RS_CLUSTER_NODES_MAX][RS_CL_KEY_MAX];
    const char *args[RS_CLUSTER_NODES_MAX][NODE_GET_ARGS];
    size_t arg_lens[RS_CLUSTER_NODES_MAX][NODE_GET_ARGS];
    const char *argv[RS_CLUSTER_NODES_MAX][3 + NODE_GET_ARGS];
    size_t argv_lens[RS_CLUSTER_NODES_MAX][3 + NODE_GET_ARGS];
    struct rs_redis_cmd cmds[RS_CLUSTER_NODES_MAX];
    redisReply *replies[RS_CLUSTER_NODES_MAX];
    struct rs_cluster_node nodes[RS_CLUSTER_NODES_MAX];
    size_t gone[RS_CLUSTER_NODES_MAX];
};
_Static_assert(RS_CLUSTER_NODES_MAX <= RS_REDIS_PIPELINE_MAX, "one pipeline per listing");

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct rs_cluster_node *)a)->id, ((const struct rs_cluster_node *)b)->id);
}

/* Removes the index entries of nodes that are gone (best effort: a failure only leaves them
 * for the next listing). */
static void prune(struct rs_cluster *c, struct listing *l, size_t n_gone, const char *set_key)
{
    if (n_gone == 0)
        return;
    size_t set_len = strlen(set_key);
    for (size_t g = 0; g < n_gone; g++) {
        size_t i = l->gone[g];
        const char *args[3] = {l->keys[i], set_key, l->ids[i]};
        size_t lens[3] = {strlen(l->keys[i]), set_len, strlen(l->ids[i])};
        /* args of the listing are done with: reuse their arrays for these commands */
        memcpy(l->args[g], args, sizeof(args));
        memcpy(l->arg_lens[g], lens, sizeof(lens));
        rs_cl__eval_cmd(&l->cmds[g], l->argv[g], l->argv_lens[g], PRUNE, 2, 3, l->args[g],
                        l->arg_lens[g]);
    }
    if (rs_redis_pipeline(c->redis, n_gone, l->cmds, l->replies) == 0)
        for (size_t g = 0; g < n_gone; g++)
            freeReplyObject(l->replies[g]);
}

/* Reads every live, well-formed record into l->nodes (sorted by id); their number in *n. */
static int list_nodes(struct rs_cluster *c, struct listing *l, size_t *n)
{
    char set_key[RS_CL_KEY_MAX];
    char count[12];
    redisReply *members;
    *n = 0;
    rs_cl__key(c, set_key, "nodes", NULL, NULL);
    int count_len = snprintf(count, sizeof(count), "%d", RS_CLUSTER_NODES_MAX);
    const char *argv[3] = {"SRANDMEMBER", set_key, count};
    size_t lens[3] = {11, strlen(set_key), (size_t)count_len};
    /* SRANDMEMBER with a positive count: distinct members, at most that many */
    int rc = rs_redis_command(c->redis, 3, argv, lens, &members);
    if (rc == -EPROTO) {
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (members->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(members);
        c->stats.malformed++;
        return -EBADMSG;
    }
    size_t k = 0;
    for (size_t i = 0; i < members->elements && k < RS_CLUSTER_NODES_MAX; i++) {
        const redisReply *m = members->element[i];
        if (m->type != REDIS_REPLY_STRING || !rs_cluster_node_id_valid(m->str, m->len)) {
            c->stats.malformed++; /* left alone: not ours to delete */
            continue;
        }
        char id[RS_CLUSTER_NODE_ID_MAX + 1];
        memcpy(id, m->str, m->len);
        id[m->len] = 0;
        memcpy(l->ids[k], id, m->len + 1);
        rs_cl__key(c, l->keys[k], "node:", id, NULL);
        node_get_args(l->args[k], l->arg_lens[k], l->keys[k]);
        rs_cl__eval_cmd(&l->cmds[k], l->argv[k], l->argv_lens[k], NODE_GET, 1, NODE_GET_ARGS,
                        l->args[k], l->arg_lens[k]);
        k++;
    }
    freeReplyObject(members);
    if (k == 0)
        return 0;
    rc = rs_redis_pipeline(c->redis, k, l->cmds, l->replies);
    if (rc)
        return rc;
    size_t live = 0, n_gone = 0;
    for (size_t i = 0; i < k; i++) {
        int r = l->replies[i]->type == REDIS_REPLY_ERROR
                    ? -EBADMSG
                    : record_of(l->ids[i], l->replies[i], &l->nodes[live]);
        freeReplyObject(l->replies[i]);
        l->replies[i] = NULL;
        if (r == 0)
            live++;
        else if (r == -ENOENT)
            l->gone[n_gone++] = i;
        else
            c->stats.malformed++;
    }
    prune(c, l, n_gone, set_key);
    qsort(l->nodes, live, sizeof(l->nodes[0]), by_id);
    *n = live;
    return 0;
}

int rs_cluster_nodes(struct rs_cluster *c, struct rs_cluster_node *out, size_t cap, size_t *n)
{
    struct listing *l = malloc(sizeof(*l));
    size_t live;
    *n = 0;
    if (!l)
        return -ENOMEM;
    int rc = list_nodes(c, l, &live);
    if (rc == 0) {
        *n = live < cap ? live : cap;
        if (*n)
            memcpy(out, l->nodes, *n * sizeof(*out));
    }
    free(l);
    return rc;
}

int rs_cluster_least_loaded(struct rs_cluster *c, struct rs_cluster_node *out)
{
    struct listing *l = malloc(sizeof(*l));
    size_t live;
    if (!l)
        return -ENOMEM;
    int rc = list_nodes(c, l, &live);
    const struct rs_cluster_node *best = NULL;
    for (size_t i = 0; rc == 0 && i < live; i++)
        if (!l->nodes[i].draining && (!best || rs_cluster_node_load_cmp(&l->nodes[i], best) < 0))
            best = &l->nodes[i];
    if (rc == 0 && !best)
        rc = -ENOENT;
    if (rc == 0)
        *out = *best;
    free(l);
    return rc;
}

/* ---- leaving, counters ---- */

int rs_cluster_leave(struct rs_cluster *c)
{
    char node_key[RS_CL_KEY_MAX], set_key[RS_CL_KEY_MAX];
    redisReply *rep;
    int rc = rs_cl__release_all(c);
    rs_cl__key(c, node_key, "node:", c->self.id, NULL);
    rs_cl__key(c, set_key, "nodes", NULL, NULL);
    const char *args[4] = {node_key, set_key, c->self.id, c->self.instance};
    size_t lens[4] = {strlen(node_key), strlen(set_key), strlen(c->self.id),
                      strlen(c->self.instance)};
    int rc2 = rs_cl__eval(c, LEAVE, 2, 4, args, lens, &rep);
    if (rc2 == 0)
        freeReplyObject(rep);
    c->registered = false;
    RS_INFO("cluster", "event=leave node=%s", c->self.id);
    return rc ? rc : rc2;
}

const struct rs_cluster_stats *rs_cluster_stats(const struct rs_cluster *c)
{
    return &c->stats;
}

const struct rs_redis *rs_cluster_redis(const struct rs_cluster *c)
{
    return c->redis;
}
