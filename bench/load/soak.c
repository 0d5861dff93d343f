/* SPDX-License-Identifier: EUPL-1.2 */
/* The soak (--soak, issue 17): a formal meeting played for minutes in several rooms at once,
 * with people coming and going all the time, to show that the server's memory stays flat,
 * that it logs no error and that nobody ends up stuck.
 *
 * A seat is one person in one room: the chair (the meeting's owner, signed in with its session
 * cookie), members (a participant invitation under a name on the member list, so that a
 * member who leaves and comes back is the same voter) and one guest per room (a guest
 * invitation: chats and raises its hand, never votes). Every seat answers the server's
 * subscribe offers and receives, and the first `--media` seats of a room also publish audio (and
 * video), with the generator's own media stack (peer.c, media.c), so joins and leaves create and
 * tear down real transports and renegotiate everyone else's.
 *
 * What a seat does, each at its own random times: members chat (now and then privately), raise
 * and lower their hand, ask for the floor (sometimes on a point of order) and withdraw, end
 * their own turn, cast a ballot in every vote they are eligible for; the chair takes the chair,
 * runs the speakers' list (next, give, skip, move, end, settings), opens a vote every 15–30 s
 * (a motion, a secret choice, or a motion that closes at its deadline) and closes it. Everyone
 * but the chair leaves every `--churn-s` seconds on average and comes back 1–4 s later, in one
 * of three ways: `control/leave` on the open socket, a close frame, or a dropped socket (no
 * close frame) followed by a resume with the token of its last `joined`; the chair only drops
 * and resumes, rarely.
 *
 * Every request a seat sends carries a `ref` and is followed at once by a `control/ping` with
 * a second ref: the server answers a connection's messages in order on one thread, so when that
 * pong arrives every reply and broadcast the request caused has arrived before it. A request
 * is done at its pong (and, for join, leave, vote create and cast, its direct reply); one not
 * done within `--timeout-s` is an error. An error event naming the request's ref is a refusal
 * when the protocol allows that code for that action in a live meeting (a ballot after the
 * vote closed, the floor given to someone who just left, a resume while the old socket still
 * talks) and an error otherwise; an error naming no request of ours is an error. Where a
 * request has a visible effect (the chat message comes back, the hand is raised, the caller is
 * on the speakers' list, a vote is closed) the effect must be seen before the pong.
 *
 * soak_run.c places the seats, runs the meeting, samples the server's RSS and audits the end
 * (what the server lists against what every seat believes, every vote's count against the
 * ballots acknowledged, gauges back to zero once everyone left).
 *
 * The one subtle point is the barrier ping: it makes "no answer" decidable for actions the
 * server answers with nothing when they change nothing (withdrawing when not on the list,
 * ending a turn nobody holds), without ever waiting on a timer to decide that a reply is not
 * coming. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

/* Per action: the direct reply it needs besides the barrier's pong; whether an event seen in
 * flight must show that it happened; the one error code a live meeting may answer it with (a
 * race with someone else's action, docs/protocol.md), which counts as a refusal. */
static const struct {
    const char *name;
    const char *reply;
    bool effect;
    const char *refusable;
} req_info[N_REQ] = {
    [REQ_JOIN] = {"join", "joined", false, "still_connected"},
    [REQ_LEAVE] = {"leave", "left", false, NULL},
    [REQ_PING] = {"ping", NULL, false, NULL},
    [REQ_CHAT] = {"chat", NULL, true, NULL},
    [REQ_CHAT_PRIVATE] = {"chat_private", NULL, true, "invalid_value"}, /* the other left */
    [REQ_HAND_UP] = {"hand_raise", NULL, true, NULL},
    [REQ_HAND_DOWN] = {"hand_lower", NULL, true, NULL},
    [REQ_ASK] = {"speakers_request", NULL, true, "invalid_value"}, /* given the floor meanwhile */
    [REQ_WITHDRAW] = {"speakers_withdraw", NULL, false, NULL},
    [REQ_END_TURN] = {"speakers_end_own", NULL, false, "forbidden"}, /* the turn ended meanwhile */
    [REQ_NEXT] = {"speakers_next", NULL, true, NULL},
    [REQ_GIVE] = {"speakers_give", NULL, true, "invalid_value"}, /* the one named left */
    [REQ_SKIP] = {"speakers_skip", NULL, true, "invalid_value"}, /* withdrew or got the floor */
    [REQ_MOVE] = {"speakers_move", NULL, true, "invalid_value"}, /* likewise */
    [REQ_SETTINGS] = {"speakers_settings", NULL, true, NULL},
    [REQ_TAKE_CHAIR] = {"session_chair", NULL, false, NULL},
    [REQ_VOTE_OPEN] = {"vote_create", "created", false, NULL},
    [REQ_CAST] = {"vote_cast", "ballot_ack", false, "vote_closed"}, /* closed meanwhile */
    [REQ_VOTE_CLOSE] = {"vote_close", NULL, true, NULL},
};

