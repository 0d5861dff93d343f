/* SPDX-License-Identifier: EUPL-1.2 */
/* The meeting's record (docs/api.md "The meeting's record"): the one export after a meeting.
 *
 *   GET /api/v1/meetings/{id}/record        the record as JSON ("ratsaal-meeting-record/1")
 *   GET /api/v1/meetings/{id}/record.html   the same as a printable page (?lang=en|de)
 *
 * Moderators of the meeting and admins only: the record names everyone who was there and how
 * each voted in named votes. Everything is read from the store as it is now, so the export
 * also works while the meeting runs (open stays, open votes without a result, a running turn
 * not yet stored). The page is written from the JSON document, so both always say the same.
 *
 * The record gathers what other modules keep: the agenda, minutes and role changes
 * (store_agenda.h), each vote's stored record with its result entry and head hash
 * (store_vote.h; the record itself stays verifiable with `ratsaal vote verify`), attendance
 * and quorum (http/attendance_api.c) and the speaking turns (store_speaking.h). The one subtle
 * point is secrecy: for a secret vote only counts leave the vote's record, never its ballots,
 * so nothing here can link a voter to a choice. */
#include "http/record_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/attendance_api.h"
#include "http/html.h"
#include "http/vote_api.h"
#include "store/store_agenda.h"
#include "store/store_speaking.h"
#include "store/store_vote.h"

static json_t *ms_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

/* Appends `o` (taken) to `arr`; a non-zero callback return when that fails. */
static int append(json_t *arr, json_t *o)
{
    return !o || json_array_append_new(arr, o) ? -ENOMEM : 0;
}

/* ---- votes ---- */

static int vote_each(const struct rs_vote_record *v, void *arg)
{
    json_t *spec = json_loads(v->spec, 0, NULL);
#define SPEC(k) json_object_get(spec, k)
    json_t *o = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:b, s:O?, s:O?, s:O?, s:O?, s:O?, "
                          "s:s, s:O?, s:I, s:o, s:O?, s:n, s:n}",
                          "id", v->id, "title", SPEC("title"), "text", SPEC("text"), "kind",
                          SPEC("kind"), "options", SPEC("options"), "abstain", SPEC("abstain"),
                          "secret", v->secret, "majority", SPEC("majority"), "quorum",
                          SPEC("quorum"), "members", SPEC("members"), "electorate",
                          SPEC("electorate"), "electorate_size", SPEC("electorate_size"), "state",
                          rs_vote_state_name(v->state), "opened_by", SPEC("opened_by"), "opened_at",
                          (json_int_t)v->created_at_ms, "closed_at", ms_or_null(v->closed_at_ms),
                          "agenda_item", SPEC("agenda_item"), "result", "head");
#undef SPEC
    json_decref(spec);
    return append(arg, o);
}

/* Adds what the stored record of a finished vote `o` says: the result entry, the electorate's
 * size, the head hash, and for a named (not secret) vote its ballots. */
static int vote_add_record(struct rs_store *st, json_t *o)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    char *text = NULL;
    int rc = rs_store_vote_record(st, id, &text);
    json_t *doc = rc == 0 ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!doc)
        return rc ? rc : -EIO;
    bool named = !json_is_true(json_object_get(o, "secret"));
    json_t *ballots = named ? json_array() : NULL;
    size_t i;
    json_t *ent;
    json_array_foreach(json_object_get(doc, "entries"), i, ent)
    {
        const char *type = json_string_value(json_object_get(ent, "type"));
        json_t *body = json_object_get(ent, "body");
        if (!type || !body)
            continue;
        if (strcmp(type, "result") == 0)
            json_object_set(o, "result", body);
        else if (strcmp(type, "electorate") == 0)
            json_object_set(o, "electorate_size", json_object_get(body, "size"));
        else if (strcmp(type, "ballot") == 0 && ballots)
            json_array_append_new(ballots, json_pack("{s:O?, s:O?, s:O?}", "voter",
                                                     json_object_get(body, "voter"), "option",
                                                     json_object_get(body, "option"), "label",
                                                     json_object_get(body, "label")));
    }
    json_object_set(o, "head", json_object_get(doc, "head"));
    if (ballots)
        json_object_set_new(o, "ballots", ballots);
    json_decref(doc);
    return 0;
}

