/* SPDX-License-Identifier: EUPL-1.2 */
/* REST routes of the member list and the votes of a meeting (docs/api.md "Members and votes").
 *
 *   GET/PUT /api/v1/meetings/{id}/members              the body that votes (moderators)
 *   GET     /api/v1/meetings/{id}/votes                 the meeting's votes (anyone with access)
 *   GET     /api/v1/meetings/{id}/votes/{vote}/record   the record as exported (JSON)
 *   GET     /api/v1/meetings/{id}/votes/{vote}/record.html   the same as a printable page
 *
 * api.c has signed in the caller and loaded the meeting with the caller's standing; this file
 * only adds the routes. The record is served byte for byte as stored, since `ratsaal vote
 * verify` checks those bytes; the printable page is built from it, every value escaped. */
#include "http/vote_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "http/cluster_events.h"
#include "http/html.h"
#include "http/store_error.h"
#include "room/access.h"
#include "room/vote.h"
#include "store/store_vote.h"

#define MEMBER_NAME_MAX_CHARS 100

static int done_error(struct rs_http_resp *resp, unsigned status, const char *code,
                      const char *field, const char *text)
{
    rs_http_resp_error(resp, status, code, field, text);
    return RS_HTTP_DONE;
}

/* ---- members ---- */

static int member_json(const struct rs_member_record *m, void *arg)
{
    json_t *o = m->user_id[0] ? json_pack("{s:s, s:s}", "user_id", m->user_id, "name", m->name)
                              : json_pack("{s:s}", "name", m->name);
    return json_array_append_new(arg, o) ? 1 : 0;
}

static int members_get(struct rs_app *app, const char *room_id, struct rs_http_resp *resp)
{
    json_t *arr = json_array();
    if (!arr || rs_store_members_list(app->store, room_id, member_json, arr) < 0) {
        json_decref(arr);
        return done_error(resp, 500, "internal", NULL, "the member list could not be read");
    }
    rs_http_resp_json(resp, 200, json_pack("{s:o}", "members", arr));
    return RS_HTTP_DONE;
}

/* Reads one entry of a PUT body: {"user": "<username or user id>"} or {"name": "..."}. */
static int member_parse(struct rs_app *app, const struct rs_room_record *room, json_t *o, size_t i,
                        struct rs_member_record *out, struct rs_http_resp *resp)
{
    memset(out, 0, sizeof(*out));
    json_t *user = json_object_get(o, "user"), *name = json_object_get(o, "name");
    char field[32];
    snprintf(field, sizeof(field), "members[%zu]", i);
    if (!json_is_object(o) || (user != NULL) == (name != NULL))
        return done_error(resp, 400, "invalid_request", field,
                          "each member is {\"user\": ...} or {\"name\": ...}"),
               -EINVAL;
    if (user) {
        struct rs_user_record u;
        const char *key = json_string_value(user);
        int rc = !key ? -ENOENT
                 : rs_username_valid(key) && rs_store_user_get_by_username(app->store, key, &u) == 0
                     ? 0
                     : rs_store_user_get(app->store, key, &u);
        if (rc || strcmp(u.tenant, room->tenant) != 0)
            return done_error(resp, 400, "invalid_request", field, "no such user"), -EINVAL;
        snprintf(out->user_id, sizeof(out->user_id), "%s", u.id);
        snprintf(out->name, sizeof(out->name), "%s", u.username[0] ? u.username : u.display_name);
        return 0;
    }
    struct rs_msg_error err;
    char buf[MEMBER_NAME_MAX_CHARS * 4 + 1];
    const char *val;
    memset(&err, 0, sizeof(err));
    if (rs_text_field(name, "name", true, MEMBER_NAME_MAX_CHARS, false, buf, sizeof(buf), &val,
                      &err))
        return done_error(resp, 400, "invalid_request", field, err.text), -EINVAL;
    snprintf(out->name, sizeof(out->name), "%s", val);
    return 0;
}

