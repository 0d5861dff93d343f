/* SPDX-License-Identifier: EUPL-1.2 */
/* LD_PRELOAD shim for benchmarks only: clears IFF_LOOPBACK in getifaddrs() results so Janus
 * (which skips loopback interfaces before applying its enforce list) offers 127.0.0.1 on a
 * loopback-only host. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>

int getifaddrs(struct ifaddrs **ifap)
{
    int (*real)(struct ifaddrs **) = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
    int rc = real(ifap);
    if (rc == 0)
        for (struct ifaddrs *i = *ifap; i; i = i->ifa_next)
            i->ifa_flags &= ~(unsigned)IFF_LOOPBACK;
    return rc;
}
