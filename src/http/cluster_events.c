/* SPDX-License-Identifier: EUPL-1.2 */
/* Notices between nodes about rooms (see cluster_events.h).
 *
 * The owner keeps one entry per room it owns: the stream cursor (the id of the last notice it
 * applied, "" until loaded from Redis) and whether the stream must be read. A room is read when
 * it was just opened (the previous owner may have left notices unapplied) or when the inbox says
 * another node sent something. The cursor is saved for the next owner after each batch that
 * moved it and when the room closes; the save is fenced by the lease (events.c), so a node that
 * lost the room cannot move its successor's starting point. A read that fails leaves the entry
 * pending: it is tried again at the next tick, and nothing is lost. */
#include "http/cluster_events.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/cluster_glue.h"
#include "room/agenda.h"
#include "room/room.h"
#include "room/vote.h"
#include "signaling/session.h"
#include "store/store.h"

#define READ_ROOMS_PER_TICK 16 /* pending rooms read in one tick; the rest in the next */
#define READ_EVENTS_MAX 64     /* notices applied per room and tick */

struct room_cursor {
    char room[RS_CLUSTER_ROOM_ID_MAX + 1];
    char cursor[RS_CLUSTER_EVENT_ID_MAX + 1]; /* "" until loaded */
    bool pending;                             /* to be read at the next tick */
};

struct rs_cluster_events {
    struct rs_app *app;
    struct rs_cluster *cluster;
    struct room_cursor *rooms;
    size_t n, cap;
};

struct rs_cluster_events *rs_cluster_events_new(struct rs_app *app, struct rs_cluster *cluster)
{
    struct rs_cluster_events *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return NULL;
    ev->app = app;
    ev->cluster = cluster;
    return ev;
}

void rs_cluster_events_free(struct rs_cluster_events *ev)
{
    if (!ev)
        return;
    free(ev->rooms);
    free(ev);
}

static struct room_cursor *find(struct rs_cluster_events *ev, const char *room)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->rooms[i].room, room) == 0)
            return &ev->rooms[i];
    return NULL;
}

void rs_cluster_events_opened(struct rs_cluster_events *ev, const char *room)
{
    struct room_cursor *rc = find(ev, room);
    if (!rc) {
        if (ev->n == ev->cap) {
            size_t cap = ev->cap ? ev->cap * 2 : 16;
            struct room_cursor *r = realloc(ev->rooms, cap * sizeof(*r));
            if (!r) {
                RS_WARN("cluster", "event=events_oom room=%s", room);
                return;
            }
            ev->rooms = r;
            ev->cap = cap;
        }
        rc = &ev->rooms[ev->n++];
        memset(rc, 0, sizeof(*rc));
        snprintf(rc->room, sizeof(rc->room), "%s", room);
    }
    rc->pending = true;
}

/* Saves the cursor for the next owner (only while the lease is ours; events.c). */
static void commit(struct rs_cluster_events *ev, struct room_cursor *rc)
{
    if (!rc->cursor[0])
        return;
    int r = rs_cluster_events_commit(ev->cluster, rc->room, rc->cursor);
    if (r && r != -EPERM)
        RS_WARN("cluster", "event=cursor_commit_failed room=%s rc=%d", rc->room, r);
}

void rs_cluster_events_closing(struct rs_cluster_events *ev, const char *room)
{
    struct room_cursor *rc = find(ev, room);
    if (!rc)
        return;
    commit(ev, rc);
    *rc = ev->rooms[--ev->n];
}

/* The account id of access/changed: what the store's ids are made of (it is only looked up). */
static bool account_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > RS_USER_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

/* Applies one notice to the live room; 0 (the cursor moves past it either way: a notice the
 * owner cannot apply now would only block the ones after it). */
