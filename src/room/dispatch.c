/* SPDX-License-Identifier: EUPL-1.2 */
/* The dispatcher: one place that checks who may call an action and what it must carry.
 *
 * For every message: the feature and action were found by the framing layer in the registry
 * (an unknown one never gets here); the caller's role is checked against the action's `need`
 * (access.c); then every declared field is validated and extracted in declaration order into
 * typed values; only then does the handler run. A refusal at any step changes nothing and
 * yields exactly one error code. Strings are copied, trimmed, into the call's arena, so a
 * handler never touches the raw JSON and never has to know how long its buffers must be. */
#include "room/action.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "room/access.h"
#include "room/peer.h"
#include "room/room.h"
#include "store/store_fault.h"

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

void rs_msg_error_store(struct rs_msg_error *err, const char *what)
{
    switch (rs_store_fault()) {
    case RS_STORE_FAULT_FULL:
        rs_msg_error_set(err, RS_ERR_STORAGE_FULL, NULL, "%s: the server's disk is full", what);
        break;
    case RS_STORE_FAULT_BUSY:
        rs_msg_error_set(err, RS_ERR_STORAGE_BUSY, NULL,
                         "%s: another program holds the database; try again", what);
        break;
    case RS_STORE_FAULT_IO:
    case RS_STORE_FAULT_NONE:
    case RS_STORE_FAULT__COUNT:
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "%s", what);
        break;
    }
}

json_t *rs_msg_error_event(const struct rs_msg_error *err)
{
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "ns", err->ns ? err->ns : "control", "event",
                           "error", "code", rs_err_code(err->code), "text", err->text);
    if (!ev)
        return NULL;
    if (err->field[0])
        json_object_set_new(ev, "field", json_string(err->field));
    if (err->retry_after_s)
        json_object_set_new(ev, "retry_after_s", json_integer(err->retry_after_s));
    if (err->code == RS_ERR_MOVED && err->moved.url[0])
        json_object_set_new(ev, "url", json_string(err->moved.url));
    if (err->code == RS_ERR_MOVED && err->moved.node[0])
        json_object_set_new(ev, "node", json_string(err->moved.node));
    if (err->ref)
        json_object_set(ev, "ref", err->ref);
    return ev;
}

void rs_msg_free(struct rs_msg *msg)
{
    json_decref(msg->root);
    msg->root = NULL;
}

/* ---- the registry ---- */

int rs_features_add(struct rs_features *fs, const struct rs_feature *f)
{
    if (rs_features_find(fs, f->ns, strlen(f->ns)))
        return -EEXIST;
    if (fs->count >= RS_FEATURES_MAX)
        return -ENOSPC;
    fs->list[fs->count++] = f;
    return 0;
}

const struct rs_feature *rs_features_find(const struct rs_features *fs, const char *ns, size_t len)
{
    for (unsigned i = 0; i < fs->count; i++)
        if (strlen(fs->list[i]->ns) == len && memcmp(fs->list[i]->ns, ns, len) == 0)
            return fs->list[i];
    return NULL;
}

int rs_features_index(const struct rs_features *fs, const struct rs_feature *f)
{
    for (unsigned i = 0; i < fs->count; i++)
        if (fs->list[i] == f)
            return (int)i;
    return -1;
}

const struct rs_action *rs_feature_action(const struct rs_feature *f, const char *name, size_t len)
{
    for (const struct rs_action *a = f->actions; a && a->name; a++)
        if (strlen(a->name) == len && memcmp(a->name, name, len) == 0)
            return a;
    return NULL;
}

/* ---- fields ---- */

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

/* Refused anywhere in a text value: C0 and C1 controls, line and paragraph separators, and the
 * bidirectional controls (marks, embeddings, overrides, isolates), which reorder what others
 * see around the value (a name or title "\u202Efdp.exe" shows as "exe.pdf"). */
