/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence interface.
 *
 * The rest of the server talks to `struct rs_store` through these functions only; a backend
 * (SQLite today, PostgreSQL for multi-node later) fills in `struct rs_store_ops`. Calls are
 * blocking and are made from the control thread only, never from a media worker. Strings in
 * records are copied into fixed-size fields: records own nothing on the heap. Every time is ms
 * since the epoch and is passed in by the caller (so tests control the clock).
 *
 * Errors: 0 on success, -ENOENT (no such row, or a referenced row is missing), -EEXIST (a
 * unique key is taken), -EINVAL (a value the schema refuses), -EIO (anything else; logged, and
 * store_fault.h says why: a full disk, a lock another process held past our bounded wait).
 *
 * Rooms and meetings are one table. An anonymous room (managed = false) is what a join to an
 * unknown id opened before identity existed; rs_store_room_put writes only its basic fields.
 * A meeting (managed = true) is created through the REST API with rs_store_meeting_create and
 * changed with rs_store_meeting_update; room_put never touches owner, tenant, schedule, lobby,
 * password or managed. */
#ifndef RS_STORE_STORE_H
#define RS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_ROOM_ID_MAX 64
#define RS_ROOM_TITLE_MAX 800      /* bytes of UTF-8: 200 characters of up to 4 bytes */
#define RS_USER_ID_MAX 17          /* 'u' + 16 base32 characters */
#define RS_USERNAME_MAX 64         /* local account names: 1-64 of [A-Za-z0-9._@-] */
#define RS_DISPLAY_NAME_MAX 255    /* bytes (fits an ID token's name claim) */
#define RS_EMAIL_MAX 255           /* bytes */
#define RS_TENANT_MAX 255          /* bytes; "" is the default tenant */
#define RS_OIDC_ISSUER_MAX 512     /* bytes */
#define RS_OIDC_SUB_MAX 255        /* bytes (OIDC Core §2: at most 255 ASCII characters) */
#define RS_STORE_HASH_MAX 255      /* bytes of an encoded password hash */
#define RS_TOKEN_HASH_LEN 32       /* SHA-256 of a session or invite token */
#define RS_ID_TOKEN_HINT_MAX 8192  /* bytes; a longer ID token is not kept (logout without hint) */
#define RS_USER_AGENT_HINT_MAX 200 /* bytes */
#define RS_INVITE_ID_MAX 32        /* bytes */

enum rs_user_role { RS_USER_ROLE_USER = 0, RS_USER_ROLE_MODERATOR, RS_USER_ROLE_ADMIN };
/* RS_INVITE_AUDIENCE: receives only, skips the lobby (room/podium.h) */
enum rs_invite_role {
    RS_INVITE_GUEST = 0,
    RS_INVITE_PARTICIPANT,
    RS_INVITE_MODERATOR,
    RS_INVITE_AUDIENCE,
    RS_INVITE__COUNT
};
enum rs_login_method { RS_LOGIN_LOCAL = 0, RS_LOGIN_OIDC };

struct rs_room_record {
    char id[RS_ROOM_ID_MAX + 1];
    char title[RS_ROOM_TITLE_MAX + 1];
    unsigned max_participants; /* 0: the server's default */
    int64_t created_at_ms;
    int64_t last_active_ms;
    /* Meeting fields (schema version 2); meaningful when `managed`. */
    char owner_id[RS_USER_ID_MAX + 1]; /* "" when none */
    char tenant[RS_TENANT_MAX + 1];
    int64_t scheduled_start_ms; /* 0: not scheduled */
    int64_t scheduled_end_ms;   /* 0: not scheduled */
    bool lobby;
    bool has_password;
    char password_hash[RS_STORE_HASH_MAX + 1]; /* argon2id encoded; "" unless has_password */
    bool managed; /* created through the REST API (rs_store_meeting_create) */
    /* Schema version 3: when a moderator ended the meeting for everyone (moderation/end);
     * 0 when not ended. Joins are refused until a moderator of the meeting joins again. */
    int64_t ended_at_ms;
};

struct rs_user_record {
    char id[RS_USER_ID_MAX + 1];
    char username[RS_USERNAME_MAX + 1];       /* local accounts; "" for OIDC users */
    char oidc_issuer[RS_OIDC_ISSUER_MAX + 1]; /* OIDC users; "" for local accounts */
    char oidc_sub[RS_OIDC_SUB_MAX + 1];
    char display_name[RS_DISPLAY_NAME_MAX + 1];
    char email[RS_EMAIL_MAX + 1];
    enum rs_user_role role;
    char tenant[RS_TENANT_MAX + 1];
    char password_hash[RS_STORE_HASH_MAX + 1]; /* argon2id encoded; "" for OIDC users */
    int64_t created_at_ms;
    int64_t last_login_ms; /* 0: never */
    bool disabled;
};

