/* SPDX-License-Identifier: EUPL-1.2 */
/* Configuration parsing.
 *
 * The format is deliberately small: `key = value` per line, `#` comments, no sections, no
 * quoting (values run to the end of the line, surrounding blanks trimmed). Unknown keys are an
 * error rather than a warning: a typo in a security setting must not pass silently.
 * `ice_server` may repeat; its value is `URL [USERNAME CREDENTIAL]`. So may `rtmp_target`:
 * `ID URL [NAME...]`. And `turn_server`: one URL each. */
#include "core/config.h"
#include "core/turn_cred.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (64 * 1024)
#define CONFIG_LINE_MAX 1024

/* The cluster's names, by cluster/node.h's rules, repeated here so that the configuration
 * does not depend on the cluster (rs_cluster_new checks them again). */
static bool all_of(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr(extra, *c)))
            return false;
    return true;
}

static bool is_node_id(const char *s)
{
    return all_of(s, RS_CONFIG_NODE_ID_MAX, "._-");
}

void rs_config_defaults(struct rs_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen_addr, sizeof(cfg->listen_addr), "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./var");
    snprintf(cfg->web_root, sizeof(cfg->web_root), "./web");
    cfg->udp_port = 40000;
    cfg->spread_rooms_above = 50;
    cfg->log_level = RS_LOG_INFO;
    cfg->max_participants = 100;
    cfg->chat_history = 50;
    cfg->rate_per_s = 20;
    cfg->last_n = 0;
    snprintf(cfg->oidc_groups_claim, sizeof(cfg->oidc_groups_claim), "groups");
    cfg->anonymous_meetings = RS_ANON_AUTO;
    cfg->session_hours = 12;
    cfg->invite_grace_h = 2;
    cfg->login_rate_per_min = 10;
    cfg->join_rate_per_min = 60;
    cfg->max_connections = 4096;
    cfg->max_connections_per_ip = 64;
    cfg->header_timeout_s = 5;
    cfg->join_timeout_s = 30;
    cfg->resume_grace_s = 60;
    cfg->password_rate_per_min = 5;
    cfg->meeting_password_rate_per_min = 30;
    cfg->recording_retention_days = 30;
    cfg->recording_format = RS_RECORDING_MP4;
    cfg->turn_ttl = 3600;
    /* meetings' records are kept until the operator sets a period: a council's attendance,
     * minutes and votes are public records with retention rules of their own */
    cfg->retention_attendance_days = 0;
    cfg->retention_minutes_days = 0;
    cfg->retention_votes_days = 0;
    char host[256];
    if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = 0;
        if (is_node_id(host)) /* at most RS_CONFIG_NODE_ID_MAX bytes */
            memcpy(cfg->cluster_node_id, host, strlen(host) + 1);
    }
    snprintf(cfg->cluster_prefix, sizeof(cfg->cluster_prefix), "ratsaal:");
    cfg->cluster_node_ttl_ms = 5000;
    cfg->cluster_lease_ttl_ms = 5000;
    cfg->cluster_drain_timeout_s = 10;
}

int rs_config_anonymous(const struct rs_config *cfg)
{
    if (cfg->anonymous_meetings != RS_ANON_AUTO)
        return cfg->anonymous_meetings == RS_ANON_ON;
    int loopback = strncmp(cfg->listen_addr, "127.", 4) == 0 || strcmp(cfg->listen_addr, "::1") == 0;
    return loopback && !cfg->oidc_issuer[0];
}

static int is_url(const char *v, int allow_http_loopback)
{
    if (strncmp(v, "https://", 8) == 0)
        return strlen(v) > 8;
    if (strncmp(v, "http://", 7) == 0) {
        const char *h = v + 7;
        return !allow_http_loopback || strncmp(h, "127.", 4) == 0 ||
               strncmp(h, "localhost", 9) == 0 || strncmp(h, "[::1]", 5) == 0;
    }
    return 0;
}

static int parse_uint(const char *value, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!*value)
        return -EINVAL;
    for (const char *c = value; *c; c++)
        if (*c < '0' || *c > '9')
            return -EINVAL;
    errno = 0;
    char *end;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || *end || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *value)
{
    size_t n = strlen(value);
    if (n >= cap)
        return -ENAMETOOLONG;
    memcpy(dst, value, n + 1);
    return 0;
}

