/* SPDX-License-Identifier: EUPL-1.2 */
/* Audio routing table: ordered allow/deny rules over participant, group and "*" selectors,
 * last match wins, default allow (see audio_routes.h for how features map onto rules).
 *
 * The table is small and changes rarely (a moderator action), while lookups happen once per
 * audio subscription when flags are recomputed, so plain arrays and linear scans are the right
 * size: a room of 100 with a handful of rules costs nothing measurable. */
#include "room/audio_routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "room/room.h"

struct rule {
    char listener[RS_AUDIO_SELECTOR_SIZE];
    char speaker[RS_AUDIO_SELECTOR_SIZE];
    bool allow;
};

struct member {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char group[RS_AUDIO_SELECTOR_SIZE];
};

struct rs_audio_routes {
    struct rule *rules;
    unsigned n_rules, cap_rules;
    struct member *members;
    unsigned n_members, cap_members;
};

struct rs_audio_routes *rs_audio_routes_new(void)
{
    return calloc(1, sizeof(struct rs_audio_routes));
}

void rs_audio_routes_free(struct rs_audio_routes *t)
{
    if (!t)
        return;
    free(t->rules);
    free(t->members);
    free(t);
}

/* "*", "@group" or a participant id: 1-64 of A-Z a-z 0-9 - _ after the optional '@'. */
static bool selector_valid(const char *s)
{
    if (!s)
        return false;
    if (strcmp(s, "*") == 0)
        return true;
    const char *name = s[0] == '@' ? s + 1 : s;
    return rs_room_id_valid(name);
}

static bool is_member(const struct rs_audio_routes *t, const char *id, const char *group)
{
    for (unsigned i = 0; i < t->n_members; i++)
        if (strcmp(t->members[i].id, id) == 0 && strcmp(t->members[i].group, group) == 0)
            return true;
    return false;
}

static bool matches(const struct rs_audio_routes *t, const char *selector, const char *id)
{
    if (strcmp(selector, "*") == 0)
        return true;
    if (selector[0] == '@')
        return is_member(t, id, selector + 1);
    return strcmp(selector, id) == 0;
}

bool rs_audio_routes_allows(const struct rs_audio_routes *t, const char *listener_id,
                            const char *speaker_id)
{
    if (!t)
        return true;
    for (unsigned i = t->n_rules; i-- > 0;) {
        const struct rule *r = &t->rules[i];
        if (matches(t, r->listener, listener_id) && matches(t, r->speaker, speaker_id))
            return r->allow;
    }
    return true;
}

static int find_rule(const struct rs_audio_routes *t, const char *listener, const char *speaker)
{
    for (unsigned i = 0; i < t->n_rules; i++)
        if (strcmp(t->rules[i].listener, listener) == 0 &&
            strcmp(t->rules[i].speaker, speaker) == 0)
            return (int)i;
    return -1;
}

static void remove_rule(struct rs_audio_routes *t, unsigned i)
{
    memmove(&t->rules[i], &t->rules[i + 1], (t->n_rules - i - 1) * sizeof(t->rules[0]));
    t->n_rules--;
}

