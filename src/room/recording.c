/* SPDX-License-Identifier: EUPL-1.2 */
/* The `recording` feature: recording and livestream of a meeting (recording.h,
 * docs/protocol.md "recording", docs/recording.md).
 *
 * Each kind (recording, stream) of a room is a `struct run`: its state (off, starting,
 * running, failed), whether it is paused, who started it and why, its recorder process (a
 * link), its media feed and, for a recording, its row in the store. A start spawns the
 * recorder and opens the feed; the kind is `starting` until the recorder says "ready", and
 * only a `running` kind includes anybody. Consent belongs to one run: a participant's answer
 * is stored with the run's serial number, so a new start (a new serial) asks everyone again
 * without touching every participant.
 *
 * Who is in a kind is one function, rs_recording_includes, asked by the feed for every track
 * whenever the routing changes. This feature makes sure it is asked again when something it
 * depends on changed that the routing does not see: a consent, a pause, the recorder becoming
 * ready (we refresh the feed ourselves), the chair's and whisper's and breakout's changes
 * (they run rs_room_audience_changed, our hook refreshes), and the agenda (the tick notices
 * the current item turning non-public, shows the closed-session slate and refreshes).
 *
 * The subtle thing is that a recorder outlives its run. Stopping a kind ends it for the room at
 * once (state off, feed closed: nothing more is forwarded), but the process needs time to
 * finalise the file; the link moves to a process-wide drain list, advanced by the registry's
 * tick, and only when the process has exited is the recording row finished. A room that
 * closes while a kind runs stops it the same way; the server's shutdown waits for the drains
 * (bounded by the link's stop sequence). A recorder that dies, stays silent after the start or
 * stops reading its commands fails its kind: the row is marked failed (the file so far stays),
 * moderators get recorder_failed, and a moderator may start again.
 *
 * In a cluster a running kind is part of the room's snapshot and goes on, as a new part with
 * the same serial (so the consents hold), on the node that takes the room over (the failover
 * section below; docs/recording.md "In a cluster"). */
#include "room/recording.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/recording_dirs.h"
#include "room/agenda.h"
#include "room/breakout.h"
#include "room/events.h"
#include "room/recorder_link.h"
#include "room/room.h"
#include "room/snapshot.h"
#include "room/whisper.h"
#include "store/store_recording.h"

#define SLATE_CLOSED "Nicht-öffentlicher Teil / Closed session"

enum run_state { RUN_OFF, RUN_STARTING, RUN_RUNNING, RUN_FAILED };
static const char *const run_state_names[] = {"off", "starting", "running", "failed"};

enum answer { ANSWER_PENDING, ANSWER_GIVEN, ANSWER_DECLINED };
static const char *const answer_names[] = {"pending", "given", "declined", NULL};

enum target_state { TGT_OFF, TGT_CONNECTING, TGT_RUNNING, TGT_RECONNECTING, TGT_FAILED };
static const char *const target_names[] = {"off", "connecting", "running", "reconnecting",
                                           "failed"};

static const char *const kind_choices[] = {"recording", "stream", NULL};
static const char *const layout_choices[] = {"speaker", "grid", NULL};

static const enum rs_metric m_active[] = {RS_M_RECORDINGS_ACTIVE_RECORDING,
                                          RS_M_RECORDINGS_ACTIVE_STREAM};
static const enum rs_metric m_starts[] = {RS_M_RECORDING_STARTS_RECORDING,
                                          RS_M_RECORDING_STARTS_STREAM};
static const enum rs_metric m_failures[] = {RS_M_RECORDING_FAILURES_RECORDING,
                                            RS_M_RECORDING_FAILURES_STREAM};

struct run {
    enum run_state state;
    bool paused;
    bool slate;      /* the closed-session slate is shown (the agenda item is not public) */
    unsigned layout; /* index in layout_choices */
    uint64_t serial; /* this run's number: consents name it */
    char error[256]; /* why it failed */
    char started_by[RS_DISPLAY_NAME_MAX_BYTES + 1];
    char started_by_user[32]; /* the starter's account, "" for none */
    char purpose[RS_RECORDING_PURPOSE_MAX + 1];
    unsigned part; /* 1, and one more for each node that continued it after a failover */
    unsigned retention_days;
    int64_t since_ms;
    struct rs_recorder_link *link;
    void *feed;
    int64_t recording_id;    /* the store's row (recording kind), 0 for none */
    char out_path[PATH_MAX]; /* the file (recording) or the HLS directory (stream) */
    int64_t bytes;           /* from the file output's event; -1: unknown */
    enum target_state targets[RS_CONFIG_RTMP_TARGETS_MAX];
};

struct rec_room {
    struct rs_room *room;
    struct run run[RS_RECORDING_KINDS];
    struct rec_room *next; /* every room with recording state (for the shutdown) */
};

struct rec_part {
    enum answer answer[RS_RECORDING_KINDS];
    uint64_t serial[RS_RECORDING_KINDS]; /* the run the answer belongs to */
};

/* A stopped recorder finalising its outputs. */
struct drain {
    struct drain *next;
    struct rs_app *app;
    struct rs_recorder_link *link;
    enum rs_recording_kind kind;
    char room_id[RS_ROOM_ID_MAX + 1];
    int64_t recording_id;
    int64_t stopped_at_ms;
    char out_path[PATH_MAX];
    int64_t bytes;
    bool stopped;  /* it said "stopped" */
    bool keep_dir; /* a stream handed over: the next owner streams into the same directory */
};

static const struct rs_recording_feed_ops *feed_ops;
static struct rec_room *rec_rooms;
static struct drain *drains;
static uint64_t run_serial;

const char *rs_recording_kind_name(enum rs_recording_kind kind)
{
    return kind_choices[kind];
}

void rs_recording_set_feed_ops(const struct rs_recording_feed_ops *ops)
{
    feed_ops = ops;
}

static struct rec_room *room_of(struct rs_room *room)
{
    void **slot = rs_room_state(room, &rs_recording_feature);
    return slot ? *slot : NULL;
}

static struct rec_room *room_make(struct rs_room *room)
{
    struct rec_room *rr = room_of(room);
    if (rr)
        return rr;
    rr = calloc(1, sizeof(*rr));
    if (!rr)
        return NULL;
    rr->room = room;
    rr->next = rec_rooms;
    rec_rooms = rr;
    *rs_room_state(room, &rs_recording_feature) = rr;
    return rr;
}

static bool active(const struct run *r)
{
    return r->state == RUN_STARTING || r->state == RUN_RUNNING;
}

static enum answer answer_of(const struct rec_room *rr, struct rs_participant *p,
                             enum rs_recording_kind k)
{
    struct rec_part *rp = *rs_participant_state(p, &rs_recording_feature);
    if (!rr || !rp || rp->serial[k] != rr->run[k].serial)
        return ANSWER_PENDING;
    return rp->answer[k];
}

bool rs_recording_includes(struct rs_room *room, const struct rs_participant *p,
                           enum rs_recording_kind kind, bool microphone)
{
    struct rec_room *rr = room_of(room);
    if (!rr || (unsigned)kind >= RS_RECORDING_KINDS)
        return false;
    const struct run *r = &rr->run[kind];
    if (r->state != RUN_RUNNING || r->paused || p->waiting)
        return false;
    if (answer_of(rr, (struct rs_participant *)p, kind) != ANSWER_GIVEN)
        return false;
    if (rs_breakout_place(p) != 0)
        return false;
    if (!rs_agenda_current_public(room))
        return false;
    return !(microphone && rs_whisper_active(p));
}

