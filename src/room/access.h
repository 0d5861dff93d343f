/* SPDX-License-Identifier: EUPL-1.2 */
/* Who may see, join, moderate and hand out roles in a meeting: the rules, written once.
 *
 * The REST API (http/api.c), the signaling dispatcher (dispatch.c: the role an action needs),
 * the join (control.c) and the lobby all ask here. A managed meeting (created by a signed-in
 * user) belongs to a tenant and an owner: only its tenant sees it; its owner and the tenant's
 * admins own it (may grant moderation, edit, delete); moderators are the owners, those granted
 * it in the store, and holders of a moderator invitation. A room without an owner (anonymous
 * rooms on loopback) has no owner rule: its moderators hold every right. Control thread (the
 * store is). */
#ifndef RS_ROOM_ACCESS_H
#define RS_ROOM_ACCESS_H

#include <stdbool.h>

#include "auth/identity.h"
#include "core/app.h"
#include "room/action.h"
#include "store/store.h"

enum rs_access {
    RS_ACCESS_NONE,      /* not signed in, or another tenant's meeting */
    RS_ACCESS_MEMBER,    /* signed in, same tenant */
    RS_ACCESS_MODERATOR, /* granted moderation in the store */
    RS_ACCESS_OWNER,     /* the owner, or an admin of the tenant */
};

/* What the signed-in `who` may do with managed meeting `rec` (by account; invitations aside). */
enum rs_access rs_access_meeting(struct rs_store *store, const struct rs_identity *who,
                                 const struct rs_room_record *rec);

/* What a join to a managed meeting gives. */
struct rs_access_grant {
    bool moderator;                       /* enters as a meeting moderator */
    bool waiting;                         /* waits in the lobby */
    enum rs_access access;                /* what the account alone gives (NONE for guests) */
    bool invited_moderator;               /* a moderator invitation was used */
    bool guest;                           /* a guest invitation was used */
    bool audience; /* an audience invitation was used: receives only, no lobby (room/podium.h) */
    char invite_id[RS_INVITE_ID_MAX + 1]; /* the invitation used; "" for none */
};

/* The join decision for managed meeting `rec`. `invite` and `password` may be NULL. `addr` is
 * the client's address: wrong meeting passwords are limited per address (password_rate_per_min)
 * and per meeting (meeting_password_rate_per_min); while either is used up the password is not
 * even checked (too_many_attempts, with retry_after_s). Returns 0 with `g` filled, or -EACCES
 * with `err` filled (counted). */
int rs_access_join(struct rs_app *app, const struct rs_identity *who, const char *addr,
                   const struct rs_room_record *rec, const char *invite, const char *password,
                   struct rs_access_grant *g, struct rs_msg_error *err);

struct rs_participant;
struct rs_peer;

/* Re-reads the login session behind `peer` (a signed-in one; guests are left alone) and applies
 * what changed to its participant, if any:
 * - the session ended (logout, expiry, password changed elsewhere, account disabled — also by
 *   another process such as `ratsaal user disable`): the peer becomes a guest;
 * - in a managed meeting, a participant that is there by its account alone (no invitation)
 *   and no longer has access is removed (reason "session_ended", or "access_revoked" when the
 *   account lost the meeting's tenant) and its connection closed with 1008 and that reason,
 *   after an error event (`unauthorized` / `forbidden`): into `err` when given (the caller
 *   sends it, e.g. the dispatcher as the answer to the action), else sent here in `control`;
 * - when the account's standing in the meeting changed (a grant given or revoked, ownership,
 *   the admin role), its role follows: moderator when the account or a moderator invitation
 *   gives it, else participant; a participant_updated goes to the room, and a new moderator
 *   sees who is waiting. A role handed out live (moderation/set_role) stays until then.
 * - a participant that lost its account but stays is described again (`account: false`).
 * Returns 0 when the peer stays, -EACCES when it was removed, -EIO when the store could not
 * answer (nothing changed; `err`, when given, is `internal`). Control thread. */
int rs_access_recheck(struct rs_app *app, struct rs_peer *peer, struct rs_msg_error *err);

/* Whether `p` holds the level `need` in its room (RS_NEED_JOINED and above). */
bool rs_access_holds(const struct rs_participant *p, enum rs_need need);
/* Whether `p` may hand out moderation (moderation/set_role). */
bool rs_access_may_grant(const struct rs_participant *p);

#endif
