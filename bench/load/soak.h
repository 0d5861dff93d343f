/* SPDX-License-Identifier: EUPL-1.2 */
/* The soak's shared insides (soak.c plays the meeting, soak_run.c runs, measures and audits
 * it); see soak.c for what a soak is. One thread: the load generator's loop. */
#ifndef RS_BENCH_SOAK_H
#define RS_BENCH_SOAK_H

#include <stdbool.h>
#include <stdint.h>

#include "load.h"

#define MAX_ROOMS 64
#define MAX_VOTES 8192
#define SEAT_BALLOTS 8 /* the server keeps at most 8 votes open per meeting */
#define OFFER_MAX 64
#define QUEUE_MAX 64
#define ID_CAP 32

enum role { ROLE_CHAIR, ROLE_MEMBER, ROLE_GUEST, ROLE_AUDITOR };
enum where { AWAY, JOINING, PRESENT, LEAVING };
enum exit_kind { EXIT_LEAVE, EXIT_CLOSE, EXIT_DROP, N_EXITS };
enum phase { PH_RUN, PH_SETTLE, PH_AUDIT, PH_DRAIN, PH_DONE };

enum req {
    REQ_NONE,
    REQ_JOIN,
    REQ_LEAVE,
    REQ_PING,
    REQ_CHAT,
    REQ_CHAT_PRIVATE,
    REQ_HAND_UP,
    REQ_HAND_DOWN,
    REQ_ASK,
    REQ_WITHDRAW,
    REQ_END_TURN,
    REQ_NEXT,
    REQ_GIVE,
    REQ_SKIP,
    REQ_MOVE,
    REQ_SETTINGS,
    REQ_TAKE_CHAIR,
    REQ_VOTE_OPEN,
    REQ_CAST,
    REQ_VOTE_CLOSE,
    N_REQ
};

struct request {
    enum req kind;
    long long ref, barrier;
    int64_t sent_us, deadline_us;
    bool ponged, replied, refused, failed, effect;
    bool timed; /* vote create: closes at its deadline */
    int retry_after_s;
    char vote[ID_CAP];
    char text[160];
};

struct ballot {
    char vote[ID_CAP];
    int64_t at_us;
};

struct room;

struct seat {
    struct participant *pa;
    struct room *room;
    enum role role;
    char name[48];
    enum where where;
    bool ws_up;
    bool closing;             /* sent a close frame, reads on until the server's */
    int64_t closing_until_us; /* … for this long */
    bool resume_next;         /* come back with the resume token (after a dropped socket) */
    char resume[64];          /* the token of the last `joined` */
    char old_id[ID_CAP];      /* the id a resume must give back */
    struct request req;       /* at most one in flight */
    int64_t next_us;          /* next own action */
    int64_t leave_us;         /* next leave (churn) */
    int64_t back_us;          /* comes back then */
    int64_t last_sent_us;
    bool hand, queued, floor; /* as the server last told this seat */
    unsigned joins;
    struct ballot ballots[SEAT_BALLOTS];
    unsigned n_ballots;
    char offer[OFFER_MAX][ID_CAP]; /* participants in the last subscribe offer */
    unsigned n_offer;
    uint64_t rx_mark, tx_mark;
    json_t *roster, *speakers; /* auditor: its `joined` (own references) */
};

struct room {
    unsigned idx;
    char id[72], cookie[256], invite[72], guest_invite[72];
    struct seat **seats;
    unsigned n;
    struct seat *auditor;
    char queue[QUEUE_MAX][ID_CAP]; /* the speakers' list as the chair last saw it */
    unsigned n_queue;
    char speaker[ID_CAP];
    bool chair_taken, settings_done, auto_on;
    int64_t next_vote_us;
    unsigned votes_opened;
};

struct vote {
    char id[ID_CAP];
    struct room *room;
    int n_options;
    bool timed;
    int64_t close_us; /* when the chair closes it (not timed) */
    bool closed, has_result;
    char state[16], reason[16];
    long long ballots; /* the result's count */
    unsigned acks;     /* ballot_ack received for it */
};

struct soak_stats {
    uint64_t sent[N_REQ], done[N_REQ], refused[N_REQ];
    uint64_t joins, resumes, exits[N_EXITS], timeouts, no_effect, closed_by_server;
    uint64_t acks, server_errors;
    int64_t *waits_us; /* how long each request waited for its answer (growing array) */
    size_t n_waits, cap_waits;
    unsigned stuck, stuck_media, vote_problems, audit_problems, not_drained;
};

extern struct room g_rooms[MAX_ROOMS];
extern unsigned g_n_rooms;
extern struct seat *g_seats; /* the seats, then one auditor per room */
extern unsigned g_n_seats;   /* without the auditors */
extern struct vote *g_votes; /* every vote opened, MAX_VOTES */
extern unsigned g_n_votes;
extern enum phase g_phase;
extern int64_t g_t0; /* the run's start (µs) */
extern struct soak_stats st;

/* soak.c */
void soak__seed(unsigned long long seed);
int64_t soak__us_between(double lo_s, double hi_s); /* uniformly random, µs */
const char *soak__str(const json_t *o, const char *key);
const char *soak__req_name(enum req kind);
/* A new {"ns", "action"} message (new reference). */
json_t *soak__action(const char *ns, const char *verb);
/* Sends `j` (taken) on the seat's WebSocket; a failure is an error. */
void soak__send(struct seat *s, json_t *j);
/* Sends `msg` (taken) as the seat's one request in flight, with a ref and the barrier ping
 * behind it; returns the request, to note what the answer must show. */
struct request *soak__request(struct seat *s, enum req kind, json_t *msg);
/* Closes the seat's media transports and forgets its publication. */
void soak__media_reset(struct seat *s);
/* (Re)connects when needed and joins (with the resume token after a dropped socket). */
void soak__come_back(struct seat *s);
/* Our close frame; the socket closes when the server's close (or its end) arrives. */
void soak__begin_close(struct seat *s);
/* What the seat does now: its timeout, coming back, leaving, its next action (every 10 ms). */
void soak__tick_seat(struct seat *s, int64_t now);

#endif
