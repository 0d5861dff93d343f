/* Room chat: relayed to everyone in the room, the last N kept in memory for late joiners.
 * Chat text is meeting content: never logged, never stored on disk. */
#ifndef RS_ROOM_CHAT_H
#define RS_ROOM_CHAT_H

#include <jansson.h>
#include <stdint.h>

#include "room/room.h"

struct rs_chat_entry {
    uint64_t id;
    char from[RS_PARTICIPANT_ID_LEN + 1];
    char display_name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char *text; /* owned */
    int64_t ts_ms;
};

int rs_chat_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err);
/* Returns a new reference: the room's kept history, oldest first. */
json_t *rs_chat_history_json(const struct rs_room *room);
/* Frees the room's history ring. */
void rs_chat_free(struct rs_room *room);

#endif
