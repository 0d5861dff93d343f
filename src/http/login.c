/* SPDX-License-Identifier: EUPL-1.2 */
/* Login and logout: OpenID Connect (authorization code + PKCE) and local accounts.
 *
 * OIDC flow: GET /auth/oidc/login creates a login attempt {state, nonce, PKCE verifier,
 * return path} kept in memory for ten minutes and redirects to the provider. The callback
 * consumes the attempt by its `state` (so a replayed or forged state finds nothing), and a job
 * exchanges the code for tokens and verifies the ID token (signature from the provider's
 * JWKS, refetched on an unknown kid for key rotation; iss, aud, azp, exp, nbf, nonce; only
 * RS256/ES256). Back on the control thread the account is created or updated from the claims
 * (role from the configured groups, tenant from the configured claim) and a session starts.
 *
 * The provider's discovery document is fetched lazily on the first login (in a job) and kept.
 * Everything blocking — HTTP to the provider, argon2 — runs on the job thread; the JWKS cache
 * is used only there. Logins are rate-limited per client address. Each rejection is counted
 * by reason in ratsaal_auth_rejections_total and logged as event=login_failed with the client's
 * address and the reason (never the user name or password).
 *
 * Password checks (local logins, password changes) share the one job thread, where each argon2
 * hash takes a noticeable fraction of a second: besides the rate, each client address (and
 * for password changes each account) may have only a few of them queued at once, so that one
 * client cannot make everyone else's login wait behind its own. */
#include "http/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/cookie.h"
#include "auth/web_session.h"
#include "auth/jwt.h"
#include "auth/oidc.h"
#include "auth/oidc_http.h"
#include "auth/oidc_keys.h"
#include "auth/password.h"
#include "auth/pkce.h"
#include "core/clock.h"
#include "core/inflight.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelimit.h"
#include "signaling/session.h"

#define ATTEMPT_TTL_MS (10 * 60 * 1000)
#define MAX_ATTEMPTS 1024
#define CHECKS_PER_ADDRESS 4 /* queued password checks (logins, changes) per client address */
#define CHECKS_PER_ACCOUNT 1 /* queued password changes per account */
#define CHECKS_KEYS 512      /* the job queue holds 256 jobs, each with one or two keys */

struct attempt {
    char state[64];
    char nonce[64];
    char verifier[160];
    char ret[512];
    int64_t created_ms;
};

/* The login module's state, one per application (app->login), created on first use. */
struct rs_login {
    struct attempt attempts[MAX_ATTEMPTS];
    struct rs_oidc_provider provider; /* valid once provider_ready */
    int provider_ready;
    struct rs_oidc_keys *keys; /* job thread only */
    struct rs_ratelimit *limit;         /* logins and password changes per client address */
    struct rs_ratelimit *account_limit; /* password changes per account */
    struct rs_inflight *checks;         /* queued password checks per address and account */
    /* A fixed argon2id hash verified for unknown users, so that they cost the same time as a
     * wrong password and account names cannot be probed by timing (job thread). */
    char dummy_hash[RS_PASSWORD_ENCODED_MAX];
};

/* The application's login state; NULL only when out of memory at the first login. */
static struct rs_login *login_of(struct rs_app *app)
{
    if (!app->login)
        app->login = calloc(1, sizeof(*app->login));
    return app->login;
}

static void redirect_uri(const struct rs_app *app, char *out, size_t cap)
{
    if (app->cfg.public_url[0])
        snprintf(out, cap, "%s/auth/oidc/callback", app->cfg.public_url);
    else
        snprintf(out, cap, "%s://%s:%u/auth/oidc/callback", app->cfg.tls_cert[0] ? "https" : "http",
                 app->cfg.listen_addr, app->cfg.listen_port);
}

/* One line per refused login: the client's address and why, nothing about the account. */
static void log_login_failed(const char *addr, const char *reason)
{
    RS_INFO("auth", "event=login_failed addr=%s reason=%s", addr, reason);
}

