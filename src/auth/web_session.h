/* SPDX-License-Identifier: EUPL-1.2 */
/* Login sessions of the web client: the session cookie's rules and the token behind it.
 *
 * A login creates a random token; the browser holds it in an HttpOnly, SameSite=Lax cookie,
 * the store holds only its SHA-256 (so a copy of the database opens no session). The cookie is
 * Secure and named with the __Host- prefix when the public URL is https (or, without one,
 * when the server itself serves TLS). Every layer that
 * needs to know who is calling (REST, the signaling WebSocket, login and logout) goes through
 * here, so these rules are written once. Control thread (the store is). */
#ifndef RS_AUTH_WEB_SESSION_H
#define RS_AUTH_WEB_SESSION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/identity.h"
#include "core/app.h"
#include "store/store.h"

#define RS_SET_COOKIE_MAX 512

/* SHA-256 of a token (session, invitation) as stored. `token` is borrowed, NUL-terminated. */
void rs_auth_token_hash(const char *token, uint8_t out[32]);

/* Whether cookies are marked Secure: the public URL is https, or it is unset and the server
 * itself serves TLS (tls_cert). */
int rs_web_session_secure(const struct rs_config *cfg);
/* The cookie's name: "__Host-ratsaal_session" when secure, else "ratsaal_session". Static. */
const char *rs_web_session_cookie_name(const struct rs_config *cfg);

/* Finds the live session named by the Cookie header `cookie` (borrowed, may be NULL) and its
 * user. Returns 0, or -ENOENT when there is no valid session (no store, no cookie, unknown or
 * expired token). */
int rs_web_session_find(struct rs_app *app, const char *cookie, struct rs_session_record *session,
                        struct rs_user_record *user);
/* The identity behind the Cookie header: a signed-in user (with the session's hash), or
 * logged_in = 0. */
void rs_web_session_identify(struct rs_app *app, const char *cookie, struct rs_identity *ident);
/* Re-reads the login session a signed-in `ident` came from and refreshes `ident` from the
 * account (role, tenant, names may have changed). When the session is gone (logout, expiry, a
 * password change, `ratsaal user passwd`) or the account disabled, `ident` becomes a guest.
 * Returns 0 (still signed in, or a guest to begin with), -ENOENT (the session ended: `ident`
 * is now a guest), or -EIO (the store could not answer: `ident` unchanged). */
int rs_web_session_recheck(struct rs_app *app, struct rs_identity *ident);
/* Fills `ident` from a user record and how they logged in. */
void rs_identity_from_user(const struct rs_user_record *user, enum rs_login_method method,
                           struct rs_identity *ident);

/* Starts a session for `user`: stores the token's hash (session_hours from now) and writes the
 * Set-Cookie value into `set_cookie` (RS_SET_COOKIE_MAX bytes). `id_token` may be NULL. */
int rs_web_session_start(struct rs_app *app, const struct rs_user_record *user,
                         enum rs_login_method method, const char *id_token, char *set_cookie,
                         size_t cap);
/* The Set-Cookie value that deletes the cookie. */
int rs_web_session_clear_cookie(const struct rs_config *cfg, char *set_cookie, size_t cap);

/* The user as the REST API and the login answer show it. Returns a new reference. */
json_t *rs_user_json(const struct rs_user_record *u);

#endif
