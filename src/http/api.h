/* SPDX-License-Identifier: EUPL-1.2 */
/* The REST API under /api/v1/ and the login endpoints under /auth/ (docs/api.md).
 * Control thread only; blocking work (IdP requests, password hashing) goes to core/jobs. */
#ifndef RS_HTTP_API_H
#define RS_HTTP_API_H

#include "auth/identity.h"
#include "core/app.h"
#include "http/request.h"
#include "store/store.h"

/* Handles one request: returns RS_HTTP_DONE with `resp` filled, or RS_HTTP_PENDING. */
int rs_api_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp);
/* Anonymous rooms (no owner, not created through the REST API) whose record nobody opened for
 * this many days are deleted by the housekeeping; a later join to the same id starts afresh. */
#define RS_ANON_ROOM_KEEP_DAYS 30

/* Periodic housekeeping, cheap when nothing is due: hourly, expired sessions, invitations
 * expired or revoked a week ago, and anonymous rooms idle for RS_ANON_ROOM_KEEP_DAYS. */
void rs_api_tick(struct rs_app *app);
/* Frees the module's state (app->api, app->login) at shutdown. */
void rs_api_shutdown(struct rs_app *app);

/* Shared by api.c and login.c. The session's user, or -ENOENT. */
int rs_api__current_user(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_user_record *user, struct rs_session_record *session);
/* Creates a session for `user` and sets the cookie on `resp`. */
int rs_api__start_session(struct rs_app *app, const struct rs_user_record *user,
                          enum rs_login_method method, const char *id_token,
                          struct rs_http_resp *resp);

/* Before a password check on the job thread (a local login: `account` NULL; a password change:
 * the signed-in account's id): the login rate per client address (and per account), and room
 * among the few checks one address (account) may have queued. Returns 1 with that room held
 * until rs_api__password_check_done(app, req->peer, account), or 0 with a 429 in `resp`
 * (counted, and logged for logins). Control thread. */
int rs_api__password_check_admit(struct rs_app *app, const struct rs_http_req *req,
                                 const char *account, struct rs_http_resp *resp);
void rs_api__password_check_done(struct rs_app *app, const char *addr, const char *account);

/* http/login.c: /auth/ routes (OIDC and local login, logout, /auth/me) */
int rs_login_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp);
void rs_login_tick(struct rs_app *app);
void rs_login_shutdown(struct rs_app *app);

#endif