static int rate_ok(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp)
{
    struct rs_login *lg = login_of(app);
    if (lg && !lg->limit)
        lg->limit = rs_ratelimit_new(app->cfg.login_rate_per_min);
    if (lg && lg->limit && rs_ratelimit_take(lg->limit, req->peer, rs_wall_ms()))
        return 1;
    rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
    log_login_failed(req->peer, "rate_limited");
    rs_http_resp_error(resp, 429, "rate_limited", NULL,
                       "too many login attempts from this address; wait a minute");
    rs_http_resp_header(resp, "retry-after:", "60");
    return 0;
}

static void check_keys(const char *addr, const char *account, char a[RS_INFLIGHT_KEY_MAX + 1],
                       char u[RS_INFLIGHT_KEY_MAX + 1])
{
    snprintf(a, RS_INFLIGHT_KEY_MAX + 1, "a:%s", addr);
    snprintf(u, RS_INFLIGHT_KEY_MAX + 1, "u:%s", account ? account : "");
}

int rs_api__password_check_admit(struct rs_app *app, const struct rs_http_req *req,
                                 const char *account, struct rs_http_resp *resp)
{
    struct rs_login *lg = login_of(app);
    if (!rate_ok(app, req, resp))
        return 0;
    if (account) {
        if (!lg->account_limit)
            lg->account_limit = rs_ratelimit_new(app->cfg.login_rate_per_min);
        if (!lg->account_limit || !rs_ratelimit_take(lg->account_limit, account, rs_wall_ms())) {
            rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
            rs_http_resp_error(resp, 429, "rate_limited", NULL,
                               "too many password changes for this account; wait a minute");
            rs_http_resp_header(resp, "retry-after:", "60");
            return 0;
        }
    }
    if (!lg->checks)
        lg->checks = rs_inflight_new(CHECKS_KEYS, CHECKS_PER_ADDRESS);
    char a[RS_INFLIGHT_KEY_MAX + 1], u[RS_INFLIGHT_KEY_MAX + 1];
    check_keys(req->peer, account, a, u);
    /* one table, every key capped at CHECKS_PER_ADDRESS; an account is held to the smaller
     * CHECKS_PER_ACCOUNT by its count */
    int ok = lg->checks && rs_inflight_acquire(lg->checks, a);
    if (ok && account && rs_inflight_count(lg->checks, u) >= CHECKS_PER_ACCOUNT) {
        rs_inflight_release(lg->checks, a);
        ok = 0;
    }
    if (ok && account && !rs_inflight_acquire(lg->checks, u)) {
        rs_inflight_release(lg->checks, a);
        ok = 0;
    }
    if (!ok) {
        rs_metric_auth_reject(RS_AUTH_RATE_LIMITED);
        if (!account)
            log_login_failed(req->peer, "too_many_pending");
        rs_http_resp_error(resp, 429, "rate_limited", NULL,
                           account ? "a password change for this account is still being checked; "
                                     "retry in a moment"
                                   : "password checks from this address are still queued; retry "
                                     "in a moment");
        rs_http_resp_header(resp, "retry-after:", "1");
        return 0;
    }
    return 1;
}

void rs_api__password_check_done(struct rs_app *app, const char *addr, const char *account)
{
    struct rs_login *lg = app->login;
    if (!lg || !lg->checks)
        return;
    char a[RS_INFLIGHT_KEY_MAX + 1], u[RS_INFLIGHT_KEY_MAX + 1];
    check_keys(addr, account, a, u);
    rs_inflight_release(lg->checks, a);
    if (account)
        rs_inflight_release(lg->checks, u);
}

static void fail_redirect(struct rs_http_resp *resp, const char *code, enum rs_auth_reject why)
{
    rs_metric_auth_reject(why);
    char loc[96];
    snprintf(loc, sizeof(loc), "/login?error=%s", code);
    rs_http_resp_redirect(resp, loc);
}

/* ---- discovery (job) ---- */

struct discovery_job {
    struct rs_app *app;
    struct rs_http_reply reply;
    char addr[RS_ADDR_TEXT_MAX];
    char ret[512];
    struct rs_oidc_provider p;
    struct rs_oidc_keys *k;
    int rc;
};

