/* SPDX-License-Identifier: EUPL-1.2 */
/* The server's side of the cluster (see cluster_glue.h; the design is docs/cluster.md).
 *
 * Room ownership is decided when a room opens on this node, never later for a join to a room
 * already open here: the lease is taken (SET NX PX) and, when another node holds it, the join is
 * answered `moved` with that node's public URL, read from its record. An owner whose record is
 * gone while its lease lives has just died (or cannot reach Redis): the client is told to retry
 * after a second or two, by when the lease has expired or the owner is back. Redis not answering
 * when a room opens refuses the room the same way: without the lease this node cannot know that
 * nobody else serves it, and a node that cannot reach Redis is not ready either, so the load
 * balancer sends the retry elsewhere.
 *
 * A room with no owner is placed (http/cluster_place.h): on this node, or on a less loaded one
 * whose lease this node then sets (the join follows `moved` there and finds the room its own).
 *
 * The subtle point is the listing of nodes, for placement and /metrics: it is a round trip of
 * its own and runs from the timer every RS_CLUSTER_PLACE_LIST_MS, never on the join path. */
#include "http/cluster_glue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/cluster_events.h"
#include "http/cluster_storage.h"
#include "http/cluster_place.h"
#include "http/cluster_sweep.h"
#include "room/room.h"
#include "room/snapshot.h"

#define RETRY_S RS_ROOM_MOVED_RETRY_S /* the hint when the owner or Redis is unknown */

struct rs_cluster_glue {
    struct rs_app *app;
    struct rs_cluster *cluster;
    struct rs_cluster_events *events; /* notices from other nodes (cluster_events.h) */
    bool draining;
    int storage; /* shared directories: -1 not checked yet, 0 not shared, 1 shared */
    struct rs_cluster_place place; /* the node list new rooms are placed from */
    int64_t nodes_tried_ms;        /* the last listing for it */
    int64_t swept_ms;              /* the last sweep of gone nodes' open rows */
};

/* on_lease_lost: another node owns `room` now. Its participants here are told `moved`
 * without a URL and the room ends on this node; they reconnect through the load balancer. */
static void lease_lost(void *user, const char *room_id, const char *owner)
{
    struct rs_cluster_glue *g = user;
    RS_WARN("cluster", "event=lease_lost room=%s owner=%s", room_id, owner[0] ? owner : "-");
    struct rs_room *room = rs_rooms_find(g->app->rooms, room_id);
    if (room)
        rs_room_moved_away(room);
}

/* Places a room that has no owner on `to` (chosen by placement): sets its lease to `to`'s id.
 * Returns 0 with `moved` pointing there, 1 when the room turns out to be this node's already
 * (the caller acquires it), or -EBUSY (another owner, in `owner`) or an error as
 * rs_cluster_room_place. */
static int place_elsewhere(struct rs_cluster_glue *g, const char *room,
                           const struct rs_cluster_node *to, struct rs_room_moved *moved,
                           char *owner)
{
    int rc = rs_cluster_room_place(g->cluster, room, to->id, RS_CLUSTER_PLACE_HOLD_MS, owner);
    if (rc == -EBUSY && strcmp(owner, g->app->cfg.cluster_node_id) == 0)
        return 1;
    if (rc == 0 || (rc == -EBUSY && strcmp(owner, to->id) == 0)) {
        snprintf(moved->url, sizeof(moved->url), "%s", to->url);
        snprintf(moved->node, sizeof(moved->node), "%s", to->id);
        if (rc == 0) {
            rs_metric_inc(RS_M_CLUSTER_PLACED_OTHER);
            rs_cluster_place_count(&g->place, to->id);
        }
        RS_INFO("cluster", "event=placed room=%s node=%s", room, to->id);
        return 0;
    }
    return rc;
}

/* Where a new room goes: NULL for this node (its load as the gauges say now), else the node. */
static const struct rs_cluster_node *choose(struct rs_cluster_glue *g, int64_t now_ms)
{
    struct rs_cluster_node self = {.draining = g->draining};
    uint64_t participants = rs_metric_get(RS_M_PARTICIPANTS);
    uint64_t transports = rs_metric_get(RS_M_TRANSPORTS);
    snprintf(self.id, sizeof(self.id), "%s", g->app->cfg.cluster_node_id);
    self.participants = participants > UINT32_MAX ? UINT32_MAX : (uint32_t)participants;
    self.transports = transports > UINT32_MAX ? UINT32_MAX : (uint32_t)transports;
    return rs_cluster_place_choose(&g->place, &self, now_ms);
}

