# SPDX-License-Identifier: EUPL-1.2
"""netem in user space, for kernels built without sch_netem (tests/netns/netem.test.js).

tc (clsact + u32 + mirred) redirects the UDP frames that would leave a link to a veth pair of
their own; this program reads them from that pair's far end (`--src`), loses some, holds each
for `delay ± jitter` ms (uniform, independent per frame, so frames reorder as with netem's
jitter) and sends them out of the real link (`--dst`) with PACKET_QDISC_BYPASS, which skips the
egress hook that redirected them in the first place.

Control on stdin, one line each, answered with "ok" on stdout:
    loss <percent> delay <ms> jitter <ms>      (any subset; the rest stays)
    pass                                       (no loss, no delay)
stdin closed: print the counters as JSON and exit.

The one subtle point: frames arrive as the sending stack left them, with the UDP checksum only
partly computed (veth offloads it); the checksum is set to 0 ("none", valid for UDP over IPv4)
rather than recomputed. Run the server with udp_gso = off: a GSO batch would arrive as one
frame larger than the link's MTU (counted as `oversize` and dropped).
"""
import argparse
import heapq
import json
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20
PACKET_OUTGOING = 4
MAX_FRAME = 1514


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--src', required=True, help='interface the redirected frames arrive on')
    ap.add_argument('--dst', required=True, help='interface to send them out of')
    ap.add_argument('--seed', type=int, default=None)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.bind((args.src, 0))
    rx.setblocking(False)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    tx.bind((args.dst, 0))

    conf = {'loss': 0.0, 'delay': 0.0, 'jitter': 0.0}
    count = {'in': 0, 'lost': 0, 'sent': 0, 'send_failed': 0, 'oversize': 0}
    queue = []  # (due, n, frame)
    n = 0
    stdin = sys.stdin.fileno()
    buf = b''
    print('ready', flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        readable, _, _ = select.select([rx, stdin], [], [], timeout)
        if stdin in readable:
            chunk = os.read(stdin, 4096)
            if not chunk:
                break
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                words = line.decode().split()
                if words == ['pass']:
                    conf = {'loss': 0.0, 'delay': 0.0, 'jitter': 0.0}
                else:
                    for k, v in zip(words[::2], words[1::2]):
                        conf[k] = float(v)
                print('ok', flush=True)
        if rx in readable:
            for _ in range(256):
                try:
                    frame, addr = rx.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                count['in'] += 1
                if len(frame) > MAX_FRAME:
                    count['oversize'] += 1
                    continue
                if conf['loss'] and rnd.random() * 100 < conf['loss']:
                    count['lost'] += 1
                    continue
                frame = bytearray(frame)
                # IPv4 (ethertype 0x0800), UDP (17): checksum 0 = none
                if frame[12:14] == b'\x08\x00' and frame[23] == 17:
                    ihl = (frame[14] & 0x0F) * 4
                    frame[14 + ihl + 6:14 + ihl + 8] = b'\x00\x00'
                hold = conf['delay'] + (rnd.uniform(-conf['jitter'], conf['jitter']) if conf['jitter'] else 0)
                n += 1
                heapq.heappush(queue, (time.monotonic() + max(0.0, hold) / 1000, n, bytes(frame)))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, frame = heapq.heappop(queue)
            try:
                tx.send(frame)
                count['sent'] += 1
            except OSError:
                count['send_failed'] += 1
    print(json.dumps(count), flush=True)


if __name__ == '__main__':
    main()