static int members_put(struct rs_app *app, const struct rs_http_req *req,
                       const struct rs_room_record *room, struct rs_http_resp *resp)
{
    json_error_t e;
    json_t *body =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e) : NULL;
    json_t *arr = json_object_get(body, "members");
    if (!json_is_array(arr) || json_array_size(arr) > RS_MEMBERS_MAX) {
        json_decref(body);
        return done_error(resp, 400, "invalid_request", "members",
                          "members must be an array of at most 500 entries");
    }
    size_t n = json_array_size(arr);
    struct rs_member_record *m = calloc(n ? n : 1, sizeof(*m));
    int rc = m ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = member_parse(app, room, json_array_get(arr, i), i, &m[i], resp);
        for (size_t k = 0; rc == 0 && k < i; k++) {
            if (strcmp(m[k].user_id, m[i].user_id) == 0 &&
                (m[i].user_id[0] || strcasecmp(m[k].name, m[i].name) == 0)) {
                char field[32];
                snprintf(field, sizeof(field), "members[%zu]", i);
                done_error(resp, 400, "invalid_request", field, "listed twice");
                rc = -EINVAL;
            }
        }
    }
    json_decref(body);
    bool not_stored = rc == 0 && rs_store_members_set(app->store, room->id, m, n) != 0;
    free(m);
    if (not_stored) {
        rs_http_resp_store_error(resp, "the member list could not be stored");
        return RS_HTTP_DONE;
    }
    if (rc == -ENOMEM)
        return done_error(resp, 500, "internal", NULL, "the member list could not be stored");
    if (rc)
        return RS_HTTP_DONE;
    RS_INFO("api", "event=members_set room=%s count=%zu", room->id, n);
    rs_vote_members_changed(app, room->id);
    rs_cluster_room_changed(app, room->id, "vote/members", NULL);
    return members_get(app, room->id, resp);
}

/* ---- votes ---- */

static int vote_summary(const struct rs_vote_record *v, void *arg)
{
    json_t *spec = json_loads(v->spec, 0, NULL);
    json_t *o =
        json_pack("{s:s, s:O?, s:s, s:b, s:I, s:o}", "id", v->id, "title",
                  json_object_get(spec, "title"), "state", rs_vote_state_name(v->state), "secret",
                  v->secret, "created_at", (json_int_t)v->created_at_ms, "closed_at",
                  v->closed_at_ms ? json_integer(v->closed_at_ms) : json_null());
    json_decref(spec);
    return json_array_append_new(arg, o) ? 1 : 0;
}

static const char *const labels_de[] = {"Abstimmungsprotokoll",
                                        "Sitzung",
                                        "Antrag",
                                        "Optionen",
                                        "Stimmberechtigte",
                                        "Stimmen",
                                        "Ergebnis",
                                        "angenommen",
                                        "abgelehnt",
                                        "beschlussfähig",
                                        "nicht beschlussfähig",
                                        "Kette",
                                        "Prüfen mit",
                                        "ja",
                                        "nein",
                                        "Enthaltung",
                                        "geheim",
                                        "offen",
                                        "abgebrochen",
                                        "Quittung (SHA-256)",
                                        "Stimmberechtigt",
                                        "Abgegeben"};
static const char *const labels_en[] = {
    "Vote record", "Meeting", "Motion",      "Options",    "Electorate",
    "Ballots",     "Result",  "passed",      "not passed", "quorate",
    "not quorate", "Chain",   "Verify with", "yes",        "no",
    "abstain",     "secret",  "open",        "cancelled",  "Receipt (SHA-256)",
    "Eligible",    "Cast"};
enum {
    L_TITLE,
    L_MEETING,
    L_MOTION,
    L_OPTIONS,
    L_ELECTORATE,
    L_BALLOTS,
    L_RESULT,
    L_PASSED,
    L_FAILED,
    L_QUORATE,
    L_INQUORATE,
    L_CHAIN,
    L_VERIFY,
    L_YES,
    L_NO,
    L_ABSTAIN,
    L_SECRET,
    L_OPEN,
    L_CANCELLED,
    L_RECEIPT,
    L_ELIGIBLE,
    L_CAST
};

const char *rs_vote_option_label(json_t *spec, size_t i, bool english)
{
    const char *const *L = english ? labels_en : labels_de;
    const char *s = json_string_value(json_array_get(json_object_get(spec, "options"), i));
    const char *kind = json_string_value(json_object_get(spec, "kind"));
    bool motion = s && kind && strcmp(kind, "motion") == 0;
    if (s && (motion || (json_int_t)i == json_integer_value(json_object_get(spec, "abstain")))) {
        if (strcmp(s, "yes") == 0)
            return L[L_YES];
        if (strcmp(s, "no") == 0)
            return L[L_NO];
        if (strcmp(s, "abstain") == 0)
            return L[L_ABSTAIN];
    }
    return s ? s : "?";
}