/* A login session. The token travels only in the cookie; the store keys the row by its
 * SHA-256, so a copy of the database does not hand out live sessions. */
struct rs_session_record {
    uint8_t id_hash[RS_TOKEN_HASH_LEN];
    char user_id[RS_USER_ID_MAX + 1];
    int64_t created_at_ms;
    int64_t last_seen_ms;
    int64_t expires_at_ms;
    enum rs_login_method auth;
    char id_token_hint[RS_ID_TOKEN_HINT_MAX + 1]; /* for the IdP's end-session; "" if none */
    char user_agent_hint[RS_USER_AGENT_HINT_MAX + 1];
};

struct rs_invite_record {
    char id[RS_INVITE_ID_MAX + 1];
    uint8_t token_hash[RS_TOKEN_HASH_LEN];
    char room_id[RS_ROOM_ID_MAX + 1];
    enum rs_invite_role role;
    char created_by[RS_USER_ID_MAX + 1]; /* "" when none */
    int64_t created_at_ms;
    int64_t expires_at_ms;
    int64_t revoked_at_ms; /* 0: not revoked */
    int64_t uses;
    /* Computed on read against the caller's `now_ms`; ignored on create. */
    bool expired; /* expires_at_ms <= now_ms */
    bool revoked;
};

/* Iteration callbacks: `rec` is borrowed for the call only. Return 0 to go on; any other value
 * stops the iteration and is returned by the list function. A callback must not call the
 * store's list functions (other store calls are fine). */
typedef int (*rs_store_user_fn)(const struct rs_user_record *rec, void *ctx);
typedef int (*rs_store_room_fn)(const struct rs_room_record *rec, void *ctx);
typedef int (*rs_store_invite_fn)(const struct rs_invite_record *rec, void *ctx);

struct rs_store;
struct rs_store_vote_ops;
struct rs_store_attendance_ops;
struct rs_store_agenda_ops;
struct rs_store_speaking_ops;
struct rs_store_recording_ops;
struct rs_store_retention_ops;

struct rs_store_ops {
    const char *name;
    void (*close)(struct rs_store *st);
    int (*schema_version)(struct rs_store *st);
    int (*room_get)(struct rs_store *st, const char *id, struct rs_room_record *out);
    int (*room_put)(struct rs_store *st, const struct rs_room_record *room);
    int (*room_touch)(struct rs_store *st, const char *id, int64_t now_ms);
    int (*room_delete)(struct rs_store *st, const char *id);
    int (*room_count)(struct rs_store *st, int64_t *out);
    int (*room_purge_anonymous)(struct rs_store *st, int64_t before_ms);

    int (*user_create)(struct rs_store *st, const struct rs_user_record *user);
    int (*user_upsert_oidc)(struct rs_store *st, struct rs_user_record *user, int64_t now_ms);
    int (*user_get)(struct rs_store *st, const char *id, struct rs_user_record *out);
    int (*user_get_by_username)(struct rs_store *st, const char *name, struct rs_user_record *out);
    int (*user_set_password)(struct rs_store *st, const char *id, const char *hash);
    int (*user_set_role)(struct rs_store *st, const char *id, enum rs_user_role role);
    int (*user_set_disabled)(struct rs_store *st, const char *id, bool disabled);
    int (*user_touch_login)(struct rs_store *st, const char *id, int64_t now_ms);
    int (*user_count)(struct rs_store *st, int64_t *out);
    int (*user_list)(struct rs_store *st, rs_store_user_fn each, void *ctx);

    int (*session_create)(struct rs_store *st, const struct rs_session_record *s);
    int (*session_get)(struct rs_store *st, const uint8_t *id_hash, int64_t now_ms,
                       struct rs_session_record *out, struct rs_user_record *user);
    int (*session_delete)(struct rs_store *st, const uint8_t *id_hash);
    int (*session_delete_user)(struct rs_store *st, const char *user_id);
    int (*session_delete_others)(struct rs_store *st, const char *user_id, const uint8_t *keep);
    int (*session_purge)(struct rs_store *st, int64_t now_ms);

