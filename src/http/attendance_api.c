/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of a meeting's attendance list (docs/api.md "Attendance"):
 *
 *   GET /api/v1/meetings/{id}/attendance        entries and the quorum timeline (JSON)
 *   GET /api/v1/meetings/{id}/attendance.csv    the entries (or ?table=quorum) as CSV
 *   GET /api/v1/meetings/{id}/attendance.html   a printable page (?lang=en|de)
 *
 * Moderators of the meeting and admins only: the list names everyone who was there. All three
 * read the store as it is now, so they work during the meeting (open stays have no end yet)
 * and after it. The CSV is RFC 4180 with commas, CRLF and a UTF-8 byte order mark (Excel reads
 * UTF-8 only with it); every cell a person typed is escaped and defused against formula
 * injection (rs_csv_field). Times are UTC: ISO 8601 in CSV and the page, ms in JSON. */
#include "http/attendance_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "http/html.h"
#include "room/attendance.h"
#include "store/store_attendance.h"
#include "store/store_vote.h"

struct rows {
    struct rs_attendance_record *r;
    size_t n, cap;
};

static int row_add(const struct rs_attendance_record *r, void *arg)
{
    struct rows *rs = arg;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 32;
        struct rs_attendance_record *more = realloc(rs->r, cap * sizeof(*more));
        if (!more)
            return -ENOMEM;
        rs->r = more;
        rs->cap = cap;
    }
    rs->r[rs->n++] = *r;
    return 0;
}

static int member_count(const struct rs_member_record *m, void *arg)
{
    (void)m;
    (*(unsigned *)arg)++;
    return 0;
}

void rs_csv_field(FILE *f, const char *s)
{
    s = s ? s : "";
    bool defuse = strchr("=+-@\t\r", s[0]) && s[0];
    bool quote = defuse || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (defuse)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

static void csv_entries(FILE *f, const struct rows *rs)
{
    fputs("participant_id,name,user_id,account,role,member,joined_at,left_at,reason\r\n", f);
    char a[32], b[32];
    for (size_t i = 0; i < rs->n; i++) {
        const struct rs_attendance_record *r = &rs->r[i];
        rs_iso_time(r->joined_at_ms, a, sizeof(a));
        rs_iso_time(r->left_at_ms, b, sizeof(b));
        const char *cells[] = {
            r->participant_id, r->display_name,          r->user_id, yes_no(r->user_id[0]),
            r->role,           yes_no(r->member_key[0]), a,          b,
            r->reason};
        for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++) {
            if (c)
                fputc(',', f);
            rs_csv_field(f, cells[c]);
        }
        fputs("\r\n", f);
    }
}

static void csv_quorum(FILE *f, json_t *timeline, unsigned members)
{
    fprintf(f, "at,present,members_present,members,quorate\r\n");
    size_t i;
    json_t *pt;
    char a[32];
    json_array_foreach(timeline, i, pt)
    {
        rs_iso_time(json_integer_value(json_object_get(pt, "at_ms")), a, sizeof(a));
        fprintf(f, "%s,%lld,%lld,%u,%s\r\n", a,
                (long long)json_integer_value(json_object_get(pt, "present")),
                (long long)json_integer_value(json_object_get(pt, "members_present")), members,
                yes_no(json_is_true(json_object_get(pt, "quorate"))));
    }
}

