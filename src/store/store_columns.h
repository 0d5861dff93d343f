/* SPDX-License-Identifier: EUPL-1.2 */
/* The column lists of the store's core tables, in the order both backends' read_* functions
 * (sqlite.c, pg.c) expect them: one list, so the two cannot drift apart. Internal to
 * src/store/. */
#ifndef RS_STORE_STORE_COLUMNS_H
#define RS_STORE_STORE_COLUMNS_H

#define ROOM_COLS                                                                                  \
    "r.id, r.title, r.max_participants, r.created_at_ms, r.last_active_ms, r.owner_id, "           \
    "r.tenant, r.scheduled_start_ms, r.scheduled_end_ms, r.lobby, r.password_hash, r.managed, "    \
    "r.ended_at_ms"
#define USER_COLS_BARE                                                                             \
    "id, username, oidc_issuer, oidc_sub, display_name, email, role, tenant, password_hash, "      \
    "created_at_ms, last_login_ms, disabled"
#define USER_COLS                                                                                  \
    "u.id, u.username, u.oidc_issuer, u.oidc_sub, u.display_name, u.email, u.role, u.tenant, "     \
    "u.password_hash, u.created_at_ms, u.last_login_ms, u.disabled"
#define SESSION_COLS                                                                               \
    "s.id_hash, s.user_id, s.created_at_ms, s.last_seen_ms, s.expires_at_ms, s.auth, "             \
    "s.id_token_hint, s.user_agent_hint"
#define N_SESSION_COLS 8
#define INVITE_COLS                                                                                \
    "i.id, i.token_hash, i.room_id, i.role, i.created_by, i.created_at_ms, i.expires_at_ms, "      \
    "i.revoked_at_ms, i.uses"

#endif
