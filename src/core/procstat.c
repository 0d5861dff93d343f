/* SPDX-License-Identifier: EUPL-1.2 */
/* /proc/<pid>/stat CPU times (see procstat.h). */
#include "core/procstat.h"

#include <stdio.h>
#include <string.h>

/* Reads one unsigned decimal field at *p and moves past it and one space. */
static int field(const char **p, const char *end, unsigned long long *out)
{
    const char *q = *p;
    unsigned long long v = 0;
    if (q >= end || *q < '0' || *q > '9')
        return -1;
    while (q < end && *q >= '0' && *q <= '9') {
        if (v > (~0ull - 9) / 10)
            return -1; /* would overflow */
        v = v * 10 + (unsigned long long)(*q - '0');
        q++;
    }
    if (q < end && *q != ' ' && *q != '\n')
        return -1;
    *out = v;
    *p = q < end ? q + 1 : q;
    return 0;
}

int rs_procstat_parse(const char *text, size_t len, unsigned long long *utime,
                      unsigned long long *stime)
{
    const char *end = text + len, *close = NULL;
    for (const char *q = text; q < end; q++)
        if (*q == ')')
            close = q;
    /* after the name: " S " then fields 4..15; field 3 (state) is one character */
    if (!close || end - close < 4 || close[1] != ' ' || close[3] != ' ')
        return -1;
    const char *p = close + 4;
    unsigned long long v = 0;
    for (int f = 4; f <= 13; f++) { /* ppid .. cmajflt; pgrp etc. are never negative here */
        if (p < end && *p == '-')
            p++; /* tty_nr, tpgid may be -1 */
        if (field(&p, end, &v))
            return -1;
    }
    unsigned long long u, s;
    if (field(&p, end, &u) || field(&p, end, &s))
        return -1;
    *utime = u;
    *stime = s;
    return 0;
}

int rs_procstat_read(const char *path, unsigned long long *utime, unsigned long long *stime)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return rs_procstat_parse(buf, n, utime, stime);
}