    int (*meeting_create)(struct rs_store *st, const struct rs_room_record *m);
    int (*meeting_update)(struct rs_store *st, const struct rs_room_record *m);
    int (*meeting_list_for_user)(struct rs_store *st, const struct rs_user_record *user,
                                 rs_store_room_fn each, void *ctx);

    int (*grant_set)(struct rs_store *st, const char *room_id, const char *user_id);
    int (*grant_unset)(struct rs_store *st, const char *room_id, const char *user_id);
    int (*grant_is_moderator)(struct rs_store *st, const char *room_id, const char *user_id);

    int (*invite_create)(struct rs_store *st, const struct rs_invite_record *inv);
    int (*invite_list)(struct rs_store *st, const char *room_id, int64_t now_ms,
                       rs_store_invite_fn each, void *ctx);
    int (*invite_revoke)(struct rs_store *st, const char *room_id, const char *invite_id,
                         int64_t now_ms);
    int (*invite_find)(struct rs_store *st, const uint8_t *token_hash, int64_t now_ms,
                       struct rs_invite_record *out);
    int (*invite_use)(struct rs_store *st, const char *invite_id);
    int (*invite_purge)(struct rs_store *st, int64_t before_ms);

    const struct rs_store_vote_ops *votes; /* members and votes (store_vote.h) */
    const struct rs_store_attendance_ops *attendance; /* store_attendance.h */
    const struct rs_store_agenda_ops *agenda;         /* agenda and session roles */
    const struct rs_store_speaking_ops *speaking;     /* store_speaking.h */
    const struct rs_store_recording_ops *recording;   /* store_recording.h */
    const struct rs_store_retention_ops *retention;   /* store_retention.h */
};

/* Called with each cluster node id a query found (rs_store_*_open_nodes); non-zero stops. */
typedef int (*rs_store_node_fn)(const char *node, void *ctx);

#define RS_STORE_NODE_MAX 63 /* bytes of a cluster node id (cluster/node.h allows fewer) */

struct rs_store {
    const struct rs_store_ops *ops;
    /* the cluster node this process is (rs_store_set_node): written into the rows that stay
     * open while a meeting runs (attendance stays, recordings being written), so that another
     * node can tell whose they are when this one is gone (docs/security.md F8). "" alone. */
    char node[RS_STORE_NODE_MAX + 1];
};

/* Opens (creating if needed) the SQLite database at `path` and runs pending migrations.
 * On success `*out` is a new store the caller owns (free with rs_store_close). */
int rs_store_open_sqlite(const char *path, struct rs_store **out);
/* Connects to the PostgreSQL database named by `conninfo` (a libpq connection URI,
 * postgresql://…, or key=value string; the database must exist) and runs pending migrations
 * (the same numbered migrations as SQLite, in PostgreSQL's dialect). Same contract as
 * rs_store_open_sqlite; -ECONNREFUSED when the server cannot be reached. (pg.c) */
int rs_store_open_pg(const char *conninfo, struct rs_store **out);
/* Opens the store `spec` names: a PostgreSQL URI (postgresql://… or postgres://…) goes to
 * rs_store_open_pg, anything else is a SQLite file path. */
int rs_store_open(const char *spec, struct rs_store **out);
/* true when `spec` names a PostgreSQL database (rs_store_open's rule). */
bool rs_store_spec_is_pg(const char *spec);

void rs_store_close(struct rs_store *st);
/* The highest migration applied. */
int rs_store_schema_version(struct rs_store *st);
/* Names this process's cluster node (NULL or "": a single server) for the rows it opens from
 * now on. A longer id is cut (cluster node ids are far shorter). */
void rs_store_set_node(struct rs_store *st, const char *node);

/* ---- rooms (anonymous rooms and meetings alike) ---- */

/* Copies the room or meeting into `out`. Returns 0, -ENOENT, or -EIO. */
int rs_store_room_get(struct rs_store *st, const char *id, struct rs_room_record *out);
/* Inserts or updates an anonymous room's title, max_participants and last_active (created_at is
 * kept if the room exists). Meeting fields are never written: a new row gets managed = false,
 * no owner, tenant "", lobby on, no password. */
int rs_store_room_put(struct rs_store *st, const struct rs_room_record *room);
int rs_store_room_touch(struct rs_store *st, const char *id, int64_t now_ms);
/* Deletes the room; its grants and invites go with it. Returns 0, -ENOENT, -EIO. */
int rs_store_room_delete(struct rs_store *st, const char *id);
int rs_store_room_count(struct rs_store *st, int64_t *out);
/* Deletes the anonymous rooms (managed = false) last active before `before_ms`; meetings are
 * never touched. Returns the number deleted (>= 0) or -EIO. */
