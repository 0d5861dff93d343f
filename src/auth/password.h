/* SPDX-License-Identifier: EUPL-1.2 */
/* Local account passwords: argon2id hashes in the standard encoded form
 * ($argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>), as libargon2 writes and reads them.
 *
 * Each hash or verify takes about 64 MiB of memory and a good part of a second of one core:
 * call them only off the media path (the auth thread), and rate-limit logins per address. */
#ifndef RS_AUTH_PASSWORD_H
#define RS_AUTH_PASSWORD_H

#include <errno.h>
#include <stddef.h>

#define RS_PASSWORD_MIN_CHARS 12    /* Unicode characters (UTF-8 code points) */
#define RS_PASSWORD_MAX_BYTES 1024  /* bytes */
#define RS_PASSWORD_T_COST 3        /* passes */
#define RS_PASSWORD_M_COST 65536    /* KiB: 64 MiB */
#define RS_PASSWORD_PARALLELISM 1   /* lanes; one thread per hash */
#define RS_PASSWORD_SALT_LEN 16     /* bytes, from the CSPRNG */
#define RS_PASSWORD_HASH_LEN 32     /* bytes of tag */
#define RS_PASSWORD_ENCODED_MAX 128 /* bytes of an encoded hash we write, with NUL */

/* Distinct rejections of a password's shape (also returned by rs_password_hash). */
#define RS_PASSWORD_TOO_SHORT (-ERANGE)
#define RS_PASSWORD_TOO_LONG (-E2BIG)
#define RS_PASSWORD_BAD_UTF8 (-EILSEQ)

/* Checks `password` (borrowed, NUL-terminated) against the length policy. Returns 0,
 * RS_PASSWORD_TOO_SHORT, RS_PASSWORD_TOO_LONG, RS_PASSWORD_BAD_UTF8, or -EINVAL for NULL. */
int rs_password_check_policy(const char *password);

/* Hashes `password` (borrowed) with a fresh random salt into `out` (borrowed, `cap` bytes,
 * RS_PASSWORD_ENCODED_MAX is enough) as an encoded argon2id string. Returns 0, a policy error
 * as above, -ENOSPC, -ENOMEM, or -EIO. */
int rs_password_hash(const char *password, char *out, size_t cap);

/* Verifies `password` (borrowed) against `encoded` (borrowed, from rs_password_hash), comparing
 * in constant time. Only argon2id hashes are accepted. Returns 0 on a match, -EACCES on a
 * mismatch, RS_PASSWORD_TOO_LONG, -EINVAL if `encoded` is not an argon2id hash, -ENOMEM. The
 * minimum length is not enforced here: an old hash keeps working when the policy tightens. */
int rs_password_verify(const char *encoded, const char *password);

#endif