static int apply(void *user, const struct rs_cluster_event *e)
{
    struct rs_cluster_events *ev = ((void **)user)[0];
    const char *room_id = ((void **)user)[1];
    struct rs_app *app = ev->app;
    struct rs_room *room = rs_rooms_find(app->rooms, room_id);
    bool applied = false;
    if (!room) {
        /* closed meanwhile: nothing live to tell */
    } else if (strcmp(e->type, "meeting/changed") == 0) {
        struct rs_room_record rec;
        if (app->store && rs_store_room_get(app->store, room_id, &rec) == 0) {
            rs_room_settings_changed(app, &rec);
            applied = true;
        }
    } else if (strcmp(e->type, "meeting/deleted") == 0) {
        struct rs_room_record rec;
        if (app->store && rs_store_room_get(app->store, room_id, &rec) == -ENOENT) {
            RS_INFO("cluster", "event=meeting_deleted room=%s from=%s", room_id, e->from);
            rs_room_close_all(room);
            applied = true;
        }
    } else if (strcmp(e->type, "agenda/changed") == 0) {
        rs_agenda_reread(app, room_id);
        applied = true;
    } else if (strcmp(e->type, "vote/members") == 0) {
        rs_vote_members_changed(app, room_id);
        applied = true;
    } else if (strcmp(e->type, "access/changed") == 0 && account_id_valid(e->body, e->body_len)) {
        rs_session_recheck_user(app, e->body);
        applied = true;
    }
    rs_metric_inc(applied ? RS_M_CLUSTER_EVENTS_APPLIED : RS_M_CLUSTER_EVENTS_IGNORED);
    RS_DEBUG("cluster", "event=notice room=%s type=%s from=%s applied=%d", room_id, e->type,
             e->from, applied);
    return 0;
}

/* Reads and applies the notices after `rc`'s cursor. */
static void read_room(struct rs_cluster_events *ev, struct room_cursor *rc)
{
    if (!rc->cursor[0]) {
        int r = rs_cluster_events_cursor(ev->cluster, rc->room, rc->cursor);
        if (r && r != -ENOENT && r != -EBADMSG) {
            rc->cursor[0] = 0; /* Redis did not answer: again next tick */
            return;
        }
    }
    /* applying may close the room (meeting deleted), which removes its entry: read with copies */
    char cursor[sizeof(rc->cursor)], room[sizeof(rc->room)];
    memcpy(cursor, rc->cursor, sizeof(cursor));
    memcpy(room, rc->room, sizeof(room));
    void *ctx[2] = {ev, room};
    int r = rs_cluster_events_read(ev->cluster, room, cursor, READ_EVENTS_MAX, apply, ctx);
    rc = find(ev, room);
    if (!rc)
        return;
    rc->pending = r < 0 || r == READ_EVENTS_MAX; /* failed, or maybe more */
    if (strcmp(cursor, rc->cursor) != 0) {
        memcpy(rc->cursor, cursor, sizeof(cursor));
        commit(ev, rc);
    }
}

static void inbox_room(void *user, const char *room)
{
    struct room_cursor *rc = find(user, room);
    if (rc)
        rc->pending = true; /* a room not open here: its next owner reads the store */
}

void rs_cluster_events_tick(struct rs_cluster_events *ev)
{
    if (!ev)
        return;
    while (rs_cluster_inbox_take(ev->cluster, RS_CLUSTER_INBOX_TAKE_MAX, inbox_room, ev) ==
           RS_CLUSTER_INBOX_TAKE_MAX)
        ;
    unsigned budget = READ_ROOMS_PER_TICK;
    for (size_t i = 0; i < ev->n && budget; i++) {
        if (!ev->rooms[i].pending)
            continue;
        budget--;
        size_t n = ev->n;
        read_room(ev, &ev->rooms[i]);
        if (ev->n < n)
            i--; /* the entry at i was removed and replaced by the last one */
    }
}

void rs_cluster_room_changed(struct rs_app *app, const char *room, const char *type,
                             const char *body)
{
    struct rs_cluster *c = rs_cluster_glue_cluster(app);
    if (!c || rs_rooms_find(app->rooms, room))
        return;
    char owner[RS_CLUSTER_NODE_ID_MAX + 1];
    int r = rs_cluster_event_notify(c, room, type, body, body ? strlen(body) : 0, owner);
    if (r == 0) {
        rs_metric_inc(RS_M_CLUSTER_EVENTS_SENT);
        RS_INFO("cluster", "event=notice_sent room=%s type=%s owner=%s", room, type, owner);
    } else if (r != -ENOENT) {
        rs_metric_inc(RS_M_CLUSTER_EVENTS_FAILED);
        RS_WARN("cluster", "event=notice_failed room=%s type=%s rc=%d", room, type, r);
    }
}
