/* SPDX-License-Identifier: EUPL-1.2 */
/* `ratsaal migrate` (store/migrate.h, migrate_cli.h): a SQLite database filled through the store
 * with every kind of record (users, sessions, rooms and meetings, grants, invitations, members,
 * votes with their electorate and ballots, attendance, the agenda with minutes and session roles,
 * speaking turns, recordings and their audit log) is copied to PostgreSQL and read back through
 * the PostgreSQL store with every value equal; new rows' ids continue after the copied ones; the
 * source is left as it was; a target that holds data is refused and left as it was. Then what
 * fails before anything is copied: an unreachable target, a missing source (not created), a
 * source another process holds locked, and the command's usage errors, which never print the
 * target's password.
 *
 * The source is always a SQLite file. What copies needs RATSAAL_TEST_PG (store_backend.h: the
 * target is a database of its own on that server) and is skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/migrate.h"
#include "store/migrate_cli.h"
#include "store/store.h"
#include "store/store_agenda.h"
#include "store/store_attendance.h"
#include "store/store_recording.h"
#include "store/store_speaking.h"
#include "store/store_vote.h"
/* after the project's headers, as in the other store tests */
#include "store_backend.h"

#define T0 1764756000000LL /* some day, 10:00 UTC */
#define NOWHERE "postgresql:///ratsaal?host=/nonexistent-dir/x"

static char dir[64];
static char path[128];                    /* the source: a SQLite file */
static char target[160];                  /* the target's name for store_backend.h */
static char target_uri[RS_TEST_SPEC_MAX]; /* ... and its URI (PostgreSQL only) */

static int setup(void **state)
{
    (void)state;
    if (test_db_dir(dir, sizeof(dir), path, sizeof(path), "rs-migrate"))
        return -1;
    snprintf(target, sizeof(target), "%s/target", dir);
    if (!rs_test_store_is_pg())
        return 0;
    if (rs_test_store_fresh(target) || rs_test_store_spec(target, target_uri, sizeof(target_uri)))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (rs_test_store_is_pg())
        rs_test_store_drop(target);
    test_db_dir_remove(dir, path);
    return 0;
}

static struct rs_store *open_source(void)
{
    struct rs_store *st = NULL;
    assert_int_equal(rs_store_open_sqlite(path, &st), 0);
    return st;
}

/* ---- filling the source through the store ---- */

/* The highest ids the store gave out: new rows in the target must come after them. */
struct ids {
    int64_t attendance, role, turn, recording, audit;
};

static void token(uint8_t *h, int seed) /* binary, zero bytes included */
{
    for (int i = 0; i < RS_TOKEN_HASH_LEN; i++)
        h[i] = (uint8_t)(seed * 37 + i * 11);
}

static void receipt(char *out, char c)
{
    memset(out, c, RS_RECEIPT_HASH_HEX);
    out[RS_RECEIPT_HASH_HEX] = 0;
}

static void fill_users(struct rs_store *st, struct rs_user_record *anna,
                       struct rs_user_record *cecilie)
{
    memset(anna, 0, sizeof(*anna));
    snprintf(anna->username, sizeof(anna->username), "anna");
    snprintf(anna->display_name, sizeof(anna->display_name), "Anna Ämter");
    snprintf(anna->email, sizeof(anna->email), "anna@stadt-a.example");
    snprintf(anna->tenant, sizeof(anna->tenant), "stadt-a");
    snprintf(anna->password_hash, sizeof(anna->password_hash), "$argon2id$v=19$m=65536$anna");
    anna->role = RS_USER_ROLE_ADMIN;
    anna->created_at_ms = T0;
    assert_int_equal(rs_store_user_create(st, anna), 0);
    assert_int_equal(rs_store_user_touch_login(st, anna->id, T0 + 5), 0);

    struct rs_user_record bert = {.role = RS_USER_ROLE_USER, .created_at_ms = T0 + 1};
    snprintf(bert.username, sizeof(bert.username), "bert");
    snprintf(bert.password_hash, sizeof(bert.password_hash), "$argon2id$v=19$bert");
    assert_int_equal(rs_store_user_create(st, &bert), 0);
    assert_int_equal(rs_store_user_set_disabled(st, bert.id, true), 0);

    memset(cecilie, 0, sizeof(*cecilie));
    snprintf(cecilie->oidc_issuer, sizeof(cecilie->oidc_issuer), "https://id.example.org");
    snprintf(cecilie->oidc_sub, sizeof(cecilie->oidc_sub), "sub-1");
    snprintf(cecilie->display_name, sizeof(cecilie->display_name), "Cäcilie O'Brien");
    snprintf(cecilie->tenant, sizeof(cecilie->tenant), "stadt-a");
    cecilie->role = RS_USER_ROLE_MODERATOR;
    assert_int_equal(rs_store_user_upsert_oidc(st, cecilie, T0 + 2), 0);

