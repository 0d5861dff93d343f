/* SPDX-License-Identifier: EUPL-1.2 */
/* The `reaction` feature: a small fixed set of reactions (applause, agreement, …) that everyone
 * sees briefly on the sender's tile.
 *
 * The set is fixed so that nothing a participant sends is shown as free text, and a reaction is
 * a flash, not a record: nothing is kept. One reaction per participant and second is shown; more
 * are dropped silently (a drop is not an error the sender could act on) and counted. */
#include <stdint.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "room/events.h"
#include "room/room.h"

#define REACTION_GAP_MS 1000

static const char *const kinds[] = {"applause", "thumbs_up", "thumbs_down", "heart",
                                    "laugh",    "surprised", "agree",       NULL};

static int react(struct rs_call *c)
{
    int64_t **last = (int64_t **)rs_participant_state(c->self, &rs_reaction_feature);
    int64_t now = rs_mono_ms();
    if (!*last && !(*last = calloc(1, sizeof(**last)))) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -1;
    }
    if (**last && now - **last < REACTION_GAP_MS) {
        rs_metric_inc(RS_M_REACTIONS_DROPPED);
        return 0;
    }
    **last = now;
    rs_metric_inc(RS_M_REACTIONS);
    rs_emit_all(c->room,
                rs_event("reaction", "shown", "{s:s, s:s}", "id", c->self->id, "kind",
                         kinds[c->arg[0].num]),
                NULL);
    return 0;
}

static void reaction_leaving(struct rs_participant *p)
{
    void **last = rs_participant_state(p, &rs_reaction_feature);
    free(*last);
    *last = NULL;
}

static const struct rs_action actions[] = {
    {.name = "send",
     .fn = react,
     .need = RS_NEED_JOINED,
     .fields = {{.name = "kind", .type = RS_FIELD_ENUM, .flags = RS_FIELD_REQUIRED, .choices = kinds}}},
    {.name = NULL},
};

const struct rs_feature rs_reaction_feature = {
    .ns = "reaction",
    .actions = actions,
    .leaving = reaction_leaving,
};
