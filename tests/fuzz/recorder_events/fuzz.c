/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the recorder's events (room/recorder_events.h). Input: one line as the control
 * socket delivers it (no newline). Whatever it is, the parser returns one of its documented
 * codes, and an accepted event has NUL-terminated texts within their buffers, a known output
 * state and a non-empty output id. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "room/recorder_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_recorder_event ev;
    int rc = rs_recorder_event_parse((const char *)data, size, &ev);
    if (rc != 0 && rc != -EINVAL && rc != -ENOENT && rc != -E2BIG)
        abort();
    if (rc != 0)
        return 0;
    if (!memchr(ev.id, 0, sizeof(ev.id)) || !memchr(ev.message, 0, sizeof(ev.message)))
        abort();
    if (ev.ev == RS_RECORDER_EV_OUTPUT &&
        (!ev.id[0] || (unsigned)ev.state > RS_RECORDER_OUT_STOPPED || ev.bytes < -1))
        abort();
    if (strcmp(rs_recorder_output_state_name(ev.state), "?") == 0)
        abort();
    return 0;
}
