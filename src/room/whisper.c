/* SPDX-License-Identifier: EUPL-1.2 */
/* The `whisper` feature: whisper groups and the whisper key ("Flüstertaste").
 *
 * A participant creates a group (it owns it) and invites others; an invitee accepts or
 * declines; a member leaves, the owner removes members or withdraws invitations, and a group
 * whose owner leaves it (or the meeting) is dissolved. A group holds at most
 * RS_WHISPER_GROUP_MAX members and open invitations together; one participant owns or belongs to
 * at most RS_WHISPER_GROUPS_PER_PERSON groups. Groups are never stored: they go with the people.
 *
 * While a member holds the key (`start` … `stop`) its audio goes to the group only. That is
 * written into the room's audio routing table (room/audio_routes.h), which the SFU asks for
 * every audio subscription: the members are put into the audio group "@whisper-<group>" and the
 * whisperer gets the rules "deny * -> whisperer" and "allow @whisper-<group> -> whisperer".
 * Nobody outside the group receives a single packet of it, whatever the clients do, and a
 * recorder or livestream that listens as a participant is outside every group. The others go on
 * hearing each other (and the whisperer hears everyone): only the whisperer's audio is routed.
 *
 * Refused: whispering by a non-member (not_group_member), while a moderator forbade whispering
 * in the meeting (whisper_forbidden; forbidding stops running whispers) and while the chair
 * keeps the whisperer's microphone silent (mic_restricted: a mute, or a restriction without the
 * word, room/chair.h). A chair's mute during a whisper ends it: a participant the chair
 * silenced must not whisper around it. Each refusal of `start` is counted by reason.
 *
 * The subtle point is that the table is shared: another feature may append a rule that would
 * win over ours (last match wins) or reset the table. So the whisper's rules are not written
 * once but re-asserted in this feature's audience_changed hook, which runs on every change of
 * who hears whom before the SFU's hook recomputes the subscriptions (the SFU registers its
 * feature after the room's own): whatever else changed, a running whisper's rules are the last
 * ones. The hook writes the table directly (rs_audio_route_table), which announces nothing, so
 * it cannot recurse. Changes made by an action are announced with rs_room_audience_changed;
 * those made while someone leaves wait for the room_changed hook, when the leaver is gone. */
#include "room/whisper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "room/audio_routes.h"
#include "room/chair.h"
#include "room/events.h"
#include "room/room.h"

#define GROUP_ID_SIZE 16
#define AUDIO_GROUP_SIZE (sizeof("@whisper-") + GROUP_ID_SIZE)

struct whisper_member {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    bool invited;    /* invited, has not accepted yet */
    bool whispering; /* holds the key now */
};

struct whisper_group {
    char id[GROUP_ID_SIZE];
    char name[RS_WHISPER_NAME_MAX_CHARS * 4 + 1];
    char owner[RS_PARTICIPANT_ID_LEN + 1];
    unsigned n;                                    /* entries in m[], owner first */
    struct whisper_member m[RS_WHISPER_GROUP_MAX]; /* members and invitations */
};

struct whisper_room {
    bool forbidden;
    bool dirty; /* a leave changed routes: announce at room_changed */
    unsigned long next_id;
    unsigned n_groups;
    struct whisper_group *groups[RS_WHISPER_GROUPS_PER_ROOM];
};

static struct whisper_room *room_of(const struct rs_room *room)
{
    return *(struct whisper_room **)rs_room_state((struct rs_room *)room, &rs_whisper_feature);
}

