/* SPDX-License-Identifier: EUPL-1.2 */
/* Meeting passwords and PINs: PBKDF2-HMAC-SHA256 with a random salt, "pbkdf2-sha256$N$salt$key".
 *
 * Cheaper than argon2 on purpose: they are checked on the control thread at join, are shared
 * secrets of a meeting (not account passwords), and joins are rate-limited per address. */
#ifndef RS_AUTH_MEETING_PASSWORD_H
#define RS_AUTH_MEETING_PASSWORD_H

#include <stddef.h>

/* Hashes `pw` (borrowed) into `out` (`cap` bytes). Returns 0 or -EIO. */
int rs_meeting_password_hash(const char *pw, char *out, size_t cap);
/* Returns 0 when `pw` matches `encoded`, -EACCES when not, -EINVAL for a malformed hash. */
int rs_meeting_password_verify(const char *encoded, const char *pw);

#endif
