/* SPDX-License-Identifier: EUPL-1.2 */
/* The recordings and live directories (see recording_dirs.h). */
#include "core/recording_dirs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* `configured`, or DATA_DIR/<name> when it is empty, without a trailing slash. */
static int pick(const struct rs_config *cfg, const char *configured, const char *name, char *out,
                size_t cap)
{
    int n = configured[0] ? snprintf(out, cap, "%s", configured)
                          : snprintf(out, cap, "%s/%s", cfg->data_dir, name);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    while (n > 1 && out[n - 1] == '/')
        out[--n] = 0;
    return 0;
}

int rs_recording_dirs(const struct rs_config *cfg, char *rec, size_t rec_cap, char *live,
                      size_t live_cap)
{
    int rc = rec ? pick(cfg, cfg->recordings_dir, "recordings", rec, rec_cap) : 0;
    if (rc == 0 && live)
        rc = pick(cfg, cfg->live_dir, "live", live, live_cap);
    return rc;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *path)
{
    char tmp[RS_CONFIG_PATH_MAX + 32];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0700) && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0700) && errno != EEXIST)
        return -errno;
    return 0;
}

int rs_recording_dirs_create(const struct rs_config *cfg, char *err, size_t errlen)
{
    char dirs[2][RS_CONFIG_PATH_MAX + 32];
    int rc = rs_recording_dirs(cfg, dirs[0], sizeof(dirs[0]), dirs[1], sizeof(dirs[1]));
    if (rc) {
        snprintf(err, errlen, "recordings_dir or live_dir: path too long");
        return rc;
    }
    for (int i = 0; i < 2; i++) {
        if ((rc = make_dirs(dirs[i])) != 0) {
            snprintf(err, errlen, "%s: cannot create %s: %s", i ? "live_dir" : "recordings_dir",
                     dirs[i], strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int rs_recording_room_dir(const char *base, const char *room_id, int create, char *out, size_t cap)
{
    /* a meeting id is [A-Za-z0-9_-]{1,64} (rs_room_id_valid): never "..", never a slash */
    size_t len =
        strspn(room_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (len == 0 || len > 64 || room_id[len])
        return -EINVAL;
    int n = snprintf(out, cap, "%s/%s", base, room_id);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    if (create && mkdir(out, 0700) && errno != EEXIST)
        return -errno;
    return 0;
}