static json_t *votes_json(struct rs_store *st, const char *room_id)
{
    json_t *votes = json_array();
    if (!votes || rs_store_vote_list(st, room_id, vote_each, votes))
        goto fail;
    size_t i;
    json_t *o;
    json_array_foreach(votes, i, o)
    {
        const char *state = json_string_value(json_object_get(o, "state"));
        if (strcmp(state, "open") == 0) {
            int64_t voted = 0;
            rs_store_vote_turnout(st, json_string_value(json_object_get(o, "id")), &voted);
            json_object_set_new(o, "voted", json_integer(voted));
        } else if (vote_add_record(st, o)) {
            goto fail;
        }
    }
    return votes;
fail:
    json_decref(votes);
    return NULL;
}

/* ---- agenda and minutes ---- */

static int item_each(const struct rs_agenda_item_record *it, void *arg)
{
    const char *status = !it->started_at_ms ? "pending" : it->ended_at_ms ? "done" : "current";
    json_t *minutes =
        it->minutes && *it->minutes
            ? json_pack("{s:s, s:s, s:I}", "text", it->minutes, "by",
                        it->minutes_by ? it->minutes_by : "", "at", (json_int_t)it->minutes_at_ms)
            : json_null();
    return append(
        arg, json_pack("{s:s, s:i, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:[]}", "id", it->id,
                       "position", it->position, "title", it->title ? it->title : "", "description",
                       it->description ? it->description : "", "public", it->public, "status",
                       status, "started_at", ms_or_null(it->started_at_ms), "ended_at",
                       ms_or_null(it->ended_at_ms), "minutes", minutes, "votes"));
}

/* Moves each vote attached to an item of `agenda` into the item's "votes"; returns the others
 * (a new array), in their order. */
static json_t *attach_votes(json_t *agenda, json_t *votes)
{
    json_t *loose = json_array();
    size_t i, k;
    json_t *v, *item;
    json_array_foreach(votes, i, v)
    {
        const char *at = json_string_value(json_object_get(v, "agenda_item"));
        json_t *home = loose;
        json_array_foreach(agenda, k, item)
        {
            if (at && strcmp(at, json_string_value(json_object_get(item, "id"))) == 0)
                home = json_object_get(item, "votes");
        }
        json_array_append(home, v);
    }
    return loose;
}

/* ---- session roles ---- */

struct roles {
    json_t *changes; /* every change, in order */
    json_t *holders; /* who held which role from when to when */
    json_t *open;    /* "role/person" -> the holder entry still open */
};

static int role_each(const struct rs_session_role_record *r, void *arg)
{
    struct roles *ro = arg;
    const char *role = rs_session_role_name(r->role);
    json_t *uid = r->user_id[0] ? json_string(r->user_id) : json_null();
    if (append(ro->changes, json_pack("{s:s, s:s, s:O, s:b, s:I}", "role", role, "name", r->name,
                                      "user_id", uid, "on", r->on, "at", (json_int_t)r->at_ms))) {
        json_decref(uid);
        return -ENOMEM;
    }
    char key[RS_MEMBER_NAME_MAX + 48];
    snprintf(key, sizeof(key), "%s/%s%s", role,
             r->user_id[0] ? "u:" : "n:", r->user_id[0] ? r->user_id : r->name);
    json_t *held = json_object_get(ro->open, key);
    int rc = 0;
    if (r->on && !held) {
        held = json_pack("{s:s, s:s, s:O, s:I, s:n}", "role", role, "name", r->name, "user_id", uid,
                         "from", (json_int_t)r->at_ms, "to");
        /* the list owns the entry; the map of open ones holds another reference */
        rc = append(ro->holders, held) || json_object_set(ro->open, key, held) ? -ENOMEM : 0;
    } else if (!r->on && held) {
        json_object_set_new(held, "to", json_integer(r->at_ms));
        json_object_del(ro->open, key);
    }
    json_decref(uid);
    return rc;
}