void rs_vote_html_result(FILE *f, json_t *spec, json_t *result, json_int_t electorate, bool english)
{
    const char *const *L = english ? labels_en : labels_de;
    const char *state = json_string_value(json_object_get(result, "state"));
    fputs("<p class=\"outcome\">", f);
    rs_html_esc(f, state && strcmp(state, "cancelled") == 0          ? L[L_CANCELLED]
                   : json_is_true(json_object_get(result, "passed")) ? L[L_PASSED]
                                                                     : L[L_FAILED]);
    fputs(" · ", f);
    rs_html_esc(f,
                json_is_true(json_object_get(result, "quorate")) ? L[L_QUORATE] : L[L_INQUORATE]);
    fputs("</p>\n<table><thead><tr>", f);
    rs_html_elem(f, "th", L[L_OPTIONS]);
    rs_html_elem(f, "th", L[L_BALLOTS]);
    fputs("</tr></thead><tbody>\n", f);
    json_t *counts = json_object_get(result, "counts");
    for (size_t i = 0; i < json_array_size(json_object_get(spec, "options")); i++) {
        fputs("<tr>", f);
        rs_html_elem(f, "td", rs_vote_option_label(spec, i, english));
        fprintf(f, "<td>%lld</td></tr>\n",
                (long long)json_integer_value(json_array_get(counts, i)));
    }
    fputs("</tbody></table>\n<p>", f);
    rs_html_esc(f, L[L_ELIGIBLE]);
    fprintf(f, ": %lld · ", (long long)electorate);
    rs_html_esc(f, L[L_CAST]);
    fprintf(f, ": %lld</p>\n", (long long)json_integer_value(json_object_get(result, "ballots")));
}

