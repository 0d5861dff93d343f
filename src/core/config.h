/* SPDX-License-Identifier: EUPL-1.2 */
/* Server configuration: defaults, a `key = value` file, and command-line flags on top.
 *
 * Precedence: built-in defaults < config file < flags. Every problem is reported as one line
 * naming the key (or flag) and what is wrong; the caller prints it and exits with status 2. */
#ifndef RS_CORE_CONFIG_H
#define RS_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/netaddr.h"

#define RS_CONFIG_PATH_MAX 512
#define RS_CONFIG_STORE_MAX 1024 /* the store's PostgreSQL URI, with its NUL */
#define RS_CONFIG_ICE_SERVERS_MAX 4
#define RS_CONFIG_MEDIA_WORKERS_MAX 16
#define RS_CONFIG_RTMP_TARGETS_MAX 8
#define RS_CONFIG_TURN_SERVERS_MAX 4
#define RS_CONFIG_REDIS_MAX 512 /* cluster_redis, with its NUL */
#define RS_CONFIG_NODE_ID_MAX 64 /* cluster_node_id: [A-Za-z0-9._-], as cluster/node.h */
#define RS_CONFIG_CLUSTER_URL_MAX 255 /* cluster_public_url, as cluster/node.h's url */
#define RS_CONFIG_CLUSTER_TTL_MIN 500
#define RS_CONFIG_CLUSTER_TTL_MAX 300000

/* A livestream target (config `rtmp_target = ID URL [NAME...]`). The URL carries the stream key:
 * it never leaves the server (clients see id and name only). */
struct rs_rtmp_target {
    char id[33];    /* [a-z0-9_-], 1-32 */
    char url[512];  /* rtmp:// or rtmps:// */
    char name[65];  /* shown in the client; defaults to the id */
};

struct rs_ice_server {
    char url[256];        /* stun:host:port, turn:host:port?transport=udp, turns:... */
    char username[128];   /* empty for STUN */
    char credential[128]; /* empty for STUN */
};

struct rs_config {
    char listen_addr[64]; /* IPv4/IPv6 literal, or "*" for every address */
    uint16_t listen_port;
    char data_dir[RS_CONFIG_PATH_MAX];
    /* the database (config `store`): "" is SQLite at DATA_DIR/ratsaal.db; else a PostgreSQL
     * URI, postgresql://… (docs/operations.md "PostgreSQL"). It may hold a password: shown only
     * through rs_config_store_display. */
    char store[RS_CONFIG_STORE_MAX];
    char web_root[RS_CONFIG_PATH_MAX];
    /* HTTPS + WSS on `listen` (PEM files, re-read on SIGHUP); both empty: plain HTTP */
    char tls_cert[RS_CONFIG_PATH_MAX]; /* certificate, then intermediates */
    char tls_key[RS_CONFIG_PATH_MAX];  /* its private key, unencrypted */
    uint16_t udp_port;
    unsigned media_workers;      /* media worker threads, each on UDP port udp_port + k; 0 = auto */
    unsigned spread_rooms_above; /* rooms with more participants use every worker; 0 = never */
    bool udp_gso_off; /* udp_gso = off: one datagram per packet even where the kernel can segment */
    char public_ip[64]; /* address announced in ICE candidates; empty: the listen address */
    bool ice_tcp_off;      /* ice_tcp = off: no ICE-TCP candidates nor listening sockets */
    uint16_t ice_tcp_port; /* 0: each media worker on TCP with its UDP port's number */
    char ice_tcp_listen[64]; /* TCP bind (and announced) address; empty: listen / public_ip */
    enum rs_log_level log_level;
    unsigned max_participants; /* per room */
    unsigned chat_history;     /* messages kept per room and sent to late joiners */
    unsigned rate_per_s;       /* signaling messages per second per connection */
    unsigned last_n;           /* video publishers forwarded per subscriber, 0 = all */
    struct rs_ice_server ice_servers[RS_CONFIG_ICE_SERVERS_MAX];
    size_t n_ice_servers;
    /* TURN with short-lived credentials (core/turn_cred.h; docs/operations.md "TURN") */
    char turn_servers[RS_CONFIG_TURN_SERVERS_MAX][256]; /* turn:/turns: URLs, one entry */
    unsigned n_turn_servers;
    char turn_secret[256]; /* coturn's static-auth-secret; never logged nor sent */
    unsigned turn_ttl;     /* seconds a handed-out credential stays valid */

    /* identity (docs/api.md) */
    char public_url[256];          /* e.g. https://meet.example.org; empty: http://listen */
    char imprint_url[512];         /* the operator's imprint (Impressum), linked on every page */
    char privacy_url[512];         /* the privacy notice (Datenschutzerklärung), ditto */
    char oidc_issuer[256];         /* empty: no OpenID Connect login */
    char oidc_client_id[128];
    char oidc_client_secret[256];
    char oidc_groups_claim[64];    /* default "groups" */
    char oidc_admin_group[128];    /* members become admin */
    char oidc_moderator_group[128]; /* members become moderator */
    char oidc_tenant_claim[64];    /* empty: no tenants */
    int anonymous_meetings;        /* RS_ANON_AUTO / ON / OFF */
    unsigned session_hours;
    unsigned invite_grace_h;       /* invitations outlive a scheduled meeting's end by this */
    unsigned login_rate_per_min;   /* per client address */
    unsigned join_rate_per_min;    /* per client address */

    /* the edge: connections (docs/security.md, "Connections") */
    unsigned max_connections;        /* open HTTP/WebSocket connections in all */
    unsigned max_connections_per_ip; /* ... from one client address */
    unsigned header_timeout_s; /* a request's headers (and then its body) must arrive in time */
    unsigned join_timeout_s;   /* a WebSocket in no room (nor lobby) this long is closed */
    unsigned resume_grace_s;   /* a participant whose socket dropped is kept this long */
    unsigned password_rate_per_min;         /* wrong meeting passwords per client address */
    unsigned meeting_password_rate_per_min; /* wrong meeting passwords per meeting */

