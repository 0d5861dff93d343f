/* hand/raise and hand/lower. Idempotent: repeating the current state sends nothing, so a
 * double click cannot reorder the queue (the first raise's timestamp is kept). */
#include "room/hand.h"

#include <errno.h>
#include <string.h>

#include "core/clock.h"

int rs_hand_handle(struct rs_participant *p, const struct rs_msg *msg, struct rs_msg_error *err)
{
    int raise = strcmp(msg->action, "raise") == 0;
    if (raise == p->hand_raised)
        return 0;
    p->hand_raised = raise;
    json_t *ev;
    if (raise) {
        p->hand_ts_ms = rs_wall_ms();
        ev = json_pack("{s:s, s:s, s:s, s:I}", "ns", "hand", "event", "raised", "id", p->id, "ts",
                       (json_int_t)p->hand_ts_ms);
    } else {
        p->hand_ts_ms = 0;
        ev = json_pack("{s:s, s:s, s:s}", "ns", "hand", "event", "lowered", "id", p->id);
    }
    if (!ev) {
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    rs_room_broadcast(p->room, ev, NULL);
    json_decref(ev);
    return 0;
}
