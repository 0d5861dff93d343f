/* SPDX-License-Identifier: EUPL-1.2 */
/* Room event streams: what other nodes send a room's owner (see cluster.h; docs/cluster.md,
 * "Streams").
 *
 * A moderation command given on one node for a room owned by another, or a ballot cast while
 * the room moves, must reach the owner even if the owner is reconnecting to Redis at that
 * moment. Pub/sub delivers only to whoever listens at that instant, so these go into a Redis
 * stream per room, `<prefix>room:<id>:events`, capped by XADD MAXLEN ~ and expiring a while
 * after the last append. The owner reads with XREAD from the id of the last event it applied.
 *
 * No consumer group: a room has exactly one reader, its owner, so a group's bookkeeping
 * (pending lists, claims, acks) would only restate "the last id applied". The cursor lives in
 * the owner's memory and moves only past events it applied, so a reply lost to a reconnect is
 * simply read again. For failover the owner saves the cursor with rs_cluster_events_commit, a
 * script that writes it only while the lease is still this node's: a node that lost the room
 * cannot move the next owner's starting point.
 *
 * Delivery is at least once: an append whose reply was lost may have happened, and an owner
 * that dies between applying and committing hands the last events to the next owner again.
 * Events carry their own idempotency (a ballot id) where applying twice would matter. */
#include "cluster/cluster_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

/* KEYS: stream. ARGV: maxlen, ttl, from, type, body. */
static const char APPEND[] =
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',\n"
    "                      'from', ARGV[3], 'type', ARGV[4], 'body', ARGV[5])\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "return id\n";

/* KEYS: owner key, cursor key. ARGV: node id, cursor, ttl. */
static const char COMMIT[] = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                             "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
                             "return 1\n";

/* The owner's notice: append only while the room has an owner, and tell that owner which room
 * to read (its inbox, a set). Without an owner nobody serves the room live, so there is nothing
 * to tell: the next owner reads the store when it opens the room.
 * KEYS: owner key, stream. ARGV: maxlen, ttl, from, type, body, inbox key prefix (the inbox is
 * <prefix>inbox:<owner>, named here because only the script knows the owner), longest owner id.
 * Returns {id, owner}, or 0 when the room has no owner. */
static const char NOTIFY[] =
    "local o = redis.call('GET', KEYS[1])\n"
    "if not o then return 0 end\n"
    "if #o > tonumber(ARGV[7]) or not string.match(o, '^[%w._-]+$') then\n"
    "  return redis.error_reply('RS_UNREADABLE') end\n"
    "local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*',\n"
    "                      'from', ARGV[3], 'type', ARGV[4], 'body', ARGV[5])\n"
    "redis.call('PEXPIRE', KEYS[2], ARGV[2])\n"
    "local inbox = ARGV[6] .. o\n"
    "redis.call('SADD', inbox, ARGV[8])\n"
    "redis.call('PEXPIRE', inbox, ARGV[2])\n"
    "return {id, o}\n";

#define EVENT_FIELDS_MAX 16 /* field/value pairs an entry may have before it is refused */

int rs_cl__event_id_parse(const char *s, size_t len, uint64_t *ms, uint64_t *seq)
{
    const char *dash = s ? memchr(s, '-', len) : NULL;
    if (!dash || rs_cluster_parse_u64(s, (size_t)(dash - s), UINT64_MAX, ms) ||
        rs_cluster_parse_u64(dash + 1, len - (size_t)(dash - s) - 1, UINT64_MAX, seq))
        return -EINVAL;
    return 0;
}

/* A cursor: "0", or an entry id. */
static int cursor_parse(const char *s, size_t len, uint64_t *ms, uint64_t *seq)
{
    if (len == 1 && s[0] == '0') {
        *ms = *seq = 0;
        return 0;
    }
    return rs_cl__event_id_parse(s, len, ms, seq);
}

static bool type_valid(const char *s, size_t len)
{
    if (len == 0 || len > RS_CLUSTER_EVENT_TYPE_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
              ch == '/' || ch == '-'))
            return false;
    }
    return true;
}

static bool room_ok(const char *room)
{
    return room && rs_cluster_room_id_valid(room, strlen(room));
}