/* --- files and directories --- */

/* RECORDINGS_DIR (the recording) or LIVE_DIR (the stream). */
static int base_dir(const struct rs_config *cfg, enum rs_recording_kind k, char *out, size_t cap)
{
    return k == RS_RECORDING_FILE ? rs_recording_dirs(cfg, out, cap, NULL, 0)
                                  : rs_recording_dirs(cfg, NULL, 0, out, cap);
}

/* Removes the regular files of the HLS directory `dir` (playlist and segments). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* --- audit --- */

/* Bytes of a purpose in an audit detail: escaped ('"', '\\') at most twice as long, it fits. */
#define AUDIT_PURPOSE_MAX 400

/* Appends to the audit log; `actor` NULL: the server. Takes `detail` (may be NULL). */
static void audit(struct rs_room *room, int64_t recording_id, const char *event,
                  enum rs_recording_kind k, const struct rs_participant *actor, json_t *detail)
{
    struct rs_recording_audit a;
    memset(&a, 0, sizeof(a));
    snprintf(a.room_id, sizeof(a.room_id), "%s", room->id);
    a.recording_id = recording_id;
    a.at_ms = rs_wall_ms();
    snprintf(a.event, sizeof(a.event), "%s", event);
    snprintf(a.kind, sizeof(a.kind), "%s", rs_recording_kind_name(k));
    if (actor) {
        snprintf(a.actor, sizeof(a.actor), "%s", actor->display_name);
        snprintf(a.actor_user, sizeof(a.actor_user), "%s", actor->user_id);
    }
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    if (d && strlen(d) < sizeof(a.detail))
        memcpy(a.detail, d, strlen(d) + 1);
    else
        snprintf(a.detail, sizeof(a.detail), "{}");
    free(d);
    json_decref(detail);
    int rc = rs_store_recording_audit_add(room->app->store, &a);
    if (rc)
        RS_WARN("recording", "event=audit_failed room=%s what=%s rc=%d", room->id, event, rc);
}

/* --- state events --- */

static json_t *run_json(const struct rs_room *room, const struct run *r, enum rs_recording_kind k)
{
    json_t *o = json_pack("{s:s}", "state", run_state_names[r->state]);
    if (!o)
        return NULL;
    if (active(r)) {
        json_object_set_new(o, "started_by", json_string(r->started_by));
        json_object_set_new(o, "purpose", json_string(r->purpose));
        json_object_set_new(o, "since", json_integer(r->since_ms));
        json_object_set_new(o, "layout", json_string(layout_choices[r->layout]));
        json_object_set_new(o, "paused", json_boolean(r->paused));
        if (k == RS_RECORDING_FILE)
            json_object_set_new(o, "retention_days", json_integer(r->retention_days));
    } else {
        json_object_set_new(o, "paused", json_false());
    }
    if (r->state == RUN_FAILED)
        json_object_set_new(o, "error", json_string(r->error));
    if (k == RS_RECORDING_STREAM) {
        const struct rs_config *cfg = &room->app->cfg;
        char url[512];
        /* without public_url the page's path: the client puts its own origin in front */
        snprintf(url, sizeof(url), "%s/live/%s", cfg->public_url, room->id);
        if (active(r))
            json_object_set_new(o, "public_url", json_string(url));
        json_t *ts = json_array();
        for (unsigned i = 0; i < cfg->n_rtmp_targets && ts; i++)
            json_array_append_new(ts, json_pack("{s:s, s:s, s:s}", "id", cfg->rtmp_targets[i].id,
                                                "name", cfg->rtmp_targets[i].name, "state",
                                                target_names[active(r) ? r->targets[i] : TGT_OFF]));
        json_object_set_new(o, "targets", ts ? ts : json_array());
    }
    return o;
}

/* The state as participant `p` sees it (counts only for moderators). A new reference. */
static json_t *state_body(struct rs_room *room, struct rec_room *rr, struct rs_participant *p)
{
    static const struct run off = {.state = RUN_OFF};
    json_t *o = json_object();
    json_t *you = json_object();
    if (!o || !you) {
        json_decref(o);
        json_decref(you);
        return NULL;
    }
    for (unsigned k = 0; k < RS_RECORDING_KINDS; k++) {
        json_object_set_new(o, kind_choices[k], run_json(room, rr ? &rr->run[k] : &off, k));
        json_object_set_new(you, kind_choices[k], json_string(answer_names[answer_of(rr, p, k)]));
    }
    json_object_set_new(o, "you", you);
    if (p->role == RS_ROLE_MODERATOR) {
        json_t *counts = json_object();
        for (unsigned k = 0; rr && counts && k < RS_RECORDING_KINDS; k++) {
            if (!active(&rr->run[k]))
                continue;
            unsigned n[3] = {0, 0, 0};
            for (struct rs_participant *q = room->head; q; q = q->next)
                n[answer_of(rr, q, k)]++;
            json_object_set_new(counts, kind_choices[k],
                                json_pack("{s:i, s:i, s:i}", "given", n[ANSWER_GIVEN], "declined",
                                          n[ANSWER_DECLINED], "pending", n[ANSWER_PENDING]));
        }
        if (counts)
            json_object_set_new(o, "counts", counts);
    }
    return o;
}

/* Sends recording/state to everyone, or (`moderators_only`) to the moderators and `also` (may
 * be NULL): one object per distinct view (role and own answers), serialized once per view. A
 * consent changes only its giver's view and the moderators' counts, so a thousand answers in a
 * large meeting cost a thousand small sends, not a million. */
static void emit_state_to(struct rs_room *room, struct rec_room *rr, bool moderators_only,
                          const struct rs_participant *also)
{
    json_t *view[2][3][3] = {{{NULL}}};
    /* sent one by one (rs_emit_one), which does not mark the room's snapshot stale as group
     * events do: a consent or a start must reach the next owner too (room/snapshot.h) */
    room->snapshot_dirty = true;
    for (struct rs_participant *p = room->head; p; p = p->next) {
        bool mod = p->role == RS_ROLE_MODERATOR;
        if (moderators_only && !mod && p != also)
            continue;
        enum answer a0 = answer_of(rr, p, RS_RECORDING_FILE);
        enum answer a1 = answer_of(rr, p, RS_RECORDING_STREAM);
        json_t **v = &view[mod][a0][a1];
        if (!*v) {
            json_t *body = state_body(room, rr, p);
            if (!body)
                continue;
            *v = rs_event("recording", "state", NULL);
            if (*v)
                json_object_update(*v, body);
            json_decref(body);
        }
        if (*v)
            rs_emit_one(p, json_incref(*v));
    }
    for (unsigned i = 0; i < 2; i++)
        for (unsigned j = 0; j < 3; j++)
            for (unsigned k = 0; k < 3; k++)
                json_decref(view[i][j][k]);
}

static void emit_state(struct rs_room *room, struct rec_room *rr, bool moderators_only)
{
    emit_state_to(room, rr, moderators_only, NULL);
}

/* --- the recorder --- */

static void send_cmd(struct run *r, json_t *cmd)
{
    if (r->link && cmd)
        rs_recorder_link_send(r->link, cmd); /* a failure shows in the next poll */
    json_decref(cmd);
}

