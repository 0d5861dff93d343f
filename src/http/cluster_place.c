/* SPDX-License-Identifier: EUPL-1.2 */
/* Placement of new rooms from a copy of the node list (see cluster_place.h).
 *
 * The subtle point is that two nodes' copies differ (taken at different times): node A may
 * think B is emptier while B thinks C is. The choice therefore never decides alone: the node
 * that chooses another one writes the room's lease for it (cluster.h rs_cluster_room_place,
 * SET NX), and the join sent there finds the room already its own. A room is placed once, by
 * whichever node sets the lease first, and never bounces between nodes. */
#include "http/cluster_place.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rs_cluster_place_init(struct rs_cluster_place *p)
{
    memset(p, 0, sizeof(*p));
    p->nodes = calloc(RS_CLUSTER_NODES_MAX, sizeof(*p->nodes));
    return p->nodes ? 0 : -ENOMEM;
}

void rs_cluster_place_free(struct rs_cluster_place *p)
{
    free(p->nodes);
    memset(p, 0, sizeof(*p));
}

int rs_cluster_place_refresh(struct rs_cluster_place *p, struct rs_cluster *c, int64_t now_ms)
{
    size_t n = 0;
    if (!p->nodes)
        return -ENOMEM;
    int rc = rs_cluster_nodes(c, p->nodes, RS_CLUSTER_NODES_MAX, &n);
    if (rc)
        return rc; /* p->nodes untouched: rs_cluster_nodes copies only on success */
    p->n = n;
    p->listed_ms = now_ms;
    return 0;
}

/* Whether `a` is strictly less loaded than `b` (no tie-break by id). */
static bool lighter(const struct rs_cluster_node *a, const struct rs_cluster_node *b)
{
    if (a->participants != b->participants)
        return a->participants < b->participants;
    return a->transports < b->transports;
}

const struct rs_cluster_node *rs_cluster_place_choose(const struct rs_cluster_place *p,
                                                      const struct rs_cluster_node *self,
                                                      int64_t now_ms)
{
    if (!p->nodes || !p->listed_ms || now_ms - p->listed_ms > RS_CLUSTER_PLACE_STALE_MS)
        return NULL;
    const struct rs_cluster_node *best = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const struct rs_cluster_node *n = &p->nodes[i];
        bool silent = n->ttl_left_ms > 0 && n->ttl_left_ms < p->fresh_ttl_ms;
        if (strcmp(n->id, self->id) != 0 && !n->draining && !silent &&
            (!best || rs_cluster_node_load_cmp(n, best) < 0))
            best = n;
    }
    if (!best || (!self->draining && !lighter(best, self)))
        return NULL;
    return best;
}

void rs_cluster_place_count(struct rs_cluster_place *p, const char *id)
{
    for (size_t i = 0; p->nodes && i < p->n; i++)
        if (strcmp(p->nodes[i].id, id) == 0) {
            if (p->nodes[i].participants < RS_CLUSTER_LOAD_MAX)
                p->nodes[i].participants++;
            return;
        }
}