static struct whisper_room *room_state(struct rs_room *room)
{
    struct whisper_room **slot = (struct whisper_room **)rs_room_state(room, &rs_whisper_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

static int find_group(const struct whisper_room *wr, const char *id)
{
    for (unsigned i = 0; wr && id && i < wr->n_groups; i++)
        if (strcmp(wr->groups[i]->id, id) == 0)
            return (int)i;
    return -1;
}

static int find_entry(const struct whisper_group *g, const char *id)
{
    for (unsigned i = 0; i < g->n; i++)
        if (strcmp(g->m[i].id, id) == 0)
            return (int)i;
    return -1;
}

static bool is_member(const struct whisper_group *g, const char *id)
{
    int i = find_entry(g, id);
    return i >= 0 && !g->m[i].invited;
}

/* Groups `id` owns or belongs to (invitations not counted). */
static unsigned memberships(const struct whisper_room *wr, const char *id)
{
    unsigned n = 0;
    for (unsigned i = 0; wr && i < wr->n_groups; i++)
        n += is_member(wr->groups[i], id);
    return n;
}

bool rs_whisper_active(const struct rs_participant *speaker)
{
    const struct whisper_room *wr = speaker->room ? room_of(speaker->room) : NULL;
    for (unsigned i = 0; wr && i < wr->n_groups; i++) {
        int k = find_entry(wr->groups[i], speaker->id);
        if (k >= 0 && wr->groups[i]->m[k].whispering)
            return true;
    }
    return false;
}

/* ---- routing ---- */

static void audio_group(const struct whisper_group *g, char out[AUDIO_GROUP_SIZE], bool at)
{
    snprintf(out, AUDIO_GROUP_SIZE, "%swhisper-%s", at ? "@" : "", g->id);
}

/* Writes a whisper's rules (members in the audio group, deny everyone, allow the group) into
 * the table without announcing it. The deny comes first: should the allow fail, nobody hears
 * the whisperer rather than everyone. */
static int write_rules(struct rs_audio_routes *t, const struct whisper_group *g,
                       const char *whisperer)
{
    char name[AUDIO_GROUP_SIZE], sel[AUDIO_GROUP_SIZE];
    audio_group(g, name, false);
    audio_group(g, sel, true);
    int rc = 0;
    for (unsigned i = 0; i < g->n && !rc; i++)
        if (!g->m[i].invited)
            rc = rs_audio_routes_join(t, g->m[i].id, name);
    if (!rc)
        rc = rs_audio_routes_set(t, "*", whisperer, false);
    if (!rc)
        rc = rs_audio_routes_set(t, sel, whisperer, true);
    return rc;
}

static void clear_rules(struct rs_room *room, const struct whisper_group *g, const char *whisperer)
{
    struct rs_audio_routes *t = rs_audio_route_table(room);
    char sel[AUDIO_GROUP_SIZE];
    audio_group(g, sel, true);
    if (t) {
        rs_audio_routes_clear(t, "*", whisperer);
        rs_audio_routes_clear(t, sel, whisperer);
    }
}

static void leave_audio_group(struct rs_room *room, const struct whisper_group *g, const char *id)
{
    struct rs_audio_routes *t = rs_audio_route_table(room);
    char name[AUDIO_GROUP_SIZE];
    audio_group(g, name, false);
    if (t)
        rs_audio_routes_leave(t, id, name);
}

/* ---- telling ---- */

static bool member_of(const struct rs_participant *p, void *ctx)
{
    return is_member(ctx, p->id);
}

static void emit_members(struct rs_room *room, const struct whisper_group *g, json_t *ev)
{
    rs_emit_group(room, ev, member_of, (void *)g);
}

static json_t *group_json(const struct whisper_group *g)
{
    json_t *members = json_array(), *invited = json_array(), *whispering = json_array();
    for (unsigned i = 0; i < g->n; i++) {
        json_array_append_new(g->m[i].invited ? invited : members, json_string(g->m[i].id));
        if (g->m[i].whispering)
            json_array_append_new(whispering, json_string(g->m[i].id));
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", g->id, "name", g->name, "owner",
                     g->owner, "members", members, "invited", invited, "whispering", whispering);
}

/* whisper/group, the group as it is now, to its members. */
static void tell_group(struct rs_room *room, const struct whisper_group *g)
{
    emit_members(room, g, rs_event("whisper", "group", "{s:o}", "group", group_json(g)));
}

/* To one participant, if it is (still) in the room. */
static void tell_one(struct rs_room *room, const char *id, json_t *ev)
{
    struct rs_participant *p = rs_room_participant(room, id);
    if (p)
        rs_emit_one(p, ev);
    else
        json_decref(ev);
}

static void tell_gone(struct rs_room *room, const struct whisper_group *g, const char *id,
                      const char *reason)
{
    tell_one(room, id,
             rs_event("whisper", "gone", "{s:s, s:s, s:s}", "group", g->id, "name", g->name,
                      "reason", reason));
}

/* ---- changes (the caller announces them) ---- */

/* Ends entry `i`'s whisper: its rules go and the members are told why. */
static void stop_one(struct rs_room *room, struct whisper_group *g, unsigned i, const char *reason)
{
    if (!g->m[i].whispering)
        return;
    g->m[i].whispering = false;
    clear_rules(room, g, g->m[i].id);
    /* the audio group is needed only while someone whispers: the table's memberships are
     * shared with other features and limited (RS_AUDIO_MAX_MEMBERS) */
    bool others = false;
    for (unsigned k = 0; k < g->n; k++)
        others |= g->m[k].whispering;
    for (unsigned k = 0; k < g->n && !others; k++)
        leave_audio_group(room, g, g->m[k].id);
    RS_INFO("room", "event=whisper_stop room=%s group=%s participant=%s reason=%s", room->id, g->id,
            g->m[i].id, reason);
    /* the whisperer is still a member here, so it is told too */
    emit_members(room, g,
                 rs_event("whisper", "stopped", "{s:s, s:s, s:s}", "group", g->id, "id", g->m[i].id,
                          "reason", reason));
}

/* Takes entry `i` (not the owner) out of the group; `gone` (NULL: nobody to tell) is the
 * reason it is told. */
static void drop_entry(struct rs_room *room, struct whisper_group *g, unsigned i, const char *gone)
{
    char id[RS_PARTICIPANT_ID_LEN + 1];
    memcpy(id, g->m[i].id, sizeof(id));
    stop_one(room, g, i, gone ? gone : "left");
    leave_audio_group(room, g, id);
    memmove(&g->m[i], &g->m[i + 1], (g->n - i - 1) * sizeof(g->m[0]));
    g->n--;
    if (gone)
        tell_gone(room, g, id, gone);
}

/* Dissolves group `gi`: whispers end, every member and invitee but `except` (may be NULL) is
 * told, the group is freed. */
static void dissolve(struct rs_room *room, struct whisper_room *wr, unsigned gi, const char *except)
{
    struct whisper_group *g = wr->groups[gi];
    for (unsigned i = 0; i < g->n; i++)
        stop_one(room, g, i, "dissolved");
    for (unsigned i = 0; i < g->n; i++) {
        leave_audio_group(room, g, g->m[i].id);
        if (!except || strcmp(g->m[i].id, except) != 0)
            tell_gone(room, g, g->m[i].id, "dissolved");
    }
    RS_INFO("room", "event=whisper_group_dissolved room=%s group=%s", room->id, g->id);
    free(g);
    wr->groups[gi] = wr->groups[--wr->n_groups];
}

/* ---- actions ---- */

static int oom(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

/* The group named in field `group`, or NULL with `err` filled. */
static struct whisper_group *group_arg(struct rs_call *c, const char *id, int *gi)
{
    struct whisper_room *wr = room_of(c->room);
    int i = find_group(wr, id);
    if (i < 0) {
        rs_msg_error_set(c->err, RS_ERR_NOT_FOUND, "group", "no whisper group with this id");
        return NULL;
    }
    if (gi)
        *gi = i;
    return wr->groups[i];
}

static struct whisper_group *owned_group(struct rs_call *c, const char *id, int *gi)
{
    struct whisper_group *g = group_arg(c, id, gi);
    if (g && strcmp(g->owner, c->self->id) != 0) {
        rs_msg_error_set(c->err, RS_ERR_NOT_GROUP_OWNER, "group",
                         "only the group's owner may do this");
        return NULL;
    }
    return g;
}

static int too_many_groups(struct rs_call *c)
{
    rs_metric_inc(RS_M_WHISPER_REFUSED_LIMIT);
    rs_msg_error_set(c->err, RS_ERR_TOO_MANY_GROUPS, "group",
                     "at most %d whisper groups per person", RS_WHISPER_GROUPS_PER_PERSON);
    return -E2BIG;
}

/* Checks `ids` (borrowed JSON array, may be NULL) as new invitees of `g` (NULL: a group of the
 * caller still to be made) and puts them into `out`. All or nothing. */
static int invitees(struct rs_call *c, const struct whisper_group *g, json_t *ids,
                    const char *out[RS_WHISPER_GROUP_MAX], unsigned *n_out)
{
    size_t i;
    json_t *v;
    unsigned n = 0, have = g ? g->n : 1;
    json_array_foreach(ids, i, v)
    {
        const char *id = json_is_string(v) ? json_string_value(v) : NULL;
        if (!id || !rs_room_participant(c->room, id)) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "ids", "no participant with this id");
            return -EINVAL;
        }
        bool dup = strcmp(id, c->self->id) == 0 || (g && find_entry(g, id) >= 0);
        for (unsigned k = 0; k < n; k++)
            dup |= strcmp(out[k], id) == 0;
        if (dup) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "ids",
                             "already in the group or invited");
            return -EINVAL;
        }
        if (have + n + 1 > RS_WHISPER_GROUP_MAX) {
            rs_metric_inc(RS_M_WHISPER_REFUSED_LIMIT);
            rs_msg_error_set(c->err, RS_ERR_GROUP_FULL, "ids",
                             "at most %d members and invitations per whisper group",
                             RS_WHISPER_GROUP_MAX);
            return -E2BIG;
        }
        out[n++] = id;
    }
    *n_out = n;
    return 0;
}

