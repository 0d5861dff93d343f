/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: every signaling namespace's handlers, reached with fuzzed arguments in a real
 * meeting with a database, four participants and a media plane.
 *
 * The `signaling` target feeds frames to one session beside one moderator in an ad-hoc room
 * without a store; that reaches the envelope, join and the features that need nothing else.
 * Most of a meeting's rules need more: agenda and votes are stored first, votes count members,
 * the chair is a role among moderators, and nearly every action names a participant, a vote,
 * an agenda item or a whisper group by an id that is random. A fuzzer cannot guess those; here
 * it does not have to.
 *
 * Setup (once per process): a SQLite database in memory with the accounts alice (an admin),
 * bob and carol in one tenant, each with a login session as the HTTP layer makes it. Per
 * input: a fresh managed meeting owned by alice, with the three accounts as its members and
 * a guest invitation; a fresh application (room registry, a media plane without worker
 * threads); sessions A (alice: owner, so moderator), B (bob), C (carol) and D (a guest with
 * the invitation) join it in that order.
 *
 * Input: lines, each one frame. A line may start with the sender, `A`..`D` (default A);
 * `!X` drops X's connection (the participant is kept for resume), `+X` connects X again and
 * joins; `~N` moves the clock N seconds on (1 when no digits) and runs the rooms' tick, so
 * speaking times, votes, breakouts and timers run out. In a frame, `$A`..`$D` become that
 * participant's id, `$M` the meeting's id, and `$a`..`$z` the last id starting with that
 * letter seen in any event sent so far (votes `v…`, agenda items `a…`, whisper groups `w…`,
 * participants `p…`). Seeds: tests/fuzz/signaling_rooms/corpus/, one per namespace, every
 * action documented in docs/protocol.md.
 *
 * Not reached here: a recording or stream that runs (start needs a recorder program to spawn;
 * the path points nowhere, so every recording action ends in "recorder unavailable" or
 * "not running"), and a vote's deadline (rs_vote_tick runs from the HTTP layer's tick on the
 * real clock). `RS_FUZZ_TRACE=1 build/fuzz/signaling_rooms FILE` prints every frame and event,
 * for writing seeds. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/web_session.h"
#include "core/app.h"
#include "core/clock.h"
#include "core/log.h"
#include "room/room.h"
#include "sfu/sfu.h"
#include "signaling/session.h"
#include "store/store.h"
#include "store/store_vote.h"

#define OUR_FP                                                                                     \
    "8F:2A:51:9C:0D:7E:44:B3:6A:E1:90:5F:27:C8:13:DA:72:4E:B9:06:F1:3C:88:5D:A2:17:6B:E4:09:C5:"   \
    "3F:91"
#define INVITE_TOKEN "fuzz-guest-invitation-0123456789"
#define N_PEERS 4
#define LINE_MAX_BYTES (256 * 1024)

static struct rs_store *store;
static struct rs_user_record users[3];
static struct rs_identity idents[3]; /* alice, bob, carol; D is a guest */
static char tmp_dir[64];

static struct rs_app app;
static struct rs_session *peers[N_PEERS];
static char meeting[RS_ROOM_ID_MAX + 1];
static char seen[26][48]; /* last id seen per first letter */
static int64_t clock_offset_ms;
static int trace; /* RS_FUZZ_TRACE=1: every frame and event on stderr, for writing seeds */

static void want_write(struct rs_session *s)
{
}

static void do_close(struct rs_session *s, int status, const char *reason)
{
}

static const struct rs_session_ops ops = {want_write, do_close};

/* A broken promise of the set-up is our bug, not bad input: say where, then abort. */
#define must(cond) must_at((cond), __LINE__)
static void must_at(int cond, int line)
{
    if (!cond) {
        fprintf(stderr, "signaling_rooms: set-up failed at fuzz.c:%d\n", line);
        abort();
    }
}

