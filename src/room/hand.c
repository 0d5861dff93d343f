/* SPDX-License-Identifier: EUPL-1.2 */
/* The `hand` feature: raise and lower a hand.
 *
 * Idempotent: repeating the current state sends nothing, so a double click cannot reorder the
 * queue (the first raise's timestamp is kept). The raise time lives in the participant's slot
 * for this feature and is shown in its description (hand_raised, hand_ts). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/clock.h"
#include "room/events.h"
#include "room/room.h"
#include "room/snapshot.h"

struct hand {
    int64_t raised_ms;
};

static struct hand **hand_of(const struct rs_participant *p)
{
    return (struct hand **)rs_participant_state((struct rs_participant *)p, &rs_hand_feature);
}

static int hand_raise(struct rs_call *c)
{
    struct hand **h = hand_of(c->self);
    if (*h)
        return 0;
    *h = malloc(sizeof(**h));
    if (!*h) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    (*h)->raised_ms = rs_wall_ms();
    rs_emit_about(c->self, rs_event("hand", "raised", "{s:s, s:I}", "id", c->self->id, "ts",
                                    (json_int_t)(*h)->raised_ms));
    return 0;
}

void rs_hand_lower(struct rs_participant *p)
{
    struct hand **h = hand_of(p);
    if (!*h)
        return;
    free(*h);
    *h = NULL;
    rs_emit_about(p, rs_event("hand", "lowered", "{s:s}", "id", p->id));
}

static int hand_lower(struct rs_call *c)
{
    rs_hand_lower(c->self);
    return 0;
}

static void hand_describe(const struct rs_participant *p, json_t *j)
{
    struct hand *h = *hand_of(p);
    json_object_set_new(j, "hand_raised", json_boolean(h != NULL));
    if (h)
        json_object_set_new(j, "hand_ts", json_integer(h->raised_ms));
}

static void hand_leaving(struct rs_participant *p)
{
    struct hand **h = hand_of(p);
    free(*h);
    *h = NULL;
}

/* A raised hand goes to the next node with its time, so the queue keeps its order. */
static json_t *hand_save_participant(const struct rs_participant *p)
{
    struct hand *h = *hand_of(p);
    return h ? json_pack("{s:I}", "raised_at", (json_int_t)h->raised_ms) : NULL;
}

static int hand_restore_participant(struct rs_participant *p, json_t *part)
{
    int64_t at;
    if (!rs_snapshot_int(part, "raised_at", 0, INT64_MAX / 2, &at))
        return -EBADMSG;
    struct hand **h = hand_of(p);
    if (!*h && !(*h = malloc(sizeof(**h))))
        return -ENOMEM;
    (*h)->raised_ms = at;
    return 0;
}

static const struct rs_action actions[] = {
    {.name = "raise", .fn = hand_raise, .need = RS_NEED_JOINED},
    {.name = "lower", .fn = hand_lower, .need = RS_NEED_JOINED},
    {.name = NULL},
};

const struct rs_feature rs_hand_feature = {
    .ns = "hand",
    .actions = actions,
    .describe = hand_describe,
    .leaving = hand_leaving,
    .save_participant = hand_save_participant,
    .restore_participant = hand_restore_participant,
};
