# SPDX-License-Identifier: EUPL-1.2
"""A non-browser participant for tests/netns/aiortc.test.js: Debian's aiortc publishes VP8 (a
moving colour pattern) and Opus (a 440 Hz tone) and subscribes to everyone else.

The node test is the WebSocket: every line on stdin is one signaling message from the server,
every line on stdout with an "ns" key is one for the server. Lines with "report" go to the test:
    {"report": "media", "received": {"<participant>:<source>": frames, ...},
     "srtp": {"publish": "SRTP_AES128_CM_SHA1_80", "subscribe": ...}, "ice": {...}}
every second, and {"report": "error", ...} on a failure. stdin closed: close and exit.

The one subtle point: aiortc does not trickle, so each description is sent after ICE gathering
finished (its candidates are in the SDP), and it gathers on every address but 127.0.0.1 — the
test runs it in a network namespace whose veth gives it 10.77.0.x. No STUN server (there is no
network to reach one).
"""
import asyncio
import fractions
import json
import math
import sys

import numpy
from av import AudioFrame, VideoFrame
from OpenSSL import SSL
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

VIDEO_W, VIDEO_H, FPS = 320, 240, 15
RATE, SAMPLES = 48000, 960  # 20 ms of Opus


def out(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


class PacedTrack(MediaStreamTrack):
    """A generated track: frame n is due n periods after the first."""

    def __init__(self, period):
        super().__init__()
        self.n = 0
        self.period = period
        self.start = None

    async def next_frame(self):
        loop = asyncio.get_running_loop()
        if self.start is None:
            self.start = loop.time()
        await asyncio.sleep(max(0.0, self.start + self.n * self.period - loop.time()))
        self.n += 1
        return self.n - 1


class PatternTrack(PacedTrack):
    """Moving colour bars: every frame differs, so the encoder keeps sending."""
    kind = 'video'

    def __init__(self):
        super().__init__(1 / FPS)

    async def recv(self):
        await self.next_frame()
        img = numpy.zeros((VIDEO_H, VIDEO_W, 3), numpy.uint8)
        x = (self.n * 4) % VIDEO_W
        img[:, :, 0] = 200
        img[:, x:x + 40, 1] = 255
        img[VIDEO_H // 2:, :, 2] = (self.n * 3) % 256
        frame = VideoFrame.from_ndarray(img, format='bgr24')
        frame.pts = self.n * (90000 // FPS)
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


class ToneTrack(PacedTrack):
    """A 440 Hz tone at -12 dBFS."""
    kind = 'audio'

    def __init__(self):
        super().__init__(SAMPLES / RATE)

    async def recv(self):
        n = await self.next_frame()
        t = (numpy.arange(SAMPLES) + n * SAMPLES) / RATE
        pcm = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format='s16', layout='mono')
        frame.sample_rate = RATE
        frame.pts = n * SAMPLES
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


def srtp_profile(pc):
    """The SRTP profile DTLS selected on pc's (bundled) transport, as OpenSSL names it."""
    for t in pc.getTransceivers():
        dtls = t.receiver.transport or t.sender.transport
        ssl = getattr(dtls, 'ssl', None)
        if ssl is None or dtls.state != 'connected':
            continue
        prof = SSL._lib.SSL_get_selected_srtp_profile(ssl._ssl)
        if prof != SSL._ffi.NULL:
            return SSL._ffi.string(prof.name).decode()
    return None


class Peer:
    def __init__(self):
        self.config = RTCConfiguration(iceServers=[])
        self.pub = RTCPeerConnection(self.config)
        self.sub = None
        self.mids = {}       # subscribe mid -> "participant:source"
        self.received = {}   # "participant:source" -> frames
        self.readers = []

    async def publish(self):
        self.pub.addTrack(ToneTrack())
        self.pub.addTrack(PatternTrack())
        await self.pub.setLocalDescription(await self.pub.createOffer())
        tracks = []
        for t in self.pub.getTransceivers():
            tracks.append({'mid': t.mid, 'source': 'microphone' if t.kind == 'audio' else 'camera'})
        out({'ns': 'media', 'action': 'publish', 'sdp': self.pub.localDescription.sdp, 'tracks': tracks})

    async def read(self, track, mid):
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            key = self.mids.get(mid)
            if key:
                self.received[key] = self.received.get(key, 0) + 1

    async def subscribe_offer(self, msg):
        if self.sub is None:
            self.sub = RTCPeerConnection(self.config)

            @self.sub.on('track')
            def on_track(track):
                mid = next((t.mid for t in self.sub.getTransceivers() if t.receiver.track is track), None)
                self.readers.append(asyncio.ensure_future(self.read(track, mid)))
        for t in msg.get('tracks', []):
            self.mids[t['mid']] = f"{t['participant']}:{t['source']}"
        await self.sub.setRemoteDescription(RTCSessionDescription(sdp=msg['sdp'], type='offer'))
        await self.sub.setLocalDescription(await self.sub.createAnswer())
        out({'ns': 'media', 'action': 'subscribe_answer', 'revision': msg['revision'],
             'sdp': self.sub.localDescription.sdp})

    async def handle(self, msg):
        ns, ev = msg.get('ns'), msg.get('event')
        if ns == 'control' and ev == 'joined':
            await self.publish()
        elif ns == 'media' and ev == 'publish_answer':
            await self.pub.setRemoteDescription(RTCSessionDescription(sdp=msg['sdp'], type='answer'))
        elif ns == 'media' and ev == 'subscribe_offer':
            await self.subscribe_offer(msg)
        elif ev == 'error':
            out({'report': 'error', 'message': msg})

    async def report(self):
        while True:
            await asyncio.sleep(1)
            out({'report': 'media', 'received': self.received,
                 'srtp': {'publish': srtp_profile(self.pub), 'subscribe': self.sub and srtp_profile(self.sub)},
                 'state': {'publish': self.pub.connectionState, 'subscribe': self.sub and self.sub.connectionState}})

    async def close(self):
        for r in self.readers:
            r.cancel()
        await self.pub.close()
        if self.sub:
            await self.sub.close()


async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    peer = Peer()
    reporter = asyncio.ensure_future(peer.report())
    out({'report': 'ready'})
    while True:
        line = await reader.readline()
        if not line:
            break
        try:
            await peer.handle(json.loads(line))
        except Exception as e:  # a failure is the test's to report, with what caused it
            out({'report': 'error', 'message': f'{type(e).__name__}: {e}'})
    reporter.cancel()
    await peer.close()


if __name__ == '__main__':
    asyncio.run(main())