static int is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "ADDR:PORT", "[V6]:PORT", or "PORT" alone (keeps the address). */
static int parse_listen(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    char addr[64] = "";
    const char *port;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || close[1] != ':' || (size_t)(close - value - 1) >= sizeof(addr))
            goto bad;
        memcpy(addr, value + 1, (size_t)(close - value - 1));
        addr[close - value - 1] = 0;
        port = close + 2;
    } else {
        const char *colon = strrchr(value, ':');
        if (!colon) {
            port = value;
            snprintf(addr, sizeof(addr), "%s", cfg->listen_addr);
        } else {
            if ((size_t)(colon - value) >= sizeof(addr))
                goto bad;
            memcpy(addr, value, (size_t)(colon - value));
            addr[colon - value] = 0;
            port = colon + 1;
        }
    }
    unsigned long p;
    if (parse_uint(port, 1, 65535, &p))
        goto bad;
    if (strcmp(addr, "*") != 0 && !is_ip_literal(addr))
        goto bad;
    snprintf(cfg->listen_addr, sizeof(cfg->listen_addr), "%s", addr);
    cfg->listen_port = (uint16_t)p;
    return 0;
bad:
    snprintf(err, errlen, "listen: expected ADDRESS:PORT (e.g. 127.0.0.1:8080), got '%s'", value);
    return -EINVAL;
}

static int parse_ice_server(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    if (cfg->n_ice_servers >= RS_CONFIG_ICE_SERVERS_MAX) {
        snprintf(err, errlen, "ice_server: at most %d entries", RS_CONFIG_ICE_SERVERS_MAX);
        return -EINVAL;
    }
    struct rs_ice_server s;
    memset(&s, 0, sizeof(s));
    char extra[8];
    int n = sscanf(value, "%255s %127s %127s %7s", s.url, s.username, s.credential, extra);
    int is_turn = strncmp(s.url, "turn:", 5) == 0 || strncmp(s.url, "turns:", 6) == 0;
    int is_stun = strncmp(s.url, "stun:", 5) == 0;
    if (n < 1 || n == 2 || n > 3 || (!is_turn && !is_stun) || (is_turn && n != 3)) {
        snprintf(err, errlen,
                 "ice_server: expected 'stun:HOST:PORT' or 'turn:HOST:PORT USERNAME CREDENTIAL'");
        return -EINVAL;
    }
    cfg->ice_servers[cfg->n_ice_servers++] = s;
    return 0;
}

static int parse_turn_server(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    char why[200] = "longer than 255 bytes";
    if (cfg->n_turn_servers >= RS_CONFIG_TURN_SERVERS_MAX) {
        snprintf(err, errlen, "turn_server: at most %d entries", RS_CONFIG_TURN_SERVERS_MAX);
        return -EINVAL;
    }
    if (rs_turn_url_check(value, why, sizeof(why)) ||
        copy_str(cfg->turn_servers[cfg->n_turn_servers], sizeof(cfg->turn_servers[0]), value)) {
        snprintf(err, errlen, "turn_server: %s", why);
        return -EINVAL;
    }
    cfg->n_turn_servers++;
    return 0;
}

/* The secret shared with the TURN server: long enough not to be guessed from one credential. */
static int parse_turn_secret(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    int ok = n >= 16 && n < sizeof(cfg->turn_secret);
    for (const char *c = value; ok && *c; c++)
        ok = (unsigned char)*c > ' ' && (unsigned char)*c < 0x7f;
    if (!ok) {
        snprintf(err, errlen,
                 "turn_secret: expected 16 to %zu printable characters without "
                 "blanks (coturn's static-auth-secret)",
                 sizeof(cfg->turn_secret) - 1);
        return -EINVAL;
    }
    memcpy(cfg->turn_secret, value, n + 1);
    return 0;
}

static int parse_rtmp_target(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    if (cfg->n_rtmp_targets >= RS_CONFIG_RTMP_TARGETS_MAX) {
        snprintf(err, errlen, "rtmp_target: at most %d entries", RS_CONFIG_RTMP_TARGETS_MAX);
        return -EINVAL;
    }
    struct rs_rtmp_target t;
    memset(&t, 0, sizeof(t));
    int name_at = 0;
    int n = sscanf(value, "%32s %511s %n", t.id, t.url, &name_at);
    int id_ok = n == 2 && t.id[0];
    for (const char *c = t.id; id_ok && *c; c++)
        id_ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
    int url_ok = n == 2 && (strncmp(t.url, "rtmp://", 7) == 0 || strncmp(t.url, "rtmps://", 8) == 0);
    for (const char *c = t.url; url_ok && *c; c++)
        url_ok = (unsigned char)*c > ' ' && (unsigned char)*c < 0x7f;
    if (!id_ok || !url_ok) {
        snprintf(err, errlen, "rtmp_target: expected 'ID rtmp://HOST/APP/KEY [NAME]' with an id "
                              "of a-z, 0-9, _ and -");
        return -EINVAL;
    }
    for (unsigned i = 0; i < cfg->n_rtmp_targets; i++)
        if (strcmp(cfg->rtmp_targets[i].id, t.id) == 0) {
            snprintf(err, errlen, "rtmp_target: the id '%s' is used twice", t.id);
            return -EINVAL;
        }
    const char *name = name_at > 0 ? value + name_at : "";
    if (copy_str(t.name, sizeof(t.name), *name ? name : t.id)) {
        snprintf(err, errlen, "rtmp_target: the name is longer than %zu bytes", sizeof(t.name) - 1);
        return -EINVAL;
    }
    cfg->rtmp_targets[cfg->n_rtmp_targets++] = t;
    return 0;
}

