/* SPDX-License-Identifier: EUPL-1.2 */
/* REST API: the current user, meetings, moderator grants, invitations (docs/api.md).
 *
 * Every handler starts from the caller's identity (session cookie → store) and checks the
 * caller's right on the server before touching anything; a refused request changes nothing.
 * Another tenant's meeting is answered 404, not 403, so ids cannot be probed across tenants.
 *
 * CSRF: the session cookie is SameSite=Lax, and state-changing requests must carry
 * `Content-Type: application/json` (a cross-site form cannot send that without a CORS
 * preflight, which we never grant) and, when present, an Origin equal to our own host.
 *
 * Tokens (sessions, invitations) are stored only as SHA-256 hashes; the plain token exists in
 * the cookie or the invitation link alone. */
#include "http/api.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/cookie.h"
#include "auth/meeting_password.h"
#include "auth/web_session.h"
#include "auth/password.h"
#include "auth/pkce.h"
#include "core/clock.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/ratelimit.h"
#include "core/trim.h"
#include "http/agenda_api.h"
#include "http/attendance_api.h"
#include "http/cluster_events.h"
#include "http/record_api.h"
#include "http/recording_api.h"
#include "http/retention.h"
#include "http/store_error.h"
#include "http/vote_api.h"
#include "room/access.h"
#include "room/podium.h"
#include "room/room.h"
#include "signaling/message.h"
#include "signaling/session.h"

#define HOUR_MS (3600 * 1000LL)
#define INVITE_MAX_S (90 * 24 * 3600)
#define RECHECKS_PER_TICK 8 /* sessions re-checked per housekeeping tick (200 ms) */
#define TITLE_MAX_CHARS 200 /* a meeting's title, in characters (RS_ROOM_TITLE_MAX bytes) */

/* Housekeeping state, one per application (app->api). */
struct rs_api {
    int64_t next_purge_ms;
    struct rs_retention retention; /* meetings' records past their period (http/retention.c) */
    struct rs_trim trim;
    struct rs_ratelimit *public_limit; /* GET /api/v1/rooms/{id}/public per client address */
};

int rs_api__current_user(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_user_record *user, struct rs_session_record *session)
{
    struct rs_session_record tmp;
    return rs_web_session_find(app, req->cookie, session ? session : &tmp, user);
}

int rs_api__start_session(struct rs_app *app, const struct rs_user_record *user,
                          enum rs_login_method method, const char *id_token,
                          struct rs_http_resp *resp)
{
    char cookie[RS_SET_COOKIE_MAX];
    int rc = rs_web_session_start(app, user, method, id_token, cookie, sizeof(cookie));
    if (rc == 0)
        rs_http_resp_header(resp, "set-cookie:", cookie);
    return rc;
}

/* ---- request helpers ---- */

static int deny(struct rs_http_resp *resp, unsigned status, const char *code, const char *text,
                enum rs_auth_reject why)
{
    rs_metric_auth_reject(why);
    rs_http_resp_error(resp, status, code, NULL, text);
    return RS_HTTP_DONE;
}

/* CSRF rule for state-changing requests (see top of file). Returns 1 when allowed. */
static int csrf_ok(const struct rs_http_req *req)
{
    if (strncmp(req->content_type, "application/json", 16) != 0)
        return 0;
    return rs_http_same_origin(req->origin, req->host);
}