int rs_store_room_purge_anonymous(struct rs_store *st, int64_t before_ms);

/* ---- users ---- */

const char *rs_user_role_name(enum rs_user_role role);            /* "admin", "moderator", "user" */
int rs_user_role_parse(const char *text, enum rs_user_role *out); /* 0 or -EINVAL */
const char *rs_invite_role_name(enum rs_invite_role role);        /* "guest", "participant", ... */
int rs_invite_role_parse(const char *text, enum rs_invite_role *out);
#define RS_INVITE_DEFAULT_MS (7 * 24 * 3600 * 1000LL)    /* meetings without a schedule */
#define RS_MEETING_DEFAULT_LENGTH_MS (2 * 3600 * 1000LL) /* a start without an end */
/* When a new invitation to `rec` made at `now_ms` without an explicit expiry expires: at the
 * meeting's end (its scheduled end, or its start plus RS_MEETING_DEFAULT_LENGTH_MS) plus
 * `grace_ms`; without a schedule, or when that moment is less than an hour away (a meeting long
 * over), `now_ms` plus RS_INVITE_DEFAULT_MS. */
int64_t rs_invite_default_expiry(const struct rs_room_record *rec, int64_t now_ms,
                                 int64_t grace_ms);
/* 1 if `name` is 1-64 characters of [A-Za-z0-9._@-], else 0. */
bool rs_username_valid(const char *name);

/* Creates a local account from `user` (borrowed; in/out): username (valid), password_hash,
 * display_name, email, role, tenant, created_at_ms are read; oidc_* must be "". A fresh id is
 * written into user->id. Returns 0, -EINVAL, -EEXIST (username taken), -EIO. */
int rs_store_user_create(struct rs_store *st, struct rs_user_record *user);
/* Logs in an OIDC user: finds the account by (oidc_issuer, oidc_sub) or creates it, and in both
 * cases sets display_name, email, role and tenant from `user` (claims are authoritative) and
 * last_login_ms = now_ms. On return `*user` is the stored account (id, created_at, disabled:
 * the caller must refuse a disabled one). Returns 0, -EINVAL (issuer or sub empty), -EIO. */
int rs_store_user_upsert_oidc(struct rs_store *st, struct rs_user_record *user, int64_t now_ms);
int rs_store_user_get(struct rs_store *st, const char *id, struct rs_user_record *out);
int rs_store_user_get_by_username(struct rs_store *st, const char *name,
                                  struct rs_user_record *out);
/* Sets a local account's password hash (borrowed). -ENOENT for unknown or OIDC users. */
int rs_store_user_set_password(struct rs_store *st, const char *id, const char *hash);
int rs_store_user_set_role(struct rs_store *st, const char *id, enum rs_user_role role);
/* A disabled user's sessions stop working at once (session_get skips them); the CLI also
 * deletes them. */
int rs_store_user_set_disabled(struct rs_store *st, const char *id, bool disabled);
int rs_store_user_touch_login(struct rs_store *st, const char *id, int64_t now_ms);
int rs_store_user_count(struct rs_store *st, int64_t *out);
/* Calls `each` for every user, ordered by username then id. */
int rs_store_user_list(struct rs_store *st, rs_store_user_fn each, void *ctx);

/* ---- sessions ---- */

/* Creates a session for `user_id` (borrowed) keyed by `id_hash` (RS_TOKEN_HASH_LEN bytes, the
 * SHA-256 of the cookie token): created_at = last_seen = now_ms, expires_at = now_ms + ttl_ms.
 * `id_token_hint` and `user_agent_hint` may be NULL or "". Returns 0, -EINVAL, -EEXIST,
 * -ENOENT (no such user), -EIO. */
int rs_store_session_create(struct rs_store *st, const uint8_t *id_hash, const char *user_id,
                            enum rs_login_method auth, const char *id_token_hint,
                            const char *user_agent_hint, int64_t now_ms, int64_t ttl_ms);
/* Looks up a live session (expires_at > now_ms, user not disabled) and copies it into `out`
 * and its user into `user` (either may be NULL). Sliding expiry: when last_seen is at least
 * RS_SESSION_SLIDE_MS old, last_seen becomes now_ms and expires_at moves by the same amount, so
 * the session's inactivity timeout (expires_at - last_seen, the ttl given at creation) stays
 * and the database is written at most once a minute per session. A slide the database does not
 * take (disk full, locked) is left for a later lookup: the session still counts. Returns 0,
 * -ENOENT (unknown, expired, or disabled user), -EIO. */