/* The store's scheme prefix: rs_store_spec_is_pg's rule (store/store.h), kept here so that the
 * configuration does not depend on the store. */
static bool is_pg_uri(const char *v)
{
    return strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0;
}

/* store: empty (SQLite in data_dir) or a PostgreSQL URI. The value is never echoed in an error:
 * it may hold a password. */
static int parse_store(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    bool printable = true;
    for (const char *c = value; *c; c++)
        printable &= *c > 0x20 && *c < 0x7f;
    if (n == 0) {
        cfg->store[0] = 0;
        return 0;
    }
    if (!is_pg_uri(value)) {
        snprintf(err, errlen,
                 "store: expected a postgresql:// URI, or nothing for SQLite (the file "
                 "ratsaal.db in data_dir, which sets where it is)");
        return -EINVAL;
    }
    if (!printable || n >= sizeof(cfg->store)) {
        snprintf(err, errlen,
                 "store: expected a URI of at most %zu characters without blanks "
                 "(percent-encode them), e.g. postgresql:///ratsaal?host=/run/postgresql",
                 sizeof(cfg->store) - 1);
        return -EINVAL;
    }
    memcpy(cfg->store, value, n + 1);
    return 0;
}

int rs_config_store_spec(const struct rs_config *cfg, char *out, size_t cap)
{
    int n = cfg->store[0] ? snprintf(out, cap, "%s", cfg->store)
                          : snprintf(out, cap, "%s/ratsaal.db", cfg->data_dir);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Appends `len` bytes of `s` to `out` (holding `*n` bytes, `cap` with the NUL), as many as fit. */
static void append(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    if (*n + len >= cap)
        len = cap - 1 - *n;
    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = 0;
}

const char *rs_config_store_display(const char *spec, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return out;
    out[0] = 0;
    if (!is_pg_uri(spec)) {
        append(out, cap, &n, spec, strlen(spec));
        return out;
    }
    const char *rest = strstr(spec, "://") + 3;
    append(out, cap, &n, spec, (size_t)(rest - spec));
    size_t authority = strcspn(rest, "/?");
    const char *at = memrchr(rest, '@', authority); /* user[:password]@host */
    const char *host = at ? at + 1 : rest;
    append(out, cap, &n, host, (size_t)(rest + authority - host));
    const char *path = rest + authority;
    size_t path_len = strcspn(path, "?");
    append(out, cap, &n, path, path_len);
    char sep = '?';
    for (const char *q = path + path_len; *q;) { /* at '?' or '&': every parameter but password */
        const char *param = q + 1;
        size_t len = strcspn(param, "&");
        if (len > 0 && strncmp(param, "password=", 9) != 0) {
            append(out, cap, &n, &sep, 1);
            append(out, cap, &n, param, len);
            sep = '&';
        }
        q = param + len;
    }
    return out;
}

/* cluster_redis: empty (a single node), redis://[[user]:password@]host[:port][/db] or
 * unix:/path[?db=N]. Never echoed in an error: it may hold a password. */
static int parse_cluster_redis(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    bool printable = true;
    for (const char *c = value; *c; c++)
        printable &= *c > 0x20 && *c < 0x7f;
    if (n == 0) {
        cfg->cluster_redis[0] = 0;
        return 0;
    }
    bool tcp = strncmp(value, "redis://", 8) == 0 && n > 8;
    bool unix_socket = strncmp(value, "unix:/", 6) == 0 && n > 6;
    if (!tcp && !unix_socket) {
        snprintf(err, errlen,
                 "cluster_redis: expected redis://host[:port][/db] or unix:/path, or nothing "
                 "for a single node");
        return -EINVAL;
    }
    if (!printable || n >= sizeof(cfg->cluster_redis)) {
        snprintf(err, errlen, "cluster_redis: expected a URL of at most %zu characters without "
                 "blanks", sizeof(cfg->cluster_redis) - 1);
        return -EINVAL;
    }
    memcpy(cfg->cluster_redis, value, n + 1);
    return 0;
}

/* cluster_public_url: what node.h accepts as a node's url (clients are sent there):
 * http(s)://host[:port][/path], printable, no quotes, blanks, angle brackets, credentials,
 * query or fragment. A trailing slash is dropped (paths are appended). */
static int parse_cluster_url(struct rs_config *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    const char *host = strncmp(value, "https://", 8) == 0  ? value + 8
                       : strncmp(value, "http://", 7) == 0 ? value + 7
                                                           : NULL;
    bool ok = host && *host && *host != '/' && n <= RS_CONFIG_CLUSTER_URL_MAX;
    for (const char *c = value; ok && *c; c++)
        ok = *c > 0x20 && *c < 0x7f && !strchr("\"'<>@?#\\`{}|^", *c);
    if (n && !ok) {
        snprintf(err, errlen,
                 "cluster_public_url: expected http(s)://host[:port][/path] of at most %d "
                 "characters, without credentials, query or fragment, got '%.64s'",
                 RS_CONFIG_CLUSTER_URL_MAX, value);
        return -EINVAL;
    }
    memcpy(cfg->cluster_public_url, value, n + 1);
    while (n > 0 && cfg->cluster_public_url[n - 1] == '/')
        cfg->cluster_public_url[--n] = 0;
    return 0;
}

static int parse_cluster(struct rs_config *cfg, const char *key, const char *value, char *err,
                         size_t errlen)
{
    unsigned long v;
    if (strcmp(key, "cluster_redis") == 0)
        return parse_cluster_redis(cfg, value, err, errlen);
    if (strcmp(key, "cluster_public_url") == 0)
        return parse_cluster_url(cfg, value, err, errlen);
    if (strcmp(key, "cluster_secret") == 0) {
        size_t n = strlen(value);
        bool ok = n == 0 || (n >= 32 && n < sizeof(cfg->cluster_secret));
        for (const char *c = value; ok && *c; c++)
            ok = *c > 0x20 && *c < 0x7f;
        if (!ok) {
            snprintf(err, errlen,
                     "cluster_secret: expected 32 to %zu printable characters without blanks",
                     sizeof(cfg->cluster_secret) - 1);
            return -EINVAL;
        }
        memcpy(cfg->cluster_secret, value, n + 1);
        return 0;
    }
    if (strcmp(key, "cluster_node_id") == 0) {
        if (!is_node_id(value)) {
            snprintf(err, errlen,
                     "cluster_node_id: expected 1-%d of A-Z a-z 0-9 . _ -, got '%.80s'",
                     RS_CONFIG_NODE_ID_MAX, value);
            return -EINVAL;
        }
        snprintf(cfg->cluster_node_id, sizeof(cfg->cluster_node_id), "%s", value);
        return 0;
    }
    if (strcmp(key, "cluster_prefix") == 0) {
        if (!all_of(value, sizeof(cfg->cluster_prefix) - 1, ":._-")) {
            snprintf(err, errlen, "cluster_prefix: expected 1-%zu of A-Z a-z 0-9 : . _ -, got "
                     "'%.80s'", sizeof(cfg->cluster_prefix) - 1, value);
            return -EINVAL;
        }
        snprintf(cfg->cluster_prefix, sizeof(cfg->cluster_prefix), "%s", value);
        return 0;
    }
    if (strcmp(key, "cluster_ca_file") == 0) { /* read and checked at start (http/tls.c) */
        if (copy_str(cfg->cluster_ca_file, sizeof(cfg->cluster_ca_file), value)) {
            snprintf(err, errlen, "%s: longer than %zu bytes", key,
                     sizeof(cfg->cluster_ca_file) - 1);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "cluster_drain_timeout_s") == 0) {
        if (parse_uint(value, 1, 600, &v)) {
            snprintf(err, errlen, "%s: expected seconds 1-600, got '%s'", key, value);
            return -EINVAL;
        }
        cfg->cluster_drain_timeout_s = (unsigned)v;
        return 0;
    }
    unsigned *dst = strcmp(key, "cluster_node_ttl_ms") == 0    ? &cfg->cluster_node_ttl_ms
                    : strcmp(key, "cluster_lease_ttl_ms") == 0 ? &cfg->cluster_lease_ttl_ms
                                                               : NULL;
    if (!dst) {
        snprintf(err, errlen, "%s: unknown setting", key);
        return -EINVAL;
    }
    if (parse_uint(value, RS_CONFIG_CLUSTER_TTL_MIN, RS_CONFIG_CLUSTER_TTL_MAX, &v)) {
        snprintf(err, errlen, "%s: expected milliseconds %d-%d, got '%s'", key,
                 RS_CONFIG_CLUSTER_TTL_MIN, RS_CONFIG_CLUSTER_TTL_MAX, value);
        return -EINVAL;
    }
    *dst = (unsigned)v;
    return 0;
}

/* retention_attendance_days, retention_minutes_days, retention_votes_days: `off` (keep for
 * ever) or 1 to RS_CONFIG_RETENTION_DAYS_MAX days. A 0 is refused: it reads as "delete at once"
 * as easily as "keep for ever", and a record deleted by mistake does not come back. */
static int parse_retention(struct rs_config *cfg, const char *key, const char *value, char *err,
                           size_t errlen)
{
    unsigned *dst = strcmp(key, "retention_attendance_days") == 0 ? &cfg->retention_attendance_days
                    : strcmp(key, "retention_minutes_days") == 0  ? &cfg->retention_minutes_days
                    : strcmp(key, "retention_votes_days") == 0    ? &cfg->retention_votes_days
                                                                  : NULL;
    unsigned long v;
    if (!dst) {
        snprintf(err, errlen, "%s: unknown setting", key);
        return -ENOENT;
    }
    if (strcmp(value, "off") == 0) {
        *dst = 0;
        return 0;
    }
    if (strcmp(value, "0") == 0) {
        snprintf(err, errlen,
                 "%s: 0 is ambiguous; write off to keep the records for ever, or a number of "
                 "days 1-%d",
                 key, RS_CONFIG_RETENTION_DAYS_MAX);
        return -EINVAL;
    }
    if (parse_uint(value, 1, RS_CONFIG_RETENTION_DAYS_MAX, &v)) {
        snprintf(err, errlen, "%s: expected off or a number of days 1-%d, got '%s'", key,
                 RS_CONFIG_RETENTION_DAYS_MAX, value);
        return -EINVAL;
    }
    *dst = (unsigned)v;
    return 0;
}

int rs_config_set(struct rs_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen)
{
    unsigned long v;
    if (strcmp(key, "listen") == 0)
        return parse_listen(cfg, value, err, errlen);
    if (strcmp(key, "data_dir") == 0 || strcmp(key, "web_root") == 0) {
        char *dst = key[0] == 'd' ? cfg->data_dir : cfg->web_root;
        if (!*value || copy_str(dst, RS_CONFIG_PATH_MAX, value)) {
            snprintf(err, errlen, "%s: expected a path of 1 to %d bytes", key,
                     RS_CONFIG_PATH_MAX - 1);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "store") == 0)
        return parse_store(cfg, value, err, errlen);
    if (strncmp(key, "cluster_", 8) == 0)
        return parse_cluster(cfg, key, value, err, errlen);
    if (strcmp(key, "udp_port") == 0) {
        if (parse_uint(value, 1, 65535, &v)) {
            snprintf(err, errlen, "udp_port: expected a port 1-65535, got '%s'", value);
            return -EINVAL;
        }
        cfg->udp_port = (uint16_t)v;
        return 0;
    }
    if (strcmp(key, "media_workers") == 0) {
        if (strcmp(value, "auto") == 0) {
            cfg->media_workers = 0;
            return 0;
        }
        if (parse_uint(value, 1, RS_CONFIG_MEDIA_WORKERS_MAX, &v)) {
            snprintf(err, errlen, "media_workers: expected auto or 1-%d, got '%s'",
                     RS_CONFIG_MEDIA_WORKERS_MAX, value);
            return -EINVAL;
        }
        cfg->media_workers = (unsigned)v;
        return 0;
    }
    if (strcmp(key, "spread_rooms_above") == 0) {
        if (parse_uint(value, 0, 10000, &v)) {
            snprintf(err, errlen,
                     "spread_rooms_above: expected participants 0-10000 (0: never), got '%s'",
                     value);
            return -EINVAL;
        }
        cfg->spread_rooms_above = (unsigned)v;
        return 0;
    }
    if (strcmp(key, "public_ip") == 0) {
        if (*value && !is_ip_literal(value)) {
            snprintf(err, errlen, "public_ip: expected an IPv4 or IPv6 address, got '%s'", value);
            return -EINVAL;
        }
        return copy_str(cfg->public_ip, sizeof(cfg->public_ip), value);
    }
    if (strcmp(key, "log_level") == 0) {
        if (rs_log_parse_level(value, &cfg->log_level)) {
            snprintf(err, errlen, "log_level: expected debug, info, warn or error, got '%s'",
                     value);
            return -EINVAL;
        }
        return 0;
    }
    struct {
        const char *name;
        unsigned *dst;
        unsigned long min, max;
    } ints[] = {
        {"max_participants", &cfg->max_participants, 2, 10000},
        {"chat_history", &cfg->chat_history, 0, 500},
        {"rate_per_s", &cfg->rate_per_s, 1, 1000},
        {"last_n", &cfg->last_n, 0, 100},
        {"session_hours", &cfg->session_hours, 1, 720},
        {"invite_grace_h", &cfg->invite_grace_h, 0, 168},
        {"login_rate_per_min", &cfg->login_rate_per_min, 1, 10000},
        {"join_rate_per_min", &cfg->join_rate_per_min, 1, 10000},
        {"max_connections", &cfg->max_connections, 16, 100000},
        {"max_connections_per_ip", &cfg->max_connections_per_ip, 1, 100000},
        {"header_timeout_s", &cfg->header_timeout_s, 1, 60},
        {"join_timeout_s", &cfg->join_timeout_s, 1, 3600},
        {"password_rate_per_min", &cfg->password_rate_per_min, 1, 10000},
        {"meeting_password_rate_per_min", &cfg->meeting_password_rate_per_min, 1, 10000},
        {"recording_retention_days", &cfg->recording_retention_days, 1, 3650},
        {"turn_ttl", &cfg->turn_ttl, 60, 86400},
        {"resume_grace_s", &cfg->resume_grace_s, 5, 3600},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (strcmp(key, ints[i].name) == 0) {
            if (parse_uint(value, ints[i].min, ints[i].max, &v)) {
                snprintf(err, errlen, "%s: expected a whole number %lu-%lu, got '%s'", key,
                         ints[i].min, ints[i].max, value);
                return -EINVAL;
            }
            *ints[i].dst = (unsigned)v;
            return 0;
        }
    }
    if (strcmp(key, "ice_server") == 0)
        return parse_ice_server(cfg, value, err, errlen);
    if (strcmp(key, "rtmp_target") == 0)
        return parse_rtmp_target(cfg, value, err, errlen);
    if (strcmp(key, "turn_server") == 0)
        return parse_turn_server(cfg, value, err, errlen);
    if (strcmp(key, "turn_secret") == 0)
        return parse_turn_secret(cfg, value, err, errlen);
    if (strncmp(key, "retention_", 10) == 0)
        return parse_retention(cfg, key, value, err, errlen);
    if (strcmp(key, "recording_format") == 0) {
        if (strcmp(value, "mp4") == 0)
            cfg->recording_format = RS_RECORDING_MP4;
        else if (strcmp(value, "webm") == 0)
            cfg->recording_format = RS_RECORDING_WEBM;
        else {
            snprintf(err, errlen, "recording_format: expected mp4 or webm, got '%s'", value);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "recorder_path") == 0 || strcmp(key, "recordings_dir") == 0 ||
        strcmp(key, "live_dir") == 0) {
        char *dst = key[0] == 'l' ? cfg->live_dir
                    : key[8] == '_' ? cfg->recorder_path
                                    : cfg->recordings_dir;
        if (copy_str(dst, RS_CONFIG_PATH_MAX, value)) {
            snprintf(err, errlen, "%s: longer than %d bytes", key, RS_CONFIG_PATH_MAX - 1);
            return -EINVAL;
        }
        return 0;
    }
    struct {
        const char *name;
        char *dst;
        size_t cap;
        int url; /* 1: URL (https, or http on loopback) */
    } strs[] = {
        {"public_url", cfg->public_url, sizeof(cfg->public_url), 2},
        {"imprint_url", cfg->imprint_url, sizeof(cfg->imprint_url), 2},
        {"privacy_url", cfg->privacy_url, sizeof(cfg->privacy_url), 2},
        {"oidc_issuer", cfg->oidc_issuer, sizeof(cfg->oidc_issuer), 1},
        {"oidc_client_id", cfg->oidc_client_id, sizeof(cfg->oidc_client_id), 0},
        {"oidc_client_secret", cfg->oidc_client_secret, sizeof(cfg->oidc_client_secret), 0},
        {"oidc_groups_claim", cfg->oidc_groups_claim, sizeof(cfg->oidc_groups_claim), 0},
        {"oidc_admin_group", cfg->oidc_admin_group, sizeof(cfg->oidc_admin_group), 0},
        {"oidc_moderator_group", cfg->oidc_moderator_group, sizeof(cfg->oidc_moderator_group), 0},
        {"oidc_tenant_claim", cfg->oidc_tenant_claim, sizeof(cfg->oidc_tenant_claim), 0},
        {"tls_cert", cfg->tls_cert, sizeof(cfg->tls_cert), 0},
        {"tls_key", cfg->tls_key, sizeof(cfg->tls_key), 0},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        if (strcmp(key, strs[i].name) != 0)
            continue;
        if (strs[i].url && *value && !is_url(value, strs[i].url == 1)) {
            snprintf(err, errlen, "%s: expected an https:// URL%s, got '%s'", key,
                     strs[i].url == 1 ? " (http:// only on loopback)" : " or http://", value);
            return -EINVAL;
        }
        if (copy_str(strs[i].dst, strs[i].cap, value)) {
            snprintf(err, errlen, "%s: longer than %zu bytes", key, strs[i].cap - 1);
            return -EINVAL;
        }
        if (strs[i].url) { /* no trailing slash: paths are appended */
            size_t n = strlen(strs[i].dst);
            while (n > 0 && strs[i].dst[n - 1] == '/')
                strs[i].dst[--n] = 0;
        }
        return 0;
    }
    if (strcmp(key, "anonymous_meetings") == 0) {
        if (strcmp(value, "auto") == 0)
            cfg->anonymous_meetings = RS_ANON_AUTO;
        else if (strcmp(value, "on") == 0)
            cfg->anonymous_meetings = RS_ANON_ON;
        else if (strcmp(value, "off") == 0)
            cfg->anonymous_meetings = RS_ANON_OFF;
        else {
            snprintf(err, errlen, "anonymous_meetings: expected auto, on or off, got '%s'",
                     value);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "trusted_proxies") == 0 || strcmp(key, "metrics_allow") == 0) {
        struct rs_cidr_list *l = key[0] == 't' ? &cfg->trusted_proxies : &cfg->metrics_allow;
        char why[160];
        if (!*value) { /* an empty value clears the list */
            memset(l, 0, sizeof(*l));
            return 0;
        }
        if (rs_cidr_list_add(l, value, why, sizeof(why))) {
            snprintf(err, errlen, "%s: %s", key, why);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "trusted_proxy_header") == 0) {
        if (strcasecmp(value, "x-forwarded-for") == 0)
            cfg->trusted_proxy_header = RS_PROXY_HEADER_XFF;
        else if (strcasecmp(value, "forwarded") == 0)
            cfg->trusted_proxy_header = RS_PROXY_HEADER_FORWARDED;
        else {
            snprintf(err, errlen, "trusted_proxy_header: expected x-forwarded-for or forwarded, "
                                  "got '%s'",
                     value);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "metrics_token") == 0) {
        size_t n = strlen(value);
        int printable = 1;
        for (const char *c = value; *c; c++)
            printable &= *c > 0x20 && *c < 0x7f;
        if (n && (n < 16 || n >= sizeof(cfg->metrics_token) || !printable)) {
            snprintf(err, errlen,
                     "metrics_token: expected 16 to %zu printable characters without blanks",
                     sizeof(cfg->metrics_token) - 1);
            return -EINVAL;
        }
        memcpy(cfg->metrics_token, value, n + 1);
        return 0;
    }
    if (strcmp(key, "udp_gso") == 0) {
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            snprintf(err, errlen, "udp_gso: expected on or off, got '%s'", value);
            return -EINVAL;
        }
        cfg->udp_gso_off = value[1] == 'f';
        return 0;
    }
    if (strcmp(key, "ice_tcp") == 0) {
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            snprintf(err, errlen, "ice_tcp: expected on or off, got '%s'", value);
            return -EINVAL;
        }
        cfg->ice_tcp_off = value[1] == 'f';
        return 0;
    }
    if (strcmp(key, "ice_tcp_port") == 0) {
        if (parse_uint(value, 0, 65535, &v)) {
            snprintf(err, errlen,
                     "ice_tcp_port: expected 0 (each worker's UDP port) or a port 1-65535, got "
                     "'%s'",
                     value);
            return -EINVAL;
        }
        cfg->ice_tcp_port = (uint16_t)v;
        return 0;
    }
    if (strcmp(key, "ice_tcp_listen") == 0) {
        if (*value && !is_ip_literal(value)) {
            snprintf(err, errlen, "ice_tcp_listen: expected an IPv4 or IPv6 address, got '%s'",
                     value);
            return -EINVAL;
        }
        return copy_str(cfg->ice_tcp_listen, sizeof(cfg->ice_tcp_listen), value);
    }
    snprintf(err, errlen, "%s: unknown setting", key);
    return -ENOENT;
}

