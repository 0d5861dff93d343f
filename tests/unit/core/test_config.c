/* SPDX-License-Identifier: EUPL-1.2 */
/* Config parsing: defaults, every key, and one clear error per kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

#include "core/config.h"

static int parse(struct rs_config *cfg, const char *text, char *err)
{
    rs_config_defaults(cfg);
    return rs_config_parse(cfg, text, strlen(text), "test.conf", err, 256);
}

static void test_defaults(void **state)
{
    struct rs_config cfg;
    rs_config_defaults(&cfg);
    assert_string_equal(cfg.listen_addr, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_int_equal(cfg.udp_port, 40000);
    assert_string_equal(cfg.data_dir, "./var");
    assert_int_equal(cfg.max_participants, 100);
    assert_int_equal(cfg.chat_history, 50);
}

static void test_full_file(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    const char *text = "# comment\n"
                       "\n"
                       "listen = 0.0.0.0:9000\r\n"
                       "  data_dir =   /srv/ratsaal  \n"
                       "udp_port=41000\n"
                       "public_ip = 192.0.2.7\n"
                       "log_level = debug\n"
                       "max_participants = 250\n"
                       "chat_history = 0\n"
                       "rate_per_s = 5\n"
                       "ice_server = stun:stun.example.org:3478\n"
                       "ice_server = turn:turn.example.org:3478?transport=udp user secret\n"
                       "web_root = /usr/share/ratsaal/web";
    assert_int_equal(parse(&cfg, text, err), 0);
    assert_string_equal(cfg.listen_addr, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9000);
    assert_string_equal(cfg.data_dir, "/srv/ratsaal");
    assert_int_equal(cfg.udp_port, 41000);
    assert_string_equal(cfg.public_ip, "192.0.2.7");
    assert_int_equal(cfg.log_level, RS_LOG_DEBUG);
    assert_int_equal(cfg.max_participants, 250);
    assert_int_equal(cfg.chat_history, 0);
    assert_int_equal(cfg.rate_per_s, 5);
    assert_int_equal(cfg.n_ice_servers, 2);
    assert_string_equal(cfg.ice_servers[1].username, "user");
    assert_string_equal(cfg.ice_servers[1].credential, "secret");
    assert_string_equal(cfg.web_root, "/usr/share/ratsaal/web");
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
}

static void test_ipv6_listen(void **state)
{
    struct rs_config cfg;
    char err[256];
    assert_int_equal(parse(&cfg, "listen = [::1]:8443\n", err), 0);
    assert_string_equal(cfg.listen_addr, "::1");
    assert_int_equal(cfg.listen_port, 8443);
}

struct bad_case {
    const char *text;
    const char *expect; /* substring of the error */
};

