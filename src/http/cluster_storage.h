/* SPDX-License-Identifier: EUPL-1.2 */
/* The cluster's shared directories (docs/cluster.md section 8, docs/operations.md "Cluster").
 *
 * A recording is written by the node that serves its meeting, but downloaded, deleted and
 * expired (retention) by whichever node a request or the retention job reaches; a livestream's
 * segments are served by any node. So `recordings_dir` and `live_dir` must be one shared
 * directory (NFS, CephFS, ...) mounted at the same path on every node. If they are not, a node
 * that looks for another node's file finds nothing: retention would take it for "already gone",
 * mark the recording deleted, and leave the real file on the other node's disk for ever.
 *
 * The check: each node keeps a marker `<dir>/.cluster/<node id>` in both directories, and every
 * few seconds (with the listing of live nodes) looks for the markers of all live nodes. One
 * missing means the directory is not shared: the gauge ratsaal_cluster_shared_storage is 0, an
 * error names the node and the directory, and the retention of recordings waits (a recording
 * is deleted only where its file was seen gone while the storage was known to be shared).
 *
 * Control thread only. */
#ifndef RS_HTTP_CLUSTER_STORAGE_H
#define RS_HTTP_CLUSTER_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* Writes this node's markers into both directories (creating `.cluster`, mode 0700). Returns
 * 0 or a negative errno with `err` saying which file. */
int rs_cluster_storage_mark(const struct rs_config *cfg, char *err, size_t errlen);
/* Removes this node's markers (a clean stop). */
void rs_cluster_storage_unmark(const struct rs_config *cfg);
/* Whether the markers of all `n` live nodes (`ids`) are in both directories; otherwise the
 * first missing one as "<dir>/.cluster/<id>" in `missing`. */
bool rs_cluster_storage_shared(const struct rs_config *cfg, const char *const *ids, size_t n,
                               char *missing, size_t cap);

#endif