/* Parses the body as a JSON object (a new reference), or answers 400 and returns NULL. */
static json_t *body_object(const struct rs_http_req *req, struct rs_http_resp *resp)
{
    if (!req->body || req->body_len == 0)
        return json_object();
    if (rs_json_depth(req->body, req->body_len, RS_MSG_MAX_DEPTH) > RS_MSG_MAX_DEPTH) {
        rs_http_resp_error(resp, 400, "invalid_request", NULL, "JSON nested too deeply");
        return NULL;
    }
    json_error_t e;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        rs_http_resp_error(resp, 400, "invalid_request", NULL, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* Path segments after a prefix: "/api/v1/meetings/ID/invites/IID" → parts. */
static size_t split_path(const char *path, char parts[6][80])
{
    size_t n = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    while (*p && n < 6) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= 80)
            len = 79;
        memcpy(parts[n], p, len);
        parts[n][len] = 0;
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

/* ---- meetings ---- */

struct meeting_access {
    struct rs_room_record room;
    int is_moderator; /* owner, granted, admin of the tenant */
    int is_owner_or_admin;
};

static int meeting_load(struct rs_app *app, const struct rs_user_record *u, const char *id,
                        struct meeting_access *ma, struct rs_http_resp *resp)
{
    memset(ma, 0, sizeof(*ma));
    if (!rs_room_id_valid(id) || rs_store_room_get(app->store, id, &ma->room) ||
        !ma->room.managed) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no such meeting");
        return -ENOENT;
    }
    struct rs_identity who;
    rs_identity_from_user(u, RS_LOGIN_LOCAL, &who);
    enum rs_access a = rs_access_meeting(app->store, &who, &ma->room);
    if (a == RS_ACCESS_NONE) {
        /* the same answer as for a missing meeting, so ids cannot be probed; counted */
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        rs_http_resp_error(resp, 404, "not_found", NULL, "no such meeting");
        return -ENOENT;
    }
    ma->is_owner_or_admin = a == RS_ACCESS_OWNER;
    ma->is_moderator = a >= RS_ACCESS_MODERATOR;
    return 0;
}

static json_t *meeting_json(const struct rs_room_record *r, const char *my_role)
{
    char url[96];
    snprintf(url, sizeof(url), "/r/%s", r->id);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:s}", "id", r->id, "title",
                          r->title, "owner", r->owner_id, "tenant", r->tenant, "lobby", r->lobby,
                          "has_password", r->has_password, "created_at",
                          (json_int_t)r->created_at_ms, "url", url);
    if (!j)
        return NULL;
    json_object_set_new(j, "scheduled_start",
                        r->scheduled_start_ms ? json_integer(r->scheduled_start_ms) : json_null());
    json_object_set_new(j, "scheduled_end",
                        r->scheduled_end_ms ? json_integer(r->scheduled_end_ms) : json_null());
    if (my_role)
        json_object_set_new(j, "my_role", json_string(my_role));
    return j;
}

/* Applies create/update fields from `body` to `r`. Returns 0 or answers 400. */
static int meeting_fields(const json_t *body, struct rs_room_record *r, int creating,
                          struct rs_http_resp *resp)
{
    json_t *v;
    if ((v = json_object_get(body, "title")) || creating) {
        /* the signaling text rule (room/dispatch.c): trimmed, no control, bidi or separator
         * characters, not only invisible ones, at most TITLE_MAX_CHARS characters */
        char title[RS_ROOM_TITLE_MAX + 1];
        const char *t;
        struct rs_msg_error err;
        if (rs_text_field(v, "title", true, TITLE_MAX_CHARS, false, title, sizeof(title), &t,
                          &err)) {
            rs_http_resp_error(resp, 400, "invalid_request", "title", err.text);
            return -EINVAL;
        }
        snprintf(r->title, sizeof(r->title), "%s", t);
    }
    static const char *const times[] = {"scheduled_start", "scheduled_end"};
    int64_t *dst[] = {&r->scheduled_start_ms, &r->scheduled_end_ms};
    for (int i = 0; i < 2; i++) {
        v = json_object_get(body, times[i]);
        if (!v)
            continue;
        if (json_is_null(v)) {
            *dst[i] = 0;
        } else if (json_is_integer(v) && json_integer_value(v) > 0 &&
                   json_integer_value(v) < 32503680000000LL) {
            *dst[i] = json_integer_value(v);
        } else {
            rs_http_resp_error(resp, 400, "invalid_request", times[i],
                               "expected milliseconds since 1970, or null");
            return -EINVAL;
        }
    }
    if (r->scheduled_start_ms && r->scheduled_end_ms &&
        r->scheduled_end_ms <= r->scheduled_start_ms) {
        rs_http_resp_error(resp, 400, "invalid_request", "scheduled_end",
                           "the end must be after the start");
        return -EINVAL;
    }
    if ((v = json_object_get(body, "lobby"))) {
        if (!json_is_boolean(v)) {
            rs_http_resp_error(resp, 400, "invalid_request", "lobby", "lobby must be true or false");
            return -EINVAL;
        }
        r->lobby = json_is_true(v);
    }
    if ((v = json_object_get(body, "password"))) {
        if (json_is_null(v)) {
            r->has_password = false;
            r->password_hash[0] = 0;
        } else {
            const char *pw = json_is_string(v) ? json_string_value(v) : NULL;
            size_t len = pw ? strlen(pw) : 0;
            if (!pw || len < 4 || len > 64) {
                rs_http_resp_error(resp, 400, "invalid_request", "password",
                                   "password must be 4 to 64 characters, or null");
                return -EINVAL;
            }
            if (rs_meeting_password_hash(pw, r->password_hash, sizeof(r->password_hash))) {
                rs_http_resp_error(resp, 500, "internal", NULL, "could not store the password");
                return -EIO;
            }
            r->has_password = true;
        }
    }
    return 0;
}

