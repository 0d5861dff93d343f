/* SPDX-License-Identifier: EUPL-1.2 */
/* Time helpers. Wall-clock milliseconds for timestamps shown to people; monotonic for
 * deadlines and rates. */
#ifndef RS_CORE_CLOCK_H
#define RS_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t rs_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t rs_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t rs_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