static void discovery_run(void *arg)
{
    struct discovery_job *j = arg;
    char url[512];
    snprintf(url, sizeof(url), "%s/.well-known/openid-configuration", j->app->cfg.oidc_issuer);
    struct rs_oidc_http_response r;
    j->rc = rs_oidc_http_get(url, NULL, &r);
    if (j->rc)
        return;
    if (r.status != 200)
        j->rc = -EPROTO;
    else
        j->rc = rs_oidc_parse_discovery(r.body, r.len, j->app->cfg.oidc_issuer, &j->p);
    rs_oidc_http_response_free(&r);
    if (j->rc == 0 && !j->app->login->keys)
        j->rc = rs_oidc_keys_new(j->p.jwks_uri, NULL, &j->k);
}

static int begin_oidc(struct rs_app *app, const char *ret, struct rs_http_resp *resp);

static void discovery_done(void *arg)
{
    struct discovery_job *j = arg;
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    if (j->rc) {
        RS_WARN("auth", "event=oidc_discovery_failed rc=%d", j->rc);
        log_login_failed(j->addr, "idp_error");
        fail_redirect(&resp, "idp_error", RS_AUTH_IDP_ERROR);
    } else {
        struct rs_login *lg = j->app->login;
        lg->provider = j->p;
        lg->provider_ready = 1;
        if (j->k)
            lg->keys = j->k; /* handed to the job thread's exclusive use from now on */
        RS_INFO("auth", "event=oidc_discovered");
        begin_oidc(j->app, j->ret, &resp);
    }
    rs_http_finish(j->reply, &resp);
    free(j);
}

/* ---- OIDC login ---- */

static struct attempt *attempt_slot(struct rs_login *lg, int64_t now)
{
    struct attempt *attempts = lg->attempts;
    struct attempt *oldest = &attempts[0];
    for (int i = 0; i < MAX_ATTEMPTS; i++) {
        if (!attempts[i].state[0] || now - attempts[i].created_ms > ATTEMPT_TTL_MS)
            return &attempts[i];
        if (attempts[i].created_ms < oldest->created_ms)
            oldest = &attempts[i];
    }
    return oldest; /* under a flood of unfinished logins the oldest attempt is dropped */
}

static int begin_oidc(struct rs_app *app, const char *ret, struct rs_http_resp *resp)
{
    struct rs_login *lg = app->login;
    int64_t now = rs_wall_ms();
    struct attempt *a = attempt_slot(lg, now);
    memset(a, 0, sizeof(*a));
    char challenge[128], uri[512];
    if (rs_auth_new_token(a->state, sizeof(a->state)) ||
        rs_auth_new_token(a->nonce, sizeof(a->nonce)) ||
        rs_pkce_new_verifier(a->verifier, sizeof(a->verifier)) ||
        rs_pkce_challenge_s256(a->verifier, challenge, sizeof(challenge))) {
        memset(a, 0, sizeof(*a));
        rs_http_resp_error(resp, 500, "internal", NULL, "no randomness");
        return RS_HTTP_DONE;
    }
    snprintf(a->ret, sizeof(a->ret), "%s", ret);
    a->created_ms = now;
    redirect_uri(app, uri, sizeof(uri));
    struct rs_oidc_auth_request ar = {
        .client_id = app->cfg.oidc_client_id,
        .redirect_uri = uri,
        .scope = "openid profile email",
        .state = a->state,
        .nonce = a->nonce,
        .code_challenge = challenge,
    };
    char url[2048];
    if (rs_oidc_authorization_url(&lg->provider, &ar, url, sizeof(url))) {
        rs_http_resp_error(resp, 500, "internal", NULL, "authorization URL too long");
        return RS_HTTP_DONE;
    }
    rs_http_resp_redirect(resp, url);
    return RS_HTTP_DONE;
}