    uint8_t h[RS_TOKEN_HASH_LEN];
    token(h, 1);
    assert_int_equal(rs_store_session_create(st, h, anna->id, RS_LOGIN_LOCAL, NULL, "Firefox/128",
                                             T0 + 5, 3600 * 1000),
                     0);
    token(h, 2);
    assert_int_equal(rs_store_session_create(st, h, cecilie->id, RS_LOGIN_OIDC, "eyJ.hint.sig", "",
                                             T0 + 6, 7200 * 1000),
                     0);
}

static void fill_rooms(struct rs_store *st, const struct rs_user_record *anna,
                       const struct rs_user_record *cecilie)
{
    struct rs_room_record r = {.max_participants = 12, .created_at_ms = T0, .last_active_ms = T0};
    snprintf(r.id, sizeof(r.id), "offen");
    snprintf(r.title, sizeof(r.title), "Offener Raum");
    assert_int_equal(rs_store_room_put(st, &r), 0);

    struct rs_room_record m = {.created_at_ms = T0, .last_active_ms = T0 + 3, .managed = true};
    snprintf(m.id, sizeof(m.id), "rat");
    snprintf(m.title, sizeof(m.title), "Gemeinderat \"Süd\"; DROP TABLE rooms; --");
    snprintf(m.owner_id, sizeof(m.owner_id), "%s", anna->id);
    snprintf(m.tenant, sizeof(m.tenant), "stadt-a");
    m.scheduled_start_ms = T0 + 3600 * 1000;
    m.scheduled_end_ms = T0 + 2 * 3600 * 1000;
    m.has_password = true;
    snprintf(m.password_hash, sizeof(m.password_hash), "$argon2id$v=19$meeting");
    assert_int_equal(rs_store_meeting_create(st, &m), 0);
    memset(&m, 0, sizeof(m));
    snprintf(m.id, sizeof(m.id), "ausschuss");
    snprintf(m.tenant, sizeof(m.tenant), "stadt-a");
    m.created_at_ms = m.last_active_ms = T0 + 1;
    m.lobby = true;
    m.managed = true;
    m.max_participants = 30;
    assert_int_equal(rs_store_meeting_create(st, &m), 0);
    assert_int_equal(rs_store_grant_set(st, "rat", cecilie->id), 0);

    struct rs_invite_record inv = {
        .role = RS_INVITE_PARTICIPANT, .created_at_ms = T0, .expires_at_ms = T0 + 86400000};
    snprintf(inv.id, sizeof(inv.id), "i1");
    token(inv.token_hash, 3);
    snprintf(inv.room_id, sizeof(inv.room_id), "rat");
    snprintf(inv.created_by, sizeof(inv.created_by), "%s", anna->id);
    assert_int_equal(rs_store_invite_create(st, &inv), 0);
    assert_int_equal(rs_store_invite_use(st, "i1"), 0);
    assert_int_equal(rs_store_invite_use(st, "i1"), 0);
    snprintf(inv.id, sizeof(inv.id), "i2");
    token(inv.token_hash, 4);
    inv.role = RS_INVITE_AUDIENCE;
    inv.created_by[0] = 0;
    assert_int_equal(rs_store_invite_create(st, &inv), 0);
    assert_int_equal(rs_store_invite_revoke(st, "rat", "i2", T0 + 9), 0);
}

static void fill_votes(struct rs_store *st, const struct rs_user_record *anna)
{
    struct rs_member_record members[2] = {{.name = "anna"}, {.user_id = "", .name = "Gast Müller"}};
    snprintf(members[0].user_id, sizeof(members[0].user_id), "%s", anna->id);
    assert_int_equal(rs_store_members_set(st, "rat", members, 2), 0);

    struct rs_voter_record electorate[2] = {{.name = "anna"},
                                            {.key = "n:Gast Müller", .name = "Gast Müller"}};
    snprintf(electorate[0].key, sizeof(electorate[0].key), "u:%s", anna->id);
    struct rs_vote_record v = {.created_at_ms = T0 + 10, .closes_at_ms = T0 + 100000};
    snprintf(v.id, sizeof(v.id), "v-open");
    snprintf(v.room_id, sizeof(v.room_id), "rat");
    snprintf(v.spec, sizeof(v.spec), "{\"title\":\"Haushalt 2026\",\"options\":[\"Ja\",\"Nein\"]}");
    assert_int_equal(rs_store_vote_create(st, &v, electorate, 2), 0);
    assert_int_equal(rs_store_ballot_cast(st, "v-open", electorate[0].key, 1, NULL), 0);

    snprintf(v.id, sizeof(v.id), "v-secret");
    v.secret = true;
    v.closes_at_ms = 0;
    snprintf(v.spec, sizeof(v.spec), "{\"title\":\"Wahl\",\"options\":[\"A\",\"B\",\"C\"]}");
    assert_int_equal(rs_store_vote_create(st, &v, electorate, 2), 0);
    char r1[RS_RECEIPT_HASH_HEX + 1], r2[RS_RECEIPT_HASH_HEX + 1];
    receipt(r1, 'c');
    receipt(r2, '7');
    assert_int_equal(rs_store_ballot_cast(st, "v-secret", electorate[0].key, 2, r1), 0);
    assert_int_equal(rs_store_ballot_cast(st, "v-secret", electorate[1].key, 0, r2), 0);
    assert_int_equal(rs_store_vote_finish(st, "v-secret", RS_VOTE_CLOSED, T0 + 20,
                                          "{\"result\":\"C\",\"chain\":\"0f\\u00e4\"}"),
                     0);
}