static void remove_tmp(void)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/recordings", tmp_dir);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/live", tmp_dir);
    rmdir(p);
    rmdir(tmp_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    rs_log_set_level(RS_LOG_ERROR);
    trace = getenv("RS_FUZZ_TRACE") != NULL;
    must(rs_store_open_sqlite(":memory:", &store) == 0);
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/rs-fuzz-rooms-%d", (int)getpid());
    atexit(remove_tmp);
    static const char *const names[] = {"alice", "bob", "carol"};
    struct rs_app id_app;
    memset(&id_app, 0, sizeof(id_app));
    rs_config_defaults(&id_app.cfg);
    id_app.store = store;
    for (int i = 0; i < 3; i++) {
        struct rs_user_record *u = &users[i];
        memset(u, 0, sizeof(*u));
        snprintf(u->username, sizeof(u->username), "%s", names[i]);
        snprintf(u->display_name, sizeof(u->display_name), "%s", names[i]);
        snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$x");
        snprintf(u->tenant, sizeof(u->tenant), "t");
        u->role = i == 0 ? RS_USER_ROLE_ADMIN : RS_USER_ROLE_USER;
        must(rs_store_user_create(store, u) == 0);
        char token[64], cookie[96];
        uint8_t hash[32];
        snprintf(token, sizeof(token), "fuzz-rooms-session-%d-0123456789abcdef", i);
        rs_auth_token_hash(token, hash);
        must(rs_store_session_create(store, hash, u->id, RS_LOGIN_LOCAL, NULL, NULL, 1,
                                     4102444800000LL) == 0);
        snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
        rs_web_session_identify(&id_app, cookie, &idents[i]);
        must(idents[i].logged_in);
    }
    return 0;
}

/* A fresh managed meeting of alice with the three accounts as members and a guest invitation:
 * nothing a previous input did to a meeting (agenda items, votes) is seen by the next. */
static void new_meeting(void)
{
    static unsigned serial;
    snprintf(meeting, sizeof(meeting), "fz%u", ++serial);
    struct rs_room_record m;
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "%s", meeting);
    snprintf(m.title, sizeof(m.title), "Ratssitzung");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", users[0].id);
    snprintf(m.tenant, sizeof(m.tenant), "t");
    m.managed = true;
    m.created_at_ms = m.last_active_ms = 1;
    must(rs_store_meeting_create(store, &m) == 0);
    struct rs_member_record members[3];
    memset(members, 0, sizeof(members));
    for (int i = 0; i < 3; i++) {
        snprintf(members[i].user_id, sizeof(members[i].user_id), "%s", users[i].id);
        snprintf(members[i].name, sizeof(members[i].name), "%s", users[i].display_name);
    }
    must(rs_store_members_set(store, meeting, members, 3) == 0);
    struct rs_invite_record inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.id, sizeof(inv.id), "i%s", meeting);
    rs_auth_token_hash(INVITE_TOKEN, inv.token_hash);
    snprintf(inv.room_id, sizeof(inv.room_id), "%s", meeting);
    inv.role = RS_INVITE_GUEST;
    inv.created_at_ms = 1;
    inv.expires_at_ms = 4102444800000LL;
    must(rs_store_invite_create(store, &inv) == 0);
}