static int oidc_login(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp)
{
    if (!app->cfg.oidc_issuer[0]) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no identity provider is configured");
        return RS_HTTP_DONE;
    }
    if (!rate_ok(app, req, resp))
        return RS_HTTP_DONE;
    char raw[512], ret[512] = "/";
    if (rs_http_req_arg(req, "return", raw, sizeof(raw)) >= 0 &&
        rs_auth_safe_return_path(raw, ret, sizeof(ret))) {
        rs_metric_auth_reject(RS_AUTH_OPEN_REDIRECT);
        snprintf(ret, sizeof(ret), "/");
    }
    if (app->login->provider_ready)
        return begin_oidc(app, ret, resp);
    struct discovery_job *j = calloc(1, sizeof(*j));
    if (!j)
        return RS_HTTP_DONE;
    j->app = app;
    j->reply = rs_http_reply_to(req);
    snprintf(j->addr, sizeof(j->addr), "%s", req->peer);
    snprintf(j->ret, sizeof(j->ret), "%s", ret);
    if (rs_jobs_submit(discovery_run, discovery_done, j)) {
        free(j);
        log_login_failed(req->peer, "busy");
        rs_http_resp_error(resp, 503, "busy", NULL, "try again in a moment");
        return RS_HTTP_DONE;
    }
    return RS_HTTP_PENDING;
}

struct callback_job {
    struct rs_app *app;
    struct rs_http_reply reply;
    char addr[RS_ADDR_TEXT_MAX];
    struct attempt a;
    char code[1024];
    /* results */
    enum rs_auth_reject fail;
    int failed;
    enum rs_jwt_reject why;
    struct rs_jwt_claims claims;
    char *id_token;
};

static void callback_run(void *arg)
{
    struct callback_job *j = arg;
    struct rs_app *app = j->app;
    char uri[512], body[4096], authz[1024];
    redirect_uri(app, uri, sizeof(uri));
    struct rs_oidc_token_request tr = {
        .code = j->code,
        .redirect_uri = uri,
        .code_verifier = j->a.verifier,
        .client_id = app->cfg.oidc_client_id,
        .client_secret = app->cfg.oidc_client_secret[0] ? app->cfg.oidc_client_secret : NULL,
    };
    struct rs_oidc_http_response r;
    struct rs_oidc_token_response tok;
    memset(&tok, 0, sizeof(tok));
    if (rs_oidc_token_request_body(&tr, body, sizeof(body), authz, sizeof(authz)) ||
        rs_oidc_http_post_form(app->login->provider.token_endpoint, body, authz[0] ? authz : NULL, NULL,
                               &r)) {
        j->failed = 1;
        j->fail = RS_AUTH_TOKEN_EXCHANGE;
        return;
    }
    int rc = r.status == 200 ? rs_oidc_parse_token_response(r.body, r.len, &tok) : -EPROTO;
    rs_oidc_http_response_free(&r);
    if (rc || !tok.id_token) {
        rs_oidc_token_response_free(&tok);
        j->failed = 1;
        j->fail = RS_AUTH_TOKEN_EXCHANGE;
        return;
    }
    struct rs_jwt_expect ex;
    rs_jwt_expect_init(&ex);
    ex.issuer = app->cfg.oidc_issuer;
    ex.client_id = app->cfg.oidc_client_id;
    ex.nonce = j->a.nonce;
    ex.groups_claim = app->cfg.oidc_groups_claim;
    ex.tenant_claim = app->cfg.oidc_tenant_claim[0] ? app->cfg.oidc_tenant_claim : NULL;
    struct rs_oidc_keys *keys = app->login->keys;
    if (!keys || rs_oidc_keys_verify(keys, tok.id_token, strlen(tok.id_token), &ex, &j->claims,
                                     &j->why)) {
        j->failed = 1;
        j->fail = RS_AUTH_INVALID_TOKEN;
    } else {
        j->id_token = strdup(tok.id_token);
    }
    rs_oidc_token_response_free(&tok);
}

static int in_group(const struct rs_jwt_claims *c, const char *group)
{
    if (!group[0])
        return 0;
    for (size_t i = 0; i < c->n_groups; i++)
        if (strcmp(c->groups[i], group) == 0)
            return 1;
    return 0;
}