static json_t *entries_json(const struct rows *rs)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < rs->n; i++) {
        const struct rs_attendance_record *r = &rs->r[i];
        json_t *o = json_pack("{s:s, s:s, s:s?, s:b, s:s, s:b, s:I, s:o, s:s?}", "participant_id",
                              r->participant_id, "name", r->display_name, "user_id",
                              r->user_id[0] ? r->user_id : NULL, "account", r->user_id[0] != 0,
                              "role", r->role, "member", r->member_key[0] != 0, "joined_at_ms",
                              (json_int_t)r->joined_at_ms, "left_at_ms",
                              r->left_at_ms ? json_integer(r->left_at_ms) : json_null(), "reason",
                              r->reason[0] ? r->reason : NULL);
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ---- printable page ---- */

enum {
    L_TITLE,
    L_MEETING,
    L_NAME,
    L_KIND,
    L_ROLE,
    L_MEMBER,
    L_FROM,
    L_TO,
    L_REASON,
    L_ACCOUNT,
    L_GUEST,
    L_YES,
    L_NO,
    L_QUORUM,
    L_AT,
    L_PRESENT,
    L_MEMBERS_PRESENT,
    L_QUORATE,
    L_PRINTED,
    L_NO_MEMBERS,
    L_PRESENT_NOW,
    L_GUEST_ROLE,
    L_PARTICIPANT_ROLE,
    L_MODERATOR_ROLE,
    L_COUNT
};

static const char *const labels_de[L_COUNT] = {"Anwesenheitsliste",
                                               "Sitzung",
                                               "Name",
                                               "Konto/Gast",
                                               "Rolle",
                                               "Mitglied",
                                               "Von (UTC)",
                                               "Bis (UTC)",
                                               "Grund",
                                               "Konto",
                                               "Gast",
                                               "ja",
                                               "nein",
                                               "Beschlussfähigkeit im Verlauf",
                                               "Zeitpunkt (UTC)",
                                               "Anwesend",
                                               "Mitglieder anwesend",
                                               "Beschlussfähig",
                                               "Stand (UTC)",
                                               "Diese Sitzung hat keine Mitgliederliste.",
                                               "anwesend",
                                               "Gast",
                                               "Teilnahme",
                                               "Moderation"};
static const char *const labels_en[L_COUNT] = {"Attendance list",
                                               "Meeting",
                                               "Name",
                                               "Account/guest",
                                               "Role",
                                               "Member",
                                               "From (UTC)",
                                               "To (UTC)",
                                               "Reason",
                                               "account",
                                               "guest",
                                               "yes",
                                               "no",
                                               "Quorum over time",
                                               "Time (UTC)",
                                               "Present",
                                               "Members present",
                                               "Quorate",
                                               "As of (UTC)",
                                               "This meeting has no member list.",
                                               "present",
                                               "guest",
                                               "participant",
                                               "moderator"};

static const char *role_label(const char *role, const char *const *L)
{
    role = role ? role : "";
    return strcmp(role, "guest") == 0         ? L[L_GUEST_ROLE]
           : strcmp(role, "participant") == 0 ? L[L_PARTICIPANT_ROLE]
           : strcmp(role, "moderator") == 0   ? L[L_MODERATOR_ROLE]
                                              : role;
}

/* One `<td>` per value. */
static void cell(FILE *f, const char *s)
{
    rs_html_elem(f, "td", s);
}

static void header_row(FILE *f, const char *const *L, int from, int to)
{
    fputs("<thead><tr>", f);
    for (int l = from; l <= to; l++)
        rs_html_elem(f, "th", L[l]);
    fputs("</tr></thead>", f);
}

void rs_attendance_html(FILE *f, json_t *att, bool english, int level)
{
    const char *const *L = english ? labels_en : labels_de;
    unsigned members = (unsigned)json_integer_value(json_object_get(att, "members"));
    char a[32], b[32];
    size_t i;
    json_t *e;
    fputs("<table class=\"entries\">", f);
    header_row(f, L, L_NAME, L_REASON);
    fputs("<tbody>\n", f);
    json_array_foreach(json_object_get(att, "entries"), i, e)
    {
        json_int_t left = json_integer_value(json_object_get(e, "left_at_ms"));
        rs_iso_time(json_integer_value(json_object_get(e, "joined_at_ms")), a, sizeof(a));
        rs_iso_time(left, b, sizeof(b));
        fputs("<tr>", f);
        cell(f, json_string_value(json_object_get(e, "name")));
        cell(f, json_is_true(json_object_get(e, "account")) ? L[L_ACCOUNT] : L[L_GUEST]);
        cell(f, role_label(json_string_value(json_object_get(e, "role")), L));
        cell(f, json_is_true(json_object_get(e, "member")) ? L[L_YES] : L[L_NO]);
        cell(f, a);
        cell(f, left ? b : L[L_PRESENT_NOW]);
        cell(f, json_string_value(json_object_get(e, "reason")));
        fputs("</tr>\n", f);
    }
    fprintf(f, "</tbody></table>\n<h%d>", level);
    rs_html_esc(f, L[L_QUORUM]);
    fprintf(f, "</h%d>\n", level);
    if (!members) {
        rs_html_elem(f, "p", L[L_NO_MEMBERS]);
        fputs("\n", f);
    }
    fputs("<table class=\"quorum\">", f);
    header_row(f, L, L_AT, L_QUORATE);
    fputs("<tbody>\n", f);
    json_t *pt;
    json_array_foreach(json_object_get(att, "quorum"), i, pt)
    {
        rs_iso_time(json_integer_value(json_object_get(pt, "at_ms")), a, sizeof(a));
        fprintf(f, "<tr><td>%s</td><td>%lld</td><td>%lld / %u</td>", a,
                (long long)json_integer_value(json_object_get(pt, "present")),
                (long long)json_integer_value(json_object_get(pt, "members_present")), members);
        cell(f,
             members ? (json_is_true(json_object_get(pt, "quorate")) ? L[L_YES] : L[L_NO]) : "–");
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void page(FILE *f, const struct rs_room_record *room, json_t *att, bool english)
{
    static const char *const styles[] = {"/css/vote-record.css", "/css/attendance.css", NULL};
    const char *const *L = english ? labels_en : labels_de;
    const char *title = room->title[0] ? room->title : room->id;
    char now[32];
    rs_html_head(f, english, L[L_TITLE], title, styles);
    rs_html_elem(f, "h1", L[L_TITLE]);
    fputs("\n<p class=\"meeting\">", f);
    rs_html_esc(f, L[L_MEETING]);
    fputs(": ", f);
    rs_html_elem(f, "strong", title);
    rs_iso_time(rs_wall_ms(), now, sizeof(now));
    fputs("<br>", f);
    rs_html_esc(f, L[L_PRINTED]);
    fputs(": ", f);
    rs_html_esc(f, now);
    fputs("</p>\n", f);
    rs_attendance_html(f, att, english, 2);
    fputs("</body></html>\n", f);
}

static int done_error(struct rs_http_resp *resp, unsigned status, const char *code,
                      const char *text)
{
    rs_http_resp_error(resp, status, code, NULL, text);
    return RS_HTTP_DONE;
}

/* The meeting's rows, its member count and the quorum timeline. */
struct attendance {
    struct rows rs;
    unsigned members;
    json_t *timeline;
};

static int load(struct rs_app *app, const char *room_id, struct attendance *at)
{
    memset(at, 0, sizeof(*at));
    if (rs_store_attendance_list(app->store, room_id, row_add, &at->rs) ||
        rs_store_members_list(app->store, room_id, member_count, &at->members) < 0 ||
        !(at->timeline = rs_attendance_timeline(at->rs.r, at->rs.n, at->members))) {
        free(at->rs.r);
        return -EIO;
    }
    return 0;
}

static void unload(struct attendance *at)
{
    json_decref(at->timeline);
    free(at->rs.r);
}

json_t *rs_attendance_json(struct rs_app *app, const char *room_id)
{
    struct attendance at;
    if (load(app, room_id, &at))
        return NULL;
    json_t *entries = entries_json(&at.rs);
    json_t *j = entries ? json_pack("{s:i, s:o, s:O}", "members", (int)at.members, "entries",
                                    entries, "quorum", at.timeline)
                        : NULL;
    unload(&at);
    return j;
}

static int csv(struct rs_app *app, const struct rs_http_req *req, const struct rs_room_record *room,
               struct rs_http_resp *resp)
{
    struct attendance at;
    char *body = NULL;
    size_t len = 0;
    FILE *f = NULL;
    if (load(app, room->id, &at))
        goto fail;
    if (!(f = open_memstream(&body, &len)))
        goto fail_unload;
    char table[16] = "";
    rs_http_req_arg(req, "table", table, sizeof(table));
    fputs("\xEF\xBB\xBF", f); /* UTF-8 byte order mark, for Excel */
    if (strcmp(table, "quorum") == 0)
        csv_quorum(f, at.timeline, at.members);
    else
        csv_entries(f, &at.rs);
    if (fclose(f) || !body)
        goto fail_free_body;
    char disp[128];
    snprintf(disp, sizeof(disp), "attachment; filename=\"attendance-%s.csv\"", room->id);
    rs_http_resp_header(resp, "content-disposition:", disp);
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    resp->body = body;
    resp->body_len = len;
    unload(&at);
    return RS_HTTP_DONE;
fail_free_body:
    free(body);
fail_unload:
    unload(&at);
fail:
    return done_error(resp, 500, "internal", "the attendance list could not be read");
}

int rs_attendance_api_handle(struct rs_app *app, const struct rs_http_req *req,
                             struct rs_http_resp *resp, const struct rs_room_record *room,
                             bool moderator, const char *rest)
{
    int kind = strcmp(rest, "attendance") == 0        ? 0
               : strcmp(rest, "attendance.csv") == 0  ? 1
               : strcmp(rest, "attendance.html") == 0 ? 2
                                                      : -1;
    if (kind < 0)
        return done_error(resp, 404, "not_found", "no such resource");
    if (!moderator) {
        rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
        return done_error(resp, 403, "forbidden",
                          "only the meeting's moderators see its attendance list");
    }
    if (req->method != RS_HTTP_GET)
        return done_error(resp, 405, "method_not_allowed", "method not allowed here");
    if (kind == 1)
        return csv(app, req, room, resp);
    json_t *att = rs_attendance_json(app, room->id);
    if (!att)
        return done_error(resp, 500, "internal", "the attendance list could not be read");
    if (kind == 0) {
        json_object_set_new(att, "meeting", json_string(room->id));
        json_object_set_new(att, "title", json_string(room->title));
        rs_http_resp_json(resp, 200, att);
        return RS_HTTP_DONE;
    }
    struct rs_html_page pg;
    if (rs_html_open(&pg)) {
        json_decref(att);
        return done_error(resp, 500, "internal", "the page could not be built");
    }
    page(pg.f, room, att, rs_html_english(req));
    json_decref(att);
    rs_html_respond(&pg, resp, "the page could not be built");
    return RS_HTTP_DONE;
}
