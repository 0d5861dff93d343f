/* SPDX-License-Identifier: EUPL-1.2 */
/* The sweep of a gone node's open rows (see cluster_sweep.h). */
#include "http/cluster_sweep.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "store/store_attendance.h"
#include "store/store_recording.h"

struct gone {
    const char *self;
    const char *const *live;
    size_t n_live;
    char ids[RS_CLUSTER_SWEEP_NODES][RS_STORE_NODE_MAX + 1];
    size_t n;
};

/* rs_store_node_fn: keeps `node` when it is neither this node nor a live one (once) */
static int collect(const char *node, void *ctx)
{
    struct gone *g = ctx;
    if (strcmp(node, g->self) == 0)
        return 0;
    for (size_t i = 0; i < g->n_live; i++)
        if (strcmp(node, g->live[i]) == 0)
            return 0;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(node, g->ids[i]) == 0)
            return 0;
    if (g->n == RS_CLUSTER_SWEEP_NODES)
        return 1; /* enough for this sweep */
    snprintf(g->ids[g->n++], sizeof(g->ids[0]), "%s", node);
    return 0;
}

int rs_cluster_sweep(struct rs_store *st, const char *self, const char *const *live, size_t n,
                     int64_t now_ms, struct rs_cluster_sweep_result *out)
{
    memset(out, 0, sizeof(*out));
    struct gone g = {.self = self, .live = live, .n_live = n};
    int rc = rs_store_attendance_open_nodes(st, collect, &g);
    if (rc == 0)
        rc = rs_store_recording_open_nodes(st, collect, &g);
    if (rc)
        return rc;
    for (size_t i = 0; i < g.n; i++) {
        int stays = rs_store_attendance_close_open(st, now_ms, RS_ATTENDANCE_NODE_LOST, g.ids[i]);
        int recs = rs_store_recording_close_open(st, now_ms, g.ids[i]);
        if (stays < 0 || recs < 0) {
            rc = stays < 0 ? stays : recs;
            break;
        }
        out->stays += stays;
        out->recordings += recs;
        out->nodes++;
        RS_WARN("cluster", "event=gone_node_swept node=%s stays=%d recordings=%d", g.ids[i], stays,
                recs);
    }
    rs_metric_add(RS_M_CLUSTER_SWEPT_STAYS, (uint64_t)out->stays);
    rs_metric_add(RS_M_CLUSTER_SWEPT_RECORDINGS, (uint64_t)out->recordings);
    return rc;
}