static int new_room_id(char *out, size_t cap)
{
    /* 16 random bytes as 22 base64url characters: the client's own room id format */
    return rs_auth_new_token(out, cap) == 0 && strlen(out) >= 22 ? (out[22] = 0, 0) : -EIO;
}

struct list_ctx {
    json_t *arr;
    const struct rs_user_record *u;
    struct rs_store *store;
};

/* Listed meetings are the ones the user owns, moderates by grant, or (admin) oversees. */
static int list_each(const struct rs_room_record *r, void *arg)
{
    struct list_ctx *ctx = arg;
    json_array_append_new(ctx->arr, meeting_json(r, "moderator"));
    return 0;
}

static int invite_each(const struct rs_invite_record *inv, void *arg);

/* Disconnects everyone in a room that is being deleted. */
static void close_room_sessions(struct rs_app *app, const char *id)
{
    struct rs_room *room = rs_rooms_find(app->rooms, id);
    if (room)
        rs_room_close_all(room);
    else
        rs_cluster_room_changed(app, id, "meeting/deleted", NULL); /* served by another node */
}

static int handle_meetings(struct rs_app *app, const struct rs_http_req *req,
                           struct rs_http_resp *resp, char parts[6][80], size_t n)
{
    struct rs_user_record u;
    if (rs_api__current_user(app, req, &u, NULL))
        return deny(resp, 401, "unauthorized", "sign in first", RS_AUTH_UNAUTHORIZED);
    int64_t now = rs_wall_ms();

    if (n == 3) { /* /api/v1/meetings */
        if (req->method == RS_HTTP_GET) {
            struct list_ctx ctx = {json_array(), &u, app->store};
            rs_store_meeting_list_for_user(app->store, &u, list_each, &ctx);
            rs_http_resp_json(resp, 200, json_pack("{s:o}", "meetings", ctx.arr));
            return RS_HTTP_DONE;
        }
        if (req->method != RS_HTTP_POST)
            goto bad_method;
        json_t *body = body_object(req, resp);
        if (!body)
            return RS_HTTP_DONE;
        struct rs_room_record r;
        memset(&r, 0, sizeof(r));
        r.lobby = true;
        int rc = meeting_fields(body, &r, 1, resp);
        json_decref(body);
        if (rc)
            return RS_HTTP_DONE;
        snprintf(r.owner_id, sizeof(r.owner_id), "%s", u.id);
        snprintf(r.tenant, sizeof(r.tenant), "%s", u.tenant);
        r.managed = true;
        r.created_at_ms = r.last_active_ms = now;
        for (int tries = 0; tries < 3; tries++) {
            if (new_room_id(r.id, sizeof(r.id)))
                break;
            rc = rs_store_meeting_create(app->store, &r);
            if (rc != -EEXIST)
                break;
        }
        if (rc) {
            rs_http_resp_store_error(resp, "the meeting could not be stored");
            return RS_HTTP_DONE;
        }
        RS_INFO("api", "event=meeting_created room=%s user=%s", r.id, u.id);
        rs_http_resp_json(resp, 201, meeting_json(&r, "moderator"));
        return RS_HTTP_DONE;
    }

    struct meeting_access ma;
    if (meeting_load(app, &u, parts[3], &ma, resp))
        return RS_HTTP_DONE;
    const char *rest = req->path; /* after "/api/v1/meetings/{id}/" */
    for (int seg = 0; seg < 4 && rest; seg++) {
        while (*rest == '/')
            rest++;
        rest = strchr(rest, '/');
    }
    if (rest && rs_vote_api_route(rest + 1)) /* members and votes: http/vote_api.c */
        return rs_vote_api_handle(app, req, resp, &ma.room, ma.is_moderator, rest + 1);
    if (rest && rs_attendance_api_route(rest + 1)) /* http/attendance_api.c */
        return rs_attendance_api_handle(app, req, resp, &ma.room, ma.is_moderator, rest + 1);
    if (rest && rs_agenda_api_route(rest + 1)) /* http/agenda_api.c */
        return rs_agenda_api_handle(app, req, resp, &ma.room, ma.is_moderator);
    if (rest && rs_record_api_route(rest + 1)) /* the meeting's record: http/record_api.c */
        return rs_record_api_handle(app, req, resp, &ma.room, ma.is_moderator, rest + 1);
    if (rest && rs_recording_api_route(rest + 1)) /* recordings: http/recording_api.c */
        return rs_recording_api_handle(app, req, resp, &ma.room, ma.is_moderator, &u, rest + 1);

