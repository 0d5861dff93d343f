/* SPDX-License-Identifier: EUPL-1.2 */
/* The `podium` feature: podium mode, the stage, and the audience's questions (podium.h,
 * docs/protocol.md "podium").
 *
 * Who is on stage: every moderator, and whoever the chair called up. Everyone else is audience
 * while podium mode is on, and an audience-invitation holder is audience also when it is off.
 * The media plane asks rs_podium_may_publish(); a change of the stage is announced with
 * rs_room_audience_changed first (the SFU stops forwarding a publication that lost the stage
 * and ends it), and only then are the clients told.
 *
 * The subtle thing is the member list. An audience member is not told about other audience
 * members (rs_podium_sees; room.c and events.c follow it), so a participant's view of the list
 * changes as a whole when podium mode is switched or it goes on or off the stage. Then its
 * podium/state carries the list it sees now ("participants", to replace its own); that list is
 * the same for everyone on one side, so it is serialized once per side. Single members that
 * appear for the audience (called up) come as participant_joined.
 *
 * The cost at a thousand listeners: the audience count (podium/audience) is sent at most every
 * RS_PODIUM_AUDIENCE_EVENT_MS, and the questions queue (personal `you_voted`) is sent on the
 * next tick after a change, once per distinct set of votes among the shown questions. */
#include "room/podium.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/access.h"
#include "room/cascade_member.h"
#include "room/events.h"
#include "room/room.h"
#include "room/snapshot.h"