/* Remembers the ids an event names, by their first letter. */
static void learn(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    if (json_is_array(j)) {
        json_array_foreach(j, i, v) learn(v);
        return;
    }
    json_object_foreach(j, key, v)
    {
        const char *s = json_string_value(v);
        if (!s) {
            learn(v);
            continue;
        }
        if (strcmp(key, "id") && strcmp(key, "vote") && strcmp(key, "item") &&
            strcmp(key, "group") && strcmp(key, "participant") && strcmp(key, "current"))
            continue;
        size_t n = strlen(s);
        if (n < 2 || n >= sizeof(seen[0]) || s[0] < 'a' || s[0] > 'z' ||
            strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
            continue;
        memcpy(seen[s[0] - 'a'], s, n + 1);
    }
}

static void drain(void)
{
    for (int i = 0; i < N_PEERS; i++) {
        struct rs_outbuf *b;
        while (peers[i] && (b = rs_session_peek(peers[i]))) {
            json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
            if (trace)
                fprintf(stderr, "  %c <- %.300s\n", 'A' + i,
                        (const char *)b->data + RS_OUTBUF_HEADROOM);
            learn(j);
            json_decref(j);
            rs_session_pop(peers[i]);
        }
    }
}

static void connect_peer(int i)
{
    static const char *const addr[N_PEERS] = {"192.0.2.1", "192.0.2.2", "192.0.2.3",
                                              "198.51.100.4"};
    static const char *const name[N_PEERS] = {"Anna", "Bernd", "Carla", "Gerda Gast"};
    struct rs_session *s = rs_session_new(&app, &ops, NULL, addr[i]);
    if (!s)
        return;
    if (i < 3)
        s->peer.ident = idents[i];
    peers[i] = s;
    char join[256];
    int n = snprintf(join, sizeof(join),
                     "{\"ns\":\"control\",\"action\":\"join\",\"room\":\"%s\",\"display_name\":"
                     "\"%s\"%s}",
                     meeting, name[i], i == 3 ? ",\"invite\":\"" INVITE_TOKEN "\"" : "");
    rs_session_on_message(s, join, (size_t)n);
    drain();
}

/* Copies `line` into `out` with the placeholders replaced; returns the length. */
static size_t expand(const char *line, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < cap; i++) {
        const char *rep = NULL;
        if (line[i] == '$' && i + 1 < len) {
            char c = line[i + 1];
            if (c >= 'A' && c < 'A' + N_PEERS) {
                struct rs_session *s = peers[c - 'A'];
                rep = s && s->peer.participant ? s->peer.participant->id : "";
            } else if (c == 'M') {
                rep = meeting;
            } else if (c >= 'a' && c <= 'z') {
                rep = seen[c - 'a'];
            }
        }
        if (!rep) {
            out[o++] = line[i];
            continue;
        }
        size_t n = strlen(rep);
        if (n > cap - o)
            n = cap - o;
        memcpy(out + o, rep, n);
        o += n;
        i++;
    }
    return o;
}

static void run_line(const char *line, size_t len)
{
    static char buf[LINE_MAX_BYTES];
    int who = 0;
    if (len >= 2 && (line[0] == '!' || line[0] == '+') && line[1] >= 'A' &&
        line[1] < 'A' + N_PEERS) {
        int i = line[1] - 'A';
        if (line[0] == '!' && peers[i]) {
            rs_session_free(peers[i]);
            peers[i] = NULL;
        } else if (line[0] == '+' && !peers[i]) {
            connect_peer(i);
        }
        return;
    }
    if (len >= 1 && line[0] == '~') {
        long s = 0;
        for (size_t i = 1; i < len && i < 7 && line[i] >= '0' && line[i] <= '9'; i++)
            s = s * 10 + (line[i] - '0');
        clock_offset_ms += (s ? s : 1) * 1000;
        rs_rooms_tick(app.rooms, rs_wall_ms() + clock_offset_ms);
        drain();
        return;
    }
    if (len >= 1 && line[0] >= 'A' && line[0] < 'A' + N_PEERS) {
        who = line[0] - 'A';
        line++, len--;
    }
    if (!peers[who] || len == 0)
        return;
    size_t n = expand(line, len, buf, sizeof(buf));
    if (trace)
        fprintf(stderr, "%c -> %.*s\n", 'A' + who, (int)(n < 300 ? n : 300), buf);
    rs_session_on_message(peers[who], buf, n);
    drain();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&app, 0, sizeof(app));
    memset(seen, 0, sizeof(seen));
    clock_offset_ms = 0;
    rs_config_defaults(&app.cfg);
    app.cfg.rate_per_s = 1000;
    app.cfg.chat_history = 4;
    snprintf(app.cfg.data_dir, sizeof(app.cfg.data_dir), "%s", tmp_dir);
    snprintf(app.cfg.recorder_path, sizeof(app.cfg.recorder_path), "/nonexistent/recorder");
    app.store = store;
    app.rooms = rs_rooms_new(&app);
    app.media = rs_sfu_new_detached(&app, OUR_FP, "127.0.0.1", 40000, 1);
    must(app.rooms && app.media);
    new_meeting();
    for (int i = 0; i < N_PEERS; i++)
        connect_peer(i);

    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            run_line((const char *)data + start, i - start);
            start = i + 1;
        }
    }

    for (int i = 0; i < N_PEERS; i++) {
        if (peers[i])
            rs_session_free(peers[i]);
        peers[i] = NULL;
    }
    rs_rooms_free(app.rooms);
    rs_sfu_free_detached(app.media);
    rs_store_room_delete(store, meeting); /* its grants and invites go with it */
    return 0;
}