static int owner_acquire(void *user, const char *room, struct rs_room_moved *moved)
{
    struct rs_cluster_glue *g = user;
    char owner[RS_CLUSTER_NODE_ID_MAX + 1] = "";
    memset(moved, 0, sizeof(*moved));
    int64_t now = rs_mono_ms();
    int rc = 1;
    const struct rs_cluster_node *to = choose(g, now);
    if (to) {
        rc = place_elsewhere(g, room, to, moved, owner);
        if (rc == 0)
            return -EBUSY;
        if (rc < 0 && rc != -EBUSY) /* Redis: the acquisition below fails or decides */
            rc = 1;
    }
    if (rc == 1)
        rc = rs_cluster_room_acquire(g->cluster, room, now, owner);
    if (rc == 0) {
        rs_metric_inc(RS_M_CLUSTER_PLACED_SELF);
        rs_cluster_events_opened(g->events, room);
        return 0;
    }
    moved->retry_after_s = RETRY_S;
    if (rc != -EBUSY) {
        RS_WARN("cluster", "event=acquire_failed room=%s rc=%d", room, rc);
        return rc;
    }
    snprintf(moved->node, sizeof(moved->node), "%s", owner);
    struct rs_cluster_node node;
    int nrc = rs_cluster_node_get(g->cluster, owner, &node);
    if (nrc == 0) {
        snprintf(moved->url, sizeof(moved->url), "%s", node.url);
        moved->retry_after_s = 0;
    }
    RS_INFO("cluster", "event=moved room=%s owner=%s url=%s", room, owner,
            moved->url[0] ? moved->url : "-");
    return -EBUSY;
}

/* Whether another node owns `room` (the room is not open here). Redis not answering: unknown,
 * taken as yes, so that this node leaves the room's shared state alone. */
static bool owner_elsewhere(void *user, const char *room)
{
    struct rs_cluster_glue *g = user;
    char owner[RS_CLUSTER_NODE_ID_MAX + 1] = "";
    int rc = rs_cluster_room_owner(g->cluster, room, owner);
    if (rc == -ENOENT)
        return false;
    return rc != 0 || strcmp(owner, g->app->cfg.cluster_node_id) != 0;
}

static bool owner_held(void *user, const char *room)
{
    struct rs_cluster_glue *g = user;
    return rs_cluster_room_held(g->cluster, room, rs_mono_ms());
}

static void owner_release(void *user, const char *room)
{
    struct rs_cluster_glue *g = user;
    rs_cluster_events_closing(g->events, room);
    int rc = rs_cluster_room_release(g->cluster, room);
    if (rc && rc != -EPERM)
        RS_WARN("cluster", "event=release_failed room=%s rc=%d", room, rc);
}

static int snapshot_load(void *user, const char *room, char **out, size_t *len)
{
    struct rs_cluster_glue *g = user;
    int rc = rs_cluster_snapshot_get(g->cluster, room, out, len);
    if (rc && rc != -ENOENT)
        RS_WARN("cluster", "event=snapshot_unreadable room=%s rc=%d", room, rc);
    return rc;
}

static int snapshot_save(void *user, const char *room, const char *data, size_t len)
{
    struct rs_cluster_glue *g = user;
    int rc = rs_cluster_snapshot_put(g->cluster, room, data, len);
    if (rc) {
        rs_metric_inc(RS_M_CLUSTER_SNAPSHOT_ERRORS);
        RS_WARN("cluster", "event=snapshot_not_written room=%s rc=%d", room, rc);
    }
    return rc;
}

static void snapshot_drop(void *user, const char *room)
{
    struct rs_cluster_glue *g = user;
    int rc = rs_cluster_snapshot_drop(g->cluster, room);
    if (rc && rc != -EPERM)
        RS_WARN("cluster", "event=snapshot_not_dropped room=%s rc=%d", room, rc);
}

