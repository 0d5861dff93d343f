/* SPDX-License-Identifier: EUPL-1.2 */
/* The one text rule (RS_FIELD_TEXT in room/dispatch.c, rs_text_field) where display names, chat
 * and titles meet it: over signaling (control/join, chat/send) and over REST (a meeting's
 * title). Bidi controls and line/paragraph separators are refused everywhere; a value made
 * only of invisible or space characters is empty; limits count characters, not bytes. Each
 * code point of the issue is tried on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/web_session.h"
#include "core/app.h"
#include "http/api.h"
#include "room/room.h"
#include "signaling/session.h"
#include "store/store.h"
#include "../../support/tmpdir.h"

static struct rs_app app;
static char dir[64], db[128];
static char cookie[128];

static void want_write(struct rs_session *s)
{
}
static void do_close(struct rs_session *s, int status, const char *reason)
{
}
static const struct rs_session_ops ops = {want_write, do_close};

static int setup(void **state)
{
    memset(&app, 0, sizeof(app));
    rs_config_defaults(&app.cfg);
    app.cfg.anonymous_meetings = RS_ANON_ON;
    app.cfg.join_rate_per_min = 100000;
    if (test_db_dir(dir, sizeof(dir), db, sizeof(db), "rs-text"))
        return -1;
    if (rs_store_open_sqlite(db, &app.store))
        return -1;
    app.rooms = rs_rooms_new(&app);
    struct rs_user_record u;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "erika");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$x");
    snprintf(u.tenant, sizeof(u.tenant), "stadt-a");
    assert_int_equal(rs_store_user_create(app.store, &u), 0);
    const char *token = "text-rule-session-token-0123456789";
    uint8_t hash[32];
    rs_auth_token_hash(token, hash);
    assert_int_equal(rs_store_session_create(app.store, hash, u.id, RS_LOGIN_LOCAL, NULL, NULL,
                                             1, 4102444800000LL),
                     0);
    snprintf(cookie, sizeof(cookie), "ratsaal_session=%s", token);
    return app.rooms ? 0 : -1;
}

static int teardown(void **state)
{
    while (app.sessions)
        rs_session_free(app.sessions);
    rs_rooms_free(app.rooms);
    rs_store_close(app.store);
    char p[160];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

/* ---- the rule itself ---- */

/* UTF-8 of one code point into `out` (at least 5 bytes). Returns the length. */
static size_t utf8(unsigned cp, char *out)
{
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    out[n] = 0;
    return n;
}

/* Runs rs_text_field on `text` as a required, single-line field of 64 characters. Returns the
 * error code, or -1 when accepted. */
static int rule(const char *text, size_t max_chars)
{
    json_t *v = json_string(text);
    assert_non_null(v);
    char buf[1024];
    const char *out;
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    int rc = rs_text_field(v, "display_name", true, max_chars, false, buf, sizeof(buf), &out, &err);
    json_decref(v);
    return rc ? (int)err.code : -1;
}

/* Code points that show nothing: alone (and several of them) they are an empty value. */
static const unsigned invisible[] = {
    0x00A0, /* no-break space */
    0x00AD, /* soft hyphen */
    0x034F, /* combining grapheme joiner */
    0x115F, 0x1160, /* Hangul choseong/jungseong fillers */
    0x1680, /* Ogham space mark */
    0x180E, /* Mongolian vowel separator */
    0x2000, 0x2003, 0x200A, /* en quad, em space, hair space */
    0x200B, 0x200C, 0x200D, /* zero-width space, non-joiner, joiner */
    0x202F, 0x205F, /* narrow no-break space, medium mathematical space */
    0x2060, 0x2061, 0x2064, /* word joiner, invisible operators */
    0x2800, /* Braille blank */
    0x3000, /* ideographic space */
    0x3164, /* Hangul filler */
    0xFE0F, /* variation selector 16 */
    0xFEFF, /* zero-width no-break space (BOM) */
    0xFFA0, /* halfwidth Hangul filler */
    0xE0020, /* tag space */
};

/* Bidi controls and line/paragraph separators: refused anywhere in a value. */
static const unsigned refused[] = {
    0x061C,                                 /* Arabic letter mark */
    0x200E, 0x200F,                         /* left-to-right / right-to-left mark */
    0x2028, 0x2029,                         /* line / paragraph separator */
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E, /* embeddings, pop, overrides */
    0x2066, 0x2067, 0x2068, 0x2069,         /* isolates */
};