static void feed_refresh(struct run *r)
{
    if (r->feed && feed_ops)
        feed_ops->refresh(r->feed);
}

static void feed_close(struct run *r)
{
    if (r->feed && feed_ops)
        feed_ops->close(r->feed);
    r->feed = NULL;
}

void rs_recording_recorder_cmd(struct rs_room *room, enum rs_recording_kind kind, json_t *cmd)
{
    struct rec_room *rr = room_of(room);
    if (!rr || (unsigned)kind >= RS_RECORDING_KINDS || !active(&rr->run[kind]))
        return;
    send_cmd(&rr->run[kind], json_incref(cmd));
}

/* Ends run `k` for the room: the feed closes at once, the recorder finalises in the drain
 * list. `by` NULL: the server (`reason` says why). */
static void stop_run(struct rs_room *room, struct rec_room *rr, enum rs_recording_kind k,
                     const struct rs_participant *by, const char *reason)
{
    struct run *r = &rr->run[k];
    feed_close(r);
    audit(room, r->recording_id, "stop", k, by,
          reason ? json_pack("{s:s}", "reason", reason) : NULL);
    struct drain *d = calloc(1, sizeof(*d));
    if (d) {
        d->app = room->app;
        d->link = r->link;
        d->kind = k;
        snprintf(d->room_id, sizeof(d->room_id), "%s", room->id);
        d->recording_id = r->recording_id;
        d->stopped_at_ms = rs_wall_ms();
        snprintf(d->out_path, sizeof(d->out_path), "%s", r->out_path);
        d->bytes = r->bytes;
        d->keep_dir = room->handed_over;
        rs_recorder_link_stop(d->link, rs_wall_ms());
        d->next = drains;
        drains = d;
    } else {
        rs_recorder_link_free(r->link);
        if (r->recording_id)
            rs_store_recording_finish(room->app->store, r->recording_id, rs_wall_ms(),
                                      file_size(r->out_path), "failed");
    }
    RS_INFO("recording", "event=stopped room=%s kind=%s reason=%s", room->id, kind_choices[k],
            reason ? reason : "moderator");
    r->link = NULL;
    r->state = RUN_OFF;
    r->paused = false;
    r->recording_id = 0;
    rs_metric_dec(m_active[k]);
}

/* Replaces every occurrence of `what` in `text` (NUL-terminated, `cap` bytes) by `with`. */
static void replace_all(char *text, size_t cap, const char *what, const char *with)
{
    size_t wl = strlen(what), rl = strlen(with);
    char *p = text;
    while (wl && (p = strstr(p, what))) {
        size_t tail = strlen(p + wl);
        if ((size_t)(p - text) + rl + tail + 1 > cap)
            break;
        memmove(p + rl, p + wl, tail + 1);
        memcpy(p, with, rl);
        p += rl;
    }
}

/* A recorder's words before they reach a log line, the audit log or a moderator: no control
 * characters, and no RTMP URL or stream key (a library's error may quote them): the target's
 * id stands in. */
