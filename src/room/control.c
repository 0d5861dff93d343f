/* SPDX-License-Identifier: EUPL-1.2 */
/* The `control` feature: join, leave, ping.
 *
 * Join decides, in this order, without changing anything: the fields (dispatcher), the join
 * rate per client address, whether the room exists or may be created, the caller's access
 * (access.c: account, invitation, password, lobby), the room's capacity (for the lobby: the
 * places left, counting those already waiting). Only then is the room opened (store) and the
 * participant added, to the room or to its lobby.
 *
 * An ad-hoc (anonymous) room has no owner account, so "who created it" is a secret: whoever
 * opens the empty room becomes its moderator and gets a creator key in `joined`; the room
 * keeps only the key's SHA-256. A later join that shows the key (the creator's page after a
 * reload, while others kept the room open) is moderator again. The key proves the claim: a
 * join that merely says "I created this" without it gets nothing.
 *
 * Resume works the same way for one participant: every control/joined carries a new resume
 * token (43 URL-safe base64 characters, 258 bits); the participant keeps only its SHA-256.
 * When the socket drops the participant stays, reconnecting, for resume_grace_s (room.c), and a
 * join to the same room that shows the token continues it: same id, and everything the features
 * hold for it, because nothing was ever removed. The token is used up by that join and a new one
 * comes with its joined. The subtle point is the connection that is still open. A page whose
 * network changed reconnects at once while its old socket still looks alive to us (nothing has
 * told the server yet), and a stolen token used beside its owner looks the same. So a token shown
 * while its participant's socket has been heard from within RESUME_SILENT_MS resumes nothing and
 * joins nobody: the answer is `still_connected` with retry_after_s. The owner's page retries, and
 * once its old socket has been silent that long (the client pings every 5 s, so a live one never
 * is) the resume takes it over; a thief beside a live owner never gets in. A token that resumes
 * nothing otherwise is not an error: the join goes on as a fresh join ("resumed": false),
 * counted by result. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/web_session.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/ratelimit.h"
#include "room/access.h"
#include "room/chair.h"
#include "room/events.h"
#include "room/peer.h"
#include "room/podium.h"
#include "room/room.h"
#include "room/snapshot.h"

enum {
    JOIN_ROOM,
    JOIN_NAME,
    JOIN_TITLE,
    JOIN_INVITE,
    JOIN_PASSWORD,
    JOIN_CREATOR_KEY,
    JOIN_RESUME,
    JOIN_CASCADE_NODE,
    JOIN_CASCADE_SECRET
};

#define CREATOR_KEY_CHARS 22  /* 132 bits */
#define RESUME_TOKEN_CHARS 43 /* 258 bits: as long as 32 bytes in base64url */
#define RESUME_SILENT_MS 8000 /* an open socket this silent may be taken over (clients ping 5 s)   \
                               */
#define EXPIRED_KEPT 8        /* tokens of those whose grace ended, to tell "expired" apart */

/* The control feature's state of an ad-hoc room (rs_room_state): its creator key's hash, and
 * the key itself only while the joined event of the one who gets it is being built. */
struct creator {
    uint8_t hash[32];
    bool set;
    const struct rs_participant *handover_to;
    char handover[CREATOR_KEY_CHARS + 1];
    /* resume tokens of the last participants who left after their grace ended */
    uint8_t expired[EXPIRED_KEPT][32];
    unsigned n_expired;
};

static struct creator *creator_of(struct rs_room *room, bool create)
{
    void **slot = rs_room_state(room, &rs_control_feature);
    if (!*slot && create)
        *slot = calloc(1, sizeof(struct creator));
    return *slot;
}

static bool creator_key_ok(struct rs_room *room, const char *key)
{
    struct creator *cr = room ? creator_of(room, false) : NULL;
    if (!cr || !cr->set || !key || strlen(key) != CREATOR_KEY_CHARS)
        return false;
    uint8_t hash[32];
    rs_auth_token_hash(key, hash);
    return memcmp(hash, cr->hash, sizeof(hash)) == 0;
}