struct room g_rooms[MAX_ROOMS];
unsigned g_n_rooms;
struct seat *g_seats;
unsigned g_n_seats;
struct vote *g_votes;
unsigned g_n_votes;
enum phase g_phase;
int64_t g_t0;
struct soak_stats st;
static long long g_ref;
static uint64_t g_rng;

/* ---- small helpers ---- */

static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545F4914F6CDD1DULL;
}

static double urand(void)
{
    return (double)(rnd() >> 11) * 0x1.0p-53;
}

int64_t soak__us_between(double lo_s, double hi_s)
{
    return (int64_t)((lo_s + (hi_s - lo_s) * urand()) * 1e6);
}

/* Exponentially distributed wait with mean `mean_s`, kept within [0.3 s, 4 × mean]. */
static int64_t us_exp(double mean_s)
{
    double x = -mean_s * log(1.0 - urand() * 0.999);
    if (x < 0.3)
        x = 0.3;
    if (x > 4 * mean_s)
        x = 4 * mean_s;
    return (int64_t)(x * 1e6);
}

const char *soak__str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static struct seat *seat_of(const struct participant *pa)
{
    return &g_seats[pa->idx];
}

static void fail(struct seat *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct seat *s, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char line[480];
    snprintf(line, sizeof(line), "%s (room %u): %s", s->name, s->room->idx, what);
    note_error(s->pa, line);
}

static struct vote *vote_find(const char *id, struct room *room, bool add)
{
    for (unsigned i = g_n_votes; i-- > 0;)
        if (strcmp(g_votes[i].id, id) == 0)
            return &g_votes[i];
    if (!add || g_n_votes == MAX_VOTES)
        return NULL;
    struct vote *v = &g_votes[g_n_votes++];
    memset(v, 0, sizeof(*v));
    snprintf(v->id, sizeof(v->id), "%s", id);
    v->room = room;
    return v;
}

static void ballot_drop(struct seat *s, const char *vote)
{
    for (unsigned i = 0; i < s->n_ballots; i++)
        if (strcmp(s->ballots[i].vote, vote) == 0) {
            s->ballots[i] = s->ballots[--s->n_ballots];
            return;
        }
}

static void ballot_add(struct seat *s, const char *vote)
{
    ballot_drop(s, vote);
    if (s->n_ballots == SEAT_BALLOTS)
        return;
    struct ballot *b = &s->ballots[s->n_ballots++];
    snprintf(b->vote, sizeof(b->vote), "%s", vote);
    b->at_us = now_us() + soak__us_between(0.3, 5); /* people read the motion first */
}

/* ---- sending ---- */

void soak__send(struct seat *s, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text || !s->ws_up || ws_send_text(&s->pa->ws, text, strlen(text)))
        fail(s, "could not send on the signaling connection");
    free(text);
    s->last_sent_us = now_us();
}

/* Sends `msg` (taken) as request `kind` with a ref, and the barrier ping behind it. */
struct request *soak__request(struct seat *s, enum req kind, json_t *msg)
{
    struct request *r = &s->req;
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->ref = ++g_ref;
    r->barrier = ++g_ref;
    r->sent_us = now_us();
    r->deadline_us = r->sent_us + (int64_t)(cfg.soak_timeout_s * 1e6);
    json_object_set_new(msg, "ref", json_integer(r->ref));
    st.sent[kind]++;
    soak__send(s, msg);
    soak__send(s, json_pack("{s:s, s:s, s:I}", "ns", "control", "action", "ping", "ref",
                            (json_int_t)r->barrier));
    return r;
}

json_t *soak__action(const char *ns, const char *verb)
{
    return json_pack("{s:s, s:s}", "ns", ns, "action", verb);
}

/* ---- media of a seat ---- */

void soak__media_reset(struct seat *s)
{
    struct participant *pa = s->pa;
    if (pa->pub.kind)
        peer_close(&pa->pub);
    if (pa->sub.kind)
        peer_close(&pa->sub);
    memset(&pa->pub, 0, sizeof(pa->pub));
    memset(&pa->sub, 0, sizeof(pa->sub));
    pa->pub.fd = pa->sub.fd = -1;
    pub_media_free(&pa->pm);
    memset(&pa->pm, 0, sizeof(pa->pm));
    pa->published = false;
    pa->watched[0] = 0;
    s->n_offer = 0;
}

