/* SPDX-License-Identifier: EUPL-1.2 */
/* Who the client is behind reverse proxies: the X-Forwarded-For and Forwarded (RFC 7239)
 * request headers, and the rule that picks the client from them.
 *
 * Each proxy appends the address it received the request from, so the header lists hops from
 * left (claimed original client) to right (the proxy nearest to us). Only the right end is
 * trustworthy: everything left of the first hop we do not trust may have been written by the
 * client itself. rs_forwarded_client() therefore starts at the socket's peer and walks left
 * while the hop is one of `trusted` proxies; the first untrusted hop is the client.
 *
 * Pure functions on caller-owned memory; any thread. */
#ifndef RS_CORE_FORWARDED_H
#define RS_CORE_FORWARDED_H

#include <stddef.h>

#include "core/netaddr.h"

#define RS_FORWARDED_HOPS_MAX 16

struct rs_hop {
    int known;              /* 1: `addr` holds the hop's address; 0: "unknown", obfuscated, or
                               not an address */
    struct rs_netaddr addr; /* when known */
};

/* X-Forwarded-For: "client, proxy1, proxy2" (addresses, optionally with a port). Fills `hops`
 * with the right-most `max` hops, left to right, and returns how many (0 for an empty
 * header), or -EINVAL when the value holds a control character. An element that is not an
 * address is a hop with known = 0. */
int rs_forwarded_parse_xff(const char *v, size_t len, struct rs_hop *hops, size_t max);

/* Forwarded (RFC 7239 section 4): comma-separated elements of semicolon-separated
 * `token=value` pairs, values as tokens or quoted strings. One hop per element from its `for`
 * parameter (known = 0 when absent, "unknown", obfuscated like "_hidden", or not an address).
 * Same result as rs_forwarded_parse_xff; -EINVAL when the syntax is broken (an unterminated
 * quoted string, a pair without '=', a parameter twice in one element), since the boundaries
 * of the elements, and so which hop a proxy wrote, are then unknown. */
int rs_forwarded_parse(const char *v, size_t len, struct rs_hop *hops, size_t max);

enum rs_forwarded_result {
    RS_FWD_DIRECT,    /* the peer is not a trusted proxy: the peer is the client */
    RS_FWD_PROXY,     /* a trusted proxy sent no usable header: the proxy is the client */
    RS_FWD_FORWARDED, /* the client comes from the header */
    RS_FWD_UNKNOWN,   /* walking left hit a hop that is not an address: the last trusted hop
                         is taken as the client */
};

/* Picks the client for a connection from `peer` that carried `hops` (n of them; n <= 0: no
 * usable header). Never fails; `*result` says how the answer was found. */
struct rs_netaddr rs_forwarded_client(const struct rs_netaddr *peer, const struct rs_hop *hops,
                                      int n, const struct rs_cidr_list *trusted,
                                      enum rs_forwarded_result *result);

#endif