static int is_refused(unsigned cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Shows nothing on its own: spaces of every width, zero-width and other invisible format
 * characters, fillers and blanks. Allowed next to visible characters (a joiner inside an
 * emoji, a no-break space inside a name), but a value made only of these is empty. */
static int is_invisible(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == 0x00A0 || cp == 0x00AD || cp == 0x034F ||
           cp == 0x115F || cp == 0x1160 || cp == 0x1680 || cp == 0x17B4 || cp == 0x17B5 ||
           (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x202F ||
           (cp >= 0x205F && cp <= 0x206F) || cp == 0x2800 || cp == 0x3000 || cp == 0x3164 ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 ||
           (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) ||
           (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE007F) ||
           (cp >= 0xE0100 && cp <= 0xE01EF);
}

int rs_text_field(json_t *v, const char *name, bool required, size_t max_chars, bool allow_newlines,
                  char *buf, size_t cap, const char **out, struct rs_msg_error *err)
{
    *out = NULL;
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
    int visible = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += utf8_next(s + i, len - i, &cp);
        chars++;
        int control = is_refused(cp);
        if (allow_newlines && (cp == '\n' || cp == '\t'))
            control = 0;
        if (control) {
            rs_msg_error_set(err, RS_ERR_INVALID_VALUE, name,
                             "field '%s' contains a control character", name);
            return -EINVAL;
        }
        visible |= !is_invisible(cp);
    }
    if (len && !visible) {
        rs_msg_error_set(err, RS_ERR_EMPTY_VALUE, name, "field '%s' has no visible characters",
                         name);
        return -EINVAL;
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

static int missing(const struct rs_field *f, struct rs_arg *a, struct rs_msg_error *err)
{
    if (!(f->flags & RS_FIELD_REQUIRED))
        return 0;
    rs_msg_error_set(err, RS_ERR_MISSING_FIELD, f->name, "field '%s' is missing", f->name);
    return -EINVAL;
}

static int wrong_type(const struct rs_field *f, const char *what, struct rs_msg_error *err)
{
    rs_msg_error_set(err, RS_ERR_INVALID_TYPE, f->name, "field '%s' must be %s", f->name, what);
    return -EINVAL;
}

static int text_arg(struct rs_call *c, const struct rs_field *f, json_t *v, struct rs_arg *a)
{
    if (f->valid && json_is_string(v) && json_string_length(v) > (size_t)f->max) {
        rs_msg_error_set(c->err, f->invalid_code, f->name, "%s", f->invalid_text);
        return -EINVAL;
    }
    size_t cap = (f->max_bytes ? f->max_bytes : (size_t)f->max * 4) + 1;
    if (cap > sizeof(c->arena) - c->arena_used) {
        rs_msg_error_set(c->err, RS_ERR_TOO_LONG, f->name, "field '%s' is too long", f->name);
        return -EINVAL;
    }
    char *buf = c->arena + c->arena_used;
    if (rs_text_field(v, f->name, f->flags & RS_FIELD_REQUIRED, (size_t)f->max,
                      f->flags & RS_FIELD_MULTILINE, buf, cap, &a->str, c->err))
        return -EINVAL;
    if (!a->str)
        return 0;
    a->len = strlen(a->str);
    c->arena_used += a->len + 1;
    if (f->valid && !f->valid(a->str)) {
        rs_msg_error_set(c->err, f->invalid_code, f->name, "%s", f->invalid_text);
        return -EINVAL;
    }
    a->present = true;
    return 0;
}

static int enum_arg(const struct rs_field *f, json_t *v, struct rs_arg *a, struct rs_msg_error *err)
{
    if (!json_is_string(v))
        return wrong_type(f, "a string", err);
    const char *s = json_string_value(v);
    for (long long i = 0; f->choices[i]; i++) {
        if (strlen(f->choices[i]) == json_string_length(v) && strcmp(f->choices[i], s) == 0) {
            a->present = true;
            a->num = i;
            a->str = f->choices[i];
            a->len = strlen(a->str);
            return 0;
        }
    }
    char list[160] = "";
    size_t n = 0;
    for (unsigned i = 0; f->choices[i] && n < sizeof(list); i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", f->choices[i]);
    rs_msg_error_set(err, RS_ERR_INVALID_VALUE, f->name, "field '%s' must be one of %s", f->name,
                     list);
    return -EINVAL;
}

static int field_arg(struct rs_call *c, const struct rs_field *f, json_t *root, struct rs_arg *a)
{
    json_t *v = json_object_get(root, f->name);
    memset(a, 0, sizeof(*a));
    if (json_is_null(v) && (f->flags & RS_FIELD_NULLABLE) && !(f->flags & RS_FIELD_REQUIRED))
        v = NULL;
    if (f->type == RS_FIELD_TEXT)
        return text_arg(c, f, v, a);
    if (!v)
        return missing(f, a, c->err);
    switch (f->type) {
    case RS_FIELD_TEXT:
        break;
    case RS_FIELD_BOOL:
        if (!json_is_boolean(v))
            return wrong_type(f, "true or false", c->err);
        a->num = json_is_true(v);
        break;
    case RS_FIELD_INT:
        if (!json_is_integer(v))
            return wrong_type(f, "an integer", c->err);
        a->num = json_integer_value(v);
        if (a->num < f->min || a->num > f->max) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, f->name,
                             "field '%s' must be %lld to %lld", f->name, f->min, f->max);
            return -EINVAL;
        }
        break;
    case RS_FIELD_ENUM:
        return enum_arg(f, v, a, c->err);
    case RS_FIELD_BLOB:
        if (!json_is_string(v))
            return wrong_type(f, "a string", c->err);
        a->len = json_string_length(v);
        if (a->len > (size_t)f->max) {
            rs_msg_error_set(c->err, RS_ERR_TOO_LONG, f->name,
                             "field '%s' is longer than %lld bytes", f->name, f->max);
            return -EINVAL;
        }
        if (a->len == 0 && (f->flags & RS_FIELD_REQUIRED)) {
            rs_msg_error_set(c->err, RS_ERR_EMPTY_VALUE, f->name, "field '%s' is empty", f->name);
            return -EINVAL;
        }
        a->str = json_string_value(v);
        break;
    case RS_FIELD_ARRAY:
        if (!json_is_array(v))
            return wrong_type(f, "an array", c->err);
        if (json_array_size(v) > (size_t)f->max) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, f->name,
                             "field '%s' has more than %lld elements", f->name, f->max);
            return -EINVAL;
        }
        a->json = v;
        break;
    case RS_FIELD_OBJECT:
        if (!json_is_object(v))
            return wrong_type(f, "an object", c->err);
        a->json = v;
        break;
    }
    a->present = true;
    return 0;
}

