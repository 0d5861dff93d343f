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

/* The join decision for managed meeting `rec`: fills the role and whether to wait in the
 * lobby, and the id of the invitation used ("" for none; RS_INVITE_ID_MAX + 1 bytes). `invite`
 * and `password` may be NULL. `addr` is the client's address: wrong meeting passwords are
 * limited per address (password_rate_per_min) and per meeting (meeting_password_rate_per_min);
 * while either is used up the password is not even checked (too_many_attempts, with
 * retry_after_s). Returns 0, or -EACCES with `err` filled (counted). */
int rs_access_join(struct rs_app *app, const struct rs_identity *who, const char *addr,
                   const struct rs_room_record *rec, const char *invite, const char *password,
                   bool *moderator, bool *waiting, char *invite_id, struct rs_msg_error *err);

struct rs_participant;
/* Whether `p` holds the level `need` in its room (RS_NEED_JOINED and above). */
bool rs_access_holds(const struct rs_participant *p, enum rs_need need);
/* Whether `p` may hand out moderation (moderation/set_role). */
bool rs_access_may_grant(const struct rs_participant *p);

#endif