/* A draining node opens no room: the join goes to the least loaded other node, or retries. */
static bool owner_draining(void *user, struct rs_room_moved *moved)
{
    struct rs_cluster_glue *g = user;
    if (!g->draining)
        return false;
    memset(moved, 0, sizeof(*moved));
    moved->retry_after_s = RETRY_S;
    /* from the node list the timer copies: with this node draining, the least loaded other
     * node that is not; when the copy has none (stale, or taken before the others registered),
     * one listing: a draining node takes no new work anyway */
    const struct rs_cluster_node *node = choose(g, rs_mono_ms());
    struct rs_cluster_node listed;
    if (!node && rs_cluster_least_loaded(g->cluster, &listed) == 0 &&
        strcmp(listed.id, g->app->cfg.cluster_node_id) != 0)
        node = &listed;
    if (node) {
        snprintf(moved->url, sizeof(moved->url), "%s", node->url);
        snprintf(moved->node, sizeof(moved->node), "%s", node->id);
        moved->retry_after_s = 0;
    }
    return true;
}

static void owner_cascade_set(void *user, const char *room, bool on)
{
    struct rs_cluster_glue *g = user;
    int rc = rs_cluster_room_cascade_set(g->cluster, room, on);
    if (rc && !(rc == -EPERM && !on))
        RS_WARN("cluster", "event=cascade_set_failed room=%s on=%d rc=%d", room, on, rc);
}

static int owner_cascading(void *user, const char *room, struct rs_room_moved *moved)
{
    struct rs_cluster_glue *g = user;
    char owner[RS_CLUSTER_NODE_ID_MAX + 1] = "";
    memset(moved, 0, sizeof(*moved));
    int rc = rs_cluster_room_cascading(g->cluster, room, owner);
    if (rc)
        return rc;
    if (strcmp(owner, g->app->cfg.cluster_node_id) == 0)
        return -EEXIST; /* ours: no edge of our own room */
    struct rs_cluster_node node;
    rc = rs_cluster_node_get(g->cluster, owner, &node);
    if (rc)
        return rc;
    snprintf(moved->node, sizeof(moved->node), "%s", owner);
    snprintf(moved->url, sizeof(moved->url), "%s", node.url);
    snprintf(moved->media_ip, sizeof(moved->media_ip), "%s", node.media_ip);
    return 0;
}

/* The address of this node's media port, as the node record wants it: public_ip, else the
 * listen address when it is one. */
static const char *media_ip(const struct rs_config *cfg)
{
    return cfg->public_ip[0] ? cfg->public_ip : cfg->listen_addr;
}

int rs_cluster_glue_start(struct rs_app *app, char *err, size_t errlen)
{
    const struct rs_config *cfg = &app->cfg;
    if (!cfg->cluster_redis[0])
        return 0;
    struct rs_cluster_glue *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "cluster: out of memory");
        return -ENOMEM;
    }
    g->app = app;
    if (rs_cluster_place_init(&g->place)) {
        free(g);
        snprintf(err, errlen, "cluster: out of memory");
        return -ENOMEM;
    }
    struct rs_cluster_opts opts = {
        .redis_url = cfg->cluster_redis,
        .prefix = cfg->cluster_prefix,
        .node_id = cfg->cluster_node_id,
        .public_url = cfg->cluster_public_url,
        .media_ip = media_ip(cfg),
        .version = RS_VERSION,
        .started_at_ms = rs_wall_ms(),
        .node_ttl_ms = cfg->cluster_node_ttl_ms,
        .lease_ttl_ms = cfg->cluster_lease_ttl_ms,
        /* a snapshot is good for as long as someone in it could resume; it is rewritten at
         * least every RS_SNAPSHOT_REFRESH_MS while the room lives */
        .snapshot_ttl_ms = cfg->resume_grace_s * 1000u + 2u * RS_SNAPSHOT_REFRESH_MS,
        .on_lease_lost = lease_lost,
        .user = g,
    };
    int rc = rs_cluster_new(&opts, &g->cluster);
    if (rc) {
        rs_cluster_place_free(&g->place);
        free(g);
        if (rc == -EINVAL)
            snprintf(err, errlen,
                     "config: cluster: the node's id, public URL or media address (%s) is not "
                     "accepted, or cluster_redis is not a Redis URL",
                     media_ip(cfg));
        else
            snprintf(err, errlen, "cluster: cannot start: %s", strerror(-rc));
        return rc;
    }
    g->place.fresh_ttl_ms = rs_cluster_fresh_ttl_ms(g->cluster);
    g->storage = -1;
    if ((rc = rs_cluster_storage_mark(cfg, err, errlen))) {
        rs_cluster_free(g->cluster);
        rs_cluster_place_free(&g->place);
        free(g);
        return rc;
    }
    g->events = rs_cluster_events_new(app, g->cluster);
    if (!g->events) {
        rs_cluster_free(g->cluster);
        rs_cluster_place_free(&g->place);
        free(g);
        snprintf(err, errlen, "cluster: out of memory");
        return -ENOMEM;
    }
    app->cluster = g;
    app->room_owner = (struct rs_room_owner){.acquire = owner_acquire,
                                             .release = owner_release,
                                             .held = owner_held,
                                             .elsewhere = owner_elsewhere,
                                             .snapshot_load = snapshot_load,
                                             .snapshot_save = snapshot_save,
                                             .snapshot_drop = snapshot_drop,
                                             .draining = owner_draining,
                                             .user = g};
    if (cfg->cluster_secret[0]) {
        app->room_owner.cascade_set = owner_cascade_set;
        app->room_owner.cascading = owner_cascading;
    }
    rs_metric_set(RS_M_CLUSTER_READY, 0);
    RS_INFO("cluster", "event=started node=%s url=%s", cfg->cluster_node_id,
            cfg->cluster_public_url);
    return 0;
}

