/* SPDX-License-Identifier: EUPL-1.2 */
/* Structured, one-line-per-event logging.
 *
 * Every line: ISO-8601 UTC time, level, component, then key=value pairs written by the caller.
 * Logs carry ids, never names or meeting content (chat text, media). */
#ifndef RS_CORE_LOG_H
#define RS_CORE_LOG_H

enum rs_log_level { RS_LOG_DEBUG = 0, RS_LOG_INFO, RS_LOG_WARN, RS_LOG_ERROR };

/* Sets the lowest level written; lines below it are skipped cheaply. */
void rs_log_set_level(enum rs_log_level level);
/* Parses "debug", "info", "warn", "error". Returns 0, or -EINVAL. */
int rs_log_parse_level(const char *text, enum rs_log_level *out);
int rs_log_enabled(enum rs_log_level level);

void rs_log(enum rs_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define RS_DEBUG(comp, ...) rs_log(RS_LOG_DEBUG, comp, __VA_ARGS__)
#define RS_INFO(comp, ...) rs_log(RS_LOG_INFO, comp, __VA_ARGS__)
#define RS_WARN(comp, ...) rs_log(RS_LOG_WARN, comp, __VA_ARGS__)
#define RS_ERROR(comp, ...) rs_log(RS_LOG_ERROR, comp, __VA_ARGS__)

#endif
