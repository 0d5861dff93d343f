/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence of a meeting's speaking turns (schema version 7): one row per finished turn on
 * the speakers' list, so speaking times outlive the room and go into the meeting's record
 * (http/record_api.c). Same contract as store.h: blocking calls from the control thread only,
 * times passed in by the caller, errors 0 / -ENOENT / -EINVAL / -EIO.
 *
 * Only managed meetings keep turns (room/speakers.c decides, as room/attendance.c does); the
 * rows go with the meeting when it is deleted. A turn is written when it ends, so one running
 * when the process dies is lost, like the open stay of the attendance list has no end. */
#ifndef RS_STORE_STORE_SPEAKING_H
#define RS_STORE_STORE_SPEAKING_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_agenda.h"
#include "store/store_vote.h"

#define RS_SPEAKING_TURNS_MAX 20000 /* turns of one meeting an export reads at most */

/* One finished turn of one participant. */
struct rs_speaking_turn {
    int64_t id; /* set by the store */
    char room_id[RS_ROOM_ID_MAX + 1];
    char participant_id[16];
    char user_id[32];                  /* "" for a guest without an account */
    char name[RS_MEMBER_NAME_MAX + 1]; /* the display name while speaking */
    int64_t started_at_ms;
    int64_t duration_ms; /* >= 0 */
    bool point_of_order;
    char agenda_item[RS_AGENDA_ITEM_ID_LEN + 1]; /* the item current at the start, or "" */
};

typedef int (*rs_store_speaking_fn)(const struct rs_speaking_turn *t, void *ctx);

struct rs_store_speaking_ops {
    int (*add)(struct rs_store *st, struct rs_speaking_turn *t);
    int (*list)(struct rs_store *st, const char *room_id, rs_store_speaking_fn each, void *ctx);
};

/* Stores the finished turn `t` (borrowed; its id is set on success). Returns 0, -ENOENT
 * (unknown room), -EINVAL (a negative duration), -EIO. */
int rs_store_speaking_add(struct rs_store *st, struct rs_speaking_turn *t);
/* Calls `each` for the meeting's turns in the order they started (then id), at most
 * RS_SPEAKING_TURNS_MAX; a non-zero return stops (and is returned if negative). */
int rs_store_speaking_list(struct rs_store *st, const char *room_id, rs_store_speaking_fn each,
                           void *ctx);

#endif