static void trim(char **start, char **end)
{
    while (*start < *end && (**start == ' ' || **start == '\t'))
        (*start)++;
    while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
        (*end)--;
}

int rs_config_parse(struct rs_config *cfg, const char *text, size_t len, const char *origin,
                    char *err, size_t errlen)
{
    if (len > CONFIG_FILE_MAX) {
        snprintf(err, errlen, "%s: file is larger than %d bytes", origin, CONFIG_FILE_MAX);
        return -EINVAL;
    }
    size_t pos = 0;
    unsigned lineno = 0;
    while (pos < len) {
        lineno++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char line[CONFIG_LINE_MAX + 1];
        if (linelen > CONFIG_LINE_MAX) {
            snprintf(err, errlen, "%s:%u: line is longer than %d bytes", origin, lineno,
                     CONFIG_LINE_MAX);
            return -EINVAL;
        }
        memcpy(line, text + pos, linelen);
        line[linelen] = 0;
        pos += linelen + (nl ? 1 : 0);
        if (memchr(line, 0, linelen)) {
            snprintf(err, errlen, "%s:%u: contains a NUL byte", origin, lineno);
            return -EINVAL;
        }
        char *s = line, *e = line + linelen;
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        *e = 0;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected 'key = value'", origin, lineno);
            return -EINVAL;
        }
        char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        *ke = 0;
        *ve = 0;
        if (!*ks) {
            snprintf(err, errlen, "%s:%u: missing key before '='", origin, lineno);
            return -EINVAL;
        }
        char why[256];
        if (rs_config_set(cfg, ks, vs, why, sizeof(why))) {
            snprintf(err, errlen, "%s:%u: %s", origin, lineno, why);
            return -EINVAL;
        }
    }
    return 0;
}