static void callback_done(void *arg)
{
    struct callback_job *j = arg;
    struct rs_app *app = j->app;
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    if (j->failed) {
        if (j->fail == RS_AUTH_INVALID_TOKEN)
            RS_WARN("auth", "event=id_token_rejected reason=%s", rs_jwt_reject_name(j->why));
        const char *code =
            j->fail == RS_AUTH_INVALID_TOKEN ? "invalid_token" : "token_exchange_failed";
        log_login_failed(j->addr, code);
        fail_redirect(&resp, code, j->fail);
        goto out;
    }
    if (app->cfg.oidc_tenant_claim[0] && !j->claims.tenant[0]) {
        log_login_failed(j->addr, "tenant_missing");
        fail_redirect(&resp, "tenant_missing", RS_AUTH_TENANT_MISSING);
        goto out;
    }
    struct rs_user_record u;
    memset(&u, 0, sizeof(u));
    snprintf(u.oidc_issuer, sizeof(u.oidc_issuer), "%s", app->cfg.oidc_issuer);
    snprintf(u.oidc_sub, sizeof(u.oidc_sub), "%s", j->claims.sub);
    snprintf(u.display_name, sizeof(u.display_name), "%.*s", (int)sizeof(u.display_name) - 1,
             j->claims.name[0] ? j->claims.name : j->claims.preferred_username);
    snprintf(u.email, sizeof(u.email), "%.*s", (int)sizeof(u.email) - 1, j->claims.email);
    snprintf(u.tenant, sizeof(u.tenant), "%.*s", (int)sizeof(u.tenant) - 1, j->claims.tenant);
    u.role = in_group(&j->claims, app->cfg.oidc_admin_group)       ? RS_USER_ROLE_ADMIN
             : in_group(&j->claims, app->cfg.oidc_moderator_group) ? RS_USER_ROLE_MODERATOR
                                                                   : RS_USER_ROLE_USER;
    if (rs_store_user_upsert_oidc(app->store, &u, rs_wall_ms()) || u.disabled ||
        rs_api__start_session(app, &u, RS_LOGIN_OIDC, j->id_token, &resp)) {
        log_login_failed(j->addr, u.disabled ? "account_disabled" : "internal");
        fail_redirect(&resp, u.disabled ? "account_disabled" : "internal",
                      RS_AUTH_INVALID_CREDENTIALS);
        goto out;
    }
    RS_INFO("auth", "event=login method=oidc user=%s role=%s", u.id, rs_user_role_name(u.role));
    rs_http_resp_redirect(&resp, j->a.ret[0] ? j->a.ret : "/");
out:
    rs_http_finish(j->reply, &resp);
    free(j->id_token);
    memset(j, 0, sizeof(*j));
    free(j);
}

static int oidc_callback(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_http_resp *resp)
{
    if (!app->cfg.oidc_issuer[0]) {
        rs_http_resp_error(resp, 404, "not_found", NULL, "no identity provider is configured");
        return RS_HTTP_DONE;
    }
    if (!rate_ok(app, req, resp))
        return RS_HTTP_DONE;
    char state[128], code[1024], err[128];
    if (rs_http_req_arg(req, "error", err, sizeof(err)) >= 0) {
        log_login_failed(req->peer, "idp_error");
        fail_redirect(resp, "idp_error", RS_AUTH_IDP_ERROR);
        return RS_HTTP_DONE;
    }
    struct attempt *a = NULL, *attempts = app->login->attempts;
    int64_t now = rs_wall_ms();
    if (rs_http_req_arg(req, "state", state, sizeof(state)) > 0)
        for (int i = 0; i < MAX_ATTEMPTS && !a; i++)
            if (attempts[i].state[0] && strcmp(attempts[i].state, state) == 0 &&
                now - attempts[i].created_ms <= ATTEMPT_TTL_MS)
                a = &attempts[i];
    if (!a || !app->login->provider_ready) {
        log_login_failed(req->peer, "invalid_state");
        fail_redirect(resp, "invalid_state", RS_AUTH_INVALID_STATE);
        return RS_HTTP_DONE;
    }
    struct callback_job *j = calloc(1, sizeof(*j));
    if (!j)
        return RS_HTTP_DONE;
    j->a = *a;
    memset(a, 0, sizeof(*a)); /* one use only: a replayed state finds nothing */
    if (rs_http_req_arg(req, "code", code, sizeof(code)) <= 0) {
        free(j);
        log_login_failed(req->peer, "idp_error");
        fail_redirect(resp, "idp_error", RS_AUTH_IDP_ERROR);
        return RS_HTTP_DONE;
    }
    snprintf(j->code, sizeof(j->code), "%s", code);
    j->app = app;
    j->reply = rs_http_reply_to(req);
    snprintf(j->addr, sizeof(j->addr), "%s", req->peer);
    if (rs_jobs_submit(callback_run, callback_done, j)) {
        free(j);
        log_login_failed(req->peer, "busy");
        rs_http_resp_error(resp, 503, "busy", NULL, "try again in a moment");
        return RS_HTTP_DONE;
    }
    return RS_HTTP_PENDING;
}

