/* SPDX-License-Identifier: EUPL-1.2 */
/* The node record and the names in cluster keys (see node.h).
 *
 * Every validator takes a pointer and a length because values come from Redis replies, which
 * are binary-safe: a NUL inside a value must make it invalid, not shorten it. The rules are
 * deliberately narrower than what Redis or a URL allows: a node's URL ends up in what a client
 * is told to connect to, so it is plain printable ASCII with no quotes, spaces or angle
 * brackets, and no credentials, query or fragment. */
#include "cluster/node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const rs_cluster_node_field_names[RS_NODE__FIELDS] = {
    [RS_NODE_URL] = "url",
    [RS_NODE_MEDIA_IP] = "media_ip",
    [RS_NODE_PARTICIPANTS] = "participants",
    [RS_NODE_TRANSPORTS] = "transports",
    [RS_NODE_STARTED_AT] = "started_at",
    [RS_NODE_VERSION] = "version",
    [RS_NODE_DRAINING] = "draining",
    [RS_NODE_INSTANCE] = "instance",
};

/* 2^53: ms since the epoch beyond any date this code will see, and exact in JSON numbers */
#define STARTED_AT_MAX 9007199254740992ull

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 1..max characters, each alphanumeric or in `extra`. */
static bool token_valid(const char *s, size_t len, size_t max, const char *extra)
{
    if (!s || len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && (s[i] == 0 || !strchr(extra, s[i])))
            return false;
    return true;
}

bool rs_cluster_node_id_valid(const char *s, size_t len)
{
    return token_valid(s, len, RS_CLUSTER_NODE_ID_MAX, "._-");
}

bool rs_cluster_room_id_valid(const char *s, size_t len)
{
    return token_valid(s, len, RS_CLUSTER_ROOM_ID_MAX, "_-");
}

bool rs_cluster_version_valid(const char *s, size_t len)
{
    return token_valid(s, len, RS_CLUSTER_VERSION_MAX, ".+~_-");
}

bool rs_cluster_instance_valid(const char *s, size_t len)
{
    return token_valid(s, len, RS_CLUSTER_INSTANCE_MAX, "_-");
}

bool rs_cluster_prefix_valid(const char *s, size_t len)
{
    return token_valid(s, len, 64, ":._-");
}