int rs_config_load(struct rs_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    static char buf[CONFIG_FILE_MAX + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        snprintf(err, errlen, "%s: read error", path);
        return -EIO;
    }
    return rs_config_parse(cfg, buf, n, path, err, errlen);
}

unsigned rs_config_media_workers(const struct rs_config *cfg)
{
    if (cfg->media_workers)
        return cfg->media_workers;
    /* the CPUs this process may run on (taskset, cpuset cgroups), not every CPU of the host */
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                          : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > RS_CONFIG_MEDIA_WORKERS_MAX ? RS_CONFIG_MEDIA_WORKERS_MAX : (unsigned)n;
}

int rs_config_validate(const struct rs_config *cfg, char *err, size_t errlen)
{
    int wildcard = strcmp(cfg->listen_addr, "*") == 0 || strcmp(cfg->listen_addr, "0.0.0.0") == 0 ||
                   strcmp(cfg->listen_addr, "::") == 0;
    if (cfg->oidc_issuer[0] && !cfg->oidc_client_id[0]) {
        snprintf(err, errlen, "oidc_client_id: required when oidc_issuer is set");
        return -EINVAL;
    }
    if (wildcard && !cfg->public_ip[0]) {
        snprintf(err, errlen,
                 "public_ip: required when listen is a wildcard address (it is the address "
                 "browsers send media to)");
        return -EINVAL;
    }
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        int has_cert = cfg->tls_cert[0] != 0;
        snprintf(err, errlen, "%s: required when %s is set (TLS needs both files)",
                 has_cert ? "tls_key" : "tls_cert", has_cert ? "tls_cert" : "tls_key");
        return -EINVAL;
    }
    if (cfg->tls_cert[0] && strncmp(cfg->public_url, "http://", 7) == 0) {
        snprintf(err, errlen,
                 "public_url: must be https:// when tls_cert is set (the server "
                 "itself serves HTTPS)");
        return -EINVAL;
    }
    if (cfg->max_connections_per_ip > cfg->max_connections) {
        snprintf(err, errlen,
                 "max_connections_per_ip: %u is more than max_connections (%u); raise "
                 "max_connections too",
                 cfg->max_connections_per_ip, cfg->max_connections);
        return -EINVAL;
    }
    if (!cfg->n_turn_servers != !cfg->turn_secret[0]) {
        snprintf(err, errlen, "%s",
                 cfg->n_turn_servers ? "turn_secret: required when turn_server is set (the "
                                       "credentials are computed from it)"
                                     : "turn_server: required when turn_secret is set");
        return -EINVAL;
    }
    unsigned workers = rs_config_media_workers(cfg);
    if ((unsigned)cfg->udp_port + workers - 1 > 65535) {
        snprintf(err, errlen,
                 "udp_port: %u media workers need UDP ports %u-%u, past 65535 (lower udp_port "
                 "or media_workers)",
                 workers, (unsigned)cfg->udp_port, (unsigned)cfg->udp_port + workers - 1);
        return -EINVAL;
    }
    if (!cfg->ice_tcp_off && cfg->ice_tcp_port && workers > 1) {
        /* a connection would have to reach the worker of its room; the kernel cannot tell */
        snprintf(err, errlen,
                 "ice_tcp_port: one TCP port for every worker needs media_workers = 1 (%u "
                 "workers here); use ice_tcp_port = 0 (each worker on its UDP port's number)",
                 workers);
        return -EINVAL;
    }
    if (cfg->cluster_redis[0]) {
        if (!cfg->store[0]) {
            snprintf(err, errlen,
                     "cluster_redis: a cluster needs store = postgresql://… (nodes cannot share "
                     "one SQLite file)");
            return -EINVAL;
        }
        if (!cfg->cluster_node_id[0]) {
            snprintf(err, errlen,
                     "cluster_node_id: required with cluster_redis (the host name is not a "
                     "valid id: 1-%d of A-Z a-z 0-9 . _ -)", RS_CONFIG_NODE_ID_MAX);
            return -EINVAL;
        }
        if (!cfg->cluster_public_url[0]) {
            snprintf(err, errlen,
                     "cluster_public_url: required with cluster_redis (where clients reach "
                     "this node, e.g. https://meet.example.org/n/%s)", cfg->cluster_node_id);
            return -EINVAL;
        }
    }
    return 0;
}
