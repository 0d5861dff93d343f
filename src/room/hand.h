/* Raised hands: a participant asks for the floor; everyone sees who, and in which order. */
#ifndef RS_ROOM_HAND_H
#define RS_ROOM_HAND_H

#include "room/room.h"

int rs_hand_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err);

#endif
