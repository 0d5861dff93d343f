/* SPDX-License-Identifier: EUPL-1.2 */
/* Dispatch from the store interface to the configured backend, plus what every backend shares:
 * the choice of backend from a store spec (a PostgreSQL URI or a SQLite path), argument checks,
 * role names, and user ids.
 *
 * User ids are generated here rather than in a backend so that every backend makes them the
 * same way: 'u' and 16 characters of a lowercase base32 alphabet (80 bits from the CSPRNG),
 * unguessable enough to appear in URLs (`/moderators/{user_id}`) without leaking a count. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/random.h"

static const char *const user_roles[] = {"user", "moderator", "admin"};
static const char *const invite_roles[RS_INVITE__COUNT] = {"guest", "participant", "moderator",
                                                           "audience"};

const char *rs_user_role_name(enum rs_user_role role)
{
    return (unsigned)role < 3 ? user_roles[role] : "user";
}

int rs_user_role_parse(const char *text, enum rs_user_role *out)
{
    for (int i = 0; text && i < 3; i++) {
        if (strcmp(text, user_roles[i]) == 0) {
            *out = (enum rs_user_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *rs_invite_role_name(enum rs_invite_role role)
{
    return (unsigned)role < RS_INVITE__COUNT ? invite_roles[role] : "guest";
}

int64_t rs_invite_default_expiry(const struct rs_room_record *rec, int64_t now_ms, int64_t grace_ms)
{
    if (rec->scheduled_start_ms <= 0)
        return now_ms + RS_INVITE_DEFAULT_MS;
    int64_t end = rec->scheduled_end_ms > rec->scheduled_start_ms
                      ? rec->scheduled_end_ms
                      : rec->scheduled_start_ms + RS_MEETING_DEFAULT_LENGTH_MS;
    int64_t at = end + grace_ms;
    return at - now_ms < 3600 * 1000LL ? now_ms + RS_INVITE_DEFAULT_MS : at;
}

int rs_invite_role_parse(const char *text, enum rs_invite_role *out)
{
    for (int i = 0; text && i < RS_INVITE__COUNT; i++) {
        if (strcmp(text, invite_roles[i]) == 0) {
            *out = (enum rs_invite_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

bool rs_username_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strnlen(name, RS_USERNAME_MAX + 1);
    if (n == 0 || n > RS_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return false;
    }
    return true;
}

static int new_user_id(char *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint8_t rnd[16];
    if (rs_random_bytes(rnd, sizeof(rnd)))
        return -EIO;
    out[0] = 'u';
    for (int i = 0; i < 16; i++)
        out[1 + i] = alphabet[rnd[i] & 31];
    out[17] = 0;
    return 0;
}

bool rs_store_spec_is_pg(const char *spec)
{
    return spec &&
           (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0);
}

int rs_store_open(const char *spec, struct rs_store **out)
{
    if (!spec || !spec[0])
        return -EINVAL;
    return rs_store_spec_is_pg(spec) ? rs_store_open_pg(spec, out)
                                     : rs_store_open_sqlite(spec, out);
}

void rs_store_close(struct rs_store *st)
{
    if (st)
        st->ops->close(st);
}

void rs_store_set_node(struct rs_store *st, const char *node)
{
    snprintf(st->node, sizeof(st->node), "%s", node ? node : "");
}

int rs_store_schema_version(struct rs_store *st)
{
    return st->ops->schema_version(st);
}

int rs_store_room_get(struct rs_store *st, const char *id, struct rs_room_record *out)
{
    return st->ops->room_get(st, id, out);
}

int rs_store_room_put(struct rs_store *st, const struct rs_room_record *room)
{
    return st->ops->room_put(st, room);
}

int rs_store_room_touch(struct rs_store *st, const char *id, int64_t now_ms)
{
    return st->ops->room_touch(st, id, now_ms);
}

int rs_store_room_delete(struct rs_store *st, const char *id)
{
    return st->ops->room_delete(st, id);
}

int rs_store_room_count(struct rs_store *st, int64_t *out)
{
    return st->ops->room_count(st, out);
}

int rs_store_room_purge_anonymous(struct rs_store *st, int64_t before_ms)
{
    return st->ops->room_purge_anonymous(st, before_ms);
}

int rs_store_user_create(struct rs_store *st, struct rs_user_record *user)
{
    if (!rs_username_valid(user->username) || user->oidc_issuer[0] || user->oidc_sub[0] ||
        (unsigned)user->role > RS_USER_ROLE_ADMIN)
        return -EINVAL;
    if (new_user_id(user->id))
        return -EIO;
    return st->ops->user_create(st, user);
}

int rs_store_user_upsert_oidc(struct rs_store *st, struct rs_user_record *user, int64_t now_ms)
{
    if (!user->oidc_issuer[0] || !user->oidc_sub[0] || (unsigned)user->role > RS_USER_ROLE_ADMIN)
        return -EINVAL;
    if (new_user_id(user->id)) /* used only if the account is new */
        return -EIO;
    return st->ops->user_upsert_oidc(st, user, now_ms);
}

int rs_store_user_get(struct rs_store *st, const char *id, struct rs_user_record *out)
{
    return st->ops->user_get(st, id, out);
}

int rs_store_user_get_by_username(struct rs_store *st, const char *name, struct rs_user_record *out)
{
    return st->ops->user_get_by_username(st, name, out);
}

int rs_store_user_set_password(struct rs_store *st, const char *id, const char *hash)
{
    if (!hash || !hash[0] || strlen(hash) > RS_STORE_HASH_MAX)
        return -EINVAL;
    return st->ops->user_set_password(st, id, hash);
}

