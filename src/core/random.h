/* SPDX-License-Identifier: EUPL-1.2 */
/* Random numbers from the operating system's CSPRNG (through OpenSSL's RAND_bytes).
 *
 * Everything secret or unguessable (session ids, invite tokens, ICE ufrag/pwd, certificate
 * serials, SSRCs) comes from here. Safe to call from any thread. */
#ifndef RS_CORE_RANDOM_H
#define RS_CORE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills `buf` (borrowed, `len` bytes) with CSPRNG output. Returns 0, or -EIO if the generator
 * failed (then `buf` is zeroed). */
int rs_random_bytes(void *buf, size_t len);

/* Writes `chars` random characters of the URL-safe base64 alphabet (A-Z a-z 0-9 - _), i.e. 6
 * bits of entropy each, and a terminating NUL: `out` (borrowed) must hold `chars + 1` bytes.
 * 22 characters give 132 bits. Returns 0, -EINVAL if `out` is NULL, or -EIO. */
int rs_random_token(char *out, size_t chars);

/* Returns a uniformly random 32-bit value. A CSPRNG failure here is fatal (logged, abort),
 * like out-of-memory: callers have no sensible way to go on without randomness. */
uint32_t rs_random_u32(void);

#endif