static void invite(struct rs_call *c, struct whisper_group *g, const char *const *ids, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct whisper_member *m = &g->m[g->n++];
        memset(m, 0, sizeof(*m));
        snprintf(m->id, sizeof(m->id), "%s", ids[i]);
        m->invited = true;
        tell_one(c->room, ids[i],
                 rs_event("whisper", "invited", "{s:o, s:s}", "group", group_json(g), "by",
                          c->self->id));
    }
    rs_metric_add(RS_M_WHISPER_INVITATIONS, n);
}

enum { CREATE_NAME, CREATE_IDS };

static int whisper_create(struct rs_call *c)
{
    struct whisper_room *wr = room_state(c->room);
    if (!wr)
        return oom(c);
    if (wr->n_groups == RS_WHISPER_GROUPS_PER_ROOM) {
        rs_metric_inc(RS_M_WHISPER_REFUSED_LIMIT);
        rs_msg_error_set(c->err, RS_ERR_TOO_MANY_GROUPS, NULL,
                         "at most %d whisper groups per meeting", RS_WHISPER_GROUPS_PER_ROOM);
        return -E2BIG;
    }
    if (memberships(wr, c->self->id) >= RS_WHISPER_GROUPS_PER_PERSON)
        return too_many_groups(c);
    const char *ids[RS_WHISPER_GROUP_MAX];
    unsigned n = 0;
    if (invitees(c, NULL, c->arg[CREATE_IDS].json, ids, &n))
        return -EINVAL;
    struct whisper_group *g = calloc(1, sizeof(*g));
    if (!g)
        return oom(c);
    snprintf(g->id, sizeof(g->id), "w%lu", ++wr->next_id);
    if (c->arg[CREATE_NAME].present)
        snprintf(g->name, sizeof(g->name), "%s", c->arg[CREATE_NAME].str);
    memcpy(g->owner, c->self->id, sizeof(g->owner));
    memcpy(g->m[0].id, c->self->id, sizeof(g->m[0].id));
    g->n = 1;
    wr->groups[wr->n_groups++] = g;
    rs_metric_inc(RS_M_WHISPER_GROUPS);
    RS_INFO("room", "event=whisper_group_created room=%s group=%s owner=%s invited=%u", c->room->id,
            g->id, c->self->id, n);
    rs_emit_reply(c, rs_event("whisper", "group", "{s:o}", "group", group_json(g)));
    invite(c, g, ids, n);
    if (n)
        tell_group(c->room, g);
    return 0;
}

