// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Media over TCP (ICE-TCP, RFC 6544 / RFC 4571): with every UDP packet dropped, two Chromium
// pages in child namespaces still join, decode each other's video and receive each other's
// audio, over a TCP candidate pair to the SFU's passive candidate; /metrics shows the
// connections. And the bad path on the SFU's TCP port: garbage, an oversize frame, a binding
// request with an unknown ufrag and a connection that says nothing are closed and counted while
// the meeting goes on undisturbed.
// Run: RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/ice-tcp.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const zlib = require('node:zlib');
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');

const stopWatchdog = h.watchdog(240000);
let server; let nft;
const kids = []; const browsers = []; const pages = [];

before(async () => {
  ns.setup();
  nft = ns.dropUdp();
  server = await h.startServer(ns.serverOptions());
  for (let i = 0; i < 2; i++) {
    const kid = await ns.child(server.port);
    kids.push(kid);
    browsers.push(await h.launchBrowser(kid.launchArgs));
  }
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

async function metrics() {
  return (await fetch(`${server.url}/metrics`)).text();
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

/** The page's nominated pair on both connections: protocols of its local and remote candidate. */
async function selectedPairs(page) {
  return page.evaluate(async () => {
    const m = window.__ratsaalMeeting.media;
    const out = [];
    for (const pc of [m.pub, m.sub]) {
      if (!pc) continue;
      const stats = [...(await pc.getStats()).values()];
      const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
      const local = pair && stats.find((s) => s.id === pair.localCandidateId);
      const remote = pair && stats.find((s) => s.id === pair.remoteCandidateId);
      out.push({ local: local && local.protocol, remote: remote && remote.protocol,
        remoteAddress: remote && (remote.address || remote.ip), tcpType: remote && remote.tcpType });
    }
    return out;
  });
}

/** A connection to the SFU's first worker's TCP port; resolves on connect. */
function connectTcp() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: ns.HOST_IP, port: server.udpPort }, () => resolve(s));
    s.once('error', reject);
    s.closedBy = new Promise((res) => s.once('close', () => res(Date.now())));
    s.on('error', () => {});
  });
}

async function closedWithin(sock, ms, what) {
  const r = await Promise.race([sock.closedBy, h.sleep(ms).then(() => null)]);
  assert.ok(r, `the server did not close the connection that sent ${what} within ${ms} ms`);
}

/** A STUN binding request with USERNAME, MESSAGE-INTEGRITY and FINGERPRINT (RFC 5389). */
function bindingRequest(username, pwd) {
  const attr = (type, value) => {
    const pad = (4 - (value.length % 4)) % 4;
    const a = Buffer.alloc(4 + value.length + pad);
    a.writeUInt16BE(type, 0);
    a.writeUInt16BE(value.length, 2);
    value.copy(a, 4);
    return a;
  };
  const header = (len) => {
    const b = Buffer.alloc(20);
    b.writeUInt16BE(0x0001, 0);
    b.writeUInt16BE(len, 2);
    b.writeUInt32BE(0x2112A442, 4);
    crypto.randomBytes(12).copy(b, 8);
    return b;
  };
  const user = attr(0x0006, Buffer.from(username));
  let msg = Buffer.concat([header(user.length + 24), user]);
  const mac = crypto.createHmac('sha1', pwd).update(msg).digest();
  msg = Buffer.concat([msg, attr(0x0008, mac)]);
  msg.writeUInt16BE(msg.length - 20 + 8, 2);
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE((zlib.crc32(msg) ^ 0x5354554e) >>> 0, 0);
  return Buffer.concat([msg, attr(0x8028, fp)]);
}

function framed(pkt) {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(pkt.length, 0);
  return Buffer.concat([len, pkt]);
}

