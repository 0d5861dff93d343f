/* SPDX-License-Identifier: EUPL-1.2 */
/* Rooms and participants: meeting state and rules, no I/O.
 *
 * A room exists in memory while someone is in it; its record (title, settings) lives in the
 * store and outlives it. Rooms are reached through the registry (`rs_rooms_find`), never by
 * holding a pointer across events, so that a later multi-node registry can answer "not here".
 * The registry also holds the features (action.h) the process serves; each feature keeps its
 * per-room and per-participant state in its own slot (rs_room_state, rs_participant_state),
 * not as fields here.
 *
 * Ownership: the registry owns rooms; a room owns its participants; a participant borrows its
 * peer (room/peer.h) and the peer borrows the participant back. Control thread only. */
#ifndef RS_ROOM_ROOM_H
#define RS_ROOM_ROOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "room/action.h"
#include "store/store.h"

#define RS_DISPLAY_NAME_MAX_CHARS 64
#define RS_DISPLAY_NAME_MAX_BYTES (RS_DISPLAY_NAME_MAX_CHARS * 4)
#define RS_CHAT_MAX_CHARS 2000
#define RS_PARTICIPANT_ID_LEN 12

/* A participant's role in the room. A guest (joined by a guest invitation, without an account)
 * may speak, show video, chat and raise a hand, but may not share the screen and never votes;
 * a moderator makes a guest a participant (and only a participant a moderator). docs/protocol.md
 * "Roles in a meeting". */
enum rs_role { RS_ROLE_GUEST, RS_ROLE_PARTICIPANT, RS_ROLE_MODERATOR };

struct rs_peer;
struct rs_room;
struct rs_audio_routes;

struct rs_participant {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char user_id[32]; /* the account, "" for guests */
    int account;      /* logged in */
    /* managed meetings: why it is here (room/access.c rs_access_recheck follows changes) */
    int access;            /* enum rs_access of the account at join or the last re-check */
    int invited;           /* joined with an invitation */
    int invited_moderator; /* ... a moderator invitation */
    int invited_guest;     /* ... a guest invitation */
    int invited_audience;  /* ... an audience invitation: receives only (room/podium.h) */
    /* cascade (docs/cluster.md "Cascade"): on the owner, this participant is another node's
     * relay (receives only, seen by nobody); on an edge node, a mirror: the stand-in of a stage
     * member of the owner, without a connection, whose tracks come over the relay */
    int cascade_relay;
    int mirror;
    /* cascade, on the owner: an audience member of another node's edge room, without a
     * connection of its own; what it is sent goes over its node's relay (room/cascade_member.h) */
    int cascade_member;
    int waiting;      /* in the lobby (not in the room's participant list) */
    int64_t waiting_since_ms;
    char display_name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    enum rs_role role;
    int64_t joined_at_ms;
    const char *leave_reason; /* static: why it is leaving, for the leaving hooks; NULL before */
    struct rs_peer *peer; /* borrowed; NULL once the connection is gone */
    /* resume (control.c, docs/protocol.md "Resume"): while the socket is gone the participant
     * stays, `reconnecting_since_ms` (wall clock) set, until resume_grace_s have passed */
    int64_t reconnecting_since_ms; /* 0: connected */
    uint8_t resume_hash[32];       /* SHA-256 of the current resume token */
    bool resume_set;               /* a token was issued and not used yet */
    struct rs_room *room;
    struct rs_participant *next, *prev;
    void *state[RS_FEATURES_MAX]; /* per feature (rs_participant_state) */
};

struct rs_room {
    char id[RS_ROOM_ID_MAX + 1];
    struct rs_room_record rec;
    struct rs_participant *head, *tail;
    unsigned count;
    struct rs_participant *lobby_head, *lobby_tail; /* waiting, in arrival order */
    unsigned lobby_count;
    struct rs_app *app;
    struct rs_room *hnext;
    struct rs_audio_routes *audio_routes; /* who hears whom (audio_routes.h); NULL: default */
    /* An edge room (docs/cluster.md "Cascade"): another node owns the room; this node serves
     * only audience members, from a relay of the stage. It never takes the room's lease and
     * never writes the room's shared state. */
    bool edge;
    struct rs_room_moved edge_owner; /* the owner's id and URL (where the stage joins) */
    void *state[RS_FEATURES_MAX];         /* per feature (rs_room_state) */
    /* cluster (room/snapshot.h): a change the snapshot in Redis does not show yet; when it was
     * last written; handed over to another node: leaving participants write nothing to the
     * store and the snapshot stays (the next owner continues from it) */
    bool snapshot_dirty;
    int64_t snapshot_written_ms;
    bool handed_over;
};

/* Creates the registry with the room's own features (control, chat, hand, lobby,
 * moderation, chair). Returns NULL on OOM. */