static void scrub_message(const struct rs_config *cfg, char *text, size_t cap)
{
    for (char *c = text; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    for (unsigned i = 0; i < cfg->n_rtmp_targets; i++) {
        char id[48];
        snprintf(id, sizeof(id), "rtmp:%s", cfg->rtmp_targets[i].id);
        replace_all(text, cap, cfg->rtmp_targets[i].url, id);
        const char *key = strrchr(cfg->rtmp_targets[i].url, '/');
        if (key && strlen(key + 1) >= 6)
            replace_all(text, cap, key + 1, "***");
    }
}

/* The recorder of run `k` failed: the kind is failed, the moderators are told. */
static void fail_run(struct rs_room *room, struct rec_room *rr, enum rs_recording_kind k,
                     const char *why)
{
    struct run *r = &rr->run[k];
    feed_close(r);
    rs_recorder_link_free(r->link);
    r->link = NULL;
    if (r->recording_id) {
        int rc =
            rs_store_recording_finish(room->app->store, r->recording_id, rs_wall_ms(),
                                      r->bytes >= 0 ? r->bytes : file_size(r->out_path), "failed");
        if (rc)
            RS_WARN("recording", "event=finish_failed room=%s rc=%d", room->id, rc);
    } else if (k == RS_RECORDING_STREAM) {
        empty_dir(r->out_path);
    }
    audit(room, r->recording_id, "recorder_failed", k, NULL, json_pack("{s:s}", "message", why));
    RS_WARN("recording", "event=recorder_failed room=%s kind=%s why=\"%s\"", room->id,
            kind_choices[k], why);
    snprintf(r->error, sizeof(r->error), "%.*s", (int)sizeof(r->error) - 1, why); /* cut */
    r->state = RUN_FAILED;
    r->paused = false;
    r->recording_id = 0;
    rs_metric_dec(m_active[k]);
    rs_metric_inc(m_failures[k]);
    rs_emit_moderators(room, rs_event("recording", "recorder_failed", "{s:s, s:s}", "kind",
                                      kind_choices[k], "message", why));
    emit_state(room, rr, false);
}

struct poll_ctx {
    struct rs_room *room;
    struct run *run;
    bool ready, changed;
    char fatal[256];
};

static void on_run_event(void *arg, const struct rs_recorder_event *ev)
{
    struct poll_ctx *x = arg;
    struct run *r = x->run;
    switch (ev->ev) {
    case RS_RECORDER_EV_READY:
        x->ready = true;
        break;
    case RS_RECORDER_EV_OUTPUT:
        if (strcmp(ev->id, "file") == 0 || strcmp(ev->id, "hls") == 0) {
            if (ev->bytes >= 0)
                r->bytes = ev->bytes;
            if (ev->state == RS_RECORDER_OUT_FAILED && !x->fatal[0])
                snprintf(x->fatal, sizeof(x->fatal), "the %s output failed", ev->id);
        } else if (strncmp(ev->id, "rtmp:", 5) == 0) {
            const struct rs_config *cfg = &x->room->app->cfg;
            for (unsigned i = 0; i < cfg->n_rtmp_targets; i++) {
                if (strcmp(cfg->rtmp_targets[i].id, ev->id + 5) != 0 || r->targets[i] == TGT_OFF)
                    continue;
                static const enum target_state map[] = {TGT_RUNNING, TGT_RECONNECTING, TGT_FAILED,
                                                        TGT_OFF};
                if (r->targets[i] != map[ev->state]) {
                    r->targets[i] = map[ev->state];
                    x->changed = true;
                }
            }
        }
        break;
    case RS_RECORDER_EV_ERROR:
        if (ev->fatal && !x->fatal[0])
            snprintf(x->fatal, sizeof(x->fatal), "%s",
                     ev->message[0] ? ev->message : "the recorder reported a fatal error");
        else if (!ev->fatal)
            RS_WARN("recording", "event=recorder_error room=%s", x->room->id);
        break;
    case RS_RECORDER_EV_STATS:
    case RS_RECORDER_EV_STOPPED:
        break;
    }
}

static void poll_run(struct rs_room *room, struct rec_room *rr, enum rs_recording_kind k,
                     int64_t now_ms)
{
    struct run *r = &rr->run[k];
    struct poll_ctx x = {.room = room, .run = r};
    unsigned bad = 0;
    enum rs_recorder_link_status s = rs_recorder_link_poll(r->link, now_ms, on_run_event, &x, &bad);
    if (bad)
        RS_WARN("recording", "event=bad_lines room=%s n=%u", room->id, bad);
    char why[300];
    why[0] = '\0';
    if (x.fatal[0]) {
        snprintf(why, sizeof(why), "%s", x.fatal);
        scrub_message(&room->app->cfg, why, sizeof(why));
    } else if (s == RS_RECORDER_LINK_EXITED) {
        int st = rs_recorder_link_exit_status(r->link);
        if (WIFSIGNALED(st))
            snprintf(why, sizeof(why), "the recorder was killed by signal %d", WTERMSIG(st));
        else
            snprintf(why, sizeof(why), "the recorder exited (status %d)",
                     WIFEXITED(st) ? WEXITSTATUS(st) : st);
    } else if (s == RS_RECORDER_LINK_SILENT)
        snprintf(why, sizeof(why), "the recorder did not become ready (silent for %d s)",
                 RS_RECORDER_READY_TIMEOUT_MS / 1000);
    else if (s == RS_RECORDER_LINK_STALLED)
        snprintf(why, sizeof(why), "the recorder does not read its commands");
    else if (s == RS_RECORDER_LINK_BROKEN)
        snprintf(why, sizeof(why), "the recorder sent a line that is too long");
    if (why[0]) {
        fail_run(room, rr, k, why);
        return;
    }
    if (x.ready && r->state == RUN_STARTING) {
        r->state = RUN_RUNNING;
        RS_INFO("recording", "event=running room=%s kind=%s", room->id, kind_choices[k]);
        feed_refresh(r);
        x.changed = true;
    }
    if (x.changed)
        emit_state(room, rr, false);
}

/* --- drains: stopped recorders finalising --- */

static void on_drain_event(void *arg, const struct rs_recorder_event *ev)
{
    struct drain *d = arg;
    if (ev->ev == RS_RECORDER_EV_STOPPED)
        d->stopped = true;
    else if (ev->ev == RS_RECORDER_EV_OUTPUT && strcmp(ev->id, "file") == 0 && ev->bytes >= 0)
        d->bytes = ev->bytes;
}

static void drain_done(struct drain *d)
{
    int st = rs_recorder_link_exit_status(d->link);
    bool clean = d->stopped || (WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (d->recording_id) {
        int64_t bytes = d->bytes >= 0 ? d->bytes : file_size(d->out_path);
        int rc = rs_store_recording_finish(d->app->store, d->recording_id, d->stopped_at_ms, bytes,
                                           clean ? "done" : "failed");
        if (rc)
            RS_WARN("recording", "event=finish_failed room=%s rc=%d", d->room_id, rc);
    }
    if (d->kind == RS_RECORDING_STREAM && !d->keep_dir) {
        /* emptied unless the room streams again into the same directory (here, or on the next
         * owner after a hand-over: live_dir is shared) */
        struct rs_room *room = d->app->rooms ? rs_rooms_find(d->app->rooms, d->room_id) : NULL;
        struct rec_room *rr = room ? room_of(room) : NULL;
        if (!rr || !active(&rr->run[RS_RECORDING_STREAM]))
            empty_dir(d->out_path);
    }
    RS_INFO("recording", "event=finalised room=%s kind=%s clean=%d", d->room_id,
            kind_choices[d->kind], clean);
    rs_recorder_link_free(d->link);
    free(d);
}

void rs_recording_housekeeping(int64_t now_ms)
{
    struct drain **pp = &drains;
    while (*pp) {
        struct drain *d = *pp;
        if (rs_recorder_link_poll(d->link, now_ms, on_drain_event, d, NULL) ==
            RS_RECORDER_LINK_ALIVE) {
            pp = &d->next;
            continue;
        }
        *pp = d->next;
        drain_done(d);
    }
}

void rs_recording_shutdown(void)
{
    for (struct rec_room *rr = rec_rooms; rr; rr = rr->next)
        for (unsigned k = 0; k < RS_RECORDING_KINDS; k++)
            if (active(&rr->run[k]))
                stop_run(rr->room, rr, k, NULL, "server_stop");
    /* every recorder got "stop" at once: they finalise side by side, each within its stop
     * sequence (SIGKILL at the latest after RS_RECORDER_STOP_TIMEOUT_MS +
     * RS_RECORDER_TERM_TIMEOUT_MS); the last resort frees (kills) what is left */
    int64_t give_up =
        rs_mono_ms() + RS_RECORDER_STOP_TIMEOUT_MS + RS_RECORDER_TERM_TIMEOUT_MS + 3000;
    while (drains && rs_mono_ms() < give_up) {
        rs_recording_housekeeping(rs_wall_ms());
        if (drains) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    while (drains) {
        struct drain *d = drains;
        drains = d->next;
        drain_done(d);
    }
}

/* --- actions --- */

static struct run *running_or_error(struct rs_call *c, struct rec_room *rr,
                                    enum rs_recording_kind k)
{
    if (!rr || !active(&rr->run[k])) {
        rs_msg_error_set(c->err, RS_ERR_NOT_RUNNING, "kind", "no %s is running", kind_choices[k]);
        return NULL;
    }
    return &rr->run[k];
}

/* Creates the kind's directory for the room (0700): the recording's directory (its file is
 * named by the store) or the stream's HLS directory, emptied. Its path goes into `dir`. */
static int prepare_dir(struct rs_room *room, enum rs_recording_kind k, char *dir, size_t cap)
{
    char base[PATH_MAX], err[256];
    const struct rs_config *cfg = &room->app->cfg;
    /* the bases too: the operator may have removed them since the server started */
    int rc = rs_recording_dirs_create(cfg, err, sizeof(err));
    if (rc)
        RS_ERROR("recording", "event=dirs_failed why=\"%s\"", err);
    if (rc == 0)
        rc = base_dir(cfg, k, base, sizeof(base));
    if (rc == 0)
        rc = rs_recording_room_dir(base, room->id, 1, dir, cap);
    if (rc == 0 && k == RS_RECORDING_STREAM)
        empty_dir(dir);
    return rc;
}

/* Stores the recording's row ("recording", started at `started_at_ms`); the store names its file
 * <room>/<id>.<format>, and r->out_path becomes that file under recordings_dir. */
static int add_row(struct rs_room *room, struct run *r, int64_t started_at_ms)
{
    const struct rs_config *cfg = &room->app->cfg;
    struct rs_recording rec;
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.room_id, sizeof(rec.room_id), "%s", room->id);
    snprintf(rec.format, sizeof(rec.format), "%s",
             cfg->recording_format == RS_RECORDING_WEBM ? "webm" : "mp4");
    snprintf(rec.layout, sizeof(rec.layout), "%s", layout_choices[r->layout]);
    snprintf(rec.started_by, sizeof(rec.started_by), "%s", r->started_by);
    snprintf(rec.started_by_user, sizeof(rec.started_by_user), "%s", r->started_by_user);
    snprintf(rec.purpose, sizeof(rec.purpose), "%s", r->purpose);
    rec.started_at_ms = started_at_ms;
    rec.retention_days = r->retention_days;
    rec.expires_at_ms = started_at_ms + (int64_t)r->retention_days * 86400000;
    snprintf(rec.state, sizeof(rec.state), "recording");
    int rc = rs_store_recording_add(room->app->store, &rec);
    if (rc)
        return rc;
    r->recording_id = rec.id;
    char base[PATH_MAX];
    int n;
    if (base_dir(cfg, RS_RECORDING_FILE, base, sizeof(base)) ||
        (n = snprintf(r->out_path, sizeof(r->out_path), "%s/%s", base, rec.file)) < 0 ||
        (size_t)n >= sizeof(r->out_path)) {
        rs_store_recording_finish(room->app->store, rec.id, started_at_ms, 0, "failed");
        return -ENAMETOOLONG;
    }
    return 0;
}

/* What a start and a continuation after a failover share: the directory, the recorder process,
 * the feed and, for a recording, a new row (a new file). On failure nothing is left of it and
 * `err` says why as a client would see it (the path goes to the log only). */
static int launch(struct rs_room *room, enum rs_recording_kind k, struct run *next,
                  struct rs_msg_error *err)
{
    struct rs_app *app = room->app;
    char path[PATH_MAX], why[256];
    if (rs_recorder_path(app->cfg.recorder_path, path, sizeof(path))) {
        rs_msg_error_set(err, RS_ERR_RECORDER_UNAVAILABLE, NULL, "no recorder path");
        return -ENOENT;
    }
    int rc = prepare_dir(room, k, next->out_path, sizeof(next->out_path));
    if (rc) {
        RS_ERROR("recording", "event=output_dir_failed room=%s rc=%d", room->id, rc);
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the %s directory cannot be created",
                         k == RS_RECORDING_FILE ? "recordings" : "live");
        return rc;
    }
    int data_fd = -1;
    rc = rs_recorder_link_spawn(path, rs_wall_ms(), &next->link, &data_fd, why, sizeof(why));
    if (rc) {
        RS_WARN("recording", "event=spawn_failed room=%s rc=%d why=\"%s\"", room->id, rc, why);
        if (rc == -ENOENT)
            rs_msg_error_set(err, RS_ERR_RECORDER_UNAVAILABLE, NULL,
                             "the recorder program is not installed");
        else if (rc == -EACCES)
            rs_msg_error_set(err, RS_ERR_RECORDER_UNAVAILABLE, NULL,
                             "the recorder program is not executable");
        else
            rs_msg_error_set(err, RS_ERR_RECORDER_UNAVAILABLE, NULL,
                             "the recorder could not be started (%s)", strerror(-rc));
        return rc;
    }
    if (feed_ops && app->media) {
        next->feed = feed_ops->open(app, room, k, data_fd, why, sizeof(why));
        if (!next->feed) {
            rs_recorder_link_free(next->link);
            next->link = NULL;
            rs_msg_error_set(err, RS_ERR_RECORDER_UNAVAILABLE, NULL, "media feed: %s", why);
            return -EAGAIN;
        }
    } else {
        close(data_fd); /* no media plane: the recorder gets no media */
    }
    if (k == RS_RECORDING_FILE && (rc = add_row(room, next, rs_wall_ms()))) {
        RS_ERROR("recording", "event=row_failed room=%s rc=%d", room->id, rc);
        feed_close(next);
        rs_recorder_link_free(next->link);
        next->link = NULL;
        rs_msg_error_set(err, RS_ERR_INTERNAL, NULL, "the recording cannot be stored");
        return rc;
    }
    return 0;
}

/* Makes the launched `next` run `k` of the room and tells its recorder what to do: the start,
 * the output, the slate, a pause and the RTMP targets that are on (a continuation). */
static struct run *begin(struct rs_room *room, struct rec_room *rr, enum rs_recording_kind k,
                         const struct run *next)
{
    const struct rs_config *cfg = &room->app->cfg;
    struct run *r = &rr->run[k];
    *r = *next;
    rs_metric_inc(m_active[k]);
    send_cmd(r,
             json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:i, s:s, s:s}", "cmd", "start", "kind",
                       kind_choices[k], "width", 1280, "height", 720, "fps", 30, "layout",
                       layout_choices[r->layout], "video_kbps",
                       k == RS_RECORDING_FILE ? 2500 : 3000, "audio_kbps", 128, "title",
                       room->rec.title[0] ? room->rec.title : room->id, "locale", "de"));
    if (k == RS_RECORDING_FILE)
        send_cmd(r, json_pack("{s:s, s:s, s:s, s:s, s:s}", "cmd", "output_add", "id", "file",
                              "type", "file", "path", r->out_path, "format",
                              cfg->recording_format == RS_RECORDING_WEBM ? "webm" : "mp4"));
    else
        send_cmd(r,
                 json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "cmd", "output_add", "id", "hls",
                           "type", "hls", "dir", r->out_path, "segment_s", 2, "playlist_len", 6));
    if (!rs_agenda_current_public(room)) {
        r->slate = true;
        send_cmd(r, json_pack("{s:s, s:s}", "cmd", "slate", "text", SLATE_CLOSED));
    }
    if (r->paused)
        send_cmd(r, json_pack("{s:s, s:b}", "cmd", "pause", "on", true));
    for (unsigned i = 0; i < cfg->n_rtmp_targets && k == RS_RECORDING_STREAM; i++) {
        if (r->targets[i] == TGT_OFF)
            continue;
        char out_id[48];
        snprintf(out_id, sizeof(out_id), "rtmp:%s", cfg->rtmp_targets[i].id);
        send_cmd(r, json_pack("{s:s, s:s, s:s, s:s}", "cmd", "output_add", "id", out_id, "type",
                              "rtmp", "url", cfg->rtmp_targets[i].url));
        r->targets[i] = TGT_CONNECTING;
    }
    return r;
}

