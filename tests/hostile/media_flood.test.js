// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Floods of malformed and forged datagrams at every media port while a meeting of three
// browsers runs (issue 11): garbage, STUN binding requests with a wrong MESSAGE-INTEGRITY and
// unknown credentials, DTLS records, plain RTP, RTP with a made-up SRTP authentication tag,
// RTCP, oversized datagrams — from another loopback address (127.0.0.2), paced so the kernel
// does not drop them before the server sees them. Checks what a person and an operator would:
// every page keeps decoding the others' video and receiving their audio, no inbound stream
// reports lost packets during the flood, and /metrics accounts for every datagram sent
// (ratsaal_media_drops_total grows by at least as many as were sent).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const h = require('../e2e/lib/harness.js');
const hh = require('./lib/hostile.js');

const stop = h.watchdog(240000);
let server;
let browser;
const pages = [];

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  stop();
});

function stunRequest() {
  // a binding request with USERNAME "x:y" and a MESSAGE-INTEGRITY of random bytes
  const user = Buffer.from('evil:peer');
  const pad = (4 - (user.length % 4)) % 4;
  const attrs = Buffer.concat([
    Buffer.from([0x00, 0x06, 0x00, user.length]), user, Buffer.alloc(pad),
    Buffer.from([0x00, 0x08, 0x00, 0x14]), crypto.randomBytes(20),
  ]);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0001, 0);
  head.writeUInt16BE(attrs.length, 2);
  head.writeUInt32BE(0x2112a442, 4);
  crypto.randomBytes(12).copy(head, 8);
  return Buffer.concat([head, attrs]);
}

function rtp(withTag) {
  const b = Buffer.alloc(12 + 160 + (withTag ? 16 : 0));
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(crypto.randomInt(65536), 2);
  b.writeUInt32BE(crypto.randomInt(2 ** 32), 4);
  b.writeUInt32BE(crypto.randomInt(2 ** 32), 8);
  crypto.randomBytes(b.length - 12).copy(b, 12);
  return b;
}

const KINDS = {
  garbage: () => crypto.randomBytes(1 + crypto.randomInt(300)),
  stun_bad_integrity: stunRequest,
  dtls: () => Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), crypto.randomBytes(90)]),
  plain_rtp: () => rtp(false),
  forged_srtp: () => rtp(true),
  rtcp: () => Buffer.concat([Buffer.from([0x81, 200, 0x00, 0x06]), crypto.randomBytes(24)]),
  oversized: () => crypto.randomBytes(1400),
};

async function flood(ports, perKind, perMs) {
  const sock = dgram.createSocket('udp4');
  await new Promise((resolve) => sock.bind({ address: '127.0.0.2', port: 0 }, resolve));
  let sent = 0;
  const all = [];
  for (const k of Object.keys(KINDS)) for (let i = 0; i < perKind; i++) all.push(k);
  for (let i = 0; i < all.length; i++) {
    for (const port of ports) {
      await new Promise((resolve) => sock.send(KINDS[all[i]](), port, '127.0.0.1', () => resolve()));
      sent++;
    }
    if (i % perMs === perMs - 1) await h.sleep(1);
  }
  sock.close();
  return sent;
}

const dropsTotal = (m) => Object.entries(m).filter(([k]) => k.startsWith('ratsaal_media_drops_total{')).reduce((s, [, v]) => s + v, 0);

test('malformed and forged datagrams at every media port: the meeting goes on, every drop counted', async (t) => {
  try {
    const names = ['Anna', 'Bernd', 'Carla'];
    const { ids } = await hh.startMeeting(browser, server, 'hostile-media', names, pages);
    const m0 = await hh.metrics(server.port);
    const workers = m0.ratsaal_media_workers || 1;
    const ports = Array.from({ length: workers }, (_, k) => server.udpPort + k);
    const lost0 = await Promise.all(pages.map(hh.lostPackets));

    const sent = await flood(ports, 1500, 4);

    // the meeting went on through the flood and goes on after it
    await hh.meetingFlows(pages, ids);
    const lost1 = await Promise.all(pages.map(hh.lostPackets));
    for (let i = 0; i < 3; i++) assert.equal(lost1[i] - lost0[i], 0, `page ${names[i]} lost packets during the flood`);

    await h.sleep(500);
    const m1 = await hh.metrics(server.port);
    const dropped = dropsTotal(m1) - dropsTotal(m0);
    t.diagnostic(`sent ${sent} datagrams to ports ${ports.join(', ')}; drops counted ${dropped}`);
    for (const [k, v] of Object.entries(m1)) if (k.startsWith('ratsaal_media_drops_total{') && v > (m0[k] || 0)) t.diagnostic(`${k} +${v - (m0[k] || 0)}`);
    assert.ok(dropped >= sent, `every datagram counted: sent ${sent}, counted ${dropped}`);
  } catch (e) {
    await h.saveScreenshots('hostile-media-flood', pages);
    throw e;
  }
});