/* ---- coming and going ---- */

void soak__come_back(struct seat *s)
{
    struct participant *pa = s->pa;
    if (!s->ws_up) {
        const char *cookie = s->role == ROLE_CHAIR ? s->room->cookie : NULL;
        int rc = ws_connect(&pa->ws, cfg.host, cfg.port, "/signaling", NULL, cookie);
        if (rc) {
            fail(s, "WebSocket connect: %s", strerror(-rc));
            s->back_us = now_us() + 2000000;
            return;
        }
        s->ws_up = true;
        loop_watch(pa->ws.fd, pa);
    }
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "ns", "control", "action", "join", "room", s->room->id);
    if (s->role != ROLE_CHAIR) /* the chair's name comes from its account */
        json_object_set_new(j, "display_name", json_string(s->name));
    if (s->role == ROLE_MEMBER)
        json_object_set_new(j, "invite", json_string(s->room->invite));
    else if (s->role == ROLE_GUEST || s->role == ROLE_AUDITOR)
        json_object_set_new(j, "invite", json_string(s->room->guest_invite));
    if (s->resume_next)
        json_object_set_new(j, "resume", json_string(s->resume));
    soak__request(s, REQ_JOIN, j);
    s->where = JOINING;
}

static void forget_room_state(struct seat *s)
{
    s->hand = s->queued = s->floor = false;
    s->n_ballots = 0;
}

/* A clean close as a browser makes it: our close frame, then the server's, then the socket. */
void soak__begin_close(struct seat *s)
{
    if (ws_send_close(&s->pa->ws))
        fail(s, "could not send the close frame");
    s->closing = true;
    s->closing_until_us = now_us() + 5000000;
}

static void end_close(struct seat *s)
{
    ws_abort(&s->pa->ws);
    s->closing = false;
    s->ws_up = false;
}

static void go_away(struct seat *s, enum exit_kind how)
{
    int64_t now = now_us();
    st.exits[how]++;
    if (cfg.verbose)
        fprintf(stderr, "%.3f %s (room %u) %s goes: %s\n", (double)(now - g_t0) / 1e6, s->name,
                s->room->idx, s->pa->id,
                how == EXIT_LEAVE   ? "leave"
                : how == EXIT_CLOSE ? "close"
                                    : "drop");
    soak__media_reset(s);
    forget_room_state(s);
    switch (how) {
    case EXIT_LEAVE:
        soak__request(s, REQ_LEAVE, soak__action("control", "leave"));
        s->where = LEAVING;
        return;      /* AWAY when `left` came */
    case EXIT_CLOSE: /* the close handshake completes in soak_on_closed */
        soak__begin_close(s);
        s->resume_next = false;
        s->back_us = now + soak__us_between(1, 4);
        s->where = AWAY;
        return;
    case EXIT_DROP:
        snprintf(s->old_id, sizeof(s->old_id), "%s", s->pa->id);
        ws_abort(&s->pa->ws);
        s->resume_next = true;
        s->back_us = now + soak__us_between(0.5, 3);
        break;
    default:
        break;
    }
    s->ws_up = false;
    s->where = AWAY;
}

static int64_t stay_us(const struct seat *s)
{
    double mean = cfg.soak_churn_s * (s->role == ROLE_CHAIR ? 4 : 1);
    return soak__us_between(0.3 * mean, 1.7 * mean);
}

void soak_on_closed(struct participant *pa)
{
    struct seat *s = seat_of(pa);
    if (!s->ws_up)
        return;
    if (s->closing) { /* the server's close frame, or its end of the connection */
        end_close(s);
        return;
    }
    if (g_phase < PH_DRAIN) {
        st.closed_by_server++;
        fail(s, "the server closed the signaling connection");
    }
    soak__media_reset(s);
    forget_room_state(s);
    ws_abort(&pa->ws);
    s->ws_up = false;
    s->where = AWAY;
    s->resume_next = false;
    s->req.kind = REQ_NONE;
    s->back_us = now_us() + 2000000;
}

/* ---- finishing a request ---- */

/* How long a request waited for its answer (its pong, or its reply when later). */
static void record_wait(int64_t us)
{
    if (st.n_waits == st.cap_waits) {
        size_t cap = st.cap_waits ? 2 * st.cap_waits : 4096;
        int64_t *more = realloc(st.waits_us, cap * sizeof(*more));
        if (!more)
            return;
        st.waits_us = more;
        st.cap_waits = cap;
    }
    st.waits_us[st.n_waits++] = us;
}