static void fill_meeting_records(struct rs_store *st, const struct rs_user_record *anna,
                                 struct ids *max)
{
    struct rs_attendance_record a = {.joined_at_ms = T0 + 1};
    snprintf(a.room_id, sizeof(a.room_id), "rat");
    snprintf(a.participant_id, sizeof(a.participant_id), "p1");
    snprintf(a.display_name, sizeof(a.display_name), "Anna Ämter");
    snprintf(a.user_id, sizeof(a.user_id), "%s", anna->id);
    snprintf(a.role, sizeof(a.role), "moderator");
    snprintf(a.member_key, sizeof(a.member_key), "u:%s", anna->id);
    assert_int_equal(rs_store_attendance_add(st, &a), 0);
    assert_int_equal(rs_store_attendance_close(st, a.id, T0 + 50, "left"), 0);
    memset(&a, 0, sizeof(a));
    a.joined_at_ms = T0 + 2;
    snprintf(a.room_id, sizeof(a.room_id), "rat");
    snprintf(a.participant_id, sizeof(a.participant_id), "p2");
    snprintf(a.display_name, sizeof(a.display_name), "Gast Müller");
    snprintf(a.role, sizeof(a.role), "guest");
    assert_int_equal(rs_store_attendance_add(st, &a), 0);
    max->attendance = a.id;

    struct rs_agenda_item_record it = {.room_id = "rat",
                                       .id = "a0000000001",
                                       .title = "Haushalt",
                                       .description = "Entwurf 2026",
                                       .public = true};
    assert_int_equal(rs_store_agenda_add(st, &it), 0);
    struct rs_agenda_item_record it2 = {
        .room_id = "rat", .position = 1, .id = "a0000000002", .title = "Personal", .public = false};
    assert_int_equal(rs_store_agenda_add(st, &it2), 0);
    assert_int_equal(rs_store_agenda_set_minutes(st, "rat", "a0000000001",
                                                 "Beschlossen.\nEinstimmig.", "Anna Ämter",
                                                 T0 + 20),
                     0);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000001", T0 + 10), 0);
    assert_int_equal(rs_store_agenda_set_current(st, "rat", "a0000000002", T0 + 30), 0);

    struct rs_session_role_record role = {
        .role = RS_SESSION_ROLE_CHAIR, .on = true, .at_ms = T0 + 1};
    snprintf(role.room_id, sizeof(role.room_id), "rat");
    snprintf(role.user_id, sizeof(role.user_id), "%s", anna->id);
    snprintf(role.name, sizeof(role.name), "Anna Ämter");
    assert_int_equal(rs_store_session_role_append(st, &role), 0);
    role.role = RS_SESSION_ROLE_MINUTE_TAKER;
    role.user_id[0] = 0;
    snprintf(role.name, sizeof(role.name), "Gast Müller");
    role.at_ms = T0 + 2;
    assert_int_equal(rs_store_session_role_append(st, &role), 0);
    max->role = role.id;

    struct rs_speaking_turn t = {.started_at_ms = T0 + 11, .duration_ms = 90000};
    snprintf(t.room_id, sizeof(t.room_id), "rat");
    snprintf(t.participant_id, sizeof(t.participant_id), "p1");
    snprintf(t.user_id, sizeof(t.user_id), "%s", anna->id);
    snprintf(t.name, sizeof(t.name), "Anna Ämter");
    snprintf(t.agenda_item, sizeof(t.agenda_item), "a0000000001");
    assert_int_equal(rs_store_speaking_add(st, &t), 0);
    memset(&t, 0, sizeof(t));
    t.started_at_ms = T0 + 12;
    t.point_of_order = true;
    snprintf(t.room_id, sizeof(t.room_id), "rat");
    snprintf(t.participant_id, sizeof(t.participant_id), "p2");
    snprintf(t.name, sizeof(t.name), "Gast Müller");
    assert_int_equal(rs_store_speaking_add(st, &t), 0);
    max->turn = t.id;

