/* SPDX-License-Identifier: EUPL-1.2 */
/* Signaling frames: parse and validate one client frame into a message for the dispatcher.
 *
 * A frame becomes a `struct rs_msg` (room/action.h) only when it is a JSON object no deeper
 * than RS_MSG_MAX_DEPTH with string `ns` and `action` naming a feature and an action that the
 * registry serves. Everything else yields a `struct rs_msg_error` whose code is the wire error
 * code from docs/protocol.md. The action's own fields are the dispatcher's business. */
#ifndef RS_SIGNALING_MESSAGE_H
#define RS_SIGNALING_MESSAGE_H

#include <stddef.h>

#include "room/action.h"

#define RS_MSG_MAX_DEPTH 8
#define RS_MSG_REF_MAX 64

/* Parses `len` bytes of `data` (borrowed) against the features `fs`. On success fills `msg`
 * (caller frees with rs_msg_free) and returns 0. On failure fills `err` and returns -EINVAL;
 * `msg` holds nothing to free, except that err->ref stays valid until rs_msg_free(msg) (call it
 * in both cases). */
int rs_msg_parse(const struct rs_features *fs, const char *data, size_t len, struct rs_msg *msg,
                 struct rs_msg_error *err);

/* Returns the nesting depth of the JSON text, scanning at most `len` bytes, stopping early
 * once it exceeds `limit` (then returns limit + 1). Strings and escapes are skipped. */
int rs_json_depth(const char *data, size_t len, int limit);

#endif