int rs_audio_routes_set(struct rs_audio_routes *t, const char *listener, const char *speaker,
                        bool allow)
{
    if (!t || !selector_valid(listener) || !selector_valid(speaker))
        return -EINVAL;
    int old = find_rule(t, listener, speaker);
    if (old >= 0)
        remove_rule(t, (unsigned)old);
    if (t->n_rules == RS_AUDIO_MAX_RULES)
        return -E2BIG;
    if (t->n_rules == t->cap_rules) {
        unsigned cap = t->cap_rules ? t->cap_rules * 2 : 8;
        struct rule *r = realloc(t->rules, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        t->rules = r;
        t->cap_rules = cap;
    }
    struct rule *r = &t->rules[t->n_rules++];
    memset(r, 0, sizeof(*r));
    memcpy(r->listener, listener, strlen(listener) + 1);
    memcpy(r->speaker, speaker, strlen(speaker) + 1);
    r->allow = allow;
    return 0;
}

int rs_audio_routes_clear(struct rs_audio_routes *t, const char *listener, const char *speaker)
{
    if (!t || !listener || !speaker)
        return -EINVAL;
    int i = find_rule(t, listener, speaker);
    if (i < 0)
        return -ENOENT;
    remove_rule(t, (unsigned)i);
    return 0;
}

int rs_audio_routes_join(struct rs_audio_routes *t, const char *id, const char *group)
{
    if (!t || !id || strlen(id) > RS_PARTICIPANT_ID_LEN || !rs_room_id_valid(id))
        return -EINVAL;
    if (!group || !group[0]) {
        rs_audio_routes_leave(t, id, NULL);
        return 0;
    }
    if (!rs_room_id_valid(group))
        return -EINVAL;
    if (is_member(t, id, group))
        return 0;
    if (t->n_members == RS_AUDIO_MAX_MEMBERS)
        return -E2BIG;
    if (t->n_members == t->cap_members) {
        unsigned cap = t->cap_members ? t->cap_members * 2 : 8;
        struct member *mm = realloc(t->members, cap * sizeof(*mm));
        if (!mm)
            return -ENOMEM;
        t->members = mm;
        t->cap_members = cap;
    }
    struct member *mb = &t->members[t->n_members++];
    memset(mb, 0, sizeof(*mb));
    memcpy(mb->id, id, strlen(id) + 1);
    memcpy(mb->group, group, strlen(group) + 1);
    return 0;
}

int rs_audio_routes_leave(struct rs_audio_routes *t, const char *id, const char *group)
{
    if (!t || !id)
        return -EINVAL;
    unsigned w = 0;
    for (unsigned i = 0; i < t->n_members; i++) {
        const struct member *mb = &t->members[i];
        if (strcmp(mb->id, id) == 0 && (!group || !group[0] || strcmp(mb->group, group) == 0))
            continue;
        t->members[w++] = *mb;
    }
    t->n_members = w;
    return 0;
}

void rs_audio_routes_forget(struct rs_audio_routes *t, const char *id)
{
    if (!t || !id)
        return;
    rs_audio_routes_leave(t, id, NULL);
    for (unsigned i = t->n_rules; i-- > 0;)
        if (strcmp(t->rules[i].listener, id) == 0 || strcmp(t->rules[i].speaker, id) == 0)
            remove_rule(t, i);
}

void rs_audio_routes_reset(struct rs_audio_routes *t)
{
    if (!t)
        return;
    t->n_rules = 0;
    t->n_members = 0;
}

/* ---- on a room ---- */

/* The room's table, created on first use; NULL on OOM. */
static struct rs_audio_routes *table_of(struct rs_room *room)
{
    if (!room->audio_routes)
        room->audio_routes = rs_audio_routes_new();
    return room->audio_routes;
}

struct rs_audio_routes *rs_audio_route_table(struct rs_room *room)
{
    return table_of(room);
}

bool rs_audio_route_allows(const struct rs_room *room, const struct rs_participant *listener,
                           const struct rs_participant *speaker)
{
    /* no table: nobody changed the default, everyone hears everyone */
    return !room->audio_routes ||
           rs_audio_routes_allows(room->audio_routes, listener->id, speaker->id);
}

static int changed(struct rs_room *room, int rc)
{
    if (rc == 0) {
        RS_INFO("room", "event=audio_routes_changed room=%s", room->id);
        rs_room_audience_changed(room);
    }
    return rc;
}

int rs_audio_route_set(struct rs_room *room, const char *listener, const char *speaker, bool allow)
{
    struct rs_audio_routes *t = table_of(room);
    if (!t)
        return -ENOMEM;
    return changed(room, rs_audio_routes_set(t, listener, speaker, allow));
}

int rs_audio_route_clear(struct rs_room *room, const char *listener, const char *speaker)
{
    struct rs_audio_routes *t = table_of(room);
    if (!t)
        return -ENOMEM;
    return changed(room, rs_audio_routes_clear(t, listener, speaker));
}

int rs_audio_route_join(struct rs_room *room, const char *id, const char *group)
{
    struct rs_audio_routes *t = table_of(room);
    if (!t)
        return -ENOMEM;
    return changed(room, rs_audio_routes_join(t, id, group));
}

int rs_audio_route_leave(struct rs_room *room, const char *id, const char *group)
{
    struct rs_audio_routes *t = table_of(room);
    if (!t)
        return -ENOMEM;
    return changed(room, rs_audio_routes_leave(t, id, group));
}

int rs_audio_route_reset(struct rs_room *room)
{
    struct rs_audio_routes *t = table_of(room);
    if (!t)
        return -ENOMEM;
    rs_audio_routes_reset(t);
    return changed(room, 0);
}