    struct rs_recording rec = {.started_at_ms = T0 + 15, .retention_days = 30};
    snprintf(rec.room_id, sizeof(rec.room_id), "rat");
    snprintf(rec.format, sizeof(rec.format), "mp4");
    snprintf(rec.layout, sizeof(rec.layout), "speaker");
    snprintf(rec.started_by, sizeof(rec.started_by), "Anna Ämter");
    snprintf(rec.started_by_user, sizeof(rec.started_by_user), "%s", anna->id);
    snprintf(rec.purpose, sizeof(rec.purpose), "Protokoll der Sitzung");
    snprintf(rec.state, sizeof(rec.state), "recording");
    rec.expires_at_ms = rec.started_at_ms + 30 * 86400000LL;
    assert_int_equal(rs_store_recording_add(st, &rec), 0);
    assert_int_equal(rs_store_recording_finish(st, rec.id, T0 + 25, 12345678, "done"), 0);
    rec.started_at_ms = T0 + 40;
    rec.file[0] = 0;
    snprintf(rec.format, sizeof(rec.format), "webm");
    snprintf(rec.layout, sizeof(rec.layout), "grid");
    assert_int_equal(rs_store_recording_add(st, &rec), 0);
    max->recording = rec.id;

    struct rs_recording_audit au = {.at_ms = T0 + 15, .recording_id = 1};
    snprintf(au.room_id, sizeof(au.room_id), "rat");
    snprintf(au.event, sizeof(au.event), "start");
    snprintf(au.kind, sizeof(au.kind), "recording");
    snprintf(au.actor, sizeof(au.actor), "Anna Ämter");
    snprintf(au.actor_user, sizeof(au.actor_user), "%s", anna->id);
    snprintf(au.detail, sizeof(au.detail), "{\"purpose\":\"Protokoll der Sitzung\"}");
    assert_int_equal(rs_store_recording_audit_add(st, &au), 0);
    au.at_ms = T0 + 25;
    au.recording_id = 0;
    snprintf(au.event, sizeof(au.event), "consent_given");
    au.kind[0] = 0;
    au.actor[0] = au.actor_user[0] = 0;
    snprintf(au.detail, sizeof(au.detail), "{}");
    assert_int_equal(rs_store_recording_audit_add(st, &au), 0);
    max->audit = au.id;
}

static void fill(struct rs_store *st, struct ids *max)
{
    struct rs_user_record anna, cecilie;
    fill_users(st, &anna, &cecilie);
    fill_rooms(st, &anna, &cecilie);
    fill_votes(st, &anna);
    fill_meeting_records(st, &anna, max);
}

/* ---- everything the store reads, as text ---- */

struct dump {
    char text[1 << 17];
    size_t n;
    struct rs_store *st;
};

__attribute__((format(printf, 2, 3))) static void out(struct dump *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(d->text + d->n, sizeof(d->text) - d->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof(d->text) - d->n);
    d->n += (size_t)k;
}

static const char *hex(const uint8_t *b, char *o)
{
    for (int i = 0; i < RS_TOKEN_HASH_LEN; i++)
        snprintf(o + 2 * i, 3, "%02x", b[i]);
    return o;
}

static void dump_room(struct dump *d, const char *id)
{
    struct rs_room_record r;
    assert_int_equal(rs_store_room_get(d->st, id, &r), 0);
    out(d, "room %s|%s|%u|%lld|%lld|%s|%s|%lld|%lld|%d|%d|%s|%d|%lld\n", r.id, r.title,
        r.max_participants, (long long)r.created_at_ms, (long long)r.last_active_ms, r.owner_id,
        r.tenant, (long long)r.scheduled_start_ms, (long long)r.scheduled_end_ms, r.lobby,
        r.has_password, r.password_hash, r.managed, (long long)r.ended_at_ms);
}

static int dump_user(const struct rs_user_record *u, void *ctx)
{
    out(ctx, "user %s|%s|%s|%s|%s|%s|%d|%s|%s|%lld|%lld|%d\n", u->id, u->username, u->oidc_issuer,
        u->oidc_sub, u->display_name, u->email, u->role, u->tenant, u->password_hash,
        (long long)u->created_at_ms, (long long)u->last_login_ms, u->disabled);
    return 0;
}

static void dump_session(struct dump *d, int seed)
{
    uint8_t h[RS_TOKEN_HASH_LEN];
    char x[2 * RS_TOKEN_HASH_LEN + 1];
    struct rs_session_record s;
    struct rs_user_record u;
    token(h, seed);
    /* at its creation time: no sliding, so reading writes nothing */
    assert_int_equal(rs_store_session_get(d->st, h, T0 + 6, &s, &u), 0);
    out(d, "session %s|%s|%lld|%lld|%lld|%d|%s|%s|%s\n", hex(s.id_hash, x), s.user_id,
        (long long)s.created_at_ms, (long long)s.last_seen_ms, (long long)s.expires_at_ms, s.auth,
        s.id_token_hint, s.user_agent_hint, u.username);
}

static int dump_meeting_id(const struct rs_room_record *r, void *ctx)
{
    out(ctx, "meeting %s\n", r->id);
    return 0;
}

static int dump_invite(const struct rs_invite_record *i, void *ctx)
{
    char x[2 * RS_TOKEN_HASH_LEN + 1];
    out(ctx, "invite %s|%s|%s|%d|%s|%lld|%lld|%lld|%lld|%d|%d\n", i->id, hex(i->token_hash, x),
        i->room_id, i->role, i->created_by, (long long)i->created_at_ms,
        (long long)i->expires_at_ms, (long long)i->revoked_at_ms, (long long)i->uses, i->expired,
        i->revoked);
    return 0;
}

