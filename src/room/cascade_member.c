/* SPDX-License-Identifier: EUPL-1.2 */
/* The owner's side of an edge node's audience (room/cascade_member.h, docs/cluster.md
 * "Cascade").
 *
 * Only a relay participant (control.c cascade_relay_join: it showed the cluster secret) may
 * use these actions; anyone else is refused and counted (ratsaal_cascade_bad_input_total), as
 * is everything malformed a relay sends: another node may be misconfigured or malicious.
 *
 * A member is an ordinary participant whose peer is a stand-in (`struct member`): the room
 * sends to it as to any connection, and the stand-in wraps each frame as
 * {"ns":"cascade","event":"to","member":ID,"msg":FRAME} onto the relay's connection. That is
 * the one subtle cost: a broadcast the room serializes once is copied once more per remote
 * member (the relay's node passes it to one socket). Podium mode keeps that small: the audience
 * is told only about the stage, its questions and the audience count.
 *
 * The member's id is its node's participant id, so that what the owner says about it (hand
 * events, question authors) means the same on both nodes; an id taken here is refused. Its
 * resume token's hash stays in the stand-in, not in the participant, so that nobody resumes a
 * member while its node serves it; only a call-up hands it to the participant. */
#include "room/cascade_member.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/chair.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/room.h"
#include "room/snapshot.h"

/* What a member's frame is wrapped in; the id is the member's (12 safe characters). */
#define TO_HEAD "{\"ns\":\"cascade\",\"event\":\"to\",\"member\":\"%s\",\"msg\":"

struct member {
    struct rs_peer peer;          /* first: the room's view of the member's connection */
    struct rs_participant *relay; /* the relay participant whose connection carries it; NULL
                                     once the member left (detached) */
    uint8_t resume_hash[32];      /* of the resume token its browser holds from its node */
    bool edge_left;               /* its node said it left: nothing to tell it */
    struct member *next;          /* detached, waiting to be freed */
};

/* The room's detached stand-ins. The room closes a leaving participant's peer after it left
 * (chair.c remove_one, room.c rs_room_close_all), so a member's stand-in outlives its
 * participant a little: it is freed at the next tick, when its relay leaves, or with the room. */
struct members_room {
    struct member *detached;
};

_Static_assert(offsetof(struct member, peer) == 0, "the peer is the member's first field");

static struct member *member_of(const struct rs_participant *p)
{
    void **slot = rs_participant_state((struct rs_participant *)p, &rs_cascade_member_feature);
    return p->cascade_member ? *slot : NULL;
}