static json_t *roles_json(struct rs_store *st, const char *room_id)
{
    struct roles ro = {json_array(), json_array(), json_object()};
    json_t *j = NULL;
    if (ro.changes && ro.holders && ro.open &&
        rs_store_session_role_list(st, room_id, role_each, &ro) == 0)
        j = json_pack("{s:O, s:O}", "holders", ro.holders, "changes", ro.changes);
    json_decref(ro.changes);
    json_decref(ro.holders);
    json_decref(ro.open);
    return j;
}

/* ---- speaking times ---- */

struct speaking {
    json_t *turns;
    json_t *people; /* in the order of their first turn */
    json_t *by_key; /* "u:<user id>" or "p:<participant id>" -> the person */
};

static int turn_each(const struct rs_speaking_turn *t, void *arg)
{
    struct speaking *sp = arg;
    json_t *uid = t->user_id[0] ? json_string(t->user_id) : json_null();
    json_t *o =
        json_pack("{s:s, s:O, s:s, s:I, s:I, s:b, s:s?}", "participant_id", t->participant_id,
                  "user_id", uid, "name", t->name, "started_at", (json_int_t)t->started_at_ms,
                  "duration_ms", (json_int_t)t->duration_ms, "point_of_order", t->point_of_order,
                  "agenda_item", t->agenda_item[0] ? t->agenda_item : NULL);
    if (append(sp->turns, o)) {
        json_decref(uid);
        return -ENOMEM;
    }
    /* one person per account, else per connection (a guest who reconnects is someone new) */
    char key[64];
    snprintf(key, sizeof(key), "%s%s",
             t->user_id[0] ? "u:" : "p:", t->user_id[0] ? t->user_id : t->participant_id);
    json_t *p = json_object_get(sp->by_key, key);
    if (!p) {
        p = json_pack("{s:s, s:O, s:i, s:I, s:i}", "name", t->name, "user_id", uid, "turns", 0,
                      "spoken_ms", (json_int_t)0, "points_of_order", 0);
        if (append(sp->people, p) || json_object_set(sp->by_key, key, p)) {
            json_decref(uid);
            return -ENOMEM;
        }
    }
    json_decref(uid);
    json_object_set_new(p, "name", json_string(t->name)); /* the latest name */
    json_object_set_new(p, "turns",
                        json_integer(json_integer_value(json_object_get(p, "turns")) + 1));
    json_object_set_new(
        p, "spoken_ms",
        json_integer(json_integer_value(json_object_get(p, "spoken_ms")) + t->duration_ms));
    if (t->point_of_order)
        json_object_set_new(
            p, "points_of_order",
            json_integer(json_integer_value(json_object_get(p, "points_of_order")) + 1));
    return 0;
}

static json_t *speaking_json(struct rs_store *st, const char *room_id)
{
    struct speaking sp = {json_array(), json_array(), json_object()};
    json_t *j = NULL;
    if (sp.turns && sp.people && sp.by_key &&
        rs_store_speaking_list(st, room_id, turn_each, &sp) == 0) {
        size_t i;
        json_t *p;
        json_array_foreach(sp.people, i, p)
        {
            json_object_set_new(
                p, "spoken_s",
                json_integer(json_integer_value(json_object_get(p, "spoken_ms")) / 1000));
        }
        j = json_pack("{s:O, s:O}", "people", sp.people, "turns", sp.turns);
    }
    json_decref(sp.turns);
    json_decref(sp.people);
    json_decref(sp.by_key);
    return j;
}

/* ---- the document ---- */

/* The meeting: schedule, end, and from the attendance list the first entry and the last leave
 * (null while someone is still in the room). */
static json_t *meeting_json(const struct rs_room_record *room, json_t *att)
{
    int64_t first = 0, last = 0;
    bool present = false;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(att, "entries"), i, e)
    {
        int64_t in = json_integer_value(json_object_get(e, "joined_at_ms"));
        int64_t out = json_integer_value(json_object_get(e, "left_at_ms"));
        if (!first || in < first)
            first = in;
        present |= out == 0;
        if (out > last)
            last = out;
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", room->id, "title", room->title,
                     "scheduled_start", ms_or_null(room->scheduled_start_ms), "scheduled_end",
                     ms_or_null(room->scheduled_end_ms), "first_entry", ms_or_null(first),
                     "last_leave", ms_or_null(present ? 0 : last), "ended_at",
                     ms_or_null(room->ended_at_ms));
}

