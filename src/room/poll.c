/* SPDX-License-Identifier: EUPL-1.2 */
/* The `poll` feature: quick, informal polls ("Blitzumfrage") in a meeting.
 *
 * The chair asks a question with 2 to 10 answers; everyone in the room may pick one and change
 * it while the poll is open. While it is open everyone sees only how many have answered out of
 * how many are here (`poll/progress`), never the distribution, so that early answers do not
 * steer later ones. Closing it shows everyone the counts and, for a named poll, who chose what;
 * cancelling shows nothing. At most one poll is open per room, and nothing is stored: unlike a
 * vote (room/vote.c) a poll has no electorate, no quorum and no record.
 *
 * The subtle point is anonymity: an anonymous poll must still refuse a second answer from the
 * same person, so it keeps the participant id of every answer while it is open, but never a
 * name, and the results it sends carry only counts. A named poll keeps the display name at the
 * time of answering. Answers of someone who leaves are dropped (the leaving hook only records
 * that; room_changed tells everyone), so "answered" never counts people who are gone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/poll.h"
#include "room/room.h"

#define POLL_MAX_ANSWERS 5000

struct answer {
    char id[RS_PARTICIPANT_ID_LEN + 1];
    char name[RS_DISPLAY_NAME_MAX_BYTES + 1]; /* "" in an anonymous poll */
    unsigned option;
};

struct poll {
    unsigned seq; /* the id of the current (or last) poll in this room */
    bool open;
    bool anonymous;
    bool dirty; /* an answer was dropped by a leave: tell everyone at room_changed */
    char question[RS_POLL_QUESTION_MAX_CHARS * 4 + 1];
    char options[RS_POLL_OPTIONS_MAX][RS_POLL_OPTION_MAX_CHARS * 4 + 1];
    unsigned n_options;
    char by[RS_DISPLAY_NAME_MAX_BYTES + 1];
    int64_t opened_ms;
    struct answer *answers;
    unsigned n_answers, cap_answers;
};

static struct poll **slot(struct rs_room *room)
{
    return (struct poll **)rs_room_state(room, &rs_poll_feature);
}

static struct poll *get(const struct rs_room *room)
{
    return *slot((struct rs_room *)room);
}