    if (n == 4) { /* /api/v1/meetings/{id} */
        if (req->method == RS_HTTP_GET) {
            rs_http_resp_json(resp, 200,
                              meeting_json(&ma.room, ma.is_moderator ? "moderator" : "participant"));
            return RS_HTTP_DONE;
        }
        if (req->method == RS_HTTP_PATCH) {
            if (!ma.is_moderator)
                return deny(resp, 403, "forbidden", "only the meeting's moderators may change it",
                            RS_AUTH_FORBIDDEN);
            json_t *body = body_object(req, resp);
            if (!body)
                return RS_HTTP_DONE;
            struct rs_room_record r = ma.room;
            int rc = meeting_fields(body, &r, 0, resp);
            json_decref(body);
            if (rc)
                return RS_HTTP_DONE;
            if (rs_store_meeting_update(app->store, &r)) {
                rs_http_resp_store_error(resp, "the meeting could not be stored");
                return RS_HTTP_DONE;
            }
            rs_room_settings_changed(app, &r);
            rs_cluster_room_changed(app, r.id, "meeting/changed", NULL);
            rs_http_resp_json(resp, 200, meeting_json(&r, "moderator"));
            return RS_HTTP_DONE;
        }
        if (req->method == RS_HTTP_DELETE) {
            if (!ma.is_owner_or_admin)
                return deny(resp, 403, "forbidden", "only the owner or an admin may delete it",
                            RS_AUTH_FORBIDDEN);
            close_room_sessions(app, ma.room.id);
            rs_recordings_remove_meeting_files(app, ma.room.id); /* the rows go in the store */
            if (rs_store_meeting_delete(app->store, ma.room.id)) {
                rs_http_resp_store_error(resp, "the meeting could not be deleted");
                return RS_HTTP_DONE;
            }
            RS_INFO("api", "event=meeting_deleted room=%s user=%s", ma.room.id, u.id);
            resp->status = 204;
            return RS_HTTP_DONE;
        }
        goto bad_method;
    }

    if (n == 6 && strcmp(parts[4], "moderators") == 0) {
        if (req->method != RS_HTTP_PUT && req->method != RS_HTTP_DELETE)
            goto bad_method;
        if (!ma.is_owner_or_admin)
            return deny(resp, 403, "forbidden", "only the owner or an admin may grant moderation",
                        RS_AUTH_FORBIDDEN);
        struct rs_user_record target;
        if (rs_store_user_get(app->store, parts[5], &target) ||
            strcmp(target.tenant, u.tenant) != 0) {
            rs_http_resp_error(resp, 404, "not_found", NULL, "no such user");
            return RS_HTTP_DONE;
        }
        int rc = req->method == RS_HTTP_PUT
                     ? rs_store_grant_set(app->store, ma.room.id, target.id)
                     : rs_store_grant_unset(app->store, ma.room.id, target.id);
        if (rc && !(rc == -ENOENT && req->method == RS_HTTP_DELETE)) {
            rs_http_resp_store_error(resp, "the grant could not be stored");
            return RS_HTTP_DONE;
        }
        RS_INFO("api", "event=grant_%s room=%s target=%s user=%s",
                req->method == RS_HTTP_PUT ? "set" : "unset", ma.room.id, target.id, u.id);
        rs_session_recheck_user(app, target.id); /* the live room follows at once */
        rs_cluster_room_changed(app, ma.room.id, "access/changed", target.id); /* or its node */
        resp->status = 204;
        return RS_HTTP_DONE;
    }

