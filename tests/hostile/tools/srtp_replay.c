/* SPDX-License-Identifier: EUPL-1.2 */
/* Replays real SRTP from a participant's own address (tests/hostile; needs root).
 *
 * An attacker on the path (or on the participant's host) can see a participant's SRTP and send
 * it again with the participant's address as source. The server must take each packet once:
 * its SRTP replay window drops the copies, and a copy whose authentication tag does not verify
 * (forged) is dropped too. This tool captures on `lo` with an AF_PACKET socket what one browser
 * actually sent to the server's media ports — SRTP (RTP, not RTCP) from the first source
 * address it sees — for `capture_ms`, then sends it again through a raw socket with IP_HDRINCL,
 * so the IP and UDP source are the browser's own address and port: first unchanged (replays),
 * then with the sequence number moved ahead and the last byte of the tag flipped (forgeries:
 * right SSRC, new index, wrong tag). One datagram per `pace_us`, so that the attack stays well
 * below the server's per-transport rate limit and drops are counted by their real reason.
 *
 * The subtle part is the UDP checksum: a packet captured on loopback carries only the
 * pseudo-header sum (the kernel offloads the rest), and a raw socket sends it as it is, so it
 * is computed afresh here; otherwise the kernel would drop the copy before the server sees it.
 *
 * Usage: srtp_replay <first media port> <number of ports> <capture_ms> <max packets> <pace_us>
 * Prints one JSON line: {"source":"127.0.0.1:P","captured":n,"replayed":n,"forged":n}. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PKT_MAX 1600
#define CAPTURE_MAX 2000

struct captured {
    uint16_t len;
    uint8_t data[PKT_MAX]; /* IPv4 header + UDP header + SRTP */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long arg(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "srtp_replay: %s must be %ld..%ld\n", what, lo, hi);
        exit(2);
    }
    return v;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

/* UDP checksum over the pseudo-header, header and payload (RFC 768). */
static void udp_checksum(uint8_t *ip, size_t ihl, size_t total)
{
    uint8_t *udp = ip + ihl;
    size_t ulen = total - ihl;
    udp[6] = udp[7] = 0;
    uint32_t sum = sum16(ip + 12, 8, 0); /* source and destination address */
    sum += IPPROTO_UDP + (uint32_t)ulen;
    sum = sum16(udp, ulen, sum);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    if (c == 0)
        c = 0xffff;
    udp[6] = (uint8_t)(c >> 8);
    udp[7] = (uint8_t)c;
}

/* Whether `p` is IPv4/UDP from a non-media port to one of the media ports, carrying RTP. */
static bool is_srtp_to_server(const uint8_t *p, size_t len, unsigned port0, unsigned nports,
                              size_t *ihl_out)
{
    if (len < 20 || p[0] >> 4 != 4 || p[9] != IPPROTO_UDP)
        return false;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 8 + 12 + 10)
        return false;
    unsigned sport = (unsigned)p[ihl] << 8 | p[ihl + 1];
    unsigned dport = (unsigned)p[ihl + 2] << 8 | p[ihl + 3];
    if (dport < port0 || dport >= port0 + nports || (sport >= port0 && sport < port0 + nports))
        return false;
    const uint8_t *rtp = p + ihl + 8;
    bool rtp_version = rtp[0] >> 6 == 2;
    bool rtcp = rtp[1] >= 192 && rtp[1] <= 223; /* RFC 5761 demultiplexing */
    *ihl_out = ihl;
    return rtp_version && !rtcp;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: srtp_replay <first media port> <ports> <capture_ms> <max> "
                        "<pace_us>\n");
        return 2;
    }
    unsigned port0 = (unsigned)arg(argv[1], 1, 65535, "port");
    unsigned nports = (unsigned)arg(argv[2], 1, 64, "ports");
    long capture_ms = arg(argv[3], 1, 60000, "capture_ms");
    long max = arg(argv[4], 1, CAPTURE_MAX, "max");
    long pace_us = arg(argv[5], 0, 1000000, "pace_us");

    int cap = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
    int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW); /* implies IP_HDRINCL */
    if (cap < 0 || raw < 0) {
        fprintf(stderr, "srtp_replay: raw sockets: %s (needs root)\n", strerror(errno));
        return 77;
    }
    struct sockaddr_ll ll = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(ETH_P_IP),
                             .sll_ifindex = (int)if_nametoindex("lo")};
    if (ll.sll_ifindex == 0 || bind(cap, (struct sockaddr *)&ll, sizeof(ll))) {
        fprintf(stderr, "srtp_replay: bind to lo: %s\n", strerror(errno));
        return 1;
    }

    struct captured *pkts = calloc((size_t)max, sizeof(*pkts));
    if (!pkts)
        return 1;
    long n = 0;
    uint8_t src[6]; /* the one source address and port we replay from */
    bool have_src = false;
    int64_t deadline = now_ms() + capture_ms;
    while (n < max) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = cap, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t len = recvfrom(cap, pkts[n].data, PKT_MAX, 0, (struct sockaddr *)&from, &fl);
        size_t ihl;
        /* loopback shows each packet twice: going out, and coming in (PACKET_HOST) */
        if (len <= 0 || from.sll_pkttype != PACKET_HOST ||
            !is_srtp_to_server(pkts[n].data, (size_t)len, port0, nports, &ihl))
            continue;
        uint8_t here[6];
        memcpy(here, pkts[n].data + 12, 4);
        memcpy(here + 4, pkts[n].data + ihl, 2);
        if (!have_src) {
            memcpy(src, here, sizeof(src));
            have_src = true;
        } else if (memcmp(src, here, sizeof(src)) != 0) {
            continue;
        }
        pkts[n].len = (uint16_t)len;
        n++;
    }
    close(cap);

    long replayed = 0, forged = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (long i = 0; i < n; i++) {
            uint8_t buf[PKT_MAX];
            size_t len = pkts[i].len;
            memcpy(buf, pkts[i].data, len);
            size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
            if (pass == 1) { /* forged: a sequence number not seen yet, a tag that is wrong */
                uint8_t *rtp = buf + ihl + 8;
                uint16_t seq = (uint16_t)((rtp[2] << 8 | rtp[3]) + 20000);
                rtp[2] = (uint8_t)(seq >> 8);
                rtp[3] = (uint8_t)seq;
                buf[len - 1] ^= 0x5a;
            }
            udp_checksum(buf, ihl, len);
            struct sockaddr_in to = {.sin_family = AF_INET};
            memcpy(&to.sin_addr, buf + 16, 4);
            memcpy(&to.sin_port, buf + ihl + 2, 2);
            if (sendto(raw, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
                *(pass ? &forged : &replayed) += 1;
            if (pace_us)
                usleep((useconds_t)pace_us);
        }
    }
    close(raw);
    char addr[INET_ADDRSTRLEN] = "";
    if (have_src)
        inet_ntop(AF_INET, src, addr, sizeof(addr));
    printf("{\"source\":\"%s:%u\",\"captured\":%ld,\"replayed\":%ld,\"forged\":%ld}\n", addr,
           have_src ? (unsigned)src[4] << 8 | src[5] : 0u, n, replayed, forged);
    free(pkts);
    return 0;
}