static void test_invisible_only_is_empty(void **state)
{
    for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++) {
        char one[8], text[64];
        utf8(invisible[i], one);
        assert_int_equal(rule(one, 64), RS_ERR_EMPTY_VALUE);
        snprintf(text, sizeof(text), " %s%s %s ", one, one, one);
        if (rule(text, 64) != RS_ERR_EMPTY_VALUE)
            fail_msg("U+%04X repeated with spaces was not empty", invisible[i]);
        /* next to a visible character it is fine (ZWJ in emoji, NBSP inside a name) */
        snprintf(text, sizeof(text), "Erika%sMustermann", one);
        if (rule(text, 64) != -1)
            fail_msg("U+%04X inside a name was refused", invisible[i]);
    }
    /* a mix of different invisible characters is still nothing */
    assert_int_equal(rule("\u200B\u00A0\u3164\u3000\u2060", 64), RS_ERR_EMPTY_VALUE);
    assert_int_equal(rule("   ", 64), RS_ERR_EMPTY_VALUE);
    /* visible text, emoji with joiners and variation selectors stay */
    assert_int_equal(rule("\xF0\x9F\x91\xA9\u200D\xF0\x9F\x92\xBB", 64), -1);
    assert_int_equal(rule("\u2764\uFE0F", 64), -1);
    assert_int_equal(rule("Ærøskøbing", 64), -1);
}

static void test_bidi_and_separators_refused(void **state)
{
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char one[8], text[64];
        utf8(refused[i], one);
        snprintf(text, sizeof(text), "Max%sMuster", one);
        if (rule(text, 64) != RS_ERR_INVALID_VALUE)
            fail_msg("U+%04X inside a value was accepted", refused[i]);
        if (rule(one, 64) != RS_ERR_INVALID_VALUE)
            fail_msg("U+%04X alone was not refused as invalid_value", refused[i]);
    }
}

static void test_limits_count_characters(void **state)
{
    /* 64 three-byte characters are 64 characters (192 bytes), 65 are too many */
    char text[400] = "";
    for (int i = 0; i < 64; i++)
        strcat(text, "\u4E2D");
    assert_int_equal(rule(text, 64), -1);
    strcat(text, "\u4E2D");
    assert_int_equal(rule(text, 64), RS_ERR_TOO_LONG);
}

/* ---- over signaling ---- */

static json_t *next(struct rs_session *s)
{
    struct rs_outbuf *b = rs_session_peek(s);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b->data + RS_OUTBUF_HEADROOM, b->len, 0, NULL);
    rs_session_pop(s);
    return j;
}

/* The event the last message caused: joined (NULL returned as "ok") or an error's code. */
static const char *outcome(struct rs_session *s, char *buf, size_t cap)
{
    json_t *j;
    buf[0] = 0;
    while ((j = next(s))) {
        const char *ev = json_string_value(json_object_get(j, "event"));
        if (strcmp(ev, "error") == 0)
            snprintf(buf, cap, "%s", json_string_value(json_object_get(j, "code")));
        else if (strcmp(ev, "joined") == 0 || strcmp(ev, "message") == 0)
            snprintf(buf, cap, "ok");
        json_decref(j);
        if (buf[0])
            break;
    }
    return buf;
}

static void send_obj(struct rs_session *s, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    rs_session_on_message(s, text, strlen(text));
    free(text);
}