static int dump_member(const struct rs_member_record *m, void *ctx)
{
    out(ctx, "member %s|%s\n", m->user_id, m->name);
    return 0;
}

static int dump_vote(const struct rs_vote_record *v, void *ctx)
{
    out(ctx, "vote %s|%s|%d|%d|%lld|%lld|%lld|%s\n", v->id, v->room_id, v->state, v->secret,
        (long long)v->created_at_ms, (long long)v->closes_at_ms, (long long)v->closed_at_ms,
        v->spec);
    return 0;
}

static int dump_voter(const struct rs_voter_record *v, void *ctx)
{
    out(ctx, "voter %s|%s\n", v->key, v->name);
    return 0;
}

static int dump_ballot(const struct rs_ballot_record *b, void *ctx)
{
    out(ctx, "ballot %s|%s|%d\n", b->name, b->receipt_hash, b->option);
    return 0;
}

static void dump_vote_details(struct dump *d, const char *id)
{
    int64_t turnout;
    char *record = NULL;
    assert_int_equal(rs_store_vote_electorate(d->st, id, dump_voter, d), 0);
    assert_int_equal(rs_store_vote_ballots(d->st, id, dump_ballot, d), 0);
    assert_int_equal(rs_store_vote_turnout(d->st, id, &turnout), 0);
    int rc = rs_store_vote_record(d->st, id, &record);
    out(d, "turnout %lld, record %d %s\n", (long long)turnout, rc, record ? record : "-");
    free(record);
}

static int dump_stay(const struct rs_attendance_record *a, void *ctx)
{
    out(ctx, "stay %lld|%s|%s|%s|%s|%s|%s|%lld|%lld|%s\n", (long long)a->id, a->room_id,
        a->participant_id, a->display_name, a->user_id, a->role, a->member_key,
        (long long)a->joined_at_ms, (long long)a->left_at_ms, a->reason);
    return 0;
}

static int dump_item(const struct rs_agenda_item_record *i, void *ctx)
{
    out(ctx, "item %d|%s|%s|%s|%d|%s|%s|%lld|%lld|%lld\n", i->position, i->id, i->title,
        i->description ? i->description : "", i->public, i->minutes ? i->minutes : "",
        i->minutes_by ? i->minutes_by : "", (long long)i->minutes_at_ms,
        (long long)i->started_at_ms, (long long)i->ended_at_ms);
    return 0;
}

static int dump_role(const struct rs_session_role_record *r, void *ctx)
{
    out(ctx, "role %lld|%s|%d|%s|%s|%d|%lld\n", (long long)r->id, r->room_id, r->role, r->user_id,
        r->name, r->on, (long long)r->at_ms);
    return 0;
}

static int dump_turn(const struct rs_speaking_turn *t, void *ctx)
{
    out(ctx, "turn %lld|%s|%s|%s|%s|%lld|%lld|%d|%s\n", (long long)t->id, t->room_id,
        t->participant_id, t->user_id, t->name, (long long)t->started_at_ms,
        (long long)t->duration_ms, t->point_of_order, t->agenda_item);
    return 0;
}

static int dump_recording(const struct rs_recording *r, void *ctx)
{
    out(ctx, "recording %lld|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%lld|%u|%lld|%s\n", (long long)r->id,
        r->room_id, r->format, r->file, r->layout, r->started_by, r->started_by_user, r->purpose,
        (long long)r->started_at_ms, (long long)r->ended_at_ms, (long long)r->bytes,
        r->retention_days, (long long)r->expires_at_ms, r->state);
    return 0;
}

static int dump_audit(const struct rs_recording_audit *a, void *ctx)
{
    out(ctx, "audit %lld|%s|%lld|%lld|%s|%s|%s|%s|%s\n", (long long)a->id, a->room_id,
        (long long)a->recording_id, (long long)a->at_ms, a->event, a->kind, a->actor, a->actor_user,
        a->detail);
    return 0;
}