int rs_cluster_event_append(struct rs_cluster *c, const char *room, const char *type,
                            const void *body, size_t len, char *id)
{
    char key[RS_CL_KEY_MAX], maxlen[12], ttl[12];
    redisReply *rep;
    uint64_t ms, seq;
    if (!room_ok(room) || !type || !type_valid(type, strlen(type)) ||
        len > RS_CLUSTER_EVENT_BODY_MAX || (!body && len) ||
        !rs_cl__key(c, key, "room:", room, ":events"))
        return -EINVAL;
    int maxlen_len = snprintf(maxlen, sizeof(maxlen), "%u", c->stream_maxlen);
    int ttl_len = snprintf(ttl, sizeof(ttl), "%u", c->stream_ttl_ms);
    const char *args[6] = {key, maxlen, ttl, c->self.id, type, body ? body : ""};
    size_t lens[6] = {strlen(key),        (size_t)maxlen_len, (size_t)ttl_len,
                      strlen(c->self.id), strlen(type),       len};
    int rc = rs_cl__eval(c, APPEND, 1, 6, args, lens, &rep);
    if (rc == -EPROTO) { /* the key is not a stream */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_STRING && rep->len <= RS_CLUSTER_EVENT_ID_MAX &&
        rs_cl__event_id_parse(rep->str, rep->len, &ms, &seq) == 0) {
        if (id) {
            memcpy(id, rep->str, rep->len);
            id[rep->len] = 0;
        }
        c->stats.events_appended++;
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}

/* Picks `from`, `type`, `body` out of an entry's field list. 0, or -EBADMSG when one is
 * missing, repeated or malformed (unknown fields are ignored). */
static int event_of(const redisReply *fields, struct rs_cluster_event *ev)
{
    const redisReply *from = NULL, *type = NULL, *body = NULL;
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 ||
        fields->elements > 2 * EVENT_FIELDS_MAX)
        return -EBADMSG;
    for (size_t i = 0; i < fields->elements; i += 2) {
        const redisReply *name = fields->element[i], *value = fields->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            return -EBADMSG;
        const redisReply **slot = NULL;
        if (name->len == 4 && memcmp(name->str, "from", 4) == 0)
            slot = &from;
        else if (name->len == 4 && memcmp(name->str, "type", 4) == 0)
            slot = &type;
        else if (name->len == 4 && memcmp(name->str, "body", 4) == 0)
            slot = &body;
        if (!slot)
            continue;
        if (*slot)
            return -EBADMSG;
        *slot = value;
    }
    if (!from || !type || !body || !rs_cluster_node_id_valid(from->str, from->len) ||
        !type_valid(type->str, type->len) || body->len > RS_CLUSTER_EVENT_BODY_MAX)
        return -EBADMSG;
    memcpy(ev->from, from->str, from->len);
    ev->from[from->len] = 0;
    memcpy(ev->type, type->str, type->len);
    ev->type[type->len] = 0;
    ev->body = body->str;
    ev->body_len = body->len;
    return 0;
}