    if ((n == 5 || n == 6) && strcmp(parts[4], "invites") == 0) {
        if (!ma.is_moderator)
            return deny(resp, 403, "forbidden", "only the meeting's moderators manage invitations",
                        RS_AUTH_FORBIDDEN);
        if (n == 6) {
            if (req->method != RS_HTTP_DELETE)
                goto bad_method;
            if (rs_store_invite_revoke(app->store, ma.room.id, parts[5], now)) {
                rs_http_resp_error(resp, 404, "not_found", NULL, "no such invitation");
                return RS_HTTP_DONE;
            }
            RS_INFO("api", "event=invite_revoked room=%s invite=%s user=%s", ma.room.id,
                    parts[5], u.id);
            resp->status = 204;
            return RS_HTTP_DONE;
        }
        if (req->method == RS_HTTP_GET) {
            json_t *arr = json_array();
            rs_store_invite_list(app->store, ma.room.id, now, invite_each, arr);
            rs_http_resp_json(resp, 200, json_pack("{s:o}", "invites", arr));
            return RS_HTTP_DONE;
        }
        if (req->method != RS_HTTP_POST)
            goto bad_method;
        json_t *body = body_object(req, resp);
        if (!body)
            return RS_HTTP_DONE;
        struct rs_invite_record inv;
        memset(&inv, 0, sizeof(inv));
        json_t *role = json_object_get(body, "role");
        json_t *exp = json_object_get(body, "expires_in_s");
        json_t *exp_at = json_object_get(body, "expires_at");
        /* no explicit expiry: the meeting's schedule decides (rs_invite_default_expiry) */
        int64_t expires_at =
            rs_invite_default_expiry(&ma.room, now, (int64_t)app->cfg.invite_grace_h * HOUR_MS);
        int bad_role = !role || !json_is_string(role) ||
                       rs_invite_role_parse(json_string_value(role), &inv.role);
        int bad_exp = exp && (!json_is_integer(exp) || json_integer_value(exp) < 60 ||
                              json_integer_value(exp) > INVITE_MAX_S);
        /* an explicit moment wins too, but not one in the past (or within the next minute) */
        int bad_at = exp_at && (exp || !json_is_integer(exp_at) ||
                                json_integer_value(exp_at) < now + 60 * 1000LL ||
                                json_integer_value(exp_at) > now + INVITE_MAX_S * 1000LL);
        if (exp && !bad_exp)
            expires_at = now + json_integer_value(exp) * 1000LL;
        if (exp_at && !bad_at)
            expires_at = json_integer_value(exp_at);
        json_decref(body);
        if (bad_role || bad_exp || bad_at) {
            rs_http_resp_error(resp, 400, "invalid_request",
                               bad_role  ? "role"
                               : bad_exp ? "expires_in_s"
                                         : "expires_at",
                               bad_role  ? "role must be guest, participant, moderator or audience"
                               : bad_exp ? "expires_in_s must be 60 to 7776000"
                                         : "expires_at must be a time (ms) from one minute to "
                                           "90 days ahead, without expires_in_s");
            return RS_HTTP_DONE;
        }
        char token[64], id[64];
        if (rs_auth_new_token(token, sizeof(token)) || rs_auth_new_token(id, sizeof(id))) {
            rs_http_resp_error(resp, 500, "internal", NULL, "no randomness");
            return RS_HTTP_DONE;
        }
        id[12] = 0;
        snprintf(inv.id, sizeof(inv.id), "i%.12s", id);
        rs_auth_token_hash(token, inv.token_hash);
        snprintf(inv.room_id, sizeof(inv.room_id), "%s", ma.room.id);
        snprintf(inv.created_by, sizeof(inv.created_by), "%s", u.id);
        inv.created_at_ms = now;
        inv.expires_at_ms = expires_at;
        if (rs_store_invite_create(app->store, &inv)) {
            rs_http_resp_store_error(resp, "the invitation could not be stored");
            return RS_HTTP_DONE;
        }
        char url[200];
        snprintf(url, sizeof(url), "/r/%s?invite=%s", ma.room.id, token);
        RS_INFO("api", "event=invite_created room=%s invite=%s role=%s user=%s", ma.room.id,
                inv.id, rs_invite_role_name(inv.role), u.id);
        rs_http_resp_json(resp, 201,
                          json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", inv.id, "role",
                                    rs_invite_role_name(inv.role), "expires_at",
                                    (json_int_t)inv.expires_at_ms, "token", token, "url", url));
        return RS_HTTP_DONE;
    }
    rs_http_resp_error(resp, 404, "not_found", NULL, "no such resource");
    return RS_HTTP_DONE;
bad_method:
    rs_http_resp_error(resp, 405, "method_not_allowed", NULL, "method not allowed here");
    return RS_HTTP_DONE;
}

static int invite_each(const struct rs_invite_record *inv, void *arg)
{
    json_array_append_new(
        (json_t *)arg,
        json_pack("{s:s, s:s, s:I, s:I, s:b, s:b, s:I}", "id", inv->id, "role",
                  rs_invite_role_name(inv->role), "expires_at", (json_int_t)inv->expires_at_ms,
                  "created_at", (json_int_t)inv->created_at_ms, "revoked", inv->revoked,
                  "expired", inv->expired, "uses", (json_int_t)inv->uses));
    return 0;
}

/* ---- current user ---- */

struct password_job {
    struct rs_app *app;
    struct rs_http_reply reply;
    char addr[RS_ADDR_TEXT_MAX];
    char user_id[RS_USER_ID_MAX + 1];
    uint8_t session_hash[RS_TOKEN_HASH_LEN]; /* the session that asked: it stays */
    char stored[RS_STORE_HASH_MAX + 1];
    char current[RS_PASSWORD_MAX_BYTES + 1];
    char next[RS_PASSWORD_MAX_BYTES + 1];
    char new_hash[RS_PASSWORD_ENCODED_MAX];
    int verify_rc, hash_rc;
};

