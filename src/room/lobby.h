/* Lobby and moderation actions (docs/protocol.md "Identity, lobby and moderation").
 * Every action checks on the server that the sender is a meeting moderator. */
#ifndef RS_ROOM_LOBBY_H
#define RS_ROOM_LOBBY_H

#include "room/room.h"

int rs_lobby_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err);
int rs_moderation_handle(struct rs_participant *p, const struct rs_msg *msg,
                         struct rs_msg_error *err);

#endif