int rs_cluster_events_read(struct rs_cluster *c, const char *room, char *cursor, unsigned max,
                           rs_cluster_event_fn fn, void *user)
{
    char key[RS_CL_KEY_MAX], count[12];
    redisReply *rep;
    uint64_t at_ms, at_seq;
    size_t cursor_len = cursor ? strnlen(cursor, RS_CLUSTER_EVENT_ID_MAX + 1) : 0;
    if (!room_ok(room) || !fn || max == 0 || max > RS_CLUSTER_EVENTS_READ_MAX ||
        cursor_len > RS_CLUSTER_EVENT_ID_MAX || cursor_parse(cursor, cursor_len, &at_ms, &at_seq) ||
        !rs_cl__key(c, key, "room:", room, ":events"))
        return -EINVAL;
    int count_len = snprintf(count, sizeof(count), "%u", max);
    const char *argv[6] = {"XREAD", "COUNT", count, "STREAMS", key, cursor};
    size_t lens[6] = {5, 5, (size_t)count_len, 7, strlen(key), cursor_len};
    int rc = rs_redis_command(c->redis, 6, argv, lens, &rep);
    if (rc == -EPROTO) { /* the key is not a stream */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) { /* nothing after the cursor */
        freeReplyObject(rep);
        return 0;
    }
    const redisReply *entries = NULL;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
        rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2 &&
        rep->element[0]->element[1]->type == REDIS_REPLY_ARRAY &&
        rep->element[0]->element[1]->elements <= max)
        entries = rep->element[0]->element[1];
    if (!entries) {
        c->stats.malformed++;
        freeReplyObject(rep);
        return -EBADMSG;
    }
    int delivered = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        uint64_t ms, seq;
        struct rs_cluster_event ev;
        /* ids must grow: anything else would move the cursor back or loop forever */
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            e->element[0]->len > RS_CLUSTER_EVENT_ID_MAX ||
            rs_cl__event_id_parse(e->element[0]->str, e->element[0]->len, &ms, &seq) ||
            ms < at_ms || (ms == at_ms && seq <= at_seq)) {
            c->stats.malformed++;
            rc = -EBADMSG;
            break;
        }
        memcpy(ev.id, e->element[0]->str, e->element[0]->len);
        ev.id[e->element[0]->len] = 0;
        if (event_of(e->element[1], &ev) == 0) {
            if (fn(user, &ev) != 0)
                break; /* read again next time */
            delivered++;
            c->stats.events_read++;
        } else {
            c->stats.malformed++;
            RS_DEBUG("cluster", "event=event_malformed room=%s id=%s", room, ev.id);
        }
        memcpy(cursor, ev.id, strlen(ev.id) + 1);
        at_ms = ms;
        at_seq = seq;
    }
    freeReplyObject(rep);
    return rc ? rc : delivered;
}

