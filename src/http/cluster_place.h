/* SPDX-License-Identifier: EUPL-1.2 */
/* Where a new room goes in a cluster (docs/cluster.md section 7, "Placement").
 *
 * A room that has no owner is placed on the least loaded live node that is not draining. The
 * choice is made from a copy of the node list that the HTTP layer's timer refreshes every
 * RS_CLUSTER_PLACE_LIST_MS (one pipelined listing, cluster.h rs_cluster_nodes), never on the
 * join path: a join costs the same Redis round trips with placement as without. The price is
 * staleness: a node's load in the copy is up to one heartbeat plus one listing old (about 2 s).
 * Within that, each room placed from the copy counts as one more participant on the chosen
 * node, so a burst of new rooms spreads instead of all landing on the node that looked
 * emptiest. This node's own load is taken as it is now, not from the copy. A copy older than
 * RS_CLUSTER_PLACE_STALE_MS (Redis away) is not used: the room is placed on this node, whose
 * lease acquisition then decides (and fails while Redis is away).
 *
 * A node that missed two heartbeats (its record's TTL has run down below `fresh_ttl_ms`) is
 * passed over: it is probably dead, even though its record has not expired yet, and a room
 * placed there would wait for the hold to run out.
 *
 * This node wins ties: another node is chosen only when it is strictly less loaded
 * (participants, then media transports), so an evenly loaded cluster never redirects, and a
 * node that is draining places everything elsewhere while another node can take it.
 *
 * Control thread only; the copy is owned by the caller's struct. */
#ifndef RS_HTTP_CLUSTER_PLACE_H
#define RS_HTTP_CLUSTER_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"

#define RS_CLUSTER_PLACE_LIST_MS 1000  /* how often the node list is copied */
#define RS_CLUSTER_PLACE_STALE_MS 3500 /* a copy older than this is not used */
#define RS_CLUSTER_PLACE_HOLD_MS 2000  /* a room placed elsewhere waits this long for its join */

struct rs_cluster_place {
    struct rs_cluster_node *nodes; /* RS_CLUSTER_NODES_MAX, owned */
    size_t n;                      /* live nodes in the copy */
    int64_t listed_ms;             /* when it was taken (monotonic); 0: never */
    int64_t fresh_ttl_ms; /* nodes listed with less TTL left are passed over (0: none are) */
};

/* Allocates the copy. Returns 0 or -ENOMEM. */
int rs_cluster_place_init(struct rs_cluster_place *p);
void rs_cluster_place_free(struct rs_cluster_place *p);
/* Lists the live nodes into the copy (a Redis round trip or two). On failure the old copy is
 * kept and ages. Returns 0 or the listing's error. */
int rs_cluster_place_refresh(struct rs_cluster_place *p, struct rs_cluster *c, int64_t now_ms);
/* Chooses the node for a new room: NULL for this node, else the chosen node (borrowed from the
 * copy, valid until the next refresh). `self` (borrowed) is this node as it is now: its id, its
 * current load (fresher than any copy) and whether it drains; its entry in the copy is
 * ignored. */
const struct rs_cluster_node *rs_cluster_place_choose(const struct rs_cluster_place *p,
                                                      const struct rs_cluster_node *self,
                                                      int64_t now_ms);
/* Counts one participant more on node `id` in the copy (a room was just placed there), until
 * the next refresh brings its published load. */
void rs_cluster_place_count(struct rs_cluster_place *p, const char *id);

#endif