struct question {
    unsigned id;
    char by[RS_PARTICIPANT_ID_LEN + 1];
    char by_name[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char *text;
    int64_t asked_ms;
    char (*voters)[RS_PARTICIPANT_ID_LEN + 1]; /* n_voters of cap_voters */
    unsigned n_voters, cap_voters;
};

struct podium_room {
    bool on;
    bool count_dirty;     /* the audience may have changed since the last count */
    bool questions_dirty; /* the queue changed: send it on the next tick */
    bool stage_left;      /* someone on stage is leaving: announce the stage after it */
    unsigned audience;    /* audience members now (those podium_part.counted) */
    unsigned count_sent;  /* the last count announced */
    int64_t count_sent_ms;
    unsigned next_question;
    struct question *q; /* the open queue, n_q of cap_q, in asking order */
    unsigned n_q, cap_q;
};

struct podium_part {
    bool stage;    /* called up by the chair (moderators are on stage anyway) */
    bool relist;   /* its view of the member list changed: the next state carries it */
    bool counted;  /* counted in the ratsaal_podium_audience gauge */
    uint64_t mask; /* its votes among the shown questions, as of the last podium/questions */
};

/* The feature's state slot index in `room`'s registry: looked up once and checked, since the
 * member-list fan-out asks for every pair of participants it considers. -1 if not served. */
static int slot_index(const struct rs_room *room)
{
    static int idx = -1;
    const struct rs_features *fs = rs_rooms_features(room->app->rooms);
    if (idx < 0 || (unsigned)idx >= fs->count || fs->list[idx] != &rs_podium_feature)
        idx = rs_features_index(fs, &rs_podium_feature);
    return idx;
}

static struct podium_room *room_of(const struct rs_room *room)
{
    int i = slot_index(room);
    return i < 0 ? NULL : room->state[i];
}

static struct podium_part *part_of(const struct rs_participant *p)
{
    int i = slot_index(p->room);
    return i < 0 ? NULL : p->state[i];
}

static struct podium_room *room_state(struct rs_room *room)
{
    struct podium_room **slot = (struct podium_room **)rs_room_state(room, &rs_podium_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

static struct podium_part *part_state(struct rs_participant *p)
{
    struct podium_part **slot = (struct podium_part **)rs_participant_state(p, &rs_podium_feature);
    if (!*slot)
        *slot = calloc(1, sizeof(**slot));
    return *slot;
}

/* ---- the rules (podium.h) ---- */

bool rs_podium_on(const struct rs_room *room)
{
    const struct podium_room *pr = room ? room_of(room) : NULL;
    return pr && pr->on;
}

static bool on_stage(const struct rs_participant *p)
{
    const struct podium_part *pp = part_of(p);
    return p->role == RS_ROLE_MODERATOR || p->mirror || (pp && pp->stage);
}

bool rs_podium_audience(const struct rs_participant *p)
{
    if (!p || !p->room || on_stage(p))
        return false;
    return p->invited_audience || rs_podium_on(p->room);
}

bool rs_podium_may_publish(const struct rs_participant *p)
{
    return p && !rs_podium_audience(p);
}

bool rs_podium_sees(const struct rs_participant *viewer, const struct rs_participant *subject)
{
    if (subject->cascade_relay) /* another node's relay: nobody is told about it */
        return viewer == subject;
    return viewer == subject || !rs_podium_audience(subject) || !rs_podium_audience(viewer);
}

/* ---- state events ---- */

static json_t *stage_ids(struct rs_room *room)
{
    json_t *a = json_array();
    bool on = rs_podium_on(room);
    for (struct rs_participant *p = room->head; p && a && on; p = p->next)
        if (on_stage(p))
            json_array_append_new(a, json_string(p->id));
    return a;
}

/* The member list as a viewer on one side sees it: everyone, or (audience) no audience;
 * never another node's relay (rs_podium_sees). */
static json_t *member_list(struct rs_room *room, bool audience_view)
{
    json_t *a = json_array();
    for (struct rs_participant *q = room->head; q && a; q = q->next)
        if (!q->cascade_relay && (!audience_view || !rs_podium_audience(q)))
            json_array_append_new(a, rs_participant_json(q));
    return a;
}

static unsigned audience_count(const struct rs_room *room)
{
    const struct podium_room *pr = room_of(room);
    return pr ? pr->audience : 0;
}

/* One of the variants of podium/state: for the audience or not, with the member list or not. */
struct variant {
    bool audience, list;
};

static bool in_variant(const struct rs_participant *p, void *ctx)
{
    const struct variant *v = ctx;
    const struct podium_part *pp = part_of(p);
    return rs_podium_audience(p) == v->audience && (pp && pp->relist) == v->list;
}

/* podium/state to everyone: each variant serialized once; those marked `relist` get the member
 * list they see now (the audience sees no audience). */
static void emit_state(struct rs_room *room)
{
    bool on = rs_podium_on(room);
    for (int i = 0; i < 4; i++) {
        struct variant v = {.audience = i & 1, .list = i & 2};
        bool any = false;
        for (struct rs_participant *p = room->head; p && !any; p = p->next)
            any = p->peer && in_variant(p, &v);
        if (!any)
            continue;
        json_t *ev = rs_event("podium", "state", "{s:b, s:o, s:b}", "on", on, "stage",
                              stage_ids(room), "you_on_stage", on && !v.audience);
        if (ev && v.list)
            json_object_set_new(ev, "participants", member_list(room, v.audience));
        rs_emit_group(room, ev, in_variant, &v);
    }
    for (struct rs_participant *p = room->head; p; p = p->next) {
        struct podium_part *pp = part_of(p);
        if (pp)
            pp->relist = false;
    }
    struct podium_room *pr = room_of(room);
    if (pr)
        pr->count_dirty = true;
}

/* Keeps the audience count and the ratsaal_podium_audience gauge right for `p` (its standing
 * may have changed). Nothing is kept for someone never in the audience. */
static void recount(struct rs_participant *p)
{
    bool now = rs_podium_audience(p) && !p->leave_reason && !p->cascade_relay;
    struct podium_part *pp = now ? part_state(p) : part_of(p);
    struct podium_room *pr = pp ? room_state(p->room) : NULL;
    if (!pr || pp->counted == now)
        return;
    pp->counted = now;
    pr->count_dirty = true;
    if (now) {
        pr->audience++;
        rs_metric_inc(RS_M_PODIUM_AUDIENCE);
    } else {
        pr->audience--;
        rs_metric_dec(RS_M_PODIUM_AUDIENCE);
    }
}

/* ---- questions ---- */

static void question_free(struct question *q)
{
    free(q->text);
    free(q->voters);
}

static int question_voter(const struct question *q, const char *id)
{
    for (unsigned i = 0; i < q->n_voters; i++)
        if (strcmp(q->voters[i], id) == 0)
            return (int)i;
    return -1;
}

/* The open queue's order: most votes first, then the older. */
static int by_votes(const void *a, const void *b)
{
    const struct question *x = a, *y = b;
    if (x->n_voters != y->n_voters)
        return x->n_voters > y->n_voters ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static unsigned id_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Which of the shown (first RS_PODIUM_QUESTIONS_SHOWN) questions `p` voted for, as bits (one
 * participant: control/joined). */
static uint64_t vote_mask(const struct podium_room *pr, const struct rs_participant *p)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < pr->n_q && i < RS_PODIUM_QUESTIONS_SHOWN; i++)
        if (question_voter(&pr->q[i], p->id) >= 0)
            m |= 1ull << i;
    return m;
}

static json_t *questions_json(const struct podium_room *pr, uint64_t mask)
{
    json_t *a = json_array();
    for (unsigned i = 0; a && i < pr->n_q && i < RS_PODIUM_QUESTIONS_SHOWN; i++) {
        const struct question *q = &pr->q[i];
        json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:i, s:b, s:b}", "id", (int)q->id,
                                           "text", q->text, "by", q->by, "by_name", q->by_name,
                                           "votes", (int)q->n_voters, "you_voted",
                                           (int)((mask >> i) & 1), "answered", 0));
    }
    return a;
}

