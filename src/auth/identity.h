/* SPDX-License-Identifier: EUPL-1.2 */
/* Who is behind a connection: a logged-in account (from the session cookie) or a guest.
 * A plain value copied into each signaling session at connect time. */
#ifndef RS_AUTH_IDENTITY_H
#define RS_AUTH_IDENTITY_H

struct rs_identity {
    int logged_in;
    char user_id[32];
    char display_name[257];
    char email[257];
    char role[16];    /* "admin", "moderator", "user" */
    char tenant[256]; /* RS_TENANT_MAX + 1: never truncated, tenants must not collide */
    char auth[8];     /* "oidc", "local" */
};

#endif