static void finish(struct seat *s)
{
    struct request r = s->req; /* a copy: what follows may send the next request */
    s->req.kind = REQ_NONE;
    int64_t now = now_us();
    record_wait(now - r.sent_us);
    if (r.failed) { /* counted as an error when the error event came */
        if (r.kind == REQ_JOIN) {
            s->where = AWAY;
            s->resume_next = false;
            s->back_us = now + 2000000;
        } else if (r.kind == REQ_LEAVE) {
            s->where = PRESENT;
        }
        return;
    }
    if (r.refused) {
        st.refused[r.kind]++;
        if (r.kind == REQ_JOIN) { /* still_connected: ask again when the server says */
            s->where = AWAY;
            s->back_us = now + (int64_t)(r.retry_after_s > 0 ? r.retry_after_s : 1) * 1000000;
        }
        return;
    }
    if (req_info[r.kind].effect && !r.effect) {
        st.no_effect++;
        fail(s, "%s: its effect was not seen before the pong", req_info[r.kind].name);
    }
    st.done[r.kind]++;
    switch (r.kind) {
    case REQ_LEAVE:
        s->where = AWAY;
        s->resume_next = false;
        s->back_us = now + soak__us_between(1, 4);
        break;
    case REQ_WITHDRAW:
        if (s->queued)
            fail(s, "still on the speakers' list after withdrawing");
        break;
    case REQ_HAND_UP:
    case REQ_HAND_DOWN:
        if (s->hand != (r.kind == REQ_HAND_UP))
            fail(s, "the hand is not %s after %s", s->hand ? "down" : "up", req_info[r.kind].name);
        break;
    case REQ_VOTE_CLOSE: {
        struct vote *v = vote_find(r.vote, s->room, false);
        if (!v || !v->closed)
            fail(s, "vote %s not closed after vote/close", r.vote);
        break;
    }
    default:
        break;
    }
}

static void maybe_finish(struct seat *s)
{
    struct request *r = &s->req;
    if (!r->kind || !r->ponged)
        return;
    if (req_info[r->kind].reply && !r->replied && !r->refused && !r->failed)
        return; /* its reply is still to come (the deadline applies) */
    finish(s);
}

static void timeout(struct seat *s)
{
    struct request r = s->req;
    st.timeouts++;
    fail(s, "%s: no answer within %.0f s", req_info[r.kind].name, cfg.soak_timeout_s);
    s->req.kind = REQ_NONE;
    if (r.kind == REQ_JOIN || r.kind == REQ_LEAVE) { /* start afresh */
        soak__media_reset(s);
        forget_room_state(s);
        if (s->ws_up)
            ws_close(&s->pa->ws);
        s->ws_up = false;
        s->where = AWAY;
        s->resume_next = false;
        s->back_us = now_us() + 2000000;
    }
}

/* ---- events ---- */

static void apply_speakers(struct seat *s, const json_t *state)
{
    if (!json_is_object(state))
        return;
    const char *me = s->pa->id;
    const json_t *queue = json_object_get(state, "queue");
    const char *speaker = soak__str(json_object_get(state, "speaker"), "id");
    s->queued = false;
    size_t i;
    json_t *q;
    json_array_foreach(queue, i, q)
    {
        const char *id = soak__str(q, "id");
        if (id && !strcmp(id, me))
            s->queued = true;
    }
    s->floor = speaker && !strcmp(speaker, me);
    if (s->role == ROLE_CHAIR) {
        struct room *rm = s->room;
        rm->n_queue = 0;
        json_array_foreach(queue, i, q)
        {
            const char *id = soak__str(q, "id");
            if (id && rm->n_queue < QUEUE_MAX)
                snprintf(rm->queue[rm->n_queue++], ID_CAP, "%s", id);
        }
        snprintf(rm->speaker, sizeof(rm->speaker), "%s", speaker ? speaker : "");
        rm->auto_on = json_is_true(json_object_get(state, "auto"));
    }
    switch (s->req.kind) {
    case REQ_ASK:
        if (s->queued || s->floor)
            s->req.effect = true;
        break;
    case REQ_NEXT:
    case REQ_GIVE:
    case REQ_SKIP:
    case REQ_MOVE:
    case REQ_SETTINGS:
        s->req.effect = true;
        break;
    default:
        break;
    }
}

