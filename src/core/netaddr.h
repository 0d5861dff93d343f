/* SPDX-License-Identifier: EUPL-1.2 */
/* IP addresses and prefixes (CIDR) as the configuration and proxies write them: parse, format,
 * match. Pure functions on caller-owned values; any thread.
 *
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack socket reports for an IPv4
 * client) is the IPv4 address: it parses, formats and matches as 192.0.2.1. */
#ifndef RS_CORE_NETADDR_H
#define RS_CORE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_NETADDR_TEXT_MAX 46 /* INET6_ADDRSTRLEN: the longest formatted address + NUL */
#define RS_CIDR_LIST_MAX 32

struct rs_netaddr {
    uint8_t family;    /* 4 or 6; 0 = none */
    uint8_t bytes[16]; /* network order; IPv4 in the first 4 */
};

struct rs_cidr {
    struct rs_netaddr addr; /* host bits cleared */
    uint8_t prefix;         /* 0-32 (IPv4), 0-128 (IPv6) */
};

struct rs_cidr_list {
    struct rs_cidr v[RS_CIDR_LIST_MAX];
    unsigned n;
};

/* Parses an address literal of `len` bytes (need not be NUL-terminated): "192.0.2.1",
 * "2001:db8::1". No brackets, port or zone. Returns 0, or -EINVAL. */
int rs_netaddr_parse(const char *s, size_t len, struct rs_netaddr *out);

/* Parses a node as proxies write it: an address with an optional port, the IPv6 address in
 * brackets when a port follows: "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]",
 * "[2001:db8::1]:4711", and "2001:db8::1" without brackets. Returns 0, or -EINVAL. */
int rs_netaddr_parse_node(const char *s, size_t len, struct rs_netaddr *out);

/* Writes the canonical text ("192.0.2.1", "2001:db8::1") into `buf`. Returns 0, or -ENOSPC
 * (buf then holds ""), -EINVAL for an empty address. */
int rs_netaddr_format(const struct rs_netaddr *a, char *buf, size_t cap);

bool rs_netaddr_equal(const struct rs_netaddr *a, const struct rs_netaddr *b);
bool rs_netaddr_is_loopback(const struct rs_netaddr *a);

/* Parses "ADDRESS/PREFIX" or a bare address (a prefix of the whole address). Host bits set
 * under the prefix are refused ("10.0.0.1/8" is a typo for "10.0.0.0/8" or "10.0.0.1"): -EINVAL. */
int rs_cidr_parse(const char *s, size_t len, struct rs_cidr *out);
bool rs_cidr_contains(const struct rs_cidr *c, const struct rs_netaddr *a);

/* Appends the prefixes in `s` (separated by commas and/or blanks) to `l`. Returns 0, or
 * -EINVAL / -E2BIG with the offending item or the limit in `err`; `l` is then unchanged. */
int rs_cidr_list_add(struct rs_cidr_list *l, const char *s, char *err, size_t errlen);
bool rs_cidr_list_contains(const struct rs_cidr_list *l, const struct rs_netaddr *a);

#endif
