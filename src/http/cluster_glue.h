/* SPDX-License-Identifier: EUPL-1.2 */
/* The server's side of the cluster (docs/cluster.md): what connects cluster/ to the rooms, the
 * HTTP layer's timer, /readyz and /metrics, so that cluster/ itself knows nothing of them.
 *
 *   start      with cluster_redis set: the node's rs_cluster, and the room registry's
 *              ownership hooks (core/app.h rs_room_owner) pointed at the leases
 *   tick       from the HTTP layer's timer (every 200 ms): publishes the load, drives the
 *              heartbeat and renewals, copies the counters into /metrics
 *   ready      for /readyz: registered, not draining, Redis answering
 *   draining   on SIGTERM, before the graceful shutdown: no new rooms are placed here, a join
 *              for a room not open here is sent to the least loaded other node
 *   hand over  then every room's snapshot is written, its lease released and its participants
 *              sent `moved`: they resume on another node (docs/cluster.md "Drain")
 *   stop       on a clean shutdown: releases the leases, removes the node's record
 *
 * A lease lost at renewal (another node took the room while this one could not reach Redis)
 * ends the room here: its participants get `moved` without a URL and reconnect through the load
 * balancer to the new owner.
 *
 * Control thread only. Every call that talks to Redis blocks at most the cluster's timeouts. */
#ifndef RS_HTTP_CLUSTER_GLUE_H
#define RS_HTTP_CLUSTER_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"

struct rs_cluster;

/* Makes `app->cluster` and fills `app->room_owner` when `app->cfg.cluster_redis` is set (does
 * nothing otherwise). Talks to Redis only at the first tick. Returns 0, or -EINVAL with a
 * one-line reason in `err` (a value the cluster refuses), or -ENOMEM. */
int rs_cluster_glue_start(struct rs_app *app, char *err, size_t errlen);
/* Every 100-250 ms; nothing without a cluster. */
void rs_cluster_glue_tick(struct rs_app *app, int64_t now_ms);
/* Whether this node takes new work, as far as the cluster goes: true without a cluster;
 * otherwise false with `*reason` "redis" or "draining" (a static string). */
bool rs_cluster_glue_ready(const struct rs_app *app, const char **reason);
/* Marks this node draining and publishes it (SIGTERM). */
void rs_cluster_glue_drain(struct rs_app *app);
/* SIGTERM, after rs_cluster_glue_drain: hands every room open here over to the other nodes
 * (room.h rs_rooms_hand_over: snapshot written, lease released, participants told `moved`).
 * Returns the rooms that are still here (their snapshot could not be written: Redis away);
 * call again until 0 or the drain's deadline. 0 without a cluster. */
unsigned rs_cluster_glue_hand_over(struct rs_app *app);
/* Leaves the cluster (leases released, record removed), empties the hooks and frees
 * `app->cluster`. Safe without a cluster. */
void rs_cluster_glue_stop(struct rs_app *app);
/* Whether recordings_dir and live_dir were found shared by every live node at the last check
 * (http/cluster_storage.h); true on a single node, false before the first check. */
bool rs_cluster_glue_storage_shared(const struct rs_app *app);
/* The node's cluster view (borrowed), NULL on a single node. */
struct rs_cluster *rs_cluster_glue_cluster(const struct rs_app *app);

#endif