int rs_cluster_events_commit(struct rs_cluster *c, const char *room, const char *cursor)
{
    char owner_key[RS_CL_KEY_MAX], cursor_key[RS_CL_KEY_MAX], ttl[12];
    redisReply *rep;
    uint64_t ms, seq;
    size_t cursor_len = cursor ? strnlen(cursor, RS_CLUSTER_EVENT_ID_MAX + 1) : 0;
    if (!room_ok(room) || cursor_len > RS_CLUSTER_EVENT_ID_MAX ||
        cursor_parse(cursor, cursor_len, &ms, &seq) ||
        !rs_cl__key(c, owner_key, "room:", room, ":owner") ||
        !rs_cl__key(c, cursor_key, "room:", room, ":cursor"))
        return -EINVAL;
    int ttl_len = snprintf(ttl, sizeof(ttl), "%u", c->stream_ttl_ms);
    const char *args[5] = {owner_key, cursor_key, c->self.id, cursor, ttl};
    size_t lens[5] = {strlen(owner_key), strlen(cursor_key), strlen(c->self.id), cursor_len,
                      (size_t)ttl_len};
    int rc = rs_cl__eval(c, COMMIT, 2, 5, args, lens, &rep);
    if (rc == -EPROTO)
        return -EPERM; /* the owner key is not a string: not ours */
    if (rc)
        return rc;
    rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1 ? 0 : -EPERM;
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_events_cursor(struct rs_cluster *c, const char *room, char *cursor)
{
    char key[RS_CL_KEY_MAX], max[4];
    redisReply *rep;
    uint64_t ms, seq;
    if (!room_ok(room) || !rs_cl__key(c, key, "room:", room, ":cursor"))
        return -EINVAL;
    int max_len = snprintf(max, sizeof(max), "%d", RS_CLUSTER_EVENT_ID_MAX);
    const char *args[2] = {key, max};
    size_t lens[2] = {strlen(key), (size_t)max_len};
    memcpy(cursor, "0", 2);
    int rc = rs_cl__eval(c, rs_cl__get_bounded, 1, 2, args, lens, &rep);
    if (rc == -EPROTO) {
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = -ENOENT;
    } else if (rep->type == REDIS_REPLY_STRING && rep->len <= RS_CLUSTER_EVENT_ID_MAX &&
               cursor_parse(rep->str, rep->len, &ms, &seq) == 0) {
        memcpy(cursor, rep->str, rep->len);
        cursor[rep->len] = 0;
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_event_notify(struct rs_cluster *c, const char *room, const char *type,
                            const void *body, size_t len, char *owner)
{
    char owner_key[RS_CL_KEY_MAX], key[RS_CL_KEY_MAX], inbox[RS_CL_KEY_MAX], maxlen[12], ttl[12],
        idmax[4];
    redisReply *rep;
    uint64_t ms, seq;
    if (owner)
        owner[0] = 0;
    if (!room_ok(room) || !type || !type_valid(type, strlen(type)) ||
        len > RS_CLUSTER_EVENT_BODY_MAX || (!body && len) ||
        !rs_cl__key(c, owner_key, "room:", room, ":owner") ||
        !rs_cl__key(c, key, "room:", room, ":events") ||
        !rs_cl__key(c, inbox, "inbox:", NULL, NULL))
        return -EINVAL;
    int maxlen_len = snprintf(maxlen, sizeof(maxlen), "%u", c->stream_maxlen);
    int ttl_len = snprintf(ttl, sizeof(ttl), "%u", c->stream_ttl_ms);
    int idmax_len = snprintf(idmax, sizeof(idmax), "%d", RS_CLUSTER_NODE_ID_MAX);
    const char *args[10] = {owner_key,        key,   maxlen, ttl, c->self.id, type,
                            body ? body : "", inbox, idmax,  room};
    size_t lens[10] = {
        strlen(owner_key), strlen(key), (size_t)maxlen_len, (size_t)ttl_len,   strlen(c->self.id),
        strlen(type),      len,         strlen(inbox),      (size_t)idmax_len, strlen(room)};
    int rc = rs_cl__eval(c, NOTIFY, 2, 10, args, lens, &rep);
    if (rc == -EPROTO) { /* an owner we cannot read, or the stream key is no stream */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
        rc = -ENOENT;
    } else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
               rep->element[0]->type == REDIS_REPLY_STRING &&
               rep->element[0]->len <= RS_CLUSTER_EVENT_ID_MAX &&
               rs_cl__event_id_parse(rep->element[0]->str, rep->element[0]->len, &ms, &seq) == 0 &&
               rep->element[1]->type == REDIS_REPLY_STRING &&
               rs_cluster_node_id_valid(rep->element[1]->str, rep->element[1]->len)) {
        if (owner) {
            memcpy(owner, rep->element[1]->str, rep->element[1]->len);
            owner[rep->element[1]->len] = 0;
        }
        c->stats.events_appended++;
    } else {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc;
}

int rs_cluster_inbox_take(struct rs_cluster *c, unsigned max, rs_cluster_inbox_fn fn, void *user)
{
    char key[RS_CL_KEY_MAX], count[12];
    redisReply *rep;
    if (!fn || max == 0 || max > RS_CLUSTER_INBOX_TAKE_MAX ||
        !rs_cl__key(c, key, "inbox:", c->self.id, NULL))
        return -EINVAL;
    int count_len = snprintf(count, sizeof(count), "%u", max);
    const char *argv[3] = {"SPOP", key, count};
    size_t lens[3] = {4, strlen(key), (size_t)count_len};
    int rc = rs_redis_command(c->redis, 3, argv, lens, &rep);
    if (rc == -EPROTO) { /* the key is not a set */
        c->stats.malformed++;
        return -EBADMSG;
    }
    if (rc)
        return rc;
    int n = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements <= max) {
        for (size_t i = 0; i < rep->elements; i++) {
            const redisReply *e = rep->element[i];
            char room[RS_CLUSTER_ROOM_ID_MAX + 1];
            if (e->type != REDIS_REPLY_STRING || !rs_cluster_room_id_valid(e->str, e->len)) {
                c->stats.malformed++;
                continue;
            }
            memcpy(room, e->str, e->len);
            room[e->len] = 0;
            fn(user, room);
            n++;
        }
    } else if (rep->type != REDIS_REPLY_NIL) {
        c->stats.malformed++;
        rc = -EBADMSG;
    }
    freeReplyObject(rep);
    return rc ? rc : n;
}
