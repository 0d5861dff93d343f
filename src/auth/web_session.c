/* SPDX-License-Identifier: EUPL-1.2 */
/* Login sessions of the web client (see web_session.h). */
#include "auth/web_session.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "auth/cookie.h"
#include "auth/pkce.h"
#include "core/clock.h"
#include "core/metrics.h"

#define HOUR_MS (3600 * 1000LL)

void rs_auth_token_hash(const char *token, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(token, strlen(token), out, &n, EVP_sha256(), NULL);
}

int rs_web_session_secure(const struct rs_config *cfg)
{
    /* with TLS in the server and no public_url, people reach us over https (an http://
     * public_url together with tls_cert is refused by rs_config_validate) */
    return strncmp(cfg->public_url, "https://", 8) == 0 ||
           (!cfg->public_url[0] && cfg->tls_cert[0]);
}

const char *rs_web_session_cookie_name(const struct rs_config *cfg)
{
    return rs_web_session_secure(cfg) ? "__Host-ratsaal_session" : "ratsaal_session";
}

int rs_web_session_find(struct rs_app *app, const char *cookie, struct rs_session_record *session,
                        struct rs_user_record *user)
{
    char token[128];
    if (!app->store || !cookie || !*cookie ||
        rs_cookie_get(cookie, strlen(cookie), rs_web_session_cookie_name(&app->cfg), token,
                      sizeof(token)))
        return -ENOENT;
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    return rs_store_session_get(app->store, hash, rs_wall_ms(), session, user);
}

void rs_identity_from_user(const struct rs_user_record *user, enum rs_login_method method,
                           struct rs_identity *ident)
{
    memset(ident, 0, sizeof(*ident));
    ident->logged_in = 1;
    snprintf(ident->user_id, sizeof(ident->user_id), "%s", user->id);
    snprintf(ident->display_name, sizeof(ident->display_name), "%s",
             user->display_name[0] ? user->display_name : user->username);
    snprintf(ident->email, sizeof(ident->email), "%s", user->email);
    snprintf(ident->role, sizeof(ident->role), "%s", rs_user_role_name(user->role));
    snprintf(ident->tenant, sizeof(ident->tenant), "%s", user->tenant);
    snprintf(ident->auth, sizeof(ident->auth), "%s", method == RS_LOGIN_OIDC ? "oidc" : "local");
}

void rs_web_session_identify(struct rs_app *app, const char *cookie, struct rs_identity *ident)
{
    struct rs_session_record session;
    struct rs_user_record user;
    if (rs_web_session_find(app, cookie, &session, &user)) {
        memset(ident, 0, sizeof(*ident));
        return;
    }
    rs_identity_from_user(&user, session.auth, ident);
    memcpy(ident->session_hash, session.id_hash, sizeof(ident->session_hash));
    ident->checked_ms = rs_wall_ms();
}

int rs_web_session_recheck(struct rs_app *app, struct rs_identity *ident)
{
    if (!ident->logged_in)
        return 0;
    int64_t now = rs_wall_ms();
    struct rs_session_record session;
    struct rs_user_record user;
    int rc = app->store
                 ? rs_store_session_get(app->store, ident->session_hash, now, &session, &user)
                 : -ENOENT;
    if (rc == -ENOENT) {
        memset(ident, 0, sizeof(*ident));
        ident->checked_ms = now;
        return -ENOENT;
    }
    if (rc)
        return -EIO;
    rs_identity_from_user(&user, session.auth, ident);
    memcpy(ident->session_hash, session.id_hash, sizeof(ident->session_hash));
    ident->checked_ms = now;
    return 0;
}

int rs_web_session_start(struct rs_app *app, const struct rs_user_record *user,
                         enum rs_login_method method, const char *id_token, char *set_cookie,
                         size_t cap)
{
    char token[64];
    if (rs_auth_new_token(token, sizeof(token)))
        return -EIO;
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    int64_t ttl = (int64_t)app->cfg.session_hours * HOUR_MS;
    int rc = rs_store_session_create(app->store, hash, user->id, method, id_token, NULL,
                                     rs_wall_ms(), ttl);
    if (rc)
        return rc;
    if (rs_cookie_build(rs_web_session_cookie_name(&app->cfg), token, ttl / 1000,
                        rs_web_session_secure(&app->cfg), set_cookie, cap))
        return -EIO;
    rs_store_user_touch_login(app->store, user->id, rs_wall_ms());
    rs_metric_inc(RS_M_LOGINS);
    return 0;
}

int rs_web_session_clear_cookie(const struct rs_config *cfg, char *set_cookie, size_t cap)
{
    return rs_cookie_build(rs_web_session_cookie_name(cfg), "", 0, rs_web_session_secure(cfg),
                           set_cookie, cap);
}

json_t *rs_user_json(const struct rs_user_record *u)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", u->id, "display_name",
                     u->display_name[0] ? u->display_name : u->username, "email", u->email, "role",
                     rs_user_role_name(u->role), "tenant", u->tenant, "auth",
                     u->oidc_issuer[0] ? "oidc" : "local");
}