/* Every participant's vote mask (podium_part.mask) over the shown questions, in one pass over
 * the votes: the room's ids go into a small hash table first. False on OOM. */
static bool compute_masks(struct rs_room *room, const struct podium_room *pr)
{
    unsigned cap = 16;
    while (cap < 2 * room->count)
        cap *= 2;
    struct rs_participant **tab = calloc(cap, sizeof(*tab));
    if (!tab)
        return false;
    for (struct rs_participant *p = room->head; p; p = p->next) {
        struct podium_part *pp = part_state(p);
        if (!pp) {
            free(tab);
            return false;
        }
        pp->mask = 0;
        unsigned h = id_hash(p->id) & (cap - 1);
        while (tab[h])
            h = (h + 1) & (cap - 1);
        tab[h] = p;
    }
    for (unsigned i = 0; i < pr->n_q && i < RS_PODIUM_QUESTIONS_SHOWN; i++) {
        const struct question *q = &pr->q[i];
        for (unsigned v = 0; v < q->n_voters; v++) {
            unsigned h = id_hash(q->voters[v]) & (cap - 1);
            while (tab[h] && strcmp(tab[h]->id, q->voters[v]) != 0)
                h = (h + 1) & (cap - 1);
            if (tab[h])
                part_of(tab[h])->mask |= 1ull << i;
        }
    }
    free(tab);
    return true;
}

