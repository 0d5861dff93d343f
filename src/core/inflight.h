/* SPDX-License-Identifier: EUPL-1.2 */
/* Work in flight per key: how many jobs a client address or an account has queued and not yet
 * finished (password hashes on the one job thread), with a cap per key. A rate limit bounds
 * how often someone may start work; this bounds how much of it may wait at once, so that one
 * client cannot fill the queue in front of everyone else's logins.
 *
 * A fixed table: a key holds an entry while its count is above zero. When the table is full a
 * new key is refused, so memory is bounded; size it to the work that can be queued at all.
 * Control thread only (acquire when submitting, release in the completion). */
#ifndef RS_CORE_INFLIGHT_H
#define RS_CORE_INFLIGHT_H

#define RS_INFLIGHT_KEY_MAX 95 /* longer keys are cut: size keys below it */

struct rs_inflight;

/* A table of `capacity` keys, each allowed `per_key` at once. NULL when out of memory. */
struct rs_inflight *rs_inflight_new(unsigned capacity, unsigned per_key);
void rs_inflight_free(struct rs_inflight *t);
/* Takes one for `key`: 1, or 0 when `key` is at its cap or the table is full (nothing taken). */
int rs_inflight_acquire(struct rs_inflight *t, const char *key);
/* Gives one back (a key without any is ignored). */
void rs_inflight_release(struct rs_inflight *t, const char *key);
unsigned rs_inflight_count(const struct rs_inflight *t, const char *key);

#endif