/* The printable page of an exported record `record` (borrowed) into `f`. */
static void record_page(FILE *f, const char *record, bool english)
{
    static const char *const styles[] = {"/css/vote-record.css", NULL};
    const char *const *L = english ? labels_en : labels_de;
    json_t *doc = json_loads(record, 0, NULL);
    json_t *entries = json_object_get(doc, "entries");
    json_t *spec = json_object_get(json_array_get(entries, 0), "body");
    json_t *elect = NULL, *result = NULL;
    size_t i;
    json_t *ent;
    json_array_foreach(entries, i, ent)
    {
        const char *t = json_string_value(json_object_get(ent, "type"));
        if (t && strcmp(t, "electorate") == 0)
            elect = json_object_get(ent, "body");
        if (t && strcmp(t, "result") == 0)
            result = json_object_get(ent, "body");
    }
    const char *title = json_string_value(json_object_get(spec, "title"));
    rs_html_head(f, english, L[L_TITLE], title, styles);
    rs_html_elem(f, "h1", L[L_TITLE]);
    fputs("\n<p>", f);
    rs_html_esc(f, L[L_MEETING]);
    fputs(": ", f);
    rs_html_elem(f, "code", json_string_value(json_object_get(spec, "meeting")));
    fputs(" · ", f);
    rs_html_esc(f, json_is_true(json_object_get(spec, "secret")) ? L[L_SECRET] : L[L_OPEN]);
    fputs("</p>\n", f);
    rs_html_elem(f, "h2", L[L_MOTION]);
    fputs("\n<p class=\"title\">", f);
    rs_html_esc(f, title);
    fputs("</p>\n<p class=\"text\">", f);
    rs_html_esc(f, json_string_value(json_object_get(spec, "text")));
    fputs("</p>\n", f);
    rs_html_elem(f, "h2", L[L_RESULT]);
    fputs("\n", f);
    rs_vote_html_result(f, spec, result, json_integer_value(json_object_get(elect, "size")),
                        english);
    rs_html_elem(f, "h2", L[L_ELECTORATE]);
    fputs("\n<p class=\"names\">", f);
    json_t *name;
    json_array_foreach(json_object_get(elect, "voters"), i, name)
    {
        if (i)
            fputs(", ", f);
        rs_html_esc(f, json_string_value(name));
    }
    fputs("</p>\n", f);
    rs_html_elem(f, "h2", L[L_BALLOTS]);
    fputs("\n<ol class=\"ballots\">\n", f);
    json_array_foreach(entries, i, ent)
    {
        json_t *b = json_object_get(ent, "body");
        const char *type = json_string_value(json_object_get(ent, "type"));
        if (!type || strcmp(type, "ballot") != 0)
            continue;
        fputs("<li>", f);
        if (json_object_get(b, "voter")) {
            rs_html_esc(f, json_string_value(json_object_get(b, "voter")));
        } else {
            rs_html_esc(f, L[L_RECEIPT]);
            fputs(" ", f);
            rs_html_elem(f, "code", json_string_value(json_object_get(b, "receipt_hash")));
        }
        fputs(": ", f);
        rs_html_esc(
            f, rs_vote_option_label(spec, (size_t)json_integer_value(json_object_get(b, "option")),
                                    english));
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
    rs_html_elem(f, "h2", L[L_CHAIN]);
    fputs("\n<ol class=\"chain\" start=\"0\">\n", f);
    json_array_foreach(entries, i, ent)
    {
        fputs("<li>", f);
        rs_html_esc(f, json_string_value(json_object_get(ent, "type")));
        fputs(" ", f);
        rs_html_elem(f, "code", json_string_value(json_object_get(ent, "hash")));
        fputs("</li>\n", f);
    }
    fputs("</ol>\n<p class=\"head\">SHA-256: ", f);
    rs_html_elem(f, "code", json_string_value(json_object_get(doc, "head")));
    fputs("</p>\n<p class=\"verify\">", f);
    rs_html_esc(f, L[L_VERIFY]);
    fputs(": <code>ratsaal vote verify record.json</code></p>\n</body></html>\n", f);
    json_decref(doc);
}

static int record_get(struct rs_app *app, const struct rs_http_req *req, const char *room_id,
                      const char *vote_id, bool html, struct rs_http_resp *resp)
{
    struct rs_vote_record *v = malloc(sizeof(*v));
    char *text = NULL;
    int rc = v ? rs_store_vote_get(app->store, vote_id, v) : -ENOMEM;
    if (rc == 0 && strcmp(v->room_id, room_id) != 0)
        rc = -ENOENT;
    if (rc == 0 && v->state == RS_VOTE_OPEN) {
        free(v);
        return done_error(resp, 409, "vote_open", NULL, "the vote is still open");
    }
    free(v);
    if (rc == 0)
        rc = rs_store_vote_record(app->store, vote_id, &text);
    if (rc == -ENOENT)
        return done_error(resp, 404, "not_found", NULL, "no such vote");
    if (rc)
        return done_error(resp, 500, "internal", NULL, "the record could not be read");
    if (html) {
        struct rs_html_page pg;
        if (rs_html_open(&pg)) {
            free(text);
            return done_error(resp, 500, "internal", NULL, "the page could not be built");
        }
        record_page(pg.f, text, rs_html_english(req));
        free(text);
        rs_html_respond(&pg, resp, "the page could not be built");
        return RS_HTTP_DONE;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = strlen(text);
    return RS_HTTP_DONE;
}

int rs_vote_api_handle(struct rs_app *app, const struct rs_http_req *req, struct rs_http_resp *resp,
                       const struct rs_room_record *room, bool moderator, const char *rest)
{
    if (strcmp(rest, "members") == 0) {
        if (!moderator) {
            rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
            return done_error(resp, 403, "forbidden", NULL,
                              "only the meeting's moderators manage its members");
        }
        if (req->method == RS_HTTP_GET)
            return members_get(app, room->id, resp);
        if (req->method == RS_HTTP_PUT)
            return members_put(app, req, room, resp);
        return done_error(resp, 405, "method_not_allowed", NULL, "method not allowed here");
    }
    if (req->method != RS_HTTP_GET)
        return done_error(resp, 405, "method_not_allowed", NULL, "method not allowed here");
    if (strcmp(rest, "votes") == 0) {
        json_t *arr = json_array();
        if (!arr || rs_store_vote_list(app->store, room->id, vote_summary, arr) < 0) {
            json_decref(arr);
            return done_error(resp, 500, "internal", NULL, "the votes could not be read");
        }
        rs_http_resp_json(resp, 200, json_pack("{s:o}", "votes", arr));
        return RS_HTTP_DONE;
    }
    /* votes/{vote}/record[.html] */
    char vote[RS_VOTE_ID_MAX + 1];
    const char *slash = strncmp(rest, "votes/", 6) == 0 ? strchr(rest + 6, '/') : NULL;
    size_t len = slash ? (size_t)(slash - rest - 6) : 0;
    if (!slash || len == 0 || len > RS_VOTE_ID_MAX)
        return done_error(resp, 404, "not_found", NULL, "no such resource");
    memcpy(vote, rest + 6, len);
    vote[len] = 0;
    if (strcmp(slash, "/record") == 0 || strcmp(slash, "/record.html") == 0)
        return record_get(app, req, room->id, vote, strcmp(slash, "/record.html") == 0, resp);
    return done_error(resp, 404, "not_found", NULL, "no such resource");
}