/* The audit detail of a start: the purpose (cut: the detail holds 1 KiB, the row and the events
 * keep it whole), the layout, the retention. A new reference. */
static json_t *start_detail(const struct run *r, enum rs_recording_kind k)
{
    char purpose[AUDIT_PURPOSE_MAX + 1];
    rs_recorder_text_clip(purpose, sizeof(purpose), r->purpose, strlen(r->purpose));
    json_t *detail =
        json_pack("{s:s, s:s}", "purpose", purpose, "layout", layout_choices[r->layout]);
    if (detail && k == RS_RECORDING_FILE)
        json_object_set_new(detail, "retention_days", json_integer(r->retention_days));
    return detail;
}

static int act_start(struct rs_call *c)
{
    enum rs_recording_kind k = (enum rs_recording_kind)c->arg[0].num;
    const struct rs_config *cfg = &c->app->cfg;
    struct rec_room *rr = room_make(c->room);
    if (!rr) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    if (active(&rr->run[k])) {
        rs_msg_error_set(c->err, RS_ERR_ALREADY_RUNNING, "kind", "a %s is running already",
                         kind_choices[k]);
        return -EALREADY;
    }
    unsigned retention = cfg->recording_retention_days;
    if (c->arg[2].present && k == RS_RECORDING_FILE) {
        if (c->arg[2].num > (long long)cfg->recording_retention_days) {
            rs_msg_error_set(c->err, RS_ERR_INVALID_VALUE, "retention_days", "at most %u days",
                             cfg->recording_retention_days);
            return -EINVAL;
        }
        retention = (unsigned)c->arg[2].num;
    }
    struct run next = {.state = RUN_STARTING,
                       .layout = c->arg[3].present ? (unsigned)c->arg[3].num : 0,
                       .retention_days = retention,
                       .since_ms = rs_wall_ms(),
                       .part = 1,
                       .bytes = -1};
    snprintf(next.started_by, sizeof(next.started_by), "%s", c->self->display_name);
    snprintf(next.started_by_user, sizeof(next.started_by_user), "%s", c->self->user_id);
    snprintf(next.purpose, sizeof(next.purpose), "%s", c->arg[1].str);
    int rc = launch(c->room, k, &next, c->err);
    if (rc)
        return rc;
    next.serial = ++run_serial;
    struct run *r = begin(c->room, rr, k, &next);
    rs_metric_inc(m_starts[k]);
    audit(c->room, r->recording_id, "start", k, c->self, start_detail(r, k));
    RS_INFO("recording", "event=started room=%s kind=%s pid=%d recording=%lld", c->room->id,
            kind_choices[k], (int)rs_recorder_link_pid(r->link), (long long)r->recording_id);
    emit_state(c->room, rr, false);
    return 0;
}

