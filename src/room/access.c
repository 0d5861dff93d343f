/* SPDX-License-Identifier: EUPL-1.2 */
/* Access rules (see access.h). */
#include "room/access.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth/meeting_password.h"
#include "auth/web_session.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"
#include "core/ratelimit.h"
#include "room/peer.h"
#include "room/room.h"
#include "room/session.h"

enum rs_access rs_access_meeting(struct rs_store *store, const struct rs_identity *who,
                                 const struct rs_room_record *rec)
{
    if (!who || !who->logged_in || strcmp(who->tenant, rec->tenant) != 0)
        return RS_ACCESS_NONE;
    if (strcmp(who->role, "admin") == 0 || strcmp(rec->owner_id, who->user_id) == 0)
        return RS_ACCESS_OWNER;
    if (store && rs_store_grant_is_moderator(store, rec->id, who->user_id) == 1)
        return RS_ACCESS_MODERATOR;
    return RS_ACCESS_MEMBER;
}

/* Whether a password may be tried now: the wrong ones are counted per client address and per
 * meeting (a PIN is guessed from many addresses as easily as from one). Meeting moderators
 * never reach this, so a meeting under attack stays open to them. */
static int password_attempt_allowed(struct rs_app *app, const char *addr,
                                    const struct rs_room_record *rec, struct rs_msg_error *err)
{
    int64_t now = rs_wall_ms();
    int64_t by_addr = rs_ratelimit_wait_ms(app->password_limit, addr, now);
    int64_t by_meeting = rs_ratelimit_wait_ms(app->meeting_password_limit, rec->id, now);
    int64_t wait = by_addr > by_meeting ? by_addr : by_meeting;
    if (wait <= 0)
        return 1;
    rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
    rs_msg_error_set(err, RS_ERR_TOO_MANY_ATTEMPTS, "password",
                     by_meeting >= by_addr
                         ? "too many wrong passwords for this meeting; try again later"
                         : "too many wrong passwords from this address; try again later");
    err->retry_after_s = (unsigned)((wait + 999) / 1000);
    return 0;
}

int rs_access_join(struct rs_app *app, const struct rs_identity *who, const char *addr,
                   const struct rs_room_record *rec, const char *invite, const char *password,
                   struct rs_access_grant *g, struct rs_msg_error *err)
{
    bool allowed = false;
    memset(g, 0, sizeof(*g));
    g->access = RS_ACCESS_NONE;
    bool *moderator = &g->moderator, *waiting = &g->waiting;
    char *invite_id = g->invite_id;
    if (who->logged_in) {
        enum rs_access a = rs_access_meeting(app->store, who, rec);
        if (a == RS_ACCESS_NONE) {
            rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
            rs_msg_error_set(err, RS_ERR_FORBIDDEN, "room",
                             "this meeting belongs to another organisation");
            return -EACCES;
        }
        allowed = true;
        g->access = a;
        *moderator = a >= RS_ACCESS_MODERATOR;
    }
    if (invite && *invite) {
        uint8_t hash[32];
        struct rs_invite_record inv;
        rs_auth_token_hash(invite, hash);
        if (!app->store || rs_store_invite_find(app->store, hash, rs_wall_ms(), &inv) ||
            inv.expired || inv.revoked || strcmp(inv.room_id, rec->id) != 0) {
            rs_metric_auth_reject(RS_AUTH_INVALID_INVITE);
            rs_msg_error_set(err, RS_ERR_INVALID_INVITE, "invite",
                             "this invitation is unknown, expired or revoked");
            return -EACCES;
        }
        allowed = true;
        g->invited_moderator = inv.role == RS_INVITE_MODERATOR;
        g->guest = inv.role == RS_INVITE_GUEST;
        /* the audience of a podium: a guest that only receives; it skips the lobby (an account
         * that moderates the meeting anyway comes in as its moderator) */
        g->audience = inv.role == RS_INVITE_AUDIENCE && !*moderator;
        *moderator |= g->invited_moderator;
        snprintf(invite_id, RS_INVITE_ID_MAX + 1, "%s", inv.id);
        /* guests (and participant invitations without an account) wait when there is a lobby */
        if (!who->logged_in && inv.role != RS_INVITE_MODERATOR && !g->audience)
            *waiting = rec->lobby;
    }
    if (!allowed) {
        rs_metric_auth_reject(RS_AUTH_UNAUTHORIZED);
        rs_msg_error_set(err, RS_ERR_UNAUTHORIZED, NULL,
                         "this meeting needs an invitation or a sign-in");
        return -EACCES;
    }
    if (rec->has_password && !*moderator) {
        if (!password || !*password) {
            rs_msg_error_set(err, RS_ERR_PASSWORD_REQUIRED, "password",
                             "this meeting has a password");
            return -EACCES;
        }
        if (!password_attempt_allowed(app, addr, rec, err))
            return -EACCES;
        if (rs_meeting_password_verify(rec->password_hash, password)) {
            int64_t now = rs_wall_ms();
            rs_ratelimit_take(app->password_limit, addr, now);
            rs_ratelimit_take(app->meeting_password_limit, rec->id, now);
            rs_metric_auth_reject(RS_AUTH_WRONG_PASSWORD);
            rs_msg_error_set(err, RS_ERR_WRONG_PASSWORD, "password", "the password is wrong");
            return -EACCES;
        }
    }
    return 0;
}

