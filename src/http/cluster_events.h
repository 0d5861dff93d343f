/* SPDX-License-Identifier: EUPL-1.2 */
/* Changes made on one node for a room another node serves (docs/cluster.md section 5).
 *
 * A REST call reaches whichever node the load balancer picks. What it changes is in the shared
 * store at once, but a live room keeps some of it in memory (its settings, agenda, electorate)
 * and only its owner can tell the room's participants. So the node that made the change sends
 * the owner a notice through the room's Redis stream, and the owner, told by its inbox, reads
 * the stream and applies the notice by reading the store again.
 *
 * Notices carry no state, only "look again": the store is the truth, so a notice read twice, or
 * read by an owner that opened the room after the change, does no harm (a "meeting deleted"
 * for a meeting that exists is ignored). That is what makes at-least-once delivery enough.
 *
 *   meeting/changed   the meeting's settings (lobby, ...): the owner rereads its record
 *   meeting/deleted   the owner ends the room if the meeting is gone from the store
 *   agenda/changed    the owner rereads the agenda and tells everyone
 *   vote/members      the owner recomputes who may vote
 *   access/changed    a moderator grant of the account in the body changed: the owner re-checks
 *                     that account's sessions (room/access.c)
 *
 * Control thread only. */
#ifndef RS_HTTP_CLUSTER_EVENTS_H
#define RS_HTTP_CLUSTER_EVENTS_H

#include "core/app.h"

struct rs_cluster;
struct rs_cluster_events;

/* Per-node state: the cursors of the rooms this node owns. NULL on OOM. */
struct rs_cluster_events *rs_cluster_events_new(struct rs_app *app, struct rs_cluster *cluster);
void rs_cluster_events_free(struct rs_cluster_events *ev);
/* This node now owns `room` (its lease was just taken): its stream is read at the next tick,
 * from the cursor the previous owner saved, so nothing sent to that owner is lost. */
void rs_cluster_events_opened(struct rs_cluster_events *ev, const char *room);
/* This node is giving `room` up (before the lease is released): its cursor is saved. */
void rs_cluster_events_closing(struct rs_cluster_events *ev, const char *room);
/* From the cluster tick: the rooms in this node's inbox are read and their notices applied. */
void rs_cluster_events_tick(struct rs_cluster_events *ev);

/* A REST call changed `room` (`type`, one of the notices above; `body` NULL or the account id
 * of access/changed). Nothing happens without a cluster or when the room is open on this node
 * (the caller has applied the change itself); otherwise the notice goes to the room's owner, if
 * any. Counted in ratsaal_cluster_events_total. */
void rs_cluster_room_changed(struct rs_app *app, const char *room, const char *type,
                             const char *body);

#endif
