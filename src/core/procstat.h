/* SPDX-License-Identifier: EUPL-1.2 */
/* CPU time of a process or thread from Linux's /proc/<pid>/stat (proc(5)): for the per-worker
 * CPU metric and the load generator's reading of the server it measures. */
#ifndef RS_CORE_PROCSTAT_H
#define RS_CORE_PROCSTAT_H

#include <stddef.h>

/* Parses the text of a stat file: utime and stime (fields 14 and 15, clock ticks). The name
 * (field 2, in parentheses) may contain spaces and parentheses: fields are counted after its
 * last ')'. Returns 0, or -1 when the text is not such a line. */
int rs_procstat_parse(const char *text, size_t len, unsigned long long *utime,
                      unsigned long long *stime);
/* Reads and parses a stat file (/proc/<pid>/stat, /proc/self/task/<tid>/stat). 0 or -1. */
int rs_procstat_read(const char *path, unsigned long long *utime, unsigned long long *stime);

#endif