int rs_store_user_set_role(struct rs_store *st, const char *id, enum rs_user_role role)
{
    if ((unsigned)role > RS_USER_ROLE_ADMIN)
        return -EINVAL;
    return st->ops->user_set_role(st, id, role);
}

int rs_store_user_set_disabled(struct rs_store *st, const char *id, bool disabled)
{
    return st->ops->user_set_disabled(st, id, disabled);
}

int rs_store_user_touch_login(struct rs_store *st, const char *id, int64_t now_ms)
{
    return st->ops->user_touch_login(st, id, now_ms);
}

int rs_store_user_count(struct rs_store *st, int64_t *out)
{
    return st->ops->user_count(st, out);
}

int rs_store_user_list(struct rs_store *st, rs_store_user_fn each, void *ctx)
{
    return st->ops->user_list(st, each, ctx);
}

int rs_store_session_create(struct rs_store *st, const uint8_t *id_hash, const char *user_id,
                            enum rs_login_method auth, const char *id_token_hint,
                            const char *user_agent_hint, int64_t now_ms, int64_t ttl_ms)
{
    struct rs_session_record s;
    if (!id_hash || !user_id || ttl_ms <= 0 || (unsigned)auth > RS_LOGIN_OIDC ||
        strlen(user_id) > RS_USER_ID_MAX)
        return -EINVAL;
    memset(&s, 0, sizeof(s));
    memcpy(s.id_hash, id_hash, RS_TOKEN_HASH_LEN);
    memcpy(s.user_id, user_id, strlen(user_id));
    s.auth = auth;
    s.created_at_ms = now_ms;
    s.last_seen_ms = now_ms;
    s.expires_at_ms = now_ms + ttl_ms;
    if (id_token_hint && strlen(id_token_hint) <= RS_ID_TOKEN_HINT_MAX) /* else: none kept */
        memcpy(s.id_token_hint, id_token_hint, strlen(id_token_hint));
    if (user_agent_hint) { /* a hint: truncated rather than refused */
        size_t n = strnlen(user_agent_hint, RS_USER_AGENT_HINT_MAX);
        memcpy(s.user_agent_hint, user_agent_hint, n);
    }
    return st->ops->session_create(st, &s);
}

int rs_store_session_get(struct rs_store *st, const uint8_t *id_hash, int64_t now_ms,
                         struct rs_session_record *out, struct rs_user_record *user)
{
    return st->ops->session_get(st, id_hash, now_ms, out, user);
}

int rs_store_session_delete(struct rs_store *st, const uint8_t *id_hash)
{
    return st->ops->session_delete(st, id_hash);
}

int rs_store_session_delete_user(struct rs_store *st, const char *user_id)
{
    return st->ops->session_delete_user(st, user_id);
}

int rs_store_session_delete_others(struct rs_store *st, const char *user_id, const uint8_t *keep)
{
    if (!user_id || !keep)
        return -EINVAL;
    return st->ops->session_delete_others(st, user_id, keep);
}

int rs_store_session_purge(struct rs_store *st, int64_t now_ms)
{
    return st->ops->session_purge(st, now_ms);
}

int rs_store_meeting_create(struct rs_store *st, const struct rs_room_record *m)
{
    if (!m->id[0] || (m->has_password && !m->password_hash[0]))
        return -EINVAL;
    return st->ops->meeting_create(st, m);
}

int rs_store_meeting_update(struct rs_store *st, const struct rs_room_record *m)
{
    if (m->has_password && !m->password_hash[0])
        return -EINVAL;
    return st->ops->meeting_update(st, m);
}

int rs_store_meeting_delete(struct rs_store *st, const char *id)
{
    return st->ops->room_delete(st, id);
}

int rs_store_meeting_list_for_user(struct rs_store *st, const struct rs_user_record *user,
                                   rs_store_room_fn each, void *ctx)
{
    return st->ops->meeting_list_for_user(st, user, each, ctx);
}

int rs_store_grant_set(struct rs_store *st, const char *room_id, const char *user_id)
{
    return st->ops->grant_set(st, room_id, user_id);
}

int rs_store_grant_unset(struct rs_store *st, const char *room_id, const char *user_id)
{
    return st->ops->grant_unset(st, room_id, user_id);
}

int rs_store_grant_is_moderator(struct rs_store *st, const char *room_id, const char *user_id)
{
    return st->ops->grant_is_moderator(st, room_id, user_id);
}

int rs_store_invite_create(struct rs_store *st, const struct rs_invite_record *inv)
{
    if (!inv->id[0] || !inv->room_id[0] || (unsigned)inv->role >= RS_INVITE__COUNT)
        return -EINVAL;
    return st->ops->invite_create(st, inv);
}

int rs_store_invite_list(struct rs_store *st, const char *room_id, int64_t now_ms,
                         rs_store_invite_fn each, void *ctx)
{
    return st->ops->invite_list(st, room_id, now_ms, each, ctx);
}

int rs_store_invite_revoke(struct rs_store *st, const char *room_id, const char *invite_id,
                           int64_t now_ms)
{
    return st->ops->invite_revoke(st, room_id, invite_id, now_ms);
}

int rs_store_invite_find(struct rs_store *st, const uint8_t *token_hash, int64_t now_ms,
                         struct rs_invite_record *out)
{
    return st->ops->invite_find(st, token_hash, now_ms, out);
}

int rs_store_invite_use(struct rs_store *st, const char *invite_id)
{
    return st->ops->invite_use(st, invite_id);
}

int rs_store_invite_purge(struct rs_store *st, int64_t before_ms)
{
    return st->ops->invite_purge(st, before_ms);
}