static void test_errors_name_key_and_line(void **state)
{
    static const struct bad_case cases[] = {
        {"listen = nowhere\n", "test.conf:1: listen:"},
        {"listen = 127.0.0.1:0\n", "listen:"},
        {"listen = 127.0.0.1:70000\n", "listen:"},
        {"# ok\nudp_port = abc\n", "test.conf:2: udp_port:"},
        {"udp_port = -1\n", "udp_port:"},
        {"udp_port = 99999999999999999999\n", "udp_port:"},
        {"max_participants = 1\n", "max_participants: expected a whole number 2-10000"},
        {"chat_history = 501\n", "chat_history:"},
        {"log_level = loud\n", "log_level:"},
        {"public_ip = example.org\n", "public_ip:"},
        {"colour = blue\n", "colour: unknown setting"},
        {"just words\n", "expected 'key = value'"},
        {"= value\n", "missing key"},
        {"ice_server = http://x\n", "ice_server:"},
        {"ice_server = turn:x:3478\n", "ice_server:"},
        {"data_dir =\n", "data_dir:"},
        {"udp_gso = yes\n", "udp_gso: expected on or off"},
        {"media_workers = 0\n", "media_workers: expected auto or 1-16"},
        {"media_workers = 17\n", "media_workers: expected auto or 1-16"},
        {"media_workers = many\n", "media_workers:"},
        {"media_workers =\n", "media_workers:"},
        {"spread_rooms_above = -1\n", "spread_rooms_above: expected participants 0-10000"},
        {"spread_rooms_above = 10001\n", "spread_rooms_above:"},
        {"trusted_proxies = proxy.example.org\n", "trusted_proxies: 'proxy.example.org' is not"},
        {"trusted_proxies = 10.0.0.1/8\n", "trusted_proxies: '10.0.0.1/8'"},
        {"trusted_proxy_header = x-real-ip\n", "trusted_proxy_header: expected x-forwarded-for"},
        {"metrics_allow = 10.0.0.0/33\n", "metrics_allow: '10.0.0.0/33'"},
        {"metrics_token = short\n", "metrics_token: expected 16 to 128 printable"},
        {"metrics_token = has a blank in it ok\n", "metrics_token:"},
        {"password_rate_per_min = 0\n", "password_rate_per_min: expected a whole number"},
        {"meeting_password_rate_per_min = 0\n", "meeting_password_rate_per_min:"},
        {"recording_retention_days = 0\n", "recording_retention_days: expected a whole number"},
        {"recording_format = avi\n", "recording_format: expected mp4 or webm"},
        {"rtmp_target = yt http://x/live/key\n", "rtmp_target: expected"},
        {"rtmp_target = YT rtmp://x/live/key\n", "rtmp_target: expected"},
        {"rtmp_target = yt\n", "rtmp_target: expected"},
        {"rtmp_target = a rtmp://x/a\nrtmp_target = a rtmp://y/b\n", "'a' is used twice"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rs_config cfg;
        char err[256] = "";
        int rc = parse(&cfg, cases[i].text, err);
        if (rc == 0 || !strstr(err, cases[i].expect))
            fail_msg("case %zu (%s): rc=%d err='%s'", i, cases[i].text, rc, err);
    }
}

static void test_recording_settings(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    assert_int_equal(parse(&cfg, "", err), 0);
    assert_int_equal(cfg.recording_retention_days, 30);
    assert_int_equal(cfg.recording_format, RS_RECORDING_MP4);
    assert_int_equal(cfg.n_rtmp_targets, 0);
    assert_string_equal(cfg.recordings_dir, "");
    const char *text = "recording_retention_days = 90\n"
                       "recording_format = webm\n"
                       "recorder_path = /usr/lib/ratsaal/ratsaal-recorder\n"
                       "recordings_dir = /srv/ratsaal/rec\n"
                       "live_dir = /run/ratsaal/live\n"
                       "rtmp_target = owncast rtmp://127.0.0.1:1935/live/abc Owncast im Rathaus\n"
                       "rtmp_target = yt rtmps://a.rtmp.youtube.com/live2/xyz\n";
    assert_int_equal(parse(&cfg, text, err), 0);
    assert_int_equal(cfg.recording_retention_days, 90);
    assert_int_equal(cfg.recording_format, RS_RECORDING_WEBM);
    assert_string_equal(cfg.recorder_path, "/usr/lib/ratsaal/ratsaal-recorder");
    assert_string_equal(cfg.recordings_dir, "/srv/ratsaal/rec");
    assert_string_equal(cfg.live_dir, "/run/ratsaal/live");
    assert_int_equal(cfg.n_rtmp_targets, 2);
    assert_string_equal(cfg.rtmp_targets[0].id, "owncast");
    assert_string_equal(cfg.rtmp_targets[0].url, "rtmp://127.0.0.1:1935/live/abc");
    assert_string_equal(cfg.rtmp_targets[0].name, "Owncast im Rathaus");
    assert_string_equal(cfg.rtmp_targets[1].name, "yt"); /* the id when no name is given */
}

/* Meetings' records are kept until a period is set; a period is `off` or 1-36500 days, and
 * every other value stops the server at start with a line naming the key. */
static void test_retention_settings(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    assert_int_equal(parse(&cfg, "", err), 0);
    assert_int_equal(cfg.retention_attendance_days, 0);
    assert_int_equal(cfg.retention_minutes_days, 0);
    assert_int_equal(cfg.retention_votes_days, 0);
    assert_int_equal(parse(&cfg,
                           "retention_attendance_days = 365\n"
                           "retention_minutes_days = 1\n"
                           "retention_votes_days = 36500\n",
                           err),
                     0);
    assert_int_equal(cfg.retention_attendance_days, 365);
    assert_int_equal(cfg.retention_minutes_days, 1);
    assert_int_equal(cfg.retention_votes_days, RS_CONFIG_RETENTION_DAYS_MAX);
    /* off again (a later line wins, as for every key) */
    assert_int_equal(parse(&cfg, "retention_votes_days = 30\nretention_votes_days = off\n", err),
                     0);
    assert_int_equal(cfg.retention_votes_days, 0);

    static const struct bad_case cases[] = {
        {"retention_attendance_days = 0\n",
         "test.conf:1: retention_attendance_days: 0 is ambiguous; write off to keep the records "
         "for ever, or a number of days 1-36500"},
        {"retention_minutes_days = -1\n",
         "retention_minutes_days: expected off or a number of days 1-36500, got '-1'"},
        {"retention_votes_days = 36501\n", "retention_votes_days: expected off or a number"},
        {"retention_votes_days = 99999999999999999999\n", "retention_votes_days: expected off"},
        {"retention_votes_days = 00\n", "retention_votes_days: expected off"},
        {"retention_votes_days = 1.5\n", "retention_votes_days: expected off"},
        {"retention_votes_days = never\n", "retention_votes_days: expected off"},
        {"retention_votes_days = OFF\n", "retention_votes_days: expected off"},
        {"retention_votes_days =\n", "retention_votes_days: expected off"},
        {"retention_chat_days = 30\n", "retention_chat_days: unknown setting"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[256] = "";
        int rc = parse(&cfg, cases[i].text, line);
        if (rc == 0 || !strstr(line, cases[i].expect))
            fail_msg("case %zu (%s): rc=%d err='%s'", i, cases[i].text, rc, line);
    }
}

/* The database: SQLite in data_dir unless `store` names a PostgreSQL URI; anything else stops
 * the server with a line that names the key but never echoes the value (it may hold a
 * password). */
static void test_store_setting(void **state)
{
    struct rs_config cfg;
    char err[256] = "", spec[RS_CONFIG_STORE_MAX + RS_CONFIG_PATH_MAX], shown[256];
    assert_int_equal(parse(&cfg, "data_dir = /srv/ratsaal\n", err), 0);
    assert_string_equal(cfg.store, "");
    assert_int_equal(rs_config_store_spec(&cfg, spec, sizeof(spec)), 0);
    assert_string_equal(spec, "/srv/ratsaal/ratsaal.db");
    assert_int_equal(rs_config_store_spec(&cfg, spec, 10), -ENAMETOOLONG);

    assert_int_equal(parse(&cfg, "store = postgresql:///ratsaal?host=/run/postgresql\n", err), 0);
    assert_string_equal(cfg.store, "postgresql:///ratsaal?host=/run/postgresql");
    assert_int_equal(rs_config_store_spec(&cfg, spec, sizeof(spec)), 0);
    assert_string_equal(spec, "postgresql:///ratsaal?host=/run/postgresql");
    assert_int_equal(parse(&cfg, "store = postgres://ratsaal:s3cret@db.example.org:5433/rs\n", err),
                     0);
    assert_string_equal(cfg.store, "postgres://ratsaal:s3cret@db.example.org:5433/rs");
    /* empty again: back to SQLite (a later line wins) */
    assert_int_equal(parse(&cfg, "store = postgresql://db/rs\nstore =\n", err), 0);
    assert_string_equal(cfg.store, "");

    static const struct bad_case cases[] = {
        {"store = ./var/ratsaal.db\n", "test.conf:1: store: expected a postgresql:// URI, or "
                                       "nothing for SQLite"},
        {"store = sqlite:///var/lib/ratsaal/ratsaal.db\n", "store: expected a postgresql://"},
        {"store = mysql://db/rs\n", "store: expected a postgresql://"},
        {"store = POSTGRESQL://db/rs\n", "store: expected a postgresql://"},
        {"store = postgresql://db/rs?options=-c search_path=x\n",
         "store: expected a URI of at most 1023 characters without blanks"},
        {"store = postgresql://db/rs\tx\n", "store: expected a URI"},
        {"store = host=/run/postgresql dbname=ratsaal\n", "store: expected a postgresql://"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[256] = "";
        int rc = parse(&cfg, cases[i].text, line);
        if (rc == 0 || !strstr(line, cases[i].expect))
            fail_msg("case %zu (%s): rc=%d err='%s'", i, cases[i].text, rc, line);
    }
    /* the value is never echoed: a password in it stays out of the error */
    assert_int_not_equal(parse(&cfg, "store = postgresql://u:pw-secret@db/rs x\n", err), 0);
    assert_null(strstr(err, "pw-secret"));
    char longer[1100]; /* longer than a config line may be: only through rs_config_set */
    snprintf(longer, sizeof(longer), "postgresql://db/%01010d", 0);
    assert_int_equal(rs_config_set(&cfg, "store", longer, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "store: expected a URI of at most 1023"));

    /* what logs and messages show: no user information, no password parameter */
    static const struct {
        const char *spec, *shown;
    } display[] = {
        {"postgresql://ratsaal:s3cret@db.example.org:5433/rs?sslmode=verify-full",
         "postgresql://db.example.org:5433/rs?sslmode=verify-full"},
        {"postgres://ratsaal@db/rs", "postgres://db/rs"},
        {"postgresql://u:p@ss@[::1]/rs", "postgresql://[::1]/rs"},
        {"postgresql:///ratsaal?host=/run/postgresql&user=ratsaal",
         "postgresql:///ratsaal?host=/run/postgresql&user=ratsaal"},
        {"postgresql://db/rs?password=s3cret&sslmode=require",
         "postgresql://db/rs?sslmode=require"},
        {"postgresql://db/rs?sslmode=require&password=s3cret",
         "postgresql://db/rs?sslmode=require"},
        {"postgresql://db/rs?password=s3cret", "postgresql://db/rs"},
        {"postgresql://u:pw@/rs?host=/tmp", "postgresql:///rs?host=/tmp"},
        {"postgresql://", "postgresql://"},
        {"/var/lib/ratsaal/ratsaal.db", "/var/lib/ratsaal/ratsaal.db"},
    };
    for (size_t i = 0; i < sizeof(display) / sizeof(display[0]); i++) {
        const char *got = rs_config_store_display(display[i].spec, shown, sizeof(shown));
        assert_ptr_equal(got, shown);
        if (strcmp(shown, display[i].shown) != 0)
            fail_msg("display %zu: '%s' shown as '%s'", i, display[i].spec, shown);
    }
    /* truncated, still terminated */
    rs_config_store_display("postgresql://u:pw@db.example.org/ratsaal", shown, 16);
    assert_string_equal(shown, "postgresql://db");
}

/* The cluster: off unless cluster_redis is set; then it needs PostgreSQL, a node id and the
 * node's public URL. The Redis URL is never echoed (it may hold a password). */
static void test_cluster_settings(void **state)
{
    struct rs_config cfg;
    char err[256] = "", host[256];
    rs_config_defaults(&cfg);
    assert_string_equal(cfg.cluster_redis, "");
    assert_string_equal(cfg.cluster_prefix, "ratsaal:");
    assert_int_equal(cfg.cluster_node_ttl_ms, 5000);
    assert_int_equal(cfg.cluster_lease_ttl_ms, 5000);
    if (gethostname(host, sizeof(host)) == 0 && strlen(host) <= 64 && !strpbrk(host, ":/ "))
        assert_string_equal(cfg.cluster_node_id, host);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0); /* single node */

    const char *good = "store = postgresql:///ratsaal?host=/run/postgresql\n"
                       "cluster_redis = redis://:s3cret@10.0.0.5:6379/2\n"
                       "cluster_node_id = node-a.1_x\n"
                       "cluster_public_url = https://meet.example.org/n/node-a.1_x/\n"
                       "cluster_prefix = rs:prod:\n"
                       "cluster_node_ttl_ms = 3000\n"
                       "cluster_lease_ttl_ms = 10000\n"
                       "cluster_ca_file = /etc/ratsaal/cluster-ca.pem\n";
    assert_string_equal(cfg.cluster_ca_file, ""); /* default: the system's CA store */
    assert_int_equal(parse(&cfg, good, err), 0);
    assert_string_equal(cfg.cluster_ca_file, "/etc/ratsaal/cluster-ca.pem");
    assert_string_equal(cfg.cluster_redis, "redis://:s3cret@10.0.0.5:6379/2");
    assert_string_equal(cfg.cluster_node_id, "node-a.1_x");
    assert_string_equal(cfg.cluster_public_url, "https://meet.example.org/n/node-a.1_x");
    assert_string_equal(cfg.cluster_prefix, "rs:prod:");
    assert_int_equal(cfg.cluster_node_ttl_ms, 3000);
    assert_int_equal(cfg.cluster_lease_ttl_ms, 10000);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_int_equal(parse(&cfg, "cluster_redis = unix:/run/redis/redis.sock?db=1\n", err), 0);
    assert_string_equal(cfg.cluster_redis, "unix:/run/redis/redis.sock?db=1");
    assert_int_equal(parse(&cfg, "cluster_public_url = http://127.0.0.1:8081\n", err), 0);
    assert_string_equal(cfg.cluster_public_url, "http://127.0.0.1:8081");

    static const struct bad_case cases[] = {
        {"cluster_redis = localhost:6379\n", "test.conf:1: cluster_redis: expected redis://"},
        {"cluster_redis = rediss://db\n", "cluster_redis: expected redis://"},
        {"cluster_redis = redis://\n", "cluster_redis: expected redis://"},
        {"cluster_redis = unix:run/redis.sock\n", "cluster_redis: expected redis://"},
        {"cluster_redis = redis://a b\n", "cluster_redis: expected a URL of at most 511"},
        {"cluster_node_id = a:b\n", "cluster_node_id: expected 1-64 of"},
        {"cluster_node_id = a/b\n", "cluster_node_id: expected 1-64 of"},
        {"cluster_node_id =\n", "cluster_node_id: expected 1-64 of"},
        {"cluster_node_id = "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         "cluster_node_id: expected 1-64 of"},
        {"cluster_public_url = meet.example.org\n", "cluster_public_url: expected http(s)://"},
        {"cluster_public_url = https://\n", "cluster_public_url: expected http(s)://"},
        {"cluster_public_url = https://u:p@meet.example.org\n", "cluster_public_url: expected"},
        {"cluster_public_url = https://meet.example.org/?x=1\n", "cluster_public_url: expected"},
        {"cluster_public_url = https://meet.example.org/\"x\n", "cluster_public_url: expected"},
        {"cluster_public_url = https://meet.example.org/#a\n", "cluster_public_url: expected"},
        {"cluster_prefix =\n", "cluster_prefix: expected 1-64 of"},
        {"cluster_prefix = a b\n", "cluster_prefix: expected 1-64 of"},
        {"cluster_prefix = {x}\n", "cluster_prefix: expected 1-64 of"},
        {"cluster_node_ttl_ms = 100\n", "cluster_node_ttl_ms: expected milliseconds 500-300000"},
        {"cluster_lease_ttl_ms = 5s\n", "cluster_lease_ttl_ms: expected milliseconds"},
        {"cluster_lease_ttl_ms = 300001\n", "cluster_lease_ttl_ms: expected milliseconds"},
        {"cluster_nodes = 3\n", "cluster_nodes: unknown setting"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[256] = "";
        int rc = parse(&cfg, cases[i].text, line);
        if (rc == 0 || !strstr(line, cases[i].expect))
            fail_msg("case %zu (%s): rc=%d err='%s'", i, cases[i].text, rc, line);
    }
    assert_int_not_equal(parse(&cfg, "cluster_redis = redis://:pw-secret@db x\n", err), 0);
    assert_null(strstr(err, "pw-secret"));

    /* cross-field: PostgreSQL, a node id, a public URL */
    static const struct bad_case invalid[] = {
        {"cluster_redis = redis://db\ncluster_node_id = a\n"
         "cluster_public_url = https://m.example.org/n/a\n",
         "cluster_redis: a cluster needs store = postgresql://"},
        {"store = postgresql://db/rs\ncluster_redis = redis://db\ncluster_node_id = a\n",
         "cluster_public_url: required with cluster_redis"},
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        char line[256] = "";
        assert_int_equal(parse(&cfg, invalid[i].text, line), 0);
        int rc = rs_config_validate(&cfg, line, sizeof(line));
        if (rc == 0 || !strstr(line, invalid[i].expect))
            fail_msg("invalid %zu: rc=%d err='%s'", i, rc, line);
    }
    assert_int_equal(parse(&cfg, "store = postgresql://db/rs\ncluster_redis = redis://db\n"
                                 "cluster_public_url = https://m.example.org\n", err), 0);
    cfg.cluster_node_id[0] = 0; /* a host name that is no valid id */
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "cluster_node_id: required with cluster_redis"));
    /* without cluster_redis the other keys are inert */
    assert_int_equal(parse(&cfg, "cluster_node_id = x\n", err), 0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
}

static void test_limits(void **state)
{
    struct rs_config cfg;
    char err[256];
    char line[1100];
    memset(line, 'a', sizeof(line) - 2);
    line[sizeof(line) - 2] = '\n';
    line[sizeof(line) - 1] = 0;
    assert_int_not_equal(parse(&cfg, line, err), 0);
    assert_non_null(strstr(err, "longer than"));
    const char nul[] = "listen = 1\0x\n";
    rs_config_defaults(&cfg);
    assert_int_not_equal(rs_config_parse(&cfg, nul, sizeof(nul) - 1, "t", err, sizeof(err)), 0);
    assert_non_null(strstr(err, "NUL"));
    /* too many ICE servers */
    const char *five = "ice_server = stun:a:1\nice_server = stun:a:1\nice_server = stun:a:1\n"
                       "ice_server = stun:a:1\nice_server = stun:a:1\n";
    assert_int_not_equal(parse(&cfg, five, err), 0);
}

static void test_legal_urls(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_string_equal(cfg.imprint_url, "");
    assert_int_equal(parse(&cfg,
                           "imprint_url = https://www.example-stadt.de/impressum\n"
                           "privacy_url = https://www.example-stadt.de/datenschutz\n",
                           err),
                     0);
    assert_string_equal(cfg.imprint_url, "https://www.example-stadt.de/impressum");
    assert_string_equal(cfg.privacy_url, "https://www.example-stadt.de/datenschutz");
    /* only web addresses: a javascript: or relative link is refused, naming the key */
    assert_int_not_equal(parse(&cfg, "imprint_url = javascript:alert(1)\n", err), 0);
    assert_non_null(strstr(err, "imprint_url"));
    assert_int_not_equal(parse(&cfg, "privacy_url = /datenschutz\n", err), 0);
    assert_non_null(strstr(err, "privacy_url"));
}

/* The edge's limits: defaults, ranges, and per address never above the total. */
static void test_connection_limits(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    rs_config_defaults(&cfg);
    assert_int_equal(cfg.max_connections, 4096);
    assert_int_equal(cfg.max_connections_per_ip, 64);
    assert_int_equal(cfg.header_timeout_s, 5);
    assert_int_equal(cfg.join_timeout_s, 30);
    assert_int_equal(parse(&cfg,
                           "max_connections = 20000\nmax_connections_per_ip = 500\n"
                           "header_timeout_s = 10\njoin_timeout_s = 120\n",
                           err),
                     0);
    assert_int_equal(cfg.max_connections, 20000);
    assert_int_equal(cfg.max_connections_per_ip, 500);
    assert_int_equal(cfg.header_timeout_s, 10);
    assert_int_equal(cfg.join_timeout_s, 120);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);

    const char *bad[][2] = {
        {"max_connections = 15\n", "max_connections: expected a whole number 16-100000"},
        {"max_connections = 100001\n", "max_connections: expected"},
        {"max_connections_per_ip = 0\n",
         "max_connections_per_ip: expected a whole number 1-100000"},
        {"header_timeout_s = 0\n", "header_timeout_s: expected a whole number 1-60"},
        {"header_timeout_s = 61\n", "header_timeout_s: expected"},
        {"join_timeout_s = 0\n", "join_timeout_s: expected a whole number 1-3600"},
        {"join_timeout_s = 30s\n", "join_timeout_s: expected"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_not_equal(parse(&cfg, bad[i][0], err), 0);
        if (!strstr(err, bad[i][1]))
            fail_msg("%s: got '%s'", bad[i][0], err);
    }
    /* more per address than in all is a mistake, named by the key */
    assert_int_equal(parse(&cfg, "max_connections = 100\nmax_connections_per_ip = 101\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "max_connections_per_ip: 101 is more than max_connections (100)"));
}

static void test_udp_gso(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_false(cfg.udp_gso_off); /* on by default: used where the kernel supports it */
    assert_int_equal(parse(&cfg, "udp_gso = off\n", err), 0);
    assert_true(cfg.udp_gso_off);
    assert_int_equal(parse(&cfg, "udp_gso = on\n", err), 0);
    assert_false(cfg.udp_gso_off);
}

static void test_media_workers(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_int_equal(cfg.media_workers, 0); /* auto: one per online CPU */
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    long cpus = CPU_COUNT(&set);
    unsigned want = cpus > RS_CONFIG_MEDIA_WORKERS_MAX ? RS_CONFIG_MEDIA_WORKERS_MAX
                                                       : (unsigned)(cpus < 1 ? 1 : cpus);
    assert_int_equal(rs_config_media_workers(&cfg), want);
    /* restricted to one CPU (taskset -c 0): one worker */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) == 0) {
        assert_int_equal(rs_config_media_workers(&cfg), 1);
        sched_setaffinity(0, sizeof(set), &set);
    }
    assert_int_equal(parse(&cfg, "media_workers = 3\n", err), 0);
    assert_int_equal(rs_config_media_workers(&cfg), 3);
    assert_int_equal(parse(&cfg, "media_workers = 16\n", err), 0);
    assert_int_equal(rs_config_media_workers(&cfg), 16);
    assert_int_equal(parse(&cfg, "media_workers = auto\n", err), 0);
    assert_int_equal(rs_config_media_workers(&cfg), want);
    /* worker k listens on udp_port + k: the last port must exist */
    assert_int_equal(parse(&cfg, "udp_port = 65534\nmedia_workers = 2\n", err), 0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_int_equal(parse(&cfg, "udp_port = 65534\nmedia_workers = 3\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "65534-65536"));
    /* large rooms spread over the workers above 50 participants by default; 0 = never */
    rs_config_defaults(&cfg);
    assert_int_equal(cfg.spread_rooms_above, 50);
    assert_int_equal(parse(&cfg, "spread_rooms_above = 0\n", err), 0);
    assert_int_equal(cfg.spread_rooms_above, 0);
    assert_int_equal(parse(&cfg, "spread_rooms_above = 200\n", err), 0);
    assert_int_equal(cfg.spread_rooms_above, 200);
}

static void test_ice_tcp(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_false(cfg.ice_tcp_off); /* on by default, each worker on its UDP port's number */
    assert_int_equal(cfg.ice_tcp_port, 0);
    assert_string_equal(cfg.ice_tcp_listen, "");
    assert_int_equal(parse(&cfg, "ice_tcp = off\nice_tcp_port = 443\nice_tcp_listen = 192.0.2.5\n",
                           err),
                     0);
    assert_true(cfg.ice_tcp_off);
    assert_int_equal(cfg.ice_tcp_port, 443);
    assert_string_equal(cfg.ice_tcp_listen, "192.0.2.5");
    assert_int_not_equal(parse(&cfg, "ice_tcp = yes\n", err), 0);
    assert_non_null(strstr(err, "ice_tcp: expected on or off"));
    assert_int_not_equal(parse(&cfg, "ice_tcp_port = 65536\n", err), 0);
    assert_non_null(strstr(err, "ice_tcp_port:"));
    assert_int_not_equal(parse(&cfg, "ice_tcp_listen = example.org\n", err), 0);
    assert_non_null(strstr(err, "ice_tcp_listen:"));
    /* one TCP port for every worker: only with one worker */
    assert_int_equal(parse(&cfg, "ice_tcp_port = 443\nmedia_workers = 2\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "needs media_workers = 1"));
    assert_int_equal(parse(&cfg, "ice_tcp_port = 443\nmedia_workers = 1\n", err), 0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_int_equal(parse(&cfg, "ice_tcp_port = 0\nmedia_workers = 2\n", err), 0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_int_equal(parse(&cfg, "ice_tcp = off\nice_tcp_port = 443\nmedia_workers = 2\n", err),
                     0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
}

static void test_validate_wildcard_needs_public_ip(void **state)
{
    struct rs_config cfg;
    char err[256];
    assert_int_equal(parse(&cfg, "listen = 0.0.0.0:8080\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "public_ip"));
}

static void test_tls_files_both_or_neither(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_string_equal(cfg.tls_cert, ""); /* default: plain HTTP behind a proxy */
    assert_int_equal(
        parse(&cfg, "tls_cert = /etc/ratsaal/cert.pem\ntls_key = /etc/ratsaal/key.pem\n", err), 0);
    assert_string_equal(cfg.tls_cert, "/etc/ratsaal/cert.pem");
    assert_string_equal(cfg.tls_key, "/etc/ratsaal/key.pem");
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);

    assert_int_equal(parse(&cfg, "tls_cert = /etc/ratsaal/cert.pem\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_string_equal(err, "tls_key: required when tls_cert is set (TLS needs both files)");
    assert_int_equal(parse(&cfg, "tls_key = /etc/ratsaal/key.pem\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_string_equal(err, "tls_cert: required when tls_key is set (TLS needs both files)");

    /* with TLS in the server, the public URL cannot be plain http */
    assert_int_equal(parse(&cfg,
                           "tls_cert = c.pem\ntls_key = k.pem\n"
                           "public_url = http://127.0.0.1:8443\n",
                           err),
                     0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "public_url: must be https://"));
    assert_int_equal(parse(&cfg,
                           "tls_cert = c.pem\ntls_key = k.pem\n"
                           "public_url = https://meet.example.org\n",
                           err),
                     0);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);

    char longpath[RS_CONFIG_PATH_MAX + 16];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = 0;
    rs_config_defaults(&cfg);
    assert_int_not_equal(rs_config_set(&cfg, "tls_key", longpath, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "tls_key: longer than"));
}

static void test_edge_settings(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    rs_config_defaults(&cfg);
    assert_int_equal(cfg.trusted_proxies.n, 0); /* nobody's forwarding header is believed */
    assert_int_equal(cfg.trusted_proxy_header, RS_PROXY_HEADER_XFF);
    assert_false(rs_config_metrics_protected(&cfg));
    assert_int_equal(cfg.password_rate_per_min, 5);
    assert_int_equal(cfg.meeting_password_rate_per_min, 30);
    const char *text = "trusted_proxies = 127.0.0.1, ::1\n"
                       "trusted_proxies = 10.0.0.0/8 2001:db8::/32\n" /* repeats add */
                       "trusted_proxy_header = Forwarded\n"
                       "metrics_allow = 192.0.2.0/24\n"
                       "metrics_token = 0123456789abcdef0123\n"
                       "password_rate_per_min = 3\n"
                       "meeting_password_rate_per_min = 12\n";
    assert_int_equal(parse(&cfg, text, err), 0);
    assert_int_equal(cfg.trusted_proxies.n, 4);
    struct rs_netaddr a;
    assert_int_equal(rs_netaddr_parse("10.2.3.4", 8, &a), 0);
    assert_true(rs_cidr_list_contains(&cfg.trusted_proxies, &a));
    assert_false(rs_cidr_list_contains(&cfg.metrics_allow, &a));
    assert_int_equal(cfg.trusted_proxy_header, RS_PROXY_HEADER_FORWARDED);
    assert_int_equal(cfg.metrics_allow.n, 1);
    assert_string_equal(cfg.metrics_token, "0123456789abcdef0123");
    assert_true(rs_config_metrics_protected(&cfg));
    assert_int_equal(cfg.password_rate_per_min, 3);
    assert_int_equal(cfg.meeting_password_rate_per_min, 12);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    /* an empty value clears a list */
    assert_int_equal(parse(&cfg, "trusted_proxies = 127.0.0.1\ntrusted_proxies =\n", err), 0);
    assert_int_equal(cfg.trusted_proxies.n, 0);
    /* a bad item leaves the list as it was, and the error names the line */
    assert_int_not_equal(parse(&cfg, "trusted_proxies = 127.0.0.1\ntrusted_proxies = ::1 x\n",
                               err),
                         0);
    assert_non_null(strstr(err, "test.conf:2: trusted_proxies: 'x'"));
}

static void test_load_missing_file(void **state)
{
    struct rs_config cfg;
    char err[256];
    rs_config_defaults(&cfg);
    assert_int_not_equal(rs_config_load(&cfg, "/nonexistent/ratsaal.conf", err, sizeof(err)), 0);
    assert_non_null(strstr(err, "cannot open"));
}

/* TURN with short-lived credentials: repeatable URLs, a secret, a lifetime; each needs the other. */
static void test_turn_settings(void **state)
{
    struct rs_config cfg;
    char err[256] = "";
    assert_int_equal(parse(&cfg, "", err), 0);
    assert_int_equal(cfg.turn_ttl, 3600);
    assert_int_equal(cfg.n_turn_servers, 0);
    const char *text = "turn_server = turn:turn.example.org:443?transport=tcp\n"
                       "turn_server = turns:turn.example.org:443?transport=tcp\n"
                       "turn_server = turn:192.0.2.9:3478?transport=udp\n"
                       "turn_secret = 0123456789abcdef-geheim\n"
                       "turn_ttl = 600\n";
    assert_int_equal(parse(&cfg, text, err), 0);
    assert_int_equal(cfg.n_turn_servers, 3);
    assert_string_equal(cfg.turn_servers[1], "turns:turn.example.org:443?transport=tcp");
    assert_string_equal(cfg.turn_secret, "0123456789abcdef-geheim");
    assert_int_equal(cfg.turn_ttl, 600);
    assert_int_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);

    static const struct bad_case cases[] = {
        {"turn_server = stun:turn.example.org:3478\n", "turn_server: expected turn:HOST:PORT"},
        {"turn_server = turn:turn.example.org:3478 user pass\n", "turn_server: 'turn:"},
        {"turn_server = turns:t.example.org:5349?transport=udp\n", "tcp only"},
        {"turn_server = turn:t.example.org:99999\n", "the port must be 1-65535"},
        {"turn_server = turn:a\nturn_server = turn:a\nturn_server = turn:a\nturn_server = turn:a\n"
         "turn_server = turn:a\n",
         "turn_server: at most 4"},
        {"turn_secret = short\n", "turn_secret: expected 16 to 255 printable"},
        {"turn_secret = sixteen chars and blanks\n", "turn_secret:"},
        {"turn_ttl = 59\n", "turn_ttl: expected a whole number 60-86400"},
        {"turn_ttl = 86401\n", "turn_ttl:"},
        {"turn_ttl = 1h\n", "turn_ttl:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = parse(&cfg, cases[i].text, err);
        if (rc == 0 || !strstr(err, cases[i].expect))
            fail_msg("case %zu (%s): rc=%d err='%s'", i, cases[i].text, rc, err);
    }
    /* one without the other is a mistake, named at start-up */
    assert_int_equal(parse(&cfg, "turn_server = turn:t.example.org:3478\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "turn_secret: required when turn_server is set"));
    assert_int_equal(parse(&cfg, "turn_secret = 0123456789abcdef\n", err), 0);
    assert_int_not_equal(rs_config_validate(&cfg, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "turn_server: required when turn_secret is set"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_ipv6_listen),
        cmocka_unit_test(test_errors_name_key_and_line),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_connection_limits),
        cmocka_unit_test(test_udp_gso),
        cmocka_unit_test(test_legal_urls),
        cmocka_unit_test(test_media_workers),
        cmocka_unit_test(test_ice_tcp),
        cmocka_unit_test(test_validate_wildcard_needs_public_ip),
        cmocka_unit_test(test_tls_files_both_or_neither),
        cmocka_unit_test(test_edge_settings),
        cmocka_unit_test(test_turn_settings),
        cmocka_unit_test(test_recording_settings),
        cmocka_unit_test(test_retention_settings),
        cmocka_unit_test(test_store_setting),
        cmocka_unit_test(test_cluster_settings),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