static bool has_mask(const struct rs_participant *p, void *mask)
{
    const struct podium_part *pp = part_of(p);
    return pp && pp->mask == *(uint64_t *)mask;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* podium/questions to everyone, one frame per distinct set of votes. */
static void emit_questions(struct rs_room *room, struct podium_room *pr)
{
    pr->questions_dirty = false;
    qsort(pr->q, pr->n_q, sizeof(pr->q[0]), by_votes);
    uint64_t *masks = calloc(room->count ? room->count : 1, sizeof(*masks));
    if (!masks || !compute_masks(room, pr)) {
        free(masks);
        RS_ERROR("room", "event=oom what=podium_questions room=%s", room->id);
        pr->questions_dirty = true; /* the next tick tries again */
        return;
    }
    unsigned n = 0;
    for (struct rs_participant *p = room->head; p; p = p->next)
        masks[n++] = part_of(p)->mask;
    qsort(masks, n, sizeof(*masks), by_value);
    for (unsigned k = 0; k < n; k++) {
        if (k && masks[k] == masks[k - 1])
            continue;
        rs_emit_group(
            room,
            rs_event("podium", "questions", "{s:o}", "questions", questions_json(pr, masks[k])),
            has_mask, &masks[k]);
    }
    free(masks);
}

static int need_on(struct rs_call *c, struct podium_room **pr)
{
    *pr = room_of(c->room);
    if (*pr && (*pr)->on)
        return 0;
    rs_msg_error_set(c->err, RS_ERR_PODIUM_OFF, NULL, "podium mode is off");
    return -EINVAL;
}

/* The open question the call's first field names, or NULL with `c->err` filled (podium_off,
 * invalid_value). */
static struct question *find_question(struct rs_call *c, struct podium_room **pr)
{
    if (need_on(c, pr))
        return NULL;
    for (unsigned i = 0; i < (*pr)->n_q; i++)
        if ((*pr)->q[i].id == c->arg[0].num)
            return &(*pr)->q[i];
    rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "question", "no open question with this id");
    return NULL;
}

static void drop_vote(struct question *q, int at)
{
    memmove(&q->voters[at], &q->voters[at + 1], (q->n_voters - at - 1) * sizeof(q->voters[0]));
    q->n_voters--;
}

static void remove_question(struct podium_room *pr, struct question *q)
{
    question_free(q);
    unsigned i = (unsigned)(q - pr->q);
    memmove(&pr->q[i], &pr->q[i + 1], (pr->n_q - i - 1) * sizeof(pr->q[0]));
    pr->n_q--;
    pr->questions_dirty = true;
}

/* ---- actions ---- */

/* The owner tells the cluster whether other nodes may serve this room's audience. */
static void cascade_publish(struct rs_room *room, bool on)
{
    struct rs_app *app = room->app;
    if (!room->edge && app->room_owner.cascade_set)
        app->room_owner.cascade_set(app->room_owner.user, room->id, on);
}

void rs_podium_edge_set(struct rs_room *room, bool on)
{
    struct podium_room *pr = room_state(room);
    if (!pr || pr->on == on)
        return;
    for (struct rs_participant *p = room->head; p; p = p->next) {
        struct podium_part *pp = part_state(p);
        if (pp)
            pp->relist = true;
    }
    pr->on = on;
    for (struct rs_participant *p = room->head; p; p = p->next)
        recount(p);
    rs_room_audience_changed(room);
    emit_state(room);
}

void rs_podium_edge_stage_changed(struct rs_room *room)
{
    for (struct rs_participant *p = room->head; p; p = p->next) {
        struct podium_part *pp = part_of(p);
        if (pp)
            pp->relist = rs_podium_audience(p);
    }
    rs_room_audience_changed(room);
    emit_state(room);
}

static int act_set(struct rs_call *c)
{
    if (c->room->edge) {
        rs_msg_error_set(c->err, RS_ERR_FORBIDDEN, NULL, "the stage is on another server");
        return -EACCES;
    }
    bool on = c->arg[0].num;
    struct podium_room *pr = room_state(c->room);
    if (!pr) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    if (pr->on == on)
        return 0;
    /* who sees the audience before the switch: their view changes if that changes */
    for (struct rs_participant *p = c->room->head; p; p = p->next) {
        struct podium_part *pp = part_state(p);
        if (!pp) {
            rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
            return -ENOMEM;
        }
        pp->relist = rs_podium_audience(p);
    }
    pr->on = on;
    for (struct rs_participant *p = c->room->head; p; p = p->next) {
        struct podium_part *pp = part_of(p);
        pp->stage = on && p == c->self;
        pp->relist = pp->relist != rs_podium_audience(p) || rs_podium_audience(p);
        recount(p);
    }
    rs_metric_inc(RS_M_PODIUM_STAGE_CHANGES);
    RS_INFO("room", "event=podium room=%s on=%d by=%s", c->room->id, on, c->self->id);
    cascade_publish(c->room, on);
    rs_room_audience_changed(c->room); /* the SFU ends the audience's publications */
    emit_state(c->room);
    if (!on && pr->n_q) {
        for (unsigned i = 0; i < pr->n_q; i++)
            question_free(&pr->q[i]);
        pr->n_q = 0;
        emit_questions(c->room, pr);
    }
    return 0;
}

