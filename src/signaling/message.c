/* SPDX-License-Identifier: EUPL-1.2 */
/* Validation of client signaling frames.
 *
 * Order matters for the error a client sees: size (checked by the transport) → nesting depth
 * (scanned before parsing, so a deeply nested frame costs no parser recursion) → JSON syntax and
 * UTF-8 (jansson) → object → `ns` → `action`. Each failure maps to exactly one code, and the
 * parser never asserts on input. Known actions are those of the registered features
 * (room/action.h), so an unknown action is rejected before any feature code runs. */
#include "signaling/message.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int rs_json_depth(const char *data, size_t len, int limit)
{
    int depth = 0, max = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\')
                i++; /* skip the escaped character; \uXXXX digits are harmless */
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max) {
                max = depth;
                if (max > limit)
                    return limit + 1;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

static int valid_ref(json_t *ref)
{
    if (json_is_integer(ref))
        return 1;
    return json_is_string(ref) && json_string_length(ref) <= RS_MSG_REF_MAX;
}

int rs_msg_parse(const struct rs_features *fs, const char *data, size_t len, struct rs_msg *msg,
                 struct rs_msg_error *err)
{
    memset(msg, 0, sizeof(*msg));
    memset(err, 0, sizeof(*err));
    err->ns = "control";
    int big = len > RS_MSG_MAX_BYTES;
    if (len > RS_MSG_MAX_MEDIA_BYTES)
        goto too_large;
    if (rs_json_depth(data, len, RS_MSG_MAX_DEPTH) > RS_MSG_MAX_DEPTH) {
        rs_msg_error_set(err, RS_ERR_TOO_DEEP, NULL, "JSON nesting is deeper than %d",
                         RS_MSG_MAX_DEPTH);
        return -EINVAL;
    }
    json_error_t jerr;
    json_t *root =
        json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
    if (!root && big)
        goto too_large;
    if (!root) {
        rs_msg_error_set(err, RS_ERR_INVALID_JSON, NULL, "invalid JSON at position %d",
                         jerr.position);
        return -EINVAL;
    }
    msg->root = root;
    if (!json_is_object(root)) {
        rs_msg_error_set(err, RS_ERR_NOT_OBJECT, NULL, "message must be a JSON object");
        return -EINVAL;
    }
    json_t *ref = json_object_get(root, "ref");
    if (ref) {
        if (!valid_ref(ref)) {
            rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "ref",
                             "ref must be an integer or a string of at most %d bytes",
                             RS_MSG_REF_MAX);
            return -EINVAL;
        }
        err->ref = ref;
        msg->ref = ref;
    }
    json_t *ns = json_object_get(root, "ns");
    if (!ns) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, "ns", "field 'ns' is missing");
        return -EINVAL;
    }
    if (!json_is_string(ns)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "ns", "field 'ns' must be a string");
        return -EINVAL;
    }
    msg->feature = rs_features_find(fs, json_string_value(ns), json_string_length(ns));
    if (!msg->feature) {
        rs_msg_error_set(err, RS_ERR_UNKNOWN_NS, "ns", "unknown namespace");
        return -EINVAL;
    }
    err->ns = msg->feature->ns;
    json_t *action = json_object_get(root, "action");
    if (!action) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, "action", "field 'action' is missing");
        return -EINVAL;
    }
    if (!json_is_string(action)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "action", "field 'action' must be a string");
        return -EINVAL;
    }
    msg->action =
        rs_feature_action(msg->feature, json_string_value(action), json_string_length(action));
    if (!msg->action) {
        rs_msg_error_set(err, RS_ERR_UNKNOWN_ACTION, "action", "unknown action in '%s'",
                         msg->feature->ns);
        return -EINVAL;
    }
    if (big && len > msg->action->max_frame)
        goto too_large;
    return 0;
too_large:
    /* only SDP-carrying media messages may exceed the general limit */
    err->ns = "control";
    rs_msg_error_set(err, RS_ERR_FRAME_TOO_LARGE, NULL,
                     "message is larger than %d bytes (%d for media/publish and "
                     "media/subscribe_answer)",
                     RS_MSG_MAX_BYTES, RS_MSG_MAX_MEDIA_BYTES);
    return -EINVAL;
}
