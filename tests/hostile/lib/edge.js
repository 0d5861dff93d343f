// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Helpers for the attack-style tests of the server's edge (proxy headers, Host, Origin,
// framing, /metrics). Servers are started with tests/e2e/lib/idp.js (startRatsaal: a config
// file of ours and local accounts); everything talks to 127.0.0.x only.
//
// - ws(url, {headers, origin}): a signaling WebSocket with any request headers (a proxy's
//   X-Forwarded-For, a forged Host, a long Origin). Resolves to a client like idp.wsClient's
//   once open, or to {refused: statusCode} when the upgrade is answered with a status.
// - raw(port, text): bytes on a fresh TCP connection; resolves to everything read until the
//   server closes (closed: true) or stays silent for `quietMs`.
// - metric(url, name, opts): one sample of /metrics (0 when missing).

const net = require('node:net');
const path = require('node:path');
const h = require('../../e2e/lib/harness.js');
const idp = require('../../e2e/lib/idp.js');

function ws(serverUrl, { headers = {}, origin, timeout = 4000 } = {}) {
  const WebSocket = require(path.join(h.ROOT, 'node_modules/ws'));
  const sock = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/signaling`, { headers, origin });
  const events = [];
  const waiters = [];
  sock.on('message', (data) => {
    const ev = JSON.parse(data.toString());
    events.push(ev);
    for (const w of [...waiters]) if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
  });
  const client = {
    ws: sock,
    events,
    next(pred, ms = timeout, what = 'event') {
      const found = events.find(pred);
      if (found) { events.splice(events.indexOf(found), 1); return Promise.resolve(found); }
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (ev) => { clearTimeout(w.timer); events.splice(events.indexOf(ev), 1); resolve(ev); } };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timeout after ${ms} ms waiting for ${what}; last events ${JSON.stringify(events.slice(-5))}`));
        }, ms);
        waiters.push(w);
      });
    },
    async request(obj, ms = timeout) {
      const ref = `r${Math.random().toString(36).slice(2, 10)}`;
      sock.send(JSON.stringify({ ...obj, ref }));
      return this.next((e) => e.ref === ref, ms, `reply to ${JSON.stringify(obj).slice(0, 80)}`);
    },
    close() {
      return new Promise((resolve) => {
        if (sock.readyState === WebSocket.CLOSED) return resolve();
        sock.once('close', () => resolve());
        try { sock.close(); } catch { resolve(); }
      });
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('WebSocket: no answer to the upgrade')), timeout);
    sock.once('open', () => { clearTimeout(timer); resolve(client); });
    sock.once('unexpected-response', (req, res) => {
      clearTimeout(timer);
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ refused: res.statusCode, body, headers: res.headers }));
      res.on('error', () => resolve({ refused: res.statusCode, body, headers: res.headers }));
    });
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function raw(port, text, { quietMs = 1500, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    let out = '';
    let timer;
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => s.write(text));
    const done = (closed) => { clearTimeout(timer); s.destroy(); resolve({ text: out, closed }); };
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => done(false), quietMs); };
    s.setEncoding('latin1');
    s.on('data', (d) => { out += d; arm(); });
    s.on('end', () => done(true));
    s.on('close', () => done(true));
    s.on('error', (e) => (out ? done(true) : reject(e)));
    arm();
  });
}

async function metric(serverUrl, name, { headers = {} } = {}) {
  const r = await idp.request(`${serverUrl}/metrics`, { headers });
  if (r.status !== 200) throw new Error(`/metrics: ${r.status} ${r.text.slice(0, 200)}`);
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = r.text.match(new RegExp(`^${esc} (\\d+(?:\\.\\d+)?)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

module.exports = { ws, raw, metric };
