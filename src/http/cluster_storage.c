/* SPDX-License-Identifier: EUPL-1.2 */
/* Markers in the shared directories (see cluster_storage.h). */
#include "http/cluster_storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/recording_dirs.h"

#define MARKER_PATH_MAX (RS_CONFIG_PATH_MAX + 96)

/* The two directories, recordings first. */
static int dirs(const struct rs_config *cfg, char dir[2][RS_CONFIG_PATH_MAX + 32])
{
    return rs_recording_dirs(cfg, dir[0], sizeof(dir[0]), dir[1], sizeof(dir[1]));
}

static int marker(char *out, size_t cap, const char *dir, const char *id)
{
    return snprintf(out, cap, "%s/.cluster/%s", dir, id) >= (int)cap ? -ENAMETOOLONG : 0;
}

int rs_cluster_storage_mark(const struct rs_config *cfg, char *err, size_t errlen)
{
    char dir[2][RS_CONFIG_PATH_MAX + 32], path[MARKER_PATH_MAX];
    int rc = dirs(cfg, dir);
    if (rc) {
        snprintf(err, errlen, "recordings_dir or live_dir: too long");
        return rc;
    }
    for (int k = 0; k < 2; k++) {
        if (snprintf(path, sizeof(path), "%s/.cluster", dir[k]) >= (int)sizeof(path))
            return -ENAMETOOLONG;
        if (mkdir(path, 0700) && errno != EEXIST) {
            rc = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return rc;
        }
        if ((rc = marker(path, sizeof(path), dir[k], cfg->cluster_node_id)))
            return rc;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            rc = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return rc;
        }
        close(fd);
    }
    return 0;
}

void rs_cluster_storage_unmark(const struct rs_config *cfg)
{
    char dir[2][RS_CONFIG_PATH_MAX + 32], path[MARKER_PATH_MAX];
    if (dirs(cfg, dir))
        return;
    for (int k = 0; k < 2; k++)
        if (marker(path, sizeof(path), dir[k], cfg->cluster_node_id) == 0)
            unlink(path);
}

bool rs_cluster_storage_shared(const struct rs_config *cfg, const char *const *ids, size_t n,
                               char *missing, size_t cap)
{
    char dir[2][RS_CONFIG_PATH_MAX + 32], path[MARKER_PATH_MAX];
    if (dirs(cfg, dir)) {
        snprintf(missing, cap, "recordings_dir or live_dir (too long)");
        return false;
    }
    struct stat st;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++)
            if (marker(path, sizeof(path), dir[k], ids[i]) || lstat(path, &st) ||
                !S_ISREG(st.st_mode)) {
                snprintf(missing, cap, "%s", path);
                return false;
            }
    return true;
}