/* ---- local login ---- */

struct local_job {
    struct rs_app *app;
    struct rs_http_reply reply;
    char addr[RS_ADDR_TEXT_MAX];
    struct rs_user_record user;
    int known;
    char password[RS_PASSWORD_MAX_BYTES + 1];
    int rc;
};

static void local_run(void *arg)
{
    struct local_job *j = arg;
    char *dummy_hash = j->app->login->dummy_hash;
    if (!dummy_hash[0])
        rs_password_hash("not-a-real-password-at-all", dummy_hash, sizeof(dummy_hash));
    int rc = rs_password_verify(j->known ? j->user.password_hash : dummy_hash, j->password);
    j->rc = j->known ? rc : -EACCES;
}

static void local_done(void *arg)
{
    struct local_job *j = arg;
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    rs_api__password_check_done(j->app, j->addr, NULL);
    if (j->rc || j->user.disabled) {
        rs_metric_auth_reject(RS_AUTH_INVALID_CREDENTIALS);
        log_login_failed(j->addr, j->rc ? "invalid_credentials" : "account_disabled");
        rs_http_resp_error(&resp, 401, "invalid_credentials", NULL,
                           "user name or password is wrong");
    } else if (rs_api__start_session(j->app, &j->user, RS_LOGIN_LOCAL, NULL, &resp)) {
        rs_http_resp_error(&resp, 500, "internal", NULL, "the session could not be stored");
    } else {
        RS_INFO("auth", "event=login method=local user=%s", j->user.id);
        rs_http_resp_json(&resp, 200, json_pack("{s:o}", "user", rs_user_json(&j->user)));
    }
    rs_http_finish(j->reply, &resp);
    memset(j, 0, sizeof(*j));
    free(j);
}

static int local_login(struct rs_app *app, const struct rs_http_req *req,
                       struct rs_http_resp *resp)
{
    json_error_t e;
    /* a name given twice is refused like everywhere else (the first one for a proxy's rules,
     * the last one for us would be two different logins) */
    json_t *body =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e) : NULL;
    json_t *name = json_object_get(body, "username"), *pw = json_object_get(body, "password");
    if (!json_is_string(name) || !json_is_string(pw) ||
        strlen(json_string_value(pw)) > RS_PASSWORD_MAX_BYTES) {
        json_decref(body);
        rs_http_resp_error(resp, 400, "invalid_request", NULL,
                           "username and password must be strings");
        return RS_HTTP_DONE;
    }
    if (!rs_api__password_check_admit(app, req, NULL, resp)) {
        json_decref(body);
        return RS_HTTP_DONE;
    }
    struct local_job *j = calloc(1, sizeof(*j));
    if (!j) {
        json_decref(body);
        rs_api__password_check_done(app, req->peer, NULL);
        return RS_HTTP_DONE;
    }
    j->app = app;
    j->reply = rs_http_reply_to(req);
    snprintf(j->addr, sizeof(j->addr), "%s", req->peer);
    j->known = rs_username_valid(json_string_value(name)) &&
               rs_store_user_get_by_username(app->store, json_string_value(name), &j->user) == 0 &&
               j->user.password_hash[0];
    snprintf(j->password, sizeof(j->password), "%s", json_string_value(pw));
    json_decref(body);
    if (rs_jobs_submit(local_run, local_done, j)) {
        free(j);
        rs_api__password_check_done(app, req->peer, NULL);
        log_login_failed(req->peer, "busy");
        rs_http_resp_error(resp, 503, "busy", NULL, "try again in a moment");
        return RS_HTTP_DONE;
    }
    return RS_HTTP_PENDING;
}