static int act_stop(struct rs_call *c)
{
    enum rs_recording_kind k = (enum rs_recording_kind)c->arg[0].num;
    struct rec_room *rr = room_of(c->room);
    if (!running_or_error(c, rr, k))
        return -ENOENT;
    stop_run(c->room, rr, k, c->self, NULL);
    emit_state(c->room, rr, false);
    return 0;
}

static int act_pause(struct rs_call *c)
{
    enum rs_recording_kind k = (enum rs_recording_kind)c->arg[0].num;
    bool on = c->arg[1].num != 0;
    struct rec_room *rr = room_of(c->room);
    struct run *r = running_or_error(c, rr, k);
    if (!r)
        return -ENOENT;
    if (r->paused != on) {
        r->paused = on;
        /* routing first: nothing of the paused time reaches the recorder */
        feed_refresh(r);
        send_cmd(r, json_pack("{s:s, s:b}", "cmd", "pause", "on", on));
        audit(c->room, r->recording_id, on ? "pause" : "resume", k, c->self, NULL);
    }
    emit_state(c->room, rr, false);
    return 0;
}

static int act_layout(struct rs_call *c)
{
    enum rs_recording_kind k = (enum rs_recording_kind)c->arg[0].num;
    struct rec_room *rr = room_of(c->room);
    struct run *r = running_or_error(c, rr, k);
    if (!r)
        return -ENOENT;
    r->layout = (unsigned)c->arg[1].num;
    send_cmd(r, json_pack("{s:s, s:s}", "cmd", "layout", "layout", layout_choices[r->layout]));
    emit_state(c->room, rr, false);
    return 0;
}

static int act_target(struct rs_call *c)
{
    const struct rs_config *cfg = &c->app->cfg;
    const char *id = c->arg[0].str;
    bool on = c->arg[1].num != 0;
    unsigned i;
    for (i = 0; i < cfg->n_rtmp_targets; i++)
        if (strcmp(cfg->rtmp_targets[i].id, id) == 0)
            break;
    if (i == cfg->n_rtmp_targets) {
        rs_msg_error_set(c->err, RS_ERR_UNKNOWN_TARGET, "id", "no streaming target with this id");
        return -ENOENT;
    }
    struct rec_room *rr = room_of(c->room);
    struct run *r = running_or_error(c, rr, RS_RECORDING_STREAM);
    if (!r)
        return -ENOENT;
    char out_id[48];
    snprintf(out_id, sizeof(out_id), "rtmp:%s", id);
    if (on && (r->targets[i] == TGT_OFF || r->targets[i] == TGT_FAILED)) {
        if (r->targets[i] == TGT_FAILED) /* switched on again after a failure: a new try */
            send_cmd(r, json_pack("{s:s, s:s}", "cmd", "output_remove", "id", out_id));
        /* the URL carries the stream key: it goes to the recorder, never into a log */
        send_cmd(r, json_pack("{s:s, s:s, s:s, s:s}", "cmd", "output_add", "id", out_id, "type",
                              "rtmp", "url", cfg->rtmp_targets[i].url));
        r->targets[i] = TGT_CONNECTING;
        audit(c->room, 0, "target_on", RS_RECORDING_STREAM, c->self,
              json_pack("{s:s}", "target", id));
        RS_INFO("recording", "event=target_on room=%s target=%s", c->room->id, id);
    } else if (!on && r->targets[i] != TGT_OFF) {
        send_cmd(r, json_pack("{s:s, s:s}", "cmd", "output_remove", "id", out_id));
        r->targets[i] = TGT_OFF;
        audit(c->room, 0, "target_off", RS_RECORDING_STREAM, c->self,
              json_pack("{s:s}", "target", id));
        RS_INFO("recording", "event=target_off room=%s target=%s", c->room->id, id);
    }
    emit_state(c->room, rr, false);
    return 0;
}

static int act_consent(struct rs_call *c)
{
    enum rs_recording_kind k = (enum rs_recording_kind)c->arg[0].num;
    bool given = c->arg[1].num != 0;
    struct rec_room *rr = room_of(c->room);
    struct run *r = running_or_error(c, rr, k);
    if (!r)
        return -ENOENT;
    void **slot = rs_participant_state(c->self, &rs_recording_feature);
    struct rec_part *rp = *slot;
    if (!rp && !(rp = *slot = calloc(1, sizeof(*rp)))) {
        rs_msg_error_set(c->err, RS_ERR_INTERNAL, NULL, "out of memory");
        return -ENOMEM;
    }
    enum answer before = answer_of(rr, c->self, k);
    enum answer now = given ? ANSWER_GIVEN : ANSWER_DECLINED;
    rp->answer[k] = now;
    rp->serial[k] = r->serial;
    if (before != now) {
        const char *what = given                    ? "consent_given"
                           : before == ANSWER_GIVEN ? "consent_withdrawn"
                                                    : "consent_declined";
        rs_metric_inc(given ? RS_M_RECORDING_CONSENTS_GIVEN : RS_M_RECORDING_CONSENTS_DECLINED);
        /* a withdrawal takes effect now: the feed drops the tracks in this step */
        feed_refresh(r);
        audit(c->room, r->recording_id, what, k, c->self,
              json_pack("{s:s}", "participant", c->self->id));
    }
    emit_state_to(c->room, rr, true, c->self);
    return 0;
}

/* --- hooks --- */

static void recording_welcome(struct rs_participant *p, json_t *ev)
{
    json_t *body = state_body(p->room, room_of(p->room), p);
    if (body)
        json_object_set_new(ev, "recording", body);
}

static bool any_active(const struct rec_room *rr)
{
    return rr && (active(&rr->run[0]) || active(&rr->run[1]));
}

static void recording_joined(struct rs_participant *p)
{
    struct rec_room *rr = room_of(p->room);
    if (any_active(rr))
        emit_state(p->room, rr, true); /* the counts: one more pending */
}

static void recording_leaving(struct rs_participant *p)
{
    void **slot = rs_participant_state(p, &rs_recording_feature);
    free(*slot);
    *slot = NULL; /* a participant who comes back is asked again */
}

static void recording_room_changed(struct rs_room *room)
{
    struct rec_room *rr = room_of(room);
    if (any_active(rr))
        emit_state(room, rr, true);
}

static void recording_audience_changed(struct rs_room *room)
{
    struct rec_room *rr = room_of(room);
    for (unsigned k = 0; rr && k < RS_RECORDING_KINDS; k++)
        if (active(&rr->run[k]))
            feed_refresh(&rr->run[k]);
}

