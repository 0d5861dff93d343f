/* SPDX-License-Identifier: EUPL-1.2 */
/* Room snapshots (see snapshot.h for the format and the rules).
 *
 * Writing is debounced: anything that tells the room's members something marks the room dirty
 * (room/events.c rs_emit_group), and the registry's tick writes a dirty room at most every
 * RS_SNAPSHOT_DEBOUNCE_MS plus 1 ms per participant, and any room every RS_SNAPSHOT_REFRESH_MS (the
 * key's TTL in Redis is about the resume grace: a snapshot that could not be resumed from any more
 * expires by itself). A write that fails (Redis away, the lease lost) leaves the room dirty: the
 * next tick tries again. The cost is one serialization and one Redis round trip per changed room
 * and debounce period, on the control thread, bounded by the cluster's timeouts.
 *
 * The one subtle point of restoring is order: every participant is checked before the first
 * one is created (a half-restored room would be worse than an empty one), then the
 * participants are created with their features' parts, and only then the room's parts, which
 * may name participants (the speakers' list drops a request of someone who is not there). */
#include "room/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"

#define EACH_FEATURE(room, f)                                                                      \
    for (unsigned f##_i = 0; f##_i < rs_rooms_features((room)->app->rooms)->count; f##_i++)        \
        for (const struct rs_feature *f = rs_rooms_features((room)->app->rooms)->list[f##_i]; f;   \
             f = NULL)

/* ---- helpers for the features ---- */

const char *rs_snapshot_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

bool rs_snapshot_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return false;
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return false;
    *out = n;
    return true;
}

bool rs_snapshot_participant_id_ok(const char *id)
{
    if (!id || strlen(id) != RS_PARTICIPANT_ID_LEN || id[0] != 'p')
        return false;
    for (const char *c = id + 1; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

void rs_snapshot_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

int rs_snapshot_unhex(const char *in, uint8_t *out, size_t n)
{
    if (!in || strlen(in) != 2 * n)
        return -EINVAL;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = in[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -EINVAL;
        if (i % 2)
            out[i / 2] |= (uint8_t)v;
        else
            out[i / 2] = (uint8_t)(v << 4);
    }
    return 0;
}

static void error(const struct rs_room *room, const char *what)
{
    rs_metric_inc(RS_M_CLUSTER_SNAPSHOT_ERRORS);
    RS_WARN("cluster", "event=snapshot_refused room=%s what=%s", room->id, what);
}

/* ---- save ---- */

static json_t *participant_save(const struct rs_participant *p)
{
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:b, s:b, s:b, s:b, s:I}", "id", p->id, "name",
                  p->display_name, "role", rs_role_name(p->role), "user", p->user_id, "account",
                  p->account, "access", p->access, "invited", p->invited, "invited_moderator",
                  p->invited_moderator, "invited_guest", p->invited_guest, "invited_audience",
                  p->invited_audience, "joined_at", (json_int_t)p->joined_at_ms);
    if (!j)
        return NULL;
    if (p->resume_set) {
        char h[65];
        rs_snapshot_hex(p->resume_hash, sizeof(p->resume_hash), h);
        json_object_set_new(j, "resume", json_string(h));
    }
    json_t *parts = json_object();
    EACH_FEATURE(p->room, f)
    if (f->save_participant) {
        json_t *part = f->save_participant(p);
        if (part)
            json_object_set_new(parts, f->ns, part);
    }
    json_object_set_new(j, "f", parts);
    return j;
}

char *rs_room_snapshot_save(struct rs_room *room, int64_t now_ms, size_t *len)
{
    *len = 0;
    json_t *list = json_array();
    json_t *parts = json_object();
    json_t *root = json_pack("{s:i, s:s, s:I}", "v", RS_SNAPSHOT_VERSION, "room", room->id,
                             "saved_at", (json_int_t)now_ms);
    if (!list || !parts || !root)
        goto fail_free;
    unsigned n = 0;
    for (struct rs_participant *p = room->head; p && n < RS_SNAPSHOT_MAX_PARTICIPANTS; p = p->next)
        /* another node's cascade relay joins the next owner afresh, with its audience
         * (docs/cluster.md "Cascade") */
        if (!p->cascade_relay && !p->cascade_member && json_array_append_new(list, participant_save(p)) == 0)
            n++;
    EACH_FEATURE(room, f)
    if (f->save) {
        json_t *part = f->save(room);
        if (part)
            json_object_set_new(parts, f->ns, part);
    }
    json_object_set_new(root, "participants", list);
    json_object_set_new(root, "f", parts);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (s && strlen(s) > RS_SNAPSHOT_MAX_BYTES) {
        error(room, "too_large");
        free(s);
        return NULL;
    }
    if (s)
        *len = strlen(s);
    return s;
fail_free:
    json_decref(list);
    json_decref(parts);
    json_decref(root);
    return NULL;
}

int rs_room_snapshot_write(struct rs_room *room, int64_t now_ms)
{
    struct rs_room_owner *o = &room->app->room_owner;
    if (!o->snapshot_save)
        return 0;
    size_t len;
    char *s = rs_room_snapshot_save(room, now_ms, &len);
    if (!s)
        return -ENOMEM;
    int rc = o->snapshot_save(o->user, room->id, s, len);
    free(s);
    if (rc == 0) {
        room->snapshot_dirty = false;
        room->snapshot_written_ms = now_ms;
        rs_metric_inc(RS_M_CLUSTER_SNAPSHOTS_WRITTEN);
    }
    return rc;
}

void rs_room_snapshot_tick(struct rs_room *room, int64_t now_ms)
{
    /* an edge room (the cascade) is not this node's: its owner keeps the snapshot */
    if (!room->app->room_owner.snapshot_save || room->handed_over || room->edge)
        return;
    int64_t since = now_ms - room->snapshot_written_ms;
    if (since < 0) /* the wall clock went back */
        since = RS_SNAPSHOT_REFRESH_MS;
    /* a large room's snapshot is large: written less often, about 300 KB/s at most */
    int64_t debounce = RS_SNAPSHOT_DEBOUNCE_MS + (int64_t)room->count;
    if ((room->snapshot_dirty && since >= debounce) || since >= RS_SNAPSHOT_REFRESH_MS)
        rs_room_snapshot_write(room, now_ms);
}

/* ---- restore ---- */

struct base {
    json_t *j; /* borrowed */
    const char *id, *name, *user;
    enum rs_role role;
    int64_t access, joined_at;
    bool account, invited, invited_moderator, invited_guest, invited_audience;
    bool resume_set;
    uint8_t resume[32];
};

static bool text_ok(const char *s, size_t max_bytes, bool empty_ok)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if ((!n && !empty_ok) || n > max_bytes)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool flag(json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        *out = false;
        return true;
    }
    if (!json_is_boolean(v))
        return false;
    *out = json_is_true(v);
    return true;
}