static void password_run(void *arg)
{
    struct password_job *j = arg;
    j->verify_rc = rs_password_verify(j->stored, j->current);
    if (j->verify_rc == 0)
        j->hash_rc = rs_password_hash(j->next, j->new_hash, sizeof(j->new_hash));
}

static void password_done(void *arg)
{
    struct password_job *j = arg;
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    rs_api__password_check_done(j->app, j->addr, j->user_id);
    if (j->verify_rc) {
        rs_metric_auth_reject(RS_AUTH_INVALID_CREDENTIALS);
        RS_INFO("api", "event=password_change_failed addr=%s user=%s reason=invalid_credentials",
                j->addr, j->user_id);
        rs_http_resp_error(&resp, 401, "invalid_credentials", "current",
                           "the current password is wrong");
    } else if (j->hash_rc ||
               rs_store_user_set_password(j->app->store, j->user_id, j->new_hash)) {
        rs_http_resp_error(&resp, 500, "internal", NULL, "the password could not be changed");
    } else {
        /* whoever held another session of this account (a stolen cookie, a forgotten
         * computer) is out, and so are its WebSockets */
        int ended = rs_store_session_delete_others(j->app->store, j->user_id, j->session_hash);
        RS_INFO("api", "event=password_changed user=%s sessions_ended=%d", j->user_id, ended);
        rs_session_recheck_user(j->app, j->user_id);
        resp.status = 204;
    }
    rs_http_finish(j->reply, &resp);
    memset(j, 0, sizeof(*j)); /* passwords */
    free(j);
}

static int handle_me(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                     size_t n, char parts[6][80])
{
    struct rs_user_record u;
    struct rs_session_record session;
    if (rs_api__current_user(app, req, &u, &session))
        return deny(resp, 401, "unauthorized", "not signed in", RS_AUTH_UNAUTHORIZED);
    if (n == 3) {
        if (req->method != RS_HTTP_GET) {
            rs_http_resp_error(resp, 405, "method_not_allowed", NULL, "method not allowed here");
            return RS_HTTP_DONE;
        }
        rs_http_resp_json(resp, 200, json_pack("{s:o}", "user", rs_user_json(&u)));
        return RS_HTTP_DONE;
    }
    if (n == 4 && strcmp(parts[3], "password") == 0 && req->method == RS_HTTP_POST) {
        if (u.oidc_issuer[0] || !u.password_hash[0]) {
            rs_http_resp_error(resp, 400, "invalid_request", NULL,
                               "this account signs in through the organisation's login");
            return RS_HTTP_DONE;
        }
        json_t *body = body_object(req, resp);
        if (!body)
            return RS_HTTP_DONE;
        json_t *cur = json_object_get(body, "current"), *nxt = json_object_get(body, "new");
        if (!json_is_string(cur) || !json_is_string(nxt)) {
            json_decref(body);
            rs_http_resp_error(resp, 400, "invalid_request", "new",
                               "current and new must be strings");
            return RS_HTTP_DONE;
        }
        if (rs_password_check_policy(json_string_value(nxt))) {
            json_decref(body);
            rs_http_resp_error(resp, 400, "weak_password", "new",
                               "the new password needs at least 12 characters");
            return RS_HTTP_DONE;
        }
        if (!rs_api__password_check_admit(app, req, u.id, resp)) {
            json_decref(body);
            return RS_HTTP_DONE;
        }
        struct password_job *j = calloc(1, sizeof(*j));
        if (!j) {
            json_decref(body);
            rs_api__password_check_done(app, req->peer, u.id);
            return RS_HTTP_DONE;
        }
        j->app = app;
        j->reply = rs_http_reply_to(req);
        snprintf(j->addr, sizeof(j->addr), "%s", req->peer);
        snprintf(j->user_id, sizeof(j->user_id), "%s", u.id);
        memcpy(j->session_hash, session.id_hash, sizeof(j->session_hash));
        snprintf(j->stored, sizeof(j->stored), "%s", u.password_hash);
        snprintf(j->current, sizeof(j->current), "%s", json_string_value(cur));
        snprintf(j->next, sizeof(j->next), "%s", json_string_value(nxt));
        json_decref(body);
        if (rs_jobs_submit(password_run, password_done, j)) {
            free(j);
            rs_api__password_check_done(app, req->peer, u.id);
            rs_http_resp_error(resp, 503, "busy", NULL, "try again in a moment");
            return RS_HTTP_DONE;
        }
        return RS_HTTP_PENDING;
    }
    rs_http_resp_error(resp, 404, "not_found", NULL, "no such resource");
    return RS_HTTP_DONE;
}