enum { GROUP_ARG, IDS_ARG };

static int whisper_invite(struct rs_call *c)
{
    struct whisper_group *g = owned_group(c, c->arg[GROUP_ARG].str, NULL);
    if (!g)
        return -EPERM;
    const char *ids[RS_WHISPER_GROUP_MAX];
    unsigned n = 0;
    if (invitees(c, g, c->arg[IDS_ARG].json, ids, &n))
        return -EINVAL;
    if (n == 0) {
        rs_msg_error_set(c->err, RS_ERR_MISSING_FIELD, "ids", "name whom to invite");
        return -EINVAL;
    }
    invite(c, g, ids, n);
    tell_group(c->room, g);
    return 0;
}

/* The caller's open invitation to the group in field `group`, or -1 with `err` filled. */
static int invitation(struct rs_call *c, struct whisper_group **g)
{
    *g = group_arg(c, c->arg[GROUP_ARG].str, NULL);
    int i = *g ? find_entry(*g, c->self->id) : -1;
    if (*g && (i < 0 || !(*g)->m[i].invited)) {
        rs_msg_error_set(c->err, RS_ERR_NOT_INVITED, "group",
                         i < 0 ? "you are not invited to this whisper group"
                               : "you are a member already");
        return -1;
    }
    return i;
}

