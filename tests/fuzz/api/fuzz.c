/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the REST API (rs_api_handle) with arbitrary bodies, methods, paths and headers,
 * as the meeting's owner, as a member, and as nobody; every route family of docs/api.md.
 *
 * Input: [sel0][sel1][body]. sel0: bits 0-2 the method (GET HEAD POST PUT PATCH DELETE OPTIONS
 * GET), bit 3 no cookie, bit 4 Content-Type text/plain instead of application/json, bit 5 a
 * cross-site Origin, bit 6 another client address, bit 7 the member's cookie instead of the
 * owner's. sel1: bits 0-4 the path (table below; 7 and 31 take up to 60 bytes of the body as
 * the rest of the path), bits 5-6 the meeting: ours, another tenant's, an unknown id, or an
 * ad-hoc room.
 *
 * Runs against a real SQLite store in /tmp, with a meeting, a closed vote with its record, an
 * agenda, an attendance row and a recording file; jobs inline. The routes that answer later
 * (local login, password change, OIDC: a job, then rs_http_finish on the HTTP layer) need the
 * HTTP layer and are the `http` target's. The request carries no connection, so query
 * arguments read as absent (the `http` target has them). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/password.h"
#include "auth/web_session.h"
#include "core/jobs.h"
#include "core/log.h"
#include "http/api.h"
#include "room/room.h"
#include "store/store_attendance.h"
#include "store/store_recording.h"
#include "store/store_vote.h"

static struct rs_app app;
static char dir[64], db[96];
static char cookie_owner[128], cookie_member[128];
static struct rs_user_record owner, member, stranger;
static char meeting[RS_ROOM_ID_MAX + 1], foreign[RS_ROOM_ID_MAX + 1];
static int64_t recording_id;

#define must(cond) must_at((cond), __LINE__)
static void must_at(int cond, int line)
{
    if (!cond) {
        fprintf(stderr, "api: set-up failed at fuzz.c:%d\n", line);
        abort();
    }
}

/* The database and files are scratch: gone with the process. */
static void remove_scratch(void)
{
    char p[160];
    unlink(db);
    snprintf(p, sizeof(p), "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db);
    unlink(p);
    snprintf(p, sizeof(p), "%s/recordings/%s/%lld.mp4", dir, meeting, (long long)recording_id);
    unlink(p);
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, meeting);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/recordings", dir);
    rmdir(p);
    rmdir(dir);
}

static void user(struct rs_user_record *u, const char *name, const char *tenant,
                 enum rs_user_role role)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->username, sizeof(u->username), "%s", name);
    snprintf(u->display_name, sizeof(u->display_name), "%s", name);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$v=19$m=8,t=1,p=1$x$y");
    snprintf(u->tenant, sizeof(u->tenant), "%s", tenant);
    u->role = role;
    must(rs_store_user_create(app.store, u) == 0);
}

/* A login session that outlives the process (logout may delete it: made again per input). */
static void login(const struct rs_user_record *u, const char *token, char *cookie, size_t cap)
{
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    rs_store_session_create(app.store, hash, u->id, RS_LOGIN_LOCAL, NULL, NULL, 0,
                            4102444800000LL);
    snprintf(cookie, cap, "ratsaal_session=%s", token);
}

static void make_meeting(char *id, const struct rs_user_record *by)
{
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", id);
    snprintf(m.title, sizeof(m.title), "Rat %s", id);
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", by->id);
    snprintf(m.tenant, sizeof(m.tenant), "%s", by->tenant);
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    must(rs_store_meeting_create(app.store, &m) == 0);
}

/* What the record routes read: a member list, a closed vote with its record, an attendance row
 * and a recording with its file. */
