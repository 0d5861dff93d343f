/* The media plane's lifecycle: start the worker(s) on the UDP port, stop them. */
#ifndef RS_SFU_SFU_H
#define RS_SFU_SFU_H

#include <stddef.h>

#include "core/app.h"

struct rs_http;

/* Starts the media plane on cfg.udp_port and sets app->media. Returns 0, or a negative errno
 * with a one-line reason in `err`. */
int rs_sfu_start(struct rs_app *app, struct rs_http *http, char *err, size_t errlen);
/* Stops workers and frees media state. Safe when not started. */
void rs_sfu_stop(struct rs_app *app);

#endif
