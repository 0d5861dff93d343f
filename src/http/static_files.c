/* SPDX-License-Identifier: EUPL-1.2 */
/* Loading the web root into memory (see static_files.h for why). */
#include "http/static_files.h"

#include "auth/cookie.h"
#include "core/accept_language.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX (4u << 20)
#define TOTAL_MAX (32u << 20)
#define PAGE_LANG_MARK "<html lang=\"en\">"

const char *const rs_page_langs[RS_LANG_COUNT] = {[RS_LANG_DE] = "de", [RS_LANG_EN] = "en"};

struct rs_static_files {
    struct rs_static_file files[RS_STATIC_MAX_FILES];
    size_t count;
    size_t total;
};

const char *rs_static_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".woff2", "font/woff2"},
        {".wav", "audio/wav"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* A page (.html starting with PAGE_LANG_MARK within its first 1 KiB) gets a copy per language
 * with the attribute's value replaced; the two-letter codes keep the length. */
static int add_page_copies(struct rs_static_files *t, struct rs_static_file *f)
{
    size_t plen = strlen(f->path);
    if (plen < 5 || strcmp(f->path + plen - 5, ".html") != 0)
        return 0;
    size_t scan = f->len < 1024 ? f->len : 1024;
    const unsigned char *mark = memmem(f->data, scan, PAGE_LANG_MARK, strlen(PAGE_LANG_MARK));
    if (!mark)
        return 0;
    size_t at = (size_t)(mark - f->data) + strlen("<html lang=\"");
    for (int l = 0; l < RS_LANG_COUNT; l++) {
        if (l == RS_LANG_EN) {
            f->page[l] = f->data;
            continue;
        }
        if (t->total + f->len > TOTAL_MAX)
            goto fail_free_copies;
        f->page[l] = malloc(f->len + 1);
        if (!f->page[l])
            goto fail_free_copies;
        memcpy(f->page[l], f->data, f->len);
        memcpy(f->page[l] + at, rs_page_langs[l], 2);
        t->total += f->len;
    }
    return 0;
fail_free_copies:
    for (int l = 0; l < RS_LANG_COUNT; l++)
        if (f->page[l] != f->data)
            free(f->page[l]);
    memset(f->page, 0, sizeof(f->page));
    return -EFBIG;
}

enum rs_page_lang rs_static_page_lang(const char *cookie, const char *accept, size_t accept_len)
{
    char chosen[8];
    if (cookie && *cookie &&
        rs_cookie_get(cookie, strlen(cookie), RS_LANG_COOKIE, chosen, sizeof(chosen)) == 0) {
        int l = rs_language_tag_find(chosen, strlen(chosen), rs_page_langs, RS_LANG_COUNT);
        if (l >= 0)
            return (enum rs_page_lang)l;
    }
    int l = rs_accept_language_pick(accept, accept_len, rs_page_langs, RS_LANG_COUNT);
    return l >= 0 ? (enum rs_page_lang)l : RS_LANG_DEFAULT;
}

static int load_file(struct rs_static_files *t, const char *fs_path, const char *url_path,
                     char *err, size_t errlen)
{
    if (t->count >= RS_STATIC_MAX_FILES) {
        snprintf(err, errlen, "web_root: more than %d files", RS_STATIC_MAX_FILES);
        return -E2BIG;
    }
    int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "web_root: cannot open %s: %s", fs_path, strerror(errno));
        return -errno;
    }
    struct stat st;
    if (fstat(fd, &st) || st.st_size > FILE_MAX || t->total + (size_t)st.st_size > TOTAL_MAX) {
        close(fd);
        snprintf(err, errlen, "web_root: %s is too large", fs_path);
        return -EFBIG;
    }
    struct rs_static_file *f = &t->files[t->count];
    f->data = malloc((size_t)st.st_size + 1);
    if (!f->data) {
        close(fd);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, f->data + got, (size_t)st.st_size - got);
        if (n <= 0) {
            free(f->data);
            close(fd);
            snprintf(err, errlen, "web_root: read error on %s", fs_path);
            return -EIO;
        }
        got += (size_t)n;
    }
    close(fd);
    f->len = got;
    snprintf(f->path, sizeof(f->path), "%s", url_path);
    f->content_type = rs_static_content_type(url_path);
    memset(f->page, 0, sizeof(f->page));
    t->total += got;
    if (add_page_copies(t, f)) {
        free(f->data);
        snprintf(err, errlen, "web_root: %s is too large", fs_path);
        return -EFBIG;
    }
    t->count++;
    return 0;
}

static int walk(struct rs_static_files *t, const char *dir, const char *url_prefix, int depth,
                char *err, size_t errlen)
{
    if (depth > 8)
        return 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "web_root: cannot open directory %s: %s", dir, strerror(errno));
        return -errno;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char fs_path[1024], url[256];
        if (snprintf(fs_path, sizeof(fs_path), "%s/%s", dir, e->d_name) >= (int)sizeof(fs_path) ||
            snprintf(url, sizeof(url), "%s/%s", url_prefix, e->d_name) >= (int)sizeof(url))
            continue;
        struct stat st;
        if (stat(fs_path, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(t, fs_path, url, depth + 1, err, errlen);
        else if (S_ISREG(st.st_mode))
            rc = load_file(t, fs_path, url, err, errlen);
    }
    closedir(d);
    return rc;
}

int rs_static_load(const char *root, struct rs_static_files **out, char *err, size_t errlen)
{
    struct rs_static_files *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    int rc = walk(t, root, "", 0, err, errlen);
    if (rc) {
        rs_static_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void rs_static_free(struct rs_static_files *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        for (int l = 0; l < RS_LANG_COUNT; l++)
            if (t->files[i].page[l] != t->files[i].data)
                free(t->files[i].page[l]);
        free(t->files[i].data);
    }
    free(t);
}

const struct rs_static_file *rs_static_find(const struct rs_static_files *t, const char *path)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->files[i].path, path) == 0)
            return &t->files[i];
    return NULL;
}

size_t rs_static_count(const struct rs_static_files *t)
{
    return t->count;
}
