/* Validation of client signaling frames.
 *
 * Order matters for the error a client sees: size (checked by the transport) → nesting depth
 * (scanned before parsing, so a deeply nested frame costs no parser recursion) → JSON syntax and
 * UTF-8 (jansson) → object → `ns` → `action`. Each failure maps to exactly one code, and the
 * parser never asserts on input. Known actions per namespace live in one table here, so an
 * unknown action is rejected before any module code runs. */
#include "signaling/message.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const ns_names[RS_NS__COUNT] = {"control", "chat",  "hand",
                                                   "media",   "lobby", "moderation"};

static const char *const actions_control[] = {"join", "leave", "ping", NULL};
static const char *const actions_chat[] = {"send", NULL};
static const char *const actions_hand[] = {"raise", "lower", NULL};
static const char *const actions_media[] = {"publish", "subscribe_answer", "restart_ice",
                                            "track_state", "video_size", NULL};
static const char *const actions_lobby[] = {"admit", "reject", "admit_all", NULL};
static const char *const actions_moderation[] = {"set_lobby", "set_role", NULL};
static const char *const *const ns_actions[RS_NS__COUNT] = {
    actions_control, actions_chat, actions_hand, actions_media, actions_lobby, actions_moderation};

void rs_msg_error_set(struct rs_msg_error *err, enum rs_err code, const char *field,
                      const char *fmt, ...)
{
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

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

int rs_msg_parse(const char *data, size_t len, struct rs_msg *msg, struct rs_msg_error *err)
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
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
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
    const char *ns_str = json_string_value(ns);
    int ns_id = -1;
    for (int i = 0; i < RS_NS__COUNT; i++)
        if (strcmp(ns_str, ns_names[i]) == 0 && strlen(ns_str) == json_string_length(ns))
            ns_id = i;
    if (ns_id < 0) {
        rs_msg_error_set(err, RS_ERR_UNKNOWN_NS, "ns", "unknown namespace");
        return -EINVAL;
    }
    err->ns = ns_names[ns_id];
    json_t *action = json_object_get(root, "action");
    if (!action) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, "action", "field 'action' is missing");
        return -EINVAL;
    }
    if (!json_is_string(action)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, "action", "field 'action' must be a string");
        return -EINVAL;
    }
    const char *act = json_string_value(action);
    int known = 0;
    for (const char *const *a = ns_actions[ns_id]; *a; a++)
        if (strcmp(act, *a) == 0 && strlen(act) == json_string_length(action))
            known = 1;
    if (!known) {
        rs_msg_error_set(err, RS_ERR_UNKNOWN_ACTION, "action", "unknown action in '%s'",
                         ns_names[ns_id]);
        return -EINVAL;
    }
    if (big && !(ns_id == RS_NS_MEDIA &&
                 (strcmp(act, "publish") == 0 || strcmp(act, "subscribe_answer") == 0)))
        goto too_large;
    msg->ns = (enum rs_ns)ns_id;
    msg->ns_name = ns_names[ns_id];
    msg->action = act;
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

void rs_msg_free(struct rs_msg *msg)
{
    json_decref(msg->root);
    msg->root = NULL;
}

/* Decodes one UTF-8 sequence (already validated by jansson). Returns its length. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > len)
        n = len;
    unsigned v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t i = 1; i < n; i++)
        v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return n;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int rs_msg_string(const struct rs_msg *msg, const char *name, int required, size_t max_chars,
                  int allow_newlines, char *buf, size_t cap, const char **out,
                  struct rs_msg_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(msg->root, name);
    if (!v) {
        if (!required)
            return 0;
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, name, "field '%s' is missing", name);
        return -EINVAL;
    }
    if (!json_is_string(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, name, "field '%s' must be a string", name);
        return -EINVAL;
    }
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t len = json_string_length(v);
    while (len && is_blank(*s)) {
        s++;
        len--;
    }
    while (len && is_blank(s[len - 1]))
        len--;
    if (len == 0 && required) {
        rs_msg_error_set(err, RS_ERR_EMPTY_VALUE, name, "field '%s' must not be empty", name);
        return -EINVAL;
    }
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += utf8_next(s + i, len - i, &cp);
        chars++;
        int control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
                      cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                      (cp >= 0x2066 && cp <= 0x2069);
        if (allow_newlines && (cp == '\n' || cp == '\t'))
            control = 0;
        if (control) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, name,
                             "field '%s' contains a control character", name);
            return -EINVAL;
        }
    }
    if (chars > max_chars || len >= cap) {
        rs_msg_error_set(err, RS_ERR_TOO_LONG, name, "field '%s' is longer than %zu characters",
                         name, max_chars);
        return -EINVAL;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    *out = buf;
    return 0;
}

int rs_msg_bool(const struct rs_msg *msg, const char *name, int *out, struct rs_msg_error *err)
{
    json_t *v = json_object_get(msg->root, name);
    if (!v) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, name, "field '%s' is missing", name);
        return -EINVAL;
    }
    if (!json_is_boolean(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, name, "field '%s' must be true or false",
                         name);
        return -EINVAL;
    }
    *out = json_is_true(v);
    return 0;
}

int rs_msg_int(const struct rs_msg *msg, const char *name, long long min, long long max,
               long long *out, struct rs_msg_error *err)
{
    json_t *v = json_object_get(msg->root, name);
    if (!v) {
        rs_msg_error_set(err, RS_ERR_MISSING_FIELD, name, "field '%s' is missing", name);
        return -EINVAL;
    }
    if (!json_is_integer(v)) {
        rs_msg_error_set(err, RS_ERR_INVALID_TYPE, name, "field '%s' must be an integer", name);
        return -EINVAL;
    }
    long long x = json_integer_value(v);
    if (x < min || x > max) {
        rs_msg_error_set(err, RS_ERR_INVALID_VALUE, name, "field '%s' must be %lld to %lld",
                         name, min, max);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

int rs_room_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        if (!ok || n >= 64)
            return 0;
    }
    return n > 0;
}
