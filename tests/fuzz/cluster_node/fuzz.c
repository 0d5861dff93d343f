/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for the cluster's node record (cluster/node.h), what every node reads back
 * from Redis about the others. The input is the node id then one value per field of the hash,
 * each as a 2-byte big-endian length and that many bytes (length 0xffff: the field is absent;
 * missing at the end: absent too). What the parser accepts must encode and parse back to the
 * same record; it must never crash or read past a value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/node.h"

static int same(const struct rs_cluster_node *a, const struct rs_cluster_node *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->url, b->url) == 0 &&
           strcmp(a->media_ip, b->media_ip) == 0 && a->participants == b->participants &&
           a->transports == b->transports && a->started_at_ms == b->started_at_ms &&
           strcmp(a->version, b->version) == 0 && a->draining == b->draining &&
           strcmp(a->instance, b->instance) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* each value in its own allocation, so that ASan sees a read past any of them */
    char *parts[1 + RS_NODE__FIELDS] = {0};
    size_t lens[1 + RS_NODE__FIELDS] = {0};
    size_t at = 0;
    for (int i = 0; i < 1 + RS_NODE__FIELDS; i++) {
        if (size - at < 2)
            break;
        size_t len = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (len == 0xffff)
            continue;
        if (len > size - at)
            len = size - at;
        parts[i] = malloc(len ? len : 1);
        if (!parts[i])
            goto out;
        memcpy(parts[i], data + at, len);
        lens[i] = len;
        at += len;
    }
    struct rs_cluster_node node, again;
    const char *values[RS_NODE__FIELDS];
    for (int f = 0; f < RS_NODE__FIELDS; f++)
        values[f] = parts[1 + f];
    if (!parts[0] || rs_cluster_node_parse(parts[0], lens[0], values, lens + 1, &node) != 0)
        goto out;
    struct rs_cluster_node_text text;
    if (rs_cluster_node_encode(&node, &text) != 0)
        abort(); /* accepted, but refused as our own */
    if (rs_cluster_node_parse(node.id, strlen(node.id), text.values, text.lens, &again) != 0 ||
        !same(&node, &again))
        abort();
out:
    for (int i = 0; i < 1 + RS_NODE__FIELDS; i++)
        free(parts[i]);
    return 0;
}