static void vote_opened(struct seat *s, const json_t *vote, bool eligible)
{
    const char *id = soak__str(vote, "id");
    if (!id)
        return;
    struct vote *v = vote_find(id, s->room, true);
    if (v && !v->n_options)
        v->n_options = (int)json_array_size(json_object_get(vote, "options"));
    if (eligible && s->role != ROLE_AUDITOR)
        ballot_add(s, id);
}

static void on_joined(struct seat *s, json_t *m, long long ref)
{
    struct participant *pa = s->pa;
    if (s->req.kind != REQ_JOIN || ref != s->req.ref) {
        fail(s, "`joined` that answers no join of ours");
        return;
    }
    s->req.replied = true;
    const char *id = soak__str(m, "id");
    bool resumed = json_is_true(json_object_get(m, "resumed"));
    if (!id) {
        fail(s, "`joined` without an id");
        return;
    }
    if (s->resume_next && !resumed)
        fail(s, "the resume was not taken: joined afresh");
    else if (resumed && !s->resume_next)
        fail(s, "resumed without asking");
    else if (resumed && strcmp(id, s->old_id))
        fail(s, "resumed as %s, was %s", id, s->old_id);
    st.joins++;
    st.resumes += resumed;
    if (cfg.verbose)
        fprintf(stderr, "%.3f %s (room %u) %s %s\n", (double)(now_us() - g_t0) / 1e6, s->name,
                s->room->idx, id, resumed ? "resumed" : "joined");
    snprintf(pa->id, sizeof(pa->id), "%s", id);
    snprintf(s->resume, sizeof(s->resume), "%s",
             soak__str(m, "resume_token") ? soak__str(m, "resume_token") : "");
    s->resume_next = false;
    s->where = PRESENT;
    forget_room_state(s);
    soak__media_reset(s); /* a resumed participant publishes and subscribes anew too */
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(m, "participants"), i, p)
    {
        const char *pid = soak__str(p, "id");
        if (pid && !strcmp(pid, id))
            s->hand = json_is_true(json_object_get(p, "hand_raised"));
    }
    apply_speakers(s, json_object_get(m, "speakers"));
    json_array_foreach(json_object_get(m, "votes"), i, p)
        vote_opened(s, p, json_is_true(json_object_get(p, "eligible")));
    if (s->role == ROLE_AUDITOR) {
        json_decref(s->roster);
        json_decref(s->speakers);
        s->roster = json_incref(json_object_get(m, "participants"));
        s->speakers = json_incref(json_object_get(m, "speakers"));
        return;
    }
    int64_t now = now_us();
    s->next_us = now + us_exp(s->role == ROLE_CHAIR ? 2.5 : 4);
    s->leave_us = now + stay_us(s);
    if (pa->publishes) { /* fresh SSRCs for every join: a new publisher to the server */
        pub_media_init(&pa->pm, pa->idx + (s->joins + 1) * (g_n_parts + 1));
        pa->published = false;
        ratsaal_publish(pa);
    }
    s->joins++;
}

static void on_error(struct seat *s, json_t *m, const char *ns, long long ref)
{
    const char *code = soak__str(m, "code");
    struct request *r = &s->req;
    if (r->kind && ref == r->ref) {
        const char *ok = req_info[r->kind].refusable;
        if (ok && code && !strcmp(code, ok)) {
            r->refused = true;
            r->retry_after_s = (int)json_integer_value(json_object_get(m, "retry_after_s"));
            return;
        }
        r->failed = true;
    }
    st.server_errors++;
    fail(s, "%s error %s%s%s: %s", ns, code ? code : "?", r->kind && ref == r->ref ? " to " : "",
         r->kind && ref == r->ref ? req_info[r->kind].name : "",
         soak__str(m, "text") ? soak__str(m, "text") : "");
}