struct rs_rooms *rs_rooms_new(struct rs_app *app);
/* Frees every room (peers must be gone or will no longer be pointed to). */
void rs_rooms_free(struct rs_rooms *rooms);
/* Runs every feature's tick hook for every room (the control loop does, about every 200 ms;
 * tests call it with the time they want). */
void rs_rooms_tick(struct rs_rooms *rooms, int64_t now_ms);
/* The in-memory room, or NULL. */
struct rs_room *rs_rooms_find(struct rs_rooms *rooms, const char *id);
unsigned rs_rooms_count(const struct rs_rooms *rooms);
/* The served features; a higher floor adds its own (rs_features_add) before clients come. */
struct rs_features *rs_rooms_features(struct rs_rooms *rooms);

/* Feature state slots: where feature `f` keeps its state for a room or a participant (NULL
 * until the feature sets it; the feature frees it in its leaving/room_free hooks). */
void **rs_room_state(struct rs_room *room, const struct rs_feature *f);
void **rs_participant_state(struct rs_participant *p, const struct rs_feature *f);

/* The connection is gone. With reason "lost" (no meant close; signaling/session.c) a participant
 * in the room whose client pings stays for resume_grace_s as reconnecting (the others get
 * participant_updated with connection "reconnecting"); otherwise, and for a lobby entry, the
 * participant leaves with `reason` ("lost" becomes "disconnected"). */
void rs_room_peer_gone(struct rs_peer *peer, const char *reason);
/* The client of `peer` pings but fell silent (signaling/session.c): its participant shows as
 * reconnecting (participant_updated) while the socket stays; rs_room_peer_alive undoes it when a
 * message arrives after all, rs_room_peer_gone follows when the socket ends, and a resume on a
 * new connection takes over (the grace period counts from the silence). */
void rs_room_peer_silent(struct rs_peer *peer);
void rs_room_peer_alive(struct rs_peer *peer);
/* A reconnecting participant continues on `peer` (control/join with a valid resume token):
 * it is attached to the peer, gets control/joined with "resumed": true and the room's state,
 * the others participant_updated with connection "connected", and the features' resumed hooks
 * run. `ref` (may be NULL) goes with the joined event. */
void rs_room_resume(struct rs_participant *p, struct rs_peer *peer, json_t *ref);
/* Participants reconnecting for longer than resume_grace_s leave (reason "timeout"). Called by
 * rs_rooms_tick; may free the room. */
void rs_room_expire_reconnecting(struct rs_room *room, int64_t now_ms);

/* Opens (or finds) the room `id`, loading or creating its record. `title` may be NULL. */
int rs_room_open(struct rs_app *app, const char *id, const char *title, struct rs_room **out,
                 struct rs_msg_error *err);
/* In a cluster: opens the room `id` only to resume someone in it, that is when another node
 * left a snapshot of it (room/snapshot.h): 0 with the restored room in `*out` (also when it is
 * open here already), -ENOENT when there is nothing to resume (nothing is created or left
 * open), or `moved` as rs_room_open. Without a cluster: the room if open, else -ENOENT. */
int rs_room_open_restored(struct rs_app *app, const char *id, struct rs_room **out,
                          struct rs_msg_error *err);
/* Opens (or finds) the edge room `id` for the audience of a room `owner` owns
 * (docs/cluster.md "Cascade"): no lease, nothing written to the store. -EEXIST when the room
 * is open here as an ordinary room. */
int rs_room_open_edge(struct rs_app *app, const char *id, const struct rs_room_moved *owner,
                      struct rs_room **out, struct rs_msg_error *err);
/* An edge room's mirror of the owner's stage member `id` (docs/cluster.md "Cascade"): a
 * participant without a connection that the room's others are told about; the features'
 * joined hooks do not run for it (its media is set up by sfu/cascade.c). It leaves with
 * rs_room_leave. NULL when the room is no edge room, `id` is taken, or on OOM. */
struct rs_participant *rs_room_mirror_enter(struct rs_room *room, const char *id,
                                            const char *display_name, enum rs_role role);
/* The owner renamed it: the others are told (participant_updated). */
void rs_room_mirror_rename(struct rs_participant *p, const char *display_name);
/* Participants of `room` with a connection of their own (mirrors and relays not counted). */
unsigned rs_room_real_count(const struct rs_room *room);
/* A new participant of `room` for `peer`, not yet in any list. NULL on OOM. */
struct rs_participant *rs_participant_new(struct rs_room *room, struct rs_peer *peer,
                                          const char *display_name, enum rs_role role);
/* Puts a new participant into the lobby and tells the moderators. */
void rs_room_lobby_enter(struct rs_participant *p);
/* Puts `p` (of p->room, in no list yet) at the end of the room's participant list and counts it
 * in the participants and role gauges; tells nobody (rs_room_enter does, a restore or a mirror
 * tells in its own way). */
void rs_room_list_add(struct rs_participant *p);
/* Puts a new participant into the room and tells everyone; `ref` (may be NULL) goes with the
 * control/joined event. */