/* Checks one participant of the snapshot into `b`. */
static int base_parse(json_t *j, struct base *b)
{
    memset(b, 0, sizeof(*b));
    b->j = j;
    if (!json_is_object(j))
        return -EBADMSG;
    b->id = rs_snapshot_str(j, "id");
    b->name = rs_snapshot_str(j, "name");
    b->user = rs_snapshot_str(j, "user");
    const char *role = rs_snapshot_str(j, "role");
    if (!rs_snapshot_participant_id_ok(b->id) ||
        !text_ok(b->name, RS_DISPLAY_NAME_MAX_BYTES, false))
        return -EBADMSG;
    if (!b->user)
        b->user = "";
    if (!text_ok(b->user, sizeof(((struct rs_participant *)0)->user_id) - 1, true) || !role)
        return -EBADMSG;
    if (strcmp(role, "guest") == 0)
        b->role = RS_ROLE_GUEST;
    else if (strcmp(role, "participant") == 0)
        b->role = RS_ROLE_PARTICIPANT;
    else if (strcmp(role, "moderator") == 0)
        b->role = RS_ROLE_MODERATOR;
    else
        return -EBADMSG;
    if (!flag(j, "account", &b->account) || !flag(j, "invited", &b->invited) ||
        !flag(j, "invited_moderator", &b->invited_moderator) ||
        !flag(j, "invited_guest", &b->invited_guest) ||
        !flag(j, "invited_audience", &b->invited_audience))
        return -EBADMSG;
    if (b->account != (b->user[0] != 0))
        return -EBADMSG; /* an account has a user id, a guest none */
    if (!rs_snapshot_int(j, "access", 0, 16, &b->access) ||
        !rs_snapshot_int(j, "joined_at", 0, INT64_MAX / 2, &b->joined_at))
        return -EBADMSG;
    json_t *resume = json_object_get(j, "resume");
    if (resume) {
        if (rs_snapshot_unhex(json_string_value(resume), b->resume, sizeof(b->resume)))
            return -EBADMSG;
        b->resume_set = true;
    }
    json_t *parts = json_object_get(j, "f");
    if (parts && !json_is_object(parts))
        return -EBADMSG;
    return 0;
}

