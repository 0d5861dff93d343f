/* SPDX-License-Identifier: EUPL-1.2 */
/* Meeting features as modules: action tables, the typed call a handler gets, and the hooks.
 *
 * Every signaling namespace is one feature (`struct rs_feature`): a table of its actions and a
 * few optional hooks into the room's life (a participant joins or leaves, is described to
 * others, the room goes away). An action row declares everything the dispatcher needs to know
 * before any feature code runs: its name, the role the caller must hold, and the fields it
 * takes with their types and limits. The dispatcher (dispatch.c) looks the action up, checks
 * the role through the access rules (access.c), validates and extracts the declared fields,
 * and calls the handler with typed values in `struct rs_call`. Anything not in a table is
 * `unknown_action`; a handler never reads the raw message and never checks roles itself.
 *
 * Adding an action is one row in the feature's table and one function; adding a feature is one
 * file with one `struct rs_feature` registered in the room registry (room.c for the room's
 * own features; a higher floor such as the SFU registers its own at start).
 *
 * Ownership: tables are static const; a call lives on the dispatcher's stack for one message,
 * and every string in it is borrowed from the call (or the message) and gone after the handler
 * returns. Control thread only. */
#ifndef RS_ROOM_ACTION_H
#define RS_ROOM_ACTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/metrics.h"

#define RS_MSG_MAX_BYTES 16384
/* media/publish and media/subscribe_answer carry SDP for up to 64 m-lines */
#define RS_MSG_MAX_MEDIA_BYTES (192 * 1024)
#define RS_ACTION_MAX_FIELDS 10 /* vote/create has 10 */
#define RS_FEATURES_MAX 32

struct rs_peer;
struct rs_room;
struct rs_participant;
struct rs_feature;
struct rs_action;

/* A refusal as the client sees it: the wire code (docs/protocol.md), the namespace to report
 * it in, the field it concerns and a readable text. */
struct rs_msg_error {
    enum rs_err code;
    const char *ns; /* static string: namespace to report the error in */
    char field[32]; /* empty when not field-specific */
    char text[200];
    json_t *ref; /* borrowed from the message root if it was readable; may be NULL */
    unsigned retry_after_s; /* sent as retry_after_s when not 0 (too_many_attempts) */
    struct rs_room_moved moved; /* `moved`: the owner's url and node, sent when not empty */
};