static void test_display_names_over_signaling(void **state)
{
    char code[32];
    struct rs_session *s = rs_session_new(&app, &ops, NULL, "127.0.0.1");
    json_decref(next(s)); /* hello */
    static const char *const names[] = {
        "\u200B", "\u00A0", "\u3164", "\u3000", "\u200B\u200C\u200D", "\u3164\u3164",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        send_obj(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                              "text-room", "display_name", names[i]));
        assert_string_equal(outcome(s, code, sizeof(code)), "empty_value");
    }
    static const char *const bidi[] = {"Max\u200EMuster", "Max\u200FMuster", "Max\u061CMuster",
                                       "\u202Eretsum", "Max\u2028Muster"};
    for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
        send_obj(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                              "text-room", "display_name", bidi[i]));
        assert_string_equal(outcome(s, code, sizeof(code)), "invalid_value");
    }
    /* nothing joined so far; a real name does */
    assert_null(s->peer.participant);
    send_obj(s, json_pack("{s:s, s:s, s:s, s:s}", "ns", "control", "action", "join", "room",
                          "text-room", "display_name", "Erika\u00A0Mustermann"));
    assert_string_equal(outcome(s, code, sizeof(code)), "ok");
    /* chat follows the same rule */
    send_obj(s, json_pack("{s:s, s:s, s:s}", "ns", "chat", "action", "send", "text", "\u200B\u3000"));
    assert_string_equal(outcome(s, code, sizeof(code)), "empty_value");
    send_obj(s, json_pack("{s:s, s:s, s:s}", "ns", "chat", "action", "send", "text", "a\u202Eb"));
    assert_string_equal(outcome(s, code, sizeof(code)), "invalid_value");
    send_obj(s, json_pack("{s:s, s:s, s:s}", "ns", "chat", "action", "send", "text", "Zeile\nzwei"));
    assert_string_equal(outcome(s, code, sizeof(code)), "ok");
}

/* ---- over REST: a meeting's title ---- */

static int post_title(const char *method_path, enum rs_http_method method, json_t *title,
                      char *stored, size_t cap)
{
    json_t *body = json_object();
    json_object_set_new(body, "title", title);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct rs_http_req req = {.method = method, .path = method_path, .cookie = cookie,
                              .content_type = "application/json", .origin = "", .host = "",
                              .peer = "127.0.0.1", .body = text, .body_len = strlen(text)};
    struct rs_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    assert_int_equal(rs_api_handle(&app, &req, &resp), RS_HTTP_DONE);
    free(text);
    if (stored) {
        stored[0] = 0;
        json_t *j = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
        const char *v = json_string_value(json_object_get(j, resp.status < 300 ? "id" : "error"));
        if (v)
            snprintf(stored, cap, "%s", v);
        json_decref(j);
    }
    free(resp.body);
    return (int)resp.status;
}

static void test_meeting_title_over_rest(void **state)
{
    char id[80];
    /* 200 characters of two bytes each (400 bytes) are within "1-200 characters" */
    char t200[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(t200, "\u00E4");
    assert_int_equal(post_title("/api/v1/meetings", RS_HTTP_POST, json_string(t200), id,
                                sizeof(id)),
                     201);
    struct rs_room_record rec;
    assert_int_equal(rs_store_room_get(app.store, id, &rec), 0);
    assert_string_equal(rec.title, t200);
    /* 200 four-byte characters too (800 bytes) */
    char e200[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(e200, "\xF0\x9F\x8F\x9B");
    assert_int_equal(post_title("/api/v1/meetings", RS_HTTP_POST, json_string(e200), NULL, 0),
                     201);
    strcat(t200, "\u00E4");
    assert_int_equal(post_title("/api/v1/meetings", RS_HTTP_POST, json_string(t200), NULL, 0),
                     400);
    /* bidi override, separators, bidi marks and invisible-only titles are refused */
    static const char *const bad[] = {"Sitzung \u202Efdp.exe", "Zeile\u2028zwei", "A\u2029B",
                                      "Rat\u200E",           "\u200B",         "\u3164\u3000",
                                      "\u00A0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (post_title("/api/v1/meetings", RS_HTTP_POST, json_string(bad[i]), NULL, 0) != 400)
            fail_msg("title %zu was accepted on create", i);
    /* and on update; the stored title stays */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/meetings/%s", id);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (post_title(path, RS_HTTP_PATCH, json_string(bad[i]), NULL, 0) != 400)
            fail_msg("title %zu was accepted on update", i);
    assert_int_equal(rs_store_room_get(app.store, id, &rec), 0);
    assert_int_equal(strlen(rec.title), 400);
    assert_int_equal(post_title(path, RS_HTTP_PATCH, json_string("  Bauausschuss "), NULL, 0),
                     200);
    assert_int_equal(rs_store_room_get(app.store, id, &rec), 0);
    assert_string_equal(rec.title, "Bauausschuss");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invisible_only_is_empty),
        cmocka_unit_test(test_bidi_and_separators_refused),
        cmocka_unit_test(test_limits_count_characters),
        cmocka_unit_test_setup_teardown(test_display_names_over_signaling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meeting_title_over_rest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
