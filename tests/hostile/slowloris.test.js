// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Slow loris: hundreds of connections from one address that send a request line and then one
// header byte every half second, never finishing their headers, and reconnect whenever the
// server closes them. A user on another address must not notice: /healthz and a join answer
// within 2 s, the server stays cool and quiet, and /metrics shows what it refused and closed.
// Then the same trick on a request body and on a kept-alive connection's second request.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/hostile.js');
const { watchdog } = require('../e2e/lib/harness.js');

const stopWatchdog = watchdog(150000);
test.after(() => stopWatchdog());

const HEADER_TIMEOUT_S = 3;

/** Probes /healthz and a join once a second for `ms` while measuring CPU and log volume. */
async function userView(server, ms) {
  const load = h.watch(server, ms);
  const probes = [];
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    const t0 = Date.now();
    probes.push({ healthz: await h.probeHttp(server.port), join: await h.probeJoin(server.url, `calm-${i}`) });
    await h.sleep(Math.max(0, 1000 - (Date.now() - t0)));
  }
  return { probes, ...(await load) };
}

function assertUsersServed(view, label) {
  for (const [i, p] of view.probes.entries()) {
    assert.ok(p.healthz.ok && p.healthz.ms < 2000, `${label}: /healthz #${i}: ${JSON.stringify(p.healthz)}`);
    assert.ok(p.join.ok && p.join.ms < 2000, `${label}: join #${i}: ${JSON.stringify(p.join)}`);
  }
}

/** The attack is in place: what users and the operator see, then the attack stops. */
async function underAttack(server, attack, count) {
  await h.sleep(1500);
  const view = await userView(server, HEADER_TIMEOUT_S * 1000 + 3000);
  console.log(`# ${count} slow connections: held ${attack.held()}, answers ${JSON.stringify(attack.stats.answered)}, ` +
    `server cpu ${(view.cpu * 100).toFixed(1)} %, log ${view.logBytesPerSec.toFixed(0)} B/s, ` +
    `probe ms ${view.probes.map((p) => `${p.healthz.ms}/${p.join.ms}`).join(' ')}`);
  assertUsersServed(view, `${count} slow connections`);
  assert.ok(view.cpu < 0.25, `server CPU ${(view.cpu * 100).toFixed(1)} % of a core`);
  assert.ok(view.logBytesPerSec < 4096, `server log ${view.logBytesPerSec.toFixed(0)} B/s`);

  const m = await h.metrics(server.port);
  assert.ok(m['ratsaal_http_connections_refused_total{reason="per_ip"}'] > 0, 'refusals per address counted');
  assert.ok(m['ratsaal_http_connections_closed_total{reason="header_timeout"}'] > 0, 'header timeouts counted');
  // what the attacker saw: its extra connections refused, its slow requests timed out
  assert.ok(attack.stats.answered['429'] > 0, `extra connections answered 429: ${JSON.stringify(attack.stats.answered)}`);
  assert.ok(attack.stats.answered['408'] > 0, `slow requests answered 408: ${JSON.stringify(attack.stats.answered)}`);

  // the attack gone, the server answers at once
  attack.stop();
  const after = await h.probeHttp(server.port);
  assert.ok(after.ok && after.ms < 1000, JSON.stringify(after));
}

for (const wanted of [300, 1200]) {
  test(`slow loris from one address, ${wanted} connections: users on another address are served`, async () => {
    const count = Math.min(wanted, h.ownFdLimit() - 300);
    const server = await h.startHostileServer({ config: { header_timeout_s: HEADER_TIMEOUT_S } });
    const attack = h.slowLoris({ port: server.port, count });
    try {
      await underAttack(server, attack, count);
    } finally {
      attack.stop();
      await server.stop();
    }
  });
}

/** Opens a connection from the attacker's address, runs `script(socket)`, and resolves with
 * what the server sent and how long the connection lived. */
function slowClient(port, script, limitMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = require('node:net').connect({ host: '127.0.0.1', port, localAddress: h.ATTACKER });
    let got = '';
    const timers = [];
    const done = (how) => {
      timers.forEach(clearInterval);
      s.destroy();
      resolve({ how, got, ms: Date.now() - t0 });
    };
    const limit = setTimeout(() => done('still open'), limitMs);
    timers.push(limit);
    s.on('connect', () => script(s, timers, () => got));
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => done('closed'));
  });
}

test('a slow body, and a slow second request on a kept-alive connection, are closed in time', async () => {
  const server = await h.startHostileServer({ config: { header_timeout_s: HEADER_TIMEOUT_S } });
  try {
    const slowBody = (s, timers) => {
      s.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      timers.push(setInterval(() => s.write(' '), 500));
    };
    const slowSecond = (s, timers, got) => {
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      let started = false;
      timers.push(setInterval(() => {
        if (!got().includes('"status"')) return;
        if (!started) s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        started = true;
        s.write('a');
      }, 300));
    };
    const [bodies, seconds] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => slowClient(server.port, slowBody, 15000))),
      Promise.all(Array.from({ length: 10 }, () => slowClient(server.port, slowSecond, 15000))),
    ]);
    for (const r of bodies) {
      assert.equal(r.how, 'closed', 'a slow body was not closed');
      assert.match(r.got, /^HTTP\/1.1 408 /, 'a slow body is answered 408');
      assert.ok(r.ms < (HEADER_TIMEOUT_S + 2) * 1000, `slow body closed after ${r.ms} ms`);
    }
    for (const r of seconds) {
      assert.equal(r.how, 'closed', 'a slow second request was not closed');
      assert.match(r.got, /^HTTP\/1.1 200 /, 'the first request was answered');
      // at most the keep-alive allowance (5 s) plus the header allowance, and a tick
      assert.ok(r.ms < (5 + HEADER_TIMEOUT_S + 2) * 1000, `slow second request closed after ${r.ms} ms`);
    }
    const m = await h.metrics(server.port);
    assert.ok(m['ratsaal_http_connections_closed_total{reason="header_timeout"}'] >= 10, 'counted');
  } finally {
    await server.stop();
  }
});