/* Fills `err` with `code`, `field` and a printf-style readable text. */
void rs_msg_error_set(struct rs_msg_error *err, enum rs_err code, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fills `err` for a store call that has just failed with -EIO: `storage_full` or `storage_busy`
 * when the store says so (store/store_fault.h), else `internal`; `what` (e.g. "the minutes could
 * not be stored") begins the text. */
void rs_msg_error_store(struct rs_msg_error *err, const char *what);

/* The error event a client gets for `err`: {"ns": err->ns or "control", "event": "error",
 * "code", "text", and field, retry_after_s, url/node (moved), ref when set}. Returns a new
 * reference (NULL on OOM). */
json_t *rs_msg_error_event(const struct rs_msg_error *err);

/* One client message after framing: a JSON object naming a known feature and action. */
struct rs_msg {
    json_t *root; /* owned: release with rs_msg_free */
    const struct rs_feature *feature;
    const struct rs_action *action;
    json_t *ref; /* borrowed from root, NULL when absent */
};
void rs_msg_free(struct rs_msg *msg);

/* Who may call an action. Up to RS_NEED_OWNER each level includes the ones before it; the
 * session levels (room/session.h) stand beside OWNER: both include JOINED, CHAIR includes
 * MODERATOR, and a level from MODERATOR on re-reads the caller's login (dispatch.c). */
enum rs_need {
    RS_NEED_CONNECTED, /* any connection, joined or not (control/join, control/ping) */
    RS_NEED_PRESENT,   /* in a room or waiting in its lobby */
    RS_NEED_JOINED,    /* in a room (not waiting) */
    RS_NEED_MODERATOR, /* a moderator of the room */
    RS_NEED_OWNER,     /* a moderator who may hand out roles: the meeting's owner or an admin
                        * (in a room without an owner: any moderator) */
    RS_NEED_CHAIR,     /* a moderator holding the chair, or any moderator while no one present
                        * holds it (others: forbidden; a moderator beside the chair: not_chair) */
    RS_NEED_MINUTES,   /* the minute-taker, or whoever holds RS_NEED_CHAIR */
};

enum rs_field_type {
    RS_FIELD_TEXT,  /* string, trimmed; control characters refused; at most `max` characters */
    RS_FIELD_BOOL,  /* true or false */
    RS_FIELD_INT,   /* integer in [min, max] */
    RS_FIELD_ENUM,  /* one of `choices` (a string): the value is its index */
    RS_FIELD_BLOB,  /* string of at most `max` bytes, not trimmed or checked (SDP): borrowed */
    RS_FIELD_ARRAY, /* array of at most `max` elements: borrowed, the handler reads elements */
    RS_FIELD_OBJECT, /* JSON object (bounded by the frame): borrowed, the handler reads it */
};

#define RS_FIELD_REQUIRED 1u
#define RS_FIELD_MULTILINE 2u /* TEXT: tab and newline allowed */
#define RS_FIELD_NULLABLE 4u  /* optional field: JSON null counts as absent */

struct rs_field {
    const char *name; /* NULL ends the list */
    enum rs_field_type type;
    unsigned flags;
    long long min, max;
    const char *const *choices; /* ENUM: NULL-terminated */
    size_t max_bytes;           /* TEXT: bytes of UTF-8 at most (0: 4 per character) */
    /* TEXT: a further pattern the value must match; a value it refuses, or one too long to
     * check, is `invalid_code` with `invalid_text` */
    int (*valid)(const char *value);
    enum rs_err invalid_code;
    const char *invalid_text;
};

/* A field's value as the handler gets it. */
struct rs_arg {
    bool present;
    const char *str; /* TEXT (NUL-terminated copy), BLOB (borrowed, `len` bytes) */
    size_t len;
    long long num; /* INT, ENUM (index), BOOL (0/1) */
    json_t *json;  /* ARRAY, OBJECT: borrowed */
};

#define RS_CALL_ARENA 16384

/* One call of an action. The handler reads `arg[i]` in the order of the action's fields. */
struct rs_call {
    struct rs_app *app;
    struct rs_peer *peer;        /* the caller's connection */
    struct rs_participant *self; /* NULL for RS_NEED_CONNECTED actions when not in a room */
    struct rs_room *room;        /* self's room, or NULL */
    const struct rs_action *action;
    struct rs_arg arg[RS_ACTION_MAX_FIELDS];
    json_t *ref; /* borrowed: echoed in replies */
    struct rs_msg_error *err;
    size_t arena_used;
    char arena[RS_CALL_ARENA]; /* TEXT copies */
};

/* Returns 0, or a negative errno with `c->err` filled. */
typedef int (*rs_action_fn)(struct rs_call *c);

struct rs_action {
    const char *name; /* NULL ends the table */
    rs_action_fn fn;
    enum rs_need need;
    struct rs_field fields[RS_ACTION_MAX_FIELDS];
    /* frames up to this many bytes (at most RS_MSG_MAX_MEDIA_BYTES) are accepted for this
     * action; 0: RS_MSG_MAX_BYTES, the general limit */
    size_t max_frame;
};

/* A feature: one signaling namespace and its hooks into the room's life. Hooks are optional
 * and run in registration order. */
struct rs_feature {
    const char *ns;
    const struct rs_action *actions; /* terminated by a row with name == NULL */
    /* `p` entered the room (after the others were told). */
    void (*joined)(struct rs_participant *p);
    /* `p` came back on a new connection after its socket dropped (room.h rs_room_resume),
     * after its control/joined: re-send what only `p` needs, rebuild what died with the socket */
    void (*resumed)(struct rs_participant *p);
    /* adds the feature's part to the control/joined event `ev` sent to `p` */
    void (*welcome)(struct rs_participant *p, json_t *ev);
    /* adds the feature's view of `p` to its description `j` (participant lists, updates) */
    void (*describe)(const struct rs_participant *p, json_t *j);
    /* `p` is leaving the room: drop its state (before the others are told) */
    void (*leaving)(struct rs_participant *p);
    /* the membership changed (after a leave) */
    void (*room_changed)(struct rs_room *room);
    /* who hears or sees whom changed (room/audio_routes.h) */
    void (*audience_changed)(struct rs_room *room);
    /* the room is being freed: free the feature's room state */
    void (*room_free)(struct rs_room *room);
    /* about every 200 ms with the wall-clock time (ms since the epoch): timed things (a
     * speaking time running out, a vote's duration) */
    void (*tick)(struct rs_room *room, int64_t now_ms);
    /* cluster failover (room/snapshot.h): the feature's state of the room, or of one of its
     * participants, as JSON in a shape the feature owns (a new reference; NULL: nothing to
     * keep), and that state rebuilt from it on the node that owns the room next (the part is
     * borrowed and came from Redis: check everything; 0, or -EBADMSG: dropped and counted).
     * Participants are restored before the room's parts. */
    json_t *(*save)(struct rs_room *room);
    int (*restore)(struct rs_room *room, json_t *part);
    json_t *(*save_participant)(const struct rs_participant *p);
    int (*restore_participant)(struct rs_participant *p, json_t *part);
};

/* The features a process serves, in registration order. Owned by the room registry. */
struct rs_features {
    const struct rs_feature *list[RS_FEATURES_MAX];
    unsigned count;
};

/* Adds `f` (borrowed, must outlive the registry). -EEXIST for a second feature with the same
 * namespace, -ENOSPC when full. */
int rs_features_add(struct rs_features *fs, const struct rs_feature *f);
/* The feature serving namespace `ns` (`len` bytes, not NUL-terminated), or NULL. */
const struct rs_feature *rs_features_find(const struct rs_features *fs, const char *ns, size_t len);
/* Its index (for per-feature state slots), or -1. */
int rs_features_index(const struct rs_features *fs, const struct rs_feature *f);
/* The action `name` (`len` bytes) of `f`, or NULL. */
const struct rs_action *rs_feature_action(const struct rs_feature *f, const char *name, size_t len);

/* Runs one message: checks the caller's role for the action, validates and extracts its
 * fields, and calls the handler. Returns 0, or a negative errno with `err` filled (the caller
 * sends it). `msg` is borrowed. */
int rs_dispatch(struct rs_app *app, struct rs_peer *peer, const struct rs_msg *msg,
                struct rs_msg_error *err);

/* Text fields outside a call (e.g. REST): the same rules as RS_FIELD_TEXT for the string
 * `v` (borrowed JSON value, may be NULL). Copies into `buf` (`cap` bytes); *out is NULL when
 * absent and not required. */
int rs_text_field(json_t *v, const char *name, bool required, size_t max_chars, bool allow_newlines,
                  char *buf, size_t cap, const char **out, struct rs_msg_error *err);

/* Room ids: 1-64 of A-Z a-z 0-9 - _. */
int rs_room_id_valid(const char *id);

#endif