/* Puts a restored participant into the room's list, reconnecting since `now_ms`, counted as
 * rs_room_enter counts (not as a join: it joined on the node before). */
static struct rs_participant *base_make(struct rs_room *room, const struct base *b, int64_t now_ms)
{
    struct rs_participant *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    snprintf(p->id, sizeof(p->id), "%s", b->id);
    snprintf(p->display_name, sizeof(p->display_name), "%s", b->name);
    snprintf(p->user_id, sizeof(p->user_id), "%s", b->user);
    p->account = b->account;
    p->access = (int)b->access;
    p->invited = b->invited;
    p->invited_moderator = b->invited_moderator;
    p->invited_guest = b->invited_guest;
    p->invited_audience = b->invited_audience;
    p->role = b->role;
    p->joined_at_ms = b->joined_at;
    p->reconnecting_since_ms = now_ms;
    p->resume_set = b->resume_set;
    memcpy(p->resume_hash, b->resume, sizeof(p->resume_hash));
    p->room = room;
    rs_room_list_add(p);
    rs_metric_inc(RS_M_PARTICIPANTS_RECONNECTING);
    return p;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rs_room_snapshot_restore(struct rs_room *room, const char *data, size_t len, int64_t now_ms)
{
    if (!data || len == 0 || len > RS_SNAPSHOT_MAX_BYTES) {
        error(room, "size");
        return -EBADMSG;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    json_int_t v = root ? json_integer_value(json_object_get(root, "v")) : 0;
    const char *rid = root ? rs_snapshot_str(root, "room") : NULL;
    json_t *list = root ? json_object_get(root, "participants") : NULL;
    json_t *parts = root ? json_object_get(root, "f") : NULL;
    if (!json_is_object(root) || v != RS_SNAPSHOT_VERSION || !rid || strcmp(rid, room->id) != 0 ||
        !json_is_array(list) || json_array_size(list) > RS_SNAPSHOT_MAX_PARTICIPANTS ||
        (parts && !json_is_object(parts)) || room->head || room->lobby_head) {
        json_decref(root);
        error(room, "envelope");
        return -EBADMSG;
    }
    size_t n = json_array_size(list);
    struct base *bases = calloc(n ? n : 1, sizeof(*bases));
    if (!bases) {
        json_decref(root);
        return -ENOMEM;
    }
    const char **ids = calloc(n ? n : 1, sizeof(*ids));
    bool bad = !ids;
    for (size_t i = 0; i < n && !bad; i++) {
        bad = base_parse(json_array_get(list, i), &bases[i]) != 0;
        if (!bad)
            ids[i] = bases[i].id;
    }
    if (!bad && n > 1) { /* a repeated id refuses all: sorted, repeats are neighbours */
        qsort(ids, n, sizeof(*ids), by_id);
        for (size_t i = 1; i < n && !bad; i++)
            bad = strcmp(ids[i - 1], ids[i]) == 0;
    }
    free(ids);
    if (bad) {
        free(bases);
        json_decref(root);
        error(room, "participant");
        return -EBADMSG;
    }
    int restored = 0;
    for (size_t i = 0; i < n; i++) {
        struct rs_participant *p = base_make(room, &bases[i], now_ms);
        if (!p)
            break; /* out of memory: those made so far expire as usual */
        restored++;
        json_t *pparts = json_object_get(bases[i].j, "f");
        EACH_FEATURE(room, f)
        if (f->restore_participant) {
            json_t *part = json_object_get(pparts, f->ns);
            if (part && f->restore_participant(p, part))
                error(room, f->ns);
        }
    }
    EACH_FEATURE(room, f)
    if (f->restore) {
        json_t *part = json_object_get(parts, f->ns);
        if (part && f->restore(room, part))
            error(room, f->ns);
    }
    free(bases);
    json_decref(root);
    room->snapshot_dirty = true; /* ours now: written again on the next tick */
    rs_metric_inc(RS_M_CLUSTER_SNAPSHOTS_RESTORED);
    rs_metric_add(RS_M_CLUSTER_PARTICIPANTS_RESTORED, (uint64_t)restored);
    RS_INFO("cluster", "event=snapshot_restored room=%s participants=%d", room->id, restored);
    return restored;
}
