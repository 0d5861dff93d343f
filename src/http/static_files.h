/* SPDX-License-Identifier: EUPL-1.2 */
/* The browser client's files, read once at start from the web root into memory.
 *
 * Serving from memory keeps request handling free of disk I/O and path handling: a request
 * path is only ever looked up in this table, so `..` and symlink tricks cannot reach outside
 * the web root. Limits: RS_STATIC_MAX_FILES files, 4 MiB each, 32 MiB in all. */
#ifndef RS_HTTP_STATIC_FILES_H
#define RS_HTTP_STATIC_FILES_H

#include <stddef.h>

#define RS_STATIC_MAX_FILES 512

struct rs_static_file {
    char path[256]; /* URL path, e.g. "/js/app.js" */
    const char *content_type;
    unsigned char *data; /* owned by the table */
    size_t len;
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
/* Content type for a file name by extension. */
const char *rs_static_content_type(const char *name);

#endif