void soak_on_msg(void *arg, char *text, size_t len)
{
    struct participant *pa = arg;
    struct seat *s = seat_of(pa);
    if (s->closing)
        return; /* what the server sent before it read our close frame */
    json_error_t jerr;
    json_t *m = json_loadb(text, len, 0, &jerr);
    if (!m) {
        fail(s, "a message that is not JSON");
        return;
    }
    const char *ns = soak__str(m, "ns"), *ev = soak__str(m, "event");
    json_t *jref = json_object_get(m, "ref");
    long long ref = json_is_integer(jref) ? json_integer_value(jref) : 0;
    struct request *r = &s->req;
    if (!ns || !ev) {
        fail(s, "a message without ns or event");
    } else if (!strcmp(ev, "error")) {
        on_error(s, m, ns, ref);
    } else if (!strcmp(ns, "control")) {
        if (!strcmp(ev, "pong")) {
            if (r->kind && ref == r->barrier)
                r->ponged = true;
        } else if (!strcmp(ev, "joined")) {
            on_joined(s, m, ref);
        } else if (!strcmp(ev, "left")) {
            if (r->kind == REQ_LEAVE && ref == r->ref)
                r->replied = true;
            else
                fail(s, "`left` that answers no leave of ours");
        } else if (!strcmp(ev, "shutdown") || !strcmp(ev, "ended")) {
            fail(s, "control/%s during the soak", ev);
        }
    } else if (!strcmp(ns, "hand")) {
        const char *id = soak__str(m, "id");
        if (id && !strcmp(id, pa->id)) {
            s->hand = !strcmp(ev, "raised");
            if ((r->kind == REQ_HAND_UP && s->hand) || (r->kind == REQ_HAND_DOWN && !s->hand))
                r->effect = true;
        }
    } else if (!strcmp(ns, "chat")) {
        const char *from = soak__str(m, "from"), *t = soak__str(m, "text");
        if (!strcmp(ev, "message") && from && t && !strcmp(from, pa->id) &&
            (r->kind == REQ_CHAT || r->kind == REQ_CHAT_PRIVATE) && !strcmp(t, r->text))
            r->effect = true;
    } else if (!strcmp(ns, "speakers")) {
        if (!strcmp(ev, "state"))
            apply_speakers(s, m);
        if (!strcmp(ev, "state") && s->role == ROLE_AUDITOR) { /* a turn's time ran out */
            json_decref(s->speakers);
            s->speakers = json_incref(m);
        }
    } else if (!strcmp(ns, "vote")) {
        const char *id = soak__str(m, "vote");
        if (!strcmp(ev, "created")) {
            if (r->kind == REQ_VOTE_OPEN && ref == r->ref && id) {
                r->replied = true;
                struct vote *v = vote_find(id, s->room, true);
                if (v) {
                    v->timed = r->timed;
                    v->close_us = now_us() + soak__us_between(8, 15);
                }
                s->room->votes_opened++;
            }
        } else if (!strcmp(ev, "opened")) {
            vote_opened(s, json_object_get(m, "vote"),
                        json_is_true(json_object_get(m, "eligible")));
        } else if (!strcmp(ev, "ballot_ack") && id) {
            struct vote *v = vote_find(id, s->room, false);
            if (v)
                v->acks++;
            else
                fail(s, "ballot_ack for a vote never opened: %s", id);
            st.acks++;
            if (r->kind == REQ_CAST && ref == r->ref)
                r->replied = true;
        } else if (!strcmp(ev, "closed") && id) {
            struct vote *v = vote_find(id, s->room, true);
            if (v && !v->closed) {
                const json_t *res = json_object_get(m, "result");
                v->closed = true;
                snprintf(v->state, sizeof(v->state), "%s",
                         soak__str(m, "state") ? soak__str(m, "state") : "");
                snprintf(v->reason, sizeof(v->reason), "%s",
                         soak__str(res, "reason") ? soak__str(res, "reason") : "");
                v->has_result = json_is_object(res);
                v->ballots = json_integer_value(json_object_get(res, "ballots"));
            }
            ballot_drop(s, id);
            if (r->kind == REQ_VOTE_CLOSE && !strcmp(r->vote, id))
                r->effect = true;
        }
    } else if (!strcmp(ns, "media") && s->where != PRESENT) {
        /* an offer sent before our leave: a client that is leaving answers nothing (and its
         * media was closed already) */
    } else if (!strcmp(ns, "media")) {
        if (!strcmp(ev, "subscribe_offer")) {
            s->n_offer = 0;
            size_t i;
            json_t *t;
            json_array_foreach(json_object_get(m, "tracks"), i, t)
            {
                const char *who = soak__str(t, "participant");
                bool have = false;
                for (unsigned k = 0; who && k < s->n_offer; k++)
                    have |= !strcmp(s->offer[k], who);
                if (who && !have && s->n_offer < OFFER_MAX)
                    snprintf(s->offer[s->n_offer++], ID_CAP, "%s", who);
            }
        }
        ratsaal_media_event(pa, ev, m);
    }
    json_decref(m);
    maybe_finish(s);
}

/* ---- what people do ---- */

static struct seat *random_present(struct room *rm, const struct seat *except)
{
    struct seat *pick = NULL;
    unsigned seen = 0;
    for (unsigned i = 0; i < rm->n; i++) {
        struct seat *o = rm->seats[i];
        if (o != except && o->where == PRESENT && o->pa->id[0] && rnd() % ++seen == 0)
            pick = o;
    }
    return pick;
}

