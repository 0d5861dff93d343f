/* SPDX-License-Identifier: EUPL-1.2 */
/* What a node gone from the cluster left open in the shared store (docs/security.md F8,
 * docs/cluster.md section 9).
 *
 * A node writes its id into the rows that stay open while its meetings run: attendance stays
 * and recordings being written (store.h rs_store_set_node). A node that dies cannot close them.
 * A node restarting under the same id closes its own at start-up (main.c); for one that never
 * comes back, every live node looks every RS_CLUSTER_SWEEP_MS for open rows whose node is not
 * in the list of live nodes and closes them: stays with reason "node_lost" at the sweep's time,
 * recordings as "interrupted" (their file is what the recorder wrote until the node died).
 * Several nodes may sweep the same rows; the store's UPDATEs make that harmless.
 *
 * A meeting of the gone node that another node takes over continues its participants' stays:
 * the new owner adopts each row when it restores the participant (rs_store_attendance_adopt),
 * which opens a row closed "node_lost" again; the participant never left. A node cut off from
 * Redis for longer than the node TTL looks gone too: its stays are closed meanwhile and get
 * their real end when the participant leaves, its recordings their real state when they end.
 *
 * Control thread only: the store's calls block. */
#ifndef RS_HTTP_CLUSTER_SWEEP_H
#define RS_HTTP_CLUSTER_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define RS_CLUSTER_SWEEP_MS 10000 /* how often a node looks (with its node-list copy) */
#define RS_CLUSTER_SWEEP_NODES 64 /* gone nodes handled per sweep (the rest: the next one) */

struct rs_cluster_sweep_result {
    int stays;      /* attendance rows closed */
    int recordings; /* recordings marked interrupted */
    int nodes;      /* gone nodes whose rows were closed */
};

/* Closes the open rows of every node that is neither `self` nor one of the `n` live `live`
 * ids. Returns 0 (counts in `*out`, added to /metrics) or the store's error. */
int rs_cluster_sweep(struct rs_store *st, const char *self, const char *const *live, size_t n,
                     int64_t now_ms, struct rs_cluster_sweep_result *out);

#endif
