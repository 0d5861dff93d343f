/* Signaling messages: parse and validate one client frame.
 *
 * A frame becomes a `struct rs_msg` only when it is a JSON object no deeper than
 * RS_MSG_MAX_DEPTH with string `ns` and `action` naming a known namespace and action.
 * Everything else yields a `struct rs_msg_error` whose code is the wire error code from
 * docs/protocol.md. Field validators below check an action's own fields the same way. */
#ifndef RS_SIGNALING_MESSAGE_H
#define RS_SIGNALING_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

#include "core/metrics.h"

#define RS_MSG_MAX_BYTES 16384
/* media/publish and media/subscribe_answer carry SDP for up to 64 m-lines */
#define RS_MSG_MAX_MEDIA_BYTES (192 * 1024)
#define RS_MSG_MAX_DEPTH 8
#define RS_MSG_REF_MAX 64

enum rs_ns {
    RS_NS_CONTROL,
    RS_NS_CHAT,
    RS_NS_HAND,
    RS_NS_MEDIA,
    RS_NS_LOBBY,
    RS_NS_MODERATION,
    RS_NS__COUNT
};

struct rs_msg {
    json_t *root;       /* owned: release with rs_msg_free */
    enum rs_ns ns;
    const char *ns_name; /* borrowed from root */
    const char *action;  /* borrowed from root */
    json_t *ref;         /* borrowed from root, NULL when absent */
};

struct rs_msg_error {
    enum rs_err code;
    const char *ns; /* static string: namespace to report the error in */
    char field[32]; /* empty when not field-specific */
    char text[200];
    json_t *ref;    /* borrowed from the message root if it was readable; may be NULL */
};

/* Parses `len` bytes of `data` (borrowed). On success fills `msg` (caller frees with
 * rs_msg_free) and returns 0. On failure fills `err` and returns -EINVAL; `msg` holds nothing
 * to free, except that err->ref stays valid until rs_msg_free(msg) (call it in both cases). */
int rs_msg_parse(const char *data, size_t len, struct rs_msg *msg, struct rs_msg_error *err);
void rs_msg_free(struct rs_msg *msg);

/* Returns the nesting depth of the JSON text, scanning at most `len` bytes, stopping early
 * once it exceeds `limit` (then returns limit + 1). Strings and escapes are skipped. */
int rs_json_depth(const char *data, size_t len, int limit);

/* Reads string field `name`. With `required` a missing field is `missing_field`; otherwise
 * *out is NULL. The value is trimmed of surrounding blanks into `buf` (cap bytes incl. NUL);
 * empty after trimming is `empty_value` (when required), more than `max_chars` Unicode
 * characters or more than cap-1 bytes is `too_long`, and C0/C1 control characters (except
 * tab and newline when `allow_newlines`) are `invalid_value`. */
int rs_msg_string(const struct rs_msg *msg, const char *name, int required, size_t max_chars,
                  int allow_newlines, char *buf, size_t cap, const char **out,
                  struct rs_msg_error *err);

/* Reads boolean field `name` (required). */
int rs_msg_bool(const struct rs_msg *msg, const char *name, int *out, struct rs_msg_error *err);

/* Reads integer field `name` (required) in [min, max]. */
int rs_msg_int(const struct rs_msg *msg, const char *name, long long min, long long max,
               long long *out, struct rs_msg_error *err);

/* Room ids: 1-64 of A-Z a-z 0-9 - _. */
int rs_room_id_valid(const char *id);

/* Fills `err` with `code`, `field` and a printf-style readable text. */
void rs_msg_error_set(struct rs_msg_error *err, enum rs_err code, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
