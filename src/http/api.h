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
/* Fills `ident` from a Cookie header (logged_in = 0 when there is no live session). */
void rs_api_identify(struct rs_app *app, const char *cookie, struct rs_identity *ident);
/* Periodic housekeeping (purges); cheap when nothing is due. */
void rs_api_tick(struct rs_app *app);
/* Frees module state at shutdown. */
void rs_api_shutdown(void);

/* Shared with auth/login.c */
const char *rs_api__cookie_name(const struct rs_app *app);
int rs_api__secure(const struct rs_app *app);
/* The session's user, or -ENOENT. */
int rs_api__current_user(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_user_record *user, struct rs_session_record *session);
/* Creates a session for `user` and sets the cookie on `resp`. */
int rs_api__start_session(struct rs_app *app, const struct rs_user_record *user,
                          enum rs_login_method method, const char *id_token,
                          struct rs_http_resp *resp);
void rs_api__token_hash(const char *token, uint8_t out[32]);
json_t *rs_api__user_json(const struct rs_user_record *u);

/* Meeting passwords: 0 when `pw` matches the stored `encoded` hash, -EACCES, -EINVAL. */
int rs_meeting_password_verify(const char *encoded, const char *pw);

/* auth/login.c */
int rs_login_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp);
void rs_login_tick(struct rs_app *app);
void rs_login_shutdown(void);

#endif
