/* Routes a validated message to its meeting module (control, chat, hand, media). */
#ifndef RS_SIGNALING_DISPATCH_H
#define RS_SIGNALING_DISPATCH_H

#include "signaling/message.h"

struct rs_session;

/* Returns 0, or -EINVAL with `err` filled (the caller sends it). `msg` is borrowed. */
int rs_dispatch(struct rs_session *s, const struct rs_msg *msg, struct rs_msg_error *err);

#endif