static void dump_all(struct rs_store *st, struct dump *d)
{
    memset(d, 0, sizeof(*d));
    d->st = st;
    dump_room(d, "offen");
    dump_room(d, "rat");
    dump_room(d, "ausschuss");
    assert_int_equal(rs_store_user_list(st, dump_user, d), 0);
    dump_session(d, 1);
    dump_session(d, 2);
    struct rs_user_record anna, cecilie;
    assert_int_equal(rs_store_user_get_by_username(st, "anna", &anna), 0);
    assert_int_equal(rs_store_meeting_list_for_user(st, &anna, dump_meeting_id, d), 0);
    int64_t n_users, n_rooms;
    assert_int_equal(rs_store_user_count(st, &n_users), 0);
    assert_int_equal(rs_store_room_count(st, &n_rooms), 0);
    out(d, "counts %lld users, %lld rooms\n", (long long)n_users, (long long)n_rooms);
    cecilie = (struct rs_user_record){.role = RS_USER_ROLE_MODERATOR};
    /* the OIDC account as its next login finds it (and writes its claims back unchanged) */
    snprintf(cecilie.oidc_issuer, sizeof(cecilie.oidc_issuer), "https://id.example.org");
    snprintf(cecilie.oidc_sub, sizeof(cecilie.oidc_sub), "sub-1");
    snprintf(cecilie.display_name, sizeof(cecilie.display_name), "Cäcilie O'Brien");
    snprintf(cecilie.tenant, sizeof(cecilie.tenant), "stadt-a");
    assert_int_equal(rs_store_user_upsert_oidc(st, &cecilie, T0 + 2), 0);
    out(d, "oidc %s, grant %d %d\n", cecilie.id, rs_store_grant_is_moderator(st, "rat", cecilie.id),
        rs_store_grant_is_moderator(st, "ausschuss", cecilie.id));
    assert_int_equal(rs_store_invite_list(st, "rat", T0 + 10, dump_invite, d), 0);
    struct rs_invite_record inv;
    uint8_t h[RS_TOKEN_HASH_LEN];
    token(h, 3);
    assert_int_equal(rs_store_invite_find(st, h, T0 + 10, &inv), 0);
    out(d, "found %s\n", inv.id);
    assert_int_equal(rs_store_members_list(st, "rat", dump_member, d), 0);
    assert_int_equal(rs_store_vote_list(st, "rat", dump_vote, d), 0);
    dump_vote_details(d, "v-open");
    dump_vote_details(d, "v-secret");
    assert_int_equal(rs_store_vote_due(st, T0 + 100000, dump_vote, d), 0);
    assert_int_equal(rs_store_attendance_list(st, "rat", dump_stay, d), 0);
    assert_int_equal(rs_store_agenda_list(st, "rat", dump_item, d), 0);
    assert_int_equal(rs_store_session_role_list(st, "rat", dump_role, d), 0);
    assert_int_equal(rs_store_speaking_list(st, "rat", dump_turn, d), 0);
    assert_int_equal(rs_store_recording_list(st, "rat", dump_recording, d), 0);
    assert_int_equal(rs_store_recording_audit_list(st, "rat", dump_audit, d), 0);
}

/* ---- the tables rs_store_migrate reported ---- */

struct tables {
    char names[RS_MIGRATE_TABLES_MAX][64];
    int64_t rows[RS_MIGRATE_TABLES_MAX];
    int n;
};

static void seen_table(const char *table, int64_t rows, void *ctx)
{
    struct tables *t = ctx;
    assert_true(t->n < RS_MIGRATE_TABLES_MAX);
    snprintf(t->names[t->n], sizeof(t->names[0]), "%s", table);
    t->rows[t->n++] = rows;
}

static int position_of(const struct tables *t, const char *table)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->names[i], table) == 0)
            return i;
    fail_msg("table %s was not copied", table);
    return -1;
}

static int64_t rows_of(const struct tables *t, const char *table)
{
    return t->rows[position_of(t, table)];
}

/* ---- the tests ---- */

