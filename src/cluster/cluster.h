/* SPDX-License-Identifier: EUPL-1.2 */
/* This node's view of the cluster, kept in Redis (docs/cluster.md is the design).
 *
 *   registry   every node writes its record (cluster/node.h) to `<prefix>node:<id>` with a TTL
 *              at each heartbeat; a node whose key expired is gone. rs_cluster_nodes lists the
 *              live ones, rs_cluster_least_loaded picks where a new room goes.
 *   leases     a room is owned by one node: `<prefix>room:<id>:owner` holds its id, taken with
 *              SET NX PX, renewed and released by the owner only (compare-then-act scripts).
 *   events     `<prefix>room:<id>:events`, a Redis stream: what other nodes send a room's
 *              owner and must not be lost (moderation commands, ballots), read from a cursor.
 *   readiness  rs_cluster_ready: false after a few heartbeats in a row failed. Liveness
 *              (/healthz) never asks this module.
 *
 * Owned by ONE thread (the control thread): no locking inside. Every call that talks to Redis
 * blocks for at most the connect plus the command timeout (cluster/redis.h), and fails at once
 * while Redis is known to be down. Times `now_ms` are monotonic ms (core/clock.h rs_mono_ms),
 * passed in by the caller so tests control them; Redis's own clock runs the TTLs.
 *
 * Errors: as cluster/redis.h (-ENOTCONN, -ETIMEDOUT, -EIO, -ENOMEM, -EINVAL), and -EBADMSG when
 * what Redis holds is not something this code wrote (a malformed record, owner or event: it is
 * refused and counted, never trusted), -EBUSY (another node owns the room), -EPERM (this node
 * does not own it), -ENOENT (no such node, owner or cursor), -ENOSPC (too many leases). */
#ifndef RS_CLUSTER_CLUSTER_H
#define RS_CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/node.h"
#include "cluster/redis.h"

#define RS_CLUSTER_PREFIX_DEFAULT "ratsaal:"
#define RS_CLUSTER_NODES_MAX 256              /* nodes a listing looks at */
#define RS_CLUSTER_LEASES_MAX 4096            /* rooms one node may own */
#define RS_CLUSTER_EVENT_ID_MAX 41            /* "<ms>-<seq>", two 64-bit decimals */
#define RS_CLUSTER_EVENT_TYPE_MAX 32          /* [a-z0-9_./-], 1-32 */
#define RS_CLUSTER_EVENT_BODY_MAX 8192        /* bytes of one event's body (JSON, typically) */
#define RS_CLUSTER_EVENTS_READ_MAX 256        /* events one rs_cluster_events_read returns */
#define RS_CLUSTER_SNAPSHOT_MAX (4 * 1024 * 1024) /* bytes of one room snapshot */

/* Called from rs_cluster_tick when a renewal found the room owned by another node (`owner`, ""
 * when what the key holds is unreadable): this node must stop serving the room. Both strings
 * are borrowed for the call. The lease is already forgotten; the callback may call any
 * rs_cluster function. */
typedef void (*rs_cluster_lease_lost_fn)(void *user, const char *room, const char *owner);

struct rs_cluster_opts {
    const char *redis_url;    /* cluster_redis: redis://host:port[/db] or unix:/path */
    const char *prefix;       /* NULL: RS_CLUSTER_PREFIX_DEFAULT */
    const char *node_id;      /* this node's id (node.h rules) */
    const char *public_url;   /* where clients reach this node (node.h: url) */
    const char *media_ip;     /* the address of this node's media port */
    const char *version;      /* the server's version */
    int64_t started_at_ms;    /* wall-clock ms when the process started */
    unsigned node_ttl_ms;     /* cluster_node_ttl_ms; 0: 5000. A silent node is gone after it */
    unsigned heartbeat_ms;    /* 0: 1000 (at most node_ttl_ms / 2) */
    unsigned lease_ttl_ms;    /* cluster_lease_ttl_ms; 0: 5000. Renewed every lease_ttl_ms / 3 */
    unsigned ready_grace;     /* failed heartbeats in a row before not ready; 0: 3 */
    unsigned stream_maxlen;   /* events kept per room (MAXLEN ~); 0: 1000 */
    unsigned stream_ttl_ms;   /* a room's stream and cursor live this long after the last write;
                                 0: 24 h */
    unsigned snapshot_ttl_ms; /* a room's snapshot lives this long after it was written; 0: 90 s */
    struct rs_redis_opts redis; /* timeouts and backoff; its url is ignored (redis_url is used) */
    rs_cluster_lease_lost_fn on_lease_lost; /* may be NULL */
    void *user;                             /* for on_lease_lost */
};