/* An action of the chair, or of the one it concerns (`self`): 0, or -EACCES with `c->err`
 * (not_chair for a moderator beside the chair, forbidden for others), counted. */
static int chair_or_self(struct rs_call *c, bool self, const char *text)
{
    if (self || rs_access_holds(c->self, RS_NEED_CHAIR))
        return 0;
    rs_metric_auth_reject(RS_AUTH_FORBIDDEN);
    rs_msg_error_set(c->err,
                     c->self->role == RS_ROLE_MODERATOR ? RS_ERR_NOT_CHAIR : RS_ERR_FORBIDDEN, NULL,
                     "%s", text);
    return -EACCES;
}

/* The participant the call's first field names, or NULL with `c->err` (podium_off,
 * invalid_value). */
static struct rs_participant *target(struct rs_call *c)
{
    struct podium_room *pr;
    if (need_on(c, &pr))
        return NULL;
    struct rs_participant *t = rs_room_participant(c->room, c->arg[0].str);
    if (!t)
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "participant",
                         "no participant with this id");
    return t;
}

static json_t *described(const char *name, struct rs_participant *t)
{
    return rs_event("control", name, "{s:o}", "participant", rs_participant_json(t));
}

static bool other_audience(const struct rs_participant *p, void *t)
{
    return p != t && rs_podium_audience(p);
}

static bool other_not_audience(const struct rs_participant *p, void *t)
{
    return p != t && !rs_podium_audience(p);
}

static int act_call_up(struct rs_call *c)
{
    struct rs_participant *t = target(c);
    if (!t)
        return -EINVAL;
    struct podium_part *tp = part_state(t);
    if (!tp || !rs_podium_audience(t)) {
        rs_msg_error_set(c->err, tp ? RS_ERR_INVALID_VALUE : RS_ERR_INTERNAL, "participant",
                         "this participant is not in the audience");
        return -EINVAL;
    }
    tp->stage = true;
    tp->relist = true;
    if (t->cascade_member) /* on another node: it comes here (docs/cluster.md "Cascade") */
        rs_cascade_member_call_up(t);
    rs_metric_inc(RS_M_PODIUM_STAGE_CHANGES);
    RS_INFO("room", "event=podium_call_up room=%s participant=%s by=%s", c->room->id, t->id,
            c->self->id);
    recount(t);
    rs_hand_lower(t);
    rs_room_audience_changed(c->room);
    /* the audience did not know it: it appears for them now */
    rs_emit_group(c->room, described("participant_joined", t), other_audience, t);
    rs_emit_group(c->room, described("participant_updated", t), other_not_audience, t);
    emit_state(c->room);
    return 0;
}

void rs_podium_standing_changed(struct rs_participant *p)
{
    struct podium_part *pp = part_state(p);
    if (pp)
        pp->relist = true;
    recount(p);
    rs_metric_inc(RS_M_PODIUM_STAGE_CHANGES);
    rs_room_audience_changed(p->room);
    if (!rs_podium_audience(p))
        rs_emit_group(p->room, described("participant_joined", p), other_audience, p);
    emit_state(p->room);
}