/* GET /api/v1/site: what every page shows in its footer, without signing in. */
static int site_info(struct rs_app *app, struct rs_http_resp *resp)
{
    const struct rs_config *cfg = &app->cfg;
    rs_http_resp_json(
        resp, 200,
        json_pack("{s:s, s:o, s:o}", "version", RS_VERSION, "imprint_url",
                  cfg->imprint_url[0] ? json_string(cfg->imprint_url) : json_null(), "privacy_url",
                  cfg->privacy_url[0] ? json_string(cfg->privacy_url) : json_null()));
    return RS_HTTP_DONE;
}

/* Whether the caller may see a managed meeting's title before joining: one who could join
 * it without a guess, i.e. a signed-in member of its tenant, or the holder of a valid
 * invitation to it (`invite` from the page's link). `*moderator` tells whether the
 * password would be skipped for them. */
static bool may_preview(struct rs_app *app, const struct rs_http_req *req,
                        const struct rs_room_record *rec, const char *invite, bool *moderator,
                        bool *audience)
{
    *moderator = false;
    *audience = false;
    bool allowed = false;
    struct rs_identity who;
    rs_web_session_identify(app, req->cookie, &who);
    if (who.logged_in) {
        enum rs_access a = rs_access_meeting(app->store, &who, rec);
        allowed = a != RS_ACCESS_NONE;
        *moderator = a >= RS_ACCESS_MODERATOR;
    }
    if (invite[0]) {
        uint8_t hash[32];
        struct rs_invite_record inv;
        rs_auth_token_hash(invite, hash);
        if (rs_store_invite_find(app->store, hash, rs_wall_ms(), &inv) == 0 && !inv.expired &&
            !inv.revoked && strcmp(inv.room_id, rec->id) == 0) {
            allowed = true;
            /* as room/access.c decides at the join: an account that moderates comes in as that */
            *audience = inv.role == RS_INVITE_AUDIENCE && !*moderator;
            *moderator |= inv.role == RS_INVITE_MODERATOR;
        } else {
            rs_metric_auth_reject(RS_AUTH_INVALID_INVITE);
        }
    }
    return allowed;
}

/* GET /api/v1/rooms/{id}/public[?invite=TOKEN]: what the pre-join screen shows before the
 * join (docs/api.md). An unknown room, and a meeting the caller may not see, get the same
 * answer as a meeting without title, password or lobby, so the answer tells an outsider
 * nothing that a join attempt would not; the lookups are limited per client address like
 * joins. */
static int room_public(struct rs_app *app, const struct rs_http_req *req,
                       struct rs_http_resp *resp, const char *id)
{
    struct rs_api *st = app->api;
    if (!st && !(st = app->api = calloc(1, sizeof(*app->api)))) {
        rs_http_resp_error(resp, 503, "busy", NULL, "out of memory; try again in a moment");
        return RS_HTTP_DONE;
    }
    if (!st->public_limit)
        st->public_limit = rs_ratelimit_new(app->cfg.join_rate_per_min);
    if (!st->public_limit || !rs_ratelimit_take(st->public_limit, req->peer, rs_wall_ms())) {
        rs_http_resp_header(resp, "retry-after:", "60");
        return deny(resp, 429, "rate_limited", "too many look-ups from this address; wait a minute",
                    RS_AUTH_RATE_LIMITED);
    }
    if (!rs_room_id_valid(id)) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no such resource");
        return RS_HTTP_DONE;
    }
    char invite[128] = "";
    /* no connection (the API fuzz target): no query arguments */
    if (!req->transport || rs_http_req_arg(req, "invite", invite, sizeof(invite)) < 0)
        invite[0] = 0;
    struct rs_room_record rec;
    memset(&rec, 0, sizeof(rec));
    struct rs_room *live = rs_rooms_find(app->rooms, id);
    bool found = live ? (rec = live->rec, true) : rs_store_room_get(app->store, id, &rec) == 0;
    const char *title = NULL;
    bool needs_password = false, lobby = false, moderator = false, audience = false;
    bool seen = false;
    if (found && rec.managed) {
        if ((seen = may_preview(app, req, &rec, invite, &moderator, &audience))) {
            title = rec.title;
            needs_password = rec.has_password && !moderator;
            lobby = rec.lobby;
        }
    } else if (found && rs_config_anonymous(&app->cfg)) {
        seen = true;
        title = rec.title; /* an ad-hoc room: everyone with its link may join and see it */
    }
    /* receive_only: the join will make the caller an audience member (an audience invitation,
     * or podium mode running and the caller not a moderator), so the pre-join screen asks for
     * no camera or microphone (room/podium.h). Only for a caller who may see the meeting. */
    bool receive_only = seen && !moderator && (audience || (live && rs_podium_on(live)));
    rs_http_resp_json(resp, 200,
                      json_pack("{s:o, s:b, s:b, s:b}", "title",
                                title && *title ? json_string(title) : json_null(),
                                "needs_password", needs_password, "lobby", lobby,
                                "receive_only", receive_only));
    return RS_HTTP_DONE;
}

