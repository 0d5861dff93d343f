/* `media` namespace handlers. The media plane itself lives in sfu/ and rtc/; this file is the
 * control-thread side that turns signaling into SFU commands. */
#include "sfu/media_signaling.h"

#include <errno.h>

#include "core/app.h"

int rs_media_signaling_handle(struct rs_participant *p, const struct rs_msg *msg,
                              struct rs_msg_error *err)
{
    rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "media is not available on this server");
    return -EINVAL;
}

void rs_media_joined_extras(struct rs_participant *p, json_t *joined)
{
}

void rs_media_participant_describe(const struct rs_participant *p, json_t *j)
{
}

void rs_media_participant_joined(struct rs_participant *p)
{
}

void rs_media_participant_free(struct rs_participant *p)
{
}

void rs_media_room_changed(struct rs_room *room)
{
}

void rs_media_room_free(struct rs_room *room)
{
}

void rs_media_handle_event(struct rs_media *m, const struct rs_event *ev)
{
}