/* Everything arrives, every value equal, through the other backend's reads. */
static void test_copies_everything(void **state)
{
    (void)state;
    rs_test_skip_unless_pg("the copy needs a PostgreSQL server to copy into");
    static struct dump before, after, source_after;
    struct ids max = {0};
    struct rs_store *st = open_source();
    fill(st, &max);
    dump_all(st, &before);
    rs_store_close(st);

    struct tables t = {.n = 0};
    char why[512] = "";
    int rc = rs_store_migrate(path, target_uri, seen_table, &t, why, sizeof(why));
    if (rc)
        fail_msg("rs_store_migrate: %d: %s", rc, why);
    assert_int_equal(t.n, 16);
    assert_int_equal(rows_of(&t, "users"), 3);
    assert_int_equal(rows_of(&t, "rooms"), 3);
    assert_int_equal(rows_of(&t, "sessions"), 2);
    assert_int_equal(rows_of(&t, "grants"), 1);
    assert_int_equal(rows_of(&t, "invites"), 2);
    assert_int_equal(rows_of(&t, "members"), 2);
    assert_int_equal(rows_of(&t, "votes"), 2);
    assert_int_equal(rows_of(&t, "vote_electorate"), 4);
    assert_int_equal(rows_of(&t, "vote_voters"), 3);
    assert_int_equal(rows_of(&t, "vote_ballots"), 2);
    assert_int_equal(rows_of(&t, "attendance"), 2);
    assert_int_equal(rows_of(&t, "agenda_items"), 2);
    assert_int_equal(rows_of(&t, "session_roles"), 2);
    assert_int_equal(rows_of(&t, "speaking_turns"), 2);
    assert_int_equal(rows_of(&t, "recordings"), 2);
    assert_int_equal(rows_of(&t, "recording_audit"), 2);
    /* parents first */
    assert_true(position_of(&t, "users") < position_of(&t, "rooms"));
    assert_true(position_of(&t, "rooms") < position_of(&t, "grants"));
    assert_true(position_of(&t, "votes") < position_of(&t, "vote_electorate"));
    assert_true(position_of(&t, "vote_electorate") < position_of(&t, "vote_voters"));

    assert_int_equal(rs_test_store_open(target, &st), 0);
    assert_int_equal(rs_store_schema_version(st), 10);
    dump_all(st, &after);
    assert_string_equal(after.text, before.text);

    /* the ids go on after the copied ones (the sequences were moved past them) */
    struct rs_attendance_record a = {.joined_at_ms = T0 + 60};
    snprintf(a.room_id, sizeof(a.room_id), "rat");
    snprintf(a.participant_id, sizeof(a.participant_id), "p3");
    snprintf(a.display_name, sizeof(a.display_name), "Neu");
    snprintf(a.role, sizeof(a.role), "guest");
    assert_int_equal(rs_store_attendance_add(st, &a), 0);
    assert_true(a.id > max.attendance);
    struct rs_session_role_record role = {.at_ms = T0 + 60, .on = false};
    snprintf(role.room_id, sizeof(role.room_id), "rat");
    snprintf(role.name, sizeof(role.name), "Neu");
    assert_int_equal(rs_store_session_role_append(st, &role), 0);
    assert_true(role.id > max.role);
    struct rs_speaking_turn turn = {.started_at_ms = T0 + 60, .duration_ms = 1};
    snprintf(turn.room_id, sizeof(turn.room_id), "rat");
    snprintf(turn.participant_id, sizeof(turn.participant_id), "p3");
    snprintf(turn.name, sizeof(turn.name), "Neu");
    assert_int_equal(rs_store_speaking_add(st, &turn), 0);
    assert_true(turn.id > max.turn);
    struct rs_recording rec = {
        .started_at_ms = T0 + 60, .retention_days = 1, .expires_at_ms = T0 + 60 + 86400000};
    snprintf(rec.room_id, sizeof(rec.room_id), "rat");
    snprintf(rec.format, sizeof(rec.format), "mp4");
    snprintf(rec.layout, sizeof(rec.layout), "grid");
    snprintf(rec.started_by, sizeof(rec.started_by), "Neu");
    snprintf(rec.purpose, sizeof(rec.purpose), "Test");
    snprintf(rec.state, sizeof(rec.state), "recording");
    assert_int_equal(rs_store_recording_add(st, &rec), 0);
    assert_true(rec.id > max.recording);
    struct rs_recording_audit au = {.at_ms = T0 + 60};
    snprintf(au.room_id, sizeof(au.room_id), "rat");
    snprintf(au.event, sizeof(au.event), "start");
    snprintf(au.detail, sizeof(au.detail), "{}");
    assert_int_equal(rs_store_recording_audit_add(st, &au), 0);
    assert_true(au.id > max.audit);
    rs_store_close(st);

    /* the source is as it was */
    st = open_source();
    dump_all(st, &source_after);
    rs_store_close(st);
    assert_string_equal(source_after.text, before.text);
}

/* A target with data in it is refused, whichever table holds it, and left as it was. */
static void test_refuses_a_target_with_data(void **state)
{
    (void)state;
    rs_test_skip_unless_pg("the refusal needs a PostgreSQL server with data in it");
    struct ids max = {0};
    struct rs_store *st = open_source();
    fill(st, &max);
    rs_store_close(st);

    /* one anonymous room in the target */
    assert_int_equal(rs_test_store_open(target, &st), 0);
    struct rs_room_record r = {.created_at_ms = 1, .last_active_ms = 1};
    snprintf(r.id, sizeof(r.id), "schon-da");
    assert_int_equal(rs_store_room_put(st, &r), 0);
    rs_store_close(st);
    char why[512] = "";
    assert_int_equal(rs_store_migrate(path, target_uri, NULL, NULL, why, sizeof(why)), -ENOTEMPTY);
    assert_non_null(strstr(why, "holds data already (table rooms)"));
    assert_int_equal(rs_test_store_query_int(target, "SELECT count(*) FROM rooms"), 1);
    assert_int_equal(rs_test_store_query_int(target, "SELECT count(*) FROM users"), 0);

    /* emptied, the copy goes through; a second copy into it is refused, nothing doubled */
    assert_int_equal(rs_test_store_exec(target, "DELETE FROM rooms"), 0);
    assert_int_equal(rs_store_migrate(path, target_uri, NULL, NULL, why, sizeof(why)), 0);
    assert_int_equal(rs_store_migrate(path, target_uri, NULL, NULL, why, sizeof(why)), -ENOTEMPTY);
    assert_non_null(strstr(why, "holds data already (table users)"));
    assert_int_equal(rs_test_store_query_int(target, "SELECT count(*) FROM users"), 3);
    assert_int_equal(rs_test_store_query_int(target, "SELECT count(*) FROM vote_ballots"), 2);
}

