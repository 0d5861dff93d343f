/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the client address behind proxies. Input: [selector byte][header value]. The
 * selector's low bit picks X-Forwarded-For or Forwarded (RFC 7239); the value is parsed with a
 * small and a full hop array, the client picked with a fixed trust list, every known hop
 * formatted, and the same bytes parsed as an address, a node and a prefix list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/forwarded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *v = (const char *)data + 1;
    size_t len = size - 1;
    struct rs_hop hops[RS_FORWARDED_HOPS_MAX];
    struct rs_cidr_list trusted = {0};
    char err[160];
    if (rs_cidr_list_add(&trusted, "127.0.0.0/8 10.0.0.0/8 ::1 2001:db8::/32", err, sizeof(err)))
        abort();
    struct rs_netaddr peer;
    if (rs_netaddr_parse((data[0] & 2) ? "10.1.2.3" : "127.0.0.1", (data[0] & 2) ? 8 : 9, &peer))
        abort();
    for (size_t max = 2; max <= RS_FORWARDED_HOPS_MAX; max += RS_FORWARDED_HOPS_MAX - 2) {
        int n = (data[0] & 1) ? rs_forwarded_parse(v, len, hops, max)
                              : rs_forwarded_parse_xff(v, len, hops, max);
        if (n > (int)max)
            abort();
        enum rs_forwarded_result r;
        struct rs_netaddr c = rs_forwarded_client(&peer, hops, n, &trusted, &r);
        char text[RS_NETADDR_TEXT_MAX];
        if (rs_netaddr_format(&c, text, sizeof(text)))
            abort(); /* the client is always an address */
        for (int i = 0; i < n; i++)
            if (hops[i].known && rs_netaddr_format(&hops[i].addr, text, sizeof(text)))
                abort();
    }
    struct rs_netaddr a;
    char text[RS_NETADDR_TEXT_MAX];
    if (rs_netaddr_parse(v, len, &a) == 0) {
        /* a parsed address formats, and the text parses back to the same address */
        struct rs_netaddr b;
        if (rs_netaddr_format(&a, text, sizeof(text)) || rs_netaddr_parse(text, strlen(text), &b) ||
            !rs_netaddr_equal(&a, &b))
            abort();
    }
    rs_netaddr_parse_node(v, len, &a);
    struct rs_cidr c;
    if (rs_cidr_parse(v, len, &c) == 0 && !rs_cidr_contains(&c, &c.addr))
        abort();
    char *s = malloc(len + 1);
    if (!s)
        return 0;
    memcpy(s, v, len);
    s[len] = 0;
    struct rs_cidr_list l = {0};
    rs_cidr_list_add(&l, s, err, sizeof(err));
    free(s);
    return 0;
}