static int act_send_back(struct rs_call *c)
{
    struct rs_participant *t = target(c);
    if (!t)
        return -EINVAL;
    if (chair_or_self(c, t == c->self, "only the chair may send others back to the audience"))
        return -EACCES;
    struct podium_part *tp = part_of(t);
    if (t->role == RS_ROLE_MODERATOR || !tp || !tp->stage) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "participant",
                         t->role == RS_ROLE_MODERATOR ? "a moderator stays on the stage"
                                                      : "this participant is not on the stage");
        return -EINVAL;
    }
    tp->stage = false;
    tp->relist = true;
    rs_metric_inc(RS_M_PODIUM_STAGE_CHANGES);
    RS_INFO("room", "event=podium_send_back room=%s participant=%s by=%s", c->room->id, t->id,
            c->self->id);
    /* the SFU stops forwarding it and ends its publication (those who see the audience hear
     * of its tracks going) */
    rs_room_audience_changed(c->room);
    recount(t);
    /* everyone knew it on the stage: the audience hears once that it left it, then no more */
    rs_emit_all(c->room, described("participant_updated", t), NULL);
    emit_state(c->room);
    return 0;
}

static int count_open(const struct podium_room *pr, const char *by)
{
    int n = 0;
    for (unsigned i = 0; i < pr->n_q; i++)
        n += strcmp(pr->q[i].by, by) == 0;
    return n;
}

static int act_ask(struct rs_call *c)
{
    struct podium_room *pr;
    if (need_on(c, &pr))
        return -EINVAL;
    if (count_open(pr, c->self->id) >= RS_PODIUM_QUESTIONS_PER_PERSON ||
        pr->n_q >= RS_PODIUM_QUESTIONS_PER_ROOM) {
        rs_metric_inc(RS_M_PODIUM_QUESTIONS_REFUSED);
        rs_msg_error_set(c->err, RS_ERR_TOO_MANY_QUESTIONS, NULL,
                         pr->n_q >= RS_PODIUM_QUESTIONS_PER_ROOM
                             ? "the queue is full; wait until questions are answered"
                             : "you have %d open questions; wait until one is answered",
                         RS_PODIUM_QUESTIONS_PER_PERSON);
        return -EINVAL;
    }
    if (pr->n_q == pr->cap_q) {
        unsigned cap = pr->cap_q ? pr->cap_q * 2 : 8;
        struct question *grown = realloc(pr->q, cap * sizeof(*grown));
        if (!grown)
            goto oom;
        pr->q = grown;
        pr->cap_q = cap;
    }
    struct question *q = &pr->q[pr->n_q];
    memset(q, 0, sizeof(*q));
    q->text = strdup(c->arg[0].str);
    if (!q->text)
        goto oom;
    q->id = ++pr->next_question;
    memcpy(q->by, c->self->id, sizeof(q->by));
    memcpy(q->by_name, c->self->display_name, sizeof(q->by_name));
    q->asked_ms = rs_wall_ms();
    pr->n_q++;
    pr->questions_dirty = true;
    rs_metric_inc(RS_M_PODIUM_QUESTIONS);
    rs_emit_reply(c, rs_event("podium", "asked", "{s:i}", "question", (int)q->id));
    return 0;
oom:
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

static int act_upvote(struct rs_call *c)
{
    struct podium_room *pr;
    struct question *q = find_question(c, &pr);
    if (!q)
        return -EINVAL;
    if (strcmp(q->by, c->self->id) == 0) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "question",
                         "you cannot vote for your own question");
        return -EINVAL;
    }
    bool on = !c->arg[1].present || c->arg[1].num;
    int at = question_voter(q, c->self->id);
    if (on == (at >= 0))
        return 0;
    if (!on) {
        drop_vote(q, at);
    } else {
        if (q->n_voters == q->cap_voters) {
            unsigned cap = q->cap_voters ? q->cap_voters * 2 : 8;
            void *grown = realloc(q->voters, cap * sizeof(q->voters[0]));
            if (!grown) {
                rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
                return -ENOMEM;
            }
            q->voters = grown;
            q->cap_voters = cap;
        }
        memcpy(q->voters[q->n_voters++], c->self->id, sizeof(q->voters[0]));
    }
    pr->questions_dirty = true;
    return 0;
}