static int find(const struct poll *pl, const char *id)
{
    for (unsigned i = 0; i < pl->n_answers; i++)
        if (strcmp(pl->answers[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void forget_answers(struct poll *pl)
{
    free(pl->answers);
    pl->answers = NULL;
    pl->n_answers = pl->cap_answers = 0;
}

/* ---- what clients see ---- */

static json_t *poll_json(const struct rs_room *room, const struct poll *pl)
{
    json_t *options = json_array();
    for (unsigned i = 0; i < pl->n_options; i++)
        json_array_append_new(options, json_string(pl->options[i]));
    return json_pack("{s:i, s:s, s:o, s:b, s:s, s:I, s:i, s:i}", "id", (int)pl->seq, "question",
                     pl->question, "options", options, "anonymous", pl->anonymous, "by", pl->by,
                     "opened_at", (json_int_t)pl->opened_ms, "answered", (int)pl->n_answers,
                     "present", (int)room->count);
}

static void tell_progress(struct rs_room *room, const struct poll *pl)
{
    rs_emit_all(room,
                rs_event("poll", "progress", "{s:i, s:i, s:i}", "id", (int)pl->seq, "answered",
                         (int)pl->n_answers, "present", (int)room->count),
                NULL);
}

/* Counts per option; for a named poll also the names per option. */
static json_t *results_json(const struct poll *pl)
{
    json_t *results = json_array();
    for (unsigned o = 0; o < pl->n_options; o++) {
        unsigned n = 0;
        json_t *names = pl->anonymous ? NULL : json_array();
        for (unsigned i = 0; i < pl->n_answers; i++) {
            if (pl->answers[i].option != o)
                continue;
            n++;
            if (names)
                json_array_append_new(names, json_string(pl->answers[i].name));
        }
        json_t *r = json_pack("{s:s, s:i}", "option", pl->options[o], "count", (int)n);
        if (r && names)
            json_object_set_new(r, "names", names);
        else
            json_decref(names);
        json_array_append_new(results, r);
    }
    return results;
}

/* ---- actions ---- */

static int oom(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
    return -ENOMEM;
}

static int no_open_poll(struct rs_call *c)
{
    rs_msg_error_set(c->err, RS_ERR_POLL_CLOSED, "poll", "no poll is open");
    return -EINVAL;
}

enum { CREATE_QUESTION, CREATE_OPTIONS, CREATE_ANONYMOUS };

static int act_create(struct rs_call *c)
{
    struct poll **s = slot(c->room);
    if (*s && (*s)->open) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, NULL,
                         "a poll is open already; close or cancel it first");
        return -EINVAL;
    }
    json_t *given = c->arg[CREATE_OPTIONS].json;
    size_t n = json_array_size(given);
    if (n < RS_POLL_OPTIONS_MIN) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "options", "a poll needs %d to %d options",
                         RS_POLL_OPTIONS_MIN, RS_POLL_OPTIONS_MAX);
        return -EINVAL;
    }
    char options[RS_POLL_OPTIONS_MAX][RS_POLL_OPTION_MAX_CHARS * 4 + 1];
    for (size_t i = 0; i < n; i++) {
        const char *val;
        if (rs_text_field(json_array_get(given, i), "options", true, RS_POLL_OPTION_MAX_CHARS,
                          false, options[i], sizeof(options[i]), &val, c->err))
            return -EINVAL;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(options[k], val) == 0) {
                rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "options",
                                 "options[%zu] repeats an option", i);
                return -EINVAL;
            }
        }
    }
    if (!*s && !(*s = calloc(1, sizeof(**s))))
        return oom(c);
    struct poll *pl = *s;
    forget_answers(pl);
    pl->seq++;
    pl->open = true;
    pl->dirty = false;
    pl->anonymous = c->arg[CREATE_ANONYMOUS].present && c->arg[CREATE_ANONYMOUS].num;
    snprintf(pl->question, sizeof(pl->question), "%s", c->arg[CREATE_QUESTION].str);
    pl->n_options = (unsigned)n;
    memcpy(pl->options, options, sizeof(options));
    snprintf(pl->by, sizeof(pl->by), "%s", c->self->display_name);
    pl->opened_ms = rs_wall_ms();
    rs_metric_inc(RS_M_POLLS_CREATED);
    RS_INFO("room", "event=poll_opened room=%s poll=%u by=%s options=%u anonymous=%d", c->room->id,
            pl->seq, c->self->id, pl->n_options, pl->anonymous);
    rs_emit_all(c->room, rs_event("poll", "opened", "{s:o}", "poll", poll_json(c->room, pl)), NULL);
    return 0;
}

enum { ANSWER_OPTION, ANSWER_POLL };

static int act_answer(struct rs_call *c)
{
    struct poll *pl = get(c->room);
    if (!pl || !pl->open ||
        (c->arg[ANSWER_POLL].present && c->arg[ANSWER_POLL].num != (long long)pl->seq))
        return no_open_poll(c);
    long long option = c->arg[ANSWER_OPTION].num;
    if (option < 0 || option >= (long long)pl->n_options) {
        rs_msg_error_set(c->err, RS_ERR_INVALID_OPTION, "option", "the poll has %u options",
                         pl->n_options);
        return -EINVAL;
    }
    int at = find(pl, c->self->id);
    if (at < 0) {
        if (pl->n_answers == POLL_MAX_ANSWERS) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, NULL, "the poll is full (%d answers)",
                             POLL_MAX_ANSWERS);
            return -E2BIG;
        }
        if (pl->n_answers == pl->cap_answers) {
            unsigned cap = pl->cap_answers ? pl->cap_answers * 2 : 16;
            struct answer *grown = realloc(pl->answers, cap * sizeof(*grown));
            if (!grown)
                return oom(c);
            pl->answers = grown;
            pl->cap_answers = cap;
        }
        at = (int)pl->n_answers++;
        memset(&pl->answers[at], 0, sizeof(pl->answers[at]));
        memcpy(pl->answers[at].id, c->self->id, sizeof(pl->answers[at].id));
    }
    struct answer *a = &pl->answers[at];
    a->option = (unsigned)option;
    if (!pl->anonymous) /* the name as it is when answering: kept if it changes later */
        snprintf(a->name, sizeof(a->name), "%s", c->self->display_name);
    rs_metric_inc(RS_M_POLL_ANSWERS);
    rs_emit_reply(
        c, rs_event("poll", "answered", "{s:i, s:i}", "id", (int)pl->seq, "option", (int)option));
    tell_progress(c->room, pl);
    return 0;
}