struct rs_cluster_stats {
    uint64_t heartbeats;         /* heartbeats written */
    uint64_t heartbeat_failures; /* heartbeats that failed (Redis down, slow, or a conflict) */
    uint64_t node_conflicts;     /* another live process registered with our node id */
    uint64_t malformed;          /* records, owners, cursors and events refused */
    uint64_t leases_acquired;
    uint64_t leases_renewed;
    uint64_t leases_retaken; /* renewals that found the key expired and took it again */
    uint64_t leases_lost;    /* renewals that found another owner */
    uint64_t leases_released;
    uint64_t events_appended;
    uint64_t events_read; /* events handed to a reader's callback */
    uint64_t snapshots_written;
    uint64_t snapshots_refused; /* writes refused: the lease is not this node's */
};

struct rs_cluster;

/* Makes this node's cluster view; does not talk to Redis yet (the first tick registers).
 * `opts` and its strings are copied. Returns 0 with a new object in `*out` (owned by the
 * caller, freed with rs_cluster_free), -EINVAL for a bad option (a URL, id, address or version
 * the node record would refuse, a TTL under 100 ms) or -ENOMEM. */
int rs_cluster_new(const struct rs_cluster_opts *opts, struct rs_cluster **out);
/* Frees it without touching Redis (records and leases expire by themselves); see
 * rs_cluster_leave for a clean exit. */
void rs_cluster_free(struct rs_cluster *c);

/* Drives the heartbeat and the lease renewals; call it from a timer every 100-250 ms. Does
 * nothing until one is due. Leases found lost are reported through on_lease_lost. */
void rs_cluster_tick(struct rs_cluster *c, int64_t now_ms);

/* Whether this node may take new work: it has registered and its last `ready_grace`
 * heartbeats did not all fail. Asks nothing of Redis. */
bool rs_cluster_ready(const struct rs_cluster *c);
/* A listed node whose record has less than this left of its TTL (ttl_left_ms) missed two
 * heartbeats and more: probably dead, though its record has not expired yet. Assumes every
 * node runs with the same cluster_node_ttl_ms and heartbeat period (docs/cluster.md). */
int64_t rs_cluster_fresh_ttl_ms(const struct rs_cluster *c);

/* Sets the load published by the next heartbeat (clamped to RS_CLUSTER_LOAD_MAX). */
void rs_cluster_set_load(struct rs_cluster *c, uint32_t participants, uint32_t transports);
/* Marks this node draining (or not) and publishes it at once: no new rooms are placed on a
 * draining node; the rooms it has stay. Returns the heartbeat's result (the flag is kept and
 * published by a later heartbeat if this one failed). */
int rs_cluster_set_draining(struct rs_cluster *c, bool draining, int64_t now_ms);

/* Lists live nodes (this one included once registered), sorted by id: up to `cap` in `out`
 * (borrowed), their number in `*n`. Records that are malformed are skipped and counted; index
 * entries of nodes that are gone are removed. Returns 0 or an error. */
int rs_cluster_nodes(struct rs_cluster *c, struct rs_cluster_node *out, size_t cap, size_t *n);
/* The live node with the least load that is not draining, in `*out`. Returns 0, -ENOENT when
 * there is none, or an error (then the caller places the room on itself). */
int rs_cluster_least_loaded(struct rs_cluster *c, struct rs_cluster_node *out);
/* The record of node `id` in `*out`. Returns 0, -ENOENT (gone), -EBADMSG or an error. */
int rs_cluster_node_get(struct rs_cluster *c, const char *id, struct rs_cluster_node *out);