static void recording_tick(struct rs_room *room, int64_t now_ms)
{
    struct rec_room *rr = room_of(room);
    if (!any_active(rr))
        return;
    for (unsigned k = 0; k < RS_RECORDING_KINDS; k++)
        if (active(&rr->run[k]))
            poll_run(room, rr, k, now_ms);
    bool closed = !rs_agenda_current_public(room);
    for (unsigned k = 0; k < RS_RECORDING_KINDS; k++) {
        struct run *r = &rr->run[k];
        if (!active(r) || r->slate == closed)
            continue;
        r->slate = closed;
        feed_refresh(r); /* in or out of the non-public part: who is included changes */
        send_cmd(r, json_pack("{s:s, s:s}", "cmd", "slate", "text", closed ? SLATE_CLOSED : ""));
        RS_INFO("recording", "event=slate room=%s kind=%s closed=%d", room->id, kind_choices[k],
                closed);
    }
}

static void recording_room_free(struct rs_room *room)
{
    struct rec_room *rr = room_of(room);
    if (!rr)
        return;
    for (unsigned k = 0; k < RS_RECORDING_KINDS; k++)
        if (active(&rr->run[k]))
            /* handed over or moved away: the next owner continues it from the snapshot */
            stop_run(room, rr, k, NULL, room->handed_over ? "handed_over" : "room_closed");
    for (struct rec_room **pp = &rec_rooms; *pp; pp = &(*pp)->next)
        if (*pp == rr) {
            *pp = rr->next;
            break;
        }
    free(rr);
    *rs_room_state(room, &rs_recording_feature) = NULL;
}

/* --- failover (room/snapshot.h): the running kinds go on, as new parts, on the next owner ---
 *
 * The room's part is each kind that is starting or running: its serial (the consents name it),
 * who started it and why, layout, retention, pause, its start, the part it is in and, for a
 * recording, the row of that part; for a stream the RTMP targets that are on. A participant's
 * part is its answer to each of those runs. The next owner starts each kind again as the next
 * part with the same serial, so that every answer holds: nobody is asked again, and whoever
 * declined stays out. A recording's part is a new file with its own row; the audit log's
 * `continue` says which recording it continues. A stream continues into the same live
 * directory (live_dir is shared in a cluster, docs/cluster.md "Shared directories"). */

static json_t *run_save(const struct rs_room *room, const struct run *r, enum rs_recording_kind k)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:b, s:I, s:i, s:I}", "kind",
                          kind_choices[k], "serial", (json_int_t)r->serial, "started_by",
                          r->started_by, "started_by_user", r->started_by_user, "purpose",
                          r->purpose, "layout", layout_choices[r->layout], "retention_days",
                          (int)r->retention_days, "paused", r->paused, "since",
                          (json_int_t)r->since_ms, "part", (int)r->part, "recording_id",
                          (json_int_t)r->recording_id);
    if (!o || k != RS_RECORDING_STREAM)
        return o;
    const struct rs_config *cfg = &room->app->cfg;
    json_t *ts = json_array();
    for (unsigned i = 0; i < cfg->n_rtmp_targets && ts; i++)
        if (r->targets[i] != TGT_OFF && r->targets[i] != TGT_FAILED)
            json_array_append_new(ts, json_string(cfg->rtmp_targets[i].id));
    json_object_set_new(o, "targets", ts ? ts : json_array());
    return o;
}

static json_t *recording_save(struct rs_room *room)
{
    struct rec_room *rr = room_of(room);
    if (!any_active(rr))
        return NULL;
    json_t *runs = json_array();
    for (unsigned k = 0; runs && k < RS_RECORDING_KINDS; k++)
        if (active(&rr->run[k]))
            json_array_append_new(runs, run_save(room, &rr->run[k], k));
    return runs ? json_pack("{s:o}", "runs", runs) : NULL;
}

static json_t *recording_save_participant(const struct rs_participant *p)
{
    struct rec_room *rr = room_of(p->room);
    json_t *o = NULL;
    for (unsigned k = 0; any_active(rr) && k < RS_RECORDING_KINDS; k++) {
        enum answer a = answer_of(rr, (struct rs_participant *)p, k);
        if (!active(&rr->run[k]) || a == ANSWER_PENDING)
            continue;
        if (!o && !(o = json_object()))
            return NULL;
        json_object_set_new(o, kind_choices[k],
                            json_pack("{s:I, s:s}", "serial", (json_int_t)rr->run[k].serial,
                                      "answer", answer_names[a]));
    }
    return o;
}

/* The index of `s` in the NULL-terminated `choices`, or -1. */
static int choice(const char *const *choices, const char *s)
{
    for (int i = 0; s && choices[i]; i++)
        if (strcmp(choices[i], s) == 0)
            return i;
    return -1;
}

/* Whether `s` is text of at most `max` bytes without control characters (empty: `empty_ok`). */
static bool text_ok(const char *s, size_t max, bool empty_ok)
{
    if (!s || strlen(s) > max || (!s[0] && !empty_ok))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

#define SERIAL_MAX (INT64_MAX / 2)
#define PARTS_MAX 100000

static int recording_restore_participant(struct rs_participant *p, json_t *part)
{
    struct rec_part got;
    memset(&got, 0, sizeof(got));
    const char *key;
    json_t *v;
    if (!json_is_object(part) || json_object_size(part) == 0)
        return -EBADMSG;
    json_object_foreach(part, key, v)
    {
        int k = choice(kind_choices, key);
        int a = choice(answer_names, rs_snapshot_str(v, "answer"));
        int64_t serial;
        if (k < 0 || a <= ANSWER_PENDING || !rs_snapshot_int(v, "serial", 1, SERIAL_MAX, &serial))
            return -EBADMSG;
        got.answer[k] = (enum answer)a;
        got.serial[k] = (uint64_t)serial;
    }
    void **slot = rs_participant_state(p, &rs_recording_feature);
    if (!*slot && !(*slot = calloc(1, sizeof(got))))
        return -ENOMEM;
    memcpy(*slot, &got, sizeof(got));
    return 0;
}

/* Checks one run of the room's part into `r` (its kind in `*kind`). */
static int run_parse(const struct rs_config *cfg, json_t *j, struct run *r, int *kind)
{
    int64_t serial, retention, since, part, id;
    json_t *paused = json_object_get(j, "paused");
    json_t *targets = json_object_get(j, "targets");
    const char *by = rs_snapshot_str(j, "started_by");
    const char *by_user = rs_snapshot_str(j, "started_by_user");
    const char *purpose = rs_snapshot_str(j, "purpose");
    int layout = choice(layout_choices, rs_snapshot_str(j, "layout"));
    *kind = choice(kind_choices, rs_snapshot_str(j, "kind"));
    if (*kind < 0 || layout < 0 || !json_is_boolean(paused) ||
        !text_ok(by, RS_DISPLAY_NAME_MAX_BYTES, false) ||
        !text_ok(by_user, sizeof(r->started_by_user) - 1, true) ||
        !text_ok(purpose, RS_RECORDING_PURPOSE_MAX, false) ||
        !rs_snapshot_int(j, "serial", 1, SERIAL_MAX, &serial) ||
        !rs_snapshot_int(j, "retention_days", 1, 3650, &retention) ||
        !rs_snapshot_int(j, "since", 0, INT64_MAX / 2, &since) ||
        !rs_snapshot_int(j, "part", 1, PARTS_MAX - 1, &part) ||
        !rs_snapshot_int(j, "recording_id", 0, INT64_MAX / 2, &id) ||
        (*kind == RS_RECORDING_FILE && id == 0) ||
        (targets && (*kind != RS_RECORDING_STREAM || !json_is_array(targets) ||
                     json_array_size(targets) > RS_CONFIG_RTMP_TARGETS_MAX)))
        return -EBADMSG;
    memset(r, 0, sizeof(*r));
    r->state = RUN_STARTING;
    r->paused = json_is_true(paused);
    r->layout = (unsigned)layout;
    r->serial = (uint64_t)serial;
    snprintf(r->started_by, sizeof(r->started_by), "%s", by);
    snprintf(r->started_by_user, sizeof(r->started_by_user), "%s", by_user);
    snprintf(r->purpose, sizeof(r->purpose), "%s", purpose);
    /* this node's limit, should its configuration differ */
    r->retention_days = (unsigned)retention < cfg->recording_retention_days
                            ? (unsigned)retention
                            : cfg->recording_retention_days;
    r->since_ms = since; /* for the clients, the run goes on: the same `since` */
    r->part = (unsigned)part;
    r->recording_id = id; /* the part it continues, replaced by the new part's row */
    r->bytes = -1;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        const char *tid = json_string_value(t);
        if (!text_ok(tid, 32, false))
            return -EBADMSG;
        for (unsigned n = 0; n < cfg->n_rtmp_targets; n++)
            if (strcmp(cfg->rtmp_targets[n].id, tid) == 0)
                r->targets[n] = TGT_CONNECTING; /* a target this node lacks is left out */
    }
    return 0;
}