static int logout(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp)
{
    struct rs_session_record s;
    struct rs_user_record u;
    char logout_url[2048] = "";
    if (rs_api__current_user(app, req, &u, &s) == 0) {
        struct rs_login *lg = app->login;
        if (s.auth == RS_LOGIN_OIDC && lg->provider_ready && lg->provider.end_session_endpoint[0]) {
            char post[512];
            snprintf(post, sizeof(post), "%s/",
                     app->cfg.public_url[0] ? app->cfg.public_url : "");
            if (rs_oidc_end_session_url(&lg->provider, s.id_token_hint[0] ? s.id_token_hint : NULL,
                                        app->cfg.public_url[0] ? post : NULL,
                                        app->cfg.oidc_client_id, logout_url, sizeof(logout_url)))
                logout_url[0] = 0;
        }
        rs_store_session_delete(app->store, s.id_hash);
        RS_INFO("auth", "event=logout user=%s", u.id);
        /* the WebSockets opened with this login are guests from now on */
        rs_session_recheck_user(app, u.id);
    }
    char cookie[RS_SET_COOKIE_MAX];
    if (rs_web_session_clear_cookie(&app->cfg, cookie, sizeof(cookie)) == 0)
        rs_http_resp_header(resp, "set-cookie:", cookie);
    rs_http_resp_json(resp, 200,
                      json_pack("{s:o}", "logout_url",
                                logout_url[0] ? json_string(logout_url) : json_null()));
    return RS_HTTP_DONE;
}

int rs_login_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp)
{
    const char *p = req->path;
    if (!login_of(app)) {
        rs_http_resp_error(resp, 503, "busy", NULL, "out of memory; try again in a moment");
        return RS_HTTP_DONE;
    }
    if (strcmp(p, "/api/v1/auth") == 0 && req->method == RS_HTTP_GET) {
        int64_t users = 0;
        rs_store_user_count(app->store, &users);
        struct rs_user_record u;
        json_t *user = rs_api__current_user(app, req, &u, NULL) == 0 ? rs_user_json(&u)
                                                                   : json_null();
        rs_http_resp_json(resp, 200,
                          json_pack("{s:b, s:b, s:b, s:o}", "oidc", app->cfg.oidc_issuer[0] != 0,
                                    "local", users > 0, "anonymous_meetings",
                                    rs_config_anonymous(&app->cfg), "user", user));
        return RS_HTTP_DONE;
    }
    if (strcmp(p, "/auth/oidc/login") == 0 && req->method == RS_HTTP_GET)
        return oidc_login(app, req, resp);
    if (strcmp(p, "/auth/oidc/callback") == 0 && req->method == RS_HTTP_GET)
        return oidc_callback(app, req, resp);
    if (strcmp(p, "/auth/local/login") == 0 && req->method == RS_HTTP_POST)
        return local_login(app, req, resp);
    if (strcmp(p, "/auth/logout") == 0 && req->method == RS_HTTP_POST)
        return logout(app, req, resp);
    rs_http_resp_error(resp, 404, "not_found", NULL, "no such endpoint");
    return RS_HTTP_DONE;
}

void rs_login_tick(struct rs_app *app)
{
}

void rs_login_shutdown(struct rs_app *app)
{
    struct rs_login *lg = app->login;
    if (!lg)
        return;
    rs_oidc_keys_free(lg->keys);
    rs_ratelimit_free(lg->limit);
    rs_ratelimit_free(lg->account_limit);
    rs_inflight_free(lg->checks);
    free(lg);
    app->login = NULL;
}