bool rs_cascade_member_ns_ok(const char *ns)
{
    static const char *const allowed[] = {"hand", "podium", "chat", "reaction"};
    for (size_t i = 0; ns && i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (strcmp(ns, allowed[i]) == 0)
            return true;
    return false;
}

static void detach(struct rs_room *room, struct member *mb)
{
    void **slot = rs_room_state(room, &rs_cascade_member_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(struct members_room));
    struct members_room *mr = *slot;
    mb->relay = NULL;
    mb->peer.participant = NULL;
    if (!mr) { /* out of memory: leaked rather than freed under a caller's feet */
        RS_ERROR("room", "event=oom what=cascade_member room=%s", room->id);
        return;
    }
    mb->next = mr->detached;
    mr->detached = mb;
}

static void free_detached(struct rs_room *room)
{
    struct members_room *mr = *rs_room_state(room, &rs_cascade_member_feature);
    while (mr && mr->detached) {
        struct member *mb = mr->detached;
        mr->detached = mb->next;
        free(mb);
    }
}

/* ---- the stand-in peer ---- */

static int member_send(struct rs_peer *peer, struct rs_outbuf *frame)
{
    struct member *mb = (struct member *)peer;
    if (!mb->relay || !mb->relay->peer || !peer->participant)
        return -EPIPE;
    char head[sizeof(TO_HEAD) + RS_PARTICIPANT_ID_LEN];
    snprintf(head, sizeof(head), TO_HEAD, peer->participant->id);
    struct rs_outbuf *b = rs_outbuf_wrap(head, frame, "}");
    if (!b)
        return -ENOMEM;
    int rc = rs_peer_send(mb->relay->peer, b);
    rs_outbuf_unref(b);
    return rc;
}

static void tell_close(struct member *mb, const char *id, const char *reason)
{
    rs_emit_peer(mb->relay->peer, rs_event("cascade", "close", "{s:s, s:s}", "member", id,
                                           "reason", reason ? reason : "closed"));
}

/* The room closes the member's connection: its node closes the browser's. (Mostly after the
 * member left, when the leaving hook told its node already and this finds it detached.) */
static void member_close(struct rs_peer *peer, int status, const char *reason)
{
    struct member *mb = (struct member *)peer;
    (void)status;
    if (mb->relay && peer->participant)
        tell_close(mb, peer->participant->id, reason);
}

static const struct rs_peer_ops member_ops = {member_send, member_close};

/* ---- actions (from relays only) ---- */

enum { F_MEMBER, F_NAME, F_ROLE, F_ACCOUNT, F_USER, F_RESUME };
enum { A_MEMBER, A_MSG };

static int from_relay(struct rs_call *c)
{
    if (c->self->cascade_relay)
        return 0;
    rs_metric_inc(RS_M_CASCADE_BAD_INPUT);
    RS_WARN("room", "event=cascade_not_relay room=%s participant=%s action=%s", c->room->id,
            c->self->id, c->action->name);
    rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL, "only another node's relay may do this");
    return -EACCES;
}

static int bad_input(struct rs_call *c, const char *what, enum rs_err code, const char *text)
{
    rs_metric_inc(RS_M_CASCADE_BAD_INPUT);
    RS_WARN("room", "event=cascade_bad_member room=%s relay=%s what=%s", c->room->id, c->self->id,
            what);
    rs_msg_error_set(c->err, code, "member", "%s", text);
    return -EINVAL;
}

/* The member `id` this relay brought, or NULL. */
static struct rs_participant *relay_member(struct rs_call *c, const char *id)
{
    struct rs_participant *p = rs_room_participant(c->room, id);
    struct member *mb = p ? member_of(p) : NULL;
    return mb && mb->relay == c->self ? p : NULL;
}

static void refuse_member(struct rs_call *c, const char *id, const struct rs_msg_error *why)
{
    RS_INFO("room", "event=cascade_member_refused room=%s member=%s code=%s", c->room->id, id,
            rs_err_code(why->code));
    rs_emit_reply(c, rs_event("cascade", "member_refused", "{s:s, s:s, s:s}", "member", id, "code",
                              rs_err_code(why->code), "text", why->text));
}