test('with UDP dropped, two pages meet over ICE-TCP; bad bytes on the TCP port are closed and counted', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const url = `${server.url}/r/ice-tcp-room?join=1&name=`;
    const a = await h.newPage(browsers[0]); pages.push(a);
    const b = await h.newPage(browsers[1]); pages.push(b);
    await h.joinByLink(a, `${url}Anna`);
    await h.joinByLink(b, `${url}Bernd`);
    const [idA, idB] = await Promise.all([a, b].map((p) => h.selfId(p)));
    await h.rising(a, `${idB}:camera`, 'frames', { timeout: 30000 });
    await h.rising(b, `${idA}:camera`, 'frames', { timeout: 30000 });
    await h.rising(a, `${idB}:microphone`, 'packets');
    await h.rising(b, `${idA}:microphone`, 'packets');
    for (const p of [a, b]) {
      const pairs = await selectedPairs(p);
      assert.equal(pairs.length, 2, `both connections have a nominated pair: ${JSON.stringify(pairs)}`);
      for (const pair of pairs) {
        assert.equal(pair.local, 'tcp', `the browser's side of the pair is TCP: ${JSON.stringify(pairs)}`);
        assert.equal(pair.remote, 'tcp');
        assert.equal(pair.remoteAddress, ns.HOST_IP);
        assert.equal(pair.tcpType, 'passive');
      }
    }
    // UDP really was dropped: the rules counted packets, and media still flows
    assert.match(nft.list(), /udp counter packets [1-9]/);
    let m = await metrics();
    assert.ok(metric(m, 'ratsaal_ice_tcp_connections') >= 4, `two pages × two connections open:\n${m.match(/^ratsaal_ice_tcp.*$/mg)}`);
    assert.ok(metric(m, 'ratsaal_ice_tcp_connections_total') >= 4);
    const badBefore = metric(m, 'ratsaal_ice_tcp_dropped_total{reason="bad_frame"}');
    const idleBefore = metric(m, 'ratsaal_ice_tcp_dropped_total{reason="idle"}');
    const authBefore = metric(m, 'ratsaal_media_drops_total{reason="stun_auth"}');

    // the bad path, while the meeting runs
    const silent = await connectTcp(); // never sends: closed after the unbound timeout (10 s)
    const garbage = await connectTcp();
    garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // "GE" = a length of 18245
    const oversize = await connectTcp();
    oversize.write(framed(Buffer.alloc(1501, 0x80)));
    const zero = await connectTcp();
    zero.write(Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]));
    const stranger = await connectTcp();
    stranger.write(framed(bindingRequest('0001zzzz:abcd', 'not-our-password-at-all')));
    await closedWithin(garbage, 3000, 'garbage');
    await closedWithin(oversize, 3000, 'an oversize frame');
    await closedWithin(zero, 3000, 'a frame of length 0');
    await closedWithin(stranger, 3000, 'a binding request with an unknown ufrag');
    m = await metrics();
    assert.equal(metric(m, 'ratsaal_ice_tcp_dropped_total{reason="bad_frame"}'), badBefore + 4);
    assert.ok(metric(m, 'ratsaal_media_drops_total{reason="stun_auth"}') > authBefore);
    await closedWithin(silent, 15000, 'nothing');
    m = await metrics();
    assert.equal(metric(m, 'ratsaal_ice_tcp_dropped_total{reason="idle"}'), idleBefore + 1);
    assert.ok(metric(m, 'ratsaal_ice_tcp_connections') >= 4, 'the meeting\'s connections are still open');

    // the meeting went on undisturbed
    await h.rising(a, `${idB}:camera`, 'frames');
    await h.rising(b, `${idA}:camera`, 'frames');
    await h.rising(b, `${idA}:microphone`, 'packets');
  }));

test('one ICE-TCP port on an address of its own (ice_tcp_port, ice_tcp_listen); refused with several workers', async () => {
  const port = await h.freeTcpPort();
  await assert.rejects(
    h.startServer(ns.serverOptions(`media_workers = 2\nice_tcp_port = ${port}\n`)),
    /ice_tcp_port: one TCP port for every worker needs media_workers = 1/);
  const single = await h.startServer(ns.serverOptions(
    `media_workers = 1\nice_tcp_port = ${port}\nice_tcp_listen = ${ns.PEER_IP}\n`));
  try {
    // bound to the dedicated address only
    await assert.rejects(new Promise((resolve, reject) => {
      const s = net.connect({ host: ns.HOST_IP, port }, () => { s.destroy(); resolve(); });
      s.once('error', reject);
    }), /ECONNREFUSED/);
    const before = metric(await (await fetch(`${single.url}/metrics`)).text(), 'ratsaal_ice_tcp_dropped_total{reason="bad_frame"}');
    const s = await new Promise((resolve, reject) => {
      const c = net.connect({ host: ns.PEER_IP, port }, () => resolve(c));
      c.once('error', reject);
      c.closedBy = new Promise((res) => c.once('close', () => res(Date.now())));
    });
    s.write(framed(Buffer.alloc(1501, 0x80)));
    await closedWithin(s, 3000, 'an oversize frame');
    const m = await (await fetch(`${single.url}/metrics`)).text();
    assert.equal(metric(m, 'ratsaal_ice_tcp_dropped_total{reason="bad_frame"}'), before + 1);
    assert.equal(metric(m, 'ratsaal_ice_tcp_connections_total'), 1);
  } finally {
    await single.stop();
  }
});

test('where UDP works, UDP wins over the TCP candidate', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    nft.flush(); // UDP through again
    const url = `${server.url}/r/ice-udp-room?join=1&name=`;
    const a = await h.newPage(browsers[0]); pages.push(a);
    const b = await h.newPage(browsers[1]); pages.push(b);
    await h.joinByLink(a, `${url}Carla`);
    await h.joinByLink(b, `${url}Dirk`);
    const [idA, idB] = await Promise.all([a, b].map((p) => h.selfId(p)));
    await h.rising(a, `${idB}:camera`, 'frames', { timeout: 30000 });
    await h.rising(b, `${idA}:camera`, 'frames', { timeout: 30000 });
    for (const p of [a, b]) {
      const sdp = await p.evaluate(() => window.__ratsaal.publishPc.remoteDescription.sdp);
      assert.match(sdp, /a=candidate:\S+ 1 tcp \d+ 10\.77\.0\.1 \d+ typ host tcptype passive/, 'the TCP candidate was offered');
      for (const pair of await selectedPairs(p)) {
        assert.equal(pair.remote, 'udp', `UDP chosen: ${JSON.stringify(pair)}`);
      }
    }
  }));