static int act_close(struct rs_call *c)
{
    struct poll *pl = get(c->room);
    if (!pl || !pl->open)
        return no_open_poll(c);
    pl->open = false;
    rs_metric_inc(RS_M_POLLS_CLOSED);
    RS_INFO("room", "event=poll_closed room=%s poll=%u answers=%u", c->room->id, pl->seq,
            pl->n_answers);
    rs_emit_all(c->room,
                rs_event("poll", "closed", "{s:i, s:s, s:b, s:b, s:i, s:i, s:o}", "id",
                         (int)pl->seq, "question", pl->question, "anonymous", pl->anonymous,
                         "cancelled", 0, "answered", (int)pl->n_answers, "present",
                         (int)c->room->count, "results", results_json(pl)),
                NULL);
    forget_answers(pl);
    return 0;
}

static int act_cancel(struct rs_call *c)
{
    struct poll *pl = get(c->room);
    if (!pl || !pl->open)
        return no_open_poll(c);
    pl->open = false;
    forget_answers(pl);
    RS_INFO("room", "event=poll_cancelled room=%s poll=%u", c->room->id, pl->seq);
    rs_emit_all(c->room,
                rs_event("poll", "closed", "{s:i, s:s, s:b, s:b}", "id", (int)pl->seq, "question",
                         pl->question, "anonymous", pl->anonymous, "cancelled", 1),
                NULL);
    return 0;
}

/* ---- hooks ---- */

static void poll_welcome(struct rs_participant *p, json_t *ev)
{
    const struct poll *pl = get(p->room);
    json_object_set_new(ev, "poll", pl && pl->open ? poll_json(p->room, pl) : json_null());
}

static void poll_joined(struct rs_participant *p)
{
    const struct poll *pl = get(p->room);
    if (pl && pl->open)
        tell_progress(p->room, pl);
}

static void poll_leaving(struct rs_participant *p)
{
    struct poll *pl = get(p->room);
    if (!pl || !pl->open)
        return;
    int at = find(pl, p->id);
    if (at >= 0) {
        pl->answers[at] = pl->answers[pl->n_answers - 1];
        pl->n_answers--;
    }
    pl->dirty = true; /* fewer present in any case */
}

static void poll_room_changed(struct rs_room *room)
{
    struct poll *pl = get(room);
    if (!pl || !pl->open || !pl->dirty)
        return;
    pl->dirty = false;
    tell_progress(room, pl);
}

static void poll_room_free(struct rs_room *room)
{
    struct poll **s = slot(room);
    if (*s)
        forget_answers(*s);
    free(*s);
    *s = NULL;
}

static const struct rs_action actions[] = {
    {.name = "create",
     .fn = act_create,
     .need = RS_NEED_CHAIR,
     .fields = {[CREATE_QUESTION] = {.name = "question",
                                     .type = RS_FIELD_TEXT,
                                     .flags = RS_FIELD_REQUIRED,
                                     .max = RS_POLL_QUESTION_MAX_CHARS},
                [CREATE_OPTIONS] = {.name = "options",
                                    .type = RS_FIELD_ARRAY,
                                    .flags = RS_FIELD_REQUIRED,
                                    .max = RS_POLL_OPTIONS_MAX},
                [CREATE_ANONYMOUS] = {.name = "anonymous", .type = RS_FIELD_BOOL}}},
    {.name = "answer",
     .fn = act_answer,
     .need = RS_NEED_JOINED,
     .fields =
         {[ANSWER_OPTION] = {.name = "option",
                             .type = RS_FIELD_INT,
                             .flags = RS_FIELD_REQUIRED,
                             .min = 0,
                             .max = RS_POLL_OPTIONS_MAX - 1},
          [ANSWER_POLL] = {.name = "poll", .type = RS_FIELD_INT, .min = 1, .max = INT32_MAX}}},
    {.name = "close", .fn = act_close, .need = RS_NEED_CHAIR},
    {.name = "cancel", .fn = act_cancel, .need = RS_NEED_CHAIR},
    {.name = NULL},
};

const struct rs_feature rs_poll_feature = {
    .ns = "poll",
    .actions = actions,
    .joined = poll_joined,
    .welcome = poll_welcome,
    .leaving = poll_leaving,
    .room_changed = poll_room_changed,
    .room_free = poll_room_free,
};