static void chat(struct seat *s)
{
    static const char *const lines[] = {
        "Guten Morgen zusammen",
        "Ich schließe mich dem Vorredner an.",
        "Frage zu Punkt 3: Kosten?",
        "Danke für die Unterlagen 👍",
        "Können wir die Frist verlängern?",
        "Einverstanden.",
    };
    static unsigned n;
    struct seat *to = urand() < 0.2 ? random_present(s->room, s) : NULL;
    json_t *j = soak__action("chat", "send");
    char text[160];
    snprintf(text, sizeof(text), "%s (%u)", lines[rnd() % (sizeof(lines) / sizeof(*lines))], ++n);
    json_object_set_new(j, "text", json_string(text));
    if (to)
        json_object_set_new(j, "to", json_string(to->pa->id));
    struct request *r = soak__request(s, to ? REQ_CHAT_PRIVATE : REQ_CHAT, j);
    snprintf(r->text, sizeof(r->text), "%s", text);
}

static void speakers_own(struct seat *s)
{
    if (s->floor && urand() < 0.5) {
        soak__request(s, REQ_END_TURN, soak__action("speakers", "end"));
    } else if (s->queued) {
        soak__request(s, REQ_WITHDRAW, soak__action("speakers", "withdraw"));
    } else if (!s->floor) {
        json_t *j = soak__action("speakers", "request");
        json_object_set_new(j, "point_of_order", json_boolean(urand() < 0.15));
        soak__request(s, REQ_ASK, j);
    } else {
        chat(s);
    }
}

static void member_act(struct seat *s)
{
    double x = urand();
    if (x < 0.35)
        chat(s);
    else if (x < 0.6)
        soak__request(s, s->hand ? REQ_HAND_DOWN : REQ_HAND_UP,
                      soak__action("hand", s->hand ? "lower" : "raise"));
    else
        speakers_own(s);
}

static void chair_act(struct seat *s)
{
    struct room *rm = s->room;
    double x = urand();
    if (x < 0.35) {
        soak__request(s, REQ_NEXT, soak__action("speakers", "next"));
    } else if (x < 0.45) {
        struct seat *to = random_present(rm, NULL);
        json_t *j = soak__action("speakers", "give");
        json_object_set_new(j, "id", json_string(to ? to->pa->id : s->pa->id));
        soak__request(s, REQ_GIVE, j);
    } else if (x < 0.55 && rm->n_queue) {
        json_t *j = soak__action("speakers", "skip");
        json_object_set_new(j, "id", json_string(rm->queue[rnd() % rm->n_queue]));
        soak__request(s, REQ_SKIP, j);
    } else if (x < 0.65 && rm->n_queue >= 2) {
        json_t *j = soak__action("speakers", "move");
        json_object_set_new(j, "id", json_string(rm->queue[rnd() % rm->n_queue]));
        json_object_set_new(j, "position", json_integer(1 + (json_int_t)(rnd() % rm->n_queue)));
        soak__request(s, REQ_MOVE, j);
    } else if (x < 0.7) {
        json_t *j = soak__action("speakers", "settings");
        json_object_set_new(j, "auto", json_boolean(!rm->auto_on));
        json_object_set_new(j, "time_limit_s", json_integer(rm->auto_on ? 20 : 30));
        soak__request(s, REQ_SETTINGS, j);
    } else if (x < 0.75 && rm->speaker[0]) {
        soak__request(s, REQ_END_TURN, soak__action("speakers", "end"));
    } else {
        member_act(s);
    }
}

static unsigned open_votes(const struct room *rm)
{
    unsigned n = 0;
    for (unsigned i = 0; i < g_n_votes; i++)
        n += g_votes[i].room == rm && !g_votes[i].closed;
    return n;
}

