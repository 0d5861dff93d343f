/* SPDX-License-Identifier: EUPL-1.2 */
/* The `attendance` feature: the attendance list of a managed meeting.
 *
 * Every stay in the room is one row: written by the `joined` hook (after the others were
 * told), closed by the `leaving` hook with the reason the room gives (room.h leave_reason:
 * "left", "sent_to_lobby", "ended", "removed", ...). Waiting in the lobby is not attendance;
 * someone sent back to the lobby and admitted again has two rows. The role is the one held on
 * entering; the member flag is the vote feature's (rs_vote_member_key), worked out on entering
 * and stored as a key, so the quorum of the past does not move when the member list changes.
 *
 * The subtle point is a restart: rows are committed as people come and go, so a crash leaves
 * open rows behind. The next start closes them with its own start time (the moment of the
 * crash is unknown) and reason "server_restart"; the people then rejoin as new rows. */
#include "room/attendance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "room/vote.h"

/* Per participant: its open row. */
struct stay {
    int64_t row;
};

static void attendance_joined(struct rs_participant *p)
{
    struct rs_room *room = p->room;
    struct rs_app *app = room->app;
    if (!room->rec.managed || !app || !app->store)
        return; /* anonymous rooms keep no attendance */
    struct stay **slot = (struct stay **)rs_participant_state(p, &rs_attendance_feature);
    struct rs_attendance_record *r = calloc(1, sizeof(*r));
    struct stay *s = malloc(sizeof(*s));
    if (!slot || !r || !s)
        goto fail_free;
    snprintf(r->room_id, sizeof(r->room_id), "%s", room->id);
    snprintf(r->participant_id, sizeof(r->participant_id), "%s", p->id);
    snprintf(r->display_name, sizeof(r->display_name), "%s", p->display_name);
    snprintf(r->user_id, sizeof(r->user_id), "%s", p->user_id);
    snprintf(r->role, sizeof(r->role), "%s", rs_role_name(p->role));
    const char *key = rs_vote_member_key(p);
    snprintf(r->member_key, sizeof(r->member_key), "%s", key ? key : "");
    r->joined_at_ms = rs_wall_ms();
    if (rs_store_attendance_add(app->store, r))
        goto fail_free;
    s->row = r->id;
    *slot = s;
    free(r);
    rs_metric_inc(RS_M_ATTENDANCE_ROWS);
    return;
fail_free:
    /* the meeting goes on; the gap is logged and counted */
    rs_metric_inc(RS_M_ATTENDANCE_WRITE_FAILED);
    RS_WARN("attendance", "event=row_not_written room=%s participant=%s", room->id, p->id);
    free(s);
    free(r);
}

static void attendance_leaving(struct rs_participant *p)
{
    struct stay **slot = (struct stay **)rs_participant_state(p, &rs_attendance_feature);
    if (!slot || !*slot)
        return;
    struct rs_app *app = p->room->app;
    const char *reason = p->leave_reason ? p->leave_reason : "left";
    if (p->room->handed_over) {
        /* the room moved to another node, which continues the stay (room/snapshot.h) */
        free(*slot);
        *slot = NULL;
        return;
    }
    /* one whose connection dropped and never came back (room.h rs_room_peer_gone) left when
     * the socket went, not when its resume grace ended */
    int64_t left_ms = p->reconnecting_since_ms ? p->reconnecting_since_ms : rs_wall_ms();
    if (app && app->store && rs_store_attendance_close(app->store, (*slot)->row, left_ms, reason)) {
        rs_metric_inc(RS_M_ATTENDANCE_WRITE_FAILED);
        RS_WARN("attendance", "event=row_not_closed room=%s participant=%s", p->room->id, p->id);
    }
    free(*slot);
    *slot = NULL;
}

int rs_attendance_close_stale(struct rs_store *st, int64_t now_ms, const char *node)
{
    int n = rs_store_attendance_close_open(st, now_ms, "server_restart", node);
    if (n > 0)
        RS_INFO("attendance", "event=closed_stale rows=%d", n);
    return n;
}

/* ---- quorum over time ---- */

struct change {
    int64_t at_ms;
    int delta;     /* +1 entered, -1 left */
    size_t person; /* index into the distinct people */
};

static int by_time(const void *a, const void *b)
{
    const struct change *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
    return y->delta - x->delta; /* at one moment, entering before leaving */
}

struct person_ref {
    char key[RS_VOTER_KEY_MAX + 16];
    size_t row;
};

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct person_ref *)a)->key, ((const struct person_ref *)b)->key);
}

