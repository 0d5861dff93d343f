/* SPDX-License-Identifier: EUPL-1.2 */
/* The browser client's files, read once at start from the web root into memory.
 *
 * Serving from memory keeps request handling free of disk I/O and path handling: a request
 * path is only ever looked up in this table, so `..` and symlink tricks cannot reach outside
 * the web root. Limits: RS_STATIC_MAX_FILES files, 4 MiB each, 32 MiB in all.
 *
 * Pages (.html files that start out as `<html lang="en">`) are kept once per language of the
 * client, differing only in that attribute, so that the page is announced in the language its
 * script will render before the script runs (screen readers, hyphenation, translation
 * prompts). rs_static_page_lang() decides which copy a request gets. */
#ifndef RS_HTTP_STATIC_FILES_H
#define RS_HTTP_STATIC_FILES_H

#include <stddef.h>

#define RS_STATIC_MAX_FILES 512

/* The client's languages (web/js/i18n.js), the default last. */
enum rs_page_lang { RS_LANG_DE, RS_LANG_EN, RS_LANG_COUNT };
#define RS_LANG_DEFAULT RS_LANG_EN
#define RS_LANG_COOKIE "ratsaal_lang" /* the user's explicit choice, set by the client */
extern const char *const rs_page_langs[RS_LANG_COUNT]; /* "de", "en" */

struct rs_static_file {
    char path[256]; /* URL path, e.g. "/js/app.js" */
    const char *content_type;
    unsigned char *data; /* owned by the table */
    size_t len;
    /* a page: its copy per language (page[RS_LANG_EN] is `data`); all NULL for other files */
    unsigned char *page[RS_LANG_COUNT];
};

struct rs_static_files;

/* Loads every regular file under `root`. Returns 0 with *out set (caller frees), or a negative
 * errno with a one-line reason in `err`. */
int rs_static_load(const char *root, struct rs_static_files **out, char *err, size_t errlen);
void rs_static_free(struct rs_static_files *files);
/* The file at URL path `path`, or NULL. Borrowed from the table. */
const struct rs_static_file *rs_static_find(const struct rs_static_files *files,
                                            const char *path);
size_t rs_static_count(const struct rs_static_files *files);
/* The language to serve a page in: the cookie RS_LANG_COOKIE in `cookie` (borrowed, a Cookie
 * request header, "" when none) when it names one of rs_page_langs, else the first of them
 * the Accept-Language value `accept` (borrowed, `accept_len` bytes) prefers (RFC 4647
 * lookup, core/accept_language.h), else RS_LANG_DEFAULT. Any thread. */
enum rs_page_lang rs_static_page_lang(const char *cookie, const char *accept, size_t accept_len);
/* Content type for a file name by extension. */
const char *rs_static_content_type(const char *name);

#endif