/* The cluster's and the Redis client's counters into /metrics (absolute values). */
static void copy_stats(struct rs_cluster_glue *g)
{
    const struct rs_cluster_stats *cs = rs_cluster_stats(g->cluster);
    const struct rs_redis_stats *rs = rs_redis_stats(rs_cluster_redis(g->cluster));
    rs_metric_set(RS_M_CLUSTER_READY, rs_cluster_ready(g->cluster));
    rs_metric_set(RS_M_CLUSTER_LEASES, rs_cluster_leases(g->cluster));
    rs_metric_set(RS_M_CLUSTER_HEARTBEAT_FAILURES, cs->heartbeat_failures);
    rs_metric_set(RS_M_CLUSTER_NODE_CONFLICTS, cs->node_conflicts);
    rs_metric_set(RS_M_CLUSTER_MALFORMED, cs->malformed);
    rs_metric_set(RS_M_CLUSTER_LEASES_LOST, cs->leases_lost);
    rs_metric_set(RS_M_CLUSTER_LEASES_RETAKEN, cs->leases_retaken);
    rs_metric_set(RS_M_REDIS_TIMEOUTS, rs->timeouts);
    rs_metric_set(RS_M_REDIS_IO_ERRORS, rs->io_errors);
    rs_metric_set(RS_M_REDIS_CONNECT_ERRORS, rs->connect_errors);
    rs_metric_set(RS_M_REDIS_SERVER_ERRORS, rs->server_errors);
}

/* Whether recordings_dir and live_dir are shared by every live node (cluster_storage.h). */
static void check_storage(struct rs_cluster_glue *g, const char *const *ids, size_t n)
{
    char missing[RS_CONFIG_PATH_MAX + 128];
    int ok = rs_cluster_storage_shared(&g->app->cfg, ids, n, missing, sizeof(missing));
    if (!ok && g->storage != 0)
        RS_ERROR("cluster", "event=storage_not_shared missing=%s (recordings_dir and live_dir must "
                 "be one directory shared by every node; recording retention waits)",
                 missing);
    else if (ok && g->storage == 0)
        RS_INFO("cluster", "event=storage_shared nodes=%zu", n);
    g->storage = ok;
    rs_metric_set(RS_M_CLUSTER_SHARED_STORAGE, (uint64_t)ok);
}

/* Closes what nodes gone from the cluster left open in the store (cluster_sweep.h), from a
 * node list just copied that holds this node itself (a list without it is no proof that the
 * others are gone: this node's own record may have lapsed meanwhile). */
