/* SPDX-License-Identifier: EUPL-1.2 */
/* Loading the web root into memory (see static_files.h for why). */
#include "http/static_files.h"

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
    t->total += got;
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
    for (size_t i = 0; i < t->count; i++)
        free(t->files[i].data);
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
