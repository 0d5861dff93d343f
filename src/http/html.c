/* SPDX-License-Identifier: EUPL-1.2 */
/* Helpers of the printable pages (html.h): one escaping function for every page, so that a
 * value a person typed (a name, a motion, minutes) can never become markup. */
#include "http/html.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rs_html_open(struct rs_html_page *pg)
{
    memset(pg, 0, sizeof(*pg));
    pg->f = open_memstream(&pg->buf, &pg->len);
    return pg->f ? 0 : -ENOMEM;
}

void rs_html_respond(struct rs_html_page *pg, struct rs_http_resp *resp, const char *what)
{
    int failed = fclose(pg->f) != 0 || !pg->buf;
    pg->f = NULL;
    if (failed) {
        free(pg->buf);
        pg->buf = NULL;
        rs_http_resp_error(resp, 500, "internal", NULL, what);
        return;
    }
    resp->status = 200;
    resp->content_type = "text/html; charset=utf-8";
    resp->body = pg->buf;
    resp->body_len = pg->len;
    pg->buf = NULL;
}

void rs_html_discard(struct rs_html_page *pg)
{
    if (pg->f)
        fclose(pg->f);
    free(pg->buf);
    memset(pg, 0, sizeof(*pg));
}

bool rs_html_english(const struct rs_http_req *req)
{
    char lang[8] = "";
    rs_http_req_arg(req, "lang", lang, sizeof(lang));
    return strcmp(lang, "en") == 0;
}

void rs_html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

void rs_html_elem(FILE *f, const char *tag, const char *s)
{
    fprintf(f, "<%s>", tag);
    rs_html_esc(f, s);
    fprintf(f, "</%s>", tag);
}

void rs_html_head(FILE *f, bool english, const char *label, const char *title,
                  const char *const *styles)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
            english ? "en" : "de");
    rs_html_esc(f, label);
    fputs(": ", f);
    rs_html_esc(f, title);
    fputs("</title>", f);
    for (; styles && *styles; styles++) {
        fputs("<link rel=\"stylesheet\" href=\"", f);
        rs_html_esc(f, *styles);
        fputs("\">", f);
    }
    fputs("</head>\n<body>\n", f);
}

void rs_iso_time(int64_t ms, char *buf, size_t cap)
{
    buf[0] = 0;
    if (!ms)
        return;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
