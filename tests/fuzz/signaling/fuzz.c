/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: signaling frames through real sessions in a room, with a media plane.
 *
 * The input is split at newlines into frames. A frame goes through rs_session_on_message exactly
 * as a WebSocket frame would (validation, dispatch, feature modules): from session `b`, which
 * joined room "f" first and so moderates it, when the line starts with '>', else from session
 * `a`, which starts outside any room. A media plane without worker threads (its commands queue
 * up unread) lets the media feature run its handlers. Everything is created anew per input, so
 * no state (a rate limiter, an id counter) carries from one run to the next. Queues are drained
 * after every frame so the slow-consumer path does not hide later code. Leaks are caught by
 * ASan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/app.h"
#include "core/log.h"
#include "room/room.h"
#include "sfu/sfu.h"
#include "signaling/session.h"

/* a sha-256 certificate fingerprint as our SDP answers carry it */
#define OUR_FP                                                                                     \
    "8F:2A:51:9C:0D:7E:44:B3:6A:E1:90:5F:27:C8:13:DA:72:4E:B9:06:F1:3C:88:5D:A2:17:6B:E4:09:C5:"   \
    "3F:"                                                                                          \
    "91"

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

static void drain(struct rs_session *s)
{
    while (rs_session_peek(s))
        rs_session_pop(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_app app;
    memset(&app, 0, sizeof(app));
    rs_log_set_level(RS_LOG_ERROR);
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 1000;
    app.cfg.chat_history = 4;
    app.rooms = rs_rooms_new(&app);
    app.media = rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, 1);
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "fuzz");
    struct rs_session *b = rs_session_new(&app, &ops, NULL, "fuzz");
    const char *join =
        "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"f\",\"display_name\":\"B\"}";
    rs_session_on_message(b, join, strlen(join));

    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            int to_b = i > start && data[start] == '>';
            rs_session_on_message(to_b ? b : a, (const char *)data + start + to_b,
                                  i - start - to_b);
            drain(a);
            drain(b);
            start = i + 1;
        }
    }
    /* and the whole input as one fragmented frame */
    size_t half = size / 2;
    rs_session_on_fragment(a, data, half, 1, 0, 0);
    rs_session_on_fragment(a, data + half, size - half, 0, 1, 0);

    rs_session_free(a);
    rs_session_free(b);
    rs_rooms_free(app.rooms);
    rs_sfu_free_detached(app.media);
    return 0;
}