static int whisper_accept(struct rs_call *c)
{
    struct whisper_group *g;
    int i = invitation(c, &g);
    if (i < 0)
        return -EPERM;
    if (memberships(room_of(c->room), c->self->id) >= RS_WHISPER_GROUPS_PER_PERSON)
        return too_many_groups(c);
    g->m[i].invited = false;
    RS_INFO("room", "event=whisper_accept room=%s group=%s participant=%s", c->room->id, g->id,
            c->self->id);
    rs_room_audience_changed(c->room); /* a running whisper of the group reaches it now */
    tell_group(c->room, g);
    return 0;
}

static int whisper_decline(struct rs_call *c)
{
    struct whisper_group *g;
    int i = invitation(c, &g);
    if (i < 0)
        return -EPERM;
    drop_entry(c->room, g, (unsigned)i, "declined");
    tell_one(c->room, g->owner,
             rs_event("whisper", "declined", "{s:s, s:s}", "group", g->id, "id", c->self->id));
    tell_group(c->room, g);
    return 0;
}

static int whisper_leave(struct rs_call *c)
{
    int gi;
    struct whisper_group *g = group_arg(c, c->arg[GROUP_ARG].str, &gi);
    if (!g)
        return -ENOENT;
    if (!is_member(g, c->self->id)) {
        rs_msg_error_set(c->err, RS_ERR_NOT_GROUP_MEMBER, "group",
                         "you are not a member of this whisper group");
        return -EPERM;
    }
    if (strcmp(g->owner, c->self->id) == 0) {
        dissolve(c->room, room_of(c->room), (unsigned)gi, NULL); /* the owner is told too */
    } else {
        drop_entry(c->room, g, (unsigned)find_entry(g, c->self->id), "left");
        tell_group(c->room, g);
    }
    rs_room_audience_changed(c->room);
    return 0;
}

static int whisper_remove(struct rs_call *c)
{
    struct whisper_group *g = owned_group(c, c->arg[GROUP_ARG].str, NULL);
    if (!g)
        return -EPERM;
    const char *id = c->arg[1].str;
    int i = find_entry(g, id);
    if (i <= 0) { /* entry 0 is the owner: it leaves instead */
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "id",
                         i == 0 ? "not the owner: leave the group to dissolve it"
                                : "not in this whisper group");
        return -EINVAL;
    }
    drop_entry(c->room, g, (unsigned)i, g->m[i].invited ? "withdrawn" : "removed");
    rs_room_audience_changed(c->room);
    tell_group(c->room, g);
    return 0;
}

/* Ends the caller's whisper, wherever it runs; true if there was one. */
static bool stop_own(struct rs_room *room, const char *id, const char *reason)
{
    struct whisper_room *wr = room_of(room);
    for (unsigned gi = 0; wr && gi < wr->n_groups; gi++) {
        int i = find_entry(wr->groups[gi], id);
        if (i >= 0 && wr->groups[gi]->m[i].whispering) {
            stop_one(room, wr->groups[gi], (unsigned)i, reason);
            return true;
        }
    }
    return false;
}