/* `p` opened the empty room: a new key replaces any earlier one, handed over in `joined`. */
static void creator_key_issue(struct rs_participant *p)
{
    struct creator *cr = creator_of(p->room, true);
    if (!cr || rs_random_token(cr->handover, CREATOR_KEY_CHARS))
        return; /* no key: a reload then finds moderation as any other joiner would */
    rs_auth_token_hash(cr->handover, cr->hash);
    cr->set = true;
    cr->handover_to = p;
}

/* A new resume token for `p`, replacing any earlier one, added to its joined event `ev`. */
static void resume_token_issue(struct rs_participant *p, json_t *ev)
{
    char token[RESUME_TOKEN_CHARS + 1];
    p->resume_set = false;
    if (rs_random_token(token, RESUME_TOKEN_CHARS))
        return; /* no token: a dropped socket then joins afresh */
    rs_auth_token_hash(token, p->resume_hash);
    p->resume_set = true;
    json_object_set_new(ev, "resume_token", json_string(token));
    json_object_set_new(ev, "resume_grace_s", json_integer(p->room->app->cfg.resume_grace_s));
    memset(token, 0, sizeof(token));
}

enum resume_result { RESUME_OK, RESUME_EXPIRED, RESUME_INVALID, RESUME_CONNECTED };

/* The participant of room `room_id` whose token `token` is, if it may continue on `peer`. */
static enum resume_result resume_find(struct rs_app *app, const char *room_id,
                                      const struct rs_peer *peer, const char *token,
                                      struct rs_participant **out)
{
    *out = NULL;
    struct rs_room *room = rs_rooms_find(app->rooms, room_id);
    if (!room || strlen(token) != RESUME_TOKEN_CHARS)
        return RESUME_INVALID;
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    struct rs_participant *p = NULL;
    for (struct rs_participant *q = room->head; q && !p; q = q->next)
        if (q->resume_set && CRYPTO_memcmp(q->resume_hash, hash, sizeof(hash)) == 0)
            p = q;
    if (!p) {
        struct creator *cr = creator_of(room, false);
        for (unsigned i = 0; cr && i < EXPIRED_KEPT && i < cr->n_expired; i++)
            if (CRYPTO_memcmp(cr->expired[i], hash, sizeof(hash)) == 0)
                return RESUME_EXPIRED;
        return RESUME_INVALID;
    }
    if (p->reconnecting_since_ms &&
        rs_wall_ms() - p->reconnecting_since_ms >= (int64_t)app->cfg.resume_grace_s * 1000)
        return RESUME_EXPIRED; /* the tick has not swept it out yet */
    /* the same account (or again none): a token does not carry a participant to another login */
    if (p->account != peer->ident.logged_in || strcmp(p->user_id, peer->ident.user_id) != 0)
        return RESUME_INVALID;
    if (p->peer && rs_mono_ms() - p->peer->last_rx_ms < RESUME_SILENT_MS) {
        RS_WARN("room", "event=resume_refused room=%s participant=%s reason=connected", room->id,
                p->id);
        *out = p;
        return RESUME_CONNECTED;
    }
    *out = p;
    return RESUME_OK;
}

/* Remembers the token of one whose grace ended, so that showing it counts as expired. */
static void control_leaving(struct rs_participant *p)
{
    if (p->cascade_relay) {
        rs_metric_dec(RS_M_CASCADE_RELAY_SUBSCRIBERS);
        RS_INFO("room", "event=cascade_relay_left room=%s participant=%s", p->room->id, p->id);
    }
    if (!p->resume_set || !p->leave_reason || strcmp(p->leave_reason, "timeout") != 0)
        return;
    struct creator *cr = creator_of(p->room, true);
    if (!cr)
        return;
    memcpy(cr->expired[cr->n_expired % EXPIRED_KEPT], p->resume_hash, 32);
    cr->n_expired++;
}

static void control_welcome(struct rs_participant *p, json_t *ev)
{
    resume_token_issue(p, ev);
    struct creator *cr = creator_of(p->room, false);
    if (!cr || cr->handover_to != p)
        return;
    json_object_set_new(ev, "creator_key", json_string(cr->handover));
    memset(cr->handover, 0, sizeof(cr->handover));
    cr->handover_to = NULL;
}

