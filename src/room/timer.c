/* SPDX-License-Identifier: EUPL-1.2 */
/* The `timer` feature: a countdown everyone in the meeting sees, for a break or a time-boxed
 * item ("Pause", 10 minutes).
 *
 * The chair starts it (a new start replaces a running timer) and may stop it; everyone gets
 * `timer/state` with the end time and the server's clock, so a client counts down against its
 * own clock without the server sending a tick a second. The room tick notices when the time is
 * up and tells everyone once (`done: true`); after that the room has no timer, which is also
 * what a joiner learns. Nothing is stored; in a cluster a running timer is part of the room's
 * snapshot (room/snapshot.h), so it goes on, with the same end, on the node that takes over. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "room/timer.h"

struct timer {
    bool running;
    char label[RS_TIMER_LABEL_MAX_CHARS * 4 + 1];
    int64_t started_ms, ends_ms;
};

static struct timer **slot(struct rs_room *room)
{
    return (struct timer **)rs_room_state(room, &rs_timer_feature);
}

static struct timer *get(const struct rs_room *room)
{
    return *slot((struct rs_room *)room);
}

/* The timer as clients see it, or null. */
static json_t *timer_json(const struct timer *t)
{
    if (!t || !t->running)
        return json_null();
    return json_pack("{s:s, s:I, s:I, s:I}", "label", t->label, "started_at",
                     (json_int_t)t->started_ms, "ends_at", (json_int_t)t->ends_ms, "seconds",
                     (json_int_t)((t->ends_ms - t->started_ms) / 1000));
}

static void tell_all(struct rs_room *room, const struct timer *t, bool done)
{
    rs_emit_all(room,
                rs_event("timer", "state", "{s:o, s:I, s:b}", "timer", timer_json(t), "now",
                         (json_int_t)rs_wall_ms(), "done", done),
                NULL);
}

enum { START_SECONDS, START_LABEL };

static int act_start(struct rs_call *c)
{
    struct timer **s = slot(c->room);
    if (!*s && !(*s = calloc(1, sizeof(**s)))) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    struct timer *t = *s;
    t->running = true;
    snprintf(t->label, sizeof(t->label), "%s",
             c->arg[START_LABEL].present ? c->arg[START_LABEL].str : "");
    t->started_ms = rs_wall_ms();
    t->ends_ms = t->started_ms + c->arg[START_SECONDS].num * 1000;
    rs_metric_inc(RS_M_TIMERS_STARTED);
    RS_INFO("room", "event=timer_started room=%s by=%s seconds=%lld", c->room->id, c->self->id,
            c->arg[START_SECONDS].num);
    tell_all(c->room, t, false);
    return 0;
}

static int act_stop(struct rs_call *c)
{
    struct timer *t = get(c->room);
    if (!t || !t->running)
        return 0; /* stopped already, or ran out a moment ago */
    t->running = false;
    RS_INFO("room", "event=timer_stopped room=%s by=%s", c->room->id, c->self->id);
    tell_all(c->room, t, false);
    return 0;
}

static void timer_welcome(struct rs_participant *p, json_t *ev)
{
    json_object_set_new(ev, "timer", timer_json(get(p->room)));
}

static void timer_tick(struct rs_room *room, int64_t now_ms)
{
    struct timer *t = get(room);
    if (!t || !t->running || now_ms < t->ends_ms)
        return;
    RS_INFO("room", "event=timer_done room=%s", room->id);
    /* the last state names the timer that ran out; from now on there is none */
    tell_all(room, t, true);
    t->running = false;
}

static void timer_room_free(struct rs_room *room)
{
    struct timer **s = slot(room);
    free(*s);
    *s = NULL;
}

/* ---- failover (room/snapshot.h): a running timer, with its end ---- */

static json_t *timer_save(struct rs_room *room)
{
    const struct timer *t = get(room);
    if (!t || !t->running)
        return NULL;
    return json_pack("{s:s, s:I, s:I}", "label", t->label, "started", (json_int_t)t->started_ms,
                     "ends", (json_int_t)t->ends_ms);
}

static int timer_restore(struct rs_room *room, json_t *part)
{
    const char *label = rs_snapshot_str(part, "label");
    int64_t started, ends;
    struct timer **s = slot(room);
    if (!label || strlen(label) >= sizeof((*s)->label) ||
        !rs_snapshot_int(part, "started", 0, INT64_MAX / 2, &started) ||
        !rs_snapshot_int(part, "ends", started + RS_TIMER_MIN_S * 1000,
                         started + RS_TIMER_MAX_S * 1000, &ends))
        return -EBADMSG;
    if (!*s && !(*s = calloc(1, sizeof(**s))))
        return -ENOMEM;
    struct timer *t = *s;
    t->running = true;
    snprintf(t->label, sizeof(t->label), "%s", label);
    t->started_ms = started;
    t->ends_ms = ends; /* already past: the next tick says it is done */
    return 0;
}

static const struct rs_action actions[] = {
    {.name = "start",
     .fn = act_start,
     .need = RS_NEED_CHAIR,
     .fields = {[START_SECONDS] = {.name = "seconds",
                                   .type = RS_FIELD_INT,
                                   .flags = RS_FIELD_REQUIRED,
                                   .min = RS_TIMER_MIN_S,
                                   .max = RS_TIMER_MAX_S},
                [START_LABEL] = {.name = "label",
                                 .type = RS_FIELD_TEXT,
                                 .max = RS_TIMER_LABEL_MAX_CHARS}}},
    {.name = "stop", .fn = act_stop, .need = RS_NEED_CHAIR},
    {.name = NULL},
};

const struct rs_feature rs_timer_feature = {
    .ns = "timer",
    .actions = actions,
    .welcome = timer_welcome,
    .room_free = timer_room_free,
    .tick = timer_tick,
    .save = timer_save,
    .restore = timer_restore,
};
