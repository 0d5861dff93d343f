/* SPDX-License-Identifier: EUPL-1.2 */
/* Parser of the recorder's events (recorder_events.h).
 *
 * One line is one JSON object with a string "ev". Fields the server does not use are ignored,
 * fields it uses must have their type: a recorder that says `"bytes":"12"` is broken, and the
 * caller counts the line as a protocol error instead of guessing. Text is copied truncated on
 * a UTF-8 character boundary so that a long error message still reaches the moderators as
 * valid text. */
#include "room/recorder_events.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static const char *const output_states[] = {"running", "reconnecting", "failed", "stopped"};

const char *rs_recorder_output_state_name(enum rs_recorder_output_state s)
{
    return (unsigned)s < sizeof(output_states) / sizeof(output_states[0]) ? output_states[s] : "?";
}

void rs_recorder_text_clip(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* An optional non-negative integer member; -1 when absent. */
static int opt_count(json_t *o, const char *name, int64_t *out)
{
    json_t *v = json_object_get(o, name);
    *out = -1;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -EINVAL;
    *out = json_integer_value(v);
    return 0;
}

static int parse_output(json_t *o, struct rs_recorder_event *out)
{
    json_t *id = json_object_get(o, "id"), *state = json_object_get(o, "state");
    if (!json_is_string(id) || !json_is_string(state))
        return -EINVAL;
    size_t id_len = json_string_length(id);
    if (id_len == 0 || id_len >= sizeof(out->id) || memchr(json_string_value(id), 0, id_len))
        return -EINVAL;
    memcpy(out->id, json_string_value(id), id_len + 1);
    unsigned i;
    for (i = 0; i < sizeof(output_states) / sizeof(output_states[0]); i++)
        if (strcmp(json_string_value(state), output_states[i]) == 0)
            break;
    if (i == sizeof(output_states) / sizeof(output_states[0]))
        return -EINVAL;
    out->state = (enum rs_recorder_output_state)i;
    if (opt_count(o, "bytes", &out->bytes) || opt_count(o, "duration_ms", &out->duration_ms))
        return -EINVAL;
    return 0;
}

static int parse_error(json_t *o, struct rs_recorder_event *out)
{
    json_t *fatal = json_object_get(o, "fatal"), *msg = json_object_get(o, "message");
    if ((fatal && !json_is_boolean(fatal)) || (msg && !json_is_string(msg)))
        return -EINVAL;
    out->fatal = json_is_true(fatal);
    if (msg)
        rs_recorder_text_clip(out->message, sizeof(out->message), json_string_value(msg),
                              strnlen(json_string_value(msg), json_string_length(msg)));
    return 0;
}

static int parse_stats(json_t *o, struct rs_recorder_event *out)
{
    int64_t t, d, k;
    if (opt_count(o, "tracks", &t) || opt_count(o, "dropped", &d) ||
        opt_count(o, "keyframe_requests", &k))
        return -EINVAL;
    out->tracks = t < 0 ? 0 : (uint64_t)t;
    out->dropped = d < 0 ? 0 : (uint64_t)d;
    out->keyframe_requests = k < 0 ? 0 : (uint64_t)k;
    return 0;
}

int rs_recorder_event_parse(const char *line, size_t len, struct rs_recorder_event *out)
{
    memset(out, 0, sizeof(*out));
    out->bytes = out->duration_ms = -1;
    if (len > RS_RECORDER_LINE_MAX)
        return -E2BIG;
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return -EINVAL;
    }
    int rc = -EINVAL;
    const char *ev = json_string_value(json_object_get(o, "ev"));
    if (!ev)
        goto out;
    if (strcmp(ev, "ready") == 0) {
        out->ev = RS_RECORDER_EV_READY;
        rc = 0;
    } else if (strcmp(ev, "stopped") == 0) {
        out->ev = RS_RECORDER_EV_STOPPED;
        rc = 0;
    } else if (strcmp(ev, "output") == 0) {
        out->ev = RS_RECORDER_EV_OUTPUT;
        rc = parse_output(o, out);
    } else if (strcmp(ev, "error") == 0) {
        out->ev = RS_RECORDER_EV_ERROR;
        rc = parse_error(o, out);
    } else if (strcmp(ev, "stats") == 0) {
        out->ev = RS_RECORDER_EV_STATS;
        rc = parse_stats(o, out);
    } else {
        rc = -ENOENT;
    }
out:
    json_decref(o);
    return rc;
}