/* `p` may no longer be where it is: it leaves, is told why, and its connection closes. */
static int identity_lost(struct rs_peer *peer, struct rs_participant *p, bool ended,
                         struct rs_msg_error *err)
{
    enum rs_err code = ended ? RS_ERR_UNAUTHORIZED : RS_ERR_FORBIDDEN;
    const char *reason = ended ? "session_ended" : "access_revoked";
    const char *text = ended ? "your sign-in has ended (signed out, password changed or account "
                               "disabled); sign in again"
                             : "your account no longer has access to this meeting";
    rs_metric_auth_reject(ended ? RS_AUTH_UNAUTHORIZED : RS_AUTH_FORBIDDEN);
    RS_INFO("room", "event=identity_lost room=%s participant=%s reason=%s", p->room->id, p->id,
            reason);
    if (p->waiting)
        rs_room_lobby_remove(p, "gone");
    else
        rs_room_leave(p, reason); /* may free the room */
    if (err) {
        rs_msg_error_set(err, code, NULL, "%s", text);
    } else {
        rs_metric_error(code);
        rs_emit_peer(peer, rs_event("control", "error", "{s:s, s:s}", "code", rs_err_code(code),
                                    "text", text));
    }
    rs_peer_close(peer, 1008, reason);
    return -EACCES;
}

int rs_access_recheck(struct rs_app *app, struct rs_peer *peer, struct rs_msg_error *err)
{
    if (!peer->ident.logged_in)
        return 0;
    int rc = rs_web_session_recheck(app, &peer->ident);
    if (rc == -EIO) {
        if (err)
            rs_msg_error_set(err, RS_ERR_INTERNAL, NULL,
                             "your sign-in could not be checked; try again");
        return -EIO;
    }
    struct rs_participant *p = peer->participant;
    if (!p)
        return 0;
    bool ended = rc == -ENOENT;
    bool describe = false;
    if (p->account && !peer->ident.logged_in) {
        p->account = 0;
        p->user_id[0] = 0;
        describe = true;
        /* what stays is the invitation: a guest one makes a guest */
        if (p->invited_guest && p->role == RS_ROLE_PARTICIPANT)
            rs_participant_set_role(p, RS_ROLE_GUEST);
    }
    const struct rs_room_record *rec = &p->room->rec;
    if (rec->managed) {
        enum rs_access a = rs_access_meeting(app->store, &peer->ident, rec);
        if (a == RS_ACCESS_NONE && !p->invited)
            return identity_lost(peer, p, ended, err);
        if (a != (enum rs_access)p->access) {
            p->access = a;
            enum rs_role role = a >= RS_ACCESS_MODERATOR || p->invited_moderator ? RS_ROLE_MODERATOR
                                : p->invited_audience                            ? RS_ROLE_GUEST
                                                      : RS_ROLE_PARTICIPANT;
            if (role != p->role) {
                rs_participant_set_role(p, role);
                describe = true;
                RS_INFO("room", "event=role_followed room=%s participant=%s role=%s", p->room->id,
                        p->id, rs_role_name(role));
                if (role == RS_ROLE_MODERATOR && !p->waiting)
                    for (struct rs_participant *w = p->room->lobby_head; w; w = w->next)
                        rs_emit_one(p, rs_event("lobby", "entered", "{s:o}", "participant",
                                                rs_lobby_entry_json(w)));
            }
        }
    }
    if (describe && !p->waiting)
        rs_emit_participant_updated(p);
    return 0;
}

bool rs_access_may_grant(const struct rs_participant *p)
{
    const struct rs_room_record *rec = &p->room->rec;
    if (!rec->managed)
        return p->role == RS_ROLE_MODERATOR;
    const struct rs_identity *who = p->peer ? &p->peer->ident : NULL;
    return rs_access_meeting(NULL, who, rec) == RS_ACCESS_OWNER;
}

bool rs_access_holds(const struct rs_participant *p, enum rs_need need)
{
    if (need == RS_NEED_CONNECTED)
        return true;
    if (!p)
        return false;
    if (p->waiting)
        return need == RS_NEED_PRESENT;
    switch (need) {
    case RS_NEED_CONNECTED:
    case RS_NEED_PRESENT:
    case RS_NEED_JOINED:
        return true;
    case RS_NEED_MODERATOR:
        return p->role == RS_ROLE_MODERATOR;
    case RS_NEED_OWNER:
        return p->role == RS_ROLE_MODERATOR && rs_access_may_grant(p);
    case RS_NEED_CHAIR:
        return rs_session_may_chair(p);
    case RS_NEED_MINUTES:
        return rs_session_may_write_minutes(p);
    }
    return false;
}
