/* SPDX-License-Identifier: EUPL-1.2 */
/* The fake recorder (fake_recorder.sh) for tests of the recording feature on the session
 * harness: the application's data directory, recorder path and the script's log file, and
 * the clean-up. Header-only; include after session_harness.h. */
#ifndef RS_TESTS_FAKE_RECORDER_H
#define RS_TESTS_FAKE_RECORDER_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char fr_data_dir[200], fr_log_path[200];

/* Points th_app at the fake recorder, with DATA_DIR <th_dir>/data and the script's log in
 * <th_dir>/recorder.log. Call after th_setup. Returns 0 or -1. */
static inline int fr_setup(void)
{
    char script[PATH_MAX];
    snprintf(fr_data_dir, sizeof(fr_data_dir), "%s/data", th_dir);
    snprintf(fr_log_path, sizeof(fr_log_path), "%s/recorder.log", th_dir);
    if (mkdir(fr_data_dir, 0700) != 0 || !realpath("tests/support/fake_recorder.sh", script) ||
        strlen(script) >= sizeof(th_app.cfg.recorder_path))
        return -1;
    memcpy(th_app.cfg.recorder_path, script, strlen(script) + 1);
    snprintf(th_app.cfg.data_dir, sizeof(th_app.cfg.data_dir), "%s", fr_data_dir);
    setenv("RS_FAKE_RECORDER_LOG", fr_log_path, 1);
    unsetenv("RS_FAKE_RECORDER_MODE");
    return 0;
}

static inline int fr_remove_entry(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes the log and the data directory with what the recordings left; then th_dir. Call
 * after th_teardown. */
static inline void fr_teardown(void)
{
    unlink(fr_log_path);
    nftw(fr_data_dir, fr_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    rmdir(th_dir);
}

/* How often `needle` occurs in the script's log (every command it read). */
static inline unsigned fr_log_count(const char *needle)
{
    static char buf[65536];
    FILE *f = fopen(fr_log_path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned k = 0;
    for (const char *p = buf; (p = strstr(p, needle)); p++)
        k++;
    return k;
}

static inline void fr_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#endif