void rs_room_enter(struct rs_participant *p, json_t *ref);
/* Frees the room when nobody is in it or waiting. */
void rs_room_close_if_empty(struct rs_room *room);

/* Removes the participant from its room, tells the others (`reason`), frees it, and frees the
 * room when it was the last one. The peer's participant pointer is cleared. */
void rs_room_leave(struct rs_participant *p, const char *reason);

/* Sends a participant of the room back to its lobby (the others see it leave with reason
 * "sent_to_lobby", it gets lobby/waiting with reason "sent_back"; the features' state of it is
 * gone, as after a leave). -EINVAL when it waits already, has no connection or is another
 * node's audience member (cascade_member). */
int rs_room_to_lobby(struct rs_participant *p);
/* "guest", "participant" or "moderator". */
const char *rs_role_name(enum rs_role role);
/* Changes `p`'s role and keeps the participants-by-role gauges right (does not announce it). */
void rs_participant_set_role(struct rs_participant *p, enum rs_role role);
/* The guest rules, for every feature to ask (a vote counts only those who may vote). */
bool rs_participant_may_vote(const struct rs_participant *p);
bool rs_participant_may_share_screen(const struct rs_participant *p);

/* Returns a new reference: the participant as shown to others. */
json_t *rs_participant_json(const struct rs_participant *p);
struct rs_participant *rs_room_participant(struct rs_room *room, const char *id);
/* How many may be in the room: its stored max_participants, or the configured one. The lobby
 * holds at most what is left of it (control/join). */
unsigned rs_room_capacity(const struct rs_room *room);
/* Moves a waiting participant into the room (joined event, announcements, media). Returns 0,
 * or -ENOSPC when the room is full: then nothing changed and `p` stays waiting. */
int rs_room_admit(struct rs_participant *p);
/* Removes a waiting participant from the lobby and frees it; tells moderators `reason`. */
void rs_room_lobby_remove(struct rs_participant *p, const char *reason);
struct rs_participant *rs_room_lobby_find(struct rs_room *room, const char *id);
/* The lobby entry as moderators see it. Returns a new reference. */
json_t *rs_lobby_entry_json(const struct rs_participant *p);
/* The meeting's stored settings changed (REST PATCH): update the live room, if any. */
void rs_room_settings_changed(struct rs_app *app, const struct rs_room_record *rec);
/* Ends the meeting for everyone (moderation/end): each one gets control/ended and leaves with
 * reason "ended", the lobby is emptied, and the room is freed. `by` is the moderator's id. */
void rs_room_end(struct rs_room *room, const char *by);
/* Disconnects every participant (and lobby entry) of the room: the meeting was deleted. */
void rs_room_close_all(struct rs_room *room);
/* Another node of the cluster owns the room now (its lease was lost): everyone in it and its
 * lobby gets the error `moved` without a URL and is disconnected; the room is freed. */
void rs_room_moved_away(struct rs_room *room);
/* Drain (a cluster node stopping): for every room, writes its snapshot (room/snapshot.h); when
 * that worked, gives the lease up and moves the room away (rs_room_moved_away, without writing
 * anything of its participants to the store: the next owner continues their stays and turns).
 * Returns the rooms left because their snapshot could not be written. */
unsigned rs_rooms_hand_over(struct rs_rooms *rooms, int64_t now_ms);
/* An edge room's owner ended podium mode: its audience members get the error `moved` with the
 * owner's URL and are disconnected (they join there); the mirrors and the room go with the last
 * one. Nothing for a room that is no edge room. */
void rs_room_edge_moved(struct rs_room *room);
/* Edge rooms (docs/cluster.md "Cascade"): how an audience member's action outside `control`
 * and `media` reaches the owner. The SFU's cascade sets `fn` (room/cascade_member.h names the
 * namespaces passed on); it returns 0 when it sent `msg` (borrowed) on, -EAGAIN when the relay
 * to the owner is not up. */
void rs_rooms_set_edge_forward(struct rs_rooms *rooms,
                               int (*fn)(struct rs_participant *p, json_t *msg));
/* Passes `msg` of the edge audience member `p` on to the owner: 0, or a negative errno with
 * `err` filled (forbidden: not passed on; internal: the owner cannot be reached now). */
int rs_room_edge_forward(struct rs_participant *p, const struct rs_msg *msg,
                         struct rs_msg_error *err);
/* Runs every feature's audience_changed hook (who hears or sees whom changed). */
void rs_room_audience_changed(struct rs_room *room);

/* The room's own features (registered by rs_rooms_new). */
extern const struct rs_feature rs_control_feature, rs_chat_feature, rs_hand_feature,
    rs_lobby_feature, rs_moderation_feature;
/* (rs_chair_feature: room/chair.h, rs_speakers_feature: room/speakers.h) */
/* Lowers `p`'s raised hand, if any (hand/lowered to those who see `p`). */
void rs_hand_lower(struct rs_participant *p);
extern const struct rs_feature rs_reaction_feature;

#endif