/* The command end to end: exit 0 and a line per table. */
static void test_cli_copies(void **state)
{
    (void)state;
    rs_test_skip_unless_pg("the copy needs a PostgreSQL server to copy into");
    struct rs_store *st = open_source();
    struct rs_user_record u = {.role = RS_USER_ROLE_USER, .created_at_ms = 1};
    snprintf(u.username, sizeof(u.username), "anna");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$x");
    assert_int_equal(rs_store_user_create(st, &u), 0);
    rs_store_close(st);
    char *argv[] = {"migrate", "--from", path, "--to", target_uri};
    assert_int_equal(rs_migrate_cli(5, argv), 0);
    assert_int_equal(rs_test_store_query_int(target, "SELECT count(*) FROM users"), 1);
}

/* A server that is not there: nothing to copy into, said as such. */
static void test_unreachable_target(void **state)
{
    (void)state;
    rs_store_close(open_source());
    char why[512] = "";
    assert_int_equal(rs_store_migrate(path, NOWHERE, NULL, NULL, why, sizeof(why)), -ECONNREFUSED);
    assert_non_null(strstr(why, "cannot reach the PostgreSQL server"));
}

/* A mistyped source is an error, not a new empty database copied into the target. */
static void test_source_missing(void **state)
{
    (void)state;
    char missing[200], why[512] = "";
    snprintf(missing, sizeof(missing), "%s/nothing-here.db", dir);
    assert_int_equal(rs_store_migrate(missing, NOWHERE, NULL, NULL, why, sizeof(why)), -ENOENT);
    assert_non_null(strstr(why, "no such SQLite database"));
    assert_int_not_equal(access(missing, F_OK), 0);
    assert_int_equal(rs_store_migrate(dir, NOWHERE, NULL, NULL, why, sizeof(why)), -ENOENT);
}

/* Another process writing to the source (a server not stopped): refused before anything else. */
static void test_source_locked(void **state)
{
    (void)state;
    rs_store_close(open_source());
    sqlite3 *other;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    char why[512] = "";
    assert_int_equal(rs_store_migrate(path, NOWHERE, NULL, NULL, why, sizeof(why)), -EBUSY);
    assert_non_null(strstr(why, "stop the server first"));
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
}

/* Runs the command with stdout and stderr in `output` (`cap` bytes); its exit status. */
static int run_cli(int argc, char **argv, char *output, size_t cap)
{
    char file[200];
    snprintf(file, sizeof(file), "%s/cli.out", dir);
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    int status = rs_migrate_cli(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    ssize_t n = pread(fd, output, cap - 1, 0);
    output[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(file);
    return status;
}

#define CLI(...)                                                                                   \
    ({                                                                                             \
        char *argv_[] = {"migrate", __VA_ARGS__};                                                  \
        run_cli((int)(sizeof(argv_) / sizeof(argv_[0])), argv_, output, sizeof(output));           \
    })

/* Usage errors exit 2, failures 1; the target's password is never printed. */
static void test_cli_usage(void **state)
{
    (void)state;
    char output[8192];
    const char *to = "postgresql://ratsaal:pw-secret@/ratsaal?host=/nonexistent-dir/x";
    char *argv0[] = {"migrate"};
    assert_int_equal(run_cli(1, argv0, output, sizeof(output)), 2);
    assert_non_null(strstr(output, "both --from and --to are needed"));
    assert_int_equal(CLI("--from", path), 2);
    assert_int_equal(CLI("--to", (char *)to), 2);
    assert_int_equal(CLI("--from"), 2);
    assert_non_null(strstr(output, "--from: missing SQLITE_FILE"));
    assert_int_equal(CLI("--from", path, "--to"), 2);
    assert_int_equal(CLI("--from", path, "--to", "/var/lib/ratsaal/ratsaal.db"), 2);
    assert_non_null(strstr(output, "--to: expected a postgresql://"));
    assert_int_equal(CLI("--from", path, "--to", (char *)to, "--force"), 2);
    assert_non_null(strstr(output, "unknown argument"));
    assert_int_equal(CLI("--from", path, "--from", path, "--to", (char *)to), 2);
    assert_int_equal(CLI("--help"), 0);
    assert_non_null(strstr(output, "Stop the server first"));

    /* failures: exit 1, the URI shown without its password */
    assert_int_equal(CLI("--from", "/nonexistent-dir/ratsaal.db", "--to", (char *)to), 1);
    assert_non_null(strstr(output, "no such SQLite database; nothing was copied"));
    assert_null(strstr(output, "pw-secret"));
    rs_store_close(open_source());
    assert_int_equal(CLI("--from", path, "--to", (char *)to), 1);
    assert_non_null(strstr(output, "postgresql:///ratsaal?host=/nonexistent-dir/x"));
    assert_non_null(strstr(output, "cannot reach"));
    assert_null(strstr(output, "pw-secret"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copies_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_a_target_with_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_usage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
