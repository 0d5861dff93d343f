/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence of a meeting's attendance list (schema version 5): one row per stay in the room,
 * from entering to leaving. Same contract as store.h: blocking calls from the control thread
 * only, times passed in by the caller, errors 0 / -ENOENT / -EINVAL / -EIO.
 *
 * Only managed meetings keep attendance (room/attendance.c decides); the rows go with the
 * meeting when it is deleted. Rows still open when the server starts belong to a process that
 * stopped without closing them: rs_store_attendance_close_open closes them at start-up with
 * the start time and reason "server_restart", since the moment the old process died is not
 * known. */
#ifndef RS_STORE_STORE_ATTENDANCE_H
#define RS_STORE_STORE_ATTENDANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_vote.h"

#define RS_ATTENDANCE_REASON_MAX 32  /* bytes: "left", "sent_to_lobby", "server_restart", ... */
#define RS_ATTENDANCE_ROWS_MAX 20000 /* rows of one meeting an export reads at most */

/* One stay of one participant in the room. */
struct rs_attendance_record {
    int64_t id; /* set by the store */
    char room_id[RS_ROOM_ID_MAX + 1];
    char participant_id[16];
    char display_name[RS_MEMBER_NAME_MAX + 1]; /* up to 64 characters */
    char user_id[32];                          /* "" for a guest without an account */
    char role[16];                             /* "guest", "participant", "moderator" at entry */
    char member_key[RS_VOTER_KEY_MAX + 1];     /* the member it counts as (room/vote.c), or "" */
    int64_t joined_at_ms;
    int64_t left_at_ms;                        /* 0: still present */
    char reason[RS_ATTENDANCE_REASON_MAX + 1]; /* why it left; "" while present */
};

typedef int (*rs_store_attendance_fn)(const struct rs_attendance_record *r, void *ctx);

struct rs_store_attendance_ops {
    int (*add)(struct rs_store *st, struct rs_attendance_record *r);
    int (*close)(struct rs_store *st, int64_t id, int64_t left_at_ms, const char *reason);
    int (*close_open)(struct rs_store *st, int64_t left_at_ms, const char *reason,
                      const char *node);
    int (*adopt)(struct rs_store *st, int64_t id);
    int (*open_nodes)(struct rs_store *st, rs_store_node_fn each, void *ctx);
    int (*list)(struct rs_store *st, const char *room_id, rs_store_attendance_fn each, void *ctx);
};

/* Stores a new open row `r` (its id is set on success). Returns 0, -ENOENT (unknown room),
 * -EIO. */
int rs_store_attendance_add(struct rs_store *st, struct rs_attendance_record *r);
/* Closes row `id` if still open. Returns 0, -ENOENT (no such open row), -EIO. */
int rs_store_attendance_close(struct rs_store *st, int64_t id, int64_t left_at_ms,
                              const char *reason);
/* Closes every open row (of any meeting) that node `node` opened (rs_store_set_node; NULL:
 * every open row, a single server's start-up). Returns how many, or -EIO. */
int rs_store_attendance_close_open(struct rs_store *st, int64_t left_at_ms, const char *reason,
                                   const char *node);
/* The reason a row gets when the node that opened it is gone from the cluster. */
#define RS_ATTENDANCE_NODE_LOST "node_lost"
/* SQL (both backends): a row still open, or closed only because its node seemed gone */
#define RS_ATTENDANCE_OPEN_SQL "(left_at_ms IS NULL OR reason = '" RS_ATTENDANCE_NODE_LOST "')"
/* Row `id` becomes this node's (its stay goes on here after a failover, room/snapshot.h); a row
 * closed as RS_ATTENDANCE_NODE_LOST meanwhile is open again: the participant never left.
 * Returns 0, -ENOENT (no such row, or one closed for another reason), -EIO. */
int rs_store_attendance_adopt(struct rs_store *st, int64_t id);
/* Each cluster node with open rows (once; never ""). */
int rs_store_attendance_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx);
/* Calls `each` for the meeting's rows in the order of entering (then id); a non-zero return
 * stops (and is returned if negative). */
int rs_store_attendance_list(struct rs_store *st, const char *room_id, rs_store_attendance_fn each,
                             void *ctx);

#endif
