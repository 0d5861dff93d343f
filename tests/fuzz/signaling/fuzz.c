/* Fuzz target: signaling frames through a real session that has joined a room.
 *
 * The input is split at newlines into frames; each goes through rs_session_on_message exactly
 * as a WebSocket frame would (validation, dispatch, room modules). The queue is drained after
 * every frame so the slow-consumer path does not hide later code. Leaks are caught by ASan. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/app.h"
#include "room/room.h"
#include "signaling/session.h"

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rs_app app;
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 1000;
    app.cfg.chat_history = 4;
    app.rooms = rs_rooms_new(&app);
    struct rs_session *a = rs_session_new(&app, &ops, NULL, "fuzz");
    struct rs_session *b = rs_session_new(&app, &ops, NULL, "fuzz");
    const char *join = "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"f\",\"display_name\":\"B\"}";
    rs_session_on_message(b, join, strlen(join));

    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            rs_session_on_message(a, (const char *)data + start, i - start);
            while (rs_session_peek(a))
                rs_session_pop(a);
            while (rs_session_peek(b))
                rs_session_pop(b);
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
    return 0;
}