static void control_room_free(struct rs_room *room)
{
    void **slot = rs_room_state(room, &rs_control_feature);
    free(*slot);
    *slot = NULL;
}

/* The ad-hoc room's creator key (its hash) goes with the room to the next node, so that the
 * creator's page is moderator again there (room/snapshot.h). */
static json_t *control_save(struct rs_room *room)
{
    struct creator *cr = creator_of(room, false);
    if (!cr || !cr->set)
        return NULL;
    char h[65];
    rs_snapshot_hex(cr->hash, sizeof(cr->hash), h);
    return json_pack("{s:s}", "creator", h);
}

static int control_restore(struct rs_room *room, json_t *part)
{
    uint8_t hash[32];
    if (rs_snapshot_unhex(rs_snapshot_str(part, "creator"), hash, sizeof(hash)))
        return -EBADMSG;
    struct creator *cr = creator_of(room, true);
    if (!cr)
        return -ENOMEM;
    memcpy(cr->hash, hash, sizeof(hash));
    cr->set = true;
    return 0;
}

/* A node id (docs/cluster.md section 2): 1-64 of A-Z a-z 0-9 . _ - */
static int cascade_node_valid(const char *v)
{
    size_t n = strlen(v);
    if (n < 1 || n > 64)
        return 0;
    for (const char *c = v; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

/* Constant-time comparison of two NUL-terminated secrets (lengths leak, contents do not). */
static bool secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* Another node's relay (docs/cluster.md "Cascade"): authenticated by the cluster secret, it
 * joins a room this node owns and has open, as an audience member nobody sees, to receive the
 * stage and pass it on to its node's audience. */
static int cascade_relay_join(struct rs_call *c)
{
    struct rs_app *app = c->app;
    const char *node = c->arg[JOIN_CASCADE_NODE].str;
    const char *secret = c->arg[JOIN_CASCADE_SECRET].str;
    if (!app->cfg.cluster_secret[0] || !secret_eq(secret, app->cfg.cluster_secret)) {
        rs_metric_inc(RS_M_CASCADE_REFUSED);
        RS_WARN("room", "event=cascade_relay_refused session=%llu reason=%s",
                (unsigned long long)c->peer->serial,
                app->cfg.cluster_secret[0] ? "secret" : "no_cluster_secret");
        rs_msg_error_set(c->err, RS_ERR_UNAUTHORIZED, "cascade_secret",
                         "relay joins need this cluster's secret");
        return -EACCES;
    }
    if (!node || !*node) {
        rs_msg_error_set(c->err, RS_ERR_MISSING_FIELD, "cascade_node",
                         "field 'cascade_node' is missing");
        return -EINVAL;
    }
    struct rs_room *room = rs_rooms_find(app->rooms, c->arg[JOIN_ROOM].str);
    if (!room || room->edge) {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "room",
                         "the meeting is not open on this server");
        return -ENOENT;
    }
    char name[80];
    snprintf(name, sizeof(name), "relay %s", node);
    struct rs_participant *p = rs_participant_new(room, c->peer, name, RS_ROLE_GUEST);
    if (!p) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    p->invited_audience = 1;
    p->cascade_relay = 1;
    rs_metric_inc(RS_M_CASCADE_RELAY_SUBSCRIBERS);
    RS_INFO("room", "event=cascade_relay_joined room=%s participant=%s node=%s", room->id, p->id,
            node);
    rs_room_enter(p, c->ref);
    return 0;
}

static int control_join(struct rs_call *c)
{
    struct rs_app *app = c->app;
    struct rs_peer *peer = c->peer;
    if (c->self) {
        rs_msg_error_set(c->err, RS_ERR_ALREADY_JOINED, NULL, "already in a room; leave first");
        return -EINVAL;
    }
    /* the socket's identity dates from its connect: a session ended since joins as a guest */
    if (rs_access_recheck(app, peer, c->err) == -EIO)
        return -EIO;
    const char *room_id = c->arg[JOIN_ROOM].str;
    const char *name = c->arg[JOIN_NAME].str;
    const char *resume = c->arg[JOIN_RESUME].str;
    if (resume && *resume) {
        struct rs_participant *p;
        struct rs_room *restored;
        /* a cluster: the room may have been open on a node that died or drained; then its
         * snapshot brings the participants back here, reconnecting (room/snapshot.h) */
        int orc = rs_room_open_restored(app, room_id, &restored, c->err);
        if (orc && orc != -ENOENT && c->err->code == RS_ERR_MOVED)
            return orc;
        enum resume_result r = resume_find(app, room_id, peer, resume, &p);
        rs_metric_inc(r == RESUME_OK        ? RS_M_RESUMES_OK
                      : r == RESUME_EXPIRED ? RS_M_RESUMES_EXPIRED
                                            : RS_M_RESUMES_INVALID);
        if (r == RESUME_OK) {
            p->resume_set = false; /* used; the joined event brings the next one */
            rs_room_resume(p, peer, c->ref);
            return 0;
        }
        if (r == RESUME_CONNECTED) {
            int64_t wait = RESUME_SILENT_MS - (rs_mono_ms() - p->peer->last_rx_ms);
            rs_msg_error_set(c->err, RS_ERR_STILL_CONNECTED, "resume",
                             "this participant's connection is still alive; try again later");
            c->err->retry_after_s = wait > 1000 ? (unsigned)((wait + 999) / 1000) : 1;
            return -EBUSY;
        }
        RS_INFO("room", "event=resume_failed room=%s result=%s session=%llu", room_id,
                r == RESUME_EXPIRED ? "expired" : "invalid", (unsigned long long)peer->serial);
        /* a fresh join follows */
    }
    /* a signed-in user may leave the name out: the account's name is used */
    if (!peer->ident.logged_in && (!name || !*name)) {
        rs_msg_error_set(c->err, name ? RS_ERR_EMPTY_VALUE : RS_ERR_MISSING_FIELD, "display_name",
                         "field 'display_name' %s", name ? "must not be empty" : "is missing");
        return -EINVAL;
    }
    if (!name || !*name)
        name = peer->ident.display_name[0] ? peer->ident.display_name : "User";

    if (c->arg[JOIN_CASCADE_SECRET].str)
        return cascade_relay_join(c);
    if (!rs_ratelimit_take(app->join_limit, peer->addr, rs_wall_ms())) {
        rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
        rs_msg_error_set(c->err, RS_ERR_RATE_LIMITED, NULL,
                         "too many joins from this address; wait a minute");
        return -EINVAL;
    }

    struct rs_room_record rec;
    memset(&rec, 0, sizeof(rec));
    struct rs_room *existing = rs_rooms_find(app->rooms, room_id);
    int found = existing ? (rec = existing->rec, 0)
                         : (app->store ? rs_store_room_get(app->store, room_id, &rec) : -ENOENT);
    struct rs_access_grant g;
    memset(&g, 0, sizeof(g));
    bool creates = false; /* opens an empty ad-hoc room: its creator */
    /* cascade (docs/cluster.md "Cascade"): a room another node owns whose audience may be
     * served here; only audience members stay, everyone else is moved to the owner */
    struct rs_room_moved edge_owner;
    bool edge = false;
    if (existing && existing->edge) {
        edge = true;
        edge_owner = existing->edge_owner;
    } else if (!existing && app->room_owner.cascading) {
        edge = app->room_owner.cascading(app->room_owner.user, room_id, &edge_owner) == 0 &&
               edge_owner.url[0];
    }
    if (edge) {
        const char *ck = c->arg[JOIN_CREATOR_KEY].str;
        if (found == 0 && rec.managed) {
            if (rs_access_join(app, &peer->ident, peer->addr, &rec, c->arg[JOIN_INVITE].str,
                               c->arg[JOIN_PASSWORD].str, &g, c->err))
                return -EACCES;
        } else if (!rs_config_anonymous(&app->cfg)) {
            rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "room", "there is no such meeting");
            return -ENOENT;
        }
        /* a moderator, a creator's key (only the owner can check it) or the lobby: the owner */
        if (g.moderator || g.waiting || (ck && *ck) || (found == 0 && rec.ended_at_ms)) {
            c->err->moved = edge_owner;
            c->err->retry_after_s = 0;
            rs_msg_error_set(c->err, RS_ERR_MOVED, NULL, "%s",
                             "another server hosts this meeting");
            return -EBUSY;
        }
        struct rs_room *room;
        if (rs_room_open_edge(app, room_id, &edge_owner, &room, c->err))
            return -EINVAL;
        rs_podium_edge_set(room, true); /* the joined event says so already */
        bool guest = g.audience || (g.guest && !peer->ident.logged_in);
        enum rs_role role = guest ? RS_ROLE_GUEST : RS_ROLE_PARTICIPANT;
        struct rs_participant *p = rs_participant_new(room, peer, name, role);
        if (!p) {
            rs_room_close_if_empty(room);
            rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
            return -ENOMEM;
        }
        p->access = g.access;
        p->invited = g.invite_id[0] != 0;
        p->invited_guest = g.guest;
        p->invited_audience = 1; /* receives only, whatever the owner's podium does */
        rs_metric_inc(RS_M_CASCADE_EDGE_JOINS);
        RS_INFO("room", "event=edge_join room=%s participant=%s owner=%s", room_id, p->id,
                edge_owner.node);
        rs_room_enter(p, c->ref);
        return 0;
    }
    if (found == 0 && rec.managed) {
        if (rs_access_join(app, &peer->ident, peer->addr, &rec, c->arg[JOIN_INVITE].str,
                           c->arg[JOIN_PASSWORD].str, &g, c->err))
            return -EACCES;
    } else if (rs_config_anonymous(&app->cfg)) {
        creates = !(existing && existing->count);
        g.moderator = creates || creator_key_ok(existing, c->arg[JOIN_CREATOR_KEY].str);
        if (!creates && g.moderator)
            RS_INFO("room", "event=creator_returned room=%s", room_id);
    } else {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "room", "there is no such meeting");
        return -ENOENT;
    }

    /* a locked meeting or a banned account (room/chair.c) */
    if (rs_chair_admission(existing, &peer->ident, g.moderator, c->err))
        return -EACCES;
    if (existing) {
        /* the lobby holds at most what is left of the room: whoever waits can be let in */
        unsigned max = rs_room_capacity(existing);
        if (!g.waiting && existing->count >= max) {
            rs_msg_error_set(c->err, RS_ERR_ROOM_FULL, NULL, "the room is full (%u participants)",
                             max);
            return -EINVAL;
        }
        if (g.waiting && existing->count + existing->lobby_count >= max) {
            rs_msg_error_set(c->err, RS_ERR_ROOM_FULL, NULL,
                             "the room is full (%u participants, %u waiting)", existing->count,
                             existing->lobby_count);
            return -EINVAL;
        }
    }
    if (found == 0 && rec.managed && rec.ended_at_ms) {
        /* ended for everyone (moderation/end): only a moderator of the meeting starts it again */
        if (!g.moderator) {
            rs_msg_error_set(c->err, RS_ERR_MEETING_ENDED, "room",
                             "the meeting was ended by the chair; it has not started again");
            return -EACCES;
        }
        rec.ended_at_ms = 0;
        if (!app->store || rs_store_meeting_update(app->store, &rec)) {
            rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "the meeting could not be started");
            return -EIO;
        }
        if (existing)
            existing->rec.ended_at_ms = 0;
        RS_INFO("room", "event=meeting_restarted room=%s", room_id);
    }
    struct rs_room *room;
    if (rs_room_open(app, room_id, c->arg[JOIN_TITLE].str, &room, c->err))
        return -EINVAL;
    if (!existing && room->count) {
        /* opened here from another node's snapshot (a cluster): the meeting goes on, its
         * creator is whoever shows the key, and the chair's lock and bans hold, as in a room
         * that is open */
        if (creates)
            g.moderator = creator_key_ok(room, c->arg[JOIN_CREATOR_KEY].str);
        creates = false;
        if (rs_chair_admission(room, &peer->ident, g.moderator, c->err))
            return -EACCES; /* the restored room stays: its participants may resume */
    }
    /* a guest invitation without an account makes a guest (docs/protocol.md "Roles"); an
     * audience invitation makes one with or without an account (room/podium.h) */
    enum rs_role role = g.moderator                         ? RS_ROLE_MODERATOR
                        : g.audience                        ? RS_ROLE_GUEST
                        : g.guest && !peer->ident.logged_in ? RS_ROLE_GUEST
                                                            : RS_ROLE_PARTICIPANT;
    struct rs_participant *p = rs_participant_new(room, peer, name, role);
    if (!p) {
        rs_room_close_if_empty(room);
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    p->access = g.access;
    p->invited = g.invite_id[0] != 0;
    p->invited_moderator = g.invited_moderator;
    p->invited_guest = g.guest;
    p->invited_audience = g.audience;
    if (g.invite_id[0] && app->store)
        rs_store_invite_use(app->store, g.invite_id);
    if (g.waiting) {
        rs_emit_reply(c, rs_event("lobby", "waiting", "{s:s, s:s, s:s}", "id", p->id, "room",
                                  room->id, "title", room->rec.title));
        rs_room_lobby_enter(p);
        return 0;
    }
    if (creates)
        creator_key_issue(p);
    rs_room_enter(p, c->ref);
    return 0;
}