/* The chair's standing duties: take the chair, set the list up, close and open votes. */
static bool chair_duty(struct seat *s, int64_t now)
{
    struct room *rm = s->room;
    if (!rm->chair_taken) {
        json_t *j = soak__action("session", "set_role");
        json_object_set_new(j, "id", json_string(s->pa->id));
        json_object_set_new(j, "role", json_string("chair"));
        json_object_set_new(j, "on", json_true());
        soak__request(s, REQ_TAKE_CHAIR, j);
        rm->chair_taken = true;
        return true;
    }
    if (!rm->settings_done) {
        json_t *j = soak__action("speakers", "settings");
        json_object_set_new(j, "auto", json_false());
        json_object_set_new(j, "time_limit_s", json_integer(20));
        soak__request(s, REQ_SETTINGS, j);
        rm->settings_done = true;
        return true;
    }
    for (unsigned i = 0; i < g_n_votes; i++) {
        struct vote *v = &g_votes[i];
        if (v->room != rm || v->closed || v->timed || !v->close_us)
            continue;
        if (now < v->close_us && g_phase == PH_RUN)
            continue;
        json_t *j = soak__action("vote", "close");
        json_object_set_new(j, "vote", json_string(v->id));
        struct request *r = soak__request(s, REQ_VOTE_CLOSE, j);
        snprintf(r->vote, sizeof(r->vote), "%s", v->id);
        return true;
    }
    if (g_phase == PH_RUN && now >= rm->next_vote_us && open_votes(rm) < 2) {
        unsigned k = rm->votes_opened + 1;
        char title[64];
        json_t *j = soak__action("vote", "create");
        switch (k % 3) {
        case 0:
            snprintf(title, sizeof(title), "Antrag %u (befristet)", k);
            json_object_set_new(j, "duration_s", json_integer(10));
            break;
        case 1:
            snprintf(title, sizeof(title), "Antrag %u", k);
            json_object_set_new(j, "text", json_string("Der Ausschuss beschließt …"));
            break;
        default:
            snprintf(title, sizeof(title), "Wahl %u", k);
            json_object_set_new(j, "options", json_pack("[s, s, s]", "Park", "Schule", "Bad"));
            json_object_set_new(j, "secret", json_true());
            break;
        }
        json_object_set_new(j, "title", json_string(title));
        struct request *r = soak__request(s, REQ_VOTE_OPEN, j);
        r->timed = k % 3 == 0;
        rm->next_vote_us = now + soak__us_between(15, 30);
        return true;
    }
    return false;
}

static bool cast_due(struct seat *s, int64_t now)
{
    for (unsigned i = 0; i < s->n_ballots; i++) {
        if (now < s->ballots[i].at_us)
            continue;
        char id[ID_CAP];
        snprintf(id, sizeof(id), "%s", s->ballots[i].vote);
        ballot_drop(s, id);
        struct vote *v = vote_find(id, s->room, false);
        int n = v && v->n_options > 0 ? v->n_options : 3;
        json_t *j = soak__action("vote", "cast");
        json_object_set_new(j, "vote", json_string(id));
        json_object_set_new(j, "option", json_integer((json_int_t)(rnd() % (unsigned)n)));
        struct request *r = soak__request(s, REQ_CAST, j);
        snprintf(r->vote, sizeof(r->vote), "%s", id);
        return true;
    }
    return false;
}

void soak__tick_seat(struct seat *s, int64_t now)
{
    if (s->req.kind) {
        if (now > s->req.deadline_us)
            timeout(s);
        return;
    }
    if (s->closing) {
        if (now > s->closing_until_us) {
            fail(s, "no close frame from the server within 5 s");
            end_close(s);
        }
        return;
    }
    if (s->role == ROLE_AUDITOR)
        return; /* the audit drives it */
    if (s->where == AWAY) {
        if ((g_phase == PH_RUN || g_phase == PH_SETTLE) && now >= s->back_us)
            soak__come_back(s);
        return;
    }
    if (s->where != PRESENT || g_phase >= PH_DRAIN)
        return;
    if (g_phase == PH_RUN && now >= s->leave_us) {
        enum exit_kind how = EXIT_DROP;
        if (s->role != ROLE_CHAIR) {
            double x = urand();
            how = x < 0.4 ? EXIT_LEAVE : x < 0.75 ? EXIT_CLOSE : EXIT_DROP;
        }
        go_away(s, how);
        return;
    }
    if (g_phase <= PH_SETTLE) {
        if (cast_due(s, now))
            return;
        if (s->role == ROLE_CHAIR && chair_duty(s, now))
            return;
        if (g_phase == PH_RUN && now >= s->next_us) {
            if (s->role == ROLE_CHAIR)
                chair_act(s);
            else
                member_act(s);
            s->next_us = now + us_exp(s->role == ROLE_CHAIR ? 2.5 : 4);
            return;
        }
    }
    if (now - s->last_sent_us > 4000000) /* as the web client: a ping every few seconds */
        soak__request(s, REQ_PING, soak__action("control", "ping"));
}

void soak__seed(unsigned long long seed)
{
    g_rng = seed * 0x9E3779B97F4A7C15ULL + 1;
}

const char *soak__req_name(enum req kind)
{
    return req_info[kind].name;
}
