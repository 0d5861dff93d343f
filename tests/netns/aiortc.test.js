// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 16: a participant that is not a browser. Debian's aiortc (tests/netns/aiortc_peer.py,
// run with /usr/bin/python3) joins a meeting, publishes VP8 (moving colour bars) and Opus (a
// 440 Hz tone) and subscribes; a Chromium page in the same meeting decodes its video and hears
// its audio, and aiortc decodes the page's. aiortc offers DTLS-SRTP with
// SRTP_AES128_CM_HMAC_SHA1_80 only, Chromium prefers AEAD_AES_128_GCM: both must work side by
// side, which the server's ratsaal_srtp_sessions_total{profile} and both peers' own view show.
// Debian has no python3-websockets, so this file is aiortc's WebSocket: it relays the
// signaling messages to the peer's stdin and from its stdout, one JSON object per line.
// aioice gathers no 127.0.0.1 candidate, hence the network namespace (10.77.0.x).
// Run: RATSAAL_E2E_TIMEOUT_MS=30000 unshare -n node --test tests/netns/aiortc.test.js

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const WebSocket = require(path.join(__dirname, '../../node_modules/ws'));
const h = require('../e2e/lib/harness.js');
const ns = require('../e2e/lib/netns.js');

const ROOM = 'aiortc-room';
const stopWatchdog = h.watchdog(180000);
let server; let browser; let py; let ws; let A; let idA; let idPy;
const pages = [];
const reports = [];
const errors = [];
let metricsAtStart;

before(async () => {
  ns.setup();
  server = await h.startServer(ns.serverOptions());
  metricsAtStart = await metrics();
  browser = await h.launchBrowser({ loopback: false });
  A = await h.newPage(browser); pages.push(A);
  await h.joinByLink(A, `${server.url}/r/${ROOM}?join=1&name=Anna`);
  idA = await h.selfId(A);

  py = spawn('/usr/bin/python3', [path.join(__dirname, 'aiortc_peer.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  py.stderr.on('data', (d) => { stderr += d; });
  py.on('exit', (code) => { if (code) errors.push(`aiortc_peer.py exited ${code}: ${stderr.slice(-2000)}`); });
  const ready = new Promise((resolve) => {
    readline.createInterface({ input: py.stdout }).on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { errors.push(`aiortc_peer.py printed ${line}`); return; }
      if (msg.ns) ws.send(JSON.stringify(msg));
      else if (msg.report === 'ready') resolve();
      else if (msg.report === 'error') errors.push(JSON.stringify(msg.message));
      else reports.push(msg);
    });
  });
  await ready;
  ws = new WebSocket(`${server.url.replace('http', 'ws')}/signaling`, { origin: server.url });
  const joined = new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.ns === 'control' && msg.event === 'hello') ws.send(JSON.stringify({ ns: 'control', action: 'join', room: ROOM, display_name: 'aiortc' }));
      if (msg.ns === 'control' && msg.event === 'joined') resolve(msg.id);
      if (msg.event === 'error') errors.push(`server: ${JSON.stringify(msg)}`);
      py.stdin.write(`${JSON.stringify(msg)}\n`);
    });
    ws.once('error', reject);
  });
  idPy = await joined;
});

after(async () => {
  if (ws) ws.close();
  if (py && py.exitCode === null) {
    py.stdin.end();
    await Promise.race([new Promise((r) => py.once('exit', r)), h.sleep(5000)]);
    if (py.exitCode === null) py.kill('SIGKILL');
  }
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  ns.cleanup();
  stopWatchdog();
});

async function metrics() {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const get = (name) => {
    const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm'));
    assert.ok(m, `${name} missing from /metrics`);
    return Number(m[1]);
  };
  return {
    gcm: get('ratsaal_srtp_sessions_total{profile="aead_aes_128_gcm"}'),
    cm: get('ratsaal_srtp_sessions_total{profile="aes_cm_128_hmac_sha1_80"}'),
  };
}

/** aiortc's latest report. */
const lastReport = () => reports[reports.length - 1] || {};

test('aiortc and Chromium see and hear each other; aiortc gets AES_CM_128_HMAC_SHA1_80, Chromium GCM', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    // Chromium decodes aiortc's video and receives its tone
    await h.rising(A, `${idPy}:camera`, 'frames', { timeout: 30000 });
    await h.rising(A, `${idPy}:microphone`, 'packets', { timeout: 30000 });
    const energy = () => A.evaluate(async (pid) => {
      const r = window.__ratsaal;
      let e = 0;
      (await r.subscribePc.getStats()).forEach((x) => {
        const m = x.type === 'inbound-rtp' && r.mids.get(x.mid);
        if (m && m.participant === pid && m.source === 'microphone') e = x.totalAudioEnergy || 0;
      });
      return e;
    }, idPy);
    const e0 = await energy();
    await h.sleep(1500);
    const e1 = await energy();
    assert.ok(e1 > e0, `aiortc's tone is silent in Chromium (totalAudioEnergy ${e0} → ${e1})`);
    const seen = (await h.inbound(A))[`${idPy}:camera`];
    assert.equal(seen.width, 320, 'aiortc sends 320×240');

    // aiortc decodes Anna's camera and microphone
    const key = (s) => `${idA}:${s}`;
    const first = await h.waitUntil(() => {
      const r = lastReport();
      return r.received && r.received[key('camera')] > 10 && r.received[key('microphone')] > 10 && r;
    }, { timeout: 30000, interval: 250, message: `aiortc to receive Anna's media (${JSON.stringify(lastReport())})` });
    await h.sleep(2000);
    const later = lastReport();
    assert.ok(later.received[key('camera')] > first.received[key('camera')], 'aiortc stopped decoding Anna\'s video');
    assert.ok(later.received[key('microphone')] > first.received[key('microphone')], 'aiortc stopped receiving Anna\'s audio');

    // the SRTP profiles: aiortc's own DTLS, Chromium's transport stats, the server's counters
    assert.deepEqual(later.srtp, { publish: 'SRTP_AES128_CM_SHA1_80', subscribe: 'SRTP_AES128_CM_SHA1_80' });
    const chromium = await A.evaluate(async () => {
      const out = [];
      for (const pc of [window.__ratsaal.publishPc, window.__ratsaal.subscribePc]) {
        (await pc.getStats()).forEach((x) => { if (x.type === 'transport') out.push(x.srtpCipher); });
      }
      return out;
    });
    assert.deepEqual(chromium, ['SRTP_AEAD_AES_128_GCM', 'SRTP_AEAD_AES_128_GCM']);
    const m = await metrics();
    assert.equal(m.cm - metricsAtStart.cm, 2, 'aiortc\'s publish and subscribe transports: 2 AES_CM sessions');
    assert.equal(m.gcm - metricsAtStart.gcm, 2, 'Chromium\'s publish and subscribe transports: 2 GCM sessions');
    assert.match(server.output(), /event=transport_connected tid=\d+ subscriber=0 srtp=aes_cm_128_hmac_sha1_80/);
    assert.deepEqual(errors, []);
    t.diagnostic(`aiortc received ${JSON.stringify(later.received)}; Chromium decoded aiortc's camera at ${seen.width}×${seen.height}`);
  }));
