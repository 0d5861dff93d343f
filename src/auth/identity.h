/* SPDX-License-Identifier: EUPL-1.2 */
/* Who is behind a connection: a logged-in account (from the session cookie) or a guest.
 * A plain value copied into each signaling session at connect time. It names the login session
 * it came from (the token's hash, never the token), so that it can be re-read while the
 * connection lives: rs_web_session_recheck (auth/web_session.h). */
#ifndef RS_AUTH_IDENTITY_H
#define RS_AUTH_IDENTITY_H

#include <stdint.h>

struct rs_identity {
    int logged_in;
    char user_id[32];
    char display_name[257];
    char email[257];
    char role[16];    /* "admin", "moderator", "user" */
    char tenant[256]; /* RS_TENANT_MAX + 1: never truncated, tenants must not collide */
    char auth[8];     /* "oidc", "local" */
    uint8_t session_hash[32]; /* SHA-256 of the login session's token; zero for guests */
    int64_t checked_ms;       /* wall time this was last read from the store; 0: never */
};

#endif