int rs_api_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp)
{
    if (!app->store) {
        rs_http_resp_error(resp, 503, "unavailable", NULL, "no database");
        return RS_HTTP_DONE;
    }
    int read_only = req->method == RS_HTTP_GET || req->method == RS_HTTP_HEAD;
    if (!read_only && !csrf_ok(req))
        return deny(resp, 403, "csrf",
                    "state-changing requests need Content-Type: application/json from this site",
                    RS_AUTH_CSRF);
    if (strncmp(req->path, "/auth/", 6) == 0 || strcmp(req->path, "/api/v1/auth") == 0)
        return rs_login_handle(app, req, resp);
    if (strcmp(req->path, "/api/v1/site") == 0 && read_only)
        return site_info(app, resp);
    char parts[6][80];
    memset(parts, 0, sizeof(parts));
    size_t n = split_path(req->path, parts);
    if (n >= 3 && strcmp(parts[0], "api") == 0 && strcmp(parts[1], "v1") == 0) {
        if (strcmp(parts[2], "meetings") == 0)
            return handle_meetings(app, req, resp, parts, n);
        if (strcmp(parts[2], "me") == 0)
            return handle_me(app, req, resp, n, parts);
        if (strcmp(parts[2], "rooms") == 0 && n == 5 && strcmp(parts[4], "public") == 0) {
            if (!read_only) {
                rs_http_resp_header(resp, "allow:", "GET, HEAD");
                rs_http_resp_error(resp, 405, "method_not_allowed", NULL, "GET only");
                return RS_HTTP_DONE;
            }
            return room_public(app, req, resp, parts[3]);
        }
    }
    rs_http_resp_error(resp, 404, "not_found", NULL, "no such endpoint");
    return RS_HTTP_DONE;
}

void rs_api_tick(struct rs_app *app)
{
    int64_t now = rs_wall_ms();
    if (!app->api && !(app->api = calloc(1, sizeof(*app->api))))
        return;
    struct rs_api *st = app->api;
    rs_login_tick(app);
    /* hand memory freed by departed participants back to the system (glibc keeps freed heap
     * pages otherwise), but only after someone joined or left: see core/trim.h */
    uint64_t sig = rs_metric_get(RS_M_JOINS_TOTAL) ^ (rs_metric_get(RS_M_PARTICIPANTS) << 40);
    if (rs_trim_due(&st->trim, now, sig))
        malloc_trim(0);
    /* logins changed by another process (`ratsaal user disable`) reach the rooms within
     * RS_IDENTITY_RECHECK_MS; a few per tick so that the store is never hit in a burst */
    if (app->store)
        rs_session_recheck_due(app, now, RECHECKS_PER_TICK);
    rs_retention_tick(app, &st->retention, now); /* its own schedule: hourly, batch by batch */
    if (!app->store || now < st->next_purge_ms)
        return;
    st->next_purge_ms = now + HOUR_MS;
    int n = rs_store_session_purge(app->store, now);
    if (n > 0) {
        rs_metric_add(RS_M_SESSIONS_PURGED, (uint64_t)n);
        RS_INFO("api", "event=sessions_purged count=%d", n);
    }
    int m = rs_store_invite_purge(app->store, now - 7 * 24 * HOUR_MS);
    if (m > 0)
        RS_INFO("api", "event=invites_purged count=%d", m);
    int r = rs_store_room_purge_anonymous(app->store, now - RS_ANON_ROOM_KEEP_DAYS * 24 * HOUR_MS);
    if (r > 0)
        RS_INFO("api", "event=anonymous_rooms_purged count=%d", r);
    rs_recording_retention(app, now); /* expired recordings (http/recording_api.c) */
}

void rs_api_shutdown(struct rs_app *app)
{
    rs_login_shutdown(app);
    if (app->api)
        rs_ratelimit_free(app->api->public_limit);
    free(app->api);
    app->api = NULL;
}