/* answer (the chair, by the table) and dismiss (the chair or the author) */
static int act_close(struct rs_call *c)
{
    struct podium_room *pr;
    struct question *q = find_question(c, &pr);
    if (!q)
        return -EINVAL;
    if (chair_or_self(c, strcmp(q->by, c->self->id) == 0,
                      "only the chair or the question's author may remove it"))
        return -EACCES;
    remove_question(pr, q);
    return 0;
}

/* ---- hooks ---- */

static void podium_welcome(struct rs_participant *p, json_t *ev)
{
    recount(p); /* it is in the room's list: its own count includes it (joined runs later) */
    struct rs_room *room = p->room;
    struct podium_room *pr = room_of(room);
    json_t *j = json_pack(
        "{s:b, s:o, s:b, s:i}", "on", rs_podium_on(room), "stage", stage_ids(room), "you_on_stage",
        rs_podium_on(room) && !rs_podium_audience(p), "audience_count", (int)audience_count(room));
    if (j)
        json_object_set_new(j, "questions",
                            pr ? questions_json(pr, vote_mask(pr, p)) : json_array());
    json_object_set_new(ev, "podium", j);
}

static void podium_describe(const struct rs_participant *p, json_t *j)
{
    if (rs_podium_on(p->room))
        json_object_set_new(j, "stage", json_boolean(!rs_podium_audience(p)));
    if (p->invited_audience)
        json_object_set_new(j, "audience", json_true());
}

static void podium_joined(struct rs_participant *p)
{
    struct podium_room *pr = room_of(p->room);
    if (pr)
        pr->count_dirty = true;
    recount(p);
}

static void podium_leaving(struct rs_participant *p)
{
    struct podium_room *pr = room_of(p->room);
    struct podium_part *pp = part_of(p);
    if (pp && pp->counted) {
        rs_metric_dec(RS_M_PODIUM_AUDIENCE);
        if (pr)
            pr->audience--;
    }
    if (pr) {
        pr->count_dirty = true;
        pr->stage_left |= pr->on && !rs_podium_audience(p);
        for (unsigned i = 0; i < pr->n_q;) {
            struct question *q = &pr->q[i];
            int at = question_voter(q, p->id);
            if (at >= 0) {
                drop_vote(q, at);
                pr->questions_dirty = true;
            }
            if (strcmp(q->by, p->id) == 0)
                remove_question(pr, q); /* the next one moved to i */
            else
                i++;
        }
    }
    void **slot = rs_participant_state(p, &rs_podium_feature);
    free(*slot);
    *slot = NULL;
}

static void podium_room_changed(struct rs_room *room)
{
    struct podium_room *pr = room_of(room);
    if (pr && pr->stage_left) {
        pr->stage_left = false;
        emit_state(room);
    }
}

static void podium_tick(struct rs_room *room, int64_t now_ms)
{
    struct podium_room *pr = room_of(room);
    if (!pr)
        return;
    if (pr->questions_dirty)
        emit_questions(room, pr);
    /* an edge room's audience gets the owner's count, which includes it (cascade_member.h) */
    if (room->edge || !pr->count_dirty ||
        (now_ms - pr->count_sent_ms < RS_PODIUM_AUDIENCE_EVENT_MS && now_ms >= pr->count_sent_ms))
        return;
    pr->count_dirty = false;
    unsigned n = audience_count(room);
    if (n == pr->count_sent)
        return;
    pr->count_sent = n;
    pr->count_sent_ms = now_ms;
    rs_emit_all(room, rs_event("podium", "audience", "{s:i}", "count", (int)n), NULL);
}

static void podium_room_free(struct rs_room *room)
{
    struct podium_room **slot = (struct podium_room **)rs_room_state(room, &rs_podium_feature);
    struct podium_room *pr = *slot;
    if (!pr)
        return;
    if (pr->on)
        cascade_publish(room, false);
    for (unsigned i = 0; i < pr->n_q; i++)
        question_free(&pr->q[i]);
    free(pr->q);
    free(pr);
    *slot = NULL;
}