json_t *rs_record_json(struct rs_app *app, const struct rs_room_record *room)
{
    struct rs_store *st = app->store;
    json_t *agenda = json_array();
    json_t *att = rs_attendance_json(app, room->id);
    json_t *votes = votes_json(st, room->id);
    json_t *roles = roles_json(st, room->id);
    json_t *speaking = speaking_json(st, room->id);
    json_t *doc = NULL;
    if (agenda && att && votes && roles && speaking &&
        rs_store_agenda_list(st, room->id, item_each, agenda) == 0) {
        json_t *loose = attach_votes(agenda, votes);
        doc = json_pack("{s:s, s:I, s:o, s:O, s:o, s:O, s:O, s:O}", "format",
                        RS_MEETING_RECORD_FORMAT, "generated_at", (json_int_t)rs_wall_ms(),
                        "meeting", meeting_json(room, att), "agenda", agenda, "votes", loose,
                        "roles", roles, "attendance", att, "speaking", speaking);
    }
    json_decref(agenda);
    json_decref(att);
    json_decref(votes);
    json_decref(roles);
    json_decref(speaking);
    return doc;
}

/* ---- the printable page ---- */

enum {
    L_TITLE,
    L_MEETING,
    L_SCHEDULED,
    L_FIRST_ENTRY,
    L_LAST_LEAVE,
    L_ENDED,
    L_PRINTED,
    L_AGENDA,
    L_NO_AGENDA,
    L_ITEM,
    L_PENDING,
    L_CURRENT,
    L_DONE,
    L_PUBLIC,
    L_NOT_PUBLIC,
    L_FROM,
    L_TO,
    L_MINUTES,
    L_NO_MINUTES,
    L_WRITTEN_BY,
    L_VOTE,
    L_VOTES,
    L_OTHER_VOTES,
    L_SECRET,
    L_NAMED,
    L_MAJORITY,
    L_SIMPLE,
    L_OF_MEMBERS,
    L_TWO_THIRDS,
    L_QUORUM,
    L_VOTE_OPEN,
    L_BALLOTS,
    L_ROLES,
    L_NO_ROLES,
    L_ROLE,
    L_NAME,
    L_CHAIR,
    L_MINUTE_TAKER,
    L_ATTENDANCE,
    L_SPEAKING,
    L_NO_TURNS,
    L_TURNS,
    L_SPOKEN,
    L_POINTS_OF_ORDER,
    L_START,
    L_DURATION,
    L_POINT_OF_ORDER,
    L_YES,
    L_COUNT
};