json_t *rs_attendance_timeline(const struct rs_attendance_record *r, size_t n, unsigned members)
{
    json_t *arr = json_array();
    struct person_ref *refs = calloc(n ? n : 1, sizeof(*refs));
    size_t *person_of = calloc(n ? n : 1, sizeof(*person_of));
    bool *is_member = calloc(n ? n : 1, sizeof(*is_member));
    unsigned *open = calloc(n ? n : 1, sizeof(*open));
    struct change *ch = calloc(n ? 2 * n : 1, sizeof(*ch));
    if (!arr || !refs || !person_of || !is_member || !open || !ch)
        goto fail_free;
    /* one person per member key, else account, else connection */
    for (size_t i = 0; i < n; i++) {
        if (r[i].member_key[0])
            snprintf(refs[i].key, sizeof(refs[i].key), "m:%s", r[i].member_key);
        else if (r[i].user_id[0])
            snprintf(refs[i].key, sizeof(refs[i].key), "u:%s", r[i].user_id);
        else
            snprintf(refs[i].key, sizeof(refs[i].key), "p:%s", r[i].participant_id);
        refs[i].row = i;
    }
    qsort(refs, n, sizeof(*refs), by_key);
    size_t people = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(refs[i].key, refs[i - 1].key) != 0)
            people++;
        person_of[refs[i].row] = people;
        is_member[people] = refs[i].key[0] == 'm';
    }
    size_t nch = 0;
    for (size_t i = 0; i < n; i++) {
        ch[nch++] = (struct change){r[i].joined_at_ms, +1, person_of[i]};
        if (r[i].left_at_ms)
            ch[nch++] = (struct change){r[i].left_at_ms, -1, person_of[i]};
    }
    qsort(ch, nch, sizeof(*ch), by_time);
    unsigned present = 0, members_present = 0;
    for (size_t i = 0; i < nch;) {
        int64_t t = ch[i].at_ms;
        for (; i < nch && ch[i].at_ms == t; i++) {
            unsigned *o = &open[ch[i].person];
            unsigned before = *o;
            if (ch[i].delta > 0)
                (*o)++;
            else if (*o)
                (*o)--;
            if ((before == 0) != (*o == 0)) { /* this person came or went */
                int d = *o ? 1 : -1;
                present += d;
                if (is_member[ch[i].person])
                    members_present += d;
            }
        }
        bool quorate = members > 0 && 2u * members_present > members;
        json_t *pt =
            json_pack("{s:I, s:i, s:i, s:b}", "at_ms", (json_int_t)t, "present", (int)present,
                      "members_present", (int)members_present, "quorate", quorate);
        if (!pt || json_array_append_new(arr, pt))
            goto fail_free;
    }
    free(ch);
    free(open);
    free(is_member);
    free(person_of);
    free(refs);
    return arr;
fail_free:
    free(ch);
    free(open);
    free(is_member);
    free(person_of);
    free(refs);
    json_decref(arr);
    return NULL;
}

/* ---- failover (room/snapshot.h): a stay goes on across nodes, one row ---- */

static json_t *attendance_save_participant(const struct rs_participant *p)
{
    struct stay **slot =
        (struct stay **)rs_participant_state((struct rs_participant *)p, &rs_attendance_feature);
    return slot && *slot ? json_pack("{s:I}", "row", (json_int_t)(*slot)->row) : NULL;
}

static int attendance_restore_participant(struct rs_participant *p, json_t *part)
{
    int64_t row;
    struct stay **slot = (struct stay **)rs_participant_state(p, &rs_attendance_feature);
    if (!rs_snapshot_int(part, "row", 1, INT64_MAX, &row))
        return -EBADMSG;
    if (!slot || !p->room->rec.managed)
        return 0;
    struct stay *s = malloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    /* the row is this node's now: its start-up or another node's sweep of the old node's rows
     * leaves it alone, and one the sweep closed already is open again (cluster_sweep.h) */
    struct rs_app *app = p->room->app;
    if (app && app->store && rs_store_attendance_adopt(app->store, row)) {
        rs_metric_inc(RS_M_ATTENDANCE_WRITE_FAILED);
        RS_WARN("attendance", "event=row_not_adopted room=%s participant=%s", p->room->id, p->id);
    }
    s->row = row;
    free(*slot);
    *slot = s;
    return 0;
}

static const struct rs_action actions[] = {{.name = NULL}};

const struct rs_feature rs_attendance_feature = {
    .ns = "attendance",
    .actions = actions,
    .joined = attendance_joined,
    .leaving = attendance_leaving,
    .save_participant = attendance_save_participant,
    .restore_participant = attendance_restore_participant,
};