static void sweep_gone(struct rs_cluster_glue *g, const char *const *ids, size_t n,
                       int64_t now_ms)
{
    struct rs_app *app = g->app;
    if (!app->store || (g->swept_ms && now_ms - g->swept_ms < RS_CLUSTER_SWEEP_MS))
        return;
    bool self = false;
    for (size_t i = 0; i < n; i++)
        self |= strcmp(ids[i], app->cfg.cluster_node_id) == 0;
    if (!self)
        return;
    g->swept_ms = now_ms;
    struct rs_cluster_sweep_result r;
    int rc = rs_cluster_sweep(app->store, app->cfg.cluster_node_id, ids, n, rs_wall_ms(), &r);
    if (rc)
        RS_WARN("cluster", "event=sweep_failed rc=%d", rc);
}

/* The node list for placement and the node count for /metrics, every RS_CLUSTER_PLACE_LIST_MS
 * while Redis answers (a failed listing is tried again at the next period). */
static void refresh_nodes(struct rs_cluster_glue *g, int64_t now_ms)
{
    if (!rs_cluster_ready(g->cluster) ||
        (g->nodes_tried_ms && now_ms - g->nodes_tried_ms < RS_CLUSTER_PLACE_LIST_MS))
        return;
    g->nodes_tried_ms = now_ms;
    if (rs_cluster_place_refresh(&g->place, g->cluster, now_ms) == 0) {
        rs_metric_set(RS_M_CLUSTER_NODES, g->place.n);
        const char *ids[RS_CLUSTER_NODES_MAX]; /* the live nodes' ids, for both checks */
        for (size_t i = 0; i < g->place.n; i++)
            ids[i] = g->place.nodes[i].id;
        check_storage(g, ids, g->place.n);
        sweep_gone(g, ids, g->place.n, now_ms);
    }
}

void rs_cluster_glue_tick(struct rs_app *app, int64_t now_ms)
{
    struct rs_cluster_glue *g = app->cluster;
    if (!g)
        return;
    uint64_t participants = rs_metric_get(RS_M_PARTICIPANTS);
    uint64_t transports = rs_metric_get(RS_M_TRANSPORTS);
    rs_cluster_set_load(g->cluster, participants > UINT32_MAX ? UINT32_MAX : (uint32_t)participants,
                        transports > UINT32_MAX ? UINT32_MAX : (uint32_t)transports);
    rs_cluster_tick(g->cluster, now_ms);
    if (rs_cluster_ready(g->cluster))
        rs_cluster_events_tick(g->events);
    refresh_nodes(g, now_ms);
    copy_stats(g);
}

bool rs_cluster_glue_ready(const struct rs_app *app, const char **reason)
{
    const struct rs_cluster_glue *g = app->cluster;
    if (!g)
        return true;
    if (g->draining) {
        *reason = "draining";
        return false;
    }
    if (!rs_cluster_ready(g->cluster)) {
        *reason = "redis";
        return false;
    }
    return true;
}

void rs_cluster_glue_drain(struct rs_app *app)
{
    struct rs_cluster_glue *g = app->cluster;
    if (!g || g->draining)
        return;
    g->draining = true;
    int rc = rs_cluster_set_draining(g->cluster, true, rs_mono_ms());
    RS_INFO("cluster", "event=draining rc=%d", rc);
}

unsigned rs_cluster_glue_hand_over(struct rs_app *app)
{
    struct rs_cluster_glue *g = app->cluster;
    if (!g || !app->rooms)
        return 0;
    return rs_rooms_hand_over(app->rooms, rs_wall_ms());
}

void rs_cluster_glue_stop(struct rs_app *app)
{
    struct rs_cluster_glue *g = app->cluster;
    if (!g)
        return;
    memset(&app->room_owner, 0, sizeof(app->room_owner));
    app->cluster = NULL;
    int rc = rs_cluster_leave(g->cluster);
    RS_INFO("cluster", "event=left rc=%d", rc);
    rs_cluster_storage_unmark(&app->cfg);
    rs_cluster_events_free(g->events);
    rs_cluster_free(g->cluster);
    rs_cluster_place_free(&g->place);
    free(g);
}

bool rs_cluster_glue_storage_shared(const struct rs_app *app)
{
    return !app->cluster || app->cluster->storage == 1;
}

struct rs_cluster *rs_cluster_glue_cluster(const struct rs_app *app)
{
    return app->cluster ? app->cluster->cluster : NULL;
}
