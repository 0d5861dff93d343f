/* Rooms and participants.
 *
 * A room exists in memory while someone is in it; its record (title, settings) lives in the
 * store and outlives it. Rooms are reached through the registry (`rs_rooms_find`), never by
 * holding a pointer across events, so that a later multi-node registry can answer "not here".
 * Ownership: the registry owns rooms; a room owns its participants; a participant borrows its
 * session (and the session borrows the participant back). Control thread only. */
#ifndef RS_ROOM_ROOM_H
#define RS_ROOM_ROOM_H

#include <jansson.h>
#include <stdint.h>

#include "core/app.h"
#include "signaling/message.h"
#include "store/store.h"

#define RS_DISPLAY_NAME_MAX_CHARS 64
#define RS_DISPLAY_NAME_MAX_BYTES (RS_DISPLAY_NAME_MAX_CHARS * 4)
#define RS_CHAT_MAX_CHARS 2000
#define RS_PARTICIPANT_ID_LEN 12

enum rs_role { RS_ROLE_PARTICIPANT, RS_ROLE_MODERATOR };

struct rs_session;
struct rs_room;
struct rs_chat_entry;

struct rs_participant {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char user_id[32]; /* the account, "" for guests */
    int account;      /* logged in */
    int waiting;      /* in the lobby (not in the room's participant list) */
    int64_t waiting_since_ms;
    char display_name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    enum rs_role role;
    int hand_raised;
    int64_t hand_ts_ms;
    int64_t joined_at_ms;
    struct rs_session *session; /* borrowed; NULL once the session is gone */
    struct rs_room *room;
    struct rs_participant *next, *prev;
    void *media; /* the SFU's per-participant state (sfu/), NULL without media */
};

struct rs_room {
    char id[RS_ROOM_ID_MAX + 1];
    struct rs_room_record rec;
    struct rs_participant *head, *tail;
    unsigned count;
    struct rs_participant *lobby_head, *lobby_tail; /* waiting, in arrival order */
    unsigned lobby_count;
    struct rs_chat_entry *chat; /* ring of app->cfg.chat_history entries */
    unsigned chat_start, chat_count;
    uint64_t next_chat_id;
    struct rs_app *app;
    struct rs_room *hnext;
    void *media; /* the SFU's per-room state */
};

/* Creates the registry. Returns NULL on OOM. */
struct rs_rooms *rs_rooms_new(struct rs_app *app);
/* Frees every room (participants' sessions must be gone). */
void rs_rooms_free(struct rs_rooms *rooms);
/* The in-memory room, or NULL. */
struct rs_room *rs_rooms_find(struct rs_rooms *rooms, const char *id);
unsigned rs_rooms_count(const struct rs_rooms *rooms);

/* control/join, control/leave, control/ping. */
int rs_control_handle(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err);

/* Removes the participant from its room, tells the others (`reason`), frees it, and frees the
 * room when it was the last one. The session's participant pointer is cleared. */
void rs_room_leave(struct rs_participant *p, const char *reason);

/* Sends `ev` (borrowed) to every participant of the room except `except` (may be NULL). */
void rs_room_broadcast(struct rs_room *room, const json_t *ev, const struct rs_participant *except);
/* Sends `ev` (borrowed) to one participant. */
void rs_participant_send(struct rs_participant *p, const json_t *ev);
/* Returns a new reference: the participant as shown to others. */
json_t *rs_participant_json(const struct rs_participant *p);
struct rs_participant *rs_room_participant(struct rs_room *room, const char *id);
/* Sends `ev` (borrowed) to the room's moderators only. */
void rs_room_broadcast_moderators(struct rs_room *room, const json_t *ev);
/* Moves a waiting participant into the room (joined event, announcements, media). */
void rs_room_admit(struct rs_participant *p);
/* Removes a waiting participant from the lobby and frees it; tells moderators `reason`. */
void rs_room_lobby_remove(struct rs_participant *p, const char *reason);
struct rs_participant *rs_room_lobby_find(struct rs_room *room, const char *id);
/* The meeting's stored settings changed (REST PATCH): update the live room, if any. */
void rs_room_settings_changed(struct rs_app *app, const struct rs_room_record *rec);
/* Disconnects every participant (and lobby entry) of the room: the meeting was deleted. */
void rs_room_close_all(struct rs_room *room);

#endif