static int act_member_join(struct rs_call *c)
{
    if (from_relay(c))
        return -EACCES;
    const char *id = c->arg[F_MEMBER].str;
    uint8_t hash[32];
    if (!rs_snapshot_participant_id_ok(id))
        return bad_input(c, "member_id", RS_ERR_INVALID_VALUE, "not a participant id");
    if (rs_snapshot_unhex(c->arg[F_RESUME].str, hash, sizeof(hash)))
        return bad_input(c, "resume_hash", RS_ERR_INVALID_VALUE,
                         "resume_hash must be 64 hex digits");
    struct rs_participant *p = rs_room_participant(c->room, id);
    struct member *orphan = p ? member_of(p) : NULL;
    if (orphan && !orphan->relay && memcmp(orphan->resume_hash, hash, sizeof(hash)) == 0) {
        /* its node's relay is back (a link that dropped, rs_cascade_member_relay_leaving): the
         * member never left, so the lock, bans and capacity do not ask again */
        orphan->relay = c->self;
        rs_room_peer_alive(&orphan->peer);
        RS_INFO("room", "event=cascade_member_back room=%s member=%s relay=%s", c->room->id, id,
                c->self->id);
        return 0;
    }
    if (p) {
        if (relay_member(c, id) != p)
            return bad_input(c, "collision", RS_ERR_INVALID_VALUE, "this id is taken here");
        /* the member resumed on its node with a new token: only that changes */
        rs_snapshot_unhex(c->arg[F_RESUME].str, member_of(p)->resume_hash, 32);
        return 0;
    }
    struct rs_identity ident;
    memset(&ident, 0, sizeof(ident));
    ident.logged_in = c->arg[F_ACCOUNT].present && c->arg[F_ACCOUNT].num;
    if (ident.logged_in && c->arg[F_USER].str)
        snprintf(ident.user_id, sizeof(ident.user_id), "%s", c->arg[F_USER].str);
    if (ident.logged_in && !ident.user_id[0])
        return bad_input(c, "user_id", RS_ERR_MISSING_FIELD, "an account needs its user_id");
    /* the owner's rules hold for the audience on every node: lock, bans, capacity */
    struct rs_msg_error why;
    memset(&why, 0, sizeof(why));
    if (rs_chair_admission(c->room, &ident, false, &why)) {
        refuse_member(c, id, &why);
        return 0;
    }
    unsigned max = rs_room_capacity(c->room);
    if (c->room->count >= max) {
        rs_msg_error_set(&why, RS_ERR_ROOM_FULL, NULL, "the room is full (%u participants)", max);
        refuse_member(c, id, &why);
        return 0;
    }
    struct member *mb = calloc(1, sizeof(*mb));
    if (!mb) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    mb->peer.ops = &member_ops;
    mb->peer.serial = c->peer->serial;
    snprintf(mb->peer.addr, sizeof(mb->peer.addr), "%s", c->peer->addr);
    mb->peer.ident = ident;
    snprintf(mb->peer.ident.display_name, sizeof(mb->peer.ident.display_name), "%s",
             c->arg[F_NAME].str);
    mb->peer.last_rx_ms = rs_mono_ms();
    mb->relay = c->self;
    memcpy(mb->resume_hash, hash, sizeof(hash));
    p = rs_participant_new(c->room, &mb->peer, c->arg[F_NAME].str,
                           c->arg[F_ROLE].num == 1 ? RS_ROLE_PARTICIPANT : RS_ROLE_GUEST);
    if (!p) {
        free(mb);
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    snprintf(p->id, sizeof(p->id), "%s", id);
    p->cascade_member = 1;
    *rs_participant_state(p, &rs_cascade_member_feature) = mb;
    rs_metric_inc(RS_M_CASCADE_REMOTE_MEMBERS);
    RS_INFO("room", "event=cascade_member_joined room=%s member=%s relay=%s", c->room->id, id,
            c->self->id);
    /* its control/joined goes to its node, which drops it: the browser joined there */
    rs_room_enter(p, NULL);
    p->resume_set = false; /* the token control/joined made here is nobody's */
    return 0;
}

static int act_member_leave(struct rs_call *c)
{
    if (from_relay(c))
        return -EACCES;
    struct rs_participant *p = relay_member(c, c->arg[0].str);
    if (!p)
        return bad_input(c, "unknown_member", RS_ERR_INVALID_VALUE, "no such member");
    member_of(p)->edge_left = true;
    rs_room_leave(p, "left");
    return 0;
}

/* One of the member's own messages, run as if it came from its own connection. */
static int act_as(struct rs_call *c)
{
    if (from_relay(c))
        return -EACCES;
    struct rs_participant *p = relay_member(c, c->arg[A_MEMBER].str);
    if (!p)
        return bad_input(c, "unknown_member", RS_ERR_INVALID_VALUE, "no such member");
    json_t *inner = c->arg[A_MSG].json;
    const char *ns = json_string_value(json_object_get(inner, "ns"));
    const char *name = json_string_value(json_object_get(inner, "action"));
    const struct rs_feature *f =
        rs_cascade_member_ns_ok(ns) ? rs_features_find(rs_rooms_features(c->app->rooms), ns,
                                                       strlen(ns))
                                    : NULL;
    const struct rs_action *a = f && name ? rs_feature_action(f, name, strlen(name)) : NULL;
    if (!a) /* its node passes on no other namespace */
        return bad_input(c, "member_action", RS_ERR_FORBIDDEN,
                         "the audience on another node may not do this here");
    json_t *ref = json_object_get(inner, "ref");
    if (ref && !json_is_integer(ref) && !(json_is_string(ref) && json_string_length(ref) <= 64))
        ref = NULL;
    rs_metric_inc(RS_M_CASCADE_MEMBER_ACTIONS);
    struct member *mb = member_of(p);
    mb->peer.last_rx_ms = rs_mono_ms();
    struct rs_msg msg = {.root = inner, .feature = f, .action = a, .ref = ref};
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    err.ns = f->ns;
    err.ref = ref;
    bool refused = a->need >= RS_NEED_MODERATOR; /* never a member's (no login to re-read) */
    if (refused)
        rs_msg_error_set(&err, RS_ERR_FORBIDDEN, NULL, "only moderators may do this");
    else
        refused = rs_dispatch(c->app, &mb->peer, &msg, &err) != 0;
    if (refused) {
        rs_metric_error(err.code);
        rs_emit_peer(&mb->peer, rs_msg_error_event(&err));
    }
    return 0;
}

void rs_cascade_member_call_up(struct rs_participant *p)
{
    struct member *mb = member_of(p);
    if (!mb)
        return;
    /* from now on a participant of this node whose connection is on its way here */
    rs_emit_peer(mb->relay->peer, rs_event("cascade", "move", "{s:s}", "member", p->id));
    memcpy(p->resume_hash, mb->resume_hash, sizeof(p->resume_hash));
    p->resume_set = true;
    p->peer = NULL;
    p->cascade_member = 0;
    *rs_participant_state(p, &rs_cascade_member_feature) = NULL;
    detach(p->room, mb);
    p->reconnecting_since_ms = rs_wall_ms();
    rs_metric_inc(RS_M_PARTICIPANTS_RECONNECTING);
    rs_metric_dec(RS_M_CASCADE_REMOTE_MEMBERS);
    rs_metric_inc(RS_M_CASCADE_CALLUPS);
    RS_INFO("room", "event=cascade_member_called_up room=%s member=%s", p->room->id, p->id);
}

/* ---- hooks ---- */

void rs_cascade_member_relay_leaving(struct rs_participant *relay)
{
    struct rs_room *room = relay->room;
    /* on a server stop rs_rooms_free takes everyone anyway (the leaving hook below) */
    if (relay->leave_reason && strcmp(relay->leave_reason, "server_stop") == 0)
        return;
    /* The members wait as reconnecting for the relay to come back (its node tries again
     * within seconds and announces them again: act_member_join takes them back) and leave
     * after resume_grace_s like anyone whose connection dropped; without a grace they leave. */
    /* A room handed over (a drain) takes them along at once, as before: the relay joins the
     * next owner and its node announces them there. */
    bool wait = room->app->cfg.resume_grace_s > 0 &&
                !(relay->leave_reason && strcmp(relay->leave_reason, "moved") == 0);
    for (struct rs_participant *q = room->head, *next; q; q = next) {
        next = q->next;
        struct member *mb = member_of(q);
        if (!mb || mb->relay != relay)
            continue;
        if (wait) {
            mb->relay = NULL; /* nothing is sent until it is back */
            rs_room_peer_silent(&mb->peer);
        } else {
            mb->edge_left = true;
            rs_room_leave(q, "disconnected");
        }
    }
}

static void cascade_member_leaving(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    if (p->cascade_relay) {
        /* its audience left before (rs_cascade_member_relay_leaving), unless the server stops */
        bool stop = p->leave_reason && strcmp(p->leave_reason, "server_stop") == 0;
        for (struct rs_participant *q = room->head; q && stop; q = q->next) {
            struct member *mb = member_of(q);
            if (mb && mb->relay == p)
                mb->relay = NULL; /* freed before its members: never looked at again */
        }
        if (!stop)
            free_detached(room);
        return;
    }
    struct member *mb = member_of(p);
    if (!mb)
        return;
    /* the last hook to run: nothing is sent to the member after this; its node lets the
     * browser go unless the leave came from there */
    if (!mb->edge_left && mb->relay)
        tell_close(mb, p->id, p->leave_reason);
    p->peer = NULL;
    *rs_participant_state(p, &rs_cascade_member_feature) = NULL;
    detach(room, mb);
    rs_metric_dec(RS_M_CASCADE_REMOTE_MEMBERS);
    RS_INFO("room", "event=cascade_member_left room=%s member=%s reason=%s", room->id, p->id,
            p->leave_reason ? p->leave_reason : "-");
}

static void cascade_member_tick(struct rs_room *room, int64_t now_ms)
{
    (void)now_ms;
    free_detached(room);
}

static void cascade_member_room_free(struct rs_room *room)
{
    free_detached(room);
    void **slot = rs_room_state(room, &rs_cascade_member_feature);
    free(*slot);
    *slot = NULL;
}

static int member_id_valid(const char *v)
{
    return rs_snapshot_participant_id_ok(v);
}

static const char *const roles[] = {"guest", "participant", NULL};

#define MEMBER_FIELD                                                                               \
    {.name = "member",                                                                             \
     .type = RS_FIELD_TEXT,                                                                        \
     .flags = RS_FIELD_REQUIRED,                                                                   \
     .max = RS_PARTICIPANT_ID_LEN,                                                                 \
     .valid = member_id_valid,                                                                     \
     .invalid_code = RS_ERR_INVALID_VALUE,                                                         \
     .invalid_text = "member must be a participant id"}

static const struct rs_action actions[] = {
    {.name = "member_join",
     .fn = act_member_join,
     .need = RS_NEED_JOINED,
     .fields =
         {
             [F_MEMBER] = MEMBER_FIELD,
             [F_NAME] = {.name = "display_name",
                         .type = RS_FIELD_TEXT,
                         .flags = RS_FIELD_REQUIRED,
                         .max = RS_DISPLAY_NAME_MAX_CHARS},
             [F_ROLE] = {.name = "role",
                         .type = RS_FIELD_ENUM,
                         .flags = RS_FIELD_REQUIRED,
                         .choices = roles},
             [F_ACCOUNT] = {.name = "account", .type = RS_FIELD_BOOL},
             [F_USER] = {.name = "user_id", .type = RS_FIELD_TEXT, .max = 31, .max_bytes = 31},
             [F_RESUME] = {.name = "resume_hash",
                           .type = RS_FIELD_TEXT,
                           .flags = RS_FIELD_REQUIRED,
                           .max = 64},
         }},
    {.name = "member_leave",
     .fn = act_member_leave,
     .need = RS_NEED_JOINED,
     .fields = {MEMBER_FIELD}},
    {.name = "as",
     .fn = act_as,
     .need = RS_NEED_JOINED,
     .fields = {[A_MEMBER] = MEMBER_FIELD, [A_MSG] = {.name = "msg",
                                                       .type = RS_FIELD_OBJECT,
                                                       .flags = RS_FIELD_REQUIRED}},
     .max_frame = RS_MSG_MAX_BYTES + 1024},
    {.name = NULL},
};

const struct rs_feature rs_cascade_member_feature = {
    .ns = "cascade",
    .actions = actions,
    .leaving = cascade_member_leaving,
    .tick = cascade_member_tick,
    .room_free = cascade_member_room_free,
};
