/* SPDX-License-Identifier: EUPL-1.2 */
/* A node's record in the cluster registry, and the names the cluster puts into Redis keys.
 *
 * Everything read back from Redis is untrusted: another process with access to the same Redis
 * (a buggy older node, an operator's typo, an attacker) may have written anything. The parser
 * here accepts only a record this code could have written and leaves `out` untouched
 * otherwise; callers drop what it refuses and count it. No I/O, no hiredis, no allocation: the
 * fuzz target links this file alone (tests/fuzz/cluster_node). */
#ifndef RS_CLUSTER_NODE_H
#define RS_CLUSTER_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_CLUSTER_NODE_ID_MAX 64 /* [A-Za-z0-9._-], 1-64 */
#define RS_CLUSTER_ROOM_ID_MAX 64 /* [A-Za-z0-9_-], 1-64, as room/dispatch.c's rs_room_id_valid */
#define RS_CLUSTER_URL_MAX 255    /* http(s)://host[:port][/path], printable ASCII */
#define RS_CLUSTER_IP_MAX 45      /* an IPv4 or IPv6 literal (INET6_ADDRSTRLEN - 1) */
#define RS_CLUSTER_VERSION_MAX 32 /* [A-Za-z0-9.+~_-], 1-32 */
#define RS_CLUSTER_LOAD_MAX 1000000u /* participants or transports on one node */
#define RS_CLUSTER_INSTANCE_MAX 32   /* [A-Za-z0-9_-], 1-32 */
#define RS_CLUSTER_VALUE_MAX 255     /* longest value of any field of a record */

/* The fields of the `node:<id>` hash, in the order rs_cluster_node_parse takes their values.
 * Unknown fields in the hash are ignored (a newer node may have added some during a rolling
 * upgrade); every field listed here is required. */
enum rs_cluster_node_field {
    RS_NODE_URL,          /* public URL clients are sent to for a room this node owns */
    RS_NODE_MEDIA_IP,     /* the address of the node's media (UDP) port */
    RS_NODE_PARTICIPANTS, /* load: participants in rooms on this node */
    RS_NODE_TRANSPORTS,   /* load: media transports (about two per participant) */
    RS_NODE_STARTED_AT,   /* ms since the epoch when the process started */
    RS_NODE_VERSION,      /* the server's version (VERSION file) */
    RS_NODE_DRAINING,     /* "1": takes no new rooms; "0" otherwise */
    RS_NODE_INSTANCE,     /* random per process: two processes with one node id conflict */
    RS_NODE__FIELDS
};

/* Field names in the hash, indexed by enum rs_cluster_node_field. */
extern const char *const rs_cluster_node_field_names[RS_NODE__FIELDS];

struct rs_cluster_node {
    char id[RS_CLUSTER_NODE_ID_MAX + 1];
    char url[RS_CLUSTER_URL_MAX + 1];
    char media_ip[RS_CLUSTER_IP_MAX + 1];
    uint32_t participants;
    uint32_t transports;
    int64_t started_at_ms;
    char version[RS_CLUSTER_VERSION_MAX + 1];
    bool draining;
    char instance[RS_CLUSTER_INSTANCE_MAX + 1];
    /* not in the hash: what is left of the record's TTL when it was listed (Redis's PTTL, so
     * no clocks compared); a node that missed heartbeats has less (cluster.h
     * rs_cluster_fresh_ttl_ms). 0: unknown */
    int64_t ttl_left_ms;
};

/* The text form of a record's values, as written into the hash (rs_cluster_node_encode).
 * `values[i]` points into the record or into this struct: both must outlive its use. */
struct rs_cluster_node_text {
    char participants[11];
    char transports[11];
    char started_at[21];
    const char *values[RS_NODE__FIELDS];
    size_t lens[RS_NODE__FIELDS];
};

/* Whether `s` (borrowed, `len` bytes, need not be NUL-terminated) is a valid name. */
bool rs_cluster_node_id_valid(const char *s, size_t len);
bool rs_cluster_room_id_valid(const char *s, size_t len);
bool rs_cluster_url_valid(const char *s, size_t len);
bool rs_cluster_ip_valid(const char *s, size_t len);
bool rs_cluster_version_valid(const char *s, size_t len);
bool rs_cluster_instance_valid(const char *s, size_t len);
/* A key prefix: 1-64 of [A-Za-z0-9:._-] (default "ratsaal:"). */
bool rs_cluster_prefix_valid(const char *s, size_t len);

/* Parses an unsigned decimal of 1-20 digits, no sign or space, at most `max`. 0 or -EINVAL. */
int rs_cluster_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Builds a record from the hash of node `id`: `values[i]` (borrowed, `lens[i]` bytes, NULL when
 * the field is absent) for each enum rs_cluster_node_field. Returns 0 and fills `*out`, or
 * -EINVAL (a field missing, too long or malformed, or a bad id) and leaves `*out` untouched. */
int rs_cluster_node_parse(const char *id, size_t id_len, const char *const *values,
                          const size_t *lens, struct rs_cluster_node *out);

/* Fills `*text` with the values to write for `node` (borrowed; `text` keeps pointers into it).
 * Returns 0, or -EINVAL when `node` is not a record rs_cluster_node_parse would accept. */
int rs_cluster_node_encode(const struct rs_cluster_node *node, struct rs_cluster_node_text *text);

/* Orders two records by load: fewer participants first, then fewer transports, then by id, so
 * that every node makes the same choice from the same list. Returns <0, 0 or >0. */
int rs_cluster_node_load_cmp(const struct rs_cluster_node *a, const struct rs_cluster_node *b);

#endif
