/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the REST API with arbitrary bodies, paths and headers, as a signed-in user and
 * as nobody. Input: [selector byte][rest = body]. The selector picks method, path and whether
 * the cookie and JSON content type are sent. Runs against a real SQLite store in /tmp, jobs
 * inline. No route used here reads query arguments, so no HTTP connection is needed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/password.h"
#include "core/jobs.h"
#include "core/log.h"
#include "auth/web_session.h"
#include "http/api.h"
#include "room/room.h"

static struct rs_app app;
static char cookie[256];
static char meeting[64];

static char path[64];

/* The database is scratch: gone with the process, WAL and shared-memory files included. */
static void remove_db(void)
{
    char p[80];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static void init(void)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_config_defaults(&app.cfg);
    snprintf(path, sizeof(path), "/tmp/rs-fuzz-api-%d.db", (int)getpid());
    remove_db();
    atexit(remove_db);
    if (rs_store_open_sqlite(path, &app.store))
        abort();
    app.rooms = rs_rooms_new(&app);
    rs_jobs_set_inline(1);
    struct rs_user_record u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "fuzzer");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=8,t=1,p=1$x$y");
    u.role = RS_USER_ROLE_ADMIN;
    rs_store_user_create(app.store, &u);
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    rs_api__start_session(&app, &u, RS_LOGIN_LOCAL, NULL, &resp);
    /* start_session puts the cookie in a header we do not keep: make our own session */
    const char *token = "fuzz-session-token-0123456789abcdef";
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    rs_store_session_create(app.store, hash, u.id, RS_LOGIN_LOCAL, NULL, NULL, 0,
                            4102444800000LL);
    snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
    struct rs_http_req req = {.method = RS_HTTP_POST, .path = "/api/v1/meetings",
                              .cookie = cookie, .content_type = "application/json",
                              .origin = "", .host = "", .peer = "127.0.0.1",
                              .body = "{\"title\":\"t\"}", .body_len = 13};
    rs_api_handle(&app, &req, &resp);
    json_t *j = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
    snprintf(meeting, sizeof(meeting), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(resp.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        init();
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    static const enum rs_http_method methods[] = {RS_HTTP_GET, RS_HTTP_POST, RS_HTTP_PATCH,
                                                  RS_HTTP_DELETE, RS_HTTP_PUT};
    char paths[8][160];
    snprintf(paths[0], sizeof(paths[0]), "/api/v1/meetings");
    snprintf(paths[1], sizeof(paths[1]), "/api/v1/meetings/%s", meeting);
    snprintf(paths[2], sizeof(paths[2]), "/api/v1/meetings/%s/invites", meeting);
    snprintf(paths[3], sizeof(paths[3]), "/api/v1/meetings/%s/invites/ixyz", meeting);
    snprintf(paths[4], sizeof(paths[4]), "/api/v1/me");
    snprintf(paths[5], sizeof(paths[5]), "/api/v1/meetings/%s/moderators/u123", meeting);
    snprintf(paths[6], sizeof(paths[6]), "/auth/logout");
    snprintf(paths[7], sizeof(paths[7]), "/api/v1/meetings/%.*s", (int)(size > 40 ? 40 : size),
             (const char *)data);
    enum rs_http_method m = methods[sel % 5];
    /* never delete the one meeting: later inputs need it */
    if (m == RS_HTTP_DELETE && (sel >> 3) % 8 == 1)
        m = RS_HTTP_PATCH;
    struct rs_http_req req = {
        .method = m,
        .path = paths[(sel >> 3) % 8],
        .cookie = (sel & 0x40) ? "" : cookie,
        .content_type = (sel & 0x80) ? "text/plain" : "application/json",
        .origin = "",
        .host = "",
        .peer = "127.0.0.1",
        .body = (const char *)data + 1,
        .body_len = size - 1,
    };
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    if (rs_api_handle(&app, &req, &resp) == RS_HTTP_DONE)
        free(resp.body);
    return 0;
}