static int control_leave(struct rs_call *c)
{
    rs_room_leave(c->self, "left");
    rs_emit_reply(c, rs_event("control", "left", NULL));
    return 0;
}

static int control_ping(struct rs_call *c)
{
    c->peer->pings = true; /* a client that pings comes back after a drop (room.c) */
    rs_emit_reply(c, rs_event("control", "pong", "{s:I}", "ts", (json_int_t)rs_wall_ms()));
    return 0;
}

static const struct rs_action actions[] = {
    {.name = "join",
     .fn = control_join,
     .need = RS_NEED_CONNECTED,
     .fields =
         {
             [JOIN_ROOM] = {.name = "room",
                            .type = RS_FIELD_TEXT,
                            .flags = RS_FIELD_REQUIRED,
                            .max = RS_ROOM_ID_MAX,
                            .valid = rs_room_id_valid,
                            .invalid_code = RS_ERR_INVALID_ROOM,
                            .invalid_text = "room id must be 1 to 64 of A-Z a-z 0-9 - _"},
             [JOIN_NAME] = {.name = "display_name",
                            .type = RS_FIELD_TEXT,
                            .max = RS_DISPLAY_NAME_MAX_CHARS},
             [JOIN_TITLE] = {.name = "title",
                             .type = RS_FIELD_TEXT,
                             .max = 100,
                             .max_bytes = RS_ROOM_TITLE_MAX},
             [JOIN_INVITE] =
                 {.name = "invite", .type = RS_FIELD_TEXT, .max = 100, .max_bytes = 127},
             [JOIN_PASSWORD] = {.name = "password", .type = RS_FIELD_TEXT, .max = 64},
             [JOIN_CREATOR_KEY] = {.name = "creator_key", .type = RS_FIELD_TEXT, .max = 64},
             [JOIN_RESUME] = {.name = "resume", .type = RS_FIELD_TEXT, .max = 64},
             [JOIN_CASCADE_NODE] = {.name = "cascade_node",
                                    .type = RS_FIELD_TEXT,
                                    .max = 64,
                                    .valid = cascade_node_valid,
                                    .invalid_code = RS_ERR_INVALID_VALUE,
                                    .invalid_text = "cascade_node must be a node id"},
             [JOIN_CASCADE_SECRET] = {.name = "cascade_secret", .type = RS_FIELD_TEXT, .max = 128},
         }},
    {.name = "leave", .fn = control_leave, .need = RS_NEED_PRESENT},
    {.name = "ping", .fn = control_ping, .need = RS_NEED_CONNECTED},
    {.name = NULL},
};

const struct rs_feature rs_control_feature = {
    .ns = "control",
    .actions = actions,
    .welcome = control_welcome,
    .leaving = control_leaving,
    .room_free = control_room_free,
    .save = control_save,
    .restore = control_restore,
};