/* Takes the lease on `room` for this node (SET NX PX; taking it again when it is already ours
 * renews it). Returns 0 when this node owns it now, -EBUSY when another node does (its id in
 * `owner`, which may be NULL, else holds RS_CLUSTER_NODE_ID_MAX + 1 bytes), -EBADMSG when the
 * key holds something unreadable (left alone), -ENOSPC, or an error. */
int rs_cluster_room_acquire(struct rs_cluster *c, const char *room, int64_t now_ms, char *owner);
/* Gives the lease up, if this node holds it (compare-and-delete). The lease is forgotten
 * locally in any case. Returns 0, -EPERM (another node owns it, or nobody: nothing deleted), or
 * an error (the key then expires by itself). */
int rs_cluster_room_release(struct rs_cluster *c, const char *room);
/* Places a room that has no owner on node `node` (another node: the one chosen for it): sets
 * the lease to `node`'s id if nobody holds it (SET NX PX, the lease TTL), so that the join sent
 * there finds the room its own (rs_cluster_room_acquire on that node) and no other node places
 * it elsewhere meanwhile; an existing lease is never touched or extended. This node records
 * nothing. Returns 0 (placed on `node`), -EBUSY when the room has an owner (its id in `owner`,
 * RS_CLUSTER_NODE_ID_MAX + 1 bytes, may be NULL; it may be `node` or this node), -EBADMSG
 * (unreadable, left alone), -EINVAL, or an error. */
int rs_cluster_room_place(struct rs_cluster *c, const char *room, const char *node, unsigned ttl_ms,
                          char *owner);
/* The owner of `room` into `owner` (RS_CLUSTER_NODE_ID_MAX + 1 bytes). Returns 0, -ENOENT (no
 * owner), -EBADMSG (unreadable) or an error. */
int rs_cluster_room_owner(struct rs_cluster *c, const char *room, char *owner);
/* Whether this node holds the lease on `room` and its last renewal is recent enough that the
 * lease cannot have expired in Redis yet. Asks nothing of Redis. */
bool rs_cluster_room_held(const struct rs_cluster *c, const char *room, int64_t now_ms);
/* Leases this node holds. */
size_t rs_cluster_leases(const struct rs_cluster *c);

/* Cascade (docs/cluster.md "Cascade"): the owner says whether `room`'s audience may be served by
 * other nodes (podium mode on). `room:<id>:cascade` holds the owner's id while on (expiring
 * after 24 h); written and deleted only while this node's lease is in Redis (one script).
 * Returns 0, -EPERM (not the owner: nothing written), or an error. */
int rs_cluster_room_cascade_set(struct rs_cluster *c, const char *room, bool on);
/* Whether `room`'s current owner has its cascade on: 0 with the owner's id in `owner`
 * (RS_CLUSTER_NODE_ID_MAX + 1 bytes), -ENOENT (no owner, or off, or set by a former owner),
 * -EBADMSG (unreadable), or an error. */
int rs_cluster_room_cascading(struct rs_cluster *c, const char *room, char *owner);

/* One event of a room's stream, borrowed for the callback. `body` is NUL-terminated too. */
struct rs_cluster_event {
    char id[RS_CLUSTER_EVENT_ID_MAX + 1];
    char from[RS_CLUSTER_NODE_ID_MAX + 1]; /* the node that appended it */
    char type[RS_CLUSTER_EVENT_TYPE_MAX + 1];
    const char *body;
    size_t body_len;
};
/* Returns 0 to go on, anything else to stop before this event (it is read again next time). */
typedef int (*rs_cluster_event_fn)(void *user, const struct rs_cluster_event *ev);

/* Appends an event to `room`'s stream (XADD MAXLEN ~ stream_maxlen; the stream's TTL renewed).
 * `type` (borrowed) must be valid, `body` (borrowed, `len` <= RS_CLUSTER_EVENT_BODY_MAX bytes)
 * is opaque. On success the new entry's id goes to `id` (RS_CLUSTER_EVENT_ID_MAX + 1 bytes; may
 * be NULL). Returns 0 or an error. After a timeout or a broken connection the event may or may
 * not have been added: a caller that retries must make its events idempotent (a ballot id). */
