/* SPDX-License-Identifier: EUPL-1.2 */
/* The application context: everything the control thread owns, reachable from one pointer.
 *
 * Owned by main(); handed by pointer to the HTTP layer, sessions and rooms. Only the control
 * thread touches it (media workers get their own state and talk through queues). */
#ifndef RS_CORE_APP_H
#define RS_CORE_APP_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/wakeup.h"

struct rs_store;
struct rs_rooms;
struct rs_session;
struct rs_media;
struct rs_ratelimit;
struct rs_api;
struct rs_login;
struct rs_cluster_glue;
struct rs_cascade;

/* Where a room lives when another node of the cluster serves it (docs/cluster.md section 7):
 * what the client is told with the signaling error `moved`. */
#define RS_ROOM_MOVED_RETRY_S 2 /* the retry hint of a `moved` without a URL */

struct rs_room_moved {
    char url[256];  /* the owner's public URL; "" when unknown (the client retries) */
    char node[65];  /* the owner's node id; "" when unknown */
    /* the cascade: the owner's media address from its node record (never sent to clients);
     * an edge refuses an offer whose candidate is elsewhere. "" when unknown */
    char media_ip[46];
    unsigned retry_after_s; /* with no url: when to try again */
};

/* Room ownership in a cluster: filled in by http/cluster_glue.c when cluster_redis is set,
 * all NULL on a single node. The room registry calls them on the control thread without
 * knowing the cluster. */
struct rs_room_owner {
    /* A room is about to open on this node: 0 when this node may serve it (it holds its lease
     * now), else a negative errno with `*moved` filled (another node owns it: its url and id;
     * the owner or Redis unknown: no url and a retry hint). */
    int (*acquire)(void *user, const char *room, struct rs_room_moved *moved);
    /* The room closed on this node: its lease is given up. */
    void (*release)(void *user, const char *room);
    /* A join to a room already open on this node: true while this node's lease on it cannot
     * have expired (renewed within its TTL, by the node's own clock). False: Redis has not
     * been reachable for longer than that, and another node may have taken the room over. */
    bool (*held)(void *user, const char *room);
    /* A room that is not open on this node: true when another node owns it (or Redis cannot
     * say), so that this node leaves the room's shared state to that node (a vote's deadline:
     * the owner closes it and tells the room). */
    bool (*elsewhere)(void *user, const char *room);
    /* The room's snapshot (room/snapshot.h) in Redis: read when the room opens here (a new
     * buffer in `*out`, freed by the caller; 0, -ENOENT or an error), written while the room
     * lives and deleted when it closes, both only while this node holds the lease (0, -EPERM,
     * or an error). */
    int (*snapshot_load)(void *user, const char *room, char **out, size_t *len);
    int (*snapshot_save)(void *user, const char *room, const char *data, size_t len);
    void (*snapshot_drop)(void *user, const char *room);
    /* This node is draining: it opens no room (the join gets `moved`, filled in `*moved`). */
    bool (*draining)(void *user, struct rs_room_moved *moved);
    /* Cascade (docs/cluster.md "Cascade"). The owner publishes whether other nodes may serve
     * the room's audience (podium mode on); a node asks whether a room it does not own is
     * cascading: 0 with the owner's id and URL in *owner, else a negative errno. NULL without
     * a cluster secret. */
    void (*cascade_set)(void *user, const char *room, bool on);
    int (*cascading)(void *user, const char *room, struct rs_room_moved *owner);
    void *user;
};

/* Signaling connections from this node to another node's WebSocket (the cascade's relays,
 * docs/cluster.md "Cascade"): filled in by http/cascade_link.c, used by sfu/cascade.c. A link
 * reports at most once that it closed; after rs_cascade_links.close it reports nothing. */
struct rs_cascade_link;
struct rs_cascade_link_cb {
    void (*on_open)(void *ctx);
    void (*on_message)(void *ctx, const char *text, size_t len); /* one whole text message */
    void (*on_closed)(void *ctx, const char *why);               /* static text */
};
struct rs_cascade_links {
    /* Connects to `url` (http://host[:port][/path]) + "/signaling". NULL when it cannot start. */
    struct rs_cascade_link *(*open)(void *user, const char *url,
                                    const struct rs_cascade_link_cb *cb, void *ctx);
    int (*send)(struct rs_cascade_link *l, const char *text, size_t len);
    void (*close)(struct rs_cascade_link *l);
    void *user;
};

struct rs_app {
    struct rs_config cfg;
    struct rs_store *store;
    struct rs_rooms *rooms;
    struct rs_media *media;          /* NULL when the media plane is not running (tests) */
    struct rs_session *sessions;     /* every open signaling session (for shutdown) */
    uint64_t sessions_opened;        /* serial numbers of signaling sessions (logs) */
    struct rs_ratelimit *join_limit; /* joins per client address (room registry's) */
    struct rs_ratelimit *password_limit;         /* wrong meeting passwords per client address */
    struct rs_ratelimit *meeting_password_limit; /* wrong meeting passwords per meeting */
    struct rs_wakeup wakeup;         /* the control loop's wake-up (core/wakeup.h) */
    struct rs_api *api;              /* REST housekeeping (http/api.c) */
    struct rs_login *login; /* login attempts, the IdP's discovery and keys (http/login.c) */
    struct rs_room_owner room_owner;     /* empty on a single node */
    struct rs_cluster_glue *cluster;     /* NULL on a single node (http/cluster_glue.h) */
    struct rs_cascade_links cascade_links; /* empty without a cluster secret */
    struct rs_cascade *cascade;            /* the edge side of the cascade (sfu/cascade.h) */
    int shutting_down;
};

#endif
