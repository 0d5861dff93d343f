/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence of a meeting's agenda, its minutes and who held the session roles (schema
 * version 6). Same contract as store.h: blocking calls from the control thread only, times
 * passed in by the caller, errors 0 / -ENOENT / -EEXIST / -EINVAL / -EIO. Every write is
 * committed (synchronous=FULL) before the call returns, so a change acknowledged after it
 * survives a crash.
 *
 * Unlike the other records, an agenda item's texts are not copied into fixed fields (minutes
 * alone may be 12000 bytes): `struct rs_agenda_item_record` points at them. Passed in, they
 * are borrowed for the call; handed to a callback, they are borrowed until it returns.
 *
 * An item's status is not stored; it follows from its times: pending (never started),
 * current (started, not ended; at most one per meeting), done (ended). rs_store_agenda_set_current
 * keeps that true. The rows go with the meeting when it is deleted. */
#ifndef RS_STORE_STORE_AGENDA_H
#define RS_STORE_STORE_AGENDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_vote.h"

#define RS_AGENDA_ITEMS_MAX 100
#define RS_AGENDA_ITEM_ID_LEN 11          /* "a" + 10 lowercase hex */
#define RS_AGENDA_TITLE_MAX 800           /* bytes: 200 characters of up to 4 bytes */
#define RS_AGENDA_DESCRIPTION_MAX 8000    /* bytes: 2000 characters */
#define RS_AGENDA_MINUTES_MAX 12000       /* bytes (and at most 10000 characters) */
#define RS_SESSION_ROLE_CHANGES_MAX 20000 /* rows of one meeting a list reads at most */

/* One agenda item. Strings are borrowed (see above); NULL reads as "". */
struct rs_agenda_item_record {
    const char *room_id;
    int position; /* 0-based; set by the store on reads, ignored on writes except add */
    char id[RS_AGENDA_ITEM_ID_LEN + 1];
    const char *title;
    const char *description;
    bool public;
    const char *minutes;
    const char *minutes_by; /* the writer's display name; "" when no minutes */
    int64_t minutes_at_ms;  /* 0: no minutes */
    int64_t started_at_ms;  /* 0: never current */
    int64_t ended_at_ms;    /* 0: not ended */
};

enum rs_session_role { RS_SESSION_ROLE_CHAIR = 0, RS_SESSION_ROLE_MINUTE_TAKER };

/* One change of a session role: someone got (`on`) or lost it. */
struct rs_session_role_record {
    int64_t id; /* set by the store */
    char room_id[RS_ROOM_ID_MAX + 1];
    enum rs_session_role role;
    char user_id[RS_USER_ID_MAX + 1];  /* "" for someone without an account */
    char name[RS_MEMBER_NAME_MAX + 1]; /* display name at the time */
    bool on;
    int64_t at_ms;
};

typedef int (*rs_store_agenda_fn)(const struct rs_agenda_item_record *item, void *ctx);
typedef int (*rs_store_session_role_fn)(const struct rs_session_role_record *r, void *ctx);

struct rs_store_agenda_ops {
    int (*list)(struct rs_store *st, const char *room_id, rs_store_agenda_fn each, void *ctx);
    int (*replace)(struct rs_store *st, const char *room_id,
                   const struct rs_agenda_item_record *items, size_t n);
    int (*add)(struct rs_store *st, const struct rs_agenda_item_record *item);
    int (*update)(struct rs_store *st, const struct rs_agenda_item_record *item);
    int (*remove)(struct rs_store *st, const char *room_id, const char *item_id);
    int (*move)(struct rs_store *st, const char *room_id, const char *item_id, int position);
    int (*set_minutes)(struct rs_store *st, const char *room_id, const char *item_id,
                       const char *text, const char *by, int64_t at_ms);
    int (*set_current)(struct rs_store *st, const char *room_id, const char *item_id,
                       int64_t now_ms);
    int (*role_append)(struct rs_store *st, struct rs_session_role_record *r);
    int (*role_list)(struct rs_store *st, const char *room_id, rs_store_session_role_fn each,
                     void *ctx);
};

const char *rs_session_role_name(enum rs_session_role r); /* "chair", "minute_taker" */

/* Calls `each` for the meeting's items in agenda order (positions 0..n-1); a non-zero return
 * stops (and is returned if negative). */
int rs_store_agenda_list(struct rs_store *st, const char *room_id, rs_store_agenda_fn each,
                         void *ctx);
/* Replaces the meeting's whole agenda with `items[0..n)` (borrowed) in that order, in one
 * transaction; every field is written as given (position is the index). Returns 0, -ENOENT
 * (unknown room), -EEXIST (an id twice), -EINVAL (n > RS_AGENDA_ITEMS_MAX), -EIO. */
int rs_store_agenda_replace(struct rs_store *st, const char *room_id,
                            const struct rs_agenda_item_record *items, size_t n);
/* Inserts `item` (borrowed; times and minutes as given) at item->position, clamped to
 * 0..count; later items move down. Returns 0, -ENOENT (unknown room), -EEXIST (id taken),
 * -ENOSPC (already RS_AGENDA_ITEMS_MAX items), -EIO. */
int rs_store_agenda_add(struct rs_store *st, const struct rs_agenda_item_record *item);
/* Changes title, description and public of item->id. Returns 0, -ENOENT, -EIO. */
int rs_store_agenda_update(struct rs_store *st, const struct rs_agenda_item_record *item);
/* Deletes one item; later items move up. Returns 0, -ENOENT, -EIO. */
int rs_store_agenda_remove(struct rs_store *st, const char *room_id, const char *item_id);
/* Moves one item to `position` (clamped to 0..count-1). Returns 0, -ENOENT, -EIO. */
int rs_store_agenda_move(struct rs_store *st, const char *room_id, const char *item_id,
                         int position);
/* Replaces the item's minutes with `text` (borrowed), written by `by` at `at_ms`. Returns 0,
 * -ENOENT, -EIO. */
int rs_store_agenda_set_minutes(struct rs_store *st, const char *room_id, const char *item_id,
                                const char *text, const char *by, int64_t at_ms);
/* Makes `item_id` the current item (NULL: none), in one transaction: the previous current
 * item ends at `now_ms`; the new one gets started_at = now_ms unless it was started before,
 * and its ended_at is cleared. Returns 0, -ENOENT (no such item; nothing changed), -EIO. */
int rs_store_agenda_set_current(struct rs_store *st, const char *room_id, const char *item_id,
                                int64_t now_ms);
/* Appends one role change `r` (its id is set on success). Returns 0, -ENOENT (unknown room),
 * -EIO. */
int rs_store_session_role_append(struct rs_store *st, struct rs_session_role_record *r);
/* Calls `each` for the meeting's role changes in the order they happened (at most
 * RS_SESSION_ROLE_CHANGES_MAX). */
int rs_store_session_role_list(struct rs_store *st, const char *room_id,
                               rs_store_session_role_fn each, void *ctx);

#endif