static const enum rs_metric m_resumed[] = {RS_M_RECORDINGS_RESUMED_RECORDING,
                                           RS_M_RECORDINGS_RESUMED_STREAM};

/* Starts the parsed run `next` of kind `k` as its next part on this node. A kind that cannot be
 * continued (no recorder here, the store away) is `failed`, as a recorder that died. */
static void continue_run(struct rs_room *room, struct rec_room *rr, enum rs_recording_kind k,
                         struct run *next)
{
    int64_t previous = next->recording_id;
    next->recording_id = 0;
    next->part++;
    if (next->serial > run_serial)
        run_serial = next->serial; /* a later start here gets a serial of its own */
    struct rs_msg_error err;
    memset(&err, 0, sizeof(err));
    int rc = launch(room, k, next, &err);
    if (rc) {
        struct run *r = &rr->run[k];
        memset(r, 0, sizeof(*r));
        r->state = RUN_FAILED;
        r->serial = next->serial;
        snprintf(r->error, sizeof(r->error), "not continued after the failover: %s", err.text);
        audit(room, previous, "recorder_failed", k, NULL,
              json_pack("{s:s, s:I}", "message", r->error, "continues", (json_int_t)previous));
        rs_metric_inc(m_failures[k]);
        RS_WARN("recording", "event=resume_failed room=%s kind=%s rc=%d", room->id,
                kind_choices[k], rc);
        emit_state(room, rr, false);
        return;
    }
    struct run *r = begin(room, rr, k, next);
    rs_metric_inc(m_resumed[k]);
    json_t *detail = start_detail(r, k);
    if (detail) {
        json_object_set_new(detail, "part", json_integer(r->part));
        json_object_set_new(detail, "started_by", json_string(r->started_by));
        if (previous)
            json_object_set_new(detail, "continues", json_integer(previous));
    }
    audit(room, r->recording_id, "continue", k, NULL, detail);
    RS_INFO("recording",
            "event=resumed room=%s kind=%s part=%u continues=%lld recording=%lld pid=%d",
            room->id, kind_choices[k], r->part, (long long)previous, (long long)r->recording_id,
            (int)rs_recorder_link_pid(r->link));
    emit_state(room, rr, false);
}

static int recording_restore(struct rs_room *room, json_t *part)
{
    json_t *runs = json_object_get(part, "runs");
    struct run next[RS_RECORDING_KINDS];
    bool want[RS_RECORDING_KINDS] = {false};
    size_t i;
    json_t *j;
    if (!json_is_array(runs) || json_array_size(runs) > RS_RECORDING_KINDS)
        return -EBADMSG;
    /* every run checked before the first recorder starts: a bad part starts nothing */
    json_array_foreach(runs, i, j)
    {
        struct run r;
        int k;
        if (!json_is_object(j) || run_parse(&room->app->cfg, j, &r, &k) || want[k])
            return -EBADMSG;
        next[k] = r;
        want[k] = true;
    }
    if (!room->app->store)
        return 0; /* nothing records without a store (the snapshot's fuzz target) */
    struct rec_room *rr = room_make(room);
    if (!rr)
        return -ENOMEM;
    for (unsigned k = 0; k < RS_RECORDING_KINDS; k++)
        if (want[k] && !active(&rr->run[k]))
            continue_run(room, rr, k, &next[k]);
    return 0;
}

#define KIND_FIELD                                                                                 \
    {                                                                                              \
        .name = "kind", .type = RS_FIELD_ENUM, .flags = RS_FIELD_REQUIRED, .choices = kind_choices \
    }
#define LAYOUT_FIELD(req)                                                                          \
    {                                                                                              \
        .name = "layout", .type = RS_FIELD_ENUM, .flags = (req), .choices = layout_choices         \
    }

static const struct rs_action actions[] = {
    {.name = "start",
     .fn = act_start,
     .need = RS_NEED_MODERATOR,
     .fields = {KIND_FIELD,
                {.name = "purpose",
                 .type = RS_FIELD_TEXT,
                 .flags = RS_FIELD_REQUIRED,
                 .max = RS_RECORDING_PURPOSE_MAX_CHARS,
                 .max_bytes = RS_RECORDING_PURPOSE_MAX},
                {.name = "retention_days", .type = RS_FIELD_INT, .min = 1, .max = 3650},
                LAYOUT_FIELD(0)}},
    {.name = "stop", .fn = act_stop, .need = RS_NEED_MODERATOR, .fields = {KIND_FIELD}},
    {.name = "pause",
     .fn = act_pause,
     .need = RS_NEED_MODERATOR,
     .fields = {KIND_FIELD, {.name = "on", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "layout",
     .fn = act_layout,
     .need = RS_NEED_MODERATOR,
     .fields = {KIND_FIELD, LAYOUT_FIELD(RS_FIELD_REQUIRED)}},
    {.name = "target",
     .fn = act_target,
     .need = RS_NEED_MODERATOR,
     .fields = {{.name = "id", .type = RS_FIELD_TEXT, .flags = RS_FIELD_REQUIRED, .max = 32},
                {.name = "on", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = "consent",
     .fn = act_consent,
     .need = RS_NEED_JOINED,
     .fields = {KIND_FIELD, {.name = "given", .type = RS_FIELD_BOOL, .flags = RS_FIELD_REQUIRED}}},
    {.name = NULL},
};

const struct rs_feature rs_recording_feature = {
    .ns = "recording",
    .actions = actions,
    .welcome = recording_welcome,
    .joined = recording_joined,
    .leaving = recording_leaving,
    .room_changed = recording_room_changed,
    .audience_changed = recording_audience_changed,
    .tick = recording_tick,
    .room_free = recording_room_free,
    .save = recording_save,
    .restore = recording_restore,
    .save_participant = recording_save_participant,
    .restore_participant = recording_restore_participant,
};