static void fill_meeting(void)
{
    struct rs_member_record mem[2];
    memset(mem, 0, sizeof(mem));
    snprintf(mem[0].user_id, sizeof(mem[0].user_id), "%s", owner.id);
    snprintf(mem[0].name, sizeof(mem[0].name), "owner");
    snprintf(mem[1].name, sizeof(mem[1].name), "Erika Muster");
    must(rs_store_members_set(app.store, meeting, mem, 2) == 0);

    struct rs_vote_record v;
    memset(&v, 0, sizeof(v));
    snprintf(v.id, sizeof(v.id), "v0123456789abcdef");
    snprintf(v.room_id, sizeof(v.room_id), "%s", meeting);
    v.created_at_ms = 1000;
    snprintf(v.spec, sizeof(v.spec),
             "{\"title\":\"Antrag\",\"kind\":\"motion\",\"options\":[\"yes\",\"no\",\"abstain\"],"
             "\"abstain\":2,\"majority\":\"simple\",\"quorum\":1,\"members\":2,"
             "\"electorate\":\"present\"}");
    struct rs_voter_record voter;
    memset(&voter, 0, sizeof(voter));
    snprintf(voter.key, sizeof(voter.key), "u:%s", owner.id);
    snprintf(voter.name, sizeof(voter.name), "owner");
    must(rs_store_vote_create(app.store, &v, &voter, 1) == 0);
    /* a record as room/vote.c writes it (any text would do: it is served as stored) */
    must(rs_store_vote_finish(app.store, v.id, RS_VOTE_CLOSED, 2000,
                              "{\"entries\":[{\"body\":{\"title\":\"Antrag <b>\",\"vote\":"
                              "\"v0123456789abcdef\"},\"hash\":\"00\",\"prev\":\"00\",\"seq\":0,"
                              "\"type\":\"motion\"}],\"format\":\"ratsaal-vote-record/1\","
                              "\"head\":\"00\",\"vote\":\"v0123456789abcdef\"}\n") == 0);

    struct rs_attendance_record a;
    memset(&a, 0, sizeof(a));
    snprintf(a.room_id, sizeof(a.room_id), "%s", meeting);
    snprintf(a.participant_id, sizeof(a.participant_id), "p0123456789a");
    snprintf(a.display_name, sizeof(a.display_name), "Erika \"Muster\", <i>");
    snprintf(a.role, sizeof(a.role), "participant");
    a.joined_at_ms = 1000;
    rs_store_attendance_add(app.store, &a);

    struct rs_recording r;
    memset(&r, 0, sizeof(r));
    snprintf(r.room_id, sizeof(r.room_id), "%s", meeting);
    snprintf(r.format, sizeof(r.format), "mp4");
    snprintf(r.layout, sizeof(r.layout), "speaker");
    snprintf(r.started_by, sizeof(r.started_by), "owner");
    snprintf(r.purpose, sizeof(r.purpose), "Protokoll");
    snprintf(r.state, sizeof(r.state), "done");
    r.started_at_ms = 1000;
    r.ended_at_ms = 2000;
    r.bytes = 4;
    r.retention_days = 3650;
    r.expires_at_ms = 4102444800000LL;
    must(rs_store_recording_add(app.store, &r) == 0);
    recording_id = r.id;
    char p[200];
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, meeting);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, r.file);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("mp4!", f);
        fclose(f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_config_defaults(&app.cfg);
    snprintf(dir, sizeof(dir), "/tmp/rs-fuzz-api-%d", (int)getpid());
    snprintf(db, sizeof(db), "%s/ratsaal.db", dir);
    mkdir(dir, 0700);
    atexit(remove_scratch);
    snprintf(app.cfg.data_dir, sizeof(app.cfg.data_dir), "%s", dir);
    char p[128];
    snprintf(p, sizeof(p), "%s/recordings", dir);
    mkdir(p, 0700);
    must(rs_store_open_sqlite(db, &app.store) == 0);
    app.rooms = rs_rooms_new(&app);
    rs_jobs_set_inline(1);
    user(&owner, "owner", "t", RS_USER_ROLE_ADMIN);
    user(&member, "member", "t", RS_USER_ROLE_USER);
    user(&stranger, "stranger", "other", RS_USER_ROLE_USER);
    snprintf(meeting, sizeof(meeting), "m0123456789abcdefghijk");
    snprintf(foreign, sizeof(foreign), "f0123456789abcdefghijk");
    make_meeting(meeting, &owner);
    make_meeting(foreign, &stranger);
    fill_meeting();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t sel0 = data[0], sel1 = data[1];
    const char *body = (const char *)data + 2;
    size_t body_len = size - 2;
    login(&owner, "fuzz-session-owner-0123456789abcdef", cookie_owner, sizeof(cookie_owner));
    login(&member, "fuzz-session-member-0123456789abcdef", cookie_member, sizeof(cookie_member));

    static const enum rs_http_method methods[] = {RS_HTTP_GET,   RS_HTTP_HEAD,   RS_HTTP_POST,
                                                  RS_HTTP_PUT,   RS_HTTP_PATCH,  RS_HTTP_DELETE,
                                                  RS_HTTP_OPTIONS, RS_HTTP_GET};
    /* the path: prefix, then the meeting (or nothing), then a suffix, then what `tail` says */
    enum { T_NONE, T_FREE, T_RECORDING, T_MEMBER, T_RECORDING_FILE };
    static const struct {
        const char *prefix;
        int room;
        const char *suffix;
        int tail;
    } paths[32] = {
        {"/api/v1/meetings", 0, "", T_NONE},
        {"/api/v1/meetings/", 1, "", T_NONE},
        {"/api/v1/meetings/", 1, "/invites", T_NONE},
        {"/api/v1/meetings/", 1, "/invites/ixyz", T_NONE},
        {"/api/v1/me", 0, "", T_NONE},
        {"/api/v1/meetings/", 1, "/moderators/u123", T_NONE},
        {"/auth/logout", 0, "", T_NONE},
        {"/api/v1/meetings/", 1, "/", T_FREE},
        {"/api/v1/meetings/", 1, "/members", T_NONE},
        {"/api/v1/meetings/", 1, "/votes", T_NONE},
        {"/api/v1/meetings/", 1, "/votes/v0123456789abcdef/record", T_NONE},
        {"/api/v1/meetings/", 1, "/votes/v0123456789abcdef/record.html", T_NONE},
        {"/api/v1/meetings/", 1, "/agenda", T_NONE},
        {"/api/v1/meetings/", 1, "/attendance", T_NONE},
        {"/api/v1/meetings/", 1, "/attendance.csv", T_NONE},
        {"/api/v1/meetings/", 1, "/attendance.html", T_NONE},
        {"/api/v1/meetings/", 1, "/record", T_NONE},
        {"/api/v1/meetings/", 1, "/record.html", T_NONE},
        {"/api/v1/meetings/", 1, "/recordings", T_NONE},
        {"/api/v1/meetings/", 1, "/recordings/", T_RECORDING_FILE},
        {"/api/v1/meetings/", 1, "/recordings/", T_RECORDING},
        {"/api/v1/meetings/", 1, "/recording-audit", T_NONE},
        {"/api/v1/rooms/", 1, "/public", T_NONE},
        {"/api/v1/auth", 0, "", T_NONE},
        {"/api/v1/site", 0, "", T_NONE},
        {"/api/v1/meetings/", 1, "/moderators/", T_MEMBER},
        {"/api/v1/meetings/", 1, "/votes/vnone/record", T_NONE},
        {"/api/v1/meetings/", 1, "/recordings/0/file", T_NONE},
        {"/api/v1/meetings/", 1, "/invites/", T_NONE},
        {"/api/v1/meetings//", 1, "", T_NONE},
        {"/api/v1/rooms/", 1, "/public/", T_NONE},
        {"/", 0, "", T_FREE},
    };
    const char *room = (sel1 >> 5) % 4 == 0   ? meeting
                       : (sel1 >> 5) % 4 == 1 ? foreign
                       : (sel1 >> 5) % 4 == 2 ? "nosuchmeeting"
                                              : "adhoc-room";
    unsigned pi = sel1 & 31;
    char tail[80] = "";
    switch (paths[pi].tail) {
    case T_FREE:
        snprintf(tail, sizeof(tail), "%.*s", (int)(body_len > 60 ? 60 : body_len), body);
        break;
    case T_RECORDING:
        snprintf(tail, sizeof(tail), "%lld", (long long)recording_id);
        break;
    case T_RECORDING_FILE:
        snprintf(tail, sizeof(tail), "%lld/file", (long long)recording_id);
        break;
    case T_MEMBER:
        snprintf(tail, sizeof(tail), "%s", member.id);
        break;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s%s%s%s", paths[pi].prefix, paths[pi].room ? room : "",
             paths[pi].suffix, tail);
    if (pi == 31 && (strncmp(path, "/auth/", 6) == 0 || strstr(path, "/me/password")))
        return 0; /* routes that answer later: see the top */

    enum rs_http_method m = methods[sel0 & 7];
    /* never delete the meeting itself or the recording: later inputs need them */
    if (m == RS_HTTP_DELETE && (pi == 1 || pi == 20 || pi == 29))
        m = RS_HTTP_PATCH;
    struct rs_http_req req = {
        .method = m,
        .path = path,
        .cookie = (sel0 & 0x08) ? "" : (sel0 & 0x80) ? cookie_member : cookie_owner,
        .content_type = (sel0 & 0x10) ? "text/plain" : "application/json",
        .origin = (sel0 & 0x20) ? "https://evil.example" : "",
        .host = "ratsaal.example",
        .peer = (sel0 & 0x40) ? "192.0.2.7" : "127.0.0.1",
        .body = body,
        .body_len = body_len,
    };
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    int rc = rs_api_handle(&app, &req, &resp);
    if (rc != RS_HTTP_DONE)
        abort(); /* a route answering later was reached: the list above is out of date */
    rs_http_resp_release(&resp);
    return 0;
}