static const char *const labels_de[L_COUNT] = {
    [L_TITLE] = "Sitzungsprotokoll",
    [L_MEETING] = "Sitzung",
    [L_SCHEDULED] = "Geplant (UTC)",
    [L_FIRST_ENTRY] = "Erster Zutritt (UTC)",
    [L_LAST_LEAVE] = "Letztes Verlassen (UTC)",
    [L_ENDED] = "Beendet (UTC)",
    [L_PRINTED] = "Stand (UTC)",
    [L_AGENDA] = "Tagesordnung",
    [L_NO_AGENDA] = "Diese Sitzung hat keine Tagesordnung.",
    [L_ITEM] = "TOP",
    [L_PENDING] = "offen",
    [L_CURRENT] = "in Beratung",
    [L_DONE] = "erledigt",
    [L_PUBLIC] = "öffentlich",
    [L_NOT_PUBLIC] = "nicht öffentlich",
    [L_FROM] = "Von (UTC)",
    [L_TO] = "Bis (UTC)",
    [L_MINUTES] = "Protokoll",
    [L_NO_MINUTES] = "Kein Protokoll.",
    [L_WRITTEN_BY] = "Geschrieben von",
    [L_VOTE] = "Abstimmung",
    [L_VOTES] = "Abstimmungen",
    [L_OTHER_VOTES] = "Abstimmungen ohne Tagesordnungspunkt",
    [L_SECRET] = "geheim",
    [L_NAMED] = "offen (namentlich)",
    [L_MAJORITY] = "Mehrheit",
    [L_SIMPLE] = "einfache Mehrheit",
    [L_OF_MEMBERS] = "Mehrheit der Mitglieder",
    [L_TWO_THIRDS] = "Zweidrittelmehrheit",
    [L_QUORUM] = "Quorum",
    [L_VOTE_OPEN] = "Die Abstimmung läuft noch.",
    [L_BALLOTS] = "Stimmen",
    [L_ROLES] = "Sitzungsrollen",
    [L_NO_ROLES] = "Es wurden keine Sitzungsrollen vergeben.",
    [L_ROLE] = "Rolle",
    [L_NAME] = "Name",
    [L_CHAIR] = "Vorsitz",
    [L_MINUTE_TAKER] = "Schriftführung",
    [L_ATTENDANCE] = "Anwesenheit",
    [L_SPEAKING] = "Redezeiten",
    [L_NO_TURNS] = "Es gab keine Wortbeiträge über die Redeliste.",
    [L_TURNS] = "Wortbeiträge",
    [L_SPOKEN] = "Redezeit",
    [L_POINTS_OF_ORDER] = "davon zur Geschäftsordnung",
    [L_START] = "Beginn (UTC)",
    [L_DURATION] = "Dauer",
    [L_POINT_OF_ORDER] = "Zur Geschäftsordnung",
    [L_YES] = "ja",
};

static const char *const labels_en[L_COUNT] = {
    [L_TITLE] = "Meeting record",
    [L_MEETING] = "Meeting",
    [L_SCHEDULED] = "Scheduled (UTC)",
    [L_FIRST_ENTRY] = "First entry (UTC)",
    [L_LAST_LEAVE] = "Last leave (UTC)",
    [L_ENDED] = "Ended (UTC)",
    [L_PRINTED] = "As of (UTC)",
    [L_AGENDA] = "Agenda",
    [L_NO_AGENDA] = "This meeting has no agenda.",
    [L_ITEM] = "Item",
    [L_PENDING] = "pending",
    [L_CURRENT] = "under discussion",
    [L_DONE] = "done",
    [L_PUBLIC] = "public",
    [L_NOT_PUBLIC] = "not public",
    [L_FROM] = "From (UTC)",
    [L_TO] = "To (UTC)",
    [L_MINUTES] = "Minutes",
    [L_NO_MINUTES] = "No minutes.",
    [L_WRITTEN_BY] = "Written by",
    [L_VOTE] = "Vote",
    [L_VOTES] = "Votes",
    [L_OTHER_VOTES] = "Votes outside the agenda",
    [L_SECRET] = "secret",
    [L_NAMED] = "open (by name)",
    [L_MAJORITY] = "Majority",
    [L_SIMPLE] = "simple majority",
    [L_OF_MEMBERS] = "majority of the members",
    [L_TWO_THIRDS] = "two-thirds majority",
    [L_QUORUM] = "Quorum",
    [L_VOTE_OPEN] = "The vote is still open.",
    [L_BALLOTS] = "Ballots",
    [L_ROLES] = "Session roles",
    [L_NO_ROLES] = "No session roles were given.",
    [L_ROLE] = "Role",
    [L_NAME] = "Name",
    [L_CHAIR] = "Chair",
    [L_MINUTE_TAKER] = "Minute-taker",
    [L_ATTENDANCE] = "Attendance",
    [L_SPEAKING] = "Speaking times",
    [L_NO_TURNS] = "Nobody spoke from the speakers' list.",
    [L_TURNS] = "Turns",
    [L_SPOKEN] = "Speaking time",
    [L_POINTS_OF_ORDER] = "of them points of order",
    [L_START] = "Start (UTC)",
    [L_DURATION] = "Duration",
    [L_POINT_OF_ORDER] = "Point of order",
    [L_YES] = "yes",
};

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* An ISO time, "–" for none. */
static void time_text(FILE *f, int64_t ms)
{
    char t[32];
    rs_iso_time(ms, t, sizeof(t));
    fputs(ms ? t : "–", f);
}