    /* the edge (docs/operations.md) */
    struct rs_cidr_list trusted_proxies; /* peers whose forwarding header names the client */
    int trusted_proxy_header;            /* RS_PROXY_HEADER_XFF / _FORWARDED */
    struct rs_cidr_list metrics_allow;   /* client addresses that may read /metrics */
    char metrics_token[129];             /* bearer token for /metrics; empty: none */

    /* recording and livestreaming (docs/recording.md) */
    char recorder_path[RS_CONFIG_PATH_MAX];  /* ratsaal-recorder; empty: next to this binary */
    char recordings_dir[RS_CONFIG_PATH_MAX]; /* empty: DATA_DIR/recordings (outside web_root) */
    char live_dir[RS_CONFIG_PATH_MAX];       /* HLS segments; empty: DATA_DIR/live */
    unsigned recording_retention_days;       /* default and upper bound of a recording's life */
    int recording_format;                    /* RS_RECORDING_MP4 / _WEBM */
    struct rs_rtmp_target rtmp_targets[RS_CONFIG_RTMP_TARGETS_MAX];
    unsigned n_rtmp_targets;

    /* how long meetings' records are kept (http/retention.c; docs/operations.md "Data and
     * backups"): days, 0 = for ever (written `off`; a 0 in the file is refused as ambiguous) */
    unsigned retention_attendance_days; /* attendance stays and speaking turns */
    unsigned retention_minutes_days;    /* the minutes of agenda items */
    unsigned retention_votes_days;      /* closed votes with their ballots and records */

    /* the cluster (docs/cluster.md section 8): empty cluster_redis is a single node */
    char cluster_redis[RS_CONFIG_REDIS_MAX]; /* redis://… or unix:/path; may hold a password */
    char cluster_node_id[RS_CONFIG_NODE_ID_MAX + 1]; /* default: the host name, if valid */
    char cluster_public_url[RS_CONFIG_CLUSTER_URL_MAX + 1]; /* where clients reach this node */
    char cluster_prefix[65];                                /* Redis key prefix, "ratsaal:" */
    unsigned cluster_node_ttl_ms;  /* a silent node is gone after this */
    unsigned cluster_lease_ttl_ms; /* a room's lease */
    unsigned cluster_drain_timeout_s; /* SIGTERM: at most this long to hand the rooms over */
    /* shared by every node: authenticates one node's relay to another (the cascade,
     * docs/cluster.md "Cascade"); empty: no cascade (audience joins are moved to the owner) */
    char cluster_secret[129];
    /* PEM CA certificates that alone are trusted for https:// relay links to other nodes;
     * empty: the system's CA store */
    char cluster_ca_file[RS_CONFIG_PATH_MAX];
};

#define RS_CONFIG_RETENTION_DAYS_MAX 36500 /* a hundred years: longer is `off` */

enum { RS_RECORDING_MP4 = 0, RS_RECORDING_WEBM };

/* Which header trusted proxies write: the one the proxy in front really sets, since a client
 * may send either. */
enum { RS_PROXY_HEADER_XFF = 0, RS_PROXY_HEADER_FORWARDED };

/* Whether /metrics needs a token or an allowed address (and /healthz then says less). */
static inline bool rs_config_metrics_protected(const struct rs_config *cfg)
{
    return cfg->metrics_token[0] || cfg->metrics_allow.n;
}

enum { RS_ANON_AUTO = 0, RS_ANON_ON, RS_ANON_OFF };

/* Whether anyone may open rooms without an account: "auto" means yes only when listening on a
 * loopback address without an identity provider (so `make run` works at once). */
int rs_config_anonymous(const struct rs_config *cfg);

/* Fills `cfg` with the built-in defaults. */
void rs_config_defaults(struct rs_config *cfg);

/* Applies one `key`/`value` pair. On failure writes a one-line reason to `err`. */
int rs_config_set(struct rs_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

/* Parses config text (borrowed, need not be NUL-terminated) into `cfg`. Lines are
 * `key = value`, `#` starts a comment, blank lines are ignored. `origin` names the file in
 * error messages. Returns 0, or -EINVAL with "FILE:LINE: key: problem" in `err`. */
int rs_config_parse(struct rs_config *cfg, const char *text, size_t len, const char *origin,
                    char *err, size_t errlen);

/* Reads and parses the file at `path`. Files over 64 KiB are rejected. */
int rs_config_load(struct rs_config *cfg, const char *path, char *err, size_t errlen);

/* The spec of the store the server opens (rs_store_open): `store`, or DATA_DIR/ratsaal.db when
 * it is empty, into `out`. Returns 0, or -ENAMETOOLONG. */
int rs_config_store_spec(const struct rs_config *cfg, char *out, size_t cap);
/* `spec` (borrowed) as logs and messages show it: a PostgreSQL URI without its user
 * information (user name and password) and without a `password` parameter, anything else as it
 * is; written into `out` (truncated to `cap`), which is returned. */
const char *rs_config_store_display(const char *spec, char *out, size_t cap);

/* Checks cross-field consistency after everything is applied. */
int rs_config_validate(const struct rs_config *cfg, char *err, size_t errlen);
/* How many media workers to run: media_workers, or with auto the CPUs the process may run on
 * (its affinity: taskset, cpusets; at most RS_CONFIG_MEDIA_WORKERS_MAX). Worker k receives
 * media on UDP port udp_port + k. */
unsigned rs_config_media_workers(const struct rs_config *cfg);

#endif