int rs_cluster_event_append(struct rs_cluster *c, const char *room, const char *type,
                            const void *body, size_t len, char *id);
/* Tells the owner of `room` about an event (docs/cluster.md section 5): in one script, appends
 * it to the room's stream and puts the room into the owner's inbox, but only while the room has
 * an owner. Returns 0 with the owner's id in `owner` (RS_CLUSTER_NODE_ID_MAX + 1 bytes, may be
 * NULL; it may be this node), -ENOENT when no node owns the room (nothing appended: whoever
 * opens it next reads the store), -EBADMSG for an owner key or stream that is not ours to read,
 * or an error (after which the event may or may not have been added). */
int rs_cluster_event_notify(struct rs_cluster *c, const char *room, const char *type,
                            const void *body, size_t len, char *owner);
#define RS_CLUSTER_INBOX_TAKE_MAX 64
/* Called with each room id taken from this node's inbox (borrowed for the call). */
typedef void (*rs_cluster_inbox_fn)(void *user, const char *room);
/* Takes up to `max` (<= RS_CLUSTER_INBOX_TAKE_MAX) rooms from this node's inbox (SPOP): rooms
 * whose streams got events since they were last taken. Returns how many were handed to `fn`
 * (ids that are no room id are counted as malformed and dropped), or an error (nothing taken). */
int rs_cluster_inbox_take(struct rs_cluster *c, unsigned max, rs_cluster_inbox_fn fn, void *user);
/* Reads up to `max` (<= RS_CLUSTER_EVENTS_READ_MAX) events after `cursor` (in and out, a
 * stream id, "0" at first; RS_CLUSTER_EVENT_ID_MAX + 1 bytes) and hands them to `fn` in order.
 * The cursor moves past each event `fn` accepted and past each malformed one (skipped and
 * counted); it never moves on a failure, so nothing is lost across a reconnect. Returns the
 * number of events `fn` accepted, or an error. */
int rs_cluster_events_read(struct rs_cluster *c, const char *room, char *cursor, unsigned max,
                           rs_cluster_event_fn fn, void *user);
/* Saves `cursor` as how far the owner has applied `room`'s events, for the node that owns the
 * room next; only while this node owns the room (checked atomically). Returns 0, -EPERM when
 * the lease is not ours, -EINVAL for a bad cursor, or an error. */
int rs_cluster_events_commit(struct rs_cluster *c, const char *room, const char *cursor);
/* Loads the saved cursor of `room` into `cursor` ("0" and -ENOENT when none is saved).
 * Returns 0, -ENOENT, -EBADMSG (unreadable; `cursor` is then "0") or an error. */
int rs_cluster_events_cursor(struct rs_cluster *c, const char *room, char *cursor);

/* Room snapshots (`<prefix>room:<id>:state`, opaque bytes of at most RS_CLUSTER_SNAPSHOT_MAX):
 * what the next owner rebuilds the meeting from. Put writes `data` (borrowed, `len` bytes) with
 * the snapshot TTL and drop deletes it, both only while this node owns the room (checked
 * atomically with the write): -EPERM otherwise, nothing changed. Get returns a new buffer in
 * `*out` (NUL-terminated, freed by the caller) and its length: 0, -ENOENT (none), -EBADMSG (not
 * a string, or longer than the limit: refused inside Redis, counted, left alone) or an error. */
int rs_cluster_snapshot_put(struct rs_cluster *c, const char *room, const void *data, size_t len);
int rs_cluster_snapshot_drop(struct rs_cluster *c, const char *room);
int rs_cluster_snapshot_get(struct rs_cluster *c, const char *room, char **out, size_t *len);

/* Leaves the cluster cleanly: releases every lease and removes this node's record (only if
 * it is this process's). For a clean shutdown, before rs_cluster_free; a later tick would
 * register the node again. Returns 0 or the first error (what was not removed expires). */
int rs_cluster_leave(struct rs_cluster *c);

const struct rs_cluster_stats *rs_cluster_stats(const struct rs_cluster *c);
/* The Redis client underneath (borrowed): its up/down state and counters, for /readyz
 * details and /metrics. */
const struct rs_redis *rs_cluster_redis(const struct rs_cluster *c);

#endif