/* "h:mm:ss" or "m:ss". */
static void duration_text(FILE *f, int64_t ms)
{
    long long s = (long long)(ms / 1000);
    if (s >= 3600)
        fprintf(f, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        fprintf(f, "%lld:%02lld", s / 60, s % 60);
}

static void heading(FILE *f, int level, const char *a, const char *b)
{
    fprintf(f, "<h%d>", level);
    rs_html_esc(f, a);
    if (b) {
        fputs(": ", f);
        rs_html_esc(f, b);
    }
    fprintf(f, "</h%d>\n", level);
}

static void para(FILE *f, const char *cls, const char *s)
{
    fprintf(f, "<p class=\"%s\">", cls);
    rs_html_esc(f, s);
    fputs("</p>\n", f);
}

static void table_head(FILE *f, const char *const *L, const int *cols, size_t n)
{
    fputs("<table><thead><tr>", f);
    for (size_t i = 0; i < n; i++)
        rs_html_elem(f, "th", L[cols[i]]);
    fputs("</tr></thead><tbody>\n", f);
}

static void vote_html(FILE *f, json_t *v, int level, bool english)
{
    const char *const *L = english ? labels_en : labels_de;
    heading(f, level, L[L_VOTE], str(v, "title"));
    if (str(v, "text") && *str(v, "text"))
        para(f, "text", str(v, "text"));
    const char *maj = str(v, "majority");
    fputs("<p>", f);
    rs_html_esc(f, json_is_true(json_object_get(v, "secret")) ? L[L_SECRET] : L[L_NAMED]);
    fputs(" · ", f);
    rs_html_esc(f, L[L_MAJORITY]);
    fputs(": ", f);
    rs_html_esc(f, !maj                             ? "–"
                   : strcmp(maj, "members") == 0    ? L[L_OF_MEMBERS]
                   : strcmp(maj, "two_thirds") == 0 ? L[L_TWO_THIRDS]
                                                    : L[L_SIMPLE]);
    fputs(" · ", f);
    rs_html_esc(f, L[L_QUORUM]);
    fprintf(f, ": %lld</p>\n", (long long)num(v, "quorum"));
    json_t *result = json_object_get(v, "result");
    if (!json_is_object(result)) {
        para(f, "outcome", L[L_VOTE_OPEN]);
        return;
    }
    rs_vote_html_result(f, v, result, num(v, "electorate_size"), english);
    json_t *ballots = json_object_get(v, "ballots");
    if (json_array_size(ballots)) {
        fprintf(f, "<p>%s:</p>\n<ol class=\"ballots\">\n", L[L_BALLOTS]);
        size_t i;
        json_t *b;
        json_array_foreach(ballots, i, b)
        {
            fputs("<li>", f);
            rs_html_esc(f, str(b, "voter"));
            fputs(": ", f);
            rs_html_esc(f, rs_vote_option_label(v, (size_t)num(b, "option"), english));
            fputs("</li>\n", f);
        }
        fputs("</ol>\n", f);
    }
    fputs("<p class=\"head\">SHA-256: ", f);
    rs_html_elem(f, "code", str(v, "head"));
    fputs("</p>\n", f);
}

static void item_html(FILE *f, json_t *item, size_t nr, bool english)
{
    const char *const *L = english ? labels_en : labels_de;
    const char *status = str(item, "status");
    fprintf(f, "<h3>%s %zu: ", L[L_ITEM], nr);
    rs_html_esc(f, str(item, "title"));
    fputs("</h3>\n<p class=\"item\">", f);
    rs_html_esc(f, strcmp(status, "done") == 0      ? L[L_DONE]
                   : strcmp(status, "current") == 0 ? L[L_CURRENT]
                                                    : L[L_PENDING]);
    fputs(" · ", f);
    rs_html_esc(f, json_is_true(json_object_get(item, "public")) ? L[L_PUBLIC] : L[L_NOT_PUBLIC]);
    if (num(item, "started_at")) {
        fprintf(f, " · %s ", L[L_FROM]);
        time_text(f, num(item, "started_at"));
        fprintf(f, " %s ", L[L_TO]);
        time_text(f, num(item, "ended_at"));
    }
    fputs("</p>\n", f);
    if (str(item, "description") && *str(item, "description"))
        para(f, "text", str(item, "description"));
    heading(f, 4, L[L_MINUTES], NULL);
    json_t *min = json_object_get(item, "minutes");
    if (json_is_object(min)) {
        para(f, "text", str(min, "text"));
        fprintf(f, "<p class=\"by\">%s: ", L[L_WRITTEN_BY]);
        rs_html_esc(f, str(min, "by"));
        fputs(", ", f);
        time_text(f, num(min, "at"));
        fputs("</p>\n", f);
    } else {
        para(f, "none", L[L_NO_MINUTES]);
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(item, "votes"), i, v) vote_html(f, v, 4, english);
}

/* "TOP 3" for agenda item `id`, or "–". */
static void item_ref(FILE *f, json_t *agenda, const char *id, const char *const *L)
{
    size_t i;
    json_t *item;
    json_array_foreach(agenda, i, item)
    {
        if (id && strcmp(id, str(item, "id")) == 0) {
            fprintf(f, "%s %zu", L[L_ITEM], i + 1);
            return;
        }
    }
    fputs("–", f);
}

static void roles_html(FILE *f, json_t *holders, const char *const *L)
{
    if (!json_array_size(holders)) {
        para(f, "none", L[L_NO_ROLES]);
        return;
    }
    static const int cols[] = {L_ROLE, L_NAME, L_FROM, L_TO};
    table_head(f, L, cols, 4);
    size_t i;
    json_t *h;
    json_array_foreach(holders, i, h)
    {
        fputs("<tr>", f);
        rs_html_elem(f, "td",
                     strcmp(str(h, "role"), "chair") == 0 ? L[L_CHAIR] : L[L_MINUTE_TAKER]);
        rs_html_elem(f, "td", str(h, "name"));
        fputs("<td>", f);
        time_text(f, num(h, "from"));
        fputs("</td><td>", f);
        time_text(f, num(h, "to"));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void speaking_html(FILE *f, json_t *sp, json_t *agenda, const char *const *L)
{
    json_t *people = json_object_get(sp, "people"), *turns = json_object_get(sp, "turns");
    if (!json_array_size(turns)) {
        para(f, "none", L[L_NO_TURNS]);
        return;
    }
    static const int pcols[] = {L_NAME, L_TURNS, L_SPOKEN, L_POINTS_OF_ORDER};
    table_head(f, L, pcols, 4);
    size_t i;
    json_t *o;
    json_array_foreach(people, i, o)
    {
        fputs("<tr>", f);
        rs_html_elem(f, "td", str(o, "name"));
        fprintf(f, "<td>%lld</td><td>", (long long)num(o, "turns"));
        duration_text(f, num(o, "spoken_ms"));
        fprintf(f, "</td><td>%lld</td></tr>\n", (long long)num(o, "points_of_order"));
    }
    fputs("</tbody></table>\n", f);
    heading(f, 3, L[L_TURNS], NULL);
    static const int tcols[] = {L_START, L_NAME, L_DURATION, L_POINT_OF_ORDER, L_ITEM};
    table_head(f, L, tcols, 5);
    json_array_foreach(turns, i, o)
    {
        fputs("<tr><td>", f);
        time_text(f, num(o, "started_at"));
        fputs("</td>", f);
        rs_html_elem(f, "td", str(o, "name"));
        fputs("<td>", f);
        duration_text(f, num(o, "duration_ms"));
        fputs("</td>", f);
        rs_html_elem(f, "td", json_is_true(json_object_get(o, "point_of_order")) ? L[L_YES] : "");
        fputs("<td>", f);
        item_ref(f, agenda, str(o, "agenda_item"), L);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

void rs_record_html(FILE *f, json_t *doc, bool english)
{
    static const char *const styles[] = {"/css/vote-record.css", "/css/record.css", NULL};
    const char *const *L = english ? labels_en : labels_de;
    json_t *m = json_object_get(doc, "meeting"), *agenda = json_object_get(doc, "agenda");
    const char *title = str(m, "title") && *str(m, "title") ? str(m, "title") : str(m, "id");
    rs_html_head(f, english, L[L_TITLE], title, styles);
    heading(f, 1, L[L_TITLE], NULL);
    fprintf(f, "<p class=\"meeting\">%s: ", L[L_MEETING]);
    rs_html_elem(f, "strong", title);
    if (num(m, "scheduled_start")) {
        fprintf(f, "<br>%s: ", L[L_SCHEDULED]);
        time_text(f, num(m, "scheduled_start"));
        fputs(" – ", f);
        time_text(f, num(m, "scheduled_end"));
    }
    static const struct {
        int label;
        const char *key;
    } times[] = {
        {L_FIRST_ENTRY, "first_entry"}, {L_LAST_LEAVE, "last_leave"}, {L_ENDED, "ended_at"}};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        fprintf(f, "<br>%s: ", L[times[i].label]);
        time_text(f, num(m, times[i].key));
    }
    fprintf(f, "<br>%s: ", L[L_PRINTED]);
    time_text(f, num(doc, "generated_at"));
    fputs("</p>\n", f);

    heading(f, 2, L[L_AGENDA], NULL);
    if (!json_array_size(agenda))
        para(f, "none", L[L_NO_AGENDA]);
    size_t i;
    json_t *o;
    json_array_foreach(agenda, i, o) item_html(f, o, i + 1, english);
    json_t *votes = json_object_get(doc, "votes");
    if (json_array_size(votes)) {
        heading(f, 2, json_array_size(agenda) ? L[L_OTHER_VOTES] : L[L_VOTES], NULL);
        json_array_foreach(votes, i, o) vote_html(f, o, 3, english);
    }
    heading(f, 2, L[L_ROLES], NULL);
    roles_html(f, json_object_get(json_object_get(doc, "roles"), "holders"), L);
    heading(f, 2, L[L_ATTENDANCE], NULL);
    rs_attendance_html(f, json_object_get(doc, "attendance"), english, 3);
    heading(f, 2, L[L_SPEAKING], NULL);
    speaking_html(f, json_object_get(doc, "speaking"), agenda, L);
    fputs("</body></html>\n", f);
}

/* ---- the route ---- */

static int done_error(struct rs_http_resp *resp, unsigned status, const char *code,
                      const char *text)
{
    rs_http_resp_error(resp, status, code, NULL, text);
    return RS_HTTP_DONE;
}

int rs_record_api_handle(struct rs_app *app, const struct rs_http_req *req,
                         struct rs_http_resp *resp, const struct rs_room_record *room,
                         bool moderator, const char *rest)
{
    bool html = strcmp(rest, "record.html") == 0;
    if (!moderator) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        return done_error(resp, 403, "forbidden", "only the meeting's moderators see its record");
    }
    if (req->method != RS_HTTP_GET)
        return done_error(resp, 405, "method_not_allowed", "method not allowed here");
    json_t *doc = rs_record_json(app, room);
    if (!doc) {
        RS_WARN("api", "event=record_failed room=%s", room->id);
        return done_error(resp, 500, "internal", "the meeting's record could not be read");
    }
    if (!html) {
        rs_metric_inc(RS_M_RECORD_EXPORTS_JSON);
        rs_http_resp_json(resp, 200, doc);
        return RS_HTTP_DONE;
    }
    struct rs_html_page pg;
    if (rs_html_open(&pg)) {
        json_decref(doc);
        return done_error(resp, 500, "internal", "the page could not be built");
    }
    rs_record_html(pg.f, doc, rs_html_english(req));
    json_decref(doc);
    rs_html_respond(&pg, resp, "the page could not be built");
    if (resp->status == 200)
        rs_metric_inc(RS_M_RECORD_EXPORTS_HTML);
    return RS_HTTP_DONE;
}