/* ---- roles ---- */

static int refuse(struct rs_call *c, enum rs_need need)
{
    struct rs_participant *p = c->self;
    if (need == RS_NEED_PRESENT) {
        rs_msg_error_set(c->err, RS_ERR_NOT_JOINED, NULL, "not in a room");
        return -EINVAL;
    }
    if (!p || p->waiting) {
        rs_msg_error_set(c->err, RS_ERR_NOT_JOINED, NULL, "join a room first");
        return -EINVAL;
    }
    rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
    RS_INFO("room", "event=forbidden room=%s participant=%s action=%s", p->room->id, p->id,
            c->action->name);
    if (need == RS_NEED_OWNER && p->role == RS_ROLE_MODERATOR)
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL,
                         "only the meeting's owner or an admin may change roles");
    else if (need == RS_NEED_CHAIR && p->role == RS_ROLE_MODERATOR)
        rs_msg_error_set(c->err, RS_ERR_NOT_CHAIR, NULL,
                         "the chair leads this meeting; only the chair may do this");
    else if (need == RS_NEED_MINUTES)
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL,
                         "only the minute-taker or the chair may write the minutes");
    else
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL, "only moderators may do this");
    return -EACCES;
}

int rs_dispatch(struct rs_app *app, struct rs_peer *peer, const struct rs_msg *msg,
                struct rs_msg_error *err)
{
    /* one call is live at a time; its 16 KiB arena sits on the control thread's stack */
    struct rs_call c;
    c.app = app;
    c.peer = peer;
    c.self = peer->participant;
    c.room = c.self ? c.self->room : NULL;
    c.action = msg->action;
    c.ref = msg->ref;
    c.err = err;
    c.arena_used = 0;
    const struct rs_action *a = msg->action;
    if (a->need >= RS_NEED_MODERATOR && c.self && !c.self->waiting && peer->ident.logged_in) {
        /* a privileged action re-reads the login behind it: a session ended or a grant revoked
         * since (also by another process) counts now, not at the next connect */
        int rc = rs_access_recheck(app, peer, err);
        if (rc)
            return rc;
        c.self = peer->participant;
        c.room = c.self ? c.self->room : NULL;
    }
    if (!rs_access_holds(c.self, a->need))
        return refuse(&c, a->need);
    if (c.room && c.room->edge && msg->feature && strcmp(msg->feature->ns, "control") != 0 &&
        strcmp(msg->feature->ns, "media") != 0)
        /* an edge room's audience (docs/cluster.md section 11): its hands, questions, chat and
         * reactions are the owner's business, which runs them with its own checks */
        return rs_room_edge_forward(c.self, msg, err);
    for (unsigned i = 0; i < RS_ACTION_MAX_FIELDS && a->fields[i].name; i++)
        if (field_arg(&c, &a->fields[i], msg->root, &c.arg[i]))
            return -EINVAL;
    return a->fn(&c);
}