bool rs_cluster_ip_valid(const char *s, size_t len)
{
    char buf[RS_CLUSTER_IP_MAX + 1];
    unsigned char addr[16];
    if (!s || len == 0 || len > RS_CLUSTER_IP_MAX || memchr(s, 0, len))
        return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

/* http(s)://host[:port][/path]: host a DNS name, IPv4 or [IPv6]; path of unreserved,
 * sub-delims (less the quote), ':', '@', '%' and '/'. */
bool rs_cluster_url_valid(const char *s, size_t len)
{
    if (!s || len > RS_CLUSTER_URL_MAX)
        return false;
    size_t i;
    if (len > 7 && memcmp(s, "http://", 7) == 0)
        i = 7;
    else if (len > 8 && memcmp(s, "https://", 8) == 0)
        i = 8;
    else
        return false;
    size_t host = i;
    if (s[i] == '[') {
        size_t close = i + 1;
        while (close < len && s[close] != ']')
            close++;
        if (close == len || close - i - 1 < 2 || close - i - 1 > RS_CLUSTER_IP_MAX)
            return false;
        char buf[RS_CLUSTER_IP_MAX + 1];
        unsigned char addr[16];
        memcpy(buf, s + i + 1, close - i - 1);
        buf[close - i - 1] = 0;
        if (memchr(buf, 0, close - i - 1) || inet_pton(AF_INET6, buf, addr) != 1)
            return false;
        i = close + 1;
    } else {
        while (i < len && (is_alnum(s[i]) || s[i] == '.' || s[i] == '-'))
            i++;
        if (i == host || s[host] == '.' || s[host] == '-')
            return false;
    }
    if (i < len && s[i] == ':') {
        size_t p = ++i;
        uint64_t port;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (rs_cluster_parse_u64(s + p, i - p, 65535, &port) || port == 0)
            return false;
    }
    if (i == len)
        return true;
    if (s[i] != '/')
        return false;
    for (; i < len; i++)
        if (!is_alnum(s[i]) && (s[i] == 0 || !strchr("-._~/%!$&()*+,;=:@", s[i])))
            return false;
    return true;
}

int rs_cluster_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || len == 0 || len > 20)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    if (v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static void copy(char *dst, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = 0;
}

int rs_cluster_node_parse(const char *id, size_t id_len, const char *const *values,
                          const size_t *lens, struct rs_cluster_node *out)
{
    if (!rs_cluster_node_id_valid(id, id_len))
        return -EINVAL;
    for (int f = 0; f < RS_NODE__FIELDS; f++)
        if (!values[f] || lens[f] > RS_CLUSTER_VALUE_MAX)
            return -EINVAL;
    uint64_t participants, transports, started, draining;
    if (!rs_cluster_url_valid(values[RS_NODE_URL], lens[RS_NODE_URL]) ||
        !rs_cluster_ip_valid(values[RS_NODE_MEDIA_IP], lens[RS_NODE_MEDIA_IP]) ||
        !rs_cluster_version_valid(values[RS_NODE_VERSION], lens[RS_NODE_VERSION]) ||
        !rs_cluster_instance_valid(values[RS_NODE_INSTANCE], lens[RS_NODE_INSTANCE]) ||
        rs_cluster_parse_u64(values[RS_NODE_PARTICIPANTS], lens[RS_NODE_PARTICIPANTS],
                             RS_CLUSTER_LOAD_MAX, &participants) ||
        rs_cluster_parse_u64(values[RS_NODE_TRANSPORTS], lens[RS_NODE_TRANSPORTS],
                             RS_CLUSTER_LOAD_MAX, &transports) ||
        rs_cluster_parse_u64(values[RS_NODE_STARTED_AT], lens[RS_NODE_STARTED_AT], STARTED_AT_MAX,
                             &started) ||
        lens[RS_NODE_DRAINING] != 1 ||
        rs_cluster_parse_u64(values[RS_NODE_DRAINING], 1, 1, &draining))
        return -EINVAL;
    struct rs_cluster_node n;
    copy(n.id, id, id_len);
    copy(n.url, values[RS_NODE_URL], lens[RS_NODE_URL]);
    copy(n.media_ip, values[RS_NODE_MEDIA_IP], lens[RS_NODE_MEDIA_IP]);
    copy(n.version, values[RS_NODE_VERSION], lens[RS_NODE_VERSION]);
    copy(n.instance, values[RS_NODE_INSTANCE], lens[RS_NODE_INSTANCE]);
    n.participants = (uint32_t)participants;
    n.transports = (uint32_t)transports;
    n.started_at_ms = (int64_t)started;
    n.draining = draining == 1;
    n.ttl_left_ms = 0; /* not in the hash (cluster.c fills it in from the key) */
    *out = n;
    return 0;
}

int rs_cluster_node_encode(const struct rs_cluster_node *node, struct rs_cluster_node_text *text)
{
    size_t id_len = strnlen(node->id, sizeof(node->id));
    size_t url_len = strnlen(node->url, sizeof(node->url));
    size_t ip_len = strnlen(node->media_ip, sizeof(node->media_ip));
    size_t version_len = strnlen(node->version, sizeof(node->version));
    size_t instance_len = strnlen(node->instance, sizeof(node->instance));
    if (!rs_cluster_node_id_valid(node->id, id_len) || !rs_cluster_url_valid(node->url, url_len) ||
        !rs_cluster_ip_valid(node->media_ip, ip_len) ||
        !rs_cluster_version_valid(node->version, version_len) ||
        !rs_cluster_instance_valid(node->instance, instance_len) ||
        node->participants > RS_CLUSTER_LOAD_MAX || node->transports > RS_CLUSTER_LOAD_MAX ||
        node->started_at_ms < 0 || (uint64_t)node->started_at_ms > STARTED_AT_MAX)
        return -EINVAL;
    snprintf(text->participants, sizeof(text->participants), "%u", (unsigned)node->participants);
    snprintf(text->transports, sizeof(text->transports), "%u", (unsigned)node->transports);
    snprintf(text->started_at, sizeof(text->started_at), "%lld", (long long)node->started_at_ms);
    text->values[RS_NODE_URL] = node->url;
    text->values[RS_NODE_MEDIA_IP] = node->media_ip;
    text->values[RS_NODE_PARTICIPANTS] = text->participants;
    text->values[RS_NODE_TRANSPORTS] = text->transports;
    text->values[RS_NODE_STARTED_AT] = text->started_at;
    text->values[RS_NODE_VERSION] = node->version;
    text->values[RS_NODE_DRAINING] = node->draining ? "1" : "0";
    text->values[RS_NODE_INSTANCE] = node->instance;
    for (int f = 0; f < RS_NODE__FIELDS; f++)
        text->lens[f] = strlen(text->values[f]);
    return 0;
}

int rs_cluster_node_load_cmp(const struct rs_cluster_node *a, const struct rs_cluster_node *b)
{
    if (a->participants != b->participants)
        return a->participants < b->participants ? -1 : 1;
    if (a->transports != b->transports)
        return a->transports < b->transports ? -1 : 1;
    return strcmp(a->id, b->id);
}
