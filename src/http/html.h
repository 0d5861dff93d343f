/* SPDX-License-Identifier: EUPL-1.2 */
/* The printable pages the REST API serves (attendance list, vote record, meeting record):
 * written into a memory stream, every value a person typed escaped, times in UTC, no script and
 * nothing from another origin (the CSP allows style sheets from this server only, so the print
 * rules live in web/css/). Control thread only. */
#ifndef RS_HTTP_HTML_H
#define RS_HTTP_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http/request.h"

/* A page being written: `f` is a memory stream over `buf`. */
struct rs_html_page {
    FILE *f;
    char *buf;
    size_t len;
};

/* Opens the stream. Returns 0 or -ENOMEM. */
int rs_html_open(struct rs_html_page *pg);
/* Closes the stream and hands the finished page to `resp` (200, text/html; the body moves).
 * On failure (out of memory) answers 500 with `what` as the text. */
void rs_html_respond(struct rs_html_page *pg, struct rs_http_resp *resp, const char *what);
/* Drops a page that will not be sent. */
void rs_html_discard(struct rs_html_page *pg);

/* Whether the request asks for the English page (?lang=en); German otherwise. */
bool rs_html_english(const struct rs_http_req *req);

/* "<!DOCTYPE html>" up to and including "<body>": language, the title "`label`: `title`", and
 * a link to each of the NULL-terminated `styles` (paths on this server). */
void rs_html_head(FILE *f, bool english, const char *label, const char *title,
                  const char *const *styles);
/* Writes `s` (NULL: nothing) with < > & " ' escaped. */
void rs_html_esc(FILE *f, const char *s);
/* `<tag>` + escaped `s` + `</tag>`, e.g. rs_html_elem(f, "td", name). */
void rs_html_elem(FILE *f, const char *tag, const char *s);

/* ISO 8601 in UTC ("2026-03-05T18:02:11Z") into `buf`; "" for 0. */
void rs_iso_time(int64_t ms, char *buf, size_t cap);

#endif