/* ---- failover (room/snapshot.h): podium mode and who the chair called up ----
 *
 * The questions are not carried: like chat they are meeting content, kept only in the
 * owner's memory (a snapshot in Redis may be persisted to disk); the audience asks again. */

static json_t *podium_save(struct rs_room *room)
{
    const struct podium_room *pr = room_of(room);
    if (!pr || !pr->on)
        return NULL;
    return json_pack("{s:b, s:i}", "on", 1, "next_question", (int)pr->next_question);
}

static int podium_restore(struct rs_room *room, json_t *part)
{
    int64_t next;
    if (!json_is_true(json_object_get(part, "on")) ||
        !rs_snapshot_int(part, "next_question", 0, INT32_MAX, &next))
        return -EBADMSG;
    struct podium_room *pr = room_state(room);
    if (!pr)
        return -ENOMEM;
    pr->on = true;
    pr->next_question = (unsigned)next; /* question ids never repeat in the meeting */
    /* the participants came back before the room's parts, as audience of a room without
     * podium mode: count them now, and tell the other nodes the audience may land there */
    for (struct rs_participant *p = room->head; p; p = p->next)
        recount(p);
    cascade_publish(room, true);
    return 0;
}

static json_t *podium_save_participant(const struct rs_participant *p)
{
    const struct podium_part *pp = part_of(p);
    return pp && pp->stage ? json_pack("{s:b}", "stage", 1) : NULL;
}

static int podium_restore_participant(struct rs_participant *p, json_t *part)
{
    if (!json_is_true(json_object_get(part, "stage")))
        return -EBADMSG;
    struct podium_part *pp = part_state(p);
    if (!pp)
        return -ENOMEM;
    pp->stage = true;
    return 0;
}

#define PARTICIPANT_FIELD                                                                          \
    {                                                                                              \
        .name = "participant", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED,                  \
        .max = RS_PARTICIPANT_ID_LEN                                                               \
    }
#define QUESTION_FIELD                                                                             \
    {                                                                                              \
        .name = "question", .type = RS_FIELD_INT, .flags = RS_FIELD_REQUIRED, .min = 1,            \
        .max = INT32_MAX                                                                           \
    }

static const struct rs_action actions[] = {
    {.name = "set",
     .fn = act_set,
     .need = RS_NEED_CHAIR,
     .fields = {{.name = "on", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "call_up", .fn = act_call_up, .need = RS_NEED_CHAIR, .fields = {PARTICIPANT_FIELD}},
    {.name = "send_back",
     .fn = act_send_back,
     .need = RS_NEED_JOINED,
     .fields = {PARTICIPANT_FIELD}},
    {.name = "ask",
     .fn = act_ask,
     .need = RS_NEED_JOINED,
     .fields = {{.name = "text",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_REQUIRED | RS_FIELD_MULTILINE,
                 .max = RS_PODIUM_QUESTION_MAX_CHARS}}},
    {.name = "upvote",
     .fn = act_upvote,
     .need = RS_NEED_JOINED,
     .fields = {QUESTION_FIELD, {.name = "on", .type = RS_FIELD_BOOL}}},
    {.name = "answer", .fn = act_close, .need = RS_NEED_CHAIR, .fields = {QUESTION_FIELD}},
    {.name = "dismiss", .fn = act_close, .need = RS_NEED_JOINED, .fields = {QUESTION_FIELD}},
    {.name = NULL},
};

const struct rs_feature rs_podium_feature = {
    .ns = "podium",
    .actions = actions,
    .welcome = podium_welcome,
    .describe = podium_describe,
    .joined = podium_joined,
    .leaving = podium_leaving,
    .room_changed = podium_room_changed,
    .tick = podium_tick,
    .room_free = podium_room_free,
    .save = podium_save,
    .restore = podium_restore,
    .save_participant = podium_save_participant,
    .restore_participant = podium_restore_participant,
};