static int refuse_start(struct rs_call *c, enum rs_metric m, enum rs_err code, const char *text)
{
    rs_metric_inc(m);
    rs_msg_error_set(c->err, code, "group", "%s", text);
    return -EPERM;
}

static int whisper_start(struct rs_call *c)
{
    struct whisper_room *wr = room_of(c->room);
    int gi = find_group(wr, c->arg[GROUP_ARG].str);
    struct whisper_group *g = gi >= 0 ? wr->groups[gi] : NULL;
    if (!g || !is_member(g, c->self->id))
        return refuse_start(c, RS_M_WHISPER_REFUSED_NOT_MEMBER, RS_ERR_NOT_GROUP_MEMBER,
                            "you are not a member of this whisper group");
    if (wr->forbidden)
        return refuse_start(c, RS_M_WHISPER_REFUSED_FORBIDDEN, RS_ERR_WHISPER_FORBIDDEN,
                            "the moderators do not allow whispering in this meeting");
    if (!rs_chair_may_send(c->self, RS_CHAIR_MIC))
        return refuse_start(c, RS_M_WHISPER_REFUSED_MUTED, RS_ERR_MIC_RESTRICTED,
                            "the chair keeps your microphone silent: you cannot whisper either");
    unsigned i = (unsigned)find_entry(g, c->self->id);
    if (g->m[i].whispering)
        return 0; /* the key repeats */
    struct rs_audio_routes *t = rs_audio_route_table(c->room);
    if (!t)
        return oom(c);
    bool switched = stop_own(c->room, c->self->id, "switched");
    int rc = write_rules(t, g, c->self->id);
    if (rc) {
        clear_rules(c->room, g, c->self->id);
        if (switched)
            rs_room_audience_changed(c->room);
        RS_WARN("room", "event=whisper_routes_full room=%s participant=%s rc=%d", c->room->id,
                c->self->id, rc);
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "the meeting's audio routes are full");
        return rc;
    }
    g->m[i].whispering = true;
    rs_metric_inc(RS_M_WHISPERS_STARTED);
    RS_INFO("room", "event=whisper_start room=%s group=%s participant=%s", c->room->id, g->id,
            c->self->id);
    /* the media plane first, then the people (as room/chair.c does) */
    rs_room_audience_changed(c->room);
    emit_members(c->room, g,
                 rs_event("whisper", "started", "{s:s, s:s}", "group", g->id, "id", c->self->id));
    return 0;
}

static int whisper_stop(struct rs_call *c)
{
    /* a released key after the whisper ended anyway (forbidden, muted) is not an error */
    if (stop_own(c->room, c->self->id, "released"))
        rs_room_audience_changed(c->room);
    return 0;
}

static int whisper_allow(struct rs_call *c)
{
    struct whisper_room *wr = room_state(c->room);
    if (!wr)
        return oom(c);
    bool allowed = c->arg[0].num;
    wr->forbidden = !allowed;
    RS_INFO("room", "event=whisper_allow room=%s allowed=%d by=%s", c->room->id, allowed,
            c->self->id);
    if (!allowed) {
        for (unsigned gi = 0; gi < wr->n_groups; gi++)
            for (unsigned i = 0; i < wr->groups[gi]->n; i++)
                stop_one(c->room, wr->groups[gi], i, "forbidden");
        rs_room_audience_changed(c->room);
    }
    rs_emit_all(c->room,
                rs_event("whisper", "state", "{s:b, s:s}", "allowed", allowed, "by", c->self->id),
                NULL);
    return 0;
}

/* ---- hooks ---- */

/* Who hears whom changed, ours or anyone's: a whisper the chair silenced ends, and every
 * running whisper's rules are written again so that they are the last (see the top). */
static void whisper_audience_changed(struct rs_room *room)
{
    struct whisper_room *wr = room_of(room);
    if (!wr)
        return;
    struct rs_audio_routes *t = NULL;
    for (unsigned gi = 0; gi < wr->n_groups; gi++) {
        struct whisper_group *g = wr->groups[gi];
        for (unsigned i = 0; i < g->n; i++) {
            if (!g->m[i].whispering)
                continue;
            const struct rs_participant *p = rs_room_participant(room, g->m[i].id);
            if (!p || !rs_chair_may_send(p, RS_CHAIR_MIC)) {
                stop_one(room, g, i, "muted");
                continue;
            }
            if (!t && !(t = rs_audio_route_table(room)))
                return;
            if (write_rules(t, g, g->m[i].id))
                RS_WARN("room", "event=whisper_routes_failed room=%s participant=%s", room->id,
                        g->m[i].id);
        }
    }
}

