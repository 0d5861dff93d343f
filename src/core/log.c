/* SPDX-License-Identifier: EUPL-1.2 */
/* Logging: one line per event to stderr, safe to call from any thread.
 *
 * A line is formatted into a stack buffer and written with one write(2), so lines from the
 * control thread and media workers never interleave mid-line. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int min_level = RS_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void rs_log_set_level(enum rs_log_level level)
{
    min_level = level;
}

int rs_log_enabled(enum rs_log_level level)
{
    return (int)level >= min_level;
}

int rs_log_parse_level(const char *text, enum rs_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (enum rs_log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void rs_log(enum rs_log_level level, const char *component, const char *fmt, ...)
{
    if ((int)level < min_level)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %-9s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], component);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
