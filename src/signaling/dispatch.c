/* Dispatch table: namespace → module handler. Modules check their own actions' fields and the
 * caller's right to act (joined, role); an unknown action never gets here (message.c). */
#include "signaling/dispatch.h"

#include <errno.h>
#include <string.h>

#include "room/chat.h"
#include "room/hand.h"
#include "room/lobby.h"
#include "room/room.h"
#include "sfu/media_signaling.h"
#include "signaling/session.h"

int rs_dispatch(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err)
{
    if (msg->ns != RS_NS_CONTROL && (!s->participant || s->participant->waiting)) {
        rs_msg_error_set(err, RS_ERR_NOT_JOINED, NULL, "join a room first");
        return -EINVAL;
    }
    switch (msg->ns) {
    case RS_NS_CONTROL:
        return rs_control_handle(s, msg, err);
    case RS_NS_CHAT:
        return rs_chat_handle(s->participant, msg, err);
    case RS_NS_HAND:
        return rs_hand_handle(s->participant, msg, err);
    case RS_NS_MEDIA:
        return rs_media_signaling_handle(s->participant, msg, err);
    case RS_NS_LOBBY:
        return rs_lobby_handle(s->participant, msg, err);
    case RS_NS_MODERATION:
        return rs_moderation_handle(s->participant, msg, err);
    default:
        rs_msg_error_set(err, RS_ERR_UNKNOWN_NS, "ns", "unknown namespace");
        return -EINVAL;
    }
}