static void whisper_welcome(struct rs_participant *p, json_t *ev)
{
    const struct whisper_room *wr = room_of(p->room);
    json_object_set_new(ev, "whisper", json_pack("{s:b}", "allowed", !(wr && wr->forbidden)));
}

static void whisper_leaving(struct rs_participant *p)
{
    struct whisper_room *wr = room_of(p->room);
    for (unsigned gi = wr ? wr->n_groups : 0; gi-- > 0;) {
        struct whisper_group *g = wr->groups[gi];
        int i = find_entry(g, p->id);
        if (i < 0)
            continue;
        wr->dirty = true;
        if (i == 0) {
            dissolve(p->room, wr, gi, p->id);
        } else {
            drop_entry(p->room, g, (unsigned)i, NULL);
            tell_group(p->room, g);
        }
    }
}

static void whisper_room_changed(struct rs_room *room)
{
    struct whisper_room *wr = room_of(room);
    if (wr && wr->dirty) {
        wr->dirty = false;
        rs_room_audience_changed(room);
    }
}

static void whisper_room_free(struct rs_room *room)
{
    struct whisper_room **slot = (struct whisper_room **)rs_room_state(room, &rs_whisper_feature);
    if (!*slot)
        return;
    for (unsigned i = 0; i < (*slot)->n_groups; i++)
        free((*slot)->groups[i]);
    free(*slot);
    *slot = NULL;
}

#define GROUP_FIELD                                                                                \
    {                                                                                              \
        .name = "group", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED,                        \
        .max = GROUP_ID_SIZE - 1                                                                   \
    }

static const struct rs_action actions[] = {
    {.name = "create",
     .fn = whisper_create,
     .need = RS_NEED_JOINED,
     .fields = {[CREATE_NAME] = {.name = "name",
                                 .type = RS_FIELD_TEXT,
                                 .flags = RS_FIELD_NULLABLE,
                                 .max = RS_WHISPER_NAME_MAX_CHARS},
                [CREATE_IDS] = {.name = "ids",
                                .type = RS_FIELD_ARRAY,
                                .max = RS_WHISPER_GROUP_MAX - 1}}},
    {.name = "invite",
     .fn = whisper_invite,
     .need = RS_NEED_JOINED,
     .fields = {[GROUP_ARG] = GROUP_FIELD,
                [IDS_ARG] = {.name = "ids",
                             .type = RS_FIELD_ARRAY,
                             .flags = RS_FIELD_REQUIRED,
                             .max = RS_WHISPER_GROUP_MAX - 1}}},
    {.name = "accept", .fn = whisper_accept, .need = RS_NEED_JOINED, .fields = {GROUP_FIELD}},
    {.name = "decline", .fn = whisper_decline, .need = RS_NEED_JOINED, .fields = {GROUP_FIELD}},
    {.name = "leave", .fn = whisper_leave, .need = RS_NEED_JOINED, .fields = {GROUP_FIELD}},
    {.name = "remove",
     .fn = whisper_remove,
     .need = RS_NEED_JOINED,
     .fields = {GROUP_FIELD,
                {.name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32}}},
    {.name = "start", .fn = whisper_start, .need = RS_NEED_JOINED, .fields = {GROUP_FIELD}},
    {.name = "stop", .fn = whisper_stop, .need = RS_NEED_JOINED},
    {.name = "allow",
     .fn = whisper_allow,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "allowed", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = NULL},
};

const struct rs_feature rs_whisper_feature = {
    .ns = "whisper",
    .actions = actions,
    .welcome = whisper_welcome,
    .leaving = whisper_leaving,
    .room_changed = whisper_room_changed,
    .audience_changed = whisper_audience_changed,
    .room_free = whisper_room_free,
};
