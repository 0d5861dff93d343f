/* SPDX-License-Identifier: EUPL-1.2 */
/* Shared internals of the cluster module: cluster.c (registry, heartbeat, readiness), lease.c
 * (room ownership) and events.c (room streams). `rs_cl__` names are for these files only. */
#ifndef RS_CLUSTER_INTERNAL_H
#define RS_CLUSTER_INTERNAL_H

#include "cluster/cluster.h"

/* prefix (64) + "room:" + room id (64) + ":events" + NUL, with room to spare */
#define RS_CL_KEY_MAX 160

struct rs_cl_lease {
    char room[RS_CLUSTER_ROOM_ID_MAX + 1];
    int64_t valid_until_ms; /* by our clock, the lease cannot have expired in Redis before */
    bool lost;              /* set during a renewal round, reported at its end */
    char new_owner[RS_CLUSTER_NODE_ID_MAX + 1];
};

struct rs_cluster {
    struct rs_redis *redis;
    char prefix[65];
    struct rs_cluster_node self;
    char ttl_text[12];       /* node_ttl_ms as text, for the heartbeat script */
    char lease_ttl_text[12]; /* lease_ttl_ms as text */
    unsigned node_ttl_ms;
    unsigned heartbeat_ms;
    unsigned lease_ttl_ms;
    unsigned renew_ms;
    unsigned ready_grace;
    unsigned stream_maxlen;
    unsigned stream_ttl_ms;
    unsigned snapshot_ttl_ms;
    rs_cluster_lease_lost_fn on_lease_lost;
    void *user;

    int64_t next_heartbeat_ms;
    int64_t next_renew_ms;
    unsigned failed_heartbeats; /* in a row */
    bool registered;            /* a heartbeat has succeeded */
    bool conflict_logged;       /* a node id conflict was logged since the last success */

    struct rs_cl_lease *leases;
    size_t n_leases;
    size_t cap_leases;

    struct rs_cluster_stats stats;
};

/* Writes `<prefix><a><b><c>` into `buf` (RS_CL_KEY_MAX bytes); `b` and `c` may be NULL.
 * Returns its length, or 0 when it does not fit (never with validated names). */
size_t rs_cl__key(const struct rs_cluster *c, char *buf, const char *a, const char *b,
                  const char *d);

/* EVAL of `script` with `nkeys` keys then args, all as argument vectors (borrowed). As
 * rs_redis_command: 0 and a reply that is not an error, or an error (-EPROTO for an error
 * reply, which a script raises for data it will not touch). */
int rs_cl__eval(struct rs_cluster *c, const char *script, int nkeys, int nargs, const char **args,
                const size_t *lens, redisReply **reply);

/* Most keys plus arguments of one script call. */
#define RS_CL_EVAL_ARGS_MAX 32

/* Fills `cmd` as such an EVAL for a pipeline, in `argv`/`lens` (3 + nargs entries; `cmd`
 * borrows them, and they borrow `script` and `args`). nkeys <= 3, nargs <= RS_CL_EVAL_ARGS_MAX. */
void rs_cl__eval_cmd(struct rs_redis_cmd *cmd, const char **argv, size_t *lens, const char *script,
                     int nkeys, int nargs, const char **args, const size_t *arg_lens);

/* The renewal round of rs_cluster_tick (lease.c). */
void rs_cl__renew_all(struct rs_cluster *c, int64_t now_ms);
/* Releases every lease (lease.c); for rs_cluster_leave. Returns 0 or the first error. */
int rs_cl__release_all(struct rs_cluster *c);
/* Frees the lease table (lease.c). */
void rs_cl__leases_free(struct rs_cluster *c);

/* The script GET of a string key that refuses a value longer than ARGV[1] (lease.c). */
extern const char *const rs_cl__get_bounded;

/* Checks a stream entry id "<ms>-<seq>" (`len` bytes); fills the two numbers. 0 or -EINVAL. */
int rs_cl__event_id_parse(const char *s, size_t len, uint64_t *ms, uint64_t *seq);

#endif
