/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-client-address rate limits (logins, joins, wrong meeting passwords; also keyed by meeting
 * or account): a fixed-size table of token buckets keyed by string. When the table is full the
 * stalest entry is replaced, so memory is bounded whatever the number of addresses; an attacker
 * rotating addresses only resets buckets, never grows the table. Control thread only. */
#ifndef RS_CORE_RATELIMIT_H
#define RS_CORE_RATELIMIT_H

#include <stdint.h>

struct rs_ratelimit;

/* `per_min` events per minute per address, bursts up to `per_min`. */
struct rs_ratelimit *rs_ratelimit_new(unsigned per_min);
void rs_ratelimit_free(struct rs_ratelimit *rl);
/* Returns 1 if one more event from `addr` is allowed now (and counts it), 0 if not. */
int rs_ratelimit_take(struct rs_ratelimit *rl, const char *addr, int64_t now_ms);
/* Milliseconds until one more event from `addr` would be allowed (0: now). Changes nothing:
 * for limits that count only failures, checked before the attempt and taken after it failed. */
int64_t rs_ratelimit_wait_ms(const struct rs_ratelimit *rl, const char *addr, int64_t now_ms);

#endif