#define RS_SESSION_SLIDE_MS 60000
int rs_store_session_get(struct rs_store *st, const uint8_t *id_hash, int64_t now_ms,
                         struct rs_session_record *out, struct rs_user_record *user);
int rs_store_session_delete(struct rs_store *st, const uint8_t *id_hash);
/* Deletes every session of the user. Returns the number deleted (>= 0) or -EIO. */
int rs_store_session_delete_user(struct rs_store *st, const char *user_id);
/* Deletes every session of the user but the one keyed by `keep` (RS_TOKEN_HASH_LEN bytes; the
 * session that changed the password). Returns the number deleted (>= 0) or -EIO. */
int rs_store_session_delete_others(struct rs_store *st, const char *user_id, const uint8_t *keep);
/* Deletes sessions with expires_at <= now_ms. Returns the number deleted (>= 0) or -EIO. */
int rs_store_session_purge(struct rs_store *st, int64_t now_ms);

/* ---- meetings ---- */

/* Inserts `m` (borrowed; id generated by the caller) as a managed meeting with all its fields
 * (owner_id "" stores no owner). Returns 0, -EEXIST (id taken), -ENOENT (unknown owner), -EIO. */
int rs_store_meeting_create(struct rs_store *st, const struct rs_room_record *m);
/* Writes title, max_participants, schedule, lobby and the password (has_password false clears
 * it) of the managed meeting `m->id`: read it with room_get, change, write back. Owner, tenant
 * and created_at are not changed. Returns 0, -ENOENT (no such managed meeting), -EIO. */
int rs_store_meeting_update(struct rs_store *st, const struct rs_room_record *m);
/* Same as rs_store_room_delete: grants and invites cascade. */
int rs_store_meeting_delete(struct rs_store *st, const char *id);
/* Calls `each` for the managed meetings of `user`'s tenant that the user owns or holds a
 * moderator grant on; for an admin, every managed meeting of the tenant. Newest first. */
int rs_store_meeting_list_for_user(struct rs_store *st, const struct rs_user_record *user,
                                   rs_store_room_fn each, void *ctx);

/* ---- moderator grants ---- */

/* Makes the user a moderator of the meeting (idempotent). Returns 0, -ENOENT (unknown room or
 * user), -EIO. */
int rs_store_grant_set(struct rs_store *st, const char *room_id, const char *user_id);
/* Returns 0, -ENOENT (no such grant), -EIO. */
int rs_store_grant_unset(struct rs_store *st, const char *room_id, const char *user_id);
/* Returns 1 if the user holds a moderator grant on the room, 0 if not, -EIO. Ownership and the
 * admin role are not considered here: the caller has the room and user records. */
int rs_store_grant_is_moderator(struct rs_store *st, const char *room_id, const char *user_id);

/* ---- invitations ---- */

/* Inserts `inv` (borrowed): id, token_hash, room_id, role, created_by ("" = none),
 * created_at_ms, expires_at_ms; uses starts at 0. Returns 0, -EEXIST (id or token hash taken),
 * -ENOENT (unknown room or creator), -EIO. */
int rs_store_invite_create(struct rs_store *st, const struct rs_invite_record *inv);
/* Calls `each` for every invite of the room (revoked and expired ones too, flagged), oldest
 * first. */
int rs_store_invite_list(struct rs_store *st, const char *room_id, int64_t now_ms,
                         rs_store_invite_fn each, void *ctx);
/* Revokes the invite `invite_id` of room `room_id` at now_ms (a second revoke keeps the first
 * time). Returns 0, -ENOENT (unknown, or it belongs to another room), -EIO. */
int rs_store_invite_revoke(struct rs_store *st, const char *room_id, const char *invite_id,
                           int64_t now_ms);
/* Finds the invite whose token hash is `token_hash` (RS_TOKEN_HASH_LEN bytes) and copies it,
 * with `expired` and `revoked` set against now_ms: the caller decides. Returns 0, -ENOENT, -EIO. */
int rs_store_invite_find(struct rs_store *st, const uint8_t *token_hash, int64_t now_ms,
                         struct rs_invite_record *out);
/* Counts one use of the invite. Returns 0, -ENOENT, -EIO. */
int rs_store_invite_use(struct rs_store *st, const char *invite_id);
/* Deletes invites that expired, or were revoked, before `before_ms` (e.g. now - 7 days).
 * Returns the number deleted (>= 0) or -EIO. */
int rs_store_invite_purge(struct rs_store *st, int64_t before_ms);

#endif
